/* audit_out.h — the audit report of a run or of the registry: an inventory
 * document rendered (sensor/report) with the configuration's policy, an
 * optional baseline inventory and what the data was made from. */
#ifndef AS_AUDIT_OUT_H
#define AS_AUDIT_OUT_H

#include <jansson.h>
#include <stddef.h>

#include "config.h"
#include "error.h"

struct audit_out;

/* Borrows c (its policy) for its lifetime; takes provenance ([[label,
 * value], ...], may be NULL). NULL when out of memory. */
struct audit_out *audit_out_new(const struct sensor_config *c, json_t *provenance);
/* Replaces what the pages say they were made from (takes p). */
void audit_out_provenance(struct audit_out *a, json_t *p);
/* Compares every page with this inventory; errors name the file. */
AS_MUST_CHECK int audit_out_baseline(struct audit_out *a, const char *path, char *err, size_t errsz);
/* The page of a document; a malloc'ed *html. */
AS_MUST_CHECK int audit_out_render_doc(struct audit_out *a, json_t *doc, char **html, size_t *len, char *err,
				       size_t errsz);
/* The same from the document's JSON text; a filew_render_fn (the live
 * report renders on its writer's thread). *html is untouched on error. */
int audit_out_render(void *a, const char *doc, size_t len, char **html, size_t *html_len, char *err,
		     size_t errsz);
/* Renders and writes path atomically ("-": stdout). */
AS_MUST_CHECK int audit_out_write(struct audit_out *a, const char *path, const char *doc, size_t len, char *err,
				  size_t errsz);
void audit_out_free(struct audit_out *a);

#endif
