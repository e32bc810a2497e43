/* redis_sentinel.c — hears the sentinels announce a failover: a thread
 * subscribed to +switch-master on one sentinel at a time (the next one
 * when it goes away) counts the announcements for our master. The
 * exporter reconnects on a change of the count, so it leaves an old
 * master that is still up (a manual failover, a partition healed) at once,
 * instead of on its first READONLY or lost connection. */
#include <hiredis/hiredis.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "redis_internal.h"

struct sentinel_watch {
	const struct redis_url *url;
	pthread_t th;
	atomic_bool stop;
	atomic_uint_fast64_t switches;
};

/* "+switch-master" messages carry "<name> <old ip> <old port> <new ip> <new port>". */
static bool about_us(const redisReply *r, const char *master)
{
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 3 || r->element[2]->type != REDIS_REPLY_STRING)
		return false;
	size_t n = strlen(master);
	return r->element[2]->len > n && !strncmp(r->element[2]->str, master, n) && r->element[2]->str[n] == ' ';
}

static void *watch_main(void *arg)
{
	struct sentinel_watch *w = arg;
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL); /* signals are the main thread's; SIGPIPE stays quiet */
	size_t i = 0;
	while (!atomic_load(&w->stop)) {
		redisContext *c;
		char err[640];
		if (redis_sentinel_connect(w->url, i, 1000, &c, err, sizeof err) < 0) {
			i = (i + 1) % w->url->n_sentinels;
			for (int t = 0; t < 10 && !atomic_load(&w->stop); t++) /* 1 s between attempts */
				poll(NULL, 0, 100);
			continue;
		}
		redisReply *r = redisCommand(c, "SUBSCRIBE +switch-master");
		bool ok = r != NULL;
		if (r)
			freeReplyObject(r);
		while (ok && !atomic_load(&w->stop)) {
			struct pollfd p = {.fd = c->fd, .events = POLLIN};
			int n = poll(&p, 1, 200);
			if (n == 0)
				continue;
			if (n < 0 || redisGetReply(c, (void **)&r) != REDIS_OK || !r) {
				ok = false;
				break;
			}
			if (about_us(r, w->url->master))
				atomic_fetch_add(&w->switches, 1);
			freeReplyObject(r);
			/* a reply may have come with the last one: read what is buffered */
			while (redisGetReplyFromReader(c, (void **)&r) == REDIS_OK && r) {
				if (about_us(r, w->url->master))
					atomic_fetch_add(&w->switches, 1);
				freeReplyObject(r);
			}
		}
		redisFree(c);
		i = (i + 1) % w->url->n_sentinels;
	}
	return NULL;
}

struct sentinel_watch *sentinel_watch_start(const struct redis_url *u)
{
	struct sentinel_watch *w = calloc(1, sizeof *w);
	if (!w)
		return NULL;
	w->url = u;
	if (pthread_create(&w->th, NULL, watch_main, w) != 0) {
		free(w);
		return NULL;
	}
	return w;
}

uint64_t sentinel_watch_switches(struct sentinel_watch *w)
{
	return w ? atomic_load(&w->switches) : 0;
}

void sentinel_watch_stop(struct sentinel_watch *w)
{
	if (!w)
		return;
	atomic_store(&w->stop, true);
	pthread_join(w->th, NULL);
	free(w);
}
