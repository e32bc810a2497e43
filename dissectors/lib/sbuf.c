/* sbuf.c — bounded per-direction buffer for stream dissectors. */
#include "sbuf.h"

#include <stdlib.h>
#include <string.h>

void sbuf_init(struct sbuf *b, size_t cap)
{
	b->data = NULL;
	b->len = b->alloc = 0;
	b->cap = cap;
}

void sbuf_free(struct sbuf *b)
{
	free(b->data);
	sbuf_init(b, b->cap);
}

int sbuf_append(struct sbuf *b, const uint8_t *p, size_t n)
{
	if (n > b->cap - b->len)
		return AS_ERR_LIMIT;
	if (b->len + n > b->alloc) {
		size_t na = b->alloc ? b->alloc : 2048; /* most messages fit: one allocation */
		while (na < b->len + n)
			na *= 2;
		if (na > b->cap)
			na = b->cap;
		uint8_t *nd = realloc(b->data, na);
		if (!nd)
			return AS_ERR_NOMEM;
		b->data = nd;
		b->alloc = na;
	}
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	return AS_OK;
}

void sbuf_consume(struct sbuf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
}

void sbuf_reset(struct sbuf *b) { b->len = 0; }
