/* jsonrpc.h — JSON-RPC 2.0 analyzer for messages carried over HTTP bodies,
 * SSE events and WebSocket text messages: classifies each message as MCP
 * (spec revisions 2024-11-05, 2025-03-26, 2025-06-18, 2025-11-25), A2A
 * (v0.2/v0.3 slash-style and v1.0 PascalCase methods) or other JSON-RPC, by
 * content only, and emits one OBS_RPC per message (see observation.h). */
#ifndef AS_JSONRPC_H
#define AS_JSONRPC_H

#include <jansson.h>
#include <stdbool.h>

#include "dissector.h"
#include "http_view.h"
#include "strview.h"

/* Where a JSON-RPC text came from, beyond the HTTP message view. */
struct jsonrpc_origin {
	uint8_t transport;  /* enum rpc_transport */
	bool to_server;	    /* sent by the client */
	bool authorization; /* the request (or upgrade request) carried Authorization */
	/* For a response: Mcp-Session-Id / MCP-Protocol-Version of its request,
	 * used when the response itself does not carry them. */
	struct sv req_session_id;
	struct sv req_protocol_version;
};

/* Parses one JSON text (a message or a batch) and emits OBS_RPC for each
 * JSON-RPC 2.0 message in it. Returns true when at least one was. Text
 * that is not JSON is ignored silently unless it names "jsonrpc" (then:
 * anomaly bad_json / json_too_deep). */
bool jsonrpc_analyze(const struct http_view *v, const struct jsonrpc_origin *o, struct sv text,
		     const struct dissect_ctx *ctx);

/* The same for an already parsed JSON value (HTTP bodies are parsed once). */
bool jsonrpc_analyze_json(const struct http_view *v, const struct jsonrpc_origin *o, const json_t *root,
			  const struct dissect_ctx *ctx);

/* Legacy MCP HTTP+SSE transport (2024-11-05): the `endpoint` event of the
 * server's SSE stream names the URL the client POSTs its messages to. Emits
 * an OBS_RPC notification with method "endpoint" and the URL (credential
 * values removed) as target. */
void jsonrpc_sse_endpoint(const struct http_view *v, const struct jsonrpc_origin *o, struct sv url,
			  const struct dissect_ctx *ctx);

/* A2A agent card (dissectors/a2a.c): a GET of /.well-known/agent-card.json
 * or /.well-known/agent.json answered with a card-shaped JSON object emits
 * OBS_AGENT_CARD. Returns true when it did. */
bool a2a_card_analyze(const struct http_view *v, const json_t *root, const struct dissect_ctx *ctx);

#endif
