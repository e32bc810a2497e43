/* strset.c — sorted string set (see strset.h). */
#include "strset.h"

#include <stdlib.h>
#include <string.h>

static size_t lower_bound(const struct strset *s, const char *str, bool *found)
{
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(s->v[mid], str);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

bool strset_has(const struct strset *s, const char *str)
{
	bool found;
	lower_bound(s, str, &found);
	return found;
}

bool strset_add(struct strset *s, const char *str, size_t cap)
{
	if (!str || !*str)
		return false;
	bool found;
	size_t at = lower_bound(s, str, &found);
	if (found)
		return false;
	if (s->n >= cap) {
		s->dropped++;
		return false;
	}
	char **nv = realloc(s->v, (s->n + 1) * sizeof *nv);
	if (!nv)
		return false;
	s->v = nv;
	char *copy = strdup(str);
	if (!copy)
		return false;
	memmove(s->v + at + 1, s->v + at, (s->n - at) * sizeof *s->v);
	s->v[at] = copy;
	s->n++;
	return true;
}

void strset_free(struct strset *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof *s);
}
