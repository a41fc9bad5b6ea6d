/* cli.c: what every command uses: the one-line usage error, scenarios
 * read into one matrix, the options plot and report share. */
#include "cli/cli.h"

#include "measure/bench.h"

#include <getopt.h>
#include <string.h>

#include <stdarg.h>
#include <stdio.h>

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

#define usage_error cli_usage

/* Several scenarios: their cases run as one matrix. */
int cli_load_scenarios(int n, char **names, struct spec *out)
{
	struct spec merged;
	spec_init(&merged);
	for (int i = 0; i < n; i++) {
		struct spec one;
		spec_init(&one);
		char err[512];
		if (scenario_load(names[i], &one, err, sizeof(err))) {
			fprintf(stderr, "ringbench: %s\n", err);
			return BENCH_USAGE;
		}
		if (i == 0) {
			merged = one;
			continue;
		}
		for (int m = 0; m < MODE_COUNT; m++)
			if (one.mode[m].enabled && !merged.mode[m].enabled)
				merged.mode[m] = one.mode[m];
			else if (one.mode[m].enabled)
				return usage_error(
				    "scenarios %s and %s both have [%s]: run them one "
				    "at a time",
				    names[0], names[i], bench_mode_name((enum bench_mode)m));
		size_t used = strlen(merged.scenario);
		if (used + 1 + strlen(one.scenario) < sizeof(merged.scenario)) {
			merged.scenario[used] = '+';
			memcpy(merged.scenario + used + 1, one.scenario, strlen(one.scenario) + 1);
		}
	}
	*out = merged;
	return 0;
}

#ifndef RINGBENCH_GNUPLOT
#define RINGBENCH_GNUPLOT "gnuplot"
#endif

int cli_chart_args(int argc, char **argv, struct charts *c, const char *help, bool report)
{
	memset(c, 0, sizeof(*c));
	c->gnuplot = RINGBENCH_GNUPLOT;
	enum { O_BASE = 256, O_AB, O_HIST, O_NOHIST, O_STORE, O_OUT, O_GNUPLOT, O_STARTUP, O_HELP };
	static const struct option opts[] = {
	    {"baseline", required_argument, NULL, O_BASE},
	    {"ab", required_argument, NULL, O_AB},
	    {"history", required_argument, NULL, O_HIST},
	    {"no-history", no_argument, NULL, O_NOHIST},
	    {"store", required_argument, NULL, O_STORE},
	    {"out", required_argument, NULL, O_OUT},
	    {"gnuplot", required_argument, NULL, O_GNUPLOT},
	    {"startup", required_argument, NULL, O_STARTUP},
	    {"help", no_argument, NULL, O_HELP},
	    {0},
	};
	optind = 1;
	opterr = 0;
	int o;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case O_BASE: c->baseline = optarg; break;
		case O_AB: c->ab = optarg; break;
		case O_HIST: c->history = optarg; break;
		case O_NOHIST: c->no_history = true; break;
		case O_STORE: c->store = optarg; break;
		case O_OUT: c->out = optarg; break;
		case O_GNUPLOT: c->gnuplot = optarg; break;
		case O_STARTUP:
			if (!report)
				return usage_error("%s: unknown option '--startup'", argv[0]);
			c->startup = optarg;
			break;
		case O_HELP: fputs(help, stdout); return -1;
		default:
			return usage_error("%s: unknown option or missing value '%s'", argv[0],
					   argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return usage_error("%s: no results file given", argv[0]);
	if (optind + 1 < argc)
		return usage_error("%s: unexpected argument '%s'", argv[0], argv[optind + 1]);
	c->results = argv[optind];
	if (c->baseline && c->ab)
		return usage_error("%s: give --baseline or --ab, not both", argv[0]);
	if (c->history && c->no_history)
		return usage_error("%s: give --history or --no-history, not both", argv[0]);
	return 0;
}
