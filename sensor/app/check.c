/* check.c — `aisensor check -c FILE`: validates the configuration and the
 * signatures it names without starting a run. */
#include "check.h"

#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "config.h"
#include "sig.h"

int cmd_check(int argc, char **argv)
{
	const char *cfg_path = NULL;
	int opt;
	optind = 1;
	while ((opt = getopt(argc, argv, "c:")) != -1) {
		if (opt != 'c') {
			cli_usage(stderr);
			return 2;
		}
		cfg_path = optarg;
	}
	struct sensor_config c;
	char err[1024];
	if (config_open(cfg_path, &c, err, sizeof err) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	struct sig_db *db = NULL;
	int rc = 0;
	if (sig_load_dir(config_signature_dir(&c), &db, err, sizeof err) < 0) {
		fprintf(stderr, "aisensor: signatures: %s\n", err);
		rc = 1;
	} else {
		printf("%s: ok; signatures %s: %zu services, %zu client rules, %zu endpoint shapes\n",
		       cfg_path ? cfg_path : "(defaults)", config_signature_dir(&c), sig_service_count(db),
		       sig_client_count(db), sig_endpoint_count(db));
		if (!c.salt)
			printf("warning: privacy.salt is not set: credential fingerprints use the built-in "
			       "salt\n");
	}
	sig_free(db);
	config_free(&c);
	return rc;
}
