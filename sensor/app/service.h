/* service.h — one run of the sensor (replay or live), from the command
 * line to the exit status. */
#ifndef AS_SERVICE_H
#define AS_SERVICE_H

#include "cli.h"

/* Exit status: 0 done; 1 nothing could be read, or a bad configuration,
 * signatures or output; 2 nothing to read; 3 finished, but some capture
 * could not be read completely. */
int service_run(const struct cli *o);

#endif
