/* records.h — the input of the stream fuzz targets (fuzz_http1,
 * fuzz_http2, fuzz_websocket): records of [1 byte: bit0 = direction
 * (1: to the client), bit1 = end that direction, bit2 = a gap of the
 * record's length][2 bytes big-endian length][bytes]; a remainder that is
 * no whole record is one last record with the flags 0. */
#ifndef AS_FUZZ_RECORDS_H
#define AS_FUZZ_RECORDS_H

#include <stdbool.h>
#include <stdint.h>

#include "cursor.h"

enum { REC_TO_CLIENT = 1, REC_END = 2, REC_GAP = 4 };

/* The next record of c; false when c is used up. */
static inline bool fuzz_record(struct cur *c, uint8_t *flags, struct cur *rec)
{
	if (!cur_len(c))
		return false;
	struct cur save = *c;
	uint16_t n;
	if (!cur_get_u8(c, flags) || !cur_get_u16(c, &n) || !cur_get_bytes(c, rec, n)) {
		*rec = save;
		*c = cur_make(NULL, 0);
		*flags = 0;
	}
	return true;
}

#endif
