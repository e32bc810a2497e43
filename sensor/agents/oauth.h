/* oauth.h — the OAuth correlator: oauth-client agents and the grants of
 * agents, built from OAuth messages (RFC 6749, 7591, 7636, 8414, 8693,
 * 8707, 9728). */
#ifndef AS_OAUTH_H
#define AS_OAUTH_H

#include "events.h"
#include "model.h"

void oauth_message(struct model *m, struct events *ev, const struct msg_obs *msg);

#endif
