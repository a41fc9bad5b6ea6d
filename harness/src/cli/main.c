/* main.c: the ringbench command line: one table maps each command to the
 * function (and file) that implements it; main only dispatches. */
#include "cli/cli.h"
#include "measure/bench.h"
#include "cli/commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary; /* NULL: not listed */
};

/* `ringbench gbench` lives in a program of its own (harness/gbench/
 * ringbench-gbench), so that this one stays C and starts as fast as it did:
 * `ringbench startup` times it.  Its workers are this ringbench. */
static int gbench_dispatch(int argc, char **argv)
{
	char self[1024], tool[1200];
	ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len <= 0)
		return cli_usage("gbench: cannot find this program");
	self[len] = 0;
	char dir[1024];
	snprintf(dir, sizeof(dir), "%.*s", (int)(strrchr(self, '/') - self), self);
	if (bench_gbench_tool(dir, "ringbench-gbench", tool, sizeof(tool)) != 0) {
		fprintf(stderr,
			"ringbench: gbench: %s is not there: this ringbench was built "
			"without Google Benchmark; install libbenchmark-dev and build again\n",
			tool);
		return BENCH_USAGE;
	}
	setenv("RINGBENCH_WORKER_EXE", self, 1);
	argv[0] = tool;
	execv(tool, argv);
	fprintf(stderr, "ringbench: gbench: cannot run %s\n", tool);
	(void)argc;
	return BENCH_USAGE;
}

static const struct command commands[] = {
    {"stream", cmd_measure, "throughput: messages/s, bytes/s, CPU ns per message of each side"},
    {"pingpong", cmd_measure, "round trips: p50 p90 p99 p99.9 max"},
    {"latency", cmd_measure, "one-way latency at a fixed rate, without coordinated omission"},
    {"run", cmd_measure, "run scenario files (quick, nightly, visibility, peers, or a path)"},
    {"compare", cmd_compare, "judge two results files: regressions, improvements, exit 1"},
    {"check", cmd_check, "nightly: run a scenario, judge it against this machine's baseline"},
    {"ab", cmd_ab, "before a merge: build two revisions, run them interleaved, judge"},
    {"bisect", cmd_bisect, "find the commit where a case's figure moved, step by step"},
    {"ack", cmd_ack, "accept a regression as a deliberate trade, with a reason"},
    {"history", cmd_history, "each case's figure night by night, and the steps found in it"},
    {"store", cmd_store, "the results store: import and export JSON results, where it is"},
    {"dashboard", cmd_dashboard, "a static site of every machine's figures from the store"},
    {"sweep", cmd_sweep, "round trips over every pair of CPUs, as a matrix (and heatmap)"},
    {"gbench", gbench_dispatch, "run a scenario's cases through Google Benchmark"},
    {"plot", cmd_plot, "draw a run's charts with gnuplot (PNG and SVG)"},
    {"report", cmd_report, "one page for a run: verdict, charts, startup, history, machine"},
    {"startup", cmd_startup, "time create, attach, first message, teardown (hyperfine)"},
    {"baseline", cmd_baseline, "save or show this machine's baseline"},
    {"doctor", cmd_doctor, "prove a writer in one process is seen by a reader in another"},
    {"system", cmd_system, "what makes this machine's figures noisy, and what to change"},
    {"__worker", bench_worker_main, NULL},
    {"__startup", cmd_startup_worker, NULL},
    {"__protocol", bench_protocol_main, NULL},
};

static void help(void)
{
	printf("usage: ringbench COMMAND [options]     (ringbench COMMAND --help for its options)\n"
	       "\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (commands[i].summary)
			printf("  %-10s %s\n", commands[i].name, commands[i].summary);
	printf("  %-10s %s\n", "help", "this text, or a command's own (help COMMAND)");
	printf("  %-10s %s\n", "--version",
	       "the version, the revision and build type of this binary, the ring's version");
	printf("\nexit status of every command: 0 pass, 1 performance regression, 2 usage or\n"
	       "environment error, 3 visibility or integrity failure\n");
}

#ifndef RINGBENCH_VERSION
#define RINGBENCH_VERSION "unknown"
#endif
#ifndef RINGBENCH_BUILD_TYPE
#define RINGBENCH_BUILD_TYPE "unknown"
#endif

static void version(void)
{
	char line[128];
	bench_protocol_line(line, sizeof(line));
	printf("ringbench %s\nrevision: %.64s\nbuild:    %s\n%s\n", RINGBENCH_VERSION,
	       ringbench_revision, RINGBENCH_BUILD_TYPE, line);
}

static const struct command *find(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return cli_usage("no command given");
	const char *cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
		if (strcmp(cmd, "help") == 0 && argc > 2 && find(argv[2]) &&
		    find(argv[2])->summary) {
			char *sub[] = {argv[2], "--help", NULL};
			return find(argv[2])->fn(2, sub);
		}
		help();
		return BENCH_PASS;
	}
	if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
		if (argc > 2)
			return cli_usage("--version takes no arguments");
		version();
		return BENCH_PASS;
	}
	const struct command *c = find(cmd);
	if (!c)
		return cli_usage("unknown command '%s'", cmd);
	return c->fn(argc - 1, argv + 1);
}
