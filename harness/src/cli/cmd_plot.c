/* cmd_plot.c: `ringbench plot RESULTS.json`: the five charts of a run, as
 * PNG and SVG, drawn by gnuplot from the scripts in plots/. */
#include "cli/cli.h"
#include "measure/bench.h"
#include "report/charts.h"
#include "cli/commands.h"

#include <stdio.h>

static const char help[] =
    "usage: ringbench plot RESULTS.json [--baseline FILE | --ab FILE] [--history DIR]\n"
    "                      [--out DIR]\n"
    "\n"
    "Draw a run's charts with gnuplot, each as PNG and SVG, titled with the machine,\n"
    "the date, the revision and the machine state the figures were taken in:\n"
    "  throughput.*  throughput against message size (log-log), one line per wait\n"
    "                strategy, with the floor, pipe and unix references\n"
    "  latency.*     percentiles 50 to 99.99 (axis 1/(1-p)) of ping-pong and\n"
    "                fixed-rate latency, one line per wait strategy\n"
    "  change.*      every case against the base: its change, 95% interval and\n"
    "                threshold, regressions and improvements marked\n"
    "  trend.*       the key cases night by night from the history, steps marked\n"
    "  cpu.*         CPU time per message of each side by wait strategy, at a low\n"
    "                and a high message rate\n"
    "The data each is drawn from is in DIR/data (<chart>.dat); the scripts are in\n"
    "plots/ (or $RINGBENCH_PLOTS).\n"
    "\n"
    "options:\n" CHARTS_OPTIONS_HELP
    "  --out DIR         where the charts go (default: plots/out)\n"
    "\n"
    "exit status: 0 every chart drawn (or left out with --no-history); 2 a chart\n"
    "could not be drawn (no gnuplot,\n"
    "an empty results file, results without the cases a chart needs, no base or\n"
    "history): each such chart is named with the reason, and the others are drawn\n";

int cmd_plot(int argc, char **argv)
{
	struct charts c;
	int rc = cli_chart_args(argc, argv, &c, help, false);
	if (rc)
		return rc < 0 ? BENCH_PASS : rc;
	rc = charts_load(&c);
	if (rc) {
		charts_free(&c);
		return rc;
	}
	char dflt[1100];
	snprintf(dflt, sizeof(dflt), "%s/plots/out", bench_tree_root());
	const char *out = c.out ? c.out : dflt;
	struct plot_output po;
	int done = charts_draw(&c, out, &po), drawn = 0, left = 0;
	for (int i = 0; i < PLOT_COUNT; i++) {
		drawn += po.drawn[i];
		left += po.left_out[i] && !po.drawn[i];
		if (po.drawn[i])
			printf("%-10s %s  %s\n", plot_name(i), po.png[i], po.svg[i]);
		else if (po.left_out[i])
			printf("%-10s left out: %s\n", plot_name(i), po.why[i]);
		else
			fprintf(stderr, "ringbench: plot: %s chart not drawn: %s\n", plot_name(i),
				po.why[i]);
	}
	if (left)
		printf("%d of %d charts drawn (%d left out) in %s (%s)\n", drawn, PLOT_COUNT, left,
		       out, po.state);
	else
		printf("%d of %d charts drawn in %s (%s)\n", drawn, PLOT_COUNT, out, po.state);
	charts_free(&c);
	return done == PLOT_COUNT ? BENCH_PASS : BENCH_USAGE;
}
