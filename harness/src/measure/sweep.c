/* sweep.c: the round-trip matrix (sweep.h). */
#include "measure/sweep.h"

#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

int sweep_matrix(const int *cpus, int n, sweep_measure_fn measure, void *ctx, double *m,
		 void (*progress)(int done, int total))
{
	int failed = 0, done = 0, total = n * (n - 1);
	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++) {
			if (i == j) {
				m[i * n + j] = NAN;
				continue;
			}
			double v = measure(cpus[i], cpus[j], ctx);
			m[i * n + j] = v;
			failed += v < 0;
			if (progress)
				progress(++done, total);
		}
	return failed;
}

void sweep_print(FILE *f, const int *cpus, int n, const double *m)
{
	fprintf(f, "round trip p50, ns (client CPU down, server CPU across)\n%8s", "");
	for (int j = 0; j < n; j++)
		fprintf(f, " %7d", cpus[j]);
	fprintf(f, "\n");
	for (int i = 0; i < n; i++) {
		fprintf(f, "%8d", cpus[i]);
		for (int j = 0; j < n; j++) {
			double v = m[i * n + j];
			if (i == j)
				fprintf(f, " %7s", "-");
			else if (v < 0)
				fprintf(f, " %7s", "fail");
			else
				fprintf(f, " %7.0f", v);
		}
		fprintf(f, "\n");
	}
}

static int fail(char *err, size_t n, const char *what, const char *s)
{
	snprintf(err, n, "--cpus '%.100s': %s", s, what);
	return -1;
}

int sweep_parse_cpus(const char *s, int *cpus, char *err, size_t n)
{
	cpu_set_t mask;
	if (sched_getaffinity(0, sizeof(mask), &mask))
		return fail(err, n, "cannot read this process's CPU affinity", s);
	int k = 0;
	if (strcmp(s, "all") == 0) {
		for (int c = 0; c < CPU_SETSIZE && k < SWEEP_MAX_CPUS; c++)
			if (CPU_ISSET(c, &mask))
				cpus[k++] = c;
	} else {
		const char *p = s;
		while (*p) {
			char *end;
			long a = strtol(p, &end, 10), b;
			if (end == p || a < 0 || a >= CPU_SETSIZE)
				return fail(err, n, "not a list of CPUs like 0,1,4-7, or all", s);
			b = a;
			if (*end == '-') {
				p = end + 1;
				b = strtol(p, &end, 10);
				if (end == p || b < a || b >= CPU_SETSIZE)
					return fail(err, n,
						    "not a list of CPUs like 0,1,4-7, or all", s);
			}
			for (long c = a; c <= b; c++) {
				if (k == SWEEP_MAX_CPUS)
					return fail(err, n, "too many CPUs", s);
				if (!CPU_ISSET(c, &mask)) {
					snprintf(err, n,
						 "--cpus '%.100s': CPU %ld is not one this process "
						 "may run on (see taskset -p $$)",
						 s, c);
					return -1;
				}
				for (int q = 0; q < k; q++)
					if (cpus[q] == c)
						return fail(err, n, "a CPU is named twice", s);
				cpus[k++] = (int)c;
			}
			if (*end == ',')
				end++;
			else if (*end)
				return fail(err, n, "not a list of CPUs like 0,1,4-7, or all", s);
			p = end;
		}
	}
	if (k < 2)
		return fail(err, n, "a sweep needs at least two CPUs", s);
	return k;
}
