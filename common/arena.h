/* arena.h — bump allocator: allocations are zeroed, aligned for any type,
 * and all freed at once by arena_free. */
#ifndef AS_ARENA_H
#define AS_ARENA_H

#include <stddef.h>

struct arena_chunk;
struct arena {
	struct arena_chunk *head;
};

void *arena_alloc(struct arena *a, size_t n); /* zeroed; NULL on OOM */
/* A NUL-terminated copy of s[0..n). */
char *arena_strndup(struct arena *a, const char *s, size_t n);
void arena_free(struct arena *a);

#endif
