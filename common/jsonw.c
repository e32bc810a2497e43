/* jsonw.c — JSON writer (see jsonw.h). */
#include "jsonw.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "text.h"

void jw_init(struct jw *w, bool pretty)
{
	memset(w, 0, sizeof *w);
	w->pretty = pretty;
	w->first[0] = true;
}

void jw_free(struct jw *w)
{
	free(w->buf);
	w->buf = NULL;
	w->len = w->cap = 0;
}

void jw_reset(struct jw *w)
{
	bool pretty = w->pretty;
	char *buf = w->buf;
	size_t cap = w->cap;
	uint64_t replaced = w->replaced;
	memset(w, 0, sizeof *w);
	w->buf = buf;
	w->cap = cap;
	w->pretty = pretty;
	w->replaced = replaced;
	w->first[0] = true;
	if (buf)
		buf[0] = '\0';
}

static void put(struct jw *w, const char *s, size_t n)
{
	if (w->oom)
		return;
	if (!text_reserve(&w->buf, &w->cap, w->len + n + 1, 1024)) {
		w->oom = true;
		return;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

static void puts_(struct jw *w, const char *s)
{
	put(w, s, strlen(s));
}

static void indent(struct jw *w)
{
	if (!w->pretty)
		return;
	put(w, "\n", 1);
	for (int i = 0; i < w->depth; i++)
		put(w, "  ", 2);
}

/* A JSON string: control characters escaped, and bytes that are not UTF-8
 * (a header from the wire may hold anything) written as U+FFFD, so every
 * document stays valid JSON for its readers. */
static void escaped(struct jw *w, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	put(w, "\"", 1);
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x80) {
			size_t len = text_utf8_len((const unsigned char *)s + i, n - i);
			if (len) {
				i += len - 1;
				continue;
			}
			put(w, s + run, i - run);
			run = i + 1;
			put(w, "\\ufffd", 6);
			w->replaced++;
			continue;
		}
		if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f)
			continue;
		put(w, s + run, i - run);
		run = i + 1;
		char e[7] = {'\\', 0, 0, 0, 0, 0, 0};
		switch (c) {
		case '"':
			e[1] = '"';
			put(w, e, 2);
			break;
		case '\\':
			e[1] = '\\';
			put(w, e, 2);
			break;
		case '\n':
			e[1] = 'n';
			put(w, e, 2);
			break;
		case '\r':
			e[1] = 'r';
			put(w, e, 2);
			break;
		case '\t':
			e[1] = 't';
			put(w, e, 2);
			break;
		default:
			e[1] = 'u';
			e[2] = '0';
			e[3] = '0';
			e[4] = hex[c >> 4];
			e[5] = hex[c & 15];
			put(w, e, 6);
		}
	}
	put(w, s + run, n - run);
	put(w, "\"", 1);
}

static void key_(struct jw *w, const char *key)
{
	if (!w->first[w->depth])
		put(w, ",", 1);
	w->first[w->depth] = false;
	if (w->depth > 0)
		indent(w);
	if (key) {
		escaped(w, key, strlen(key));
		put(w, w->pretty ? ": " : ":", w->pretty ? 2 : 1);
	}
}

static void open_(struct jw *w, const char *key, const char *bracket)
{
	key_(w, key);
	puts_(w, bracket);
	if (w->depth + 1 < JW_MAX_DEPTH)
		w->depth++;
	w->first[w->depth] = true;
}

static void close_(struct jw *w, const char *bracket)
{
	bool empty = w->first[w->depth];
	if (w->depth > 0)
		w->depth--;
	if (!empty)
		indent(w);
	puts_(w, bracket);
}

void jw_newline(struct jw *w)
{
	put(w, "\n", 1);
}

void jw_obj_begin(struct jw *w, const char *key)
{
	open_(w, key, "{");
}
void jw_obj_end(struct jw *w)
{
	close_(w, "}");
}
void jw_arr_begin(struct jw *w, const char *key)
{
	open_(w, key, "[");
}
void jw_arr_end(struct jw *w)
{
	close_(w, "]");
}

void jw_strn(struct jw *w, const char *key, const char *val, size_t n)
{
	key_(w, key);
	escaped(w, val, n);
}

void jw_str(struct jw *w, const char *key, const char *val)
{
	jw_strn(w, key, val ? val : "", val ? strlen(val) : 0);
}

void jw_str_opt(struct jw *w, const char *key, const char *val)
{
	if (val && *val)
		jw_str(w, key, val);
}

void jw_raw(struct jw *w, const char *key, const char *json, size_t n)
{
	key_(w, key);
	put(w, json, n);
}

void jw_u64(struct jw *w, const char *key, uint64_t v)
{
	char b[24];
	int n = snprintf(b, sizeof b, "%" PRIu64, v);
	key_(w, key);
	put(w, b, (size_t)n);
}

void jw_bool(struct jw *w, const char *key, bool v)
{
	key_(w, key);
	puts_(w, v ? "true" : "false");
}

void jw_null(struct jw *w, const char *key)
{
	key_(w, key);
	puts_(w, "null");
}

void as_format_time(uint64_t us, char out[32])
{
	time_t s = (time_t)(us / 1000000);
	struct tm tm;
	gmtime_r(&s, &tm);
	size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, 32 - n, ".%03uZ", (unsigned)((us / 1000) % 1000));
}

void jw_time(struct jw *w, const char *key, uint64_t us)
{
	char t[32];
	as_format_time(us, t);
	jw_str(w, key, t);
}
