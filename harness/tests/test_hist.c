/* test_hist.c: the histogram's percentiles against data with known answers,
 * its relative error bound, and merging. */
#include "check.h"
#include "measure/hist.h"

#include <math.h>
#include <stdlib.h>

static struct hist h, g;

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static void within(uint64_t got, double want, double rel)
{
	if (fabs((double)got - want) > rel * want + 0.5) {
		fprintf(stderr, "got %llu, want %.1f (+-%.2f%%)\n", (unsigned long long)got, want,
			rel * 100);
		exit(1);
	}
}

int main(void)
{
	/* Bucket edges: contiguous, increasing, and each value in its own. */
	for (unsigned i = 0; i + 1 < HIST_BUCKETS; i++)
		CHECK(hist_bucket_low(i) < hist_bucket_low(i + 1));
	for (uint64_t v = 0; v < (1ULL << 40); v = v * 3 / 2 + 1) {
		unsigned i = hist_index(v);
		CHECK(hist_bucket_low(i) <= v);
		CHECK(i + 1 == HIST_BUCKETS || v < hist_bucket_low(i + 1));
		/* Bucket width over its low edge: the relative error bound. */
		if (i + 1 < HIST_BUCKETS && v >= 128)
			CHECK((double)(hist_bucket_low(i + 1) - hist_bucket_low(i)) /
				  (double)hist_bucket_low(i) <=
			      1.0 / 128 + 1e-12);
	}

	/* Small values are exact. */
	hist_init(&h);
	for (uint64_t v = 1; v <= 100; v++)
		hist_add(&h, v);
	CHECK_EQ(hist_quantile(&h, 0.5), 50);
	CHECK_EQ(hist_quantile(&h, 0.99), 99);
	CHECK_EQ(hist_quantile(&h, 1.0), 100);
	CHECK_EQ(h.min, 1);

	/* 1..1,000,000 ns uniformly: the q-quantile is q * 1e6, within the
	 * 0.4% the README promises (half a bucket: 1/256). */
	hist_init(&h);
	for (uint64_t v = 1; v <= 1000000; v++)
		hist_add(&h, v);
	CHECK_EQ(h.count, 1000000);
	within(hist_quantile(&h, 0.50), 500000, 0.004);
	within(hist_quantile(&h, 0.90), 900000, 0.004);
	within(hist_quantile(&h, 0.99), 990000, 0.004);
	within(hist_quantile(&h, 0.999), 999000, 0.004);
	CHECK_EQ(hist_quantile(&h, 1.0), 1000000);

	/* A bimodal sample: 99% at 300 ns, 1% at 30 us.  p50 and p99 sit in
	 * the first mode, p99.9 in the second. */
	hist_init(&g);
	for (int i = 0; i < 99000; i++)
		hist_add(&g, 300);
	for (int i = 0; i < 1000; i++)
		hist_add(&g, 30000);
	within(hist_quantile(&g, 0.50), 300, 0.004);
	within(hist_quantile(&g, 0.99), 300, 0.004);
	within(hist_quantile(&g, 0.999), 30000, 0.004);

	/* Merging adds counts and keeps the extremes. */
	hist_merge(&g, &h);
	CHECK_EQ(g.count, 1100000);
	CHECK_EQ(g.max, 1000000);
	CHECK_EQ(g.min, 1);

	/* Random samples over seven decades against the exact quantiles of
	 * the sorted sample: every one within 0.4%. */
	static uint64_t v[200000];
	hist_init(&h);
	uint64_t x = 88172645463325252ULL;
	for (int i = 0; i < 200000; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		v[i] = (uint64_t)(100.0 * pow(10.0, 7.0 * (double)(x >> 11) / 9007199254740992.0));
		hist_add(&h, v[i]);
	}
	qsort(v, 200000, sizeof(v[0]), cmp_u64);
	const double qs[] = {0.01, 0.1, 0.5, 0.75, 0.9, 0.99, 0.999, 0.9999};
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		size_t rank = (size_t)ceil(qs[i] * 200000);
		within(hist_quantile(&h, qs[i]), (double)v[rank - 1], 0.004);
	}

	/* Empty: zero, not garbage. */
	hist_init(&h);
	CHECK_EQ(hist_quantile(&h, 0.5), 0);
	printf("test_hist: ok\n");
	return 0;
}
