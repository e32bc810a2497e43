/* fuzz_flow.c — libFuzzer target for the flow layer: packets -> flow table
 * -> TCP reassembly -> dissectors, as a worker runs them. The input is a
 * sequence of records: one control byte, a 2-byte big-endian length, then
 * that many bytes of a raw IPv4/IPv6 packet. The control byte's low two
 * bits advance packet time (0, 1 ms, 1 s, 400 s: past every idle timeout),
 * bit 2 runs an idle sweep after the packet. The table holds 8 flows, so
 * eviction is reached too. The table (and nDPI's detection module, slow to
 * build) lives across inputs; every input ends with all flows flushed, so
 * each starts from an empty table. Seeds are the bundled captures converted by
 * make_flow_seeds.py; regress-* inputs are bugs found here. */
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "decode.h"
#include "flow.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t messages;

/* A message must be one the aggregator knows, of a size that holds it. */
static void emit(void *user, const struct msg_hdr *m, size_t len)
{
	(void)user;
	if (m->type < MSG_TICK || m->type > MSG_FLOW_UPDATE || len < sizeof *m)
		abort();
	messages++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t salt[] = "fuzz";
	static const uint64_t step_us[4] = {0, 1000, 1000000, 400000000};
	static struct worker_stats st;
	static struct flow_table *ft;
	static const struct flow_config cfg = {.max_flows = 8,
					       .idle_tcp_s = 300,
					       .idle_tcp_closed_s = 10,
					       .idle_udp_s = 60,
					       .salt = salt,
					       .salt_len = sizeof salt - 1,
					       .emit = emit,
					       .update_us = 1000000};
	if (!ft && !(ft = flow_table_new(&cfg, &st)))
		abort();
	struct cur in = cur_make(data, size);
	uint64_t ts = 1700000000000000ULL, pkt_no = 0;
	uint8_t ctl;
	uint16_t len;
	while (cur_get_u8(&in, &ctl) && cur_get_u16(&in, &len)) {
		struct cur pkt;
		if (!cur_get_bytes(&in, &pkt, len))
			break;
		ts += step_us[ctl & 3];
		struct decoded d;
		if (decode_packet(101 /* LINKTYPE_RAW */, cur_data(&pkt), cur_len(&pkt), &d) == DEC_OK)
			flow_packet(ft, pkt_no, ts, ts, &d);
		if (ctl & 4)
			flow_sweep(ft, pkt_no, ts);
		pkt_no++;
	}
	flow_flush_all(ft, pkt_no);
	if (flow_count(ft) != 0)
		abort();
	return 0;
}
