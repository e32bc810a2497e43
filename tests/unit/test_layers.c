/* test_layers.c — the layer stack (dissectors/lib/layers.c) with small
 * dissectors of its own: a layer opens the one above and feeds it bytes,
 * gaps and ends; observations carry the protection of the layer that
 * emitted them; a layer that is done, fails, or loses bytes it cannot skip
 * is closed with everything above it; the stack is capped. */
#include "dissect_harness.h"

/* ---- test dissectors ----
 * "relay": passes every byte up, opening "leaf" above itself on its first
 * byte; bytes "P" make it open the leaf as protected, "D" makes it done.
 * "leaf": emits an anomaly per call, named after what it got; "!" makes it
 * fail. States count themselves so a leak or double free shows. */

static int live_states;
extern const struct dissector test_relay, test_leaf, test_leaf_nogap;

static void *state_new(const struct layer_open *o)
{
	(void)o;
	live_states++;
	return calloc(1, sizeof(int));
}

static void state_free(void *s)
{
	live_states--;
	free(s);
}

static int relay_parse(void *state, enum dissect_dir dir, const uint8_t *data, size_t len,
		       const struct dissect_ctx *ctx)
{
	int *opened = state;
	if (len && data[0] == 'D')
		return DISSECT_DONE;
	if (len && !*opened) {
		struct layer_open o = layer_open_above(harness_open());
		o.protected_bytes = data[0] == 'P';
		const struct dissector *up = data[0] == 'N' ? &test_leaf_nogap : &test_leaf;
		*opened = dissect_open_above(ctx, up, &o) == AS_OK ? 1 : -1;
		dissect_anomaly(ctx, "relay", *opened == 1 ? "opened" : "open_refused");
	}
	dissect_feed_above(ctx, dir, data, len);
	return DISSECT_MORE;
}

static void relay_gap(void *state, enum dissect_dir dir, size_t len, const struct dissect_ctx *ctx)
{
	(void)state;
	dissect_gap_above(ctx, dir, len);
}

static int leaf_parse(void *state, enum dissect_dir dir, const uint8_t *data, size_t len,
		      const struct dissect_ctx *ctx)
{
	(void)state;
	(void)dir;
	if (len && data[0] == '!')
		return AS_ERR_MALFORMED;
	dissect_anomaly(ctx, "leaf", len ? "bytes" : "end");
	return DISSECT_MORE;
}

static void leaf_gap(void *state, enum dissect_dir dir, size_t len, const struct dissect_ctx *ctx)
{
	(void)state;
	(void)dir;
	(void)len;
	dissect_anomaly(ctx, "leaf", "gap");
}

const struct dissector test_relay = {"relay",	 TRANSPORT_TCP, NULL,	  state_new,
				     state_free, relay_parse,	relay_gap, false};
const struct dissector test_leaf = {"leaf", 0, NULL, state_new, state_free, leaf_parse, leaf_gap, false};
const struct dissector test_leaf_nogap = {"leaf-nogap", 0, NULL, state_new, state_free, leaf_parse, NULL, false};

/* A relay at every depth: opening past AS_MAX_LAYERS is refused. */
static int tower_parse(void *state, enum dissect_dir dir, const uint8_t *data, size_t len,
		       const struct dissect_ctx *ctx);
static const struct dissector test_tower = {"tower",	TRANSPORT_TCP, NULL, state_new,
					    state_free, tower_parse,   NULL, false};

static int tower_parse(void *state, enum dissect_dir dir, const uint8_t *data, size_t len,
		       const struct dissect_ctx *ctx)
{
	int *opened = state;
	if (!*opened) {
		struct layer_open o = layer_open_above(harness_open());
		*opened = 1;
		if (dissect_open_above(ctx, &test_tower, &o) != AS_OK)
			dissect_anomaly(ctx, "tower", "cap");
	}
	dissect_feed_above(ctx, dir, data, len);
	return DISSECT_MORE;
}

/* ---- helpers ---- */

struct run {
	struct obs_log log;
	struct layer_host host;
	struct layer_stack *s;
};

static void run_start(struct run *r, const struct dissector *d)
{
	memset(r, 0, sizeof *r);
	r->s = harness_stack(d, &r->host, &r->log);
}

static bool feed(struct run *r, const char *text)
{
	return layers_feed(r->s, DIR_TO_SERVER, (const uint8_t *)text, strlen(text));
}

/* "dissector.reason" of observation i, and its protection. */
static void expect(const struct run *r, size_t i, const char *dissector, const char *reason,
		   bool protected_bytes)
{
	assert_true(i < r->log.n);
	const struct observation *o = &r->log.v[i];
	assert_int_equal(o->type, OBS_ANOMALY);
	assert_string_equal(o->u.anomaly.dissector, dissector);
	assert_string_equal(o->u.anomaly.reason, reason);
	assert_int_equal(o->protected_bytes, protected_bytes);
}

static void run_end(struct run *r)
{
	layers_free(r->s);
	obs_log_free(&r->log);
	assert_int_equal(live_states, 0);
}

/* ---- cases ---- */

static void test_open_and_feed_above(void **state)
{
	(void)state;
	struct run r;
	run_start(&r, &test_relay);
	assert_int_equal(live_states, 1); /* nothing above until it is opened */
	assert_true(feed(&r, "xy"));
	assert_int_equal(live_states, 2);
	assert_true(layers_gap(r.s, DIR_TO_SERVER, 3));
	assert_true(layers_feed(r.s, DIR_TO_SERVER, NULL, 0));
	assert_int_equal(r.log.n, 4);
	expect(&r, 0, "relay", "opened", false);
	expect(&r, 1, "leaf", "bytes", false);
	expect(&r, 2, "leaf", "gap", false);
	expect(&r, 3, "leaf", "end", false);
	run_end(&r);
}

/* What a layer above reads of decrypted bytes is protected; the layer
 * below, which read the wire, is not. */
static void test_protection_is_the_layers(void **state)
{
	(void)state;
	struct run r;
	run_start(&r, &test_relay);
	assert_true(feed(&r, "P"));
	expect(&r, 0, "relay", "opened", false);
	expect(&r, 1, "leaf", "bytes", true);
	run_end(&r);
}

/* A layer that fails is closed (and freed); the one below goes on. */
static void test_failed_layer_closed(void **state)
{
	(void)state;
	struct run r;
	run_start(&r, &test_relay);
	assert_true(feed(&r, "x"));
	assert_true(feed(&r, "!"));
	assert_int_equal(live_states, 1);
	assert_true(feed(&r, "z")); /* nothing above any more */
	assert_int_equal(r.log.n, 2);
	run_end(&r);
}

/* A bottom layer that is done closes the stack: the flow stops feeding. */
static void test_done_closes_everything(void **state)
{
	(void)state;
	struct run r;
	run_start(&r, &test_relay);
	assert_true(feed(&r, "x"));
	assert_int_equal(live_states, 2);
	assert_false(feed(&r, "D"));
	assert_int_equal(live_states, 0);
	assert_false(feed(&r, "x"));
	run_end(&r);
}

/* Bytes lost under a layer that cannot skip them close that layer. */
static void test_gap_without_handler_closes(void **state)
{
	(void)state;
	struct run r;
	run_start(&r, &test_relay);
	assert_true(feed(&r, "N"));
	assert_int_equal(live_states, 2);
	assert_true(layers_gap(r.s, DIR_TO_SERVER, 5));
	assert_int_equal(live_states, 1);
	run_end(&r);
}

static void test_stack_is_capped(void **state)
{
	(void)state;
	struct run r;
	run_start(&r, &test_tower);
	assert_true(feed(&r, "x"));
	assert_int_equal(live_states, AS_MAX_LAYERS);
	size_t caps = 0;
	for (size_t i = 0; i < r.log.n; i++)
		caps += !strcmp(r.log.v[i].u.anomaly.reason, "cap");
	assert_int_equal(caps, 1);
	run_end(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_open_and_feed_above),
	    cmocka_unit_test(test_protection_is_the_layers),
	    cmocka_unit_test(test_failed_layer_closed),
	    cmocka_unit_test(test_done_closes_everything),
	    cmocka_unit_test(test_gap_without_handler_closes),
	    cmocka_unit_test(test_stack_is_capped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
