/* cmd_report.c — `aisensor report --redis URL -o FILE.html`: the agents of
 * the registry that the filters of `aisensor agents` select, put together
 * as an inventory document and rendered as the audit report with the
 * config's policy (-c) and, with --baseline, what changed since an earlier
 * inventory. The page a replay writes (--report) and this one differ only
 * in what they say they were made from. */
#include "cmd_report.h"

#include <getopt.h>
#include <hiredis/hiredis.h>
#include <stdlib.h>
#include <string.h>

#include "audit_out.h"
#include "cmd_agents.h"
#include "config.h"
#include "redis.h"
#include "sink.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: aisensor report --redis URL -o FILE.html [-c CONFIG] [--baseline INVENTORY.json]\n"
		   "                       [--prefix P] [--owner O] [--host IP|NAME|KEY] [--kind K] [--product ID]\n"
		   "                       [--since RFC3339|DURATION (90s, 30m, 24h, 7d)]\n"
		   "  -o, --output FILE  the page ('-': stdout)\n"
		   "  -c FILE            the config: its policy, and the Redis URL and prefix if not given\n"
		   "  --baseline FILE    an earlier --inventory file: what is new or gone since\n"
		   "  -h, --help         this help\n");
}

/* What the page says it was made from. */
static json_t *provenance(const struct registry_query *q, const char *redacted, const char *cfg, json_t *sensors)
{
	char filters[2048] = "";
	const char *const f[][2] = {{"owner", q->owner}, {"host", q->host},	  {"kind", q->kind},
				    {"product", q->product}, {"since", q->since}};
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
		if (f[i][1]) {
			size_t used = strlen(filters);
			snprintf(filters + used, sizeof filters - used, "%s--%s %s", used ? " " : "", f[i][0], f[i][1]);
		}
	json_t *p = json_pack("[[ss][ss][ss]]", "Source", "the agent registry (Redis)", "Registry", redacted, "Prefix",
			      q->prefix);
	json_array_append_new(p, json_pack("[ss]", "Filters", filters[0] ? filters : "none: every agent"));
	if (cfg)
		json_array_append_new(p, json_pack("[ss]", "Configuration", cfg));
	if (json_array_size(sensors))
		json_array_append_new(p, json_pack("[sO]", "Sensors reporting now", sensors));
	json_decref(sensors);
	return p;
}

/* The sensors feeding the registry now (their heartbeats, which expire
 * three intervals after the last): "name aisensor VERSION, last heartbeat
 * TIME". Best effort: the page is made without them. */
static json_t *registry_sensors(const char *url, const char *prefix)
{
	struct redis_url u;
	char err[1024], match[600];
	redisContext *c = NULL;
	json_t *out = json_array();
	if (redis_url_parse(url, &u, err, sizeof err) < 0 || redis_connect(&u, AS_REDIS_CONNECT_TIMEOUT_MS, &c, err, sizeof err) < 0)
		return out;
	snprintf(match, sizeof match, "%ssensor:*", prefix);
	char cursor[32] = "0";
	do { /* SCAN, not KEYS: a registry of many agents is not blocked */
		redisReply *keys = redisCommand(c, "SCAN %s MATCH %s COUNT 1000", cursor, match);
		if (!keys || keys->type != REDIS_REPLY_ARRAY || keys->elements != 2 || !keys->element[0]->str) {
			if (keys)
				freeReplyObject(keys);
			break;
		}
		snprintf(cursor, sizeof cursor, "%s", keys->element[0]->str);
		const redisReply *k = keys->element[1];
		for (size_t i = 0; k->type == REDIS_REPLY_ARRAY && i < k->elements && json_array_size(out) < 64; i++) {
			const char *key = k->element[i]->str;
			redisReply *r = redisCommand(c, "HMGET %s version last_heartbeat", key);
			if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 2 && r->element[0]->str && r->element[1]->str) {
				char line[1024];
				snprintf(line, sizeof line, "%s: aisensor %s, last heartbeat %s",
					 key + strlen(prefix) + strlen("sensor:"), r->element[0]->str, r->element[1]->str);
				json_array_append_new(out, json_string(line));
			}
			if (r)
				freeReplyObject(r);
		}
		freeReplyObject(keys);
	} while (strcmp(cursor, "0") != 0);
	redisFree(c);
	return out;
}

int cmd_report(int argc, char **argv, FILE *out, FILE *errf)
{
	enum { O_BASELINE = RQ_END };
	static const struct option longopts[] = {
	    {"redis", required_argument, NULL, RQ_REDIS},	 {"prefix", required_argument, NULL, RQ_PREFIX},
	    {"owner", required_argument, NULL, RQ_OWNER},	 {"host", required_argument, NULL, RQ_HOST},
	    {"kind", required_argument, NULL, RQ_KIND},		 {"product", required_argument, NULL, RQ_PRODUCT},
	    {"since", required_argument, NULL, RQ_SINCE},	 {"baseline", required_argument, NULL, O_BASELINE},
	    {"output", required_argument, NULL, 'o'},		 {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct registry_query q = {.cmd = "report"};
	const char *output = NULL, *cfg_path = NULL, *baseline = NULL;
	int opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "ho:c:", longopts, NULL)) != -1) {
		if (registry_query_option(&q, opt, optarg))
			continue;
		switch (opt) {
		case O_BASELINE: baseline = optarg; break;
		case 'o': output = optarg; break;
		case 'c': cfg_path = optarg; break;
		case 'h':
			usage(out);
			return 0;
		default:
			usage(errf);
			return 2;
		}
	}
	struct sensor_config c;
	char err[1024];
	if (config_open(cfg_path, &c, err, sizeof err) < 0) {
		fprintf(errf, "aisensor: %s\n", err);
		return 1;
	}
	q.url = q.url ? q.url : c.redis_url;
	q.prefix = q.prefix ? q.prefix : c.redis_prefix ? c.redis_prefix : "aisensor:";
	int rc = 2;
	if (optind < argc || !q.url || !output) {
		if (optind < argc)
			fprintf(errf, "aisensor report: unexpected argument '%s'\n", argv[optind]);
		else
			fprintf(errf, "aisensor report: %s is required\n",
				!q.url ? "--redis URL (or exporters.redis.url in -c)" : "-o FILE.html");
		usage(errf);
		goto done;
	}
	json_t **recs = NULL;
	size_t n = 0;
	char redacted[REDIS_URL_MAX];
	struct audit_out *a = NULL;
	rc = 1;
	if (!(a = audit_out_new(&c, NULL)) || (baseline && audit_out_baseline(a, baseline, err, sizeof err) < 0)) {
		fprintf(errf, "aisensor report: --baseline %s\n", a ? err : "out of memory");
		goto free_out;
	}
	if ((rc = registry_read(&q, &recs, &n, redacted, sizeof redacted, errf)) != 0)
		goto free_out;
	rc = 1;
	audit_out_provenance(a, provenance(&q, redacted, cfg_path, registry_sensors(q.url, q.prefix)));
	/* the registry's records as an inventory document: the page's one input */
	json_t *doc = json_object(), *agents = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append(agents, recs[i]);
	json_object_set_new(doc, "agents", agents);
	char *html = NULL;
	size_t len = 0;
	if (audit_out_render_doc(a, doc, &html, &len, err, sizeof err) < 0 ||
	    export_file_atomic(output, html, len, err, sizeof err) < 0)
		fprintf(errf, "aisensor report: %s\n", err);
	else
		rc = 0;
	free(html);
	json_decref(doc);
free_out:
	audit_out_free(a);
	registry_records_free(recs, n);
done:
	config_free(&c);
	return rc;
}
