/* states.h: the machine's states, one definition for the verdicts, the
 * table's ratios and the charts.
 *
 * Every repetition carries a probe of its two CPUs (results.h): the round
 * trip of a bare cache line, taken before and after it.  A machine's probes
 * can come in states (a VM's, as the host places its two virtual CPUs), and
 * its figures move with them, several times over (docs/verdicts.md).  A repetition whose two probes
 * disagree changed state while it ran and is in none.  The other probes
 * are grouped into states: sorted, a step of more than STATE_GAP between
 * neighbours starts a new one.  Figures are compared, and drawn, only
 * within a state. */
#ifndef STATES_H
#define STATES_H

#include "judge/sample.h"

struct bench_case;
struct bench_run;

/* Two probes further apart than this ratio are different states. */
#define STATE_GAP 1.25

/* The state two probes give: their mean, or 0 when one is missing or they
 * disagree (the repetition's state changed during it). */
static inline double probe_state(double before, double after)
{
	if (!(before > 0) || !(after > 0))
		return 0;
	double hi = before > after ? before : after, lo = before > after ? after : before;
	return hi <= lo * STATE_GAP ? (before + after) / 2 : 0;
}

/* The machine's states seen in some results: probe ranges in ns, lowest
 * first. */
#define STATES_MAX 16
struct states {
	bool used; /* false: probes missing, every repetition is in state 0 */
	int n;
	double lo[STATES_MAX], hi[STATES_MAX];
};

/* Group probe[0..n) (ns; 0 for a repetition in no state) into states, and
 * return the index of the one most of them are in (the lowest of a tie),
 * or -1 when none has a state (st->used is then false). */
int states_main(const double *probe, int n, struct states *st);
/* The index of the state a probe is in, or -1 (0: no state; or past the
 * last state). */
int states_which(const struct states *st, double probe);

/* Group the steady probes of every repetition in sets[0..nsets) into
 * states; st->used when every set recorded probes. */
void states_find(const struct sample_set *const *sets, int nsets, struct states *st);
/* The state of repetition r of c: its index, 0 when states are not used,
 * -1 when it is left out (its probes disagreed, or fell past the last
 * state). */
int states_of(const struct states *st, const struct sample_case *c, int r);

/* The table's ratio of ours over the reference, from one round at a time
 * (reps rounds; round i is ours[i] and ref[i]): only rounds whose two
 * repetitions were taken in one state count, so that no ratio divides a
 * figure of one state by one of another (they differ up to 3x here), and
 * of those only the rounds of the state most of them were in; the median
 * of their ratios.  Rounds are shuffled, so the two of one round can be a
 * round apart: the state check is what keeps them comparable.  A stream
 * compares throughput, the other modes p50.  Without probes every round
 * counts.  *rounds: how many did; NaN when none. */
double states_ratio(const struct bench_case *c, const struct bench_run *ours,
		    const struct bench_run *ref, int reps, int *rounds);

#endif
