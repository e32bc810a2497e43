/* test_tls_truth.c — ground truth for the TLS dissector: JA3/JA3S/JA4, SNI,
 * ECH and selected version/cipher must equal the values published by other
 * tools for public captures in ../shared/pcaps-public (see its SOURCES.md):
 * FoxIO ja4 reference snapshots, Arkime .test session JSON, nDPI .out
 * files, suricata-verify test.yaml and Zeek baselines. The test walks each
 * capture with libpcap, decodes Ethernet/SLL/SLL2/null/raw + IPv4/IPv6 +
 * TCP itself, groups segments by 4-tuple, reorders them by sequence number
 * and feeds each direction's payload in order to dissector_tls. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <pcap/pcap.h>

#include "cursor.h"
#include "dissector.h"


extern const struct dissector dissector_tls;

#define PCAPS AS_SRC_DIR "/../shared/pcaps-public/"

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

/* ---- flows ---- */

struct seg {
	uint32_t seq;
	uint8_t *data;
	size_t len;
};

#define MAX_PENDING 256

struct half {
	bool started;
	uint32_t next; /* next expected sequence number */
	struct seg pending[MAX_PENDING];
	size_t n_pending;
};

struct flow {
	uint8_t addr[2][16]; /* [0] client, [1] server */
	uint16_t port[2];
	uint8_t family;
	bool client_known;
	struct half half[2]; /* by sender: 0 client, 1 server */
	void *st;
	bool stopped;
	int rc;
	bool have_ch, have_sh;
	struct obs_tls_client_hello ch;
	struct obs_tls_server_hello sh;
	unsigned anomalies;
	char last_anomaly[AS_STR_SHORT];
};

struct flows {
	struct flow *v;
	size_t n, alloc;
};

static void on_obs(void *user, const struct observation *o)
{
	struct flow *f = user;
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

static void feed(struct flow *f, int sender, const uint8_t *p, size_t n)
{
	if (f->stopped || n == 0)
		return;
	if (!f->st) {
		f->st = dissector_tls.state_new();
		assert_non_null(f->st);
	}
	struct dissect_ctx ctx = {.emit = on_obs, .user = f};
	int r = dissector_tls.parse(f->st, sender == 0 ? DIR_TO_SERVER : DIR_TO_CLIENT, p, n, &ctx);
	if (r != DISSECT_MORE) {
		f->stopped = true;
		f->rc = r;
	}
}

static int32_t seq_diff(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b);
}

/* Delivers in-order bytes of one direction, holding out-of-order segments. */
static void deliver(struct flow *f, int sender, uint32_t seq, const uint8_t *p, size_t n)
{
	struct half *h = &f->half[sender];
	if (!h->started) {
		h->started = true;
		h->next = seq;
	}
	int32_t d = seq_diff(seq, h->next);
	if (d > 0) {
		if (h->n_pending < MAX_PENDING) {
			struct seg *s = &h->pending[h->n_pending++];
			s->seq = seq;
			s->len = n;
			s->data = malloc(n);
			assert_non_null(s->data);
			memcpy(s->data, p, n);
		}
		return;
	}
	if ((size_t)(-(int64_t)d) >= n)
		return; /* retransmission */
	size_t skip = (size_t)(-(int64_t)d);
	feed(f, sender, p + skip, n - skip);
	h->next = seq + (uint32_t)n;
	for (bool progress = true; progress;) {
		progress = false;
		for (size_t i = 0; i < h->n_pending; i++) {
			struct seg s = h->pending[i];
			if (seq_diff(s.seq, h->next) > 0)
				continue;
			h->pending[i] = h->pending[--h->n_pending];
			int32_t dd = seq_diff(s.seq, h->next);
			size_t sk = (size_t)(-(int64_t)dd);
			if (sk < s.len) {
				feed(f, sender, s.data + sk, s.len - sk);
				h->next = s.seq + (uint32_t)s.len;
			}
			free(s.data);
			progress = true;
			break;
		}
	}
}

static struct flow *flow_get(struct flows *fs, uint8_t family, const uint8_t *src, uint16_t sport,
			     const uint8_t *dst, uint16_t dport, int *sender)
{
	size_t alen = family == 4 ? 4 : 16;
	for (size_t i = 0; i < fs->n; i++) {
		struct flow *f = &fs->v[i];
		if (f->family != family)
			continue;
		for (int s = 0; s < 2; s++)
			if (f->port[s] == sport && f->port[1 - s] == dport &&
			    !memcmp(f->addr[s], src, alen) && !memcmp(f->addr[1 - s], dst, alen)) {
				*sender = s;
				return f;
			}
	}
	if (fs->n == fs->alloc) {
		fs->alloc = fs->alloc ? 2 * fs->alloc : 16;
		fs->v = realloc(fs->v, fs->alloc * sizeof *fs->v);
		assert_non_null(fs->v);
	}
	struct flow *f = &fs->v[fs->n++];
	memset(f, 0, sizeof *f);
	f->family = family;
	memcpy(f->addr[0], src, alen);
	memcpy(f->addr[1], dst, alen);
	f->port[0] = sport;
	f->port[1] = dport;
	*sender = 0;
	return f;
}

static void flows_free(struct flows *fs)
{
	for (size_t i = 0; i < fs->n; i++) {
		struct flow *f = &fs->v[i];
		if (f->st)
			dissector_tls.state_free(f->st);
		for (int s = 0; s < 2; s++)
			for (size_t k = 0; k < f->half[s].n_pending; k++)
				free(f->half[s].pending[k].data);
	}
	free(fs->v);
	memset(fs, 0, sizeof *fs);
}

/* Swaps the roles when the first packet seen came from the server. */
static void flow_swap(struct flow *f)
{
	uint8_t a[16];
	memcpy(a, f->addr[0], 16);
	memcpy(f->addr[0], f->addr[1], 16);
	memcpy(f->addr[1], a, 16);
	uint16_t p = f->port[0];
	f->port[0] = f->port[1];
	f->port[1] = p;
	struct half h = f->half[0];
	f->half[0] = f->half[1];
	f->half[1] = h;
}

/* ---- packet decode (test-local, minimal) ---- */

static void on_tcp(struct flows *fs, uint8_t family, const uint8_t *src, const uint8_t *dst, struct cur tcp)
{
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t off, flags;
	if (!cur_get_u16(&tcp, &sport) || !cur_get_u16(&tcp, &dport) || !cur_get_u32(&tcp, &seq) ||
	    !cur_get_u32(&tcp, &ack) || !cur_get_u8(&tcp, &off) || !cur_get_u8(&tcp, &flags))
		return;
	size_t hl = (size_t)(off >> 4) * 4;
	if (hl < 20 || !cur_skip(&tcp, hl - 14))
		return;
	int sender;
	struct flow *f = flow_get(fs, family, src, sport, dst, dport, &sender);
	bool syn = flags & 0x02, has_ack = flags & 0x10;
	if (!f->client_known && (syn || cur_len(&tcp))) {
		/* SYN from the client, SYN-ACK from the server; without a handshake,
		 * a first payload that is a ServerHello comes from the server. */
		bool from_server = syn ? has_ack : false;
		uint8_t b0 = 0, b5 = 0;
		if (!syn && cur_peek_u8(&tcp, 0, &b0) && cur_peek_u8(&tcp, 5, &b5) && b0 == 22 && b5 == 2)
			from_server = true;
		if (from_server) {
			flow_swap(f);
			sender = 1 - sender;
		}
		f->client_known = true;
	}
	if (syn) {
		f->half[sender].started = true;
		f->half[sender].next = seq + 1;
		return;
	}
	if (cur_len(&tcp))
		deliver(f, sender, seq, cur_data(&tcp), cur_len(&tcp));
}

static void on_ip(struct flows *fs, struct cur ip)
{
	uint8_t v;
	if (!cur_peek_u8(&ip, 0, &v))
		return;
	if (v >> 4 == 4) {
		uint8_t vihl, tos, ttl, proto;
		uint16_t total, id, frag, csum;
		uint8_t src[16] = {0}, dst[16] = {0};
		if (!cur_get_u8(&ip, &vihl) || !cur_get_u8(&ip, &tos) || !cur_get_u16(&ip, &total) ||
		    !cur_get_u16(&ip, &id) || !cur_get_u16(&ip, &frag) || !cur_get_u8(&ip, &ttl) ||
		    !cur_get_u8(&ip, &proto) || !cur_get_u16(&ip, &csum) || !cur_copy(&ip, src, 4) ||
		    !cur_copy(&ip, dst, 4))
			return;
		size_t hl = (size_t)(vihl & 15) * 4;
		if (hl < 20 || total < hl || !cur_skip(&ip, hl - 20) || proto != 6 || (frag & 0x3fff))
			return;
		struct cur tcp;
		size_t plen = total - hl;
		if (!cur_get_bytes(&ip, &tcp, plen < cur_len(&ip) ? plen : cur_len(&ip)))
			return;
		on_tcp(fs, 4, src, dst, tcp);
	} else if (v >> 4 == 6) {
		uint32_t vtc;
		uint16_t plen;
		uint8_t nh, hop;
		uint8_t src[16], dst[16];
		if (!cur_get_u32(&ip, &vtc) || !cur_get_u16(&ip, &plen) || !cur_get_u8(&ip, &nh) ||
		    !cur_get_u8(&ip, &hop) || !cur_copy(&ip, src, 16) || !cur_copy(&ip, dst, 16))
			return;
		struct cur body;
		if (!cur_get_bytes(&ip, &body, plen < cur_len(&ip) ? plen : cur_len(&ip)))
			return;
		while (nh == 0 || nh == 43 || nh == 60) {
			uint8_t next, elen;
			if (!cur_get_u8(&body, &next) || !cur_get_u8(&body, &elen) ||
			    !cur_skip(&body, (size_t)elen * 8 + 6))
				return;
			nh = next;
		}
		if (nh == 6)
			on_tcp(fs, 6, src, dst, body);
	}
}

static void on_packet(struct flows *fs, int dlt, const uint8_t *p, size_t n)
{
	struct cur c = cur_make(p, n);
	uint16_t etype = 0;
	switch (dlt) {
	case DLT_EN10MB:
		if (!cur_skip(&c, 12) || !cur_get_u16(&c, &etype))
			return;
		while (etype == 0x8100 || etype == 0x88a8)
			if (!cur_skip(&c, 2) || !cur_get_u16(&c, &etype))
				return;
		break;
	case DLT_LINUX_SLL:
		if (!cur_skip(&c, 14) || !cur_get_u16(&c, &etype))
			return;
		break;
	case DLT_LINUX_SLL2:
		if (!cur_get_u16(&c, &etype) || !cur_skip(&c, 18))
			return;
		break;
	case DLT_NULL:
	case DLT_LOOP:
		if (!cur_skip(&c, 4))
			return;
		etype = 0; /* version nibble decides */
		break;
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		break;
	default:
		return;
	}
	if (etype && etype != 0x0800 && etype != 0x86dd)
		return;
	on_ip(fs, c);
}

static int run_capture(const char *path, struct flows *fs)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *pc = pcap_open_offline(path, err);
	if (!pc)
		return -1;
	int dlt = pcap_datalink(pc);
	struct pcap_pkthdr *hdr;
	const u_char *data;
	while (pcap_next_ex(pc, &hdr, &data) == 1)
		on_packet(fs, dlt, data, hdr->caplen);
	pcap_close(pc);
	return 0;
}

/* ---- checks ---- */

static bool str_check(const char *what, const char *want, const char *got, const struct truth *t)
{
	if (!want || strcmp(want, got) == 0)
		return true;
	printf("  MISMATCH %s %s:%u %s: got \"%s\" want \"%s\"\n", t->source, t->pcap, t->client_port, what,
	       got, want);
	return false;
}

static bool check_one(const struct truth *t, const struct flows *fs)
{
	const struct flow *f = NULL;
	for (size_t i = 0; i < fs->n; i++) {
		const struct flow *g = &fs->v[i];
		bool port_ok = t->client_port ? g->port[0] == t->client_port : true;
		bool wants_ch = t->ja3 || t->ja4 || t->sni || t->ech >= 0;
		if (port_ok && (wants_ch ? g->have_ch : g->have_sh)) {
			f = g;
			break;
		}
	}
	if (!f) {
		printf("  MISSING %s %s:%u: no flow with the expected hello\n", t->source, t->pcap,
		       t->client_port);
		for (size_t i = 0; i < fs->n; i++)
			if (fs->v[i].anomalies)
				printf("    flow %u->%u anomaly %s\n", fs->v[i].port[0], fs->v[i].port[1],
				       fs->v[i].last_anomaly);
		return false;
	}
	bool ok = true;
	bool need_sh = t->ja3s || t->sh_version || t->sh_cipher;
	if (need_sh && !f->have_sh) {
		printf("  MISSING %s %s:%u: no ServerHello\n", t->source, t->pcap, t->client_port);
		return false;
	}
	ok &= str_check("sni", t->sni, f->ch.sni, t);
	ok &= str_check("ja3", t->ja3, f->ch.ja3, t);
	ok &= str_check("ja4", t->ja4, f->ch.ja4, t);
	ok &= str_check("ja3s", t->ja3s, f->sh.ja3s, t);
	if (t->ech >= 0 && f->ch.ech != (t->ech == 1)) {
		printf("  MISMATCH %s %s ech\n", t->source, t->pcap);
		ok = false;
	}
	if (t->sh_version && f->sh.version != t->sh_version) {
		printf("  MISMATCH %s %s version %04x\n", t->source, t->pcap, f->sh.version);
		ok = false;
	}
	if (t->sh_cipher && f->sh.cipher != t->sh_cipher) {
		printf("  MISMATCH %s %s cipher %04x\n", t->source, t->pcap, f->sh.cipher);
		ok = false;
	}
	return ok;
}

static void test_ground_truth(void **state)
{
	(void)state;
	struct stat sb;
	if (stat(PCAPS "SOURCES.md", &sb) != 0) {
		printf("pcaps-public not found at %s: skipping\n", PCAPS);
		skip();
	}
	size_t n = sizeof truths / sizeof truths[0], pass = 0, absent = 0;
	const char *sources[8] = {0};
	size_t n_sources = 0;
	struct flows fs = {0};
	const char *loaded = NULL;
	for (size_t i = 0; i < n; i++) {
		const struct truth *t = &truths[i];
		if (!loaded || strcmp(loaded, t->pcap) != 0) {
			flows_free(&fs);
			loaded = t->pcap;
			char path[1024];
			snprintf(path, sizeof path, "%s%s", PCAPS, t->pcap);
			if (run_capture(path, &fs) < 0) {
				printf("  ABSENT %s\n", path);
				loaded = NULL;
				absent++;
				continue;
			}
		}
		bool ok = check_one(t, &fs);
		printf("%s %-16s %s:%u\n", ok ? "PASS" : "FAIL", t->source, t->pcap, t->client_port);
		if (ok) {
			pass++;
			size_t k = 0;
			while (k < n_sources && strcmp(sources[k], t->source) != 0)
				k++;
			if (k == n_sources && n_sources < 8)
				sources[n_sources++] = t->source;
		}
	}
	flows_free(&fs);
	printf("ground truth: %zu/%zu checks passed (%zu captures absent), %zu sources\n", pass, n, absent,
	       n_sources);
	assert_int_equal(pass + absent, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ground_truth),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
