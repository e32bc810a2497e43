/* flatpath.h — the flat-path grammar of registry fields, written once: the
 * aggregator builds field names with it, the Redis exporter validates them
 * with it, and `aisensor agents` reads them back with it.
 *
 * A field is a path of the inventory record: member names joined by '.',
 * an element of an array of objects written `array[key]`, the key being
 * the element's identity (destinations: service|endpoint|tls,
 * credentials: fingerprint|where, OAuth grants: issuer|client_id, tools:
 * the name, linked agents: the agent id):
 *
 *     software.name
 *     destinations[openai-api|api.openai.com:443|tls].bytes
 *     mcp.tools_called[delete_record].calls
 *
 * A name holds no '.', '[' or ']'; a key holds no '[' or ']' (replaced by
 * '_' when a path is built); neither holds a control character. A whole
 * field is 1 to FLATPATH_MAX bytes. */
#ifndef AS_FLATPATH_H
#define AS_FLATPATH_H

#include <stdbool.h>
#include <stddef.h>

#define FLATPATH_MAX 512  /* bytes of one field name */
#define FLATPATH_DEPTH 16 /* names and elements in one path */

/* ---- building ---- */

struct flatpath {
	char buf[FLATPATH_MAX + 1];
	size_t len;
	size_t mark[FLATPATH_DEPTH]; /* len before each push */
	unsigned depth;
	unsigned overflow_at; /* the push (depth) that did not fit: unusable until popped; 0 = fits */
};

void flatpath_init(struct flatpath *p);
/* Appends a member name ("software", then "name" -> "software.name"). */
void flatpath_push(struct flatpath *p, const char *name);
/* Appends the element of the array just pushed whose identity is key:
 * "destinations" -> "destinations[key]". */
void flatpath_push_key(struct flatpath *p, const char *key);
void flatpath_pop(struct flatpath *p);
/* The path, or NULL while it overflows. */
const char *flatpath_str(const struct flatpath *p);

/* ---- reading ---- */

/* One step of a path: a member name, and the key of an element when the
 * name is followed by [key]. */
struct flatpath_step {
	const char *name;
	size_t name_len;
	const char *key; /* NULL: not an element */
	size_t key_len;
};

/* Splits a field into its steps; the number of steps, or 0 when the field
 * breaks the grammar (or has more than max steps). */
size_t flatpath_split(const char *field, struct flatpath_step *steps, size_t max);
/* A field a registry may store: the grammar above. */
bool flatpath_valid(const char *field, size_t len);

#endif
