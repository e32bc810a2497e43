/* test_hostname.c — host names from name services (OBS_HOST_NAME): mDNS and
 * LLMNR answers and DNS PTR answers (dns.c), NetBIOS name registrations and
 * responses (netbios.c). Crafted messages (table), every truncation, PTR
 * over TCP split at every byte, probes, and public captures whose name
 * traffic is queries only (no names may come out of them). */
#include <arpa/inet.h>
#include "dissector.h"
#include "msg_fixture.h"

extern const struct dissector dissector_dns;
extern const struct dissector dissector_dns_tcp;
extern const struct dissector dissector_mdns;
extern const struct dissector dissector_llmnr;
extern const struct dissector dissector_nbns;

/* ---- resource records ---- */

static void rr_fixed(struct mb *m, unsigned type, unsigned cls, uint32_t ttl, unsigned rdlen)
{
	put16(m, type);
	put16(m, cls);
	put32(m, ttl);
	put16(m, rdlen);
}
static void rr_addr(struct mb *m, const char *owner, unsigned cls, uint32_t ttl, const char *ip)
{
	uint8_t a[16];
	bool v6 = strchr(ip, ':') != NULL;
	assert_int_equal(inet_pton(v6 ? AF_INET6 : AF_INET, ip, a), 1);
	putname(m, owner);
	rr_fixed(m, v6 ? 28 : 1, cls, ttl, v6 ? 16 : 4);
	putbytes(m, a, v6 ? 16 : 4);
}
static void rr_name(struct mb *m, const char *owner, unsigned type, uint32_t ttl, const char *target)
{
	struct mb t = {.n = 0};
	putname(&t, target);
	if (owner)
		putname(m, owner);
	rr_fixed(m, type, 1, ttl, (unsigned)t.n);
	putbytes(m, t.b, t.n);
}

#define Q_OFF 12

/* ---- mDNS ---- */

/* Announcement: A + AAAA + reverse PTR + a service PTR and SRV; the host's
 * address again in the additional section, and an unrelated A. */
static void mk_mdns_announce(struct mb *m)
{
	hdr(m, 0, 0x8400, 0, 5, 0, 2);
	rr_addr(m, "Build-07.local", 0x8001, 120, "192.168.1.5");
	rr_addr(m, "Build-07.local", 0x8001, 120, "fe80::1");
	rr_name(m, "5.1.168.192.in-addr.arpa", 12, 120, "Build-07.local");
	rr_name(m, "_http._tcp.local", 12, 4500, "web._http._tcp.local");
	putname(m, "web._http._tcp.local");
	rr_fixed(m, 33, 0x8001, 120, 6 + 16);
	put16(m, 0);
	put16(m, 0);
	put16(m, 80);
	putname(m, "Build-07.local");
	rr_addr(m, "printer.local", 0x8001, 120, "192.168.1.9");
	rr_addr(m, "www.example.com", 1, 120, "192.0.2.1");
}

static void mk_mdns_goodbye(struct mb *m)
{
	hdr(m, 0, 0x8400, 0, 1, 0, 0);
	rr_addr(m, "old-host.local", 0x8001, 0, "192.168.1.77");
}

/* A query carrying a known answer: no claim. */
static void mk_mdns_query(struct mb *m)
{
	hdr(m, 0, 0x0000, 1, 1, 0, 0);
	question(m, "x.local", 1);
	rr_addr(m, "x.local", 1, 120, "192.168.1.10");
}

static void mk_mdns_many(struct mb *m)
{
	hdr(m, 0, 0x8400, 0, 20, 0, 0);
	for (unsigned i = 0; i < 20; i++) {
		char ip[32];
		snprintf(ip, sizeof ip, "10.0.0.%u", i + 1);
		rr_addr(m, "many.local", 1, 60, ip);
	}
}

/* ---- LLMNR ---- */

static void mk_llmnr_response(struct mb *m)
{
	hdr(m, 0x605e, 0x8000, 1, 2, 0, 0);
	question(m, "WPAD", 255);
	rr_addr(m, "WPAD", 1, 30, "192.168.5.9");
	rr_addr(m, "WPAD", 1, 30, "fe80::9");
}

static void mk_llmnr_query(struct mb *m)
{
	hdr(m, 0x605e, 0x0000, 1, 0, 0, 0);
	question(m, "wpad", 1);
}

static void mk_llmnr_refused(struct mb *m)
{
	hdr(m, 0x605e, 0x8005, 1, 1, 0, 0);
	question(m, "wpad", 1);
	rr_addr(m, "wpad", 1, 30, "192.168.5.9");
}

/* ---- DNS PTR ---- */

static void mk_ptr_v4(struct mb *m)
{
	hdr(m, 0x4242, 0x8180, 1, 1, 0, 0);
	question(m, "34.216.184.93.in-addr.arpa", 12);
	put16(m, 0xc000 | Q_OFF);
	rr_name(m, NULL, 12, 3600, "WWW.Example.COM");
}

static void mk_ptr_v6(struct mb *m)
{
	hdr(m, 0x4243, 0x8180, 1, 1, 0, 0);
	const char *rev = "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa";
	question(m, rev, 12);
	rr_name(m, rev, 12, 600, "host6.example");
}

/* RFC 2317: the question's CNAME into a classless zone holds the PTR. */
static void mk_ptr_classless(struct mb *m)
{
	hdr(m, 0x4244, 0x8180, 1, 2, 0, 0);
	question(m, "5.2.0.192.in-addr.arpa", 12);
	rr_name(m, "5.2.0.192.in-addr.arpa", 5, 300, "5.0-26.2.0.192.in-addr.arpa");
	rr_name(m, "5.0-26.2.0.192.in-addr.arpa", 12, 300, "classless.example");
}

/* Owners that are no address: too few labels, an octet over 255. */
static void mk_ptr_not_reverse(struct mb *m)
{
	hdr(m, 0x4245, 0x8180, 1, 2, 0, 0);
	question(m, "2.0.192.in-addr.arpa", 12);
	rr_name(m, "2.0.192.in-addr.arpa", 12, 300, "net.example");
	rr_name(m, "300.2.0.192.in-addr.arpa", 12, 300, "bad.example");
}

static void mk_ptr_nxdomain(struct mb *m)
{
	hdr(m, 0x4246, 0x8183, 1, 1, 0, 0);
	question(m, "1.2.0.192.in-addr.arpa", 12);
	rr_name(m, "1.2.0.192.in-addr.arpa", 12, 300, "stale.example");
}

/* ---- NetBIOS ---- */

/* First-level encoding (RFC 1001 §14.1) of NAME<suffix>, padded with spaces. */
static void nb_name(struct mb *m, const char *name, unsigned suffix)
{
	uint8_t raw[16];
	memset(raw, ' ', 15);
	memcpy(raw, name, strlen(name));
	raw[15] = (uint8_t)suffix;
	put8(m, 32);
	for (unsigned i = 0; i < 16; i++) {
		put8(m, 'A' + (raw[i] >> 4));
		put8(m, 'A' + (raw[i] & 0xf));
	}
	put8(m, 0);
}

static void nb_rdata(struct mb *m, uint32_t ttl, unsigned nb_flags, const char *ip, const char *ip2,
		     unsigned nb_flags2)
{
	uint8_t a[4];
	rr_fixed(m, 0x20, 1, ttl, ip2 ? 12 : 6);
	put16(m, nb_flags);
	assert_int_equal(inet_pton(AF_INET, ip, a), 1);
	putbytes(m, a, 4);
	if (ip2) {
		put16(m, nb_flags2);
		assert_int_equal(inet_pton(AF_INET, ip2, a), 1);
		putbytes(m, a, 4);
	}
}

/* Registration request: question + additional record pointing at it. */
static void mk_nb_register(struct mb *m)
{
	hdr(m, 0x8001, 0x2910, 1, 0, 0, 1);
	nb_name(m, "BUILD-07", 0x00);
	put16(m, 0x20);
	put16(m, 1);
	put16(m, 0xc000 | Q_OFF);
	nb_rdata(m, 300000, 0x0000, "192.168.1.5", NULL, 0);
}

static void mk_nb_refresh(struct mb *m)
{
	hdr(m, 0x8002, 0x4800, 1, 0, 0, 1);
	nb_name(m, "FILESRV", 0x20);
	put16(m, 0x20);
	put16(m, 1);
	nb_name(m, "FILESRV", 0x20);
	nb_rdata(m, 3600, 0x0000, "10.0.0.3", NULL, 0);
}

/* Positive query response, a multi-homed host: two entries. */
static void mk_nb_positive(struct mb *m)
{
	hdr(m, 0x8003, 0x8500, 0, 1, 0, 0);
	nb_name(m, "Laptop", 0x00);
	nb_rdata(m, 0, 0x0000, "10.0.0.1", "10.0.0.2", 0x6000);
}

/* Group names and domain suffixes name no host. */
static void mk_nb_group(struct mb *m)
{
	hdr(m, 0x8004, 0x2910, 1, 0, 0, 2);
	nb_name(m, "WORKGROUP", 0x00);
	put16(m, 0x20);
	put16(m, 1);
	put16(m, 0xc000 | Q_OFF);
	nb_rdata(m, 300000, 0x8000, "192.168.1.5", NULL, 0);
	nb_name(m, "CORP", 0x1c);
	nb_rdata(m, 300000, 0x0000, "192.168.1.5", NULL, 0);
}

static void mk_nb_query(struct mb *m)
{
	hdr(m, 0x8005, 0x0110, 1, 0, 0, 0);
	nb_name(m, "WPAD", 0x00);
	put16(m, 0x20);
	put16(m, 1);
}

static void mk_nb_release(struct mb *m)
{
	hdr(m, 0x8006, 0x3010, 1, 0, 0, 1);
	nb_name(m, "BUILD-07", 0x00);
	put16(m, 0x20);
	put16(m, 1);
	put16(m, 0xc000 | Q_OFF);
	nb_rdata(m, 0, 0x0000, "192.168.1.5", NULL, 0);
}

static void mk_nb_negative(struct mb *m)
{
	hdr(m, 0x8007, 0x8503, 0, 1, 0, 0);
	nb_name(m, "GONE", 0x00);
	nb_rdata(m, 0, 0x0000, "10.0.0.1", NULL, 0);
}

static void mk_nb_bad_rdlen(struct mb *m)
{
	hdr(m, 0x8008, 0x8500, 0, 1, 0, 0);
	nb_name(m, "HOST", 0x00);
	rr_fixed(m, 0x20, 1, 0, 5);
	putbytes(m, "\x00\x00\x0a\x00\x00", 5);
}

static void mk_nb_bad_ptr(struct mb *m)
{
	hdr(m, 0x8009, 0x2910, 1, 0, 0, 1);
	nb_name(m, "HOST", 0x00);
	put16(m, 0x20);
	put16(m, 1);
	put16(m, 0xc000 | 200); /* forward */
	nb_rdata(m, 0, 0x0000, "10.0.0.1", NULL, 0);
}

/* ---- the table ---- */

struct want_name {
	uint8_t source;
	const char *name;
	const char *ip;
	uint32_t ttl;
};

#define MAXW 5

struct hn_case {
	const char *name;
	const struct dissector *d;
	void (*make)(struct mb *);
	const char *anomaly; /* last observation, if any */
	unsigned n_names;
	struct want_name names[MAXW];
};

#define MD HOST_NAME_MDNS
#define LL HOST_NAME_LLMNR
#define NB HOST_NAME_NETBIOS
#define PT HOST_NAME_DNS_PTR

static const struct hn_case cases[] = {
	{"mdns_announce", &dissector_mdns, mk_mdns_announce, NULL, 4,
	 {{MD, "build-07", "192.168.1.5", 120},
	  {MD, "build-07", "fe80::1", 120},
	  {PT, "build-07", "192.168.1.5", 120},
	  {MD, "printer", "192.168.1.9", 120}}},
	{"mdns_on_dns_port", &dissector_dns, mk_mdns_announce, NULL, 1, {{PT, "build-07", "192.168.1.5", 120}}},
	{"mdns_goodbye", &dissector_mdns, mk_mdns_goodbye, NULL, 1, {{MD, "old-host", "192.168.1.77", 0}}},
	{"mdns_query", &dissector_mdns, mk_mdns_query, NULL, 0, {{0}}},
	{"mdns_many", &dissector_mdns, mk_mdns_many, "host_names_cap", 16, {{MD, "many", "10.0.0.1", 60}}},
	{"llmnr_response", &dissector_llmnr, mk_llmnr_response, NULL, 2,
	 {{LL, "wpad", "192.168.5.9", 30}, {LL, "wpad", "fe80::9", 30}}},
	{"llmnr_on_dns_port", &dissector_dns, mk_llmnr_response, NULL, 0, {{0}}},
	{"llmnr_query", &dissector_llmnr, mk_llmnr_query, NULL, 0, {{0}}},
	{"llmnr_refused", &dissector_llmnr, mk_llmnr_refused, NULL, 0, {{0}}},
	{"ptr_v4", &dissector_dns, mk_ptr_v4, NULL, 1, {{PT, "www.example.com", "93.184.216.34", 3600}}},
	{"ptr_v6", &dissector_dns, mk_ptr_v6, NULL, 1, {{PT, "host6.example", "2001:db8::1", 600}}},
	{"ptr_v4_llmnr", &dissector_llmnr, mk_ptr_v4, NULL, 1, {{PT, "www.example.com", "93.184.216.34", 3600}}},
	{"ptr_classless", &dissector_dns, mk_ptr_classless, NULL, 1, {{PT, "classless.example", "192.0.2.5", 300}}},
	{"ptr_not_reverse", &dissector_dns, mk_ptr_not_reverse, NULL, 0, {{0}}},
	{"ptr_nxdomain", &dissector_dns, mk_ptr_nxdomain, NULL, 0, {{0}}},
	{"nb_register", &dissector_nbns, mk_nb_register, NULL, 1, {{NB, "build-07", "192.168.1.5", 300000}}},
	{"nb_refresh", &dissector_nbns, mk_nb_refresh, NULL, 1, {{NB, "filesrv", "10.0.0.3", 3600}}},
	{"nb_positive", &dissector_nbns, mk_nb_positive, NULL, 2,
	 {{NB, "laptop", "10.0.0.1", 0}, {NB, "laptop", "10.0.0.2", 0}}},
	{"nb_group", &dissector_nbns, mk_nb_group, NULL, 0, {{0}}},
	{"nb_query", &dissector_nbns, mk_nb_query, NULL, 0, {{0}}},
	{"nb_release", &dissector_nbns, mk_nb_release, NULL, 0, {{0}}},
	{"nb_negative", &dissector_nbns, mk_nb_negative, NULL, 0, {{0}}},
	{"nb_bad_rdlen", &dissector_nbns, mk_nb_bad_rdlen, "bad_rdata_length", 0, {{0}}},
	{"nb_bad_ptr", &dissector_nbns, mk_nb_bad_ptr, "name_pointer_forward", 0, {{0}}},
};

static void run(const struct dissector *d, const uint8_t *p, size_t n, struct obs_log *log)
{
	struct dissect_ctx ctx = harness_ctx(log);
	void *st = d->state_new(harness_open());
	assert_non_null(st);
	(void)d->parse(st, DIR_TO_CLIENT, p, n, &ctx);
	d->state_free(st);
}

static void check_name(const struct obs_host_name *h, const struct want_name *w)
{
	uint8_t a[16] = {0};
	bool v6 = strchr(w->ip, ':') != NULL;
	assert_int_equal(h->source, w->source);
	assert_string_equal(h->name, w->name);
	assert_int_equal(h->family, v6 ? 6 : 4);
	assert_int_equal(inet_pton(v6 ? AF_INET6 : AF_INET, w->ip, a), 1);
	assert_memory_equal(h->addr, a, 16);
	assert_int_equal(h->ttl, w->ttl);
}

static void test_case(void **state)
{
	const struct hn_case *tc = *state;
	struct mb m = {.n = 0};
	struct obs_log log = {0};
	tc->make(&m);
	run(tc->d, m.b, m.n, &log);
	unsigned names = 0, dns = 0;
	const struct observation *last_anomaly = NULL;
	for (size_t k = 0; k < log.n; k++) {
		const struct observation *o = &log.v[k];
		if (o->type == OBS_HOST_NAME) {
			if (names < MAXW && tc->names[names].name) {
				check_name(&o->u.host_name, &tc->names[names]);
			} else { /* "many": the same name, addresses 10.0.0.N */
				assert_string_equal(o->u.host_name.name, tc->names[0].name);
				assert_int_equal(o->u.host_name.addr[3], names + 1);
			}
			names++;
		} else if (o->type == OBS_DNS) {
			dns++;
		} else {
			assert_int_equal(o->type, OBS_ANOMALY);
			last_anomaly = o;
		}
	}
	assert_int_equal(names, tc->n_names);
	assert_int_equal(dns, tc->d == &dissector_nbns ? 0 : 1);
	if (tc->anomaly) {
		assert_non_null(last_anomaly);
		assert_string_equal(last_anomaly->u.anomaly.reason, tc->anomaly);
		assert_ptr_equal(last_anomaly, &log.v[log.n - 1]);
	} else {
		assert_null(last_anomaly);
	}
	obs_log_free(&log);
}

/* Every cut of a message: the counts in the header promise more than is
 * there, so nothing but an anomaly may come out. */
static void truncated_one(const void *row, const uint8_t *p, size_t cut)
{
	const struct hn_case *tc = row;
	struct obs_log log = {0};
	run(tc->d, p, cut, &log);
	if (log.n != 1 || log.v[0].type != OBS_ANOMALY)
		fail_msg("cut at %zu: %zu observations", cut, log.n);
	obs_log_free(&log);
}

static void test_truncated(void **state)
{
	const struct hn_case *tc = *state;
	each_prefix(tc->make, tc, truncated_one);
}

/* PTR answers over TCP, two messages in one stream, split at every byte. */
static void test_ptr_tcp_split(void **unused)
{
	(void)unused;
	struct mb a = {.n = 0}, b = {.n = 0};
	mk_ptr_v4(&a);
	mk_ptr_v6(&b);
	uint8_t stream[1024];
	size_t n = 0;
	for (const struct mb *m = &a;; m = &b) {
		stream[n++] = (uint8_t)(m->n >> 8);
		stream[n++] = (uint8_t)m->n;
		memcpy(stream + n, m->b, m->n);
		n += m->n;
		if (m == &b)
			break;
	}
	struct feed f[] = {{DIR_TO_CLIENT, stream, n}};
	struct obs_log log = harness_split_invariant(&dissector_dns_tcp, f, 1);
	assert_int_equal(log.n, 4);
	assert_int_equal(log.v[0].type, OBS_DNS);
	assert_int_equal(log.v[1].type, OBS_HOST_NAME);
	check_name(&log.v[1].u.host_name, &cases[9].names[0]);
	assert_int_equal(log.v[3].type, OBS_HOST_NAME);
	check_name(&log.v[3].u.host_name, &cases[10].names[0]);
	obs_log_free(&log);
}

/* Each UDP row, and the same bytes over TCP, which no name service claims. */
static void add_probes(struct cases *c)
{
	static struct mb md, ll, nb, nq, j;
	mk_mdns_announce(&md);
	mk_llmnr_response(&ll);
	mk_nb_register(&nb);
	mk_nb_query(&nq);
	static const uint8_t junk[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	j.n = 0;
	putbytes(&j, junk, sizeof junk - 1);
	const struct {
		const struct dissector *d;
		uint16_t cport, sport;
		const struct mb *m;
		bool want;
	} t[] = {
		{&dissector_mdns, 5353, 5353, &md, true},
		{&dissector_mdns, 40000, 5353, &md, true},
		{&dissector_mdns, 40000, 53, &md, false},
		{&dissector_mdns, 5353, 5353, &j, false},
		{&dissector_llmnr, 5355, 40000, &ll, true},
		{&dissector_llmnr, 40000, 5355, &ll, true},
		{&dissector_llmnr, 40000, 5353, &ll, false},
		{&dissector_nbns, 137, 137, &nb, true},
		{&dissector_nbns, 40000, 137, &nq, true},
		{&dissector_nbns, 40000, 138, &nb, false},
		{&dissector_nbns, 137, 137, &j, false},
	};
	struct probe_row rows[2 * sizeof t / sizeof t[0]];
	size_t n = 0;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		rows[n++] = (struct probe_row)PROBE(t[i].d, TRANSPORT_UDP, t[i].cport, t[i].sport, t[i].m->b,
						    t[i].m->n, t[i].want);
		rows[n++] = (struct probe_row)PROBE(t[i].d, TRANSPORT_TCP, t[i].cport, t[i].sport, t[i].m->b,
						    t[i].m->n, false);
	}
	probe_rows_add(c, rows, n);
}

static void test_registry(void **unused)
{
	(void)unused;
	/* mdns and llmnr come before dns in the registry. */
	size_t at_mdns = 99, at_llmnr = 99, at_dns = 99;
	for (size_t i = 0; dissector_registry[i]; i++) {
		if (dissector_registry[i] == &dissector_mdns)
			at_mdns = i;
		if (dissector_registry[i] == &dissector_llmnr)
			at_llmnr = i;
		if (dissector_registry[i] == &dissector_dns)
			at_dns = i;
	}
	assert_true(at_mdns < at_dns && at_llmnr < at_dns && at_dns != 99);
	assert_ptr_equal(dissector_find("nbns"), &dissector_nbns);
}

/* ---- public captures: queries only ---- */

struct pcap_names {
	unsigned datagrams, names, anomalies, dns;
};

struct names_feed {
	struct pcap_names *out;
	struct obs_log log;
};

static void feed_name_port(void *user, const struct pw_pkt *k)
{
	struct names_feed *f = user;
	const struct dissector *dis = NULL;
	uint16_t ports[2] = {k->sport, k->dport};
	for (int i = 0; i < 2 && !dis; i++)
		dis = ports[i] == 137 ? &dissector_nbns
		      : ports[i] == 5353 ? &dissector_mdns
		      : ports[i] == 5355 ? &dissector_llmnr
					 : NULL;
	if (!dis)
		return;
	f->out->datagrams++;
	run(dis, k->payload, k->len, &f->log);
}

/* Each UDP datagram on 137/5353/5355 goes to the dissector of its port. */
static void run_pcap(const char *rel, struct pcap_names *out)
{
	pcap_t *pc = pw_open(rel);
	memset(out, 0, sizeof *out);
	struct names_feed f = {out, {0}};
	pw_each_udp(pc, feed_name_port, &f);
	struct obs_log log = f.log;
	for (size_t i = 0; i < log.n; i++) {
		out->names += log.v[i].type == OBS_HOST_NAME;
		out->anomalies += log.v[i].type == OBS_ANOMALY;
		out->dns += log.v[i].type == OBS_DNS;
	}
	obs_log_free(&log);
}

/* nDPI 1kxun.pcap: SOURCES.md counts LLMNR x91, NBNS x26, MDNS x1 — all
 * queries (tshark: "Standard query" / "Name query"), so no names. */
static void test_pcap_1kxun(void **unused)
{
	(void)unused;
	struct pcap_names r;
	run_pcap("ndpi/pcap/1kxun.pcap", &r);
	print_message("1kxun: %u datagrams, %u dns, %u names, %u anomalies\n", r.datagrams, r.dns, r.names,
		      r.anomalies);
	assert_int_equal(r.names, 0);
	assert_int_equal(r.anomalies, 0);
	assert_int_equal(r.dns, 92); /* 91 LLMNR + 1 mDNS; NBNS yields no OBS_DNS */
	assert_int_equal(r.datagrams, 118);
}

/* Other captures whose name-service traffic is queries only. */
static const char *const queries_only[] = {"ja4/pcap/latest.pcapng", "ndpi/pcap/android.pcap"};

static void test_pcap_queries_only(void **state)
{
	const char *const *rel = *state;
	struct pcap_names r;
	run_pcap(*rel, &r);
	assert_int_equal(r.names, 0);
	assert_int_equal(r.anomalies, 0);
}

int main(void)
{
	struct cases t = {0};
	CASE_ROWS(&t, test_case, cases, name);
	CASE_ROWS(&t, test_truncated, cases, name);
	CASE(&t, test_ptr_tcp_split);
	add_probes(&t);
	CASE(&t, test_registry);
	CASE(&t, test_pcap_1kxun);
	for (size_t i = 0; i < sizeof queries_only / sizeof queries_only[0]; i++)
		CASE_ROW(&t, test_pcap_queries_only, &queries_only[i], "%s", queries_only[i]);
	return cases_main(&t, "hostname");
}
