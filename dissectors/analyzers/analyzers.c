/* analyzers.c — the table of analyzers the HTTP message builder runs, in
 * order: the LLM analyzer fills the exchange first, then JSON-RPC (MCP,
 * A2A), OAuth and A2A cards observe. The order of `observe` hooks is the
 * order of their observations for one message. */
#include "analyzer.h"

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
