/* cmd_plot.c: `ringbench plot RESULTS.json`: the five charts of a run, as
 * PNG and SVG, drawn by gnuplot from the scripts in plots/. */
#include "cli/cli.h"
#include "measure/bench.h"
#include "report/charts.h"
#include "cli/commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char help[] =
    "usage: ringbench plot RESULTS.json [--chart NAME[,NAME...]] [--baseline FILE | --ab FILE]\n"
    "                      [--no-history] [--out DIR]\n"
    "\n"
    "Draw a run's charts with gnuplot, each as PNG and SVG, titled with the machine,\n"
    "the date, the revision and the machine state the figures were taken in:\n"
    "  throughput.*  throughput against message size (log-log), one line per wait\n"
    "                strategy, with the floor, pipe and unix references\n"
    "  latency.*     percentiles 50 to 99.99 (axis 1/(1-p)) of ping-pong and\n"
    "                fixed-rate latency, one line per wait strategy\n"
    "  change.*      every case against the base: its change, 95% interval and\n"
    "                threshold, regressions and improvements marked (needs a base)\n"
    "  trend.*       the key cases night by night from the history, steps marked\n"
    "                (needs a history)\n"
    "  cpu.*         CPU time per message of each side by wait strategy, at a low\n"
    "                and a high message rate\n"
    "The data each is drawn from is in DIR/data (<chart>.dat); the scripts are in\n"
    "plots/ (or $RINGBENCH_PLOTS).  Every chart the inputs allow is drawn; a chart\n"
    "they do not allow (no base, no history yet, no cases of its kind) is named\n"
    "with what it needs, one line each.\n"
    "\n"
    "options:\n"
    "  --chart NAMES     draw only these charts (throughput, latency, change, trend,\n"
    "                    cpu; a comma-separated list, or the option again)\n" CHARTS_OPTIONS_HELP
    "  --out DIR         where the charts go (default: plots/out)\n"
    "\n"
    "exit status: 0 every chart the inputs allow drawn, the others named (or left\n"
    "out with --no-history); 2 no chart could be drawn, a chart could not be drawn\n"
    "for an error (no gnuplot, a chart script that failed, a folder that cannot be\n"
    "written), a chart asked for with --chart could not be drawn, the base named\n"
    "with --baseline or --ab or the store named with --store could not be used, or\n"
    "the results could not be read (an empty results file, not JSON)\n";

/* Take --chart NAMES out of argv (the options plot and report share are
 * read by cli_chart_args) into only[]; *asked: whether any was given.  0,
 * or an exit code with the message printed. */
static int chart_names(int *argc, char **argv, bool only[PLOT_COUNT], bool *asked)
{
	int k = 1;
	*asked = false;
	for (int i = 1; i < *argc; i++) {
		const char *names = NULL;
		if (strcmp(argv[i], "--") == 0) {
			while (i < *argc)
				argv[k++] = argv[i++];
			break;
		}
		if (strcmp(argv[i], "--chart") == 0) {
			if (i + 1 >= *argc)
				return cli_usage("plot: --chart needs a chart's name");
			names = argv[++i];
		} else if (strncmp(argv[i], "--chart=", 8) == 0) {
			names = argv[i] + 8;
		} else {
			argv[k++] = argv[i];
			continue;
		}
		/* Every name between the commas: an empty one ("", "a,,b", "a,")
		 * is a mistake, never a name to skip. */
		for (const char *t = names;; t++) {
			size_t len = strcspn(t, ",");
			char one[64];
			if (len == 0)
				return cli_usage(
				    "plot: --chart '%s': an empty chart name (throughput, "
				    "latency, change, trend, cpu)",
				    names);
			snprintf(one, sizeof(one), "%.*s", (int)len, t);
			int c = len < sizeof(one) ? plot_chart_of(one) : -1;
			if (c < 0)
				return cli_usage("plot: unknown chart '%.*s' (throughput, latency, "
						 "change, trend, cpu)",
						 (int)len, t);
			only[c] = *asked = true;
			t += len;
			if (!*t)
				break;
		}
	}
	argv[k] = NULL;
	*argc = k;
	return 0;
}

int cmd_plot(int argc, char **argv)
{
	bool only[PLOT_COUNT] = {0}, asked;
	int rc = chart_names(&argc, argv, only, &asked);
	if (rc)
		return rc;
	struct charts c;
	rc = cli_chart_args(argc, argv, &c, help, false);
	if (rc)
		return rc < 0 ? BENCH_PASS : rc;
	if (asked && only[PLOT_TREND] && c.no_history)
		return cli_usage("plot: give --chart trend or --no-history, not both");
	c.only = asked ? only : NULL;
	rc = charts_load(&c);
	if (rc) {
		charts_free(&c);
		return rc;
	}
	char dflt[1100];
	snprintf(dflt, sizeof(dflt), "%s/plots/out", bench_tree_root());
	const char *out = c.out ? c.out : dflt;
	struct plot_output po;
	charts_draw(&c, out, &po);
	int drawn = 0, left = 0, lacking = 0, wanted = 0;
	bool failed = false;
	for (int i = 0; i < PLOT_COUNT; i++) {
		if (asked && !only[i])
			continue;
		wanted++;
		if (po.drawn[i]) {
			drawn++;
			printf("%-10s %s  %s\n", plot_name(i), po.png[i], po.svg[i]);
		} else if (po.left_out[i]) {
			left++;
			printf("%-10s left out: %s\n", plot_name(i), po.why[i]);
		} else if (asked || charts_failed(&c, &po, i)) {
			failed = true;
			fprintf(stderr, "ringbench: plot: %s chart not drawn: %s\n", plot_name(i),
				po.why[i]);
		} else {
			lacking++;
			printf("%-10s not drawn, it needs %s: %s\n", plot_name(i), plot_needs(i),
			       po.why[i]);
		}
	}
	char parts[120] = "", *p = parts;
	if (left)
		p += sprintf(p, "%d left out", left);
	if (lacking)
		sprintf(p, "%s%d lacking %s", left ? ", " : "", lacking,
			lacking == 1 ? "its input" : "their inputs");
	printf("%d of %d charts%s drawn%s%s%s in %s (%s)\n", drawn, wanted,
	       asked ? " asked for" : "", parts[0] ? " (" : "", parts, parts[0] ? ")" : "", out,
	       po.state);
	if (!failed && drawn == 0 && lacking) {
		fprintf(stderr, "ringbench: plot: %s: none of the charts can be drawn from it\n",
			c.results);
		failed = true;
	}
	charts_free(&c);
	return failed ? BENCH_USAGE : BENCH_PASS;
}
