/* redis.h — the Redis registry exporter (hiredis): events to a stream,
 * agent contributions through one Lua upsert script, a heartbeat hash;
 * a thread, a bounded queue and an on-disk spool keep the caller from
 * ever waiting on Redis. Layout and formats: exporter/README.md. */
#ifndef AS_REDIS_H
#define AS_REDIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "sink.h"
#include "spool.h"

/* ---- URLs ----
 * redis://[user:pass@]host[:port][/db]     (user may be empty: redis://:pass@host)
 * unix://[user:pass@]/path/to.sock[?db=N]
 * redis-sentinel://[user:pass@]host[:port][,host[:port]...]/MASTER_NAME[?db=N]
 *     [&sentinel_user=U][&sentinel_password=P]
 *   the sentinels (port 26379 by default) are asked for MASTER_NAME's
 *   address at every connection; user:pass are the data nodes', the
 *   sentinel_* parameters the sentinels' own (each optional).
 * rediss:// is refused (no TLS in this build). User and password may be
 * percent-encoded. */
#define REDIS_URL_MAX 1024
#define REDIS_MAX_SENTINELS 8
struct redis_node {
	char host[256]; /* without brackets for IPv6 */
	int port;
};
struct redis_url {
	bool unix_socket;
	bool sentinel;
	char host[256]; /* without brackets for IPv6; sentinel: the first sentinel's */
	int port;
	char path[108]; /* sun_path */
	char user[256];
	char pass[512];
	int db;			     /* -1 = none */
	char redacted[REDIS_URL_MAX]; /* for messages: the password replaced by *** */
	/* redis-sentinel:// */
	char master[128];
	size_t n_sentinels;
	struct redis_node sentinels[REDIS_MAX_SENTINELS];
	char sentinel_user[256];
	char sentinel_pass[512];
};
/* Errors never quote the password. */
AS_MUST_CHECK int redis_url_parse(const char *url, struct redis_url *out, char *err, size_t errsz);

/* Connects, AUTHs and SELECTs with a timeout; on failure `err` names the
 * redacted URL and the reason: AS_ERR_IO when it cannot be reached,
 * AS_ERR_CONNECT when it refuses (AUTH, SELECT). The context is a hiredis
 * redisContext. A sentinel URL asks the sentinels, in order, for the
 * master's address and connects there only when the node says it is the
 * master (ROLE); no sentinel answering with a live master is AS_ERR_IO, an
 * outage the exporter spools through (a failover in progress). */
struct redisContext;
AS_MUST_CHECK int redis_connect(const struct redis_url *u, int timeout_ms, struct redisContext **out, char *err,
				size_t errsz);
/* Sentinel i of a sentinel URL, authenticated with the sentinel_* credentials. */
AS_MUST_CHECK int redis_sentinel_connect(const struct redis_url *u, size_t i, int timeout_ms,
					 struct redisContext **out, char *err, size_t errsz);

/* ---- the exporter ---- */
struct redis_config {
	const char *url;
	const char *prefix;	 /* key prefix; NULL = "aisensor:" */
	const char *sensor_name; /* heartbeat key sensor:<name>; NULL = "aisensor" */
	const char *spool_dir;	 /* NULL = no spool: during an outage records wait in
				    memory and are dropped (and counted) past the queue cap */
	uint64_t spool_max_bytes;	  /* 0 = AS_SPOOL_MAX_BYTES */
	uint64_t spool_segment_bytes;	  /* 0 = AS_SPOOL_SEGMENT_BYTES */
	enum spool_fsync spool_fsync;	  /* default SPOOL_FSYNC_BATCH (0 would be NONE: set it) */
	uint64_t stream_maxlen;		  /* 0 = AS_REDIS_STREAM_MAXLEN */
	uint32_t applied_ttl_s;		  /* 0 = AS_REDIS_APPLIED_TTL_S */
	/* Durability across a failover: a write counts (leaves the queue or
	 * the spool) only once WAIT says this many replicas have it; until
	 * then it is sent again (the registry's merge makes that harmless).
	 * 0 = once the master acknowledges it. */
	uint32_t wait_replicas;
	uint32_t wait_timeout_ms; /* 0 = AS_REDIS_WAIT_TIMEOUT_MS */
	uint32_t event_dedupe_ttl_s;	  /* how long an event.id is remembered; 0 = applied_ttl_s */
	uint32_t heartbeat_interval_s;	  /* 0 = AS_REDIS_HEARTBEAT_S; the hash TTL is 3x */
	uint32_t connect_timeout_ms;	  /* 0 = AS_REDIS_CONNECT_TIMEOUT_MS */
	uint32_t command_timeout_ms;	  /* 0 = AS_REDIS_COMMAND_TIMEOUT_MS */
	uint32_t drain_timeout_ms;	  /* 0 = AS_REDIS_DRAIN_TIMEOUT_MS */
	uint32_t queue_records;		  /* 0 = AS_REDIS_QUEUE_RECORDS */
	uint64_t queue_bytes;		  /* 0 = AS_REDIS_QUEUE_BYTES */
	/* With the queue full: true waits for room while records move (to
	 * Redis, or to the spool): a replay, whose input waits anyway; false
	 * drops the record and counts it (live capture cannot wait). Past the
	 * drain timeout without progress (Redis away, no spool) a lossless
	 * exporter drops and counts too: a replay never hangs. */
	bool lossless;
};

/* Record types (also the spool's record type byte). */
enum redis_rec { REDIS_REC_EVENT = 1, REDIS_REC_AGENT = 2, REDIS_REC_TYPES = 3 };

struct redis_stats {
	/* indexed by enum redis_rec (0 unused) */
	uint64_t written[REDIS_REC_TYPES];	    /* acknowledged by Redis (incl. replayed) */
	uint64_t spooled[REDIS_REC_TYPES];	    /* written to the spool */
	uint64_t replayed[REDIS_REC_TYPES];	    /* delivered from the spool */
	uint64_t dropped_queue[REDIS_REC_TYPES];    /* refused: the in-memory queue was full */
	uint64_t dropped_spool[REDIS_REC_TYPES];    /* refused: the spool was full or failed */
	uint64_t rejected[REDIS_REC_TYPES];	    /* invalid record, or refused by Redis/the script */
	uint64_t undelivered[REDIS_REC_TYPES];	    /* after shutdown: lost (no spool) */
	uint64_t lost_failover[REDIS_REC_TYPES];    /* acknowledged by a master that failed before a replica had them */
	uint64_t failovers;   /* connections to another master than the last (sentinel URLs) */
	uint64_t wait_failed; /* batches sent again: WAIT found fewer replicas than wait_replicas */
	uint64_t duplicates; /* events acknowledged but not added: their event.id was seen */
	uint64_t reconnects; /* successful connections after the first */
	uint64_t errors;     /* connection failures, timeouts, error replies */
	uint64_t heartbeats; /* heartbeat hashes written */
	uint64_t queued;     /* records in memory now */
	uint64_t spool_pending, spool_bytes; /* records / bytes in the spool now */
	uint64_t spool_corrupt, spool_truncated;
	bool connected;
	char last_error[256]; /* never holds the password */
};

struct redis_heartbeat {
	uint64_t packets;	 /* packets read by the sensor so far */
	uint64_t kernel_dropped; /* live: dropped by the capture rings */
	uint64_t iface_dropped;	 /* live: dropped by the interfaces */
	uint64_t flows;		 /* flows open now */
	uint64_t agents;	 /* agents known now */
	uint64_t reloads;	 /* SIGHUP reloads applied */
	uint64_t records_lost;	 /* records every output together dropped, lost or found corrupt */
};

/* Parses the URL, connects, AUTHs, SELECTs, loads the script and opens the
 * spool; any failure is an error here (the sensor exits at start). */
AS_MUST_CHECK int redis_open(const struct redis_config *cfg, struct sink *out, char *err, size_t errsz);
/* Stats of a sink opened by redis_open (AS_ERR_UNSUPPORTED otherwise). */
AS_MUST_CHECK int redis_get_stats(const struct sink *s, struct redis_stats *out);
/* Posts the sensor's figures (nothing when s is not a Redis sink); the
 * exporter thread writes the heartbeat hash at once and then every
 * interval (the latest figures win). */
void redis_heartbeat(struct sink *s, const struct redis_heartbeat *hb);
/* Drains the queue and the spool within the drain timeout, stops the
 * thread, keeps whatever is left in the spool (or counts it undelivered)
 * and fills `final`. ops->close after it only frees. Returns AS_OK when
 * everything was delivered. */
AS_MUST_CHECK int redis_shutdown(struct sink *s, struct redis_stats *final);
/* One line: "redis: 12 events, 3 contributions written; 2 spooled ..." */
void redis_stats_format(const struct redis_stats *st, char *out, size_t n);

/* The Lua registry script (redis_script.c). */
extern const char redis_script_lua[];

#endif
