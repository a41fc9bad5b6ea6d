/* stats.c: permutation tests and bootstrap intervals (stats.h). */
#include "judge/stats.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define SEED 0x7269676265ULL /* fixed: the same files, the same verdict */

void stats_rng_seed(struct stats_rng *r, uint64_t seed)
{
	r->s = seed;
}

/* splitmix64: small, fast, and good enough to draw resamples. */
uint64_t stats_rng_next(struct stats_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

int stats_rng_below(struct stats_rng *r, int n)
{
	return (int)(((stats_rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

void stats_sort(double *v, int n)
{
	if (n > 1)
		qsort(v, (size_t)n, sizeof(*v), cmp_double);
}

/* Medians are mostly of a few repetitions: those are sorted on the stack,
 * so that a bootstrap's thousands of medians allocate nothing. */
#define MEDIAN_ON_STACK 64

double stats_median(const double *v, int n)
{
	if (n <= 0)
		return NAN;
	double stack[MEDIAN_ON_STACK];
	double *t = n <= MEDIAN_ON_STACK ? stack : malloc((size_t)n * sizeof(*t));
	if (!t)
		return NAN;
	memcpy(t, v, (size_t)n * sizeof(*t));
	stats_sort(t, n);
	double m = n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
	if (t != stack)
		free(t);
	return m;
}

double stats_robust_sd(const double *v, int n)
{
	if (n <= 0)
		return NAN;
	double *t = malloc((size_t)n * sizeof(*t));
	if (!t)
		return NAN;
	double m = stats_median(v, n);
	for (int i = 0; i < n; i++)
		t[i] = fabs(v[i] - m);
	double mad = stats_median(t, n);
	free(t);
	return 1.4826 * mad;
}

static const double *rank_values; /* qsort has no context argument */

static int cmp_index(const void *a, const void *b)
{
	double x = rank_values[*(const int *)a], y = rank_values[*(const int *)b];
	return (x > y) - (x < y);
}

/* Average ranks (1-based) of v[0..n) into r, ties sharing their mean. */
static void ranks(const double *v, int n, double *r)
{
	int *idx = malloc((size_t)n * sizeof(*idx));
	if (!idx) {
		for (int i = 0; i < n; i++)
			r[i] = 0;
		return;
	}
	for (int i = 0; i < n; i++)
		idx[i] = i;
	rank_values = v;
	qsort(idx, (size_t)n, sizeof(*idx), cmp_index);
	for (int i = 0; i < n;) {
		int j = i;
		while (j + 1 < n && v[idx[j + 1]] == v[idx[i]])
			j++;
		double avg = (i + j) / 2.0 + 1;
		for (int k = i; k <= j; k++)
			r[idx[k]] = avg;
		i = j + 1;
	}
	free(idx);
}

static double choose(int n, int k)
{
	double c = 1;
	for (int i = 1; i <= k; i++)
		c = c * (n - k + i) / i;
	return c;
}

/* Two-sided tail of a statistic's distribution: how many of vals are at
 * least as far from 0 as obs, and as the farthest. */
static void tails(const double *vals, long nv, double obs, double *p, double *min_p)
{
	double far = 0, eps = 1e-9 * (1 + fabs(obs));
	for (long i = 0; i < nv; i++)
		far = fabs(vals[i]) > far ? fabs(vals[i]) : far;
	long at_obs = 0, at_far = 0;
	for (long i = 0; i < nv; i++) {
		at_obs += fabs(vals[i]) >= fabs(obs) - eps;
		at_far += fabs(vals[i]) >= far - 1e-9 * (1 + far);
	}
	*p = (double)at_obs / (double)nv;
	*min_p = (double)at_far / (double)nv;
}

/* One stratum of the rank-sum test: its ranks and its current group's size. */
struct stratum {
	double *r; /* ranks of the stratum's values */
	int n, k;  /* values, of which in the current group */
};

static double stratum_stat(const struct stratum *st, double rank_sum)
{
	return (rank_sum - st->k * (st->n + 1) / 2.0) / (st->n + 1);
}

/* Every value of one stratum's statistic over the k-subsets of its ranks
 * (by the smaller of k and n - k: the complement's sum is the total less
 * the subset's).  At most max values; 0 if the subsets are too many. */
static long stratum_values(const struct stratum *st, double *out, long max)
{
	int idx[64];
	long m = 0;
	bool complement = st->k > st->n - st->k;
	int k = complement ? st->n - st->k : st->k;
	if (k > 64)
		return 0;
	double total = 0;
	for (int i = 0; i < st->n; i++)
		total += st->r[i];
	for (int i = 0; i < k; i++)
		idx[i] = i;
	for (;;) {
		double sum = 0;
		for (int i = 0; i < k; i++)
			sum += st->r[idx[i]];
		if (m >= max)
			return 0;
		out[m++] = stratum_stat(st, complement ? total - sum : sum);
		int i = k - 1;
		while (i >= 0 && idx[i] == st->n - k + i)
			i--;
		if (i < 0)
			break;
		idx[i]++;
		for (int j = i + 1; j < k; j++)
			idx[j] = idx[j - 1] + 1;
	}
	return m;
}

/* The strata of one rank-sum test, and its statistic over them. */
struct ranked {
	struct stratum *st; /* the strata that hold both groups */
	int used;	    /* how many */
	double obs;	    /* the observed statistic, summed over them */
	double total;	    /* relabellings in all: the product of each stratum's */
};

/* Rank within each stratum; keep the strata that hold both groups,
 * with their ranks ordered current-group first (for the statistic).
 * val, rk and grp hold n each; the kept strata's ranks stay in rk. */
static void rank_strata(const double *x, const int *g, const int *s, int n, int nstrata,
			double *val, double *rk, int *grp, struct ranked *rs)
{
	int off = 0;
	for (int k = 0; k < nstrata; k++) {
		int m = 0, cur = 0;
		for (int i = 0; i < n; i++)
			if (s[i] == k) {
				val[off + m] = x[i];
				grp[off + m] = g[i];
				cur += g[i] == 1;
				m++;
			}
		if (m == 0 || cur == 0 || cur == m)
			continue;
		ranks(val + off, m, rk + off);
		double sum = 0;
		for (int i = 0; i < m; i++)
			sum += grp[off + i] == 1 ? rk[off + i] : 0;
		rs->st[rs->used] = (struct stratum){.r = rk + off, .n = m, .k = cur};
		rs->obs += stratum_stat(&rs->st[rs->used], sum);
		rs->total *= choose(m, cur);
		rs->used++;
		off += m;
	}
}

/* Exact: the distribution over every relabelling, built one
 * stratum at a time as sums of each stratum's values.  Leaves *p and
 * *min_p as they are when out of memory. */
static void exact_p(const struct ranked *rs, double *p, double *min_p)
{
	double *dist = malloc(STATS_EXACT_MAX * sizeof(*dist));
	double *next = malloc(STATS_EXACT_MAX * sizeof(*next));
	double *one = malloc(STATS_EXACT_MAX * sizeof(*one));
	if (!dist || !next || !one) {
		free(dist);
		free(next);
		free(one);
		return;
	}
	long nd = 1;
	dist[0] = 0;
	for (int k = 0; k < rs->used; k++) {
		long m = stratum_values(&rs->st[k], one, STATS_EXACT_MAX), nn = 0;
		if (m == 0) { /* cannot happen within STATS_EXACT_MAX; be safe */
			nd = 0;
			break;
		}
		for (long a = 0; a < nd; a++)
			for (long b = 0; b < m && nn < STATS_EXACT_MAX; b++)
				next[nn++] = dist[a] + one[b];
		double *t = dist;
		dist = next;
		next = t;
		nd = nn;
	}
	if (nd > 0)
		tails(dist, nd, rs->obs, p, min_p);
	free(dist);
	free(next);
	free(one);
}

/* The statistic of one random relabelling within each stratum; tmp
 * holds as many values as the largest stratum. */
static double relabelled_stat(const struct ranked *rs, struct stats_rng *rng, double *tmp)
{
	double t = 0;
	for (int k = 0; k < rs->used; k++) {
		int m = rs->st[k].n;
		memcpy(tmp, rs->st[k].r, (size_t)m * sizeof(double));
		double sum = 0;
		for (int i = 0; i < rs->st[k].k && i < m; i++) {
			int j = i + stats_rng_below(rng, m - i);
			double sw = tmp[i];
			tmp[i] = tmp[j];
			tmp[j] = sw;
			sum += tmp[i];
		}
		t += stratum_stat(&rs->st[k], sum);
	}
	return t;
}

/* Sampled: random relabellings within each stratum.  Leaves *p and
 * *min_p as they are when out of memory. */
static void sampled_p(const struct ranked *rs, int n, double *p, double *min_p)
{
	struct stats_rng rng;
	stats_rng_seed(&rng, SEED);
	double eps = 1e-9 * (1 + fabs(rs->obs));
	long hits = 0;
	double *tmp = malloc((size_t)n * sizeof(double));
	if (!tmp)
		return;
	for (int it = 0; it < STATS_PERMUTATIONS; it++)
		hits += fabs(relabelled_stat(rs, &rng, tmp)) >= fabs(rs->obs) - eps;
	free(tmp);
	*p = (double)(hits + 1) / (STATS_PERMUTATIONS + 1);
	double floor_p = 1.0 / (STATS_PERMUTATIONS + 1);
	*min_p = 2 / rs->total > floor_p ? 2 / rs->total : floor_p;
}

double stats_ranksum_p(const double *x, const int *g, const int *s, int n, int nstrata,
		       double *min_p)
{
	struct stratum *st = calloc((size_t)(nstrata > 0 ? nstrata : 1), sizeof(*st));
	double *val = malloc((size_t)(n > 0 ? n : 1) * sizeof(*val));
	double *rk = malloc((size_t)(n > 0 ? n : 1) * sizeof(*rk));
	int *grp = malloc((size_t)(n > 0 ? n : 1) * sizeof(*grp));
	double p = 1;
	*min_p = 1;
	if (!st || !val || !rk || !grp)
		goto out;
	struct ranked rs = {.st = st, .used = 0, .obs = 0, .total = 1};
	rank_strata(x, g, s, n, nstrata, val, rk, grp, &rs);
	if (rs.used == 0)
		goto out;
	if (rs.total <= STATS_EXACT_MAX)
		exact_p(&rs, &p, min_p);
	else
		sampled_p(&rs, n, &p, min_p);
out:
	free(st);
	free(val);
	free(rk);
	free(grp);
	return p;
}

double stats_signrank_p(const double *d, int n, double *min_p)
{
	double *a = malloc((size_t)(n > 0 ? n : 1) * sizeof(*a));
	double *r = malloc((size_t)(n > 0 ? n : 1) * sizeof(*r));
	int *sign = malloc((size_t)(n > 0 ? n : 1) * sizeof(*sign));
	double p = 1;
	*min_p = 1;
	int m = 0;
	if (!a || !r || !sign)
		goto out;
	for (int i = 0; i < n; i++)
		if (d[i] != 0) {
			a[m] = fabs(d[i]);
			sign[m] = d[i] > 0 ? 1 : -1;
			m++;
		}
	if (m == 0)
		goto out;
	ranks(a, m, r);
	double obs = 0;
	for (int i = 0; i < m; i++)
		obs += sign[i] * r[i];
	if (m <= 16) {
		long nv = 1L << m;
		double *vals = malloc((size_t)nv * sizeof(*vals));
		if (!vals)
			goto out;
		for (long mask = 0; mask < nv; mask++) {
			double t = 0;
			for (int i = 0; i < m; i++)
				t += (mask >> i) & 1 ? r[i] : -r[i];
			vals[mask] = t;
		}
		tails(vals, nv, obs, &p, min_p);
		free(vals);
	} else {
		struct stats_rng rng;
		stats_rng_seed(&rng, SEED);
		double eps = 1e-9 * (1 + fabs(obs));
		long hits = 0;
		for (int it = 0; it < STATS_PERMUTATIONS; it++) {
			double t = 0;
			for (int i = 0; i < m; i++)
				t += stats_rng_next(&rng) & 1 ? r[i] : -r[i];
			hits += fabs(t) >= fabs(obs) - eps;
		}
		p = (double)(hits + 1) / (STATS_PERMUTATIONS + 1);
		double floor_p = 1.0 / (STATS_PERMUTATIONS + 1), exact = 2 / ldexp(1, m);
		*min_p = exact > floor_p ? exact : floor_p;
	}
out:
	free(a);
	free(r);
	free(sign);
	return p;
}

static void interval(double *v, int n, double level, double *lo, double *hi)
{
	stats_sort(v, n);
	double tail = (1 - level) / 2;
	int i = (int)floor(tail * (n - 1)), j = (int)ceil((1 - tail) * (n - 1));
	*lo = v[i];
	*hi = v[j];
}

/* The stratified change of one (re)sample: buf holds scratch space. */
static double strata_change(const double *x, const int *g, const int *s, int n, int nstrata,
			    struct stats_rng *rng, double *b0, double *b1)
{
	double num = 0, den = 0;
	for (int k = 0; k < nstrata; k++) {
		int n0 = 0, n1 = 0;
		for (int i = 0; i < n; i++)
			if (s[i] == k) {
				if (g[i])
					b1[n1++] = x[i];
				else
					b0[n0++] = x[i];
			}
		if (!n0 || !n1)
			continue;
		if (rng) {
			/* Resample in place from a copy kept past the end of the
			 * scratch (b0 and b1 are n long; each group fits twice). */
			double *t0 = b0 + n0, *t1 = b1 + n1;
			memcpy(t0, b0, (size_t)n0 * sizeof(double));
			memcpy(t1, b1, (size_t)n1 * sizeof(double));
			for (int i = 0; i < n0; i++)
				b0[i] = t0[stats_rng_below(rng, n0)];
			for (int i = 0; i < n1; i++)
				b1[i] = t1[stats_rng_below(rng, n1)];
		}
		double w = (double)n0 * n1 / (n0 + n1);
		num += w * (stats_median(b1, n1) - stats_median(b0, n0));
		den += w;
	}
	return den > 0 ? num / den : NAN;
}

void stats_change_strata(const double *x, const int *g, const int *s, int n, int nstrata,
			 double level, double *est, double *lo, double *hi)
{
	*est = *lo = *hi = NAN;
	double *b0 = malloc((size_t)(n > 0 ? 2 * n : 1) * sizeof(double));
	double *b1 = malloc((size_t)(n > 0 ? 2 * n : 1) * sizeof(double));
	double *boot = malloc(STATS_BOOTSTRAP * sizeof(double));
	if (b0 && b1 && boot) {
		*est = strata_change(x, g, s, n, nstrata, NULL, b0, b1);
		if (!isnan(*est)) {
			struct stats_rng rng;
			stats_rng_seed(&rng, SEED);
			for (int i = 0; i < STATS_BOOTSTRAP; i++)
				boot[i] = strata_change(x, g, s, n, nstrata, &rng, b0, b1);
			interval(boot, STATS_BOOTSTRAP, level, lo, hi);
		}
	}
	free(b0);
	free(b1);
	free(boot);
}

void stats_change_paired(const double *d, int n, double level, double *est, double *lo, double *hi)
{
	*est = *lo = *hi = NAN;
	if (n <= 0)
		return;
	double *t = malloc((size_t)n * sizeof(double));
	double *boot = malloc(STATS_BOOTSTRAP * sizeof(double));
	if (t && boot) {
		*est = stats_median(d, n);
		struct stats_rng rng;
		stats_rng_seed(&rng, SEED);
		for (int b = 0; b < STATS_BOOTSTRAP; b++) {
			for (int i = 0; i < n; i++)
				t[i] = d[stats_rng_below(&rng, n)];
			boot[b] = stats_median(t, n);
		}
		interval(boot, STATS_BOOTSTRAP, level, lo, hi);
	}
	free(t);
	free(boot);
}

/* The regularised incomplete beta function I_x(a, b), by its continued
 * fraction (modified Lentz), on the side of x where it converges fast. */
static double beta_fraction(double x, double a, double b)
{
	const double tiny = 1e-300;
	double c = 1, d = 1 - (a + b) * x / (a + 1);
	d = fabs(d) < tiny ? 1 / tiny : 1 / d;
	double f = d;
	for (int m = 1; m <= 500; m++) {
		/* the even step, then the odd one */
		double num = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m));
		d = 1 + num * d;
		c = 1 + num / c;
		d = fabs(d) < tiny ? 1 / tiny : 1 / d;
		c = fabs(c) < tiny ? tiny : c;
		f *= d * c;
		num = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1));
		d = 1 + num * d;
		c = 1 + num / c;
		d = fabs(d) < tiny ? 1 / tiny : 1 / d;
		c = fabs(c) < tiny ? tiny : c;
		double delta = d * c;
		f *= delta;
		if (fabs(delta - 1) < 1e-15)
			break;
	}
	return f;
}

static double incomplete_beta(double x, double a, double b)
{
	if (x <= 0)
		return 0;
	if (x >= 1)
		return 1;
	double front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x));
	if (x < (a + 1) / (a + b + 2))
		return front * beta_fraction(x, a, b) / a;
	return 1 - front * beta_fraction(1 - x, b, a) / b;
}

double stats_t_sf(double t, double dof)
{
	if (isnan(t) || !(dof > 0))
		return NAN;
	double tail = 0.5 * incomplete_beta(dof / (dof + t * t), dof / 2, 0.5);
	return t >= 0 ? tail : 1 - tail;
}

double stats_t_quantile(double p, double dof)
{
	if (!(p > 0 && p < 1) || !(dof > 0))
		return NAN;
	if (p < 0.5)
		return -stats_t_quantile(1 - p, dof);
	/* The upper tail 1 - p falls as t grows: bisect on it. */
	double lo = 0, hi = 1;
	while (stats_t_sf(hi, dof) > 1 - p && hi < 1e12)
		hi *= 2;
	for (int i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
		double mid = (lo + hi) / 2;
		if (stats_t_sf(mid, dof) > 1 - p)
			lo = mid;
		else
			hi = mid;
	}
	return (lo + hi) / 2;
}
