/* hmap.h — hash map from byte-string keys to pointers (open addressing,
 * linear probing, tombstone-free backward-shift deletion). Keys are copied. */
#ifndef AS_HMAP_H
#define AS_HMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hmap_slot {
	uint64_t hash;
	void *key; /* NULL: empty */
	size_t klen;
	void *val;
};

struct hmap {
	struct hmap_slot *slots;
	size_t mask;
	size_t count;
};

void hmap_init(struct hmap *m);
void hmap_free(struct hmap *m); /* values are the caller's */
void *hmap_get(const struct hmap *m, const void *key, size_t klen);
/* Inserts or replaces; returns the previous value or NULL. Sets *oom on allocation failure. */
void *hmap_put(struct hmap *m, const void *key, size_t klen, void *val, int *oom);
void *hmap_del(struct hmap *m, const void *key, size_t klen);
/* The value under key; else a new zeroed value of `size` bytes (the
 * caller's, free() it) put there while the map holds fewer than `max`.
 * NULL when the map is full or memory ran out. *created (may be NULL)
 * says whether the value is new. */
void *hmap_get_or_new(struct hmap *m, const void *key, size_t klen, size_t size, size_t max, bool *created);
uint64_t hmap_hash(const void *key, size_t klen);

#endif
