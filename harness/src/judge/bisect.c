/* bisect.c: the search for the first commit where a figure moved
 * (bisect.h). */
#include "judge/bisect.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

const char *bisect_verdict_name(enum bisect_verdict v)
{
	switch (v) {
	case BISECT_GOOD: return "good";
	case BISECT_BAD: return "bad";
	case BISECT_NONE: return "no verdict";
	}
	return "?";
}

void bisect_init(struct bisect *b, int n)
{
	*b = (struct bisect){.n = n, .good = -1, .bad = n - 1, .stuck_at = -1};
}

int bisect_next(const struct bisect *b)
{
	if (b->stuck || b->n <= 0 || b->bad - b->good <= 1)
		return -1;
	/* The lower middle: with the range open an even number of commits,
	 * either middle halves it. */
	return b->good + (b->bad - b->good) / 2;
}

void bisect_record(struct bisect *b, int i, enum bisect_verdict v)
{
	if (i <= b->good || i >= b->bad)
		return; /* outside the range open: it says nothing new */
	b->steps++;
	if (v == BISECT_GOOD)
		b->good = i;
	else if (v == BISECT_BAD)
		b->bad = i;
	else {
		b->stuck = true;
		b->stuck_at = i;
	}
}

int bisect_culprit(const struct bisect *b)
{
	return b->n > 0 && !b->stuck && b->bad - b->good == 1 ? b->bad : -1;
}

double bisect_row_change(const struct judge_row *r)
{
	/* A count's row holds its change as a difference. */
	if (!fig_info[r->fig].count)
		return r->change;
	return r->base > 0 && isfinite(r->cur) ? r->cur / r->base - 1 : NAN;
}

int bisect_targets(const struct judgement *ends, struct bisect_target *t, int max)
{
	int n = 0;
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < ends->nrows && n < max; i++) {
			const struct judge_row *r = &ends->rows[i];
			if (r->v != (pass == 0 ? V_REGRESSION : V_IMPROVEMENT))
				continue;
			snprintf(t[n].name, sizeof(t[n].name), "%s", r->name);
			t[n].fig = r->fig;
			t[n].moved = r->v;
			t[n].change = bisect_row_change(r);
			n++;
		}
	return n;
}

static const struct judge_row *row_of(const struct judgement *j, const struct bisect_target *t)
{
	for (int i = 0; i < j->nrows; i++)
		if (j->rows[i].fig == t->fig && strcmp(j->rows[i].name, t->name) == 0)
			return &j->rows[i];
	return NULL;
}

/* A row's figure and change in a few words. */
static void say_row(char *out, size_t n, const struct bisect_target *t, const struct judge_row *r,
		    const char *what)
{
	double change = r ? bisect_row_change(r) : NAN;
	if (isfinite(change))
		snprintf(out, n, "%s %s %+.2f%% (%s)", t->name, fig_info[t->fig].label,
			 100 * change, what);
	else
		snprintf(out, n, "%s %s: %s", t->name, fig_info[t->fig].label, what);
}

enum bisect_verdict bisect_classify(const struct bisect_target *t, int nt,
				    const struct judgement *step, char *why, size_t n)
{
	snprintf(why, n, "no figure to look at");
	if (nt <= 0)
		return BISECT_NONE;
	if (step->changed[0]) {
		snprintf(why, n, "%s", step->changed);
		return BISECT_NONE;
	}
	const struct judge_row *none = NULL;
	const struct bisect_target *none_t = NULL;
	for (int i = 0; i < nt; i++) {
		const struct judge_row *r = row_of(step, &t[i]);
		if (r && r->v == t[i].moved) {
			say_row(why, n, &t[i], r, "moved as at BAD");
			return BISECT_BAD;
		}
		bool stayed =
		    r && (r->v == V_SAME || r->v == V_SMALL || r->v == V_ACKED ||
			  r->v == (t[i].moved == V_REGRESSION ? V_IMPROVEMENT : V_REGRESSION));
		if (!stayed && !none) {
			none = r;
			none_t = &t[i];
		}
	}
	if (none_t) {
		say_row(why, n, none_t, none,
			none ? verdict_name(none->v) : "not measured at this commit");
		return BISECT_NONE;
	}
	say_row(why, n, &t[0], row_of(step, &t[0]), "as at GOOD");
	return BISECT_GOOD;
}
