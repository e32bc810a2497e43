/* dissector.h — the dissector (layer) interface, after Suricata's app-layer
 * parsers, stacked per flow.
 *
 * A dissector turns bytes into observations and knows nothing of flows or
 * threads. The flow layer probes the first bytes of each direction against
 * the registry and opens the first dissector that claims them as the
 * bottom layer of the flow's stack; it hands that layer in-order bytes (TCP,
 * after reassembly) or whole datagrams (UDP). A layer may open the one above
 * it (tls -> http1, http1 -> websocket, later tls -> http2, udp -> quic ->
 * http3) and feed it bytes, gaps and ends through its context. The flow owns
 * every layer; only state_free releases a state. Views of the input are
 * valid only during parse: anything kept is copied. */
#ifndef AS_DISSECTOR_H
#define AS_DISSECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "limits.h"
#include "observation.h"

enum dissect_dir {
	DIR_TO_SERVER = 0,
	DIR_TO_CLIENT = 1,
};

enum dissect_transport {
	TRANSPORT_TCP = 1 << 0,
	TRANSPORT_UDP = 1 << 1,
};

/* Return values of parse (negative values are enum as_err). */
enum dissect_status {
	DISSECT_MORE = 0, /* keep feeding */
	DISSECT_DONE = 1, /* nothing more to learn from this flow */
};

/* Read-only for the whole run, shared by every flow of a worker. */
struct dissect_env {
	const uint8_t *salt; /* key of credential fingerprints */
	size_t salt_len;
	/* Session secrets from the operator's key logs; NULL when there are
	 * none: then a TLS layer stops after its hellos. A connection whose
	 * secrets are not there yet keeps its records within these bounds (0:
	 * AS_KEYLOG_WAIT_MS, AS_KEYLOG_WAIT_BYTES). */
	const struct dissect_keys *keys;
	uint32_t keylog_wait_ms;
	size_t keylog_wait_bytes;
	/* Whether a TLS server name is worth following past the hellos (its
	 * sealed records' turns: streamed answers); NULL: every one. The rest
	 * of a flow costs reassembly, so only the AI services' are followed. */
	bool (*follow)(const void *user, const char *server_name);
	const void *follow_user;
};

struct http_conn;

/* What a layer is told when it is opened. */
struct layer_open {
	unsigned transport; /* enum dissect_transport of the flow */
	uint16_t client_port;
	uint16_t server_port;
	char alpn[AS_STR_TINY]; /* the protocol the layer below negotiated (TLS ALPN), or "" */
	bool protected_bytes;	/* the bytes were encrypted on the wire (decrypted below) */
	const struct dissect_env *env;
	/* A protocol switched to by HTTP (Upgrade: websocket, h2c): the
	 * exchange that switched, which the new layer's messages belong to. */
	const struct obs_http_origin *http;
	/* Upgrade: h2c: the HTTP/1 layer's connection, given to the HTTP/2
	 * layer with the upgrade's request awaiting stream 1's response. */
	struct http_conn *http_conn;
	/* Upgrade: websocket: the permessage-deflate the 101 agreed on
	 * (WS_DEFLATE* of websocket.h), 0: none. */
	uint8_t ws_deflate;
};

struct dissector;

/* How a layer reaches the one above it: implemented by the flow's stack
 * (sensor/flow/layers.c), or by a test harness. */
struct dissect_stack_ops {
	/* Opens d above the layer at `depth` (replacing one open there);
	 * AS_ERR_LIMIT past AS_MAX_LAYERS, AS_ERR_NOMEM. */
	int (*open)(void *stack, unsigned depth, const struct dissector *d, const struct layer_open *o);
	/* In-order bytes (len 0: that direction ended) or a gap, for the layer
	 * above `depth`; nothing when none is open (or it closed). */
	void (*feed)(void *stack, unsigned depth, enum dissect_dir dir, const uint8_t *data, size_t len);
	void (*gap)(void *stack, unsigned depth, enum dissect_dir dir, size_t len);
	bool (*is_open)(void *stack, unsigned depth);
};

/* The context of one call into a layer. */
struct dissect_ctx {
	uint64_t ts_us; /* packet time of the bytes being parsed */
	const struct dissect_env *env;
	bool protected_bytes; /* this layer's bytes were encrypted on the wire */
	/* Every observation goes here; dissect_emit stamps protected_bytes. */
	void (*emit)(void *user, const struct observation *obs);
	void *user;
	/* The stack this layer sits in, and its place in it (NULL: none). */
	const struct dissect_stack_ops *stack_ops;
	void *stack;
	unsigned depth;
};

struct dissect_probe {
	unsigned transport; /* enum dissect_transport */
	enum dissect_dir dir;
	uint16_t client_port;
	uint16_t server_port;
	const uint8_t *data;
	size_t len;
};

struct dissector {
	const char *name;
	unsigned transports; /* mask of enum dissect_transport; 0: only opened by a layer below */
	/* True when these first bytes of a direction are this protocol (NULL:
	 * never probed, only opened by a layer below). */
	bool (*probe)(const struct dissect_probe *p);
	/* NULL means out of memory. */
	void *(*state_new)(const struct layer_open *o);
	void (*state_free)(void *state);
	/* In-order stream bytes (TCP) or one datagram (UDP) of one direction.
	 * For a stream, len == 0 means that direction ended (FIN, RST or flow
	 * end): emit whatever is pending. Returns enum dissect_status or a
	 * negative enum as_err (the layer is then closed). */
	int (*parse)(void *state, enum dissect_dir dir, const uint8_t *data, size_t len,
		     const struct dissect_ctx *ctx);
	/* Bytes lost in dir (reassembly gave up); NULL means close the layer. */
	void (*gap)(void *state, enum dissect_dir dir, size_t len, const struct dissect_ctx *ctx);
	/* A datagram dissector told of the flow's end as a stream one is (len
	 * 0 per direction): QUIC, whose streams carry messages in progress. */
	bool datagram_end;
};

/* The registry, in probe order; NULL-terminated. */
extern const struct dissector *const dissector_registry[];
const struct dissector *dissector_find(const char *name);

/* ---- helpers for dissectors ---- */

/* Emits an observation, stamped with the context's protected_bytes. */
void dissect_emit(const struct dissect_ctx *ctx, const struct observation *obs);
void dissect_anomaly(const struct dissect_ctx *ctx, const char *dissector, const char *reason);
/* The keyed-hash fingerprint of a secret (the run's salt). */
void dissect_fingerprint(const struct dissect_ctx *ctx, const void *secret, size_t len,
			 char out[AS_FP_HEX + 1]);
/* Adds a secret to a list of at most cap credentials, as its fingerprint,
 * once. An empty secret adds nothing. AS_ERR_LIMIT when the list is full
 * (the caller counts it). */
int dissect_credential_add(const struct dissect_ctx *ctx, struct obs_credential *list, uint8_t *n, size_t cap,
			   enum cred_where where, enum cred_type type, const void *secret, size_t len);

/* The layer above this one: opened with `o` (start from
 * layer_open_above(this layer's own open)), then fed in-order bytes (len 0:
 * that direction ended) and gaps. */
AS_MUST_CHECK int dissect_open_above(const struct dissect_ctx *ctx, const struct dissector *d,
				     const struct layer_open *o);
/* What a layer opened above one opened with `below` is told by default:
 * the same flow, bytes as protected as below, no ALPN, no HTTP origin. */
struct layer_open layer_open_above(const struct layer_open *below);
bool dissect_above_is_open(const struct dissect_ctx *ctx);
void dissect_feed_above(const struct dissect_ctx *ctx, enum dissect_dir dir, const uint8_t *data, size_t len);
void dissect_gap_above(const struct dissect_ctx *ctx, enum dissect_dir dir, size_t len);

/* Datagram dissectors (each datagram parsed on its own, nothing kept per
 * flow) share these: a placeholder state that allocates nothing (state_new
 * may not return NULL, which means out of memory) and a gap handler that
 * ignores lost datagrams (a NULL gap would close the layer). */
void *dissect_stateless_new(const struct layer_open *o);
void dissect_stateless_free(void *state);
void dissect_gap_ignore(void *state, enum dissect_dir dir, size_t len, const struct dissect_ctx *ctx);

#define DISSECTOR_DATAGRAM(name_, probe_, parse_)                                                            \
	{                                                                                                    \
		.name = (name_), .transports = TRANSPORT_UDP, .probe = (probe_),                             \
		.state_new = dissect_stateless_new, .state_free = dissect_stateless_free, .parse = (parse_), \
		.gap = dissect_gap_ignore,                                                                   \
	}

#endif
