/* score.c: the suite score, one geometric mean per machine state (score.h). */
#include "judge/score.h"

#include "judge/stats.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCORE_SEED 0x73636f7265ULL /* fixed: the same files, the same interval */

/* Values a bootstrap may touch in all: a crafted file of thousands of
 * cases and repetitions gets fewer resamples (never under SCORE_MIN_RESAMPLES),
 * not a compare that hangs. */
#define SCORE_WORK_MAX	    400000000.0
#define SCORE_MIN_RESAMPLES 200

enum fig score_headline(const struct sample_case *b, const struct sample_case *c)
{
	static const enum fig order[] = {FIG_INSTR, FIG_RATE, FIG_P50, FIG_TIME};
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (b->has[order[i]] && c->has[order[i]])
			return order[i];
	return FIG_COUNT;
}

/* How a state's cases are estimated and their interval formed: the
 * verdict's method, with one run per side taken as repetitions (and no
 * interval). */
enum score_unit { UNIT_PAIRS, UNIT_RUNS, UNIT_REPS };

/* One case's logs in one state.  Pairs: x[0] the pairs' log ratios
 * (current over base).  Repetitions: each side's logs.  Runs: each side's
 * run medians' logs by run index, NaN where a run has none. */
struct score_case {
	double sign; /* +1 a time or count (current / base), -1 a rate (base / current) */
	double *x[2];
	int n[2];	/* pairs: n[0]; repetitions: each side's; runs: the file's runs */
	int present[2]; /* runs: how many have a median */
	double mean[2]; /* runs: the mean of each side's logs */
	double floor;	/* runs: the row's least spread of runs (1%, or a clock step's) */
	double extra;	/* runs: the row's variance for a current median of fewer repetitions */
};

struct score_group {
	enum score_unit unit;
	struct score_case *c;
	int n, cap;
	int nruns[2]; /* runs: each file's */
	double step;  /* runs: the clock's step of either file, as the verdict's */
};

static void case_free(struct score_case *sc)
{
	for (int s = 0; s < 2; s++)
		free(sc->x[s]);
}

/* The cases freed; the unit and the runs stay, for the next state. */
static void group_free(struct score_group *g)
{
	for (int i = 0; i < g->n; i++)
		case_free(&g->c[i]);
	free(g->c);
	g->c = NULL;
	g->n = g->cap = 0;
}

/* Whether a row was judged: a state in common, repetitions enough, no
 * value of 0 (its change is NaN then). */
static bool row_judged(const struct judge_row *r)
{
	return r && r->v != V_STATE && r->v != V_TOO_FEW && isfinite(r->change);
}

/* A case of the current file as the score sees it: its base and its
 * headline figure, when that figure's row was judged (b NULL otherwise). */
struct score_plan {
	const struct sample_case *b;
	enum fig f;
	const struct judge_row *row;
};

/* Each current case's plan, found once for every state.  The rows are in
 * the current file's case order, each naming its case (the same pointer),
 * so one walk finds them all: a file of thousands of cases costs no more
 * than judging it did. */
static void make_plans(const struct sample_set *base, const struct sample_set *cur,
		       const struct judgement *j, struct score_plan *plan)
{
	int r = 0;
	for (int i = 0; i < cur->ncases; i++) {
		const struct sample_case *c = &cur->cases[i], *b = NULL;
		enum fig f = FIG_COUNT;
		const struct judge_row *row = NULL;
		for (; r < j->nrows && j->rows[r].name == c->name; r++) {
			if (!b && !(b = sample_find(base, c->name)))
				continue;
			if (f == FIG_COUNT)
				f = score_headline(b, c);
			if (j->rows[r].fig == f)
				row = &j->rows[r];
		}
		bool ok = b && b->n > 0 && c->n > 0 && f != FIG_COUNT && row_judged(row);
		plan[i] = (struct score_plan){.b = ok ? b : NULL, .f = f, .row = row};
	}
}

/* ---- one case's data in one state: 0, 1 when it has too little there (or
 * a value of 0), -1 out of memory ---- */

/* The pairs of b and c in state k, matched by repetition_index as the
 * verdict matches them (at most as many as the larger side has). */
static int pairs_in(const struct states *st, const struct sample_case *b,
		    const struct sample_case *c, enum fig f, int k, struct score_case *sc)
{
	int nmax = b->n > c->n ? b->n : c->n, m = 0;
	double *d = malloc(((size_t)nmax + 1) * sizeof(double));
	if (!d)
		return -1;
	sc->x[0] = d;
	for (int i = 0; i < b->n; i++)
		for (int r = 0; r < c->n && m < nmax; r++) {
			if (b->rep[i] != c->rep[r] || states_of(st, b, i) != k ||
			    states_of(st, c, r) != k)
				continue;
			double vb = b->v[f][i], vc = c->v[f][r];
			if (!(vb > 0) || !(vc > 0))
				return 1;
			d[m++] = log(vc) - log(vb);
		}
	sc->n[0] = m;
	return m >= JUDGE_RUN_MIN_REPS ? 0 : 1;
}

/* Each side's repetitions in state k. */
static int reps_in(const struct states *st, const struct sample_case *b,
		   const struct sample_case *c, enum fig f, int k, struct score_case *sc)
{
	for (int s = 0; s < 2; s++) {
		const struct sample_case *x = s ? c : b;
		if (!(sc->x[s] = malloc(((size_t)x->n + 1) * sizeof(double))))
			return -1;
		for (int r = 0; r < x->n; r++) {
			if (states_of(st, x, r) != k)
				continue;
			if (!(x->v[f][r] > 0))
				return 1;
			sc->x[s][sc->n[s]++] = log(x->v[f][r]);
		}
	}
	return sc->n[0] >= JUDGE_RUN_MIN_REPS && sc->n[1] >= JUDGE_RUN_MIN_REPS ? 0 : 1;
}

/* The row's allowances for case sc's runs of figure f (its repetitions'
 * distances from their runs' medians in dev), as verdict.c's runs_se
 * makes them: the runs' spread taken as at least 1%, and, for a
 * percentile read in the clock's steps, at least that rounding's spread
 * (a step over sqrt(12)); and a current median of fewer repetitions than
 * the base's runs had spreads more by (pi/2) sw^2 (1/repc - 1/repb), sw
 * the spread within a run. */
static void runs_allowances(struct score_case *sc, enum fig f, double step, double *dev, int ndev,
			    double repb, double repc)
{
	sc->floor = 0.01;
	if ((f == FIG_P50 || f == FIG_P99) && step > 0)
		sc->floor = fmax(sc->floor, step / sqrt(12.0) / exp(sc->mean[0]));
	double sw = ndev >= 3 ? stats_robust_sd(dev, ndev) : 0;
	sc->extra = repc < repb && sw > 0 ? M_PI / 2 * sw * sw * (1 / repc - 1 / repb) : 0;
}

/* Each side's run medians in state k: the base needs JUDGE_MIN_RUNS runs
 * there and the current file one, as the verdict does. */
static int runs_in(const struct states *st, const struct score_group *g,
		   const struct sample_case *b, const struct sample_case *c, enum fig f, int k,
		   struct score_case *sc)
{
	double reps[2] = {0, 0};
	double *dev = malloc(((size_t)b->n + 1) * sizeof(double));
	int ndev = 0;
	if (!dev)
		return -1;
	for (int s = 0; s < 2; s++) {
		int nruns = g->nruns[s];
		sc->n[s] = nruns;
		sc->x[s] = malloc(((size_t)nruns + 1) * sizeof(double));
		bool zero = false;
		int m = sc->x[s] ? judge_run_medians(st, s ? c : b, nruns, f, k, sc->x[s], &reps[s],
						     s ? NULL : dev, s ? NULL : &ndev, &zero, true)
				 : -1;
		if (m >= 0 && zero)
			m = -2; /* a median of 0: the case is left out */
		if (m < 0) {
			free(dev);
			return m == -1 ? -1 : 1;
		}
		double sum = 0;
		for (int r = 0; r < nruns; r++)
			if (!isnan(sc->x[s][r]))
				sum += sc->x[s][r], sc->present[s]++;
		sc->mean[s] = sc->present[s] ? sum / sc->present[s] : NAN;
	}
	runs_allowances(sc, f, g->step, dev, ndev, reps[0], reps[1]);
	free(dev);
	return sc->present[0] >= JUDGE_MIN_RUNS && sc->present[1] >= 1 ? 0 : 1;
}

/* Case c (its plan p) into g when it counts in state k: -1 out of
 * memory. */
static int add_case(struct score_group *g, const struct states *st, const struct score_plan *p,
		    const struct sample_case *c, int k)
{
	const struct sample_case *b = p->b;
	enum fig f = p->f;
	if (!b || f == FIG_INSTR)
		return 0;
	if (g->n == g->cap) {
		int cap = g->cap ? 2 * g->cap : 16;
		struct score_case *nc = realloc(g->c, (size_t)cap * sizeof(*nc));
		if (!nc)
			return -1;
		g->c = nc;
		g->cap = cap;
	}
	struct score_case *sc = &g->c[g->n];
	memset(sc, 0, sizeof(*sc));
	sc->sign = fig_info[f].better > 0 ? -1 : 1;
	int rc = g->unit == UNIT_PAIRS	? pairs_in(st, b, c, f, k, sc)
		 : g->unit == UNIT_RUNS ? runs_in(st, g, b, c, f, k, sc)
					: reps_in(st, b, c, f, k, sc);
	if (rc == 0)
		g->n++;
	else
		case_free(sc);
	return rc < 0 ? -1 : 0;
}

/* ---- estimates and intervals ---- */

/* The median of n draws from x, with scratch t. */
static double drawn_median(const double *x, int n, double *t, struct stats_rng *rng)
{
	for (int i = 0; i < n; i++)
		t[i] = x[stats_rng_below(rng, n)];
	return stats_median(t, n);
}

/* A case's estimate (its log ratio, oriented), as its row's. */
static double case_estimate(const struct score_group *g, const struct score_case *sc)
{
	double d = g->unit == UNIT_PAIRS ? stats_median(sc->x[0], sc->n[0])
		   : g->unit == UNIT_RUNS
		       ? sc->mean[1] - sc->mean[0]
		       : stats_median(sc->x[1], sc->n[1]) - stats_median(sc->x[0], sc->n[0]);
	return sc->sign * d;
}

/* One resample of a group by pairs or repetitions: the mean of its cases'
 * resampled logs. */
static double group_resample(const struct score_group *g, double *t, struct stats_rng *rng)
{
	double sum = 0;
	for (int i = 0; i < g->n; i++) {
		const struct score_case *sc = &g->c[i];
		sum += g->unit == UNIT_PAIRS
			   ? sc->sign * drawn_median(sc->x[0], sc->n[0], t, rng)
			   : sc->sign * (drawn_median(sc->x[1], sc->n[1], t, rng) -
					 drawn_median(sc->x[0], sc->n[0], t, rng));
	}
	return sum / g->n;
}

/* The percentile interval of v[0..n) at level. */
static void percentile_interval(double *v, int n, double level, double *lo, double *hi)
{
	stats_sort(v, n);
	double tail = (1 - level) / 2;
	*lo = v[(int)floor(tail * (n - 1))];
	*hi = v[(int)ceil((1 - tail) * (n - 1))];
}

/* How many resamples: STATS_BOOTSTRAP, fewer for a group too large. */
static int resamples(const struct score_group *g)
{
	double work = 1;
	for (int i = 0; i < g->n; i++)
		work += g->c[i].n[0] + (g->unit == UNIT_PAIRS ? 0 : g->c[i].n[1]);
	double most = SCORE_WORK_MAX / work;
	return most >= STATS_BOOTSTRAP	     ? STATS_BOOTSTRAP
	       : most <= SCORE_MIN_RESAMPLES ? SCORE_MIN_RESAMPLES
					     : (int)most;
}

/* The percentile bootstrap interval (logs) of a group by pairs or
 * repetitions at level.  -1 out of memory. */
static int bootstrap_interval(const struct score_group *g, double level, double *lo, double *hi)
{
	int most = 1, nboot = resamples(g);
	for (int i = 0; i < g->n; i++)
		most = g->c[i].n[0] > most ? g->c[i].n[0] : most,
		most = g->c[i].n[1] > most ? g->c[i].n[1] : most;
	double *boot = malloc((size_t)nboot * sizeof(double));
	double *t = malloc((size_t)most * sizeof(double));
	if (!boot || !t) {
		free(boot), free(t);
		return -1;
	}
	struct stats_rng rng;
	stats_rng_seed(&rng, SCORE_SEED);
	for (int b = 0; b < nboot; b++)
		boot[b] = group_resample(g, t, &rng);
	percentile_interval(boot, nboot, level, lo, hi);
	free(boot), free(t);
	return 0;
}

/* Each side's spread of per-run suite figures: for each run, the mean
 * over the cases with a median in it of their oriented distances from
 * their own mean of runs.  A run's conditions are shared by its cases, so
 * the run is the unit of the suite as of each row; with every case in
 * every run this is the spread of the runs' means of logs over the cases.
 * ss[s] the sum of squares, used[s] the runs with any case. */
static void suite_run_spread(const struct score_group *g, double ss[2], int used[2])
{
	for (int s = 0; s < 2; s++) {
		ss[s] = 0;
		used[s] = 0;
		for (int r = 0; r < g->nruns[s]; r++) {
			double sum = 0;
			int k = 0;
			for (int i = 0; i < g->n; i++) {
				const struct score_case *sc = &g->c[i];
				if (!isnan(sc->x[s][r]))
					sum += sc->sign * (sc->x[s][r] - sc->mean[s]), k++;
			}
			if (k) {
				ss[s] += (sum / k) * (sum / k);
				used[s]++;
			}
		}
	}
}

/* The interval (logs) of a group by runs around est, at level: the row's
 * Student's t (verdict.c's runs_se, mirrored here on the per-run suite
 * figures, as it is static there).  The base's spread, pooled with the
 * current runs' when every case has several; with one, a prediction
 * interval for a new run.  Each case's floor and fewer-repetitions
 * allowance carry over as if the cases moved together (the mean of their
 * spreads), the safe side; runs as the fewest any case has, so a case
 * missing from some runs never narrows the interval. */
static void runs_interval(const struct score_group *g, double est, double level, double *lo,
			  double *hi)
{
	double ss[2], floor_sd = 0, extra_sd = 0;
	int used[2], nb = g->c[0].present[0], nc = g->c[0].present[1];
	suite_run_spread(g, ss, used);
	for (int i = 0; i < g->n; i++) {
		const struct score_case *sc = &g->c[i];
		nb = sc->present[0] < nb ? sc->present[0] : nb;
		nc = sc->present[1] < nc ? sc->present[1] : nc;
		floor_sd += sc->floor / g->n;
		extra_sd += sqrt(sc->extra) / g->n;
	}
	bool pool = nc > 1;
	int dof = nb - 1 + (pool ? nc - 1 : 0);
	int dof_ss = used[0] - 1 + (pool ? used[1] - 1 : 0);
	double sd = fmax(sqrt((ss[0] + (pool ? ss[1] : 0)) / dof_ss), floor_sd);
	double se = sqrt(sd * sd * (1.0 / nb + 1.0 / nc) + extra_sd * extra_sd / nc);
	double tcrit = stats_t_quantile(1 - (1 - level) / 2, dof);
	*lo = est - tcrit * se;
	*hi = est + tcrit * se;
}

/* g's score into s (the state's label left to the caller); no interval
 * without one.  -1 out of memory. */
static int group_score(const struct score_group *g, double level, bool interval,
		       struct suite_score *s)
{
	double mean = 0;
	for (int i = 0; i < g->n; i++)
		mean += case_estimate(g, &g->c[i]) / g->n;
	s->ratio = exp(mean);
	s->lo = s->hi = NAN;
	s->ncases = g->n;
	s->exact = false;
	if (!interval)
		return 0;
	double lo, hi;
	if (g->unit == UNIT_RUNS)
		runs_interval(g, mean, level, &lo, &hi);
	else if (bootstrap_interval(g, level, &lo, &hi))
		return -1;
	s->lo = exp(lo);
	s->hi = exp(hi);
	return 0;
}

/* Instruction counts: the geometric mean of current / base over the
 * operations counted on both sides, exact. */
static void score_instructions(const struct sample_set *cur, const struct score_plan *plan,
			       struct judgement *j)
{
	double sum = 0;
	int n = 0;
	for (int i = 0; i < cur->ncases; i++) {
		const struct judge_row *r = plan[i].row;
		if (!plan[i].b || plan[i].f != FIG_INSTR || !(r->base > 0) || !(r->cur > 0))
			continue;
		sum += log(r->cur / r->base);
		n++;
	}
	if (n == 0 || j->nscores >= SCORES_MAX)
		return;
	struct suite_score *s = &j->scores[j->nscores++];
	snprintf(s->state, sizeof(s->state), "instructions");
	s->ratio = s->lo = s->hi = exp(sum / n);
	s->ncases = n;
	s->exact = true;
}

int score_judgement(const struct sample_set *base, const struct sample_set *cur,
		    const struct judge_opts *o, const struct states *st, struct judgement *j)
{
	j->nscores = 0;
	struct score_plan *plan = calloc((size_t)cur->ncases + 1, sizeof(*plan));
	if (!plan)
		return -ENOMEM;
	make_plans(base, cur, j, plan);
	struct score_group g = {0};
	g.unit = j->method == JUDGE_PAIRS		       ? UNIT_PAIRS
		 : j->method == JUDGE_RUNS && !j->one_run_each ? UNIT_RUNS
							       : UNIT_REPS;
	g.nruns[0] = base->nruns;
	g.nruns[1] = cur->nruns;
	g.step = fmax(base->clock_step, cur->clock_step);
	int nst = st->used ? st->n : 1;
	for (int k = 0; k < nst && j->nscores < SCORES_MAX; k++) {
		for (int i = 0; i < cur->ncases; i++)
			if (add_case(&g, st, &plan[i], &cur->cases[i], k))
				goto oom;
		if (g.n > 0) {
			struct suite_score *s = &j->scores[j->nscores];
			if (group_score(&g, o->level, !j->one_run_each, s))
				goto oom;
			if (st->used)
				snprintf(s->state, sizeof(s->state), "state %.0f-%.0f ns",
					 st->lo[k], st->hi[k]);
			else
				snprintf(s->state, sizeof(s->state), "no state recorded");
			j->nscores++;
		}
		group_free(&g);
	}
	score_instructions(cur, plan, j);
	free(plan);
	return 0;
oom:
	group_free(&g);
	free(plan);
	j->nscores = 0;
	return -ENOMEM;
}
