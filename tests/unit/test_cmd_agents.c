/* test_cmd_agents.c — `aisensor agents` (sensor/app) against a registry the
 * Redis exporter filled in a real redis-server: records rebuilt from their
 * fields, the owner/kind/host/since filters, the table, an unreachable
 * server. */
#include <jansson.h>

#include "cmd_agents.h"
#include "redis_fixture.h"

/* Every contribution, once, under the prefix q: of the group's server. */
static int fill_registry(void **state)
{
	group_setup(state);
	if (srv_missing)
		return 0; /* each case says so */
	int all[N_CONTRIBS];
	for (int i = 0; i < N_CONTRIBS; i++)
		all[i] = i;
	send_all("q:", all, N_CONTRIBS);
	return 0;
}

/* `aisensor agents --redis <srv> --prefix q: <args>`: its output (caller frees). */
static char *run_agents(const char *args)
{
	char *argv[32];
	int argc = 0;
	char buf[1024];
	snprintf(buf, sizeof buf, "agents --redis %s --prefix q: %s", srv.url, args);
	for (char *t = strtok(buf, " "); t && argc < 31; t = strtok(NULL, " "))
		argv[argc++] = t;
	argv[argc] = NULL;
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	int rc = cmd_agents(argc, argv, f, stderr);
	fclose(f);
	assert_int_equal(rc, 0);
	return out;
}

/* The records rebuilt from their fields. */
static void test_json_records(void **state)
{
	(void)state;
	NEED_SERVER();
	char *out = run_agents("--json");
	json_error_t je;
	json_t *doc = json_loads(out, 0, &je);
	if (!doc)
		print_message("%s\n%s\n", je.text, out);
	assert_non_null(doc);
	json_t *agents = json_object_get(doc, "agents");
	assert_int_equal(json_array_size(agents), 3);
	json_t *a = NULL;
	for (size_t i = 0; i < 3; i++)
		if (!strcmp(json_string_value(json_object_get(json_array_get(agents, i), "agent_id")),
			    "aaaa000000000001"))
			a = json_array_get(agents, i);
	assert_non_null(a);
	assert_string_equal(json_string_value(json_object_get(a, "kind")), "llm-api-client");
	assert_string_equal(json_string_value(json_object_get(json_object_get(a, "software"), "version")),
			    "6.9.1");
	/* a "last" field: the value of the highest version (redis_fixture.h) */
	assert_string_equal(json_string_value(json_object_get(json_object_get(a, "host"), "ip")), "10.0.0.1");
	/* emptied: omitted, as the record omits it */
	assert_null(json_object_get(json_object_get(a, "evidence"), "partial"));
	/* nulls and empty arrays as the record has them */
	assert_true(json_is_null(json_object_get(json_object_get(a, "software"), "runtime")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(a, "host"), "hostname")), "ws-1");
	assert_true(json_is_array(json_object_get(a, "credentials")));
	assert_int_equal(json_array_size(json_object_get(a, "credentials")), 0);
	json_t *dests = json_object_get(a, "destinations");
	assert_int_equal(json_array_size(dests), 1);
	json_t *d = json_array_get(dests, 0);
	assert_string_equal(json_string_value(json_object_get(d, "endpoint")), "api.openai.com:443");
	assert_int_equal(json_integer_value(json_object_get(d, "bytes")), 150);
	assert_true(json_is_true(json_object_get(d, "tls")));
	assert_int_equal(json_integer_value(json_object_get(d, "port")), 443);
	assert_int_equal(json_array_size(json_object_get(d, "models")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(a, "evidence"), "flows")), 4);
	/* MCP tools: keyed collections become arrays of {name, ...} */
	json_t *b = NULL;
	for (size_t i = 0; i < 3; i++)
		if (!strcmp(json_string_value(json_object_get(json_array_get(agents, i), "agent_id")),
			    "bbbb000000000002"))
			b = json_array_get(agents, i);
	assert_non_null(b);
	json_t *called = json_object_get(json_object_get(b, "mcp"), "tools_called");
	assert_int_equal(json_array_size(called), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(called, 0), "name")),
			    "delete_record");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(called, 0), "calls")), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(called, 1), "name")),
			    "files.read");
	json_t *listed = json_object_get(json_object_get(b, "mcp"), "tools_listed");
	assert_true(json_is_true(json_object_get(json_array_get(listed, 0), "destructive")));
	json_decref(doc);
	free(out);
}

struct filter_case {
	const char *args;
	size_t agents;
};

static const struct filter_case filters[] = {
    {"--owner bob@example.com", 1},
    {"--kind llm-api-client --host 52:54:00:12:34:56", 1},
    {"--since 2026-11-28T10:00:00Z", 2},
};

static void test_filter(void **state)
{
	const struct filter_case *c = *state;
	NEED_SERVER();
	char args[256];
	snprintf(args, sizeof args, "--json %s", c->args);
	char *out = run_agents(args);
	json_t *doc = json_loads(out, 0, NULL);
	assert_non_null(doc);
	assert_int_equal(json_array_size(json_object_get(doc, "agents")), c->agents);
	json_decref(doc);
	free(out);
}

static void test_table(void **state)
{
	(void)state;
	NEED_SERVER();
	char *out = run_agents("");
	print_message("%s", out);
	assert_non_null(strstr(out, "3 agents"));
	assert_non_null(strstr(out, "api.openai.com:443"));
	assert_non_null(strstr(out, "delete_record"));
	assert_non_null(strstr(out, "bob@example.com"));
	free(out);
}

static void test_unreachable(void **state)
{
	(void)state;
	char *argv[] = {"agents", "--redis", "redis://127.0.0.1:1", NULL};
	FILE *devnull = fopen("/dev/null", "w");
	assert_int_equal(cmd_agents(3, argv, devnull, devnull), 1);
	fclose(devnull);
}

int main(void)
{
	make_contribs();
	struct cases t = {0};
	CASE(&t, test_json_records);
	CASE_ROWS(&t, test_filter, filters, args);
	CASE(&t, test_table);
	CASE(&t, test_unreachable);
	return cases_status(cases_run(&t, "aisensor agents", fill_registry, group_teardown));
}
