/* redis.c — the Redis registry exporter: callers enqueue records and
 * return at once; one thread pipelines them to Redis, spools them to disk
 * while Redis is away, reconnects with backoff and replays the spool in
 * order before anything newer. Layout and delivery rules: exporter/README.md.
 *
 * Ownership: a record's bytes are copied into the queue by the caller's
 * call; from then on the thread owns them until Redis acknowledged them,
 * the spool holds them, or they are counted as dropped. */
#include "redis.h"

#include <errno.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "fingerprint.h"
#include "jsonw.h"
#include "limits.h"
#include "redis_internal.h"

struct item {
	uint8_t type;
	uint64_t seq; /* events: this instance's sequence number */
	size_t len;
	char *data;
};

struct rx {
	/* configuration (read-only after open) */
	struct redis_url url;
	char prefix[128], sensor[128], instance[40];
	uint64_t maxlen;
	uint32_t applied_ttl, evseen_ttl, hb_interval, connect_ms, command_ms, drain_ms;
	uint32_t wait_replicas, wait_ms;
	size_t q_cap;
	uint64_t q_bytes_cap;
	bool lossless;
	char started[32];

	pthread_mutex_t mu;
	pthread_cond_t cv;   /* wakes the thread */
	pthread_cond_t idle; /* wakes flush(): progress was made */
	pthread_cond_t room; /* wakes a lossless enqueue: records left the queue */
	pthread_t thread;
	bool thread_running;

	/* guarded by mu */
	struct item *q;
	size_t q_head, q_count;
	uint64_t q_bytes;
	uint64_t next_seq;
	bool stop, hb_pending, busy;
	uint64_t moved; /* records that left the queue for Redis or the spool */
	bool stalled;	/* a lossless wait for room timed out; cleared when records move */
	struct redis_heartbeat hb;
	struct redis_stats st;

	/* thread only */
	redisContext *c;
	char sha[48];
	/* Sentinel: failovers heard, the master written to last, and what it
	 * acknowledged lately (checked on the next master: without WAIT, or
	 * with fewer replicas than the sentinels may promote, a failover can
	 * lose what it acknowledged). */
	struct sentinel_watch *watch;
	uint64_t switches_seen;
	char master[300];
	struct redis_mark *marks;
	size_t marks_head, marks_n;
	struct spool *spool;
	uint64_t next_attempt_ms, backoff_ms, next_hb_ms;
	bool ever_connected;
};

static const struct sink_ops redis_ops;

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Wall-clock time, RFC 3339 with milliseconds (the heartbeat's, not packet time). */
static void wall_rfc3339(char out[32])
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	as_format_time((uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000, out);
}

/* The CLOCK_REALTIME instant `ms` from now, for pthread_cond_timedwait. */
static struct timespec deadline_in(uint64_t ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += (time_t)(ms / 1000);
	ts.tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	return ts;
}

/* Caller holds mu. */
static void set_error(struct rx *x, const char *msg)
{
	x->st.errors++;
	size_t n = strlen(msg);
	if (n >= sizeof x->st.last_error)
		n = sizeof x->st.last_error - 1;
	memcpy(x->st.last_error, msg, n);
	x->st.last_error[n] = '\0';
}

static void locked_error(struct rx *x, const char *msg)
{
	pthread_mutex_lock(&x->mu);
	set_error(x, msg);
	pthread_mutex_unlock(&x->mu);
}

/* Spool failures are outages of the disk: counted and named, never silent. */
static void sync_spool(struct rx *x)
{
	if (spool_sync(x->spool) < 0)
		locked_error(x, "redis: spool: fdatasync failed");
}

static void ack_spool(struct rx *x)
{
	if (spool_ack(x->spool) < 0)
		locked_error(x, "redis: spool: a delivered segment could not be removed");
}

/* ---- SIGPIPE ----
 * hiredis writes with write(): a server that went away raises SIGPIPE,
 * which would kill the sensor. Threads doing Redis I/O block it; a pending
 * one is consumed so it never fires later. */

static void sigpipe_block(sigset_t *old)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, old);
}

static void sigpipe_restore(const sigset_t *old)
{
	sigset_t set, pending;
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	if (sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1 && !sigismember(old, SIGPIPE)) {
		struct timespec zero = {0, 0};
		sigtimedwait(&set, NULL, &zero);
	}
	pthread_sigmask(SIG_SETMASK, old, NULL);
}

/* ---- connection ---- */

static void disconnect(struct rx *x)
{
	if (x->c) {
		redisFree(x->c);
		x->c = NULL;
	}
	pthread_mutex_lock(&x->mu);
	x->st.connected = false;
	pthread_mutex_unlock(&x->mu);
}

static int load_script(redisContext *c, char sha[48], const char *url, char *err, size_t errsz)
{
	redisReply *r = redisCommandArgv(c, 3, (const char *[]){"SCRIPT", "LOAD", redis_script_lua},
					 (const size_t[]){6, 4, strlen(redis_script_lua)});
	if (!r || r->type != REDIS_REPLY_STRING || r->len >= 48) {
		snprintf(err, errsz, "redis %.300s: SCRIPT LOAD: %s", url,
			 !r ? c->errstr : r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
		if (r)
			freeReplyObject(r);
		return AS_ERR_CONNECT;
	}
	memcpy(sha, r->str, r->len);
	sha[r->len] = '\0';
	freeReplyObject(r);
	return AS_OK;
}

/* Connects, AUTHs, SELECTs and loads the script (again, after an outage:
 * a restarted server has an empty script cache). */
static int connect_full(struct rx *x, char *err, size_t errsz)
{
	redisContext *c;
	int r = redis_connect(&x->url, (int)x->connect_ms, &c, err, errsz);
	if (r < 0)
		return r;
	if ((r = load_script(c, x->sha, x->url.redacted, err, errsz)) < 0) {
		redisFree(c);
		return r;
	}
	struct timeval tv = {x->command_ms / 1000, (x->command_ms % 1000) * 1000};
	redisSetTimeout(c, tv);
	x->c = c;
	return AS_OK;
}

/* The master a connection reached ("host:port"). */
static void node_name(const redisContext *c, char *out, size_t n)
{
	snprintf(out, n, "%s:%d", c->tcp.host ? c->tcp.host : "", c->tcp.port);
}

/* Acknowledged (and confirmed by WAIT when asked): kept, the last
 * AS_REDIS_FAILOVER_MARKS, to learn after a failover whether the new master
 * has them. */
static void mark_acked(struct rx *x, const struct redis_mark *m)
{
	if (!x->marks)
		return;
	x->marks[(x->marks_head + x->marks_n) % AS_REDIS_FAILOVER_MARKS] = *m;
	if (x->marks_n < AS_REDIS_FAILOVER_MARKS)
		x->marks_n++;
	else
		x->marks_head = (x->marks_head + 1) % AS_REDIS_FAILOVER_MARKS;
}

/* On a new master after a failover: the acknowledged records it lacks were
 * lost with the old one (asynchronous replication); counted and said. */
static void count_failover_loss(struct rx *x, const char *old_master, const char *new_master)
{
	uint64_t lost[REDIS_REC_TYPES] = {0};
	for (size_t i = 0; i < x->marks_n; i++) {
		const struct redis_mark *m = &x->marks[(x->marks_head + i) % AS_REDIS_FAILOVER_MARKS];
		if (m->event)
			redisAppendCommand(x->c, "GET %s", m->key);
		else
			redisAppendCommand(x->c, "SISMEMBER %s %s", m->key, m->id);
	}
	for (size_t i = 0; i < x->marks_n; i++) {
		const struct redis_mark *m = &x->marks[(x->marks_head + i) % AS_REDIS_FAILOVER_MARKS];
		redisReply *r = NULL;
		if (redisGetReply(x->c, (void **)&r) != REDIS_OK || !r)
			break;
		bool have = m->event ? r->type == REDIS_REPLY_STRING && strtoull(r->str, NULL, 10) >= strtoull(m->id, NULL, 10)
				     : r->type == REDIS_REPLY_INTEGER && r->integer == 1;
		if (!have)
			lost[m->event ? REDIS_REC_EVENT : REDIS_REC_AGENT]++;
		freeReplyObject(r);
	}
	x->marks_n = 0;
	if (!lost[REDIS_REC_EVENT] && !lost[REDIS_REC_AGENT])
		return;
	char err[700];
	snprintf(err, sizeof err,
		 "redis %.200s: %llu events and %llu contributions the old master %.100s acknowledged were lost in a "
		 "failover to %.100s (not on the replica promoted; exporters.redis.wait_replicas keeps them)",
		 x->url.redacted, (unsigned long long)lost[REDIS_REC_EVENT], (unsigned long long)lost[REDIS_REC_AGENT],
		 old_master, new_master);
	pthread_mutex_lock(&x->mu);
	for (int t = 0; t < REDIS_REC_TYPES; t++)
		x->st.lost_failover[t] += lost[t];
	set_error(x, err);
	pthread_mutex_unlock(&x->mu);
}

/* A connection made: a sentinel URL may have led to another master. */
static void connected(struct rx *x)
{
	char now[300];
	node_name(x->c, now, sizeof now);
	if (x->master[0] && strcmp(now, x->master) != 0) {
		pthread_mutex_lock(&x->mu);
		x->st.failovers++;
		pthread_mutex_unlock(&x->mu);
		count_failover_loss(x, x->master, now);
	}
	snprintf(x->master, sizeof x->master, "%s", now);
}

static void try_reconnect(struct rx *x)
{
	uint64_t now = now_ms();
	if (x->c || now < x->next_attempt_ms)
		return;
	char err[640];
	if (connect_full(x, err, sizeof err) < 0) {
		locked_error(x, err);
		x->next_attempt_ms = now + x->backoff_ms;
		x->backoff_ms = x->backoff_ms * 2 > AS_REDIS_BACKOFF_MAX_MS ? AS_REDIS_BACKOFF_MAX_MS : x->backoff_ms * 2;
		return;
	}
	x->backoff_ms = AS_REDIS_BACKOFF_MIN_MS;
	connected(x);
	pthread_mutex_lock(&x->mu);
	x->st.connected = true;
	if (x->ever_connected)
		x->st.reconnects++;
	x->ever_connected = true;
	x->hb_pending = true; /* say hello again */
	pthread_mutex_unlock(&x->mu);
}

/* A failure that means "Redis is away for now", not "this record is bad". */
static bool transient_reply(const redisReply *r)
{
	static const char *const pfx[] = {"LOADING",	 "BUSY",       "TRYAGAIN", "OOM",	  "READONLY",
					  "MASTERDOWN", "CLUSTERDOWN", "NOREPLICAS", "NOAUTH", "MISCONF"};
	for (size_t i = 0; i < sizeof pfx / sizeof pfx[0]; i++)
		if (r->len >= strlen(pfx[i]) && !strncmp(r->str, pfx[i], strlen(pfx[i])))
			return true;
	return false;
}

/* ---- building commands ---- */

struct rec {
	uint8_t type;
	const char *data;
	size_t len;
	const char *instance; /* events */
	uint64_t seq;
};

static int build(struct rx *x, const struct rec *r, struct redis_args *a, char *err, size_t errsz)
{
	memset(a, 0, sizeof *a);
	if (r->type == REDIS_REC_AGENT && redis_is_upsert(r->data, r->len)) {
		int rc = redis_args_upsert(r->data, r->len, x->prefix, x->sha, x->applied_ttl, a);
		if (rc < 0)
			snprintf(err, errsz, "redis: a damaged contribution was refused");
		return rc;
	}
	if (r->type == REDIS_REC_AGENT) /* JSON: spooled by an earlier version */
		return redis_args_agent(r->data, r->len, x->prefix, x->sha, x->applied_ttl, a, err, errsz);
	if (r->type == REDIS_REC_EVENT)
		return redis_args_event(r->data, r->len, r->instance, r->seq, x->prefix, x->sha, x->maxlen,
					x->applied_ttl, x->evseen_ttl, a);
	snprintf(err, errsz, "unknown record type %u", r->type);
	return AS_ERR_MALFORMED;
}

/* A spooled record back into a struct rec (events carry their envelope).
 * An unknown type, or an event whose envelope is damaged (then counted
 * under no type), is left for build() to reject. */
static void unspool(uint8_t type, const uint8_t *p, size_t n, char *inst, size_t instsz, struct rec *r)
{
	memset(r, 0, sizeof *r);
	r->type = type;
	if (type == REDIS_REC_AGENT) {
		r->data = (const char *)p;
		r->len = n;
	} else if (type == REDIS_REC_EVENT) {
		r->instance = inst;
		if (redis_event_unwrap(p, n, inst, instsz, &r->seq, &r->data, &r->len) < 0)
			r->type = 0;
	}
}

/* OUT_DUPLICATE: done, an event the stream had (its event.id was seen). */
enum outcome { OUT_DONE, OUT_DUPLICATE, OUT_REJECTED, OUT_LATER };

/* Pipelines n records and reads the replies. out[i] tells each record's
 * fate; returns how many got a definite answer (a prefix: after the first
 * OUT_LATER everything is OUT_LATER). The connection is dropped on I/O
 * failure or a transient error. */
static size_t send_pipeline(struct rx *x, const struct rec *recs, size_t n, enum outcome *out)
{
	char err[640];
	bool appended[AS_REDIS_BATCH], marked[AS_REDIS_BATCH];
	struct redis_mark marks[AS_REDIS_BATCH];
	size_t n_app = 0;
	for (size_t i = 0; i < n; i++) {
		struct redis_args a;
		appended[i] = marked[i] = false;
		out[i] = OUT_LATER;
		if (build(x, &recs[i], &a, err, sizeof err) < 0) {
			out[i] = OUT_REJECTED;
			locked_error(x, err);
			continue;
		}
		if (x->marks)
			marked[i] = redis_args_applied(&a, recs[i].type == REDIS_REC_EVENT, &marks[i]);
		if (x->c && redisAppendCommandArgv(x->c, (int)a.n, (const char **)a.v, a.l) == REDIS_OK) {
			appended[i] = true;
			n_app++;
		}
		redis_args_free(&a);
	}
	/* WAIT covers the writes this connection made; a batch that was applied
	 * already (a resend) writes nothing, so a marker write always comes
	 * first: WAIT then waits for everything the master had until now. */
	bool waiting = x->wait_replicas && n_app;
	int n_wait = 0; /* of the two, as appended: each has a reply to read */
	if (waiting && x->c &&
	    redisAppendCommand(x->c, "SET %swait:%s %llu PX %u", x->prefix, x->instance, (unsigned long long)now_ms(),
			       x->applied_ttl * 1000u) == REDIS_OK) {
		n_wait = 1;
		if (redisAppendCommand(x->c, "WAIT %u %u", x->wait_replicas, x->wait_ms) == REDIS_OK)
			n_wait = 2;
	}
	bool lost = false, noscript = false;
	size_t answered = 0;
	for (size_t i = 0; i < n; i++) {
		if (!appended[i]) {
			if (out[i] == OUT_LATER)
				lost = true;
			if (!lost)
				answered = i + 1;
			continue;
		}
		redisReply *r = NULL;
		if (lost || !x->c || redisGetReply(x->c, (void **)&r) != REDIS_OK || !r) {
			if (!lost && x->c) {
				snprintf(err, sizeof err, "redis %.300s: %s", x->url.redacted,
					 x->c->errstr[0] ? x->c->errstr : "connection lost");
				locked_error(x, err);
			}
			lost = true;
			if (r)
				freeReplyObject(r);
			if (x->c) {
				disconnect(x);
				x->next_attempt_ms = now_ms() + x->backoff_ms;
			}
			continue;
		}
		if (r->type == REDIS_REPLY_ERROR) {
			if (!strncmp(r->str, "NOSCRIPT", 8)) {
				noscript = true;
				lost = true; /* retried after SCRIPT LOAD */
			} else if (transient_reply(r) && !lost) {
				snprintf(err, sizeof err, "redis %.300s: %.200s", x->url.redacted, r->str);
				locked_error(x, err);
				lost = true;
			} else if (!lost) {
				snprintf(err, sizeof err, "redis %.300s: record refused: %.200s", x->url.redacted, r->str);
				locked_error(x, err);
				out[i] = OUT_REJECTED;
			}
		} else if (!lost) {
			out[i] = r->type == REDIS_REPLY_INTEGER && r->integer == 2 ? OUT_DUPLICATE : OUT_DONE;
		}
		if (!lost)
			answered = i + 1;
		freeReplyObject(r);
	}
	if (waiting) {
		/* Only WAIT's answer makes the batch count: a connection lost
		 * before it (the master killed mid-batch) leaves what it applied
		 * unconfirmed, so all of it goes again. The replies are read even
		 * then, so that none is left for the next command (SCRIPT LOAD). */
		long long acked = -1;
		for (int k = 0; k < n_wait && x->c; k++) { /* the marker's reply, then WAIT's */
			redisReply *r = NULL;
			if (redisGetReply(x->c, (void **)&r) != REDIS_OK || !r)
				break;
			if (k == 1 && r->type == REDIS_REPLY_INTEGER && !lost)
				acked = r->integer;
			freeReplyObject(r);
		}
		if (acked < (long long)x->wait_replicas) {
			snprintf(err, sizeof err, "redis %.300s: WAIT: %lld of %u replicas have the writes after %u ms",
				 x->url.redacted, acked < 0 ? 0 : acked, x->wait_replicas, x->wait_ms);
			if (!lost)
				locked_error(x, err);
			pthread_mutex_lock(&x->mu);
			x->st.wait_failed++;
			pthread_mutex_unlock(&x->mu);
			answered = 0;
			lost = true;
		}
	}
	for (size_t i = answered; i < n; i++)
		out[i] = OUT_LATER;
	for (size_t i = 0; i < answered; i++)
		if (marked[i] && (out[i] == OUT_DONE || out[i] == OUT_DUPLICATE))
			mark_acked(x, &marks[i]);
	if (noscript && x->c) {
		if (load_script(x->c, x->sha, x->url.redacted, err, sizeof err) < 0) {
			locked_error(x, err);
			disconnect(x);
		}
	} else if (lost && x->c && answered < n) {
		/* a transient error reply: back off before trying again */
		disconnect(x);
		x->next_attempt_ms = now_ms() + x->backoff_ms;
	}
	return answered;
}

static void count_outcomes(struct rx *x, const struct rec *recs, const enum outcome *out, size_t n, bool replay)
{
	pthread_mutex_lock(&x->mu);
	for (size_t i = 0; i < n; i++) {
		uint8_t t = recs[i].type < REDIS_REC_TYPES ? recs[i].type : 0;
		if (out[i] == OUT_DONE || out[i] == OUT_DUPLICATE) {
			x->st.written[t]++;
			if (replay)
				x->st.replayed[t]++;
			if (out[i] == OUT_DUPLICATE)
				x->st.duplicates++;
		} else if (out[i] == OUT_REJECTED) {
			x->st.rejected[t]++;
		}
	}
	pthread_mutex_unlock(&x->mu);
}

/* ---- spool ---- */

/* Appends one queued record to the spool (false: it is dropped, counted). */
static bool spool_item(struct rx *x, const struct item *it)
{
	int r;
	if (it->type == REDIS_REC_EVENT) {
		char *env;
		size_t n;
		r = redis_event_envelope(x->instance, it->seq, it->data, it->len, &env, &n);
		if (r == AS_OK) {
			r = spool_append(x->spool, it->type, env, n);
			free(env);
		}
	} else {
		r = spool_append(x->spool, it->type, it->data, it->len);
	}
	pthread_mutex_lock(&x->mu);
	if (r == AS_OK)
		x->st.spooled[it->type]++;
	else
		x->st.dropped_spool[it->type]++;
	pthread_mutex_unlock(&x->mu);
	return r == AS_OK;
}

/* Replays one batch from the spool; false when the connection failed. */
static bool replay_batch(struct rx *x)
{
	struct rec recs[AS_REDIS_BATCH];
	enum outcome out[AS_REDIS_BATCH];
	/* spool_next's data is valid until the next call: copy the batch. */
	char *copies[AS_REDIS_BATCH];
	char inst[AS_REDIS_BATCH][40];
	size_t n = 0;
	uint8_t type;
	const uint8_t *p;
	size_t len;
	while (n < AS_REDIS_BATCH && spool_next(x->spool, &type, &p, &len) == AS_OK) {
		copies[n] = malloc(len ? len : 1);
		if (!copies[n])
			break;
		memcpy(copies[n], p, len);
		unspool(type, (const uint8_t *)copies[n], len, inst[n], sizeof inst[n], &recs[n]);
		n++;
	}
	if (!n) {
		ack_spool(x); /* only damaged data was left */
		return true;
	}
	size_t answered = send_pipeline(x, recs, n, out);
	count_outcomes(x, recs, out, answered, true);
	spool_rewind(x->spool);
	for (size_t i = 0; i < answered; i++)
		if (spool_next(x->spool, &type, &p, &len) < 0)
			break;
	if (answered)
		ack_spool(x);
	for (size_t i = 0; i < n; i++)
		free(copies[i]);
	return answered == n;
}

/* ---- the queue (caller holds mu) ---- */

static void q_push(struct rx *x, struct item it)
{
	x->q[(x->q_head + x->q_count) % x->q_cap] = it;
	x->q_count++;
	x->q_bytes += it.len;
}

static struct item q_pop(struct rx *x)
{
	struct item it = x->q[x->q_head];
	x->q_head = (x->q_head + 1) % x->q_cap;
	x->q_count--;
	x->q_bytes -= it.len;
	return it;
}

static bool q_full(const struct rx *x, size_t len)
{
	return x->q_count == x->q_cap || x->q_bytes + len > x->q_bytes_cap;
}

/* Puts records back at the front, last first (no spool: they wait in memory). */
static void q_unshift(struct rx *x, struct item *items, size_t n)
{
	for (size_t i = n; i-- > 0;) {
		if (x->q_count == x->q_cap) {
			x->st.dropped_queue[items[i].type]++;
			free(items[i].data);
			continue;
		}
		x->q_head = (x->q_head + x->q_cap - 1) % x->q_cap;
		x->q[x->q_head] = items[i];
		x->q_count++;
		x->q_bytes += items[i].len;
	}
}

/* ---- heartbeat ---- */

static void send_heartbeat(struct rx *x)
{
	pthread_mutex_lock(&x->mu);
	struct redis_stats st = x->st;
	struct redis_heartbeat hb = x->hb;
	uint64_t backlog = x->q_count;
	x->hb_pending = false;
	pthread_mutex_unlock(&x->mu);
	struct spool_stats ss = {0};
	if (x->spool)
		spool_get_stats(x->spool, &ss);
	backlog += ss.pending;
	uint64_t spooled = 0, dropped = 0;
	for (int t = 1; t < REDIS_REC_TYPES; t++) {
		spooled += st.spooled[t];
		dropped += st.dropped_queue[t] + st.dropped_spool[t];
	}
	char now[32], key[320];
	wall_rfc3339(now);
	snprintf(key, sizeof key, "%ssensor:%s", x->prefix, x->sensor);
	const struct {
		const char *name;
		uint64_t v;
	} nums[] = {
	    {"packets", hb.packets},
	    {"events_sent", st.written[REDIS_REC_EVENT]},
	    {"events_duplicate", st.duplicates},
	    {"contributions_sent", st.written[REDIS_REC_AGENT]},
	    {"spooled", spooled},
	    {"dropped", dropped},
	    {"backlog", backlog},
	    {"kernel_dropped", hb.kernel_dropped},
	    {"interface_dropped", hb.iface_dropped},
	    {"flows", hb.flows},
	    {"agents", hb.agents},
	    {"reloads", hb.reloads},
	    {"records_lost", hb.records_lost},
	};
	enum { N_NUMS = sizeof nums / sizeof nums[0] };
	char v[N_NUMS][24];
	const char *argv[8 + 2 * N_NUMS] = {"HSET", key, "version", AS_VERSION, "started", x->started,
					    "last_heartbeat", now};
	for (size_t i = 0; i < N_NUMS; i++) {
		snprintf(v[i], sizeof v[i], "%llu", (unsigned long long)nums[i].v);
		argv[8 + 2 * i] = nums[i].name;
		argv[9 + 2 * i] = v[i];
	}
	char ttl[16];
	snprintf(ttl, sizeof ttl, "%u", x->hb_interval * 3);
	const char *ex[] = {"EXPIRE", key, ttl};
	redisAppendCommandArgv(x->c, (int)(sizeof argv / sizeof argv[0]), argv, NULL);
	redisAppendCommandArgv(x->c, 3, ex, NULL);
	bool ok = true;
	for (int i = 0; i < 2; i++) {
		redisReply *r = NULL;
		if (redisGetReply(x->c, (void **)&r) != REDIS_OK || !r) {
			ok = false;
			break;
		}
		if (r->type == REDIS_REPLY_ERROR)
			ok = false;
		freeReplyObject(r);
	}
	x->next_hb_ms = now_ms() + (uint64_t)x->hb_interval * 1000;
	pthread_mutex_lock(&x->mu);
	if (ok)
		x->st.heartbeats++;
	else
		set_error(x, "redis: heartbeat failed");
	pthread_mutex_unlock(&x->mu);
	if (!ok || (x->c && x->c->err)) {
		disconnect(x);
		x->next_attempt_ms = now_ms() + x->backoff_ms;
	}
}

/* ---- the thread ---- */

static bool spool_has(struct rx *x)
{
	return x->spool && !spool_empty(x->spool);
}

static void update_spool_stats(struct rx *x)
{
	if (!x->spool)
		return;
	struct spool_stats ss;
	spool_get_stats(x->spool, &ss);
	pthread_mutex_lock(&x->mu);
	x->st.spool_pending = ss.pending;
	x->st.spool_bytes = ss.bytes;
	x->st.spool_corrupt = ss.corrupt;
	x->st.spool_truncated = ss.truncated;
	pthread_mutex_unlock(&x->mu);
}

static void *thread_main(void *arg)
{
	struct rx *x = arg;
	struct item batch[AS_REDIS_BATCH];
	sigset_t old;
	sigpipe_block(&old); /* for the thread's whole life */
	for (;;) {
		pthread_mutex_lock(&x->mu);
		for (;;) {
			bool conn = x->c != NULL;
			uint64_t now = now_ms();
			bool backlog = x->q_count > 0 || spool_has(x);
			if (x->stop)
				break;
			if (x->q_count && (conn || x->spool))
				break;
			if (conn && (spool_has(x) || x->hb_pending || now >= x->next_hb_ms))
				break;
			if (!conn && now >= x->next_attempt_ms && (backlog || now >= x->next_hb_ms))
				break;
			uint64_t until = conn ? x->next_hb_ms : x->next_attempt_ms;
			if (!conn && !backlog && x->next_hb_ms > until)
				until = x->next_hb_ms;
			if (until <= now)
				until = now + 1;
			x->busy = false;
			pthread_cond_broadcast(&x->idle);
			struct timespec ts = deadline_in(until - now);
			pthread_cond_timedwait(&x->cv, &x->mu, &ts);
		}
		x->busy = true;
		bool stop = x->stop;
		pthread_mutex_unlock(&x->mu);
		if (stop)
			break;

		uint64_t sw = sentinel_watch_switches(x->watch);
		if (sw != x->switches_seen) { /* the sentinels moved the master: leave the old one now */
			x->switches_seen = sw;
			if (x->c) {
				disconnect(x);
				x->next_attempt_ms = 0;
			}
		}
		try_reconnect(x);

		/* 1. The spool first: it holds older records. */
		if (x->c && spool_has(x))
			replay_batch(x);

		/* 2. New records: straight to Redis when nothing older waits,
		 *    else to the spool's tail (order is kept). */
		pthread_mutex_lock(&x->mu);
		size_t n = 0;
		if (x->c || x->spool)
			while (n < AS_REDIS_BATCH && x->q_count)
				batch[n++] = q_pop(x);
		pthread_mutex_unlock(&x->mu);
		if (n) {
			size_t done = 0;
			if (x->c && !spool_has(x)) {
				struct rec recs[AS_REDIS_BATCH];
				enum outcome out[AS_REDIS_BATCH];
				for (size_t i = 0; i < n; i++)
					recs[i] = (struct rec){batch[i].type, batch[i].data, batch[i].len, x->instance,
							       batch[i].seq};
				done = send_pipeline(x, recs, n, out);
				count_outcomes(x, recs, out, done, false);
			}
			for (size_t i = 0; i < done; i++)
				free(batch[i].data);
			if (done < n && x->spool) {
				for (size_t i = done; i < n; i++) {
					spool_item(x, &batch[i]);
					free(batch[i].data);
				}
				sync_spool(x);
			}
			/* what went to Redis or the spool makes room; the rest waits again */
			pthread_mutex_lock(&x->mu);
			if (done < n && !x->spool)
				q_unshift(x, batch + done, n - done);
			if (done || x->spool) {
				x->moved += x->spool ? n : done;
				x->stalled = false;
				pthread_cond_broadcast(&x->room);
			}
			pthread_mutex_unlock(&x->mu);
		}

		if (x->c) {
			pthread_mutex_lock(&x->mu);
			bool hb = x->hb_pending;
			pthread_mutex_unlock(&x->mu);
			if (hb || now_ms() >= x->next_hb_ms)
				send_heartbeat(x);
		} else if (now_ms() >= x->next_hb_ms) {
			x->next_hb_ms = now_ms() + (uint64_t)x->hb_interval * 1000;
		}
		update_spool_stats(x);
		pthread_mutex_lock(&x->mu);
		pthread_cond_broadcast(&x->idle);
		pthread_mutex_unlock(&x->mu);
	}
	/* Stopping: what is still in memory goes to the spool, or is lost. */
	pthread_mutex_lock(&x->mu);
	while (x->q_count) {
		struct item it = q_pop(x);
		if (x->spool) {
			pthread_mutex_unlock(&x->mu);
			spool_item(x, &it);
			pthread_mutex_lock(&x->mu);
		} else {
			x->st.undelivered[it.type]++;
		}
		free(it.data);
	}
	x->busy = false;
	pthread_mutex_unlock(&x->mu);
	if (x->spool)
		sync_spool(x);
	update_spool_stats(x);
	return NULL;
}

/* ---- sink operations ---- */

/* Queues a malloc'ed record; takes it in every case. */
static int enqueue(struct rx *x, uint8_t type, char *data, size_t len)
{
	if (len > AS_REDIS_MAX_RECORD) {
		pthread_mutex_lock(&x->mu);
		x->st.rejected[type]++;
		set_error(x, "redis: record over the size cap refused");
		pthread_mutex_unlock(&x->mu);
		free(data);
		return AS_ERR_LIMIT;
	}
	pthread_mutex_lock(&x->mu);
	/* Lossless: wait while the thread moves records on; give up (and
	 * count) after drain_ms without room, as a flush would, and from then
	 * on drop at once until records move again. */
	uint64_t give_up = 0;
	while (x->lossless && !x->stalled && !x->stop && x->thread_running && q_full(x, len)) {
		uint64_t now = now_ms();
		if (!give_up)
			give_up = now + x->drain_ms;
		if (now >= give_up) {
			x->stalled = true;
			break;
		}
		struct timespec ts = deadline_in(give_up - now < 100 ? give_up - now : 100);
		uint64_t before = x->moved;
		pthread_cond_timedwait(&x->room, &x->mu, &ts);
		if (x->moved != before)
			give_up = 0; /* progress: the timeout runs from the last move */
	}
	if (x->stop || q_full(x, len)) {
		x->st.dropped_queue[type]++;
		pthread_mutex_unlock(&x->mu);
		free(data);
		return AS_ERR_LIMIT;
	}
	struct item it = {type, type == REDIS_REC_EVENT ? ++x->next_seq : 0, len, data};
	q_push(x, it);
	pthread_cond_signal(&x->cv);
	pthread_mutex_unlock(&x->mu);
	return AS_OK;
}

static int redis_event(void *self, const char *json, size_t len)
{
	char *copy = malloc(len ? len : 1);
	if (!copy)
		return AS_ERR_NOMEM;
	memcpy(copy, json, len);
	return enqueue(self, REDIS_REC_EVENT, copy, len);
}

/* Validated and packed once, here: the thread and the spool see the upsert. */
static int redis_agent(void *self, const char *json, size_t len)
{
	struct rx *x = self;
	char err[640], *blob;
	size_t bl;
	int r = redis_upsert_pack(json, len, &blob, &bl, err, sizeof err);
	if (r < 0) {
		pthread_mutex_lock(&x->mu);
		x->st.rejected[REDIS_REC_AGENT]++;
		set_error(x, r == AS_ERR_NOMEM ? "redis: out of memory" : err);
		pthread_mutex_unlock(&x->mu);
		return r;
	}
	return enqueue(x, REDIS_REC_AGENT, blob, bl);
}

/* Waits until nothing is queued or spooled (or the drain timeout). */
static int redis_flush(void *self)
{
	struct rx *x = self;
	uint64_t deadline = now_ms() + x->drain_ms;
	pthread_mutex_lock(&x->mu);
	pthread_cond_signal(&x->cv);
	int rc = AS_OK;
	for (;;) {
		bool drained = x->q_count == 0 && !x->busy && x->st.spool_pending == 0;
		if (drained || !x->thread_running)
			break;
		uint64_t now = now_ms();
		if (now >= deadline) {
			rc = AS_ERR_CONNECT;
			break;
		}
		struct timespec ts = deadline_in(deadline - now < 50 ? deadline - now : 50);
		pthread_cond_timedwait(&x->idle, &x->mu, &ts);
	}
	if (x->q_count || x->st.spool_pending)
		rc = AS_ERR_CONNECT;
	pthread_mutex_unlock(&x->mu);
	return rc;
}

int redis_shutdown(struct sink *s, struct redis_stats *final)
{
	if (!s || s->ops != &redis_ops)
		return AS_ERR_UNSUPPORTED;
	struct rx *x = s->self;
	int rc = AS_OK;
	if (x->thread_running) {
		rc = redis_flush(x);
		pthread_mutex_lock(&x->mu);
		x->stop = true;
		pthread_cond_broadcast(&x->room);
		pthread_cond_signal(&x->cv);
		pthread_mutex_unlock(&x->mu);
		pthread_join(x->thread, NULL);
		x->thread_running = false;
	}
	if (x->c) {
		redisFree(x->c);
		x->c = NULL;
	}
	if (x->spool) {
		update_spool_stats(x);
		spool_close(x->spool);
		x->spool = NULL;
	}
	pthread_mutex_lock(&x->mu);
	x->st.connected = false;
	x->st.queued = x->q_count;
	if (final)
		*final = x->st;
	uint64_t lost = x->st.spool_pending;
	for (int t = 1; t < REDIS_REC_TYPES; t++)
		lost += x->st.undelivered[t];
	pthread_mutex_unlock(&x->mu);
	return rc < 0 || lost ? AS_ERR_CONNECT : AS_OK;
}

static void redis_close(void *self)
{
	struct rx *x = self;
	struct sink tmp = {.ops = &redis_ops, .self = x};
	int rc = redis_shutdown(&tmp, NULL); /* a no-op after the caller's own shutdown */
	(void)rc;
	while (x->q_count) {
		struct item it = q_pop(x);
		free(it.data);
	}
	sentinel_watch_stop(x->watch);
	free(x->marks);
	free(x->q);
	pthread_mutex_destroy(&x->mu);
	pthread_cond_destroy(&x->cv);
	pthread_cond_destroy(&x->idle);
	pthread_cond_destroy(&x->room);
	explicit_bzero(&x->url, sizeof x->url);
	free(x);
}

static const struct sink_ops redis_ops = {"redis", redis_event, redis_agent, redis_flush,
					  NULL,	   redis_close, NULL};

int redis_get_stats(const struct sink *s, struct redis_stats *out)
{
	if (!s || s->ops != &redis_ops)
		return AS_ERR_UNSUPPORTED;
	struct rx *x = s->self;
	pthread_mutex_lock(&x->mu);
	*out = x->st;
	out->queued = x->q_count;
	pthread_mutex_unlock(&x->mu);
	return AS_OK;
}

void redis_heartbeat(struct sink *s, const struct redis_heartbeat *hb)
{
	if (!s || s->ops != &redis_ops)
		return;
	struct rx *x = s->self;
	pthread_mutex_lock(&x->mu);
	x->hb = *hb;
	x->hb_pending = true;
	pthread_cond_signal(&x->cv);
	pthread_mutex_unlock(&x->mu);
}

void redis_stats_format(const struct redis_stats *st, char *out, size_t n)
{
	uint64_t sp = 0, dq = 0, ds = 0, rj = 0, lost = 0;
	for (int t = 1; t < REDIS_REC_TYPES; t++) {
		sp += st->spooled[t];
		dq += st->dropped_queue[t];
		ds += st->dropped_spool[t];
		rj += st->rejected[t];
		lost += st->undelivered[t];
	}
	char dup[96] = "", corrupt[192] = ""; /* corrupt: spool records skipped (checksum), failovers */
	int at = 0;
	if (st->duplicates)
		snprintf(dup, sizeof dup, "; %llu events already in the stream (event.id) not added again",
			 (unsigned long long)st->duplicates);
	if (st->spool_corrupt || st->spool_truncated)
		at = snprintf(corrupt, sizeof corrupt, "; %llu corrupt spool records skipped",
			      (unsigned long long)(st->spool_corrupt + st->spool_truncated));
	if (st->failovers) /* a sentinel URL led to another master */
		snprintf(corrupt + at, sizeof corrupt - (size_t)at,
			 "; %llu failovers followed (%llu events, %llu contributions lost in a failover)",
			 (unsigned long long)st->failovers, (unsigned long long)st->lost_failover[REDIS_REC_EVENT],
			 (unsigned long long)st->lost_failover[REDIS_REC_AGENT]);
	snprintf(out, n,
		 "redis: %llu events, %llu contributions written (%llu replayed from the spool); %llu spooled, "
		 "%llu left in the spool; dropped: %llu events, %llu contributions (queue full %llu, spool full "
		 "%llu); %llu rejected; %llu undelivered; %llu reconnects, %llu errors%s%s%s%s",
		 (unsigned long long)st->written[REDIS_REC_EVENT], (unsigned long long)st->written[REDIS_REC_AGENT],
		 (unsigned long long)(st->replayed[REDIS_REC_EVENT] + st->replayed[REDIS_REC_AGENT]),
		 (unsigned long long)sp, (unsigned long long)st->spool_pending,
		 (unsigned long long)(st->dropped_queue[REDIS_REC_EVENT] + st->dropped_spool[REDIS_REC_EVENT]),
		 (unsigned long long)(st->dropped_queue[REDIS_REC_AGENT] + st->dropped_spool[REDIS_REC_AGENT]),
		 (unsigned long long)dq, (unsigned long long)ds, (unsigned long long)rj, (unsigned long long)lost,
		 (unsigned long long)st->reconnects, (unsigned long long)st->errors, dup, corrupt,
		 st->last_error[0] ? "; last error: " : "", st->last_error);
}

static void random_instance(char out[40])
{
	uint8_t b[8] = {0};
	if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b) {
		uint64_t v = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^ now_ms();
		memcpy(b, &v, sizeof b);
	}
	as_hex(b, sizeof b, out);
}

int redis_open(const struct redis_config *cfg, struct sink *out, char *err, size_t errsz)
{
	memset(out, 0, sizeof *out);
	struct rx *x = calloc(1, sizeof *x);
	if (!x)
		return AS_ERR_NOMEM;
	int r = redis_url_parse(cfg->url, &x->url, err, errsz);
	if (r < 0) {
		free(x);
		return r;
	}
	const char *prefix = cfg->prefix ? cfg->prefix : "aisensor:";
	const char *sensor = cfg->sensor_name ? cfg->sensor_name : "aisensor";
	if (strlen(prefix) >= sizeof x->prefix || strlen(sensor) >= sizeof x->sensor) {
		snprintf(err, errsz, "redis: prefix or sensor name too long");
		free(x);
		return AS_ERR_CONFIG;
	}
	strcpy(x->prefix, prefix);
	strcpy(x->sensor, sensor);
	random_instance(x->instance);
	x->maxlen = cfg->stream_maxlen ? cfg->stream_maxlen : AS_REDIS_STREAM_MAXLEN;
	x->applied_ttl = cfg->applied_ttl_s ? cfg->applied_ttl_s : AS_REDIS_APPLIED_TTL_S;
	x->evseen_ttl = cfg->event_dedupe_ttl_s ? cfg->event_dedupe_ttl_s : x->applied_ttl;
	x->hb_interval = cfg->heartbeat_interval_s ? cfg->heartbeat_interval_s : AS_REDIS_HEARTBEAT_S;
	x->connect_ms = cfg->connect_timeout_ms ? cfg->connect_timeout_ms : AS_REDIS_CONNECT_TIMEOUT_MS;
	x->command_ms = cfg->command_timeout_ms ? cfg->command_timeout_ms : AS_REDIS_COMMAND_TIMEOUT_MS;
	x->drain_ms = cfg->drain_timeout_ms ? cfg->drain_timeout_ms : AS_REDIS_DRAIN_TIMEOUT_MS;
	x->q_cap = cfg->queue_records ? cfg->queue_records : AS_REDIS_QUEUE_RECORDS;
	x->q_bytes_cap = cfg->queue_bytes ? cfg->queue_bytes : AS_REDIS_QUEUE_BYTES;
	x->lossless = cfg->lossless;
	x->wait_replicas = cfg->wait_replicas;
	x->wait_ms = cfg->wait_timeout_ms ? cfg->wait_timeout_ms : AS_REDIS_WAIT_TIMEOUT_MS;
	if (x->url.sentinel && !(x->marks = calloc(AS_REDIS_FAILOVER_MARKS, sizeof *x->marks))) {
		free(x);
		return AS_ERR_NOMEM;
	}
	x->backoff_ms = AS_REDIS_BACKOFF_MIN_MS;
	wall_rfc3339(x->started);
	pthread_mutex_init(&x->mu, NULL);
	pthread_cond_init(&x->cv, NULL);
	pthread_cond_init(&x->idle, NULL);
	pthread_cond_init(&x->room, NULL);
	if (!(x->q = calloc(x->q_cap, sizeof *x->q))) {
		redis_close(x);
		return AS_ERR_NOMEM;
	}
	sigset_t old;
	sigpipe_block(&old);
	r = connect_full(x, err, errsz);
	sigpipe_restore(&old);
	if (r == AS_ERR_IO && cfg->spool_dir) {
		/* Unreachable at start, a spool given: records wait in it, as in
		 * any outage, until Redis answers. A refusal (AUTH) stays fatal. */
		fprintf(stderr, "aisensor: %s; records wait in the spool until it answers\n", err);
		locked_error(x, err);
		x->next_attempt_ms = now_ms() + x->backoff_ms;
	} else if (r < 0) {
		redis_close(x);
		return r;
	} else {
		x->st.connected = true;
		x->ever_connected = true;
		x->hb_pending = true;
		connected(x);
	}
	if (x->url.sentinel)
		x->watch = sentinel_watch_start(&x->url);
	if (cfg->spool_dir) {
		struct spool_config sc = {cfg->spool_dir, cfg->spool_max_bytes, cfg->spool_segment_bytes,
					  cfg->spool_fsync};
		if ((r = spool_open(&sc, &x->spool, err, errsz)) < 0) {
			redis_close(x);
			return r;
		}
		update_spool_stats(x);
	}
	if (pthread_create(&x->thread, NULL, thread_main, x) != 0) {
		snprintf(err, errsz, "redis: cannot start the exporter thread");
		redis_close(x);
		return AS_ERR_NOMEM;
	}
	x->thread_running = true;
	out->ops = &redis_ops;
	out->self = x;
	return AS_OK;
}
