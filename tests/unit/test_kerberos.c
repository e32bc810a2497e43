/* test_kerberos.c — Kerberos AS-REQ dissector (RFC 4120 §5.4.1) and the DER
 * reader under it: AS-REQs built from the RFC's ASN.1 (table), wrong tags,
 * absurd lengths, every truncation, TCP records split at every byte, gaps,
 * oversized and reserved-bit records, probes. No public capture in
 * pcaps-public carries port-88 traffic (SOURCES.md lists none). */
#include "der.h"
#include "dissector.h"
#include "msg_fixture.h"

extern const struct dissector dissector_kerberos;
extern const struct dissector dissector_kerberos_tcp;

/* ---- a DER builder ---- */

/* Appends tag, DER length, content. */
static void tlv(struct mb *m, unsigned tag, const struct mb *c)
{
	put8(m, tag);
	if (c->n < 0x80) {
		put8(m, (unsigned)c->n);
	} else if (c->n < 0x100) {
		put8(m, 0x81);
		put8(m, (unsigned)c->n);
	} else {
		put8(m, 0x82);
		put8(m, (unsigned)(c->n >> 8));
		put8(m, (unsigned)(c->n & 0xff));
	}
	putbytes(m, c->b, c->n);
}
static void tlv_raw(struct mb *m, unsigned tag, const void *p, size_t n)
{
	struct mb c = {.n = 0};
	putbytes(&c, p, n);
	tlv(m, tag, &c);
}
static void tlv_str(struct mb *m, unsigned tag, const char *s)
{
	tlv_raw(m, tag, s, strlen(s));
}
static void int_field(struct mb *m, unsigned ctx_n, unsigned v)
{
	struct mb i = {.n = 0};
	uint8_t b = (uint8_t)v;
	tlv_raw(&i, DER_INTEGER, &b, 1);
	tlv(m, DER_CTX(ctx_n), &i);
}
/* [ctx_n] PrincipalName { name-type [0], name-string [1] SEQUENCE OF GeneralString } */
static void principal(struct mb *m, unsigned ctx_n, unsigned type, const char *const *parts, unsigned str_tag)
{
	struct mb strs = {.n = 0}, seq = {.n = 0}, ns = {.n = 0}, pn = {.n = 0};
	for (unsigned i = 0; parts[i]; i++)
		tlv_str(&strs, str_tag, parts[i]);
	tlv(&seq, DER_SEQUENCE, &strs);
	int_field(&pn, 0, type);
	tlv(&ns, DER_CTX(1), &seq);
	putbytes(&pn, ns.b, ns.n);
	struct mb wrapped = {.n = 0};
	tlv(&wrapped, DER_SEQUENCE, &pn);
	tlv(m, DER_CTX(ctx_n), &wrapped);
}

struct as_req_opts {
	unsigned app;	   /* application tag number, 10 */
	unsigned pvno;	   /* 5 */
	unsigned msg_type; /* 10 */
	size_t padata;	   /* bytes of PA-ENC-TIMESTAMP value, 0 = none */
	const char *const *cname; /* NULL: absent */
	const char *realm;
	unsigned realm_tag;
	const char *const *sname;
	unsigned str_tag;
};

static void as_req(struct mb *out, const struct as_req_opts *opts)
{
	struct as_req_opts d = *opts, *o = &d;
	if (!o->app)
		o->app = 10;
	if (!o->pvno)
		o->pvno = 5;
	if (!o->msg_type)
		o->msg_type = 10;
	if (!o->realm)
		o->realm = "CORP.EXAMPLE.COM";
	struct mb body = {.n = 0}, f = {.n = 0};
	/* kdc-options [0] BIT STRING */
	tlv_raw(&f, 0x03, "\x00\x40\x81\x00\x10", 5);
	tlv(&body, DER_CTX(0), &f);
	if (o->cname)
		principal(&body, 1, 1, o->cname, o->str_tag ? o->str_tag : DER_GENERAL_STRING);
	f.n = 0;
	tlv_str(&f, o->realm_tag ? o->realm_tag : DER_GENERAL_STRING, o->realm);
	tlv(&body, DER_CTX(2), &f);
	if (o->sname)
		principal(&body, 3, 2, o->sname, o->str_tag ? o->str_tag : DER_GENERAL_STRING);
	f.n = 0;
	tlv_str(&f, 0x18, "20370913024805Z");
	tlv(&body, DER_CTX(5), &f);
	f.n = 0;
	tlv_raw(&f, DER_INTEGER, "\x1f\x2e\x3d\x4c", 4);
	tlv(&body, DER_CTX(7), &f);
	f.n = 0;
	struct mb et = {.n = 0};
	tlv_raw(&et, DER_INTEGER, "\x12", 1);
	tlv_raw(&et, DER_INTEGER, "\x11", 1);
	tlv(&f, DER_SEQUENCE, &et);
	tlv(&body, DER_CTX(8), &f);

	struct mb req = {.n = 0};
	int_field(&req, 1, o->pvno);
	int_field(&req, 2, o->msg_type);
	if (o->padata) {
		struct mb pa = {.n = 0}, v = {.n = 0}, one = {.n = 0}, seq = {.n = 0};
		int_field(&pa, 1, 2); /* padata-type PA-ENC-TIMESTAMP */
		uint8_t junk[600];
		memset(junk, 0xa5, sizeof junk);
		tlv_raw(&v, 0x04, junk, o->padata);
		tlv(&pa, DER_CTX(2), &v);
		tlv(&one, DER_SEQUENCE, &pa);
		tlv(&seq, DER_SEQUENCE, &one);
		tlv(&req, DER_CTX(3), &seq);
	}
	struct mb b = {.n = 0}, seq = {.n = 0};
	tlv(&b, DER_SEQUENCE, &body);
	tlv(&req, DER_CTX(4), &b);
	tlv(&seq, DER_SEQUENCE, &req);
	out->n = 0;
	tlv(out, DER_APP(o->app), &seq);
}

static const char *const alice[] = {"alice", NULL};
static const char *const host_ws1[] = {"host", "ws1.corp.example.com", NULL};
static const char *const krbtgt[] = {"krbtgt", "CORP.EXAMPLE.COM", NULL};
static const char *const ctl[] = {"bob\x01", NULL};

/* Zero fields take the AS-REQ defaults (see as_req). */
#define STD(...) {__VA_ARGS__}

static void mk_basic(struct mb *m)
{
	struct as_req_opts o = STD(.cname = alice, .sname = krbtgt);
	as_req(m, &o);
}
static void mk_padata(struct mb *m)
{
	struct as_req_opts o = STD(.padata = 300, .cname = host_ws1, .sname = krbtgt);
	as_req(m, &o);
}
static void mk_utf8_no_sname(struct mb *m)
{
	struct as_req_opts o = STD(.cname = alice, .str_tag = DER_UTF8_STRING);
	as_req(m, &o);
}
static void mk_ctl(struct mb *m)
{
	struct as_req_opts o = STD(.cname = ctl, .sname = krbtgt);
	as_req(m, &o);
}
static void mk_no_cname(struct mb *m)
{
	struct as_req_opts o = STD(.sname = krbtgt);
	as_req(m, &o);
}
static void mk_tgs_req(struct mb *m)
{
	struct as_req_opts o = STD(.app = 12, .msg_type = 12, .cname = alice, .sname = krbtgt);
	as_req(m, &o);
}
static void mk_krb_error(struct mb *m)
{
	struct mb c = {.n = 0}, s = {.n = 0};
	int_field(&c, 0, 5);
	int_field(&c, 1, 30);
	tlv(&s, DER_SEQUENCE, &c);
	m->n = 0;
	tlv(m, DER_APP(30), &s);
}
static void mk_bad_pvno(struct mb *m)
{
	struct as_req_opts o = STD(.pvno = 4, .cname = alice);
	as_req(m, &o);
}
static void mk_bad_msg_type(struct mb *m)
{
	struct as_req_opts o = STD(.msg_type = 12, .cname = alice);
	as_req(m, &o);
}
static void mk_realm_octets(struct mb *m)
{
	struct as_req_opts o = STD(.cname = alice, .realm_tag = 0x04);
	as_req(m, &o);
}
static void mk_not_krb(struct mb *m)
{
	m->n = 0;
	tlv_str(m, DER_SEQUENCE, "hello");
}
static void mk_absurd_len(struct mb *m)
{
	m->n = 0;
	putbytes(m, "\x6a\x84\xff\xff\xff\xf0\x30\x00", 8);
}
static void mk_len_5_bytes(struct mb *m)
{
	m->n = 0;
	putbytes(m, "\x6a\x85\x00\x00\x00\x00\x02\x30\x00", 9);
}
static void mk_indefinite(struct mb *m)
{
	m->n = 0;
	putbytes(m, "\x6a\x80\x30\x00\x00\x00", 6);
}
/* The req-body SEQUENCE claims more than its [4] holds. */
static void mk_inner_overrun(struct mb *m)
{
	struct mb seq = {.n = 0}, req = {.n = 0}, b4 = {.n = 0};
	int_field(&req, 1, 5);
	int_field(&req, 2, 10);
	putbytes(&b4, "\x30\x82\x10\x00\xa0\x00", 6);
	tlv(&req, DER_CTX(4), &b4);
	tlv(&seq, DER_SEQUENCE, &req);
	m->n = 0;
	tlv(m, DER_APP(10), &seq);
}
static void mk_high_tag(struct mb *m)
{
	m->n = 0;
	putbytes(m, "\x7f\x8a\x01\x00", 4);
}

struct krb_case {
	const char *name;
	void (*make)(struct mb *);
	const char *anomaly;
	const char *principal; /* NULL: no observation */
	const char *realm;
	const char *service;
};

static const struct krb_case cases[] = {
	{"basic", mk_basic, NULL, "alice", "CORP.EXAMPLE.COM", "krbtgt/CORP.EXAMPLE.COM"},
	{"padata_long_form", mk_padata, NULL, "host/ws1.corp.example.com", "CORP.EXAMPLE.COM",
	 "krbtgt/CORP.EXAMPLE.COM"},
	{"utf8_no_sname", mk_utf8_no_sname, NULL, "alice", "CORP.EXAMPLE.COM", ""},
	{"control_bytes", mk_ctl, NULL, "bob?", "CORP.EXAMPLE.COM", "krbtgt/CORP.EXAMPLE.COM"},
	{"no_cname", mk_no_cname, NULL, NULL, NULL, NULL},
	{"tgs_req", mk_tgs_req, NULL, NULL, NULL, NULL},
	{"krb_error", mk_krb_error, NULL, NULL, NULL, NULL},
	{"bad_pvno", mk_bad_pvno, "bad_pvno", NULL, NULL, NULL},
	{"bad_msg_type", mk_bad_msg_type, "bad_msg_type", NULL, NULL, NULL},
	{"realm_octets", mk_realm_octets, "principal_malformed", NULL, NULL, NULL},
	{"not_kerberos", mk_not_krb, "not_kerberos", NULL, NULL, NULL},
	{"absurd_length", mk_absurd_len, "message_bad_length", NULL, NULL, NULL},
	{"length_5_bytes", mk_len_5_bytes, "message_bad_length", NULL, NULL, NULL},
	{"indefinite_length", mk_indefinite, "message_bad_length", NULL, NULL, NULL},
	{"inner_overrun", mk_inner_overrun, "req_body_malformed", NULL, NULL, NULL},
	{"high_tag_number", mk_high_tag, "not_kerberos", NULL, NULL, NULL},
};

static void run_udp(const uint8_t *p, size_t n, struct obs_log *log)
{
	struct dissect_ctx ctx = harness_ctx(log);
	void *st = dissector_kerberos.state_new(harness_open());
	assert_non_null(st);
	assert_int_equal(dissector_kerberos.parse(st, DIR_TO_SERVER, p, n, &ctx), DISSECT_MORE);
	dissector_kerberos.state_free(st);
}

static void check_case(const struct krb_case *tc, const struct obs_log *log)
{
	size_t k = 0;
	if (tc->principal) {
		assert_true(log->n >= 1);
		assert_int_equal(log->v[0].type, OBS_KERBEROS);
		assert_string_equal(log->v[0].u.kerberos.principal, tc->principal);
		assert_string_equal(log->v[0].u.kerberos.realm, tc->realm);
		assert_string_equal(log->v[0].u.kerberos.service, tc->service);
		k++;
	}
	if (tc->anomaly) {
		assert_true(log->n > k);
		assert_int_equal(log->v[k].type, OBS_ANOMALY);
		assert_string_equal(log->v[k].u.anomaly.dissector, "kerberos");
		assert_string_equal(log->v[k].u.anomaly.reason, tc->anomaly);
		k++;
	}
	assert_int_equal(log->n, k);
}

static void test_case(void **state)
{
	const struct krb_case *tc = *state;
	struct mb m = {.n = 0};
	struct obs_log log = {0};
	tc->make(&m);
	run_udp(m.b, m.n, &log);
	check_case(tc, &log);
	obs_log_free(&log);
}

/* Every cut: one anomaly, nothing else. */
static void truncated_one(const void *row, const uint8_t *p, size_t cut)
{
	(void)row;
	struct obs_log log = {0};
	run_udp(p, cut, &log);
	if (log.n != 1 || log.v[0].type != OBS_ANOMALY)
		fail_msg("cut at %zu: %zu observations", cut, log.n);
	obs_log_free(&log);
}

static void test_truncated(void **state)
{
	const struct krb_case *tc = *state;
	each_prefix(tc->make, tc, truncated_one);
}

/* Each byte of a valid AS-REQ set to every value: never a crash, never an
 * observation with an unterminated string. */
static void test_mutations(void **unused)
{
	(void)unused;
	struct mb m = {.n = 0};
	mk_padata(&m);
	unsigned runs = 0;
	for (size_t at = 0; at < m.n; at += 3) {
		for (unsigned v = 0; v < 256; v += 17) {
			uint8_t *p = malloc(m.n);
			assert_non_null(p);
			memcpy(p, m.b, m.n);
			p[at] = (uint8_t)v;
			struct obs_log log = {0};
			run_udp(p, m.n, &log);
			for (size_t k = 0; k < log.n; k++)
				if (log.v[k].type == OBS_KERBEROS) {
					assert_non_null(memchr(log.v[k].u.kerberos.principal, 0, AS_STR));
					assert_non_null(memchr(log.v[k].u.kerberos.realm, 0, AS_STR));
					assert_non_null(memchr(log.v[k].u.kerberos.service, 0, AS_STR));
				}
			assert_true(log.n <= 1);
			obs_log_free(&log);
			free(p);
			runs++;
		}
	}
	print_message("%u mutations\n", runs);
}

/* ---- TCP ---- */

static size_t record(uint8_t *dst, const struct mb *m)
{
	dst[0] = (uint8_t)(m->n >> 24);
	dst[1] = (uint8_t)(m->n >> 16);
	dst[2] = (uint8_t)(m->n >> 8);
	dst[3] = (uint8_t)m->n;
	memcpy(dst + 4, m->b, m->n);
	return m->n + 4;
}

/* Two AS-REQs (the second with long-form lengths) in one stream and a
 * KRB-ERROR the other way, each split at every byte. */
static void test_tcp_split(void **unused)
{
	(void)unused;
	struct mb a = {.n = 0}, b = {.n = 0}, e = {.n = 0};
	mk_basic(&a);
	mk_padata(&b);
	mk_krb_error(&e);
	static uint8_t up[4096], down[256];
	size_t n = record(up, &a);
	n += record(up + n, &b);
	size_t dn = record(down, &e);
	struct feed f[] = {{DIR_TO_SERVER, up, n}, {DIR_TO_CLIENT, down, dn}};
	struct obs_log log = harness_split_invariant(&dissector_kerberos_tcp, f, 2);
	assert_int_equal(log.n, 2);
	assert_string_equal(log.v[0].u.kerberos.principal, "alice");
	assert_string_equal(log.v[1].u.kerberos.principal, "host/ws1.corp.example.com");
	obs_log_free(&log);
}

static void feed_tcp(void *st, enum dissect_dir dir, const uint8_t *p, size_t n, struct obs_log *log)
{
	struct dissect_ctx ctx = harness_ctx(log);
	assert_int_equal(dissector_kerberos_tcp.parse(st, dir, p, n, &ctx), DISSECT_MORE);
}

/* Oversized record skipped, gap inside a record, reserved length bit. */
static void test_tcp_framing(void **unused)
{
	(void)unused;
	struct mb a = {.n = 0};
	mk_basic(&a);
	static uint8_t buf[4096];
	struct obs_log log = {0};

	/* A record longer than AS_KRB_MAX_MSG: skipped, the next one parsed. */
	void *st = dissector_kerberos_tcp.state_new(harness_open());
	const uint8_t big[4] = {0x00, 0x01, 0x20, 0x00}; /* 73728 */
	feed_tcp(st, DIR_TO_SERVER, big, 4, &log);
	static uint8_t zeros[73728];
	feed_tcp(st, DIR_TO_SERVER, zeros, sizeof zeros, &log);
	size_t n = record(buf, &a);
	feed_tcp(st, DIR_TO_SERVER, buf, n, &log);
	assert_int_equal(log.n, 2);
	assert_string_equal(log.v[0].u.anomaly.reason, "message_too_long");
	assert_int_equal(log.v[1].type, OBS_KERBEROS);
	obs_log_free(&log);
	dissector_kerberos_tcp.state_free(st);

	/* A gap inside a record costs that record only. */
	st = dissector_kerberos_tcp.state_new(harness_open());
	feed_tcp(st, DIR_TO_SERVER, buf, 10, &log);
	dissector_kerberos_tcp.gap(st, DIR_TO_SERVER, 20, NULL);
	feed_tcp(st, DIR_TO_SERVER, buf + 30, n - 30, &log);
	feed_tcp(st, DIR_TO_SERVER, buf, n, &log);
	feed_tcp(st, DIR_TO_SERVER, NULL, 0, &log);
	assert_int_equal(log.n, 1);
	assert_int_equal(log.v[0].type, OBS_KERBEROS);
	obs_log_free(&log);
	/* A gap across a record boundary loses the direction. */
	dissector_kerberos_tcp.gap(st, DIR_TO_SERVER, 10000, NULL);
	feed_tcp(st, DIR_TO_SERVER, buf, n, &log);
	assert_int_equal(log.n, 0);
	dissector_kerberos_tcp.state_free(st);

	/* The reserved high bit of the length. */
	st = dissector_kerberos_tcp.state_new(harness_open());
	buf[0] |= 0x80;
	feed_tcp(st, DIR_TO_SERVER, buf, n, &log);
	buf[0] &= 0x7f;
	feed_tcp(st, DIR_TO_SERVER, buf, n, &log);
	assert_int_equal(log.n, 1);
	assert_string_equal(log.v[0].u.anomaly.reason, "tcp_length_reserved_bit");
	obs_log_free(&log);
	dissector_kerberos_tcp.state_free(st);
}

static void add_probes(struct cases *c)
{
	static struct mb a, e, nk;
	mk_padata(&a);
	mk_krb_error(&e);
	mk_not_krb(&nk);
	static uint8_t rec[4096], erec[256];
	size_t rn = record(rec, &a), en = record(erec, &e);
	const struct probe_row t[] = {
		PROBE(&dissector_kerberos, TRANSPORT_UDP, 50000, 88, a.b, a.n, true),
		PROBE(&dissector_kerberos, TRANSPORT_UDP, 88, 50000, e.b, e.n, true),
		PROBE(&dissector_kerberos, TRANSPORT_UDP, 50000, 89, a.b, a.n, false),
		PROBE(&dissector_kerberos, TRANSPORT_UDP, 50000, 88, a.b, a.n - 1, false),
		PROBE(&dissector_kerberos, TRANSPORT_UDP, 50000, 88, nk.b, nk.n, false),
		PROBE(&dissector_kerberos, TRANSPORT_TCP, 50000, 88, a.b, a.n, false),
		PROBE(&dissector_kerberos_tcp, TRANSPORT_TCP, 50000, 88, rec, rn, true),
		PROBE(&dissector_kerberos_tcp, TRANSPORT_TCP, 50000, 88, rec, 8, true), /* first segment only */
		PROBE(&dissector_kerberos_tcp, TRANSPORT_TCP, 88, 50000, erec, en, true),
		PROBE(&dissector_kerberos_tcp, TRANSPORT_TCP, 50000, 88, rec, 4, false),
		PROBE(&dissector_kerberos_tcp, TRANSPORT_TCP, 50000, 88, a.b, a.n, false),
		PROBE(&dissector_kerberos_tcp, TRANSPORT_UDP, 50000, 88, rec, rn, false),
	};
	probe_rows_add(c, t, sizeof t / sizeof t[0]);
}

static void test_registry(void **unused)
{
	(void)unused;
	assert_ptr_equal(dissector_find("kerberos"), &dissector_kerberos);
	assert_ptr_equal(dissector_find("kerberos_tcp"), &dissector_kerberos_tcp);
}

/* ---- der.h ---- */

struct der_row {
	const char *name;
	const char *bytes;
	size_t n;
	bool ok;
	uint8_t tag;
	size_t len;
};

static const struct der_row der_rows[] = {
	{"integer", "\x02\x01\x05", 3, true, 0x02, 1},
	{"empty sequence", "\x30\x00", 2, true, 0x30, 0},
	{"long form 1 byte", "\x04\x81\x02xy", 5, true, 0x04, 2},
	{"long form 2 bytes", "\x04\x82\x00\x02xy", 6, true, 0x04, 2},
	{"long form 4 bytes", "\x04\x84\x00\x00\x00\x02xy", 8, true, 0x04, 2},
	{"5 length bytes", "\x04\x85\x00\x00\x00\x00\x02xy", 9, false, 0, 0},
	{"indefinite", "\x04\x80xy\x00\x00", 6, false, 0, 0},
	{"reserved", "\x04\xffxy", 4, false, 0, 0},
	{"past the input", "\x04\x03xy", 4, false, 0, 0},
	{"absurd", "\x04\x84\xff\xff\xff\xffxy", 8, false, 0, 0},
	{"high tag number", "\x1f\x81\x01\x00", 4, false, 0, 0},
	{"tag only", "\x04", 1, false, 0, 0},
	{"nothing", "", 0, false, 0, 0},
};

static void test_der_read(void **state)
{
	const struct der_row *r = *state;
	struct cur c = cur_make(r->bytes, r->n);
	struct der_tlv v;
	bool ok = der_read(&c, &v);
	assert_int_equal(ok, r->ok);
	if (ok) {
		assert_int_equal(v.tag, r->tag);
		assert_int_equal(cur_len(&v.val), r->len);
		assert_int_equal(cur_len(&c), 0);
	} else {
		assert_int_equal(cur_len(&c), r->n); /* unchanged */
	}
}

static void test_der(void **unused)
{
	(void)unused;
	int64_t v;
	assert_true(der_int(cur_make("\xff", 1), &v));
	assert_int_equal(v, -1);
	assert_true(der_int(cur_make("\x00\x80", 2), &v));
	assert_int_equal(v, 128);
	assert_true(der_int(cur_make("\x80\x00\x00\x00\x00\x00\x00\x00", 8), &v));
	assert_true(v == INT64_MIN);
	assert_false(der_int(cur_make("", 0), &v));
	assert_false(der_int(cur_make("\x01\x02\x03\x04\x05\x06\x07\x08\x09", 9), &v));

	/* Depth cap: 20 nested SEQUENCEs. */
	struct mb m = {.n = 0};
	struct mb inner = {.n = 0};
	for (int i = 0; i < 20; i++) {
		m.n = 0;
		tlv(&m, DER_SEQUENCE, &inner);
		inner = m;
	}
	assert_int_equal(der_check(cur_make(m.b, m.n), 32), AS_OK);
	assert_int_equal(der_check(cur_make(m.b, m.n), 8), AS_ERR_LIMIT);
	m.b[m.n - 1] = 0x05; /* the innermost length now lies */
	assert_int_equal(der_check(cur_make(m.b, m.n), 32), AS_ERR_MALFORMED);
	struct mb a = {.n = 0};
	mk_padata(&a);
	assert_int_equal(der_check(cur_make(a.b, a.n), AS_DER_MAX_DEPTH), AS_OK);
}

int main(void)
{
	struct cases t = {0};
	CASE_ROWS(&t, test_case, cases, name);
	CASE_ROWS(&t, test_truncated, cases, name);
	CASE(&t, test_mutations);
	CASE(&t, test_tcp_split);
	CASE(&t, test_tcp_framing);
	add_probes(&t);
	CASE(&t, test_registry);
	CASE_ROWS(&t, test_der_read, der_rows, name);
	CASE(&t, test_der);
	return cases_main(&t, "kerberos");
}
