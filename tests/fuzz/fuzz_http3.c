/* fuzz_http3.c — libFuzzer target for QUIC stream reassembly and the
 * HTTP/3 layer above it: STREAM frames at any offset, retransmitted,
 * reordered or past the end; frames on request streams, unidirectional
 * stream types, QPACK input to libnghttp3's decoder (header sections and
 * encoder streams, blocked sections), and the message builder behind it.
 * The input is records (records.h), each a STREAM frame: the record's
 * first byte is the stream id, the next two its offset (big-endian), the
 * rest its bytes; REC_END sets FIN, REC_GAP loses the stream. */
#include <stddef.h>
#include <stdint.h>

#include "http3.h"
#include "quic_streams.h"
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

static void on_data(void *h3, uint64_t id, enum dissect_dir dir, const uint8_t *p, size_t n, bool fin,
		    const struct dissect_ctx *ctx)
{
	h3_stream(h3, id, dir, p, n, fin, ctx);
}

static void on_lost(void *h3, uint64_t id, enum dissect_dir dir, const struct dissect_ctx *ctx)
{
	h3_stream_lost(h3, id, dir, ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t salt[] = "fuzz";
	static const struct dissect_env env = {.salt = salt, .salt_len = 4};
	struct dissect_ctx ctx = {.ts_us = 1, .env = &env, .protected_bytes = true, .emit = on_obs};
	struct h3_conn *h = h3_new();
	struct quic_streams *qs = h ? quic_streams_new(on_data, on_lost, h) : NULL;
	if (!qs) {
		h3_free(h);
		return 0;
	}
	struct cur c = cur_make(data, size), rec;
	uint8_t fl, id;
	uint16_t off;
	while (fuzz_record(&c, &fl, &rec)) {
		if (!cur_get_u8(&rec, &id) || !cur_get_u16(&rec, &off))
			continue;
		enum dissect_dir dir = (fl & REC_TO_CLIENT) ? DIR_TO_CLIENT : DIR_TO_SERVER;
		if (fl & REC_GAP)
			h3_stream_lost(h, id, dir, &ctx);
		else
			quic_streams_frame(qs, id, dir, off, cur_data(&rec), cur_len(&rec), fl & REC_END, &ctx);
	}
	h3_end(h, &ctx);
	quic_streams_free(qs);
	h3_free(h);
	return 0;
}
