/* test_agents.c — the aggregator on synthetic observations: paths the
 * recorded captures do not reach (identity providers seen over TLS, OAuth
 * grants without PKCE or by implicit grant, broad scopes). Captures cover the
 * rest through the golden tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "agents.h"
#include "agents_fixture.h"
#include "sig.h"

/* The events an aggregator wrote, parsed (the last test's). */
static json_t *events;

static void on_event(void *user, const char *json, size_t len)
{
	(void)user;
	json_t *e = json_loadb(json, len, 0, NULL);
	assert_non_null(e);
	json_array_append_new(events, e);
}

/* An aggregator with the project's signatures (it owns them). */
static struct agents *new_agents(void)
{
	char err[512];
	struct sig_db *db = NULL;
	assert_int_equal(sig_load_dir(AS_SRC_DIR "/signatures", &db, err, sizeof err), AS_OK);
	json_decref(events);
	events = json_array();
	struct agents_config cfg = {.sigs = db, .sensor_name = "t", .event = on_event};
	struct agents *a = agents_new(&cfg);
	assert_non_null(a);
	return a;
}

/* The inventory agents as parsed JSON (caller decrefs). */
static json_t *inventory(struct agents *a)
{
	agents_finish(a);
	const struct agent **list;
	size_t n = agents_list(a, &list);
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++) {
		struct jw w;
		jw_init(&w, false);
		agent_json(list[i], &w);
		json_array_append_new(arr, json_loadb(w.buf, w.len, 0, NULL));
		jw_free(&w);
	}
	return arr;
}

static bool has_string(json_t *arr, const char *s)
{
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v) if (json_is_string(v) && !strcmp(json_string_value(v), s)) return true;
	return false;
}

static void test_identity_provider_evidence(void **state)
{
	(void)state;
	struct agents *a = new_agents();
	struct flow_ref ai = flow(5, 1, 40000, 443), idp = flow(5, 2, 40001, 443),
			other = flow(6, 2, 40002, 443);
	hello(a, &ai, "api.openai.com");
	hello(a, &idp, "login.microsoftonline.com");
	hello(a, &other, "accounts.google.com"); /* a host with no AI agent: no agent at all */
	end(a, &ai);
	end(a, &idp);
	end(a, &other);
	json_t *inv = inventory(a);
	assert_int_equal(json_array_size(inv), 1);
	json_t *ag = json_array_get(inv, 0);
	assert_string_equal(json_string_value(json_object_get(ag, "kind")), "llm-api-client");
	assert_true(has_string(json_object_get(ag, "identity_providers"), "microsoft-entra-id"));
	json_decref(inv);
	agents_free(a);
}

/* One HTTP exchange as the HTTP layer reports it: a chat completion with
 * a bearer key (its fingerprint `fp`) and a model, answered with `answer`. */
static void exchange(struct agents *a, const struct flow_ref *r, uint32_t id, const char *fp, const char *model,
		     const char *answer, bool protected_bytes)
{
	struct observation o;
	observation_init(&o, OBS_HTTP_EXCHANGE);
	o.protected_bytes = protected_bytes;
	struct obs_http_exchange *x = &o.u.http;
	x->id = id;
	x->seen = HTTP_SEEN_REQUEST | HTTP_SEEN_RESPONSE;
	x->request_us = r->start_us + 500;
	x->req.version = 11;
	x->req.stream = -1;
	snprintf(x->req.method, sizeof x->req.method, "POST");
	snprintf(x->req.path, sizeof x->req.path, "/v1/chat/completions");
	snprintf(x->req.model, sizeof x->req.model, "%s", model);
	x->req.n_credentials = 1;
	x->req.credentials[0] = (struct obs_credential){CRED_AUTH_BEARER, CRED_T_API_KEY, ""};
	snprintf(x->req.credentials[0].fingerprint, sizeof x->req.credentials[0].fingerprint, "%s", fp);
	x->resp.version = 11;
	x->resp.status = 200;
	snprintf(x->resp.content_type, sizeof x->resp.content_type, "application/json");
	snprintf(x->resp.model, sizeof x->resp.model, "%s", answer);
	feed(a, r, &o);
}

/* The llm-request events, in order. */
static json_t *llm_events(void)
{
	json_t *out = json_array();
	size_t i;
	json_t *e;
	json_array_foreach(events, i, e)
	{
		const char *action = json_string_value(json_object_get(json_object_get(e, "event"), "action"));
		if (action && !strcmp(action, "llm-request"))
			json_array_append(out, e);
	}
	return out;
}

static json_t *path(json_t *o, const char *a, const char *b, const char *c)
{
	o = json_object_get(o, a);
	if (b)
		o = json_object_get(o, b);
	if (c)
		o = json_object_get(o, c);
	return o;
}

/* Pipelined requests on one connection: each event carries its own
 * request's credential and model, and its own response's model. */
static void test_exchanges_keep_their_request(void **state)
{
	(void)state;
	struct agents *a = new_agents();
	struct flow_ref f = flow(5, 7, 41000, 8000);
	exchange(a, &f, 1, "aaaaaaaaaaaaaaaa", "gpt-4o-mini", "gpt-4o-mini-2024-07-18", false);
	exchange(a, &f, 2, "bbbbbbbbbbbbbbbb", "gpt-4.1", "gpt-4.1-2025-04-14", false);
	end(a, &f);
	json_t *llm = llm_events();
	assert_int_equal(json_array_size(llm), 2);
	static const char *const fps[] = {"hmac-sha256:aaaaaaaaaaaaaaaa", "hmac-sha256:bbbbbbbbbbbbbbbb"};
	static const char *const models[] = {"gpt-4o-mini", "gpt-4.1"};
	static const char *const answers[] = {"gpt-4o-mini-2024-07-18", "gpt-4.1-2025-04-14"};
	for (size_t i = 0; i < 2; i++) {
		json_t *e = json_array_get(llm, i);
		json_t *cred = json_array_get(path(e, "aisensor", "credentials", NULL), 0);
		assert_string_equal(json_string_value(json_object_get(cred, "fingerprint")), fps[i]);
		assert_true(json_is_true(json_object_get(cred, "cleartext")));
		assert_string_equal(json_string_value(path(e, "gen_ai", "request", "model")), models[i]);
		assert_string_equal(json_string_value(path(e, "gen_ai", "response", "model")), answers[i]);
	}
	json_decref(llm);
	agents_free(a);
}

/* A credential read from bytes that were encrypted on the wire (a TLS
 * server the signatures do not know, decrypted) was never in clear. */
static void test_protected_credential_not_cleartext(void **state)
{
	(void)state;
	struct agents *a = new_agents();
	struct flow_ref f = flow(6, 8, 41001, 443);
	hello(a, &f, "llm.internal.example");
	exchange(a, &f, 1, "cccccccccccccccc", "gpt-4o-mini", "gpt-4o-mini", true);
	end(a, &f);
	json_t *inv = inventory(a);
	json_t *ag = NULL, *it;
	size_t i;
	json_array_foreach(inv, i, it) if (!strcmp(json_string_value(json_object_get(it, "kind")), "llm-api-client")) ag =
	    it;
	assert_non_null(ag);
	json_t *cred = json_array_get(json_object_get(ag, "credentials"), 0);
	assert_non_null(cred);
	assert_false(json_is_true(json_object_get(cred, "cleartext")));
	assert_false(has_string(json_object_get(ag, "risks"), "cleartext-credential"));
	json_t *dest = json_array_get(json_object_get(ag, "destinations"), 0);
	assert_true(json_is_true(json_object_get(dest, "tls")));
	json_t *llm = llm_events();
	json_t *ecred = json_array_get(path(json_array_get(llm, 0), "aisensor", "credentials", NULL), 0);
	assert_false(json_is_true(json_object_get(ecred, "cleartext")));
	json_decref(llm);
	json_decref(inv);
	agents_free(a);
}

static void oauth(struct agents *a, const struct flow_ref *r, enum oauth_kind kind, const char *client_id,
		  const char *scope, const char *response_type, const char *pkce, const char *grant)
{
	struct observation o;
	memset(&o, 0, sizeof o);
	o.type = OBS_OAUTH;
	o.u.oauth.kind = (uint8_t)kind;
	snprintf(o.u.oauth.http.host, sizeof o.u.oauth.http.host, "idp.example.com");
	snprintf(o.u.oauth.client_id, sizeof o.u.oauth.client_id, "%s", client_id);
	snprintf(o.u.oauth.scope, sizeof o.u.oauth.scope, "%s", scope);
	snprintf(o.u.oauth.response_type, sizeof o.u.oauth.response_type, "%s", response_type);
	snprintf(o.u.oauth.code_challenge_method, sizeof o.u.oauth.code_challenge_method, "%s", pkce);
	snprintf(o.u.oauth.grant_type, sizeof o.u.oauth.grant_type, "%s", grant);
	if (kind == OAUTH_TOKEN_REQUEST && !strcmp(grant, "client_credentials"))
		snprintf(o.u.oauth.client_auth, sizeof o.u.oauth.client_auth, "client_secret_basic");
	if (kind == OAUTH_TOKEN_REQUEST && !strcmp(grant, "authorization_code")) {
		/* the code and a PKCE verifier, as fingerprints */
		o.u.oauth.n_secrets = 2;
		o.u.oauth.secrets[0] = (struct obs_credential){CRED_OAUTH_CODE, CRED_T_CODE, "00112233aabbccdd"};
		o.u.oauth.secrets[1] =
		    (struct obs_credential){CRED_OAUTH_CODE_VERIFIER, CRED_T_CODE, "44556677aabbccdd"};
	}
	feed(a, r, &o);
}

/* An authorization request without a code challenge, then a token request
 * that sends a verifier anyway: no PKCE was in force. (The grant's "none"
 * was copied onto itself and came out empty: "unknown", no risk.) */
static void test_oauth_verifier_without_challenge(void **state)
{
	(void)state;
	struct agents *a = new_agents();
	struct flow_ref f = flow(7, 9, 41000, 80);
	oauth(a, &f, OAUTH_AUTHORIZE, "app-1", "openid", "code", "", "");
	oauth(a, &f, OAUTH_TOKEN_REQUEST, "app-1", "", "", "", "authorization_code");
	end(a, &f);
	json_t *inv = inventory(a);
	assert_int_equal(json_array_size(inv), 1);
	json_t *ag = json_array_get(inv, 0);
	json_t *grant = json_array_get(json_object_get(ag, "oauth"), 0);
	assert_non_null(grant);
	assert_string_equal(json_string_value(json_object_get(grant, "pkce")), "none");
	assert_true(has_string(json_object_get(ag, "risks"), "oauth-no-pkce"));
	json_decref(inv);
	agents_free(a);
}

static void test_oauth_risks(void **state)
{
	(void)state;
	struct agents *a = new_agents();
	struct flow_ref f1 = flow(7, 9, 41000, 80), f2 = flow(8, 9, 41001, 80), f3 = flow(9, 9, 41002, 80);
	/* A code flow without PKCE asking for the whole mailbox. */
	oauth(a, &f1, OAUTH_AUTHORIZE, "app-1", "openid https://mail.google.com/", "code", "", "");
	/* An implicit grant. */
	oauth(a, &f2, OAUTH_AUTHORIZE, "app-2", "openid", "token", "", "");
	/* A service with a static client secret. */
	oauth(a, &f3, OAUTH_TOKEN_REQUEST, "svc-3", "", "", "", "client_credentials");
	end(a, &f1);
	end(a, &f2);
	end(a, &f3);
	json_t *inv = inventory(a);
	assert_int_equal(json_array_size(inv), 3);
	size_t i;
	json_t *ag;
	int seen = 0;
	json_array_foreach(inv, i, ag)
	{
		const char *ip = json_string_value(json_object_get(json_object_get(ag, "host"), "ip"));
		json_t *r = json_object_get(ag, "risks");
		assert_string_equal(json_string_value(json_object_get(ag, "kind")), "oauth-client");
		if (!strcmp(ip, "10.0.0.7")) {
			assert_true(has_string(r, "oauth-no-pkce"));
			assert_true(has_string(r, "oauth-broad-scope"));
			seen++;
		} else if (!strcmp(ip, "10.0.0.8")) {
			assert_true(has_string(r, "oauth-implicit-grant"));
			assert_false(has_string(r, "oauth-broad-scope"));
			seen++;
		} else if (!strcmp(ip, "10.0.0.9")) {
			assert_true(has_string(r, "oauth-client-credentials-static-secret"));
			seen++;
		}
	}
	assert_int_equal(seen, 3);
	json_decref(inv);
	agents_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_identity_provider_evidence),
	    cmocka_unit_test(test_oauth_risks),
	    cmocka_unit_test(test_oauth_verifier_without_challenge),
	    cmocka_unit_test(test_exchanges_keep_their_request),
	    cmocka_unit_test(test_protected_credential_not_cleartext),
	};
	int r = cmocka_run_group_tests(tests, NULL, NULL);
	json_decref(events);
	return r;
}
