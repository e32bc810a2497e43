/* test_pipeline.c — the engine's threads: a replay delivers every flow
 * message to the consumer, and a thread that cannot start (pthread_create
 * wrapped at link time to fail its Nth call) ends the run with an error
 * naming it instead of leaving the started threads waiting forever. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "pipeline.h"

/* ---- pthread_create, failing on demand (linked with --wrap=pthread_create) ---- */

int __real_pthread_create(pthread_t *th, const pthread_attr_t *attr, void *(*fn)(void *), void *arg);
int __wrap_pthread_create(pthread_t *th, const pthread_attr_t *attr, void *(*fn)(void *), void *arg);

static int fail_call = -1; /* which call fails (0 = the first), -1 = none */
static int calls;

int __wrap_pthread_create(pthread_t *th, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
	if (calls++ == fail_call)
		return EAGAIN;
	return __real_pthread_create(th, attr, fn, arg);
}

/* ---- a consumer that counts ---- */

struct seen {
	uint64_t starts, ends, observations;
	int finished;
	/* the merge order: every message must come after the one before it */
	uint64_t last_pkt_no, last_clock, last_hash, out_of_order;
};

static void handle(void *user, const struct msg_hdr *m)
{
	struct seen *s = user;
	s->starts += m->type == MSG_FLOW_START;
	s->ends += m->type == MSG_FLOW_END;
	s->observations += m->type == MSG_OBSERVATION;
	if (m->type == MSG_WORKER_STATS)
		return;
	bool before = m->pkt_no != s->last_pkt_no	? m->pkt_no < s->last_pkt_no
		      : m->order_clock != s->last_clock ? m->order_clock < s->last_clock
							: m->order_hash < s->last_hash;
	s->out_of_order += before;
	s->last_pkt_no = m->pkt_no;
	s->last_clock = m->order_clock;
	s->last_hash = m->order_hash;
}

static void finish(void *user)
{
	((struct seen *)user)->finished++;
}

static char path[] = AS_SRC_DIR "/pcaps/mcp-streamable-stateful.pcap";
static char *one_input[] = {path};
static char **inputs = one_input;
static size_t n_inputs = 1;

static int run(unsigned workers, struct seen *s, struct pipeline_stats *st, char *err, size_t errsz)
{
	static const uint8_t salt[] = "t";
	struct pipeline_config pc = {.inputs = inputs,
				     .n_inputs = n_inputs,
				     .workers = workers,
				     .max_flows = 1000,
				     .idle_tcp_s = 300,
				     .idle_tcp_closed_s = 10,
				     .idle_udp_s = 60,
				     .salt = salt,
				     .salt_len = 1,
				     .consumer = {handle, NULL, finish, s}};
	memset(s, 0, sizeof *s);
	calls = 0;
	alarm(20); /* a hang is a failure, not a stuck test run */
	int r = pipeline_run(&pc, st, err, errsz);
	alarm(0);
	return r;
}

static void test_replay_delivers_everything(void **state)
{
	(void)state;
	struct seen s;
	struct pipeline_stats st;
	char err[256] = "";
	fail_call = -1;
	assert_int_equal(run(2, &s, &st, err, sizeof err), AS_OK);
	assert_int_equal(calls, 3); /* two workers and the aggregator */
	assert_true(s.starts > 0);
	assert_int_equal(s.starts, s.ends);
	assert_true(s.observations > 0);
	assert_int_equal(s.finished, 1);
	assert_true(st.pk.decoded > 0);
}

/* Four workers hand the aggregator messages in the merge order, however
 * their threads are scheduled: a worker that emits while the heads are
 * compared must not let a later message pass (every bundled capture, many
 * runs: the race was rare). */
static void test_merge_order(void **state)
{
	(void)state;
	static char *all[] = {AS_SRC_DIR "/pcaps/a2a.pcap",
			      AS_SRC_DIR "/pcaps/mcp-legacy-sse.pcap",
			      AS_SRC_DIR "/pcaps/mcp-oauth.pcap",
			      AS_SRC_DIR "/pcaps/mcp-streamable-stateful.pcap",
			      AS_SRC_DIR "/pcaps/mcp-streamable-stateless.pcap",
			      AS_SRC_DIR "/pcaps/noise-web.pcap",
			      AS_SRC_DIR "/pcaps/ollama-http.pcap",
			      AS_SRC_DIR "/pcaps/openai-node-gateway-http.pcap"};
	inputs = all;
	n_inputs = sizeof all / sizeof all[0];
	fail_call = -1;
	uint64_t bad = 0, messages = 0;
	for (int i = 0; i < 40; i++) {
		struct seen s;
		struct pipeline_stats st;
		char err[256] = "";
		assert_int_equal(run(4, &s, &st, err, sizeof err), AS_OK);
		bad += s.out_of_order;
		messages += s.starts + s.ends + s.observations;
	}
	inputs = one_input;
	n_inputs = 1;
	if (bad)
		print_message("%llu of %llu messages out of order\n", (unsigned long long)bad,
			      (unsigned long long)messages);
	assert_int_equal(bad, 0);
}

/* Call n of a 2-worker run fails: 0 and 1 are the workers, 2 the aggregator. */
static void thread_fails(int n, const char *which)
{
	struct seen s;
	struct pipeline_stats st;
	char err[256] = "";
	fail_call = n;
	assert_true(run(2, &s, &st, err, sizeof err) < 0);
	fail_call = -1;
	assert_non_null(strstr(err, which));
	assert_int_equal(s.finished, 0);   /* the aggregator never ran */
	assert_int_equal(st.pk.frames, 0); /* nothing was read */
}

static void test_first_worker_fails(void **state)
{
	(void)state;
	thread_fails(0, "cannot start the worker thread");
}

static void test_second_worker_fails(void **state)
{
	(void)state;
	thread_fails(1, "cannot start the worker thread");
}

static void test_aggregator_fails(void **state)
{
	(void)state;
	thread_fails(2, "cannot start the aggregator thread");
}

/* On one CPU, -w 1 dissects on the reading thread: only the aggregator is
 * started, and the consumer sees the same messages as with a worker thread;
 * an aggregator that cannot start still ends the run with an error. */
static void test_one_cpu_inline(void **state)
{
	(void)state;
	cpu_set_t all, one;
	assert_int_equal(sched_getaffinity(0, sizeof all, &all), 0);
	CPU_ZERO(&one);
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &all)) {
			CPU_SET(c, &one);
			break;
		}
	struct seen threaded, inl;
	struct pipeline_stats st;
	char err[256] = "";
	fail_call = -1;
	assert_int_equal(run(1, &threaded, &st, err, sizeof err), AS_OK);
	assert_int_equal(sched_setaffinity(0, sizeof one, &one), 0);
	int r = run(1, &inl, &st, err, sizeof err);
	int started = calls;
	fail_call = 0;
	int r_fail = run(1, &(struct seen){0}, &(struct pipeline_stats){0}, err, sizeof err);
	fail_call = -1;
	assert_int_equal(sched_setaffinity(0, sizeof all, &all), 0);
	assert_int_equal(r, AS_OK);
	assert_true(st.worker_inline);
	assert_int_equal(started, 1); /* the aggregator only */
	assert_int_equal(inl.starts, threaded.starts);
	assert_int_equal(inl.ends, threaded.ends);
	assert_int_equal(inl.observations, threaded.observations);
	assert_int_equal(inl.out_of_order, 0);
	assert_true(r_fail < 0);
	assert_non_null(strstr(err, "cannot start the aggregator thread"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_replay_delivers_everything), cmocka_unit_test(test_merge_order),
	    cmocka_unit_test(test_first_worker_fails),	       cmocka_unit_test(test_second_worker_fails),
	    cmocka_unit_test(test_aggregator_fails),	       cmocka_unit_test(test_one_cpu_inline),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
