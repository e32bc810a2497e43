/* report.c — agent table, inventory document and run statistics. */
#include "report.h"

#include <inttypes.h>
#include <stdlib.h>

#include "table.h"
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

void report_table(struct agents *a, FILE *out)
{
	const struct agent **list;
	size_t n = agents_list(a, &list);
	fprintf(out, "\n%zu AI agent%s found\n", n, n == 1 ? "" : "s");
	json_t **recs = calloc(n + 1, sizeof *recs);
	size_t k = 0;
	for (size_t i = 0; recs && i < n; i++) {
		struct jw w;
		jw_init(&w, false);
		agent_json(list[i], &w);
		if (!w.oom && (recs[k] = json_loadb(w.buf, w.len, 0, NULL)))
			k++;
		jw_free(&w);
	}
	table_print(out, recs, k);
	for (size_t i = 0; i < k; i++)
		json_decref(recs[i]);
	free(recs);
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
		fprintf(out,
			"  capture   %" PRIu64 " received, %" PRIu64 " dropped by the kernel ring, %" PRIu64
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
