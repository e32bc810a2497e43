/* msg_fixture.h — helpers shared by the tests that craft datagrams (DNS,
 * mDNS/LLMNR/NBNS, DHCP, Kerberos): a byte builder with big-endian puts, DNS
 * names, headers and questions (RFC 1035 §4.1) and exact-size truncations;
 * public captures are read with pcap_walk.h. */
#ifndef AS_MSG_FIXTURE_H
#define AS_MSG_FIXTURE_H

#include "dissect_harness.h"
#include "pcap_walk.h"

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

/* Calls fn with every strict prefix of the message `make` builds, each in a
 * heap block of exactly its size so that ASan sees a read past the cut. */
static inline void each_prefix(void (*make)(struct mb *), const void *row,
			       void (*fn)(const void *row, const uint8_t *p, size_t cut))
{
	struct mb m = {.n = 0};
	make(&m);
	for (size_t cut = 0; cut < m.n; cut++) {
		uint8_t *p = mb_prefix(&m, cut);
		fn(row, p, cut);
		free(p);
	}
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

#endif
