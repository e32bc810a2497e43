/* check.c — `aisensor check -c FILE`: validates the configuration and what
 * a start would need of it without starting a run, and reports every
 * problem found, not the first: the signatures, the interfaces, the user
 * the sensor becomes, the directories of its outputs and spool (writable
 * by that user), the key logs (readable), the Redis URL's form, the salt. */
#include "check.h"

#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "redis.h"
#include "sig.h"

struct checker {
	unsigned problems;
	uid_t uid; /* who the sensor runs as once capturing (capture.user) */
	gid_t gid;
	const char *who;
};

static void problem(struct checker *k, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("aisensor check: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	k->problems++;
}

/* Whether uid/gid may write into dir by its mode bits (root may). */
static bool writable_by(const struct stat *st, uid_t uid, gid_t gid)
{
	if (uid == 0)
		return true;
	if (st->st_uid == uid)
		return st->st_mode & S_IWUSR;
	if (st->st_gid == gid)
		return st->st_mode & S_IWGRP;
	return st->st_mode & S_IWOTH;
}

/* An output file: its directory must exist and be writable by the user
 * the sensor runs as (it writes after dropping privileges). */
static void check_output(struct checker *k, const char *what, const char *path)
{
	if (!path || !strcmp(path, "-"))
		return;
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	struct stat st;
	if (stat(dir, &st) != 0)
		problem(k, "%s %s: directory %s: %s", what, path, dir, strerror(errno));
	else if (!S_ISDIR(st.st_mode))
		problem(k, "%s %s: %s is not a directory", what, path, dir);
	else if (!writable_by(&st, k->uid, k->gid))
		problem(k, "%s %s: directory %s is not writable by %s", what, path, dir, k->who);
}

/* A directory the sensor makes when missing (the spool): it, or else its
 * parent, must be writable by the user. */
static void check_dir(struct checker *k, const char *what, const char *dir)
{
	struct stat st;
	if (!dir)
		return;
	if (stat(dir, &st) != 0) {
		if (errno == ENOENT)
			check_output(k, what, dir); /* made at start: its parent must take it */
		else
			problem(k, "%s %s: %s", what, dir, strerror(errno));
	} else if (!S_ISDIR(st.st_mode)) {
		problem(k, "%s %s: not a directory", what, dir);
	} else if (!writable_by(&st, k->uid, k->gid)) {
		problem(k, "%s %s: not writable by %s", what, dir, k->who);
	}
}

static void check_run(struct checker *k, const struct sensor_config *c)
{
	k->uid = getuid();
	k->gid = getgid();
	k->who = "this user";
	static char who[300];
	if (c->user) {
		struct passwd *pw = getpwnam(c->user);
		if (!pw) {
			problem(k, "capture.user %s: no such user", c->user);
		} else {
			k->uid = pw->pw_uid;
			k->gid = pw->pw_gid;
			snprintf(who, sizeof who, "user %s", c->user);
			k->who = who;
		}
	}
	for (size_t i = 0; i < c->n_interfaces; i++)
		if (!if_nametoindex(c->interfaces[i]))
			problem(k, "capture.interfaces %s: no such interface", c->interfaces[i]);
	check_output(k, "exporters.events", c->events_path);
	check_output(k, "exporters.inventory", c->inventory_path);
	check_output(k, "exporters.report", c->report_path);
	check_dir(k, "exporters.redis.spool_dir", c->redis_spool_dir);
	for (size_t i = 0; i < c->n_keylog_files; i++)
		if (access(c->keylog_files[i], R_OK) != 0)
			problem(k, "tls.keylog_files %s: %s", c->keylog_files[i], strerror(errno));
	if (c->redis_url) {
		struct redis_url u;
		char err[1024];
		if (redis_url_parse(c->redis_url, &u, err, sizeof err) < 0)
			problem(k, "exporters.redis.url: %s", err);
	}
	if (c->salt && !c->salt[0])
		problem(k, "privacy.salt is empty");
}

/* A sanctioned provider the signatures do not know is a typo the report
 * would silently count as unsanctioned traffic. */
static void check_policy(struct checker *k, const struct sensor_config *c, const struct sig_db *db)
{
	for (size_t i = 0; db && i < c->n_policy_providers; i++) {
		const char *p = c->policy_providers[i];
		if (!sig_provider_known(db, p) && !sig_service_by_id(db, p))
			problem(k, "policy.sanctioned_providers %s: no provider or service id of the signatures "
				   "(e.g. openai, anthropic, gcp.gemini, aws.bedrock)", p);
	}
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: aisensor check [-c FILE]   validate the config (without -c, the defaults) and the\n"
		"                                 signatures, and what a start needs of them: interfaces,\n"
		"                                 capture.user, output and spool directories, key logs,\n"
		"                                 the Redis URL; every problem at once, then exit 1\n"
		"  -c FILE     the config (YAML)\n"
		"  -h, --help  this help\n");
}

int cmd_check(int argc, char **argv)
{
	static const struct option longopts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	const char *cfg_path = NULL;
	int opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		if (opt == 'h') {
			usage(stdout);
			return 0;
		}
		if (opt != 'c') {
			usage(stderr);
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
	struct checker k = {0};
	struct sig_db *db = NULL;
	if (sig_load_dir(config_signature_dir(&c), &db, err, sizeof err) < 0)
		problem(&k, "signatures: %s", err);
	check_run(&k, &c);
	check_policy(&k, &c, db);
	if (!k.problems) {
		printf("%s: ok; signatures %s: %zu services, %zu client rules, %zu endpoint shapes\n",
		       cfg_path ? cfg_path : "(defaults)", config_signature_dir(&c), sig_service_count(db),
		       sig_client_count(db), sig_endpoint_count(db));
		if (!c.salt)
			printf("warning: privacy.salt is not set: credential fingerprints use the built-in "
			       "salt\n");
	} else {
		fprintf(stderr, "aisensor check: %s: %u problem%s\n", cfg_path ? cfg_path : "(defaults)", k.problems,
			k.problems == 1 ? "" : "s");
	}
	sig_free(db);
	config_free(&c);
	return k.problems ? 1 : 0;
}
