/* oauth.c — the OAuth correlator (see oauth.h).
 *
 * The dance of one client host is followed in an oauth_ctx: the MCP server
 * that answered 401 (and its resource metadata), the registration it is
 * waiting for. A grant is keyed by client_id on the host that uses it at
 * the token endpoint (the app), not the browser that carried the consent. */
#include "oauth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One client host's dance; the model holds it (plain malloc, no pointers
 * it owns). */
struct oauth_ctx {
	struct agent *challenger; /* the MCP server that asked for authorization */
	struct agent *mcp_client; /* the MCP client it asked */
	char resource_metadata[AS_STR_LONG];
	char resource[AS_STR_LONG];
	char issuer[AS_STR];
	struct obs_oauth reg; /* registration request waiting for its response */
	bool has_reg;
};

static struct oauth_ctx *ctx_get(struct model *m, const struct flow_ref *r)
{
	uint8_t k[HOSTS_KEY_LEN];
	size_t kl = hosts_key(r->family, r->cli_ip, k);
	return hmap_get_or_new(&m->oauth, k, kl, sizeof(struct oauth_ctx), SIZE_MAX, NULL);
}

/* The key of an authorization server: its endpoint, any client. */
static size_t server_key(const struct flow_ref *r, uint8_t k[40])
{
	size_t kl = model_pair_key(r, k);
	memset(k + 1, 0, 16);
	return kl;
}

/* The issuer of the authorization server this flow talks to. */
static void issuer_of(struct model *m, const struct msg_obs *msg, const struct oauth_ctx *c, char *out,
		      size_t n)
{
	uint8_t k[40];
	size_t kl = server_key(&msg->flow, k);
	const char *iss = hmap_get(&m->as_issuer, k, kl);
	if (iss || (c && c->issuer[0])) {
		text_copy(out, n, iss ? iss : c->issuer);
		return;
	}
	char ip[48];
	model_ip_str(msg->flow.family, msg->flow.srv_ip, ip, sizeof ip);
	const char *host = msg->obs.u.oauth.http.host[0] ? msg->obs.u.oauth.http.host : ip;
	snprintf(out, n, "http%s://%.200s:%u", msg->flow.srv_port == 443 ? "s" : "", host,
		 msg->flow.srv_port);
}

static void remember_issuer(struct model *m, const struct msg_obs *msg, const char *issuer)
{
	uint8_t k[40];
	size_t kl = server_key(&msg->flow, k);
	char *old = hmap_get(&m->as_issuer, k, kl);
	if (old && !strcmp(old, issuer))
		return;
	char *dup = strdup(issuer);
	int oom = 0;
	if (!dup)
		return;
	old = hmap_put(&m->as_issuer, k, kl, dup, &oom);
	if (oom)
		free(dup);
	free(old);
}

/* The oauth-client agent of client_id on this flow's client host, and its grant. */
static struct agent_oauth *grant_for(struct model *m, struct events *ev, const struct msg_obs *msg,
				     struct oauth_ctx *c, const char *client_id, struct agent **out)
{
	char identity[AS_STR + 8], issuer[AS_STR];
	snprintf(identity, sizeof identity, "oauth:%s", client_id);
	bool created;
	uint64_t ts = msg->h.ts_us;
	struct agent *ag = model_agent_get(m, &msg->flow, true, KIND_OAUTH_CLIENT, identity, ts, &created);
	*out = ag;
	if (!ag)
		return NULL;
	model_basis(m, ag, NULL, "content");
	issuer_of(m, msg, c, issuer, sizeof issuer);
	struct agent_oauth *g = model_grant_get(m, ag, issuer, client_id);
	struct aflow *f = model_flow_get(m, &msg->flow, true);
	if (f)
		model_count_flow(m, f, ag, ts);
	if (created)
		ev_agent_discovered(ev, ag, &msg->flow, msg->obs.u.oauth.http.host, NULL, ts);
	if (g && c && c->challenger && !g->mcp_server)
		g->mcp_server = c->challenger;
	if (c && c->mcp_client) {
		/* The MCP client shows the grants of this record: it changes with them. */
		c->mcp_client->oauth_agent = ag;
		model_add_peer(m, &ag->grant_users, &ag->n_grant_users, c->mcp_client);
	}
	return g;
}

static void risks(struct model *m, struct agent *ag, const struct agent_oauth *g)
{
	for (size_t i = 0; i < g->scopes_requested.n; i++)
		if (sig_broad_scope(m->sigs, g->scopes_requested.v[i]))
			model_risk(ag, RISK_OAUTH_BROAD_SCOPE);
	for (size_t i = 0; i < g->scopes_granted.n; i++)
		if (sig_broad_scope(m->sigs, g->scopes_granted.v[i]))
			model_risk(ag, RISK_OAUTH_BROAD_SCOPE);
	if (!strcmp(g->pkce, "none"))
		model_risk(ag, RISK_OAUTH_NO_PKCE);
	if (strset_has(&g->grant_types, "implicit"))
		model_risk(ag, RISK_OAUTH_IMPLICIT_GRANT);
	if (strset_has(&g->grant_types, "password"))
		model_risk(ag, RISK_OAUTH_PASSWORD_GRANT);
	if (strset_has(&g->grant_types, "client_credentials") &&
	    (!strcmp(g->client_auth, "client_secret_basic") || !strcmp(g->client_auth, "client_secret_post")))
		model_risk(ag, RISK_OAUTH_CLIENT_CREDENTIALS_STATIC_SECRET);
	if (g->refresh_token || strset_has(&g->scopes_requested, "offline_access"))
		model_risk(ag, RISK_OAUTH_LONG_LIVED_REFRESH);
	if (g->consented && !strcmp(g->registration, "dynamic"))
		model_risk(ag, RISK_OAUTH_CONSENT_TO_UNREGISTERED_CLIENT);
}

static void secrets(struct model *m, struct agent *ag, const struct obs_oauth *o, bool cleartext)
{
	for (size_t i = 0; i < o->n_secrets && i < 4; i++)
		if (o->secrets[i].where != CRED_OAUTH_CODE && o->secrets[i].where != CRED_OAUTH_CODE_VERIFIER)
			model_cred(m, ag, &o->secrets[i], cleartext);
}

static void challenge(struct model *m, struct events *ev, const struct msg_obs *msg, struct oauth_ctx *c,
		      struct aflow *f)
{
	const struct obs_oauth *o = &msg->obs.u.oauth;
	/* An MCP server (on this flow) asks for a token. It asks for OAuth when
	 * it names its protected-resource metadata (RFC 9728, which MCP
	 * authorization requires from 2025-06-18); a bare Bearer challenge
	 * guards a static token as well. */
	struct mcp_link *l = f->mcp ? f->mcp : model_mcp_link(m, &msg->flow);
	if (l && l->server) {
		l->server->mcp.oauth_challenge |= o->resource_metadata[0] != '\0';
		if (f->mcp_unauth_counted && l->server->mcp.requests_unauthenticated) {
			l->server->mcp.requests_unauthenticated--; /* refused, not served */
			f->mcp_unauth_counted = false;
		}
		text_copy(l->server->mcp.resource_metadata, sizeof l->server->mcp.resource_metadata,
			  o->resource_metadata);
		model_dirty(m, l->server);
		c->challenger = l->server;
		c->mcp_client = l->client;
	}
	text_copy(c->resource_metadata, sizeof c->resource_metadata, o->resource_metadata);
	ev_oauth(ev, msg, "oauth-challenge", l ? l->server : NULL, NULL);
}

static void registered(struct model *m, struct agent *ag, struct agent_oauth *g, const struct obs_oauth *o,
		       const struct oauth_ctx *c)
{
	text_copy(g->registration, sizeof g->registration, "dynamic");
	text_copy(g->client_name, sizeof g->client_name,
		  o->client_name[0] ? o->client_name : c->reg.client_name);
	text_copy(g->client_auth, sizeof g->client_auth,
		  o->client_auth[0] ? o->client_auth : c->reg.client_auth);
	model_split_add(m, &g->grant_types, o->grant_types[0] ? o->grant_types : c->reg.grant_types, " ,");
	model_set_add(m, &g->redirect_uris, o->redirect_uri[0] ? o->redirect_uri : c->reg.redirect_uri);
	if (!ag->sw_name[0])
		text_copy(ag->sw_name, sizeof ag->sw_name, g->client_name[0] ? g->client_name : g->client_id);
}

static void authorize(struct model *m, struct agent_oauth *g, const struct obs_oauth *o)
{
	model_split_add(m, &g->scopes_requested, o->scope, " ,");
	model_set_add(m, &g->redirect_uris, o->redirect_uri);
	model_set_add(m, &g->resources, o->resource);
	if (strstr(o->response_type, "token"))
		model_set_add(m, &g->grant_types, "implicit");
	if (strstr(o->response_type, "code"))
		text_copy(g->pkce, sizeof g->pkce,
			  o->code_challenge_method[0] ? o->code_challenge_method : "none");
}

static void token_request(struct model *m, struct agent_oauth *g, const struct obs_oauth *o)
{
	model_set_add(m, &g->grant_types, o->grant_type);
	model_split_add(m, &g->scopes_requested, o->scope, " ,");
	model_set_add(m, &g->resources, o->resource);
	model_set_add(m, &g->token_types, o->subject_token_type);
	model_set_add(m, &g->token_types, o->requested_token_type);
	if (o->client_auth[0])
		text_copy(g->client_auth, sizeof g->client_auth, o->client_auth);
	if (strcmp(o->grant_type, "authorization_code") != 0)
		return;
	g->consented = true;
	bool verifier = false;
	for (size_t i = 0; i < o->n_secrets && i < 4; i++)
		verifier |= o->secrets[i].where == CRED_OAUTH_CODE_VERIFIER;
	/* A verifier alone says PKCE (S256 unless the authorization request
	 * said otherwise); after a request without a challenge, "none" stays:
	 * the verifier protects nothing. */
	if (verifier && !g->pkce[0])
		text_copy(g->pkce, sizeof g->pkce, "S256");
	if (!verifier)
		text_copy(g->pkce, sizeof g->pkce, "none");
}

static void token_issued(struct model *m, struct agent_oauth *g, const struct obs_oauth *o)
{
	text_copy(g->token_type, sizeof g->token_type, o->token_type);
	if (o->expires_in > g->max_expires_in)
		g->max_expires_in = o->expires_in;
	g->refresh_token |= o->refresh_token;
	model_split_add(m, &g->scopes_granted, o->scope, " ,");
	model_set_add(m, &g->token_types, o->issued_token_type);
}

void oauth_message(struct model *m, struct events *ev, const struct msg_obs *msg)
{
	const struct obs_oauth *o = &msg->obs.u.oauth;
	struct oauth_ctx *c = ctx_get(m, &msg->flow);
	struct aflow *f = model_flow_get(m, &msg->flow, true);
	if (!c || !f)
		return;
	bool cleartext = !msg->obs.protected_bytes;
	struct agent *ag = NULL;
	struct agent_oauth *g = NULL;
	const char *action = NULL;
	switch (o->kind) {
	case OAUTH_CHALLENGE:
		challenge(m, ev, msg, c, f);
		return;
	case OAUTH_RESOURCE_METADATA:
		text_copy(c->resource, sizeof c->resource, o->resource);
		text_copy(c->issuer, sizeof c->issuer, o->issuer);
		return;
	case OAUTH_AS_METADATA:
		if (o->issuer[0]) {
			remember_issuer(m, msg, o->issuer);
			text_copy(c->issuer, sizeof c->issuer, o->issuer);
		}
		return;
	case OAUTH_REGISTER_REQUEST:
		c->reg = *o;
		c->has_reg = true;
		return;
	case OAUTH_REGISTER_RESPONSE:
		if (!o->client_id[0] || !(g = grant_for(m, ev, msg, c, o->client_id, &ag)))
			return;
		registered(m, ag, g, o, c);
		c->has_reg = false;
		action = "oauth-client-registered";
		break;
	case OAUTH_AUTHORIZE:
		if (!o->client_id[0] || !(g = grant_for(m, ev, msg, c, o->client_id, &ag)))
			return;
		authorize(m, g, o);
		action = "oauth-authorize";
		break;
	case OAUTH_AUTHORIZE_REDIRECT:
		/* Consent given (or refused); the grant is found by the code's use. */
		for (size_t i = 0; i < o->n_secrets && i < 4; i++)
			if (o->secrets[i].where == CRED_OAUTH_CODE)
				f->oauth_consent = true;
		ev_oauth(ev, msg, o->error[0] ? "oauth-consent-denied" : "oauth-consent", NULL, NULL);
		return;
	case OAUTH_TOKEN_REQUEST: {
		const char *cid = o->client_id[0] ? o->client_id : "unknown";
		if (!(g = grant_for(m, ev, msg, c, cid, &ag)))
			return;
		text_copy(f->oauth_client_id, sizeof f->oauth_client_id, cid);
		token_request(m, g, o);
		action = "oauth-token-request";
		break;
	}
	case OAUTH_TOKEN_RESPONSE:
		if (!f->oauth_client_id[0] || !(g = grant_for(m, ev, msg, c, f->oauth_client_id, &ag)))
			return;
		token_issued(m, g, o);
		action = "oauth-token-issued";
		break;
	case OAUTH_ERROR:
		ev_oauth(ev, msg, "oauth-error", NULL, NULL);
		return;
	}
	if (o->kind == OAUTH_REGISTER_RESPONSE || o->kind == OAUTH_TOKEN_REQUEST ||
	    o->kind == OAUTH_TOKEN_RESPONSE)
		secrets(m, ag, o, cleartext);
	if (action)
		ev_oauth(ev, msg, action, ag, g);
	risks(m, ag, g);
	for (size_t i = 0; i < ag->n_grant_users; i++)
		model_dirty(m, ag->grant_users[i]);
}
