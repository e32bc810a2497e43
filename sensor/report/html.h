/* html.h — an HTML page built in memory: markup is written as given, and
 * every string that comes from data goes through the one escaping
 * function, html_esc, whether it lands in text or in an attribute value. */
#ifndef AS_HTML_H
#define AS_HTML_H

#include <stdbool.h>
#include <stddef.h>

struct html {
	char *buf;
	size_t len, cap;
	bool oom; /* an allocation failed: the page is incomplete */
};

void html_init(struct html *h);
void html_free(struct html *h);
/* Markup: string literals of the renderer, never data. */
void html_raw(struct html *h, const char *s);
/* Markup with numbers (printf); a %s takes only literals of the renderer. */
void html_fmt(struct html *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Data: & < > " ' become character references (safe in text and in quoted
 * attribute values); control characters and bytes that are not UTF-8
 * become U+FFFD. NULL writes nothing. */
void html_esc(struct html *h, const char *s);

#endif
