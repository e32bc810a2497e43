/* llm.c — what LLM API traffic says of itself in its JSON: the request's
 * "model" and "stream", the response's model and token usage, from whole
 * bodies and from each streamed item (SSE event, NDJSON line). Shapes:
 * OpenAI Chat Completions and Responses, Anthropic Messages (message_start's
 * "message"), Gemini (modelVersion, usageMetadata), Ollama (eval counts). */
#include "analyzer.h"

#include <string.h>

#include "json_util.h"
#include "text.h"

static void set_count(uint64_t *dst, const json_t *v)
{
	if (json_is_integer(v) && json_integer_value(v) >= 0)
		*dst = (uint64_t)json_integer_value(v);
}

static void apply_usage(struct obs_http_response *r, const json_t *u)
{
	if (!json_is_object(u))
		return;
	set_count(&r->input_tokens, json_object_get(u, "prompt_tokens")); /* OpenAI chat */
	set_count(&r->output_tokens, json_object_get(u, "completion_tokens"));
	set_count(&r->input_tokens, json_object_get(u, "input_tokens")); /* Anthropic, Responses */
	set_count(&r->output_tokens, json_object_get(u, "output_tokens"));
}

/* Model and usage from one response document or stream item. The first
 * model seen wins; usage seen later overwrites (stream totals come last). */
static void response_json(struct obs_http_response *r, const json_t *root)
{
	if (!json_is_object(root))
		return;
	/* top level (OpenAI, Ollama), Anthropic message_start's "message",
	 * OpenAI Responses stream events' "response" */
	const json_t *where[3] = {root, json_object_get(root, "message"), json_object_get(root, "response")};
	for (size_t i = 0; i < 3; i++) {
		if (!json_is_object(where[i]))
			continue;
		if (!r->model[0])
			json_util_copy_string(r->model, sizeof r->model, json_object_get(where[i], "model"));
		apply_usage(r, json_object_get(where[i], "usage"));
	}
	if (!r->model[0]) /* Gemini */
		json_util_copy_string(r->model, sizeof r->model, json_object_get(root, "modelVersion"));
	set_count(&r->input_tokens, json_object_get(root, "prompt_eval_count")); /* Ollama */
	set_count(&r->output_tokens, json_object_get(root, "eval_count"));
	const json_t *um = json_object_get(root, "usageMetadata"); /* Gemini */
	if (json_is_object(um)) {
		set_count(&r->input_tokens, json_object_get(um, "promptTokenCount"));
		set_count(&r->output_tokens, json_object_get(um, "candidatesTokenCount"));
	}
}

/* The members a model API's body can say something in, read without a
 * tree of the rest (the request's messages, the answer's text). */
static const char *const request_keys[] = {"model", "stream"};
static const char *const response_keys[] = {"model",	    "usage",	   "message",	  "response",
					    "modelVersion", "usageMetadata", "prompt_eval_count", "eval_count"};

static json_t *members(const struct http_view *v, bool request)
{
	json_t *root;
	if (!v->json || !v->json->allowed)
		return NULL;
	if (request)
		return json_util_members(v->body, request_keys, 2, &root) == JSON_UTIL_OK ? root : NULL;
	return json_util_members(v->body, response_keys, sizeof response_keys / sizeof response_keys[0], &root) ==
		       JSON_UTIL_OK
		   ? root
		   : NULL;
}

static void llm_facts(const struct http_view *v, struct http_facts *f, const struct dissect_ctx *ctx)
{
	(void)ctx;
	json_t *root = members(v, f->req != NULL);
	if (!json_is_object(root)) {
		json_decref(root);
		return;
	}
	if (f->req) {
		json_util_copy_string(f->req->model, sizeof f->req->model, json_object_get(root, "model"));
		const json_t *stream = json_object_get(root, "stream");
		if (json_is_boolean(stream))
			f->req->stream = json_is_true(stream) ? 1 : 0;
	} else if (f->resp) {
		response_json(f->resp, root);
	}
	json_decref(root);
}

/* Whether a streamed item can say something new: while the model is
 * unknown, and where it reports usage. The other items of a long answer
 * (its text, a token at a time) are not read at all. */
static bool item_counts(const struct http_view *v, const struct obs_http_response *r)
{
	if (!r->model[0])
		return true;
	long u = sv_find(v->body, SV_LIT("\"usage\""));
	if (u >= 0 && sv_find(v->body, SV_LIT("\"usage\":null")) != u)
		return true;
	return sv_find(v->body, SV_LIT("usageMetadata")) >= 0 || sv_find(v->body, SV_LIT("eval_count")) >= 0;
}

static void llm_stream_facts(const struct http_view *v, struct sv event, struct http_facts *f,
			     const struct dissect_ctx *ctx)
{
	(void)event;
	(void)ctx;
	if (!f->resp || !item_counts(v, f->resp)) /* model and usage are found by shape, whatever the event */
		return;
	json_t *root = members(v, false);
	response_json(f->resp, root);
	json_decref(root);
}

/* OpenAI's Responses API over a WebSocket (Codex CLI; the Realtime API's
 * response.done alike): each response the server completes answers one
 * `response.create`, the WebSocket form of POST to the upgrade's path. It
 * is reported as that exchange, with its model and usage; the client is
 * the upgrade request's. */
static const char *const ws_keys[] = {"type", "response"};

static void llm_ws_message(const struct http_view *v, const struct dissect_ctx *ctx)
{
	const struct obs_http_origin *og = v->origin;
	json_t *root;
	if (v->request || !og || sv_find(v->body, SV_LIT("\"response.")) < 0 ||
	    json_util_members(v->body, ws_keys, 2, &root) != JSON_UTIL_OK)
		return;
	const char *type = json_string_value(json_object_get(root, "type"));
	if (type && (!strcmp(type, "response.completed") || !strcmp(type, "response.done"))) {
		struct observation o;
		observation_init(&o, OBS_HTTP_EXCHANGE);
		struct obs_http_exchange *x = &o.u.http;
		x->id = og->exchange;
		x->seen = HTTP_SEEN_REQUEST | HTTP_SEEN_RESPONSE;
		x->request_us = ctx->ts_us;
		x->req.version = x->resp.version = og->version;
		text_copy(x->req.method, sizeof x->req.method, "POST");
		text_copy(x->req.host, sizeof x->req.host, og->host);
		text_copy(x->req.path, sizeof x->req.path, og->path);
		text_copy(x->req.user_agent, sizeof x->req.user_agent, og->user_agent);
		x->req.n_credentials = og->n_credentials;
		memcpy(x->req.credentials, og->credentials, sizeof x->req.credentials);
		x->req.stream = -1;
		x->resp.status = 200;
		response_json(&x->resp, root);
		text_copy(x->req.model, sizeof x->req.model, x->resp.model);
		dissect_emit(ctx, &o);
	}
	json_decref(root);
}

const struct analyzer analyzer_llm = {
    .name = "llm",
    .facts = llm_facts,
    .stream_facts = llm_stream_facts,
    .ws_message = llm_ws_message,
};
