/* flow_input.h — the input of the fuzz targets that drive a flow table
 * (fuzz_flow, fuzz_agents): a sequence of records, each one control byte,
 * a 2-byte big-endian length, then that many bytes of a raw IPv4/IPv6
 * packet. The control byte's low two bits advance packet time (0, 1 ms,
 * 1 s, 400 s: past every idle timeout), bit 2 runs an idle sweep after the
 * packet, bit 3 has every flow report its counters (a quiet input). The
 * table holds 8 flows, so eviction is reached too. */
#ifndef AS_FLOW_INPUT_H
#define AS_FLOW_INPUT_H

#include <stdlib.h>

#include "cursor.h"
#include "decode.h"
#include "flow.h"

static inline struct flow_table *flow_input_table(void (*emit)(void *, const struct msg_hdr *, size_t))
{
	static const uint8_t salt[] = "fuzz";
	static struct worker_stats st;
	const struct flow_config cfg = {.max_flows = 8,
					.idle_tcp_s = 300,
					.idle_tcp_closed_s = 10,
					.idle_udp_s = 60,
					.salt = salt,
					.salt_len = sizeof salt - 1,
					.emit = emit,
					.update_us = 1000000};
	struct flow_table *ft = flow_table_new(&cfg, &st);
	if (!ft)
		abort();
	return ft;
}

/* Runs the records through the table, then ends every flow. */
static inline void flow_input_run(struct flow_table *ft, const uint8_t *data, size_t size)
{
	static const uint64_t step_us[4] = {0, 1000, 1000000, 400000000};
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
		if (ctl & 8)
			flow_report_changed(ft, pkt_no);
		pkt_no++;
	}
	flow_flush_all(ft, pkt_no);
}

#endif
