/* cmd_report.h — `aisensor report`: the audit report of the Redis registry. */
#ifndef AS_CMD_REPORT_H
#define AS_CMD_REPORT_H

#include <stdio.h>

/* argv[0] is "report". Exit status: 0 written, 1 Redis unreachable or
 * failed, a bad config or baseline, the page not written; 2 bad command
 * line. Messages go to errf. */
int cmd_report(int argc, char **argv, FILE *out, FILE *errf);

#endif
