/* msg.h — what a flow table emits (flow events and observations), passed
 * worker -> aggregator through the engine's SPSC rings.
 * Every record carries the global packet number that caused it: the
 * aggregator merges the worker streams in that order, so a replay gives the
 * same output on every run. */
#ifndef AS_MSG_H
#define AS_MSG_H

#include <stdbool.h>
#include <stdint.h>

#include "observation.h"

/* ---- worker -> aggregator ---- */

enum msg_type {
	MSG_TICK = 1,	 /* the worker will emit nothing below pkt_no */
	MSG_FLOW_START,	 /* first packet of a flow */
	MSG_OBSERVATION, /* a dissector reported something */
	MSG_FLOW_END,	 /* flow expired, evicted, closed or input ended */
	MSG_WORKER_STATS, /* final counters of a worker (at EOF) */
	MSG_FLOW_UPDATE	 /* a dissected flow's counters so far, at its first packet of each update window */
};

/* Which end is which: the client opened the flow. */
struct flow_ref {
	uint8_t family;
	uint8_t l4proto;
	bool has_mac;
	uint8_t cli_ip[16];
	uint8_t srv_ip[16];
	uint16_t cli_port;
	uint16_t srv_port;
	uint8_t cli_mac[6];
	uint8_t srv_mac[6];
	uint16_t iface; /* live: the interface of its first packet, 1-based (0: a capture file) */
	uint64_t start_us;
};

struct msg_hdr {
	uint32_t type;
	uint32_t worker;
	uint64_t pkt_no;
	uint64_t ts_us;
	/* Order among messages of one packet number from several workers: an
	 * idle sweep at a tick and the end of input end flows on every worker
	 * at one packet number; their messages carry the flow's last activity
	 * and identity hash (each worker ends its flows in that order), so the
	 * merged order does not depend on which worker held which flow. The
	 * messages of a packet carry MSG_ORDER_PACKET: after all of those. */
	uint64_t order_clock, order_hash;
};

#define MSG_ORDER_PACKET UINT64_MAX

struct msg_flow {
	struct msg_hdr h;
	struct flow_ref flow;
	uint64_t last_us;
	uint64_t pkts[2];  /* [0] client -> server, [1] server -> client */
	uint64_t bytes[2]; /* IP bytes */
	char app[32];	   /* nDPI classification, e.g. "TLS.Google" */
	char dissector[16];
	uint8_t end_reason; /* enum flow_end_reason */
};

struct msg_obs {
	struct msg_hdr h;
	struct flow_ref flow;
	char dissector[16];
	struct observation obs;
};

enum flow_end_reason {
	FLOW_END_IDLE = 1,
	FLOW_END_CLOSED, /* FIN/RST then idle */
	FLOW_END_EVICTED,
	FLOW_END_EOF,
};

/* Per-worker counters, summed for the end-of-run statistics. */
struct worker_stats {
	uint64_t packets;
	uint64_t bytes;
	uint64_t flows;
	uint64_t flows_idle;   /* ended after the idle timeout */
	uint64_t flows_closed; /* ended after FIN/RST */
	uint64_t flows_evicted;
	uint64_t reasm_gaps;
	uint64_t reasm_ooo_dropped;
	uint64_t dissected_flows;
	uint64_t ndpi_classified;
	uint64_t ndpi_giveup;
	uint64_t ndpi_named; /* named from our own TLS/DNS parse, never fed to nDPI */
};

struct msg_stats {
	struct msg_hdr h;
	struct worker_stats s;
};

#endif
