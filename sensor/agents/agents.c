/* agents.c — the aggregator (see agents.h): worker messages dispatched to
 * the correlators in packet order, and the contributions cut from what
 * they changed — at every window boundary of packet time (a replay gives
 * the same contributions on every run and for any number of workers), and
 * when the input pauses (live, or a capture on a pipe that waits).
 *
 * The parts (README.md): model.c holds agents, flows and conversations;
 * llm.c, mcp.c, a2a.c and oauth.c correlate, each using only the model and
 * the event writer (events.c); record.c walks an agent's record with the
 * merge operation of every field; contrib.c sends facts and counter deltas
 * from that walk. */
#include "agents.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "a2a.h"
#include "contrib.h"
#include "events.h"
#include "llm.h"
#include "mcp.h"
#include "model.h"
#include "oauth.h"
#include "record.h"

struct agents {
	struct agents_config cfg; /* cfg.sigs: the signatures in force, owned */
	struct agents_stats st;
	struct model m;
	struct events ev;
	struct contrib contrib;
	struct hmap apps; /* nDPI protocol name -> app_count */
	struct app_count **apps_sorted;
	struct agent **sorted;
	uint64_t next_cut; /* packet time of the next window boundary (0: none handled yet) */
	uint64_t first_us, last_us; /* the packet times the flows span (inventory time_range) */
	/* pauses: messages handled, and since when none came (monotonic s) */
	uint64_t handled, idle_mark;
	double idle_since;
};

/* ---- contributions: windows and pauses ---- */

static void cut(struct agents *a, bool all)
{
	contrib_deltas(&a->contrib, &a->m, all);
	contrib_facts(&a->contrib, &a->m);
}

/* Packet time moves on: at a window boundary, what changed leaves. */
static void clock_to(struct agents *a, uint64_t ts)
{
	if (ts < a->next_cut)
		return;
	if (a->next_cut) {
		cut(a, false);
		a->st.flushes++;
	}
	a->next_cut = (ts / a->m.interval_us + 1) * a->m.interval_us;
}

static double mono_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

void agents_idle(struct agents *a)
{
	double now = mono_s();
	if (a->handled != a->idle_mark) {
		a->idle_mark = a->handled;
		a->idle_since = now;
		return;
	}
	if (now - a->idle_since < (double)a->m.interval_us / 1e6 || (!a->m.dirty_head && !a->m.pending_head))
		return;
	cut(a, true);
	a->st.pauses++;
}

/* ---- dispatch ---- */

static void count_anomaly(struct agents *a, const char *dissector, const char *reason)
{
	char name[sizeof a->st.anomaly[0].name];
	snprintf(name, sizeof name, "%.*s.%.*s", AS_STR_TINY, dissector, AS_STR_SHORT, reason);
	a->st.anomalies++;
	for (size_t i = 0; i < a->st.n_anomaly_kinds; i++)
		if (!strcmp(a->st.anomaly[i].name, name)) {
			a->st.anomaly[i].count++;
			return;
		}
	if (a->st.n_anomaly_kinds < sizeof a->st.anomaly / sizeof a->st.anomaly[0]) {
		struct anomaly_count *c = &a->st.anomaly[a->st.n_anomaly_kinds++];
		text_copy(c->name, sizeof c->name, name);
		c->count = 1;
	}
}

static void count_app(struct agents *a, const char *app)
{
	bool created;
	struct app_count *c = hmap_get_or_new(&a->apps, app, strlen(app), sizeof *c, 4096, &created);
	if (!c)
		return;
	if (created)
		text_copy(c->name, sizeof c->name, app);
	c->flows++;
}

/* A flow is over (msg NULL: at the end of input without its end). */
static void flow_done(struct agents *a, struct aflow *f, const struct msg_flow *msg)
{
	if (f->mcp)
		mcp_flow_end(&a->m, &a->ev, f);
	llm_flow_end(&a->m, &a->ev, f, msg);
	contrib_flow(&a->contrib, &a->m, f);
}

static void on_flow_end(struct agents *a, const struct msg_flow *msg)
{
	count_app(a, msg->app[0] ? msg->app : "Unknown");
	struct aflow *f = model_flow_take(&a->m, &msg->flow);
	if (!f)
		return;
	flow_done(a, f, msg);
	model_flow_free(f);
}

static void on_observation(struct agents *a, const struct msg_obs *msg)
{
	struct model *m = &a->m;
	struct events *ev = &a->ev;
	a->st.observations++;
	switch (msg->obs.type) {
	case OBS_DNS:
		llm_dns(m, ev, msg);
		break;
	case OBS_TLS_CLIENT_HELLO:
		llm_tls_hello(m, ev, msg);
		break;
	case OBS_TLS_SERVER_HELLO:
		break;
	case OBS_TLS_STREAM:
		llm_tls_stream(m, ev, msg);
		break;
	case OBS_HTTP_REQUEST:
		mcp_http_request(m, msg);
		llm_http_request(m, ev, msg);
		break;
	case OBS_HTTP_EXCHANGE:
		llm_http_exchange(m, ev, msg);
		break;
	case OBS_ANOMALY:
		count_anomaly(a, msg->obs.u.anomaly.dissector, msg->obs.u.anomaly.reason);
		break;
	case OBS_RPC:
		if (msg->obs.u.rpc.protocol == RPC_PROTO_MCP)
			mcp_rpc(m, ev, msg);
		else if (msg->obs.u.rpc.protocol == RPC_PROTO_A2A)
			a2a_rpc(m, ev, msg);
		break;
	case OBS_AGENT_CARD:
		a2a_card(m, ev, msg);
		break;
	case OBS_OAUTH:
		oauth_message(m, ev, msg);
		break;
	case OBS_DHCP: {
		const struct obs_dhcp *d = &msg->obs.u.dhcp;
		hosts_dhcp(m->hosts, d, msg->h.ts_us);
		if (d->has_assigned)
			model_dirty_host(m, d->family, d->assigned);
		break;
	}
	case OBS_HOST_NAME:
		hosts_name(m->hosts, &msg->obs.u.host_name, msg->h.ts_us);
		model_dirty_host(m, msg->obs.u.host_name.family, msg->obs.u.host_name.addr);
		break;
	case OBS_KERBEROS:
		hosts_kerberos(m->hosts, msg->flow.family, msg->flow.cli_ip, &msg->obs.u.kerberos,
			       msg->h.ts_us);
		model_dirty_host(m, msg->flow.family, msg->flow.cli_ip);
		break;
	}
	if (msg->obs.protected_bytes) { /* read with the key logs */
		struct aflow *f = model_flow_get(m, &msg->flow, false);
		if (f)
			model_flow_decrypted(m, f);
	}
}

static void add_worker_stats(struct worker_stats *t, const struct worker_stats *s)
{
	t->packets += s->packets;
	t->bytes += s->bytes;
	t->flows += s->flows;
	t->flows_idle += s->flows_idle;
	t->flows_closed += s->flows_closed;
	t->flows_evicted += s->flows_evicted;
	t->reasm_gaps += s->reasm_gaps;
	t->reasm_ooo_dropped += s->reasm_ooo_dropped;
	t->dissected_flows += s->dissected_flows;
	t->ndpi_classified += s->ndpi_classified;
	t->ndpi_giveup += s->ndpi_giveup;
	t->ndpi_named += s->ndpi_named;
}

static void span(struct agents *a, uint64_t us)
{
	if (!us)
		return;
	if (!a->first_us || us < a->first_us)
		a->first_us = us;
	if (us > a->last_us)
		a->last_us = us;
}

void agents_handle(struct agents *a, const struct msg_hdr *h)
{
	a->handled++;
	if (h->type == MSG_WORKER_STATS) {
		add_worker_stats(&a->st.workers, &((const struct msg_stats *)h)->s);
		return;
	}
	clock_to(a, h->ts_us);
	if (h->type == MSG_FLOW_START || h->type == MSG_FLOW_UPDATE || h->type == MSG_FLOW_END) {
		const struct msg_flow *fl = (const struct msg_flow *)h;
		span(a, fl->flow.start_us);
		span(a, fl->last_us);
	} else if (h->type == MSG_OBSERVATION) {
		span(a, h->ts_us);
	}
	switch (h->type) {
	case MSG_FLOW_START:
		llm_flow_start(&a->m, (const struct msg_flow *)h);
		break;
	case MSG_FLOW_UPDATE: {
		const struct msg_flow *msg = (const struct msg_flow *)h;
		struct aflow *f = model_flow_get(&a->m, &msg->flow, false);
		if (f)
			llm_flow_bytes(&a->m, f, msg);
		break;
	}
	case MSG_FLOW_END:
		on_flow_end(a, (const struct msg_flow *)h);
		break;
	case MSG_OBSERVATION:
		on_observation(a, (const struct msg_obs *)h);
		break;
	default:
		break;
	}
}

void agents_finish(struct agents *a)
{
	/* Flows the workers never ended (should not happen after EOF). */
	for (size_t i = 0; a->m.flows.slots && i <= a->m.flows.mask; i++)
		if (a->m.flows.slots[i].key)
			flow_done(a, a->m.flows.slots[i].val, NULL);
	cut(a, true);
}

/* ---- signatures and inventory in force ---- */

void agents_set_signatures(struct agents *a, struct sig_db *db)
{
	struct hmap *fl = &a->m.flows;
	for (size_t i = 0; fl->slots && i <= fl->mask; i++)
		if (fl->slots[i].key) {
			struct aflow *f = fl->slots[i].val;
			if (f->svc)
				f->svc = sig_service_by_id(db, f->svc->id);
		}
	if (!a->cfg.sigs_lent)
		sig_free(a->cfg.sigs);
	a->cfg.sigs_lent = false; /* a reloaded set is the aggregator's own */
	a->cfg.sigs = a->m.sigs = db;
	a->m.sigs_gen++; /* what was read against the old set is read again */
}

void agents_set_inventory(struct agents *a, struct inventory *inv)
{
	hosts_set_inventory(a->m.hosts, inv);
	model_dirty_all(&a->m); /* owners, teams, sites as the inventory says now */
}

/* ---- life cycle ---- */

struct agents *agents_new(const struct agents_config *cfg)
{
	struct agents *a = calloc(1, sizeof *a);
	if (!a) {
		if (!cfg->sigs_lent)
			sig_free(cfg->sigs);
		return NULL;
	}
	a->cfg = *cfg;
	uint64_t interval = cfg->flush_interval_us ? cfg->flush_interval_us : 1000000;
	hmap_init(&a->apps);
	struct events_config ec = {.sensor_name = cfg->sensor_name,
				   .hostname = cfg->hostname,
				   .ifaces = cfg->ifaces,
				   .n_ifaces = cfg->n_ifaces,
				   .emit = cfg->event,
				   .user = cfg->event_user};
	events_init(&a->ev, &ec);
	contrib_init(&a->contrib, cfg->agent, cfg->agent_user, &a->st);
	if (model_init(&a->m, &a->st, interval) < 0) {
		agents_free(a);
		return NULL;
	}
	a->m.sigs = cfg->sigs;
	return a;
}

void agents_free(struct agents *a)
{
	if (!a)
		return;
	model_free(&a->m);
	for (size_t i = 0; a->apps.slots && i <= a->apps.mask; i++)
		if (a->apps.slots[i].key)
			free(a->apps.slots[i].val);
	hmap_free(&a->apps);
	free(a->sorted);
	free(a->apps_sorted);
	events_free(&a->ev);
	if (!a->cfg.sigs_lent)
		sig_free(a->cfg.sigs);
	free(a);
}

/* ---- outputs ---- */

const struct agents_stats *agents_stats(const struct agents *a)
{
	((struct agents *)a)->st.events = a->ev.count;
	((struct agents *)a)->st.events_utf8_replaced = a->ev.w.replaced;
	return &a->st;
}

void agents_alert_records_lost(struct agents *a, uint64_t ts, uint64_t total, uint64_t fresh)
{
	ev_records_lost(&a->ev, ts, total, fresh);
}

bool agents_kind_known(const char *name, char *list, size_t n)
{
	bool known = false;
	size_t at = 0;
	for (int k = 0; k < KIND_COUNT; k++) {
		known |= name && !strcmp(name, kind_name((enum agent_kind)k));
		int w = at < n ? snprintf(list + at, n - at, "%s%s", k ? ", " : "", kind_name((enum agent_kind)k)) : 0;
		at += w > 0 ? (size_t)w : 0;
	}
	return known;
}

size_t agents_count(struct agents *a)
{
	return atomic_load_explicit(&a->m.n_agents, memory_order_relaxed);
}

size_t agents_list(struct agents *a, const struct agent ***out)
{
	free(a->sorted);
	size_t n = record_sorted(&a->m, &a->sorted);
	*out = (const struct agent **)a->sorted;
	return n;
}

void agent_json(const struct agent *ag, struct jw *w)
{
	record_json(ag, w);
}

static int app_cmp(const void *pa, const void *pb)
{
	const struct app_count *x = *(struct app_count *const *)pa, *y = *(struct app_count *const *)pb;
	if (x->flows != y->flows)
		return x->flows < y->flows ? 1 : -1;
	return strcmp(x->name, y->name);
}

size_t agents_app_protocols(struct agents *a, const struct app_count ***out)
{
	free(a->apps_sorted);
	a->apps_sorted = calloc(a->apps.count + 1, sizeof *a->apps_sorted);
	size_t n = 0;
	for (size_t i = 0; a->apps_sorted && a->apps.slots && i <= a->apps.mask; i++)
		if (a->apps.slots[i].key)
			a->apps_sorted[n++] = a->apps.slots[i].val;
	if (n)
		qsort(a->apps_sorted, n, sizeof *a->apps_sorted, app_cmp);
	*out = (const struct app_count **)a->apps_sorted;
	return n;
}

/* Only packet-derived figures: the inventory must not change between
 * runs or with the number of workers. */
static void sensor_json(struct agents *a, const struct inventory_meta *meta, struct jw *w)
{
	const struct agents_stats *as = agents_stats(a);
	const struct decode_counts *pk = meta->packets;
	jw_obj_begin(w, "sensor");
	jw_str(w, "name", meta->sensor_name);
	jw_str(w, "product", "aisensor");
	jw_str(w, "version", AS_VERSION);
	jw_arr_begin(w, "inputs");
	for (size_t i = 0; i < meta->n_inputs; i++)
		jw_str(w, NULL, meta->inputs[i]);
	jw_arr_end(w);
	jw_u64(w, "signature_services", meta->n_services);
	jw_obj_begin(w, "packets");
	jw_u64(w, "read", pk->frames);
	jw_u64(w, "bytes", pk->frame_bytes);
	jw_u64(w, "decoded", pk->decoded);
	jw_u64(w, "skipped", pk->skipped);
	jw_obj_begin(w, "malformed");
	for (int r = 1; r < DEC_REASON_COUNT; r++)
		if (pk->errors[r])
			jw_u64(w, decode_reason_name((enum decode_reason)r), pk->errors[r]);
	jw_obj_end(w);
	jw_obj_end(w);
	jw_obj_begin(w, "flows");
	jw_u64(w, "total", as->workers.flows);
	jw_u64(w, "dissected", as->workers.dissected_flows);
	jw_obj_end(w);
	jw_u64(w, "events", as->events);
	jw_u64(w, "events_utf8_replaced", as->events_utf8_replaced);
	if (meta->keylog) { /* counts only: nothing of a key log is written out */
		jw_obj_begin(w, "tls_keylog");
		jw_u64(w, "secrets", meta->keylog->secrets);
		jw_u64(w, "lines", meta->keylog->lines);
		jw_u64(w, "malformed_lines", meta->keylog->malformed);
		jw_u64(w, "decryption_secrets_blocks", meta->keylog->blocks);
		jw_u64(w, "malformed_blocks", meta->keylog->blocks_malformed);
		jw_obj_end(w);
	}
	jw_obj_end(w);
}

void agents_inventory(struct agents *a, const struct inventory_meta *meta, struct jw *w)
{
	const struct agent **list;
	size_t n = agents_list(a, &list);
	jw_obj_begin(w, NULL);
	jw_str(w, "schema_version", AS_INVENTORY_SCHEMA_VERSION);
	jw_str(w, "generated", meta->generated);
	jw_obj_begin(w, "time_range");
	if (a->first_us) {
		jw_time(w, "first_packet", a->first_us);
		jw_time(w, "last_packet", a->last_us);
	} else {
		jw_null(w, "first_packet");
		jw_null(w, "last_packet");
	}
	jw_obj_end(w);
	sensor_json(a, meta, w);
	jw_arr_begin(w, "agents");
	for (size_t i = 0; i < n; i++)
		agent_json(list[i], w);
	jw_arr_end(w);
	jw_obj_end(w);
}
