/* charts.c: the inputs of `plot` and `report`: a results file, judged
 * against a base (the machine's baseline, another file, or the A side of an
 * A/B run) the way check and ab judge, and the history for the trend. */
#include "report/charts.h"

#include "measure/bench.h"
#include "judge/baselines.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static bool exists(const char *p)
{
	return access(p, R_OK) == 0;
}

bool charts_store_exists(const char *where, char *name, size_t n)
{
	store_default_where(where, name, n);
	if (strncmp(name, "postgresql://", 13) == 0 || strncmp(name, "postgres://", 11) == 0)
		return true;
	/* Anything there, a folder too: store_open says what is wrong with it. */
	struct stat sb;
	return stat(name, &sb) == 0;
}

/* The baseline's acknowledgements, applied as check applies them; where
 * they cannot be read the page says why and the regressions stand. */
static void apply_acks(struct charts *c)
{
	if (acks_file(c->acks_path, sizeof(c->acks_path), c->baseline, c->cur.machine_id)) {
		c->acks_path[0] = 0;
		return;
	}
	char err[1400];
	if (acks_load(c->acks_path, &c->acks, err, sizeof(err))) {
		snprintf(c->acks_why, sizeof(c->acks_why), "%s", err);
		fprintf(stderr, "ringbench: the acknowledgements are not applied: %s\n", err);
		return;
	}
	struct ack_context ctx = {.now = time(NULL), .checked = c->cur.revision};
	acks_apply(&c->j, &c->acks, &ctx);
}

/* Judge cur against the base as check does: in pairs against the A side
 * of an interleaved run, else run by run against a stored baseline.  A base
 * that cannot be read or judged (another machine) is noted in base_why:
 * only the change chart needs it. */
static void judge_base(struct charts *c)
{
	char err[1400];
	/* The machine's baseline comes from the store, read already. */
	if (!c->have_base && sample_load(c->base_path, &c->base, err, sizeof(err))) {
		snprintf(c->base_why, sizeof(c->base_why), "%s", err);
		return;
	}
	c->have_base = true;
	judge_defaults(&c->opts, c->ab != NULL);
	c->opts.runs = true; /* a stored baseline: the run is the unit */
	if (judge(&c->base, &c->cur, &c->opts, &c->j, err, sizeof(err))) {
		snprintf(c->base_why, sizeof(c->base_why), "%s", err);
		return;
	}
	c->judged = true;
	if (!c->ab || c->ab == c->aside_path)
		apply_acks(c);
}

int charts_load(struct charts *c)
{
	char err[1400];
	if (sample_load(c->results, &c->cur, err, sizeof(err))) {
		fprintf(stderr, "ringbench: %s\n", err);
		return BENCH_USAGE;
	}
	if (c->cur.ncases == 0) {
		fprintf(stderr, "ringbench: %s: no benchmark cases in it: nothing to draw\n",
			c->results);
		return BENCH_USAGE;
	}
	const char *mid = c->cur.machine_id;
	/* An interleaved check leaves the baseline's build's run beside
	 * this one: the change is judged in pairs against it, as check did;
	 * only if it is this run's other side (one session's two builds). */
	snprintf(c->aside_path, sizeof(c->aside_path), "%s.baseline-build.json", c->results);
	if (!c->ab && !c->baseline && exists(c->aside_path)) {
		if (sample_pair_of(c->aside_path, &c->cur, err, sizeof(err)))
			c->ab = c->aside_path;
		else
			fprintf(stderr, "ringbench: %s is not used: %s\n", c->aside_path, err);
	}
	/* The store: the machine's baseline, its acknowledgements and its
	 * history.  One that cannot be opened is said for the charts that
	 * need it; one that is not there yet is not made (opening a SQLite
	 * store creates it), unless $RINGBENCH_HISTORY is set: then
	 * history_store_open refuses before it opens anything, and says how
	 * to bring that folder in. */
	if (c->history) {
		fprintf(stderr,
			"ringbench: --history %s: the history is kept in the results store now; "
			"bring the folder in with `ringbench store import %s`, and name the store "
			"with $RINGBENCH_STORE (default results/ringbench.db)\n",
			c->history, c->history);
		return BENCH_USAGE;
	}
	struct store *st = NULL;
	char serr[1400] = "", name[1200];
	const char *old = getenv("RINGBENCH_HISTORY");
	if (!(old && old[0]) && !charts_store_exists(c->store, name, sizeof(name)))
		snprintf(serr, sizeof(serr), "no results store at %s%s", name,
			 c->store ? "" : " yet");
	else if (history_store_open(c->store, &st, serr, sizeof(serr)))
		st = NULL;
	/* A store the user named with --store must be usable, as a named
	 * base must. */
	c->store_failed = c->store && !st;
	acks_set_store(st);
	if (c->ab || c->baseline) {
		snprintf(c->base_path, sizeof(c->base_path), "%s", c->ab ? c->ab : c->baseline);
	} else if (mid[0] && !st) {
		snprintf(c->base_why, sizeof(c->base_why), "%s", serr);
	} else if (mid[0]) {
		struct baseline_ref ref;
		baseline_ref(&ref, st, NULL, mid, "baseline");
		int got = baseline_load(&ref, &c->base, err, sizeof(err));
		if (got < 0)
			snprintf(c->base_why, sizeof(c->base_why), "%s", err);
		else if (got == 1)
			snprintf(c->base_path, sizeof(c->base_path), "%s", ref.path);
		c->have_base = got == 1;
	}
	if (c->base_path[0]) {
		judge_base(c);
		snprintf(c->against, sizeof(c->against), "%s %s", c->ab ? "A:" : "base",
			 c->base_path);
	}
	acks_set_store(NULL);
	if (c->no_history) {
		snprintf(c->history_why, sizeof(c->history_why), "left out (--no-history)");
	} else if (!st) {
		snprintf(c->history_why, sizeof(c->history_why), "%s", serr);
	} else if (history_load(st, mid[0] ? mid : "unknown-machine", 0, NULL, NULL, &c->h, err,
				sizeof(err))) {
		snprintf(c->history_why, sizeof(c->history_why), "%s", err);
	} else {
		snprintf(c->history_dir, sizeof(c->history_dir), "%s", c->h.dir);
		c->h.store = NULL; /* closed below: the charts only read it */
		struct step_opts so;
		steps_defaults(&so);
		struct judge_opts jo;
		judge_defaults(&jo, false);
		if (history_analyse(&c->h, &so, jo.floor, &c->a)) {
			snprintf(c->history_why, sizeof(c->history_why), "out of memory");
			history_free(&c->h);
		} else {
			c->have_history = true;
		}
	}
	store_close(st);
	return 0;
}

int charts_draw(struct charts *c, const char *dir, struct plot_output *po)
{
	struct plot_input in = {
	    .cur = &c->cur,
	    .judgement = c->judged ? &c->j : NULL,
	    .judged_against = c->against,
	    .history = c->have_history ? &c->h : NULL,
	    .analysis = c->have_history ? &c->a : NULL,
	    .scripts = plot_scripts_dir(),
	    .gnuplot = c->gnuplot,
	    .only = c->only,
	};
	int n = plot_draw(&in, dir, po);
	if (po->lacks[PLOT_CHANGE] && c->base_why[0])
		snprintf(po->why[PLOT_CHANGE], sizeof(po->why[PLOT_CHANGE]), "%s", c->base_why);
	if (po->lacks[PLOT_TREND] && !c->have_history && c->history_why[0])
		snprintf(po->why[PLOT_TREND], sizeof(po->why[PLOT_TREND]), "no history: %s",
			 c->history_why);
	po->left_out[PLOT_TREND] |= c->no_history;
	for (int i = 0; i < PLOT_COUNT; i++)
		n += po->left_out[i] && !po->drawn[i];
	return n;
}

bool charts_failed(const struct charts *c, const struct plot_output *po, int chart)
{
	if (po->drawn[chart] || po->left_out[chart])
		return false;
	if (!po->lacks[chart])
		return true;
	/* A base the user named (not the A side check left beside the
	 * results, which is used only where it fits), or a store named with
	 * --store that the chart's input was to come from: the trend's
	 * history, and the machine's baseline where no other base is given.
	 * (--history is refused before anything is read.) */
	bool named_base = c->baseline || (c->ab && c->ab != c->aside_path);
	if (chart == PLOT_CHANGE)
		return named_base || (c->store_failed && !c->baseline && !c->ab);
	return chart == PLOT_TREND && c->store_failed;
}

void charts_free(struct charts *c)
{
	if (c->judged)
		judgement_free(&c->j);
	if (c->have_base)
		sample_free(&c->base);
	acks_free(&c->acks);
	if (c->have_history) {
		history_analysis_free(&c->a);
		history_free(&c->h);
	}
	/* Zero until loaded (the options clear it), and zero again after a
	 * failed load: sample_free takes either. */
	sample_free(&c->cur);
}
