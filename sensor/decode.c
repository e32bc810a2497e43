/* decode.c — link, network and transport decoding of one captured frame:
 * Ethernet II + IEEE 802.1Q/802.1ad/QinQ tags + PPPoE session (RFC 2516),
 * Linux SLL/SLL2, raw IP, BSD loopback (tcpdump.org link-layer header types),
 * IPv4 (RFC 791), IPv6 + extension headers (RFC 8200, AH RFC 4302, mobility
 * RFC 6275), TCP (RFC 9293) and UDP (RFC 768).
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
 *   header (offset 0, M clear, RFC 6946) is stepped over.
 * - An IPv4 total length or IPv6 payload length of 0 (TSO/GSO captures on the
 *   sending host, IPv6 jumbograms) means "as captured".
 * - Linux SLL/SLL2 carry only the sender's link address: src_mac is set (when
 *   it is a 6-byte Ethernet address) and dst_mac stays zero. */
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
};

enum {
	PPP_IP4 = 0x0021,
	PPP_IP6 = 0x0057,
};

enum {
	IPP_HOPOPTS = 0,
	IPP_TCP = 6,
	IPP_UDP = 17,
	IPP_ROUTING = 43,
	IPP_FRAGMENT = 44,
	IPP_AH = 51,
	IPP_NONE = 59,
	IPP_DSTOPTS = 60,
	IPP_MOBILITY = 135,
};

#define ARPHRD_ETHER 1

/* Reads after an explicit length check cannot fail; this says so. */
#define MUST(x) ((void)(x))

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
};

const char *decode_reason_name(enum decode_reason r)
{
	if ((unsigned)r >= DEC_REASON_COUNT || !reason_names[r])
		return "unknown";
	return reason_names[r];
}

/* ---- transport ---- */

/* seg: the segment as captured, already bounded by the IP length;
 * declared: its length as the IP header declares it (>= cur_len(&seg)). */
static enum decode_reason decode_tcp(struct cur seg, size_t declared, struct decoded *out)
{
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

static enum decode_reason decode_udp(struct cur seg, size_t declared, struct decoded *out)
{
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
	return DEC_OK;
}

static enum decode_reason decode_l4(uint8_t proto, struct cur seg, size_t declared, struct decoded *out)
{
	if (proto == IPP_TCP)
		return decode_tcp(seg, declared, out);
	if (proto == IPP_UDP)
		return decode_udp(seg, declared, out);
	return DEC_L4_OTHER;
}

/* ---- network ---- */

static enum decode_reason decode_ip4(struct cur c, struct decoded *out)
{
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
	return decode_l4(proto, seg, tl - hl, out);
}

static enum decode_reason decode_ip6(struct cur c, struct decoded *out)
{
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
		case IPP_TCP:
		case IPP_UDP:
			return decode_l4(nh, seg, declared, out);
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
		default:
			return DEC_L4_OTHER;
		}
	}
}

/* ---- link ---- */

static enum decode_reason decode_ethertype(uint16_t et, struct cur c, struct decoded *out)
{
	unsigned depth = 0;
	for (;;) {
		switch (et) {
		case ET_IP4:
			return decode_ip4(c, out);
		case ET_IP6:
			return decode_ip6(c, out);
		case ET_VLAN:
		case ET_QINQ:
		case ET_QINQ_OLD: {
			uint16_t tci;
			if (++depth > AS_MAX_ENCAP_DEPTH)
				return DEC_VLAN_TOO_DEEP;
			if (cur_len(&c) < 4)
				return DEC_LINK_TRUNCATED;
			MUST(cur_get_u16(&c, &tci));
			MUST(cur_get_u16(&c, &et));
			if (depth == 1)
				out->vlan = tci & 0x0fff;
			break;
		}
		case ET_PPPOE_SESS: {
			/* ver/type, code, session id, length, then the PPP protocol.
			 * Counts toward the same encapsulation depth as VLAN tags. */
			uint16_t proto;
			if (++depth > AS_MAX_ENCAP_DEPTH)
				return DEC_VLAN_TOO_DEEP;
			if (cur_len(&c) < 8)
				return DEC_LINK_TRUNCATED;
			MUST(cur_skip(&c, 6));
			MUST(cur_get_u16(&c, &proto));
			if (proto == PPP_IP4)
				return decode_ip4(c, out);
			if (proto == PPP_IP6)
				return decode_ip6(c, out);
			return DEC_ETHERTYPE_OTHER;
		}
		default:
			return DEC_ETHERTYPE_OTHER;
		}
	}
}

static enum decode_reason decode_ether(struct cur c, struct decoded *out)
{
	uint16_t et;
	if (cur_len(&c) < 14)
		return DEC_LINK_TRUNCATED;
	MUST(cur_copy(&c, out->dst_mac, 6));
	MUST(cur_copy(&c, out->src_mac, 6));
	MUST(cur_get_u16(&c, &et));
	out->has_mac = true;
	return decode_ethertype(et, c, out);
}

/* The sender's link address of a cooked header, when it is an Ethernet MAC. */
static void sll_mac(uint16_t hatype, uint16_t halen, struct cur addr, struct decoded *out)
{
	if (hatype == ARPHRD_ETHER && halen == 6) {
		MUST(cur_copy(&addr, out->src_mac, 6));
		out->has_mac = true;
	}
}

static enum decode_reason decode_sll(struct cur c, struct decoded *out)
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
	sll_mac(hatype, halen, addr, out);
	return decode_ethertype(proto, c, out);
}

static enum decode_reason decode_sll2(struct cur c, struct decoded *out)
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
	sll_mac(hatype, halen, addr, out);
	return decode_ethertype(proto, c, out);
}

/* Raw IP: the version nibble says which. */
static enum decode_reason decode_raw(struct cur c, struct decoded *out)
{
	uint8_t v;
	if (!cur_peek_u8(&c, 0, &v))
		return DEC_LINK_TRUNCATED;
	if ((v >> 4) == 4)
		return decode_ip4(c, out);
	if ((v >> 4) == 6)
		return decode_ip6(c, out);
	return DEC_ETHERTYPE_OTHER;
}

/* BSD loopback: a 4-byte address family. DLT_NULL stores it in the capturing
 * host's byte order, which need not be ours: a value with only the upper half
 * set is a byte-swapped small AF. AF_INET6 is 24 (NetBSD, OpenBSD), 28
 * (FreeBSD) or 30 (macOS). */
static enum decode_reason decode_loop(struct cur c, struct decoded *out)
{
	uint32_t af;
	if (!cur_get_u32(&c, &af))
		return DEC_LINK_TRUNCATED;
	if ((af & 0xffff0000u) && !(af & 0x0000ffffu))
		af = ((af >> 24) & 0xffu) | ((af >> 8) & 0xff00u);
	switch (af) {
	case 2:
		return decode_ip4(c, out);
	case 24:
	case 28:
	case 30:
		return decode_ip6(c, out);
	default:
		return DEC_ETHERTYPE_OTHER;
	}
}

enum decode_reason decode_packet(int dlt, const uint8_t *frame, size_t caplen, struct decoded *out)
{
	memset(out, 0, sizeof *out);
	struct cur c = cur_make(frame, frame ? caplen : 0);
	switch (dlt) {
	case LT_EN10MB:
		return decode_ether(c, out);
	case LT_LINUX_SLL:
		return decode_sll(c, out);
	case LT_LINUX_SLL2:
		return decode_sll2(c, out);
	case LT_RAW_12:
	case LT_RAW_14:
	case LT_RAW:
		return decode_raw(c, out);
	case LT_IPV4:
		return decode_ip4(c, out);
	case LT_IPV6:
		return decode_ip6(c, out);
	case LT_NULL:
	case LT_LOOP:
		return decode_loop(c, out);
	default:
		return DEC_LINK_UNSUPPORTED;
	}
}
