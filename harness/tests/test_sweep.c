/* test_sweep.c: the sweep's matrix on a fake CPU list and a fake
 * measurement (shape, order, diagonal, failures, the printed table) and its
 * CPU list parsing.  Nothing is measured. */
#include "sweep.h"

#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;
#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);      \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

static int calls;

/* Client a, server b: 1000 a + b, and pair (5,0) fails. */
static double fake(int a, int b, void *ctx)
{
	(void)ctx;
	calls++;
	return a == 5 && b == 0 ? -1 : 1000.0 * a + b;
}

int main(void)
{
	int cpus[] = {0, 2, 5};
	double m[9];
	int failed = sweep_matrix(cpus, 3, fake, NULL, m, NULL);
	CHECK(failed == 1);
	CHECK(calls == 6); /* every ordered pair once, never a CPU with itself */
	CHECK(isnan(m[0]) && isnan(m[4]) && isnan(m[8]));
	CHECK(m[0 * 3 + 1] == 2);    /* client 0, server 2 */
	CHECK(m[1 * 3 + 0] == 2000); /* client 2, server 0 */
	CHECK(m[1 * 3 + 2] == 2005);
	CHECK(m[2 * 3 + 1] == 5002);
	CHECK(m[2 * 3 + 0] < 0);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	sweep_print(f, cpus, 3, m);
	fclose(f);
	CHECK(strstr(text, "\n               0       2       5\n") != NULL);
	CHECK(strstr(text, "\n       0       -       2       5\n") != NULL);
	CHECK(strstr(text, "\n       5    fail    5002       -\n") != NULL);
	free(text);

	/* CPU lists: what this process may run on decides. */
	cpu_set_t mask;
	sched_getaffinity(0, sizeof(mask), &mask);
	int allowed = CPU_COUNT(&mask);
	int out[SWEEP_MAX_CPUS];
	char err[300];
	CHECK(sweep_parse_cpus("all", out, err, sizeof(err)) == (allowed >= 2 ? allowed : -1));
	if (CPU_ISSET(0, &mask) && CPU_ISSET(1, &mask)) {
		CHECK(sweep_parse_cpus("0,1", out, err, sizeof(err)) == 2 && out[0] == 0 &&
		      out[1] == 1);
		CHECK(sweep_parse_cpus("0-1", out, err, sizeof(err)) == 2);
		CHECK(sweep_parse_cpus("0,0", out, err, sizeof(err)) == -1 &&
		      strstr(err, "named twice"));
		CHECK(sweep_parse_cpus("0", out, err, sizeof(err)) == -1 &&
		      strstr(err, "at least two"));
	}
	int outside = -1;
	for (int c = 0; c < 1024 && outside < 0; c++)
		if (!CPU_ISSET(c, &mask))
			outside = c;
	char list[32];
	snprintf(list, sizeof(list), "0,%d", outside);
	CHECK(sweep_parse_cpus(list, out, err, sizeof(err)) == -1);
	char want[64];
	snprintf(want, sizeof(want), "CPU %d is not one this process may run on", outside);
	CHECK(strstr(err, want) != NULL);
	CHECK(sweep_parse_cpus("x", out, err, sizeof(err)) == -1 && strstr(err, "not a list"));
	CHECK(sweep_parse_cpus("1-0", out, err, sizeof(err)) == -1);
	if (failures == 0)
		printf("test_sweep: ok\n");
	return failures ? 1 : 0;
}
