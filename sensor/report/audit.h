/* audit.h — the audit report: one self-contained HTML page (inline CSS,
 * inline SVG, a small inline script; nothing fetched) rendered from an
 * inventory document — the --inventory format, from a replay, a live run
 * or the registry — with the policy, an optional baseline inventory to
 * compare with, and what the data was made from. */
#ifndef AS_AUDIT_H
#define AS_AUDIT_H

#include <jansson.h>
#include <stddef.h>

#include "error.h"

/* The policy section of the configuration (lower-case names). */
struct audit_policy {
	const char *const *providers; /* sanctioned_providers: gen_ai provider names or service ids */
	size_t n_providers;
	const char *const *services; /* sanctioned_services: service ids or endpoints (host:port) */
	size_t n_services;
};

struct audit_input {
	json_t *doc;			   /* the inventory document (borrowed) */
	const struct audit_policy *policy; /* NULL, or both lists empty: no policy */
	json_t *baseline;		   /* an earlier inventory document, or NULL */
	const char *baseline_name;	   /* its file, as the page names it */
	/* What the page was made from besides the document's own "sensor"
	 * section, in order: [[label, value], ...], a value being a string or
	 * an array of strings (a registry's URL and filters, the config). */
	json_t *provenance;
	const char *generated; /* the wall-clock time of the rendering (RFC 3339) */
};

/* Renders the page into a malloc'ed, NUL-terminated buffer. Everything from
 * the documents is escaped; they hold no secret (credentials are
 * fingerprints), so the page holds none. AS_ERR_MALFORMED: doc has no
 * agents array. */
AS_MUST_CHECK int audit_render(const struct audit_input *in, char **html, size_t *len);

/* Reads an inventory document (a baseline): JSON whose "agents" is an
 * array. Errors name the file (and the line and column of bad JSON). */
AS_MUST_CHECK int audit_load_inventory(const char *path, json_t **doc, char *err, size_t errsz);

#endif
