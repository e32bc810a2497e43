/* llm.c — the LLM correlator (see llm.h). A flow becomes an "AI flow" when
 * a TLS ClientHello, an HTTP request or the DNS name of its server matches
 * a signature; the flow then links a client agent (and, for self-hosted
 * model servers, a server agent). */
#include "llm.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_identity(const struct sig_service *s)
{
	return s && s->category && !strcmp(s->category, "identity");
}

static enum agent_kind kind_for(const struct sig_service *s)
{
	if (!s || !s->category || !strcmp(s->category, "llm-api") || !strcmp(s->category, "ai-platform"))
		return KIND_LLM_API_CLIENT;
	if (!strcmp(s->category, "mcp-server")) /* a hosted MCP server, by its name */
		return KIND_MCP_CLIENT;
	return KIND_AI_APP;
}

/* A self-hosted server is named by the API family it speaks: Ollama by
 * its own API, others as "<api>-compatible". */
static void server_name(const char *const *apis, size_t n, char *out, size_t outsz)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(apis[i], "ollama")) {
			text_copy(out, outsz, "ollama");
			return;
		}
	if (n == 1)
		snprintf(out, outsz, "%s-compatible", apis[0]);
	else
		text_copy(out, outsz, "llm-server");
}

static void hello_settle(struct model *m, struct events *ev, struct aflow *f, struct agent *ag);

/* Links the flow to its client agent (created on first sight). */
static struct agent *link_client(struct model *m, struct events *ev, struct aflow *f,
				 const struct sig_service *svc, const char *api, enum agent_kind kind,
				 const char *identity, const char *sw_name, const char *sw_version,
				 const char *runtime, const char *basis, uint64_t ts)
{
	bool created;
	struct agent *ag = model_agent_get(m, &f->ref, true, kind, identity, ts, &created);
	if (!ag)
		return NULL;
	if (sw_name && *sw_name && !ag->sw_name[0])
		text_copy(ag->sw_name, sizeof ag->sw_name, sw_name);
	if (sw_version && *sw_version && (!ag->sw_version[0] || strcmp(sw_version, ag->sw_version) > 0))
		text_copy(ag->sw_version, sizeof ag->sw_version, sw_version);
	if (runtime && !ag->sw_runtime[0])
		text_copy(ag->sw_runtime, sizeof ag->sw_runtime, runtime);
	char endpoint[AS_STR + 8];
	if (f->domain[0])
		snprintf(endpoint, sizeof endpoint, "%s:%u", f->domain, f->ref.srv_port);
	else
		model_server_addr(&f->ref, endpoint, sizeof endpoint);
	struct dest *di = model_dest_get(m, ag, svc, api, endpoint, &f->ref, f->tls);
	model_basis(m, ag, di, basis);
	f->client = ag;
	f->client_dest = di;
	model_count_dest_flow(m, f, ag, di, ts);
	model_count_flow(m, f, ag, ts);
	if (f->ja3[0])
		model_set_add(m, &ag->ja3, f->ja3);
	if (f->ja4[0])
		model_set_add(m, &ag->ja4, f->ja4);
	if (created)
		ev_agent_discovered(ev, ag, &f->ref, f->domain, di, ts);
	if (f->hello)
		hello_settle(m, ev, f, ag);
	return ag;
}

void llm_flow_start(struct model *m, const struct msg_flow *msg)
{
	const char *name = model_dns_name(m, msg->flow.family, msg->flow.srv_ip, msg->h.ts_us);
	const struct sig_service *svc = name ? sig_match_domain(m->sigs, name) : NULL;
	if (!svc || is_identity(svc))
		return;
	struct aflow *f = model_flow_get(m, &msg->flow, true);
	if (!f)
		return;
	text_copy(f->domain, sizeof f->domain, name);
	f->svc = svc;
}

void llm_tls_stream(struct model *m, struct events *ev, const struct msg_obs *msg)
{
	const struct obs_tls_stream *s = &msg->obs.u.tls_stream;
	struct aflow *f = model_flow_get(m, &msg->flow, false);
	if (!f || !f->client || !f->client_dest)
		return; /* no AI flow: a stream to anything else is no LLM's */
	struct agent *ag = f->client;
	struct dest *d = f->client_dest;
	/* The service's known way of streaming, else what the sizes suggest
	 * (then the estimate is at best of medium confidence). */
	struct stream_estimate e = {.by_service = f->svc && f->svc->stream_events != SIG_STREAM_UNKNOWN};
	e.per_token = e.by_service ? f->svc->stream_events == SIG_STREAM_ONE : s->per_token;
	e.tokens = e.per_token ? s->one : s->several;
	e.confidence = s->confidence;
	if (!e.by_service && e.confidence > CONFIDENCE_MEDIUM)
		e.confidence = CONFIDENCE_MEDIUM;
	uint64_t ts = s->last_us;
	model_count(m, f, ts, ag, CTR_DEST_STREAMS, d, NULL, 1);
	model_count(m, f, ts, ag, CTR_DEST_STREAM_RECORDS, d, NULL, s->records);
	model_count(m, f, ts, ag, CTR_DEST_STREAM_TOKENS, d, NULL, e.tokens.estimate);
	model_count(m, f, ts, ag, CTR_DEST_STREAM_TOKENS_MIN, d, NULL, e.tokens.min);
	model_count(m, f, ts, ag, CTR_DEST_STREAM_TOKENS_MAX, d, NULL, e.tokens.max);
	model_set_add(m, &d->stream_confidence, confidence_name(e.confidence));
	ev_llm_stream(ev, msg, f->domain, ag, d, &e);
}

void llm_dns(struct model *m, struct events *ev, const struct msg_obs *msg)
{
	const struct obs_dns *d = &msg->obs.u.dns;
	if (!d->response)
		return;
	model_dns_learn(m, d, msg->h.ts_us);
	const struct sig_service *svc = d->qname[0] ? sig_match_domain(m->sigs, d->qname) : NULL;
	if (svc && !is_identity(svc) && (d->n_answers || d->svcb))
		ev_ai_dns(ev, msg, svc);
}

/* The identity of the client a hello shows, and what its JA4 matched (cm,
 * zeroed when nothing): a JA4 names a product (software.name) only when it
 * belongs to that product alone; a runtime (software.runtime) is the
 * client's identity without naming it, so a host's clients of one runtime
 * are one agent; else the fingerprint itself. */
static bool hello_identity(const struct model *m, const struct obs_tls_client_hello *ch,
			   struct sig_client_match *cm, char *identity, size_t n)
{
	memset(cm, 0, sizeof *cm);
	bool known = ch->ja4[0] && sig_match_ja4(m->sigs, ch->ja4, cm);
	if (known && (cm->name || cm->runtime))
		text_copy(identity, n, cm->name ? cm->name : cm->runtime);
	else
		snprintf(identity, n, "ja4:%s", ch->ja4_stable[0] ? ch->ja4_stable : "none");
	return known;
}

/* An Encrypted Client Hello whose destination neither its outer name nor
 * the host's DNS tells: flagged on the agents this client software (the
 * same identity) already is on this host. */
static void ech_hidden(struct model *m, const struct msg_obs *msg, const struct obs_tls_client_hello *ch)
{
	char identity[64];
	struct sig_client_match cm;
	(void)hello_identity(m, ch, &cm, identity, sizeof identity);
	size_t n;
	struct agent *const *v = model_host_agents(m, msg->flow.family, msg->flow.cli_ip, &n);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i]->identity, identity)) {
			model_risk(v[i], RISK_ECH_HIDDEN_DESTINATION);
			model_dirty(m, v[i]);
		}
}

/* The client a hello shows, linked to its flow. */
static void hello_link(struct model *m, struct events *ev, struct aflow *f, const struct msg_obs *msg,
		       bool by_sni)
{
	const struct obs_tls_client_hello *ch = &msg->obs.u.tls_ch;
	const struct sig_service *svc = f->svc;
	struct sig_client_match cm;
	char identity[64];
	bool known = hello_identity(m, ch, &cm, identity, sizeof identity);
	bool product = known && cm.name;
	enum agent_kind kind = (known && cm.kind && !strcmp(cm.kind, "ai-app")) ? KIND_AI_APP : kind_for(svc);
	struct agent *ag = link_client(m, ev, f, svc, svc->provider ? svc->provider : svc->id, kind, identity,
				       product ? cm.name : NULL, product ? cm.version : NULL,
				       known ? cm.runtime : NULL, by_sni ? "sni" : "dns", msg->h.ts_us);
	if (ag)
		ev_ai_connection(ev, msg, f->domain, ag, f->client_dest);
}

/* A held hello meets its client: the content named it (ag), or the flow
 * ended without (ag NULL: the hello names it). */
static void hello_settle(struct model *m, struct events *ev, struct aflow *f, struct agent *ag)
{
	struct msg_obs *msg = f->hello;
	f->hello = NULL;
	const struct obs_tls_client_hello *ch = &msg->obs.u.tls_ch;
	if (!ag) {
		hello_link(m, ev, f, msg, ch->sni[0] && !strcmp(ch->sni, f->domain));
	} else {
		struct sig_client_match cm;
		char identity[64];
		if (hello_identity(m, ch, &cm, identity, sizeof identity) && cm.runtime && !ag->sw_runtime[0])
			text_copy(ag->sw_runtime, sizeof ag->sw_runtime, cm.runtime);
		ev_ai_connection(ev, msg, f->domain, ag, f->client_dest);
	}
	free(msg);
}

void llm_tls_hello(struct model *m, struct events *ev, const struct msg_obs *msg)
{
	const struct obs_tls_client_hello *ch = &msg->obs.u.tls_ch;
	const char *name = ch->sni;
	const struct sig_service *svc = *name ? sig_match_domain(m->sigs, name) : NULL;
	bool by_sni = svc != NULL;
	/* No name, or the outer name of an Encrypted Client Hello that is no
	 * service (a shared front such as cloudflare-ech.com; a browser's
	 * GREASE ECH keeps the real name outside): where the host's DNS answers
	 * said this address is. */
	if (!svc && (ch->ech || !*name))
		name = model_dns_name(m, msg->flow.family, msg->flow.srv_ip, msg->h.ts_us);
	if (!svc && name)
		svc = sig_match_domain(m->sigs, name);
	if (!svc && ch->ech)
		ech_hidden(m, msg, ch);
	struct aflow *f = model_flow_get(m, &msg->flow, svc != NULL);
	if (!f)
		return;
	if (!svc)
		svc = f->svc; /* named by DNS when the flow began */
	if (!svc)
		return;
	if (is_identity(svc)) {
		/* An identity provider: evidence for the host's agents, never an agent itself. */
		model_idp_seen(m, &msg->flow, svc->id, by_sni ? "sni" : "dns");
		return;
	}
	f->svc = svc;
	f->tls = true;
	if (name)
		text_copy(f->domain, sizeof f->domain, name);
	text_copy(f->ja3, sizeof f->ja3, ch->ja3);
	text_copy(f->ja4, sizeof f->ja4, ch->ja4);

	if (ch->opened) { /* the content names the client: wait for it */
		size_t n = offsetof(struct msg_obs, obs) + observation_size(OBS_TLS_CLIENT_HELLO);
		if ((f->hello = malloc(sizeof *f->hello))) {
			memcpy(f->hello, msg, n);
			return;
		}
	}
	hello_link(m, ev, f, msg, by_sni);
}

/* ---- model API requests ---- */

/* A request, read against the signatures. */
struct llm_req {
	const struct obs_http_request *req;
	uint64_t ts_us;
	struct sig_endpoint ep;
	bool has_ep;
	const struct sig_service *svc;
	char domain[AS_STR];
	struct sig_client_match client;
	bool has_client;
};

/* The request's path names an AI API and the traffic confirms it. */
static bool confirmed(const struct llm_req *p, const struct obs_http_response *resp)
{
	if (p->req->model[0] ||
	    (p->has_client && p->client.kind && !strcmp(p->client.kind, "llm-api-client")))
		return true;
	if (!resp || resp->status < 200 || resp->status >= 300)
		return false;
	return resp->model[0] || resp->sse || strstr(resp->content_type, "json") != NULL;
}

static void client_identity(const struct llm_req *p, char *identity, size_t n, const char **name,
			    const char **version)
{
	*name = NULL;
	*version = NULL;
	if (p->has_client) {
		text_copy(identity, n, p->client.name);
		*name = p->client.name;
		*version = p->client.version;
	} else if (p->req->user_agent[0]) {
		snprintf(identity, n, "ua:%s", p->req->user_agent);
	} else {
		text_copy(identity, n, "unknown");
	}
}

/* The self-hosted server a request reached: one per listening port,
 * whatever APIs it answers. */
static struct agent *link_server(struct model *m, struct events *ev, struct aflow *f, const struct llm_req *p,
				 uint64_t ts)
{
	bool created;
	char sid[32];
	snprintf(sid, sizeof sid, "port:%u", f->ref.srv_port);
	struct agent *srv =
	    model_agent_get(m, &f->ref, false, KIND_LLM_SERVER, sid, f->ref.start_us, &created);
	if (!srv)
		return NULL;
	model_basis(m, srv, NULL, "content");
	model_set_add(m, &srv->apis, p->ep.api);
	server_name((const char *const *)srv->apis.v, srv->apis.n, srv->sw_name, sizeof srv->sw_name);
	if (created) {
		model_server_addr(&f->ref, srv->listen, sizeof srv->listen);
		ev_agent_discovered(ev, srv, &f->ref, f->domain, NULL, ts);
	}
	model_seen(m, srv, ts);
	f->server = srv;
	model_count_flow(m, f, srv, ts);
	char cip[48];
	model_ip_str(f->ref.family, f->ref.cli_ip, cip, sizeof cip);
	model_set_add(m, &srv->clients, cip);
	if (p->req->n_credentials == 0)
		model_risk(srv, RISK_LLM_SERVER_WITHOUT_AUTH);
	return srv;
}

/* What the request of an exchange says, linked to agents once: the
 * client (and a self-hosted server), its credentials, the request's
 * models and operation, the request counted. Bytes protected on the wire
 * (decrypted) were sent over TLS: their credentials are not cleartext. */
static bool link_request(struct model *m, struct events *ev, struct aflow *f, const struct llm_req *p,
			 uint64_t ts, bool protected_bytes, struct open_request *out)
{
	const struct sig_service *svc = p->svc;
	bool self_hosted = !svc && p->has_ep;
	char identity[AS_STR + 8];
	const char *sw_name, *sw_version;
	client_identity(p, identity, sizeof identity, &sw_name, &sw_version);
	const char *api = p->has_ep ? p->ep.api : (svc && svc->provider ? svc->provider : "http");
	enum agent_kind kind = svc ? kind_for(svc) : KIND_LLM_API_CLIENT;
	if (p->has_client && p->client.kind && !strcmp(p->client.kind, "ai-app"))
		kind = KIND_AI_APP;
	if (p->domain[0] && !f->domain[0])
		text_copy(f->domain, sizeof f->domain, p->domain);
	f->tls |= protected_bytes;
	const char *svc_label = svc ? NULL : (p->has_ep ? p->ep.api : "http");
	char self_id[48];
	if (self_hosted) {
		server_name(&svc_label, 1, self_id, sizeof self_id);
		api = self_id;
	}
	struct agent *ag =
	    link_client(m, ev, f, svc, api, kind, identity, sw_name, sw_version, NULL, "content", ts);
	if (!ag)
		return false;
	model_set_add(m, &ag->user_agents, p->req->user_agent);
	for (size_t i = 0; i < p->req->n_credentials && i < 2; i++)
		model_cred(m, ag, &p->req->credentials[i], !protected_bytes);
	struct dest *d = f->client_dest;
	const char *op = p->has_ep ? p->ep.operation : NULL;
	model_count(m, f, ts, ag, CTR_DEST_REQUESTS, d, NULL, 1);
	if (d) {
		model_set_add(m, &d->models, p->req->model);
		if (p->has_ep && p->ep.model[0])
			model_set_add(m, &d->models, p->ep.model);
		model_set_add(m, &d->operations, op);
	}
	struct agent *srv = self_hosted ? link_server(m, ev, f, p, ts) : NULL;
	if (srv) {
		model_count(m, f, ts, srv, CTR_SERVER_REQUESTS, NULL, NULL, 1);
		model_set_add(m, &srv->served_models, p->req->model);
		if (p->ep.model[0])
			model_set_add(m, &srv->served_models, p->ep.model);
		model_set_add(m, &srv->served_ops, op);
	}
	out->client = ag;
	out->server = srv;
	out->dest = d;
	return true;
}

/* What the response says (resp NULL: none came), and the event. */
static void respond(struct model *m, struct events *ev, struct aflow *f, const struct llm_req *p,
		    const struct obs_http_response *resp, uint64_t ts, bool protected_bytes,
		    const struct open_request *o)
{
	uint64_t in = resp ? resp->input_tokens : 0, out = resp ? resp->output_tokens : 0;
	model_seen(m, o->client, ts);
	model_count(m, f, ts, o->client, CTR_DEST_INPUT_TOKENS, o->dest, NULL, in);
	model_count(m, f, ts, o->client, CTR_DEST_OUTPUT_TOKENS, o->dest, NULL, out);
	if (o->dest && resp)
		model_set_add(m, &o->dest->models, resp->model);
	struct agent *srv = o->server;
	if (srv) {
		model_seen(m, srv, ts);
		model_count(m, f, ts, srv, CTR_SERVER_INPUT_TOKENS, NULL, NULL, in);
		model_count(m, f, ts, srv, CTR_SERVER_OUTPUT_TOKENS, NULL, NULL, out);
		if (resp) {
			model_set_add(m, &srv->served_models, resp->model);
			if (resp->server[0] && !srv->server_header[0])
				text_copy(srv->server_header, sizeof srv->server_header, resp->server);
		}
	}
	struct llm_call c = {.flow = &f->ref,
			     .domain = f->domain,
			     .req = p->req,
			     .resp = resp,
			     .client = o->client,
			     .dest = o->dest,
			     .operation = p->has_ep ? p->ep.operation : NULL,
			     .request_model =
				 p->req->model[0] ? p->req->model : (p->has_ep ? p->ep.model : ""),
			     .server = srv,
			     .server_api = p->ep.api,
			     .cleartext = !protected_bytes,
			     .decrypted = protected_bytes,
			     .api = p->has_ep ? p->ep.api : NULL,
			     .ts = p->ts_us,
			     .end_ts = resp ? ts : 0};
	ev_llm_request(ev, &c);
}

/* The client software a request's headers name. */
static void match_client(const struct sig_db *db, struct llm_req *p)
{
	const struct obs_http_request *rq = p->req;
	const char *names[AS_OBS_MAX_SDK_HEADERS], *values[AS_OBS_MAX_SDK_HEADERS];
	size_t nh = rq->n_sdk_headers < AS_OBS_MAX_SDK_HEADERS ? rq->n_sdk_headers : AS_OBS_MAX_SDK_HEADERS;
	for (size_t i = 0; i < nh; i++) {
		names[i] = rq->sdk_headers[i].name;
		values[i] = rq->sdk_headers[i].value;
	}
	p->has_client = sig_match_client(db, rq->user_agent, names, values, nh, &p->client);
}

/* The request of an exchange read against the signatures; NULL flow when
 * it names no AI service or API. */
static struct aflow *read_request(struct model *m, const struct msg_obs *msg, struct llm_req *p)
{
	const struct obs_http_exchange *x = &msg->obs.u.http;
	if (!(x->seen & HTTP_SEEN_REQUEST))
		return NULL; /* a response whose request was not seen names no API */
	const struct obs_http_request *rq = &x->req;
	uint64_t ts = x->request_us ? x->request_us : msg->h.ts_us;
	uint8_t tmp[16];
	bool host_is_ip = rq->host[0] &&
			  (inet_pton(AF_INET, rq->host, tmp) == 1 || inet_pton(AF_INET6, rq->host, tmp) == 1);
	const char *domain = (rq->host[0] && !host_is_ip)
				 ? rq->host
				 : model_dns_name(m, msg->flow.family, msg->flow.srv_ip, ts);
	memset(p, 0, sizeof *p);
	p->req = rq;
	p->ts_us = ts;
	p->svc = domain ? sig_match_domain(m->sigs, domain) : NULL;
	if (is_identity(p->svc))
		p->svc = NULL; /* plaintext OAuth there is the OAuth correlator's */
	p->has_ep = sig_match_endpoint(m->sigs, rq->method, rq->path, &p->ep);
	struct aflow *f = model_flow_get(m, &msg->flow, p->svc || p->has_ep);
	if (!f)
		return NULL;
	if (!p->svc)
		p->svc = f->svc;
	if (!p->svc && !p->has_ep)
		return NULL;
	text_copy(p->domain, sizeof p->domain, domain);
	match_client(m->sigs, p);
	return f;
}

/* A flow and exchange, hashed: the key of a request's verdict. */
static uint64_t request_key(const struct msg_obs *msg)
{
	struct {
		struct flow_ref r;
		uint32_t id;
	} k;
	memset(&k, 0, sizeof k);
	k.r = msg->flow;
	k.id = msg->obs.u.http.id;
	return hmap_hash(&k, sizeof k) | 1;
}

#define N_NOT_AI (sizeof((struct model *)0)->not_ai / sizeof(uint64_t))
#define N_OPEN (sizeof((struct aflow *)0)->open_requests / sizeof(struct open_request *))

void llm_http_request(struct model *m, struct events *ev, const struct msg_obs *msg)
{
	struct llm_req p;
	struct aflow *f = read_request(m, msg, &p);
	if (!f) {
		uint64_t k = request_key(msg);
		m->not_ai[k % N_NOT_AI] = k;
		return;
	}
	/* Counted now when the request alone says it is a model API's (a known
	 * service, or a self-hosted API shape with a model named): a long
	 * answer shows in the registry before it ends. Past the few exchanges
	 * a flow keeps open, the exchange counts it when it ends. */
	struct open_request *o;
	if ((!p.svc && !confirmed(&p, NULL)) || f->n_open_requests == N_OPEN || !(o = calloc(1, sizeof *o)))
		return;
	if (!link_request(m, ev, f, &p, msg->h.ts_us, msg->obs.protected_bytes, o)) {
		free(o);
		return;
	}
	o->exchange = msg->obs.u.http.id;
	o->sigs_gen = m->sigs_gen;
	o->has_ep = p.has_ep;
	o->ep = p.ep;
	f->open_requests[f->n_open_requests++] = o;
}

/* The request counted for this exchange, taken off the flow (NULL: none). */
static struct open_request *take_open(struct aflow *f, uint32_t exchange)
{
	for (size_t i = 0; i < f->n_open_requests; i++)
		if (f->open_requests[i]->exchange == exchange) {
			struct open_request *o = f->open_requests[i];
			f->open_requests[i] = f->open_requests[--f->n_open_requests];
			return o;
		}
	return NULL;
}

void llm_http_exchange(struct model *m, struct events *ev, const struct msg_obs *msg)
{
	const struct obs_http_exchange *x = &msg->obs.u.http;
	if (!(x->seen & HTTP_SEEN_REQUEST))
		return; /* a response whose request was not seen names no API */
	uint64_t k = request_key(msg);
	if (m->not_ai[k % N_NOT_AI] == k) { /* its request named no AI service */
		m->not_ai[k % N_NOT_AI] = 0;
		return;
	}
	bool answered = x->seen & HTTP_SEEN_RESPONSE;
	const struct obs_http_response *resp = answered ? &x->resp : NULL;
	struct aflow *f = model_flow_get(m, &msg->flow, false);
	struct open_request *o = f ? take_open(f, x->id) : NULL;
	struct llm_req p;
	if (o && o->sigs_gen == m->sigs_gen) { /* read when it was complete */
		memset(&p, 0, sizeof p);
		p.req = &x->req;
		p.ts_us = x->request_us ? x->request_us : msg->h.ts_us;
		p.has_ep = o->has_ep;
		p.ep = o->ep;
	} else if (!(f = read_request(m, msg, &p))) {
		free(o);
		return;
	}
	uint64_t ts = answered ? msg->h.ts_us : p.ts_us;
	struct open_request linked;
	if (!o && ((!p.svc && !confirmed(&p, resp)) ||
		   !link_request(m, ev, f, &p, ts, msg->obs.protected_bytes, (o = &linked))))
		return;
	respond(m, ev, f, &p, resp, ts, msg->obs.protected_bytes, o);
	if (o != &linked)
		free(o);
}

/* ---- flow bytes and end ---- */

void llm_flow_bytes(struct model *m, struct aflow *f, const struct msg_flow *msg)
{
	uint64_t total = msg->bytes[0] + msg->bytes[1];
	/* Counted at the flow's own last packet, not when the report came: a
	 * flow that idles out when a later capture moves the clock must land in
	 * the same window on every sensor that saw it. */
	if (f->client && f->client_dest && total > f->bytes_counted) {
		model_count(m, f, msg->last_us, f->client, CTR_DEST_BYTES, f->client_dest, NULL,
			    total - f->bytes_counted);
		f->bytes_counted = total;
	}
	model_flow_seen(m, f, msg->last_us);
}

void llm_flow_end(struct model *m, struct events *ev, struct aflow *f, const struct msg_flow *msg)
{
	if (f->hello) /* opened, but nothing in it named the client */
		hello_settle(m, ev, f, NULL);
	/* Named only by DNS (no hello, no request seen): an AI connection all the same. */
	if (!f->client && f->svc)
		link_client(m, ev, f, f->svc, f->svc->provider ? f->svc->provider : f->svc->id,
			    kind_for(f->svc), "unknown", NULL, NULL, NULL, "dns", f->ref.start_us);
	if (!msg)
		return;
	if (f->client_dest) {
		llm_flow_bytes(m, f, msg);
		model_set_add(m, &f->client_dest->app_protocols, msg->app);
	} else {
		model_flow_seen(m, f, msg->last_us);
	}
}
