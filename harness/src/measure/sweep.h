/* sweep.h: a round-trip matrix over every ordered pair of CPUs, so a user
 * sees what SMT siblings, cores of one cache complex and cores across
 * sockets cost before choosing where to pin. */
#ifndef SWEEP_H
#define SWEEP_H

#include <stdio.h>

#define SWEEP_MAX_CPUS 256

/* Measure one ordered pair (client on a, server on b): the round trip in
 * ns, or a negative -errno. */
typedef double (*sweep_measure_fn)(int a, int b, void *ctx);

/* Fill m[i * n + j] for every i != j (the diagonal is NaN) by calling
 * measure for (cpus[i], cpus[j]), row by row; progress is called after each
 * pair when not NULL.  Returns the number of pairs that failed. */
int sweep_matrix(const int *cpus, int n, sweep_measure_fn measure, void *ctx, double *m,
		 void (*progress)(int done, int total));

/* Print the matrix: a header row of server CPUs, a row per client CPU, the
 * round trip in ns ("-" on the diagonal, "fail" where it failed). */
void sweep_print(FILE *f, const int *cpus, int n, const double *m);

/* Parse "0,1,4-7" or "all" (every CPU this process may run on, from
 * its affinity mask) into cpus.  Returns how many, or -1 with err: an
 * unknown form, a CPU outside the affinity mask (named), fewer than two, or
 * more than SWEEP_MAX_CPUS. */
int sweep_parse_cpus(const char *s, int *cpus, char *err, size_t n);

#endif
