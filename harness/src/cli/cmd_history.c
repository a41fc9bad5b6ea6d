/* cmd_history.c: `ringbench history`, each case's figure night by night
 * and the steps found in it (judge/history.h), and the steps section that
 * `check` prints and puts in its Markdown. */
#include "cli/cli.h"
#include "measure/bench.h"
#include "cli/commands.h"
#include "judge/history.h"
#include "judge/writeup.h"
#include "measure/results.h"
#include "cli/spec.h"

#include <getopt.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A step is a regression from the threshold's floor that check uses. */
static double check_floor(void)
{
	struct judge_opts o;
	judge_defaults(&o, false);
	return o.floor;
}

/* The figure a case's trend shows: throughput for a stream, p50 for a
 * round trip or a fixed rate, time for files without either. */
static bool main_figure(const struct history_series *s, const struct history_analysis *a)
{
	bool stream = strncmp(s->name, "stream", 6) == 0;
	bool has[FIG_COUNT] = {0};
	for (int i = 0; i < a->nseries; i++)
		if (strcmp(a->series[i].name, s->name) == 0)
			has[a->series[i].fig] = true;
	enum fig want = !stream && has[FIG_P50] ? FIG_P50
			: has[FIG_RATE]		? FIG_RATE
			: has[FIG_P50]		? FIG_P50
						: FIG_TIME;
	return s->fig == want;
}

static void print_series(const struct history *h, const struct history_analysis *a,
			 const struct history_series *s, int last)
{
	char state[64];
	writeup_series_state(state, sizeof(state), s);
	printf("\n%s  %s, %s (noise %.1f%%)\n", s->name, fig_info[s->fig].label, state,
	       100 * s->noise);
	int first_night = h->nnights - last;
	for (int i = 0; i < s->n; i++) {
		const struct history_run *r = &h->runs[s->run[i]];
		if (r->night < first_night)
			continue;
		char v[32];
		writeup_value(v, sizeof(v), s->v[i], s->fig);
		const char *mark = "";
		for (int k = 0; k < s->nsteps; k++)
			if (s->steps[k].at == i)
				mark = s->steps[k].candidate ? "  <- candidate" : "  <- step";
		printf("  %-38s %-14s %-7s %10s%s\n", h->nights[r->night].stem,
		       h->nights[r->night].revision, r->rerun ? "re-run" : "", v, mark);
	}
	for (int k = 0; k < a->nsteps; k++) {
		if (strcmp(a->steps[k].series->name, s->name) || a->steps[k].series->lo != s->lo)
			continue;
		char line[1400];
		writeup_step(line, sizeof(line), h, &a->steps[k]);
		printf("  step %s\n", line);
	}
}

struct history_opts {
	const char *dir, *pattern;
	int last; /* nights in the tables */
};

static void print_help(void)
{
	printf("usage: ringbench history [--dir DIR] [--case REGEX] [--last N]\n\n"
	       "Each case's figure run by run (throughput for a stream, p50 "
	       "otherwise),\n"
	       "one table per machine state, with the revision of each run, and the\n"
	       "steps found in every figure's series (throughput or time, p50, p99):\n"
	       "where the level changed, between which revisions, by how much and "
	       "with\n"
	       "what confidence.  Steps are looked for over the whole history (the\n"
	       "newest %d nights); --last only shortens the tables.\n\n"
	       "  --dir DIR     the history (default $RINGBENCH_HISTORY, or\n"
	       "                results/history/<machine-id>/; `ringbench check` "
	       "fills it)\n"
	       "  --case REGEX  only cases whose name matches (extended regular "
	       "expression)\n"
	       "  --last N      the newest N nights in the tables (10)\n\n"
	       "exit status: 0, or 2 for bad options or an empty or unreadable "
	       "history\n",
	       HISTORY_MAX_NIGHTS);
}

/* The options into o: 0, -1 when the help was printed, or exit code 2 with
 * the message printed. */
static int parse_args(int argc, char **argv, struct history_opts *o)
{
	static const struct option opts[] = {{"dir", required_argument, 0, 'd'},
					     {"case", required_argument, 0, 'c'},
					     {"last", required_argument, 0, 'l'},
					     {"help", no_argument, 0, 'h'},
					     {0, 0, 0, 0}};
	char err[1200];
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': o->dir = optarg; break;
		case 'c': o->pattern = optarg; break;
		case 'l':
			if (spec_parse_int(optarg, 1, HISTORY_MAX_NIGHTS, &o->last, err,
					   sizeof(err)))
				return cli_usage("--last: %s", err);
			break;
		case 'h': print_help(); return -1;
		default: return cli_usage("history: unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage("history: unexpected argument '%s'", argv[optind]);
	return 0;
}

/* The tables of the cases re matches (every case without one), then the
 * count of steps. */
static void print_history(const char *dir, const struct history *h,
			  const struct history_analysis *a, const regex_t *re, const char *pattern,
			  int last)
{
	printf("history %s: %d night%s (%s .. %s), %d runs, %d series\n", dir, h->nnights,
	       h->nnights == 1 ? "" : "s", h->nights[0].stem, h->nights[h->nnights - 1].stem,
	       h->nruns, a->nseries);
	int shown = 0, steps = 0;
	for (int i = 0; i < a->nseries; i++) {
		const struct history_series *s = &a->series[i];
		if (re && regexec(re, s->name, 0, NULL, 0))
			continue;
		steps += s->nsteps;
		if (!main_figure(s, a)) {
			/* Its steps still show, under the main figure's table. */
			continue;
		}
		print_series(h, a, s, last < h->nnights ? last : h->nnights);
		shown++;
	}
	if (shown == 0)
		printf("no case matches '%s'\n", pattern ? pattern : "");
	printf("\n%d steps in %d series; %d of them worse by %.0f%% or more and not yet "
	       "reported by a check\n",
	       steps, a->nseries, a->regressions, 100 * check_floor());
}

int cmd_history(int argc, char **argv)
{
	struct history_opts o = {.last = 10};
	int rc = parse_args(argc, argv, &o);
	if (rc)
		return rc < 0 ? BENCH_PASS : rc;
	regex_t re;
	if (o.pattern && regcomp(&re, o.pattern, REG_EXTENDED | REG_NOSUB))
		return cli_usage("--case '%s': not a regular expression", o.pattern);
	char dbuf[1024], err[1200];
	if (!o.dir)
		history_dir(dbuf, sizeof(dbuf));
	else
		snprintf(dbuf, sizeof(dbuf), "%s", o.dir);
	struct history h;
	struct history_analysis a = {0};
	struct step_opts so;
	steps_defaults(&so);
	rc = BENCH_USAGE;
	if (history_load(dbuf, 0, &h, err, sizeof(err)))
		fprintf(stderr, "ringbench: %s\n", err);
	else if (h.nruns == 0)
		fprintf(stderr,
			"ringbench: history %s: no runs yet (`ringbench check` adds one per "
			"run)\n",
			dbuf);
	else if (history_analyse(&h, &so, check_floor(), &a))
		fprintf(stderr, "ringbench: history: out of memory\n");
	else {
		print_history(dbuf, &h, &a, o.pattern ? &re : NULL, o.pattern, o.last);
		rc = BENCH_PASS;
	}
	if (o.pattern)
		regfree(&re);
	history_analysis_free(&a);
	history_free(&h);
	return rc;
}
