/* agents_mcp.c — MCP clients and servers, A2A agents and their callers.
 *
 * An MCP conversation is keyed by client host and server endpoint (not by
 * TCP connection): the legacy HTTP+SSE transport answers POSTs on another
 * connection's event stream, and a stateless server sees every request on a
 * fresh one. The client is named by its initialize clientInfo, the server
 * by its serverInfo; both records list the tools, and each links the other.
 * Event field names follow the OpenTelemetry MCP conventions (mcp.*,
 * jsonrpc.request.id, gen_ai.tool.name). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agents_internal.h"

/* ---- conversation links ---- */

size_t ag_pair_key(const struct flow_ref *r, uint8_t out[40])
{
	memset(out, 0, 40);
	out[0] = r->family;
	memcpy(out + 1, r->cli_ip, 16);
	memcpy(out + 17, r->srv_ip, 16);
	out[33] = (uint8_t)(r->srv_port >> 8);
	out[34] = (uint8_t)r->srv_port;
	return 35;
}

struct mcp_link *ag_mcp_link(struct agents *a, const struct flow_ref *r)
{
	uint8_t k[40];
	size_t kl = ag_pair_key(r, k);
	return hmap_get_or_new(&a->mcp, k, kl, sizeof(struct mcp_link), SIZE_MAX, NULL);
}

void ag_add_peer(struct agent ***peers, size_t *n, struct agent *peer)
{
	for (size_t i = 0; i < *n; i++)
		if ((*peers)[i] == peer)
			return;
	if (*n >= AS_AGENT_MAX_SET)
		return;
	struct agent **np = realloc(*peers, (*n + 1) * sizeof *np);
	if (!np)
		return;
	np[(*n)++] = peer;
	*peers = np;
}

static struct mcp_tool *tool_get(struct agent_mcp *m, const char *name)
{
	for (size_t i = 0; i < m->n_tools; i++)
		if (!strcmp(m->tools[i].name, name))
			return &m->tools[i];
	if (m->n_tools >= AS_AGENT_MAX_SET)
		return NULL;
	struct mcp_tool *nt = realloc(m->tools, (m->n_tools + 1) * sizeof *nt);
	if (!nt)
		return NULL;
	m->tools = nt;
	struct mcp_tool *t = &nt[m->n_tools++];
	memset(t, 0, sizeof *t);
	text_copy(t->name, sizeof t->name, name);
	return t;
}

/* Destructive as the server stated it: destructiveHint true, or (per the
 * spec's defaults) readOnlyHint false with no destructiveHint. */
static bool tool_destructive(const struct mcp_tool *t)
{
	if (t->hints_set & RPC_HINT_DESTRUCTIVE)
		return (t->hints & RPC_HINT_DESTRUCTIVE) != 0;
	return (t->hints_set & RPC_HINT_READ_ONLY) && !(t->hints & RPC_HINT_READ_ONLY);
}

static const char *transport_name(const struct mcp_link *l, const struct obs_rpc *r)
{
	if (r->transport == RPC_WEBSOCKET)
		return "websocket";
	return l->legacy_sse ? "sse" : "streamable-http";
}

/* The client and server agents of a conversation, created on first sight.
 * The client is named by clientInfo once initialize has shown it. */
static void link_agents(struct agents *a, struct mcp_link *l, const struct msg_obs *m)
{
	const struct flow_ref *r = &m->flow;
	uint64_t ts = m->h.ts_us;
	bool created;
	if (!l->server) {
		char sid[32];
		snprintf(sid, sizeof sid, "mcp:%u", r->srv_port);
		l->server = ag_agent_get(a, r, false, "mcp-server", sid, ts, &created);
		if (l->server && created) {
			const struct obs_rpc *rpc = &m->obs.u.rpc;
			char ip[48];
			ag_ip_str(r->family, r->srv_ip, ip, sizeof ip);
			snprintf(l->server->mcp.endpoint, sizeof l->server->mcp.endpoint,
				 r->family == 6 ? "[%s]:%u%s" : "%s:%u%s", ip, r->srv_port, rpc->http.path);
			ag_emit_discovered(a, l->server, r, rpc->http.host, NULL, ts);
		}
	}
	/* The client appears at once when it speaks or is named. One that only
	 * the server's messages show (one direction of a span, the legacy SSE
	 * stream without the requests' flows) is made when that flow ends: the
	 * client's initialize on another flow may name it before then. */
	bool speaks = m->obs.u.rpc.to_server || l->client_name[0];
	if (speaks &&
	    (!l->client || (l->client_name[0] && strcmp(l->client->identity, l->client_name) != 0))) {
		const char *identity = l->client_name[0] ? l->client_name : "unknown";
		l->client = ag_agent_get(a, r, true, "mcp-client", identity, ts, &created);
		if (l->client && created)
			ag_emit_discovered(a, l->client, r, m->obs.u.rpc.http.host, NULL, ts);
		l->client_pending = false;
	} else if (!l->client && !l->client_pending) {
		l->client_pending = true;
		l->client_ref = *r;
		l->client_ts = ts;
	}
	if (!l->client_ua[0])
		text_copy(l->client_ua, sizeof l->client_ua, m->obs.u.rpc.http.user_agent);
	if (l->client && l->client_name[0] && !l->client->sw_name[0]) {
		text_copy(l->client->sw_name, sizeof l->client->sw_name, l->client_name);
		text_copy(l->client->sw_version, sizeof l->client->sw_version, l->client_version);
	}
	if (l->server && l->server_name[0] && !l->server->sw_name[0]) {
		text_copy(l->server->sw_name, sizeof l->server->sw_name, l->server_name);
		text_copy(l->server->sw_version, sizeof l->server->sw_version, l->server_version);
	}
	if (l->client && l->server) {
		ag_add_peer(&l->client->mcp.peers, &l->client->mcp.n_peers, l->server);
		ag_add_peer(&l->server->mcp.peers, &l->server->mcp.n_peers, l->client);
	}
}

static void touch(struct agent *ag, const struct msg_obs *m, const char *transport, const struct obs_rpc *r)
{
	ag->mcp.present = true;
	ag->mcp.messages++;
	if (r->to_server)
		ag->mcp.from_client++;
	else
		ag->mcp.from_server++;
	strset_add(&ag->mcp.transports, transport, AS_AGENT_MAX_SET);
	strset_add(&ag->mcp.sessions, r->session_id, AS_AGENT_MAX_SET);
	if (m->h.ts_us > ag->last_us)
		ag->last_us = m->h.ts_us;
	if (m->h.ts_us < ag->first_us)
		ag->first_us = m->h.ts_us;
	if (r->kind == RPC_ERROR || r->is_error)
		ag->mcp.errors++;
}

static void emit_mcp_event(struct agents *a, const struct msg_obs *m, const struct mcp_link *l,
			   const char *action, const struct mcp_tool *tool)
{
	const struct obs_rpc *r = &m->obs.u.rpc;
	ag_ev_begin(a, action, "aisensor.mcp", m->h.ts_us);
	struct jw *w = &a->ev;
	ag_ev_flow(a, &m->flow, r->http.host, "http");
	if (r->http.path[0]) {
		jw_obj_begin(w, "url");
		jw_str(w, "path", r->http.path);
		jw_obj_end(w);
	}
	jw_obj_begin(w, "mcp");
	jw_obj_begin(w, "method");
	jw_str(w, "name", r->method);
	jw_obj_end(w);
	if (r->session_id[0]) {
		jw_obj_begin(w, "session");
		jw_str(w, "id", r->session_id);
		jw_obj_end(w);
	}
	const char *pv = r->protocol_version[0] ? r->protocol_version : r->protocol_header;
	if (pv[0]) {
		jw_obj_begin(w, "protocol");
		jw_str(w, "version", pv);
		jw_obj_end(w);
	}
	if (!strcmp(r->method, "resources/read") && r->target[0]) {
		jw_obj_begin(w, "resource");
		jw_str(w, "uri", r->target);
		jw_obj_end(w);
	}
	jw_obj_end(w);
	if (r->id[0]) {
		jw_obj_begin(w, "jsonrpc");
		jw_obj_begin(w, "request");
		jw_str(w, "id", r->id);
		jw_obj_end(w);
		jw_obj_end(w);
	}
	if (tool) {
		jw_obj_begin(w, "gen_ai");
		jw_obj_begin(w, "operation");
		jw_str(w, "name", "execute_tool");
		jw_obj_end(w);
		jw_obj_begin(w, "tool");
		jw_str(w, "name", tool->name);
		jw_obj_end(w);
		jw_obj_end(w);
	}
	jw_obj_begin(w, "aisensor");
	if (l->client) {
		jw_obj_begin(w, "client");
		ag_ev_agent(w, l->client);
		jw_obj_end(w);
	}
	if (l->server) {
		jw_obj_begin(w, "server");
		ag_ev_agent(w, l->server);
		jw_obj_end(w);
	}
	jw_obj_begin(w, "mcp");
	jw_str(w, "transport", transport_name(l, r));
	if (r->kind == RPC_REQUEST && !strcmp(r->method, "initialize")) {
		jw_str_opt(w, "client_name", r->peer_name);
		jw_str_opt(w, "client_version", r->peer_version);
		jw_str_opt(w, "capabilities", r->capabilities);
	}
	if (r->kind == RPC_RESULT && !strcmp(r->method, "initialize")) {
		jw_str_opt(w, "server_name", r->peer_name);
		jw_str_opt(w, "server_version", r->peer_version);
		jw_str_opt(w, "capabilities", r->capabilities);
	}
	if (tool) {
		jw_str_opt(w, "arguments", r->arg_names);
		if (tool->hints_set) {
			jw_bool(w, "destructive", tool_destructive(tool));
			if (tool->hints_set & RPC_HINT_READ_ONLY)
				jw_bool(w, "read_only", (tool->hints & RPC_HINT_READ_ONLY) != 0);
		}
	}
	if (r->list) {
		jw_u64(w, "items", r->n_items_total);
		jw_arr_begin(w, "names");
		for (size_t i = 0; i < r->n_items && i < AS_OBS_MAX_ITEMS; i++)
			jw_str(w, NULL, r->items[i].name);
		jw_arr_end(w);
	}
	jw_obj_end(w);
	jw_obj_end(w);
	ag_ev_end(a);
}

/* A tools/list result: the server's catalogue, hints included. */
static void tools_listed(struct agent *ag, const struct obs_rpc *r)
{
	for (size_t i = 0; i < r->n_items && i < AS_OBS_MAX_ITEMS; i++) {
		struct mcp_tool *t = tool_get(&ag->mcp, r->items[i].name);
		if (!t)
			continue;
		t->listed = true;
		t->hints_set |= r->items[i].hints_set;
		t->hints = (uint8_t)((t->hints & ~r->items[i].hints_set) |
				     (r->items[i].hints & r->items[i].hints_set));
	}
}

/* One more call of a tool, on the agent and in the flow's contribution. */
static void count_call(struct aflow *f, struct agent *ag, struct mcp_tool *t)
{
	t->calls++;
	struct flow_touch *ft = f ? ag_touch(f, ag) : NULL;
	if (!ft)
		return;
	for (size_t i = 0; i < ft->n_calls; i++)
		if (!strcmp(ft->calls[i].name, t->name)) {
			ft->calls[i].calls++;
			return;
		}
	if (ft->n_calls < MAX_TOUCH_CALLS) {
		text_copy(ft->calls[ft->n_calls].name, sizeof ft->calls[0].name, t->name);
		ft->calls[ft->n_calls++].calls = 1;
	}
}

static void tool_called(struct agents *a, const struct msg_obs *m, struct mcp_link *l, struct aflow *f)
{
	const struct obs_rpc *r = &m->obs.u.rpc;
	struct mcp_tool *known = l->server ? tool_get(&l->server->mcp, r->target) : NULL;
	struct mcp_tool *ct = l->client ? tool_get(&l->client->mcp, r->target) : NULL;
	if (known)
		count_call(f, l->server, known);
	if (ct) {
		count_call(f, l->client, ct);
		if (known) {
			ct->hints_set = known->hints_set;
			ct->hints = known->hints;
		}
	}
	if (known && tool_destructive(known)) {
		strset_add(&l->server->risks, "mcp-destructive-tool-called", AS_AGENT_MAX_SET);
		if (l->client)
			strset_add(&l->client->risks, "mcp-destructive-tool-called", AS_AGENT_MAX_SET);
	}
	emit_mcp_event(a, m, l, "mcp-tool-call", known ? known : ct);
}

void ag_mcp_rpc(struct agents *a, const struct msg_obs *m)
{
	const struct obs_rpc *r = &m->obs.u.rpc;
	if (r->protocol == RPC_PROTO_A2A) {
		ag_a2a_rpc(a, m);
		return;
	}
	if (r->protocol != RPC_PROTO_MCP)
		return;
	struct mcp_link *l = ag_mcp_link(a, &m->flow);
	struct aflow *f = ag_aflow_get(a, &m->flow, true);
	if (!l || !f)
		return;
	f->mcp = l;
	if (!strcmp(r->method, "endpoint")) /* the legacy transport's announcement */
		l->legacy_sse = true;
	if (r->kind == RPC_REQUEST && !strcmp(r->method, "initialize") && r->peer_name[0]) {
		text_copy(l->client_name, sizeof l->client_name, r->peer_name);
		text_copy(l->client_version, sizeof l->client_version, r->peer_version);
	}
	if (r->kind == RPC_RESULT && !strcmp(r->method, "initialize") && r->peer_name[0]) {
		text_copy(l->server_name, sizeof l->server_name, r->peer_name);
		text_copy(l->server_version, sizeof l->server_version, r->peer_version);
	}
	link_agents(a, l, m);
	if (r->to_server)
		l->from_client++;
	else
		l->from_server++;
	const char *transport = transport_name(l, r);
	struct agent *cli = l->client, *srv = l->server;
	if (cli)
		touch(cli, m, transport, r);
	if (srv)
		touch(srv, m, transport, r);
	if (cli)
		ag_count_flow(f, cli);
	if (srv)
		ag_count_flow(f, srv);
	/* The request's credentials belong to the client. */
	if (r->to_server && cli)
		for (size_t i = 0; i < r->http.n_credentials && i < 2; i++)
			ag_agent_cred(cli, &r->http.credentials[i], !m->obs.protected_bytes);
	if (r->to_server && r->http.method[0] && srv) {
		/* A token in the URL authenticates too (and is flagged on the client). */
		if (r->http.authorization || r->http.n_credentials)
			srv->mcp.requests_authenticated++;
		else if (r->http.status != 401)
			srv->mcp.requests_unauthenticated++;
	}

	if (!strcmp(r->method, "initialize")) {
		struct agent *ag = r->kind == RPC_REQUEST ? cli : srv;
		if (ag) {
			ag->mcp.initialize_seen |= r->peer_name[0] != '\0';
			strset_add(&ag->mcp.versions, r->protocol_version, AS_AGENT_MAX_SET);
			ag_split_add(&ag->mcp.capabilities, r->capabilities, ",");
		}
		emit_mcp_event(a, m, l, r->kind == RPC_REQUEST ? "mcp-initialize" : "mcp-initialized", NULL);
	} else if (r->kind == RPC_RESULT && r->list == RPC_LIST_TOOLS) {
		if (srv)
			tools_listed(srv, r);
		if (cli)
			tools_listed(cli, r);
		emit_mcp_event(a, m, l, "mcp-tools-listed", NULL);
	} else if (r->kind == RPC_RESULT && r->list == RPC_LIST_RESOURCES && srv) {
		for (size_t i = 0; i < r->n_items && i < AS_OBS_MAX_ITEMS; i++)
			strset_add(&srv->mcp.resources, r->items[i].name, AS_AGENT_MAX_SET);
	} else if (r->kind == RPC_RESULT && r->list == RPC_LIST_PROMPTS && srv) {
		for (size_t i = 0; i < r->n_items && i < AS_OBS_MAX_ITEMS; i++)
			strset_add(&srv->mcp.prompts, r->items[i].name, AS_AGENT_MAX_SET);
	} else if (r->kind == RPC_REQUEST && !strcmp(r->method, "tools/call") && r->target[0]) {
		tool_called(a, m, l, f);
	} else if (r->kind == RPC_REQUEST && !strcmp(r->method, "resources/read") && cli) {
		strset_add(&cli->mcp.resources, r->target, AS_AGENT_MAX_SET);
		emit_mcp_event(a, m, l, "mcp-resource-read", NULL);
	} else if (r->kind == RPC_REQUEST && !strcmp(r->method, "prompts/get") && cli) {
		strset_add(&cli->mcp.prompts, r->target, AS_AGENT_MAX_SET);
	} else if (r->kind == RPC_REQUEST && !r->to_server) {
		/* The server asks the client: sampling, elicitation, roots. */
		if (srv)
			strset_add(&srv->mcp.server_requests, r->method, AS_AGENT_MAX_SET);
		if (cli)
			strset_add(&cli->mcp.server_requests, r->method, AS_AGENT_MAX_SET);
		emit_mcp_event(a, m, l, "mcp-server-request", NULL);
	}
}

/* An HTTP request on a flow already known to carry MCP: its credentials. */
void ag_mcp_http_request(struct agents *a, struct aflow *f, const struct msg_obs *m)
{
	(void)a;
	const struct obs_http_origin *rq = &m->obs.u.http_origin;
	if (!f->mcp || !f->mcp->client)
		return;
	for (size_t i = 0; i < rq->n_credentials && i < 2; i++)
		ag_agent_cred(f->mcp->client, &rq->credentials[i], !m->obs.protected_bytes);
}

/* A client the server's messages showed and nothing named: its record is
 * made from what the conversation shows of it (the server's catalogue,
 * transports, sessions, requests to the client). */
void ag_mcp_flow_end(struct agents *a, struct aflow *f)
{
	struct mcp_link *l = f->mcp;
	if (!l || !l->client_pending || l->client)
		return;
	l->client_pending = false;
	bool created;
	struct agent *c = ag_agent_get(a, &l->client_ref, true, "mcp-client", "unknown", l->client_ts, &created);
	if (!c)
		return;
	l->client = c;
	if (created)
		ag_emit_discovered(a, c, &l->client_ref, l->server ? l->server->mcp.endpoint : "", NULL,
				   l->client_ts);
	strset_add(&c->user_agents, l->client_ua, AS_AGENT_MAX_SET);
	struct agent_mcp *cm = &c->mcp;
	cm->present = true;
	cm->from_client += l->from_client;
	cm->from_server += l->from_server;
	cm->messages += l->from_client + l->from_server;
	ag_count_flow(f, c);
	const struct agent *s = l->server;
	if (!s)
		return;
	for (size_t i = 0; i < s->mcp.transports.n; i++)
		strset_add(&cm->transports, s->mcp.transports.v[i], AS_AGENT_MAX_SET);
	for (size_t i = 0; i < s->mcp.sessions.n; i++)
		strset_add(&cm->sessions, s->mcp.sessions.v[i], AS_AGENT_MAX_SET);
	for (size_t i = 0; i < s->mcp.server_requests.n; i++)
		strset_add(&cm->server_requests, s->mcp.server_requests.v[i], AS_AGENT_MAX_SET);
	for (size_t i = 0; i < s->mcp.n_tools; i++) {
		const struct mcp_tool *t = &s->mcp.tools[i];
		struct mcp_tool *ct = t->listed ? tool_get(cm, t->name) : NULL;
		if (ct) {
			ct->listed = true;
			ct->hints_set = t->hints_set;
			ct->hints = t->hints;
		}
	}
	ag_add_peer(&cm->peers, &cm->n_peers, l->server);
	ag_add_peer(&l->server->mcp.peers, &l->server->mcp.n_peers, c);
	if (c->first_us > l->client_ts)
		c->first_us = l->client_ts;
}

/* What of its conversations a span did not show: `client-to-server` (no
 * message the client sent), `server-to-client` (none the server sent),
 * `initialize` (not its own side of it). Only when something is missing. */
void ag_mcp_partial_json(const struct agent *ag, struct jw *w)
{
	const struct agent_mcp *m = &ag->mcp;
	if (!m->present || (m->from_client && m->from_server && m->initialize_seen))
		return;
	jw_arr_begin(w, "partial");
	if (!m->from_client)
		jw_str(w, NULL, "client-to-server");
	if (!m->initialize_seen)
		jw_str(w, NULL, "initialize");
	if (!m->from_server)
		jw_str(w, NULL, "server-to-client");
	jw_arr_end(w);
}

/* ---- A2A ---- */

static struct agent *a2a_server(struct agents *a, const struct flow_ref *r, const char *host, uint64_t ts)
{
	char sid[32];
	bool created;
	snprintf(sid, sizeof sid, "a2a:%u", r->srv_port);
	struct agent *ag = ag_agent_get(a, r, false, "a2a-agent", sid, ts, &created);
	if (ag && created)
		ag_emit_discovered(a, ag, r, host, NULL, ts);
	if (ag)
		ag->a2a.present = true;
	return ag;
}

/* The caller: named by the User-Agent of the request (origin) it sent. */
static struct agent *a2a_client(struct agents *a, const struct msg_obs *m, const struct obs_http_origin *o)
{
	const char *host = o->host, *ua = o->user_agent;
	char identity[AS_STR + 8];
	struct sig_client_match cm;
	bool known = ua[0] && sig_match_client(a->cfg.sigs, ua, NULL, NULL, 0, &cm);
	if (known)
		text_copy(identity, sizeof identity, cm.name);
	else if (ua[0])
		snprintf(identity, sizeof identity, "ua:%s", ua);
	else
		text_copy(identity, sizeof identity, "unknown");
	bool created;
	struct agent *ag = ag_agent_get(a, &m->flow, true, "a2a-client", identity, m->h.ts_us, &created);
	if (ag && created) {
		strset_add(&ag->user_agents, ua, AS_AGENT_MAX_SET);
		if (known) {
			text_copy(ag->sw_name, sizeof ag->sw_name, cm.name);
			text_copy(ag->sw_version, sizeof ag->sw_version, cm.version);
		}
		ag_emit_discovered(a, ag, &m->flow, host, NULL, m->h.ts_us);
	}
	if (ag)
		ag->a2a.present = true;
	return ag;
}

void ag_a2a_card(struct agents *a, const struct msg_obs *m)
{
	const struct obs_agent_card *c = &m->obs.u.card;
	struct agent *srv = a2a_server(a, &m->flow, c->http.host, m->h.ts_us);
	struct agent *cli = a2a_client(a, m, &c->http);
	if (!srv)
		return;
	if (!srv->sw_name[0]) {
		text_copy(srv->sw_name, sizeof srv->sw_name, c->name);
		text_copy(srv->sw_version, sizeof srv->sw_version, c->version);
	}
	text_copy(srv->a2a.url, sizeof srv->a2a.url, c->url);
	text_copy(srv->a2a.protocol_version, sizeof srv->a2a.protocol_version, c->protocol_version);
	srv->a2a.streaming |= c->streaming;
	srv->a2a.push_notifications |= c->push_notifications;
	ag_split_add(&srv->a2a.security, c->security, ",");
	for (size_t i = 0; i < c->n_items && i < AS_OBS_MAX_ITEMS; i++)
		strset_add(&srv->a2a.skills, c->items[i].name, AS_AGENT_MAX_SET);
	if (cli) {
		ag_add_peer(&cli->a2a.peers, &cli->a2a.n_peers, srv);
		ag_add_peer(&srv->a2a.peers, &srv->a2a.n_peers, cli);
	}
	ag_ev_begin(a, "a2a-agent-card", "aisensor.a2a", m->h.ts_us);
	struct jw *w = &a->ev;
	ag_ev_flow(a, &m->flow, c->http.host, "http");
	jw_obj_begin(w, "url");
	jw_str(w, "path", c->http.path);
	jw_obj_end(w);
	jw_obj_begin(w, "aisensor");
	jw_obj_begin(w, "server");
	ag_ev_agent(w, srv);
	jw_obj_end(w);
	jw_obj_begin(w, "a2a");
	jw_str_opt(w, "name", c->name);
	jw_str_opt(w, "url", c->url);
	jw_arr_begin(w, "skills");
	for (size_t i = 0; i < c->n_items && i < AS_OBS_MAX_ITEMS; i++)
		jw_str(w, NULL, c->items[i].name);
	jw_arr_end(w);
	jw_obj_end(w);
	jw_obj_end(w);
	ag_ev_end(a);
}

void ag_a2a_rpc(struct agents *a, const struct msg_obs *m)
{
	const struct obs_rpc *r = &m->obs.u.rpc;
	struct agent *srv = a2a_server(a, &m->flow, r->http.host, m->h.ts_us);
	struct agent *cli = a2a_client(a, m, &r->http);
	struct aflow *f = ag_aflow_get(a, &m->flow, true);
	if (!srv || !cli)
		return;
	ag_add_peer(&cli->a2a.peers, &cli->a2a.n_peers, srv);
	ag_add_peer(&srv->a2a.peers, &srv->a2a.n_peers, cli);
	cli->a2a.messages++;
	srv->a2a.messages++;
	if (f) {
		ag_count_flow(f, cli);
		ag_count_flow(f, srv);
	}
	if (r->to_server)
		for (size_t i = 0; i < r->http.n_credentials && i < 2; i++)
			ag_agent_cred(cli, &r->http.credentials[i], !m->obs.protected_bytes);
	if (r->kind != RPC_REQUEST || !r->method[0])
		return;
	strset_add(&cli->a2a.methods, r->method, AS_AGENT_MAX_SET);
	strset_add(&srv->a2a.methods, r->method, AS_AGENT_MAX_SET);
	ag_ev_begin(a, "a2a-call", "aisensor.a2a", m->h.ts_us);
	struct jw *w = &a->ev;
	ag_ev_flow(a, &m->flow, r->http.host, "http");
	jw_obj_begin(w, "jsonrpc");
	jw_obj_begin(w, "request");
	jw_str(w, "id", r->id);
	jw_obj_end(w);
	jw_obj_end(w);
	jw_obj_begin(w, "aisensor");
	jw_obj_begin(w, "client");
	ag_ev_agent(w, cli);
	jw_obj_end(w);
	jw_obj_begin(w, "server");
	ag_ev_agent(w, srv);
	jw_obj_end(w);
	jw_obj_begin(w, "a2a");
	jw_str(w, "method", r->method);
	jw_obj_end(w);
	jw_obj_end(w);
	ag_ev_end(a);
}

/* Risks that depend on everything seen, settled before output. */
void ag_mcp_finish(struct agent *ag)
{
	struct agent_mcp *m = &ag->mcp;
	if (!m->present)
		return;
	if (!strcmp(ag->kind, "mcp-server")) {
		if (!m->oauth_challenge && m->requests_unauthenticated && !m->requests_authenticated)
			strset_add(&ag->risks, "mcp-server-without-auth", AS_AGENT_MAX_SET);
		if (!m->oauth_challenge && m->requests_authenticated)
			strset_add(&ag->risks, "mcp-static-bearer-token", AS_AGENT_MAX_SET);
		return;
	}
	/* A client with a bearer token it did not get through OAuth here. */
	bool bearer = false;
	for (size_t i = 0; i < ag->n_creds; i++)
		bearer |= !strcmp(ag->creds[i].where, "authorization-bearer");
	if (bearer && !ag->oauth_agent)
		for (size_t i = 0; i < m->n_peers; i++)
			if (!m->peers[i]->mcp.oauth_challenge)
				strset_add(&ag->risks, "mcp-static-bearer-token", AS_AGENT_MAX_SET);
}

/* ---- output ---- */

static void peers_json(struct jw *w, const char *key, struct agent *const *peers, size_t n,
		       bool with_endpoint)
{
	jw_arr_begin(w, key);
	for (size_t i = 0; i < n; i++) {
		const struct agent *p = peers[i];
		jw_obj_begin(w, NULL);
		jw_str(w, "agent_id", p->id);
		if (p->sw_name[0])
			jw_str(w, "name", p->sw_name);
		jw_str_opt(w, "version", p->sw_version);
		if (with_endpoint && p->mcp.endpoint[0])
			jw_str(w, "endpoint", p->mcp.endpoint);
		else
			jw_str(w, "host", p->ip);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

static int peer_cmp(const void *pa, const void *pb)
{
	const struct agent *x = *(struct agent *const *)pa, *y = *(struct agent *const *)pb;
	return strcmp(x->id, y->id);
}

static int tool_cmp(const void *pa, const void *pb)
{
	return strcmp(((const struct mcp_tool *)pa)->name, ((const struct mcp_tool *)pb)->name);
}

static const char *auth_mode(const struct agent_mcp *m)
{
	if (m->oauth_challenge)
		return "oauth";
	if (m->requests_authenticated)
		return m->requests_unauthenticated ? "mixed" : "bearer";
	return m->requests_unauthenticated ? "none" : "unknown";
}

void ag_mcp_json(const struct agent *ag, struct jw *w)
{
	const struct agent_mcp *m = &ag->mcp;
	if (!m->present)
		return;
	bool server = !strcmp(ag->kind, "mcp-server");
	/* Canonical order for output; the arrays are only ever appended to. */
	if (m->n_peers)
		qsort(m->peers, m->n_peers, sizeof *m->peers, peer_cmp);
	if (m->n_tools)
		qsort(m->tools, m->n_tools, sizeof *m->tools, tool_cmp);
	jw_obj_begin(w, "mcp");
	jw_str(w, "role", server ? "server" : "client");
	jw_str(w, "protocol_version", m->versions.n ? m->versions.v[m->versions.n - 1] : "");
	ag_json_set(w, "protocol_versions", &m->versions);
	jw_str(w, "transport", m->transports.n ? m->transports.v[0] : "");
	ag_json_set(w, "transports", &m->transports);
	if (server) {
		jw_str(w, "endpoint", m->endpoint);
		jw_str(w, "auth", auth_mode(m));
		jw_str_opt(w, "resource_metadata", m->resource_metadata);
		peers_json(w, "clients", m->peers, m->n_peers, false);
	} else {
		jw_arr_begin(w, "servers");
		for (size_t i = 0; i < m->n_peers; i++) {
			const struct agent *p = m->peers[i];
			char s[AS_STR * 2 + 100];
			snprintf(s, sizeof s, "%s%s%s @ %s", p->sw_name[0] ? p->sw_name : "unknown",
				 p->sw_version[0] ? " " : "", p->sw_version, p->mcp.endpoint);
			jw_str(w, NULL, s);
		}
		jw_arr_end(w);
		peers_json(w, "server_agents", m->peers, m->n_peers, true);
	}
	ag_json_set(w, "capabilities", &m->capabilities);
	jw_arr_begin(w, "tools_listed");
	for (size_t i = 0; i < m->n_tools; i++) {
		const struct mcp_tool *t = &m->tools[i];
		if (!t->listed)
			continue;
		jw_obj_begin(w, NULL);
		jw_str(w, "name", t->name);
		if (t->hints_set & RPC_HINT_READ_ONLY)
			jw_bool(w, "read_only", (t->hints & RPC_HINT_READ_ONLY) != 0);
		if (t->hints_set & (RPC_HINT_DESTRUCTIVE | RPC_HINT_READ_ONLY))
			jw_bool(w, "destructive", tool_destructive(t));
		if (t->hints_set & RPC_HINT_IDEMPOTENT)
			jw_bool(w, "idempotent", (t->hints & RPC_HINT_IDEMPOTENT) != 0);
		if (t->hints_set & RPC_HINT_OPEN_WORLD)
			jw_bool(w, "open_world", (t->hints & RPC_HINT_OPEN_WORLD) != 0);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_arr_begin(w, "tools_called");
	for (size_t i = 0; i < m->n_tools; i++) {
		const struct mcp_tool *t = &m->tools[i];
		if (!t->calls)
			continue;
		jw_obj_begin(w, NULL);
		jw_str(w, "name", t->name);
		jw_u64(w, "calls", t->calls);
		if (t->hints_set)
			jw_bool(w, "destructive", tool_destructive(t));
		jw_obj_end(w);
	}
	jw_arr_end(w);
	ag_json_set(w, "resources", &m->resources);
	ag_json_set(w, "prompts", &m->prompts);
	ag_json_set(w, "server_requests", &m->server_requests);
	jw_u64(w, "sessions", m->sessions.n + m->sessions.dropped);
	jw_u64(w, "messages", m->messages);
	jw_u64(w, "errors", m->errors);
	jw_obj_end(w);
}

void ag_a2a_json(const struct agent *ag, struct jw *w)
{
	const struct agent_a2a *x = &ag->a2a;
	if (!x->present)
		return;
	if (x->n_peers)
		qsort(x->peers, x->n_peers, sizeof *x->peers, peer_cmp);
	jw_obj_begin(w, "a2a");
	jw_str(w, "role", !strcmp(ag->kind, "a2a-agent") ? "agent" : "client");
	jw_str_opt(w, "url", x->url);
	jw_str_opt(w, "protocol_version", x->protocol_version);
	if (!strcmp(ag->kind, "a2a-agent")) {
		jw_bool(w, "streaming", x->streaming);
		jw_bool(w, "push_notifications", x->push_notifications);
		ag_json_set(w, "skills", &x->skills);
		ag_json_set(w, "security", &x->security);
	}
	ag_json_set(w, "methods", &x->methods);
	peers_json(w, !strcmp(ag->kind, "a2a-agent") ? "clients" : "agents", x->peers, x->n_peers, false);
	jw_u64(w, "messages", x->messages);
	jw_obj_end(w);
}

void ag_mcp_free(struct agent *ag)
{
	struct agent_mcp *m = &ag->mcp;
	strset_free(&m->versions);
	strset_free(&m->transports);
	strset_free(&m->capabilities);
	strset_free(&m->resources);
	strset_free(&m->prompts);
	strset_free(&m->server_requests);
	strset_free(&m->sessions);
	free(m->peers);
	free(m->tools);
	strset_free(&ag->a2a.skills);
	strset_free(&ag->a2a.methods);
	strset_free(&ag->a2a.security);
	free(ag->a2a.peers);
}
