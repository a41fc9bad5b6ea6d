/* cmd_system.c: `ringbench system`: what makes this machine's figures
 * noisy, one line each (diagnose/system.h). */
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/spec.h"
#include "diagnose/system.h"
#include "measure/bench.h"

#include <getopt.h>
#include <stdio.h>

#define usage_error cli_usage

int cmd_system(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"cpus", required_argument, 0, 'p'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
	int cpu[2] = {0, 1}, c;
	char err[256];
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'p') {
			if (spec_parse_cpus(optarg, cpu, err, sizeof(err)))
				return usage_error("--cpus: %s", err);
		} else if (c == 'h') {
			printf("usage: ringbench system [--cpus P,C]\n\n"
			       "What makes this machine's figures noisy, one line each: "
			       "virtualisation,\nfrequency governor and boost, SMT siblings of the "
			       "chosen CPUs, isolated\nCPUs, other runnable processes on them, "
			       "/dev/shm, huge pages, and the\nmeasured round trip of a bare cache "
			       "line between the two CPUs.  Each line\nsays ok, or what to change "
			       "and the command that changes it.  Exit 0.\n");
			return BENCH_PASS;
		} else {
			return usage_error("system: unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("system: unexpected argument '%s'", argv[optind]);
	if (spec_check_cpus(cpu, err, sizeof(err)))
		return usage_error("%s", err);
	struct system_report r;
	system_check(cpu, true, &r);
	for (int i = 0; i < r.n; i++)
		printf("%-4s %-15s %s\n", r.line[i].ok ? "ok" : "note", r.line[i].what,
		       r.line[i].text);
	printf("%d note%s\n", r.notes, r.notes == 1 ? "" : "s");
	return BENCH_PASS;
}
