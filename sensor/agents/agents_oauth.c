/* agents_oauth.c — delegated access: oauth-client agents and the oauth
 * section of agents, built from OAuth messages (RFC 6749, 7591, 7636, 8414,
 * 8693, 8707, 9728), plus identity providers reached over TLS as weak
 * evidence.
 *
 * The dance of one client host is followed in an oauth_ctx: the MCP server
 * that answered 401 (and its resource metadata), the registration it is
 * waiting for. A grant is keyed by client_id on the host that uses it at
 * the token endpoint (the app), not the browser that carried the consent. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agents_internal.h"

struct oauth_ctx {
	struct agent *challenger; /* the MCP server that asked for authorization */
	struct agent *mcp_client; /* the MCP client it asked */
	char resource_metadata[AS_STR_LONG];
	char resource[AS_STR_LONG];
	char issuer[AS_STR];
	struct obs_oauth reg; /* registration request waiting for its response */
	bool has_reg;
};

static struct oauth_ctx *ctx_get(struct agents *a, const struct flow_ref *r)
{
	uint8_t k[HOSTS_KEY_LEN];
	size_t kl = hosts_key(r->family, r->cli_ip, k);
	return hmap_get_or_new(&a->oauth, k, kl, sizeof(struct oauth_ctx), SIZE_MAX, NULL);
}

/* The issuer of the authorization server this flow talks to. */
static void issuer_of(struct agents *a, const struct msg_obs *m, const struct oauth_ctx *c, char *out,
		      size_t n)
{
	uint8_t k[40];
	size_t kl = ag_pair_key(&m->flow, k);
	memset(k + 1, 0, 16); /* any client: the key is the server endpoint */
	const char *iss = hmap_get(&a->as_issuer, k, kl);
	if (iss) {
		text_copy(out, n, iss);
		return;
	}
	if (c && c->issuer[0]) {
		text_copy(out, n, c->issuer);
		return;
	}
	char ip[48];
	ag_ip_str(m->flow.family, m->flow.srv_ip, ip, sizeof ip);
	const char *host = m->obs.u.oauth.http.host[0] ? m->obs.u.oauth.http.host : ip;
	snprintf(out, n, "http%s://%.200s:%u", m->flow.srv_port == 443 ? "s" : "", host, m->flow.srv_port);
}

static void remember_issuer(struct agents *a, const struct msg_obs *m, const char *issuer)
{
	uint8_t k[40];
	size_t kl = ag_pair_key(&m->flow, k);
	memset(k + 1, 0, 16);
	char *old = hmap_get(&a->as_issuer, k, kl);
	if (old && !strcmp(old, issuer))
		return;
	char *dup = strdup(issuer);
	int oom = 0;
	if (!dup)
		return;
	old = hmap_put(&a->as_issuer, k, kl, dup, &oom);
	if (oom)
		free(dup);
	free(old);
}

static struct agent_oauth *grant_get(struct agent *ag, const char *issuer, const char *client_id)
{
	for (size_t i = 0; i < ag->n_oauth; i++)
		if (!strcmp(ag->oauth[i].client_id, client_id) && !strcmp(ag->oauth[i].issuer, issuer))
			return &ag->oauth[i];
	if (ag->n_oauth >= AS_AGENT_MAX_SET)
		return NULL;
	struct agent_oauth *no = realloc(ag->oauth, (ag->n_oauth + 1) * sizeof *no);
	if (!no)
		return NULL;
	ag->oauth = no;
	struct agent_oauth *g = &no[ag->n_oauth++];
	memset(g, 0, sizeof *g);
	text_copy(g->issuer, sizeof g->issuer, issuer);
	text_copy(g->client_id, sizeof g->client_id, client_id);
	text_copy(g->registration, sizeof g->registration, "pre-registered");
	return g;
}

/* The oauth-client agent of client_id on this flow's client host, and its grant. */
static struct agent_oauth *grant_for(struct agents *a, const struct msg_obs *m, struct oauth_ctx *c,
				     const char *client_id, struct agent **out)
{
	char identity[AS_STR + 8], issuer[AS_STR];
	snprintf(identity, sizeof identity, "oauth:%s", client_id);
	bool created;
	struct agent *ag = ag_agent_get(a, &m->flow, true, "oauth-client", identity, m->h.ts_us, &created);
	*out = ag;
	if (!ag)
		return NULL;
	issuer_of(a, m, c, issuer, sizeof issuer);
	struct agent_oauth *g = grant_get(ag, issuer, client_id);
	struct aflow *f = ag_aflow_get(a, &m->flow, true);
	if (f)
		ag_count_flow(f, ag);
	if (created)
		ag_emit_discovered(a, ag, &m->flow, m->obs.u.oauth.http.host, NULL, m->h.ts_us);
	if (g && c && c->challenger && !g->mcp_server)
		g->mcp_server = c->challenger;
	if (c && c->mcp_client)
		c->mcp_client->oauth_agent = ag;
	return g;
}

static void risks(struct agents *a, struct agent *ag, const struct agent_oauth *g)
{
	for (size_t i = 0; i < g->scopes_requested.n; i++)
		if (sig_broad_scope(a->cfg.sigs, g->scopes_requested.v[i]))
			strset_add(&ag->risks, "oauth-broad-scope", AS_AGENT_MAX_SET);
	for (size_t i = 0; i < g->scopes_granted.n; i++)
		if (sig_broad_scope(a->cfg.sigs, g->scopes_granted.v[i]))
			strset_add(&ag->risks, "oauth-broad-scope", AS_AGENT_MAX_SET);
	if (!strcmp(g->pkce, "none"))
		strset_add(&ag->risks, "oauth-no-pkce", AS_AGENT_MAX_SET);
	if (strset_has(&g->grant_types, "implicit"))
		strset_add(&ag->risks, "oauth-implicit-grant", AS_AGENT_MAX_SET);
	if (strset_has(&g->grant_types, "password"))
		strset_add(&ag->risks, "oauth-password-grant", AS_AGENT_MAX_SET);
	if (strset_has(&g->grant_types, "client_credentials") &&
	    (!strcmp(g->client_auth, "client_secret_basic") || !strcmp(g->client_auth, "client_secret_post")))
		strset_add(&ag->risks, "oauth-client-credentials-static-secret", AS_AGENT_MAX_SET);
	if (g->refresh_token || strset_has(&g->scopes_requested, "offline_access"))
		strset_add(&ag->risks, "oauth-long-lived-refresh", AS_AGENT_MAX_SET);
	if (g->consented && !strcmp(g->registration, "dynamic"))
		strset_add(&ag->risks, "oauth-consent-to-unregistered-client", AS_AGENT_MAX_SET);
}

static void secrets(struct agent *ag, const struct obs_oauth *o, bool cleartext)
{
	for (size_t i = 0; i < o->n_secrets && i < 4; i++)
		if (o->secrets[i].where != CRED_OAUTH_CODE && o->secrets[i].where != CRED_OAUTH_CODE_VERIFIER)
			ag_agent_cred(ag, &o->secrets[i], cleartext);
}

static void emit_oauth_event(struct agents *a, const struct msg_obs *m, const char *action,
			     const struct agent *ag, const struct agent_oauth *g)
{
	const struct obs_oauth *o = &m->obs.u.oauth;
	ag_ev_begin(a, action, "aisensor.oauth", m->h.ts_us);
	struct jw *w = &a->ev;
	ag_ev_flow(a, &m->flow, o->http.host, "http");
	jw_obj_begin(w, "url");
	jw_str(w, "path", o->http.path);
	jw_obj_end(w);
	jw_obj_begin(w, "aisensor");
	if (ag)
		ag_ev_agent(w, ag);
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
	ag_ev_end(a);
}

void ag_oauth(struct agents *a, const struct msg_obs *m)
{
	const struct obs_oauth *o = &m->obs.u.oauth;
	struct oauth_ctx *c = ctx_get(a, &m->flow);
	struct aflow *f = ag_aflow_get(a, &m->flow, true);
	if (!c || !f)
		return;
	bool cleartext = !m->obs.protected_bytes;
	struct agent *ag = NULL;
	struct agent_oauth *g = NULL;
	switch (o->kind) {
	case OAUTH_CHALLENGE: {
		/* An MCP server (on this flow) asks for a token. */
		struct mcp_link *l = f->mcp ? f->mcp : ag_mcp_link(a, &m->flow);
		if (l && l->server) {
			l->server->mcp.oauth_challenge = true;
			text_copy(l->server->mcp.resource_metadata, sizeof l->server->mcp.resource_metadata,
				o->resource_metadata);
			c->challenger = l->server;
			c->mcp_client = l->client;
		}
		text_copy(c->resource_metadata, sizeof c->resource_metadata, o->resource_metadata);
		emit_oauth_event(a, m, "oauth-challenge", l ? l->server : NULL, NULL);
		return;
	}
	case OAUTH_RESOURCE_METADATA:
		text_copy(c->resource, sizeof c->resource, o->resource);
		text_copy(c->issuer, sizeof c->issuer, o->issuer);
		return;
	case OAUTH_AS_METADATA:
		if (o->issuer[0]) {
			remember_issuer(a, m, o->issuer);
			text_copy(c->issuer, sizeof c->issuer, o->issuer);
		}
		return;
	case OAUTH_REGISTER_REQUEST:
		c->reg = *o;
		c->has_reg = true;
		return;
	case OAUTH_REGISTER_RESPONSE:
		if (!o->client_id[0])
			return;
		g = grant_for(a, m, c, o->client_id, &ag);
		if (!g)
			return;
		text_copy(g->registration, sizeof g->registration, "dynamic");
		text_copy(g->client_name, sizeof g->client_name,
			o->client_name[0] ? o->client_name : c->reg.client_name);
		text_copy(g->client_auth, sizeof g->client_auth,
			o->client_auth[0] ? o->client_auth : c->reg.client_auth);
		ag_split_add(&g->grant_types, o->grant_types[0] ? o->grant_types : c->reg.grant_types, " ,");
		strset_add(&g->redirect_uris, o->redirect_uri[0] ? o->redirect_uri : c->reg.redirect_uri,
			   AS_AGENT_MAX_SET);
		if (!ag->sw_name[0])
			text_copy(ag->sw_name, sizeof ag->sw_name,
				g->client_name[0] ? g->client_name : g->client_id);
		secrets(ag, o, cleartext);
		c->has_reg = false;
		emit_oauth_event(a, m, "oauth-client-registered", ag, g);
		break;
	case OAUTH_AUTHORIZE:
		if (!o->client_id[0])
			return;
		g = grant_for(a, m, c, o->client_id, &ag);
		if (!g)
			return;
		ag_split_add(&g->scopes_requested, o->scope, " ,");
		strset_add(&g->redirect_uris, o->redirect_uri, AS_AGENT_MAX_SET);
		strset_add(&g->resources, o->resource, AS_AGENT_MAX_SET);
		if (strstr(o->response_type, "token"))
			strset_add(&g->grant_types, "implicit", AS_AGENT_MAX_SET);
		if (strstr(o->response_type, "code"))
			text_copy(g->pkce, sizeof g->pkce,
				o->code_challenge_method[0] ? o->code_challenge_method : "none");
		emit_oauth_event(a, m, "oauth-authorize", ag, g);
		break;
	case OAUTH_AUTHORIZE_REDIRECT:
		/* Consent given (or refused); the grant is found by the code's use. */
		for (size_t i = 0; i < o->n_secrets && i < 4; i++)
			if (o->secrets[i].where == CRED_OAUTH_CODE)
				f->oauth_consent = true;
		emit_oauth_event(a, m, o->error[0] ? "oauth-consent-denied" : "oauth-consent", NULL, NULL);
		return;
	case OAUTH_TOKEN_REQUEST: {
		const char *cid = o->client_id[0] ? o->client_id : "unknown";
		g = grant_for(a, m, c, cid, &ag);
		if (!g)
			return;
		text_copy(f->oauth_client_id, sizeof f->oauth_client_id, cid);
		strset_add(&g->grant_types, o->grant_type, AS_AGENT_MAX_SET);
		ag_split_add(&g->scopes_requested, o->scope, " ,");
		strset_add(&g->resources, o->resource, AS_AGENT_MAX_SET);
		strset_add(&g->token_types, o->subject_token_type, AS_AGENT_MAX_SET);
		strset_add(&g->token_types, o->requested_token_type, AS_AGENT_MAX_SET);
		if (o->client_auth[0])
			text_copy(g->client_auth, sizeof g->client_auth, o->client_auth);
		if (!strcmp(o->grant_type, "authorization_code")) {
			g->consented = true;
			bool verifier = false;
			for (size_t i = 0; i < o->n_secrets && i < 4; i++)
				verifier |= o->secrets[i].where == CRED_OAUTH_CODE_VERIFIER;
			/* A verifier alone says PKCE (S256 unless the authorization
			 * request said otherwise); after a request without a
			 * challenge, "none" stays: the verifier protects nothing. */
			if (verifier && !g->pkce[0])
				text_copy(g->pkce, sizeof g->pkce, "S256");
			if (!verifier)
				text_copy(g->pkce, sizeof g->pkce, "none");
		}
		secrets(ag, o, cleartext);
		emit_oauth_event(a, m, "oauth-token-request", ag, g);
		break;
	}
	case OAUTH_TOKEN_RESPONSE: {
		if (!f->oauth_client_id[0])
			return;
		g = grant_for(a, m, c, f->oauth_client_id, &ag);
		if (!g)
			return;
		text_copy(g->token_type, sizeof g->token_type, o->token_type);
		if (o->expires_in > g->max_expires_in)
			g->max_expires_in = o->expires_in;
		g->refresh_token |= o->refresh_token;
		ag_split_add(&g->scopes_granted, o->scope, " ,");
		strset_add(&g->token_types, o->issued_token_type, AS_AGENT_MAX_SET);
		secrets(ag, o, cleartext);
		emit_oauth_event(a, m, "oauth-token-issued", ag, g);
		break;
	}
	case OAUTH_ERROR:
		emit_oauth_event(a, m, "oauth-error", NULL, NULL);
		return;
	}
	if (ag && g)
		risks(a, ag, g);
}

/* A TLS connection to an identity provider: remembered per host and shown
 * on that host's agents as weak evidence of delegated access. */
void ag_idp_seen(struct agents *a, const struct flow_ref *r, const struct sig_service *svc)
{
	uint8_t k[HOSTS_KEY_LEN];
	size_t kl = hosts_key(r->family, r->cli_ip, k);
	struct strset *s = hmap_get_or_new(&a->idp, k, kl, sizeof *s, AS_MAX_HOSTS, NULL);
	if (s)
		strset_add(s, svc->id, AS_AGENT_MAX_SET);
}

const struct strset *ag_idp_of(const struct agents *a, uint8_t family, const uint8_t *ip)
{
	uint8_t k[HOSTS_KEY_LEN];
	size_t kl = hosts_key(family, ip, k);
	return hmap_get(&a->idp, k, kl);
}

static void grant_json(struct jw *w, const struct agent_oauth *g)
{
	jw_obj_begin(w, NULL);
	jw_str(w, "issuer", g->issuer);
	jw_str(w, "client_id", g->client_id);
	jw_str_opt(w, "client_name", g->client_name);
	jw_str(w, "registration", g->registration);
	ag_json_set(w, "scopes", &g->scopes_requested);
	ag_json_set(w, "scopes_granted", &g->scopes_granted);
	ag_json_set(w, "grant_types", &g->grant_types);
	ag_json_set(w, "redirect_uris", &g->redirect_uris);
	jw_str(w, "pkce", g->pkce[0] ? g->pkce : "unknown");
	jw_str_opt(w, "client_auth", g->client_auth);
	jw_str(w, "resource", g->resources.n ? g->resources.v[0] : "");
	ag_json_set(w, "token_types", &g->token_types);
	jw_str_opt(w, "token_type", g->token_type);
	if (g->max_expires_in)
		jw_u64(w, "expires_in", g->max_expires_in);
	jw_bool(w, "refresh_token", g->refresh_token);
	jw_bool(w, "consented", g->consented);
	if (g->mcp_server)
		jw_str(w, "mcp_server", g->mcp_server->id);
	jw_obj_end(w);
}

void ag_oauth_json(const struct agent *ag, struct jw *w)
{
	jw_arr_begin(w, "oauth");
	for (size_t i = 0; i < ag->n_oauth; i++)
		grant_json(w, &ag->oauth[i]);
	/* An MCP client shows the grants its oauth-client record obtained. */
	if (ag->oauth_agent && ag->oauth_agent != ag)
		for (size_t i = 0; i < ag->oauth_agent->n_oauth; i++)
			grant_json(w, &ag->oauth_agent->oauth[i]);
	jw_arr_end(w);
}

void ag_oauth_free(struct agent *ag)
{
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
	strset_free(&ag->identity_providers);
}

void ag_oauth_state_free(struct agents *a)
{
	for (size_t i = 0; a->oauth.slots && i <= a->oauth.mask; i++)
		if (a->oauth.slots[i].key)
			free(a->oauth.slots[i].val);
	for (size_t i = 0; a->as_issuer.slots && i <= a->as_issuer.mask; i++)
		if (a->as_issuer.slots[i].key)
			free(a->as_issuer.slots[i].val);
	for (size_t i = 0; a->idp.slots && i <= a->idp.mask; i++)
		if (a->idp.slots[i].key) {
			strset_free(a->idp.slots[i].val);
			free(a->idp.slots[i].val);
		}
	hmap_free(&a->oauth);
	hmap_free(&a->as_issuer);
	hmap_free(&a->idp);
}
