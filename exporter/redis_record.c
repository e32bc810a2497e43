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

#include "limits.h"
#include "redis_internal.h"

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

/* ---- contributions ---- */

#define ID_MAX 64
#define NAME_MAX_LEN 512    /* a flat field name */
#define DEDUPE_MAX_LEN 1024 /* a dedupe key */
#define INDEX_MAX_LEN 256   /* owner, host_key */

static bool id_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
		      c == '_'))
			return false;
	}
	return true;
}

static bool name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > NAME_MAX_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20)
			return false;
	return true;
}

/* Optional string member: absent/null -> "", else a string of at most max. */
static bool opt_str(json_t *root, const char *key, size_t max, const char **out)
{
	json_t *v = json_object_get(root, key);
	*out = "";
	if (!v || json_is_null(v))
		return true;
	if (!json_is_string(v) || json_string_length(v) > max || strlen(json_string_value(v)) != json_string_length(v))
		return false;
	*out = json_string_value(v);
	return true;
}

#define FAIL(code, ...)                                                                                      \
	do {                                                                                                 \
		snprintf(err, errsz, __VA_ARGS__);                                                           \
		rc = code;                                                                                   \
		goto out;                                                                                    \
	} while (0)

#define PUSH(expr)                                                                                           \
	do {                                                                                                 \
		if (a && (rc = (expr)) < 0)                                                                  \
			goto out;                                                                            \
	} while (0)

int redis_args_agent(const char *json, size_t len, const char *prefix, const char *sha, uint32_t applied_ttl_s,
		     struct redis_args *a, char *err, size_t errsz)
{
	int rc = AS_OK;
	json_error_t je;
	json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		snprintf(err, errsz, "contribution: not JSON: %s", je.text);
		return AS_ERR_MALFORMED;
	}
	if (!json_is_object(root))
		FAIL(AS_ERR_MALFORMED, "contribution: not a JSON object");
	static const char *const known[] = {"id", "dedupe", "min", "max", "set", "add", "union", "owner", "host_key"};
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
	if (!opt_str(root, "owner", INDEX_MAX_LEN, &owner) || !opt_str(root, "host_key", INDEX_MAX_LEN, &host_key))
		FAIL(AS_ERR_MALFORMED, "contribution %s: owner and host_key must be strings of at most %d bytes", id,
		     INDEX_MAX_LEN);
	if (a) {
		PUSH(redis_args_push(a, "EVALSHA", 7));
		PUSH(redis_args_push(a, sha, strlen(sha)));
		PUSH(redis_args_push(a, "4", 1));
		PUSH(redis_args_pushf(a, "%sagent:%s", prefix, id));
		PUSH(redis_args_pushf(a, "%sagent:%s:applied", prefix, id));
		PUSH(redis_args_pushf(a, "%sagent:%s:types", prefix, id));
		PUSH(redis_args_pushf(a, "%sagents", prefix));
		PUSH(redis_args_push(a, "agent", 5));
		PUSH(redis_args_push(a, prefix, strlen(prefix)));
		PUSH(redis_args_push(a, id, strlen(id)));
		PUSH(redis_args_push(a, dedupe, strlen(dedupe)));
		PUSH(redis_args_pushf(a, "%u", applied_ttl_s));
		PUSH(redis_args_push(a, owner, strlen(owner)));
		PUSH(redis_args_push(a, host_key, strlen(host_key)));
	}
	size_t fields = 0;
	static const char *const ops[] = {"min", "max", "set", "add", "union"};
	for (size_t o = 0; o < 5; o++) {
		json_t *obj = json_object_get(root, ops[o]);
		if (!obj || json_is_null(obj))
			continue;
		if (!json_is_object(obj))
			FAIL(AS_ERR_MALFORMED, "contribution %s: '%s' must be an object", id, ops[o]);
		json_object_foreach(obj, k, v)
		{
			if (!name_ok(k))
				FAIL(AS_ERR_MALFORMED, "contribution %s: bad field name in '%s' (empty, control "
						       "characters or over %d bytes)",
				     id, ops[o], NAME_MAX_LEN);
			if (++fields > AS_REDIS_MAX_FIELDS)
				FAIL(AS_ERR_LIMIT, "contribution %s: more than %d fields", id, AS_REDIS_MAX_FIELDS);
			if (json_is_null(v))
				continue;
			if (o == 4) { /* union: an array of strings */
				if (!json_is_array(v))
					FAIL(AS_ERR_MALFORMED, "contribution %s: union '%.64s' must be an array", id, k);
				size_t n = json_array_size(v);
				for (size_t i = 0; i < n; i++)
					if (!json_is_string(json_array_get(v, i)))
						FAIL(AS_ERR_MALFORMED,
						     "contribution %s: union '%.64s' must hold strings only", id, k);
				if (!n)
					continue;
				PUSH(redis_args_push(a, "union", 5));
				PUSH(redis_args_push(a, k, strlen(k)));
				PUSH(redis_args_pushf(a, "%zu", n));
				for (size_t i = 0; i < n; i++) {
					json_t *e = json_array_get(v, i);
					PUSH(redis_args_push(a, json_string_value(e), json_string_length(e)));
				}
				continue;
			}
			if (o == 3 && !json_is_integer(v))
				FAIL(AS_ERR_MALFORMED, "contribution %s: add '%.64s' must be an integer", id, k);
			char num[64];
			const char *type, *val;
			size_t vlen;
			if (json_is_string(v)) {
				type = "s";
				val = json_string_value(v);
				vlen = json_string_length(v);
			} else if (json_is_integer(v)) {
				type = "n";
				vlen = (size_t)snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
				val = num;
			} else if (json_is_real(v)) {
				type = "n";
				vlen = (size_t)snprintf(num, sizeof num, "%.17g", json_real_value(v));
				val = num;
			} else if (json_is_boolean(v)) {
				type = "b";
				val = json_is_true(v) ? "true" : "false";
				vlen = strlen(val);
			} else {
				FAIL(AS_ERR_MALFORMED, "contribution %s: %s '%.64s' must be a scalar", id, ops[o], k);
			}
			PUSH(redis_args_push(a, ops[o], strlen(ops[o])));
			PUSH(redis_args_push(a, k, strlen(k)));
			PUSH(redis_args_push(a, type, 1));
			PUSH(redis_args_push(a, val, vlen));
		}
	}
out:
	json_decref(root);
	if (rc < 0 && a)
		redis_args_free(a);
	return rc;
}

int redis_args_event(const char *json, size_t len, const char *instance, uint64_t seq, const char *prefix,
		     const char *sha, uint64_t maxlen, uint32_t ttl_s, struct redis_args *a)
{
	int rc;
	if ((rc = redis_args_push(a, "EVALSHA", 7)) < 0 || (rc = redis_args_push(a, sha, strlen(sha))) < 0 ||
	    (rc = redis_args_push(a, "2", 1)) < 0 || (rc = redis_args_pushf(a, "%sevents", prefix)) < 0 ||
	    (rc = redis_args_pushf(a, "%sevents:seq:%s", prefix, instance)) < 0 ||
	    (rc = redis_args_push(a, "event", 5)) < 0 || (rc = redis_args_pushf(a, "%llu", (unsigned long long)seq)) < 0 ||
	    (rc = redis_args_pushf(a, "%llu", (unsigned long long)maxlen)) < 0 ||
	    (rc = redis_args_pushf(a, "%u", ttl_s)) < 0 || (rc = redis_args_push(a, json, len)) < 0) {
		redis_args_free(a);
		return rc;
	}
	return AS_OK;
}

int redis_event_envelope(const char *instance, uint64_t seq, const char *json, size_t len, char **out, size_t *outlen)
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

int redis_event_unwrap(const uint8_t *p, size_t n, char *instance, size_t instsz, uint64_t *seq, const char **json,
		       size_t *len)
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
