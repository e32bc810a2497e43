/* agents.h — the aggregator: one thread owns the DNS cache, the host table
 * and the agent model, turns worker messages into agent records, events
 * and registry contributions. Every update is a min/max/sum/set-union, so
 * the agent inventory does not depend on how flows were spread over
 * workers; contributions leave as changes happen (README.md in this
 * folder: windows, deltas, pauses). */
#ifndef AS_AGENTS_H
#define AS_AGENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode.h"
#include "jsonw.h"
#include "limits.h"
#include "msg.h"
#include "sig.h"
#include "stats.h"
#include "strset.h"

struct agents;
struct agent;

struct agents_config {
	struct sig_db *sigs; /* the aggregator takes ownership, unless sigs_lent */
	bool sigs_lent;	     /* the caller frees sigs, after the aggregator */
	const char *sensor_name;
	const char *hostname; /* observer.hostname when capturing live; NULL for a replay */
	char *const *ifaces;  /* the live interfaces, in order (observer.ingress.interface.name) */
	size_t n_ifaces;
	/* Called with one JSON event (no newline); may be NULL. */
	void (*event)(void *user, const char *json, size_t len);
	void *event_user;
	/* Called with one agent contribution for registries (contrib.c); may be NULL. */
	void (*agent)(void *user, const char *json, size_t len);
	void *agent_user;
	/* Changes leave as contributions at every boundary of this much packet
	 * time, and after this much wall-clock time without input (0: 1 s). */
	uint64_t flush_interval_us;
};

struct agents *agents_new(const struct agents_config *cfg);
void agents_free(struct agents *a);
void agents_handle(struct agents *a, const struct msg_hdr *m);
struct inventory;
/* Replaces the configured inventory (start, SIGHUP); takes ownership. */
void agents_set_inventory(struct agents *a, struct inventory *inv);
/* Puts new signatures in force (SIGHUP) and takes ownership of them. Flows
 * in progress are matched again against them (their service, API shape and
 * client software), so the old set is freed at once: a sensor reloads as
 * often as it likes and holds one set. */
void agents_set_signatures(struct agents *a, struct sig_db *db);
/* The input has paused (no message for a flush interval, wall clock):
 * everything pending leaves now. Called between messages; cheap when
 * nothing is due. */
void agents_idle(struct agents *a);
/* Ends what is still open (unanswered requests) at end of input, then
 * sends what changed to the registry. */
void agents_finish(struct agents *a);
const struct agents_stats *agents_stats(const struct agents *a);
/* The sensor lost records on the way to an output: an alert event
 * (wall-clock time ts, microseconds), on the aggregator's thread. */
void agents_alert_records_lost(struct agents *a, uint64_t ts, uint64_t total, uint64_t fresh);
/* Agents held now; safe from any thread. */
size_t agents_count(struct agents *a);
/* Whether name is an agent kind ("llm-api-client", "mcp-client", ...);
 * the kinds, comma-separated, into list (for a message). */
bool agents_kind_known(const char *name, char *list, size_t n);

/* Flows per nDPI protocol, most flows first; valid until the next call. */
struct app_count {
	char name[32];
	uint64_t flows;
};
size_t agents_app_protocols(struct agents *a, const struct app_count ***out);

/* What the inventory document says of the run besides its agents. */
/* The key logs a run read: counts only. */
struct inventory_keylog {
	uint64_t secrets, lines, malformed; /* lines that are no key log line */
	uint64_t blocks;		    /* pcapng Decryption Secrets Blocks read */
	uint64_t blocks_malformed;	    /* captures whose blocks could not be walked to the end */
};

/* The inventory format's version (schemas/inventory.schema.json): the
 * major changes when a field is renamed or removed, the minor when one is added. */
#define AS_INVENTORY_SCHEMA_VERSION "1.0"

struct inventory_meta {
	const char *sensor_name;
	const char *generated; /* wall-clock time it is written, RFC 3339 */
	char *const *inputs;
	size_t n_inputs;
	size_t n_services; /* signature services loaded */
	const struct decode_counts *packets;
	const struct inventory_keylog *keylog; /* key logs read, or NULL: none */
};
/* The inventory document: {"schema_version", "generated", "time_range",
 * "sensor": {...}, "agents": [...]}; apart from "generated", only
 * packet-derived figures, so a replay gives the same document every run. */
void agents_inventory(struct agents *a, const struct inventory_meta *meta, struct jw *w);

/* Agents in output order (host, kind, name, id); valid until the next call. */
size_t agents_list(struct agents *a, const struct agent ***out);
void agent_json(const struct agent *ag, struct jw *w);

#endif
