/* verdict.c: two sets of results judged figure by figure (verdict.h). */
#include "judge/verdict.h"

#include "judge/score.h"
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
	case V_ACKED: return "acknowledged";
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

static void find_states(const struct sample_set *a, const struct sample_set *b, struct states *st)
{
	const struct sample_set *both[2] = {a, b};
	states_find(both, 2, st);
}

/* ---- one figure of one case ---- */

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
	row->base = stats_median(b, nb);
	row->cur = stats_median(c, nc);
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
	/* A percentile moves in the clock's steps (10 ns on AMD Zen's TSC: 7% of a 150 ns
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

/* Whether any repetition of c was taken in state k. */
static bool in_state(const struct states *st, const struct sample_case *c, int k)
{
	for (int r = 0; r < c->n; r++)
		if (states_of(st, c, r) == k)
			return true;
	return false;
}

static void state_note(char *out, size_t n, const struct states *st, const struct sample_case *b,
		       const struct sample_case *c)
{
	/* Which states each side was in. */
	char sb[64] = "", sc[64] = "";
	for (int k = 0; k < st->n; k++) {
		bool in_b = in_state(st, b, k), in_c = in_state(st, c, k);
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

/* The repetitions of two cases in the states both were in: the logs of
 * one figure (x), each one's side (g: 0 base, 1 current) and state (s),
 * and the raw values of each side. */
struct pooled {
	int nst;		 /* strata: the states, or 1 without them */
	bool common[STATES_MAX]; /* the states both sides were in */
	double *x, *raw_b, *raw_c;
	int *g, *s;
	int m, nb, nc;
	bool nonpositive; /* a value of 0 or less */
};

static void pooled_free(struct pooled *p)
{
	free(p->x), free(p->raw_b), free(p->raw_c), free(p->g), free(p->s);
}

/* Figure f of b and c into p.  -1 out of memory. */
static int pool(const struct states *st, const struct sample_case *b, const struct sample_case *c,
		enum fig f, struct pooled *p)
{
	memset(p, 0, sizeof(*p));
	size_t nmax = (size_t)b->n + (size_t)c->n + 1;
	p->x = calloc(nmax, sizeof(double));
	p->raw_b = calloc(nmax, sizeof(double));
	p->raw_c = calloc(nmax, sizeof(double));
	p->g = calloc(nmax, sizeof(int));
	p->s = calloc(nmax, sizeof(int));
	if (!p->x || !p->raw_b || !p->raw_c || !p->g || !p->s) {
		pooled_free(p);
		return -1;
	}
	p->nst = st->used ? st->n : 1;
	for (int k = 0; k < p->nst; k++)
		p->common[k] = in_state(st, b, k) && in_state(st, c, k);
	for (int side = 0; side < 2; side++) {
		const struct sample_case *sc = side ? c : b;
		for (int r = 0; r < sc->n; r++) {
			int k = states_of(st, sc, r);
			if (k < 0 || !p->common[k])
				continue;
			double v = sc->v[f][r];
			p->nonpositive |= v <= 0;
			if (side)
				p->raw_c[p->nc++] = v;
			else
				p->raw_b[p->nb++] = v;
			p->x[p->m] = v > 0 ? log(v) : 0;
			p->g[p->m] = side;
			p->s[p->m] = k;
			p->m++;
		}
	}
	return 0;
}

/* The state with the most weight in the rank test (n_base*n_cur/(n_base +
 * n_cur)); -1 if none holds both sides. */
static int heaviest_state(const struct pooled *p)
{
	int best = -1;
	double wbest = 0;
	for (int k = 0; k < p->nst; k++) {
		int kb = 0, kc = 0;
		for (int i = 0; i < p->m; i++)
			kb += p->s[i] == k && p->g[i] == 0, kc += p->s[i] == k && p->g[i] == 1;
		double w = kb && kc ? (double)kb * kc / (kb + kc) : 0;
		if (w > wbest)
			wbest = w, best = k;
	}
	return best;
}

/* The medians shown: those of the state with the most weight, not a
 * mixture of states that can differ threefold. */
static void medians_shown(const struct states *st, const struct pooled *p, struct judge_row *row)
{
	int best = heaviest_state(p);
	double *in_b = calloc((size_t)p->m + 1, sizeof(double)),
	       *in_c = calloc((size_t)p->m + 1, sizeof(double));
	int ib = 0, ic = 0;
	for (int i = 0; in_b && in_c && i < p->m; i++)
		if (p->s[i] == best) {
			if (p->g[i])
				in_c[ic++] = exp(p->x[i]);
			else
				in_b[ib++] = exp(p->x[i]);
		}
	row->base = stats_median(in_b, ib);
	row->cur = stats_median(in_c, ic);
	free(in_b);
	free(in_c);
	int ncommon = 0;
	for (int k = 0; k < p->nst; k++)
		ncommon += p->common[k];
	if (st->used && ncommon > 1)
		snprintf(row->note, sizeof(row->note), "medians in state %.0f ns",
			 (st->lo[best] + st->hi[best]) / 2);
}

/* One repetition's noise (logs): the base's spread within its states, on
 * the states with three values or more (fewer say little of the spread);
 * NaN with fewer than three in all.  Uses p->raw_b as scratch. */
static double base_noise(struct pooled *p)
{
	double *res = p->raw_b;
	int nr = 0;
	double *in = calloc((size_t)p->m + 1, sizeof(double));
	for (int k = 0; in && k < p->nst; k++) {
		int ni = 0;
		for (int i = 0; i < p->m; i++)
			if (p->g[i] == 0 && p->s[i] == k)
				in[ni++] = p->x[i];
		if (ni < 3)
			continue;
		double med = stats_median(in, ni);
		for (int i = 0; i < ni; i++)
			res[nr++] = in[i] - med;
	}
	free(in);
	return nr >= 3 ? stats_robust_sd(res, nr) : NAN;
}

/* A row that cannot be judged: no state in common (each side's medians of
 * every repetition), or a value of 0 (the medians of the pooled ones). */
static void unjudged_row(const struct states *st, const struct sample_case *b,
			 const struct sample_case *c, enum fig f, const struct pooled *p,
			 struct judge_row *row)
{
	if (p->nb == 0 || p->nc == 0) {
		row->v = V_STATE;
		row->base = stats_median(b->v[f], b->n);
		row->cur = stats_median(c->v[f], c->n);
		row->change = row->base > 0 ? row->cur / row->base - 1 : NAN;
		row->lo = row->hi = row->p = row->min_p = NAN;
		state_note(row->note, sizeof(row->note), st, b, c);
		return;
	}
	row->base = stats_median(p->raw_b, p->nb);
	row->cur = stats_median(p->raw_c, p->nc);
	row->v = V_SAME;
	row->change = row->lo = row->hi = row->p = row->min_p = NAN;
	snprintf(row->note, sizeof(row->note), "a value of 0: not judged");
}

/* Repetitions as draws (JUDGE_REPS): the stratified rank test over the
 * states both sides were in. */
static int judge_unpaired(const struct states *st, const struct sample_case *b,
			  const struct sample_case *c, enum fig f, const struct judge_opts *o,
			  double step, struct judge_row *row)
{
	struct pooled p;
	if (pool(st, b, c, f, &p))
		return -1;
	row->nb = p.nb;
	row->nc = p.nc;
	if (p.nb == 0 || p.nc == 0 || (!fig_info[f].count && p.nonpositive)) {
		unjudged_row(st, b, c, f, &p, row);
	} else if (fig_info[f].count) {
		count_verdict(row, p.raw_b, p.nb, p.raw_c, p.nc);
	} else {
		medians_shown(st, &p, row);
		row->p = stats_ranksum_p(p.x, p.g, p.s, p.m, p.nst, &row->min_p);
		double est, lo, hi;
		stats_change_strata(p.x, p.g, p.s, p.m, p.nst, o->level, &est, &lo, &hi);
		stat_verdict(row, o, est, lo, hi, base_noise(&p), step);
	}
	pooled_free(&p);
	return 0;
}

/* ---- the run as the unit ---- */

int judge_run_medians(const struct states *st, const struct sample_case *c, int nruns, enum fig f,
		      int k, double *out, double *reps, double *dev, int *ndev, bool *nonpositive,
		      bool by_run)
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
		if (by_run)
			out[run] = NAN;
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
		out[by_run ? run : m] = log(med);
		m++;
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

/* One figure of two cases by run, state by state: the scratch of
 * judge_by_runs. */
struct run_figs {
	const struct states *st;
	const struct sample_set *bs, *cs; /* the files of b and c */
	const struct sample_case *b, *c;
	enum fig f;
	int nst;
	int *kb, *kc;	   /* each side's runs in each state */
	double *xb, *xc;   /* each side's run medians (logs) in one state */
	double repb, repc; /* how many repetitions a median is of (harmonic mean) */
	double *dev;	   /* the base's repetitions' distances from their run's */
	int ndev;
	bool nonpositive;
};

static void run_figs_free(struct run_figs *rf)
{
	free(rf->xb), free(rf->xc), free(rf->dev), free(rf->kb), free(rf->kc);
}

static int run_figs_alloc(struct run_figs *rf)
{
	int nmax = (rf->bs->nruns > rf->cs->nruns ? rf->bs->nruns : rf->cs->nruns) + 1;
	rf->nst = rf->st->used ? rf->st->n : 1;
	rf->xb = malloc((size_t)nmax * sizeof(double));
	rf->xc = malloc((size_t)nmax * sizeof(double));
	rf->dev = malloc(((size_t)rf->b->n + 1) * sizeof(double));
	rf->kb = calloc((size_t)rf->nst, sizeof(int));
	rf->kc = calloc((size_t)rf->nst, sizeof(int));
	if (rf->xb && rf->xc && rf->dev && rf->kb && rf->kc)
		return 0;
	run_figs_free(rf);
	return -1;
}

/* Each side's runs in each state (kb, kc).  *eligible: states the base
 * has runs enough in and the current file any; *most_b: the most runs
 * the base has in a state the current file has runs in; *common: states
 * both have runs in.  -1 out of memory. */
static int count_runs(struct run_figs *rf, int *eligible, int *most_b, int *common)
{
	*eligible = *most_b = *common = 0;
	for (int k = 0; k < rf->nst; k++) {
		rf->kb[k] = judge_run_medians(rf->st, rf->b, rf->bs->nruns, rf->f, k, rf->xb,
					      &rf->repb, NULL, NULL, &rf->nonpositive, false);
		rf->kc[k] = judge_run_medians(rf->st, rf->c, rf->cs->nruns, rf->f, k, rf->xc,
					      &rf->repc, NULL, NULL, &rf->nonpositive, false);
		if (rf->kb[k] < 0 || rf->kc[k] < 0)
			return -1;
		*common += rf->kb[k] > 0 && rf->kc[k] > 0;
		if (rf->kc[k] > 0 && rf->kb[k] > *most_b)
			*most_b = rf->kb[k];
		*eligible += rf->kc[k] > 0 && rf->kb[k] >= JUDGE_MIN_RUNS;
	}
	return 0;
}

/* No state with runs enough: the machine changed, or too few runs. */
static void too_few_runs(const struct run_figs *rf, int most_b, int common, struct judge_row *row)
{
	row->nb = most_b;
	row->nc = 0;
	for (int k = 0; k < rf->nst; k++)
		row->nc = rf->kb[k] == most_b && rf->kc[k] > row->nc ? rf->kc[k] : row->nc;
	/* Repetitions in a state both files saw, but no run with enough of
	 * them there, is too few runs, not a machine that changed. */
	bool shared = false;
	for (int k = 0; k < rf->nst && !shared; k++)
		shared = in_state(rf->st, rf->b, k) && in_state(rf->st, rf->c, k);
	if (common == 0 && !shared) {
		row->v = V_STATE;
		state_note(row->note, sizeof(row->note), rf->st, rf->b, rf->c);
	} else {
		row->v = V_TOO_FEW;
		snprintf(row->note, sizeof(row->note),
			 "the base has %d run%s with %d repetitions in this run's state: "
			 "at least %d needed",
			 most_b, most_b == 1 ? "" : "s", JUDGE_RUN_MIN_REPS, JUDGE_MIN_RUNS);
	}
}

/* The standard error of the current runs' mean against the base's, in
 * one state (nb, nc runs; mb the base's mean, ssb and ssc the sums of
 * squares), on a Student's t of dof degrees of freedom. */
static double runs_se(const struct run_figs *rf, int nb, int nc, int dof, double mb, double ssb,
		      double ssc, double step)
{
	/* The runs' spread, pooled where the current file has several; one
	 * current run is a new draw from the base's distribution.  Never
	 * under 1% (runs that agree by chance, or a percentile that sits on
	 * one clock step, must not make any change certain), nor, for a
	 * percentile read in the clock's steps, under the spread of that
	 * rounding (a step over sqrt(12)). */
	double floor_sd = 0.01;
	if ((rf->f == FIG_P50 || rf->f == FIG_P99) && step > 0)
		floor_sd = fmax(floor_sd, step / sqrt(12.0) / exp(mb));
	double sd = fmax(sqrt((ssb + (nc > 1 ? ssc : 0)) / dof), floor_sd);
	/* A run's median of fewer repetitions than the base's runs had
	 * spreads more: its within-run part grows as 1/n.  The variance of a
	 * median of n is about (pi/2) sw^2 / n, sw the spread within a run
	 * (robust, from the base's repetitions); the base's runs' spread
	 * holds it at their n, the current runs' at theirs. */
	double sw = rf->ndev >= 3 ? stats_robust_sd(rf->dev, rf->ndev) : 0;
	double extra =
	    rf->repc < rf->repb && sw > 0 ? M_PI / 2 * sw * sw * (1 / rf->repc - 1 / rf->repb) : 0;
	return sqrt(sd * sd * (1.0 / nb + 1.0 / nc) + extra / nc);
}

/* State k judged by runs into r (a copy of row): 0, 1 when the state has
 * too few runs to judge, -1 out of memory. */
static int judge_state_runs(struct run_figs *rf, int k, const struct judge_opts *ok, double step,
			    const struct judge_row *row, struct judge_row *r)
{
	const struct states *st = rf->st;
	int nb = rf->kb[k] >= JUDGE_MIN_RUNS && rf->kc[k] > 0
		     ? judge_run_medians(st, rf->b, rf->bs->nruns, rf->f, k, rf->xb, &rf->repb,
					 rf->dev, &rf->ndev, &rf->nonpositive, false)
		     : 0;
	int nc = nb ? judge_run_medians(st, rf->c, rf->cs->nruns, rf->f, k, rf->xc, &rf->repc, NULL,
					NULL, &rf->nonpositive, false)
		    : 0;
	if (nb < 0 || nc < 0)
		return -1;
	if (nb < JUDGE_MIN_RUNS || nc == 0)
		return 1;
	int dof = nb - 1 + (nc > 1 ? nc - 1 : 0), better = fig_info[rf->f].better;
	double mb, ssb, mc, ssc;
	mean_ss(rf->xb, nb, &mb, &ssb);
	mean_ss(rf->xc, nc, &mc, &ssc);
	double se = runs_se(rf, nb, nc, dof, mb, ssb, ssc, step), est = mc - mb;
	/* One-sided: the chance of a run this much worse (or better, for an
	 * improvement) if nothing changed, against alpha; the interval is at
	 * the same level, so "the whole interval beyond the threshold" is the
	 * test itself. */
	double t = est / se, worse_t = better > 0 ? -t : t;
	double tcrit = stats_t_quantile(1 - ok->alpha, dof);
	*r = *row;
	r->note[0] = 0;
	r->base = exp(mb);
	r->cur = exp(mc);
	r->nb = nb;
	r->nc = nc;
	r->p = fmin(stats_t_sf(worse_t, dof), stats_t_sf(-worse_t, dof));
	r->min_p = 0;
	stat_verdict(r, ok, est, est - tcrit * se, est + tcrit * se, NAN, step);
	double reach = log1p(r->threshold) + tcrit * se;
	r->detect = better > 0 ? expm1(-reach) : expm1(reach);
	char state[48] = "";
	if (st->used)
		snprintf(state, sizeof(state), ", state %.0f ns", (st->lo[k] + st->hi[k]) / 2);
	size_t l = strlen(r->note); /* stat_verdict's own note stays */
	snprintf(r->note + l, sizeof(r->note) - l,
		 "%s%d base run%s, %d now%s; one-sided, alpha %.2g", l ? "; " : "", nb,
		 nb == 1 ? "" : "s", nc, state, ok->alpha);
	return 0;
}

/* Every eligible state judged at alpha_each shared among them; the row
 * is the state that regressed, else the one that improved, else the one
 * with the most runs.  -1 out of memory. */
static int judge_states_runs(struct run_figs *rf, int eligible, const struct judge_opts *o,
			     double alpha_each, double step, struct judge_row *row)
{
	struct judge_opts ok = *o;
	ok.alpha = alpha_each / eligible;
	struct judge_row best = *row;
	int best_rank = -1; /* 2 regression, 1 improvement, 0 neither (most runs) */
	int best_runs = -1;
	for (int k = 0; k < rf->nst; k++) {
		struct judge_row r;
		int rc = judge_state_runs(rf, k, &ok, step, row, &r);
		if (rc < 0)
			return -1;
		if (rc > 0)
			continue;
		int rank = r.v == V_REGRESSION ? 2 : r.v == V_IMPROVEMENT ? 1 : 0;
		if (rank > best_rank || (rank == best_rank && r.nb + r.nc > best_runs)) {
			best = r;
			best_rank = rank;
			best_runs = r.nb + r.nc;
		}
	}
	*row = best;
	return 0;
}

/* One figure of one case, the run as the unit (verdict.h, JUDGE_RUNS):
 * judged in every state where the base has runs enough and the current
 * file at least one, at alpha_each shared among those states. */
static int judge_by_runs(const struct states *st, const struct sample_set *bs,
			 const struct sample_case *b, const struct sample_set *cs,
			 const struct sample_case *c, enum fig f, const struct judge_opts *o,
			 double alpha_each, double step, struct judge_row *row)
{
	struct run_figs rf = {.st = st, .bs = bs, .cs = cs, .b = b, .c = c, .f = f};
	if (run_figs_alloc(&rf))
		return -1;
	int eligible, most_b, common, rc = -1;
	if (count_runs(&rf, &eligible, &most_b, &common))
		goto out;
	rc = 0;
	row->p = row->min_p = row->lo = row->hi = row->change = NAN;
	row->detect = NAN;
	row->base = stats_median(b->v[f], b->n);
	row->cur = stats_median(c->v[f], c->n);
	if (eligible == 0) {
		too_few_runs(&rf, most_b, common, row);
	} else if (rf.nonpositive) {
		row->v = V_SAME;
		snprintf(row->note, sizeof(row->note), "a value of 0: not judged");
	} else {
		rc = judge_states_runs(&rf, eligible, o, alpha_each, step, row);
	}
out:
	run_figs_free(&rf);
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
		r.base = stats_median(ak, c);
		r.cur = stats_median(bk, c);
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
		row->base = stats_median(a->v[f], a->n);
		row->cur = stats_median(b->v[f], b->n);
		row->change = row->lo = row->hi = row->p = row->min_p = NAN;
		snprintf(row->note, sizeof(row->note),
			 "no pair of repetitions in one machine state (%d pairs changed state)",
			 mixed);
	} else if (fig_info[f].count) {
		count_verdict(row, va, m, vb, m);
	} else if (nonpositive) {
		row->base = stats_median(va, m);
		row->cur = stats_median(vb, m);
		row->v = V_SAME;
		row->change = row->lo = row->hi = row->p = row->min_p = NAN;
		snprintf(row->note, sizeof(row->note), "a value of 0: not judged");
	} else {
		row->base = stats_median(va, m);
		row->cur = stats_median(vb, m);
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

/* Files from two machines, or two build types, say nothing about a change:
 * -1 with why in err, unless forced (then a warning says so). */
static int comparable(const struct sample_set *base, const struct sample_set *cur,
		      const struct judge_opts *o, struct judgement *j, char *err, size_t n)
{
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
	return 0;
}

/* The states of both files, and how many repetitions each side has in
 * each (or left out), into j. */
static void count_states(const struct sample_set *base, const struct sample_set *cur,
			 struct states *st, struct judgement *j)
{
	find_states(base, cur, st);
	if (!st->used && (sample_has_probes(base) || sample_has_probes(cur)))
		warn(j,
		     "%s records no machine state: its figures are compared as if every "
		     "repetition had been taken in one state",
		     sample_has_probes(base) ? cur->path : base->path);
	j->nstates = st->used ? st->n : 0;
	for (int k = 0; k < j->nstates; k++)
		j->states[k] = (struct judge_state){.lo = st->lo[k], .hi = st->hi[k]};
	for (int side = 0; side < 2; side++) {
		const struct sample_set *s = side ? cur : base;
		for (int i = 0; i < s->ncases; i++)
			for (int r = 0; r < s->cases[i].n; r++) {
				int k = states_of(st, &s->cases[i], r);
				if (k < 0 && side)
					j->unsteady_cur++;
				else if (k < 0)
					j->unsteady_base++;
				else if (st->used && side)
					j->states[k].ncur++;
				else if (st->used)
					j->states[k].nbase++;
			}
	}
}

/* The base's cases the current file lacks, and (A/B: a failure in either
 * build is a failure) the base's failures.  -1 out of memory. */
static int list_base(const struct sample_set *base, const struct sample_set *cur,
		     const struct judge_opts *o, struct judgement *j)
{
	for (int i = 0; i < base->ncases; i++)
		if (!sample_find(cur, base->cases[i].name) &&
		    push_name(&j->only_base, &j->n_only_base, strdup(base->cases[i].name)))
			return -1;
	for (int i = 0; o->paired && i < base->ncases; i++)
		if (base->cases[i].failed &&
		    push_name(&j->failures, &j->nfail,
			      dup_printf("%s (%s): %s", base->cases[i].name, base->path,
					 base->cases[i].error)))
			return -1;
	return 0;
}

/* How the figures are judged, decided once for the whole comparison. */
struct judging {
	const struct sample_set *base, *cur;
	const struct judge_opts *o;
	struct judge_opts within;	   /* o, repetitions as draws (one run each) */
	const struct judge_opts *unpaired; /* the options judge_unpaired gets */
	struct states st;
	bool one_run_each, by_runs;
	double alpha_each; /* JUDGE_RUNS: alpha shared by every timed figure */
	double step;	   /* the clock's step of either file */
};

/* The method for these files into g and j.  The run as the unit needs runs
 * on both sides; one each can only show how the two runs differ (the
 * within-run test, no verdict). */
static void choose_method(struct judging *g, struct judgement *j)
{
	const struct sample_set *base = g->base, *cur = g->cur;
	j->method = judge_method_of(g->o);
	j->base_runs = base->nruns;
	j->cur_runs = cur->nruns;
	g->one_run_each = j->method == JUDGE_RUNS && base->nruns <= 1 && cur->nruns <= 1;
	j->one_run_each = g->one_run_each;
	g->within = *g->o;
	g->within.runs = false;
	g->unpaired = g->one_run_each ? &g->within : g->o;
	g->by_runs = j->method == JUDGE_RUNS && !g->one_run_each;
	/* Every timed figure of every common case shares alpha. */
	for (int i = 0; g->by_runs && i < cur->ncases; i++) {
		const struct sample_case *b = sample_find(base, cur->cases[i].name);
		for (int f = 0; b && b->n && cur->cases[i].n && f < FIG_COUNT; f++)
			j->tests += b->has[f] && cur->cases[i].has[f] && !fig_info[f].count;
	}
	g->alpha_each = g->o->alpha / (j->tests > 0 ? j->tests : 1);
	g->step = fmax(base->clock_step, cur->clock_step);
}

/* One figure of one case into row, by the method chosen.  -1 out of
 * memory. */
static int judge_figure(const struct judging *g, const struct sample_case *b,
			const struct sample_case *c, enum fig f, struct judge_row *row)
{
	memset(row, 0, sizeof(*row));
	row->name = c->name;
	row->fig = f;
	row->detect = NAN;
	const struct judge_opts *o = g->o;
	int rc = fig_info[f].count ? judge_counts(b, c, f, o->paired, row)
		 : o->paired	   ? judge_paired(&g->st, b, c, f, o, g->step, row)
		 : g->by_runs ? judge_by_runs(&g->st, g->base, b, g->cur, c, f, o, g->alpha_each,
					      g->step, row)
			      : judge_unpaired(&g->st, b, c, f, g->unpaired, g->step, row);
	if (g->one_run_each && !fig_info[f].count &&
	    (row->v == V_REGRESSION || row->v == V_IMPROVEMENT || row->v == V_SMALL))
		row->v = V_ONE_RUN;
	return rc;
}

/* Every figure both files have of one case, a row each, counted into j;
 * *lost when a timed figure had no state in common.  -1 out of memory. */
static int judge_case(const struct judging *g, const struct sample_case *b,
		      const struct sample_case *c, struct judgement *j, bool *lost)
{
	*lost = false;
	for (int f = 0; f < FIG_COUNT; f++) {
		if (!b->has[f] || !c->has[f])
			continue;
		struct judge_row *rows = realloc(j->rows, (size_t)(j->nrows + 1) * sizeof(*rows));
		if (!rows)
			return -1;
		j->rows = rows;
		struct judge_row *row = &rows[j->nrows++];
		if (judge_figure(g, b, c, (enum fig)f, row))
			return -1;
		j->regressions += row->v == V_REGRESSION;
		j->improvements += row->v == V_IMPROVEMENT;
		j->too_few += row->v == V_TOO_FEW;
		*lost |= row->v == V_STATE && !fig_info[f].count;
	}
	return 0;
}

/* Every case of the current file: judged where the base has it too,
 * listed where it does not or where it failed.  *judged: cases judged,
 * *lost: of those, the ones with no state in common.  -1 out of memory. */
static int judge_cases(const struct judging *g, struct judgement *j, int *judged, int *lost)
{
	*judged = *lost = 0;
	for (int i = 0; i < g->cur->ncases; i++) {
		const struct sample_case *c = &g->cur->cases[i];
		if (c->failed &&
		    push_name(&j->failures, &j->nfail, dup_printf("%s: %s", c->name, c->error)))
			return -1;
		const struct sample_case *b = sample_find(g->base, c->name);
		if (!b) {
			if (push_name(&j->only_cur, &j->n_only_cur, strdup(c->name)))
				return -1;
			continue;
		}
		if (c->n == 0 || b->n == 0)
			continue; /* failed outright on one side: listed above */
		bool any_lost;
		if (judge_case(g, b, c, j, &any_lost))
			return -1;
		(*judged)++;
		*lost += any_lost;
	}
	return 0;
}

/* Why there is no verdict, into j->changed, when there is none. */
static void say_why_none(const struct judging *g, struct judgement *j, int judged, int lost)
{
	int verdicts = 0;
	for (int i = 0; i < j->nrows; i++)
		/* Syscall counts ride along with timed figures; instruction
		 * counts are a verdict of their own. */
		verdicts += (!fig_info[j->rows[i].fig].count || j->rows[i].fig == FIG_INSTR) &&
			    j->rows[i].v != V_TOO_FEW && j->rows[i].v != V_STATE;
	int timed = 0;
	for (int i = 0; i < j->nrows; i++)
		timed += !fig_info[j->rows[i].fig].count;
	if (g->one_run_each && timed > 0)
		snprintf(j->changed, sizeof(j->changed),
			 "one run per side (the base needs at least %d): each run draws its own "
			 "conditions, which move its figures by more than its repetitions "
			 "spread, so two single runs cannot tell a change from that; no verdict "
			 "(add runs to the base, or interleave the two builds in one run)",
			 JUDGE_MIN_RUNS);
	else if (verdicts == 0 && j->nrows > 0 && lost < judged && g->by_runs) {
		int most = 0; /* the base's runs in the current run's state */
		for (int i = 0; i < j->nrows; i++)
			most = j->rows[i].v == V_TOO_FEW && j->rows[i].nb > most ? j->rows[i].nb
										 : most;
		snprintf(j->changed, sizeof(j->changed),
			 "the base has %d run%s with %d repetitions in the machine state of the "
			 "current run (%d in all): too few to tell a change from run-to-run "
			 "variance, which takes %d; no verdict",
			 most, most == 1 ? "" : "s", JUDGE_RUN_MIN_REPS, g->base->nruns,
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
}

/* How the verdict was reached, one sentence into j->method_note, and a
 * warning about the figures too few to judge. */
static void say_method(const struct judging *g, struct judgement *j)
{
	const struct judge_opts *o = g->o;
	if (j->method == JUDGE_PAIRS)
		snprintf(j->method_note, sizeof(j->method_note),
			 "interleaved: both builds in one session, pair by pair (signed-rank "
			 "test, alpha %.3g per figure)",
			 o->alpha);
	else if (g->by_runs)
		snprintf(j->method_note, sizeof(j->method_note),
			 "the run as the unit: %d run%s against the spread of the base's %d "
			 "runs (Student's t on each run's median, one-sided), alpha %.3g shared "
			 "by %d figures",
			 g->cur->nruns, g->cur->nruns == 1 ? "" : "s", g->base->nruns, o->alpha,
			 j->tests);
	else if (g->one_run_each)
		snprintf(j->method_note, sizeof(j->method_note),
			 "one run per side: the rank test within the runs shows how these two "
			 "runs differ, not whether the build changed");
	else
		snprintf(j->method_note, sizeof(j->method_note),
			 "repetitions as independent draws (rank test within machine states, "
			 "alpha %.3g per figure)",
			 o->alpha);
	if (j->too_few && g->by_runs)
		warn(j,
		     "%d figures had too few runs in the machine state of the current run (the "
		     "base needs %d, each with %d repetitions there): no verdict on them",
		     j->too_few, JUDGE_MIN_RUNS, JUDGE_RUN_MIN_REPS);
	else if (j->too_few)
		warn(j,
		     "%d figures had too few repetitions (in a common state) for the test to reach "
		     "alpha %.3g: no verdict on them",
		     j->too_few, o->alpha);
}

int judge(const struct sample_set *base, const struct sample_set *cur, const struct judge_opts *o,
	  struct judgement *j, char *err, size_t n)
{
	memset(j, 0, sizeof(*j));
	if (comparable(base, cur, o, j, err, n))
		return -1;
	struct judging g = {.base = base, .cur = cur, .o = o};
	count_states(base, cur, &g.st, j);
	int judged, lost;
	if (list_base(base, cur, o, j))
		goto oom;
	choose_method(&g, j);
	if (judge_cases(&g, j, &judged, &lost))
		goto oom;
	j->state_lost = lost;
	say_why_none(&g, j, judged, lost);
	say_method(&g, j);
	if (score_judgement(base, cur, o, &g.st, j))
		goto oom;
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
