/* test_dns.c — DNS dissector: crafted messages (table), truncation at every
 * offset, TCP framing split at every byte, probes, and public captures. */
#include <arpa/inet.h>
#include "dissector.h"
#include "msg_fixture.h"

extern const struct dissector dissector_dns;
extern const struct dissector dissector_dns_tcp;

/* ---- names and resource records ---- */

/* Labels then a compression pointer. */
static void putname_ptr(struct mb *m, const char *labels, unsigned off)
{
	while (labels && *labels) {
		const char *dot = strchr(labels, '.');
		size_t l = dot ? (size_t)(dot - labels) : strlen(labels);
		put8(m, (unsigned)l);
		putbytes(m, labels, l);
		labels += l + (dot ? 1 : 0);
	}
	put16(m, 0xc000 | off);
}
/* RR fixed part after an owner name already written. */
static void rr_fixed(struct mb *m, unsigned type, uint32_t ttl, unsigned rdlen)
{
	put16(m, type);
	put16(m, 1);
	put32(m, ttl);
	put16(m, rdlen);
}
static void rr_a(struct mb *m, uint32_t ttl, const char *ip)
{
	uint8_t a[4];
	assert_int_equal(inet_pton(AF_INET, ip, a), 1);
	rr_fixed(m, 1, ttl, 4);
	putbytes(m, a, 4);
}
static void rr_aaaa(struct mb *m, uint32_t ttl, const char *ip)
{
	uint8_t a[16];
	assert_int_equal(inet_pton(AF_INET6, ip, a), 1);
	rr_fixed(m, 28, ttl, 16);
	putbytes(m, a, 16);
}
/* CNAME whose target is written uncompressed. */
static void rr_cname(struct mb *m, uint32_t ttl, const char *target)
{
	struct mb t = {.n = 0};
	putname(&t, target);
	rr_fixed(m, 5, ttl, (unsigned)t.n);
	putbytes(m, t.b, t.n);
}

/* ---- crafted cases ---- */

#define Q_OFF 12 /* offset of the first question name */

static void mk_query(struct mb *m)
{
	hdr(m, 0x1234, 0x0100, 1, 0, 0, 0);
	question(m, "WWW.Example.COM", 1);
}

static void mk_a_compressed(struct mb *m)
{
	hdr(m, 0x1234, 0x8180, 1, 1, 0, 0);
	question(m, "www.example.com", 1);
	putname_ptr(m, NULL, Q_OFF);
	rr_a(m, 3600, "93.184.216.34");
}

/* api.openai.com CNAME edge.cdn.net; edge.cdn.net CNAME z.cdn.net (compressed
 * against the previous target); z.cdn.net A x2; an unrelated A in between. */
static void mk_cname_chain(struct mb *m)
{
	hdr(m, 7, 0x8180, 1, 5, 0, 0);
	question(m, "api.openai.com", 1);
	putname_ptr(m, NULL, Q_OFF);
	size_t rd = m->n + 10; /* rdata offset of this CNAME */
	rr_cname(m, 300, "edge.cdn.net");
	putname_ptr(m, NULL, (unsigned)rd);
	rr_fixed(m, 5, 300, 4);
	put8(m, 1);
	put8(m, 'z');
	put16(m, 0xc000 | (unsigned)(rd + 5)); /* "cdn.net" inside edge.cdn.net */
	putname(m, "other.example");
	rr_a(m, 60, "10.9.9.9");
	putname(m, "Z.cdn.NET");
	rr_a(m, 20, "1.2.3.4");
	putname(m, "z.cdn.net");
	rr_a(m, 0x80000001u, "5.6.7.8"); /* TTL with the MSB set reads as 0 */
}

/* The same chain in reverse order. */
static void mk_cname_unordered(struct mb *m)
{
	hdr(m, 8, 0x8180, 1, 3, 0, 0);
	question(m, "a.example", 28);
	putname(m, "c.example");
	rr_aaaa(m, 5, "2001:db8::1");
	putname(m, "b.example");
	rr_cname(m, 5, "c.example");
	putname(m, "a.example");
	rr_cname(m, 5, "b.example");
}

static void mk_aaaa(struct mb *m)
{
	hdr(m, 9, 0x8180, 1, 2, 0, 1);
	question(m, "v6.example", 28);
	putname_ptr(m, NULL, Q_OFF);
	rr_aaaa(m, 120, "2001:db8::1");
	putname_ptr(m, NULL, Q_OFF);
	rr_aaaa(m, 120, "2001:db8::2");
	/* EDNS OPT in the additional section */
	put8(m, 0);
	put16(m, 41);
	put16(m, 4096);
	put32(m, 0);
	put16(m, 0);
}

static void mk_nxdomain(struct mb *m)
{
	hdr(m, 10, 0x8183, 1, 0, 1, 0);
	question(m, "nope.example", 1);
	putname(m, "example");
	rr_fixed(m, 6, 60, 3); /* SOA, rdata opaque here */
	putbytes(m, "abc", 3);
}

/* mDNS announcement: no question, first answer names the host. */
static void mk_mdns(struct mb *m)
{
	hdr(m, 0, 0x8400, 0, 2, 0, 0);
	putname(m, "Build-07.local");
	put16(m, 1);
	put16(m, 0x8001); /* cache-flush + IN */
	put32(m, 120);
	put16(m, 4);
	putbytes(m, "\xc0\xa8\x01\x05", 4);
	putname_ptr(m, NULL, Q_OFF);
	rr_aaaa(m, 120, "fe80::1");
}

static void mk_odd_chars(struct mb *m)
{
	hdr(m, 11, 0x0100, 1, 0, 0, 0);
	put8(m, 3);
	putbytes(m, "a\x01" "b", 3);
	put8(m, 3);
	putbytes(m, "x.y", 3);
	put8(m, 2);
	putbytes(m, "\xc3\xa9", 2);
	put8(m, 0);
	put16(m, 1);
	put16(m, 1);
}

static void mk_root(struct mb *m)
{
	hdr(m, 12, 0x0100, 1, 0, 0, 0);
	question(m, "", 2);
}

/* 3 x 63 + 61 octet labels: 255 octets on the wire, the maximum. */
static void mk_name_255(struct mb *m)
{
	char name[300];
	memset(name, 'a', sizeof name);
	name[63] = name[127] = name[191] = '.';
	name[191 + 62] = '\0';
	hdr(m, 13, 0x0100, 1, 0, 0, 0);
	question(m, name, 1);
}

static void mk_name_256(struct mb *m)
{
	char name[300];
	memset(name, 'a', sizeof name);
	name[63] = name[127] = name[191] = '.';
	name[191 + 63] = '\0';
	hdr(m, 14, 0x0100, 1, 0, 0, 0);
	question(m, name, 1);
}

static void mk_label_64(struct mb *m)
{
	hdr(m, 15, 0x0100, 1, 0, 0, 0);
	put8(m, 64);
	for (int i = 0; i < 64; i++)
		put8(m, 'a');
	put8(m, 0);
	put16(m, 1);
	put16(m, 1);
}

static void mk_forward_ptr(struct mb *m)
{
	hdr(m, 16, 0x0100, 1, 0, 0, 0);
	putname_ptr(m, "www", 0x30);
	put16(m, 1);
	put16(m, 1);
	for (int i = 0; i < 40; i++)
		put8(m, 0);
}

static void mk_self_ptr(struct mb *m)
{
	hdr(m, 17, 0x8180, 1, 1, 0, 0);
	question(m, "x.example", 1);
	size_t here = m->n;
	putname_ptr(m, NULL, (unsigned)here); /* points at itself */
	rr_a(m, 1, "1.1.1.1");
}

/* Backward pointers forming a loop: the answer owner points at an earlier
 * name "b" + pointer, whose pointer leads back to just before itself. */
static void mk_ptr_loop(struct mb *m)
{
	hdr(m, 18, 0x8180, 1, 2, 0, 0);
	question(m, "x.example", 1);
	/* answer 1: opaque type whose rdata holds: label "b", pointer -> rdata start */
	putname_ptr(m, NULL, Q_OFF);
	rr_fixed(m, 0xff00, 1, 4);
	size_t rd = m->n;
	put8(m, 1);
	put8(m, 'b');
	put16(m, 0xc000 | (unsigned)rd);
	/* answer 2 owner points into that rdata */
	putname_ptr(m, NULL, (unsigned)rd);
	rr_a(m, 1, "1.1.1.1");
}

/* A chain of n compression pointers ending at the root (Q_OFF holds a root
 * question name), stored in the rdata of an opaque record. */
static void mk_ptr_chain(struct mb *m, unsigned n)
{
	hdr(m, 19, 0x8180, 1, 2, 0, 0);
	question(m, "", 1);
	put8(m, 0);
	rr_fixed(m, 0xff00, 1, 2 * (n - 1));
	size_t first = m->n;
	for (unsigned i = 0; i + 1 < n; i++)
		put16(m, 0xc000 | (unsigned)(i == 0 ? Q_OFF : first + 2 * (i - 1)));
	putname_ptr(m, NULL, (unsigned)(first + 2 * (n - 2)));
	rr_fixed(m, 0xff01, 1, 0);
}
static void mk_ptr_32(struct mb *m) { mk_ptr_chain(m, AS_DNS_MAX_POINTERS); }
static void mk_ptr_33(struct mb *m) { mk_ptr_chain(m, AS_DNS_MAX_POINTERS + 1); }

static void mk_bad_rdlen(struct mb *m)
{
	hdr(m, 20, 0x8180, 1, 1, 0, 0);
	question(m, "x.example", 1);
	putname_ptr(m, NULL, Q_OFF);
	rr_fixed(m, 1, 1, 5);
	putbytes(m, "\x01\x02\x03\x04\x05", 5);
}

static void mk_cname_loop(struct mb *m)
{
	hdr(m, 21, 0x8180, 1, 3, 0, 0);
	question(m, "a.example", 1);
	putname(m, "a.example");
	rr_cname(m, 5, "b.example");
	putname(m, "b.example");
	rr_cname(m, 5, "a.example");
	putname(m, "b.example");
	rr_a(m, 5, "9.9.9.9");
}

static void mk_many_answers(struct mb *m)
{
	hdr(m, 22, 0x8180, 1, 20, 0, 0);
	question(m, "many.example", 1);
	for (unsigned i = 0; i < 20; i++) {
		char ip[32];
		snprintf(ip, sizeof ip, "10.0.0.%u", i + 1);
		putname_ptr(m, NULL, Q_OFF);
		rr_a(m, 30, ip);
	}
}

static void mk_short(struct mb *m)
{
	m->n = 0;
	putbytes(m, "\x12\x34\x01\x00\x00\x01\x00\x00\x00", 9);
}

static void mk_count_lies(struct mb *m)
{
	hdr(m, 23, 0x8180, 1, 2, 0, 0); /* says 2 answers, carries 1 */
	question(m, "x.example", 1);
	putname_ptr(m, NULL, Q_OFF);
	rr_a(m, 1, "1.1.1.1");
}

struct want_answer {
	uint8_t family;
	const char *ip;
	uint32_t ttl;
};

struct dns_case {
	const char *name;
	void (*make)(struct mb *m);
	const char *anomaly; /* NULL: a DNS observation is expected */
	const char *note;    /* anomaly expected after the observation */
	bool response;
	uint16_t id, qtype;
	uint8_t rcode;
	const char *qname;
	unsigned n_answers;
	struct want_answer answers[4]; /* first few checked */
};

static const struct dns_case cases[] = {
	{"query", mk_query, NULL, NULL, false, 0x1234, 1, 0, "www.example.com", 0, {{0}}},
	{"a_compressed", mk_a_compressed, NULL, NULL, true, 0x1234, 1, 0, "www.example.com", 1,
	 {{4, "93.184.216.34", 3600}}},
	{"cname_chain", mk_cname_chain, NULL, NULL, true, 7, 1, 0, "api.openai.com", 2,
	 {{4, "1.2.3.4", 20}, {4, "5.6.7.8", 0}}},
	{"cname_unordered", mk_cname_unordered, NULL, NULL, true, 8, 28, 0, "a.example", 1,
	 {{6, "2001:db8::1", 5}}},
	{"aaaa_edns", mk_aaaa, NULL, NULL, true, 9, 28, 0, "v6.example", 2,
	 {{6, "2001:db8::1", 120}, {6, "2001:db8::2", 120}}},
	{"nxdomain", mk_nxdomain, NULL, NULL, true, 10, 1, 3, "nope.example", 0, {{0}}},
	{"mdns_no_question", mk_mdns, NULL, NULL, true, 0, 0, 0, "build-07.local", 2,
	 {{4, "192.168.1.5", 120}, {6, "fe80::1", 120}}},
	{"odd_chars", mk_odd_chars, NULL, NULL, false, 11, 1, 0, "a?b.x?y.??", 0, {{0}}},
	{"root", mk_root, NULL, NULL, false, 12, 2, 0, "", 0, {{0}}},
	{"name_255", mk_name_255, NULL, NULL, false, 13, 1, 0, NULL, 0, {{0}}},
	{"ptr_chain_max", mk_ptr_32, NULL, NULL, true, 19, 1, 0, "", 0, {{0}}},
	{"cname_loop", mk_cname_loop, NULL, "cname_chain_cap", true, 21, 1, 0, "a.example", 0, {{0}}},
	{"many_answers", mk_many_answers, NULL, "answers_cap", true, 22, 1, 0, "many.example",
	 AS_DNS_MAX_ANSWERS, {{4, "10.0.0.1", 30}, {4, "10.0.0.2", 30}}},
	{"name_256", mk_name_256, "name_too_long", NULL, false, 0, 0, 0, NULL, 0, {{0}}},
	{"label_64", mk_label_64, "name_bad_label_type", NULL, false, 0, 0, 0, NULL, 0, {{0}}},
	{"forward_ptr", mk_forward_ptr, "name_pointer_forward", NULL, false, 0, 0, 0, NULL, 0, {{0}}},
	{"self_ptr", mk_self_ptr, "name_pointer_forward", NULL, false, 0, 0, 0, NULL, 0, {{0}}},
	{"ptr_loop", mk_ptr_loop, "name_pointer_loop", NULL, false, 0, 0, 0, NULL, 0, {{0}}},
	{"ptr_chain_over", mk_ptr_33, "name_pointer_limit", NULL, false, 0, 0, 0, NULL, 0, {{0}}},
	{"bad_rdlen", mk_bad_rdlen, "bad_rdata_length", NULL, false, 0, 0, 0, NULL, 0, {{0}}},
	{"short_header", mk_short, "header_truncated", NULL, false, 0, 0, 0, NULL, 0, {{0}}},
	{"count_lies", mk_count_lies, "name_truncated", NULL, false, 0, 0, 0, NULL, 0, {{0}}},
};

static int run_udp(const uint8_t *p, size_t n, struct obs_log *log)
{
	struct dissect_ctx ctx = harness_ctx(log);
	void *st = dissector_dns.state_new(harness_open());
	assert_non_null(st);
	int r = dissector_dns.parse(st, DIR_TO_SERVER, p, n, &ctx);
	dissector_dns.state_free(st);
	return r;
}

static void check_answer(const struct obs_dns_answer *got, const struct want_answer *w)
{
	uint8_t a[16] = {0};
	assert_int_equal(got->family, w->family);
	assert_int_equal(inet_pton(w->family == 4 ? AF_INET : AF_INET6, w->ip, a), 1);
	assert_memory_equal(got->addr, a, w->family == 4 ? 4 : 16);
	assert_int_equal(got->ttl, w->ttl);
}

static void test_case(void **state)
{
	const struct dns_case *tc = *state;
	struct mb m = {.n = 0};
	struct obs_log log = {0};
	tc->make(&m);
	int r = run_udp(m.b, m.n, &log);
	if (tc->anomaly) {
		assert_true(r < 0);
		assert_int_equal(log.n, 1);
		assert_int_equal(log.v[0].type, OBS_ANOMALY);
		assert_string_equal(log.v[0].u.anomaly.dissector, "dns");
		assert_string_equal(log.v[0].u.anomaly.reason, tc->anomaly);
		obs_log_free(&log);
		return;
	}
	assert_int_equal(r, DISSECT_MORE);
	assert_int_equal(log.n, tc->note ? 2 : 1);
	const struct obs_dns *d = &log.v[0].u.dns;
	assert_int_equal(log.v[0].type, OBS_DNS);
	assert_int_equal(d->response, tc->response);
	assert_int_equal(d->id, tc->id);
	assert_int_equal(d->qtype, tc->qtype);
	assert_int_equal(d->rcode, tc->rcode);
	if (tc->qname)
		assert_string_equal(d->qname, tc->qname);
	else
		assert_int_equal(strlen(d->qname), 253);
	assert_int_equal(d->n_answers, tc->n_answers);
	for (unsigned k = 0; k < tc->n_answers && k < 4 && tc->answers[k].family; k++)
		check_answer(&d->answers[k], &tc->answers[k]);
	if (tc->note) {
		assert_int_equal(log.v[1].type, OBS_ANOMALY);
		assert_string_equal(log.v[1].u.anomaly.reason, tc->note);
	}
	obs_log_free(&log);
}

/* Every strict prefix of a valid message is one anomaly and nothing else. */
static void truncated_one(const void *row, const uint8_t *p, size_t cut)
{
	(void)row;
	struct obs_log log = {0};
	int r = run_udp(p, cut, &log);
	if (log.n != 1 || log.v[0].type != OBS_ANOMALY || r >= 0)
		fail_msg("cut at %zu: %zu observations, r=%d", cut, log.n, r);
	obs_log_free(&log);
}

static void test_truncated(void **state)
{
	const struct dns_case *tc = *state;
	each_prefix(tc->make, tc, truncated_one);
}

/* ---- TCP ---- */

static size_t tcp_frame(uint8_t *dst, const struct mb *m)
{
	dst[0] = (uint8_t)(m->n >> 8);
	dst[1] = (uint8_t)m->n;
	memcpy(dst + 2, m->b, m->n);
	return m->n + 2;
}

static void test_tcp_split(void **unused)
{
	(void)unused;
	static uint8_t cli[1024], srv[1024];
	struct mb m = {.n = 0};
	size_t nc = 0, ns = 0;
	mk_query(&m);
	nc += tcp_frame(cli + nc, &m);
	mk_aaaa(&m);
	m.b[2] &= 0x7f; /* as a query with answers: still parses */
	nc += tcp_frame(cli + nc, &m);
	mk_a_compressed(&m);
	ns += tcp_frame(srv + ns, &m);
	mk_cname_chain(&m);
	ns += tcp_frame(srv + ns, &m);
	struct feed f[] = {{DIR_TO_SERVER, cli, nc}, {DIR_TO_CLIENT, srv, ns}};
	struct obs_log log = harness_split_invariant(&dissector_dns_tcp, f, 2);
	assert_int_equal(log.n, 4);
	assert_string_equal(log.v[0].u.dns.qname, "www.example.com");
	assert_false(log.v[0].u.dns.response);
	assert_string_equal(log.v[1].u.dns.qname, "v6.example");
	assert_int_equal(log.v[1].u.dns.n_answers, 2);
	assert_string_equal(log.v[2].u.dns.qname, "www.example.com");
	assert_int_equal(log.v[2].u.dns.n_answers, 1);
	assert_string_equal(log.v[3].u.dns.qname, "api.openai.com");
	assert_int_equal(log.v[3].u.dns.n_answers, 2);
	obs_log_free(&log);
}

/* Byte-at-a-time delivery, a zero-length message, and a gap inside a message
 * that costs that message only. */
static void test_tcp_bytewise_and_gap(void **unused)
{
	(void)unused;
	uint8_t s[1024];
	struct mb m = {.n = 0};
	size_t n = 0;
	mk_query(&m);
	n += tcp_frame(s + n, &m);
	s[n++] = 0; /* zero-length message: one anomaly */
	s[n++] = 0;
	n += tcp_frame(s + n, &m);

	struct obs_log log = {0};
	struct dissect_ctx ctx = harness_ctx(&log);
	void *st = dissector_dns_tcp.state_new(harness_open());
	for (size_t i = 0; i < n; i++)
		(void)dissector_dns_tcp.parse(st, DIR_TO_SERVER, s + i, 1, &ctx);
	assert_int_equal(log.n, 3);
	assert_int_equal(log.v[0].type, OBS_DNS);
	assert_int_equal(log.v[1].type, OBS_ANOMALY);
	assert_int_equal(log.v[2].type, OBS_DNS);

	/* gap of 5 bytes inside the next message: the one after it parses */
	size_t one = tcp_frame(s, &m);
	(void)dissector_dns_tcp.parse(st, DIR_TO_SERVER, s, 7, &ctx);
	dissector_dns_tcp.gap(st, DIR_TO_SERVER, 5, &ctx);
	assert_int_equal(dissector_dns_tcp.parse(st, DIR_TO_SERVER, s + 12, one - 12, &ctx), DISSECT_MORE);
	assert_int_equal(dissector_dns_tcp.parse(st, DIR_TO_SERVER, s, one, &ctx), DISSECT_MORE);
	assert_int_equal(log.n, 4);
	assert_int_equal(log.v[3].type, OBS_DNS);

	/* gap across a boundary: framing lost, direction ignored, no crash */
	dissector_dns_tcp.gap(st, DIR_TO_SERVER, one + 3, &ctx);
	assert_int_equal(dissector_dns_tcp.parse(st, DIR_TO_SERVER, s, one, &ctx), DISSECT_MORE);
	assert_int_equal(log.n, 4);
	dissector_dns_tcp.state_free(st);
	obs_log_free(&log);
}

/* ---- probes ---- */

static void add_probes(struct cases *c)
{
	static struct mb q, r;
	static uint8_t framed[600];
	static const uint8_t tls[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\x00\x00\x00\x00\x00";
	static const uint8_t http[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	mk_query(&q);
	mk_cname_chain(&r);
	size_t fl = tcp_frame(framed, &q);
	const struct probe_row t[] = {
		PROBE(&dissector_dns, TRANSPORT_UDP, 40000, 53, q.b, q.n, true),
		PROBE(&dissector_dns, TRANSPORT_UDP, 53, 40000, r.b, r.n, true),
		PROBE(&dissector_dns, TRANSPORT_UDP, 5353, 5353, r.b, r.n, true),
		PROBE(&dissector_dns, TRANSPORT_UDP, 40000, 5355, q.b, q.n, true),
		PROBE(&dissector_dns, TRANSPORT_UDP, 40000, 443, q.b, q.n, false),
		PROBE(&dissector_dns, TRANSPORT_TCP, 40000, 53, q.b, q.n, false),
		PROBE(&dissector_dns, TRANSPORT_UDP, 40000, 53, q.b, 11, false),
		PROBE(&dissector_dns, TRANSPORT_UDP, 40000, 53, tls, sizeof tls - 1, false),
		PROBE(&dissector_dns, TRANSPORT_UDP, 40000, 53, http, sizeof http - 1, false),
		PROBE(&dissector_dns_tcp, TRANSPORT_TCP, 40000, 53, framed, fl, true),
		PROBE(&dissector_dns_tcp, TRANSPORT_TCP, 40000, 53, framed, 14, true),
		PROBE(&dissector_dns_tcp, TRANSPORT_TCP, 40000, 53, framed, 13, false),
		PROBE(&dissector_dns_tcp, TRANSPORT_TCP, 40000, 53, q.b, q.n, false),
		PROBE(&dissector_dns_tcp, TRANSPORT_UDP, 40000, 53, framed, fl, false),
		PROBE(&dissector_dns_tcp, TRANSPORT_TCP, 40000, 53, http, sizeof http - 1, false),
	};
	probe_rows_add(c, t, sizeof t / sizeof t[0]);
}

static void test_registry(void **unused)
{
	(void)unused;
	assert_ptr_equal(dissector_find("dns"), &dissector_dns);
	assert_ptr_equal(dissector_find("dns_tcp"), &dissector_dns_tcp);
}

/* ---- public captures ---- */

struct pcap_dns {
	unsigned messages, queries, responses, anomalies;
	struct obs_log log;
};

struct dns_feed {
	struct dissect_ctx ctx;
	void *st;
};

static void feed_dns_port(void *user, const struct pw_pkt *k)
{
	struct dns_feed *f = user;
	if (k->sport != 53 && k->dport != 53 && k->sport != 5353 && k->dport != 5353 && k->sport != 5355 &&
	    k->dport != 5355)
		return;
	(void)dissector_dns.parse(f->st, DIR_TO_SERVER, k->payload, k->len, &f->ctx);
}

/* Feeds every UDP datagram to or from a DNS port to the UDP dissector. */
static void run_pcap(const char *rel, struct pcap_dns *out)
{
	pcap_t *pc = pw_open(rel);
	memset(out, 0, sizeof *out);
	struct dns_feed f = {harness_ctx(&out->log), dissector_dns.state_new(harness_open())};
	pw_each_udp(pc, feed_dns_port, &f);
	dissector_dns.state_free(f.st);
	for (size_t i = 0; i < out->log.n; i++) {
		if (out->log.v[i].type == OBS_ANOMALY) {
			out->anomalies++;
			continue;
		}
		out->messages++;
		if (out->log.v[i].u.dns.response)
			out->responses++;
		else
			out->queries++;
	}
}

static const struct obs_dns *find_dns(const struct pcap_dns *r, bool response, uint16_t id)
{
	for (size_t i = 0; i < r->log.n; i++)
		if (r->log.v[i].type == OBS_DNS && r->log.v[i].u.dns.response == response &&
		    r->log.v[i].u.dns.id == id)
			return &r->log.v[i].u.dns;
	fail_msg("no %s with id %u", response ? "response" : "query", id);
	return NULL;
}

/* suricata-verify dns-eve: test.yaml expects 4 requests and 4 responses.
 * Names/answers from `tcpdump -nn -vv -r input.pcap`:
 *   39339 A? client-cf.dropbox.com -> A 52.85.112.21
 *   3407  A? block.dropbox.com -> CNAME block.g1.dropbox.com, A 45.58.70.33
 *   44779 A? codemonkey.net (+OPT) -> A 104.131.202.103
 *   14681 A? client-cf.dropbox.com -> A 52.85.112.21 */
static void test_pcap_suricata_dns_eve(void **unused)
{
	(void)unused;
	struct pcap_dns r;
	run_pcap("suricata-verify/tests/dns/dns-eve/input.pcap", &r);
	assert_int_equal(r.anomalies, 0);
	assert_int_equal(r.queries, 4);
	assert_int_equal(r.responses, 4);
	const struct obs_dns *d = find_dns(&r, true, 3407);
	assert_string_equal(d->qname, "block.dropbox.com");
	assert_int_equal(d->qtype, 1);
	assert_int_equal(d->n_answers, 1);
	struct want_answer block = {4, "45.58.70.33", 0};
	block.ttl = d->answers[0].ttl;
	check_answer(&d->answers[0], &block);
	d = find_dns(&r, true, 39339);
	assert_string_equal(d->qname, "client-cf.dropbox.com");
	assert_int_equal(d->n_answers, 1);
	struct want_answer cf = {4, "52.85.112.21", d->answers[0].ttl};
	check_answer(&d->answers[0], &cf);
	d = find_dns(&r, true, 44779);
	assert_string_equal(d->qname, "codemonkey.net");
	struct want_answer cm = {4, "104.131.202.103", d->answers[0].ttl};
	check_answer(&d->answers[0], &cm);
	d = find_dns(&r, false, 14681);
	assert_string_equal(d->qname, "client-cf.dropbox.com");
	assert_int_equal(d->n_answers, 0);
	obs_log_free(&r.log);
}

/* nDPI dns.pcap (Ethernet, two packets inside QinQ + PPPoE). nDPI's
 * result file names e7.whatsapp.net and www.l.google.com; answers from
 * `tcpdump -nn -vv -r dns.pcap`: 30787 A? e7.whatsapp.net -> 8 A records,
 * 48159 AAAA? www.example.com -> 0/0/0, 56482 AAAA? www.l.google.com. */
static void test_pcap_ndpi_dns(void **unused)
{
	(void)unused;
	struct pcap_dns r;
	run_pcap("ndpi/pcap/dns.pcap", &r);
	assert_int_equal(r.anomalies, 0);
	assert_int_equal(r.messages, 5);
	const struct obs_dns *d = find_dns(&r, true, 30787);
	assert_string_equal(d->qname, "e7.whatsapp.net");
	assert_int_equal(d->n_answers, 8);
	struct want_answer first = {4, "169.45.219.235", d->answers[0].ttl};
	struct want_answer last = {4, "169.45.219.232", d->answers[7].ttl};
	check_answer(&d->answers[0], &first);
	check_answer(&d->answers[7], &last);
	d = find_dns(&r, true, 56482);
	assert_string_equal(d->qname, "www.l.google.com");
	assert_int_equal(d->qtype, 28);
	d = find_dns(&r, false, 48159);
	assert_string_equal(d->qname, "www.example.com");
	obs_log_free(&r.log);
}

/* Zeek dns/ech.pcap (raw IPv6) and dns-svcb.pcap (BSD loopback): HTTPS/SVCB
 * queries (types 65, 64) for the names the Zeek baselines cover; no A/AAAA.
 * An HTTPS answer's address hints are answers (defo.ie: ipv4hint
 * 213.108.108.101, ipv6hint 2a00:c6c0:0:116:5::10, and an ECH
 * configuration; cloudflare-ech.com: alpn h3,h2, ipv4hint 104.18.10.118 and
 * 104.18.11.118, two ipv6hints, ECH — as tshark shows). */
static void test_pcap_zeek_ech(void **unused)
{
	(void)unused;
	struct pcap_dns r;
	run_pcap("zeek/Traces/dns/ech.pcap", &r);
	assert_int_equal(r.anomalies, 0);
	assert_int_equal(r.queries, 2);
	assert_int_equal(r.responses, 2);
	const struct obs_dns *d = find_dns(&r, true, 63307);
	assert_string_equal(d->qname, "defo.ie");
	assert_int_equal(d->qtype, 65);
	assert_int_equal(d->n_answers, 2);
	check_answer(&d->answers[0], &(struct want_answer){4, "213.108.108.101", d->answers[0].ttl});
	check_answer(&d->answers[1], &(struct want_answer){6, "2a00:c6c0:0:116:5::10", d->answers[1].ttl});
	assert_true(d->svcb && d->svcb_ech && !d->svcb_h3);
	d = find_dns(&r, true, 6096);
	assert_string_equal(d->qname, "cloudflare-ech.com");
	assert_true(d->svcb && d->svcb_h3 && d->svcb_ech);
	assert_int_equal(d->n_answers, 4);
	check_answer(&d->answers[1], &(struct want_answer){4, "104.18.11.118", d->answers[1].ttl});
	obs_log_free(&r.log);
}

static void test_pcap_zeek_svcb(void **unused)
{
	(void)unused;
	struct pcap_dns r;
	run_pcap("zeek/Traces/dns-svcb.pcap", &r);
	const struct obs_dns *d;
	assert_int_equal(r.anomalies, 0);
	assert_int_equal(r.messages, 2);
	d = find_dns(&r, true, 51556);
	assert_string_equal(d->qname, "example.com");
	assert_int_equal(d->qtype, 64);
	obs_log_free(&r.log);
}

int main(void)
{
	struct cases t = {0};
	CASE_ROWS(&t, test_case, cases, name);
	CASE_ROWS(&t, test_truncated, cases, name);
	CASE(&t, test_tcp_split);
	CASE(&t, test_tcp_bytewise_and_gap);
	add_probes(&t);
	CASE(&t, test_registry);
	CASE(&t, test_pcap_suricata_dns_eve);
	CASE(&t, test_pcap_ndpi_dns);
	CASE(&t, test_pcap_zeek_ech);
	CASE(&t, test_pcap_zeek_svcb);
	return cases_main(&t, "dns");
}
