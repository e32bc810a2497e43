/* report.h — what people read at the end of a run: the agent table and
 * the run statistics (the inventory document is agents_inventory). */
#ifndef AS_REPORT_H
#define AS_REPORT_H

#include <stdio.h>

#include "agents.h"
#include "pipeline.h"

/* Figures of the service around the pipeline. */
struct run_facts {
	uint64_t reloads; /* SIGHUP reloads applied */
	uint64_t reloads_refused;
};

/* Agent table answering where / what it connects to / what it can do. */
void report_table(struct agents *a, FILE *out);
/* End-of-run statistics, counted by reason. */
void report_stats(struct agents *a, const struct pipeline_stats *ps, const struct run_facts *rf, FILE *out);

#endif
