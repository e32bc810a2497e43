/* html.c — the page buffer and the one escaping function (html.h). */
#include "html.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

void html_init(struct html *h)
{
	memset(h, 0, sizeof *h);
}

void html_free(struct html *h)
{
	free(h->buf);
	html_init(h);
}

static bool room(struct html *h, size_t n)
{
	if (h->oom)
		return false;
	if (!text_reserve(&h->buf, &h->cap, h->len + n + 1, 65536))
		h->oom = true;
	return !h->oom;
}

static void put(struct html *h, const char *s, size_t n)
{
	if (!room(h, n))
		return;
	memcpy(h->buf + h->len, s, n);
	h->len += n;
	h->buf[h->len] = '\0';
}

void html_raw(struct html *h, const char *s)
{
	put(h, s, strlen(s));
}

void html_fmt(struct html *h, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !room(h, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(h->buf + h->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	h->len += (size_t)n;
}

void html_esc(struct html *h, const char *s)
{
	static const char fffd[] = "\xef\xbf\xbd";
	if (!s)
		return;
	const unsigned char *p = (const unsigned char *)s, *run = p, *end = p + strlen(s);
	while (*p) {
		const char *rep = NULL;
		size_t skip = 1;
		switch (*p) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default:
			if (*p < 0x80) {
				if ((*p < 0x20 && *p != '\t' && *p != '\n') || *p == 0x7f)
					rep = fffd;
			} else if (!(skip = text_utf8_len(p, (size_t)(end - p)))) {
				rep = fffd;
				skip = 1;
			}
		}
		if (!rep) {
			p += skip;
			continue;
		}
		put(h, (const char *)run, (size_t)(p - run));
		html_raw(h, rep);
		p += skip;
		run = p;
	}
	put(h, (const char *)run, (size_t)(p - run));
}
