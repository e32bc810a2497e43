/* strview.h — non-owning string views for text protocols (HTTP, SSE, URLs).
 * A view points into the caller's buffer and is valid as long as it is. */
#ifndef AS_STRVIEW_H
#define AS_STRVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sv {
	const char *p;
	size_t len;
};

#define SV_LIT(s) ((struct sv){(s), sizeof(s) - 1})

struct sv sv_make(const void *p, size_t len);
struct sv sv_from_cstr(const char *s);
bool sv_eq(struct sv a, struct sv b);
bool sv_eq_ci(struct sv a, struct sv b);
bool sv_starts_with(struct sv s, struct sv prefix);
bool sv_starts_with_ci(struct sv s, struct sv prefix);
bool sv_ends_with(struct sv s, struct sv suffix);
/* Index of the first occurrence of needle, or -1. */
long sv_find(struct sv s, struct sv needle);
long sv_find_ci(struct sv s, struct sv needle);
long sv_find_char(struct sv s, char ch);
struct sv sv_trim(struct sv s);
/* Splits at the first `sep`: returns the part before it and leaves the
 * rest (after sep) in *s; when sep is absent returns all and empties *s. */
struct sv sv_split(struct sv *s, char sep);
struct sv sv_sub(struct sv s, size_t off, size_t len);
/* Parses a decimal or hex unsigned integer filling the whole view. */
bool sv_to_u64(struct sv s, uint64_t *out);
bool sv_hex_to_u64(struct sv s, uint64_t *out);
/* header.payload.signature in base64url, the header starting {" (eyJ). */
bool sv_looks_like_jwt(struct sv s);
/* Copies into a fixed buffer, NUL-terminated, replacing control bytes
 * with '?'. Returns true when the value fit, false when it was cut. */
bool sv_copy(char *dst, size_t dstsz, struct sv s);
/* sv_copy, then ASCII letters lower-cased. */
bool sv_copy_lower(char *dst, size_t dstsz, struct sv s);
/* Appends to the NUL-terminated field dst at *pos (as sv_copy, cut at
 * dstsz) and advances *pos past what was written. */
void sv_append(char *dst, size_t dstsz, size_t *pos, struct sv s);

#endif
