/* pipeline.c — capture, worker and aggregator threads of a run.
 *
 * Determinism: the capture numbers every packet and broadcasts a tick every
 * AS_TICK_EVERY packets; a worker forwards each tick after everything before
 * it, so a tick is a promise "nothing below this packet number will follow".
 * The aggregator merges worker streams by (packet number, worker) and only
 * takes a record once no other worker can still produce an earlier one. */
#include "pipeline.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "flow.h"
#include "limits.h"
#include "msg.h"
#include "ring.h"

/* ---- capture -> worker records ---- */

enum pkt_kind {
	PKT_FRAME = 1, /* a decoded TCP/UDP packet; payload follows the record */
	PKT_TICK,      /* watermark: every packet numbered below pkt_no was dispatched */
	PKT_EOF,       /* end of input: flush every flow */
};

struct pkt_rec {
	uint32_t kind;
	uint16_t no_sweep; /* PKT_TICK: watermark only (sent while the capture waits) */
	uint16_t report;   /* PKT_TICK: flows report their counters (the input waits) */
	uint64_t pkt_no;
	uint64_t ts_us;
	uint64_t clock_us;    /* network time: the largest packet time so far (ticks: ts_us) */
	uint64_t hash;	      /* the flow's (flow_hash): computed once, by the capture */
	struct decoded d;     /* pointers rebased: l3 = bytes after this record */
	uint32_t payload_off; /* payload offset within the copied L3 bytes (d.l3_len of them) */
};

struct worker {
	unsigned id;
	pthread_t th;
	struct ring in, out;
	struct flow_table *ft;
	struct worker_stats st;
	uint64_t last_sweep_us;
	/* live capture */
	struct live_source *src[AS_MAX_INPUTS];
	size_t n_src;
	uint16_t cur_src; /* the source live_poll reads now, 1-based: its frames' interface */
	uint64_t key;		  /* last ordering key emitted (packet time, µs) */
	uint64_t clock;		  /* network time: the largest packet time seen */
	struct decode_counts dec; /* live: decode counters of this worker */
	uint64_t inputs_failed;	  /* live: socket errors */
	_Atomic uint64_t pub_packets, pub_flows_active, pub_received, pub_dropped;
	_Atomic uint64_t pub_src_received[AS_MAX_INPUTS], pub_src_dropped[AS_MAX_INPUTS]; /* by interface */
	struct run *run;
};

struct run {
	const struct pipeline_config *cfg;
	struct worker *w;
	unsigned n;
	pthread_t agg;
	/* Live workers stop on the caller's stop flag or on this one, set when
	 * the run cannot go on (a thread failed to start). */
	_Atomic int halt;
	/* A replay with one worker runs it on the capture thread: no copy of a
	 * packet into a ring, no thread hop, no third thread on two cores. */
	bool inline_worker;
	/* The capture waits for input (a quiet pipe); live input always may.
	 * On a line of its own: the aggregator reads it between messages. */
	_Alignas(64) _Atomic bool input_waiting;
	/* The aggregator waits here for a message from any worker. */
	_Alignas(64) struct waiter agg_wait;
};

/* What the replay loop and its idle hook share (the capture thread's own). */
struct replay_state {
	struct run *run;
	uint64_t pkt_no;  /* the next packet number */
	uint64_t last_ts; /* the largest packet time so far */
};

/* How long a thread waits in the kernel before it looks again by itself
 * (a safety net: the other side wakes it when there is something). */
#define WAIT_MS 10

/* ---- workers ---- */

static void worker_emit(void *user, const struct msg_hdr *m, size_t len)
{
	struct worker *w = user;
	void *slot;
	while (!(slot = ring_reserve(&w->out, len)))
		ring_wait_room(&w->out, len, WAIT_MS);
	memcpy(slot, m, len);
	ring_commit(&w->out);
}

/* A watermark: the aggregator may be waiting for it, so it is woken. */
static void worker_tick(struct worker *w, uint64_t pkt_no)
{
	struct msg_hdr t = {MSG_TICK, w->id, pkt_no, 0, MSG_ORDER_PACKET, MSG_ORDER_PACKET};
	void *slot;
	while (!(slot = ring_reserve(&w->out, sizeof t)))
		ring_wait_room(&w->out, sizeof t, WAIT_MS);
	memcpy(slot, &t, sizeof t);
	ring_commit_urgent(&w->out);
}

/* End of a worker's input: every flow ends, then its counters and the final tick. */
static void worker_finish(struct worker *w, uint64_t key)
{
	flow_flush_all(w->ft, key);
	struct msg_stats s;
	memset(&s, 0, sizeof s);
	s.h = (struct msg_hdr){MSG_WORKER_STATS, w->id, key, 0, MSG_ORDER_PACKET, MSG_ORDER_PACKET};
	s.s = w->st;
	worker_emit(w, &s.h, sizeof s);
	worker_tick(w, UINT64_MAX);
}

/* One record of the capture: a packet, a tick, the end of input (false). */
static bool worker_handle(struct worker *w, const struct pkt_rec *r, const struct decoded *d)
{
	if (r->kind == PKT_FRAME) {
		flow_packet_hashed(w->ft, r->pkt_no, r->ts_us, r->clock_us, d, r->hash);
	} else if (r->kind == PKT_TICK) {
		if (!r->no_sweep && r->ts_us >= w->last_sweep_us + (uint64_t)AS_FLOW_SWEEP_EVERY_S * 1000000) {
			flow_sweep(w->ft, r->pkt_no, r->ts_us);
			w->last_sweep_us = r->ts_us;
		}
		if (r->report)
			flow_report_changed(w->ft, r->pkt_no);
		worker_tick(w, r->pkt_no);
	} else { /* PKT_EOF */
		worker_finish(w, r->pkt_no);
		return false;
	}
	return true;
}

/* Threads carry their role in their name (top -H, perf, ps -L). */
static void name_thread(const char *role, unsigned id)
{
	char name[16];
	snprintf(name, sizeof name, "as-%s%u", role, id);
	pthread_setname_np(pthread_self(), name);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	name_thread("worker", w->id);
	for (;;) {
		size_t len;
		struct pkt_rec *r = ring_peek(&w->in, &len);
		if (!r) {
			ring_wait_data(&w->in, WAIT_MS);
			continue;
		}
		struct decoded d = r->d; /* its pointers rebased on the copied bytes */
		d.l3 = (const uint8_t *)(r + 1);
		d.payload = d.l3 + r->payload_off;
		bool more = worker_handle(w, r, &d);
		ring_release(&w->in);
		if (!more)
			return NULL;
	}
}

/* ---- live workers ----
 * Each worker reads its own sockets (one per interface, in the interface's
 * fanout group), so there is no capture thread. Messages are ordered by
 * packet time (µs) instead of packet number: a worker's key never goes
 * back, and an idle worker ticks with the wall clock so the aggregator
 * never waits on it. */

static uint64_t wall_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void live_frame(void *user, const struct frame *fr)
{
	struct worker *w = user;
	w->dec.frames++;
	w->dec.frame_bytes += fr->wirelen;
	struct decoded d;
	/* capture.snaplen: what a span port's packet is cut to (the BPF does it too). */
	uint32_t caplen = fr->caplen < w->run->cfg->live.snaplen || !w->run->cfg->live.snaplen
			      ? fr->caplen
			      : w->run->cfg->live.snaplen;
	if (!decode_count(&w->dec, decode_packet(1 /* DLT_EN10MB */, fr->data, caplen, &d)))
		return;
	d.iface = w->cur_src; /* sources are opened in the order of the interfaces */
	if (fr->ts_us > w->key)
		w->key = fr->ts_us;
	if (fr->ts_us > w->clock)
		w->clock = fr->ts_us;
	flow_packet(w->ft, w->key, fr->ts_us, w->clock, &d);
}

static void live_publish(struct worker *w)
{
	uint64_t rx = 0, drops = 0;
	for (size_t i = 0; i < w->n_src; i++) {
		uint64_t r, d;
		live_stats(w->src[i], &r, &d);
		rx += r;
		drops += d;
		atomic_store_explicit(&w->pub_src_received[i], r, memory_order_relaxed);
		atomic_store_explicit(&w->pub_src_dropped[i], d, memory_order_relaxed);
	}
	atomic_store_explicit(&w->pub_packets, w->st.packets, memory_order_relaxed);
	atomic_store_explicit(&w->pub_flows_active, flow_count(w->ft), memory_order_relaxed);
	atomic_store_explicit(&w->pub_received, rx, memory_order_relaxed);
	atomic_store_explicit(&w->pub_dropped, drops, memory_order_relaxed);
}

static void *live_worker_main(void *arg)
{
	struct worker *w = arg;
	name_thread("worker", w->id);
	const struct pipeline_config *cfg = w->run->cfg;
	int slice = w->n_src ? (int)(100 / w->n_src) + 1 : 100;
	uint64_t last_pub = 0, last_report = 0;
	while (!*cfg->stop && !atomic_load(&w->run->halt)) {
		for (size_t i = 0; i < w->n_src; i++) {
			w->cur_src = (uint16_t)(i + 1);
			if (live_poll(w->src[i], slice, live_frame, w) < 0)
				w->inputs_failed++;
		}
		uint64_t now = wall_us();
		/* Idle or not, nothing earlier than a moment ago will follow. */
		uint64_t tick = now > 200000 ? now - 200000 : 0;
		if (tick > w->key)
			w->key = tick;
		if (now >= w->last_sweep_us + (uint64_t)AS_FLOW_SWEEP_EVERY_S * 1000000) {
			if (w->clock < tick)
				w->clock = tick; /* flows expire with the wall clock when the link is quiet */
			flow_sweep(w->ft, w->key, w->clock);
			w->last_sweep_us = now;
		}
		/* A quiet flow reports what it carried since its last packet's report. */
		if (cfg->update_us && now >= last_report + cfg->update_us) {
			flow_report_changed(w->ft, w->key);
			last_report = now;
		}
		worker_tick(w, w->key);
		if (now >= last_pub + 500000) {
			live_publish(w);
			last_pub = now;
		}
	}
	live_publish(w);
	worker_finish(w, w->key);
	return NULL;
}

static int live_open_all(struct run *run, char *err, size_t errsz)
{
	const struct pipeline_config *cfg = run->cfg;
	/* One fanout group per interface, distinct from other processes' groups. */
	uint16_t base = (uint16_t)((getpid() & 0x3fff) << 2);
	for (size_t k = 0; k < cfg->n_ifaces; k++) {
		struct live_opts o = cfg->live;
		o.fanout_group = (uint16_t)(base + k);
		for (unsigned i = 0; i < run->n; i++) {
			struct worker *w = &run->w[i];
			int r = live_open(cfg->ifaces[k], &o, &w->src[w->n_src], err, errsz);
			if (r < 0)
				return r;
			w->n_src++;
		}
	}
	return AS_OK;
}

static void live_sum(struct run *run, struct pipeline_stats *st)
{
	uint64_t pk = 0, fl = 0, rx = 0, dr = 0;
	for (unsigned i = 0; i < run->n; i++) {
		pk += atomic_load_explicit(&run->w[i].pub_packets, memory_order_relaxed);
		fl += atomic_load_explicit(&run->w[i].pub_flows_active, memory_order_relaxed);
		rx += atomic_load_explicit(&run->w[i].pub_received, memory_order_relaxed);
		dr += atomic_load_explicit(&run->w[i].pub_dropped, memory_order_relaxed);
	}
	st->pk.decoded = pk;
	st->flows_active = fl;
	st->kernel_received = rx;
	st->kernel_dropped = dr;
	st->n_iface = run->cfg->n_ifaces;
	for (size_t k = 0; k < st->n_iface; k++) { /* each worker has a socket on each interface, in order */
		st->iface[k].received = st->iface[k].kernel_dropped = 0;
		for (unsigned i = 0; i < run->n; i++) {
			st->iface[k].received +=
			    atomic_load_explicit(&run->w[i].pub_src_received[k], memory_order_relaxed);
			st->iface[k].kernel_dropped +=
			    atomic_load_explicit(&run->w[i].pub_src_dropped[k], memory_order_relaxed);
		}
	}
}

/* The calling thread while live: statistics once a second until stopped. */
static void live_wait(struct run *run, struct pipeline_stats *st)
{
	const struct pipeline_config *cfg = run->cfg;
	uint64_t base_drops[AS_MAX_INPUTS] = {0};
	for (size_t k = 0; k < cfg->n_ifaces; k++)
		base_drops[k] = live_iface_drops(cfg->ifaces[k]);
	while (!*cfg->stop) {
		struct timespec ts = {0, 100 * 1000 * 1000};
		for (int i = 0; i < 10 && !*cfg->stop; i++)
			nanosleep(&ts, NULL);
		live_sum(run, st);
		st->iface_dropped = 0;
		for (size_t k = 0; k < cfg->n_ifaces; k++) {
			st->iface[k].iface_dropped = live_iface_drops(cfg->ifaces[k]) - base_drops[k];
			st->iface_dropped += st->iface[k].iface_dropped;
		}
		if (cfg->tick)
			cfg->tick(cfg->user, st);
	}
}

/* ---- aggregator ---- */

/* The merge order: packet number, then (for messages several workers emit
 * at one packet number) the flow order of msg_hdr, then the worker. */
static bool merge_before(const struct msg_hdr *a, unsigned ai, const struct msg_hdr *b, unsigned bi)
{
	if (a->pkt_no != b->pkt_no)
		return a->pkt_no < b->pkt_no;
	if (a->order_clock != b->order_clock)
		return a->order_clock < b->order_clock;
	if (a->order_hash != b->order_hash)
		return a->order_hash < b->order_hash;
	return ai < bi;
}

/* The heads of the workers' rings when the aggregator last looked. */
struct agg_seen {
	struct run *run;
	size_t head[AS_MAX_WORKERS];
};

static bool agg_news(void *arg)
{
	struct agg_seen *s = arg;
	for (unsigned i = 0; i < s->run->n; i++)
		if (atomic_load_explicit(&s->run->w[i].out.head, memory_order_acquire) != s->head[i])
			return true;
	return false;
}

static void *aggregator_main(void *arg)
{
	struct run *run = arg;
	pthread_setname_np(pthread_self(), "as-aggregator");
	const struct pipeline_consumer *con = &run->cfg->consumer;
	unsigned n = run->n;
	uint64_t wm[AS_MAX_WORKERS];
	memset(wm, 0, sizeof wm);
	unsigned finished = 0, idle = 0;
	struct agg_seen seen = {run, {0}};
	while (finished < n) {
		for (unsigned i = 0; i < n; i++)
			seen.head[i] = atomic_load_explicit(&run->w[i].out.head, memory_order_acquire);
		if (con->housekeeping)
			con->housekeeping(con->user,
					  atomic_load_explicit(&run->input_waiting, memory_order_relaxed));
		/* The smallest head in merge order; ticks are taken at once. */
		struct msg_hdr *best = NULL;
		unsigned bi = 0;
		bool progressed = false;
		for (unsigned i = 0; i < n; i++) {
			size_t len;
			struct msg_hdr *h = ring_peek(&run->w[i].out, &len);
			while (h && h->type == MSG_TICK) {
				if (wm[i] != UINT64_MAX && h->pkt_no == UINT64_MAX)
					finished++;
				wm[i] = h->pkt_no;
				ring_release(&run->w[i].out);
				progressed = true;
				h = ring_peek(&run->w[i].out, &len);
			}
			if (h && (!best || merge_before(h, i, best, bi))) {
				best = h;
				bi = i;
			}
		}
		if (best) {
			/* Safe once no other worker can still emit a message that
			 * comes first: a worker with an empty ring has announced
			 * nothing below its watermark, and it emits a sweep's
			 * messages before forwarding the sweep's tick. */
			bool safe = true;
			for (unsigned j = 0; j < n && safe; j++) {
				if (j == bi)
					continue;
				size_t len;
				const struct msg_hdr *hj = ring_peek(&run->w[j].out, &len);
				if (hj) /* it may have emitted since the heads were compared */
					safe = hj->type != MSG_TICK && !merge_before(hj, j, best, bi);
				else
					safe = best->pkt_no < wm[j];
			}
			if (safe) {
				con->handle(con->user, best);
				ring_release(&run->w[bi].out);
				progressed = true;
			}
		}
		/* Nothing to merge: a few more looks, then sleep until a worker
		 * publishes (it wakes the aggregator only when it sleeps). */
		if (progressed)
			idle = 0;
		else if (++idle > 32)
			waiter_wait(&run->agg_wait, agg_news, &seen, WAIT_MS);
	}
	/* Drain anything after the final ticks (nothing is expected). */
	for (unsigned i = 0; i < n; i++) {
		size_t len;
		struct msg_hdr *h;
		while ((h = ring_peek(&run->w[i].out, &len))) {
			if (h->type != MSG_TICK)
				con->handle(con->user, h);
			ring_release(&run->w[i].out);
		}
	}
	con->finish(con->user);
	return NULL;
}

/* ---- capture ---- */

/* While the capture waits on one full worker, the others get a tick for
 * the packet being pushed (everything below it is dispatched), so the
 * aggregator can drain the full worker's output and nothing deadlocks. */
static void tick_others(struct run *run, const struct worker *blocked, uint64_t pkt_no, uint64_t ts_us)
{
	struct pkt_rec t;
	memset(&t, 0, sizeof t);
	t.kind = PKT_TICK;
	t.no_sweep = 1; /* timing-dependent: must not change flow expiry */
	t.pkt_no = pkt_no;
	t.ts_us = ts_us;
	for (unsigned i = 0; i < run->n; i++) {
		void *slot;
		if (&run->w[i] == blocked || !(slot = ring_reserve(&run->w[i].in, sizeof t)))
			continue;
		memcpy(slot, &t, sizeof t);
		ring_commit(&run->w[i].in);
	}
}

/* A record for worker w: handled at once by an inline worker, else copied
 * into its ring (d: the decoded packet, whose bytes follow the record). */
static void push_rec(struct run *run, struct worker *w, const struct pkt_rec *hdr, const struct decoded *d)
{
	if (run->inline_worker) {
		(void)worker_handle(w, hdr, d);
		return;
	}
	size_t l3_len = hdr->kind == PKT_FRAME ? d->l3_len : 0;
	void *slot;
	bool ticked = false;
	while (!(slot = ring_reserve(&w->in, sizeof *hdr + l3_len))) {
		if (!ticked && hdr->kind == PKT_FRAME) {
			tick_others(run, w, hdr->pkt_no, hdr->ts_us);
			ticked = true;
		}
		ring_wait_room(&w->in, sizeof *hdr + l3_len, WAIT_MS);
	}
	memcpy(slot, hdr, sizeof *hdr);
	if (l3_len)
		memcpy((uint8_t *)slot + sizeof *hdr, d->l3, l3_len);
	if (hdr->kind == PKT_FRAME)
		ring_commit(&w->in);
	else
		ring_commit_urgent(&w->in); /* a tick, the end: the worker may sleep */
}

static void broadcast(struct run *run, uint32_t kind, uint64_t pkt_no, uint64_t ts_us, bool report)
{
	struct pkt_rec r;
	memset(&r, 0, sizeof r);
	r.kind = kind;
	r.pkt_no = pkt_no;
	r.ts_us = ts_us;
	r.report = report;
	for (unsigned i = 0; i < run->n; i++)
		push_rec(run, &run->w[i], &r, NULL);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void progress_line(const char *path, const struct capture *c, uint64_t frames, double t0)
{
	uint64_t done, total;
	capture_progress(c, &done, &total);
	double el = now_s() - t0;
	if (total)
		fprintf(stderr, "\r%s: %3.0f%%  %llu packets  %.0f packets/s   ", path,
			100.0 * (double)done / (double)total, (unsigned long long)frames,
			el > 0 ? (double)frames / el : 0.0);
	else
		fprintf(stderr, "\r%s: %llu packets  %.0f packets/s   ", path, (unsigned long long)frames,
			el > 0 ? (double)frames / el : 0.0);
}

/* An unreadable capture is reported and counted; the run goes on. */
static void input_failed(struct pipeline_stats *st, int r, const char *msg, int *first_err, char *err,
			 size_t errsz)
{
	fprintf(stderr, "aisensor: %s\n", msg);
	st->inputs_failed++;
	if (*first_err == AS_OK) {
		*first_err = r;
		snprintf(err, errsz, "%s", msg);
	}
}

/* The capture waits on a quiet pipe (capture.c): a watermark at once, so
 * everything read so far reaches the consumer, then time moves on as if
 * the input were live — flows expire on the wall clock, the consumer
 * reports what it holds. A file that is read through never waits, so a
 * replay stays the same on every run. */
static bool replay_idle(void *user, uint64_t waited_ms)
{
	struct replay_state *rs = user;
	struct run *run = rs->run;
	const struct pipeline_config *cfg = run->cfg;
	if (cfg->stop && *cfg->stop)
		return true;
	atomic_store_explicit(&run->input_waiting, true, memory_order_relaxed);
	if (waited_ms == AS_CAPTURE_WAIT_MS || waited_ms % 1000 == 0) {
		/* The tick takes a packet number of its own: what the workers emit
		 * at it (flow reports, ends) merges once the next tick is out. */
		broadcast(run, PKT_TICK, rs->pkt_no, rs->last_ts + waited_ms * 1000, true);
		broadcast(run, PKT_TICK, ++rs->pkt_no, rs->last_ts + waited_ms * 1000, false);
	}
	return false;
}

static int replay(struct run *run, struct pipeline_stats *st, char *err, size_t errsz)
{
	const struct pipeline_config *cfg = run->cfg;
	uint64_t pkt_no = 0, last_ts = 0;
	double t0 = now_s(), next_progress = t0 + 0.5;
	int first_err = AS_OK;
	struct replay_state rs = {run, 0, 0};
	const struct capture_wait wait = {replay_idle, &rs};
	for (size_t i = 0; i < cfg->n_inputs; i++) {
		struct capture *c;
		char e[512];
		int r = capture_open_file(cfg->inputs[i], cfg->bpf, &wait, cfg->secrets, &c, e, sizeof e);
		if (r < 0) {
			input_failed(st, r, e, &first_err, err, errsz);
			continue;
		}
		int dlt = capture_dlt(c);
		struct frame fr;
		while ((!cfg->stop || !*cfg->stop) && (r = capture_next(c, &fr, e, sizeof e)) == 1) {
			if (atomic_load_explicit(&run->input_waiting, memory_order_relaxed)) {
				atomic_store_explicit(&run->input_waiting, false, memory_order_relaxed);
				pkt_no = rs.pkt_no; /* the wait's ticks took numbers */
			}
			st->pk.frames++;
			st->pk.frame_bytes += fr.wirelen;
			if (fr.ts_us > last_ts)
				last_ts = fr.ts_us;
			struct decoded d;
			if (decode_count(&st->pk, decode_packet(dlt, fr.data, fr.caplen, &d))) {
				struct pkt_rec rec;
				memset(&rec, 0, sizeof rec);
				rec.kind = PKT_FRAME;
				rec.pkt_no = pkt_no;
				rec.ts_us = fr.ts_us;
				rec.clock_us = last_ts;
				rec.d = d;
				rec.payload_off = (uint32_t)(d.payload - d.l3);
				rec.hash = flow_hash(&d);
				push_rec(run, &run->w[rec.hash % run->n], &rec, &d);
			}
			pkt_no++;
			rs.pkt_no = pkt_no;
			rs.last_ts = last_ts;
			if (pkt_no % AS_TICK_EVERY == 0) {
				broadcast(run, PKT_TICK, pkt_no, last_ts, false);
				if (cfg->progress && now_s() >= next_progress) {
					progress_line(cfg->inputs[i], c, st->pk.frames, t0);
					next_progress = now_s() + 0.5;
				}
			}
		}
		if (r < 0)
			input_failed(st, r, e, &first_err, err, errsz);
		capture_close(c);
	}
	if (cfg->progress)
		fprintf(stderr, "\r%*s\r", 79, "");
	/* No tick for pkt_no first: the end of input is emitted at pkt_no on
	 * every worker, and the merge takes it only once every worker is done. */
	broadcast(run, PKT_EOF, pkt_no, last_ts, false);
	return first_err;
}

/* Workers, then the aggregator. When one cannot start, those already
 * running are told to finish (replay workers get the end of input, live
 * workers the halt flag) so the caller can join them: no thread is left
 * waiting for input that will never come. */
static int start_threads(struct run *run, unsigned *started, bool *agg_started, char *err, size_t errsz)
{
	bool live = run->cfg->n_ifaces > 0;
	int e = 0;
	while (!run->inline_worker && *started < run->n &&
	       !(e = pthread_create(&run->w[*started].th, NULL, live ? live_worker_main : worker_main,
				    &run->w[*started])))
		(*started)++;
	const char *which = "worker";
	if (!e) {
		*agg_started = !(e = pthread_create(&run->agg, NULL, aggregator_main, run));
		which = "aggregator";
	}
	if (!e)
		return AS_OK;
	snprintf(err, errsz, "cannot start the %s thread: %s", which, strerror(e));
	atomic_store(&run->halt, 1);
	if (!live)
		for (unsigned i = 0; i < *started; i++) {
			struct pkt_rec eof = {.kind = PKT_EOF};
			push_rec(run, &run->w[i], &eof, NULL);
		}
	return AS_ERR_LIMIT;
}

/* CPUs this process may run on (its affinity mask, e.g. taskset). */
static int usable_cpus(void)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof set, &set) != 0)
		return 2;
	return CPU_COUNT(&set);
}

int pipeline_run(const struct pipeline_config *cfg, struct pipeline_stats *st, char *err, size_t errsz)
{
	memset(st, 0, sizeof *st);
	struct run run = {.cfg = cfg, .n = cfg->workers ? cfg->workers : 1};
	if (run.n > AS_MAX_WORKERS)
		run.n = AS_MAX_WORKERS;
	run.w = calloc(run.n, sizeof *run.w);
	if (!run.w)
		return AS_ERR_NOMEM;
	int r = AS_OK;
	/* With two CPUs the hand-off pays: reading and decoding run beside the
	 * worker. With one, it is only a thread hop per packet. */
	run.inline_worker = !cfg->n_ifaces && run.n == 1 && usable_cpus() < 2;
	st->workers = run.n;
	st->worker_inline = run.inline_worker;
	for (unsigned i = 0; i < run.n && r == AS_OK; i++) {
		struct worker *w = &run.w[i];
		w->id = i;
		w->run = &run;
		struct flow_config fc = {.max_flows = cfg->max_flows / run.n ? cfg->max_flows / run.n : 1,
					 .idle_tcp_s = cfg->idle_tcp_s,
					 .idle_tcp_closed_s = cfg->idle_tcp_closed_s,
					 .idle_udp_s = cfg->idle_udp_s,
					 .update_us = cfg->update_us,
					 .ndpi_all_packets = cfg->ndpi_all_packets,
					 .salt = cfg->salt,
					 .salt_len = cfg->salt_len,
					 .keys = cfg->keys,
					 .keylog_wait_ms = cfg->keylog_wait_ms,
					 .keylog_wait_bytes = cfg->keylog_wait_bytes,
					 .follow = cfg->follow,
					 .follow_user = cfg->follow_user,
					 .emit = worker_emit,
					 .emit_user = w,
					 .worker_id = i};
		if ((r = ring_init(&w->in, run.inline_worker ? 4096 : AS_PKT_RING_BYTES)) < 0 ||
		    (r = ring_init(&w->out, AS_MSG_RING_BYTES)) < 0)
			break;
		w->out.also = &run.agg_wait;
		if (!(w->ft = flow_table_new(&fc, &w->st))) {
			r = AS_ERR_NOMEM;
			break;
		}
	}
	if (r == AS_OK && cfg->n_ifaces) {
		r = live_open_all(&run, err, errsz);
		if (r == AS_OK && cfg->after_open && cfg->after_open(cfg->user) != 0) {
			snprintf(err, errsz, "could not drop privileges");
			r = AS_ERR_CONFIG;
		}
	}
	atomic_store(&run.input_waiting, cfg->n_ifaces > 0);
	unsigned started = 0;
	bool agg_started = false;
	if (r == AS_OK)
		r = start_threads(&run, &started, &agg_started, err, errsz);
	double t0 = now_s();
	if (r == AS_OK) {
		if (cfg->n_ifaces)
			live_wait(&run, st);
		else
			r = replay(&run, st, err, errsz);
	}
	for (unsigned i = 0; i < started; i++)
		pthread_join(run.w[i].th, NULL);
	if (agg_started)
		pthread_join(run.agg, NULL);
	st->wall_s = now_s() - t0; /* until the aggregator has taken the last message */
	if (cfg->n_ifaces) {
		live_sum(&run, st);
		memset(&st->pk, 0, sizeof st->pk);
		for (unsigned i = 0; i < run.n; i++) {
			decode_counts_add(&st->pk, &run.w[i].dec);
			st->inputs_failed += run.w[i].inputs_failed;
		}
	}
	for (unsigned i = 0; i < run.n; i++) {
		for (size_t k = 0; k < run.w[i].n_src; k++)
			live_close(run.w[i].src[k]);
		flow_table_free(run.w[i].ft);
		ring_free(&run.w[i].in);
		ring_free(&run.w[i].out);
	}
	free(run.w);
	return r;
}
