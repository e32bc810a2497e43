/* config.c — YAML configuration loader driven by a key table, so every
 * accepted key is listed once, with its type and bounds. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "limits.h"
#include "ytree.h"
#include "text.h"

enum key_type { K_MAP, K_STR, K_UINT, K_SEQ };

struct loader;
struct key_spec {
	const char *name;
	enum key_type type;
	size_t off;		    /* field in struct sensor_config */
	const struct key_spec *sub; /* K_MAP */
	uint64_t min, max;	    /* K_UINT */
	/* K_SEQ: called for each element of the sequence */
	int (*item)(struct loader *l, const struct ynode *n, struct sensor_config *c);
};

/* clang-format off */
#define STR(n, f) {n, K_STR, offsetof(struct sensor_config, f), NULL, 0, 0, NULL}
#define UINT(n, f, lo, hi) {n, K_UINT, offsetof(struct sensor_config, f), NULL, lo, hi, NULL}
#define MAP(n, s) {n, K_MAP, 0, s, 0, 0, NULL}
#define SEQ(n, fn) {n, K_SEQ, 0, NULL, 0, 0, fn}
#define END {NULL, K_MAP, 0, NULL, 0, 0, NULL}
/* clang-format on */

static int network_item(struct loader *l, const struct ynode *n, struct sensor_config *c);
static int interface_item(struct loader *l, const struct ynode *n, struct sensor_config *c);
static int host_item(struct loader *l, const struct ynode *n, struct sensor_config *c);
static int keylog_item(struct loader *l, const struct ynode *n, struct sensor_config *c);
static int provider_item(struct loader *l, const struct ynode *n, struct sensor_config *c);
static int service_item(struct loader *l, const struct ynode *n, struct sensor_config *c);

static const struct key_spec sensor_keys[] = {
    STR("name", name),
    STR("pid_file", pid_file),
    STR("metrics", metrics),
    UINT("stats_interval", stats_interval_s, 1, 86400),
    END,
};
static const struct key_spec capture_keys[] = {
    UINT("workers", workers, 1, AS_MAX_WORKERS),
    STR("filter", filter),
    UINT("snaplen", snaplen, 64, AS_SNAPLEN),
    SEQ("interfaces", interface_item),
    UINT("promiscuous", promiscuous, 0, 1),
    UINT("ndpi_all_packets", ndpi_all_packets, 0, 1),
    UINT("ring_mb", ring_mb, 4, 65536),
    STR("user", user),
    END,
};
static const struct key_spec signature_keys[] = {STR("dir", signatures_dir), END};
static const struct key_spec tls_keys[] = {
    SEQ("keylog_files", keylog_item),
    UINT("keylog_wait_ms", keylog_wait_ms, 1, 60000),
    UINT("keylog_wait_bytes", keylog_wait_bytes, 4096, (uint64_t)64 << 20),
    END,
};
static const struct key_spec privacy_keys[] = {STR("salt", salt), STR("salt_file", salt_file), END};
static const struct key_spec limit_keys[] = {
    UINT("max_flows", max_flows, 1024, 100000000),
    UINT("idle_timeout_tcp", idle_tcp_s, 1, 86400),
    UINT("idle_timeout_tcp_closed", idle_tcp_closed_s, 1, 86400),
    UINT("idle_timeout_udp", idle_udp_s, 1, 86400),
    END,
};
static const struct key_spec redis_keys[] = {
    STR("url", redis_url),
    STR("prefix", redis_prefix),
    STR("spool_dir", redis_spool_dir),
    UINT("spool_max_bytes", redis_spool_max_bytes, 1048576, 1099511627776ULL),
    UINT("stream_maxlen", redis_stream_maxlen, 100, 1000000000),
    UINT("heartbeat_interval", redis_heartbeat_s, 1, 3600),
    UINT("drain_timeout_ms", redis_drain_timeout_ms, 0, 600000),
    UINT("applied_ttl", redis_applied_ttl_s, 60, 31536000),
    UINT("wait_replicas", redis_wait_replicas, 0, 16),
    UINT("wait_timeout_ms", redis_wait_timeout_ms, 10, 60000),
    UINT("event_dedupe_ttl", redis_event_dedupe_ttl_s, 60, 31536000),
    END,
};
static const struct key_spec exporter_keys[] = {
    STR("events", events_path),
    STR("inventory", inventory_path),
    STR("report", report_path),
    UINT("inventory_interval", inventory_interval_s, 1, 86400),
    UINT("flush_interval", flush_interval_s, 1, 3600),
    MAP("redis", redis_keys),
    END,
};
static const struct key_spec inventory_keys[] = {
    SEQ("networks", network_item),
    SEQ("hosts", host_item),
    STR("csv", inventory_csv),
    END,
};
static const struct key_spec policy_keys[] = {
    SEQ("sanctioned_providers", provider_item),
    SEQ("sanctioned_services", service_item),
    END,
};
static const struct key_spec top_keys[] = {
    MAP("inventory", inventory_keys),  MAP("sensor", sensor_keys),   MAP("capture", capture_keys),
    MAP("signatures", signature_keys), MAP("privacy", privacy_keys), MAP("limits", limit_keys),
    MAP("exporters", exporter_keys),   MAP("tls", tls_keys),	     MAP("policy", policy_keys),
    END,
};

void config_defaults(struct sensor_config *c)
{
	memset(c, 0, sizeof *c);
	c->workers = 1;
	c->promiscuous = 1;
	c->ring_mb = 64;
	c->stats_interval_s = 60;
	c->inventory_interval_s = 60;
	c->flush_interval_s = 1;
	c->snaplen = AS_SNAPLEN;
	c->max_flows = AS_MAX_FLOWS;
	c->idle_tcp_s = AS_FLOW_IDLE_TCP_S;
	c->idle_tcp_closed_s = AS_FLOW_IDLE_TCP_CLOSED_S;
	c->idle_udp_s = AS_FLOW_IDLE_UDP_S;
	c->keylog_wait_ms = AS_KEYLOG_WAIT_MS;
	c->keylog_wait_bytes = AS_KEYLOG_WAIT_BYTES;
}

int config_set_str(char **field, const char *value)
{
	char *copy = NULL;
	if (value && !(copy = strdup(value)))
		return AS_ERR_NOMEM;
	free(*field);
	*field = copy;
	return AS_OK;
}

void config_free(struct sensor_config *c)
{
	free(c->name);
	free(c->hostname);
	free(c->filter);
	free(c->signatures_dir);
	free(c->salt);
	free(c->salt_file);
	free(c->events_path);
	free(c->inventory_path);
	free(c->report_path);
	free(c->inventory_csv);
	for (size_t i = 0; i < c->n_interfaces; i++)
		free(c->interfaces[i]);
	free(c->interfaces);
	for (size_t i = 0; i < c->n_keylog_files; i++)
		free(c->keylog_files[i]);
	free(c->keylog_files);
	for (size_t i = 0; i < c->n_policy_providers; i++)
		free(c->policy_providers[i]);
	free(c->policy_providers);
	for (size_t i = 0; i < c->n_policy_services; i++)
		free(c->policy_services[i]);
	free(c->policy_services);
	free(c->user);
	free(c->pid_file);
	free(c->metrics);
	free(c->redis_url);
	free(c->redis_prefix);
	free(c->redis_spool_dir);
	inventory_free(&c->inventory);
	memset(c, 0, sizeof *c);
}

struct loader {
	const char *path;
	char *err;
	size_t errsz;
};

static int fail(struct loader *l, const struct ynode *n, const char *fmt, const char *a, const char *b)
{
	char msg[256];
	snprintf(msg, sizeof msg, fmt, a, b);
	snprintf(l->err, l->errsz, "%s:%zu: %s", l->path, n ? n->line : 0, msg);
	return AS_ERR_CONFIG;
}

/* Reads a mapping of scalar fields named in `names` into `out[i]`
 * (sized sizes[i]); a field named "tags" may also be a list. */
static int load_fields(struct loader *l, const struct ynode *n, const char *what, const char *const *names,
		       char **out, const size_t *sizes, size_t count)
{
	if (!n || n->type != YNODE_MAP)
		return fail(l, n, "each %s entry must be a mapping%s", what, "");
	for (const struct ynode *k = n->first; k && k->next; k = k->next->next) {
		const struct ynode *v = k->next;
		size_t i = 0;
		while (i < count && strcmp(names[i], k->str) != 0)
			i++;
		if (i == count)
			return fail(l, k, "unknown key '%s' in a %s entry", k->str, what);
		if (v->type == YNODE_SEQ && !strcmp(names[i], "tags")) {
			out[i][0] = '\0';
			for (const struct ynode *t = v->first; t; t = t->next) {
				if (t->type != YNODE_SCALAR)
					return fail(l, v, "tags must be names%s%s", "", "");
				size_t used = strlen(out[i]);
				snprintf(out[i] + used, sizes[i] - used, "%s%s", used ? "," : "", t->str);
			}
			continue;
		}
		if (v->type != YNODE_SCALAR)
			return fail(l, v, "'%s' must be a single value%s", names[i], "");
		if (v->len >= sizes[i])
			return fail(l, v, "'%s' is too long%s", names[i], "");
		snprintf(out[i], sizes[i], "%s", v->str);
	}
	return AS_OK;
}

/* Appends a copy of s to a list of at most AS_MAX_INPUTS strings. */
static int add_str(char ***list, size_t *n, const char *s)
{
	if (*n >= AS_MAX_INPUTS)
		return AS_ERR_LIMIT;
	char **v = realloc(*list, (*n + 1) * sizeof *v);
	if (!v)
		return AS_ERR_NOMEM;
	*list = v;
	if (!(v[*n] = strdup(s)))
		return AS_ERR_NOMEM;
	(*n)++;
	return AS_OK;
}

int config_add_interface(struct sensor_config *c, const char *name)
{
	return add_str(&c->interfaces, &c->n_interfaces, name);
}

int config_add_keylog(struct sensor_config *c, const char *path)
{
	return add_str(&c->keylog_files, &c->n_keylog_files, path);
}

static int keylog_item(struct loader *l, const struct ynode *n, struct sensor_config *c)
{
	if (n->type != YNODE_SCALAR || !n->len)
		return fail(l, n, "each key log is a file path%s%s", "", "");
	int r = config_add_keylog(c, n->str);
	return r == AS_ERR_LIMIT ? fail(l, n, "more than %s key logs%s", "64", "") : r;
}

/* policy.sanctioned_*: ids compared without regard to case, so kept lower case. */
static int policy_item(struct loader *l, const struct ynode *n, char ***list, size_t *count, const char *what)
{
	if (n->type != YNODE_SCALAR || !n->len || n->len >= AS_STR)
		return fail(l, n, "each of %s is a name (%s)", what,
			    !strcmp(what, "sanctioned_providers") ? "openai, anthropic, gcp.gemini, ..."
								  : "a service id or host:port");
	int r = add_str(list, count, n->str);
	if (r == AS_ERR_LIMIT)
		return fail(l, n, "more than %s entries in %s", "256", what);
	if (r == AS_OK)
		text_lower((*list)[*count - 1]);
	return r;
}

static int provider_item(struct loader *l, const struct ynode *n, struct sensor_config *c)
{
	return policy_item(l, n, &c->policy_providers, &c->n_policy_providers, "sanctioned_providers");
}

static int service_item(struct loader *l, const struct ynode *n, struct sensor_config *c)
{
	return policy_item(l, n, &c->policy_services, &c->n_policy_services, "sanctioned_services");
}

static int interface_item(struct loader *l, const struct ynode *n, struct sensor_config *c)
{
	if (n->type != YNODE_SCALAR || !n->len || n->len > 15)
		return fail(l, n, "each interface is a name of 1..15 characters%s%s", "", "");
	int r = config_add_interface(c, n->str);
	return r == AS_ERR_LIMIT ? fail(l, n, "more than %s interfaces%s", "64", "") : r;
}

static int network_item(struct loader *l, const struct ynode *n, struct sensor_config *c)
{
	char cidr[64] = "";
	struct inv_network net;
	memset(&net, 0, sizeof net);
	static const char *const names[] = {"cidr", "site", "team", "owner"};
	char *out[] = {cidr, net.site, net.team, net.owner};
	const size_t sizes[] = {sizeof cidr, sizeof net.site, sizeof net.team, sizeof net.owner};
	int r = load_fields(l, n, "networks", names, out, sizes, 4);
	if (r < 0)
		return r;
	struct inv_network parsed;
	if (!cidr[0] || !inventory_parse_cidr(cidr, &parsed))
		return fail(l, n, "networks entry needs a cidr like 10.1.0.0/16, not '%s'%s", cidr, "");
	memcpy(net.addr, parsed.addr, sizeof net.addr);
	net.family = parsed.family;
	net.prefix = parsed.prefix;
	struct inv_network *nn = realloc(c->inventory.networks, (c->inventory.n_networks + 1) * sizeof *nn);
	if (!nn)
		return AS_ERR_NOMEM;
	c->inventory.networks = nn;
	nn[c->inventory.n_networks++] = net;
	return AS_OK;
}

static int host_item(struct loader *l, const struct ynode *n, struct sensor_config *c)
{
	struct inv_host h;
	memset(&h, 0, sizeof h);
	static const char *const names[] = {"mac", "ip", "hostname", "owner", "team", "site", "tags"};
	char *out[] = {h.mac, h.ip, h.hostname, h.owner, h.team, h.site, h.tags};
	const size_t sizes[] = {sizeof h.mac,  sizeof h.ip,   sizeof h.hostname, sizeof h.owner,
				sizeof h.team, sizeof h.site, sizeof h.tags};
	int r = load_fields(l, n, "hosts", names, out, sizes, 7);
	if (r < 0)
		return r;
	text_lower(h.mac);
	text_lower(h.hostname);
	unsigned m[6];
	if (h.mac[0] && (strlen(h.mac) != 17 || sscanf(h.mac, "%2x:%2x:%2x:%2x:%2x:%2x", &m[0], &m[1], &m[2],
						       &m[3], &m[4], &m[5]) != 6))
		return fail(l, n, "bad mac '%s' (want 52:54:00:12:34:56)%s", h.mac, "");
	struct inv_network tmp;
	if (h.ip[0] && (strchr(h.ip, '/') || !inventory_parse_cidr(h.ip, &tmp)))
		return fail(l, n, "bad ip '%s'%s", h.ip, "");
	if (!h.mac[0] && !h.ip[0] && !h.hostname[0])
		return fail(l, n, "a hosts entry needs a mac, an ip or a hostname%s%s", "", "");
	struct inv_host *nh = realloc(c->inventory.hosts, (c->inventory.n_hosts + 1) * sizeof *nh);
	if (!nh)
		return AS_ERR_NOMEM;
	c->inventory.hosts = nh;
	nh[c->inventory.n_hosts++] = h;
	return AS_OK;
}

static int load_map(struct loader *l, const struct ynode *map, const struct key_spec *keys,
		    const char *section, struct sensor_config *c)
{
	if (map->type == YNODE_SCALAR && map->len == 0)
		return AS_OK; /* a section whose keys are all commented out */
	if (map->type != YNODE_MAP)
		return fail(l, map, "'%s' must be a mapping%s", section, "");
	for (const struct ynode *k = map->first; k && k->next; k = k->next->next) {
		const struct ynode *v = k->next;
		const struct key_spec *ks = keys;
		while (ks->name && strcmp(ks->name, k->str) != 0)
			ks++;
		if (!ks->name)
			return fail(l, k, "unknown key '%s' in '%s'", k->str, section);
		if (ks->type == K_MAP) {
			int r = load_map(l, v, ks->sub, ks->name, c);
			if (r < 0)
				return r;
			continue;
		}
		if (ks->type == K_SEQ) {
			if (v->type != YNODE_SEQ)
				return fail(l, v, "'%s' must be a list%s", ks->name, "");
			for (const struct ynode *it = v->first; it; it = it->next) {
				int r = ks->item(l, it, c);
				if (r < 0)
					return r;
			}
			continue;
		}
		if (v->type != YNODE_SCALAR)
			return fail(l, v, "'%s' must be a single value%s", ks->name, "");
		const char *s = v->str;
		if (ks->type == K_STR) {
			if (config_set_str((char **)((char *)c + ks->off), s) < 0)
				return AS_ERR_NOMEM;
			continue;
		}
		char *end;
		errno = 0;
		unsigned long long x = strtoull(s, &end, 10);
		if (errno || end == s || *end || s[0] == '-')
			return fail(l, v, "'%s' must be a whole number, not '%s'", ks->name, s);
		if (x < ks->min || x > ks->max) {
			char range[64];
			snprintf(range, sizeof range, "%llu..%llu", (unsigned long long)ks->min,
				 (unsigned long long)ks->max);
			return fail(l, v, "'%s' out of range %s", ks->name, range);
		}
		*(uint64_t *)((char *)c + ks->off) = x;
	}
	return AS_OK;
}

int config_load_buffer(const char *name, const uint8_t *data, size_t len, struct sensor_config *c, char *err,
		       size_t errsz)
{
	struct loader l = {.path = name, .err = err, .errsz = errsz};
	struct arena arena = {0};
	struct ynode *root = NULL;
	int r = ytree_parse(&arena, name, data, len, &root, err, errsz);
	if (r == AS_OK && root && !(root->type == YNODE_SCALAR && root->len == 0))
		r = load_map(&l, root, top_keys, "top level", c);
	arena_free(&arena);
	return r;
}

int config_load(const char *path, struct sensor_config *c, char *err, size_t errsz)
{
	uint8_t *data;
	size_t len;
	int r = ytree_read_file(path, AS_CONFIG_MAX_FILE_BYTES, &data, &len, err, errsz);
	if (r < 0)
		return r;
	r = config_load_buffer(path, data, len, c, err, errsz);
	free(data);
	return r;
}

/* ---- a configuration ready to use ---- */

#ifndef AS_SIG_DIR_INSTALLED
#define AS_SIG_DIR_INSTALLED "/usr/local/share/aisensor/signatures"
#endif

static const char default_salt[] = "aisensor-default-salt-change-me";

/* Without AS_SIG_DIR_SOURCE (a package) only the installed directory is
 * named: the binary never reads the build machine's tree. */
const char *config_signature_dir(const struct sensor_config *c)
{
	if (c->signatures_dir)
		return c->signatures_dir;
#ifdef AS_SIG_DIR_SOURCE
	struct stat st;
	if (stat(AS_SIG_DIR_INSTALLED, &st) != 0 || !S_ISDIR(st.st_mode))
		return AS_SIG_DIR_SOURCE;
#endif
	return AS_SIG_DIR_INSTALLED;
}

const char *config_salt(const struct sensor_config *c)
{
	return c->salt ? c->salt : default_salt;
}

/* privacy.salt_file: the salt is its content without the final newline. */
static int read_salt(struct sensor_config *c, char *err, size_t errsz)
{
	if (!c->salt_file || c->salt)
		return AS_OK;
	FILE *f = fopen(c->salt_file, "rb");
	char buf[512];
	size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
	if (f)
		fclose(f);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	if (!f || n == 0) {
		snprintf(err, errsz, "privacy.salt_file %s: missing or empty", c->salt_file);
		return AS_ERR_CONFIG;
	}
	buf[n] = '\0';
	return config_set_str(&c->salt, buf);
}

/* The modification time of a file in epoch us; 0 when it has none. */
static uint64_t mtime_us(const char *path)
{
	struct stat st;
	if (!path || stat(path, &st) != 0)
		return 0;
	return (uint64_t)st.st_mtim.tv_sec * 1000000 + (uint64_t)st.st_mtim.tv_nsec / 1000;
}

int config_open(const char *path, struct sensor_config *c, char *err, size_t errsz)
{
	config_defaults(c);
	int r = path ? config_load(path, c, err, errsz) : AS_OK;
	if (r == AS_OK)
		r = read_salt(c, err, errsz);
	if (r == AS_OK && c->inventory_csv)
		r = inventory_load_csv(&c->inventory, c->inventory_csv, err, errsz);
	if (r == AS_OK && (c->inventory.n_hosts || c->inventory.n_networks)) {
		uint64_t cfg = mtime_us(path), csv = mtime_us(c->inventory_csv);
		c->inventory.time_us = cfg > csv ? cfg : csv;
	}
	if (r == AS_ERR_NOMEM)
		snprintf(err, errsz, "out of memory");
	if (r < 0)
		config_free(c);
	return r;
}
