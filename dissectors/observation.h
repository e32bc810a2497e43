/* observation.h — what a dissector reports: small immutable records.
 *
 * Observations hold copies, never pointers into packets, so they can cross
 * threads (worker -> aggregator) by value. String fields are NUL-terminated,
 * control bytes replaced, cut at their size (counted as truncated). Secrets
 * never appear here: a credential is a type, a location and a keyed-hash
 * fingerprint computed inside the dissector. */
#ifndef AS_OBSERVATION_H
#define AS_OBSERVATION_H

#include <stdbool.h>
#include <stdint.h>

#include "limits.h"

enum obs_type {
	OBS_DNS = 1,
	OBS_TLS_CLIENT_HELLO,
	OBS_TLS_SERVER_HELLO,
	OBS_HTTP_REQUEST,
	OBS_HTTP_RESPONSE,
	OBS_ANOMALY,
};

struct obs_dns_answer {
	uint8_t family; /* 4 or 6 */
	uint8_t addr[16];
	uint32_t ttl;
};

struct obs_dns {
	bool response;
	uint16_t id;
	uint16_t qtype;
	uint8_t rcode;
	char qname[AS_DNS_MAX_NAME]; /* lower case, no trailing dot */
	uint8_t n_answers;	     /* A/AAAA answers (after any CNAME chain) */
	struct obs_dns_answer answers[AS_DNS_MAX_ANSWERS];
};

struct obs_tls_client_hello {
	uint16_t record_version;
	uint16_t legacy_version;   /* ClientHello.legacy_version */
	uint16_t max_version;	   /* highest non-GREASE supported_versions, else legacy */
	bool quic;		   /* carried in a QUIC Initial */
	bool ech;		   /* encrypted_client_hello extension present */
	char sni[AS_STR];	   /* server_name, empty when absent */
	uint8_t n_alpn;
	char alpn[AS_OBS_MAX_ALPN][AS_STR_TINY];
	char ja3[33];		   /* MD5 hex of the JA3 string */
	char ja4[40];		   /* e.g. t13d1516h2_8daaf6152771_e5627efa2ab1 */
	/* JA4 computed without pre_shared_key and early_data, which only a
	 * resumed handshake carries: a client's fresh and resumed hellos agree.
	 * Used as agent identity only; never output as a JA4. */
	char ja4_stable[40];
};

struct obs_tls_server_hello {
	uint16_t version;	   /* selected: supported_versions, else legacy */
	uint16_t cipher;
	char alpn[AS_STR_TINY];
	char ja3s[33];
};

/* Where a credential was carried. */
enum cred_where {
	CRED_AUTH_BEARER = 1, /* Authorization: Bearer */
	CRED_AUTH_BASIC,      /* Authorization: Basic */
	CRED_AUTH_OTHER,      /* Authorization: <other scheme> */
	CRED_X_API_KEY,	      /* x-api-key (Anthropic and others) */
	CRED_API_KEY,	      /* api-key (Azure OpenAI) */
	CRED_X_GOOG_API_KEY,  /* x-goog-api-key (Gemini) */
	CRED_QUERY_KEY,	      /* key= / api_key= in the query string */
	CRED_COOKIE,	      /* Cookie header */
};

/* What the credential looks like. */
enum cred_type {
	CRED_T_API_KEY = 1, /* static provider key shape (sk-…, sk-ant-…, AIza…) */
	CRED_T_JWT,	    /* three base64url parts */
	CRED_T_TOKEN,	    /* opaque bearer token */
	CRED_T_PASSWORD,    /* Basic user:password */
	CRED_T_COOKIE,
};

struct obs_credential {
	uint8_t where; /* enum cred_where */
	uint8_t type;  /* enum cred_type */
	char fingerprint[AS_FP_HEX + 1];
};

struct obs_header {
	char name[AS_STR_SHORT]; /* lower case */
	char value[AS_STR];
};

struct obs_http_request {
	uint8_t version;	       /* 10, 11 or 20 */
	char method[AS_STR_TINY];
	char host[AS_STR];	       /* Host header without port, lower case */
	uint16_t host_port;	       /* port in the Host header, 0 when absent */
	char path[AS_STR_LONG];	       /* path only; the query is in `query` */
	char query[AS_STR_LONG];       /* query with credential values removed */
	char user_agent[AS_STR];
	char content_type[AS_STR_SHORT];
	uint64_t content_length;       /* declared or, for chunked, seen so far */
	uint8_t n_sdk_headers;	       /* SDK identity headers, e.g. x-stainless-lang */
	struct obs_header sdk_headers[AS_OBS_MAX_SDK_HEADERS];
	uint8_t n_credentials;
	struct obs_credential credentials[2];
	char model[AS_STR];	       /* body "model" of a JSON request */
	int8_t stream;		       /* body "stream": -1 absent, 0 false, 1 true */
	bool upgrade_websocket;
};

struct obs_http_response {
	uint8_t version;
	uint16_t status;
	char content_type[AS_STR_SHORT];
	char server[AS_STR];
	bool sse;		       /* text/event-stream */
	char model[AS_STR];	       /* "model" of a JSON or SSE/NDJSON body */
	uint64_t input_tokens;	       /* usage, when the body reports it */
	uint64_t output_tokens;
	uint64_t body_bytes;
	uint8_t n_sdk_headers;	       /* provider response headers, e.g. openai-version */
	struct obs_header sdk_headers[AS_OBS_MAX_SDK_HEADERS];
};

struct obs_anomaly {
	char dissector[AS_STR_TINY];
	char reason[AS_STR_SHORT]; /* stable, snake_case: counted by name */
};

struct observation {
	enum obs_type type;
	union {
		struct obs_dns dns;
		struct obs_tls_client_hello tls_ch;
		struct obs_tls_server_hello tls_sh;
		struct obs_http_request http_req;
		struct obs_http_response http_resp;
		struct obs_anomaly anomaly;
	} u;
};

#endif
