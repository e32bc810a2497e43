/* http_view.h — one complete HTTP message as analyzers layered on HTTP see
 * it (OAuth, JSON-RPC/MCP, A2A cards). Views into http1's buffers, valid
 * only during the call. Raw values may be secrets: an analyzer copies
 * only what is safe and fingerprints the rest. */
#ifndef AS_HTTP_VIEW_H
#define AS_HTTP_VIEW_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "dissector.h"
#include "strview.h"

struct http_view {
	bool request;
	/* Request line; for a response, of the request it answers (may be empty). */
	struct sv method;
	struct sv path;	 /* without the query */
	struct sv query; /* raw, after '?' */
	struct sv host;	 /* Host header, port removed, as sent */
	/* Response only. */
	uint16_t status;
	/* Headers (raw values, empty when absent). */
	struct sv content_type;
	struct sv authorization;    /* request */
	struct sv location;	    /* response */
	struct sv www_authenticate; /* response */
	struct sv mcp_session_id;
	struct sv mcp_protocol_version;
	/* The body, de-chunked, as far as AS_HTTP_BODY_PEEK. */
	struct sv body;
	bool body_truncated;
	/* The body as http1 already parsed it (JSON bodies only), else NULL:
	 * analyzers use it rather than parse the same bytes again. */
	const json_t *body_json;
};

/* OAuth analyzer (dissectors/oauth.c): emits OBS_OAUTH observations for an
 * OAuth or OpenID message; returns true when the message was one. */
bool oauth_analyze(const struct http_view *v, const struct dissect_ctx *ctx);

#endif
