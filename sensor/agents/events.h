/* events.h — the event feed: one writer per event the correlators report.
 * Every ECS and OpenTelemetry field name of an event is in events.c and
 * nowhere else; the correlators say what happened, not how it is spelled. */
#ifndef AS_EVENTS_H
#define AS_EVENTS_H

#include <stdbool.h>
#include <stdint.h>

#include "jsonw.h"
#include "model.h"

struct events_config {
	const char *sensor_name;
	const char *hostname;	/* observer.hostname: live capture's host, NULL for a replay */
	char *const *ifaces;	/* observer.ingress.interface.name by flow_ref.iface */
	size_t n_ifaces;
	void (*emit)(void *user, const char *json, size_t len); /* may be NULL */
	void *user;
};

#define AS_EV_MAX_RELATED 8

/* related.ip and related.hosts of the event being written. */
struct ev_related {
	size_t n_ip, n_host;
	char ip[AS_EV_MAX_RELATED][AS_STR];
	char host[AS_EV_MAX_RELATED][AS_STR];
};

struct events {
	struct events_config cfg;
	struct jw w;
	uint64_t count;
	char cid[32];		/* the Community ID of the event's flow */
	struct ev_related rel;
	char last_base[160];	/* identity of the last event, less its position */
	size_t last_base_len;
	unsigned position;	/* among consecutive events of one flow, time and action */
};

void events_init(struct events *ev, const struct events_config *cfg);
void events_free(struct events *ev);

/* A new agent, on the flow that showed it (d: its destination, may be NULL). */
void ev_agent_discovered(struct events *ev, const struct agent *ag, const struct flow_ref *r,
			 const char *domain, const struct dest *d, uint64_t ts);
/* A TLS (or QUIC) connection of an agent to an AI service. */
void ev_ai_connection(struct events *ev, const struct msg_obs *m, const char *domain, const struct agent *ag,
		      const struct dest *d);
/* An answer streamed in sealed TLS records (obs_tls_stream) and the
 * output-token estimate taken for it. */
struct stream_estimate {
	bool by_service; /* tokens per event as the service streams, else as the sizes suggest */
	bool per_token;
	struct obs_tokens tokens;
	uint8_t confidence; /* enum obs_confidence */
};
void ev_llm_stream(struct events *ev, const struct msg_obs *m, const char *domain, const struct agent *ag,
		   const struct dest *d, const struct stream_estimate *e);
/* A DNS answer naming an AI service. */
void ev_ai_dns(struct events *ev, const struct msg_obs *m, const struct sig_service *svc);

/* One request to a model API, with its response when one came. */
struct llm_call {
	const struct flow_ref *flow;
	const char *domain;
	const struct obs_http_request *req;
	const struct obs_http_response *resp; /* NULL: unanswered */
	const struct agent *client;
	const struct dest *dest;
	const char *operation;
	const char *request_model;
	const struct agent *server; /* self-hosted model server, or NULL */
	const char *server_api;
	bool cleartext; /* its credentials crossed the wire in clear */
	bool decrypted; /* read with the operator's key logs */
	const char *api; /* the wire format its endpoint speaks (openai, anthropic, ...), or NULL */
	uint64_t ts;
	uint64_t end_ts; /* its response's, 0: none */
};
void ev_llm_request(struct events *ev, const struct llm_call *c);

/* An MCP message (action: mcp-initialize, mcp-tool-call, ...); tool: the
 * tool called, when one is. */
void ev_mcp(struct events *ev, const struct msg_obs *m, const struct mcp_link *l, const char *transport,
	    const char *action, const struct mcp_tool *tool);
void ev_a2a_card(struct events *ev, const struct msg_obs *m, const struct agent *server);
void ev_a2a_call(struct events *ev, const struct msg_obs *m, const struct agent *client,
		 const struct agent *server);
/* An OAuth step (action: oauth-authorize, oauth-token-issued, ...). */
void ev_oauth(struct events *ev, const struct msg_obs *m, const char *action, const struct agent *ag,
	      const struct agent_oauth *g);
/* The sensor lost records on the way to an output (wall-clock time ts):
 * total so far and new since the last such alert. */
void ev_records_lost(struct events *ev, uint64_t ts, uint64_t total, uint64_t fresh);

#endif
