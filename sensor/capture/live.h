/* live.h — live capture from an interface: one AF_PACKET socket per worker
 * with a TPACKET_V3 memory-mapped ring, joined to a PACKET_FANOUT hash
 * group so that both directions of a flow reach the same worker (the
 * kernel's fanout hash is symmetric). */
#ifndef AS_LIVE_H
#define AS_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture.h"
#include "error.h"

struct live_opts {
	const char *bpf;  /* capture filter, may be NULL */
	uint32_t snaplen; /* bytes kept per packet */
	uint32_t ring_mb; /* kernel ring per socket, MiB */
	bool promiscuous;
	uint16_t fanout_group; /* one group per interface */
};

struct live_source;

/* Opens one socket of the interface's fanout group. Errors name the
 * interface and the cause (no such interface, not permitted, ...). */
AS_MUST_CHECK int live_open(const char *iface, const struct live_opts *o, struct live_source **out, char *err,
			    size_t errsz);
/* Waits up to timeout_ms, then hands every packet the ring holds to fn.
 * Returns the number of packets, or <0 on a socket error. */
AS_MUST_CHECK int live_poll(struct live_source *s, int timeout_ms, void (*fn)(void *user, const struct frame *f),
	      void *user);
/* Kernel counters of this socket since it opened: packets received and
 * dropped because the ring was full. */
void live_stats(struct live_source *s, uint64_t *received, uint64_t *dropped);
void live_close(struct live_source *s);

/* Drops counted by the interface itself (/sys/class/net/IF/statistics/rx_dropped
 * + rx_missed_errors); 0 when unknown. */
uint64_t live_iface_drops(const char *iface);

#endif
