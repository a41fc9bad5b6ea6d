/* states.c: the machine's states (states.h). */
#include "judge/states.h"

#include "judge/stats.h"
#include "measure/bench.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Group v[0..n) (every one a probe, > 0) into st's states, sorting v.  A
 * state also ends where it would span more than STATE_GAP twice over, so
 * probes in between cannot chain two states into one; past STATES_MAX
 * states, the rest are left out rather than merged. */
static void group(double *v, int n, struct states *st)
{
	stats_sort(v, n);
	for (int i = 0; i < n; i++) {
		bool fits = st->n > 0 && v[i] <= st->hi[st->n - 1] * STATE_GAP &&
			    v[i] <= st->lo[st->n - 1] * STATE_GAP * STATE_GAP;
		if (fits) {
			st->hi[st->n - 1] = v[i];
		} else if (st->n < STATES_MAX) {
			st->lo[st->n] = st->hi[st->n] = v[i];
			st->n++;
		} else {
			break;
		}
	}
}

int states_which(const struct states *st, double probe)
{
	if (!(probe > 0))
		return -1;
	for (int k = 0; k < st->n; k++)
		if (probe >= st->lo[k] && probe <= st->hi[k])
			return k;
	return -1;
}

int states_main(const double *probe, int n, struct states *st)
{
	memset(st, 0, sizeof(*st));
	double *v = malloc((size_t)(n + 1) * sizeof(*v));
	if (!v)
		return -1;
	int m = 0;
	for (int i = 0; i < n; i++)
		if (probe[i] > 0)
			v[m++] = probe[i];
	group(v, m, st);
	free(v);
	st->used = st->n > 0;
	if (!st->used)
		return -1;
	int count[STATES_MAX] = {0};
	for (int i = 0; i < n; i++) {
		int k = states_which(st, probe[i]);
		if (k >= 0)
			count[k]++;
	}
	int best = 0;
	for (int k = 1; k < st->n; k++)
		if (count[k] > count[best])
			best = k;
	return best;
}

void states_find(const struct sample_set *const *sets, int nsets, struct states *st)
{
	memset(st, 0, sizeof(*st));
	st->used = nsets > 0;
	int max = 0;
	for (int s = 0; s < nsets; s++) {
		st->used &= sample_has_probes(sets[s]);
		for (int i = 0; i < sets[s]->ncases; i++)
			max += sets[s]->cases[i].n;
	}
	if (!st->used)
		return;
	double *v = malloc((size_t)(max + 1) * sizeof(*v));
	if (!v) {
		st->used = false;
		return;
	}
	int n = 0;
	for (int s = 0; s < nsets; s++)
		for (int i = 0; i < sets[s]->ncases; i++)
			for (int r = 0; r < sets[s]->cases[i].n; r++)
				if (sets[s]->cases[i].state[r] > 0 && sets[s]->cases[i].steady[r])
					v[n++] = sets[s]->cases[i].state[r];
	group(v, n, st);
	free(v);
}

int states_of(const struct states *st, const struct sample_case *c, int r)
{
	if (!st->used)
		return 0;
	if (!c->steady[r])
		return -1;
	return states_which(st, c->state[r]);
}

/* The rounds whose two repetitions share a state: each one's ratio into
 * v and its probe into probe (0 where the round has none); how many. */
static int same_state_rounds(const struct bench_case *c, const struct bench_run *ours,
			     const struct bench_run *ref, int reps, double *v, double *probe)
{
	int n = 0;
	for (int i = 0; i < reps; i++) {
		double a = probe_state(ours[i].state_before_ns, ours[i].state_after_ns),
		       b = probe_state(ref[i].state_before_ns, ref[i].state_after_ns);
		bool probed = ours[i].state_before_ns > 0 && ref[i].state_before_ns > 0;
		if (probed && (!(a > 0) || !(b > 0) || fmax(a, b) > fmin(a, b) * STATE_GAP))
			continue;
		double x =
		    c->mode == MODE_STREAM
			? (ref[i].msgs_per_sec > 0 ? ours[i].msgs_per_sec / ref[i].msgs_per_sec
						   : NAN)
			: (ref[i].p50 ? (double)ours[i].p50 / (double)ref[i].p50 : NAN);
		if (isfinite(x)) {
			probe[n] = probed ? (a + b) / 2 : 0;
			v[n++] = x;
		}
	}
	return n;
}

double states_ratio(const struct bench_case *c, const struct bench_run *ours,
		    const struct bench_run *ref, int reps, int *rounds)
{
	*rounds = 0;
	double *v = calloc(2 * ((size_t)reps + 1), sizeof(*v));
	if (!v)
		return NAN;
	double *probe = v + reps + 1;
	int n = same_state_rounds(c, ours, ref, reps, v, probe);
	/* A ratio differs between states too (docs/measuring.md gives one
	 * measured): the rounds of the main state only, as the charts draw a
	 * run. */
	struct states st;
	int main_state = states_main(probe, n, &st), m = 0;
	for (int j = 0; j < n; j++)
		if (main_state < 0 || states_which(&st, probe[j]) == main_state)
			v[m++] = v[j];
	*rounds = m;
	double x = stats_median(v, m);
	free(v);
	return x;
}
