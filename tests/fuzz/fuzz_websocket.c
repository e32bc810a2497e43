/* fuzz_websocket.c — libFuzzer target for the WebSocket frame parser and
 * its permessage-deflate; the input is records (records.h), a parser per
 * direction. Delivered messages
 * are checked against the message cap. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "records.h"
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
	/* "D" and a flags byte first: permessage-deflate agreed (WS_DEFLATE*). */
	if (size >= 2 && data[0] == 'D') {
		ws_set_deflate(&p[0], data[1]);
		ws_set_deflate(&p[1], data[1]);
		data += 2;
		size -= 2;
	}
	struct cur c = cur_make(data, size), rec;
	uint8_t fl;
	while (fuzz_record(&c, &fl, &rec)) {
		struct ws_parser *w = &p[fl & REC_TO_CLIENT];
		if (fl & REC_GAP)
			ws_gap(w, cur_len(&rec));
		else
			ws_feed(w, cur_data(&rec), cur_len(&rec), on_msg, NULL, &ctx);
		if (fl & REC_END)
			ws_end(w, &ctx);
	}
	ws_free(&p[0]);
	ws_free(&p[1]);
	return 0;
}
