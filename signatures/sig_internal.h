/* sig_internal.h — private to signatures/: the compiled rule database that the
 * loader (sig_load.c) fills and the matcher (sig_match.c) reads; an arena
 * owns every string of it. */
#ifndef AS_SIG_INTERNAL_H
#define AS_SIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "limits.h"
#include "sig.h"
#include "ytree.h"

/* ---- open-addressing string table (keys are not copied) ---- */

struct sig_hent {
	const char *key;
	size_t len;
	uint32_t hash;
	void *val;
};

struct sig_htab {
	struct sig_hent *slots;
	size_t cap, n;
};

/* FNV-1a over the bytes taken from the last to the first, so the matcher can
 * hash every parent domain of a name in one right-to-left pass. */
uint32_t sig_hash_rev(const char *s, size_t len);
void *sig_htab_get(const struct sig_htab *t, const char *key, size_t len, uint32_t hash);
/* Inserts key (must be absent). Returns AS_OK or AS_ERR_NOMEM. */
AS_MUST_CHECK int sig_htab_put(struct sig_htab *t, const char *key, size_t len, uint32_t hash, void *val);
void sig_htab_free(struct sig_htab *t);

/* ---- domains ---- */

/* A pattern with a '*' inside a label, anchored at the literal suffix after
 * the wildcard label: "bedrock-runtime.*.amazonaws.com" is stored under
 * "amazonaws.com" with prefix "bedrock-runtime.*". */
struct sig_dom_pattern {
	const char *pattern; /* whole pattern as written (lower-cased) */
	const char *prefix;  /* labels before the anchor, one of them with '*' */
	size_t literal;	     /* non-'*' characters of the pattern: its specificity */
	const struct sig_service *svc;
	struct sig_dom_pattern *next;
};

struct sig_dom_entry {
	const char *name;		  /* lower-case, no trailing dot */
	const struct sig_service *exact;  /* "name" */
	const struct sig_service *below;  /* "*.name": any name under it */
	struct sig_dom_pattern *patterns; /* label-wildcard patterns anchored here */
};

/* ---- clients ---- */

enum sig_op { SIG_OP_EQUALS, SIG_OP_PREFIX, SIG_OP_CONTAINS, SIG_OP_PRESENT };

struct sig_cond {
	const char *header; /* lower-case header name; NULL = the User-Agent */
	enum sig_op op;
	const char *value; /* NULL for SIG_OP_PRESENT */
	size_t value_len;
};

struct sig_client_rule {
	const char *name;
	const char *kind;
	struct sig_cond *conds;
	size_t n_conds;
	const char *version_header;	  /* take the version from this header ... */
	const char *version_header_after; /* ... after this literal in its value */
	const char *version_after;	  /* else from the User-Agent after this literal */
};

struct sig_ja4_rule {
	const char *ja4;
	const char *name;    /* the one product with this JA4, or NULL */
	const char *runtime; /* the TLS runtime, or NULL */
	const char *kind;
};

/* ---- endpoints ---- */

enum sig_seg_kind {
	SIG_SEG_LITERAL, /* "chat" */
	SIG_SEG_STAR,	 /* "v1*", "*": pre, any run of characters, post */
	SIG_SEG_MODEL,	 /* "{model}:generateContent": like STAR, captured as the model */
};

struct sig_seg {
	enum sig_seg_kind kind;
	const char *pre; /* literal segment, or the part before the wildcard */
	size_t pre_len;
	const char *post; /* part after the wildcard */
	size_t post_len;
};

struct sig_endpoint_rule {
	const char *api;
	const char *operation; /* NULL when the OTel list has no value for it */
	bool model_listing;
	const char **methods; /* NULL = any method */
	size_t n_methods;
	struct sig_seg *segs; /* pattern segments without the "**" one */
	size_t n_segs;
	size_t any_at; /* index in segs where "**" stood; SIZE_MAX if none */
};

/* ---- the database ---- */

struct sig_db {
	struct arena arena;
	struct sig_htab ids;	 /* service id -> struct sig_service */
	struct sig_htab domains; /* domain -> struct sig_dom_entry */
	struct sig_htab ja4;	 /* ja4 -> struct sig_ja4_rule */
	struct sig_htab broad_scopes; /* OAuth scope -> itself */
	struct sig_htab product_ids;  /* product id -> struct sig_product */
	struct sig_htab products;     /* software name -> struct sig_product */
	size_t n_services;
	struct sig_client_rule *clients;
	size_t n_clients, cap_clients;
	struct sig_endpoint_rule *endpoints;
	size_t n_endpoints, cap_endpoints;
};

#endif
