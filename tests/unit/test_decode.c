/* test_decode.c — frame decoding: a table of crafted frames for every link
 * type and reason code, truncation at every length, VLAN/QinQ/PPPoE, IPv6
 * extension chains, tunnels (MPLS, GRE, ERSPAN I/II/III, VXLAN, Geneve,
 * IP-in-IP, and nestings of them) attributed to the inner packet, the
 * encapsulation depth cap, public captures of each link type cross-checked
 * against tcpdump, and the tunnel captures recorded in pcaps/. */
#include <arpa/inet.h>

#include "cases.h"
#include "decode.h"
#include "limits.h"
#include "pcap_walk.h"

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
/* n stacked 802.1Q tags, VIDs 1..n */
static struct fb vlans(unsigned n, unsigned et, struct fb in)
{
	struct fb f = in;
	for (unsigned i = n; i >= 2; i--)
		f = tag(i == n ? et : 0x8100, i, f);
	return tag(n == 1 ? et : 0x8100, 1, f);
}
static struct fb f_vlan_max(void) { return eth(0x8100, vlans(AS_MAX_ENCAP_DEPTH, ET4, ip4(6, tcp("8")))); }
static struct fb f_vlan_over(void) { return eth(0x8100, vlans(AS_MAX_ENCAP_DEPTH + 1, ET4, ip4(6, tcp("9")))); }
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
	{"vlan_max_tags", 1, f_vlan_max, DEC_OK, 4, 6, "8", 1, true, true},
	{"vlan_max_plus_1_tags", 1, f_vlan_over, DEC_VLAN_TOO_DEEP, 0, 0, NULL, 1, true, false},
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
	       r == DEC_TCP_TRUNCATED || r == DEC_UDP_TRUNCATED || r == DEC_TUNNEL_TRUNCATED;
}

static void test_frame(void **state)
{
	const struct dec_case *tc = *state;
	struct fb f = tc->make();
	struct decoded d;
	enum decode_reason r = decode_packet(tc->dlt, f.b, f.n, &d);
	if (r != tc->want)
		fail_msg("got %s, want %s", decode_reason_name(r), decode_reason_name(tc->want));
	if (tc->family)
		assert_int_equal(d.family, tc->family);
	if (tc->l4proto)
		assert_int_equal(d.l4proto, tc->l4proto);
	assert_int_equal(d.vlan, tc->vlan);
	assert_int_equal(d.has_mac, tc->has_mac);
	if (r != DEC_OK)
		return;
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

/* Every reason code is produced by some row (DEC_OK included). */
static void test_every_reason(void **unused)
{
	(void)unused;
	bool seen[DEC_REASON_COUNT] = {false};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct fb f = cases[i].make();
		struct decoded d;
		seen[decode_packet(cases[i].dlt, f.b, f.n, &d)] = true;
	}
	seen[DEC_IP4_TRUNCATED] = seen[DEC_IP6_TRUNCATED] = seen[DEC_TCP_TRUNCATED] = true; /* sweep */
	seen[DEC_TUNNEL_TRUNCATED] = seen[DEC_TUNNEL_BAD_HEADER] = seen[DEC_TUNNEL_UNSUPPORTED] =
	    seen[DEC_TUNNEL_TOO_DEEP] = true; /* the tunnel rows */
	for (int r = 0; r < DEC_REASON_COUNT; r++)
		if (!seen[r])
			fail_msg("no table row yields %s", decode_reason_name((enum decode_reason)r));
}

/* Cuts a frame at every length, in an exactly sized heap block so ASan
 * catches a read past caplen: either *_TRUNCATED, or OK with the payload
 * (and the l3 view) inside the captured bytes. Counts the reasons in seen. */
static void sweep(int dlt, const struct fb *f, unsigned seen[DEC_REASON_COUNT])
{
	for (size_t cut = 0; cut < f->n; cut++) {
		uint8_t *p = malloc(cut ? cut : 1);
		assert_non_null(p);
		memcpy(p, f->b, cut);
		struct decoded d;
		enum decode_reason r = decode_packet(dlt, p, cut, &d);
		seen[r]++;
		if (r == DEC_OK) {
			if (d.payload < p || d.payload + d.payload_len > p + cut)
				fail_msg("cut %zu: payload outside the capture", cut);
			if (d.l3 && (d.l3 < p || d.l3 + d.l3_len > p + cut))
				fail_msg("cut %zu: l3 outside the capture", cut);
		} else if (!is_truncated(r)) {
			fail_msg("cut %zu: %s", cut, decode_reason_name(r));
		}
		free(p);
	}
}

static void test_truncation(void **state)
{
	const struct dec_case *tc = *state;
	struct fb f = tc->make();
	unsigned seen[DEC_REASON_COUNT] = {0};
	sweep(tc->dlt, &f, seen);
}

/* The sweeps reach every truncation reason of the link, IP and transport
 * layers; a NULL frame with a zero length is just truncated. */
static void test_truncation_reasons(void **unused)
{
	(void)unused;
	unsigned seen[DEC_REASON_COUNT] = {0};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		if (cases[i].truncation_sweep) {
			struct fb f = cases[i].make();
			sweep(cases[i].dlt, &f, seen);
		}
	assert_true(seen[DEC_LINK_TRUNCATED] && seen[DEC_IP4_TRUNCATED] && seen[DEC_IP6_TRUNCATED] &&
		    seen[DEC_TCP_TRUNCATED] && seen[DEC_UDP_TRUNCATED] && seen[DEC_OK]);
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

/* ---- tunnels ---- */

/* Outer headers carry their own addresses and MACs, so a test can tell the
 * inner packet's from the tunnel endpoints'. */
static const uint8_t omac_dst[6] = {0x00, 0x1b, 0x21, 0x00, 0x00, 0x02};
static const uint8_t omac_src[6] = {0x00, 0x1b, 0x21, 0x00, 0x00, 0x01};

static struct fb eth_outer(unsigned et, struct fb in)
{
	struct fb f = eth(et, in);
	memcpy(f.b, omac_dst, 6);
	memcpy(f.b + 6, omac_src, 6);
	return f;
}
/* IPv4 198.51.100.1 -> 198.51.100.2; frag: flags|offset */
static struct fb ip4o_frag(unsigned proto, unsigned frag, struct fb l4)
{
	struct fb f = ip4_full(4, 5, -1, frag, proto, &l4);
	memcpy(f.b + 12, "\xc6\x33\x64\x01\xc6\x33\x64\x02", 8);
	return f;
}
static struct fb ip4o(unsigned proto, struct fb l4) { return ip4o_frag(proto, 0x4000, l4); }
/* IPv6 2001:db8:ffff::1 -> 2001:db8:ffff::2 */
static struct fb ip6o(unsigned nh, struct fb rest)
{
	struct fb f = ip6(nh, rest);
	f.b[13] = f.b[29] = 0xff;
	f.b[12] = f.b[28] = 0xff;
	return f;
}
/* UDP to `dport`; ulen < 0 means "right" */
static struct fb udp_to(unsigned dport, int ulen, struct fb in)
{
	struct fb f = {.n = 0};
	put16(&f, 51234);
	put16(&f, dport);
	put16(&f, ulen < 0 ? (unsigned)(8 + in.n) : (unsigned)ulen);
	put16(&f, 0);
	putfb(&f, &in);
	return f;
}
static struct fb vxlan_flags(unsigned flags, uint32_t vni, struct fb in)
{
	struct fb f = {.n = 0};
	put32(&f, (uint32_t)flags << 24);
	put32(&f, vni << 8);
	putfb(&f, &in);
	return f;
}
static struct fb vxlan(uint32_t vni, struct fb in) { return vxlan_flags(0x08, vni, in); }
/* Geneve: version, options (optwords 4-byte words of a dummy TLV), protocol */
static struct fb geneve(unsigned ver, unsigned optwords, unsigned proto, uint32_t vni, struct fb in)
{
	struct fb f = {.n = 0};
	put8(&f, (ver << 6) | optwords);
	put8(&f, 0);
	put16(&f, proto);
	put32(&f, vni << 8);
	for (unsigned i = 0; i < optwords; i++)
		put32(&f, i == 0 ? 0x01020300u | (optwords - 1) : 0xdeadbeef); /* class, type, len */
	putfb(&f, &in);
	return f;
}
#define GRE_C 0x8000
#define GRE_R 0x4000
#define GRE_K 0x2000
#define GRE_S 0x1000
static struct fb gre(unsigned flags, unsigned proto, uint32_t key, struct fb in)
{
	struct fb f = {.n = 0};
	put16(&f, flags);
	put16(&f, proto);
	if (flags & (GRE_C | GRE_R))
		put32(&f, 0xbeef0000);
	if (flags & GRE_K)
		put32(&f, key);
	if (flags & GRE_S)
		put32(&f, 1000);
	putfb(&f, &in);
	return f;
}
static struct fb erspan2_ver(unsigned ver, unsigned session, struct fb in)
{
	struct fb f = {.n = 0};
	put32(&f, ((uint32_t)ver << 28) | (5u << 16) | session); /* VLAN 5, COS 0 */
	put32(&f, 0x00000abc);					  /* index */
	putfb(&f, &in);
	return f;
}
static struct fb erspan2(unsigned session, struct fb in) { return erspan2_ver(1, session, in); }
static struct fb erspan3(unsigned session, unsigned ft, bool o, struct fb in)
{
	struct fb f = {.n = 0};
	put32(&f, (2u << 28) | (5u << 16) | session);
	put32(&f, 0x12345678); /* timestamp */
	put16(&f, 0);	       /* SGT */
	put16(&f, (ft << 10) | (7u << 4) | (o ? 1u : 0u)); /* FT, HW ID 7, O */
	if (o) {
		put32(&f, 0x0c000000); /* platform id 3 */
		put32(&f, 0x11223344);
	}
	putfb(&f, &in);
	return f;
}
/* MPLS stack: n labels 100, 101, ..., bottom of stack on the last */
static struct fb mpls(unsigned n, struct fb in)
{
	struct fb f = {.n = 0};
	for (unsigned i = 0; i < n; i++)
		put32(&f, ((100u + i) << 12) | (i == n - 1 ? 0x100u : 0u) | 64u);
	putfb(&f, &in);
	return f;
}
static struct fb pw_cw(struct fb in)
{
	struct fb f = {.n = 0};
	put32(&f, 0x00000007); /* control word: first nibble 0, sequence 7 */
	putfb(&f, &in);
	return f;
}

/* inner payloads: Ethernet frames and bare IP packets */
static struct fb in_eth4(const char *p) { return eth(ET4, ip4(6, tcp(p))); }
static struct fb in_eth6(const char *p) { return eth(ET6, ip6(6, tcp(p))); }

static struct fb t_vxlan(void) { return eth_outer(ET4, ip4o(17, udp_to(4789, -1, vxlan(42, in_eth4("vx"))))); }
static struct fb t_vxlan_padded(void) { return pad_to(eth_outer(ET4, ip4o(17, udp_to(4789, -1, vxlan(7, eth(ET4, ip4(17, udp("v"))))))), 200); }
static struct fb t_vxlan_ip6(void) { return eth_outer(ET6, ip6o(17, udp_to(4789, -1, vxlan(0xabcdef, in_eth6("vx6"))))); }
static struct fb t_vxlan_vlan_inner(void)
{
	return eth_outer(0x8100, tag(ET4, 300, ip4o(17, udp_to(4789, -1, vxlan(42, eth(0x8100, tag(ET4, 12, ip4(6, tcp("iv")))))))));
}
static struct fb t_vxlan_no_i(void) { return eth_outer(ET4, ip4o(17, udp_to(4789, -1, vxlan_flags(0, 42, in_eth4("x"))))); }
static struct fb t_vxlan_arp(void) { return eth_outer(ET4, ip4o(17, udp_to(4789, -1, vxlan(42, eth(0x0806, tcp("")))))); }
static struct fb t_vxlan_short_udp(void) /* UDP length ends inside the VXLAN header */
{
	return eth_outer(ET4, ip4o(17, udp_to(4789, 12, vxlan(42, in_eth4("x")))));
}
static struct fb t_vxlan_inner_eth_short(void)
{
	struct fb e = {.n = 0};
	putn(&e, mac_dst, 6);
	putn(&e, mac_src, 6);
	return eth_outer(ET4, ip4o(17, udp_to(4789, -1, vxlan(42, e))));
}
static struct fb t_vxlan_fragment(void) { return eth_outer(ET4, ip4o_frag(17, 0x2000, udp_to(4789, -1, vxlan(42, in_eth4("f"))))); }
static struct fb t_geneve(void) { return eth_outer(ET4, ip4o(17, udp_to(6081, -1, geneve(0, 3, 0x6558, 5001, in_eth4("gnv"))))); }
static struct fb t_geneve_ip(void) { return eth_outer(ET4, ip4o(17, udp_to(6081, -1, geneve(0, 0, ET6, 9, ip6(17, udp("g6")))))); }
static struct fb t_geneve_v1(void) { return eth_outer(ET4, ip4o(17, udp_to(6081, -1, geneve(1, 0, 0x6558, 1, in_eth4("x"))))); }
static struct fb t_geneve_optlen(void) /* options run past the UDP length */
{
	return eth_outer(ET4, ip4o(17, udp_to(6081, 8 + 8 + 8, geneve(0, 4, 0x6558, 1, in_eth4("x")))));
}
static struct fb t_gretap(void) { return eth_outer(ET4, ip4o(47, gre(GRE_K, 0x6558, 7, in_eth4("gt")))); }
static struct fb t_gre_ip4(void) { return eth_outer(ET4, ip4o(47, gre(0, ET4, 0, ip4(6, tcp("gre"))))); }
static struct fb t_gre_cks_ip6(void) { return eth_outer(ET4, ip4o(47, gre(GRE_C | GRE_K | GRE_S, ET6, 0x01020304, ip6(17, udp("cks"))))); }
static struct fb t_gre_over_ip6(void) { return eth_outer(ET6, ip6o(47, gre(GRE_K, 0x6558, 99, in_eth6("g6")))); }
static struct fb t_gre_over_ip6_ext(void) { return eth_outer(ET6, ip6o(60, ext(60, 47, gre(0, ET4, 0, ip4(6, tcp("ext")))))); }
static struct fb t_gre_v1(void) { return eth_outer(ET4, ip4o(47, gre(GRE_K | 1, 0x880b, 0, tcp("ppp")))); }
static struct fb t_gre_routing(void) { return eth_outer(ET4, ip4o(47, gre(GRE_R, ET4, 0, ip4(6, tcp("r"))))); }
static struct fb t_gre_arp(void) { return eth_outer(ET4, ip4o(47, gre(0, 0x0806, 0, tcp("")))); }
static struct fb t_gre_short_ip(void) /* outer IP length ends inside the GRE key */
{
	struct fb g = gre(GRE_K | GRE_S, 0x6558, 1, in_eth4("x"));
	return eth_outer(ET4, ip4_full(4, 5, 20 + 6, 0, 47, &g));
}
static struct fb t_gre_mpls(void) { return eth_outer(ET4, ip4o(47, gre(GRE_K, 0x8847, 5, mpls(2, ip4(6, tcp("gm")))))); }
static struct fb t_erspan1(void) { return eth_outer(ET4, ip4o(47, gre(0, 0x88be, 0, in_eth4("e1")))); }
static struct fb t_erspan2(void) { return eth_outer(ET4, ip4o(47, gre(GRE_S, 0x88be, 0, erspan2(100, in_eth4("e2"))))); }
static struct fb t_erspan2_badver(void) { return eth_outer(ET4, ip4o(47, gre(GRE_S, 0x88be, 0, erspan2_ver(2, 100, in_eth4("x"))))); }
static struct fb t_erspan3(void) { return eth_outer(ET4, ip4o(47, gre(GRE_S, 0x22eb, 0, erspan3(555, 0, false, in_eth6("e3"))))); }
static struct fb t_erspan3_o(void) { return eth_outer(ET4, ip4o(47, gre(GRE_S, 0x22eb, 0, erspan3(556, 0, true, in_eth4("e3o"))))); }
static struct fb t_erspan3_ip(void) { return eth_outer(ET4, ip4o(47, gre(GRE_S, 0x22eb, 0, erspan3(557, 2, false, ip4(17, udp("e3ip")))))); }
static struct fb t_erspan3_ft5(void) { return eth_outer(ET4, ip4o(47, gre(GRE_S, 0x22eb, 0, erspan3(558, 5, false, in_eth4("x"))))); }
static struct fb t_erspan3_short(void) /* ERSPAN III header cut by the outer IP length */
{
	struct fb g = gre(GRE_S, 0x22eb, 0, erspan3(1, 0, true, in_eth4("x")));
	return eth_outer(ET4, ip4_full(4, 5, 20 + 8 + 16, 0, 47, &g));
}
/* VLAN -> GRE -> ERSPAN III (platform subheader) -> VLAN -> IPv6 -> TCP */
static struct fb t_combo(void)
{
	return eth_outer(0x8100, tag(ET4, 10, ip4o(47, gre(GRE_S, 0x22eb, 0, erspan3(77, 0, true, eth(0x8100, tag(ET6, 20, ip6(6, tcp("combo")))))))));
}
/* ERSPAN II carrying a VXLAN packet: the outermost tunnel is recorded */
static struct fb t_erspan_vxlan(void)
{
	return eth_outer(ET4, ip4o(47, gre(GRE_S, 0x88be, 0, erspan2(9, eth(ET6, ip6o(17, udp_to(4789, -1, vxlan(42, in_eth4("nest")))))))));
}
static struct fb t_mpls3(void) { return eth_outer(0x8847, mpls(3, ip4(6, tcp("m3")))); }
static struct fb t_mpls_ip6(void) { return eth_outer(0x8847, mpls(1, ip6(17, udp("m6")))); }
static struct fb t_mpls_vlan(void) { return eth_outer(0x8100, tag(0x8847, 33, mpls(2, ip4(6, tcp("mv"))))); }
static struct fb t_mpls_pw(void) { return eth_outer(0x8847, mpls(2, pw_cw(in_eth4("pw")))); }
static struct fb t_mpls_other(void) { return eth_outer(0x8847, mpls(1, tcp("?"))); } /* first nibble 9 */
static struct fb t_mpls_max(void) { return eth_outer(0x8847, mpls(AS_MAX_ENCAP_DEPTH, ip4(6, tcp("mx")))); }
static struct fb t_mpls_over(void) { return eth_outer(0x8847, mpls(AS_MAX_ENCAP_DEPTH + 1, ip4(6, tcp("x")))); }
static struct fb t_ipip(void) { return eth_outer(ET4, ip4o(4, ip4(6, tcp("4in4")))); }
static struct fb t_6in4(void) { return eth_outer(ET4, ip4o(41, ip6(6, tcp("6in4")))); }
static struct fb t_4in6(void) { return eth_outer(ET6, ip6o(4, ip4(17, udp("4in6")))); }
static struct fb t_ipip_wrong_version(void) { return eth_outer(ET4, ip4o(4, ip6(6, tcp("x")))); }
/* n VXLAN tunnels nested, the innermost carrying TCP */
static struct fb vxlan_nest(unsigned n)
{
	struct fb f = in_eth4("deep");
	for (unsigned i = 0; i < n; i++)
		f = eth_outer(ET4, ip4o(17, udp_to(4789, -1, vxlan(1000 + i, f))));
	return f;
}
static struct fb t_vxlan_max(void) { return vxlan_nest(AS_MAX_ENCAP_DEPTH - 1); } /* + the innermost frame */
static struct fb t_vxlan_over(void) { return vxlan_nest(AS_MAX_ENCAP_DEPTH + 1); }
/* tags and tunnels share one budget: outer tags + VXLAN + inner tags */
static struct fb t_tags_tunnel_over(void)
{
	unsigned half = AS_MAX_ENCAP_DEPTH / 2;
	return eth_outer(0x8100, vlans(half, ET4, ip4o(17, udp_to(4789, -1, vxlan(1, eth(0x8100, vlans(half, ET4, ip4(6, tcp("x")))))))));
}

struct tun_case {
	const char *name;
	struct fb (*make)(void);
	enum decode_reason want;
	uint8_t family, l4proto; /* of the inner packet, checked when DEC_OK */
	const char *payload;
	bool has_mac; /* the inner frame's MACs (mac_src/mac_dst) */
	uint16_t vlan;
	enum decode_tunnel tunnel;
	uint32_t tunnel_id;
	uint8_t tunnels;
	bool sweep;
};

static const struct tun_case tun_cases[] = {
	{"vxlan", t_vxlan, DEC_OK, 4, 6, "vx", true, 0, TUN_VXLAN, 42, 1, true},
	{"vxlan_padded_udp", t_vxlan_padded, DEC_OK, 4, 17, "v", true, 0, TUN_VXLAN, 7, 1, true},
	{"vxlan_in_ip6", t_vxlan_ip6, DEC_OK, 6, 6, "vx6", true, 0, TUN_VXLAN, 0xabcdef, 1, true},
	{"vxlan_inner_vlan", t_vxlan_vlan_inner, DEC_OK, 4, 6, "iv", true, 12, TUN_VXLAN, 42, 1, true},
	{"vxlan_no_i_flag", t_vxlan_no_i, DEC_TUNNEL_BAD_HEADER, 0, 0, NULL, false, 0, 0, 0, 0, false},
	{"vxlan_inner_arp", t_vxlan_arp, DEC_ETHERTYPE_OTHER, 0, 0, NULL, true, 0, TUN_VXLAN, 42, 1, false},
	{"vxlan_udp_len_in_header", t_vxlan_short_udp, DEC_TUNNEL_BAD_HEADER, 0, 0, NULL, false, 0, 0, 0, 0, false},
	{"vxlan_inner_eth_short", t_vxlan_inner_eth_short, DEC_LINK_TRUNCATED, 0, 0, NULL, false, 0, TUN_VXLAN, 42, 1, false},
	{"vxlan_outer_fragment", t_vxlan_fragment, DEC_IP4_FRAGMENT, 0, 0, NULL, true, 0, 0, 0, 0, false},
	{"geneve_options", t_geneve, DEC_OK, 4, 6, "gnv", true, 0, TUN_GENEVE, 5001, 1, true},
	{"geneve_ip6", t_geneve_ip, DEC_OK, 6, 17, "g6", false, 0, TUN_GENEVE, 9, 1, true},
	{"geneve_version_1", t_geneve_v1, DEC_TUNNEL_UNSUPPORTED, 0, 0, NULL, false, 0, 0, 0, 0, false},
	{"geneve_optlen_past_udp", t_geneve_optlen, DEC_TUNNEL_BAD_HEADER, 0, 0, NULL, false, 0, 0, 0, 0, false},
	{"gretap_key", t_gretap, DEC_OK, 4, 6, "gt", true, 0, TUN_GRETAP, 7, 1, true},
	{"gre_ip4", t_gre_ip4, DEC_OK, 4, 6, "gre", false, 0, TUN_GRE, 0, 1, true},
	{"gre_csum_key_seq_ip6", t_gre_cks_ip6, DEC_OK, 6, 17, "cks", false, 0, TUN_GRE, 0x01020304, 1, true},
	{"gretap_over_ip6", t_gre_over_ip6, DEC_OK, 6, 6, "g6", true, 0, TUN_GRETAP, 99, 1, true},
	{"gre_after_ip6_ext", t_gre_over_ip6_ext, DEC_OK, 4, 6, "ext", false, 0, TUN_GRE, 0, 1, true},
	{"gre_version_1", t_gre_v1, DEC_TUNNEL_UNSUPPORTED, 0, 0, NULL, false, 0, 0, 0, 0, false},
	{"gre_routing", t_gre_routing, DEC_TUNNEL_UNSUPPORTED, 0, 0, NULL, false, 0, 0, 0, 0, false},
	{"gre_arp", t_gre_arp, DEC_ETHERTYPE_OTHER, 0, 0, NULL, false, 0, TUN_GRE, 0, 1, false},
	{"gre_ip_len_in_header", t_gre_short_ip, DEC_TUNNEL_BAD_HEADER, 0, 0, NULL, false, 0, 0, 0, 0, false},
	{"gre_mpls", t_gre_mpls, DEC_OK, 4, 6, "gm", false, 0, TUN_GRE, 5, 2, true},
	{"erspan1", t_erspan1, DEC_OK, 4, 6, "e1", true, 0, TUN_ERSPAN1, 0, 1, true},
	{"erspan2", t_erspan2, DEC_OK, 4, 6, "e2", true, 0, TUN_ERSPAN2, 100, 1, true},
	{"erspan2_bad_version", t_erspan2_badver, DEC_TUNNEL_BAD_HEADER, 0, 0, NULL, false, 0, 0, 0, 0, false},
	{"erspan3", t_erspan3, DEC_OK, 6, 6, "e3", true, 0, TUN_ERSPAN3, 555, 1, true},
	{"erspan3_platform_sub", t_erspan3_o, DEC_OK, 4, 6, "e3o", true, 0, TUN_ERSPAN3, 556, 1, true},
	{"erspan3_ip_frame", t_erspan3_ip, DEC_OK, 4, 17, "e3ip", false, 0, TUN_ERSPAN3, 557, 1, true},
	{"erspan3_frame_type_5", t_erspan3_ft5, DEC_TUNNEL_UNSUPPORTED, 0, 0, NULL, false, 0, 0, 0, 0, false},
	{"erspan3_ip_len_in_header", t_erspan3_short, DEC_TUNNEL_BAD_HEADER, 0, 0, NULL, false, 0, 0, 0, 0, false},
	{"vlan_gre_erspan3_vlan_ip6", t_combo, DEC_OK, 6, 6, "combo", true, 20, TUN_ERSPAN3, 77, 1, true},
	{"erspan2_vxlan_ip6", t_erspan_vxlan, DEC_OK, 4, 6, "nest", true, 0, TUN_ERSPAN2, 9, 2, true},
	{"mpls_3_labels", t_mpls3, DEC_OK, 4, 6, "m3", false, 0, TUN_MPLS, 102, 1, true},
	{"mpls_ip6", t_mpls_ip6, DEC_OK, 6, 17, "m6", false, 0, TUN_MPLS, 100, 1, true},
	{"vlan_mpls", t_mpls_vlan, DEC_OK, 4, 6, "mv", false, 0, TUN_MPLS, 101, 1, true},
	{"mpls_pw_control_word", t_mpls_pw, DEC_OK, 4, 6, "pw", true, 0, TUN_MPLS, 101, 1, true},
	{"mpls_payload_other", t_mpls_other, DEC_TUNNEL_UNSUPPORTED, 0, 0, NULL, false, 0, TUN_MPLS, 100, 1, false},
	{"mpls_max_labels", t_mpls_max, DEC_OK, 4, 6, "mx", false, 0, TUN_MPLS, 100 + AS_MAX_ENCAP_DEPTH - 1, 1, true},
	{"mpls_max_plus_1_labels", t_mpls_over, DEC_TUNNEL_TOO_DEEP, 0, 0, NULL, true, 0, 0, 0, 0, false},
	{"ipip", t_ipip, DEC_OK, 4, 6, "4in4", false, 0, TUN_IPIP, 0, 1, true},
	{"ip6_in_ip4", t_6in4, DEC_OK, 6, 6, "6in4", false, 0, TUN_IPIP, 0, 1, true},
	{"ip4_in_ip6", t_4in6, DEC_OK, 4, 17, "4in6", false, 0, TUN_IPIP, 0, 1, true},
	{"ipip_wrong_version", t_ipip_wrong_version, DEC_IP4_BAD_HEADER, 0, 0, NULL, false, 0, TUN_IPIP, 0, 1, false},
	{"vxlan_nested_to_cap", t_vxlan_max, DEC_OK, 4, 6, "deep", true, 0, TUN_VXLAN, 1000 + AS_MAX_ENCAP_DEPTH - 2,
	 AS_MAX_ENCAP_DEPTH - 1, true},
	{"vxlan_nested_past_cap", t_vxlan_over, DEC_TUNNEL_TOO_DEEP, 0, 0, NULL, false, 0, TUN_VXLAN,
	 1000 + AS_MAX_ENCAP_DEPTH, AS_MAX_ENCAP_DEPTH, false},
	{"tags_and_tunnel_past_cap", t_tags_tunnel_over, DEC_VLAN_TOO_DEEP, 0, 0, NULL, true, 1, TUN_VXLAN, 1, 1, false},
};

static void check_inner(const char *name, const struct tun_case *tc, const struct decoded *d)
{
	if (tc->family)
		assert_int_equal(d->family, tc->family);
	if (tc->l4proto)
		assert_int_equal(d->l4proto, tc->l4proto);
	if (tc->payload) {
		if (d->payload_len != strlen(tc->payload) || memcmp(d->payload, tc->payload, d->payload_len))
			fail_msg("%s: payload %.*s", name, (int)d->payload_len, (const char *)d->payload);
	}
	if (d->family == 4) {
		assert_memory_equal(d->src_ip, "\x0a\x00\x00\x01\0\0\0\0\0\0\0\0\0\0\0\0", 16);
		assert_memory_equal(d->dst_ip, "\xc0\x00\x02\x07\0\0\0\0\0\0\0\0\0\0\0\0", 16);
	} else {
		assert_memory_equal(d->src_ip, v6src, 16);
		assert_memory_equal(d->dst_ip, v6dst, 16);
	}
	if (d->l4proto == 6) {
		assert_int_equal(d->src_port, 40000);
		assert_int_equal(d->dst_port, 443);
		assert_int_equal(d->seq, 0x01020304);
	} else {
		assert_int_equal(d->src_port, 53000);
		assert_int_equal(d->dst_port, 53);
		assert_int_equal(d->seq, 0);
	}
	/* the l3 view is the inner IP header, and holds the payload */
	uint8_t v = (uint8_t)(d->l3[0] >> 4);
	assert_int_equal(v, d->family);
	assert_int_equal(d->l3_len, d->ip_len);
	assert_true(d->payload >= d->l3 && d->payload + d->payload_len <= d->l3 + d->l3_len);
}

static void test_tunnel(void **state)
{
	const struct tun_case *tc = *state;
	struct fb f = tc->make();
	struct decoded d;
	enum decode_reason r = decode_packet(1, f.b, f.n, &d);
	const char *seed_dir = getenv("DECODE_SEED_DIR"); /* writes fuzz seeds when set */
	if (seed_dir) {
		char path[512];
		snprintf(path, sizeof path, "%s/tunnel-%s", seed_dir, tc->name);
		FILE *fp = fopen(path, "wb");
		assert_non_null(fp);
		fputc(0, fp); /* link type index 0: Ethernet */
		fwrite(f.b, 1, f.n, fp);
		fclose(fp);
	}
	if (r != tc->want)
		fail_msg("got %s, want %s", decode_reason_name(r), decode_reason_name(tc->want));
	if (tc->tunnel) {
		if (d.tunnel != tc->tunnel || d.tunnel_id != tc->tunnel_id || d.tunnels != tc->tunnels)
			fail_msg("tunnel %s id %u n %u, want %s %u %u",
				 decode_tunnel_name((enum decode_tunnel)d.tunnel), d.tunnel_id, d.tunnels,
				 decode_tunnel_name(tc->tunnel), tc->tunnel_id, tc->tunnels);
	}
	if (r != DEC_OK)
		return;
	assert_true(d.tunnels >= 1);
	assert_int_equal(d.vlan, tc->vlan);
	assert_int_equal(d.has_mac, tc->has_mac);
	if (d.has_mac) {
		assert_memory_equal(d.src_mac, mac_src, 6);
		assert_memory_equal(d.dst_mac, mac_dst, 6);
	} else {
		assert_memory_equal(d.src_mac, "\0\0\0\0\0\0", 6);
	}
	check_inner(tc->name, tc, &d);
}

static void test_tunnel_names(void **unused)
{
	(void)unused;
	assert_string_equal(decode_tunnel_name(TUN_ERSPAN3), "erspan3");
	assert_string_equal(decode_tunnel_name(TUN_COUNT), "unknown");
	for (int t = 0; t < TUN_COUNT; t++)
		assert_string_not_equal(decode_tunnel_name((enum decode_tunnel)t), "unknown");
}

/* Every valid tunnel frame cut at every length, in exactly sized blocks. */
static void test_tunnel_truncation(void **state)
{
	const struct tun_case *tc = *state;
	struct fb f = tc->make();
	unsigned seen[DEC_REASON_COUNT] = {0};
	sweep(1, &f, seen);
}

static void test_tunnel_truncation_reasons(void **unused)
{
	(void)unused;
	unsigned seen[DEC_REASON_COUNT] = {0};
	for (size_t i = 0; i < sizeof tun_cases / sizeof tun_cases[0]; i++)
		if (tun_cases[i].sweep) {
			struct fb f = tun_cases[i].make();
			sweep(1, &f, seen);
		}
	assert_true(seen[DEC_TUNNEL_TRUNCATED] && seen[DEC_LINK_TRUNCATED] && seen[DEC_IP4_TRUNCATED] &&
		    seen[DEC_IP6_TRUNCATED] && seen[DEC_TCP_TRUNCATED] && seen[DEC_UDP_TRUNCATED] && seen[DEC_OK]);
}

/* Every reason a tunnel row yields, so that test_every_reason's coverage holds. */
static void test_tunnel_reasons(void **unused)
{
	(void)unused;
	bool seen[DEC_REASON_COUNT] = {false};
	for (size_t i = 0; i < sizeof tun_cases / sizeof tun_cases[0]; i++) {
		struct fb f = tun_cases[i].make();
		struct decoded d;
		seen[decode_packet(1, f.b, f.n, &d)] = true;
	}
	assert_true(seen[DEC_TUNNEL_BAD_HEADER] && seen[DEC_TUNNEL_UNSUPPORTED] && seen[DEC_TUNNEL_TOO_DEEP]);
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

static void test_pcap(void **state)
{
	const struct cap_case *cc = *state;
	pcap_t *pc = pw_open(cc->file);
	assert_int_equal(pcap_datalink(pc), cc->dlt);
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
	if (tcp_n != cc->tcp || udp_n != cc->udp || ip6_n != cc->ip6)
		fail_msg("tcp %u udp %u ip6 %u, want %u %u %u", tcp_n, udp_n, ip6_n, cc->tcp, cc->udp, cc->ip6);
}

/* ---- recorded tunnel captures (pcaps/record-tunnels/record.sh) ---- */

struct tcap_case {
	const char *file;
	enum decode_tunnel tunnel;
	uint32_t id;
	unsigned net; /* inner addresses 10.88.<net>.1 (client) and .2 (server) */
	bool mac;     /* the inner packet is an Ethernet frame */
};

/* Per capture, from tshark: 12 TCP and 4 UDP (DNS) packets inside the tunnel,
 * the rest ARP (outer and inner) and, for vxlan6, outer ICMPv6. */
static const struct tcap_case tcaps[] = {
	{"tunnel-vxlan.pcap", TUN_VXLAN, 42, 42, true},
	{"tunnel-vxlan6.pcap", TUN_VXLAN, 4243, 43, true},
	{"tunnel-gretap.pcap", TUN_GRETAP, 7, 44, true},
	{"tunnel-gre.pcap", TUN_GRE, 47, 47, false},
	{"tunnel-erspan.pcap", TUN_ERSPAN3, 100, 45, true},
	{"tunnel-erspan2.pcap", TUN_ERSPAN2, 200, 46, true},
};

/* These captures are part of the repository: one missing is a failure. */
static void test_tunnel_pcap(void **state)
{
	const struct tcap_case *tc = *state;
	char path[1024], err[PCAP_ERRBUF_SIZE];
	snprintf(path, sizeof path, "%s/pcaps/%s", AS_SRC_DIR, tc->file);
	pcap_t *pc = pcap_open_offline(path, err);
	if (!pc)
		fail_msg("%s", err);
	unsigned tcp_n = 0, udp_n = 0, other = 0;
	struct pcap_pkthdr *h;
	const u_char *frame;
	uint8_t cli[16] = {10, 88, (uint8_t)tc->net, 1}, srv[16] = {10, 88, (uint8_t)tc->net, 2};
	while (pcap_next_ex(pc, &h, &frame) == 1) {
		struct decoded d;
		enum decode_reason r = decode_packet(pcap_datalink(pc), frame, h->caplen, &d);
		if (r != DEC_OK) {
			if (r != DEC_ETHERTYPE_OTHER && r != DEC_L4_OTHER)
				fail_msg("%s", decode_reason_name(r));
			other++;
			continue;
		}
		if (d.tunnel != tc->tunnel || d.tunnel_id != tc->id || d.tunnels != 1 || d.has_mac != tc->mac)
			fail_msg("tunnel %s %u", decode_tunnel_name((enum decode_tunnel)d.tunnel), d.tunnel_id);
		assert_int_equal(d.family, 4);
		bool fwd = !memcmp(d.src_ip, cli, 16) && !memcmp(d.dst_ip, srv, 16);
		bool rev = !memcmp(d.src_ip, srv, 16) && !memcmp(d.dst_ip, cli, 16);
		assert_true(fwd || rev);
		if (tc->mac) /* 02:88:<net>:00:00:0{1,2} */
			assert_true(d.src_mac[0] == 2 && d.src_mac[1] == 0x88 && d.src_mac[2] == tc->net);
		assert_true(d.payload >= frame && d.payload + d.payload_len <= frame + h->caplen);
		assert_int_equal(d.l3_len, d.ip_len);
		tcp_n += d.l4proto == 6;
		udp_n += d.l4proto == 17;
	}
	pcap_close(pc);
	if (tcp_n != 12 || udp_n != 4 || other == 0)
		fail_msg("tcp %u udp %u other %u", tcp_n, udp_n, other);
}

int main(void)
{
	struct cases t = {0};
	CASE_ROWS(&t, test_frame, cases, name);
	CASE(&t, test_every_reason);
	CASE_ROWS_WHERE(&t, test_truncation, cases, name, truncation_sweep);
	CASE(&t, test_truncation_reasons);
	CASE(&t, test_reason_names);
	CASE_ROWS(&t, test_tunnel, tun_cases, name);
	CASE(&t, test_tunnel_names);
	CASE_ROWS_WHERE(&t, test_tunnel_truncation, tun_cases, name, sweep);
	CASE(&t, test_tunnel_truncation_reasons);
	CASE(&t, test_tunnel_reasons);
	CASE_ROWS(&t, test_pcap, caps, file);
	CASE_ROWS(&t, test_tunnel_pcap, tcaps, file);
	return cases_main(&t, "decode");
}
