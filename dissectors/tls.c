/* tls.c — TLS ClientHello/ServerHello dissector with JA3, JA3S and JA4.
 *
 * Specs: TLS record and handshake layers (RFC 5246 §6.2, §7.4; RFC 8446 §4,
 * §5.1), extensions (RFC 6066 SNI, RFC 7301 ALPN, RFC 8422 groups/point
 * formats, RFC 8446 supported_versions/signature_algorithms, ECH
 * draft-ietf-tls-esni 0xfe0d), GREASE (RFC 8701); JA3/JA3S (Salesforce,
 * BSD-3-Clause) and JA4 (FoxIO technical_details/JA4.md, BSD-3-Clause). The
 * other JA4+ methods are under the FoxIO License and deliberately absent.
 *
 * Per direction, bytes are cut into records (bounded by the protocol's
 * maximum record size), handshake fragments are joined into messages
 * (bounded by AS_TLS_MAX_HANDSHAKE); the first message is the hello. */
#include "tls.h"

#include "hash.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "dissector.h"
#include "fingerprint.h"
#include "keylog.h"
#include "sbuf.h"
#include "strview.h"
#include "text.h"
#include "tls_crypto.h"
#include "tls_turns.h"

/* ---- protocol constants (not tunable caps) ---- */

#define TLS_RECORD_HDR 5
#define TLS_HS_HDR 4
/* TLSCiphertext.length may reach 2^14 + 2048 (RFC 5246 §6.2.3). */
#define TLS_MAX_RECORD_PAYLOAD (16384 + 2048)

enum {
	CT_CHANGE_CIPHER_SPEC = 20,
	CT_ALERT = 21,
	CT_HANDSHAKE = 22,
	CT_APPLICATION_DATA = 23,
	CT_HEARTBEAT = 24,
};

enum {
	HS_CLIENT_HELLO = 1,
	HS_SERVER_HELLO = 2,
	HS_END_OF_EARLY_DATA = 5,
	HS_ENCRYPTED_EXTENSIONS = 8,
	HS_FINISHED = 20,
	HS_KEY_UPDATE = 24,
};

enum {
	EXT_SERVER_NAME = 0x0000,
	EXT_SUPPORTED_GROUPS = 0x000a,
	EXT_EC_POINT_FORMATS = 0x000b,
	EXT_SIGNATURE_ALGORITHMS = 0x000d,
	EXT_ALPN = 0x0010,
	EXT_PRE_SHARED_KEY = 0x0029,
	EXT_EARLY_DATA = 0x002a,
	EXT_SUPPORTED_VERSIONS = 0x002b,
	EXT_ECH = 0xfe0d,
};

bool tls_is_grease(uint16_t v)
{
	return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

/* ---- streaming digests: fingerprint strings are hashed as they are built ---- */

struct digest {
	bool md5;	/* JA3 (MD5), else SHA-256 (JA4) */
	struct as_sha256 sha;
	struct as_md5 m5;
	bool first;	/* no list element written yet */
	size_t len;	/* bytes waiting in buf: hashed in blocks, not per element */
	char buf[1024];
};

static void digest_init(struct digest *d, bool md5)
{
	d->md5 = md5;
	d->first = true;
	d->len = 0;
	if (md5)
		as_md5_init(&d->m5);
	else
		as_sha256_init(&d->sha);
}

static void digest_update(struct digest *d, const void *p, size_t n)
{
	if (d->md5)
		as_md5_update(&d->m5, p, n);
	else
		as_sha256_update(&d->sha, p, n);
}

static void digest_flush(struct digest *d)
{
	if (d->len)
		digest_update(d, d->buf, d->len);
	d->len = 0;
}

static void digest_put(struct digest *d, const char *s, size_t n)
{
	if (n > sizeof d->buf - d->len) {
		digest_flush(d);
		if (n > sizeof d->buf) {
			digest_update(d, s, n);
			return;
		}
	}
	memcpy(d->buf + d->len, s, n);
	d->len += n;
}

/* Writes `sep` before every element but the first of a list. */
static void digest_sep(struct digest *d, char sep)
{
	if (!d->first)
		digest_put(d, &sep, 1);
	d->first = false;
}

/* Decimal and hex by hand: printf showed up at a fifth of replay time. */
static void digest_dec(struct digest *d, unsigned v)
{
	char buf[12];
	size_t n = sizeof buf;
	do {
		buf[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	digest_put(d, buf + n, sizeof buf - n);
}

static void digest_hex4(struct digest *d, uint16_t v)
{
	static const char hex[] = "0123456789abcdef";
	char buf[4] = {hex[(v >> 12) & 15], hex[(v >> 8) & 15], hex[(v >> 4) & 15], hex[v & 15]};
	digest_put(d, buf, 4);
}

/* Finishes into `hexlen` lower-case hex digits (NUL-terminated). */
static void digest_final_hex(struct digest *d, char *out, size_t hexlen)
{
	uint8_t md[AS_SHA256_LEN];
	size_t md_len = d->md5 ? AS_MD5_LEN : AS_SHA256_LEN;
	char hex[2 * AS_SHA256_LEN + 1];
	digest_flush(d);
	if (d->md5)
		as_md5_final(&d->m5, md);
	else
		as_sha256_final(&d->sha, md);
	as_hex(md, md_len, hex);
	if (hexlen > 2 * md_len)
		hexlen = 2 * md_len;
	memcpy(out, hex, hexlen);
	out[hexlen] = '\0';
}

/* ---- u16 lists ---- */

/* Hello lists this long fit on the stack; a longer one is allocated. */
#define U16_ON_STACK 256

/* Reads a list of big-endian u16 without GREASE into buf (U16_ON_STACK
 * entries) or, when longer, a fresh array; the caller frees *out unless it
 * is buf. */
static int u16_list(struct cur c, uint16_t *buf, uint16_t **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (cur_len(&c) % 2)
		return AS_ERR_MALFORMED;
	size_t cap = cur_len(&c) / 2;
	uint16_t *v = cap <= U16_ON_STACK ? buf : malloc(cap * sizeof *v);
	if (!v)
		return AS_ERR_NOMEM;
	uint16_t x;
	while (cur_get_u16(&c, &x))
		if (!tls_is_grease(x))
			v[(*n)++] = x;
	*out = v;
	return AS_OK;
}

static int cmp_u16(const void *a, const void *b)
{
	uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;
	return (x > y) - (x < y);
}

/* ---- hello fields ---- */

struct ext_view {
	bool present;
	struct cur data;
};

/* What the extension block of a ClientHello says, as views into it. */
struct ch_exts {
	struct cur all; /* the extension list (type, len, data)* */
	struct ext_view sni, groups, point_formats, sigalgs, alpn, versions;
	bool ech;
	bool resumption; /* pre_shared_key or early_data: only a resumed handshake has them */
	bool early_data;
};

/* Walks the extension list once: validates framing, remembers the first
 * occurrence of each extension of interest. */
static int scan_exts(struct cur all, struct ch_exts *e, const char **reason)
{
	memset(e, 0, sizeof *e);
	e->all = all;
	while (cur_len(&all)) {
		uint16_t type;
		struct cur data;
		if (!cur_get_u16(&all, &type) || !cur_get_u16_prefixed(&all, &data)) {
			*reason = "bad_extension";
			return AS_ERR_MALFORMED;
		}
		struct ext_view *slot = NULL;
		switch (type) {
		case EXT_SERVER_NAME:
			slot = &e->sni;
			break;
		case EXT_SUPPORTED_GROUPS:
			slot = &e->groups;
			break;
		case EXT_EC_POINT_FORMATS:
			slot = &e->point_formats;
			break;
		case EXT_SIGNATURE_ALGORITHMS:
			slot = &e->sigalgs;
			break;
		case EXT_ALPN:
			slot = &e->alpn;
			break;
		case EXT_SUPPORTED_VERSIONS:
			slot = &e->versions;
			break;
		case EXT_ECH:
			e->ech = true;
			break;
		case EXT_EARLY_DATA:
			e->early_data = true;
			e->resumption = true;
			break;
		case EXT_PRE_SHARED_KEY:
			e->resumption = true;
			break;
		default:
			break;
		}
		if (slot && !slot->present) {
			slot->present = true;
			slot->data = data;
		}
	}
	return AS_OK;
}

/* server_name extension (RFC 6066 §3): the first host_name entry. */
static int parse_sni(struct cur d, char *out, size_t outsz)
{
	struct cur list;
	if (!cur_get_u16_prefixed(&d, &list) || cur_len(&d))
		return AS_ERR_MALFORMED;
	while (cur_len(&list)) {
		uint8_t type;
		struct cur name;
		if (!cur_get_u8(&list, &type) || !cur_get_u16_prefixed(&list, &name))
			return AS_ERR_MALFORMED;
		if (type == 0 && !out[0])
			sv_copy_lower(out, outsz, sv_make(cur_data(&name), cur_len(&name)));
	}
	return AS_OK;
}

/* ALPN extension (RFC 7301 §3.1): protocol_name_list. Copies up to `max`
 * names; returns the first name raw in *first (for JA4). */
static int parse_alpn(struct cur d, char (*names)[AS_STR_TINY], uint8_t max, uint8_t *n, struct cur *first,
		      bool *have_first)
{
	struct cur list;
	*have_first = false;
	*n = 0;
	if (!cur_get_u16_prefixed(&d, &list) || cur_len(&d))
		return AS_ERR_MALFORMED;
	while (cur_len(&list)) {
		struct cur name;
		if (!cur_get_u8_prefixed(&list, &name))
			return AS_ERR_MALFORMED;
		if (!*have_first) {
			*first = name;
			*have_first = true;
		}
		if (*n < max) {
			sv_copy(names[*n], AS_STR_TINY, sv_make(cur_data(&name), cur_len(&name)));
			(*n)++;
		}
	}
	return AS_OK;
}

/* ---- JA3 ---- */

static void ja3_put_u16_list(struct digest *d, struct cur c)
{
	uint16_t v;
	d->first = true;
	while (cur_get_u16(&c, &v))
		if (!tls_is_grease(v)) {
			digest_sep(d, '-');
			digest_dec(d, v);
		}
}

/* SSLVersion,Ciphers,Extensions,EllipticCurves,EllipticCurvePointFormats;
 * decimal, '-' within a field, GREASE removed everywhere. */
static int ja3_client(uint16_t version, struct cur ciphers, const struct ch_exts *e, char out[33])
{
	struct digest d;
	digest_init(&d, true);
	digest_dec(&d, version);
	digest_put(&d, ",", 1);
	ja3_put_u16_list(&d, ciphers);
	digest_put(&d, ",", 1);
	struct cur all = e->all;
	d.first = true;
	uint16_t type;
	struct cur data;
	while (cur_get_u16(&all, &type) && cur_get_u16_prefixed(&all, &data))
		if (!tls_is_grease(type)) {
			digest_sep(&d, '-');
			digest_dec(&d, type);
		}
	digest_put(&d, ",", 1);
	if (e->groups.present) {
		struct cur g = e->groups.data, list;
		if (cur_get_u16_prefixed(&g, &list))
			ja3_put_u16_list(&d, list);
	}
	digest_put(&d, ",", 1);
	if (e->point_formats.present) {
		struct cur p = e->point_formats.data, list;
		uint8_t f;
		if (cur_get_u8_prefixed(&p, &list)) {
			d.first = true;
			while (cur_get_u8(&list, &f)) {
				digest_sep(&d, '-');
				digest_dec(&d, f);
			}
		}
	}
	digest_final_hex(&d, out, 32);
	return AS_OK;
}

/* ---- JA4 ---- */

static const char *ja4_version(uint16_t v)
{
	switch (v) {
	case 0x0304:
		return "13";
	case 0x0303:
		return "12";
	case 0x0302:
		return "11";
	case 0x0301:
		return "10";
	case 0x0300:
		return "s3";
	case 0x0002:
		return "s2";
	case 0xfeff:
		return "d1";
	case 0xfefd:
		return "d2";
	case 0xfefc:
		return "d3";
	default:
		return "00";
	}
}

static bool is_alnum(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* First and last character of the first ALPN value; "00" when there is
 * none or it is empty; hex digits when either end byte is not alphanumeric. */
static void ja4_alpn(bool have, struct cur first, char out[2])
{
	static const char hexd[] = "0123456789abcdef";
	uint8_t a, b;
	size_t n = cur_len(&first);
	if (!have || n == 0 || !cur_peek_u8(&first, 0, &a) || !cur_peek_u8(&first, n - 1, &b)) {
		out[0] = out[1] = '0';
		return;
	}
	if (is_alnum(a) && is_alnum(b)) {
		out[0] = (char)a;
		out[1] = (char)b;
	} else {
		out[0] = hexd[a >> 4];
		out[1] = hexd[b & 15];
	}
}

/* Hash of a sorted u16 list ("%04x" comma-joined, optionally followed by
 * '_' and a second list in original order); "000000000000" when empty. */
static int ja4_hash(uint16_t *v, size_t n, const uint16_t *tail, size_t tn, char out[13])
{
	if (n == 0) {
		memcpy(out, "000000000000", 13);
		return AS_OK;
	}
	qsort(v, n, sizeof *v, cmp_u16);
	struct digest d;
	digest_init(&d, false);
	for (size_t i = 0; i < n; i++) {
		digest_sep(&d, ',');
		digest_hex4(&d, v[i]);
	}
	if (tn) {
		digest_put(&d, "_", 1);
		d.first = true;
		for (size_t i = 0; i < tn; i++) {
			digest_sep(&d, ',');
			digest_hex4(&d, tail[i]);
		}
	}
	digest_final_hex(&d, out, 12);
	return AS_OK;
}

/* resumption_blind: leave out pre_shared_key and early_data, which only a
 * resumed handshake carries (see obs ja4_stable). */
static int ja4_client(bool quic, uint16_t version, bool sni, struct cur ciphers, const struct ch_exts *e,
		      bool have_alpn, struct cur alpn_first, bool resumption_blind, char out[40])
{
	uint16_t cs_buf[U16_ON_STACK], ex_buf[U16_ON_STACK], sig_buf[U16_ON_STACK];
	uint16_t *cs = NULL, *ex = NULL, *sig = NULL;
	size_t ncs = 0, nex = 0, nsig = 0;
	int r = u16_list(ciphers, cs_buf, &cs, &ncs);
	if (r < 0)
		goto out;
	/* Extension types without GREASE; SNI and ALPN are counted but not hashed. */
	size_t cap = cur_len(&e->all) / 4 + 1;
	ex = cap <= U16_ON_STACK ? ex_buf : malloc(cap * sizeof *ex);
	if (!ex) {
		r = AS_ERR_NOMEM;
		goto out;
	}
	size_t ext_count = 0;
	struct cur all = e->all, data;
	uint16_t type;
	while (cur_get_u16(&all, &type) && cur_get_u16_prefixed(&all, &data)) {
		if (tls_is_grease(type) ||
		    (resumption_blind && (type == EXT_PRE_SHARED_KEY || type == EXT_EARLY_DATA)))
			continue;
		ext_count++;
		if (type != EXT_SERVER_NAME && type != EXT_ALPN && nex < cap)
			ex[nex++] = type;
	}
	if (e->sigalgs.present) {
		struct cur s = e->sigalgs.data, list;
		if (cur_get_u16_prefixed(&s, &list)) {
			r = u16_list(list, sig_buf, &sig, &nsig);
			if (r < 0)
				goto out;
		}
	}
	char alpn[2];
	ja4_alpn(have_alpn, alpn_first, alpn);
	snprintf(out, 12, "%c%s%c%02u%02u%c%c", quic ? 'q' : 't', ja4_version(version), sni ? 'd' : 'i',
		 (unsigned)(ncs > 99 ? 99 : ncs), (unsigned)(ext_count > 99 ? 99 : ext_count), alpn[0],
		 alpn[1]);
	out[10] = '_';
	r = ja4_hash(cs, ncs, NULL, 0, out + 11);
	if (r < 0)
		goto out;
	out[23] = '_';
	r = ja4_hash(ex, nex, sig, nsig, out + 24);
out:
	if (cs != cs_buf)
		free(cs);
	if (ex != ex_buf)
		free(ex);
	if (sig != sig_buf)
		free(sig);
	return r;
}

/* ---- hellos ---- */

int tls_parse_client_hello(const uint8_t *hs, size_t len, bool quic, struct obs_tls_client_hello *out,
			   const char **reason)
{
	const char *dummy;
	if (!reason)
		reason = &dummy;
	memset(out, 0, sizeof *out);
	out->quic = quic;
	struct cur c = cur_make(hs, len), session, ciphers, compression, exts = cur_make(hs, 0);
	uint16_t legacy;
	if (!cur_get_u16(&c, &legacy) || !cur_skip(&c, 32) || !cur_get_u8_prefixed(&c, &session) ||
	    !cur_get_u16_prefixed(&c, &ciphers)) {
		*reason = "truncated_client_hello";
		return AS_ERR_TRUNCATED;
	}
	if (cur_len(&session) > 32 || cur_len(&ciphers) % 2) {
		*reason = "bad_client_hello";
		return AS_ERR_MALFORMED;
	}
	if (!cur_get_u8_prefixed(&c, &compression)) {
		*reason = "truncated_client_hello";
		return AS_ERR_TRUNCATED;
	}
	/* Extensions are optional (RFC 5246 §7.4.1.2); bytes after them are ignored. */
	if (cur_len(&c) && !cur_get_u16_prefixed(&c, &exts)) {
		*reason = "bad_extensions_length";
		return AS_ERR_MALFORMED;
	}
	struct ch_exts e;
	int r = scan_exts(exts, &e, reason);
	if (r < 0)
		return r;

	out->legacy_version = legacy;
	out->max_version = legacy;
	out->ech = e.ech;
	out->early_data = e.early_data;
	if (e.versions.present) {
		struct cur v = e.versions.data, list;
		uint16_t x, best = 0;
		if (!cur_get_u8_prefixed(&v, &list) || cur_len(&v) || cur_len(&list) % 2) {
			*reason = "bad_supported_versions";
			return AS_ERR_MALFORMED;
		}
		while (cur_get_u16(&list, &x))
			if (!tls_is_grease(x) && x > best)
				best = x;
		if (best)
			out->max_version = best;
	}
	if (e.sni.present && parse_sni(e.sni.data, out->sni, sizeof out->sni) < 0) {
		*reason = "bad_server_name";
		return AS_ERR_MALFORMED;
	}
	struct cur alpn_first = cur_make(hs, 0);
	bool have_alpn = false;
	if (e.alpn.present &&
	    parse_alpn(e.alpn.data, out->alpn, AS_OBS_MAX_ALPN, &out->n_alpn, &alpn_first, &have_alpn) < 0) {
		*reason = "bad_alpn";
		return AS_ERR_MALFORMED;
	}
	struct cur tmp;
	if (e.groups.present) {
		struct cur g = e.groups.data;
		if (!cur_get_u16_prefixed(&g, &tmp) || cur_len(&g) || cur_len(&tmp) % 2) {
			*reason = "bad_supported_groups";
			return AS_ERR_MALFORMED;
		}
	}
	if (e.point_formats.present) {
		struct cur p = e.point_formats.data;
		if (!cur_get_u8_prefixed(&p, &tmp) || cur_len(&p)) {
			*reason = "bad_ec_point_formats";
			return AS_ERR_MALFORMED;
		}
	}
	if (e.sigalgs.present) {
		struct cur s = e.sigalgs.data;
		if (!cur_get_u16_prefixed(&s, &tmp) || cur_len(&s) || cur_len(&tmp) % 2) {
			*reason = "bad_signature_algorithms";
			return AS_ERR_MALFORMED;
		}
	}
	r = ja3_client(legacy, ciphers, &e, out->ja3);
	if (r >= 0)
		r = ja4_client(quic, out->max_version, e.sni.present, ciphers, &e, have_alpn, alpn_first, false, out->ja4);
	if (r >= 0 && e.resumption)
		r = ja4_client(quic, out->max_version, e.sni.present, ciphers, &e, have_alpn, alpn_first, true,
			       out->ja4_stable);
	else if (r >= 0)
		memcpy(out->ja4_stable, out->ja4, sizeof out->ja4_stable);
	if (r < 0)
		*reason = "out_of_memory";
	return r;
}

int tls_parse_server_hello(const uint8_t *hs, size_t len, struct obs_tls_server_hello *out,
			   const char **reason)
{
	const char *dummy;
	if (!reason)
		reason = &dummy;
	memset(out, 0, sizeof *out);
	struct cur c = cur_make(hs, len), session = cur_make(hs, 0), exts = cur_make(hs, 0);
	uint16_t legacy = 0, cipher = 0;
	uint8_t compression = 0;
	if (!cur_get_u16(&c, &legacy) || !cur_skip(&c, 32)) {
		*reason = "truncated_server_hello";
		return AS_ERR_TRUNCATED;
	}
	/* TLS 1.3 drafts before -22 (version 0x7fNN) had neither a session id
	 * echo nor a compression method in the ServerHello. */
	bool early_draft = (legacy >> 8) == 0x7f && (legacy & 0xff) < 22;
	if ((!early_draft && !cur_get_u8_prefixed(&c, &session)) || !cur_get_u16(&c, &cipher) ||
	    (!early_draft && !cur_get_u8(&c, &compression))) {
		*reason = "truncated_server_hello";
		return AS_ERR_TRUNCATED;
	}
	if (cur_len(&session) > 32) {
		*reason = "bad_server_hello";
		return AS_ERR_MALFORMED;
	}
	if (cur_len(&c) && !cur_get_u16_prefixed(&c, &exts)) {
		*reason = "bad_extensions_length";
		return AS_ERR_MALFORMED;
	}
	out->version = legacy;
	out->cipher = cipher;

	struct digest d;
	digest_init(&d, true);
	/* JA3S: SSLVersion,Cipher,Extensions (decimal, GREASE removed). */
	digest_dec(&d, legacy);
	digest_put(&d, ",", 1);
	digest_dec(&d, cipher);
	digest_put(&d, ",", 1);
	bool have_version = false;
	while (cur_len(&exts)) {
		uint16_t type;
		struct cur data;
		if (!cur_get_u16(&exts, &type) || !cur_get_u16_prefixed(&exts, &data)) {
			*reason = "bad_extension";
			return AS_ERR_MALFORMED;
		}
		if (!tls_is_grease(type)) {
			digest_sep(&d, '-');
			digest_dec(&d, type);
		}
		if (type == EXT_SUPPORTED_VERSIONS && !have_version) {
			uint16_t v;
			if (!cur_get_u16(&data, &v) || cur_len(&data)) {
					*reason = "bad_supported_versions";
				return AS_ERR_MALFORMED;
			}
			out->version = v;
			have_version = true;
		} else if (type == EXT_ALPN && !out->alpn[0]) {
			char names[1][AS_STR_TINY] = {{0}};
			uint8_t n;
			struct cur first;
			bool have;
			if (parse_alpn(data, names, 1, &n, &first, &have) < 0) {
					*reason = "bad_alpn";
				return AS_ERR_MALFORMED;
			}
			memcpy(out->alpn, names[0], sizeof out->alpn);
		}
	}
	digest_final_hex(&d, out->ja3s, 32);
	return AS_OK;
}

/* ---- the stream dissector ---- */

enum hello_state {
	HELLO_WANT = 0, /* waiting for this direction's hello */
	HELLO_SEEN,	/* emitted; later bytes of the direction are ignored */
	HELLO_NONE,	/* this direction will not show a hello (other traffic, gap) */
};

struct tls_dir {
	struct sbuf rec; /* the record being assembled (header + payload) */
	struct sbuf hs;	 /* handshake bytes joined across records */
	size_t rec_need; /* total size of the current record once the header is in */
	uint16_t first_record_version;
	bool have_record_version;
	bool hrr; /* a HelloRetryRequest was seen (server direction) */
	bool lost; /* bytes after the hello were passed over: no record boundary known */
	enum hello_state hello;
	/* Past the hellos without keys: only record headers are read. */
	uint8_t hdr[TLS_RECORD_HDR];
	uint8_t hdr_have;
	uint32_t body_left;
};

/* Reading a connection the key logs open. */
enum dec_phase {
	DEC_HANDSHAKE = 0, /* TLS 1.3: sealed with the handshake traffic secret */
	DEC_EARLY,	   /* TLS 1.3 client: 0-RTT, sealed with the early traffic secret */
	DEC_CCS,	   /* TLS 1.2: sealed after this direction's ChangeCipherSpec */
	DEC_APP,	   /* past the direction's Finished: the application traffic secret */
	DEC_OFF,	   /* a record did not open, bytes were lost: the direction is left */
};

struct tls_dec {
	struct layer_open open; /* this layer's own, for the one above */
	uint8_t random[KEYLOG_RANDOM];
	uint8_t server_random[32]; /* TLS 1.2's key block needs it */
	bool have_random;
	bool on;	 /* the ServerHello came and the logs hold its secrets */
	bool given_up;	 /* the logs cannot open this connection: read on as without keys */
	bool waiting;	 /* a live key log has not given the secrets yet: records are held */
	bool early;	 /* the ClientHello offered 0-RTT: the client's records are held
			  * until the EncryptedExtensions say whether it was accepted */
	bool skip_early; /* 0-RTT refused: client records that do not open are skipped */
	uint64_t wait_from;
	/* Records waiting for their keys, in arrival order: direction (1),
	 * length (4, host order), the record. */
	struct sbuf held;
	bool above;	 /* the layer above is open */
	bool hello_held; /* the ClientHello waits for the ServerHello to say whether it is opened */
	struct obs_tls_client_hello hello;
	char alpn[AS_STR_TINY];
	bool tls12;
	struct {
		struct tls_traffic tr;
		enum dec_phase phase;
	} d[2];
};

struct tls_state {
	struct tls_dir dir[2];
	struct tls_dec *dec;	  /* only when key logs were given */
	uint16_t version, cipher; /* the ServerHello's */
	bool follow;		  /* the ClientHello names a server worth following past the hellos */
	bool walking;		  /* counting sealed records into turns */
	struct tls_turns turns;
	bool done;
	int error; /* sticky negative as_err after a failure */
};

static void *tls_state_new(const struct layer_open *o)
{
	struct tls_state *st = calloc(1, sizeof *st);
	if (!st)
		return NULL;
	if (o && o->env && keylog_usable(o->env->keys)) {
		if (!(st->dec = calloc(1, sizeof *st->dec))) {
			free(st);
			return NULL;
		}
		st->dec->open = *o;
		size_t cap = o->env->keylog_wait_bytes ? o->env->keylog_wait_bytes : AS_KEYLOG_WAIT_BYTES;
		sbuf_init(&st->dec->held, cap);
	}
	for (int i = 0; i < 2; i++) {
		sbuf_init(&st->dir[i].rec, TLS_RECORD_HDR + TLS_MAX_RECORD_PAYLOAD);
		sbuf_init(&st->dir[i].hs, AS_TLS_MAX_HANDSHAKE);
	}
	return st;
}

static void tls_dir_release(struct tls_dir *d)
{
	sbuf_free(&d->rec);
	sbuf_free(&d->hs);
	d->rec_need = 0;
}

static void tls_state_free(void *state)
{
	struct tls_state *st = state;
	if (!st)
		return;
	for (int i = 0; i < 2; i++)
		tls_dir_release(&st->dir[i]);
	if (st->walking)
		tls_turns_free(&st->turns);
	if (st->dec) { /* no traffic secret outlives the connection in freed memory */
		sbuf_free(&st->dec->held);
		memset(st->dec, 0, sizeof *st->dec);
	}
	free(st->dec);
	free(st);
}

static bool plausible_header(uint8_t type, uint8_t major, uint8_t minor, uint16_t len)
{
	return type >= CT_CHANGE_CIPHER_SPEC && type <= CT_HEARTBEAT && major == 3 && minor <= 4 &&
	       len <= TLS_MAX_RECORD_PAYLOAD;
}

static bool tls_probe(const struct dissect_probe *p)
{
	if (!(p->transport & TRANSPORT_TCP))
		return false;
	struct cur c = cur_make(p->data, p->len);
	uint8_t type, major, minor, hs_type;
	uint16_t len;
	if (!cur_get_u8(&c, &type) || !cur_get_u8(&c, &major) || !cur_get_u8(&c, &minor) ||
	    !cur_get_u16(&c, &len))
		return false;
	if (type != CT_HANDSHAKE || !plausible_header(type, major, minor, len) || len < TLS_HS_HDR)
		return false;
	/* The handshake type, when already there, must be the expected hello. */
	if (cur_get_u8(&c, &hs_type))
		return hs_type == (p->dir == DIR_TO_SERVER ? HS_CLIENT_HELLO : HS_SERVER_HELLO);
	return true;
}

/* A ServerHello whose random is SHA-256("HelloRetryRequest") is a
 * HelloRetryRequest (RFC 8446 §4.1.3). */
static bool is_hello_retry_request(const uint8_t *body, size_t len)
{
	static const uint8_t magic[32] = {0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c,
					  0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb,
					  0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};
	struct cur c = cur_make(body, len), random;
	return cur_skip(&c, 2) && cur_get_bytes(&c, &random, 32) && memcmp(cur_data(&random), magic, 32) == 0;
}

/* Reports a held ClientHello: opened or not, as the ServerHello told (or
 * not opened when none came). */
static void emit_held_hello(struct tls_state *st, const struct dissect_ctx *ctx)
{
	if (!st->dec || !st->dec->hello_held)
		return;
	struct observation o;
	observation_init(&o, OBS_TLS_CLIENT_HELLO);
	o.u.tls_ch = st->dec->hello;
	o.u.tls_ch.opened = st->dec->on;
	st->dec->hello_held = false;
	dissect_emit(ctx, &o);
}

static int fail(struct tls_state *st, const struct dissect_ctx *ctx, const char *reason, int err)
{
	emit_held_hello(st, ctx); /* the hello was good: it is reported */
	dissect_anomaly(ctx, "tls", reason);
	st->error = err;
	return err;
}

enum dec_keys { KEYS_OPEN, KEYS_NOT_YET, KEYS_NEVER };

/* The handshake (TLS 1.3) or the master (TLS 1.2) secrets of the
 * connection, from the key logs, into both directions' traffic. */
static enum dec_keys dec_keys(struct tls_state *st, const struct dissect_ctx *ctx)
{
	struct tls_dec *x = st->dec;
	const struct dissect_keys *keys = ctx->env->keys;
	struct tls_suite suite;
	uint8_t cs[TLS_MAX_SECRET], ss[TLS_MAX_SECRET];
	enum dec_keys r = KEYS_NEVER;
	if (st->version == 0x0304 && tls13_suite_of(st->cipher, &suite)) {
		size_t cl = keylog_find(keys, x->random, KEYLOG_CLIENT_HANDSHAKE, cs);
		size_t sl = keylog_find(keys, x->random, KEYLOG_SERVER_HANDSHAKE, ss);
		if (!cl || !sl)
			r = KEYS_NOT_YET;
		else if (cl == suite.hash_len && sl == suite.hash_len &&
			 tls13_traffic_init(&x->d[DIR_TO_SERVER].tr, &suite, cs) == AS_OK &&
			 tls13_traffic_init(&x->d[DIR_TO_CLIENT].tr, &suite, ss) == AS_OK)
			r = KEYS_OPEN;
	} else if (st->version == 0x0303 && tls12_suite_of(st->cipher, &suite)) {
		size_t ml = keylog_find(keys, x->random, KEYLOG_MASTER, cs);
		if (!ml)
			r = KEYS_NOT_YET;
		else if (tls12_traffic_init(&x->d[DIR_TO_SERVER].tr, &x->d[DIR_TO_CLIENT].tr, &suite, cs,
					    x->random, x->server_random) == AS_OK)
			r = KEYS_OPEN;
		x->tls12 = true;
		x->d[DIR_TO_SERVER].phase = x->d[DIR_TO_CLIENT].phase = DEC_CCS;
	}
	memset(cs, 0, sizeof cs);
	memset(ss, 0, sizeof ss);
	return r;
}

static int on_sealed(struct tls_state *st, enum dissect_dir dir, uint8_t *rec, size_t len,
		     const struct dissect_ctx *ctx);

/* Passes the held records to on_sealed, in the order they came. Records
 * held again meanwhile (0-RTT still undecided) go to a fresh buffer. */
static void release_held(struct tls_state *st, const struct dissect_ctx *ctx)
{
	struct tls_dec *x = st->dec;
	struct sbuf b = x->held;
	sbuf_init(&x->held, b.cap);
	for (size_t i = 0; i + 5 <= b.len;) {
		uint32_t n;
		memcpy(&n, b.data + i + 1, sizeof n);
		if (n > b.len - i - 5)
			break;
		on_sealed(st, (enum dissect_dir)b.data[i], b.data + i + 5, n, ctx);
		i += 5 + (size_t)n;
	}
	sbuf_free(&b);
}

/* Keeps a record until its keys are known; false past the byte bound. */
static bool hold(struct tls_dec *x, enum dissect_dir dir, const uint8_t *rec, size_t len)
{
	uint8_t h[5] = {(uint8_t)dir};
	uint32_t n = (uint32_t)len;
	memcpy(h + 1, &n, sizeof n);
	if (x->held.len + sizeof h + len > x->held.cap)
		return false;
	return sbuf_append(&x->held, h, sizeof h) == AS_OK && sbuf_append(&x->held, rec, len) == AS_OK;
}

/* The key logs cannot open this connection after all: it is read on as
 * without keys, from the next record boundary. `busy`: the direction whose
 * complete record is being handled (-1: none). */
static void give_up(struct tls_state *st, const struct dissect_ctx *ctx, const char *why, int busy)
{
	struct tls_dec *x = st->dec;
	if (why)
		dissect_anomaly(ctx, "tls", why);
	x->given_up = true;
	x->waiting = false;
	x->on = false;
	sbuf_free(&x->held);
	/* Records framed meanwhile leave a direction mid-record. */
	for (int i = 0; i < 2; i++)
		if (i != busy && st->dir[i].rec.len)
			st->dir[i].lost = true;
	emit_held_hello(st, ctx);
}

/* The secrets are in: the connection opens, its held hello goes out, then
 * the records that waited. */
static void dec_open(struct tls_state *st, const struct dissect_ctx *ctx)
{
	struct tls_dec *x = st->dec;
	x->on = true;
	x->waiting = false;
	emit_held_hello(st, ctx);
	release_held(st, ctx);
}

/* Waiting for a live key log: tries again, within the bounds. */
static void dec_retry(struct tls_state *st, const struct dissect_ctx *ctx, int busy)
{
	struct tls_dec *x = st->dec;
	uint32_t ms = ctx->env->keylog_wait_ms ? ctx->env->keylog_wait_ms : AS_KEYLOG_WAIT_MS;
	enum dec_keys k = dec_keys(st, ctx);
	if (k == KEYS_OPEN)
		dec_open(st, ctx);
	else if (k == KEYS_NEVER)
		give_up(st, ctx, NULL, busy);
	else if (ctx->ts_us > x->wait_from && ctx->ts_us - x->wait_from > (uint64_t)ms * 1000)
		give_up(st, ctx, "keylog_wait_time", busy);
}

/* The ServerHello is in: open the connection with the key logs' secrets
 * when they hold them (a suite this reader knows, HTTP above); wait for
 * them when a live key log may still bring them; else read on as without
 * keys. */
static void dec_start(struct tls_state *st, const char *alpn, const struct dissect_ctx *ctx)
{
	struct tls_dec *x = st->dec;
	/* HTTP/1 or HTTP/2 above; another protocol is read as without keys. */
	bool http = !alpn[0] || !strcmp(alpn, "http/1.1") || !strcmp(alpn, "http/1.0") || !strcmp(alpn, "h2");
	enum dec_keys k = x->have_random && http ? dec_keys(st, ctx) : KEYS_NEVER;
	text_copy(x->alpn, sizeof x->alpn, alpn);
	if (k == KEYS_OPEN) {
		dec_open(st, ctx);
	} else if (k == KEYS_NOT_YET && keylog_growing(ctx->env->keys)) {
		x->waiting = true;
		x->wait_from = ctx->ts_us;
	} else {
		give_up(st, ctx, NULL, DIR_TO_CLIENT);
	}
}

/* Handles one complete handshake message of direction `dir`. */
static int on_handshake(struct tls_state *st, enum dissect_dir dir, uint8_t type, const uint8_t *body,
			size_t len, const struct dissect_ctx *ctx)
{
	struct tls_dir *d = &st->dir[dir];
	const char *reason = NULL;
	struct observation o;
	int r;
	if (dir == DIR_TO_SERVER) {
		if (type != HS_CLIENT_HELLO)
			return fail(st, ctx, "unexpected_handshake_type", AS_ERR_MALFORMED);
		observation_init(&o, OBS_TLS_CLIENT_HELLO);
		r = tls_parse_client_hello(body, len, false, &o.u.tls_ch, &reason);
		o.u.tls_ch.record_version = d->first_record_version;
		/* A hello without a name may still be an AI service's that DNS
		 * names: followed. An ECH hello's outer name decides like any
		 * (browsers send GREASE ECH with the real name). */
		const struct dissect_env *env = ctx->env;
		st->follow = r == AS_OK && (!env || !env->follow || !o.u.tls_ch.sni[0] ||
					    env->follow(env->follow_user, o.u.tls_ch.sni));
		/* ClientHello: legacy_version (2), then the random the key
		 * logs are keyed by. */
		if (st->dec && len >= 2 + KEYLOG_RANDOM) {
			memcpy(st->dec->random, body + 2, KEYLOG_RANDOM);
			st->dec->have_random = true;
		}
		if (st->dec && r == AS_OK) {
			st->dec->early = o.u.tls_ch.early_data;
			st->dec->wait_from = ctx->ts_us;
			st->dec->hello = o.u.tls_ch;
			st->dec->hello_held = true;
			d->hello = HELLO_SEEN;
			tls_dir_release(d);
			return AS_OK;
		}
	} else {
		if (type != HS_SERVER_HELLO)
			return fail(st, ctx, "unexpected_handshake_type", AS_ERR_MALFORMED);
		if (is_hello_retry_request(body, len)) {
			/* Not the negotiated hello: wait for the ServerHello that answers
			 * the second ClientHello (the first one is what we report). */
			d->hrr = true;
			return AS_OK;
		}
		observation_init(&o, OBS_TLS_SERVER_HELLO);
		r = tls_parse_server_hello(body, len, &o.u.tls_sh, &reason);
		st->version = o.u.tls_sh.version;
		st->cipher = o.u.tls_sh.cipher;
		if (st->dec && len >= 2 + 32) /* legacy_version, then the random */
			memcpy(st->dec->server_random, body + 2, 32);
		if (r == AS_OK && st->dec)
			dec_start(st, o.u.tls_sh.alpn, ctx);
	}
	if (r < 0)
		return fail(st, ctx, reason ? reason : "malformed", r);
	dissect_emit(ctx, &o);
	d->hello = HELLO_SEEN;
	tls_dir_release(d);
	return AS_OK;
}

/* Handles one complete record of direction `dir`. */
static int on_record(struct tls_state *st, enum dissect_dir dir, uint8_t type, struct cur payload,
		     const struct dissect_ctx *ctx)
{
	struct tls_dir *d = &st->dir[dir];
	switch (type) {
	case CT_HANDSHAKE:
		break;
	case CT_CHANGE_CIPHER_SPEC:
		if (d->hrr)
			return AS_OK; /* middlebox-compatibility CCS after a HelloRetryRequest */
				      /* fall through */
	case CT_ALERT:
	case CT_APPLICATION_DATA:
		/* The handshake is past (or failed) before this direction's hello. */
		d->hello = HELLO_NONE;
		tls_dir_release(d);
		return AS_OK;
	default: /* heartbeat */
		return AS_OK;
	}
	int ar = sbuf_append(&d->hs, cur_data(&payload), cur_len(&payload));
	if (ar < 0)
		return fail(st, ctx, ar == AS_ERR_NOMEM ? "out_of_memory" : "handshake_too_large", ar);
	for (;;) {
		struct cur h = cur_make(d->hs.data, d->hs.len);
		uint8_t hs_type;
		uint32_t hs_len;
		if (!cur_get_u8(&h, &hs_type) || !cur_get_u24(&h, &hs_len))
			return AS_OK;
		if (hs_len > AS_TLS_MAX_HANDSHAKE - TLS_HS_HDR)
			return fail(st, ctx, "handshake_too_large", AS_ERR_LIMIT);
		struct cur body;
		if (!cur_get_bytes(&h, &body, hs_len))
			return AS_OK; /* continued in a later record */
		int r = on_handshake(st, dir, hs_type, cur_data(&body), cur_len(&body), ctx);
		if (r < 0 || d->hello != HELLO_WANT)
			return r;
		sbuf_consume(&d->hs, TLS_HS_HDR + (size_t)hs_len); /* a HelloRetryRequest */
	}
}

extern const struct dissector dissector_http1;
extern const struct dissector dissector_http2;

static void dec_off(struct tls_state *st, enum dissect_dir dir, const struct dissect_ctx *ctx,
		    const char *why)
{
	if (why)
		dissect_anomaly(ctx, "tls", why);
	st->dec->d[dir].phase = DEC_OFF;
	sbuf_free(&st->dir[dir].hs);
}

/* TLS 1.3 sends the chosen ALPN in EncryptedExtensions (RFC 8446 §4.3.1),
 * not in the ServerHello: it says which HTTP the layer above reads. An
 * early_data extension there accepts the client's 0-RTT (§4.2.10). */
static void dec_encrypted_extensions(struct tls_dec *x, struct cur body, bool *early_accepted)
{
	struct cur exts, e;
	*early_accepted = false;
	if (!cur_get_u16_prefixed(&body, &exts))
		return;
	uint16_t type;
	while (cur_get_u16(&exts, &type) && cur_get_u16_prefixed(&exts, &e)) {
		if (type == EXT_EARLY_DATA)
			*early_accepted = true;
		struct cur list, name;
		uint8_t n;
		if (type == EXT_ALPN && cur_get_u16_prefixed(&e, &list) && cur_get_u8(&list, &n) &&
		    cur_get_bytes(&list, &name, n) && n < sizeof x->alpn) {
			memcpy(x->alpn, cur_data(&name), n);
			x->alpn[n] = '\0';
		}
	}
}

/* The server answered a 0-RTT offer: accepted, the client's held records
 * open with the early traffic secret (until its EndOfEarlyData); refused,
 * they are skipped. Either way they are let go now. */
static void dec_early_answer(struct tls_state *st, bool accepted, const struct dissect_ctx *ctx)
{
	struct tls_dec *x = st->dec;
	struct tls_traffic *c = &x->d[DIR_TO_SERVER].tr;
	uint8_t es[TLS_MAX_SECRET];
	x->early = false;
	if (accepted && keylog_find(ctx->env->keys, x->random, KEYLOG_CLIENT_EARLY, es) == c->suite.hash_len) {
		struct tls_suite suite = c->suite;
		if (tls13_traffic_init(c, &suite, es) == AS_OK)
			x->d[DIR_TO_SERVER].phase = DEC_EARLY;
		else
			dissect_anomaly(ctx, "tls", "key_schedule_failed");
	} else if (accepted) {
		dissect_anomaly(ctx, "tls", "keylog_no_early_secret");
		x->skip_early = true;
	} else {
		x->skip_early = true;
	}
	memset(es, 0, sizeof es);
	release_held(st, ctx);
}

/* The client's EndOfEarlyData: its next records are sealed with the
 * handshake traffic secret. */
static void dec_end_of_early(struct tls_state *st, const struct dissect_ctx *ctx)
{
	struct tls_dec *x = st->dec;
	struct tls_traffic *c = &x->d[DIR_TO_SERVER].tr;
	struct tls_suite suite = c->suite;
	uint8_t cs[TLS_MAX_SECRET];
	if (keylog_find(ctx->env->keys, x->random, KEYLOG_CLIENT_HANDSHAKE, cs) != suite.hash_len ||
	    tls13_traffic_init(c, &suite, cs) < 0)
		dec_off(st, DIR_TO_SERVER, ctx, "key_schedule_failed");
	else
		x->d[DIR_TO_SERVER].phase = DEC_HANDSHAKE;
	memset(cs, 0, sizeof cs);
}

/* Decrypted handshake messages of a direction: its Finished moves it to
 * the application secret, a KeyUpdate to the next one (RFC 8446 §4.4.4,
 * §4.6.3); the others (certificates, tickets) are not read. */
static void dec_handshake(struct tls_state *st, enum dissect_dir dir, const uint8_t *p, size_t n,
			  const struct dissect_ctx *ctx)
{
	struct tls_dir *d = &st->dir[dir];
	struct tls_dec *x = st->dec;
	if (sbuf_append(&d->hs, p, n) < 0) {
		dec_off(st, dir, ctx, "handshake_too_large");
		return;
	}
	for (;;) {
		struct cur h = cur_make(d->hs.data, d->hs.len);
		uint8_t type;
		uint32_t len;
		struct cur body;
		if (!cur_get_u8(&h, &type) || !cur_get_u24(&h, &len) || !cur_get_bytes(&h, &body, len))
			return; /* continued in a later record */
		bool early_accepted = false;
		if (type == HS_ENCRYPTED_EXTENSIONS)
			dec_encrypted_extensions(x, body, &early_accepted);
		sbuf_consume(&d->hs, TLS_HS_HDR + (size_t)len);
		if (type == HS_ENCRYPTED_EXTENSIONS && x->early) {
			dec_early_answer(st, early_accepted, ctx);
		} else if (type == HS_END_OF_EARLY_DATA && x->d[dir].phase == DEC_EARLY) {
			dec_end_of_early(st, ctx);
		} else if (type == HS_FINISHED && x->d[dir].phase == DEC_HANDSHAKE) {
			uint8_t sec[TLS_MAX_SECRET];
			size_t sl = keylog_find(ctx->env->keys, x->random,
						dir == DIR_TO_SERVER ? KEYLOG_CLIENT_TRAFFIC : KEYLOG_SERVER_TRAFFIC, sec);
			struct tls_suite suite = x->d[dir].tr.suite;
			int r = sl == suite.hash_len ? tls13_traffic_init(&x->d[dir].tr, &suite, sec) : AS_ERR_MALFORMED;
			memset(sec, 0, sizeof sec);
			if (r < 0) {
				dec_off(st, dir, ctx,
					!sl			? "keylog_no_traffic_secret"
					: sl != suite.hash_len ? "keylog_secret_size"
								: "key_schedule_failed");
				return;
			}
			x->d[dir].phase = DEC_APP;
		} else if (type == HS_KEY_UPDATE && x->d[dir].phase == DEC_APP) {
			if (tls13_traffic_update(&x->d[dir].tr) < 0) {
				dec_off(st, dir, ctx, "key_update_failed");
				return;
			}
		}
	}
}

/* Application data opened: to the layer above, opened on the first. */
static void dec_deliver(struct tls_state *st, enum dissect_dir dir, const uint8_t *p, size_t n,
			const struct dissect_ctx *ctx)
{
	struct tls_dec *x = st->dec;
	if (!x->above) {
		struct layer_open lo = layer_open_above(&x->open);
		lo.protected_bytes = true;
		text_copy(lo.alpn, sizeof lo.alpn, x->alpn);
		const struct dissector *above = !strcmp(x->alpn, "h2") ? &dissector_http2 : &dissector_http1;
		if (dissect_open_above(ctx, above, &lo) < 0) {
			dissect_anomaly(ctx, "tls", "no_layer_above");
			dec_off(st, DIR_TO_SERVER, ctx, NULL);
			dec_off(st, DIR_TO_CLIENT, ctx, NULL);
			return;
		}
		x->above = true;
	}
	dissect_feed_above(ctx, dir, p, n);
}

/* A record of a direction past its hello while the key logs are in use.
 * Held while its keys are not known: 0-RTT records until the server says
 * whether it took them, any record while a live key log is awaited. Else,
 * before the ServerHello, and what is not sealed (a second ClientHello, a
 * ChangeCipherSpec), is passed over; a sealed record is opened in place. */
static int on_sealed(struct tls_state *st, enum dissect_dir dir, uint8_t *rec, size_t len,
		     const struct dissect_ctx *ctx)
{
	struct tls_dec *x = st->dec;
	if (x->given_up)
		return AS_OK;
	if (x->waiting)
		dec_retry(st, ctx, dir);
	bool early = x->early && dir == DIR_TO_SERVER && rec[0] == CT_APPLICATION_DATA;
	if (x->waiting || (early && !x->given_up)) {
		if (!hold(x, dir, rec, len))
			give_up(st, ctx, "keylog_wait_bytes", dir);
		return AS_OK;
	}
	if (!x->on || x->d[dir].phase == DEC_OFF)
		return AS_OK;
	uint8_t inner = 0;
	uint8_t *body = rec + TLS_RECORD_HDR;
	int n;
	if (x->tls12) {
		/* TLS 1.2 seals a direction from its ChangeCipherSpec on: its
		 * Finished, alerts and application data, each of its own type. */
		if (rec[0] == CT_CHANGE_CIPHER_SPEC && x->d[dir].phase == DEC_CCS) {
			x->d[dir].phase = DEC_APP;
			return AS_OK;
		}
		if (x->d[dir].phase != DEC_APP || rec[0] == CT_CHANGE_CIPHER_SPEC)
			return AS_OK;
		inner = rec[0];
		n = tls12_open(&x->d[dir].tr, rec, body, len - TLS_RECORD_HDR, body);
	} else {
		if (rec[0] != CT_APPLICATION_DATA)
			return AS_OK;
		n = tls13_open(&x->d[dir].tr, rec, body, len - TLS_RECORD_HDR, body, &inner);
	}
	if (n < 0 && x->skip_early && dir == DIR_TO_SERVER)
		return AS_OK; /* refused 0-RTT: the server skips it the same way (RFC 8446 §4.2.10) */
	if (n < 0) {
		dec_off(st, dir, ctx, "record_not_authentic");
		return AS_OK;
	}
	if (dir == DIR_TO_SERVER)
		x->skip_early = false;
	if (inner == CT_HANDSHAKE && !x->tls12)
		dec_handshake(st, dir, body, (size_t)n, ctx);
	else if (inner == CT_APPLICATION_DATA && (x->d[dir].phase == DEC_APP || x->d[dir].phase == DEC_EARLY))
		dec_deliver(st, dir, body, (size_t)n, ctx);
	return AS_OK;
}

/* Records are framed past a direction's hello while a key log may open
 * them. */
static bool framing(const struct tls_state *st, const struct tls_dir *d)
{
	return d->hello == HELLO_WANT || (st->dec && !st->dec->given_up && d->hello == HELLO_SEEN);
}

static bool finished(const struct tls_state *st)
{
	enum hello_state c = st->dir[DIR_TO_SERVER].hello, s = st->dir[DIR_TO_CLIENT].hello;
	return (c != HELLO_WANT && s != HELLO_WANT) || c == HELLO_NONE || s == HELLO_NONE;
}

static int stop(struct tls_state *st)
{
	st->done = true;
	if (st->walking)
		tls_turns_free(&st->turns);
	st->walking = false;
	return DISSECT_DONE;
}

/* Turns need a server worth following, both hellos (the ServerHello
 * fixes the record overhead) and both directions at a record boundary. */
static bool can_walk(const struct tls_state *st)
{
	if (!st->follow)
		return false;
	for (int i = 0; i < 2; i++)
		if (st->dir[i].hello != HELLO_SEEN || st->dir[i].lost)
			return false;
	return true;
}

static void emit_stream(const struct dissect_ctx *ctx, const struct obs_tls_stream *s)
{
	struct observation o;
	observation_init(&o, OBS_TLS_STREAM);
	o.u.tls_stream = *s;
	dissect_emit(ctx, &o);
}

/* Reads record headers and passes over the sealed bodies. */
static int walk(struct tls_state *st, enum dissect_dir dir, struct cur *in, const struct dissect_ctx *ctx)
{
	struct tls_dir *d = &st->dir[dir];
	struct obs_tls_stream s;
	if (!cur_len(in)) { /* the direction ended */
		if (dir == DIR_TO_CLIENT && tls_turns_end(&st->turns, &s))
			emit_stream(ctx, &s);
		return DISSECT_MORE;
	}
	while (cur_len(in)) {
		if (d->body_left) {
			size_t n = cur_len(in) < d->body_left ? cur_len(in) : d->body_left;
			(void)cur_skip(in, n);
			d->body_left -= (uint32_t)n;
			continue;
		}
		while (d->hdr_have < TLS_RECORD_HDR && cur_get_u8(in, &d->hdr[d->hdr_have]))
			d->hdr_have++;
		if (d->hdr_have < TLS_RECORD_HDR)
			break;
		d->hdr_have = 0;
		uint16_t rlen = (uint16_t)(d->hdr[3] << 8 | d->hdr[4]);
		if (!plausible_header(d->hdr[0], d->hdr[1], d->hdr[2], rlen)) {
			dissect_anomaly(ctx, "tls", "bad_sealed_record_header");
			return stop(st);
		}
		d->body_left = rlen;
		if (tls_turns_record(&st->turns, dir == DIR_TO_SERVER, d->hdr[0], rlen, ctx->ts_us, &s))
			emit_stream(ctx, &s);
		if (st->turns.bulk)
			return stop(st); /* a transfer: reassembly stops with the layer */
	}
	return DISSECT_MORE;
}

static int tls_parse(void *state, enum dissect_dir dir, const uint8_t *data, size_t len,
		     const struct dissect_ctx *ctx)
{
	struct tls_state *st = state;
	if (!len && st->dec && st->dec->waiting)
		dec_retry(st, ctx, -1); /* a last look before the hello goes out */
	if (!len)
		emit_held_hello(st, ctx); /* no ServerHello came */
	if (st->error)
		return st->error;
	if (st->done)
		return DISSECT_DONE;
	if (dir != DIR_TO_SERVER && dir != DIR_TO_CLIENT)
		return AS_ERR_UNSUPPORTED;
	struct tls_dir *d = &st->dir[dir];
	struct cur in = cur_make(data, len);
	if (!len && st->dec && st->dec->above)
		dissect_feed_above(ctx, dir, NULL, 0); /* the direction ended */
	while (framing(st, d) && cur_len(&in)) {
		/* Take just enough bytes to complete the header, then the record. */
		size_t want = d->rec.len < TLS_RECORD_HDR ? TLS_RECORD_HDR : d->rec_need;
		size_t take = want - d->rec.len;
		if (take > cur_len(&in))
			take = cur_len(&in);
		struct cur chunk;
		if (!cur_get_bytes(&in, &chunk, take))
			return fail(st, ctx, "record_buffer", AS_ERR_MALFORMED);
		int ar = sbuf_append(&d->rec, cur_data(&chunk), take);
		if (ar < 0)
			return fail(st, ctx, ar == AS_ERR_NOMEM ? "out_of_memory" : "record_buffer", ar);
		if (d->rec.len == TLS_RECORD_HDR && want == TLS_RECORD_HDR) {
			struct cur h = cur_make(d->rec.data, d->rec.len);
			uint8_t type = 0, major = 0, minor = 0;
			uint16_t rlen = 0;
			if (!cur_get_u8(&h, &type) || !cur_get_u8(&h, &major) || !cur_get_u8(&h, &minor) ||
			    !cur_get_u16(&h, &rlen) || !plausible_header(type, major, minor, rlen))
				return fail(st, ctx, "bad_record_header", AS_ERR_MALFORMED);
			if (!d->have_record_version) {
				d->first_record_version = (uint16_t)(major << 8 | minor);
				d->have_record_version = true;
			}
			d->rec_need = TLS_RECORD_HDR + (size_t)rlen;
		}
		if (d->rec.len >= TLS_RECORD_HDR && d->rec.len == d->rec_need) {
			struct cur r = cur_make(d->rec.data, d->rec.len), payload;
			uint8_t type = 0;
			if (!cur_get_u8(&r, &type) || !cur_skip(&r, TLS_RECORD_HDR - 1) ||
			    !cur_get_bytes(&r, &payload, d->rec_need - TLS_RECORD_HDR))
				return fail(st, ctx, "record_buffer", AS_ERR_MALFORMED);
			int rc = d->hello == HELLO_WANT ? on_record(st, dir, type, payload, ctx)
							: on_sealed(st, dir, d->rec.data, d->rec.len, ctx);
			if (rc < 0)
				return rc;
			sbuf_reset(&d->rec);
			d->rec_need = 0;
		}
	}
	if (!st->walking) {
		if (!finished(st)) {
			if (d->hello != HELLO_WANT && cur_len(&in))
				d->lost = true; /* sealed records before the other hello */
			return DISSECT_MORE;
		}
		/* After the hellos the records are sealed. A key log opens
		 * them for the layer above; without one their headers still
		 * show requests and streamed answers. */
		if (st->dec && !st->dec->given_up) { /* opened, or waiting for its secrets */
			bool off = st->dec->on && st->dec->d[0].phase == DEC_OFF && st->dec->d[1].phase == DEC_OFF;
			return off ? stop(st) : DISSECT_MORE;
		}
		for (int i = 0; i < 2; i++)
			tls_dir_release(&st->dir[i]);
		if (!can_walk(st))
			return stop(st);
		tls_turns_init(&st->turns, st->version, st->cipher);
		st->walking = true;
	}
	return walk(st, dir, &in, ctx);
}

/* Bytes were lost: a direction still waiting for its hello cannot find the
 * record boundaries again, so it gives up (what it already emitted stays). */
static void tls_gap(void *state, enum dissect_dir dir, size_t len, const struct dissect_ctx *ctx)
{
	struct tls_state *st = state;
	if (!st || (dir != DIR_TO_SERVER && dir != DIR_TO_CLIENT))
		return;
	if (st->walking) { /* record boundaries are lost: so are the turns */
		stop(st);
		return;
	}
	if (st->dec && !st->dec->on && !st->dec->given_up && (st->dec->waiting || st->dec->early))
		give_up(st, ctx, NULL, -1); /* held records cannot be put in order again */
	emit_held_hello(st, ctx);
	if (st->dec && st->dec->on && st->dir[dir].hello == HELLO_SEEN) {
		/* Record boundaries are lost: this direction cannot be opened again. */
		if (st->dec->above)
			dissect_gap_above(ctx, dir, len);
		dec_off(st, dir, ctx, "gap");
		tls_dir_release(&st->dir[dir]);
		return;
	}
	st->dir[dir].lost = true;
	if (st->dir[dir].hello == HELLO_WANT)
		st->dir[dir].hello = HELLO_NONE;
	tls_dir_release(&st->dir[dir]);
}

const struct dissector dissector_tls = {
    .name = "tls",
    .transports = TRANSPORT_TCP,
    .probe = tls_probe,
    .state_new = tls_state_new,
    .state_free = tls_state_free,
    .parse = tls_parse,
    .gap = tls_gap,
};
