/* decode.c — link, network and transport decoding of one captured frame:
 * Ethernet II + IEEE 802.1Q/802.1ad/QinQ tags + PPPoE session (RFC 2516),
 * Linux SLL/SLL2, raw IP, BSD loopback (tcpdump.org link-layer header types),
 * IPv4 (RFC 791), IPv6 + extension headers (RFC 8200, AH RFC 4302, mobility
 * RFC 6275), TCP (RFC 9293) and UDP (RFC 768); and the encapsulations a
 * mirror port delivers: MPLS (RFC 3032, payload guessed as RFC 4928
 * describes, pseudowire control word RFC 4385), GRE (RFC 2784, key and
 * sequence RFC 2890, transparent Ethernet bridging 0x6558), ERSPAN type I, II
 * and III (draft-foschiano-erspan-03, over GRE 0x88be/0x22eb), VXLAN (RFC 7348,
 * UDP 4789), Geneve (RFC 8926, UDP 6081) and IP-in-IP (RFC 2003, RFC 2473).
 *
 * This is the per-packet hot path: no allocation, no copies of payload, every
 * read through the inline cursor. Lengths are checked twice: against what the
 * headers declare (a violation is a *_BAD_* reason) and against what was
 * captured (a snap length cut is a *_TRUNCATED reason). The payload is bounded
 * by both, so Ethernet padding never becomes payload.
 *
 * Policy choices:
 * - IPv4 fragments are counted and skipped, the first fragment (offset 0, MF
 *   set) too: we do not reassemble, and half a TCP/UDP payload would hand a
 *   dissector a datagram that is not whole. IPv6 likewise; an atomic fragment
 *   header (offset 0, M clear, RFC 6946) is stepped over. A fragmented outer
 *   packet of a tunnel is counted the same way (ip4_fragment/ip6_fragment).
 * - An IPv4 total length or IPv6 payload length of 0 (TSO/GSO captures on the
 *   sending host, IPv6 jumbograms) means "as captured".
 * - Linux SLL/SLL2 carry only the sender's link address: src_mac is set (when
 *   it is a 6-byte Ethernet address) and dst_mac stays zero.
 * - Encapsulation: one budget of AS_MAX_ENCAP_DEPTH headers per packet is
 *   shared by VLAN tags, PPPoE, MPLS labels and tunnels (GRE with its ERSPAN
 *   header counts once). Entering a tunnel clears everything that described
 *   the outer packet (addresses, ports, MACs, VLAN): the result describes the
 *   innermost packet; `tunnel`/`tunnel_id` keep the outermost tunnel. An
 *   inner frame's MACs are the innermost Ethernet header's; a bare IP payload
 *   (GRE-IP, MPLS-IP, IP-in-IP) has none, since the outer MACs belong to the
 *   tunnel endpoints, not to the hosts.
 * - GRE's protocol type is an EtherType and goes through the same switch as
 *   a link header's, so GRE carrying ARP or another non-IP protocol is
 *   ethertype_other (skipped), like the same frame on a link. GRE version 1
 *   (PPTP) and RFC 1701 routing are tunnel_unsupported; other reserved bits
 *   are tolerated. Checksums are not verified.
 * - ERSPAN over GRE 0x88be without the sequence bit is type I (no ERSPAN
 *   header). Type III frame types Ethernet (0) and IP (2) are decoded.
 * - VXLAN is recognised by UDP destination port 4789 only, and requires the
 *   I flag (else tunnel_bad_header); Geneve by port 6081, version 0.
 * - MPLS: labels are popped to bottom of stack, then the first nibble of the
 *   payload picks IPv4 (4), IPv6 (6), or an RFC 4385 pseudowire control word
 *   (0) followed by an Ethernet frame; anything else is tunnel_unsupported.
 *   An Ethernet pseudowire without a control word whose destination MAC
 *   starts with nibble 4 or 6 is misread as IP, as in every decoder that
 *   follows RFC 4928; it then fails as a bad IP header, never a crash. */
#include "decode.h"

#include <string.h>

#include "cursor.h"
#include "limits.h"

/* Link types (pcap DLT_* as libpcap reports them, and LINKTYPE_* file values). */
enum {
	LT_NULL = 0,	    /* BSD loopback, AF in the capturing host's byte order */
	LT_EN10MB = 1,	    /* Ethernet */
	LT_RAW_12 = 12,	    /* DLT_RAW on most systems */
	LT_RAW_14 = 14,	    /* DLT_RAW on OpenBSD */
	LT_RAW = 101,	    /* LINKTYPE_RAW */
	LT_LOOP = 108,	    /* OpenBSD loopback, AF in network byte order */
	LT_LINUX_SLL = 113, /* Linux cooked capture v1 */
	LT_IPV4 = 228,	    /* LINKTYPE_IPV4 */
	LT_IPV6 = 229,	    /* LINKTYPE_IPV6 */
	LT_LINUX_SLL2 = 276 /* Linux cooked capture v2 */
};

enum {
	ET_IP4 = 0x0800,
	ET_IP6 = 0x86dd,
	ET_VLAN = 0x8100,	/* 802.1Q */
	ET_QINQ = 0x88a8,	/* 802.1ad service tag */
	ET_QINQ_OLD = 0x9100,	/* pre-standard QinQ */
	ET_PPPOE_SESS = 0x8864, /* PPPoE session stage */
	ET_MPLS = 0x8847,	/* MPLS unicast */
	ET_MPLS_MC = 0x8848,	/* MPLS multicast */
	ET_TEB = 0x6558,	/* GRE transparent Ethernet bridging */
	ET_ERSPAN2 = 0x88be,	/* GRE: ERSPAN type I (no sequence) or II */
	ET_ERSPAN3 = 0x22eb,	/* GRE: ERSPAN type III */
};

enum {
	PPP_IP4 = 0x0021,
	PPP_IP6 = 0x0057,
};

enum {
	IPP_HOPOPTS = 0,
	IPP_IPIP = 4,
	IPP_TCP = 6,
	IPP_UDP = 17,
	IPP_IPV6 = 41,
	IPP_ROUTING = 43,
	IPP_FRAGMENT = 44,
	IPP_GRE = 47,
	IPP_AH = 51,
	IPP_NONE = 59,
	IPP_DSTOPTS = 60,
	IPP_MOBILITY = 135,
};

enum {
	UDP_VXLAN = 4789,
	UDP_GENEVE = 6081,
};

#define ARPHRD_ETHER 1

/* Reads after an explicit length check cannot fail; this says so. */
#define MUST(x) ((void)(x))

/* One packet's decoding: the result, and the encapsulation headers spent. */
struct dec {
	struct decoded *out;
	unsigned depth;	 /* headers spent of AS_MAX_ENCAP_DEPTH */
	bool tagged;	 /* the current frame's outermost VLAN tag is recorded */
};

static const char *const reason_names[DEC_REASON_COUNT] = {
    [DEC_OK] = "ok",
    [DEC_LINK_TRUNCATED] = "link_truncated",
    [DEC_LINK_UNSUPPORTED] = "link_unsupported",
    [DEC_ETHERTYPE_OTHER] = "ethertype_other",
    [DEC_VLAN_TOO_DEEP] = "vlan_too_deep",
    [DEC_IP4_TRUNCATED] = "ip4_truncated",
    [DEC_IP4_BAD_HEADER] = "ip4_bad_header",
    [DEC_IP4_FRAGMENT] = "ip4_fragment",
    [DEC_IP6_TRUNCATED] = "ip6_truncated",
    [DEC_IP6_BAD_HEADER] = "ip6_bad_header",
    [DEC_IP6_BAD_EXT] = "ip6_bad_ext",
    [DEC_IP6_FRAGMENT] = "ip6_fragment",
    [DEC_TCP_TRUNCATED] = "tcp_truncated",
    [DEC_TCP_BAD_OFFSET] = "tcp_bad_offset",
    [DEC_UDP_TRUNCATED] = "udp_truncated",
    [DEC_UDP_BAD_LENGTH] = "udp_bad_length",
    [DEC_L4_OTHER] = "l4_other",
    [DEC_TUNNEL_TRUNCATED] = "tunnel_truncated",
    [DEC_TUNNEL_BAD_HEADER] = "tunnel_bad_header",
    [DEC_TUNNEL_UNSUPPORTED] = "tunnel_unsupported",
    [DEC_TUNNEL_TOO_DEEP] = "tunnel_too_deep",
};

const char *decode_reason_name(enum decode_reason r)
{
	if ((unsigned)r >= DEC_REASON_COUNT || !reason_names[r])
		return "unknown";
	return reason_names[r];
}

static const char *const tunnel_names[TUN_COUNT] = {
    [TUN_NONE] = "none",	 [TUN_MPLS] = "mpls",	      [TUN_GRE] = "gre",
    [TUN_GRETAP] = "gretap",	 [TUN_ERSPAN1] = "erspan1", [TUN_ERSPAN2] = "erspan2",
    [TUN_ERSPAN3] = "erspan3", [TUN_VXLAN] = "vxlan",	      [TUN_GENEVE] = "geneve",
    [TUN_IPIP] = "ipip",
};

const char *decode_tunnel_name(enum decode_tunnel t)
{
	if ((unsigned)t >= TUN_COUNT || !tunnel_names[t])
		return "unknown";
	return tunnel_names[t];
}

static enum decode_reason decode_ip4(struct dec *s, struct cur c);
static enum decode_reason decode_ip6(struct dec *s, struct cur c);
static enum decode_reason decode_ether(struct dec *s, struct cur c);
static enum decode_reason decode_ethertype(struct dec *s, uint16_t et, struct cur c);

/* ---- encapsulation ---- */

/* Spends one header of the packet's budget; false when it is exhausted. */
static bool take_depth(struct dec *s)
{
	return ++s->depth <= AS_MAX_ENCAP_DEPTH;
}

/* Starts decoding what a tunnel carries: the outer packet's description is
 * dropped, the outermost tunnel kept. */
static void open_tunnel(struct dec *s, enum decode_tunnel type, uint32_t id)
{
	struct decoded *o = s->out;
	uint8_t t = o->tunnel, n = o->tunnels;
	uint32_t tid = o->tunnel_id;
	memset(o, 0, sizeof *o);
	if (t == TUN_NONE) {
		t = (uint8_t)type;
		tid = id;
	}
	o->tunnel = t;
	o->tunnel_id = tid;
	o->tunnels = (uint8_t)(n + 1);
	s->tagged = false;
}

/* A tunnel header spends one header of the budget. */
static enum decode_reason enter_tunnel(struct dec *s, enum decode_tunnel type, uint32_t id)
{
	if (!take_depth(s))
		return DEC_TUNNEL_TOO_DEEP;
	open_tunnel(s, type, id);
	return DEC_OK;
}

/* Header of `need` bytes at the front of a tunnel payload: past what the
 * outer header declared is bad, past what was captured is truncated. */
static enum decode_reason need_hdr(const struct cur *c, size_t declared, size_t need)
{
	if (need > declared)
		return DEC_TUNNEL_BAD_HEADER;
	if (need > cur_len(c))
		return DEC_TUNNEL_TRUNCATED;
	return DEC_OK;
}

/* IP of either version, by its first nibble (raw IP link, MPLS payload,
 * ERSPAN III IP frame): `cut` when there is no byte, `other` when the
 * nibble is neither 4 nor 6. */
static enum decode_reason decode_ip_any(struct dec *s, struct cur c, enum decode_reason cut,
					enum decode_reason other)
{
	uint8_t v;
	if (!cur_peek_u8(&c, 0, &v))
		return cut;
	if ((v >> 4) == 4)
		return decode_ip4(s, c);
	if ((v >> 4) == 6)
		return decode_ip6(s, c);
	return other;
}

/* In a tunnel: IP or nothing we decode. */
static enum decode_reason decode_ip_guess(struct dec *s, struct cur c)
{
	return decode_ip_any(s, c, DEC_TUNNEL_TRUNCATED, DEC_TUNNEL_UNSUPPORTED);
}

/* MPLS label stack (RFC 3032): 4-byte entries, label(20) TC(3) S(1) TTL(8).
 * Each label spends one header of the budget; the stack is one tunnel. */
static enum decode_reason decode_mpls(struct dec *s, struct cur c)
{
	uint32_t e;
	do {
		if (!take_depth(s))
			return DEC_TUNNEL_TOO_DEEP;
		if (!cur_get_u32(&c, &e))
			return DEC_TUNNEL_TRUNCATED;
	} while (!(e & 0x100));
	open_tunnel(s, TUN_MPLS, e >> 12);
	uint8_t v;
	if (!cur_peek_u8(&c, 0, &v))
		return DEC_TUNNEL_TRUNCATED;
	if ((v >> 4) == 0) { /* pseudowire control word, then Ethernet */
		if (!cur_skip(&c, 4))
			return DEC_TUNNEL_TRUNCATED;
		return decode_ether(s, c);
	}
	return decode_ip_guess(s, c);
}

/* GRE (RFC 2784/2890) in an IP payload of `declared` bytes. */
static enum decode_reason decode_gre(struct dec *s, struct cur c, size_t declared)
{
	enum decode_reason r = need_hdr(&c, declared, 4);
	if (r != DEC_OK)
		return r;
	uint16_t flags, proto;
	MUST(cur_get_u16(&c, &flags));
	MUST(cur_get_u16(&c, &proto));
	if ((flags & 0x0007) || (flags & 0x4000)) /* version 1 (PPTP), RFC 1701 routing */
		return DEC_TUNNEL_UNSUPPORTED;
	bool csum = flags & 0x8000, key = flags & 0x2000, seq = flags & 0x1000;
	size_t opt = (csum ? 4u : 0u) + (key ? 4u : 0u) + (seq ? 4u : 0u);
	if ((r = need_hdr(&c, declared - 4, opt)) != DEC_OK)
		return r;
	uint32_t gre_key = 0;
	if (csum)
		MUST(cur_skip(&c, 4));
	if (key)
		MUST(cur_get_u32(&c, &gre_key));
	if (seq)
		MUST(cur_skip(&c, 4));
	declared -= 4 + opt;

	switch (proto) {
	case ET_TEB:
		if ((r = enter_tunnel(s, TUN_GRETAP, gre_key)) != DEC_OK)
			return r;
		return decode_ether(s, c);
	case ET_ERSPAN2: {
		if (!seq) { /* type I: the mirrored frame follows GRE directly */
			if ((r = enter_tunnel(s, TUN_ERSPAN1, gre_key)) != DEC_OK)
				return r;
			return decode_ether(s, c);
		}
		/* Ver(4)=1 VLAN(12) | COS(3) En(2) T(1) Session(10) | Reserved(12) Index(20) */
		uint32_t w0;
		if ((r = need_hdr(&c, declared, 8)) != DEC_OK)
			return r;
		MUST(cur_get_u32(&c, &w0));
		MUST(cur_skip(&c, 4));
		if ((w0 >> 28) != 1)
			return DEC_TUNNEL_BAD_HEADER;
		if ((r = enter_tunnel(s, TUN_ERSPAN2, w0 & 0x3ff)) != DEC_OK)
			return r;
		return decode_ether(s, c);
	}
	case ET_ERSPAN3: {
		/* Ver(4)=2 VLAN(12) | COS(3) BSO(2) T(1) Session(10) | Timestamp(32) |
		 * SGT(16) | P(1) FT(5) HW ID(6) D(1) Gra(2) O(1) [+ 8-byte platform subheader] */
		uint32_t w0;
		uint16_t w2;
		if ((r = need_hdr(&c, declared, 12)) != DEC_OK)
			return r;
		MUST(cur_get_u32(&c, &w0));
		MUST(cur_skip(&c, 6));
		MUST(cur_get_u16(&c, &w2));
		if ((w0 >> 28) != 2)
			return DEC_TUNNEL_BAD_HEADER;
		if (w2 & 1) {
			if ((r = need_hdr(&c, declared - 12, 8)) != DEC_OK)
				return r;
			MUST(cur_skip(&c, 8));
		}
		unsigned ft = (w2 >> 10) & 0x1f;
		if (ft != 0 && ft != 2)
			return DEC_TUNNEL_UNSUPPORTED;
		if ((r = enter_tunnel(s, TUN_ERSPAN3, w0 & 0x3ff)) != DEC_OK)
			return r;
		return ft == 0 ? decode_ether(s, c) : decode_ip_guess(s, c);
	}
	default: /* IP, MPLS, or an EtherType we skip */
		if ((r = enter_tunnel(s, TUN_GRE, gre_key)) != DEC_OK)
			return r;
		return decode_ethertype(s, proto, c);
	}
}

/* VXLAN (RFC 7348): flags(8, I = 0x08) reserved(24) VNI(24) reserved(8). */
static enum decode_reason decode_vxlan(struct dec *s, struct cur c, size_t declared)
{
	enum decode_reason r = need_hdr(&c, declared, 8);
	if (r != DEC_OK)
		return r;
	uint32_t w0, w1;
	MUST(cur_get_u32(&c, &w0));
	MUST(cur_get_u32(&c, &w1));
	if (!(w0 & 0x08000000u))
		return DEC_TUNNEL_BAD_HEADER;
	if ((r = enter_tunnel(s, TUN_VXLAN, w1 >> 8)) != DEC_OK)
		return r;
	return decode_ether(s, c);
}

/* Geneve (RFC 8926): Ver(2) OptLen(6) O C Rsvd(6) | Protocol Type(16) |
 * VNI(24) Reserved(8) | options, OptLen 4-byte words. */
static enum decode_reason decode_geneve(struct dec *s, struct cur c, size_t declared)
{
	enum decode_reason r = need_hdr(&c, declared, 8);
	if (r != DEC_OK)
		return r;
	uint8_t b0;
	uint16_t proto;
	uint32_t w1;
	MUST(cur_get_u8(&c, &b0));
	MUST(cur_skip(&c, 1));
	MUST(cur_get_u16(&c, &proto));
	MUST(cur_get_u32(&c, &w1));
	if (b0 >> 6)
		return DEC_TUNNEL_UNSUPPORTED;
	size_t optlen = (size_t)(b0 & 0x3f) * 4;
	if ((r = need_hdr(&c, declared - 8, optlen)) != DEC_OK)
		return r;
	MUST(cur_skip(&c, optlen));
	if ((r = enter_tunnel(s, TUN_GENEVE, w1 >> 8)) != DEC_OK)
		return r;
	if (proto == ET_TEB)
		return decode_ether(s, c);
	return decode_ethertype(s, proto, c);
}

/* ---- transport ---- */

/* seg: the segment as captured, already bounded by the IP length;
 * declared: its length as the IP header declares it (>= cur_len(&seg)). */
static enum decode_reason decode_tcp(struct dec *s, struct cur seg, size_t declared)
{
	struct decoded *out = s->out;
	size_t cap = cur_len(&seg);
	if (cap < 20)
		return DEC_TCP_TRUNCATED;
	uint8_t off, flags;
	MUST(cur_get_u16(&seg, &out->src_port));
	MUST(cur_get_u16(&seg, &out->dst_port));
	MUST(cur_get_u32(&seg, &out->seq));
	MUST(cur_get_u32(&seg, &out->ack));
	MUST(cur_get_u8(&seg, &off));
	MUST(cur_get_u8(&seg, &flags));
	out->l4proto = IPP_TCP;
	out->tcp_flags = flags;
	size_t hl = (size_t)(off >> 4) * 4;
	if (hl < 20 || hl > declared)
		return DEC_TCP_BAD_OFFSET;
	if (hl > cap)
		return DEC_TCP_TRUNCATED;
	MUST(cur_skip(&seg, hl - 14));
	out->payload = cur_data(&seg);
	out->payload_len = cur_len(&seg);
	return DEC_OK;
}

static enum decode_reason decode_udp(struct dec *s, struct cur seg, size_t declared)
{
	struct decoded *out = s->out;
	size_t cap = cur_len(&seg);
	if (cap < 8)
		return DEC_UDP_TRUNCATED;
	uint16_t ulen;
	MUST(cur_get_u16(&seg, &out->src_port));
	MUST(cur_get_u16(&seg, &out->dst_port));
	MUST(cur_get_u16(&seg, &ulen));
	MUST(cur_skip(&seg, 2));
	out->l4proto = IPP_UDP;
	if (ulen < 8 || ulen > declared)
		return DEC_UDP_BAD_LENGTH;
	size_t n = (size_t)ulen - 8;
	out->payload = cur_data(&seg);
	out->payload_len = n < cur_len(&seg) ? n : cur_len(&seg);
	if (out->dst_port == UDP_VXLAN)
		return decode_vxlan(s, cur_make(out->payload, out->payload_len), n);
	if (out->dst_port == UDP_GENEVE)
		return decode_geneve(s, cur_make(out->payload, out->payload_len), n);
	return DEC_OK;
}

/* What follows the IP header(s): transport, or a tunnel. */
static enum decode_reason decode_l4(struct dec *s, uint8_t proto, struct cur seg, size_t declared)
{
	enum decode_reason r;
	switch (proto) {
	case IPP_TCP:
		return decode_tcp(s, seg, declared);
	case IPP_UDP:
		return decode_udp(s, seg, declared);
	case IPP_GRE:
		return decode_gre(s, seg, declared);
	case IPP_IPIP:
		if ((r = enter_tunnel(s, TUN_IPIP, 0)) != DEC_OK)
			return r;
		return decode_ip4(s, seg);
	case IPP_IPV6:
		if ((r = enter_tunnel(s, TUN_IPIP, 0)) != DEC_OK)
			return r;
		return decode_ip6(s, seg);
	default:
		return DEC_L4_OTHER;
	}
}

/* ---- network ---- */

static enum decode_reason decode_ip4(struct dec *s, struct cur c)
{
	struct decoded *out = s->out;
	size_t avail = cur_len(&c);
	uint8_t v;
	if (cur_peek_u8(&c, 0, &v) && (v >> 4) != 4)
		return DEC_IP4_BAD_HEADER;
	if (avail < 20)
		return DEC_IP4_TRUNCATED;
	struct cur h = c;
	uint8_t vihl, proto;
	uint16_t tot, frag;
	MUST(cur_get_u8(&h, &vihl));
	MUST(cur_skip(&h, 1));
	MUST(cur_get_u16(&h, &tot));
	MUST(cur_skip(&h, 2));
	MUST(cur_get_u16(&h, &frag));
	MUST(cur_skip(&h, 1));
	MUST(cur_get_u8(&h, &proto));
	MUST(cur_skip(&h, 2));
	size_t hl = (size_t)(vihl & 0x0f) * 4;
	size_t tl = tot ? tot : avail; /* 0: TSO, take what was captured */
	if (hl < 20 || tl < hl)
		return DEC_IP4_BAD_HEADER;
	out->family = 4;
	MUST(cur_copy(&h, out->src_ip, 4));
	MUST(cur_copy(&h, out->dst_ip, 4));
	out->ip_len = tl;
	out->l3 = cur_data(&c);
	out->l3_len = tl < avail ? tl : avail;
	if (avail < hl)
		return DEC_IP4_TRUNCATED;
	if (frag & 0x3fff) /* MF or a fragment offset */
		return DEC_IP4_FRAGMENT;
	struct cur seg = cur_make(NULL, 0);
	MUST(cur_skip(&c, hl));
	MUST(cur_get_bytes(&c, &seg, (tl < avail ? tl : avail) - hl));
	return decode_l4(s, proto, seg, tl - hl);
}

static enum decode_reason decode_ip6(struct dec *s, struct cur c)
{
	struct decoded *out = s->out;
	size_t avail = cur_len(&c);
	const uint8_t *l3 = cur_data(&c);
	uint8_t v;
	if (cur_peek_u8(&c, 0, &v) && (v >> 4) != 6)
		return DEC_IP6_BAD_HEADER;
	if (avail < 40)
		return DEC_IP6_TRUNCATED;
	uint8_t nh;
	uint16_t plen;
	MUST(cur_skip(&c, 4));
	MUST(cur_get_u16(&c, &plen));
	MUST(cur_get_u8(&c, &nh));
	MUST(cur_skip(&c, 1));
	out->family = 6;
	MUST(cur_copy(&c, out->src_ip, 16));
	MUST(cur_copy(&c, out->dst_ip, 16));
	size_t tl = plen ? (size_t)plen + 40 : avail; /* 0: jumbogram or GSO */
	out->ip_len = tl;
	out->l3 = l3;
	out->l3_len = tl < avail ? tl : avail;
	size_t declared = tl - 40;
	struct cur seg = cur_make(NULL, 0);
	MUST(cur_get_bytes(&c, &seg, (tl < avail ? tl : avail) - 40));

	for (;;) {
		size_t el;
		uint8_t next, hlen;
		switch (nh) {
		case IPP_HOPOPTS:
		case IPP_ROUTING:
		case IPP_DSTOPTS:
		case IPP_MOBILITY:
		case IPP_AH:
		case IPP_FRAGMENT:
			if (declared < 2)
				return DEC_IP6_BAD_EXT;
			if (!cur_peek_u8(&seg, 0, &next) || !cur_peek_u8(&seg, 1, &hlen))
				return DEC_IP6_TRUNCATED;
			if (nh == IPP_FRAGMENT)
				el = 8;
			else if (nh == IPP_AH)
				el = ((size_t)hlen + 2) * 4; /* RFC 4302: 4-byte units minus 2 */
			else
				el = ((size_t)hlen + 1) * 8;
			if (el > declared)
				return DEC_IP6_BAD_EXT;
			if (el > cur_len(&seg))
				return DEC_IP6_TRUNCATED;
			if (nh == IPP_FRAGMENT) {
				struct cur f = seg;
				uint16_t offm;
				MUST(cur_skip(&f, 2));
				MUST(cur_get_u16(&f, &offm));
				if (offm & 0xfff9) /* offset (13 bits) or M */
					return DEC_IP6_FRAGMENT;
			}
			MUST(cur_skip(&seg, el));
			declared -= el;
			nh = next;
			break;
		case IPP_NONE:
			return DEC_L4_OTHER;
		default:
			return decode_l4(s, nh, seg, declared);
		}
	}
}

/* ---- link ---- */

static enum decode_reason decode_ethertype(struct dec *s, uint16_t et, struct cur c)
{
	for (;;) {
		switch (et) {
		case ET_IP4:
			return decode_ip4(s, c);
		case ET_IP6:
			return decode_ip6(s, c);
		case ET_VLAN:
		case ET_QINQ:
		case ET_QINQ_OLD: {
			uint16_t tci;
			if (!take_depth(s))
				return DEC_VLAN_TOO_DEEP;
			if (cur_len(&c) < 4)
				return DEC_LINK_TRUNCATED;
			MUST(cur_get_u16(&c, &tci));
			MUST(cur_get_u16(&c, &et));
			if (!s->tagged)
				s->out->vlan = tci & 0x0fff;
			s->tagged = true;
			break;
		}
		case ET_PPPOE_SESS: {
			/* ver/type, code, session id, length, then the PPP protocol.
			 * Counts toward the same encapsulation depth as VLAN tags. */
			uint16_t proto;
			if (!take_depth(s))
				return DEC_VLAN_TOO_DEEP;
			if (cur_len(&c) < 8)
				return DEC_LINK_TRUNCATED;
			MUST(cur_skip(&c, 6));
			MUST(cur_get_u16(&c, &proto));
			if (proto == PPP_IP4)
				return decode_ip4(s, c);
			if (proto == PPP_IP6)
				return decode_ip6(s, c);
			return DEC_ETHERTYPE_OTHER;
		}
		case ET_MPLS:
		case ET_MPLS_MC:
			return decode_mpls(s, c);
		default:
			return DEC_ETHERTYPE_OTHER;
		}
	}
}

static enum decode_reason decode_ether(struct dec *s, struct cur c)
{
	struct decoded *out = s->out;
	uint16_t et;
	if (cur_len(&c) < 14)
		return DEC_LINK_TRUNCATED;
	MUST(cur_copy(&c, out->dst_mac, 6));
	MUST(cur_copy(&c, out->src_mac, 6));
	MUST(cur_get_u16(&c, &et));
	out->has_mac = true;
	return decode_ethertype(s, et, c);
}

/* The sender's link address of a cooked header, when it is an Ethernet MAC. */
static void sll_mac(uint16_t hatype, uint16_t halen, struct cur addr, struct decoded *out)
{
	if (hatype == ARPHRD_ETHER && halen == 6) {
		MUST(cur_copy(&addr, out->src_mac, 6));
		out->has_mac = true;
	}
}

static enum decode_reason decode_sll(struct dec *s, struct cur c)
{
	/* packet type, ARPHRD type, address length, address[8], protocol */
	uint16_t hatype, halen, proto;
	struct cur addr;
	if (cur_len(&c) < 16)
		return DEC_LINK_TRUNCATED;
	MUST(cur_skip(&c, 2));
	MUST(cur_get_u16(&c, &hatype));
	MUST(cur_get_u16(&c, &halen));
	MUST(cur_get_bytes(&c, &addr, 8));
	MUST(cur_get_u16(&c, &proto));
	sll_mac(hatype, halen, addr, s->out);
	return decode_ethertype(s, proto, c);
}

static enum decode_reason decode_sll2(struct dec *s, struct cur c)
{
	/* protocol, reserved, ifindex, ARPHRD type, packet type, address length, address[8] */
	uint16_t proto, hatype;
	uint8_t halen;
	struct cur addr;
	if (cur_len(&c) < 20)
		return DEC_LINK_TRUNCATED;
	MUST(cur_get_u16(&c, &proto));
	MUST(cur_skip(&c, 6));
	MUST(cur_get_u16(&c, &hatype));
	MUST(cur_skip(&c, 1));
	MUST(cur_get_u8(&c, &halen));
	MUST(cur_get_bytes(&c, &addr, 8));
	sll_mac(hatype, halen, addr, s->out);
	return decode_ethertype(s, proto, c);
}

/* BSD loopback: a 4-byte address family. DLT_NULL stores it in the capturing
 * host's byte order, which need not be ours: a value with only the upper half
 * set is a byte-swapped small AF. AF_INET6 is 24 (NetBSD, OpenBSD), 28
 * (FreeBSD) or 30 (macOS). */
static enum decode_reason decode_loop(struct dec *s, struct cur c)
{
	uint32_t af;
	if (!cur_get_u32(&c, &af))
		return DEC_LINK_TRUNCATED;
	if ((af & 0xffff0000u) && !(af & 0x0000ffffu))
		af = ((af >> 24) & 0xffu) | ((af >> 8) & 0xff00u);
	switch (af) {
	case 2:
		return decode_ip4(s, c);
	case 24:
	case 28:
	case 30:
		return decode_ip6(s, c);
	default:
		return DEC_ETHERTYPE_OTHER;
	}
}

enum decode_reason decode_packet(int dlt, const uint8_t *frame, size_t caplen, struct decoded *out)
{
	memset(out, 0, sizeof *out);
	struct cur c = cur_make(frame, frame ? caplen : 0);
	struct dec st = {out, 0, false};
	struct dec *s = &st;
	switch (dlt) {
	case LT_EN10MB:
		return decode_ether(s, c);
	case LT_LINUX_SLL:
		return decode_sll(s, c);
	case LT_LINUX_SLL2:
		return decode_sll2(s, c);
	case LT_RAW_12:
	case LT_RAW_14:
	case LT_RAW:
		return decode_ip_any(s, c, DEC_LINK_TRUNCATED, DEC_ETHERTYPE_OTHER); /* raw IP */
	case LT_IPV4:
		return decode_ip4(s, c);
	case LT_IPV6:
		return decode_ip6(s, c);
	case LT_NULL:
	case LT_LOOP:
		return decode_loop(s, c);
	default:
		return DEC_LINK_UNSUPPORTED;
	}
}
