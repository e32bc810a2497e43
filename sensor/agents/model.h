/* model.h — the agent model: agents, their destinations, credentials, MCP,
 * A2A and OAuth facts, the flows that feed them and the conversations that
 * span flows. The correlators (llm, mcp, a2a, oauth) change it; the record
 * (record.c) reads it; contributions (contrib.c) send what changed.
 *
 * Two rules keep the registry exact while the sensor runs:
 *  - every counter is changed through model_count(), which also records the
 *    change as a delta of the flow that caused it, cut at packet-time
 *    windows of that flow (contrib.c sends the deltas);
 *  - every change to an agent marks it dirty (model_dirty(); the functions
 *    below that return an agent to change mark it already).
 * One thread (the aggregator) owns everything here. */
#ifndef AS_MODEL_H
#define AS_MODEL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "hmap.h"
#include "hosts.h"
#include "jsonw.h"
#include "limits.h"
#include "msg.h"
#include "sig.h"
#include "stats.h"
#include "strset.h"
#include "text.h"

/* ---- kinds and risks: enums with one name table each ---- */

enum agent_kind {
	KIND_LLM_API_CLIENT,
	KIND_AI_APP,
	KIND_LLM_SERVER,
	KIND_MCP_CLIENT,
	KIND_MCP_SERVER,
	KIND_A2A_AGENT,
	KIND_A2A_CLIENT,
	KIND_OAUTH_CLIENT,
	KIND_COUNT
};
const char *kind_name(enum agent_kind k);
/* "low", "medium", "high" (enum obs_confidence). */
const char *confidence_name(uint8_t c);

/* In the byte order of their names: a record lists them in enum order. */
enum risk {
	RISK_CLEARTEXT_CREDENTIAL,
	RISK_CREDENTIAL_IN_URL,
	RISK_ECH_HIDDEN_DESTINATION,
	RISK_LLM_SERVER_WITHOUT_AUTH,
	RISK_MCP_DESTRUCTIVE_TOOL_CALLED,
	RISK_MCP_SERVER_WITHOUT_AUTH,
	RISK_MCP_STATIC_BEARER_TOKEN,
	RISK_OAUTH_BROAD_SCOPE,
	RISK_OAUTH_CLIENT_CREDENTIALS_STATIC_SECRET,
	RISK_OAUTH_CONSENT_TO_UNREGISTERED_CLIENT,
	RISK_OAUTH_IMPLICIT_GRANT,
	RISK_OAUTH_LONG_LIVED_REFRESH,
	RISK_OAUTH_NO_PKCE,
	RISK_OAUTH_PASSWORD_GRANT,
	RISK_PRODUCT_RUNTIME_MISMATCH, /* its headers claim a product its TLS runtime is not */
	RISK_STATIC_API_KEY,
	RISK_COUNT
};
const char *risk_name(enum risk r);

const char *cred_where_name(uint8_t where); /* CRED_AUTH_BEARER -> "authorization-bearer" */
const char *cred_type_name(uint8_t type);   /* CRED_T_API_KEY -> "api-key" */

/* ---- records ---- */

struct dest {
	char service[64];
	char service_name[96];
	char category[24];
	char provider[32];
	char api[24];
	char endpoint[AS_STR + 8];
	char ip[48];
	uint16_t port;
	bool tls;
	uint64_t flows, bytes, requests, input_tokens, output_tokens;
	/* Answers streamed in sealed TLS records and their estimated output
	 * tokens (dissectors/tls_turns.h); the confidences they had. */
	uint64_t streams, stream_records, stream_tokens, stream_tokens_min, stream_tokens_max;
	struct strset stream_confidence;
	struct strset models, operations;
	struct strset app_protocols; /* nDPI classification of its flows */
	struct strset transports;    /* tcp, quic, udp: one service over TLS and QUIC is one dest */
	struct strset bases;	     /* how it is known: content, sni, dns (model_basis) */
	bool decrypted;		     /* read with the operator's key logs */
};

struct cred {
	uint8_t type, where; /* CRED_T_*, CRED_* */
	bool cleartext;	     /* seen at least once outside TLS */
	char fp[AS_FP_HEX + 1];
};

/* A tool an MCP agent listed or called. */
struct mcp_tool {
	char name[AS_STR_MID];
	uint8_t hints_set, hints; /* RPC_HINT_* as the server's tools/list stated them */
	bool listed;
	uint64_t calls;
};
/* Destructive as the server stated it: destructiveHint true, or (per the
 * spec's defaults) readOnlyHint false with no destructiveHint. */
bool tool_destructive(const struct mcp_tool *t);

/* MCP facts of an agent, client or server role. */
struct agent_mcp {
	bool present;
	struct strset versions;	  /* protocol versions negotiated */
	struct strset transports; /* streamable-http, sse, websocket */
	struct strset capabilities;
	struct strset resources, prompts;
	struct strset server_requests; /* sampling/createMessage, elicitation/create, roots/list */
	struct strset sessions;
	struct agent **peers; /* servers used (client) or clients seen (server) */
	size_t n_peers;
	struct mcp_tool *tools;
	size_t n_tools;
	uint64_t messages, errors;
	/* What of its conversations was seen (evidence.partial): messages each
	 * way, and its own side of initialize (a client's request with
	 * clientInfo, a server's result with serverInfo). */
	uint64_t from_client, from_server;
	bool initialize_seen;
	/* server role */
	char endpoint[AS_STR + 80]; /* host:port/path */
	uint64_t requests_unauthenticated, requests_authenticated;
	bool oauth_challenge; /* answered 401 with WWW-Authenticate: Bearer resource_metadata=... */
	char resource_metadata[AS_STR_LONG];
};

/* One delegated-access grant an agent obtained or took part in. */
struct agent_oauth {
	char issuer[AS_STR];
	char client_id[AS_STR];
	char client_name[AS_STR];
	char registration[16]; /* dynamic, pre-registered */
	char client_auth[AS_STR_SHORT];
	char pkce[8]; /* S256, plain, none, "" unknown */
	char token_type[AS_STR_TINY];
	uint32_t max_expires_in;
	bool refresh_token;
	bool consented; /* an authorization code was issued */
	struct strset scopes_requested, scopes_granted, grant_types, redirect_uris, resources, token_types;
	struct agent *mcp_server; /* the MCP server that demanded it, when known */
};

/* A2A facts: an agent card served, methods called or answered. */
struct agent_a2a {
	bool present;
	char url[AS_STR_LONG];
	char protocol_version[AS_STR_TINY];
	bool streaming, push_notifications;
	struct strset skills, methods, security;
	struct strset versions, extensions; /* A2A-Version, A2A-Extensions of requests (1.0) */
	struct agent **peers;
	size_t n_peers;
	uint64_t messages;
};

struct agent {
	char id[17];
	enum agent_kind kind;
	char identity[AS_STR + 8];
	char sw_name[64];
	char sw_version[64];
	char sw_runtime[32];	  /* the TLS runtime its JA4 names (software.runtime) */
	/* The product it is part of (signatures' products, by sw_name) and the
	 * host's other records of it: set when settled. */
	const struct sig_product *product;
	struct strset related;
	char ip[48];		  /* latest address */
	uint8_t family, addr[16]; /* the same, binary (the model's by-address index) */
	char mac[18];
	char host_key[AS_STR + 16];
	char hostname[AS_STR];
	struct host_info host; /* owner, team, site, users: looked up when settled */
	uint64_t first_us, last_us;
	uint64_t flows;
	uint64_t first_flow_us;
	char first_flow[200];
	struct strset user_agents, ja3, ja4;
	struct strset bases; /* how it is known (evidence.basis): content, sni, dns */
	bool decrypted;	     /* content of it was read with the operator's key logs */
	uint32_t risks;	     /* 1 << enum risk */
	struct dest **dests; /* pointers: flows and deltas hold a dest while the array is sorted */
	size_t n_dests;
	struct cred *creds;
	size_t n_creds;
	/* llm-server only */
	struct strset apis;
	char listen[64];
	char server_header[AS_STR];
	uint64_t requests, input_tokens, output_tokens;
	struct strset served_models, served_ops, clients;
	struct agent_mcp mcp;
	struct agent_oauth *oauth;
	size_t n_oauth;
	struct agent_a2a a2a;
	struct strset identity_providers; /* weak evidence: the host reached these IdPs (TLS names) */
	struct strset identity_basis;	  /* how they were named: sni, dns */
	struct agent *oauth_agent;	  /* mcp-client: the oauth-client record of its grants */
	struct agent **grant_users;	  /* oauth-client: the mcp-clients showing its grants */
	size_t n_grant_users;
	/* contributions (contrib.c) */
	bool dirty;
	struct agent *dirty_next;
	uint64_t flush_gen;  /* the last flush that looked at it */
	uint64_t facts_hash; /* of the facts last sent; 0: none */
	uint64_t version;    /* of the last facts sent: orders their "last" fields */
};

/* What a counter change is; each names one counter of the record. */
enum counter {
	CTR_FLOWS,	       /* evidence.flows */
	CTR_DEST_FLOWS,	       /* destinations[..].flows */
	CTR_DEST_BYTES,	       /* destinations[..].bytes */
	CTR_DEST_REQUESTS,     /* destinations[..].requests */
	CTR_DEST_INPUT_TOKENS, /* destinations[..].usage.input_tokens */
	CTR_DEST_OUTPUT_TOKENS,
	CTR_DEST_STREAMS,	    /* destinations[..].streamed.responses: answers streamed in sealed TLS */
	CTR_DEST_STREAM_RECORDS,    /* ... .streamed.records */
	CTR_DEST_STREAM_TOKENS,	    /* ... .streamed.output_tokens.estimate */
	CTR_DEST_STREAM_TOKENS_MIN, /* ... .streamed.output_tokens.min */
	CTR_DEST_STREAM_TOKENS_MAX, /* ... .streamed.output_tokens.max */
	CTR_SERVER_REQUESTS,	    /* server.requests (llm-server) */
	CTR_SERVER_INPUT_TOKENS,
	CTR_SERVER_OUTPUT_TOKENS,
	CTR_TOOL_CALLS, /* mcp.tools_called[..].calls */
};

/* A counter change not yet sent: one flow's, in one window of its own
 * packet time (part > 0: cut again by a pause in the input, live). */
struct delta {
	uint64_t window;
	uint32_t part;
	uint8_t what; /* enum counter */
	struct agent *ag;
	struct dest *dest;     /* CTR_DEST_* */
	char tool[AS_STR_MID]; /* CTR_TOOL_CALLS */
	uint64_t n;
};

/* An LLM request counted when it was complete, waiting for its response:
 * the agents and destination it went to, its API shape as read then. */
struct open_request {
	uint32_t exchange;
	uint32_t sigs_gen; /* the signatures it was read with (model.sigs_gen) */
	struct agent *client, *server;
	struct dest *dest;
	bool has_ep;
	struct sig_endpoint ep;
};

/* A flow that carries AI traffic, from its first sign to its end. */
struct aflow {
	struct flow_ref ref;
	char domain[AS_STR]; /* SNI, Host or DNS name of the server */
	const struct sig_service *svc;
	bool tls;
	char ja3[33], ja4[40];
	/* A ClientHello the key logs open: its client is named by what the
	 * connection carries, else by the hello when the flow ends. */
	struct msg_obs *hello;
	struct agent *client;
	struct dest *client_dest;
	struct agent *server;
	struct mcp_link *mcp;	      /* the MCP conversation this flow carries */
	bool mcp_unauth_counted;      /* its last request was counted unauthenticated (a 401 takes it back) */
	char oauth_client_id[AS_STR]; /* client of the last token/registration request */
	bool oauth_consent;	      /* an authorization code was issued on this flow */
	/* LLM requests counted when complete, waiting for their response (llm.c). */
	struct open_request *open_requests[8];
	uint8_t n_open_requests;
	uint64_t bytes_counted; /* of the flow's bytes, those given to its destination */
	/* the agents and destinations it counted once (evidence.flows, destinations[..].flows) */
	struct agent **counted;
	size_t n_counted;
	struct dest **dests_counted;
	size_t n_dests_counted;
	/* deltas not yet sent, in the order they happened */
	struct delta *deltas;
	size_t n_deltas, cap_deltas;
	uint64_t window; /* of its latest delta: windows of a flow never go back */
	uint32_t part;
	bool pending; /* on the model's list of flows with deltas */
	struct aflow *pending_prev, *pending_next;
};

/* An MCP conversation between a client host and a server endpoint; the
 * legacy SSE transport spreads one over several TCP connections. */
struct mcp_link {
	char client_name[AS_STR];
	char client_version[AS_STR_SHORT];
	char server_name[AS_STR];
	char server_version[AS_STR_SHORT];
	bool legacy_sse;
	struct agent *client, *server;
	/* A client seen only through its server's messages (a span port that
	 * missed the other direction, or the requests' flows): made when the
	 * flow that showed it ends, unless its initialize named it by then. */
	bool client_pending;
	struct flow_ref client_ref;
	uint64_t client_ts;
	char client_ua[AS_STR];
	uint64_t from_client, from_server;
};

struct model {
	struct sig_db *sigs; /* the signatures in force (the aggregator owns them) */
	uint32_t sigs_gen;   /* how many times they were replaced */
	struct agents_stats *st;
	uint64_t interval_us;  /* contribution window (exporters.flush_interval) */
	struct hmap agents;    /* id -> agent */
	struct hmap flows;     /* flow key -> aflow */
	struct hmap dns;       /* family+ip -> dns_entry */
	struct hmap mcp;       /* client ip + server ip:port -> mcp_link */
	struct hmap oauth;     /* client ip -> the OAuth correlator's state (plain malloc) */
	struct hmap as_issuer; /* authorization server ip:port -> issuer (strdup) */
	struct hmap idp;       /* host ip -> strset of identity providers reached */
	struct hmap by_ip;     /* host ip -> the agents whose latest address it is */
	struct hosts *hosts;
	_Atomic size_t n_agents; /* published for other threads (statistics) */
	struct agent *dirty_head, *dirty_tail;
	struct aflow *pending_head, *pending_tail;
	/* llm.c: requests that named no AI service or API (flow and exchange,
	 * hashed): their exchange is not read against the signatures again. */
	uint64_t not_ai[1024];
};

int model_init(struct model *m, struct agents_stats *st, uint64_t interval_us);
void model_free(struct model *m);

/* ---- helpers ---- */

void model_ip_str(uint8_t family, const uint8_t *ip, char *out, size_t n);
/* The flow's server as "ip:port", IPv6 as "[ip]:port". */
void model_server_addr(const struct flow_ref *r, char *out, size_t n);
void model_mac_str(const uint8_t *m, char *out);
bool model_mac_zero(const uint8_t *m);
/* Adds each item of a list separated by any of `seps` to the set. */
void model_split_add(struct model *m, struct strset *s, const char *list, const char *seps);
/* Adds to an agent's set; a set at its cap counts the refusal (agents_stats.capped). */
void model_set_add(struct model *m, struct strset *s, const char *v);
void model_risk(struct agent *ag, enum risk r);
/* Flow key of an endpoint pair (client ip, server ip:port), ignoring ports of the client. */
size_t model_pair_key(const struct flow_ref *r, uint8_t out[40]);

/* ---- DNS ---- */
void model_dns_learn(struct model *m, const struct obs_dns *d, uint64_t now);
const char *model_dns_name(struct model *m, uint8_t family, const uint8_t *ip, uint64_t now);

/* ---- agents ---- */

/* The agent of one side of a flow, created on first sight (*created says
 * so); its first/last seen follow ts. Marked dirty. NULL at the agent cap
 * (counted) or out of memory. */
struct agent *model_agent_get(struct model *m, const struct flow_ref *r, bool client_side,
			      enum agent_kind kind, const char *identity, uint64_t ts, bool *created);
void model_dirty(struct model *m, struct agent *ag);
/* What is known of a host changed (a lease, a name, a user): its agents' records show it. */
void model_dirty_host(struct model *m, uint8_t family, const uint8_t *ip);
/* Everything shows something new (the inventory was reloaded). */
void model_dirty_all(struct model *m);
void model_seen(struct model *m, struct agent *ag, uint64_t ts); /* last/first seen, dirty */
struct dest *model_dest_get(struct model *m, struct agent *ag, const struct sig_service *svc, const char *api,
			    const char *endpoint, const struct flow_ref *r, bool tls);
void model_cred(struct model *m, struct agent *ag, const struct obs_credential *c, bool cleartext);
/* How an agent (and its destination d, may be NULL) is known: "content"
 * (its protocol was read), "sni" (a TLS/QUIC server name), "dns" (the
 * host's DNS answers named the address) — the last two inferred. */
void model_basis(struct model *m, struct agent *ag, struct dest *d, const char *basis);
/* The agents of a host address (its latest address), n of them. */
struct agent *const *model_host_agents(struct model *m, uint8_t family, const uint8_t *ip, size_t *n);
/* Adds a peer link once. */
void model_add_peer(struct model *m, struct agent ***peers, size_t *n, struct agent *peer);
struct mcp_tool *model_tool_get(struct model *m, struct agent_mcp *mcp, const char *name);
struct agent_oauth *model_grant_get(struct model *m, struct agent *ag, const char *issuer,
				    const char *client_id);

/* ---- flows and counters ---- */

struct aflow *model_flow_get(struct model *m, const struct flow_ref *r, bool create);
/* Counts the flow once for ag (evidence.flows, first flow). */
void model_count_flow(struct model *m, struct aflow *f, struct agent *ag, uint64_t ts);
/* Counts the flow once for a destination of its client. */
void model_count_dest_flow(struct model *m, struct aflow *f, struct agent *ag, struct dest *d, uint64_t ts);
/* Adds n to a counter of ag (d: its destination, tool: its tool) and
 * records it as a delta of flow f at packet time ts. */
void model_count(struct model *m, struct aflow *f, uint64_t ts, struct agent *ag, enum counter what,
		 struct dest *d, const char *tool, uint64_t n);
/* Every agent the flow counted was seen at ts. */
void model_flow_seen(struct model *m, struct aflow *f, uint64_t ts);
/* The flow is over: off the flow table (NULL: not an AI flow), then freed
 * once its deltas are sent. */
struct aflow *model_flow_take(struct model *m, const struct flow_ref *r);
void model_flow_free(struct aflow *f);

/* What the flow carried was read with the key logs: its agents and
 * destination say so. */
void model_flow_decrypted(struct model *m, struct aflow *f);

/* ---- MCP conversations ---- */
struct mcp_link *model_mcp_link(struct model *m, const struct flow_ref *r);

/* ---- identity providers reached per host ---- */
struct idp_seen {
	struct strset ids;   /* identity services (signature category identity) */
	struct strset bases; /* named by the hello's SNI, or by DNS */
};
void model_idp_seen(struct model *m, const struct flow_ref *r, const char *service_id, const char *basis);
const struct idp_seen *model_idp_of(const struct model *m, uint8_t family, const uint8_t *ip);

#endif
