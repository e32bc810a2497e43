/* service.c — one run of the sensor: the configuration and the command
 * line, the outputs, the pipeline, and what a service needs around it
 * (signals, SIGHUP reload, privilege drop, periodic statistics and
 * inventory); then the end-of-run outputs and the exit status. */
#include "service.h"

#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agents.h"
#include "audit_out.h"
#include "capture.h"
#include "config.h"
#include "keylogs.h"
#include "metrics.h"
#include "pipeline.h"
#include "redis.h"
#include "report.h"
#include "sig.h"
#include "sink.h"

#define MAX_SINKS 4

struct service {
	const struct cli *o;
	struct sensor_config c;
	char **inputs; /* -r expanded */
	size_t n_inputs;
	struct sink sinks[MAX_SINKS];
	size_t n_sinks;
	struct sink *redis;
	struct filew *live_inventory; /* the inventory rewritten while live */
	struct filew *live_report;    /* the audit report rewritten while live (rendered by its thread) */
	struct audit_out *audit;      /* the audit report's policy, baseline and provenance, or NULL */
	struct agents *agents;
	/* The signatures as loaded at start: the aggregator's first set, and
	 * for the workers which TLS names they follow past the hellos. A
	 * reload changes the aggregator's set only (the workers read this one
	 * without a lock), so this one lives until the end of the run. */
	struct sig_db *follow_sigs;
	struct keylogs *keylogs; /* the TLS secrets of key logs and capture files */
	bool pid_written;
	struct metrics *metrics; /* the Prometheus endpoint, or NULL */
	uint64_t lost_said;	 /* records lost, as the last records-lost event said */
	double next_loss_check;
	size_t n_services; /* of the signatures loaded at start, for the inventory */
	_Atomic uint64_t reloads, reloads_refused;
	pthread_mutex_t lock;	    /* guards last (the aggregator and the metrics endpoint read it) */
	struct pipeline_stats last; /* the latest live figures */
	size_t last_agents;
	double next_stats, next_inventory;
};

static uint64_t records_lost(struct service *svc);

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- signals ---- */

static volatile sig_atomic_t reload_requested, stop_requested;

static void on_sighup(int sig)
{
	(void)sig;
	reload_requested = 1;
}

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void install_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sa.sa_handler = on_sighup;
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* ---- SIGHUP: the inventory and the signatures again; flows and agents stay ---- */

static void reload_refused(struct service *svc, const char *why)
{
	fprintf(stderr, "aisensor: reload refused, keeping the running configuration: %s\n", why);
	atomic_fetch_add(&svc->reloads_refused, 1);
}

/* On the aggregator thread (pipeline housekeeping). A broken file is
 * refused with its file:line: problem and the running set stays. */
static void maybe_reload(struct service *svc)
{
	if (!reload_requested)
		return;
	reload_requested = 0;
	/* Line outputs open their files again by name: logrotate renamed them. */
	sink_reopen_all(svc->sinks, svc->n_sinks);
	struct sensor_config c;
	char err[1024];
	struct sig_db *db = NULL;
	int r = config_open(svc->o->cfg_path, &c, err, sizeof err);
	if (r < 0) {
		reload_refused(svc, err);
		return;
	}
	if (svc->o->sigdir && config_set_str(&c.signatures_dir, svc->o->sigdir) < 0)
		r = AS_ERR_NOMEM;
	if (r == AS_OK)
		r = sig_load_dir(config_signature_dir(&c), &db, err, sizeof err);
	if (r < 0) {
		reload_refused(svc, r == AS_ERR_NOMEM ? "out of memory" : err);
		config_free(&c);
		return;
	}
	size_t hosts = c.inventory.n_hosts, nets = c.inventory.n_networks, services = sig_service_count(db);
	agents_set_signatures(svc->agents, db);		 /* takes it */
	agents_set_inventory(svc->agents, &c.inventory); /* takes it */
	config_free(&c);
	uint64_t n = atomic_fetch_add(&svc->reloads, 1) + 1;
	fprintf(stderr, "aisensor: reloaded (%llu): %zu services, %zu inventory hosts, %zu networks\n",
		(unsigned long long)n, services, hosts, nets);
}

/* ---- live: privileges, periodic statistics and inventory ---- */

/* Drops root once the sockets are open: they stay usable, nothing else is kept. */
static int drop_privileges(void *user)
{
	struct service *svc = user;
	const char *name = svc->c.user;
	if (!name || !*name)
		return 0;
	struct passwd *pw = getpwnam(name);
	if (!pw) {
		fprintf(stderr, "aisensor: capture.user %s: no such user\n", name);
		return -1;
	}
	if (setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
		fprintf(stderr, "aisensor: cannot become %s: %s\n", name, strerror(errno));
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || setuid(0) == 0) {
		fprintf(stderr, "aisensor: privileges not dropped\n");
		return -1;
	}
	return 0;
}

/* Live, on the main thread, about once a second. */
static void live_tick(void *user, const struct pipeline_stats *st)
{
	struct service *svc = user;
	size_t agents = agents_count(svc->agents);
	pthread_mutex_lock(&svc->lock);
	svc->last = *st;
	svc->last_agents = agents;
	pthread_mutex_unlock(&svc->lock);
	if (svc->redis) {
		struct redis_heartbeat hb = {.packets = st->kernel_received,
					     .kernel_dropped = st->kernel_dropped,
					     .iface_dropped = st->iface_dropped,
					     .flows = st->flows_active,
					     .agents = agents,
					     .reloads = atomic_load(&svc->reloads),
					     .records_lost = records_lost(svc)};
		redis_heartbeat(svc->redis, &hb);
	}
	double now = mono_s();
	if (now < svc->next_stats)
		return;
	svc->next_stats = now + (double)svc->c.stats_interval_s;
	/* The periodic line is the service's log: -q quiets the terminal's
	 * table and progress only. */
	char backlog[256] = "";
	if (svc->redis) {
		struct redis_stats rs;
		if (redis_get_stats(svc->redis, &rs) == AS_OK)
			snprintf(backlog, sizeof backlog, ", export backlog %llu queued %llu spooled",
				 (unsigned long long)rs.queued, (unsigned long long)rs.spool_pending);
	}
	fprintf(stderr,
		"aisensor: %llu packets, %llu dropped by the kernel, %llu by the interface, %llu flows open, "
		"%zu agents%s\n",
		(unsigned long long)st->kernel_received, (unsigned long long)st->kernel_dropped,
		(unsigned long long)st->iface_dropped, (unsigned long long)st->flows_active,
		agents_count(svc->agents), backlog);
	for (size_t k = 0; st->n_iface > 1 && k < st->n_iface; k++)
		fprintf(stderr, "aisensor:   %s: %llu packets, %llu dropped by the kernel, %llu by the interface\n",
			svc->c.interfaces[k], (unsigned long long)st->iface[k].received,
			(unsigned long long)st->iface[k].kernel_dropped, (unsigned long long)st->iface[k].iface_dropped);
}

/* The inventory document of the run so far; the one writer of it. On the
 * aggregator thread while the run goes on. */
static bool inventory_doc(struct service *svc, const struct decode_counts *pk, struct jw *w)
{
	struct inventory_keylog kc;
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	char generated[32];
	as_format_time((uint64_t)now.tv_sec * 1000000 + (uint64_t)now.tv_nsec / 1000, generated);
	struct inventory_meta meta = {.sensor_name = svc->c.name,
				      .generated = generated,
				      .inputs = svc->inputs,
				      .n_inputs = svc->n_inputs,
				      .n_services = svc->n_services,
				      .packets = pk,
				      .keylog = keylogs_counts(svc->keylogs, &kc) && (kc.lines || kc.blocks) ? &kc : NULL};
	jw_init(w, true);
	agents_inventory(svc->agents, &meta, w);
	jw_newline(w);
	return !w->oom;
}

static uint64_t redis_lost(const struct redis_stats *rs, bool at_exit)
{
	uint64_t n = rs->spool_corrupt + rs->spool_truncated;
	for (int t = 1; t < REDIS_REC_TYPES; t++)
		n += rs->dropped_queue[t] + rs->dropped_spool[t] + rs->rejected[t] + rs->lost_failover[t] +
		     (at_exit ? rs->undelivered[t] : 0);
	return n;
}

/* Records every output together dropped (full queues, a full spool),
 * lost (write errors), refused by Redis or found corrupt in the spool, so
 * far. */
static uint64_t records_lost(struct service *svc)
{
	uint64_t n = 0;
	for (size_t i = 0; i < svc->n_sinks; i++) {
		struct sink *s = &svc->sinks[i];
		struct sink_status st = {0};
		if (s == svc->redis || !s->ops->status)
			continue;
		s->ops->status(s->self, &st);
		n += st.dropped + st.lost;
	}
	struct redis_stats rs;
	if (svc->redis && redis_get_stats(svc->redis, &rs) == AS_OK)
		n += redis_lost(&rs, false);
	return n;
}

/* An event the SOC sees whenever records were lost since the last one
 * (on the aggregator thread, the events' own): looked at once a second,
 * and at the end of the run (`last`). */
static void say_loss(struct service *svc, bool last)
{
	double now = mono_s();
	if (now < svc->next_loss_check && !last)
		return;
	svc->next_loss_check = now + 1.0;
	uint64_t lost = records_lost(svc);
	if (lost <= svc->lost_said)
		return;
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	agents_alert_records_lost(svc->agents, (uint64_t)t.tv_sec * 1000000 + (uint64_t)t.tv_nsec / 1000, lost,
				  lost - svc->lost_said);
	svc->lost_said = lost;
}

/* The aggregator thread between messages: reloads, what the agents hold
 * when the input pauses, and the inventory file while live (built here,
 * written by its own thread). */
static void housekeeping(void *user, bool input_waiting)
{
	struct service *svc = user;
	maybe_reload(svc);
	say_loss(svc, false);
	if (input_waiting)
		agents_idle(svc->agents);
	if (!svc->live_inventory && !svc->live_report)
		return;
	double now = mono_s();
	if (now < svc->next_inventory)
		return;
	svc->next_inventory = now + (double)svc->c.inventory_interval_s;
	pthread_mutex_lock(&svc->lock);
	struct decode_counts pk = svc->last.pk;
	pthread_mutex_unlock(&svc->lock);
	/* One document for both: the report is rendered from it on its own thread. */
	struct jw w;
	if (!inventory_doc(svc, &pk, &w)) {
		jw_free(&w);
		return;
	}
	if (svc->live_report) { /* filew_post takes the buffer: the report gets a copy when both are written */
		char *doc = svc->live_inventory ? malloc(w.len + 1) : w.buf;
		if (doc && doc != w.buf)
			memcpy(doc, w.buf, w.len + 1);
		if (doc)
			filew_post(svc->live_report, doc, w.len);
	}
	if (svc->live_inventory)
		filew_post(svc->live_inventory, w.buf, w.len);
}

static void consume(void *user, const struct msg_hdr *m)
{
	agents_handle(((struct service *)user)->agents, m);
}

static void consumed_all(void *user)
{
	struct service *svc = user;
	agents_finish(svc->agents);
	say_loss(svc, true);
}

/* ---- outputs ---- */

static void on_event(void *user, const char *json, size_t len)
{
	struct service *svc = user;
	sink_event(svc->sinks, svc->n_sinks, json, len);
}

static void on_contribution(void *user, const char *json, size_t len)
{
	struct service *svc = user;
	sink_agent(svc->sinks, svc->n_sinks, json, len);
}

/* Two outputs on one file would overwrite each other: refused. stdout
 * ("-") and what is no regular file (/dev/null, a FIFO) may take several. */
static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	if (!a || !b || !strcmp(a, "-") || !strcmp(b, "-"))
		return false;
	bool ea = stat(a, &sa) == 0, eb = stat(b, &sb) == 0;
	if ((ea && !S_ISREG(sa.st_mode)) || (eb && !S_ISREG(sb.st_mode)))
		return false;
	return !strcmp(a, b) || (ea && eb && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino);
}

static int open_outputs(struct service *svc, char *err, size_t errsz)
{
	const struct sensor_config *c = &svc->c;
	bool live = c->n_interfaces > 0;
	const struct {
		const char *what, *path;
	} files[] = {{"events", c->events_path},
		     {"inventory", c->inventory_path},
		     {"contributions", svc->o->contributions},
		     {"report", c->report_path}};
	for (size_t i = 0; i < 4; i++)
		for (size_t k = i + 1; k < 4; k++)
			if (same_file(files[i].path, files[k].path)) {
				snprintf(err, errsz, "the %s and %s outputs name the same file %s",
					 files[i].what, files[k].what, files[i].path);
				return -1;
			}
	const struct {
		const char *path;
		enum jsonl_kind kind;
	} lines[] = {{c->events_path, JSONL_EVENTS}, {svc->o->contributions, JSONL_CONTRIBUTIONS}};
	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		if (!lines[i].path)
			continue;
		struct jsonl_options jo = {.kind = lines[i].kind, .lossless = !live};
		if (jsonl_open(lines[i].path, &jo, &svc->sinks[svc->n_sinks], err, errsz) < 0)
			return -1;
		svc->n_sinks++;
	}
	if (c->redis_url) {
		struct redis_config rcfg = {.url = c->redis_url,
					    .prefix = c->redis_prefix,
					    .sensor_name = c->name,
					    .spool_dir = c->redis_spool_dir,
					    .spool_max_bytes = c->redis_spool_max_bytes,
					    .spool_fsync = SPOOL_FSYNC_BATCH,
					    .stream_maxlen = c->redis_stream_maxlen,
					    .applied_ttl_s = (uint32_t)c->redis_applied_ttl_s,
					    .wait_replicas = (uint32_t)c->redis_wait_replicas,
					    .wait_timeout_ms = (uint32_t)c->redis_wait_timeout_ms,
					    .event_dedupe_ttl_s = (uint32_t)c->redis_event_dedupe_ttl_s,
					    .heartbeat_interval_s = (uint32_t)c->redis_heartbeat_s,
					    .drain_timeout_ms = (uint32_t)c->redis_drain_timeout_ms,
					    .lossless = !live};
		if (redis_open(&rcfg, &svc->sinks[svc->n_sinks], err, errsz) < 0)
			return -1;
		svc->redis = &svc->sinks[svc->n_sinks++];
		struct redis_heartbeat hb = {0};
		redis_heartbeat(svc->redis, &hb);
	}
	if (live && c->inventory_path && filew_open(c->inventory_path, &svc->live_inventory, err, errsz) < 0)
		return -1;
	if (live && c->report_path &&
	    filew_open_render(c->report_path, audit_out_render, svc->audit, &svc->live_report, err, errsz) < 0)
		return -1;
	return 0;
}

/* Flushes every output; returns the exit status with their failures added. */
static int close_outputs(struct service *svc, const struct pipeline_stats *ps, int rc)
{
	char err[1024];
	uint64_t lost = 0; /* records dropped, undelivered or corrupt, every output together */
	if (filew_close(svc->live_inventory, err, sizeof err) < 0)
		fprintf(stderr, "aisensor: inventory: %s\n", err);
	svc->live_inventory = NULL;
	if (filew_close(svc->live_report, err, sizeof err) < 0)
		fprintf(stderr, "aisensor: report: %s\n", err);
	svc->live_report = NULL;
	if (svc->redis) {
		/* Draining may find losses of its own (a failover while it
		 * drains): said in the feed too, before every output closes. */
		(void)svc->redis->ops->flush(svc->redis->self);
		say_loss(svc, true);
	}
	for (size_t i = 0; i < svc->n_sinks; i++) {
		struct sink *s = &svc->sinks[i];
		if (s == svc->redis)
			continue;
		struct sink_status st = {0};
		bool ok = s->ops->flush(s->self) == AS_OK && !s->failed;
		s->ops->status(s->self, &st);
		if (ok)
			continue;
		if (st.dropped)
			fprintf(stderr, "aisensor: %s: %llu record(s) dropped: its queue was full\n", st.name,
				(unsigned long long)st.dropped);
		if (st.lost)
			fprintf(stderr, "aisensor: %s (%llu record(s) lost)\n",
				st.error[0] ? st.error : st.name, (unsigned long long)st.lost);
		lost += st.dropped + st.lost + (s->failed > st.dropped + st.lost ? s->failed - st.dropped - st.lost : 0);
	}
	if (svc->redis) {
		/* Drain within the timeout; what is left stays in the spool for the next start. */
		struct redis_heartbeat hb = {.packets = ps->pk.frames,
					     .agents = agents_count(svc->agents),
					     .reloads = atomic_load(&svc->reloads),
					     .records_lost = records_lost(svc)};
		redis_heartbeat(svc->redis, &hb);
		struct redis_stats rs;
		bool all = redis_shutdown(svc->redis, &rs) == AS_OK;
		char line[1024];
		redis_stats_format(&rs, line, sizeof line);
		if (!svc->o->quiet || !all)
			fprintf(stderr, "aisensor: %s\n", line);
		lost += redis_lost(&rs, true);
	}
	if (lost) { /* finished, but not everything it found reached its outputs */
		fprintf(stderr, "aisensor: %llu record(s) dropped, undelivered or corrupt (exit status 4)\n",
			(unsigned long long)lost);
		rc = rc ? rc : 4;
	}
	return rc;
}

/* ---- the metrics endpoint ---- */

static size_t metric(char *buf, size_t cap, size_t at, const char *name, const char *type, const char *help)
{
	int n = at < cap ? snprintf(buf + at, cap - at, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type) : 0;
	return at + (n > 0 ? (size_t)n : 0);
}

static size_t sample(char *buf, size_t cap, size_t at, const char *name, const char *iface, uint64_t v)
{
	int n = at >= cap ? 0
	    : iface	  ? snprintf(buf + at, cap - at, "%s{interface=\"%s\"} %llu\n", name, iface, (unsigned long long)v)
			  : snprintf(buf + at, cap - at, "%s %llu\n", name, (unsigned long long)v);
	return at + (n > 0 ? (size_t)n : 0);
}

/* The figures of the latest statistics, as the periodic line prints them,
 * per interface; on the endpoint's thread. */
static size_t fill_metrics(void *user, char *buf, size_t cap)
{
	struct service *svc = user;
	pthread_mutex_lock(&svc->lock);
	struct pipeline_stats st = svc->last;
	size_t agents = svc->last_agents;
	pthread_mutex_unlock(&svc->lock);
	static const struct {
		const char *name, *help;
		size_t off;
	} per_iface[] = {
	    {"aisensor_packets_received_total", "Packets the capture sockets received.",
	     offsetof(struct pipeline_iface_stats, received)},
	    {"aisensor_packets_kernel_dropped_total", "Packets dropped because a capture ring was full.",
	     offsetof(struct pipeline_iface_stats, kernel_dropped)},
	    {"aisensor_packets_interface_dropped_total", "Packets the interface dropped, since start.",
	     offsetof(struct pipeline_iface_stats, iface_dropped)},
	};
	size_t at = 0;
	for (size_t i = 0; i < sizeof per_iface / sizeof per_iface[0]; i++) {
		at = metric(buf, cap, at, per_iface[i].name, "counter", per_iface[i].help);
		for (size_t k = 0; k < st.n_iface; k++)
			at = sample(buf, cap, at, per_iface[i].name, svc->c.interfaces[k],
				    *(const uint64_t *)((const char *)&st.iface[k] + per_iface[i].off));
	}
	at = metric(buf, cap, at, "aisensor_packets_decoded_total", "counter", "Packets decoded by the workers.");
	at = sample(buf, cap, at, "aisensor_packets_decoded_total", NULL, st.pk.decoded);
	at = metric(buf, cap, at, "aisensor_flows_active", "gauge", "Flows tracked now.");
	at = sample(buf, cap, at, "aisensor_flows_active", NULL, st.flows_active);
	at = metric(buf, cap, at, "aisensor_agents", "gauge", "AI agents known now.");
	at = sample(buf, cap, at, "aisensor_agents", NULL, agents);
	at = metric(buf, cap, at, "aisensor_reloads_total", "counter", "SIGHUP reloads applied.");
	at = sample(buf, cap, at, "aisensor_reloads_total", NULL, atomic_load(&svc->reloads));
	struct redis_stats rs;
	if (svc->redis && redis_get_stats(svc->redis, &rs) == AS_OK) {
		at = metric(buf, cap, at, "aisensor_export_queued", "gauge", "Records waiting for Redis in memory.");
		at = sample(buf, cap, at, "aisensor_export_queued", NULL, rs.queued);
		at = metric(buf, cap, at, "aisensor_export_spooled", "gauge", "Records waiting for Redis in the spool.");
		at = sample(buf, cap, at, "aisensor_export_spooled", NULL, rs.spool_pending);
	}
	return at < cap ? at : cap;
}

/* ---- the pid file ---- */

/* Written before privileges are dropped (a root-owned /run); removed at
 * exit when still allowed. */
static int write_pid_file(const char *path)
{
	FILE *f = fopen(path, "w");
	bool ok = f && fprintf(f, "%ld\n", (long)getpid()) > 0;
	if (f)
		ok = fclose(f) == 0 && ok;
	if (!ok) {
		fprintf(stderr, "aisensor: pid file %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- the run ---- */

/* What the audit report says it was made from, besides the inventory's
 * own sensor section. */
static json_t *run_provenance(const struct service *svc)
{
	json_t *p = json_array(), *ifaces = json_array();
	if (svc->o->cfg_path)
		json_array_append_new(p, json_pack("[ss]", "Configuration", svc->o->cfg_path));
	for (size_t i = 0; i < svc->c.n_interfaces; i++)
		json_array_append_new(ifaces, json_string(svc->c.interfaces[i]));
	if (svc->c.n_interfaces)
		json_array_append_new(p, json_pack("[so]", "Live capture on", ifaces));
	else
		json_decref(ifaces);
	return p;
}

/* Configuration, signatures, inputs, outputs and the aggregator; an error
 * is printed here. */
static int setup(struct service *svc)
{
	char err[1024];
	const struct cli *o = svc->o;
	if (config_open(o->cfg_path, &svc->c, err, sizeof err) < 0) {
		fprintf(stderr, "aisensor: %s\n", err);
		return -1;
	}
	if (cli_apply(o, &svc->c) < 0) {
		fprintf(stderr, "aisensor: out of memory\n");
		return -1;
	}
	if (!o->n_inputs && !svc->c.n_interfaces) {
		fprintf(stderr,
			"aisensor: nothing to read: give -r CAPTURE, -i IFACE or capture.interfaces\n");
		return -2;
	}
	for (size_t i = 0; i < o->n_inputs; i++)
		if (capture_expand_path(o->inputs[i], &svc->inputs, &svc->n_inputs, err, sizeof err) < 0) {
			fprintf(stderr, "aisensor: %s\n", err);
			return -1;
		}
	if (sig_load_dir(config_signature_dir(&svc->c), &svc->follow_sigs, err, sizeof err) < 0) {
		fprintf(stderr, "aisensor: signatures: %s\n", err);
		return -1;
	}
	svc->n_services = sig_service_count(svc->follow_sigs);
	if (o->baseline && !svc->c.report_path) {
		fprintf(stderr, "aisensor: --baseline compares the audit report with an earlier inventory: "
				"give --report FILE too\n");
		return -2;
	}
	if (svc->c.report_path && !(svc->audit = audit_out_new(&svc->c, run_provenance(svc)))) {
		fprintf(stderr, "aisensor: out of memory\n");
		return -1;
	}
	if (o->baseline && audit_out_baseline(svc->audit, o->baseline, err, sizeof err) < 0) {
		fprintf(stderr, "aisensor: --baseline %s\n", err);
		return -1;
	}
	if (keylogs_start(svc->c.keylog_files, svc->c.n_keylog_files, svc->inputs, svc->n_inputs,
			  svc->c.n_interfaces > 0, &svc->keylogs) < 0)
		return -1;
	if (open_outputs(svc, err, sizeof err) < 0) {
		fprintf(stderr, "aisensor: %s\n", err);
		return -1;
	}
	struct agents_config ac = {.sigs = svc->follow_sigs, /* lent: freed after the aggregator */
				   .sigs_lent = true,
				   .sensor_name = svc->c.name,
				   .hostname = svc->c.hostname,
				   .ifaces = svc->c.interfaces,
				   .n_ifaces = svc->c.n_interfaces,
				   .event = on_event,
				   .event_user = svc,
				   .agent = (o->contributions || svc->redis) ? on_contribution : NULL,
				   .agent_user = svc,
				   .flush_interval_us = svc->c.flush_interval_s * 1000000};
	if (!(svc->agents = agents_new(&ac))) {
		fprintf(stderr, "aisensor: out of memory\n");
		return -1;
	}
	agents_set_inventory(svc->agents, &svc->c.inventory);
	return 0;
}

/* A TLS server name the workers follow past the hellos: an AI service's
 * (identity providers are only evidence). */
static bool follow_name(const void *sigs, const char *name)
{
	const struct sig_service *s = sig_match_domain(sigs, name);
	return s && !(s->category && !strcmp(s->category, "identity"));
}

static int run_pipeline(struct service *svc, struct pipeline_stats *ps)
{
	const struct sensor_config *c = &svc->c;
	const char *salt = config_salt(c);
	struct pipeline_config pc = {.inputs = svc->inputs,
				     .n_inputs = svc->n_inputs,
				     .bpf = c->filter,
				     .workers = (unsigned)c->workers,
				     .max_flows = c->max_flows,
				     .idle_tcp_s = (uint32_t)c->idle_tcp_s,
				     .idle_tcp_closed_s = (uint32_t)c->idle_tcp_closed_s,
				     .idle_udp_s = (uint32_t)c->idle_udp_s,
				     .update_us = c->flush_interval_s * 1000000,
				     .ndpi_all_packets = c->ndpi_all_packets != 0,
				     .salt = (const uint8_t *)salt,
				     .salt_len = strlen(salt),
				     .keys = keylogs_store(svc->keylogs),
				     .secrets = keylogs_secrets(svc->keylogs),
				     .keylog_wait_ms = (uint32_t)c->keylog_wait_ms,
				     .keylog_wait_bytes = (size_t)c->keylog_wait_bytes,
				     .follow = follow_name,
				     .follow_user = svc->follow_sigs,
				     .progress = !svc->o->quiet && isatty(STDERR_FILENO),
				     .consumer = {consume, housekeeping, consumed_all, svc},
				     .ifaces = c->interfaces,
				     .n_ifaces = c->n_interfaces,
				     .live = {.bpf = c->filter,
					      .snaplen = (uint32_t)c->snaplen,
					      .ring_mb = (uint32_t)c->ring_mb,
					      .promiscuous = c->promiscuous != 0},
				     .stop = &stop_requested,
				     .after_open = drop_privileges,
				     .tick = live_tick,
				     .user = svc};
	char err[1024] = "";
	int r = pipeline_run(&pc, ps, err, sizeof err);
	if (r < 0 && !ps->inputs_failed) /* an unreadable capture was named already */
		fprintf(stderr, "aisensor: %s\n", err);
	if (r < 0 && ps->pk.frames == 0 && ps->inputs_failed == svc->n_inputs)
		return 1; /* nothing could be read at all */
	if (r < 0)
		return ps->inputs_failed ? 3 : 1; /* partial: some input unreadable */
	if (stop_requested && !c->n_interfaces) {
		/* A replay cut short: what it wrote is true, but not the whole input. */
		fprintf(stderr, "aisensor: stopped by a signal before the end of the input: the outputs are "
				"partial (%llu packets read)\n",
			(unsigned long long)ps->pk.frames);
		return 3;
	}
	return 0;
}

/* The end of a run: the inventory file and the audit report, made of one
 * document; then the table and statistics. */
static int final_reports(struct service *svc, const struct pipeline_stats *ps, int rc)
{
	const struct sensor_config *c = &svc->c;
	if ((c->inventory_path || c->report_path) && !ps->pk.frames && ps->inputs_failed) {
		/* A mistyped -r must not replace a good inventory or report with an empty one. */
		for (int i = 0; i < 2; i++)
			if (i ? c->report_path : c->inventory_path)
				fprintf(stderr, "aisensor: %s %s left as it was: no input could be read\n",
					i ? "report" : "inventory", i ? c->report_path : c->inventory_path);
	} else if (c->inventory_path || c->report_path) {
		char err[1024];
		struct jw w;
		bool ok = inventory_doc(svc, &ps->pk, &w);
		if (c->inventory_path && (!ok || export_file_atomic(c->inventory_path, w.buf, w.len, err, sizeof err) < 0)) {
			fprintf(stderr, "aisensor: inventory: %s\n", ok ? err : "out of memory");
			rc = rc ? rc : 1;
		}
		if (c->report_path &&
		    (!ok || audit_out_write(svc->audit, c->report_path, w.buf, w.len, err, sizeof err) < 0)) {
			fprintf(stderr, "aisensor: report %s: %s\n", c->report_path, ok ? err : "out of memory");
			rc = rc ? rc : 1;
		}
		jw_free(&w);
	}
	/* The table goes to stdout only when no events, inventory or report
	 * output was asked for (any may be "-"); otherwise to stderr with the statistics.
	 * A run that failed before reading a packet has said why: an empty table
	 * would only hide it. */
	if (!svc->o->quiet && !(rc && !ps->pk.frames)) {
		struct run_facts rf = {.reloads = atomic_load(&svc->reloads),
				       .reloads_refused = atomic_load(&svc->reloads_refused)};
		report_table(svc->agents,
			     !c->events_path && !c->inventory_path && !c->report_path ? stdout : stderr);
		report_stats(svc->agents, ps, &rf, stderr);
	}
	return rc;
}

int service_run(const struct cli *o)
{
	struct service svc = {.o = o};
	pthread_mutex_init(&svc.lock, NULL);
	install_signals(); /* first: a SIGHUP during setup must not end the process */
	int rc = setup(&svc);
	if (rc == 0 && svc.c.metrics) {
		char err[1024];
		if (metrics_start(svc.c.metrics, fill_metrics, &svc, &svc.metrics, err, sizeof err) < 0) {
			fprintf(stderr, "aisensor: %s\n", err);
			rc = -1;
		}
	}
	if (rc == 0 && svc.c.pid_file && write_pid_file(svc.c.pid_file) < 0)
		rc = -1;
	else if (rc == 0 && svc.c.pid_file)
		svc.pid_written = true;
	if (rc == 0) {
		struct pipeline_stats ps;
		rc = run_pipeline(&svc, &ps);
		keylogs_stop(svc.keylogs, o->quiet); /* their counts on stderr, before the statistics */
		rc = close_outputs(&svc, &ps, rc);
		rc = final_reports(&svc, &ps, rc);
	} else {
		rc = rc == -2 ? 2 : 1;
		char err[1024];
		(void)filew_close(svc.live_inventory, err, sizeof err);
		(void)filew_close(svc.live_report, err, sizeof err);
	}
	metrics_stop(svc.metrics); /* before what it reads goes */
	sink_close_all(svc.sinks, svc.n_sinks);
	agents_free(svc.agents);
	sig_free(svc.follow_sigs);
	keylogs_free(svc.keylogs);
	audit_out_free(svc.audit);
	if (svc.pid_written)
		(void)unlink(svc.c.pid_file);
	for (size_t i = 0; i < svc.n_inputs; i++)
		free(svc.inputs[i]);
	free(svc.inputs);
	config_free(&svc.c);
	pthread_mutex_destroy(&svc.lock);
	return rc;
}
