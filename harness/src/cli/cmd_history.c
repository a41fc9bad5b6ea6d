/* cmd_history.c: `ringbench history`, each case's figure night by night
 * and the steps found in it (judge/history.h), one machine's or every
 * machine's in the store side by side. */
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
	const char *store, *machine, *dir, *pattern;
	bool machines; /* --machines: every machine side by side */
	char **cases;  /* --machines' CASE patterns */
	int ncases;
	int last; /* nights in the tables */
};

static void print_help(void)
{
	printf("usage: ringbench history [--store WHERE] [--machine ID] [--case REGEX] [--last N]\n"
	       "       ringbench history --machines [CASE...] [--store WHERE] [--last N]\n\n"
	       "Each case's figure run by run (throughput for a stream, p50 "
	       "otherwise),\n"
	       "one table per machine state, with the revision of each run, and the\n"
	       "steps found in every figure's series (throughput or time, p50, p99):\n"
	       "where the level changed, between which revisions, by how much and "
	       "with\n"
	       "what confidence.  Steps are looked for over the whole history (the\n"
	       "newest %d nights); --last only shortens the tables.\n\n"
	       "--machines shows each case's figure on every machine in the store side by\n"
	       "side: a row per day (a day's newest night on each machine), a column per\n"
	       "machine and machine state.  Each machine's states are its own, found over\n"
	       "its own history: figures of two machines, or of two states, never share\n"
	       "a column.  A * marks the night a step starts at, a ? tonight's candidate.\n\n"
	       "  --store WHERE  the results store: a SQLite file or postgresql://...\n"
	       "                 (default $RINGBENCH_STORE, else results/ringbench.db;\n"
	       "                 `ringbench check` fills it)\n"
	       "  --machine ID   another machine's history in the store (default: this\n"
	       "                 machine's)\n"
	       "  --machines     every machine side by side; CASE... (extended regular\n"
	       "                 expressions) choose the cases, every case without one\n"
	       "  --case REGEX   only cases whose name matches (extended regular "
	       "expression)\n"
	       "  --last N       the newest N nights (days with --machines) in the tables "
	       "(10)\n\n"
	       "A history folder of before the store (--dir DIR, $RINGBENCH_HISTORY) is\n"
	       "refused: `ringbench store import DIR` brings it into the store.\n\n"
	       "exit status: 0, or 2 for bad options, a store that cannot be read, or an\n"
	       "empty history\n",
	       HISTORY_MAX_NIGHTS);
}

/* The options into o: 0, -1 when the help was printed, or exit code 2 with
 * the message printed. */
static int parse_args(int argc, char **argv, struct history_opts *o)
{
	static const struct option opts[] = {
	    {"dir", required_argument, 0, 'd'},	    {"store", required_argument, 0, 's'},
	    {"machine", required_argument, 0, 'm'}, {"machines", no_argument, 0, 'M'},
	    {"case", required_argument, 0, 'c'},    {"last", required_argument, 0, 'l'},
	    {"help", no_argument, 0, 'h'},	    {0, 0, 0, 0}};
	char err[1200];
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': o->dir = optarg; break;
		case 's': o->store = optarg; break;
		case 'm': o->machine = optarg; break;
		case 'M': o->machines = true; break;
		case 'c': o->pattern = optarg; break;
		case 'l':
			if (spec_parse_int(optarg, 1, HISTORY_MAX_NIGHTS, &o->last, err,
					   sizeof(err)))
				return cli_usage("--last: %s", err);
			break;
		case 'h': print_help(); return -1;
		default:
			if (optopt)
				return cli_usage("history: '%s' needs a value", argv[optind - 1]);
			return cli_usage("history: unknown option '%s'", argv[optind - 1]);
		}
	}
	char qdir[2500];
	if (o->dir)
		return cli_usage("history: --dir %s: the history is kept in the results store now; "
				 "bring the folder in with `ringbench store import %s`, then name "
				 "the store with --store WHERE (default $RINGBENCH_STORE, else "
				 "results/ringbench.db)",
				 o->dir, history_quote(o->dir, qdir, sizeof(qdir)));
	if (o->machines && o->machine)
		return cli_usage("history: --machines shows every machine: not with --machine");
	if (optind < argc && !o->machines)
		return cli_usage("history: unexpected argument '%s' (CASE patterns go with "
				 "--machines)",
				 argv[optind]);
	o->cases = argv + optind;
	o->ncases = argc - optind;
	return 0;
}

/* The tables of the cases re matches (every case without one), then the
 * count of steps. */
static void print_history(const struct history *h, const struct history_analysis *a,
			  const regex_t *re, const char *pattern, int last)
{
	printf("history %s: %d night%s (%s .. %s), %d runs, %d series\n", h->dir, h->nnights,
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

/* ---- every machine side by side ---- */

/* One machine's history, read and analysed. */
struct machine_history {
	const char *id;
	struct history h;
	struct history_analysis a;
	bool read;
};

/* A column: one machine's series of a case's main figure in one of its
 * states. */
struct column {
	const struct machine_history *m;
	const struct history_series *s;
	char state[64];
	int width;
};

/* The day of series point i: its run's date, YYYY-MM-DD (else the
 * night's name, which starts with its time). */
static void point_day(const struct history *h, const struct history_series *s, int i, char *out,
		      size_t n)
{
	const struct history_run *r = &h->runs[s->run[i]];
	const char *stem = h->nights[r->night].stem;
	if (strlen(r->s.date) >= 10)
		snprintf(out, n, "%.10s", r->s.date);
	else
		snprintf(out, n, "%.4s-%.2s-%.2s", stem, stem + 4, stem + 6);
}

static int cmp_day(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

/* The days of the columns' points, the newest `last`, oldest first, into
 * days (room for every point); their number. */
static int column_days(const struct column *cols, int nc, int last, char (*days)[16])
{
	int nd = 0;
	for (int c = 0; c < nc; c++)
		for (int i = 0; i < cols[c].s->n; i++) {
			char d[16];
			point_day(&cols[c].m->h, cols[c].s, i, d, sizeof(d));
			bool seen = false;
			for (int k = 0; k < nd && !seen; k++)
				seen = strcmp(days[k], d) == 0;
			if (!seen)
				memcpy(days[nd++], d, sizeof(d));
		}
	qsort(days, (size_t)nd, sizeof(*days), cmp_day);
	if (nd > last) {
		memmove(days, days + (nd - last), (size_t)last * sizeof(*days));
		nd = last;
	}
	return nd;
}

/* A column's cell on day: the day's newest night's figure, with * where a
 * step starts at it and ? where tonight's candidate does. */
static void column_cell(const struct column *col, const char *day, char *out, size_t n)
{
	const struct history_series *s = col->s;
	int at = -1;
	for (int i = 0; i < s->n; i++) {
		char d[16];
		point_day(&col->m->h, s, i, d, sizeof(d));
		if (strcmp(d, day) == 0)
			at = i;
	}
	out[0] = 0;
	if (at < 0)
		return;
	char v[32];
	const char *mark = "";
	writeup_value(v, sizeof(v), s->v[at], s->fig);
	for (int k = 0; k < s->nsteps; k++)
		if (s->steps[k].at == at)
			mark = s->steps[k].candidate ? "?" : "*";
	snprintf(out, n, "%s%s", v, mark);
}

/* One case on every machine: a row per day, a column per machine and
 * state.  False when no machine has it. */
static bool print_case_machines(const char *name, const struct machine_history *mh, int nm,
				int last)
{
	int cap = 0;
	for (int k = 0; k < nm; k++)
		cap += mh[k].a.nseries;
	struct column *cols = calloc((size_t)cap + 1, sizeof(*cols));
	int nc = 0, npoints = 0;
	for (int k = 0; cols && k < nm; k++)
		for (int i = 0; i < mh[k].a.nseries; i++) {
			const struct history_series *s = &mh[k].a.series[i];
			if (strcmp(s->name, name) || !main_figure(s, &mh[k].a))
				continue;
			struct column *c = &cols[nc++];
			c->m = &mh[k];
			c->s = s;
			if (s->hi > 0)
				snprintf(c->state, sizeof(c->state), "%.0f-%.0f ns", s->lo, s->hi);
			else
				snprintf(c->state, sizeof(c->state), "no state");
			size_t w = strlen(mh[k].id) > strlen(c->state) ? strlen(mh[k].id)
								       : strlen(c->state);
			c->width = w < 10 ? 10 : (int)w;
			npoints += s->n;
		}
	char(*days)[16] = calloc((size_t)npoints + 1, sizeof(*days));
	if (!cols || !days || nc == 0) {
		free(cols);
		free(days);
		return false;
	}
	int nd = column_days(cols, nc, last, days);
	printf("\n%s  %s\n  %-10s", name, fig_info[cols[0].s->fig].label, "machine");
	for (int c = 0; c < nc; c++)
		printf("  %*s", cols[c].width, cols[c].m->id);
	printf("\n  %-10s", "state");
	for (int c = 0; c < nc; c++)
		printf("  %*s", cols[c].width, cols[c].state);
	printf("\n");
	for (int d = 0; d < nd; d++) {
		printf("  %-10s", days[d]);
		for (int c = 0; c < nc; c++) {
			char cell[48];
			column_cell(&cols[c], days[d], cell, sizeof(cell));
			printf("  %*s", cols[c].width, cell);
		}
		printf("\n");
	}
	free(cols);
	free(days);
	return true;
}

/* Whether a case is one the patterns ask for (every case without one). */
static bool case_wanted(const char *name, const regex_t *res, int nres)
{
	for (int i = 0; i < nres; i++)
		if (regexec(&res[i], name, 0, NULL, 0) == 0)
			return true;
	return nres == 0;
}

/* Every case the patterns ask for, in the order the machines first show
 * them, on every machine. */
static int print_machines(struct store *st, struct machine_history *mh, int nm, const regex_t *res,
			  char **pats, int nres, int last)
{
	int shown = 0, nights = 0, with = 0;
	for (int k = 0; k < nm; k++) {
		nights += mh[k].h.nnights;
		with += mh[k].h.nnights > 0;
	}
	printf("history of %d machine%s in %s: %d nights; a row per day, the newest %d\n", with,
	       with == 1 ? "" : "s", store_name(st), nights, last);
	for (int k = 0; k < nm; k++)
		for (int i = 0; i < mh[k].a.nseries; i++) {
			const char *name = mh[k].a.series[i].name;
			bool seen = false;
			for (int q = 0; q <= k && !seen; q++)
				for (int j = 0; j < (q == k ? i : mh[q].a.nseries) && !seen; j++)
					seen = strcmp(mh[q].a.series[j].name, name) == 0;
			if (seen || !case_wanted(name, res, nres))
				continue;
			shown += print_case_machines(name, mh, nm, last);
		}
	if (shown == 0) {
		printf("no case matches");
		for (int i = 0; i < nres; i++)
			printf(" '%s'", pats[i]);
		printf("\n");
	}
	printf("\n");
	for (int k = 0; k < nm; k++)
		if (mh[k].h.nnights)
			printf("%s: %d night%s (%s .. %s), %d step%s, %d of them worse and not yet "
			       "reported by a check\n",
			       mh[k].id, mh[k].h.nnights, mh[k].h.nnights == 1 ? "" : "s",
			       mh[k].h.nights[0].stem, mh[k].h.nights[mh[k].h.nnights - 1].stem,
			       mh[k].a.nsteps, mh[k].a.nsteps == 1 ? "" : "s", mh[k].a.regressions);
	return BENCH_PASS;
}

/* history --machines: every machine in the store, each read in its own
 * states. */
static int history_machines(struct store *st, const struct history_opts *o)
{
	char err[1400], **names = NULL;
	int nm = 0, nres = 0, rc = BENCH_USAGE;
	regex_t *res = calloc((size_t)o->ncases + 1, sizeof(*res));
	if (!res)
		return BENCH_USAGE;
	for (; nres < o->ncases; nres++)
		if (regcomp(&res[nres], o->cases[nres], REG_EXTENDED | REG_NOSUB)) {
			cli_usage("history --machines: '%s': not a regular expression",
				  o->cases[nres]);
			goto out;
		}
	if (store_machines(st, &names, &nm, err, sizeof(err))) {
		fprintf(stderr, "ringbench: %s\n", err);
		goto out;
	}
	struct machine_history *mh = calloc((size_t)nm + 1, sizeof(*mh));
	struct step_opts so;
	steps_defaults(&so);
	int with = 0;
	for (int k = 0; mh && k < nm; k++) {
		mh[k].id = names[k];
		if (history_load(st, names[k], 0, NULL, NULL, &mh[k].h, err, sizeof(err))) {
			fprintf(stderr, "ringbench: history of %s: %s\n", names[k], err);
			continue;
		}
		mh[k].read = true;
		if (history_analyse(&mh[k].h, &so, check_floor(), &mh[k].a))
			fprintf(stderr, "ringbench: history of %s: out of memory\n", names[k]);
		with += mh[k].h.nruns > 0;
	}
	if (!mh)
		fprintf(stderr, "ringbench: history: out of memory\n");
	else if (with == 0)
		fprintf(stderr,
			"ringbench: the store %s holds no nights of any machine (`ringbench "
			"check` adds one per run)\n",
			store_name(st));
	else
		rc = print_machines(st, mh, nm, res, o->cases, nres, o->last);
	for (int k = 0; mh && k < nm; k++)
		if (mh[k].read) {
			history_analysis_free(&mh[k].a);
			history_free(&mh[k].h);
		}
	free(mh);
	store_free_names(names, nm);
out:
	for (int i = 0; i < nres; i++)
		regfree(&res[i]);
	free(res);
	return rc;
}

/* One machine's history: the tables, or why there are none. */
static int history_one(struct store *st, const struct history_opts *o)
{
	regex_t re;
	if (o->pattern && regcomp(&re, o->pattern, REG_EXTENDED | REG_NOSUB))
		return cli_usage("--case '%s': not a regular expression", o->pattern);
	char err[1400], old[1200];
	struct machine m;
	if (o->machine)
		snprintf(m.id, sizeof(m.id), "%s", o->machine);
	else
		machine_identify(&m);
	struct history h;
	struct history_analysis a = {0};
	struct step_opts so;
	steps_defaults(&so);
	int rc = BENCH_USAGE;
	if (history_load(st, m.id, 0, NULL, NULL, &h, err, sizeof(err))) {
		fprintf(stderr, "ringbench: %s\n", err);
	} else if (h.nruns == 0) {
		fprintf(stderr,
			"ringbench: history %s: no runs yet (`ringbench check` adds one per "
			"run)\n",
			h.dir);
		int n = history_old_files(m.id, old, sizeof(old));
		char qold[2500], qwhere[2500];
		if (n)
			fprintf(stderr,
				"ringbench: %s holds %d run%s from before the store: `ringbench "
				"store import %s%s%s` brings them in\n",
				old, n, n == 1 ? "" : "s", history_quote(old, qold, sizeof(qold)),
				o->store ? " --store " : "",
				o->store ? history_quote(store_name(st), qwhere, sizeof(qwhere))
					 : "");
	} else if (history_analyse(&h, &so, check_floor(), &a)) {
		fprintf(stderr, "ringbench: history: out of memory\n");
	} else {
		print_history(&h, &a, o->pattern ? &re : NULL, o->pattern, o->last);
		rc = BENCH_PASS;
	}
	if (o->pattern)
		regfree(&re);
	history_analysis_free(&a);
	history_free(&h);
	return rc;
}

int cmd_history(int argc, char **argv)
{
	struct history_opts o = {.last = 10};
	int rc = parse_args(argc, argv, &o);
	if (rc)
		return rc < 0 ? BENCH_PASS : rc;
	char err[1400];
	struct store *st;
	if (history_store_open(o.store, &st, err, sizeof(err))) {
		fprintf(stderr, "ringbench: %s\n", err);
		return BENCH_USAGE;
	}
	if (o.machines) {
		char *one[1] = {(char *)o.pattern};
		if (o.pattern && o.ncases == 0) {
			o.cases = one;
			o.ncases = 1;
		} else if (o.pattern) {
			store_close(st);
			return cli_usage("history --machines: give the cases as CASE... or --case, "
					 "not both");
		}
		rc = history_machines(st, &o);
	} else {
		rc = history_one(st, &o);
	}
	store_close(st);
	return rc;
}
