/* community_id.h — the Community ID of a flow (version 1), the flow
 * identity Zeek, Suricata, Elastic and Arkime agree on, so a SIEM joins
 * aisensor's events with theirs (ECS network.community_id). */
#ifndef AS_COMMUNITY_ID_H
#define AS_COMMUNITY_ID_H

#include <stddef.h>
#include <stdint.h>

#include "msg.h"

/* "1:" and base64 of the SHA-1 of the ordered tuple: at most 31 bytes. */
#define COMMUNITY_ID_LEN 32

/* TCP and UDP flows (the ones a flow_ref holds), seed 0 unless configured. */
void community_id_v1(const struct flow_ref *r, uint16_t seed, char out[COMMUNITY_ID_LEN]);

#endif
