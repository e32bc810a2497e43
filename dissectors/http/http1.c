/* http1.c — HTTP/1.0 and HTTP/1.1 framing (RFC 9112): request and status
 * lines, header lines, message bodies delimited by Content-Length, chunked
 * coding (extensions and trailers) or the end of the direction, HEAD and
 * 1xx/204/304 answers without a body, Upgrade and CONNECT. What messages
 * mean is the message builder's (http_msg.c), fed with every line.
 *
 * After a 101 answering an Upgrade: websocket request, both directions are
 * handed to a websocket layer opened above this one; request bytes sent
 * before the 101 are held (AS_DISSECT_BUF_MAX) and given to whatever the
 * response decided. A successful CONNECT or another protocol switch ends
 * HTTP/1 on the flow.
 *
 * Parsing follows picohttpparser's shape — views into the input — but
 * works across segments: each direction keeps at most one partial line
 * (sbuf, capped at AS_HTTP_MAX_HEADER_BYTES), and head lines are taken one
 * at a time, so no whole head is ever buffered.
 *
 * Convention: parse() with len == 0 means that direction ended (FIN, RST or
 * flow end); a message in progress is ended (a body read until close, a
 * stream that never finished) and DISSECT_DONE is returned once both
 * directions have ended. */
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "dissector.h"
#include "http.h"
#include "websocket.h"
#include "limits.h"
#include "sbuf.h"
#include "strview.h"

#define H1 "http1"

extern const struct dissector dissector_websocket;
extern const struct dissector dissector_http2;

/* Methods claimed by the probe (an HTTP method token and a space). */
static const char *const probe_methods[] = {"GET ",   "POST ", "PUT ",	   "DELETE ",
					    "PATCH ", "HEAD ", "OPTIONS ", "CONNECT "};

enum h1_phase {
	PH_START,      /* start line (leading empty lines skipped) */
	PH_HEADERS,    /* header lines until the empty line */
	PH_BODY_LEN,   /* Content-Length body: `remaining` bytes */
	PH_CHUNK_SIZE, /* chunk-size [; ext] line */
	PH_CHUNK_DATA, /* chunk data: `remaining` bytes */
	PH_CHUNK_CRLF, /* the CRLF after chunk data */
	PH_TRAILERS,   /* trailer lines after the last chunk */
	PH_BODY_CLOSE, /* body delimited by the end of the direction */
	PH_HOLD,       /* request side after Upgrade/CONNECT: wait for the response (bytes held) */
	PH_ABOVE,      /* the layer above (websocket) takes this direction's bytes */
	PH_LOST,       /* framing lost (gap): ignore the rest */
	PH_ENDED,      /* direction ended or tunnelled */
};

/* What a request asks of the framing of its response. */
enum {
	REQ_HEAD = 1,
	REQ_CONNECT = 2,
	REQ_UPGRADE = 4,
	REQ_WEBSOCKET = 8, /* Upgrade: websocket */
	REQ_H2C = 16,	   /* Upgrade: h2c */
};

struct h1_dir {
	enum h1_phase phase;
	struct sbuf line; /* a line spanning segments */
	size_t head_bytes;
	unsigned n_headers;
	struct http_msg *msg; /* the message in progress (NULL: none, or none kept) */
	bool in_msg;
	bool gap_seen; /* a gap to report at the next parse call */
	/* framing of the current message */
	bool chunked, has_length, te_other;
	uint64_t length, remaining;
	unsigned req_flags; /* request side: REQ_*; response side: flags of the paired request */
	uint16_t status;    /* response side */
	bool upgrade_ws;    /* response: Upgrade: websocket */
	bool upgrade_h2c;   /* response: Upgrade: h2c */
	uint8_t ws_deflate; /* response: the permessage-deflate it agreed on (WS_DEFLATE*) */
};

struct h1_state {
	struct h1_dir d[2];
	struct http_conn *conn;
	uint8_t pending[AS_HTTP_MAX_PIPELINE]; /* REQ_* of requests awaiting a response */
	size_t p_first, p_n;
	struct sbuf hold; /* request bytes after an Upgrade request, until the response */
	bool hold_over;	  /* some were dropped at the cap */
	struct layer_open open;
	struct obs_http_origin upgrade; /* the exchange that switched to the layer above */
};

static struct sv sv_rest(struct sv s, size_t off)
{
	return sv_sub(s, off, s.len);
}

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* ---- requests awaiting a response (their framing flags) ---- */

static void pending_push(struct h1_state *st, unsigned flags)
{
	if (st->p_n == AS_HTTP_MAX_PIPELINE)
		return; /* the builder counted pipeline_over_cap */
	st->pending[(st->p_first + st->p_n) % AS_HTTP_MAX_PIPELINE] = (uint8_t)flags;
	st->p_n++;
}

static unsigned pending_pop(struct h1_state *st)
{
	if (st->p_n == 0)
		return 0; /* capture began mid-connection: assume a plain request */
	unsigned f = st->pending[st->p_first];
	st->p_first = (st->p_first + 1) % AS_HTTP_MAX_PIPELINE;
	st->p_n--;
	return f;
}

/* ---- messages ---- */

static void begin_message(struct h1_dir *d)
{
	d->in_msg = true;
	d->chunked = d->has_length = d->te_other = false;
	d->length = d->remaining = 0;
	d->req_flags = 0;
	d->upgrade_ws = d->upgrade_h2c = false;
	d->ws_deflate = 0;
	d->n_headers = 0;
	d->msg = NULL;
}

static void end_message(struct h1_dir *d, bool truncated, const struct dissect_ctx *ctx)
{
	if (!d->in_msg)
		return;
	d->in_msg = false;
	http_message_end(d->msg, truncated, ctx);
	d->msg = NULL;
}

/* The message is complete: wait for the next one. */
static void message_done(struct h1_state *st, enum dissect_dir dir, const struct dissect_ctx *ctx)
{
	struct h1_dir *d = &st->d[dir];
	unsigned flags = d->req_flags;
	end_message(d, false, ctx);
	d->phase = PH_START;
	d->head_bytes = 0;
	if (dir == DIR_TO_SERVER && (flags & (REQ_CONNECT | REQ_UPGRADE)))
		d->phase = PH_HOLD; /* what follows depends on the response */
}

/* ---- start lines and headers ---- */

/* "HTTP/1.x" → 10 or 11 (a higher minor is treated as 1.1, RFC 9110 §2.5). */
static bool parse_version(struct sv v, uint8_t *out)
{
	uint8_t minor;
	struct cur c = cur_make(v.p, v.len);
	if (v.len != 8 || !sv_starts_with(v, SV_LIT("HTTP/1.")) || !cur_peek_u8(&c, 7, &minor) ||
	    minor < '0' || minor > '9')
		return false;
	*out = minor == '0' ? 10 : 11;
	return true;
}

static int request_line(struct h1_state *st, struct sv line, const struct dissect_ctx *ctx)
{
	struct h1_dir *d = &st->d[DIR_TO_SERVER];
	struct sv rest = line;
	struct sv method = sv_split(&rest, ' ');
	struct sv target = sv_split(&rest, ' ');
	uint8_t version;
	if (!http_token(method) || method.len >= AS_STR_TINY || target.len == 0 ||
	    !parse_version(rest, &version)) {
		dissect_anomaly(ctx, H1, "bad_request_line");
		return AS_ERR_MALFORMED;
	}
	if (sv_eq(method, SV_LIT("HEAD")))
		d->req_flags |= REQ_HEAD;
	if (sv_eq(method, SV_LIT("CONNECT")))
		d->req_flags |= REQ_CONNECT;
	d->msg = http_request_begin(st->conn, 0, version, ctx);
	if (d->msg)
		http_request_line(d->msg, method, target, ctx);
	return DISSECT_MORE;
}

static int status_line(struct h1_state *st, struct sv line, const struct dissect_ctx *ctx)
{
	struct h1_dir *d = &st->d[DIR_TO_CLIENT];
	struct sv rest = line;
	struct sv version = sv_split(&rest, ' ');
	struct sv code = sv_sub(rest, 0, 3);
	struct sv after = sv_rest(rest, 3);
	uint64_t status;
	uint8_t v;
	if (!parse_version(version, &v) || code.len != 3 || !sv_to_u64(code, &status) || status < 100 ||
	    (after.len && !sv_starts_with(after, SV_LIT(" ")))) {
		dissect_anomaly(ctx, H1, "bad_status_line");
		return AS_ERR_MALFORMED;
	}
	d->status = (uint16_t)status;
	d->msg = http_response_begin(st->conn, 0, v, d->status, ctx);
	return DISSECT_MORE;
}

/* RFC 7692 §7: the permessage-deflate a 101 accepted (one extension, its
 * parameters after ';'), and which sides start each message's window
 * empty. */
static uint8_t ws_deflate_of(struct sv value)
{
	while (value.len) {
		struct sv item = sv_split(&value, ',');
		if (!sv_eq_ci(sv_trim(sv_split(&item, ';')), SV_LIT("permessage-deflate")))
			continue;
		uint8_t f = WS_DEFLATE;
		while (item.len) {
			struct sv param = sv_split(&item, ';');
			struct sv pname = sv_trim(sv_split(&param, '='));
			if (sv_eq_ci(pname, SV_LIT("client_no_context_takeover")))
				f |= WS_DEFLATE_CLIENT_RESET;
			else if (sv_eq_ci(pname, SV_LIT("server_no_context_takeover")))
				f |= WS_DEFLATE_SERVER_RESET;
		}
		return f;
	}
	return 0;
}

/* Framing headers are honoured even past the header cap: losing them would
 * desynchronise the stream. */
static int framing_header(struct h1_dir *d, enum dissect_dir dir, struct sv name, struct sv value,
			  const struct dissect_ctx *ctx)
{
	if (sv_eq_ci(name, SV_LIT("content-length"))) {
		uint64_t n;
		if (!sv_to_u64(value, &n) || (d->has_length && n != d->length)) {
			dissect_anomaly(ctx, H1, "bad_content_length");
			return AS_ERR_MALFORMED;
		}
		d->has_length = true;
		d->length = n;
	} else if (sv_eq_ci(name, SV_LIT("transfer-encoding"))) {
		d->chunked = sv_eq_ci(http_list_last(value), SV_LIT("chunked"));
		d->te_other = !d->chunked;
	} else if (sv_eq_ci(name, SV_LIT("upgrade"))) {
		bool ws = http_list_has(value, SV_LIT("websocket")), h2c = http_list_has(value, SV_LIT("h2c"));
		if (dir == DIR_TO_SERVER) {
			d->req_flags |= REQ_UPGRADE | (ws ? REQ_WEBSOCKET : 0) | (h2c ? REQ_H2C : 0);
		} else {
			d->upgrade_ws = ws;
			d->upgrade_h2c = h2c;
		}
	} else if (dir == DIR_TO_CLIENT && sv_eq_ci(name, SV_LIT("sec-websocket-extensions"))) {
		d->ws_deflate |= ws_deflate_of(value);
	}
	return DISSECT_MORE;
}

static int header_line(struct h1_dir *d, enum dissect_dir dir, struct sv line, const struct dissect_ctx *ctx)
{
	if (sv_starts_with(line, SV_LIT(" ")) || sv_starts_with(line, SV_LIT("\t")))
		return DISSECT_MORE; /* obsolete line folding: the continuation is ignored */
	struct sv value = line;
	struct sv name = sv_split(&value, ':');
	if (name.len == line.len || !http_token(name)) {
		dissect_anomaly(ctx, H1, "bad_header_line");
		return DISSECT_MORE;
	}
	value = sv_trim(value);
	int r = framing_header(d, dir, name, value, ctx);
	if (r != DISSECT_MORE)
		return r;
	if (++d->n_headers > AS_HTTP_MAX_HEADERS) {
		if (d->n_headers == AS_HTTP_MAX_HEADERS + 1)
			dissect_anomaly(ctx, H1, "too_many_headers");
		return DISSECT_MORE;
	}
	http_header(d->msg, name, value, ctx);
	return DISSECT_MORE;
}

/* Sets up the body of a message whose framing is `has body` per RFC 9112 §6.3. */
static void start_body(struct h1_state *st, enum dissect_dir dir, bool until_close,
		       const struct dissect_ctx *ctx)
{
	struct h1_dir *d = &st->d[dir];
	http_head_end(d->msg);
	if (d->chunked) {
		d->phase = PH_CHUNK_SIZE;
	} else if (d->has_length) {
		d->remaining = d->length;
		d->phase = PH_BODY_LEN;
		if (d->remaining == 0)
			message_done(st, dir, ctx);
	} else if (until_close) {
		d->phase = PH_BODY_CLOSE;
	} else {
		message_done(st, dir, ctx);
	}
}

static int run(struct h1_state *st, enum dissect_dir dir, struct sv in, const struct dissect_ctx *ctx);

/* The request side was held after an Upgrade/CONNECT request; the response
 * decided what its bytes are: parse them now. */
static void replay_held(struct h1_state *st, const struct dissect_ctx *ctx)
{
	struct sbuf held = st->hold;
	sbuf_init(&st->hold, held.cap);
	st->hold_over = false;
	if (held.len && run(st, DIR_TO_SERVER, sv_make(held.data, held.len), ctx) < 0)
		st->d[DIR_TO_SERVER].phase = PH_LOST;
	sbuf_free(&held);
}

static int request_head_done(struct h1_state *st, const struct dissect_ctx *ctx)
{
	struct h1_dir *d = &st->d[DIR_TO_SERVER];
	if (d->te_other) { /* RFC 9112 §6.3: a request body of unknown length */
		dissect_anomaly(ctx, H1, "bad_transfer_encoding");
		return AS_ERR_MALFORMED;
	}
	pending_push(st, d->req_flags);
	start_body(st, DIR_TO_SERVER, false, ctx);
	return DISSECT_MORE;
}

/* After a 101 to an Upgrade request, both directions carry another
 * protocol, read by a layer above: WebSocket frames (RFC 6455 §4), or
 * HTTP/2 (Upgrade: h2c, RFC 7540 §3.2), which takes this connection over
 * with the upgrade's request still awaiting its response on stream 1. */
static int switch_above(struct h1_state *st, const struct dissector *above, const struct dissect_ctx *ctx)
{
	struct h1_dir *d = &st->d[DIR_TO_CLIENT], *req = &st->d[DIR_TO_SERVER];
	const struct obs_http_origin *o = http_msg_origin(d->msg);
	if (o)
		st->upgrade = *o;
	struct layer_open lo = layer_open_above(&st->open);
	lo.http = &st->upgrade;
	lo.ws_deflate = d->ws_deflate;
	if (above == &dissector_http2) {
		http_switch_h2c(d->msg);
		d->msg = NULL;
		d->in_msg = false;
		lo.http_conn = st->conn;
	} else {
		end_message(d, false, ctx);
	}
	int r = dissect_open_above(ctx, above, &lo);
	if (r == AS_OK && lo.http_conn)
		st->conn = NULL; /* the HTTP/2 layer's now */
	if (r < 0) {
		dissect_anomaly(ctx, H1, "no_layer_above");
		return DISSECT_DONE;
	}
	d->phase = PH_ABOVE;
	if (req->phase == PH_HOLD || (req->phase == PH_START && !req->line.len)) {
		req->phase = PH_ABOVE;
		replay_held(st, ctx);
	} else {
		req->phase = PH_LOST;
	}
	return DISSECT_MORE;
}

static int response_head_done(struct h1_state *st, const struct dissect_ctx *ctx)
{
	struct h1_dir *d = &st->d[DIR_TO_CLIENT];
	uint16_t status = d->status;
	if (http_status_interim(status)) {
		/* interim response (100 Continue, 103 Early Hints): the final one follows */
		http_interim_end(d->msg);
		d->msg = NULL;
		d->in_msg = false;
		d->phase = PH_START;
		d->head_bytes = 0;
		return DISSECT_MORE;
	}
	unsigned flags = pending_pop(st);
	struct h1_dir *req = &st->d[DIR_TO_SERVER];
	if (status == 101 && (flags & REQ_WEBSOCKET) && d->upgrade_ws)
		return switch_above(st, &dissector_websocket, ctx);
	if (status == 101 && (flags & REQ_H2C) && d->upgrade_h2c)
		return switch_above(st, &dissector_http2, ctx);
	if (status == 101 || ((flags & REQ_CONNECT) && status >= 200 && status < 300)) {
		/* protocol switch or tunnel: nothing more is HTTP/1 */
		end_message(d, false, ctx);
		return DISSECT_DONE;
	}
	if (req->phase == PH_HOLD) {
		req->phase = PH_START; /* upgrade or CONNECT refused: HTTP goes on */
		replay_held(st, ctx);
	}
	if ((flags & REQ_HEAD) || status == 204 || status == 304) {
		http_head_end(d->msg);
		message_done(st, DIR_TO_CLIENT, ctx);
		return DISSECT_MORE;
	}
	if (d->te_other)
		d->chunked = d->has_length = false; /* RFC 9112 §6.3 item 4 */
	start_body(st, DIR_TO_CLIENT, true, ctx);
	return DISSECT_MORE;
}

/* ---- chunked coding ---- */

static int chunk_size_line(struct h1_state *st, enum dissect_dir dir, struct sv line,
			   const struct dissect_ctx *ctx)
{
	struct h1_dir *d = &st->d[dir];
	struct sv rest = line;
	struct sv size = sv_trim(sv_split(&rest, ';')); /* chunk extensions are ignored */
	uint64_t n;
	if (!sv_hex_to_u64(size, &n)) {
		dissect_anomaly(ctx, H1, "bad_chunk");
		return AS_ERR_MALFORMED;
	}
	if (n == 0) {
		d->phase = PH_TRAILERS;
		d->head_bytes = 0;
	} else {
		d->remaining = n;
		d->phase = PH_CHUNK_DATA;
	}
	return DISSECT_MORE;
}

/* ---- line reader ---- */

/* Takes one LF-terminated line (CR stripped) from *in, buffering a partial
 * one. Returns 1 with *line set, 0 when more bytes are needed, or
 * AS_ERR_LIMIT when the line would exceed the cap. */
static int take_line(struct h1_dir *d, struct sv *in, struct sv *line)
{
	long lf = sv_find_char(*in, '\n');
	if (lf < 0) {
		if (sbuf_append(&d->line, (const uint8_t *)in->p, in->len) != AS_OK)
			return AS_ERR_LIMIT;
		*in = sv_rest(*in, in->len);
		return 0;
	}
	struct sv piece = sv_sub(*in, 0, (size_t)lf);
	*in = sv_rest(*in, (size_t)lf + 1);
	if (d->line.len) {
		if (sbuf_append(&d->line, (const uint8_t *)piece.p, piece.len) != AS_OK)
			return AS_ERR_LIMIT;
		piece = sv_make(d->line.data, d->line.len);
	} else if (piece.len > d->line.cap) {
		return AS_ERR_LIMIT; /* same verdict as when the line spans segments */
	}
	if (sv_ends_with(piece, SV_LIT("\r")))
		piece.len--;
	*line = piece;
	return 1;
}

static int on_line(struct h1_state *st, enum dissect_dir dir, struct sv line, size_t raw_len,
		   const struct dissect_ctx *ctx)
{
	struct h1_dir *d = &st->d[dir];
	switch (d->phase) {
	case PH_START:
		if (line.len == 0) /* empty lines before a start line are ignored */
			return DISSECT_MORE;
		begin_message(d);
		d->head_bytes = raw_len;
		d->phase = PH_HEADERS;
		return dir == DIR_TO_SERVER ? request_line(st, line, ctx) : status_line(st, line, ctx);
	case PH_HEADERS:
	case PH_TRAILERS:
		d->head_bytes += raw_len;
		if (d->head_bytes > AS_HTTP_MAX_HEADER_BYTES) {
			dissect_anomaly(ctx, H1, "header_too_large");
			return AS_ERR_LIMIT;
		}
		if (d->phase == PH_TRAILERS) {
			if (line.len == 0)
				message_done(st, dir, ctx);
			return DISSECT_MORE; /* trailer fields are not inspected */
		}
		if (line.len == 0)
			return dir == DIR_TO_SERVER ? request_head_done(st, ctx)
						    : response_head_done(st, ctx);
		return header_line(d, dir, line, ctx);
	case PH_CHUNK_SIZE:
		return chunk_size_line(st, dir, line, ctx);
	case PH_CHUNK_CRLF:
		if (line.len != 0) {
			dissect_anomaly(ctx, H1, "bad_chunk");
			return AS_ERR_MALFORMED;
		}
		d->phase = PH_CHUNK_SIZE;
		return DISSECT_MORE;
	default:
		return DISSECT_MORE;
	}
}

static const char *line_limit_reason(enum h1_phase ph)
{
	return (ph == PH_CHUNK_SIZE || ph == PH_CHUNK_CRLF) ? "bad_chunk" : "header_too_large";
}

static int run(struct h1_state *st, enum dissect_dir dir, struct sv in, const struct dissect_ctx *ctx)
{
	struct h1_dir *d = &st->d[dir];
	while (in.len) {
		switch (d->phase) {
		case PH_START:
		case PH_HEADERS:
		case PH_CHUNK_SIZE:
		case PH_CHUNK_CRLF:
		case PH_TRAILERS: {
			size_t before = in.len, buffered = d->line.len;
			struct sv line;
			int r = take_line(d, &in, &line);
			if (r == AS_ERR_LIMIT) {
				dissect_anomaly(ctx, H1, line_limit_reason(d->phase));
				return AS_ERR_LIMIT;
			}
			if (r == 0)
				return DISSECT_MORE;
			r = on_line(st, dir, line, buffered + before - in.len, ctx);
			sbuf_reset(&d->line);
			if (r != DISSECT_MORE)
				return r;
			break;
		}
		case PH_BODY_LEN:
		case PH_CHUNK_DATA: {
			size_t n = d->remaining < in.len ? (size_t)d->remaining : in.len;
			http_body(d->msg, sv_sub(in, 0, n), ctx);
			in = sv_rest(in, n);
			d->remaining -= n;
			if (d->remaining == 0) {
				if (d->phase == PH_BODY_LEN)
					message_done(st, dir, ctx);
				else
					d->phase = PH_CHUNK_CRLF;
			}
			break;
		}
		case PH_BODY_CLOSE:
			http_body(d->msg, in, ctx);
			return DISSECT_MORE;
		case PH_HOLD:
			if (dir == DIR_TO_SERVER && !st->hold_over &&
			    sbuf_append(&st->hold, (const uint8_t *)in.p, in.len) != AS_OK) {
				st->hold_over = true;
				dissect_anomaly(ctx, H1, "upgrade_hold_over_cap");
			}
			return DISSECT_MORE;
		case PH_ABOVE:
			dissect_feed_above(ctx, dir, (const uint8_t *)in.p, in.len);
			return DISSECT_MORE;
		case PH_LOST:
		case PH_ENDED:
			return DISSECT_MORE;
		}
	}
	return DISSECT_MORE;
}

/* The direction ended: end what it was in the middle of. */
static void end_dir(struct h1_state *st, enum dissect_dir dir, const struct dissect_ctx *ctx)
{
	struct h1_dir *d = &st->d[dir];
	if (d->phase == PH_ENDED)
		return;
	if (d->phase == PH_ABOVE)
		dissect_feed_above(ctx, dir, NULL, 0);
	if (d->in_msg) {
		if (d->phase != PH_BODY_CLOSE)
			dissect_anomaly(ctx, H1, "truncated_message");
		end_message(d, d->phase != PH_BODY_CLOSE, ctx);
	}
	d->phase = PH_ENDED;
}

/* Both directions are over: requests never answered are exchanges too. */
static void end_all(struct h1_state *st, const struct dissect_ctx *ctx)
{
	for (int i = 0; i < 2; i++)
		end_dir(st, (enum dissect_dir)i, ctx);
	http_conn_end(st->conn, ctx);
}

/* ---- dissector interface ---- */

static bool h1_probe(const struct dissect_probe *p)
{
	if (!(p->transport & TRANSPORT_TCP))
		return false;
	struct sv s = sv_make(p->data, p->len);
	if (p->dir == DIR_TO_CLIENT)
		return sv_starts_with(s, SV_LIT("HTTP/1."));
	for (size_t i = 0; i < N_ELEMS(probe_methods); i++)
		if (sv_starts_with(s, sv_from_cstr(probe_methods[i])))
			return true;
	return false;
}

static void *h1_state_new(const struct layer_open *o)
{
	struct h1_state *st = calloc(1, sizeof *st);
	if (!st)
		return NULL;
	if (!(st->conn = http_conn_new())) {
		free(st);
		return NULL;
	}
	for (int i = 0; i < 2; i++)
		sbuf_init(&st->d[i].line, AS_HTTP_MAX_HEADER_BYTES);
	sbuf_init(&st->hold, AS_DISSECT_BUF_MAX);
	st->open = *o;
	return st;
}

static void h1_state_free(void *state)
{
	struct h1_state *st = state;
	if (!st)
		return;
	for (int i = 0; i < 2; i++) {
		sbuf_free(&st->d[i].line);
		http_message_drop(st->d[i].msg);
	}
	http_conn_free(st->conn);
	sbuf_free(&st->hold);
	free(st);
}

static int h1_parse(void *state, enum dissect_dir dir, const uint8_t *data, size_t len,
		    const struct dissect_ctx *ctx)
{
	struct h1_state *st = state;
	if (dir != DIR_TO_SERVER && dir != DIR_TO_CLIENT)
		return AS_ERR_UNSUPPORTED;
	struct h1_dir *d = &st->d[dir];
	if (d->gap_seen) {
		d->gap_seen = false;
		dissect_anomaly(ctx, H1, d->phase == PH_LOST ? "gap_lost_sync" : "gap_in_body");
	}
	if (len == 0) {
		end_dir(st, dir, ctx);
		if (st->d[0].phase != PH_ENDED || st->d[1].phase != PH_ENDED)
			return DISSECT_MORE;
		http_conn_end(st->conn, ctx);
		return DISSECT_DONE;
	}
	int r = run(st, dir, sv_make(data, len), ctx);
	if (r < 0 || r == DISSECT_DONE) {
		/* unparseable from here, or no longer HTTP: end what was seen */
		for (int i = 0; i < 2; i++) {
			if (st->d[i].in_msg && r < 0)
				end_message(&st->d[i], true, ctx);
			if (st->d[i].phase == PH_ABOVE)
				dissect_feed_above(ctx, (enum dissect_dir)i, NULL, 0);
			st->d[i].phase = PH_ENDED;
		}
		end_all(st, ctx);
	}
	return r;
}

static void h1_gap(void *state, enum dissect_dir dir, size_t len, const struct dissect_ctx *ctx)
{
	struct h1_state *st = state;
	struct h1_dir *d = &st->d[dir];
	if (d->phase == PH_ENDED || d->phase == PH_LOST || len == 0)
		return;
	if (d->phase == PH_ABOVE) {
		dissect_gap_above(ctx, dir, len);
		return;
	}
	d->gap_seen = true;
	bool sized = d->phase == PH_BODY_LEN || d->phase == PH_CHUNK_DATA;
	if ((sized && len <= d->remaining) || d->phase == PH_BODY_CLOSE) {
		/* still framed: count the bytes, but the body can no longer be parsed */
		if (sized)
			d->remaining -= len;
		http_body_lost(d->msg, len);
		return;
	}
	d->phase = PH_LOST;
}

const struct dissector dissector_http1 = {
    .name = "http1",
    .transports = TRANSPORT_TCP,
    .probe = h1_probe,
    .state_new = h1_state_new,
    .state_free = h1_state_free,
    .parse = h1_parse,
    .gap = h1_gap,
};
