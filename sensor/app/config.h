/* config.h — the YAML configuration: one file, every key documented in
 * aisensor.example.yaml, validated at start with `file:line: problem`
 * errors; unknown keys are errors. Command-line options override it. */
#ifndef AS_CONFIG_H
#define AS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "inventory.h"

struct sensor_config {
	char *name;	/* sensor.name: observer.name in events */
	char *hostname; /* observer.hostname: this machine's name when capturing live, else NULL */
	char *pid_file; /* sensor.pid_file, --pid-file */
	char *metrics;	/* sensor.metrics, --metrics: ADDR:PORT of the Prometheus endpoint */
	/* capture */
	uint64_t workers;
	char *filter; /* BPF */
	uint64_t snaplen;
	char **interfaces; /* live capture (capture.interfaces, -i) */
	size_t n_interfaces;
	char **keylog_files; /* TLS key logs (tls.keylog_files, --keylog): NSS format */
	size_t n_keylog_files;
	uint64_t keylog_wait_ms;    /* a live key log's late secrets are awaited this long */
	uint64_t keylog_wait_bytes; /* and for this many bytes of a connection's records */
	uint64_t promiscuous;	       /* 0/1 */
	uint64_t ndpi_all_packets;     /* 0/1: nDPI also sees what our TLS/DNS parse names */
	uint64_t ring_mb;	       /* kernel ring per socket */
	char *user;		       /* drop privileges to this user once capturing */
	uint64_t stats_interval_s;     /* periodic statistics line while live */
	uint64_t inventory_interval_s; /* inventory file rewritten while live */
	uint64_t flush_interval_s;     /* changes leave as contributions (packet time, pauses) */
	/* signatures */
	char *signatures_dir;
	/* privacy */
	char *salt;
	char *salt_file;
	/* limits */
	uint64_t max_flows;
	uint64_t idle_tcp_s, idle_tcp_closed_s, idle_udp_s;
	/* exporters */
	char *events_path; /* JSON lines; "-" = stdout */
	char *inventory_path;
	char *report_path; /* exporters.report, --report: the audit report (HTML) */
	/* exporters.redis */
	char *redis_url;
	char *redis_prefix;
	char *redis_spool_dir;
	uint64_t redis_spool_max_bytes;
	uint64_t redis_stream_maxlen;
	uint64_t redis_heartbeat_s;
	uint64_t redis_drain_timeout_ms;
	uint64_t redis_applied_ttl_s;
	uint64_t redis_wait_replicas;	/* WAIT for this many replicas before a write counts (0: none) */
	uint64_t redis_wait_timeout_ms; /* how long one WAIT may take */
	uint64_t redis_event_dedupe_ttl_s; /* 0: redis_applied_ttl_s */
	/* inventory: networks and hosts from the file, rows of the CSV */
	struct inventory inventory;
	char *inventory_csv;
	/* policy: what the audit report judges destinations by (lower case) */
	char **policy_providers; /* sanctioned_providers: gen_ai provider names or service ids */
	size_t n_policy_providers;
	char **policy_services; /* sanctioned_services: service ids or endpoints (host:port) */
	size_t n_policy_services;
};

void config_defaults(struct sensor_config *c);
/* Defaults, then the file (when path is not NULL), then the files it names:
 * the salt file and the inventory CSV. Errors are "file:line: problem" or
 * name the file; nothing is left to free on error. */
AS_MUST_CHECK int config_open(const char *path, struct sensor_config *c, char *err, size_t errsz);
/* The signatures directory: the config's, else the installed one, else,
 * in a developer's build (AS_SOURCE_SIGNATURES), this source tree's. */
const char *config_signature_dir(const struct sensor_config *c);
/* The key of credential fingerprints: privacy.salt, else a built-in one
 * (fingerprints then match across deployments that left it unset). */
const char *config_salt(const struct sensor_config *c);
/* Loads and validates; on error writes "file:line: problem" to err. */
AS_MUST_CHECK int config_load(const char *path, struct sensor_config *c, char *err, size_t errsz);
/* The same from memory (tests, fuzzing); `name` stands for the file in errors. */
AS_MUST_CHECK int config_load_buffer(const char *name, const uint8_t *data, size_t len,
				     struct sensor_config *c, char *err, size_t errsz);
void config_free(struct sensor_config *c);
/* Replaces a string field (command-line overrides). */
AS_MUST_CHECK int config_set_str(char **field, const char *value);
/* Appends an interface (-i), a key log file (--keylog). */
AS_MUST_CHECK int config_add_interface(struct sensor_config *c, const char *name);
AS_MUST_CHECK int config_add_keylog(struct sensor_config *c, const char *path);

#endif
