/* cmd_agents.c — `aisensor agents`: reads the Redis agent registry (the
 * layout of exporter/README.md), rebuilds inventory-format records from
 * the flat hash fields and prints a table or JSON. */
#include "cmd_agents.h"

#include <getopt.h>
#include <hiredis/hiredis.h>
#include <inttypes.h>
#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "flatpath.h"
#include "agents.h"
#include "record.h"
#include "redis.h"
#include "table.h"
#include "text.h"

/* ---- rebuilding a record from flat fields ----
 * A field is a path of the inventory record in the grammar of
 * exporter/flatpath: names joined by '.', an element of an array of objects
 * written `array[key]`: "destinations[openai-api|api.openai.com:443|tls].bytes".
 * Keyed elements become array elements in key order (the record's order,
 * record.h); an array of objects is also a field of its own, [], so that an
 * empty one shows. Types come from the agent's types hash (n, b, a, z =
 * null; else string). */

/* Marks an object that holds keyed elements; no key starts with \x01. */
#define COLLECTION "\x01"

static json_t *typed_value(const char *v, const char *type)
{
	if (type && type[0] == 'n') {
		char *end;
		long long ll = strtoll(v, &end, 10);
		if (*v && !*end)
			return json_integer(ll);
		double d = strtod(v, &end);
		if (*v && !*end)
			return json_real(d);
	} else if (type && type[0] == 'b') {
		if (!strcmp(v, "true"))
			return json_true();
		if (!strcmp(v, "false"))
			return json_false();
	} else if (type && type[0] == 'a') {
		json_t *a = json_loads(v, JSON_DECODE_ANY, NULL);
		if (json_is_array(a))
			return a;
		json_decref(a);
	} else if (type && type[0] == 'z') {
		return json_null();
	}
	return json_string(v);
}

/* The object member `name` of obj, created when missing (or when it is the
 * [] an array of objects is stored as: its elements come); NULL on a clash. */
static json_t *child(json_t *obj, const char *name, size_t len)
{
	char k[1024];
	snprintf(k, sizeof k, "%.*s", (int)len, name);
	json_t *c = json_object_get(obj, k);
	if (!c || (json_is_array(c) && !json_array_size(c))) {
		c = json_object();
		json_object_set_new(obj, k, c);
	}
	return json_is_object(c) ? c : NULL;
}

/* Sets the value at a flat path (exporter/flatpath); a path that breaks the
 * grammar, or clashes with another, is skipped. Steals val. */
static void place(json_t *obj, const char *path, json_t *val)
{
	struct flatpath_step st[FLATPATH_DEPTH];
	size_t n = flatpath_split(path, st, FLATPATH_DEPTH);
	for (size_t i = 0; obj && i < n; i++) {
		if (st[i].key) { /* an element of an array of objects: member of a keyed collection */
			json_t *coll = child(obj, st[i].name, st[i].name_len);
			if (coll)
				json_object_set_new(coll, COLLECTION, json_true());
			obj = coll ? child(coll, st[i].key, st[i].key_len) : NULL;
			if (i + 1 == n)
				break; /* an element with no member: nothing to set */
			continue;
		}
		if (i + 1 < n) {
			obj = child(obj, st[i].name, st[i].name_len);
			continue;
		}
		char k[FLATPATH_MAX + 1];
		snprintf(k, sizeof k, "%.*s", (int)st[i].name_len, st[i].name);
		if (!json_object_get(obj, k)) {
			json_object_set_new(obj, k, val);
			return;
		}
	}
	json_decref(val);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Keyed collections become arrays (key order), everywhere below v. New reference. */
static json_t *unkey(json_t *v)
{
	if (!json_is_object(v))
		return json_incref(v);
	bool coll = json_object_get(v, COLLECTION) != NULL;
	size_t n = json_object_size(v), i = 0;
	const char **keys = calloc(n + 1, sizeof *keys);
	const char *k;
	json_t *x;
	json_object_foreach(v, k, x) if (strcmp(k, COLLECTION) != 0) keys[i++] = k;
	n = i;
	qsort(keys, n, sizeof *keys, str_cmp);
	json_t *out = coll ? json_array() : json_object();
	for (i = 0; i < n; i++) {
		json_t *conv = unkey(json_object_get(v, keys[i]));
		if (coll)
			json_array_append_new(out, conv);
		else
			json_object_set_new(out, keys[i], conv);
	}
	free(keys);
	return out;
}

static const char *const top_order[] = {
    "agent_id",	  "kind", "software",	 "product", "related", "host", "first_seen",
    "last_seen",  "destinations", "server", "credentials", "fingerprints", "mcp",  "a2a",
    "oauth",	  "identity_providers", "risks", "evidence"};

/* Builds one inventory record from HGETALL replies of the hash and its types. */
static json_t *rebuild(const char *id, const redisReply *h, const redisReply *types)
{
	json_t *tmap = json_object();
	for (size_t i = 0; types && types->type == REDIS_REPLY_ARRAY && i + 1 < types->elements; i += 2)
		json_object_set_new(tmap, types->element[i]->str, json_string(types->element[i + 1]->str));
	json_t *tree = json_object();
	for (size_t i = 0; i + 1 < h->elements; i += 2) {
		const char *f = h->element[i]->str, *v = h->element[i + 1]->str;
		place(tree, f, typed_value(v, json_string_value(json_object_get(tmap, f))));
	}
	json_decref(tmap);
	json_t *flat = unkey(tree);
	json_decref(tree);
	/* the inventory's member order, then anything else by name */
	json_t *rec = json_object();
	json_object_set_new(rec, "agent_id", json_string(id));
	for (size_t i = 1; i < sizeof top_order / sizeof top_order[0]; i++) {
		json_t *v = json_object_get(flat, top_order[i]);
		if (v)
			json_object_set(rec, top_order[i], v);
	}
	const char *k;
	json_t *v;
	json_object_foreach(flat, k, v) if (!json_object_get(rec, k)) json_object_set(rec, k, v);
	json_decref(flat);
	/* the record omits it while empty; a registry holds it as [] once it emptied */
	json_t *ev = json_object_get(rec, RECORD_OMITTED_EMPTY_IN);
	json_t *empty = json_object_get(ev, RECORD_OMITTED_EMPTY);
	if (json_is_array(empty) && !json_array_size(empty))
		json_object_del(ev, RECORD_OMITTED_EMPTY);
	return rec;
}

/* ---- ordering (as the inventory: host address, kind, software, id) ---- */

static const char *sget(json_t *rec, const char *a, const char *b)
{
	json_t *v = json_object_get(rec, a);
	if (b)
		v = json_object_get(v, b);
	return json_is_string(v) ? json_string_value(v) : "";
}

static int rec_cmp(const void *pa, const void *pb)
{
	json_t *x = *(json_t *const *)pa, *y = *(json_t *const *)pb;
	int c = text_ip_cmp(sget(x, "host", "ip"), sget(y, "host", "ip"));
	if (!c)
		c = strcmp(sget(x, "kind", NULL), sget(y, "kind", NULL));
	if (!c)
		c = strcmp(sget(x, "software", "name"), sget(y, "software", "name"));
	if (!c)
		c = strcmp(sget(x, "agent_id", NULL), sget(y, "agent_id", NULL));
	return c;
}

/* ---- the table ---- */

static void print_table(FILE *out, json_t **recs, size_t n, const char *url, const char *prefix)
{
	fprintf(out, "%zu agent%s in the registry %s (prefix %s)\n", n, n == 1 ? "" : "s", url, prefix);
	table_print(out, recs, n);
}

/* ---- the command ---- */

/* RFC 3339 UTC ("2026-11-28T09:00:00Z", optional fraction) or a duration
 * back from now ("90s", "30m", "24h", "7d") -> epoch ms. */
static bool parse_since(const char *s, int64_t *ms)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	if (end != s && v >= 0 && end[0] && !end[1] && strchr("smhd", end[0])) {
		int64_t unit = end[0] == 's'   ? 1000
			       : end[0] == 'm' ? 60000
			       : end[0] == 'h' ? 3600000
					       : 86400000;
		*ms = (int64_t)time(NULL) * 1000 - (int64_t)v * unit;
		return true;
	}
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	int frac_ms = 0;
	const char *rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!rest)
		return false;
	if (*rest == '.') {
		int digits = 0;
		for (rest++; *rest >= '0' && *rest <= '9'; rest++, digits++)
			if (digits < 3)
				frac_ms = frac_ms * 10 + (*rest - '0');
		for (; digits < 3; digits++)
			frac_ms *= 10;
	}
	if (strcmp(rest, "Z") != 0)
		return false;
	*ms = (int64_t)timegm(&tm) * 1000 + frac_ms;
	return true;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: aisensor agents --redis URL [--prefix P] [--owner O] [--host IP|NAME|KEY] [--kind K]\n"
		   "                       [--product ID (claude-code, codex-cli, ...)]\n"
		   "                       [--since RFC3339|DURATION (90s, 30m, 24h, 7d)] [--json]\n"
		   "       aisensor agents -h | --help\n");
}

static redisReply *command(redisContext *c, FILE *errf, const char *url, int argc, const char **argv)
{
	redisReply *r = redisCommandArgv(c, argc, argv, NULL);
	if (!r) {
		fprintf(errf, "aisensor: redis %s: %s\n", url, c->errstr);
		return NULL;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		fprintf(errf, "aisensor: redis %s: %s: %s\n", url, argv[0], r->str);
		freeReplyObject(r);
		return NULL;
	}
	return r;
}

/* ---- reading the registry ---- */

bool registry_query_option(struct registry_query *q, int opt, const char *arg)
{
	switch (opt) {
	case RQ_REDIS: q->url = arg; return true;
	case RQ_PREFIX: q->prefix = arg; return true;
	case RQ_OWNER: q->owner = arg; return true;
	case RQ_HOST: q->host = arg; return true;
	case RQ_KIND: q->kind = arg; return true;
	case RQ_PRODUCT: q->product = arg; return true;
	case RQ_SINCE: q->since = arg; return true;
	default: return false;
	}
}

int registry_read(const struct registry_query *q, json_t ***out, size_t *n_out, char *redacted, size_t rsz,
		  FILE *errf)
{
	const struct {
		const char *name, *value;
	} given[] = {{"owner", q->owner}, {"host", q->host}, {"product", q->product}};
	for (size_t i = 0; i < sizeof given / sizeof given[0]; i++)
		if (given[i].value && !given[i].value[0]) { /* '' would select nothing, or everything */
			fprintf(errf, "aisensor %s: --%s needs a value\n", q->cmd, given[i].name);
			return 2;
		}
	char kinds[512];
	if (q->kind && !agents_kind_known(q->kind, kinds, sizeof kinds)) {
		fprintf(errf, "aisensor %s: --kind %s is no agent kind (%s)\n", q->cmd, q->kind, kinds);
		return 2;
	}
	int64_t since_ms = 0;
	if (q->since && !parse_since(q->since, &since_ms)) {
		fprintf(errf,
			"aisensor %s: --since takes RFC 3339 UTC (2026-11-28T09:00:00Z) or a duration "
			"(90s, 30m, 24h, 7d)\n",
			q->cmd);
		return 2;
	}
	struct redis_url u;
	char err[1024];
	if (redis_url_parse(q->url, &u, err, sizeof err) < 0) {
		fprintf(errf, "aisensor: %s\n", err);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN); /* a server going away is an error message, not a death */
	redisContext *c = NULL;
	if (redis_connect(&u, AS_REDIS_CONNECT_TIMEOUT_MS, &c, err, sizeof err) < 0) {
		fprintf(errf, "aisensor: %s\n", err);
		return 1;
	}
	int rc = 1;
	json_t **recs = NULL;
	size_t n_recs = 0;
	redisReply *ids = NULL, *filter = NULL, *by_host = NULL;
	char zkey[512], since_s[32];
	snprintf(zkey, sizeof zkey, "%sagents", q->prefix);
	snprintf(since_s, sizeof since_s, "%" PRId64, since_ms);
	if (q->since)
		ids =
		    command(c, errf, u.redacted, 4, (const char *[]){"ZRANGEBYSCORE", zkey, since_s, "+inf"});
	else
		ids = command(c, errf, u.redacted, 4, (const char *[]){"ZRANGE", zkey, "0", "-1"});
	if (!ids)
		goto done;
	/* filters: the intersection of the index sets */
	const char *fargv[5] = {"SINTER"};
	char fkeys[4][600];
	int fn = 1;
	if (q->owner)
		snprintf(fkeys[fn - 1], sizeof fkeys[0], "%sowner:%s", q->prefix, q->owner),
		    fargv[fn] = fkeys[fn - 1], fn++;
	if (q->kind)
		snprintf(fkeys[fn - 1], sizeof fkeys[0], "%skind:%s", q->prefix, q->kind),
		    fargv[fn] = fkeys[fn - 1], fn++;
	if (q->product)
		snprintf(fkeys[fn - 1], sizeof fkeys[0], "%sproduct:%s", q->prefix, q->product),
		    fargv[fn] = fkeys[fn - 1], fn++;
	if (fn > 1 && !(filter = command(c, errf, u.redacted, fn, fargv)))
		goto done;
	char hkey_set[600];
	snprintf(hkey_set, sizeof hkey_set, "%shost:%s", q->prefix, q->host ? q->host : "");
	if (q->host && !(by_host = command(c, errf, u.redacted, 2, (const char *[]){"SMEMBERS", hkey_set})))
		goto done;
	if (!(recs = calloc(ids->elements + 1, sizeof *recs))) {
		fprintf(errf, "aisensor %s: out of memory\n", q->cmd);
		goto done;
	}
	for (size_t i = 0; i < ids->elements; i++) {
		const char *id = ids->element[i]->str;
		bool keep = !filter;
		for (size_t j = 0; filter && j < filter->elements && !keep; j++)
			keep = !strcmp(filter->element[j]->str, id);
		if (!keep)
			continue;
		char hkey[600], tkey[640];
		snprintf(hkey, sizeof hkey, "%sagent:%s", q->prefix, id);
		snprintf(tkey, sizeof tkey, "%s:types", hkey);
		redisReply *h = command(c, errf, u.redacted, 2, (const char *[]){"HGETALL", hkey});
		redisReply *t = h ? command(c, errf, u.redacted, 2, (const char *[]){"HGETALL", tkey}) : NULL;
		if (!h || !t) {
			if (h)
				freeReplyObject(h);
			goto done;
		}
		json_t *rec = h->elements ? rebuild(id, h, t) : NULL;
		/* --host: its key (the host index), its address or its name, as the table shows them */
		bool in_host = false;
		for (size_t j = 0; by_host && j < by_host->elements && !in_host; j++)
			in_host = !strcmp(by_host->element[j]->str, id);
		if (rec && q->host && !in_host && strcmp(sget(rec, "host", "ip"), q->host) &&
		    strcmp(sget(rec, "host", "hostname"), q->host)) {
			json_decref(rec);
			rec = NULL;
		}
		if (rec)
			recs[n_recs++] = rec;
		freeReplyObject(h);
		freeReplyObject(t);
	}
	qsort(recs, n_recs, sizeof *recs, rec_cmp);
	*out = recs;
	*n_out = n_recs;
	snprintf(redacted, rsz, "%s", u.redacted);
	recs = NULL;
	n_recs = 0;
	rc = 0;
done:
	registry_records_free(recs, n_recs);
	if (ids)
		freeReplyObject(ids);
	if (filter)
		freeReplyObject(filter);
	if (by_host)
		freeReplyObject(by_host);
	redisFree(c);
	return rc;
}

void registry_records_free(json_t **recs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		json_decref(recs[i]);
	free(recs);
}

int cmd_agents(int argc, char **argv, FILE *out, FILE *errf)
{
	enum { O_JSON = RQ_END };
	static const struct option longopts[] = {
	    {"redis", required_argument, NULL, RQ_REDIS},
	    {"prefix", required_argument, NULL, RQ_PREFIX},
	    {"owner", required_argument, NULL, RQ_OWNER},
	    {"host", required_argument, NULL, RQ_HOST},
	    {"kind", required_argument, NULL, RQ_KIND},
	    {"product", required_argument, NULL, RQ_PRODUCT},
	    {"since", required_argument, NULL, RQ_SINCE},
	    {"json", no_argument, NULL, O_JSON},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct registry_query q = {.cmd = "agents", .prefix = "aisensor:"};
	bool as_json = false;
	int opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (registry_query_option(&q, opt, optarg))
			continue;
		switch (opt) {
		case O_JSON:
			as_json = true;
			break;
		case 'h':
			usage(out);
			return 0;
		default:
			usage(errf);
			return 2;
		}
	}
	if (optind < argc || !q.url) {
		if (optind < argc)
			fprintf(errf, "aisensor agents: unexpected argument '%s'\n", argv[optind]);
		else
			fprintf(errf, "aisensor agents: --redis URL is required\n");
		usage(errf);
		return 2;
	}
	json_t **recs = NULL;
	size_t n_recs = 0;
	char redacted[REDIS_URL_MAX];
	int rc = registry_read(&q, &recs, &n_recs, redacted, sizeof redacted, errf);
	if (rc)
		return rc;
	if (as_json) {
		json_t *doc = json_object(), *arr = json_array();
		json_t *reg = json_object();
		json_object_set_new(reg, "url", json_string(redacted));
		json_object_set_new(reg, "prefix", json_string(q.prefix));
		json_object_set_new(doc, "registry", reg);
		for (size_t i = 0; i < n_recs; i++)
			json_array_append(arr, recs[i]);
		json_object_set_new(doc, "agents", arr);
		char *s = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		if (s)
			fprintf(out, "%s\n", s);
		free(s);
		json_decref(doc);
	} else {
		print_table(out, recs, n_recs, redacted, q.prefix);
	}
	registry_records_free(recs, n_recs);
	return 0;
}
