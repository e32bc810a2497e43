/* audit_sections.c — the risks ranked with the agents behind each, and
 * the agents by owner (and team) and by host. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_internal.h"
#include "limits.h"
#include "text.h"

/* ---- risks ---- */

static const char *const sev_color[] = {"#c0392b", "#c27c0e", "#7f8c8d"};

static int by_severity(const struct group *x, const struct group *y)
{
	int c = (int)risk_info(x->key).sev - (int)risk_info(y->key).sev;
	return c ? c : group_by_agents(x, y);
}

void audit_risks(struct page *p)
{
	struct html *h = p->h;
	struct groups g;
	groups_init(&g);
	size_t flagged = 0;
	for (uint32_t i = 0; i < p->n; i++) {
		struct aag *a = &p->ag[i];
		flagged += json_array_size(a->risks) > 0;
		for (size_t r = 0; r < json_array_size(a->risks); r++)
			group_note(groups_add(&g, json_string_value(json_array_get(a->risks, r)), i),
				   a->host_key ? a->host_key : a->ip);
	}
	groups_sort(&g, by_severity);
	html_fmt(h, "<section id=risks><h2>Risks, ranked</h2><p>%zu kind%s of risk on %zu of the %zu agents, "
		    "ranked by severity, then by the number of agents.</p>",
		 g.n, g.n == 1 ? "" : "s", flagged, p->n);
	if (g.n) {
		const char *labels[16], *colors[16];
		uint64_t values[16];
		size_t n = 0;
		for (; n < g.n && n < 16; n++) {
			labels[n] = g.v[n]->key;
			colors[n] = sev_color[risk_info(g.v[n]->key).sev];
			values[n] = g.v[n]->n;
		}
		svg_bars(h, "Agents per risk", labels, values, colors, n);
		static const char *const cols[] = {"#Rank", "Risk", "Severity", "What it means", "#Agents", "#Hosts",
						   "Agents"};
		table_begin(h, "t-risks", cols, 7, g.n);
		for (size_t i = 0; i < g.n; i++) {
			struct risk_info ri = risk_info(g.v[i]->key);
			table_row(h, i);
			html_fmt(h, "<td class=n>%zu</td><td>", i + 1);
			put_risk(h, g.v[i]->key);
			html_fmt(h, "</td><td data-v=\"%d\">%s</td><td>", (int)ri.sev, severity_name[ri.sev]);
			html_esc(h, ri.what ? ri.what : "");
			html_raw(h, "</td><td class=n>");
			put_num(h, g.v[i]->n);
			html_raw(h, "</td><td class=n>");
			put_num(h, set_count(g.v[i]->set, NULL));
			html_raw(h, "</td><td>");
			put_agents(p, g.v[i]->idx, g.v[i]->n, AS_REPORT_LINKS);
			html_raw(h, "</td></tr>");
		}
		table_end(h, "t-risks", g.n);
	}
	html_raw(h, "</section>\n");
	groups_free(&g);
}

/* ---- owners and hosts ---- */

/* Set names by what they are: t team, h host, k kind, r risk. */
static void note_agent(struct group *gr, const struct aag *a)
{
	char b[600];
	if (!gr)
		return;
	const char *const what[][2] = {{"t:", a->team}, {"h:", a->host_key ? a->host_key : a->ip}, {"k:", a->kind}};
	for (size_t i = 0; i < 3; i++)
		if (what[i][1]) {
			snprintf(b, sizeof b, "%s%s", what[i][0], what[i][1]);
			group_note(gr, b);
		}
	for (size_t r = 0; r < json_array_size(a->risks); r++) {
		snprintf(b, sizeof b, "r:%s", json_string_value(json_array_get(a->risks, r)));
		group_note(gr, b);
	}
	gr->a += json_array_size(a->risks) > 0;
}

static void put_risks_of(struct html *h, json_t *set)
{
	size_t n;
	const char **v = set_sorted(set, "r:", &n);
	for (int sev = SEV_HIGH; v && sev <= SEV_LOW; sev++) /* the most severe first */
		for (size_t i = 0; i < n; i++)
			if ((int)risk_info(v[i] + 2).sev == sev)
				put_risk(h, v[i] + 2);
	free(v);
}

/* The cells a group of agents ends its row with: how many, their kinds,
 * their risks, links to them. */
static void group_cells(struct page *p, const struct group *gr)
{
	struct html *h = p->h;
	html_raw(h, "<td class=n>");
	put_num(h, gr->n);
	html_raw(h, "</td><td>");
	put_set(h, gr->set, "k:", ", ");
	html_raw(h, "</td><td>");
	put_risks_of(h, gr->set);
	html_raw(h, "</td><td>");
	put_agents(p, gr->idx, gr->n, AS_REPORT_LINKS);
	html_raw(h, "</td></tr>");
}

void audit_owners(struct page *p)
{
	struct html *h = p->h;
	struct groups g;
	groups_init(&g);
	for (uint32_t i = 0; i < p->n; i++)
		note_agent(groups_add(&g, p->ag[i].owner ? p->ag[i].owner : "", i), &p->ag[i]);
	groups_sort(&g, group_by_agents);
	html_fmt(h, "<section id=owners><h2>By owner and team</h2><p class=note>Owners and teams come from the "
		    "configuration's inventory (hosts, networks, a CMDB export); %zu owner%s.</p>",
		 g.n, g.n == 1 ? "" : "s");
	static const char *const cols[] = {"Owner", "Team", "#Hosts", "#At risk", "#Agents", "Kinds", "Risks", "Agents"};
	table_begin(h, "t-owners", cols, 8, g.n);
	for (size_t i = 0; i < g.n; i++) {
		struct group *gr = g.v[i];
		table_row(h, i);
		html_raw(h, "<td>");
		if (gr->key[0])
			html_esc(h, gr->key);
		else
			html_raw(h, "<i>unknown owner</i>");
		html_raw(h, "</td><td>");
		put_set(h, gr->set, "t:", ", ");
		html_raw(h, "</td><td class=n>");
		put_num(h, set_count(gr->set, "h:"));
		html_raw(h, "</td><td class=n>");
		put_num(h, gr->a);
		html_raw(h, "</td>");
		group_cells(p, gr);
	}
	table_end(h, "t-owners", g.n);
	html_raw(h, "</section>\n");
	groups_free(&g);
}

/* Most agents first, then by address. */
static int hosts_order(const struct group *x, const struct group *y)
{
	int c = group_by_agents(x, y);
	const char *a = jstr(x->ref, "ip"), *b = jstr(y->ref, "ip");
	return c ? c : text_ip_cmp(a ? a : "", b ? b : "");
}

void audit_hosts(struct page *p)
{
	struct html *h = p->h;
	struct groups g;
	groups_init(&g);
	for (uint32_t i = 0; i < p->n; i++) {
		struct aag *a = &p->ag[i];
		struct group *gr = groups_add(&g, a->host_key ? a->host_key : a->ip ? a->ip : "?", i);
		if (gr && !gr->ref)
			gr->ref = json_object_get(a->rec, "host");
		note_agent(gr, a);
	}
	groups_sort(&g, hosts_order);
	html_fmt(h, "<section id=hosts><h2>By host</h2><p class=note>%zu host%s. A host is known by its durable key: "
		    "the MAC of its DHCP lease, the inventory's name, else its address.</p>",
		 g.n, g.n == 1 ? "" : "s");
	static const char *const cols[] = {"Address", "Name", "Key", "Owner", "Team", "Site", "#Agents", "Kinds",
					   "Risks", "Agents"};
	table_begin(h, "t-hosts", cols, 10, g.n);
	for (size_t i = 0; i < g.n; i++) {
		struct group *gr = g.v[i];
		static const char *const fields[] = {"ip", "hostname", "key", "owner", "team", "site"};
		table_row(h, i);
		for (size_t f = 0; f < 6; f++) {
			const char *v = jstr(gr->ref, fields[f]), *ip = jstr(gr->ref, "ip");
			bool same = f == 2 && v && ip && !strcmp(v, ip); /* a key that is the address says nothing more */
			put_td(h, f == 0 || f == 2 ? "mono" : NULL, same ? NULL : v);
		}
		group_cells(p, gr);
	}
	table_end(h, "t-hosts", g.n);
	html_raw(h, "</section>\n");
	groups_free(&g);
}
