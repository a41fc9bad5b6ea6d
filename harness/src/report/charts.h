/* charts.h: what `plot` and `report` share: their options, and the inputs
 * of the charts (a results file, the base it is judged against, the
 * history) read and judged once. */
#ifndef CHARTS_H
#define CHARTS_H

#include "judge/acks.h"
#include "judge/history.h"
#include "report/plot.h"
#include "judge/sample.h"
#include "judge/verdict.h"

#include <stdbool.h>

struct charts {
	/* options */
	const char *results;  /* RESULTS.json */
	const char *baseline; /* --baseline FILE (default: this machine's, if any) */
	const char *ab;	      /* --ab FILE: the A side of an A/B run */
	const char *history;  /* --history DIR (default: the machine's) */
	bool no_history;      /* --no-history */
	const char *out;      /* --out DIR */
	const char *gnuplot;  /* --gnuplot PROGRAM */
	const char *startup;  /* report: --startup FILE (ringbench startup --out) */
	/* read */
	struct sample_set cur, base;
	bool have_base;
	struct judge_opts opts;
	struct judgement j;
	bool judged;
	char base_path[1200], aside_path[1200], against[1300], history_dir[1100];
	struct history h;
	struct history_analysis a;
	bool have_history;
	/* the acknowledgements kept with the baseline, applied as check does
	 * (not to an A/B run: they belong to a machine's baseline) */
	struct ack_set acks;
	char acks_path[1200];	/* "" when none apply */
	char acks_why[1400];	/* they could not be read: why */
	char base_why[1400];	/* the base could not be read or judged: why */
	char history_why[1400]; /* the history could not be read: why */
};

/* The options both commands take, as getopt_long entries and --help text. */
#define CHARTS_OPTIONS_HELP                                                                        \
	"  --baseline FILE   judge RESULTS against FILE (default: RESULTS.baseline-build.json,\n"  \
	"                    the A side an interleaved check left beside it, else this\n"          \
	"                    machine's baseline, results/baselines/<machine-id>.json)\n"           \
	"  --ab FILE         RESULTS is the B side of an A/B run and FILE its A side\n"            \
	"                    (ringbench ab's ab-A.json and ab-B.json): judged in pairs\n"          \
	"  --history DIR     the history of nightly checks for the trend (default:\n"              \
	"                    $RINGBENCH_HISTORY, or results/history/<machine-id>)\n"               \
	"  --no-history      leave the trend chart out\n"                                          \
	"  --gnuplot PROG    the gnuplot to run (default: the one the build found)\n"

/* Read the results, judge them against the base, read the history.  0, or
 * BENCH_USAGE with the message printed (only the results file is
 * required; a missing base or history is noted for its chart). */
int charts_load(struct charts *c);
/* Draw the five charts into dir.  Returns how many were drawn or left out
 * on purpose (--no-history): PLOT_COUNT when nothing is missing. */
int charts_draw(struct charts *c, const char *dir, struct plot_output *po);
void charts_free(struct charts *c);

#endif
