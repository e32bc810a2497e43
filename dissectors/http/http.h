/* http.h — HTTP semantics, written once for every framing (HTTP/1 now;
 * HTTP/2 and HTTP/3 feed the same builder later): a framing reports each
 * message as begin, headers, head end, body bytes, end; the builder pairs
 * requests and responses into exchanges, reduces credentials to
 * fingerprints, keeps what analyzers need (struct http_view) and runs the
 * analyzer table (analyzer.h) on every message, streamed item and
 * WebSocket message.
 *
 * Observations: OBS_HTTP_REQUEST when a request is complete,
 * OBS_HTTP_EXCHANGE when its response is (or the connection ended without
 * one, or a response came whose request was not seen), each analyzer's
 * own observations after them, all carrying the exchange. */
#ifndef AS_HTTP_H
#define AS_HTTP_H

#include <stdbool.h>
#include <stdint.h>

#include "dissector.h"
#include "limits.h"
#include "sbuf.h"
#include "strview.h"

struct http_conn;
struct http_msg;

/* One connection (or, for HTTP/2 and HTTP/3, one multiplexed session). */
struct http_conn *http_conn_new(void);
void http_conn_free(struct http_conn *c);

/* A request begins: on HTTP/1 (stream 0) the next exchange in order, else
 * the stream's. NULL when too many requests await a response (an anomaly). */
struct http_msg *http_request_begin(struct http_conn *c, uint32_t stream, uint8_t version,
				    const struct dissect_ctx *ctx);
/* Its method and request target (origin-, absolute- or authority-form). */
void http_request_line(struct http_msg *m, struct sv method, struct sv target, const struct dissect_ctx *ctx);
/* A response begins: on HTTP/1 (stream 0) to the oldest request awaiting
 * one, else to the stream's; a response whose request was not seen makes
 * an exchange of its own. An interim (1xx) response is ended with
 * http_interim_end: its request goes on waiting. */
struct http_msg *http_response_begin(struct http_conn *c, uint32_t stream, uint8_t version, uint16_t status,
				     const struct dissect_ctx *ctx);
void http_header(struct http_msg *m, struct sv name, struct sv value, const struct dissect_ctx *ctx);
/* The head is complete: the builder chooses how to read the body. */
void http_head_end(struct http_msg *m);
void http_body(struct http_msg *m, struct sv data, const struct dissect_ctx *ctx);
/* Body bytes lost on the wire: counted; the body is no longer parsed. */
void http_body_lost(struct http_msg *m, size_t len);
/* The message is complete (truncated: its direction ended first). The
 * message is freed; its exchange goes on until both sides are done. */
void http_message_end(struct http_msg *m, bool truncated, const struct dissect_ctx *ctx);
void http_interim_end(struct http_msg *m);
/* An interim status (1xx but 101 Switching Protocols): the final response
 * follows; every framing ends such a response with http_interim_end. */
bool http_status_interim(uint16_t status);
/* A 101 switching the connection to HTTP/2 (Upgrade: h2c, RFC 7540
 * §3.2): ends that response; its request goes on waiting, as stream 1,
 * for the response HTTP/2 brings. The connection is handed to the HTTP/2
 * layer (layer_open.http_conn). */
void http_switch_h2c(struct http_msg *m);
/* Frees a message without ending it (the layer is being freed). */
void http_message_drop(struct http_msg *m);
/* The exchange a message belongs to, as observations carry it (a layer
 * opened by a protocol switch keeps a copy). */
const struct obs_http_origin *http_msg_origin(const struct http_msg *m);
/* The connection ended: requests never answered become exchanges of their
 * own (request only). */
void http_conn_end(struct http_conn *c, const struct dissect_ctx *ctx);

/* A header field of HTTP/2 or HTTP/3, as their decoders give it. */
struct http_field {
	struct sv name, value;
};

/* The fields of one header section as a decoder (HPACK, QPACK) gives
 * them, copied: the decoder's buffers last only until its next call. At
 * most AS_HTTP_MAX_HEADERS fields, 2 * AS_H2_MAX_BLOCK bytes; the rest is
 * counted in `over`. */
struct http_fields {
	struct http_field f[AS_HTTP_MAX_HEADERS];
	size_t at[AS_HTTP_MAX_HEADERS][2]; /* offsets of name and value in copy */
	size_t n, over;
	struct sbuf copy;
};
void http_fields_init(struct http_fields *h);
void http_fields_add(struct http_fields *h, const uint8_t *name, size_t name_len, const uint8_t *value,
		     size_t value_len);
/* The fields, pointing into the copy (valid until http_fields_free). */
const struct http_field *http_fields_done(struct http_fields *h);
void http_fields_free(struct http_fields *h);

/* A header section of HTTP/2 or HTTP/3 (RFC 9113 §8.3, RFC 9114 §4.3) on
 * `stream`: the first of a message begins it, its pseudo-header fields
 * making the start line (:method, :path, :authority as Host; :status);
 * with m, the message going on, it is its trailers. Returns the message
 * going on; NULL when none is (the builder refused it, counted, or an
 * interim response ended). */
struct http_msg *http_section(struct http_conn *c, struct http_msg *m, uint32_t stream, uint8_t version,
			      bool request, const struct http_field *f, size_t n, const struct dissect_ctx *ctx);

/* HTTP/1 framing needs these of a head it parses itself. */
bool http_token(struct sv s);
bool http_list_has(struct sv list, struct sv token);
struct sv http_list_last(struct sv list);

#endif
