/* cmd_report.c: `ringbench report RESULTS.json`: one page for a team: the
 * verdict, the five charts, the startup times, the history's steps, the
 * machine check and how to run it again, as a self-contained index.html and
 * a report.md for a CI job summary. */
#include "judge/baselines.h"
#include "cli/cli.h"
#include "measure/bench.h"
#include "report/charts.h"
#include "cli/commands.h"
#include "report/page.h"
#include "judge/profile.h"
#include "judge/writeup.h"
#include "measure/results.h"
#include "diagnose/system.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char help[] =
    "usage: ringbench report RESULTS.json [--baseline FILE | --ab FILE] [--no-history]\n"
    "                        [--startup FILE] [--out DIR]\n"
    "\n"
    "Write DIR/index.html, one file with everything embedded (no network needed):\n"
    "the verdict of RESULTS against its base (judged as check judged it: in pairs\n"
    "against RESULTS.baseline-build.json when an interleaved check left one beside\n"
    "it), the five charts of `ringbench plot`, the startup times, the steps of\n"
    "the history, the machine\n"
    "check and how to reproduce the run; and DIR/report.md for a CI job summary.\n"
    "Regressions acknowledged with `ringbench ack` are applied as check applies\n"
    "them, and listed with their reasons.\n"
    "The charts' PNG, SVG and data files stay in DIR beside the page.\n"
    "\n"
    "options:\n" CHARTS_OPTIONS_HELP
    "  --startup FILE    the results of `ringbench startup`, judged against this\n"
    "                    machine's startup baseline in the store when it has one\n"
    "  --out DIR         where the page goes (default: RESULTS without .json, then\n"
    "                    -report)\n"
    "\n"
    "exit status: 0 the page written with every chart (the trend may be left out\n"
    "with --no-history); 2 a chart could not be drawn\n"
    "(the page says why and is still written), or the page could not be written\n";

struct startup_in {
	struct sample_set cur, base;
	bool have_cur, have_base, judged;
	struct judgement j;
	struct judge_opts opts;
	struct writeup_meta meta;
	char why[1600];
};

/* The machine's startup baseline from the results store (--store, else
 * $RINGBENCH_STORE, else results/ringbench.db) into s->base: true, or
 * false where there is none, no store, or it cannot be read. */
static bool stored_startup_base(const char *store, struct startup_in *s, char *err, size_t n)
{
	struct store *st;
	char where[1200];
	/* Only read: a store not there is not made (opening one would). */
	if (!s->cur.machine_id[0] || !charts_store_exists(store, where, sizeof(where)) ||
	    store_open(where, &st, err, n))
		return false;
	struct baseline_ref ref;
	baseline_ref(&ref, st, NULL, s->cur.machine_id, "startup");
	int got = baseline_load(&ref, &s->base, err, n);
	store_close(st);
	return got == 1;
}

static void load_startup(const char *path, const char *store, struct startup_in *s)
{
	char err[1400], bpath[1300];
	if (!path) {
		snprintf(s->why, sizeof(s->why),
			 "No startup times given (ringbench startup --out FILE, then report "
			 "--startup FILE).");
		return;
	}
	if (sample_load(path, &s->cur, err, sizeof(err))) {
		snprintf(s->why, sizeof(s->why), "%s", err);
		return;
	}
	s->have_cur = true;
	/* Judged as startup judged it: against its baseline build's commands
	 * timed beside it, else the stored startup baseline's runs. */
	snprintf(bpath, sizeof(bpath), "%s.baseline-build.json", path);
	bool beside = access(bpath, R_OK) == 0;
	if (beside && !(beside = sample_pair_of(bpath, &s->cur, err, sizeof(err))))
		fprintf(stderr, "ringbench: %s is not used: %s\n", bpath, err);
	if (beside && sample_load(bpath, &s->base, err, sizeof(err)))
		return;
	if (!beside && !stored_startup_base(store, s, err, sizeof(err)))
		return;
	s->have_base = true;
	judge_startup_defaults(&s->opts);
	s->opts.paired = beside;
	s->opts.runs = !beside;
	if (judge(&s->base, &s->cur, &s->opts, &s->j, err, sizeof(err)))
		return;
	s->judged = true;
	s->meta = (struct writeup_meta){.command = "startup",
					.base = &s->base,
					.cur = &s->cur,
					.base_label = beside ? "baseline build" : "base",
					.cur_label = beside ? "now" : "current",
					.opts = &s->opts};
}

static void free_startup(struct startup_in *s)
{
	if (s->judged)
		judgement_free(&s->j);
	if (s->have_base)
		sample_free(&s->base);
	if (s->have_cur)
		sample_free(&s->cur);
}

/* One report's parts, handed from step to step. */
struct report {
	struct charts c;
	char out[1200]; /* the page's folder */
	struct plot_output *po;
	int done, drawn; /* charts that ended well; charts drawn */
	struct writeup_meta meta;
	char **lines; /* the history's steps */
	int nlines, nreg;
	char htitle[200];
	char no_verdict[1600];
	struct startup_in su;
	struct system_report sys;
	char cmdline[2000];
};

/* --out, else RESULTS without .json, then -report. */
static void report_dir(const struct charts *c, char *out, size_t n)
{
	if (c->out) {
		snprintf(out, n, "%s", c->out);
		return;
	}
	size_t len = strlen(c->results);
	if (len > 5 && strcmp(c->results + len - 5, ".json") == 0)
		len -= 5;
	snprintf(out, n, "%.*s-report", (int)len, c->results);
}

static void report_charts(struct report *rp)
{
	fprintf(stderr, "ringbench: report: drawing the charts into %s\n", rp->out);
	rp->done = charts_draw(&rp->c, rp->out, rp->po);
	rp->drawn = 0;
	for (int i = 0; i < PLOT_COUNT; i++)
		rp->drawn += rp->po->drawn[i];
}

/* The verdict, as check or ab gave it, with the history's steps; or why
 * there is none. */
static void report_verdict(struct report *rp)
{
	const struct charts *c = &rp->c;
	rp->meta = (struct writeup_meta){
	    .command = c->ab ? "ab" : "check",
	    .base = &c->base,
	    .cur = &c->cur,
	    .base_label = c->ab ? "A" : "base",
	    .cur_label = c->ab ? "B" : "current",
	    .opts = &c->opts,
	};
	if (c->have_history) {
		rp->nlines = writeup_history_lines(&c->h, &c->a, &rp->lines, &rp->nreg);
		if (rp->nlines < 0)
			rp->nlines = 0;
		snprintf(rp->htitle, sizeof(rp->htitle), "Steps in the history (%d nights)",
			 c->h.nnights);
		rp->meta.history_title = rp->htitle;
		rp->meta.history = rp->lines;
		rp->meta.nhistory = rp->nlines;
		rp->meta.history_regressions = rp->nreg;
	}
	if (!c->judged)
		snprintf(rp->no_verdict, sizeof(rp->no_verdict), "%s",
			 c->base_why[0] ? c->base_why
					: "no base: this machine has no stored baseline, and "
					  "neither --baseline nor --ab was given");
}

/* The machine check, for the CPUs the run used. */
static void report_machine(struct report *rp)
{
	int cpus[2] = {0, 1};
	sscanf(rp->c.cur.cpus, "%d,%d", &cpus[0], &cpus[1]);
	system_check(cpus, false, &rp->sys);
}

/* How to run this again: the command line as given. */
static void report_command(struct report *rp, int argc, char **argv)
{
	char *cmd = rp->cmdline;
	snprintf(cmd, sizeof(rp->cmdline), "ringbench");
	for (int i = 0; i < argc; i++)
		snprintf(cmd + strlen(cmd), sizeof(rp->cmdline) - strlen(cmd), " %s", argv[i]);
}

/* index.html and report.md into the folder: the exit status. */
static int report_write(struct report *rp)
{
	const struct charts *c = &rp->c;
	const struct startup_in *su = &rp->su;
	json_t *profile = profile_of_results(c->results);
	struct page_input in = {
	    .results_path = c->results,
	    .cur = &c->cur,
	    .j = c->judged ? &c->j : NULL,
	    .meta = &rp->meta,
	    .no_verdict = rp->no_verdict,
	    .history_dir = c->history_dir,
	    .history = rp->lines,
	    .nhistory = rp->nlines,
	    .history_regressions = rp->nreg,
	    .history_why = c->have_history ? NULL : c->history_why,
	    .po = rp->po,
	    .startup = su->have_cur ? &su->cur : NULL,
	    .startup_j = su->judged ? &su->j : NULL,
	    .startup_meta = &su->meta,
	    .startup_why = su->why,
	    .acks = c->judged && c->acks_path[0] ? &c->acks : NULL,
	    .acks_path = c->acks_path,
	    .acks_why = c->acks_why[0] ? c->acks_why : NULL,
	    .sys = &rp->sys,
	    .command = rp->cmdline,
	    .profile = profile,
	};
	char html[1300], md[1300];
	snprintf(html, sizeof(html), "%s/index.html", rp->out);
	snprintf(md, sizeof(md), "%s/report.md", rp->out);
	int bad = page_html(html, &in) || page_markdown(md, &in);
	json_decref(profile);
	if (bad) {
		fprintf(stderr, "ringbench: report: cannot write into %s: %s\n", rp->out,
			strerror(errno));
		return BENCH_USAGE;
	}
	for (int i = 0; i < PLOT_COUNT; i++)
		if (!rp->po->drawn[i] && !rp->po->left_out[i])
			fprintf(stderr, "ringbench: report: %s chart not drawn: %s\n", plot_name(i),
				rp->po->why[i]);
	printf("report: %s (%d of %d charts)\nreport: %s\n", html, rp->drawn, PLOT_COUNT, md);
	return rp->done < PLOT_COUNT ? BENCH_USAGE : BENCH_PASS;
}

static void report_free(struct report *rp)
{
	for (int i = 0; i < rp->nlines; i++)
		free(rp->lines[i]);
	free(rp->lines);
	free_startup(&rp->su);
	free(rp->po);
	charts_free(&rp->c);
}

int cmd_report(int argc, char **argv)
{
	struct report rp;
	memset(&rp, 0, sizeof(rp));
	int rc = cli_chart_args(argc, argv, &rp.c, help, true);
	if (rc)
		return rc < 0 ? BENCH_PASS : rc;
	rc = charts_load(&rp.c);
	if (rc) {
		charts_free(&rp.c);
		return rc;
	}
	report_dir(&rp.c, rp.out, sizeof(rp.out));
	rp.po = calloc(1, sizeof(*rp.po));
	if (!rp.po) {
		charts_free(&rp.c);
		return BENCH_USAGE;
	}
	report_charts(&rp);
	report_verdict(&rp);
	load_startup(rp.c.startup, rp.c.store, &rp.su);
	report_machine(&rp);
	report_command(&rp, argc, argv);
	rc = report_write(&rp);
	report_free(&rp);
	return rc;
}
