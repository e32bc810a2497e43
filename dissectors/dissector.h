/* dissector.h — the dissector interface (after Suricata's app-layer parsers).
 *
 * A dissector turns bytes into observations and knows nothing of flows or
 * threads. The flow layer probes the first bytes of each direction against
 * the registry, creates the state of the first dissector that claims them,
 * then hands it in-order bytes (TCP, after reassembly) or whole datagrams
 * (UDP). The flow owns the state; only state_free releases it. Views of the
 * input are valid only during parse: anything kept is copied. */
#ifndef AS_DISSECTOR_H
#define AS_DISSECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

struct dissect_ctx {
	uint64_t ts_us;	     /* packet time of the bytes being parsed */
	const uint8_t *salt; /* key for credential fingerprints */
	size_t salt_len;
	void (*emit)(void *user, const struct observation *obs);
	void *user;
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
	unsigned transports; /* mask of enum dissect_transport */
	/* True when these first bytes of a direction are this protocol. */
	bool (*probe)(const struct dissect_probe *p);
	void *(*state_new)(void);
	void (*state_free)(void *state);
	/* In-order stream bytes (TCP) or one datagram (UDP) of one direction.
	 * For TCP, len == 0 means that direction ended (FIN, RST or flow end):
	 * emit whatever is pending. Returns enum dissect_status or a negative
	 * enum as_err. */
	int (*parse)(void *state, enum dissect_dir dir, const uint8_t *data, size_t len,
		     const struct dissect_ctx *ctx);
	/* Bytes lost in dir (reassembly gave up); NULL means stop the flow. */
	void (*gap)(void *state, enum dissect_dir dir, size_t len);
};

/* The registry, in probe order; NULL-terminated. */
extern const struct dissector *const dissector_registry[];
const struct dissector *dissector_find(const char *name);

/* Helpers for dissectors. */
void dissect_emit(const struct dissect_ctx *ctx, const struct observation *obs);
void dissect_anomaly(const struct dissect_ctx *ctx, const char *dissector, const char *reason);

/* Datagram dissectors (each datagram parsed on its own, nothing kept per
 * flow) share these: a placeholder state that allocates nothing (state_new
 * may not return NULL, which means out of memory) and a gap handler that
 * ignores lost datagrams (a NULL gap would stop the flow). */
void *dissect_stateless_new(void);
void dissect_stateless_free(void *state);
void dissect_gap_ignore(void *state, enum dissect_dir dir, size_t len);

#define DISSECTOR_DATAGRAM(name_, probe_, parse_)                                                            \
	{                                                                                                    \
		.name = (name_), .transports = TRANSPORT_UDP, .probe = (probe_),                             \
		.state_new = dissect_stateless_new, .state_free = dissect_stateless_free, .parse = (parse_), \
		.gap = dissect_gap_ignore,                                                                   \
	}

#endif
