/* text.h — the string chores every layer has: a bounded copy that always
 * terminates, ASCII lower-casing (never locale-dependent: host names, MACs
 * and header names are ASCII), UTF-8 checks, and a growing buffer. */
#ifndef AS_TEXT_H
#define AS_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Copies src (NULL = "") into dst of size n, cut to fit, always terminated. */
void text_copy(char *dst, size_t n, const char *src);

static inline char text_lower_char(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c + ('a' - 'A')) : c;
}

static inline void text_lower(char *s)
{
	for (; *s; s++)
		*s = text_lower_char(*s);
}

/* Length of the well-formed UTF-8 sequence at s, of n bytes at most (RFC
 * 3629: no overlong form, no surrogate, at most U+10FFFF), or 0. The one
 * check behind every output that must stay valid text (JSON, HTML). */
size_t text_utf8_len(const unsigned char *s, size_t n);

/* Orders addresses written as text: IPv4 before IPv6, each numerically;
 * anything that is not an address (an empty host) after them, by bytes.
 * The one order of hosts in the inventory, the table and `agents`. */
int text_ip_cmp(const char *x, const char *y);

/* Makes *buf (of *cap bytes, *buf NULL at first) hold at least need
 * bytes, doubling from first_cap: the one growing buffer of the JSON
 * writer, the HTML page and the Redis exporter's packed records. false
 * when out of memory (the buffer is then as it was). */
bool text_reserve(char **buf, size_t *cap, size_t need, size_t first_cap);

#endif
