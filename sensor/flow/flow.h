/* flow.h — per-worker bidirectional flow table: bounded, idle timeouts on
 * packet time, LRU eviction, TCP reassembly per direction, dissector
 * dispatch and nDPI classification. Single-threaded: a worker owns one. */
#ifndef AS_FLOW_H
#define AS_FLOW_H

#include <stddef.h>
#include <stdint.h>

#include "decode.h"
#include "msg.h"

struct flow_table;

struct flow_config {
	size_t max_flows; /* this table's share */
	uint32_t idle_tcp_s;
	uint32_t idle_tcp_closed_s;
	uint32_t idle_udp_s;
	const uint8_t *salt; /* credential fingerprint key */
	size_t salt_len;
	/* Session secrets of the operator's key logs, or NULL (dissect_env.keys). */
	const struct dissect_keys *keys;
	uint32_t keylog_wait_ms; /* dissect_env's */
	size_t keylog_wait_bytes;
	/* TLS server names followed past the hellos (dissect_env.follow). */
	bool (*follow)(const void *user, const char *server_name);
	const void *follow_user;
	/* Where messages for the aggregator go. */
	void (*emit)(void *user, const struct msg_hdr *m, size_t len);
	void *emit_user;
	uint32_t worker_id;
	/* MSG_FLOW_UPDATE: a dissected flow reports its counters at its first
	 * packet in each window of this much packet time (its own packets'
	 * time, so every sensor reports one flow alike); 0: never. */
	uint64_t update_us;
	/* nDPI is fed every flow until it answers, also those our own TLS and
	 * DNS parse names for it (classify_named): for checking that naming. */
	bool ndpi_all_packets;
};

/* Symmetric: both directions of a flow hash alike (used to pick the worker). */
uint64_t flow_hash(const struct decoded *d);

struct flow_table *flow_table_new(const struct flow_config *cfg, struct worker_stats *stats);
void flow_table_free(struct flow_table *ft);
/* ts_us is the packet's own time; clock is network time, the largest packet
 * time seen so far over all input (identical whatever the number of
 * workers), which never goes backwards even when capture files are replayed
 * out of order. Expiry and LRU order follow the clock. */
void flow_packet(struct flow_table *ft, uint64_t pkt_no, uint64_t ts_us, uint64_t clock,
		 const struct decoded *d);
/* The same, with flow_hash(d) computed already (by the capture that chose
 * the worker). */
void flow_packet_hashed(struct flow_table *ft, uint64_t pkt_no, uint64_t ts_us, uint64_t clock,
			const struct decoded *d, uint64_t hash);
/* Expires idle flows (network time); called on ticks. */
void flow_sweep(struct flow_table *ft, uint64_t pkt_no, uint64_t now_us);
/* Every dissected flow whose counters changed since it last reported them
 * reports them now (MSG_FLOW_UPDATE): the input is quiet. */
void flow_report_changed(struct flow_table *ft, uint64_t pkt_no);
/* Ends every flow (end of input or shutdown). */
void flow_flush_all(struct flow_table *ft, uint64_t pkt_no);
size_t flow_count(const struct flow_table *ft);

#endif
