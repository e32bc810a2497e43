/* flatpath.c — the flat-path grammar of registry fields (see flatpath.h). */
#include "flatpath.h"

#include <string.h>

void flatpath_init(struct flatpath *p)
{
	p->len = 0;
	p->depth = 0;
	p->overflow_at = 0;
	p->buf[0] = '\0';
}

/* Appends s (n bytes, cleaned by `bad`) after `sep`, marking the push. */
static void push(struct flatpath *p, const char *sep, const char *s, const char *close, const char *bad)
{
	if (p->depth >= FLATPATH_DEPTH) { /* counted but not marked: pop undoes nothing */
		p->depth++;
		if (!p->overflow_at)
			p->overflow_at = p->depth;
		return;
	}
	p->mark[p->depth++] = p->len;
	size_t need = strlen(sep) + strlen(s) + strlen(close);
	if (p->overflow_at || p->len + need > FLATPATH_MAX) {
		if (!p->overflow_at)
			p->overflow_at = p->depth;
		return;
	}
	memcpy(p->buf + p->len, sep, strlen(sep));
	p->len += strlen(sep);
	for (const char *c = s; *c; c++)
		p->buf[p->len++] = ((unsigned char)*c < 0x20 || strchr(bad, *c)) ? '_' : *c;
	memcpy(p->buf + p->len, close, strlen(close));
	p->len += strlen(close);
	p->buf[p->len] = '\0';
}

void flatpath_push(struct flatpath *p, const char *name)
{
	push(p, p->len ? "." : "", name, "", ".[]");
}

void flatpath_push_key(struct flatpath *p, const char *key)
{
	push(p, "[", key, "]", "[]");
}

void flatpath_pop(struct flatpath *p)
{
	if (!p->depth)
		return;
	if (p->overflow_at == p->depth)
		p->overflow_at = 0;
	if (--p->depth < FLATPATH_DEPTH) {
		p->len = p->mark[p->depth];
		p->buf[p->len] = '\0';
	}
}

const char *flatpath_str(const struct flatpath *p)
{
	return p->overflow_at || !p->len ? NULL : p->buf;
}

size_t flatpath_split(const char *field, struct flatpath_step *steps, size_t max)
{
	size_t n = 0;
	const char *c = field;
	for (;;) {
		if (n == max)
			return 0;
		struct flatpath_step *s = &steps[n++];
		s->name = c;
		while (*c && *c != '.' && *c != '[' && *c != ']' && (unsigned char)*c >= 0x20)
			c++;
		s->name_len = (size_t)(c - s->name);
		s->key = NULL;
		s->key_len = 0;
		if (!s->name_len)
			return 0;
		if (*c == '[') {
			s->key = ++c;
			while (*c && *c != ']' && *c != '[' && (unsigned char)*c >= 0x20)
				c++;
			if (*c != ']')
				return 0;
			s->key_len = (size_t)(c - s->key);
			c++;
		}
		if (*c == '\0')
			return n;
		if (*c != '.')
			return 0;
		c++;
	}
}

bool flatpath_valid(const char *field, size_t len)
{
	struct flatpath_step steps[FLATPATH_DEPTH];
	return len && len <= FLATPATH_MAX && strlen(field) == len &&
	       flatpath_split(field, steps, FLATPATH_DEPTH) > 0;
}
