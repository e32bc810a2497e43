/* audit_diff.c — what changed since a baseline inventory: agents,
 * destinations, MCP tools, OAuth grants, credentials and risks that are
 * new or gone, each item belonging to one agent (a destination new to an
 * agent is new, even if another agent reached it before). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_internal.h"
#include "limits.h"

enum { C_AGENTS, C_DESTS, C_TOOLS, C_GRANTS, C_CREDS, C_RISKS, N_CAT };
static const char *const cat_name[N_CAT] = {"Agents", "Destinations", "MCP tools", "OAuth grants", "Credentials",
					    "Risks"};

/* An item: key -> [agent id, what]. */
static void item(json_t *cat, const char *id, const char *what, const char *k1, const char *k2)
{
	char key[2048];
	snprintf(key, sizeof key, "%s\x1f%s\x1f%s", id, k1 ? k1 : "", k2 ? k2 : "");
	json_object_set_new(cat, key, json_pack("[ss]", id, what ? what : ""));
}

static void items(const struct page *p, json_t *doc, json_t *out[N_CAT])
{
	size_t i, k;
	json_t *rec, *x;
	char what[1200];
	for (int c = 0; c < N_CAT; c++)
		out[c] = json_object();
	json_array_foreach(json_object_get(doc, "agents"), i, rec)
	{
		const char *id = jstr(rec, "agent_id");
		if (!id || !json_is_object(rec))
			continue;
		snprintf(what, sizeof what, "%s %s on %s", jstr(rec, "kind") ? jstr(rec, "kind") : "?",
			 jstr2(rec, "software", "name") ? jstr2(rec, "software", "name") : "",
			 jstr2(rec, "host", "ip") ? jstr2(rec, "host", "ip") : "?");
		item(out[C_AGENTS], id, what, NULL, NULL);
		json_array_foreach(json_object_get(rec, "destinations"), k, x)
		{
			snprintf(what, sizeof what, "%s %s", jstr(x, "service") ? jstr(x, "service") : "?",
				 jstr(x, "endpoint") ? jstr(x, "endpoint") : "");
			item(out[C_DESTS], id, what, jstr(x, "service"), jstr(x, "endpoint"));
		}
		json_t *m = json_object_get(rec, "mcp");
		const char *lists[] = {"tools_listed", "tools_called"};
		for (int l = 0; l < 2; l++)
			json_array_foreach(json_object_get(m, lists[l]), k, x) if (jstr(x, "name"))
			    item(out[C_TOOLS], id, jstr(x, "name"), jstr(x, "name"), NULL);
		json_array_foreach(json_object_get(rec, "oauth"), k, x)
		{
			snprintf(what, sizeof what, "%s at %s",
				 jstr(x, "client_name") ? jstr(x, "client_name") : jstr(x, "client_id") ? jstr(x, "client_id") : "?",
				 jstr(x, "issuer") ? jstr(x, "issuer") : "?");
			item(out[C_GRANTS], id, what, jstr(x, "issuer"), jstr(x, "client_id"));
		}
		json_array_foreach(json_object_get(rec, "credentials"), k, x) if (jstr(x, "fingerprint"))
		{
			snprintf(what, sizeof what, "%s in %s %s", jstr(x, "type") ? jstr(x, "type") : "?",
				 jstr(x, "where") ? jstr(x, "where") : "?", jstr(x, "fingerprint"));
			item(out[C_CREDS], id, what, jstr(x, "fingerprint"), NULL);
		}
		json_t *risks = agent_risks(p, rec);
		json_array_foreach(risks, k, x) item(out[C_RISKS], id, json_string_value(x), json_string_value(x), NULL);
		json_decref(risks);
	}
}

void audit_mark_new(struct page *p)
{
	if (!p->in->baseline)
		return;
	json_t *was = json_object(), *rec;
	size_t i;
	json_array_foreach(json_object_get(p->in->baseline, "agents"), i, rec) if (jstr(rec, "agent_id"))
	    json_object_set_new(was, jstr(rec, "agent_id"), json_true());
	for (i = 0; i < p->n; i++)
		p->ag[i].is_new = !json_object_get(was, p->ag[i].id);
	json_decref(was);
}

static int key_cmp(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* The keys of a that b lacks, sorted (a's own strings). */
static const char **only_in(json_t *a, json_t *b, size_t *n)
{
	const char **v = calloc(json_object_size(a) + 1, sizeof *v), *k;
	json_t *x;
	*n = 0;
	if (v)
		json_object_foreach(a, k, x) if (!json_object_get(b, k)) v[(*n)++] = k;
	qsort(v, *n, sizeof *v, key_cmp);
	return v;
}

static void rows(struct page *p, json_t *cat, const char **keys, size_t n, bool added, size_t *budget)
{
	struct html *h = p->h;
	for (size_t i = 0; i < n && *budget; i++, (*budget)--) {
		table_row(h, AS_REPORT_DIFF_ITEMS - *budget);
		json_t *it = json_object_get(cat, keys[i]);
		const char *id = json_string_value(json_array_get(it, 0));
		const struct aag *a = agent_of(p, id);
		html_fmt(h, "<td><span class=\"bdg %s\">%s</span></td><td>", added ? "new" : "gone",
			 added ? "new" : "gone");
		html_esc(h, json_string_value(json_array_get(it, 1)));
		html_raw(h, "</td><td>");
		if (a)
			put_agent(p, a);
		else
			html_esc(h, id);
		html_raw(h, "</td></tr>");
	}
}

void audit_changes(struct page *p)
{
	struct html *h = p->h;
	json_t *now[N_CAT], *was[N_CAT];
	items(p, p->in->doc, now);
	items(p, p->in->baseline, was);
	html_raw(h, "<section id=changes><h2>Changes since the baseline</h2><p>Compared with the inventory <code>");
	html_esc(h, p->in->baseline_name ? p->in->baseline_name : "(unnamed)");
	html_fmt(h, "</code> (%zu agents", json_object_size(was[C_AGENTS]));
	if (jstr(p->in->baseline, "generated")) {
		html_raw(h, ", written ");
		html_esc(h, jstr(p->in->baseline, "generated"));
	}
	html_raw(h, "). An item belongs to one agent: a destination, tool, grant, credential or risk is new when "
		    "that agent did not have it.</p><table><thead><tr><th>What</th><th class=n>New</th>"
		    "<th class=n>Gone</th></tr></thead><tbody>");
	const char **added[N_CAT], **gone[N_CAT];
	size_t n_added[N_CAT], n_gone[N_CAT];
	for (int c = 0; c < N_CAT; c++) {
		added[c] = only_in(now[c], was[c], &n_added[c]);
		gone[c] = only_in(was[c], now[c], &n_gone[c]);
		html_fmt(h, "<tr><td>%s</td><td class=n>%zu</td><td class=n>%zu</td></tr>", cat_name[c], n_added[c],
			 n_gone[c]);
	}
	html_raw(h, "</tbody></table>");
	for (int c = 0; c < N_CAT; c++) {
		if (!n_added[c] && !n_gone[c])
			continue;
		char id[32];
		snprintf(id, sizeof id, "t-changes-%d", c);
		static const char *const cols[] = {"Change", "Item", "Agent"};
		html_fmt(h, "<h3>%s: %zu new, %zu gone</h3>", cat_name[c], n_added[c], n_gone[c]);
		table_begin(h, id, cols, 3, n_added[c] + n_gone[c]);
		size_t budget = AS_REPORT_DIFF_ITEMS;
		rows(p, now[c], added[c], n_added[c], true, &budget);
		rows(p, was[c], gone[c], n_gone[c], false, &budget);
		table_end(h, id, n_added[c] + n_gone[c]);
		if (n_added[c] + n_gone[c] > AS_REPORT_DIFF_ITEMS)
			html_fmt(h, "<p class=note>and %zu more, not listed</p>",
				 n_added[c] + n_gone[c] - AS_REPORT_DIFF_ITEMS);
	}
	html_raw(h, "</section>\n");
	for (int c = 0; c < N_CAT; c++) {
		free(added[c]);
		free(gone[c]);
		json_decref(now[c]);
		json_decref(was[c]);
	}
}
