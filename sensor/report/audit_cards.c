/* audit_cards.c — one card per agent: where it runs, what it connects to,
 * what it can do, its risks and the evidence; cards beyond a page wait
 * behind "show all", and only the first few are open. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_internal.h"
#include "limits.h"

static void kv(struct html *h, const char *label, const char *value)
{
	if (!value)
		return;
	html_fmt(h, "<dt>%s</dt><dd>", label);
	html_esc(h, value);
	html_raw(h, "</dd>");
}

static void kv_list(struct html *h, const char *label, json_t *arr, const char *sep)
{
	if (!json_array_size(arr))
		return;
	html_fmt(h, "<dt>%s</dt><dd>", label);
	put_list(h, arr, sep);
	html_raw(h, "</dd>");
}

static void where(struct page *p, const struct aag *a)
{
	struct html *h = p->h;
	json_t *host = json_object_get(a->rec, "host"), *prod = json_object_get(a->rec, "product");
	html_raw(h, "<div><h4>Where</h4><dl class=kv>");
	kv(h, "Address", a->ip);
	kv(h, "Name", a->hostname);
	kv(h, "MAC", jstr(host, "mac"));
	kv(h, "Host key", a->host_key);
	kv(h, "Owner", a->owner ? a->owner : "unknown");
	kv(h, "Team", a->team);
	kv(h, "Site", jstr(host, "site"));
	kv_list(h, "Users", json_object_get(host, "users"), ", ");
	html_raw(h, "<dt>Seen</dt><dd>");
	put_time(h, jstr(a->rec, "first_seen"));
	html_raw(h, " to ");
	put_time(h, jstr(a->rec, "last_seen"));
	html_raw(h, "</dd>");
	if (jstr(prod, "name")) {
		const char *const what[] = {jstr(prod, "name"), jstr(prod, "version"), jstr(prod, "vendor")};
		html_raw(h, "<dt>Product</dt><dd>");
		put_join(h, " ", what, 3);
		html_raw(h, "</dd>");
	}
	json_t *rel = json_object_get(a->rec, "related");
	if (json_array_size(rel)) {
		html_raw(h, "<dt>Related</dt><dd>");
		for (size_t i = 0; i < json_array_size(rel); i++) {
			const char *id = json_string_value(json_array_get(rel, i));
			const struct aag *o = agent_of(p, id);
			html_raw(h, i ? " " : "");
			if (o)
				put_agent(p, o);
			else
				html_esc(h, id);
		}
		html_raw(h, "</dd>");
	}
	html_raw(h, "</dl></div>");
}

static void destination(struct page *p, json_t *d)
{
	struct html *h = p->h;
	enum verdict v = dest_verdict(p, d);
	char b[32];
	html_raw(h, "<li><b>");
	html_esc(h, jstr(d, "service"));
	html_raw(h, "</b> <span class=mono>");
	html_esc(h, jstr(d, "endpoint"));
	html_raw(h, "</span> ");
	if (json_is_boolean(json_object_get(d, "tls")))
		html_raw(h, jtrue(d, "tls") ? (jtrue(d, "decrypted") ? "TLS, read with a key log" : "TLS")
					    : "<b>cleartext</b>");
	if (v != V_NO_POLICY)
		html_fmt(h, ", <span class=v%d>%s</span>", (int)v, verdict_name[v]);
	fmt_bytes(b, juint(d, "bytes"));
	html_fmt(h, "<br><span class=dim>%llu flow%s, %s", (unsigned long long)juint(d, "flows"),
		 juint(d, "flows") == 1 ? "" : "s", b);
	if (juint(d, "requests"))
		html_fmt(h, ", %llu requests", (unsigned long long)juint(d, "requests"));
	if (jlen(d, "operations")) {
		html_raw(h, ", ");
		put_list(h, json_object_get(d, "operations"), ", ");
	}
	json_t *basis = json_object_get(d, "basis");
	if (json_array_size(basis) && !jhas(basis, "content")) {
		html_raw(h, "; inferred from ");
		put_list(h, basis, ", ");
	}
	html_raw(h, "</span>");
	if (jlen(d, "models")) {
		html_raw(h, "<br>models ");
		put_list(h, json_object_get(d, "models"), ", ");
	}
	html_raw(h, "</li>");
}

static void connects(struct page *p, const struct aag *a)
{
	struct html *h = p->h;
	json_t *rec = a->rec, *x, *m = json_object_get(rec, "mcp"), *a2a = json_object_get(rec, "a2a"),
	       *srv = json_object_get(rec, "server");
	size_t i, n = 0;
	html_raw(h, "<div><h4>Connects to</h4><ul>");
	json_array_foreach(json_object_get(rec, "destinations"), i, x) destination(p, x), n++;
	json_array_foreach(json_object_get(m, "servers"), i, x) if (json_is_string(x))
	{
		html_raw(h, "<li>MCP server <span class=mono>");
		html_esc(h, json_string_value(x));
		html_raw(h, "</span></li>");
		n++;
	}
	if (jstr(m, "endpoint")) { /* a server: who reaches it */
		html_raw(h, "<li>serves MCP at <span class=mono>");
		html_esc(h, jstr(m, "endpoint"));
		html_fmt(h, "</span> to %zu client%s", jlen(m, "clients"), jlen(m, "clients") == 1 ? "" : "s");
		if (jstr(m, "auth")) {
			html_raw(h, ", auth ");
			html_esc(h, jstr(m, "auth"));
		}
		html_raw(h, "</li>");
		n++;
	}
	if (json_is_object(srv)) {
		html_raw(h, "<li>serves ");
		put_list(h, json_object_get(srv, "apis"), ", ");
		html_raw(h, " at <span class=mono>");
		html_esc(h, jstr(srv, "endpoint"));
		html_fmt(h, "</span> to %zu client%s, %llu requests", jlen(srv, "clients"),
			 jlen(srv, "clients") == 1 ? "" : "s", (unsigned long long)juint(srv, "requests"));
		html_raw(h, "</li>");
		n++;
	}
	if (jstr(a2a, "url")) {
		html_raw(h, "<li>A2A agent card <span class=mono>");
		html_esc(h, jstr(a2a, "url"));
		html_raw(h, "</span></li>");
		n++;
	}
	if (jlen(rec, "identity_providers")) {
		html_raw(h, "<li>identity providers ");
		put_list(h, json_object_get(rec, "identity_providers"), ", ");
		html_raw(h, " <span class=dim>(by name only)</span></li>");
		n++;
	}
	html_raw(h, n ? "</ul></div>" : "<li class=dim>nothing seen</li></ul></div>");
}

static void can_do(struct page *p, const struct aag *a)
{
	struct html *h = p->h;
	json_t *rec = a->rec, *x, *m = json_object_get(rec, "mcp");
	size_t i;
	size_t at = h->len;
	html_raw(h, "<div><h4>Can do</h4><dl class=kv>");
	size_t empty = h->len;
	json_t *models = json_object();
	json_array_foreach(json_object_get(rec, "destinations"), i, x)
	{
		size_t k;
		json_t *mod;
		json_array_foreach(json_object_get(x, "models"), k, mod) if (json_is_string(mod))
		    json_object_set_new(models, json_string_value(mod), json_true());
	}
	json_array_foreach(json_object_get(json_object_get(rec, "server"), "models"), i, x) if (json_is_string(x))
	    json_object_set_new(models, json_string_value(x), json_true());
	if (json_object_size(models)) {
		html_raw(h, "<dt>Models</dt><dd>");
		put_set(h, models, NULL, ", ");
		html_raw(h, "</dd>");
	}
	json_decref(models);
	if (json_is_object(m)) {
		const char *const what[] = {jstr(m, "role"), jstr(m, "transport"), jstr(m, "protocol_version")};
		html_raw(h, "<dt>MCP</dt><dd>");
		put_join(h, " ", what, 3);
		html_raw(h, "</dd>");
		if (jlen(m, "tools_listed") || jlen(m, "tools_called")) {
			html_raw(h, "<dt>Tools</dt><dd>");
			put_tools(h, m);
			html_raw(h, "</dd>");
		}
		kv_list(h, "Resources", json_object_get(m, "resources"), ", ");
		kv_list(h, "Server asks", json_object_get(m, "server_requests"), ", ");
	}
	json_t *a2a = json_object_get(rec, "a2a");
	kv_list(h, "A2A skills", json_object_get(a2a, "skills"), ", ");
	kv_list(h, "A2A methods", json_object_get(a2a, "methods"), ", ");
	json_array_foreach(json_object_get(rec, "oauth"), i, x)
	{
		html_raw(h, "<dt>OAuth</dt><dd>");
		html_esc(h, jstr(x, "client_name") ? jstr(x, "client_name") : jstr(x, "client_id"));
		html_raw(h, " at ");
		html_esc(h, jstr(x, "issuer"));
		html_raw(h, "<br>scopes ");
		put_list(h, json_object_get(x, jlen(x, "scopes_granted") ? "scopes_granted" : "scopes"), " ");
		html_raw(h, "; ");
		put_list(h, json_object_get(x, "grant_types"), ", ");
		html_raw(h, "; PKCE ");
		html_esc(h, jstr(x, "pkce") ? jstr(x, "pkce") : "?");
		html_raw(h, jtrue(x, "refresh_token") ? "; a refresh token" : "");
		html_raw(h, "</dd>");
	}
	json_array_foreach(json_object_get(rec, "credentials"), i, x)
	{
		html_raw(h, "<dt>Credential</dt><dd>");
		html_esc(h, jstr(x, "type"));
		html_raw(h, " in ");
		html_esc(h, jstr(x, "where"));
		html_raw(h, jtrue(x, "cleartext") ? ", <b>in clear</b>" : "");
		html_raw(h, " <code>");
		html_esc(h, jstr(x, "fingerprint"));
		html_raw(h, "</code></dd>");
	}
	if (h->len == empty && !h->oom) { /* nothing: say so, without an empty list */
		h->len = at;
		html_raw(h, "<div><h4>Can do</h4><p class=dim>nothing seen</p></div>");
		return;
	}
	html_raw(h, "</dl></div>");
}

static void risks_evidence(struct page *p, const struct aag *a)
{
	struct html *h = p->h;
	json_t *ev = json_object_get(a->rec, "evidence"), *fp = json_object_get(a->rec, "fingerprints");
	html_raw(h, "<div>");
	if (json_array_size(a->risks)) {
		html_raw(h, "<h4>Risks</h4><ul>");
		for (size_t i = 0; i < json_array_size(a->risks); i++) {
			struct risk_info ri = risk_info(json_string_value(json_array_get(a->risks, i)));
			html_raw(h, "<li>");
			put_risk(h, ri.name);
			html_esc(h, ri.what);
			html_raw(h, "</li>");
		}
		html_raw(h, "</ul>");
	}
	html_raw(h, "<h4>Evidence</h4><dl class=kv>");
	json_t *basis = json_object_get(ev, "basis");
	if (json_is_string(basis))
		kv(h, "Basis", json_string_value(basis));
	kv_list(h, "Basis", basis, ", ");
	if (juint(ev, "flows"))
		html_fmt(h, "<dt>Flows</dt><dd>%llu</dd>", (unsigned long long)juint(ev, "flows"));
	kv(h, "First flow", jstr(ev, "first_flow"));
	kv(h, "Identity", jstr(ev, "identity"));
	kv(h, "Runtime", jstr2(a->rec, "software", "runtime"));
	kv_list(h, "User-Agents", json_object_get(fp, "user_agents"), "<br>");
	kv_list(h, "JA4", json_object_get(fp, "ja4"), "<br>");
	kv_list(h, "JA3", json_object_get(fp, "ja3"), "<br>");
	html_raw(h, "</dl></div>");
}

static void card(struct page *p, uint32_t i)
{
	struct html *h = p->h;
	const struct aag *a = &p->ag[i];
	html_fmt(h, "<details%s class=\"card%s\" id=\"a-", i < AS_REPORT_PAGE ? "" : " hidden",
		 json_array_size(a->risks) ? " risky" : "");
	html_esc(h, a->id);
	html_fmt(h, "\"%s><summary>", i < AS_REPORT_OPEN_CARDS ? " open" : "");
	put_kind(h, a->kind);
	const char *rt = jstr2(a->rec, "software", "runtime"), *ua = jstr2(a->rec, "software", "user_agent");
	html_raw(h, "<b>");
	html_esc(h, a->sw ? a->sw : rt ? rt : "unknown software");
	html_raw(h, "</b> ");
	if (!a->sw && ua) { /* what the client calls itself */
		html_raw(h, "<span class=mono>");
		html_esc(h, ua);
		html_raw(h, "</span> ");
	}
	html_esc(h, jstr2(a->rec, "software", "version"));
	html_raw(h, " <code>");
	html_esc(h, a->id);
	html_raw(h, "</code> on <span class=mono>");
	html_esc(h, a->ip ? a->ip : "?");
	html_raw(h, "</span> ");
	html_esc(h, a->hostname);
	if (a->owner) {
		html_raw(h, " <span class=dim>");
		html_esc(h, a->owner);
		html_raw(h, "</span>");
	}
	html_raw(h, " ");
	put_risks(h, a->risks);
	if (a->is_new)
		html_raw(h, "<span class=\"bdg new\">new</span>");
	if (!a->content)
		html_raw(h, "<span class=dim>inferred from names</span>");
	html_raw(h, "</summary><div class=cb>");
	where(p, a);
	connects(p, a);
	can_do(p, a);
	risks_evidence(p, a);
	html_raw(h, "</div></details>\n");
}

void audit_cards(struct page *p)
{
	struct html *h = p->h;
	html_fmt(h, "<section id=agents><h2>Agents</h2><p class=note>One card per agent, in the inventory's order (host "
		    "address, kind, software): where it runs, what it connects to, what it can do, its risks and the "
		    "evidence. The first %d are open.</p><p class=tools><input class=flt data-for=cards "
		    "placeholder=\"filter %zu agents: id, host, owner, software, tool, risk\" aria-label=filter> "
		    "<button class=open data-for=cards data-open=1>Open the cards shown</button>"
		    "<button class=open data-for=cards data-open=0>Close them</button></p>"
		    "<div id=cards data-page=\"%d\">",
		 AS_REPORT_OPEN_CARDS, p->n, AS_REPORT_PAGE);
	for (uint32_t i = 0; i < p->n; i++)
		card(p, i);
	html_raw(h, "</div><button class=more data-for=cards hidden></button></section>\n");
}
