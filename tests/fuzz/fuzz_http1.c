/* fuzz_http1.c — libFuzzer target for the HTTP/1 dissector. The input is a
 * conversation: records of [1 byte: bit0 = direction, bit1 = end that
 * direction][2 bytes big-endian length][bytes]; a trailing remainder goes to
 * the server. Observations are checked for NUL-terminated strings. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cursor.h"
#include "dissector.h"


extern const struct dissector dissector_http1;

static void check_str(const char *s, size_t n)
{
	if (!memchr(s, '\0', n))
		__builtin_trap();
}

static void on_obs(void *user, const struct observation *o)
{
	(void)user;
	if (o->type == OBS_HTTP_REQUEST) {
		const struct obs_http_request *r = &o->u.http_req;
		check_str(r->method, sizeof r->method);
		check_str(r->host, sizeof r->host);
		check_str(r->path, sizeof r->path);
		check_str(r->query, sizeof r->query);
		check_str(r->model, sizeof r->model);
		if (r->n_sdk_headers > AS_OBS_MAX_SDK_HEADERS || r->n_credentials > 2)
			__builtin_trap();
	} else if (o->type == OBS_HTTP_RESPONSE) {
		const struct obs_http_response *r = &o->u.http_resp;
		check_str(r->model, sizeof r->model);
		check_str(r->content_type, sizeof r->content_type);
		if (r->n_sdk_headers > AS_OBS_MAX_SDK_HEADERS)
			__builtin_trap();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t salt[] = "fuzz";
	struct dissect_ctx ctx = {.salt = salt, .salt_len = 4, .emit = on_obs};
	const struct dissector *d = &dissector_http1;
	void *st = d->state_new();
	if (!st)
		return 0;
	struct cur c = cur_make(data, size);
	int r = DISSECT_MORE;
	while (r == DISSECT_MORE && cur_len(&c)) {
		uint8_t hdr;
		uint16_t n;
		struct cur rec;
		struct cur save = c;
		if (!cur_get_u8(&c, &hdr) || !cur_get_u16(&c, &n) || !cur_get_bytes(&c, &rec, n)) {
			rec = save;
			c = cur_make(NULL, 0);
			hdr = 0;
		}
		enum dissect_dir dir = (hdr & 1) ? DIR_TO_CLIENT : DIR_TO_SERVER;
		if (hdr & 4)
			d->gap(st, dir, cur_len(&rec));
		else
			r = d->parse(st, dir, cur_data(&rec), cur_len(&rec), &ctx);
		if (r == DISSECT_MORE && (hdr & 2))
			r = d->parse(st, dir, cur_data(&rec), 0, &ctx);
	}
	d->state_free(st);
	return 0;
}
