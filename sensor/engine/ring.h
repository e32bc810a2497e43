/* ring.h — bounded single-producer/single-consumer ring of variable-size
 * records. Connects capture -> worker and worker -> aggregator without
 * locks: the producer owns `head`, the consumer owns `tail`; C11 atomics
 * order them. Records are 8-byte aligned; a record never wraps (a pad
 * marker fills the end of the buffer instead). */
#ifndef AS_RING_H
#define AS_RING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct ring {
	_Alignas(64) _Atomic size_t head; /* bytes written (producer) */
	_Alignas(64) _Atomic size_t tail; /* bytes released (consumer) */
	_Alignas(64) size_t size;	  /* power of two */
	uint8_t *buf;
	size_t pending; /* producer: size of the reserved record */
};

/* size must be a power of two; a record may be at most size/4 bytes. */
AS_MUST_CHECK int ring_init(struct ring *r, size_t size);
void ring_free(struct ring *r);
size_t ring_max_record(const struct ring *r);
/* Producer: room for n bytes, or NULL when the ring is full for now;
 * ring_commit() publishes it. */
void *ring_reserve(struct ring *r, size_t n);
void ring_commit(struct ring *r);
/* Consumer: the oldest record and its length, or NULL when empty;
 * ring_release() frees it. */
void *ring_peek(struct ring *r, size_t *n);
void ring_release(struct ring *r);
bool ring_empty(struct ring *r);

#endif
