/* websocket.c — WebSocket frame parser (RFC 6455 §5: base framing,
 * masking, fragmentation, control frames; RFC 7692 permessage-deflate),
 * and the layer http1 opens above itself
 * after an Upgrade, handing text messages to the analyzers. See
 * websocket.h for the contract. */
#include "websocket.h"

#include <stdlib.h>
#include <string.h>

#include "analyzer.h"
#include "cursor.h"
#include "limits.h"

#define WS "websocket"

void ws_init(struct ws_parser *p, bool from_client)
{
	memset(p, 0, sizeof *p);
	p->from_client = from_client;
	p->phase = WS_HEADER;
	p->hdr_need = 2;
	sbuf_init(&p->msg, AS_WS_MAX_MESSAGE);
}

void ws_set_deflate(struct ws_parser *p, unsigned flags)
{
	p->deflate = flags & WS_DEFLATE;
	p->reset = flags & (p->from_client ? WS_DEFLATE_CLIENT_RESET : WS_DEFLATE_SERVER_RESET);
}

void ws_free(struct ws_parser *p)
{
	sbuf_free(&p->msg);
	coding_free(p->inflater);
	p->inflater = NULL;
}

/* Plain bytes of the current message: kept up to the message cap. */
static void take(void *user, const uint8_t *data, size_t n)
{
	struct ws_parser *p = user;
	if (!p->keep)
		return;
	if (sbuf_append(&p->msg, data, n) != AS_OK) {
		p->keep = false; /* past the cap: the message is not read */
		p->msg_skip = true;
		p->over_cap = true;
		sbuf_reset(&p->msg);
	}
}

/* The inflater failed (corrupt data, or past AS_HTTP_MAX_INFLATED): the
 * window is gone, and with it every later compressed message. */
static void inflate_lost(struct ws_parser *p, int r, const struct dissect_ctx *ctx)
{
	dissect_anomaly(ctx, WS, r == AS_ERR_LIMIT ? "ws_inflated_over_cap" : "ws_inflate_failed");
	coding_free(p->inflater);
	p->inflater = NULL;
	p->inflate_lost = true;
	p->keep = false;
	p->msg_skip = true;
	sbuf_reset(&p->msg);
}

static void fail(struct ws_parser *p, const struct dissect_ctx *ctx, const char *reason)
{
	dissect_anomaly(ctx, WS, reason);
	p->phase = WS_FAILED;
	p->in_msg = false;
	sbuf_reset(&p->msg);
}

static bool is_control(uint8_t op)
{
	return op >= 0x8;
}

/* A frame is complete: deliver a finished message, note a close. */
static void frame_done(struct ws_parser *p, ws_message_fn fn, void *user, const struct dissect_ctx *ctx)
{
	p->phase = WS_HEADER;
	p->hdr_len = 0;
	p->hdr_need = 2;
	if (is_control(p->opcode)) {
		if (p->opcode == WS_OP_CLOSE)
			p->phase = WS_CLOSED;
		return;
	}
	if (!p->fin)
		return;
	if (p->msg_deflated && p->inflater) {
		int r = coding_message_end(p->inflater, p->reset, take, p);
		if (r < 0)
			inflate_lost(p, r, ctx);
	}
	if (p->over_cap && ctx)
		dissect_anomaly(ctx, WS, "ws_message_over_cap");
	p->over_cap = false;
	if (!p->msg_skip && p->msg_opcode == WS_OP_TEXT) {
		p->messages++;
		if (fn)
			fn(user, sv_make(p->msg.data, p->msg.len));
	}
	p->in_msg = false;
	sbuf_reset(&p->msg);
}

/* The whole header is in hdr[]: validate it and set up the payload. */
static void header_done(struct ws_parser *p, ws_message_fn fn, void *user, const struct dissect_ctx *ctx)
{
	struct cur c = cur_make(p->hdr, p->hdr_len);
	uint8_t b0 = 0, b1 = 0;
	uint64_t len;
	bool ok = cur_get_u8(&c, &b0) && cur_get_u8(&c, &b1);
	len = ok ? (b1 & 0x7f) : 0;
	if (ok && len == 126)
		ok = cur_get_uN(&c, 2, &len);
	else if (ok && len == 127) /* not after a 16-bit length that happens to be 127 */
		ok = cur_get_uN(&c, 8, &len);
	p->fin = (b0 & 0x80) != 0;
	p->opcode = b0 & 0x0f;
	p->masked = (b1 & 0x80) != 0;
	if (ok && p->masked)
		ok = cur_copy(&c, p->mask, 4);
	if (!ok) { /* cannot happen: hdr_need was computed from the same bytes */
		fail(p, ctx, "ws_bad_header");
		return;
	}
	uint8_t rsv = (uint8_t)(b0 & 0x70);
	if (len >> 63) {
		fail(p, ctx, "ws_bad_length");
		return;
	}
	if (p->opcode > WS_OP_BINARY && !(p->opcode >= WS_OP_CLOSE && p->opcode <= WS_OP_PONG)) {
		fail(p, ctx, "ws_bad_opcode");
		return;
	}
	if (is_control(p->opcode) && (!p->fin || len > 125)) {
		fail(p, ctx, "ws_bad_control");
		return;
	}
	if (p->from_client != p->masked)
		dissect_anomaly(ctx, WS, p->from_client ? "ws_unmasked" : "ws_masked");
	p->remaining = len;
	p->frame_pos = 0;
	p->keep = false;
	if (!is_control(p->opcode)) {
		if (p->opcode == WS_OP_CONTINUATION && !p->in_msg) {
			fail(p, ctx, "ws_bad_continuation");
			return;
		}
		if (p->opcode != WS_OP_CONTINUATION) {
			if (p->in_msg) {
				fail(p, ctx, "ws_bad_fragmentation");
				return;
			}
			p->in_msg = true;
			p->msg_opcode = p->opcode;
			p->msg_skip = p->opcode != WS_OP_TEXT;
			p->msg_deflated = false;
			p->n_frames = 0;
			sbuf_reset(&p->msg);
			if ((rsv & 0x40) && !p->deflate) {
				dissect_anomaly(ctx, WS, "ws_compressed"); /* RSV1 without the agreement */
				p->msg_skip = true;
			} else if (rsv & 0x40) {
				p->msg_deflated = true;
				if (!p->inflater && !p->inflate_lost &&
				    !(p->inflater = coding_new(CODING_RAW_DEFLATE)))
					p->inflate_lost = true; /* out of memory */
				if (!p->inflater)
					p->msg_skip = true;
			}
			rsv &= (uint8_t)~0x40;
		}
		if (rsv && !p->msg_skip) {
			dissect_anomaly(ctx, WS, "ws_bad_rsv"); /* an extension we do not know */
			p->msg_skip = true;
		}
		if (++p->n_frames > AS_WS_MAX_FRAGMENTS && !p->msg_skip) {
			dissect_anomaly(ctx, WS, "ws_fragments_over_cap");
			p->msg_skip = true;
		}
		if (!p->msg_skip && !p->msg_deflated && len > p->msg.cap - p->msg.len) {
			dissect_anomaly(ctx, WS, "ws_message_over_cap");
			p->msg_skip = true;
		}
		if (p->msg_skip)
			sbuf_reset(&p->msg);
		p->keep = !p->msg_skip;
	}
	p->phase = WS_PAYLOAD;
	if (len == 0)
		frame_done(p, fn, user, ctx);
}

/* Payload bytes of the current frame, unmasked: to the message, or
 * through the inflater when it is compressed (kept or not: the window
 * must see every compressed byte). */
static void payload(struct ws_parser *p, struct cur *in, ws_message_fn fn, void *user,
		    const struct dissect_ctx *ctx)
{
	size_t n = p->remaining < cur_len(in) ? (size_t)p->remaining : cur_len(in);
	struct cur chunk;
	if (!cur_get_bytes(in, &chunk, n))
		return;
	bool inflate = !is_control(p->opcode) && p->msg_deflated && p->inflater;
	if (p->keep || inflate) {
		const uint8_t *src = cur_data(&chunk);
		uint8_t buf[4096];
		for (size_t done = 0; done < n;) {
			size_t k = n - done < sizeof buf ? n - done : sizeof buf;
			for (size_t i = 0; i < k; i++)
				buf[i] = p->masked ? src[done + i] ^ p->mask[(p->frame_pos + done + i) & 3]
						   : src[done + i];
			if (!inflate) {
				take(p, buf, k);
			} else {
				int r = coding_feed(p->inflater, buf, k, take, p);
				if (r < 0) {
					inflate_lost(p, r, ctx);
					inflate = false;
				}
			}
			done += k;
		}
	}
	p->frame_pos += n;
	p->remaining -= n;
	if (p->remaining == 0)
		frame_done(p, fn, user, ctx);
}

void ws_feed(struct ws_parser *p, const uint8_t *data, size_t len, ws_message_fn fn, void *user,
	     const struct dissect_ctx *ctx)
{
	struct cur in = cur_make(data, len);
	while (cur_len(&in)) {
		switch (p->phase) {
		case WS_HEADER: {
			while (p->hdr_len < p->hdr_need && cur_get_u8(&in, &p->hdr[p->hdr_len]))
				p->hdr_len++;
			if (p->hdr_len < p->hdr_need)
				return;
			if (p->hdr_need == 2) { /* now the full header size is known */
				uint8_t b1 = p->hdr[1];
				uint8_t l7 = b1 & 0x7f;
				p->hdr_need = (uint8_t)(2 +
							(l7 == 126   ? 2
							 : l7 == 127 ? 8
								     : 0) +
							((b1 & 0x80) ? 4 : 0));
				if (p->hdr_len < p->hdr_need)
					break;
			}
			header_done(p, fn, user, ctx);
			break;
		}
		case WS_PAYLOAD:
			payload(p, &in, fn, user, ctx);
			break;
		case WS_CLOSED:
		case WS_FAILED:
			return;
		}
	}
}

void ws_gap(struct ws_parser *p, size_t len)
{
	if (p->phase == WS_PAYLOAD && len <= p->remaining) {
		p->remaining -= len;
		p->frame_pos += len;
		if (p->keep) { /* the message is broken: skip it */
			p->keep = false;
			p->msg_skip = true;
			sbuf_reset(&p->msg);
		}
		if (p->msg_deflated && p->inflater) { /* so is the window */
			coding_free(p->inflater);
			p->inflater = NULL;
			p->inflate_lost = !p->reset;
		}
		if (p->remaining == 0)
			frame_done(p, NULL, NULL, NULL);
		return;
	}
	if (p->phase == WS_HEADER || p->phase == WS_PAYLOAD) {
		p->phase = WS_FAILED;
		p->in_msg = false;
		sbuf_reset(&p->msg);
	}
}

void ws_end(struct ws_parser *p, const struct dissect_ctx *ctx)
{
	if (p->phase == WS_PAYLOAD || (p->phase == WS_HEADER && (p->hdr_len || p->in_msg)))
		dissect_anomaly(ctx, WS, "ws_truncated");
	if (p->phase != WS_FAILED)
		p->phase = WS_CLOSED;
	p->in_msg = false;
	sbuf_reset(&p->msg);
}

/* ---- the layer: WebSocket after an HTTP/1.1 Upgrade ---- */

struct ws_layer {
	struct ws_parser dir[2];
	struct obs_http_origin origin; /* the upgrade request's exchange */
};

struct ws_user {
	const struct ws_layer *l;
	enum dissect_dir dir;
	const struct dissect_ctx *ctx;
};

/* A complete text message: every analyzer's WebSocket hook, in the HTTP
 * context of the upgrade request. */
static void on_message(void *user, struct sv data)
{
	const struct ws_user *u = user;
	const struct obs_http_origin *o = &u->l->origin;
	struct http_view v;
	memset(&v, 0, sizeof v);
	v.request = u->dir == DIR_TO_SERVER;
	v.carrier = RPC_WEBSOCKET;
	v.origin = o;
	v.method = sv_from_cstr(o->method);
	v.path = sv_from_cstr(o->path);
	v.host = sv_from_cstr(o->host);
	v.query = sv_make("", 0);
	v.mcp_session_id = sv_from_cstr(o->mcp_session_id);
	v.mcp_protocol_version = sv_from_cstr(o->mcp_protocol_version);
	v.body = data;
	for (size_t i = 0; analyzer_registry[i]; i++)
		if (analyzer_registry[i]->ws_message)
			analyzer_registry[i]->ws_message(&v, u->ctx);
}

static void *wsl_new(const struct layer_open *o)
{
	struct ws_layer *l = calloc(1, sizeof *l);
	if (!l)
		return NULL;
	ws_init(&l->dir[DIR_TO_SERVER], true);
	ws_init(&l->dir[DIR_TO_CLIENT], false);
	ws_set_deflate(&l->dir[DIR_TO_SERVER], o->ws_deflate);
	ws_set_deflate(&l->dir[DIR_TO_CLIENT], o->ws_deflate);
	if (o->http)
		l->origin = *o->http;
	return l;
}

static void wsl_free(void *state)
{
	struct ws_layer *l = state;
	if (!l)
		return;
	ws_free(&l->dir[0]);
	ws_free(&l->dir[1]);
	free(l);
}

static int wsl_parse(void *state, enum dissect_dir dir, const uint8_t *data, size_t len,
		     const struct dissect_ctx *ctx)
{
	struct ws_layer *l = state;
	if (dir != DIR_TO_SERVER && dir != DIR_TO_CLIENT)
		return AS_ERR_UNSUPPORTED;
	if (len == 0) {
		ws_end(&l->dir[dir], ctx);
		return DISSECT_MORE;
	}
	struct ws_user u = {l, dir, ctx};
	ws_feed(&l->dir[dir], data, len, on_message, &u, ctx);
	return DISSECT_MORE;
}

static void wsl_gap(void *state, enum dissect_dir dir, size_t len, const struct dissect_ctx *ctx)
{
	struct ws_layer *l = state;
	(void)ctx;
	ws_gap(&l->dir[dir], len);
}

/* Opened by http1 above itself after a 101 to Upgrade: websocket; never probed. */
const struct dissector dissector_websocket = {
	.name = "websocket",
	.state_new = wsl_new,
	.state_free = wsl_free,
	.parse = wsl_parse,
	.gap = wsl_gap,
};
