/* test_tls_turns.c — requests and streamed answers in sealed TLS records
 * (dissectors/tls_turns.h): which answers are streamed, the output-token
 * estimate of the shapes the providers stream, and the TLS layer reading
 * record headers past the hellos. The calibration on real SDK recordings
 * is tests/golden (pcaps/stream-*.pcap against pcaps/record-stream/truth.json). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dissect_harness.h"
#include "limits.h"
#include "tls_fixture.h"
#include "tls_turns.h"

extern const struct dissector dissector_tls;

#define T13 0x0304
#define OVERHEAD13 17
#define TS 1000000
#define APPDATA 23

/* Feeds one record of `plain` plaintext bytes; true when it ended a stream. */
static bool rec(struct tls_turns *t, bool to_server, unsigned plain, struct obs_tls_stream *out)
{
	return tls_turns_record(t, to_server, APPDATA, (uint16_t)(plain + OVERHEAD13), TS, out);
}

/* A TLS 1.3 connection past the client's Finished, with a request sent. */
static void start(struct tls_turns *t)
{
	struct obs_tls_stream s;
	tls_turns_init(t, T13, 0x1301);
	assert_false(rec(t, true, 36, &s)); /* Finished: no request */
	assert_false(rec(t, true, 700, &s));
	assert_false(rec(t, false, 900, &s)); /* the HTTP head */
}

/* OpenAI chat chunks: a role chunk, one chunk per token (its text 1 to 8
 * characters), the finish and usage chunks, `data: [DONE]`, the end chunk. */
static void test_one_token_per_event(void **state)
{
	(void)state;
	const unsigned tokens = 200;
	struct tls_turns t;
	struct obs_tls_stream s;
	start(&t);
	rec(&t, false, 260, &s);
	for (unsigned i = 0; i < tokens; i++)
		rec(&t, false, 230 + 1 + (i * 7) % 8, &s);
	rec(&t, false, 222, &s);
	rec(&t, false, 270, &s);
	rec(&t, false, 20, &s);
	rec(&t, false, 5, &s);
	assert_true(tls_turns_end(&t, &s));
	assert_true(s.per_token);
	assert_int_equal(s.records, 1 + 1 + tokens + 4);
	assert_in_range(tokens, s.one.min, s.one.max);
	assert_in_range(s.one.estimate, tokens - 3, tokens + 3);
	assert_int_equal(s.confidence, CONFIDENCE_HIGH);
	assert_int_equal(s.request_bytes, 700);
	tls_turns_free(&t);
}

/* Anthropic's deltas as the API sends them: 1 to 6 tokens, each of 1 to
 * 8 characters (4.5 on average, as English). */
static void test_several_tokens_per_event(void **state)
{
	(void)state;
	struct tls_turns t;
	struct obs_tls_stream s;
	start(&t);
	unsigned tokens = 0;
	for (unsigned i = 0; i < 80; i++) {
		unsigned k = 1 + (i * 5) % 6, chars = 0;
		for (unsigned j = 0; j < k; j++)
			chars += 1 + (tokens + j) * 3 % 8;
		tokens += k;
		rec(&t, false, 110 + chars, &s);
	}
	assert_true(tls_turns_end(&t, &s));
	assert_false(s.per_token);
	assert_in_range(tokens, s.several.min, s.several.max);
	assert_in_range(s.several.estimate, tokens * 75 / 100, tokens * 125 / 100);
	assert_int_equal(s.confidence, CONFIDENCE_HIGH);
	tls_turns_free(&t);
}

/* Writes joined into records of two or three events are counted as such;
 * so many joined records lower the confidence. */
static void test_joined_records(void **state)
{
	(void)state;
	struct tls_turns t;
	struct obs_tls_stream s;
	start(&t);
	for (unsigned i = 0; i < 30; i++)
		rec(&t, false, i % 3 ? 232 : 2 * 232, &s);
	assert_true(tls_turns_end(&t, &s));
	assert_int_equal(s.events, 40);
	assert_int_equal(s.confidence, CONFIDENCE_LOW);
	tls_turns_free(&t);
}

/* Not streamed: a download in full records (which ends the reading of
 * the connection's turns), and an answer of few records. */
static void test_not_streamed(void **state)
{
	(void)state;
	struct tls_turns t;
	struct obs_tls_stream s;
	start(&t);
	for (unsigned i = 0; i < 40; i++)
		rec(&t, false, 16384, &s);
	assert_true(t.bulk); /* the layer reads no further */
	assert_false(tls_turns_end(&t, &s));
	tls_turns_free(&t);

	start(&t);
	for (unsigned i = 0; i < 3; i++)
		rec(&t, false, 200, &s);
	assert_false(tls_turns_end(&t, &s));
	tls_turns_free(&t);
}

/* A client's small records during an answer (HTTP/2 WINDOW_UPDATE, PING)
 * are no request; the next request ends the answer and starts a turn. */
static void test_turns(void **state)
{
	(void)state;
	struct tls_turns t;
	struct obs_tls_stream s;
	start(&t);
	for (unsigned i = 0; i < 20; i++) {
		assert_false(rec(&t, false, 150 + i % 3, &s));
		if (i % 5 == 0)
			assert_false(rec(&t, true, 13, &s));
	}
	assert_true(rec(&t, true, 650, &s));
	assert_int_equal(s.records, 1 + 20);
	assert_int_equal(s.request_bytes, 700);
	rec(&t, false, 900, &s);
	rec(&t, false, 40, &s);
	assert_false(tls_turns_end(&t, &s)); /* the second answer was not streamed */
	/* Alerts and other types are not application data. */
	assert_false(tls_turns_record(&t, true, 21, 40, TS, &s));
	tls_turns_free(&t);
}

/* TLS 1.2 has no Finished among the sealed application records and a GCM
 * record carries a nonce and a tag. */
static void test_tls12(void **state)
{
	(void)state;
	struct tls_turns t;
	struct obs_tls_stream s;
	tls_turns_init(&t, 0x0303, 0xc02f);
	assert_false(tls_turns_record(&t, true, APPDATA, 600 + 24, TS, &s));
	tls_turns_record(&t, false, APPDATA, 500 + 24, TS, &s);
	for (unsigned i = 0; i < 12; i++)
		tls_turns_record(&t, false, APPDATA, 200 + 24 + i % 4, TS + i, &s);
	assert_true(tls_turns_end(&t, &s));
	assert_int_equal(s.request_bytes, 600);
	assert_int_equal(s.bytes, 500 + 12 * 200 + 3 * (0 + 1 + 2 + 3));
	assert_int_equal(s.last_us, TS + 11);
	tls_turns_free(&t);
}

/* Past AS_TLS_TURN_MAX_RECORDS sizes the records are counted and the
 * estimate scaled: memory stays bounded. */
static void test_cap(void **state)
{
	(void)state;
	struct tls_turns t;
	struct obs_tls_stream s;
	start(&t);
	const unsigned n = AS_TLS_TURN_MAX_RECORDS + 2000;
	for (unsigned i = 0; i < n; i++)
		rec(&t, false, 230 + 1 + i % 5, &s);
	assert_true(t.more.len <= 2 * (size_t)AS_TLS_TURN_MAX_RECORDS);
	assert_true(tls_turns_end(&t, &s));
	assert_int_equal(s.records, n + 1);
	assert_in_range(n, s.one.min, s.one.max);
	tls_turns_free(&t);
}

/* ---- through the TLS layer ---- */

static size_t sealed(uint8_t *out, size_t plain)
{
	size_t len = plain + OVERHEAD13;
	out[0] = APPDATA;
	out[1] = 3;
	out[2] = 3;
	out[3] = (uint8_t)(len >> 8);
	out[4] = (uint8_t)len;
	memset(out + 5, 0xa5, len);
	return 5 + len;
}

/* A real TLS 1.3 start (Chrome's hello, the server's hello and CCS), then
 * sealed records: the client's Finished and request, a streamed answer
 * in one segment, a second request. Cut at every byte, the same stream. */
static void test_layer_walks_records(void **state)
{
	(void)state;
	static uint8_t cli[2][1024], srv[16 * 1024];
	size_t cn = sealed(cli[0], 36);
	cn += sealed(cli[0] + cn, 600);
	size_t cn2 = sealed(cli[1], 640);
	size_t sn = sealed(srv, 800);
	for (unsigned i = 0; i < 24; i++)
		sn += sealed(srv + sn, 180 + i % 6);
	const struct feed f[] = {{DIR_TO_SERVER, fixture_chrome_client, sizeof fixture_chrome_client},
				 {DIR_TO_CLIENT, fixture_chrome_server, sizeof fixture_chrome_server},
				 {DIR_TO_SERVER, cli[0], cn},
				 {DIR_TO_CLIENT, srv, sn},
				 {DIR_TO_SERVER, cli[1], cn2}};
	struct obs_log log = harness_split_invariant(&dissector_tls, f, N(f));
	assert_int_equal(log.n, 3);
	assert_int_equal(log.v[2].type, OBS_TLS_STREAM);
	const struct obs_tls_stream *s = &log.v[2].u.tls_stream;
	assert_int_equal(s->records, 25);
	assert_int_equal(s->request_bytes, 600);
	assert_true(s->per_token);
	assert_in_range(24, s->one.min, s->one.max);
	obs_log_free(&log);
}

static bool follow_none(const void *user, const char *name)
{
	(void)user;
	assert_string_equal(name, "clients2.google.com");
	return false;
}

/* A server name the sensor does not follow (no AI service's): the layer
 * stops after the hellos, the answer is not read. */
static void test_layer_follows_named_servers(void **state)
{
	(void)state;
	static uint8_t cli[1024], srv[8 * 1024];
	size_t cn = sealed(cli, 36);
	cn += sealed(cli + cn, 600);
	size_t sn = sealed(srv, 800);
	for (unsigned i = 0; i < 24; i++)
		sn += sealed(srv + sn, 180);
	const struct feed f[] = {{DIR_TO_SERVER, fixture_chrome_client, sizeof fixture_chrome_client},
				 {DIR_TO_CLIENT, fixture_chrome_server, sizeof fixture_chrome_server},
				 {DIR_TO_SERVER, cli, cn},
				 {DIR_TO_CLIENT, srv, sn}};
	struct dissect_env env = harness_env;
	env.follow = follow_none;
	struct obs_log log = {0};
	struct layer_host host = {&env, obs_log_emit, &log, HARNESS_TS};
	struct layer_open o = *harness_open();
	o.env = &env;
	struct layer_stack *st = layers_new(&host, &dissector_tls, &o);
	assert_non_null(st);
	for (size_t i = 0; i < N(f); i++)
		(void)layers_feed(st, f[i].dir, f[i].data, f[i].len);
	(void)layers_feed(st, DIR_TO_CLIENT, NULL, 0); /* the end: a stream read would be emitted */
	layers_free(st);
	assert_int_equal(log.n, 2); /* the hellos only */
	obs_log_free(&log);
}

/* A record header no TLS stack writes ends the walk with an anomaly. */
static void test_layer_bad_sealed_header(void **state)
{
	(void)state;
	static const uint8_t junk[] = {0x47, 0x45, 0x54, 0x20, 0x2f, 0x20};
	const struct feed f[] = {{DIR_TO_SERVER, fixture_chrome_client, sizeof fixture_chrome_client},
				 {DIR_TO_CLIENT, fixture_chrome_server, sizeof fixture_chrome_server},
				 {DIR_TO_SERVER, junk, sizeof junk}};
	struct obs_log log = {0};
	harness_run(&dissector_tls, f, N(f), SIZE_MAX, SIZE_MAX, &log);
	assert_int_equal(log.n, 3);
	assert_int_equal(log.v[2].type, OBS_ANOMALY);
	assert_string_equal(log.v[2].u.anomaly.reason, "bad_sealed_record_header");
	obs_log_free(&log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_one_token_per_event),
	    cmocka_unit_test(test_several_tokens_per_event),
	    cmocka_unit_test(test_joined_records),
	    cmocka_unit_test(test_not_streamed),
	    cmocka_unit_test(test_turns),
	    cmocka_unit_test(test_tls12),
	    cmocka_unit_test(test_cap),
	    cmocka_unit_test(test_layer_walks_records),
	    cmocka_unit_test(test_layer_bad_sealed_header),
	    cmocka_unit_test(test_layer_follows_named_servers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
