/* fuzz_http1.c — libFuzzer target for the HTTP/1 dissector, the message
 * builder and analyzers behind it, and the layers it opens above itself
 * (websocket); the input format is http_input.h's. */
#include "http_input.h"

extern const struct dissector dissector_http1;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_http_layer(&dissector_http1, data, size);
}
