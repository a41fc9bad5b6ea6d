/* history.h: every nightly check kept, and the steps in each figure's
 * series.
 *
 * A machine's history is its runs of kind "night" in the results store
 * (store/store.h), one per check, named <time>-<revision>; a check's
 * confirming re-run of the cases it flagged is a run of kind "rerun" of the
 * same name.  A night is one check: its run and its re-run.
 *
 * A series is one figure of one case in one machine state: a point per
 * night that has at least HISTORY_MIN_REPS steady repetitions of the case
 * in that state (the median of them).  The night is the unit: a re-run
 * taken minutes after its night's run (a second run in one night) shares that
 * night's conditions and is no second point.  States are found over the
 * whole history (verdict.h), so a night in the slow state neither raises
 * nor hides a step in the fast one.  steps.h finds where each series'
 * level changed, with the series' own night-to-night noise.
 *
 * Runs that do not belong with the newest one (another machine, build
 * type or scenario, or no machine states recorded) are left out, with a
 * line on stderr.
 *
 * A step two nights show is confirmed; the store's steps of the machine
 * list the steps `check` reported (the ledger), and a confirmed step it
 * does not list is new.  A
 * new step that makes the figure worse by at least the check's threshold
 * is a regression on the night that confirms it: tonight is the series'
 * newest point, the step starts at one of its last two (one found later,
 * further back, is shown and fails nothing), the level before it rests on
 * at least HISTORY_MIN_BEFORE nights, and the figure is no tail percentile
 * (p99: its steps are shown, never failed); a step already
 * reported at the same revision (the one after it) in another figure or
 * state of the case is not reported again.  Tonight's point alone, far
 * from the level before it, is a candidate, which the next night in its
 * state confirms or not. */
#ifndef HISTORY_H
#define HISTORY_H

#include "judge/sample.h"
#include "judge/steps.h"
#include "judge/verdict.h"
#include "store/store.h"

#include <jansson.h>
#include <stdbool.h>

#define HISTORY_MIN_REPS 3
/* Nights of a level before a step that can fail a night (as many as a
 * stored baseline needs runs: JUDGE_MIN_RUNS). */
#define HISTORY_MIN_BEFORE JUDGE_MIN_RUNS
#define HISTORY_MAX_NIGHTS 400

struct history_run {
	struct sample_set s;
	int night;
	bool rerun;
};

struct history_night {
	char stem[160]; /* <time>-<revision> */
	char revision[128];
	char kernel[128]; /* the kernel release its run was taken under ("" unknown) */
};

struct history {
	struct store *store; /* where it was read from, and the ledger goes (not owned) */
	char machine[256];
	char dir[1024]; /* where, for people: "<store> (machine <id>)" */
	int nruns, nnights;
	struct history_run *runs;     /* in time order, a night's re-run after its run */
	struct history_night *nights; /* oldest first */
	json_t *ledger;		      /* the steps reported: {"reported": [...]} */
};

/* The store a command keeps and reads the history in: where (--store),
 * else $RINGBENCH_STORE, else results/ringbench.db (store_default_where).
 * $RINGBENCH_HISTORY, which named a history folder before the store, is
 * refused, and the message says how to bring the folder in.  0, or -1 with
 * err. */
int history_store_open(const char *where, struct store **s, char *err, size_t n);

/* Read the newest last (<= 0: HISTORY_MAX_NIGHTS) nights of machine in s.
 * A machine with no runs is an empty history.  unstored (NULL: none) is
 * tonight's run where the store could not take it: the newest night, named
 * unstored_stem.  0, or -1 with err. */
int history_load(struct store *s, const char *machine, int last, json_t *unstored,
		 const char *unstored_stem, struct history *h, char *err, size_t n);
void history_free(struct history *h);

/* The name of a run now at doc's revision, not yet among machine's nights
 * (<time>-<revision>, the time to the millisecond). */
void history_stem(struct store *s, const char *machine, json_t *doc, char *out, size_t n);
/* Put doc into the store as machine's night stem (or its re-run), in one
 * transaction.  0; 1 when the store holds a run of the same identity
 * already (the machine, kind, time to the second, revision and scenario:
 * the same run put twice is kept once); or -1 with err. */
int history_put(struct store *s, const char *machine, const char *stem, bool rerun, json_t *doc,
		char *err, size_t n);

/* s as one word for a POSIX shell, into out (n bytes), which is returned:
 * as it is when it holds only [A-Za-z0-9_./:=@%+,-] (and is not empty),
 * else in single quotes, a ' in it written '\''.  For the commands the
 * messages print, to be pasted as they are. */
const char *history_quote(const char *s, char *out, size_t n);

/* The history folder of before the store (results/history/<machine-id>/,
 * under $RINGBENCH_RESULTS if set) into dir, and how many run files it
 * holds: a history that is empty in the store while it holds some is one
 * not yet imported (ringbench store import). */
int history_old_files(const char *machine, char *dir, size_t n);

struct history_series {
	const char *name; /* the case (owned by a run's sample set) */
	enum fig fig;
	double lo, hi; /* the state's probe range, ns (0 0 without probes) */
	int n;	       /* points */
	double *v;     /* [n]: the figure (not its log) */
	int *run;      /* [n]: index into runs[] */
	double noise;  /* relative noise the steps were judged with */
	int nsteps;
	struct step steps[STEP_MAX];
};

/* One step of a series, put in terms of runs and nights. */
struct history_step {
	const struct history_series *series;
	const struct step *step;
	int night_before, night_after; /* the nights of the points either side */
	bool worse;		       /* the figure got worse */
	bool fresh;		       /* confirmed: not in the ledger; candidate: tonight's */
	bool reported;		       /* the ledger has it from an earlier night */
	bool regression;	       /* fresh, worse, by at least the threshold */
	bool beyond;		       /* by at least the threshold */
};

struct history_analysis {
	int nseries;
	struct history_series *series;
	int nsteps;
	struct history_step *steps;
	int regressions; /* confirmed steps that are regressions */
	int candidates;	 /* candidates that would be (tonight's run alone) */
};

/* Build every series and find its steps; a worse step of at least
 * `regress` (relative) is a regression.  0, or -1 (out of memory). */
int history_analyse(const struct history *h, const struct step_opts *o, double regress,
		    struct history_analysis *a);
void history_analysis_free(struct history_analysis *a);

/* Add the analysis' new confirmed steps (worse or better) to the
 * machine's steps in the store (and h's ledger), so that no later check
 * reports them.  0, or -1 with err. */
int history_record(const struct history *h, const struct history_analysis *a, char *err, size_t n);

#endif
