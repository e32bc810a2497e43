/* test_quic.c — unit tests for the QUIC Initial packet API (quic.h) against
 * the sample packet protection of RFC 9001 Appendix A (v1) and RFC 9369
 * Appendix A (v2), tests/unit/quic_vectors.h: the versions, the Initial
 * keys and secrets, the long header, decryption of the client and server
 * Initials, and what wrong keys, damage and truncation do. */
#include "cases.h"
#include "quic.h"
#include "quic_vectors.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* On a mismatch prints both byte strings in hex, then fails. */
#define assert_bytes(got, want, n)                                                                           \
	check_bytes(#got, (const uint8_t *)(got), (const uint8_t *)(want), (n), __FILE__, __LINE__)
static void check_bytes(const char *what, const uint8_t *got, const uint8_t *want, size_t n, const char *file,
			int line)
{
	if (memcmp(got, want, n) == 0)
		return;
	size_t first = 0;
	while (got[first] == want[first])
		first++;
	print_error("%s: %zu bytes differ from byte %zu on\n  expected ", what, n, first);
	for (size_t i = 0; i < n; i++)
		print_error("%02x", want[i]);
	print_error("\n  got      ");
	for (size_t i = 0; i < n; i++)
		print_error("%02x", got[i]);
	print_error("\n");
	_fail(file, line);
}

/* ---- versions ---- */

static const uint8_t salt_v1[20] = {0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17, 0x9a,
				    0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a}; /* RFC 9001 §5.2 */
static const uint8_t salt_v2[20] = {
    0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
    0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9}; /* RFC 9369 §3.3.1 */

struct version_case {
	const char *name;
	uint32_t number;
	bool known;
	const char *vname;
	const uint8_t *salt;
	const char *key_label, *iv_label, *hp_label;
	uint8_t type_initial, type_0rtt, type_handshake, type_retry; /* RFC 9000 §17.2, RFC 9369 §3.2 */
};

static const struct version_case version_cases[] = {
    {"v1", 0x00000001, true, "1", salt_v1, "quic key", "quic iv", "quic hp", 0, 1, 2, 3},
    {"v2", 0x6b3343cf, true, "2", salt_v2, "quicv2 key", "quicv2 iv", "quicv2 hp", 1, 2, 3, 0},
    {"reserved 0x1a2a3a4a", 0x1a2a3a4a, false, NULL, NULL, NULL, NULL, NULL, 0, 0, 0, 0},
    {"version negotiation 0", 0x00000000, false, NULL, NULL, NULL, NULL, NULL, 0, 0, 0, 0},
};

static void test_version_find(void **state)
{
	const struct version_case *c = *state;
	const struct quic_version *v = quic_version_find(c->number);
	if (!c->known) {
		assert_null(v);
		return;
	}
	assert_non_null(v);
	assert_int_equal(v->number, c->number);
	assert_string_equal(v->name, c->vname);
	assert_bytes(v->salt, c->salt, 20);
	assert_string_equal(v->key_label, c->key_label);
	assert_string_equal(v->iv_label, c->iv_label);
	assert_string_equal(v->hp_label, c->hp_label);
	assert_int_equal(v->type_initial, c->type_initial);
	assert_int_equal(v->type_0rtt, c->type_0rtt);
	assert_int_equal(v->type_handshake, c->type_handshake);
	assert_int_equal(v->type_retry, c->type_retry);
}

/* ---- one direction of one version's Appendix A ---- */

struct side {
	const char *name;
	uint32_t version;
	bool server;
	const uint8_t *secret, *key, *iv, *hp;
	const uint8_t *pkt; /* the protected packet, a whole datagram */
	size_t pkt_len;
	const uint8_t *unprot; /* the header without protection, to the packet number's end */
	size_t unprot_len;
	const uint8_t *frames; /* what the plaintext starts with; zeros (PADDING) follow */
	size_t frames_len;
	size_t plain_len; /* the payload: Length - packet number - tag */
	const uint8_t *dcid, *scid;
	uint8_t dcid_len, scid_len;
	size_t pn_offset;
	unsigned pn_len;
	int64_t pn;
};

#define KEYS(v, s) quic_##v##_##s##_secret, quic_##v##_##s##_key, quic_##v##_##s##_iv, quic_##v##_##s##_hp

static const struct side sides[] = {
    /* RFC 9001 A.2 / RFC 9369 A.2: DCID 8394c8f03e515708, no SCID, no token,
     * Length 0x449e = 1182, a 4-byte packet number 2, 1162 bytes of frames. */
    {"v1 client", 0x00000001, false, KEYS(v1, client), quic_v1_client_initial, sizeof quic_v1_client_initial,
     quic_v1_client_unprotected_header, sizeof quic_v1_client_unprotected_header, quic_v1_client_crypto,
     sizeof quic_v1_client_crypto, 1162, quic_rfc_dcid, NULL, 8, 0, 18, 4, 2},
    {"v2 client", 0x6b3343cf, false, KEYS(v2, client), quic_v2_client_initial, sizeof quic_v2_client_initial,
     quic_v2_client_unprotected_header, sizeof quic_v2_client_unprotected_header, quic_v2_client_crypto,
     sizeof quic_v2_client_crypto, 1162, quic_rfc_dcid, NULL, 8, 0, 18, 4, 2},
    /* RFC 9001 A.3 / RFC 9369 A.3: no DCID, SCID f067a5502a4262b5, no token,
     * Length 0x4075 = 117, a 2-byte packet number 1, 99 bytes of frames. */
    {"v1 server", 0x00000001, true, KEYS(v1, server), quic_v1_server_initial, sizeof quic_v1_server_initial,
     quic_v1_server_unprotected_header, sizeof quic_v1_server_unprotected_header, quic_v1_server_payload,
     sizeof quic_v1_server_payload, 99, NULL, quic_rfc_server_scid, 0, 8, 18, 2, 1},
    {"v2 server", 0x6b3343cf, true, KEYS(v2, server), quic_v2_server_initial, sizeof quic_v2_server_initial,
     quic_v2_server_unprotected_header, sizeof quic_v2_server_unprotected_header, quic_v2_server_payload,
     sizeof quic_v2_server_payload, 99, NULL, quic_rfc_server_scid, 0, 8, 18, 2, 1},
};

static const struct side *side_other(const struct side *s)
{
	for (size_t i = 0; i < N(sides); i++)
		if (sides[i].version == s->version && sides[i].server != s->server)
			return &sides[i];
	abort();
}

static const struct quic_version *version_of(const struct side *s)
{
	const struct quic_version *v = quic_version_find(s->version);
	assert_non_null(v);
	return v;
}

static struct quic_keys keys_of(const struct side *s)
{
	struct quic_keys k;
	memcpy(k.key, s->key, sizeof k.key);
	memcpy(k.iv, s->iv, sizeof k.iv);
	memcpy(k.hp, s->hp, sizeof k.hp);
	return k;
}

/* The packet's long header (parsed from the RFC bytes, which must work). */
static struct quic_long_header header_of(const struct side *s)
{
	struct quic_long_header h;
	memset(&h, 0, sizeof h);
	assert_int_equal(quic_parse_long_header(s->pkt, s->pkt_len, version_of(s), &h), AS_OK);
	return h;
}

/* A heap copy of exactly n bytes of p, so ASan sees a read past the end. */
static uint8_t *copy(const uint8_t *p, size_t n)
{
	uint8_t *c = malloc(n ? n : 1);
	assert_non_null(c);
	memcpy(c, p, n);
	return c;
}

static void test_initial_keys(void **state)
{
	const struct side *s = *state;
	struct quic_keys k;
	uint8_t secret[32];
	memset(&k, 0xee, sizeof k);
	memset(secret, 0xee, sizeof secret);
	assert_int_equal(
	    quic_initial_keys(version_of(s), quic_rfc_dcid, sizeof quic_rfc_dcid, s->server, &k, secret),
	    AS_OK);
	assert_bytes(secret, s->secret, 32);
	assert_bytes(k.key, s->key, 16);
	assert_bytes(k.iv, s->iv, 12);
	assert_bytes(k.hp, s->hp, 16);

	/* secret_out may be NULL; the keys are the same. */
	struct quic_keys k2;
	memset(&k2, 0, sizeof k2);
	assert_int_equal(
	    quic_initial_keys(version_of(s), quic_rfc_dcid, sizeof quic_rfc_dcid, s->server, &k2, NULL),
	    AS_OK);
	assert_bytes(&k2, &k, sizeof k);

	/* Another DCID gives other keys. */
	uint8_t dcid[8];
	memcpy(dcid, quic_rfc_dcid, 8);
	dcid[7] ^= 1;
	assert_int_equal(quic_initial_keys(version_of(s), dcid, sizeof dcid, s->server, &k2, NULL), AS_OK);
	assert_memory_not_equal(k2.key, s->key, 16);
}

static void test_parse_long_header(void **state)
{
	const struct side *s = *state;
	const struct quic_version *v = version_of(s);
	struct quic_long_header h = header_of(s);
	assert_int_equal(h.first, s->pkt[0]);
	assert_int_equal(h.version, s->version);
	assert_int_equal(h.type, v->type_initial);
	assert_int_equal(h.dcid_len, s->dcid_len);
	if (s->dcid_len)
		assert_bytes(h.dcid, s->dcid, s->dcid_len);
	assert_int_equal(h.scid_len, s->scid_len);
	if (s->scid_len)
		assert_bytes(h.scid, s->scid, s->scid_len);
	assert_int_equal(h.token_len, 0);
	assert_int_equal(h.pn_offset, s->pn_offset);
	assert_int_equal(h.length, s->pkt_len);

	/* Coalesced: bytes after the packet are not part of it. */
	uint8_t dgram[1500];
	memcpy(dgram, s->pkt, s->pkt_len);
	memset(dgram + s->pkt_len, 0x5a, sizeof dgram - s->pkt_len);
	struct quic_long_header h2;
	assert_int_equal(quic_parse_long_header(dgram, sizeof dgram, v, &h2), AS_OK);
	assert_int_equal(h2.length, s->pkt_len);
	assert_int_equal(h2.pn_offset, s->pn_offset);
}

/* Every prefix of the packet, from an exact-size copy: AS_ERR_TRUNCATED
 * while the header is cut (before the packet number), AS_ERR_MALFORMED once
 * the Length field is whole and runs past the end. Lists every prefix that
 * gives something else. */
static void test_parse_every_truncation(void **state)
{
	const struct side *s = *state;
	const struct quic_version *v = version_of(s);
	unsigned bad = 0;
	for (size_t n = 0; n < s->pkt_len; n++) {
		uint8_t *p = copy(s->pkt, n);
		struct quic_long_header h;
		int r = quic_parse_long_header(p, n, v, &h);
		free(p);
		int want = n < s->pn_offset ? AS_ERR_TRUNCATED : AS_ERR_MALFORMED;
		if (r != want) {
			print_error("a %zu-byte prefix (%s) gave %d (%s), not %d (%s)\n", n,
				    n < s->pn_offset ? "header cut" : "Length past the end", r,
				    as_strerror(r), want, as_strerror(want));
			bad++;
		}
	}
	if (bad)
		fail_msg("%u of %zu prefixes", bad, s->pkt_len);
}

static void test_decrypt(void **state)
{
	const struct side *s = *state;
	struct quic_long_header h = header_of(s);
	struct quic_keys k = keys_of(s);
	uint8_t *pkt = copy(s->pkt, h.length);
	uint8_t *out = malloc(h.length);
	assert_non_null(out);
	size_t out_len = 0;
	int64_t pn = -7;
	assert_int_equal(quic_decrypt_initial(pkt, &h, &k, -1, out, &out_len, &pn), AS_OK);
	assert_int_equal(pn, s->pn);
	assert_int_equal(out_len, s->plain_len);
	assert_bytes(out, s->frames, s->frames_len);
	for (size_t i = s->frames_len; i < out_len; i++)
		if (out[i] != 0)
			fail_msg("plaintext byte %zu is %02x, not PADDING", i, out[i]);
	/* Header protection is off, in place: the RFC's unprotected header. */
	assert_int_equal(s->unprot_len, s->pn_offset + s->pn_len);
	assert_bytes(pkt, s->unprot, s->unprot_len);
	free(pkt);
	free(out);
}

/* The packet number as largest_pn expands it (RFC 9000 A.3). */
struct pn_case {
	const char *name;
	const char *side;
	int64_t largest_pn;
	int want;   /* AS_OK or AS_ERR_DECRYPT */
	int64_t pn; /* when AS_OK */
};

static const struct pn_case pn_cases[] = {
    {"v1 client, largest 0", "v1 client", 0, AS_OK, 2},
    {"v1 client, largest 1000", "v1 client", 1000, AS_OK, 2},
    {"v1 server, largest 0", "v1 server", 0, AS_OK, 1},
    {"v1 server, largest 0x7fff", "v1 server", 0x7fff, AS_OK, 1},
    /* 2-byte 0x0001 after 0x10000 is 0x10001: not the number it was sealed with. */
    {"v1 server, largest 0x10000", "v1 server", 0x10000, AS_ERR_DECRYPT, 0},
    {"v2 server, largest 0x10000", "v2 server", 0x10000, AS_ERR_DECRYPT, 0},
};

static void test_decrypt_largest_pn(void **state)
{
	const struct pn_case *c = *state;
	const struct side *s = NULL;
	for (size_t i = 0; i < N(sides); i++)
		if (strcmp(sides[i].name, c->side) == 0)
			s = &sides[i];
	assert_non_null(s);
	struct quic_long_header h = header_of(s);
	struct quic_keys k = keys_of(s);
	uint8_t *pkt = copy(s->pkt, h.length);
	uint8_t *out = malloc(h.length);
	assert_non_null(out);
	size_t out_len = 0;
	int64_t pn = -7;
	assert_int_equal(quic_decrypt_initial(pkt, &h, &k, c->largest_pn, out, &out_len, &pn), c->want);
	if (c->want == AS_OK) {
		assert_int_equal(pn, c->pn);
		assert_bytes(out, s->frames, s->frames_len);
	}
	free(pkt);
	free(out);
}

/* The other direction's keys (same version, same DCID) do not open it. */
static void test_decrypt_wrong_keys(void **state)
{
	const struct side *s = *state;
	struct quic_long_header h = header_of(s);
	struct quic_keys k = keys_of(side_other(s));
	uint8_t *pkt = copy(s->pkt, h.length);
	uint8_t *out = malloc(h.length);
	assert_non_null(out);
	size_t out_len = 0;
	int64_t pn = 0;
	assert_int_equal(quic_decrypt_initial(pkt, &h, &k, -1, out, &out_len, &pn), AS_ERR_DECRYPT);
	free(pkt);
	free(out);
}

/* One bit flipped: in the header (authenticated data), the packet number,
 * the ciphertext, the tag. Offsets from the end when negative. */
struct flip_case {
	const char *name;
	long at;
	uint8_t bit;
};

static const struct flip_case flip_cases[] = {
    {"dcid or scid byte (AAD)", 8, 0x01},   {"packet number", 18, 0x80},
    {"header protection sample", 25, 0x10}, {"ciphertext", 60, 0x04},
    {"ciphertext near the end", -20, 0x40}, {"tag last byte", -1, 0x01},
};

static void test_decrypt_bit_flip(void **state)
{
	for (size_t si = 0; si < N(sides); si++) {
		const struct side *s = &sides[si];
		const struct flip_case *c = *state;
		struct quic_long_header h = header_of(s);
		struct quic_keys k = keys_of(s);
		uint8_t *pkt = copy(s->pkt, h.length);
		size_t at = c->at < 0 ? h.length - (size_t)-c->at : (size_t)c->at;
		pkt[at] ^= c->bit;
		uint8_t *out = malloc(h.length);
		assert_non_null(out);
		size_t out_len = 0;
		int64_t pn = 0;
		int r = quic_decrypt_initial(pkt, &h, &k, -1, out, &out_len, &pn);
		if (r != AS_ERR_DECRYPT)
			fail_msg("%s: bit %02x of byte %zu flipped: %d, not AS_ERR_DECRYPT", s->name, c->bit,
				 at, r);
		free(pkt);
		free(out);
	}
}

/* h.length cut to every size below the packet's (the bytes given, the
 * Length field still saying more): an error, never a read past h.length;
 * AS_ERR_TRUNCATED while there is no room for the 16-byte sample. */
static void test_decrypt_every_truncation(void **state)
{
	const struct side *s = *state;
	struct quic_long_header full = header_of(s);
	struct quic_keys k = keys_of(s);
	for (size_t n = 0; n < full.length; n++) {
		struct quic_long_header h = full;
		h.length = n;
		uint8_t *pkt = copy(s->pkt, n);
		uint8_t *out = malloc(n ? n : 1);
		assert_non_null(out);
		size_t out_len = 0;
		int64_t pn = 0;
		int r = quic_decrypt_initial(pkt, &h, &k, -1, out, &out_len, &pn);
		free(pkt);
		free(out);
		if (r >= 0)
			fail_msg("%s cut to %zu bytes decrypted (%d)", s->name, n, r);
		if (n < s->pn_offset + 4 + 16 && r != AS_ERR_TRUNCATED)
			fail_msg("%s cut to %zu bytes (no room to sample) gave %d, not AS_ERR_TRUNCATED",
				 s->name, n, r);
	}
}

/* The first 30 bytes as a datagram of their own, the Length field made to
 * fit them: the header parses, the packet is too short to sample. */
static void test_decrypt_short_packet(void **state)
{
	const struct side *s = *state;
	enum { CUT = 30 };
	uint8_t *p = copy(s->pkt, CUT);
	/* The Length field: the 2-byte varint just before the packet number. */
	size_t len_at = s->pn_offset - 2;
	assert_int_equal(p[len_at] & 0xc0, 0x40);
	p[len_at] = 0x40;
	p[len_at + 1] = (uint8_t)(CUT - s->pn_offset);
	struct quic_long_header h;
	int r = quic_parse_long_header(p, CUT, version_of(s), &h);
	if (r == AS_ERR_MALFORMED) { /* a Length with no room for a tag may be refused here */
		free(p);
		return;
	}
	assert_int_equal(r, AS_OK);
	assert_int_equal(h.length, CUT);
	assert_int_equal(h.pn_offset, s->pn_offset);
	struct quic_keys k = keys_of(s);
	uint8_t *out = malloc(CUT);
	assert_non_null(out);
	size_t out_len = 0;
	int64_t pn = 0;
	assert_int_equal(quic_decrypt_initial(p, &h, &k, -1, out, &out_len, &pn), AS_ERR_TRUNCATED);
	free(p);
	free(out);
}

int main(void)
{
	struct cases t = {0};
	CASE_ROWS(&t, test_version_find, version_cases, name);
	CASE_ROWS(&t, test_initial_keys, sides, name);
	CASE_ROWS(&t, test_parse_long_header, sides, name);
	CASE_ROWS(&t, test_parse_every_truncation, sides, name);
	CASE_ROWS(&t, test_decrypt, sides, name);
	CASE_ROWS(&t, test_decrypt_largest_pn, pn_cases, name);
	CASE_ROWS(&t, test_decrypt_wrong_keys, sides, name);
	CASE_ROWS(&t, test_decrypt_bit_flip, flip_cases, name);
	CASE_ROWS(&t, test_decrypt_every_truncation, sides, name);
	CASE_ROWS(&t, test_decrypt_short_packet, sides, name);
	return cases_main(&t, "quic");
}
