/* test_tls_truth.c — ground truth for the TLS dissector: JA3/JA3S/JA4, SNI,
 * ECH and selected version/cipher must equal the values published by other
 * tools for public captures in ../shared/pcaps-public (see its SOURCES.md):
 * FoxIO ja4 reference snapshots, Arkime .test session JSON, nDPI .out
 * files, suricata-verify test.yaml and Zeek baselines. Each row is a case:
 * its capture's TCP flows (pcap_walk.h: each direction in sequence order)
 * go through dissector_tls, and the flow of the row's client port must show
 * the published values. */
#include "dissector.h"
#include "pcap_walk.h"

extern const struct dissector dissector_tls;

/* ---- one expected result: a TCP flow of a capture, by client port ---- */

struct truth {
	const char *source;   /* who published the value */
	const char *pcap;     /* under pcaps-public/ */
	uint16_t client_port; /* 0: the capture's only flow with a ClientHello */
	const char *sni;      /* NULL: not checked */
	const char *ja3;
	const char *ja4;
	const char *ja3s;
	int ech;	     /* -1: not checked */
	uint16_t sh_version; /* 0: not checked */
	uint16_t sh_cipher;  /* 0: not checked */
};

#define T(src, file, port, sni_, ja3_, ja4_, ja3s_)                                                          \
	{                                                                                                    \
		src, file, port, sni_, ja3_, ja4_, ja3s_, -1, 0, 0                                           \
	}

static const struct truth truths[] = {
    /* FoxIO ja4 reference output: ja4/snapshots/ja4__insta@<pcap>.snap (stream src_port, ja4,
       tls_server_name). */
    T("ja4-snapshot", "ja4/pcap/badcurveball.pcap", 55318, "bad.curveballtest.com", NULL,
      "t13d1615h2_46e7e9700bed_45f260be83e2", NULL),
    T("ja4-snapshot", "ja4/pcap/tls12.pcap", 36372, "contile.services.mozilla.com", NULL,
      "t13d1715h2_5b57614c22b0_3d5424432f57", NULL),
    T("ja4-snapshot", "ja4/pcap/ipv6.pcapng", 64034, "www.cloudflare.com", NULL,
      "t12d4605h2_85626a9a5f7f_aaf95bb78ec9", NULL),
    T("ja4-snapshot", "ja4/pcap/latest.pcapng", 52937, "discovery.cem.cloud.us", NULL,
      "t12d190800_d83cc789557e_7af1ed941c26", NULL),
    T("ja4-snapshot", "ja4/pcap/latest.pcapng", 52938, "app.slack.com", NULL,
      "t13d1516h2_8daaf6152771_9b887d9acb53", NULL),
    T("ja4-snapshot", "ja4/pcap/macos_tcp_flags.pcap", 61311, "venarisecurity.com", NULL,
      "t13d2613h2_2802a3db6c62_845d286b0d67", NULL),
    T("ja4-snapshot", "ja4/pcap/tls-handshake.pcapng", 50122, "lp-push-server-452.lastpass.com", NULL,
      "t13d1516h1_8daaf6152771_e5627efa2ab1", NULL),
    T("ja4-snapshot", "ja4/pcap/tls-handshake.pcapng", 50123, "mtalk.google.com", NULL,
      "t13d151400_8daaf6152771_de4a06bb82e3", NULL),
    T("ja4-snapshot", "ja4/pcap/tls-handshake.pcapng", 50153, "edge-chat.facebook.com", NULL,
      "t13d1517h1_8daaf6152771_6cdcb247c39b", NULL),
    T("ja4-snapshot", "ja4/pcap/tls-handshake.pcapng", 50167, "login.live.com", NULL,
      "t13d1516h2_8daaf6152771_e5627efa2ab1", NULL),
    T("ja4-snapshot", "ja4/pcap/https3-301-get.pcap", 62599, "www.github.com", NULL,
      "t10d230100_6a57a6f57151_000000000000", NULL),
    T("ja4-snapshot", "ja4/pcap/browsers-x509.pcapng", 54524, "edge.microsoft.com", NULL,
      "t13d1516h2_8daaf6152771_e5627efa2ab1", NULL),
    T("ja4-snapshot", "ja4/pcap/tls3.pcapng", 63252, "rsms.me", NULL, "t13d1516h2_8daaf6152771_9b887d9acb53",
      NULL),
    T("ja4-snapshot", "ja4/pcap/chrome-cloudflare-quic-with-secrets.pcapng", 57098, "cloudflare-quic.com",
      NULL, "t13d1516h2_8daaf6152771_e5627efa2ab1", NULL),
    /* The snapshot says t13d151699_… (the Rust tool maps non-ASCII to '9');
     * the first ALPN value is 0xba 0xad, which JA4.md's hex rule prints as
     * "bd": the snapshot's other parts are kept, the ALPN part per spec. */
    T("ja4-snapshot+JA4.md-alpn-rule", "ja4/pcap/tls-non-ascii-alpn.pcapng", 50112,
      "clientservices.googleapis.com", NULL, "t13d1516bd_8daaf6152771_e5627efa2ab1", NULL),

    /* Arkime tests/pcap/<name>.test: source.port, tls.ja3, tls.ja4, tls.ja3s, host. */
    T("arkime", "arkime/pcap/curl-enabled-tls13.pcap", 46638, "enabled.tls13.com",
      "eeadfd2f446a45ded96f804720a0c75b", "t13d0413h2_16476d049b0b_ffceb19bae65",
      "907bf3ecef1c987c889946b737b43de8"),
    T("arkime", "arkime/pcap/openssl-tls1_2.pcap", 57413, "", "c1a36e1a870786cc75edddc0009eaf3a",
      "t12i740500_c43983326036_3eafcbe19126", "ccc514751b175866924439bdbb5bba34"),
    T("arkime", "arkime/pcap/ssl-selfsign.pcap", 60101, "", "03e697d7655911e630ee3ee8e2a02ba4",
      "ts3i230000_6a57a6f57151_000000000000", "9f527afa113542d92a2c3b08c525ee1d"),
    T("arkime", "arkime/pcap/tls-client-sessionid.pcap", 62938, "bl.a.im", "42e6d8174e649efbf780f0d9b6ef9610",
      "t10d1408s1_4228c87f9d3a_16587fedcc33", "4f018bc336c48beb79763b308b43c6dd"),
    T("arkime", "arkime/pcap/tls-split-client-hello.pcap", 49927, "clients2.google.com",
      "35708a08e7be9f7aa5bce7f2d5c1cecb", "t13d1516h2_8daaf6152771_02713d6af862",
      "eb1d94daa7e0344597e756a1fb6e7054"),
    T("arkime", "arkime/pcap/tls13.pcap", 62510, "blog.cloudflare.com", "4826a90ec2daf4f7b4b64cc1c8bd343b",
      "t00d1815h2_a30347de7a75_2a77702ff8e0", "b8a8031b301aef7618403061e9f33065"),

    /* nDPI tests/cfgs/default/result/<pcap>.out: [JA3C], [JA4], [JA3S], [Hostname/SNI], [ECH]. */
    {"ndpi", "ndpi/pcap/tls_ech.pcapng", 47460, "performance.radar.cloudflare.com",
     "6820f114cf3b0809ffdcb30cb277848a", "t13d1516h2_8daaf6152771_02713d6af862",
     "eb1d94daa7e0344597e756a1fb6e7054", 1, 0, 0},
    T("ndpi", "ndpi/pcap/chrome.pcap", 64410, "www.iit.cnr.it", "aa50c12a5dfa717d9d6ab34e97de79d5",
      "t13d1516h2_8daaf6152771_e5627efa2ab1", "15af977ce25de452b96affa2addb1036"),
    T("ndpi", "ndpi/pcap/chrome.pcap", 64409, "www.iit.cnr.it", "1b73862eae8f1711440a446b1ef357fd",
      "t13d1516h2_8daaf6152771_9b887d9acb53", "2253c82f03b621c5144709b393fde2c9"),
    T("ndpi", "ndpi/pcap/443-curl.pcap", 55523, "www.ntop.org", "2a26b1a62e40d25d4de3babc9d532f30",
      "t12d6707h2_2955a3196ffa_c83f907a73d3", "ae53107a2e47ea20c72ac44821a728bf"),
    T("ndpi", "ndpi/pcap/443-firefox.pcap", 53096, "www.ntop.org", "b20b44b18b853ef29ab773e921b03422",
      "t13d1814h2_29a2cd9e9f10_d267a5f792d4", "3653a20186a5b490426131a611e01992"),
    T("ndpi", "ndpi/pcap/443-safari.pcap", 53031, "www.ntop.org", "a69708a64f853c3bcc214c2c5faf84f3",
      "t12d2010h2_2a284e3b0c56_f05fdf8c38a9", "f9fcb52580329fb6a9b61d7542087b90"),
    T("ndpi", "ndpi/pcap/tls_2_reasms.pcapng", 38134, "i.instagram.com", "44dab16d680ef93487bc16ad23b3ffb1",
      "t00d0309h2_55b375c5d22e_566d5108064c", "fcb2d4d0991292272fcb1e464eedfd43"),
    /* nDPI prints JA4 t13d1811h2_… and t13d1909h2_… for these two, but neither
     * ClientHello has a server_name extension (tshark: extensions
     * 45,13,35,10,51,43,11,16,65281,23,21 and 5,10,11,13,65281,16,18,43,51), so
     * JA4.md gives 'i'; the JA3 and the hashed JA4 parts are nDPI's. */
    T("ndpi+JA4.md-sni-rule", "ndpi/pcap/tls_with_huge_ch.pcapng", 40640, NULL,
      "66d6080b942b0b593896bf729f3fd326", "t13i1811h2_f71e3e15ae0d_5c3a8cf9b2bc", NULL),
    T("ndpi", "ndpi/pcap/tls_esni_sni_both.pcap", 55500, "these-are-not-the-droids-youre-looking-for.com",
      "077d20c3f8c5a1f091dc937c515b69c1", "t13d031100_55b375c5d22e_77359c92d649",
      "d75f9129bb5d05492a65ff78e081bcb2"),
    T("ndpi+JA4.md-sni-rule", "ndpi/pcap/doh.pcapng", 35996, NULL, "7c1e207beb00684bbbe144f1b0abe1d5",
      "t13i1909h2_9dc949149365_97f8aa674fd9", "d75f9129bb5d05492a65ff78e081bcb2"),
    T("ndpi", "ndpi/pcap/googledns_android10.pcap", 48098, "dns.google", "b734f75d22aaff9866fbd5d27eef9106",
      "t12d150800_0707305c9f76_120e542614af", "1249fb68f48c0444718e4d3b48b27188"),
    T("ndpi", "ndpi/pcap/ja3_lots_of_cipher_suites.pcap", 58657, NULL, NULL, NULL,
      "9d456958a9e86bb0d503543beaf1a65b"),

    /* suricata-verify tests/<name>/test.yaml: tls.ja4, tls.ja3.hash, tls.ja3s.hash. */
    T("suricata-verify", "suricata-verify/tests/ja4-tls/input.pcap", 0, NULL, NULL,
      "t12i1810s1_27d4652c4487_06a4338d0495", NULL),
    T("suricata-verify", "suricata-verify/tests/ja4-tls-quic/input.pcap", 0, "cloudflare-quic.com", NULL,
      "t13d1516h2_8daaf6152771_e5627efa2ab1", NULL),
    /* test.yaml says t10i070600_c50f5591e341_ce66f3b797c1: Suricata hashes
     * "0005,000a,000b,0017,0023,ff01_" with a trailing '_' although the hello
     * has no signature_algorithms; JA4.md (and the FoxIO Rust tool, and
     * Arkime, see tls-client-sessionid above) end the string without the
     * underscore, whose SHA-256 starts c39ab67fec8e. The JA3 is Wireshark's. */
    T("suricata-verify+JA4.md-no-sigalgs-rule",
      "suricata-verify/tests/bug-5713-01/TLSv1-Extracted-MaliciousC2.pcap", 0, NULL,
      "49ed2ef3f1321e5f044f1e71b0e6fdd5", "t10i070600_c50f5591e341_c39ab67fec8e", NULL),
    T("suricata-verify", "suricata-verify/tests/tls/tls13-draft28/tls13_draft28.pcap", 39632, "localhost",
      "43202faa1c8c1760d6f7f4bd9adde4ab", NULL, NULL),
    T("suricata-verify", "suricata-verify/tests/tls/tls13-draft28/tls13_draft28.pcap", 39634, "localhost",
      "d00857e0c8e7a7f35e446508c6233460", NULL, NULL),
    T("suricata-verify", "suricata-verify/tests/tls/tls13-draft23/tls13_draft23.pcap", 0, NULL,
      "0558cf38ebac58d332d7f39308fcd006", NULL, NULL),
    T("suricata-verify", "suricata-verify/tests/tls/tls-certs-alert/input.pcap", 48106, NULL, NULL, NULL,
      "5d79edf64e03689ff559a54e9d9487bc"),
    /* test.yaml gives the JA3 string of the first of two hellos (HelloRetryRequest in between);
     * 43202faa… is its MD5. */
    T("suricata-verify", "suricata-verify/tests/tls-duplicate-hello/input.pcap", 49954, "localhost",
      "43202faa1c8c1760d6f7f4bd9adde4ab", NULL, NULL),

    /* Zeek testing/btest/Baseline ssl.log: server_name, version TLSv13, cipher TLS_AES_128_GCM_SHA256;
     * the trace is Zeek's encrypted-client-hello test (ECH extension present). */
    {"zeek", "zeek/Traces/tls/tls13-ech.pcap", 51066, "cloudflare-ech.com", NULL, NULL, NULL, 1, 0x0304,
     0x1301},
    {"zeek", "zeek/Traces/tls/tls13-ech.pcap", 51071, "cloudflare-ech.com", NULL, NULL, NULL, 1, 0x0304,
     0x1301},
    {"zeek", "zeek/Traces/tls/chrome-1250-tls-x25519-kyber.pcap", 0, "lh3.google.com", NULL, NULL, NULL, -1,
     0x0304, 0x1301},
};

/* ---- a capture's flows through dissector_tls ---- */

struct tls_flow {
	void *st;
	bool stopped;
	bool have_ch, have_sh;
	struct obs_tls_client_hello ch;
	struct obs_tls_server_hello sh;
	unsigned anomalies;
	char last_anomaly[AS_STR_SHORT];
};

static void on_obs(void *user, const struct observation *o)
{
	struct tls_flow *f = user;
	if (o->type == OBS_TLS_CLIENT_HELLO && !f->have_ch) {
		f->ch = o->u.tls_ch;
		f->have_ch = true;
	} else if (o->type == OBS_TLS_SERVER_HELLO && !f->have_sh) {
		f->sh = o->u.tls_sh;
		f->have_sh = true;
	} else if (o->type == OBS_ANOMALY) {
		f->anomalies++;
		snprintf(f->last_anomaly, sizeof f->last_anomaly, "%s", o->u.anomaly.reason);
	}
}

/* Without a handshake in the capture, a first payload that is a ServerHello
 * record comes from the server. */
static bool server_hello_first(const uint8_t *p, size_t n)
{
	struct cur c = cur_make(p, n);
	uint8_t type, hs;
	return cur_peek_u8(&c, 0, &type) && cur_peek_u8(&c, 5, &hs) && type == 22 && hs == 2;
}

/* The capture the last case read (rows sharing one read it once). */
static struct {
	char rel[256];
	struct pw_tcp tcp;
	struct tls_flow *flows;
} cap;

static void cap_free(void)
{
	for (size_t i = 0; cap.flows && i < cap.tcp.n_flows; i++)
		if (cap.flows[i].st)
			dissector_tls.state_free(cap.flows[i].st);
	free(cap.flows);
	pw_tcp_free(&cap.tcp);
	memset(&cap, 0, sizeof cap);
}

static int cap_teardown(void **state)
{
	(void)state;
	cap_free();
	return 0;
}

static void cap_load(const char *rel)
{
	if (strcmp(cap.rel, rel) == 0)
		return;
	cap_free();
	pw_tcp_read(rel, server_hello_first, &cap.tcp);
	cap.flows = calloc(cap.tcp.n_flows + 1, sizeof *cap.flows);
	assert_non_null(cap.flows);
	for (size_t i = 0; i < cap.tcp.n_ev; i++) {
		const struct pw_ev *e = &cap.tcp.ev[i];
		struct tls_flow *f = &cap.flows[e->flow];
		enum dissect_dir dir = e->dir == 0 ? DIR_TO_SERVER : DIR_TO_CLIENT;
		if (f->stopped)
			continue;
		if (!f->st) {
			if (!e->data)
				continue; /* nothing to lose yet */
			static const struct layer_open tcp = {.transport = TRANSPORT_TCP};
			f->st = dissector_tls.state_new(&tcp);
			assert_non_null(f->st);
		}
		struct dissect_ctx ctx = {.emit = on_obs, .user = f};
		if (!e->data) {
			dissector_tls.gap(f->st, dir, e->len, &ctx);
			continue;
		}
		if (dissector_tls.parse(f->st, dir, e->data, e->len, &ctx) != DISSECT_MORE)
			f->stopped = true;
	}
	snprintf(cap.rel, sizeof cap.rel, "%s", rel);
}

/* ---- checks ---- */

static bool str_check(const char *what, const char *want, const char *got)
{
	if (!want || strcmp(want, got) == 0)
		return true;
	print_message("  MISMATCH %s: got \"%s\" want \"%s\"\n", what, got, want);
	return false;
}

static void test_truth(void **state)
{
	const struct truth *t = *state;
	cap_load(t->pcap);
	const struct tls_flow *f = NULL;
	bool wants_ch = t->ja3 || t->ja4 || t->sni || t->ech >= 0;
	for (size_t i = 0; i < cap.tcp.n_flows && !f; i++) {
		const struct tls_flow *g = &cap.flows[i];
		bool port_ok = t->client_port ? cap.tcp.flows[i].port[0] == t->client_port : true;
		if (port_ok && (wants_ch ? g->have_ch : g->have_sh))
			f = g;
	}
	if (!f) {
		for (size_t i = 0; i < cap.tcp.n_flows; i++)
			if (cap.flows[i].anomalies)
				print_message("    flow %u->%u anomaly %s\n", cap.tcp.flows[i].port[0],
					      cap.tcp.flows[i].port[1], cap.flows[i].last_anomaly);
		fail_msg("no flow with the expected hello");
	}
	if ((t->ja3s || t->sh_version || t->sh_cipher) && !f->have_sh)
		fail_msg("no ServerHello");
	bool ok = true;
	ok &= str_check("sni", t->sni, f->ch.sni);
	ok &= str_check("ja3", t->ja3, f->ch.ja3);
	ok &= str_check("ja4", t->ja4, f->ch.ja4);
	ok &= str_check("ja3s", t->ja3s, f->sh.ja3s);
	if (t->ech >= 0 && f->ch.ech != (t->ech == 1)) {
		print_message("  MISMATCH ech\n");
		ok = false;
	}
	if (t->sh_version && f->sh.version != t->sh_version) {
		print_message("  MISMATCH version %04x\n", f->sh.version);
		ok = false;
	}
	if (t->sh_cipher && f->sh.cipher != t->sh_cipher) {
		print_message("  MISMATCH cipher %04x\n", f->sh.cipher);
		ok = false;
	}
	if (!ok)
		fail_msg("%s's values differ", t->source);
}

int main(void)
{
	struct cases c = {0};
	for (size_t i = 0; i < sizeof truths / sizeof truths[0]; i++)
		CASE_ROW(&c, test_truth, &truths[i], "%s %s:%u", truths[i].source, truths[i].pcap,
			 truths[i].client_port);
	return cases_status(cases_run(&c, "tls ground truth", NULL, cap_teardown));
}
