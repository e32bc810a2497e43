/* llm.h — the LLM correlator: connections to AI services (DNS names, TLS
 * hellos), requests to model APIs (hosted or self-hosted) and the bytes of
 * those flows. */
#ifndef AS_LLM_H
#define AS_LLM_H

#include "events.h"
#include "model.h"

/* A flow starts towards an address DNS named as an AI service. */
void llm_flow_start(struct model *m, const struct msg_flow *msg);
void llm_dns(struct model *m, struct events *ev, const struct msg_obs *msg);
/* An answer streamed in sealed TLS records on an AI flow: its destination
 * counts it with the estimated output tokens. */
void llm_tls_stream(struct model *m, struct events *ev, const struct msg_obs *msg);
void llm_tls_hello(struct model *m, struct events *ev, const struct msg_obs *msg);
/* A request is complete (counted at once when it is a model API's), and
 * an exchange is over (its response: tokens, models, the event). */
void llm_http_request(struct model *m, struct events *ev, const struct msg_obs *msg);
void llm_http_exchange(struct model *m, struct events *ev, const struct msg_obs *msg);
/* The flow's bytes so far (msg: an update or its end): the new ones go to
 * its client's destination. */
void llm_flow_bytes(struct model *m, struct aflow *f, const struct msg_flow *msg);
/* The flow ends (msg NULL: at the end of input without one). */
void llm_flow_end(struct model *m, struct events *ev, struct aflow *f, const struct msg_flow *msg);

#endif
