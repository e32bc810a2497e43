/* jsonw.h — a small JSON writer into a growing buffer: correct escaping,
 * deterministic output, optional indentation for files people read. */
#ifndef AS_JSONW_H
#define AS_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JW_MAX_DEPTH 32

struct jw {
	char *buf;
	size_t len, cap;
	int depth;
	bool pretty;
	bool first[JW_MAX_DEPTH];
	bool oom;
	uint64_t replaced; /* bytes that were not UTF-8, written as U+FFFD (kept across jw_reset) */
};

void jw_init(struct jw *w, bool pretty);
void jw_free(struct jw *w);
void jw_reset(struct jw *w);
/* `key` is NULL for array elements and the top-level value. */
void jw_obj_begin(struct jw *w, const char *key);
void jw_obj_end(struct jw *w);
void jw_arr_begin(struct jw *w, const char *key);
void jw_arr_end(struct jw *w);
void jw_str(struct jw *w, const char *key, const char *val);
void jw_strn(struct jw *w, const char *key, const char *val, size_t n);
void jw_u64(struct jw *w, const char *key, uint64_t v);
void jw_bool(struct jw *w, const char *key, bool v);
void jw_null(struct jw *w, const char *key);
/* A member whose value is JSON already written (by another writer). */
void jw_raw(struct jw *w, const char *key, const char *json, size_t n);
/* Ends a document with a newline (no separator logic). */
void jw_newline(struct jw *w);
/* Convenience: skip empty strings. */
void jw_str_opt(struct jw *w, const char *key, const char *val);
/* Packet time (microseconds since the epoch) as RFC 3339 with milliseconds, UTC. */
void jw_time(struct jw *w, const char *key, uint64_t us);
void as_format_time(uint64_t us, char out[32]);

#endif
