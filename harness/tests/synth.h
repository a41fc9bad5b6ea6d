/* synth.h: what the tests on synthetic results share: a check that counts
 * its failures (so one run reports every wrong answer), and a seeded
 * generator of normal draws, so each check has one right answer. */
#ifndef SYNTH_H
#define SYNTH_H

#include "judge/stats.h"

#include <math.h>
#include <stdio.h>

static int failures;
#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

static struct stats_rng rng;

/* A standard normal draw (Box-Muller). */
static inline double gauss(void)
{
	double u = ((double)(stats_rng_next(&rng) >> 11) + 0.5) / 9007199254740992.0;
	double v = ((double)(stats_rng_next(&rng) >> 11) + 0.5) / 9007199254740992.0;
	return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

#endif
