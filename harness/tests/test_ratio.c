/* test_ratio.c: the table's reference ratio on made-up repetitions with
 * known answers: only rounds whose two repetitions share a machine state
 * count, and of those only the state most rounds were in; no probes means
 * every round counts. */
#include "judge/states.h"
#include "measure/bench.h"
#include "check.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static struct bench_run rep(double rate, double state_before, double state_after)
{
	struct bench_run r;
	memset(&r, 0, sizeof(r));
	r.msgs_per_sec = rate;
	r.p50 = (uint64_t)(1e9 / rate);
	r.state_before_ns = state_before;
	r.state_after_ns = state_after;
	return r;
}

int main(void)
{
	struct bench_case stream = {.mode = MODE_STREAM}, pp = {.mode = MODE_PINGPONG};
	int rounds = 0;
	/* Six rounds: three fast (60 ns) at 1.5, 1.6 and 1.7x, two slow
	 * (300 ns) at 2.0x, one whose two repetitions fell in different
	 * states (3.0x, left out).  Every round would give 1.85x, every
	 * same-state round 1.7x; the fast state's rounds give 1.6x. */
	/* A slow round first, so the state of the first round is not taken. */
	struct bench_run ours[6] = {rep(20, 300, 305), rep(15, 60, 61), rep(16, 62, 62),
				    rep(17, 60, 60),   rep(30, 60, 60), rep(20, 290, 300)};
	struct bench_run ref[6] = {rep(10, 310, 300), rep(10, 61, 60),	 rep(10, 60, 61),
				   rep(10, 61, 61),   rep(10, 300, 300), rep(10, 300, 290)};
	double x = states_ratio(&stream, ours, ref, 6, &rounds);
	CHECK(fabs(x - 1.6) < 1e-9);
	CHECK(rounds == 3);
	/* Latency figures: ours over ref's p50, lower is better. */
	x = states_ratio(&pp, ours, ref, 6, &rounds);
	CHECK(fabs(x - 10.0 / 16) < 0.01);
	/* A repetition whose own two probes disagree is no state at all. */
	struct bench_run unsteady[1] = {rep(16, 60, 300)}, steady[1] = {rep(10, 60, 60)};
	x = states_ratio(&stream, unsteady, steady, 1, &rounds);
	CHECK(isnan(x) && rounds == 0);
	/* No probes (older results): every round counts. */
	struct bench_run a[3] = {rep(12, 0, 0), rep(14, 0, 0), rep(40, 0, 0)};
	struct bench_run b[3] = {rep(10, 0, 0), rep(10, 0, 0), rep(10, 0, 0)};
	x = states_ratio(&stream, a, b, 3, &rounds);
	CHECK(fabs(x - 1.4) < 1e-9 && rounds == 3);
	printf("test_ratio: ok\n");
	return 0;
}
