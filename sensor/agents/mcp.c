/* mcp.c — the MCP correlator (see mcp.h).
 *
 * A conversation is keyed by client host and server endpoint (not by TCP
 * connection): the legacy HTTP+SSE transport answers POSTs on another
 * connection's event stream, and a stateless server sees every request on
 * a fresh one. The client is named by its initialize clientInfo, the server
 * by its serverInfo (from 2026-07-28, which has no initialize: by the
 * clientInfo every request carries in _meta and the serverInfo of every
 * result); both records list the tools, and each links the other. Risks
 * are decided when the message that shows them passes, so an agent's risks
 * only ever grow (the registry unions them). */
#include "mcp.h"

#include <stdio.h>
#include <string.h>

static const char *transport_name(const struct mcp_link *l, const struct obs_rpc *r)
{
	if (r->transport == RPC_WEBSOCKET)
		return "websocket";
	return l->legacy_sse ? "sse" : "streamable-http";
}

/* The client and server agents of a conversation, created on first sight.
 * The client is named by clientInfo once initialize has shown it. */
static void link_agents(struct model *m, struct events *ev, struct mcp_link *l, const struct msg_obs *msg)
{
	const struct flow_ref *r = &msg->flow;
	const struct obs_rpc *rpc = &msg->obs.u.rpc;
	uint64_t ts = msg->h.ts_us;
	bool created;
	if (!l->server) {
		char sid[32];
		snprintf(sid, sizeof sid, "mcp:%u", r->srv_port);
		l->server = model_agent_get(m, r, false, KIND_MCP_SERVER, sid, ts, &created);
		if (l->server && created) {
			char ip[48];
			model_ip_str(r->family, r->srv_ip, ip, sizeof ip);
			snprintf(l->server->mcp.endpoint, sizeof l->server->mcp.endpoint,
				 r->family == 6 ? "[%s]:%u%s" : "%s:%u%s", ip, r->srv_port, rpc->http.path);
			ev_agent_discovered(ev, l->server, r, rpc->http.host, NULL, ts);
		}
	}
	/* The client appears at once when it speaks or is named. One that only
	 * the server's messages show (one direction of a span, the legacy SSE
	 * stream without the requests' flows) is made when that flow ends: the
	 * client's initialize on another flow may name it before then. */
	bool speaks = rpc->to_server || l->client_name[0];
	if (speaks &&
	    (!l->client || (l->client_name[0] && strcmp(l->client->identity, l->client_name) != 0))) {
		const char *identity = l->client_name[0] ? l->client_name : "unknown";
		l->client = model_agent_get(m, r, true, KIND_MCP_CLIENT, identity, ts, &created);
		if (l->client && created)
			ev_agent_discovered(ev, l->client, r, rpc->http.host, NULL, ts);
		l->client_pending = false;
	} else if (!l->client && !l->client_pending) {
		l->client_pending = true;
		l->client_ref = *r;
		l->client_ts = ts;
	}
	if (!l->client_ua[0])
		text_copy(l->client_ua, sizeof l->client_ua, rpc->http.user_agent);
	if (l->client && l->client_name[0] && !l->client->sw_name[0]) {
		text_copy(l->client->sw_name, sizeof l->client->sw_name, l->client_name);
		text_copy(l->client->sw_version, sizeof l->client->sw_version, l->client_version);
	}
	if (l->server && l->server_name[0] && !l->server->sw_name[0]) {
		text_copy(l->server->sw_name, sizeof l->server->sw_name, l->server_name);
		text_copy(l->server->sw_version, sizeof l->server->sw_version, l->server_version);
	}
	if (l->client && l->server) {
		model_add_peer(m, &l->client->mcp.peers, &l->client->mcp.n_peers, l->server);
		model_add_peer(m, &l->server->mcp.peers, &l->server->mcp.n_peers, l->client);
	}
}

static void touch(struct model *m, struct agent *ag, const struct msg_obs *msg, const char *transport)
{
	const struct obs_rpc *r = &msg->obs.u.rpc;
	model_basis(m, ag, NULL, "content");
	ag->mcp.present = true;
	ag->mcp.messages++;
	if (r->to_server)
		ag->mcp.from_client++;
	else
		ag->mcp.from_server++;
	model_set_add(m, &ag->mcp.transports, transport);
	model_set_add(m, &ag->mcp.sessions, r->session_id);
	model_seen(m, ag, msg->h.ts_us);
	if (r->kind == RPC_ERROR || r->is_error)
		ag->mcp.errors++;
}

/* The credentials of a request the client sent: its own; a bearer token it
 * did not get through OAuth here, to a server that never asked for OAuth,
 * is a static one. */
static void client_credentials(struct model *m, const struct mcp_link *l, const struct obs_credential *c,
			       size_t n, bool cleartext)
{
	struct agent *cli = l->client;
	if (!cli)
		return;
	for (size_t i = 0; i < n && i < 2; i++) {
		model_cred(m, cli, &c[i], cleartext);
		if (c[i].where == CRED_AUTH_BEARER && !cli->oauth_agent && l->server &&
		    !l->server->mcp.oauth_challenge)
			model_risk(cli, RISK_MCP_STATIC_BEARER_TOKEN);
	}
}

/* How the server treats requests: counted when they pass; the risks when
 * it answers one (a 401 refuses it and carries no JSON-RPC). */
static void server_auth(struct agent *srv, const struct obs_rpc *r, struct aflow *f)
{
	/* A token in the URL authenticates too (and is flagged on the client). */
	bool authenticated = r->http.authorization || r->http.n_credentials;
	if (r->to_server && r->http.method[0]) {
		f->mcp_unauth_counted = !authenticated && r->http.status != 401;
		if (authenticated)
			srv->mcp.requests_authenticated++;
		else if (f->mcp_unauth_counted)
			srv->mcp.requests_unauthenticated++;
	}
	/* Judged on what it answered, when the request was seen too. */
	if (r->to_server || !r->http.response || !r->http.method[0] || r->http.status >= 400)
		return;
	if (!authenticated)
		model_risk(srv, RISK_MCP_SERVER_WITHOUT_AUTH);
	else if (!srv->mcp.oauth_challenge)
		model_risk(srv, RISK_MCP_STATIC_BEARER_TOKEN);
}

/* A tools/list result: the server's catalogue, hints included. */
static void tools_listed(struct model *m, struct agent *ag, const struct obs_rpc *r)
{
	for (size_t i = 0; i < r->n_items && i < AS_OBS_MAX_ITEMS; i++) {
		struct mcp_tool *t = model_tool_get(m, &ag->mcp, r->items[i].name);
		if (!t)
			continue;
		t->listed = true;
		t->hints_set |= r->items[i].hints_set;
		t->hints = (uint8_t)((t->hints & ~r->items[i].hints_set) |
				     (r->items[i].hints & r->items[i].hints_set));
	}
}

static void tool_called(struct model *m, struct events *ev, const struct msg_obs *msg, struct mcp_link *l,
			struct aflow *f, const char *transport)
{
	const struct obs_rpc *r = &msg->obs.u.rpc;
	uint64_t ts = msg->h.ts_us;
	struct mcp_tool *known = l->server ? model_tool_get(m, &l->server->mcp, r->target) : NULL;
	if (r->input_response) { /* the same call again, with the input the server asked for */
		ev_mcp(ev, msg, l, transport, "mcp-input-response", known);
		return;
	}
	if (known)
		model_count(m, f, ts, l->server, CTR_TOOL_CALLS, NULL, r->target, 1);
	struct mcp_tool *ct = l->client ? model_tool_get(m, &l->client->mcp, r->target) : NULL;
	if (ct) {
		model_count(m, f, ts, l->client, CTR_TOOL_CALLS, NULL, r->target, 1);
		if (known) {
			ct->hints_set = known->hints_set;
			ct->hints = known->hints;
		}
	}
	if (known && tool_destructive(known)) {
		model_risk(l->server, RISK_MCP_DESTRUCTIVE_TOOL_CALLED);
		if (l->client)
			model_risk(l->client, RISK_MCP_DESTRUCTIVE_TOOL_CALLED);
	}
	ev_mcp(ev, msg, l, transport, "mcp-tool-call", known ? known : ct);
}

static void names_add(struct model *m, struct strset *s, const struct obs_rpc *r)
{
	for (size_t i = 0; i < r->n_items && i < AS_OBS_MAX_ITEMS; i++)
		model_set_add(m, s, r->items[i].name);
}

/* What a message says of the agent that sent it: its name was seen
 * (evidence.partial), the revision and capabilities. A client states its
 * revision in initialize and, from 2026-07-28, in every request; a server
 * in its initialize result, the versions server/discover lists, and the
 * version of each request it returns a 2026-07-28 result for (one with
 * serverInfo in _meta). */
static void speaker_facts(struct model *m, struct agent *ag, const struct obs_rpc *r, bool init)
{
	if (!ag)
		return;
	ag->mcp.initialize_seen |= r->peer_name[0] != '\0';
	if (r->kind != RPC_RESULT || init)
		model_set_add(m, &ag->mcp.versions, r->protocol_version);
	else if (r->peer_name[0] && r->http.status < 400)
		model_set_add(m, &ag->mcp.versions, r->protocol_header);
	model_split_add(m, &ag->mcp.versions, r->versions, ",");
	model_split_add(m, &ag->mcp.capabilities, r->capabilities, ",");
}

void mcp_rpc(struct model *m, struct events *ev, const struct msg_obs *msg)
{
	const struct obs_rpc *r = &msg->obs.u.rpc;
	struct mcp_link *l = model_mcp_link(m, &msg->flow);
	struct aflow *f = model_flow_get(m, &msg->flow, true);
	if (!l || !f)
		return;
	uint64_t ts = msg->h.ts_us;
	f->mcp = l;
	if (!strcmp(r->method, "endpoint")) /* the legacy transport's announcement */
		l->legacy_sse = true;
	bool init = !strcmp(r->method, "initialize");
	bool discover = !strcmp(r->method, "server/discover");
	bool result = r->kind == RPC_RESULT;
	if (!result && r->peer_name[0]) {
		text_copy(l->client_name, sizeof l->client_name, r->peer_name);
		text_copy(l->client_version, sizeof l->client_version, r->peer_version);
	}
	if (result && r->peer_name[0]) {
		text_copy(l->server_name, sizeof l->server_name, r->peer_name);
		text_copy(l->server_version, sizeof l->server_version, r->peer_version);
	}
	link_agents(m, ev, l, msg);
	if (r->to_server)
		l->from_client++;
	else
		l->from_server++;
	const char *transport = transport_name(l, r);
	struct agent *cli = l->client, *srv = l->server;
	if (cli)
		touch(m, cli, msg, transport);
	if (srv)
		touch(m, srv, msg, transport);
	model_count_flow(m, f, cli, ts);
	model_count_flow(m, f, srv, ts);
	if (r->to_server)
		client_credentials(m, l, r->http.credentials, r->http.n_credentials,
				   !msg->obs.protected_bytes);
	if (srv)
		server_auth(srv, r, f);

	speaker_facts(m, result ? srv : cli, r, init);
	if (init || discover) {
		const char *action = init ? (result ? "mcp-initialized" : "mcp-initialize")
					  : (result ? "mcp-discovered" : "mcp-discover");
		ev_mcp(ev, msg, l, transport, action, NULL);
	} else if (result && r->input_required) {
		/* The server asks the client inside a result (2026-07-28), as it
		 * sent requests before. */
		if (srv)
			model_split_add(m, &srv->mcp.server_requests, r->input_requests, ",");
		if (cli)
			model_split_add(m, &cli->mcp.server_requests, r->input_requests, ",");
		ev_mcp(ev, msg, l, transport, "mcp-input-required",
		       srv && r->target[0] ? model_tool_get(m, &srv->mcp, r->target) : NULL);
	} else if (r->kind == RPC_REQUEST && !strcmp(r->method, "subscriptions/listen")) {
		ev_mcp(ev, msg, l, transport, "mcp-subscribe", NULL);
	} else if (r->kind == RPC_RESULT && r->list == RPC_LIST_TOOLS) {
		if (srv)
			tools_listed(m, srv, r);
		if (cli)
			tools_listed(m, cli, r);
		ev_mcp(ev, msg, l, transport, "mcp-tools-listed", NULL);
	} else if (r->kind == RPC_RESULT && r->list == RPC_LIST_RESOURCES && srv) {
		names_add(m, &srv->mcp.resources, r);
	} else if (r->kind == RPC_RESULT && r->list == RPC_LIST_PROMPTS && srv) {
		names_add(m, &srv->mcp.prompts, r);
	} else if (r->kind == RPC_REQUEST && !strcmp(r->method, "tools/call") && r->target[0]) {
		tool_called(m, ev, msg, l, f, transport);
	} else if (r->kind == RPC_REQUEST && !strcmp(r->method, "resources/read") && cli) {
		model_set_add(m, &cli->mcp.resources, r->target);
		ev_mcp(ev, msg, l, transport, "mcp-resource-read", NULL);
	} else if (r->kind == RPC_REQUEST && !strcmp(r->method, "prompts/get") && cli) {
		model_set_add(m, &cli->mcp.prompts, r->target);
	} else if (r->kind == RPC_REQUEST && !r->to_server) {
		/* The server asks the client: sampling, elicitation, roots. */
		if (srv)
			model_set_add(m, &srv->mcp.server_requests, r->method);
		if (cli)
			model_set_add(m, &cli->mcp.server_requests, r->method);
		ev_mcp(ev, msg, l, transport, "mcp-server-request", NULL);
	}
}

void mcp_http_request(struct model *m, const struct msg_obs *msg)
{
	struct aflow *f = model_flow_get(m, &msg->flow, false);
	const struct obs_http_request *rq = &msg->obs.u.http.req;
	if (f && f->mcp)
		client_credentials(m, f->mcp, rq->credentials, rq->n_credentials, !msg->obs.protected_bytes);
}

/* A client the server's messages showed and nothing named: its record is
 * made from what the conversation shows of it (the server's catalogue,
 * transports, sessions, requests to the client). */
void mcp_flow_end(struct model *m, struct events *ev, struct aflow *f)
{
	struct mcp_link *l = f->mcp;
	if (!l || !l->client_pending || l->client)
		return;
	l->client_pending = false;
	bool created;
	struct agent *c =
	    model_agent_get(m, &l->client_ref, true, KIND_MCP_CLIENT, "unknown", l->client_ts, &created);
	if (!c)
		return;
	l->client = c;
	if (created)
		ev_agent_discovered(ev, c, &l->client_ref, l->server ? l->server->mcp.endpoint : "", NULL,
				    l->client_ts);
	model_set_add(m, &c->user_agents, l->client_ua);
	struct agent_mcp *cm = &c->mcp;
	model_basis(m, c, NULL, "content"); /* its server's messages were read */
	cm->present = true;
	cm->from_client += l->from_client;
	cm->from_server += l->from_server;
	cm->messages += l->from_client + l->from_server;
	model_count_flow(m, f, c, l->client_ts);
	const struct agent *s = l->server;
	if (!s)
		return;
	for (size_t i = 0; i < s->mcp.transports.n; i++)
		model_set_add(m, &cm->transports, s->mcp.transports.v[i]);
	for (size_t i = 0; i < s->mcp.sessions.n; i++)
		model_set_add(m, &cm->sessions, s->mcp.sessions.v[i]);
	for (size_t i = 0; i < s->mcp.server_requests.n; i++)
		model_set_add(m, &cm->server_requests, s->mcp.server_requests.v[i]);
	for (size_t i = 0; i < s->mcp.n_tools; i++) {
		const struct mcp_tool *t = &s->mcp.tools[i];
		struct mcp_tool *ct = t->listed ? model_tool_get(m, cm, t->name) : NULL;
		if (ct) {
			ct->listed = true;
			ct->hints_set = t->hints_set;
			ct->hints = t->hints;
		}
	}
	model_add_peer(m, &cm->peers, &cm->n_peers, l->server);
	model_add_peer(m, &l->server->mcp.peers, &l->server->mcp.n_peers, c);
	model_dirty(m, l->server);
	if (c->first_us > l->client_ts)
		c->first_us = l->client_ts;
}
