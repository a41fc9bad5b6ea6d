/* cmd_dashboard.c: `ringbench dashboard --out DIR`: a static site of every
 * machine's nightly figures from the results store (report/dashboard.h). */
#include "cli/cli.h"
#include "cli/commands.h"
#include "measure/bench.h"
#include "report/charts.h"
#include "report/dashboard.h"
#include "report/plot.h"
#include "store/store.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#ifndef RINGBENCH_GNUPLOT
#define RINGBENCH_GNUPLOT "gnuplot"
#endif

static const char help[] =
    "usage: ringbench dashboard --out DIR [--store WHERE] [--nights N] [--gnuplot PROG]\n"
    "\n"
    "Write a static site of every machine's nightly checks from the results store\n"
    "into DIR: pages a browser opens from the disk, no server, nothing loaded from\n"
    "the network.\n"
    "  DIR/index.html        every machine (CPU model, kernel, nights, latest verdict)\n"
    "                        and every case, with links\n"
    "  DIR/case-NNN.html     a case's trend: its headline figure (throughput of a\n"
    "                        stream, p50 and p99 of ping-pong and fixed-rate latency)\n"
    "                        night by night on every machine, a line per machine and\n"
    "                        machine state (never mixed), the steps check reported\n"
    "                        marked with their revisions; each machine's newest\n"
    "                        nights and latest verdict on the case\n"
    "  DIR/machine-NN.html   a machine's context, states, latest verdict and steps\n"
    "  DIR/charts/, DIR/data/  the trends as SVG and PNG (gnuplot, plots/dashboard.gp)\n"
    "                        and the data they are drawn from\n"
    "The latest verdict is a machine's newest night judged against its stored\n"
    "baseline, the run as the unit; the store keeps no verdict of its own.\n"
    "\n"
    "options:\n"
    "  --out DIR         where the site goes (a folder, made if missing)\n"
    "  --store WHERE     the results store: a SQLite file or postgresql://... (default:\n"
    "                    $RINGBENCH_STORE, else results/ringbench.db)\n"
    "  --nights N        each machine's newest N nights (default 400)\n"
    "  --gnuplot PROG    the gnuplot to run (default: the one the build found)\n"
    "\n"
    "exit status: 0 the site written with every trend its data allows; 2 no --out\n"
    "(or a file there), a store that is not there (none is made), cannot be opened\n"
    "or holds no nightly runs, a folder that cannot be written, or a trend gnuplot\n"
    "could not draw (no gnuplot: the pages say why)\n";

int cmd_dashboard(int argc, char **argv)
{
	enum { O_OUT = 256, O_STORE, O_NIGHTS, O_GNUPLOT, O_HELP };
	static const struct option opts[] = {
	    {"out", required_argument, NULL, O_OUT},
	    {"store", required_argument, NULL, O_STORE},
	    {"nights", required_argument, NULL, O_NIGHTS},
	    {"gnuplot", required_argument, NULL, O_GNUPLOT},
	    {"help", no_argument, NULL, O_HELP},
	    {0},
	};
	struct dashboard_opts o = {.gnuplot = RINGBENCH_GNUPLOT, .scripts = plot_scripts_dir()};
	const char *where = NULL;
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		char *end;
		switch (c) {
		case O_OUT: o.out = optarg; break;
		case O_STORE: where = optarg; break;
		case O_NIGHTS:
			o.last = (int)strtol(optarg, &end, 10);
			if (*end || end == optarg || o.last < 1 || o.last > 100000)
				return cli_usage("dashboard: --nights wants a number of nights, "
						 "not '%s'",
						 optarg);
			break;
		case O_GNUPLOT: o.gnuplot = optarg; break;
		case O_HELP: fputs(help, stdout); return BENCH_PASS;
		default:
			return cli_usage("dashboard: unknown option or missing value '%s'",
					 argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage("dashboard: unexpected argument '%s'", argv[optind]);
	if (!o.out)
		return cli_usage("dashboard: give --out DIR, the folder the site goes into");
	struct stat sb;
	if (stat(o.out, &sb) == 0 && !S_ISDIR(sb.st_mode))
		return cli_usage("dashboard: --out %s is a file, not a folder: give the folder the "
				 "site goes into",
				 o.out);
	char name[2048], err[2048];
	/* A store that is not there is not made: the dashboard only reads. */
	if (!charts_store_exists(where, name, sizeof(name))) {
		fprintf(stderr,
			"ringbench: dashboard: no results store at %s (ringbench check adds a "
			"night to it; ringbench store import DIR brings in a history)\n",
			name);
		return BENCH_USAGE;
	}
	struct store *s;
	if (store_open(name, &s, err, sizeof(err))) {
		fprintf(stderr, "ringbench: dashboard: %s\n", err);
		return BENCH_USAGE;
	}
	struct dashboard_result r;
	int rc = dashboard_write(s, &o, &r, err, sizeof(err));
	store_close(s);
	if (rc) {
		fprintf(stderr, "ringbench: dashboard: %s\n", err);
		return BENCH_USAGE;
	}
	printf("dashboard: %s (%d machines, %d cases, %d nights; %d trends drawn", r.index,
	       r.machines, r.cases, r.nights, r.drawn);
	if (r.lacking)
		printf(", %d with too few repetitions in one state", r.lacking);
	printf(")\n");
	if (r.failed) {
		fprintf(stderr, "ringbench: dashboard: %d trends not drawn: %s\n", r.failed, r.why);
		return BENCH_USAGE;
	}
	return BENCH_PASS;
}
