/* cmd_agents.h — `aisensor agents`: query the Redis agent registry. */
#ifndef AS_CMD_AGENTS_H
#define AS_CMD_AGENTS_H

#include <stdio.h>

/* argv[0] is "agents". Exit status: 0 ok, 1 Redis unreachable or failed,
 * 2 bad command line. Results go to `out`, messages to `errf`. */
int cmd_agents(int argc, char **argv, FILE *out, FILE *errf);

#endif
