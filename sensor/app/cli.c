/* cli.c — parses the command line of a run and lays it over the
 * configuration (command-line options win). */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void cli_usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: aisensor -r CAPTURE [-r ...] [options]    replay captures\n"
	    "       aisensor -i IFACE [-i ...] [options]      capture live\n"
	    "       aisensor -c FILE [options]                run as the config says (capture.interfaces)\n"
	    "       aisensor check -c FILE                    validate the config, the signatures and what\n"
	    "                                                 a start needs of them\n"
	    "       aisensor agents --redis URL [filters]     query the agent registry (filters: --help)\n"
	    "       aisensor report --redis URL -o FILE.html  the audit report of the registry (filters: --help)\n"
	    "options:\n"
	    "  -r CAPTURE         pcap/pcapng file; a directory: every .pcap/.pcapng/.cap in it; -: stdin;\n"
	    "                     repeatable\n"
	    "  -i IFACE           capture live on IFACE (replaces capture.interfaces); repeatable;\n"
	    "                     not with -r\n"
	    "  -c FILE            config (YAML); without it, built-in defaults and installed signatures\n"
	    "  -w N               worker threads (default 1)\n"
	    "  -f 'BPF'           capture filter\n"
	    "  -s DIR             signatures directory (overrides the config)\n"
	    "  --events FILE      JSON lines events ('-' = stdout)\n"
	    "  --inventory FILE   agent inventory JSON at the end of the replay ('-' = stdout)\n"
	    "  --contributions FILE  agent contributions as JSON lines: the feed a registry merges\n"
	    "  --report FILE      the audit report, one self-contained HTML page (end of the replay; live,\n"
	    "                     every exporters.inventory_interval)\n"
	    "  --baseline FILE    with --report: what is new or gone since this earlier --inventory file\n"
	    "  --redis URL        feed the Redis agent registry and its event stream\n"
	    "  --keylog FILE      TLS key log (SSLKEYLOGFILE, NSS format) to open TLS with; repeatable\n"
	    "  --pid-file FILE    write the process id there while running (sensor.pid_file)\n"
	    "  --metrics ADDR:PORT  Prometheus metrics while capturing live (sensor.metrics)\n"
	    "  -q                 no terminal summary and no progress line\n"
	    "  -h, --help         this help\n"
	    "  -V, --version      the version\n"
	    "With no output option, a replay prints the agent table to the terminal.\n"
	    "SIGHUP reloads the inventory and signatures, reopens the line outputs; SIGTERM, SIGINT stop.\n"
	    "Exit status: 0 done, 1 error, 2 bad command line, 3 partial input or outputs, 4 records lost.\n"
	    "See aisensor(1).\n");
}

/* Appends one -r/-i/--keylog argument; false past the cap. */
static bool add_arg(const char **v, size_t *n, const char *arg, const char *opt)
{
	if (*n == AS_MAX_INPUTS) {
		fprintf(stderr, "aisensor: at most %d %s options\n", AS_MAX_INPUTS, opt);
		return false;
	}
	v[(*n)++] = arg;
	return true;
}

int cli_parse(int argc, char **argv, struct cli *o)
{
	enum {
		OPT_EVENTS = 256,
		OPT_INVENTORY,
		OPT_CONTRIB,
		OPT_REDIS,
		OPT_KEYLOG,
		OPT_PIDFILE,
		OPT_METRICS,
		OPT_REPORT,
		OPT_BASELINE
	};
	static const struct option longopts[] = {
	    {"events", required_argument, NULL, OPT_EVENTS},
	    {"inventory", required_argument, NULL, OPT_INVENTORY},
	    {"contributions", required_argument, NULL, OPT_CONTRIB},
	    {"keylog", required_argument, NULL, OPT_KEYLOG},
	    {"redis", required_argument, NULL, OPT_REDIS},
	    {"pid-file", required_argument, NULL, OPT_PIDFILE},
	    {"metrics", required_argument, NULL, OPT_METRICS},
	    {"report", required_argument, NULL, OPT_REPORT},
	    {"baseline", required_argument, NULL, OPT_BASELINE},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	memset(o, 0, sizeof *o);
	optind = 1;
	int opt;
	while ((opt = getopt_long(argc, argv, "r:c:w:f:s:qhVi:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'r':
			if (!add_arg(o->inputs, &o->n_inputs, optarg, "-r"))
				return 2;
			break;
		case 'i':
			if (!add_arg(o->ifaces, &o->n_ifaces, optarg, "-i"))
				return 2;
			break;
		case 'w': {
			char *end;
			long w = strtol(optarg, &end, 10);
			if (*end || w < 1 || w > AS_MAX_WORKERS) {
				fprintf(stderr, "aisensor: -w takes 1..%d\n", AS_MAX_WORKERS);
				return 2;
			}
			o->workers = (unsigned)w;
			break;
		}
		case 'c':
			o->cfg_path = optarg;
			break;
		case 'f':
			o->filter = optarg;
			break;
		case 's':
			o->sigdir = optarg;
			break;
		case 'q':
			o->quiet = true;
			break;
		case OPT_EVENTS:
			o->events = optarg;
			break;
		case OPT_INVENTORY:
			o->inventory = optarg;
			break;
		case OPT_CONTRIB:
			o->contributions = optarg;
			break;
		case OPT_REDIS:
			o->redis = optarg;
			break;
		case OPT_PIDFILE:
			o->pid_file = optarg;
			break;
		case OPT_METRICS:
			o->metrics = optarg;
			break;
		case OPT_REPORT:
			o->report = optarg;
			break;
		case OPT_BASELINE:
			o->baseline = optarg;
			break;
		case OPT_KEYLOG:
			if (!add_arg(o->keylogs, &o->n_keylogs, optarg, "--keylog"))
				return 2;
			break;
		case 'V':
			printf("aisensor %s\n", AS_VERSION);
			return 0;
		case 'h':
			cli_usage(stdout);
			return 0;
		default:
			cli_usage(stderr);
			return 2;
		}
	}
	bool bad = false;
	if (optind < argc) {
		fprintf(stderr, "aisensor: unexpected argument '%s'\n", argv[optind]);
		bad = true;
	}
	if (o->n_inputs && o->n_ifaces) {
		fprintf(stderr, "aisensor: -r and -i do not mix: replay or capture live\n");
		bad = true;
	}
	if (bad || (!o->n_inputs && !o->n_ifaces && !o->cfg_path)) {
		cli_usage(stderr);
		return 2;
	}
	return CLI_RUN;
}

int cli_apply(const struct cli *o, struct sensor_config *c)
{
	const struct {
		const char *opt;
		char **field;
	} str[] = {
	    {o->filter, &c->filter},	  {o->sigdir, &c->signatures_dir},
	    {o->events, &c->events_path}, {o->inventory, &c->inventory_path},
	    {o->redis, &c->redis_url},	  {o->pid_file, &c->pid_file},
	    {o->metrics, &c->metrics},	  {o->report, &c->report_path},
	};
	for (size_t i = 0; i < sizeof str / sizeof str[0]; i++)
		if (str[i].opt && config_set_str(str[i].field, str[i].opt) < 0)
			return AS_ERR_NOMEM;
	if (o->workers)
		c->workers = o->workers;
	if (o->n_ifaces) {
		for (size_t i = 0; i < c->n_interfaces; i++)
			free(c->interfaces[i]);
		c->n_interfaces = 0;
		for (size_t i = 0; i < o->n_ifaces; i++)
			if (config_add_interface(c, o->ifaces[i]) < 0)
				return AS_ERR_NOMEM;
	}
	for (size_t i = 0; i < o->n_keylogs; i++) /* added to the configuration's */
		if (config_add_keylog(c, o->keylogs[i]) < 0)
			return AS_ERR_NOMEM;
	/* Unnamed, a live sensor is its host (several sensors on one registry
	 * stay apart); a replay is "aisensor", so its output is the same on any
	 * machine. */
	char host[256] = "";
	if (c->n_interfaces && gethostname(host, sizeof host - 1) == 0 && host[0])
		host[sizeof host - 1] = '\0';
	if (host[0] && config_set_str(&c->hostname, host) < 0)
		return AS_ERR_NOMEM;
	if (!c->name && config_set_str(&c->name, host[0] ? host : "aisensor") < 0)
		return AS_ERR_NOMEM;
	return AS_OK;
}
