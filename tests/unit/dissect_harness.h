/* dissect_harness.h — shared helpers for dissector unit tests: collect the
 * observations a dissector emits, check that splitting a stream at every
 * byte offset yields exactly the observations of the unsplit stream, and
 * probe tables run one case per row. */
#ifndef AS_DISSECT_HARNESS_H
#define AS_DISSECT_HARNESS_H

#include "cases.h"
#include "dissector.h"
#include "layers.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct obs_log {
	struct observation *v;
	size_t n, alloc;
};

static inline void obs_log_emit(void *user, const struct observation *o)
{
	struct obs_log *log = user;
	if (log->n == log->alloc) {
		log->alloc = log->alloc ? log->alloc * 2 : 8;
		log->v = realloc(log->v, log->alloc * sizeof *log->v);
		assert_non_null(log->v);
	}
	/* Only the observation's own member is defined (observation_init). */
	memset(&log->v[log->n], 0, sizeof log->v[log->n]);
	memcpy(&log->v[log->n++], o, observation_size(o->type));
}

static inline void obs_log_free(struct obs_log *log)
{
	free(log->v);
	memset(log, 0, sizeof *log);
}

/* One direction's bytes of a conversation, fed in order. */
struct feed {
	enum dissect_dir dir;
	const uint8_t *data;
	size_t len;
};

static const uint8_t harness_salt[] = "aisensor-test-salt";
static const struct dissect_env harness_env = {.salt = harness_salt, .salt_len = sizeof harness_salt - 1};
#define HARNESS_TS 1700000000000000ULL

/* What a dissector is opened with: a TCP flow 40000 -> 80 (the flow fills
 * in its own; dissectors that care about ports are tested on captures). */
static inline const struct layer_open *harness_open(void)
{
	static const struct layer_open o = {.transport = TRANSPORT_TCP,
					    .client_port = 40000,
					    .server_port = 80,
					    .env = &harness_env};
	return &o;
}

/* A context for calling one dissector alone (no layer above). */
static inline struct dissect_ctx harness_ctx(struct obs_log *log)
{
	struct dissect_ctx ctx = {.ts_us = HARNESS_TS, .env = &harness_env, .emit = obs_log_emit, .user = log};
	return ctx;
}

/* A layer stack with d at the bottom, as a flow holds one (layers it
 * opens above itself, such as websocket after an Upgrade, included). */
static inline struct layer_stack *harness_stack(const struct dissector *d, struct layer_host *host,
						struct obs_log *log)
{
	*host = (struct layer_host){&harness_env, obs_log_emit, log, HARNESS_TS};
	struct layer_stack *s = layers_new(host, d, harness_open());
	assert_non_null(s);
	return s;
}

/* Feeds the conversation through a stack; feed `split` (or none when
 * split_at == SIZE_MAX) is delivered in two calls cut at split_at. */
static inline void harness_run(const struct dissector *d, const struct feed *f, size_t n, size_t split,
			size_t split_at, struct obs_log *log)
{
	struct layer_host host;
	struct layer_stack *s = harness_stack(d, &host, log);
	bool open = true;
	for (size_t i = 0; i < n && open; i++) {
		if (i == split && split_at != SIZE_MAX) {
			open = layers_feed(s, f[i].dir, f[i].data, split_at) &&
			       layers_feed(s, f[i].dir, f[i].data + split_at, f[i].len - split_at);
		} else {
			open = layers_feed(s, f[i].dir, f[i].data, f[i].len);
		}
	}
	layers_free(s);
}

/* Asserts that every split of every feed gives the unsplit observations;
 * returns the unsplit log for further assertions (caller frees). */
static inline struct obs_log harness_split_invariant(const struct dissector *d, const struct feed *f, size_t n)
{
	struct obs_log whole = {0};
	harness_run(d, f, n, SIZE_MAX, SIZE_MAX, &whole);
	for (size_t i = 0; i < n; i++) {
		for (size_t at = 1; at < f[i].len; at++) {
			struct obs_log part = {0};
			harness_run(d, f, n, i, at, &part);
			if (part.n != whole.n)
				fail_msg("%s: feed %zu split at %zu: %zu observations, want %zu", d->name, i, at,
					 part.n, whole.n);
			for (size_t k = 0; k < whole.n; k++)
				if (memcmp(&part.v[k], &whole.v[k], sizeof whole.v[k]) != 0)
					fail_msg("%s: feed %zu split at %zu: observation %zu differs", d->name, i,
						 at, k);
			obs_log_free(&part);
		}
	}
	return whole;
}

/* ---- probes ---- */

/* A probe's input and the answer it must give (the direction defaults to
 * client to server). */
struct probe_row {
	const struct dissector *d;
	unsigned transport; /* enum dissect_transport */
	uint16_t cport, sport;
	const uint8_t *p;
	size_t n;
	bool want;
	enum dissect_dir dir;
};

/* A row of a probe from client to server. */
#define PROBE(d, transport, cport, sport, p, n, want) {d, transport, cport, sport, p, n, want, DIR_TO_SERVER}

static inline void test_probe_row(void **state)
{
	const struct probe_row *r = *state;
	struct dissect_probe p = {.transport = r->transport,
				  .dir = r->dir,
				  .client_port = r->cport,
				  .server_port = r->sport,
				  .data = r->p,
				  .len = r->n};
	assert_int_equal(r->d->probe(&p), r->want);
}

#define PROBE_ROWS_MAX 64

/* One case per row. The rows are copied; the bytes they point to must
 * outlive the run (static). */
static inline void probe_rows_add(struct cases *c, const struct probe_row *t, size_t n)
{
	static struct probe_row kept[PROBE_ROWS_MAX];
	static size_t n_kept;
	if (n_kept + n > PROBE_ROWS_MAX)
		abort();
	for (size_t i = 0; i < n; i++) {
		const struct probe_row *r = &kept[n_kept];
		kept[n_kept++] = t[i];
		CASE_ROW(c, test_probe_row, r, "%02zu %s %s %s %u>%u %zu bytes %s", i, r->d->name,
			 r->transport == TRANSPORT_TCP ? "tcp" : "udp",
			 r->dir == DIR_TO_SERVER ? "to-server" : "to-client", r->cport, r->sport, r->n,
			 r->want ? "claimed" : "refused");
	}
}

#endif
