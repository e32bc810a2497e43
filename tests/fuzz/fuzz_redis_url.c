/* fuzz_redis_url.c — the Redis URL parser: never crashes, and a parsed
 * URL's redacted form never holds its password. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "redis.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char url[2 * REDIS_URL_MAX];
	if (size >= sizeof url)
		size = sizeof url - 1;
	memcpy(url, data, size);
	url[size] = '\0';
	struct redis_url u;
	char err[512];
	if (redis_url_parse(url, &u, err, sizeof err) == AS_OK) {
		/* the redacted URL is made of the other parts only: no room for
		 * the password (a plain substring test would trip over passwords
		 * that happen to look like the scheme or the host) */
		size_t room = strlen("redis://") + strlen(u.user) + strlen(":***@") + strlen(u.host) + 2 +
			      strlen(":65535") + strlen("?db=1000000") + strlen(u.path);
		if (u.sentinel) {
			room += strlen("-sentinel/") + strlen(u.master) + strlen("&sentinel_user=") +
				strlen(u.sentinel_user) + strlen("&sentinel_password=***");
			for (size_t i = 0; i < u.n_sentinels; i++)
				room += strlen(u.sentinels[i].host) + 2 + strlen(",:65535");
		}
		if (u.sentinel_pass[0] && !strstr(u.redacted, "sentinel_password=***"))
			abort();
		if (strlen(u.redacted) > room || (u.pass[0] && !strstr(u.redacted, ":***@")))
			abort();
		if (u.port < 1 || u.port > 65535)
			abort();
	}
	return 0;
}
