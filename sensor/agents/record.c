/* record.c — the inventory record of an agent (see record.h). */
#include "record.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- settling ---- */

/* Arrays of objects are in the order of their elements' keys (record.h),
 * as a registry lists them. */
static int dest_cmp(const void *pa, const void *pb)
{
	char x[AS_STR * 2], y[AS_STR * 2];
	record_dest_key(*(struct dest *const *)pa, x, sizeof x);
	record_dest_key(*(struct dest *const *)pb, y, sizeof y);
	return strcmp(x, y);
}

static int cred_cmp(const void *pa, const void *pb)
{
	const struct cred *x = pa, *y = pb;
	int c = strcmp(x->fp, y->fp);
	return c ? c : strcmp(cred_where_name(x->where), cred_where_name(y->where));
}

static int peer_cmp(const void *pa, const void *pb)
{
	const struct agent *x = *(struct agent *const *)pa, *y = *(struct agent *const *)pb;
	return strcmp(x->id, y->id);
}

static int cstr_cmp(const void *pa, const void *pb)
{
	return strcmp(*(const char *const *)pa, *(const char *const *)pb);
}

static int tool_cmp(const void *pa, const void *pb)
{
	return strcmp(((const struct mcp_tool *)pa)->name, ((const struct mcp_tool *)pb)->name);
}

static void sort(void *v, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(v, n, size, cmp);
}

void record_settle(struct model *m, struct agent *ag)
{
	uint8_t ip[16] = {0};
	bool v6 = strchr(ag->ip, ':') != NULL;
	bool parsed = inet_pton(v6 ? AF_INET6 : AF_INET, ag->ip, ip) == 1;
	const struct idp_seen *idp = parsed ? model_idp_of(m, v6 ? 6 : 4, ip) : NULL;
	for (size_t k = 0; idp && k < idp->ids.n; k++)
		model_set_add(m, &ag->identity_providers, idp->ids.v[k]);
	for (size_t k = 0; idp && k < idp->bases.n; k++)
		model_set_add(m, &ag->identity_basis, idp->bases.v[k]);
	/* Owner and team from the inventory as it is now (SIGHUP may change it). */
	hosts_lookup(m->hosts, v6 ? 6 : 4, ip, ag->last_us, &ag->host);
	record_product(m, ag);
	sort(ag->dests, ag->n_dests, sizeof *ag->dests, dest_cmp);
	sort(ag->creds, ag->n_creds, sizeof *ag->creds, cred_cmp);
	sort(ag->mcp.peers, ag->mcp.n_peers, sizeof *ag->mcp.peers, peer_cmp);
	sort(ag->mcp.tools, ag->mcp.n_tools, sizeof *ag->mcp.tools, tool_cmp);
	sort(ag->a2a.peers, ag->a2a.n_peers, sizeof *ag->a2a.peers, peer_cmp);
}

void record_product(struct model *m, struct agent *ag)
{
	ag->product = sig_product_of(m->sigs, ag->sw_name);
	strset_free(&ag->related);
	if (!ag->product)
		return;
	size_t n;
	struct agent *const *v = model_host_agents(m, ag->family, ag->addr, &n);
	for (size_t i = 0; i < n; i++)
		if (v[i] != ag && sig_product_of(m->sigs, v[i]->sw_name) == ag->product)
			model_set_add(m, &ag->related, v[i]->id);
	/* The runtime its TLS hello names is none of the product's builds: a
	 * relay, or another client borrowing the product's identity. */
	if (ag->product->n_runtimes && ag->sw_runtime[0] && !sig_product_runtime(ag->product, ag->sw_runtime))
		model_risk(ag, RISK_PRODUCT_RUNTIME_MISMATCH);
}

static int agent_cmp(const void *pa, const void *pb)
{
	const struct agent *x = *(struct agent *const *)pa, *y = *(struct agent *const *)pb;
	int c = text_ip_cmp(x->ip, y->ip);
	if (!c)
		c = strcmp(kind_name(x->kind), kind_name(y->kind));
	if (!c)
		c = strcmp(x->sw_name, y->sw_name);
	if (!c)
		c = strcmp(x->id, y->id);
	return c;
}

size_t record_sorted(struct model *m, struct agent ***out)
{
	struct agent **v = calloc(m->agents.count + 1, sizeof *v);
	size_t n = 0;
	for (size_t i = 0; v && m->agents.slots && i <= m->agents.mask; i++)
		if (m->agents.slots[i].key) {
			v[n] = m->agents.slots[i].val;
			record_settle(m, v[n++]);
		}
	sort(v, n, sizeof *v, agent_cmp);
	*out = v;
	return v ? n : 0;
}

/* ---- the walk ---- */

/* Shorthands over the visitor. */
#define OBJ(name) v->obj_begin(v->u, name)
#define END() v->obj_end(v->u)
#define STR(name, val, op) v->str(v->u, name, val, op)
#define NUM(name, val, op) v->num(v->u, name, val, op)
#define BOOL(name, val, op) v->boolean(v->u, name, val, op)
#define SET(name, s, op) v->strs(v->u, name, (const char *const *)(s)->v, (s)->n, op, false)

/* An optional string: omitted when empty. */
static void opt(const struct record_visitor *v, const char *name, const char *val, enum merge_op op)
{
	if (val && *val)
		v->str(v->u, name, val, op);
}

/* A string that is null while unknown. */
static void nullable(const struct record_visitor *v, const char *name, const char *val, enum merge_op op)
{
	v->str(v->u, name, val && *val ? val : NULL, op);
}

static void time_field(const struct record_visitor *v, const char *name, uint64_t us, enum merge_op op)
{
	char t[32];
	as_format_time(us, t);
	v->str(v->u, name, t, op);
}

/* Token counts, when any were seen. */
static void usage(const struct record_visitor *v, uint64_t input_tokens, uint64_t output_tokens)
{
	if (!input_tokens && !output_tokens)
		return;
	OBJ("usage");
	NUM("input_tokens", input_tokens, OP_ADD);
	NUM("output_tokens", output_tokens, OP_ADD);
	END();
}

/* Answers streamed in sealed TLS records: counted, and their output
 * tokens estimated from record sizes — an estimate, and marked so. */
static void streamed(const struct record_visitor *v, const struct dest *d)
{
	if (!d->streams)
		return;
	OBJ("streamed");
	BOOL("estimated", true, OP_SET);
	NUM("responses", d->streams, OP_ADD);
	NUM("records", d->stream_records, OP_ADD);
	OBJ("output_tokens");
	NUM("estimate", d->stream_tokens, OP_ADD);
	NUM("min", d->stream_tokens_min, OP_ADD);
	NUM("max", d->stream_tokens_max, OP_ADD);
	END();
	SET("confidence", &d->stream_confidence, OP_UNION);
	END();
}

static void software(const struct record_visitor *v, const struct agent *ag)
{
	OBJ("software");
	nullable(v, "name", ag->sw_name, OP_LAST); /* a model server is named by the APIs it speaks */
	nullable(v, "version", ag->sw_version, OP_MAX);
	nullable(v, "runtime", ag->sw_runtime, OP_LAST);
	if (ag->user_agents.n)
		STR("user_agent", ag->user_agents.v[0], OP_MIN);
	END();
}

static void host(const struct record_visitor *v, const struct agent *ag)
{
	OBJ("host");
	STR("ip", ag->ip, OP_LAST);
	nullable(v, "mac", ag->mac, OP_SET);
	nullable(v, "hostname", ag->hostname[0] ? ag->hostname : ag->host.hostname, OP_LAST);
	nullable(v, "owner", ag->host.owner, OP_LAST);
	nullable(v, "team", ag->host.team, OP_LAST);
	nullable(v, "site", ag->host.site, OP_LAST);
	STR("key", ag->host_key, OP_SET);
	if (ag->host.tags[0]) {
		char tags[AS_STR];
		const char *t[32];
		size_t n = 0;
		text_copy(tags, sizeof tags, ag->host.tags);
		for (char *save = NULL, *s = strtok_r(tags, ",", &save); s && n < 32;
		     s = strtok_r(NULL, ",", &save))
			t[n++] = s;
		v->strs(v->u, "tags", t, n, OP_LAST, false);
	}
	if (ag->host.users && ag->host.users->n)
		SET("users", ag->host.users, OP_UNION);
	END();
}

void record_dest_key(const struct dest *d, char *out, size_t n)
{
	snprintf(out, n, "%s|%s|%s", d->service, d->endpoint, d->tls ? "tls" : "clear");
}

static void destinations(const struct record_visitor *v, const struct agent *ag)
{
	v->list_begin(v->u, "destinations");
	for (size_t i = 0; i < ag->n_dests; i++) {
		const struct dest *d = ag->dests[i];
		char key[AS_STR * 2];
		record_dest_key(d, key, sizeof key);
		v->item_begin(v->u, key);
		STR("service", d->service, OP_SET);
		STR("category", d->category, OP_SET);
		opt(v, "provider", d->provider, OP_SET);
		STR("endpoint", d->endpoint, OP_SET);
		STR("ip", d->ip, OP_SET);
		NUM("port", d->port, OP_SET);
		BOOL("tls", d->tls, OP_SET);
		SET("transports", &d->transports, OP_UNION);
		SET("basis", &d->bases, OP_UNION);
		if (d->decrypted)
			BOOL("decrypted", true, OP_MAX);
		NUM("flows", d->flows, OP_ADD);
		NUM("bytes", d->bytes, OP_ADD);
		NUM("requests", d->requests, OP_ADD);
		SET("models", &d->models, OP_UNION);
		SET("operations", &d->operations, OP_UNION);
		SET("ndpi", &d->app_protocols, OP_UNION);
		usage(v, d->input_tokens, d->output_tokens);
		streamed(v, d);
		v->item_end(v->u);
	}
	v->list_end(v->u);
}

static void server(const struct record_visitor *v, const struct agent *ag)
{
	OBJ("server");
	SET("apis", &ag->apis, OP_UNION);
	STR("endpoint", ag->listen, OP_SET);
	opt(v, "http_server", ag->server_header, OP_SET);
	NUM("requests", ag->requests, OP_ADD);
	SET("models", &ag->served_models, OP_UNION);
	SET("operations", &ag->served_ops, OP_UNION);
	SET("clients", &ag->clients, OP_UNION);
	usage(v, ag->input_tokens, ag->output_tokens);
	END();
}

static void credentials(const struct record_visitor *v, const struct agent *ag)
{
	v->list_begin(v->u, "credentials");
	for (size_t i = 0; i < ag->n_creds; i++) {
		const struct cred *c = &ag->creds[i];
		char fp[32], key[64];
		snprintf(fp, sizeof fp, "hmac-sha256:%s", c->fp);
		snprintf(key, sizeof key, "%s|%s", fp, cred_where_name(c->where));
		v->item_begin(v->u, key);
		STR("type", cred_type_name(c->type), OP_SET);
		STR("where", cred_where_name(c->where), OP_SET);
		BOOL("cleartext", c->cleartext, OP_MAX);
		STR("fingerprint", fp, OP_SET);
		v->item_end(v->u);
	}
	v->list_end(v->u);
}

static void peers(const struct record_visitor *v, const char *name, struct agent *const *p, size_t n,
		  bool with_endpoint)
{
	v->list_begin(v->u, name);
	for (size_t i = 0; i < n; i++) {
		v->item_begin(v->u, p[i]->id);
		STR("agent_id", p[i]->id, OP_SET);
		opt(v, "name", p[i]->sw_name, OP_LAST);
		opt(v, "version", p[i]->sw_version, OP_MAX);
		if (with_endpoint && p[i]->mcp.endpoint[0])
			STR("endpoint", p[i]->mcp.endpoint, OP_SET);
		else
			STR("host", p[i]->ip, OP_LAST);
		v->item_end(v->u);
	}
	v->list_end(v->u);
}

static const char *auth_mode(const struct agent_mcp *m)
{
	if (m->oauth_challenge)
		return "oauth";
	if (m->requests_authenticated)
		return m->requests_unauthenticated ? "mixed" : "bearer";
	return m->requests_unauthenticated ? "none" : "unknown";
}

/* "name version @ endpoint" of each server a client used. */
static void server_names(const struct record_visitor *v, const struct agent_mcp *m)
{
	char(*s)[AS_STR * 2 + 100] = calloc(m->n_peers + 1, sizeof *s);
	const char **p = calloc(m->n_peers + 1, sizeof *p);
	size_t n = 0;
	for (size_t i = 0; s && p && i < m->n_peers; i++, n++) {
		const struct agent *x = m->peers[i];
		snprintf(s[i], sizeof s[i], "%s%s%s @ %s", x->sw_name[0] ? x->sw_name : "unknown",
			 x->sw_version[0] ? " " : "", x->sw_version, x->mcp.endpoint);
		p[i] = s[i];
	}
	sort(p, n, sizeof *p, cstr_cmp); /* by what it says: the same whenever the peers were linked */
	v->strs(v->u, "servers", p, n, OP_LAST, false);
	free(s);
	free(p);
}

static void tools(const struct record_visitor *v, const struct agent_mcp *m)
{
	v->list_begin(v->u, "tools_listed");
	for (size_t i = 0; i < m->n_tools; i++) {
		const struct mcp_tool *t = &m->tools[i];
		if (!t->listed)
			continue;
		v->item_begin(v->u, t->name);
		STR("name", t->name, OP_SET);
		/* The server may state other hints in a later tools/list. */
		if (t->hints_set & RPC_HINT_READ_ONLY)
			BOOL("read_only", (t->hints & RPC_HINT_READ_ONLY) != 0, OP_LAST);
		if (t->hints_set & (RPC_HINT_DESTRUCTIVE | RPC_HINT_READ_ONLY))
			BOOL("destructive", tool_destructive(t), OP_LAST);
		if (t->hints_set & RPC_HINT_IDEMPOTENT)
			BOOL("idempotent", (t->hints & RPC_HINT_IDEMPOTENT) != 0, OP_LAST);
		if (t->hints_set & RPC_HINT_OPEN_WORLD)
			BOOL("open_world", (t->hints & RPC_HINT_OPEN_WORLD) != 0, OP_LAST);
		v->item_end(v->u);
	}
	v->list_end(v->u);
	v->list_begin(v->u, "tools_called");
	for (size_t i = 0; i < m->n_tools; i++) {
		const struct mcp_tool *t = &m->tools[i];
		if (!t->calls)
			continue;
		v->item_begin(v->u, t->name);
		STR("name", t->name, OP_SET);
		NUM("calls", t->calls, OP_ADD);
		if (t->hints_set)
			BOOL("destructive", tool_destructive(t), OP_LAST);
		v->item_end(v->u);
	}
	v->list_end(v->u);
}

static void mcp(const struct record_visitor *v, const struct agent *ag)
{
	const struct agent_mcp *m = &ag->mcp;
	bool is_server = ag->kind == KIND_MCP_SERVER;
	OBJ("mcp");
	STR("role", is_server ? "server" : "client", OP_SET);
	STR("protocol_version", m->versions.n ? m->versions.v[m->versions.n - 1] : "", OP_MAX);
	SET("protocol_versions", &m->versions, OP_UNION);
	nullable(v, "transport", m->transports.n ? m->transports.v[0] : NULL, OP_MIN);
	SET("transports", &m->transports, OP_UNION);
	if (is_server) {
		STR("endpoint", m->endpoint, OP_SET);
		STR("auth", auth_mode(m), OP_LAST);
		opt(v, "resource_metadata", m->resource_metadata, OP_LAST);
		peers(v, "clients", m->peers, m->n_peers, false);
	} else {
		server_names(v, m);
		peers(v, "server_agents", m->peers, m->n_peers, true);
	}
	SET("capabilities", &m->capabilities, OP_UNION);
	tools(v, m);
	SET("resources", &m->resources, OP_UNION);
	SET("prompts", &m->prompts, OP_UNION);
	SET("server_requests", &m->server_requests, OP_UNION);
	NUM("sessions", m->sessions.n + m->sessions.dropped, OP_MAX);
	NUM("messages", m->messages, OP_MAX);
	NUM("errors", m->errors, OP_MAX);
	END();
}

static void a2a(const struct record_visitor *v, const struct agent *ag)
{
	const struct agent_a2a *x = &ag->a2a;
	bool is_agent = ag->kind == KIND_A2A_AGENT;
	OBJ("a2a");
	STR("role", is_agent ? "agent" : "client", OP_SET);
	opt(v, "url", x->url, OP_LAST);
	opt(v, "protocol_version", x->protocol_version, OP_LAST);
	if (is_agent) {
		BOOL("streaming", x->streaming, OP_MAX);
		BOOL("push_notifications", x->push_notifications, OP_MAX);
		SET("skills", &x->skills, OP_UNION);
		SET("security", &x->security, OP_UNION);
	}
	SET("methods", &x->methods, OP_UNION);
	SET("protocol_versions", &x->versions, OP_UNION);
	SET("extensions", &x->extensions, OP_UNION);
	peers(v, is_agent ? "clients" : "agents", x->peers, x->n_peers, false);
	NUM("messages", x->messages, OP_MAX);
	END();
}

static void grant_key(const struct agent_oauth *g, char *out, size_t n)
{
	snprintf(out, n, "%s|%s", g->issuer, g->client_id);
}

static int grant_cmp(const void *pa, const void *pb)
{
	char x[AS_STR * 2 + 2], y[AS_STR * 2 + 2];
	grant_key(*(const struct agent_oauth *const *)pa, x, sizeof x);
	grant_key(*(const struct agent_oauth *const *)pb, y, sizeof y);
	return strcmp(x, y);
}

static void grant(const struct record_visitor *v, const struct agent_oauth *g)
{
	char key[AS_STR * 2 + 2];
	grant_key(g, key, sizeof key);
	v->item_begin(v->u, key);
	STR("issuer", g->issuer, OP_SET);
	STR("client_id", g->client_id, OP_SET);
	opt(v, "client_name", g->client_name, OP_LAST);
	STR("registration", g->registration, OP_LAST);
	SET("scopes", &g->scopes_requested, OP_UNION);
	SET("scopes_granted", &g->scopes_granted, OP_UNION);
	SET("grant_types", &g->grant_types, OP_UNION);
	SET("redirect_uris", &g->redirect_uris, OP_UNION);
	STR("pkce", g->pkce[0] ? g->pkce : "unknown", OP_LAST);
	opt(v, "client_auth", g->client_auth, OP_LAST);
	nullable(v, "resource", g->resources.n ? g->resources.v[0] : NULL, OP_MIN);
	SET("token_types", &g->token_types, OP_UNION);
	opt(v, "token_type", g->token_type, OP_LAST);
	if (g->max_expires_in)
		NUM("expires_in", g->max_expires_in, OP_MAX);
	BOOL("refresh_token", g->refresh_token, OP_MAX);
	BOOL("consented", g->consented, OP_MAX);
	if (g->mcp_server)
		STR("mcp_server", g->mcp_server->id, OP_SET);
	v->item_end(v->u);
}

static void oauth(const struct record_visitor *v, const struct agent *ag)
{
	/* An MCP client shows the grants its oauth-client record obtained. */
	const struct agent *other = ag->oauth_agent && ag->oauth_agent != ag ? ag->oauth_agent : NULL;
	const struct agent_oauth *g[2 * AS_AGENT_MAX_SET]; /* each holds at most AS_AGENT_MAX_SET */
	size_t n = 0;
	for (size_t i = 0; i < ag->n_oauth; i++)
		g[n++] = &ag->oauth[i];
	for (size_t i = 0; other && i < other->n_oauth; i++)
		g[n++] = &other->oauth[i];
	sort(g, n, sizeof *g, grant_cmp);
	v->list_begin(v->u, "oauth");
	for (size_t i = 0; i < n; i++)
		grant(v, g[i]);
	v->list_end(v->u);
	SET("identity_providers", &ag->identity_providers, OP_UNION);
	SET("identity_providers_basis", &ag->identity_basis, OP_UNION);
}

/* What of its conversations a span did not show: `client-to-server` (no
 * message the client sent), `server-to-client` (none the server sent),
 * `initialize` (not its own side of it). The record omits it once nothing
 * is missing; a registry then holds it empty. */
static void partial(const struct record_visitor *v, const struct agent *ag)
{
	const struct agent_mcp *m = &ag->mcp;
	if (!m->present)
		return;
	const char *p[3];
	size_t n = 0;
	if (!m->from_client)
		p[n++] = "client-to-server";
	if (!m->initialize_seen)
		p[n++] = "initialize";
	if (!m->from_server)
		p[n++] = "server-to-client";
	v->strs(v->u, RECORD_OMITTED_EMPTY, p, n, OP_LAST, true);
}

void record_walk(const struct agent *ag, const struct record_visitor *v)
{
	OBJ(NULL);
	STR("agent_id", ag->id, OP_SET);
	STR("kind", kind_name(ag->kind), OP_SET);
	software(v, ag);
	if (ag->product) {
		OBJ("product");
		STR("id", ag->product->id, OP_LAST);
		STR("name", ag->product->name, OP_LAST);
		STR("vendor", ag->product->vendor, OP_LAST);
		nullable(v, "version", ag->sw_version, OP_MAX);
		END();
		SET("related", &ag->related, OP_UNION);
	}
	host(v, ag);
	time_field(v, "first_seen", ag->first_us, OP_MIN);
	time_field(v, "last_seen", ag->last_us, OP_MAX);
	destinations(v, ag);
	if (ag->kind == KIND_LLM_SERVER)
		server(v, ag);
	credentials(v, ag);
	OBJ("fingerprints");
	SET("ja3", &ag->ja3, OP_UNION);
	SET("ja4", &ag->ja4, OP_UNION);
	SET("user_agents", &ag->user_agents, OP_UNION);
	END();
	if (ag->mcp.present)
		mcp(v, ag);
	if (ag->a2a.present)
		a2a(v, ag);
	if (ag->n_oauth || ag->oauth_agent || ag->identity_providers.n)
		oauth(v, ag);
	const char *risks[RISK_COUNT];
	size_t n = 0;
	for (int r = 0; r < RISK_COUNT; r++)
		if (ag->risks & (1u << r))
			risks[n++] = risk_name((enum risk)r);
	v->strs(v->u, "risks", risks, n, OP_UNION, false);
	OBJ(RECORD_OMITTED_EMPTY_IN);
	NUM("flows", ag->flows, OP_ADD);
	opt(v, "first_flow", ag->first_flow, OP_MIN);
	STR("identity", ag->identity, OP_SET);
	SET("basis", &ag->bases, OP_UNION);
	if (ag->decrypted)
		BOOL("decrypted", true, OP_MAX);
	partial(v, ag);
	END();
	END();
}

/* ---- the JSON visitor ---- */

static void j_obj_begin(void *u, const char *name)
{
	jw_obj_begin(u, name);
}

static void j_obj_end(void *u)
{
	jw_obj_end(u);
}

static void j_list_begin(void *u, const char *name)
{
	jw_arr_begin(u, name);
}

static void j_item_begin(void *u, const char *key)
{
	(void)key;
	jw_obj_begin(u, NULL);
}

static void j_list_end(void *u)
{
	jw_arr_end(u);
}

static void j_str(void *u, const char *name, const char *val, enum merge_op op)
{
	(void)op;
	if (val)
		jw_str(u, name, val);
	else
		jw_null(u, name);
}

static void j_num(void *u, const char *name, uint64_t val, enum merge_op op)
{
	(void)op;
	jw_u64(u, name, val);
}

static void j_bool(void *u, const char *name, bool val, enum merge_op op)
{
	(void)op;
	jw_bool(u, name, val);
}

static void j_strs(void *u, const char *name, const char *const *val, size_t n, enum merge_op op,
		   bool optional)
{
	(void)op;
	if (optional && !n)
		return;
	jw_arr_begin(u, name);
	for (size_t i = 0; i < n; i++)
		jw_str(u, NULL, val[i]);
	jw_arr_end(u);
}

void record_json(const struct agent *ag, struct jw *w)
{
	const struct record_visitor v = {
	    j_obj_begin, j_obj_end, j_list_begin, j_item_begin, j_obj_end, j_list_end,
	    j_str,	 j_num,	    j_bool,	  j_strs,	w};
	record_walk(ag, &v);
}
