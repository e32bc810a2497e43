/* http1.c — HTTP/1.0 and HTTP/1.1 dissector: RFC 9112 message syntax and
 * framing (Content-Length, chunked with extensions and trailers, read until
 * close), RFC 9110 semantics, plus what the sensor wants from LLM APIs (SDK
 * identity headers, credentials reduced to fingerprints, JSON "model" and
 * usage from bodies, SSE and NDJSON streams).
 *
 * Analyzers layered on HTTP: every complete request and response is handed,
 * as a struct http_view (http_view.h: request line — for a response, its
 * request's — Host, status, content type, Authorization, Location,
 * WWW-Authenticate, Mcp-Session-Id, MCP-Protocol-Version, the de-chunked
 * body up to AS_HTTP_BODY_PEEK), to oauth_analyze and, for JSON bodies, to
 * the JSON-RPC analyzer (jsonrpc.c: MCP, A2A) and the A2A card analyzer
 * (a2a.c). Each SSE event goes to the JSON-RPC analyzer as it arrives (the
 * legacy MCP HTTP+SSE stream never ends; its `endpoint` event is reported
 * too). After a 101 answering an Upgrade: websocket request, both
 * directions are WebSocket frames (websocket.c, RFC 6455) whose text
 * messages go to the JSON-RPC analyzer; request bytes sent before the 101
 * are held (AS_DISSECT_BUF_MAX) and parsed once the response decides.
 *
 * Parsing follows picohttpparser's shape — views into the input, no copies
 * of what can be read in place — but works across segments: each direction
 * keeps at most one partial line (sbuf, capped at AS_HTTP_MAX_HEADER_BYTES),
 * the raw head values the view needs (same cap) and, for JSON and form
 * bodies, a body peek (AS_HTTP_BODY_PEEK). Head lines are processed one at
 * a time, so no whole head is ever buffered.
 *
 * Convention: parse() with len == 0 means that direction ended (FIN, RST or
 * flow end); pending messages are flushed (a response read until close, an
 * SSE stream that never finished) and DISSECT_DONE is returned once both
 * directions have ended. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "dissector.h"
#include "fingerprint.h"
#include "http_view.h"
#include "json_util.h"
#include "jsonrpc.h"
#include "limits.h"
#include "sbuf.h"
#include "sse.h"
#include "strview.h"
#include "websocket.h"

#define H1 "http1"

/* ---- tables ---- */

/* Request headers that identify the client software (SDK, CLI, app) or the
 * API family it speaks. Values are versions, platform names or feature flags,
 * never secrets; they feed the client_identity of an agent. */
static const struct {
	const char *name;
	bool prefix;
} sdk_request_headers[] = {
	{"x-stainless-", true},		  /* Stainless SDKs (openai, anthropic, groq, ...): lang, package-version, os, runtime */
	{"anthropic-version", false},	  /* Anthropic API version pinned by the client */
	{"anthropic-beta", false},	  /* Anthropic beta features (Claude Code sends several) */
	{"anthropic-dangerous-direct-browser-access", false}, /* Anthropic SDK running in a browser */
	{"openai-organization", false},	  /* OpenAI org / project the client is configured for */
	{"openai-project", false},
	{"openai-beta", false},		  /* assistants=v2, realtime=v1 ... */
	{"x-goog-api-client", false},	  /* Google SDKs: genai-js/1.x gl-node/... */
	{"x-fern-", true},		  /* Fern SDKs (Cohere, ElevenLabs ...): language, sdk-name, sdk-version */
	{"x-client-name", false},	  /* Cohere client name */
	{"x-title", false},		  /* OpenRouter: calling application's name */
	{"x-app", false},		  /* Claude Code: "cli" */
	{"originator", false},		  /* OpenAI Codex CLI: "codex_cli_rs" */
	{"mcp-protocol-version", false},  /* MCP over Streamable HTTP */
};

/* Response headers that identify the AI provider or model server answering.
 * Request ids and rate-limit counters are left out: they identify requests,
 * not software. */
static const struct {
	const char *name;
	bool prefix;
} sdk_response_headers[] = {
	{"openai-version", false},	      /* OpenAI API (and Azure OpenAI) */
	{"openai-organization", false},
	{"openai-project", false},
	{"openai-processing-ms", false},      /* present only on OpenAI's own front end */
	{"anthropic-organization-id", false}, /* Anthropic API */
	{"x-groq-region", false},	      /* Groq */
	{"x-litellm-version", false},	      /* LiteLLM proxy */
};

/* Query parameters whose values are secrets: replaced by hmac:<fingerprint>. */
static const char *const query_secret_params[] = {
	"key", "api_key", "apikey", "access_token", "token", "code",
	"client_secret", "password", "sig", "signature",
};
/* Of those, the ones recorded as a credential (CRED_QUERY_KEY; `token` is
 * recorded as CRED_URL_TOKEN, the bearer token some servers take in the URL). */
static const char *const query_credential_params[] = {"key", "api_key", "apikey", "access_token"};

/* Shapes of static provider API keys (CRED_T_API_KEY). */
static const char *const api_key_prefixes[] = {
	"sk-",	       /* OpenAI (sk-proj-, sk-svcacct-, sk-admin-), Anthropic (sk-ant-),
			  OpenRouter (sk-or-), DeepSeek and other OpenAI-compatible APIs */
	"AIza",	       /* Google API keys (Gemini) */
	"gsk_",	       /* Groq */
	"xai-",	       /* xAI */
	"hf_",	       /* Hugging Face */
	"pplx-",       /* Perplexity */
	"r8_",	       /* Replicate */
	"nvapi-",      /* NVIDIA NIM */
	"csk-",	       /* Cerebras */
	"ghp_",	       /* GitHub personal access token (Copilot, GitHub Models) */
	"github_pat_", /* GitHub fine-grained token */
	"glpat-",      /* GitLab personal access token */
};
#define API_KEY_MIN_LEN 20 /* shorter values with a key prefix are not keys */

/* Methods claimed by the probe (an HTTP method token and a space). */
static const char *const probe_methods[] = {"GET ",	"POST ",    "PUT ",	"DELETE ",
					   "PATCH ", "HEAD ", "OPTIONS ", "CONNECT "};

/* ---- state ---- */

enum h1_phase {
	PH_START,      /* start line (leading empty lines skipped) */
	PH_HEADERS,    /* header lines until the empty line */
	PH_BODY_LEN,   /* Content-Length body: `remaining` bytes */
	PH_CHUNK_SIZE, /* chunk-size [; ext] line */
	PH_CHUNK_DATA, /* chunk data: `remaining` bytes */
	PH_CHUNK_CRLF, /* the CRLF after chunk data */
	PH_TRAILERS,   /* trailer lines after the last chunk */
	PH_BODY_CLOSE, /* body delimited by the end of the direction */
	PH_HOLD,       /* request side after Upgrade/CONNECT: wait for the response (bytes held) */
	PH_WS,	       /* WebSocket frames after a 101 to an Upgrade: websocket request */
	PH_LOST,       /* framing lost (gap): ignore the rest */
	PH_ENDED,      /* direction ended or tunnelled */
};

enum body_kind {
	BODY_NONE,
	BODY_JSON,   /* JSON document, peeked up to AS_HTTP_BODY_PEEK */
	BODY_SSE,    /* text/event-stream */
	BODY_NDJSON, /* application/x-ndjson (Ollama streaming) */
	BODY_FORM,   /* application/x-www-form-urlencoded: peeked for the analyzers (OAuth) */
};

/* Flags of a request still waiting for its response. */
enum {
	REQ_HEAD = 1,
	REQ_CONNECT = 2,
	REQ_UPGRADE = 4,
	REQ_WEBSOCKET = 8, /* Upgrade: websocket */
};

/* Raw header and request-line values kept for the HTTP message view the
 * analyzers get (http_view.h): spans into the direction's vbuf. */
enum view_field {
	VF_METHOD,
	VF_PATH,
	VF_QUERY,
	VF_HOST,
	VF_SESSION, /* Mcp-Session-Id */
	VF_PROTO,   /* MCP-Protocol-Version */
	VF_REQ_N,   /* the fields above are kept per pending request */
	VF_CTYPE = VF_REQ_N,
	VF_AUTH,
	VF_LOCATION,
	VF_WWW_AUTH,
	VF_N,
};

struct vspan {
	uint32_t off, len;
	bool set;
};

/* What a response (or the WebSocket after it) needs of its request. */
struct h1_req {
	bool authorization;
	struct vspan vf[VF_REQ_N];
	size_t len;
	char data[]; /* the field values */
};

struct h1_dir {
	enum h1_phase phase;
	struct sbuf line; /* a line spanning segments */
	size_t head_bytes;
	unsigned n_headers;
	bool in_msg;
	struct observation obs;
	/* framing of the current message */
	bool chunked, has_length, te_other;
	uint64_t length, remaining;
	unsigned req_flags; /* request side: REQ_*; response side: flags of the paired request */
	bool json_type;	    /* Content-Type says JSON */
	/* body inspection */
	enum body_kind kind;
	struct sbuf peek; /* JSON body, or the NDJSON line being built */
	bool peek_over;	  /* this body / NDJSON line went past the cap */
	bool peek_broken; /* bytes were lost: do not parse */
	struct sse_parser sse;
	bool gap_seen; /* a gap to report at the next parse call */
	bool form_type;	  /* Content-Type is application/x-www-form-urlencoded */
	bool upgrade_ws;  /* response: Upgrade: websocket */
	/* the message view (http_view.h) */
	struct sbuf vbuf;
	struct vspan vf[VF_N];
	struct h1_req *req; /* response side: the request it answers (owned) */
};

struct h1_state {
	struct h1_dir d[2];
	uint8_t pending[AS_HTTP_MAX_PIPELINE]; /* REQ_* of requests awaiting a response */
	struct h1_req *preq[AS_HTTP_MAX_PIPELINE]; /* their context (owned; may be NULL) */
	size_t p_first, p_n;
	struct sbuf hold;	  /* request bytes after an Upgrade request, until the response */
	bool hold_over;		  /* some were dropped at the cap */
	struct ws_parser ws[2];	  /* PH_WS: frame parser per direction */
	struct h1_req *ws_req;	  /* the upgrade request (owned) */
};

/* ---- small helpers ---- */

static struct sv sv_rest(struct sv s, size_t off) { return sv_sub(s, off, s.len); }

static bool is_tchar(uint8_t c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return true;
	return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool is_token(struct sv s)
{
	struct cur c = cur_make(s.p, s.len);
	uint8_t ch;
	if (s.len == 0)
		return false;
	while (cur_get_u8(&c, &ch))
		if (!is_tchar(ch))
			return false;
	return true;
}

/* True when the comma-separated list `v` holds `token` (case-insensitive). */
static bool list_has(struct sv v, struct sv token)
{
	while (v.len) {
		struct sv item = sv_trim(sv_split(&v, ','));
		if (sv_eq_ci(item, token))
			return true;
	}
	return false;
}

/* The last element of a comma-separated list. */
static struct sv list_last(struct sv v)
{
	struct sv last = {v.p, 0};
	while (v.len)
		last = sv_trim(sv_split(&v, ','));
	return last;
}

static bool in_table(const char *const *tab, size_t n, struct sv s)
{
	for (size_t i = 0; i < n; i++)
		if (sv_eq_ci(s, sv_from_cstr(tab[i])))
			return true;
	return false;
}

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the message view ---- */

/* Keeps a raw value for the view (first one wins). The values are parts of
 * the head, which is capped, so vbuf (same cap) cannot overflow. */
static void vf_set(struct h1_dir *d, enum view_field f, struct sv s)
{
	if (d->vf[f].set)
		return;
	size_t off = d->vbuf.len;
	if (sbuf_append(&d->vbuf, (const uint8_t *)s.p, s.len) != AS_OK)
		return;
	d->vf[f].off = (uint32_t)off;
	d->vf[f].len = (uint32_t)s.len;
	d->vf[f].set = true;
}

static struct sv vf_get(const struct h1_dir *d, enum view_field f)
{
	if (!d->vf[f].set || d->vf[f].len == 0) /* an empty value may have no buffer behind it */
		return sv_make("", 0);
	return sv_make(d->vbuf.data + d->vf[f].off, d->vf[f].len);
}

static struct sv req_get(const struct h1_req *r, enum view_field f)
{
	if (!r || !r->vf[f].set)
		return sv_make("", 0);
	return sv_make(r->data + r->vf[f].off, r->vf[f].len);
}

/* Copies the request fields a response needs; NULL when out of memory. */
static struct h1_req *req_capture(const struct h1_dir *d)
{
	size_t total = 0;
	for (int f = 0; f < VF_REQ_N; f++)
		total += vf_get(d, (enum view_field)f).len;
	struct h1_req *r = calloc(1, sizeof *r + total + 1);
	if (!r)
		return NULL;
	r->authorization = d->vf[VF_AUTH].set;
	for (int f = 0; f < VF_REQ_N; f++) {
		struct sv v = vf_get(d, (enum view_field)f);
		r->vf[f].off = (uint32_t)r->len;
		r->vf[f].len = (uint32_t)v.len;
		r->vf[f].set = d->vf[f].set;
		if (v.len)
			memcpy(r->data + r->len, v.p, v.len);
		r->len += v.len;
	}
	return r;
}

/* ---- credentials ---- */

static enum cred_type classify_secret(struct sv s)
{
	if (s.len >= API_KEY_MIN_LEN)
		for (size_t i = 0; i < N_ELEMS(api_key_prefixes); i++)
			if (sv_starts_with(s, sv_from_cstr(api_key_prefixes[i])))
				return CRED_T_API_KEY;
	if (sv_looks_like_jwt(s))
		return CRED_T_JWT;
	return CRED_T_TOKEN;
}

/* A header or parameter that is named as a key carries a static key
 * whatever its shape (Azure keys are bare hex); a JWT stays a JWT. */
static enum cred_type classify_key(struct sv s)
{
	enum cred_type t = classify_secret(s);
	return t == CRED_T_JWT ? t : CRED_T_API_KEY;
}

static void fingerprint(const struct dissect_ctx *ctx, struct sv secret, char out[AS_FP_HEX + 1])
{
	as_fingerprint(ctx ? ctx->salt : NULL, ctx ? ctx->salt_len : 0, secret.p, secret.len, out);
}

static void add_credential(struct h1_dir *d, const struct dissect_ctx *ctx, enum cred_where where,
			   enum cred_type type, struct sv secret)
{
	struct obs_http_request *r = &d->obs.u.http_req;
	struct obs_credential c;
	if (secret.len == 0)
		return;
	memset(&c, 0, sizeof c);
	c.where = (uint8_t)where;
	c.type = (uint8_t)type;
	fingerprint(ctx, secret, c.fingerprint);
	for (unsigned i = 0; i < r->n_credentials; i++)
		if (memcmp(&r->credentials[i], &c, sizeof c) == 0)
			return;
	if (r->n_credentials >= N_ELEMS(r->credentials)) {
		dissect_anomaly(ctx, H1, "credentials_over_cap");
		return;
	}
	r->credentials[r->n_credentials++] = c;
}

static void on_authorization(struct h1_dir *d, const struct dissect_ctx *ctx, struct sv value)
{
	struct sv rest = value;
	struct sv scheme = sv_split(&rest, ' ');
	rest = sv_trim(rest);
	if (sv_eq_ci(scheme, SV_LIT("Bearer")))
		add_credential(d, ctx, CRED_AUTH_BEARER, classify_secret(rest), rest);
	else if (sv_eq_ci(scheme, SV_LIT("Basic")))
		add_credential(d, ctx, CRED_AUTH_BASIC, CRED_T_PASSWORD, rest);
	else if (rest.len)
		add_credential(d, ctx, CRED_AUTH_OTHER, classify_secret(rest), rest);
	else /* a bare value, no scheme word */
		add_credential(d, ctx, CRED_AUTH_OTHER, classify_secret(scheme), scheme);
}

/* ---- request target ---- */

/* Copies the query, replacing secret parameter values by hmac:<fp>. */
static void set_query(struct h1_dir *d, const struct dissect_ctx *ctx, struct sv q)
{
	struct obs_http_request *r = &d->obs.u.http_req;
	size_t pos = 0;
	bool first = true;
	while (q.len) {
		struct sv param = sv_split(&q, '&');
		struct sv value = param;
		struct sv name = sv_split(&value, '=');
		bool has_eq = name.len < param.len;
		if (!first)
			sv_append(r->query, sizeof r->query, &pos, SV_LIT("&"));
		first = false;
		if (has_eq && value.len && in_table(query_secret_params, N_ELEMS(query_secret_params), name)) {
			char fp[AS_FP_HEX + 1];
			fingerprint(ctx, value, fp);
			sv_append(r->query, sizeof r->query, &pos, name);
			sv_append(r->query, sizeof r->query, &pos, SV_LIT("=hmac:"));
			sv_append(r->query, sizeof r->query, &pos, sv_from_cstr(fp));
			if (in_table(query_credential_params, N_ELEMS(query_credential_params), name))
				add_credential(d, ctx, CRED_QUERY_KEY, classify_key(value), value);
			else if (sv_eq_ci(name, SV_LIT("token")))
				add_credential(d, ctx, CRED_URL_TOKEN, classify_secret(value), value);
		} else {
			sv_append(r->query, sizeof r->query, &pos, param);
		}
	}
}

/* Host header or URL authority: lower case, port split out, userinfo
 * dropped. Returns the host name as sent. */
static struct sv set_host(struct obs_http_request *r, struct sv h)
{
	long at;
	h = sv_trim(h);
	while ((at = sv_find_char(h, '@')) >= 0)
		h = sv_rest(h, (size_t)at + 1);
	struct sv name = h, port = {h.p, 0};
	if (sv_starts_with(h, SV_LIT("["))) {
		long rb = sv_find_char(h, ']');
		if (rb > 0) {
			name = sv_sub(h, 1, (size_t)rb - 1);
			struct sv after = sv_rest(h, (size_t)rb + 1);
			if (sv_starts_with(after, SV_LIT(":")))
				port = sv_rest(after, 1);
		}
	} else {
		long c = sv_find_char(h, ':');
		if (c >= 0 && sv_find_char(sv_rest(h, (size_t)c + 1), ':') < 0) {
			name = sv_sub(h, 0, (size_t)c);
			port = sv_rest(h, (size_t)c + 1);
		}
	}
	sv_copy_lower(r->host, sizeof r->host, name);
	uint64_t p;
	r->host_port = (sv_to_u64(port, &p) && p <= 65535) ? (uint16_t)p : 0;
	return name;
}

static void set_target(struct h1_dir *d, const struct dissect_ctx *ctx, struct sv t, bool connect)
{
	struct obs_http_request *r = &d->obs.u.http_req;
	if (connect) { /* authority-form */
		vf_set(d, VF_HOST, set_host(r, t));
		return;
	}
	struct sv rest = t;
	if (sv_starts_with_ci(t, SV_LIT("http://")) || sv_starts_with_ci(t, SV_LIT("https://"))) {
		/* absolute-form (proxy requests): the authority wins over Host */
		rest = sv_rest(t, (size_t)sv_find_char(t, '/') + 2);
		long end = sv_find_char(rest, '/');
		long q = sv_find_char(rest, '?');
		if (end < 0 || (q >= 0 && q < end))
			end = q;
		struct sv auth = end < 0 ? rest : sv_sub(rest, 0, (size_t)end);
		rest = end < 0 ? sv_rest(rest, rest.len) : sv_rest(rest, (size_t)end);
		vf_set(d, VF_HOST, set_host(r, auth));
	}
	long hash = sv_find_char(rest, '#');
	if (hash >= 0)
		rest = sv_sub(rest, 0, (size_t)hash);
	struct sv query = rest;
	struct sv path = sv_split(&query, '?');
	if (path.len == 0 && t.len && !sv_starts_with(t, SV_LIT("?")))
		path = SV_LIT("/");
	sv_copy(r->path, sizeof r->path, path);
	vf_set(d, VF_PATH, path);
	vf_set(d, VF_QUERY, query);
	set_query(d, ctx, query);
}

/* ---- JSON ---- */

/* Parses a JSON body or stream item (object or array); NULL, and an
 * anomaly when `report` and it looked like JSON, when it is not JSON. */
static json_t *json_from(struct sv s, const struct dissect_ctx *ctx, bool report)
{
	json_t *root;
	switch (json_util_load(s, &root)) {
	case JSON_UTIL_OK:
		return root;
	case JSON_UTIL_TOO_DEEP:
		dissect_anomaly(ctx, H1, "json_too_deep");
		return NULL;
	case JSON_UTIL_BAD:
		break;
	}
	struct sv t = sv_trim(s);
	if (report && (sv_starts_with(t, SV_LIT("{")) || sv_starts_with(t, SV_LIT("["))))
		dissect_anomaly(ctx, H1, "bad_json");
	return NULL;
}

static void json_set_count(uint64_t *dst, json_t *v)
{
	if (json_is_integer(v) && json_integer_value(v) >= 0)
		*dst = (uint64_t)json_integer_value(v);
}

static void request_json(struct obs_http_request *r, json_t *root)
{
	json_util_copy_string(r->model, sizeof r->model, json_object_get(root, "model"));
	json_t *stream = json_object_get(root, "stream");
	if (json_is_boolean(stream))
		r->stream = json_is_true(stream) ? 1 : 0;
}

static void apply_usage(struct obs_http_response *r, json_t *u)
{
	if (!json_is_object(u))
		return;
	json_set_count(&r->input_tokens, json_object_get(u, "prompt_tokens"));	    /* OpenAI chat */
	json_set_count(&r->output_tokens, json_object_get(u, "completion_tokens"));
	json_set_count(&r->input_tokens, json_object_get(u, "input_tokens"));	    /* Anthropic, Responses */
	json_set_count(&r->output_tokens, json_object_get(u, "output_tokens"));
}

/* Model and usage from one response document or stream chunk. The first
 * model seen wins; usage seen later overwrites (stream totals come last). */
static void response_json(struct obs_http_response *r, json_t *root)
{
	/* top level (OpenAI, Ollama), Anthropic message_start's "message",
	 * OpenAI Responses stream events' "response" */
	json_t *where[3] = {root, json_object_get(root, "message"), json_object_get(root, "response")};
	for (size_t i = 0; i < 3; i++) {
		if (!json_is_object(where[i]))
			continue;
		if (!r->model[0])
			json_util_copy_string(r->model, sizeof r->model, json_object_get(where[i], "model"));
		apply_usage(r, json_object_get(where[i], "usage"));
	}
	if (!r->model[0]) /* Gemini */
		json_util_copy_string(r->model, sizeof r->model, json_object_get(root, "modelVersion"));
	json_set_count(&r->input_tokens, json_object_get(root, "prompt_eval_count")); /* Ollama */
	json_set_count(&r->output_tokens, json_object_get(root, "eval_count"));
	json_t *um = json_object_get(root, "usageMetadata"); /* Gemini */
	if (json_is_object(um)) {
		json_set_count(&r->input_tokens, json_object_get(um, "promptTokenCount"));
		json_set_count(&r->output_tokens, json_object_get(um, "candidatesTokenCount"));
	}
}

/* One JSON text of a response body (whole body, SSE data, NDJSON line). */
static void response_json_text(struct h1_dir *d, const struct dissect_ctx *ctx, struct sv s, bool report)
{
	json_t *root = json_from(s, ctx, report);
	if (json_is_object(root))
		response_json(&d->obs.u.http_resp, root);
	json_decref(root);
}

/* ---- analyzers layered on HTTP (OAuth, JSON-RPC/MCP/A2A, A2A cards) ---- */

/* The view of the message `d` is in (head fields; body as given). */
static struct http_view make_view(const struct h1_dir *d, enum dissect_dir dir, struct sv body)
{
	struct http_view v;
	memset(&v, 0, sizeof v);
	v.request = dir == DIR_TO_SERVER;
	if (v.request) {
		v.method = vf_get(d, VF_METHOD);
		v.path = vf_get(d, VF_PATH);
		v.query = vf_get(d, VF_QUERY);
		v.host = vf_get(d, VF_HOST);
		v.authorization = vf_get(d, VF_AUTH);
	} else {
		v.method = req_get(d->req, VF_METHOD);
		v.path = req_get(d->req, VF_PATH);
		v.query = req_get(d->req, VF_QUERY);
		v.host = req_get(d->req, VF_HOST);
		v.status = d->obs.u.http_resp.status;
		v.location = vf_get(d, VF_LOCATION);
		v.www_authenticate = vf_get(d, VF_WWW_AUTH);
	}
	v.content_type = vf_get(d, VF_CTYPE);
	v.mcp_session_id = vf_get(d, VF_SESSION);
	v.mcp_protocol_version = vf_get(d, VF_PROTO);
	v.body = body;
	v.body_truncated = d->peek_over;
	return v;
}

static struct jsonrpc_origin make_origin(const struct h1_dir *d, enum dissect_dir dir, uint8_t transport)
{
	struct jsonrpc_origin o;
	memset(&o, 0, sizeof o);
	o.transport = transport;
	o.to_server = dir == DIR_TO_SERVER;
	if (o.to_server) {
		o.authorization = d->vf[VF_AUTH].set;
	} else if (d->req) {
		o.authorization = d->req->authorization;
		o.req_session_id = req_get(d->req, VF_SESSION);
		o.req_protocol_version = req_get(d->req, VF_PROTO);
	}
	return o;
}

/* A complete message: every analyzer sees it. */
static void analyze_message(const struct h1_dir *d, enum dissect_dir dir, struct sv body, const json_t *root,
			    const struct dissect_ctx *ctx)
{
	struct http_view v = make_view(d, dir, body);
	v.body_json = root;
	(void)oauth_analyze(&v, ctx);
	if (!root)
		return;
	struct jsonrpc_origin o = make_origin(d, dir, RPC_HTTP_BODY);
	(void)jsonrpc_analyze_json(&v, &o, root, ctx);
	if (dir == DIR_TO_CLIENT)
		(void)a2a_card_analyze(&v, root, ctx);
}

struct sse_user {
	struct h1_dir *d;
	const struct dissect_ctx *ctx;
};

/* Each SSE event as it arrives: LLM model/usage, and JSON-RPC messages
 * (MCP Streamable HTTP and legacy HTTP+SSE, A2A streaming) — a legacy SSE
 * stream never ends, so nothing waits for the end of the response. */
static void on_sse_event(void *user, struct sv event, struct sv data)
{
	struct sse_user *u = user;
	struct http_view v = make_view(u->d, DIR_TO_CLIENT, sv_make("", 0));
	struct jsonrpc_origin o = make_origin(u->d, DIR_TO_CLIENT, RPC_HTTP_SSE);
	if (sv_eq(event, SV_LIT("endpoint"))) { /* MCP 2024-11-05 HTTP+SSE: where to POST */
		jsonrpc_sse_endpoint(&v, &o, data, u->ctx);
		return;
	}
	if (sv_eq(sv_trim(data), SV_LIT("[DONE]")))
		return;
	/* model and usage are found by shape, whatever the event name */
	json_t *root = json_from(data, u->ctx, false);
	if (json_is_object(root))
		response_json(&u->d->obs.u.http_resp, root);
	if (root)
		(void)jsonrpc_analyze_json(&v, &o, root, u->ctx);
	json_decref(root);
}

/* ---- messages ---- */

static void begin_message(struct h1_dir *d, enum dissect_dir dir)
{
	observation_init(&d->obs, dir == DIR_TO_SERVER ? OBS_HTTP_REQUEST : OBS_HTTP_RESPONSE);
	if (dir == DIR_TO_SERVER)
		d->obs.u.http_req.stream = -1;
	d->in_msg = true;
	d->chunked = d->has_length = d->te_other = false;
	d->length = d->remaining = 0;
	d->req_flags = 0;
	d->json_type = d->form_type = d->upgrade_ws = false;
	d->kind = BODY_NONE;
	sbuf_reset(&d->peek);
	d->peek_over = d->peek_broken = false;
	d->n_headers = 0;
	sbuf_reset(&d->vbuf);
	memset(d->vf, 0, sizeof d->vf);
	free(d->req);
	d->req = NULL;
}

/* Parses what the body peek holds, emits the message, then hands it to
 * the analyzers. */
static void finish_message(struct h1_dir *d, enum dissect_dir dir, const struct dissect_ctx *ctx)
{
	if (!d->in_msg)
		return;
	struct sv body = d->peek.len ? sv_make(d->peek.data, d->peek.len) : sv_make("", 0);
	bool intact = !d->peek_over && !d->peek_broken && body.len;
	json_t *root = NULL;
	if (d->kind == BODY_JSON && intact) {
		root = json_from(body, ctx, d->json_type);
		if (json_is_object(root)) {
			if (dir == DIR_TO_SERVER)
				request_json(&d->obs.u.http_req, root);
			else
				response_json(&d->obs.u.http_resp, root);
		}
	} else if (d->kind == BODY_NDJSON && intact) {
		response_json_text(d, ctx, body, false); /* last line without its '\n' */
	}
	if (d->kind == BODY_SSE)
		sse_reset(&d->sse); /* an unterminated event is discarded (WHATWG) */
	d->in_msg = false;
	dissect_emit(ctx, &d->obs);
	bool peeked = (d->kind == BODY_JSON || d->kind == BODY_FORM) && !d->peek_broken;
	analyze_message(d, dir, peeked ? body : sv_make("", 0), root, ctx);
	json_decref(root);
	sbuf_reset(&d->peek);
	d->kind = BODY_NONE;
}

static bool pending_push(struct h1_state *st, unsigned flags, struct h1_req *req, const struct dissect_ctx *ctx)
{
	if (st->p_n == AS_HTTP_MAX_PIPELINE) {
		dissect_anomaly(ctx, H1, "pipeline_over_cap");
		free(req);
		return false;
	}
	size_t at = (st->p_first + st->p_n) % AS_HTTP_MAX_PIPELINE;
	st->pending[at] = (uint8_t)flags;
	st->preq[at] = req;
	st->p_n++;
	return true;
}

/* Pops the oldest request: its flags, and its context into *req (owned by the caller). */
static unsigned pending_pop(struct h1_state *st, struct h1_req **req)
{
	*req = NULL;
	if (st->p_n == 0)
		return 0; /* capture began mid-connection: assume a plain request */
	unsigned f = st->pending[st->p_first];
	*req = st->preq[st->p_first];
	st->preq[st->p_first] = NULL;
	st->p_first = (st->p_first + 1) % AS_HTTP_MAX_PIPELINE;
	st->p_n--;
	return f;
}

/* The message is complete: emit it and wait for the next one. */
static void message_done(struct h1_state *st, enum dissect_dir dir, const struct dissect_ctx *ctx)
{
	struct h1_dir *d = &st->d[dir];
	unsigned flags = d->req_flags;
	finish_message(d, dir, ctx);
	d->phase = PH_START;
	d->head_bytes = 0;
	if (dir == DIR_TO_SERVER && (flags & (REQ_CONNECT | REQ_UPGRADE)))
		d->phase = PH_HOLD; /* what follows depends on the response */
}

/* ---- start lines and headers ---- */

/* "HTTP/1.x" → 10 or 11 (a higher minor is treated as 1.1, RFC 9110 §2.5). */
static bool parse_version(struct sv v, uint8_t *out)
{
	uint8_t minor;
	struct cur c = cur_make(v.p, v.len);
	if (v.len != 8 || !sv_starts_with(v, SV_LIT("HTTP/1.")) || !cur_peek_u8(&c, 7, &minor) ||
	    minor < '0' || minor > '9')
		return false;
	*out = minor == '0' ? 10 : 11;
	return true;
}

static int request_line(struct h1_state *st, struct sv line, const struct dissect_ctx *ctx)
{
	struct h1_dir *d = &st->d[DIR_TO_SERVER];
	struct obs_http_request *r = &d->obs.u.http_req;
	struct sv rest = line;
	struct sv method = sv_split(&rest, ' ');
	struct sv target = sv_split(&rest, ' ');
	if (!is_token(method) || method.len >= sizeof r->method || target.len == 0 ||
	    !parse_version(rest, &r->version)) {
		dissect_anomaly(ctx, H1, "bad_request_line");
		return AS_ERR_MALFORMED;
	}
	sv_copy(r->method, sizeof r->method, method);
	vf_set(d, VF_METHOD, method);
	if (sv_eq(method, SV_LIT("HEAD")))
		d->req_flags |= REQ_HEAD;
	if (sv_eq(method, SV_LIT("CONNECT")))
		d->req_flags |= REQ_CONNECT;
	set_target(d, ctx, target, (d->req_flags & REQ_CONNECT) != 0);
	return DISSECT_MORE;
}

static int status_line(struct h1_state *st, struct sv line, const struct dissect_ctx *ctx)
{
	struct h1_dir *d = &st->d[DIR_TO_CLIENT];
	struct obs_http_response *r = &d->obs.u.http_resp;
	struct sv rest = line;
	struct sv version = sv_split(&rest, ' ');
	struct sv code = sv_sub(rest, 0, 3);
	struct sv after = sv_rest(rest, 3);
	uint64_t status;
	if (!parse_version(version, &r->version) || code.len != 3 || !sv_to_u64(code, &status) ||
	    status < 100 || (after.len && !sv_starts_with(after, SV_LIT(" ")))) {
		dissect_anomaly(ctx, H1, "bad_status_line");
		return AS_ERR_MALFORMED;
	}
	r->status = (uint16_t)status;
	return DISSECT_MORE;
}

static bool header_in(struct sv name, bool request)
{
	size_t n = request ? N_ELEMS(sdk_request_headers) : N_ELEMS(sdk_response_headers);
	for (size_t i = 0; i < n; i++) {
		const char *h = request ? sdk_request_headers[i].name : sdk_response_headers[i].name;
		bool prefix = request ? sdk_request_headers[i].prefix : sdk_response_headers[i].prefix;
		if (prefix ? sv_starts_with_ci(name, sv_from_cstr(h)) : sv_eq_ci(name, sv_from_cstr(h)))
			return true;
	}
	return false;
}

static void add_sdk_header(uint8_t *n, struct obs_header *hs, struct sv name, struct sv value,
			   const struct dissect_ctx *ctx)
{
	if (*n >= AS_OBS_MAX_SDK_HEADERS) {
		dissect_anomaly(ctx, H1, "sdk_headers_over_cap");
		return;
	}
	sv_copy_lower(hs[*n].name, sizeof hs[*n].name, name);
	sv_copy(hs[*n].value, sizeof hs[*n].value, value);
	(*n)++;
}

/* Framing headers are honoured even past the header cap: losing them would
 * desynchronise the stream. */
static int framing_header(struct h1_dir *d, struct sv name, struct sv value, const struct dissect_ctx *ctx)
{
	if (sv_eq_ci(name, SV_LIT("content-length"))) {
		uint64_t n;
		if (!sv_to_u64(value, &n) || (d->has_length && n != d->length)) {
			dissect_anomaly(ctx, H1, "bad_content_length");
			return AS_ERR_MALFORMED;
		}
		d->has_length = true;
		d->length = n;
	} else if (sv_eq_ci(name, SV_LIT("transfer-encoding"))) {
		if (sv_eq_ci(list_last(value), SV_LIT("chunked"))) {
			d->chunked = true;
			d->te_other = false;
		} else {
			d->te_other = true;
			d->chunked = false;
		}
	}
	return DISSECT_MORE;
}

static bool is_form_type(struct sv value)
{
	struct sv mime = sv_trim(value);
	mime = sv_trim(sv_split(&mime, ';'));
	return sv_eq_ci(mime, SV_LIT("application/x-www-form-urlencoded"));
}

static void request_header(struct h1_dir *d, struct sv name, struct sv value, const struct dissect_ctx *ctx)
{
	struct obs_http_request *r = &d->obs.u.http_req;
	if (sv_eq_ci(name, SV_LIT("host"))) {
		if (!r->host[0])
			vf_set(d, VF_HOST, set_host(r, value));
	} else if (sv_eq_ci(name, SV_LIT("user-agent"))) {
		sv_copy(r->user_agent, sizeof r->user_agent, value);
	} else if (sv_eq_ci(name, SV_LIT("content-type"))) {
		sv_copy(r->content_type, sizeof r->content_type, value);
		vf_set(d, VF_CTYPE, value);
		d->json_type = sv_find_ci(value, SV_LIT("json")) >= 0;
		d->form_type = is_form_type(value);
	} else if (sv_eq_ci(name, SV_LIT("upgrade"))) {
		d->req_flags |= REQ_UPGRADE;
		if (list_has(value, SV_LIT("websocket"))) {
			r->upgrade_websocket = true;
			d->req_flags |= REQ_WEBSOCKET;
		}
	} else if (sv_eq_ci(name, SV_LIT("authorization"))) {
		vf_set(d, VF_AUTH, value);
		on_authorization(d, ctx, value);
	} else if (sv_eq_ci(name, SV_LIT("x-api-key"))) {
		add_credential(d, ctx, CRED_X_API_KEY, classify_key(value), value);
	} else if (sv_eq_ci(name, SV_LIT("api-key"))) {
		add_credential(d, ctx, CRED_API_KEY, classify_key(value), value);
	} else if (sv_eq_ci(name, SV_LIT("x-goog-api-key"))) {
		add_credential(d, ctx, CRED_X_GOOG_API_KEY, classify_key(value), value);
	} else if (sv_eq_ci(name, SV_LIT("cookie"))) {
		add_credential(d, ctx, CRED_COOKIE, CRED_T_COOKIE, value);
	} else if (sv_eq_ci(name, SV_LIT("mcp-session-id"))) {
		vf_set(d, VF_SESSION, value);
	} else if (header_in(name, true)) {
		if (sv_eq_ci(name, SV_LIT("mcp-protocol-version")))
			vf_set(d, VF_PROTO, value);
		add_sdk_header(&r->n_sdk_headers, r->sdk_headers, name, value, ctx);
	}
}

static void response_header(struct h1_dir *d, struct sv name, struct sv value, const struct dissect_ctx *ctx)
{
	struct obs_http_response *r = &d->obs.u.http_resp;
	if (sv_eq_ci(name, SV_LIT("content-type"))) {
		sv_copy(r->content_type, sizeof r->content_type, value);
		vf_set(d, VF_CTYPE, value);
		d->form_type = is_form_type(value);
		struct sv mime = sv_trim(value);
		mime = sv_trim(sv_split(&mime, ';'));
		d->json_type = sv_find_ci(mime, SV_LIT("json")) >= 0;
		r->sse = sv_eq_ci(mime, SV_LIT("text/event-stream"));
		if (sv_eq_ci(mime, SV_LIT("application/x-ndjson")))
			d->kind = BODY_NDJSON;
	} else if (sv_eq_ci(name, SV_LIT("server"))) {
		sv_copy(r->server, sizeof r->server, value);
	} else if (sv_eq_ci(name, SV_LIT("location"))) {
		vf_set(d, VF_LOCATION, value);
	} else if (sv_eq_ci(name, SV_LIT("www-authenticate"))) {
		vf_set(d, VF_WWW_AUTH, value);
	} else if (sv_eq_ci(name, SV_LIT("mcp-session-id"))) {
		vf_set(d, VF_SESSION, value);
	} else if (sv_eq_ci(name, SV_LIT("mcp-protocol-version"))) {
		vf_set(d, VF_PROTO, value);
	} else if (sv_eq_ci(name, SV_LIT("upgrade"))) {
		d->upgrade_ws = list_has(value, SV_LIT("websocket"));
	} else if (header_in(name, false)) {
		add_sdk_header(&r->n_sdk_headers, r->sdk_headers, name, value, ctx);
	}
}

static int header_line(struct h1_dir *d, enum dissect_dir dir, struct sv line, const struct dissect_ctx *ctx)
{
	if (sv_starts_with(line, SV_LIT(" ")) || sv_starts_with(line, SV_LIT("\t")))
		return DISSECT_MORE; /* obsolete line folding: the continuation is ignored */
	struct sv value = line;
	struct sv name = sv_split(&value, ':');
	if (name.len == line.len || !is_token(name)) {
		dissect_anomaly(ctx, H1, "bad_header_line");
		return DISSECT_MORE;
	}
	value = sv_trim(value);
	int r = framing_header(d, name, value, ctx);
	if (r != DISSECT_MORE)
		return r;
	if (++d->n_headers > AS_HTTP_MAX_HEADERS) {
		if (d->n_headers == AS_HTTP_MAX_HEADERS + 1)
			dissect_anomaly(ctx, H1, "too_many_headers");
		return DISSECT_MORE;
	}
	if (dir == DIR_TO_SERVER)
		request_header(d, name, value, ctx);
	else
		response_header(d, name, value, ctx);
	return DISSECT_MORE;
}

/* Chooses how the body is inspected once the head is known. */
static void choose_body_kind(struct h1_dir *d, enum dissect_dir dir)
{
	if (dir == DIR_TO_CLIENT && d->obs.u.http_resp.sse) {
		d->kind = BODY_SSE;
		sse_reset(&d->sse);
		return;
	}
	if (d->kind == BODY_NDJSON)
		return;
	const char *ct = dir == DIR_TO_SERVER ? d->obs.u.http_req.content_type : d->obs.u.http_resp.content_type;
	/* JSON by type, or untyped and starting with '{' or '[' (checked on the first byte) */
	d->kind = (d->json_type || !ct[0]) ? BODY_JSON : d->form_type ? BODY_FORM : BODY_NONE;
}

/* Sets up the body of a message whose framing is `has body` per RFC 9112 §6.3. */
static void start_body(struct h1_state *st, enum dissect_dir dir, bool until_close, const struct dissect_ctx *ctx)
{
	struct h1_dir *d = &st->d[dir];
	choose_body_kind(d, dir);
	if (d->chunked) {
		d->phase = PH_CHUNK_SIZE;
	} else if (d->has_length) {
		d->remaining = d->length;
		if (dir == DIR_TO_SERVER)
			d->obs.u.http_req.content_length = d->length;
		d->phase = PH_BODY_LEN;
		if (d->remaining == 0)
			message_done(st, dir, ctx);
	} else if (until_close) {
		d->phase = PH_BODY_CLOSE;
	} else {
		message_done(st, dir, ctx);
	}
}

static int run(struct h1_state *st, enum dissect_dir dir, struct sv in, const struct dissect_ctx *ctx);

/* The request side was held after an Upgrade/CONNECT request; the response
 * decided what its bytes are: parse them now. */
static void replay_held(struct h1_state *st, const struct dissect_ctx *ctx)
{
	struct sbuf held = st->hold;
	sbuf_init(&st->hold, held.cap);
	st->hold_over = false;
	if (held.len && run(st, DIR_TO_SERVER, sv_make(held.data, held.len), ctx) < 0)
		st->d[DIR_TO_SERVER].phase = PH_LOST;
	sbuf_free(&held);
}

static int request_head_done(struct h1_state *st, const struct dissect_ctx *ctx)
{
	struct h1_dir *d = &st->d[DIR_TO_SERVER];
	if (d->te_other) { /* RFC 9112 §6.3: a request body of unknown length */
		dissect_anomaly(ctx, H1, "bad_transfer_encoding");
		return AS_ERR_MALFORMED;
	}
	pending_push(st, d->req_flags, req_capture(d), ctx);
	start_body(st, DIR_TO_SERVER, false, ctx);
	return DISSECT_MORE;
}

static int response_head_done(struct h1_state *st, const struct dissect_ctx *ctx)
{
	struct h1_dir *d = &st->d[DIR_TO_CLIENT];
	uint16_t status = d->obs.u.http_resp.status;
	if (status < 200 && status != 101) {
		/* interim response (100 Continue, 103 Early Hints): the final one follows */
		d->in_msg = false;
		d->phase = PH_START;
		d->head_bytes = 0;
		return DISSECT_MORE;
	}
	unsigned flags = pending_pop(st, &d->req);
	struct h1_dir *req = &st->d[DIR_TO_SERVER];
	if (status == 101 && (flags & REQ_WEBSOCKET) && d->upgrade_ws) {
		/* RFC 6455 §4: both directions carry WebSocket frames from here */
		finish_message(d, DIR_TO_CLIENT, ctx);
		free(st->ws_req);
		st->ws_req = d->req;
		d->req = NULL;
		d->phase = PH_WS;
		if (req->phase == PH_HOLD || (req->phase == PH_START && !req->line.len)) {
			req->phase = PH_WS;
			replay_held(st, ctx);
		} else {
			req->phase = PH_LOST;
		}
		return DISSECT_MORE;
	}
	if (status == 101 || ((flags & REQ_CONNECT) && status >= 200 && status < 300)) {
		/* protocol switch or tunnel: nothing more is HTTP/1 */
		finish_message(d, DIR_TO_CLIENT, ctx);
		return DISSECT_DONE;
	}
	if (req->phase == PH_HOLD) {
		req->phase = PH_START; /* upgrade or CONNECT refused: HTTP goes on */
		replay_held(st, ctx);
	}
	if ((flags & REQ_HEAD) || status == 204 || status == 304) {
		message_done(st, DIR_TO_CLIENT, ctx);
		return DISSECT_MORE;
	}
	if (d->te_other)
		d->chunked = d->has_length = false; /* RFC 9112 §6.3 item 4 */
	start_body(st, DIR_TO_CLIENT, true, ctx);
	return DISSECT_MORE;
}

/* ---- chunked coding ---- */

static int chunk_size_line(struct h1_state *st, enum dissect_dir dir, struct sv line,
			   const struct dissect_ctx *ctx)
{
	struct h1_dir *d = &st->d[dir];
	struct sv rest = line;
	struct sv size = sv_trim(sv_split(&rest, ';')); /* chunk extensions are ignored */
	uint64_t n;
	if (!sv_hex_to_u64(size, &n)) {
		dissect_anomaly(ctx, H1, "bad_chunk");
		return AS_ERR_MALFORMED;
	}
	if (n == 0) {
		d->phase = PH_TRAILERS;
		d->head_bytes = 0;
	} else {
		d->remaining = n;
		d->phase = PH_CHUNK_DATA;
	}
	return DISSECT_MORE;
}

/* ---- body bytes ---- */

static void peek_append(struct h1_dir *d, struct sv s, const struct dissect_ctx *ctx)
{
	if (d->peek_over)
		return;
	if (s.len > d->peek.cap - d->peek.len) {
		/* keep what fits: analyzers get the truncated prefix */
		if (sbuf_append(&d->peek, (const uint8_t *)s.p, d->peek.cap - d->peek.len) != AS_OK)
			sbuf_reset(&d->peek);
		d->peek_over = true;
		dissect_anomaly(ctx, H1, "body_over_peek_cap");
	} else if (sbuf_append(&d->peek, (const uint8_t *)s.p, s.len) != AS_OK) {
		d->peek_broken = true; /* out of memory */
	}
}

static void ndjson_data(struct h1_dir *d, struct sv s, const struct dissect_ctx *ctx)
{
	while (s.len) {
		long lf = sv_find_char(s, '\n');
		struct sv part = lf < 0 ? s : sv_sub(s, 0, (size_t)lf);
		if (d->peek_over) {
			/* the rest of an over-long line */
		} else if (part.len > d->peek.cap - d->peek.len ||
			   (!(lf >= 0 && d->peek.len == 0) &&
			    sbuf_append(&d->peek, (const uint8_t *)part.p, part.len) != AS_OK)) {
			/* the same verdict whether or not the line spans segments */
			d->peek_over = true;
			sbuf_reset(&d->peek);
			dissect_anomaly(ctx, H1, "body_over_peek_cap");
		} else if (lf >= 0) {
			struct sv line = d->peek.len ? sv_make(d->peek.data, d->peek.len) : part;
			response_json_text(d, ctx, line, false);
		}
		if (lf < 0)
			return;
		sbuf_reset(&d->peek);
		d->peek_over = false;
		s = sv_rest(s, (size_t)lf + 1);
	}
}

static void body_data(struct h1_dir *d, enum dissect_dir dir, struct sv s, const struct dissect_ctx *ctx)
{
	if (dir == DIR_TO_SERVER) {
		if (d->chunked)
			d->obs.u.http_req.content_length += s.len;
	} else {
		d->obs.u.http_resp.body_bytes += s.len;
	}
	if (s.len == 0 || d->peek_broken)
		return;
	switch (d->kind) {
	case BODY_JSON:
		if (d->peek.len == 0 && !d->peek_over && !d->json_type && !sv_starts_with(s, SV_LIT("{")) &&
		    !sv_starts_with(s, SV_LIT("["))) {
			d->kind = BODY_NONE; /* untyped and not a JSON object or array */
			return;
		}
		peek_append(d, s, ctx);
		break;
	case BODY_FORM:
		peek_append(d, s, ctx);
		break;
	case BODY_SSE: {
		struct sse_user u = {d, ctx};
		uint64_t before = d->sse.dropped;
		if (sse_feed(&d->sse, (const uint8_t *)s.p, s.len, on_sse_event, &u) != AS_OK) {
			/* drops are reported by count below, identically for any split */
		}
		for (uint64_t i = before; i < d->sse.dropped; i++)
			dissect_anomaly(ctx, H1, "sse_event_over_cap");
		break;
	}
	case BODY_NDJSON:
		ndjson_data(d, s, ctx);
		break;
	case BODY_NONE:
		break;
	}
}

/* ---- line reader ---- */

/* Takes one LF-terminated line (CR stripped) from *in, buffering a partial
 * one. Returns 1 with *line set, 0 when more bytes are needed, or
 * AS_ERR_LIMIT when the line would exceed the cap. */
static int take_line(struct h1_dir *d, struct sv *in, struct sv *line)
{
	long lf = sv_find_char(*in, '\n');
	if (lf < 0) {
		if (sbuf_append(&d->line, (const uint8_t *)in->p, in->len) != AS_OK)
			return AS_ERR_LIMIT;
		*in = sv_rest(*in, in->len);
		return 0;
	}
	struct sv piece = sv_sub(*in, 0, (size_t)lf);
	*in = sv_rest(*in, (size_t)lf + 1);
	if (d->line.len) {
		if (sbuf_append(&d->line, (const uint8_t *)piece.p, piece.len) != AS_OK)
			return AS_ERR_LIMIT;
		piece = sv_make(d->line.data, d->line.len);
	} else if (piece.len > d->line.cap) {
		return AS_ERR_LIMIT; /* same verdict as when the line spans segments */
	}
	if (sv_ends_with(piece, SV_LIT("\r")))
		piece.len--;
	*line = piece;
	return 1;
}

static int on_line(struct h1_state *st, enum dissect_dir dir, struct sv line, size_t raw_len,
		   const struct dissect_ctx *ctx)
{
	struct h1_dir *d = &st->d[dir];
	switch (d->phase) {
	case PH_START:
		if (line.len == 0) /* empty lines before a start line are ignored */
			return DISSECT_MORE;
		begin_message(d, dir);
		d->head_bytes = raw_len;
		d->phase = PH_HEADERS;
		return dir == DIR_TO_SERVER ? request_line(st, line, ctx) : status_line(st, line, ctx);
	case PH_HEADERS:
	case PH_TRAILERS:
		d->head_bytes += raw_len;
		if (d->head_bytes > AS_HTTP_MAX_HEADER_BYTES) {
			dissect_anomaly(ctx, H1, "header_too_large");
			return AS_ERR_LIMIT;
		}
		if (d->phase == PH_TRAILERS) {
			if (line.len == 0)
				message_done(st, dir, ctx);
			return DISSECT_MORE; /* trailer fields are not inspected */
		}
		if (line.len == 0)
			return dir == DIR_TO_SERVER ? request_head_done(st, ctx) : response_head_done(st, ctx);
		return header_line(d, dir, line, ctx);
	case PH_CHUNK_SIZE:
		return chunk_size_line(st, dir, line, ctx);
	case PH_CHUNK_CRLF:
		if (line.len != 0) {
			dissect_anomaly(ctx, H1, "bad_chunk");
			return AS_ERR_MALFORMED;
		}
		d->phase = PH_CHUNK_SIZE;
		return DISSECT_MORE;
	default:
		return DISSECT_MORE;
	}
}

static const char *line_limit_reason(enum h1_phase ph)
{
	return (ph == PH_CHUNK_SIZE || ph == PH_CHUNK_CRLF) ? "bad_chunk" : "header_too_large";
}

/* ---- WebSocket ---- */

struct ws_user {
	struct h1_state *st;
	enum dissect_dir dir;
	const struct dissect_ctx *ctx;
};

/* A complete WebSocket text message: JSON-RPC (MCP over WebSocket) in the
 * HTTP context of the upgrade request. */
static void on_ws_message(void *user, struct sv data)
{
	struct ws_user *u = user;
	const struct h1_req *r = u->st->ws_req;
	struct http_view v;
	memset(&v, 0, sizeof v);
	v.request = u->dir == DIR_TO_SERVER;
	v.method = req_get(r, VF_METHOD);
	v.path = req_get(r, VF_PATH);
	v.query = req_get(r, VF_QUERY);
	v.host = req_get(r, VF_HOST);
	v.body = data;
	struct jsonrpc_origin o;
	memset(&o, 0, sizeof o);
	o.transport = RPC_WEBSOCKET;
	o.to_server = u->dir == DIR_TO_SERVER;
	o.authorization = r && r->authorization;
	o.req_session_id = req_get(r, VF_SESSION);
	o.req_protocol_version = req_get(r, VF_PROTO);
	(void)jsonrpc_analyze(&v, &o, data, u->ctx);
}

static int run(struct h1_state *st, enum dissect_dir dir, struct sv in, const struct dissect_ctx *ctx)
{
	struct h1_dir *d = &st->d[dir];
	while (in.len) {
		switch (d->phase) {
		case PH_START:
		case PH_HEADERS:
		case PH_CHUNK_SIZE:
		case PH_CHUNK_CRLF:
		case PH_TRAILERS: {
			size_t before = in.len, buffered = d->line.len;
			struct sv line;
			int r = take_line(d, &in, &line);
			if (r == AS_ERR_LIMIT) {
				dissect_anomaly(ctx, H1, line_limit_reason(d->phase));
				return AS_ERR_LIMIT;
			}
			if (r == 0)
				return DISSECT_MORE;
			r = on_line(st, dir, line, buffered + before - in.len, ctx);
			sbuf_reset(&d->line);
			if (r != DISSECT_MORE)
				return r;
			break;
		}
		case PH_BODY_LEN:
		case PH_CHUNK_DATA: {
			size_t n = d->remaining < in.len ? (size_t)d->remaining : in.len;
			body_data(d, dir, sv_sub(in, 0, n), ctx);
			in = sv_rest(in, n);
			d->remaining -= n;
			if (d->remaining == 0) {
				if (d->phase == PH_BODY_LEN)
					message_done(st, dir, ctx);
				else
					d->phase = PH_CHUNK_CRLF;
			}
			break;
		}
		case PH_BODY_CLOSE:
			body_data(d, dir, in, ctx);
			return DISSECT_MORE;
		case PH_HOLD:
			if (dir == DIR_TO_SERVER && !st->hold_over &&
			    sbuf_append(&st->hold, (const uint8_t *)in.p, in.len) != AS_OK) {
				st->hold_over = true;
				dissect_anomaly(ctx, H1, "upgrade_hold_over_cap");
			}
			return DISSECT_MORE;
		case PH_WS: {
			struct ws_user u = {st, dir, ctx};
			ws_feed(&st->ws[dir], (const uint8_t *)in.p, in.len, on_ws_message, &u, ctx);
			return DISSECT_MORE;
		}
		case PH_LOST:
		case PH_ENDED:
			return DISSECT_MORE;
		}
	}
	return DISSECT_MORE;
}

/* The direction ended: emit what it was in the middle of. */
static void end_dir(struct h1_state *st, enum dissect_dir dir, const struct dissect_ctx *ctx)
{
	struct h1_dir *d = &st->d[dir];
	if (d->phase == PH_ENDED)
		return;
	if (d->phase == PH_WS)
		ws_end(&st->ws[dir], ctx);
	if (d->in_msg) {
		if (d->phase != PH_BODY_CLOSE)
			dissect_anomaly(ctx, H1, "truncated_message");
		finish_message(d, dir, ctx);
	}
	d->phase = PH_ENDED;
}

/* ---- dissector interface ---- */

static bool h1_probe(const struct dissect_probe *p)
{
	if (!(p->transport & TRANSPORT_TCP))
		return false;
	struct sv s = sv_make(p->data, p->len);
	if (p->dir == DIR_TO_CLIENT)
		return sv_starts_with(s, SV_LIT("HTTP/1."));
	for (size_t i = 0; i < N_ELEMS(probe_methods); i++)
		if (sv_starts_with(s, sv_from_cstr(probe_methods[i])))
			return true;
	return false;
}

static void *h1_state_new(void)
{
	struct h1_state *st = calloc(1, sizeof *st);
	if (!st)
		return NULL;
	for (int i = 0; i < 2; i++) {
		sbuf_init(&st->d[i].line, AS_HTTP_MAX_HEADER_BYTES);
		sbuf_init(&st->d[i].peek, AS_HTTP_BODY_PEEK);
		sse_init(&st->d[i].sse, AS_SSE_MAX_EVENT);
		sbuf_init(&st->d[i].vbuf, AS_HTTP_MAX_HEADER_BYTES);
		ws_init(&st->ws[i], i == DIR_TO_SERVER);
	}
	sbuf_init(&st->hold, AS_DISSECT_BUF_MAX);
	return st;
}

static void h1_state_free(void *state)
{
	struct h1_state *st = state;
	if (!st)
		return;
	for (int i = 0; i < 2; i++) {
		sbuf_free(&st->d[i].line);
		sbuf_free(&st->d[i].peek);
		sse_free(&st->d[i].sse);
		sbuf_free(&st->d[i].vbuf);
		free(st->d[i].req);
		ws_free(&st->ws[i]);
	}
	for (size_t i = 0; i < AS_HTTP_MAX_PIPELINE; i++)
		free(st->preq[i]);
	free(st->ws_req);
	sbuf_free(&st->hold);
	free(st);
}

static int h1_parse(void *state, enum dissect_dir dir, const uint8_t *data, size_t len,
		    const struct dissect_ctx *ctx)
{
	struct h1_state *st = state;
	if (dir != DIR_TO_SERVER && dir != DIR_TO_CLIENT)
		return AS_ERR_UNSUPPORTED;
	struct h1_dir *d = &st->d[dir];
	if (d->gap_seen) {
		d->gap_seen = false;
		dissect_anomaly(ctx, H1, d->phase == PH_LOST ? "gap_lost_sync" : "gap_in_body");
	}
	if (len == 0) {
		end_dir(st, dir, ctx);
		return st->d[0].phase == PH_ENDED && st->d[1].phase == PH_ENDED ? DISSECT_DONE : DISSECT_MORE;
	}
	int r = run(st, dir, sv_make(data, len), ctx);
	if (r < 0 || r == DISSECT_DONE) {
		/* unparseable from here, or no longer HTTP: flush what was seen */
		for (int i = 0; i < 2; i++) {
			if (st->d[i].in_msg && r < 0)
				finish_message(&st->d[i], (enum dissect_dir)i, ctx);
			st->d[i].phase = PH_ENDED;
		}
	}
	return r;
}

static void h1_gap(void *state, enum dissect_dir dir, size_t len)
{
	struct h1_state *st = state;
	struct h1_dir *d = &st->d[dir];
	if (d->phase == PH_ENDED || d->phase == PH_LOST || len == 0)
		return;
	d->gap_seen = true;
	if (d->phase == PH_WS) {
		ws_gap(&st->ws[dir], len);
		return;
	}
	bool sized = d->phase == PH_BODY_LEN || d->phase == PH_CHUNK_DATA;
	if ((sized && len <= d->remaining) || d->phase == PH_BODY_CLOSE) {
		/* still framed: count the bytes, but the body can no longer be parsed */
		if (sized)
			d->remaining -= len;
		if (dir == DIR_TO_CLIENT)
			d->obs.u.http_resp.body_bytes += len;
		else if (d->chunked)
			d->obs.u.http_req.content_length += len;
		d->peek_broken = true;
		sse_reset(&d->sse);
		return;
	}
	d->phase = PH_LOST;
}

const struct dissector dissector_http1 = {
	.name = "http1",
	.transports = TRANSPORT_TCP,
	.probe = h1_probe,
	.state_new = h1_state_new,
	.state_free = h1_state_free,
	.parse = h1_parse,
	.gap = h1_gap,
};
