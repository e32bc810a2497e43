/* main.c — the aisensor command: dispatches to a run, `check`, `agents` or `report`. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "cli.h"
#include "cmd_agents.h"
#include "cmd_report.h"
#include "service.h"

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "check") == 0)
		return cmd_check(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "agents") == 0)
		return cmd_agents(argc - 1, argv + 1, stdout, stderr);
	if (argc > 1 && strcmp(argv[1], "report") == 0)
		return cmd_report(argc - 1, argv + 1, stdout, stderr);
	struct cli o;
	int rc = cli_parse(argc, argv, &o);
	return rc == CLI_RUN ? service_run(&o) : rc;
}
