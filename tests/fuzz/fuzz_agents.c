/* fuzz_agents.c — libFuzzer target for the aggregator behind the flow
 * layer: packets -> flow table -> dissectors -> messages -> agents, as a
 * replay runs them, with contributions cut every second of packet time.
 * Input: the records of flow_input.h. Every event and contribution must
 * be one JSON object; every contribution field a path of the registry
 * grammar, every counter a positive integer (a flow's delta) or 0 (facts
 * create it). Seeds: the flow corpus. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agents.h"
#include "flatpath.h"
#include "flow_input.h"
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

/* Stops the run, saying what broke the contract. */
static void refuse(const char *why, const char *json, size_t len)
{
	fprintf(stderr, "fuzz_agents: %s: %.*s\n", why, (int)len, json);
	abort();
}

static void on_event(void *user, const char *json, size_t len)
{
	(void)user;
	json_error_t je;
	json_t *e = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
	if (!json_is_object(e))
		refuse(je.text, json, len);
	json_decref(e);
}

static void on_contribution(void *user, const char *json, size_t len)
{
	(void)user;
	json_error_t je;
	json_t *c = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
	if (!json_is_object(c) || !json_is_string(json_object_get(c, "id")))
		refuse(c ? "no id" : je.text, json, len);
	static const char *const ops[] = {"min", "max", "set", "union", "last", "add"};
	for (size_t o = 0; o < sizeof ops / sizeof ops[0]; o++) {
		const char *k;
		json_t *v;
		json_t *obj = json_object_get(c, ops[o]);
		json_object_foreach(obj, k, v)
		{
			if (!flatpath_valid(k, strlen(k)))
				refuse("a field off the path grammar", json, len);
			/* a flow's delta adds something; facts create counters at 0 */
			bool delta = json_object_get(c, "dedupe") != NULL;
			if (!strcmp(ops[o], "add") &&
			    (!json_is_integer(v) || (delta ? json_integer_value(v) <= 0 : json_integer_value(v) != 0)))
				refuse("a counter that is not a flow's positive delta or a fact's 0", json, len);
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
	static struct flow_table *ft;
	if (!ft)
		ft = flow_input_table(emit);
	if (!(agg = new_agents()))
		abort();
	flow_input_run(ft, data, size);
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
