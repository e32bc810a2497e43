/* flow.c — per-worker flow table, TCP reassembly and dissector dispatch.
 *
 * Flows live in a chained hash table and on one of three LRU lists (one per
 * idle-timeout class), so an idle sweep only walks flows that are due.
 * Expiry runs on packet time, never wall time: a replay expires flows the
 * same way on every run. */
#include "flow.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "dissector.h"
#include "layers.h"
#include "limits.h"

enum lru_class { LRU_TCP, LRU_TCP_CLOSED, LRU_UDP, LRU_N };

struct seg {
	struct seg *next;
	uint32_t seq;
	uint32_t len;
	uint8_t data[];
};

struct half {
	uint32_t next_seq;
	bool seq_init;
	bool ended;  /* end-of-direction given to the dissector */
	bool probed; /* probes tried and failed on this direction */
	struct seg *ooo;
	size_t ooo_bytes;
	unsigned ooo_n;
};

enum flow_flags {
	F_CLOSED = 1 << 0,	/* FIN or RST seen */
	F_DISSECT_OFF = 1 << 1, /* no dissector (any more) for this flow */
	F_CLASSIFIED = 1 << 2,	/* nDPI gave its answer (or was given up on) */
};

struct flow {
	struct flow *hnext;
	struct flow *lprev, *lnext;
	uint64_t hash;
	struct flow_ref ref;
	uint64_t last_us; /* packet time of the last packet (reported) */
	uint64_t clock;	  /* network time of the last packet: orders the LRU, drives expiry */
	uint64_t pkts[2], bytes[2];
	uint64_t next_update; /* packet time of its next update window (no division per packet) */
	uint64_t reported;    /* bytes as last reported */
	struct half h[2];
	uint8_t lru;
	uint8_t flags;
	uint8_t udp_probes;
	uint8_t cls_packets;
	const struct dissector *dis; /* the one a probe chose (reported with the flow) */
	struct layer_stack *stack;   /* its layers; NULL before a probe claims the flow and once done */
	struct classify_flow *cls;
	char app[32];
};

struct lru {
	struct flow *head, *tail; /* head: most recent */
};

struct flow_table {
	struct flow_config cfg;
	struct worker_stats *st;
	struct flow **buckets;
	size_t mask;
	size_t count;
	struct lru lru[LRU_N];
	/* Ended flows kept for the next ones (through hnext): flows come and go
	 * at every packet of a busy link, malloc need not. */
	struct flow *spare;
	size_t n_spare;
	struct classifier *cls;
	/* Context of the packet being processed, for emitted messages. */
	uint64_t cur_pkt_no;
	uint64_t cur_ts;
	uint64_t cur_order_clock, cur_order_hash; /* msg_hdr order of what is emitted now */
	struct flow *cur_flow;
	struct dissect_env env;
	struct layer_host host; /* what every flow's layer stack shares */
	struct msg_obs scratch;
};

/* ---- hashing and keys ---- */

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static uint64_t endpoint_hash(const uint8_t ip[16], uint16_t port)
{
	uint64_t a, b;
	memcpy(&a, ip, 8);
	memcpy(&b, ip + 8, 8);
	return mix64(a ^ mix64(b ^ port));
}

uint64_t flow_hash(const struct decoded *d)
{
	/* Sum of per-endpoint hashes: symmetric by construction. */
	uint64_t h = endpoint_hash(d->src_ip, d->src_port) + endpoint_hash(d->dst_ip, d->dst_port);
	return mix64(h ^ ((uint64_t)d->l4proto << 8) ^ d->family);
}

static bool same_endpoint(const uint8_t *ip, uint16_t port, const uint8_t *ip2, uint16_t port2)
{
	return port == port2 && memcmp(ip, ip2, 16) == 0;
}

/* Returns 0 when d goes client->server, 1 for server->client, -1 if not this flow. */
static int flow_dir(const struct flow *f, const struct decoded *d)
{
	if (f->ref.family != d->family || f->ref.l4proto != d->l4proto)
		return -1;
	if (same_endpoint(f->ref.cli_ip, f->ref.cli_port, d->src_ip, d->src_port) &&
	    same_endpoint(f->ref.srv_ip, f->ref.srv_port, d->dst_ip, d->dst_port))
		return 0;
	if (same_endpoint(f->ref.srv_ip, f->ref.srv_port, d->src_ip, d->src_port) &&
	    same_endpoint(f->ref.cli_ip, f->ref.cli_port, d->dst_ip, d->dst_port))
		return 1;
	return -1;
}

/* ---- LRU lists ---- */

static void lru_unlink(struct flow_table *ft, struct flow *f)
{
	struct lru *l = &ft->lru[f->lru];
	if (f->lprev)
		f->lprev->lnext = f->lnext;
	else
		l->head = f->lnext;
	if (f->lnext)
		f->lnext->lprev = f->lprev;
	else
		l->tail = f->lprev;
	f->lprev = f->lnext = NULL;
}

static void lru_push(struct flow_table *ft, struct flow *f, uint8_t cls)
{
	struct lru *l = &ft->lru[cls];
	f->lru = cls;
	f->lprev = NULL;
	f->lnext = l->head;
	if (l->head)
		l->head->lprev = f;
	l->head = f;
	if (!l->tail)
		l->tail = f;
}

static uint8_t lru_class_of(const struct flow *f)
{
	if (f->ref.l4proto != 6)
		return LRU_UDP;
	return (f->flags & F_CLOSED) ? LRU_TCP_CLOSED : LRU_TCP;
}

/* The least recently active flow over all LRU lists, or NULL. */
static struct flow *lru_oldest(const struct flow_table *ft)
{
	struct flow *oldest = NULL;
	for (int c = 0; c < LRU_N; c++) {
		struct flow *t = ft->lru[c].tail;
		if (t && (!oldest || t->clock < oldest->clock))
			oldest = t;
	}
	return oldest;
}

static uint64_t timeout_us(const struct flow_table *ft, uint8_t cls)
{
	uint32_t s = cls == LRU_TCP	     ? ft->cfg.idle_tcp_s
		     : cls == LRU_TCP_CLOSED ? ft->cfg.idle_tcp_closed_s
					     : ft->cfg.idle_udp_s;
	return (uint64_t)s * 1000000;
}

/* ---- messages ---- */

static void emit_hdr(struct flow_table *ft, struct msg_hdr *h, uint32_t type)
{
	h->type = type;
	h->worker = ft->cfg.worker_id;
	h->pkt_no = ft->cur_pkt_no;
	h->ts_us = ft->cur_ts;
	h->order_clock = ft->cur_order_clock;
	h->order_hash = ft->cur_order_hash;
}

static void classify_identified(struct flow_table *ft, struct flow *f, const struct observation *obs);

static void obs_emit(void *user, const struct observation *obs)
{
	struct flow_table *ft = user;
	struct flow *f = ft->cur_flow;
	if (!(f->flags & F_CLASSIFIED) && !ft->cfg.ndpi_all_packets)
		classify_identified(ft, f, obs);
	struct msg_obs *m = &ft->scratch;
	emit_hdr(ft, &m->h, MSG_OBSERVATION);
	m->flow = f->ref;
	memset(m->dissector, 0, sizeof m->dissector);
	if (f->dis)
		strncpy(m->dissector, f->dis->name, sizeof m->dissector - 1);
	/* Only the observation's own union member crosses the ring. */
	size_t n = observation_size(obs->type);
	memcpy(&m->obs, obs, n);
	ft->cfg.emit(ft->cfg.emit_user, &m->h, offsetof(struct msg_obs, obs) + n);
}

/* ---- dissectors ---- */

static void dissect_stop(struct flow *f)
{
	layers_free(f->stack);
	f->stack = NULL;
	f->flags |= F_DISSECT_OFF;
}

static void dissect_probe(struct flow_table *ft, struct flow *f, int dir, const uint8_t *data, size_t len)
{
	unsigned transport = f->ref.l4proto == 6 ? TRANSPORT_TCP : TRANSPORT_UDP;
	struct dissect_probe p = {.transport = transport,
				  .dir = (enum dissect_dir)dir,
				  .client_port = f->ref.cli_port,
				  .server_port = f->ref.srv_port,
				  .data = data,
				  .len = len};
	for (size_t i = 0; dissector_registry[i]; i++) {
		const struct dissector *d = dissector_registry[i];
		if (!(d->transports & transport) || !d->probe(&p))
			continue;
		struct layer_open o = {.transport = transport,
				       .client_port = f->ref.cli_port,
				       .server_port = f->ref.srv_port,
				       .env = &ft->env};
		if ((f->stack = layers_new(&ft->host, d, &o))) {
			f->dis = d;
			ft->st->dissected_flows++;
		}
		return;
	}
	if (transport == TRANSPORT_UDP) {
		if (++f->udp_probes >= 4)
			f->flags |= F_DISSECT_OFF;
		return;
	}
	f->h[dir].probed = true;
	if (f->h[0].probed && f->h[1].probed)
		f->flags |= F_DISSECT_OFF;
}

static void deliver(struct flow_table *ft, struct flow *f, int dir, const uint8_t *data, size_t len)
{
	if (f->flags & F_DISSECT_OFF)
		return;
	if (!f->stack) {
		if (f->h[dir].probed)
			return;
		dissect_probe(ft, f, dir, data, len);
		if (!f->stack)
			return;
	}
	ft->cur_flow = f;
	if (!layers_feed(f->stack, dir, data, len))
		dissect_stop(f);
}

/* Tells the layers a direction ended (len 0 = end-of-direction). */
static void deliver_end(struct flow_table *ft, struct flow *f, int dir)
{
	if (f->h[dir].ended || (f->ref.l4proto != 6 && !layers_datagram_end(f->stack)))
		return; /* datagram dissectors have no end of stream, unless they ask for it */
	f->h[dir].ended = true;
	if (f->stack && !(f->flags & F_DISSECT_OFF)) {
		ft->cur_flow = f;
		if (!layers_feed(f->stack, dir, NULL, 0))
			dissect_stop(f);
	}
}

static void deliver_gap(struct flow_table *ft, struct flow *f, int dir, size_t len)
{
	ft->st->reasm_gaps++;
	if (!f->stack || (f->flags & F_DISSECT_OFF))
		return;
	ft->cur_flow = f;
	if (!layers_gap(f->stack, dir, len))
		dissect_stop(f);
}

/* ---- TCP reassembly ---- */

static void seg_free_all(struct half *h)
{
	while (h->ooo) {
		struct seg *n = h->ooo->next;
		free(h->ooo);
		h->ooo = n;
	}
	h->ooo_bytes = 0;
	h->ooo_n = 0;
}

/* Delivers queued segments that have become in order. */
static void drain(struct flow_table *ft, struct flow *f, int dir)
{
	struct half *h = &f->h[dir];
	while (h->ooo && (int32_t)(h->ooo->seq - h->next_seq) <= 0) {
		struct seg *s = h->ooo;
		h->ooo = s->next;
		h->ooo_bytes -= s->len;
		h->ooo_n--;
		uint32_t skip = h->next_seq - s->seq;
		if (skip < s->len) {
			deliver(ft, f, dir, s->data + skip, s->len - skip);
			h->next_seq += s->len - skip;
		}
		free(s);
	}
}

/* Gives up waiting for missing bytes: skip to the first queued segment. */
static void skip_gap(struct flow_table *ft, struct flow *f, int dir)
{
	struct half *h = &f->h[dir];
	if (!h->ooo)
		return;
	deliver_gap(ft, f, dir, h->ooo->seq - h->next_seq);
	h->next_seq = h->ooo->seq;
	drain(ft, f, dir);
}

static void ooo_insert(struct flow_table *ft, struct flow *f, int dir, uint32_t seq, const uint8_t *data,
		       size_t len)
{
	struct half *h = &f->h[dir];
	if (h->ooo_n >= AS_REASM_MAX_SEGS || h->ooo_bytes + len > AS_REASM_MAX_BYTES) {
		ft->st->reasm_ooo_dropped++;
		skip_gap(ft, f, dir);
		if ((int32_t)(seq - h->next_seq) > 0) {
			deliver_gap(ft, f, dir, seq - h->next_seq);
			h->next_seq = seq;
		}
		if ((int32_t)(seq - h->next_seq) == 0) {
			deliver(ft, f, dir, data, len);
			h->next_seq += (uint32_t)len;
			drain(ft, f, dir);
		}
		return;
	}
	struct seg *s = malloc(sizeof *s + len);
	if (!s)
		return;
	s->seq = seq;
	s->len = (uint32_t)len;
	memcpy(s->data, data, len);
	struct seg **pp = &h->ooo;
	while (*pp && (int32_t)((*pp)->seq - seq) <= 0)
		pp = &(*pp)->next;
	s->next = *pp;
	*pp = s;
	h->ooo_bytes += len;
	h->ooo_n++;
}

static void tcp_data(struct flow_table *ft, struct flow *f, int dir, uint32_t seq, const uint8_t *data,
		     size_t len)
{
	struct half *h = &f->h[dir];
	if (!h->seq_init) {
		h->next_seq = seq;
		h->seq_init = true;
	}
	int32_t rel = (int32_t)(seq - h->next_seq);
	if (rel < 0) {
		/* Bytes already delivered, in unsigned arithmetic: a segment
		 * exactly 2^31 away has rel == INT32_MIN, which -rel overflows. */
		uint32_t dup = h->next_seq - seq;
		if (dup >= len)
			return; /* retransmission */
		data += dup;
		len -= dup;
		seq += dup;
		rel = 0;
	}
	if (rel > 0) {
		ooo_insert(ft, f, dir, seq, data, len);
		return;
	}
	deliver(ft, f, dir, data, len);
	h->next_seq += (uint32_t)len;
	drain(ft, f, dir);
}

/* ---- classification ---- */

/* Records nDPI's answer (giving up unless it finished) and frees its state.
 * A flow that never carried a byte was never given to nDPI: its answer is
 * the guess by ports and addresses a give-up would make. */
static void classify_done(struct flow_table *ft, struct flow *f, bool done)
{
	if (f->cls)
		classify_result(ft->cls, f->cls, !done, f->app, sizeof f->app);
	else
		classify_guess(ft->cls, &f->ref, f->app, sizeof f->app);
	if (done)
		ft->st->ndpi_classified++;
	else
		ft->st->ndpi_giveup++;
	classify_flow_free(f->cls);
	f->cls = NULL;
	f->flags |= F_CLASSIFIED;
}

/* A ClientHello or a DNS query our dissectors parsed: nDPI would name the
 * flow from it at once (TLS by its SNI, DNS by its query name), so it is
 * named from what was parsed and nDPI is not fed that packet nor any later
 * one. HTTP and QUIC stay with nDPI: it names HTTP by server address and
 * content rules as well, and QUIC Initials are decrypted only by it. */
static void classify_identified(struct flow_table *ft, struct flow *f, const struct observation *obs)
{
	enum classify_ident id;
	const char *host;
	if (obs->type == OBS_TLS_CLIENT_HELLO && !obs->u.tls_ch.quic && f->ref.l4proto == 6) {
		id = CLASSIFY_TLS;
		host = obs->u.tls_ch.sni;
	} else if (obs->type == OBS_DNS && f->ref.l4proto == 17 && (f->ref.srv_port == 53 || f->ref.cli_port == 53)) {
		id = CLASSIFY_DNS;
		host = obs->u.dns.qname;
	} else {
		return;
	}
	classify_named(ft->cls, id, host, &f->ref, f->app, sizeof f->app);
	ft->st->ndpi_named++;
	classify_flow_free(f->cls);
	f->cls = NULL;
	f->flags |= F_CLASSIFIED;
}

/* nDPI sees the flow's packets until it answers (or is given up on). Its
 * state is allocated at the first packet that carries bytes: a scan's
 * SYN-only flows cost none. */
static void classify_step(struct flow_table *ft, struct flow *f, const struct decoded *d, uint64_t ts_us)
{
	if ((f->flags & F_CLASSIFIED) || !(f->cls || (d->payload_len && (f->cls = classify_flow_new()))))
		return;
	bool done = classify_packet(ft->cls, f->cls, d->l3, d->l3_len, ts_us);
	if (done || ++f->cls_packets >= AS_NDPI_MAX_PACKETS)
		classify_done(ft, f, done);
}

/* ---- flow life cycle ---- */

/* The flow's counters so far: its end, or an update while it lives. */
static void flow_report(struct flow_table *ft, struct flow *f, uint32_t type, enum flow_end_reason why)
{
	f->reported = f->bytes[0] + f->bytes[1];
	struct msg_flow m;
	memset(&m, 0, sizeof m);
	emit_hdr(ft, &m.h, type);
	m.flow = f->ref;
	m.last_us = f->last_us;
	memcpy(m.pkts, f->pkts, sizeof m.pkts);
	memcpy(m.bytes, f->bytes, sizeof m.bytes);
	memcpy(m.app, f->app, sizeof m.app);
	if (f->dis)
		strncpy(m.dissector, f->dis->name, sizeof m.dissector - 1);
	m.end_reason = (uint8_t)why;
	ft->cfg.emit(ft->cfg.emit_user, &m.h, sizeof m);
}

static void flow_end(struct flow_table *ft, struct flow *f, enum flow_end_reason why)
{
	ft->cur_flow = f;
	for (int dir = 0; dir < 2; dir++) {
		while (f->h[dir].ooo)
			skip_gap(ft, f, dir);
		deliver_end(ft, f, dir);
	}
	if (!(f->flags & F_CLASSIFIED))
		classify_done(ft, f, false);
	flow_report(ft, f, MSG_FLOW_END, why);

	dissect_stop(f);
	seg_free_all(&f->h[0]);
	seg_free_all(&f->h[1]);
	lru_unlink(ft, f);
	struct flow **pp = &ft->buckets[(f->hash >> 16) & ft->mask];
	while (*pp && *pp != f)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = f->hnext;
	ft->count--;
	if (why == FLOW_END_EVICTED)
		ft->st->flows_evicted++;
	else if (why == FLOW_END_CLOSED)
		ft->st->flows_closed++;
	else if (why == FLOW_END_IDLE)
		ft->st->flows_idle++;
	if (ft->cur_flow == f)
		ft->cur_flow = NULL;
	if (ft->n_spare < AS_FLOW_SPARE) {
		f->hnext = ft->spare;
		ft->spare = f;
		ft->n_spare++;
	} else {
		free(f);
	}
}

static struct flow *flow_create(struct flow_table *ft, uint64_t hash, const struct decoded *d, uint64_t ts_us,
				uint64_t clock)
{
	struct flow *oldest;
	if (ft->count >= ft->cfg.max_flows && (oldest = lru_oldest(ft)))
		flow_end(ft, oldest, FLOW_END_EVICTED);
	struct flow *f = ft->spare;
	if (f) {
		ft->spare = f->hnext;
		ft->n_spare--;
		memset(f, 0, sizeof *f);
	} else if (!(f = calloc(1, sizeof *f))) {
		return NULL;
	}
	/* The client opened the flow: SYN sender; else guess by ports. */
	bool swap;
	if (d->l4proto == 6 && (d->tcp_flags & TCP_SYN))
		swap = (d->tcp_flags & TCP_ACK) != 0;
	else
		swap = d->src_port < 1024 && d->dst_port >= 1024;
	f->hash = hash;
	f->ref.family = d->family;
	f->ref.l4proto = d->l4proto;
	f->ref.has_mac = d->has_mac;
	f->ref.iface = d->iface;
	memcpy(swap ? f->ref.srv_ip : f->ref.cli_ip, d->src_ip, 16);
	memcpy(swap ? f->ref.cli_ip : f->ref.srv_ip, d->dst_ip, 16);
	memcpy(swap ? f->ref.srv_mac : f->ref.cli_mac, d->src_mac, 6);
	memcpy(swap ? f->ref.cli_mac : f->ref.srv_mac, d->dst_mac, 6);
	f->ref.cli_port = swap ? d->dst_port : d->src_port;
	f->ref.srv_port = swap ? d->src_port : d->dst_port;
	f->ref.start_us = ts_us;
	f->last_us = ts_us;
	f->next_update = ft->cfg.update_us ? (ts_us / ft->cfg.update_us + 1) * ft->cfg.update_us : UINT64_MAX;
	f->clock = clock;
	size_t b = (hash >> 16) & ft->mask;
	f->hnext = ft->buckets[b];
	ft->buckets[b] = f;
	lru_push(ft, f, lru_class_of(f));
	ft->count++;
	ft->st->flows++;

	struct msg_flow m;
	memset(&m, 0, sizeof m);
	emit_hdr(ft, &m.h, MSG_FLOW_START);
	m.flow = f->ref;
	m.last_us = ts_us;
	ft->cfg.emit(ft->cfg.emit_user, &m.h, sizeof m);
	return f;
}

void flow_packet(struct flow_table *ft, uint64_t pkt_no, uint64_t ts_us, uint64_t clock,
		 const struct decoded *d)
{
	flow_packet_hashed(ft, pkt_no, ts_us, clock, d, flow_hash(d));
}

void flow_packet_hashed(struct flow_table *ft, uint64_t pkt_no, uint64_t ts_us, uint64_t clock,
			const struct decoded *d, uint64_t hash)
{
	ft->st->packets++;
	ft->st->bytes += d->ip_len;
	ft->cur_pkt_no = pkt_no;
	ft->cur_ts = ts_us;
	ft->host.ts_us = ts_us;
	struct flow *f = ft->buckets[(hash >> 16) & ft->mask];
	int dir = -1;
	for (; f; f = f->hnext)
		if (f->hash == hash && (dir = flow_dir(f, d)) >= 0)
			break;
	if (f) {
		bool idle = clock > f->clock && clock - f->clock > timeout_us(ft, f->lru);
		bool reopened = d->l4proto == 6 && (f->flags & F_CLOSED) &&
				(d->tcp_flags & (TCP_SYN | TCP_ACK)) == TCP_SYN;
		if (idle || reopened) {
			flow_end(ft, f, idle ? FLOW_END_IDLE : FLOW_END_CLOSED);
			f = NULL;
		}
	}
	if (!f) {
		f = flow_create(ft, hash, d, ts_us, clock);
		if (!f)
			return;
		dir = flow_dir(f, d);
	}
	ft->cur_flow = f;
	f->pkts[dir]++;
	f->bytes[dir] += d->ip_len;
	if (ts_us > f->last_us)
		f->last_us = ts_us;
	f->clock = clock;
	if (f->ref.has_mac && !d->has_mac)
		f->ref.has_mac = false;
	/* A long-lived flow (an event stream, a WebSocket) reports while it lives. */
	if (ts_us >= f->next_update && f->dis) {
		f->next_update = (ts_us / ft->cfg.update_us + 1) * ft->cfg.update_us;
		flow_report(ft, f, MSG_FLOW_UPDATE, 0);
	}

	if (d->l4proto == 6) {
		struct half *h = &f->h[dir];
		if (d->tcp_flags & TCP_SYN) {
			h->next_seq = d->seq + 1;
			h->seq_init = true;
		}
		if (d->payload_len && !(f->flags & F_DISSECT_OFF))
			tcp_data(ft, f, dir, d->seq + ((d->tcp_flags & TCP_SYN) ? 1u : 0u), d->payload,
				 d->payload_len);
		if (d->tcp_flags & (TCP_FIN | TCP_RST)) {
			if (d->tcp_flags & TCP_RST) {
				deliver_end(ft, f, 0);
				deliver_end(ft, f, 1);
			} else if (!h->ooo) {
				deliver_end(ft, f, dir);
			}
			if (!(f->flags & F_CLOSED)) {
				f->flags |= F_CLOSED;
				lru_unlink(ft, f);
				lru_push(ft, f, LRU_TCP_CLOSED);
				classify_step(ft, f, d, ts_us);
				return;
			}
		}
	} else if (d->payload_len) {
		deliver(ft, f, dir, d->payload, d->payload_len);
	}
	/* After our dissectors: what they identified, nDPI is not fed. */
	classify_step(ft, f, d, ts_us);
	/* Most recent at the head of its LRU list. */
	if (ft->lru[f->lru].head != f) {
		lru_unlink(ft, f);
		lru_push(ft, f, f->lru);
	}
}

static int end_order_cmp(const void *pa, const void *pb)
{
	const struct flow *x = *(struct flow *const *)pa, *y = *(struct flow *const *)pb;
	if (x->clock != y->clock)
		return x->clock < y->clock ? -1 : 1;
	return x->hash < y->hash ? -1 : x->hash > y->hash;
}

/* Ends flows that every worker may be ending at this packet number (see
 * msg_hdr): in (last activity, identity hash) order, each message saying
 * so. v holds n flows; ts_us 0: each flow's own last packet time. */
static void end_in_order(struct flow_table *ft, struct flow **v, size_t n, int why, uint64_t ts_us)
{
	if (n > 1)
		qsort(v, n, sizeof *v, end_order_cmp);
	for (size_t i = 0; i < n; i++) {
		struct flow *f = v[i];
		ft->cur_ts = ts_us ? ts_us : f->last_us;
		ft->cur_order_clock = f->clock;
		ft->cur_order_hash = f->hash;
		enum flow_end_reason r = why			 ? (enum flow_end_reason)why
					 : (f->flags & F_CLOSED) ? FLOW_END_CLOSED
								 : FLOW_END_IDLE;
		flow_end(ft, f, r);
	}
	ft->cur_order_clock = ft->cur_order_hash = MSG_ORDER_PACKET;
}

static bool expired(const struct flow_table *ft, const struct flow *f, uint8_t c, uint64_t now_us)
{
	return f && now_us > f->clock && now_us - f->clock > timeout_us(ft, c);
}

void flow_sweep(struct flow_table *ft, uint64_t pkt_no, uint64_t now_us)
{
	ft->cur_pkt_no = pkt_no;
	size_t n = 0, cap = 0;
	struct flow **v = NULL;
	for (uint8_t c = 0; c < LRU_N; c++) /* each list is in last-activity order, oldest at the tail */
		for (struct flow *f = ft->lru[c].tail; expired(ft, f, c, now_us); f = f->lprev) {
			if (n == cap) {
				size_t nc = cap ? cap * 2 : 64;
				struct flow **nv = realloc(v, nc * sizeof *nv);
				if (!nv)
					break; /* the rest expire at the next sweep */
				v = nv;
				cap = nc;
			}
			v[n++] = f;
		}
	end_in_order(ft, v, n, 0, now_us);
	free(v);
}

void flow_flush_all(struct flow_table *ft, uint64_t pkt_no)
{
	ft->cur_pkt_no = pkt_no;
	while (ft->count) {
		size_t n = 0;
		struct flow **v = malloc(ft->count * sizeof *v);
		for (int c = 0; v && c < LRU_N; c++)
			for (struct flow *f = ft->lru[c].head; f; f = f->lnext)
				v[n++] = f;
		if (!v) { /* out of memory: one at a time, oldest first */
			struct flow *f = lru_oldest(ft);
			end_in_order(ft, &f, 1, FLOW_END_EOF, 0);
			continue;
		}
		end_in_order(ft, v, n, FLOW_END_EOF, 0);
		free(v);
	}
}

void flow_report_changed(struct flow_table *ft, uint64_t pkt_no)
{
	ft->cur_pkt_no = pkt_no;
	for (int c = 0; c < LRU_N; c++)
		for (struct flow *f = ft->lru[c].head; f; f = f->lnext)
			if (f->dis && f->bytes[0] + f->bytes[1] != f->reported) {
				ft->cur_ts = f->last_us;
				flow_report(ft, f, MSG_FLOW_UPDATE, 0);
			}
}

size_t flow_count(const struct flow_table *ft)
{
	return ft->count;
}

struct flow_table *flow_table_new(const struct flow_config *cfg, struct worker_stats *stats)
{
	struct flow_table *ft = calloc(1, sizeof *ft);
	if (!ft)
		return NULL;
	ft->cfg = *cfg;
	ft->st = stats;
	size_t nb = 1024;
	while (nb < cfg->max_flows && nb < ((size_t)1 << 24))
		nb <<= 1;
	ft->buckets = calloc(nb, sizeof *ft->buckets);
	ft->mask = nb - 1;
	ft->cls = classify_new();
	if (!classify_can_name())
		ft->cfg.ndpi_all_packets = true;
	if (!ft->buckets || !ft->cls) {
		flow_table_free(ft);
		return NULL;
	}
	ft->cur_order_clock = ft->cur_order_hash = MSG_ORDER_PACKET;
	ft->env.salt = cfg->salt;
	ft->env.salt_len = cfg->salt_len;
	ft->env.keys = cfg->keys;
	ft->env.keylog_wait_ms = cfg->keylog_wait_ms;
	ft->env.keylog_wait_bytes = cfg->keylog_wait_bytes;
	ft->env.follow = cfg->follow;
	ft->env.follow_user = cfg->follow_user;
	ft->host.env = &ft->env;
	ft->host.emit = obs_emit;
	ft->host.user = ft;
	return ft;
}

void flow_table_free(struct flow_table *ft)
{
	if (!ft)
		return;
	if (ft->buckets) {
		for (int c = 0; c < LRU_N; c++) {
			struct flow *f = ft->lru[c].head;
			while (f) {
				struct flow *n = f->lnext;
				dissect_stop(f);
				seg_free_all(&f->h[0]);
				seg_free_all(&f->h[1]);
				classify_flow_free(f->cls);
				free(f);
				f = n;
			}
		}
	}
	while (ft->spare) {
		struct flow *n = ft->spare->hnext;
		free(ft->spare);
		ft->spare = n;
	}
	free(ft->buckets);
	classify_free(ft->cls);
	free(ft);
}
