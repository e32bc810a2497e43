/* redis_record.c — records to Redis commands: a contribution (the JSON
 * contract in exporter/README.md) validated and flattened into the upsert
 * script's arguments; an event into the stream script's; the spool
 * envelope of an event. */
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flatpath.h"
#include "limits.h"
#include "redis_internal.h"
#include "text.h"

void redis_args_free(struct redis_args *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	free(a->l);
	memset(a, 0, sizeof *a);
}

int redis_args_push(struct redis_args *a, const char *s, size_t len)
{
	if (a->n == a->cap) {
		size_t nc = a->cap ? a->cap * 2 : 32;
		char **v = realloc(a->v, nc * sizeof *v);
		if (!v)
			return AS_ERR_NOMEM;
		a->v = v;
		size_t *l = realloc(a->l, nc * sizeof *l);
		if (!l)
			return AS_ERR_NOMEM;
		a->l = l;
		a->cap = nc;
	}
	char *c = malloc(len + 1);
	if (!c)
		return AS_ERR_NOMEM;
	memcpy(c, s, len);
	c[len] = '\0';
	a->v[a->n] = c;
	a->l[a->n] = len;
	a->n++;
	return AS_OK;
}

int redis_args_pushf(struct redis_args *a, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof buf)
		return AS_ERR_LIMIT;
	return redis_args_push(a, buf, (size_t)n);
}

/* ---- contributions ----
 *
 * A contribution is validated and packed once, when the exporter accepts
 * it: the queue and the spool hold the script's variable arguments
 * ("upsert"), so the thread builds the command without reading JSON. An
 * upsert is: the byte UPSERT_MAGIC, then strings, each a little-endian u32
 * length and its bytes: id, dedupe, owner, host_key, the stamp of its
 * "last" fields ("version", or "version inventory_time" when it has one: an
 * upsert spooled before inventory_time existed reads the same), then the
 * groups (op field type value | "union" field count v1..vcount). */

#define ID_MAX 64
#define DEDUPE_MAX_LEN 1024 /* a dedupe key */
#define INDEX_MAX_LEN 256   /* owner, host_key */
#define UPSERT_MAGIC 0x01   /* never the first byte of JSON */
#define UPSERT_HEAD 5	    /* strings before the groups */

static bool id_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      c == '-' || c == '_'))
			return false;
	}
	return true;
}

/* Optional string member: absent/null -> "", else a string of at most max. */
static bool opt_str(json_t *root, const char *key, size_t max, const char **out)
{
	json_t *v = json_object_get(root, key);
	*out = "";
	if (!v || json_is_null(v))
		return true;
	if (!json_is_string(v) || json_string_length(v) > max ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return false;
	*out = json_string_value(v);
	return true;
}

/* A growing byte buffer of length-prefixed strings. */
struct pack {
	char *p;
	size_t len, cap;
};

static int put(struct pack *b, const char *s, size_t n)
{
	if (!text_reserve(&b->p, &b->cap, b->len + 4 + n, 512))
		return AS_ERR_NOMEM;
	uint8_t l[4] = {(uint8_t)n, (uint8_t)(n >> 8), (uint8_t)(n >> 16), (uint8_t)(n >> 24)};
	memcpy(b->p + b->len, l, 4);
	memcpy(b->p + b->len + 4, s, n);
	b->len += 4 + n;
	return AS_OK;
}

static int putz(struct pack *b, const char *s)
{
	return put(b, s, strlen(s));
}

#define FAIL(code, ...)                                                                                      \
	do {                                                                                                 \
		snprintf(err, errsz, __VA_ARGS__);                                                           \
		rc = code;                                                                                   \
		goto out;                                                                                    \
	} while (0)

#define PUT(expr)                                                                                            \
	do {                                                                                                 \
		if ((rc = (expr)) < 0)                                                                       \
			goto out;                                                                            \
	} while (0)

static const char *const ops[] = {"min", "max", "set", "add", "union", "last"};
enum { O_MIN, O_MAX, O_SET, O_ADD, O_UNION, O_LAST, O_COUNT };

/* One scalar (or, for "last", an array of strings) as type and text. */
static int scalar(json_t *v, int o, char num[64], const char **type, const char **val, size_t *vlen,
		  char **dump)
{
	if (o == O_ADD && !json_is_integer(v))
		return AS_ERR_MALFORMED;
	if (json_is_string(v)) {
		*type = "s";
		*val = json_string_value(v);
		*vlen = json_string_length(v);
	} else if (json_is_integer(v)) {
		*type = "n";
		*vlen = (size_t)snprintf(num, 64, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		*val = num;
	} else if (json_is_real(v)) {
		*type = "n";
		*vlen = (size_t)snprintf(num, 64, "%.17g", json_real_value(v));
		*val = num;
	} else if (json_is_boolean(v)) {
		*type = "b";
		*val = json_is_true(v) ? "true" : "false";
		*vlen = strlen(*val);
	} else if (json_is_array(v) && o == O_LAST) {
		size_t i;
		json_t *e;
		json_array_foreach(v, i, e) if (!json_is_string(e)) return AS_ERR_MALFORMED;
		if (!(*dump = json_dumps(v, JSON_COMPACT)))
			return AS_ERR_NOMEM;
		*type = "a";
		*val = *dump;
		*vlen = strlen(*dump);
	} else {
		return AS_ERR_MALFORMED;
	}
	return AS_OK;
}

/* One field of operation o, appended as its group. A null is "unknown"
 * (type z: held until a value comes); a null counter or union is nothing. */
static int pack_field(struct pack *b, const char *id, int o, const char *k, json_t *v, char *err,
		      size_t errsz)
{
	int rc = AS_OK;
	char *dump = NULL;
	if (json_is_null(v) && (o == O_ADD || o == O_UNION))
		return AS_OK;
	if (json_is_null(v)) {
		PUT(putz(b, ops[o]));
		PUT(putz(b, k));
		PUT(putz(b, "z"));
		PUT(putz(b, ""));
		return AS_OK;
	}
	if (o == O_UNION) { /* an array of strings */
		if (!json_is_array(v))
			FAIL(AS_ERR_MALFORMED, "contribution %s: union '%.64s' must be an array", id, k);
		size_t n = json_array_size(v);
		for (size_t i = 0; i < n; i++)
			if (!json_is_string(json_array_get(v, i)))
				FAIL(AS_ERR_MALFORMED,
				     "contribution %s: union '%.64s' must hold strings only", id, k);
		char cnt[24];
		snprintf(cnt, sizeof cnt, "%zu", n);
		PUT(putz(b, "union"));
		PUT(putz(b, k));
		PUT(putz(b, cnt));
		for (size_t i = 0; i < n; i++) {
			json_t *e = json_array_get(v, i);
			PUT(put(b, json_string_value(e), json_string_length(e)));
		}
		return AS_OK;
	}
	const char *type, *val;
	size_t vlen;
	char sv[64];
	rc = scalar(v, o, sv, &type, &val, &vlen, &dump);
	if (rc == AS_ERR_NOMEM)
		goto out;
	if (rc < 0)
		FAIL(AS_ERR_MALFORMED, "contribution %s: %s '%.64s' must be %s", id, ops[o], k,
		     o == O_ADD	   ? "an integer"
		     : o == O_LAST ? "a scalar or an array of strings"
				   : "a scalar");
	PUT(putz(b, ops[o]));
	PUT(putz(b, k));
	PUT(putz(b, type));
	PUT(put(b, val, vlen));
out:
	free(dump);
	return rc;
}

int redis_upsert_pack(const char *json, size_t len, char **blob, size_t *bloblen, char *err, size_t errsz)
{
	int rc = AS_OK;
	struct pack b = {0};
	json_error_t je;
	*blob = NULL;
	*bloblen = 0;
	json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		snprintf(err, errsz, "contribution: not JSON: %s", je.text);
		return AS_ERR_MALFORMED;
	}
	if (!json_is_object(root))
		FAIL(AS_ERR_MALFORMED, "contribution: not a JSON object");
	static const char *const known[] = {"id",	  "dedupe",	 "min",	  "max",     "set",
					    "add",	  "union",	 "last",  "owner",   "host_key",
					    "version", "inventory_time"};
	const char *k;
	json_t *v;
	json_object_foreach(root, k, v)
	{
		bool found = false;
		for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
			found = found || !strcmp(k, known[i]);
		if (!found)
			FAIL(AS_ERR_MALFORMED, "contribution: unknown member '%.64s'", k);
	}
	json_t *idv = json_object_get(root, "id");
	if (!json_is_string(idv) || !id_ok(json_string_value(idv)))
		FAIL(AS_ERR_MALFORMED, "contribution: id must be 1..%d of [0-9A-Za-z_-]", ID_MAX);
	const char *id = json_string_value(idv), *dedupe, *owner, *host_key;
	if (!opt_str(root, "dedupe", DEDUPE_MAX_LEN, &dedupe))
		FAIL(AS_ERR_MALFORMED, "contribution %s: dedupe must be a string of at most %d bytes", id,
		     DEDUPE_MAX_LEN);
	if (!opt_str(root, "owner", INDEX_MAX_LEN, &owner) ||
	    !opt_str(root, "host_key", INDEX_MAX_LEN, &host_key))
		FAIL(AS_ERR_MALFORMED,
		     "contribution %s: owner and host_key must be strings of at most %d bytes", id,
		     INDEX_MAX_LEN);
	json_t *ver = json_object_get(root, "version"), *inv = json_object_get(root, "inventory_time");
	if ((ver && !json_is_null(ver) && (!json_is_integer(ver) || json_integer_value(ver) < 0)) ||
	    (inv && !json_is_null(inv) && (!json_is_integer(inv) || json_integer_value(inv) < 0)))
		FAIL(AS_ERR_MALFORMED, "contribution %s: version and inventory_time must be non-negative integers",
		     id);
	json_int_t ver_n = json_is_integer(ver) ? json_integer_value(ver) : 0,
		   inv_n = json_is_integer(inv) ? json_integer_value(inv) : 0;
	char num[64];
	if (inv_n)
		snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT " %" JSON_INTEGER_FORMAT, ver_n, inv_n);
	else
		snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, ver_n);
	if (!(b.p = malloc(b.cap = 512))) {
		rc = AS_ERR_NOMEM;
		goto out;
	}
	b.p[b.len++] = UPSERT_MAGIC;
	PUT(putz(&b, id));
	PUT(putz(&b, dedupe));
	PUT(putz(&b, owner));
	PUT(putz(&b, host_key));
	PUT(putz(&b, num));
	size_t fields = 0;
	for (int o = 0; o < O_COUNT; o++) {
		json_t *obj = json_object_get(root, ops[o]);
		if (!obj || json_is_null(obj))
			continue;
		if (!json_is_object(obj))
			FAIL(AS_ERR_MALFORMED, "contribution %s: '%s' must be an object", id, ops[o]);
		json_object_foreach(obj, k, v)
		{
			if (!flatpath_valid(k, strlen(k)))
				FAIL(AS_ERR_MALFORMED,
				     "contribution %s: field '%.64s' in '%s' breaks the path grammar "
				     "(exporter/flatpath)",
				     id, k, ops[o]);
			if (++fields > AS_REDIS_MAX_FIELDS)
				FAIL(AS_ERR_LIMIT, "contribution %s: more than %d fields", id,
				     AS_REDIS_MAX_FIELDS);
			if ((rc = pack_field(&b, id, o, k, v, err, errsz)) < 0)
				goto out;
		}
	}
out:
	json_decref(root);
	if (rc < 0) {
		free(b.p);
		return rc;
	}
	*blob = b.p;
	*bloblen = b.len;
	return AS_OK;
}

/* The next string of an upsert; false at its end or on damage. */
static bool next(const char *blob, size_t len, size_t *at, const char **s, size_t *n)
{
	if (*at + 4 > len)
		return false;
	const uint8_t *l = (const uint8_t *)blob + *at;
	size_t sl = (size_t)l[0] | (size_t)l[1] << 8 | (size_t)l[2] << 16 | (size_t)l[3] << 24;
	if (sl > len - *at - 4)
		return false;
	*s = blob + *at + 4;
	*n = sl;
	*at += 4 + sl;
	return true;
}

bool redis_is_upsert(const char *data, size_t len)
{
	return len && (uint8_t)data[0] == UPSERT_MAGIC;
}

int redis_args_upsert(const char *blob, size_t len, const char *prefix, const char *sha,
		      uint32_t applied_ttl_s, struct redis_args *a)
{
	const char *s[UPSERT_HEAD];
	size_t n[UPSERT_HEAD], at = 1;
	if (!redis_is_upsert(blob, len))
		return AS_ERR_MALFORMED;
	for (int i = 0; i < UPSERT_HEAD; i++)
		if (!next(blob, len, &at, &s[i], &n[i]))
			return AS_ERR_MALFORMED;
	char id[ID_MAX + 1];
	if (n[0] > ID_MAX)
		return AS_ERR_MALFORMED;
	memcpy(id, s[0], n[0]);
	id[n[0]] = '\0';
	int rc;
	if ((rc = redis_args_push(a, "EVALSHA", 7)) < 0 || (rc = redis_args_push(a, sha, strlen(sha))) < 0 ||
	    (rc = redis_args_push(a, "5", 1)) < 0 ||
	    (rc = redis_args_pushf(a, "%sagent:%s", prefix, id)) < 0 ||
	    (rc = redis_args_pushf(a, "%sagent:%s:applied", prefix, id)) < 0 ||
	    (rc = redis_args_pushf(a, "%sagent:%s:types", prefix, id)) < 0 ||
	    (rc = redis_args_pushf(a, "%sagents", prefix)) < 0 ||
	    (rc = redis_args_pushf(a, "%sagent:%s:versions", prefix, id)) < 0 ||
	    (rc = redis_args_push(a, "agent", 5)) < 0 ||
	    (rc = redis_args_push(a, prefix, strlen(prefix))) < 0 ||
	    (rc = redis_args_push(a, s[0], n[0])) < 0 || (rc = redis_args_push(a, s[1], n[1])) < 0 ||
	    (rc = redis_args_pushf(a, "%u", applied_ttl_s)) < 0 ||
	    (rc = redis_args_push(a, s[2], n[2])) < 0 || (rc = redis_args_push(a, s[3], n[3])) < 0 ||
	    (rc = redis_args_push(a, s[4], n[4])) < 0)
		goto fail;
	const char *g;
	size_t gl;
	while (next(blob, len, &at, &g, &gl))
		if ((rc = redis_args_push(a, g, gl)) < 0)
			goto fail;
	if (at != len) {
		rc = AS_ERR_MALFORMED;
		goto fail;
	}
	return AS_OK;
fail:
	redis_args_free(a);
	return rc;
}

int redis_args_agent(const char *json, size_t len, const char *prefix, const char *sha,
		     uint32_t applied_ttl_s, struct redis_args *a, char *err, size_t errsz)
{
	char *blob;
	size_t bl;
	int rc = redis_upsert_pack(json, len, &blob, &bl, err, errsz);
	if (rc < 0)
		return rc;
	if (a && (rc = redis_args_upsert(blob, bl, prefix, sha, applied_ttl_s, a)) < 0)
		snprintf(err, errsz, "contribution: %s", rc == AS_ERR_NOMEM ? "out of memory" : "damaged");
	free(blob);
	return rc;
}

/* An event's event.id: a string of 1..AS_REDIS_EVENT_ID_MAX bytes without
 * NUL; false when it has none (it is added without deduplication). */
static bool redis_event_id(const char *json, size_t len, char out[AS_REDIS_EVENT_ID_MAX + 1])
{
	json_t *root = json_loadb(json, len, 0, NULL);
	json_t *id = json_object_get(json_object_get(root, "event"), "id");
	size_t n = json_string_length(id);
	bool ok = json_is_string(id) && n && n <= AS_REDIS_EVENT_ID_MAX && strlen(json_string_value(id)) == n;
	if (ok)
		memcpy(out, json_string_value(id), n + 1);
	json_decref(root);
	return ok;
}

int redis_args_event(const char *json, size_t len, const char *instance, uint64_t seq, const char *prefix,
		     const char *sha, uint64_t maxlen, uint32_t ttl_s, uint32_t dedupe_ttl_s, struct redis_args *a)
{
	char id[AS_REDIS_EVENT_ID_MAX + 1];
	bool has_id = redis_event_id(json, len, id);
	int rc;
	if ((rc = redis_args_push(a, "EVALSHA", 7)) < 0 || (rc = redis_args_push(a, sha, strlen(sha))) < 0 ||
	    (rc = redis_args_push(a, has_id ? "3" : "2", 1)) < 0 ||
	    (rc = redis_args_pushf(a, "%sevents", prefix)) < 0 ||
	    (rc = redis_args_pushf(a, "%sevents:seq:%s", prefix, instance)) < 0 ||
	    (has_id && (rc = redis_args_pushf(a, "%sevseen:%s", prefix, id)) < 0) ||
	    (rc = redis_args_push(a, "event", 5)) < 0 ||
	    (rc = redis_args_pushf(a, "%llu", (unsigned long long)seq)) < 0 ||
	    (rc = redis_args_pushf(a, "%llu", (unsigned long long)maxlen)) < 0 ||
	    (rc = redis_args_pushf(a, "%u", ttl_s)) < 0 || (rc = redis_args_push(a, json, len)) < 0 ||
	    (rc = redis_args_pushf(a, "%u", dedupe_ttl_s)) < 0) {
		redis_args_free(a);
		return rc;
	}
	return AS_OK;
}

bool redis_args_applied(const struct redis_args *a, bool event, struct redis_mark *m)
{
	/* the layouts of redis_args_event and redis_args_upsert above: after
	 * the keys, 'event' seq ... or 'agent' prefix id dedupe ... */
	size_t keys = a->n > 2 ? strtoul(a->v[2], NULL, 10) : 0;
	size_t id = 3 + keys + (event ? 1 : 3);
	if (a->n <= id || a->l[4] >= sizeof m->key || a->l[id] >= sizeof m->id || !a->l[id])
		return false;
	memcpy(m->key, a->v[4], a->l[4]);
	m->key[a->l[4]] = '\0';
	memcpy(m->id, a->v[id], a->l[id]);
	m->id[a->l[id]] = '\0';
	m->event = event;
	return true;
}

int redis_event_envelope(const char *instance, uint64_t seq, const char *json, size_t len, char **out,
			 size_t *outlen)
{
	char head[128];
	int h = snprintf(head, sizeof head, "%s %llu\n", instance, (unsigned long long)seq);
	if (h < 0 || (size_t)h >= sizeof head)
		return AS_ERR_LIMIT;
	char *p = malloc((size_t)h + len);
	if (!p)
		return AS_ERR_NOMEM;
	memcpy(p, head, (size_t)h);
	memcpy(p + h, json, len);
	*out = p;
	*outlen = (size_t)h + len;
	return AS_OK;
}

int redis_event_unwrap(const uint8_t *p, size_t n, char *instance, size_t instsz, uint64_t *seq,
		       const char **json, size_t *len)
{
	size_t i = 0;
	while (i < n && i < 100 && p[i] != ' ')
		i++;
	if (i == 0 || i >= n || p[i] != ' ' || i >= instsz)
		return AS_ERR_MALFORMED;
	for (size_t k = 0; k < i; k++)
		if (p[k] < 0x21 || p[k] > 0x7e)
			return AS_ERR_MALFORMED;
	memcpy(instance, p, i);
	instance[i] = '\0';
	uint64_t s = 0;
	size_t j = i + 1, digits = 0;
	while (j < n && p[j] >= '0' && p[j] <= '9' && digits < 19) {
		s = s * 10 + (uint64_t)(p[j] - '0');
		j++;
		digits++;
	}
	if (!digits || j >= n || p[j] != '\n')
		return AS_ERR_MALFORMED;
	*seq = s;
	*json = (const char *)p + j + 1;
	*len = n - j - 1;
	return AS_OK;
}
