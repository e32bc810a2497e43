/* ytree.c — the one YAML reader of the project (configuration and
 * signatures): libyaml's event stream -> a small node tree with line
 * numbers. One document; nesting capped at AS_YAML_MAX_DEPTH; aliases,
 * NUL bytes and duplicate mapping keys refused. */
#include "ytree.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "error.h"
#include "limits.h"

static int fail(char *err, size_t errsz, const char *name, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int fail(char *err, size_t errsz, const char *name, size_t line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (errsz)
		snprintf(err, errsz, "%s:%zu: %s", name, line, msg);
	return AS_ERR_CONFIG;
}

/* The earlier key of map m equal to key k, or NULL. */
static const struct ynode *key_in(const struct ynode *m, const struct ynode *k)
{
	for (const struct ynode *c = m->first; c; c = c->next ? c->next->next : NULL)
		if (c->len == k->len && memcmp(c->str, k->str, k->len) == 0)
			return c;
	return NULL;
}

static void add_child(struct ynode *parent, struct ynode *n)
{
	if (parent->last)
		parent->last->next = n;
	else
		parent->first = n;
	parent->last = n;
	parent->n_children++;
}

int ytree_parse(struct arena *arena, const char *name, const unsigned char *data, size_t len,
		struct ynode **root, char *err, size_t errsz)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	struct ynode *stack[AS_YAML_MAX_DEPTH];
	size_t depth = 0, docs = 0;
	int rc = AS_OK;
	bool done = false;

	*root = NULL;
	if (!yaml_parser_initialize(&parser))
		return AS_ERR_NOMEM;
	yaml_parser_set_input_string(&parser, data, len);

	while (!done && rc == AS_OK) {
		if (!yaml_parser_parse(&parser, &ev)) {
			if (parser.error == YAML_MEMORY_ERROR) {
				rc = AS_ERR_NOMEM;
			} else {
				rc = fail(err, errsz, name, parser.problem_mark.line + 1, "yaml: %s",
					  parser.problem ? parser.problem : "syntax error");
			}
			break;
		}
		size_t line = ev.start_mark.line + 1;
		struct ynode *n = NULL;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1)
				rc = fail(err, errsz, name, line, "only one YAML document per file");
			break;
		case YAML_ALIAS_EVENT:
			rc = fail(err, errsz, name, line, "aliases are not supported");
			break;
		case YAML_SCALAR_EVENT:
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			n = arena_alloc(arena, sizeof *n);
			if (!n) {
				rc = AS_ERR_NOMEM;
				break;
			}
			n->line = line;
			if (ev.type == YAML_SCALAR_EVENT) {
				const char *v = (const char *)ev.data.scalar.value;
				size_t vlen = ev.data.scalar.length;
				if (memchr(v, '\0', vlen)) {
					rc = fail(err, errsz, name, line, "NUL byte in a scalar");
					break;
				}
				n->type = YNODE_SCALAR;
				n->str = arena_strndup(arena, v, vlen);
				n->len = vlen;
				if (!n->str) {
					rc = AS_ERR_NOMEM;
					break;
				}
			} else {
				n->type = ev.type == YAML_SEQUENCE_START_EVENT ? YNODE_SEQ : YNODE_MAP;
			}
			if (depth == 0) {
				*root = n;
			} else {
				struct ynode *p = stack[depth - 1];
				if (p->type == YNODE_MAP && p->n_children % 2 == 0 &&
				    n->type != YNODE_SCALAR) {
					rc = fail(err, errsz, name, line, "mapping key must be a scalar");
					break;
				}
				const struct ynode *dup =
				    p->type == YNODE_MAP && p->n_children % 2 == 0 ? key_in(p, n) : NULL;
				if (dup) {
					rc =
					    fail(err, errsz, name, line,
						 "duplicate key '%s' (first on line %zu)", n->str, dup->line);
					break;
				}
				add_child(p, n);
			}
			if (n->type != YNODE_SCALAR) {
				if (depth == AS_YAML_MAX_DEPTH) {
					rc = fail(err, errsz, name, line, "nesting deeper than %d levels",
						  AS_YAML_MAX_DEPTH);
					break;
				}
				stack[depth++] = n;
			}
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			if (depth)
				depth--;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	if (rc != AS_OK)
		*root = NULL;
	return rc;
}

int ytree_read_file(const char *path, size_t max, unsigned char **data, size_t *len, char *err, size_t errsz)
{
	*data = NULL;
	*len = 0;
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		snprintf(err, errsz, "%s: cannot open: %s", path, strerror(errno));
		return AS_ERR_CONFIG;
	}
	size_t cap = 0;
	int rc = AS_OK;
	for (;;) {
		if (*len == cap) {
			if (cap > max) {
				snprintf(err, errsz, "%s:1: file larger than %zu bytes", path, max);
				rc = AS_ERR_CONFIG;
				break;
			}
			cap = cap ? cap * 2 : 65536;
			unsigned char *p = realloc(*data, cap + 1);
			if (!p) {
				rc = AS_ERR_NOMEM;
				break;
			}
			*data = p;
		}
		size_t n = fread(*data + *len, 1, cap - *len, fp);
		if (n == 0) {
			if (ferror(fp)) {
				snprintf(err, errsz, "%s: read error: %s", path, strerror(errno));
				rc = AS_ERR_CONFIG;
			}
			break;
		}
		*len += n;
	}
	fclose(fp);
	if (rc != AS_OK) {
		free(*data);
		*data = NULL;
	}
	return rc;
}
