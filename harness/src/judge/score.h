/* score.h: the suite score, one number per machine state for a whole
 * comparison ("quick got 3% slower overall"), beside the verdict's rows.
 *
 * The score of a state is the geometric mean, over the cases judged in it,
 * of each case's headline figure's ratio, oriented so that above 1 is worse:
 * base rate / current rate, current time / base time, current count / base
 * count.  A geometric mean because the cases' figures differ by orders of
 * magnitude and a ratio is what compares them: a case 10% slower and one
 * 10% faster (1.1 and 1/1.1) cancel out.
 *
 * Its interval comes from the same units the verdict used (verdict.h), at
 * the judgement's level:
 *   - JUDGE_PAIRS: a percentile bootstrap with a fixed seed (the same
 *     files, the same interval): each case's pairs in the state are
 *     resampled and the case's estimate recomputed as its row's is (the
 *     median of the pairs' log ratios); the cases' logs are averaged.
 *   - JUDGE_RUNS: as the rows' intervals are formed, not by resampling (a
 *     bootstrap over five or six runs cannot show the spread of a run it
 *     never drew).  A case's figure per run is the run's median in the
 *     state (JUDGE_RUN_MIN_REPS repetitions or more), its estimate the
 *     difference of the two sides' means of logs, as its row's; the
 *     score's estimate is their mean over the cases.  Its interval is the
 *     row's Student's t, two-sided at the judgement's level, taken on
 *     per-run suite figures: for each run, the mean over its cases of
 *     their logs' distances from their own means, since a run's conditions
 *     are shared by its cases.  The base's runs' spread, pooled with the
 *     current runs' when every case has several, with one current run a
 *     prediction interval for a new run; taken as at least the mean of the
 *     cases' floors (1%, or a percentile's clock step over sqrt(12), as a
 *     row's), plus the mean of the cases' allowances for a current median
 *     of fewer repetitions than the base's, as standard deviations: the
 *     cases taken as moving together, the safe side.  Runs are counted as
 *     the fewest any case has.  For one case the interval is its row's at
 *     the score's level.  One run per side: no interval at all (NaN),
 *     since nothing measures how runs differ.
 *   - JUDGE_REPS: the bootstrap again, each case's repetitions resampled
 *     on each side, its estimate the difference of the two sides' medians
 *     of logs.
 *   - Instruction counts: exact (lo == hi == ratio), one score
 *     "instructions" whatever the states, as counts know no state.
 *
 * A score per state, because figures move with the machine's state (up to
 * 3x) and are compared only within one: a mean over states would weigh a
 * change by where the host put the CPUs.  "no state recorded" when the
 * files carry no probes. */
#ifndef SCORE_H
#define SCORE_H

#include "judge/sample.h"
#include "judge/states.h"
#include "judge/verdict.h"

/* The headline figure of a case measured in both files: the instruction
 * count (an instruction-count document has nothing else); else the rate
 * (items_per_second: a stream's messages, a ping-pong's round trips, a
 * Google Benchmark's items), which sums a case up and is its first row;
 * else p50 (a latency case: its rate is the one it was told to keep, so its
 * round trip is what it measured); else the time (a Google Benchmark entry
 * without items_per_second).  FIG_COUNT when the two have none in common. */
enum fig score_headline(const struct sample_case *b, const struct sample_case *c);

/* j->scores and j->nscores from the judgement's rows, for base and cur
 * judged with o in the states st (judge() calls it last).  A case counts
 * in a state when its headline row was judged (not V_STATE, not
 * V_TOO_FEW, not "a value of 0") and it has data in that state by the
 * verdict's method: JUDGE_RUN_MIN_REPS pairs, or repetitions on each side;
 * by runs, JUDGE_MIN_RUNS base runs and one current run.  Returns 0, or
 * -ENOMEM (j->nscores is then 0). */
int score_judgement(const struct sample_set *base, const struct sample_set *cur,
		    const struct judge_opts *o, const struct states *st, struct judgement *j);

#endif
