/* main.c: the ringbench command line: one table maps each command to the
 * function (and file) that implements it; main only dispatches. */
#include "bench.h"
#include "commands.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary; /* NULL: not listed */
};

#ifndef RINGBENCH_HAVE_GBENCH
/* Built without Google Benchmark (libbenchmark-dev): say so. */
int cmd_gbench(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "ringbench: gbench: this ringbench was built without Google Benchmark; "
			"install libbenchmark-dev and build again\n");
	return BENCH_USAGE;
}
#endif

static const struct command commands[] = {
    {"stream", cmd_measure, "throughput: messages/s, bytes/s, CPU ns per message of each side"},
    {"pingpong", cmd_measure, "round trips: p50 p90 p99 p99.9 max"},
    {"latency", cmd_measure, "one-way latency at a fixed rate, without coordinated omission"},
    {"run", cmd_measure, "run scenario files (quick, nightly, visibility, or a path)"},
    {"compare", cmd_compare, "judge two results files: regressions, improvements, exit 1"},
    {"check", cmd_check, "nightly: run a scenario, judge it against this machine's baseline"},
    {"ab", cmd_ab, "before a merge: build two revisions, run them interleaved, judge"},
    {"history", cmd_history, "each case's figure night by night, and the steps found in it"},
    {"gbench", cmd_gbench, "run a scenario's cases through Google Benchmark"},
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

int cli_usage(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "ringbench: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\nTry 'ringbench --help'.\n");
	va_end(ap);
	return BENCH_USAGE;
}

static void help(void)
{
	printf("usage: ringbench COMMAND [options]     (ringbench COMMAND --help for its options)\n"
	       "\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (commands[i].summary)
			printf("  %-10s %s\n", commands[i].name, commands[i].summary);
	printf("  %-10s %s\n", "help", "this text, or a command's own (help COMMAND)");
	printf("\nexit status of every command: 0 pass, 1 performance regression, 2 usage or\n"
	       "environment error, 3 visibility or integrity failure\n");
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
	const struct command *c = find(cmd);
	if (!c)
		return cli_usage("unknown command '%s'", cmd);
	return c->fn(argc - 1, argv + 1);
}
