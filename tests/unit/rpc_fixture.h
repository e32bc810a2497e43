/* rpc_fixture.h — helpers shared by the HTTP/1, JSON-RPC and WebSocket
 * tests: HTTP conversations (with a Content-Length placeholder) run through
 * the http1 dissector at every split point, observation lookups, and the TCP
 * flows of a public capture (read by pcap_walk.h) run through a dissector. */
#ifndef AS_RPC_FIXTURE_H
#define AS_RPC_FIXTURE_H

#include "dissect_harness.h"
#include "pcap_walk.h"

extern const struct dissector dissector_http1;
#define H1D (&dissector_http1)

/* ---- conversations ----
 * Text may say "Content-Length: #" and end that body with '\x01'; the
 * runner fills in the length and drops the marker. A feed with `len` set is
 * binary and taken as is. A feed with neither text nor len ends its
 * direction (`end`). */
struct conv_feed {
	enum dissect_dir dir;
	const char *text;
	size_t len;
	bool end;
};
#define CONV_MAX_FEEDS 10

static inline uint8_t *conv_expand(const char *in, size_t *outlen)
{
	size_t n = strlen(in);
	char *out = malloc(n + 64 * 16 + 1);
	assert_non_null(out);
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		const char *ph = strstr(in + i, "Content-Length: #");
		if (!ph) {
			for (; i < n; i++)
				if (in[i] != '\x01')
					out[o++] = in[i];
			break;
		}
		size_t upto = (size_t)(ph - in) + strlen("Content-Length: ");
		for (; i < upto; i++)
			if (in[i] != '\x01') /* the end of an earlier body */
				out[o++] = in[i];
		i++; /* the '#' */
		const char *head_end = strstr(in + i, "\r\n\r\n");
		assert_non_null(head_end);
		const char *body = head_end + 4;
		const char *end = strchr(body, '\x01');
		assert_non_null(end);
		o += (size_t)sprintf(out + o, "%zu", (size_t)(end - body));
	}
	*outlen = o;
	return (uint8_t *)out;
}

static const uint8_t conv_empty[1];

/* Runs a conversation through http1, split at every offset of every feed
 * unless `no_split`; returns the observations (caller frees). */
static inline struct obs_log conv_run(const struct conv_feed *cf, bool no_split)
{
	struct feed feeds[CONV_MAX_FEEDS];
	uint8_t *bufs[CONV_MAX_FEEDS] = {0};
	size_t n = 0;
	for (; n < CONV_MAX_FEEDS && (cf[n].text || cf[n].end); n++) {
		feeds[n].dir = cf[n].dir;
		if (cf[n].text && cf[n].len) {
			feeds[n].data = (const uint8_t *)cf[n].text;
			feeds[n].len = cf[n].len;
		} else if (cf[n].text) {
			bufs[n] = conv_expand(cf[n].text, &feeds[n].len);
			feeds[n].data = bufs[n];
		} else {
			feeds[n].data = conv_empty;
			feeds[n].len = 0;
		}
	}
	struct obs_log log = {0};
	if (no_split)
		harness_run(H1D, feeds, n, SIZE_MAX, SIZE_MAX, &log);
	else
		log = harness_split_invariant(H1D, feeds, n);
	for (size_t i = 0; i < CONV_MAX_FEEDS; i++)
		free(bufs[i]);
	return log;
}

/* ---- lookups ---- */

static inline size_t count_type(const struct obs_log *log, enum obs_type t)
{
	size_t n = 0;
	for (size_t i = 0; i < log->n; i++)
		n += log->v[i].type == t;
	return n;
}

static inline const struct observation *nth(const struct obs_log *log, enum obs_type t, size_t k)
{
	for (size_t i = 0; i < log->n; i++)
		if (log->v[i].type == t && k-- == 0)
			return &log->v[i];
	fail_msg("observation %d #%zu missing", (int)t, k);
	return NULL;
}

static inline const struct obs_rpc *rpc(const struct obs_log *log, size_t k)
{
	return &nth(log, OBS_RPC, k)->u.rpc;
}

static inline bool has_anomaly(const struct obs_log *log, const char *reason)
{
	for (size_t i = 0; i < log->n; i++)
		if (log->v[i].type == OBS_ANOMALY && strcmp(log->v[i].u.anomaly.reason, reason) == 0)
			return true;
	return false;
}

static inline void print_anomalies(const struct obs_log *log)
{
	for (size_t i = 0; i < log->n; i++)
		if (log->v[i].type == OBS_ANOMALY)
			print_message("    anomaly: %s/%s\n", log->v[i].u.anomaly.dissector,
				      log->v[i].u.anomaly.reason);
}

/* No byte string of `secret` in any observation. */
static inline void assert_no_leak(const struct obs_log *log, const char *secret)
{
	for (size_t i = 0; i < log->n; i++)
		if (memmem(&log->v[i], sizeof log->v[i], secret, strlen(secret)))
			fail_msg("secret %s leaked into observation %zu", secret, i);
}

/* ---- public captures ---- */

/* Called with the in-order payload of a flow the dissector does not claim. */
typedef void (*raw_flow_fn)(void *user, enum dissect_dir dir, const uint8_t *p, size_t len,
			    const struct dissect_ctx *ctx);

/* Runs every TCP flow of pcaps-public/<rel> through dissector d: a flow whose
 * first bytes d's probe claims is parsed, the bytes the capture lost are
 * reported through d->gap (without one the flow stops), and both directions
 * are ended after the capture; other flows go to raw_fn (may be NULL). The
 * observations land in *log (caller frees). */
static inline void pcap_run_with(const struct dissector *d, const char *rel, struct obs_log *log,
				 raw_flow_fn raw_fn, void *user)
{
	struct pw_tcp t;
	pw_tcp_read(rel, NULL, &t);
	memset(log, 0, sizeof *log);
	struct dissect_ctx ctx = harness_ctx(log);
	struct layer_host host;
	struct run_flow {
		struct layer_stack *s;
		bool probed, raw, done;
	} *fs = calloc(t.n_flows + 1, sizeof *fs);
	assert_non_null(fs);
	for (size_t i = 0; i < t.n_ev; i++) {
		const struct pw_ev *e = &t.ev[i];
		struct run_flow *f = &fs[e->flow];
		enum dissect_dir dir = (enum dissect_dir)e->dir;
		if (f->done)
			continue;
		if (!e->data) { /* bytes the capture lost */
			if (f->s && !layers_gap(f->s, dir, e->len))
				f->done = true;
			continue;
		}
		if (!f->probed) {
			struct dissect_probe p = {.transport = TRANSPORT_TCP, .dir = dir, .data = e->data, .len = e->len};
			f->probed = true;
			f->raw = !d->probe(&p);
			if (!f->raw)
				f->s = harness_stack(d, &host, log);
		}
		if (f->raw) {
			if (raw_fn)
				raw_fn(user, dir, e->data, e->len, &ctx);
		} else if (!layers_feed(f->s, dir, e->data, e->len)) {
			f->done = true;
		}
	}
	for (size_t i = 0; i < t.n_flows; i++) {
		if (!fs[i].s)
			continue;
		if (!fs[i].done && layers_feed(fs[i].s, DIR_TO_SERVER, conv_empty, 0))
			(void)layers_feed(fs[i].s, DIR_TO_CLIENT, conv_empty, 0);
		layers_free(fs[i].s);
	}
	free(fs);
	pw_tcp_free(&t);
}

static inline void pcap_run(const char *rel, struct obs_log *log, raw_flow_fn raw_fn, void *user)
{
	pcap_run_with(H1D, rel, log, raw_fn, user);
}

#endif
