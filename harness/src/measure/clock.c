/* clock.c: choosing and calibrating the clock of clock.h. */
#include "measure/clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *bench_clock_name(const struct bench_clock *c)
{
	return c->kind == BENCH_CLOCK_TSC ? "tsc" : "monotonic";
}

/* The smallest non-zero step of CLOCK_MONOTONIC over many reads. */
static double monotonic_step(void)
{
	int64_t prev = sys_now_ns(), best = INT64_MAX;
	for (int i = 0; i < 200000; i++) {
		int64_t t = sys_now_ns();
		if (t > prev && t - prev < best)
			best = t - prev;
		prev = t;
	}
	return best == INT64_MAX ? 1 : (double)best;
}

#if BENCH_HAVE_TSC
/* The TSC's step in ticks: the median nonzero difference between
 * back-to-back reads.  Not one tick everywhere: AMD's Zen cores advance it
 * about every 10 ns, in steps of some 26 ticks with the odd one off by a
 * tick or two (docs/measuring.md), so neither a tick nor the smallest
 * difference is the resolution.  Where
 * the TSC does tick singly, this is the cost of a read instead, which is
 * also the closest two stamps can be. */
static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static uint64_t tsc_step(void)
{
	enum { N = 4096 };
	uint64_t d[N];
	int n = 0;
	uint64_t prev = __rdtsc();
	for (int i = 0; i < 64 * N && n < N; i++) {
		uint64_t t = __rdtsc();
		if (t > prev)
			d[n++] = t - prev;
		prev = t;
	}
	if (n == 0)
		return 1;
	qsort(d, (size_t)n, sizeof(d[0]), cmp_u64);
	return d[n / 2];
}
#endif

static bool cpu_flag(const char *flags, const char *flag)
{
	size_t n = strlen(flag);
	for (const char *p = flags; (p = strstr(p, flag)); p += n)
		if ((p == flags || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\n' || !p[n]))
			return true;
	return false;
}

static bool tsc_invariant(void)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[8192];
	bool yes = false;
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "flags", 5) == 0) {
			yes = cpu_flag(line, "constant_tsc") && cpu_flag(line, "nonstop_tsc");
			break;
		}
	fclose(f);
	if (!yes)
		return false;
	/* Constant rate is not agreement between CPUs: latency mode stamps
	 * on one CPU and reads on another.  The kernel checks the TSCs
	 * against each other and leaves "tsc" as its clocksource only while
	 * they agree; trust its verdict. */
	char src[64] = "";
	f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "r");
	if (!f)
		return false;
	if (!fgets(src, sizeof(src), f))
		src[0] = 0;
	fclose(f);
	return strcmp(src, "tsc\n") == 0;
}

#if BENCH_HAVE_TSC
/* One (tsc, ns) pair: the TSC read between two clock reads, the tightest
 * bracket of a few tries, the ns taken at its middle. */
static void pair(uint64_t *tsc, int64_t *ns)
{
	int64_t best = INT64_MAX;
	*tsc = 0;
	*ns = 0;
	for (int i = 0; i < 16; i++) {
		int64_t a = sys_now_ns();
		uint64_t t = __rdtsc();
		int64_t b = sys_now_ns();
		if (b - a < best) {
			best = b - a;
			*tsc = t;
			*ns = a + (b - a) / 2;
		}
	}
}
#endif

void bench_clock_init(struct bench_clock *c, bool allow_tsc, char *why, size_t n)
{
	memset(c, 0, sizeof(*c));
	c->kind = BENCH_CLOCK_MONOTONIC;
	c->hz = 1e9;
	c->mult = 1;
	c->shift = 0;
	const char *env = getenv("RINGBENCH_CLOCK");
	bool forced = env && strcmp(env, "monotonic") == 0;
#if BENCH_HAVE_TSC
	if (allow_tsc && !forced && tsc_invariant()) {
		uint64_t t0, t1;
		int64_t n0, n1;
		pair(&t0, &n0);
		struct timespec ts = {0, 50000000};
		nanosleep(&ts, NULL);
		pair(&t1, &n1);
		if (t1 > t0 && n1 > n0) {
			c->kind = BENCH_CLOCK_TSC;
			c->hz = (double)(t1 - t0) * 1e9 / (double)(n1 - n0);
			c->shift = 32;
			c->mult = (uint64_t)(1e9 / c->hz * 4294967296.0 + 0.5);
			c->resolution_ns = (double)tsc_step() * 1e9 / c->hz;
			snprintf(
			    why, n,
			    "tsc: invariant (constant_tsc, nonstop_tsc, the kernel's clocksource), "
			    "%.4f GHz calibrated "
			    "against CLOCK_MONOTONIC, resolution %.2f ns (measured step)",
			    c->hz / 1e9, c->resolution_ns);
			return;
		}
	}
#endif
	c->resolution_ns = monotonic_step();
	snprintf(why, n, "monotonic: %s, resolution %.0f ns (measured)",
		 forced		  ? "RINGBENCH_CLOCK=monotonic"
		 : !allow_tsc	  ? "the TSC was not allowed"
		 : BENCH_HAVE_TSC ? "the TSC is not invariant, or not the kernel's clocksource"
				  : "no TSC on this architecture",
		 c->resolution_ns);
}
