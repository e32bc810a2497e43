/* redis_internal.h — shared by the Redis exporter's files (not for the
 * sensor): command argument lists built from records. */
#ifndef AS_REDIS_INTERNAL_H
#define AS_REDIS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "limits.h"
#include "redis.h"

/* An argument vector for redisAppendCommandArgv; every string is owned. */
struct redis_args {
	size_t n, cap;
	char **v;
	size_t *l;
};
void redis_args_free(struct redis_args *a);
AS_MUST_CHECK int redis_args_push(struct redis_args *a, const char *s, size_t len);
AS_MUST_CHECK int redis_args_pushf(struct redis_args *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A contribution (JSON, exporter/README.md) validated and packed into the
 * script's variable arguments, an "upsert" (malloc'ed); AS_ERR_MALFORMED or
 * AS_ERR_LIMIT (with a message) when it breaks the contract. */
AS_MUST_CHECK int redis_upsert_pack(const char *json, size_t len, char **blob, size_t *bloblen, char *err,
				    size_t errsz);
/* Whether a queued or spooled agent record is an upsert (else: JSON, as
 * spooled by an older version). */
bool redis_is_upsert(const char *data, size_t len);
/* EVALSHA <sha> 5 <keys> 'agent' ... from an upsert. */
AS_MUST_CHECK int redis_args_upsert(const char *blob, size_t len, const char *prefix, const char *sha,
				    uint32_t applied_ttl_s, struct redis_args *a);
/* Both steps from JSON; with a NULL `a` it only validates. */
AS_MUST_CHECK int redis_args_agent(const char *json, size_t len, const char *prefix, const char *sha,
				   uint32_t applied_ttl_s, struct redis_args *a, char *err, size_t errsz);
/* EVALSHA <sha> 2|3 <stream> <seq key> [<seen key>] 'event' seq maxlen ttl
 * json dedupe_ttl; the seen key (evseen:<event.id>) when the event has an id. */
AS_MUST_CHECK int redis_args_event(const char *json, size_t len, const char *instance, uint64_t seq,
				   const char *prefix, const char *sha, uint64_t maxlen, uint32_t ttl_s,
				   uint32_t dedupe_ttl_s, struct redis_args *a);

/* A spooled event carries its exporter instance and sequence number:
 * "<instance> <seq>\n<json>". */
AS_MUST_CHECK int redis_event_envelope(const char *instance, uint64_t seq, const char *json, size_t len,
				       char **out, size_t *outlen);
AS_MUST_CHECK int redis_event_unwrap(const uint8_t *p, size_t n, char *instance, size_t instsz, uint64_t *seq,
				     const char **json, size_t *len);

/* What shows on a master that a record was applied: an event's number
 * under its instance's sequence key, a contribution's dedupe key in its
 * agent's applied set. */
struct redis_mark {
	bool event;
	char key[200]; /* the sequence key, or the applied set */
	char id[72];   /* the event's number, or the dedupe key */
};
/* The mark of a record built by redis_args_event (event) or
 * redis_args_upsert; false when it has none (no dedupe key) or it is too long. */
bool redis_args_applied(const struct redis_args *a, bool event, struct redis_mark *m);

/* A thread listening to the sentinels of a sentinel URL for failovers of
 * its master (+switch-master); u must outlive it. NULL: out of memory or
 * threads (the exporter then follows a failover by its errors only). */
struct sentinel_watch;
struct sentinel_watch *sentinel_watch_start(const struct redis_url *u);
/* Failovers announced so far: a change means reconnect. */
uint64_t sentinel_watch_switches(struct sentinel_watch *w);
void sentinel_watch_stop(struct sentinel_watch *w);

#endif
