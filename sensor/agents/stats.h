/* stats.h — what the aggregator counts, for the end-of-run statistics
 * (its own header: the model counts too, and knows nothing else of the
 * aggregator's interface). */
#ifndef AS_AGENTS_STATS_H
#define AS_AGENTS_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "limits.h"
#include "msg.h"

/* Counters of the aggregator for the end-of-run statistics. */
struct agents_stats {
	uint64_t observations;
	uint64_t dns_cache_evictions;
	uint64_t events;
	uint64_t events_utf8_replaced; /* bytes from the wire that were not UTF-8, written as U+FFFD */
	uint64_t agents_capped;
	uint64_t capped;	/* entries refused at a per-agent cap (sets, destinations, tools, grants) */
	uint64_t deltas_lost;	/* counter changes not recorded for the registry (out of memory) */
	uint64_t contributions; /* sent: facts and counter deltas */
	uint64_t flushes;	/* windows cut by packet time */
	uint64_t pauses;	/* flushes because the input paused (wall clock) */
	uint64_t anomalies;
	/* anomaly counts by "dissector.reason", sorted when reported */
	size_t n_anomaly_kinds;
	struct anomaly_count {
		char name[AS_STR_TINY + AS_STR_SHORT + 2];
		uint64_t count;
	} anomaly[64];
	struct worker_stats workers; /* summed */
};

#endif
