/* fuzz_websocket.c — libFuzzer target for the WebSocket frame parser. The
 * input is a sequence of records [1 byte: bit0 = direction, bit1 = end that
 * direction, bit2 = a gap of the record's length][2 bytes big-endian
 * length][bytes]; a trailing remainder goes to the client direction.
 * Delivered messages are checked against the message cap. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cursor.h"
#include "websocket.h"

static void on_msg(void *user, struct sv data)
{
	(void)user;
	if (data.len > AS_WS_MAX_MESSAGE)
		__builtin_trap();
	volatile char sink = 0;
	for (size_t i = 0; i < data.len; i++) /* touch every byte: ASan checks the view */
		sink = (char)(sink ^ data.p[i]);
	(void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dissect_ctx ctx = {0};
	struct ws_parser p[2];
	ws_init(&p[0], true);
	ws_init(&p[1], false);
	struct cur c = cur_make(data, size);
	while (cur_len(&c)) {
		uint8_t hdr;
		uint16_t n;
		struct cur rec;
		struct cur save = c;
		if (!cur_get_u8(&c, &hdr) || !cur_get_u16(&c, &n) || !cur_get_bytes(&c, &rec, n)) {
			rec = save;
			c = cur_make(NULL, 0);
			hdr = 0;
		}
		struct ws_parser *w = &p[hdr & 1];
		if (hdr & 4)
			ws_gap(w, cur_len(&rec));
		else
			ws_feed(w, cur_data(&rec), cur_len(&rec), on_msg, NULL, &ctx);
		if (hdr & 2)
			ws_end(w, &ctx);
	}
	ws_free(&p[0]);
	ws_free(&p[1]);
	return 0;
}
