/* cmd_agents.h — `aisensor agents`: query the Redis agent registry. */
#ifndef AS_CMD_AGENTS_H
#define AS_CMD_AGENTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

/* argv[0] is "agents". Exit status: 0 ok, 1 Redis unreachable or failed,
 * 2 bad command line. Results go to `out`, messages to `errf`. */
int cmd_agents(int argc, char **argv, FILE *out, FILE *errf);

/* What `aisensor agents` and `aisensor report` ask of the registry: the
 * filters (NULL: none) intersect. */
struct registry_query {
	const char *cmd; /* "agents", "report": named in messages */
	const char *url, *prefix, *owner, *host, *kind, *product, *since;
};
/* The getopt_long values of the options both commands take (--redis,
 * --prefix and the filters): each lists them in its own option table, and
 * registry_query_option() stores them. */
enum { RQ_REDIS = 256, RQ_PREFIX, RQ_OWNER, RQ_HOST, RQ_KIND, RQ_PRODUCT, RQ_SINCE, RQ_END };
/* Stores opt's argument in q; false when opt is none of RQ_*. */
bool registry_query_option(struct registry_query *q, int opt, const char *arg);
/* The agents the query selects, in the inventory's order, as inventory
 * records (a malloc'ed array of new references: registry_records_free);
 * redacted: the URL as messages show it. Returns 0, 1 when Redis is
 * unreachable or failed, 2 for a bad query; each said on errf. */
int registry_read(const struct registry_query *q, json_t ***recs, size_t *n, char *redacted, size_t rsz,
		  FILE *errf);
void registry_records_free(json_t **recs, size_t n);

#endif
