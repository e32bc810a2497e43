/* redis_fixture.h — what the Redis exporter test and the `aisensor agents`
 * test share: one redis-server for the binary's cases (a missing one is
 * missing(), cases.h), the exporter opened on a URL, and the contributions
 * they send (several agents, orders, unions past the cap). */
#ifndef AS_REDIS_FIXTURE_H
#define AS_REDIS_FIXTURE_H

#include "cases.h"
#include "redis.h"
#include "redis_harness.h"

/* ---- the server a test binary's cases share ---- */

static struct redis_harness srv;
static const char *srv_missing = "redis-server: the group setup did not run";

/* Starts srv for the group; a case that needs it says NEED_SERVER() first. */
static inline int group_setup(void **state)
{
	(void)state;
	if (!rh_available())
		srv_missing = "redis-server: not found in PATH";
	else if (!rh_start(&srv, false, NULL))
		srv_missing = "redis-server: did not start";
	else
		srv_missing = NULL;
	return 0;
}

static inline int group_teardown(void **state)
{
	(void)state;
	rh_stop(&srv);
	return 0;
}

/* No server: a failure in CI, a skip elsewhere (cases.h). */
#define NEED_SERVER()                                                                                        \
	do {                                                                                                 \
		if (srv_missing)                                                                             \
			missing("%s", srv_missing);                                                          \
	} while (0)

/* ---- the exporter on it ---- */

static inline struct sink open_exporter(const char *url, const char *prefix, const char *spool_dir,
					uint32_t drain_ms)
{
	struct redis_config c = {.url = url,
				 .prefix = prefix,
				 .sensor_name = "test",
				 .spool_dir = spool_dir,
				 .spool_fsync = SPOOL_FSYNC_BATCH,
				 .drain_timeout_ms = drain_ms,
				 .connect_timeout_ms = 500,
				 .command_timeout_ms = 1000};
	struct sink s;
	char err[1024] = "";
	int r = redis_open(&c, &s, err, sizeof err);
	if (r != AS_OK)
		print_message("redis_open: %s\n", err);
	assert_int_equal(r, AS_OK);
	return s;
}

static inline void send_agent(struct sink *s, const char *json)
{
	assert_int_equal(s->ops->agent(s->self, json, strlen(json)), AS_OK);
}

static inline void send_event(struct sink *s, const char *json)
{
	assert_int_equal(s->ops->event(s->self, json, strlen(json)), AS_OK);
}

static inline void finish(struct sink *s)
{
	assert_int_equal(s->ops->flush(s->self), AS_OK);
	struct redis_stats st;
	assert_int_equal(redis_shutdown(s, &st), AS_OK);
	s->ops->close(s->self);
}

/* ---- the contributions both tests send ---- */

static const char *contribs[8];
static char ja4_a[8192], ja4_b[8192];

static inline void make_contribs(void)
{
	contribs[0] =
	    "{\"id\":\"aaaa000000000001\",\"dedupe\":\"tcp|10.0.0.1:5000>1.2.3.4:443|1|b:100\","
	    "\"min\":{\"first_seen\":\"2026-11-28T09:00:01.000Z\"},"
	    "\"max\":{\"last_seen\":\"2026-11-28T09:00:02.000Z\",\"software.version\":null,\"software.runtime\":null},"
	    "\"last\":{\"host.hostname\":null},"
	    "\"set\":{\"kind\":\"llm-api-client\",\"software.name\":\"openai-node\",\"host.ip\":\"10.0.0.1\","
	    "\"destinations[openai-api|api.openai.com:443|tls].service\":\"openai-api\","
	    "\"destinations[openai-api|api.openai.com:443|tls].endpoint\":\"api.openai.com:443\","
	    "\"destinations[openai-api|api.openai.com:443|tls].tls\":true,"
	    "\"destinations[openai-api|api.openai.com:443|tls].port\":443},"
	    "\"add\":{\"evidence.flows\":1,\"destinations[openai-api|api.openai.com:443|tls].flows\":1,"
	    "\"destinations[openai-api|api.openai.com:443|tls].bytes\":100},"
	    "\"union\":{\"risks\":[\"static-api-key\"],\"destinations\":[],\"credentials\":[],"
	    "\"destinations[openai-api|api.openai.com:443|tls].models\":[\"gpt-4o\"]},"
	    "\"host_key\":\"52:54:00:12:34:56\"}";
	contribs[1] =
	    "{\"id\":\"aaaa000000000001\",\"dedupe\":\"tcp|10.0.0.1:5001>1.2.3.4:443|2|b:50\","
	    "\"min\":{\"first_seen\":\"2026-11-28T08:59:59.500Z\"},"
	    "\"max\":{\"last_seen\":\"2026-11-28T09:05:00.000Z\",\"software.version\":\"6.9.1\"},"
	    "\"set\":{\"kind\":\"llm-api-client\"},"
	    "\"last\":{\"host.ip\":\"10.0.0.9\",\"host.hostname\":\"ws-1\",\"evidence.partial\":[\"initialize\"]},"
	    "\"version\":100,"
	    "\"add\":{\"evidence.flows\":1,\"destinations[openai-api|api.openai.com:443|tls].bytes\":50},"
	    "\"union\":{\"destinations[openai-api|api.openai.com:443|tls].models\":[\"gpt-4o-mini\",\"gpt-"
	    "4o\"]},"
	    "\"host_key\":\"52:54:00:12:34:56\"}";
	contribs[2] = "{\"id\":\"aaaa000000000001\",\"dedupe\":\"tcp|10.0.0.1:5002>1.2.3.4:443|3|b:7\","
		      "\"max\":{\"software.version\":\"6.10.0\"},"
		      "\"set\":{\"kind\":\"llm-api-client\",\"software.name\":\"openai-node\"},"
		      "\"last\":{\"host.ip\":\"10.0.0.1\",\"evidence.partial\":[]},\"version\":200,"
		      "\"add\":{\"evidence.flows\":2},"
		      "\"union\":{\"risks\":[\"cleartext-credential\",\"static-api-key\"]},"
		      "\"owner\":\"alice@example.com\"}";
	contribs[3] =
	    "{\"id\":\"bbbb000000000002\",\"dedupe\":\"mcp|s1|1\","
	    "\"min\":{\"first_seen\":\"2026-11-28T10:00:00.000Z\"},"
	    "\"max\":{\"last_seen\":\"2026-11-28T10:00:00.000Z\"},"
	    "\"set\":{\"kind\":\"mcp-client\",\"software.name\":\"claude-code\",\"host.ip\":\"10.0.0.2\","
	    "\"mcp.role\":\"client\",\"host.owner\":\"bob@example.com\",\"mcp.tools_listed[delete_record]."
	    "destructive\":true,\"mcp.tools_listed[delete_record].name\":\"delete_record\",\"mcp.tools_"
	    "called[delete_record].name\":\"delete_record\",\"mcp.tools_called[files.read].name\":\"files."
	    "read\"},"
	    "\"add\":{\"mcp.tools_called[delete_record].calls\":1,\"mcp.tools_called[files.read].calls\":3},"
	    "\"union\":{\"mcp.servers\":[\"corp-ops-mcp 2.3.1 @ 10.1.9.20:8931/mcp\"]},"
	    "\"last\":{\"mcp.auth\":\"none\"},\"version\":5,"
	    "\"owner\":\"bob@example.com\",\"host_key\":\"build-07\"}";
	contribs[4] = "{\"id\":\"bbbb000000000002\",\"dedupe\":\"mcp|s1|2\","
		      "\"max\":{\"last_seen\":\"2026-11-28T10:30:00.250Z\"},"
		      "\"last\":{\"mcp.auth\":\"bearer\"},\"version\":5,"
		      "\"set\":{\"kind\":\"mcp-client\"},"
		      "\"add\":{\"mcp.tools_called[delete_record].calls\":2},"
		      "\"owner\":\"bob@example.com\",\"host_key\":\"build-07\"}";
	/* unions past the cap: 0..199 and 100..299 -> the 256 smallest */
	size_t n =
	    (size_t)snprintf(ja4_a, sizeof ja4_a,
			     "{\"id\":\"aaaa000000000001\",\"dedupe\":\"ja4|a\",\"set\":{\"kind\":\"llm-api-"
			     "client\"},\"union\":{\"fingerprints.ja4\":[");
	for (int i = 199; i >= 0; i--)
		n += (size_t)snprintf(ja4_a + n, sizeof ja4_a - n, "\"t13d%03d\"%s", i, i ? "," : "");
	snprintf(ja4_a + n, sizeof ja4_a - n, "]}}");
	n = (size_t)snprintf(
	    ja4_b, sizeof ja4_b,
	    "{\"id\":\"aaaa000000000001\",\"dedupe\":\"ja4|b\",\"union\":{\"fingerprints.ja4\":[");
	for (int i = 100; i < 300; i++)
		n += (size_t)snprintf(ja4_b + n, sizeof ja4_b - n, "\"t13d%03d\"%s", i, i < 299 ? "," : "");
	snprintf(ja4_b + n, sizeof ja4_b - n, "]}}");
	contribs[5] = ja4_a;
	contribs[6] = ja4_b;
	contribs[7] = "{\"id\":\"cccc000000000003\",\"dedupe\":\"x\",\"set\":{\"kind\":\"llm-server\","
		      "\"host.ip\":\"10.0.0.3\",\"server.endpoint\":\"10.0.0.3:11434\"},"
		      "\"max\":{\"last_seen\":\"2026-11-29T00:00:00.000Z\"},\"add\":{\"server.requests\":5}}";
}
#define N_CONTRIBS 8

static inline void send_all(const char *prefix, const int *order, size_t n)
{
	struct sink s = open_exporter(srv.url, prefix, NULL, 5000);
	for (size_t i = 0; i < n; i++)
		send_agent(&s, contribs[order[i]]);
	finish(&s);
}

#endif
