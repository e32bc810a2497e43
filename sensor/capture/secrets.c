/* secrets.c — the Decryption Secrets Blocks of a pcapng stream (see
 * secrets.h). Only block headers are kept, except the secrets' own. */
#include "secrets.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

void pcapng_scan_init(struct pcapng_scan *s, const struct capture_secrets *to, const char *path)
{
	memset(s, 0, sizeof *s);
	s->to = *to;
	s->path = path;
	s->state = SCAN_START;
}

static void drop_body(struct pcapng_scan *s)
{
	if (s->body) /* secrets do not linger in freed memory */
		memset(s->body, 0, s->body_need);
	free(s->body);
	s->body = NULL;
	s->body_have = s->body_need = 0;
}

static void bad(struct pcapng_scan *s)
{
	drop_body(s);
	s->state = SCAN_BAD;
	s->to.add(s->to.user, s->path, NULL, 0);
}

/* A block's header is in: its length says what follows. */
static void on_header(struct pcapng_scan *s)
{
	uint32_t type = get32(s->hdr, s->swap), len = get32(s->hdr + 4, s->swap);
	if (len < 12 || len % 4 || len < s->have) {
		bad(s);
		return;
	}
	s->have = 0;
	if (type == PCAPNG_DSB && len >= 20 && len - 12 <= AS_SECRETS_MAX_BLOCK) {
		s->body_need = len - 8; /* the body and the closing length */
		if (!(s->body = malloc(s->body_need))) {
			bad(s);
			return;
		}
		s->state = SCAN_BODY;
		return;
	}
	s->left = len - (type == PCAPNG_SHB ? 12 : 8);
	s->state = SCAN_SKIP;
}

static void on_body(struct pcapng_scan *s)
{
	uint32_t stype = get32(s->body, s->swap), slen = get32(s->body + 4, s->swap);
	if (stype == SECRETS_TLS && slen <= s->body_need - 12) {
		s->to.add(s->to.user, s->path, (const char *)s->body + 8, slen);
		s->blocks++;
	}
	drop_body(s);
	s->state = SCAN_HEADER;
}

void pcapng_scan(struct pcapng_scan *s, const uint8_t *p, size_t n)
{
	while (n && s->state != SCAN_OFF && s->state != SCAN_BAD) {
		size_t k;
		switch (s->state) {
		case SCAN_SKIP:
			k = n < s->left ? n : (size_t)s->left;
			s->left -= k;
			if (!s->left)
				s->state = SCAN_HEADER;
			break;
		case SCAN_BODY:
			k = n < s->body_need - s->body_have ? n : s->body_need - s->body_have;
			memcpy(s->body + s->body_have, p, k);
			s->body_have += k;
			if (s->body_have == s->body_need)
				on_body(s);
			break;
		default: { /* SCAN_START, SCAN_HEADER: type, length, and a section's magic */
			bool shb = s->have >= 4 && get32(s->hdr, false) == PCAPNG_SHB;
			size_t need = s->have < 4 ? 4 : shb ? 12 : 8;
			k = need - s->have < n ? need - s->have : n;
			memcpy(s->hdr + s->have, p, k);
			s->have += k;
			if (s->have < need)
				break;
			if (s->have == 4) {
				if (s->state == SCAN_START && get32(s->hdr, false) != PCAPNG_SHB)
					s->state = SCAN_OFF; /* a classic pcap: no blocks */
				break;
			}
			if (get32(s->hdr, false) == PCAPNG_SHB) { /* its magic sets the section's order */
				uint32_t bom = get32(s->hdr + 8, false);
				if (bom != PCAPNG_BOM && __builtin_bswap32(bom) != PCAPNG_BOM) {
					bad(s);
					break;
				}
				s->swap = bom != PCAPNG_BOM;
			}
			s->state = SCAN_HEADER;
			on_header(s);
			break;
		}
		}
		p += k;
		n -= k;
	}
}

int pcapng_scan_end(struct pcapng_scan *s)
{
	bool cut = s->state == SCAN_BODY || s->state == SCAN_SKIP || (s->state == SCAN_HEADER && s->have);
	if (cut)
		bad(s);
	drop_body(s);
	return s->state == SCAN_BAD ? AS_ERR_MALFORMED : AS_OK;
}

int capture_file_secrets(const char *path, const struct capture_secrets *to)
{
	struct stat st;
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	struct pcapng_scan s;
	pcapng_scan_init(&s, to, path);
	uint8_t buf[65536];
	ssize_t n;
	while (s.state != SCAN_OFF && s.state != SCAN_BAD && (n = read(fd, buf, sizeof buf)) > 0)
		pcapng_scan(&s, buf, (size_t)n);
	close(fd);
	unsigned blocks = s.blocks;
	return pcapng_scan_end(&s) < 0 ? AS_ERR_MALFORMED : (int)blocks;
}
