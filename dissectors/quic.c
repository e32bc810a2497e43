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
	(void)o;
	struct quic_state *st = calloc(1, sizeof *st);
	if (st)
		for (int i = 0; i < 2; i++)
			dir_reset(&st->d[i]);
	return st;
}

static void quic_free(void *state)
{
	struct quic_state *st = state;
	if (!st)
		return;
	for (int i = 0; i < 2; i++)
		dir_reset(&st->d[i]);
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
	} else {
		observation_init(&o, OBS_TLS_SERVER_HELLO);
		r = tls_parse_server_hello(d->buf + 4, len, &o.u.tls_sh, &reason);
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

/* The frames of a decrypted Initial: CRYPTO data kept, the rest stepped
 * over (an Initial carries only PADDING, PING, ACK, CRYPTO and
 * CONNECTION_CLOSE, RFC 9000 §17.2.2). */
static void frames(struct quic_dir *d, const uint8_t *p, size_t n, const struct dissect_ctx *ctx)
{
	struct cur c = cur_make(p, n);
	uint64_t type, a, b, count;
	while (cur_len(&c)) {
		if (!get_varint(&c, &type))
			goto bad;
		switch (type) {
		case 0x00: /* PADDING */
		case 0x01: /* PING */
			break;
		case 0x02: /* ACK: largest, delay, range count, first range, ranges */
		case 0x03:
			if (!get_varint(&c, &a) || !get_varint(&c, &a) || !get_varint(&c, &count) ||
			    !get_varint(&c, &a))
				goto bad;
			for (uint64_t i = 0; i < count; i++)
				if (!get_varint(&c, &a) || !get_varint(&c, &b))
					goto bad;
			if (type == 0x03 &&
			    (!get_varint(&c, &a) || !get_varint(&c, &a) || !get_varint(&c, &a)))
				goto bad;
			break;
		case 0x06: /* CRYPTO */
			if (!get_varint(&c, &a) || !get_varint(&c, &b) || b > cur_len(&c))
				goto bad;
			crypto_add(d, a, cur_data(&c), (size_t)b, ctx);
			(void)cur_skip(&c, (size_t)b);
			break;
		case 0x1c: /* CONNECTION_CLOSE: code, frame type, reason */
			if (!get_varint(&c, &a) || !get_varint(&c, &a) || !get_varint(&c, &b) ||
			    b > cur_len(&c))
				goto bad;
			(void)cur_skip(&c, (size_t)b);
			break;
		default:
			goto bad;
		}
	}
	return;
bad:
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
	/* coalesced packets (RFC 9000 §12.2); a short header ends the Initials */
	for (size_t off = 0, n; off < len && (data[off] & 0x80); off += n)
		if (!(n = packet(st, dir, data + off, len - off, ctx)))
			break;
	try_hello(st, dir, ctx);
	if (st->failures >= AS_QUIC_MAX_FAILURES) {
		dissect_anomaly(ctx, QUIC, "left_undecryptable");
		return DISSECT_DONE;
	}
	return st->d[0].done && st->d[1].done ? DISSECT_DONE : DISSECT_MORE;
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
};
