/* cmd_sweep.c: `ringbench sweep`: ping-pong over every ordered pair of the
 * chosen CPUs, the round trips as a matrix (sweep.h). */
#include "cli/cli.h"
#include "measure/bench.h"
#include "cli/commands.h"
#include "report/plot.h"
#include "measure/results.h"
#include "measure/sweep.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef RINGBENCH_GNUPLOT
#define RINGBENCH_GNUPLOT "gnuplot"
#endif

static const char help[] =
    "usage: ringbench sweep [--cpus LIST|all] [--transport line|floor|ring]\n"
    "                       [--messages N] [--plot DIR] [--gnuplot PROG]\n"
    "\n"
    "Ping-pong between every ordered pair of the CPUs (client on the row's CPU,\n"
    "server on the column's) and print the matrix of round-trip p50s, so you see\n"
    "what SMT siblings, cores of one cache complex and cores across sockets cost\n"
    "before choosing where to pin.  A pair takes a fraction of a second.\n"
    "\n"
    "  --cpus LIST       CPUs like 0,1,4-7, or all (the default: every CPU this\n"
    "                    process may run on); a CPU outside that set is refused\n"
    "  --transport T     line (a bare cache line, the default), floor, or ring (spin)\n"
    "  --messages N      round trips per pair (100K)\n"
    "  --plot DIR        also draw the matrix as a heatmap, DIR/sweep.png and .svg\n"
    "                    (its data in DIR/data/sweep.dat), with gnuplot\n"
    "  --gnuplot PROG    the gnuplot to run (" RINGBENCH_GNUPLOT ")\n"
    "\n"
    "exit status: 0 every pair measured, 2 usage or environment error, 3 a pair\n"
    "failed (named in the matrix as fail); 2 also when the heatmap could not be drawn\n";

struct sweep_ctx {
	enum bench_transport transport;
	uint64_t messages;
	struct bench_limits lim;
};

static double measure_pair(int a, int b, void *arg)
{
	struct sweep_ctx *x = arg;
	struct bench_case c = {.mode = MODE_PINGPONG,
			       .transport = x->transport,
			       .wait = RING_WAIT_SPIN,
			       .size = 64,
			       .capacity = 65536,
			       .cpu = {a, b},
			       .messages = x->messages};
	bench_case_name(&c);
	struct bench_run r;
	int rc = bench_run_case(&c, &x->lim, &r);
	if (rc != BENCH_PASS) {
		fprintf(stderr, "ringbench sweep: CPUs %d,%d: %s\n", a, b,
			r.diagnosis[0] ? r.diagnosis : "failed");
		return -1;
	}
	return (double)r.p50;
}

static void progress(int done, int total)
{
	fprintf(stderr, "ringbench sweep: %d of %d pairs\n", done, total);
}

int cmd_sweep(int argc, char **argv)
{
	static const struct option opts[] = {{"cpus", required_argument, 0, 'c'},
					     {"transport", required_argument, 0, 't'},
					     {"messages", required_argument, 0, 'm'},
					     {"plot", required_argument, 0, 'P'},
					     {"gnuplot", required_argument, 0, 'g'},
					     {"help", no_argument, 0, 'h'},
					     {0}};
	const char *cpus_arg = "all", *plot_dir = NULL, *gnuplot = RINGBENCH_GNUPLOT;
	struct sweep_ctx x = {.transport = T_LINE, .messages = 100000};
	x.lim.stall_ns = 2000000000LL;
	optind = 1;
	opterr = 0;
	int o;
	char err[300];
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'c': cpus_arg = optarg; break;
		case 't':
			if (bench_transport_parse(optarg, &x.transport) ||
			    !(x.transport == T_LINE || x.transport == T_FLOOR ||
			      x.transport == T_RING))
				return cli_usage(
				    "sweep: --transport: line, floor or ring, not '%s'", optarg);
			break;
		case 'm': {
			char *end;
			unsigned long long v = strtoull(optarg, &end, 10);
			if (*end == 'K' || *end == 'k')
				v *= 1000, end++;
			if (*end || v < 100 || v > 100000000ULL)
				return cli_usage("sweep: --messages: a count from 100 to 100M, not "
						 "'%s'",
						 optarg);
			x.messages = v;
			break;
		}
		case 'P': plot_dir = optarg; break;
		case 'g': gnuplot = optarg; break;
		case 'h': fputs(help, stdout); return BENCH_PASS;
		default: return cli_usage("sweep: unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage("sweep: unexpected argument '%s'", argv[optind]);
	int *cpus = calloc(SWEEP_MAX_CPUS, sizeof(*cpus));
	if (!cpus)
		return BENCH_USAGE;
	int n = sweep_parse_cpus(cpus_arg, cpus, err, sizeof(err));
	if (n < 0) {
		free(cpus);
		return cli_usage("sweep: %s", err);
	}
	double *m = calloc((size_t)n * (size_t)n, sizeof(*m));
	if (!m) {
		free(cpus);
		return BENCH_USAGE;
	}
	bench_sweep_stale();
	fprintf(stderr,
		"ringbench sweep: %d CPUs, %d ordered pairs, %s ping-pong, %llu round trips "
		"each\n",
		n, n * (n - 1), bench_transport_name(x.transport), (unsigned long long)x.messages);
	int failed = sweep_matrix(cpus, n, measure_pair, &x, m, progress);
	sweep_print(stdout, cpus, n, m);
	int rc = failed ? BENCH_VISIBILITY : BENCH_PASS;
	if (plot_dir) {
		struct machine mc;
		machine_identify(&mc);
		char what[160], title[400], date[32], png[1200], svg[1200], why[2600];
		time_t now = time(NULL);
		strftime(date, sizeof(date), "%Y-%m-%d", localtime(&now));
		snprintf(what, sizeof(what), "%s ping-pong, 64 B, %llu round trips per pair",
			 x.transport == T_RING	 ? "ring (spin)"
			 : x.transport == T_LINE ? "bare line"
						 : bench_transport_name(x.transport),
			 (unsigned long long)x.messages);
		snprintf(title, sizeof(title), "%s, %s", mc.id, date);
		struct plot_sweep_input in = {cpus, n, m, what, title, plot_scripts_dir(), gnuplot};
		if (plot_sweep(&in, plot_dir, png, svg, why, sizeof(why))) {
			fprintf(stderr, "ringbench sweep: heatmap not drawn: %s\n", why);
			rc = rc == BENCH_PASS ? BENCH_USAGE : rc;
		} else {
			fprintf(stderr, "ringbench sweep: heatmap in %s and %s\n", png, svg);
		}
	}
	free(m);
	free(cpus);
	return rc;
}
