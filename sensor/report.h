/* report.h — end-of-run outputs: the agent table for people, the inventory
 * JSON for the registry, and the run statistics. */
#ifndef AS_REPORT_H
#define AS_REPORT_H

#include <stdio.h>

#include "agents.h"
#include "jsonw.h"
#include "pipeline.h"

struct report_meta {
	const char *sensor_name;
	char **inputs;
	size_t n_inputs;
	size_t n_services; /* signature services loaded */
};

/* The inventory document: {"sensor": {...}, "agents": [...]}. */
void report_inventory(struct agents *a, const struct pipeline_stats *ps, const struct report_meta *meta,
		      struct jw *w);
/* Agent table answering where / what it connects to / what it can do. */
void report_table(struct agents *a, FILE *out);
/* End-of-run statistics, counted by reason. */
void report_stats(struct agents *a, const struct pipeline_stats *ps, FILE *out);

#endif
