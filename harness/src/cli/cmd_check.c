/* cmd_check.c: `ringbench check`, the nightly verdict: a scenario run and
 * judged against this machine's baseline, interleaved with a build of the
 * baseline's revision where one can be made, else against its stored runs;
 * each night kept in the history, whose steps it reports. */
#include "cli/builds.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/judging.h"
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
	char dir[1024];
	char stem[160];
	/* after the runs: tonight's new steps, for the report */
	char title[1200];
	char **lines;
	int nlines, nreg;
	/* that analysis, kept for the ledger once the exit is known */
	bool record;
	struct history h;
	struct history_analysis a;
};

static int history_read(const struct history_check *hc, struct history *h,
			struct history_analysis *a)
{
	struct step_opts so;
	steps_defaults(&so);
	char err[1200] = "out of memory";
	memset(a, 0, sizeof(*a));
	if (history_load(hc->dir, 0, h, err, sizeof(err)) ||
	    history_analyse(h, &so, hc->regress, a)) {
		fprintf(stderr, "ringbench check: the history %s cannot be read: %s\n", hc->dir,
			err);
		history_analysis_free(a);
		history_free(h);
		return -1;
	}
	return 0;
}

/* Keep doc in the history. */
static int history_put(struct history_check *hc, json_t *doc, bool rerun)
{
	char err[1200];
	if (history_write(hc->dir, hc->stem, rerun, doc, err, sizeof(err))) {
		fprintf(stderr, "ringbench check: not kept in the history: %s\n", err);
		return -1;
	}
	return 0;
}

/* Tonight's new steps, once the runs are in: printed, and kept for the
 * report (hc->lines, the first hc->nreg of them regressions). */
static void history_steps(struct history_check *hc)
{
	if (history_read(hc, &hc->h, &hc->a))
		return;
	hc->record = true;
	int n = writeup_history_lines(&hc->h, &hc->a, &hc->lines, &hc->nreg);
	hc->nlines = n < 0 ? 0 : n;
	int nights = hc->h.nnights;
	snprintf(hc->title, sizeof(hc->title), "Steps in the history (%d night%s, %s)", nights,
		 nights == 1 ? "" : "s", hc->dir);
	printf("history (%s): %d night%s, %d series, %d new step%s\n", hc->dir, nights,
	       nights == 1 ? "" : "s", hc->a.nseries, hc->nlines, hc->nlines == 1 ? "" : "s");
	for (int i = 0; i < hc->nlines; i++)
		printf("  %s%s\n", i < hc->nreg ? "REGRESSION " : "", hc->lines[i]);
}

/* Once the exit status is known: a pass or a regression reports tonight's
 * steps, so the ledger keeps them and no later night reports them again;
 * an environment error or a visibility failure leaves them for the next
 * night. */
static void history_done(struct history_check *hc, int rc)
{
	char err[1200];
	if (hc->record && (rc == BENCH_PASS || rc == BENCH_REGRESSION) &&
	    history_record(&hc->h, &hc->a, err, sizeof(err)))
		fprintf(stderr, "ringbench check: %s\n", err);
	if (hc->record) {
		history_analysis_free(&hc->a);
		history_free(&hc->h);
	}
	for (int i = 0; i < hc->nlines; i++)
		free(hc->lines[i]);
	free(hc->lines);
	memset(hc, 0, sizeof(*hc));
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
static int check_instructions(const struct jcli *j)
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
	char bpath[1200];
	if (j->baseline) {
		snprintf(bpath, sizeof(bpath), "%s", j->baseline);
	} else {
		if (baseline_sibling(bpath, sizeof(bpath), cur.machine_id, ".instructions.json")) {
			fprintf(stderr,
				"ringbench check: no baseline path for machine '%s': too long, or "
				"not a file name\n",
				cur.machine_id);
			goto done;
		}
		if (access(bpath, R_OK) != 0) {
			char dir[900];
			baseline_dir(dir, sizeof(dir));
			if (results_mkdirs(dir) || results_write(doc, bpath)) {
				fprintf(stderr, "ringbench check: cannot save %s: %s\n", bpath,
					strerror(errno));
				goto done;
			}
			printf("ringbench check: no instruction counts stored for this machine: "
			       "these are now its baseline, %s\n",
			       bpath);
			rc = BENCH_PASS;
			goto done;
		}
	}
	if (sample_load(bpath, &base, err, sizeof(err))) {
		fprintf(stderr, "ringbench check: %s\n", err);
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
	char bpath[1200];
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
	printf("usage: ringbench check [SCENARIO...] [--baseline FILE] [options]\n\n"
	       "The nightly command: run the scenario (quick) and judge it against this\n"
	       "machine's baseline (results/baselines/<machine-id>.json, or FILE).  With no\n"
	       "baseline it saves this run as the baseline and says so (exit 0).\n\n"
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
	       "  --history DIR     add this run to a history and report the steps it\n"
	       "                    completes (default $RINGBENCH_HISTORY, or\n"
	       "                    results/history/<machine-id>/); see ringbench history\n"
	       "  --no-history      keep this run out of the history\n"
	       "  --instructions    instead of timing the scenario, count the instructions\n"
	       "                    of each ring operation (ring_gbench beside this\n"
	       "                    ringbench, under valgrind's callgrind) and compare\n"
	       "                    them with "
	       "results/baselines/<machine-id>.instructions.json\n"
	       "                    (the first run saves it): 1%% or more is a change\n"
	       "  --results FILE    measure nothing: judge FILE, a run measured before (by\n"
	       "                    check --out, run, or a CI step of its own), as check\n"
	       "                    judges tonight's: in pairs against FILE.baseline-build.json\n"
	       "                    when it is FILE's other side, else against the baseline's\n"
	       "                    stored runs (instruction counts against the machine's\n"
	       "                    .instructions.json); the baseline is the machine's that\n"
	       "                    FILE names, or --baseline; nothing goes into the history\n",
	       JUDGE_MIN_RUNS, CHECK_MIN_REPS, AB_MIN_REPS);
	printf(judging_options, "5% stored, 3% interleaved");
	printf("\nRegressions acknowledged with `ringbench ack` (kept beside the baseline:\n"
	       "<machine-id>.acks.json, or FILE.acks.json for --baseline FILE) are shown as\n"
	       "acknowledged, with their reason, and pass, until they expire or the figure\n"
	       "moves beyond the change accepted by its threshold.  Every verdict is kept as\n"
	       "results/runs/<machine-id>.last-verdict.json (FILE.last-verdict.json for\n"
	       "--baseline FILE) for ack to take the change from.\n");
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
	baseline_path(ck->bpath, sizeof(ck->bpath), ck->j.baseline, ck->m.id);
	ck->have_base = access(ck->bpath, F_OK) == 0;
	if (!ck->have_base && ck->j.baseline) {
		int e = errno;
		check_free(ck);
		fprintf(stderr, "ringbench: --baseline %s: %s\n", ck->j.baseline, strerror(e));
		return BENCH_USAGE;
	}
	char err[1200];
	if (ck->have_base && sample_load(ck->bpath, &ck->base, err, sizeof(err))) {
		fprintf(stderr, "ringbench: the baseline is unreadable: %s\n", err);
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
				   ck->bpath);
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
			ck->have_base ? ck->bpath : ", no baseline yet");
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

/* The history: tonight's run goes in; a step it alone shows waits for the
 * next night, since a re-run now would share tonight's conditions. */
static void check_history_add(struct check *ck)
{
	struct history_check *hc = &ck->hc;
	json_t *doc = ck->ss.doc[ck->now];
	if (!ck->j.no_history) {
		if (ck->j.history)
			snprintf(hc->dir, sizeof(hc->dir), "%s", ck->j.history);
		else
			history_dir(hc->dir, sizeof(hc->dir));
		hc->regress = ck->j.opts.threshold > 0 ? ck->j.opts.threshold : ck->j.opts.floor;
		history_stem(hc->dir, doc, hc->stem, sizeof(hc->stem));
		hc->on = history_put(hc, doc, false) == 0;
	}
	if (hc->on)
		history_steps(hc);
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
		rc = baseline_store(ck->ss.doc[0], ck->m.id, ck->bpath);
		if (rc == BENCH_PASS && ck->hc.nreg)
			rc = BENCH_REGRESSION;
	}
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
	       ck->bpath);
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
	if (jd->changed[0] && jd->method == JUDGE_RUNS && ck->base.nruns < JUDGE_MIN_RUNS)
		printf("ringbench check: run `ringbench baseline add%s%s` on %d more "
		       "night%s (each adds one run), or let check interleave with a "
		       "build of the baseline's revision\n",
		       j->baseline ? " --baseline " : "", j->baseline ? j->baseline : "", more,
		       more == 1 ? "" : "s");
	else if (jd->changed[0] && jd->method == JUDGE_RUNS)
		printf("ringbench check: to judge runs in this machine state, add runs "
		       "taken in it to the baseline once you trust them: ringbench "
		       "baseline add%s%s %s\n",
		       j->baseline ? " --baseline " : "", j->baseline ? j->baseline : "", ck->out);
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
	if (ck->j.baseline)
		snprintf(ck->bpath, sizeof(ck->bpath), "%s", ck->j.baseline);
	else if (*instr)
		baseline_sibling(ck->bpath, sizeof(ck->bpath), ck->m.id, ".instructions.json");
	else
		baseline_file(ck->bpath, sizeof(ck->bpath), ck->m.id);
	if (access(ck->bpath, R_OK) != 0)
		return usage_error("check --results: no baseline to judge %s against (%s: %s); "
				   "ringbench baseline save stores one",
				   ck->j.results, ck->bpath, strerror(errno));
	if (sample_load(ck->bpath, &ck->base, err, sizeof(err))) {
		fprintf(stderr, "ringbench: the baseline is unreadable: %s\n", err);
		return BENCH_USAGE;
	}
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
		ck->bpath);
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
		if (!rc)
			rc = check_results(&ck);
		sample_free(&ck.cur);
		sample_free(&ck.side_a);
		check_free(&ck);
		return rc;
	}
	if (ck.j.instructions)
		return check_instructions(&ck.j);
	if ((rc = check_method_of(&ck)) || (rc = check_load(&ck, argc - first, argv + first)) ||
	    (rc = check_choose_method(&ck)))
		return rc;
	rc = check_run(&ck);
	check_keep_results(&ck, rc);
	if (rc != BENCH_USAGE) {
		check_history_add(&ck);
		rc = ck.have_base ? check_judge(&ck) : check_first_baseline(&ck, rc);
		if (ck.hc.on)
			history_done(&ck.hc, rc);
		sample_free(&ck.cur);
		sample_free(&ck.side_a);
	}
	fprintf(stderr, "ringbench check: %.0f s\n", ck.seconds);
	check_free(&ck);
	return rc;
}
