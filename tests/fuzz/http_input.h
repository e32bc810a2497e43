/* http_input.h — the driver of the HTTP framing fuzz targets (fuzz_http1,
 * fuzz_http2): the input is a conversation in records (records.h), driven
 * through a layer stack as a flow drives it; observations are checked for
 * NUL-terminated strings. */
#ifndef AS_FUZZ_HTTP_INPUT_H
#define AS_FUZZ_HTTP_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cursor.h"
#include "dissector.h"
#include "layers.h"
#include "records.h"

static void check_str(const char *s, size_t n)
{
	if (!memchr(s, '\0', n))
		__builtin_trap();
}

static void on_obs(void *user, const struct observation *o)
{
	(void)user;
	if (o->type == OBS_HTTP_REQUEST || o->type == OBS_HTTP_EXCHANGE) {
		const struct obs_http_request *q = &o->u.http.req;
		check_str(q->method, sizeof q->method);
		check_str(q->host, sizeof q->host);
		check_str(q->path, sizeof q->path);
		check_str(q->query, sizeof q->query);
		check_str(q->model, sizeof q->model);
		if (q->n_sdk_headers > AS_OBS_MAX_SDK_HEADERS || q->n_credentials > 2)
			__builtin_trap();
		if (o->type == OBS_HTTP_REQUEST)
			return; /* carries no response */
		const struct obs_http_response *r = &o->u.http.resp;
		check_str(r->model, sizeof r->model);
		check_str(r->content_type, sizeof r->content_type);
		if (r->n_sdk_headers > AS_OBS_MAX_SDK_HEADERS)
			__builtin_trap();
	}
}

static inline int fuzz_http_layer(const struct dissector *d, const uint8_t *data, size_t size)
{
	static const uint8_t salt[] = "fuzz";
	static const struct dissect_env env = {.salt = salt, .salt_len = 4};
	static const struct layer_open open = {.transport = TRANSPORT_TCP, .env = &env};
	struct layer_host host = {&env, on_obs, NULL, 1};
	struct layer_stack *st = layers_new(&host, d, &open);
	if (!st)
		return 0;
	struct cur c = cur_make(data, size), rec;
	uint8_t fl;
	bool more = true;
	while (more && fuzz_record(&c, &fl, &rec)) {
		enum dissect_dir dir = (fl & REC_TO_CLIENT) ? DIR_TO_CLIENT : DIR_TO_SERVER;
		if (fl & REC_GAP)
			more = layers_gap(st, dir, cur_len(&rec));
		else
			more = layers_feed(st, dir, cur_data(&rec), cur_len(&rec));
		if (more && (fl & REC_END))
			more = layers_feed(st, dir, cur_data(&rec), 0);
	}
	layers_free(st);
	return 0;
}

#endif
