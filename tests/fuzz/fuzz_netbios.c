/* fuzz_netbios.c — libFuzzer target for the NetBIOS Name Service dissector:
 * the input is one datagram; the probe runs on it too; every observation is
 * checked (fuzz_common_obs.h). */
#include "fuzz_common_obs.h"

extern const struct dissector dissector_nbns;

/* What the flow would tell the dissector (its ports play no part here). */
static const struct layer_open fuzz_open = {.transport = TRANSPORT_UDP};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(void *user, const struct observation *o)
{
	(void)user;
	fz_check_obs(o, "nbns");
	if (o->type != OBS_ANOMALY &&
	    (o->type != OBS_HOST_NAME || o->u.host_name.source != HOST_NAME_NETBIOS))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dissect_probe pr = {
	    .transport = TRANSPORT_UDP, .client_port = 137, .server_port = 137, .data = data, .len = size};
	(void)dissector_nbns.probe(&pr);
	struct dissect_ctx ctx = {.ts_us = 1, .emit = check};
	void *st = dissector_nbns.state_new(&fuzz_open);
	if (dissector_nbns.parse(st, DIR_TO_SERVER, data, size, &ctx) != DISSECT_MORE)
		abort();
	dissector_nbns.state_free(st);
	return 0;
}
