/* analyzers.c — the table of analyzers the HTTP message builder runs, in
 * order: the LLM analyzer fills the exchange first, then JSON-RPC (MCP,
 * A2A), OAuth and A2A cards observe. The order of `observe` hooks is the
 * order of their observations for one message. */
#include "analyzer.h"

#include "json_util.h"

#include <string.h>

const struct analyzer *const analyzer_registry[] = {
    &analyzer_llm, &analyzer_oauth, &analyzer_jsonrpc, &analyzer_a2a_card, NULL,
};

void http_view_origin(const struct http_view *v, struct obs_http_origin *out)
{
	if (v->origin) {
		*out = *v->origin;
		return;
	}
	memset(out, 0, sizeof *out);
	out->response = !v->request;
	sv_copy(out->method, sizeof out->method, v->method);
	sv_copy_lower(out->host, sizeof out->host, v->host);
	sv_copy(out->path, sizeof out->path, v->path);
	out->status = v->status;
	out->authorization = v->authorization.len > 0;
}

const json_t *http_view_json(const struct http_view *v)
{
	struct http_json *j = v->json;
	if (!j || !j->allowed)
		return NULL;
	if (j->tried)
		return j->root;
	j->tried = true;
	switch (json_util_load(v->body, &j->root)) {
	case JSON_UTIL_OK:
		return j->root;
	case JSON_UTIL_TOO_DEEP:
		dissect_anomaly(j->ctx, "http", "json_too_deep");
		return NULL;
	case JSON_UTIL_BAD:
		break;
	}
	struct sv t = sv_trim(v->body);
	if (j->report && (sv_starts_with(t, SV_LIT("{")) || sv_starts_with(t, SV_LIT("["))))
		dissect_anomaly(j->ctx, "http", "bad_json");
	return NULL;
}

const json_t *http_view_json_parsed(const struct http_view *v)
{
	return v->json && v->json->tried ? v->json->root : NULL;
}

bool http_view_mentions(const struct http_view *v, struct sv text)
{
	return v->json && v->json->allowed && sv_find(v->body, text) >= 0;
}
