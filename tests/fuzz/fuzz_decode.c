/* fuzz_decode.c — libFuzzer target for sensor/decode.c. The first input byte
 * selects the link type (modulo the table below), the rest is the frame; a
 * decoded payload and l3 view must lie inside the frame and are read in full,
 * and the tunnel record stays within its enum and the depth cap. Seeds
 * tunnel-* are the tunnel rows of tests/unit/test_decode.c (written by
 * DECODE_SEED_DIR=dir build/tests/test_decode). */
#include <stdlib.h>

#include "cursor.h"
#include "decode.h"
#include "limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int link_types[] = {1, 113, 276, 12, 14, 101, 228, 229, 0, 108, 147};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cur in = cur_make(data, size);
	uint8_t sel;
	if (!cur_get_u8(&in, &sel))
		return 0;
	int dlt = link_types[sel % (sizeof link_types / sizeof link_types[0])];
	const uint8_t *frame = cur_data(&in);
	size_t caplen = cur_len(&in);
	struct decoded d;
	enum decode_reason r = decode_packet(dlt, frame, caplen, &d);
	if ((unsigned)r >= DEC_REASON_COUNT || !decode_reason_name(r)[0])
		abort();
	if (d.tunnel >= TUN_COUNT || d.tunnels > AS_MAX_ENCAP_DEPTH || (d.tunnels == 0) != (d.tunnel == TUN_NONE))
		abort();
	if (r != DEC_OK)
		return 0;
	if (d.payload < frame || d.payload_len > caplen || d.payload + d.payload_len > frame + caplen)
		abort();
	if ((d.family != 4 && d.family != 6) || (d.l4proto != 6 && d.l4proto != 17))
		abort();
	if (d.l3 < frame || d.l3_len > caplen || d.l3 + d.l3_len > frame + caplen || d.payload < d.l3 ||
	    d.payload + d.payload_len > d.l3 + d.l3_len || (d.l3[0] >> 4) != d.family)
		abort();
	struct cur pl = cur_make(d.l3, d.l3_len);
	volatile uint8_t sum = 0;
	uint8_t b;
	while (cur_get_u8(&pl, &b))
		sum = (uint8_t)(sum + b);
	(void)sum;
	return 0;
}
