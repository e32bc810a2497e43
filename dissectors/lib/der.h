/* der.h — a small, strictly bounded ASN.1 DER TLV reader (ITU-T X.690 §8.1,
 * §10.1) on top of the byte cursor, for Kerberos (RFC 4120) and any other
 * DER-framed protocol. Definite lengths only; a long-form length has at most
 * 4 bytes; one-byte identifiers only (tag numbers 0..30, which covers every
 * universal, context and application tag Kerberos uses). Nothing allocates;
 * values are sub-cursors that cannot run past their TLV. */
#ifndef AS_DER_H
#define AS_DER_H

#include <stdbool.h>
#include <stdint.h>

#include "cursor.h"
#include "error.h"

#define DER_INTEGER 0x02
#define DER_UTF8_STRING 0x0c
#define DER_PRINTABLE_STRING 0x13
#define DER_IA5_STRING 0x16
#define DER_GENERAL_STRING 0x1b
#define DER_SEQUENCE 0x30
#define DER_CONSTRUCTED 0x20
#define DER_CTX(n) ((uint8_t)(0xa0 | (n))) /* [n] EXPLICIT, constructed */
#define DER_APP(n) ((uint8_t)(0x60 | (n))) /* [APPLICATION n], constructed */

struct der_tlv {
	uint8_t tag; /* the identifier octet: class, constructed bit, number */
	struct cur val;
};

/* Reads the TLV at *c and advances past it; on false *c is unchanged
 * (truncated input, high-tag-number form, indefinite or reserved length,
 * length of more than 4 bytes or past the input). */
bool der_read(struct cur *c, struct der_tlv *out);

/* Identifier octet of the next TLV without consuming it. */
bool der_peek_tag(const struct cur *c, uint8_t *tag);

/* Reads the next TLV, which must carry `tag`; its value in *val. */
bool der_expect(struct cur *c, uint8_t tag, struct cur *val);

/* An INTEGER value (two's complement, 1..8 bytes) as int64. */
bool der_int(struct cur val, int64_t *out);

/* Checks that c is a sequence of well-formed TLVs, descending into
 * constructed values at most max_depth levels. AS_OK, or AS_ERR_MALFORMED /
 * AS_ERR_LIMIT (too deep). */
AS_MUST_CHECK int der_check(struct cur c, unsigned max_depth);

#endif
