/* steps.c: changes of level in a series (steps.h). */
#include "judge/steps.h"

#include "judge/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void steps_defaults(struct step_opts *o)
{
	o->min_change = 0.03;
	o->penalty = 0;
	o->min_noise = 0.01;
	o->noise = 0;
}

/* The noise of one point: 1.4826 MAD of successive differences, over
 * sqrt(2) (a difference holds two points' noise). */
static double series_noise(const double *x, int n, double floor)
{
	if (n < 3)
		return floor;
	double *d = malloc((size_t)(n - 1) * sizeof(*d));
	if (!d)
		return floor;
	for (int i = 0; i + 1 < n; i++)
		d[i] = x[i + 1] - x[i];
	double s = stats_robust_sd(d, n - 1) / sqrt(2.0);
	free(d);
	return isfinite(s) && s > floor ? s : floor;
}

double steps_noise(const double *x, int n, double floor)
{
	/* A noise read off few points is uncertain: widen it (by 2/sqrt(n-1),
	 * about the error of a MAD over n-1 differences, twice). */
	return n < 3 ? floor : series_noise(x, n, floor) * (1 + 2 / sqrt((double)n - 1));
}

/* The level of x[i..j): its median. */
static double seg_level(const double *x, int i, int j)
{
	return stats_median(x + i, j - i);
}

/* The cost of one segment: its m points, sorted, each a capped square
 * of its distance from their median in noises. */
static double seg_cost(const double *sorted, int m, double noise)
{
	double med = m & 1 ? sorted[m / 2] : (sorted[m / 2 - 1] + sorted[m / 2]) / 2;
	double cost = 0;
	for (int i = 0; i < m; i++) {
		double r = (sorted[i] - med) / noise;
		cost += fmin(r * r, STEP_CAP * STEP_CAP);
	}
	return cost;
}

/* The least-cost split of x[0..n) into segments of at least 2 points,
 * each one costing beta more: from[t] is where the last segment of the
 * best split of x[0..t) starts.  best holds n + 1, scratch n. */
static void fit_segments(const double *x, int n, double noise, double beta, double *best, int *from,
			 double *scratch)
{
	best[0] = -beta;
	from[0] = 0;
	for (int t = 1; t <= n; t++) {
		best[t] = INFINITY;
		from[t] = 0;
		/* x[s..t) kept sorted in scratch as s walks down: each
		 * segment's median without a sort of its own. */
		int m = 0;
		for (int s = t - 1; s >= 0; s--) {
			int q = m++;
			while (q > 0 && scratch[q - 1] > x[s]) {
				scratch[q] = scratch[q - 1];
				q--;
			}
			scratch[q] = x[s];
			if (m < 2 || (s > 0 && (s < 2 || !isfinite(best[s]))))
				continue;
			double c = best[s] + seg_cost(scratch, m, noise) + beta;
			if (c < best[t]) {
				best[t] = c;
				from[t] = s;
			}
		}
	}
}

/* A step's change and confidence from its levels and its sides' sizes. */
static void measure_step(struct step *st, double before, double after, double noise)
{
	st->before = before;
	st->after = after;
	st->change = expm1(st->after - st->before);
	double se = noise * sqrt(1.0 / st->n_before + 1.0 / st->n_after);
	st->confidence = 1 - erfc(fabs(st->after - st->before) / se / sqrt(2.0));
}

/* The steps between the fitted segments that are large and sure enough,
 * oldest first, at most max.  starts[] runs from the last segment back
 * to the first (0). */
static int segment_steps(const double *x, int n, const int *starts, int ns, double noise,
			 const struct step_opts *o, struct step *out, int max)
{
	double zconf = 1 - erfc(STEP_Z / sqrt(2.0));
	int k = 0;
	for (int i = ns - 2; i >= 0 && k < max; i--) {
		int a = starts[i + 1], b = starts[i];
		int e = i > 0 ? starts[i - 1] : n;
		struct step st = {.at = b, .n_before = b - a, .n_after = e - b};
		measure_step(&st, seg_level(x, a, b), seg_level(x, b, e), noise);
		if (fabs(st.change) >= o->min_change && st.confidence >= zconf)
			out[k++] = st;
	}
	return k;
}

/* The newest point alone, against the level of the segment it ends:
 * STEP_CAP noises or more away is a candidate, for a second run to
 * confirm or not.  a: where that segment starts. */
static bool newest_candidate(const double *x, int n, int a, double noise, const struct step_opts *o,
			     struct step *out)
{
	if (n - 1 - a < 2)
		return false;
	struct step st = {.at = n - 1, .n_before = n - 1 - a, .n_after = 1, .candidate = true};
	measure_step(&st, seg_level(x, a, n - 1), x[n - 1], noise);
	if (fabs(st.after - st.before) >= STEP_CAP * noise && fabs(st.change) >= o->min_change) {
		*out = st;
		return true;
	}
	return false;
}

int steps_find(const double *x, int n, const struct step_opts *o, struct step *out, int max,
	       double *noise_out)
{
	if (noise_out)
		*noise_out = 0;
	if (n < 3)
		return 0;
	if (n > STEP_MAX_POINTS) {
		/* Only the newest points: the fit is O(n^3). */
		int k =
		    steps_find(x + n - STEP_MAX_POINTS, STEP_MAX_POINTS, o, out, max, noise_out);
		for (int i = 0; i < k; i++)
			out[i].at += n - STEP_MAX_POINTS;
		return k;
	}
	double floor = o->min_noise > 0 ? o->min_noise : 0.01;
	double noise = o->noise > 0 ? fmax(o->noise, floor) : steps_noise(x, n, floor);
	if (noise_out)
		*noise_out = noise;
	double beta = o->penalty > 0 ? o->penalty : 2 * log((double)n) + 4;
	/* best[t]: the least cost of x[0..t); from[t]: where its last segment
	 * starts.  A segment is at least 2 points. */
	double *best = malloc((size_t)(n + 1) * sizeof(*best));
	int *from = malloc((size_t)(n + 1) * sizeof(*from));
	double *scratch = malloc((size_t)n * sizeof(*scratch));
	if (!best || !from || !scratch) {
		free(best);
		free(from);
		free(scratch);
		return 0;
	}
	fit_segments(x, n, noise, beta, best, from, scratch);
	/* The segments' starts, back from the end. */
	int starts[STEP_MAX_POINTS / 2 + 2], ns = 0;
	for (int t = n; t > 0; t = from[t])
		starts[ns++] = from[t];
	int k = segment_steps(x, n, starts, ns, noise, o, out, max);
	if (k < max && newest_candidate(x, n, starts[0], noise, o, &out[k]))
		k++;
	free(best);
	free(from);
	free(scratch);
	return k;
}
