/* ring.h — bounded single-producer/single-consumer ring of fixed-size slots.
 * Connects capture -> worker and worker -> aggregator without locks: the
 * producer owns `head`, the consumer owns `tail`; C11 atomics order them. */
#ifndef AS_RING_H
#define AS_RING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct ring {
	_Alignas(64) _Atomic size_t head; /* next slot to write (producer) */
	_Alignas(64) _Atomic size_t tail; /* next slot to read (consumer) */
	_Alignas(64) size_t mask;
	size_t slot_size;
	uint8_t *slots;
};

/* slots must be a power of two. */
AS_MUST_CHECK int ring_init(struct ring *r, size_t slots, size_t slot_size);
void ring_free(struct ring *r);
/* Producer: a slot to fill, or NULL when full; then ring_push() publishes it. */
void *ring_reserve(struct ring *r);
void ring_push(struct ring *r);
/* Consumer: the oldest slot, or NULL when empty; ring_pop() releases it. */
void *ring_peek(struct ring *r);
void ring_pop(struct ring *r);
size_t ring_count(struct ring *r);

#endif
