/* config.c — YAML configuration loader driven by a key table, so every
 * accepted key is listed once, with its type and bounds. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "limits.h"

enum key_type { K_MAP, K_STR, K_UINT };

struct key_spec {
	const char *name;
	enum key_type type;
	size_t off;		    /* field in struct sensor_config */
	const struct key_spec *sub; /* K_MAP */
	uint64_t min, max;	    /* K_UINT */
};

#define STR(n, f)                                                                                            \
	{                                                                                                    \
		n, K_STR, offsetof(struct sensor_config, f), NULL, 0, 0                                      \
	}
#define UINT(n, f, lo, hi)                                                                                   \
	{                                                                                                    \
		n, K_UINT, offsetof(struct sensor_config, f), NULL, lo, hi                                   \
	}
#define MAP(n, s)                                                                                            \
	{                                                                                                    \
		n, K_MAP, 0, s, 0, 0                                                                         \
	}
#define END                                                                                                  \
	{                                                                                                    \
		NULL, K_MAP, 0, NULL, 0, 0                                                                   \
	}

static const struct key_spec sensor_keys[] = {STR("name", name), END};
static const struct key_spec capture_keys[] = {
    UINT("workers", workers, 1, AS_MAX_WORKERS),
    STR("filter", filter),
    UINT("snaplen", snaplen, 64, AS_SNAPLEN),
    END,
};
static const struct key_spec signature_keys[] = {STR("dir", signatures_dir), END};
static const struct key_spec privacy_keys[] = {STR("salt", salt), STR("salt_file", salt_file), END};
static const struct key_spec limit_keys[] = {
    UINT("max_flows", max_flows, 1024, 100000000),
    UINT("idle_timeout_tcp", idle_tcp_s, 1, 86400),
    UINT("idle_timeout_tcp_closed", idle_tcp_closed_s, 1, 86400),
    UINT("idle_timeout_udp", idle_udp_s, 1, 86400),
    END,
};
static const struct key_spec exporter_keys[] = {
    STR("events", events_path),
    STR("inventory", inventory_path),
    END,
};
static const struct key_spec top_keys[] = {
    MAP("sensor", sensor_keys),
    MAP("capture", capture_keys),
    MAP("signatures", signature_keys),
    MAP("privacy", privacy_keys),
    MAP("limits", limit_keys),
    MAP("exporters", exporter_keys),
    END,
};

void config_defaults(struct sensor_config *c)
{
	memset(c, 0, sizeof *c);
	c->workers = 1;
	c->snaplen = AS_SNAPLEN;
	c->max_flows = AS_MAX_FLOWS;
	c->idle_tcp_s = AS_FLOW_IDLE_TCP_S;
	c->idle_tcp_closed_s = AS_FLOW_IDLE_TCP_CLOSED_S;
	c->idle_udp_s = AS_FLOW_IDLE_UDP_S;
}

void config_set_str(char **field, const char *value)
{
	free(*field);
	*field = value ? strdup(value) : NULL;
}

void config_free(struct sensor_config *c)
{
	free(c->name);
	free(c->filter);
	free(c->signatures_dir);
	free(c->salt);
	free(c->salt_file);
	free(c->events_path);
	free(c->inventory_path);
	memset(c, 0, sizeof *c);
}

struct loader {
	const char *path;
	yaml_document_t doc;
	char *err;
	size_t errsz;
};

static int fail(struct loader *l, const yaml_node_t *n, const char *fmt, const char *a, const char *b)
{
	char msg[256];
	snprintf(msg, sizeof msg, fmt, a, b);
	snprintf(l->err, l->errsz, "%s:%zu: %s", l->path, n ? n->start_mark.line + 1 : 0, msg);
	return AS_ERR_CONFIG;
}

static const char *scalar(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

static int load_map(struct loader *l, yaml_node_t *map, const struct key_spec *keys, const char *section,
		    struct sensor_config *c, int depth)
{
	if (depth > AS_YAML_MAX_DEPTH)
		return fail(l, map, "nesting deeper than %s%s", "16", "");
	if (map->type != YAML_MAPPING_NODE)
		return fail(l, map, "'%s' must be a mapping%s", section, "");
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(&l->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(&l->doc, p->value);
		if (!k || !v || k->type != YAML_SCALAR_NODE)
			return fail(l, k ? k : map, "keys must be plain names in '%s'%s", section, "");
		const struct key_spec *ks = keys;
		while (ks->name && strcmp(ks->name, scalar(k)) != 0)
			ks++;
		if (!ks->name)
			return fail(l, k, "unknown key '%s' in '%s'", scalar(k), section);
		if (ks->type == K_MAP) {
			int r = load_map(l, v, ks->sub, ks->name, c, depth + 1);
			if (r < 0)
				return r;
			continue;
		}
		if (v->type != YAML_SCALAR_NODE)
			return fail(l, v, "'%s' must be a single value%s", ks->name, "");
		const char *s = scalar(v);
		if (ks->type == K_STR) {
			config_set_str((char **)((char *)c + ks->off), s);
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

/* Parses what the parser was given; `path` names it in errors. */
static int load_parser(yaml_parser_t *parser, const char *path, struct sensor_config *c, char *err,
		       size_t errsz)
{
	struct loader l = {.path = path, .err = err, .errsz = errsz};
	int r = AS_OK;
	if (!yaml_parser_load(parser, &l.doc)) {
		snprintf(err, errsz, "%s:%zu: %s", path, parser->problem_mark.line + 1,
			 parser->problem ? parser->problem : "invalid YAML");
		return AS_ERR_CONFIG;
	}
	yaml_node_t *root = yaml_document_get_root_node(&l.doc);
	if (root && !(root->type == YAML_SCALAR_NODE && root->data.scalar.length == 0))
		r = load_map(&l, root, top_keys, "top level", c, 0);
	yaml_document_delete(&l.doc);
	return r;
}

int config_load(const char *path, struct sensor_config *c, char *err, size_t errsz)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return AS_ERR_IO;
	}
	yaml_parser_t parser;
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, f);
	int r = load_parser(&parser, path, c, err, errsz);
	yaml_parser_delete(&parser);
	fclose(f);
	return r;
}

int config_load_buffer(const char *name, const uint8_t *data, size_t len, struct sensor_config *c, char *err,
		       size_t errsz)
{
	yaml_parser_t parser;
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, data, len);
	int r = load_parser(&parser, name, c, err, errsz);
	yaml_parser_delete(&parser);
	return r;
}
