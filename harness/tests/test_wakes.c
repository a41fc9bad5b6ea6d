/* test_wakes.c: doctor's rule for "each wake reaches the other process",
 * fed round trips with known answers through the histogram the runs use.
 * The lost-wake cases are the shapes seen with wakes made private: every
 * round trip a slept-out 50 ms slice, and (on a busy CI host) half of them
 * sparing the sleep because the other side was still awake. */
#include "check.h"
#include "measure/evidence.h"
#include "measure/hist.h"

#include <stdbool.h>

static struct hist h;

static bool judge(const uint64_t *rt, int n, int copies)
{
	hist_init(&h);
	for (int c = 0; c < copies; c++)
		for (int i = 0; i < n; i++)
			hist_add(&h, rt[i]);
	return evidence_wakes_cross(hist_quantile(&h, 0.5), hist_quantile(&h, 0.9));
}

int main(void)
{
	/* Every round trip slept out a slice: 4 in 0.2 s. */
	const uint64_t all_lost[] = {50200600, 50200600, 50200600, 50200600};
	CHECK(!judge(all_lost, 4, 1));
	/* CI's case: 6 round trips, the median 28 us, one two slices long. */
	const uint64_t half_lost[] = {21000, 28400, 30000, 50200600, 50300000, 100312800};
	CHECK(!judge(half_lost, 6, 1));
	/* One in five lost: still most of the run is spent asleep. */
	const uint64_t fifth_lost[] = {30000, 31000, 32000, 33000, 50200600};
	CHECK(!judge(fifth_lost, 5, 1));
	/* Healthy: thousands of round trips of tens of microseconds, a few
	 * preempted for a whole slice or more. */
	const uint64_t healthy[] = {43600, 49800, 56700, 58800, 59300, 101600, 275500, 1200000};
	CHECK(judge(healthy, 8, 500));
	uint64_t tail[1000];
	for (int i = 0; i < 1000; i++)
		tail[i] = i < 990 ? 50000 : 60000000; /* 1% at 60 ms */
	CHECK(judge(tail, 1000, 1));
	/* A median at the limit fails on its own. */
	const uint64_t slow[] = {6000000, 6000000, 6000000};
	CHECK(!judge(slow, 3, 1));
	printf("test_wakes: ok\n");
	return 0;
}
