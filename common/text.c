/* text.c — see text.h. */
#include "text.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Not inline: callers cut values on purpose, and the compiler would warn
 * about every truncation it could prove. */
void text_copy(char *dst, size_t n, const char *src)
{
	if (!n)
		return;
	size_t len = src ? strnlen(src, n - 1) : 0; /* no printf: it is on hot paths */
	memmove(dst, src ? src : "", len);
	dst[len] = '\0';
}

/* 4 or 6 with the address in out, or 0 when s is not an address. */
static int parse_ip(const char *s, uint8_t out[16])
{
	memset(out, 0, 16);
	if (inet_pton(AF_INET, s, out) == 1)
		return 4;
	if (inet_pton(AF_INET6, s, out) == 1)
		return 6;
	return 0;
}

int text_ip_cmp(const char *x, const char *y)
{
	uint8_t a[16], b[16];
	int fa = parse_ip(x, a), fb = parse_ip(y, b);
	if (fa != fb)
		return (fa ? fa : 99) - (fb ? fb : 99);
	return fa ? memcmp(a, b, 16) : strcmp(x, y);
}

size_t text_utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
	if (!len || len > n || c > 0xf4)
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f) || (c == 0xf0 && s[1] < 0x90) ||
	    (c == 0xf4 && s[1] > 0x8f))
		return 0;
	return len;
}

bool text_reserve(char **buf, size_t *cap, size_t need, size_t first_cap)
{
	if (need <= *cap)
		return true;
	size_t nc = *cap ? *cap : first_cap;
	while (nc < need)
		nc *= 2;
	char *nb = realloc(*buf, nc);
	if (!nb)
		return false;
	*buf = nb;
	*cap = nc;
	return true;
}
