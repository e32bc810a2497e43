/* sig_yaml.c — libyaml event stream -> small node tree with line numbers
 * (one document, nesting capped at AS_YAML_MAX_DEPTH, aliases refused), plus
 * the arena and the string hash table the signature database is built from. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "sig_internal.h"

/* ---- arena ---- */

#define ARENA_CHUNK 65536

struct sig_chunk {
	struct sig_chunk *next;
	size_t used, cap;
	max_align_t data[];
};

void *sig_arena_alloc(struct sig_arena *a, size_t n)
{
	const size_t align = sizeof(max_align_t);
	n = (n + align - 1) / align * align;
	if (n == 0)
		n = align;
	struct sig_chunk *c = a->head;
	if (!c || c->cap - c->used < n) {
		size_t cap = n > ARENA_CHUNK ? n : ARENA_CHUNK;
		c = calloc(1, sizeof *c + cap);
		if (!c)
			return NULL;
		c->cap = cap;
		if (a->head && n > ARENA_CHUNK) {
			/* keep the current chunk open for small allocations */
			c->next = a->head->next;
			a->head->next = c;
		} else {
			c->next = a->head;
			a->head = c;
		}
	}
	void *p = (unsigned char *)c->data + c->used;
	c->used += n;
	return p;
}

char *sig_arena_strndup(struct sig_arena *a, const char *s, size_t n)
{
	char *p = sig_arena_alloc(a, n + 1);
	if (p && n)
		memcpy(p, s, n);
	return p;
}

void sig_arena_free(struct sig_arena *a)
{
	struct sig_chunk *c = a->head;
	while (c) {
		struct sig_chunk *next = c->next;
		free(c);
		c = next;
	}
	a->head = NULL;
}

/* ---- hash table ---- */

uint32_t sig_hash_rev(const char *s, size_t len)
{
	uint32_t h = 2166136261u;
	while (len--)
		h = (h ^ (unsigned char)s[len]) * 16777619u;
	return h;
}

void *sig_htab_get(const struct sig_htab *t, const char *key, size_t len, uint32_t hash)
{
	if (!t->cap)
		return NULL;
	size_t mask = t->cap - 1;
	for (size_t i = hash & mask;; i = (i + 1) & mask) {
		const struct sig_hent *e = &t->slots[i];
		if (!e->key)
			return NULL;
		if (e->hash == hash && e->len == len && memcmp(e->key, key, len) == 0)
			return e->val;
	}
}

static void htab_place(struct sig_hent *slots, size_t cap, struct sig_hent e)
{
	size_t mask = cap - 1;
	size_t i = e.hash & mask;
	while (slots[i].key)
		i = (i + 1) & mask;
	slots[i] = e;
}

int sig_htab_put(struct sig_htab *t, const char *key, size_t len, uint32_t hash, void *val)
{
	if ((t->n + 1) * 2 > t->cap) { /* load factor <= 1/2 */
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct sig_hent *slots = calloc(cap, sizeof *slots);
		if (!slots)
			return AS_ERR_NOMEM;
		for (size_t i = 0; i < t->cap; i++)
			if (t->slots[i].key)
				htab_place(slots, cap, t->slots[i]);
		free(t->slots);
		t->slots = slots;
		t->cap = cap;
	}
	htab_place(t->slots, t->cap, (struct sig_hent){key, len, hash, val});
	t->n++;
	return AS_OK;
}

void sig_htab_free(struct sig_htab *t)
{
	free(t->slots);
	t->slots = NULL;
	t->cap = t->n = 0;
}

/* ---- YAML events -> tree ---- */

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

static void add_child(struct sig_ynode *parent, struct sig_ynode *n)
{
	if (parent->last)
		parent->last->next = n;
	else
		parent->first = n;
	parent->last = n;
	parent->n_children++;
}

int sig_yaml_parse(struct sig_arena *arena, const char *name, const unsigned char *data, size_t len,
		   struct sig_ynode **root, char *err, size_t errsz)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	struct sig_ynode *stack[AS_YAML_MAX_DEPTH];
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
		struct sig_ynode *n = NULL;
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
			n = sig_arena_alloc(arena, sizeof *n);
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
				n->type = SIG_Y_SCALAR;
				n->str = sig_arena_strndup(arena, v, vlen);
				n->len = vlen;
				if (!n->str) {
					rc = AS_ERR_NOMEM;
					break;
				}
			} else {
				n->type = ev.type == YAML_SEQUENCE_START_EVENT ? SIG_Y_SEQ : SIG_Y_MAP;
			}
			if (depth == 0) {
				*root = n;
			} else {
				struct sig_ynode *p = stack[depth - 1];
				if (p->type == SIG_Y_MAP && p->n_children % 2 == 0 &&
				    n->type != SIG_Y_SCALAR) {
					rc = fail(err, errsz, name, line, "mapping key must be a scalar");
					break;
				}
				add_child(p, n);
			}
			if (n->type != SIG_Y_SCALAR) {
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
