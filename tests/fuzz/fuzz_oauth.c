/* fuzz_oauth.c — libFuzzer target for the OAuth analyzer. The input is one
 * HTTP message view: fields separated by '\x1f' in the order flags (bit0 =
 * request, bit1 = body truncated), status (decimal), method, path, query,
 * host, content-type, authorization, location, www-authenticate, body (the
 * rest, separators included). Each field is copied into its own heap buffer
 * of exactly its length so an over-read is caught. Observations are checked
 * for NUL-terminated strings and bounded counts. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dissector.h"
#include "analyzer.h"
#include "strview.h"

#define N_FIELDS 11

static void check_str(const char *s, size_t n)
{
	if (!memchr(s, '\0', n))
		__builtin_trap();
}

#define CHECK(f) check_str(o->f, sizeof o->f)

static void on_obs(void *user, const struct observation *obs)
{
	int *n = user;
	if (obs->type == OBS_ANOMALY)
		return;
	if (obs->type != OBS_OAUTH || ++*n > 1)
		__builtin_trap(); /* one observation per message */
	const struct obs_oauth *o = &obs->u.oauth;
	if (o->kind < OAUTH_AUTHORIZE || o->kind > OAUTH_ERROR || o->n_secrets > 4)
		__builtin_trap();
	CHECK(http.host);
	CHECK(http.path);
	CHECK(client_id);
	CHECK(client_name);
	CHECK(redirect_uri);
	CHECK(scope);
	CHECK(response_type);
	CHECK(code_challenge_method);
	CHECK(resource);
	CHECK(grant_type);
	CHECK(grant_types);
	CHECK(client_auth);
	CHECK(subject_token_type);
	CHECK(requested_token_type);
	CHECK(issued_token_type);
	CHECK(token_type);
	CHECK(issuer);
	CHECK(registration_endpoint);
	CHECK(resource_metadata);
	CHECK(error);
	for (unsigned i = 0; i < o->n_secrets; i++)
		if (strlen(o->secrets[i].fingerprint) != AS_FP_HEX)
			__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t salt[] = "fuzz";
	static const struct dissect_env env = {.salt = salt, .salt_len = 4};
	int emitted = 0;
	struct dissect_ctx ctx = {.env = &env, .emit = on_obs, .user = &emitted};
	struct sv rest = sv_make(data, size);
	struct sv field[N_FIELDS];
	char *copy[N_FIELDS];
	for (int i = 0; i < N_FIELDS; i++) {
		field[i] = i == N_FIELDS - 1 ? rest : sv_split(&rest, '\x1f');
		copy[i] = malloc(field[i].len ? field[i].len : 1);
		if (!copy[i]) {
			while (i--)
				free(copy[i]);
			return 0;
		}
		if (field[i].len)
			memcpy(copy[i], field[i].p, field[i].len);
		/* An empty field is sometimes a NULL view, as an absent header may be. */
		field[i] = sv_make(field[i].len || (i & 1) ? copy[i] : NULL, field[i].len);
	}
	struct http_view v;
	memset(&v, 0, sizeof v);
	uint64_t status = 0;
	v.request = field[0].len && (field[0].p[0] & 1);
	v.body_truncated = field[0].len && (field[0].p[0] & 2);
	if (sv_to_u64(field[1], &status))
		v.status = (uint16_t)status;
	v.method = field[2];
	v.path = field[3];
	v.query = field[4];
	v.host = field[5];
	v.content_type = field[6];
	v.authorization = field[7];
	v.location = field[8];
	v.www_authenticate = field[9];
	v.body = field[10];
	bool r = oauth_analyze(&v, &ctx);
	if (r != (emitted == 1))
		__builtin_trap();
	for (int i = 0; i < N_FIELDS; i++)
		free(copy[i]);
	return 0;
}
