/* pcap_walk.h — the unit tests' own reader of public captures, so that no
 * dissector test needs sensor code: link layers (Ethernet with 802.1Q,
 * 802.1ad and QinQ tags and PPPoE sessions; Linux SLL and SLL2; BSD
 * null/loopback; raw IPv4 and IPv6), IPv4 (fragments skipped) and IPv6
 * (hop-by-hop, routing, destination options, mobility, AH and atomic fragment
 * headers skipped), then either each UDP datagram (pw_each_udp) or every TCP
 * conversation reassembled per direction in sequence order (pw_tcp_read).
 * Frame bytes are read through cursor.h only. An absent capture is
 * missing() (cases.h). */
#ifndef AS_PCAP_WALK_H
#define AS_PCAP_WALK_H

#include <pcap/pcap.h>

#include "cases.h"
#include "cursor.h"

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif

/* ---- frames ---- */

#define PW_SYN 0x02
#define PW_ACK 0x10

/* A TCP segment or UDP datagram. */
struct pw_pkt {
	uint8_t family; /* 4 or 6 */
	uint8_t proto;	/* 6 TCP, 17 UDP */
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint32_t seq, ack; /* TCP */
	uint8_t flags;	   /* TCP */
	const uint8_t *payload;
	size_t len; /* as captured, within the IP (and UDP) length */
};

/* Moves c to the network header of a frame; false for what no test needs. */
static inline bool pw_link(int dlt, struct cur *c)
{
	uint16_t et = 0;
	switch (dlt) {
	case DLT_EN10MB:
		if (!cur_skip(c, 12) || !cur_get_u16(c, &et))
			return false;
		break;
	case DLT_LINUX_SLL:
		if (!cur_skip(c, 14) || !cur_get_u16(c, &et))
			return false;
		break;
	case DLT_LINUX_SLL2:
		if (!cur_get_u16(c, &et) || !cur_skip(c, 18))
			return false;
		break;
	case DLT_NULL:
	case DLT_LOOP:
		return cur_skip(c, 4); /* an address family in either byte order: the IP version decides */
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		return true;
	default:
		return false;
	}
	for (;;) { /* each round consumes bytes, so it ends with the frame */
		if (et == 0x8100 || et == 0x88a8 || et == 0x9100) {
			if (!cur_skip(c, 2) || !cur_get_u16(c, &et))
				return false;
		} else if (et == 0x8864) { /* PPPoE session (RFC 2516): 6 bytes, then PPP's protocol */
			uint16_t ppp;
			if (!cur_skip(c, 6) || !cur_get_u16(c, &ppp))
				return false;
			et = ppp == 0x0021 ? 0x0800 : ppp == 0x0057 ? 0x86dd : 0;
		} else {
			return et == 0x0800 || et == 0x86dd;
		}
	}
}

/* Moves l4 past IPv6 extension headers; false at a non-atomic fragment. */
static inline bool pw_ip6_exts(struct cur *l4, uint8_t *proto)
{
	for (;;) {
		uint8_t next, elen;
		uint16_t offm;
		switch (*proto) {
		case 0:	  /* hop-by-hop */
		case 43:  /* routing */
		case 60:  /* destination options */
		case 135: /* mobility */
			if (!cur_get_u8(l4, &next) || !cur_get_u8(l4, &elen) ||
			    !cur_skip(l4, (size_t)elen * 8 + 6))
				return false;
			break;
		case 51: /* AH: length in 4-byte units, minus 2 */
			if (!cur_get_u8(l4, &next) || !cur_get_u8(l4, &elen) ||
			    !cur_skip(l4, ((size_t)elen + 2) * 4 - 2))
				return false;
			break;
		case 44: /* fragment: only an atomic one (offset 0, no M) holds a whole packet */
			if (!cur_get_u8(l4, &next) || !cur_skip(l4, 1) || !cur_get_u16(l4, &offm) ||
			    (offm & 0xfff9) || !cur_skip(l4, 4))
				return false;
			break;
		default:
			return true;
		}
		*proto = next;
	}
}

/* Decodes a frame down to its TCP or UDP payload; false for anything else. */
static inline bool pw_decode(int dlt, const uint8_t *frame, size_t caplen, struct pw_pkt *k)
{
	memset(k, 0, sizeof *k);
	struct cur c = cur_make(frame, caplen), l4;
	uint8_t v, proto;
	if (!pw_link(dlt, &c) || !cur_peek_u8(&c, 0, &v))
		return false;
	if (v >> 4 == 4) {
		struct cur h = c;
		uint8_t vihl;
		uint16_t tot, frag;
		if (!cur_get_u8(&h, &vihl) || !cur_skip(&h, 1) || !cur_get_u16(&h, &tot) ||
		    !cur_skip(&h, 2) || !cur_get_u16(&h, &frag) || !cur_skip(&h, 1) ||
		    !cur_get_u8(&h, &proto) || !cur_skip(&h, 2) || !cur_copy(&h, k->src, 4) ||
		    !cur_copy(&h, k->dst, 4))
			return false;
		size_t hl = (size_t)(vihl & 15) * 4, tl = tot ? tot : cur_len(&c); /* 0: TSO */
		if (hl < 20 || tl < hl || (frag & 0x3fff))
			return false;
		if (tl > cur_len(&c))
			tl = cur_len(&c); /* cut by the snap length */
		if (!cur_get_bytes(&c, &l4, tl) || !cur_skip(&l4, hl))
			return false;
		k->family = 4;
	} else if (v >> 4 == 6) {
		struct cur h = c;
		uint16_t plen;
		if (!cur_skip(&h, 4) || !cur_get_u16(&h, &plen) || !cur_get_u8(&h, &proto) ||
		    !cur_skip(&h, 1) || !cur_copy(&h, k->src, 16) || !cur_copy(&h, k->dst, 16))
			return false;
		size_t pl = plen && plen < cur_len(&h) ? plen : cur_len(&h); /* 0: jumbogram or GSO */
		if (!cur_get_bytes(&h, &l4, pl) || !pw_ip6_exts(&l4, &proto))
			return false;
		k->family = 6;
	} else {
		return false;
	}
	k->proto = proto;
	if (proto == 6) {
		uint8_t off;
		if (!cur_get_u16(&l4, &k->sport) || !cur_get_u16(&l4, &k->dport) ||
		    !cur_get_u32(&l4, &k->seq) || !cur_get_u32(&l4, &k->ack) || !cur_get_u8(&l4, &off) ||
		    !cur_get_u8(&l4, &k->flags))
			return false;
		size_t hl = (size_t)(off >> 4) * 4;
		if (hl < 20 || !cur_skip(&l4, hl - 14))
			return false;
	} else if (proto == 17) {
		uint16_t ulen;
		struct cur body;
		if (!cur_get_u16(&l4, &k->sport) || !cur_get_u16(&l4, &k->dport) ||
		    !cur_get_u16(&l4, &ulen) || !cur_skip(&l4, 2) || ulen < 8)
			return false;
		if ((size_t)ulen - 8 < cur_len(&l4)) { /* bytes after the datagram */
			if (!cur_get_bytes(&l4, &body, (size_t)ulen - 8))
				return false;
			l4 = body;
		}
	} else {
		return false;
	}
	k->payload = cur_data(&l4);
	k->len = cur_len(&l4);
	return true;
}

/* pcaps-public/<rel>, open; missing() when absent. */
static inline pcap_t *pw_open_path(const char *path)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *pc = pcap_open_offline(path, err);
	if (!pc)
		fail_msg("%s: %s", path, err);
	return pc;
}

static inline pcap_t *pw_open(const char *rel)
{
	return pw_open_path(public_file(rel));
}

/* ---- walking a capture; UDP ---- */

typedef void (*pw_pkt_fn)(void *user, const struct pw_pkt *k);

/* Calls fn with every segment or datagram of protocol `proto` (6, 17) in pc,
 * in capture order; closes pc. */
static inline void pw_walk(pcap_t *pc, uint8_t proto, pw_pkt_fn fn, void *user)
{
	int dlt = pcap_datalink(pc);
	struct pcap_pkthdr *h;
	const u_char *frame;
	while (pcap_next_ex(pc, &h, &frame) == 1) {
		struct pw_pkt k;
		if (pw_decode(dlt, frame, h->caplen, &k) && k.proto == proto)
			fn(user, &k);
	}
	pcap_close(pc);
}

/* Every UDP datagram of pc (from pw_open, which the caller calls before
 * allocating what fn needs). */
static inline void pw_each_udp(pcap_t *pc, pw_pkt_fn fn, void *user)
{
	pw_walk(pc, 17, fn, user);
}

/* ---- TCP ----
 * Each direction is delivered in sequence order: a SYN (or else the first
 * segment) sets where it starts, retransmitted bytes are dropped, a segment
 * ahead of the next expected byte is held until the hole fills. A hole is
 * lost — reported as a gap, then delivery goes on from the held bytes — when
 * the peer acknowledges past it, when PW_MAX_HELD segments wait behind it,
 * or when the capture ends. The client is the sender of a SYN, the receiver
 * of a SYN-ACK, else the sender of the first payload unless `server_first`
 * says that payload is a server's. */

#define PW_MAX_HELD 256

struct pw_seg {
	uint32_t seq;
	uint8_t *data;
	size_t len;
};

struct pw_half {
	bool started;
	uint32_t next; /* the next byte expected */
	struct pw_seg *held;
	size_t n_held, cap_held;
};

struct pw_flow {
	uint8_t family;
	uint8_t addr[2][16]; /* [0] client, [1] server */
	uint16_t port[2];
	bool roles_known;
	struct pw_half half[2]; /* by sender: [0] client to server */
};

/* One step of the capture's TCP traffic: bytes of one direction of one flow,
 * in order, or (data NULL) the count of bytes the capture lost there. */
struct pw_ev {
	size_t flow;
	int dir; /* 0 client to server (DIR_TO_SERVER), 1 server to client */
	uint8_t *data;
	size_t len;
};

struct pw_tcp {
	struct pw_flow *flows;
	size_t n_flows, cap_flows;
	struct pw_ev *ev;
	size_t n_ev, cap_ev;
};

static inline void *pw_room(void *v, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return v;
	*cap = *cap ? 2 * *cap : 16;
	v = realloc(v, *cap * size);
	assert_non_null(v);
	return v;
}

static inline void pw_emit(struct pw_tcp *t, size_t fi, int dir, const uint8_t *p, size_t len)
{
	t->ev = pw_room(t->ev, &t->cap_ev, t->n_ev, sizeof *t->ev);
	struct pw_ev *e = &t->ev[t->n_ev++];
	*e = (struct pw_ev){.flow = fi, .dir = dir, .len = len};
	if (p) {
		e->data = malloc(len);
		assert_non_null(e->data);
		memcpy(e->data, p, len);
	}
}

/* Delivers held segments that the next expected byte has reached. */
static inline void pw_drain(struct pw_tcp *t, size_t fi, int dir)
{
	struct pw_half *h = &t->flows[fi].half[dir];
	for (size_t i = 0; i < h->n_held;) {
		struct pw_seg s = h->held[i];
		int32_t d = (int32_t)(s.seq - h->next);
		if (d > 0) {
			i++;
			continue;
		}
		h->held[i] = h->held[--h->n_held];
		size_t skip = (size_t)(-(int64_t)d);
		if (skip < s.len) {
			pw_emit(t, fi, dir, s.data + skip, s.len - skip);
			h->next = s.seq + (uint32_t)s.len;
		}
		free(s.data);
		i = 0; /* the next byte moved: look at every held one again */
	}
}

/* The bytes up to `upto` (at most up to the first held segment) are lost. */
static inline void pw_lose(struct pw_tcp *t, size_t fi, int dir, uint32_t upto)
{
	struct pw_half *h = &t->flows[fi].half[dir];
	if (!h->n_held)
		return;
	uint32_t first = h->held[0].seq;
	for (size_t i = 1; i < h->n_held; i++)
		if ((int32_t)(h->held[i].seq - first) < 0)
			first = h->held[i].seq;
	if ((int32_t)(upto - first) > 0)
		upto = first;
	if ((int32_t)(upto - h->next) > 0) {
		pw_emit(t, fi, dir, NULL, upto - h->next);
		h->next = upto;
	}
	pw_drain(t, fi, dir); /* what the next expected byte now reaches */
}

static inline void pw_segment(struct pw_tcp *t, size_t fi, int dir, uint32_t seq, const uint8_t *p,
			      size_t len)
{
	struct pw_half *h = &t->flows[fi].half[dir];
	if (!h->started) {
		h->started = true;
		h->next = seq;
	}
	int32_t d = (int32_t)(seq - h->next);
	if (d > 0) {
		h->held = pw_room(h->held, &h->cap_held, h->n_held, sizeof *h->held);
		struct pw_seg *s = &h->held[h->n_held++];
		s->seq = seq;
		s->len = len;
		s->data = malloc(len);
		assert_non_null(s->data);
		memcpy(s->data, p, len);
		if (h->n_held > PW_MAX_HELD)
			pw_lose(t, fi, dir, seq);
		return;
	}
	size_t skip = (size_t)(-(int64_t)d);
	if (skip >= len)
		return; /* retransmitted */
	pw_emit(t, fi, dir, p + skip, len - skip);
	h->next = seq + (uint32_t)len;
	pw_drain(t, fi, dir);
}

/* The flow of a segment and its direction; a new flow when unseen. */
static inline size_t pw_flow_of(struct pw_tcp *t, const struct pw_pkt *k, int *dir)
{
	size_t alen = k->family == 4 ? 4 : 16;
	for (size_t i = 0; i < t->n_flows; i++) {
		const struct pw_flow *f = &t->flows[i];
		if (f->family != k->family)
			continue;
		for (int s = 0; s < 2; s++)
			if (f->port[s] == k->sport && f->port[1 - s] == k->dport &&
			    !memcmp(f->addr[s], k->src, alen) && !memcmp(f->addr[1 - s], k->dst, alen)) {
				*dir = s;
				return i;
			}
	}
	t->flows = pw_room(t->flows, &t->cap_flows, t->n_flows, sizeof *t->flows);
	struct pw_flow *f = &t->flows[t->n_flows];
	memset(f, 0, sizeof *f);
	f->family = k->family;
	memcpy(f->addr[0], k->src, 16);
	memcpy(f->addr[1], k->dst, 16);
	f->port[0] = k->sport;
	f->port[1] = k->dport;
	*dir = 0;
	return t->n_flows++;
}

static inline void pw_swap_roles(struct pw_flow *f)
{
	uint8_t a[16];
	memcpy(a, f->addr[0], 16);
	memcpy(f->addr[0], f->addr[1], 16);
	memcpy(f->addr[1], a, 16);
	uint16_t p = f->port[0];
	f->port[0] = f->port[1];
	f->port[1] = p;
	struct pw_half h = f->half[0];
	f->half[0] = f->half[1];
	f->half[1] = h;
}

typedef bool (*pw_server_first_fn)(const uint8_t *payload, size_t len);

struct pw_reader {
	struct pw_tcp *t;
	pw_server_first_fn server_first;
};

static inline void pw_tcp_packet(void *user, const struct pw_pkt *k)
{
	struct pw_tcp *t = ((struct pw_reader *)user)->t;
	pw_server_first_fn server_first = ((struct pw_reader *)user)->server_first;
	int dir;
	size_t fi = pw_flow_of(t, k, &dir);
	struct pw_flow *f = &t->flows[fi];
	bool syn = k->flags & PW_SYN;
	if (!f->roles_known && (syn || k->len)) {
		bool from_server =
		    syn ? (k->flags & PW_ACK) != 0 : server_first && server_first(k->payload, k->len);
		if (from_server) {
			pw_swap_roles(f);
			dir = 1 - dir;
		}
		f->roles_known = true;
	}
	if (!f->roles_known)
		return;
	struct pw_half *peer = &f->half[1 - dir];
	if ((k->flags & PW_ACK) && peer->started && (int32_t)(k->ack - peer->next) > 0)
		pw_lose(t, fi, 1 - dir, k->ack); /* the peer has bytes the capture lacks */
	if (syn) {
		f->half[dir].started = true;
		f->half[dir].next = k->seq + 1;
		pw_drain(t, fi, dir);
	} else if (k->len) {
		pw_segment(t, fi, dir, k->seq, k->payload, k->len);
	}
}

static inline void pw_tcp_free(struct pw_tcp *t)
{
	for (size_t i = 0; i < t->n_flows; i++)
		for (int d = 0; d < 2; d++) {
			for (size_t s = 0; s < t->flows[i].half[d].n_held; s++)
				free(t->flows[i].half[d].held[s].data);
			free(t->flows[i].half[d].held);
		}
	for (size_t i = 0; i < t->n_ev; i++)
		free(t->ev[i].data);
	free(t->flows);
	free(t->ev);
	memset(t, 0, sizeof *t);
}

/* Reads every TCP conversation of the capture at path into t (caller frees
 * with pw_tcp_free); server_first may be NULL. */
static inline void pw_tcp_read_path(const char *path, pw_server_first_fn server_first, struct pw_tcp *t)
{
	pcap_t *pc = pw_open_path(path);
	memset(t, 0, sizeof *t);
	struct pw_reader r = {t, server_first};
	pw_walk(pc, 6, pw_tcp_packet, &r);
	for (size_t i = 0; i < t->n_flows; i++) /* the capture ended: what is still held follows a loss */
		for (int d = 0; d < 2; d++)
			while (t->flows[i].half[d].n_held)
				pw_lose(t, i, d, t->flows[i].half[d].next + 0x7fffffffu);
}

/* The same for pcaps-public/<rel>. */
static inline void pw_tcp_read(const char *rel, pw_server_first_fn server_first, struct pw_tcp *t)
{
	pw_tcp_read_path(public_file(rel), server_first, t);
}

#endif
