/* table.c — the agent table people read: where an agent is (host, owner),
 * what it connects to, what it can do. One renderer for a replay's summary
 * and for `aisensor agents`, fed inventory-format records. */
#include "table.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static const char *sget(json_t *rec, const char *a, const char *b)
{
	json_t *v = json_object_get(rec, a);
	if (b)
		v = json_object_get(v, b);
	return json_is_string(v) ? json_string_value(v) : "";
}

static void human_bytes(uint64_t b, char *out, size_t n)
{
	const char *unit[] = {"B", "kB", "MB", "GB", "TB"};
	double v = (double)b;
	int u = 0;
	while (v >= 1000 && u < 4) {
		v /= 1000;
		u++;
	}
	snprintf(out, n, u ? "%.1f %s" : "%.0f %s", v, unit[u]);
}

static void list_strings(FILE *out, const char *label, json_t *arr)
{
	if (!json_array_size(arr))
		return;
	fprintf(out, "  %s ", label);
	for (size_t i = 0; i < json_array_size(arr); i++)
		fprintf(out, "%s%s", i ? "," : "",
			json_is_string(json_array_get(arr, i)) ? json_string_value(json_array_get(arr, i))
							       : "?");
}

static uint64_t uget(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_integer(v) && json_integer_value(v) > 0 ? (uint64_t)json_integer_value(v) : 0;
}

static void print_record(FILE *out, json_t *r)
{
	{
		const char *hk = sget(r, "host", "hostname");
		char where[160], sw[96];
		snprintf(where, sizeof where, "%s%s%s%s%s%s",
			 sget(r, "host", "ip")[0] ? sget(r, "host", "ip") : "?", hk[0] ? " " : "", hk,
			 sget(r, "host", "owner")[0] ? " (" : "", sget(r, "host", "owner"),
			 sget(r, "host", "owner")[0] ? ")" : "");
		const char *name = sget(r, "software", "name"), *ver = sget(r, "software", "version");
		const char *rt = sget(r, "software", "runtime");
		if (name[0] || !rt[0])
			snprintf(sw, sizeof sw, "%s%s%s", name[0] ? name : "unknown", ver[0] ? " " : "", ver);
		else /* only the runtime its TLS fingerprint names */
			snprintf(sw, sizeof sw, "(%s)", rt);
		fprintf(out, "%-36s %-15s %-28s %-25s %s\n", where, sget(r, "kind", NULL), sw,
			sget(r, "last_seen", NULL), sget(r, "agent_id", NULL));
		json_t *dests = json_object_get(r, "destinations");
		for (size_t d = 0; d < json_array_size(dests); d++) {
			json_t *x = json_array_get(dests, d);
			char b[32];
			human_bytes(uget(x, "bytes"), b, sizeof b);
			uint64_t flows = uget(x, "flows");
			fprintf(out, "    connects to %s %s%s%s, %" PRIu64 " flow%s, %s",
				sget(x, "service", NULL), sget(x, "endpoint", NULL),
				json_is_boolean(json_object_get(x, "tls")) ? " " : "",
				json_is_boolean(json_object_get(x, "tls"))
				    ? (json_is_true(json_object_get(x, "tls")) ? "tls" : "cleartext")
				    : "",
				flows, flows == 1 ? "" : "s", b);
			if (uget(x, "requests"))
				fprintf(out, ", %" PRIu64 " requests", uget(x, "requests"));
			list_strings(out, "models", json_object_get(x, "models"));
			list_strings(out, "ops", json_object_get(x, "operations"));
			list_strings(out, "over", json_object_get(x, "transports"));
			list_strings(out, "known by", json_object_get(x, "basis"));
			fputc('\n', out);
		}
		json_t *server = json_object_get(r, "server");
		if (json_is_object(server)) {
			fprintf(out, "    serves %s, %" PRIu64 " requests from %zu client%s",
				sget(server, "endpoint", NULL), uget(server, "requests"),
				json_array_size(json_object_get(server, "clients")),
				json_array_size(json_object_get(server, "clients")) == 1 ? "" : "s");
			list_strings(out, "apis", json_object_get(server, "apis"));
			list_strings(out, "models", json_object_get(server, "models"));
			fputc('\n', out);
		}
		json_t *mcp = json_object_get(r, "mcp");
		if (json_is_object(mcp)) {
			fprintf(out, "    mcp %s", sget(mcp, "role", NULL)[0] ? sget(mcp, "role", NULL) : "");
			list_strings(out, "revisions", json_object_get(mcp, "protocol_versions"));
			list_strings(out, "servers", json_object_get(mcp, "servers"));
			json_t *called = json_object_get(mcp, "tools_called");
			if (json_array_size(called)) {
				fprintf(out, "  tools called");
				for (size_t t = 0; t < json_array_size(called); t++) {
					json_t *x = json_array_get(called, t);
					fprintf(out, "%s %s (%" PRIu64 ")", t ? "," : "",
						sget(x, "name", NULL), uget(x, "calls"));
				}
			}
			json_t *listed = json_object_get(mcp, "tools_listed");
			if (json_array_size(listed)) {
				fprintf(out, "  tools listed");
				for (size_t t = 0; t < json_array_size(listed); t++) {
					json_t *x = json_array_get(listed, t);
					fprintf(out, "%s %s%s", t ? "," : "", sget(x, "name", NULL),
						json_is_true(json_object_get(x, "destructive"))
						    ? " (destructive)"
						    : "");
				}
			}
			fputc('\n', out);
		}
		json_t *a2a = json_object_get(r, "a2a");
		if (json_is_object(a2a)) {
			fprintf(out, "    a2a %s", sget(a2a, "role", NULL));
			list_strings(out, "skills", json_object_get(a2a, "skills"));
			list_strings(out, "methods", json_object_get(a2a, "methods"));
			list_strings(out, "versions", json_object_get(a2a, "protocol_versions"));
			fputc('\n', out);
		}
		json_t *grants = json_object_get(r, "oauth");
		for (size_t g = 0; g < json_array_size(grants); g++) {
			json_t *x = json_array_get(grants, g);
			fprintf(out, "    oauth %s client %s (%s), pkce %s", sget(x, "issuer", NULL),
				sget(x, "client_id", NULL), sget(x, "registration", NULL),
				sget(x, "pkce", NULL));
			list_strings(out, "scopes", json_object_get(x, "scopes"));
			fputc('\n', out);
		}
		json_t *creds = json_object_get(r, "credentials");
		if (json_array_size(creds)) {
			fprintf(out, "    can use ");
			for (size_t c = 0; c < json_array_size(creds); c++) {
				json_t *x = json_array_get(creds, c);
				fprintf(out, "%s%s in %s", c ? ", " : "", sget(x, "type", NULL),
					sget(x, "where", NULL));
			}
			fputc('\n', out);
		}
		json_t *risks = json_object_get(r, "risks");
		if (json_array_size(risks)) {
			fprintf(out, "    risks");
			for (size_t k = 0; k < json_array_size(risks); k++)
				fprintf(out, "%s%s", k ? ", " : " ",
					json_string_value(json_array_get(risks, k)));
			fputc('\n', out);
		}
	}
}

/* Records of one product on one host (its LLM, MCP and OAuth clients):
 * same host address and product id. */
static bool same_product(json_t *a, json_t *b)
{
	return !strcmp(sget(a, "product", "id"), sget(b, "product", "id")) &&
	       !strcmp(sget(a, "host", "ip"), sget(b, "host", "ip"));
}

void table_print(FILE *out, json_t *const *recs, size_t n)
{
	if (!n)
		return;
	fprintf(out, "%-36s %-15s %-28s %-25s %s\n", "WHERE (host, owner)", "KIND", "SOFTWARE", "LAST SEEN",
		"AGENT ID");
	bool *shown = calloc(n, sizeof *shown);
	for (size_t i = 0; i < n; i++) {
		if (shown && shown[i])
			continue;
		json_t *r = recs[i];
		if (!shown || !sget(r, "product", "id")[0]) {
			print_record(out, r);
			continue;
		}
		/* a product's records together, under one line naming it */
		size_t k = 0;
		for (size_t j = i; j < n; j++)
			k += !shown[j] && same_product(r, recs[j]);
		const char *ver = sget(r, "product", "version");
		fprintf(out, "%s: product %s%s%s (%s), %zu record%s\n", sget(r, "host", "ip"),
			sget(r, "product", "name"), ver[0] ? " " : "", ver, sget(r, "product", "vendor"), k,
			k == 1 ? "" : "s");
		for (size_t j = i; j < n; j++)
			if (!shown[j] && same_product(r, recs[j])) {
				shown[j] = true;
				print_record(out, recs[j]);
			}
	}
	free(shown);
}
