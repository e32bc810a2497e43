/* report.c — the agent table and the run statistics for people. */
#include "report.h"

#include <inttypes.h>
#include <stdlib.h>

#include <string.h>

#include "table.h"

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

void report_stats(struct agents *a, const struct pipeline_stats *ps, const struct run_facts *rf, FILE *out)
{
	const struct agents_stats *as = agents_stats(a);
	const struct worker_stats *ws = &as->workers;
	const struct decode_counts *pk = &ps->pk;
	uint64_t malformed = decode_malformed(pk);
	fprintf(out, "\nStatistics\n");
	if (ps->kernel_received || ps->kernel_dropped)
		fprintf(out,
			"  capture   %" PRIu64 " received, %" PRIu64 " dropped by the kernel ring, %" PRIu64
			" dropped by the interface\n",
			ps->kernel_received, ps->kernel_dropped, ps->iface_dropped);
	fprintf(out,
		"  packets   %" PRIu64 " read, %" PRIu64 " TCP/UDP, %" PRIu64
		" other (not TCP/UDP over IP), %" PRIu64 " malformed\n",
		pk->frames, pk->decoded, pk->skipped, malformed);
	for (int r = 1; r < DEC_REASON_COUNT; r++)
		if (pk->errors[r])
			fprintf(out, "            %-22s %" PRIu64 "\n",
				decode_reason_name((enum decode_reason)r), pk->errors[r]);
	fprintf(out,
		"  flows     %" PRIu64 " (%" PRIu64 " closed, %" PRIu64 " idle, %" PRIu64
		" evicted at the flow cap, %" PRIu64 " open at the end), %" PRIu64 " dissected\n",
		ws->flows, ws->flows_closed, ws->flows_idle, ws->flows_evicted,
		ws->flows - ws->flows_closed - ws->flows_idle - ws->flows_evicted, ws->dissected_flows);
	fprintf(out,
		"  nDPI      %" PRIu64 " classified, %" PRIu64 " given up, %" PRIu64
		" named from our TLS/DNS parse\n",
		ws->ndpi_classified, ws->ndpi_giveup, ws->ndpi_named);
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
	if (as->capped || as->deltas_lost)
		fprintf(out,
			"  caps      %" PRIu64
			" entries refused at a per-agent cap (sets, destinations, tools, "
			"grants), %" PRIu64 " counter changes not sent (out of memory)\n",
			as->capped, as->deltas_lost);
	fprintf(out, "  output    %" PRIu64 " events", as->events);
	if (as->events_utf8_replaced)
		fprintf(out, " (%" PRIu64 " bytes that were not UTF-8 written as U+FFFD)", as->events_utf8_replaced);
	if (as->contributions)
		fprintf(out,
			", %" PRIu64 " registry contributions (%" PRIu64
			" windows cut by packet time, %" PRIu64 " by a pause of the input)",
			as->contributions, as->flushes, as->pauses);
	fputc('\n', out);
	if (rf->reloads || rf->reloads_refused)
		fprintf(out, "  reloads   %" PRIu64 " applied, %" PRIu64 " refused\n", rf->reloads,
			rf->reloads_refused);
	if (ps->inputs_failed)
		fprintf(out, "  inputs    %" PRIu64 " capture file(s) could not be read\n",
			ps->inputs_failed);
	double mbps = ps->wall_s > 0 ? (double)pk->frame_bytes * 8 / ps->wall_s / 1e6 : 0;
	fprintf(out, "  time      %.2f s, %.0f packets/s, %.0f Mbit/s, %u worker%s%s\n", ps->wall_s,
		ps->wall_s > 0 ? (double)pk->frames / ps->wall_s : 0.0, mbps, ps->workers,
		ps->workers == 1 ? "" : "s", ps->worker_inline ? " (one CPU: on the reading thread)" : "");
}
