/* a2a.c — the A2A correlator (see a2a.h). An A2A agent is keyed by its
 * listening port; its caller by the User-Agent of the requests it sent.
 * A caller lists each agent it calls among its destinations, as an LLM
 * client lists the APIs it calls: endpoint, flows, bytes, methods. */
#include "a2a.h"

#include <stdio.h>
#include <string.h>

static struct agent *server_of(struct model *m, struct events *ev, const struct flow_ref *r, const char *host,
			       uint64_t ts)
{
	char sid[32];
	bool created;
	snprintf(sid, sizeof sid, "a2a:%u", r->srv_port);
	struct agent *ag = model_agent_get(m, r, false, KIND_A2A_AGENT, sid, ts, &created);
	if (ag && created)
		ev_agent_discovered(ev, ag, r, host, NULL, ts);
	if (ag) {
		ag->a2a.present = true;
		model_basis(m, ag, NULL, "content");
	}
	return ag;
}

/* The caller: named by the User-Agent of the request (origin) it sent. */
static struct agent *client_of(struct model *m, struct events *ev, const struct msg_obs *msg,
			       const struct obs_http_origin *o)
{
	const char *ua = o->user_agent;
	char identity[AS_STR + 8];
	struct sig_client_match cm;
	bool known = ua[0] && sig_match_client(m->sigs, ua, NULL, NULL, 0, &cm);
	if (known)
		text_copy(identity, sizeof identity, cm.name);
	else if (ua[0])
		snprintf(identity, sizeof identity, "ua:%s", ua);
	else
		text_copy(identity, sizeof identity, "unknown");
	bool created;
	struct agent *ag =
	    model_agent_get(m, &msg->flow, true, KIND_A2A_CLIENT, identity, msg->h.ts_us, &created);
	if (ag && created) {
		model_set_add(m, &ag->user_agents, ua);
		if (known) {
			text_copy(ag->sw_name, sizeof ag->sw_name, cm.name);
			text_copy(ag->sw_version, sizeof ag->sw_version, cm.version);
		}
		ev_agent_discovered(ev, ag, &msg->flow, o->host, NULL, msg->h.ts_us);
	}
	if (ag) {
		ag->a2a.present = true;
		model_basis(m, ag, NULL, "content");
	}
	return ag;
}

static void link_peers(struct model *m, struct agent *cli, struct agent *srv)
{
	model_add_peer(m, &cli->a2a.peers, &cli->a2a.n_peers, srv);
	model_add_peer(m, &srv->a2a.peers, &srv->a2a.n_peers, cli);
}

void a2a_card(struct model *m, struct events *ev, const struct msg_obs *msg)
{
	const struct obs_agent_card *c = &msg->obs.u.card;
	struct agent *srv = server_of(m, ev, &msg->flow, c->http.host, msg->h.ts_us);
	struct agent *cli = client_of(m, ev, msg, &c->http);
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
	model_split_add(m, &srv->a2a.security, c->security, ",");
	for (size_t i = 0; i < c->n_items && i < AS_OBS_MAX_ITEMS; i++)
		model_set_add(m, &srv->a2a.skills, c->items[i].name);
	if (cli)
		link_peers(m, cli, srv);
	ev_a2a_card(ev, msg, srv);
}

static const struct sig_service a2a_service = {
    .id = "a2a-agent", .name = "A2A agent", .category = "a2a-agent"};

/* The destination of the caller on this flow: the agent's endpoint. */
static struct dest *client_dest(struct model *m, struct aflow *f, struct agent *cli, const struct obs_rpc *r,
				uint64_t ts)
{
	if (f->client == cli && f->client_dest)
		return f->client_dest;
	char endpoint[AS_STR + 8];
	model_server_addr(&f->ref, endpoint, sizeof endpoint);
	size_t n = strlen(endpoint);
	text_copy(endpoint + n, sizeof endpoint - n, r->http.path);
	struct dest *d = model_dest_get(m, cli, &a2a_service, "a2a", endpoint, &f->ref, f->tls);
	if (!d)
		return NULL;
	f->client = cli;
	f->client_dest = d;
	model_basis(m, cli, d, "content");
	model_count_dest_flow(m, f, cli, d, ts);
	return d;
}

void a2a_rpc(struct model *m, struct events *ev, const struct msg_obs *msg)
{
	const struct obs_rpc *r = &msg->obs.u.rpc;
	struct agent *srv = server_of(m, ev, &msg->flow, r->http.host, msg->h.ts_us);
	struct agent *cli = client_of(m, ev, msg, &r->http);
	struct aflow *f = model_flow_get(m, &msg->flow, true);
	if (!srv || !cli)
		return;
	link_peers(m, cli, srv);
	cli->a2a.messages++;
	srv->a2a.messages++;
	if (f) {
		model_count_flow(m, f, cli, msg->h.ts_us);
		model_count_flow(m, f, srv, msg->h.ts_us);
	}
	if (r->to_server)
		for (size_t i = 0; i < r->http.n_credentials && i < 2; i++)
			model_cred(m, cli, &r->http.credentials[i], !msg->obs.protected_bytes);
	struct dest *d = f && r->to_server ? client_dest(m, f, cli, r, msg->h.ts_us) : NULL;
	if (r->kind != RPC_REQUEST || !r->method[0])
		return;
	model_set_add(m, &cli->a2a.methods, r->method);
	model_set_add(m, &srv->a2a.methods, r->method);
	for (int i = 0; i < 2; i++) {
		struct agent *ag = i ? srv : cli;
		model_set_add(m, &ag->a2a.versions, r->a2a_version);
		model_split_add(m, &ag->a2a.extensions, r->a2a_extensions, ", ");
	}
	if (d) {
		model_count(m, f, msg->h.ts_us, cli, CTR_DEST_REQUESTS, d, NULL, 1);
		model_set_add(m, &d->operations, r->method);
	}
	ev_a2a_call(ev, msg, cli, srv);
}
