/* fuzz_redis_contrib.c — contribution validation and flattening into the
 * upsert script's arguments (the contract of exporter/README.md). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "redis_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	struct redis_args a = {0};
	int v = redis_args_agent((const char *)data, size, "p:", "", 60, NULL, err, sizeof err);
	int r = redis_args_agent((const char *)data, size, "p:", "0123", 60, &a, err, sizeof err);
	if ((v == AS_OK) != (r == AS_OK))
		abort(); /* validation alone and the full build must agree */
	if (r == AS_OK) {
		if (a.n < 16 || strcmp(a.v[0], "EVALSHA") != 0)
			abort();
		/* groups after the header: op field type value | union field n v1..vn */
		size_t i = 16;
		while (i < a.n) {
			if (!strcmp(a.v[i], "union")) {
				size_t n = strtoul(a.v[i + 2], NULL, 10);
				i += 3 + n;
			} else {
				i += 4;
			}
		}
		if (i != a.n)
			abort();
		redis_args_free(&a);
	}
	return 0;
}
