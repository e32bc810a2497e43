/* fuzz_jsonrpc.c — libFuzzer target for the JSON-RPC analyzer and the A2A
 * agent card analyzer. The first byte picks the origin (bit0 to_server,
 * bits1-2 transport, bit3 MCP session header, bit4 a card GET, bit5 the
 * legacy endpoint event, bit6 the 2026-07-28 Mcp-Method / Mcp-Name headers
 * and the analyzer's whole-message path); the rest is the JSON text.
 * Observations are checked for NUL-terminated strings and counts within
 * their arrays. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cursor.h"
#include "json_util.h"
#include "analyzer.h"

static void check_str(const char *s, size_t n)
{
	if (!memchr(s, '\0', n))
		__builtin_trap();
}

static void on_obs(void *user, const struct observation *o)
{
	(void)user;
	if (o->type == OBS_RPC) {
		const struct obs_rpc *r = &o->u.rpc;
		check_str(r->id, sizeof r->id);
		check_str(r->method, sizeof r->method);
		check_str(r->http.host, sizeof r->http.host);
		check_str(r->http.path, sizeof r->http.path);
		check_str(r->session_id, sizeof r->session_id);
		check_str(r->peer_name, sizeof r->peer_name);
		check_str(r->capabilities, sizeof r->capabilities);
		check_str(r->target, sizeof r->target);
		check_str(r->arg_names, sizeof r->arg_names);
		check_str(r->error_message, sizeof r->error_message);
		check_str(r->protocol_version, sizeof r->protocol_version);
		check_str(r->versions, sizeof r->versions);
		check_str(r->input_requests, sizeof r->input_requests);
		check_str(r->a2a_version, sizeof r->a2a_version);
		check_str(r->a2a_extensions, sizeof r->a2a_extensions);
		if (r->n_items > AS_OBS_MAX_ITEMS || r->n_items > r->n_items_total)
			__builtin_trap();
		for (unsigned i = 0; i < r->n_items; i++)
			check_str(r->items[i].name, sizeof r->items[i].name);
	} else if (o->type == OBS_AGENT_CARD) {
		const struct obs_agent_card *c = &o->u.card;
		check_str(c->name, sizeof c->name);
		check_str(c->url, sizeof c->url);
		check_str(c->security, sizeof c->security);
		if (c->n_items > AS_OBS_MAX_ITEMS || c->n_items > c->n_items_total)
			__builtin_trap();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dissect_ctx ctx = {.emit = on_obs};
	struct cur c = cur_make(data, size);
	uint8_t sel = 0;
	(void)cur_get_u8(&c, &sel);
	struct sv text = sv_make(cur_data(&c), cur_len(&c));
	struct http_view v;
	memset(&v, 0, sizeof v);
	v.request = sel & 1;
	v.method = SV_LIT("GET");
	v.path = (sel & 16) ? SV_LIT("/.well-known/agent-card.json") : SV_LIT("/mcp");
	v.query = SV_LIT("sessionId=s&x");
	v.host = SV_LIT("Example.COM");
	v.status = v.request ? 0 : 200;
	if (sel & 8)
		v.mcp_session_id = SV_LIT("sess");
	v.carrier = (uint8_t)(1 + ((sel >> 1) & 3) % 3);
	(void)jsonrpc_analyze(&v, text, &ctx);
	if (sel & 32) { /* the legacy transport's endpoint event */
		v.carrier = RPC_HTTP_SSE;
		v.body = text;
		analyzer_jsonrpc.stream_observe(&v, SV_LIT("endpoint"), &ctx);
	}
	if (sel & 64) { /* a 2026-07-28 message: headers, and the body as a whole */
		v.mcp_method = SV_LIT("tools/call");
		v.mcp_name = SV_LIT("get_fleet_status");
		v.mcp_protocol_version = SV_LIT("2026-07-28");
		v.carrier = RPC_HTTP_BODY;
		v.body = text;
		struct http_json json = {.allowed = true, .ctx = &ctx};
		v.json = &json;
		json_util_arena_begin();
		analyzer_jsonrpc.observe(&v, &ctx);
		json_decref(json.root);
		json_util_arena_end();
		v.json = NULL;
	}
	json_t *root;
	if (json_util_load(text, &root) == JSON_UTIL_OK) {
		(void)a2a_card_analyze(&v, root, &ctx);
		json_decref(root);
	}
	return 0;
}
