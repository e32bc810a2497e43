/* contrib.h — registry contributions written from the model.
 *
 * A registry (Redis) is fed by many sensors, so what it receives must
 * merge the same in any order and survive being sent twice:
 *
 *   facts  — every field of an agent's record but its counters, each with
 *            the merge operation the record walk names (record.h); sent
 *            for the agents that changed, when their facts differ from
 *            the last sent. Idempotent.
 *   deltas — what one flow added to the counters in one window of its own
 *            packet time (exporters.flush_interval), deduplicated by the
 *            registry on "flow identity | w<window>": every sensor that saw
 *            the flow cuts it at the same boundaries, so it is added once
 *            however many sensors, replays or retries send it.
 *
 * Format and merge rules: exporter/README.md; field names: the flat-path
 * grammar of exporter/flatpath. */
#ifndef AS_CONTRIB_H
#define AS_CONTRIB_H

#include <stdbool.h>

#include "model.h"

struct contrib {
	void (*send)(void *user, const char *json, size_t len); /* NULL: nothing is built */
	void *user;
	struct agents_stats *st;
	uint64_t gen; /* flushes so far */
};

void contrib_init(struct contrib *c, void (*send)(void *, const char *, size_t), void *user,
		  struct agents_stats *st);
/* The facts of every agent changed since the last call (and of the agents
 * whose records show them: MCP and A2A peers, users of a grant). */
void contrib_facts(struct contrib *c, struct model *m);
/* Counter deltas of every flow: of the windows it has left, or (all) every
 * one, cutting the open window (the input paused, or it ended). */
void contrib_deltas(struct contrib *c, struct model *m, bool all);
/* The deltas of one flow, all: it ended. */
void contrib_flow(struct contrib *c, struct model *m, struct aflow *f);

#endif
