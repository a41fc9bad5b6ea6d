/* verdict.c: two sets of results judged figure by figure (verdict.h). */
#include "judge/verdict.h"

#include "judge/stats.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *verdict_name(enum verdict v)
{
	switch (v) {
	case V_SAME: return "same";
	case V_SMALL: return "small change";
	case V_REGRESSION: return "REGRESSION";
	case V_IMPROVEMENT: return "improvement";
	case V_TOO_FEW: return "too few repetitions";
	case V_STATE: return "no common state";
	case V_ONE_RUN: return "differs (one run each)";
	}
	return "?";
}

void judge_defaults(struct judge_opts *o, bool paired)
{
	*o = (struct judge_opts){.alpha = 0.01,
				 .floor = paired ? 0.03 : 0.05,
				 .threshold = 0,
				 .noise_mult = 1,
				 .level = 0.95,
				 .paired = paired,
				 .force = false};
}

void judge_startup_defaults(struct judge_opts *o)
{
	judge_defaults(o, false);
	o->floor = STARTUP_FLOOR;
}

enum judge_method judge_method_of(const struct judge_opts *o)
{
	return o->paired ? JUDGE_PAIRS : o->runs ? JUDGE_RUNS : JUDGE_REPS;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void warn(struct judgement *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void warn(struct judgement *j, const char *fmt, ...)
{
	if (j->nwarn >= (int)(sizeof(j->warnings) / sizeof(j->warnings[0])))
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(j->warnings[j->nwarn++], sizeof(j->warnings[0]), fmt, ap);
	va_end(ap);
}

/* ---- the machine's states ---- */

/* States are the gaps in the sorted probes: a step of more than STATE_GAP
 * between neighbours starts a new one. */
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
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	/* A state also ends where it would span more than STATE_GAP twice
	 * over, so probes in between cannot chain two states into one; past
	 * STATES_MAX states, the rest are left out rather than merged. */
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
	free(v);
}

int states_of(const struct states *st, const struct sample_case *c, int r)
{
	if (!st->used)
		return 0;
	if (!c->steady[r] || c->state[r] <= 0)
		return -1;
	for (int k = 0; k < st->n; k++)
		if (c->state[r] >= st->lo[k] && c->state[r] <= st->hi[k])
			return k;
	return -1;
}

static void find_states(const struct sample_set *a, const struct sample_set *b, struct states *st)
{
	const struct sample_set *both[2] = {a, b};
	states_find(both, 2, st);
}

/* ---- one figure of one case ---- */

static double median_of(const double *v, int n)
{
	if (n <= 0)
		return NAN;
	double *t = malloc((size_t)n * sizeof(*t));
	if (!t)
		return NAN;
	memcpy(t, v, (size_t)n * sizeof(*t));
	double m = stats_median(t, n);
	free(t);
	return m;
}

static double min_of(const double *v, int n)
{
	double m = INFINITY;
	for (int i = 0; i < n; i++)
		m = v[i] < m ? v[i] : m;
	return m;
}

static double max_of(const double *v, int n)
{
	double m = -INFINITY;
	for (int i = 0; i < n; i++)
		m = v[i] > m ? v[i] : m;
	return m;
}

/* Counts need no statistics, only a margin that noise cannot cross: half
 * again the base and at least 0.05 per message, with every repetition of
 * one side beyond every repetition of the other.  Instruction counts have
 * no noise at all (the same every run): 1% is a change. */
static void count_verdict(struct judge_row *row, const double *b, int nb, const double *c, int nc)
{
	row->base = median_of(b, nb);
	row->cur = median_of(c, nc);
	row->change = row->cur - row->base;
	row->lo = row->hi = NAN;
	row->p = row->min_p = NAN;
	double up = row->base * 0.5 > 0.05 ? row->base * 0.5 : 0.05;
	double down = row->cur * 0.5 > 0.05 ? row->cur * 0.5 : 0.05;
	if (row->fig == FIG_INSTR) /* "1% or more": a hair under, for rounding */
		up = down = row->base * INSTR_CHANGE * (1 - 1e-9);
	row->threshold = row->fig == FIG_INSTR ? INSTR_CHANGE : up;
	if (nb == 0 || nc == 0)
		row->v = V_STATE;
	else if (row->change > up && min_of(c, nc) > max_of(b, nb))
		row->v = V_REGRESSION;
	else if (-row->change > down && max_of(c, nc) < min_of(b, nb))
		row->v = V_IMPROVEMENT;
	else
		row->v = V_SAME;
}

/* From a change in logs (+: the figure grew) and its interval, the
 * verdict, given the figure's direction. */
static void stat_verdict(struct judge_row *row, const struct judge_opts *o, double est, double lo,
			 double hi, double noise_log, double step)
{
	int better = fig_info[row->fig].better;
	row->change = exp(est) - 1;
	row->lo = exp(lo) - 1;
	row->hi = exp(hi) - 1;
	row->noise = isnan(noise_log) ? NAN : exp(noise_log) - 1;
	double thr = o->threshold > 0 ? o->threshold : o->floor;
	if (!(o->threshold > 0) && !isnan(row->noise) && o->noise_mult * row->noise > thr)
		thr = o->noise_mult * row->noise;
	/* A percentile moves in the clock's steps (10 ns here: 7% of a 150 ns
	 * round trip): one step is no change, whatever the test says. */
	bool pct = row->fig == FIG_P50 || row->fig == FIG_P99;
	double least = fmin(row->base, row->cur);
	if (pct && step > 0 && least > 0 && 1.5 * step / least > thr) {
		thr = 1.5 * step / least;
		if (!row->note[0])
			snprintf(row->note, sizeof(row->note),
				 "threshold raised to 1.5 clock steps");
	}
	row->threshold = thr;
	/* In logs, "worse" is positive: a rate that falls, a time that grows. */
	double w_lo = better > 0 ? -hi : lo, w_hi = better > 0 ? -lo : hi, t = log1p(thr);
	if (!isfinite(row->p) || !isfinite(row->min_p) || row->min_p > o->alpha)
		row->v = V_TOO_FEW;
	else if (row->p < o->alpha && w_lo > t)
		row->v = V_REGRESSION;
	else if (row->p < o->alpha && w_hi < -t)
		row->v = V_IMPROVEMENT;
	else if (row->p < o->alpha)
		row->v = V_SMALL;
	else
		row->v = V_SAME;
}

static void state_note(char *out, size_t n, const struct states *st, const struct sample_case *b,
		       const struct sample_case *c)
{
	/* Which states each side was in. */
	char sb[64] = "", sc[64] = "";
	for (int k = 0; k < st->n; k++) {
		bool in_b = false, in_c = false;
		for (int r = 0; r < b->n; r++)
			in_b |= states_of(st, b, r) == k;
		for (int r = 0; r < c->n; r++)
			in_c |= states_of(st, c, r) == k;
		char one[24];
		snprintf(one, sizeof(one), "%s%.0f", "", (st->lo[k] + st->hi[k]) / 2);
		if (in_b && strlen(sb) + strlen(one) + 2 < sizeof(sb))
			strcat(strcat(sb, sb[0] ? "," : ""), one);
		if (in_c && strlen(sc) + strlen(one) + 2 < sizeof(sc))
			strcat(strcat(sc, sc[0] ? "," : ""), one);
	}
	snprintf(out, n, "the machine changed: line %s ns then, %s ns now", sb[0] ? sb : "-",
		 sc[0] ? sc : "-");
}

static int judge_unpaired(const struct states *st, const struct sample_case *b,
			  const struct sample_case *c, enum fig f, const struct judge_opts *o,
			  double step, struct judge_row *row)
{
	int nmax = b->n + c->n;
	double *x = calloc((size_t)nmax + 1, sizeof(double));
	double *raw_b = calloc((size_t)nmax + 1, sizeof(double));
	double *raw_c = calloc((size_t)nmax + 1, sizeof(double));
	int *g = calloc((size_t)nmax + 1, sizeof(int)), *s = calloc((size_t)nmax + 1, sizeof(int));
	if (!x || !raw_b || !raw_c || !g || !s) {
		free(x), free(raw_b), free(raw_c), free(g), free(s);
		return -1;
	}
	/* Strata that hold both sides. */
	int nst = st->used ? st->n : 1;
	bool common[16] = {0};
	for (int k = 0; k < nst; k++) {
		bool in_b = false, in_c = false;
		for (int r = 0; r < b->n; r++)
			in_b |= states_of(st, b, r) == k;
		for (int r = 0; r < c->n; r++)
			in_c |= states_of(st, c, r) == k;
		common[k] = in_b && in_c;
	}
	int m = 0, nb = 0, nc = 0;
	bool nonpositive = false;
	for (int side = 0; side < 2; side++) {
		const struct sample_case *sc = side ? c : b;
		for (int r = 0; r < sc->n; r++) {
			int k = states_of(st, sc, r);
			if (k < 0 || !common[k])
				continue;
			double v = sc->v[f][r];
			nonpositive |= v <= 0;
			if (side)
				raw_c[nc++] = v;
			else
				raw_b[nb++] = v;
			x[m] = v > 0 ? log(v) : 0;
			g[m] = side;
			s[m] = k;
			m++;
		}
	}
	row->nb = nb;
	row->nc = nc;
	if (nb == 0 || nc == 0) {
		row->v = V_STATE;
		row->base = median_of(b->v[f], b->n);
		row->cur = median_of(c->v[f], c->n);
		row->change = row->base > 0 ? row->cur / row->base - 1 : NAN;
		row->lo = row->hi = row->p = row->min_p = NAN;
		state_note(row->note, sizeof(row->note), st, b, c);
	} else if (fig_info[f].count) {
		count_verdict(row, raw_b, nb, raw_c, nc);
	} else if (nonpositive) {
		row->base = median_of(raw_b, nb);
		row->cur = median_of(raw_c, nc);
		row->v = V_SAME;
		row->change = row->lo = row->hi = row->p = row->min_p = NAN;
		snprintf(row->note, sizeof(row->note), "a value of 0: not judged");
	} else {
		/* The medians shown: those of the state with the most weight,
		 * not a mixture of states that can differ threefold. */
		int best = -1;
		double wbest = 0;
		for (int k = 0; k < nst; k++) {
			int kb = 0, kc = 0;
			for (int i = 0; i < m; i++)
				kb += s[i] == k && g[i] == 0, kc += s[i] == k && g[i] == 1;
			double w = kb && kc ? (double)kb * kc / (kb + kc) : 0;
			if (w > wbest)
				wbest = w, best = k;
		}
		double *in_b = calloc((size_t)m + 1, sizeof(double)),
		       *in_c = calloc((size_t)m + 1, sizeof(double));
		int ib = 0, ic = 0;
		for (int i = 0; in_b && in_c && i < m; i++)
			if (s[i] == best) {
				if (g[i])
					in_c[ic++] = exp(x[i]);
				else
					in_b[ib++] = exp(x[i]);
			}
		row->base = median_of(in_b, ib);
		row->cur = median_of(in_c, ic);
		free(in_b);
		free(in_c);
		int ncommon = 0;
		for (int k = 0; k < nst; k++)
			ncommon += common[k];
		if (st->used && ncommon > 1)
			snprintf(row->note, sizeof(row->note), "medians in state %.0f ns",
				 (st->lo[best] + st->hi[best]) / 2);
		row->p = stats_ranksum_p(x, g, s, m, nst, &row->min_p);
		double est, lo, hi;
		stats_change_strata(x, g, s, m, nst, o->level, &est, &lo, &hi);
		/* One repetition's noise: the base's spread within its states. */
		double *res = raw_b; /* reused: the raw values are no longer needed */
		int nr = 0;
		double *in = calloc((size_t)m + 1, sizeof(double));
		for (int k = 0; in && k < nst; k++) {
			int ni = 0;
			for (int i = 0; i < m; i++)
				if (g[i] == 0 && s[i] == k)
					in[ni++] = x[i];
			if (ni < 3) /* one or two values say little of the spread */
				continue;
			double med = median_of(in, ni);
			for (int i = 0; i < ni; i++)
				res[nr++] = in[i] - med;
		}
		free(in);
		double noise = nr >= 3 ? stats_robust_sd(res, nr) : NAN;
		stat_verdict(row, o, est, lo, hi, noise, step);
	}
	free(x), free(raw_b), free(raw_c), free(g), free(s);
	return 0;
}

/* ---- the run as the unit ---- */

/* The logs of each run's median of figure f in state k (every state when
 * states are not used), for the runs with at least JUDGE_RUN_MIN_REPS
 * repetitions there; returns how many, -1 out of memory.  *reps gets the
 * harmonic mean of how many repetitions each median is of; dev, when not
 * NULL, gets each repetition's log distance from its run's median (*ndev
 * of them): the spread within a run. */
static int run_medians(const struct states *st, const struct sample_case *c, int nruns, enum fig f,
		       int k, double *out, double *reps, double *dev, int *ndev, bool *nonpositive)
{
	/* The repetitions grouped by run in one pass (a counting sort), so a
	 * file of many runs costs its size, not runs x size. */
	int *at = calloc((size_t)nruns + 2, sizeof(int));
	double *v = malloc(((size_t)c->n + 1) * sizeof(double));
	if (!at || !v) {
		free(at), free(v);
		return -1;
	}
	for (int r = 0; r < c->n; r++)
		if (c->run[r] >= 0 && c->run[r] < nruns && (!st->used || states_of(st, c, r) == k))
			at[c->run[r] + 2]++;
	for (int run = 0; run < nruns; run++)
		at[run + 2] += at[run + 1];
	/* at[run + 1] is now where run's values start; filling moves it to
	 * where they end, which is where the next run's start. */
	for (int r = 0; r < c->n; r++)
		if (c->run[r] >= 0 && c->run[r] < nruns && (!st->used || states_of(st, c, r) == k))
			v[at[c->run[r] + 1]++] = c->v[f][r];
	int m = 0;
	double inv = 0;
	if (ndev)
		*ndev = 0;
	for (int run = 0; run < nruns; run++) {
		int from = at[run], ni = at[run + 1] - from;
		if (ni < JUDGE_RUN_MIN_REPS)
			continue;
		double med = stats_median(v + from, ni);
		if (!(med > 0)) {
			*nonpositive = true;
			continue;
		}
		for (int i = 0; dev && i < ni; i++)
			if (v[from + i] > 0)
				dev[(*ndev)++] = log(v[from + i]) - log(med);
		inv += 1.0 / ni;
		out[m++] = log(med);
	}
	*reps = m ? m / inv : 0;
	free(at), free(v);
	return m;
}

static void mean_ss(const double *x, int n, double *mean, double *ss)
{
	*mean = 0;
	for (int i = 0; i < n; i++)
		*mean += x[i] / n;
	*ss = 0;
	for (int i = 0; i < n; i++)
		*ss += (x[i] - *mean) * (x[i] - *mean);
}

/* One figure of one case, the run as the unit (verdict.h, JUDGE_RUNS):
 * judged in every state where the base has runs enough and the current
 * file at least one, at alpha_each shared among those states; the row is
 * the state that regressed, else the one that improved, else the one with
 * the most runs. */
static int judge_by_runs(const struct states *st, const struct sample_set *bs,
			 const struct sample_case *b, const struct sample_set *cs,
			 const struct sample_case *c, enum fig f, const struct judge_opts *o,
			 double alpha_each, double step, struct judge_row *row)
{
	int nst = st->used ? st->n : 1, nmax = (bs->nruns > cs->nruns ? bs->nruns : cs->nruns) + 1;
	double *xb = malloc((size_t)nmax * sizeof(double)),
	       *xc = malloc((size_t)nmax * sizeof(double));
	double *dev = malloc(((size_t)b->n + 1) * sizeof(double)), repb, repc;
	int *kb = calloc((size_t)nst, sizeof(int)), *kc = calloc((size_t)nst, sizeof(int)), ndev;
	int rc = -1;
	if (!xb || !xc || !dev || !kb || !kc)
		goto out;
	bool nonpositive = false;
	int eligible = 0, most_b = 0, common = 0;
	for (int k = 0; k < nst; k++) {
		kb[k] = run_medians(st, b, bs->nruns, f, k, xb, &repb, NULL, NULL, &nonpositive);
		kc[k] = run_medians(st, c, cs->nruns, f, k, xc, &repc, NULL, NULL, &nonpositive);
		if (kb[k] < 0 || kc[k] < 0)
			goto out;
		common += kb[k] > 0 && kc[k] > 0;
		if (kc[k] > 0 && kb[k] > most_b)
			most_b = kb[k];
		eligible += kc[k] > 0 && kb[k] >= JUDGE_MIN_RUNS;
	}
	rc = 0;
	row->p = row->min_p = row->lo = row->hi = row->change = NAN;
	row->detect = NAN;
	row->base = median_of(b->v[f], b->n);
	row->cur = median_of(c->v[f], c->n);
	if (eligible == 0) {
		row->nb = most_b;
		row->nc = 0;
		for (int k = 0; k < nst; k++)
			row->nc = kb[k] == most_b && kc[k] > row->nc ? kc[k] : row->nc;
		/* Repetitions in a state both files saw, but no run with enough
		 * of them there, is too few runs, not a machine that changed. */
		bool shared = false;
		for (int k = 0; k < nst && !shared; k++) {
			bool in_b = false, in_c = false;
			for (int r = 0; r < b->n; r++)
				in_b |= !st->used || states_of(st, b, r) == k;
			for (int r = 0; r < c->n; r++)
				in_c |= !st->used || states_of(st, c, r) == k;
			shared = in_b && in_c;
		}
		if (common == 0 && !shared) {
			row->v = V_STATE;
			state_note(row->note, sizeof(row->note), st, b, c);
		} else {
			row->v = V_TOO_FEW;
			snprintf(row->note, sizeof(row->note),
				 "the base has %d run%s with %d repetitions in this run's state: "
				 "at least %d needed",
				 most_b, most_b == 1 ? "" : "s", JUDGE_RUN_MIN_REPS,
				 JUDGE_MIN_RUNS);
		}
		goto out;
	}
	if (nonpositive) {
		row->v = V_SAME;
		snprintf(row->note, sizeof(row->note), "a value of 0: not judged");
		goto out;
	}
	struct judge_opts ok = *o;
	ok.alpha = alpha_each / eligible;
	int better = fig_info[f].better;
	struct judge_row best = *row;
	int best_rank = -1; /* 2 regression, 1 improvement, 0 neither (most runs) */
	int best_runs = -1;
	for (int k = 0; k < nst; k++) {
		int nb =
		    kb[k] >= JUDGE_MIN_RUNS && kc[k] > 0
			? run_medians(st, b, bs->nruns, f, k, xb, &repb, dev, &ndev, &nonpositive)
			: 0;
		int nc =
		    nb ? run_medians(st, c, cs->nruns, f, k, xc, &repc, NULL, NULL, &nonpositive)
		       : 0;
		if (nb < 0 || nc < 0) {
			rc = -1;
			goto out;
		}
		if (nb < JUDGE_MIN_RUNS || nc == 0)
			continue;
		int dof = nb - 1 + (nc > 1 ? nc - 1 : 0);
		double mb, ssb, mc, ssc;
		mean_ss(xb, nb, &mb, &ssb);
		mean_ss(xc, nc, &mc, &ssc);
		/* The runs' spread, pooled where the current file has several;
		 * one current run is a new draw from the base's distribution.
		 * Never under 1% (runs that agree by chance, or a percentile
		 * that sits on one clock step, must not make any change
		 * certain), nor, for a percentile read in the clock's steps,
		 * under the spread of that rounding (a step over sqrt(12)). */
		double floor_sd = 0.01;
		if ((f == FIG_P50 || f == FIG_P99) && step > 0)
			floor_sd = fmax(floor_sd, step / sqrt(12.0) / exp(mb));
		double sd = fmax(sqrt((ssb + (nc > 1 ? ssc : 0)) / dof), floor_sd);
		/* A run's median of fewer repetitions than the base's runs had
		 * spreads more: its within-run part grows as 1/n.  The variance
		 * of a median of n is about (pi/2) sw^2 / n, sw the spread within
		 * a run (robust, from the base's repetitions); the base's runs'
		 * spread holds it at their n, the current runs' at theirs. */
		double sw = ndev >= 3 ? stats_robust_sd(dev, ndev) : 0;
		double extra =
		    repc < repb && sw > 0 ? M_PI / 2 * sw * sw * (1 / repc - 1 / repb) : 0;
		double se = sqrt(sd * sd * (1.0 / nb + 1.0 / nc) + extra / nc), est = mc - mb;
		/* One-sided: the chance of a run this much worse (or better,
		 * for an improvement) if nothing changed, against alpha; the
		 * interval is at the same level, so "the whole interval beyond
		 * the threshold" is the test itself. */
		double t = est / se, worse_t = better > 0 ? -t : t;
		double tcrit = stats_t_quantile(1 - ok.alpha, dof);
		struct judge_row r = *row;
		r.note[0] = 0;
		r.base = exp(mb);
		r.cur = exp(mc);
		r.nb = nb;
		r.nc = nc;
		r.p = fmin(stats_t_sf(worse_t, dof), stats_t_sf(-worse_t, dof));
		r.min_p = 0;
		stat_verdict(&r, &ok, est, est - tcrit * se, est + tcrit * se, NAN, step);
		double reach = log1p(r.threshold) + tcrit * se;
		r.detect = better > 0 ? expm1(-reach) : expm1(reach);
		char state[48] = "";
		if (st->used)
			snprintf(state, sizeof(state), ", state %.0f ns",
				 (st->lo[k] + st->hi[k]) / 2);
		size_t l = strlen(r.note); /* stat_verdict's own note stays */
		snprintf(r.note + l, sizeof(r.note) - l,
			 "%s%d base run%s, %d now%s; one-sided, alpha %.2g", l ? "; " : "", nb,
			 nb == 1 ? "" : "s", nc, state, ok.alpha);
		int rank = r.v == V_REGRESSION ? 2 : r.v == V_IMPROVEMENT ? 1 : 0;
		if (rank > best_rank || (rank == best_rank && nb + nc > best_runs)) {
			best = r;
			best_rank = rank;
			best_runs = nb + nc;
		}
	}
	*row = best;
out:
	free(xb), free(xc), free(dev), free(kb), free(kc);
	return rc;
}

/* A change can live in one machine state only: a fixed delay costs a fast
 * round trip 7% and a slow one nothing.  Pooled over states, the pairs
 * that did not move dilute the ones that did.  So, when the pooled pairs
 * give no verdict, each state with enough pairs is judged on its own, at
 * alpha shared among them (Bonferroni); one state's regression with no
 * state improving is the verdict, said with its state. */
static void by_state(const struct states *st, const double *d, const double *va, const double *vb,
		     const int *ks, int m, const struct judge_opts *o, double step,
		     struct judge_row *row)
{
	int tested = 0;
	for (int k = 0; k < st->n; k++) {
		int c = 0;
		for (int i = 0; i < m; i++)
			c += ks[i] == k;
		tested += c >= 8;
	}
	if (tested < 2)
		return;
	struct judge_opts ok = *o;
	ok.alpha = o->alpha / tested;
	struct judge_row best = {0};
	bool worse = false, better = false;
	double *dk = malloc((size_t)m * sizeof(double)), *ak = malloc((size_t)m * sizeof(double)),
	       *bk = malloc((size_t)m * sizeof(double));
	for (int k = 0; dk && ak && bk && k < st->n; k++) {
		int c = 0;
		for (int i = 0; i < m; i++)
			if (ks[i] == k) {
				dk[c] = d[i];
				ak[c] = va[i];
				bk[c] = vb[i];
				c++;
			}
		if (c < 8)
			continue;
		struct judge_row r = *row;
		r.note[0] = 0;
		r.base = median_of(ak, c);
		r.cur = median_of(bk, c);
		r.p = stats_signrank_p(dk, c, &r.min_p);
		double est, lo, hi;
		stats_change_paired(dk, c, o->level, &est, &lo, &hi);
		stat_verdict(&r, &ok, est, lo, hi, c >= 3 ? stats_robust_sd(dk, c) / sqrt(2) : NAN,
			     step);
		r.nb = r.nc = c;
		snprintf(r.note, sizeof(r.note), "in state %.0f ns (%d of %d pairs), alpha %.3g",
			 (st->lo[k] + st->hi[k]) / 2, c, m, ok.alpha);
		if (r.v == V_REGRESSION && !worse)
			best = r;
		worse |= r.v == V_REGRESSION;
		if (r.v == V_IMPROVEMENT && !worse && !better)
			best = r;
		better |= r.v == V_IMPROVEMENT;
	}
	free(dk), free(ak), free(bk);
	if (worse != better) /* one direction only, in some state */
		*row = best;
}

static int judge_paired(const struct states *st, const struct sample_case *a,
			const struct sample_case *b, enum fig f, const struct judge_opts *o,
			double step, struct judge_row *row)
{
	int nmax = a->n < b->n ? b->n : a->n;
	double *d = calloc((size_t)nmax + 1, sizeof(double));
	double *va = calloc((size_t)nmax + 1, sizeof(double));
	double *vb = calloc((size_t)nmax + 1, sizeof(double));
	int *ks = calloc((size_t)nmax + 1, sizeof(int));
	if (!d || !va || !vb || !ks) {
		free(d), free(va), free(vb), free(ks);
		return -1;
	}
	int m = 0, mixed = 0;
	bool nonpositive = false;
	for (int i = 0; i < a->n; i++)
		for (int j = 0; j < b->n; j++) {
			if (a->rep[i] != b->rep[j] || m >= nmax)
				continue;
			int ka = states_of(st, a, i), kb = states_of(st, b, j);
			if (ka < 0 || kb < 0 || ka != kb) {
				mixed++;
				continue;
			}
			va[m] = a->v[f][i];
			vb[m] = b->v[f][j];
			ks[m] = ka;
			nonpositive |= va[m] <= 0 || vb[m] <= 0;
			d[m] = va[m] > 0 && vb[m] > 0 ? log(vb[m]) - log(va[m]) : 0;
			m++;
		}
	row->nb = row->nc = m;
	if (m == 0) {
		row->v = V_STATE;
		row->base = median_of(a->v[f], a->n);
		row->cur = median_of(b->v[f], b->n);
		row->change = row->lo = row->hi = row->p = row->min_p = NAN;
		snprintf(row->note, sizeof(row->note),
			 "no pair of repetitions in one machine state (%d pairs changed state)",
			 mixed);
	} else if (fig_info[f].count) {
		count_verdict(row, va, m, vb, m);
	} else if (nonpositive) {
		row->base = median_of(va, m);
		row->cur = median_of(vb, m);
		row->v = V_SAME;
		row->change = row->lo = row->hi = row->p = row->min_p = NAN;
		snprintf(row->note, sizeof(row->note), "a value of 0: not judged");
	} else {
		row->base = median_of(va, m);
		row->cur = median_of(vb, m);
		row->p = stats_signrank_p(d, m, &row->min_p);
		double est, lo, hi;
		stats_change_paired(d, m, o->level, &est, &lo, &hi);
		/* One repetition's noise: a difference of two carries two. */
		double noise = m >= 3 ? stats_robust_sd(d, m) / sqrt(2) : NAN;
		stat_verdict(row, o, est, lo, hi, noise, step);
		if (mixed)
			snprintf(row->note, sizeof(row->note), "%d pairs left out: state changed",
				 mixed);
		if (row->v != V_REGRESSION && row->v != V_IMPROVEMENT && st->used && st->n > 1)
			by_state(st, d, va, vb, ks, m, o, step, row);
	}
	free(d), free(va), free(vb), free(ks);
	return 0;
}

/* Counts over every repetition whose probes agreed, in whatever state:
 * they are the gate noise cannot blur, and must hold even when the
 * machine changed state between the runs.  A/B: the same, pairs or not. */
static int judge_counts(const struct sample_case *b, const struct sample_case *c, enum fig f,
			bool paired, struct judge_row *row)
{
	(void)paired;
	double *vb = calloc((size_t)b->n + 1, sizeof(double)),
	       *vc = calloc((size_t)c->n + 1, sizeof(double));
	if (!vb || !vc) {
		free(vb), free(vc);
		return -1;
	}
	int nb = 0, nc = 0;
	for (int r = 0; r < b->n; r++)
		if (b->steady[r])
			vb[nb++] = b->v[f][r];
	for (int r = 0; r < c->n; r++)
		if (c->steady[r])
			vc[nc++] = c->v[f][r];
	row->nb = nb;
	row->nc = nc;
	count_verdict(row, vb, nb, vc, nc);
	free(vb), free(vc);
	return 0;
}

/* ---- the whole comparison ---- */

static char *dup_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *dup_printf(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return strdup(buf);
}

static int push_name(char ***list, int *n, char *s)
{
	char **l = realloc(*list, (size_t)(*n + 1) * sizeof(*l));
	if (!l || !s) {
		free(s);
		return -1;
	}
	*list = l;
	l[(*n)++] = s;
	return 0;
}

int judge(const struct sample_set *base, const struct sample_set *cur, const struct judge_opts *o,
	  struct judgement *j, char *err, size_t n)
{
	memset(j, 0, sizeof(*j));
	if (base->machine_id[0] && cur->machine_id[0] &&
	    strcmp(base->machine_id, cur->machine_id) != 0) {
		if (!o->force) {
			snprintf(err, n,
				 "%s was measured on %s, %s on %s: figures from two machines say "
				 "nothing about a change (--force to compare anyway)",
				 base->path, base->machine_id, cur->path, cur->machine_id);
			return -1;
		}
		warn(j, "different machines (%s, %s), compared because of --force",
		     base->machine_id, cur->machine_id);
	}
	if (base->build_type[0] && cur->build_type[0] &&
	    strcmp(base->build_type, cur->build_type) != 0) {
		if (!o->force) {
			snprintf(err, n,
				 "%s is a %s build, %s a %s build: compare builds of one type "
				 "(--force to compare anyway)",
				 base->path, base->build_type, cur->path, cur->build_type);
			return -1;
		}
		warn(j, "different build types (%s, %s), compared because of --force",
		     base->build_type, cur->build_type);
	}
	if (!base->machine_id[0] || !cur->machine_id[0])
		warn(j, "%s does not say which machine it was measured on",
		     !base->machine_id[0] ? base->path : cur->path);

	struct states st;
	find_states(base, cur, &st);
	if (!st.used && (sample_has_probes(base) || sample_has_probes(cur)))
		warn(j,
		     "%s records no machine state: its figures are compared as if every "
		     "repetition had been taken in one state",
		     sample_has_probes(base) ? cur->path : base->path);
	j->nstates = st.used ? st.n : 0;
	for (int k = 0; k < j->nstates; k++)
		j->states[k] = (struct judge_state){.lo = st.lo[k], .hi = st.hi[k]};
	for (int side = 0; side < 2; side++) {
		const struct sample_set *s = side ? cur : base;
		for (int i = 0; i < s->ncases; i++)
			for (int r = 0; r < s->cases[i].n; r++) {
				int k = states_of(&st, &s->cases[i], r);
				if (k < 0 && side)
					j->unsteady_cur++;
				else if (k < 0)
					j->unsteady_base++;
				else if (st.used && side)
					j->states[k].ncur++;
				else if (st.used)
					j->states[k].nbase++;
			}
	}

	for (int i = 0; i < base->ncases; i++)
		if (!sample_find(cur, base->cases[i].name) &&
		    push_name(&j->only_base, &j->n_only_base, strdup(base->cases[i].name)))
			goto oom;
	/* A/B: a failure in either build is a failure. */
	for (int i = 0; o->paired && i < base->ncases; i++)
		if (base->cases[i].failed &&
		    push_name(&j->failures, &j->nfail,
			      dup_printf("%s (%s): %s", base->cases[i].name, base->path,
					 base->cases[i].error)))
			goto oom;
	/* The run as the unit needs runs on both sides; one each can only
	 * show how the two runs differ (the within-run test, no verdict). */
	j->method = judge_method_of(o);
	j->base_runs = base->nruns;
	j->cur_runs = cur->nruns;
	bool one_run_each = j->method == JUDGE_RUNS && base->nruns <= 1 && cur->nruns <= 1;
	j->one_run_each = one_run_each;
	struct judge_opts within = *o;
	within.runs = false;
	const struct judge_opts *oo = one_run_each ? &within : o;
	bool by_runs = j->method == JUDGE_RUNS && !one_run_each;
	/* Every timed figure of every common case shares alpha. */
	for (int i = 0; by_runs && i < cur->ncases; i++) {
		const struct sample_case *b = sample_find(base, cur->cases[i].name);
		for (int f = 0; b && b->n && cur->cases[i].n && f < FIG_COUNT; f++)
			j->tests += b->has[f] && cur->cases[i].has[f] && !fig_info[f].count;
	}
	double alpha_each = o->alpha / (j->tests > 0 ? j->tests : 1);
	int judged = 0, lost = 0;
	for (int i = 0; i < cur->ncases; i++) {
		const struct sample_case *c = &cur->cases[i];
		if (c->failed &&
		    push_name(&j->failures, &j->nfail, dup_printf("%s: %s", c->name, c->error)))
			goto oom;
		const struct sample_case *b = sample_find(base, c->name);
		if (!b) {
			if (push_name(&j->only_cur, &j->n_only_cur, strdup(c->name)))
				goto oom;
			continue;
		}
		if (c->n == 0 || b->n == 0)
			continue; /* failed outright on one side: listed above */
		bool any_lost = false;
		for (int f = 0; f < FIG_COUNT; f++) {
			if (!b->has[f] || !c->has[f])
				continue;
			struct judge_row *rows =
			    realloc(j->rows, (size_t)(j->nrows + 1) * sizeof(*rows));
			if (!rows)
				goto oom;
			j->rows = rows;
			struct judge_row *row = &rows[j->nrows++];
			memset(row, 0, sizeof(*row));
			row->name = c->name;
			row->fig = (enum fig)f;
			double step = fmax(base->clock_step, cur->clock_step);
			row->detect = NAN;
			int rc = fig_info[f].count ? judge_counts(b, c, (enum fig)f, o->paired, row)
				 : o->paired ? judge_paired(&st, b, c, (enum fig)f, o, step, row)
				 : by_runs   ? judge_by_runs(&st, base, b, cur, c, (enum fig)f, o,
							     alpha_each, step, row)
					   : judge_unpaired(&st, b, c, (enum fig)f, oo, step, row);
			if (rc)
				goto oom;
			if (one_run_each && !fig_info[f].count &&
			    (row->v == V_REGRESSION || row->v == V_IMPROVEMENT ||
			     row->v == V_SMALL))
				row->v = V_ONE_RUN;
			j->regressions += row->v == V_REGRESSION;
			j->improvements += row->v == V_IMPROVEMENT;
			j->too_few += row->v == V_TOO_FEW;
			any_lost |= row->v == V_STATE && !fig_info[f].count;
		}
		judged++;
		lost += any_lost;
	}
	j->state_lost = lost;
	int verdicts = 0;
	for (int i = 0; i < j->nrows; i++)
		/* Syscall counts ride along with timed figures; instruction
		 * counts are a verdict of their own. */
		verdicts += (!fig_info[j->rows[i].fig].count || j->rows[i].fig == FIG_INSTR) &&
			    j->rows[i].v != V_TOO_FEW && j->rows[i].v != V_STATE;
	int timed = 0;
	for (int i = 0; i < j->nrows; i++)
		timed += !fig_info[j->rows[i].fig].count;
	if (one_run_each && timed > 0)
		snprintf(j->changed, sizeof(j->changed),
			 "one run per side (the base needs at least %d): each run draws its own "
			 "conditions, which move its figures by more than its repetitions "
			 "spread, so two single runs cannot tell a change from that; no verdict "
			 "(add runs to the base, or interleave the two builds in one run)",
			 JUDGE_MIN_RUNS);
	else if (verdicts == 0 && j->nrows > 0 && lost < judged && by_runs) {
		int most = 0; /* the base's runs in the current run's state */
		for (int i = 0; i < j->nrows; i++)
			most = j->rows[i].v == V_TOO_FEW && j->rows[i].nb > most ? j->rows[i].nb
										 : most;
		snprintf(j->changed, sizeof(j->changed),
			 "the base has %d run%s with %d repetitions in the machine state of the "
			 "current run (%d in all): too few to tell a change from run-to-run "
			 "variance, which takes %d; no verdict",
			 most, most == 1 ? "" : "s", JUDGE_RUN_MIN_REPS, base->nruns,
			 JUDGE_MIN_RUNS);
	} else if (verdicts == 0 && j->nrows > 0 && lost < judged)
		snprintf(
		    j->changed, sizeof(j->changed),
		    "no figure could be judged: too few repetitions in a common state (at least "
		    "5 against 5, or 8 pairs); no verdict");
	else if (judged == 0 && j->nfail == 0)
		snprintf(j->changed, sizeof(j->changed),
			 "no case is in both files: nothing to judge; no verdict");
	if (judged > 0 && lost == judged)
		snprintf(j->changed, sizeof(j->changed),
			 "the machine changed between the two runs: no case has repetitions in a "
			 "common state (%s); no verdict",
			 j->nrows ? j->rows[0].note : "");
	if (j->method == JUDGE_PAIRS)
		snprintf(j->method_note, sizeof(j->method_note),
			 "interleaved: both builds in one session, pair by pair (signed-rank "
			 "test, alpha %.3g per figure)",
			 o->alpha);
	else if (by_runs)
		snprintf(j->method_note, sizeof(j->method_note),
			 "the run as the unit: %d run%s against the spread of the base's %d "
			 "runs (Student's t on each run's median, one-sided), alpha %.3g shared "
			 "by %d figures",
			 cur->nruns, cur->nruns == 1 ? "" : "s", base->nruns, o->alpha, j->tests);
	else if (one_run_each)
		snprintf(j->method_note, sizeof(j->method_note),
			 "one run per side: the rank test within the runs shows how these two "
			 "runs differ, not whether the build changed");
	else
		snprintf(j->method_note, sizeof(j->method_note),
			 "repetitions as independent draws (rank test within machine states, "
			 "alpha %.3g per figure)",
			 o->alpha);
	if (j->too_few && by_runs)
		warn(j,
		     "%d figures had too few runs in the machine state of the current run (the "
		     "base needs %d, each with %d repetitions there): no verdict on them",
		     j->too_few, JUDGE_MIN_RUNS, JUDGE_RUN_MIN_REPS);
	else if (j->too_few)
		warn(j,
		     "%d figures had too few repetitions (in a common state) for the test to reach "
		     "alpha %.3g: no verdict on them",
		     j->too_few, o->alpha);
	j->status = judge_status(j);
	return 0;
oom:
	snprintf(err, n, "out of memory");
	judgement_free(j);
	return -1;
}

int judge_status(const struct judgement *j)
{
	if (j->nfail)
		return 3;
	if (j->changed[0])
		return 2;
	for (int i = 0; i < j->nrows; i++)
		if (j->rows[i].v == V_REGRESSION)
			return 1;
	return 0;
}

void judgement_free(struct judgement *j)
{
	for (int i = 0; i < j->n_only_base; i++)
		free(j->only_base[i]);
	for (int i = 0; i < j->n_only_cur; i++)
		free(j->only_cur[i]);
	for (int i = 0; i < j->nfail; i++)
		free(j->failures[i]);
	free(j->only_base);
	free(j->only_cur);
	free(j->failures);
	free(j->rows);
	memset(j, 0, sizeof(*j));
}
