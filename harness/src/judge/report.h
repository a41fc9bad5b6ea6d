/* report.h: a judgement for people (a table), for CI job summaries and
 * pull-request comments (Markdown), for test dashboards (JUnit XML: one
 * test case per benchmark case) and for programs (JSON). */
#ifndef REPORT_H
#define REPORT_H

#include "verdict.h"

#include <stdio.h>

struct report_meta {
	const char *command; /* "compare", "check", "ab" */
	const struct sample_set *base, *cur;
	const char *base_label, *cur_label; /* "base", "current"; "A", "B" */
	const struct judge_opts *opts;
	double seconds; /* how long the command took, 0 if not measured */
};

/* The table and a summary; every row with `all`, else all but "same". */
void report_table(FILE *f, const struct judgement *j, const struct report_meta *m, bool all);
/* One line: what the verdict is and why. */
void report_summary(FILE *f, const struct judgement *j, const struct report_meta *m);

/* Files: 0, or -1 with errno (written atomically: temp file + rename). */
int report_markdown(const char *path, const struct judgement *j, const struct report_meta *m);
int report_junit(const char *path, const struct judgement *j, const struct report_meta *m);
int report_json(const char *path, const struct judgement *j, const struct report_meta *m);

#endif
