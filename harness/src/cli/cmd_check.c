/* cmd_check.c: `ringbench check`, the nightly verdict: a scenario run and
 * judged against this machine's baseline, interleaved with a build of the
 * baseline's revision where one can be made, else against its stored runs;
 * each night kept in the history, whose steps it reports. */
#include "cli/builds.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/judging.h"
#include "judge/acks.h"
#include "judge/baselines.h"
#include "judge/history.h"
#include "judge/profile.h"
#include "measure/instr.h"
#include "measure/results.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define usage_error cli_usage

/* ---- check's history ---- */

struct history_check {
	bool on;
	double regress; /* a worse step this big is a regression */
	struct store *store;
	const char *where; /* --store's store, for the commands it prints (no password) */
	char machine[256];
	char stem[160];
	json_t *unstored;  /* tonight's run, where the store did not take it */
	bool store_failed; /* the store could not take the run or the steps */
	/* after the runs: tonight's new steps, for the report */
	char title[1200];
	char **lines;
	int nlines, nreg;
	/* that analysis, kept for the ledger once the exit is known */
	bool record;
	struct history h;
	struct history_analysis a;
};

static int history_read(struct history_check *hc, struct history *h, struct history_analysis *a)
{
	struct step_opts so;
	steps_defaults(&so);
	char err[1400] = "out of memory";
	memset(a, 0, sizeof(*a));
	if (history_load(hc->store, hc->machine, 0, hc->unstored, hc->stem, h, err, sizeof(err)) ||
	    history_analyse(h, &so, hc->regress, a)) {
		fprintf(stderr, "ringbench check: the history in %s cannot be read: %s\n",
			store_name(hc->store), err);
		hc->store_failed = true;
		history_analysis_free(a);
		history_free(h);
		return -1;
	}
	return 0;
}

struct check;
static bool check_reopen_store(struct check *ck, const char *why);

/* Keep doc in the history; where the store cannot take it, it is opened
 * again and the run put once more (check_reopen_store), else the run is
 * kept for tonight's analysis and the store's failure said at the end. */
static void history_put_tonight(struct history_check *hc, json_t *doc, struct check *ck)
{
	char err[1400];
	int rc = history_put(hc->store, hc->machine, hc->stem, false, doc, err, sizeof(err));
	if (rc < 0 && check_reopen_store(ck, err))
		rc = history_put(hc->store, hc->machine, hc->stem, false, doc, err, sizeof(err));
	if (rc == 1) {
		/* Judged all the same: that run is another, of the same second. */
		fprintf(
		    stderr,
		    "ringbench check: the store %s holds a night of this machine with tonight's "
		    "time (to the second), revision and scenario already: tonight's run is not "
		    "added to it\n",
		    store_name(hc->store));
		hc->unstored = doc;
	}
	if (rc < 0) {
		fprintf(stderr, "ringbench check: tonight's run is not kept in the history: %s\n",
			err);
		hc->unstored = doc;
		hc->store_failed = true;
	}
}

/* A history that starts tonight while the folder of before the store
 * holds runs: they are not imported yet. */
static void history_old_hint(const struct history_check *hc)
{
	char dir[1200];
	int old = history_old_files(hc->machine, dir, sizeof(dir));
	if (hc->h.nnights > 1 || old == 0)
		return;
	char qdir[2500], qwhere[2500];
	printf("ringbench check: the history in the store %s starts tonight, but %s holds %d "
	       "run%s from before the store: bring them in with `ringbench store import %s%s%s` "
	       "(steps are found once they are in)\n",
	       store_name(hc->store), dir, old, old == 1 ? "" : "s",
	       history_quote(dir, qdir, sizeof(qdir)), hc->where ? " --store " : "",
	       hc->where ? history_quote(hc->where, qwhere, sizeof(qwhere)) : "");
}

/* Tonight's new steps, once the runs are in: printed, and kept for the
 * report (hc->lines, the first hc->nreg of them regressions). */
static void history_steps(struct history_check *hc)
{
	if (history_read(hc, &hc->h, &hc->a))
		return;
	hc->record = true;
	history_old_hint(hc);
	int n = writeup_history_lines(&hc->h, &hc->a, &hc->lines, &hc->nreg);
	hc->nlines = n < 0 ? 0 : n;
	int nights = hc->h.nnights;
	snprintf(hc->title, sizeof(hc->title), "Steps in the history (%d night%s, %s)", nights,
		 nights == 1 ? "" : "s", hc->h.dir);
	printf("history (%s): %d night%s, %d series, %d new step%s\n", hc->h.dir, nights,
	       nights == 1 ? "" : "s", hc->a.nseries, hc->nlines, hc->nlines == 1 ? "" : "s");
	for (int i = 0; i < hc->nlines; i++)
		printf("  %s%s\n", i < hc->nreg ? "REGRESSION " : "", hc->lines[i]);
}

/* Once the exit status is known: a pass or a regression reports tonight's
 * steps, so the ledger keeps them and no later night reports them again;
 * an environment error or a visibility failure leaves them for the next
 * night.  Tonight's steps go into the store only with tonight's run. */
static void history_done(struct history_check *hc, int rc)
{
	char err[1400];
	if (hc->record && !hc->unstored && (rc == BENCH_PASS || rc == BENCH_REGRESSION) &&
	    history_record(&hc->h, &hc->a, err, sizeof(err))) {
		fprintf(stderr, "ringbench check: the steps reported tonight are not kept: %s\n",
			err);
		hc->store_failed = true;
	}
	if (hc->record) {
		history_analysis_free(&hc->a);
		history_free(&hc->h);
	}
	for (int i = 0; i < hc->nlines; i++)
		free(hc->lines[i]);
	free(hc->lines);
	hc->record = false;
	hc->lines = NULL;
	hc->nlines = 0;
}

/* Where the counts moved (judge/profile.h): the baseline's revision built
 * with its ring_gbench as this build was (its build type, from its build
 * folder), both counted again with callgrind's files kept and compared
 * function by function and line by line, the profile kept in the counts'
 * file; or why there is none. */
static void check_profile(const struct sample_set *base, const struct sample_set *cur,
			  const char *tool, json_t *doc, const char *out)
{
	if (!profile_wanted(base, cur))
		return;
	char why[1400] = "", src[1100] = "", type[64] = "", top[1100] = "", btool[1200];
	const char *rev = base->revision;
	size_t rl = strlen(rev);
	char *gtop[] = {"git", "-C", src, "rev-parse", "--show-toplevel", NULL};
	struct build bb = {.arg = rev};
	if (!rl || !strcmp(rev, "unknown") || (rl > 6 && !strcmp(rev + rl - 6, "-dirty")))
		snprintf(why, sizeof(why), "the baseline's revision (%s) is no commit to build",
			 rl ? rev : "not recorded");
	else if (instr_build_info(tool, src, sizeof(src), type, sizeof(type)) ||
		 build_capture(gtop, top, sizeof(top)) || !top[0])
		snprintf(why, sizeof(why), "this build's source tree is not a git repository");
	if (!why[0]) {
		builds_init(top, "ringbench check");
		bb.build_type = type[0] ? type : NULL;
		if (!build_is_revision(rev))
			snprintf(why, sizeof(why), "the baseline's revision %s is not in %s", rev,
				 top);
		else if (build_prepare(&bb, "profile", true, true) ||
			 instr_tool_beside(bb.exe, btool, sizeof(btool)))
			snprintf(why, sizeof(why), "no build of %s with ring_gbench (said above)",
				 rev);
	}
	json_t *p = NULL;
	if (!why[0]) {
		char la[200], lb[200];
		snprintf(la, sizeof(la), "the baseline's revision, %s", rev);
		snprintf(lb, sizeof(lb), "this build, %s", ringbench_revision);
		struct profile_side side[2] = {
		    {.label = la, .tool = btool, .rev = rev, .repo = top},
		    {.label = lb, .tool = tool, .rev = ringbench_revision, .repo = top}};
		p = profile_measure(side, why, sizeof(why));
	}
	if (p && !profile_operations(p))
		printf("ringbench check: no profile: a build of %s counts as this one does (the "
		       "stored counts come from another build)\n",
		       rev);
	else if (p)
		profile_print(stdout, p);
	else
		printf("ringbench check: no profile of the counts: %s\n", why);
	if (p && profile_operations(p)) {
		json_object_set_new(doc, "profile", p);
		results_write(doc, out);
	} else {
		json_decref(p);
	}
	builds_cleanup(&bb, 1);
}

/* check --instructions: this build's counts against the stored ones. */
static int check_instructions(const struct jcli *j, struct store *store)
{
	char exe[1024], tool[1200], err[1400];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[len > 0 ? len : 0] = 0;
	if (instr_tool_beside(exe, tool, sizeof(tool))) {
		fprintf(stderr,
			"ringbench check: no ring_gbench beside this ringbench (%s): build with "
			"Google Benchmark (libbenchmark-dev)\n",
			tool);
		return BENCH_USAGE;
	}
	json_t *doc = instr_measure(tool, NULL, err, sizeof(err));
	if (!doc) {
		fprintf(stderr, "ringbench check: %s\n", err);
		return BENCH_USAGE;
	}
	char out[1100];
	if (j->out)
		snprintf(out, sizeof(out), "%s", j->out);
	else
		judging_runs_path(out, sizeof(out), "instructions");
	if (results_write(doc, out) == 0)
		fprintf(stderr, "ringbench check: the counts are in %s\n", out);
	struct sample_set cur = {0}, base = {0};
	int rc = BENCH_USAGE;
	if (sample_from_json(doc, out, &cur, err, sizeof(err))) {
		fprintf(stderr, "ringbench check: %s\n", err);
		goto done;
	}
	struct baseline_ref ref;
	baseline_ref(&ref, store, j->baseline, cur.machine_id, "instructions");
	int got = baseline_load(&ref, &base, err, sizeof(err));
	if (got < 0) {
		fprintf(stderr, "ringbench check: %s\n", err);
		goto done;
	}
	if (got == 0 && j->baseline) {
		fprintf(stderr, "ringbench: --baseline %s: %s\n", j->baseline, strerror(ENOENT));
		goto done;
	}
	if (got == 0) {
		rc = baseline_store(doc, cur.machine_id, &ref);
		if (rc == BENCH_PASS)
			printf("ringbench check: no instruction counts stored for this machine: "
			       "these are now its baseline, %s\n",
			       ref.path);
		else
			fprintf(stderr,
				"ringbench check: the counts are kept in %s; check --instructions "
				"again once the store can be written makes them the baseline\n",
				out);
		goto done;
	}
	struct judgement jd = {0};
	const char *labels[2] = {"baseline", "now"};
	struct jcli jk = *j;
	judging_acks_beside(&jk, cur.machine_id, ".instructions");
	rc = judging_report(&jk, "check", &base, &cur, labels, 0, &jd, NULL);
	judgement_free(&jd);
	check_profile(&base, &cur, tool, doc, out);
done:
	sample_free(&base);
	sample_free(&cur);
	json_decref(doc);
	return rc;
}

enum check_method { CHECK_AUTO, CHECK_INTERLEAVE, CHECK_STORED };

/* One check's state, handed from step to step. */
struct check {
	struct jcli j;
	enum check_method method;
	struct spec spec;
	struct bench_case *cases;
	int ncases;
	struct machine m;
	struct store *store; /* the results store: history, baselines, acknowledgements */
	bool reopened;	     /* the store was opened again (check_reopen_store) */
	struct baseline_ref bref;
	bool have_base;
	struct sample_set base;
	struct build bb;
	bool inter; /* interleaved with bb, a build of the baseline's revision */
	struct session ss;
	double seconds;
	int now; /* tonight's build's document in ss */
	char out[1100];
	struct history_check hc;
	struct writeup_meta hm;
	struct sample_set cur, side_a;
	char changes[600];
};

static int check_help(void)
{
	printf("usage: ringbench check [SCENARIO...] [--baseline FILE] [--store WHERE]\n"
	       "                       [options]\n\n"
	       "The nightly command: run the scenario (quick) and judge it against this\n"
	       "machine's baseline in the results store (or the JSON file FILE).  With no\n"
	       "baseline it saves this run as the baseline and says so (exit 0).  A\n"
	       "machine with no baseline in the store takes the file committed with the\n"
	       "tree, results/baselines/<machine-id>.json ($RINGBENCH_BASELINES/), into it\n"
	       "when there is one.\n\n"
	       "Two methods.  interleave (where a build of the baseline's revision can be\n"
	       "made: from git, kept in results/builds/ for the next night): the baseline's\n"
	       "build and this one run case by case, A B then B A, judged pair by pair as\n"
	       "`ab` does; this one sees changes of a few percent.  stored: tonight's run\n"
	       "against the stored runs of the baseline, the run as the unit (each run's\n"
	       "median against the spread of the baseline's runs, alpha shared by every\n"
	       "figure); it needs a baseline of at least %d runs (ringbench baseline add)\n"
	       "and says which change it can call on this machine.  Every repetition\n"
	       "carries the machine's state; figures are compared only within a state.\n\n"
	       "  --method M        auto (interleave where it can, else stored), interleave,\n"
	       "                    or stored\n"
	       "  --baseline-build EXE  interleave with this ringbench binary as the\n"
	       "                    baseline's build instead of building its revision\n"
	       "  --repetitions N   repetitions of each case (the scenario's, at least %d;\n"
	       "                    %d pairs when interleaved)\n"
	       "  --cpus P,C        the two CPUs (the scenario's)\n"
	       "  --out FILE        keep this run's results here (default results/runs/);\n"
	       "                    interleaved, the baseline build's beside it as\n"
	       "                    FILE.baseline-build.json\n"
	       "  --store WHERE     the results store: a SQLite file, or a PostgreSQL server\n"
	       "                    (postgresql://...); default $RINGBENCH_STORE, else\n"
	       "                    results/ringbench.db.  This run goes into the machine's\n"
	       "                    history there (one transaction), and the steps it\n"
	       "                    completes are reported; see ringbench history.  Where\n"
	       "                    the store cannot take it, the run stays in --out's file,\n"
	       "                    the command to import it is printed, and check exits 2\n"
	       "                    after its verdict\n"
	       "  --no-history      keep this run out of the history\n"
	       "  --instructions    instead of timing the scenario, count the instructions\n"
	       "                    of each ring operation (ring_gbench beside this\n"
	       "                    ringbench, under valgrind's callgrind) and compare\n"
	       "                    them with the machine's stored counts (the first run\n"
	       "                    stores them): 1%% or more is a change\n"
	       "  --results FILE    measure nothing: judge FILE, a run measured before (by\n"
	       "                    check --out, run, or a CI step of its own), as check\n"
	       "                    judges tonight's: in pairs against FILE.baseline-build.json\n"
	       "                    when it is FILE's other side, else against the baseline's\n"
	       "                    stored runs (instruction counts against the machine's\n"
	       "                    stored counts); the baseline is the machine's that\n"
	       "                    FILE names, or --baseline; nothing goes into the history\n",
	       JUDGE_MIN_RUNS, CHECK_MIN_REPS, AB_MIN_REPS);
	printf(judging_options, "5% stored, 3% interleaved");
	printf("\nRegressions acknowledged with `ringbench ack` (kept with the baseline: in\n"
	       "the store, or FILE.acks.json for --baseline FILE) are shown as\n"
	       "acknowledged, with their reason, and pass, until they expire or the figure\n"
	       "moves beyond the change accepted by its threshold.  Every verdict is kept as\n"
	       "results/runs/<machine-id>.last-verdict.json (FILE.last-verdict.json for\n"
	       "--baseline FILE) for ack to take the change from.\n");
	printf("\nThe history folders of before the store (--history DIR, $RINGBENCH_HISTORY)\n"
	       "are refused: `ringbench store import DIR` brings one into the store.\n");
	printf("\n%s", judging_exit_text);
	return BENCH_PASS;
}

static int check_method_of(struct check *ck)
{
	const char *m = ck->j.method;
	ck->method = CHECK_AUTO;
	if (m && strcmp(m, "interleave") == 0)
		ck->method = CHECK_INTERLEAVE;
	else if (m && strcmp(m, "stored") == 0)
		ck->method = CHECK_STORED;
	else if (m && strcmp(m, "auto") != 0)
		return usage_error("check: --method '%s': auto, interleave or stored", m);
	return 0;
}

/* Everything a check holds, released on every path out of it. */
static void check_free(struct check *ck)
{
	session_free(&ck->ss);
	sample_free(&ck->base);
	if (ck->bb.arg)
		builds_cleanup(&ck->bb, 1);
	free(ck->cases);
	ck->cases = NULL;
}

/* The scenario's cases and this machine's baseline, if it has one. */
static int check_load(struct check *ck, int nscen, char **scen)
{
	ck->ncases = judging_cases(nscen, scen, "quick", &ck->j, &ck->spec, &ck->cases);
	if (ck->ncases < 0)
		return -ck->ncases;
	if (!ck->j.repetitions && ck->spec.repetitions < CHECK_MIN_REPS)
		ck->spec.repetitions = CHECK_MIN_REPS;
	machine_identify(&ck->m);
	baseline_ref(&ck->bref, ck->store, ck->j.baseline, ck->m.id, "baseline");
	if (ck->j.baseline && access(ck->j.baseline, F_OK) != 0) {
		int e = errno;
		check_free(ck);
		fprintf(stderr, "ringbench: --baseline %s: %s\n", ck->j.baseline, strerror(e));
		return BENCH_USAGE;
	}
	char err[1400];
	int got = baseline_load(&ck->bref, &ck->base, err, sizeof(err));
	if (got < 0) {
		fprintf(stderr, "ringbench: the baseline is unreadable: %s\n", err);
		check_free(ck);
		return BENCH_USAGE;
	}
	ck->have_base = got == 1;
	/* Read now, with the baseline: a store that goes away while the run
	 * is measured still leaves a verdict to print. */
	if (ck->have_base && !ck->j.baseline && acks_preload(ck->m.id, err, sizeof(err))) {
		fprintf(stderr, "ringbench: the acknowledgements are unreadable: %s\n", err);
		check_free(ck);
		return BENCH_USAGE;
	}
	return 0;
}

/* --baseline-build names a binary to interleave with: only where there is
 * a baseline and the method may interleave. */
static int check_baseline_build_arg(struct check *ck)
{
	const char *exe = ck->j.baseline_build;
	if (!exe)
		return 0;
	if (!ck->have_base) {
		check_free(ck);
		return usage_error("check: --baseline-build: there is no baseline (%s) to judge "
				   "against yet",
				   ck->bref.path);
	}
	if (ck->method == CHECK_STORED || !build_is_binary(exe)) {
		check_free(ck);
		return usage_error("check: --baseline-build %s: %s", exe,
				   ck->method == CHECK_STORED ? "not with --method stored"
							      : "not an executable file");
	}
	return 0;
}

/* A build of the baseline's revision (or --baseline-build) to interleave
 * with; where none can be had, auto falls back to the stored runs. */
static int check_try_interleave(struct check *ck)
{
	char why[1400];
	if (ck->j.baseline_build) {
		ck->bb.arg = ck->j.baseline_build;
		ck->inter = build_prepare(&ck->bb, "baseline", false, false) == 0 &&
			    build_check_protocol(&ck->bb) == 0;
		snprintf(why, sizeof(why), "--baseline-build %s cannot run here",
			 ck->j.baseline_build);
	} else {
		ck->inter = build_of_revision(ck->base.revision, "ringbench check", &ck->bb, why,
					      sizeof(why)) == 0;
	}
	if (bench_interrupted) {
		check_free(ck);
		return BENCH_USAGE;
	}
	if (!ck->inter && (ck->method == CHECK_INTERLEAVE || ck->j.baseline_build)) {
		fprintf(stderr, "ringbench check: cannot interleave: %s\n", why);
		check_free(ck);
		return BENCH_USAGE;
	}
	if (!ck->inter)
		fprintf(stderr,
			"ringbench check: not interleaved: %s; judging against the "
			"baseline's stored runs instead\n",
			why);
	return 0;
}

/* The method: a build of the baseline's revision beside this one where one
 * can be made, else the stored figures.  Ctrl-C or a CI timeout while it
 * builds still removes the worktree. */
static int check_choose_method(struct check *ck)
{
	judging_catch_signals();
	int rc = check_baseline_build_arg(ck);
	if (!rc && ck->have_base && ck->method != CHECK_STORED)
		rc = check_try_interleave(ck);
	if (rc)
		return rc;
	if (ck->inter && !ck->j.repetitions && ck->spec.repetitions < AB_MIN_REPS)
		ck->spec.repetitions = AB_MIN_REPS;
	return 0;
}

/* Tonight's runs, interleaved with the baseline's build or alone. */
static int check_run(struct check *ck)
{
	const struct spec *sp = &ck->spec;
	ck->j.lim.stall_ns = 2000000000LL;
	ck->ss = (struct session){.cases = ck->cases,
				  .ncases = ck->ncases,
				  .reps = sp->repetitions,
				  .warm = sp->warmup,
				  .lim = ck->j.lim,
				  .exe = {ck->inter ? ck->bb.exe : NULL, NULL},
				  .label = {"baseline build", "now"},
				  .nbuilds = ck->inter ? 2 : 1,
				  .scenario = sp->scenario,
				  .cpu = {sp->cpu[0], sp->cpu[1]},
				  .progress = "check"};
	if (ck->inter)
		fprintf(stderr,
			"ringbench check: %d cases x %d pairs (+%d warm-up), interleaved with the "
			"baseline's build %s\n",
			ck->ncases, sp->repetitions, sp->warmup, ck->bb.label);
	else
		fprintf(stderr, "ringbench check: %d cases x %d repetitions (+%d warm-up)%s%s\n",
			ck->ncases, sp->repetitions, sp->warmup, ck->have_base ? " against " : "",
			ck->have_base ? ck->bref.path : ", no baseline yet");
	int rc = session_run(&ck->ss);
	ck->seconds = ck->ss.seconds;
	ck->now = ck->inter ? 1 : 0;
	if (rc != BENCH_USAGE)
		judging_note_system(&ck->ss);
	return rc;
}

/* This run's results into --out (or results/runs/), and interleaved, the
 * baseline build's beside them. */
static void check_keep_results(struct check *ck, int rc)
{
	struct session *ss = &ck->ss;
	if (ck->j.out)
		snprintf(ck->out, sizeof(ck->out), "%s", ck->j.out);
	else
		judging_runs_path(ck->out, sizeof(ck->out), "check");
	char aside[1200];
	snprintf(aside, sizeof(aside), "%.1100s.baseline-build.json", ck->out);
	/* A file beside this run from an earlier one would pass for its. */
	unlink(aside);
	if (ck->inter && ss->doc[0]) {
		json_t *ctx = json_object_get(ss->doc[0], "context");
		json_object_set_new(ctx, "git_revision", json_string(ck->base.revision));
		json_object_set_new(ctx, "ab_build", json_string("A"));
		json_object_set_new(json_object_get(ss->doc[1], "context"), "ab_build",
				    json_string("B"));
	}
	if (rc != BENCH_USAGE && results_write(ss->doc[ck->now], ck->out) == 0) {
		fprintf(stderr, "ringbench check: this run's results are in %s\n", ck->out);
		if (ck->inter && results_write(ss->doc[0], aside) == 0)
			fprintf(stderr,
				"ringbench check: the baseline build's, beside them, in %s\n",
				aside);
	}
}

/* A PostgreSQL store that did not take tonight's run (its connection may
 * have dropped while check measured: a server restarted, an idle timeout):
 * opened again, once, and everything that holds it given the new one.
 * true when it is open again. */
static bool check_reopen_store(struct check *ck, const char *why)
{
	if (ck->reopened || store_backend(ck->store) != STORE_POSTGRESQL)
		return false;
	ck->reopened = true;
	fprintf(stderr,
		"ringbench check: the store %s did not take tonight's run (%s): connecting to "
		"it again to put it once more\n",
		store_name(ck->store), why);
	struct store *s;
	char err[1400];
	if (history_store_open(ck->j.store, &s, err, sizeof(err))) {
		fprintf(stderr, "ringbench check: %s\n", err);
		return false;
	}
	if (ck->bref.store == ck->store)
		ck->bref.store = s;
	acks_set_store(s);
	store_close(ck->store);
	ck->store = ck->hc.store = s;
	if (ck->hc.where)
		ck->hc.where = store_name(s);
	return true;
}

/* The history: tonight's run goes in; a step it alone shows waits for the
 * next night, since a re-run now would share tonight's conditions. */
static void check_history_add(struct check *ck)
{
	struct history_check *hc = &ck->hc;
	json_t *doc = ck->ss.doc[ck->now];
	if (!ck->j.no_history) {
		hc->store = ck->store;
		hc->where = ck->j.store ? store_name(ck->store) : NULL;
		snprintf(hc->machine, sizeof(hc->machine), "%s", ck->m.id);
		hc->regress = ck->j.opts.threshold > 0 ? ck->j.opts.threshold : ck->j.opts.floor;
		history_stem(hc->store, hc->machine, doc, hc->stem, sizeof(hc->stem));
		history_put_tonight(hc, doc, ck);
		hc->on = true;
		history_steps(hc);
	}
	ck->hm = (struct writeup_meta){.history_title = hc->title[0] ? hc->title : NULL,
				       .history = hc->lines,
				       .nhistory = hc->nlines,
				       .history_regressions = hc->nreg};
}

/* No baseline yet: this run becomes it, unless it failed to see messages. */
static int check_first_baseline(struct check *ck, int rc)
{
	if (rc == BENCH_VISIBILITY) {
		fprintf(stderr, "ringbench check: visibility failures: not saved as the "
				"baseline\n");
	} else {
		printf("ringbench check: no baseline for this machine (%s) yet: this run is "
		       "the baseline from now on; the next check is judged against it (by a "
		       "build of its revision beside the checked one where one can be "
		       "made, else by its stored runs, which takes %d: ringbench baseline "
		       "add).\n",
		       ck->m.id, JUDGE_MIN_RUNS);
		rc = baseline_store(ck->ss.doc[0], ck->m.id, &ck->bref);
		if (rc == BENCH_PASS && ck->hc.nreg)
			rc = BENCH_REGRESSION;
		char qout[2500], qwhere[2500];
		if (rc == BENCH_USAGE && ck->bref.store && ck->out[0])
			fprintf(stderr,
				"ringbench check: this run is kept in %s: `ringbench baseline save "
				"%s%s%s` makes it the baseline once the store can be written\n",
				ck->out, history_quote(ck->out, qout, sizeof(qout)),
				ck->j.store ? " --store " : "",
				ck->j.store
				    ? history_quote(store_name(ck->store), qwhere, sizeof(qwhere))
				    : "");
	}
	/* No verdict, but the run's figures, as a plain run writes them. */
	rc = judging_session_formats(&ck->j.formats, &ck->ss, 0, rc);
	FILE *f = ck->j.markdown && ck->hm.history_title ? fopen(ck->j.markdown, "w") : NULL;
	if (f) {
		writeup_history_markdown(f, &ck->hm);
		fclose(f);
	}
	return rc;
}

/* Pair by pair against the baseline's build, with ab's floor.  The
 * build's side comes from tonight's session, unless check --results has
 * read it from the file beside the results already (its session is
 * empty). */
static int check_judge_interleaved(struct check *ck, struct judgement *jd)
{
	int rc = ck->side_a.path ? 0 : judging_sample_of(&ck->ss, 0, ck->bb.label, &ck->side_a);
	if (rc)
		return rc;
	struct jcli jp = ck->j;
	jp.opts.paired = true;
	jp.opts.floor = 0.03; /* ab's: pairs see small changes */
	const char *labels[2] = {"baseline build", "now"};
	printf("baseline build = %s, the revision of %s\nnow = this ringbench\n", ck->bb.label,
	       ck->bref.path);
	return judging_report(&jp, "check", &ck->side_a, &ck->cur, labels, ck->seconds, jd,
			      &ck->hm);
}

/* Run by run against the baseline's stored runs, and how to let it call
 * a change it could not. */
static int check_judge_stored(struct check *ck, struct judgement *jd)
{
	const struct jcli *j = &ck->j;
	struct jcli jr = *j;
	jr.opts.runs = true;
	const char *labels[2] = {"baseline", "now"};
	int rc =
	    judging_report(&jr, "check", &ck->base, &ck->cur, labels, ck->seconds, jd, &ck->hm);
	int more = JUDGE_MIN_RUNS - ck->base.nruns;
	/* The baseline `baseline add` adds to: the same as this check's. */
	char which[1400];
	snprintf(which, sizeof(which), "%s%s%s%s", j->baseline ? " --baseline " : "",
		 j->baseline ? j->baseline : "", !j->baseline && j->store ? " --store " : "",
		 !j->baseline && j->store ? store_name(ck->store) : "");
	if (jd->changed[0] && jd->method == JUDGE_RUNS && ck->base.nruns < JUDGE_MIN_RUNS)
		printf("ringbench check: run `ringbench baseline add%s` on %d more "
		       "night%s (each adds one run), or let check interleave with a "
		       "build of the baseline's revision\n",
		       which, more, more == 1 ? "" : "s");
	else if (jd->changed[0] && jd->method == JUDGE_RUNS)
		printf("ringbench check: to judge runs in this machine state, add runs "
		       "taken in it to the baseline once you trust them: ringbench "
		       "baseline add%s %s\n",
		       which, ck->out);
	return rc;
}

/* Tonight's run judged against the baseline, by the method chosen. */
static int check_judge(struct check *ck)
{
	int rc = judging_sample_of(&ck->ss, ck->now, "this run", &ck->cur);
	if (rc)
		return rc;
	judging_acks_beside(&ck->j, ck->m.id, "");
	sample_machine_changes(&ck->base, &ck->cur, ck->changes, sizeof(ck->changes));
	ck->hm.machine_note = ck->changes;
	struct judgement jd = {0};
	if (ck->inter)
		rc = check_judge_interleaved(ck, &jd);
	else
		rc = check_judge_stored(ck, &jd);
	judgement_free(&jd);
	return rc;
}

static bool has_instructions(const struct sample_set *s)
{
	for (int i = 0; i < s->ncases; i++)
		if (s->cases[i].has[FIG_INSTR])
			return true;
	return false;
}

/* check --results: the file and the baseline it is judged against, which
 * must exist (a file measured elsewhere is never made the baseline by
 * being judged).  0, or exit code 2 said. */
static int results_load(struct check *ck, bool *instr)
{
	char err[1400];
	if (sample_load(ck->j.results, &ck->cur, err, sizeof(err))) {
		fprintf(stderr, "ringbench check: %s\n", err);
		return BENCH_USAGE;
	}
	*instr = has_instructions(&ck->cur);
	if (ck->cur.machine_id[0])
		snprintf(ck->m.id, sizeof(ck->m.id), "%s", ck->cur.machine_id);
	else
		machine_identify(&ck->m);
	baseline_ref(&ck->bref, ck->store, ck->j.baseline, ck->m.id,
		     *instr ? "instructions" : "baseline");
	int got = baseline_load(&ck->bref, &ck->base, err, sizeof(err));
	if (got < 0) {
		fprintf(stderr, "ringbench: the baseline is unreadable: %s\n", err);
		return BENCH_USAGE;
	}
	if (got == 0)
		return usage_error("check --results: no baseline to judge %s against (%s: none "
				   "there); ringbench baseline save stores one",
				   ck->j.results, ck->bref.path);
	return 0;
}

/* Whether FILE.baseline-build.json lies beside check --results FILE as its
 * other side (read into ck->side_a).  A file there that is not, or cannot
 * be read, is said, so that judging by the stored runs instead is no
 * surprise. */
static bool results_other_side(struct check *ck)
{
	char aside[1200], err[1400];
	snprintf(aside, sizeof(aside), "%.1100s.baseline-build.json", ck->j.results);
	if (access(aside, F_OK) != 0)
		return false;
	if (sample_pair_of(aside, &ck->cur, err, sizeof(err)) &&
	    sample_load(aside, &ck->side_a, err, sizeof(err)) == 0)
		return true;
	fprintf(stderr,
		"ringbench check: %s is not used: %s; judging against the baseline's stored "
		"runs instead\n",
		aside, err);
	return false;
}

/* check --results FILE: a run measured before, judged as check judges
 * tonight's: in pairs against its baseline build's run when one lies
 * beside it as its other side, else against the stored figures. */
static int check_results(struct check *ck)
{
	bool instr;
	int rc = results_load(ck, &instr);
	if (rc)
		return rc;
	fprintf(stderr, "ringbench check: judging %s (measured before) against %s\n", ck->j.results,
		ck->bref.path);
	judging_acks_beside(&ck->j, ck->m.id, instr ? ".instructions" : "");
	snprintf(ck->out, sizeof(ck->out), "%s", ck->j.results);
	sample_machine_changes(&ck->base, &ck->cur, ck->changes, sizeof(ck->changes));
	ck->hm.machine_note = ck->changes;
	ck->inter = !instr && results_other_side(ck);
	struct judgement jd = {0};
	const char *labels[2] = {"baseline", "now"};
	if (ck->inter) {
		snprintf(ck->bb.label, sizeof(ck->bb.label), "%s", ck->side_a.revision);
		rc = check_judge_interleaved(ck, &jd);
	} else if (instr) {
		rc = judging_report(&ck->j, "check", &ck->base, &ck->cur, labels, 0, &jd, &ck->hm);
	} else {
		rc = check_judge_stored(ck, &jd);
	}
	judgement_free(&jd);
	return rc;
}

/* Options that make or keep a run mean nothing when --results judges one
 * measured before. */
static int results_args(const struct check *ck, int nscen)
{
	const struct jcli *j = &ck->j;
	if (nscen || j->method || j->baseline_build || j->repetitions || j->cpus_given || j->out ||
	    j->history)
		return usage_error("check --results judges a file measured before: no scenario, "
				   "--method, --baseline-build, --repetitions, --cpus, --out or "
				   "--history");
	return 0;
}

/* The results store, for the history, the baselines and their
 * acknowledgements.  0, or exit code 2 said. */
static int check_open_store(struct check *ck)
{
	char qdir[2500];
	if (ck->j.history)
		return usage_error("check: --history %s: the history is kept in the results store "
				   "now; bring the folder in with `ringbench store import %s`, and "
				   "name the store with --store WHERE (default $RINGBENCH_STORE, "
				   "else results/ringbench.db)",
				   ck->j.history, history_quote(ck->j.history, qdir, sizeof(qdir)));
	char err[1400];
	if (history_store_open(ck->j.store, &ck->store, err, sizeof(err))) {
		fprintf(stderr, "ringbench check: %s\n", err);
		return BENCH_USAGE;
	}
	acks_set_store(ck->store);
	return 0;
}

static void check_close_store(struct check *ck)
{
	acks_set_store(NULL);
	store_close(ck->store);
	ck->store = NULL;
}

/* The store could not take tonight's run or its steps: the run is in its
 * file, and the command to bring it in is said.  An environment error
 * (exit 2), after the verdict, unless a visibility failure outranks it. */
static int check_store_failed(const struct check *ck, int rc)
{
	if (!ck->hc.store_failed)
		return rc;
	char where[2600] = "", qwhere[2500], qout[2500];
	if (ck->j.store)
		snprintf(where, sizeof(where), " --store %s",
			 history_quote(store_name(ck->store), qwhere, sizeof(qwhere)));
	if (ck->hc.unstored && ck->out[0])
		fprintf(
		    stderr,
		    "ringbench check: tonight's run is not in the store %s: it is kept in %s; "
		    "bring it in with `ringbench store import %s --kind night%s` once the store "
		    "can be written\n",
		    store_name(ck->store), ck->out, history_quote(ck->out, qout, sizeof(qout)),
		    where);
	else
		fprintf(stderr,
			"ringbench check: the store %s could not give the history back or take "
			"tonight's steps (said above): the next check looks for them again\n",
			store_name(ck->store));
	return rc == BENCH_VISIBILITY ? rc : BENCH_USAGE;
}

int cmd_check(int argc, char **argv)
{
	struct check ck = {0};
	judge_defaults(&ck.j.opts, false);
	int first, rc = judging_args(argc, argv, &ck.j, &first, true);
	if (rc)
		return rc;
	if (ck.j.help)
		return check_help();
	if (ck.j.results) {
		rc = results_args(&ck, argc - first);
		if (!rc && !(rc = check_open_store(&ck)))
			rc = check_results(&ck);
		sample_free(&ck.cur);
		sample_free(&ck.side_a);
		check_free(&ck);
		check_close_store(&ck);
		return rc;
	}
	if ((rc = check_open_store(&ck)))
		return rc;
	if (ck.j.instructions) {
		rc = check_instructions(&ck.j, ck.store);
		check_close_store(&ck);
		return rc;
	}
	if ((rc = check_method_of(&ck)) || (rc = check_load(&ck, argc - first, argv + first)) ||
	    (rc = check_choose_method(&ck))) {
		check_close_store(&ck);
		return rc;
	}
	rc = check_run(&ck);
	check_keep_results(&ck, rc);
	if (rc != BENCH_USAGE) {
		check_history_add(&ck);
		rc = ck.have_base ? check_judge(&ck) : check_first_baseline(&ck, rc);
		if (ck.hc.on)
			history_done(&ck.hc, rc);
		rc = check_store_failed(&ck, rc);
		sample_free(&ck.cur);
		sample_free(&ck.side_a);
	}
	fprintf(stderr, "ringbench check: %.0f s\n", ck.seconds);
	check_free(&ck);
	check_close_store(&ck);
	return rc;
}
