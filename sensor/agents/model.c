/* model.c — the agent model (see model.h). Agent identity follows
 * DESIGN.md: sha256(host_key | kind | client_identity)[:16]. */
#include "model.h"

#include <arpa/inet.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fingerprint.h"

/* ---- names ---- */

static const char *const kind_names[KIND_COUNT] = {
    [KIND_LLM_API_CLIENT] = "llm-api-client", [KIND_AI_APP] = "ai-app",
    [KIND_LLM_SERVER] = "llm-server",	      [KIND_MCP_CLIENT] = "mcp-client",
    [KIND_MCP_SERVER] = "mcp-server",	      [KIND_A2A_AGENT] = "a2a-agent",
    [KIND_A2A_CLIENT] = "a2a-client",	      [KIND_OAUTH_CLIENT] = "oauth-client",
};

const char *kind_name(enum agent_kind k)
{
	return (unsigned)k < KIND_COUNT ? kind_names[k] : "unknown";
}

const char *confidence_name(uint8_t c)
{
	return c == CONFIDENCE_HIGH ? "high" : c == CONFIDENCE_MEDIUM ? "medium" : "low";
}

static const char *const risk_names[RISK_COUNT] = {
    [RISK_CLEARTEXT_CREDENTIAL] = "cleartext-credential",
    [RISK_CREDENTIAL_IN_URL] = "credential-in-url",
    [RISK_LLM_SERVER_WITHOUT_AUTH] = "llm-server-without-auth",
    [RISK_MCP_DESTRUCTIVE_TOOL_CALLED] = "mcp-destructive-tool-called",
    [RISK_MCP_SERVER_WITHOUT_AUTH] = "mcp-server-without-auth",
    [RISK_MCP_STATIC_BEARER_TOKEN] = "mcp-static-bearer-token",
    [RISK_ECH_HIDDEN_DESTINATION] = "ech-hidden-destination",
    [RISK_OAUTH_BROAD_SCOPE] = "oauth-broad-scope",
    [RISK_OAUTH_CLIENT_CREDENTIALS_STATIC_SECRET] = "oauth-client-credentials-static-secret",
    [RISK_OAUTH_CONSENT_TO_UNREGISTERED_CLIENT] = "oauth-consent-to-unregistered-client",
    [RISK_OAUTH_IMPLICIT_GRANT] = "oauth-implicit-grant",
    [RISK_OAUTH_LONG_LIVED_REFRESH] = "oauth-long-lived-refresh",
    [RISK_OAUTH_NO_PKCE] = "oauth-no-pkce",
    [RISK_OAUTH_PASSWORD_GRANT] = "oauth-password-grant",
    [RISK_PRODUCT_RUNTIME_MISMATCH] = "product-runtime-mismatch",
    [RISK_STATIC_API_KEY] = "static-api-key",
};

const char *risk_name(enum risk r)
{
	return (unsigned)r < RISK_COUNT ? risk_names[r] : "unknown";
}

const char *cred_where_name(uint8_t w)
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

const char *cred_type_name(uint8_t t)
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

bool tool_destructive(const struct mcp_tool *t)
{
	if (t->hints_set & RPC_HINT_DESTRUCTIVE)
		return (t->hints & RPC_HINT_DESTRUCTIVE) != 0;
	return (t->hints_set & RPC_HINT_READ_ONLY) && !(t->hints & RPC_HINT_READ_ONLY);
}

/* ---- small helpers ---- */

void model_ip_str(uint8_t family, const uint8_t *ip, char *out, size_t n)
{
	if (!inet_ntop(family == 6 ? AF_INET6 : AF_INET, ip, out, (socklen_t)n))
		snprintf(out, n, "?");
}

void model_server_addr(const struct flow_ref *r, char *out, size_t n)
{
	char ip[48];
	model_ip_str(r->family, r->srv_ip, ip, sizeof ip);
	snprintf(out, n, r->family == 6 ? "[%s]:%u" : "%s:%u", ip, r->srv_port);
}

void model_mac_str(const uint8_t *m, char *out)
{
	static const char hex[] = "0123456789abcdef"; /* by hand: every event with a MAC formats one */
	for (int i = 0; i < 6; i++) {
		out[i * 3] = hex[m[i] >> 4];
		out[i * 3 + 1] = hex[m[i] & 15];
		out[i * 3 + 2] = i < 5 ? ':' : '\0';
	}
}

bool model_mac_zero(const uint8_t *m)
{
	static const uint8_t z[6];
	return memcmp(m, z, 6) == 0;
}

void model_set_add(struct model *m, struct strset *s, const char *v)
{
	size_t before = s->dropped;
	strset_add(s, v, AS_AGENT_MAX_SET);
	if (s->dropped != before)
		m->st->capped++;
}

void model_split_add(struct model *m, struct strset *s, const char *list, const char *seps)
{
	char buf[AS_STR_LONG];
	text_copy(buf, sizeof buf, list);
	for (char *save = NULL, *t = strtok_r(buf, seps, &save); t; t = strtok_r(NULL, seps, &save))
		model_set_add(m, s, t);
}

void model_risk(struct agent *ag, enum risk r)
{
	ag->risks |= 1u << r;
}

size_t model_pair_key(const struct flow_ref *r, uint8_t out[40])
{
	memset(out, 0, 40);
	out[0] = r->family;
	memcpy(out + 1, r->cli_ip, 16);
	memcpy(out + 17, r->srv_ip, 16);
	out[33] = (uint8_t)(r->srv_port >> 8);
	out[34] = (uint8_t)r->srv_port;
	return 35;
}

/* ---- DNS cache ---- */

struct dns_entry {
	char name[AS_DNS_MAX_NAME];
	uint64_t expires_us;
};

void model_dns_learn(struct model *m, const struct obs_dns *d, uint64_t now)
{
	for (size_t i = 0; i < d->n_answers && i < AS_DNS_MAX_ANSWERS; i++) {
		const struct obs_dns_answer *an = &d->answers[i];
		uint8_t k[HOSTS_KEY_LEN];
		size_t kl = hosts_key(an->family, an->addr, k);
		struct dns_entry *e = hmap_get(&m->dns, k, kl);
		if (!e) {
			if (m->dns.count >= AS_DNS_CACHE_ENTRIES) {
				m->st->dns_cache_evictions++;
				continue;
			}
			e = calloc(1, sizeof *e);
			int oom = 0;
			if (!e || (hmap_put(&m->dns, k, kl, e, &oom), oom)) {
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

const char *model_dns_name(struct model *m, uint8_t family, const uint8_t *ip, uint64_t now)
{
	uint8_t k[HOSTS_KEY_LEN];
	size_t kl = hosts_key(family, ip, k);
	struct dns_entry *e = hmap_get(&m->dns, k, kl);
	return (e && e->expires_us >= now) ? e->name : NULL;
}

/* ---- agents ---- */

void model_dirty(struct model *m, struct agent *ag)
{
	if (!ag || ag->dirty)
		return;
	ag->dirty = true;
	ag->dirty_next = NULL;
	if (m->dirty_tail)
		m->dirty_tail->dirty_next = ag;
	else
		m->dirty_head = ag;
	m->dirty_tail = ag;
}

struct ip_agents {
	struct agent **v;
	size_t n;
};

static bool grow(void **v, size_t n, size_t size);

/* Moves ag to the list of its (new) address. */
static void index_address(struct model *m, struct agent *ag, uint8_t family, const uint8_t *addr)
{
	uint8_t k[HOSTS_KEY_LEN];
	struct ip_agents *l;
	if (ag->family) {
		if (ag->family == family && !memcmp(ag->addr, addr, 16))
			return;
		l = hmap_get(&m->by_ip, k, hosts_key(ag->family, ag->addr, k));
		for (size_t i = 0; l && i < l->n; i++)
			if (l->v[i] == ag) {
				l->v[i] = l->v[--l->n];
				break;
			}
	}
	ag->family = family;
	memcpy(ag->addr, addr, 16);
	l = hmap_get_or_new(&m->by_ip, k, hosts_key(family, addr, k), sizeof *l, SIZE_MAX, NULL);
	if (l && grow((void **)&l->v, l->n, sizeof *l->v))
		l->v[l->n++] = ag;
}

void model_basis(struct model *m, struct agent *ag, struct dest *d, const char *basis)
{
	if (ag)
		model_set_add(m, &ag->bases, basis);
	if (d)
		model_set_add(m, &d->bases, basis);
}

struct agent *const *model_host_agents(struct model *m, uint8_t family, const uint8_t *ip, size_t *n)
{
	uint8_t k[HOSTS_KEY_LEN];
	struct ip_agents *l = hmap_get(&m->by_ip, k, hosts_key(family, ip, k));
	*n = l ? l->n : 0;
	return l ? l->v : NULL;
}

void model_dirty_host(struct model *m, uint8_t family, const uint8_t *ip)
{
	uint8_t k[HOSTS_KEY_LEN];
	struct ip_agents *l = hmap_get(&m->by_ip, k, hosts_key(family, ip, k));
	for (size_t i = 0; l && i < l->n; i++)
		model_dirty(m, l->v[i]);
}

void model_dirty_all(struct model *m)
{
	for (size_t i = 0; m->agents.slots && i <= m->agents.mask; i++)
		if (m->agents.slots[i].key)
			model_dirty(m, m->agents.slots[i].val);
}

void model_seen(struct model *m, struct agent *ag, uint64_t ts)
{
	if (ts > ag->last_us)
		ag->last_us = ts;
	if (ts < ag->first_us)
		ag->first_us = ts;
	model_dirty(m, ag);
}

struct agent *model_agent_get(struct model *m, const struct flow_ref *r, bool client_side,
			      enum agent_kind kind, const char *identity, uint64_t ts, bool *created)
{
	char ip[48];
	const uint8_t *addr = client_side ? r->cli_ip : r->srv_ip;
	model_ip_str(r->family, addr, ip, sizeof ip);
	/* The durable host key at this packet time (hosts.c). */
	struct host_info hi;
	hosts_lookup(m->hosts, r->family, addr, ts, &hi);
	char idsrc[768];
	int n = snprintf(idsrc, sizeof idsrc, "%s|%s|%s", hi.key, kind_name(kind), identity);
	char id[17];
	as_sha256_hex(idsrc, (size_t)(n < (int)sizeof idsrc ? n : (int)sizeof idsrc - 1), id, 16);
	*created = false;
	struct agent *ag = hmap_get(&m->agents, id, 16);
	if (ag) {
		if (ts < ag->first_us)
			ag->first_us = ts;
		if (ts >= ag->last_us) {
			ag->last_us = ts;
			/* The host may have moved: its latest address and name. */
			text_copy(ag->ip, sizeof ag->ip, ip);
			index_address(m, ag, r->family, addr);
			if (hi.hostname[0])
				text_copy(ag->hostname, sizeof ag->hostname, hi.hostname);
		}
		model_dirty(m, ag);
		return ag;
	}
	if (m->agents.count >= AS_MAX_AGENTS) {
		m->st->agents_capped++;
		return NULL;
	}
	ag = calloc(1, sizeof *ag);
	if (!ag)
		return NULL;
	memcpy(ag->id, id, 17);
	ag->kind = kind;
	text_copy(ag->identity, sizeof ag->identity, identity);
	text_copy(ag->ip, sizeof ag->ip, ip);
	text_copy(ag->host_key, sizeof ag->host_key, hi.key);
	text_copy(ag->hostname, sizeof ag->hostname, hi.hostname);
	/* The leased MAC; else the frame's, recorded but never an identity. */
	const uint8_t *mac = client_side ? r->cli_mac : r->srv_mac;
	if (hi.mac[0])
		text_copy(ag->mac, sizeof ag->mac, hi.mac);
	else if (r->has_mac && !model_mac_zero(mac))
		model_mac_str(mac, ag->mac);
	ag->first_us = ag->last_us = ts;
	ag->first_flow_us = UINT64_MAX;
	int oom = 0;
	hmap_put(&m->agents, id, 16, ag, &oom);
	if (oom) {
		free(ag);
		return NULL;
	}
	*created = true;
	index_address(m, ag, r->family, addr);
	atomic_store_explicit(&m->n_agents, m->agents.count, memory_order_relaxed);
	model_dirty(m, ag);
	return ag;
}

static void agent_free(struct agent *ag)
{
	for (size_t i = 0; i < ag->n_dests; i++) {
		strset_free(&ag->dests[i]->models);
		strset_free(&ag->dests[i]->operations);
		strset_free(&ag->dests[i]->app_protocols);
		strset_free(&ag->dests[i]->transports);
		strset_free(&ag->dests[i]->bases);
		strset_free(&ag->dests[i]->stream_confidence);
		free(ag->dests[i]);
	}
	free(ag->dests);
	free(ag->creds);
	strset_free(&ag->user_agents);
	strset_free(&ag->ja3);
	strset_free(&ag->ja4);
	strset_free(&ag->bases);
	strset_free(&ag->apis);
	strset_free(&ag->served_models);
	strset_free(&ag->served_ops);
	strset_free(&ag->clients);
	struct agent_mcp *mc = &ag->mcp;
	strset_free(&mc->versions);
	strset_free(&mc->transports);
	strset_free(&mc->capabilities);
	strset_free(&mc->resources);
	strset_free(&mc->prompts);
	strset_free(&mc->server_requests);
	strset_free(&mc->sessions);
	free(mc->peers);
	free(mc->tools);
	strset_free(&ag->a2a.skills);
	strset_free(&ag->a2a.methods);
	strset_free(&ag->a2a.security);
	strset_free(&ag->a2a.versions);
	strset_free(&ag->a2a.extensions);
	free(ag->a2a.peers);
	for (size_t i = 0; i < ag->n_oauth; i++) {
		struct agent_oauth *g = &ag->oauth[i];
		strset_free(&g->scopes_requested);
		strset_free(&g->scopes_granted);
		strset_free(&g->grant_types);
		strset_free(&g->redirect_uris);
		strset_free(&g->resources);
		strset_free(&g->token_types);
	}
	free(ag->oauth);
	free(ag->grant_users);
	strset_free(&ag->identity_providers);
	strset_free(&ag->identity_basis);
	strset_free(&ag->related);
	free(ag);
}

struct dest *model_dest_get(struct model *m, struct agent *ag, const struct sig_service *svc, const char *api,
			    const char *endpoint, const struct flow_ref *r, bool tls)
{
	const char *service = svc ? svc->id : api;
	for (size_t i = 0; i < ag->n_dests; i++)
		if (!strcmp(ag->dests[i]->service, service) && !strcmp(ag->dests[i]->endpoint, endpoint) &&
		    ag->dests[i]->tls == tls)
			return ag->dests[i];
	if (ag->n_dests >= AS_AGENT_MAX_DESTS) {
		m->st->capped++;
		return NULL;
	}
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
	model_ip_str(r->family, r->srv_ip, d->ip, sizeof d->ip);
	d->port = r->srv_port;
	d->tls = tls;
	model_dirty(m, ag);
	return d;
}

void model_cred(struct model *m, struct agent *ag, const struct obs_credential *c, bool cleartext)
{
	if (cleartext)
		model_risk(ag, RISK_CLEARTEXT_CREDENTIAL);
	if (c->type == CRED_T_API_KEY)
		model_risk(ag, RISK_STATIC_API_KEY);
	if (c->where == CRED_QUERY_KEY || c->where == CRED_URL_TOKEN)
		model_risk(ag, RISK_CREDENTIAL_IN_URL);
	model_dirty(m, ag);
	for (size_t i = 0; i < ag->n_creds; i++)
		if (!strcmp(ag->creds[i].fp, c->fingerprint) && ag->creds[i].where == c->where) {
			ag->creds[i].cleartext |= cleartext;
			return;
		}
	if (ag->n_creds >= AS_AGENT_MAX_SET) {
		m->st->capped++;
		return;
	}
	struct cred *nc = realloc(ag->creds, (ag->n_creds + 1) * sizeof *nc);
	if (!nc)
		return;
	ag->creds = nc;
	struct cred *k = &nc[ag->n_creds++];
	memset(k, 0, sizeof *k);
	k->type = c->type;
	k->where = c->where;
	text_copy(k->fp, sizeof k->fp, c->fingerprint);
	k->cleartext = cleartext;
}

static bool grow(void **v, size_t n, size_t size)
{
	void *nv = realloc(*v, (n + 1) * size);
	if (!nv)
		return false;
	*v = nv;
	return true;
}

void model_add_peer(struct model *m, struct agent ***peers, size_t *n, struct agent *peer)
{
	for (size_t i = 0; i < *n; i++)
		if ((*peers)[i] == peer)
			return;
	if (*n >= AS_AGENT_MAX_SET) {
		m->st->capped++;
		return;
	}
	if (!grow((void **)peers, *n, sizeof **peers))
		return;
	(*peers)[(*n)++] = peer;
}

struct mcp_tool *model_tool_get(struct model *m, struct agent_mcp *mcp, const char *name)
{
	for (size_t i = 0; i < mcp->n_tools; i++)
		if (!strcmp(mcp->tools[i].name, name))
			return &mcp->tools[i];
	if (mcp->n_tools >= AS_AGENT_MAX_SET) {
		m->st->capped++;
		return NULL;
	}
	if (!grow((void **)&mcp->tools, mcp->n_tools, sizeof *mcp->tools))
		return NULL;
	struct mcp_tool *t = &mcp->tools[mcp->n_tools++];
	memset(t, 0, sizeof *t);
	text_copy(t->name, sizeof t->name, name);
	return t;
}

struct agent_oauth *model_grant_get(struct model *m, struct agent *ag, const char *issuer,
				    const char *client_id)
{
	for (size_t i = 0; i < ag->n_oauth; i++)
		if (!strcmp(ag->oauth[i].client_id, client_id) && !strcmp(ag->oauth[i].issuer, issuer))
			return &ag->oauth[i];
	if (ag->n_oauth >= AS_AGENT_MAX_SET) {
		m->st->capped++;
		return NULL;
	}
	if (!grow((void **)&ag->oauth, ag->n_oauth, sizeof *ag->oauth))
		return NULL;
	struct agent_oauth *g = &ag->oauth[ag->n_oauth++];
	memset(g, 0, sizeof *g);
	text_copy(g->issuer, sizeof g->issuer, issuer);
	text_copy(g->client_id, sizeof g->client_id, client_id);
	text_copy(g->registration, sizeof g->registration, "pre-registered");
	return g;
}

/* ---- flows and counters ---- */

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

struct aflow *model_flow_get(struct model *m, const struct flow_ref *r, bool create)
{
	struct flow_key k = key_of(r);
	if (!create)
		return hmap_get(&m->flows, &k, sizeof k);
	bool created;
	struct aflow *f = hmap_get_or_new(&m->flows, &k, sizeof k, sizeof *f, SIZE_MAX, &created);
	if (f && created) {
		f->ref = *r;
		f->window = m->interval_us ? r->start_us / m->interval_us : 0;
	}
	return f;
}

struct aflow *model_flow_take(struct model *m, const struct flow_ref *r)
{
	struct flow_key k = key_of(r);
	return hmap_del(&m->flows, &k, sizeof k);
}

static bool counted(void *const *v, size_t n, const void *p)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == p)
			return true;
	return false;
}

static void first_flow(struct agent *ag, const struct flow_ref *r)
{
	if (r->start_us >= ag->first_flow_us)
		return;
	char c[48], s[48], t[32];
	model_ip_str(r->family, r->cli_ip, c, sizeof c);
	model_ip_str(r->family, r->srv_ip, s, sizeof s);
	ag->first_flow_us = r->start_us;
	bool v6 = r->family == 6;
	/* Time first (microseconds): registries keep the earliest by string order. */
	as_format_time(r->start_us, t);
	snprintf(ag->first_flow, sizeof ag->first_flow, "%.19s.%06uZ %s %s%s%s:%u -> %s%s%s:%u", t,
		 (unsigned)(r->start_us % 1000000), r->l4proto == 6 ? "tcp" : "udp", v6 ? "[" : "", c,
		 v6 ? "]" : "", r->cli_port, v6 ? "[" : "", s, v6 ? "]" : "", r->srv_port);
}

void model_count_flow(struct model *m, struct aflow *f, struct agent *ag, uint64_t ts)
{
	if (!ag || counted((void *const *)f->counted, f->n_counted, ag))
		return;
	if (!grow((void **)&f->counted, f->n_counted, sizeof *f->counted))
		return;
	f->counted[f->n_counted++] = ag;
	first_flow(ag, &f->ref);
	if (f->ref.start_us < ag->first_us)
		ag->first_us = f->ref.start_us;
	model_count(m, f, ts, ag, CTR_FLOWS, NULL, NULL, 1);
}

void model_count_dest_flow(struct model *m, struct aflow *f, struct agent *ag, struct dest *d, uint64_t ts)
{
	if (!d || counted((void *const *)f->dests_counted, f->n_dests_counted, d))
		return;
	if (!grow((void **)&f->dests_counted, f->n_dests_counted, sizeof *f->dests_counted))
		return;
	f->dests_counted[f->n_dests_counted++] = d;
	model_count(m, f, ts, ag, CTR_DEST_FLOWS, d, NULL, 1);
	if (f->ref.l4proto == 17)
		model_set_add(m, &d->transports, f->tls ? "quic" : "udp");
	else
		model_set_add(m, &d->transports, "tcp");
}

static uint64_t *counter_of(struct model *m, struct agent *ag, enum counter what, struct dest *d,
			    const char *tool)
{
	switch (what) {
	case CTR_FLOWS:
		return &ag->flows;
	case CTR_DEST_FLOWS:
		return d ? &d->flows : NULL;
	case CTR_DEST_BYTES:
		return d ? &d->bytes : NULL;
	case CTR_DEST_REQUESTS:
		return d ? &d->requests : NULL;
	case CTR_DEST_INPUT_TOKENS:
		return d ? &d->input_tokens : NULL;
	case CTR_DEST_OUTPUT_TOKENS:
		return d ? &d->output_tokens : NULL;
	case CTR_DEST_STREAMS:
		return d ? &d->streams : NULL;
	case CTR_DEST_STREAM_RECORDS:
		return d ? &d->stream_records : NULL;
	case CTR_DEST_STREAM_TOKENS:
		return d ? &d->stream_tokens : NULL;
	case CTR_DEST_STREAM_TOKENS_MIN:
		return d ? &d->stream_tokens_min : NULL;
	case CTR_DEST_STREAM_TOKENS_MAX:
		return d ? &d->stream_tokens_max : NULL;
	case CTR_SERVER_REQUESTS:
		return &ag->requests;
	case CTR_SERVER_INPUT_TOKENS:
		return &ag->input_tokens;
	case CTR_SERVER_OUTPUT_TOKENS:
		return &ag->output_tokens;
	case CTR_TOOL_CALLS: {
		struct mcp_tool *t = tool ? model_tool_get(m, &ag->mcp, tool) : NULL;
		return t ? &t->calls : NULL;
	}
	}
	return NULL;
}

static void pending_add(struct model *m, struct aflow *f)
{
	if (f->pending)
		return;
	f->pending = true;
	f->pending_next = NULL;
	f->pending_prev = m->pending_tail;
	if (m->pending_tail)
		m->pending_tail->pending_next = f;
	else
		m->pending_head = f;
	m->pending_tail = f;
}

void model_count(struct model *m, struct aflow *f, uint64_t ts, struct agent *ag, enum counter what,
		 struct dest *d, const char *tool, uint64_t n)
{
	uint64_t *c = ag && n ? counter_of(m, ag, what, d, tool) : NULL;
	if (!c)
		return;
	*c += n;
	model_dirty(m, ag);
	if (!f)
		return;
	/* The flow's own time, never back: a window once cut gets nothing more. */
	uint64_t w = m->interval_us ? ts / m->interval_us : 0;
	if (w > f->window) {
		f->window = w;
		f->part = 0;
	}
	for (size_t i = f->n_deltas; i-- > 0;) {
		struct delta *x = &f->deltas[i];
		if (x->window != f->window || x->part != f->part)
			break;
		if (x->ag == ag && x->what == what && x->dest == d &&
		    (what != CTR_TOOL_CALLS || !strcmp(x->tool, tool))) {
			x->n += n;
			return;
		}
	}
	if (f->n_deltas == f->cap_deltas) {
		size_t nc = f->cap_deltas ? f->cap_deltas * 2 : 4;
		struct delta *nd = realloc(f->deltas, nc * sizeof *nd);
		if (!nd) {
			m->st->deltas_lost++;
			return;
		}
		f->deltas = nd;
		f->cap_deltas = nc;
	}
	struct delta *x = &f->deltas[f->n_deltas++];
	memset(x, 0, offsetof(struct delta, tool));
	x->window = f->window;
	x->part = f->part;
	x->what = (uint8_t)what;
	x->ag = ag;
	x->dest = d;
	text_copy(x->tool, sizeof x->tool, what == CTR_TOOL_CALLS ? tool : "");
	x->n = n;
	pending_add(m, f);
}

void model_flow_seen(struct model *m, struct aflow *f, uint64_t ts)
{
	for (size_t i = 0; i < f->n_counted; i++)
		if (ts > f->counted[i]->last_us) {
			f->counted[i]->last_us = ts;
			model_dirty(m, f->counted[i]);
		}
}

void model_flow_free(struct aflow *f)
{
	free(f->hello);
	for (size_t i = 0; i < f->n_open_requests; i++)
		free(f->open_requests[i]);
	free(f->counted);
	free(f->dests_counted);
	free(f->deltas);
	free(f);
}

static void mark_decrypted(struct model *m, struct agent *ag)
{
	if (ag && !ag->decrypted) {
		ag->decrypted = true;
		model_dirty(m, ag);
	}
}

void model_flow_decrypted(struct model *m, struct aflow *f)
{
	mark_decrypted(m, f->client);
	mark_decrypted(m, f->server);
	if (f->client_dest)
		f->client_dest->decrypted = true;
	if (f->mcp) {
		mark_decrypted(m, f->mcp->client);
		mark_decrypted(m, f->mcp->server);
	}
}

/* ---- MCP conversations, identity providers ---- */

struct mcp_link *model_mcp_link(struct model *m, const struct flow_ref *r)
{
	uint8_t k[40];
	size_t kl = model_pair_key(r, k);
	return hmap_get_or_new(&m->mcp, k, kl, sizeof(struct mcp_link), SIZE_MAX, NULL);
}

void model_idp_seen(struct model *m, const struct flow_ref *r, const char *service_id, const char *basis)
{
	uint8_t k[HOSTS_KEY_LEN];
	size_t kl = hosts_key(r->family, r->cli_ip, k);
	struct idp_seen *s = hmap_get_or_new(&m->idp, k, kl, sizeof *s, AS_MAX_HOSTS, NULL);
	if (!s)
		return;
	size_t before = s->ids.n + s->bases.n;
	model_set_add(m, &s->ids, service_id);
	model_set_add(m, &s->bases, basis);
	if (s->ids.n + s->bases.n != before)
		model_dirty_host(m, r->family, r->cli_ip);
}

const struct idp_seen *model_idp_of(const struct model *m, uint8_t family, const uint8_t *ip)
{
	uint8_t k[HOSTS_KEY_LEN];
	size_t kl = hosts_key(family, ip, k);
	return hmap_get(&m->idp, k, kl);
}

/* ---- life cycle ---- */

int model_init(struct model *m, struct agents_stats *st, uint64_t interval_us)
{
	memset(m, 0, sizeof *m);
	m->st = st;
	m->interval_us = interval_us;
	hmap_init(&m->agents);
	hmap_init(&m->flows);
	hmap_init(&m->dns);
	hmap_init(&m->mcp);
	hmap_init(&m->oauth);
	hmap_init(&m->as_issuer);
	hmap_init(&m->idp);
	hmap_init(&m->by_ip);
	m->hosts = hosts_new();
	return m->hosts ? AS_OK : AS_ERR_NOMEM;
}

static void free_values(struct hmap *h, void (*fn)(void *))
{
	for (size_t i = 0; h->slots && i <= h->mask; i++)
		if (h->slots[i].key)
			fn(h->slots[i].val);
	hmap_free(h);
}

static void free_idp_seen(void *p)
{
	struct idp_seen *s = p;
	strset_free(&s->ids);
	strset_free(&s->bases);
	free(s);
}

static void free_ip_agents(void *p)
{
	free(((struct ip_agents *)p)->v);
	free(p);
}

static void free_agent(void *p)
{
	agent_free(p);
}

static void free_flow(void *p)
{
	model_flow_free(p);
}

void model_free(struct model *m)
{
	free_values(&m->agents, free_agent);
	free_values(&m->flows, free_flow);
	free_values(&m->dns, free);
	free_values(&m->mcp, free);
	free_values(&m->oauth, free);
	free_values(&m->as_issuer, free);
	free_values(&m->idp, free_idp_seen);
	free_values(&m->by_ip, free_ip_agents);
	hosts_free(m->hosts);
	m->hosts = NULL;
}
