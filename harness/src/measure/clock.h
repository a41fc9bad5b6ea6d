/* clock.h: the clock the workers stamp with.  On a CPU whose time stamp
 * counter is invariant (constant rate, not stopped in idle states) it is the
 * TSC, calibrated against CLOCK_MONOTONIC: a read costs a third of a
 * clock_gettime() here and resolves a fraction of a nanosecond.  Elsewhere,
 * or when RINGBENCH_CLOCK=monotonic, it is CLOCK_MONOTONIC itself.  The
 * harness calibrates once and hands the result to both workers in the
 * control block, so their stamps are on one scale. */
#ifndef CLOCK_H
#define CLOCK_H

#include "sys.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define BENCH_HAVE_TSC 1
#else
#define BENCH_HAVE_TSC 0
#endif

enum bench_clock_kind {
	BENCH_CLOCK_MONOTONIC = 0,
	BENCH_CLOCK_TSC = 1,
};

/* Plain data: it lives in the control block shared with the workers. */
struct bench_clock {
	uint32_t kind;	/* enum bench_clock_kind */
	uint32_t shift; /* ns = ticks * mult >> shift */
	uint64_t mult;
	double hz;	      /* ticks per second */
	double resolution_ns; /* the smallest step between two reads */
};

/*
 * Choose and calibrate the clock: the TSC when allow_tsc and the CPU says it
 * is invariant (constant_tsc and nonstop_tsc in /proc/cpuinfo), else
 * CLOCK_MONOTONIC.  Takes about 50 ms.  why gets a sentence saying which
 * and why.
 */
void bench_clock_init(struct bench_clock *c, bool allow_tsc, char *why, size_t n);

/* "tsc" or "monotonic". */
const char *bench_clock_name(const struct bench_clock *c);

/* A reading: TSC ticks, or CLOCK_MONOTONIC nanoseconds.  A plain rdtsc, not
 * serialising: it may run a few instructions early, a bound far below the
 * round trips it times. */
static inline uint64_t bench_clock_now(const struct bench_clock *c)
{
#if BENCH_HAVE_TSC
	if (c->kind == BENCH_CLOCK_TSC)
		return __rdtsc();
#endif
	(void)c;
	return (uint64_t)sys_now_ns();
}

/* Nanoseconds between two readings (0 if t1 is before t0). */
static inline uint64_t bench_clock_ns(const struct bench_clock *c, uint64_t t0, uint64_t t1)
{
	if (t1 <= t0)
		return 0;
	if (c->kind != BENCH_CLOCK_TSC)
		return t1 - t0;
	return (uint64_t)(((unsigned __int128)(t1 - t0) * c->mult) >> c->shift);
}

/* Readings in `ns` nanoseconds. */
static inline uint64_t bench_clock_ticks(const struct bench_clock *c, double ns)
{
	return c->kind == BENCH_CLOCK_TSC ? (uint64_t)(ns * c->hz / 1e9) : (uint64_t)ns;
}

#endif
