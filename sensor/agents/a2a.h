/* a2a.h — the A2A correlator: agents that serve an agent card or answer
 * A2A methods, and the clients that call them. */
#ifndef AS_A2A_H
#define AS_A2A_H

#include "events.h"
#include "model.h"

void a2a_card(struct model *m, struct events *ev, const struct msg_obs *msg);
void a2a_rpc(struct model *m, struct events *ev, const struct msg_obs *msg);

#endif
