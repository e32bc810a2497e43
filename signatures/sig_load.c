/* sig_load.c — signature files (signatures/README.md) -> struct sig_db:
 * reads and size-checks each file, walks the YAML tree against the schema and
 * reports the first problem as "file:line: problem". */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sig_internal.h"
#include "text.h"

/* Fixed vocabularies; README.md documents each value. */
static const char *const categories[] = {
    "llm-api",	"ai-chat",  "ai-coding", "ai-platform", "ai-search", "ai-image",
    "ai-voice", "ai-video", "ai-agent",	 "ai-writing",	"identity",  "mcp-server",
};
static const char *const kinds[] = {"llm-api-client", "ai-app", "mcp-client", "browser", "generic-http"};
/* OpenTelemetry gen_ai.operation.name well-known values. */
static const char *const operations[] = {
    "chat",	    "text_completion", "embeddings",   "generate_content",
    "create_agent", "invoke_agent",    "execute_tool",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

struct ld {
	struct sig_db *db;
	struct arena tmp; /* YAML tree of the current file */
	const char *file;
	char *err;
	size_t errsz;
};

static int fail(struct ld *l, size_t line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(struct ld *l, size_t line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (l->errsz)
		snprintf(l->err, l->errsz, "%s:%zu: %s", l->file, line, msg);
	return AS_ERR_CONFIG;
}

#define TRY(x)                                                                                               \
	do {                                                                                                 \
		int rc_ = (x);                                                                               \
		if (rc_ != AS_OK)                                                                            \
			return rc_;                                                                          \
	} while (0)

static bool in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

static char *keep(struct ld *l, const struct ynode *n)
{
	return arena_strndup(&l->db->arena, n->str, n->len);
}

/* ---- generic mapping walk: each key must be known and appear once ---- */

struct field {
	const char *key;
	bool required;
	const struct ynode *val; /* filled by take_fields */
};

static int take_fields(struct ld *l, const struct ynode *map, const char *what, struct field *f,
		       size_t nf)
{
	if (map->type != YNODE_MAP)
		return fail(l, map->line, "%s must be a mapping", what);
	for (const struct ynode *k = map->first; k; k = k->next->next) {
		const struct ynode *v = k->next;
		size_t i;
		for (i = 0; i < nf; i++)
			if (strcmp(k->str, f[i].key) == 0)
				break;
		if (i == nf)
			return fail(l, k->line, "unknown key '%s' in %s", k->str, what);
		if (f[i].val)
			return fail(l, k->line, "duplicate key '%s' in %s", k->str, what);
		f[i].val = v;
	}
	for (size_t i = 0; i < nf; i++)
		if (f[i].required && !f[i].val)
			return fail(l, map->line, "%s is missing required key '%s'", what, f[i].key);
	return AS_OK;
}

static int want_str(struct ld *l, const struct ynode *v, const char *key)
{
	if (v->type != YNODE_SCALAR)
		return fail(l, v->line, "'%s' must be a string", key);
	if (v->len == 0)
		return fail(l, v->line, "'%s' must not be empty", key);
	return AS_OK;
}

static int want_seq(struct ld *l, const struct ynode *v, const char *key)
{
	if (v->type != YNODE_SEQ)
		return fail(l, v->line, "'%s' must be a sequence", key);
	if (v->n_children == 0)
		return fail(l, v->line, "'%s' must not be empty", key);
	return AS_OK;
}

static int want_bool(struct ld *l, const struct ynode *v, const char *key, bool *out)
{
	if (v->type == YNODE_SCALAR && strcmp(v->str, "true") == 0)
		*out = true;
	else if (v->type == YNODE_SCALAR && strcmp(v->str, "false") == 0)
		*out = false;
	else
		return fail(l, v->line, "'%s' must be true or false", key);
	return AS_OK;
}

static bool charset(const char *s, const char *extra, bool upper)
{
	for (; *s; s++) {
		char c = *s;
		if ((c >= 'a' && c <= 'z' && !upper) || (c >= 'A' && c <= 'Z' && upper) ||
		    (c >= '0' && c <= '9') || (c && strchr(extra, c)))
			continue;
		return false;
	}
	return true;
}

static bool kebab(const char *s)
{
	if (!*s || *s == '-' || s[strlen(s) - 1] == '-' || strstr(s, "--"))
		return false;
	return charset(s, "-", false);
}

/* ---- services ---- */

static int add_domain(struct ld *l, const struct ynode *v, const struct sig_service *svc)
{
	struct sig_db *db = l->db;
	TRY(want_str(l, v, "domains"));
	char *pat = keep(l, v);
	if (!pat)
		return AS_ERR_NOMEM;
	size_t len = v->len;
	text_lower(pat);
	if (len && pat[len - 1] == '.')
		pat[--len] = '\0';
	if (len == 0 || len > 253 || !charset(pat, "-_.*", false))
		return fail(l, v->line, "bad domain '%s'", v->str);
	if (pat[0] == '.' || strstr(pat, ".."))
		return fail(l, v->line, "bad domain '%s': empty label", v->str);
	const char *star = strchr(pat, '*');
	if (star && strchr(star + 1, '*'))
		return fail(l, v->line, "bad domain '%s': more than one '*'", v->str);

	const char *anchor; /* the literal suffix the entry is keyed by */
	enum { EXACT, BELOW, PATTERN } form;
	const char *label_end = star ? strchr(star, '.') : NULL;
	if (!star) {
		form = EXACT;
		anchor = pat;
	} else if (star == pat && pat[1] == '.') {
		form = BELOW;
		anchor = pat + 2;
	} else if (label_end) {
		form = PATTERN;
		anchor = label_end + 1;
	} else {
		return fail(l, v->line, "bad domain '%s': '*' in the last label", v->str);
	}
	if (form != EXACT && !strchr(anchor, '.'))
		return fail(l, v->line, "bad domain '%s': wildcard over a top-level domain", v->str);

	size_t alen = strlen(anchor);
	uint32_t h = sig_hash_rev(anchor, alen);
	struct sig_dom_entry *e = sig_htab_get(&db->domains, anchor, alen, h);
	if (!e) {
		e = arena_alloc(&db->arena, sizeof *e);
		if (!e)
			return AS_ERR_NOMEM;
		e->name = anchor;
		TRY(sig_htab_put(&db->domains, anchor, alen, h, e));
	}
	const struct sig_service *prev = NULL;
	if (form == EXACT) {
		prev = e->exact;
		if (!prev)
			e->exact = svc;
	} else if (form == BELOW) {
		prev = e->below;
		if (!prev)
			e->below = svc;
	} else {
		for (const struct sig_dom_pattern *p = e->patterns; p && !prev; p = p->next)
			if (strcmp(p->pattern, pat) == 0)
				prev = p->svc;
		if (!prev) {
			struct sig_dom_pattern *p = arena_alloc(&db->arena, sizeof *p);
			char *prefix = arena_strndup(&db->arena, pat, (size_t)(anchor - 1 - pat));
			if (!p || !prefix)
				return AS_ERR_NOMEM;
			p->pattern = pat;
			p->prefix = prefix;
			p->literal = len - 1;
			p->svc = svc;
			p->next = e->patterns;
			e->patterns = p;
		}
	}
	if (prev)
		return fail(l, v->line, "duplicate domain '%s' (already in service '%s')", pat, prev->id);
	return AS_OK;
}

static int load_service(struct ld *l, const struct ynode *m)
{
	struct field f[] = {
	    {"id", true, NULL},	       {"name", true, NULL},
	    {"vendor", true, NULL},    {"category", true, NULL},
	    {"provider", false, NULL}, {"domains", true, NULL},
	    {"source", false, NULL},   {"path", false, NULL},
	    {"shared", false, NULL},   {"stream_events", false, NULL},
	};
	TRY(take_fields(l, m, "service", f, COUNT(f)));
	for (size_t i = 0; i < COUNT(f); i++)
		if (f[i].val && i != 5 && i != 8)
			TRY(want_str(l, f[i].val, f[i].key));
	bool shared = false;
	if (f[8].val)
		TRY(want_bool(l, f[8].val, "shared", &shared));
	const struct ynode *id = f[0].val, *cat = f[3].val, *prov = f[4].val;
	if (!kebab(id->str))
		return fail(l, id->line, "service id '%s' is not kebab-case", id->str);
	if (!in_list(cat->str, categories, COUNT(categories)))
		return fail(l, cat->line, "unknown category '%s'", cat->str);
	if (prov && !charset(prov->str, "._-", false))
		return fail(l, prov->line, "bad provider '%s'", prov->str);
	uint8_t stream_events = SIG_STREAM_UNKNOWN;
	if (f[9].val) {
		const struct ynode *se = f[9].val;
		if (!strcmp(se->str, "one"))
			stream_events = SIG_STREAM_ONE;
		else if (!strcmp(se->str, "several"))
			stream_events = SIG_STREAM_SEVERAL;
		else
			return fail(l, se->line, "stream_events must be one or several, not '%s'", se->str);
	}
	TRY(want_seq(l, f[5].val, "domains"));

	struct sig_db *db = l->db;
	uint32_t h = sig_hash_rev(id->str, id->len);
	const struct sig_service *dup = sig_htab_get(&db->ids, id->str, id->len, h);
	if (dup)
		return fail(l, id->line, "duplicate service id '%s'", id->str);
	struct sig_service *s = arena_alloc(&db->arena, sizeof *s);
	if (!s)
		return AS_ERR_NOMEM;
	s->id = keep(l, id);
	s->name = keep(l, f[1].val);
	s->vendor = keep(l, f[2].val);
	s->category = keep(l, cat);
	s->provider = prov ? keep(l, prov) : NULL;
	s->path = f[7].val ? keep(l, f[7].val) : NULL;
	s->shared = shared;
	s->stream_events = stream_events;
	if (!s->id || !s->name || !s->vendor || !s->category || (prov && !s->provider) ||
	    (f[7].val && !s->path))
		return AS_ERR_NOMEM;
	TRY(sig_htab_put(&db->ids, s->id, id->len, h, s));
	db->n_services++;
	/* A host that serves other APIs too names no service by its name alone
	 * (a TLS server name, a DNS answer): without keys its path is unseen. */
	if (shared)
		return AS_OK;
	for (const struct ynode *d = f[5].val->first; d; d = d->next)
		TRY(add_domain(l, d, s));
	return AS_OK;
}

/* ---- clients ---- */

static int set_value(struct ld *l, struct sig_cond *c, enum sig_op op, const struct ynode *v,
		     const char *key)
{
	TRY(want_str(l, v, key));
	c->op = op;
	c->value = keep(l, v);
	c->value_len = v->len;
	return c->value ? AS_OK : AS_ERR_NOMEM;
}

/* Makes room for one more element; returns the (maybe moved) array or NULL. */
static void *grow(void *arr, size_t *cap, size_t n, size_t elem)
{
	if (n < *cap)
		return arr;
	size_t nc = *cap ? *cap * 2 : 16;
	void *p = realloc(arr, nc * elem);
	if (p)
		*cap = nc;
	return p;
}

static int load_client(struct ld *l, const struct ynode *m)
{
	struct field f[] = {
	    {"name", true, NULL},
	    {"kind", true, NULL},
	    {"user_agent", false, NULL},
	    {"headers", false, NULL},
	    {"version_after", false, NULL},
	    {"version_header", false, NULL},
	    {"version_header_after", false, NULL},
	    {"source", false, NULL},
	};
	TRY(take_fields(l, m, "client rule", f, COUNT(f)));
	const size_t str_keys[] = {0, 1, 4, 5, 6, 7};
	for (size_t i = 0; i < COUNT(str_keys); i++)
		if (f[str_keys[i]].val)
			TRY(want_str(l, f[str_keys[i]].val, f[str_keys[i]].key));
	const struct ynode *kind = f[1].val, *ua = f[2].val, *hdrs = f[3].val;
	if (!in_list(kind->str, kinds, COUNT(kinds)))
		return fail(l, kind->line, "unknown kind '%s'", kind->str);
	if (!ua && !hdrs)
		return fail(l, m->line, "client rule needs 'user_agent' or 'headers'");
	if (f[6].val && !f[5].val)
		return fail(l, f[6].val->line, "'version_header_after' needs 'version_header'");
	if (f[5].val && !charset(f[5].val->str, "-_", false))
		return fail(l, f[5].val->line, "header name '%s' must be lower-case", f[5].val->str);

	struct field uf[] = {{"equals", false, NULL}, {"prefix", false, NULL}, {"contains", false, NULL}};
	size_t n_conds = 0;
	if (ua) {
		TRY(take_fields(l, ua, "user_agent", uf, COUNT(uf)));
		if (!uf[0].val && !uf[1].val && !uf[2].val)
			return fail(l, ua->line, "user_agent needs 'equals', 'prefix' or 'contains'");
		n_conds += (uf[0].val != NULL) + (uf[1].val != NULL);
		if (uf[2].val) {
			if (uf[2].val->type == YNODE_SEQ) {
				TRY(want_seq(l, uf[2].val, "contains"));
				n_conds += uf[2].val->n_children;
			} else {
				n_conds++;
			}
		}
	}
	if (hdrs) {
		TRY(want_seq(l, hdrs, "headers"));
		n_conds += hdrs->n_children;
	}

	struct sig_db *db = l->db;
	struct sig_cond *conds = arena_alloc(&db->arena, n_conds * sizeof *conds);
	if (!conds)
		return AS_ERR_NOMEM;
	size_t k = 0;
	if (ua) {
		if (uf[0].val)
			TRY(set_value(l, &conds[k++], SIG_OP_EQUALS, uf[0].val, "equals"));
		if (uf[1].val)
			TRY(set_value(l, &conds[k++], SIG_OP_PREFIX, uf[1].val, "prefix"));
		if (uf[2].val && uf[2].val->type == YNODE_SEQ) {
			for (const struct ynode *c = uf[2].val->first; c; c = c->next)
				TRY(set_value(l, &conds[k++], SIG_OP_CONTAINS, c, "contains"));
		} else if (uf[2].val) {
			TRY(set_value(l, &conds[k++], SIG_OP_CONTAINS, uf[2].val, "contains"));
		}
	}
	for (const struct ynode *h = hdrs ? hdrs->first : NULL; h; h = h->next) {
		struct field hf[] = {{"name", true, NULL},
				     {"equals", false, NULL},
				     {"prefix", false, NULL},
				     {"contains", false, NULL},
				     {"present", false, NULL}};
		TRY(take_fields(l, h, "header condition", hf, COUNT(hf)));
		TRY(want_str(l, hf[0].val, "name"));
		if (!charset(hf[0].val->str, "-_", false))
			return fail(l, hf[0].val->line, "header name '%s' must be lower-case",
				    hf[0].val->str);
		size_t ops = 0;
		for (size_t i = 1; i < COUNT(hf); i++)
			ops += hf[i].val != NULL;
		if (ops != 1)
			return fail(l, h->line,
				    "header condition needs exactly one of 'equals', 'prefix', 'contains', "
				    "'present'");
		struct sig_cond *c = &conds[k++];
		c->header = keep(l, hf[0].val);
		if (!c->header)
			return AS_ERR_NOMEM;
		if (hf[1].val)
			TRY(set_value(l, c, SIG_OP_EQUALS, hf[1].val, "equals"));
		else if (hf[2].val)
			TRY(set_value(l, c, SIG_OP_PREFIX, hf[2].val, "prefix"));
		else if (hf[3].val)
			TRY(set_value(l, c, SIG_OP_CONTAINS, hf[3].val, "contains"));
		else {
			bool present = false;
			TRY(want_bool(l, hf[4].val, "present", &present));
			if (!present)
				return fail(l, hf[4].val->line, "'present' must be true");
			c->op = SIG_OP_PRESENT;
		}
	}

	struct sig_client_rule *arr = grow(db->clients, &db->cap_clients, db->n_clients, sizeof *arr);
	if (!arr)
		return AS_ERR_NOMEM;
	db->clients = arr;
	struct sig_client_rule *r = &db->clients[db->n_clients];
	memset(r, 0, sizeof *r);
	r->name = keep(l, f[0].val);
	r->kind = keep(l, kind);
	r->conds = conds;
	r->n_conds = n_conds;
	r->version_after = f[4].val ? keep(l, f[4].val) : NULL;
	r->version_header = f[5].val ? keep(l, f[5].val) : NULL;
	r->version_header_after = f[6].val ? keep(l, f[6].val) : NULL;
	if (!r->name || !r->kind || (f[4].val && !r->version_after) || (f[5].val && !r->version_header) ||
	    (f[6].val && !r->version_header_after))
		return AS_ERR_NOMEM;
	db->n_clients++;
	return AS_OK;
}

/* ---- ja4 ---- */

static bool ja4_shape(const char *s)
{
	/* t13d1516h2_8daaf6152771_e5627efa2ab1: a_b_c, 10 + 1 + 12 + 1 + 12 characters */
	if (strlen(s) != 36 || s[10] != '_' || s[23] != '_' || !strchr("tqd", s[0]))
		return false;
	for (size_t i = 0; i < 36; i++) {
		char c = s[i];
		if (i == 10 || i == 23)
			continue;
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')))
			return false;
		if (i > 10 && !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
	}
	return true;
}

static int load_ja4(struct ld *l, const struct ynode *m)
{
	struct field f[] = {
	    {"ja4", true, NULL},    {"name", false, NULL},    {"kind", true, NULL},
	    {"source", true, NULL}, {"runtime", false, NULL},
	};
	TRY(take_fields(l, m, "ja4 rule", f, COUNT(f)));
	for (size_t i = 0; i < COUNT(f); i++)
		if (f[i].val)
			TRY(want_str(l, f[i].val, f[i].key));
	const struct ynode *ja4 = f[0].val;
	if (!f[1].val && !f[4].val)
		return fail(l, ja4->line, "ja4 rule needs 'name' (a product) or 'runtime'");
	if (!ja4_shape(ja4->str))
		return fail(l, ja4->line, "bad ja4 '%s'", ja4->str);
	if (!in_list(f[2].val->str, kinds, COUNT(kinds)))
		return fail(l, f[2].val->line, "unknown kind '%s'", f[2].val->str);
	struct sig_db *db = l->db;
	uint32_t h = sig_hash_rev(ja4->str, ja4->len);
	if (sig_htab_get(&db->ja4, ja4->str, ja4->len, h))
		return fail(l, ja4->line, "duplicate ja4 '%s'", ja4->str);
	struct sig_ja4_rule *r = arena_alloc(&db->arena, sizeof *r);
	if (!r)
		return AS_ERR_NOMEM;
	r->ja4 = keep(l, ja4);
	r->name = f[1].val ? keep(l, f[1].val) : NULL;
	r->runtime = f[4].val ? keep(l, f[4].val) : NULL;
	r->kind = keep(l, f[2].val);
	if (!r->ja4 || (f[1].val && !r->name) || (f[4].val && !r->runtime) || !r->kind)
		return AS_ERR_NOMEM;
	return sig_htab_put(&db->ja4, r->ja4, ja4->len, h, r);
}

/* ---- products ---- */

/* A product: its names (each names it alone, over all files) and runtimes. */
static int load_product(struct ld *l, const struct ynode *m)
{
	struct field f[] = {
	    {"id", true, NULL},	      {"name", true, NULL},	 {"vendor", true, NULL},
	    {"software", true, NULL}, {"runtimes", false, NULL}, {"source", false, NULL},
	};
	TRY(take_fields(l, m, "product", f, COUNT(f)));
	for (size_t i = 0; i < 3; i++)
		TRY(want_str(l, f[i].val, f[i].key));
	TRY(want_seq(l, f[3].val, "software"));
	if (f[4].val)
		TRY(want_seq(l, f[4].val, "runtimes"));
	struct sig_db *db = l->db;
	const struct ynode *id = f[0].val;
	uint32_t h = sig_hash_rev(id->str, id->len);
	if (sig_htab_get(&db->product_ids, id->str, id->len, h))
		return fail(l, id->line, "duplicate product id '%s'", id->str);
	struct sig_product *p = arena_alloc(&db->arena, sizeof *p);
	const char **rt = arena_alloc(&db->arena, (f[4].val ? f[4].val->n_children : 0) * sizeof *rt + 1);
	if (!p || !rt)
		return AS_ERR_NOMEM;
	p->id = keep(l, id);
	p->name = keep(l, f[1].val);
	p->vendor = keep(l, f[2].val);
	p->runtimes = rt;
	if (!p->id || !p->name || !p->vendor)
		return AS_ERR_NOMEM;
	for (const struct ynode *r = f[4].val ? f[4].val->first : NULL; r; r = r->next) {
		TRY(want_str(l, r, "runtimes"));
		if (!(rt[p->n_runtimes++] = keep(l, r)))
			return AS_ERR_NOMEM;
	}
	TRY(sig_htab_put(&db->product_ids, p->id, id->len, h, p));
	for (const struct ynode *sw = f[3].val->first; sw; sw = sw->next) {
		TRY(want_str(l, sw, "software"));
		uint32_t hs = sig_hash_rev(sw->str, sw->len);
		const struct sig_product *dup = sig_htab_get(&db->products, sw->str, sw->len, hs);
		if (dup)
			return fail(l, sw->line, "software '%s' already names product '%s'", sw->str, dup->id);
		const char *name = keep(l, sw);
		if (!name)
			return AS_ERR_NOMEM;
		TRY(sig_htab_put(&db->products, name, sw->len, hs, p));
	}
	return AS_OK;
}

/* ---- endpoints ---- */

static int parse_seg(struct ld *l, size_t line, const char *path, const char *s, size_t n,
		     struct sig_seg *seg, bool *have_model)
{
	struct sig_db *db = l->db;
	const char *star = memchr(s, '*', n);
	const char *brace = memchr(s, '{', n);
	const char *close = memchr(s, '}', n);
	if (star && (brace || memchr(star + 1, '*', n - (size_t)(star + 1 - s))))
		return fail(l, line, "bad path '%s': one wildcard per segment", path);
	size_t wlen = 1;
	const char *w = star;
	if (brace || close) {
		static const char model[] = "{model}";
		const size_t mlen = sizeof model - 1;
		size_t at = brace ? (size_t)(brace - s) : n;
		if (!brace || n - at < mlen || memcmp(brace, model, mlen) != 0 || close != brace + mlen - 1 ||
		    memchr(brace + 1, '{', n - at - 1) || memchr(brace + mlen, '}', n - at - mlen))
			return fail(l, line, "bad path '%s': the only placeholder is '{model}'", path);
		if (*have_model)
			return fail(l, line, "bad path '%s': '{model}' more than once", path);
		*have_model = true;
		w = brace;
		wlen = mlen;
	}
	if (!w) {
		seg->kind = SIG_SEG_LITERAL;
		seg->pre = arena_strndup(&db->arena, s, n);
		seg->pre_len = n;
		return seg->pre ? AS_OK : AS_ERR_NOMEM;
	}
	seg->kind = star ? SIG_SEG_STAR : SIG_SEG_MODEL;
	seg->pre_len = (size_t)(w - s);
	seg->post_len = n - seg->pre_len - wlen;
	seg->pre = arena_strndup(&db->arena, s, seg->pre_len);
	seg->post = arena_strndup(&db->arena, w + wlen, seg->post_len);
	return seg->pre && seg->post ? AS_OK : AS_ERR_NOMEM;
}

static int parse_path(struct ld *l, const struct ynode *v, struct sig_endpoint_rule *r)
{
	TRY(want_str(l, v, "path"));
	const char *p = v->str;
	if (p[0] != '/' && strncmp(p, "**/", 3) != 0)
		return fail(l, v->line, "bad path '%s': must start with '/' or '**/'", p);
	if (strpbrk(p, "?# \t"))
		return fail(l, v->line, "bad path '%s': no query, fragment or blanks", p);
	size_t max = 0;
	for (const char *q = p; *q; q++)
		max += *q == '/';
	r->segs = arena_alloc(&l->db->arena, (max + 1) * sizeof *r->segs);
	if (!r->segs)
		return AS_ERR_NOMEM;
	r->any_at = SIZE_MAX;
	bool have_model = false;
	const char *s = p;
	while (*s) {
		while (*s == '/')
			s++;
		if (!*s)
			break;
		const char *e = strchr(s, '/');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		if (n == 2 && s[0] == '*' && s[1] == '*') {
			if (r->any_at != SIZE_MAX)
				return fail(l, v->line, "bad path '%s': '**' more than once", p);
			r->any_at = r->n_segs;
		} else {
			if (r->n_segs + 1 > AS_SIG_MAX_PATH_SEGMENTS)
				return fail(l, v->line, "bad path '%s': more than %d segments", p,
					    AS_SIG_MAX_PATH_SEGMENTS);
			TRY(parse_seg(l, v->line, p, s, n, &r->segs[r->n_segs], &have_model));
			r->n_segs++;
		}
		s += n;
	}
	if (r->n_segs == 0)
		return fail(l, v->line, "bad path '%s': no segment to match", p);
	return AS_OK;
}

static int load_endpoint(struct ld *l, const struct ynode *m)
{
	struct field f[] = {
	    {"api", true, NULL},  {"operation", false, NULL},	  {"methods", false, NULL},
	    {"path", true, NULL}, {"model_listing", false, NULL}, {"source", false, NULL},
	};
	TRY(take_fields(l, m, "endpoint", f, COUNT(f)));
	TRY(want_str(l, f[0].val, "api"));
	if (!charset(f[0].val->str, "-_", false))
		return fail(l, f[0].val->line, "bad api '%s'", f[0].val->str);
	if (f[1].val) {
		TRY(want_str(l, f[1].val, "operation"));
		if (!in_list(f[1].val->str, operations, COUNT(operations)))
			return fail(l, f[1].val->line, "unknown operation '%s'", f[1].val->str);
	}
	if (f[5].val)
		TRY(want_str(l, f[5].val, "source"));

	struct sig_db *db = l->db;
	struct sig_endpoint_rule r;
	memset(&r, 0, sizeof r);
	if (f[4].val)
		TRY(want_bool(l, f[4].val, "model_listing", &r.model_listing));
	if (f[2].val) {
		TRY(want_seq(l, f[2].val, "methods"));
		r.methods = arena_alloc(&db->arena, f[2].val->n_children * sizeof *r.methods);
		if (!r.methods)
			return AS_ERR_NOMEM;
		for (const struct ynode *x = f[2].val->first; x; x = x->next) {
			TRY(want_str(l, x, "methods"));
			if (!charset(x->str, "", true))
				return fail(l, x->line, "bad method '%s'", x->str);
			if (!(r.methods[r.n_methods++] = keep(l, x)))
				return AS_ERR_NOMEM;
		}
	}
	TRY(parse_path(l, f[3].val, &r));
	r.api = keep(l, f[0].val);
	r.operation = f[1].val ? keep(l, f[1].val) : NULL;
	if (!r.api || (f[1].val && !r.operation))
		return AS_ERR_NOMEM;
	struct sig_endpoint_rule *arr = grow(db->endpoints, &db->cap_endpoints, db->n_endpoints, sizeof *arr);
	if (!arr)
		return AS_ERR_NOMEM;
	db->endpoints = arr;
	db->endpoints[db->n_endpoints++] = r;
	return AS_OK;
}

/* ---- OAuth scopes ---- */

static int load_scope(struct ld *l, const struct ynode *m)
{
	struct field f[] = {
	    {"scope", true, NULL},
	    {"why", true, NULL},
	};
	TRY(take_fields(l, m, "scope rule", f, COUNT(f)));
	for (size_t i = 0; i < COUNT(f); i++)
		TRY(want_str(l, f[i].val, f[i].key));
	const struct ynode *sc = f[0].val;
	struct sig_db *db = l->db;
	uint32_t h = sig_hash_rev(sc->str, sc->len);
	if (sig_htab_get(&db->broad_scopes, sc->str, sc->len, h))
		return fail(l, sc->line, "duplicate scope '%s'", sc->str);
	const char *kept = keep(l, sc);
	if (!kept)
		return AS_ERR_NOMEM;
	return sig_htab_put(&db->broad_scopes, kept, sc->len, h, (void *)kept);
}

/* ---- files ---- */

static int load_section(struct ld *l, const struct ynode *seq, const char *key,
			int (*fn)(struct ld *, const struct ynode *))
{
	if (seq->type != YNODE_SEQ)
		return fail(l, seq->line, "'%s' must be a sequence", key);
	for (const struct ynode *m = seq->first; m; m = m->next)
		TRY(fn(l, m));
	return AS_OK;
}

static int load_tree(struct ld *l, const struct ynode *root)
{
	if (!root || (root->type == YNODE_SCALAR && root->len == 0))
		return AS_OK; /* empty file */
	struct field f[] = {
	    {"services", false, NULL},
	    {"clients", false, NULL},
	    {"ja4", false, NULL},
	    {"endpoints", false, NULL},
	    {"broad_scopes", false, NULL},
	    {"products", false, NULL},
	};
	if (root->type != YNODE_MAP)
		return fail(l, root->line, "top level must be a mapping");
	TRY(take_fields(l, root, "top level", f, COUNT(f)));
	if (f[0].val)
		TRY(load_section(l, f[0].val, "services", load_service));
	if (f[1].val)
		TRY(load_section(l, f[1].val, "clients", load_client));
	if (f[2].val)
		TRY(load_section(l, f[2].val, "ja4", load_ja4));
	if (f[3].val)
		TRY(load_section(l, f[3].val, "endpoints", load_endpoint));
	if (f[4].val)
		TRY(load_section(l, f[4].val, "broad_scopes", load_scope));
	if (f[5].val)
		TRY(load_section(l, f[5].val, "products", load_product));
	return AS_OK;
}

static int load_one(struct sig_db *db, const char *name, const void *data, size_t len, char *err,
		    size_t errsz)
{
	struct ld l = {.db = db, .file = name, .err = err, .errsz = errsz};
	if (len > AS_SIG_MAX_FILE_BYTES)
		return fail(&l, 1, "file larger than %d bytes", AS_SIG_MAX_FILE_BYTES);
	struct ynode *root;
	int rc = ytree_parse(&l.tmp, name, data, len, &root, err, errsz);
	if (rc == AS_OK)
		rc = load_tree(&l, root);
	arena_free(&l.tmp);
	return rc;
}

static struct sig_db *db_new(void)
{
	return calloc(1, sizeof(struct sig_db));
}

void sig_free(struct sig_db *db)
{
	if (!db)
		return;
	sig_htab_free(&db->ids);
	sig_htab_free(&db->domains);
	sig_htab_free(&db->ja4);
	sig_htab_free(&db->broad_scopes);
	sig_htab_free(&db->product_ids);
	sig_htab_free(&db->products);
	free(db->clients);
	free(db->endpoints);
	arena_free(&db->arena);
	free(db);
}

static int finish(int rc, struct sig_db *db, struct sig_db **out, char *err, size_t errsz)
{
	if (rc != AS_OK) {
		if (rc == AS_ERR_NOMEM && errsz)
			snprintf(err, errsz, "out of memory loading signatures");
		sig_free(db);
		*out = NULL;
		return rc;
	}
	*out = db;
	return AS_OK;
}

int sig_load_buffer(const char *name, const void *data, size_t len, struct sig_db **out, char *err,
		    size_t errsz)
{
	struct sig_db *db = db_new();
	if (!db)
		return finish(AS_ERR_NOMEM, NULL, out, err, errsz);
	return finish(load_one(db, name, data, len, err, errsz), db, out, err, errsz);
}

int sig_load_files(const char *const *paths, size_t n, struct sig_db **out, char *err, size_t errsz)
{
	struct sig_db *db = db_new();
	if (!db)
		return finish(AS_ERR_NOMEM, NULL, out, err, errsz);
	int rc = AS_OK;
	for (size_t i = 0; i < n && rc == AS_OK; i++) {
		unsigned char *data;
		size_t len;
		rc = ytree_read_file(paths[i], AS_SIG_MAX_FILE_BYTES, &data, &len, err, errsz);
		if (rc == AS_OK)
			rc = load_one(db, paths[i], data, len, err, errsz);
		free(data);
	}
	return finish(rc, db, out, err, errsz);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int sig_load_dir(const char *dir, struct sig_db **out, char *err, size_t errsz)
{
	*out = NULL;
	DIR *d = opendir(dir);
	if (!d) {
		snprintf(err, errsz, "%s: cannot open directory: %s", dir, strerror(errno));
		return AS_ERR_CONFIG;
	}
	char **paths = NULL;
	size_t n = 0, cap = 0;
	int rc = AS_OK;
	struct dirent *e;
	while (rc == AS_OK && (e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (e->d_name[0] == '.' || len < 6 || strcmp(e->d_name + len - 5, ".yaml") != 0)
			continue;
		char *p = malloc(strlen(dir) + len + 2);
		char **np = p ? grow(paths, &cap, n, sizeof *paths) : NULL;
		if (!np) {
			free(p);
			rc = AS_ERR_NOMEM;
			break;
		}
		paths = np;
		sprintf(p, "%s/%s", dir, e->d_name);
		struct stat st;
		if (stat(p, &st) != 0 || !S_ISREG(st.st_mode)) {
			free(p);
			continue;
		}
		paths[n++] = p;
	}
	closedir(d);
	if (rc == AS_OK && n == 0) {
		snprintf(err, errsz, "%s: no *.yaml signature files", dir);
		rc = AS_ERR_CONFIG;
	}
	if (rc == AS_OK) {
		qsort(paths, n, sizeof *paths, cmp_str);
		rc = sig_load_files((const char *const *)paths, n, out, err, errsz);
	} else if (rc == AS_ERR_NOMEM && errsz) {
		snprintf(err, errsz, "out of memory loading signatures");
	}
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
	return rc;
}

size_t sig_service_count(const struct sig_db *db)
{
	return db ? db->n_services : 0;
}
size_t sig_client_count(const struct sig_db *db)
{
	return db ? db->n_clients : 0;
}
size_t sig_endpoint_count(const struct sig_db *db)
{
	return db ? db->n_endpoints : 0;
}
