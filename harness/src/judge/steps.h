/* steps.h: where the level of a series shifts.  A nightly figure drifts in
 * ways no single comparison sees; this finds the runs where its level
 * changed, the way MongoDB's and asv's change-point detection do, with a
 * penalised piecewise-constant fit.
 *
 * The fit is exact (optimal partitioning, O(n^2) segments, O(n^3) in all): it chooses the
 * segments that minimise the sum of each segment's cost plus a penalty per
 * change.  A segment's level is its median, and each point costs its
 * squared distance from that level in units of the series' noise, capped:
 * one wild point costs at most STEP_CAP^2, never enough to buy two changes
 * around it.  Segments are at least two points long, so a single outlier
 * is never a step.  The newest point alone, STEP_CAP noises or more from the
 * level before it, is a candidate: one night says so, and the next night
 * confirms it or not.
 *
 * The noise is the series' own: the robust spread of successive
 * differences (a step moves one difference, a drift moves their centre,
 * neither moves their spread), never less than a floor: figures read off
 * a clock that steps every 10 ns cannot see a change smaller than that.
 * A step must also be big against the noise: STEP_Z standard errors of the
 * difference of its two levels.  On simulated noise with heavy tails (one
 * point in 20 four times as far off), fewer than 1 series in 400 shows a
 * step that is not there. */
#ifndef STEPS_H
#define STEPS_H

#include <stdbool.h>

#define STEP_CAP	3.0 /* a point costs at most this many noises, squared */
#define STEP_MAX	32  /* most steps reported in one series */
#define STEP_MAX_POINTS 400 /* a longer series: only its newest points */
#define STEP_Z                                                                                     \
	4.0 /* a step is its levels' difference over this many                                     \
	     * standard errors (a confidence of 0.99994) */

struct step_opts {
	double min_change; /* a smaller change of level is not reported (0.03) */
	double penalty;	   /* per change; <= 0: 2 ln(n) + 4 */
	double min_noise;  /* the noise is taken as at least this (0.01; a
			    * percentile in clock steps needs step/level) */
	double noise;	   /* > 0: the noise, measured by the caller (0) */
};

void steps_defaults(struct step_opts *o);

struct step {
	int at;	       /* index of the first point at the new level */
	int n_before;  /* points in the segment before */
	int n_after;   /* points in the segment after */
	double before; /* the two levels (medians of x) */
	double after;
	double change;	   /* exp(after - before) - 1 for log figures */
	double confidence; /* 1 - p of the difference of levels, normal model */
	bool candidate;	   /* the newest point alone, not yet confirmed */
};

/* The noise of one point of x[0..n) (logs), as steps_find measures it:
 * at least floor. */
double steps_noise(const double *x, int n, double floor);

/* x[0..n): a series in time order, as logs of the figure.  Fills out[]
 * with the changes of level of at least o->min_change, oldest first, and
 * returns their number; *noise gets the noise used (NULL allowed). */
int steps_find(const double *x, int n, const struct step_opts *o, struct step *out, int max,
	       double *noise);

#endif
