/* ring.c — lock-free SPSC ring of variable-size records (see ring.h). */
#include "ring.h"

#include <linux/futex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

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
	r->also = NULL;
	atomic_init(&r->data.seq, 0);
	atomic_init(&r->data.waiting, 0);
	atomic_init(&r->space.seq, 0);
	atomic_init(&r->space.waiting, 0);
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

/* ---- waiting ---- */

void waiter_wait(struct waiter *w, bool (*ready)(void *), void *arg, int timeout_ms)
{
	uint32_t seq = atomic_load(&w->seq);
	atomic_store(&w->waiting, 1); /* seq_cst: ordered before the check below */
	if (!ready(arg)) {
		struct timespec t = {timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000L};
		syscall(SYS_futex, &w->seq, FUTEX_WAIT_PRIVATE, seq, &t, NULL, 0);
	}
	atomic_store(&w->waiting, 0);
}

void waiter_wake(struct waiter *w)
{
	atomic_thread_fence(memory_order_seq_cst); /* the publication before the look at `waiting` */
	if (!atomic_load_explicit(&w->waiting, memory_order_relaxed))
		return;
	atomic_fetch_add(&w->seq, 1);
	syscall(SYS_futex, &w->seq, FUTEX_WAKE_PRIVATE, INT32_MAX, NULL, NULL, 0);
}

/* Wake-ups are batched: a sleeping consumer is woken once a good share of
 * the ring waits for it (or by ring_commit_urgent), not for every record —
 * a wake-up per record costs more than the record. */
static void commit(struct ring *r, bool urgent)
{
	size_t head = atomic_load_explicit(&r->head, memory_order_relaxed) + r->pending;
	atomic_store_explicit(&r->head, head, memory_order_release);
	r->pending = 0;
	if (!urgent && head - atomic_load_explicit(&r->tail, memory_order_relaxed) < r->size / 8)
		return;
	waiter_wake(&r->data);
	if (r->also)
		waiter_wake(r->also);
}

void ring_commit(struct ring *r)
{
	commit(r, false);
}

void ring_commit_urgent(struct ring *r)
{
	commit(r, true);
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
			waiter_wake(&r->space);
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
	tail += align8(HDR + h.len);
	atomic_store_explicit(&r->tail, tail, memory_order_release);
	/* a waiting producer is woken once a quarter of the ring is free */
	if (r->size - (atomic_load_explicit(&r->head, memory_order_relaxed) - tail) >= r->size / 4)
		waiter_wake(&r->space);
}

bool ring_empty(struct ring *r)
{
	return atomic_load_explicit(&r->head, memory_order_acquire) ==
	       atomic_load_explicit(&r->tail, memory_order_acquire);
}

bool ring_has_room(struct ring *r, size_t n)
{
	size_t need = align8(HDR + n);
	size_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	size_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
	size_t contiguous = r->size - (head & (r->size - 1));
	size_t free_bytes = r->size - (head - tail);
	return contiguous < need ? free_bytes >= contiguous + need : free_bytes >= need;
}

static bool has_data(void *arg)
{
	return !ring_empty(arg);
}

void ring_wait_data(struct ring *r, int timeout_ms)
{
	waiter_wait(&r->data, has_data, r, timeout_ms);
}

struct room_arg {
	struct ring *r;
	size_t n;
};

static bool has_room(void *arg)
{
	struct room_arg *a = arg;
	return ring_has_room(a->r, a->n);
}

void ring_wait_room(struct ring *r, size_t n, int timeout_ms)
{
	struct room_arg a = {r, n};
	waiter_wait(&r->space, has_room, &a, timeout_ms);
}
