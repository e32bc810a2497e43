/* test_contrib.c — registry contributions as the aggregator cuts them:
 * counter deltas per window of a flow's own packet time with their dedupe
 * keys, a pause that cuts the open window, facts sent only when they
 * changed, each field under its merge operation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <jansson.h>

#include "agents.h"
#include "agents_fixture.h"
#include "sig.h"

#define SEC 1000000ULL

static json_t *sent; /* the contributions, parsed */

static void on_contribution(void *user, const char *json, size_t len)
{
	(void)user;
	json_t *c = json_loadb(json, len, JSON_REJECT_DUPLICATES, NULL);
	assert_non_null(c);
	json_array_append_new(sent, c);
}

static struct agents *new_agents(uint64_t interval_us)
{
	char err[512];
	struct sig_db *db = NULL;
	assert_int_equal(sig_load_dir(AS_SRC_DIR "/signatures", &db, err, sizeof err), AS_OK);
	json_decref(sent);
	sent = json_array();
	struct agents_config cfg = {
	    .sigs = db, .sensor_name = "t", .agent = on_contribution, .flush_interval_us = interval_us};
	struct agents *a = agents_new(&cfg);
	assert_non_null(a);
	return a;
}

/* Sum of `field` over the counter deltas sent; the dedupe keys in keys. */
static uint64_t added(const char *field, json_t *keys)
{
	uint64_t sum = 0;
	size_t i;
	json_t *c;
	json_array_foreach(sent, i, c)
	{
		json_t *v = json_object_get(json_object_get(c, "add"), field);
		if (!v)
			continue;
		sum += (uint64_t)json_integer_value(v);
		if (keys)
			json_array_append(keys, json_object_get(c, "dedupe"));
	}
	return sum;
}

static size_t facts_sent(void)
{
	size_t n = 0, i;
	json_t *c;
	json_array_foreach(sent, i, c) n += json_object_get(c, "set") != NULL;
	return n;
}

static json_t *last_facts(void)
{
	json_t *f = NULL, *c;
	size_t i;
	json_array_foreach(sent, i, c) if (json_object_get(c, "set")) f = c;
	return f;
}

static const char *const BYTES = "destinations[openai-api|api.openai.com:443|tls].bytes";

/* A long flow reports its bytes while it lives, once per window of its own
 * packet time; a registry adds each window once. */
static void test_deltas_per_window(void **state)
{
	(void)state;
	struct agents *a = new_agents(SEC);
	struct flow_ref f = flow(5, 1, 40000, 443);
	f.start_us = 1700000000000000ULL; /* a window boundary */
	hello(a, &f, "api.openai.com");
	update(a, &f, f.start_us + SEC / 5, 1000);
	assert_int_equal(added(BYTES, NULL), 0); /* the first window is open */
	update(a, &f, f.start_us + 3 * SEC / 2, 5000);
	/* the flow left window 0: it leaves at the next cut, as window 2 begins */
	assert_int_equal(added(BYTES, NULL), 0);
	update(a, &f, f.start_us + 5 * SEC / 2, 9000);
	assert_int_equal(added(BYTES, NULL), 1000);
	end_at(a, &f, f.start_us + 29 * SEC / 10, 12000);
	json_t *keys = json_array();
	assert_int_equal(added(BYTES, keys), 12000);
	assert_int_equal(json_array_size(keys), 3);
	char want[3][128];
	for (int w = 0; w < 3; w++)
		snprintf(want[w], sizeof want[w], "tcp|10.0.0.5:40000>192.0.2.1:443|%llu|w%llu",
			 (unsigned long long)f.start_us,
			 (unsigned long long)(f.start_us / SEC + (uint64_t)w));
	/* window 0 holds the flow counts and the first bytes */
	for (int w = 0; w < 3; w++)
		assert_string_equal(json_string_value(json_array_get(keys, (size_t)w)), want[w]);
	assert_int_equal(added("evidence.flows", NULL), 1);
	json_decref(keys);
	agents_finish(a);
	agents_free(a);
}

static void sleep_ms(long ms)
{
	struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&t, NULL);
}

/* The input pauses: what the open window holds leaves at once, and what
 * comes later in that window is another part, never the same key again. */
static void test_pause_cuts_the_open_window(void **state)
{
	(void)state;
	struct agents *a = new_agents(SEC / 10);
	struct flow_ref f = flow(5, 1, 40001, 443);
	f.start_us = 1700000000000000ULL;
	hello(a, &f, "api.openai.com");
	update(a, &f, f.start_us + 10, 700);
	agents_idle(a); /* marks the start of the quiet */
	assert_int_equal(added(BYTES, NULL), 0);
	sleep_ms(150);
	agents_idle(a);
	assert_int_equal(added(BYTES, NULL), 700);
	assert_int_equal(agents_stats(a)->pauses, 1);
	size_t facts = facts_sent();
	assert_true(facts >= 1);
	update(a, &f, f.start_us + 20, 1000);
	end_at(a, &f, f.start_us + 30, 1000);
	json_t *keys = json_array();
	assert_int_equal(added(BYTES, keys), 1000);
	const char *k0 = json_string_value(json_array_get(keys, 0)),
		   *k1 = json_string_value(json_array_get(keys, 1));
	assert_non_null(strstr(k1, ".p1"));
	assert_int_equal(strncmp(k0, k1, strlen(k0)), 0);
	json_decref(keys);
	agents_free(a);
}

/* Facts leave when they change, with a version above the last. */
static void test_facts_when_changed(void **state)
{
	(void)state;
	struct agents *a = new_agents(SEC);
	struct flow_ref f = flow(5, 1, 40002, 443);
	f.start_us = 1700000000000000ULL;
	hello(a, &f, "api.openai.com");
	update(a, &f, f.start_us + SEC + 1, 100); /* window 1 begins: window 0's facts leave */
	assert_int_equal(facts_sent(), 1);
	json_t *first = json_incref(last_facts());
	/* the update moved last_seen: new facts when window 2 begins */
	struct flow_ref g = flow(9, 9, 40003, 80); /* not an AI flow: it moves the clock only */
	g.start_us = f.start_us + 2 * SEC + 1;
	end_at(a, &g, g.start_us, 10);
	assert_int_equal(facts_sent(), 2);
	/* nothing changed since: window 3 begins and no facts leave */
	struct flow_ref h = flow(9, 9, 40004, 80);
	h.start_us = f.start_us + 3 * SEC + 1;
	end_at(a, &h, h.start_us, 10);
	assert_int_equal(facts_sent(), 2);
	json_t *second = last_facts();
	assert_true(json_integer_value(json_object_get(second, "version")) >
		    json_integer_value(json_object_get(first, "version")));
	/* every field under its operation: counters among the facts at 0 only (they travel as deltas) */
	assert_string_equal(json_string_value(json_object_get(json_object_get(second, "set"), "kind")),
			    "llm-api-client");
	assert_non_null(json_object_get(json_object_get(second, "min"), "first_seen"));
	assert_non_null(json_object_get(json_object_get(second, "max"), "last_seen"));
	assert_string_equal(json_string_value(json_object_get(json_object_get(second, "last"), "host.ip")),
			    "10.0.0.5");
	assert_non_null(json_object_get(json_object_get(second, "union"), "fingerprints.ja4"));
	const char *op;
	json_t *fields;
	json_object_foreach(second, op, fields)
	{
		const char *k;
		json_t *v;
		if (json_is_object(fields))
			json_object_foreach(fields, k, v)
			{
				const char *dot = strrchr(k, '.');
				const char *leaf = dot ? dot + 1 : k;
				bool counter = !strcmp(leaf, "bytes") || !strcmp(leaf, "flows") ||
					       !strcmp(leaf, "requests");
				assert_true(!counter || (!strcmp(op, "add") && json_integer_value(v) == 0));
			}
	}
	json_decref(first);
	agents_finish(a);
	agents_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_deltas_per_window),
	    cmocka_unit_test(test_pause_cuts_the_open_window),
	    cmocka_unit_test(test_facts_when_changed),
	};
	int r = cmocka_run_group_tests(tests, NULL, NULL);
	json_decref(sent);
	return r;
}
