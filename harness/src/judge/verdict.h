/* verdict.h: two sets of results judged figure by figure.
 *
 * A regression needs three things: a significant difference (a
 * permutation rank test at alpha), a bootstrap interval of the change that
 * lies entirely beyond the threshold in the worse direction, and enough
 * repetitions for the test to be able to reach alpha at all.  The
 * threshold is the larger of a floor and the noise of one repetition
 * measured in the files themselves.  Counts (system calls per message) are
 * compared as counts.
 *
 * The machine's state (states.h): a repetition whose two probes disagree
 * is left out, and figures are compared only within a state: by
 * stratified ranks for two runs, by pairs taken in the same state for an
 * A/B run.  A case with no state in common says so instead of judging. */
#ifndef VERDICT_H
#define VERDICT_H

#include "judge/sample.h"
#include "judge/states.h"

/* An instruction count that moves by this much (relative) changed. */
#define INSTR_CHANGE 0.01

enum verdict {
	V_SAME,	       /* no significant change */
	V_SMALL,       /* significant, but not beyond the threshold */
	V_REGRESSION,  /* worse, beyond the threshold */
	V_IMPROVEMENT, /* better, beyond the threshold */
	V_TOO_FEW,     /* the test cannot reach alpha with these repetitions */
	V_STATE,       /* no repetitions in a common machine state */
	V_ONE_RUN,     /* the runs differ, but one run per side cannot say why */
	V_ACKED,       /* a regression acknowledged (ringbench ack): shown, exit 0 */
};

/* How figures from two files are judged.
 *
 * JUDGE_RUNS (check against stored figures, compare): the run is the unit.
 * Each run draws its own conditions (where the host puts the two virtual
 * CPUs, what shares their caches) and keeps them for its whole length, so
 * its repetitions are not independent draws and no test on them can tell
 * a change from the next run's conditions.  A figure is each run's median
 * in one machine state; the current runs' mean (of logs) is judged against
 * the spread of the base's runs: Student's t with the runs' pooled spread
 * (with one current run: a prediction interval for a new run), one-sided
 * towards "worse", at alpha shared among every timed figure judged
 * (Bonferroni), so alpha bounds the chance that a check of an unchanged
 * build reports any regression at all.  The runs' spread is taken as at
 * least 1% (and, for a percentile, the spread of rounding to the clock's
 * step), and a current run's median of fewer repetitions than the base's
 * runs had adds the spread that costs (a median of n spreads as 1/n of the
 * spread within a run, measured on the base's repetitions).  The base needs
 * JUDGE_MIN_RUNS runs in the state; with one run per side the table shows
 * the within-run test's differences and the verdict is "no verdict".
 *
 * JUDGE_PAIRS (ab, and check against a build of the baseline's revision):
 * both builds measured interleaved in one session, judged pair by pair.
 *
 * JUDGE_REPS (compare --within-run, instruction counts): repetitions as
 * draws, for files where that holds (runs interleaved by other means). */
enum judge_method { JUDGE_REPS, JUDGE_PAIRS, JUDGE_RUNS };

/* Runs a base needs in a state before the run-to-run spread means
 * anything; a run counts in a state where it has this many repetitions. */
#define JUDGE_MIN_RUNS	   5
#define JUDGE_RUN_MIN_REPS 3

const char *verdict_name(enum verdict v);

struct judge_opts {
	double alpha;	   /* significance (0.01) */
	double floor;	   /* the threshold's floor, relative (0.05 check, 0.03 ab) */
	double threshold;  /* > 0: a fixed threshold instead (--threshold) */
	double noise_mult; /* the threshold is at least this many noises (1) */
	double level;	   /* the interval's confidence (0.95) */
	bool paired;	   /* A/B: pair repetitions by repetition_index */
	bool runs;	   /* the run as the unit (JUDGE_RUNS); paired wins */
	bool force;	   /* compare different machines or build types */
};

void judge_defaults(struct judge_opts *o, bool paired);
/* How startup times are judged (ringbench startup): check's rules with a
 * floor of STARTUP_FLOOR.  Whole process starts move between runs by more
 * than within one (docs/charts.md has figures): twice that movement is the
 * floor, so startup catches a setup cost that grew by a fifth or more, not
 * a few percent. */
#define STARTUP_FLOOR 0.20
void judge_startup_defaults(struct judge_opts *o);
/* The method judge() uses for these options and files. */
enum judge_method judge_method_of(const struct judge_opts *o);

struct judge_row {
	const char *name; /* the case (owned by the current set) */
	enum fig fig;
	enum verdict v;
	double base, cur;      /* medians of the repetitions used */
	double change, lo, hi; /* relative change (0.05: +5%) and its interval */
	double p, min_p;
	double threshold; /* relative */
	double noise;	  /* relative, one repetition */
	int nb, nc;	  /* repetitions used (pairs for A/B: nb == nc; runs for JUDGE_RUNS) */
	double detect;	  /* JUDGE_RUNS: the smallest change in the worse direction
			   * this base can call (relative, signed as the figure
			   * moves: -0.3 a rate that falls 30%); NaN if none */
	char note[160];
};

/* The suite's score in one machine state: the geometric mean, over the
 * cases judged, of each case's headline figure's ratio, oriented so that
 * above 1 is worse (base rate / current rate; current time / base time),
 * with its interval at the judgement's level from the same pairs, runs or
 * repetitions the verdict used; exact (lo == hi == ratio) for counts. */
struct suite_score {
	char state[64]; /* "state 60-80 ns", "no state recorded", "instructions" */
	double ratio, lo, hi;
	int ncases;
	bool exact;
};
#define SCORES_MAX (STATES_MAX + 1)

struct judge_state {
	double lo, hi; /* probe range, ns */
	int nbase, ncur;
};

struct judgement {
	struct judge_row *rows;
	int nrows;
	char **only_base, **only_cur; /* case names in one file only */
	int n_only_base, n_only_cur;
	char **failures; /* "case: message", visibility failures in current */
	int nfail;
	struct judge_state states[STATES_MAX];
	int nstates;
	int unsteady_base, unsteady_cur; /* repetitions left out: probes disagreed */
	char warnings[4][256];
	int nwarn;
	int regressions, improvements, too_few, state_lost;
	int acknowledged; /* regressions acknowledged (V_ACKED), not in regressions */
	struct suite_score scores[SCORES_MAX];
	int nscores;
	enum judge_method method;
	bool one_run_each;	 /* JUDGE_RUNS with one run per side: no verdict */
	int base_runs, cur_runs; /* runs in each file */
	int tests;		 /* JUDGE_RUNS: timed figures sharing alpha */
	char method_note[320];	 /* how the verdict was reached, one sentence */
	char changed[320];	 /* set when no case had a state in common: no verdict */
	int status;		 /* exit code: 0, 1 regression, 2 machine changed, 3 visibility */
};

/* Judge cur against base.  Returns 0 with j filled in (j->changed says so
 * when the machine's state changed for every case: no verdict, status 2),
 * or -1 with a sentence in err (different machines or build types without
 * force). */
/* The logs of each run's median of figure f in state k (every state when
 * states are not used), for the runs with at least JUDGE_RUN_MIN_REPS
 * repetitions there and a median above 0 (*nonpositive set where one is
 * not): compacted into out[0..m), or, by_run, at out[run] with NaN for the
 * runs left out.  Returns m, how many; -1 out of memory.  *reps gets the
 * harmonic mean of how many repetitions each median is of; dev, when not
 * NULL, gets each repetition's log distance from its run's median (*ndev
 * of them): the spread within a run.  The verdict by runs and the suite
 * score take them so. */
int judge_run_medians(const struct states *st, const struct sample_case *c, int nruns, enum fig f,
		      int k, double *out, double *reps, double *dev, int *ndev, bool *nonpositive,
		      bool by_run);

int judge(const struct sample_set *base, const struct sample_set *cur, const struct judge_opts *o,
	  struct judgement *j, char *err, size_t n);
void judgement_free(struct judgement *j);

/* The exit status of a judgement. */
int judge_status(const struct judgement *j);

#endif
