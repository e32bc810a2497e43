/* agents.c — the aggregator (see agents.h).
 *
 * Evidence arrives as worker messages in packet order. A flow becomes an
 * "AI flow" when a TLS ClientHello, an HTTP request or the DNS name of its
 * server matches a signature; the flow then links a client agent (and, for
 * self-hosted model servers, a server agent). Agent identity follows
 * DESIGN.md: sha256(host_key | kind | client_identity)[:16]. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agents_internal.h"
#include "fingerprint.h"

/* ---- small helpers ---- */

void ag_ip_str(uint8_t family, const uint8_t *ip, char *out, size_t n)
{
	if (!inet_ntop(family == 6 ? AF_INET6 : AF_INET, ip, out, (socklen_t)n))
		snprintf(out, n, "?");
}

void ag_server_addr(const struct flow_ref *r, char *out, size_t n)
{
	char ip[48];
	ag_ip_str(r->family, r->srv_ip, ip, sizeof ip);
	snprintf(out, n, r->family == 6 ? "[%s]:%u" : "%s:%u", ip, r->srv_port);
}

void ag_mac_str(const uint8_t *m, char *out)
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

bool ag_mac_zero(const uint8_t *m)
{
	static const uint8_t z[6];
	return memcmp(m, z, 6) == 0;
}

void ag_split_add(struct strset *s, const char *list, const char *seps)
{
	char buf[AS_STR_LONG];
	text_copy(buf, sizeof buf, list);
	for (char *save = NULL, *t = strtok_r(buf, seps, &save); t; t = strtok_r(NULL, seps, &save))
		strset_add(s, t, AS_AGENT_MAX_SET);
}

struct flow_key {
	uint8_t family, l4proto;
	uint16_t cli_port, srv_port;
	uint8_t cli_ip[16], srv_ip[16];
	uint64_t start_us;
};

static struct flow_key key_of(const struct flow_ref *r)
{
	struct flow_key k;
	memset(&k, 0, sizeof k);
	k.family = r->family;
	k.l4proto = r->l4proto;
	k.cli_port = r->cli_port;
	k.srv_port = r->srv_port;
	memcpy(k.cli_ip, r->cli_ip, 16);
	memcpy(k.srv_ip, r->srv_ip, 16);
	k.start_us = r->start_us;
	return k;
}

bool ag_is_identity(const struct sig_service *s)
{
	return s && s->category && !strcmp(s->category, "identity");
}

const char *ag_kind_for(const struct sig_service *s)
{
	if (!s || !s->category)
		return "llm-api-client";
	if (!strcmp(s->category, "llm-api") || !strcmp(s->category, "ai-platform"))
		return "llm-api-client";
	return "ai-app";
}

const char *ag_cred_where_name(uint8_t w)
{
	switch (w) {
	case CRED_AUTH_BEARER:
		return "authorization-bearer";
	case CRED_AUTH_BASIC:
		return "authorization-basic";
	case CRED_AUTH_OTHER:
		return "authorization-other";
	case CRED_X_API_KEY:
		return "x-api-key";
	case CRED_API_KEY:
		return "api-key";
	case CRED_X_GOOG_API_KEY:
		return "x-goog-api-key";
	case CRED_QUERY_KEY:
		return "query-key";
	case CRED_COOKIE:
		return "cookie";
	case CRED_OAUTH_CODE:
		return "oauth-code";
	case CRED_OAUTH_ACCESS_TOKEN:
		return "oauth-access-token";
	case CRED_OAUTH_REFRESH_TOKEN:
		return "oauth-refresh-token";
	case CRED_OAUTH_CLIENT_SECRET:
		return "oauth-client-secret";
	case CRED_OAUTH_CODE_VERIFIER:
		return "oauth-code-verifier";
	case CRED_OAUTH_ASSERTION:
		return "oauth-assertion";
	case CRED_OAUTH_ID_TOKEN:
		return "oauth-id-token";
	case CRED_URL_TOKEN:
		return "url-token";
	case CRED_OAUTH_PASSWORD:
		return "oauth-password";
	}
	return "unknown";
}

const char *ag_cred_type_name(uint8_t t)
{
	switch (t) {
	case CRED_T_API_KEY:
		return "api-key";
	case CRED_T_JWT:
		return "jwt";
	case CRED_T_TOKEN:
		return "bearer-token";
	case CRED_T_PASSWORD:
		return "password";
	case CRED_T_COOKIE:
		return "cookie";
	case CRED_T_CODE:
		return "one-time-code";
	}
	return "unknown";
}

/* ---- DNS cache ---- */

static void dns_learn(struct agents *a, const struct obs_dns *d, uint64_t now)
{
	for (size_t i = 0; i < d->n_answers && i < AS_DNS_MAX_ANSWERS; i++) {
		const struct obs_dns_answer *an = &d->answers[i];
		uint8_t k[HOSTS_KEY_LEN];
		size_t kl = hosts_key(an->family, an->addr, k);
		struct dns_entry *e = hmap_get(&a->dns, k, kl);
		if (!e) {
			if (a->dns.count >= AS_DNS_CACHE_ENTRIES) {
				a->st.dns_cache_evictions++;
				continue;
			}
			e = calloc(1, sizeof *e);
			int oom = 0;
			if (!e || (hmap_put(&a->dns, k, kl, e, &oom), oom)) {
				free(e);
				continue;
			}
		}
		uint32_t ttl = an->ttl;
		if (ttl < AS_DNS_CACHE_MIN_TTL_S)
			ttl = AS_DNS_CACHE_MIN_TTL_S;
		if (ttl > AS_DNS_CACHE_MAX_TTL_S)
			ttl = AS_DNS_CACHE_MAX_TTL_S;
		text_copy(e->name, sizeof e->name, d->qname);
		e->expires_us = now + (uint64_t)ttl * 1000000;
	}
}

const char *ag_dns_name(struct agents *a, uint8_t family, const uint8_t *ip, uint64_t now)
{
	uint8_t k[HOSTS_KEY_LEN];
	size_t kl = hosts_key(family, ip, k);
	struct dns_entry *e = hmap_get(&a->dns, k, kl);
	return (e && e->expires_us >= now) ? e->name : NULL;
}

/* A self-hosted server is named by the API family it speaks: Ollama by
 * its own API, others as "<api>-compatible". */
void ag_server_name(const char *const *apis, size_t n, char *out, size_t outsz)
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

/* ---- agents ---- */

struct agent *ag_agent_get(struct agents *a, const struct flow_ref *r, bool client_side, const char *kind,
			   const char *identity, uint64_t ts, bool *created)
{
	char ip[48];
	const uint8_t *addr = client_side ? r->cli_ip : r->srv_ip;
	ag_ip_str(r->family, addr, ip, sizeof ip);
	/* The durable host key at this packet time (hosts.c). */
	struct host_info hi;
	hosts_lookup(a->hosts, r->family, addr, ts, &hi);
	char idsrc[768];
	int n = snprintf(idsrc, sizeof idsrc, "%s|%s|%s", hi.key, kind, identity);
	char id[17];
	as_sha256_hex(idsrc, (size_t)(n < (int)sizeof idsrc ? n : (int)sizeof idsrc - 1), id, 16);
	*created = false;
	struct agent *ag = hmap_get(&a->agents, id, 16);
	if (ag) {
		if (ts < ag->first_us)
			ag->first_us = ts;
		if (ts >= ag->last_us) {
			ag->last_us = ts;
			/* The host may have moved: its latest address and name. */
			text_copy(ag->ip, sizeof ag->ip, ip);
			if (hi.hostname[0])
				text_copy(ag->hostname, sizeof ag->hostname, hi.hostname);
		}
		return ag;
	}
	if (a->agents.count >= AS_MAX_AGENTS) {
		a->st.agents_capped++;
		return NULL;
	}
	ag = calloc(1, sizeof *ag);
	if (!ag)
		return NULL;
	memcpy(ag->id, id, 17);
	text_copy(ag->kind, sizeof ag->kind, kind);
	text_copy(ag->identity, sizeof ag->identity, identity);
	text_copy(ag->ip, sizeof ag->ip, ip);
	text_copy(ag->host_key, sizeof ag->host_key, hi.key);
	text_copy(ag->hostname, sizeof ag->hostname, hi.hostname);
	/* The leased MAC; else the frame's, recorded but never an identity. */
	const uint8_t *mac = client_side ? r->cli_mac : r->srv_mac;
	if (hi.mac[0])
		text_copy(ag->mac, sizeof ag->mac, hi.mac);
	else if (r->has_mac && !ag_mac_zero(mac))
		ag_mac_str(mac, ag->mac);
	ag->first_us = ag->last_us = ts;
	ag->first_flow_us = UINT64_MAX;
	int oom = 0;
	hmap_put(&a->agents, id, 16, ag, &oom);
	if (oom) {
		free(ag);
		return NULL;
	}
	*created = true;
	atomic_store_explicit(&a->n_agents, a->agents.count, memory_order_relaxed);
	return ag;
}

size_t agents_count(struct agents *a)
{
	return atomic_load_explicit(&a->n_agents, memory_order_relaxed);
}

void ag_agent_free(struct agent *ag)
{
	for (size_t i = 0; i < ag->n_dests; i++) {
		strset_free(&ag->dests[i]->models);
		strset_free(&ag->dests[i]->operations);
		strset_free(&ag->dests[i]->app_protocols);
		free(ag->dests[i]);
	}
	free(ag->dests);
	free(ag->creds);
	strset_free(&ag->user_agents);
	strset_free(&ag->ja3);
	strset_free(&ag->ja4);
	strset_free(&ag->risks);
	strset_free(&ag->apis);
	strset_free(&ag->served_models);
	strset_free(&ag->served_ops);
	strset_free(&ag->clients);
	ag_mcp_free(ag);
	ag_oauth_free(ag);
	free(ag);
}

struct flow_touch *ag_touch(struct aflow *f, struct agent *ag)
{
	for (size_t i = 0; i < f->n_touch; i++)
		if (f->touch[i].ag == ag)
			return &f->touch[i];
	if (f->n_touch >= MAX_TOUCH)
		return NULL;
	struct flow_touch *t = &f->touch[f->n_touch++];
	memset(t, 0, sizeof *t);
	t->ag = ag;
	return t;
}

void ag_count_flow(struct aflow *f, struct agent *ag)
{
	struct flow_touch *t = ag_touch(f, ag);
	if (!t || t->counted)
		return;
	t->counted = true;
	ag_agent_flow(ag, &f->ref);
}

void ag_agent_flow(struct agent *ag, const struct flow_ref *r)
{
	ag->flows++;
	if (r->start_us < ag->first_flow_us) {
		char c[48], s[48];
		ag_ip_str(r->family, r->cli_ip, c, sizeof c);
		ag_ip_str(r->family, r->srv_ip, s, sizeof s);
		ag->first_flow_us = r->start_us;
		bool v6 = r->family == 6;
		/* Time first (microseconds): registries keep the earliest by string order. */
		char t[32];
		as_format_time(r->start_us, t);
		snprintf(ag->first_flow, sizeof ag->first_flow, "%.19s.%06uZ %s %s%s%s:%u -> %s%s%s:%u", t,
			 (unsigned)(r->start_us % 1000000), r->l4proto == 6 ? "tcp" : "udp", v6 ? "[" : "", c,
			 v6 ? "]" : "", r->cli_port, v6 ? "[" : "", s, v6 ? "]" : "", r->srv_port);
	}
	if (r->start_us < ag->first_us)
		ag->first_us = r->start_us;
}

struct dest *ag_dest_get(struct agent *ag, const struct sig_service *svc, const char *api,
			 const char *endpoint, const struct flow_ref *r, bool tls)
{
	const char *service = svc ? svc->id : api;
	for (size_t i = 0; i < ag->n_dests; i++)
		if (!strcmp(ag->dests[i]->service, service) && !strcmp(ag->dests[i]->endpoint, endpoint) &&
		    ag->dests[i]->tls == tls)
			return ag->dests[i];
	if (ag->n_dests >= AS_AGENT_MAX_DESTS)
		return NULL;
	struct dest **nd = realloc(ag->dests, (ag->n_dests + 1) * sizeof *nd);
	if (!nd)
		return NULL;
	ag->dests = nd;
	struct dest *d = calloc(1, sizeof *d);
	if (!d)
		return NULL;
	nd[ag->n_dests++] = d;
	text_copy(d->service, sizeof d->service, service);
	text_copy(d->service_name, sizeof d->service_name, svc ? svc->name : "");
	text_copy(d->category, sizeof d->category, svc ? svc->category : "llm-server");
	text_copy(d->provider, sizeof d->provider, svc ? svc->provider : "");
	text_copy(d->api, sizeof d->api, api);
	text_copy(d->endpoint, sizeof d->endpoint, endpoint);
	ag_ip_str(r->family, r->srv_ip, d->ip, sizeof d->ip);
	d->port = r->srv_port;
	d->tls = tls;
	return d;
}

void ag_agent_cred(struct agent *ag, const struct obs_credential *c, bool cleartext)
{
	const char *type = ag_cred_type_name(c->type), *where = ag_cred_where_name(c->where);
	for (size_t i = 0; i < ag->n_creds; i++)
		if (!strcmp(ag->creds[i].fp, c->fingerprint) && !strcmp(ag->creds[i].where, where))
			return;
	if (ag->n_creds >= AS_AGENT_MAX_SET)
		return;
	struct cred *nc = realloc(ag->creds, (ag->n_creds + 1) * sizeof *nc);
	if (!nc)
		return;
	ag->creds = nc;
	struct cred *k = &nc[ag->n_creds++];
	memset(k, 0, sizeof *k);
	text_copy(k->type, sizeof k->type, type);
	text_copy(k->where, sizeof k->where, where);
	text_copy(k->fp, sizeof k->fp, c->fingerprint);
	k->cleartext = cleartext;
	if (cleartext)
		strset_add(&ag->risks, "cleartext-credential", AS_AGENT_MAX_SET);
	if (c->type == CRED_T_API_KEY)
		strset_add(&ag->risks, "static-api-key", AS_AGENT_MAX_SET);
	if (c->where == CRED_QUERY_KEY || c->where == CRED_URL_TOKEN)
		strset_add(&ag->risks, "credential-in-url", AS_AGENT_MAX_SET);
}

/* ---- events ---- */

void ag_ev_begin(struct agents *a, const char *action, const char *dataset, uint64_t ts)
{
	struct jw *w = &a->ev;
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
	jw_str(w, "name", a->cfg.sensor_name);
	jw_str(w, "type", "sensor");
	jw_str(w, "product", "aisensor");
	jw_str(w, "version", AS_VERSION);
	jw_obj_end(w);
}

void ag_ev_flow(struct agents *a, const struct flow_ref *r, const char *domain, const char *protocol)
{
	struct jw *w = &a->ev;
	char ip[48];
	jw_obj_begin(w, "source");
	ag_ip_str(r->family, r->cli_ip, ip, sizeof ip);
	jw_str(w, "ip", ip);
	jw_u64(w, "port", r->cli_port);
	if (r->has_mac && !ag_mac_zero(r->cli_mac)) {
		char m[18];
		ag_mac_str(r->cli_mac, m);
		jw_str(w, "mac", m);
	}
	jw_obj_end(w);
	jw_obj_begin(w, "destination");
	ag_ip_str(r->family, r->srv_ip, ip, sizeof ip);
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

void ag_ev_agent(struct jw *w, const struct agent *ag)
{
	jw_obj_begin(w, "agent");
	jw_str(w, "id", ag->id);
	jw_str(w, "kind", ag->kind);
	jw_obj_begin(w, "software");
	jw_str(w, "name", ag->sw_name[0] ? ag->sw_name : "unknown");
	jw_str_opt(w, "version", ag->sw_version);
	jw_obj_end(w);
	jw_obj_end(w);
}

void ag_ev_service(struct jw *w, const struct dest *d)
{
	jw_obj_begin(w, "service");
	jw_str(w, "id", d->service);
	jw_str_opt(w, "name", d->service_name);
	jw_str(w, "category", d->category);
	jw_obj_end(w);
}

void ag_ev_end(struct agents *a)
{
	struct jw *w = &a->ev;
	jw_obj_end(w);
	a->st.events++;
	if (a->cfg.event && !w->oom)
		a->cfg.event(a->cfg.event_user, w->buf, w->len);
}

void ag_emit_discovered(struct agents *a, const struct agent *ag, const struct flow_ref *r,
			const char *domain, const struct dest *d, uint64_t ts)
{
	ag_ev_begin(a, "agent-discovered", "aisensor.agent", ts);
	struct jw *w = &a->ev;
	ag_ev_flow(a, r, domain, NULL);
	jw_obj_begin(w, "aisensor");
	ag_ev_agent(w, ag);
	if (d)
		ag_ev_service(w, d);
	jw_obj_end(w);
	ag_ev_end(a);
}

/* ---- linking flows to agents ---- */

struct aflow *ag_aflow_get(struct agents *a, const struct flow_ref *r, bool create)
{
	struct flow_key k = key_of(r);
	if (!create)
		return hmap_get(&a->flows, &k, sizeof k);
	bool created;
	struct aflow *f = hmap_get_or_new(&a->flows, &k, sizeof k, sizeof *f, SIZE_MAX, &created);
	if (created)
		f->ref = *r;
	return f;
}

static void aflow_free(struct aflow *f)
{
	free(f);
}

/* Links the flow to its client agent (created on first sight). */
struct agent *ag_link_client(struct agents *a, struct aflow *f, const struct sig_service *svc,
			     const char *api, const char *kind, const char *identity, const char *sw_name,
			     const char *sw_version, uint64_t ts)
{
	bool created;
	struct agent *ag = ag_agent_get(a, &f->ref, true, kind, identity, ts, &created);
	if (!ag)
		return NULL;
	if (sw_name && *sw_name && !ag->sw_name[0])
		text_copy(ag->sw_name, sizeof ag->sw_name, sw_name);
	if (sw_version && *sw_version && (!ag->sw_version[0] || strcmp(sw_version, ag->sw_version) > 0))
		text_copy(ag->sw_version, sizeof ag->sw_version, sw_version);
	char endpoint[AS_STR + 8];
	if (f->domain[0])
		snprintf(endpoint, sizeof endpoint, "%s:%u", f->domain, f->ref.srv_port);
	else
		ag_server_addr(&f->ref, endpoint, sizeof endpoint);
	struct dest *di = ag_dest_get(ag, svc, api, endpoint, &f->ref, f->tls);
	if (f->client != ag || f->client_dest != di) {
		f->client = ag;
		f->client_dest = di;
		struct flow_touch *t = ag_touch(f, ag);
		if (di && t && !t->dest_counted) {
			di->flows++;
			t->dest = di;
			t->dest_counted = true;
		}
		ag_count_flow(f, ag);
	}
	if (f->ja3[0])
		strset_add(&ag->ja3, f->ja3, AS_AGENT_MAX_SET);
	if (f->ja4[0])
		strset_add(&ag->ja4, f->ja4, AS_AGENT_MAX_SET);
	if (created)
		ag_emit_discovered(a, ag, &f->ref, f->domain, di, ts);
	return ag;
}

static void on_flow_start(struct agents *a, const struct msg_flow *m)
{
	const char *name = ag_dns_name(a, m->flow.family, m->flow.srv_ip, m->h.ts_us);
	if (!name)
		return;
	const struct sig_service *svc = sig_match_domain(a->cfg.sigs, name);
	if (!svc || ag_is_identity(svc))
		return;
	struct aflow *f = ag_aflow_get(a, &m->flow, true);
	if (!f)
		return;
	text_copy(f->domain, sizeof f->domain, name);
	f->svc = svc;
}

static void on_tls_client(struct agents *a, const struct msg_obs *m)
{
	const struct obs_tls_client_hello *ch = &m->obs.u.tls_ch;
	const char *name = ch->ech ? NULL : ch->sni;
	if (!name || !*name)
		name = ag_dns_name(a, m->flow.family, m->flow.srv_ip, m->h.ts_us);
	const struct sig_service *svc = name ? sig_match_domain(a->cfg.sigs, name) : NULL;
	struct aflow *f = ag_aflow_get(a, &m->flow, svc != NULL);
	if (!f)
		return;
	if (!svc)
		svc = f->svc;
	if (!svc)
		return;
	if (ag_is_identity(svc)) {
		ag_idp_seen(a, &m->flow, svc);
		return;
	}
	f->svc = svc;
	f->tls = true;
	if (name)
		text_copy(f->domain, sizeof f->domain, name);
	text_copy(f->ja3, sizeof f->ja3, ch->ja3);
	text_copy(f->ja4, sizeof f->ja4, ch->ja4);

	struct sig_client_match cm;
	memset(&cm, 0, sizeof cm);
	char identity[64];
	bool known = ch->ja4[0] && sig_match_ja4(a->cfg.sigs, ch->ja4, &cm);
	snprintf(identity, sizeof identity, "ja4:%s", ch->ja4_stable[0] ? ch->ja4_stable : "none");
	const char *kind = (known && cm.kind && !strcmp(cm.kind, "ai-app")) ? "ai-app" : ag_kind_for(svc);
	struct agent *ag = ag_link_client(a, f, svc, svc->provider ? svc->provider : svc->id, kind,
					  known ? cm.name : identity, known ? cm.name : NULL,
					  known ? cm.version : NULL, m->h.ts_us);
	if (!ag)
		return;

	ag_ev_begin(a, "ai-connection", "aisensor.connection", m->h.ts_us);
	struct jw *w = &a->ev;
	ag_ev_flow(a, &m->flow, f->domain, ch->quic ? "quic" : "tls");
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
	ag_ev_agent(w, ag);
	if (f->client_dest)
		ag_ev_service(w, f->client_dest);
	jw_obj_begin(w, "tls");
	jw_str_opt(w, "ja4", ch->ja4);
	jw_bool(w, "ech", ch->ech);
	jw_obj_end(w);
	jw_obj_end(w);
	ag_ev_end(a);
}

/* An exchange's request, read against the signatures. */
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
static bool llm_confirmed(const struct llm_req *p, const struct obs_http_response *resp)
{
	if (p->req->model[0] || (p->has_client && p->client.kind && !strcmp(p->client.kind, "llm-api-client")))
		return true;
	if (!resp || resp->status < 200 || resp->status >= 300)
		return false;
	return resp->model[0] || resp->sse || strstr(resp->content_type, "json") != NULL;
}

static void http_client_identity(const struct llm_req *p, char *identity, size_t n, const char **name,
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

/* A request/response pair (response may be NULL) becomes agent facts and
 * an event; ts is when the exchange was settled. Bytes protected on the
 * wire (decrypted) were sent over TLS: their credentials are not cleartext. */
static void llm_exchange(struct agents *a, struct aflow *f, struct llm_req *p,
			 const struct obs_http_response *resp, uint64_t ts, bool protected_bytes)
{
	const struct sig_service *svc = p->svc;
	bool self_hosted = !svc && p->has_ep;
	if (!svc && !(self_hosted && llm_confirmed(p, resp)))
		return;
	char identity[AS_STR + 8];
	const char *sw_name, *sw_version;
	http_client_identity(p, identity, sizeof identity, &sw_name, &sw_version);
	const char *api = p->has_ep ? p->ep.api : (svc && svc->provider ? svc->provider : "http");
	const char *kind = svc ? ag_kind_for(svc) : "llm-api-client";
	if (p->has_client && p->client.kind && !strcmp(p->client.kind, "ai-app"))
		kind = "ai-app";
	if (p->domain[0] && !f->domain[0])
		text_copy(f->domain, sizeof f->domain, p->domain);
	f->tls |= protected_bytes;
	const char *svc_label = svc ? NULL : (p->has_ep ? p->ep.api : "http");
	char self_id[48];
	if (self_hosted) {
		ag_server_name(&svc_label, 1, self_id, sizeof self_id);
		api = self_id;
	}
	struct agent *ag = ag_link_client(a, f, svc, api, kind, identity, sw_name, sw_version, ts);
	if (!ag)
		return;
	strset_add(&ag->user_agents, p->req->user_agent, AS_AGENT_MAX_SET);
	for (size_t i = 0; i < p->req->n_credentials && i < 2; i++)
		ag_agent_cred(ag, &p->req->credentials[i], !protected_bytes);
	struct dest *d = f->client_dest;
	const char *op = p->has_ep ? p->ep.operation : NULL;
	struct flow_touch *tc = ag_touch(f, ag);
	if (tc)
		tc->requests++;
	if (tc && resp) {
		tc->input_tokens += resp->input_tokens;
		tc->output_tokens += resp->output_tokens;
	}
	if (d) {
		d->requests++;
		strset_add(&d->models, p->req->model, AS_AGENT_MAX_SET);
		if (p->has_ep && p->ep.model[0])
			strset_add(&d->models, p->ep.model, AS_AGENT_MAX_SET);
		if (resp)
			strset_add(&d->models, resp->model, AS_AGENT_MAX_SET);
		strset_add(&d->operations, op, AS_AGENT_MAX_SET);
		if (resp) {
			d->input_tokens += resp->input_tokens;
			d->output_tokens += resp->output_tokens;
		}
	}

	struct agent *srv = NULL;
	if (self_hosted) {
		bool created;
		/* One server per listening port, whatever APIs it answers. */
		char sid[32];
		snprintf(sid, sizeof sid, "port:%u", f->ref.srv_port);
		srv = ag_agent_get(a, &f->ref, false, "llm-server", sid, f->ref.start_us, &created);
		if (srv) {
			strset_add(&srv->apis, p->ep.api, AS_AGENT_MAX_SET);
			ag_server_name((const char *const *)srv->apis.v, srv->apis.n, srv->sw_name,
				       sizeof srv->sw_name);
			if (created) {
				ag_server_addr(&f->ref, srv->listen, sizeof srv->listen);
				ag_emit_discovered(a, srv, &f->ref, f->domain, NULL, ts);
			}
			if (ts > srv->last_us)
				srv->last_us = ts;
			if (f->server != srv) {
				f->server = srv;
				ag_count_flow(f, srv);
			}
			srv->requests++;
			struct flow_touch *st = ag_touch(f, srv);
			if (st) {
				st->requests++;
				st->input_tokens += resp ? resp->input_tokens : 0;
				st->output_tokens += resp ? resp->output_tokens : 0;
			}
			strset_add(&srv->served_models, p->req->model, AS_AGENT_MAX_SET);
			if (p->ep.model[0])
				strset_add(&srv->served_models, p->ep.model, AS_AGENT_MAX_SET);
			if (resp) {
				strset_add(&srv->served_models, resp->model, AS_AGENT_MAX_SET);
				srv->input_tokens += resp->input_tokens;
				srv->output_tokens += resp->output_tokens;
				if (resp->server[0] && !srv->server_header[0])
					text_copy(srv->server_header, sizeof srv->server_header, resp->server);
			}
			strset_add(&srv->served_ops, op, AS_AGENT_MAX_SET);
			char cip[48];
			ag_ip_str(f->ref.family, f->ref.cli_ip, cip, sizeof cip);
			strset_add(&srv->clients, cip, AS_AGENT_MAX_SET);
			if (p->req->n_credentials == 0)
				strset_add(&srv->risks, "llm-server-without-auth", AS_AGENT_MAX_SET);
		}
	}

	ag_ev_begin(a, "llm-request", "aisensor.llm", p->ts_us);
	struct jw *w = &a->ev;
	ag_ev_flow(a, &f->ref, f->domain, "http");
	jw_obj_begin(w, "url");
	jw_str_opt(w, "domain", p->req->host);
	jw_str(w, "path", p->req->path);
	jw_str_opt(w, "query", p->req->query);
	jw_obj_end(w);
	jw_obj_begin(w, "http");
	jw_str(w, "version", p->req->version == 20 ? "2" : p->req->version == 10 ? "1.0" : "1.1");
	jw_obj_begin(w, "request");
	jw_str(w, "method", p->req->method);
	jw_str_opt(w, "mime_type", p->req->content_type);
	jw_obj_end(w);
	if (resp) {
		jw_obj_begin(w, "response");
		jw_u64(w, "status_code", resp->status);
		jw_str_opt(w, "mime_type", resp->content_type);
		jw_obj_end(w);
	}
	jw_obj_end(w);
	if (p->req->user_agent[0]) {
		jw_obj_begin(w, "user_agent");
		jw_str(w, "original", p->req->user_agent);
		jw_obj_end(w);
	}
	const char *req_model = p->req->model[0] ? p->req->model : (p->has_ep ? p->ep.model : "");
	bool any_gen_ai = (d && d->provider[0]) || (op && *op) || req_model[0] ||
			  (resp && (resp->model[0] || resp->input_tokens || resp->output_tokens));
	if (any_gen_ai)
		jw_obj_begin(w, "gen_ai");
	if (d && d->provider[0]) {
		jw_obj_begin(w, "provider");
		jw_str(w, "name", d->provider);
		jw_obj_end(w);
	}
	if (op && *op) {
		jw_obj_begin(w, "operation");
		jw_str(w, "name", op);
		jw_obj_end(w);
	}
	if (req_model[0]) {
		jw_obj_begin(w, "request");
		jw_str(w, "model", req_model);
		jw_obj_end(w);
	}
	if (resp && resp->model[0]) {
		jw_obj_begin(w, "response");
		jw_str(w, "model", resp->model);
		jw_obj_end(w);
	}
	if (resp && (resp->input_tokens || resp->output_tokens)) {
		jw_obj_begin(w, "usage");
		jw_u64(w, "input_tokens", resp->input_tokens);
		jw_u64(w, "output_tokens", resp->output_tokens);
		jw_obj_end(w);
	}
	if (any_gen_ai)
		jw_obj_end(w);
	jw_obj_begin(w, "aisensor");
	ag_ev_agent(w, ag);
	if (d)
		ag_ev_service(w, d);
	if (srv) {
		jw_obj_begin(w, "server");
		jw_str(w, "agent_id", srv->id);
		jw_str(w, "api", p->ep.api);
		jw_obj_end(w);
	}
	if (p->req->stream >= 0)
		jw_bool(w, "stream", p->req->stream == 1);
	if (p->req->n_credentials) {
		jw_arr_begin(w, "credentials");
		for (size_t i = 0; i < p->req->n_credentials && i < 2; i++) {
			jw_obj_begin(w, NULL);
			jw_str(w, "type", ag_cred_type_name(p->req->credentials[i].type));
			jw_str(w, "where", ag_cred_where_name(p->req->credentials[i].where));
			jw_bool(w, "cleartext", !protected_bytes);
			char fp[32];
			snprintf(fp, sizeof fp, "hmac-sha256:%s", p->req->credentials[i].fingerprint);
			jw_str(w, "fingerprint", fp);
			jw_obj_end(w);
		}
		jw_arr_end(w);
	}
	jw_obj_end(w);
	ag_ev_end(a);
}

/* The client software a pending request's headers name. */
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

/* A request is complete: on a flow known to carry MCP, its credentials
 * are the client's (a GET opening an event stream carries no JSON-RPC). */
static void on_http_request(struct agents *a, const struct msg_obs *m)
{
	struct aflow *f = ag_aflow_get(a, &m->flow, false);
	if (f)
		ag_mcp_http_request(a, f, m);
}

/* An exchange is over: the request read against the signatures, with its
 * response when one came. */
static void on_http_exchange(struct agents *a, const struct msg_obs *m)
{
	const struct obs_http_exchange *x = &m->obs.u.http;
	if (!(x->seen & HTTP_SEEN_REQUEST))
		return; /* a response whose request was not seen names no API */
	const struct obs_http_request *rq = &x->req;
	uint64_t ts = x->request_us ? x->request_us : m->h.ts_us;
	bool host_is_ip = false;
	{
		uint8_t tmp[16];
		host_is_ip = rq->host[0] && (inet_pton(AF_INET, rq->host, tmp) == 1 ||
					     inet_pton(AF_INET6, rq->host, tmp) == 1);
	}
	const char *domain =
	    (rq->host[0] && !host_is_ip) ? rq->host : ag_dns_name(a, m->flow.family, m->flow.srv_ip, ts);
	struct llm_req p;
	memset(&p, 0, sizeof p);
	p.req = rq;
	p.ts_us = ts;
	p.svc = domain ? sig_match_domain(a->cfg.sigs, domain) : NULL;
	if (ag_is_identity(p.svc))
		p.svc = NULL; /* plaintext OAuth there is the OAuth analyzer's */
	p.has_ep = sig_match_endpoint(a->cfg.sigs, rq->method, rq->path, &p.ep);
	struct aflow *f = ag_aflow_get(a, &m->flow, p.svc || p.has_ep);
	if (!f)
		return;
	if (!p.svc)
		p.svc = f->svc;
	if (!p.svc && !p.has_ep)
		return;
	text_copy(p.domain, sizeof p.domain, domain);
	match_client(a->cfg.sigs, &p);
	bool answered = x->seen & HTTP_SEEN_RESPONSE;
	llm_exchange(a, f, &p, answered ? &x->resp : NULL, answered ? m->h.ts_us : ts, m->obs.protected_bytes);
}

/* A flow's pointer into the signatures, taken again from a new set. */
static void rematch_flow(const struct sig_db *db, struct aflow *f)
{
	if (f->svc)
		f->svc = sig_service_by_id(db, f->svc->id);
}

void agents_set_signatures(struct agents *a, struct sig_db *db)
{
	for (size_t i = 0; a->flows.slots && i <= a->flows.mask; i++)
		if (a->flows.slots[i].key)
			rematch_flow(db, a->flows.slots[i].val);
	sig_free(a->cfg.sigs);
	a->cfg.sigs = db;
}

static void on_dns(struct agents *a, const struct msg_obs *m)
{
	const struct obs_dns *d = &m->obs.u.dns;
	if (!d->response)
		return;
	dns_learn(a, d, m->h.ts_us);
	const struct sig_service *svc = d->qname[0] ? sig_match_domain(a->cfg.sigs, d->qname) : NULL;
	if (!svc || ag_is_identity(svc) || d->n_answers == 0)
		return;
	ag_ev_begin(a, "ai-dns-query", "aisensor.dns", m->h.ts_us);
	struct jw *w = &a->ev;
	/* The flow's client asked: it is the resolver's client. */
	ag_ev_flow(a, &m->flow, NULL, "dns");
	jw_obj_begin(w, "dns");
	jw_obj_begin(w, "question");
	jw_str(w, "name", d->qname);
	jw_obj_end(w);
	jw_arr_begin(w, "resolved_ip");
	for (size_t i = 0; i < d->n_answers && i < AS_DNS_MAX_ANSWERS; i++) {
		char ip[48];
		ag_ip_str(d->answers[i].family, d->answers[i].addr, ip, sizeof ip);
		jw_str(w, NULL, ip);
	}
	jw_arr_end(w);
	jw_obj_end(w);
	jw_obj_begin(w, "aisensor");
	jw_obj_begin(w, "service");
	jw_str(w, "id", svc->id);
	jw_str_opt(w, "name", svc->name);
	jw_str(w, "category", svc->category);
	jw_obj_end(w);
	jw_obj_end(w);
	ag_ev_end(a);
}

static void count_anomaly(struct agents *a, const char *dissector, const char *reason)
{
	char name[sizeof a->st.anomaly[0].name];
	snprintf(name, sizeof name, "%.*s.%.*s", AS_STR_TINY, dissector, AS_STR_SHORT, reason);
	a->st.anomalies++;
	for (size_t i = 0; i < a->st.n_anomaly_kinds; i++)
		if (!strcmp(a->st.anomaly[i].name, name)) {
			a->st.anomaly[i].count++;
			return;
		}
	if (a->st.n_anomaly_kinds < sizeof a->st.anomaly / sizeof a->st.anomaly[0]) {
		struct anomaly_count *c = &a->st.anomaly[a->st.n_anomaly_kinds++];
		text_copy(c->name, sizeof c->name, name);
		c->count = 1;
	}
}

static void flow_done(struct agents *a, struct aflow *f, const struct msg_flow *m)
{
	if (f->mcp)
		ag_mcp_flow_end(a, f);
	/* Named only by DNS (no hello, no request seen): an AI connection all the same. */
	if (!f->client && f->svc) {
		const char *kind = ag_kind_for(f->svc);
		ag_link_client(a, f, f->svc, f->svc->provider ? f->svc->provider : f->svc->id, kind,
			       "unknown", NULL, NULL, f->ref.start_us);
	}
	uint64_t bytes = m ? m->bytes[0] + m->bytes[1] : 0;
	if (f->client) {
		if (f->client_dest) {
			f->client_dest->bytes += bytes;
			struct flow_touch *t = ag_touch(f, f->client);
			if (t)
				t->bytes += bytes;
			if (m)
				strset_add(&f->client_dest->app_protocols, m->app, AS_AGENT_MAX_SET);
		}
		if (m && m->last_us > f->client->last_us)
			f->client->last_us = m->last_us;
	}
	if (f->server && m && m->last_us > f->server->last_us)
		f->server->last_us = m->last_us;
	/* Every agent the flow touched was last seen at its last packet. */
	for (size_t i = 0; i < f->n_touch; i++)
		if (m && m->last_us > f->touch[i].ag->last_us)
			f->touch[i].ag->last_us = m->last_us;
	for (size_t i = 0; i < f->n_touch; i++)
		ag_contrib_flow(a, f, &f->touch[i], m ? m->last_us : 0);
}

static void count_app(struct agents *a, const char *app)
{
	bool created;
	struct app_count *c = hmap_get_or_new(&a->apps, app, strlen(app), sizeof *c, 4096, &created);
	if (!c)
		return;
	if (created)
		text_copy(c->name, sizeof c->name, app);
	c->flows++;
}

static void on_flow_end(struct agents *a, const struct msg_flow *m)
{
	count_app(a, m->app[0] ? m->app : "Unknown");
	struct flow_key k = key_of(&m->flow);
	struct aflow *f = hmap_del(&a->flows, &k, sizeof k);
	if (!f)
		return;
	flow_done(a, f, m);
	aflow_free(f);
}

void agents_handle(struct agents *a, const struct msg_hdr *h)
{
	switch (h->type) {
	case MSG_FLOW_START:
		on_flow_start(a, (const struct msg_flow *)h);
		break;
	case MSG_FLOW_END:
		on_flow_end(a, (const struct msg_flow *)h);
		break;
	case MSG_WORKER_STATS: {
		const struct worker_stats *s = &((const struct msg_stats *)h)->s;
		struct worker_stats *t = &a->st.workers;
		t->packets += s->packets;
		t->bytes += s->bytes;
		t->flows += s->flows;
		t->flows_idle += s->flows_idle;
		t->flows_closed += s->flows_closed;
		t->flows_evicted += s->flows_evicted;
		t->reasm_gaps += s->reasm_gaps;
		t->reasm_ooo_dropped += s->reasm_ooo_dropped;
		t->dissected_flows += s->dissected_flows;
		t->ndpi_classified += s->ndpi_classified;
		t->ndpi_giveup += s->ndpi_giveup;
		break;
	}
	case MSG_OBSERVATION: {
		const struct msg_obs *m = (const struct msg_obs *)h;
		a->st.observations++;
		switch (m->obs.type) {
		case OBS_DNS:
			on_dns(a, m);
			break;
		case OBS_TLS_CLIENT_HELLO:
			on_tls_client(a, m);
			break;
		case OBS_TLS_SERVER_HELLO:
			break;
		case OBS_HTTP_REQUEST:
			on_http_request(a, m);
			break;
		case OBS_HTTP_EXCHANGE:
			on_http_exchange(a, m);
			break;
		case OBS_ANOMALY:
			count_anomaly(a, m->obs.u.anomaly.dissector, m->obs.u.anomaly.reason);
			break;
		case OBS_RPC:
			ag_mcp_rpc(a, m);
			break;
		case OBS_AGENT_CARD:
			ag_a2a_card(a, m);
			break;
		case OBS_OAUTH:
			ag_oauth(a, m);
			break;
		case OBS_DHCP:
			hosts_dhcp(a->hosts, &m->obs.u.dhcp, m->h.ts_us);
			break;
		case OBS_HOST_NAME:
			hosts_name(a->hosts, &m->obs.u.host_name, m->h.ts_us);
			break;
		case OBS_KERBEROS:
			hosts_kerberos(a->hosts, m->flow.family, m->flow.cli_ip, &m->obs.u.kerberos,
				       m->h.ts_us);
			break;
		}
		break;
	}
	default:
		break;
	}
}

void agents_finish(struct agents *a)
{
	/* Flows the workers never ended (should not happen after EOF). */
	for (size_t i = 0; a->flows.slots && i <= a->flows.mask; i++) {
		struct hmap_slot *s = &a->flows.slots[i];
		if (s->key)
			flow_done(a, s->val, NULL);
	}
	for (size_t i = 0; a->agents.slots && i <= a->agents.mask; i++)
		if (a->agents.slots[i].key) {
			ag_settle(a, a->agents.slots[i].val);
			ag_contrib_facts(a, a->agents.slots[i].val);
		}
}

/* ---- life cycle ---- */

struct agents *agents_new(const struct agents_config *cfg)
{
	struct agents *a = calloc(1, sizeof *a);
	if (!a) {
		sig_free(cfg->sigs);
		return NULL;
	}
	a->cfg = *cfg;
	hmap_init(&a->agents);
	hmap_init(&a->flows);
	hmap_init(&a->dns);
	hmap_init(&a->apps);
	hmap_init(&a->mcp);
	hmap_init(&a->oauth);
	hmap_init(&a->as_issuer);
	hmap_init(&a->idp);
	a->hosts = hosts_new();
	jw_init(&a->ev, false);
	if (!a->hosts) {
		agents_free(a);
		return NULL;
	}
	return a;
}

void agents_free(struct agents *a)
{
	if (!a)
		return;
	for (size_t i = 0; a->agents.slots && i <= a->agents.mask; i++)
		if (a->agents.slots[i].key)
			ag_agent_free(a->agents.slots[i].val);
	for (size_t i = 0; a->flows.slots && i <= a->flows.mask; i++)
		if (a->flows.slots[i].key)
			aflow_free(a->flows.slots[i].val);
	for (size_t i = 0; a->dns.slots && i <= a->dns.mask; i++)
		if (a->dns.slots[i].key)
			free(a->dns.slots[i].val);
	hmap_free(&a->agents);
	hmap_free(&a->flows);
	for (size_t i = 0; a->apps.slots && i <= a->apps.mask; i++)
		if (a->apps.slots[i].key)
			free(a->apps.slots[i].val);
	hmap_free(&a->dns);
	hmap_free(&a->apps);
	for (size_t i = 0; a->mcp.slots && i <= a->mcp.mask; i++)
		if (a->mcp.slots[i].key)
			free(a->mcp.slots[i].val);
	hmap_free(&a->mcp);
	ag_oauth_state_free(a);
	hosts_free(a->hosts);
	free(a->sorted);
	free(a->apps_sorted);
	jw_free(&a->ev);
	sig_free(a->cfg.sigs);
	free(a);
}

void agents_set_inventory(struct agents *a, struct inventory *inv)
{
	hosts_set_inventory(a->hosts, inv);
}

const struct agents_stats *agents_stats(const struct agents *a)
{
	return &a->st;
}

static int app_cmp(const void *pa, const void *pb)
{
	const struct app_count *x = *(struct app_count *const *)pa, *y = *(struct app_count *const *)pb;
	if (x->flows != y->flows)
		return x->flows < y->flows ? 1 : -1;
	return strcmp(x->name, y->name);
}

size_t agents_app_protocols(struct agents *a, const struct app_count ***out)
{
	free(a->apps_sorted);
	a->apps_sorted = calloc(a->apps.count + 1, sizeof *a->apps_sorted);
	size_t n = 0;
	for (size_t i = 0; a->apps_sorted && a->apps.slots && i <= a->apps.mask; i++)
		if (a->apps.slots[i].key)
			a->apps_sorted[n++] = a->apps.slots[i].val;
	if (n)
		qsort(a->apps_sorted, n, sizeof *a->apps_sorted, app_cmp);
	*out = (const struct app_count **)a->apps_sorted;
	return n;
}
