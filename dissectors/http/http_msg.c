/* http_msg.c — HTTP semantics (RFC 9110) written once for every framing:
 * the message builder (http.h). A framing reports messages; the builder
 * pairs requests and responses into exchanges (HTTP/1 by order, HTTP/2/3 by
 * stream), takes what the sensor wants from the head (Host, request target
 * with secret query values replaced, User-Agent, SDK identity headers,
 * credentials reduced to keyed-hash fingerprints, content type, MCP
 * headers), reads the body as far as analyzers need it (JSON and form
 * bodies peeked up to AS_HTTP_BODY_PEEK, SSE events and NDJSON lines as
 * they arrive) and runs the analyzer table on each.
 *
 * An exchange lives from its first message to the end of the later one;
 * a request keeps the raw values a response's view needs (method, path,
 * query, Host, MCP headers) in the exchange. Every buffer is capped
 * (common/limits.h). */
#include <stdlib.h>
#include <string.h>

#include "analyzer.h"
#include "coding.h"
#include "cursor.h"
#include "http.h"
#include "json_util.h"
#include "limits.h"
#include "sbuf.h"
#include "sse.h"

#define HTTP "http"
#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

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
	{"originator", false},		  /* OpenAI Codex CLI: "codex_cli_rs", "codex_exec" */
	{"editor-plugin-version", false}, /* GitHub Copilot: "copilot-chat/<version>" */
	{"editor-version", false},	  /* GitHub Copilot: the editor, "vscode/<version>" */
	{"x-cursor-client-version", false}, /* Cursor */
	{"x-cline-version", false},	  /* Cline */
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

/* ---- state ---- */

enum body_kind {
	BODY_NONE,
	BODY_JSON,   /* JSON document, peeked up to AS_HTTP_BODY_PEEK */
	BODY_SSE,    /* text/event-stream */
	BODY_NDJSON, /* application/x-ndjson (Ollama streaming) */
	BODY_FORM,   /* application/x-www-form-urlencoded: peeked for the analyzers (OAuth) */
};

struct vspan {
	uint32_t off, len;
	bool set;
};

/* Raw values of a request that the views of its response need. */
enum req_field {
	RF_METHOD,
	RF_PATH,
	RF_QUERY,
	RF_HOST,
	RF_SESSION,
	RF_PROTO,
	RF_MCP_METHOD,
	RF_MCP_NAME,
	RF_A2A_VERSION,
	RF_A2A_EXT,
	RF_N
};

/* Raw header values of one message, for its own view. */
enum msg_field { MF_CTYPE, MF_AUTH, MF_LOCATION, MF_WWW_AUTH, MF_SESSION, MF_PROTO, MF_N };

struct http_exch {
	struct http_exch *next; /* awaiting its response (HTTP/1 order) */
	uint32_t id;
	uint32_t stream;  /* HTTP/2 and HTTP/3: the stream its response comes on; 0: HTTP/1 order */
	uint8_t messages; /* its messages still open */
	bool queued;	  /* in the connection's list awaiting a response */
	bool answered;	  /* a final response began */
	bool emitted;	  /* OBS_HTTP_EXCHANGE is out */
	struct observation obs; /* OBS_HTTP_EXCHANGE being built */
	struct obs_http_origin origin, resp_origin;
	struct sbuf raw; /* the request's raw values */
	struct vspan rf[RF_N];
};

struct http_msg {
	struct http_conn *c;
	struct http_exch *x;
	bool request;
	bool json_type, form_type;
	bool plain_type; /* text/plain: static servers label JSON so; sniffed like an untyped body */
	struct sbuf vbuf;
	struct vspan mf[MF_N];
	enum body_kind kind;
	struct sbuf peek; /* JSON/form body, or the NDJSON line being built */
	bool peek_over;	  /* this body / NDJSON line went past the cap */
	bool peek_broken; /* bytes were lost: do not parse */
	struct sse_parser sse;
	enum coding coding;	   /* Content-Encoding */
	struct coding_stream *dec; /* undoing it, from the first body byte */
	bool dec_off;		   /* it could not be undone: the body is not read */
};

struct http_conn {
	struct http_exch *waiting, *waiting_tail; /* requests awaiting a response, oldest first */
	size_t n_waiting;
	uint32_t next_id;
};

/* ---- small helpers ---- */

static struct sv sv_rest(struct sv s, size_t off) { return sv_sub(s, off, s.len); }

static bool is_tchar(uint8_t c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return true;
	return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

bool http_token(struct sv s)
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

bool http_list_has(struct sv v, struct sv token)
{
	while (v.len) {
		struct sv item = sv_trim(sv_split(&v, ','));
		if (sv_eq_ci(item, token))
			return true;
	}
	return false;
}

struct sv http_list_last(struct sv v)
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

/* The media type of a Content-Type value, parameters dropped. */
static struct sv mime_of(struct sv value)
{
	struct sv v = sv_trim(value);
	return sv_trim(sv_split(&v, ';'));
}

/* Keeps a raw value in buf (first one wins). Values are parts of a head,
 * which the framing caps, so the buffer (same cap) cannot overflow. */
static void span_set(struct sbuf *buf, struct vspan *sp, struct sv s)
{
	if (sp->set)
		return;
	size_t off = buf->len;
	if (sbuf_append(buf, (const uint8_t *)s.p, s.len) != AS_OK)
		return;
	sp->off = (uint32_t)off;
	sp->len = (uint32_t)s.len;
	sp->set = true;
}

static struct sv span_get(const struct sbuf *buf, const struct vspan *sp)
{
	if (!sp->set || sp->len == 0) /* an empty value may have no buffer behind it */
		return sv_make("", 0);
	return sv_make(buf->data + sp->off, sp->len);
}

static struct sv req_raw(const struct http_exch *x, enum req_field f)
{
	return span_get(&x->raw, &x->rf[f]);
}

static struct sv msg_raw(const struct http_msg *m, enum msg_field f)
{
	return span_get(&m->vbuf, &m->mf[f]);
}

/* ---- exchanges ---- */

static struct http_exch *exch_new(struct http_conn *c, uint32_t stream, uint8_t version)
{
	struct http_exch *x = calloc(1, sizeof *x);
	if (!x)
		return NULL;
	x->id = stream ? stream : ++c->next_id;
	x->stream = stream;
	x->obs.type = OBS_HTTP_EXCHANGE; /* calloc: already zero */
	x->obs.u.http.id = x->id;
	x->obs.u.http.req.stream = -1;
	x->obs.u.http.req.version = version;
	x->origin.exchange = x->id;
	x->origin.version = version;
	sbuf_init(&x->raw, AS_HTTP_MAX_HEADER_BYTES);
	return x;
}

static void exch_free(struct http_exch *x)
{
	sbuf_free(&x->raw);
	free(x);
}

/* A message of x ended (or was dropped: `force`); x goes once no message
 * is open, no response is awaited and its exchange is out. */
static void exch_release(struct http_exch *x, bool force)
{
	if (x->messages)
		x->messages--;
	if (!x->messages && !x->queued && (x->emitted || force))
		exch_free(x);
}

static void waiting_push(struct http_conn *c, struct http_exch *x)
{
	x->next = NULL;
	if (c->waiting_tail)
		c->waiting_tail->next = x;
	else
		c->waiting = x;
	c->waiting_tail = x;
	c->n_waiting++;
	x->queued = true;
}

static void waiting_remove(struct http_conn *c, struct http_exch *x, struct http_exch *prev);

static struct http_exch *waiting_pop(struct http_conn *c)
{
	struct http_exch *x = c->waiting;
	if (x)
		waiting_remove(c, x, NULL);
	return x;
}

/* The exchange a response answers: HTTP/1's oldest awaiting one (stream
 * 0), HTTP/2's and HTTP/3's the one of its stream; *prev is the one before
 * it in the list. */
static struct http_exch *waiting_find(struct http_conn *c, uint32_t stream, struct http_exch **prev)
{
	*prev = NULL;
	for (struct http_exch *x = c->waiting; x; *prev = x, x = x->next)
		if (!stream || x->stream == stream)
			return x;
	return NULL;
}

static void waiting_remove(struct http_conn *c, struct http_exch *x, struct http_exch *prev)
{
	if (prev)
		prev->next = x->next;
	else
		c->waiting = x->next;
	if (c->waiting_tail == x)
		c->waiting_tail = prev;
	c->n_waiting--;
	x->next = NULL;
	x->queued = false;
}

/* ---- the view analyzers get ---- */

static struct http_view make_view(const struct http_msg *m, struct sv body)
{
	const struct http_exch *x = m->x;
	struct http_view v;
	memset(&v, 0, sizeof v);
	v.request = m->request;
	v.carrier = RPC_HTTP_BODY;
	v.origin = m->request ? &x->origin : &x->resp_origin;
	v.method = req_raw(x, RF_METHOD);
	v.path = req_raw(x, RF_PATH);
	v.query = req_raw(x, RF_QUERY);
	v.host = req_raw(x, RF_HOST);
	v.content_type = msg_raw(m, MF_CTYPE);
	if (m->request) {
		v.authorization = msg_raw(m, MF_AUTH);
	} else {
		v.status = x->obs.u.http.resp.status;
		v.location = msg_raw(m, MF_LOCATION);
		v.www_authenticate = msg_raw(m, MF_WWW_AUTH);
	}
	v.mcp_session_id = msg_raw(m, MF_SESSION);
	v.mcp_protocol_version = msg_raw(m, MF_PROTO);
	if (!m->request && !v.mcp_session_id.len)
		v.mcp_session_id = req_raw(x, RF_SESSION);
	if (!m->request && !v.mcp_protocol_version.len)
		v.mcp_protocol_version = req_raw(x, RF_PROTO);
	v.mcp_method = req_raw(x, RF_MCP_METHOD);
	v.mcp_name = req_raw(x, RF_MCP_NAME);
	v.a2a_version = req_raw(x, RF_A2A_VERSION);
	v.a2a_extensions = req_raw(x, RF_A2A_EXT);
	v.body = body;
	v.body_truncated = m->peek_over;
	return v;
}

static struct http_facts facts_of(struct http_msg *m)
{
	struct http_facts f = {NULL, NULL};
	if (m->request)
		f.req = &m->x->obs.u.http.req;
	else
		f.resp = &m->x->obs.u.http.resp;
	return f;
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

static void add_credential(struct http_msg *m, const struct dissect_ctx *ctx, enum cred_where where,
			   enum cred_type type, struct sv secret)
{
	struct obs_http_request *r = &m->x->obs.u.http.req;
	if (dissect_credential_add(ctx, r->credentials, &r->n_credentials, N_ELEMS(r->credentials), where, type,
				   secret.p, secret.len) < 0)
		dissect_anomaly(ctx, HTTP, "credentials_over_cap");
}

static void on_authorization(struct http_msg *m, const struct dissect_ctx *ctx, struct sv value)
{
	struct sv rest = value;
	struct sv scheme = sv_split(&rest, ' ');
	rest = sv_trim(rest);
	if (sv_eq_ci(scheme, SV_LIT("Bearer")))
		add_credential(m, ctx, CRED_AUTH_BEARER, classify_secret(rest), rest);
	else if (sv_eq_ci(scheme, SV_LIT("Basic")))
		add_credential(m, ctx, CRED_AUTH_BASIC, CRED_T_PASSWORD, rest);
	else if (rest.len)
		add_credential(m, ctx, CRED_AUTH_OTHER, classify_secret(rest), rest);
	else /* a bare value, no scheme word */
		add_credential(m, ctx, CRED_AUTH_OTHER, classify_secret(scheme), scheme);
}

/* ---- request target ---- */

/* Copies the query, replacing secret parameter values by hmac:<fp>. */
static void set_query(struct http_msg *m, const struct dissect_ctx *ctx, struct sv q)
{
	struct obs_http_request *r = &m->x->obs.u.http.req;
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
			dissect_fingerprint(ctx, value.p, value.len, fp);
			sv_append(r->query, sizeof r->query, &pos, name);
			sv_append(r->query, sizeof r->query, &pos, SV_LIT("=hmac:"));
			sv_append(r->query, sizeof r->query, &pos, sv_from_cstr(fp));
			if (in_table(query_credential_params, N_ELEMS(query_credential_params), name))
				add_credential(m, ctx, CRED_QUERY_KEY, classify_key(value), value);
			else if (sv_eq_ci(name, SV_LIT("token")))
				add_credential(m, ctx, CRED_URL_TOKEN, classify_secret(value), value);
		} else {
			sv_append(r->query, sizeof r->query, &pos, param);
		}
	}
}

/* Host header or URL authority: lower case, port split out, userinfo
 * dropped; kept raw for the views. */
static void set_host(struct http_msg *m, struct sv h)
{
	struct obs_http_request *r = &m->x->obs.u.http.req;
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
	span_set(&m->x->raw, &m->x->rf[RF_HOST], name);
}

void http_request_line(struct http_msg *m, struct sv method, struct sv target, const struct dissect_ctx *ctx)
{
	struct http_exch *x = m->x;
	struct obs_http_request *r = &x->obs.u.http.req;
	sv_copy(r->method, sizeof r->method, method);
	span_set(&x->raw, &x->rf[RF_METHOD], method);
	if (sv_eq(method, SV_LIT("CONNECT"))) { /* authority-form */
		set_host(m, target);
		return;
	}
	struct sv rest = target;
	if (sv_starts_with_ci(target, SV_LIT("http://")) || sv_starts_with_ci(target, SV_LIT("https://"))) {
		/* absolute-form (proxy requests): the authority wins over Host */
		rest = sv_rest(target, (size_t)sv_find_char(target, '/') + 2);
		long end = sv_find_char(rest, '/');
		long q = sv_find_char(rest, '?');
		if (end < 0 || (q >= 0 && q < end))
			end = q;
		struct sv auth = end < 0 ? rest : sv_sub(rest, 0, (size_t)end);
		rest = end < 0 ? sv_rest(rest, rest.len) : sv_rest(rest, (size_t)end);
		set_host(m, auth);
	}
	long hash = sv_find_char(rest, '#');
	if (hash >= 0)
		rest = sv_sub(rest, 0, (size_t)hash);
	struct sv query = rest;
	struct sv path = sv_split(&query, '?');
	if (path.len == 0 && target.len && !sv_starts_with(target, SV_LIT("?")))
		path = SV_LIT("/");
	sv_copy(r->path, sizeof r->path, path);
	span_set(&x->raw, &x->rf[RF_PATH], path);
	span_set(&x->raw, &x->rf[RF_QUERY], query);
	set_query(m, ctx, query);
}

/* ---- headers ---- */

static bool sdk_header(struct sv name, bool request)
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
		dissect_anomaly(ctx, HTTP, "sdk_headers_over_cap");
		return;
	}
	sv_copy_lower(hs[*n].name, sizeof hs[*n].name, name);
	sv_copy(hs[*n].value, sizeof hs[*n].value, value);
	(*n)++;
}

static void content_type(struct http_msg *m, char *dst, size_t dstsz, struct sv value)
{
	sv_copy(dst, dstsz, value);
	span_set(&m->vbuf, &m->mf[MF_CTYPE], value);
	struct sv mime = mime_of(value);
	m->form_type = sv_eq_ci(mime, SV_LIT("application/x-www-form-urlencoded"));
	m->json_type = sv_find_ci(m->request ? value : mime, SV_LIT("json")) >= 0;
	m->plain_type = sv_eq_ci(mime, SV_LIT("text/plain"));
}

static void request_header(struct http_msg *m, struct sv name, struct sv value, const struct dissect_ctx *ctx)
{
	struct obs_http_request *r = &m->x->obs.u.http.req;
	if (sv_eq_ci(name, SV_LIT("host"))) {
		if (!r->host[0])
			set_host(m, value);
	} else if (sv_eq_ci(name, SV_LIT("user-agent"))) {
		sv_copy(r->user_agent, sizeof r->user_agent, value);
	} else if (sv_eq_ci(name, SV_LIT("content-type"))) {
		content_type(m, r->content_type, sizeof r->content_type, value);
	} else if (sv_eq_ci(name, SV_LIT("upgrade"))) {
		r->upgrade_websocket |= http_list_has(value, SV_LIT("websocket"));
	} else if (sv_eq_ci(name, SV_LIT("content-encoding"))) {
		m->coding = coding_of(value);
	} else if (sv_eq_ci(name, SV_LIT("authorization"))) {
		span_set(&m->vbuf, &m->mf[MF_AUTH], value);
		on_authorization(m, ctx, value);
	} else if (sv_eq_ci(name, SV_LIT("x-api-key"))) {
		add_credential(m, ctx, CRED_X_API_KEY, classify_key(value), value);
	} else if (sv_eq_ci(name, SV_LIT("api-key"))) {
		add_credential(m, ctx, CRED_API_KEY, classify_key(value), value);
	} else if (sv_eq_ci(name, SV_LIT("x-goog-api-key"))) {
		add_credential(m, ctx, CRED_X_GOOG_API_KEY, classify_key(value), value);
	} else if (sv_eq_ci(name, SV_LIT("cookie"))) {
		add_credential(m, ctx, CRED_COOKIE, CRED_T_COOKIE, value);
	} else if (sv_eq_ci(name, SV_LIT("mcp-session-id"))) {
		span_set(&m->vbuf, &m->mf[MF_SESSION], value);
		span_set(&m->x->raw, &m->x->rf[RF_SESSION], value);
	} else if (sv_eq_ci(name, SV_LIT("mcp-method"))) { /* MCP 2026-07-28 */
		span_set(&m->x->raw, &m->x->rf[RF_MCP_METHOD], value);
	} else if (sv_eq_ci(name, SV_LIT("mcp-name"))) {
		span_set(&m->x->raw, &m->x->rf[RF_MCP_NAME], value);
	} else if (sv_eq_ci(name, SV_LIT("a2a-version"))) { /* A2A 1.0 */
		span_set(&m->x->raw, &m->x->rf[RF_A2A_VERSION], value);
	} else if (sv_eq_ci(name, SV_LIT("a2a-extensions"))) {
		span_set(&m->x->raw, &m->x->rf[RF_A2A_EXT], value);
	} else if (sdk_header(name, true)) {
		if (sv_eq_ci(name, SV_LIT("mcp-protocol-version"))) {
			span_set(&m->vbuf, &m->mf[MF_PROTO], value);
			span_set(&m->x->raw, &m->x->rf[RF_PROTO], value);
		}
		add_sdk_header(&r->n_sdk_headers, r->sdk_headers, name, value, ctx);
	}
}

static void response_header(struct http_msg *m, struct sv name, struct sv value, const struct dissect_ctx *ctx)
{
	struct obs_http_response *r = &m->x->obs.u.http.resp;
	if (sv_eq_ci(name, SV_LIT("content-type"))) {
		content_type(m, r->content_type, sizeof r->content_type, value);
		struct sv mime = mime_of(value);
		r->sse = sv_eq_ci(mime, SV_LIT("text/event-stream"));
		if (sv_eq_ci(mime, SV_LIT("application/x-ndjson")))
			m->kind = BODY_NDJSON;
	} else if (sv_eq_ci(name, SV_LIT("server"))) {
		sv_copy(r->server, sizeof r->server, value);
	} else if (sv_eq_ci(name, SV_LIT("content-encoding"))) {
		m->coding = coding_of(value);
	} else if (sv_eq_ci(name, SV_LIT("location"))) {
		span_set(&m->vbuf, &m->mf[MF_LOCATION], value);
	} else if (sv_eq_ci(name, SV_LIT("www-authenticate"))) {
		span_set(&m->vbuf, &m->mf[MF_WWW_AUTH], value);
	} else if (sv_eq_ci(name, SV_LIT("mcp-session-id"))) {
		span_set(&m->vbuf, &m->mf[MF_SESSION], value);
	} else if (sv_eq_ci(name, SV_LIT("mcp-protocol-version"))) {
		span_set(&m->vbuf, &m->mf[MF_PROTO], value);
	} else if (sdk_header(name, false)) {
		add_sdk_header(&r->n_sdk_headers, r->sdk_headers, name, value, ctx);
	}
}

void http_header(struct http_msg *m, struct sv name, struct sv value, const struct dissect_ctx *ctx)
{
	if (!m)
		return;
	if (m->request)
		request_header(m, name, value, ctx);
	else
		response_header(m, name, value, ctx);
}

/* ---- messages ---- */

static struct http_msg *msg_new(struct http_conn *c, struct http_exch *x, bool request)
{
	struct http_msg *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	m->c = c;
	m->x = x;
	m->request = request;
	sbuf_init(&m->vbuf, AS_HTTP_MAX_HEADER_BYTES);
	sbuf_init(&m->peek, AS_HTTP_BODY_PEEK);
	sse_init(&m->sse, AS_SSE_MAX_EVENT);
	x->messages++;
	return m;
}

static void msg_free(struct http_msg *m)
{
	sbuf_free(&m->vbuf);
	sbuf_free(&m->peek);
	sse_free(&m->sse);
	coding_free(m->dec);
	free(m);
}

struct http_msg *http_request_begin(struct http_conn *c, uint32_t stream, uint8_t version,
				    const struct dissect_ctx *ctx)
{
	if (c->n_waiting >= AS_HTTP_MAX_PIPELINE) {
		dissect_anomaly(ctx, HTTP, "pipeline_over_cap");
		return NULL;
	}
	struct http_exch *x = exch_new(c, stream, version);
	if (!x)
		return NULL;
	struct http_msg *m = msg_new(c, x, true);
	if (!m) {
		exch_free(x);
		return NULL;
	}
	x->obs.u.http.seen = HTTP_SEEN_REQUEST;
	waiting_push(c, x);
	return m;
}

struct http_msg *http_response_begin(struct http_conn *c, uint32_t stream, uint8_t version, uint16_t status,
				     const struct dissect_ctx *ctx)
{
	(void)ctx;
	struct http_exch *prev, *x = waiting_find(c, stream, &prev);
	if (!x && !(x = exch_new(c, stream, version)))
		return NULL; /* the request was not seen (capture began mid-connection) */
	struct http_msg *m = msg_new(c, x, false);
	if (!m) {
		if (!x->messages && !x->queued)
			exch_free(x);
		return NULL;
	}
	struct obs_http_response *r = &x->obs.u.http.resp;
	memset(r, 0, sizeof *r);
	r->version = version;
	r->status = status;
	x->obs.u.http.seen |= HTTP_SEEN_RESPONSE;
	if (!http_status_interim(status)) { /* final: the exchange is this response's */
		if (x->queued)
			waiting_remove(c, x, prev);
		x->answered = true;
	}
	x->resp_origin = x->origin;
	x->resp_origin.exchange = x->id;
	x->resp_origin.response = true;
	x->resp_origin.status = status;
	return m;
}

bool http_status_interim(uint16_t status)
{
	return status < 200 && status != 101;
}

void http_interim_end(struct http_msg *m)
{
	if (!m)
		return;
	struct http_exch *x = m->x;
	x->obs.u.http.seen &= (uint8_t)~HTTP_SEEN_RESPONSE;
	memset(&x->obs.u.http.resp, 0, sizeof x->obs.u.http.resp);
	exch_release(x, !x->queued); /* a lone interim response has no exchange to wait for */
	msg_free(m);
}

void http_switch_h2c(struct http_msg *m)
{
	if (!m)
		return;
	struct http_exch *x = m->x;
	x->stream = 1;
	x->answered = false;
	if (!x->queued)
		waiting_push(m->c, x);
	x->obs.u.http.seen &= (uint8_t)~HTTP_SEEN_RESPONSE;
	memset(&x->obs.u.http.resp, 0, sizeof x->obs.u.http.resp);
	exch_release(x, false);
	msg_free(m);
}

void http_fields_init(struct http_fields *h)
{
	h->n = h->over = 0;
	sbuf_init(&h->copy, 2 * (size_t)AS_H2_MAX_BLOCK);
}

void http_fields_add(struct http_fields *h, const uint8_t *name, size_t name_len, const uint8_t *value,
		     size_t value_len)
{
	size_t start = h->copy.len;
	if (h->n < AS_HTTP_MAX_HEADERS && sbuf_append(&h->copy, name, name_len) == AS_OK &&
	    sbuf_append(&h->copy, value, value_len) == AS_OK) {
		/* offsets now, pointers once the copy stops moving */
		h->at[h->n][0] = start;
		h->at[h->n][1] = start + name_len;
		h->f[h->n].name.len = name_len;
		h->f[h->n].value.len = value_len;
		h->n++;
	} else {
		h->over++;
	}
}

const struct http_field *http_fields_done(struct http_fields *h)
{
	const char *base = h->copy.data ? (const char *)h->copy.data : ""; /* all empty: nothing copied */
	for (size_t i = 0; i < h->n; i++) {
		h->f[i].name.p = base + h->at[i][0];
		h->f[i].value.p = base + h->at[i][1];
	}
	return h->f;
}

void http_fields_free(struct http_fields *h)
{
	sbuf_free(&h->copy);
}

struct http_msg *http_section(struct http_conn *c, struct http_msg *m, uint32_t stream, uint8_t version,
			      bool request, const struct http_field *f, size_t n, const struct dissect_ctx *ctx)
{
	bool trailers = m != NULL;
	if (!m) {
		/* a pseudo-header field left out reads as empty, never as NULL */
		struct sv method = SV_LIT(""), path = SV_LIT(""), authority = SV_LIT(""), status = SV_LIT("");
		for (size_t i = 0; i < n; i++) {
			if (sv_eq(f[i].name, SV_LIT(":method")))
				method = f[i].value;
			else if (sv_eq(f[i].name, SV_LIT(":path")))
				path = f[i].value;
			else if (sv_eq(f[i].name, SV_LIT(":authority")))
				authority = f[i].value;
			else if (sv_eq(f[i].name, SV_LIT(":status")))
				status = f[i].value;
		}
		if (request) {
			if (!(m = http_request_begin(c, stream, version, ctx)))
				return NULL; /* counted by http_request_begin */
			http_request_line(m, method, path, ctx);
			if (authority.len)
				http_header(m, SV_LIT("host"), authority, ctx);
		} else {
			unsigned code = 0;
			for (size_t i = 0; i < status.len && i < 3; i++)
				code = code * 10 + (unsigned)(status.p[i] - '0');
			if (!(m = http_response_begin(c, stream, version, (uint16_t)code, ctx)))
				return NULL;
			if (http_status_interim((uint16_t)code)) { /* the final response follows */
				http_interim_end(m);
				return NULL;
			}
		}
	}
	for (size_t i = 0; i < n; i++)
		if (!(f[i].name.len && f[i].name.p[0] == ':'))
			http_header(m, f[i].name, f[i].value, ctx);
	if (!trailers)
		http_head_end(m);
	return m;
}

/* The origin of the request side: known once its head is. */
static void request_origin(struct http_exch *x)
{
	const struct obs_http_request *r = &x->obs.u.http.req;
	struct obs_http_origin *o = &x->origin;
	o->exchange = x->id;
	o->version = r->version;
	o->response = false;
	memcpy(o->method, r->method, sizeof o->method);
	memcpy(o->host, r->host, sizeof o->host);
	memcpy(o->path, r->path, sizeof o->path);
	memcpy(o->user_agent, r->user_agent, sizeof o->user_agent);
	o->n_credentials = r->n_credentials < 2 ? r->n_credentials : 2;
	memcpy(o->credentials, r->credentials, sizeof o->credentials);
	sv_copy(o->mcp_session_id, sizeof o->mcp_session_id, req_raw(x, RF_SESSION));
	sv_copy(o->mcp_protocol_version, sizeof o->mcp_protocol_version, req_raw(x, RF_PROTO));
}

void http_head_end(struct http_msg *m)
{
	if (!m)
		return;
	struct http_exch *x = m->x;
	if (m->request) {
		x->origin.authorization = m->mf[MF_AUTH].set;
		request_origin(x);
	}
	if (!m->request && x->obs.u.http.resp.sse) {
		m->kind = BODY_SSE;
		sse_reset(&m->sse);
		return;
	}
	if (m->kind == BODY_NDJSON)
		return;
	/* JSON by type, or untyped (or text/plain) and starting with '{' or '['
	 * (checked on the first byte) */
	bool typed = m->mf[MF_CTYPE].set && !m->plain_type;
	m->kind = (m->json_type || !typed) ? BODY_JSON : m->form_type ? BODY_FORM : BODY_NONE;
}

/* ---- bodies ---- */

/* Parses a JSON body or stream item (object or array); NULL, and an
 * anomaly when `report` and it looked like JSON, when it is not JSON. */
/* One item of a streamed response: every analyzer's stream hooks. */
/* Whether a streamed item is worth a JSON tree: a JSON-RPC message (MCP,
 * A2A) always; a model's stream only while its model is unknown and where
 * it reports usage — the other items of a long answer (its text, a token
 * at a time) are not parsed at all. */
static void stream_item(struct http_msg *m, uint8_t carrier, struct sv event, struct sv data,
			const struct dissect_ctx *ctx)
{
	struct http_view v = make_view(m, data);
	v.carrier = carrier;
	struct http_json json = {.allowed = !sv_eq(sv_trim(data), SV_LIT("[DONE]")), .ctx = ctx}; /* OpenAI's end */
	v.json = &json;
	json_util_arena_begin();
	struct http_facts f = facts_of(m);
	for (size_t i = 0; analyzer_registry[i]; i++)
		if (analyzer_registry[i]->stream_facts)
			analyzer_registry[i]->stream_facts(&v, event, &f, ctx);
	for (size_t i = 0; analyzer_registry[i]; i++)
		if (analyzer_registry[i]->stream_observe)
			analyzer_registry[i]->stream_observe(&v, event, ctx);
	json_decref(json.root);
	json_util_arena_end();
}

struct sse_user {
	struct http_msg *m;
	const struct dissect_ctx *ctx;
};

static void on_sse_event(void *user, struct sv event, struct sv data)
{
	struct sse_user *u = user;
	stream_item(u->m, RPC_HTTP_SSE, event, data, u->ctx);
}

static void peek_append(struct http_msg *m, struct sv s, const struct dissect_ctx *ctx)
{
	if (m->peek_over)
		return;
	if (s.len > m->peek.cap - m->peek.len) {
		/* keep what fits: analyzers get the truncated prefix */
		if (sbuf_append(&m->peek, (const uint8_t *)s.p, m->peek.cap - m->peek.len) != AS_OK)
			sbuf_reset(&m->peek);
		m->peek_over = true;
		dissect_anomaly(ctx, HTTP, "body_over_peek_cap");
	} else if (sbuf_append(&m->peek, (const uint8_t *)s.p, s.len) != AS_OK) {
		m->peek_broken = true; /* out of memory */
	}
}

static void ndjson_data(struct http_msg *m, struct sv s, const struct dissect_ctx *ctx)
{
	while (s.len) {
		long lf = sv_find_char(s, '\n');
		struct sv part = lf < 0 ? s : sv_sub(s, 0, (size_t)lf);
		if (m->peek_over) {
			/* the rest of an over-long line */
		} else if (part.len > m->peek.cap - m->peek.len ||
			   (!(lf >= 0 && m->peek.len == 0) &&
			    sbuf_append(&m->peek, (const uint8_t *)part.p, part.len) != AS_OK)) {
			/* the same verdict whether or not the line spans segments */
			m->peek_over = true;
			sbuf_reset(&m->peek);
			dissect_anomaly(ctx, HTTP, "body_over_peek_cap");
		} else if (lf >= 0) {
			struct sv line = m->peek.len ? sv_make(m->peek.data, m->peek.len) : part;
			stream_item(m, RPC_HTTP_BODY, sv_make("", 0), line, ctx);
		}
		if (lf < 0)
			return;
		sbuf_reset(&m->peek);
		m->peek_over = false;
		s = sv_rest(s, (size_t)lf + 1);
	}
}

/* Body bytes as the analyzers read them: decoded, the coding undone. */
static void body_plain(struct http_msg *m, struct sv s, const struct dissect_ctx *ctx)
{
	switch (m->kind) {
	case BODY_JSON:
		if (m->peek.len == 0 && !m->peek_over && !m->json_type && !sv_starts_with(s, SV_LIT("{")) &&
		    !sv_starts_with(s, SV_LIT("["))) {
			m->kind = BODY_NONE; /* untyped and not a JSON object or array */
			return;
		}
		peek_append(m, s, ctx);
		break;
	case BODY_FORM:
		peek_append(m, s, ctx);
		break;
	case BODY_SSE: {
		struct sse_user u = {m, ctx};
		uint64_t before = m->sse.dropped;
		if (sse_feed(&m->sse, (const uint8_t *)s.p, s.len, on_sse_event, &u) != AS_OK) {
			/* drops are reported by count below, identically for any split */
		}
		for (uint64_t i = before; i < m->sse.dropped; i++)
			dissect_anomaly(ctx, HTTP, "sse_event_over_cap");
		break;
	}
	case BODY_NDJSON:
		ndjson_data(m, s, ctx);
		break;
	case BODY_NONE:
		break;
	}
}

struct decoded_user {
	struct http_msg *m;
	const struct dissect_ctx *ctx;
};

static void on_decoded(void *user, const uint8_t *p, size_t n)
{
	struct decoded_user *u = user;
	if (!u->m->peek_broken)
		body_plain(u->m, sv_make((const char *)p, n), u->ctx);
}

/* A gzip, deflate or br body undone as it comes; a coding not undone, or
 * one that fails or inflates past its cap, leaves the body unread. */
static void body_coded(struct http_msg *m, struct sv s, const struct dissect_ctx *ctx)
{
	if (m->dec_off)
		return;
	if (!m->dec && !(m->dec = coding_new(m->coding))) {
		m->dec_off = true;
		dissect_anomaly(ctx, HTTP,
				m->coding == CODING_OTHER ? "content_coding_not_read" : "out_of_memory");
		return;
	}
	struct decoded_user u = {m, ctx};
	int r = coding_feed(m->dec, (const uint8_t *)s.p, s.len, on_decoded, &u);
	if (r < 0) {
		m->dec_off = true;
		dissect_anomaly(ctx, HTTP, r == AS_ERR_LIMIT ? "inflated_over_cap" : "bad_content_coding");
		if (r == AS_ERR_LIMIT)
			m->peek_over = true;
	}
}

void http_body(struct http_msg *m, struct sv s, const struct dissect_ctx *ctx)
{
	if (!m)
		return;
	struct obs_http_exchange *e = &m->x->obs.u.http;
	if (m->request)
		e->req.content_length += s.len;
	else
		e->resp.body_bytes += s.len;
	if (s.len == 0 || m->peek_broken)
		return;
	if (m->coding != CODING_IDENTITY)
		body_coded(m, s, ctx);
	else
		body_plain(m, s, ctx);
}

void http_body_lost(struct http_msg *m, size_t len)
{
	if (!m)
		return;
	if (m->request)
		m->x->obs.u.http.req.content_length += len;
	else
		m->x->obs.u.http.resp.body_bytes += len;
	m->peek_broken = true;
	m->dec_off = true; /* a coded stream cannot go on past a hole */
	sse_reset(&m->sse);
}

/* The exchange is over: its request and response (or what was seen). */
static void exch_emit(struct http_exch *x, const struct dissect_ctx *ctx)
{
	dissect_emit(ctx, &x->obs);
	x->emitted = true;
}

/* Its request is complete: the exchange so far, without a response (a
 * long answer, an event stream, may take minutes to come). */
static void request_emit(struct http_exch *x, const struct dissect_ctx *ctx)
{
	struct observation o;
	memcpy(&o, &x->obs, observation_size(OBS_HTTP_REQUEST));
	o.type = OBS_HTTP_REQUEST;
	o.u.http.seen = HTTP_SEEN_REQUEST;
	dissect_emit(ctx, &o);
}

void http_message_end(struct http_msg *m, bool truncated, const struct dissect_ctx *ctx)
{
	if (!m)
		return;
	(void)truncated;
	struct http_exch *x = m->x;
	struct sv body = m->peek.len ? sv_make(m->peek.data, m->peek.len) : sv_make("", 0);
	bool intact = !m->peek_over && !m->peek_broken && body.len;
	struct http_json json = {.allowed = m->kind == BODY_JSON && intact, .report = m->json_type, .ctx = ctx};
	json_util_arena_begin();
	if (m->kind == BODY_NDJSON && intact)
		stream_item(m, RPC_HTTP_BODY, sv_make("", 0), body, ctx); /* last line without its '\n' */
	if (m->kind == BODY_SSE)
		sse_reset(&m->sse); /* an unterminated event is discarded (WHATWG) */
	bool peeked = (m->kind == BODY_JSON || m->kind == BODY_FORM) && !m->peek_broken;
	struct http_view v = make_view(m, peeked ? body : sv_make("", 0));
	v.json = &json;
	struct http_facts f = facts_of(m);
	for (size_t i = 0; analyzer_registry[i]; i++)
		if (analyzer_registry[i]->facts)
			analyzer_registry[i]->facts(&v, &f, ctx);
	if (m->request)
		x->obs.u.http.request_us = ctx->ts_us;
	if (m->request && !x->answered)
		request_emit(x, ctx);
	else if (!m->request)
		exch_emit(x, ctx);
	for (size_t i = 0; analyzer_registry[i]; i++)
		if (analyzer_registry[i]->observe)
			analyzer_registry[i]->observe(&v, ctx);
	json_decref(json.root);
	json_util_arena_end();
	exch_release(x, false);
	msg_free(m);
}

void http_message_drop(struct http_msg *m)
{
	if (!m)
		return;
	exch_release(m->x, true);
	msg_free(m);
}

const struct obs_http_origin *http_msg_origin(const struct http_msg *m)
{
	return m ? (m->request ? &m->x->origin : &m->x->resp_origin) : NULL;
}

/* ---- the connection ---- */

struct http_conn *http_conn_new(void)
{
	return calloc(1, sizeof(struct http_conn));
}

void http_conn_end(struct http_conn *c, const struct dissect_ctx *ctx)
{
	if (!c)
		return; /* handed to the layer above (h2c) */
	struct http_exch *x;
	while ((x = waiting_pop(c))) {
		x->answered = true; /* no response will come */
		if (!x->emitted)
			exch_emit(x, ctx);
		if (!x->messages)
			exch_free(x);
	}
}

void http_conn_free(struct http_conn *c)
{
	if (!c)
		return;
	struct http_exch *x;
	while ((x = waiting_pop(c)))
		if (!x->messages)
			exch_free(x);
	free(c);
}
