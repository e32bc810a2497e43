/* test_tls.c — unit tests for the TLS dissector: a real Chrome conversation
 * split at every byte, JA3/JA4 on synthetic hellos (the JA4.md example,
 * GREASE, ALPN edge cases, empty lists, versions), record/handshake
 * fragmentation, flow ends, the probe, and malformed inputs. */
#include <openssl/evp.h>

#include "dissect_harness.h"
#include "dissector.h"
#include "fingerprint.h"
#include "tls.h"
#include "tls_fixture.h"


extern const struct dissector dissector_tls;

/* ---- a tiny byte builder for synthetic hellos ---- */

struct bld {
	uint8_t b[70000];
	size_t len;
	size_t mark[8];
	int depth;
};

static void put8(struct bld *b, unsigned v)
{
	b->b[b->len++] = (uint8_t)v;
}
static void put16(struct bld *b, unsigned v)
{
	put8(b, v >> 8);
	put8(b, v & 0xff);
}
static void putn(struct bld *b, const void *p, size_t n)
{
	memcpy(b->b + b->len, p, n);
	b->len += n;
}
/* Opens a length prefix of `n` bytes, closed by end(). */
static void begin(struct bld *b, size_t n)
{
	b->mark[b->depth++] = b->len;
	b->len += n;
	b->b[b->mark[b->depth - 1]] = (uint8_t)n; /* remember the width in the first byte */
}
static void end(struct bld *b)
{
	size_t at = b->mark[--b->depth];
	size_t n = b->b[at];
	size_t v = b->len - at - n;
	for (size_t i = 0; i < n; i++)
		b->b[at + i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

struct ext {
	uint16_t type;
	const uint8_t *data; /* NULL: built from the fields below */
	size_t len;
};

struct hello_spec {
	uint16_t legacy;
	const uint16_t *ciphers;
	size_t n_ciphers;
	bool no_extensions;	   /* omit the extensions block entirely */
	const uint16_t *ext_types; /* order of extensions */
	size_t n_exts;
	const char *sni;
	const uint8_t *alpn; /* ALPN protocol_name_list body (u8-prefixed names) */
	size_t alpn_len;
	const uint16_t *versions;
	size_t n_versions;
	const uint16_t *groups;
	size_t n_groups;
	const uint16_t *sigalgs;
	size_t n_sigalgs;
};

static void ext_body(struct bld *b, const struct hello_spec *h, uint16_t type)
{
	switch (type) {
	case 0x0000:
		begin(b, 2);
		put8(b, 0);
		begin(b, 2);
		putn(b, h->sni, strlen(h->sni));
		end(b);
		end(b);
		break;
	case 0x0010:
		begin(b, 2);
		putn(b, h->alpn, h->alpn_len);
		end(b);
		break;
	case 0x002b:
		begin(b, 1);
		for (size_t i = 0; i < h->n_versions; i++)
			put16(b, h->versions[i]);
		end(b);
		break;
	case 0x000a:
		begin(b, 2);
		for (size_t i = 0; i < h->n_groups; i++)
			put16(b, h->groups[i]);
		end(b);
		break;
	case 0x000b:
		begin(b, 1);
		put8(b, 0);
		end(b);
		break;
	case 0x000d:
		begin(b, 2);
		for (size_t i = 0; i < h->n_sigalgs; i++)
			put16(b, h->sigalgs[i]);
		end(b);
		break;
	default:
		break;
	}
}

/* Builds a ClientHello body (no handshake header). */
static void build_ch_body(struct bld *b, const struct hello_spec *h)
{
	put16(b, h->legacy);
	for (int i = 0; i < 32; i++)
		put8(b, (unsigned)i);
	put8(b, 0); /* session id */
	begin(b, 2);
	for (size_t i = 0; i < h->n_ciphers; i++)
		put16(b, h->ciphers[i]);
	end(b);
	put8(b, 1);
	put8(b, 0); /* null compression */
	if (h->no_extensions)
		return;
	begin(b, 2);
	for (size_t i = 0; i < h->n_exts; i++) {
		put16(b, h->ext_types[i]);
		begin(b, 2);
		ext_body(b, h, h->ext_types[i]);
		end(b);
	}
	end(b);
}

/* Wraps a handshake body into one record: 22, 3.1, len, type, len24, body. */
static size_t wrap_record(uint8_t *out, uint8_t hs_type, const uint8_t *body, size_t n)
{
	size_t hl = n + 4;
	out[0] = 22;
	out[1] = 3;
	out[2] = 1;
	out[3] = (uint8_t)(hl >> 8);
	out[4] = (uint8_t)hl;
	out[5] = hs_type;
	out[6] = (uint8_t)(n >> 16);
	out[7] = (uint8_t)(n >> 8);
	out[8] = (uint8_t)n;
	memcpy(out + 9, body, n);
	return n + 9;
}

static void md5_hex(const char *s, char out[33])
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	EVP_Digest(s, strlen(s), md, &n, EVP_md5(), NULL);
	as_hex(md, n, out);
}

static struct obs_tls_client_hello parse_ch(const struct hello_spec *h)
{
	static struct bld b;
	memset(&b, 0, sizeof b);
	build_ch_body(&b, h);
	struct obs_tls_client_hello o;
	const char *reason = NULL;
	int r = tls_parse_client_hello(b.b, b.len, false, &o, &reason);
	if (r < 0)
		fail_msg("parse failed: %s", reason ? reason : "?");
	return o;
}

/* ---- the JA4.md worked example ---- */

static const uint16_t ex_ciphers[] = {0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9,
				      0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035};
static const uint16_t ex_exts[] = {0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d,
				   0x0005, 0x0023, 0x0012, 0x002b, 0xff01, 0x000b, 0x000a, 0x0015};
static const uint16_t ex_sigalgs[] = {0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601};
static const uint16_t ex_versions[] = {0x0304, 0x0303};
static const uint16_t ex_groups[] = {0x001d, 0x0017, 0x0018};
static const uint8_t alpn_h2_h11[] = {2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'};

/* The same hello with GREASE in every list (RFC 8701 values). */
static const uint16_t gr_ciphers[] = {0x0a0a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030,
				      0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035};
static const uint16_t gr_exts[] = {0x1a1a, 0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d,
				   0x0005, 0x0023, 0x0012, 0x002b, 0xff01, 0x000b, 0x000a, 0x0015, 0xfafa};
static const uint16_t gr_sigalgs[] = {0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x5a5a, 0x0601};
static const uint16_t gr_versions[] = {0x7a7a, 0x0304, 0x0303};
static const uint16_t gr_groups[] = {0x2a2a, 0x001d, 0x0017, 0x0018};

static struct hello_spec example_spec(void)
{
	struct hello_spec h = {.legacy = 0x0303,
			       .ciphers = ex_ciphers,
			       .n_ciphers = N(ex_ciphers),
			       .ext_types = ex_exts,
			       .n_exts = N(ex_exts),
			       .sni = "Example.COM",
			       .alpn = alpn_h2_h11,
			       .alpn_len = sizeof alpn_h2_h11,
			       .versions = ex_versions,
			       .n_versions = N(ex_versions),
			       .groups = ex_groups,
			       .n_groups = N(ex_groups),
			       .sigalgs = ex_sigalgs,
			       .n_sigalgs = N(ex_sigalgs)};
	return h;
}

static const char example_ja3[] =
    "771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53,"
    "27-0-51-16-17513-23-45-13-5-35-18-43-65281-11-10-21,29-23-24,0";

static void test_ja4_spec_example(void **state)
{
	(void)state;
	struct hello_spec h = example_spec();
	struct obs_tls_client_hello o = parse_ch(&h);
	assert_string_equal(o.ja4, "t13d1516h2_8daaf6152771_e5627efa2ab1");
	char want[33];
	md5_hex(example_ja3, want);
	assert_string_equal(o.ja3, want);
	assert_string_equal(o.sni, "example.com");
	assert_int_equal(o.n_alpn, 2);
	assert_string_equal(o.alpn[0], "h2");
	assert_string_equal(o.alpn[1], "http/1.1");
	assert_int_equal(o.legacy_version, 0x0303);
	assert_int_equal(o.max_version, 0x0304);
	assert_false(o.ech);
	assert_false(o.quic);

	/* Same hello in QUIC: only the prefix changes. */
	static struct bld b;
	memset(&b, 0, sizeof b);
	build_ch_body(&b, &h);
	struct obs_tls_client_hello q;
	assert_int_equal(tls_parse_client_hello(b.b, b.len, true, &q, NULL), AS_OK);
	assert_true(q.quic);
	assert_string_equal(q.ja4, "q13d1516h2_8daaf6152771_e5627efa2ab1");
}

static void test_grease_ignored(void **state)
{
	(void)state;
	struct hello_spec h = example_spec();
	h.ciphers = gr_ciphers;
	h.n_ciphers = N(gr_ciphers);
	h.ext_types = gr_exts;
	h.n_exts = N(gr_exts);
	h.sigalgs = gr_sigalgs;
	h.n_sigalgs = N(gr_sigalgs);
	h.versions = gr_versions;
	h.n_versions = N(gr_versions);
	h.groups = gr_groups;
	h.n_groups = N(gr_groups);
	struct obs_tls_client_hello o = parse_ch(&h);
	assert_string_equal(o.ja4, "t13d1516h2_8daaf6152771_e5627efa2ab1");
	char want[33];
	md5_hex(example_ja3, want);
	assert_string_equal(o.ja3, want);
	assert_int_equal(o.max_version, 0x0304);
	assert_true(tls_is_grease(0x0a0a));
	assert_true(tls_is_grease(0xfafa));
	assert_false(tls_is_grease(0x0a1a));
	assert_false(tls_is_grease(0x1301));
}

/* ---- ALPN first/last characters (JA4.md "ALPN Extension Value") ---- */

struct alpn_case {
	const char *name;
	uint8_t list[16];
	size_t len;
	bool absent;
	const char *want;
};

static const struct alpn_case alpn_cases[] = {
    {"absent", {0}, 0, true, "00"},
    {"empty list", {0}, 0, false, "00"},
    {"empty first value", {0, 2, 'h', '2'}, 4, false, "00"},
    {"h2", {2, 'h', '2'}, 3, false, "h2"},
    {"http/1.1", {8, 'h', 't', 't', 'p', '/', '1', '.', '1'}, 9, false, "h1"},
    {"single char", {1, 'x'}, 2, false, "xx"},
    {"0xAB", {1, 0xab}, 2, false, "ab"},
    {"0xAB 0xCD", {2, 0xab, 0xcd}, 3, false, "ad"},
    {"0x30 0xAB", {2, 0x30, 0xab}, 3, false, "3b"},
    {"0x30 0x31 0xAB 0xCD", {4, 0x30, 0x31, 0xab, 0xcd}, 5, false, "3d"},
    {"0x30 0xAB 0xCD 0x31", {4, 0x30, 0xab, 0xcd, 0x31}, 5, false, "01"},
    {"dash end", {3, 'h', '3', '-'}, 4, false, "6d"},
};

static void test_ja4_alpn(void **state)
{
	const struct alpn_case *c = *state;
	static const uint16_t types_alpn[] = {0x0010, 0x000d};
	static const uint16_t types_none[] = {0x000d};
	struct hello_spec h = example_spec();
	h.ext_types = c->absent ? types_none : types_alpn;
	h.n_exts = c->absent ? 1 : 2;
	h.alpn = c->list;
	h.alpn_len = c->len;
	struct obs_tls_client_hello o = parse_ch(&h);
	if (strncmp(o.ja4 + 8, c->want, 2) != 0)
		fail_msg("ja4 %s, want ALPN part %s", o.ja4, c->want);
	/* No SNI, no supported_versions: 'i' and the legacy version. */
	assert_memory_equal(o.ja4, "t12i15", 6);
}

/* ---- lists, counts and versions ---- */

static void test_ja4_edge_lists(void **state)
{
	(void)state;
	/* No ciphers, no extensions at all. */
	struct hello_spec h = {.legacy = 0x0301, .no_extensions = true};
	struct obs_tls_client_hello o = parse_ch(&h);
	assert_string_equal(o.ja4, "t10i000000_000000000000_000000000000");
	char want[33];
	md5_hex("769,,,,", want);
	assert_string_equal(o.ja3, want);
	assert_string_equal(o.sni, "");
	assert_int_equal(o.n_alpn, 0);

	/* Only SNI and ALPN: counted, but the hashed extension list is empty. */
	static const uint16_t sa[] = {0x0000, 0x0010};
	struct hello_spec h2 = example_spec();
	h2.ext_types = sa;
	h2.n_exts = 2;
	o = parse_ch(&h2);
	assert_string_equal(o.ja4, "t12d1502h2_8daaf6152771_000000000000");

	/* No signature algorithms (here: an empty signature_algorithms list): the
	 * string ends without '_'; JA4.md gives sha256 of
	 * "0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01"
	 * as 6d807ffa2a79. */
	struct hello_spec h3 = example_spec();
	h3.n_sigalgs = 0;
	o = parse_ch(&h3);
	assert_string_equal(o.ja4, "t13d1516h2_8daaf6152771_6d807ffa2a79");

	/* More than 99 ciphers: the count saturates. */
	static uint16_t many[150];
	for (size_t i = 0; i < N(many); i++)
		many[i] = (uint16_t)(0x0100 + i);
	struct hello_spec h4 = {
	    .legacy = 0x0303, .ciphers = many, .n_ciphers = N(many), .no_extensions = true};
	o = parse_ch(&h4);
	assert_memory_equal(o.ja4, "t12i9900", 8);
}

struct version_case {
	uint16_t legacy;
	uint16_t sv; /* 0: no supported_versions extension */
	const char *want;
	uint16_t max;
};

static const struct version_case version_cases[] = {
    {0x0300, 0, "s3", 0x0300}, {0x0301, 0, "10", 0x0301},      {0x0302, 0, "11", 0x0302},
    {0x0303, 0, "12", 0x0303}, {0x0303, 0x0304, "13", 0x0304}, {0x0303, 0x7f1c, "00", 0x7f1c},
    {0x0002, 0, "s2", 0x0002}, {0xfefd, 0, "d2", 0xfefd},      {0x0305, 0, "00", 0x0305},
};

static void test_ja4_version(void **state)
{
	const struct version_case *c = *state;
	static const uint16_t sv_types[] = {0x002b};
	uint16_t v[2] = {0x8a8a, c->sv};
	struct hello_spec h = {.legacy = c->legacy,
			       .ciphers = ex_ciphers,
			       .n_ciphers = 1,
			       .ext_types = sv_types,
			       .n_exts = c->sv ? 1 : 0,
			       .versions = v,
			       .n_versions = 2};
	struct obs_tls_client_hello o = parse_ch(&h);
	if (strncmp(o.ja4 + 1, c->want, 2) != 0)
		fail_msg("ja4 %s, want %s", o.ja4, c->want);
	assert_int_equal(o.max_version, c->max);
	assert_int_equal(o.legacy_version, c->legacy);
}

/* ---- the real conversation ---- */

static void check_chrome(const struct obs_log *log)
{
	assert_int_equal(log->n, 2);
	assert_int_equal(log->v[0].type, OBS_TLS_CLIENT_HELLO);
	const struct obs_tls_client_hello *ch = &log->v[0].u.tls_ch;
	assert_string_equal(ch->ja3, "35708a08e7be9f7aa5bce7f2d5c1cecb");
	assert_string_equal(ch->ja4, "t13d1516h2_8daaf6152771_02713d6af862");
	assert_string_equal(ch->sni, "clients2.google.com");
	assert_int_equal(ch->record_version, 0x0301);
	assert_int_equal(ch->legacy_version, 0x0303);
	assert_int_equal(ch->max_version, 0x0304);
	assert_true(ch->ech);
	assert_int_equal(ch->n_alpn, 2);
	assert_string_equal(ch->alpn[0], "h2");
	assert_string_equal(ch->alpn[1], "http/1.1");
	assert_int_equal(log->v[1].type, OBS_TLS_SERVER_HELLO);
	const struct obs_tls_server_hello *sh = &log->v[1].u.tls_sh;
	assert_string_equal(sh->ja3s, "eb1d94daa7e0344597e756a1fb6e7054");
	assert_int_equal(sh->version, 0x0304);
	assert_int_equal(sh->cipher, 0x1301);
	assert_string_equal(sh->alpn, "");
}

static void test_chrome_split_invariant(void **state)
{
	(void)state;
	const struct feed f[] = {
	    {DIR_TO_SERVER, fixture_chrome_client, sizeof fixture_chrome_client},
	    {DIR_TO_CLIENT, fixture_chrome_server, sizeof fixture_chrome_server},
	};
	struct obs_log log = harness_split_invariant(&dissector_tls, f, N(f));
	check_chrome(&log);
	obs_log_free(&log);
}

/* The same ClientHello cut into three handshake records (fragmentation at
 * the record layer, RFC 8446 §5.1) gives the same observations. */
static void test_record_fragmentation(void **state)
{
	(void)state;
	static uint8_t client[sizeof fixture_chrome_client + 32];
	const uint8_t *hs = fixture_chrome_client + 5;
	size_t hs_len = sizeof fixture_chrome_client - 5;
	size_t cuts[] = {0, 3, 700, hs_len};
	size_t n = 0;
	for (size_t i = 0; i + 1 < N(cuts); i++) {
		size_t l = cuts[i + 1] - cuts[i];
		client[n++] = 22;
		client[n++] = 3;
		client[n++] = 1;
		client[n++] = (uint8_t)(l >> 8);
		client[n++] = (uint8_t)l;
		memcpy(client + n, hs + cuts[i], l);
		n += l;
	}
	const struct feed f[] = {
	    {DIR_TO_SERVER, client, n},
	    {DIR_TO_CLIENT, fixture_chrome_server, sizeof fixture_chrome_server},
	};
	struct obs_log log = harness_split_invariant(&dissector_tls, f, N(f));
	check_chrome(&log);
	obs_log_free(&log);
}

/* ---- flow ends ---- */

struct run {
	struct obs_log log;
	int last;
};

static struct run run_feeds(const struct feed *f, size_t n)
{
	struct run r = {{0}, 0};
	struct dissect_ctx ctx = harness_ctx(&r.log);
	void *st = dissector_tls.state_new(harness_open());
	assert_non_null(st);
	for (size_t i = 0; i < n; i++) {
		r.last = dissector_tls.parse(st, f[i].dir, f[i].data, f[i].len, &ctx);
		if (r.last != DISSECT_MORE)
			break;
	}
	dissector_tls.state_free(st);
	return r;
}

static void test_flow_ends(void **state)
{
	(void)state;
	static const uint8_t alert[] = {21, 3, 3, 0, 2, 2, 40};
	static const uint8_t appdata[] = {23, 3, 3, 0, 3, 1, 2, 3};
	static const uint8_t ccs[] = {20, 3, 3, 0, 1, 1};

	/* ClientHello, then the server refuses with an alert. */
	const struct feed a[] = {{DIR_TO_SERVER, fixture_chrome_client, sizeof fixture_chrome_client},
				 {DIR_TO_CLIENT, alert, sizeof alert}};
	struct run r = run_feeds(a, N(a));
	assert_int_equal(r.last, DISSECT_DONE);
	assert_int_equal(r.log.n, 1);
	assert_int_equal(r.log.v[0].type, OBS_TLS_CLIENT_HELLO);
	obs_log_free(&r.log);

	/* The capture starts after the handshake: application data. */
	const struct feed b[] = {{DIR_TO_SERVER, appdata, sizeof appdata}};
	r = run_feeds(b, N(b));
	assert_int_equal(r.last, DISSECT_DONE);
	assert_int_equal(r.log.n, 0);
	obs_log_free(&r.log);

	/* Client bytes after the ClientHello are ignored until the server speaks. */
	const struct feed c[] = {{DIR_TO_SERVER, fixture_chrome_client, sizeof fixture_chrome_client},
				 {DIR_TO_SERVER, ccs, sizeof ccs},
				 {DIR_TO_SERVER, appdata, sizeof appdata},
				 {DIR_TO_CLIENT, fixture_chrome_server, sizeof fixture_chrome_server}};
	r = run_feeds(c, N(c));
	assert_int_equal(r.last, DISSECT_DONE);
	check_chrome(&r.log);
	obs_log_free(&r.log);

	/* Server speaks first (capture missed the ClientHello direction's start). */
	const struct feed d[] = {{DIR_TO_CLIENT, fixture_chrome_server, sizeof fixture_chrome_server},
				 {DIR_TO_SERVER, appdata, sizeof appdata}};
	r = run_feeds(d, N(d));
	assert_int_equal(r.last, DISSECT_DONE);
	assert_int_equal(r.log.n, 1);
	assert_int_equal(r.log.v[0].type, OBS_TLS_SERVER_HELLO);
	obs_log_free(&r.log);

	/* Truncated stream: half a ClientHello, nothing emitted, no anomaly. */
	const struct feed e[] = {{DIR_TO_SERVER, fixture_chrome_client, 600}};
	r = run_feeds(e, N(e));
	assert_int_equal(r.last, DISSECT_MORE);
	assert_int_equal(r.log.n, 0);
	obs_log_free(&r.log);
}

static void test_gap(void **state)
{
	(void)state;
	struct obs_log log = {0};
	struct dissect_ctx ctx = harness_ctx(&log);
	void *st = dissector_tls.state_new(harness_open());
	assert_non_null(st);
	assert_non_null(dissector_tls.gap);
	assert_int_equal(
	    dissector_tls.parse(st, DIR_TO_SERVER, fixture_chrome_client, sizeof fixture_chrome_client, &ctx),
	    DISSECT_MORE);
	dissector_tls.gap(st, DIR_TO_CLIENT, 1000, &ctx);
	assert_int_equal(dissector_tls.parse(st, DIR_TO_CLIENT, fixture_chrome_server, 10, &ctx),
			 DISSECT_DONE);
	assert_int_equal(log.n, 1);
	dissector_tls.state_free(st);
	obs_log_free(&log);

	/* A gap inside the ClientHello: the client side gives up. */
	st = dissector_tls.state_new(harness_open());
	assert_int_equal(dissector_tls.parse(st, DIR_TO_SERVER, fixture_chrome_client, 100, &ctx),
			 DISSECT_MORE);
	dissector_tls.gap(st, DIR_TO_SERVER, 50, &ctx);
	assert_int_equal(dissector_tls.parse(st, DIR_TO_SERVER, fixture_chrome_client + 150, 100, &ctx),
			 DISSECT_DONE);
	assert_int_equal(log.n, 0);
	dissector_tls.state_free(st);
	obs_log_free(&log);
}

/* ---- probe ---- */

static const uint8_t probe_get[] = "GET / HTTP/1.1\r\n";
static const uint8_t probe_short_hdr[] = {22, 3, 1};
static const uint8_t probe_bad_ver[] = {22, 2, 0, 0, 40, 1};
static const uint8_t probe_huge[] = {22, 3, 3, 0xff, 0xff, 1};
static const uint8_t probe_hdr_only[] = {22, 3, 1, 2, 0};

#define TLS_PROBE(transport, dir, bytes, len, want) {&dissector_tls, transport, 50000, 443, bytes, len, want, dir}

static const struct probe_row probes[] = {
    TLS_PROBE(TRANSPORT_TCP, DIR_TO_SERVER, fixture_chrome_client, sizeof fixture_chrome_client, true),
    TLS_PROBE(TRANSPORT_TCP, DIR_TO_CLIENT, fixture_chrome_server, sizeof fixture_chrome_server, true),
    TLS_PROBE(TRANSPORT_TCP, DIR_TO_CLIENT, fixture_chrome_client, sizeof fixture_chrome_client, false),
    TLS_PROBE(TRANSPORT_TCP, DIR_TO_SERVER, fixture_chrome_server, sizeof fixture_chrome_server, false),
    TLS_PROBE(TRANSPORT_UDP, DIR_TO_SERVER, fixture_chrome_client, sizeof fixture_chrome_client, false),
    TLS_PROBE(TRANSPORT_TCP, DIR_TO_SERVER, probe_get, sizeof probe_get - 1, false),
    TLS_PROBE(TRANSPORT_TCP, DIR_TO_SERVER, probe_short_hdr, sizeof probe_short_hdr, false),
    TLS_PROBE(TRANSPORT_TCP, DIR_TO_SERVER, probe_bad_ver, sizeof probe_bad_ver, false),
    TLS_PROBE(TRANSPORT_TCP, DIR_TO_SERVER, probe_huge, sizeof probe_huge, false),
    TLS_PROBE(TRANSPORT_TCP, DIR_TO_SERVER, probe_hdr_only, sizeof probe_hdr_only, true),
};

/* ---- malformed input: an anomaly with a stable reason, a negative return ---- */

struct bad_case {
	const char *name;
	enum dissect_dir dir;
	uint8_t bytes[64];
	size_t len;
	const char *reason;
	int err;
};

static const struct bad_case bad_cases[] = {
    {"content type", DIR_TO_SERVER, {99, 3, 1, 0, 4, 1, 0, 0, 0}, 9, "bad_record_header", AS_ERR_MALFORMED},
    {"major version", DIR_TO_SERVER, {22, 2, 0, 0, 4, 1, 0, 0, 0}, 9, "bad_record_header", AS_ERR_MALFORMED},
    {"record too long", DIR_TO_SERVER, {22, 3, 3, 0x48, 0x01}, 5, "bad_record_header", AS_ERR_MALFORMED},
    {"server hello to server", DIR_TO_SERVER, {22, 3, 3, 0, 4, 2, 0, 0, 0}, 9, "unexpected_handshake_type", AS_ERR_MALFORMED},
    {"client hello to client", DIR_TO_CLIENT, {22, 3, 3, 0, 4, 1, 0, 0, 0}, 9, "unexpected_handshake_type", AS_ERR_MALFORMED},
    {"empty client hello", DIR_TO_SERVER, {22, 3, 1, 0, 4, 1, 0, 0, 0}, 9, "truncated_client_hello", AS_ERR_TRUNCATED},
    {"empty server hello", DIR_TO_CLIENT, {22, 3, 3, 0, 4, 2, 0, 0, 0}, 9, "truncated_server_hello", AS_ERR_TRUNCATED},
    {"handshake too large", DIR_TO_SERVER, {22, 3, 1, 0, 4, 1, 0x10, 0, 0}, 9, "handshake_too_large", AS_ERR_LIMIT},
};

static void test_malformed(void **state)
{
	const struct bad_case *c = *state;
	struct feed f = {c->dir, c->bytes, c->len};
	struct run r = run_feeds(&f, 1);
	if (r.last != c->err)
		fail_msg("returned %d, want %d", r.last, c->err);
	if (r.log.n != 1 || r.log.v[0].type != OBS_ANOMALY)
		fail_msg("%zu observations, want one anomaly", r.log.n);
	assert_string_equal(r.log.v[0].u.anomaly.dissector, "tls");
	if (strcmp(r.log.v[0].u.anomaly.reason, c->reason) != 0)
		fail_msg("reason %s, want %s", r.log.v[0].u.anomaly.reason, c->reason);
	obs_log_free(&r.log);
}

/* Structural damage inside a ClientHello body, found by the hello parser:
 * a byte of the example body set to a value, or the body cut. */
struct body_case {
	const char *name;
	size_t off;
	uint8_t val;
	size_t cut_from_end; /* 0: keep the length */
	size_t cut;	     /* 0: keep the length */
	const char *reason;  /* NULL: any */
};

/* Offsets in the example body: 2+32 = session id length, then the ciphers'. */
#define BODY_SID 34
#define BODY_CIPHERS 35

static const struct body_case body_cases[] = {
    {"session id > 32", BODY_SID, 33, 0, 0, NULL},
    {"odd cipher length", BODY_CIPHERS + 1, (uint8_t)(2 * N(ex_ciphers) - 1), 0, 0, "bad_client_hello"},
    {"extensions overrun", 0, 0, 3, 0, NULL},
    {"truncated random", 0, 0, 0, 20, "truncated_client_hello"},
};

static void test_malformed_hello_body(void **state)
{
	const struct body_case *c = *state;
	static struct bld b;
	struct hello_spec h = example_spec();
	memset(&b, 0, sizeof b);
	build_ch_body(&b, &h);
	size_t len = c->cut ? c->cut : b.len - c->cut_from_end;
	if (!c->cut && !c->cut_from_end)
		b.b[c->off] = c->val;
	struct obs_tls_client_hello o;
	const char *reason = NULL;
	int r = tls_parse_client_hello(b.b, len, false, &o, &reason);
	if (r >= 0)
		fail_msg("accepted");
	assert_non_null(reason);
	if (c->reason && strcmp(reason, c->reason) != 0)
		fail_msg("reason %s, want %s", reason, c->reason);
}

/* Every truncation of the real hello fails cleanly and never over-reads (each
 * prefix sits in an exact-size heap block for ASan); only the prefix ending
 * right after the compression methods parses (extensions are optional). */
static void test_hello_every_truncation(void **state)
{
	(void)state;
	const uint8_t *body = fixture_chrome_client + 9;
	size_t body_len = sizeof fixture_chrome_client - 9, parsed = 0;
	for (size_t n = 0; n < body_len; n++) {
		uint8_t *p = malloc(n ? n : 1);
		assert_non_null(p);
		memcpy(p, body, n);
		struct obs_tls_client_hello o;
		if (tls_parse_client_hello(p, n, false, &o, NULL) >= 0)
			parsed++;
		free(p);
	}
	assert_int_equal(parsed, 1);
}

/* Damaged extension bodies of the example: each rejected with its reason. */
struct ext_case {
	const char *reason;
	uint16_t type;
};

static const struct ext_case ext_cases[] = {
    {"bad_server_name", 0x0000},	{"bad_alpn", 0x0010},
    {"bad_supported_versions", 0x002b}, {"bad_supported_groups", 0x000a},
    {"bad_ec_point_formats", 0x000b},	{"bad_signature_algorithms", 0x000d},
};

static void test_bad_extension(void **state)
{
	const struct ext_case *c = *state;
	static struct bld e;
	memset(&e, 0, sizeof e);
	struct hello_spec hs = example_spec();
	uint16_t types[2] = {c->type, 0x0005};
	hs.ext_types = types;
	hs.n_exts = 2;
	build_ch_body(&e, &hs);
	/* Corrupt the inner list length: first byte after the extension's own length. */
	size_t ext_at = 2 + 32 + 1 + 2 + 2 * N(ex_ciphers) + 2 + 2; /* first extension type */
	e.b[ext_at + 4] ^= 0x40;
	const char *reason = NULL;
	struct obs_tls_client_hello o;
	int r = tls_parse_client_hello(e.b, e.len, false, &o, &reason);
	if (r >= 0)
		fail_msg("extension %04x: accepted", c->type);
	if (strcmp(reason, c->reason) != 0)
		fail_msg("extension %04x: reason %s, want %s", c->type, reason, c->reason);
}

/* A ServerHello of TLS 1.2 with ALPN, built by hand, and a draft-18 one. */
static void test_server_hello(void **state)
{
	(void)state;
	static struct bld b;
	memset(&b, 0, sizeof b);
	put16(&b, 0x0303);
	for (int i = 0; i < 32; i++)
		put8(&b, 0);
	put8(&b, 0);
	put16(&b, 0xc02f);
	put8(&b, 0);
	begin(&b, 2);
	put16(&b, 0xff01);
	begin(&b, 2);
	put8(&b, 0);
	end(&b);
	put16(&b, 0x0010);
	begin(&b, 2);
	begin(&b, 2);
	put8(&b, 2);
	putn(&b, "h2", 2);
	end(&b);
	end(&b);
	put16(&b, 0x0017);
	put16(&b, 0);
	end(&b);
	struct obs_tls_server_hello o;
	assert_int_equal(tls_parse_server_hello(b.b, b.len, &o, NULL), AS_OK);
	char want[33];
	md5_hex("771,49199,65281-16-23", want);
	assert_string_equal(o.ja3s, want);
	assert_int_equal(o.version, 0x0303);
	assert_int_equal(o.cipher, 0xc02f);
	assert_string_equal(o.alpn, "h2");

	/* TLS 1.3 draft-18 layout: no session id, no compression. */
	memset(&b, 0, sizeof b);
	put16(&b, 0x7f12);
	for (int i = 0; i < 32; i++)
		put8(&b, 1);
	put16(&b, 0x1301);
	begin(&b, 2);
	put16(&b, 40);
	put16(&b, 0);
	end(&b);
	assert_int_equal(tls_parse_server_hello(b.b, b.len, &o, NULL), AS_OK);
	md5_hex("32530,4865,40", want);
	assert_string_equal(o.ja3s, want);
	assert_int_equal(o.version, 0x7f12);

	/* Wrapped in a record and fed to the stream after a ClientHello. */
	static uint8_t rec[200];
	size_t n = wrap_record(rec, 2, b.b, b.len);
	const struct feed f[] = {{DIR_TO_SERVER, fixture_chrome_client, sizeof fixture_chrome_client},
				 {DIR_TO_CLIENT, rec, n}};
	struct obs_log log = harness_split_invariant(&dissector_tls, f, N(f));
	assert_int_equal(log.n, 2);
	assert_string_equal(log.v[1].u.tls_sh.ja3s, want);
	obs_log_free(&log);
}

/* A HelloRetryRequest (RFC 8446 §4.1.3) and its middlebox CCS are skipped:
 * the ServerHello reported is the one answering the second ClientHello. */
static void test_hello_retry_request(void **state)
{
	(void)state;
	static const uint8_t hrr_random[32] = {
	    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
	    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};
	static struct bld b;
	static uint8_t server[400];
	size_t n = 0;
	for (int pass = 0; pass < 2; pass++) {
		memset(&b, 0, sizeof b);
		put16(&b, 0x0303);
		if (pass == 0)
			putn(&b, hrr_random, 32);
		else
			for (int i = 0; i < 32; i++)
				put8(&b, 7);
		put8(&b, 0);
		put16(&b, pass == 0 ? 0x1302 : 0x1301);
		put8(&b, 0);
		begin(&b, 2);
		put16(&b, 0x002b);
		put16(&b, 2);
		put16(&b, 0x0304);
		end(&b);
		n += wrap_record(server + n, 2, b.b, b.len);
		if (pass == 0) {
			static const uint8_t ccs[] = {20, 3, 3, 0, 1, 1};
			memcpy(server + n, ccs, sizeof ccs);
			n += sizeof ccs;
		}
	}
	const struct feed f[] = {{DIR_TO_SERVER, fixture_chrome_client, sizeof fixture_chrome_client},
				 {DIR_TO_CLIENT, server, n}};
	struct obs_log log = harness_split_invariant(&dissector_tls, f, N(f));
	assert_int_equal(log.n, 2);
	assert_int_equal(log.v[1].type, OBS_TLS_SERVER_HELLO);
	assert_int_equal(log.v[1].u.tls_sh.cipher, 0x1301);
	assert_int_equal(log.v[1].u.tls_sh.version, 0x0304);
	char want[33];
	md5_hex("771,4865,43", want);
	assert_string_equal(log.v[1].u.tls_sh.ja3s, want);
	obs_log_free(&log);
}

int main(void)
{
	struct cases t = {0};
	CASE(&t, test_ja4_spec_example);
	CASE(&t, test_grease_ignored);
	CASE_ROWS(&t, test_ja4_alpn, alpn_cases, name);
	CASE(&t, test_ja4_edge_lists);
	for (size_t i = 0; i < N(version_cases); i++)
		CASE_ROW(&t, test_ja4_version, &version_cases[i], "%04x supported %04x", version_cases[i].legacy,
			 version_cases[i].sv);
	CASE(&t, test_chrome_split_invariant);
	CASE(&t, test_record_fragmentation);
	CASE(&t, test_flow_ends);
	CASE(&t, test_gap);
	probe_rows_add(&t, probes, N(probes));
	CASE_ROWS(&t, test_malformed, bad_cases, name);
	CASE_ROWS(&t, test_malformed_hello_body, body_cases, name);
	CASE(&t, test_hello_every_truncation);
	CASE_ROWS(&t, test_bad_extension, ext_cases, reason);
	CASE(&t, test_server_hello);
	CASE(&t, test_hello_retry_request);
	return cases_main(&t, "tls");
}
