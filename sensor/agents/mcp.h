/* mcp.h — the MCP correlator: clients and servers, the tools they list and
 * call, how servers authenticate. */
#ifndef AS_MCP_H
#define AS_MCP_H

#include "events.h"
#include "model.h"

void mcp_rpc(struct model *m, struct events *ev, const struct msg_obs *msg);
/* A complete HTTP request on a flow known to carry MCP: its credentials
 * (a GET opening an event stream carries no JSON-RPC). */
void mcp_http_request(struct model *m, const struct msg_obs *msg);
/* The flow ends: a client only its server's messages showed is made now. */
void mcp_flow_end(struct model *m, struct events *ev, struct aflow *f);

#endif
