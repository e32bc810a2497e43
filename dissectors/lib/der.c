/* der.c — bounded ASN.1 DER TLV reader (ITU-T X.690 §8.1, §10.1); see der.h. */
#include "der.h"

#define DER_MAX_LEN_BYTES 4

bool der_peek_tag(const struct cur *c, uint8_t *tag)
{
	return cur_peek_u8(c, 0, tag);
}

bool der_read(struct cur *c, struct der_tlv *out)
{
	struct cur r = *c;
	uint8_t tag, l0;
	if (!cur_get_u8(&r, &tag) || (tag & 0x1f) == 0x1f || !cur_get_u8(&r, &l0))
		return false;
	size_t len = l0;
	if (l0 & 0x80) {
		size_t n = l0 & 0x7f;
		uint64_t v;
		if (n == 0 || n > DER_MAX_LEN_BYTES || !cur_get_uN(&r, n, &v))
			return false; /* 0x80 indefinite, 0xff reserved, or too long */
		len = (size_t)v;
	}
	if (!cur_get_bytes(&r, &out->val, len))
		return false;
	out->tag = tag;
	*c = r;
	return true;
}

bool der_expect(struct cur *c, uint8_t tag, struct cur *val)
{
	struct cur save = *c;
	struct der_tlv t;
	if (!der_read(c, &t) || t.tag != tag) {
		*c = save;
		return false;
	}
	*val = t.val;
	return true;
}

bool der_int(struct cur val, int64_t *out)
{
	size_t n = cur_len(&val);
	uint8_t first;
	uint64_t v;
	if (n < 1 || n > 8 || !cur_peek_u8(&val, 0, &first) || !cur_get_uN(&val, n, &v))
		return false;
	if ((first & 0x80) && n < 8)
		v |= ~0ULL << (8 * n); /* sign-extend */
	*out = (int64_t)v;
	return true;
}

int der_check(struct cur c, unsigned max_depth)
{
	while (cur_len(&c)) {
		struct der_tlv t;
		if (!der_read(&c, &t))
			return AS_ERR_MALFORMED;
		if (t.tag & DER_CONSTRUCTED) {
			if (max_depth == 0)
				return AS_ERR_LIMIT;
			int r = der_check(t.val, max_depth - 1);
			if (r < 0)
				return r;
		}
	}
	return AS_OK;
}
