/* test_quic_truth.c — ground truth for the QUIC dissector: the SNI, JA4,
 * JA3, first ALPN and QUIC version of the ClientHello an Initial carries
 * (and the ServerHello's version and cipher) must equal the values
 * published by other tools for public captures in ../shared/pcaps-public
 * (see its SOURCES.md): nDPI .out files, FoxIO ja4 reference snapshots,
 * suricata-verify test.yaml (and the reference output in a test's
 * README.md) and Arkime .test session JSON. Each row is a case: every UDP
 * flow of its capture (pcap_walk.h) goes through dissector_quic, datagram
 * by datagram in capture order — the client being the side that sent the
 * flow's first datagram — and the flow of the row's client port must show
 * the published values. Each capture's flows, hellos and anomalies (by
 * reason) are printed once, when it is read.
 */
#include "dissector.h"
#include "pcap_walk.h"

extern const struct dissector dissector_quic;

/* ---- one expected result: a UDP flow of a capture, by client port ---- */

struct truth {
	const char *source;   /* who published the value */
	const char *pcap;     /* under pcaps-public/ */
	uint16_t client_port; /* 0: the capture's only flow with a ClientHello */
	const char *sni;      /* NULL: not checked; "": published as absent */
	const char *ja4;
	const char *ja3;
	const char *alpn;      /* the first ALPN value */
	uint32_t quic_version; /* of the Initial that carried the hello; 0: not checked */
	uint16_t sh_version;   /* ServerHello, selected; 0: not checked */
	uint16_t sh_cipher;    /* 0: not checked */
	unsigned ch_at;	       /* capture's UDP datagram (from 1) ending the ClientHello; 0: not checked */
};

/* With every value NULL and 0 a row checks nothing: its capture is read and
 * summarised only (the source publishes nothing per flow to compare). */
#define T(src, file, port, sni_, ja4_, ja3_, alpn_, ver_)                                                    \
	{                                                                                                    \
		src, file, port, sni_, ja4_, ja3_, alpn_, ver_, 0, 0, 0                                      \
	}

#define V1 0x00000001u
#define V2 0x6b3343cfu
#define DRAFT28 0xff00001cu
#define DRAFT29 0xff00001du

static const struct truth truths[] = {
    /* nDPI tests/cfgs/default/result/<pcap>.out: [Hostname/SNI], [JA4], [JA3C],
     * [(Advertised) ALPNs] (the first), [QUIC ver]. The ALPN part of nDPI's JA4
     * (this snapshot, 2024-10) is not JA4.md's "first and last characters of
     * the first ALPN value" (nDPI issue #2914, fixed by PR #2915 in 2025), nor
     * is its SNI letter for a hello without server_name (issue #2916: 'd'
     * unless the SNI is an IP address): those rows keep nDPI's other parts and
     * its hashes, and take the letters JA4.md gives for the ALPN list and SNI
     * nDPI itself prints. The Arkime quicietfooo row below corroborates: same
     * client hashes as quic_0RTT:51972, "h3" for the ALPN "h3". */
    /* nDPI: q13d0512h3_… ("h3-29": first two characters). */
    T("ndpi+JA4.md-alpn-rule", "ndpi/pcap/quic-29.pcap", 36588, "localhost",
      "q13d0512h9_d55e91d5c3b2_cd318bf3b157", "b3e43d74f4b790abca2f5fe7dd06e7cf", "h3-29", DRAFT29),
    /* nDPI: q13d0310h0_… (ALPN "h3"). */
    T("ndpi+JA4.md-alpn-rule", "ndpi/pcap/quic-v2.pcapng", 42086, "test",
      "q13d0310h3_55b375c5d22e_0a3b52e28cea", "5e685944fc983af5eabcc813add3dca1", "h3", V2),
    /* nDPI: q00d0307h3_…, no [Hostname/SNI] and the risk "Missing SNI TLS Extn"
     * (tshark: extensions 51,16,43,13,10,57,45); ALPN "h3-34". */
    T("ndpi+JA4.md-alpn-and-sni-rules", "ndpi/pcap/quic_frags_ch_in_multiple_packets.pcapng", 58822, "",
      "q00i0307h4_55b375c5d22e_af0a630e9e67", "0299b052ace53a14c3a04aceb5efd247", "h3-34", V1),
    /* nDPI: q13d0312h0_… (ALPN "h3"). The flow starts with two 0-RTT packets
     * captured before its Initial. */
    T("ndpi+JA4.md-alpn-rule", "ndpi/pcap/quic_0RTT.pcap", 51972, "ssl.gstatic.com",
      "q13d0312h3_55b375c5d22e_73e2d9e6cde6", "06b6b2a2cba0b7deeaaa6a3d8374d627", "h3", V1),
    /* QUIC draft-28 (0xff00001c, nDPI [QUIC ver: Draft-28]; the Initial salt
     * of drafts 23 to 28). nDPI: q00d0310h3_… (ALPN "h3-32"). */
    T("ndpi+JA4.md-alpn-rule", "ndpi/pcap/quic_0RTT.pcap", 60459, "abcd",
      "q00d0310h2_55b375c5d22e_060ec1c6a056", "a7b629a5bd67bfc25e2c78b3daa4c12f", "h3-32", DRAFT28),
    /* Not rows: youtube_quic.pcap is Google QUIC Q035, whose hello is a
     * plaintext gQUIC CHLO, not a TLS ClientHello in an IETF Initial; it is
     * out of scope (nDPI names those flows by itself). */
    /* 63 QUIC flows whose client Initials carry the reserved version 0x0a0a0a0a
     * (RFC 9000 §15: to force Version Negotiation); nDPI prints only [QUIC ver:
     * Ver-Negotiation] per flow, no SNI or JA4: summary only. */
    T("ndpi", "ndpi/pcap/quic_interop_V.pcapng", 0, NULL, NULL, NULL, NULL, 0),

    /* FoxIO ja4 reference output: ja4/snapshots/ja4__insta@<pcap>.snap (udp stream src_port,
     * tls_server_name, ja4; ja4s q130200_1301_… is a TLS 1.3 ServerHello with cipher 0x1301). */
    T("ja4-snapshot", "ja4/pcap/quic-tls-handshake.pcapng", 59102, "www.google.com",
      "q13d0310h3_55b375c5d22e_cd85d2d88918", NULL, NULL, 0),
    T("ja4-snapshot", "ja4/pcap/quic-with-several-tls-frames.pcapng", 55906, "ogs.google.com",
      "q13d0310h3_55b375c5d22e_cd85d2d88918", NULL, NULL, 0),
    {"ja4-snapshot", "ja4/pcap/chrome-cloudflare-quic-with-secrets.pcapng", 50280, "cloudflare-quic.com",
     "q13d0310h3_55b375c5d22e_cd85d2d88918", NULL, NULL, 0, 0x0304, 0x1301, 0},

    /* suricata-verify tests/ja4-quic: test.yaml wants 11 quic events with this quic.ja4; the
     * test's README.md gives the FoxIO tool's output per stream (src_port, tls_server_name). */
    T("suricata-verify", "suricata-verify/tests/ja4-quic/input.pcap", 51333, "www.blogger.com",
      "q13d0310h3_55b375c5d22e_cd85d2d88918", NULL, NULL, 0),
    T("suricata-verify", "suricata-verify/tests/ja4-quic/input.pcap", 53371, "socpuppet.blogspot.com",
      "q13d0310h3_55b375c5d22e_cd85d2d88918", NULL, NULL, 0),
    T("suricata-verify", "suricata-verify/tests/ja4-quic/input.pcap", 50440, "apis.google.com",
      "q13d0310h3_55b375c5d22e_cd85d2d88918", NULL, NULL, 0),
    T("suricata-verify", "suricata-verify/tests/ja4-quic/input.pcap", 37252, "www.blogger.com",
      "q13d0310h3_55b375c5d22e_cd85d2d88918", NULL, NULL, 0),
    T("suricata-verify", "suricata-verify/tests/ja4-quic/input.pcap", 57334, "apis.google.com",
      "q13d0310h3_55b375c5d22e_cd85d2d88918", NULL, NULL, 0),
    T("suricata-verify", "suricata-verify/tests/ja4-quic/input.pcap", 38677, "www.google.com",
      "q13d0310h3_55b375c5d22e_cd85d2d88918", NULL, NULL, 0),
    T("suricata-verify", "suricata-verify/tests/ja4-quic/input.pcap", 42849, "www.gstatic.com",
      "q13d0310h3_55b375c5d22e_cd85d2d88918", NULL, NULL, 0),
    T("suricata-verify", "suricata-verify/tests/ja4-quic/input.pcap", 32997, "fonts.gstatic.com",
      "q13d0310h3_55b375c5d22e_cd85d2d88918", NULL, NULL, 0),
    T("suricata-verify", "suricata-verify/tests/ja4-quic/input.pcap", 60461, "4.bp.blogspot.com",
      "q13d0310h3_55b375c5d22e_cd85d2d88918", NULL, NULL, 0),
    T("suricata-verify", "suricata-verify/tests/ja4-quic/input.pcap", 52446, "1.bp.blogspot.com",
      "q13d0310h3_55b375c5d22e_cd85d2d88918", NULL, NULL, 0),
    T("suricata-verify", "suricata-verify/tests/ja4-quic/input.pcap", 41171, "2.bp.blogspot.com",
      "q13d0310h3_55b375c5d22e_cd85d2d88918", NULL, NULL, 0),
    /* test.yaml: quic.ja4 (and the README's reference output: tls_server_name). */
    T("suricata-verify", "suricata-verify/tests/ja4-tls-quic/input.pcap", 50280, "cloudflare-quic.com",
      "q13d0310h3_55b375c5d22e_cd85d2d88918", NULL, NULL, 0),
    /* test.yaml: quic.extensions[1] server_name msquic.net, extensions[2] alpn h3-29. */
    T("suricata-verify", "suricata-verify/tests/quic-ietf/input.pcap", 0, "msquic.net", NULL, NULL, "h3-29",
      0),
    /* test.yaml: extensions[0] status_request, extensions[6] alpn h3 (no server_name checked). */
    T("suricata-verify", "suricata-verify/tests/quic-v2/input.pcap", 0, NULL, NULL, NULL, "h3", 0),
    /* test.yaml: alpn h3, in the event at pcap_cnt 2: the ClientHello spans the
     * first two datagrams (every frame of the capture is a UDP datagram). */
    {"suricata-verify", "suricata-verify/tests/quic-frag/input.pcap", 0, NULL, NULL, NULL, "h3", 0, 0, 0, 2},

    /* Arkime tests/pcap/<name>.test: source.port, http.host (the QUIC SNI), tls.ja4, tls.ja3. */
    T("arkime", "arkime/pcap/quicietf.pcap", 57349, "ssl.gstatic.com", "q13d0311h3_55b375c5d22e_3512bcbbc9ec",
      "ddfef2ad23ab6dd55307813c2d0b7d58", NULL, 0),
    T("arkime", "arkime/pcap/quicietfooo.pcap", 53730, "ssl.gstatic.com",
      "q13d0312h3_55b375c5d22e_73e2d9e6cde6", "994befbc7d0879ee9be4b570e03a5284", NULL, 0),
};

/* ---- a capture's UDP flows through dissector_quic ---- */

struct quic_flow {
	void *st;
	bool stopped; /* DISSECT_DONE or an error: fed no more */
	/* dissector_quic.probe claimed one of the flow's first PROBES datagrams,
	 * as the sensor's flow layer needs before it opens the layer (all of the
	 * flow's datagrams are parsed here either way) */
	bool probed;
	unsigned datagrams[2];
	unsigned n_ch, n_sh, anomalies;
	unsigned ch_at; /* the capture's UDP datagram during which the first ClientHello came */
	struct obs_tls_client_hello ch; /* the first of each */
	struct obs_tls_server_hello sh;
	char last_anomaly[AS_STR_SHORT];
};

#define MAX_REASONS 16
#define PROBES 4 /* UDP datagrams a flow is probed with (sensor/flow/flow.c) */

/* The capture the last case read (rows sharing one read it once). */
static struct {
	char rel[256];
	struct pw_tcp t; /* only its flow table (pw_flow_of): addresses, ports, [0] the first sender */
	struct quic_flow *flows;
	size_t cap_flows;
	struct {
		char reason[AS_STR_SHORT];
		unsigned n;
	} reasons[MAX_REASONS];
	size_t n_reasons;
	unsigned other_reasons; /* anomalies past MAX_REASONS distinct reasons */
	unsigned datagram;	/* the capture's UDP datagrams so far */
} cap;

static void count_reason(const char *reason)
{
	for (size_t i = 0; i < cap.n_reasons; i++)
		if (strcmp(cap.reasons[i].reason, reason) == 0) {
			cap.reasons[i].n++;
			return;
		}
	if (cap.n_reasons == MAX_REASONS) {
		cap.other_reasons++;
		return;
	}
	snprintf(cap.reasons[cap.n_reasons].reason, sizeof cap.reasons[0].reason, "%s", reason);
	cap.reasons[cap.n_reasons++].n = 1;
}

static void on_obs(void *user, const struct observation *o)
{
	struct quic_flow *f = user;
	if (o->type == OBS_TLS_CLIENT_HELLO) {
		if (!f->n_ch++) {
			f->ch = o->u.tls_ch;
			f->ch_at = cap.datagram;
		}
	} else if (o->type == OBS_TLS_SERVER_HELLO) {
		if (!f->n_sh++)
			f->sh = o->u.tls_sh;
	} else if (o->type == OBS_ANOMALY) {
		f->anomalies++;
		snprintf(f->last_anomaly, sizeof f->last_anomaly, "%s", o->u.anomaly.reason);
		count_reason(o->u.anomaly.reason);
	}
}

static void on_datagram(void *user, const struct pw_pkt *k)
{
	(void)user;
	int side;
	size_t fi = pw_flow_of(&cap.t, k, &side);
	if (fi >= cap.cap_flows) {
		size_t n = cap.cap_flows ? 2 * cap.cap_flows : 16;
		cap.flows = realloc(cap.flows, n * sizeof *cap.flows);
		assert_non_null(cap.flows);
		memset(cap.flows + cap.cap_flows, 0, (n - cap.cap_flows) * sizeof *cap.flows);
		cap.cap_flows = n;
	}
	struct quic_flow *f = &cap.flows[fi];
	enum dissect_dir dir = side == 0 ? DIR_TO_SERVER : DIR_TO_CLIENT;
	const struct pw_flow *pf = &cap.t.flows[fi];
	cap.datagram++;
	if (!f->st) {
		struct layer_open o = {
		    .transport = TRANSPORT_UDP, .client_port = pf->port[0], .server_port = pf->port[1]};
		f->st = dissector_quic.state_new(&o);
		assert_non_null(f->st);
	}
	if (!f->probed && f->datagrams[0] + f->datagrams[1] < PROBES) {
		struct dissect_probe p = {.transport = TRANSPORT_UDP,
					  .dir = dir,
					  .client_port = pf->port[0],
					  .server_port = pf->port[1],
					  .data = k->payload,
					  .len = k->len};
		f->probed = dissector_quic.probe(&p);
	}
	f->datagrams[dir]++;
	if (f->stopped)
		return;
	struct dissect_ctx ctx = {.emit = on_obs, .user = f};
	if (dissector_quic.parse(f->st, dir, k->payload, k->len, &ctx) != DISSECT_MORE)
		f->stopped = true;
}

static void cap_free(void)
{
	for (size_t i = 0; cap.flows && i < cap.t.n_flows; i++)
		if (cap.flows[i].st)
			dissector_quic.state_free(cap.flows[i].st);
	free(cap.flows);
	pw_tcp_free(&cap.t);
	memset(&cap, 0, sizeof cap);
}

static int cap_teardown(void **state)
{
	(void)state;
	cap_free();
	return 0;
}

/* One line: flows, datagrams, hellos, anomalies by reason. */
static void cap_summary(void)
{
	unsigned probed = 0, chs = 0, shs = 0, with_ch = 0, dgrams = 0, anomalies = 0;
	for (size_t i = 0; i < cap.t.n_flows; i++) {
		const struct quic_flow *f = &cap.flows[i];
		probed += f->probed;
		chs += f->n_ch;
		shs += f->n_sh;
		with_ch += f->n_ch > 0;
		dgrams += f->datagrams[0] + f->datagrams[1];
		anomalies += f->anomalies;
	}
	char line[1024];
	int n = snprintf(line, sizeof line,
			 "%s: %zu udp flows (%u claimed by probe), %u datagrams, %u ClientHello (%u flows), "
			 "%u ServerHello, %u anomalies",
			 cap.rel, cap.t.n_flows, probed, dgrams, chs, with_ch, shs, anomalies);
	for (size_t i = 0; i < cap.n_reasons && n > 0 && (size_t)n < sizeof line; i++)
		n += snprintf(line + n, sizeof line - (size_t)n, "%s%s x%u", i ? ", " : ": ",
			      cap.reasons[i].reason, cap.reasons[i].n);
	if (cap.other_reasons && n > 0 && (size_t)n < sizeof line)
		snprintf(line + n, sizeof line - (size_t)n, ", other x%u", cap.other_reasons);
	print_message("  [quic] %s\n", line);
}

static void cap_load(const char *rel)
{
	if (strcmp(cap.rel, rel) == 0)
		return;
	cap_free();
	pcap_t *pc = pw_open(rel); /* missing() when absent, before anything is allocated */
	snprintf(cap.rel, sizeof cap.rel, "%s", rel);
	pw_each_udp(pc, on_datagram, NULL);
	cap_summary();
}

/* ---- checks ---- */

static bool str_check(const char *what, const char *want, const char *got)
{
	if (!want || strcmp(want, got) == 0)
		return true;
	print_message("  MISMATCH %s: got \"%s\" want \"%s\"\n", what, got, want);
	return false;
}

static void print_flows(void)
{
	for (size_t i = 0; i < cap.t.n_flows; i++) {
		const struct quic_flow *f = &cap.flows[i];
		print_message("    flow %u->%u: %u+%u datagrams, probe %s, %u ClientHello, %u ServerHello, "
			      "%u anomalies%s%s\n",
			      cap.t.flows[i].port[0], cap.t.flows[i].port[1], f->datagrams[0],
			      f->datagrams[1], f->probed ? "yes" : "no", f->n_ch, f->n_sh, f->anomalies,
			      f->anomalies ? ", last " : "", f->anomalies ? f->last_anomaly : "");
	}
}

static void test_truth(void **state)
{
	const struct truth *t = *state;
	cap_load(t->pcap);
	bool wants_ch = t->sni || t->ja4 || t->ja3 || t->alpn || t->quic_version || t->ch_at;
	bool wants_sh = t->sh_version || t->sh_cipher;
	if (!wants_ch && !wants_sh)
		return; /* summary only */
	const struct quic_flow *f = NULL;
	size_t n_match = 0;
	for (size_t i = 0; i < cap.t.n_flows; i++) {
		const struct quic_flow *g = &cap.flows[i];
		bool port_ok = t->client_port ? cap.t.flows[i].port[0] == t->client_port : true;
		bool has = wants_ch ? g->n_ch > 0 : g->n_sh > 0;
		if (port_ok && has && n_match++ == 0)
			f = g;
	}
	if (!f) {
		print_flows();
		fail_msg("no flow from client port %u (0: any) with a %s", t->client_port,
			 wants_ch ? "ClientHello" : "ServerHello");
	}
	if (!t->client_port && n_match > 1) {
		print_flows();
		fail_msg("client port 0 (the only flow) but %zu flows have a hello", n_match);
	}
	bool ok = true;
	if (wants_ch) {
		if (!f->ch.quic) {
			print_message("  MISMATCH quic: the ClientHello is not marked as QUIC\n");
			ok = false;
		}
		ok &= str_check("sni", t->sni, f->ch.sni);
		ok &= str_check("ja4", t->ja4, f->ch.ja4);
		ok &= str_check("ja3", t->ja3, f->ch.ja3);
		ok &= str_check("alpn", t->alpn, f->ch.n_alpn ? f->ch.alpn[0] : "");
		if (t->quic_version && f->ch.quic_version != t->quic_version) {
			print_message("  MISMATCH quic_version: got 0x%08x want 0x%08x\n", f->ch.quic_version,
				      t->quic_version);
			ok = false;
		}
	}
	if (wants_sh && !f->n_sh) {
		print_flows();
		fail_msg("no ServerHello in the flow");
	}
	if (t->ch_at && f->ch_at != t->ch_at) {
		print_message("  MISMATCH ClientHello complete at datagram %u, want %u\n", f->ch_at,
			      t->ch_at);
		ok = false;
	}
	if (t->sh_version && f->sh.version != t->sh_version) {
		print_message("  MISMATCH sh version: got %04x want %04x\n", f->sh.version, t->sh_version);
		ok = false;
	}
	if (t->sh_cipher && f->sh.cipher != t->sh_cipher) {
		print_message("  MISMATCH sh cipher: got %04x want %04x\n", f->sh.cipher, t->sh_cipher);
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
	return cases_status(cases_run(&c, "quic ground truth", NULL, cap_teardown));
}
