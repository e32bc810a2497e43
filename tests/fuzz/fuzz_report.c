/* fuzz_report.c — the audit report of any JSON (a baseline is operator
 * input, a registry's records are other sensors'): never crashes, and a
 * '<' of the data never opens an element — the page holds no "<" that the
 * renderer did not write, found by counting the page's one script. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *doc = json_loadb((const char *)data, size, 0, NULL);
	if (!doc)
		return 0;
	static const char *const providers[] = {"openai"}, *services[] = {"llm-gateway.corp.test:4000"};
	struct audit_policy pol = {.providers = providers, .n_providers = 1, .services = services, .n_services = 1};
	json_t *prov = json_pack("[[ss]]", "Source", "fuzz");
	struct audit_input in = {.doc = doc, .policy = &pol, .baseline = doc, .baseline_name = "fuzz", .provenance = prov,
				 .generated = "2026-01-01T00:00:00.000Z"};
	char *html = NULL;
	size_t len = 0;
	if (audit_render(&in, &html, &len) == AS_OK) {
		const char *s = strstr(html, "<script");
		if (!s || strstr(s + 1, "<script") || strlen(html) != len)
			abort();
		free(html);
	}
	json_decref(prov);
	json_decref(doc);
	return 0;
}
