/* sink.h — the one interface exporters implement: they receive finished
 * JSON records (events, agent records) and never see sensor internals. */
#ifndef AS_SINK_H
#define AS_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* What became of the records an output accepted (asynchronous outputs
 * learn of failures after the fact). */
struct sink_status {
	char name[1100];  /* the output, e.g. "events file /var/log/aisensor/events.jsonl" */
	uint64_t written; /* records written */
	uint64_t dropped; /* refused: the queue was full (lossy outputs) */
	uint64_t lost;	  /* accepted, then lost to a write error (or larger than the queue) */
	char error[1300]; /* the first write error, naming the output and its path */
};

/* An exporter owns its I/O: event and agent only queue the record, so the
 * aggregator thread that calls them never waits on a disk or a network. */
struct sink_ops {
	const char *name;
	/* One event, a JSON object without newline. */
	int (*event)(void *self, const char *json, size_t len);
	/* One agent contribution (format in exporter/README.md); NULL when the
	 * exporter keeps no registry (JSON lines). */
	int (*agent)(void *self, const char *json, size_t len);
	/* Waits until every accepted record is written or given up. */
	int (*flush)(void *self);
	/* May be NULL (the Redis exporter reports through redis_get_stats). */
	void (*status)(void *self, struct sink_status *out);
	void (*close)(void *self);
	/* Opens its file again by name (after logrotate renamed it; SIGHUP);
	 * may be NULL. */
	void (*reopen)(void *self);
};

struct sink {
	const struct sink_ops *ops;
	void *self;
	uint64_t written;
	uint64_t failed;
	int last_err;
};

/* JSON lines to a file ("-" = stdout): the events, or the agent
 * contributions (a registry feed that other tools can load). The file is
 * appended to (O_APPEND, as Suricata's EVE log: a run adds to what is
 * there, and a copytruncate rotation leaves no hole), written in whole
 * lines by its own thread as they come, and opened again by name on
 * sink_reopen_all (a rename rotation). */
enum jsonl_kind { JSONL_EVENTS, JSONL_CONTRIBUTIONS };
struct jsonl_options {
	enum jsonl_kind kind;
	/* With the queue full: true waits for room (a replay: the capture file
	 * waits too), false drops the record and counts it (live capture). */
	bool lossless;
	size_t queue_bytes; /* 0 = AS_JSONL_QUEUE_BYTES */
};
AS_MUST_CHECK int jsonl_open(const char *path, const struct jsonl_options *o, struct sink *out, char *err,
			     size_t errsz);

/* Fans one event (one contribution) out to every sink that takes it,
 * counting failures per sink. */
void sink_event(struct sink *sinks, size_t n, const char *json, size_t len);
void sink_agent(struct sink *sinks, size_t n, const char *json, size_t len);
/* Closes every sink (flushing is the caller's, before: a Redis sink drains
 * with a timeout and reports what it could not deliver). */
void sink_close_all(struct sink *sinks, size_t n);
/* Reopens every file output by its name (SIGHUP after a log rotation). */
void sink_reopen_all(struct sink *sinks, size_t n);

/* Writes a whole file atomically (temporary file + rename); "-" = stdout. */
AS_MUST_CHECK int export_file_atomic(const char *path, const char *data, size_t len, char *err, size_t errsz);

/* A whole file rewritten periodically by its own thread (filew.c). */
struct filew;
AS_MUST_CHECK int filew_open(const char *path, struct filew **out, char *err, size_t errsz);
/* What the writer thread makes of a posted document before it writes it
 * (the audit report renders an inventory document), off the producer's
 * thread: a malloc'ed *out, or an error in err. */
typedef int (*filew_render_fn)(void *user, const char *doc, size_t len, char **out, size_t *out_len, char *err,
			       size_t errsz);
AS_MUST_CHECK int filew_open_render(const char *path, filew_render_fn render, void *user, struct filew **out,
				    char *err, size_t errsz);
/* Hands a malloc'ed document over; a newer post replaces one not yet written. */
void filew_post(struct filew *f, char *doc, size_t len);
/* Writes what is pending, stops the thread; an error names the path. */
int filew_close(struct filew *f, char *err, size_t errsz);

#endif
