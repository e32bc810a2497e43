/* fuzz_agents.c — libFuzzer target for the aggregator behind the flow
 * layer: packets -> flow table -> dissectors -> messages -> agents, as a
 * replay runs them, with contributions cut every second of packet time.
 * Input: the records of fuzz_flow.c (control byte, 2-byte big-endian
 * length, a raw IPv4/IPv6 packet; the control byte's low two bits advance
 * packet time by 0, 1 ms, 1 s or 400 s, bit 2 sweeps idle flows, bit 3 lets
 * the aggregator find the input paused). Every event and contribution must
 * be one JSON object; every contribution field a path of the registry
 * grammar, every counter a positive integer. Seeds: the flow corpus. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "agents.h"
#include "cursor.h"
#include "decode.h"
#include "flatpath.h"
#include "flow.h"
#include "sig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct agents *agg;

static void emit(void *user, const struct msg_hdr *m, size_t len)
{
	(void)user;
	if (len < sizeof *m)
		abort();
	agents_handle(agg, m);
}

static void on_event(void *user, const char *json, size_t len)
{
	(void)user;
	json_t *e = json_loadb(json, len, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(e))
		abort();
	json_decref(e);
}

static void on_contribution(void *user, const char *json, size_t len)
{
	(void)user;
	json_t *c = json_loadb(json, len, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(c) || !json_is_string(json_object_get(c, "id")))
		abort();
	static const char *const ops[] = {"min", "max", "set", "union", "last", "add"};
	for (size_t o = 0; o < sizeof ops / sizeof ops[0]; o++) {
		const char *k;
		json_t *v;
		json_t *obj = json_object_get(c, ops[o]);
		json_object_foreach(obj, k, v)
		{
			if (!flatpath_valid(k, strlen(k)))
				abort();
			if (!strcmp(ops[o], "add") && (!json_is_integer(v) || json_integer_value(v) <= 0))
				abort();
		}
	}
	json_decref(c);
}

static struct agents *new_agents(void)
{
	char err[512];
	struct sig_db *db = NULL;
	if (sig_load_dir(AS_SRC_DIR "/signatures", &db, err, sizeof err) < 0)
		abort();
	struct agents_config cfg = {.sigs = db,
				    .sensor_name = "fuzz",
				    .event = on_event,
				    .agent = on_contribution,
				    .flush_interval_us = 1000000};
	return agents_new(&cfg);
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
	if (!(agg = new_agents()))
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
		if (ctl & 8)
			flow_report_changed(ft, pkt_no);
		pkt_no++;
	}
	flow_flush_all(ft, pkt_no);
	agents_finish(agg);
	struct jw w;
	jw_init(&w, false);
	const struct decode_counts pk = {0};
	const struct inventory_meta meta = {.sensor_name = "fuzz", .packets = &pk};
	agents_inventory(agg, &meta, &w);
	json_t *inv = w.oom ? NULL : json_loadb(w.buf, w.len, JSON_REJECT_DUPLICATES, NULL);
	if (!w.oom && !json_is_object(inv))
		abort();
	json_decref(inv);
	jw_free(&w);
	agents_free(agg);
	return 0;
}
