/* record.h — the inventory record of an agent, walked once: every field
 * with the merge operation a registry applies to it. The JSON record
 * (inventory, report, `aisensor agents`) and the registry contributions
 * (contrib.c) are two visitors of the same walk, so they cannot disagree.
 *
 * The operations are chosen so that a field only ever moves one way as
 * evidence grows — then a registry fed with the record at any moments
 * converges on the final record:
 *   SET    fixed once known (two values: the larger wins)
 *   MIN    first_seen, the first flow, the smallest of a set
 *   MAX    last_seen, versions, counts of distinct things, flags once true
 *   UNION  sets of strings
 *   ADD    counters: sent as deltas of flows (contrib.c); facts only
 *          create them, at 0
 *   LAST   a value that may go either way (the host's latest address and
 *          owner, a tool's hints, what of a conversation is still unseen):
 *          the one sent with the highest version (the newest observation)
 *          wins, then the one of the newest inventory
 *
 * An array of objects lists its elements in the order of their keys (the
 * identity a registry names them by: record_dest_key, ...), so a record
 * rebuilt from a registry has the same order. */
#ifndef AS_RECORD_H
#define AS_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jsonw.h"
#include "model.h"

enum merge_op { OP_SET, OP_MIN, OP_MAX, OP_UNION, OP_ADD, OP_LAST };

/* The one array the record omits while it is empty (a visitor's strs()
 * `optional`): what of an MCP conversation a span did not show. A registry
 * holds it as [] once nothing is missing; a record rebuilt from it omits
 * it then, as this one does. */
#define RECORD_OMITTED_EMPTY_IN "evidence"
#define RECORD_OMITTED_EMPTY "partial"

struct record_visitor {
	/* An object: a member (name) or the top level (NULL). */
	void (*obj_begin)(void *u, const char *name);
	void (*obj_end)(void *u);
	/* An array of objects, each element with its identity (key). */
	void (*list_begin)(void *u, const char *name);
	void (*item_begin)(void *u, const char *key);
	void (*item_end)(void *u);
	void (*list_end)(void *u);
	/* v NULL: null (unknown). */
	void (*str)(void *u, const char *name, const char *v, enum merge_op op);
	void (*num)(void *u, const char *name, uint64_t v, enum merge_op op);
	void (*boolean)(void *u, const char *name, bool v, enum merge_op op);
	/* An array of strings; `optional`: the record omits it when empty. */
	void (*strs)(void *u, const char *name, const char *const *v, size_t n, enum merge_op op,
		     bool optional);
	void *u;
};

/* The identity of a destination in its array: service|endpoint|tls. */
void record_dest_key(const struct dest *d, char *out, size_t n);

/* What depends on everything seen, and the canonical order of the arrays,
 * before an agent is walked: identity providers of its host, the host's
 * owner from the inventory as it is now. */
void record_settle(struct model *m, struct agent *ag);
/* Its product and the host's other records of it (related), and the
 * product-runtime-mismatch risk; part of record_settle. */
void record_product(struct model *m, struct agent *ag);
void record_walk(const struct agent *ag, const struct record_visitor *v);
/* The JSON visitor: the record as the inventory shows it. */
void record_json(const struct agent *ag, struct jw *w);
/* Every agent, settled, in output order (host, kind, name, id); the array
 * is malloc'ed (the caller frees it). */
size_t record_sorted(struct model *m, struct agent ***out);

#endif
