/* fuzz_flow.c — libFuzzer target for the flow layer: packets -> flow table
 * -> TCP reassembly -> dissectors, as a worker runs them. The input: the
 * records of flow_input.h. The table (and nDPI's detection module, slow to
 * build) lives across inputs; every input ends with all flows flushed, so
 * each starts from an empty table. Seeds are the bundled captures converted by
 * make_flow_seeds.py; regress-* inputs are bugs found here. */
#include <stdlib.h>
#include <string.h>

#include "flow_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t messages;

/* A message must be one the aggregator knows, of a size that holds it. */
static void emit(void *user, const struct msg_hdr *m, size_t len)
{
	(void)user;
	if (m->type < MSG_TICK || m->type > MSG_FLOW_UPDATE || len < sizeof *m)
		abort();
	messages++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct flow_table *ft;
	if (!ft)
		ft = flow_input_table(emit);
	flow_input_run(ft, data, size);
	if (flow_count(ft) != 0)
		abort();
	return 0;
}
