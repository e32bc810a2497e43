/* main.c — the aisensor command line (contract in DESIGN.md). */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agents.h"
#include "capture.h"
#include "cmd_agents.h"
#include "config.h"
#include "limits.h"
#include "pipeline.h"
#include "redis.h"
#include "report.h"
#include "sig.h"
#include "sink.h"

#ifndef AS_SIG_DIR_INSTALLED
#define AS_SIG_DIR_INSTALLED "/usr/local/share/aisensor/signatures"
#endif
#ifndef AS_SIG_DIR_SOURCE
#define AS_SIG_DIR_SOURCE "signatures"
#endif

/* Used only when the config sets no salt: fingerprints then match across
 * deployments that also left it unset, so `check` warns about it. */
static const char default_salt[] = "aisensor-default-salt-change-me";

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: aisensor -r CAPTURE [-r ...] [options]   replay pcap/pcapng files (a directory: "
	    "every capture in it; -: stdin)\n"
	    "       aisensor check -c FILE                   validate the config and the signatures\n"
	    "       aisensor agents --redis URL [--json] ...  query the agent registry (--help for filters)\n"
	    "options:\n"
	    "  -c FILE            config (YAML); without it, built-in defaults and installed signatures\n"
	    "  -w N               worker threads (default 1)\n"
	    "  -f 'BPF'           capture filter\n"
	    "  -s DIR             signatures directory (overrides the config)\n"
	    "  --events FILE      JSON lines events ('-' = stdout)\n"
	    "  --inventory FILE   agent inventory JSON at the end of the replay ('-' = stdout)\n"
	    "  --contributions FILE  agent contributions as JSON lines: the feed a registry merges\n"
	    "  -q                 no terminal summary and no progress line\n"
	    "  -h, --help         this help;  -V, --version  the version\n"
	    "With no output option, a replay prints the agent table to the terminal.\n");
}

static int dir_exists(const char *p)
{
	struct stat st;
	return p && stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static const char *signature_dir(const struct sensor_config *c)
{
	if (c->signatures_dir)
		return c->signatures_dir;
	if (dir_exists(AS_SIG_DIR_INSTALLED))
		return AS_SIG_DIR_INSTALLED;
	return AS_SIG_DIR_SOURCE;
}

static int load_signatures(const struct sensor_config *c, struct sig_db **db)
{
	char err[1024];
	const char *dir = signature_dir(c);
	if (sig_load_dir(dir, db, err, sizeof err) < 0) {
		fprintf(stderr, "aisensor: signatures: %s\n", err);
		return -1;
	}
	return 0;
}

static int read_salt(struct sensor_config *c)
{
	if (!c->salt_file || c->salt)
		return 0;
	FILE *f = fopen(c->salt_file, "rb");
	char buf[512];
	size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
	if (f)
		fclose(f);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	if (!f || n == 0) {
		fprintf(stderr, "aisensor: privacy.salt_file %s: missing or empty\n", c->salt_file);
		return -1;
	}
	buf[n] = '\0';
	config_set_str(&c->salt, buf);
	return 0;
}

/* Defaults, then the file when one is given; errors are file:line: problem. */
static int load_config(const char *path, struct sensor_config *c)
{
	char err[1024];
	config_defaults(c);
	if (path && config_load(path, c, err, sizeof err) < 0) {
		fprintf(stderr, "%s\n", err);
		config_free(c);
		return -1;
	}
	return 0;
}

/* The inventory of a configuration: its hosts and networks plus the CSV. */
static int inventory_of(struct sensor_config *c, char *err, size_t errsz)
{
	if (c->inventory_csv && inventory_load_csv(&c->inventory, c->inventory_csv, err, errsz) < 0)
		return -1;
	return 0;
}

static int cmd_check(int argc, char **argv)
{
	const char *cfg_path = NULL;
	int opt;
	optind = 1;
	while ((opt = getopt(argc, argv, "c:")) != -1) {
		if (opt == 'c')
			cfg_path = optarg;
		else {
			usage(stderr);
			return 2;
		}
	}
	struct sensor_config c;
	if (load_config(cfg_path, &c) < 0)
		return 1;
	struct sig_db *db = NULL;
	int rc = 0;
	char err[1024];
	if (inventory_of(&c, err, sizeof err) < 0) {
		fprintf(stderr, "%s\n", err);
		rc = 1;
	} else if (load_signatures(&c, &db) < 0 || read_salt(&c) < 0) {
		rc = 1;
	}
	if (!rc) {
		printf("%s: ok; signatures %s: %zu services, %zu client rules, %zu endpoint shapes\n",
		       cfg_path ? cfg_path : "(defaults)", signature_dir(&c), sig_service_count(db),
		       sig_client_count(db), sig_endpoint_count(db));
		if (!c.salt)
			printf("warning: privacy.salt is not set: credential fingerprints use the built-in "
			       "salt\n");
	}
	sig_free(db);
	config_free(&c);
	return rc;
}

struct event_fanout {
	struct sink sinks[4];
	size_t n;
};

static void on_event(void *user, const char *json, size_t len)
{
	struct event_fanout *fo = user;
	sink_event(fo->sinks, fo->n, json, len);
}

/* ---- SIGHUP: reload the inventory and the signatures, keep flows and agents ---- */

static volatile sig_atomic_t reload_requested;

static void on_sighup(int sig)
{
	(void)sig;
	reload_requested = 1;
}

#define MAX_SIG_SETS 64

struct reloader {
	const char *cfg_path;	/* NULL: no config file, only signatures */
	const char *sigdir_opt; /* -s, overrides the config */
	struct agents *agents;
	struct sig_db *sets[MAX_SIG_SETS]; /* every set loaded: flows may still point into old ones */
	size_t n_sets;
};

/* Runs on the aggregator thread (pipeline housekeeping). */
static void maybe_reload(void *user)
{
	struct reloader *r = user;
	if (!reload_requested)
		return;
	reload_requested = 0;
	struct sensor_config c;
	char err[1024];
	config_defaults(&c);
	if (r->cfg_path && config_load(r->cfg_path, &c, err, sizeof err) < 0) {
		fprintf(stderr, "aisensor: reload refused, keeping the running configuration: %s\n", err);
		config_free(&c);
		return;
	}
	if (r->sigdir_opt)
		config_set_str(&c.signatures_dir, r->sigdir_opt);
	struct sig_db *db = NULL;
	if (inventory_of(&c, err, sizeof err) < 0 || r->n_sets == MAX_SIG_SETS ||
	    sig_load_dir(signature_dir(&c), &db, err, sizeof err) < 0) {
		fprintf(stderr, "aisensor: reload refused, keeping the running configuration: %s\n",
			r->n_sets == MAX_SIG_SETS ? "too many reloads" : err);
		config_free(&c);
		return;
	}
	size_t hosts = c.inventory.n_hosts, nets = c.inventory.n_networks;
	agents_set_inventory(r->agents, &c.inventory);
	agents_set_signatures(r->agents, db);
	r->sets[r->n_sets++] = db;
	fprintf(stderr, "aisensor: reloaded: %zu services, %zu inventory hosts, %zu networks\n",
		sig_service_count(db), hosts, nets);
	config_free(&c);
}

/* ---- running as a service: stop, privileges, periodic statistics and inventory ---- */

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

struct service {
	struct reloader *reloader;
	const struct sensor_config *c;
	struct agents *agents;
	struct sink *redis;
	bool quiet;
	struct report_meta meta;
	pthread_mutex_t lock;	    /* guards last (the aggregator reads it) */
	struct pipeline_stats last; /* the latest live figures */
	double next_stats, next_inventory;
};

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Drops root once the sockets are open: they stay usable, nothing else is kept. */
static int after_open(void *user)
{
	struct service *svc = user;
	const char *name = svc->c->user;
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
	pthread_mutex_lock(&svc->lock);
	svc->last = *st;
	pthread_mutex_unlock(&svc->lock);
	if (svc->redis) {
		struct redis_heartbeat hb = {.packets = st->kernel_received,
					     .kernel_dropped = st->kernel_dropped,
					     .iface_dropped = st->iface_dropped,
					     .flows = st->flows_active,
					     .agents = agents_count(svc->agents)};
		(void)redis_heartbeat(svc->redis, &hb);
	}
	double now = mono_s();
	if (now < svc->next_stats)
		return;
	svc->next_stats = now + (double)svc->c->stats_interval_s;
	if (svc->quiet)
		return;
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
}

static void write_inventory(struct service *svc, const struct pipeline_stats *ps)
{
	char err[512];
	struct jw w;
	jw_init(&w, true);
	report_inventory(svc->agents, ps, &svc->meta, &w);
	jw_newline(&w);
	if (w.oom || export_file_atomic(svc->c->inventory_path, w.buf, w.len, err, sizeof err) < 0)
		fprintf(stderr, "aisensor: inventory: %s\n", w.oom ? "out of memory" : err);
	jw_free(&w);
}

/* On the aggregator thread: reloads, and the inventory file while live. */
static void housekeeping(void *user)
{
	struct service *svc = user;
	maybe_reload(svc->reloader);
	if (!svc->c->n_interfaces || !svc->c->inventory_path)
		return;
	double now = mono_s();
	if (now < svc->next_inventory)
		return;
	svc->next_inventory = now + (double)svc->c->inventory_interval_s;
	pthread_mutex_lock(&svc->lock);
	struct pipeline_stats ps = svc->last;
	pthread_mutex_unlock(&svc->lock);
	write_inventory(svc, &ps);
}

static void on_contribution(void *user, const char *json, size_t len)
{
	struct event_fanout *fo = user;
	sink_agent(fo->sinks, fo->n, json, len);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "check") == 0)
		return cmd_check(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "agents") == 0)
		return cmd_agents(argc - 1, argv + 1, stdout, stderr);

	enum { OPT_EVENTS = 256, OPT_INVENTORY, OPT_CONTRIB, OPT_REDIS };
	static const struct option longopts[] = {
	    {"events", required_argument, NULL, OPT_EVENTS},
	    {"inventory", required_argument, NULL, OPT_INVENTORY},
	    {"contributions", required_argument, NULL, OPT_CONTRIB},
	    {"redis", required_argument, NULL, OPT_REDIS},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	const char *cfg_path = NULL, *inputs_arg[AS_MAX_INPUTS];
	size_t n_inputs_arg = 0, n_ifaces_arg = 0;
	const char *ifaces_arg[AS_MAX_INPUTS];
	const char *opt_filter = NULL, *opt_events = NULL, *opt_inventory = NULL, *opt_sigdir = NULL,
		   *opt_contrib = NULL, *opt_redis = NULL;
	long opt_workers = 0;
	int quiet = 0, opt;
	while ((opt = getopt_long(argc, argv, "r:c:w:f:s:qhVi:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'r':
			if (n_inputs_arg == AS_MAX_INPUTS) {
				fprintf(stderr, "aisensor: at most %d -r options\n", AS_MAX_INPUTS);
				return 2;
			}
			inputs_arg[n_inputs_arg++] = optarg;
			break;
		case 'i':
			if (n_ifaces_arg == AS_MAX_INPUTS) {
				fprintf(stderr, "aisensor: at most %d -i options\n", AS_MAX_INPUTS);
				return 2;
			}
			ifaces_arg[n_ifaces_arg++] = optarg;
			break;
		case 'c':
			cfg_path = optarg;
			break;
		case 'w': {
			char *end;
			opt_workers = strtol(optarg, &end, 10);
			if (*end || opt_workers < 1 || opt_workers > AS_MAX_WORKERS) {
				fprintf(stderr, "aisensor: -w takes 1..%d\n", AS_MAX_WORKERS);
				return 2;
			}
			break;
		}
		case 'f':
			opt_filter = optarg;
			break;
		case 's':
			opt_sigdir = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		case OPT_EVENTS:
			opt_events = optarg;
			break;
		case OPT_CONTRIB:
			opt_contrib = optarg;
			break;
		case OPT_REDIS:
			opt_redis = optarg;
			break;
		case OPT_INVENTORY:
			opt_inventory = optarg;
			break;
		case 'V':
			printf("aisensor %s\n", AS_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc || (n_inputs_arg == 0 && n_ifaces_arg == 0 && !cfg_path) ||
	    (n_inputs_arg && n_ifaces_arg)) {
		if (optind < argc)
			fprintf(stderr, "aisensor: unexpected argument '%s'\n", argv[optind]);
		if (n_inputs_arg && n_ifaces_arg)
			fprintf(stderr, "aisensor: -r and -i do not mix: replay or capture live\n");
		usage(stderr);
		return 2;
	}

	struct sensor_config c;
	char err[1024];
	if (load_config(cfg_path, &c) < 0)
		return 1;
	/* Everything below is released at `out`, whatever path leads there. */
	int rc = 1;
	struct sig_db *db = NULL;
	char **inputs = NULL;
	size_t n_inputs = 0;
	struct event_fanout fo = {.n = 0};
	struct agents *agents = NULL;
	if (opt_workers)
		c.workers = (uint64_t)opt_workers;
	if (opt_filter)
		config_set_str(&c.filter, opt_filter);
	if (opt_sigdir)
		config_set_str(&c.signatures_dir, opt_sigdir);
	if (opt_events)
		config_set_str(&c.events_path, opt_events);
	if (opt_inventory)
		config_set_str(&c.inventory_path, opt_inventory);
	if (opt_redis)
		config_set_str(&c.redis_url, opt_redis);
	if (n_ifaces_arg) { /* -i replaces the configured interfaces */
		for (size_t i = 0; i < c.n_interfaces; i++)
			free(c.interfaces[i]);
		c.n_interfaces = 0;
		for (size_t i = 0; i < n_ifaces_arg; i++)
			if (config_add_interface(&c, ifaces_arg[i]) < 0) {
				fprintf(stderr, "aisensor: out of memory\n");
				config_free(&c);
				return 1;
			}
	}
	if (!n_inputs_arg && !c.n_interfaces) {
		fprintf(stderr,
			"aisensor: nothing to read: give -r CAPTURE, -i IFACE or capture.interfaces\n");
		config_free(&c);
		return 2;
	}
	if (!c.name)
		config_set_str(&c.name, "aisensor");
	if (read_salt(&c) < 0 || load_signatures(&c, &db) < 0)
		goto out;
	for (size_t i = 0; i < n_inputs_arg; i++)
		if (capture_expand_path(inputs_arg[i], &inputs, &n_inputs, err, sizeof err) < 0) {
			fprintf(stderr, "aisensor: %s\n", err);
			goto out;
		}
	if (c.events_path) {
		if (jsonl_open(c.events_path, JSONL_EVENTS, &fo.sinks[fo.n], err, sizeof err) < 0) {
			fprintf(stderr, "aisensor: %s\n", err);
			goto out;
		}
		fo.n++;
	}
	if (opt_contrib) {
		if (jsonl_open(opt_contrib, JSONL_CONTRIBUTIONS, &fo.sinks[fo.n], err, sizeof err) < 0) {
			fprintf(stderr, "aisensor: %s\n", err);
			goto out;
		}
		fo.n++;
	}
	if (inventory_of(&c, err, sizeof err) < 0) {
		fprintf(stderr, "aisensor: inventory: %s\n", err);
		goto out;
	}
	struct sink *redis = NULL;
	if (c.redis_url) {
		struct redis_config rcfg = {.url = c.redis_url,
					    .prefix = c.redis_prefix,
					    .sensor_name = c.name,
					    .spool_dir = c.redis_spool_dir,
					    .spool_max_bytes = c.redis_spool_max_bytes,
					    .spool_fsync = SPOOL_FSYNC_BATCH,
					    .stream_maxlen = c.redis_stream_maxlen,
					    .applied_ttl_s = (uint32_t)c.redis_applied_ttl_s,
					    .heartbeat_interval_s = (uint32_t)c.redis_heartbeat_s,
					    .drain_timeout_ms = (uint32_t)c.redis_drain_timeout_ms};
		if (redis_open(&rcfg, &fo.sinks[fo.n], err, sizeof err) < 0) {
			fprintf(stderr, "aisensor: %s\n", err);
			goto out;
		}
		redis = &fo.sinks[fo.n++];
		struct redis_heartbeat hb = {0};
		(void)redis_heartbeat(redis, &hb);
	}
	struct agents_config ac = {.sigs = db,
				   .sensor_name = c.name,
				   .event = on_event,
				   .event_user = &fo,
				   .agent = (opt_contrib || redis) ? on_contribution : NULL,
				   .agent_user = &fo};
	if (!(agents = agents_new(&ac))) {
		fprintf(stderr, "aisensor: out of memory\n");
		goto out;
	}
	agents_set_inventory(agents, &c.inventory);
	struct reloader reloader = {.cfg_path = cfg_path, .sigdir_opt = opt_sigdir, .agents = agents};
	struct service svc = {.reloader = &reloader,
			      .c = &c,
			      .agents = agents,
			      .redis = redis,
			      .quiet = quiet,
			      .meta = {c.name, inputs, n_inputs, sig_service_count(db)}};
	pthread_mutex_init(&svc.lock, NULL);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sighup;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	const char *salt = c.salt ? c.salt : default_salt;
	struct pipeline_config pc = {.inputs = inputs,
				     .n_inputs = n_inputs,
				     .bpf = c.filter,
				     .workers = (unsigned)c.workers,
				     .max_flows = c.max_flows,
				     .idle_tcp_s = (uint32_t)c.idle_tcp_s,
				     .idle_tcp_closed_s = (uint32_t)c.idle_tcp_closed_s,
				     .idle_udp_s = (uint32_t)c.idle_udp_s,
				     .salt = (const uint8_t *)salt,
				     .salt_len = strlen(salt),
				     .progress = !quiet && isatty(STDERR_FILENO),
				     .agents = agents,
				     .housekeeping = housekeeping,
				     .housekeeping_user = &svc,
				     .ifaces = c.interfaces,
				     .n_ifaces = c.n_interfaces,
				     .live = {.bpf = c.filter,
					      .snaplen = (uint32_t)c.snaplen,
					      .ring_mb = (uint32_t)c.ring_mb,
					      .promiscuous = c.promiscuous != 0},
				     .stop = &stop_requested,
				     .after_open = after_open,
				     .tick = live_tick,
				     .user = &svc};
	struct pipeline_stats ps;
	int r = pipeline_run(&pc, &ps, err, sizeof err);
	rc = 0;
	if (r < 0 && ps.frames == 0 && ps.inputs_failed == n_inputs)
		rc = 1; /* nothing could be read at all */
	else if (r < 0)
		rc = 3; /* partial: some input unreadable */

	for (size_t i = 0; i < fo.n; i++)
		if (&fo.sinks[i] != redis && fo.sinks[i].ops->flush(fo.sinks[i].self) < 0)
			fo.sinks[i].failed++;
	if (redis) {
		/* Drain within the timeout; what is left stays in the spool for the next start. */
		struct redis_heartbeat hb = {.packets = ps.frames, .agents = agents_count(agents)};
		(void)redis_heartbeat(redis, &hb);
		struct redis_stats rs;
		bool all = redis_shutdown(redis, &rs) == AS_OK;
		char line[512];
		redis_stats_format(&rs, line, sizeof line);
		if (!quiet || !all)
			fprintf(stderr, "aisensor: %s\n", line);
	}
	for (size_t i = 0; i < fo.n; i++)
		if (fo.sinks[i].failed) {
			fprintf(stderr, "aisensor: events: %llu write(s) failed\n",
				(unsigned long long)fo.sinks[i].failed);
			rc = rc ? rc : 1;
		}

	struct report_meta meta = {c.name, inputs, n_inputs, sig_service_count(db)};
	if (c.inventory_path) {
		struct jw w;
		jw_init(&w, true);
		report_inventory(agents, &ps, &meta, &w);
		jw_newline(&w);
		if (w.oom || export_file_atomic(c.inventory_path, w.buf, w.len, err, sizeof err) < 0) {
			fprintf(stderr, "aisensor: inventory: %s\n", w.oom ? "out of memory" : err);
			rc = rc ? rc : 1;
		}
		jw_free(&w);
	}
	/* The table goes to stdout only when no events or inventory output was
	 * asked for (either may be "-"); otherwise to stderr with the statistics. */
	if (!quiet) {
		report_table(agents, !c.events_path && !c.inventory_path ? stdout : stderr);
		report_stats(agents, &ps, stderr);
	}

	for (size_t i = 0; i < reloader.n_sets; i++)
		sig_free(reloader.sets[i]);
out:
	sink_close_all(fo.sinks, fo.n);
	agents_free(agents);
	sig_free(db);
	for (size_t i = 0; i < n_inputs; i++)
		free(inputs[i]);
	free(inputs);
	config_free(&c);
	return rc;
}
