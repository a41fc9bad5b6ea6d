/* cmd_bisect.c: `ringbench bisect GOOD BAD [SCENARIO]`: the first commit
 * between two revisions where a case's figure moved.  Each commit tried is
 * built (incrementally, in one worktree; kept builds are taken as they
 * are) and judged against GOOD as `ab` judges: interleaved pairs for time,
 * or callgrind's instruction counts (exact).  The search itself is
 * judge/bisect.c's. */
#include "cli/builds.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/judging.h"
#include "judge/bisect.h"
#include "measure/instr.h"
#include "measure/proc.h"
#include "measure/results.h"
#include "sys.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef RINGBENCH_SOURCE_DIR
#define RINGBENCH_SOURCE_DIR "."
#endif

#define usage_error cli_usage
#define MAX_COMMITS 100000
#define MAX_TARGETS 64

static const char help[] =
    "usage: ringbench bisect GOOD BAD [SCENARIO] [--case REGEX] [--instructions] [options]\n"
    "\n"
    "Find the first commit after GOOD, on the way to BAD (git's first-parent line\n"
    "from GOOD to BAD), where a case's figure moved.  The ends are judged first,\n"
    "BAD against GOOD: the figures that regressed or improved are the ones looked\n"
    "for.  Then each step builds the commit in the middle of the range still open\n"
    "and judges it against GOOD the way `ab` does: both builds run interleaved,\n"
    "pair by pair (time), or their instruction counts compared (--instructions:\n"
    "exact, the same every run).  A commit is bad when a figure moved as it did\n"
    "at BAD, good when every one stayed; any other verdict (too few pairs, no\n"
    "machine state in common, a commit that does not build or run) ends the\n"
    "search with the range that remains, and no commit is named the culprit.\n"
    "\n"
    "Builds go in one worktree, each commit checked out over the last (an\n"
    "incremental build), and are kept in $RINGBENCH_BUILDS (results/builds/):\n"
    "a second bisect over the same commits builds nothing.\n"
    "\n"
    "  --case REGEX      only the cases whose name matches (POSIX extended regex);\n"
    "                    instruction counts are named instructions/OP/size:N\n"
    "  --instructions    judge instruction counts (ring_gbench under callgrind)\n"
    "  --repetitions N   pairs per case and step (time; the scenario's, at least %d)\n"
    "  --cpus P,C        the two CPUs (time; the scenario's)\n"
    "  --threshold PCT   a fixed threshold, e.g. 5%% (5 and 0.05 are 5%% too; time;\n"
    "                    default: the larger of 3%% and the noise)\n"
    "  --alpha A         significance of the rank test (0.01)\n"
    "  --log FILE        the log as JSON (default: results/runs/bisect-STAMP.json)\n"
    "\n"
    "SCENARIO (time only) defaults to quick; name a case with --case to keep each\n"
    "step short.\n"
    "\n"
    "exit status: 0 the culprit named; 1 none named (the ends do not differ, or a\n"
    "step had no verdict: the range that remains is said); 2 usage error, an end\n"
    "that cannot be built or run, ends with no verdict, or interrupted\n";

struct commit {
	char hash[48];
	char subject[200];
	struct build b;
	bool built, failed;
	json_t *counts; /* --instructions: its counts, once taken */
};

struct bisector {
	const char *good_arg, *bad_arg, *scenario, *case_re, *log_path;
	bool instructions;
	struct jcli j;
	regex_t re;
	bool have_re;
	struct commit good;
	struct commit *c; /* [n], BAD last */
	int n;
	struct bench_case *cases;
	int ncases;
	struct spec spec;
	struct bisect_target t[MAX_TARGETS];
	int nt;
	struct bisect s;
	int rounds;
	json_t *log, *steps;
	int64_t t0;
};

static int parse_args(int argc, char **argv, struct bisector *bs)
{
	static const struct option opts[] = {{"case", required_argument, 0, 'c'},
					     {"instructions", no_argument, 0, 'I'},
					     {"repetitions", required_argument, 0, 'R'},
					     {"cpus", required_argument, 0, 'p'},
					     {"threshold", required_argument, 0, 't'},
					     {"alpha", required_argument, 0, 'a'},
					     {"log", required_argument, 0, 'l'},
					     {"help", no_argument, 0, 'h'},
					     {0, 0, 0, 0}};
	char err[256];
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': bs->case_re = optarg; break;
		case 'I': bs->instructions = true; break;
		case 'R':
			if (spec_parse_int(optarg, 1, 1000, &bs->j.repetitions, err, sizeof(err)))
				return usage_error("bisect: --repetitions: %s", err);
			break;
		case 'p':
			if (spec_parse_cpus(optarg, bs->j.cpu, err, sizeof(err)))
				return usage_error("bisect: --cpus: %s", err);
			bs->j.cpus_given = true;
			break;
		case 't':
			if (judging_fraction(optarg, &bs->j.opts.threshold))
				return usage_error(
				    "bisect: --threshold '%s': a percentage such as 5%% "
				    "(at most 1000%%)",
				    optarg);
			break;
		case 'a':
			if (judging_alpha(optarg, &bs->j.opts.alpha))
				return usage_error(
				    "bisect: --alpha '%s': a probability between 0 and 0.5",
				    optarg);
			break;
		case 'l': bs->log_path = optarg; break;
		case 'h': bs->j.help = true; return 0;
		default: return usage_error("bisect: unknown option '%s'", argv[optind - 1]);
		}
	}
	int left = argc - optind;
	if (left < 2 || left > 3)
		return usage_error("bisect: name GOOD and BAD (and at most one scenario)");
	bs->good_arg = argv[optind];
	bs->bad_arg = argv[optind + 1];
	bs->scenario = left == 3 ? argv[optind + 2] : NULL;
	if (bs->scenario && bs->instructions)
		return usage_error("bisect: --instructions counts ring_gbench's operations; it "
				   "takes no scenario");
	if (bs->case_re) {
		int rc = regcomp(&bs->re, bs->case_re, REG_EXTENDED | REG_NOSUB);
		if (rc) {
			regerror(rc, &bs->re, err, sizeof(err));
			return usage_error("bisect: --case '%s': %s", bs->case_re, err);
		}
		bs->have_re = true;
	}
	return 0;
}

static bool case_wanted(const struct bisector *bs, const char *name)
{
	return !bs->have_re || regexec(&bs->re, name, 0, NULL, 0) == 0;
}

/* instr_measure_some's question: count this case? */
static bool want_case(const char *name, void *arg)
{
	return case_wanted(arg, name);
}

/* One commit's hash and subject from git. */
static int describe_commit(const char *rev, struct commit *c)
{
	char spec[600], out[400];
	snprintf(spec, sizeof(spec), "%s^{commit}", rev);
	char *argv[] = {"git",
			"-C",
			(char *)builds_root(),
			"log",
			"-1",
			"--format=%H %s",
			"--no-walk",
			"--end-of-options",
			spec,
			NULL};
	if (proc_capture_line(argv, out, sizeof(out)) != 0 || strlen(out) < 41)
		return -1;
	snprintf(c->hash, sizeof(c->hash), "%.40s", out);
	snprintf(c->subject, sizeof(c->subject), "%.190s", out + 41);
	return 0;
}

/* The commits from GOOD (left out) to BAD, oldest first, on BAD's
 * first-parent line. */
static int list_commits(struct bisector *bs)
{
	if (describe_commit(bs->good_arg, &bs->good))
		return usage_error("bisect: '%s' is not a commit in %s", bs->good_arg,
				   builds_root());
	struct commit bad = {0};
	if (describe_commit(bs->bad_arg, &bad))
		return usage_error("bisect: '%s' is not a commit in %s", bs->bad_arg,
				   builds_root());
	char *anc[] = {
	    "git",    "-C", (char *)builds_root(), "merge-base", "--is-ancestor", bs->good.hash,
	    bad.hash, NULL};
	if (proc_run(anc, "/dev/null") != 0)
		return usage_error("bisect: GOOD %s is not an ancestor of BAD %s", bs->good_arg,
				   bs->bad_arg);
	char range[200];
	snprintf(range, sizeof(range), "%s..%s", bs->good.hash, bad.hash);
	char *rl[] = {"git",
		      "-C",
		      (char *)builds_root(),
		      "rev-list",
		      "--reverse",
		      "--first-parent",
		      "--ancestry-path",
		      range,
		      NULL};
	int st;
	char *out = proc_capture(rl, NULL, &st);
	if (!out || st != 0) {
		free(out);
		return usage_error("bisect: git rev-list %s failed", range);
	}
	int n = 0;
	for (char *p = out; *p; p += strcspn(p, "\n"), p += *p == '\n')
		n += *p != '\n';
	if (n > MAX_COMMITS) {
		free(out);
		return usage_error("bisect: more than %d commits from %s to %s", MAX_COMMITS,
				   bs->good_arg, bs->bad_arg);
	}
	bs->c = calloc((size_t)n + 1, sizeof(*bs->c));
	int k = 0;
	for (char *p = strtok(out, "\n"); bs->c && p && k < n; p = strtok(NULL, "\n"))
		if (describe_commit(p, &bs->c[k++])) {
			int rc = usage_error("bisect: git cannot describe commit %s", p);
			free(out);
			return rc;
		}
	free(out);
	bs->n = k;
	if (!bs->c || k == 0 || strcmp(bs->c[k - 1].hash, bad.hash) != 0)
		return usage_error("bisect: no commits from %s to %s on BAD's first-parent line",
				   bs->good_arg, bs->bad_arg);
	return 0;
}

/* The commit built (or its kept build taken): 0, or -1 said. */
static int build_commit(struct bisector *bs, struct commit *c)
{
	if (c->built || c->failed)
		return c->built ? 0 : -1;
	c->b = (struct build){.arg = c->hash, .reuse = true};
	if (bench_interrupted || build_prepare(&c->b, "bisect", bs->instructions, true) ||
	    (!bs->instructions && build_check_protocol(&c->b))) {
		c->failed = true;
		return -1;
	}
	snprintf(c->b.label, sizeof(c->b.label), "%.12s %.140s", c->hash, c->subject);
	c->built = true;
	return 0;
}

/* Its instruction counts, the cases --case names, as a sample set. */
static int counts_of(struct bisector *bs, struct commit *c, struct sample_set *out)
{
	char tool[1200], err[1400];
	if (!c->counts) {
		if (instr_tool_beside(c->b.exe, tool, sizeof(tool))) {
			fprintf(stderr, "ringbench bisect: %.12s has no ring_gbench (%s)\n",
				c->hash, tool);
			return -1;
		}
		fprintf(stderr, "ringbench bisect: counting %.12s's instructions\n", c->hash);
		if (!(c->counts = instr_measure_some(tool, c->hash, NULL, want_case, bs, err,
						     sizeof(err)))) {
			fprintf(stderr, "ringbench bisect: %s\n", err);
			return -1;
		}
	}
	if (sample_from_json(c->counts, c->hash, out, err, sizeof(err))) {
		fprintf(stderr, "ringbench bisect: %s\n", err);
		return -1;
	}
	return 0;
}

/* GOOD and c run interleaved, as ab runs them, into two sample sets. */
static int pairs_of(struct bisector *bs, struct commit *c, struct sample_set s[2])
{
	struct session ss = {.cases = bs->cases,
			     .ncases = bs->ncases,
			     .reps = bs->spec.repetitions,
			     .warm = bs->spec.warmup,
			     .lim = bs->j.lim,
			     .exe = {bs->good.b.exe, c->b.exe},
			     .label = {"A", "B"},
			     .nbuilds = 2,
			     .scenario = bs->spec.scenario,
			     .cpu = {bs->spec.cpu[0], bs->spec.cpu[1]},
			     .progress = "bisect"};
	ss.lim.stall_ns = 2000000000LL;
	int rc = session_run(&ss);
	if (rc != BENCH_USAGE)
		rc = judging_sample_of(&ss, 0, bs->good.hash, &s[0]) ||
		     judging_sample_of(&ss, 1, c->hash, &s[1]);
	session_free(&ss);
	return rc ? -1 : 0;
}

/* c judged against GOOD: 0 with jd filled, or -1 (no verdict, said).
 * The rows name their cases from s[1]: the caller frees s after jd. */
static int judge_commit(struct bisector *bs, struct commit *c, struct sample_set s[2],
			struct judgement *jd)
{
	if (build_commit(bs, &bs->good) || build_commit(bs, c))
		return -1;
	bs->rounds++;
	if (bs->instructions ? counts_of(bs, &bs->good, &s[0]) || counts_of(bs, c, &s[1])
			     : pairs_of(bs, c, s))
		return -1;
	char err[600];
	if (judge(&s[0], &s[1], &bs->j.opts, jd, err, sizeof(err))) {
		fprintf(stderr, "ringbench bisect: %s\n", err);
		return -1;
	}
	return 0;
}

static void step_free(struct judgement *jd, struct sample_set s[2])
{
	judgement_free(jd);
	sample_free(&s[0]);
	sample_free(&s[1]);
}

/* A judgement's rows of the targets, for the log. */
static json_t *rows_json(const struct bisector *bs, const struct judgement *jd)
{
	json_t *rows = json_array();
	for (int i = 0; jd && i < jd->nrows; i++) {
		const struct judge_row *r = &jd->rows[i];
		bool target = bs->nt == 0;
		for (int k = 0; k < bs->nt && !target; k++)
			target = bs->t[k].fig == r->fig && strcmp(bs->t[k].name, r->name) == 0;
		if (!target)
			continue;
		json_t *o = json_pack("{s:s, s:s, s:s}", "case", r->name, "figure",
				      fig_info[r->fig].label, "verdict", verdict_name(r->v));
		json_object_set_new(o, "base", json_real(isfinite(r->base) ? r->base : 0));
		json_object_set_new(o, "current", json_real(isfinite(r->cur) ? r->cur : 0));
		double change = bisect_row_change(r);
		if (isfinite(change))
			json_object_set_new(o, "change", json_real(change));
		if (isfinite(r->lo) && isfinite(r->hi))
			json_object_set_new(o, "interval", json_pack("[f, f]", r->lo, r->hi));
		json_array_append_new(rows, o);
	}
	return rows;
}

static void log_step(struct bisector *bs, int i, const char *what, const char *why,
		     const struct judgement *jd)
{
	const struct commit *c = i < 0 ? &bs->c[bs->n - 1] : &bs->c[i];
	json_t *o = json_pack("{s:s, s:s, s:i, s:s, s:s, s:i}", "commit", c->hash, "subject",
			      c->subject, "index", i < 0 ? bs->n - 1 : i, "verdict", what, "why",
			      why, "round", bs->rounds);
	json_object_set_new(o, "rows", rows_json(bs, jd));
	json_array_append_new(bs->steps, o);
}

/* Why the ends' judgement, with nothing that moved, is still no verdict
 * (the machine's state changed, a figure that could not be judged), or
 * NULL when every figure was judged and stayed. */
static const char *ends_unjudged(const struct judgement *jd)
{
	if (jd->changed[0])
		return jd->changed;
	if (jd->nrows == 0)
		return "no figure was judged";
	for (int i = 0; i < jd->nrows; i++) {
		enum verdict v = jd->rows[i].v;
		if (v == V_TOO_FEW || v == V_STATE || v == V_ONE_RUN)
			return verdict_name(v);
	}
	return NULL;
}

/* BAD judged against GOOD: the figures to look for.  0, 1 (the ends do
 * not differ) or 2 (an end cannot be built or run, or the ends have no
 * verdict). */
static int judge_ends(struct bisector *bs)
{
	struct commit *bad = &bs->c[bs->n - 1];
	printf("GOOD %.12s %s\nBAD  %.12s %s\n%d commits after GOOD; judging the ends (%s)\n",
	       bs->good.hash, bs->good.subject, bad->hash, bad->subject, bs->n,
	       bs->instructions ? "instruction counts" : "interleaved pairs");
	fflush(stdout);
	struct judgement jd = {0};
	struct sample_set s[2] = {{0}, {0}};
	if (judge_commit(bs, bad, s, &jd)) {
		step_free(&jd, s);
		fprintf(stderr, "ringbench bisect: the ends cannot be judged (said above)\n");
		return BENCH_USAGE;
	}
	bs->nt = bisect_targets(&jd, bs->t, MAX_TARGETS);
	char why[400] = "the ends do not differ";
	const char *none = ends_unjudged(&jd);
	if (bs->nt)
		bisect_classify(bs->t, bs->nt, &jd, why, sizeof(why));
	else if (none)
		snprintf(why, sizeof(why), "%s", none);
	log_step(bs, -1, bs->nt ? "bad" : none ? "no verdict" : "good", why, &jd);
	step_free(&jd, s);
	if (!bs->nt && none) {
		printf("the ends have no verdict (%s): nothing can be looked for\n", why);
		return BENCH_USAGE;
	}
	if (!bs->nt) {
		printf("BAD does not differ from GOOD in the cases judged: nothing to look for\n");
		return 1;
	}
	for (int i = 0; i < bs->nt; i++)
		printf("  looking for: %s %s %+.2f%% (%s)\n", bs->t[i].name,
		       fig_info[bs->t[i].fig].label, 100 * bs->t[i].change,
		       verdict_name(bs->t[i].moved));
	return 0;
}

static void search(struct bisector *bs)
{
	bisect_init(&bs->s, bs->n);
	int i;
	while ((i = bisect_next(&bs->s)) >= 0 && !bench_interrupted) {
		struct commit *c = &bs->c[i];
		printf("step %d: commit %d of %d, %.12s %s\n", bs->s.steps + 1, i + 1, bs->n,
		       c->hash, c->subject);
		fflush(stdout);
		struct judgement jd = {0};
		struct sample_set s[2] = {{0}, {0}};
		char why[400] = "it does not build or run (said above)";
		enum bisect_verdict v = BISECT_NONE;
		bool judged = judge_commit(bs, c, s, &jd) == 0;
		if (judged)
			v = bisect_classify(bs->t, bs->nt, &jd, why, sizeof(why));
		printf("  %s: %s\n", bisect_verdict_name(v), why);
		log_step(bs, i, bisect_verdict_name(v), why, judged ? &jd : NULL);
		step_free(&jd, s);
		bisect_record(&bs->s, i, v);
	}
}

/* The outcome, said and logged: the exit status. */
static int conclude(struct bisector *bs)
{
	int k = bisect_culprit(&bs->s), rc;
	double secs = (double)(sys_now_ns() - bs->t0) / 1e9;
	if (k >= 0) {
		const struct commit *c = &bs->c[k];
		printf("the first commit where it moved: %s %s\n", c->hash, c->subject);
		json_object_set_new(
		    bs->log, "culprit",
		    json_pack("{s:s, s:s}", "commit", c->hash, "subject", c->subject));
		rc = 0;
	} else {
		int lo = bs->s.good + 1, hi = bs->s.bad;
		printf(
		    "no culprit named: %s; the first commit where it moved is one of these %d:\n",
		    bench_interrupted ? "interrupted" : "a step had no verdict", hi - lo + 1);
		json_t *rem = json_array();
		for (int i = lo; i <= hi; i++) {
			printf("  %.12s %s\n", bs->c[i].hash, bs->c[i].subject);
			json_array_append_new(rem, json_string(bs->c[i].hash));
		}
		json_object_set_new(bs->log, "remaining", rem);
		rc = bench_interrupted ? BENCH_USAGE : 1;
	}
	printf("%d rounds (the ends and %d steps), %.0f s\n", bs->rounds, bs->s.steps, secs);
	return rc;
}

static int write_log(struct bisector *bs)
{
	char path[1100];
	json_object_set_new(bs->log, "rounds", json_integer(bs->rounds));
	json_object_set_new(bs->log, "seconds", json_real((double)(sys_now_ns() - bs->t0) / 1e9));
	if (bs->log_path)
		snprintf(path, sizeof(path), "%s", bs->log_path);
	else
		judging_runs_path(path, sizeof(path), "bisect");
	if (results_write(bs->log, path)) {
		fprintf(stderr, "ringbench bisect: cannot write %s: %s\n", path, strerror(errno));
		return BENCH_USAGE;
	}
	printf("log: %s\n", path);
	return 0;
}

/* Some instruction count that --case names: 0, or exit code 2 said. */
static int instr_cases(const struct bisector *bs)
{
	struct instr_case c;
	char name[96], names[600] = "";
	for (size_t i = 0; instr_case_at(i, &c) == 0; i++) {
		instr_case_name(&c, name, sizeof(name));
		if (case_wanted(bs, name))
			return 0;
		size_t k = strlen(names);
		snprintf(names + k, sizeof(names) - k, "%s%s", k ? ", " : "", name);
	}
	return usage_error("bisect: no instruction count matches --case '%s' (they are %s)",
			   bs->case_re, names);
}

/* The scenario's cases that --case names (time only). */
static int time_cases(struct bisector *bs)
{
	char *scen[1] = {(char *)bs->scenario};
	int n = judging_cases(bs->scenario ? 1 : 0, scen, "quick", &bs->j, &bs->spec, &bs->cases);
	if (n < 0)
		return -n;
	if (!bs->j.repetitions && bs->spec.repetitions < AB_MIN_REPS)
		bs->spec.repetitions = AB_MIN_REPS;
	int k = 0;
	for (int i = 0; i < n; i++)
		if (case_wanted(bs, bs->cases[i].name))
			bs->cases[k++] = bs->cases[i];
	bs->ncases = k;
	if (k == 0)
		return usage_error("bisect: no case of %s matches --case '%s'",
				   bs->scenario ? bs->scenario : "quick", bs->case_re);
	return 0;
}

static void bisector_free(struct bisector *bs)
{
	struct build b[1];
	for (int i = 0; i < bs->n; i++)
		json_decref(bs->c[i].counts);
	json_decref(bs->good.counts);
	free(bs->c);
	free(bs->cases);
	if (bs->have_re)
		regfree(&bs->re);
	json_decref(bs->log);
	b[0] = (struct build){0};
	builds_cleanup(b, 0); /* the worktree and the temporary folder */
}

static json_t *log_new(const struct bisector *bs)
{
	json_t *commits = json_array();
	for (int i = 0; i < bs->n; i++)
		json_array_append_new(commits, json_pack("{s:s, s:s}", "commit", bs->c[i].hash,
							 "subject", bs->c[i].subject));
	return json_pack("{s:s, s:{s:s, s:s}, s:s, s:s?, s:s?, s:o}", "schema",
			 "ringbench-bisect/1", "good", "commit", bs->good.hash, "subject",
			 bs->good.subject, "mode", bs->instructions ? "instructions" : "time",
			 "scenario",
			 bs->instructions ? NULL
			 : bs->scenario	  ? bs->scenario
					  : "quick",
			 "case", bs->case_re, "commits", commits);
}

int cmd_bisect(int argc, char **argv)
{
	struct bisector bs = {0};
	judge_defaults(&bs.j.opts, true);
	int rc = parse_args(argc, argv, &bs);
	if (rc || bs.j.help) {
		if (!rc)
			printf(help, AB_MIN_REPS);
		if (bs.have_re)
			regfree(&bs.re);
		return rc;
	}
	char top[512];
	char *gtop[] = {"git", "rev-parse", "--show-toplevel", NULL};
	if (proc_capture_line(gtop, top, sizeof(top)) != 0 || !top[0])
		snprintf(top, sizeof(top), "%s", RINGBENCH_SOURCE_DIR);
	builds_init(top, "ringbench bisect");
	bs.t0 = sys_now_ns();
	if ((rc = bs.instructions ? instr_cases(&bs) : time_cases(&bs)) || (rc = list_commits(&bs)))
		goto out;
	bs.log = log_new(&bs);
	bs.steps = json_array();
	json_object_set_new(bs.log, "steps", bs.steps);
	judging_catch_signals();
	if ((rc = judge_ends(&bs)) == 0) {
		search(&bs);
		rc = conclude(&bs);
	}
	if (bs.log && write_log(&bs))
		rc = BENCH_USAGE;
out:
	bisector_free(&bs);
	return rc;
}
