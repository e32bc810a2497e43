/* ring.h — bounded single-producer/single-consumer ring of variable-size
 * records. Connects capture -> worker and worker -> aggregator without
 * locks: the producer owns `head`, the consumer owns `tail`; C11 atomics
 * order them. Records are 8-byte aligned; a record never wraps (a pad
 * marker fills the end of the buffer instead).
 *
 * A side that finds nothing to do waits in the kernel (a futex) instead of
 * spinning: the other side wakes it only when it said it waits, so a busy
 * ring makes no system call. */
#ifndef AS_RING_H
#define AS_RING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* A futex word and whether someone waits on it. */
struct waiter {
	_Atomic uint32_t seq;
	_Atomic uint32_t waiting;
};

struct ring {
	_Alignas(64) _Atomic size_t head; /* bytes written (producer) */
	_Alignas(64) _Atomic size_t tail; /* bytes released (consumer) */
	_Alignas(64) size_t size;	  /* power of two */
	uint8_t *buf;
	size_t pending;		   /* producer: size of the reserved record */
	struct waiter *also;	   /* woken on commit too (a consumer of several rings), or NULL */
	_Alignas(64) struct waiter data;  /* the consumer waits for a record */
	_Alignas(64) struct waiter space; /* the producer waits for room */
};

/* Waits until w is woken or timeout_ms passed; `ready` is checked once
 * more after announcing the wait (a wake-up between cannot be lost). */
void waiter_wait(struct waiter *w, bool (*ready)(void *), void *arg, int timeout_ms);
/* Wakes w's waiter, if one waits (call after publishing). */
void waiter_wake(struct waiter *w);

/* size must be a power of two; a record may be at most size/4 bytes. */
AS_MUST_CHECK int ring_init(struct ring *r, size_t size);
void ring_free(struct ring *r);
size_t ring_max_record(const struct ring *r);
/* Producer: room for n bytes, or NULL when the ring is full for now;
 * ring_commit() publishes it. */
void *ring_reserve(struct ring *r, size_t n);
void ring_commit(struct ring *r);
/* Publishes and wakes a sleeping consumer now (a tick, the end of input):
 * plain commits wake it only once an eighth of the ring is waiting. */
void ring_commit_urgent(struct ring *r);
/* Consumer: the oldest record and its length, or NULL when empty;
 * ring_release() frees it. */
void *ring_peek(struct ring *r, size_t *n);
void ring_release(struct ring *r);
bool ring_empty(struct ring *r);
/* Whether a record of n bytes fits now (the producer's test before waiting). */
bool ring_has_room(struct ring *r, size_t n);
/* Blocking forms: wait (in the kernel) for a record, or for room for n bytes. */
void ring_wait_data(struct ring *r, int timeout_ms);
void ring_wait_room(struct ring *r, size_t n, int timeout_ms);

#endif
