/* sig_match.c — read-only queries on a loaded struct sig_db: domain -> AI
 * service (hash lookups of the name and each parent, O(labels)), headers ->
 * client software, JA4 -> client software, method + path -> API shape.
 * Inputs come from the wire: every read is bounded by an explicit length. */
#include <string.h>

#include "fingerprint.h"
#include "sig_internal.h"
#include "text.h"

/* A bounded view of untrusted text (this library sits beside dissectors/,
 * so it keeps its own two-field view rather than including strview.h). */
struct txt {
	const char *p;
	size_t len;
};

static struct txt txt_c(const char *s, size_t max)
{
	return (struct txt){s, s ? strnlen(s, max) : 0};
}

static bool eq_ci(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (text_lower_char(a[i]) != text_lower_char(b[i]))
			return false;
	return true;
}

/* Offset of needle in hay (ASCII case-insensitive), or -1. */
static long find_ci(struct txt hay, const char *needle, size_t nlen)
{
	if (nlen > hay.len)
		return -1;
	for (size_t i = 0; i + nlen <= hay.len; i++)
		if (eq_ci(hay.p + i, needle, nlen))
			return (long)i;
	return -1;
}

/* ---- domains ---- */

/* One label of a pattern prefix ("*-aiplatform", "*", "bedrock-runtime")
 * against one label of the name; '*' stands for one or more characters. */
static bool label_match(const char *pat, size_t plen, const char *s, size_t slen)
{
	const char *star = memchr(pat, '*', plen);
	if (!star)
		return plen == slen && memcmp(pat, s, slen) == 0;
	size_t pre = (size_t)(star - pat), post = plen - pre - 1;
	return slen >= pre + post + 1 && memcmp(pat, s, pre) == 0 &&
	       memcmp(star + 1, s + slen - post, post) == 0;
}

/* The labels of pattern prefix against the labels of s, one for one. */
static bool prefix_match(const char *pat, const char *s, size_t slen)
{
	size_t plen = strlen(pat);
	for (;;) {
		const char *pd = memchr(pat, '.', plen);
		const char *sd = memchr(s, '.', slen);
		size_t pl = pd ? (size_t)(pd - pat) : plen;
		size_t sl = sd ? (size_t)(sd - s) : slen;
		if ((pd == NULL) != (sd == NULL) || !label_match(pat, pl, s, sl))
			return false;
		if (!pd)
			return true;
		pat += pl + 1;
		plen -= pl + 1;
		s += sl + 1;
		slen -= sl + 1;
	}
}

/* Lower-cases name into buf, drops one trailing dot and a ":port". */
static size_t normalize(const char *domain, char *buf, size_t bufsz)
{
	struct txt d = txt_c(domain, bufsz + 8);
	long colon = -1;
	for (size_t i = 0; i < d.len; i++)
		if (d.p[i] == ':') {
			if (colon >= 0)
				return 0; /* an IPv6 literal, not a name */
			colon = (long)i;
		}
	if (colon >= 0) {
		size_t digits = d.len - (size_t)colon - 1;
		if (digits == 0 || digits > 5)
			return 0;
		for (size_t i = (size_t)colon + 1; i < d.len; i++)
			if (d.p[i] < '0' || d.p[i] > '9')
				return 0;
		d.len = (size_t)colon;
	}
	if (d.len && d.p[d.len - 1] == '.')
		d.len--;
	if (d.len == 0 || d.len >= bufsz)
		return 0;
	for (size_t i = 0; i < d.len; i++)
		buf[i] = text_lower_char(d.p[i]);
	buf[d.len] = '\0';
	return d.len;
}

const struct sig_service *sig_service_by_id(const struct sig_db *db, const char *id)
{
	if (!db || !id)
		return NULL;
	size_t len = strlen(id);
	return sig_htab_get(&db->ids, id, len, sig_hash_rev(id, len));
}

bool sig_provider_known(const struct sig_db *db, const char *name)
{
	for (size_t i = 0; db && name && i < db->ids.cap; i++) {
		const struct sig_service *s = db->ids.slots[i].key ? db->ids.slots[i].val : NULL;
		if (s && s->provider && !strcmp(s->provider, name))
			return true;
	}
	return false;
}

const struct sig_service *sig_match_domain(const struct sig_db *db, const char *domain)
{
	char buf[AS_DNS_MAX_NAME];
	if (!db || !domain)
		return NULL;
	size_t n = normalize(domain, buf, sizeof buf);
	if (n == 0)
		return NULL;

	/* Walk right to left; at each label boundary the running hash is the
	 * hash of the suffix starting there (sig_hash_rev). */
	const struct sig_service *best = NULL;
	size_t best_lit = 0;
	uint32_t h = 2166136261u;
	for (size_t i = n; i-- > 0;) {
		h = (h ^ (unsigned char)buf[i]) * 16777619u;
		if (i > 0 && buf[i - 1] != '.')
			continue;
		const struct sig_dom_entry *e = sig_htab_get(&db->domains, buf + i, n - i, h);
		if (!e)
			continue;
		if (i == 0)
			return e->exact ? e->exact : best; /* an exact name beats any wildcard */
		size_t below_lit = n - i + 1;		   /* "*.suffix" without the '*' */
		if (e->below && below_lit >= best_lit) {
			best = e->below;
			best_lit = below_lit;
		}
		for (const struct sig_dom_pattern *p = e->patterns; p; p = p->next)
			if (p->literal >= best_lit && prefix_match(p->prefix, buf, i - 1)) {
				best = p->svc;
				best_lit = p->literal;
			}
	}
	return best;
}

/* ---- clients ---- */

static bool value_ok(enum sig_op op, struct txt v, const char *want, size_t wlen)
{
	switch (op) {
	case SIG_OP_EQUALS:
		return v.len == wlen && eq_ci(v.p, want, wlen);
	case SIG_OP_PREFIX:
		return v.len >= wlen && eq_ci(v.p, want, wlen);
	case SIG_OP_CONTAINS:
		return find_ci(v, want, wlen) >= 0;
	case SIG_OP_PRESENT:
		return true;
	}
	return false;
}

static bool header_value(const char *name, const char *const *names, const char *const *values, size_t n,
			 struct txt *out)
{
	size_t nlen = strlen(name);
	for (size_t i = 0; i < n; i++) {
		struct txt hn = txt_c(names[i], AS_STR_SHORT);
		if (hn.len == nlen && eq_ci(hn.p, name, nlen)) {
			*out = txt_c(values[i], AS_STR_LONG);
			return true;
		}
	}
	return false;
}

/* The version token of v: after literal `after` when given, else from the
 * start; it ends at a blank or one of ;,()"/ . Returns false when empty. */
static bool take_version(struct txt v, const char *after, char *dst, size_t dstsz)
{
	if (after) {
		size_t alen = strlen(after);
		long at = find_ci(v, after, alen);
		if (at < 0)
			return false;
		v.p += (size_t)at + alen;
		v.len -= (size_t)at + alen;
	}
	while (v.len && (v.p[0] == ' ' || v.p[0] == '\t'))
		v.p++, v.len--;
	size_t n = 0;
	while (n < v.len && !memchr(" \t;,()\"/", v.p[n], 8))
		n++;
	if (n == 0)
		return false;
	if (n >= dstsz)
		n = dstsz - 1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v.p[i];
		dst[i] = (c < 0x20 || c >= 0x7f) ? '?' : (char)c;
	}
	dst[n] = '\0';
	return true;
}

bool sig_match_client(const struct sig_db *db, const char *user_agent, const char *const *hdr_names,
		      const char *const *hdr_values, size_t n_hdrs, struct sig_client_match *out)
{
	memset(out, 0, sizeof *out);
	if (!db)
		return false;
	if (!hdr_names || !hdr_values)
		n_hdrs = 0;
	struct txt ua = txt_c(user_agent, AS_STR_LONG);
	for (size_t r = 0; r < db->n_clients; r++) {
		const struct sig_client_rule *rule = &db->clients[r];
		bool ok = true;
		for (size_t c = 0; c < rule->n_conds && ok; c++) {
			const struct sig_cond *cond = &rule->conds[c];
			struct txt v;
			if (cond->header) {
				ok = header_value(cond->header, hdr_names, hdr_values, n_hdrs, &v);
			} else {
				ok = user_agent != NULL;
				v = ua;
			}
			ok = ok && value_ok(cond->op, v, cond->value, cond->value_len);
		}
		if (!ok)
			continue;
		out->name = rule->name;
		out->kind = rule->kind;
		struct txt v;
		bool got = false;
		if (rule->version_header &&
		    header_value(rule->version_header, hdr_names, hdr_values, n_hdrs, &v))
			got = take_version(v, rule->version_header_after, out->version, sizeof out->version);
		if (!got && rule->version_after && user_agent)
			take_version(ua, rule->version_after, out->version, sizeof out->version);
		return true;
	}
	return false;
}

bool sig_match_ja4(const struct sig_db *db, const char *ja4, struct sig_client_match *out)
{
	memset(out, 0, sizeof *out);
	if (!db || !ja4)
		return false;
	struct txt j = txt_c(ja4, 64);
	const struct sig_ja4_rule *r = sig_htab_get(&db->ja4, j.p, j.len, sig_hash_rev(j.p, j.len));
	if (!r)
		return false;
	out->name = r->name;
	out->runtime = r->runtime;
	out->kind = r->kind;
	return true;
}

/* ---- endpoints ---- */

static bool seg_match(const struct sig_seg *sg, struct txt s, struct txt *cap)
{
	if (sg->kind == SIG_SEG_LITERAL)
		return s.len == sg->pre_len && memcmp(s.p, sg->pre, s.len) == 0;
	size_t need = sg->pre_len + sg->post_len + (sg->kind == SIG_SEG_MODEL);
	if (s.len < need || memcmp(s.p, sg->pre, sg->pre_len) != 0 ||
	    memcmp(s.p + s.len - sg->post_len, sg->post, sg->post_len) != 0)
		return false;
	if (sg->kind == SIG_SEG_MODEL)
		*cap = (struct txt){s.p + sg->pre_len, s.len - sg->pre_len - sg->post_len};
	return true;
}

/* Copies a path capture, decoding %XX (Bedrock model ids carry %3A). */
static void copy_model(char *dst, size_t dstsz, struct txt v)
{
	size_t o = 0;
	for (size_t i = 0; i < v.len && o + 1 < dstsz; i++) {
		char c = v.p[i];
		if (c == '%' && i + 2 < v.len && as_hex_digit(v.p[i + 1]) >= 0 &&
		    as_hex_digit(v.p[i + 2]) >= 0) {
			c = (char)(as_hex_digit(v.p[i + 1]) * 16 + as_hex_digit(v.p[i + 2]));
			i += 2;
		}
		unsigned char u = (unsigned char)c;
		dst[o++] = (u < 0x20 || u == 0x7f) ? '?' : c;
	}
	dst[o] = '\0';
}

bool sig_match_endpoint(const struct sig_db *db, const char *method, const char *path,
			struct sig_endpoint *out)
{
	memset(out, 0, sizeof *out);
	if (!db || !path)
		return false;
	struct txt p = txt_c(path, AS_STR_LONG);
	struct txt segs[AS_SIG_MAX_PATH_SEGMENTS];
	size_t n = 0;
	for (size_t i = 0; i < p.len;) {
		if (p.p[i] == '?' || p.p[i] == '#')
			break;
		if (p.p[i] == '/') {
			i++;
			continue;
		}
		size_t j = i;
		while (j < p.len && p.p[j] != '/' && p.p[j] != '?' && p.p[j] != '#')
			j++;
		if (n == AS_SIG_MAX_PATH_SEGMENTS)
			return false;
		segs[n++] = (struct txt){p.p + i, j - i};
		i = j;
	}
	struct txt m = txt_c(method, AS_STR_TINY);

	for (size_t r = 0; r < db->n_endpoints; r++) {
		const struct sig_endpoint_rule *e = &db->endpoints[r];
		if (e->methods) {
			bool mok = false;
			for (size_t k = 0; k < e->n_methods && !mok; k++)
				mok = method && strlen(e->methods[k]) == m.len &&
				      memcmp(e->methods[k], m.p, m.len) == 0;
			if (!mok)
				continue;
		}
		if (e->any_at == SIZE_MAX ? n != e->n_segs : n < e->n_segs)
			continue;
		size_t head = e->any_at == SIZE_MAX ? e->n_segs : e->any_at;
		size_t tail = e->n_segs - head; /* pattern segments after "**", matched at the end */
		struct txt cap = {NULL, 0};
		bool ok = true;
		for (size_t k = 0; k < head && ok; k++)
			ok = seg_match(&e->segs[k], segs[k], &cap);
		for (size_t k = 0; k < tail && ok; k++)
			ok = seg_match(&e->segs[head + k], segs[n - tail + k], &cap);
		if (!ok)
			continue;
		out->api = e->api;
		out->operation = e->operation;
		out->model_listing = e->model_listing;
		if (cap.p)
			copy_model(out->model, sizeof out->model, cap);
		return true;
	}
	return false;
}

bool sig_broad_scope(const struct sig_db *db, const char *scope)
{
	if (!db || !scope || !*scope)
		return false;
	struct txt s = txt_c(scope, AS_STR_LONG);
	if (sig_htab_get(&db->broad_scopes, s.p, s.len, sig_hash_rev(s.p, s.len)))
		return true;
	const char *slash = strrchr(scope, '/');
	if (!slash || !slash[1])
		return false;
	struct txt last = txt_c(slash + 1, AS_STR_LONG);
	return sig_htab_get(&db->broad_scopes, last.p, last.len, sig_hash_rev(last.p, last.len)) != NULL;
}

const struct sig_product *sig_product_of(const struct sig_db *db, const char *software)
{
	if (!db || !software || !*software)
		return NULL;
	size_t n = strlen(software);
	return sig_htab_get(&db->products, software, n, sig_hash_rev(software, n));
}

bool sig_product_runtime(const struct sig_product *p, const char *runtime)
{
	for (size_t i = 0; p && runtime && i < p->n_runtimes; i++)
		if (!strcmp(p->runtimes[i], runtime))
			return true;
	return false;
}
