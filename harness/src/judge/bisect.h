/* bisect.h: the search for the first commit where a figure moved.
 *
 * The commits between GOOD and BAD, oldest first, are c[0..n): c[n-1] is
 * BAD, and GOOD comes before c[0].  The ends are judged first: the figures
 * that moved from GOOD to BAD (the targets) are what each step looks for.
 * A step judges one commit against GOOD: "bad" when a target moved the way
 * it moved at BAD, "good" when every target stayed, and "no verdict"
 * otherwise (too few pairs, no machine state in common, the commit does
 * not build or run).  The search halves the range still open; a step with
 * no verdict ends it with the range said, never a culprit guessed. */
#ifndef BISECT_H
#define BISECT_H

#include "judge/verdict.h"

#include <stdbool.h>
#include <stddef.h>

enum bisect_verdict { BISECT_GOOD, BISECT_BAD, BISECT_NONE };

const char *bisect_verdict_name(enum bisect_verdict v);

struct bisect {
	int n;	      /* commits after GOOD, BAD the last */
	int good;     /* the last commit known good: -1 is GOOD itself */
	int bad;      /* the first commit known bad: n - 1 (BAD) at the start */
	bool stuck;   /* a step had no verdict: good + 1 .. bad stays open */
	int stuck_at; /* the commit that had none, or -1 */
	int steps;    /* steps recorded */
};

void bisect_init(struct bisect *b, int n);
/* The commit to judge next (the middle of the range open), or -1 when the
 * search is over: a culprit found, or stuck. */
int bisect_next(const struct bisect *b);
/* Record commit i's verdict (i as bisect_next gave it). */
void bisect_record(struct bisect *b, int i, enum bisect_verdict v);
/* The first commit where the figure moved, or -1 while none is decided. */
int bisect_culprit(const struct bisect *b);

/* A figure that moved between the ends, and which way. */
struct bisect_target {
	char name[192];
	enum fig fig;
	enum verdict moved; /* V_REGRESSION or V_IMPROVEMENT */
	double change;	    /* at BAD, relative */
};

/* A row's change, relative (a count's row holds a difference). */
double bisect_row_change(const struct judge_row *r);

/* The targets of the ends' judgement (GOOD as base, BAD as current):
 * every row that regressed or improved, regressions first; at most max.
 * Returns how many. */
int bisect_targets(const struct judgement *ends, struct bisect_target *t, int max);

/* One step's judgement (GOOD as base, the commit as current) read against
 * the targets; why gets a short reason ("publish/64 instructions +2.4%"). */
enum bisect_verdict bisect_classify(const struct bisect_target *t, int nt,
				    const struct judgement *step, char *why, size_t n);

#endif
