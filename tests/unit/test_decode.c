/* test_decode.c — frame decoding: a table of crafted frames for every link
 * type and reason code, truncation at every length, VLAN/QinQ/PPPoE, IPv6
 * extension chains, and public captures of each link type cross-checked
 * against tcpdump. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <pcap/pcap.h>

#include "decode.h"

/* ---- frame builder: each layer wraps the one inside it ---- */

struct fb {
	uint8_t b[2048];
	size_t n;
};

static void put8(struct fb *f, unsigned v)
{
	assert_true(f->n < sizeof f->b);
	f->b[f->n++] = (uint8_t)v;
}
static void put16(struct fb *f, unsigned v)
{
	put8(f, (v >> 8) & 0xff);
	put8(f, v & 0xff);
}
static void put32(struct fb *f, uint32_t v)
{
	put16(f, v >> 16);
	put16(f, v & 0xffff);
}
static void putn(struct fb *f, const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put8(f, ((const uint8_t *)p)[i]);
}
static void putfb(struct fb *f, const struct fb *in) { putn(f, in->b, in->n); }

static struct fb tcp_doff(unsigned doff, const char *payload)
{
	struct fb f = {.n = 0};
	put16(&f, 40000);
	put16(&f, 443);
	put32(&f, 0x01020304);
	put32(&f, 0x0a0b0c0d);
	put8(&f, doff << 4);
	put8(&f, 0x18); /* PSH ACK */
	put16(&f, 65535);
	put32(&f, 0);
	for (unsigned i = 5; i < doff; i++)
		put32(&f, 0x01010101); /* NOP options */
	putn(&f, payload, strlen(payload));
	return f;
}
static struct fb tcp(const char *payload) { return tcp_doff(5, payload); }

static struct fb udp_len(int ulen, const char *payload)
{
	struct fb f = {.n = 0};
	size_t n = strlen(payload);
	put16(&f, 53000);
	put16(&f, 53);
	put16(&f, ulen < 0 ? (unsigned)(8 + n) : (unsigned)ulen);
	put16(&f, 0);
	putn(&f, payload, n);
	return f;
}
static struct fb udp(const char *payload) { return udp_len(-1, payload); }

/* IPv4 header; ihl in words, tot < 0 means "right", frag = flags|offset. */
static struct fb ip4_full(unsigned ver, unsigned ihl, int tot, unsigned frag, unsigned proto,
			  const struct fb *l4)
{
	struct fb f = {.n = 0};
	put8(&f, (ver << 4) | ihl);
	put8(&f, 0);
	put16(&f, tot < 0 ? (unsigned)(ihl * 4 + l4->n) : (unsigned)tot);
	put16(&f, 0x1234);
	put16(&f, frag);
	put8(&f, 64);
	put8(&f, proto);
	put16(&f, 0);
	putn(&f, "\x0a\x00\x00\x01", 4);
	putn(&f, "\xc0\x00\x02\x07", 4);
	for (unsigned i = 5; i < ihl; i++)
		put32(&f, 0x01010100); /* NOP NOP NOP EOL */
	putfb(&f, l4);
	return f;
}
static struct fb ip4(unsigned proto, struct fb l4) { return ip4_full(4, 5, -1, 0x4000, proto, &l4); }

static const uint8_t v6src[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
static const uint8_t v6dst[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};

/* IPv6 header; plen < 0 means "right". */
static struct fb ip6_full(unsigned ver, int plen, unsigned nh, const struct fb *rest)
{
	struct fb f = {.n = 0};
	put32(&f, (uint32_t)ver << 28);
	put16(&f, plen < 0 ? (unsigned)rest->n : (unsigned)plen);
	put8(&f, nh);
	put8(&f, 64);
	putn(&f, v6src, 16);
	putn(&f, v6dst, 16);
	putfb(&f, rest);
	return f;
}
static struct fb ip6(unsigned nh, struct fb rest) { return ip6_full(6, -1, nh, &rest); }

/* An IPv6 extension header of `type` in front of `inner`. */
static struct fb ext(unsigned type, unsigned next, struct fb inner)
{
	struct fb f = {.n = 0};
	if (type == 44) { /* fragment: atomic (offset 0, M 0) */
		put8(&f, next);
		put8(&f, 0);
		put16(&f, 0);
		put32(&f, 0xabcd);
	} else if (type == 51) { /* AH: 12 bytes fixed + 12 ICV = 24 = (4+2)*4 */
		put8(&f, next);
		put8(&f, 4);
		put16(&f, 0);
		put32(&f, 0x100);
		put32(&f, 1);
		for (int i = 0; i < 3; i++)
			put32(&f, 0);
	} else { /* 16 bytes: hdrlen 1 */
		put8(&f, next);
		put8(&f, 1);
		for (int i = 0; i < 14; i++)
			put8(&f, type == 43 ? 0 : 1);
	}
	putfb(&f, &inner);
	return f;
}

static const uint8_t mac_dst[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
static const uint8_t mac_src[6] = {0x02, 0x00, 0x00, 0xaa, 0xbb, 0xcc};

static struct fb eth(unsigned et, struct fb in)
{
	struct fb f = {.n = 0};
	putn(&f, mac_dst, 6);
	putn(&f, mac_src, 6);
	put16(&f, et);
	putfb(&f, &in);
	return f;
}
/* A tag in front of an ethertype + payload: returns TPID-less bytes. */
static struct fb tag(unsigned tpid_inner_et, unsigned vid, struct fb in)
{
	struct fb f = {.n = 0};
	put16(&f, vid);
	put16(&f, tpid_inner_et);
	putfb(&f, &in);
	return f;
}
static struct fb pppoe(unsigned ppp_proto, struct fb in)
{
	struct fb f = {.n = 0};
	put8(&f, 0x11);
	put8(&f, 0);
	put16(&f, 0x556a);
	put16(&f, (unsigned)in.n + 2);
	put16(&f, ppp_proto);
	putfb(&f, &in);
	return f;
}
static struct fb sll(unsigned proto, struct fb in)
{
	struct fb f = {.n = 0};
	put16(&f, 0); /* to us */
	put16(&f, 1); /* ARPHRD_ETHER */
	put16(&f, 6);
	putn(&f, mac_src, 6);
	put16(&f, 0);
	put16(&f, proto);
	putfb(&f, &in);
	return f;
}
static struct fb sll2(unsigned proto, struct fb in)
{
	struct fb f = {.n = 0};
	put16(&f, proto);
	put16(&f, 0);
	put32(&f, 3);
	put16(&f, 1);
	put8(&f, 4); /* outgoing */
	put8(&f, 6);
	putn(&f, mac_src, 6);
	put16(&f, 0);
	putfb(&f, &in);
	return f;
}
/* DLT_NULL in little-endian host order, DLT_LOOP in network order. */
static struct fb null_le(uint32_t af, struct fb in)
{
	struct fb f = {.n = 0};
	put8(&f, af & 0xff);
	put8(&f, (af >> 8) & 0xff);
	put16(&f, 0);
	putfb(&f, &in);
	return f;
}
static struct fb loop_be(uint32_t af, struct fb in)
{
	struct fb f = {.n = 0};
	put32(&f, af);
	putfb(&f, &in);
	return f;
}
static struct fb pad_to(struct fb f, size_t n)
{
	while (f.n < n)
		put8(&f, 0);
	return f;
}

/* ---- frames ---- */

#define ET4 0x0800
#define ET6 0x86dd

static struct fb f_eth_tcp4(void) { return eth(ET4, ip4(6, tcp("hello"))); }
static struct fb f_eth_udp4_padded(void) { return pad_to(eth(ET4, ip4(17, udp("hi"))), 60); }
static struct fb f_eth_ip4_opts(void) { struct fb t = tcp("opt"); return eth(ET4, ip4_full(4, 7, -1, 0, 6, &t)); }
static struct fb f_eth_tcp_opts(void) { return eth(ET4, ip4(6, tcp_doff(8, "x"))); }
static struct fb f_eth_tcp6(void) { return eth(ET6, ip6(6, tcp("six"))); }
static struct fb f_eth_udp6(void) { return eth(ET6, ip6(17, udp("dns6"))); }
static struct fb f_vlan(void) { return eth(0x8100, tag(ET4, 0x2064, ip4(6, tcp("v")))); } /* pcp 1, vid 100 */
static struct fb f_qinq(void)
{
	return eth(0x88a8, tag(0x8100, 300, tag(ET6, 42, ip6(17, udp("qq")))));
}
static struct fb f_qinq_9100(void) { return eth(0x9100, tag(0x8100, 7, tag(ET4, 8, ip4(6, tcp("q"))))); }
static struct fb f_vlan4(void)
{
	return eth(0x8100, tag(0x8100, 1, tag(0x8100, 2, tag(0x8100, 3, tag(ET4, 4, ip4(6, tcp("4")))))));
}
static struct fb f_vlan5(void)
{
	return eth(0x8100,
		   tag(0x8100, 1, tag(0x8100, 2, tag(0x8100, 3, tag(0x8100, 4, tag(ET4, 5, ip4(6, tcp("5"))))))));
}
static struct fb f_qinq_pppoe(void) { return eth(0x8100, tag(0x8100, 421, tag(0x8864, 785, pppoe(0x21, ip4(17, udp("p")))))); }
static struct fb f_pppoe6(void) { return eth(0x8864, pppoe(0x57, ip6(6, tcp("p6")))); }
static struct fb f_pppoe_lcp(void) { return eth(0x8864, pppoe(0xc021, tcp("lcp"))); }
static struct fb f_arp(void) { return pad_to(eth(0x0806, tcp("")), 60); }
static struct fb f_sll(void) { return sll(ET4, ip4(6, tcp("sll"))); }
static struct fb f_sll_vlan(void) { return sll(0x8100, tag(ET6, 9, ip6(17, udp("sv")))); }
static struct fb f_sll2(void) { return sll2(ET6, ip6(6, tcp("sll2"))); }
static struct fb f_raw4(void) { return ip4(17, udp("raw")); }
static struct fb f_raw6(void) { return ip6(6, tcp("raw6")); }
static struct fb f_raw_junk(void) { struct fb f = tcp("junk"); f.b[0] = 0x20; return f; }
static struct fb f_null4(void) { return null_le(2, ip4(6, tcp("lo"))); }
static struct fb f_null6_24(void) { return null_le(24, ip6(6, tcp("bsd"))); }
static struct fb f_null6_28(void) { return null_le(28, ip6(17, udp("fbsd"))); }
static struct fb f_null6_30(void) { return null_le(30, ip6(6, tcp("mac"))); }
static struct fb f_null_be(void) { return loop_be(2, ip4(6, tcp("be"))); }
static struct fb f_null_other(void) { return null_le(7, ip4(6, tcp("?"))); }
static struct fb f_loop6(void) { return loop_be(24, ip6(6, tcp("obsd"))); }

static struct fb f_ext_chain(void)
{
	/* hop-by-hop -> routing -> dest opts -> AH -> fragment(atomic) -> mobility -> TCP */
	return eth(ET6, ip6(0, ext(0, 43, ext(43, 60, ext(60, 51, ext(51, 44, ext(44, 135, ext(135, 6, tcp("deep")))))))));
}
static struct fb f_ext_nonext(void) { return eth(ET6, ip6(0, ext(0, 59, tcp("none")))); }
static struct fb f_ext_esp(void) { return eth(ET6, ip6(50, tcp("esp"))); }
static struct fb f_ip6_frag(void)
{
	struct fb e = ext(44, 17, udp("frag"));
	e.b[3] = 1; /* M */
	return eth(ET6, ip6(44, e));
}
static struct fb f_ip6_frag_off(void)
{
	struct fb e = ext(44, 17, udp("frag"));
	e.b[2] = 0x01; /* offset 32 */
	return eth(ET6, ip6(44, e));
}
static struct fb f_ip6_bad_ext(void)
{
	/* hop-by-hop says 16 bytes but the declared payload is 10 */
	struct fb e = ext(0, 6, tcp(""));
	return eth(ET6, ip6_full(6, 10, 0, &e));
}
static struct fb f_ip6_bad_ver(void) { struct fb t = tcp(""); return eth(ET6, ip6_full(4, -1, 6, &t)); }
static struct fb f_ip6_jumbo0(void) { struct fb t = tcp("gso"); return eth(ET6, ip6_full(6, 0, 6, &t)); }
static struct fb f_ip6_short_plen(void)
{
	/* payload length covers the TCP header only: the trailing bytes are not payload */
	struct fb t = tcp("trailing");
	return eth(ET6, ip6_full(6, 20, 6, &t));
}
static struct fb f_ip4_bad_ver(void) { struct fb t = tcp(""); return eth(ET4, ip4_full(6, 5, -1, 0, 6, &t)); }
static struct fb f_ip4_ihl4(void) { struct fb t = tcp(""); return eth(ET4, ip4_full(4, 4, -1, 0, 6, &t)); }
static struct fb f_ip4_tot_small(void) { struct fb t = tcp(""); return eth(ET4, ip4_full(4, 6, 20, 0, 6, &t)); }
static struct fb f_ip4_mf(void) { struct fb u = udp("first"); return eth(ET4, ip4_full(4, 5, -1, 0x2000, 17, &u)); }
static struct fb f_ip4_off(void) { struct fb u = udp("later"); return eth(ET4, ip4_full(4, 5, -1, 0x0010, 17, &u)); }
static struct fb f_ip4_tso(void) { struct fb t = tcp("tso"); return eth(ET4, ip4_full(4, 5, 0, 0, 6, &t)); }
static struct fb f_icmp(void) { return eth(ET4, ip4(1, tcp(""))); }
static struct fb f_tcp_doff4(void) { return eth(ET4, ip4(6, tcp_doff(4, "x"))); }
static struct fb f_tcp_doff_past(void)
{
	/* data offset 15 (60 bytes) in a 24-byte segment */
	struct fb t = tcp("abcd");
	t.b[12] = 0xf0;
	return eth(ET4, ip4(6, t));
}
static struct fb f_udp_len7(void) { return eth(ET4, ip4(17, udp_len(7, "x"))); }
static struct fb f_udp_len_big(void) { return eth(ET4, ip4(17, udp_len(100, "x"))); }
static struct fb f_udp_len_small(void) { return eth(ET4, ip4(17, udp_len(9, "xyz"))); }
static struct fb f_ip4_udp_short(void) { struct fb u = udp("x"); return eth(ET4, ip4_full(4, 5, 24, 0, 17, &u)); }
static struct fb f_eth_short(void) { struct fb f = {.n = 0}; putn(&f, mac_dst, 6); putn(&f, mac_src, 6); put8(&f, 8); return f; }

struct dec_case {
	const char *name;
	int dlt;
	struct fb (*make)(void);
	enum decode_reason want;
	uint8_t family, l4proto;
	const char *payload; /* NULL: not checked */
	uint16_t vlan;
	bool has_mac;
	bool truncation_sweep; /* valid frame: cut at every length */
};

static const struct dec_case cases[] = {
	{"eth_tcp4", 1, f_eth_tcp4, DEC_OK, 4, 6, "hello", 0, true, true},
	{"eth_udp4_padded", 1, f_eth_udp4_padded, DEC_OK, 4, 17, "hi", 0, true, true},
	{"eth_ip4_options", 1, f_eth_ip4_opts, DEC_OK, 4, 6, "opt", 0, true, true},
	{"eth_tcp_options", 1, f_eth_tcp_opts, DEC_OK, 4, 6, "x", 0, true, true},
	{"eth_tcp6", 1, f_eth_tcp6, DEC_OK, 6, 6, "six", 0, true, true},
	{"eth_udp6", 1, f_eth_udp6, DEC_OK, 6, 17, "dns6", 0, true, true},
	{"vlan", 1, f_vlan, DEC_OK, 4, 6, "v", 100, true, true},
	{"qinq_88a8", 1, f_qinq, DEC_OK, 6, 17, "qq", 300, true, true},
	{"qinq_9100", 1, f_qinq_9100, DEC_OK, 4, 6, "q", 7, true, true},
	{"vlan_4_tags", 1, f_vlan4, DEC_OK, 4, 6, "4", 1, true, true},
	{"vlan_5_tags", 1, f_vlan5, DEC_VLAN_TOO_DEEP, 0, 0, NULL, 1, true, false},
	{"qinq_pppoe", 1, f_qinq_pppoe, DEC_OK, 4, 17, "p", 421, true, true},
	{"pppoe_ip6", 1, f_pppoe6, DEC_OK, 6, 6, "p6", 0, true, true},
	{"pppoe_lcp", 1, f_pppoe_lcp, DEC_ETHERTYPE_OTHER, 0, 0, NULL, 0, true, false},
	{"arp", 1, f_arp, DEC_ETHERTYPE_OTHER, 0, 0, NULL, 0, true, false},
	{"eth_short", 1, f_eth_short, DEC_LINK_TRUNCATED, 0, 0, NULL, 0, false, false},
	{"sll", 113, f_sll, DEC_OK, 4, 6, "sll", 0, true, true},
	{"sll_vlan", 113, f_sll_vlan, DEC_OK, 6, 17, "sv", 9, true, true},
	{"sll2", 276, f_sll2, DEC_OK, 6, 6, "sll2", 0, true, true},
	{"raw12_ip4", 12, f_raw4, DEC_OK, 4, 17, "raw", 0, false, true},
	{"raw14_ip6", 14, f_raw6, DEC_OK, 6, 6, "raw6", 0, false, true},
	{"raw101_ip4", 101, f_raw4, DEC_OK, 4, 17, "raw", 0, false, true},
	{"raw101_junk", 101, f_raw_junk, DEC_ETHERTYPE_OTHER, 0, 0, NULL, 0, false, false},
	{"ipv4_228", 228, f_raw4, DEC_OK, 4, 17, "raw", 0, false, true},
	{"ipv6_229", 229, f_raw6, DEC_OK, 6, 6, "raw6", 0, false, true},
	{"ipv4_228_given_v6", 228, f_raw6, DEC_IP4_BAD_HEADER, 0, 0, NULL, 0, false, false},
	{"ipv6_229_given_v4", 229, f_raw4, DEC_IP6_BAD_HEADER, 0, 0, NULL, 0, false, false},
	{"null_af2", 0, f_null4, DEC_OK, 4, 6, "lo", 0, false, true},
	{"null_af24", 0, f_null6_24, DEC_OK, 6, 6, "bsd", 0, false, true},
	{"null_af28", 0, f_null6_28, DEC_OK, 6, 17, "fbsd", 0, false, true},
	{"null_af30", 0, f_null6_30, DEC_OK, 6, 6, "mac", 0, false, true},
	{"null_big_endian", 0, f_null_be, DEC_OK, 4, 6, "be", 0, false, true},
	{"null_af_other", 0, f_null_other, DEC_ETHERTYPE_OTHER, 0, 0, NULL, 0, false, false},
	{"loop_af24", 108, f_loop6, DEC_OK, 6, 6, "obsd", 0, false, true},
	{"unsupported", 9999, f_raw4, DEC_LINK_UNSUPPORTED, 0, 0, NULL, 0, false, false},
	{"ip6_ext_chain", 1, f_ext_chain, DEC_OK, 6, 6, "deep", 0, true, true},
	{"ip6_no_next", 1, f_ext_nonext, DEC_L4_OTHER, 6, 0, NULL, 0, true, false},
	{"ip6_esp", 1, f_ext_esp, DEC_L4_OTHER, 6, 0, NULL, 0, true, false},
	{"ip6_fragment_m", 1, f_ip6_frag, DEC_IP6_FRAGMENT, 6, 0, NULL, 0, true, false},
	{"ip6_fragment_off", 1, f_ip6_frag_off, DEC_IP6_FRAGMENT, 6, 0, NULL, 0, true, false},
	{"ip6_bad_ext", 1, f_ip6_bad_ext, DEC_IP6_BAD_EXT, 6, 0, NULL, 0, true, false},
	{"ip6_bad_version", 1, f_ip6_bad_ver, DEC_IP6_BAD_HEADER, 0, 0, NULL, 0, true, false},
	{"ip6_plen_zero", 1, f_ip6_jumbo0, DEC_OK, 6, 6, "gso", 0, true, false},
	{"ip6_short_plen", 1, f_ip6_short_plen, DEC_OK, 6, 6, "", 0, true, false},
	{"ip4_bad_version", 1, f_ip4_bad_ver, DEC_IP4_BAD_HEADER, 0, 0, NULL, 0, true, false},
	{"ip4_ihl_4", 1, f_ip4_ihl4, DEC_IP4_BAD_HEADER, 0, 0, NULL, 0, true, false},
	{"ip4_total_lt_ihl", 1, f_ip4_tot_small, DEC_IP4_BAD_HEADER, 0, 0, NULL, 0, true, false},
	{"ip4_first_fragment", 1, f_ip4_mf, DEC_IP4_FRAGMENT, 4, 0, NULL, 0, true, false},
	{"ip4_later_fragment", 1, f_ip4_off, DEC_IP4_FRAGMENT, 4, 0, NULL, 0, true, false},
	{"ip4_tso_total_zero", 1, f_ip4_tso, DEC_OK, 4, 6, "tso", 0, true, false},
	{"icmp", 1, f_icmp, DEC_L4_OTHER, 4, 0, NULL, 0, true, false},
	{"tcp_doff_4", 1, f_tcp_doff4, DEC_TCP_BAD_OFFSET, 4, 6, NULL, 0, true, false},
	{"tcp_doff_past", 1, f_tcp_doff_past, DEC_TCP_BAD_OFFSET, 4, 6, NULL, 0, true, false},
	{"udp_len_7", 1, f_udp_len7, DEC_UDP_BAD_LENGTH, 4, 17, NULL, 0, true, false},
	{"udp_len_past_ip", 1, f_udp_len_big, DEC_UDP_BAD_LENGTH, 4, 17, NULL, 0, true, false},
	{"udp_len_short", 1, f_udp_len_small, DEC_OK, 4, 17, "x", 0, true, false},
	{"ip4_udp_hdr_cut", 1, f_ip4_udp_short, DEC_UDP_TRUNCATED, 4, 0, NULL, 0, true, false},
};

static bool is_truncated(enum decode_reason r)
{
	return r == DEC_LINK_TRUNCATED || r == DEC_IP4_TRUNCATED || r == DEC_IP6_TRUNCATED ||
	       r == DEC_TCP_TRUNCATED || r == DEC_UDP_TRUNCATED;
}

static void test_table(void **unused)
{
	(void)unused;
	bool seen[DEC_REASON_COUNT] = {false};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct dec_case *tc = &cases[i];
		struct fb f = tc->make();
		struct decoded d;
		enum decode_reason r = decode_packet(tc->dlt, f.b, f.n, &d);
		if (r != tc->want)
			fail_msg("%s: got %s, want %s", tc->name, decode_reason_name(r), decode_reason_name(tc->want));
		seen[r] = true;
		if (tc->family)
			assert_int_equal(d.family, tc->family);
		if (tc->l4proto)
			assert_int_equal(d.l4proto, tc->l4proto);
		assert_int_equal(d.vlan, tc->vlan);
		assert_int_equal(d.has_mac, tc->has_mac);
		if (r != DEC_OK)
			continue;
		if (tc->payload) {
			assert_int_equal(d.payload_len, strlen(tc->payload));
			assert_memory_equal(d.payload, tc->payload, d.payload_len);
		}
		if (d.family == 4) {
			assert_memory_equal(d.src_ip, "\x0a\x00\x00\x01\0\0\0\0\0\0\0\0\0\0\0\0", 16);
			assert_memory_equal(d.dst_ip, "\xc0\x00\x02\x07\0\0\0\0\0\0\0\0\0\0\0\0", 16);
		} else {
			assert_memory_equal(d.src_ip, v6src, 16);
			assert_memory_equal(d.dst_ip, v6dst, 16);
		}
		if (d.l4proto == 6) {
			assert_int_equal(d.src_port, 40000);
			assert_int_equal(d.dst_port, 443);
			assert_int_equal(d.seq, 0x01020304);
			assert_int_equal(d.ack, 0x0a0b0c0d);
			assert_int_equal(d.tcp_flags, 0x18);
		} else {
			assert_int_equal(d.src_port, 53000);
			assert_int_equal(d.dst_port, 53);
		}
		if (tc->has_mac) {
			assert_memory_equal(d.src_mac, mac_src, 6);
			if (tc->dlt == 1)
				assert_memory_equal(d.dst_mac, mac_dst, 6);
		}
	}
	/* every reason code is produced by some row (DEC_OK included) */
	seen[DEC_IP4_TRUNCATED] = seen[DEC_IP6_TRUNCATED] = seen[DEC_TCP_TRUNCATED] = true; /* sweep */
	for (int r = 0; r < DEC_REASON_COUNT; r++)
		if (!seen[r])
			fail_msg("no table row yields %s", decode_reason_name((enum decode_reason)r));
}

/* Cut every valid frame at every length, in an exactly sized heap block so
 * ASan catches a read past caplen: either *_TRUNCATED, or OK with the
 * payload inside the captured bytes. */
static void test_truncation_sweep(void **unused)
{
	(void)unused;
	unsigned seen[DEC_REASON_COUNT] = {0};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct dec_case *tc = &cases[i];
		if (!tc->truncation_sweep)
			continue;
		struct fb f = tc->make();
		for (size_t cut = 0; cut < f.n; cut++) {
			uint8_t *p = malloc(cut ? cut : 1);
			assert_non_null(p);
			memcpy(p, f.b, cut);
			struct decoded d;
			enum decode_reason r = decode_packet(tc->dlt, p, cut, &d);
			seen[r]++;
			if (r == DEC_OK) {
				if (d.payload < p || d.payload + d.payload_len > p + cut)
					fail_msg("%s cut %zu: payload outside the capture", tc->name, cut);
			} else if (!is_truncated(r)) {
				fail_msg("%s cut %zu: %s", tc->name, cut, decode_reason_name(r));
			}
			free(p);
		}
	}
	assert_true(seen[DEC_LINK_TRUNCATED] && seen[DEC_IP4_TRUNCATED] && seen[DEC_IP6_TRUNCATED] &&
		    seen[DEC_TCP_TRUNCATED] && seen[DEC_UDP_TRUNCATED] && seen[DEC_OK]);
	/* NULL frame with a zero length is just truncated */
	struct decoded d;
	assert_int_equal(decode_packet(1, NULL, 0, &d), DEC_LINK_TRUNCATED);
}

static void test_reason_names(void **unused)
{
	(void)unused;
	assert_string_equal(decode_reason_name(DEC_OK), "ok");
	assert_string_equal(decode_reason_name(DEC_IP4_TRUNCATED), "ip4_truncated");
	assert_string_equal(decode_reason_name(DEC_L4_OTHER), "l4_other");
	assert_string_equal(decode_reason_name(DEC_REASON_COUNT), "unknown");
	for (int r = 0; r < DEC_REASON_COUNT; r++) {
		const char *n = decode_reason_name((enum decode_reason)r);
		assert_string_not_equal(n, "unknown");
		for (const char *c = n; *c; c++)
			assert_true((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_');
		for (int k = 0; k < r; k++)
			assert_string_not_equal(n, decode_reason_name((enum decode_reason)k));
	}
}

/* ---- public captures ---- */

struct cap_case {
	const char *file;
	int dlt;
	unsigned tcp, udp; /* from tcpdump, see the command in the comment */
	unsigned ip6;	   /* of those, over IPv6 */
};

/* Expected counts, one command per row (tcpdump 4.99):
 *   tcpdump -nn -r F tcp | wc -l ; tcpdump -nn -r F udp | wc -l ; tcpdump -nn -r F 'ip6 and (tcp or udp)' | wc -l
 * except the tagged ones, where tcpdump's filter must name the encapsulation:
 *   ja3_lots_of_cipher_suites: tcpdump -nn -r F 'vlan and vlan and tcp' | wc -l  -> 11
 *   dns.pcap: 'udp' -> 3 plus 'vlan and vlan and pppoes and udp' -> 2 */
static const struct cap_case caps[] = {
	{"zeek_poc/mcp_detect/mcp-traffic.pcap", 276, 266, 0, 0},	  /* Linux SLL2 */
	{"ndpi/pcap/http2.pcapng", 113, 10, 0, 0},			  /* Linux SLL */
	{"ndpi/pcap/quic-v2.pcapng", 113, 0, 19, 19},			  /* Linux SLL, IPv6 */
	{"zeek/Traces/dns/ech.pcap", 12, 0, 4, 4},			  /* LINKTYPE_RAW -> DLT_RAW */
	{"zeek/Traces/http/basic-auth-with-colon.pcap", 228, 12, 0, 0},	  /* LINKTYPE_IPV4 */
	{"ja4/pcap/ipv6.pcapng", 0, 9, 0, 9},				  /* DLT_NULL, AF 30 (macOS) */
	{"arkime/pcap/http2-nghttp2.pcap", 0, 101, 0, 0},		  /* DLT_NULL */
	{"ndpi/pcap/ja3_lots_of_cipher_suites.pcap", 1, 11, 0, 0},	  /* QinQ */
	{"ndpi/pcap/dns.pcap", 1, 0, 5, 0},				  /* QinQ + PPPoE */
	{"suricata-verify/tests/dns/dns-eve/input.pcap", 1, 0, 8, 0},	  /* Ethernet */
};

static void test_pcaps(void **unused)
{
	(void)unused;
	unsigned ran = 0;
	for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
		char path[1024], err[PCAP_ERRBUF_SIZE];
		snprintf(path, sizeof path, "%s/../shared/pcaps-public/%s", AS_SRC_DIR, caps[i].file);
		pcap_t *pc = pcap_open_offline(path, err);
		if (!pc) {
			print_message("skipping absent %s\n", caps[i].file);
			continue;
		}
		ran++;
		assert_int_equal(pcap_datalink(pc), caps[i].dlt);
		unsigned tcp_n = 0, udp_n = 0, ip6_n = 0;
		struct pcap_pkthdr *h;
		const u_char *frame;
		while (pcap_next_ex(pc, &h, &frame) == 1) {
			struct decoded d;
			if (decode_packet(pcap_datalink(pc), frame, h->caplen, &d) != DEC_OK)
				continue;
			assert_true(d.payload >= frame && d.payload + d.payload_len <= frame + h->caplen);
			assert_true(d.ip_len >= d.payload_len);
			tcp_n += d.l4proto == 6;
			udp_n += d.l4proto == 17;
			ip6_n += d.family == 6;
		}
		pcap_close(pc);
		if (tcp_n != caps[i].tcp || udp_n != caps[i].udp || ip6_n != caps[i].ip6)
			fail_msg("%s: tcp %u udp %u ip6 %u, want %u %u %u", caps[i].file, tcp_n, udp_n, ip6_n,
				 caps[i].tcp, caps[i].udp, caps[i].ip6);
	}
	if (!ran)
		skip();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_truncation_sweep),
		cmocka_unit_test(test_reason_names),
		cmocka_unit_test(test_pcaps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
