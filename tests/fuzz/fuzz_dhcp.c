/* fuzz_dhcp.c — libFuzzer target for the DHCPv4 and DHCPv6 dissectors.
 * Input: a mode byte (bit 0: DHCPv6 instead of v4), then one datagram. Both
 * probes run on it; every observation is checked (fuzz_common_obs.h). */
#include "cursor.h"
#include "fuzz_common_obs.h"

extern const struct dissector dissector_dhcp;
extern const struct dissector dissector_dhcp6;

/* What the flow would tell the dissector (its ports play no part here). */
static const struct layer_open fuzz_open = {.transport = TRANSPORT_UDP};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(void *user, const struct observation *o)
{
	(void)user;
	fz_check_obs(o, "dhcp");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cur in = cur_make(data, size);
	uint8_t mode;
	if (!cur_get_u8(&in, &mode))
		return 0;
	const struct dissector *d = (mode & 1) ? &dissector_dhcp6 : &dissector_dhcp;
	struct dissect_probe pr = {.transport = TRANSPORT_UDP,
				   .client_port = (mode & 1) ? 546 : 68,
				   .server_port = (mode & 1) ? 547 : 67,
				   .data = cur_data(&in),
				   .len = cur_len(&in)};
	(void)d->probe(&pr);
	struct dissect_ctx ctx = {.ts_us = 1, .emit = check};
	void *st = d->state_new(&fuzz_open);
	if (d->parse(st, (mode & 2) ? DIR_TO_CLIENT : DIR_TO_SERVER, cur_data(&in), cur_len(&in), &ctx) !=
	    DISSECT_MORE)
		abort();
	d->state_free(st);
	return 0;
}
