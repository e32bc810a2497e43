/* audit_summary.c — the report's first section: key figures, agents by
 * kind and owner, the AI services reached and the policy's verdict on
 * them, hosted and self-hosted model servers, MCP servers and their tools,
 * OAuth grants, credentials in clear, and what was seen in content rather
 * than inferred from a name. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_internal.h"
#include "limits.h"

static void tile(struct html *h, uint64_t v, const char *label, bool bad)
{
	html_fmt(h, "<div class=\"tile%s\"><b>", bad && v ? " bad" : "");
	put_num(h, v);
	html_fmt(h, "</b><span>%s</span></div>", label);
}

static bool has_high(const struct aag *a)
{
	for (size_t i = 0; i < json_array_size(a->risks); i++)
		if (risk_info(json_string_value(json_array_get(a->risks, i))).sev == SEV_HIGH)
			return true;
	return false;
}

static bool dest_content(json_t *d)
{
	json_t *b = json_object_get(d, "basis");
	return !json_array_size(b) || jhas(b, "content");
}

/* A group's agents as bars: the top n, the rest in one. */
static void bars_of(struct html *h, const char *title, struct groups *g, size_t top, const char *other,
		    bool kind_colors)
{
	const char *labels[16], *colors[16];
	uint64_t values[16];
	size_t n = 0;
	top = top > 15 ? 15 : top;
	for (size_t i = 0; i < g->n; i++) {
		if (i < top) {
			labels[n] = g->v[i]->key[0] ? g->v[i]->key : other;
			colors[n] = kind_colors ? kind_color(g->v[i]->key) : "#2f6fb3";
			values[n++] = g->v[i]->n;
		} else if (i == top) {
			labels[n] = "the others";
			colors[n] = "#95a5a6";
			values[n++] = g->v[i]->n;
		} else {
			values[n - 1] += g->v[i]->n;
		}
	}
	svg_bars(h, title, labels, values, colors, n);
}

/* ---- AI services reached ---- */

static void services_table(struct page *p, struct groups *svc)
{
	struct html *h = p->h;
	static const char *const cols[] = {"Service", "Category", "Provider", "Policy", "#Agents", "#Flows", "#Bytes",
					   "Evidence"};
	table_begin(h, "t-services", cols, 8, svc->n);
	for (size_t i = 0; i < svc->n; i++) {
		struct group *g = svc->v[i];
		enum verdict v = dest_verdict(p, g->ref);
		char b[32];
		table_row(h, i);
		put_td(h, NULL, jstr(g->ref, "service"));
		put_td(h, NULL, jstr(g->ref, "category"));
		put_td(h, NULL, jstr(g->ref, "provider"));
		html_fmt(h, "<td class=v%d>%s</td><td class=n>", (int)v, verdict_name[v]);
		put_num(h, g->n);
		html_raw(h, "</td><td class=n>");
		put_num(h, g->a);
		fmt_bytes(b, g->b);
		html_fmt(h, "</td><td class=n data-v=\"%llu\">%s</td><td>%s</td></tr>", (unsigned long long)g->b, b,
			 g->flag ? "seen in content" : "inferred from names");
	}
	table_end(h, "t-services", svc->n);
}

/* ---- model servers ---- */

/* A row's last cells: the record behind it (if any) and its risks. */
static void agent_cells(struct page *p, const struct aag *a)
{
	html_raw(p->h, "<td>");
	if (a)
		put_agent(p, a);
	html_raw(p->h, "</td><td>");
	if (a)
		put_risks(p->h, a->risks);
	html_raw(p->h, "</td></tr>");
}

static void model_servers(struct page *p, struct groups *hosted, struct groups *self)
{
	struct html *h = p->h;
	html_raw(h, "<h3>Model servers: hosted and self-hosted</h3><p>Hosted LLM APIs: ");
	size_t k = 0;
	for (size_t i = 0; i < hosted->n; i++) {
		html_raw(h, k++ ? ", " : "");
		html_esc(h, hosted->v[i]->key);
		html_fmt(h, " <span class=dim>(%zu agent%s)</span>", hosted->v[i]->n, hosted->v[i]->n == 1 ? "" : "s");
	}
	html_raw(h, k ? "." : "none.");
	html_fmt(h, " Self-hosted model servers (Ollama, vLLM, LiteLLM, TGI and other compatible servers, "
		    "found by their API on any port): %zu.</p>",
		 self->n);
	if (!self->n)
		return;
	static const char *const cols[] = {"Server", "Address", "API", "Software", "Models", "#Clients", "#Requests",
					   "Record", "Risks"};
	table_begin(h, "t-llm-servers", cols, 9, self->n);
	for (size_t i = 0; i < self->n; i++) {
		struct group *g = self->v[i];
		json_t *srv = json_object_get(g->ref, "server");
		const struct aag *a = agent_of(p, jstr(g->ref, "agent_id"));
		table_row(h, i);
		html_raw(h, "<td>");
		put_set(h, g->set, NULL, "<br>");
		html_raw(h, "</td>");
		put_td(h, "mono", g->key);
		html_raw(h, "<td>");
		put_list(h, json_object_get(srv, "apis"), ", ");
		html_raw(h, "</td>");
		put_td(h, NULL, jstr(srv, "http_server"));
		html_raw(h, "<td>");
		put_list(h, json_object_get(srv, "models"), ", ");
		size_t clients = json_array_size(json_object_get(srv, "clients"));
		html_raw(h, "</td><td class=n>");
		put_num(h, clients > g->n ? clients : g->n);
		html_raw(h, "</td><td class=n>");
		put_num(h, g->a > juint(srv, "requests") ? g->a : juint(srv, "requests"));
		html_raw(h, "</td>");
		agent_cells(p, a);
	}
	table_end(h, "t-llm-servers", self->n);
}

/* ---- MCP servers ---- */

void put_tools(struct html *h, json_t *mcp)
{
	json_t *listed = json_object_get(mcp, "tools_listed"), *called = json_object_get(mcp, "tools_called"), *t;
	size_t i;
	json_array_foreach(listed, i, t)
	{
		const char *name = jstr(t, "name");
		uint64_t calls = 0;
		for (size_t c = 0; c < json_array_size(called); c++)
			if (name && jstr(json_array_get(called, c), "name") &&
			    !strcmp(name, jstr(json_array_get(called, c), "name")))
				calls += juint(json_array_get(called, c), "calls");
		html_fmt(h, "<span class=\"tool%s\" title=\"%s%s\">", jtrue(t, "destructive") ? " destructive"
								     : jtrue(t, "read_only")   ? " ro"
											       : "",
			 jtrue(t, "destructive") ? "destructive" : jtrue(t, "read_only") ? "read-only" : "tool",
			 calls ? ", called" : "");
		html_esc(h, name);
		if (calls)
			html_fmt(h, " &times;%llu", (unsigned long long)calls);
		html_raw(h, "</span>");
	}
	/* called but never seen listed */
	json_array_foreach(called, i, t)
	{
		const char *name = jstr(t, "name");
		bool in_list = false;
		for (size_t c = 0; !in_list && c < json_array_size(listed); c++)
			in_list = name && jstr(json_array_get(listed, c), "name") &&
				  !strcmp(name, jstr(json_array_get(listed, c), "name"));
		if (in_list || !name)
			continue;
		html_fmt(h, "<span class=\"tool%s\" title=\"called\">", jtrue(t, "destructive") ? " destructive" : "");
		html_esc(h, name);
		html_fmt(h, " &times;%llu</span>", (unsigned long long)juint(t, "calls"));
	}
}

static void mcp_servers(struct page *p, struct groups *mcp)
{
	struct html *h = p->h;
	html_fmt(h, "<h3>MCP servers and their tools</h3><p class=note>%zu server%s. Tools in red are marked "
		    "destructive by their server, grey ones read-only; &times;N: calls seen.</p>",
		 mcp->n, mcp->n == 1 ? "" : "s");
	if (!mcp->n)
		return;
	static const char *const cols[] = {"Server", "Endpoint", "Auth", "Tools", "#Clients", "Record", "Risks"};
	table_begin(h, "t-mcp", cols, 7, mcp->n);
	for (size_t i = 0; i < mcp->n; i++) {
		struct group *g = mcp->v[i];
		const struct aag *srv = g->flag ? agent_of(p, jstr(g->ref, "agent_id")) : NULL;
		json_t *m = json_object_get(g->ref, "mcp");
		table_row(h, i);
		html_raw(h, "<td>");
		put_set(h, g->set, NULL, "<br>");
		html_raw(h, "</td>");
		put_td(h, "mono", g->key);
		put_td(h, NULL, srv ? jstr(m, "auth") : NULL);
		html_raw(h, "<td>");
		if (g->ref)
			put_tools(h, m);
		size_t clients = srv ? json_array_size(json_object_get(m, "clients")) : 0;
		html_raw(h, "</td><td class=n>");
		put_num(h, clients > g->n ? clients : g->n);
		html_raw(h, "</td>");
		agent_cells(p, srv);
	}
	table_end(h, "t-mcp", mcp->n);
}

/* ---- OAuth grants, credentials ---- */

static void grants_table(struct page *p, struct groups *grants)
{
	struct html *h = p->h;
	html_fmt(h, "<h3>OAuth grants</h3><p class=note>%zu grant%s of delegated access (one per issuer and client).</p>",
		 grants->n, grants->n == 1 ? "" : "s");
	if (!grants->n)
		return;
	static const char *const cols[] = {"Issuer", "Client", "Registration", "Scopes", "Grant types", "PKCE",
					   "Refresh token", "Resource", "Agents"};
	table_begin(h, "t-grants", cols, 9, grants->n);
	for (size_t i = 0; i < grants->n; i++) {
		json_t *g = grants->v[i]->ref;
		json_t *scopes = json_object_get(g, jlen(g, "scopes_granted") ? "scopes_granted" : "scopes");
		table_row(h, i);
		put_td(h, NULL, jstr(g, "issuer"));
		html_raw(h, "<td>");
		html_esc(h, jstr(g, "client_name"));
		html_raw(h, "<br><code>");
		html_esc(h, jstr(g, "client_id"));
		html_raw(h, "</code></td>");
		put_td(h, NULL, jstr(g, "registration"));
		html_raw(h, "<td>");
		put_list(h, scopes, " ");
		html_raw(h, "</td><td>");
		put_list(h, json_object_get(g, "grant_types"), ", ");
		html_raw(h, "</td>");
		put_td(h, NULL, jstr(g, "pkce"));
		put_td(h, NULL, jtrue(g, "refresh_token") ? "yes" : NULL);
		put_td(h, NULL, jstr(g, "resource"));
		html_raw(h, "<td>");
		put_agents(p, grants->v[i]->idx, grants->v[i]->n, AS_REPORT_LINKS);
		html_raw(h, "</td></tr>");
	}
	table_end(h, "t-grants", grants->n);
}

static void clear_table(struct page *p, struct groups *clear, size_t creds)
{
	struct html *h = p->h;
	html_fmt(h, "<h3>Credentials in clear</h3><p class=note>%zu of the %zu credentials seen crossed the network "
		    "without TLS. Each is shown by its keyed fingerprint, never its value.</p>",
		 clear->n, creds);
	if (!clear->n)
		return;
	static const char *const cols[] = {"Fingerprint", "Type", "Where", "Agents"};
	table_begin(h, "t-clear", cols, 4, clear->n);
	for (size_t i = 0; i < clear->n; i++) {
		json_t *c = clear->v[i]->ref;
		table_row(h, i);
		put_td(h, "mono", jstr(c, "fingerprint"));
		put_td(h, NULL, jstr(c, "type"));
		put_td(h, NULL, jstr(c, "where"));
		html_raw(h, "<td>");
		put_agents(p, clear->v[i]->idx, clear->v[i]->n, AS_REPORT_LINKS);
		html_raw(h, "</td></tr>");
	}
	table_end(h, "t-clear", clear->n);
}

/* ---- gathering ---- */

struct gather {
	struct groups kinds, owners, hosts, services, hosted, self, mcp, grants, clear, creds, verdicts;
	size_t risky, high, inferred, dests, dests_inferred, unsanctioned;
};

static void key2(char *out, size_t n, const char *a, const char *b)
{
	snprintf(out, n, "%s\x1f%s", a ? a : "", b ? b : "");
}

static void gather_dest(struct page *p, struct gather *g, uint32_t i, json_t *d)
{
	char k[1200];
	enum verdict v = dest_verdict(p, d);
	g->dests++;
	g->dests_inferred += !dest_content(d);
	key2(k, sizeof k, jstr(d, "service"), verdict_name[v]);
	struct group *s = groups_add(&g->services, k, i);
	if (s) {
		s->ref = s->ref ? s->ref : d;
		s->a += juint(d, "flows");
		s->b += juint(d, "bytes");
		s->flag = s->flag || dest_content(d);
	}
	groups_add(&g->verdicts, verdict_name[v], i);
	const char *cat = jstr(d, "category");
	if (cat && !strcmp(cat, "llm-api"))
		groups_add(&g->hosted, jstr(d, "service"), i);
	if (cat && !strcmp(cat, "llm-server") && jstr(d, "ip")) {
		/* as a server's record writes its endpoint: [v6]:port */
		bool v6 = strchr(jstr(d, "ip"), ':') != NULL;
		snprintf(k, sizeof k, "%s%s%s:%llu", v6 ? "[" : "", jstr(d, "ip"), v6 ? "]" : "",
			 (unsigned long long)juint(d, "port"));
		struct group *m = groups_add(&g->self, k, i);
		if (m) {
			group_note(m, jstr(d, "endpoint"));
			m->a += juint(d, "requests");
		}
	}
}

void mcp_note(struct page *p, struct groups *mcp, uint32_t i)
{
	struct aag *a = &p->ag[i];
	json_t *rec = a->rec, *m = json_object_get(rec, "mcp"), *x;
	size_t k;
	json_array_foreach(json_object_get(rec, "destinations"), k, x)
	{
		const char *cat = jstr(x, "category");
		if (cat && !strcmp(cat, "mcp-server")) { /* a hosted MCP server, reached by name */
			struct group *gr = groups_add(mcp, jstr(x, "endpoint") ? jstr(x, "endpoint") : "?", i);
			group_note(gr, jstr(x, "service"));
		}
	}
	if (a->kind && !strcmp(a->kind, "mcp-server")) {
		struct group *gr = groups_add(mcp, jstr(m, "endpoint") ? jstr(m, "endpoint") : a->ip ? a->ip : "?",
					      UINT32_MAX);
		if (gr && !gr->flag) { /* the server's own record describes it best */
			gr->ref = rec;
			gr->flag = true;
		}
		char name[600];
		snprintf(name, sizeof name, "%s%s%s", a->sw ? a->sw : "", jstr2(rec, "software", "version") ? " " : "",
			 jstr2(rec, "software", "version") ? jstr2(rec, "software", "version") : "");
		group_note(gr, name);
	}
	if (a->kind && !strcmp(a->kind, "mcp-client"))
		json_array_foreach(json_object_get(m, "server_agents"), k, x)
		{
			struct group *gr = groups_add(mcp, jstr(x, "endpoint") ? jstr(x, "endpoint") : "?", i);
			char name[600]; /* as the server's record names itself */
			snprintf(name, sizeof name, "%s%s%s", jstr(x, "name") ? jstr(x, "name") : "",
				 jstr(x, "version") ? " " : "", jstr(x, "version") ? jstr(x, "version") : "");
			group_note(gr, name);
			/* tools a client listed are its server's only when it has one server */
			if (gr && !gr->ref && jlen(m, "server_agents") == 1)
				gr->ref = rec;
		}
}

static void gather_agent(struct page *p, struct gather *g, uint32_t i)
{
	struct aag *a = &p->ag[i];
	json_t *rec = a->rec, *x;
	size_t k;
	char key[1200];
	groups_add(&g->kinds, a->kind ? a->kind : "?", i);
	groups_add(&g->owners, a->owner ? a->owner : "", i);
	groups_add(&g->hosts, a->host_key ? a->host_key : a->ip ? a->ip : "?", i);
	g->risky += json_array_size(a->risks) > 0;
	g->high += has_high(a);
	g->inferred += !a->content;
	g->unsanctioned += jhas(a->risks, RISK_UNSANCTIONED);
	json_array_foreach(json_object_get(rec, "destinations"), k, x) gather_dest(p, g, i, x);
	json_array_foreach(json_object_get(rec, "oauth"), k, x)
	{
		key2(key, sizeof key, jstr(x, "issuer"), jstr(x, "client_id"));
		struct group *gr = groups_add(&g->grants, key, i);
		if (gr && !gr->ref)
			gr->ref = x;
	}
	json_array_foreach(json_object_get(rec, "credentials"), k, x)
	{
		const char *fp = jstr(x, "fingerprint");
		if (!fp)
			continue;
		groups_add(&g->creds, fp, i);
		struct group *gr = jtrue(x, "cleartext") ? groups_add(&g->clear, fp, i) : NULL;
		if (gr && !gr->ref)
			gr->ref = x;
	}
	json_t *srv = json_object_get(rec, "server");
	if (a->kind && !strcmp(a->kind, "llm-server")) {
		const char *ep = jstr(srv, "endpoint") ? jstr(srv, "endpoint") : a->ip ? a->ip : "?";
		struct group *gr = groups_add(&g->self, ep, UINT32_MAX);
		if (gr && !gr->ref)
			gr->ref = rec;
		group_note(gr, a->hostname);
	}
	mcp_note(p, &g->mcp, i);
}

static void gather_free(struct gather *g)
{
	struct groups *all[] = {&g->kinds,  &g->owners, &g->hosts,  &g->services, &g->hosted,  &g->self,
				&g->mcp,    &g->grants, &g->clear, &g->creds,	 &g->verdicts};
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		groups_free(all[i]);
}

void audit_summary(struct page *p)
{
	struct html *h = p->h;
	struct gather g;
	memset(&g, 0, sizeof g);
	struct groups *all[] = {&g.kinds, &g.owners, &g.hosts, &g.services, &g.hosted,  &g.self,
				&g.mcp,	  &g.grants, &g.clear, &g.creds,    &g.verdicts};
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		groups_init(all[i]);
	for (uint32_t i = 0; i < p->n; i++)
		gather_agent(p, &g, i);
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		groups_sort(all[i], group_by_agents);
	size_t known_owners = g.owners.n;
	for (size_t i = 0; i < g.owners.n; i++)
		known_owners -= !g.owners.v[i]->key[0];

	html_raw(h, "<section id=summary><h2>Summary</h2><div class=tiles>");
	tile(h, p->n, "AI agents", false);
	tile(h, g.hosts.n, "hosts with agents", false);
	tile(h, known_owners, "owners with agents", false);
	tile(h, g.risky, "agents with risks", true);
	tile(h, g.high, "agents with a high risk", true);
	tile(h, g.clear.n, "credentials in clear", true);
	tile(h, g.mcp.n, "MCP servers", false);
	tile(h, g.grants.n, "OAuth grants", false);
	if (p->policy)
		tile(h, g.unsanctioned, "agents reaching unsanctioned AI", true);
	tile(h, g.inferred, "agents inferred from names only", false);
	html_raw(h, "</div><div class=cols><div>");
	bars_of(h, "Agents by kind", &g.kinds, 15, "?", true);
	html_raw(h, "</div><div>");
	bars_of(h, "Agents by owner", &g.owners, 8, "unknown owner", false);
	html_raw(h, "</div><div>");
	{
		const char *labels[] = {"agents: seen in content", "agents: from names only", "destinations: in content",
					"destinations: from names"};
		const char *colors[] = {"#1e8449", "#95a5a6", "#1e8449", "#95a5a6"};
		uint64_t values[] = {p->n - g.inferred, g.inferred, g.dests - g.dests_inferred, g.dests_inferred};
		svg_bars(h, "Seen in content or inferred from a name (SNI, DNS, JA4)", labels, values, colors, 4);
	}
	html_raw(h, "</div>");
	if (g.verdicts.n) {
		const char *labels[4], *colors[4];
		uint64_t values[4];
		static const char *const vcolor[] = {"#95a5a6", "#1e8449", "#c0392b", "#7f8c8d"};
		static const enum verdict order[] = {V_SANCTIONED, V_NOT_SANCTIONED, V_SELF_HOSTED, V_NO_POLICY};
		size_t n = 0;
		for (size_t v = 0; v < 4; v++) {
			enum verdict vv = order[v];
			struct group *gr = hmap_get(&g.verdicts.map, verdict_name[vv], strlen(verdict_name[vv]));
			if (gr) {
				labels[n] = verdict_name[vv];
				colors[n] = vcolor[vv];
				values[n++] = gr->n;
			}
		}
		html_raw(h, "<div>");
		svg_bars(h, p->policy ? "Agents by the policy's verdict on what they reach"
				      : "Agents by what they reach (no policy configured)",
			 labels, values, colors, n);
		html_raw(h, "</div>");
	}
	html_raw(h, "</div><h3>AI services reached</h3>");
	if (!p->policy)
		html_raw(h, "<p class=note>No policy is configured (<code>policy.sanctioned_providers</code>, "
			    "<code>policy.sanctioned_services</code>): services are listed, not judged.</p>");
	services_table(p, &g.services);
	model_servers(p, &g.hosted, &g.self);
	mcp_servers(p, &g.mcp);
	grants_table(p, &g.grants);
	clear_table(p, &g.clear, g.creds.n);
	html_raw(h, "</section>\n");
	gather_free(&g);
}
