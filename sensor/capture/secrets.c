/* secrets.c — the Decryption Secrets Blocks of a pcapng file (see
 * secrets.h). Only block headers are read, except the secrets' own. */
#include "secrets.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "limits.h"

#define PCAPNG_SHB 0x0A0D0D0Au
#define PCAPNG_DSB 0x0000000Au
#define PCAPNG_BOM 0x1A2B3C4Du
#define SECRETS_TLS 0x544c534bu /* "TLSK": an NSS key log */

static uint32_t get32(const uint8_t *p, bool swap)
{
	uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
	return swap ? __builtin_bswap32(v) : v;
}

int capture_file_secrets(const char *path, void (*add)(void *user, const char *text, size_t len), void *user,
			 char *err, size_t errsz)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return AS_ERR_IO;
	}
	uint8_t h[12];
	int found = 0, r = AS_OK;
	bool swap = false, first = true;
	/* Each block: type, total length, body, total length again. */
	while (fread(h, 1, 8, f) == 8) {
		uint32_t type = get32(h, false);
		if (first && type != PCAPNG_SHB)
			break; /* a classic pcap: no blocks */
		first = false;
		if (type == PCAPNG_SHB) { /* its byte-order magic sets the section's order */
			if (fread(h + 8, 1, 4, f) != 4) {
				r = AS_ERR_MALFORMED;
				break;
			}
			uint32_t bom = get32(h + 8, false);
			if (bom != PCAPNG_BOM && __builtin_bswap32(bom) != PCAPNG_BOM) {
				r = AS_ERR_MALFORMED;
				break;
			}
			swap = bom != PCAPNG_BOM;
			if (fseek(f, -4, SEEK_CUR) != 0) {
				r = AS_ERR_IO;
				break;
			}
		} else {
			type = get32(h, swap);
		}
		uint32_t len = get32(h + 4, swap);
		if (len < 12 || len % 4) {
			r = AS_ERR_MALFORMED;
			break;
		}
		if (type == PCAPNG_DSB && len >= 20 && len - 12 <= AS_SECRETS_MAX_BLOCK) {
			uint8_t *body = malloc(len - 8);
			if (!body) {
				r = AS_ERR_NOMEM;
				break;
			}
			if (fread(body, 1, len - 8, f) != len - 8) {
				free(body);
				r = AS_ERR_MALFORMED;
				break;
			}
			uint32_t stype = get32(body, swap), slen = get32(body + 4, swap);
			if (stype == SECRETS_TLS && slen <= len - 20) {
				add(user, (const char *)body + 8, slen);
				found++;
			}
			memset(body, 0, len - 8); /* secrets do not linger in freed memory */
			free(body);
			continue;
		}
		if (fseek(f, (long)len - 8, SEEK_CUR) != 0) {
			r = AS_ERR_MALFORMED;
			break;
		}
	}
	bool bad = ferror(f);
	fclose(f);
	if (r == AS_OK && bad)
		r = AS_ERR_IO;
	if (r < 0) {
		snprintf(err, errsz, "%s: %s", path,
			 r == AS_ERR_IO	     ? "read error"
			 : r == AS_ERR_NOMEM ? "out of memory"
					     : "malformed pcapng block");
		return r;
	}
	return found;
}
