/* test_bisect.c: the bisect search and its reading of verdicts, on
 * synthetic verdicts with known answers: the culprit at every place in 1 to
 * 40 commits, found in at most ceil(log2(n)) steps; a step with no verdict
 * ends the search with the range that holds the culprit, wherever it
 * falls; and the rows of a judgement read as good, bad or no verdict. */
#include "judge/bisect.h"

#include "check.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Search n commits whose first bad one is culprit; a step at `none` has
 * no verdict.  Returns the culprit found (-1 if none) and the steps. */
static int search(int n, int culprit, int none, int *steps, struct bisect *out)
{
	struct bisect b;
	bisect_init(&b, n);
	int i, guard = 0;
	while ((i = bisect_next(&b)) >= 0 && guard++ < 100) {
		CHECK(i > b.good && i < b.bad);
		bisect_record(&b, i,
			      i == none	     ? BISECT_NONE
			      : i >= culprit ? BISECT_BAD
					     : BISECT_GOOD);
	}
	*steps = b.steps;
	*out = b;
	return bisect_culprit(&b);
}

static void test_every_place(void)
{
	for (int n = 1; n <= 40; n++) {
		int most = (int)ceil(log2((double)n));
		for (int c = 0; c < n; c++) {
			int steps;
			struct bisect b;
			CHECK_EQ(search(n, c, -1, &steps, &b), c);
			CHECK(steps <= most);
			CHECK(!b.stuck);
		}
	}
}

/* No verdict anywhere: never a culprit, and the range said holds it. */
static void test_no_verdict(void)
{
	for (int n = 2; n <= 20; n++)
		for (int c = 0; c < n; c++)
			for (int none = 0; none < n - 1; none++) {
				int steps;
				struct bisect b;
				int got = search(n, c, none, &steps, &b);
				if (!b.stuck) {
					/* The search never stepped on it. */
					CHECK_EQ(got, c);
					continue;
				}
				CHECK_EQ(got, -1);
				CHECK_EQ(b.stuck_at, none);
				CHECK(b.good < c && c <= b.bad);
				CHECK(b.good < none && none < b.bad);
				CHECK_EQ(bisect_next(&b), -1);
			}
}

/* Verdicts from outside the range open change nothing. */
static void test_outside(void)
{
	struct bisect b;
	bisect_init(&b, 16);
	bisect_record(&b, 7, BISECT_GOOD);
	bisect_record(&b, 3, BISECT_BAD);   /* before the last good */
	bisect_record(&b, 15, BISECT_NONE); /* BAD itself */
	CHECK_EQ(b.good, 7);
	CHECK_EQ(b.bad, 15);
	CHECK(!b.stuck);
	CHECK_EQ(b.steps, 1);
	struct bisect empty;
	bisect_init(&empty, 0);
	CHECK_EQ(bisect_next(&empty), -1);
	CHECK_EQ(bisect_culprit(&empty), -1);
}

static struct judge_row row(const char *name, enum fig f, enum verdict v, double change)
{
	return (struct judge_row){.name = name, .fig = f, .v = v, .change = change};
}

static void test_classify(void)
{
	struct judge_row ends_rows[] = {
	    row("stream/a", FIG_RATE, V_REGRESSION, -0.3), row("stream/a", FIG_P50, V_SAME, 0),
	    row("stream/b", FIG_RATE, V_IMPROVEMENT, 0.2), row("stream/c", FIG_RATE, V_TOO_FEW, 0)};
	struct judgement ends = {.rows = ends_rows, .nrows = 4};
	struct bisect_target t[8];
	int nt = bisect_targets(&ends, t, 8);
	CHECK_EQ(nt, 2);
	CHECK(strcmp(t[0].name, "stream/a") == 0 && t[0].moved == V_REGRESSION);
	CHECK(strcmp(t[1].name, "stream/b") == 0 && t[1].moved == V_IMPROVEMENT);
	CHECK_EQ(bisect_targets(&ends, t, 1), 1);
	nt = bisect_targets(&ends, t, 8);
	char why[200];

	struct judge_row good[] = {row("stream/a", FIG_RATE, V_SMALL, -0.01),
				   row("stream/b", FIG_RATE, V_SAME, 0)};
	struct judgement j = {.rows = good, .nrows = 2};
	CHECK_EQ(bisect_classify(t, nt, &j, why, sizeof(why)), BISECT_GOOD);

	/* Either figure moving as at BAD makes the commit bad. */
	struct judge_row bad[] = {row("stream/a", FIG_RATE, V_SAME, 0),
				  row("stream/b", FIG_RATE, V_IMPROVEMENT, 0.2)};
	j = (struct judgement){.rows = bad, .nrows = 2};
	CHECK_EQ(bisect_classify(t, nt, &j, why, sizeof(why)), BISECT_BAD);
	CHECK(strstr(why, "stream/b") != NULL);

	/* Too few pairs, a missing case, a lost state: no verdict. */
	struct judge_row few[] = {row("stream/a", FIG_RATE, V_TOO_FEW, 0),
				  row("stream/b", FIG_RATE, V_SAME, 0)};
	j = (struct judgement){.rows = few, .nrows = 2};
	CHECK_EQ(bisect_classify(t, nt, &j, why, sizeof(why)), BISECT_NONE);
	CHECK(strstr(why, "too few") != NULL);
	j = (struct judgement){.rows = good, .nrows = 1};
	CHECK_EQ(bisect_classify(t, nt, &j, why, sizeof(why)), BISECT_NONE);
	CHECK(strstr(why, "not measured") != NULL);
	j = (struct judgement){.rows = good, .nrows = 2};
	snprintf(j.changed, sizeof(j.changed), "the machine changed state");
	CHECK_EQ(bisect_classify(t, nt, &j, why, sizeof(why)), BISECT_NONE);

	/* A regression found, then a case that has no verdict after it: the
	 * regression decides. */
	struct judge_row mixed[] = {row("stream/a", FIG_RATE, V_REGRESSION, -0.3),
				    row("stream/b", FIG_RATE, V_STATE, 0)};
	j = (struct judgement){.rows = mixed, .nrows = 2};
	CHECK_EQ(bisect_classify(t, nt, &j, why, sizeof(why)), BISECT_BAD);
	/* Moving the other way is not moving as at BAD. */
	struct judge_row other[] = {row("stream/a", FIG_RATE, V_IMPROVEMENT, 0.1),
				    row("stream/b", FIG_RATE, V_SAME, 0)};
	j = (struct judgement){.rows = other, .nrows = 2};
	CHECK_EQ(bisect_classify(t, nt, &j, why, sizeof(why)), BISECT_GOOD);
	/* No targets: nothing to look for is no verdict. */
	CHECK_EQ(bisect_classify(t, 0, &j, why, sizeof(why)), BISECT_NONE);
}

int main(void)
{
	test_every_place();
	test_no_verdict();
	test_outside();
	test_classify();
	printf("test_bisect: ok\n");
	return 0;
}
