/* events.c — every event the aggregator writes, and the only place their
 * field names are spelled: ECS (event.*, source.*, destination.*,
 * network.*, url.*, http.*, tls.*, dns.*, user_agent.*), OpenTelemetry
 * semantic conventions (gen_ai.*, mcp.*, jsonrpc.*), and aisensor.* for
 * what neither defines. */
#include "events.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

void events_init(struct events *ev, const char *sensor_name, void (*emit)(void *, const char *, size_t),
		 void *user)
{
	memset(ev, 0, sizeof *ev);
	ev->sensor_name = sensor_name;
	ev->emit = emit;
	ev->user = user;
	jw_init(&ev->w, false);
}

void events_free(struct events *ev)
{
	jw_free(&ev->w);
}

/* ---- the common parts ---- */

static struct jw *begin(struct events *ev, const char *action, const char *dataset, uint64_t ts)
{
	struct jw *w = &ev->w;
	jw_reset(w);
	jw_obj_begin(w, NULL);
	jw_time(w, "@timestamp", ts);
	jw_obj_begin(w, "event");
	jw_str(w, "kind", "event");
	jw_arr_begin(w, "category");
	jw_str(w, NULL, "network");
	jw_arr_end(w);
	jw_str(w, "action", action);
	jw_str(w, "dataset", dataset);
	jw_str(w, "module", "aisensor");
	jw_obj_end(w);
	jw_obj_begin(w, "observer");
	jw_str(w, "name", ev->sensor_name);
	jw_str(w, "type", "sensor");
	jw_str(w, "product", "aisensor");
	jw_str(w, "version", AS_VERSION);
	jw_obj_end(w);
	return w;
}

static void end(struct events *ev)
{
	struct jw *w = &ev->w;
	jw_obj_end(w);
	ev->count++;
	if (ev->emit && !w->oom)
		ev->emit(ev->user, w->buf, w->len);
}

static void flow_fields(struct jw *w, const struct flow_ref *r, const char *domain, const char *protocol)
{
	char ip[48];
	jw_obj_begin(w, "source");
	model_ip_str(r->family, r->cli_ip, ip, sizeof ip);
	jw_str(w, "ip", ip);
	jw_u64(w, "port", r->cli_port);
	if (r->has_mac && !model_mac_zero(r->cli_mac)) {
		char m[18];
		model_mac_str(r->cli_mac, m);
		jw_str(w, "mac", m);
	}
	jw_obj_end(w);
	jw_obj_begin(w, "destination");
	model_ip_str(r->family, r->srv_ip, ip, sizeof ip);
	jw_str(w, "ip", ip);
	jw_u64(w, "port", r->srv_port);
	jw_str_opt(w, "domain", domain);
	jw_obj_end(w);
	jw_obj_begin(w, "network");
	jw_str(w, "transport", r->l4proto == 6 ? "tcp" : "udp");
	jw_str(w, "type", r->family == 6 ? "ipv6" : "ipv4");
	jw_str_opt(w, "protocol", protocol);
	jw_obj_end(w);
}

static void path_field(struct jw *w, const char *path)
{
	jw_obj_begin(w, "url");
	jw_str(w, "path", path);
	jw_obj_end(w);
}

/* `"key": {"name": value}` — the shape of gen_ai.* and mcp.* leaves. */
static void named(struct jw *w, const char *key, const char *leaf, const char *value)
{
	jw_obj_begin(w, key);
	jw_str(w, leaf, value);
	jw_obj_end(w);
}

/* Read with the operator's key logs (its bytes were sealed on the wire). */
static void decrypted_field(struct jw *w, bool protected_bytes)
{
	if (protected_bytes)
		jw_bool(w, "decrypted", true);
}

static void agent_fields(struct jw *w, const char *key, const struct agent *ag)
{
	if (key)
		jw_obj_begin(w, key);
	jw_obj_begin(w, "agent");
	jw_str(w, "id", ag->id);
	jw_str(w, "kind", kind_name(ag->kind));
	jw_obj_begin(w, "software");
	jw_str(w, "name", ag->sw_name[0] ? ag->sw_name : "unknown");
	jw_str_opt(w, "version", ag->sw_version);
	jw_str_opt(w, "runtime", ag->sw_runtime);
	jw_obj_end(w);
	jw_obj_end(w);
	if (key)
		jw_obj_end(w);
}

static void service_fields(struct jw *w, const char *id, const char *name, const char *category)
{
	jw_obj_begin(w, "service");
	jw_str(w, "id", id);
	jw_str_opt(w, "name", name);
	jw_str(w, "category", category);
	jw_obj_end(w);
}

/* The service and how it is known so far (content, sni, dns). */
static void dest_fields(struct jw *w, const struct dest *d)
{
	if (!d)
		return;
	service_fields(w, d->service, d->service_name, d->category);
	jw_arr_begin(w, "basis");
	for (size_t i = 0; i < d->bases.n; i++)
		jw_str(w, NULL, d->bases.v[i]);
	jw_arr_end(w);
}

/* ---- discovery, connections, DNS ---- */

void ev_agent_discovered(struct events *ev, const struct agent *ag, const struct flow_ref *r,
			 const char *domain, const struct dest *d, uint64_t ts)
{
	struct jw *w = begin(ev, "agent-discovered", "aisensor.agent", ts);
	flow_fields(w, r, domain, NULL);
	jw_obj_begin(w, "aisensor");
	agent_fields(w, NULL, ag);
	dest_fields(w, d);
	jw_obj_end(w);
	end(ev);
}

void ev_ai_connection(struct events *ev, const struct msg_obs *m, const char *domain, const struct agent *ag,
		      const struct dest *d)
{
	const struct obs_tls_client_hello *ch = &m->obs.u.tls_ch;
	struct jw *w = begin(ev, "ai-connection", "aisensor.connection", m->h.ts_us);
	flow_fields(w, &m->flow, domain, ch->quic ? "quic" : "tls");
	jw_obj_begin(w, "tls");
	jw_obj_begin(w, "client");
	jw_str_opt(w, "server_name", ch->sni);
	jw_str_opt(w, "ja3", ch->ja3);
	if (ch->n_alpn) {
		jw_arr_begin(w, "supported_protocols");
		for (size_t i = 0; i < ch->n_alpn && i < AS_OBS_MAX_ALPN; i++)
			jw_str(w, NULL, ch->alpn[i]);
		jw_arr_end(w);
	}
	jw_obj_end(w);
	jw_obj_end(w);
	jw_obj_begin(w, "aisensor");
	agent_fields(w, NULL, ag);
	dest_fields(w, d);
	jw_obj_begin(w, "tls");
	jw_str_opt(w, "ja4", ch->ja4);
	jw_bool(w, "ech", ch->ech);
	/* the destination named by the host's DNS answers, not by the hello */
	if (domain && domain[0] && strcmp(domain, ch->sni) != 0)
		jw_str(w, "name_from", "dns");
	jw_obj_end(w);
	if (ch->quic) {
		jw_obj_begin(w, "quic");
		char v[16];
		snprintf(v, sizeof v, "0x%08" PRIx32, ch->quic_version);
		jw_str(w, "version", v);
		jw_obj_end(w);
	}
	jw_obj_end(w);
	end(ev);
}

void ev_llm_stream(struct events *ev, const struct msg_obs *m, const char *domain, const struct agent *ag,
		   const struct dest *d, const struct stream_estimate *e)
{
	const struct obs_tls_stream *s = &m->obs.u.tls_stream;
	struct jw *w = begin(ev, "llm-stream", "aisensor.stream", s->last_us);
	flow_fields(w, &m->flow, domain, "tls");
	jw_obj_begin(w, "aisensor");
	agent_fields(w, NULL, ag);
	dest_fields(w, d);
	jw_obj_begin(w, "stream");
	jw_bool(w, "estimated", true);
	jw_u64(w, "request_bytes", s->request_bytes);
	jw_u64(w, "records", s->records);
	jw_u64(w, "bytes", s->bytes);
	jw_u64(w, "duration_ms", (s->last_us - s->request_us) / 1000);
	jw_u64(w, "events", s->events);
	jw_obj_begin(w, "output_tokens");
	jw_u64(w, "estimate", e->tokens.estimate);
	jw_u64(w, "min", e->tokens.min);
	jw_u64(w, "max", e->tokens.max);
	jw_obj_end(w);
	jw_str(w, "tokens_per_event", e->per_token ? "one" : "several");
	jw_str(w, "tokens_per_event_from", e->by_service ? "service" : "record-sizes");
	jw_str(w, "confidence", confidence_name(e->confidence));
	jw_obj_end(w);
	jw_obj_end(w);
	end(ev);
}

void ev_ai_dns(struct events *ev, const struct msg_obs *m, const struct sig_service *svc)
{
	const struct obs_dns *d = &m->obs.u.dns;
	struct jw *w = begin(ev, "ai-dns-query", "aisensor.dns", m->h.ts_us);
	/* The flow's client asked: it is the resolver's client. */
	flow_fields(w, &m->flow, NULL, "dns");
	jw_obj_begin(w, "dns");
	named(w, "question", "name", d->qname);
	jw_arr_begin(w, "resolved_ip");
	for (size_t i = 0; i < d->n_answers && i < AS_DNS_MAX_ANSWERS; i++) {
		char ip[48];
		model_ip_str(d->answers[i].family, d->answers[i].addr, ip, sizeof ip);
		jw_str(w, NULL, ip);
	}
	jw_arr_end(w);
	jw_obj_end(w);
	jw_obj_begin(w, "aisensor");
	service_fields(w, svc->id, svc->name, svc->category);
	if (d->svcb) { /* an HTTPS/SVCB answer: what the service offers before any hello */
		jw_obj_begin(w, "https_record");
		jw_bool(w, "h3", d->svcb_h3);
		jw_bool(w, "ech", d->svcb_ech);
		jw_obj_end(w);
	}
	jw_obj_end(w);
	end(ev);
}

/* ---- model APIs ---- */

static void credential_fields(struct jw *w, const struct obs_credential *c, size_t n, bool cleartext)
{
	if (!n)
		return;
	jw_arr_begin(w, "credentials");
	for (size_t i = 0; i < n; i++) {
		jw_obj_begin(w, NULL);
		jw_str(w, "type", cred_type_name(c[i].type));
		jw_str(w, "where", cred_where_name(c[i].where));
		jw_bool(w, "cleartext", cleartext);
		char fp[32];
		snprintf(fp, sizeof fp, "hmac-sha256:%s", c[i].fingerprint);
		jw_str(w, "fingerprint", fp);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

void ev_llm_request(struct events *ev, const struct llm_call *c)
{
	const struct obs_http_request *rq = c->req;
	const struct obs_http_response *resp = c->resp;
	struct jw *w = begin(ev, "llm-request", "aisensor.llm", c->ts);
	flow_fields(w, c->flow, c->domain, "http");
	jw_obj_begin(w, "url");
	jw_str_opt(w, "domain", rq->host);
	jw_str(w, "path", rq->path);
	jw_str_opt(w, "query", rq->query);
	jw_obj_end(w);
	jw_obj_begin(w, "http");
	jw_str(w, "version", rq->version == 30 ? "3" : rq->version == 20 ? "2" : rq->version == 10 ? "1.0" : "1.1");
	jw_obj_begin(w, "request");
	jw_str(w, "method", rq->method);
	jw_str_opt(w, "mime_type", rq->content_type);
	jw_obj_end(w);
	if (resp) {
		jw_obj_begin(w, "response");
		jw_u64(w, "status_code", resp->status);
		jw_str_opt(w, "mime_type", resp->content_type);
		jw_obj_end(w);
	}
	jw_obj_end(w);
	if (rq->user_agent[0])
		named(w, "user_agent", "original", rq->user_agent);
	const struct dest *d = c->dest;
	const char *op = c->operation, *model = c->request_model;
	bool gen_ai = (d && d->provider[0]) || (op && *op) || model[0] ||
		      (resp && (resp->model[0] || resp->input_tokens || resp->output_tokens));
	if (gen_ai) {
		jw_obj_begin(w, "gen_ai");
		if (d && d->provider[0])
			named(w, "provider", "name", d->provider);
		if (op && *op)
			named(w, "operation", "name", op);
		if (model[0])
			named(w, "request", "model", model);
		if (resp && resp->model[0])
			named(w, "response", "model", resp->model);
		if (resp && (resp->input_tokens || resp->output_tokens)) {
			jw_obj_begin(w, "usage");
			jw_u64(w, "input_tokens", resp->input_tokens);
			jw_u64(w, "output_tokens", resp->output_tokens);
			jw_obj_end(w);
		}
		jw_obj_end(w);
	}
	jw_obj_begin(w, "aisensor");
	decrypted_field(w, c->decrypted);
	agent_fields(w, NULL, c->client);
	dest_fields(w, d);
	if (c->server) {
		jw_obj_begin(w, "server");
		jw_str(w, "agent_id", c->server->id);
		jw_str(w, "api", c->server_api);
		jw_obj_end(w);
	}
	if (rq->stream >= 0)
		jw_bool(w, "stream", rq->stream == 1);
	credential_fields(w, rq->credentials, rq->n_credentials < 2 ? rq->n_credentials : 2, c->cleartext);
	jw_obj_end(w);
	end(ev);
}

/* ---- MCP and A2A ---- */

void ev_mcp(struct events *ev, const struct msg_obs *m, const struct mcp_link *l, const char *transport,
	    const char *action, const struct mcp_tool *tool)
{
	const struct obs_rpc *r = &m->obs.u.rpc;
	struct jw *w = begin(ev, action, "aisensor.mcp", m->h.ts_us);
	flow_fields(w, &m->flow, r->http.host, "http");
	if (r->http.path[0])
		path_field(w, r->http.path);
	jw_obj_begin(w, "mcp");
	named(w, "method", "name", r->method);
	if (r->session_id[0])
		named(w, "session", "id", r->session_id);
	const char *pv = r->protocol_version[0] ? r->protocol_version : r->protocol_header;
	if (pv[0])
		named(w, "protocol", "version", pv);
	if (!strcmp(r->method, "resources/read") && r->target[0])
		named(w, "resource", "uri", r->target);
	jw_obj_end(w);
	if (r->id[0]) {
		jw_obj_begin(w, "jsonrpc");
		named(w, "request", "id", r->id);
		jw_obj_end(w);
	}
	if (tool) {
		jw_obj_begin(w, "gen_ai");
		named(w, "operation", "name", "execute_tool");
		named(w, "tool", "name", tool->name);
		jw_obj_end(w);
	}
	jw_obj_begin(w, "aisensor");
	decrypted_field(w, m->obs.protected_bytes);
	if (l->client)
		agent_fields(w, "client", l->client);
	if (l->server)
		agent_fields(w, "server", l->server);
	jw_obj_begin(w, "mcp");
	jw_str(w, "transport", transport);
	bool hello = !strcmp(r->method, "initialize") || !strcmp(r->method, "server/discover");
	if (hello && r->kind == RPC_REQUEST) {
		jw_str_opt(w, "client_name", r->peer_name);
		jw_str_opt(w, "client_version", r->peer_version);
		jw_str_opt(w, "capabilities", r->capabilities);
	}
	if (hello && r->kind == RPC_RESULT) {
		jw_str_opt(w, "server_name", r->peer_name);
		jw_str_opt(w, "server_version", r->peer_version);
		jw_str_opt(w, "capabilities", r->capabilities);
		jw_str_opt(w, "supported_versions", r->versions);
	}
	if (!strcmp(r->method, "subscriptions/listen"))
		jw_str_opt(w, "notifications", r->arg_names);
	jw_str_opt(w, "input_requests", r->input_requests);
	if (r->from_headers)
		jw_bool(w, "from_headers", true);
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
	end(ev);
}

void ev_a2a_card(struct events *ev, const struct msg_obs *m, const struct agent *server)
{
	const struct obs_agent_card *c = &m->obs.u.card;
	struct jw *w = begin(ev, "a2a-agent-card", "aisensor.a2a", m->h.ts_us);
	flow_fields(w, &m->flow, c->http.host, "http");
	path_field(w, c->http.path);
	jw_obj_begin(w, "aisensor");
	decrypted_field(w, m->obs.protected_bytes);
	agent_fields(w, "server", server);
	jw_obj_begin(w, "a2a");
	jw_str_opt(w, "name", c->name);
	jw_str_opt(w, "url", c->url);
	jw_arr_begin(w, "skills");
	for (size_t i = 0; i < c->n_items && i < AS_OBS_MAX_ITEMS; i++)
		jw_str(w, NULL, c->items[i].name);
	jw_arr_end(w);
	jw_obj_end(w);
	jw_obj_end(w);
	end(ev);
}

void ev_a2a_call(struct events *ev, const struct msg_obs *m, const struct agent *client,
		 const struct agent *server)
{
	const struct obs_rpc *r = &m->obs.u.rpc;
	struct jw *w = begin(ev, "a2a-call", "aisensor.a2a", m->h.ts_us);
	flow_fields(w, &m->flow, r->http.host, "http");
	jw_obj_begin(w, "jsonrpc");
	named(w, "request", "id", r->id);
	jw_obj_end(w);
	jw_obj_begin(w, "aisensor");
	decrypted_field(w, m->obs.protected_bytes);
	agent_fields(w, "client", client);
	agent_fields(w, "server", server);
	jw_obj_begin(w, "a2a");
	jw_str(w, "method", r->method);
	jw_str_opt(w, "version", r->a2a_version);
	jw_str_opt(w, "extensions", r->a2a_extensions);
	jw_obj_end(w);
	jw_obj_end(w);
	end(ev);
}

/* ---- OAuth ---- */

void ev_oauth(struct events *ev, const struct msg_obs *m, const char *action, const struct agent *ag,
	      const struct agent_oauth *g)
{
	const struct obs_oauth *o = &m->obs.u.oauth;
	struct jw *w = begin(ev, action, "aisensor.oauth", m->h.ts_us);
	flow_fields(w, &m->flow, o->http.host, "http");
	path_field(w, o->http.path);
	jw_obj_begin(w, "aisensor");
	decrypted_field(w, m->obs.protected_bytes);
	if (ag)
		agent_fields(w, NULL, ag);
	jw_obj_begin(w, "oauth");
	if (g) {
		jw_str(w, "issuer", g->issuer);
		jw_str(w, "client_id", g->client_id);
	}
	jw_str_opt(w, "client_name", o->client_name);
	jw_str_opt(w, "grant_type", o->grant_type);
	jw_str_opt(w, "scope", o->scope);
	jw_str_opt(w, "resource", o->resource);
	jw_str_opt(w, "code_challenge_method", o->code_challenge_method);
	jw_str_opt(w, "subject_token_type", o->subject_token_type);
	jw_str_opt(w, "requested_token_type", o->requested_token_type);
	jw_str_opt(w, "resource_metadata", o->resource_metadata);
	jw_str_opt(w, "error", o->error);
	if (o->kind == OAUTH_TOKEN_RESPONSE) {
		jw_str_opt(w, "token_type", o->token_type);
		jw_u64(w, "expires_in", o->expires_in);
		jw_bool(w, "refresh_token", o->refresh_token);
	}
	jw_obj_end(w);
	jw_obj_end(w);
	end(ev);
}
