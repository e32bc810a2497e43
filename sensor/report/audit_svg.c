/* audit_svg.c — the report's pictures, drawn as inline SVG: bar charts, the
 * timeline of first and last seen, and agents -> services and MCP servers
 * in fixed columns (the top few of each, the rest in one node). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_internal.h"
#include "limits.h"

/* A label cut to max characters (UTF-8), escaped; the whole of it goes in
 * a <title> where it was cut. */
static void esc_cut(struct html *h, const char *s, size_t max)
{
	size_t chars = 0, i = 0;
	if (!s)
		return;
	for (; s[i]; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80 && ++chars > max)
			break;
	if (!s[i]) {
		html_esc(h, s);
		return;
	}
	char *cut = strndup(s, i);
	html_esc(h, cut);
	free(cut);
	html_raw(h, "&#8230;<title>");
	html_esc(h, s);
	html_raw(h, "</title>");
}

void svg_bars(struct html *h, const char *title, const char *const *labels, const uint64_t *values,
	      const char *const *colors, size_t n)
{
	uint64_t max = 1;
	for (size_t i = 0; i < n; i++)
		max = values[i] > max ? values[i] : max;
	const int row = 22, top = 4, w = 460, lx = 214, bw = 186;
	html_raw(h, "<figure class=chart><figcaption>");
	html_esc(h, title);
	html_fmt(h, "</figcaption><svg viewBox=\"0 0 %d %zu\" width=\"%d\" role=img aria-label=\"", w, top + n * row + 4, w);
	html_esc(h, title);
	html_raw(h, "\">");
	for (size_t i = 0; i < n; i++) {
		int y = top + (int)i * row, len = (int)((double)values[i] / (double)max * bw);
		html_fmt(h, "<text x=\"%d\" y=\"%d\" text-anchor=end>", lx - 6, y + 15);
		esc_cut(h, labels[i], 27);
		html_fmt(h, "</text><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"16\" rx=\"2\" fill=\"%s\"/>"
			    "<text x=\"%d\" y=\"%d\">",
			 lx, y + 3, len > 1 ? len : 1, colors[i], lx + (len > 1 ? len : 1) + 6, y + 15);
		put_num(h, values[i]);
		html_raw(h, "</text>");
	}
	html_raw(h, "</svg></figure>");
}

/* ---- the timeline ---- */

static int by_first(const void *pa, const void *pb, void *pp)
{
	const struct page *p = pp;
	const struct aag *x = &p->ag[*(const uint32_t *)pa], *y = &p->ag[*(const uint32_t *)pb];
	if (x->first_ms != y->first_ms)
		return x->first_ms < y->first_ms ? -1 : 1;
	return *(const uint32_t *)pa < *(const uint32_t *)pb ? -1 : 1;
}

/* Where t lies between t0 and t1, from 0 to 1: in floating point, since
 * an inventory's times may be far apart (a year 9999 beside 1970) and
 * their difference times a width would overflow. */
static double frac(int64_t t, int64_t t0, int64_t t1)
{
	double f = ((double)t - (double)t0) / ((double)t1 - (double)t0);
	return f < 0 ? 0 : f > 1 ? 1 : f;
}

static void time_axis(struct page *p, int x0, int x1, int y, int64_t t0, int64_t t1, int ticks)
{
	for (int k = 0; k <= ticks; k++) {
		int x = x0 + (x1 - x0) * k / ticks;
		html_fmt(p->h, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"#d9dee3\"/><text x=\"%d\" y=\"%d\" "
			       "text-anchor=%s>",
			 x, x, 0, y, x, y + 14, k == 0 ? "start" : k == ticks ? "end" : "middle");
		put_ms(p->h, (int64_t)((double)t0 + ((double)t1 - (double)t0) * k / ticks));
		html_raw(p->h, "</text>");
	}
}

void audit_timeline(struct page *p)
{
	struct html *h = p->h;
	html_raw(h, "<section id=timeline><h2>Timeline</h2>");
	if (p->t0 < 0) {
		html_raw(h, "<p>No agent has a time.</p></section>\n");
		return;
	}
	int64_t t0 = p->t0, t1 = p->t1 > p->t0 ? p->t1 : p->t0 + 1000;
	enum { BINS = 60, W = 1000, X0 = 40, X1 = 980, H = 120 };
	uint32_t active[BINS] = {0}, fresh[BINS] = {0}, peak = 1;
	for (size_t i = 0; i < p->n; i++) {
		const struct aag *a = &p->ag[i];
		if (a->first_ms < 0)
			continue;
		int b0 = (int)(frac(a->first_ms, t0, t1) * (BINS - 1)), b1 = (int)(frac(a->last_ms, t0, t1) * (BINS - 1));
		fresh[b0]++;
		for (int b = b0; b <= b1 && b < BINS; b++)
			active[b]++;
	}
	for (int b = 0; b < BINS; b++)
		peak = active[b] > peak ? active[b] : peak;
	html_fmt(h, "<figure class=chart><figcaption>Agents active (light) and first seen (dark), in %d slices of ", BINS);
	put_num(h, (uint64_t)((t1 - t0) / BINS / 1000 + 1));
	html_fmt(h, " s</figcaption><svg viewBox=\"0 0 %d %d\" role=img aria-label=\"agents over time\">", W, H + 20);
	for (int b = 0; b < BINS; b++) {
		int x = X0 + (X1 - X0) * b / BINS, bw = (X1 - X0) / BINS - 2;
		int ha = (int)(active[b] * (H - 10) / peak), hf = (int)(fresh[b] * (H - 10) / peak);
		html_fmt(h, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#aed6f1\"><title>%u active, %u new</title></rect>",
			 x, H - ha, bw, ha, active[b], fresh[b]);
		if (hf)
			html_fmt(h, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#2f6fb3\"/>", x, H - hf, bw, hf);
	}
	time_axis(p, X0, X1, H, t0, t1, 4);
	html_raw(h, "</svg></figure>");

	/* the first seen first */
	uint32_t *order = calloc(p->n + 1, sizeof *order);
	size_t n = 0;
	for (uint32_t i = 0; order && i < p->n; i++)
		if (p->ag[i].first_ms >= 0)
			order[n++] = i;
	if (order)
		qsort_r(order, n, sizeof *order, by_first, p);
	size_t shown = n < AS_REPORT_GANTT ? n : AS_REPORT_GANTT;
	const int row = 18, lx = 300, gx0 = 310, gx1 = 980;
	html_fmt(h, "<figure class=chart><figcaption>First and last seen of the %zu agents seen first", shown);
	if (n > shown)
		html_fmt(h, " (of %zu: every card gives its own)", n);
	html_fmt(h, "</figcaption><svg viewBox=\"0 0 %d %zu\" role=img aria-label=\"first and last seen\">", W,
		 shown * row + 24);
	for (size_t k = 0; k < shown; k++) {
		const struct aag *a = &p->ag[order[k]];
		int y = (int)k * row;
		int x = gx0 + (int)(frac(a->first_ms, t0, t1) * (gx1 - gx0));
		int x2 = gx0 + (int)(frac(a->last_ms, t0, t1) * (gx1 - gx0));
		html_raw(h, "<a href=\"#a-");
		html_esc(h, a->id);
		html_fmt(h, "\"><text x=\"%d\" y=\"%d\" text-anchor=end>", lx, y + 13);
		esc_cut(h, a->sw ? a->sw : a->kind, 22);
		html_raw(h, " ");
		html_esc(h, a->id);
		html_fmt(h, "</text></a><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"10\" rx=\"2\" fill=\"%s\"><title>", x,
			 y + 4, x2 - x > 3 ? x2 - x : 3, kind_color(a->kind));
		put_time(h, jstr(a->rec, "first_seen"));
		html_raw(h, " to ");
		put_time(h, jstr(a->rec, "last_seen"));
		html_raw(h, "</title></rect>");
	}
	if (shown)
		time_axis(p, gx0, gx1, (int)(shown * row) + 4, t0, t1, 2);
	html_raw(h, "</svg></figure></section>\n");
	free(order);
}

/* ---- agents -> services and MCP servers ---- */

enum { COL_MCP, COL_AGENTS, COL_SERVICES };
#define ROWS (AS_REPORT_MAP_TOP + 1) /* the top nodes and "the others" */

struct column {
	struct groups g;
	size_t rows; /* nodes drawn, "the others" included */
};

/* The row of a node: its rank, or the last row for the others. */
static size_t row_of(const struct column *c, const char *key)
{
	for (size_t i = 0; i < c->g.n && i < AS_REPORT_MAP_TOP; i++)
		if (!strcmp(c->g.v[i]->key, key))
			return i;
	return AS_REPORT_MAP_TOP;
}

static const char *agent_group(const struct aag *a)
{
	const char *const names[] = {jstr2(a->rec, "product", "name"), a->sw, jstr2(a->rec, "software", "runtime"),
				     jstr2(a->rec, "software", "user_agent"), a->kind};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i])
			return names[i];
	return "?";
}

static bool client_kind(const char *kind)
{
	return kind && strcmp(kind, "mcp-server") && strcmp(kind, "llm-server") && strcmp(kind, "a2a-agent");
}

static bool destructive(json_t *mcp)
{
	size_t i;
	json_t *t;
	json_array_foreach(json_object_get(mcp, "tools_listed"), i, t) if (jtrue(t, "destructive")) return true;
	json_array_foreach(json_object_get(mcp, "tools_called"), i, t) if (jtrue(t, "destructive")) return true;
	return false;
}

static void node(struct html *h, int x, int y, int w, int hh, const char *fill, const char *stroke)
{
	html_fmt(h, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"4\" fill=\"%s\" stroke=\"%s\"/>", x, y, w, hh,
		 fill, stroke);
}

/* The tools of an MCP node: destructive ones first, in red. */
static void node_tools(struct html *h, json_t *mcp, int x, int y)
{
	size_t i, n = jlen(mcp, "tools_listed"), shown = 0, len = 0;
	json_t *t;
	html_fmt(h, "<text x=\"%d\" y=\"%d\" font-size=\"11\">", x, y);
	for (int pass = 0; pass < 2; pass++)
		json_array_foreach(json_object_get(mcp, "tools_listed"), i, t)
		{
			const char *name = jstr(t, "name");
			if (!name || jtrue(t, "destructive") != (pass == 0) || len + strlen(name) > 40)
				continue;
			html_raw(h, shown ? ", " : "");
			html_raw(h, pass == 0 ? "<tspan fill=\"#c0392b\" font-weight=\"700\">" : "<tspan>");
			html_esc(h, name);
			html_raw(h, "</tspan>");
			shown++;
			len += strlen(name) + 2;
		}
	if (!n)
		html_raw(h, "<tspan fill=\"#5f6b76\">no tool list seen</tspan>");
	else if (n > shown)
		html_fmt(h, " +%zu", n - shown);
	html_raw(h, "</text>");
}

void audit_map(struct page *p)
{
	struct html *h = p->h;
	struct column col[3];
	struct groups edges[2]; /* agents -> MCP, agents -> services: "agent group\x1fnode" */
	for (int c = 0; c < 3; c++)
		groups_init(&col[c].g), col[c].rows = 0;
	groups_init(&edges[0]);
	groups_init(&edges[1]);
	for (uint32_t i = 0; i < p->n; i++) {
		const struct aag *a = &p->ag[i];
		mcp_note(p, &col[COL_MCP].g, i);
		if (!client_kind(a->kind))
			continue;
		const char *grp = agent_group(a);
		char k[1200];
		groups_add(&col[COL_AGENTS].g, grp, i);
		size_t j;
		json_t *d;
		json_array_foreach(json_object_get(a->rec, "destinations"), j, d)
		{
			const char *cat = jstr(d, "category"), *svc = dest_self_hosted(d) ? jstr(d, "endpoint") : jstr(d, "service");
			if (!svc)
				continue;
			snprintf(k, sizeof k, "%s\x1f%s", grp, jstr(d, "endpoint") ? jstr(d, "endpoint") : "?");
			if (cat && !strcmp(cat, "mcp-server")) {
				groups_add(&edges[0], k, i);
				continue;
			}
			groups_add(&col[COL_SERVICES].g, svc, i);
			snprintf(k, sizeof k, "%s\x1f%s", grp, svc);
			groups_add(&edges[1], k, i);
		}
		json_array_foreach(json_object_get(json_object_get(a->rec, "mcp"), "server_agents"), j, d)
		{
			snprintf(k, sizeof k, "%s\x1f%s", grp, jstr(d, "endpoint") ? jstr(d, "endpoint") : "?");
			groups_add(&edges[0], k, i);
		}
	}
	for (int c = 0; c < 3; c++) {
		groups_sort(&col[c].g, group_by_agents);
		col[c].rows = col[c].g.n > AS_REPORT_MAP_TOP ? ROWS : col[c].g.n;
	}
	groups_sort(&edges[0], NULL);
	groups_sort(&edges[1], NULL);

	html_raw(h, "<section id=map><h2>Agents, the AI services they reach and their MCP servers</h2>"
		    "<p class=note>Agents (middle, by product or software) with the MCP servers they use (left; "
		    "destructive tools in red) and the AI services and model servers they reach (right). Line width: "
		    "agents. ");
	html_fmt(h, "The %d largest of each column are drawn, the others gathered in one.</p>", AS_REPORT_MAP_TOP);
	size_t rows = col[0].rows > col[1].rows ? col[0].rows : col[1].rows;
	rows = rows > col[2].rows ? rows : col[2].rows;
	if (!rows) {
		html_raw(h, "<p>Nothing to draw.</p></section>\n");
	} else {
		const int W = 1100, NW = 300, RH = 46, NH = 38, top = 28, xs[3] = {10, 400, 790};
		html_fmt(h, "<svg viewBox=\"0 0 %d %zu\" role=img aria-label=\"agents, services and MCP servers\">", W,
			 top + rows * RH);
		html_fmt(h, "<text x=\"%d\" y=\"16\" font-weight=\"700\">MCP servers and tools</text>"
			    "<text x=\"%d\" y=\"16\" font-weight=\"700\">Agents</text>"
			    "<text x=\"%d\" y=\"16\" font-weight=\"700\">AI services and model servers</text>",
			 xs[0], xs[1], xs[2]);
		/* edges first, under the nodes */
		for (int e = 0; e < 2; e++) {
			uint64_t w[ROWS][ROWS] = {{0}};
			int other = e == 0 ? COL_MCP : COL_SERVICES;
			for (size_t i = 0; i < edges[e].n; i++) {
				char *sep = strchr(edges[e].v[i]->key, '\x1f');
				*sep = '\0';
				size_t r0 = row_of(&col[COL_AGENTS], edges[e].v[i]->key), r1 = row_of(&col[other], sep + 1);
				*sep = '\x1f';
				w[r0][r1] += edges[e].v[i]->n;
			}
			for (size_t r0 = 0; r0 < ROWS; r0++)
				for (size_t r1 = 0; r1 < ROWS; r1++) {
					if (!w[r0][r1])
						continue;
					int y0 = top + (int)r0 * RH + NH / 2, y1 = top + (int)r1 * RH + NH / 2;
					int xa = e == 0 ? xs[1] : xs[1] + NW, xb = e == 0 ? xs[0] + NW : xs[2];
					bool red = e == 0 && r1 < col[COL_MCP].g.n && r1 < AS_REPORT_MAP_TOP &&
						   col[COL_MCP].g.v[r1]->ref &&
						   destructive(json_object_get(col[COL_MCP].g.v[r1]->ref, "mcp"));
					html_fmt(h, "<path d=\"M%d %d C%d %d %d %d %d %d\" fill=\"none\" stroke=\"%s\" "
						    "stroke-opacity=\".45\" stroke-width=\"%.1f\"><title>%llu agent%s</title></path>",
						 xa, y0, (xa + xb) / 2, y0, (xa + xb) / 2, y1, xb, y1, red ? "#c0392b" : "#2f6fb3",
						 1.5 + 2.5 * log2((double)w[r0][r1]), (unsigned long long)w[r0][r1],
						 w[r0][r1] == 1 ? "" : "s");
				}
		}
		for (int c = 0; c < 3; c++)
			for (size_t r = 0; r < col[c].rows; r++) {
				int x = xs[c], y = top + (int)r * RH;
				bool rest = r == AS_REPORT_MAP_TOP;
				size_t n_rest = 0, agents_rest = 0;
				for (size_t i = AS_REPORT_MAP_TOP; rest && i < col[c].g.n; i++)
					n_rest++, agents_rest += col[c].g.v[i]->n;
				struct group *g = rest ? NULL : col[c].g.v[r];
				json_t *m = g && c == COL_MCP ? json_object_get(g->ref, "mcp") : NULL;
				bool bad = m && destructive(m);
				node(h, x, y, NW, NH, rest ? "#f4f6f8" : bad ? "#fdecea" : "#ffffff", bad ? "#c0392b" : "#aab4bd");
				html_fmt(h, "<text x=\"%d\" y=\"%d\" font-weight=\"600\">", x + 8, y + 15);
				if (rest) {
					html_fmt(h, "and %zu others</text><text x=\"%d\" y=\"%d\" font-size=\"11\">%zu agents</text>",
						 n_rest, x + 8, y + 31, agents_rest);
					continue;
				}
				if (c == COL_MCP && json_object_size(g->set)) {
					size_t k;
					const char **names = set_sorted(g->set, NULL, &k);
					esc_cut(h, k ? names[0] : g->key, 38);
					free(names);
				} else {
					esc_cut(h, g->key, 38);
				}
				html_raw(h, "</text>");
				if (c == COL_MCP) {
					node_tools(h, m, x + 8, y + 31);
				} else {
					html_fmt(h, "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#5f6b76\">%zu agent%s",
						 x + 8, y + 31, g->n, g->n == 1 ? "" : "s");
					if (c == COL_SERVICES) {
						html_raw(h, " ");
						/* hosted services by id; self-hosted servers by endpoint */
						html_raw(h, strchr(g->key, ':') ? "self-hosted" : "hosted");
					}
					html_raw(h, "</text>");
				}
			}
		html_raw(h, "</svg></section>\n");
	}
	for (int c = 0; c < 3; c++)
		groups_free(&col[c].g);
	groups_free(&edges[0]);
	groups_free(&edges[1]);
}
