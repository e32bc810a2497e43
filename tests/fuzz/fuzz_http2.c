/* fuzz_http2.c — libFuzzer target for the HTTP/2 layer: frames, padding,
 * CONTINUATION, HPACK input to libnghttp2's inflater, streams, and the
 * message builder behind it; the input format is http_input.h's. */
#include "http_input.h"

extern const struct dissector dissector_http2;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_http_layer(&dissector_http2, data, size);
}
