/* sig_htab.c — the open-addressing string table the signature database
 * indexes domains, services and JA4s with. */
#include <stdlib.h>
#include <string.h>

#include "sig_internal.h"

uint32_t sig_hash_rev(const char *s, size_t len)
{
	uint32_t h = 2166136261u;
	while (len--)
		h = (h ^ (unsigned char)s[len]) * 16777619u;
	return h;
}

void *sig_htab_get(const struct sig_htab *t, const char *key, size_t len, uint32_t hash)
{
	if (!t->cap)
		return NULL;
	size_t mask = t->cap - 1;
	for (size_t i = hash & mask;; i = (i + 1) & mask) {
		const struct sig_hent *e = &t->slots[i];
		if (!e->key)
			return NULL;
		if (e->hash == hash && e->len == len && memcmp(e->key, key, len) == 0)
			return e->val;
	}
}

static void htab_place(struct sig_hent *slots, size_t cap, struct sig_hent e)
{
	size_t mask = cap - 1;
	size_t i = e.hash & mask;
	while (slots[i].key)
		i = (i + 1) & mask;
	slots[i] = e;
}

int sig_htab_put(struct sig_htab *t, const char *key, size_t len, uint32_t hash, void *val)
{
	if ((t->n + 1) * 2 > t->cap) { /* load factor <= 1/2 */
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct sig_hent *slots = calloc(cap, sizeof *slots);
		if (!slots)
			return AS_ERR_NOMEM;
		for (size_t i = 0; i < t->cap; i++)
			if (t->slots[i].key)
				htab_place(slots, cap, t->slots[i]);
		free(t->slots);
		t->slots = slots;
		t->cap = cap;
	}
	htab_place(t->slots, t->cap, (struct sig_hent){key, len, hash, val});
	t->n++;
	return AS_OK;
}

void sig_htab_free(struct sig_htab *t)
{
	free(t->slots);
	t->slots = NULL;
	t->cap = t->n = 0;
}
