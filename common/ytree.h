/* ytree.h — the one YAML reader (config, signatures): a node tree with
 * 1-based line numbers, allocated in an arena. Errors are written as
 * "name:line: problem". */
#ifndef AS_YTREE_H
#define AS_YTREE_H

#include <stddef.h>

#include "arena.h"
#include "error.h"

enum ynode_type { YNODE_SCALAR, YNODE_SEQ, YNODE_MAP };

struct ynode {
	enum ynode_type type;
	size_t line;	 /* 1-based */
	const char *str; /* scalar value, NUL-terminated (no NUL inside) */
	size_t len;
	struct ynode *first, *last, *next; /* children; a map alternates key, value */
	size_t n_children;
};

/* Parses data into a tree allocated in arena. *root is NULL for an empty
 * document. */
AS_MUST_CHECK int ytree_parse(struct arena *arena, const char *name, const unsigned char *data, size_t len,
			      struct ynode **root, char *err, size_t errsz);

/* Reads a whole file (a YAML document to parse), refusing more than max
 * bytes. The caller frees *data. */
AS_MUST_CHECK int ytree_read_file(const char *path, size_t max, unsigned char **data, size_t *len, char *err,
				  size_t errsz);

#endif
