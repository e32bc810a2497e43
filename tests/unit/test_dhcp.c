/* test_dhcp.c — DHCPv4/DHCPv6 dissectors: crafted messages (table), every
 * truncation of each, probes, and the public captures with their ground
 * truth (suricata-verify test.yaml, Zeek dhcp.log baselines, JA4D types). */
#include <arpa/inet.h>

#include "dissector.h"
#include "msg_fixture.h"

extern const struct dissector dissector_dhcp;
extern const struct dissector dissector_dhcp6;

/* ---- addresses and options ---- */

static void putip4(struct mb *m, const char *ip)
{
	uint8_t a[4];
	assert_int_equal(inet_pton(AF_INET, ip, a), 1);
	putbytes(m, a, 4);
}
static void putip6(struct mb *m, const char *ip)
{
	uint8_t a[16];
	assert_int_equal(inet_pton(AF_INET6, ip, a), 1);
	putbytes(m, a, 16);
}
static void opt4(struct mb *m, unsigned code, const void *p, size_t n)
{
	put8(m, code);
	put8(m, (unsigned)n);
	putbytes(m, p, n);
}

static const uint8_t mac1[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

/* BOOTP header + cookie; `file_opts` / `sname_opts` fill those fields. */
static void v4_hdr(struct mb *m, unsigned op, uint32_t xid, const char *ciaddr, const char *yiaddr,
		   const struct mb *sname_opts, const struct mb *file_opts)
{
	m->n = 0;
	put8(m, op);
	put8(m, 1);
	put8(m, 6);
	put8(m, 0);
	put32(m, xid);
	put32(m, 0);
	putip4(m, ciaddr);
	putip4(m, yiaddr);
	putip4(m, "0.0.0.0");
	putip4(m, "0.0.0.0");
	putbytes(m, mac1, 6);
	for (int i = 0; i < 10; i++)
		put8(m, 0);
	size_t at = m->n;
	for (int i = 0; i < 64; i++)
		put8(m, 0);
	if (sname_opts)
		memcpy(m->b + at, sname_opts->b, sname_opts->n);
	at = m->n;
	for (int i = 0; i < 128; i++)
		put8(m, 0);
	if (file_opts)
		memcpy(m->b + at, file_opts->b, file_opts->n);
	put32(m, 0x63825363);
}

static void mk_v4_request(struct mb *m)
{
	v4_hdr(m, 1, 0x11223344, "0.0.0.0", "0.0.0.0", NULL, NULL);
	opt4(m, 53, "\x03", 1);
	opt4(m, 61, "\x01\x52\x54\x00\x12\x34\x56", 7);
	opt4(m, 50, "\x0a\x00\x00\x07", 4);
	opt4(m, 12, "Build-07\0", 9);
	opt4(m, 60, "MSFT 5.0", 8);
	put8(m, 0); /* pad */
	opt4(m, 55, "\x01\x03\x06", 3);
	put8(m, 255);
}

static void mk_v4_ack(struct mb *m)
{
	v4_hdr(m, 2, 0x11223344, "0.0.0.0", "10.0.0.7", NULL, NULL);
	opt4(m, 53, "\x05", 1);
	opt4(m, 51, "\x00\x00\x0e\x10", 4);
	opt4(m, 54, "\x0a\x00\x00\x01", 4);
	put8(m, 255);
}

/* Option 81, canonical wire form (E bit), no option 12. */
static void mk_v4_fqdn_wire(struct mb *m)
{
	v4_hdr(m, 1, 5, "10.0.0.9", "0.0.0.0", NULL, NULL);
	opt4(m, 53, "\x08", 1);
	opt4(m, 81, "\x05\x00\x00\x04" "Host\x04" "Corp\x07" "example\x00", 22);
	put8(m, 255);
}

/* Option 81, deprecated ASCII form, a partial name. */
static void mk_v4_fqdn_ascii(struct mb *m)
{
	v4_hdr(m, 1, 6, "0.0.0.0", "0.0.0.0", NULL, NULL);
	opt4(m, 53, "\x01", 1);
	opt4(m, 81, "\x01\x00\x00laptop.corp.", 15);
	put8(m, 255);
}

/* Option 52 = 3: host name in `file`, vendor class in `sname`; no end in the main area. */
static void mk_v4_overload(struct mb *m)
{
	struct mb f = {.n = 0}, s = {.n = 0};
	opt4(&f, 12, "from-file", 9);
	put8(&f, 255);
	opt4(&s, 60, "from-sname", 10);
	put8(&s, 255);
	v4_hdr(m, 1, 7, "0.0.0.0", "0.0.0.0", &s, &f);
	opt4(m, 53, "\x01", 1);
	opt4(m, 52, "\x03", 1);
}

/* Option 53 with a bad length is ignored, so the message has no type. */
static void mk_v4_bad_type_len(struct mb *m)
{
	v4_hdr(m, 1, 8, "0.0.0.0", "0.0.0.0", NULL, NULL);
	opt4(m, 53, "\x01\x01", 2);
	put8(m, 255);
}

static void mk_v4_bad_lease(struct mb *m)
{
	v4_hdr(m, 2, 9, "0.0.0.0", "10.1.1.1", NULL, NULL);
	opt4(m, 53, "\x05", 1);
	opt4(m, 51, "\x00\x10", 2);
	put8(m, 255);
}

static void mk_v4_bad_cookie(struct mb *m)
{
	mk_v4_ack(m);
	m->b[236] = 0x64;
}

static void mk_v4_bootp(struct mb *m)
{
	v4_hdr(m, 1, 10, "0.0.0.0", "0.0.0.0", NULL, NULL);
	put8(m, 255);
}

static void mk_v4_short(struct mb *m)
{
	mk_v4_ack(m);
	m->n = 200;
}

/* An option whose length runs past the datagram: reported, message kept. */
static void mk_v4_opt_overrun(struct mb *m)
{
	v4_hdr(m, 1, 11, "0.0.0.0", "0.0.0.0", NULL, NULL);
	opt4(m, 53, "\x01", 1);
	put8(m, 12);
	put8(m, 40);
	putbytes(m, "abc", 3);
}

/* DHCPv6 */
static void opt6(struct mb *m, unsigned code, const void *p, size_t n)
{
	put16(m, code);
	put16(m, (unsigned)n);
	putbytes(m, p, n);
}

static const uint8_t duid_llt[] = {0x00, 0x01, 0x00, 0x01, 0x1c, 0x39, 0xcf, 0x88,
				   0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
static const uint8_t duid_ll[] = {0x00, 0x03, 0x00, 0x01, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
static const uint8_t duid_en[] = {0x00, 0x02, 0x00, 0x00, 0x00, 0x09, 0x01, 0x02};

static void ia_na(struct mb *m, const char *addr, uint32_t valid)
{
	struct mb ia = {.n = 0};
	put32(&ia, 1);
	put32(&ia, 0);
	put32(&ia, 0);
	struct mb a = {.n = 0};
	putip6(&a, addr);
	put32(&a, valid / 2);
	put32(&a, valid);
	opt6(&ia, 5, a.b, a.n);
	opt6(m, 3, ia.b, ia.n);
}

static void mk_v6_reply(struct mb *m)
{
	m->n = 0;
	put8(m, 7);
	put8(m, 0xab);
	put16(m, 0xcdef);
	ia_na(m, "2001:db8::42", 86400);
	opt6(m, 1, duid_llt, sizeof duid_llt);
	opt6(m, 2, duid_en, sizeof duid_en);
	opt6(m, 39, "\x01\x06" "Laptop\x04" "corp\x00", 14);
}

static void mk_v6_solicit(struct mb *m)
{
	m->n = 0;
	put8(m, 1);
	put8(m, 0);
	put16(m, 1);
	opt6(m, 1, duid_ll, sizeof duid_ll);
	opt6(m, 39, "\x00\x06laptop", 8); /* partial name */
	opt6(m, 16, "\x00\x00\x01\x37\x00\x04MSFT", 10);
	ia_na(m, "2001:db8::42", 0);
}

static void mk_v6_relay(struct mb *m)
{
	struct mb inner = {.n = 0};
	mk_v6_solicit(&inner);
	m->n = 0;
	put8(m, 12);
	put8(m, 0);
	putip6(m, "2001:db8:1::1");
	putip6(m, "fe80::1");
	opt6(m, 18, "eth0", 4);
	opt6(m, 9, inner.b, inner.n);
}

static void mk_v6_relay_nested(struct mb *m)
{
	struct mb inner = {.n = 0};
	mk_v6_relay(&inner);
	m->n = 0;
	put8(m, 12);
	put8(m, 1);
	putip6(m, "2001:db8:2::1");
	putip6(m, "2001:db8:1::1");
	opt6(m, 9, inner.b, inner.n);
}

static void mk_v6_en_duid(struct mb *m)
{
	m->n = 0;
	put8(m, 11);
	put8(m, 0);
	put16(m, 2);
	opt6(m, 1, duid_en, sizeof duid_en);
}

static void mk_v6_bad_fqdn(struct mb *m)
{
	m->n = 0;
	put8(m, 3);
	put8(m, 0);
	put16(m, 3);
	opt6(m, 39, "\x00\x09laptop", 8); /* label runs past the option */
}

static void mk_v6_opts_overrun(struct mb *m)
{
	m->n = 0;
	put8(m, 1);
	put8(m, 0);
	put16(m, 4);
	put16(m, 1);
	put16(m, 50);
	put16(m, 1);
}

struct dhcp_case {
	const char *name;
	void (*make)(struct mb *);
	bool v6;
	const char *anomalies; /* comma-separated, in order; NULL: none */
	bool emits;
	uint8_t msg_type;
	uint32_t xid;
	const uint8_t *mac;
	const char *client_id;
	const char *hostname;
	const char *requested, *assigned, *client_ip;
	uint32_t lease;
	const char *vendor;
};

static const struct dhcp_case cases[] = {
	{"v4_request", mk_v4_request, false, NULL, true, DHCP_REQUEST, 0x11223344, mac1, "01525400123456",
	 "build-07", "10.0.0.7", NULL, NULL, 0, "MSFT 5.0"},
	{"v4_ack", mk_v4_ack, false, NULL, true, DHCP_ACK, 0x11223344, mac1, "", "", NULL, "10.0.0.7", NULL, 3600,
	 ""},
	{"v4_fqdn_wire", mk_v4_fqdn_wire, false, NULL, true, DHCP_INFORM, 5, mac1, "", "host.corp.example", NULL,
	 NULL, "10.0.0.9", 0, ""},
	{"v4_fqdn_ascii", mk_v4_fqdn_ascii, false, NULL, true, DHCP_DISCOVER, 6, mac1, "", "laptop.corp", NULL,
	 NULL, NULL, 0, ""},
	{"v4_overload", mk_v4_overload, false, NULL, true, DHCP_DISCOVER, 7, mac1, "", "from-file", NULL, NULL,
	 NULL, 0, "from-sname"},
	{"v4_bad_type_len", mk_v4_bad_type_len, false, "no_msg_type,option_bad_length", false, 0, 0, NULL, NULL,
	 NULL, NULL, NULL, NULL, 0, NULL},
	{"v4_bad_lease", mk_v4_bad_lease, false, "option_bad_length", true, DHCP_ACK, 9, mac1, "", "", NULL,
	 "10.1.1.1", NULL, 0, ""},
	{"v4_bad_cookie", mk_v4_bad_cookie, false, "bad_magic_cookie", false, 0, 0, NULL, NULL, NULL, NULL, NULL,
	 NULL, 0, NULL},
	{"v4_bootp", mk_v4_bootp, false, "no_msg_type", false, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL},
	{"v4_short", mk_v4_short, false, "header_truncated", false, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL, 0,
	 NULL},
	{"v4_opt_overrun", mk_v4_opt_overrun, false, "option_truncated", true, DHCP_DISCOVER, 11, mac1, "", "", NULL,
	 NULL, NULL, 0, ""},
	{"v6_reply", mk_v6_reply, true, NULL, true, DHCP6_REPLY, 0xabcdef, mac1, "000100011c39cf88525400123456",
	 "laptop.corp", NULL, "2001:db8::42", NULL, 86400, ""},
	{"v6_solicit", mk_v6_solicit, true, NULL, true, DHCP6_SOLICIT, 1, mac1, "00030001525400123456", "laptop",
	 "2001:db8::42", NULL, NULL, 0, "MSFT"},
	{"v6_relay", mk_v6_relay, true, NULL, true, DHCP6_SOLICIT, 1, mac1, "00030001525400123456", "laptop",
	 "2001:db8::42", NULL, NULL, 0, "MSFT"},
	{"v6_relay_nested", mk_v6_relay_nested, true, "relay_nested", false, 0, 0, NULL, NULL, NULL, NULL, NULL,
	 NULL, 0, NULL},
	{"v6_en_duid", mk_v6_en_duid, true, NULL, true, DHCP6_INFORMATION_REQUEST, 2, NULL, "0002000000090102", "",
	 NULL, NULL, NULL, 0, ""},
	{"v6_bad_fqdn", mk_v6_bad_fqdn, true, "fqdn_malformed", true, DHCP6_REQUEST, 3, NULL, "", "", NULL, NULL,
	 NULL, 0, ""},
	{"v6_opts_overrun", mk_v6_opts_overrun, true, "option_truncated", false, 0, 0, NULL, NULL, NULL, NULL, NULL,
	 NULL, 0, NULL},
};

static int run(const struct dissector *d, const uint8_t *p, size_t n, struct obs_log *log)
{
	struct dissect_ctx ctx = harness_ctx(log);
	void *st = d->state_new(harness_open());
	assert_non_null(st);
	int r = d->parse(st, DIR_TO_SERVER, p, n, &ctx);
	d->state_free(st);
	return r;
}

static void check_ip(const uint8_t *got, bool has, const char *want, bool v6)
{
	if (!want) {
		assert_false(has);
		return;
	}
	uint8_t a[16] = {0};
	assert_true(has);
	assert_int_equal(inet_pton(v6 ? AF_INET6 : AF_INET, want, a), 1);
	assert_memory_equal(got, a, v6 ? 16 : 4);
}

static void check_case(const struct dhcp_case *tc, const struct obs_log *log)
{
	size_t k = 0;
	if (tc->emits) {
		assert_true(log->n > 0);
		assert_int_equal(log->v[0].type, OBS_DHCP);
		const struct obs_dhcp *d = &log->v[0].u.dhcp;
		assert_int_equal(d->version, tc->v6 ? 6 : 4);
		assert_int_equal(d->family, tc->v6 ? 6 : 4);
		assert_int_equal(d->msg_type, tc->msg_type);
		assert_int_equal(d->xid, tc->xid);
		if (tc->mac) {
			assert_true(d->has_client_mac);
			assert_memory_equal(d->client_mac, tc->mac, 6);
		} else {
			assert_false(d->has_client_mac);
		}
		assert_string_equal(d->client_id, tc->client_id);
		assert_string_equal(d->hostname, tc->hostname);
		check_ip(d->requested, d->has_requested, tc->requested, tc->v6);
		check_ip(d->assigned, d->has_assigned, tc->assigned, tc->v6);
		check_ip(d->client_ip, d->has_client_ip, tc->client_ip, tc->v6);
		assert_int_equal(d->lease_s, tc->lease);
		assert_string_equal(d->vendor_class, tc->vendor);
		k = 1;
	}
	char want[256] = "";
	if (tc->anomalies)
		snprintf(want, sizeof want, "%s", tc->anomalies);
	char *save = NULL;
	for (char *a = strtok_r(want, ",", &save); a; a = strtok_r(NULL, ",", &save), k++) {
		if (k >= log->n)
			fail_msg("%s: missing anomaly %s", tc->name, a);
		assert_int_equal(log->v[k].type, OBS_ANOMALY);
		assert_string_equal(log->v[k].u.anomaly.dissector, "dhcp");
		assert_string_equal(log->v[k].u.anomaly.reason, a);
	}
	if (k != log->n)
		fail_msg("%s: %zu observations, want %zu", tc->name, log->n, k);
}

static void test_case(void **state)
{
	const struct dhcp_case *tc = *state;
	struct mb m = {.n = 0};
	struct obs_log log = {0};
	tc->make(&m);
	int r = run(tc->v6 ? &dissector_dhcp6 : &dissector_dhcp, m.b, m.n, &log);
	assert_int_equal(r, DISSECT_MORE);
	check_case(tc, &log);
	obs_log_free(&log);
}

/* Every cut of a case: no over-read (ASan), strings terminated, and an
 * observation or an anomaly per cut. */
static void truncated_one(const void *row, const uint8_t *p, size_t cut)
{
	const struct dhcp_case *tc = row;
	struct obs_log log = {0};
	int r = run(tc->v6 ? &dissector_dhcp6 : &dissector_dhcp, p, cut, &log);
	assert_int_equal(r, DISSECT_MORE);
	if (log.n == 0)
		fail_msg("cut at %zu: nothing reported", cut);
	for (size_t k = 0; k < log.n; k++) {
		if (log.v[k].type == OBS_DHCP) {
			const struct obs_dhcp *d = &log.v[k].u.dhcp;
			assert_non_null(memchr(d->hostname, 0, sizeof d->hostname));
			assert_non_null(memchr(d->client_id, 0, sizeof d->client_id));
			assert_non_null(memchr(d->vendor_class, 0, sizeof d->vendor_class));
		} else {
			assert_int_equal(log.v[k].type, OBS_ANOMALY);
		}
	}
	obs_log_free(&log);
}

static void test_truncated(void **state)
{
	const struct dhcp_case *tc = *state;
	each_prefix(tc->make, tc, truncated_one);
}

static void add_probes(struct cases *c)
{
	static struct mb v4, v6, relay, bad;
	mk_v4_request(&v4);
	mk_v6_reply(&v6);
	mk_v6_relay(&relay);
	mk_v4_bad_cookie(&bad);
	static const uint8_t dns[] = "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00";
	const struct probe_row t[] = {
		PROBE(&dissector_dhcp, TRANSPORT_UDP, 68, 67, v4.b, v4.n, true),
		PROBE(&dissector_dhcp, TRANSPORT_UDP, 67, 68, v4.b, v4.n, true),
		PROBE(&dissector_dhcp, TRANSPORT_UDP, 67, 67, v4.b, v4.n, true), /* relay agent to server */
		PROBE(&dissector_dhcp, TRANSPORT_TCP, 68, 67, v4.b, v4.n, false),
		PROBE(&dissector_dhcp, TRANSPORT_UDP, 40000, 67, v4.b, v4.n, false),
		PROBE(&dissector_dhcp, TRANSPORT_UDP, 68, 67, bad.b, bad.n, false),
		PROBE(&dissector_dhcp, TRANSPORT_UDP, 546, 547, v6.b, v6.n, false),
		PROBE(&dissector_dhcp, TRANSPORT_UDP, 68, 67, dns, sizeof dns - 1, false),
		PROBE(&dissector_dhcp6, TRANSPORT_UDP, 546, 547, v6.b, v6.n, true),
		PROBE(&dissector_dhcp6, TRANSPORT_UDP, 547, 546, v6.b, v6.n, true),
		PROBE(&dissector_dhcp6, TRANSPORT_UDP, 547, 547, relay.b, relay.n, true),
		PROBE(&dissector_dhcp6, TRANSPORT_UDP, 546, 547, bad.b, bad.n, false),
		PROBE(&dissector_dhcp6, TRANSPORT_UDP, 53, 547, v6.b, v6.n, false),
		PROBE(&dissector_dhcp6, TRANSPORT_TCP, 546, 547, v6.b, v6.n, false),
		PROBE(&dissector_dhcp6, TRANSPORT_UDP, 68, 67, dns, sizeof dns - 1, false),
	};
	probe_rows_add(c, t, sizeof t / sizeof t[0]);
}

static void test_registry(void **unused)
{
	(void)unused;
	assert_ptr_equal(dissector_find("dhcp"), &dissector_dhcp);
	assert_ptr_equal(dissector_find("dhcp6"), &dissector_dhcp6);
}

/* ---- public captures ---- */

struct pcap_run {
	struct obs_log log;
	unsigned dhcp, anomalies;
	const struct obs_dhcp *msg[32];
};

static void feed_dhcp_port(void *user, const struct pw_pkt *k)
{
	const struct dissect_ctx *ctx = user;
	const struct dissector *dis = NULL;
	if ((k->sport == 67 || k->sport == 68) && (k->dport == 67 || k->dport == 68))
		dis = &dissector_dhcp;
	else if ((k->sport == 546 || k->sport == 547) && (k->dport == 546 || k->dport == 547))
		dis = &dissector_dhcp6;
	if (!dis)
		return;
	void *st = dis->state_new(harness_open());
	assert_int_equal(dis->parse(st, DIR_TO_SERVER, k->payload, k->len, ctx), DISSECT_MORE);
	dis->state_free(st);
}

/* Feeds each UDP datagram on 67/68 or 546/547 to the matching dissector. */
static void run_pcap(const char *rel, struct pcap_run *out)
{
	pcap_t *pc = pw_open(rel);
	memset(out, 0, sizeof *out);
	struct dissect_ctx ctx = harness_ctx(&out->log);
	pw_each_udp(pc, feed_dhcp_port, &ctx);
	for (size_t i = 0; i < out->log.n; i++) {
		if (out->log.v[i].type == OBS_ANOMALY) {
			out->anomalies++;
		} else {
			assert_int_equal(out->log.v[i].type, OBS_DHCP);
			if (out->dhcp < 32)
				out->msg[out->dhcp] = &out->log.v[i].u.dhcp;
			out->dhcp++;
		}
	}
}

static void want_mac(const struct obs_dhcp *d, const char *mac)
{
	char got[18];
	assert_true(d->has_client_mac);
	snprintf(got, sizeof got, "%02x:%02x:%02x:%02x:%02x:%02x", d->client_mac[0], d->client_mac[1],
		 d->client_mac[2], d->client_mac[3], d->client_mac[4], d->client_mac[5]);
	assert_string_equal(got, mac);
}

/* suricata-verify dhcp-eve-extended/test.yaml: request id 4016330564 from
 * client_mac 00:11:32:17:49:f0, client_ip 10.16.1.4, hostname "nas1\u0000"
 * (reported here without its NUL), client_id 00:11:32:17:49:f0 (Suricata
 * drops option 61's type byte 01); ack assigned_ip 10.16.1.4, lease 3600. */
static void test_pcap_suricata(void **unused)
{
	(void)unused;
	struct pcap_run r;
	run_pcap("suricata-verify/tests/dhcp-eve-extended/input.pcap", &r);
	assert_int_equal(r.anomalies, 0);
	assert_int_equal(r.dhcp, 2);
	const struct obs_dhcp *q = r.msg[0], *a = r.msg[1];
	assert_int_equal(q->msg_type, DHCP_REQUEST);
	assert_int_equal(q->xid, 4016330564u);
	want_mac(q, "00:11:32:17:49:f0");
	assert_string_equal(q->hostname, "nas1");
	assert_string_equal(q->client_id, "010011321749f0");
	check_ip(q->client_ip, q->has_client_ip, "10.16.1.4", false);
	assert_false(q->has_assigned);
	assert_int_equal(a->msg_type, DHCP_ACK);
	assert_int_equal(a->xid, 4016330564u);
	want_mac(a, "00:11:32:17:49:f0");
	assert_string_equal(a->hostname, "nas1");
	check_ip(a->assigned, a->has_assigned, "10.16.1.4", false);
	check_ip(a->client_ip, a->has_client_ip, "10.16.1.4", false);
	assert_int_equal(a->lease_s, 3600);
	obs_log_free(&r.log);
}

/* Zeek dhcp-all-msg-types/dhcp.log: mac 90:b1:1c:99:49:29, host_name
 * btest.is.cool, requested/assigned 128.2.6.189, lease 900, msg_types
 * DISCOVER,OFFER,REQUEST,NAK,REQUEST,ACK,DECLINE then RELEASE then INFORM
 * (its requested_addr 128.2.6.189 and host name). */
static void test_pcap_zeek_all(void **unused)
{
	(void)unused;
	struct pcap_run r;
	run_pcap("zeek/Traces/dhcp/dhcp.pcap", &r);
	static const uint8_t types[] = {DHCP_DISCOVER, DHCP_OFFER, DHCP_REQUEST, DHCP_NAK, DHCP_REQUEST,
					DHCP_ACK,      DHCP_DECLINE, DHCP_RELEASE, DHCP_INFORM};
	assert_int_equal(r.anomalies, 0);
	assert_int_equal(r.dhcp, 9);
	for (unsigned i = 0; i < 9; i++) {
		assert_int_equal(r.msg[i]->msg_type, types[i]);
		want_mac(r.msg[i], "90:b1:1c:99:49:29");
	}
	assert_string_equal(r.msg[0]->hostname, "btest.is.cool");
	const struct obs_dhcp *req = r.msg[4], *ack = r.msg[5], *inform = r.msg[8];
	check_ip(req->requested, req->has_requested, "128.2.6.189", false);
	assert_string_equal(req->hostname, "btest.is.cool");
	check_ip(ack->assigned, ack->has_assigned, "128.2.6.189", false);
	assert_int_equal(ack->lease_s, 900);
	assert_string_equal(ack->vendor_class, "ArubaAP");
	assert_false(r.msg[1]->has_assigned); /* an OFFER's yiaddr is not a lease */
	assert_false(r.msg[7]->has_client_ip); /* RELEASE: Zeek's client_addr is unset */
	check_ip(inform->requested, inform->has_requested, "128.2.6.189", false);
	assert_string_equal(inform->hostname, "btest.is.cool");
	obs_log_free(&r.log);
}

/* Zeek dhcp-discover-msg-types: DISCOVER, mac 00:0b:82:01:fc:42, host_name
 * test0000, requested_addr 208.67.222.222. */
static void test_pcap_zeek_discover(void **unused)
{
	(void)unused;
	struct pcap_run r;
	run_pcap("zeek/Traces/dhcp/dhcp_discover_param_req_and_client_id.pcap", &r);
	assert_int_equal(r.dhcp, 1);
	assert_int_equal(r.msg[0]->msg_type, DHCP_DISCOVER);
	want_mac(r.msg[0], "00:0b:82:01:fc:42");
	assert_string_equal(r.msg[0]->hostname, "test0000");
	check_ip(r.msg[0]->requested, r.msg[0]->has_requested, "208.67.222.222", false);
	assert_string_equal(r.msg[0]->client_id, "01000b8201fc42");
	obs_log_free(&r.log);
}

/* Zeek dhcp inform: INFORM,ACK, client_addr 128.2.6.122, mac
 * 90:b1:1c:99:49:29, no assigned_addr (the ACK of an INFORM has yiaddr 0). */
static void test_pcap_zeek_inform(void **unused)
{
	(void)unused;
	struct pcap_run r;
	run_pcap("zeek/Traces/dhcp/dhcp_inform.pcap", &r);
	assert_int_equal(r.dhcp, 2);
	assert_int_equal(r.msg[0]->msg_type, DHCP_INFORM);
	assert_int_equal(r.msg[1]->msg_type, DHCP_ACK);
	for (unsigned i = 0; i < 2; i++) {
		want_mac(r.msg[i], "90:b1:1c:99:49:29");
		check_ip(r.msg[i]->client_ip, r.msg[i]->has_client_ip, "128.2.6.122", false);
		assert_false(r.msg[i]->has_assigned);
	}
	obs_log_free(&r.log);
}

/* JA4 dhcp.pcapng, JA4D types disco/offer/reqst/dpack (wireshark-testdata);
 * tshark: xid 0x3d1d/0x3d1e, yiaddr 192.168.0.10, lease 3600, requested
 * 192.168.0.10, chaddr 00:0b:82:01:fc:42. */
static void test_pcap_ja4_v4(void **unused)
{
	(void)unused;
	struct pcap_run r;
	run_pcap("ja4/pcap/dhcp.pcapng", &r);
	static const uint8_t types[] = {DHCP_DISCOVER, DHCP_OFFER, DHCP_REQUEST, DHCP_ACK};
	static const uint32_t xids[] = {0x3d1d, 0x3d1d, 0x3d1e, 0x3d1e};
	assert_int_equal(r.anomalies, 0);
	assert_int_equal(r.dhcp, 4);
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(r.msg[i]->msg_type, types[i]);
		assert_int_equal(r.msg[i]->xid, xids[i]);
		want_mac(r.msg[i], "00:0b:82:01:fc:42");
	}
	check_ip(r.msg[2]->requested, r.msg[2]->has_requested, "192.168.0.10", false);
	check_ip(r.msg[3]->assigned, r.msg[3]->has_assigned, "192.168.0.10", false);
	assert_int_equal(r.msg[3]->lease_s, 3600);
	obs_log_free(&r.log);
}

/* JA4 dhcpv6.pcap, JA4D types solct/advrt/reqst/reply/relse/reply; tshark:
 * xids 0x100874 x2, 0x49174e x2, 0xc789b0 x2; client DUID-LLT
 * 000100011c39cf88080027fe8f95 (MAC 08:00:27:fe:8f:95) in all six. Its
 * leases are IA_PD prefixes (delegated to a router), not host addresses. */
static void test_pcap_ja4_v6(void **unused)
{
	(void)unused;
	struct pcap_run r;
	run_pcap("ja4/pcap/dhcpv6.pcap", &r);
	static const uint8_t types[] = {DHCP6_SOLICIT, DHCP6_ADVERTISE, DHCP6_REQUEST,
					DHCP6_REPLY,   DHCP6_RELEASE,   DHCP6_REPLY};
	static const uint32_t xids[] = {0x100874, 0x100874, 0x49174e, 0x49174e, 0xc789b0, 0xc789b0};
	assert_int_equal(r.anomalies, 0);
	assert_int_equal(r.dhcp, 6);
	for (unsigned i = 0; i < 6; i++) {
		assert_int_equal(r.msg[i]->version, 6);
		assert_int_equal(r.msg[i]->msg_type, types[i]);
		assert_int_equal(r.msg[i]->xid, xids[i]);
		want_mac(r.msg[i], "08:00:27:fe:8f:95");
		assert_string_equal(r.msg[i]->client_id, "000100011c39cf88080027fe8f95");
		assert_false(r.msg[i]->has_assigned);
	}
	obs_log_free(&r.log);
}

/* nDPI dhcp-fuzz.pcapng: one mangled DHCP datagram. Must not crash; what
 * it yields is counted. */
static void test_pcap_ndpi_fuzz(void **unused)
{
	(void)unused;
	struct pcap_run r;
	run_pcap("ndpi/pcap/dhcp-fuzz.pcapng", &r);
	print_message("dhcp-fuzz: %u messages, %u anomalies\n", r.dhcp, r.anomalies);
	for (size_t i = 0; i < r.log.n; i++)
		if (r.log.v[i].type == OBS_ANOMALY)
			print_message("  anomaly %s\n", r.log.v[i].u.anomaly.reason);
	assert_int_equal(r.dhcp + r.anomalies > 0, 1);
	obs_log_free(&r.log);
}

int main(void)
{
	struct cases t = {0};
	CASE_ROWS(&t, test_case, cases, name);
	CASE_ROWS(&t, test_truncated, cases, name);
	add_probes(&t);
	CASE(&t, test_registry);
	CASE(&t, test_pcap_suricata);
	CASE(&t, test_pcap_zeek_all);
	CASE(&t, test_pcap_zeek_discover);
	CASE(&t, test_pcap_zeek_inform);
	CASE(&t, test_pcap_ja4_v4);
	CASE(&t, test_pcap_ja4_v6);
	CASE(&t, test_pcap_ndpi_fuzz);
	return cases_main(&t, "dhcp");
}
