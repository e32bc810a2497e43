/* layers.c — a flow's layer stack (see layers.h). A layer reaches the one
 * above it through its dissect_ctx (dissector.h: dissect_open_above,
 * dissect_feed_above, dissect_gap_above); this file is the other side of
 * those calls. A layer that returns DISSECT_DONE or an error, or loses
 * bytes it cannot skip (no gap handler), is closed and freed at once; the
 * layers above it go with it. */
#include "layers.h"

#include <stdlib.h>

#include "limits.h"

struct layer {
	const struct dissector *d;
	void *state; /* NULL once closed */
	bool protected_bytes;
};

struct layer_stack {
	const struct layer_host *host;
	unsigned n; /* layers opened (closed ones included) */
	struct layer l[AS_MAX_LAYERS];
};

static const struct dissect_stack_ops stack_ops;

static struct dissect_ctx ctx_of(struct layer_stack *s, unsigned depth)
{
	const struct layer_host *h = s->host;
	struct dissect_ctx ctx = {.ts_us = h->ts_us,
				  .env = h->env,
				  .protected_bytes = s->l[depth].protected_bytes,
				  .emit = h->emit,
				  .user = h->user,
				  .stack_ops = &stack_ops,
				  .stack = s,
				  .depth = depth};
	return ctx;
}

/* Closes the layer at depth and every layer above it. */
static void close_from(struct layer_stack *s, unsigned depth)
{
	for (unsigned i = s->n; i-- > depth;) {
		if (s->l[i].state)
			s->l[i].d->state_free(s->l[i].state);
		s->l[i].state = NULL;
	}
	if (s->n > depth)
		s->n = depth;
}

static bool open_at(struct layer_stack *s, unsigned depth)
{
	return depth < s->n && s->l[depth].state;
}

static void feed_at(struct layer_stack *s, unsigned depth, int dir, const uint8_t *data, size_t len)
{
	if (!open_at(s, depth))
		return;
	struct dissect_ctx ctx = ctx_of(s, depth);
	int r = s->l[depth].d->parse(s->l[depth].state, (enum dissect_dir)dir, data, len, &ctx);
	if (r != DISSECT_MORE)
		close_from(s, depth);
}

static void gap_at(struct layer_stack *s, unsigned depth, int dir, size_t len)
{
	if (!open_at(s, depth))
		return;
	struct layer *l = &s->l[depth];
	if (!l->d->gap) {
		close_from(s, depth);
		return;
	}
	struct dissect_ctx ctx = ctx_of(s, depth);
	l->d->gap(l->state, (enum dissect_dir)dir, len, &ctx);
}

/* ---- what a layer calls (dissect_*_above) ---- */

static int op_open(void *stack, unsigned depth, const struct dissector *d, const struct layer_open *o)
{
	struct layer_stack *s = stack;
	unsigned at = depth + 1;
	if (at >= AS_MAX_LAYERS)
		return AS_ERR_LIMIT;
	close_from(s, at);
	void *state = d->state_new(o);
	if (!state)
		return AS_ERR_NOMEM;
	s->l[at] = (struct layer){d, state, o->protected_bytes};
	s->n = at + 1;
	return AS_OK;
}

static void op_feed(void *stack, unsigned depth, enum dissect_dir dir, const uint8_t *data, size_t len)
{
	feed_at(stack, depth + 1, dir, data, len);
}

static void op_gap(void *stack, unsigned depth, enum dissect_dir dir, size_t len)
{
	gap_at(stack, depth + 1, dir, len);
}

static bool op_is_open(void *stack, unsigned depth)
{
	return open_at(stack, depth + 1);
}

static const struct dissect_stack_ops stack_ops = {op_open, op_feed, op_gap, op_is_open};

/* ---- the flow's side ---- */

struct layer_stack *layers_new(const struct layer_host *host, const struct dissector *d,
			       const struct layer_open *o)
{
	struct layer_stack *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->host = host;
	s->l[0] = (struct layer){d, d->state_new(o), o->protected_bytes};
	if (!s->l[0].state) {
		free(s);
		return NULL;
	}
	s->n = 1;
	return s;
}

void layers_free(struct layer_stack *s)
{
	if (!s)
		return;
	close_from(s, 0);
	free(s);
}

bool layers_feed(struct layer_stack *s, int dir, const uint8_t *data, size_t len)
{
	feed_at(s, 0, dir, data, len);
	return open_at(s, 0);
}

bool layers_gap(struct layer_stack *s, int dir, size_t len)
{
	gap_at(s, 0, dir, len);
	return open_at(s, 0);
}

bool layers_datagram_end(const struct layer_stack *s)
{
	return s && s->n && s->l[0].state && s->l[0].d->datagram_end;
}
