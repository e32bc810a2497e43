/* json_util.h — JSON helpers shared by the dissectors and analyzers that read
 * JSON bodies (RFC 8259, parsed with jansson): a loader bounded by a depth
 * pre-check, and safe copies into observation fields. */
#ifndef AS_JSON_UTIL_H
#define AS_JSON_UTIL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "strview.h"

enum json_util_res {
	JSON_UTIL_OK = 0,
	JSON_UTIL_TOO_DEEP, /* nesting past AS_JSON_MAX_DEPTH: not parsed */
	JSON_UTIL_BAD,	    /* not a JSON text */
};

/* Parses a JSON text whose top level is an object or an array, after
 * checking its nesting is within AS_JSON_MAX_DEPTH. On JSON_UTIL_OK *out
 * holds a new reference. */
enum json_util_res json_util_load(struct sv s, json_t **out);

/* The members named in keys of a JSON object text, parsed: an object with
 * only those (a later duplicate wins, as in a whole parse). The rest of the
 * text is stepped over without a tree (a chat request's messages, an
 * answer's text); a key written with escapes falls back to a whole parse.
 * JSON_UTIL_BAD when s is not one JSON object. On JSON_UTIL_OK *out holds a
 * new reference. */
enum json_util_res json_util_members(struct sv s, const char *const *keys, size_t n, json_t **out);

/* A whole parse, except that the value of every member named in skip, at
 * any depth, is left out: an empty one of its type stands in ("" [] {};
 * a number or literal is kept). For texts whose bulk is never read (a
 * tool's answer, a prompt's messages): what does not mention a skipped key
 * is parsed in one go, the skipped values are stepped over. Malformed text
 * inside a skipped value goes unnoticed. */
enum json_util_res json_util_load_pruned(struct sv s, const char *const *skip, size_t n, json_t **out);

/* Between begin and end, every jansson allocation of this thread comes from
 * a per-thread arena that end makes empty again (nested pairs: the
 * outermost end): the trees of one HTTP message cost no malloc. Every tree
 * made inside must be released before the end. */
void json_util_arena_begin(void);
void json_util_arena_end(void);

/* Copies a JSON string into a fixed field (control bytes replaced, cut at
 * dstsz); leaves dst untouched when v is not a string. Returns true when v
 * was a string. */
bool json_util_copy_string(char *dst, size_t dstsz, const json_t *v);

/* The view of a JSON string, empty when v is not one. */
struct sv json_util_sv(const json_t *v);

#endif
