/* http2.c — HTTP/2 framing (RFC 9113) as a layer: above TLS when ALPN
 * chose h2, or on its own for cleartext h2c by prior knowledge (the
 * client preface). Frames are cut per direction; HEADERS, CONTINUATION
 * and PUSH_PROMISE header blocks go through libnghttp2's HPACK inflater,
 * one per direction (RFC 7541), whose dynamic table follows the other
 * side's SETTINGS_HEADER_TABLE_SIZE; DATA goes to the message builder by
 * stream id, padding removed, without being held. A header block the
 * inflater cannot read (a connection joined mid-way refers to table
 * entries never seen) stops that direction, counted: HPACK cannot resync.
 * Per-connection caps: AS_H2_MAX_STREAMS open streams, AS_H2_MAX_BLOCK
 * bytes of one header block. */
#include <nghttp2/nghttp2.h>
#include <stdlib.h>
#include <string.h>

#include "dissector.h"
#include "http.h"
#include "limits.h"
#include "sbuf.h"

#define H2 "http2"
#define FRAME_HDR 9u

static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
#define PREFACE_LEN (sizeof preface - 1)

enum {
	F_DATA = 0x0,
	F_HEADERS = 0x1,
	F_RST_STREAM = 0x3,
	F_SETTINGS = 0x4,
	F_PUSH_PROMISE = 0x5,
	F_CONTINUATION = 0x9,
};
enum {
	FL_END_STREAM = 0x1,
	FL_ACK = 0x1,
	FL_END_HEADERS = 0x4,
	FL_PADDED = 0x8,
	FL_PRIORITY = 0x20,
};
#define SETTINGS_HEADER_TABLE_SIZE 0x1

/* A stream's messages: its request (client) and response (server). */
struct h2_stream {
	uint32_t id;
	struct http_msg *msg[2];
};

struct h2_dir {
	uint8_t hdr[FRAME_HDR];
	uint8_t hdr_n;
	uint32_t left; /* payload bytes of the current frame still to come */
	uint8_t type, flags;
	uint32_t stream;
	/* DATA: its pad length (once read) and padding at its end */
	bool pad_pending;
	uint32_t pad;
	struct sbuf payload;   /* a non-DATA frame's payload */
	struct sbuf block;     /* a header block across HEADERS + CONTINUATION */
	uint32_t block_stream; /* 0: none open */
	uint8_t block_flags;   /* of the HEADERS that opened it (END_STREAM) */
	bool block_push;       /* a PUSH_PROMISE's: decoded, then dropped */
	size_t preface_seen;   /* client: bytes of the preface matched */
	bool dead;	       /* lost sync (HPACK, gap, malformed): nothing more read */
	nghttp2_hd_inflater *hd;
};

struct h2_state {
	struct h2_dir d[2];
	struct http_conn *conn;
	struct h2_stream *streams;
	size_t n_streams;
};

/* Opened by prior knowledge, by ALPN h2, or by Upgrade: h2c, which gives
 * the HTTP/1 connection (taken only when the layer opens). */
static void *h2_state_new(const struct layer_open *o)
{
	struct h2_state *st = calloc(1, sizeof *st);
	if (!st)
		return NULL;
	st->conn = o && o->http_conn ? o->http_conn : http_conn_new();
	st->streams = calloc(AS_H2_MAX_STREAMS, sizeof *st->streams);
	bool ok = st->conn && st->streams;
	for (int i = 0; i < 2 && ok; i++) {
		sbuf_init(&st->d[i].payload, AS_H2_MAX_BLOCK);
		sbuf_init(&st->d[i].block, AS_H2_MAX_BLOCK);
		ok = nghttp2_hd_inflate_new(&st->d[i].hd) == 0;
	}
	st->d[DIR_TO_CLIENT].preface_seen = PREFACE_LEN; /* only the client sends it */
	if (!ok) {
		for (int i = 0; i < 2; i++)
			if (st->d[i].hd)
				nghttp2_hd_inflate_del(st->d[i].hd);
		if (!(o && st->conn == o->http_conn))
			http_conn_free(st->conn);
		free(st->streams);
		free(st);
		return NULL;
	}
	return st;
}

static void h2_state_free(void *state)
{
	struct h2_state *st = state;
	if (!st)
		return;
	for (size_t i = 0; i < st->n_streams; i++)
		for (int k = 0; k < 2; k++)
			http_message_drop(st->streams[i].msg[k]);
	for (int i = 0; i < 2; i++) {
		sbuf_free(&st->d[i].payload);
		sbuf_free(&st->d[i].block);
		nghttp2_hd_inflate_del(st->d[i].hd);
	}
	http_conn_free(st->conn);
	free(st->streams);
	free(st);
}

static bool h2_probe(const struct dissect_probe *p)
{
	return (p->transport & TRANSPORT_TCP) && p->dir == DIR_TO_SERVER && p->len >= 4 &&
	       !memcmp(p->data, preface, p->len < PREFACE_LEN ? p->len : PREFACE_LEN);
}

static void end_msg(struct h2_state *st, struct h2_stream *s, enum dissect_dir dir, bool cut,
		    const struct dissect_ctx *ctx);

/* Every message of a direction ends, cut (from the last stream: ending
 * one may move the table's last entry into its place). */
static void end_dir(struct h2_state *st, enum dissect_dir dir, const struct dissect_ctx *ctx)
{
	for (size_t i = st->n_streams; i-- > 0;)
		if (i < st->n_streams)
			end_msg(st, &st->streams[i], dir, true, ctx);
}

static void lose(struct h2_state *st, enum dissect_dir dir, const struct dissect_ctx *ctx, const char *why)
{
	struct h2_dir *d = &st->d[dir];
	if (d->dead)
		return;
	dissect_anomaly(ctx, H2, why);
	d->dead = true;
	end_dir(st, dir, ctx); /* its messages in progress end here, cut */
	sbuf_free(&d->payload);
	sbuf_free(&d->block);
}

static struct h2_stream *stream_of(struct h2_state *st, uint32_t id, bool create)
{
	for (size_t i = 0; i < st->n_streams; i++)
		if (st->streams[i].id == id)
			return &st->streams[i];
	if (!create || st->n_streams == AS_H2_MAX_STREAMS)
		return NULL;
	struct h2_stream *s = &st->streams[st->n_streams++];
	memset(s, 0, sizeof *s);
	s->id = id;
	return s;
}

/* A stream whose two messages are done leaves the table. */
static void stream_done(struct h2_state *st, struct h2_stream *s)
{
	if (s->msg[0] || s->msg[1])
		return;
	*s = st->streams[--st->n_streams];
}

static void end_msg(struct h2_state *st, struct h2_stream *s, enum dissect_dir dir, bool cut,
		    const struct dissect_ctx *ctx)
{
	if (s->msg[dir]) {
		http_message_end(s->msg[dir], cut, ctx);
		s->msg[dir] = NULL;
	}
	stream_done(st, s);
}

/* ---- header blocks ---- */

/* A decoded header block: the message it begins (or its trailers). */
static void headers_done(struct h2_state *st, enum dissect_dir dir, uint32_t id, uint8_t flags,
			 const struct http_field *f, size_t n, const struct dissect_ctx *ctx)
{
	struct h2_stream *s = stream_of(st, id, true);
	if (!s) {
		dissect_anomaly(ctx, H2, "streams_over_cap");
		return;
	}
	s->msg[dir] = http_section(st->conn, s->msg[dir], id, 20, dir == DIR_TO_SERVER, f, n, ctx);
	if (!s->msg[dir]) {
		stream_done(st, s); /* refused (counted) or interim: the slot is free again */
		return;
	}
	if (flags & FL_END_STREAM)
		end_msg(st, s, dir, false, ctx);
}

/* Decodes a whole header block; false when HPACK lost its way. */
static bool decode_block(struct h2_state *st, enum dissect_dir dir, const struct dissect_ctx *ctx)
{
	struct h2_dir *d = &st->d[dir];
	struct http_fields fields; /* copied: the inflater's buffers last until its next call */
	http_fields_init(&fields);
	const uint8_t *in = d->block.len ? d->block.data : (const uint8_t *)""; /* an empty block is valid */
	size_t left = d->block.len;
	bool ok = true;
	for (;;) {
		nghttp2_nv nv;
		int fl = 0;
		ssize_t r = nghttp2_hd_inflate_hd2(d->hd, &nv, &fl, in, left, 1);
		if (r < 0) {
			ok = false;
			break;
		}
		in += r;
		left -= (size_t)r;
		if (fl & NGHTTP2_HD_INFLATE_EMIT)
			http_fields_add(&fields, nv.name, nv.namelen, nv.value, nv.valuelen);
		if (fl & NGHTTP2_HD_INFLATE_FINAL) {
			nghttp2_hd_inflate_end_headers(d->hd);
			break;
		}
		if (!(fl & NGHTTP2_HD_INFLATE_EMIT) && !left)
			break;
	}
	if (ok) {
		const struct http_field *f = http_fields_done(&fields);
		if (fields.over)
			dissect_anomaly(ctx, H2, "headers_over_cap");
		if (!d->block_push)
			headers_done(st, dir, d->block_stream, d->block_flags, f, fields.n, ctx);
	}
	http_fields_free(&fields);
	sbuf_reset(&d->block);
	d->block_stream = 0;
	return ok;
}

/* ---- frames ---- */

/* A frame's payload without its padding and priority fields. */
static bool unpad(const struct h2_dir *d, const uint8_t **p, size_t *n)
{
	size_t skip = 0, pad = 0;
	if (d->flags & FL_PADDED) {
		if (*n < 1)
			return false;
		pad = (*p)[0];
		skip = 1;
	}
	if (d->type == F_HEADERS && (d->flags & FL_PRIORITY))
		skip += 5;
	if (d->type == F_PUSH_PROMISE)
		skip += 4; /* the promised stream id */
	if (skip + pad > *n)
		return false;
	*p += skip;
	*n -= skip + pad;
	return true;
}

static void on_settings(struct h2_state *st, enum dissect_dir dir, const uint8_t *p, size_t n)
{
	if (st->d[dir].flags & FL_ACK)
		return;
	/* The sender's decoder size: what the other direction's encoder may use. */
	for (size_t i = 0; i + 6 <= n; i += 6) {
		uint16_t id = (uint16_t)(p[i] << 8 | p[i + 1]);
		uint32_t v =
		    (uint32_t)p[i + 2] << 24 | (uint32_t)p[i + 3] << 16 | (uint32_t)p[i + 4] << 8 | p[i + 5];
		if (id == SETTINGS_HEADER_TABLE_SIZE)
			(void)nghttp2_hd_inflate_change_table_size(st->d[!dir].hd, v);
	}
}

/* A whole non-DATA frame. */
static void on_frame(struct h2_state *st, enum dissect_dir dir, const struct dissect_ctx *ctx)
{
	struct h2_dir *d = &st->d[dir];
	const uint8_t *p = d->payload.len ? d->payload.data : (const uint8_t *)""; /* an empty frame */
	size_t n = d->payload.len;
	switch (d->type) {
	case F_SETTINGS:
		on_settings(st, dir, p, n);
		return;
	case F_RST_STREAM: {
		struct h2_stream *s = stream_of(st, d->stream, false);
		if (s) {
			end_msg(st, s, DIR_TO_SERVER, true, ctx);
			if ((s = stream_of(st, d->stream, false)))
				end_msg(st, s, DIR_TO_CLIENT, true, ctx);
		}
		return;
	}
	case F_HEADERS:
	case F_PUSH_PROMISE:
	case F_CONTINUATION:
		break;
	default: /* PRIORITY, PING, GOAWAY, WINDOW_UPDATE, extensions */
		return;
	}
	if (d->type == F_CONTINUATION ? d->block_stream != d->stream : d->block_stream != 0) {
		lose(st, dir, ctx, "header_block_interrupted");
		return;
	}
	if (d->type != F_CONTINUATION) {
		if (!unpad(d, &p, &n)) {
			lose(st, dir, ctx, "bad_padding");
			return;
		}
		d->block_stream = d->stream;
		d->block_flags = d->flags;
		d->block_push = d->type == F_PUSH_PROMISE;
	}
	if (sbuf_append(&d->block, p, n) < 0) {
		lose(st, dir, ctx, "header_block_over_cap");
		return;
	}
	if ((d->flags & FL_END_HEADERS) && !decode_block(st, dir, ctx))
		lose(st, dir, ctx, "hpack_lost_sync");
}

/* DATA bytes of the current frame, as they come. */
static void on_data(struct h2_state *st, enum dissect_dir dir, const uint8_t *p, size_t n,
		    const struct dissect_ctx *ctx)
{
	struct h2_dir *d = &st->d[dir];
	if (!n)
		return;
	if (d->pad_pending) { /* the pad length byte */
		d->pad = p[0];
		d->pad_pending = false;
		p++;
		n--;
		if (d->pad > d->left + n) {
			lose(st, dir, ctx, "bad_padding");
			return;
		}
	}
	/* the last d->pad bytes of the frame are padding */
	size_t data_left = d->left + n > d->pad ? d->left + n - d->pad : 0;
	size_t take = n < data_left ? n : data_left;
	struct h2_stream *s = stream_of(st, d->stream, false);
	if (take && s && s->msg[dir])
		http_body(s->msg[dir], sv_make((const char *)p, take), ctx);
}

static void frame_end(struct h2_state *st, enum dissect_dir dir, const struct dissect_ctx *ctx)
{
	struct h2_dir *d = &st->d[dir];
	if (d->type == F_DATA) {
		struct h2_stream *s = stream_of(st, d->stream, false);
		if (s && (d->flags & FL_END_STREAM))
			end_msg(st, s, dir, false, ctx);
	} else {
		on_frame(st, dir, ctx);
		sbuf_reset(&d->payload);
	}
	d->hdr_n = 0;
}

static void run(struct h2_state *st, enum dissect_dir dir, const uint8_t *p, size_t n,
		const struct dissect_ctx *ctx)
{
	struct h2_dir *d = &st->d[dir];
	while (n && !d->dead) {
		if (d->preface_seen < PREFACE_LEN) {
			size_t k = PREFACE_LEN - d->preface_seen < n ? PREFACE_LEN - d->preface_seen : n;
			if (memcmp(p, preface + d->preface_seen, k)) {
				/* joined after the preface: frames from here */
				d->preface_seen = PREFACE_LEN;
				continue;
			}
			d->preface_seen += k;
			p += k;
			n -= k;
			continue;
		}
		if (d->hdr_n < FRAME_HDR) {
			size_t want = FRAME_HDR - d->hdr_n, k = want < n ? want : n;
			memcpy(d->hdr + d->hdr_n, p, k);
			d->hdr_n += (uint8_t)k;
			p += k;
			n -= k;
			if (d->hdr_n < FRAME_HDR)
				return;
			d->left = (uint32_t)d->hdr[0] << 16 | (uint32_t)d->hdr[1] << 8 | d->hdr[2];
			d->type = d->hdr[3];
			d->flags = d->hdr[4];
			d->stream = ((uint32_t)d->hdr[5] << 24 | (uint32_t)d->hdr[6] << 16 |
				     (uint32_t)d->hdr[7] << 8 | d->hdr[8]) &
				    0x7fffffffu;
			d->pad = 0;
			d->pad_pending = d->type == F_DATA && (d->flags & FL_PADDED);
			if (d->left > AS_H2_MAX_FRAME) {
				lose(st, dir, ctx, "frame_over_cap");
				return;
			}
			if (!d->left) {
				frame_end(st, dir, ctx);
				continue;
			}
			if (!n)
				return; /* the payload comes with the next bytes */
		}
		size_t k = d->left < n ? d->left : n;
		d->left -= (uint32_t)k;
		if (d->type == F_DATA) {
			on_data(st, dir, p, k, ctx);
		} else if (sbuf_append(&d->payload, p, k) < 0) {
			lose(st, dir, ctx, "frame_over_cap");
			return;
		}
		p += k;
		n -= k;
		if (!d->left && !d->dead)
			frame_end(st, dir, ctx);
	}
}

static int h2_parse(void *state, enum dissect_dir dir, const uint8_t *data, size_t len,
		    const struct dissect_ctx *ctx)
{
	struct h2_state *st = state;
	if (dir != DIR_TO_SERVER && dir != DIR_TO_CLIENT)
		return AS_ERR_UNSUPPORTED;
	if (len == 0) { /* the direction ended: its messages too */
		end_dir(st, dir, ctx);
		st->d[dir].dead = true;
		if (!st->d[!dir].dead)
			return DISSECT_MORE;
		http_conn_end(st->conn, ctx);
		return DISSECT_DONE;
	}
	run(st, dir, data, len, ctx);
	return DISSECT_MORE;
}

/* Bytes lost: frame boundaries and the HPACK table with them. */
static void h2_gap(void *state, enum dissect_dir dir, size_t len, const struct dissect_ctx *ctx)
{
	(void)len;
	lose(state, dir, ctx, "gap_lost_sync");
}

const struct dissector dissector_http2 = {
    .name = "http2",
    .transports = TRANSPORT_TCP,
    .probe = h2_probe,
    .state_new = h2_state_new,
    .state_free = h2_state_free,
    .parse = h2_parse,
    .gap = h2_gap,
};
