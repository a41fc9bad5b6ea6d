/* plot.h: ringbench's five charts.  The data files are written here, from a
 * results file, a judgement and a history; the drawing is done by the
 * gnuplot scripts in plots/ (one per chart), each chart as PNG and SVG.
 *
 * One run's figures are drawn in one machine state: the state most of its
 * repetitions were taken in (states.h), named in every chart's title, so
 * that no line mixes figures from states 3x apart.  A chart whose inputs
 * are missing is not drawn, and says why; the others still are. */
#ifndef PLOT_H
#define PLOT_H

#include "judge/history.h"
#include "judge/sample.h"
#include "judge/verdict.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum plot_chart {
	PLOT_THROUGHPUT, /* throughput against message size, log-log */
	PLOT_LATENCY,	 /* percentiles 50..99.99 on a 1/(1-p) axis */
	PLOT_CHANGE,	 /* base against current: change, interval, threshold */
	PLOT_TREND,	 /* key cases night by night, steps marked */
	PLOT_CPU,	 /* CPU per message by strategy and side, low and high rate */
	PLOT_COUNT
};

struct plot_input {
	const struct sample_set *cur; /* the run's results, every figure the charts draw */
	/* Chart 3: a judgement of cur against a base, NULL if none. */
	const struct judgement *judgement;
	const char *judged_against; /* "baseline FILE", "A: FILE" */
	/* Chart 4: a history and its analysis, NULL if none. */
	const struct history *history;
	const struct history_analysis *analysis;
	const char *scripts; /* the folder of the gnuplot scripts */
	const char *gnuplot; /* the program ("gnuplot") */
	/* The charts to draw (plot --chart), NULL for every one; the others
	 * are left out, their old images left alone. */
	const bool *only;
};

struct plot_output {
	char title[400]; /* machine, date, revision and state of the run */
	char state[120]; /* the state the run's figures are drawn in */
	bool drawn[PLOT_COUNT];
	bool left_out[PLOT_COUNT]; /* not drawn because the user asked (--no-history, --chart) */
	/* Not drawn because its inputs lack what it needs (plot_needs: a
	 * base, a history, cases of its kind), rather than for an error (no
	 * gnuplot, a script that failed, a folder that cannot be written). */
	bool lacks[PLOT_COUNT];
	char why[PLOT_COUNT][2600]; /* a chart not drawn: why, in one sentence */
	char png[PLOT_COUNT][1200], svg[PLOT_COUNT][1200];
	char caption[PLOT_COUNT][2600]; /* what the chart shows, and how to read it */
};

/* The chart's file stem ("throughput") and its title ("Throughput"). */
const char *plot_name(enum plot_chart c);
const char *plot_heading(enum plot_chart c);
/* What a chart needs beyond a run's results ("a base", "a history",
 * "stream cases"), as a user reads it beside a chart that lacks it. */
const char *plot_needs(enum plot_chart c);
/* The chart named name ("change"), or -1. */
int plot_chart_of(const char *name);

/* Draw every chart (or those of in->only) into out (made if missing; data
 * files go to out/data).  Returns the number of charts drawn; why[] says
 * why each other one was not, and lacks[] which of them lacked an input.
 * Never leaves a blank or half-written image under a chart's name. */
int plot_draw(const struct plot_input *in, const char *out, struct plot_output *o);

/* The default folder of the scripts: $RINGBENCH_PLOTS, or the installed
 * share/ringbench/plots, or the source tree's plots/. */
const char *plot_scripts_dir(void);

/* `ringbench sweep --plot`: the round-trip matrix as a heatmap, client CPU
 * by row and server CPU by column, each cell's p50 written in it. */
struct plot_sweep_input {
	const int *cpus;
	int n;
	const double *m;     /* m[i * n + j]: client cpus[i], server cpus[j]; NaN, or < 0 failed */
	const char *what;    /* "bare line ping-pong, 100000 round trips" */
	const char *title;   /* machine, date, revision */
	const char *scripts; /* the folder of the gnuplot scripts */
	const char *gnuplot;
};
/* Writes out/data/sweep.dat and out/sweep.png and .svg: 0, or -1 with why. */
int plot_sweep(const struct plot_sweep_input *in, const char *out, char png[1200], char svg[1200],
	       char *why, size_t wn);

/* For another page's charts (the dashboard's): one of plots/' scripts run
 * by gnuplot on a data file and its variables, as every chart is. */
struct plot_job {
	const char *scripts, *gnuplot; /* the folder of the scripts; the program */
	const char *script;	       /* the script's stem: plots/<script>.gp */
	const char *heading;	       /* the chart's title (chart_title) */
	const char *data, *vars;       /* its data file and its variables (.vars.gp) */
	const char *logdir;	       /* where gnuplot's output goes, <name>.<fmt>.log */
	const char *name;	       /* the chart's file stem, for the log's name */
};
/* Draw job as fmt ("png" or "svg") into path, titled sub (chart_sub): the
 * image renamed into place only when gnuplot exited 0 and wrote the
 * format's signature.  0, or -1 with why (no gnuplot, the script failed,
 * ran past a minute, a path holding a single quote). */
int plot_render(const struct plot_job *job, const char *sub, const char *fmt, const char *path,
		char *why, size_t wn);

/* Writing a chart's files for gnuplot: a variable (name = 'text', in
 * single quotes, where gnuplot substitutes nothing), a string field of a
 * data file (double quotes), and a comment line of a data file; names
 * from results files reach gnuplot only this way. */
void plot_gp_var(FILE *f, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void plot_gp_field(FILE *f, const char *s);
void plot_gp_comment(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
