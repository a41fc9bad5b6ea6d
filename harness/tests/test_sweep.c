/* test_sweep.c: the sweep's matrix on a fake CPU list and a fake
 * measurement (shape, order, diagonal, failures, the printed table) and its
 * CPU list parsing.  Nothing is measured. */
#include "check.h"
#include "report/plot.h"
#include "cli/spec.h"
#include "measure/sweep.h"

#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

	/* The heatmap's data: one cell per ordered pair, client row, server
	 * column, NaN on the diagonal and where the pair failed; and drawn,
	 * when gnuplot is here. */
	char dir[] = "/tmp/test_sweep.XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	char png[1200], svg[1200], why[2600] = "", err[300];
	const char *gp = getenv("TEST_GNUPLOT");
	struct plot_sweep_input in = {
	    cpus, 3, m, "fake", "fake machine", getenv("TEST_PLOTS"), gp ? gp : "gnuplot"};
	int drawn = in.scripts ? plot_sweep(&in, dir, png, svg, why, sizeof(why)) : -1;
	if (gp && in.scripts) {
		if (drawn)
			fprintf(stderr, "heatmap: %s\n", why);
		CHECK(drawn == 0);
		FILE *p = fopen(png, "rb");
		unsigned char sig[8] = {0};
		CHECK(p && fread(sig, 1, 8, p) == 8 && memcmp(sig, "\x89PNG\r\n\x1a\n", 8) == 0);
		if (p)
			fclose(p);
	}
	char path[1300], body[4096] = "";
	snprintf(path, sizeof(path), "%s/data/sweep.dat", dir);
	FILE *d = fopen(path, "r");
	CHECK(d != NULL);
	if (d) {
		size_t got = fread(body, 1, sizeof(body) - 1, d);
		body[got] = 0;
		fclose(d);
	}
	CHECK(strstr(body, "\n0 0 NaN\n0 1 2.0\n0 2 5.0\n\n1 0 2000.0\n1 1 NaN\n1 2 2005.0\n\n"
			   "2 0 NaN\n2 1 5002.0\n2 2 NaN\n\n") != NULL);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	CHECK(system(path) == 0);

	/* --cpus pairs for the measuring commands. */
	struct spec sp;
	spec_init(&sp);
	CHECK(sp.npairs == 1 && sp.pairs[0][0] == 0 && sp.pairs[0][1] == 1);
	CHECK(spec_parse_cpu_pairs("2,3/3,2/0,5", &sp, err, sizeof(err)) == 0);
	CHECK(sp.npairs == 3 && sp.pairs[1][0] == 3 && sp.pairs[1][1] == 2 && sp.pairs[2][1] == 5);
	CHECK(sp.cpu[0] == 2 && sp.cpu[1] == 3);
	CHECK(spec_parse_cpu_pairs("0,1/0,1", &sp, err, sizeof(err)) < 0 &&
	      strstr(err, "named twice"));
	CHECK(spec_parse_cpu_pairs("0,1//1,0", &sp, err, sizeof(err)) < 0);
	CHECK(spec_parse_cpu_pairs("0,1,2", &sp, err, sizeof(err)) < 0);

	/* CPU lists: what this process may run on decides. */
	cpu_set_t mask;
	sched_getaffinity(0, sizeof(mask), &mask);
	int allowed = CPU_COUNT(&mask);
	int out[SWEEP_MAX_CPUS];
	CHECK(sweep_parse_cpus("all", out, err, sizeof(err)) == (allowed >= 2 ? allowed : -1));
	if (allowed >= 2 && allowed * (allowed - 1) <= SPEC_MAX_PAIRS) {
		/* all-pairs: every ordered pair of the allowed CPUs. */
		CHECK(spec_parse_cpu_pairs("all-pairs", &sp, err, sizeof(err)) == 0);
		CHECK(sp.npairs == allowed * (allowed - 1));
		for (int i = 0; i < sp.npairs; i++)
			CHECK(sp.pairs[i][0] != sp.pairs[i][1]);
	}
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
	printf("test_sweep: ok\n");
	return 0;
}
