/* stats.h: the statistics behind every verdict, on plain arrays of log
 * figures.  Tests are permutation tests: exact where the arrangements are
 * few enough to count, Monte Carlo with a fixed seed otherwise, so the same
 * files always get the same verdict.  Intervals are percentile bootstraps,
 * seeded the same way.
 *
 * No distribution is assumed: this machine's figures come in states (a
 * round trip near 150 ns or near 530 ns), which no normal model fits. */
#ifndef STATS_H
#define STATS_H

#include <stdint.h>

/* Arrangements counted exactly up to this many; sampled beyond. */
#define STATS_EXACT_MAX	   65536
#define STATS_PERMUTATIONS 20000
#define STATS_BOOTSTRAP	   2000

struct stats_rng {
	uint64_t s;
};

void stats_rng_seed(struct stats_rng *r, uint64_t seed);
uint64_t stats_rng_next(struct stats_rng *r);
/* Uniform in [0, n). */
int stats_rng_below(struct stats_rng *r, int n);

/* v[0..n) in ascending order. */
void stats_sort(double *v, int n);
/* Median of v[0..n), which is left as it is; NaN for n == 0 (or out of
 * memory). */
double stats_median(const double *v, int n);
/* 1.4826 times the median absolute deviation: a standard deviation that
 * one outlier cannot move (NaN for n == 0). */
double stats_robust_sd(const double *v, int n);

/* Two groups in strata.  x[i] is a value, g[i] its group (0 base, 1
 * current) and s[i] its stratum, in [0, nstrata).  Returns the two-sided p
 * of van Elteren's stratified rank-sum statistic (Wilcoxon's within each
 * stratum, weighted by 1/(n+1)), by relabelling within strata; *min_p is
 * the smallest p any arrangement of these group sizes could give, so a
 * caller can tell "no difference" from "too few repetitions to tell".
 * Strata holding only one group carry no information and are skipped. */
double stats_ranksum_p(const double *x, const int *g, const int *s, int n, int nstrata,
		       double *min_p);

/* Paired differences d[0..n): the two-sided p of Wilcoxon's signed-rank
 * statistic by sign flips (zero differences carry no sign and are left
 * out); *min_p as above. */
double stats_signrank_p(const double *d, int n, double *min_p);

/* The change between the groups of stats_ranksum_p's input: the weighted
 * mean over strata of median(current) - median(base) (logs, so a ratio),
 * weights n_base*n_current/(n_base+n_current); and its bootstrap interval
 * at `level` (e.g. 0.95), resampling each group within each stratum. */
void stats_change_strata(const double *x, const int *g, const int *s, int n, int nstrata,
			 double level, double *est, double *lo, double *hi);

/* The median of paired differences and its bootstrap interval. */
void stats_change_paired(const double *d, int n, double level, double *est, double *lo, double *hi);

/* Student's t with dof degrees of freedom: the upper tail P(T > t), and
 * the quantile (the t with P(T <= t) = p).  NaN for a bad argument. */
double stats_t_sf(double t, double dof);
double stats_t_quantile(double p, double dof);

#endif
