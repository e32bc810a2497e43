/* audit.c — the audit report's page: the agents prepared from the document
 * (order, risks with the policy's, what was seen in content), the frame
 * (header, navigation, sections, what the page was made from), the
 * embedded style and script, and the baseline's loader. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "audit_internal.h"
#include "hash.h"
#include "limits.h"
#include "text.h"

/* page.css and page.js, compiled in (embed.cmake). */
extern const unsigned char audit_css[], audit_js[];

/* ---- the agents of the page ---- */

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The record's risk flags and the policy's, sorted, each once. */
json_t *agent_risks(const struct page *p, json_t *rec)
{
	const char *v[64];
	size_t n = 0;
	json_t *r = json_object_get(rec, "risks"), *x;
	size_t i;
	json_array_foreach(r, i, x) if (json_is_string(x) && n < 63) v[n++] = json_string_value(x);
	json_array_foreach(json_object_get(rec, "destinations"), i, x) if (dest_verdict(p, x) == V_NOT_SANCTIONED)
	{
		v[n++] = RISK_UNSANCTIONED;
		break;
	}
	qsort(v, n, sizeof *v, str_cmp);
	json_t *out = json_array();
	for (i = 0; out && i < n; i++)
		if (!i || strcmp(v[i], v[i - 1]))
			json_array_append_new(out, json_string(v[i]));
	return out;
}

/* Whether the sensor saw the agent's protocol (clear or decrypted), not
 * only a name (SNI, DNS) or a fingerprint; a record that does not say is
 * taken as seen. */
static bool seen_in_content(json_t *rec)
{
	json_t *b = json_object_get(json_object_get(rec, "evidence"), "basis");
	if (json_is_string(b))
		return !strcmp(json_string_value(b), "content");
	return !json_array_size(b) || jhas(b, "content");
}

/* The record with its arrays of objects in one order (a copy: the
 * document is the caller's). The inventory and a registry list them
 * differently; the page must not. */
static json_t *canonical(json_t *rec)
{
	static const struct {
		const char *in, *array, *k1, *k2, *k3;
	} order[] = {
	    {NULL, "destinations", "service", "endpoint", "tls"},
	    {NULL, "oauth", "issuer", "client_id", NULL},
	    {NULL, "credentials", "fingerprint", "where", "type"},
	    {"mcp", "tools_listed", "name", NULL, NULL},
	    {"mcp", "tools_called", "name", NULL, NULL},
	    {"mcp", "server_agents", "endpoint", "agent_id", NULL},
	    {"mcp", "clients", "agent_id", NULL, NULL},
	    {"a2a", "clients", "agent_id", NULL, NULL},
	};
	json_t *c = json_copy(rec);
	for (size_t i = 0; c && i < sizeof order / sizeof order[0]; i++) {
		json_t *o = c;
		if (order[i].in) {
			json_t *in = json_object_get(c, order[i].in);
			if (!json_is_object(in))
				continue;
			o = json_copy(in);
			json_object_set_new(c, order[i].in, o);
		}
		json_t *arr = json_object_get(o, order[i].array);
		if (json_is_array(arr))
			json_object_set_new(o, order[i].array, jsorted(arr, order[i].k1, order[i].k2, order[i].k3));
	}
	return c;
}

static const char *nz(const char *s)
{
	return s ? s : "";
}

/* The inventory's order: host address, kind, software, id. */
static int agent_cmp(const void *pa, const void *pb)
{
	const struct aag *x = pa, *y = pb;
	int c = text_ip_cmp(nz(x->ip), nz(y->ip));
	if (!c)
		c = strcmp(nz(x->kind), nz(y->kind));
	if (!c)
		c = strcmp(nz(x->sw), nz(y->sw));
	return c ? c : strcmp(x->id, y->id);
}

static int prepare(struct page *p)
{
	json_t *agents = json_object_get(p->in->doc, "agents");
	if (!json_is_array(agents))
		return AS_ERR_MALFORMED;
	p->ag = calloc(json_array_size(agents) + 1, sizeof *p->ag);
	if (!p->ag)
		return AS_ERR_NOMEM;
	size_t i;
	json_t *rec;
	json_array_foreach(agents, i, rec)
	{
		const char *id = jstr(rec, "agent_id");
		if (!json_is_object(rec) || !id)
			continue; /* not an agent record */
		if (!(rec = canonical(rec)))
			return AS_ERR_NOMEM;
		json_t *host = json_object_get(rec, "host");
		struct aag *a = &p->ag[p->n++];
		*a = (struct aag){.rec = rec,
				  .id = id,
				  .kind = jstr(rec, "kind"),
				  .ip = jstr(host, "ip"),
				  .hostname = jstr(host, "hostname"),
				  .owner = jstr(host, "owner"),
				  .team = jstr(host, "team"),
				  .host_key = jstr(host, "key"),
				  .sw = jstr2(rec, "software", "name"),
				  .risks = agent_risks(p, rec),
				  .content = seen_in_content(rec),
				  .first_ms = time_ms(jstr(rec, "first_seen")),
				  .last_ms = time_ms(jstr(rec, "last_seen"))};
		if (!a->risks)
			return AS_ERR_NOMEM;
		if (a->last_ms < a->first_ms) /* a hand-made or damaged record: its span is its first time */
			a->last_ms = a->first_ms;
	}
	qsort(p->ag, p->n, sizeof *p->ag, agent_cmp);
	for (i = 0; i < p->n; i++) {
		struct aag *a = &p->ag[i];
		int oom = 0;
		hmap_put(&p->by_id, a->id, strlen(a->id), a, &oom);
		if (oom)
			return AS_ERR_NOMEM;
		if (a->first_ms >= 0 && (p->t0 < 0 || a->first_ms < p->t0))
			p->t0 = a->first_ms;
		if (a->last_ms > p->t1)
			p->t1 = a->last_ms;
	}
	return AS_OK;
}

/* ---- what the page was made from ---- */

static void fact_begin(struct html *h, const char *label)
{
	html_raw(h, "<dt>");
	html_esc(h, label);
	html_raw(h, "</dt><dd>");
}

/* A string, a number or a list of strings (collapsed past a few). */
static void fact_value(struct html *h, json_t *v)
{
	if (json_is_string(v)) {
		html_esc(h, json_string_value(v));
	} else if (json_is_integer(v) && json_integer_value(v) >= 0) {
		put_num(h, (uint64_t)json_integer_value(v));
	} else if (json_is_array(v) && json_array_size(v) <= 8) {
		put_list(h, v, "<br>");
	} else if (json_is_array(v)) {
		html_fmt(h, "<details><summary>%zu</summary>", json_array_size(v));
		put_list(h, v, "<br>");
		html_raw(h, "</details>");
	}
}

static void fact(struct html *h, const char *label, json_t *v)
{
	if (!v || json_is_null(v))
		return;
	fact_begin(h, label);
	fact_value(h, v);
	html_raw(h, "</dd>");
}

static void count_fact(struct html *h, const char *label, json_t *o, const char *const *keys, size_t n)
{
	if (!json_is_object(o))
		return;
	fact_begin(h, label);
	for (size_t i = 0; i < n; i++) {
		html_raw(h, i ? ", " : "");
		put_num(h, juint(o, keys[i]));
		html_fmt(h, " %s", keys[i]);
	}
	html_raw(h, "</dd>");
}

static void policy_fact(struct page *p)
{
	struct html *h = p->h;
	fact_begin(h, "Policy");
	if (!p->policy) {
		html_raw(h, "none configured (config <code>policy:</code>): no destination judged");
	} else {
		const struct audit_policy *pol = p->in->policy;
		html_raw(h, "sanctioned providers: ");
		for (size_t i = 0; i < pol->n_providers; i++) {
			html_raw(h, i ? ", " : "");
			html_esc(h, pol->providers[i]);
		}
		html_raw(h, pol->n_providers ? "" : "none");
		html_raw(h, "; sanctioned services: ");
		for (size_t i = 0; i < pol->n_services; i++) {
			html_raw(h, i ? ", " : "");
			html_esc(h, pol->services[i]);
		}
		html_raw(h, pol->n_services ? "" : "none");
	}
	html_raw(h, "</dd>");
}

/* The one section that differs between a replay's page and the registry's
 * of the same traffic; marked <!--p-->…<!--/p--> like every other such part. */
static void provenance(struct page *p)
{
	struct html *h = p->h;
	json_t *doc = p->in->doc, *s = json_object_get(doc, "sensor"), *pair;
	size_t i;
	html_raw(h, "<!--p--><section id=provenance><h2>What this report was made from</h2><dl class=kv>");
	fact_begin(h, "Report");
	html_raw(h, "aisensor " AS_VERSION ", ");
	html_esc(h, p->in->generated ? p->in->generated : "");
	html_raw(h, "</dd>");
	json_array_foreach(p->in->provenance, i, pair) if (json_is_string(json_array_get(pair, 0)))
	    fact(h, json_string_value(json_array_get(pair, 0)), json_array_get(pair, 1));
	if (json_is_object(s)) {
		fact_begin(h, "Sensor");
		const char *const who[] = {jstr(s, "name"), jstr(s, "product"), jstr(s, "version")};
		put_join(h, " ", who, 3);
		html_raw(h, "</dd>");
		fact(h, "Inputs", json_object_get(s, "inputs"));
		fact(h, "Interfaces", json_object_get(s, "interfaces"));
		static const char *const pk[] = {"read", "decoded", "skipped"}, *fl[] = {"total", "dissected"};
		count_fact(h, "Packets", json_object_get(s, "packets"), pk, 3);
		count_fact(h, "Flows", json_object_get(s, "flows"), fl, 2);
		fact(h, "Events", json_object_get(s, "events"));
		static const char *const kl[] = {"secrets", "lines", "malformed_lines"};
		count_fact(h, "TLS key logs", json_object_get(s, "tls_keylog"), kl, 3);
		fact(h, "Signature services", json_object_get(s, "signature_services"));
	}
	json_t *tr = json_object_get(doc, "time_range");
	if (jstr(tr, "first_packet")) {
		fact_begin(h, "Packet time");
		put_time(h, jstr(tr, "first_packet"));
		html_raw(h, " to ");
		put_time(h, jstr(tr, "last_packet"));
		html_raw(h, "</dd>");
	}
	fact(h, "Inventory written", json_object_get(doc, "generated"));
	fact(h, "Inventory schema", json_object_get(doc, "schema_version"));
	policy_fact(p);
	if (p->in->baseline) {
		fact_begin(h, "Baseline");
		html_esc(h, p->in->baseline_name ? p->in->baseline_name : "(unnamed)");
		html_fmt(h, ", %zu agents", json_array_size(json_object_get(p->in->baseline, "agents")));
		if (jstr(p->in->baseline, "generated")) {
			html_raw(h, ", written ");
			html_esc(h, jstr(p->in->baseline, "generated"));
		}
		html_raw(h, "</dd>");
	}
	html_raw(h, "</dl><p class=note>Credentials appear only as keyed fingerprints "
		    "(HMAC-SHA256 with the deployment's salt): the sensor never keeps a secret, "
		    "and this page holds none.</p></section><!--/p-->");
}

/* ---- the frame ---- */

static void base64(const uint8_t *in, size_t n, char *out)
{
	static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0) |
			     (i + 2 < n ? in[i + 2] : 0);
		out[o++] = t[v >> 18];
		out[o++] = t[(v >> 12) & 63];
		out[o++] = i + 1 < n ? t[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? t[v & 63] : '=';
	}
	out[o] = '\0';
}

static void head(struct page *p)
{
	struct html *h = p->h;
	/* The policy lets the page load nothing at all and run only its own
	 * script (by hash): should anything from the wire slip through as
	 * markup, it would stay inert, and say so in the console. */
	uint8_t d[AS_SHA256_LEN];
	struct as_sha256 s;
	as_sha256_init(&s);
	as_sha256_update(&s, audit_js, strlen((const char *)audit_js));
	as_sha256_final(&s, d);
	char b64[48];
	base64(d, sizeof d, b64);
	html_raw(h, "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
		    "<meta name=viewport content=\"width=device-width, initial-scale=1\">");
	html_fmt(h, "<meta http-equiv=Content-Security-Policy content=\"default-src 'none'; "
		    "style-src 'unsafe-inline'; img-src data:; script-src 'sha256-%s'\">",
		 b64);
	html_raw(h, "<meta name=generator content=\"aisensor " AS_VERSION "\">"
		    "<title>AI agents on the network: audit report</title><style>");
	html_raw(h, (const char *)audit_css);
	html_raw(h, "</style><noscript><style>[data-page]>details[hidden]{display:block}"
		    "[data-page]>tr[hidden]{display:table-row}</style></noscript></head><body>\n<header><h1>AI agents on the network</h1><p class=sub>Audit report: <b>");
	put_num(h, p->n);
	html_raw(h, p->n == 1 ? "</b> agent" : "</b> agents");
	if (p->t0 >= 0) {
		html_raw(h, ", seen from ");
		put_ms(h, p->t0);
		html_raw(h, " to ");
		put_ms(h, p->t1);
	}
	if (p->in->baseline)
		html_raw(h, ", compared with a baseline");
	html_raw(h, "<!--p-->. ");
	json_t *sensor = json_object_get(p->in->doc, "sensor");
	size_t inputs = json_array_size(json_object_get(sensor, "inputs"));
	html_raw(h, "Made from ");
	if (inputs) {
		put_num(h, inputs);
		html_raw(h, inputs == 1 ? " capture file" : " capture files");
	} else {
		html_raw(h, json_is_object(sensor) ? "a live capture" : "the agent registry");
	}
	html_raw(h, " on ");
	html_esc(h, p->in->generated);
	html_raw(h, ".<!--/p--></p></header>\n");
}

static void nav(struct page *p)
{
	html_raw(p->h, "<nav><a href=\"#summary\">Summary</a>");
	if (p->in->baseline)
		html_raw(p->h, "<a href=\"#changes\">Changes</a>");
	html_raw(p->h, "<a href=\"#risks\">Risks</a><a href=\"#owners\">Owners</a><a href=\"#hosts\">Hosts</a>"
		       "<a href=\"#agents\">Agents</a><a href=\"#timeline\">Timeline</a>"
		       "<a href=\"#map\">Map</a><a href=\"#provenance\">Source</a></nav>\n<main>");
}

static void page(struct page *p)
{
	head(p);
	nav(p);
	audit_summary(p);
	if (p->in->baseline)
		audit_changes(p);
	audit_risks(p);
	audit_owners(p);
	audit_hosts(p);
	audit_cards(p);
	audit_timeline(p);
	audit_map(p);
	provenance(p);
	html_raw(p->h, "</main>\n<footer>aisensor " AS_VERSION
		       ": a passive network sensor for AI agents. Packet times are UTC.</footer>\n<script>");
	html_raw(p->h, (const char *)audit_js);
	html_raw(p->h, "</script>\n</body></html>\n");
}

int audit_render(const struct audit_input *in, char **out, size_t *len)
{
	struct html h;
	html_init(&h);
	struct page p = {.h = &h, .in = in, .t0 = -1, .t1 = -1};
	p.policy = in->policy && (in->policy->n_providers || in->policy->n_services);
	hmap_init(&p.by_id);
	int r = prepare(&p);
	if (r == AS_OK) {
		audit_mark_new(&p);
		page(&p);
		if (h.oom)
			r = AS_ERR_NOMEM;
	}
	for (size_t i = 0; i < p.n; i++) {
		json_decref(p.ag[i].risks);
		json_decref(p.ag[i].rec);
	}
	free(p.ag);
	hmap_free(&p.by_id);
	if (r < 0) {
		html_free(&h);
		return r;
	}
	*out = h.buf;
	*len = h.len;
	return AS_OK;
}

int audit_load_inventory(const char *path, json_t **doc, char *err, size_t errsz)
{
	json_error_t je;
	struct stat st;
	FILE *f = fopen(path, "rb");
	if (!f || fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errsz, "%s: %s", path, f ? "not a file" : strerror(errno));
		if (f)
			fclose(f);
		return AS_ERR_CONFIG;
	}
	json_t *d = json_loadf(f, JSON_REJECT_DUPLICATES, &je);
	fclose(f);
	if (!d) {
		snprintf(err, errsz, "%s:%d:%d: not an inventory: %s", path, je.line, je.column, je.text);
		return AS_ERR_CONFIG;
	}
	if (!json_is_array(json_object_get(d, "agents"))) {
		snprintf(err, errsz, "%s: not an inventory: no \"agents\" array (an --inventory file is wanted)", path);
		json_decref(d);
		return AS_ERR_CONFIG;
	}
	*doc = d;
	return AS_OK;
}
