/* page.h: the report of one run: index.html (one file, the charts
 * embedded, readable without a network) and report.md (for a CI job
 * summary): the verdict, the charts, the startup times, the history's
 * steps, the machine check and how to run it again. */
#ifndef PAGE_H
#define PAGE_H

#include "report/plot.h"
#include "judge/writeup.h"
#include "judge/sample.h"
#include "diagnose/system.h"
#include "judge/verdict.h"
#include "judge/acks.h"

#include <jansson.h>

struct page_input {
	const char *results_path;
	const struct sample_set *cur;
	/* the verdict: j and meta, or no_verdict saying why there is none */
	const struct judgement *j;
	const struct writeup_meta *meta;
	const char *no_verdict;
	/* the steps the history shows (history_lines), or history_why */
	const char *history_dir;
	char **history;
	int nhistory, history_regressions;
	const char *history_why;
	const struct plot_output *po; /* the charts, drawn into the page's folder */
	/* ringbench startup's results, judged against their baseline when
	 * startup_j is set; startup_why when there are none */
	const struct sample_set *startup;
	const struct judgement *startup_j;
	const struct writeup_meta *startup_meta;
	const char *startup_why;
	/* the baseline's acknowledged regressions (ringbench ack), as the
	 * verdict applied them; NULL, or none, for no section */
	const struct ack_set *acks;
	const char *acks_path, *acks_why;
	const struct system_report *sys; /* the machine check, at report time */
	const char *command;		 /* the command line that made the report */
	/* where the instruction counts moved (judge/profile.h), as ab
	 * --instructions kept it in the results; NULL for none */
	const json_t *profile;
};

/* The page's style sheet, which the dashboard's pages share. */
extern const char page_css[];

/* Write the page (atomically).  0, or -1 with errno. */
int page_html(const char *path, const struct page_input *in);
int page_markdown(const char *path, const struct page_input *in);

#endif
