/* ring.c — lock-free SPSC ring (see ring.h). */
#include "ring.h"

#include <stdlib.h>

int ring_init(struct ring *r, size_t slots, size_t slot_size)
{
	if (slots == 0 || (slots & (slots - 1)) != 0)
		return AS_ERR_UNSUPPORTED;
	r->slots = calloc(slots, slot_size);
	if (!r->slots)
		return AS_ERR_NOMEM;
	atomic_init(&r->head, 0);
	atomic_init(&r->tail, 0);
	r->mask = slots - 1;
	r->slot_size = slot_size;
	return AS_OK;
}

void ring_free(struct ring *r)
{
	free(r->slots);
	r->slots = NULL;
}

void *ring_reserve(struct ring *r)
{
	size_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	size_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
	if (head - tail > r->mask)
		return NULL;
	return r->slots + (head & r->mask) * r->slot_size;
}

void ring_push(struct ring *r)
{
	size_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	atomic_store_explicit(&r->head, head + 1, memory_order_release);
}

void *ring_peek(struct ring *r)
{
	size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	size_t head = atomic_load_explicit(&r->head, memory_order_acquire);
	if (tail == head)
		return NULL;
	return r->slots + (tail & r->mask) * r->slot_size;
}

void ring_pop(struct ring *r)
{
	size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	atomic_store_explicit(&r->tail, tail + 1, memory_order_release);
}

size_t ring_count(struct ring *r)
{
	return atomic_load_explicit(&r->head, memory_order_acquire) -
	       atomic_load_explicit(&r->tail, memory_order_acquire);
}
