/* redis_harness.h — starts and stops a real redis-server on a temporary
 * unix socket for unit tests, and snapshots a registry (every key under a
 * prefix, canonically printed) so tests can compare two of them. */
#ifndef AS_REDIS_HARNESS_H
#define AS_REDIS_HARNESS_H

#include <hiredis/hiredis.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct redis_harness {
	pid_t pid;
	char dir[256];	/* temporary directory: socket, AOF, log */
	char sock[300];
	char url[320];	/* unix://<sock> */
	bool persist;	/* appendonly yes, appendfsync always */
	char pass[64];	/* requirepass, when set */
};

static inline bool rh_available(void)
{
	return system("command -v redis-server >/dev/null 2>&1") == 0;
}

static inline redisContext *rh_connect(const struct redis_harness *h)
{
	struct timeval tv = {2, 0};
	redisContext *c = redisConnectUnixWithTimeout(h->sock, tv);
	if (!c || c->err) {
		if (c)
			redisFree(c);
		return NULL;
	}
	if (h->pass[0]) {
		redisReply *r = redisCommand(c, "AUTH %s", h->pass);
		if (r)
			freeReplyObject(r);
	}
	return c;
}

/* Starts (or restarts, keeping dir) the server; false when it did not come up. */
static inline bool rh_launch(struct redis_harness *h)
{
	char log[300];
	snprintf(log, sizeof log, "%s/redis.log", h->dir);
	pid_t pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		/* dies with the test, and never holds the test's output pipes */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
		}
		const char *argv[24];
		int n = 0;
		argv[n++] = "redis-server";
		argv[n++] = "--port";
		argv[n++] = "0";
		argv[n++] = "--unixsocket";
		argv[n++] = h->sock;
		argv[n++] = "--save";
		argv[n++] = "";
		argv[n++] = "--appendonly";
		argv[n++] = h->persist ? "yes" : "no";
		argv[n++] = "--appendfsync";
		argv[n++] = "always";
		argv[n++] = "--dir";
		argv[n++] = h->dir;
		argv[n++] = "--daemonize";
		argv[n++] = "no";
		argv[n++] = "--logfile";
		argv[n++] = log;
		if (h->pass[0]) {
			argv[n++] = "--requirepass";
			argv[n++] = h->pass;
		}
		argv[n] = NULL;
		execvp("redis-server", (char *const *)argv);
		_exit(127);
	}
	h->pid = pid;
	for (int i = 0; i < 500; i++) { /* up to 5 s */
		redisContext *c = rh_connect(h);
		if (c) {
			redisReply *r = redisCommand(c, "PING");
			bool ok = r && r->type == REDIS_REPLY_STATUS;
			if (r)
				freeReplyObject(r);
			redisFree(c);
			if (ok)
				return true;
		}
		usleep(10000);
	}
	return false;
}

static inline bool rh_start(struct redis_harness *h, bool persist, const char *pass)
{
	memset(h, 0, sizeof *h);
	snprintf(h->dir, sizeof h->dir, "/tmp/as-redis-XXXXXX");
	if (!mkdtemp(h->dir))
		return false;
	snprintf(h->sock, sizeof h->sock, "%s/redis.sock", h->dir);
	snprintf(h->url, sizeof h->url, "unix://%s", h->sock);
	h->persist = persist;
	if (pass)
		snprintf(h->pass, sizeof h->pass, "%s", pass);
	return rh_launch(h);
}

static inline void rh_signal(struct redis_harness *h, int sig)
{
	if (h->pid > 0) {
		kill(h->pid, sig);
		waitpid(h->pid, NULL, 0);
		h->pid = 0;
	}
}

/* Stops the server and removes its directory. */
static inline void rh_stop(struct redis_harness *h)
{
	rh_signal(h, SIGKILL);
	if (h->dir[0]) {
		char cmd[300];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", h->dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", h->dir);
		h->dir[0] = '\0';
	}
}

/* ---- registry snapshots ---- */

struct rh_buf {
	char *p;
	size_t len, cap;
};

static inline void rh_put(struct rh_buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = realloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static int rh_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lines of "key<TAB>item" for one reply array, sorted; pairs when `pairs`. */
static inline void rh_items(struct rh_buf *b, const char *key, redisReply *r, bool pairs)
{
	size_t n = r && r->type == REDIS_REPLY_ARRAY ? r->elements : 0;
	size_t step = pairs ? 2 : 1;
	char **lines = calloc(n / step + 1, sizeof *lines);
	size_t k = 0;
	for (size_t i = 0; i + step <= n; i += step) {
		size_t need = strlen(key) + r->element[i]->len + (pairs ? r->element[i + 1]->len : 0) + 8;
		lines[k] = malloc(need);
		if (pairs)
			snprintf(lines[k], need, "%s\t%s=%s\n", key, r->element[i]->str, r->element[i + 1]->str);
		else
			snprintf(lines[k], need, "%s\t%s\n", key, r->element[i]->str);
		k++;
	}
	qsort(lines, k, sizeof *lines, rh_strcmp);
	for (size_t i = 0; i < k; i++) {
		rh_put(b, lines[i], strlen(lines[i]));
		free(lines[i]);
	}
	free(lines);
}

/* Every key under prefix (minus the prefix), canonically: hashes and sets
 * sorted, zsets with scores, streams as their ordered json fields. Keys
 * whose content depends on the writing instance or on wall time
 * (events:seq:*, sensor:*) are left out. Caller frees. */
static inline char *rh_snapshot(redisContext *c, const char *prefix)
{
	struct rh_buf out = {0};
	rh_put(&out, "", 0);
	redisReply *keys = redisCommand(c, "KEYS %s*", prefix);
	if (!keys || keys->type != REDIS_REPLY_ARRAY)
		return out.p;
	char **names = calloc(keys->elements + 1, sizeof *names);
	for (size_t i = 0; i < keys->elements; i++)
		names[i] = keys->element[i]->str;
	qsort(names, keys->elements, sizeof *names, rh_strcmp);
	size_t pl = strlen(prefix);
	for (size_t i = 0; i < keys->elements; i++) {
		const char *k = names[i], *rel = k + pl;
		if (!strncmp(rel, "events:seq:", 11) || !strncmp(rel, "sensor:", 7))
			continue;
		redisReply *t = redisCommand(c, "TYPE %s", k);
		redisReply *v = NULL;
		if (!strcmp(t->str, "hash")) {
			v = redisCommand(c, "HGETALL %s", k);
			rh_items(&out, rel, v, true);
		} else if (!strcmp(t->str, "set")) {
			v = redisCommand(c, "SMEMBERS %s", k);
			rh_items(&out, rel, v, false);
		} else if (!strcmp(t->str, "zset")) {
			v = redisCommand(c, "ZRANGE %s 0 -1 WITHSCORES", k);
			rh_items(&out, rel, v, true);
		} else if (!strcmp(t->str, "stream")) {
			v = redisCommand(c, "XRANGE %s - +", k);
			for (size_t j = 0; v && j < v->elements; j++) {
				redisReply *fields = v->element[j]->element[1];
				for (size_t f = 0; f + 1 < fields->elements; f += 2) {
					rh_put(&out, rel, strlen(rel));
					rh_put(&out, "\t", 1);
					rh_put(&out, fields->element[f]->str, fields->element[f]->len);
					rh_put(&out, "=", 1);
					rh_put(&out, fields->element[f + 1]->str, fields->element[f + 1]->len);
					rh_put(&out, "\n", 1);
				}
			}
		} else {
			v = redisCommand(c, "GET %s", k);
			rh_put(&out, rel, strlen(rel));
			rh_put(&out, "\t", 1);
			if (v && v->str)
				rh_put(&out, v->str, v->len);
			rh_put(&out, "\n", 1);
		}
		if (v)
			freeReplyObject(v);
		freeReplyObject(t);
	}
	free(names);
	freeReplyObject(keys);
	return out.p;
}

#endif
