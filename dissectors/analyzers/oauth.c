/* oauth.c — OAuth 2.x / OpenID analyzer over complete HTTP messages (specs below).
 *
 * From one http_view it decides whether the message is an OAuth or OpenID
 * message and emits at most one OBS_OAUTH observation. Recognised by content
 * and shape; well-known paths only widen which bodies are tried as JSON.
 *
 *   RFC 6749   authorization request §4.1.1/§4.2.1, redirect §4.1.2/§4.2.2,
 *              errors §4.1.2.1/§5.2, token request §4.1.3/§4.3/§4.4/§6,
 *              client authentication §2.3.1 (Basic with form-encoded id/secret)
 *   RFC 6750   WWW-Authenticate: Bearer challenge (error, scope); RFC 9449 DPoP
 *              challenges are read the same way
 *   RFC 7636   PKCE: code_challenge, code_challenge_method (default "plain"),
 *              code_verifier
 *   RFC 7591   dynamic client registration request §3.1 / response §3.2.1
 *   RFC 7523   grant_type urn:ietf:params:oauth:grant-type:jwt-bearer with
 *              assertion; client_assertion_type
 *              urn:ietf:params:oauth:client-assertion-type:jwt-bearer
 *              (private_key_jwt, or client_secret_jwt when the JWT alg is HS*)
 *   RFC 8414   /.well-known/oauth-authorization-server[/path]; OpenID
 *              Connect Discovery 1.0 /.well-known/openid-configuration
 *   RFC 8628   device_code grant (the device code is fingerprinted as a code)
 *   RFC 8693   token exchange: subject_token(_type), actor_token,
 *              requested_token_type; issued_token_type in the response
 *   RFC 8707   resource indicator `resource` (first one kept)
 *   RFC 9126   pushed authorization request: a POST form with response_type
 *              and client_id, or client_id + request_uri in the query
 *   RFC 9728   /.well-known/oauth-protected-resource[/path] (resource,
 *              authorization_servers, scopes_supported) and the challenge's
 *              resource_metadata parameter
 *   draft-ietf-oauth-identity-assertion-authz-grant (Cross-App Access):
 *              token type urn:ietf:params:oauth:token-type:id-jag, requested
 *              in a token exchange, issued as its "access_token" (an
 *              assertion, not an access token: fingerprinted as
 *              CRED_OAUTH_ASSERTION) and presented as a jwt-bearer assertion.
 *
 * Secrets (codes, verifiers, tokens, client secrets, assertions, passwords)
 * are only ever fingerprinted: HMAC-SHA256 under the deployment salt of the
 * decoded value. state, nonce, code_challenge, username are not copied. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer.h"
#include "cursor.h"
#include "fingerprint.h"
#include "json_util.h"
#include "limits.h"
#include "observation.h"
#include "strview.h"

#define OA "oauth"
#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

#define URN_JWT_BEARER_CLIENT "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
#define URN_ID_JAG "urn:ietf:params:oauth:token-type:id-jag"

/* ---- parameters of interest (form, query, fragment or JSON strings) ---- */

enum param {
	P_RESPONSE_TYPE,
	P_CLIENT_ID,
	P_REDIRECT_URI,
	P_SCOPE,
	P_STATE,
	P_CODE_CHALLENGE,
	P_CODE_CHALLENGE_METHOD,
	P_RESOURCE,
	P_REQUEST_URI,
	P_GRANT_TYPE,
	P_CODE,
	P_CODE_VERIFIER,
	P_REFRESH_TOKEN,
	P_CLIENT_SECRET,
	P_CLIENT_ASSERTION_TYPE,
	P_CLIENT_ASSERTION,
	P_ASSERTION,
	P_SUBJECT_TOKEN,
	P_SUBJECT_TOKEN_TYPE,
	P_ACTOR_TOKEN,
	P_REQUESTED_TOKEN_TYPE,
	P_PASSWORD,
	P_DEVICE_CODE,
	P_ERROR,
	P_ERROR_DESCRIPTION,
	P_ACCESS_TOKEN,
	P_TOKEN_TYPE,
	P_EXPIRES_IN,
	P_ID_TOKEN,
	P_ISS,
	P_ISSUED_TOKEN_TYPE,
	P_N
};

static const char *const param_names[P_N] = {
    [P_RESPONSE_TYPE] = "response_type",
    [P_CLIENT_ID] = "client_id",
    [P_REDIRECT_URI] = "redirect_uri",
    [P_SCOPE] = "scope",
    [P_STATE] = "state",
    [P_CODE_CHALLENGE] = "code_challenge",
    [P_CODE_CHALLENGE_METHOD] = "code_challenge_method",
    [P_RESOURCE] = "resource",
    [P_REQUEST_URI] = "request_uri",
    [P_GRANT_TYPE] = "grant_type",
    [P_CODE] = "code",
    [P_CODE_VERIFIER] = "code_verifier",
    [P_REFRESH_TOKEN] = "refresh_token",
    [P_CLIENT_SECRET] = "client_secret",
    [P_CLIENT_ASSERTION_TYPE] = "client_assertion_type",
    [P_CLIENT_ASSERTION] = "client_assertion",
    [P_ASSERTION] = "assertion",
    [P_SUBJECT_TOKEN] = "subject_token",
    [P_SUBJECT_TOKEN_TYPE] = "subject_token_type",
    [P_ACTOR_TOKEN] = "actor_token",
    [P_REQUESTED_TOKEN_TYPE] = "requested_token_type",
    [P_PASSWORD] = "password",
    [P_DEVICE_CODE] = "device_code",
    [P_ERROR] = "error",
    [P_ERROR_DESCRIPTION] = "error_description",
    [P_ACCESS_TOKEN] = "access_token",
    [P_TOKEN_TYPE] = "token_type",
    [P_EXPIRES_IN] = "expires_in",
    [P_ID_TOKEN] = "id_token",
    [P_ISS] = "iss",
    [P_ISSUED_TOKEN_TYPE] = "issued_token_type",
};

/* Decoded values of the first occurrence of each parameter. Values that
 * needed percent-decoding live in `arena`, sized for every source fed. */
struct params {
	struct sv v[P_N];
	bool has[P_N];
	char *arena;
	size_t cap, used;
};

static void params_init(struct params *p, size_t cap)
{
	memset(p, 0, sizeof *p);
	p->cap = cap;
}

static void params_free(struct params *p)
{
	free(p->arena);
	p->arena = NULL;
}

static bool has(const struct params *p, enum param k)
{
	return p->has[k];
}
static struct sv get(const struct params *p, enum param k)
{
	return p->v[k];
}
/* Present with a non-empty value. */
static bool filled(const struct params *p, enum param k)
{
	return p->has[k] && p->v[k].len > 0;
}

/* application/x-www-form-urlencoded decoding ('+' is a space). A '%' not
 * followed by two hex digits is kept as it is (as browsers do). `out` holds
 * at least in.len bytes; returns the decoded length. */
static size_t form_decode(struct sv in, char *out)
{
	struct cur c = cur_make(in.p, in.len);
	size_t n = 0;
	uint8_t ch, h1, h2;
	while (cur_get_u8(&c, &ch)) {
		if (ch == '+') {
			ch = ' ';
		} else if (ch == '%' && cur_peek_u8(&c, 0, &h1) && cur_peek_u8(&c, 1, &h2) &&
			   as_hex_digit(h1) >= 0 && as_hex_digit(h2) >= 0) {
			ch = (uint8_t)(as_hex_digit(h1) << 4 | as_hex_digit(h2));
			cur_skip(&c, 2);
		}
		out[n++] = (char)ch;
	}
	return n;
}

static bool needs_decoding(struct sv s)
{
	return sv_find_char(s, '%') >= 0 || sv_find_char(s, '+') >= 0;
}

static void params_set(struct params *p, enum param k, struct sv raw, bool encoded)
{
	if (p->has[k])
		return; /* RFC 6749 §3.1: parameters must not repeat; the first one counts */
	if (encoded && needs_decoding(raw)) {
		if (!p->arena && p->cap)
			p->arena = malloc(p->cap);
		if (!p->arena || raw.len > p->cap - p->used)
			return;
		size_t n = form_decode(raw, p->arena + p->used);
		raw = sv_make(p->arena + p->used, n);
		p->used += n;
	}
	p->v[k] = raw;
	p->has[k] = true;
}

static int param_lookup(struct sv name)
{
	for (int k = 0; k < P_N; k++)
		if (sv_eq(name, sv_from_cstr(param_names[k])))
			return k;
	return -1;
}

/* Adds name=value pairs separated by '&'. With drop_last, the last pair is
 * ignored: the body was cut and its value may be incomplete. */
static void params_add_form(struct params *p, struct sv src, bool drop_last)
{
	while (src.len) {
		bool last = sv_find_char(src, '&') < 0;
		struct sv value = sv_split(&src, '&');
		if (last && drop_last)
			break;
		struct sv name = sv_split(&value, '=');
		char nbuf[32];
		if (name.len == 0 || name.len > sizeof nbuf)
			continue;
		size_t nlen = form_decode(name, nbuf);
		int k = param_lookup(sv_make(nbuf, nlen));
		if (k >= 0)
			params_set(p, (enum param)k, value, true);
	}
}

/* String members of a JSON object (jansson keeps them alive with root). */
static void params_add_json(struct params *p, json_t *root)
{
	for (int k = 0; k < P_N; k++) {
		json_t *v = json_object_get(root, param_names[k]);
		if (json_is_string(v))
			params_set(p, (enum param)k, json_util_sv(v), false);
	}
}

/* ---- JSON ---- */

/* The body as a JSON object (a new reference), or NULL (http1 reports bad
 * or too deep JSON). Parsed here only when http1 has not parsed it. */
static json_t *json_object_of(const struct http_view *v)
{
	json_t *root;
	const json_t *shared = http_view_json(v);
	if (shared)
		return json_is_object(shared) ? json_incref((json_t *)shared) : NULL;
	if (json_util_load(v->body, &root) != JSON_UTIL_OK)
		return NULL;
	if (!json_is_object(root)) {
		json_decref(root);
		return NULL;
	}
	return root;
}

/* ---- the observation being built ---- */

struct out {
	struct observation obs;
	struct obs_oauth *o;
	const struct dissect_ctx *ctx;
	bool cut;      /* a copied value did not fit its field */
	bool over_cap; /* more secrets than the observation holds */
};

static void out_init(struct out *w, const struct http_view *v, const struct dissect_ctx *ctx,
		     enum oauth_kind kind)
{
	memset(&w->obs, 0, sizeof w->obs);
	w->obs.type = OBS_OAUTH;
	w->o = &w->obs.u.oauth;
	w->ctx = ctx;
	w->cut = false;
	w->over_cap = false;
	w->o->kind = (uint8_t)kind;
	http_view_origin(v, &w->o->http);
	if (!v->request)
		w->o->http.status = v->status;
}

static void put(struct out *w, char *dst, size_t dstsz, struct sv s)
{
	if (!sv_copy(dst, dstsz, s))
		w->cut = true;
}

#define PUT(w, field, s) put((w), (w)->o->field, sizeof(w)->o->field, (s))

/* Appends `s` to a space-separated list; a value that does not fit ends
 * the list (only a first value is cut). */
static void list_append(struct out *w, char *dst, size_t dstsz, size_t *pos, struct sv s)
{
	if (s.len == 0 || *pos + 1 >= dstsz)
		return;
	size_t need = s.len + (*pos ? 1 : 0);
	if (*pos && need > dstsz - 1 - *pos) {
		w->cut = true;
		*pos = dstsz; /* full: ignore the rest */
		return;
	}
	if (*pos)
		dst[(*pos)++] = ' ';
	if (!sv_copy(dst + *pos, dstsz - *pos, s))
		w->cut = true;
	*pos += strlen(dst + *pos);
}

static void put_json_list(struct out *w, char *dst, size_t dstsz, json_t *arr)
{
	size_t pos = 0, i;
	json_t *e;
	if (!json_is_array(arr))
		return;
	json_array_foreach(arr, i, e) list_append(w, dst, dstsz, &pos, json_util_sv(e));
}

#define PUT_LIST(w, field, arr) put_json_list((w), (w)->o->field, sizeof(w)->o->field, (arr))

static bool json_list_has(json_t *arr, const char *s)
{
	size_t i;
	json_t *e;
	if (!json_is_array(arr))
		return false;
	json_array_foreach(arr, i, e) if (sv_eq(json_util_sv(e), sv_from_cstr(s))) return true;
	return false;
}

static void put_first(struct out *w, char *dst, size_t dstsz, json_t *arr)
{
	if (json_is_array(arr))
		put(w, dst, dstsz, json_util_sv(json_array_get(arr, 0)));
}

static void set_expires(struct out *w, json_t *v, struct sv s)
{
	uint64_t u = 0;
	if (json_is_integer(v)) {
		json_int_t i = json_integer_value(v);
		u = i > 0 ? (uint64_t)i : 0;
	} else if (!sv_to_u64(sv_trim(s), &u)) {
		return;
	}
	w->o->expires_in = u > UINT32_MAX ? UINT32_MAX : (uint32_t)u;
}

/* ---- secrets ---- */

static enum cred_type token_type_of(struct sv s)
{
	return sv_looks_like_jwt(s) ? CRED_T_JWT : CRED_T_TOKEN;
}

static void add_secret(struct out *w, enum cred_where where, enum cred_type type, struct sv secret)
{
	struct obs_oauth *o = w->o;
	if (dissect_credential_add(w->ctx, o->secrets, &o->n_secrets, N_ELEMS(o->secrets), where, type, secret.p,
				   secret.len) < 0)
		w->over_cap = true;
}

static void add_param_secret(struct out *w, const struct params *p, enum param k, enum cred_where where,
			     enum cred_type type)
{
	if (has(p, k))
		add_secret(w, where, type, get(p, k));
}

static void emit(struct out *w)
{
	dissect_emit(w->ctx, &w->obs);
	if (w->over_cap)
		dissect_anomaly(w->ctx, OA, "secrets_over_cap");
	if (w->cut)
		dissect_anomaly(w->ctx, OA, "value_truncated");
}

/* ---- base64 (Basic credentials, JWT headers) ---- */

static int b64val(uint8_t c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

/* Decodes base64 or base64url (padding optional) into out (cap bytes).
 * Returns false on a bad character or when out is too small. */
static bool b64_decode(struct sv in, uint8_t *out, size_t cap, size_t *outlen)
{
	struct cur c = cur_make(in.p, in.len);
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t n = 0;
	uint8_t ch;
	bool pad = false;
	while (cur_get_u8(&c, &ch)) {
		if (ch == '=') {
			pad = true;
			continue;
		}
		int d = b64val(ch);
		if (d < 0 || pad)
			return false;
		acc = (acc << 6 | (uint32_t)d) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n >= cap)
				return false;
			out[n++] = (uint8_t)(acc >> bits);
		}
	}
	*outlen = n;
	return true;
}

/* client_secret_jwt when the assertion's JOSE header says alg HS*, else
 * private_key_jwt (RFC 7523 §2.2 with OpenID Connect Core §9 names). */
static const char *assertion_auth_method(struct sv jwt)
{
	long dot = sv_find_char(jwt, '.');
	struct sv head = sv_sub(jwt, 0, dot < 0 ? 0 : (size_t)dot);
	uint8_t buf[512];
	size_t n = 0;
	const char *method = "private_key_jwt";
	json_t *h;
	if (head.len == 0 || !b64_decode(head, buf, sizeof buf, &n) ||
	    json_util_load(sv_make(buf, n), &h) != JSON_UTIL_OK)
		return method;
	if (json_is_object(h) && sv_starts_with(json_util_sv(json_object_get(h, "alg")), SV_LIT("HS")))
		method = "client_secret_jwt";
	json_decref(h);
	return method;
}

/* ---- client authentication (token, PAR) ---- */

static bool is_vschars(struct sv s)
{
	struct cur c = cur_make(s.p, s.len);
	uint8_t ch;
	while (cur_get_u8(&c, &ch))
		if (ch < 0x20 || ch > 0x7e)
			return false;
	return true;
}

#define BASIC_MAX 4096 /* decoded Basic credentials handled; longer ones are not split */

static void client_auth(struct out *w, const struct http_view *v, const struct params *p)
{
	struct obs_oauth *o = w->o;
	struct sv auth = sv_trim(v->authorization);
	bool basic = false;
	if (sv_starts_with_ci(auth, SV_LIT("Basic ")) || sv_eq_ci(auth, SV_LIT("Basic"))) {
		static const size_t skip = sizeof "Basic" - 1;
		uint8_t raw[BASIC_MAX];
		char user[BASIC_MAX], pass[BASIC_MAX];
		size_t n = 0;
		basic = true;
		struct sv creds = sv_make("", 0), u = creds;
		if (b64_decode(sv_trim(sv_sub(auth, skip, auth.len)), raw, sizeof raw, &n) &&
		    sv_find_char(sv_make(raw, n), ':') >= 0) {
			creds = sv_make(raw, n);
			u = sv_split(&creds, ':');
		}
		/* Not credentials unless the client_id is VSCHAR (RFC 6749 A.1). */
		if (u.len && is_vschars(u)) {
			/* RFC 6749 §2.3.1: both are form-encoded before Basic. */
			size_t ulen = form_decode(u, user);
			size_t plen = form_decode(creds, pass);
			put(w, o->client_id, sizeof o->client_id, sv_make(user, ulen));
			add_secret(w, CRED_OAUTH_CLIENT_SECRET, CRED_T_PASSWORD, sv_make(pass, plen));
			explicit_bzero(pass, plen);
		}
		explicit_bzero(raw, sizeof raw);
	}
	if (o->client_id[0] == '\0' && has(p, P_CLIENT_ID))
		PUT(w, client_id, get(p, P_CLIENT_ID));
	add_param_secret(w, p, P_CLIENT_SECRET, CRED_OAUTH_CLIENT_SECRET, CRED_T_PASSWORD);

	const char *method = "";
	if (filled(p, P_CLIENT_ASSERTION) &&
	    sv_eq(get(p, P_CLIENT_ASSERTION_TYPE), SV_LIT(URN_JWT_BEARER_CLIENT)))
		method = assertion_auth_method(get(p, P_CLIENT_ASSERTION));
	else if (basic)
		method = "client_secret_basic";
	else if (filled(p, P_CLIENT_SECRET))
		method = "client_secret_post";
	else if (filled(p, P_CLIENT_ID))
		method = "none";
	PUT(w, client_auth, sv_from_cstr(method));
}

/* ---- kinds ---- */

static void put_pkce(struct out *w, const struct params *p)
{
	if (!filled(p, P_CODE_CHALLENGE))
		return;
	PUT(w, code_challenge_method,
	    filled(p, P_CODE_CHALLENGE_METHOD) ? get(p, P_CODE_CHALLENGE_METHOD) : SV_LIT("plain"));
}

/* Authorization request (query, or a PAR form when `form`). */
static bool emit_authorize(const struct http_view *v, const struct dissect_ctx *ctx, const struct params *p,
			   bool form)
{
	struct out w;
	out_init(&w, v, ctx, OAUTH_AUTHORIZE);
	PUT(&w, client_id, get(p, P_CLIENT_ID));
	PUT(&w, redirect_uri, get(p, P_REDIRECT_URI));
	PUT(&w, scope, get(p, P_SCOPE));
	PUT(&w, response_type, get(p, P_RESPONSE_TYPE));
	PUT(&w, resource, get(p, P_RESOURCE));
	put_pkce(&w, p);
	if (form)
		client_auth(&w, v, p);
	emit(&w);
	return true;
}

static bool is_authorize(const struct params *p)
{
	return filled(p, P_CLIENT_ID) && (filled(p, P_RESPONSE_TYPE) || filled(p, P_REQUEST_URI));
}

static bool emit_token_request(const struct http_view *v, const struct dissect_ctx *ctx,
			       const struct params *p)
{
	struct out w;
	out_init(&w, v, ctx, OAUTH_TOKEN_REQUEST);
	PUT(&w, grant_type, get(p, P_GRANT_TYPE));
	PUT(&w, scope, get(p, P_SCOPE));
	PUT(&w, resource, get(p, P_RESOURCE));
	PUT(&w, redirect_uri, get(p, P_REDIRECT_URI));
	PUT(&w, subject_token_type, get(p, P_SUBJECT_TOKEN_TYPE));
	PUT(&w, requested_token_type, get(p, P_REQUESTED_TOKEN_TYPE));
	add_param_secret(&w, p, P_CODE, CRED_OAUTH_CODE, CRED_T_CODE);
	add_param_secret(&w, p, P_DEVICE_CODE, CRED_OAUTH_CODE, CRED_T_CODE);
	add_param_secret(&w, p, P_CODE_VERIFIER, CRED_OAUTH_CODE_VERIFIER, CRED_T_CODE);
	add_param_secret(&w, p, P_REFRESH_TOKEN, CRED_OAUTH_REFRESH_TOKEN,
			 token_type_of(get(p, P_REFRESH_TOKEN)));
	add_param_secret(&w, p, P_PASSWORD, CRED_OAUTH_PASSWORD, CRED_T_PASSWORD); /* ROPC grant */
	client_auth(&w, v, p);
	static const enum param assertions[] = {P_ASSERTION, P_CLIENT_ASSERTION, P_SUBJECT_TOKEN,
						P_ACTOR_TOKEN};
	for (size_t i = 0; i < N_ELEMS(assertions); i++)
		add_param_secret(&w, p, assertions[i], CRED_OAUTH_ASSERTION,
				 token_type_of(get(p, assertions[i])));
	emit(&w);
	return true;
}

/* Error codes of RFC 6749 §4.1.2.1/§5.2, RFC 6750 §3.1, RFC 7591 §3.2.2,
 * RFC 8628 §3.5, RFC 8707 §2, RFC 9449 §7.1 and OpenID Connect Core §3.1.2.6. */
static const char *const oauth_errors[] = {
    "invalid_request",
    "invalid_client",
    "invalid_grant",
    "unauthorized_client",
    "unsupported_grant_type",
    "invalid_scope",
    "access_denied",
    "unsupported_response_type",
    "server_error",
    "temporarily_unavailable",
    "invalid_token",
    "insufficient_scope",
    "invalid_redirect_uri",
    "invalid_client_metadata",
    "invalid_software_statement",
    "unapproved_software_statement",
    "authorization_pending",
    "slow_down",
    "expired_token",
    "invalid_target",
    "invalid_dpop_proof",
    "use_dpop_nonce",
    "interaction_required",
    "login_required",
    "account_selection_required",
    "consent_required",
    "invalid_request_uri",
    "invalid_request_object",
    "request_not_supported",
    "request_uri_not_supported",
    "registration_not_supported",
};

static bool known_error(struct sv e)
{
	for (size_t i = 0; i < N_ELEMS(oauth_errors); i++)
		if (sv_eq(e, sv_from_cstr(oauth_errors[i])))
			return true;
	return false;
}

/* The redirect back to the client (a 30x Location, or the callback request
 * the browser then sends): code, implicit tokens, or an error. */
static bool emit_redirect(const struct http_view *v, const struct dissect_ctx *ctx, const struct params *p,
			  struct sv redirect_uri)
{
	struct out w;
	out_init(&w, v, ctx, OAUTH_AUTHORIZE_REDIRECT);
	struct obs_oauth *o = w.o;
	PUT(&w, redirect_uri, redirect_uri);
	PUT(&w, error, get(p, P_ERROR));
	PUT(&w, scope, get(p, P_SCOPE));
	/* response_type from what came back (RFC 6749 §4.1.2 / §4.2.2, OIDC hybrid). */
	size_t pos = 0;
	if (filled(p, P_CODE))
		list_append(&w, o->response_type, sizeof o->response_type, &pos, SV_LIT("code"));
	if (filled(p, P_ID_TOKEN))
		list_append(&w, o->response_type, sizeof o->response_type, &pos, SV_LIT("id_token"));
	if (filled(p, P_ACCESS_TOKEN)) {
		list_append(&w, o->response_type, sizeof o->response_type, &pos, SV_LIT("token"));
		PUT(&w, token_type, get(p, P_TOKEN_TYPE));
		set_expires(&w, NULL, get(p, P_EXPIRES_IN));
	}
	o->id_token = filled(p, P_ID_TOKEN);
	if (filled(p, P_ISS))
		PUT(&w, issuer, get(p, P_ISS)); /* RFC 9207 */
	add_param_secret(&w, p, P_CODE, CRED_OAUTH_CODE, CRED_T_CODE);
	add_param_secret(&w, p, P_ACCESS_TOKEN, CRED_OAUTH_ACCESS_TOKEN,
			 token_type_of(get(p, P_ACCESS_TOKEN)));
	add_param_secret(&w, p, P_ID_TOKEN, CRED_OAUTH_ID_TOKEN, token_type_of(get(p, P_ID_TOKEN)));
	emit(&w);
	return true;
}

static bool is_redirect_result(const struct params *p, bool need_state)
{
	bool state = filled(p, P_STATE) || filled(p, P_ISS);
	if (need_state && !state)
		return false;
	if (filled(p, P_ERROR) && (state || known_error(get(p, P_ERROR))))
		return true;
	if (filled(p, P_ACCESS_TOKEN) || filled(p, P_ID_TOKEN))
		return true;
	return filled(p, P_CODE);
}

/* A response body carrying a token (JSON object or, as GitHub's legacy
 * endpoint, a form). */
static bool emit_token_response(const struct http_view *v, const struct dissect_ctx *ctx,
				const struct params *p, json_t *root)
{
	struct out w;
	out_init(&w, v, ctx, OAUTH_TOKEN_RESPONSE);
	struct obs_oauth *o = w.o;
	struct sv access = get(p, P_ACCESS_TOKEN);
	PUT(&w, token_type, get(p, P_TOKEN_TYPE));
	PUT(&w, scope, get(p, P_SCOPE));
	PUT(&w, issued_token_type, get(p, P_ISSUED_TOKEN_TYPE));
	set_expires(&w, root ? json_object_get(root, "expires_in") : NULL, get(p, P_EXPIRES_IN));
	o->refresh_token = filled(p, P_REFRESH_TOKEN);
	o->id_token = filled(p, P_ID_TOKEN);
	/* An ID-JAG comes back in "access_token" but is a grant, not an access token. */
	bool grant = sv_eq(get(p, P_ISSUED_TOKEN_TYPE), SV_LIT(URN_ID_JAG));
	add_secret(&w, grant ? CRED_OAUTH_ASSERTION : CRED_OAUTH_ACCESS_TOKEN, token_type_of(access), access);
	add_param_secret(&w, p, P_REFRESH_TOKEN, CRED_OAUTH_REFRESH_TOKEN,
			 token_type_of(get(p, P_REFRESH_TOKEN)));
	add_param_secret(&w, p, P_ID_TOKEN, CRED_OAUTH_ID_TOKEN, token_type_of(get(p, P_ID_TOKEN)));
	emit(&w);
	return true;
}

static bool is_token_response(const struct params *p, json_t *root)
{
	if (!filled(p, P_ACCESS_TOKEN))
		return false;
	return has(p, P_TOKEN_TYPE) || has(p, P_ISSUED_TOKEN_TYPE) || has(p, P_REFRESH_TOKEN) ||
	       has(p, P_SCOPE) || has(p, P_ID_TOKEN) || has(p, P_EXPIRES_IN) ||
	       (root && json_object_get(root, "expires_in"));
}

static bool emit_error(const struct http_view *v, const struct dissect_ctx *ctx, const struct params *p)
{
	struct out w;
	out_init(&w, v, ctx, OAUTH_ERROR);
	PUT(&w, error, get(p, P_ERROR));
	emit(&w);
	return true;
}

static bool is_error_response(const struct http_view *v, const struct params *p, json_t *root)
{
	if (!known_error(get(p, P_ERROR)))
		return false;
	return v->status >= 400 || has(p, P_ERROR_DESCRIPTION) ||
	       (root && json_object_get(root, "error_uri"));
}

/* ---- JSON bodies ---- */

static bool emit_as_metadata(const struct http_view *v, const struct dissect_ctx *ctx, json_t *root)
{
	struct out w;
	out_init(&w, v, ctx, OAUTH_AS_METADATA);
	PUT(&w, issuer, json_util_sv(json_object_get(root, "issuer")));
	PUT(&w, registration_endpoint, json_util_sv(json_object_get(root, "registration_endpoint")));
	PUT_LIST(&w, scope, json_object_get(root, "scopes_supported"));
	PUT_LIST(&w, grant_types, json_object_get(root, "grant_types_supported"));
	json_t *methods = json_object_get(root, "code_challenge_methods_supported");
	if (json_list_has(methods, "S256"))
		PUT(&w, code_challenge_method, SV_LIT("S256"));
	else if (json_list_has(methods, "plain"))
		PUT(&w, code_challenge_method, SV_LIT("plain"));
	emit(&w);
	return true;
}

static bool emit_resource_metadata(const struct http_view *v, const struct dissect_ctx *ctx, json_t *root)
{
	struct out w;
	out_init(&w, v, ctx, OAUTH_RESOURCE_METADATA);
	PUT(&w, resource, json_util_sv(json_object_get(root, "resource")));
	put_first(&w, w.o->issuer, sizeof w.o->issuer, json_object_get(root, "authorization_servers"));
	PUT_LIST(&w, scope, json_object_get(root, "scopes_supported"));
	emit(&w);
	return true;
}

/* Client metadata common to a registration request and response (RFC 7591 §2). */
static void put_client_metadata(struct out *w, json_t *root)
{
	PUT(w, client_name, json_util_sv(json_object_get(root, "client_name")));
	put_first(w, w->o->redirect_uri, sizeof w->o->redirect_uri, json_object_get(root, "redirect_uris"));
	PUT_LIST(w, grant_types, json_object_get(root, "grant_types"));
	PUT_LIST(w, response_type, json_object_get(root, "response_types"));
	PUT(w, client_auth, json_util_sv(json_object_get(root, "token_endpoint_auth_method")));
	PUT(w, scope, json_util_sv(json_object_get(root, "scope")));
}

static bool emit_register_request(const struct http_view *v, const struct dissect_ctx *ctx, json_t *root)
{
	struct out w;
	out_init(&w, v, ctx, OAUTH_REGISTER_REQUEST);
	put_client_metadata(&w, root);
	emit(&w);
	return true;
}

static bool emit_register_response(const struct http_view *v, const struct dissect_ctx *ctx, json_t *root)
{
	struct out w;
	out_init(&w, v, ctx, OAUTH_REGISTER_RESPONSE);
	PUT(&w, client_id, json_util_sv(json_object_get(root, "client_id")));
	put_client_metadata(&w, root);
	add_secret(&w, CRED_OAUTH_CLIENT_SECRET, CRED_T_PASSWORD,
		   json_util_sv(json_object_get(root, "client_secret")));
	struct sv rat = json_util_sv(json_object_get(root, "registration_access_token"));
	add_secret(&w, CRED_OAUTH_ACCESS_TOKEN, token_type_of(rat), rat);
	emit(&w);
	return true;
}

static bool has_string(json_t *root, const char *key)
{
	return json_is_string(json_object_get(root, key));
}

static bool is_register_request(const struct http_view *v, json_t *root)
{
	json_t *uris = json_object_get(root, "redirect_uris");
	if (json_is_array(uris) && json_is_string(json_array_get(uris, 0)))
		return true;
	if (!has_string(root, "client_name"))
		return false;
	static const char *const dcr_fields[] = {"grant_types",
						 "response_types",
						 "token_endpoint_auth_method",
						 "software_statement",
						 "software_id",
						 "client_uri",
						 "jwks_uri"};
	for (size_t i = 0; i < N_ELEMS(dcr_fields); i++)
		if (json_object_get(root, dcr_fields[i]))
			return true;
	return sv_find(v->path, SV_LIT("regist")) >= 0;
}

static bool is_register_response(json_t *root)
{
	if (!has_string(root, "client_id"))
		return false;
	json_t *uris = json_object_get(root, "redirect_uris");
	return json_is_array(uris) || has_string(root, "client_name") ||
	       json_object_get(root, "client_id_issued_at") ||
	       json_object_get(root, "client_secret_expires_at") ||
	       has_string(root, "registration_access_token") || has_string(root, "registration_client_uri");
}

static bool analyze_json_response(const struct http_view *v, const struct dissect_ctx *ctx, json_t *root)
{
	struct params p;
	bool r = false;
	if (has_string(root, "issuer") &&
	    (has_string(root, "authorization_endpoint") || has_string(root, "token_endpoint")))
		return emit_as_metadata(v, ctx, root);
	json_t *servers = json_object_get(root, "authorization_servers");
	if (has_string(root, "resource") && json_is_array(servers))
		return emit_resource_metadata(v, ctx, root);
	params_init(&p, 0);
	params_add_json(&p, root);
	if (is_token_response(&p, root))
		r = emit_token_response(v, ctx, &p, root);
	else if (is_register_response(root))
		r = emit_register_response(v, ctx, root);
	else if (is_error_response(v, &p, root))
		r = emit_error(v, ctx, &p);
	params_free(&p);
	return r;
}

/* ---- WWW-Authenticate (RFC 9110 §11.6.1, RFC 6750 §3, RFC 9728 §5.1) ---- */

static bool is_tchar(uint8_t c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return true;
	return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static void skip_ws(struct cur *c, bool commas)
{
	uint8_t ch;
	while (cur_peek_u8(c, 0, &ch) &&
	       (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || (commas && ch == ',')))
		cur_skip(c, 1);
}

static struct sv take_token(struct cur *c)
{
	const char *start = (const char *)cur_data(c);
	size_t n = 0;
	uint8_t ch;
	while (cur_peek_u8(c, 0, &ch) && is_tchar(ch)) {
		cur_skip(c, 1);
		n++;
	}
	return sv_make(start, n);
}

struct qval {
	struct sv raw; /* a quoted-string's inside, still escaped */
	bool quoted, set;
};

static struct qval take_value(struct cur *c)
{
	struct qval q = {sv_make("", 0), false, true};
	uint8_t ch;
	if (!cur_peek_u8(c, 0, &ch) || ch != '"') {
		q.raw = take_token(c);
		return q;
	}
	cur_skip(c, 1);
	const char *start = (const char *)cur_data(c);
	size_t n = 0;
	q.quoted = true;
	while (cur_get_u8(c, &ch)) {
		if (ch == '"')
			break;
		n++;
		if (ch == '\\' && cur_skip(c, 1))
			n++;
	}
	q.raw = sv_make(start, n);
	return q;
}

/* Copies a parameter value, undoing quoted-pair escapes. */
static void put_qval(struct out *w, char *dst, size_t dstsz, struct qval q)
{
	if (!q.quoted) {
		put(w, dst, dstsz, q.raw);
		return;
	}
	char buf[AS_STR_LONG] = "";
	size_t n = 0;
	struct cur c = cur_make(q.raw.p, q.raw.len);
	uint8_t ch;
	while (n < sizeof buf && cur_get_u8(&c, &ch)) {
		if (ch == '\\' && !cur_get_u8(&c, &ch))
			break;
		buf[n++] = (char)ch;
	}
	put(w, dst, dstsz, sv_make(buf, n));
	if (cur_len(&c))
		w->cut = true;
}

struct challenge {
	bool bearer; /* a Bearer (or DPoP) challenge was present */
	struct qval resource_metadata, error, scope;
};

/* Parameters of the first Bearer/DPoP challenge among comma-separated
 * challenges. A token followed by '=' is a parameter of the current
 * challenge; any other token starts a new challenge (a token68 after a
 * scheme reads as a harmless unknown scheme). */
static void parse_challenges(struct sv h, struct challenge *ch)
{
	struct cur c = cur_make(h.p, h.len);
	bool in_bearer = false;
	memset(ch, 0, sizeof *ch);
	while (cur_len(&c)) {
		skip_ws(&c, true);
		struct sv t = take_token(&c);
		if (t.len == 0) {
			cur_skip(&c, 1); /* a stray byte */
			continue;
		}
		skip_ws(&c, false);
		uint8_t next;
		if (cur_peek_u8(&c, 0, &next) && next == '=') {
			cur_skip(&c, 1);
			skip_ws(&c, false);
			struct qval q = take_value(&c);
			if (!in_bearer)
				continue;
			struct qval *slot = NULL;
			if (sv_eq_ci(t, SV_LIT("resource_metadata")))
				slot = &ch->resource_metadata;
			else if (sv_eq_ci(t, SV_LIT("error")))
				slot = &ch->error;
			else if (sv_eq_ci(t, SV_LIT("scope")))
				slot = &ch->scope;
			if (slot && !slot->set)
				*slot = q;
		} else {
			in_bearer =
			    !ch->bearer && (sv_eq_ci(t, SV_LIT("Bearer")) || sv_eq_ci(t, SV_LIT("DPoP")));
			if (in_bearer)
				ch->bearer = true;
		}
	}
}

static bool analyze_challenge(const struct http_view *v, const struct dissect_ctx *ctx)
{
	struct challenge ch;
	parse_challenges(v->www_authenticate, &ch);
	if (!ch.bearer)
		return false;
	struct out w;
	out_init(&w, v, ctx, OAUTH_CHALLENGE);
	put_qval(&w, w.o->resource_metadata, sizeof w.o->resource_metadata, ch.resource_metadata);
	put_qval(&w, w.o->error, sizeof w.o->error, ch.error);
	put_qval(&w, w.o->scope, sizeof w.o->scope, ch.scope);
	emit(&w);
	return true;
}

/* ---- messages ---- */

/* Cheap pre-filter before a second JSON parse of a body http1 has already
 * parsed: an OAuth object names one of these members. */
static const char *const request_keys[] = {"\"grant_type\"", "\"redirect_uris\"", "\"client_name\""};
static const char *const response_keys[] = {"\"access_token\"", "\"issuer\"", "\"authorization_servers\"",
					    "\"client_id\"", "\"error\""};

static bool mentions(struct sv body, const char *const *keys, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (sv_find(body, sv_from_cstr(keys[i])) >= 0)
			return true;
	return false;
}

static struct sv media_type(struct sv ct)
{
	return sv_trim(sv_split(&ct, ';'));
}

static bool is_form_type(struct sv ct)
{
	return sv_eq_ci(media_type(ct), SV_LIT("application/x-www-form-urlencoded"));
}

static bool is_json_type(struct sv ct)
{
	struct sv m = media_type(ct);
	return sv_eq_ci(m, SV_LIT("application/json")) || sv_ends_with(m, SV_LIT("+json")) ||
	       sv_eq_ci(m, SV_LIT("text/json"));
}

static bool is_well_known(struct sv path)
{
	return sv_starts_with(path, SV_LIT("/.well-known/oauth-")) ||
	       sv_starts_with(path, SV_LIT("/.well-known/openid-configuration")) ||
	       sv_ends_with(path, SV_LIT("/.well-known/openid-configuration"));
}

/* How to read a body: JSON when declared (or a well-known document, or an
 * undeclared body that starts with '{'), a form when declared or when an
 * undeclared body does not look like JSON. */
enum body_kind { BODY_NONE, BODY_JSON, BODY_FORM };

static enum body_kind body_kind(const struct http_view *v)
{
	struct sv b = sv_trim(v->body);
	if (b.len == 0)
		return BODY_NONE;
	if (is_form_type(v->content_type))
		return BODY_FORM;
	if (is_json_type(v->content_type))
		return BODY_JSON;
	if (sv_starts_with(b, SV_LIT("{")) && (v->content_type.len == 0 || is_well_known(v->path)))
		return BODY_JSON;
	if (v->content_type.len == 0 && sv_find_char(b, '=') > 0)
		return BODY_FORM;
	return BODY_NONE;
}

static bool analyze_request_body(const struct http_view *v, const struct dissect_ctx *ctx)
{
	if (v->method.len && !sv_eq_ci(v->method, SV_LIT("POST")) && !sv_eq_ci(v->method, SV_LIT("PUT")))
		return false;
	enum body_kind k = body_kind(v);
	struct params p;
	bool r = false;
	if (k == BODY_FORM) {
		params_init(&p, v->body.len);
		params_add_form(&p, v->body, v->body_truncated);
		if (filled(&p, P_GRANT_TYPE))
			r = emit_token_request(v, ctx, &p);
		else if (is_authorize(&p))
			r = emit_authorize(v, ctx, &p, true);
		params_free(&p);
	} else if (k == BODY_JSON && mentions(v->body, request_keys, N_ELEMS(request_keys))) {
		json_t *root = json_object_of(v);
		if (!root)
			return false;
		params_init(&p, 0);
		params_add_json(&p, root);
		if (filled(&p, P_GRANT_TYPE))
			r = emit_token_request(v, ctx, &p);
		else if (is_register_request(v, root))
			r = emit_register_request(v, ctx, root);
		params_free(&p);
		json_decref(root);
	}
	return r;
}

static bool analyze_request(const struct http_view *v, const struct dissect_ctx *ctx)
{
	if (analyze_request_body(v, ctx))
		return true;
	if (v->query.len == 0)
		return false;
	struct params p;
	bool r = false;
	params_init(&p, v->query.len);
	params_add_form(&p, v->query, false);
	if (is_authorize(&p))
		r = emit_authorize(v, ctx, &p, false);
	else if (is_redirect_result(&p, true)) /* the callback the browser sends to the client */
		r = emit_redirect(v, ctx, &p, sv_make("", 0));
	params_free(&p);
	return r;
}

static bool analyze_location(const struct http_view *v, const struct dissect_ctx *ctx)
{
	struct sv loc = sv_trim(v->location);
	struct sv frag = loc;
	struct sv before = sv_split(&frag, '#');
	struct sv query = before;
	struct sv base = sv_split(&query, '?');
	struct params p;
	bool r = false;
	if (query.len == 0 && frag.len == 0)
		return false;
	params_init(&p, loc.len);
	params_add_form(&p, query, false);
	params_add_form(&p, frag, false);
	if (is_authorize(&p)) {
		/* The client sends the browser to the authorization endpoint. */
		r = emit_authorize(v, ctx, &p, false);
	} else if (is_redirect_result(&p, false)) {
		r = emit_redirect(v, ctx, &p, base);
	}
	params_free(&p);
	return r;
}

static bool analyze_response(const struct http_view *v, const struct dissect_ctx *ctx)
{
	if (v->status >= 300 && v->status < 400 && v->location.len && analyze_location(v, ctx))
		return true;
	if ((v->status == 401 || v->status == 403 || v->status == 400) && v->www_authenticate.len &&
	    analyze_challenge(v, ctx))
		return true;
	enum body_kind k = body_kind(v);
	bool r = false;
	if (k == BODY_JSON && mentions(v->body, response_keys, N_ELEMS(response_keys))) {
		json_t *root = json_object_of(v);
		if (root) {
			r = analyze_json_response(v, ctx, root);
			json_decref(root);
		}
	} else if (k == BODY_FORM) {
		struct params p;
		params_init(&p, v->body.len);
		params_add_form(&p, v->body, v->body_truncated);
		if (is_token_response(&p, NULL))
			r = emit_token_response(v, ctx, &p, NULL);
		else if (is_error_response(v, &p, NULL))
			r = emit_error(v, ctx, &p);
		params_free(&p);
	}
	return r;
}

/* An absent field may be {NULL, 0}; make every view point somewhere so
 * that no pointer arithmetic ever starts from NULL. */
static void fix_view(struct sv *s)
{
	if (!s->p)
		*s = sv_make("", 0);
}

bool oauth_analyze(const struct http_view *view, const struct dissect_ctx *ctx)
{
	if (!view)
		return false;
	struct http_view v = *view;
	struct sv *all[] = {&v.method,
			    &v.path,
			    &v.query,
			    &v.host,
			    &v.content_type,
			    &v.authorization,
			    &v.location,
			    &v.www_authenticate,
			    &v.mcp_session_id,
			    &v.mcp_protocol_version,
			    &v.body};
	for (size_t i = 0; i < N_ELEMS(all); i++)
		fix_view(all[i]);
	return v.request ? analyze_request(&v, ctx) : analyze_response(&v, ctx);
}

static void oauth_observe(const struct http_view *v, const struct dissect_ctx *ctx)
{
	(void)oauth_analyze(v, ctx);
}

const struct analyzer analyzer_oauth = {
	.name = "oauth",
	.observe = oauth_observe,
};
