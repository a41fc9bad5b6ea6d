/* cmd_ab.c: `ringbench ab BASE [HEAD]`, the pre-merge verdict: two
 * revisions (or binaries) built and run interleaved, case by case, judged
 * pair by pair. */
#include "cli/builds.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/judging.h"
#include "judge/profile.h"
#include "measure/instr.h"
#include "measure/proc.h"
#include "measure/results.h"
#include "sys.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef RINGBENCH_SOURCE_DIR
#define RINGBENCH_SOURCE_DIR "."
#endif

#define usage_error cli_usage

static bool is_scenario(const char *arg)
{
	struct spec s;
	char err[256];
	spec_init(&s);
	return scenario_load(arg, &s, err, sizeof(err)) == 0;
}

/* Where the counts moved (judge/profile.h): both builds' callgrind files,
 * kept in calls/A and calls/B, compared function by function and line by
 * line, printed after the verdict and kept in B's document.  A side's
 * source text is the commit's its --version names (git show, from this
 * repository), or for a build with uncommitted changes its source tree's,
 * which its build folder names: binaries given by path included. */
static json_t *ab_profile(const struct build b[2], char tools[2][1200], const char *calls)
{
	char rev[2][128], dirs[2][1300], err[1400];
	struct profile_side side[2];
	for (int k = 0; k < 2; k++) {
		if (profile_revision_of(b[k].exe, rev[k], sizeof(rev[k])))
			rev[k][0] = 0;
		snprintf(dirs[k], sizeof(dirs[k]), "%s/%c", calls, 'A' + k);
		side[k] = (struct profile_side){.label = b[k].label,
						.calls = dirs[k],
						.tool = tools[k],
						.rev = rev[k],
						.repo = builds_root()[0] ? builds_root() : NULL};
	}
	json_t *p = profile_compare(side, err, sizeof(err));
	if (!p)
		fprintf(stderr, "ringbench ab: no profile: %s\n", err);
	else
		profile_print(stdout, p);
	return p;
}

/* Each side's ring_gbench counted, callgrind's files kept under calls. */
static int ab_count(const struct build b[2], char tools[2][1200], const char *calls, json_t *doc[2],
		    struct sample_set s[2])
{
	char err[1400], dir[1300];
	for (int k = 0; k < 2; k++) {
		if (instr_tool_beside(b[k].exe, tools[k], sizeof(tools[k]))) {
			fprintf(stderr,
				"ringbench ab: %s has no ring_gbench (%s): it predates the "
				"instruction counts, or was built without Google Benchmark\n",
				b[k].label, tools[k]);
			return BENCH_USAGE;
		}
		fprintf(stderr, "ringbench ab: counting %s's instructions\n", k ? "B" : "A");
		snprintf(dir, sizeof(dir), "%s/%c", calls, 'A' + k);
		if (mkdir(dir, 0700)) {
			fprintf(stderr, "ringbench ab: cannot make %s: %s\n", dir, strerror(errno));
			return BENCH_USAGE;
		}
		doc[k] = instr_measure_keep(tools[k], b[k].label, dir, err, sizeof(err));
		if (!doc[k]) {
			fprintf(stderr, "ringbench ab: %s\n", err);
			return BENCH_USAGE;
		}
		json_object_set_new(json_object_get(doc[k], "context"), "ab_build",
				    json_string(k ? "B" : "A"));
		if (sample_from_json(doc[k], k ? "B" : "A", &s[k], err, sizeof(err))) {
			fprintf(stderr, "ringbench ab: %s\n", err);
			return BENCH_USAGE;
		}
	}
	return 0;
}

/* ab --instructions: both builds' counts, compared as counts, and where
 * they moved. */
static int ab_instructions(const struct jcli *j, struct build b[2], int64_t t0)
{
	json_t *doc[2] = {NULL, NULL};
	struct sample_set s[2] = {{0}, {0}};
	char tools[2][1200], calls[] = "/tmp/ringbench-calls.XXXXXX";
	if (!mkdtemp(calls)) {
		fprintf(stderr, "ringbench ab: cannot make a temporary folder: %s\n",
			strerror(errno));
		return BENCH_USAGE;
	}
	int rc = ab_count(b, tools, calls, doc, s);
	if (!rc) {
		printf("A = %s\nB = %s\n", b[0].label, b[1].label);
		struct judgement jd = {0};
		const char *labels[2] = {"A", "B"};
		rc = judging_report(j, "ab", &s[0], &s[1], labels,
				    (double)(sys_now_ns() - t0) / 1e9, &jd, NULL);
		judgement_free(&jd);
		json_t *p = ab_profile(b, tools, calls);
		if (p && profile_operations(p))
			json_object_set_new(doc[1], "profile", p);
		else
			json_decref(p);
	}
	for (int k = 0; doc[0] && doc[1] && j->out && k < 2; k++) {
		char path[1100];
		snprintf(path, sizeof(path), "%s-%s.json", j->out, k ? "B" : "A");
		if (results_write(doc[k], path))
			fprintf(stderr, "ringbench ab: cannot write %s: %s\n", path,
				strerror(errno));
	}
	char *rm[] = {"rm", "-rf", calls, NULL};
	proc_run(rm, NULL);
	for (int k = 0; k < 2; k++) {
		sample_free(&s[k]);
		json_decref(doc[k]);
	}
	return rc;
}

static int ab_help(void)
{
	printf("usage: ringbench ab BASE [HEAD] [SCENARIO...] [options]\n\n"
	       "The pre-merge command: build BASE and HEAD (git revisions; HEAD defaults\n"
	       "to the working tree, uncommitted changes included) Release in a temporary\n"
	       "folder, or take two ringbench binaries given as paths; run the scenario\n"
	       "(quick) with both, case by case and repetition by repetition (A B, then\n"
	       "B A), so both see the same machine states; judge HEAD against BASE on\n"
	       "pairs taken in the same state (signed-rank test, bootstrap interval).\n"
	       "Run it before every merge:  ringbench ab main\n\n"
	       "A commit's build is kept in $RINGBENCH_BUILDS (results/builds/), as check\n"
	       "and bisect keep theirs, and taken from there next time: an ab against a\n"
	       "commit built before builds nothing for it.  The working tree is built\n"
	       "every time and never kept.\n\n"
	       "  --repetitions N   pairs per case (the scenario's, at least %d)\n"
	       "  --cpus P,C        the two CPUs (the scenario's)\n"
	       "  --out PREFIX      keep both runs' results as PREFIX-A.json, PREFIX-B.json\n"
	       "  --instructions    instead of timing, count the instructions of each ring\n"
	       "                    operation in both builds (their ring_gbench under\n"
	       "                    valgrind's callgrind): 1%% or more is a change, no\n"
	       "                    statistics (the count is the same every run); then\n"
	       "                    where each changed count moved, by function and source\n"
	       "                    line (kept in PREFIX-B.json with --out, for report)\n",
	       AB_MIN_REPS);
	printf(judging_options, "3%");
	printf("\n%s", judging_exit_text);
	return BENCH_PASS;
}

/* BASE, then HEAD (a revision or a binary) if the next argument is one,
 * then the scenarios; the builds come from the repository we run in. */
static int ab_sides(int argc, char **argv, int first, struct build b[2], char *scen[32], int *nscen)
{
	if (first >= argc)
		return usage_error("ab: name the BASE revision (for example: ringbench ab main)");
	char top[512];
	char *gtop[] = {"git", "rev-parse", "--show-toplevel", NULL};
	if (proc_capture_line(gtop, top, sizeof(top)) != 0 || !top[0])
		snprintf(top, sizeof(top), "%s", RINGBENCH_SOURCE_DIR);
	builds_init(top, "ringbench ab");

	b[0] = (struct build){.arg = argv[first]};
	b[1] = (struct build){.arg = NULL};
	*nscen = 0;
	for (int i = first + 1; i < argc; i++) {
		const char *a = argv[i];
		bool exe = build_is_binary(a);
		if (i == first + 1 && (exe || (!is_scenario(a) && build_is_revision(a))))
			b[1].arg = a;
		else if (is_scenario(a) && *nscen < 32)
			scen[(*nscen)++] = argv[i];
		else
			return usage_error("ab: '%s' is neither a revision, a ringbench binary nor "
					   "a scenario",
					   a);
	}
	bool base_exe = build_is_binary(b[0].arg);
	if (!base_exe && !build_is_revision(b[0].arg))
		return usage_error("ab: '%s' is not a git revision in %s, nor a ringbench binary",
				   b[0].arg, builds_root());
	return 0;
}

/* Both sides name one commit (an A/A run): true.  The working tree and
 * binaries never do. */
static bool one_commit(const struct build b[2])
{
	char c[2][128];
	for (int k = 0; k < 2; k++)
		if (!b[k].arg || build_is_binary(b[k].arg) ||
		    build_full_commit(b[k].arg, c[k], sizeof(c[k])) != 0 || !c[k][0])
			return false;
	return strcmp(c[0], c[1]) == 0;
}

/* Both builds made (or taken) and, where workers will run, speaking our
 * protocol; Ctrl-C while they build stops at the next step.  A revision's
 * build is kept in the folder of kept builds, as check's and bisect's are,
 * and taken from there when one is kept (with --instructions, only one
 * that has its ring_gbench): a commit is the same code however often it is
 * built.  The working tree and binaries given by path are never kept. */
static int ab_prepare(const struct jcli *j, struct build b[2])
{
	judging_catch_signals();
	int rc = build_prepare(&b[0], "A", j->instructions, true);
	/* Two builds of one commit differ only in the paths they embed (their
	 * worktree and build folder): one build serves both sides. */
	if (!rc && one_commit(b)) {
		const char *arg = b[1].arg;
		char label[sizeof(b[1].label)];
		const char *rev = strrchr(b[0].label, '(');
		snprintf(label, sizeof(label), "%.100s %.40s", arg, rev ? rev : "");
		b[1] = b[0];
		b[1].arg = arg;
		memcpy(b[1].label, label, sizeof(label)); /* its own name, A's commit */
		b[1].worktree[0] = 0;			  /* removed once, with A's */
		fprintf(stderr, "ringbench ab: A and B are one commit: built once, run as both\n");
	} else if (!rc && !bench_interrupted)
		rc = build_prepare(&b[1], "B", j->instructions, true);
	if (!rc && bench_interrupted)
		rc = BENCH_USAGE;
	/* Counting runs no workers: the protocol does not matter then. */
	if (!rc && !j->instructions)
		rc = build_check_protocol(&b[0]);
	if (!rc && !j->instructions)
		rc = build_check_protocol(&b[1]);
	return rc;
}

/* Each build's document tagged with its side and revision, and kept as
 * PREFIX-A.json and PREFIX-B.json with --out. */
static void ab_keep_results(const struct jcli *j, const struct build b[2], struct session *ss)
{
	for (int k = 0; k < 2; k++) {
		json_t *ctx = json_object_get(ss->doc[k], "context");
		json_object_set_new(ctx, "git_revision", json_string(b[k].label));
		json_object_set_new(ctx, "ab_build", json_string(k ? "B" : "A"));
		if (j->out) {
			char path[1100];
			snprintf(path, sizeof(path), "%s-%s.json", j->out, k ? "B" : "A");
			if (results_write(ss->doc[k], path))
				fprintf(stderr, "ringbench ab: cannot write %s: %s\n", path,
					strerror(errno));
		}
	}
}

/* Both builds run interleaved, case by case, and judged pair by pair. */
static int ab_measure(struct jcli *j, const struct build b[2], struct bench_case *cases, int ncases,
		      const struct spec *spec, int64_t t0, double build_s)
{
	fprintf(stderr,
		"ringbench ab: A = %s, B = %s; %d cases x %d pairs (+%d warm-up), interleaved "
		"(builds took %.0f s)\n",
		b[0].label, b[1].label, ncases, spec->repetitions, spec->warmup, build_s);
	j->lim.stall_ns = 2000000000LL;
	struct session ss = {.cases = cases,
			     .ncases = ncases,
			     .reps = spec->repetitions,
			     .warm = spec->warmup,
			     .lim = j->lim,
			     .exe = {b[0].exe, b[1].exe},
			     .label = {"A", "B"},
			     .nbuilds = 2,
			     .scenario = spec->scenario,
			     .cpu = {spec->cpu[0], spec->cpu[1]},
			     .progress = "ab"};
	struct sample_set sa_set = {0}, sb_set = {0};
	int rc = session_run(&ss);
	if (rc == BENCH_USAGE)
		goto done;
	judging_note_system(&ss);
	ab_keep_results(j, b, &ss);
	if ((rc = judging_sample_of(&ss, 0, b[0].label, &sa_set)) ||
	    (rc = judging_sample_of(&ss, 1, b[1].label, &sb_set)))
		goto done;
	struct judgement jd;
	const char *labels[2] = {"A", "B"};
	printf("A = %s\nB = %s\n", b[0].label, b[1].label);
	double total = (double)(sys_now_ns() - t0) / 1e9;
	rc = judging_report(j, "ab", &sa_set, &sb_set, labels, total, &jd, NULL);
	judgement_free(&jd);
	fprintf(stderr, "ringbench ab: %.0f s in all (builds %.0f s, measuring %.0f s)\n", total,
		build_s, ss.seconds);
done:
	session_free(&ss);
	sample_free(&sa_set);
	sample_free(&sb_set);
	return rc;
}

int cmd_ab(int argc, char **argv)
{
	struct jcli j = {0};
	judge_defaults(&j.opts, true);
	int first, rc = judging_args(argc, argv, &j, &first, true);
	if (rc)
		return rc;
	if (j.help)
		return ab_help();
	struct build b[2];
	char *scen[32];
	int nscen = 0;
	if ((rc = ab_sides(argc, argv, first, b, scen, &nscen)))
		return rc;
	struct spec spec;
	struct bench_case *cases = NULL;
	int ncases = judging_cases(nscen, scen, "quick", &j, &spec, &cases);
	if (ncases < 0)
		return -ncases;
	if (!j.repetitions && spec.repetitions < AB_MIN_REPS)
		spec.repetitions = AB_MIN_REPS;

	int64_t t0 = sys_now_ns();
	rc = ab_prepare(&j, b);
	double build_s = (double)(sys_now_ns() - t0) / 1e9;
	if (!rc && j.instructions)
		rc = ab_instructions(&j, b, t0);
	else if (!rc)
		rc = ab_measure(&j, b, cases, ncases, &spec, t0, build_s);
	builds_cleanup(b, 2);
	free(cases);
	return rc;
}
