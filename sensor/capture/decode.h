/* decode.h — link, network and transport decoding of one captured frame.
 *
 * Link types: Ethernet (802.1Q/802.1ad/QinQ VLAN tags), Linux cooked SLL and
 * SLL2, raw IPv4/IPv6, BSD loopback (DLT_NULL/DLT_LOOP). Network: IPv4
 * (options, fragments counted), IPv6 with extension headers (hop-by-hop,
 * routing, fragment, destination options, AH). Transport: TCP, UDP.
 * Encapsulations a mirror port delivers are removed: MPLS, GRE (IP, Ethernet,
 * ERSPAN I/II/III, MPLS payloads), VXLAN, Geneve, IP-in-IP; the result then
 * describes the innermost packet and records the outermost tunnel.
 * A packet that cannot be decoded is counted by reason, never fatal. */
#ifndef AS_DECODE_H
#define AS_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Reasons a packet was not (fully) decoded, counted per run. */
enum decode_reason {
	DEC_OK = 0,
	DEC_LINK_TRUNCATED,   /* shorter than its link header */
	DEC_LINK_UNSUPPORTED, /* link type we do not decode */
	DEC_ETHERTYPE_OTHER,  /* not IP (ARP, LLDP, ...): not an error, just skipped */
	DEC_VLAN_TOO_DEEP,    /* more tags than AS_MAX_ENCAP_DEPTH */
	DEC_IP4_TRUNCATED,
	DEC_IP4_BAD_HEADER, /* version/IHL/total length inconsistent */
	DEC_IP4_FRAGMENT,   /* non-first fragment or MF set: not reassembled */
	DEC_IP6_TRUNCATED,
	DEC_IP6_BAD_HEADER, /* version is not 6 */
	DEC_IP6_BAD_EXT,    /* extension header chain runs past the packet */
	DEC_IP6_FRAGMENT,
	DEC_TCP_TRUNCATED,
	DEC_TCP_BAD_OFFSET, /* data offset < 5 or past the segment */
	DEC_UDP_TRUNCATED,
	DEC_UDP_BAD_LENGTH,
	DEC_L4_OTHER, /* ICMP, SCTP, ...: not an error, just skipped */
	DEC_TUNNEL_TRUNCATED,	/* MPLS/GRE/ERSPAN/VXLAN/Geneve header cut by the capture */
	DEC_TUNNEL_BAD_HEADER,	/* tunnel header inconsistent or past its IP/UDP length */
	DEC_TUNNEL_UNSUPPORTED, /* GRE version 1 or routing, ERSPAN frame type, MPLS payload, ... */
	DEC_TUNNEL_TOO_DEEP,	/* tunnels + tags + labels beyond AS_MAX_ENCAP_DEPTH */
	DEC_REASON_COUNT
};

const char *decode_reason_name(enum decode_reason r);

/* Not TCP/UDP we decode, but not malformed either (ARP, ICMP, PPTP's GRE):
 * counted as skipped, not as a malformed packet. */
static inline bool decode_is_skip(enum decode_reason r)
{
	return r == DEC_ETHERTYPE_OTHER || r == DEC_L4_OTHER || r == DEC_TUNNEL_UNSUPPORTED;
}

/* What became of the frames of a run, counted by decode result. */
struct decode_counts {
	uint64_t frames;
	uint64_t frame_bytes; /* on the wire */
	uint64_t decoded;     /* TCP/UDP handed to a flow table */
	uint64_t skipped;     /* not TCP/UDP over IP: ARP, ICMP, ... */
	uint64_t errors[DEC_REASON_COUNT];
};

/* Counts one frame's decode result; true when it goes on to a flow table. */
static inline bool decode_count(struct decode_counts *c, enum decode_reason why)
{
	if (decode_is_skip(why))
		c->skipped++;
	else if (why != DEC_OK)
		c->errors[why]++;
	else
		c->decoded++;
	return why == DEC_OK;
}

/* Frames that could not be decoded (not counting the skipped ones). */
static inline uint64_t decode_malformed(const struct decode_counts *c)
{
	uint64_t n = 0;
	for (int r = 1; r < DEC_REASON_COUNT; r++)
		n += c->errors[r];
	return n;
}

static inline void decode_counts_add(struct decode_counts *to, const struct decode_counts *c)
{
	to->frames += c->frames;
	to->frame_bytes += c->frame_bytes;
	to->decoded += c->decoded;
	to->skipped += c->skipped;
	for (int r = 0; r < DEC_REASON_COUNT; r++)
		to->errors[r] += c->errors[r];
}

/* The outermost encapsulation a packet arrived in (struct decoded.tunnel). */
enum decode_tunnel {
	TUN_NONE = 0,
	TUN_MPLS,    /* tunnel_id: bottom-of-stack label */
	TUN_GRE,     /* GRE carrying IP or MPLS; tunnel_id: GRE key (0 when absent) */
	TUN_GRETAP,  /* GRE transparent Ethernet bridging; tunnel_id: GRE key */
	TUN_ERSPAN1, /* tunnel_id: GRE key (0 when absent) */
	TUN_ERSPAN2, /* tunnel_id: ERSPAN session id */
	TUN_ERSPAN3, /* tunnel_id: ERSPAN session id */
	TUN_VXLAN,   /* tunnel_id: VNI */
	TUN_GENEVE,  /* tunnel_id: VNI */
	TUN_IPIP,    /* IPv4/IPv6 in IPv4/IPv6 */
	TUN_COUNT
};

const char *decode_tunnel_name(enum decode_tunnel t);

struct decoded {
	uint8_t family;	    /* 4 or 6 */
	uint8_t l4proto;    /* 6 TCP, 17 UDP */
	uint8_t src_ip[16]; /* IPv4 in the first 4 bytes, rest zero */
	uint8_t dst_ip[16];
	uint16_t src_port;
	uint16_t dst_port;
	uint8_t src_mac[6]; /* zero when the link layer has none */
	uint8_t dst_mac[6];
	bool has_mac;
	uint16_t vlan;	   /* outermost VLAN id of the innermost frame, 0 when untagged */
	uint8_t tcp_flags; /* FIN 0x01 SYN 0x02 RST 0x04 PSH 0x08 ACK 0x10 */
	uint32_t seq;
	uint32_t ack;
	const uint8_t *l3;	/* view of the IP header onwards (for nDPI) */
	size_t l3_len;		/* bounded by the IP length and the captured length */
	const uint8_t *payload; /* view into the frame */
	size_t payload_len;	/* bounded by the IP length and the captured length */
	size_t ip_len;		/* IP total length as declared (for byte counters) */
	/* Encapsulation removed: every field above describes the innermost
	 * packet, and its MACs are those of the innermost Ethernet header
	 * (has_mac false when the inner packet was carried as bare IP). */
	uint8_t tunnel;	    /* enum decode_tunnel of the outermost tunnel */
	uint8_t tunnels;    /* tunnels removed (MPLS stacks, GRE, VXLAN, ...) */
	uint32_t tunnel_id; /* of the outermost tunnel, see enum decode_tunnel */
	uint16_t iface;	    /* live: the capture interface, 1-based (0: a capture file) */
};

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10

/* Decodes one frame of pcap link type `dlt` (DLT_* / LINKTYPE_* value).
 * Returns DEC_OK with *out filled, or the reason it stopped. */
enum decode_reason decode_packet(int dlt, const uint8_t *frame, size_t caplen, struct decoded *out);

#endif
