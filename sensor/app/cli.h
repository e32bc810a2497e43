/* cli.h — the command line of a run (the contract in DESIGN.md): parsed
 * into a struct, then laid over the configuration. */
#ifndef AS_CLI_H
#define AS_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "config.h"
#include "error.h"
#include "limits.h"

struct cli {
	const char *cfg_path;
	const char *inputs[AS_MAX_INPUTS]; /* -r, before directories are expanded */
	size_t n_inputs;
	const char *ifaces[AS_MAX_INPUTS]; /* -i: replace capture.interfaces */
	size_t n_ifaces;
	const char *keylogs[AS_MAX_INPUTS]; /* --keylog: added to tls.keylog_files */
	size_t n_keylogs;
	const char *filter, *sigdir, *events, *inventory, *contributions, *redis, *pid_file, *metrics;
	const char *report, *baseline; /* the audit report, and the inventory it compares with */
	unsigned workers; /* 0: the configuration's */
	bool quiet;
};

/* CLI_RUN: go on with the run; otherwise the exit status (0 after --help
 * or --version, 2 for a bad command line, the reason on stderr). */
#define CLI_RUN (-1)
int cli_parse(int argc, char **argv, struct cli *out);
void cli_usage(FILE *out);
/* Lays the options over a loaded configuration. */
AS_MUST_CHECK int cli_apply(const struct cli *o, struct sensor_config *c);

#endif
