/* test_clock.c: the workers' clock.  Calibrated TSC readings agree with
 * CLOCK_MONOTONIC within 0.1% over a second; without an invariant TSC, when
 * the TSC is not allowed, or with RINGBENCH_CLOCK=monotonic, the clock is
 * CLOCK_MONOTONIC and says why; conversions are exact for it. */
#include "check.h"
#include "measure/clock.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static void agrees_over_a_second(const struct bench_clock *c)
{
	uint64_t t0 = bench_clock_now(c);
	int64_t m0 = sys_now_ns();
	struct timespec ts = {1, 0};
	nanosleep(&ts, NULL);
	uint64_t t1 = bench_clock_now(c);
	int64_t m1 = sys_now_ns();
	double got = (double)bench_clock_ns(c, t0, t1), want = (double)(m1 - m0);
	printf("test_clock: %s: %.0f ns against CLOCK_MONOTONIC's %.0f (%+.5f%%)\n",
	       bench_clock_name(c), got, want, (got - want) / want * 100);
	CHECK(got > want * 0.999 && got < want * 1.001);
	/* ns <-> ticks round trip */
	uint64_t ticks = bench_clock_ticks(c, 1e9);
	double back = (double)bench_clock_ns(c, 1000, 1000 + ticks);
	CHECK(back > 0.999e9 && back < 1.001e9);
}

int main(void)
{
	char why[200];
	struct bench_clock c;
	unsetenv("RINGBENCH_CLOCK");
	bench_clock_init(&c, true, why, sizeof(why));
	printf("test_clock: %s\n", why);
	CHECK(c.resolution_ns > 0 && c.hz > 0);
	CHECK(strncmp(why, bench_clock_name(&c), strlen(bench_clock_name(&c))) == 0);
	if (c.kind == BENCH_CLOCK_TSC) {
		/* A measured step, not one tick: at least a tick, and an
		 * invariant TSC advances at least every 100 ns (AMD Zen's: 10 ns). */
		CHECK(c.resolution_ns >= 1e9 / c.hz * 0.999 && c.resolution_ns < 100);
		agrees_over_a_second(&c);
	} else {
		printf("test_clock: no invariant TSC here; only the fallback is tested\n");
	}

	/* The fallback: not allowed, or refused by the environment. */
	bench_clock_init(&c, false, why, sizeof(why));
	CHECK_EQ(c.kind, BENCH_CLOCK_MONOTONIC);
	CHECK(strstr(why, "not allowed") != NULL);
	CHECK(c.resolution_ns >= 1 && c.resolution_ns < 1e6);
	setenv("RINGBENCH_CLOCK", "monotonic", 1);
	bench_clock_init(&c, true, why, sizeof(why));
	CHECK_EQ(c.kind, BENCH_CLOCK_MONOTONIC);
	CHECK(strstr(why, "RINGBENCH_CLOCK=monotonic") != NULL);
	CHECK_EQ(bench_clock_ns(&c, 1000, 4000), 3000);
	CHECK_EQ(bench_clock_ns(&c, 4000, 1000), 0);
	CHECK_EQ(bench_clock_ticks(&c, 2500), 2500);
	agrees_over_a_second(&c);
	printf("test_clock: ok\n");
	return 0;
}
