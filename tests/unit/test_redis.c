/* test_redis.c — the Redis exporter against a real redis-server: URL
 * parsing, the upsert script's idempotence and commutativity, the events
 * stream, the heartbeat, open failures, an outage mid-run, a full spool and
 * a spool handed from one process to the next (`aisensor agents` on the
 * same registry: test_cmd_agents.c). */
#include <jansson.h>

#include "redis_fixture.h"
#include "redis_internal.h"

static char *snapshot(const char *prefix)
{
	redisContext *c = rh_connect(&srv);
	assert_non_null(c);
	char *snap = rh_snapshot(c, prefix);
	redisFree(c);
	return snap;
}

static redisReply *cmd(const char *fmt, ...)
{
	redisContext *c = rh_connect(&srv);
	assert_non_null(c);
	va_list ap;
	va_start(ap, fmt);
	redisReply *r = redisvCommand(c, fmt, ap);
	va_end(ap);
	redisFree(c);
	assert_non_null(r);
	return r;
}

static char *hget(const char *key, const char *field)
{
	redisReply *r = cmd("HGET %s %s", key, field);
	char *v = r->type == REDIS_REPLY_STRING ? strdup(r->str) : NULL;
	freeReplyObject(r);
	return v;
}

static void expect_field(const char *key, const char *field, const char *want)
{
	char *v = hget(key, field);
	if (!v || strcmp(v, want) != 0)
		print_message("%s %s: got %s, want %s\n", key, field, v ? v : "(nil)", want);
	assert_non_null(v);
	assert_string_equal(v, want);
	free(v);
}

/* ---- tests ---- */

struct url_case {
	const char *url;
	int ok;
	const char *host, *path, *user, *pass;
	int port, db;
	const char *redacted;
};

static const struct url_case url_cases[] = {
    {"redis://localhost", 1, "localhost", "", "", "", 6379, -1, "redis://localhost:6379"},
    {"redis://10.0.0.5:6380/2", 1, "10.0.0.5", "", "", "", 6380, 2, "redis://10.0.0.5:6380/2"},
    {"redis://:pw@h", 1, "h", "", "", "pw", 6379, -1, "redis://:***@h:6379"},
    {"redis://alice:s3cret@h:1/0", 1, "h", "", "alice", "s3cret", 1, 0, "redis://alice:***@h:1/0"},
    {"redis://u:p%40ss%3Aw@h", 1, "h", "", "u", "p@ss:w", 6379, -1, "redis://u:***@h:6379"},
    {"redis://a:b@c@h", 1, "h", "", "a", "b@c", 6379, -1, "redis://a:***@h:6379"},
    {"redis://[::1]:7000/3", 1, "::1", "", "", "", 7000, 3, "redis://[::1]:7000/3"},
    {"redis://h/?db=4", 1, "h", "", "", "", 6379, 4, "redis://h:6379/4"},
    {"unix:///tmp/r.sock", 1, "", "/tmp/r.sock", "", "", 6379, -1, "unix:///tmp/r.sock"},
    {"unix:///tmp/r.sock?db=5", 1, "", "/tmp/r.sock", "", "", 6379, 5, "unix:///tmp/r.sock?db=5"},
    {"unix://:s3cret@/tmp/r.sock", 1, "", "/tmp/r.sock", "", "s3cret", 6379, -1, "unix://:***@/tmp/r.sock"},
    {"redis-sentinel://s1:26380,s2/mymaster", 1, "s1", "", "", "", 26380, -1,
     "redis-sentinel://s1:26380,s2:26379/mymaster"},
    {"redis-sentinel://:s3cret@[::1]:5000,s2/m?db=2&sentinel_password=s3cret", 1, "::1", "", "", "s3cret", 5000, 2,
     "redis-sentinel://:***@[::1]:5000,s2:26379/m?db=2&sentinel_password=***"},
    {"redis-sentinel://s1/m?sentinel_user=watch&sentinel_password=s3cret", 1, "s1", "", "", "", 26379, -1,
     "redis-sentinel://s1:26379/m?sentinel_user=watch&sentinel_password=***"},
    {"redis-sentinel://s1", 0, NULL, NULL, NULL, NULL, 0, 0, NULL},
    {"redis-sentinel://:s3cret@/m", 0, NULL, NULL, NULL, NULL, 0, 0, NULL},
    {"redis-sentinel://s1,,s2/m", 0, NULL, NULL, NULL, NULL, 0, 0, NULL},
    {"redis-sentinel://s1/m?foo=s3cret", 0, NULL, NULL, NULL, NULL, 0, 0, NULL},
    {"redis://h?sentinel_password=s3cret", 0, NULL, NULL, NULL, NULL, 0, 0, NULL},
    {"rediss://:s3cret@h", 0, NULL, NULL, NULL, NULL, 0, 0, NULL},
    {"http://h", 0, NULL, NULL, NULL, NULL, 0, 0, NULL},
    {"", 0, NULL, NULL, NULL, NULL, 0, 0, NULL},
    {"redis://", 0, NULL, NULL, NULL, NULL, 0, 0, NULL},
    {"redis://:s3cret@", 0, NULL, NULL, NULL, NULL, 0, 0, NULL},
    {"redis://s3cret@h", 0, NULL, NULL, NULL, NULL, 0, 0, NULL},
    {"redis://:s3cret@h:0", 0, NULL, NULL, NULL, NULL, 0, 0, NULL},
    {"redis://:s3cret@h:65536", 0, NULL, NULL, NULL, NULL, 0, 0, NULL},
    {"redis://:s3cret@h:x", 0, NULL, NULL, NULL, NULL, 0, 0, NULL},
    {"redis://:s3cret@h/db", 0, NULL, NULL, NULL, NULL, 0, 0, NULL},
    {"redis://:s3cret@h?foo=1", 0, NULL, NULL, NULL, NULL, 0, 0, NULL},
    {"redis://:s3c%2ret@h", 0, NULL, NULL, NULL, NULL, 0, 0, NULL},
    {"redis://:s3cret@[::1", 0, NULL, NULL, NULL, NULL, 0, 0, NULL},
    {"unix://s3cret", 0, NULL, NULL, NULL, NULL, 0, 0, NULL},
    {"unix://:s3cret@/tmp/r.sock?db=x", 0, NULL, NULL, NULL, NULL, 0, 0, NULL},
    {"unix:///", 0, NULL, NULL, NULL, NULL, 0, 0, NULL},
};

static void test_url(void **state)
{
	const struct url_case *c = *state;
	struct redis_url u;
	char err[512] = "";
	int r = redis_url_parse(c->url, &u, err, sizeof err);
	if ((r == AS_OK) != c->ok)
		print_message("%d %s\n", r, err);
	assert_int_equal(r == AS_OK, c->ok);
	if (r != AS_OK) {
		assert_true(err[0] != '\0');
		assert_null(strstr(err, "s3cret"));
		if (!strncmp(c->url, "rediss", 6))
			assert_non_null(strstr(err, "TLS to Redis not supported in this build"));
		return;
	}
	assert_string_equal(u.host, c->host);
	assert_string_equal(u.path, c->path);
	assert_string_equal(u.user, c->user);
	assert_string_equal(u.pass, c->pass);
	assert_int_equal(u.port, c->port);
	assert_int_equal(u.db, c->db);
	assert_string_equal(u.redacted, c->redacted);
}

static void test_upsert_one(void **state)
{
	(void)state;
	NEED_SERVER();
	int order[] = {0};
	send_all("one:", order, 1);
	const char *k = "one:agent:aaaa000000000001";
	expect_field(k, "kind", "llm-api-client");
	expect_field(k, "first_seen", "2026-11-28T09:00:01.000Z");
	expect_field(k, "last_seen", "2026-11-28T09:00:02.000Z");
	expect_field(k, "evidence.flows", "1");
	expect_field(k, "destinations[openai-api|api.openai.com:443|tls].bytes", "100");
	expect_field(k, "destinations[openai-api|api.openai.com:443|tls].tls", "true");
	expect_field(k, "destinations[openai-api|api.openai.com:443|tls].port", "443");
	expect_field(k, "risks", "[\"static-api-key\"]");
	expect_field("one:agent:aaaa000000000001:types", "destinations[openai-api|api.openai.com:443|tls].tls", "b");
	expect_field("one:agent:aaaa000000000001:types", "evidence.flows", "n");
	expect_field("one:agent:aaaa000000000001:types", "risks", "a");
	redisReply *r = cmd("ZSCORE one:agents aaaa000000000001");
	assert_int_equal(r->type, REDIS_REPLY_STRING);
	assert_string_equal(r->str, "1795856402000"); /* 2026-11-28T09:00:02Z in ms */
	freeReplyObject(r);
	r = cmd("SISMEMBER one:host:52:54:00:12:34:56 aaaa000000000001");
	assert_int_equal(r->integer, 1);
	freeReplyObject(r);
	r = cmd("SISMEMBER one:kind:llm-api-client aaaa000000000001");
	assert_int_equal(r->integer, 1);
	freeReplyObject(r);
	r = cmd("TTL one:agent:aaaa000000000001:applied");
	assert_true(r->integer > 13 * 86400 && r->integer <= 14 * 86400);
	freeReplyObject(r);
}

static void test_upsert_twice_and_noscript(void **state)
{
	(void)state;
	NEED_SERVER();
	int all[N_CONTRIBS];
	for (int i = 0; i < N_CONTRIBS; i++)
		all[i] = i;
	send_all("once:", all, N_CONTRIBS);
	send_all("twice:", all, N_CONTRIBS);
	/* the second pass after the server forgot the script */
	freeReplyObject(cmd("SCRIPT FLUSH"));
	send_all("twice:", all, N_CONTRIBS);
	char *a = snapshot("once:"), *b = snapshot("twice:");
	assert_true(strlen(a) > 100);
	assert_string_equal(a, b);
	free(a);
	free(b);
	/* no dedupe key: the adds apply every time */
	const char *nd = "{\"id\":\"dddd000000000004\",\"set\":{\"kind\":\"ai-app\"},\"add\":{\"evidence.flows\":2}}";
	struct sink s = open_exporter(srv.url, "nodedupe:", NULL, 5000);
	send_agent(&s, nd);
	send_agent(&s, nd);
	finish(&s);
	expect_field("nodedupe:agent:dddd000000000004", "evidence.flows", "4");
}

static void test_upsert_commutative(void **state)
{
	(void)state;
	NEED_SERVER();
	int ref[N_CONTRIBS];
	for (int i = 0; i < N_CONTRIBS; i++)
		ref[i] = i;
	send_all("ref:", ref, N_CONTRIBS);
	char *want = snapshot("ref:");
	/* the merged values are what the rules say */
	const char *k = "ref:agent:aaaa000000000001";
	expect_field(k, "first_seen", "2026-11-28T08:59:59.500Z");
	expect_field(k, "last_seen", "2026-11-28T09:05:00.000Z");
	expect_field(k, "software.version", "6.9.1"); /* byte order: "6.9.1" > "6.10.0" */
	/* last: the highest version, whatever the byte order or the arrival */
	expect_field(k, "host.ip", "10.0.0.1");
	expect_field(k, "evidence.partial", "[]");
	/* a null holds the place of a value until one comes, in any order */
	expect_field(k, "software.runtime", "");
	expect_field(k, "host.hostname", "ws-1");
	expect_field("ref:agent:aaaa000000000001:types", "software.runtime", "z");
	assert_null(hget("ref:agent:aaaa000000000001:types", "software.version")); /* a string now */
	/* an empty union is a field, [], as is an array of objects (its elements follow) */
	expect_field(k, "credentials", "[]");
	expect_field(k, "destinations", "[]");
	expect_field("ref:agent:bbbb000000000002", "mcp.auth", "none"); /* equal versions: the larger */
	expect_field(k, "evidence.flows", "4");
	expect_field(k, "destinations[openai-api|api.openai.com:443|tls].bytes", "150");
	expect_field(k, "risks", "[\"cleartext-credential\",\"static-api-key\"]");
	expect_field(k, "destinations[openai-api|api.openai.com:443|tls].models", "[\"gpt-4o\",\"gpt-4o-mini\"]");
	char *ja4 = hget(k, "fingerprints.ja4");
	json_t *arr = json_loads(ja4, 0, NULL);
	assert_int_equal(json_array_size(arr), 256);
	assert_string_equal(json_string_value(json_array_get(arr, 0)), "t13d000");
	assert_string_equal(json_string_value(json_array_get(arr, 255)), "t13d255");
	json_decref(arr);
	free(ja4);
	expect_field("ref:agent:bbbb000000000002", "mcp.tools_called[delete_record].calls", "3");
	redisReply *r = cmd("SMEMBERS ref:host:10.0.0.1");
	assert_int_equal(r->elements, 1);
	freeReplyObject(r);

	/* several orders */
	uint32_t seed = 12345;
	for (int round = 0; round < 6; round++) {
		int order[N_CONTRIBS];
		for (int i = 0; i < N_CONTRIBS; i++)
			order[i] = round == 0 ? N_CONTRIBS - 1 - i : i;
		for (int i = N_CONTRIBS - 1; round > 0 && i > 0; i--) {
			seed = seed * 1103515245u + 12345u;
			int j = (int)((seed >> 16) % (uint32_t)(i + 1));
			int t = order[i];
			order[i] = order[j];
			order[j] = t;
		}
		char prefix[32];
		snprintf(prefix, sizeof prefix, "ord%d:", round);
		send_all(prefix, order, N_CONTRIBS);
		char *got = snapshot(prefix);
		assert_string_equal(got, want);
		free(got);
	}
	/* two sensors with overlapping subsets, concurrently */
	struct sink s1 = open_exporter(srv.url, "two:", NULL, 5000);
	struct sink s2 = open_exporter(srv.url, "two:", NULL, 5000);
	for (int i = 0; i < N_CONTRIBS; i++) {
		if (i <= 5)
			send_agent(&s1, contribs[5 - i]);
		if (i >= 2)
			send_agent(&s2, contribs[i]);
	}
	finish(&s1);
	finish(&s2);
	char *got = snapshot("two:");
	assert_string_equal(got, want);
	free(got);
	free(want);
}

/* Host attributes: the newest observation (version), then the newest
 * inventory (the same packets read again with a changed one), then the
 * larger value; the owner index follows the stored host.owner. */
static void test_host_attributes(void **state)
{
	(void)state;
	NEED_SERVER();
	static const char *const c[] = {
	    "{\"id\":\"eeee000000000005\",\"last\":{\"host.owner\":\"zed\"},\"version\":10}",
	    "{\"id\":\"eeee000000000005\",\"last\":{\"host.owner\":\"amy\"},\"version\":10,\"inventory_time\":5}",
	    "{\"id\":\"eeee000000000005\",\"last\":{\"host.owner\":\"old\"},\"version\":10,\"inventory_time\":3}",
	    "{\"id\":\"eeee000000000005\",\"last\":{\"host.owner\":null},\"version\":12,\"inventory_time\":9}",
	};
	static const int orders[][4] = {{0, 1, 2, 3}, {3, 2, 1, 0}, {1, 3, 0, 2}};
	char *want = NULL;
	for (size_t o = 0; o < sizeof orders / sizeof orders[0]; o++) {
		char prefix[16];
		snprintf(prefix, sizeof prefix, "ha%zu:", o);
		struct sink s = open_exporter(srv.url, prefix, NULL, 5000);
		for (size_t i = 0; i < 4; i++)
			send_agent(&s, c[orders[o][i]]);
		finish(&s);
		char key[64];
		snprintf(key, sizeof key, "%sagent:eeee000000000005", prefix);
		expect_field(key, "host.owner", "amy"); /* a null (unknown) never replaces a value */
		char *got = snapshot(prefix);
		assert_non_null(strstr(got, "owner:amy\teeee000000000005\n"));
		assert_null(strstr(got, "owner:zed"));
		assert_null(strstr(got, "owner:old"));
		if (want)
			assert_string_equal(got, want);
		free(want);
		want = got;
	}
	free(want);
	/* a later observation wins whatever its inventory */
	struct sink s = open_exporter(srv.url, "ha0:", NULL, 5000);
	send_agent(&s, "{\"id\":\"eeee000000000005\",\"last\":{\"host.owner\":\"bea\"},\"version\":11}");
	finish(&s);
	expect_field("ha0:agent:eeee000000000005", "host.owner", "bea");
	expect_field("ha0:agent:eeee000000000005:versions", "host.owner", "11");
	redisReply *r = cmd("EXISTS ha0:owner:amy");
	assert_int_equal(r->integer, 0);
	freeReplyObject(r);
}

static void test_invalid_contributions(void **state)
{
	(void)state;
	NEED_SERVER();
	static const char *bad[] = {
	    "not json",
	    "[1,2]",
	    "{\"set\":{\"kind\":\"x\"}}",
	    "{\"id\":\"has space\"}",
	    "{\"id\":\"abc\",\"surprise\":1}",
	    "{\"id\":\"abc\",\"add\":{\"f\":\"1\"}}",
	    "{\"id\":\"abc\",\"add\":{\"f\":1.5}}",
	    "{\"id\":\"abc\",\"union\":{\"f\":\"x\"}}",
	    "{\"id\":\"abc\",\"union\":{\"f\":[1]}}",
	    "{\"id\":\"abc\",\"set\":{\"f\":{\"nested\":1}}}",
	    "{\"id\":\"abc\",\"set\":{\"\":\"x\"}}",
	    "{\"id\":\"abc\",\"set\":[]}",
	    "{\"id\":\"abc\",\"dedupe\":5}",
	    "{\"id\":\"abc\",\"id\":\"def\"}",
	    /* the path grammar (exporter/flatpath) */
	    "{\"id\":\"abc\",\"set\":{\"a..b\":\"x\"}}",
	    "{\"id\":\"abc\",\"set\":{\"tools[x\":\"x\"}}",
	    "{\"id\":\"abc\",\"set\":{\"tools]x\":\"x\"}}",
	    "{\"id\":\"abc\",\"max\":{\"a.\":1}}",
	    /* last: a scalar or an array of strings, ordered by a version */
	    "{\"id\":\"abc\",\"last\":{\"f\":{\"o\":1}},\"version\":1}",
	    "{\"id\":\"abc\",\"last\":{\"f\":[1]},\"version\":1}",
	    "{\"id\":\"abc\",\"last\":{\"f\":\"x\"},\"version\":-1}",
	    "{\"id\":\"abc\",\"last\":{\"f\":\"x\"},\"version\":\"7\"}",
	    "{\"id\":\"abc\",\"last\":{\"f\":\"x\"},\"version\":1,\"inventory_time\":-1}",
	};
	struct sink s = open_exporter(srv.url, "bad:", NULL, 5000);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(s.ops->agent(s.self, bad[i], strlen(bad[i])), AS_ERR_MALFORMED);
	struct redis_stats st;
	assert_int_equal(redis_get_stats(&s, &st), AS_OK);
	assert_int_equal(st.rejected[REDIS_REC_AGENT], sizeof bad / sizeof bad[0]);
	assert_true(st.last_error[0] != '\0');
	finish(&s);
	redisReply *r = cmd("KEYS bad:agent*");
	assert_int_equal(r->elements, 0);
	freeReplyObject(r);
}

static void test_events_stream(void **state)
{
	(void)state;
	NEED_SERVER();
	struct redis_config c = {.url = srv.url, .prefix = "ev:", .stream_maxlen = 50, .spool_fsync = SPOOL_FSYNC_BATCH};
	struct sink s;
	char err[512];
	assert_int_equal(redis_open(&c, &s, err, sizeof err), AS_OK);
	for (int i = 0; i < 1000; i++) {
		char ev[64];
		snprintf(ev, sizeof ev, "{\"n\":%d}", i);
		send_event(&s, ev);
	}
	finish(&s);
	redisReply *r = cmd("XLEN ev:events");
	assert_true(r->integer >= 50 && r->integer < 1000);
	freeReplyObject(r);
	r = cmd("XREVRANGE ev:events + - COUNT 1");
	assert_int_equal(r->elements, 1);
	redisReply *f = r->element[0]->element[1];
	assert_string_equal(f->element[0]->str, "json");
	assert_string_equal(f->element[1]->str, "{\"n\":999}");
	freeReplyObject(r);
}

/* Events with an event.id reach the stream once, whichever exporter
 * instance (process, sensor, replay) sends them; events without one are
 * added every time. */
static void test_events_dedupe(void **state)
{
	(void)state;
	NEED_SERVER();
	static const char *const no_id[] = {"{\"n\":1}", "{\"event\":{\"kind\":\"event\"}}",
					    "{\"event\":{\"id\":7}}", "{\"event\":{\"id\":\"\"}}",
					    "{\"event\":{\"id\":\"a\\u0000b\"}}"};
	enum { WITH_ID = 10, NO_ID = sizeof no_id / sizeof no_id[0] };
	for (int pass = 0; pass < 2; pass++) {
		struct redis_config c = {.url = srv.url,
					 .prefix = "dd:",
					 .event_dedupe_ttl_s = 120,
					 .spool_fsync = SPOOL_FSYNC_BATCH};
		struct sink s;
		char err[512];
		assert_int_equal(redis_open(&c, &s, err, sizeof err), AS_OK);
		for (int i = 0; i < WITH_ID; i++) {
			char ev[128];
			snprintf(ev, sizeof ev, "{\"@timestamp\":\"2026-11-28T09:00:00Z\",\"event\":{\"id\":\"ev-%d\"}}",
				 i);
			send_event(&s, ev);
		}
		for (size_t i = 0; i < NO_ID; i++)
			send_event(&s, no_id[i]);
		assert_int_equal(s.ops->flush(s.self), AS_OK);
		struct redis_stats st;
		assert_int_equal(redis_get_stats(&s, &st), AS_OK);
		assert_int_equal(st.written[REDIS_REC_EVENT], WITH_ID + NO_ID);
		assert_int_equal(st.duplicates, pass ? WITH_ID : 0);
		finish(&s);
		redisReply *r = cmd("XLEN dd:events");
		assert_int_equal(r->integer, WITH_ID + NO_ID * (pass + 1));
		freeReplyObject(r);
	}
	redisReply *r = cmd("TTL dd:evseen:ev-3");
	assert_true(r->integer > 60 && r->integer <= 120);
	freeReplyObject(r);
	r = cmd("KEYS dd:evseen:*");
	assert_int_equal(r->elements, WITH_ID);
	freeReplyObject(r);
}

/* The mark a failover check looks for is an event's number under its
 * sequence key, with or without the key of its event.id among the keys. */
static void test_event_mark(void **state)
{
	(void)state;
	static const char *const ev[] = {"{\"n\":1}", "{\"event\":{\"id\":\"ev-1\"}}"};
	for (size_t i = 0; i < 2; i++) {
		struct redis_args a = {0};
		assert_int_equal(redis_args_event(ev[i], strlen(ev[i]), "inst", 42, "p:", "sha", 100, 60, 60, &a), AS_OK);
		struct redis_mark m;
		assert_true(redis_args_applied(&a, true, &m));
		assert_string_equal(m.key, "p:events:seq:inst");
		assert_string_equal(m.id, "42");
		redis_args_free(&a);
	}
}

static void test_heartbeat(void **state)
{
	(void)state;
	NEED_SERVER();
	struct redis_config c = {.url = srv.url,
				 .prefix = "hb:",
				 .sensor_name = "edge-1",
				 .heartbeat_interval_s = 5,
				 .spool_fsync = SPOOL_FSYNC_BATCH};
	struct sink s;
	char err[512];
	assert_int_equal(redis_open(&c, &s, err, sizeof err), AS_OK);
	send_event(&s, "{\"a\":1}");
	assert_int_equal(s.ops->flush(s.self), AS_OK);
	struct redis_heartbeat hb = {.packets = 42};
	redis_heartbeat(&s, &hb);
	char *v = NULL;
	for (int i = 0; i < 200; i++) {
		free(v);
		v = hget("hb:sensor:edge-1", "packets");
		if (v && !strcmp(v, "42"))
			break;
		usleep(10000);
	}
	assert_non_null(v);
	assert_string_equal(v, "42");
	free(v);
	static const char *fields[] = {"version", "started", "last_heartbeat", "events_sent", "events_duplicate",
				       "contributions_sent", "spooled", "dropped", "backlog"};
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		char *f = hget("hb:sensor:edge-1", fields[i]);
		assert_non_null(f);
		free(f);
	}
	expect_field("hb:sensor:edge-1", "events_sent", "1");
	redisReply *r = cmd("TTL hb:sensor:edge-1");
	assert_true(r->integer > 0 && r->integer <= 15);
	freeReplyObject(r);
	finish(&s);
}

static void expect_open_fails(const char *url, const char *secret, const char *must_contain)
{
	struct redis_config c = {.url = url, .connect_timeout_ms = 1000, .spool_fsync = SPOOL_FSYNC_BATCH};
	struct sink s;
	char err[1024] = "";
	int r = redis_open(&c, &s, err, sizeof err);
	print_message("open %s -> %s\n", must_contain, err);
	assert_true(r < 0);
	assert_true(err[0] != '\0');
	if (secret)
		assert_null(strstr(err, secret));
	if (must_contain)
		assert_non_null(strstr(err, must_contain));
}

static void test_open_failures(void **state)
{
	(void)state;
	NEED_SERVER();
	struct redis_harness pw;
	assert_true(rh_start(&pw, false, "Right-Pass-1"));
	char url[512];
	snprintf(url, sizeof url, "unix://:Wrong-Pass-9@%s", pw.sock);
	expect_open_fails(url, "Wrong-Pass-9", "authentication failed");
	snprintf(url, sizeof url, "unix://%s", pw.sock);
	expect_open_fails(url, NULL, "NOAUTH");
	snprintf(url, sizeof url, "unix://:Right-Pass-1@%s?db=1", pw.sock);
	struct sink s = open_exporter(url, "pw:", NULL, 5000);
	send_agent(&s, contribs[0]);
	finish(&s);
	/* an ACL user */
	redisContext *c = rh_connect(&pw);
	redisReply *r = redisCommand(c, "ACL SETUSER sensor1 on >Acl-Pass-2 ~aisensor:* +@all");
	assert_int_equal(r->type, REDIS_REPLY_STATUS);
	freeReplyObject(r);
	redisFree(c);
	snprintf(url, sizeof url, "unix://sensor1:Acl-Pass-2@%s", pw.sock);
	s = open_exporter(url, NULL, NULL, 5000);
	send_agent(&s, contribs[0]);
	finish(&s);
	snprintf(url, sizeof url, "unix://sensor1:Bad-Acl-7@%s", pw.sock);
	expect_open_fails(url, "Bad-Acl-7", "unix://sensor1:***@");
	rh_stop(&pw);
	expect_open_fails("redis://:Some-Pass-3@no-such-host.invalid:6379", "Some-Pass-3", "cannot connect");
	expect_open_fails("redis://:Some-Pass-3@127.0.0.1:1", "Some-Pass-3", "redis://:***@127.0.0.1:1");
	expect_open_fails("unix:///nonexistent/redis.sock", NULL, "cannot connect");
	expect_open_fails("rediss://h", NULL, "TLS to Redis not supported");
}

/* The records of the outage tests: contributions to 10 agents and events. */
static void outage_record(int i, char *agent, size_t an, char *event, size_t en)
{
	snprintf(agent, an,
		 "{\"id\":\"eeee00000000%04d\",\"dedupe\":\"flow|%d\","
		 "\"min\":{\"first_seen\":\"2026-11-28T09:%02d:%02d.000Z\"},"
		 "\"max\":{\"last_seen\":\"2026-11-28T09:%02d:%02d.000Z\"},"
		 "\"set\":{\"kind\":\"llm-api-client\",\"host.ip\":\"10.9.0.%d\"},"
		 "\"add\":{\"evidence.flows\":1,\"destinations[x|h:443|tls].bytes\":%d},"
		 "\"union\":{\"fingerprints.ja4\":[\"j%d\"]}}",
		 i % 10, i, i / 60, i % 60, i / 60, i % 60, i % 10, i, i % 7);
	snprintf(event, en, "{\"@timestamp\":\"2026-11-28T09:00:00Z\",\"n\":%d}", i);
}

static void send_range(struct sink *s, int from, int to)
{
	for (int i = from; i < to; i++) {
		char a[1024], e[128];
		outage_record(i, a, sizeof a, e, sizeof e);
		send_agent(s, a);
		send_event(s, e);
	}
}

static char *snapshot_of(struct redis_harness *h, const char *prefix)
{
	redisContext *c = rh_connect(h);
	assert_non_null(c);
	char *snap = rh_snapshot(c, prefix);
	redisFree(c);
	return snap;
}

static void test_outage_mid_run(void **state)
{
	(void)state;
	NEED_SERVER();
	struct redis_harness p;
	assert_true(rh_start(&p, true, NULL));
	const int N = 400;
	/* the reference: no outage */
	struct sink s = open_exporter(p.url, "ref:", NULL, 5000);
	send_range(&s, 0, N);
	finish(&s);
	char spool[300];
	snprintf(spool, sizeof spool, "%s/spool", p.dir);
	s = open_exporter(p.url, "out:", spool, 15000);
	send_range(&s, 0, N / 2);
	usleep(20000);
	rh_signal(&p, SIGKILL); /* some records are in flight */
	send_range(&s, N / 2, N);
	usleep(300000); /* the exporter notices, spools, retries */
	struct redis_stats st;
	assert_int_equal(redis_get_stats(&s, &st), AS_OK);
	assert_false(st.connected);
	assert_true(rh_launch(&p)); /* same directory: the AOF brings the data back */
	assert_int_equal(s.ops->flush(s.self), AS_OK);
	assert_int_equal(redis_shutdown(&s, &st), AS_OK);
	char line[1024];
	redis_stats_format(&st, line, sizeof line);
	print_message("%s\n", line);
	assert_true(st.reconnects >= 1);
	assert_true(st.spooled[REDIS_REC_AGENT] + st.spooled[REDIS_REC_EVENT] > 0);
	assert_int_equal(st.spool_pending, 0);
	s.ops->close(s.self);
	char *want = snapshot_of(&p, "ref:"), *got = snapshot_of(&p, "out:");
	assert_string_equal(got, want);
	redisContext *c = rh_connect(&p);
	redisReply *r = redisCommand(c, "XLEN out:events");
	assert_int_equal(r->integer, N);
	freeReplyObject(r);
	redisFree(c);
	free(want);
	free(got);
	rh_stop(&p);
}

static void test_spool_full(void **state)
{
	(void)state;
	NEED_SERVER();
	struct redis_harness p;
	assert_true(rh_start(&p, false, NULL));
	char spool[300];
	snprintf(spool, sizeof spool, "%s/spool", p.dir);
	struct redis_config c = {.url = p.url,
				 .spool_dir = spool,
				 .spool_max_bytes = 32768,
				 .spool_segment_bytes = 8192,
				 .spool_fsync = SPOOL_FSYNC_BATCH,
				 .drain_timeout_ms = 300};
	struct sink s;
	char err[512];
	assert_int_equal(redis_open(&c, &s, err, sizeof err), AS_OK);
	rh_signal(&p, SIGKILL);
	send_range(&s, 0, 300);
	assert_int_equal(s.ops->flush(s.self), AS_ERR_CONNECT);
	struct redis_stats st;
	assert_int_equal(redis_shutdown(&s, &st), AS_ERR_CONNECT);
	s.ops->close(s.self);
	char line[1024];
	redis_stats_format(&st, line, sizeof line);
	print_message("%s\n", line);
	uint64_t dropped = st.dropped_spool[REDIS_REC_AGENT] + st.dropped_spool[REDIS_REC_EVENT];
	uint64_t spooled = st.spooled[REDIS_REC_AGENT] + st.spooled[REDIS_REC_EVENT];
	assert_true(dropped > 0);
	assert_int_equal(dropped + spooled, 600);
	assert_int_equal(st.spool_pending, spooled);
	assert_true(st.spool_bytes <= 32768);
	assert_non_null(strstr(line, "spool full"));
	rh_stop(&p);
}

/* A replay's exporter (lossless) waits for room in a full queue: a queue
 * of 4 records takes 2,000 without dropping one. With Redis gone and no
 * spool it gives up after the drain timeout once, then drops at once
 * (counted): a replay never hangs on it. */
static void test_lossless_queue(void **state)
{
	(void)state;
	NEED_SERVER();
	struct redis_harness p;
	assert_true(rh_start(&p, false, NULL));
	struct redis_config c = {.url = p.url, .prefix = "ll:", .queue_records = 4, .lossless = true,
				 .drain_timeout_ms = 400, .spool_fsync = SPOOL_FSYNC_BATCH};
	struct sink s;
	char err[512];
	assert_int_equal(redis_open(&c, &s, err, sizeof err), AS_OK);
	send_range(&s, 0, 1000);
	assert_int_equal(s.ops->flush(s.self), AS_OK);
	struct redis_stats st;
	assert_int_equal(redis_get_stats(&s, &st), AS_OK);
	assert_int_equal(st.written[REDIS_REC_EVENT] + st.written[REDIS_REC_AGENT], 2000);
	assert_int_equal(st.dropped_queue[REDIS_REC_EVENT] + st.dropped_queue[REDIS_REC_AGENT], 0);

	rh_signal(&p, SIGKILL);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 200; i++) {
		char e[64];
		snprintf(e, sizeof e, "{\"gone\":%d}", i);
		s.ops->event(s.self, e, strlen(e)); /* queued, or dropped once stalled */
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	assert_true(secs < 5.0); /* one drain timeout (0.4 s), not one per record */
	assert_int_equal(redis_shutdown(&s, &st), AS_ERR_CONNECT); /* the undelivered are counted */
	s.ops->close(s.self);
	assert_true(st.dropped_queue[REDIS_REC_EVENT] >= 190);
	rh_stop(&p);
}

static void test_spool_across_processes(void **state)
{
	(void)state;
	NEED_SERVER();
	struct redis_harness p;
	assert_true(rh_start(&p, false, NULL));
	char spool[300];
	snprintf(spool, sizeof spool, "%s/spool", p.dir);
	struct sink s = open_exporter(p.url, "sp:", spool, 300);
	rh_signal(&p, SIGKILL);
	send_range(&s, 0, 30);
	struct redis_stats st;
	assert_int_equal(redis_shutdown(&s, &st), AS_ERR_CONNECT);
	s.ops->close(s.self);
	assert_int_equal(st.spool_pending, 60);
	/* a fresh, empty server; the next process replays the spool */
	assert_true(rh_launch(&p));
	s = open_exporter(p.url, "sp:", spool, 10000);
	assert_int_equal(s.ops->flush(s.self), AS_OK);
	assert_int_equal(redis_shutdown(&s, &st), AS_OK);
	s.ops->close(s.self);
	assert_int_equal(st.replayed[REDIS_REC_AGENT], 30);
	assert_int_equal(st.replayed[REDIS_REC_EVENT], 30);
	s = open_exporter(p.url, "spref:", NULL, 5000);
	send_range(&s, 0, 30);
	finish(&s);
	char *want = snapshot_of(&p, "spref:"), *got = snapshot_of(&p, "sp:");
	assert_string_equal(got, want);
	free(want);
	free(got);
	rh_stop(&p);
}

int main(void)
{
	make_contribs();
	struct cases t = {0};
	for (size_t i = 0; i < sizeof url_cases / sizeof url_cases[0]; i++)
		CASE_ROW(&t, test_url, &url_cases[i], "%02zu %s", i, url_cases[i].url);
	CASE(&t, test_upsert_one);
	CASE(&t, test_upsert_twice_and_noscript);
	CASE(&t, test_upsert_commutative);
	CASE(&t, test_host_attributes);
	CASE(&t, test_invalid_contributions);
	CASE(&t, test_events_stream);
	CASE(&t, test_events_dedupe);
	CASE(&t, test_event_mark);
	CASE(&t, test_heartbeat);
	CASE(&t, test_open_failures);
	CASE(&t, test_outage_mid_run);
	CASE(&t, test_spool_full);
	CASE(&t, test_lossless_queue);
	CASE(&t, test_spool_across_processes);
	return cases_status(cases_run(&t, "redis exporter", group_setup, group_teardown));
}
