/* test_oauth.c — OAuth / OpenID analyzer: table-driven HTTP message views
 * (RFC 6749, 7636, 7591, 8414, 8693, 9126, 9728 and ID-JAG draft examples)
 * checked field by field, secrets absent from every byte, negatives and
 * malformed input. */
/* Only the observation log and context of the harness are used here: the
 * analyzer is a pure function of one message, with no stream to split. */
#include "dissect_harness.h"

#include "fingerprint.h"
#include "analyzer.h"
#include "strview.h"

/* Expected observations leave most fields implicit (zero). */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

/* One HTTP message as plain strings (NULL = absent). */
struct msg {
	bool request;
	const char *method, *path, *query, *host;
	uint16_t status;
	const char *ctype, *auth, *location, *www, *body;
	bool truncated;
};

struct secret {
	uint8_t where, type;
	const char *value; /* the decoded secret the fingerprint covers */
};

struct oauth_case {
	const char *name;
	struct msg m;
	bool match;
	struct obs_oauth want; /* n_secrets/secrets are filled from `secrets` */
	struct secret secrets[5];
	const char *absent[6];	  /* other input bytes that must not be copied */
	const char *anomalies[3]; /* anomaly reasons expected, in order */
};

static struct sv msv(const char *s)
{
	return s ? sv_from_cstr(s) : sv_make(NULL, 0);
}

static struct http_view view_of(const struct msg *m)
{
	struct http_view v;
	memset(&v, 0, sizeof v);
	v.request = m->request;
	v.method = msv(m->method);
	v.path = msv(m->path);
	v.query = msv(m->query);
	v.host = msv(m->host);
	v.status = m->status;
	v.content_type = msv(m->ctype);
	v.authorization = msv(m->auth);
	v.location = msv(m->location);
	v.www_authenticate = msv(m->www);
	v.body = msv(m->body);
	v.body_truncated = m->truncated;
	return v;
}

/* ---- example values ---- */

#define RFC_CODE "SplxlOBeZQQYbYS6WxSbIA"
#define RFC_BASIC "czZCaGRSa3F0MzpnWDFmQmF0M2JW" /* s6BhdRkqt3:gX1fBat3bV */
#define RFC_CB_ENC "https%3A%2F%2Fclient%2Eexample%2Ecom%2Fcb"
#define PKCE_VERIFIER "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
#define PKCE_CHALLENGE "E9Melhoa2OwvFrEMTJguCjaoeK1ZXDw-3uUtpZmtBuw"
#define ID_TOKEN                                                                                             \
	"eyJraWQiOiJzMTZ0cVNtODhwREo4VGZCXzdrSEtQIiwiYWxnIjoiUlMyNTYifQ.eyJzdWIiOiJVMDE5NDg4MjI3In0."        \
	"c2lnbmF0dXJlLWlkLXRva2Vu"
#define CLIENT_ASSERTION "eyJhbGciOiJSUzI1NiIsImtpZCI6IjIyIn0.eyJpc3MiOiJ3aWtpIn0.c2lnLWNsaWVudA"
#define HS_ASSERTION "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhcHAifQ.aG1hYy1zaWc"
#define ID_JAG                                                                                               \
	"eyJ0eXAiOiJvYXV0aC1pZC1qYWcrand0IiwiYWxnIjoiRVMyNTYifQ."                                            \
	"eyJpc3MiOiJodHRwczovL2FjbWUuaWRwLmV4YW1wbGUvIiwic3ViIjoiVTAxOTQ4ODIyNyIsImF1ZCI6Imh0dHBzOi8vYWNtZS" \
	"5j"                                                                                                 \
	"aGF0LmV4YW1wbGUvIiwiY2xpZW50X2lkIjoiZjUzZjE5MWY5MzExYWYzNSJ9.c2lnLWlkLWphZw"
#define EXCH_JWT                                                                                             \
	"eyJhbGciOiJFUzI1NiIsImtpZCI6IjllciJ9."                                                              \
	"eyJhdWQiOiJodHRwczovL2JhY2tlbmQuZXhhbXBsZS5jb20iLCJpc3MiOiJodHRw"                                   \
	"czovL2FzLmV4YW1wbGUuY29tIiwiZXhwIjoxNDQxOTE3NTkzLCJpYXQiOjE0NDE5MTc1MzMsInN1YiI6ImJkY0BleGFtcGxlLm" \
	"Nv"                                                                                                 \
	"bSIsInNjb3BlIjoiYXBpIn0.40y3ZgQedw6rxf59WlwHDD9jryFOr0_"                                            \
	"Wh3CGozQBihNBhnXEQgU85AI9x3KmsPottVMLPIWvmDCMy5-kdXjwhw"

#define URN_TE "urn:ietf:params:oauth:grant-type:token-exchange"
#define URN_JWTB "urn:ietf:params:oauth:grant-type:jwt-bearer"
#define URN_IDJAG "urn:ietf:params:oauth:token-type:id-jag"

#define REQ(meth, p, q, h) .request = true, .method = meth, .path = p, .query = q, .host = h
#define RESP(p, h, st) .request = false, .method = "GET", .path = p, .host = h, .status = st
#define FORM "application/x-www-form-urlencoded"
#define JSON "application/json"

static const struct oauth_case cases[] = {
    /* ---- authorization requests ---- */
    {"rfc6749_4_1_1_authorize",
     {REQ("GET", "/authorize", "response_type=code&client_id=s6BhdRkqt3&state=xyz&redirect_uri=" RFC_CB_ENC,
	  "server.example.com")},
     true,
     {.kind = OAUTH_AUTHORIZE,
      .http.host = "server.example.com",
      .http.path = "/authorize",
      .client_id = "s6BhdRkqt3",
      .redirect_uri = "https://client.example.com/cb",
      .response_type = "code"},
     {{0}},
     {"xyz"}},
    {"rfc7636_authorize_s256_resource",
     {REQ("GET", "/oauth2/authorize",
	  "response_type=code&client_id=mcp-client&redirect_uri=http%3A%2F%2Flocalhost%3A3118%2Fcallback"
	  "&scope=mcp%3Atools+offline_access&state=af0ifjsldkj&code_challenge=" PKCE_CHALLENGE
	  "&code_challenge_method=S256&resource=https%3A%2F%2Fmcp.example.com%2Fmcp",
	  "Auth.Example.COM")},
     true,
     {.kind = OAUTH_AUTHORIZE,
      .http.host = "auth.example.com",
      .http.path = "/oauth2/authorize",
      .client_id = "mcp-client",
      .redirect_uri = "http://localhost:3118/callback",
      .scope = "mcp:tools offline_access",
      .response_type = "code",
      .code_challenge_method = "S256",
      .resource = "https://mcp.example.com/mcp"},
     {{0}},
     {"af0ifjsldkj"}},
    {"rfc7636_authorize_plain_default",
     {REQ("GET", "/authorize",
	  "client_id=c1&response_type=code&code_challenge=abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
	  "as.example")},
     true,
     {.kind = OAUTH_AUTHORIZE,
      .http.host = "as.example",
      .http.path = "/authorize",
      .client_id = "c1",
      .response_type = "code",
      .code_challenge_method = "plain"}},
    {"rfc9126_authorize_request_uri",
     {REQ("GET", "/authorize", "client_id=CLIENT1234&request_uri=urn%3Aexample%3Abwc4JK-ESC0w8acc191e-Y1LTC2",
	  "as.example.com")},
     true,
     {.kind = OAUTH_AUTHORIZE, .http.host = "as.example.com", .http.path = "/authorize", .client_id = "CLIENT1234"}},
    {"rfc9126_par_post",
     {REQ("POST", "/as/par", NULL, "as.example.com"), .ctype = FORM, .auth = "Basic " RFC_BASIC,
      .body =
	  "response_type=code&client_id=s6BhdRkqt3&state=af0ifjsldkj&redirect_uri=https%3A%2F%2Fclient."
	  "example.org%2Fcb"
	  "&code_challenge=K2-ltc83acc4h0c9w6ESC_rEMTJ3bww-uCHaoeK1t8U&code_challenge_method=S256&scope=ais"},
     true,
     {.kind = OAUTH_AUTHORIZE,
      .http.host = "as.example.com",
      .http.path = "/as/par",
      .client_id = "s6BhdRkqt3",
      .redirect_uri = "https://client.example.org/cb",
      .scope = "ais",
      .response_type = "code",
      .code_challenge_method = "S256",
      .client_auth = "client_secret_basic"},
     {{CRED_OAUTH_CLIENT_SECRET, CRED_T_PASSWORD, "gX1fBat3bV"}},
     {RFC_BASIC}},
    {"idjag_redirect_to_authorize",
     {RESP("/login", "acme.wiki.example", 302),
      .location = "https://acme.idp.example/authorize?response_type=code&scope=openid&client_id=wiki-app"},
     true,
     {.kind = OAUTH_AUTHORIZE,
      .http.host = "acme.wiki.example",
      .http.path = "/login",
      .http.status = 302,
      .client_id = "wiki-app",
      .scope = "openid",
      .response_type = "code"}},

    /* ---- redirects back to the client ---- */
    {"rfc6749_4_1_2_redirect_code",
     {RESP("/authorize", "server.example.com", 302),
      .location = "https://client.example.com/cb?code=" RFC_CODE "&state=xyz"},
     true,
     {.kind = OAUTH_AUTHORIZE_REDIRECT,
      .http.host = "server.example.com",
      .http.path = "/authorize",
      .http.status = 302,
      .redirect_uri = "https://client.example.com/cb",
      .response_type = "code"},
     {{CRED_OAUTH_CODE, CRED_T_CODE, RFC_CODE}},
     {"xyz"}},
    {"rfc6749_4_1_2_1_redirect_error",
     {RESP("/authorize", "server.example.com", 302),
      .location = "https://client.example.com/cb?error=access_denied&state=xyz"},
     true,
     {.kind = OAUTH_AUTHORIZE_REDIRECT,
      .http.host = "server.example.com",
      .http.path = "/authorize",
      .http.status = 302,
      .redirect_uri = "https://client.example.com/cb",
      .error = "access_denied"}},
    {"rfc6749_4_2_2_implicit",
     {RESP("/authorize", "server.example.com", 302),
      .location = "http://example.com/"
		  "cb#access_token=2YotnFZFEjr1zCsicMWpAA&state=xyz&token_type=example&expires_in=3600"},
     true,
     {.kind = OAUTH_AUTHORIZE_REDIRECT,
      .http.host = "server.example.com",
      .http.path = "/authorize",
      .http.status = 302,
      .redirect_uri = "http://example.com/cb",
      .response_type = "token",
      .token_type = "example",
      .expires_in = 3600},
     {{CRED_OAUTH_ACCESS_TOKEN, CRED_T_TOKEN, "2YotnFZFEjr1zCsicMWpAA"}}},
    {"rfc9207_redirect_iss_303",
     {RESP("/authorize", "as.example", 303),
      .location = "https://client.example/"
		  "cb?code=x1848ZT64p4IirMPT0R-X3141MFPTuBX-VFL_cvaplMH58&state="
		  "ZWVlNDBlYzA1NjdkMDNhYjg3ZjUxZjAyNGQzMTM2NzI&iss=https%3A%2F%2Fhonest.as.example"},
     true,
     {.kind = OAUTH_AUTHORIZE_REDIRECT,
      .http.host = "as.example",
      .http.path = "/authorize",
      .http.status = 303,
      .redirect_uri = "https://client.example/cb",
      .response_type = "code",
      .issuer = "https://honest.as.example"},
     {{CRED_OAUTH_CODE, CRED_T_CODE, "x1848ZT64p4IirMPT0R-X3141MFPTuBX-VFL_cvaplMH58"}}},
    {"callback_request_on_client",
     {REQ("GET", "/callback", "code=" RFC_CODE "&state=xyz", "127.0.0.1")},
     true,
     {.kind = OAUTH_AUTHORIZE_REDIRECT, .http.host = "127.0.0.1", .http.path = "/callback", .response_type = "code"},
     {{CRED_OAUTH_CODE, CRED_T_CODE, RFC_CODE}}},

    /* ---- token requests ---- */
    {"rfc6749_4_1_3_token_basic",
     {REQ("POST", "/token", NULL, "server.example.com"), .ctype = FORM, .auth = "Basic " RFC_BASIC,
      .body = "grant_type=authorization_code&code=" RFC_CODE "&redirect_uri=" RFC_CB_ENC},
     true,
     {.kind = OAUTH_TOKEN_REQUEST,
      .http.host = "server.example.com",
      .http.path = "/token",
      .client_id = "s6BhdRkqt3",
      .redirect_uri = "https://client.example.com/cb",
      .grant_type = "authorization_code",
      .client_auth = "client_secret_basic"},
     {{CRED_OAUTH_CODE, CRED_T_CODE, RFC_CODE}, {CRED_OAUTH_CLIENT_SECRET, CRED_T_PASSWORD, "gX1fBat3bV"}},
     {RFC_BASIC}},
    {"rfc7636_token_public_client",
     {REQ("POST", "/token", NULL, "as.example"), .ctype = "application/x-www-form-urlencoded; charset=UTF-8",
      .body = "grant_type=authorization_code&code=" RFC_CODE
	      "&redirect_uri=http%3A%2F%2Flocalhost%3A3118%2Fcallback&client_id=mcp-client&code_"
	      "verifier=" PKCE_VERIFIER "&resource=https%3A%2F%2Fmcp.example.com%2Fmcp"},
     true,
     {.kind = OAUTH_TOKEN_REQUEST,
      .http.host = "as.example",
      .http.path = "/token",
      .client_id = "mcp-client",
      .redirect_uri = "http://localhost:3118/callback",
      .resource = "https://mcp.example.com/mcp",
      .grant_type = "authorization_code",
      .client_auth = "none"},
     {{CRED_OAUTH_CODE, CRED_T_CODE, RFC_CODE}, {CRED_OAUTH_CODE_VERIFIER, CRED_T_CODE, PKCE_VERIFIER}}},
    {"rfc6749_4_4_client_credentials_post",
     {REQ("POST", "/oauth/token", NULL, "as.example"), .ctype = FORM,
      .body =
	  "grant_type=client_credentials&client_id=svc%2Dbot&client_secret=s3cr%2Bt%21x&scope=read+write"},
     true,
     {.kind = OAUTH_TOKEN_REQUEST,
      .http.host = "as.example",
      .http.path = "/oauth/token",
      .client_id = "svc-bot",
      .scope = "read write",
      .grant_type = "client_credentials",
      .client_auth = "client_secret_post"},
     {{CRED_OAUTH_CLIENT_SECRET, CRED_T_PASSWORD, "s3cr+t!x"}},
     {"s3cr%2Bt%21x", "s3cr"}},
    {"rfc6749_6_refresh",
     {REQ("POST", "/token", NULL, "server.example.com"), .ctype = FORM, .auth = "Basic " RFC_BASIC,
      .body = "grant_type=refresh_token&refresh_token=tGzv3JOkF0XG5Qx2TlKWIA"},
     true,
     {.kind = OAUTH_TOKEN_REQUEST,
      .http.host = "server.example.com",
      .http.path = "/token",
      .client_id = "s6BhdRkqt3",
      .grant_type = "refresh_token",
      .client_auth = "client_secret_basic"},
     {{CRED_OAUTH_REFRESH_TOKEN, CRED_T_TOKEN, "tGzv3JOkF0XG5Qx2TlKWIA"},
      {CRED_OAUTH_CLIENT_SECRET, CRED_T_PASSWORD, "gX1fBat3bV"}}},
    {"rfc8693_2_3_token_exchange",
     {REQ("POST", "/as/token.oauth2", NULL, "as.example.com"), .ctype = FORM,
      .auth = "Basic cnMwODpsb25nLXNlY3VyZS1yYW5kb20tc2VjcmV0",
      .body = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange"
	      "&resource=https%3A%2F%2Fbackend.example.com%2Fapi"
	      "&subject_token=accVkjcJyb4BWCxGsndESCJQbdFMogUC5PbRDqceLTC"
	      "&subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aaccess_token"},
     true,
     {.kind = OAUTH_TOKEN_REQUEST,
      .http.host = "as.example.com",
      .http.path = "/as/token.oauth2",
      .client_id = "rs08",
      .resource = "https://backend.example.com/api",
      .grant_type = URN_TE,
      .client_auth = "client_secret_basic",
      .subject_token_type = "urn:ietf:params:oauth:token-type:access_token"},
     {{CRED_OAUTH_CLIENT_SECRET, CRED_T_PASSWORD, "long-secure-random-secret"},
      {CRED_OAUTH_ASSERTION, CRED_T_TOKEN, "accVkjcJyb4BWCxGsndESCJQbdFMogUC5PbRDqceLTC"}},
     {"cnMwODpsb25nLXNlY3VyZS1yYW5kb20tc2VjcmV0"}},
    {"idjag_token_exchange",
     {REQ("POST", "/oauth2/token", NULL, "acme.idp.example"), .ctype = FORM,
      .body = "grant_type=" URN_TE "&requested_token_type=" URN_IDJAG
	      "&audience=https://acme.chat.example/&resource=https://api.chat.example/"
	      "&scope=chat.read+chat.history"
	      "&subject_token=" ID_TOKEN "&subject_token_type=urn:ietf:params:oauth:token-type:id_token"
	      "&client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
	      "&client_assertion=" CLIENT_ASSERTION},
     true,
     {.kind = OAUTH_TOKEN_REQUEST,
      .http.host = "acme.idp.example",
      .http.path = "/oauth2/token",
      .scope = "chat.read chat.history",
      .resource = "https://api.chat.example/",
      .grant_type = URN_TE,
      .client_auth = "private_key_jwt",
      .subject_token_type = "urn:ietf:params:oauth:token-type:id_token",
      .requested_token_type = URN_IDJAG},
     {{CRED_OAUTH_ASSERTION, CRED_T_JWT, CLIENT_ASSERTION}, {CRED_OAUTH_ASSERTION, CRED_T_JWT, ID_TOKEN}}},
    {"idjag_jwt_bearer_grant",
     {REQ("POST", "/oauth2/token", NULL, "acme.chat.example"), .ctype = FORM,
      .auth = "Basic Y2hhdC1jbGllbnQ6Y2hhdC1zZWNyZXQ=", .body = "grant_type=" URN_JWTB "&assertion=" ID_JAG},
     true,
     {.kind = OAUTH_TOKEN_REQUEST,
      .http.host = "acme.chat.example",
      .http.path = "/oauth2/token",
      .client_id = "chat-client",
      .grant_type = URN_JWTB,
      .client_auth = "client_secret_basic"},
     {{CRED_OAUTH_CLIENT_SECRET, CRED_T_PASSWORD, "chat-secret"},
      {CRED_OAUTH_ASSERTION, CRED_T_JWT, ID_JAG}}},
    {"rfc7523_client_secret_jwt",
     {REQ("POST", "/token", NULL, "as.example"), .ctype = FORM,
      .body = "grant_type=client_credentials&client_id=app"
	      "&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"
	      "&client_assertion=" HS_ASSERTION},
     true,
     {.kind = OAUTH_TOKEN_REQUEST,
      .http.host = "as.example",
      .http.path = "/token",
      .client_id = "app",
      .grant_type = "client_credentials",
      .client_auth = "client_secret_jwt"},
     {{CRED_OAUTH_ASSERTION, CRED_T_JWT, HS_ASSERTION}}},
    {"rfc6749_4_3_password_grant",
     {REQ("POST", "/token", NULL, "as.example"), .ctype = FORM,
      .body = "grant_type=password&username=johndoe&password=A3ddj3w&client_id=legacy"},
     true,
     {.kind = OAUTH_TOKEN_REQUEST,
      .http.host = "as.example",
      .http.path = "/token",
      .client_id = "legacy",
      .grant_type = "password",
      .client_auth = "none"},
     {{CRED_OAUTH_PASSWORD, CRED_T_PASSWORD, "A3ddj3w"}},
     {"johndoe"}},
    {"rfc8628_device_code_grant",
     {REQ("POST", "/token", NULL, "as.example"), .ctype = FORM,
      .body = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code"
	      "&device_code=GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS&client_id=1406020730"},
     true,
     {.kind = OAUTH_TOKEN_REQUEST,
      .http.host = "as.example",
      .http.path = "/token",
      .client_id = "1406020730",
      .grant_type = "urn:ietf:params:oauth:grant-type:device_code",
      .client_auth = "none"},
     {{CRED_OAUTH_CODE, CRED_T_CODE, "GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS"}}},
    {"json_token_request",
     {REQ("POST", "/oauth/token", NULL, "tenant.auth0.example"), .ctype = JSON,
      .body =
	  "{\"grant_type\":\"client_credentials\",\"client_id\":\"abc\",\"client_secret\":\"xyzSECRET123\","
	  "\"audience\":\"https://api.example\"}"},
     true,
     {.kind = OAUTH_TOKEN_REQUEST,
      .http.host = "tenant.auth0.example",
      .http.path = "/oauth/token",
      .client_id = "abc",
      .grant_type = "client_credentials",
      .client_auth = "client_secret_post"},
     {{CRED_OAUTH_CLIENT_SECRET, CRED_T_PASSWORD, "xyzSECRET123"}}},
    {"idjag_draft_form_without_content_type",
     {REQ("POST", "/oauth2/token", NULL, "acme.chat.example"),
      .auth = "Basic yZS1yYW5kb20tc2VjcmV0v3JOkF0XG5Qx2",
      .body = "grant_type=" URN_JWTB "&assertion=" ID_JAG},
     true,
     {.kind = OAUTH_TOKEN_REQUEST,
      .http.host = "acme.chat.example",
      .http.path = "/oauth2/token",
      .grant_type = URN_JWTB,
      .client_auth = "client_secret_basic"},
     {{CRED_OAUTH_ASSERTION, CRED_T_JWT, ID_JAG}},
     {"yZS1yYW5kb20tc2VjcmV0v3JOkF0XG5Qx2"}},

    /* ---- token responses ---- */
    {"rfc6749_4_1_4_token_response",
     {RESP("/token", "server.example.com", 200), .ctype = "application/json;charset=UTF-8",
      .body = "{\n \"access_token\":\"2YotnFZFEjr1zCsicMWpAA\",\n \"token_type\":\"example\",\n "
	      "\"expires_in\":3600,\n"
	      " \"refresh_token\":\"tGzv3JOkF0XG5Qx2TlKWIA\",\n \"example_parameter\":\"example_value\"\n}"},
     true,
     {.kind = OAUTH_TOKEN_RESPONSE,
      .http.host = "server.example.com",
      .http.path = "/token",
      .http.status = 200,
      .token_type = "example",
      .expires_in = 3600,
      .refresh_token = true},
     {{CRED_OAUTH_ACCESS_TOKEN, CRED_T_TOKEN, "2YotnFZFEjr1zCsicMWpAA"},
      {CRED_OAUTH_REFRESH_TOKEN, CRED_T_TOKEN, "tGzv3JOkF0XG5Qx2TlKWIA"}}},
    {"rfc8693_2_3_token_exchange_response",
     {RESP("/as/token.oauth2", "as.example.com", 200), .ctype = JSON,
      .body = "{\"access_token\":\"" EXCH_JWT
	      "\",\"issued_token_type\":\"urn:ietf:params:oauth:token-type:access_token\","
	      "\"token_type\":\"Bearer\",\"expires_in\":60}"},
     true,
     {.kind = OAUTH_TOKEN_RESPONSE,
      .http.host = "as.example.com",
      .http.path = "/as/token.oauth2",
      .http.status = 200,
      .issued_token_type = "urn:ietf:params:oauth:token-type:access_token",
      .token_type = "Bearer",
      .expires_in = 60},
     {{CRED_OAUTH_ACCESS_TOKEN, CRED_T_JWT, EXCH_JWT}}},
    {"idjag_token_exchange_response",
     {RESP("/oauth2/token", "acme.idp.example", 200), .ctype = JSON,
      .body =
	  "{\"issued_token_type\":\"" URN_IDJAG "\",\"access_token\":\"" ID_JAG "\",\"token_type\":\"N_A\","
	  "\"scope\":\"chat.read chat.history\",\"expires_in\":300}"},
     true,
     {.kind = OAUTH_TOKEN_RESPONSE,
      .http.host = "acme.idp.example",
      .http.path = "/oauth2/token",
      .http.status = 200,
      .scope = "chat.read chat.history",
      .issued_token_type = URN_IDJAG,
      .token_type = "N_A",
      .expires_in = 300},
     {{CRED_OAUTH_ASSERTION, CRED_T_JWT, ID_JAG}}},
    {"oidc_token_response_id_token",
     {RESP("/token", "acme.idp.example", 200), .ctype = JSON,
      .body = "{\"id_token\":\"" ID_TOKEN
	      "\",\"token_type\":\"Bearer\",\"access_token\":\"7SliwCQP1brGdjBtsaMnXo\","
	      "\"scope\":\"openid\",\"expires_in\":\"3599\"}"},
     true,
     {.kind = OAUTH_TOKEN_RESPONSE,
      .http.host = "acme.idp.example",
      .http.path = "/token",
      .http.status = 200,
      .scope = "openid",
      .token_type = "Bearer",
      .expires_in = 3599,
      .id_token = true},
     {{CRED_OAUTH_ACCESS_TOKEN, CRED_T_TOKEN, "7SliwCQP1brGdjBtsaMnXo"},
      {CRED_OAUTH_ID_TOKEN, CRED_T_JWT, ID_TOKEN}}},
    {"github_form_token_response",
     {RESP("/login/oauth/access_token", "github.com", 200), .ctype = FORM,
      .body = "access_token=gho_16C7e42F292c6912E7710c838347Ae178B4a&scope=repo%2Cgist&token_type=bearer"},
     true,
     {.kind = OAUTH_TOKEN_RESPONSE,
      .http.host = "github.com",
      .http.path = "/login/oauth/access_token",
      .http.status = 200,
      .scope = "repo,gist",
      .token_type = "bearer"},
     {{CRED_OAUTH_ACCESS_TOKEN, CRED_T_TOKEN, "gho_16C7e42F292c6912E7710c838347Ae178B4a"}}},

    /* ---- errors ---- */
    {"rfc6749_5_2_token_error",
     {RESP("/oauth2/token", "acme.idp.example", 400), .ctype = JSON,
      .body = "{\"error\": \"invalid_grant\", \"error_description\": \"Audience validation failed\"}"},
     true,
     {.kind = OAUTH_ERROR,
      .http.host = "acme.idp.example",
      .http.path = "/oauth2/token",
      .http.status = 400,
      .error = "invalid_grant"},
     {{0}},
     {"Audience validation failed"}},
    {"rfc7591_3_2_2_registration_error",
     {RESP("/register", "server.example.com", 400), .ctype = JSON,
      .body = "{\"error\": \"invalid_redirect_uri\", \"error_description\": \"The redirection URI "
	      "http://sketchy.example.com is not allowed by this server.\"}"},
     true,
     {.kind = OAUTH_ERROR,
      .http.host = "server.example.com",
      .http.path = "/register",
      .http.status = 400,
      .error = "invalid_redirect_uri"}},
    {"invalid_client_401_basic_challenge",
     {RESP("/token", "as.example", 401), .ctype = JSON, .www = "Basic realm=\"as\"",
      .body = "{\"error\":\"invalid_client\"}"},
     true,
     {.kind = OAUTH_ERROR,
      .http.host = "as.example",
      .http.path = "/token",
      .http.status = 401,
      .error = "invalid_client"}},

    /* ---- dynamic client registration ---- */
    {"rfc7591_3_1_register_request",
     {REQ("POST", "/register", NULL, "server.example.com"), .ctype = JSON,
      .body = "{\n \"redirect_uris\": [\n   \"https://client.example.org/callback\",\n"
	      "   \"https://client.example.org/callback2\"],\n \"client_name\": \"My Example Client\",\n"
	      " \"client_name#ja-Jpan-JP\":\n     \"\\u30AF\\u30E9\\u30A4\\u30A2\\u30F3\\u30C8\\u540D\",\n"
	      " \"token_endpoint_auth_method\": \"client_secret_basic\",\n"
	      " \"logo_uri\": \"https://client.example.org/logo.png\",\n"
	      " \"jwks_uri\": \"https://client.example.org/my_public_keys.jwks\",\n"
	      " \"example_extension_parameter\": \"example_value\"\n}"},
     true,
     {.kind = OAUTH_REGISTER_REQUEST,
      .http.host = "server.example.com",
      .http.path = "/register",
      .client_name = "My Example Client",
      .redirect_uri = "https://client.example.org/callback",
      .client_auth = "client_secret_basic"}},
    {"mcp_register_request",
     {REQ("POST", "/register", NULL, "mcp.example.com"), .ctype = JSON,
      .body = "{\"client_name\":\"Claude Code "
	      "(my-server)\",\"redirect_uris\":[\"http://localhost:3118/callback\"],"
	      "\"grant_types\":[\"authorization_code\",\"refresh_token\"],\"response_types\":[\"code\"],"
	      "\"token_endpoint_auth_method\":\"none\",\"scope\":\"mcp:tools\"}"},
     true,
     {.kind = OAUTH_REGISTER_REQUEST,
      .http.host = "mcp.example.com",
      .http.path = "/register",
      .client_name = "Claude Code (my-server)",
      .redirect_uri = "http://localhost:3118/callback",
      .scope = "mcp:tools",
      .response_type = "code",
      .grant_types = "authorization_code refresh_token",
      .client_auth = "none"}},
    {"rfc7591_3_2_1_register_response",
     {RESP("/register", "server.example.com", 201), .ctype = JSON,
      .body = "{\n \"client_id\": \"s6BhdRkqt3\",\n \"client_secret\": \"cf136dc3c1fc93f31185e5885805d\",\n"
	      " \"client_id_issued_at\": 2893256800,\n \"client_secret_expires_at\": 2893276800,\n"
	      " \"redirect_uris\": [\n   \"https://client.example.org/callback\",\n"
	      "   \"https://client.example.org/callback2\"],\n"
	      " \"grant_types\": [\"authorization_code\", \"refresh_token\"],\n"
	      " \"client_name\": \"My Example Client\",\n"
	      " \"token_endpoint_auth_method\": \"client_secret_basic\",\n"
	      " \"registration_access_token\": \"reg-23410913-abewfq.123483\"\n}"},
     true,
     {.kind = OAUTH_REGISTER_RESPONSE,
      .http.host = "server.example.com",
      .http.path = "/register",
      .http.status = 201,
      .client_id = "s6BhdRkqt3",
      .client_name = "My Example Client",
      .redirect_uri = "https://client.example.org/callback",
      .grant_types = "authorization_code refresh_token",
      .client_auth = "client_secret_basic"},
     {{CRED_OAUTH_CLIENT_SECRET, CRED_T_PASSWORD, "cf136dc3c1fc93f31185e5885805d"},
      {CRED_OAUTH_ACCESS_TOKEN, CRED_T_TOKEN, "reg-23410913-abewfq.123483"}}},

    /* ---- metadata ---- */
    {"rfc8414_3_2_as_metadata",
     {RESP("/.well-known/oauth-authorization-server", "server.example.com", 200), .ctype = JSON,
      .body =
	  "{\n \"issuer\":\n   \"https://server.example.com\",\n \"authorization_endpoint\":\n"
	  "   \"https://server.example.com/authorize\",\n \"token_endpoint\":\n   "
	  "\"https://server.example.com/token\",\n"
	  " \"token_endpoint_auth_methods_supported\":\n   [\"client_secret_basic\", \"private_key_jwt\"],\n"
	  " \"token_endpoint_auth_signing_alg_values_supported\":\n   [\"RS256\", \"ES256\"],\n"
	  " \"userinfo_endpoint\":\n   \"https://server.example.com/userinfo\",\n"
	  " \"jwks_uri\":\n   \"https://server.example.com/jwks.json\",\n"
	  " \"registration_endpoint\":\n   \"https://server.example.com/register\",\n"
	  " \"scopes_supported\":\n   [\"openid\", \"profile\", \"email\", \"address\",\n    \"phone\", "
	  "\"offline_access\"],\n"
	  " \"response_types_supported\":\n   [\"code\", \"code token\"],\n"
	  " \"service_documentation\":\n   \"http://server.example.com/service_documentation.html\",\n"
	  " \"ui_locales_supported\":\n   [\"en-US\", \"en-GB\", \"en-CA\", \"fr-FR\", \"fr-CA\"]\n}"},
     true,
     {.kind = OAUTH_AS_METADATA,
      .http.host = "server.example.com",
      .http.path = "/.well-known/oauth-authorization-server",
      .http.status = 200,
      .scope = "openid profile email address phone offline_access",
      .issuer = "https://server.example.com",
      .registration_endpoint = "https://server.example.com/register"}},
    {"openid_configuration",
     {RESP("/realms/corp/.well-known/openid-configuration", "kc.example", 200), .ctype = "text/plain",
      .body =
	  "{\"issuer\":\"https://kc.example/realms/corp\",\"authorization_endpoint\":\"https://kc.example/"
	  "auth\","
	  "\"token_endpoint\":\"https://kc.example/token\",\"grant_types_supported\":[\"authorization_code\","
	  "\"refresh_token\",\"urn:ietf:params:oauth:grant-type:token-exchange\"],"
	  "\"code_challenge_methods_supported\":[\"plain\",\"S256\"]}"},
     true,
     {.kind = OAUTH_AS_METADATA,
      .http.host = "kc.example",
      .http.path = "/realms/corp/.well-known/openid-configuration",
      .http.status = 200,
      .code_challenge_method = "S256",
      .grant_types = "authorization_code refresh_token urn:ietf:params:oauth:grant-type:token-exchange",
      .issuer = "https://kc.example/realms/corp"}},
    {"rfc9728_3_2_resource_metadata",
     {RESP("/.well-known/oauth-protected-resource", "resource.example.com", 200), .ctype = JSON,
      .body =
	  "{\n \"resource\":\n   \"https://resource.example.com\",\n \"authorization_servers\":\n"
	  "   [\"https://as1.example.com\",\n    \"https://as2.example.net\"],\n"
	  " \"bearer_methods_supported\":\n   [\"header\", \"body\"],\n"
	  " \"scopes_supported\":\n   [\"profile\", \"email\", \"phone\"],\n"
	  " \"resource_documentation\":\n   \"https://resource.example.com/resource_documentation.html\"\n}"},
     true,
     {.kind = OAUTH_RESOURCE_METADATA,
      .http.host = "resource.example.com",
      .http.path = "/.well-known/oauth-protected-resource",
      .http.status = 200,
      .scope = "profile email phone",
      .resource = "https://resource.example.com",
      .issuer = "https://as1.example.com"}},

    /* ---- challenges ---- */
    {"rfc9728_5_1_challenge",
     {RESP("/mcp", "resource.example.com", 401),
      .www = "Bearer resource_metadata=\n "
	     "\"https://resource.example.com/.well-known/oauth-protected-resource\""},
     true,
     {.kind = OAUTH_CHALLENGE,
      .http.host = "resource.example.com",
      .http.path = "/mcp",
      .http.status = 401,
      .resource_metadata = "https://resource.example.com/.well-known/oauth-protected-resource"}},
    {"challenge_list_of_challenges",
     {RESP("/mcp", "mcp.example.com", 401), .ctype = JSON, .body = "{\"error\":\"invalid_token\"}",
      .www = "Basic realm=\"legacy\", Bearer realm=\"x\", error=\"invalid_token\", error_description=\"The "
	     "access "
	     "token expired\", "
	     "resource_metadata=\"https://mcp.example.com/.well-known/oauth-protected-resource/mcp\", "
	     "scope=\"mcp:tools files:read\""},
     true,
     {.kind = OAUTH_CHALLENGE,
      .http.host = "mcp.example.com",
      .http.path = "/mcp",
      .http.status = 401,
      .scope = "mcp:tools files:read",
      .error = "invalid_token",
      .resource_metadata = "https://mcp.example.com/.well-known/oauth-protected-resource/mcp"}},
    {"rfc6750_3_insufficient_scope_403",
     {RESP("/api", "rs.example", 403), .www = "Negotiate YIIabc==, Bearer error=insufficient_scope, "
					      "scope=\"a \\\"b\\\" c\", Bearer scope=\"other\""},
     true,
     {.kind = OAUTH_CHALLENGE,
      .http.host = "rs.example",
      .http.path = "/api",
      .http.status = 403,
      .scope = "a \"b\" c",
      .error = "insufficient_scope"}},
    {"challenge_bare_bearer",
     {RESP("/v1/data", "rs.example", 401), .www = "Bearer"},
     true,
     {.kind = OAUTH_CHALLENGE, .http.host = "rs.example", .http.path = "/v1/data", .http.status = 401}},
    {"challenge_unterminated_quote",
     {RESP("/", "rs.example", 401), .www = "Bearer error=\"invalid_token"},
     true,
     {.kind = OAUTH_CHALLENGE,
      .http.host = "rs.example",
      .http.path = "/",
      .http.status = 401,
      .error = "invalid_token"}},

    /* ---- malformed, still OAuth ---- */
    {"bad_percent_encoding",
     {REQ("POST", "/token", NULL, "as.example"), .ctype = FORM,
      .body = "grant_type=authorization_code&code=ab%ZZcd%4&client_id=c%2&redirect_uri=%"},
     true,
     {.kind = OAUTH_TOKEN_REQUEST,
      .http.host = "as.example",
      .http.path = "/token",
      .client_id = "c%2",
      .redirect_uri = "%",
      .grant_type = "authorization_code",
      .client_auth = "none"},
     {{CRED_OAUTH_CODE, CRED_T_CODE, "ab%ZZcd%4"}}},
    {"missing_fields_grant_only",
     {REQ("POST", "/token", NULL, NULL), .ctype = FORM, .body = "grant_type=client_credentials"},
     true,
     {.kind = OAUTH_TOKEN_REQUEST, .http.path = "/token", .grant_type = "client_credentials"}},
    {"truncated_body_drops_last_value",
     {REQ("POST", "/token", NULL, "as.example"), .ctype = FORM,
      .body = "grant_type=authorization_code&client_id=c1&code=partialcod", .truncated = true},
     true,
     {.kind = OAUTH_TOKEN_REQUEST,
      .http.host = "as.example",
      .http.path = "/token",
      .client_id = "c1",
      .grant_type = "authorization_code",
      .client_auth = "none"},
     {{0}},
     {"partialcod"}},
    {"bad_basic_base64",
     {REQ("POST", "/token", NULL, "as.example"), .ctype = FORM,
      .auth = "Basic !!!notbase64:", .body = "grant_type=client_credentials"},
     true,
     {.kind = OAUTH_TOKEN_REQUEST,
      .http.host = "as.example",
      .http.path = "/token",
      .grant_type = "client_credentials",
      .client_auth = "client_secret_basic"}},
    {"secrets_over_cap",
     {REQ("POST", "/token", NULL, "as.example"), .ctype = FORM,
      .body = "grant_type=authorization_code&code=c0de1&code_verifier=v3rifier2&refresh_token=r3fresh3"
	      "&client_id=x&client_secret=s3cret4&assertion=a55ertion5"},
     true,
     {.kind = OAUTH_TOKEN_REQUEST,
      .http.host = "as.example",
      .http.path = "/token",
      .client_id = "x",
      .grant_type = "authorization_code",
      .client_auth = "client_secret_post"},
     {{CRED_OAUTH_CODE, CRED_T_CODE, "c0de1"},
      {CRED_OAUTH_CODE_VERIFIER, CRED_T_CODE, "v3rifier2"},
      {CRED_OAUTH_REFRESH_TOKEN, CRED_T_TOKEN, "r3fresh3"},
      {CRED_OAUTH_CLIENT_SECRET, CRED_T_PASSWORD, "s3cret4"}},
     {"a55ertion5"},
     {"secrets_over_cap"}},

    /* ---- not OAuth ---- */
    {"neg_bearer_api_call",
     {REQ("GET", "/v1/models", NULL, "api.openai.com"), .auth = "Bearer sk-proj-abcdefghijklmnopqrstuvwxyz"}},
    {"neg_json_api_response",
     {RESP("/v1/chat/completions", "api.openai.com", 200), .ctype = JSON,
      .body = "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"model\":\"gpt-4o\"}"}},
    {"neg_html_login_form",
     {REQ("POST", "/login", NULL, "intranet.example"), .ctype = FORM,
      .body = "username=alice&password=hunter2&remember=on"}},
    {"neg_redirect_plain", {RESP("/login", "app.example", 302), .location = "/dashboard"}},
    {"neg_redirect_app_error", {RESP("/login", "app.example", 302), .location = "/login?error=1"}},
    {"neg_redirect_fragment_anchor",
     {RESP("/", "app.example", 301), .location = "https://app.example/docs#section-2"}},
    {"neg_query_code_without_state", {REQ("GET", "/search", "code=abc123", "shop.example")}},
    {"neg_query_access_token_url", {REQ("GET", "/api/feed", "access_token=xyz123456", "api.example")}},
    {"neg_json_error_not_oauth",
     {RESP("/api/item/7", "api.example", 404), .ctype = JSON, .body = "{\"error\":\"not found\"}"}},
    {"neg_basic_challenge", {RESP("/", "printer.local", 401), .www = "Basic realm=\"printer\""}},
    {"neg_bearer_challenge_on_200", {RESP("/", "rs.example", 200), .www = "Bearer realm=\"x\""}},
    {"neg_mcp_jsonrpc",
     {REQ("POST", "/mcp", NULL, "mcp.example.com"), .ctype = JSON, .auth = "Bearer eyJhbGciOiJub25lIn0.e30.x",
      .body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"x\"}}"}},
    {"neg_client_id_only_json",
     {RESP("/api/apps/1", "api.example", 200), .ctype = JSON, .body = "{\"client_id\":\"x\"}"}},
    {"neg_client_name_only_json",
     {REQ("POST", "/api/customers", NULL, "crm.example"), .ctype = JSON,
      .body = "{\"client_name\":\"ACME\"}"}},
    {"neg_access_token_alone",
     {RESP("/api", "api.example", 200), .ctype = JSON,
      .body = "{\"access_token\":\"abc\",\"user\":\"bob\"}"}},
    {"neg_grant_type_in_get",
     {REQ("GET", "/token", NULL, "as.example"), .ctype = FORM, .body = "grant_type=client_credentials"}},
    {"neg_non_object_json",
     {RESP("/token", "as.example", 200), .ctype = JSON,
      .body = "[{\"access_token\":\"abc\",\"token_type\":\"bearer\",\"expires_in\":1}]"}},
    {"neg_bad_json",
     {RESP("/token", "as.example", 200), .ctype = JSON, .body = "{\"access_token\":\"abc\",\"token_type\":"}},
    {"neg_empty_request", {.request = true}},
    {"neg_empty_response", {.request = false}},
};

/* ---- checks ---- */

static void fp_of(const char *secret, size_t len, char out[AS_FP_HEX + 1])
{
	as_fingerprint(harness_salt, sizeof harness_salt - 1, secret, len, out);
}

static void assert_absent(const struct observation *o, const char *s, const char *name)
{
	size_t n = strlen(s);
	if (n < 4)
		return; /* too short to be meaningful */
	if (memmem(o, sizeof *o, s, n))
		fail_msg("%s: \"%s\" copied into the observation", name, s);
	if (n >= 10 && memmem(o, sizeof *o, s, 10))
		fail_msg("%s: a prefix of \"%s\" copied into the observation", name, s);
}

static void test_case(void **state)
{
	const struct oauth_case *c = *state;
	struct obs_log log = {0};
	struct dissect_ctx ctx = harness_ctx(&log);
	struct http_view v = view_of(&c->m);
	bool r = oauth_analyze(&v, &ctx);
	if (r != c->match)
		fail_msg("%s: oauth_analyze returned %d", c->name, r);
	size_t n_oauth = 0, n_anom = 0;
	const struct observation *got = NULL;
	for (size_t i = 0; i < log.n; i++) {
		if (log.v[i].type == OBS_OAUTH) {
			n_oauth++;
			got = &log.v[i];
		} else {
			assert_int_equal(log.v[i].type, OBS_ANOMALY);
			if (n_anom >= 3 || !c->anomalies[n_anom])
				fail_msg("%s: unexpected anomaly %s", c->name, log.v[i].u.anomaly.reason);
			assert_string_equal(log.v[i].u.anomaly.dissector, "oauth");
			assert_string_equal(log.v[i].u.anomaly.reason, c->anomalies[n_anom]);
			n_anom++;
		}
	}
	if (n_anom < 3 && c->anomalies[n_anom])
		fail_msg("%s: missing anomaly %s", c->name, c->anomalies[n_anom]);
	assert_int_equal(n_oauth, c->match ? 1 : 0);
	if (!got) {
		obs_log_free(&log);
		return;
	}

	struct observation want;
	memset(&want, 0, sizeof want);
	want.type = OBS_OAUTH;
	memcpy(&want.u.oauth, &c->want, sizeof want.u.oauth);
	for (size_t i = 0; i < 5 && c->secrets[i].value; i++) {
		struct obs_credential *cr = &want.u.oauth.secrets[want.u.oauth.n_secrets++];
		cr->where = c->secrets[i].where;
		cr->type = c->secrets[i].type;
		fp_of(c->secrets[i].value, strlen(c->secrets[i].value), cr->fingerprint);
	}
	const struct obs_oauth *g = &got->u.oauth, *w = &want.u.oauth;
	/* Field by field first, for readable failures; then every byte. */
	assert_int_equal(g->kind, w->kind);
	assert_string_equal(g->http.host, w->http.host);
	assert_string_equal(g->http.path, w->http.path);
	assert_int_equal(g->http.status, w->http.status);
	/* the rest of the origin is what the message's view says */
	want.u.oauth.http.response = !v.request;
	sv_copy(want.u.oauth.http.method, sizeof want.u.oauth.http.method, v.method);
	want.u.oauth.http.authorization = v.authorization.len > 0;
	assert_string_equal(g->client_id, w->client_id);
	assert_string_equal(g->client_name, w->client_name);
	assert_string_equal(g->redirect_uri, w->redirect_uri);
	assert_string_equal(g->scope, w->scope);
	assert_string_equal(g->response_type, w->response_type);
	assert_string_equal(g->code_challenge_method, w->code_challenge_method);
	assert_string_equal(g->resource, w->resource);
	assert_string_equal(g->grant_type, w->grant_type);
	assert_string_equal(g->grant_types, w->grant_types);
	assert_string_equal(g->client_auth, w->client_auth);
	assert_string_equal(g->subject_token_type, w->subject_token_type);
	assert_string_equal(g->requested_token_type, w->requested_token_type);
	assert_string_equal(g->issued_token_type, w->issued_token_type);
	assert_string_equal(g->token_type, w->token_type);
	assert_int_equal(g->expires_in, w->expires_in);
	assert_int_equal(g->refresh_token, w->refresh_token);
	assert_int_equal(g->id_token, w->id_token);
	assert_string_equal(g->issuer, w->issuer);
	assert_string_equal(g->registration_endpoint, w->registration_endpoint);
	assert_string_equal(g->resource_metadata, w->resource_metadata);
	assert_string_equal(g->error, w->error);
	assert_int_equal(g->n_secrets, w->n_secrets);
	for (unsigned i = 0; i < w->n_secrets; i++) {
		assert_int_equal(g->secrets[i].where, w->secrets[i].where);
		assert_int_equal(g->secrets[i].type, w->secrets[i].type);
		assert_string_equal(g->secrets[i].fingerprint, w->secrets[i].fingerprint);
	}
	if (memcmp(got, &want, sizeof want) != 0)
		fail_msg("%s: observation differs in bytes outside the checked fields", c->name);

	for (size_t i = 0; i < 5 && c->secrets[i].value; i++)
		assert_absent(got, c->secrets[i].value, c->name);
	for (size_t i = 0; i < 6 && c->absent[i]; i++)
		assert_absent(got, c->absent[i], c->name);
	obs_log_free(&log);
}

/* Every case also through the unit-level invariant: a NULL ctx neither
 * crashes nor changes the answer. */
static void test_null_ctx(void **state)
{
	const struct oauth_case *c = *state;
	struct http_view v = view_of(&c->m);
	assert_int_equal(oauth_analyze(&v, NULL), c->match);
}

static void test_null_view(void **state)
{
	(void)state;
	assert_false(oauth_analyze(NULL, NULL));
}

/* ---- huge values: cut at the field, never overflowing ---- */

static char *repeat(char ch, size_t n)
{
	char *s = malloc(n + 1);
	assert_non_null(s);
	memset(s, ch, n);
	s[n] = '\0';
	return s;
}

static void test_huge_values(void **state)
{
	(void)state;
	size_t big = AS_HTTP_BODY_PEEK - 200;
	char *scope = repeat('s', 5000);
	char *code = repeat('C', big);
	char *redirect = repeat('r', 3000);
	size_t blen = strlen(scope) + strlen(code) + strlen(redirect) + 200;
	char *body = malloc(blen);
	assert_non_null(body);
	snprintf(body, blen, "grant_type=authorization_code&scope=%s&code=%s&redirect_uri=%s&client_id=c",
		 scope, code, redirect);

	struct obs_log log = {0};
	struct dissect_ctx ctx = harness_ctx(&log);
	struct msg m = {REQ("POST", "/token", NULL, "as.example"), .ctype = FORM, .body = body};
	struct http_view v = view_of(&m);
	assert_true(oauth_analyze(&v, &ctx));
	assert_int_equal(log.n, 2);
	const struct obs_oauth *o = &log.v[0].u.oauth;
	assert_int_equal(log.v[0].type, OBS_OAUTH);
	assert_int_equal(strlen(o->scope), sizeof o->scope - 1);
	assert_int_equal(strlen(o->redirect_uri), sizeof o->redirect_uri - 1);
	assert_string_equal(o->client_id, "c");
	assert_int_equal(o->n_secrets, 1);
	char fp[AS_FP_HEX + 1];
	fp_of(code, strlen(code), fp);
	assert_string_equal(o->secrets[0].fingerprint, fp);
	assert_null(memmem(&log.v[0], sizeof log.v[0], "CCCCCCCCCC", 10));
	assert_int_equal(log.v[1].type, OBS_ANOMALY);
	assert_string_equal(log.v[1].u.anomaly.reason, "value_truncated");
	obs_log_free(&log);

	/* A metadata list longer than its field keeps whole items only. */
	char *json = malloc(20000);
	assert_non_null(json);
	size_t pos = (size_t)sprintf(
	    json, "{\"issuer\":\"https://i\",\"token_endpoint\":\"https://i/t\",\"scopes_supported\":[");
	for (int i = 0; i < 300; i++)
		pos += (size_t)sprintf(json + pos, "%s\"scope_number_%03d\"", i ? "," : "", i);
	sprintf(json + pos, "],\"issuer_host\":\"%s\"}", "x");
	struct msg m2 = {RESP("/.well-known/openid-configuration", "i", 200), .ctype = JSON, .body = json};
	v = view_of(&m2);
	ctx = harness_ctx(&log);
	assert_true(oauth_analyze(&v, &ctx));
	o = &log.v[0].u.oauth;
	size_t len = strlen(o->scope);
	assert_true(len < sizeof o->scope);
	assert_int_equal(len % 17, 16); /* n items of 16 chars + (n-1) spaces */
	assert_int_equal(log.v[1].type, OBS_ANOMALY);
	obs_log_free(&log);

	/* A huge Host and quoted challenge parameter. */
	char *host = repeat('h', 4000);
	char *www = malloc(6000);
	assert_non_null(www);
	snprintf(www, 6000, "Bearer resource_metadata=\"https://%s\"", redirect);
	struct msg m3 = {RESP("/", host, 401), .www = www};
	v = view_of(&m3);
	ctx = harness_ctx(&log);
	assert_true(oauth_analyze(&v, &ctx));
	o = &log.v[0].u.oauth;
	assert_int_equal(strlen(o->http.host), sizeof o->http.host - 1);
	assert_int_equal(strlen(o->resource_metadata), sizeof o->resource_metadata - 1);
	obs_log_free(&log);

	free(scope);
	free(code);
	free(redirect);
	free(body);
	free(json);
	free(host);
	free(www);
}

static void test_json_too_deep(void **state)
{
	(void)state;
	char body[4096];
	size_t pos = (size_t)sprintf(body, "{\"access_token\":\"abc\",\"token_type\":\"bearer\",\"x\":");
	for (int i = 0; i < AS_JSON_MAX_DEPTH + 1; i++)
		body[pos++] = '[';
	for (int i = 0; i < AS_JSON_MAX_DEPTH + 1; i++)
		body[pos++] = ']';
	body[pos++] = '}';
	body[pos] = '\0';
	struct obs_log log = {0};
	struct dissect_ctx ctx = harness_ctx(&log);
	struct msg m = {RESP("/token", "as.example", 200), .ctype = JSON, .body = body};
	struct http_view v = view_of(&m);
	assert_false(oauth_analyze(&v, &ctx));
	assert_int_equal(log.n, 0);

	/* Just within the cap is parsed. */
	pos = (size_t)sprintf(body, "{\"access_token\":\"abc\",\"token_type\":\"bearer\",\"x\":");
	for (int i = 0; i < AS_JSON_MAX_DEPTH - 1; i++)
		body[pos++] = '[';
	for (int i = 0; i < AS_JSON_MAX_DEPTH - 1; i++)
		body[pos++] = ']';
	body[pos++] = '}';
	body[pos] = '\0';
	v = view_of(&m);
	assert_true(oauth_analyze(&v, &ctx));
	obs_log_free(&log);
}

/* Views are not NUL-terminated: the analyzer must stop at len. */
static void test_views_not_terminated(void **state)
{
	(void)state;
	static const char buf[] = "response_type=code&client_id=abcXYZ";
	struct http_view v;
	memset(&v, 0, sizeof v);
	v.request = true;
	v.method = SV_LIT("GET");
	v.path = SV_LIT("/authorize");
	v.query = sv_make(buf, sizeof buf - 1 - 3); /* client_id=abc */
	struct obs_log log = {0};
	struct dissect_ctx ctx = harness_ctx(&log);
	assert_true(oauth_analyze(&v, &ctx));
	assert_string_equal(log.v[0].u.oauth.client_id, "abc");
	obs_log_free(&log);
}

int main(void)
{
	struct cases t = {0};
	CASE_ROWS(&t, test_case, cases, name);
	CASE_ROWS(&t, test_null_ctx, cases, name);
	CASE(&t, test_null_view);
	CASE(&t, test_huge_values);
	CASE(&t, test_json_too_deep);
	CASE(&t, test_views_not_terminated);
	return cases_main(&t, "oauth");
}
