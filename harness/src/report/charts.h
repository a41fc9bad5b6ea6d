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
#include <stddef.h>

struct charts {
	/* options */
	const char *results;  /* RESULTS.json */
	const char *baseline; /* --baseline FILE (default: this machine's, if any) */
	const char *ab;	      /* --ab FILE: the A side of an A/B run */
	const char *history;  /* --history DIR (default: the machine's) */
	bool no_history;      /* --no-history */
	const char
	    *store;	 /* --store WHERE (default: $RINGBENCH_STORE, else the results folder's) */
	const char *out; /* --out DIR */
	const char *gnuplot; /* --gnuplot PROGRAM */
	const char *startup; /* report: --startup FILE (ringbench startup --out) */
	const bool *only;    /* plot --chart: the charts to draw, NULL for every one */
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
	bool store_failed; /* the store named with --store could not be opened, or is not there */
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
	"                    the A side an interleaved check left beside it, else the\n"           \
	"                    machine's baseline in the results store)\n"                           \
	"  --ab FILE         RESULTS is the B side of an A/B run and FILE its A side\n"            \
	"                    (ringbench ab's ab-A.json and ab-B.json): judged in pairs\n"          \
	"  --no-history      leave the trend chart out (the trend is the machine's\n"              \
	"                    nightly history in the results store; a history folder,\n"            \
	"                    --history DIR, is refused: ringbench store import DIR)\n"             \
	"  --store WHERE     the results store: a SQLite file or a postgresql:// URI\n"            \
	"                    (default: $RINGBENCH_STORE, else results/ringbench.db); the\n"        \
	"                    charts only read it: one that is not there is not made\n"             \
	"  --gnuplot PROG    the gnuplot to run (default: the one the build found)\n"

/* Read the results, judge them against the base, read the history.  0, or
 * BENCH_USAGE with the message printed (only the results file is
 * required; a missing base or history is noted for its chart). */
int charts_load(struct charts *c);
/* Draw the five charts (those of c->only) into dir.  Returns how many were
 * drawn or left out on purpose (--no-history, --chart): PLOT_COUNT when
 * nothing is missing. */
int charts_draw(struct charts *c, const char *dir, struct plot_output *po);
/* Whether chart, not drawn, is a failure: an error (no gnuplot, a script
 * that failed, a folder that cannot be written), or an input the user
 * named that cannot be used (--baseline or --ab for the change chart; a
 * --store that cannot be opened or is not there, for the trend and for the
 * change chart judged against the stored baseline).  A chart whose input
 * is only missing (no stored baseline, no history yet, no store yet where
 * none was named, no cases of its kind) is none. */
bool charts_failed(const struct charts *c, const struct plot_output *po, int chart);
void charts_free(struct charts *c);

/* Whether the results store `where` names is there to be read, its name
 * (where, else $RINGBENCH_STORE, else results/ringbench.db) into name: a
 * postgresql:// or postgres:// URI is taken to be (its server answers when
 * it is opened), a file path must name something that exists.  The
 * commands that only read a store ask first, since opening a SQLite store
 * that is not there creates it. */
bool charts_store_exists(const char *where, char *name, size_t n);

#endif
