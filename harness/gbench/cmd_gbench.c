/* cmd_gbench.c: `ringbench gbench [SCENARIO...] [--benchmark_*...]`: every
 * cross-process case of a scenario as a Google Benchmark benchmark (through
 * the C shim, harness/gbench/gbench.h), so that Google Benchmark's filter,
 * repetitions, random interleaving and reporters work on ringbench's own
 * cases.  One iteration is one run of the case (its workers spawned,
 * pinned, warmed up and measured as `ringbench run` does); its manual time
 * is the window the workers measured, its items the messages moved, and
 * the figures ringbench reports are counters. */
#include "cli/cli.h"
#include "measure/bench.h"
#include "cli/commands.h"
#include "gbench.h"
#include "cli/spec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_CASES 1024

static const char help[] =
    "usage: ringbench gbench [SCENARIO...] [--benchmark_* ...]\n"
    "\n"
    "Run a scenario's cases (default: quick) through Google Benchmark: each case is\n"
    "a benchmark named as in ringbench's results, one iteration a whole run of it\n"
    "(two pinned worker processes, warm-up, measured window), with manual time (the\n"
    "window the workers measured), items per second (messages), and counters:\n"
    "p50_ns p90_ns p99_ns p999_ns max_ns (ping-pong and latency), producer and\n"
    "consumer CPU ns per message, system calls per message.  Google Benchmark's own\n"
    "options choose and report: --benchmark_filter=REGEX, --benchmark_repetitions=N,\n"
    "--benchmark_enable_random_interleaving=true, --benchmark_format=console|json|csv,\n"
    "--benchmark_out=FILE, --benchmark_context=k=v.  Its JSON is read by\n"
    "`ringbench compare` and by Google Benchmark's compare.py.\n"
    "\n"
    "exit status: 0 every case ran, 1 a case failed (a visibility or integrity\n"
    "failure, reported as that benchmark's error), 2 usage or environment error\n";

struct gb_case {
	struct bench_case c;
	struct bench_limits lim;
};

static void run_case(gbench_state *s, void *arg)
{
	struct gb_case *g = arg;
	double msgs = 0;
	struct bench_run r;
	memset(&r, 0, sizeof(r));
	while (gbench_keep_running(s)) {
		int rc = bench_run_case(&g->c, &g->lim, &r);
		if (rc != BENCH_PASS) {
			char msg[2100];
			snprintf(msg, sizeof(msg), "%s",
				 r.diagnosis[0] ? r.diagnosis : "the case failed (see stderr)");
			msg[strcspn(msg, "\n")] = 0;
			gbench_skip_with_error(s, msg);
			return;
		}
		gbench_set_iteration_time(s, r.seconds);
		msgs += (double)r.messages;
	}
	gbench_set_items(s, (int64_t)msgs);
	gbench_set_bytes(s, (int64_t)msgs * (int64_t)g->c.size);
	/* The last run's figures (one iteration per run unless told more). */
	if (g->c.mode != MODE_STREAM) {
		gbench_counter(s, "p50_ns", (double)r.p50, GBENCH_COUNTER_PLAIN);
		gbench_counter(s, "p90_ns", (double)r.p90, GBENCH_COUNTER_PLAIN);
		gbench_counter(s, "p99_ns", (double)r.p99, GBENCH_COUNTER_PLAIN);
		gbench_counter(s, "p999_ns", (double)r.p999, GBENCH_COUNTER_PLAIN);
		gbench_counter(s, "max_ns", (double)r.max, GBENCH_COUNTER_PLAIN);
	}
	gbench_counter(s, "producer_cpu_ns_per_msg", r.producer_cpu_ns, GBENCH_COUNTER_PLAIN);
	gbench_counter(s, "consumer_cpu_ns_per_msg", r.consumer_cpu_ns, GBENCH_COUNTER_PLAIN);
	gbench_counter(s, "syscalls_per_msg", r.syscalls_per_msg, GBENCH_COUNTER_PLAIN);
	gbench_counter(s, "state_ns", (r.state_before_ns + r.state_after_ns) / 2,
		       GBENCH_COUNTER_PLAIN);
}

int cmd_gbench(int argc, char **argv)
{
	/* Scenario names for ringbench, --benchmark_* for Google Benchmark. */
	char **scen = calloc((size_t)argc + 1, sizeof(*scen));
	char **gb = calloc((size_t)argc + 2, sizeof(*gb));
	if (!scen || !gb) {
		free(scen);
		free(gb);
		return BENCH_USAGE;
	}
	int ns = 0, ng = 0;
	gb[ng++] = "ringbench gbench";
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(help, stdout);
			free(scen);
			free(gb);
			return BENCH_PASS;
		}
		if (strncmp(argv[i], "--benchmark_", 12) == 0)
			gb[ng++] = argv[i];
		else if (argv[i][0] == '-') {
			free(scen);
			free(gb);
			return cli_usage("gbench: unknown option '%s' (Google Benchmark's start "
					 "with --benchmark_)",
					 argv[i]);
		} else
			scen[ns++] = argv[i];
	}
	struct spec spec;
	char *dflt[1] = {"quick"};
	int rc = ns ? cli_load_scenarios(ns, scen, &spec) : cli_load_scenarios(1, dflt, &spec);
	free(scen);
	if (rc) {
		free(gb);
		return rc;
	}
	char err[512];
	struct gb_case *cases = calloc(MAX_CASES, sizeof(*cases));
	struct bench_case *bc = calloc(MAX_CASES, sizeof(*bc));
	int n = cases && bc ? spec_expand(&spec, bc, MAX_CASES, err, sizeof(err)) : -1;
	if (n < 0) {
		free(cases);
		free(bc);
		free(gb);
		return cli_usage("gbench: %s", cases && bc ? err : "out of memory");
	}
	bench_sweep_stale();
	/* The workers are ringbench's (this program has no __worker). */
	const char *worker = getenv("RINGBENCH_WORKER_EXE");
	static char beside[1200];
	if (!worker || !worker[0]) {
		char self[1024];
		ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
		self[len > 0 ? len : 0] = 0;
		char *slash = strrchr(self, '/');
		/* harness/gbench/ in a build, libexec/ringbench/ installed. */
		int dl = slash ? (int)(slash - self) : 1;
		const char *dir = slash ? self : ".";
		snprintf(beside, sizeof(beside), "%.*s/../ringbench", dl, dir);
		if (access(beside, X_OK) != 0)
			snprintf(beside, sizeof(beside), "%.*s/../../bin/ringbench", dl, dir);
		worker = beside;
	}
	for (int i = 0; i < n; i++) {
		cases[i].c = bc[i];
		/* the copy is what the benchmark uses from here */
		cases[i].lim.stall_ns = 2000000000LL;
		cases[i].lim.worker_exe = worker;
		gbench_bench *b = gbench_register(cases[i].c.name, run_case, &cases[i]);
		gbench_use_manual_time(b);
		/* One run of a case is already a measurement of many messages:
		 * Google Benchmark's calibration would run it again and again. */
		gbench_fixed_iterations(b, 1);
	}
	gbench_add_context("ringbench_scenario", spec.scenario);
	gbench_add_context("ringbench_iteration",
			   "one run of the case: manual time is its measured window, items "
			   "the messages moved");
	free(bc);
	rc = gbench_main(ng, gb);
	free(gb);
	/* Nothing runs them after gbench_main: their registrations stay
	 * with Google Benchmark, unused. */
	free(cases);
	return rc;
}
