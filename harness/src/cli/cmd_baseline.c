/* cmd_baseline.c: `ringbench baseline add|save|show`: this machine's
 * baseline, a few runs of one build, kept in the store (judge/baselines.h). */
#include "cli/builds.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/judging.h"
#include "judge/baselines.h"
#include "measure/results.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define usage_error cli_usage

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
	if (!json_is_array(base ? json_object_get(base, "benchmarks") : NULL)) {
		fprintf(stderr, "ringbench: --add: no baseline to add to (%s: %s)\n", path,
			base ? "no benchmarks" : je.text);
		json_decref(base);
		return BENCH_USAGE;
	}
	/* A baseline is one build's: runs of another revision would mix a
	 * change into the spread the next verdicts are judged by. */
	const char *brev =
	    json_string_value(json_object_get(json_object_get(base, "context"), "git_revision"));
	const char *rev =
	    json_string_value(json_object_get(json_object_get(doc, "context"), "git_revision"));
	if (brev && rev && !build_same_commit(brev, rev) && !force) {
		fprintf(stderr,
			"ringbench: %s was measured at %s, the baseline at %s: a baseline's runs "
			"are of one build (save a new baseline for a new build, or --force)\n",
			file, rev, brev);
		json_decref(base);
		return BENCH_USAGE;
	}
	int added = baseline_append(base, doc, file);
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
		rc = baseline_store(doc, m.id, path);
	sample_free(&s);
	json_decref(doc);
	return rc;
}

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
	int ncases = judging_cases(1, one, "quick", &j, &spec, &cases);
	if (ncases < 0)
		return -ncases;
	/* The run is of the baseline's own build, whatever this tree is at
	 * now: built from its revision (and kept), as check builds it. */
	if (rev[0]) {
		judging_catch_signals();
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
	judging_runs_path(out, sizeof(out), "baseline-add");
	if (rc == BENCH_PASS && bb.arg)
		json_object_set_new(json_object_get(ss.doc[0], "context"), "git_revision",
				    json_string(rev));
	if (rc == BENCH_PASS) {
		judging_note_system(&ss);
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
			add = true; /* baseline save --add: the same as baseline add */
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
