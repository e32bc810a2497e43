/* http3.c — HTTP/3 frames and QPACK over QUIC streams (see http3.h). */
#include "http3.h"

#include <nghttp3/nghttp3.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "limits.h"
#include "sbuf.h"

#define H3 "http3"

enum { F_DATA = 0x0, F_HEADERS = 0x1 };
enum { U_CONTROL = 0x0, U_PUSH = 0x1, U_ENCODER = 0x2, U_DECODER = 0x3 };

enum half_kind {
	K_NEW = 0, /* a unidirectional stream whose type is not read yet */
	K_MESSAGE, /* a request stream: a request or its response */
	K_ENCODER, /* the peer's QPACK encoder stream */
	K_SKIP,	   /* control, push, decoder, reserved: not read */
};

enum frame_step { S_TYPE, S_LEN, S_PAYLOAD };

/* One direction of one stream. */
struct h3_half {
	bool used, dead;
	uint64_t id;
	enum dissect_dir dir;
	enum half_kind kind;
	uint8_t vb[8]; /* a variable-length integer being read */
	uint8_t vn;
	enum frame_step step;
	uint64_t ftype, left;
	struct sbuf block;   /* a HEADERS payload; what is left of it while blocked */
	bool blocked;	     /* the section waits for encoder-stream inserts */
	struct sbuf pending; /* stream bytes after a blocked section */
	bool fin_pending;
	struct http_msg *msg;
	nghttp3_qpack_stream_context *sctx;
};

struct h3_conn {
	struct http_conn *conn;
	nghttp3_qpack_decoder *dec[2]; /* by the direction of the sections it decodes */
	bool dec_dead[2];
	struct h3_half half[AS_H3_MAX_STREAMS];
};

struct h3_conn *h3_new(void)
{
	struct h3_conn *h = calloc(1, sizeof *h);
	if (!h)
		return NULL;
	bool ok = (h->conn = http_conn_new()) != NULL;
	for (int i = 0; i < 2 && ok; i++)
		ok = nghttp3_qpack_decoder_new(&h->dec[i], AS_H3_MAX_TABLE, AS_H3_MAX_STREAMS,
					       nghttp3_mem_default()) == 0;
	if (!ok) {
		h3_free(h);
		return NULL;
	}
	return h;
}

static void half_release(struct h3_half *hf)
{
	sbuf_free(&hf->block);
	sbuf_free(&hf->pending);
	if (hf->sctx)
		nghttp3_qpack_stream_context_del(hf->sctx);
	http_message_drop(hf->msg);
	memset(hf, 0, sizeof *hf);
}

void h3_free(struct h3_conn *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < AS_H3_MAX_STREAMS; i++)
		if (h->half[i].used)
			half_release(&h->half[i]);
	for (int i = 0; i < 2; i++)
		if (h->dec[i])
			nghttp3_qpack_decoder_del(h->dec[i]);
	http_conn_free(h->conn);
	free(h);
}

static struct h3_half *half_of(struct h3_conn *h, uint64_t id, enum dissect_dir dir, bool create)
{
	struct h3_half *free_slot = NULL;
	for (size_t i = 0; i < AS_H3_MAX_STREAMS; i++) {
		struct h3_half *hf = &h->half[i];
		if (hf->used && hf->id == id && hf->dir == dir)
			return hf;
		if (!hf->used && !free_slot)
			free_slot = hf;
	}
	if (!create || !free_slot)
		return NULL;
	struct h3_half *hf = free_slot;
	hf->used = true;
	hf->id = id;
	hf->dir = dir;
	/* Client-initiated bidirectional streams carry requests (RFC 9114 §6.1);
	 * unidirectional ones start with their type (§6.2). */
	hf->kind = (id & 2) ? K_NEW : (id & 1) ? K_SKIP : K_MESSAGE;
	sbuf_init(&hf->block, AS_H2_MAX_BLOCK);
	sbuf_init(&hf->pending, AS_H2_MAX_BLOCK);
	return hf;
}

/* The builder's key of a request stream: HTTP/1 order is 0, so never 0. */
static uint32_t exchange_key(uint64_t id)
{
	return (uint32_t)(id / 4 + 1);
}

/* Reads a variable-length integer (RFC 9000 §16) across calls; true once
 * it is whole. */
static bool varint(struct h3_half *hf, const uint8_t **p, size_t *n, uint64_t *v)
{
	while (*n) {
		hf->vb[hf->vn++] = **p;
		(*p)++;
		(*n)--;
		size_t need = (size_t)1 << (hf->vb[0] >> 6);
		if (hf->vn == need) {
			uint64_t x = hf->vb[0] & 0x3f;
			for (size_t i = 1; i < need; i++)
				x = x << 8 | hf->vb[i];
			hf->vn = 0;
			*v = x;
			return true;
		}
	}
	return false;
}

static void lose(struct h3_half *hf, const struct dissect_ctx *ctx, const char *why)
{
	if (why)
		dissect_anomaly(ctx, H3, why);
	hf->dead = true;
	sbuf_free(&hf->block);
	sbuf_free(&hf->pending);
	if (hf->msg) {
		http_body_lost(hf->msg, 0);
		http_message_end(hf->msg, true, ctx);
		hf->msg = NULL;
	}
}

/* Decodes the header section in hf->block: false when it is blocked
 * (QPACK blocks at a section's prefix, before any field: what is left of
 * the block waits for the encoder stream). */
static bool decode_section(struct h3_conn *h, struct h3_half *hf, const struct dissect_ctx *ctx)
{
	nghttp3_qpack_decoder *d = h->dec[hf->dir];
	if (h->dec_dead[hf->dir]) {
		lose(hf, ctx, NULL);
		return true;
	}
	if (!hf->sctx && nghttp3_qpack_stream_context_new(&hf->sctx, (int64_t)hf->id, nghttp3_mem_default()) != 0) {
		lose(hf, ctx, "out_of_memory");
		return true;
	}
	struct http_fields fl;
	http_fields_init(&fl);
	const uint8_t *in = hf->block.len ? hf->block.data : (const uint8_t *)"";
	size_t left = hf->block.len;
	bool done = false, ok = true;
	while (!done) {
		nghttp3_qpack_nv nv;
		uint8_t flags = 0;
		nghttp3_ssize r = nghttp3_qpack_decoder_read_request(d, hf->sctx, &nv, &flags, in, left, 1);
		if (r < 0) {
			ok = false;
			if (r == NGHTTP3_ERR_QPACK_FATAL)
				h->dec_dead[hf->dir] = true;
			break;
		}
		in += r;
		left -= (size_t)r;
		if (flags & NGHTTP3_QPACK_DECODE_FLAG_EMIT) {
			nghttp3_vec name = nghttp3_rcbuf_get_buf(nv.name), value = nghttp3_rcbuf_get_buf(nv.value);
			http_fields_add(&fl, name.base, name.len, value.base, value.len);
			nghttp3_rcbuf_decref(nv.name);
			nghttp3_rcbuf_decref(nv.value);
		}
		if (flags & NGHTTP3_QPACK_DECODE_FLAG_BLOCKED) {
			sbuf_consume(&hf->block, hf->block.len - left);
			hf->blocked = true;
			http_fields_free(&fl);
			return false;
		}
		done = (flags & NGHTTP3_QPACK_DECODE_FLAG_FINAL) || (!(flags & NGHTTP3_QPACK_DECODE_FLAG_EMIT) && !left);
	}
	hf->blocked = false;
	/* A fresh context for the next section: libnghttp3 0.8's reset keeps
	 * the buffers of a section that failed midway (freed only by del). */
	nghttp3_qpack_stream_context_del(hf->sctx);
	hf->sctx = NULL;
	sbuf_reset(&hf->block);
	if (!ok) {
		http_fields_free(&fl);
		lose(hf, ctx, "qpack_failed");
		return true;
	}
	const struct http_field *f = http_fields_done(&fl);
	if (fl.over)
		dissect_anomaly(ctx, H3, "headers_over_cap");
	hf->msg = http_section(h->conn, hf->msg, exchange_key(hf->id), 30, hf->dir == DIR_TO_SERVER, f, fl.n, ctx);
	http_fields_free(&fl);
	return true;
}

static void end_half(struct h3_conn *h, struct h3_half *hf, bool cut, const struct dissect_ctx *ctx)
{
	(void)h;
	if (hf->msg) {
		http_message_end(hf->msg, cut, ctx);
		hf->msg = NULL;
	}
	half_release(hf);
}

static void feed(struct h3_conn *h, struct h3_half *hf, const uint8_t *p, size_t n, bool fin,
		 const struct dissect_ctx *ctx);

/* Sections of direction `dir` that waited for the encoder stream, tried again. */
static void unblock(struct h3_conn *h, enum dissect_dir dir, const struct dissect_ctx *ctx)
{
	for (size_t i = 0; i < AS_H3_MAX_STREAMS; i++) {
		struct h3_half *hf = &h->half[i];
		if (!hf->used || hf->dir != dir || !hf->blocked || !decode_section(h, hf, ctx))
			continue;
		struct sbuf rest = hf->pending;
		bool fin = hf->fin_pending;
		sbuf_init(&hf->pending, rest.cap);
		hf->fin_pending = false;
		if (!hf->dead)
			feed(h, hf, rest.data, rest.len, fin, ctx);
		else if (fin)
			end_half(h, hf, false, ctx);
		sbuf_free(&rest);
	}
}

static void frames(struct h3_conn *h, struct h3_half *hf, const uint8_t *p, size_t n,
		   const struct dissect_ctx *ctx)
{
	while (n && !hf->dead) {
		if (hf->blocked) {
			if (sbuf_append(&hf->pending, p, n) < 0)
				lose(hf, ctx, "blocked_over_cap");
			return;
		}
		switch (hf->step) {
		case S_TYPE:
			if (varint(hf, &p, &n, &hf->ftype))
				hf->step = S_LEN;
			break;
		case S_LEN:
			if (!varint(hf, &p, &n, &hf->left))
				break;
			hf->step = S_PAYLOAD;
			if (hf->ftype == F_HEADERS && hf->left > hf->block.cap) {
				lose(hf, ctx, "headers_over_cap");
				return;
			}
			if (hf->ftype == F_HEADERS && !hf->left && !decode_section(h, hf, ctx))
				break;
			if (!hf->left)
				hf->step = S_TYPE;
			break;
		case S_PAYLOAD: {
			size_t k = n < hf->left ? n : (size_t)hf->left;
			if (hf->ftype == F_DATA && hf->msg)
				http_body(hf->msg, sv_make(p, k), ctx);
			else if (hf->ftype == F_HEADERS && sbuf_append(&hf->block, p, k) < 0)
				lose(hf, ctx, "headers_over_cap");
			p += k;
			n -= k;
			hf->left -= k;
			if (!hf->left) {
				hf->step = S_TYPE;
				if (hf->ftype == F_HEADERS)
					(void)decode_section(h, hf, ctx); /* blocked: the next bytes wait */
			}
			break;
		}
		}
	}
}

static void feed(struct h3_conn *h, struct h3_half *hf, const uint8_t *p, size_t n, bool fin,
		 const struct dissect_ctx *ctx)
{
	if (hf->kind == K_NEW) {
		uint64_t type;
		if (!varint(hf, &p, &n, &type)) {
			if (fin)
				half_release(hf);
			return;
		}
		hf->kind = type == U_ENCODER ? K_ENCODER : K_SKIP;
	}
	if (hf->kind == K_ENCODER && n && !h->dec_dead[hf->dir]) {
		nghttp3_ssize r = nghttp3_qpack_decoder_read_encoder(h->dec[hf->dir], p, n);
		if (r < 0) {
			dissect_anomaly(ctx, H3, "qpack_encoder_stream");
			h->dec_dead[hf->dir] = true;
		}
		unblock(h, hf->dir, ctx);
	} else if (hf->kind == K_MESSAGE) {
		frames(h, hf, p, n, ctx);
	}
	if (fin && hf->used) {
		if (hf->blocked)
			hf->fin_pending = true;
		else
			end_half(h, hf, hf->step != S_TYPE || hf->vn, ctx);
	}
}

void h3_stream(struct h3_conn *h, uint64_t id, enum dissect_dir dir, const uint8_t *p, size_t n, bool fin,
	       const struct dissect_ctx *ctx)
{
	if (!h || (dir != DIR_TO_SERVER && dir != DIR_TO_CLIENT))
		return;
	struct h3_half *hf = half_of(h, id, dir, true);
	if (!hf) {
		dissect_anomaly(ctx, H3, "streams_over_cap");
		return;
	}
	if (hf->dead) {
		if (fin)
			half_release(hf);
		return;
	}
	feed(h, hf, p, n, fin, ctx);
}

void h3_stream_lost(struct h3_conn *h, uint64_t id, enum dissect_dir dir, const struct dissect_ctx *ctx)
{
	struct h3_half *hf = h ? half_of(h, id, dir, false) : NULL;
	if (hf && !hf->dead)
		lose(hf, ctx, "stream_gap");
}

void h3_end(struct h3_conn *h, const struct dissect_ctx *ctx)
{
	if (!h)
		return;
	for (size_t i = 0; i < AS_H3_MAX_STREAMS; i++)
		if (h->half[i].used)
			end_half(h, &h->half[i], true, ctx);
	http_conn_end(h->conn, ctx);
}
