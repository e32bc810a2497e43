/* audit_util.c — the report's shared pieces: groups of agents, reading
 * records, the risk catalogue, the policy's verdict, small markup writers. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "audit_internal.h"
#include "limits.h"

/* ---- groups ---- */

void groups_init(struct groups *g)
{
	memset(g, 0, sizeof *g);
	hmap_init(&g->map);
}

struct group *groups_add(struct groups *g, const char *key, uint32_t agent)
{
	if (!key) /* a record without the field (a damaged inventory): no group */
		return NULL;
	bool created;
	struct group *gr = hmap_get_or_new(&g->map, key, strlen(key), sizeof *gr, SIZE_MAX, &created);
	if (!gr || (created && !(gr->key = strdup(key)))) {
		g->oom = true;
		if (gr && created)
			hmap_del(&g->map, key, strlen(key)), free(gr);
		return NULL;
	}
	if (agent == UINT32_MAX || (gr->n && gr->idx[gr->n - 1] == agent))
		return gr;
	if (gr->n == gr->cap) {
		size_t cap = gr->cap ? gr->cap * 2 : 4;
		uint32_t *v = realloc(gr->idx, cap * sizeof *v);
		if (!v) {
			g->oom = true;
			return gr;
		}
		gr->idx = v;
		gr->cap = cap;
	}
	gr->idx[gr->n++] = agent;
	return gr;
}

typedef int (*group_cmp)(const struct group *, const struct group *);

static int group_qsort(const void *pa, const void *pb, void *arg)
{
	const struct group *x = *(const struct group *const *)pa, *y = *(const struct group *const *)pb;
	group_cmp cmp = *(group_cmp *)arg;
	int c = cmp ? cmp(x, y) : 0;
	return c ? c : strcmp(x->key, y->key);
}

void groups_sort(struct groups *g, int (*cmp)(const struct group *, const struct group *))
{
	free(g->v);
	g->n = 0;
	g->v = calloc(g->map.count + 1, sizeof *g->v);
	if (!g->v) {
		g->oom = true;
		return;
	}
	for (size_t i = 0; g->map.slots && i <= g->map.mask; i++)
		if (g->map.slots[i].key)
			g->v[g->n++] = g->map.slots[i].val;
	qsort_r(g->v, g->n, sizeof *g->v, group_qsort, &cmp);
}

void groups_free(struct groups *g)
{
	for (size_t i = 0; g->map.slots && i <= g->map.mask; i++) {
		struct group *gr = g->map.slots[i].key ? g->map.slots[i].val : NULL;
		if (gr) {
			free(gr->key);
			free(gr->idx);
			json_decref(gr->set);
			free(gr);
		}
	}
	hmap_free(&g->map);
	free(g->v);
	memset(g, 0, sizeof *g);
}

void group_note(struct group *gr, const char *name)
{
	if (!gr || !name || !*name)
		return;
	if (!gr->set)
		gr->set = json_object();
	json_object_set_new(gr->set, name, json_true());
}

int group_by_agents(const struct group *x, const struct group *y)
{
	return x->n != y->n ? (x->n > y->n ? -1 : 1) : 0;
}

/* ---- reading records ---- */

const char *jstr(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_string(v) && json_string_length(v) ? json_string_value(v) : NULL;
}

const char *jstr2(json_t *o, const char *a, const char *b)
{
	return jstr(json_object_get(o, a), b);
}

uint64_t juint(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	if (json_is_integer(v))
		return json_integer_value(v) > 0 ? (uint64_t)json_integer_value(v) : 0;
	if (json_is_real(v))
		return json_real_value(v) >= 1 && json_real_value(v) < 1.8e19 ? (uint64_t)json_real_value(v) : 0;
	return 0;
}

bool jtrue(json_t *o, const char *k)
{
	return json_is_true(json_object_get(o, k));
}

size_t jlen(json_t *o, const char *k)
{
	return json_array_size(json_object_get(o, k));
}

struct keyed {
	char *key;
	json_t *v;
};

static int keyed_cmp(const void *a, const void *b)
{
	return strcmp(((const struct keyed *)a)->key, ((const struct keyed *)b)->key);
}

json_t *jsorted(json_t *arr, const char *k1, const char *k2, const char *k3)
{
	size_t n = json_array_size(arr);
	struct keyed *v = calloc(n + 1, sizeof *v);
	json_t *out = json_array();
	const char *keys[] = {k1, k2, k3};
	for (size_t i = 0; v && i < n; i++) {
		json_t *el = json_array_get(arr, i);
		char buf[2048] = "";
		size_t used = 0;
		for (int k = 0; k < 3 && keys[k]; k++) {
			json_t *m = json_object_get(el, keys[k]);
			const char *s = json_is_string(m) ? json_string_value(m) : json_is_true(m) ? "1" : "0";
			used += (size_t)snprintf(buf + used, used < sizeof buf ? sizeof buf - used : 0, "%s\x1f", s);
			used = used < sizeof buf ? used : sizeof buf - 1;
		}
		v[i] = (struct keyed){strdup(buf), el};
	}
	if (v)
		qsort(v, n, sizeof *v, keyed_cmp);
	for (size_t i = 0; v && i < n; i++) {
		json_array_append(out, v[i].v);
		free(v[i].key);
	}
	free(v);
	return out;
}

bool jhas(json_t *arr, const char *s)
{
	for (size_t i = 0; s && i < json_array_size(arr); i++)
		if (json_is_string(json_array_get(arr, i)) && !strcmp(json_string_value(json_array_get(arr, i)), s))
			return true;
	return false;
}

int64_t time_ms(const char *s)
{
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	int ms = 0, used = 0;
	if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
			 &tm.tm_min, &tm.tm_sec, &used) != 6)
		return -1;
	const char *p = s + used;
	if (*p == '.')
		for (int d = 0, scale = 100; *++p >= '0' && *p <= '9'; d++, scale /= 10)
			ms += d < 3 ? (*p - '0') * scale : 0;
	if (strcmp(p, "Z") != 0)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm) * 1000 + ms;
}

/* ---- the catalogue ---- */

const char *const severity_name[3] = {"high", "medium", "low"};

static const struct risk_info risks[] = {
    {"cleartext-credential", SEV_HIGH, "a credential sent without TLS: anyone on the path can read it"},
    {"credential-in-url", SEV_HIGH, "a credential in a URL, where logs and proxies keep it"},
    {"llm-server-without-auth", SEV_HIGH, "a model server answering without any credential"},
    {"mcp-destructive-tool-called", SEV_HIGH, "a tool its server marks destructive was called"},
    {"mcp-server-without-auth", SEV_HIGH, "an MCP server answering without authentication"},
    {"oauth-broad-scope", SEV_HIGH, "a grant of a broad scope (whole mailbox, cloud, admin)"},
    {"oauth-consent-to-unregistered-client", SEV_HIGH, "consent given to a client registered on the fly"},
    {"oauth-implicit-grant", SEV_HIGH, "the implicit grant: tokens in redirects"},
    {"oauth-password-grant", SEV_HIGH, "the password grant: the user's password handed to the client"},
    {"product-runtime-mismatch", SEV_HIGH,
     "claims an AI product from a TLS runtime none of its builds use (a relay, or a borrowed identity)"},
    {"static-api-key", SEV_MEDIUM, "a long-lived API key rather than a short-lived token"},
    {"mcp-static-bearer-token", SEV_MEDIUM, "an MCP server taking a static bearer token, not OAuth"},
    {"oauth-no-pkce", SEV_MEDIUM, "an authorization code grant without PKCE"},
    {"oauth-client-credentials-static-secret", SEV_MEDIUM, "client credentials with a static secret"},
    {"oauth-long-lived-refresh", SEV_MEDIUM, "a refresh token keeps the access alive"},
    {RISK_UNSANCTIONED, SEV_MEDIUM, "reaches a hosted AI service the policy does not sanction (the report's policy)"},
    {"ech-hidden-destination", SEV_LOW, "a destination hidden behind Encrypted Client Hello"},
};

struct risk_info risk_info(const char *name)
{
	for (size_t i = 0; name && i < sizeof risks / sizeof risks[0]; i++)
		if (!strcmp(risks[i].name, name))
			return risks[i];
	return (struct risk_info){name, SEV_MEDIUM, NULL};
}

/* ---- the policy ---- */

const char *const verdict_name[4] = {"no policy", "sanctioned", "not sanctioned", "self-hosted"};

static bool listed(const char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; s && i < n; i++)
		if (!strcasecmp(v[i], s))
			return true;
	return false;
}

bool dest_self_hosted(json_t *dest)
{
	const char *cat = jstr(dest, "category");
	return cat && (!strcmp(cat, "llm-server") || !strcmp(cat, "a2a-agent"));
}

enum verdict dest_verdict(const struct page *p, json_t *dest)
{
	const struct audit_policy *pol = p->in->policy;
	const char *service = jstr(dest, "service"), *provider = jstr(dest, "provider");
	if (p->policy && (listed(pol->providers, pol->n_providers, provider) ||
			  listed(pol->providers, pol->n_providers, service) ||
			  listed(pol->services, pol->n_services, service) ||
			  listed(pol->services, pol->n_services, jstr(dest, "endpoint"))))
		return V_SANCTIONED;
	if (dest_self_hosted(dest))
		return V_SELF_HOSTED;
	return p->policy ? V_NOT_SANCTIONED : V_NO_POLICY;
}

/* ---- markup ---- */

void fmt_num(char out[32], uint64_t v)
{
	char raw[24];
	int n = snprintf(raw, sizeof raw, "%" PRIu64, v), o = 0;
	for (int i = 0; i < n; i++) {
		if (i && (n - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = raw[i];
	}
	out[o] = '\0';
}

void fmt_bytes(char out[32], uint64_t v)
{
	static const char *const unit[] = {"B", "kB", "MB", "GB", "TB", "PB"};
	double x = (double)v;
	int u = 0;
	while (x >= 1000 && u < 5)
		x /= 1000, u++;
	snprintf(out, 32, u ? "%.1f %s" : "%.0f %s", x, unit[u]);
}

void put_num(struct html *h, uint64_t v)
{
	char b[32];
	fmt_num(b, v);
	html_raw(h, b);
}

void put_time(struct html *h, const char *t)
{
	char b[40];
	if (!t || time_ms(t) < 0) {
		html_esc(h, t ? t : "?");
		return;
	}
	snprintf(b, sizeof b, "%.10s %.8sZ", t, t + 11);
	html_esc(h, b);
}

void put_ms(struct html *h, int64_t ms)
{
	struct tm tm;
	time_t t = (time_t)(ms / 1000);
	char b[40];
	if (ms < 0 || !gmtime_r(&t, &tm))
		return html_raw(h, "?");
	strftime(b, sizeof b, "%Y-%m-%d %H:%M:%SZ", &tm);
	html_raw(h, b);
}

void put_list(struct html *h, json_t *arr, const char *sep)
{
	size_t k = 0;
	for (size_t i = 0; i < json_array_size(arr); i++) {
		json_t *v = json_array_get(arr, i);
		if (!json_is_string(v))
			continue;
		if (k++)
			html_raw(h, sep);
		html_esc(h, json_string_value(v));
	}
}

static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

const char **set_sorted(json_t *set, const char *pfx, size_t *n)
{
	size_t k = 0, pl = pfx ? strlen(pfx) : 0;
	const char **v = calloc(json_object_size(set) + 1, sizeof *v), *key;
	json_t *x;
	if (v)
		json_object_foreach(set, key, x) if (!pl || !strncmp(key, pfx, pl)) v[k++] = key;
	qsort(v, k, sizeof *v, key_cmp);
	*n = k;
	return v;
}

size_t put_set(struct html *h, json_t *set, const char *pfx, const char *sep)
{
	size_t k, pl = pfx ? strlen(pfx) : 0;
	const char **v = set_sorted(set, pfx, &k);
	if (!v)
		return 0;
	for (size_t i = 0; h && i < k; i++) {
		if (i)
			html_raw(h, sep);
		html_esc(h, v[i] + pl);
	}
	free(v);
	return k;
}

size_t set_count(json_t *set, const char *pfx)
{
	return put_set(NULL, set, pfx, NULL);
}

const struct aag *agent_of(const struct page *p, const char *id)
{
	return id ? hmap_get(&p->by_id, id, strlen(id)) : NULL;
}

void put_agent(struct page *p, const struct aag *a)
{
	html_raw(p->h, "<a class=id href=\"#a-");
	html_esc(p->h, a->id);
	html_raw(p->h, "\">");
	html_esc(p->h, a->id);
	html_raw(p->h, "</a>");
}

void put_agents(struct page *p, const uint32_t *idx, size_t n, size_t max)
{
	for (size_t i = 0; i < n && i < max; i++) {
		if (i)
			html_raw(p->h, " ");
		put_agent(p, &p->ag[idx[i]]);
	}
	if (n > max)
		html_fmt(p->h, " <span class=dim>and %zu more</span>", n - max);
}

void put_risk(struct html *h, const char *risk)
{
	struct risk_info r = risk_info(risk);
	html_fmt(h, "<span class=\"rk %s\" title=\"%s", severity_name[r.sev], severity_name[r.sev]);
	if (r.what) {
		html_raw(h, ": ");
		html_esc(h, r.what);
	}
	html_raw(h, "\">");
	html_esc(h, risk);
	html_raw(h, "</span>");
}

void put_risks(struct html *h, json_t *flags)
{
	for (size_t r = 0; r < json_array_size(flags); r++)
		put_risk(h, json_string_value(json_array_get(flags, r)));
}

static const struct {
	const char *kind, *color;
} kinds[] = {
    {"llm-api-client", "#2f6fb3"}, {"ai-app", "#7a52b3"},	 {"mcp-client", "#1f8a70"},
    {"mcp-server", "#0b5345"},	   {"llm-server", "#b36b00"},	 {"oauth-client", "#a33d6b"},
    {"a2a-agent", "#4d5d6c"},	   {"a2a-client", "#7f95a8"},
};

const char *kind_color(const char *kind)
{
	for (size_t i = 0; kind && i < sizeof kinds / sizeof kinds[0]; i++)
		if (!strcmp(kinds[i].kind, kind))
			return kinds[i].color;
	return "#666666";
}

void put_kind(struct html *h, const char *kind)
{
	html_fmt(h, "<span class=kd style=\"background:%s\">", kind_color(kind));
	html_esc(h, kind ? kind : "?");
	html_raw(h, "</span>");
}

void table_begin(struct html *h, const char *id, const char *const *cols, size_t n_cols, size_t rows)
{
	if (rows > AS_REPORT_PAGE)
		html_fmt(h, "<p class=tools><input class=flt data-for=\"%s\" placeholder=\"filter %zu rows\" "
			    "aria-label=\"filter\"></p>",
			 id, rows);
	html_raw(h, "<div class=tw><table class=sort><thead><tr>");
	for (size_t i = 0; i < n_cols; i++)
		html_fmt(h, "<th%s>%s</th>", cols[i][0] == '#' ? " class=n" : "", cols[i] + (cols[i][0] == '#'));
	html_fmt(h, "</tr></thead><tbody id=\"%s\" data-page=\"%d\">", id, AS_REPORT_PAGE);
}

void table_row(struct html *h, size_t i)
{
	html_raw(h, i < AS_REPORT_PAGE ? "<tr>" : "<tr hidden>");
}

void put_join(struct html *h, const char *sep, const char *const *v, size_t n)
{
	for (size_t i = 0, k = 0; i < n; i++)
		if (v[i]) {
			html_raw(h, k++ ? sep : "");
			html_esc(h, v[i]);
		}
}

void put_td(struct html *h, const char *cls, const char *s)
{
	html_raw(h, "<td");
	if (cls)
		html_fmt(h, " class=%s", cls);
	html_raw(h, ">");
	html_esc(h, s);
	html_raw(h, "</td>");
}

void table_end(struct html *h, const char *id, size_t rows)
{
	html_raw(h, "</tbody></table></div>");
	if (rows > AS_REPORT_PAGE)
		html_fmt(h, "<button class=more data-for=\"%s\" hidden></button>", id);
}
