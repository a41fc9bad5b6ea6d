/* test_hist.c: the histogram's percentiles against data with known answers,
 * its relative error bound, and merging. */
#include "check.h"
#include "hist.h"

#include <math.h>
#include <stdlib.h>

static struct hist h, g;

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

	/* 1..1,000,000 ns uniformly: the q-quantile is q * 1e6, within 1%. */
	hist_init(&h);
	for (uint64_t v = 1; v <= 1000000; v++)
		hist_add(&h, v);
	CHECK_EQ(h.count, 1000000);
	within(hist_quantile(&h, 0.50), 500000, 0.01);
	within(hist_quantile(&h, 0.90), 900000, 0.01);
	within(hist_quantile(&h, 0.99), 990000, 0.01);
	within(hist_quantile(&h, 0.999), 999000, 0.01);
	CHECK_EQ(hist_quantile(&h, 1.0), 1000000);

	/* A bimodal sample: 99% at 300 ns, 1% at 30 us.  p50 and p99 sit in
	 * the first mode, p99.9 in the second. */
	hist_init(&g);
	for (int i = 0; i < 99000; i++)
		hist_add(&g, 300);
	for (int i = 0; i < 1000; i++)
		hist_add(&g, 30000);
	within(hist_quantile(&g, 0.50), 300, 0.01);
	within(hist_quantile(&g, 0.99), 300, 0.01);
	within(hist_quantile(&g, 0.999), 30000, 0.01);

	/* Merging adds counts and keeps the extremes. */
	hist_merge(&g, &h);
	CHECK_EQ(g.count, 1100000);
	CHECK_EQ(g.max, 1000000);
	CHECK_EQ(g.min, 1);

	/* Empty: zero, not garbage. */
	hist_init(&h);
	CHECK_EQ(hist_quantile(&h, 0.5), 0);
	printf("test_hist: ok\n");
	return 0;
}
