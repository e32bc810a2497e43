/* report.c — agent table, inventory document and run statistics. */
#include "report.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* Only packet-derived figures: the inventory must not change between
 * runs or with the number of workers. */
static void sensor_json(struct agents *a, const struct pipeline_stats *ps, const struct report_meta *meta,
			struct jw *w)
{
	const struct agents_stats *as = agents_stats(a);
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
	jw_u64(w, "read", ps->frames);
	jw_u64(w, "bytes", ps->frame_bytes);
	jw_u64(w, "decoded", ps->decoded);
	jw_u64(w, "skipped", ps->skipped);
	jw_obj_begin(w, "malformed");
	for (int r = 1; r < DEC_REASON_COUNT; r++)
		if (ps->decode_errors[r])
			jw_u64(w, decode_reason_name((enum decode_reason)r), ps->decode_errors[r]);
	jw_obj_end(w);
	jw_obj_end(w);
	jw_obj_begin(w, "flows");
	jw_u64(w, "total", as->workers.flows);
	jw_u64(w, "dissected", as->workers.dissected_flows);
	jw_obj_end(w);
	jw_u64(w, "events", as->events);
	jw_obj_end(w);
}

void report_inventory(struct agents *a, const struct pipeline_stats *ps, const struct report_meta *meta,
		      struct jw *w)
{
	const struct agent **list;
	size_t n = agents_list(a, &list);
	jw_obj_begin(w, NULL);
	sensor_json(a, ps, meta, w);
	jw_arr_begin(w, "agents");
	for (size_t i = 0; i < n; i++)
		agent_json(list[i], w);
	jw_arr_end(w);
	jw_obj_end(w);
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

static void list_set(FILE *out, const char *label, const struct strset *s)
{
	if (!s->n)
		return;
	fprintf(out, "  %s ", label);
	for (size_t i = 0; i < s->n; i++)
		fprintf(out, "%s%s", i ? "," : "", s->v[i]);
}

void report_table(struct agents *a, FILE *out)
{
	const struct agent **list;
	size_t n = agents_list(a, &list);
	fprintf(out, "\n%zu AI agent%s found\n", n, n == 1 ? "" : "s");
	if (!n)
		return;
	fprintf(out, "%-20s %-15s %-28s %s\n", "WHERE (host)", "KIND", "SOFTWARE", "AGENT ID");
	for (size_t i = 0; i < n; i++) {
		const struct agent *ag = list[i];
		const char *ver;
		const char *sw = agent_software(ag, &ver);
		char swv[96];
		snprintf(swv, sizeof swv, "%s%s%s", sw[0] ? sw : "unknown", ver[0] ? " " : "", ver);
		fprintf(out, "%-20s %-15s %-28s %s\n", agent_host_ip(ag), agent_kind(ag), swv, agent_id(ag));
		for (size_t d = 0; d < agent_dest_count(ag); d++) {
			struct agent_dest_view v;
			agent_dest(ag, d, &v);
			char bytes[32];
			human_bytes(v.bytes, bytes, sizeof bytes);
			fprintf(out, "    connects to %s (%s) %s %s, %" PRIu64 " flow%s, %s", v.service,
				v.category, v.endpoint, v.tls ? "tls" : "cleartext", v.flows,
				v.flows == 1 ? "" : "s", bytes);
			if (v.requests)
				fprintf(out, ", %" PRIu64 " request%s", v.requests,
					v.requests == 1 ? "" : "s");
			list_set(out, "models", v.models);
			list_set(out, "ops", v.operations);
			fputc('\n', out);
		}
		struct agent_server_view sv;
		if (agent_server(ag, &sv)) {
			fprintf(out, "    serves %s, %" PRIu64 " request%s from %zu client%s", sv.endpoint,
				sv.requests, sv.requests == 1 ? "" : "s", sv.clients->n,
				sv.clients->n == 1 ? "" : "s");
			list_set(out, "apis", sv.apis);
			list_set(out, "models", sv.models);
			fputc('\n', out);
		}
		size_t nc = agent_credential_count(ag);
		if (nc) {
			fprintf(out, "    can use ");
			for (size_t c = 0; c < nc; c++) {
				const char *where;
				const char *type = agent_credential(ag, c, &where);
				fprintf(out, "%s%s in %s", c ? ", " : "", type, where);
			}
			fputc('\n', out);
		}
		const struct strset *r = agent_risks(ag);
		if (r->n) {
			fprintf(out, "    risks");
			for (size_t k = 0; k < r->n; k++)
				fprintf(out, "%s%s", k ? ", " : " ", r->v[k]);
			fputc('\n', out);
		}
	}
}

static int anomaly_cmp(const void *pa, const void *pb)
{
	const struct anomaly_count *x = *(const struct anomaly_count *const *)pa;
	const struct anomaly_count *y = *(const struct anomaly_count *const *)pb;
	return strcmp(x->name, y->name);
}

void report_stats(struct agents *a, const struct pipeline_stats *ps, FILE *out)
{
	const struct agents_stats *as = agents_stats(a);
	const struct worker_stats *ws = &as->workers;
	uint64_t malformed = 0;
	for (int r = 1; r < DEC_REASON_COUNT; r++)
		malformed += ps->decode_errors[r];
	fprintf(out, "\nStatistics\n");
	if (ps->kernel_received || ps->kernel_dropped)
		fprintf(out, "  capture   %" PRIu64 " received, %" PRIu64 " dropped by the kernel ring, %" PRIu64
			     " dropped by the interface\n",
			ps->kernel_received, ps->kernel_dropped, ps->iface_dropped);
	fprintf(out,
		"  packets   %" PRIu64 " read, %" PRIu64 " TCP/UDP, %" PRIu64
		" other (not TCP/UDP over IP), %" PRIu64 " malformed\n",
		ps->frames, ps->decoded, ps->skipped, malformed);
	for (int r = 1; r < DEC_REASON_COUNT; r++)
		if (ps->decode_errors[r])
			fprintf(out, "            %-22s %" PRIu64 "\n",
				decode_reason_name((enum decode_reason)r), ps->decode_errors[r]);
	fprintf(out,
		"  flows     %" PRIu64 " (%" PRIu64 " closed, %" PRIu64 " idle, %" PRIu64
		" evicted at the flow cap, %" PRIu64 " open at the end), %" PRIu64 " dissected\n",
		ws->flows, ws->flows_closed, ws->flows_idle, ws->flows_evicted,
		ws->flows - ws->flows_closed - ws->flows_idle - ws->flows_evicted, ws->dissected_flows);
	fprintf(out, "  nDPI      %" PRIu64 " classified, %" PRIu64 " given up\n", ws->ndpi_classified,
		ws->ndpi_giveup);
	const struct app_count **apps;
	size_t na = agents_app_protocols(a, &apps);
	if (na) {
		fprintf(out, "  protocols");
		for (size_t i = 0; i < na && i < 12; i++)
			fprintf(out, "%s %s %" PRIu64, i ? "," : "", apps[i]->name, apps[i]->flows);
		if (na > 12)
			fprintf(out, ", ... (%zu more)", na - 12);
		fputc('\n', out);
	}
	fprintf(out, "  tcp       %" PRIu64 " reassembly gaps, %" PRIu64 " out-of-order overflows\n",
		ws->reasm_gaps, ws->reasm_ooo_dropped);
	fprintf(out, "  dissector %" PRIu64 " observations, %" PRIu64 " anomalies\n", as->observations,
		as->anomalies);
	const struct anomaly_count *an[64];
	size_t nan = as->n_anomaly_kinds < 64 ? as->n_anomaly_kinds : 64;
	for (size_t i = 0; i < nan; i++)
		an[i] = &as->anomaly[i];
	qsort(an, nan, sizeof an[0], anomaly_cmp);
	for (size_t i = 0; i < nan; i++)
		fprintf(out, "            %-22s %" PRIu64 "\n", an[i]->name, an[i]->count);
	if (as->agents_capped || as->dns_cache_evictions)
		fprintf(out,
			"  caps      %" PRIu64 " agents refused at the cap, %" PRIu64
			" DNS answers not cached\n",
			as->agents_capped, as->dns_cache_evictions);
	fprintf(out, "  output    %" PRIu64 " events\n", as->events);
	if (ps->inputs_failed)
		fprintf(out, "  inputs    %" PRIu64 " capture file(s) could not be read\n",
			ps->inputs_failed);
	double mbps = ps->wall_s > 0 ? (double)ps->frame_bytes * 8 / ps->wall_s / 1e6 : 0;
	fprintf(out, "  time      %.2f s, %.0f packets/s, %.0f Mbit/s\n", ps->wall_s,
		ps->wall_s > 0 ? (double)ps->frames / ps->wall_s : 0.0, mbps);
}
