/* test_http1.c — HTTP/1 dissector: table-driven conversations, each checked
 * at every split point, plus public captures (suricata-verify, Zeek). */
#include "fingerprint.h"
#include "rpc_fixture.h"

/* The conversation table leaves trailing fields (end, no_split) implicit. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

/* ---- conversations ----
 * Feeds are rpc_fixture.h's conv_feed: text with an optional
 * "Content-Length: #" placeholder, or a direction's end. */

#define END(dir) {dir, NULL, 0, true}

struct conv {
	const char *name;
	struct conv_feed feeds[CONV_MAX_FEEDS];
	const char *secrets[4]; /* must appear in no byte of any observation */
	void (*check)(const struct obs_log *log);
	bool no_split;		/* big inputs: one unsplit run only */
};

static void fp_of(const char *secret, char out[AS_FP_HEX + 1])
{
	as_fingerprint(harness_salt, sizeof harness_salt - 1, secret, strlen(secret), out);
}

static const char *sdk_header(const struct obs_header *h, unsigned n, const char *name)
{
	for (unsigned i = 0; i < n; i++)
		if (strcmp(h[i].name, name) == 0)
			return h[i].value;
	return NULL;
}

/* ---- checks, one per conversation ---- */

#define OPENAI_KEY "sk-proj-Abc123def456ghi789jkl012mno345"

static void check_openai(const struct obs_log *log)
{
	assert_int_equal(count_type(log, OBS_HTTP_REQUEST), 1);
	assert_int_equal(count_type(log, OBS_HTTP_EXCHANGE), 1);
	const struct obs_http_request *r = &nth(log, OBS_HTTP_EXCHANGE, 0)->u.http.req;
	assert_string_equal(r->method, "POST");
	assert_string_equal(r->host, "api.openai.com");
	assert_int_equal(r->host_port, 0);
	assert_string_equal(r->path, "/v1/chat/completions");
	assert_string_equal(r->query, "");
	assert_int_equal(r->version, 11);
	assert_string_equal(r->user_agent, "OpenAI/JS 4.77.0");
	assert_string_equal(r->content_type, "application/json");
	assert_string_equal(r->model, "gpt-4o-mini");
	assert_int_equal(r->stream, 0);
	assert_int_equal(r->n_sdk_headers, 3);
	assert_string_equal(r->sdk_headers[0].name, "x-stainless-lang");
	assert_string_equal(r->sdk_headers[0].value, "js");
	assert_string_equal(sdk_header(r->sdk_headers, r->n_sdk_headers, "x-stainless-package-version"), "4.77.0");
	assert_string_equal(sdk_header(r->sdk_headers, r->n_sdk_headers, "openai-organization"), "org-test");
	assert_int_equal(r->n_credentials, 1);
	assert_int_equal(r->credentials[0].where, CRED_AUTH_BEARER);
	assert_int_equal(r->credentials[0].type, CRED_T_API_KEY);
	char fp[AS_FP_HEX + 1];
	fp_of(OPENAI_KEY, fp);
	assert_string_equal(r->credentials[0].fingerprint, fp);
	const struct obs_http_response *s = &nth(log, OBS_HTTP_EXCHANGE, 0)->u.http.resp;
	assert_int_equal(s->status, 200);
	assert_string_equal(s->model, "gpt-4o-mini-2024-07-18");
	assert_int_equal(s->input_tokens, 9);
	assert_int_equal(s->output_tokens, 12);
	assert_false(s->sse);
	assert_string_equal(s->server, "cloudflare");
	assert_int_equal(s->n_sdk_headers, 2);
	assert_string_equal(sdk_header(s->sdk_headers, s->n_sdk_headers, "openai-version"), "2020-10-01");
	assert_null(sdk_header(s->sdk_headers, s->n_sdk_headers, "x-request-id"));
	assert_int_equal(count_type(log, OBS_ANOMALY), 0);
}

static void check_chunked(const struct obs_log *log)
{
	assert_int_equal(count_type(log, OBS_ANOMALY), 0);
	const struct obs_http_request *r = &nth(log, OBS_HTTP_EXCHANGE, 0)->u.http.req;
	assert_string_equal(r->host, "localhost");
	assert_int_equal(r->host_port, 8000);
	assert_string_equal(r->model, "llama3.2");
	assert_int_equal(r->stream, 1);
	assert_int_equal(r->content_length, 78);
	assert_int_equal(r->n_credentials, 0);
	const struct obs_http_response *s = &nth(log, OBS_HTTP_EXCHANGE, 0)->u.http.resp;
	assert_string_equal(s->model, "llama3.2");
	assert_int_equal(s->input_tokens, 11);
	assert_int_equal(s->output_tokens, 22);
	assert_int_equal(s->body_bytes, 135);
	/* the second request after the chunked one is seen too */
	assert_string_equal(nth(log, OBS_HTTP_EXCHANGE, 1)->u.http.req.path, "/v1/models");
	assert_int_equal(nth(log, OBS_HTTP_EXCHANGE, 1)->u.http.resp.status, 404);
}

static void check_pipelined(const struct obs_log *log)
{
	assert_int_equal(count_type(log, OBS_ANOMALY), 0);
	assert_int_equal(count_type(log, OBS_HTTP_REQUEST), 5);
	assert_int_equal(count_type(log, OBS_HTTP_EXCHANGE), 5);
	static const char *paths[] = {"/a", "/b", "/c", "/d", "/e"};
	static const uint16_t status[] = {200, 200, 204, 304, 200};
	static const uint64_t body[] = {5, 0, 0, 0, 3};
	for (size_t i = 0; i < 5; i++) {
		assert_string_equal(nth(log, OBS_HTTP_EXCHANGE, i)->u.http.req.path, paths[i]);
		assert_int_equal(nth(log, OBS_HTTP_EXCHANGE, i)->u.http.resp.status, status[i]);
		assert_int_equal(nth(log, OBS_HTTP_EXCHANGE, i)->u.http.resp.body_bytes, body[i]);
	}
	assert_string_equal(nth(log, OBS_HTTP_EXCHANGE, 1)->u.http.req.method, "HEAD");
	assert_string_equal(nth(log, OBS_HTTP_EXCHANGE, 0)->u.http.req.query, "x=1&y=2");
	assert_int_equal(nth(log, OBS_HTTP_EXCHANGE, 0)->u.http.req.version, 10);
}

#define PIPE_KEY_A "sk-proj-PipelineAaaaaaaaaaaaaaaaaaaa"
#define PIPE_KEY_B "sk-proj-PipelineBbbbbbbbbbbbbbbbbbbb"

/* Two pipelined requests with their own keys and models, answered in
 * order: each exchange pairs a request with its own response, carrying
 * that request's credential and model (a FIFO elsewhere, or "the flow's
 * last request", would give the second request's key to both). */
static void check_pipelined_exchanges(const struct obs_log *log)
{
	assert_int_equal(count_type(log, OBS_ANOMALY), 0);
	assert_int_equal(count_type(log, OBS_HTTP_REQUEST), 2);
	assert_int_equal(count_type(log, OBS_HTTP_EXCHANGE), 2);
	static const char *const keys[] = {PIPE_KEY_A, PIPE_KEY_B};
	static const char *const models[] = {"gpt-4o-mini", "gpt-4.1"};
	static const char *const answered[] = {"gpt-4o-mini-2024-07-18", "gpt-4.1-2025-04-14"};
	for (size_t i = 0; i < 2; i++) {
		const struct obs_http_exchange *x = &nth(log, OBS_HTTP_EXCHANGE, i)->u.http;
		char fp[AS_FP_HEX + 1];
		fp_of(keys[i], fp);
		assert_int_equal(x->id, i + 1);
		assert_int_equal(x->seen, HTTP_SEEN_REQUEST | HTTP_SEEN_RESPONSE);
		assert_int_equal(nth(log, OBS_HTTP_REQUEST, i)->u.http.id, i + 1);
		assert_int_equal(nth(log, OBS_HTTP_REQUEST, i)->u.http.seen, HTTP_SEEN_REQUEST);
		assert_string_equal(nth(log, OBS_HTTP_REQUEST, i)->u.http.req.credentials[0].fingerprint, fp);
		assert_int_equal(x->req.n_credentials, 1);
		assert_string_equal(x->req.credentials[0].fingerprint, fp);
		assert_string_equal(x->req.model, models[i]);
		assert_string_equal(x->resp.model, answered[i]);
		assert_int_equal(x->resp.output_tokens, i + 1);
	}
}

static void check_openai_sse(const struct obs_log *log)
{
	assert_int_equal(count_type(log, OBS_ANOMALY), 0);
	const struct obs_http_request *r = &nth(log, OBS_HTTP_EXCHANGE, 0)->u.http.req;
	assert_int_equal(r->stream, 1);
	assert_string_equal(r->model, "gpt-4o");
	assert_int_equal(r->credentials[0].type, CRED_T_API_KEY);
	const struct obs_http_response *s = &nth(log, OBS_HTTP_EXCHANGE, 0)->u.http.resp;
	assert_true(s->sse);
	assert_string_equal(s->content_type, "text/event-stream; charset=utf-8");
	assert_string_equal(s->model, "gpt-4o-2024-08-06");
	assert_int_equal(s->input_tokens, 17);
	assert_int_equal(s->output_tokens, 3);
}

#define ANTHROPIC_KEY "sk-ant-api03-AAAABBBBCCCCDDDDEEEEFFFF0000"

static void check_anthropic(const struct obs_log *log)
{
	assert_int_equal(count_type(log, OBS_ANOMALY), 0);
	const struct obs_http_request *r = &nth(log, OBS_HTTP_EXCHANGE, 0)->u.http.req;
	assert_string_equal(r->path, "/v1/messages");
	assert_string_equal(r->model, "claude-sonnet-4-5");
	assert_int_equal(r->n_credentials, 1);
	assert_int_equal(r->credentials[0].where, CRED_X_API_KEY);
	assert_int_equal(r->credentials[0].type, CRED_T_API_KEY);
	assert_string_equal(sdk_header(r->sdk_headers, r->n_sdk_headers, "anthropic-version"), "2023-06-01");
	assert_string_equal(sdk_header(r->sdk_headers, r->n_sdk_headers, "x-app"), "cli");
	const struct obs_http_response *s = &nth(log, OBS_HTTP_EXCHANGE, 0)->u.http.resp;
	assert_true(s->sse);
	assert_string_equal(s->model, "claude-sonnet-4-5-20250929");
	assert_int_equal(s->input_tokens, 472);
	assert_int_equal(s->output_tokens, 15);
	assert_string_equal(sdk_header(s->sdk_headers, s->n_sdk_headers, "anthropic-organization-id"),
			    "0a1b2c3d-0000-0000-0000-000000000000");
}

static void check_ollama(const struct obs_log *log)
{
	assert_int_equal(count_type(log, OBS_ANOMALY), 0);
	const struct obs_http_request *r = &nth(log, OBS_HTTP_EXCHANGE, 0)->u.http.req;
	assert_int_equal(r->host_port, 11434);
	assert_string_equal(r->model, "llama3.2");
	assert_int_equal(r->stream, -1);
	const struct obs_http_response *s = &nth(log, OBS_HTTP_EXCHANGE, 0)->u.http.resp;
	assert_false(s->sse);
	assert_string_equal(s->content_type, "application/x-ndjson");
	assert_string_equal(s->model, "llama3.2");
	assert_int_equal(s->input_tokens, 26);
	assert_int_equal(s->output_tokens, 259);
}

#define GEMINI_KEY "AIzaSyA-1234567890abcdefghijklmnopqrstu"

static void check_gemini(const struct obs_log *log)
{
	assert_int_equal(count_type(log, OBS_ANOMALY), 0);
	const struct obs_http_request *r = &nth(log, OBS_HTTP_EXCHANGE, 0)->u.http.req;
	assert_string_equal(r->host, "generativelanguage.googleapis.com");
	assert_string_equal(r->path, "/v1beta/models/gemini-2.0-flash:generateContent");
	char fp[AS_FP_HEX + 1], want[AS_STR_LONG];
	fp_of(GEMINI_KEY, fp);
	snprintf(want, sizeof want, "alt=json&KEY=hmac:%s&x", fp);
	assert_string_equal(r->query, want);
	assert_int_equal(r->n_credentials, 1);
	assert_int_equal(r->credentials[0].where, CRED_QUERY_KEY);
	assert_int_equal(r->credentials[0].type, CRED_T_API_KEY);
	assert_string_equal(r->credentials[0].fingerprint, fp);
	assert_string_equal(sdk_header(r->sdk_headers, r->n_sdk_headers, "x-goog-api-client"), "genai-js/1.0.0");
	const struct obs_http_response *s = &nth(log, OBS_HTTP_EXCHANGE, 0)->u.http.resp;
	assert_string_equal(s->model, "gemini-2.0-flash-001");
	assert_int_equal(s->input_tokens, 8);
	assert_int_equal(s->output_tokens, 40);
}

static void check_basic(const struct obs_log *log)
{
	const struct obs_http_request *r = &nth(log, OBS_HTTP_EXCHANGE, 0)->u.http.req;
	assert_int_equal(r->n_credentials, 2);
	assert_int_equal(r->credentials[0].where, CRED_AUTH_BASIC);
	assert_int_equal(r->credentials[0].type, CRED_T_PASSWORD);
	char fp[AS_FP_HEX + 1];
	fp_of("YWxpY2U6czNjcjN0", fp);
	assert_string_equal(r->credentials[0].fingerprint, fp);
	assert_int_equal(r->credentials[1].where, CRED_COOKIE);
	assert_int_equal(r->credentials[1].type, CRED_T_COOKIE);
	assert_string_equal(r->host, "::1");
	assert_int_equal(r->host_port, 8080);
	assert_string_equal(r->query, "token=");
}

static void check_jwt(const struct obs_log *log)
{
	const struct obs_http_request *r = &nth(log, OBS_HTTP_EXCHANGE, 0)->u.http.req;
	assert_int_equal(r->n_credentials, 2);
	assert_int_equal(r->credentials[0].where, CRED_AUTH_BEARER);
	assert_int_equal(r->credentials[0].type, CRED_T_JWT);
	assert_int_equal(r->credentials[1].where, CRED_X_GOOG_API_KEY);
	assert_int_equal(r->credentials[1].type, CRED_T_API_KEY); /* named as a key: a key, whatever its shape */
	assert_true(has_anomaly(log, "credentials_over_cap"));
	/* 100 Continue is interim: one final response */
	assert_int_equal(count_type(log, OBS_HTTP_EXCHANGE), 1);
	assert_int_equal(nth(log, OBS_HTTP_EXCHANGE, 0)->u.http.resp.status, 201);
}

static void check_header_cap(const struct obs_log *log)
{
	assert_true(has_anomaly(log, "header_too_large"));
	assert_int_equal(count_type(log, OBS_HTTP_REQUEST), 1); /* the partial head is flushed */
}

static void check_garbage(const struct obs_log *log)
{
	assert_true(has_anomaly(log, "bad_request_line"));
	assert_int_equal(count_type(log, OBS_HTTP_EXCHANGE), 0);
}

static void check_bad_status(const struct obs_log *log)
{
	assert_true(has_anomaly(log, "bad_status_line"));
	assert_int_equal(count_type(log, OBS_HTTP_REQUEST), 1);
}

static void check_bad_chunk(const struct obs_log *log)
{
	assert_true(has_anomaly(log, "bad_chunk"));
	assert_int_equal(count_type(log, OBS_HTTP_EXCHANGE), 1);
}

static void check_until_close(const struct obs_log *log)
{
	const struct obs_http_response *s = &nth(log, OBS_HTTP_EXCHANGE, 0)->u.http.resp;
	assert_int_equal(s->version, 10);
	assert_int_equal(s->body_bytes, 29);
	assert_string_equal(s->model, "m1");
	assert_int_equal(count_type(log, OBS_ANOMALY), 0);
}

static void check_unfinished_sse(const struct obs_log *log)
{
	assert_int_equal(count_type(log, OBS_HTTP_EXCHANGE), 1);
	const struct obs_http_response *s = &nth(log, OBS_HTTP_EXCHANGE, 0)->u.http.resp;
	assert_string_equal(s->model, "gpt-4o-mini");
	assert_int_equal(s->output_tokens, 0);
	assert_int_equal(count_type(log, OBS_ANOMALY), 0); /* until close: a normal end */
}

static void check_websocket(const struct obs_log *log)
{
	assert_true(nth(log, OBS_HTTP_EXCHANGE, 0)->u.http.req.upgrade_websocket);
	assert_int_equal(nth(log, OBS_HTTP_EXCHANGE, 0)->u.http.resp.status, 101);
	assert_int_equal(count_type(log, OBS_ANOMALY), 0);
}

static void check_over_peek(const struct obs_log *log)
{
	assert_true(has_anomaly(log, "body_over_peek_cap"));
	const struct obs_http_request *r = &nth(log, OBS_HTTP_EXCHANGE, 0)->u.http.req;
	assert_string_equal(r->model, "");
	assert_int_equal(r->content_length, AS_HTTP_BODY_PEEK + 100);
	assert_string_equal(nth(log, OBS_HTTP_EXCHANGE, 1)->u.http.req.model, "small");
}

/* ---- the conversations ---- */

static char big_body_conv[AS_HTTP_BODY_PEEK + 512];
static char big_header_conv[AS_HTTP_MAX_HEADER_BYTES + 512];

static const struct conv convs[] = {
	{"openai chat, bearer key, stainless headers",
	 {{DIR_TO_SERVER, "POST /v1/chat/completions HTTP/1.1\r\n"
			  "Host: api.openai.com\r\n"
			  "Authorization: Bearer " OPENAI_KEY "\r\n"
			  "Content-Type: application/json\r\n"
			  "User-Agent: OpenAI/JS 4.77.0\r\n"
			  "X-Stainless-Lang: js\r\n"
			  "x-stainless-package-version: 4.77.0\r\n"
			  "OpenAI-Organization: org-test\r\n"
			  "Content-Length: #\r\n\r\n"
			  "{\"model\":\"gpt-4o-mini\",\"stream\":false,\"messages\":[{\"role\":\"user\","
			  "\"content\":\"Say hi\"}],\"key\":\"" OPENAI_KEY "\"}\x01"},
	  {DIR_TO_CLIENT, "HTTP/1.1 200 OK\r\n"
			  "Date: Tue, 01 Jan 2025 00:00:00 GMT\r\n"
			  "Content-Type: application/json\r\n"
			  "openai-version: 2020-10-01\r\n"
			  "openai-processing-ms: 321\r\n"
			  "x-request-id: req_123\r\n"
			  "Server: cloudflare\r\n"
			  "Content-Length: #\r\n\r\n"
			  "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"model\":\"gpt-4o-mini-2024-07-18\","
			  "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Hi!\"}}],"
			  "\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":12,\"total_tokens\":21}}\x01"}},
	 {OPENAI_KEY},
	 check_openai},
	{"chunked request and response, extensions and trailers",
	 {{DIR_TO_SERVER, "POST /v1/chat/completions HTTP/1.1\r\n"
			  "Host: LocalHost:8000\r\n"
			  "Transfer-Encoding: chunked\r\n"
			  "Content-Type: application/json\r\n\r\n"
			  "14;ext=0\r\n"
			  "{\"model\":\"llama3.2\",\r\n"
			  "1e;ext=1\r\n"
			  "\"stream\":true,\"messages\":[{\"ro\r\n"
			  "1c;ext=2\r\n"
			  "le\":\"user\",\"content\":\"hi\"}]}\r\n"
			  "0\r\n"
			  "X-Trailer: 1\r\n"
			  "\r\n"
			  "GET /v1/models HTTP/1.1\r\nHost: localhost:8000\r\n\r\n"},
	  {DIR_TO_CLIENT, "HTTP/1.1 200 OK\r\n"
			  "Content-Type: application/json\r\n"
			  "Transfer-Encoding: gzip, chunked\r\n\r\n"
			  "28\r\n"
			  "{\"id\":\"chatcmpl-1\",\"object\":\"chat.comple\r\n"
			  "5f\r\n"
			  "tion\",\"model\":\"llama3.2\",\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":22,"
			  "\"total_tokens\":33}}\r\n"
			  "0\r\n"
			  "\r\n"
			  "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"}},
	 {NULL},
	 check_chunked},
	{"pipelined requests, HEAD, 204, 304",
	 {{DIR_TO_SERVER, "GET /a?x=1&y=2 HTTP/1.0\r\nHost: h\r\n\r\n"
			  "HEAD /b HTTP/1.1\r\nHost: h\r\n\r\n"
			  "\r\n" /* stray CRLF between messages is tolerated */
			  "DELETE /c HTTP/1.1\r\nHost: h\r\n\r\n"
			  "GET /d HTTP/1.1\r\nHost: h\r\nIf-None-Match: \"x\"\r\n\r\n"
			  "PUT /e HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nabcd"},
	  {DIR_TO_CLIENT, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
			  "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"
			  "HTTP/1.1 204 No Content\r\n\r\n"
			  "HTTP/1.1 304 Not Modified\r\nContent-Length: 77\r\n\r\n"
			  "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nok\n"}},
	 {NULL},
	 check_pipelined},
	{"pipelined requests with their own keys and models",
	 {{DIR_TO_SERVER, "POST /v1/chat/completions HTTP/1.1\r\nHost: api.openai.com\r\n"
			  "Authorization: Bearer " PIPE_KEY_A "\r\nContent-Type: application/json\r\n"
			  "Content-Length: #\r\n\r\n{\"model\":\"gpt-4o-mini\",\"messages\":[]}\x01"
			  "POST /v1/chat/completions HTTP/1.1\r\nHost: api.openai.com\r\n"
			  "Authorization: Bearer " PIPE_KEY_B "\r\nContent-Type: application/json\r\n"
			  "Content-Length: #\r\n\r\n{\"model\":\"gpt-4.1\",\"messages\":[]}\x01"},
	  {DIR_TO_CLIENT, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: #\r\n\r\n"
			  "{\"model\":\"gpt-4o-mini-2024-07-18\",\"usage\":{\"prompt_tokens\":5,"
			  "\"completion_tokens\":1}}\x01"
			  "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: #\r\n\r\n"
			  "{\"model\":\"gpt-4.1-2025-04-14\",\"usage\":{\"prompt_tokens\":5,"
			  "\"completion_tokens\":2}}\x01"}},
	 {PIPE_KEY_A, PIPE_KEY_B},
	 check_pipelined_exchanges},
	{"openai SSE stream with usage in the last chunk",
	 {{DIR_TO_SERVER, "POST /v1/chat/completions HTTP/1.1\r\n"
			  "Host: api.openai.com\r\n"
			  "authorization: Bearer sk-Zz9Zz9Zz9Zz9Zz9Zz9Zz9Zz9Zz9\r\n"
			  "Content-Type: application/json\r\n"
			  "Content-Length: #\r\n\r\n"
			  "{\"model\":\"gpt-4o\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
			  "\"messages\":[]}\x01"},
	  {DIR_TO_CLIENT, "HTTP/1.1 200 OK\r\n"
			  "Content-Type: text/event-stream; charset=utf-8\r\n"
			  "Transfer-Encoding: chunked\r\n\r\n"
			  "c2\r\n"
			  ": keep-alive\n\n"
			  "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-2024-08-06\","
			  "\"choices\":[{\"delta\":{\"content\":\"Hi\"}}],\"usage\":null}\n\n"
			  "data: {\"id\":\"c1\",\"model\":\"other\",\"choices\":[],\n\n"
			  "\r\n"
			  "96\r\n"
			  "data: {\"id\":\"c1\",\"model\":\"gpt-4o-2024-08-06\",\"choices\":[],\n"
			  "data: \"usage\":{\"prompt_tokens\":17,\"completion_tokens\":3,\"total_tokens\":20}}\n\n"
			  "data: [DONE]\n\n"
			  "\r\n"
			  "0\r\n\r\n"}},
	 {"sk-Zz9Zz9Zz9Zz9Zz9Zz9Zz9Zz9Zz9"},
	 check_openai_sse},
	{"anthropic message stream",
	 {{DIR_TO_SERVER, "POST /v1/messages?beta=true HTTP/1.1\r\n"
			  "host: api.anthropic.com\r\n"
			  "x-api-key: " ANTHROPIC_KEY "\r\n"
			  "anthropic-version: 2023-06-01\r\n"
			  "anthropic-beta: claude-code-20250219\r\n"
			  "x-app: cli\r\n"
			  "user-agent: claude-cli/2.0.14 (external, cli)\r\n"
			  "content-type: application/json\r\n"
			  "Content-Length: #\r\n\r\n"
			  "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":1024,\"stream\":true,"
			  "\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}\x01"},
	  {DIR_TO_CLIENT, "HTTP/1.1 200 OK\r\n"
			  "Content-Type: text/event-stream\r\n"
			  "anthropic-organization-id: 0a1b2c3d-0000-0000-0000-000000000000\r\n"
			  "request-id: req_011\r\n"
			  "Transfer-Encoding: chunked\r\n\r\n"
			  "64\r\n"
			  "event: message_start\r\n"
			  "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\r\n"
			  "c8\r\n"
			  "\"assistant\",\"model\":\"claude-sonnet-4-5-20250929\",\"content\":[],\"usage\":{\"input_tokens\":"
			  "472,\"output_tokens\":2}}}\r\n"
			  "\r\n"
			  "event: ping\r\n"
			  "data: {\"type\": \"ping\"}\r\n"
			  "\r\n"
			  "event: content_block_delta\r\n"
			  "data: {\"type\":\"cont\r\n"
			  "fa\r\n"
			  "ent_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello\"}}\r\n"
			  "\r\n"
			  "event: message_delta\r\n"
			  "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_"
			  "tokens\":15}}\r\n"
			  "\r\n"
			  "event: message_stop\r\n"
			  "data: {\"type\":\"message_stop\"}\r\n"
			  "\r\n"
			  "\r\n"
			  "0\r\n"
			  "\r\n"}},
	 {ANTHROPIC_KEY},
	 check_anthropic},
	{"ollama NDJSON stream",
	 {{DIR_TO_SERVER, "POST /api/chat HTTP/1.1\r\n"
			  "Host: 127.0.0.1:11434\r\n"
			  "Content-Length: #\r\n\r\n"
			  "{\"model\":\"llama3.2\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}\x01"},
	  {DIR_TO_CLIENT, "HTTP/1.1 200 OK\r\n"
			  "Content-Type: application/x-ndjson\r\n"
			  "Transfer-Encoding: chunked\r\n\r\n"
			  "32\r\n"
			  "{\"model\":\"llama3.2\",\"created_at\":\"2024-01-01T00:00\r\n"
			  "96\r\n"
			  ":00Z\",\"message\":{\"role\":\"assistant\",\"content\":\"Hel\"},\"done\":false}\n"
			  "{\"model\":\"llama3.2\",\"created_at\":\"2024-01-01T00:00:01Z\",\"message\":{\"role\":\"assistan\r\n"
			  "ba\r\n"
			  "t\",\"content\":\"lo\"},\"done\":false}\n"
			  "{\"model\":\"llama3.2\",\"created_at\":\"2024-01-01T00:00:02Z\",\"message\":{\"role\":\"assistant\","
			  "\"content\":\"\"},\"done\":true,\"prompt_eval_count\":26,\"eval_count\":259}\n"
			  "\r\n"
			  "0\r\n"
			  "\r\n"}},
	 {NULL},
	 check_ollama},
	{"gemini query key",
	 {{DIR_TO_SERVER, "POST /v1beta/models/gemini-2.0-flash:generateContent?alt=json&KEY=" GEMINI_KEY
			  "&x HTTP/1.1\r\n"
			  "Host: generativelanguage.googleapis.com\r\n"
			  "x-goog-api-client: genai-js/1.0.0\r\n"
			  "Content-Type: application/json\r\n"
			  "Content-Length: #\r\n\r\n"
			  "{\"contents\":[{\"parts\":[{\"text\":\"hi\"}]}]}\x01"},
	  {DIR_TO_CLIENT, "HTTP/1.1 200 OK\r\n"
			  "Content-Type: application/json; charset=UTF-8\r\n"
			  "Content-Length: #\r\n\r\n"
			  "{\"candidates\":[],\"usageMetadata\":{\"promptTokenCount\":8,\"candidatesTokenCount\":40,"
			  "\"totalTokenCount\":48},\"modelVersion\":\"gemini-2.0-flash-001\"}\x01"}},
	 {GEMINI_KEY},
	 check_gemini},
	{"basic auth, cookie, IPv6 host, empty query secret",
	 {{DIR_TO_SERVER, "GET /?token= HTTP/1.1\r\n"
			  "Host: [::1]:8080\r\n"
			  "Authorization: Basic YWxpY2U6czNjcjN0\r\n"
			  "Cookie: session=c00k1e-v4lue\r\n\r\n"},
	  END(DIR_TO_SERVER), END(DIR_TO_CLIENT)}, /* unanswered: its exchange comes at the end */
	 {"YWxpY2U6czNjcjN0", "c00k1e-v4lue"},
	 check_basic},
	{"jwt bearer, goog key, credential cap, 100-continue",
	 {{DIR_TO_SERVER, "POST /x HTTP/1.1\r\n"
			  "Host: a\r\n"
			  "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl\r\n"
			  "x-goog-api-key: opaque-token-123\r\n"
			  "x-api-key: third-secret-value\r\n"
			  "Expect: 100-continue\r\n"
			  "Content-Length: 2\r\n\r\n"
			  "{}"},
	  {DIR_TO_CLIENT, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"}},
	 {"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl", "opaque-token-123", "third-secret-value"},
	 check_jwt},
	{"garbage request", {{DIR_TO_SERVER, "\x16\x03\x01\x02\xff\x01\r\n\r\n"}}, {NULL},
	 check_garbage},
	{"bad status line",
	 {{DIR_TO_SERVER, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"}, {DIR_TO_CLIENT, "HTTP/1.1 2x0 OK\r\n\r\n"}},
	 {NULL},
	 check_bad_status},
	{"bad chunk size",
	 {{DIR_TO_SERVER, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"},
	  {DIR_TO_CLIENT, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n"}},
	 {NULL},
	 check_bad_chunk},
	{"response read until close",
	 {{DIR_TO_SERVER, "GET / HTTP/1.0\r\n\r\n"},
	  {DIR_TO_CLIENT, "HTTP/1.0 200 OK\r\nServer: x\r\n\r\n{\"model\":\"m1\",\"eval_count\":1}"},
	  END(DIR_TO_CLIENT)},
	 {NULL},
	 check_until_close},
	{"SSE stream cut by connection end",
	 {{DIR_TO_SERVER, "GET /v1/stream HTTP/1.1\r\nHost: x\r\n\r\n"},
	  {DIR_TO_CLIENT, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n"
			  "data: {\"model\":\"gpt-4o-mini\"}\r\r"
			  "data: {\"model\":\"x\",\"usage\":{\"completion_tokens\":5}}"},
	  END(DIR_TO_CLIENT),
	  END(DIR_TO_SERVER)},
	 {NULL},
	 check_unfinished_sse},
	{"websocket upgrade",
	 {{DIR_TO_SERVER, "GET /echo HTTP/1.1\r\nHost: ws.example\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
			  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n\x81\x85\x37\xfa\x21\x3d\x7f\x9f"},
	  {DIR_TO_CLIENT, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x05hello"}},
	 {NULL},
	 check_websocket},
	{"header over cap", {{DIR_TO_SERVER, big_header_conv}}, {NULL}, check_header_cap, false},
	{"JSON body over the peek cap",
	 {{DIR_TO_SERVER, big_body_conv}, END(DIR_TO_SERVER), END(DIR_TO_CLIENT)},
	 {NULL},
	 check_over_peek,
	 true},
};

static void fill_big_convs(void)
{
	size_t o = (size_t)sprintf(big_header_conv, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: ");
	memset(big_header_conv + o, 'a', AS_HTTP_MAX_HEADER_BYTES);
	strcpy(big_header_conv + o + AS_HTTP_MAX_HEADER_BYTES, "\r\n\r\n");

	size_t body = AS_HTTP_BODY_PEEK + 100;
	o = (size_t)sprintf(big_body_conv,
			    "POST /big HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n"
			    "{\"model\":\"big\",\"pad\":\"",
			    body);
	size_t pad = body - strlen("{\"model\":\"big\",\"pad\":\"") - 2;
	memset(big_body_conv + o, 'p', pad);
	strcpy(big_body_conv + o + pad,
	       "\"}POST /s HTTP/1.1\r\nContent-Length: 17\r\n\r\n{\"model\":\"small\"}");
}

static void test_conversation(void **state)
{
	const struct conv *c = *state;
	struct obs_log log = conv_run(c->feeds, c->no_split);
	for (size_t s = 0; s < 4 && c->secrets[s]; s++)
		assert_no_leak(&log, c->secrets[s]);
	print_anomalies(&log);
	c->check(&log);
	obs_log_free(&log);
}

/* ---- probe ---- */

#define PROBE_TEXT(dir_, text, want_) {H1D, TRANSPORT_TCP, 0, 0, (const uint8_t *)(text), sizeof(text) - 1, want_, dir_}

static const struct probe_row probes[] = {
	PROBE_TEXT(DIR_TO_SERVER, "GET / HTTP/1.1\r\n", true),
	PROBE_TEXT(DIR_TO_SERVER, "POST /v1", true),
	PROBE_TEXT(DIR_TO_SERVER, "OPTIONS * HTTP/1.1", true),
	PROBE_TEXT(DIR_TO_SERVER, "CONNECT a:443 HTTP/1.1", true),
	PROBE_TEXT(DIR_TO_SERVER, "GETX / HTTP/1.1", false),
	PROBE_TEXT(DIR_TO_SERVER, "get / HTTP/1.1", false),
	PROBE_TEXT(DIR_TO_SERVER, "\x16\x03\x01", false),
	PROBE_TEXT(DIR_TO_SERVER, "HTTP/1.1 200 OK", false),
	PROBE_TEXT(DIR_TO_CLIENT, "HTTP/1.1 200 OK\r\n", true),
	PROBE_TEXT(DIR_TO_CLIENT, "HTTP/1.0 404", true),
	PROBE_TEXT(DIR_TO_CLIENT, "HTTP/2 200", false),
	PROBE_TEXT(DIR_TO_CLIENT, "GET / HTTP/1.1", false),
	{H1D, TRANSPORT_UDP, 0, 0, (const uint8_t *)"GET / ", 6, false, DIR_TO_SERVER},
};

/* ---- gap handling ---- */

static void test_gap(void **state)
{
	(void)state;
	struct obs_log log = {0};
	struct dissect_ctx ctx = harness_ctx(&log);
	void *st = H1D->state_new(harness_open());
	static const char req[] = "GET / HTTP/1.1\r\n\r\n";
	static const char head[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 20\r\n\r\n{\"model\":";
	assert_int_equal(H1D->parse(st, DIR_TO_SERVER, (const uint8_t *)req, strlen(req), &ctx), DISSECT_MORE);
	assert_int_equal(H1D->parse(st, DIR_TO_CLIENT, (const uint8_t *)head, strlen(head), &ctx), DISSECT_MORE);
	H1D->gap(st, DIR_TO_CLIENT, 5, &ctx); /* 11 of 20 body bytes remain after the gap */
	assert_int_equal(H1D->parse(st, DIR_TO_CLIENT, (const uint8_t *)"\"x\"}\n\nHTTP/1.1 204 OK\r\n\r\n", 26, &ctx),
			 DISSECT_MORE);
	/* lost framing in the request head: the direction stops */
	H1D->gap(st, DIR_TO_SERVER, 3, &ctx);
	assert_int_equal(H1D->parse(st, DIR_TO_SERVER, (const uint8_t *)"xx", 2, &ctx), DISSECT_MORE);
	assert_int_equal(H1D->parse(st, DIR_TO_SERVER, conv_empty, 0, &ctx), DISSECT_MORE);
	assert_int_equal(H1D->parse(st, DIR_TO_CLIENT, conv_empty, 0, &ctx), DISSECT_DONE);
	H1D->state_free(st);
	assert_int_equal(count_type(&log, OBS_HTTP_EXCHANGE), 2);
	assert_int_equal(nth(&log, OBS_HTTP_EXCHANGE, 0)->u.http.resp.body_bytes, 20);
	assert_string_equal(nth(&log, OBS_HTTP_EXCHANGE, 0)->u.http.resp.model, "");
	assert_true(has_anomaly(&log, "gap_in_body"));
	assert_true(has_anomaly(&log, "gap_lost_sync"));
	obs_log_free(&log);
}

/* ---- public captures ----
 * Every TCP flow through http1, each direction in sequence order
 * (pcap_walk.h); bytes the capture lost reach the dissector as gaps. */

static void test_pcap_bearer(void **state)
{
	(void)state;
	struct obs_log log;
	pcap_run("suricata-verify/tests/http-auth-bearer/input.pcap", &log, NULL, NULL);
	assert_int_equal(count_type(&log, OBS_HTTP_REQUEST), 1);
	const struct obs_http_request *q = &nth(&log, OBS_HTTP_EXCHANGE, 0)->u.http.req;
	assert_string_equal(q->host, "www.example.com");
	assert_int_equal(q->n_credentials, 1);
	assert_int_equal(q->credentials[0].where, CRED_AUTH_BEARER);
	assert_int_equal(q->credentials[0].type, CRED_T_TOKEN);
	char fp[AS_FP_HEX + 1];
	fp_of("mF_9.B5f-4.1JqM", fp);
	assert_string_equal(q->credentials[0].fingerprint, fp);
	assert_no_leak(&log, "mF_9.B5f-4.1JqM");
	assert_int_equal(nth(&log, OBS_HTTP_EXCHANGE, 0)->u.http.resp.status, 200);
	obs_log_free(&log);
}

static void test_pcap_zeek_get(void **state)
{
	(void)state;
	struct obs_log log;
	pcap_run("zeek/Traces/http/get.pcap", &log, NULL, NULL);
	/* Zeek baseline core.tcp.reassembly-known-ports/http.log */
	assert_int_equal(count_type(&log, OBS_HTTP_REQUEST), 1);
	const struct obs_http_request *q = &nth(&log, OBS_HTTP_EXCHANGE, 0)->u.http.req;
	assert_string_equal(q->method, "GET");
	assert_string_equal(q->host, "bro.org");
	assert_string_equal(q->path, "/download/CHANGES.bro-aux.txt");
	assert_string_equal(q->user_agent, "Wget/1.14 (darwin12.2.0)");
	assert_int_equal(q->version, 11);
	const struct obs_http_response *s = &nth(&log, OBS_HTTP_EXCHANGE, 0)->u.http.resp;
	assert_int_equal(s->status, 200);
	assert_int_equal(s->body_bytes, 4705);
	assert_string_equal(s->content_type, "text/plain; charset=UTF-8");
	assert_int_equal(count_type(&log, OBS_ANOMALY), 0);
	obs_log_free(&log);
}

static void test_pcap_zeek_websocket(void **state)
{
	(void)state;
	struct obs_log log;
	pcap_run("zeek/Traces/http/websocket.pcap", &log, NULL, NULL);
	/* Zeek baseline scripts.base.protocols.http.101-switching-protocols/http.log */
	assert_int_equal(count_type(&log, OBS_HTTP_REQUEST), 1);
	const struct obs_http_request *q = &nth(&log, OBS_HTTP_EXCHANGE, 0)->u.http.req;
	assert_string_equal(q->host, "sandbox.kaazing.net");
	assert_string_equal(q->path, "/echo");
	assert_string_equal(q->query, ".kl=Y");
	assert_string_equal(q->user_agent,
			    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.12; rv:54.0) Gecko/20100101 Firefox/54.0");
	assert_true(q->upgrade_websocket);
	assert_int_equal(count_type(&log, OBS_HTTP_EXCHANGE), 1);
	assert_int_equal(nth(&log, OBS_HTTP_EXCHANGE, 0)->u.http.resp.status, 101);
	assert_int_equal(count_type(&log, OBS_ANOMALY), 0);
	obs_log_free(&log);
}

static void test_pcap_zeek_basic_auth(void **state)
{
	(void)state;
	struct obs_log log;
	pcap_run("zeek/Traces/http/basic-auth-with-colon.pcap", &log, NULL, NULL);
	/* raw IPv4 link type; "Authorization: Basic  dGVzdDoxOjM0" (two spaces, test:1:34) */
	assert_int_equal(count_type(&log, OBS_HTTP_REQUEST), 1);
	const struct obs_http_request *q = &nth(&log, OBS_HTTP_EXCHANGE, 0)->u.http.req;
	assert_string_equal(q->host, "172.24.133.205");
	assert_int_equal(q->host_port, 8000);
	assert_string_equal(q->user_agent, "python-requests/2.31.0");
	assert_int_equal(q->n_credentials, 1);
	assert_int_equal(q->credentials[0].where, CRED_AUTH_BASIC);
	assert_int_equal(q->credentials[0].type, CRED_T_PASSWORD);
	char fp[AS_FP_HEX + 1];
	fp_of("dGVzdDoxOjM0", fp);
	assert_string_equal(q->credentials[0].fingerprint, fp);
	assert_no_leak(&log, "dGVzdDoxOjM0");
	assert_int_equal(count_type(&log, OBS_HTTP_EXCHANGE), 1);
	obs_log_free(&log);
}

static void test_pcap_zeek_bro_org(void **state)
{
	(void)state;
	struct obs_log log;
	pcap_run("zeek/Traces/http/bro.org.pcap", &log, NULL, NULL);
	/* SOURCES.md (tshark): 31 requests, Host bro.org ×29, www.bro.org ×2 */
	size_t bro = 0, www = 0;
	for (size_t i = 0; i < count_type(&log, OBS_HTTP_REQUEST); i++) {
		const char *h = nth(&log, OBS_HTTP_EXCHANGE, i)->u.http.req.host;
		bro += strcmp(h, "bro.org") == 0;
		www += strcmp(h, "www.bro.org") == 0;
	}
	print_anomalies(&log);
	if (getenv("H1_DEBUG"))
		for (size_t i = 0; i < log.n; i++) {
			const struct observation *o = &log.v[i];
			if (o->type == OBS_HTTP_REQUEST)
				print_message("    > %s %s\n", o->u.http.req.method, o->u.http.req.path);
			else if (o->type == OBS_HTTP_EXCHANGE)
				print_message("    < %u %s %llu\n", o->u.http.resp.status, o->u.http.resp.content_type,
					      (unsigned long long)o->u.http.resp.body_bytes);
		}
	print_message("  bro.org.pcap: %zu requests, %zu responses, %zu anomalies\n",
		      count_type(&log, OBS_HTTP_REQUEST), count_type(&log, OBS_HTTP_EXCHANGE),
		      count_type(&log, OBS_ANOMALY));
	assert_int_equal(bro, 29);
	assert_int_equal(www, 2);
	/* one flow lost 7240 bytes inside a Content-Length body: the dissector
	 * keeps the framing and still sees every response */
	assert_int_equal(count_type(&log, OBS_HTTP_EXCHANGE), 31);
	assert_true(has_anomaly(&log, "gap_in_body"));
	obs_log_free(&log);
}

int main(void)
{
	fill_big_convs();
	struct cases t = {0};
	CASE_ROWS(&t, test_conversation, convs, name);
	probe_rows_add(&t, probes, sizeof probes / sizeof probes[0]);
	CASE(&t, test_gap);
	CASE(&t, test_pcap_bearer);
	CASE(&t, test_pcap_zeek_get);
	CASE(&t, test_pcap_zeek_websocket);
	CASE(&t, test_pcap_zeek_basic_auth);
	CASE(&t, test_pcap_zeek_bro_org);
	return cases_main(&t, "http1");
}
