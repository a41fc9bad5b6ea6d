/* writeup.h: a judgement for people (a table), for CI job summaries and
 * pull-request comments (Markdown), for test dashboards (JUnit XML: one
 * test case per benchmark case) and for programs (JSON). */
#ifndef WRITEUP_H
#define WRITEUP_H

#include "judge/verdict.h"

#include <stdio.h>

struct writeup_meta {
	const char *command; /* "compare", "check", "ab" */
	const struct sample_set *base, *cur;
	const char *base_label, *cur_label; /* "base", "current"; "A", "B" */
	const struct judge_opts *opts;
	double seconds; /* how long the command took, 0 if not measured */
	/* check: the steps its history shows tonight, one line each, the
	 * first history_regressions of them regressions; history_title NULL
	 * when the check kept no history */
	const char *history_title;
	char **history;
	int nhistory, history_regressions;
	/* what differs between the two sides' machines under one identity
	 * ("kernel changed: A -> B"), NULL or "" if nothing */
	const char *machine_note;
};

/* The lines that say how the verdict was reached: the method, what the
 * machines differ in, and (the run as the unit) the smallest change the
 * base can call; markdown: names from the files as code. */
void writeup_method(FILE *f, const struct judgement *j, const struct writeup_meta *m,
		    bool markdown);

/* A figure as tables show it: 29.80M, 171.0, 0.000 for a count. */
void writeup_value(char *out, size_t n, double v, enum fig f);

/* The exit status of a report: the judgement's, or 1 when the history
 * found a regression on a pass or on a night with no verdict because the
 * machine changed state. */
int writeup_status(const struct judgement *j, const struct writeup_meta *m);
/* The history's section alone, in Markdown. */
void writeup_history_markdown(FILE *f, const struct writeup_meta *m);

/* One line of the suite score (verdict.h) at the interval's level: "suite
 * score, state 60-80 ns: 1.031 (3.1% slower), 95% interval 1.012 to 1.050,
 * over 14 cases"; counts "exact, over 8 operations"; with no interval
 * "interval none" (": one run per side" when that is why). */
void writeup_score_line(char *out, size_t n, const struct judgement *j, const struct suite_score *s,
			double level);

/* The table, the suite score a line per state, and a summary; every row
 * with `all`, else all but "same". */
void writeup_table(FILE *f, const struct judgement *j, const struct writeup_meta *m, bool all);
/* One line: what the verdict is and why (and how many regressions are
 * acknowledged, when any are). */
void writeup_summary(FILE *f, const struct judgement *j, const struct writeup_meta *m);

/* The Markdown of writeup_markdown, into an open file: the summary as its
 * title, then the suite score, then the table. */
void writeup_markdown_to(FILE *f, const struct judgement *j, const struct writeup_meta *m);
/* Text from a file in Markdown: as HTML <code>, everything that could end
 * a table cell, the line or the code escaped. */
void writeup_md_code(FILE *f, const char *s);
/* The summary, the suite score, the changed figures and every figure
 * (folded) as HTML, for a report page; and text escaped for HTML. */
void writeup_html(FILE *f, const struct judgement *j, const struct writeup_meta *m);
void writeup_html_text(FILE *f, const char *s);
/* Writing a file atomically: open path's temporary (its name into tmp),
 * then close it into place: 0, or -1 with errno (the temporary removed). */
FILE *writeup_open_tmp(const char *path, char *tmp, size_t n);
int writeup_close_tmp(FILE *f, const char *tmp, const char *path);
/* Files: 0, or -1 with errno (written atomically: temp file + rename). */
int writeup_markdown(const char *path, const struct judgement *j, const struct writeup_meta *m);
int writeup_junit(const char *path, const struct judgement *j, const struct writeup_meta *m);
int writeup_json(const char *path, const struct judgement *j, const struct writeup_meta *m);

struct history;
struct history_series;
struct history_step;
struct history_analysis;
/* A series' machine state, "state 60-80 ns" or "no state recorded". */
void writeup_series_state(char *out, size_t n, const struct history_series *s);
/* The `ringbench bisect` command that finds a step's commit, or "" when
 * its revisions cannot be built (uncommitted changes, unknown). */
void writeup_bisect_hint(char *out, size_t n, const struct history *h,
			 const struct history_step *hs);
/* One step of a history in a sentence; a confirmed step that got worse
 * ends with the bisect command that finds its commit. */
void writeup_step(char *out, size_t n, const struct history *h, const struct history_step *hs);
/* The new steps of an analysed history, one line each in *out (malloc'd),
 * regressions first (*nreg of them), then other new steps, then tonight's
 * candidates.  Returns the number of lines, or -1. */
int writeup_history_lines(const struct history *h, const struct history_analysis *a, char ***out,
			  int *nreg);

#endif
