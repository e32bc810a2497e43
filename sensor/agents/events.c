/* events.c — every event the aggregator writes, and the only place their
 * field names are spelled: ECS (event.*, source.*, destination.*,
 * network.*, url.*, http.*, tls.*, dns.*, user_agent.*), OpenTelemetry
 * semantic conventions (gen_ai.*, mcp.*, jsonrpc.*), and aisensor.* for
 * what neither defines. */
#include "events.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "community_id.h"
#include "fingerprint.h"

/* The ECS version the field names follow. */
#define ECS_VERSION "8.17.0"

void events_init(struct events *ev, const struct events_config *cfg)
{
	memset(ev, 0, sizeof *ev);
	ev->cfg = *cfg;
	jw_init(&ev->w, false);
}

void events_free(struct events *ev)
{
	jw_free(&ev->w);
}

/* ---- the common parts ---- */

/* What ECS says an event is: dataset, categories and types (allowed pairs). */
struct ev_class {
	const char *dataset;
	const char *category[2];
	const char *type[2];
};

static const struct ev_class C_AGENT = {"aisensor.agent", {"network"}, {"info"}};
static const struct ev_class C_CONNECTION = {"aisensor.connection", {"network"}, {"connection", "start"}};
static const struct ev_class C_STREAM = {"aisensor.stream", {"network"}, {"protocol"}};
static const struct ev_class C_DNS = {"aisensor.dns", {"network"}, {"protocol"}};
static const struct ev_class C_LLM = {"aisensor.llm", {"network", "web"}, {"protocol", "access"}};
static const struct ev_class C_MCP = {"aisensor.mcp", {"network"}, {"protocol"}};
static const struct ev_class C_A2A = {"aisensor.a2a", {"network"}, {"protocol"}};
static const struct ev_class C_OAUTH = {"aisensor.oauth", {"network", "authentication"}, {"protocol", "info"}};
static const struct ev_class C_SENSOR = {"aisensor.sensor", {"host"}, {"info"}};

/* What begin() needs to know of an event. */
struct ev_head {
	const char *kind; /* "event", "alert" */
	const char *action;
	const struct ev_class *cls;
	uint64_t ts;
	const struct flow_ref *flow; /* NULL: not about a flow */
	const char *outcome;	     /* "success", "failure", "unknown" or NULL */
	uint64_t duration_us;	     /* 0: none */
};

/* `"key": {"name": value}` — the shape of gen_ai.* and mcp.* leaves. */
static void named(struct jw *w, const char *key, const char *leaf, const char *value)
{
	jw_obj_begin(w, key);
	jw_str(w, leaf, value);
	jw_obj_end(w);
}

static void str_array(struct jw *w, const char *key, const char *const *v, size_t n)
{
	jw_arr_begin(w, key);
	for (size_t i = 0; i < n && v[i]; i++)
		jw_str(w, NULL, v[i]);
	jw_arr_end(w);
}

/* A comma-separated list from an observation as a JSON array (one shape
 * for every list); nothing when it is empty. */
static void list_field(struct jw *w, const char *key, const char *csv)
{
	if (!csv || !csv[0])
		return;
	jw_arr_begin(w, key);
	for (const char *p = csv; *p;) {
		const char *c = strchr(p, ',');
		size_t n = c ? (size_t)(c - p) : strlen(p);
		while (n && *p == ' ')
			p++, n--;
		if (n)
			jw_strn(w, NULL, p, n);
		p += n;
		if (*p == ',')
			p++;
	}
	jw_arr_end(w);
}

/* Related values (ECS related.ip, related.hosts), gathered while an event
 * is written and put out at its end; duplicates once. */
static void related_add(struct ev_related *r, bool ip, const char *v)
{
	if (!v || !v[0])
		return;
	size_t *n = ip ? &r->n_ip : &r->n_host;
	char(*list)[AS_STR] = ip ? r->ip : r->host;
	for (size_t i = 0; i < *n; i++)
		if (!strcmp(list[i], v))
			return;
	if (*n < AS_EV_MAX_RELATED)
		text_copy(list[(*n)++], AS_STR, v);
}

/* event.id: the same for every sensor that writes this event from the same
 * packets — the flow's Community ID, the packet time, the action and its
 * position among the events of that flow, time and action (several MCP
 * messages in one segment) — so a registry keeps one of each. */
static void event_id(struct events *ev, const struct ev_head *h, const char *cid, char out[33])
{
	char base[160];
	int n = snprintf(base, sizeof base, "%s|%" PRIu64 "|%s", cid, h->ts, h->action);
	size_t len = n > 0 && (size_t)n < sizeof base ? (size_t)n : sizeof base - 1;
	if (len == ev->last_base_len && !memcmp(base, ev->last_base, len)) {
		ev->position++;
	} else {
		memcpy(ev->last_base, base, len);
		ev->last_base_len = len;
		ev->position = 0;
	}
	n = snprintf(base + len, sizeof base - len, "|%u", ev->position);
	len += n > 0 && (size_t)n < sizeof base - len ? (size_t)n : 0;
	as_sha256_hex(base, len, out, 32);
}

static struct jw *begin(struct events *ev, const struct ev_head *h)
{
	struct jw *w = &ev->w;
	jw_reset(w);
	ev->rel.n_ip = ev->rel.n_host = 0;
	ev->cid[0] = '\0';
	if (h->flow)
		community_id_v1(h->flow, 0, ev->cid);
	char id[33];
	event_id(ev, h, ev->cid, id);
	jw_obj_begin(w, NULL);
	jw_time(w, "@timestamp", h->ts);
	named(w, "ecs", "version", ECS_VERSION);
	jw_obj_begin(w, "event");
	jw_str(w, "id", id);
	jw_str(w, "kind", h->kind ? h->kind : "event");
	str_array(w, "category", h->cls->category, 2);
	str_array(w, "type", h->cls->type, 2);
	jw_str(w, "action", h->action);
	jw_str(w, "dataset", h->cls->dataset);
	jw_str(w, "module", "aisensor");
	jw_str_opt(w, "outcome", h->outcome);
	if (h->duration_us)
		jw_u64(w, "duration", h->duration_us * 1000); /* ECS: nanoseconds */
	jw_obj_end(w);
	jw_obj_begin(w, "observer");
	jw_str(w, "name", ev->cfg.sensor_name);
	jw_str_opt(w, "hostname", ev->cfg.hostname);
	jw_str(w, "type", "sensor");
	jw_str(w, "product", "aisensor");
	jw_str(w, "vendor", "aisensor");
	jw_str(w, "version", AS_VERSION);
	if (h->flow && h->flow->iface && h->flow->iface <= ev->cfg.n_ifaces) {
		jw_obj_begin(w, "ingress");
		jw_obj_begin(w, "interface");
		jw_str(w, "name", ev->cfg.ifaces[h->flow->iface - 1]);
		jw_obj_end(w);
		jw_obj_end(w);
	}
	jw_obj_end(w);
	return w;
}

static void end(struct events *ev)
{
	struct jw *w = &ev->w;
	const struct ev_related *r = &ev->rel;
	if (r->n_ip || r->n_host) {
		jw_obj_begin(w, "related");
		if (r->n_host) {
			jw_arr_begin(w, "hosts");
			for (size_t i = 0; i < r->n_host; i++)
				jw_str(w, NULL, r->host[i]);
			jw_arr_end(w);
		}
		if (r->n_ip) {
			jw_arr_begin(w, "ip");
			for (size_t i = 0; i < r->n_ip; i++)
				jw_str(w, NULL, r->ip[i]);
			jw_arr_end(w);
		}
		jw_obj_end(w);
	}
	jw_obj_end(w);
	ev->count++;
	if (ev->cfg.emit && !w->oom)
		ev->cfg.emit(ev->cfg.user, w->buf, w->len);
}

/* ECS writes a MAC address as six upper-case hexadecimal pairs joined by hyphens. */
static void ecs_mac(const uint8_t *m, char out[18])
{
	snprintf(out, 18, "%02X-%02X-%02X-%02X-%02X-%02X", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static void flow_fields(struct events *ev, const struct flow_ref *r, const char *domain, const char *protocol)
{
	struct jw *w = &ev->w;
	char ip[48];
	jw_obj_begin(w, "source");
	model_ip_str(r->family, r->cli_ip, ip, sizeof ip);
	related_add(&ev->rel, true, ip);
	jw_str(w, "ip", ip);
	jw_u64(w, "port", r->cli_port);
	if (r->has_mac && !model_mac_zero(r->cli_mac)) {
		char m[18];
		ecs_mac(r->cli_mac, m);
		jw_str(w, "mac", m);
	}
	jw_obj_end(w);
	jw_obj_begin(w, "destination");
	model_ip_str(r->family, r->srv_ip, ip, sizeof ip);
	related_add(&ev->rel, true, ip);
	jw_str(w, "ip", ip);
	jw_u64(w, "port", r->srv_port);
	jw_str_opt(w, "domain", domain);
	related_add(&ev->rel, false, domain);
	jw_obj_end(w);
	jw_obj_begin(w, "network");
	jw_str(w, "transport", r->l4proto == 6 ? "tcp" : "udp");
	jw_str(w, "type", r->family == 6 ? "ipv6" : "ipv4");
	jw_str_opt(w, "protocol", protocol);
	jw_str(w, "community_id", ev->cid);
	jw_obj_end(w);
}

/* ECS url.*: the request's Host (or :authority) split into domain and port,
 * else the flow's server; scheme from the transport. */
static void url_fields(struct events *ev, const struct flow_ref *r, const char *scheme, const char *host,
		       const char *path, const char *query)
{
	struct jw *w = &ev->w;
	char domain[AS_STR], ip[48];
	uint64_t port = r->srv_port;
	if (host && host[0]) {
		const char *h = host, *colon;
		size_t n;
		if (h[0] == '[') { /* [v6]:port */
			const char *close = strchr(h, ']');
			h++;
			n = close ? (size_t)(close - h) : strlen(h);
			colon = close && close[1] == ':' ? close + 1 : NULL;
		} else {
			colon = strchr(h, ':');
			n = colon && !strchr(colon + 1, ':') ? (size_t)(colon - h) : strlen(h);
			if (colon && strchr(colon + 1, ':'))
				colon = NULL; /* a bare v6 address */
		}
		text_copy(domain, sizeof domain < n + 1 ? sizeof domain : n + 1, h);
		if (colon) {
			char *e;
			unsigned long p = strtoul(colon + 1, &e, 10);
			if (!*e && p && p < 65536)
				port = p;
		}
	} else {
		model_ip_str(r->family, r->srv_ip, ip, sizeof ip);
		text_copy(domain, sizeof domain, ip);
	}
	bool tls = !strcmp(scheme, "https") || !strcmp(scheme, "wss");
	bool default_port = port == (tls ? 443 : 80);
	char full[AS_STR + AS_STR_LONG * 2 + 32];
	bool v6 = strchr(domain, ':') != NULL;
	char portbuf[8] = "";
	if (!default_port)
		snprintf(portbuf, sizeof portbuf, ":%u", (unsigned)port);
	snprintf(full, sizeof full, "%s://%s%s%s%s%s%s%s", scheme, v6 ? "[" : "", domain, v6 ? "]" : "", portbuf,
		 path ? path : "", query && query[0] ? "?" : "", query ? query : "");
	jw_obj_begin(w, "url");
	jw_str(w, "full", full);
	jw_str(w, "scheme", scheme);
	jw_str(w, "domain", domain);
	jw_u64(w, "port", port);
	jw_str_opt(w, "path", path);
	jw_str_opt(w, "query", query);
	jw_obj_end(w);
	related_add(&ev->rel, false, domain);
}

/* url.* of a message an analyzer read from HTTP (or a WebSocket). */
static void http_url(struct events *ev, const struct msg_obs *m, const struct obs_http_origin *o, bool websocket)
{
	if (!o->path[0])
		return;
	bool tls = m->obs.protected_bytes;
	const char *scheme = websocket ? (tls ? "wss" : "ws") : (tls ? "https" : "http");
	url_fields(ev, &m->flow, scheme, o->host, o->path, NULL);
}

/* A media type without its parameters (ECS http.*.mime_type). */
static void mime_type(struct jw *w, const char *content_type)
{
	size_t n = strcspn(content_type, "; \t");
	if (n)
		jw_strn(w, "mime_type", content_type, n);
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

/* gen_ai.provider.name: the service's (the OpenTelemetry registry's value),
 * else the wire format the request speaks, which the convention calls the
 * provider's telemetry flavour (a self-hosted server speaking the OpenAI
 * API is "openai"), else the service's own id. */
static const char *provider_name(const struct dest *d, const char *api)
{
	static const struct {
		const char *api, *provider;
	} by_api[] = {{"openai", "openai"}, {"anthropic", "anthropic"}, {"gemini", "gcp.gemini"},
		      {"bedrock", "aws.bedrock"}, {"ollama", "ollama"},	      {"tgi", "tgi"}};
	if (d && d->provider[0])
		return d->provider;
	for (size_t i = 0; api && i < sizeof by_api / sizeof by_api[0]; i++)
		if (!strcmp(api, by_api[i].api))
			return by_api[i].provider;
	return d && d->service[0] ? d->service : NULL;
}

/* ---- discovery, connections, DNS ---- */

void ev_agent_discovered(struct events *ev, const struct agent *ag, const struct flow_ref *r,
			 const char *domain, const struct dest *d, uint64_t ts)
{
	struct ev_head h = {.action = "agent-discovered", .cls = &C_AGENT, .ts = ts, .flow = r};
	struct jw *w = begin(ev, &h);
	flow_fields(ev, r, domain, NULL);
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
	struct ev_head h = {.action = "ai-connection", .cls = &C_CONNECTION, .ts = m->h.ts_us, .flow = &m->flow};
	struct jw *w = begin(ev, &h);
	flow_fields(ev, &m->flow, domain, ch->quic ? "quic" : "tls");
	related_add(&ev->rel, false, ch->sni);
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
	struct ev_head h = {.action = "llm-stream",
			    .cls = &C_STREAM,
			    .ts = s->last_us,
			    .flow = &m->flow,
			    .duration_us = s->last_us - s->request_us};
	struct jw *w = begin(ev, &h);
	flow_fields(ev, &m->flow, domain, "tls");
	const char *provider = provider_name(d, NULL);
	if (provider) {
		jw_obj_begin(w, "gen_ai");
		named(w, "provider", "name", provider);
		jw_obj_end(w);
	}
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
	struct ev_head h = {.action = "ai-dns-query", .cls = &C_DNS, .ts = m->h.ts_us, .flow = &m->flow};
	struct jw *w = begin(ev, &h);
	/* The flow's client asked: it is the resolver's client. */
	flow_fields(ev, &m->flow, NULL, "dns");
	jw_obj_begin(w, "dns");
	named(w, "question", "name", d->qname);
	related_add(&ev->rel, false, d->qname);
	jw_arr_begin(w, "resolved_ip");
	for (size_t i = 0; i < d->n_answers && i < AS_DNS_MAX_ANSWERS; i++) {
		char ip[48];
		model_ip_str(d->answers[i].family, d->answers[i].addr, ip, sizeof ip);
		jw_str(w, NULL, ip);
		related_add(&ev->rel, true, ip);
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
	struct ev_head h = {.action = "llm-request",
			    .cls = &C_LLM,
			    .ts = c->ts,
			    .flow = c->flow,
			    .outcome = !resp ? "unknown" : resp->status < 400 ? "success" : "failure",
			    .duration_us = resp && c->end_ts > c->ts ? c->end_ts - c->ts : 0};
	struct jw *w = begin(ev, &h);
	flow_fields(ev, c->flow, c->domain, "http");
	url_fields(ev, c->flow, c->decrypted ? "https" : "http", rq->host[0] ? rq->host : c->domain, rq->path,
		   rq->query);
	jw_obj_begin(w, "http");
	jw_str(w, "version", rq->version == 30 ? "3" : rq->version == 20 ? "2" : rq->version == 10 ? "1.0" : "1.1");
	jw_obj_begin(w, "request");
	jw_str(w, "method", rq->method);
	mime_type(w, rq->content_type);
	jw_obj_end(w);
	if (resp) {
		jw_obj_begin(w, "response");
		jw_u64(w, "status_code", resp->status);
		mime_type(w, resp->content_type);
		jw_obj_end(w);
	}
	jw_obj_end(w);
	if (rq->user_agent[0])
		named(w, "user_agent", "original", rq->user_agent);
	const struct dest *d = c->dest;
	const char *op = c->operation, *model = c->request_model;
	const char *provider = provider_name(d, c->api);
	bool gen_ai = provider || (op && *op) || model[0] ||
		      (resp && (resp->model[0] || resp->input_tokens || resp->output_tokens));
	if (gen_ai) {
		jw_obj_begin(w, "gen_ai");
		if (provider)
			named(w, "provider", "name", provider);
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
		agent_fields(w, "server", c->server);
		jw_str(w, "server_api", c->server_api);
	}
	if (rq->stream >= 0)
		jw_bool(w, "streaming", rq->stream == 1); /* the request asked for a streamed answer */
	credential_fields(w, rq->credentials, rq->n_credentials < 2 ? rq->n_credentials : 2, c->cleartext);
	jw_obj_end(w);
	end(ev);
}

/* ---- MCP and A2A ---- */

void ev_mcp(struct events *ev, const struct msg_obs *m, const struct mcp_link *l, const char *transport,
	    const char *action, const struct mcp_tool *tool)
{
	const struct obs_rpc *r = &m->obs.u.rpc;
	struct ev_head h = {.action = action,
			    .cls = &C_MCP,
			    .ts = m->h.ts_us,
			    .flow = &m->flow,
			    .outcome = r->kind == RPC_ERROR || r->is_error ? "failure"
				       : r->kind == RPC_RESULT		? "success"
									: NULL};
	struct jw *w = begin(ev, &h);
	flow_fields(ev, &m->flow, r->http.host, "http");
	http_url(ev, m, &r->http, !strcmp(transport, "websocket"));
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
		list_field(w, "capabilities", r->capabilities);
	}
	if (hello && r->kind == RPC_RESULT) {
		jw_str_opt(w, "server_name", r->peer_name);
		jw_str_opt(w, "server_version", r->peer_version);
		list_field(w, "capabilities", r->capabilities);
		list_field(w, "supported_versions", r->versions);
	}
	if (!strcmp(r->method, "subscriptions/listen"))
		list_field(w, "notifications", r->arg_names);
	list_field(w, "input_requests", r->input_requests);
	if (r->from_headers)
		jw_bool(w, "from_headers", true);
	if (tool) {
		list_field(w, "arguments", r->arg_names);
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
	struct ev_head h = {.action = "a2a-agent-card", .cls = &C_A2A, .ts = m->h.ts_us, .flow = &m->flow};
	struct jw *w = begin(ev, &h);
	flow_fields(ev, &m->flow, c->http.host, "http");
	http_url(ev, m, &c->http, false);
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
	struct ev_head h = {.action = "a2a-call", .cls = &C_A2A, .ts = m->h.ts_us, .flow = &m->flow};
	struct jw *w = begin(ev, &h);
	flow_fields(ev, &m->flow, r->http.host, "http");
	http_url(ev, m, &r->http, false);
	jw_obj_begin(w, "jsonrpc");
	named(w, "request", "id", r->id);
	jw_obj_end(w);
	jw_obj_begin(w, "gen_ai"); /* a call to a remote agent, in OpenTelemetry's words */
	named(w, "operation", "name", "invoke_agent");
	jw_obj_end(w);
	jw_obj_begin(w, "aisensor");
	decrypted_field(w, m->obs.protected_bytes);
	agent_fields(w, "client", client);
	agent_fields(w, "server", server);
	jw_obj_begin(w, "a2a");
	jw_str(w, "method", r->method);
	jw_str_opt(w, "version", r->a2a_version);
	list_field(w, "extensions", r->a2a_extensions);
	jw_obj_end(w);
	jw_obj_end(w);
	end(ev);
}

/* ---- OAuth ---- */

void ev_oauth(struct events *ev, const struct msg_obs *m, const char *action, const struct agent *ag,
	      const struct agent_oauth *g)
{
	const struct obs_oauth *o = &m->obs.u.oauth;
	bool failed = o->error[0] || o->kind == OAUTH_ERROR;
	struct ev_head h = {.action = action,
			    .cls = &C_OAUTH,
			    .ts = m->h.ts_us,
			    .flow = &m->flow,
			    .outcome = failed ? "failure" : o->kind == OAUTH_TOKEN_RESPONSE ? "success" : NULL};
	struct jw *w = begin(ev, &h);
	flow_fields(ev, &m->flow, o->http.host, "http");
	http_url(ev, m, &o->http, false);
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

/* ---- the sensor itself ---- */

void ev_records_lost(struct events *ev, uint64_t ts, uint64_t total, uint64_t fresh)
{
	struct ev_head h = {.kind = "alert", .action = "records-lost", .cls = &C_SENSOR, .ts = ts};
	struct jw *w = begin(ev, &h);
	jw_str(w, "message", "records were dropped, lost or found corrupt on the way to an output");
	jw_obj_begin(w, "aisensor");
	jw_obj_begin(w, "records_lost");
	jw_u64(w, "total", total);
	jw_u64(w, "new", fresh);
	jw_obj_end(w);
	jw_obj_end(w);
	end(ev);
}
