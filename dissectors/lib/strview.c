/* strview.c — string view helpers for text protocols. */
#include "strview.h"

#include <ctype.h>
#include <string.h>

struct sv sv_make(const void *p, size_t len)
{
	struct sv s = {(const char *)p, len};
	return s;
}

struct sv sv_from_cstr(const char *s) { return sv_make(s, s ? strlen(s) : 0); }

static char lower(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c; }

bool sv_eq(struct sv a, struct sv b) { return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0); }

bool sv_eq_ci(struct sv a, struct sv b)
{
	if (a.len != b.len)
		return false;
	for (size_t i = 0; i < a.len; i++)
		if (lower(a.p[i]) != lower(b.p[i]))
			return false;
	return true;
}

bool sv_starts_with(struct sv s, struct sv prefix)
{
	return s.len >= prefix.len && sv_eq(sv_make(s.p, prefix.len), prefix);
}

bool sv_starts_with_ci(struct sv s, struct sv prefix)
{
	return s.len >= prefix.len && sv_eq_ci(sv_make(s.p, prefix.len), prefix);
}

bool sv_ends_with(struct sv s, struct sv suffix)
{
	return s.len >= suffix.len && sv_eq(sv_make(s.p + s.len - suffix.len, suffix.len), suffix);
}

/* Bodies are searched for keys on every message: memmem, not a compare at
 * every offset. */
long sv_find(struct sv s, struct sv needle)
{
	if (needle.len == 0)
		return 0;
	const char *q = needle.len <= s.len ? memmem(s.p, s.len, needle.p, needle.len) : NULL;
	return q ? (long)(q - s.p) : -1;
}

/* Case-insensitive: candidates are the offsets holding the needle's first
 * byte in either case. */
long sv_find_ci(struct sv s, struct sv needle)
{
	if (needle.len == 0)
		return 0;
	if (needle.len > s.len)
		return -1;
	char lo = (char)tolower((unsigned char)needle.p[0]), up = (char)toupper((unsigned char)needle.p[0]);
	for (size_t i = 0; i + needle.len <= s.len; i++) {
		if (s.p[i] != lo && s.p[i] != up)
			continue;
		if (sv_eq_ci(sv_make(s.p + i, needle.len), needle))
			return (long)i;
	}
	return -1;
}

long sv_find_char(struct sv s, char ch)
{
	const char *q = s.len ? memchr(s.p, ch, s.len) : NULL;
	return q ? (long)(q - s.p) : -1;
}

struct sv sv_trim(struct sv s)
{
	while (s.len && (s.p[0] == ' ' || s.p[0] == '\t' || s.p[0] == '\r' || s.p[0] == '\n')) {
		s.p++;
		s.len--;
	}
	while (s.len && (s.p[s.len - 1] == ' ' || s.p[s.len - 1] == '\t' || s.p[s.len - 1] == '\r' ||
			 s.p[s.len - 1] == '\n'))
		s.len--;
	return s;
}

struct sv sv_split(struct sv *s, char sep)
{
	long i = sv_find_char(*s, sep);
	struct sv head;
	if (i < 0) {
		head = *s;
		*s = sv_make(s->p + s->len, 0);
		return head;
	}
	head = sv_make(s->p, (size_t)i);
	*s = sv_make(s->p + i + 1, s->len - (size_t)i - 1);
	return head;
}

struct sv sv_sub(struct sv s, size_t off, size_t len)
{
	if (off > s.len)
		return sv_make(s.p + s.len, 0);
	if (len > s.len - off)
		len = s.len - off;
	return sv_make(s.p + off, len);
}

bool sv_to_u64(struct sv s, uint64_t *out)
{
	if (s.len == 0 || s.len > 19)
		return false;
	uint64_t v = 0;
	for (size_t i = 0; i < s.len; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s.p[i] - '0');
	}
	*out = v;
	return true;
}

bool sv_hex_to_u64(struct sv s, uint64_t *out)
{
	if (s.len == 0 || s.len > 15)
		return false;
	uint64_t v = 0;
	for (size_t i = 0; i < s.len; i++) {
		char c = lower(s.p[i]);
		int d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else
			return false;
		v = (v << 4) | (uint64_t)d;
	}
	*out = v;
	return true;
}

bool sv_copy(char *dst, size_t dstsz, struct sv s)
{
	if (dstsz == 0)
		return s.len == 0;
	size_t n = s.len < dstsz - 1 ? s.len : dstsz - 1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s.p[i];
		dst[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	dst[n] = '\0';
	return n == s.len;
}

bool sv_copy_lower(char *dst, size_t dstsz, struct sv s)
{
	bool fit = sv_copy(dst, dstsz, s);
	for (; dstsz && *dst; dst++)
		*dst = lower(*dst);
	return fit;
}

void sv_append(char *dst, size_t dstsz, size_t *pos, struct sv s)
{
	if (*pos + 1 >= dstsz)
		return;
	size_t room = dstsz - 1 - *pos;
	sv_copy(dst + *pos, room + 1, sv_sub(s, 0, room));
	*pos += s.len < room ? s.len : room;
}

static bool is_b64url_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_' ||
	       c == '=';
}

bool sv_looks_like_jwt(struct sv s)
{
	if (!sv_starts_with(s, SV_LIT("eyJ")))
		return false;
	unsigned dots = 0;
	size_t part = 0;
	for (size_t i = 0; i < s.len; i++) {
		if (s.p[i] == '.') {
			if (part == 0)
				return false;
			dots++;
			part = 0;
		} else if (is_b64url_char(s.p[i])) {
			part++;
		} else {
			return false;
		}
	}
	return dots == 2 && part > 0;
}
