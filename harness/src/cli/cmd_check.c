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
				"ringbench check: the baseline folder's path is too long\n");
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
	rc = judging_report(j, "check", &base, &cur, labels, 0, &jd, NULL);
	judgement_free(&jd);
done:
	sample_free(&base);
	sample_free(&cur);
	json_decref(doc);
	return rc;
}

enum check_method { CHECK_AUTO, CHECK_INTERLEAVE, CHECK_STORED };

int cmd_check(int argc, char **argv)
{
	struct jcli j = {0};
	judge_defaults(&j.opts, false);
	int first, rc = judging_args(argc, argv, &j, &first, true);
	if (rc)
		return rc;
	if (j.help) {
		printf(
		    "usage: ringbench check [SCENARIO...] [--baseline FILE] [options]\n\n"
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
		    "                    (the first run saves it): 1%% or more is a change\n",
		    JUDGE_MIN_RUNS, CHECK_MIN_REPS, AB_MIN_REPS);
		printf(judging_options, "5% stored, 3% interleaved");
		printf("\n%s", judging_exit_text);
		return BENCH_PASS;
	}
	if (j.instructions)
		return check_instructions(&j);
	enum check_method method = CHECK_AUTO;
	if (j.method && strcmp(j.method, "interleave") == 0)
		method = CHECK_INTERLEAVE;
	else if (j.method && strcmp(j.method, "stored") == 0)
		method = CHECK_STORED;
	else if (j.method && strcmp(j.method, "auto") != 0)
		return usage_error("check: --method '%s': auto, interleave or stored", j.method);
	struct spec spec;
	struct bench_case *cases = NULL;
	int ncases = judging_cases(argc - first, argv + first, "quick", &j, &spec, &cases);
	if (ncases < 0)
		return -ncases;
	if (!j.repetitions && spec.repetitions < CHECK_MIN_REPS)
		spec.repetitions = CHECK_MIN_REPS;
	struct machine m;
	machine_identify(&m);
	char bpath[1200];
	baseline_path(bpath, sizeof(bpath), j.baseline, m.id);
	bool have_base = access(bpath, F_OK) == 0;
	if (!have_base && j.baseline) {
		free(cases);
		fprintf(stderr, "ringbench: --baseline %s: %s\n", j.baseline, strerror(errno));
		return BENCH_USAGE;
	}
	struct sample_set base = {0};
	char err[1200];
	if (have_base && sample_load(bpath, &base, err, sizeof(err))) {
		fprintf(stderr, "ringbench: the baseline is unreadable: %s\n", err);
		sample_free(&base);
		free(cases);
		return BENCH_USAGE;
	}
	/* The method: a build of the baseline's revision beside this one
	 * where one can be made, else the stored figures.  Ctrl-C or a CI
	 * timeout while it builds still removes the worktree. */
	judging_catch_signals();
	struct build bb = {0};
	bool inter = false;
	if (j.baseline_build && !have_base) {
		sample_free(&base);
		free(cases);
		return usage_error("check: --baseline-build: there is no baseline (%s) to judge "
				   "against yet",
				   bpath);
	}
	if (j.baseline_build && (method == CHECK_STORED || !build_is_binary(j.baseline_build))) {
		sample_free(&base);
		free(cases);
		return usage_error("check: --baseline-build %s: %s", j.baseline_build,
				   method == CHECK_STORED ? "not with --method stored"
							  : "not an executable file");
	}
	if (have_base && method != CHECK_STORED) {
		char why[1400];
		if (j.baseline_build) {
			bb.arg = j.baseline_build;
			inter = build_prepare(&bb, "baseline", false, false) == 0 &&
				build_check_protocol(&bb) == 0;
			snprintf(why, sizeof(why), "--baseline-build %s cannot run here",
				 j.baseline_build);
		} else {
			inter = build_of_revision(base.revision, "ringbench check", &bb, why,
						  sizeof(why)) == 0;
		}
		if (bench_interrupted) {
			if (bb.arg)
				builds_cleanup(&bb, 1);
			sample_free(&base);
			free(cases);
			return BENCH_USAGE;
		}
		if (!inter && (method == CHECK_INTERLEAVE || j.baseline_build)) {
			fprintf(stderr, "ringbench check: cannot interleave: %s\n", why);
			if (bb.arg)
				builds_cleanup(&bb, 1);
			sample_free(&base);
			free(cases);
			return BENCH_USAGE;
		}
		if (!inter)
			fprintf(stderr,
				"ringbench check: not interleaved: %s; judging against the "
				"baseline's stored runs instead\n",
				why);
	}
	if (inter && !j.repetitions && spec.repetitions < AB_MIN_REPS)
		spec.repetitions = AB_MIN_REPS;
	j.lim.stall_ns = 2000000000LL;
	struct session ss = {.cases = cases,
			     .ncases = ncases,
			     .reps = spec.repetitions,
			     .warm = spec.warmup,
			     .lim = j.lim,
			     .exe = {inter ? bb.exe : NULL, NULL},
			     .label = {"baseline build", "now"},
			     .nbuilds = inter ? 2 : 1,
			     .scenario = spec.scenario,
			     .cpu = {spec.cpu[0], spec.cpu[1]},
			     .progress = "check"};
	if (inter)
		fprintf(stderr,
			"ringbench check: %d cases x %d pairs (+%d warm-up), interleaved with the "
			"baseline's build %s\n",
			ncases, spec.repetitions, spec.warmup, bb.label);
	else
		fprintf(stderr, "ringbench check: %d cases x %d repetitions (+%d warm-up)%s%s\n",
			ncases, spec.repetitions, spec.warmup, have_base ? " against " : "",
			have_base ? bpath : ", no baseline yet");
	rc = session_run(&ss);
	double seconds = ss.seconds;
	int now = inter ? 1 : 0; /* tonight's build's document */
	if (rc != BENCH_USAGE)
		judging_note_system(&ss);
	char out[1100];
	if (j.out)
		snprintf(out, sizeof(out), "%s", j.out);
	else
		judging_runs_path(out, sizeof(out), "check");
	char aside[1200];
	snprintf(aside, sizeof(aside), "%.1100s.baseline-build.json", out);
	/* A file beside this run from an earlier one would pass for its. */
	unlink(aside);
	if (inter && ss.doc[0]) {
		json_t *ctx = json_object_get(ss.doc[0], "context");
		json_object_set_new(ctx, "git_revision", json_string(base.revision));
		json_object_set_new(ctx, "ab_build", json_string("A"));
		json_object_set_new(json_object_get(ss.doc[1], "context"), "ab_build",
				    json_string("B"));
	}
	if (rc != BENCH_USAGE && results_write(ss.doc[now], out) == 0) {
		fprintf(stderr, "ringbench check: this run's results are in %s\n", out);
		if (inter && results_write(ss.doc[0], aside) == 0)
			fprintf(stderr,
				"ringbench check: the baseline build's, beside them, in %s\n",
				aside);
	}
	if (rc == BENCH_USAGE)
		goto done;
	/* The history: tonight's run goes in; a step it alone shows waits for
	 * the next night, since a re-run now would share tonight's
	 * conditions. */
	struct history_check hc = {0};
	if (!j.no_history) {
		if (j.history)
			snprintf(hc.dir, sizeof(hc.dir), "%s", j.history);
		else
			history_dir(hc.dir, sizeof(hc.dir));
		hc.regress = j.opts.threshold > 0 ? j.opts.threshold : j.opts.floor;
		history_stem(hc.dir, ss.doc[now], hc.stem, sizeof(hc.stem));
		hc.on = history_put(&hc, ss.doc[now], false) == 0;
	}
	if (hc.on)
		history_steps(&hc);
	struct writeup_meta hm = {.history_title = hc.title[0] ? hc.title : NULL,
				  .history = hc.lines,
				  .nhistory = hc.nlines,
				  .history_regressions = hc.nreg};
	struct sample_set cur = {0}, side_a = {0};
	if (!have_base) {
		if (rc == BENCH_VISIBILITY) {
			fprintf(stderr, "ringbench check: visibility failures: not saved as the "
					"baseline\n");
		} else {
			printf(
			    "ringbench check: no baseline for this machine (%s) yet: this run is "
			    "the baseline from now on; the next check is judged against it (by a "
			    "build of its revision beside the checked one where one can be "
			    "made, else by its stored runs, which takes %d: ringbench baseline "
			    "add).\n",
			    m.id, JUDGE_MIN_RUNS);
			rc = baseline_store(ss.doc[0], m.id, bpath);
			if (rc == BENCH_PASS && hc.nreg)
				rc = BENCH_REGRESSION;
		}
		FILE *f = j.markdown && hm.history_title ? fopen(j.markdown, "w") : NULL;
		if (f) {
			writeup_history_markdown(f, &hm);
			fclose(f);
		}
		goto history;
	}
	if ((rc = judging_sample_of(&ss, now, "this run", &cur)))
		goto history;
	char changes[600];
	sample_machine_changes(&base, &cur, changes, sizeof(changes));
	hm.machine_note = changes;
	struct judgement jd = {0};
	if (inter) {
		if ((rc = judging_sample_of(&ss, 0, bb.label, &side_a)))
			goto history;
		struct jcli jp = j;
		jp.opts.paired = true;
		jp.opts.floor = 0.03; /* ab's: pairs see small changes */
		const char *labels[2] = {"baseline build", "now"};
		printf("baseline build = %s, the revision of %s\nnow = this ringbench\n", bb.label,
		       bpath);
		rc = judging_report(&jp, "check", &side_a, &cur, labels, seconds, &jd, &hm);
	} else {
		struct jcli jr = j;
		jr.opts.runs = true;
		const char *labels[2] = {"baseline", "now"};
		rc = judging_report(&jr, "check", &base, &cur, labels, seconds, &jd, &hm);
		if (jd.changed[0] && jd.method == JUDGE_RUNS && base.nruns < JUDGE_MIN_RUNS)
			printf("ringbench check: run `ringbench baseline add%s%s` on %d more "
			       "night%s (each adds one run), or let check interleave with a "
			       "build of the baseline's revision\n",
			       j.baseline ? " --baseline " : "", j.baseline ? j.baseline : "",
			       JUDGE_MIN_RUNS - base.nruns,
			       JUDGE_MIN_RUNS - base.nruns == 1 ? "" : "s");
		else if (jd.changed[0] && jd.method == JUDGE_RUNS)
			printf("ringbench check: to judge runs in this machine state, add runs "
			       "taken in it to the baseline once you trust them: ringbench "
			       "baseline add%s%s %s\n",
			       j.baseline ? " --baseline " : "", j.baseline ? j.baseline : "", out);
	}
	judgement_free(&jd);
history:
	if (hc.on)
		history_done(&hc, rc);
	sample_free(&cur);
	sample_free(&side_a);
done:
	fprintf(stderr, "ringbench check: %.0f s\n", seconds);
	session_free(&ss);
	sample_free(&base);
	if (bb.arg)
		builds_cleanup(&bb, 1);
	free(cases);
	return rc;
}
