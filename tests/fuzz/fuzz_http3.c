/* fuzz_http3.c — libFuzzer target for the HTTP/3 layer: frames on request
 * streams, unidirectional stream types, QPACK input to libnghttp3's
 * decoder (header sections and encoder streams, blocked sections), and the
 * message builder behind it. The input is records (records.h): each
 * record's first byte names the QUIC stream (its id), the rest is that
 * stream's next bytes; REC_END ends the stream, REC_GAP loses it. */
#include <stddef.h>
#include <stdint.h>

#include "http3.h"
#include "records.h"

static void on_obs(void *user, const struct observation *o)
{
	(void)user;
	volatile uint8_t acc = 0; /* touch every byte: ASan checks the observation */
	const uint8_t *p = (const uint8_t *)o;
	for (size_t i = 0; i < sizeof *o; i++)
		acc ^= p[i];
	(void)acc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t salt[] = "fuzz";
	static const struct dissect_env env = {.salt = salt, .salt_len = 4};
	struct dissect_ctx ctx = {.ts_us = 1, .env = &env, .protected_bytes = true, .emit = on_obs};
	struct h3_conn *h = h3_new();
	if (!h)
		return 0;
	struct cur c = cur_make(data, size), rec;
	uint8_t fl, id;
	while (fuzz_record(&c, &fl, &rec)) {
		if (!cur_get_u8(&rec, &id))
			continue;
		enum dissect_dir dir = (fl & REC_TO_CLIENT) ? DIR_TO_CLIENT : DIR_TO_SERVER;
		if (fl & REC_GAP)
			h3_stream_lost(h, id, dir, &ctx);
		else
			h3_stream(h, id, dir, cur_data(&rec), cur_len(&rec), fl & REC_END, &ctx);
	}
	h3_end(h, &ctx);
	h3_free(h);
	return 0;
}
