/* cmd_judge.c: the verdicts.  `baseline add|save|show` keeps this
 * machine's baseline, a few runs of one build; `compare` judges two results
 * files; `check` (nightly) runs a scenario and judges it against the
 * baseline, interleaved with a build of the baseline's revision where one
 * can be made, else against its stored runs; `ab` (before a merge) builds
 * two revisions and runs them interleaved. */
#include "bench.h"
#include "builds.h"
#include "commands.h"
#include "history.h"
#include "instr.h"
#include "report.h"
#include "results.h"
#include "sample.h"
#include "session.h"
#include "spec.h"
#include "sys.h"
#include "system.h"
#include "verdict.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef RINGBENCH_SOURCE_DIR
#define RINGBENCH_SOURCE_DIR "."
#endif

#define usage_error cli_usage
#define MAX_CASES   1024

static const char *const judge_options =
    "  --alpha A         significance of the rank test (0.01)\n"
    "  --threshold PCT   a fixed threshold, e.g. 5%% (default: the larger of a floor,\n"
    "                    %s, and the noise of one repetition measured in the files)\n"
    "  --force           compare different machines or build types anyway\n"
    "  --all             show every figure, not only the ones that changed\n"
    "  --markdown FILE   the verdict as Markdown (a CI job summary, a PR comment)\n"
    "  --junit FILE      JUnit XML: one test case per benchmark case\n"
    "  --json FILE       the comparison as JSON\n";

static const char *const exit_text =
    "exit status: 0 pass, 1 performance regression, 2 usage or environment error\n"
    "or no verdict (bad files, different machines, a machine whose state changed\n"
    "for every case, too few repetitions, a stored baseline of too few runs, one\n"
    "run per side), 3 a visibility or integrity failure recorded in the current\n"
    "results\n";

struct jcli {
	struct judge_opts opts;
	bool all;
	const char *markdown, *junit, *json;
	/* check and ab */
	const char *baseline;
	const char *out;
	const char *history; /* check: the history folder */
	bool no_history;
	bool instructions;	    /* check/ab --instructions: callgrind counts instead */
	const char *method;	    /* check --method */
	const char *baseline_build; /* check --baseline-build EXE */
	bool within_run;	    /* compare --within-run */
	int repetitions;	    /* 0: the command's default */
	int cpu[2];
	bool cpus_given;
	struct bench_limits lim;
	bool help;
};

/* A signal while a build or a run is under way: stop at the next step,
 * so that its worktree and temporary folder are removed. */
static void on_exit_cleanup(int sig);

/* "5%", "5" (percent) or "0.05". */
static int parse_fraction(const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s)
		return -1;
	if (*end == '%' && end[1] == 0)
		v /= 100;
	else if (*end)
		return -1;
	else if (v >= 1)
		v /= 100;
	/* Up to 1000%: the threshold is on the log of the ratio (a fall to
	 * 1/(1+t), a rise to 1+t), so 300% is a quarter or four times. */
	if (!(v > 0 && v <= 10))
		return -1;
	*out = v;
	return 0;
}

/* Options shared by compare, check and ab; positional arguments are left
 * in argv[*first..argc). */
static int parse_judge_args(int argc, char **argv, struct jcli *j, int *first, bool running)
{
	static const struct option opts[] = {{"alpha", required_argument, 0, 'a'},
					     {"threshold", required_argument, 0, 't'},
					     {"force", no_argument, 0, 'f'},
					     {"all", no_argument, 0, 'A'},
					     {"markdown", required_argument, 0, 'm'},
					     {"junit", required_argument, 0, 'j'},
					     {"json", required_argument, 0, 'J'},
					     {"baseline", required_argument, 0, 'b'},
					     {"out", required_argument, 0, 'o'},
					     {"repetitions", required_argument, 0, 'R'},
					     {"cpus", required_argument, 0, 'p'},
					     {"history", required_argument, 0, 'H'},
					     {"no-history", no_argument, 0, 'N'},
					     {"instructions", no_argument, 0, 'I'},
					     {"method", required_argument, 0, 'M'},
					     {"within-run", no_argument, 0, 'W'},
					     {"baseline-build", required_argument, 0, 'X'},
					     {"help", no_argument, 0, 'h'},
					     {0, 0, 0, 0}};
	char err[256];
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if ((c == 'H' || c == 'N' || c == 'M' || c == 'X') && strcmp(argv[0], "check") != 0)
			return usage_error("%s: --history, --no-history, --method and "
					   "--baseline-build apply to check only",
					   argv[0]);
		if (c == 'W' && strcmp(argv[0], "compare") != 0)
			return usage_error("%s: --within-run applies to compare only", argv[0]);
		if (!running && (c == 'b' || c == 'o' || c == 'R' || c == 'p'))
			return usage_error(
			    "%s: --baseline, --out, --repetitions and --cpus apply to "
			    "check and ab only",
			    argv[0]);
		switch (c) {
		case 'a': {
			char *end;
			j->opts.alpha = strtod(optarg, &end);
			if (*end || !(j->opts.alpha > 0 && j->opts.alpha < 0.5))
				return usage_error("--alpha '%s': a probability between 0 and 0.5",
						   optarg);
			break;
		}
		case 't':
			if (parse_fraction(optarg, &j->opts.threshold))
				return usage_error("--threshold '%s': a percentage such as 5%% (at "
						   "most 1000%%)",
						   optarg);
			break;
		case 'f': j->opts.force = true; break;
		case 'A': j->all = true; break;
		case 'm': j->markdown = optarg; break;
		case 'j': j->junit = optarg; break;
		case 'J': j->json = optarg; break;
		case 'b': j->baseline = optarg; break;
		case 'o': j->out = optarg; break;
		case 'R':
			if (spec_parse_int(optarg, 1, 1000, &j->repetitions, err, sizeof(err)))
				return usage_error("--repetitions: %s", err);
			break;
		case 'p':
			if (spec_parse_cpus(optarg, j->cpu, err, sizeof(err)))
				return usage_error("--cpus: %s", err);
			j->cpus_given = true;
			break;
		case 'H': j->history = optarg; break;
		case 'N': j->no_history = true; break;
		case 'I': j->instructions = true; break;
		case 'M': j->method = optarg; break;
		case 'X': j->baseline_build = optarg; break;
		case 'W': j->within_run = true; break;
		case 'h': j->help = true; break;
		default: return usage_error("%s: unknown option '%s'", argv[0], argv[optind - 1]);
		}
	}
	*first = optind;
	return 0;
}

static int write_outputs(const struct jcli *j, const struct judgement *jd,
			 const struct report_meta *m)
{
	int rc = 0;
	if (j->markdown && report_markdown(j->markdown, jd, m)) {
		fprintf(stderr, "ringbench: cannot write %s: %s\n", j->markdown, strerror(errno));
		rc = BENCH_USAGE;
	}
	if (j->junit && report_junit(j->junit, jd, m)) {
		fprintf(stderr, "ringbench: cannot write %s: %s\n", j->junit, strerror(errno));
		rc = BENCH_USAGE;
	}
	if (j->json && report_json(j->json, jd, m)) {
		fprintf(stderr, "ringbench: cannot write %s: %s\n", j->json, strerror(errno));
		rc = BENCH_USAGE;
	}
	return rc;
}

/* ---- baseline ---- */

static void baseline_dir(char *out, size_t n)
{
	const char *env = getenv("RINGBENCH_BASELINES");
	snprintf(out, n, "%s", env && env[0] ? env : RINGBENCH_SOURCE_DIR "/results/baselines");
}

void baseline_file(char *out, size_t n, const char *machine_id)
{
	char dir[900];
	baseline_dir(dir, sizeof(dir));
	snprintf(out, n, "%s/%s.json", dir, machine_id);
}

/* The baseline a command works on: target (--baseline FILE) if given,
 * else this machine's. */
static void baseline_path(char *out, size_t n, const char *target, const char *machine_id)
{
	if (target)
		snprintf(out, n, "%s", target);
	else
		baseline_file(out, n, machine_id);
}

/* Store doc as this machine's baseline, or as target (atomically); says
 * so on stdout. */
static int save_baseline(json_t *doc, const char *machine_id, const char *target)
{
	char dir[1200], path[1200];
	baseline_path(path, sizeof(path), target, machine_id);
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	if ((slash && results_mkdirs(dir)) || results_write(doc, path)) {
		fprintf(stderr, "ringbench: cannot write the baseline %s: %s\n", path,
			strerror(errno));
		return BENCH_USAGE;
	}
	printf("ringbench: saved the baseline for %s as %s\n", machine_id, path);
	return BENCH_PASS;
}

static int repetitions_of(const struct sample_set *s, int *min, int *max)
{
	int total = 0;
	*min = 0;
	*max = 0;
	for (int i = 0; i < s->ncases; i++) {
		int n = s->cases[i].n;
		total += n;
		*min = i == 0 || n < *min ? n : *min;
		*max = n > *max ? n : *max;
	}
	return total;
}

static int baseline_show(const char *target)
{
	struct machine m;
	machine_identify(&m);
	char path[1200], err[1200];
	baseline_path(path, sizeof(path), target, m.id);
	if (access(path, F_OK) != 0) {
		printf("no baseline for this machine (%s): %s does not exist.\n"
		       "`ringbench check` saves one on its first run; `ringbench baseline add` "
		       "adds runs to it.\n",
		       m.id, path);
		return BENCH_PASS;
	}
	struct sample_set s;
	if (sample_load(path, &s, err, sizeof(err))) {
		fprintf(stderr, "ringbench: the baseline is unreadable: %s\n", err);
		sample_free(&s);
		return BENCH_USAGE;
	}
	int lo, hi, total = repetitions_of(&s, &lo, &hi), failed = 0;
	double slo = INFINITY, shi = 0;
	for (int i = 0; i < s.ncases; i++) {
		failed += s.cases[i].failed;
		for (int r = 0; r < s.cases[i].n; r++)
			if (s.cases[i].state[r] > 0) {
				slo = fmin(slo, s.cases[i].state[r]);
				shi = fmax(shi, s.cases[i].state[r]);
			}
	}
	printf("baseline for %s\n  file:       %s\n  machine:    %s\n  taken:      %s\n"
	       "  revision:   %s\n  kernel:     %s\n  build:      %s\n  scenario:   %s\n"
	       "  runs:       %d%s\n  cases:      %d (%d repetitions, %d-%d each)%s\n",
	       m.id, path, s.machine_id[0] ? s.machine_id : "?", s.date[0] ? s.date : "?",
	       s.revision[0] ? s.revision : "?", s.kernel[0] ? s.kernel : "?",
	       s.build_type[0] ? s.build_type : "?", s.scenario[0] ? s.scenario : "?", s.nruns,
	       s.nruns < JUDGE_MIN_RUNS ? " (a verdict from stored runs needs 5: ringbench "
					  "baseline add)"
					: "",
	       s.ncases, total, lo, hi, failed ? " (some failed!)" : "");
	if (shi > 0)
		printf("  states:     bare line round trip %.0f to %.0f ns\n", slo, shi);
	else
		printf("  states:     not recorded\n");
	sample_free(&s);
	return BENCH_PASS;
}

/* Add a run's repetitions to a stored baseline (path), each marked with
 * the run it came from. */
static int add_to_baseline(json_t *doc, const char *file, const char *path, bool force)
{
	json_error_t je;
	json_t *base = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	json_t *dst = base ? json_object_get(base, "benchmarks") : NULL;
	if (!json_is_array(dst)) {
		fprintf(stderr, "ringbench: --add: no baseline to add to (%s: %s)\n", path,
			base ? "no benchmarks" : je.text);
		json_decref(base);
		return BENCH_USAGE;
	}
	json_t *ctx = json_object_get(base, "context"), *cctx = json_object_get(doc, "context");
	if (!json_is_object(ctx)) {
		ctx = json_object();
		json_object_set_new(base, "context", ctx);
	}
	/* A baseline is one build's: runs of another revision would mix a
	 * change into the spread the next verdicts are judged by. */
	const char *brev = json_string_value(json_object_get(ctx, "git_revision"));
	const char *rev = json_string_value(json_object_get(cctx, "git_revision"));
	if (brev && rev && !build_same_commit(brev, rev) && !force) {
		fprintf(stderr,
			"ringbench: %s was measured at %s, the baseline at %s: a baseline's runs "
			"are of one build (save a new baseline for a new build, or --force)\n",
			file, rev, brev);
		json_decref(base);
		return BENCH_USAGE;
	}
	const char *run_id = json_string_value(json_object_get(cctx, "run_id"));
	char made[256];
	if (!run_id) {
		/* A file from before run ids: one, unique in this baseline. */
		snprintf(made, sizeof(made), "added-%s-%zu",
			 json_string_value(json_object_get(cctx, "date"))
			     ? json_string_value(json_object_get(cctx, "date"))
			     : "?",
			 json_array_size(dst));
		run_id = made;
	}
	size_t i;
	json_t *e;
	int added = 0;
	json_array_foreach(json_object_get(doc, "benchmarks"), i, e)
	{
		const char *rt = json_string_value(json_object_get(e, "run_type"));
		if (rt && strcmp(rt, "iteration") == 0) {
			json_t *c = json_deep_copy(e);
			if (!json_object_get(c, "run_id"))
				json_object_set_new(c, "run_id", json_string(run_id));
			json_array_append_new(dst, c);
			added++;
		}
	}
	json_t *log = json_object_get(ctx, "filled_in");
	if (!json_is_array(log)) {
		log = json_array();
		json_object_set_new(ctx, "filled_in", log);
	}
	json_array_append_new(log, json_pack("{s:s, s:O?, s:O?, s:O?, s:s, s:i}", "file", file,
					     "date", json_object_get(cctx, "date"), "git_revision",
					     json_object_get(cctx, "git_revision"), "kernel",
					     json_object_get(cctx, "kernel"), "run_id", run_id,
					     "repetitions", added));
	int rc = BENCH_PASS;
	if (results_write(base, path)) {
		fprintf(stderr, "ringbench: cannot write %s: %s\n", path, strerror(errno));
		rc = BENCH_USAGE;
	} else {
		struct sample_set s;
		char err[1400];
		int runs = sample_load(path, &s, err, sizeof(err)) == 0 ? s.nruns : 0;
		sample_free(&s);
		printf("ringbench: added %d repetitions from %s to the baseline %s, which holds %d "
		       "run%s now%s\n",
		       added, file, path, runs, runs == 1 ? "" : "s",
		       runs < JUDGE_MIN_RUNS ? " (a verdict from stored runs needs 5)" : "");
	}
	json_decref(base);
	return rc;
}

static int baseline_save(const char *file, const char *target, bool force, bool add)
{
	char err[1200];
	json_error_t je;
	json_t *doc = json_load_file(file, JSON_REJECT_DUPLICATES, &je);
	if (!doc) {
		if (je.line > 0)
			fprintf(stderr, "ringbench: %s:%d: not valid JSON: %s\n", file, je.line,
				je.text);
		else
			fprintf(stderr, "ringbench: %s: %s\n", file, je.text);
		return BENCH_USAGE;
	}
	struct sample_set s;
	int rc = BENCH_USAGE;
	if (sample_from_json(doc, file, &s, err, sizeof(err))) {
		fprintf(stderr, "ringbench: %s\n", err);
		sample_free(&s);
		json_decref(doc);
		return BENCH_USAGE;
	}
	struct machine m;
	machine_identify(&m);
	char path[1200];
	baseline_path(path, sizeof(path), target, m.id);
	int failed = 0;
	for (int i = 0; i < s.ncases; i++)
		failed += s.cases[i].failed;
	if (!s.machine_id[0])
		fprintf(stderr,
			"ringbench: %s has no machine identity: not a ringbench results "
			"file, and a baseline must say which machine it is for\n",
			file);
	else if (strcmp(s.machine_id, m.id) != 0 && !force)
		fprintf(stderr,
			"ringbench: %s was measured on %s, this is %s: a baseline is per machine "
			"(--force to store it as this machine's anyway)\n",
			file, s.machine_id, m.id);
	else if (failed)
		fprintf(stderr,
			"ringbench: %s records %d visibility or integrity failures: not a "
			"baseline\n",
			file, failed);
	else if (s.ncases == 0)
		fprintf(stderr, "ringbench: %s holds no cases\n", file);
	else if (add && access(path, F_OK) == 0)
		rc = add_to_baseline(doc, file, path, force);
	else
		rc = save_baseline(doc, m.id, target);
	sample_free(&s);
	json_decref(doc);
	return rc;
}

static int expand(int nscen, char **scen, const char *dflt, const struct jcli *j, struct spec *spec,
		  struct bench_case **cases);
static void note_system(struct session *ss);
static void runs_path(char *out, size_t n, const char *what);
/* The repetitions a verdict needs: a rank test between two groups of 5 can
 * reach p 0.008; pairs need 8 (2/2^8); a run's median in a state needs
 * JUDGE_RUN_MIN_REPS.  Machine states split them, so a margin on top. */
#define CHECK_MIN_REPS 10

/* baseline add with no file: one run of the baseline's scenario (quick
 * if it has none), added to it (or saved as it, if there is none yet). */
static int baseline_add_run(const char *target, const char *scenario, bool force)
{
	struct machine m;
	machine_identify(&m);
	char path[1200], err[1400];
	baseline_path(path, sizeof(path), target, m.id);
	char scen[128] = "quick", rev[128] = "", why[1400] = "";
	struct sample_set base = {0};
	struct jcli j = {0};
	struct build bb = {0};
	if (access(path, F_OK) == 0) {
		if (sample_load(path, &base, err, sizeof(err))) {
			fprintf(stderr, "ringbench: the baseline is unreadable: %s\n", err);
			return BENCH_USAGE;
		}
		if (base.scenario[0])
			snprintf(scen, sizeof(scen), "%s", base.scenario);
		snprintf(rev, sizeof(rev), "%s", base.revision);
		/* On the CPUs the baseline was taken on: they are in its cases'
		 * names. */
		char cerr[256];
		if (base.cpus[0] && spec_parse_cpus(base.cpus, j.cpu, cerr, sizeof(cerr)) == 0)
			j.cpus_given = true;
		sample_free(&base);
	}
	if (scenario)
		snprintf(scen, sizeof(scen), "%s", scenario);
	struct spec spec;
	struct bench_case *cases = NULL;
	char *one[1] = {scen};
	int ncases = expand(1, one, "quick", &j, &spec, &cases);
	if (ncases < 0)
		return -ncases;
	/* The run is of the baseline's own build, whatever this tree is at
	 * now: built from its revision (and kept), as check builds it. */
	if (rev[0]) {
		struct sigaction sa = {.sa_handler = on_exit_cleanup};
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		if (build_of_revision(rev, "ringbench baseline add", &bb, why, sizeof(why)) != 0) {
			builds_cleanup(&bb, 1);
			bb.arg = NULL;
			if (bench_interrupted) {
				free(cases);
				return BENCH_USAGE;
			}
			fprintf(stderr,
				"ringbench baseline add: no build of the baseline's revision (%s): "
				"measuring this build instead, which must be of that revision\n",
				why);
		}
	}
	if (spec.repetitions < CHECK_MIN_REPS)
		spec.repetitions = CHECK_MIN_REPS;
	j.lim.stall_ns = 2000000000LL;
	struct session ss = {.cases = cases,
			     .ncases = ncases,
			     .reps = spec.repetitions,
			     .warm = spec.warmup,
			     .lim = j.lim,
			     .exe = {bb.arg ? bb.exe : NULL, NULL},
			     .nbuilds = 1,
			     .scenario = spec.scenario,
			     .cpu = {spec.cpu[0], spec.cpu[1]},
			     .progress = "baseline add"};
	fprintf(stderr, "ringbench baseline add: one run of %s, %d cases x %d repetitions%s%s\n",
		scen, ncases, spec.repetitions, bb.arg ? ", by the baseline's build " : "",
		bb.arg ? bb.label : "");
	int rc = session_run(&ss);
	char out[1100];
	runs_path(out, sizeof(out), "baseline-add");
	if (rc == BENCH_PASS && bb.arg)
		json_object_set_new(json_object_get(ss.doc[0], "context"), "git_revision",
				    json_string(rev));
	if (rc == BENCH_PASS) {
		note_system(&ss);
		if (results_write(ss.doc[0], out) != 0) {
			fprintf(stderr, "ringbench: cannot write %s: %s\n", out, strerror(errno));
			rc = BENCH_USAGE;
		} else {
			fprintf(stderr, "ringbench baseline add: the run is in %s\n", out);
			rc = baseline_save(out, target, force, true);
		}
	} else if (rc == BENCH_VISIBILITY) {
		fprintf(stderr, "ringbench baseline add: visibility failures: not added\n");
	}
	session_free(&ss);
	free(cases);
	if (bb.arg)
		builds_cleanup(&bb, 1);
	return rc;
}

/* A file whose first character that is not white space opens a JSON
 * object: a results file, not a scenario. */
static bool looks_like_json(const char *path)
{
	FILE *f = fopen(path, "r");
	int ch = ' ';
	while (f && (ch = fgetc(f)) != EOF && (ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r'))
		;
	if (f)
		fclose(f);
	return ch == '{';
}

int cmd_baseline(int argc, char **argv)
{
	static const char *const help =
	    "usage: ringbench baseline add [RESULTS.json | SCENARIO] [--baseline FILE] [--force]\n"
	    "       ringbench baseline save RESULTS.json [--baseline FILE] [--force]\n"
	    "       ringbench baseline show [--baseline FILE]\n\n"
	    "  add    add one run to this machine's baseline (results/baselines/\n"
	    "         <machine-id>.json, RINGBENCH_BASELINES overrides the folder, or FILE):\n"
	    "         RESULTS.json, or a run made now of SCENARIO (default: the baseline's)\n"
	    "         on the baseline's CPUs by a build of the baseline's revision (built\n"
	    "         from git and kept, as check does; this build where none can be\n"
	    "         made).  A verdict from the stored runs needs 5, ideally taken on\n"
	    "         different days: each run draws its own conditions, and their spread\n"
	    "         is what a change must stand out from.  The runs must be of the\n"
	    "         baseline's revision (--force to add another's)\n"
	    "  save   store a results file (ringbench run --out) as the baseline, every\n"
	    "         repetition kept, written atomically; refused for another machine's\n"
	    "         file unless --force, and for a run with failures\n"
	    "  show   what is stored: from when, which revision, how many runs, cases\n"
	    "         and repetitions, which machine states and kernels\n";
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(help, argc < 2 ? stderr : stdout);
		return argc < 2 ? BENCH_USAGE : BENCH_PASS;
	}
	bool force = false, add = strcmp(argv[1], "add") == 0;
	const char *file = NULL, *target = NULL;
	if (!add && strcmp(argv[1], "show") != 0 && strcmp(argv[1], "save") != 0)
		return usage_error("baseline: 'add', 'save' or 'show', not '%s'", argv[1]);
	for (int i = 2; i < argc; i++)
		if (strcmp(argv[i], "--force") == 0)
			force = true;
		else if (strcmp(argv[i], "--add") == 0 && strcmp(argv[1], "save") == 0)
			add = true; /* the older spelling of baseline add */
		else if (strcmp(argv[i], "--baseline") == 0 && i + 1 < argc)
			target = argv[++i];
		else if (!file && argv[i][0] != '-')
			file = argv[i];
		else
			return usage_error("baseline %s: unexpected '%s'", argv[1], argv[i]);
	if (strcmp(argv[1], "show") == 0) {
		if (file || force)
			return usage_error("baseline show takes only --baseline FILE");
		return baseline_show(target);
	}
	if (!file && strcmp(argv[1], "add") != 0)
		return usage_error("baseline save: name a results file");
	/* baseline add SCENARIO: a run of it made now; a file that holds a
	 * JSON object is a results file to add. */
	if (add && (!file || !looks_like_json(file)))
		return baseline_add_run(target, file, force);
	return baseline_save(file, target, force, add);
}

/* ---- compare ---- */

static void machine_changes(const struct sample_set *a, const struct sample_set *b, char *out,
			    size_t n);

static void note_system(struct session *ss);

static int judge_and_report(const struct jcli *j, const char *command,
			    const struct sample_set *base, const struct sample_set *cur,
			    const char *labels[2], double seconds, struct judgement *jd,
			    const struct report_meta *history)
{
	char err[1200];
	if (judge(base, cur, &j->opts, jd, err, sizeof(err))) {
		fprintf(stderr, "ringbench: %s\n", err);
		return BENCH_USAGE;
	}
	struct report_meta m = {.command = command,
				.base = base,
				.cur = cur,
				.base_label = labels[0],
				.cur_label = labels[1],
				.opts = &j->opts,
				.seconds = seconds};
	if (history) {
		m.machine_note = history->machine_note;
		m.history_title = history->history_title;
		m.history = history->history;
		m.nhistory = history->nhistory;
		m.history_regressions = history->history_regressions;
	}
	report_table(stdout, jd, &m, j->all);
	int rc = write_outputs(j, jd, &m);
	return rc ? rc : report_status(jd, &m);
}

int cmd_compare(int argc, char **argv)
{
	struct jcli j = {0};
	judge_defaults(&j.opts, false);
	int first, rc = parse_judge_args(argc, argv, &j, &first, false);
	if (rc)
		return rc;
	if (j.help) {
		printf("usage: ringbench compare BASE.json CURRENT.json [options]\n\n"
		       "Judge CURRENT against BASE, figure by figure: throughput, p50 and p99,\n"
		       "CPU ns per message of each side (statistics), system calls per message\n"
		       "(a count).  Reads ringbench's results and any Google Benchmark JSON.\n\n"
		       "The run is the unit: each run (ringbench run, check; a baseline holds\n"
		       "several) draws its own conditions, which move its figures by more than\n"
		       "its repetitions spread.  CURRENT's runs are judged against the spread of\n"
		       "BASE's runs (at least %d in all, each figure a run's median), alpha\n"
		       "shared by every figure.  With one run per side the table shows how the\n"
		       "two runs differ and the verdict is \"no verdict\" (exit 2).  The two\n"
		       "sides of one `ab` run (ab --out PREFIX) are judged pair by pair.\n\n"
		       "  --within-run      judge repetitions as independent draws (a rank test\n"
		       "                    within machine states): only for files whose runs\n"
		       "                    were interleaved some other way\n",
		       JUDGE_MIN_RUNS + 1);
		printf(judge_options, "5%");
		printf("\n%s", exit_text);
		return BENCH_PASS;
	}
	if (j.instructions)
		return usage_error("compare: --instructions is for check and ab; compare two "
				   "instruction-count files as any results files");
	if (argc - first != 2)
		return usage_error("compare: name two results files, BASE and CURRENT");
	struct sample_set base, cur;
	char err[1200];
	if (sample_load(argv[first], &base, err, sizeof(err))) {
		fprintf(stderr, "ringbench: %s\n", err);
		sample_free(&base);
		return BENCH_USAGE;
	}
	if (sample_load(argv[first + 1], &cur, err, sizeof(err))) {
		fprintf(stderr, "ringbench: %s\n", err);
		sample_free(&base);
		sample_free(&cur);
		return BENCH_USAGE;
	}
	/* The two sides of one interleaved run pair up; anything else is
	 * judged run by run, unless told the repetitions are independent. */
	j.opts.paired = sample_paired(&base, &cur);
	if (j.opts.paired)
		j.opts.floor = 0.03; /* ab's */
	j.opts.runs = !j.within_run;
	char changes[600];
	machine_changes(&base, &cur, changes, sizeof(changes));
	struct report_meta hm = {.machine_note = changes};
	struct judgement jd;
	const char *labels[2] = {"base", "current"};
	rc = judge_and_report(&j, "compare", &base, &cur, labels, 0, &jd, &hm);
	judgement_free(&jd);
	sample_free(&base);
	sample_free(&cur);
	return rc;
}

/* ---- running: check and ab ---- */

static int expand(int nscen, char **scen, const char *dflt, const struct jcli *j, struct spec *spec,
		  struct bench_case **cases)
{
	char *one[1] = {(char *)dflt};
	int rc = nscen ? cli_load_scenarios(nscen, scen, spec) : cli_load_scenarios(1, one, spec);
	if (rc)
		return -rc;
	if (j->repetitions)
		spec->repetitions = j->repetitions;
	if (j->cpus_given)
		spec_set_pair(spec, j->cpu);
	char err[512];
	if (spec_check(spec, err, sizeof(err)))
		return -usage_error("%s", err);
	*cases = calloc(MAX_CASES, sizeof(**cases));
	if (!*cases)
		return -BENCH_USAGE;
	int n = spec_expand(spec, *cases, MAX_CASES, err, sizeof(err));
	if (n < 0) {
		free(*cases);
		return -usage_error("%s", err);
	}
	return n;
}

#define AB_MIN_REPS 20

static void runs_path(char *out, size_t n, const char *what)
{
	char dir[900];
	snprintf(dir, sizeof(dir), "%s/results/runs", RINGBENCH_SOURCE_DIR);
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	char stamp[32];
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	if (results_mkdirs(dir) == 0 && access(dir, W_OK) == 0)
		snprintf(out, n, "%s/%s-%s.json", dir, what, stamp);
	else
		snprintf(out, n, "/tmp/ringbench-%s-%s.json", what, stamp);
}

/* ringbench system's notes, into every document of the session and on
 * stdout beside the verdict. */
static void note_system(struct session *ss)
{
	struct system_report r;
	char notes[600];
	system_check(ss->cpu, false, &r);
	system_summary(&r, notes, sizeof(notes));
	for (int b = 0; b < ss->nbuilds; b++)
		if (ss->doc[b])
			json_object_set_new(json_object_get(ss->doc[b], "context"), "system_notes",
					    json_string(notes));
	printf("machine check (ringbench system): %s\n", notes);
}

static int session_to_sample(struct session *ss, int b, const char *label, struct sample_set *out)
{
	char err[1200];
	if (sample_from_json(ss->doc[b], label, out, err, sizeof(err))) {
		fprintf(stderr, "ringbench: %s\n", err);
		sample_free(out);
		return BENCH_USAGE;
	}
	return 0;
}

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
	int n = history_lines(&hc->h, &hc->a, &hc->lines, &hc->nreg);
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
		runs_path(out, sizeof(out), "instructions");
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
		baseline_file(bpath, sizeof(bpath), cur.machine_id);
		size_t bl = strlen(bpath);
		if (bl <= 5 || bl + 14 >= sizeof(bpath)) {
			fprintf(stderr,
				"ringbench check: the baseline folder's path is too long\n");
			goto done;
		}
		snprintf(bpath + bl - 5, sizeof(bpath) - bl + 5, ".instructions.json");
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
	rc = judge_and_report(j, "check", &base, &cur, labels, 0, &jd, NULL);
	judgement_free(&jd);
done:
	sample_free(&base);
	sample_free(&cur);
	json_decref(doc);
	return rc;
}

/* What differs between two files' machines under one identity (the
 * kernel, microcode, governor, hypervisor build), as "kernel changed: A ->
 * B; ...", or "" when nothing does. */
static void machine_changes(const struct sample_set *a, const struct sample_set *b, char *out,
			    size_t n)
{
	struct {
		const char *what, *x, *y;
	} f[] = {{"kernel", a->kernel, b->kernel},
		 {"microcode", a->microcode, b->microcode},
		 {"governor", a->governor, b->governor},
		 {"hypervisor", a->hypervisor, b->hypervisor}};
	out[0] = 0;
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		size_t l = strlen(out);
		if (f[i].x[0] && f[i].y[0] && strcmp(f[i].x, f[i].y) != 0 && l < n)
			snprintf(out + l, n - l, "%s%s changed: %s -> %s", l ? "; " : "", f[i].what,
				 f[i].x, f[i].y);
	}
}

enum check_method { CHECK_AUTO, CHECK_INTERLEAVE, CHECK_STORED };

int cmd_check(int argc, char **argv)
{
	struct jcli j = {0};
	judge_defaults(&j.opts, false);
	int first, rc = parse_judge_args(argc, argv, &j, &first, true);
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
		printf(judge_options, "5% stored, 3% interleaved");
		printf("\n%s", exit_text);
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
	int ncases = expand(argc - first, argv + first, "quick", &j, &spec, &cases);
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
	struct sigaction sa = {.sa_handler = on_exit_cleanup};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
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
		note_system(&ss);
	char out[1100];
	if (j.out)
		snprintf(out, sizeof(out), "%s", j.out);
	else
		runs_path(out, sizeof(out), "check");
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
	struct report_meta hm = {.history_title = hc.title[0] ? hc.title : NULL,
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
			rc = save_baseline(ss.doc[0], m.id, j.baseline);
			if (rc == BENCH_PASS && hc.nreg)
				rc = BENCH_REGRESSION;
		}
		FILE *f = j.markdown && hm.history_title ? fopen(j.markdown, "w") : NULL;
		if (f) {
			report_history_markdown(f, &hm);
			fclose(f);
		}
		goto history;
	}
	if ((rc = session_to_sample(&ss, now, "this run", &cur)))
		goto history;
	char changes[600];
	machine_changes(&base, &cur, changes, sizeof(changes));
	hm.machine_note = changes;
	struct judgement jd = {0};
	if (inter) {
		if ((rc = session_to_sample(&ss, 0, bb.label, &side_a)))
			goto history;
		struct jcli jp = j;
		jp.opts.paired = true;
		jp.opts.floor = 0.03; /* ab's: pairs see small changes */
		const char *labels[2] = {"baseline build", "now"};
		printf("baseline build = %s, the revision of %s\nnow = this ringbench\n", bb.label,
		       bpath);
		rc = judge_and_report(&jp, "check", &side_a, &cur, labels, seconds, &jd, &hm);
	} else {
		struct jcli jr = j;
		jr.opts.runs = true;
		const char *labels[2] = {"baseline", "now"};
		rc = judge_and_report(&jr, "check", &base, &cur, labels, seconds, &jd, &hm);
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

/* ---- ab ---- */

static bool is_scenario(const char *arg)
{
	struct spec s;
	char err[256];
	spec_init(&s);
	return scenario_load(arg, &s, err, sizeof(err)) == 0;
}

/* ab --instructions: both builds' counts, compared as counts. */
static int ab_instructions(const struct jcli *j, struct build b[2], int64_t t0)
{
	json_t *doc[2] = {NULL, NULL};
	struct sample_set s[2] = {{0}, {0}};
	char err[1400];
	int rc = BENCH_USAGE;
	for (int k = 0; k < 2; k++) {
		char tool[1200];
		if (instr_tool_beside(b[k].exe, tool, sizeof(tool))) {
			fprintf(stderr,
				"ringbench ab: %s has no ring_gbench (%s): it predates the "
				"instruction counts, or was built without Google Benchmark\n",
				b[k].label, tool);
			goto out;
		}
		fprintf(stderr, "ringbench ab: counting %s's instructions\n", k ? "B" : "A");
		doc[k] = instr_measure(tool, b[k].label, err, sizeof(err));
		if (!doc[k]) {
			fprintf(stderr, "ringbench ab: %s\n", err);
			goto out;
		}
		json_object_set_new(json_object_get(doc[k], "context"), "ab_build",
				    json_string(k ? "B" : "A"));
		char path[1100];
		if (j->out) {
			snprintf(path, sizeof(path), "%s-%s.json", j->out, k ? "B" : "A");
			if (results_write(doc[k], path))
				fprintf(stderr, "ringbench ab: cannot write %s: %s\n", path,
					strerror(errno));
		}
		snprintf(path, sizeof(path), "%s", k ? "B" : "A");
		if (sample_from_json(doc[k], path, &s[k], err, sizeof(err))) {
			fprintf(stderr, "ringbench ab: %s\n", err);
			goto out;
		}
	}
	printf("A = %s\nB = %s\n", b[0].label, b[1].label);
	struct judgement jd = {0};
	const char *labels[2] = {"A", "B"};
	rc = judge_and_report(j, "ab", &s[0], &s[1], labels, (double)(sys_now_ns() - t0) / 1e9, &jd,
			      NULL);
	judgement_free(&jd);
out:
	for (int k = 0; k < 2; k++) {
		sample_free(&s[k]);
		json_decref(doc[k]);
	}
	return rc;
}

static void on_exit_cleanup(int sig)
{
	(void)sig;
	bench_interrupted = 1;
}

int cmd_ab(int argc, char **argv)
{
	struct jcli j = {0};
	judge_defaults(&j.opts, true);
	int first, rc = parse_judge_args(argc, argv, &j, &first, true);
	if (rc)
		return rc;
	if (j.help) {
		printf(
		    "usage: ringbench ab BASE [HEAD] [SCENARIO...] [options]\n\n"
		    "The pre-merge command: build BASE and HEAD (git revisions; HEAD defaults\n"
		    "to the working tree, uncommitted changes included) Release in a temporary\n"
		    "folder, or take two ringbench binaries given as paths; run the scenario\n"
		    "(quick) with both, case by case and repetition by repetition (A B, then\n"
		    "B A), so both see the same machine states; judge HEAD against BASE on\n"
		    "pairs taken in the same state (signed-rank test, bootstrap interval).\n"
		    "Run it before every merge:  ringbench ab main\n\n"
		    "  --repetitions N   pairs per case (the scenario's, at least %d)\n"
		    "  --cpus P,C        the two CPUs (the scenario's)\n"
		    "  --out PREFIX      keep both runs' results as PREFIX-A.json, PREFIX-B.json\n"
		    "  --instructions    instead of timing, count the instructions of each ring\n"
		    "                    operation in both builds (their ring_gbench under\n"
		    "                    valgrind's callgrind): 1%% or more is a change, no\n"
		    "                    statistics (the count is the same every run)\n",
		    AB_MIN_REPS);
		printf(judge_options, "3%");
		printf("\n%s", exit_text);
		return BENCH_PASS;
	}
	if (first >= argc)
		return usage_error("ab: name the BASE revision (for example: ringbench ab main)");
	char top[512];
	char *gtop[] = {"git", "rev-parse", "--show-toplevel", NULL};
	if (build_capture(gtop, top, sizeof(top)) != 0 || !top[0])
		snprintf(top, sizeof(top), "%s", RINGBENCH_SOURCE_DIR);
	builds_init(top, "ringbench ab");

	struct build b[2] = {{.arg = argv[first]}, {.arg = NULL}};
	int nscen = 0;
	char *scen[32];
	for (int i = first + 1; i < argc; i++) {
		const char *a = argv[i];
		bool exe = build_is_binary(a);
		if (i == first + 1 && (exe || (!is_scenario(a) && build_is_revision(a))))
			b[1].arg = a;
		else if (is_scenario(a) && nscen < 32)
			scen[nscen++] = argv[i];
		else
			return usage_error("ab: '%s' is neither a revision, a ringbench binary nor "
					   "a scenario",
					   a);
	}
	bool base_exe = build_is_binary(b[0].arg);
	if (!base_exe && !build_is_revision(b[0].arg))
		return usage_error("ab: '%s' is not a git revision in %s, nor a ringbench binary",
				   b[0].arg, builds_root());

	struct spec spec;
	struct bench_case *cases = NULL;
	int ncases = expand(nscen, scen, "quick", &j, &spec, &cases);
	if (ncases < 0)
		return -ncases;
	if (!j.repetitions && spec.repetitions < AB_MIN_REPS)
		spec.repetitions = AB_MIN_REPS;

	int64_t t0 = sys_now_ns();
	struct sigaction sa = {.sa_handler = on_exit_cleanup};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	rc = build_prepare(&b[0], "A", j.instructions, false);
	if (!rc && !bench_interrupted)
		rc = build_prepare(&b[1], "B", j.instructions, false);
	if (!rc && bench_interrupted)
		rc = BENCH_USAGE;
	/* Counting runs no workers: the protocol does not matter then. */
	if (!rc && !j.instructions)
		rc = build_check_protocol(&b[0]);
	if (!rc && !j.instructions)
		rc = build_check_protocol(&b[1]);
	double build_s = (double)(sys_now_ns() - t0) / 1e9;
	struct session ss = {0};
	struct sample_set sa_set = {0}, sb_set = {0};
	if (rc)
		goto done;
	if (j.instructions) {
		rc = ab_instructions(&j, b, t0);
		goto done;
	}
	fprintf(stderr,
		"ringbench ab: A = %s, B = %s; %d cases x %d pairs (+%d warm-up), interleaved "
		"(builds took %.0f s)\n",
		b[0].label, b[1].label, ncases, spec.repetitions, spec.warmup, build_s);
	j.lim.stall_ns = 2000000000LL;
	ss = (struct session){.cases = cases,
			      .ncases = ncases,
			      .reps = spec.repetitions,
			      .warm = spec.warmup,
			      .lim = j.lim,
			      .exe = {b[0].exe, b[1].exe},
			      .label = {"A", "B"},
			      .nbuilds = 2,
			      .scenario = spec.scenario,
			      .cpu = {spec.cpu[0], spec.cpu[1]},
			      .progress = "ab"};
	rc = session_run(&ss);
	if (rc == BENCH_USAGE)
		goto done;
	note_system(&ss);
	for (int k = 0; k < 2; k++) {
		json_t *ctx = json_object_get(ss.doc[k], "context");
		json_object_set_new(ctx, "git_revision", json_string(b[k].label));
		json_object_set_new(ctx, "ab_build", json_string(k ? "B" : "A"));
		if (j.out) {
			char path[1100];
			snprintf(path, sizeof(path), "%s-%s.json", j.out, k ? "B" : "A");
			if (results_write(ss.doc[k], path))
				fprintf(stderr, "ringbench ab: cannot write %s: %s\n", path,
					strerror(errno));
		}
	}
	if ((rc = session_to_sample(&ss, 0, b[0].label, &sa_set)) ||
	    (rc = session_to_sample(&ss, 1, b[1].label, &sb_set)))
		goto done;
	struct judgement jd;
	const char *labels[2] = {"A", "B"};
	printf("A = %s\nB = %s\n", b[0].label, b[1].label);
	double total = (double)(sys_now_ns() - t0) / 1e9;
	rc = judge_and_report(&j, "ab", &sa_set, &sb_set, labels, total, &jd, NULL);
	judgement_free(&jd);
	fprintf(stderr, "ringbench ab: %.0f s in all (builds %.0f s, measuring %.0f s)\n", total,
		build_s, ss.seconds);
done:
	session_free(&ss);
	sample_free(&sa_set);
	sample_free(&sb_set);
	builds_cleanup(b, 2);
	free(cases);
	return rc;
}
