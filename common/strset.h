/* strset.h — small sorted set of strings (agent models, fingerprints, risks).
 * Sorted so output is deterministic; bounded so a hostile peer cannot grow it. */
#ifndef AS_STRSET_H
#define AS_STRSET_H

#include <stdbool.h>
#include <stddef.h>

struct strset {
	char **v;
	size_t n;
	size_t dropped; /* adds refused at the cap */
};

/* Adds a copy; false when already present, empty, or the set is at `cap`. */
bool strset_add(struct strset *s, const char *str, size_t cap);
bool strset_has(const struct strset *s, const char *str);
void strset_free(struct strset *s);

#endif
