/* nsfleet: one CLI with git-style subcommands (ARCHITECTURE.md). */
#include <stdio.h>
#include <string.h>

#include "tools/audit.h"
#include "tools/drill.h"
#include "tools/lab.h"
#include "tools/monitor.h"
#include "tools/tool.h"

static void usage(FILE *out)
{
	fputs("usage: nsfleet [--help] [--version] COMMAND [ARGS]\n"
	      "\n"
	      "commands:\n"
	      "  zone check FILE [--origin NAME] [--json]   check a zone file\n"
	      "  zone print FILE [--origin NAME] [--json]   print it in canonical form\n"
	      "  zone diff OLD NEW [--origin NAME] [--json] the changeset between two versions\n"
	      "  ctl [-s PATH] reload [ZONE] | status      talk to a running nsfleetd\n"
	      "  lab up|down|status [--config FILE]        a DNS hierarchy in network namespaces\n"
	      "  drill [--lab] [--scenario LIST]           failure drills on the lab, through its resolver\n"
	      "  monitor CONFIG [--once]                   watch a fleet: Prometheus metrics, alerts\n"
	      "  tsig-keygen NAME [--algorithm ALG]        a new TSIG key (nsfleetd, BIND, Knot)\n"
	      "\n"
	      "`nsfleet COMMAND --help` tells more.\n",
	      out);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return TOOL_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return TOOL_OK;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("nsfleet %s\n", NSF_VERSION);
		return TOOL_OK;
	}
	if (strcmp(argv[1], "zone") == 0)
		return cmd_zone(argc - 1, argv + 1);
	if (strcmp(argv[1], "ctl") == 0)
		return cmd_ctl(argc - 1, argv + 1);
	if (strcmp(argv[1], "audit") == 0)
		return cmd_audit(argc - 1, argv + 1);
	if (strcmp(argv[1], "drill") == 0)
		return cmd_drill(argc - 1, argv + 1);
	if (strcmp(argv[1], "lab") == 0)
		return cmd_lab(argc - 1, argv + 1);
	if (strcmp(argv[1], "monitor") == 0)
		return cmd_monitor(argc - 1, argv + 1);
	if (strcmp(argv[1], "tsig-keygen") == 0)
		return cmd_tsig_keygen(argc - 1, argv + 1);
	fprintf(stderr, "nsfleet: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return TOOL_USAGE;
}
