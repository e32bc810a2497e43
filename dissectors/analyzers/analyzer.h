/* analyzer.h — analyzers layered on HTTP, whatever the framing (HTTP/1 now,
 * HTTP/2 and HTTP/3 later): each sees complete messages, the items of
 * streamed bodies (SSE events, NDJSON lines) and WebSocket text messages
 * through one struct http_view, and they are registered in one table the
 * HTTP message builder (dissectors/http/http_msg.c) iterates.
 *
 * Two passes per message: `facts` hooks fill the exchange being built (the
 * LLM analyzer: model, stream flag, usage) before the exchange's own
 * observation is emitted; `observe` hooks then emit observations of their
 * own (JSON-RPC: MCP, A2A; OAuth; A2A agent cards), each carrying the
 * exchange it came from (struct obs_http_origin). */
#ifndef AS_ANALYZER_H
#define AS_ANALYZER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "dissector.h"
#include "strview.h"

/* The body of a message parsed as JSON, once, when an analyzer first asks
 * (http_view_json): most bodies and stream items need no tree at all. */
struct http_json {
	bool allowed; /* the body is JSON (by its content type or the stream's) and intact */
	bool report;  /* a malformed one is an anomaly (the content type said JSON) */
	bool tried;
	json_t *root;
	const struct dissect_ctx *ctx;
};

/* One HTTP message as analyzers see it. Views into the builder's buffers,
 * valid only during the call. Raw values may be secrets: an analyzer
 * copies only what is safe and fingerprints the rest. */
struct http_view {
	bool request;	 /* the request (else the response; a WebSocket message: sent by the client) */
	uint8_t carrier; /* enum rpc_transport: a body, an SSE event, a WebSocket message */
	/* The exchange, ready to copy into an observation. */
	const struct obs_http_origin *origin;
	/* Request line of the request (for a response: of its request). */
	struct sv method;
	struct sv path;	 /* without the query */
	struct sv query; /* raw, after '?' */
	struct sv host;	 /* Host header or authority, port removed, as sent */
	uint16_t status; /* the response's; 0 for a request */
	/* Headers (raw values, empty when absent). */
	struct sv content_type;
	struct sv authorization;    /* the request's */
	struct sv location;	    /* response */
	struct sv www_authenticate; /* response */
	/* MCP's, of this message, else of its request. */
	struct sv mcp_session_id;
	struct sv mcp_protocol_version;
	/* The request's (a response's: of its request): MCP 2026-07-28 names
	 * the method and its target in headers; A2A 1.0 its version and
	 * extensions. */
	struct sv mcp_method;
	struct sv mcp_name;
	struct sv a2a_version;
	struct sv a2a_extensions;
	/* The body, de-chunked, as far as AS_HTTP_BODY_PEEK (a message), or the
	 * item (an SSE event's data, an NDJSON line, a WebSocket message). */
	struct sv body;
	bool body_truncated;
	/* Its JSON parse, shared (http_view_json); NULL: not JSON. */
	struct http_json *json;
};

/* The body parsed as JSON on the first call, the same tree for every later
 * analyzer; NULL when it is not JSON (or too deep: an anomaly). */
const json_t *http_view_json(const struct http_view *v);
/* The shared tree if an analyzer asked for it already, else NULL (no parse). */
const json_t *http_view_json_parsed(const struct http_view *v);
/* Whether the body holds this text (a key an analyzer needs before it asks
 * for a tree). */
bool http_view_mentions(const struct http_view *v, struct sv text);

/* The exchange under construction: what `facts` hooks may fill. */
struct http_facts {
	struct obs_http_request *req;	/* NULL on the response side */
	struct obs_http_response *resp; /* NULL on the request side */
};

struct analyzer {
	const char *name;
	/* A complete message, before its exchange observation (may be NULL). */
	void (*facts)(const struct http_view *v, struct http_facts *f, const struct dissect_ctx *ctx);
	/* A complete message, after it (may be NULL). */
	void (*observe)(const struct http_view *v, const struct dissect_ctx *ctx);
	/* One item of a streamed response as it arrives: an SSE event (`event`
	 * its name) or an NDJSON line (`event` empty); v->body is its data. */
	void (*stream_facts)(const struct http_view *v, struct sv event, struct http_facts *f,
			     const struct dissect_ctx *ctx);
	void (*stream_observe)(const struct http_view *v, struct sv event, const struct dissect_ctx *ctx);
	/* One WebSocket text message (v->body) in the upgrade's exchange. */
	void (*ws_message)(const struct http_view *v, const struct dissect_ctx *ctx);
};

/* Every analyzer, in the order they run; NULL-terminated. */
extern const struct analyzer *const analyzer_registry[];

/* The origin an observation made from v carries: v->origin, or (a view
 * built by hand, as tests and fuzzers do) what the view's raw fields say. */
void http_view_origin(const struct http_view *v, struct obs_http_origin *out);

/* ---- the analyzers (one file each) ---- */

/* llm.c: LLM API requests and responses — "model" and "stream" of a JSON
 * request, model and token usage of a JSON response or stream item
 * (OpenAI, Anthropic, Gemini, Ollama shapes). */
extern const struct analyzer analyzer_llm;

/* jsonrpc.c: JSON-RPC 2.0 in bodies, SSE events and WebSocket messages,
 * classified MCP / A2A / other by content only; the legacy MCP HTTP+SSE
 * `endpoint` event. */
extern const struct analyzer analyzer_jsonrpc;
/* Parses one JSON text (a message or a batch) and emits OBS_RPC for each
 * JSON-RPC 2.0 message in it. Returns true when at least one was. */
bool jsonrpc_analyze(const struct http_view *v, struct sv text, const struct dissect_ctx *ctx);
/* The same for an already parsed JSON value. */
bool jsonrpc_analyze_json(const struct http_view *v, const json_t *root, const struct dissect_ctx *ctx);

/* oauth.c: OAuth / OpenID messages (RFC 6749, 7636, 7591, 8414, 8693,
 * 8707, 9728) -> OBS_OAUTH. Returns true when the message was one. */
extern const struct analyzer analyzer_oauth;
bool oauth_analyze(const struct http_view *v, const struct dissect_ctx *ctx);

/* a2a.c: an A2A agent card fetched by GET (/.well-known/agent-card.json,
 * /.well-known/agent.json) -> OBS_AGENT_CARD. */
extern const struct analyzer analyzer_a2a_card;
bool a2a_card_analyze(const struct http_view *v, const json_t *root, const struct dissect_ctx *ctx);

#endif
