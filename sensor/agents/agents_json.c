/* agents_json.c — the aggregator's outputs: agents in a stable order, the
 * inventory record of one agent, read-only views for the table. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agents_internal.h"

/* ---- output ---- */

static int agent_cmp(const void *pa, const void *pb)
{
	const struct agent *x = *(struct agent *const *)pa, *y = *(struct agent *const *)pb;
	int c = text_ip_cmp(x->ip, y->ip);
	if (!c)
		c = strcmp(x->kind, y->kind);
	if (!c)
		c = strcmp(x->sw_name, y->sw_name);
	if (!c)
		c = strcmp(x->id, y->id);
	return c;
}

static int dest_cmp(const void *pa, const void *pb)
{
	const struct dest *x = *(struct dest *const *)pa, *y = *(struct dest *const *)pb;
	int c = strcmp(x->endpoint, y->endpoint);
	if (!c)
		c = strcmp(x->service, y->service);
	if (!c)
		c = (int)x->tls - (int)y->tls;
	return c;
}

static int cred_cmp(const void *pa, const void *pb)
{
	const struct cred *x = pa, *y = pb;
	int c = strcmp(x->fp, y->fp);
	return c ? c : strcmp(x->where, y->where);
}

void ag_settle(struct agents *a, struct agent *ag)
{
	uint8_t ip[16] = {0};
	bool v6 = strchr(ag->ip, ':') != NULL;
	const struct strset *idp = NULL;
	if (inet_pton(v6 ? AF_INET6 : AF_INET, ag->ip, ip) == 1)
		idp = ag_idp_of(a, v6 ? 6 : 4, ip);
	for (size_t k = 0; idp && k < idp->n; k++)
		strset_add(&ag->identity_providers, idp->v[k], AS_AGENT_MAX_SET);
	ag_mcp_finish(ag);
	/* Owner and team from the inventory as it is now (SIGHUP may change it). */
	hosts_lookup(a->hosts, v6 ? 6 : 4, ip, ag->last_us, &ag->host);
	/* Canonical order inside each record too. */
	if (ag->n_dests)
		qsort(ag->dests, ag->n_dests, sizeof *ag->dests, dest_cmp);
	if (ag->n_creds)
		qsort(ag->creds, ag->n_creds, sizeof *ag->creds, cred_cmp);
}

size_t agents_list(struct agents *a, const struct agent ***out)
{
	free(a->sorted);
	a->sorted = calloc(a->agents.count + 1, sizeof *a->sorted);
	size_t n = 0;
	for (size_t i = 0; a->sorted && a->agents.slots && i <= a->agents.mask; i++)
		if (a->agents.slots[i].key) {
			struct agent *ag = a->agents.slots[i].val;
			ag_settle(a, ag);
			a->sorted[n++] = ag;
		}
	if (n)
		qsort(a->sorted, n, sizeof *a->sorted, agent_cmp);
	*out = (const struct agent **)a->sorted;
	return n;
}

void ag_json_set(struct jw *w, const char *key, const struct strset *s)
{
	jw_arr_begin(w, key);
	for (size_t i = 0; i < s->n; i++)
		jw_str(w, NULL, s->v[i]);
	jw_arr_end(w);
}

static void nullable(struct jw *w, const char *key, const char *v)
{
	if (v && *v)
		jw_str(w, key, v);
	else
		jw_null(w, key);
}

/* Token counts, when any were seen. */
static void usage_json(struct jw *w, uint64_t input_tokens, uint64_t output_tokens)
{
	if (!input_tokens && !output_tokens)
		return;
	jw_obj_begin(w, "usage");
	jw_u64(w, "input_tokens", input_tokens);
	jw_u64(w, "output_tokens", output_tokens);
	jw_obj_end(w);
}

void agent_json(const struct agent *ag, struct jw *w)
{
	jw_obj_begin(w, NULL);
	jw_str(w, "agent_id", ag->id);
	jw_str(w, "kind", ag->kind);
	jw_obj_begin(w, "software");
	nullable(w, "name", ag->sw_name);
	nullable(w, "version", ag->sw_version);
	if (ag->user_agents.n)
		jw_str(w, "user_agent", ag->user_agents.v[0]);
	jw_obj_end(w);
	jw_obj_begin(w, "host");
	jw_str(w, "ip", ag->ip);
	nullable(w, "mac", ag->mac);
	nullable(w, "hostname", ag->hostname[0] ? ag->hostname : ag->host.hostname);
	nullable(w, "owner", ag->host.owner);
	nullable(w, "team", ag->host.team);
	nullable(w, "site", ag->host.site);
	jw_str(w, "key", ag->host_key);
	if (ag->host.tags[0]) {
		jw_arr_begin(w, "tags");
		char tags[AS_STR];
		snprintf(tags, sizeof tags, "%s", ag->host.tags);
		for (char *save = NULL, *t = strtok_r(tags, ",", &save); t; t = strtok_r(NULL, ",", &save))
			jw_str(w, NULL, t);
		jw_arr_end(w);
	}
	if (ag->host.users && ag->host.users->n)
		ag_json_set(w, "users", ag->host.users);
	jw_obj_end(w);
	jw_time(w, "first_seen", ag->first_us);
	jw_time(w, "last_seen", ag->last_us);
	jw_arr_begin(w, "destinations");
	for (size_t i = 0; i < ag->n_dests; i++) {
		const struct dest *d = ag->dests[i];
		jw_obj_begin(w, NULL);
		jw_str(w, "service", d->service);
		jw_str(w, "category", d->category);
		jw_str_opt(w, "provider", d->provider);
		jw_str(w, "endpoint", d->endpoint);
		jw_str(w, "ip", d->ip);
		jw_u64(w, "port", d->port);
		jw_bool(w, "tls", d->tls);
		jw_u64(w, "flows", d->flows);
		jw_u64(w, "bytes", d->bytes);
		jw_u64(w, "requests", d->requests);
		ag_json_set(w, "models", &d->models);
		ag_json_set(w, "operations", &d->operations);
		ag_json_set(w, "ndpi", &d->app_protocols);
		usage_json(w, d->input_tokens, d->output_tokens);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	if (!strcmp(ag->kind, "llm-server")) {
		jw_obj_begin(w, "server");
		ag_json_set(w, "apis", &ag->apis);
		jw_str(w, "endpoint", ag->listen);
		jw_str_opt(w, "http_server", ag->server_header);
		jw_u64(w, "requests", ag->requests);
		ag_json_set(w, "models", &ag->served_models);
		ag_json_set(w, "operations", &ag->served_ops);
		ag_json_set(w, "clients", &ag->clients);
		usage_json(w, ag->input_tokens, ag->output_tokens);
		jw_obj_end(w);
	}
	jw_arr_begin(w, "credentials");
	for (size_t i = 0; i < ag->n_creds; i++) {
		const struct cred *c = &ag->creds[i];
		jw_obj_begin(w, NULL);
		jw_str(w, "type", c->type);
		jw_str(w, "where", c->where);
		jw_bool(w, "cleartext", c->cleartext);
		char fp[32];
		snprintf(fp, sizeof fp, "hmac-sha256:%s", c->fp);
		jw_str(w, "fingerprint", fp);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_obj_begin(w, "fingerprints");
	ag_json_set(w, "ja3", &ag->ja3);
	ag_json_set(w, "ja4", &ag->ja4);
	ag_json_set(w, "user_agents", &ag->user_agents);
	jw_obj_end(w);
	if (ag->mcp.present)
		ag_mcp_json(ag, w);
	if (ag->a2a.present)
		ag_a2a_json(ag, w);
	if (ag->n_oauth || ag->oauth_agent || ag->identity_providers.n) {
		ag_oauth_json(ag, w);
		ag_json_set(w, "identity_providers", &ag->identity_providers);
	}
	ag_json_set(w, "risks", &ag->risks);
	jw_obj_begin(w, "evidence");
	jw_u64(w, "flows", ag->flows);
	jw_str_opt(w, "first_flow", ag->first_flow);
	jw_str(w, "identity", ag->identity);
	ag_mcp_partial_json(ag, w);
	jw_obj_end(w);
	jw_obj_end(w);
}

/* ---- the inventory document ---- */

/* Only packet-derived figures: the inventory must not change between
 * runs or with the number of workers. */
static void sensor_json(struct agents *a, const struct inventory_meta *meta, struct jw *w)
{
	const struct agents_stats *as = agents_stats(a);
	const struct decode_counts *pk = meta->packets;
	jw_obj_begin(w, "sensor");
	jw_str(w, "name", meta->sensor_name);
	jw_str(w, "product", "aisensor");
	jw_str(w, "version", AS_VERSION);
	jw_arr_begin(w, "inputs");
	for (size_t i = 0; i < meta->n_inputs; i++)
		jw_str(w, NULL, meta->inputs[i]);
	jw_arr_end(w);
	jw_u64(w, "signature_services", meta->n_services);
	jw_obj_begin(w, "packets");
	jw_u64(w, "read", pk->frames);
	jw_u64(w, "bytes", pk->frame_bytes);
	jw_u64(w, "decoded", pk->decoded);
	jw_u64(w, "skipped", pk->skipped);
	jw_obj_begin(w, "malformed");
	for (int r = 1; r < DEC_REASON_COUNT; r++)
		if (pk->errors[r])
			jw_u64(w, decode_reason_name((enum decode_reason)r), pk->errors[r]);
	jw_obj_end(w);
	jw_obj_end(w);
	jw_obj_begin(w, "flows");
	jw_u64(w, "total", as->workers.flows);
	jw_u64(w, "dissected", as->workers.dissected_flows);
	jw_obj_end(w);
	jw_u64(w, "events", as->events);
	jw_obj_end(w);
}

void agents_inventory(struct agents *a, const struct inventory_meta *meta, struct jw *w)
{
	const struct agent **list;
	size_t n = agents_list(a, &list);
	jw_obj_begin(w, NULL);
	sensor_json(a, meta, w);
	jw_arr_begin(w, "agents");
	for (size_t i = 0; i < n; i++)
		agent_json(list[i], w);
	jw_arr_end(w);
	jw_obj_end(w);
}
