/* msg_fixture.h — helpers shared by the tests that craft datagrams (DNS,
 * mDNS/LLMNR/NBNS, DHCP, Kerberos): a byte builder with big-endian puts, DNS
 * names, headers and questions (RFC 1035 §4.1), exact-size truncations, a
 * probe table, and a walk that hands each UDP datagram of a public capture
 * to a callback. */
#ifndef AS_MSG_FIXTURE_H
#define AS_MSG_FIXTURE_H

#include "dissect_harness.h"

#include <pcap/pcap.h>

#include "decode.h"

/* ---- a tiny message builder ---- */

struct mb {
	uint8_t b[8192];
	size_t n;
};

static inline void put8(struct mb *m, unsigned v)
{
	assert_true(m->n < sizeof m->b);
	m->b[m->n++] = (uint8_t)v;
}
static inline void put16(struct mb *m, unsigned v)
{
	put8(m, v >> 8);
	put8(m, v & 0xff);
}
static inline void put32(struct mb *m, uint32_t v)
{
	put16(m, v >> 16);
	put16(m, v & 0xffff);
}
static inline void putbytes(struct mb *m, const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put8(m, ((const uint8_t *)p)[i]);
}

/* The first `cut` bytes of m in a heap block of exactly that size (one byte
 * when cut is 0), so that a read past the cut trips ASan. Caller frees. */
static inline uint8_t *mb_prefix(const struct mb *m, size_t cut)
{
	uint8_t *p = malloc(cut ? cut : 1);
	assert_non_null(p);
	memcpy(p, m->b, cut);
	return p;
}

/* ---- DNS wire (also mDNS, LLMNR, NBNS) ---- */

/* Uncompressed name from dotted text; "" is the root. */
static inline void putname(struct mb *m, const char *s)
{
	while (*s) {
		const char *dot = strchr(s, '.');
		size_t l = dot ? (size_t)(dot - s) : strlen(s);
		put8(m, (unsigned)l);
		putbytes(m, s, l);
		s += l + (dot ? 1 : 0);
	}
	put8(m, 0);
}
/* Starts the message over with a header. */
static inline void hdr(struct mb *m, unsigned id, unsigned flags, unsigned qd, unsigned an, unsigned ns,
		       unsigned ar)
{
	m->n = 0;
	put16(m, id);
	put16(m, flags);
	put16(m, qd);
	put16(m, an);
	put16(m, ns);
	put16(m, ar);
}
/* A question of class IN. */
static inline void question(struct mb *m, const char *name, unsigned type)
{
	putname(m, name);
	put16(m, type);
	put16(m, 1);
}

/* ---- probes ---- */

struct probe_row {
	const struct dissector *d;
	unsigned transport; /* enum dissect_transport */
	uint16_t cport, sport;
	const uint8_t *p;
	size_t n;
	bool want;
};

/* Each row's probe, client to server, must answer `want`. */
static inline void check_probe_rows(const struct probe_row *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct dissect_probe p = {.transport = t[i].transport,
					  .dir = DIR_TO_SERVER,
					  .client_port = t[i].cport,
					  .server_port = t[i].sport,
					  .data = t[i].p,
					  .len = t[i].n};
		if (t[i].d->probe(&p) != t[i].want)
			fail_msg("probe row %zu: want %d", i, t[i].want);
	}
}

/* ---- public captures ---- */

typedef void (*udp_datagram_fn)(void *user, const struct decoded *d);

/* Calls fn for every frame of pcaps-public/<rel> that decodes to UDP. False
 * when the capture is absent. */
static inline bool capture_each_udp(const char *rel, udp_datagram_fn fn, void *user)
{
	char path[1024], err[PCAP_ERRBUF_SIZE];
	snprintf(path, sizeof path, "%s/../shared/pcaps-public/%s", AS_SRC_DIR, rel);
	pcap_t *pc = pcap_open_offline(path, err);
	if (!pc)
		return false;
	struct pcap_pkthdr *h;
	const u_char *frame;
	while (pcap_next_ex(pc, &h, &frame) == 1) {
		struct decoded d;
		if (decode_packet(pcap_datalink(pc), frame, h->caplen, &d) != DEC_OK || d.l4proto != 17)
			continue;
		fn(user, &d);
	}
	pcap_close(pc);
	return true;
}

#endif
