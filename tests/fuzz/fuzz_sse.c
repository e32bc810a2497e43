/* fuzz_sse.c — libFuzzer target for the text/event-stream parser: the input
 * is fed whole, then again cut at a point taken from its first byte, and
 * both runs must dispatch the same events. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cursor.h"
#include "dissector.h"
#include "sse.h"


struct digest {
	uint64_t h, n;
};

static void on_event(void *user, struct sv event, struct sv data)
{
	struct digest *d = user;
	struct cur c = cur_make(data.p, data.len);
	uint8_t b;
	d->n++;
	d->h = d->h * 31 + event.len;
	while (cur_get_u8(&c, &b))
		d->h = d->h * 131 + b;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cur c = cur_make(data, size);
	uint8_t cut = 0;
	if (!cur_get_u8(&c, &cut))
		return 0;
	const uint8_t *p = cur_data(&c);
	size_t n = cur_len(&c), at = n ? cut % (n + 1) : 0;
	struct sse_parser a, b;
	struct digest da = {0, 0}, db = {0, 0};
	sse_init(&a, 256); /* a small cap so the fuzzer reaches it */
	sse_init(&b, 256);
	(void)!sse_feed(&a, p, n, on_event, &da);
	(void)!sse_feed(&b, p, at, on_event, &db);
	(void)!sse_feed(&b, p + at, n - at, on_event, &db);
	if (da.h != db.h || da.n != db.n || a.dropped != b.dropped)
		__builtin_trap();
	sse_free(&a);
	sse_free(&b);
	return 0;
}
