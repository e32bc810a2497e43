/* test_report.c — the audit report (sensor/report): the one escaping
 * function, a page of hostile records that stays inert, the policy's
 * verdict, what changed since a baseline, records of the wrong shape, and
 * the baseline loader's errors. */
#include "cases.h"
#include "audit.h"
#include "html.h"

struct esc_case {
	const char *name, *in, *want;
};

static const struct esc_case esc_cases[] = {
    {"script", "<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"},
    {"attribute", "\"><img src=x onerror=alert(2)>", "&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"},
    {"apostrophe-ampersand", "a'b&c", "a&#39;b&amp;c"},
    {"entity-stays-text", "&lt;", "&amp;lt;"},
    {"controls", "a\x01" "b\x7f" "c\td\ne", "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c\td\ne"},
    {"utf8-kept", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"},
    {"lone-continuation", "a\x80" "b", "a\xef\xbf\xbd" "b"},
    {"overlong", "\xc0\xbc", "\xef\xbf\xbd\xef\xbf\xbd"},
    {"surrogate", "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
    {"cut-sequence", "x\xe2\x82", "x\xef\xbf\xbd\xef\xbf\xbd"},
    {"empty", "", ""},
};

static void test_escape(void **state)
{
	const struct esc_case *c = *state;
	struct html h;
	html_init(&h);
	html_esc(&h, c->in);
	assert_false(h.oom);
	assert_string_equal(h.buf ? h.buf : "", c->want);
	html_free(&h);
}

/* Every string field a record may carry, set to markup. */
static const char hostile_doc[] =
    "{\"sensor\":{\"name\":\"<x1>s</x1>\",\"inputs\":[\"<x2>x.pcap\"]},\"agents\":["
    "{\"agent_id\":\"\\\"><script>alert(3)</script>\",\"kind\":\"llm-api-client\","
    "\"software\":{\"name\":\"<script>alert(1)</script>\",\"version\":\"<svg onload=alert(4)>\","
    "\"user_agent\":\"<script>alert(1)</script>\"},"
    "\"host\":{\"ip\":\"10.0.0.1\",\"hostname\":\"<img src=x>\",\"owner\":\"o'<x3>\",\"team\":\"<x4>\",\"key\":\"<x5>\"},"
    "\"first_seen\":\"2026-11-28T09:00:00.123Z\",\"last_seen\":\"2026-11-28T09:05:00.000Z\","
    "\"destinations\":[{\"service\":\"<svc>\",\"category\":\"llm-api\",\"provider\":\"openai\",\"endpoint\":\"<e>:443\","
    "\"ip\":\"1.2.3.4\",\"port\":443,\"tls\":false,\"flows\":2,\"bytes\":1234,\"models\":[\"\\\"><img src=x onerror=alert(2)>\"]}],"
    "\"mcp\":{\"role\":\"client\",\"servers\":[\"<srv>\"],\"server_agents\":[{\"agent_id\":\"b\",\"name\":\"<n>\",\"endpoint\":\"<ep>\"}],"
    "\"tools_listed\":[{\"name\":\"<tool>\",\"destructive\":true}],\"tools_called\":[{\"name\":\"<tool>\",\"calls\":2}]},"
    "\"oauth\":[{\"issuer\":\"<iss>\",\"client_id\":\"<cid>\",\"client_name\":\"<cn>\",\"scopes\":[\"<sc>\"]}],"
    "\"credentials\":[{\"type\":\"api-key\",\"where\":\"<w>\",\"cleartext\":true,\"fingerprint\":\"hmac-sha256:<f>\"}],"
    "\"fingerprints\":{\"user_agents\":[\"<script>alert(1)</script>\"],\"ja4\":[\"<j>\"]},"
    "\"risks\":[\"<risk>\",\"cleartext-credential\"],\"evidence\":{\"basis\":[\"<basis>\"],\"first_flow\":\"<ff>\"}},"
    "{\"agent_id\":\"b\",\"kind\":\"mcp-server\",\"host\":{\"ip\":\"10.0.0.2\"},"
    "\"mcp\":{\"role\":\"server\",\"endpoint\":\"<ep>\",\"auth\":\"<a>\",\"tools_listed\":[{\"name\":\"<t2>\"}]}}]}";

static char *render(json_t *doc, json_t *baseline, const struct audit_policy *pol, size_t *len)
{
	struct audit_input in = {.doc = doc,
				 .policy = pol,
				 .baseline = baseline,
				 .baseline_name = "<base>.json",
				 .provenance = json_pack("[[ss]]", "<label>", "<value>"),
				 .generated = "2026-12-01T00:00:00.000Z"};
	char *html = NULL;
	assert_int_equal(audit_render(&in, &html, len), AS_OK);
	json_decref(in.provenance);
	return html;
}

/* Outside the page's own <script> element, no element may open but the
 * renderer's: every '<' is followed by a name the renderer writes. */
static void assert_inert(const char *html)
{
	const char *end = strstr(html, "<script>");
	assert_non_null(end);
	assert_null(strstr(end + 8, "<script")); /* one script, the page's */
	static const char *const bad[] = {"<img", "<svg onload", "<x", "<tool>", "<srv>", "<risk>", "<label>",
					  "<value>", "<base>", "'<"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (strstr(html, bad[i]) && strstr(html, bad[i]) < end)
			fail_msg("unescaped %s in the page", bad[i]);
	assert_non_null(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_non_null(strstr(html, "&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"));
}

static void test_hostile_page(void **state)
{
	(void)state;
	json_error_t je;
	json_t *doc = json_loads(hostile_doc, 0, &je);
	assert_non_null(doc);
	size_t len;
	const char *prov[] = {"openai"};
	struct audit_policy pol = {.providers = prov, .n_providers = 1};
	char *html = render(doc, doc, &pol, &len);
	assert_int_equal(strlen(html), len);
	assert_inert(html);
	/* the policy sanctions openai: no unsanctioned-provider risk */
	assert_null(strstr(html, ">unsanctioned-provider<"));
	free(html);
	const char *other[] = {"anthropic"};
	pol.providers = other;
	html = render(doc, NULL, &pol, &len);
	assert_inert(html);
	assert_non_null(strstr(html, ">unsanctioned-provider<"));
	assert_non_null(strstr(html, "not sanctioned"));
	free(html);
	json_decref(doc);
}

/* A baseline: agent b gone, agent c new; agent a keeps its id but gains a
 * destination and a tool, loses a credential. */
static void test_baseline(void **state)
{
	(void)state;
	json_t *was = json_pack("{s[{ss ss s{ss} s[{ss ss}] s[{ss ss sb}]} {ss ss}]}", "agents", "agent_id", "a",
				"kind", "llm-api-client", "host", "ip", "10.0.0.1", "destinations", "service",
				"openai-api", "endpoint", "api.openai.com:443", "credentials", "type", "api-key",
				"fingerprint", "hmac-sha256:gone", "cleartext", 1, "agent_id", "b", "kind", "ai-app");
	json_t *now = json_pack("{s[{ss ss s{ss} s[{ss ss} {ss ss}] s{s[{ss}]}} {ss ss}]}", "agents", "agent_id",
				"a", "kind", "llm-api-client", "host", "ip", "10.0.0.1", "destinations", "service",
				"openai-api", "endpoint", "api.openai.com:443", "service", "groq-api", "endpoint",
				"api.groq.com:443", "mcp", "tools_called", "name", "delete_all", "agent_id", "c", "kind",
				"mcp-client");
	assert_non_null(was);
	assert_non_null(now);
	size_t len;
	char *html = render(now, was, NULL, &len);
	const char *ch = strstr(html, "<section id=changes>");
	assert_non_null(ch);
	/* the counts: What, New, Gone */
	assert_non_null(strstr(ch, "<tr><td>Agents</td><td class=n>1</td><td class=n>1</td></tr>"));
	assert_non_null(strstr(ch, "<tr><td>Destinations</td><td class=n>1</td><td class=n>0</td></tr>"));
	assert_non_null(strstr(ch, "<tr><td>MCP tools</td><td class=n>1</td><td class=n>0</td></tr>"));
	assert_non_null(strstr(ch, "<tr><td>Credentials</td><td class=n>0</td><td class=n>1</td></tr>"));
	assert_non_null(strstr(ch, "groq-api api.groq.com:443"));
	assert_non_null(strstr(ch, "delete_all"));
	assert_non_null(strstr(ch, "api-key in ? hmac-sha256:gone"));
	/* the new agent's card says so */
	const char *card = strstr(html, "id=\"a-c\"");
	assert_non_null(card);
	assert_true(strstr(card, "bdg new") < strstr(card, "</summary>"));
	free(html);
	json_decref(was);
	json_decref(now);
}

/* Records of the wrong shape are rendered as far as they go, never a crash. */
static void test_wrong_shapes(void **state)
{
	(void)state;
	static const char *const docs[] = {
	    "{\"agents\":[1,\"x\",null,{},{\"agent_id\":5},{\"agent_id\":\"\"}]}",
	    /* (one literal each: clang's -Wstring-concatenation) */
	    ("{\"agents\":[{\"agent_id\":\"a\",\"kind\":7,\"host\":[],\"destinations\":{},\"risks\":\"x\","
	     "\"mcp\":{\"tools_listed\":[1,{\"name\":[]}],\"server_agents\":[{}]},\"oauth\":[3],"
	     "\"credentials\":[{\"cleartext\":true}],\"evidence\":{\"basis\":7},\"first_seen\":\"yesterday\"}]}"),
	    ("{\"agents\":[{\"agent_id\":\"a\",\"first_seen\":\"2026-11-28T09:00:00Z\",\"last_seen\":\"2020-01-01T00:00:00Z\"}],"
	     "\"sensor\":{\"packets\":{\"read\":-1},\"inputs\":\"x\"},\"time_range\":7}"),
	};
	for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
		json_t *doc = json_loads(docs[i], 0, NULL);
		assert_non_null(doc);
		size_t len;
		char *html = render(doc, doc, NULL, &len);
		assert_non_null(strstr(html, "</html>"));
		free(html);
		json_decref(doc);
	}
	json_t *none = json_pack("{s{}}", "agents");
	struct audit_input in = {.doc = none};
	char *html;
	size_t len;
	assert_int_equal(audit_render(&in, &html, &len), AS_ERR_MALFORMED);
	json_decref(none);
}

struct load_case {
	const char *name, *text, *want; /* want: the error after "<file>" */
};

static const struct load_case load_cases[] = {
    {"bad-json", "{\"agents\": [\n  {\"agent_id\": }\n", ":2:16: not an inventory: unexpected token near '}'"},
    {"no-agents", "{\"sensor\": {}}", ": not an inventory: no \"agents\" array (an --inventory file is wanted)"},
    {"empty", "", ":1:0: not an inventory: '[' or '{' expected near end of file"},
    {"ok", "{\"agents\": []}", NULL},
};

static void test_load(void **state)
{
	const struct load_case *c = *state;
	char path[64] = "/tmp/aisensor-baseline-XXXXXX", err[512] = "", want[600];
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, c->text, strlen(c->text)), (ssize_t)strlen(c->text));
	close(fd);
	json_t *doc = NULL;
	int r = audit_load_inventory(path, &doc, err, sizeof err);
	unlink(path);
	if (!c->want) {
		assert_int_equal(r, AS_OK);
		json_decref(doc);
		return;
	}
	assert_int_equal(r, AS_ERR_CONFIG);
	snprintf(want, sizeof want, "%s%s", path, c->want);
	assert_string_equal(err, want);
	assert_int_equal(audit_load_inventory("/nonexistent/inv.json", &doc, err, sizeof err), AS_ERR_CONFIG);
	assert_non_null(strstr(err, "/nonexistent/inv.json"));
}

int main(void)
{
	struct cases t = {0};
	CASE_ROWS(&t, test_escape, esc_cases, name);
	CASE(&t, test_hostile_page);
	CASE(&t, test_baseline);
	CASE(&t, test_wrong_shapes);
	CASE_ROWS(&t, test_load, load_cases, name);
	return cases_main(&t, "report");
}
