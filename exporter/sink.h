/* sink.h — the one interface exporters implement: they receive finished
 * JSON records (events, agent records) and never see sensor internals. */
#ifndef AS_SINK_H
#define AS_SINK_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct sink_ops {
	const char *name;
	/* One event, a JSON object without newline. */
	int (*event)(void *self, const char *json, size_t len);
	/* One agent contribution (format in exporter/README.md); NULL when the
	 * exporter keeps no registry (JSON lines). */
	int (*agent)(void *self, const char *json, size_t len);
	int (*flush)(void *self);
	void (*close)(void *self);
};

struct sink {
	const struct sink_ops *ops;
	void *self;
	uint64_t written;
	uint64_t failed;
	int last_err;
};

/* JSON lines to a file ("-" = stdout): the events, or the agent
 * contributions (a registry feed that other tools can load). */
enum jsonl_kind { JSONL_EVENTS, JSONL_CONTRIBUTIONS };
AS_MUST_CHECK int jsonl_open(const char *path, enum jsonl_kind kind, struct sink *out, char *err, size_t errsz);

/* Fans one event (one contribution) out to every sink that takes it,
 * counting failures per sink. */
void sink_event(struct sink *sinks, size_t n, const char *json, size_t len);
void sink_agent(struct sink *sinks, size_t n, const char *json, size_t len);
/* Closes every sink (flushing is the caller's, before: a Redis sink drains
 * with a timeout and reports what it could not deliver). */
void sink_close_all(struct sink *sinks, size_t n);

/* Writes a whole file atomically (temporary file + rename); "-" = stdout. */
AS_MUST_CHECK int export_file_atomic(const char *path, const char *data, size_t len, char *err, size_t errsz);

#endif
