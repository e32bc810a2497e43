/* test_sse.c — text/event-stream parser: table of streams and the events
 * they must yield, each checked when fed whole, at every split point, and
 * one byte at a time. */
#include "cases.h"
#include "dissector.h"
#include "sse.h"

/* Events rendered as "event|data" lines joined by '\n' for comparison. */
struct got {
	char text[2048];
	size_t len;
};

static void on_event(void *user, struct sv event, struct sv data)
{
	struct got *g = user;
	int n = snprintf(g->text + g->len, sizeof g->text - g->len, "%.*s|%.*s\n", (int)event.len, event.p,
			 (int)data.len, data.p);
	assert_true(n > 0 && (size_t)n < sizeof g->text - g->len);
	g->len += (size_t)n;
}

struct sse_case {
	const char *name;
	const char *in;
	const char *want;  /* "event|data\n" per event */
	size_t cap;	   /* 0: AS_SSE_MAX_EVENT */
	uint64_t dropped;  /* events dropped at the cap */
};

static const struct sse_case cases[] = {
	{"LF lines", "data: hello\n\n", "|hello\n", 0, 0},
	{"CRLF lines and event name", "event: message_start\r\ndata: {\"a\":1}\r\n\r\n", "message_start|{\"a\":1}\n", 0, 0},
	{"CR-only lines", "data: a\rdata: b\r\revent: x\rdata: c\r\r", "|a\nb\nx|c\n", 0, 0},
	{"multi-line data keeps inner newlines", "data: {\"x\":\ndata:  1}\n\n", "|{\"x\":\n 1}\n", 0, 0},
	{"no space after colon", "data:tight\n\n", "|tight\n", 0, 0},
	{"comments, id and retry are skipped", ": ping\nid: 7\nretry: 100\ndata: x\n\n", "|x\n", 0, 0},
	{"empty data line dispatches an empty event", "data\n\ndata:\n\n", "|\n|\n", 0, 0},
	{"no data: nothing dispatched, event name reset", "event: lone\n\ndata: d\n\n", "|d\n", 0, 0},
	{"BOM at stream start", "\xEF\xBB\xBF" "data: bom\n\n", "|bom\n", 0, 0},
	{"unterminated event is not dispatched", "data: one\n\ndata: two\n", "|one\n", 0, 0},
	{"blank lines between events", "\n\n\r\ndata: [DONE]\n\n\n", "|[DONE]\n", 0, 0},
	{"unknown field ignored", "foo: bar\ndata: ok\n\n", "|ok\n", 0, 0},
	{"event over the cap is dropped, next one kept",
	 "data: 0123456789012345678901234567890123456789\n\ndata: short\n\n", "|short\n", 32, 1},
	{"data lines adding up over the cap", "data: 0123456789\ndata: 0123456789\ndata: 0123456789\n\ndata: k\n\n",
	 "|k\n", 24, 1},
	{"two dropped events", "data: 0123456789012345678901234567890123456789\n\n: 0123456789012345678901234567890123456789x\ndata: a\n\ndata: b\n\n",
	 "|b\n", 32, 2},
};

static void run_split(const struct sse_case *c, const uint8_t *in, size_t len, size_t at, size_t step)
{
	struct sse_parser p;
	struct got g = {{0}, 0};
	sse_init(&p, c->cap ? c->cap : AS_SSE_MAX_EVENT);
	if (step) {
		for (size_t i = 0; i < len; i += step)
			(void)!sse_feed(&p, in + i, len - i < step ? len - i : step, on_event, &g);
	} else {
		(void)!sse_feed(&p, in, at, on_event, &g);
		(void)!sse_feed(&p, in + at, len - at, on_event, &g);
	}
	if (strcmp(g.text, c->want) != 0)
		fail_msg("split %zu, step %zu: got \"%s\" want \"%s\"", at, step, g.text, c->want);
	if (p.dropped != c->dropped)
		fail_msg("split %zu, step %zu: dropped %llu want %llu", at, step,
			 (unsigned long long)p.dropped, (unsigned long long)c->dropped);
	sse_free(&p);
}

/* A case split at every offset, then fed a byte at a time. */
static void test_case(void **state)
{
	const struct sse_case *c = *state;
	const uint8_t *in = (const uint8_t *)c->in;
	size_t len = strlen(c->in);
	for (size_t at = 0; at <= len; at++)
		run_split(c, in, len, at, 0);
	run_split(c, in, len, 0, 1);
}

static void test_reset(void **state)
{
	(void)state;
	struct sse_parser p;
	struct got g = {{0}, 0};
	sse_init(&p, 64);
	assert_int_equal(sse_feed(&p, (const uint8_t *)"event: e\ndata: lost", 19, on_event, &g), AS_OK);
	sse_reset(&p);
	assert_int_equal(sse_feed(&p, (const uint8_t *)"data: kept\n\n", 12, on_event, &g), AS_OK);
	assert_string_equal(g.text, "|kept\n");
	assert_int_equal(p.events, 1);
	/* over the cap: the call reports it */
	static const char big[] = "data: 0123456789012345678901234567890123456789012345678901234567890123456789\n\n";
	assert_int_equal(sse_feed(&p, (const uint8_t *)big, strlen(big), on_event, &g), AS_ERR_LIMIT);
	assert_int_equal(p.dropped, 1);
	sse_free(&p);
}

int main(void)
{
	struct cases t = {0};
	CASE_ROWS(&t, test_case, cases, name);
	CASE(&t, test_reset);
	return cases_main(&t, "sse");
}
