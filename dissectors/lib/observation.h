/* observation.h — what a dissector reports: small immutable records.
 *
 * Observations hold copies, never pointers into packets, so they can cross
 * threads (worker -> aggregator) by value. String fields are NUL-terminated,
 * control bytes replaced, cut at their size (counted as truncated). Secrets
 * never appear here: a credential is a type, a location and a keyed-hash
 * fingerprint computed inside the dissector. Every observation says whether
 * its bytes were protected on the wire (the layer stack sets it), and what
 * HTTP carried (an exchange: request and response paired by the HTTP layer). */
#ifndef AS_OBSERVATION_H
#define AS_OBSERVATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "limits.h"

enum obs_type {
	OBS_DNS = 1,
	OBS_TLS_CLIENT_HELLO,
	OBS_TLS_SERVER_HELLO,
	OBS_HTTP_REQUEST,  /* u.http without the response: a request is complete, its exchange goes on */
	OBS_HTTP_EXCHANGE, /* u.http: a request and its response, paired; or what of them was seen */
	OBS_ANOMALY,
	OBS_RPC,	/* one JSON-RPC message (MCP, A2A or other) */
	OBS_AGENT_CARD, /* an A2A agent card fetched over HTTP */
	OBS_OAUTH,	/* one OAuth / OpenID message */
	OBS_DHCP,	/* a DHCPv4 or DHCPv6 message: who holds which address */
	OBS_HOST_NAME,	/* a host announcing or claiming its name (mDNS, LLMNR, NetBIOS) */
	OBS_KERBEROS,	/* a Kerberos AS-REQ: the user principal asking from a host */
	OBS_TLS_STREAM, /* a request answered by a stream of sealed TLS records (no keys) */
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
	uint8_t n_answers;	     /* A/AAAA answers (after any CNAME chain), HTTPS/SVCB address hints */
	bool svcb;		     /* an HTTPS/SVCB record in service mode answered */
	bool svcb_h3;		     /* ... offering HTTP/3 (alpn h3) */
	bool svcb_ech;		     /* ... with an ECH configuration */
	struct obs_dns_answer answers[AS_DNS_MAX_ANSWERS];
};

struct obs_tls_client_hello {
	uint16_t record_version;
	uint16_t legacy_version;   /* ClientHello.legacy_version */
	uint16_t max_version;	   /* highest non-GREASE supported_versions, else legacy */
	bool quic;		   /* carried in a QUIC Initial */
	uint32_t quic_version;	   /* of that Initial */
	bool ech;		   /* encrypted_client_hello extension present */
	bool early_data;	   /* early_data offered: 0-RTT records may follow the hello */
	char sni[AS_STR];	   /* server_name, empty when absent */
	uint8_t n_alpn;
	char alpn[AS_OBS_MAX_ALPN][AS_STR_TINY];
	char ja3[33];		   /* MD5 hex of the JA3 string */
	char ja4[40];		   /* e.g. t13d1516h2_8daaf6152771_e5627efa2ab1 */
	/* JA4 computed without pre_shared_key and early_data, which only a
	 * resumed handshake carries: a client's fresh and resumed hellos agree.
	 * Used as agent identity only; never output as a JA4. */
	char ja4_stable[40];
	/* The operator's key logs open the connection: what it carries is
	 * read (the hello is then reported when the ServerHello came). */
	bool opened;
};

struct obs_tls_server_hello {
	uint16_t version;	   /* selected: supported_versions, else legacy */
	uint16_t cipher;
	char alpn[AS_STR_TINY];
	char ja3s[33];
};

enum obs_confidence {
	CONFIDENCE_LOW = 1,
	CONFIDENCE_MEDIUM,
	CONFIDENCE_HIGH,
};

/* A request and the answer it got, seen as sealed TLS records: the answer
 * came as many small records, as a streamed (SSE) reply does. Its output
 * tokens are an estimate from record sizes (dissectors/tls_turns.h). */
struct obs_tls_stream {
	uint64_t request_us; /* the request's first record */
	uint64_t first_us;   /* the answer's first and last records */
	uint64_t last_us;
	uint32_t request_bytes; /* plaintext of the request's records */
	uint32_t records;	/* the answer's records */
	uint64_t bytes;		/* the answer's plaintext bytes */
	uint32_t events;	/* events those records carried, estimated */
	/* Output tokens, estimated two ways: one token per event (counted),
	 * several (from the bytes of text); the sizes suggest one of them,
	 * the service's known way of streaming may choose the other. */
	struct obs_tokens {
		uint32_t estimate, min, max;
	} one, several;
	bool per_token;	    /* the sizes suggest one token per event */
	uint8_t confidence; /* enum obs_confidence: of the records' pattern */
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
	CRED_OAUTH_CODE,      /* authorization code (redirect or token request) */
	CRED_OAUTH_ACCESS_TOKEN,
	CRED_OAUTH_REFRESH_TOKEN,
	CRED_OAUTH_CLIENT_SECRET,
	CRED_OAUTH_CODE_VERIFIER,
	CRED_OAUTH_ASSERTION, /* client_assertion, jwt-bearer assertion, subject/actor token */
	CRED_OAUTH_ID_TOKEN,
	CRED_URL_TOKEN,	      /* token= / access_token= in a URL that is not OAuth */
	CRED_OAUTH_PASSWORD,  /* resource owner password of a grant_type=password request */
};

/* What the credential looks like. */
enum cred_type {
	CRED_T_API_KEY = 1, /* static provider key shape (sk-…, sk-ant-…, AIza…) */
	CRED_T_JWT,	    /* three base64url parts */
	CRED_T_TOKEN,	    /* opaque bearer token */
	CRED_T_PASSWORD,    /* Basic user:password */
	CRED_T_COOKIE,
	CRED_T_CODE, /* one-time OAuth code or PKCE verifier */
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
	uint8_t version;	       /* 10, 11, 20 or 30 */
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

/* Which parts of an exchange were on the wire (a span port may miss some). */
#define HTTP_SEEN_REQUEST 0x01
#define HTTP_SEEN_RESPONSE 0x02

/* One request/response exchange, paired where HTTP pairs them: HTTP/1 by
 * order on the connection, HTTP/2 and HTTP/3 by stream. */
struct obs_http_exchange {
	uint32_t id;  /* on its connection: HTTP/1 exchange number from 1, HTTP/2/3 stream id */
	uint8_t seen; /* HTTP_SEEN_*: a response whose request was not seen has only RESPONSE */
	uint64_t request_us; /* packet time the request was complete (0: not seen) */
	struct obs_http_request req;
	struct obs_http_response resp;
};

/* The HTTP message that carried an analyzer's observation (JSON-RPC,
 * OAuth, an A2A card): its exchange and what the request said. */
struct obs_http_origin {
	uint32_t exchange; /* obs_http_exchange.id; 0 when not carried by HTTP */
	uint8_t version;   /* 10, 11, 20, 30 */
	bool response;	   /* carried by the response (else the request, or a WebSocket message) */
	char method[AS_STR_TINY];
	char host[AS_STR];
	char path[AS_STR_LONG];
	uint16_t status; /* of the response, when it carried the message */
	bool authorization; /* the request carried an Authorization header */
	char user_agent[AS_STR];
	uint8_t n_credentials;
	struct obs_credential credentials[2]; /* the request's */
	char mcp_session_id[AS_STR_SHORT];     /* the request's Mcp-Session-Id */
	char mcp_protocol_version[AS_STR_TINY]; /* the request's MCP-Protocol-Version */
};

/* ---- JSON-RPC 2.0: MCP (2024-11-05 .. 2025-11-25), A2A, others ---- */

enum rpc_transport {
	RPC_HTTP_BODY = 1, /* a POST body, or a JSON response body */
	RPC_HTTP_SSE,	   /* an event of a text/event-stream response */
	RPC_WEBSOCKET,	   /* a text message after an HTTP Upgrade */
};

enum rpc_kind {
	RPC_REQUEST = 1,
	RPC_NOTIFICATION,
	RPC_RESULT,
	RPC_ERROR,
};

enum rpc_protocol {
	RPC_PROTO_OTHER = 0, /* JSON-RPC that is neither MCP nor A2A */
	RPC_PROTO_MCP,
	RPC_PROTO_A2A,
};

enum rpc_list {
	RPC_LIST_NONE = 0,
	RPC_LIST_TOOLS,	    /* tools/list result */
	RPC_LIST_RESOURCES, /* resources/list result (URIs) */
	RPC_LIST_PROMPTS,   /* prompts/list result */
	RPC_LIST_SKILLS,    /* A2A agent card skills */
	RPC_LIST_ROOTS,	    /* roots/list result */
};

/* MCP tool annotations (hints_set says which were stated, hints their value). */
#define RPC_HINT_READ_ONLY 0x01
#define RPC_HINT_DESTRUCTIVE 0x02
#define RPC_HINT_IDEMPOTENT 0x04
#define RPC_HINT_OPEN_WORLD 0x08

struct obs_rpc_item {
	char name[AS_STR_MID]; /* tool/prompt name, resource URI, skill id */
	uint8_t hints_set;
	uint8_t hints;
};

struct obs_rpc {
	uint8_t transport; /* enum rpc_transport */
	uint8_t kind;	   /* enum rpc_kind */
	uint8_t protocol;  /* enum rpc_protocol, from method names and result shapes */
	bool to_server;	   /* sent by the client (HTTP request side) */
	bool batch;	   /* one element of a JSON array batch */
	char id[AS_STR_SHORT];
	/* requests, notifications; for a result, the method its shape answers.
	 * Pseudo-method "endpoint": the `event: endpoint` of a legacy MCP
	 * HTTP+SSE stream (2024-11-05), kind RPC_NOTIFICATION, protocol MCP,
	 * target = the POST URL it names with credential query values dropped,
	 * session_id = its sessionId / session_id query parameter. */
	char method[AS_STR_SHORT];
	struct obs_http_origin http;	   /* the HTTP message that carried it */
	char session_id[AS_STR_SHORT];	   /* Mcp-Session-Id (legacy SSE: the sessionId query) */
	char protocol_header[AS_STR_TINY]; /* MCP-Protocol-Version header */
	/* initialize and its result; from 2026-07-28 every request's
	 * params._meta and every result's _meta (io.modelcontextprotocol/...) */
	char protocol_version[AS_STR_TINY];
	char peer_name[AS_STR];	      /* clientInfo.name or serverInfo.name */
	char peer_version[AS_STR_SHORT];
	char capabilities[AS_STR];    /* top-level capability keys, sorted, comma-separated */
	char versions[AS_STR];	      /* server/discover result: supportedVersions, sorted, comma-separated */
	/* MCP 2026-07-28 multi-round requests: a result asking for input
	 * (resultType input_required: the methods of its inputRequests, e.g.
	 * elicitation/create), and the retried request that answers it. */
	bool input_required;
	char input_requests[AS_STR];
	bool input_response;
	/* Read from the Mcp-Method / Mcp-Name request headers alone: the body
	 * was not seen (a gap, a short snap length) or was not JSON-RPC. */
	bool from_headers;
	/* A2A 1.0 request headers */
	char a2a_version[AS_STR_TINY];
	char a2a_extensions[AS_STR]; /* A2A-Extensions: URIs as sent, comma-separated */
	/* tools/call, prompts/get, resources/read, A2A message/send ... */
	char target[AS_STR_MID];      /* tool name, prompt name, resource URI */
	char arg_names[AS_STR];	      /* argument names, sorted, comma-separated; values never */
	bool is_error;		      /* a tools/call result with isError */
	/* lists */
	uint8_t list;		      /* enum rpc_list */
	uint16_t n_items_total;	      /* items in the message, also past the cap */
	uint8_t n_items;
	struct obs_rpc_item items[AS_OBS_MAX_ITEMS];
	/* JSON-RPC error */
	int64_t error_code;
	char error_message[AS_STR];
};

/* An A2A agent card (/.well-known/agent-card.json, /.well-known/agent.json). */
struct obs_agent_card {
	struct obs_http_origin http;
	char name[AS_STR];
	char version[AS_STR_SHORT];
	char url[AS_STR_LONG];	       /* the endpoint the card announces */
	char protocol_version[AS_STR_TINY];
	bool streaming;
	bool push_notifications;
	char security[AS_STR];	       /* security scheme types, sorted, comma-separated */
	uint16_t n_items_total;
	uint8_t n_items;	       /* skills */
	struct obs_rpc_item items[AS_OBS_MAX_ITEMS];
};

/* ---- OAuth 2.x / OpenID (RFC 6749, 7636, 7591, 8414, 8693, 8707, 9728) ---- */

enum oauth_kind {
	OAUTH_AUTHORIZE = 1,	    /* authorization request (front channel) */
	OAUTH_AUTHORIZE_REDIRECT,   /* the redirect back to the client: code or error */
	OAUTH_TOKEN_REQUEST,
	OAUTH_TOKEN_RESPONSE,
	OAUTH_REGISTER_REQUEST,	    /* dynamic client registration (RFC 7591) */
	OAUTH_REGISTER_RESPONSE,
	OAUTH_AS_METADATA,	    /* RFC 8414 / OpenID discovery document */
	OAUTH_RESOURCE_METADATA,    /* RFC 9728 protected resource metadata */
	OAUTH_CHALLENGE,	    /* 401 with WWW-Authenticate: Bearer ... */
	OAUTH_ERROR,		    /* error response of the token or registration endpoint */
};

struct obs_oauth {
	uint8_t kind; /* enum oauth_kind */
	struct obs_http_origin http;
	char client_id[AS_STR];
	char client_name[AS_STR];
	char redirect_uri[AS_STR_LONG];	     /* first redirect URI */
	char scope[AS_STR_LONG];	     /* requested, granted or supported, space-separated */
	char response_type[AS_STR_TINY];
	char code_challenge_method[AS_STR_TINY]; /* "S256", "plain", "" when no PKCE */
	char resource[AS_STR_LONG];	     /* RFC 8707 resource, or the PRM resource */
	char grant_type[AS_STR_MID];	     /* token request */
	char grant_types[AS_STR];	     /* registration / metadata, space-separated */
	char client_auth[AS_STR_SHORT];	     /* none, client_secret_basic, client_secret_post, private_key_jwt */
	char subject_token_type[AS_STR_MID]; /* token exchange (RFC 8693), e.g. ...:id-jag */
	char requested_token_type[AS_STR_MID];
	char issued_token_type[AS_STR_MID];
	char token_type[AS_STR_TINY];	     /* token response */
	uint32_t expires_in;
	bool refresh_token;		     /* a refresh token was issued */
	bool id_token;
	char issuer[AS_STR];		     /* metadata issuer, or PRM authorization_servers[0] */
	char registration_endpoint[AS_STR];
	char resource_metadata[AS_STR_LONG]; /* challenge: resource_metadata URL */
	char error[AS_STR_SHORT];
	uint8_t n_secrets;		     /* codes, tokens, secrets: fingerprints only */
	struct obs_credential secrets[4];
};

/* ---- host identity (RFC 2131/2132, 8415, 6762, 4795, 1002, 4120) ---- */

enum dhcp_msg {
	DHCP_DISCOVER = 1, DHCP_OFFER, DHCP_REQUEST, DHCP_DECLINE, DHCP_ACK, DHCP_NAK, DHCP_RELEASE, DHCP_INFORM,
	DHCP6_SOLICIT = 101, DHCP6_ADVERTISE, DHCP6_REQUEST, DHCP6_CONFIRM, DHCP6_RENEW, DHCP6_REBIND, DHCP6_REPLY,
	DHCP6_RELEASE, DHCP6_DECLINE, DHCP6_RECONFIGURE, DHCP6_INFORMATION_REQUEST,
};

struct obs_dhcp {
	uint8_t version;	     /* 4 or 6 */
	uint8_t msg_type;	     /* enum dhcp_msg */
	uint32_t xid;
	uint8_t client_mac[6];	     /* chaddr (v4), or from a DUID-LL/LLT (v6); zero if unknown */
	bool has_client_mac;
	char client_id[AS_STR_SHORT]; /* option 61 / DUID, hex */
	char hostname[AS_STR];	     /* option 12, or the FQDN of option 81 / 39 */
	uint8_t family;		     /* of the addresses below */
	uint8_t requested[16];	     /* option 50 (v4) */
	bool has_requested;
	uint8_t assigned[16];	     /* yiaddr of an ACK, IA address of a v6 Reply */
	bool has_assigned;
	uint8_t client_ip[16];	     /* ciaddr */
	bool has_client_ip;
	uint32_t lease_s;	     /* option 51 / valid lifetime; 0 if absent */
	char vendor_class[AS_STR_SHORT]; /* option 60 */
};

enum host_name_source {
	HOST_NAME_MDNS = 1, /* an mDNS answer for NAME.local (A/AAAA) */
	HOST_NAME_LLMNR,    /* an LLMNR response */
	HOST_NAME_NETBIOS,  /* a NetBIOS name registration or response */
	HOST_NAME_DNS_PTR,  /* a DNS PTR answer */
};

struct obs_host_name {
	uint8_t source;	   /* enum host_name_source */
	char name[AS_STR]; /* lower case, without .local */
	uint8_t family;	   /* the address the name is bound to */
	uint8_t addr[16];
	uint32_t ttl;
};

struct obs_kerberos {
	char principal[AS_STR]; /* cname, e.g. "alice" */
	char realm[AS_STR];	/* e.g. "CORP.EXAMPLE.COM" */
	char service[AS_STR];	/* sname, e.g. "krbtgt/CORP.EXAMPLE.COM" */
};

struct obs_anomaly {
	char dissector[AS_STR_TINY];
	char reason[AS_STR_SHORT]; /* stable, snake_case: counted by name */
};

struct observation {
	enum obs_type type;
	/* The bytes were encrypted on the wire and read after decryption:
	 * a credential in them was never sent in clear. */
	bool protected_bytes;
	union {
		struct obs_dns dns;
		struct obs_tls_client_hello tls_ch;
		struct obs_tls_server_hello tls_sh;
		struct obs_http_exchange http; /* OBS_HTTP_REQUEST (request only), OBS_HTTP_EXCHANGE */
		struct obs_anomaly anomaly;
		struct obs_rpc rpc;
		struct obs_agent_card card;
		struct obs_oauth oauth;
		struct obs_dhcp dhcp;
		struct obs_host_name host_name;
		struct obs_kerberos kerberos;
		struct obs_tls_stream tls_stream;
	} u;
};

/* Bytes of an observation of this type that are meaningful: the header
 * and its union member. Lets a small observation cross a ring cheaply. */
size_t observation_size(enum obs_type type);
/* Zeroes the header and the union member of `type` (not the whole union:
 * the largest member is kilobytes) and sets the type. */
void observation_init(struct observation *o, enum obs_type type);

#endif
