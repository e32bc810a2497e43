/* quic_streams.c — QUIC stream reassembly (see quic_streams.h). */
#include "quic_streams.h"

#include <stdlib.h>
#include <string.h>

#include "limits.h"

#define QUIC "quic"

/* Bytes held ahead of a stream's next offset, sorted by offset. */
struct quic_seg {
	struct quic_seg *next;
	uint64_t off;
	size_t len;
	uint8_t data[];
};

struct quic_stream {
	bool used;
	uint8_t dir;
	uint64_t id;
	uint64_t next; /* bytes given in order */
	uint64_t fin_at;
	bool fin_known;
	bool done; /* given whole */
	struct quic_seg *segs;
};

struct quic_streams {
	quic_stream_fn on_data;
	quic_lost_fn on_lost;
	void *user;
	size_t held;
	struct quic_stream v[AS_QUIC_MAX_STREAMS];
};

struct quic_streams *quic_streams_new(quic_stream_fn on_data, quic_lost_fn on_lost, void *user)
{
	struct quic_streams *s = calloc(1, sizeof *s);
	if (s) {
		s->on_data = on_data;
		s->on_lost = on_lost;
		s->user = user;
	}
	return s;
}

static void drop_segs(struct quic_streams *all, struct quic_stream *s)
{
	for (struct quic_seg *g = s->segs, *n; g; g = n) {
		n = g->next;
		all->held -= g->len;
		free(g);
	}
	s->segs = NULL;
}

static void release(struct quic_streams *all, struct quic_stream *s)
{
	drop_segs(all, s);
	memset(s, 0, sizeof *s);
}

void quic_streams_free(struct quic_streams *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < AS_QUIC_MAX_STREAMS; i++)
		drop_segs(s, &s->v[i]);
	free(s);
}

/* A stream's slot; a new stream takes a free one, or the slot of one given
 * whole (its late retransmissions are then read as new). */
static struct quic_stream *stream_of(struct quic_streams *all, uint64_t id, enum dissect_dir dir)
{
	struct quic_stream *free_slot = NULL, *done_slot = NULL;
	for (size_t i = 0; i < AS_QUIC_MAX_STREAMS; i++) {
		struct quic_stream *s = &all->v[i];
		if (s->used && s->id == id && s->dir == dir)
			return s;
		if (!s->used && !free_slot)
			free_slot = s;
		if (s->used && s->done && !done_slot)
			done_slot = s;
	}
	if (!free_slot && done_slot) {
		release(all, done_slot);
		free_slot = done_slot;
	}
	if (free_slot) {
		free_slot->used = true;
		free_slot->id = id;
		free_slot->dir = (uint8_t)dir;
	}
	return free_slot;
}

/* Gives bytes from s->next on; the end when it is reached. */
static void give(struct quic_streams *all, struct quic_stream *s, uint64_t off, const uint8_t *p, size_t n,
		 const struct dissect_ctx *ctx)
{
	size_t skip = (size_t)(s->next - off);
	s->next = off + n;
	all->on_data(all->user, s->id, (enum dissect_dir)s->dir, p + skip, n - skip,
		     s->fin_known && s->next == s->fin_at, ctx);
}

/* What is now in order, and the end once reached. */
static void flush(struct quic_streams *all, struct quic_stream *s, const struct dissect_ctx *ctx)
{
	while (s->segs && s->segs->off <= s->next) {
		struct quic_seg *g = s->segs;
		s->segs = g->next;
		all->held -= g->len;
		if (g->off + g->len > s->next)
			give(all, s, g->off, g->data, g->len, ctx);
		free(g);
	}
	if (s->fin_known && s->next == s->fin_at) {
		s->done = true;
		drop_segs(all, s); /* beyond the end: nothing */
	}
}

void quic_streams_frame(struct quic_streams *all, uint64_t id, enum dissect_dir dir, uint64_t off, const uint8_t *p,
			size_t n, bool fin, const struct dissect_ctx *ctx)
{
	if (!all || off > UINT64_MAX - n)
		return;
	struct quic_stream *s = stream_of(all, id, dir);
	if (!s) {
		dissect_anomaly(ctx, QUIC, "streams_over_cap");
		return;
	}
	if (s->done) /* a retransmission after the end */
		return;
	if (fin && !s->fin_known) {
		s->fin_known = true;
		s->fin_at = off + n;
	}
	if (off <= s->next) {
		if (off + n > s->next || (fin && off + n == s->next))
			give(all, s, off, p, n, ctx);
		flush(all, s, ctx);
		return;
	}
	if (n > AS_QUIC_MAX_HELD - all->held) {
		dissect_anomaly(ctx, QUIC, "stream_held_over_cap");
		all->on_lost(all->user, id, dir, ctx);
		release(all, s);
		return;
	}
	struct quic_seg *g = malloc(sizeof *g + n), **pp = &s->segs;
	if (!g)
		return;
	g->off = off;
	g->len = n;
	memcpy(g->data, p, n);
	while (*pp && (*pp)->off < off)
		pp = &(*pp)->next;
	g->next = *pp;
	*pp = g;
	all->held += n;
}
