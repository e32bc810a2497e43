/* audit_out.c — the audit report of a run (--report) or of the registry
 * (`aisensor report`): see audit_out.h. */
#include "audit_out.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "jsonw.h"
#include "sink.h"

struct audit_out {
	struct audit_policy policy; /* a view of the configuration's lists */
	json_t *provenance;
	json_t *baseline;
	char *baseline_name;
};

struct audit_out *audit_out_new(const struct sensor_config *c, json_t *provenance)
{
	struct audit_out *a = calloc(1, sizeof *a);
	if (!a) {
		json_decref(provenance);
		return NULL;
	}
	a->policy = (struct audit_policy){.providers = (const char *const *)c->policy_providers,
					  .n_providers = c->n_policy_providers,
					  .services = (const char *const *)c->policy_services,
					  .n_services = c->n_policy_services};
	a->provenance = provenance ? provenance : json_array();
	return a;
}

void audit_out_provenance(struct audit_out *a, json_t *p)
{
	json_decref(a->provenance);
	a->provenance = p;
}

int audit_out_baseline(struct audit_out *a, const char *path, char *err, size_t errsz)
{
	json_t *doc;
	int r = audit_load_inventory(path, &doc, err, errsz);
	if (r < 0)
		return r;
	json_decref(a->baseline);
	free(a->baseline_name);
	a->baseline = doc;
	a->baseline_name = strdup(path);
	return a->baseline_name ? AS_OK : AS_ERR_NOMEM;
}

int audit_out_render_doc(struct audit_out *a, json_t *doc, char **html, size_t *len, char *err, size_t errsz)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	char generated[32];
	as_format_time((uint64_t)now.tv_sec * 1000000 + (uint64_t)now.tv_nsec / 1000, generated);
	struct audit_input in = {.doc = doc,
				 .policy = &a->policy,
				 .baseline = a->baseline,
				 .baseline_name = a->baseline_name,
				 .provenance = a->provenance,
				 .generated = generated};
	int r = audit_render(&in, html, len);
	if (r < 0)
		snprintf(err, errsz, "%s", r == AS_ERR_NOMEM ? "out of memory" : "the inventory has no agents array");
	return r;
}

int audit_out_render(void *user, const char *doc, size_t len, char **html, size_t *html_len, char *err,
		     size_t errsz)
{
	json_error_t je;
	json_t *d = json_loadb(doc, len, 0, &je);
	if (!d) {
		snprintf(err, errsz, "the inventory document does not parse: %s", je.text);
		return AS_ERR_MALFORMED;
	}
	int r = audit_out_render_doc(user, d, html, html_len, err, errsz);
	json_decref(d);
	return r;
}

int audit_out_write(struct audit_out *a, const char *path, const char *doc, size_t len, char *err, size_t errsz)
{
	char *html;
	size_t n;
	int r = audit_out_render(a, doc, len, &html, &n, err, errsz);
	if (r < 0)
		return r;
	r = export_file_atomic(path, html, n, err, errsz);
	free(html);
	return r;
}

void audit_out_free(struct audit_out *a)
{
	if (!a)
		return;
	json_decref(a->provenance);
	json_decref(a->baseline);
	free(a->baseline_name);
	free(a);
}
