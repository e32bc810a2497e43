/* ring.c — lock-free SPSC ring of variable-size records (see ring.h). */
#include "ring.h"

#include <stdlib.h>
#include <string.h>

struct rec_hdr {
	uint32_t len;  /* payload bytes */
	uint32_t skip; /* 1: pad to the end of the buffer, no payload */
};

#define HDR ((size_t)sizeof(struct rec_hdr))

static size_t align8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

int ring_init(struct ring *r, size_t size)
{
	if (size < 4096 || (size & (size - 1)) != 0)
		return AS_ERR_UNSUPPORTED;
	r->buf = aligned_alloc(64, size);
	if (!r->buf)
		return AS_ERR_NOMEM;
	atomic_init(&r->head, 0);
	atomic_init(&r->tail, 0);
	r->size = size;
	r->pending = 0;
	return AS_OK;
}

void ring_free(struct ring *r)
{
	free(r->buf);
	r->buf = NULL;
}

size_t ring_max_record(const struct ring *r)
{
	return r->size / 4 - HDR;
}

void *ring_reserve(struct ring *r, size_t n)
{
	size_t need = align8(HDR + n);
	if (n > ring_max_record(r))
		return NULL;
	size_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	size_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
	size_t off = head & (r->size - 1);
	size_t contiguous = r->size - off;
	size_t free_bytes = r->size - (head - tail);
	if (contiguous < need) {
		/* Pad the end, then the record starts at offset 0. */
		if (free_bytes < contiguous + need)
			return NULL;
		struct rec_hdr pad = {0, 1};
		memcpy(r->buf + off, &pad, HDR);
		atomic_store_explicit(&r->head, head + contiguous, memory_order_release);
		head += contiguous;
		off = 0;
	} else if (free_bytes < need) {
		return NULL;
	}
	struct rec_hdr h = {(uint32_t)n, 0};
	memcpy(r->buf + off, &h, HDR);
	r->pending = need;
	return r->buf + off + HDR;
}

void ring_commit(struct ring *r)
{
	size_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	atomic_store_explicit(&r->head, head + r->pending, memory_order_release);
	r->pending = 0;
}

void *ring_peek(struct ring *r, size_t *n)
{
	for (;;) {
		size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
		size_t head = atomic_load_explicit(&r->head, memory_order_acquire);
		if (tail == head)
			return NULL;
		size_t off = tail & (r->size - 1);
		struct rec_hdr h;
		memcpy(&h, r->buf + off, HDR);
		if (h.skip) {
			atomic_store_explicit(&r->tail, tail + (r->size - off), memory_order_release);
			continue;
		}
		*n = h.len;
		return r->buf + off + HDR;
	}
}

void ring_release(struct ring *r)
{
	size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	size_t off = tail & (r->size - 1);
	struct rec_hdr h;
	memcpy(&h, r->buf + off, HDR);
	atomic_store_explicit(&r->tail, tail + align8(HDR + h.len), memory_order_release);
}

bool ring_empty(struct ring *r)
{
	return atomic_load_explicit(&r->head, memory_order_acquire) ==
	       atomic_load_explicit(&r->tail, memory_order_acquire);
}
