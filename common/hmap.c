/* hmap.c — open-addressing hash map (see hmap.h). */
#include "hmap.h"

#include <stdlib.h>
#include <string.h>

uint64_t hmap_hash(const void *key, size_t klen)
{
	/* FNV-1a, then a finaliser so the low bits spread. */
	const uint8_t *p = key;
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < klen; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

void hmap_init(struct hmap *m)
{
	memset(m, 0, sizeof *m);
}

void hmap_free(struct hmap *m)
{
	if (m->slots)
		for (size_t i = 0; i <= m->mask; i++)
			free(m->slots[i].key);
	free(m->slots);
	hmap_init(m);
}

static struct hmap_slot *find(const struct hmap *m, const void *key, size_t klen, uint64_t h)
{
	if (!m->slots)
		return NULL;
	for (size_t i = h & m->mask;; i = (i + 1) & m->mask) {
		struct hmap_slot *s = &m->slots[i];
		if (!s->key)
			return NULL;
		if (s->hash == h && s->klen == klen && memcmp(s->key, key, klen) == 0)
			return s;
	}
}

void *hmap_get(const struct hmap *m, const void *key, size_t klen)
{
	struct hmap_slot *s = find(m, key, klen, hmap_hash(key, klen));
	return s ? s->val : NULL;
}

static int grow(struct hmap *m)
{
	size_t n = m->slots ? (m->mask + 1) * 2 : 64;
	struct hmap_slot *ns = calloc(n, sizeof *ns);
	if (!ns)
		return -1;
	if (m->slots) {
		for (size_t i = 0; i <= m->mask; i++) {
			struct hmap_slot *s = &m->slots[i];
			if (!s->key)
				continue;
			size_t j = s->hash & (n - 1);
			while (ns[j].key)
				j = (j + 1) & (n - 1);
			ns[j] = *s;
		}
	}
	free(m->slots);
	m->slots = ns;
	m->mask = n - 1;
	return 0;
}

void *hmap_put(struct hmap *m, const void *key, size_t klen, void *val, int *oom)
{
	uint64_t h = hmap_hash(key, klen);
	struct hmap_slot *s = find(m, key, klen, h);
	if (s) {
		void *old = s->val;
		s->val = val;
		return old;
	}
	if (!m->slots || (m->count + 1) * 4 > (m->mask + 1) * 3) {
		if (grow(m) != 0) {
			*oom = 1;
			return NULL;
		}
	}
	void *k = malloc(klen ? klen : 1);
	if (!k) {
		*oom = 1;
		return NULL;
	}
	memcpy(k, key, klen);
	size_t i = h & m->mask;
	while (m->slots[i].key)
		i = (i + 1) & m->mask;
	m->slots[i] = (struct hmap_slot){h, k, klen, val};
	m->count++;
	return NULL;
}

void *hmap_del(struct hmap *m, const void *key, size_t klen)
{
	struct hmap_slot *s = find(m, key, klen, hmap_hash(key, klen));
	if (!s)
		return NULL;
	void *val = s->val;
	free(s->key);
	size_t i = (size_t)(s - m->slots);
	m->slots[i].key = NULL;
	m->count--;
	/* Backward-shift: move later entries of the probe run into the hole. */
	for (size_t j = (i + 1) & m->mask; m->slots[j].key; j = (j + 1) & m->mask) {
		size_t home = m->slots[j].hash & m->mask;
		size_t dist_j = (j - home) & m->mask, dist_i = (i - home) & m->mask;
		if (dist_i <= dist_j) {
			m->slots[i] = m->slots[j];
			m->slots[j].key = NULL;
			i = j;
		}
	}
	return val;
}

void *hmap_get_or_new(struct hmap *m, const void *key, size_t klen, size_t size, size_t max, bool *created)
{
	if (created)
		*created = false;
	void *v = hmap_get(m, key, klen);
	if (v)
		return v;
	if (m->count >= max || !(v = calloc(1, size)))
		return NULL;
	int oom = 0;
	hmap_put(m, key, klen, v, &oom);
	if (oom) {
		free(v);
		return NULL;
	}
	if (created)
		*created = true;
	return v;
}
