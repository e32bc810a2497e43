/* quic.c — QUIC Initial packets (see quic.h) and the QUIC layer: a UDP
 * flow whose client opens with a long-header Initial of a known version.
 * The layer derives the Initial keys from the client's first Destination
 * Connection ID (after a Retry, from the Retry's Source Connection ID;
 * after a Version Negotiation, from the new attempt's), removes header
 * protection, decrypts, walks coalesced packets and reassembles the CRYPTO
 * frames of each direction by offset — in any order, across packets,
 * repeated ranges overwriting — until the ClientHello and the ServerHello
 * are whole; they go to the TLS hello parsers (JA4 with the 'q' prefix).
 * Nothing past the Initials is readable without keys: the layer is done
 * once both hellos are read. Key derivation and AEAD are OpenSSL's. */
#include "quic.h"

#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "dissector.h"
#include "limits.h"
#include "http3.h"
#include "keylog.h"
#include "quic_streams.h"
#include "tls.h"
#include "tls_crypto.h"

#define QUIC "quic"

/* ---- versions (RFC 9001 §5.2, RFC 9369 §3.3, draft-ietf-quic-tls-23 and -29 §5.2) ---- */

static const uint8_t salt_v1[20] = {0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
				    0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a};
static const uint8_t salt_v2[20] = {0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
				    0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9};
/* draft-ietf-quic-v2-01, which ngtcp2 0.12 speaks as 0x709a50c4 */
static const uint8_t salt_v2_draft[20] = {0xa7, 0x07, 0xc2, 0x03, 0xa5, 0x9b, 0x47, 0x18, 0x4a, 0x1d,
					  0x62, 0xca, 0x57, 0x04, 0x06, 0xea, 0x7a, 0xe3, 0xe5, 0xd3};
static const uint8_t salt_d23[20] = {0xc3, 0xee, 0xf7, 0x12, 0xc7, 0x2e, 0xbb, 0x5a, 0x11, 0xa7,
				     0xd2, 0x43, 0x2b, 0xb4, 0x63, 0x65, 0xbe, 0xf9, 0xf5, 0x02};
static const uint8_t salt_d29[20] = {0xaf, 0xbf, 0xec, 0x28, 0x99, 0x93, 0xd2, 0x4c, 0x9e, 0x97,
				     0x86, 0xf1, 0x9c, 0x61, 0x11, 0xe0, 0x43, 0x90, 0xa8, 0x99};

#define V1_LABELS "quic key", "quic iv", "quic hp", 0, 1, 2, 3
#define V2_LABELS "quicv2 key", "quicv2 iv", "quicv2 hp", 1, 2, 3, 0

static const struct quic_version versions[] = {
    {0x00000001, "1", salt_v1, V1_LABELS},
    {0x6b3343cf, "2", salt_v2, V2_LABELS},
    {0x709a50c4, "2-draft", salt_v2_draft, V2_LABELS},
    {0xff000017, "draft-23", salt_d23, V1_LABELS},
    {0xff000018, "draft-24", salt_d23, V1_LABELS},
    {0xff000019, "draft-25", salt_d23, V1_LABELS},
    {0xff00001a, "draft-26", salt_d23, V1_LABELS},
    {0xff00001b, "draft-27", salt_d23, V1_LABELS},
    {0xff00001c, "draft-28", salt_d23, V1_LABELS},
    {0xff00001d, "draft-29", salt_d29, V1_LABELS},
    {0xff00001e, "draft-30", salt_d29, V1_LABELS},
    {0xff00001f, "draft-31", salt_d29, V1_LABELS},
    {0xff000020, "draft-32", salt_d29, V1_LABELS},
};

const struct quic_version *quic_version_find(uint32_t number)
{
	for (size_t i = 0; i < sizeof versions / sizeof versions[0]; i++)
		if (versions[i].number == number)
			return &versions[i];
	return NULL;
}

/* ---- keys ---- */

/* HKDF-Expand-Label of TLS 1.3 (RFC 8446 §7.1) with an empty context. */
static int expand_label(const uint8_t secret[32], const char *label, uint8_t *out, size_t out_len)
{
	return tls13_expand_label(secret, 32, label, NULL, 0, out, out_len);
}

int quic_initial_keys(const struct quic_version *v, const uint8_t *dcid, size_t dcid_len, bool server,
		      struct quic_keys *out, uint8_t secret_out[32])
{
	uint8_t initial[32], secret[32];
	int r = tls_hkdf(EVP_KDF_HKDF_MODE_EXTRACT_ONLY, 32, v->salt, 20, dcid, dcid_len, NULL, 0, initial,
			 sizeof initial);
	if (r == AS_OK)
		r = expand_label(initial, server ? "server in" : "client in", secret, sizeof secret);
	if (r == AS_OK)
		r = expand_label(secret, v->key_label, out->key, sizeof out->key);
	if (r == AS_OK)
		r = expand_label(secret, v->iv_label, out->iv, sizeof out->iv);
	if (r == AS_OK)
		r = expand_label(secret, v->hp_label, out->hp, sizeof out->hp);
	if (r == AS_OK && secret_out)
		memcpy(secret_out, secret, sizeof secret);
	return r;
}

/* ---- packets ---- */

/* A variable-length integer (RFC 9000 §16). */
static bool get_varint(struct cur *c, uint64_t *v)
{
	uint8_t b;
	if (!cur_get_u8(c, &b))
		return false;
	size_t n = (size_t)1 << (b >> 6);
	*v = b & 0x3f;
	for (size_t i = 1; i < n; i++) {
		if (!cur_get_u8(c, &b))
			return false;
		*v = (*v << 8) | b;
	}
	return true;
}

int quic_parse_long_header(const uint8_t *p, size_t len, const struct quic_version *v,
			   struct quic_long_header *h)
{
	memset(h, 0, sizeof *h);
	struct cur c = cur_make(p, len);
	uint32_t version;
	if (!cur_get_u8(&c, &h->first) || !cur_get_u32(&c, &version))
		return AS_ERR_TRUNCATED;
	h->version = version;
	if (!(h->first & 0x80))
		return AS_ERR_MALFORMED;
	h->type = (h->first >> 4) & 3;
	if (!cur_get_u8(&c, &h->dcid_len))
		return AS_ERR_TRUNCATED;
	if (h->dcid_len > QUIC_MAX_CID)
		return AS_ERR_MALFORMED;
	if (!cur_copy(&c, h->dcid, h->dcid_len) || !cur_get_u8(&c, &h->scid_len))
		return AS_ERR_TRUNCATED;
	if (h->scid_len > QUIC_MAX_CID)
		return AS_ERR_MALFORMED;
	if (!cur_copy(&c, h->scid, h->scid_len))
		return AS_ERR_TRUNCATED;
	if (version == 0 || (v && h->type == v->type_retry)) { /* the rest of the datagram */
		h->token = cur_data(&c);
		h->token_len = cur_len(&c);
		h->length = len;
		return AS_OK;
	}
	if (!v)
		return AS_ERR_UNSUPPORTED;
	uint64_t n;
	if (h->type == v->type_initial) {
		if (!get_varint(&c, &n))
			return AS_ERR_TRUNCATED;
		if (n > cur_len(&c))
			return AS_ERR_MALFORMED;
		h->token = cur_data(&c);
		h->token_len = (size_t)n;
		(void)cur_skip(&c, (size_t)n);
	}
	if (!get_varint(&c, &n))
		return AS_ERR_TRUNCATED;
	if (n > cur_len(&c))
		return AS_ERR_MALFORMED;
	h->pn_offset = len - cur_len(&c);
	h->length = h->pn_offset + (size_t)n;
	return AS_OK;
}

/* The packet number from its truncated form (RFC 9000 §A.3). */
static int64_t expand_pn(int64_t largest, uint64_t truncated, unsigned bits)
{
	int64_t expected = largest + 1, win = (int64_t)1 << bits, hwin = win / 2, mask = win - 1;
	int64_t candidate = (expected & ~mask) | (int64_t)truncated;
	if (candidate <= expected - hwin && candidate < ((int64_t)1 << 62) - win)
		return candidate + win;
	if (candidate > expected + hwin && candidate >= win)
		return candidate - win;
	return candidate;
}

static bool aes_ecb(const uint8_t key[16], const uint8_t in[16], uint8_t out[16])
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0;
	bool ok = ctx && EVP_EncryptInit_ex(ctx, EVP_aes_128_ecb(), NULL, key, NULL) &&
		  EVP_CIPHER_CTX_set_padding(ctx, 0) && EVP_EncryptUpdate(ctx, out, &n, in, 16) && n == 16;
	EVP_CIPHER_CTX_free(ctx);
	return ok;
}

static bool aes_gcm_open(const struct quic_keys *k, int64_t pn, const uint8_t *aad, size_t aad_len,
			 const uint8_t *ct, size_t ct_len, uint8_t *out)
{
	uint8_t nonce[TLS_AEAD_NONCE];
	tls_nonce(k->iv, (uint64_t)pn, nonce);
	return tls_aead_open(TLS_AEAD_AES_128_GCM, k->key, nonce, aad, aad_len, ct, ct_len, out);
}

int quic_decrypt_initial(uint8_t *pkt, const struct quic_long_header *h, const struct quic_keys *k,
			 int64_t largest_pn, uint8_t *out, size_t *out_len, int64_t *pn)
{
	/* the sample starts 4 bytes past the packet number's start (§5.4.2) */
	if (h->pn_offset + 4 + 16 > h->length)
		return AS_ERR_TRUNCATED;
	uint8_t mask[16];
	if (!aes_ecb(k->hp, pkt + h->pn_offset + 4, mask))
		return AS_ERR_UNSUPPORTED;
	pkt[0] ^= mask[0] & 0x0f;
	unsigned pn_len = (pkt[0] & 3) + 1u;
	uint64_t truncated = 0;
	for (unsigned i = 0; i < pn_len; i++) {
		pkt[h->pn_offset + i] ^= mask[1 + i];
		truncated = (truncated << 8) | pkt[h->pn_offset + i];
	}
	size_t header = h->pn_offset + pn_len;
	if (header + 16 > h->length)
		return AS_ERR_TRUNCATED;
	*pn = expand_pn(largest_pn, truncated, 8 * pn_len);
	if (!aes_gcm_open(k, *pn, pkt, header, pkt + header, h->length - header, out))
		return AS_ERR_DECRYPT;
	*out_len = h->length - header - 16;
	return AS_OK;
}

/* The version field of a long header (p holds at least 5 bytes). */
static uint32_t version_of(const uint8_t *p)
{
	return ((uint32_t)p[1] << 24) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 8) | p[4];
}

/* ---- the layer ---- */

/* One direction's handshake bytes, reassembled by CRYPTO offset. */
struct quic_dir {
	int64_t largest_pn;
	uint8_t *buf;  /* AS_QUIC_MAX_CRYPTO bytes, on the first CRYPTO frame */
	uint8_t *have; /* a bit per byte of buf */
	bool done;     /* its hello was read (or cannot be) */
};

/* One direction's 1-RTT packet protection from the key logs (RFC 9001
 * §5, §6): the traffic secret, its keys, and the key phase they answer. */
struct quic_1rtt {
	struct tls_suite suite;
	uint8_t secret[TLS_MAX_SECRET];
	uint8_t key[32], iv[TLS_AEAD_NONCE], hp[32];
	unsigned phase; /* the key phase bit of these keys */
	int64_t largest_pn;
};

/* Reading past the handshake with the key logs. */
struct quic_app {
	uint8_t random[KEYLOG_RANDOM]; /* the ClientHello's */
	bool have_random, offers_h3;   /* the client offered h3 */
	uint16_t cipher;	       /* the ServerHello's */
	uint8_t cid_len[2];	       /* of the short headers' DCID, by direction */
	const struct quic_version *v;  /* the server's: a compatible version (RFC 9368) keys 1-RTT */
	bool cid_known[2];
	bool on;
	struct quic_1rtt k[2];
	struct quic_streams *streams;
	struct h3_conn *h3;
	unsigned failures;
};

struct quic_state {
	const struct quic_version *v; /* of the client's Initials */
	uint8_t key_dcid[QUIC_MAX_CID];
	uint8_t key_dcid_len;
	bool keyed;
	/* Initial keys by direction and version (a server may answer in a
	 * compatible version, RFC 9368: the keys of the same DCID, its salt) */
	const struct quic_version *kv[2];
	struct quic_keys keys[2];
	struct quic_dir d[2];
	unsigned failures; /* Initials that did not open (garbage on the port costs no more AES) */
	struct quic_app *app; /* only when key logs may open it */
};

static void dir_reset(struct quic_dir *d)
{
	free(d->buf);
	free(d->have);
	memset(d, 0, sizeof *d);
	d->largest_pn = -1;
}

static void *quic_new(const struct layer_open *o)
{
	struct quic_state *st = calloc(1, sizeof *st);
	if (!st)
		return NULL;
	for (int i = 0; i < 2; i++)
		dir_reset(&st->d[i]);
	if (o && o->env && keylog_usable(o->env->keys) && !(st->app = calloc(1, sizeof *st->app))) {
		free(st);
		return NULL;
	}
	return st;
}

static void quic_free(void *state)
{
	struct quic_state *st = state;
	if (!st)
		return;
	for (int i = 0; i < 2; i++)
		dir_reset(&st->d[i]);
	if (st->app) {
		quic_streams_free(st->app->streams);
		h3_free(st->app->h3);
		memset(st->app, 0, sizeof *st->app); /* no traffic secret outlives the connection */
		free(st->app);
	}
	free(st);
}

/* A new connection attempt: keys from this DCID, nothing of the last kept. */
static void rekey(struct quic_state *st, const struct quic_version *v, const uint8_t *dcid, uint8_t len)
{
	st->v = v;
	memcpy(st->key_dcid, dcid, len);
	st->key_dcid_len = len;
	st->keyed = true;
	st->kv[0] = st->kv[1] = NULL;
}

static const struct quic_keys *keys_for(struct quic_state *st, enum dissect_dir dir,
					const struct quic_version *v)
{
	if (st->kv[dir] != v) {
		if (quic_initial_keys(v, st->key_dcid, st->key_dcid_len, dir == DIR_TO_CLIENT, &st->keys[dir],
				      NULL) < 0)
			return NULL;
		st->kv[dir] = v;
	}
	return &st->keys[dir];
}

static void crypto_add(struct quic_dir *d, uint64_t off, const uint8_t *p, size_t n,
		       const struct dissect_ctx *ctx)
{
	if (d->done || !n)
		return;
	if (off > AS_QUIC_MAX_CRYPTO || n > AS_QUIC_MAX_CRYPTO - off) {
		dissect_anomaly(ctx, QUIC, "crypto_over_cap");
		d->done = true;
		return;
	}
	if (!d->buf) {
		d->buf = malloc(AS_QUIC_MAX_CRYPTO);
		d->have = calloc(AS_QUIC_MAX_CRYPTO / 8, 1);
		if (!d->buf || !d->have) {
			d->done = true;
			return;
		}
	}
	memcpy(d->buf + off, p, n);
	for (size_t i = (size_t)off; i < off + n; i++)
		d->have[i / 8] |= (uint8_t)(1u << (i % 8));
}

static bool have_range(const struct quic_dir *d, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		if (!(d->have[i / 8] & (1u << (i % 8))))
			return false;
	return true;
}

/* ACK (0x02, with ECN counts 0x03): largest, delay, range count, first
 * range, then the ranges (RFC 9000 §19.3). */
static bool skip_ack(struct cur *c, uint64_t type)
{
	uint64_t x, y, count;
	if (!get_varint(c, &x) || !get_varint(c, &x) || !get_varint(c, &count) || !get_varint(c, &x))
		return false;
	for (uint64_t i = 0; i < count; i++)
		if (!get_varint(c, &x) || !get_varint(c, &y))
			return false;
	return type != 0x03 || (get_varint(c, &x) && get_varint(c, &x) && get_varint(c, &x));
}

/* CONNECTION_CLOSE (0x1c: code, frame type, reason; 0x1d: code, reason). */
static bool skip_close(struct cur *c, uint64_t type)
{
	uint64_t x, len;
	return get_varint(c, &x) && (type != 0x1c || get_varint(c, &x)) && get_varint(c, &len) &&
	       len <= cur_len(c) && cur_skip(c, (size_t)len);
}

/* ---- past the handshake, with the key logs ---- */

/* The ClientHello: its random finds the secrets; the connection is read
 * as HTTP/3 when the client offered it and the logs hold its 1-RTT
 * secrets (the hello then says it is opened: the client is named by what
 * it sends). */
static void app_client_hello(struct quic_state *st, const uint8_t *random, struct obs_tls_client_hello *ch,
			     const struct dissect_ctx *ctx)
{
	struct quic_app *a = st->app;
	memcpy(a->random, random, KEYLOG_RANDOM);
	a->have_random = true;
	for (unsigned i = 0; i < ch->n_alpn && i < AS_OBS_MAX_ALPN; i++)
		a->offers_h3 |= !strcmp(ch->alpn[i], "h3");
	uint8_t sec[TLS_MAX_SECRET];
	ch->opened = a->offers_h3 && keylog_find(ctx->env->keys, a->random, KEYLOG_CLIENT_TRAFFIC, sec) &&
		     keylog_find(ctx->env->keys, a->random, KEYLOG_SERVER_TRAFFIC, sec);
	memset(sec, 0, sizeof sec);
}

static void h3_on_stream(void *h3, uint64_t id, enum dissect_dir dir, const uint8_t *p, size_t n, bool fin,
			 const struct dissect_ctx *ctx)
{
	h3_stream(h3, id, dir, p, n, fin, ctx);
}

static void h3_on_lost(void *h3, uint64_t id, enum dissect_dir dir, const struct dissect_ctx *ctx)
{
	h3_stream_lost(h3, id, dir, ctx);
}

/* Keys of a 1-RTT secret: "quic key", "quic iv", "quic hp" (v2: "quicv2 …"). */
static bool app_keys(const struct quic_version *v, struct quic_1rtt *k, const uint8_t *secret)
{
	const struct tls_suite *su = &k->suite;
	if (secret != k->secret)
		memcpy(k->secret, secret, su->hash_len);
	return tls13_expand_label(k->secret, su->hash_len, v->key_label, NULL, 0, k->key, su->key_len) == AS_OK &&
	       tls13_expand_label(k->secret, su->hash_len, v->iv_label, NULL, 0, k->iv, TLS_AEAD_NONCE) == AS_OK &&
	       tls13_expand_label(k->secret, su->hash_len, v->hp_label, NULL, 0, k->hp, su->key_len) == AS_OK;
}

/* The keys of the next key phase (RFC 9001 §6.1): "quic ku"; the header
 * protection key stays. */
static bool app_next(const struct quic_version *v, const struct quic_1rtt *cur, struct quic_1rtt *next)
{
	*next = *cur;
	const char *ku = v->number == 0x6b3343cf || v->number == 0x709a50c4 ? "quicv2 ku" : "quic ku";
	uint8_t s[TLS_MAX_SECRET], hp[32];
	memcpy(hp, cur->hp, sizeof hp);
	bool ok = tls13_expand_label(cur->secret, cur->suite.hash_len, ku, NULL, 0, s, cur->suite.hash_len) == AS_OK &&
		  app_keys(v, next, s);
	memcpy(next->hp, hp, sizeof hp);
	next->phase = cur->phase ^ 1u;
	memset(s, 0, sizeof s);
	return ok;
}

/* Both hellos are in: the 1-RTT keys of both directions, when the logs
 * hold them. */
static void app_start(struct quic_state *st, const struct dissect_ctx *ctx)
{
	struct quic_app *a = st->app;
	struct tls_suite suite;
	const struct quic_version *v = a && a->v ? a->v : st->v;
	if (!a || a->on || !a->have_random || !a->offers_h3 || !v || !tls13_suite_of(a->cipher, &suite))
		return;
	static const enum keylog_label labels[2] = {KEYLOG_CLIENT_TRAFFIC, KEYLOG_SERVER_TRAFFIC};
	for (int dir = 0; dir < 2; dir++) {
		uint8_t sec[TLS_MAX_SECRET];
		struct quic_1rtt *k = &a->k[dir];
		k->suite = suite;
		k->largest_pn = -1;
		bool ok = keylog_find(ctx->env->keys, a->random, labels[dir], sec) == suite.hash_len &&
			  app_keys(v, k, sec);
		memset(sec, 0, sizeof sec);
		if (!ok)
			return;
	}
	if ((a->h3 = h3_new()) && (a->streams = quic_streams_new(h3_on_stream, h3_on_lost, a->h3)))
		a->on = true;
}

/* The header protection mask (RFC 9001 §5.4): AES-ECB of the sample, or
 * ChaCha20 keyed by hp with the sample as counter and nonce. */
static bool hp_mask(const struct quic_1rtt *k, const uint8_t sample[16], uint8_t mask[5])
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	uint8_t out[16], zero[5] = {0};
	int n = 0;
	bool ok;
	if (k->suite.aead == TLS_AEAD_CHACHA20_POLY1305)
		ok = c && EVP_EncryptInit_ex(c, EVP_chacha20(), NULL, k->hp, sample) &&
		     EVP_EncryptUpdate(c, out, &n, zero, 5) && n == 5;
	else
		ok = c &&
		     EVP_EncryptInit_ex(c, k->suite.key_len == 32 ? EVP_aes_256_ecb() : EVP_aes_128_ecb(), NULL,
					k->hp, NULL) &&
		     EVP_CIPHER_CTX_set_padding(c, 0) && EVP_EncryptUpdate(c, out, &n, sample, 16) && n == 16;
	EVP_CIPHER_CTX_free(c);
	if (ok)
		memcpy(mask, out, 5);
	return ok;
}

/* What a packet's frames carry that a reader keeps (NULL: stepped over). */
struct frame_sink {
	void (*crypto)(void *user, uint64_t off, const uint8_t *p, size_t n);
	void (*stream)(void *user, uint64_t id, uint64_t off, const uint8_t *p, size_t n, bool fin);
	void (*reset)(void *user, uint64_t id);
	void *user;
};

/* The frames of a decrypted packet (RFC 9000 §19). An Initial carries only
 * PADDING, PING, ACK, CRYPTO and CONNECTION_CLOSE (§17.2.2); a frame this
 * reader does not know, or not allowed there, ends the packet: false. */
static bool walk_frames(const uint8_t *p, size_t n, bool initial, const struct frame_sink *k)
{
	struct cur c = cur_make(p, n);
	uint64_t type, x, y;
	while (cur_len(&c)) {
		if (!get_varint(&c, &type))
			return false;
		if (initial && type > 0x03 && type != 0x06 && type != 0x1c)
			return false;
		if (type >= 0x08 && type <= 0x0f) { /* STREAM: OFF, LEN, FIN bits */
			uint64_t id, off = 0, len;
			if (!get_varint(&c, &id) || ((type & 4) && !get_varint(&c, &off)))
				return false;
			if (type & 2) {
				if (!get_varint(&c, &len) || len > cur_len(&c))
					return false;
			} else {
				len = cur_len(&c);
			}
			if (off > ((uint64_t)1 << 62) - len)
				return false;
			if (k->stream)
				k->stream(k->user, id, off, cur_data(&c), (size_t)len, type & 1);
			(void)cur_skip(&c, (size_t)len);
			continue;
		}
		switch (type) {
		case 0x00: /* PADDING */
		case 0x01: /* PING */
		case 0x1e: /* HANDSHAKE_DONE */
			break;
		case 0x02: /* ACK */
		case 0x03:
			if (!skip_ack(&c, type))
				return false;
			break;
		case 0x04: /* RESET_STREAM: id, code, final size */
			if (!get_varint(&c, &x) || !get_varint(&c, &y) || !get_varint(&c, &y))
				return false;
			if (k->reset)
				k->reset(k->user, x);
			break;
		case 0x05: /* STOP_SENDING: id, code */
		case 0x11: /* MAX_STREAM_DATA: id, max */
		case 0x15: /* STREAM_DATA_BLOCKED: id, limit */
			if (!get_varint(&c, &x) || !get_varint(&c, &y))
				return false;
			break;
		case 0x06: /* CRYPTO: offset, length, data */
			if (!get_varint(&c, &x) || !get_varint(&c, &y) || y > cur_len(&c))
				return false;
			if (k->crypto)
				k->crypto(k->user, x, cur_data(&c), (size_t)y);
			(void)cur_skip(&c, (size_t)y);
			break;
		case 0x07: /* NEW_TOKEN: length, token */
			if (!get_varint(&c, &y) || y > cur_len(&c))
				return false;
			(void)cur_skip(&c, (size_t)y);
			break;
		case 0x10: /* MAX_DATA */
		case 0x12: /* MAX_STREAMS */
		case 0x13:
		case 0x14: /* DATA_BLOCKED */
		case 0x16: /* STREAMS_BLOCKED */
		case 0x17:
		case 0x19: /* RETIRE_CONNECTION_ID */
			if (!get_varint(&c, &x))
				return false;
			break;
		case 0x18: { /* NEW_CONNECTION_ID: seq, retire, length, cid, token(16) */
			uint8_t l;
			if (!get_varint(&c, &x) || !get_varint(&c, &y) || !cur_get_u8(&c, &l) || l > QUIC_MAX_CID ||
			    !cur_skip(&c, (size_t)l + 16))
				return false;
			break;
		}
		case 0x1a: /* PATH_CHALLENGE */
		case 0x1b: /* PATH_RESPONSE */
			if (!cur_skip(&c, 8))
				return false;
			break;
		case 0x1c: /* CONNECTION_CLOSE */
		case 0x1d:
			if (!skip_close(&c, type))
				return false;
			break;
		case 0x30: /* DATAGRAM (RFC 9221) */
			(void)cur_skip(&c, cur_len(&c));
			break;
		case 0x31:
			if (!get_varint(&c, &y) || y > cur_len(&c))
				return false;
			(void)cur_skip(&c, (size_t)y);
			break;
		default:
			return false;
		}
	}
	return true;
}

struct app_frames_ctx {
	struct quic_app *a;
	enum dissect_dir dir;
	const struct dissect_ctx *ctx;
};

static void app_stream(void *user, uint64_t id, uint64_t off, const uint8_t *p, size_t n, bool fin)
{
	struct app_frames_ctx *f = user;
	quic_streams_frame(f->a->streams, id, f->dir, off, p, n, fin, f->ctx);
}

static void app_reset(void *user, uint64_t id)
{
	struct app_frames_ctx *f = user;
	h3_stream_lost(f->a->h3, id, f->dir, f->ctx);
}

/* The frames of a 1-RTT packet: STREAM data to the streams. */
static void app_frames(struct quic_app *a, enum dissect_dir dir, const uint8_t *p, size_t n,
		       const struct dissect_ctx *ctx)
{
	struct app_frames_ctx f = {a, dir, ctx};
	const struct frame_sink k = {NULL, app_stream, app_reset, &f};
	if (!walk_frames(p, n, false, &k))
		dissect_anomaly(ctx, QUIC, "bad_1rtt_frame");
}

/* A short-header (1-RTT) packet: header protection off, the payload
 * opened with the key phase it names (the next one tried on a change). */
static void app_packet(struct quic_state *st, enum dissect_dir dir, const uint8_t *p, size_t len,
		       const struct dissect_ctx *ctx)
{
	struct quic_app *a = st->app;
	size_t pn_off = 1 + (size_t)a->cid_len[dir];
	if (!a->on || !a->cid_known[dir] || len < pn_off + 4 + 16 + TLS_AEAD_TAG)
		return;
	struct quic_1rtt *k = &a->k[dir];
	uint8_t mask[5];
	if (!hp_mask(k, p + pn_off + 4, mask))
		return;
	uint8_t *pkt = malloc(2 * len);
	if (!pkt)
		return;
	uint8_t *out = pkt + len;
	memcpy(pkt, p, len);
	pkt[0] ^= mask[0] & 0x1f;
	unsigned pn_len = (pkt[0] & 3) + 1u, phase = (pkt[0] >> 2) & 1u;
	uint64_t truncated = 0;
	for (unsigned i = 0; i < pn_len; i++) {
		pkt[pn_off + i] ^= mask[1 + i];
		truncated = truncated << 8 | pkt[pn_off + i];
	}
	size_t hdr = pn_off + pn_len;
	int64_t pn = expand_pn(k->largest_pn, truncated, 8 * pn_len);
	struct quic_1rtt next, *use = k;
	if (phase != k->phase) {
		if (!app_next(a->v ? a->v : st->v, k, &next)) {
			free(pkt);
			return;
		}
		use = &next;
	}
	uint8_t nonce[TLS_AEAD_NONCE];
	tls_nonce(use->iv, (uint64_t)pn, nonce);
	bool ok = tls_aead_open(use->suite.aead, use->key, nonce, pkt, hdr, pkt + hdr, len - hdr, out);
	if (ok && use == &next)
		*k = next; /* the key phase changed */
	memset(&next, 0, sizeof next);
	if (!ok) {
		if (++a->failures == AS_QUIC_MAX_FAILURES)
			dissect_anomaly(ctx, QUIC, "undecryptable_1rtt");
		free(pkt);
		return;
	}
	if (pn > k->largest_pn)
		k->largest_pn = pn;
	struct dissect_ctx opened = *ctx; /* what HTTP/3 carries was encrypted on the wire */
	opened.protected_bytes = true;
	app_frames(a, dir, out, len - hdr - TLS_AEAD_TAG, &opened);
	free(pkt);
}

/* The hello of a direction once its bytes are all there. */
static void try_hello(struct quic_state *st, enum dissect_dir dir, const struct dissect_ctx *ctx)
{
	struct quic_dir *d = &st->d[dir];
	if (d->done || !d->buf || !have_range(d, 0, 4))
		return;
	size_t len = ((size_t)d->buf[1] << 16) | ((size_t)d->buf[2] << 8) | d->buf[3];
	uint8_t want = dir == DIR_TO_SERVER ? 1 : 2; /* ClientHello, ServerHello */
	if (d->buf[0] != want || 4 + len > AS_QUIC_MAX_CRYPTO) {
		dissect_anomaly(ctx, QUIC,
				d->buf[0] != want ? "unexpected_handshake_type" : "crypto_over_cap");
		d->done = true;
		return;
	}
	if (!have_range(d, 4, 4 + len))
		return;
	struct observation o;
	const char *reason = NULL;
	int r;
	if (dir == DIR_TO_SERVER) {
		observation_init(&o, OBS_TLS_CLIENT_HELLO);
		r = tls_parse_client_hello(d->buf + 4, len, true, &o.u.tls_ch, &reason);
		o.u.tls_ch.quic_version = st->v ? st->v->number : 0;
		if (r == AS_OK && st->app && len >= 2 + KEYLOG_RANDOM)
			app_client_hello(st, d->buf + 4 + 2, &o.u.tls_ch, ctx);
	} else {
		observation_init(&o, OBS_TLS_SERVER_HELLO);
		r = tls_parse_server_hello(d->buf + 4, len, &o.u.tls_sh, &reason);
		if (r == AS_OK && st->app)
			st->app->cipher = o.u.tls_sh.cipher;
	}
	if (r < 0)
		dissect_anomaly(ctx, QUIC, reason ? reason : "bad_hello");
	else
		dissect_emit(ctx, &o);
	d->done = true;
	free(d->buf);
	free(d->have);
	d->buf = d->have = NULL;
}

struct initial_frames_ctx {
	struct quic_dir *d;
	const struct dissect_ctx *ctx;
};

static void initial_crypto(void *user, uint64_t off, const uint8_t *p, size_t n)
{
	struct initial_frames_ctx *f = user;
	crypto_add(f->d, off, p, n, f->ctx);
}

/* The frames of a decrypted Initial: CRYPTO data kept. */
static void frames(struct quic_dir *d, const uint8_t *p, size_t n, const struct dissect_ctx *ctx)
{
	struct initial_frames_ctx f = {d, ctx};
	const struct frame_sink k = {initial_crypto, NULL, NULL, &f};
	if (!walk_frames(p, n, true, &k))
		dissect_anomaly(ctx, QUIC, "bad_frame");
}

/* One long-header packet; returns its size in the datagram, 0 to stop. */
static size_t packet(struct quic_state *st, enum dissect_dir dir, const uint8_t *p, size_t len,
		     const struct dissect_ctx *ctx)
{
	if (len < 5)
		return 0;
	uint32_t number = version_of(p);
	const struct quic_version *v = quic_version_find(number);
	struct quic_long_header h;
	int r = quic_parse_long_header(p, len, v, &h);
	if (number == 0) { /* Version Negotiation: the client starts over */
		st->keyed = false;
		return 0;
	}
	if (!v) { /* a version reserved to force Version Negotiation is no anomaly (RFC 9000 §15) */
		if ((number & 0x0f0f0f0f) != 0x0a0a0a0a) {
			dissect_anomaly(ctx, QUIC, "unknown_version");
			st->failures++;
		}
		return 0;
	}
	if (r < 0) {
		dissect_anomaly(ctx, QUIC, "bad_header");
		st->failures++;
		return 0;
	}
	if (st->app) { /* the other side's short headers carry this side's CID */
		st->app->cid_len[!dir] = h.scid_len;
		st->app->cid_known[!dir] = true;
		if (dir == DIR_TO_CLIENT)
			st->app->v = v;
	}
	if (h.type == v->type_retry) { /* the next Initial is keyed by the Retry's SCID */
		if (dir == DIR_TO_CLIENT && st->keyed)
			rekey(st, st->v, h.scid, h.scid_len);
		return 0;
	}
	if (h.type != v->type_initial)
		return h.length; /* Handshake, 0-RTT: not ours to open */
	if (dir == DIR_TO_SERVER && !st->keyed)
		rekey(st, v, h.dcid, h.dcid_len);
	if (!st->keyed)
		return h.length; /* a server Initial of an attempt not seen */
	uint8_t *scratch = malloc(2 * h.length);
	if (!scratch)
		return 0;
	uint8_t *out = scratch + h.length;
	size_t out_len = 0;
	int64_t pn = 0;
	const struct quic_keys *k = keys_for(st, dir, v);
	memcpy(scratch, p, h.length);
	r = k ? quic_decrypt_initial(scratch, &h, k, st->d[dir].largest_pn, out, &out_len, &pn)
	      : AS_ERR_UNSUPPORTED;
	if (r == AS_ERR_DECRYPT && dir == DIR_TO_SERVER &&
	    (h.dcid_len != st->key_dcid_len || memcmp(h.dcid, st->key_dcid, h.dcid_len))) {
		/* a new attempt on the same ports (after Version Negotiation) */
		rekey(st, v, h.dcid, h.dcid_len);
		for (int i = 0; i < 2; i++)
			dir_reset(&st->d[i]);
		k = keys_for(st, dir, v);
		memcpy(scratch, p, h.length);
		r = k ? quic_decrypt_initial(scratch, &h, k, -1, out, &out_len, &pn) : AS_ERR_UNSUPPORTED;
	}
	if (r < 0) {
		dissect_anomaly(ctx, QUIC, r == AS_ERR_DECRYPT ? "undecryptable_initial" : "bad_initial");
		st->failures++;
		free(scratch);
		return 0; /* what follows in the datagram cannot be trusted either */
	}
	if (pn > st->d[dir].largest_pn)
		st->d[dir].largest_pn = pn;
	frames(&st->d[dir], out, out_len, ctx);
	free(scratch);
	return h.length;
}

static int quic_parse(void *state, enum dissect_dir dir, const uint8_t *data, size_t len,
		      const struct dissect_ctx *ctx)
{
	struct quic_state *st = state;
	if (!len) { /* the flow ended: HTTP/3 messages in progress end cut */
		if (st->app && st->app->on && dir == DIR_TO_CLIENT) {
			struct dissect_ctx opened = *ctx;
			opened.protected_bytes = true;
			h3_end(st->app->h3, &opened);
		}
		return DISSECT_MORE;
	}
	/* coalesced packets (RFC 9000 §12.2); a short header (1-RTT) ends the datagram */
	size_t off = 0, n;
	for (; off < len && (data[off] & 0x80); off += n)
		if (!(n = packet(st, dir, data + off, len - off, ctx)))
			break;
	try_hello(st, dir, ctx);
	if (st->app && !st->app->on && st->d[0].done && st->d[1].done)
		app_start(st, ctx);
	if (st->app && st->app->on && off < len && !(data[off] & 0x80))
		app_packet(st, dir, data + off, len - off, ctx);
	if (st->failures >= AS_QUIC_MAX_FAILURES) {
		dissect_anomaly(ctx, QUIC, "left_undecryptable");
		return DISSECT_DONE;
	}
	bool reading = st->app && (st->app->on || !(st->d[0].done && st->d[1].done));
	return st->d[0].done && st->d[1].done && !reading ? DISSECT_DONE : DISSECT_MORE;
}

/* A client's first datagram: a long-header Initial of a version whose keys
 * are known (a client Initial fills a datagram of at least 1200 bytes). */
static bool quic_probe(const struct dissect_probe *p)
{
	if (p->dir != DIR_TO_SERVER || p->len < 1200 || !(p->data[0] & 0x80))
		return false;
	uint32_t number = version_of(p->data);
	const struct quic_version *v = quic_version_find(number);
	return v && ((p->data[0] >> 4) & 3) == v->type_initial;
}

const struct dissector dissector_quic = {
    .name = "quic",
    .transports = TRANSPORT_UDP,
    .probe = quic_probe,
    .state_new = quic_new,
    .state_free = quic_free,
    .parse = quic_parse,
    .gap = dissect_gap_ignore,
    .datagram_end = true,
};
