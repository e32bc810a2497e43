/* cursor.h — bounds-checked byte cursor for untrusted input (after BoringSSL CBS).
 *
 * Every read of packet bytes goes through these helpers. Readers return
 * false and leave the cursor unchanged when the input is too short;
 * length-prefixed readers hand back a sub-cursor that cannot run past its
 * field. No function here allocates. */
#ifndef AS_CURSOR_H
#define AS_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct cur {
	const uint8_t *p;
	size_t len;
};

static inline struct cur cur_make(const void *p, size_t len)
{
	struct cur c = {(const uint8_t *)p, len};
	return c;
}

static inline size_t cur_len(const struct cur *c) { return c->len; }
static inline const uint8_t *cur_data(const struct cur *c) { return c->p; }

static inline bool cur_skip(struct cur *c, size_t n)
{
	if (c->len < n)
		return false;
	c->p += n;
	c->len -= n;
	return true;
}

/* Reads n bytes as a sub-cursor. */
static inline bool cur_get_bytes(struct cur *c, struct cur *out, size_t n)
{
	if (c->len < n)
		return false;
	*out = cur_make(c->p, n);
	c->p += n;
	c->len -= n;
	return true;
}

static inline bool cur_copy(struct cur *c, void *dst, size_t n)
{
	if (c->len < n)
		return false;
	memcpy(dst, c->p, n);
	c->p += n;
	c->len -= n;
	return true;
}

static inline bool cur_peek_u8(const struct cur *c, size_t off, uint8_t *v)
{
	if (c->len <= off)
		return false;
	*v = c->p[off];
	return true;
}

static inline bool cur_get_uN(struct cur *c, size_t n, uint64_t *v)
{
	if (c->len < n)
		return false;
	uint64_t r = 0;
	for (size_t i = 0; i < n; i++)
		r = (r << 8) | c->p[i];
	*v = r;
	c->p += n;
	c->len -= n;
	return true;
}

static inline bool cur_get_u8(struct cur *c, uint8_t *v)
{
	uint64_t r;
	if (!cur_get_uN(c, 1, &r))
		return false;
	*v = (uint8_t)r;
	return true;
}

static inline bool cur_get_u16(struct cur *c, uint16_t *v)
{
	uint64_t r;
	if (!cur_get_uN(c, 2, &r))
		return false;
	*v = (uint16_t)r;
	return true;
}

static inline bool cur_get_u24(struct cur *c, uint32_t *v)
{
	uint64_t r;
	if (!cur_get_uN(c, 3, &r))
		return false;
	*v = (uint32_t)r;
	return true;
}

static inline bool cur_get_u32(struct cur *c, uint32_t *v)
{
	uint64_t r;
	if (!cur_get_uN(c, 4, &r))
		return false;
	*v = (uint32_t)r;
	return true;
}

/* Reads a field prefixed by an n-byte big-endian length. */
static inline bool cur_get_prefixed(struct cur *c, size_t n, struct cur *out)
{
	struct cur save = *c;
	uint64_t l;
	if (!cur_get_uN(c, n, &l) || !cur_get_bytes(c, out, (size_t)l)) {
		*c = save;
		return false;
	}
	return true;
}

static inline bool cur_get_u8_prefixed(struct cur *c, struct cur *out) { return cur_get_prefixed(c, 1, out); }
static inline bool cur_get_u16_prefixed(struct cur *c, struct cur *out) { return cur_get_prefixed(c, 2, out); }

#endif
