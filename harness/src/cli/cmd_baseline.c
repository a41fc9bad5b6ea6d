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

/* What a baseline command works on: --baseline FILE, or this machine's
 * baseline in the store. */
struct baseline_cli {
	const char *target; /* --baseline FILE */
	const char *where;  /* --store WHERE */
	struct store *store;
	struct machine m;
	struct baseline_ref ref;
};

static int baseline_show(struct baseline_cli *b)
{
	char err[1400];
	struct sample_set s;
	int got = baseline_load(&b->ref, &s, err, sizeof(err));
	if (got == 0) {
		if (b->ref.store)
			printf("no baseline for this machine (%s) in the store %s.\n", b->m.id,
			       store_name(b->ref.store));
		else
			printf("no baseline for this machine (%s): %s does not exist.\n", b->m.id,
			       b->ref.path);
		printf("`ringbench check` saves one on its first run; `ringbench baseline add` "
		       "adds runs to it.\n");
		return BENCH_PASS;
	}
	if (got < 0) {
		fprintf(stderr, "ringbench: the baseline is unreadable: %s\n", err);
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
	printf("baseline for %s\n  kept in:    %s\n  machine:    %s\n  taken:      %s\n"
	       "  revision:   %s\n  kernel:     %s\n  build:      %s\n  scenario:   %s\n"
	       "  runs:       %d%s\n  cases:      %d (%d repetitions, %d-%d each)%s\n",
	       b->m.id, b->ref.path, s.machine_id[0] ? s.machine_id : "?", s.date[0] ? s.date : "?",
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

/* Add a run's repetitions to the stored baseline base (read from b),
 * each marked with the run it came from. */
static int add_to_baseline(json_t *doc, const char *file, json_t *base,
			   const struct baseline_cli *b, bool force)
{
	if (!json_is_array(json_object_get(base, "benchmarks"))) {
		fprintf(stderr, "ringbench: --add: no baseline to add to (%s: no benchmarks)\n",
			b->ref.path);
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
		return BENCH_USAGE;
	}
	int added = baseline_append(base, doc, file);
	char err[1400];
	if (b->ref.store) {
		if (store_replace_run(b->ref.store, b->ref.machine, b->ref.kind, "", base, NULL,
				      err, sizeof(err))) {
			fprintf(stderr, "ringbench: the baseline is not kept: %s\n", err);
			return BENCH_USAGE;
		}
	} else if (results_write(base, b->ref.path)) {
		fprintf(stderr, "ringbench: cannot write %s: %s\n", b->ref.path, strerror(errno));
		return BENCH_USAGE;
	}
	struct sample_set s;
	int runs = sample_from_json(base, b->ref.path, &s, err, sizeof(err)) == 0 ? s.nruns : 0;
	sample_free(&s);
	printf("ringbench: added %d repetitions from %s to the baseline %s, which holds %d "
	       "run%s now%s\n",
	       added, file, b->ref.path, runs, runs == 1 ? "" : "s",
	       runs < JUDGE_MIN_RUNS ? " (a verdict from stored runs needs 5)" : "");
	return BENCH_PASS;
}

/* doc (from file) as the baseline, or, with add and a baseline there,
 * added to it. */
static int save_or_add(json_t *doc, const char *file, struct baseline_cli *b, bool force, bool add)
{
	char err[1400];
	json_t *base = NULL;
	int got = add ? baseline_get(&b->ref, &base, err, sizeof(err)) : 0;
	int rc;
	if (got < 0) {
		fprintf(stderr, "ringbench: the baseline is unreadable: %s\n", err);
		rc = BENCH_USAGE;
	} else if (got == 1) {
		rc = add_to_baseline(doc, file, base, b, force);
	} else {
		rc = baseline_store(doc, b->m.id, &b->ref);
	}
	json_decref(base);
	return rc;
}

static int baseline_save(const char *file, struct baseline_cli *b, bool force, bool add)
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
	const struct machine *m = &b->m;
	int failed = 0;
	for (int i = 0; i < s.ncases; i++)
		failed += s.cases[i].failed;
	if (!s.machine_id[0])
		fprintf(stderr,
			"ringbench: %s has no machine identity: not a ringbench results "
			"file, and a baseline must say which machine it is for\n",
			file);
	else if (strcmp(s.machine_id, m->id) != 0 && !force)
		fprintf(stderr,
			"ringbench: %s was measured on %s, this is %s: a baseline is per machine "
			"(--force to store it as this machine's anyway)\n",
			file, s.machine_id, m->id);
	else if (failed)
		fprintf(stderr,
			"ringbench: %s records %d visibility or integrity failures: not a "
			"baseline\n",
			file, failed);
	else if (s.ncases == 0)
		fprintf(stderr, "ringbench: %s holds no cases\n", file);
	else
		rc = save_or_add(doc, file, b, force, add);
	sample_free(&s);
	json_decref(doc);
	return rc;
}

/* baseline add with no file: one run of the baseline's scenario (quick
 * if it has none), added to it (or saved as it, if there is none yet). */
static int baseline_add_run(struct baseline_cli *b, const char *scenario, bool force)
{
	char err[1400];
	char scen[128] = "quick", rev[128] = "", why[1400] = "";
	struct sample_set base = {0};
	struct jcli j = {0};
	struct build bb = {0};
	int got = baseline_load(&b->ref, &base, err, sizeof(err));
	if (got < 0) {
		fprintf(stderr, "ringbench: the baseline is unreadable: %s\n", err);
		return BENCH_USAGE;
	}
	if (got == 1) {
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
			rc = baseline_save(out, b, force, true);
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

/* The options after the subcommand into b (and force, add, file): 0, or
 * exit code 2 with the message printed. */
static int baseline_args(int argc, char **argv, struct baseline_cli *b, bool *force, bool *add,
			 const char **file)
{
	for (int i = 2; i < argc; i++)
		if (strcmp(argv[i], "--force") == 0)
			*force = true;
		else if (strcmp(argv[i], "--add") == 0 && strcmp(argv[1], "save") == 0)
			*add = true; /* baseline save --add: the same as baseline add */
		else if (strcmp(argv[i], "--baseline") == 0 && i + 1 < argc)
			b->target = argv[++i];
		else if (strcmp(argv[i], "--store") == 0 && i + 1 < argc)
			b->where = argv[++i];
		else if (!*file && argv[i][0] != '-')
			*file = argv[i];
		else
			return usage_error("baseline %s: unexpected '%s'", argv[1], argv[i]);
	if (b->target && b->where)
		return usage_error("baseline %s: --baseline FILE or --store WHERE, not both",
				   argv[1]);
	return 0;
}

static int baseline_run(struct baseline_cli *b, const char *cmd, const char *file, bool force,
			bool add)
{
	if (strcmp(cmd, "show") == 0) {
		if (file || force)
			return usage_error(
			    "baseline show takes only --baseline FILE or --store WHERE");
		return baseline_show(b);
	}
	if (!file && strcmp(cmd, "add") != 0)
		return usage_error("baseline save: name a results file");
	/* baseline add SCENARIO: a run of it made now; a file that holds a
	 * JSON object is a results file to add. */
	if (add && (!file || !looks_like_json(file)))
		return baseline_add_run(b, file, force);
	return baseline_save(file, b, force, add);
}

int cmd_baseline(int argc, char **argv)
{
	static const char *const help =
	    "usage: ringbench baseline add [RESULTS.json | SCENARIO] [--baseline FILE | --store "
	    "WHERE]\n"
	    "                              [--force]\n"
	    "       ringbench baseline save RESULTS.json [--baseline FILE | --store WHERE] "
	    "[--force]\n"
	    "       ringbench baseline show [--baseline FILE | --store WHERE]\n\n"
	    "This machine's baseline is kept in the results store (--store WHERE: a SQLite\n"
	    "file or postgresql://...; default $RINGBENCH_STORE, else results/ringbench.db);\n"
	    "--baseline FILE works on a baseline kept as a JSON file instead.  A machine with\n"
	    "no baseline in the store takes results/baselines/<machine-id>.json\n"
	    "($RINGBENCH_BASELINES/) into it when there is one (committed with the tree).\n\n"
	    "  add    add one run to this machine's baseline:\n"
	    "         RESULTS.json, or a run made now of SCENARIO (default: the baseline's)\n"
	    "         on the baseline's CPUs by a build of the baseline's revision (built\n"
	    "         from git and kept, as check does; this build where none can be\n"
	    "         made).  A verdict from the stored runs needs 5, ideally taken on\n"
	    "         different days: each run draws its own conditions, and their spread\n"
	    "         is what a change must stand out from.  The runs must be of the\n"
	    "         baseline's revision (--force to add another's)\n"
	    "  save   store a results file (ringbench run --out) as the baseline, every\n"
	    "         repetition kept, in one transaction (a file: written atomically);\n"
	    "         refused for another machine's file unless --force, and for a run\n"
	    "         with failures\n"
	    "  show   what is stored: from when, which revision, how many runs, cases\n"
	    "         and repetitions, which machine states and kernels\n";
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(help, argc < 2 ? stderr : stdout);
		return argc < 2 ? BENCH_USAGE : BENCH_PASS;
	}
	bool force = false, add = strcmp(argv[1], "add") == 0;
	const char *file = NULL;
	struct baseline_cli b = {0};
	if (!add && strcmp(argv[1], "show") != 0 && strcmp(argv[1], "save") != 0)
		return usage_error("baseline: 'add', 'save' or 'show', not '%s'", argv[1]);
	int rc = baseline_args(argc, argv, &b, &force, &add, &file);
	if (rc)
		return rc;
	machine_identify(&b.m);
	if (!b.target) {
		char where[1200], err[1400];
		store_default_where(b.where, where, sizeof(where));
		if (store_open(where, &b.store, err, sizeof(err))) {
			fprintf(stderr, "ringbench: %s\n", err);
			return BENCH_USAGE;
		}
	}
	baseline_ref(&b.ref, b.store, b.target, b.m.id, "baseline");
	rc = baseline_run(&b, argv[1], file, force, add);
	store_close(b.store);
	return rc;
}
