/* cmd_judge.c: the verdicts.  `baseline save|show` keeps this machine's
 * baseline; `compare` judges two results files; `check` (nightly) runs a
 * scenario and judges it against the baseline, re-running what it flags;
 * `ab` (before a merge) builds two revisions and runs them interleaved. */
#include "bench.h"
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
    "(bad files, different machines, a machine whose state changed for every case),\n"
    "3 a visibility or integrity failure recorded in the current results\n";

struct jcli {
	struct judge_opts opts;
	bool all;
	const char *markdown, *junit, *json;
	/* check and ab */
	const char *baseline;
	const char *out;
	const char *history; /* check: the history folder */
	bool no_history;
	bool instructions; /* check/ab --instructions: callgrind counts instead */
	int repetitions;   /* 0: the command's default */
	int cpu[2];
	bool cpus_given;
	struct bench_limits lim;
	bool help;
};

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
	if (!(v > 0 && v < 1))
		return -1;
	*out = v;
	return 0;
}

/* Options shared by compare, check and ab; positional arguments are left
 * in argv[*first..argc). */
static int parse_judge_args(int argc, char **argv, struct jcli *j, int *first, bool running)
{
	static const struct option opts[] = {
	    {"alpha", required_argument, 0, 'a'},    {"threshold", required_argument, 0, 't'},
	    {"force", no_argument, 0, 'f'},	     {"all", no_argument, 0, 'A'},
	    {"markdown", required_argument, 0, 'm'}, {"junit", required_argument, 0, 'j'},
	    {"json", required_argument, 0, 'J'},     {"baseline", required_argument, 0, 'b'},
	    {"out", required_argument, 0, 'o'},	     {"repetitions", required_argument, 0, 'R'},
	    {"cpus", required_argument, 0, 'p'},     {"history", required_argument, 0, 'H'},
	    {"no-history", no_argument, 0, 'N'},     {"instructions", no_argument, 0, 'I'},
	    {"help", no_argument, 0, 'h'},	     {0, 0, 0, 0}};
	char err[256];
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if ((c == 'H' || c == 'N') && strcmp(argv[0], "check") != 0)
			return usage_error("%s: --history and --no-history apply to check only",
					   argv[0]);
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
				return usage_error("--threshold '%s': a percentage such as 5%%",
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

/* Store doc as this machine's baseline (atomically); says so on stdout. */
static int save_baseline(json_t *doc, const char *machine_id)
{
	char dir[900], path[1200];
	baseline_dir(dir, sizeof(dir));
	baseline_file(path, sizeof(path), machine_id);
	if (results_mkdirs(dir) || results_write(doc, path)) {
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

static int baseline_show(void)
{
	struct machine m;
	machine_identify(&m);
	char path[1200], err[1200];
	baseline_file(path, sizeof(path), m.id);
	if (access(path, F_OK) != 0) {
		printf("no baseline for this machine (%s): %s does not exist.\n"
		       "`ringbench check` saves one on its first run; `ringbench baseline save "
		       "RESULTS.json` stores a run of your choice.\n",
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
	printf("baseline for %s\n  file:       %s\n  taken:      %s\n  revision:   %s\n"
	       "  build:      %s\n  scenario:   %s\n  cases:      %d (%d repetitions, %d-%d "
	       "each)%s\n",
	       m.id, path, s.date[0] ? s.date : "?", s.revision[0] ? s.revision : "?",
	       s.build_type[0] ? s.build_type : "?", s.scenario[0] ? s.scenario : "?", s.ncases,
	       total, lo, hi, failed ? " (some failed!)" : "");
	if (shi > 0)
		printf("  states:     bare line round trip %.0f to %.0f ns\n", slo, shi);
	else
		printf("  states:     not recorded\n");
	sample_free(&s);
	return BENCH_PASS;
}

/* Add a run's repetitions to this machine's stored baseline. */
static int add_to_baseline(json_t *doc, const char *file, const char *machine_id)
{
	char path[1200];
	baseline_file(path, sizeof(path), machine_id);
	json_error_t je;
	json_t *base = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	json_t *dst = base ? json_object_get(base, "benchmarks") : NULL;
	if (!json_is_array(dst)) {
		fprintf(stderr, "ringbench: --add: no baseline to add to (%s: %s)\n", path,
			base ? "no benchmarks" : je.text);
		json_decref(base);
		return BENCH_USAGE;
	}
	size_t i;
	json_t *e;
	int added = 0;
	json_array_foreach(json_object_get(doc, "benchmarks"), i, e)
	{
		const char *rt = json_string_value(json_object_get(e, "run_type"));
		if (rt && strcmp(rt, "iteration") == 0) {
			json_array_append_new(dst, json_deep_copy(e));
			added++;
		}
	}
	json_t *ctx = json_object_get(base, "context"), *log = json_object_get(ctx, "filled_in");
	if (!json_is_array(log)) {
		log = json_array();
		json_object_set_new(ctx, "filled_in", log);
	}
	json_t *cctx = json_object_get(doc, "context");
	json_array_append_new(log, json_pack("{s:s, s:O?, s:O?, s:i}", "file", file, "date",
					     json_object_get(cctx, "date"), "git_revision",
					     json_object_get(cctx, "git_revision"), "repetitions",
					     added));
	int rc = BENCH_PASS;
	if (results_write(base, path)) {
		fprintf(stderr, "ringbench: cannot write %s: %s\n", path, strerror(errno));
		rc = BENCH_USAGE;
	} else {
		printf("ringbench: added %d repetitions from %s to the baseline %s\n", added, file,
		       path);
	}
	json_decref(base);
	return rc;
}

static int baseline_save(const char *file, bool force, bool add)
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
	else if (add)
		rc = add_to_baseline(doc, file, m.id);
	else
		rc = save_baseline(doc, m.id);
	sample_free(&s);
	json_decref(doc);
	return rc;
}

int cmd_baseline(int argc, char **argv)
{
	static const char *const help =
	    "usage: ringbench baseline save RESULTS.json [--force] [--add]\n"
	    "       ringbench baseline show\n\n"
	    "  save   store a results file (ringbench run --out) as this machine's baseline,\n"
	    "         results/baselines/<machine-id>.json (RINGBENCH_BASELINES overrides the\n"
	    "         folder), every repetition kept, written atomically; refused for\n"
	    "         another machine's file unless --force, and for a run with failures;\n"
	    "         --add adds its repetitions to the stored baseline instead (for a\n"
	    "         machine state the baseline has not seen, when you trust the run)\n"
	    "  show   what is stored for this machine: from when, which revision, how\n"
	    "         many cases and repetitions, which machine states\n";
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(help, argc < 2 ? stderr : stdout);
		return argc < 2 ? BENCH_USAGE : BENCH_PASS;
	}
	if (strcmp(argv[1], "show") == 0) {
		if (argc != 2)
			return usage_error("baseline show takes no arguments");
		return baseline_show();
	}
	if (strcmp(argv[1], "save") == 0) {
		bool force = false, add = false;
		const char *file = NULL;
		for (int i = 2; i < argc; i++)
			if (strcmp(argv[i], "--force") == 0)
				force = true;
			else if (strcmp(argv[i], "--add") == 0)
				add = true;
			else if (!file && argv[i][0] != '-')
				file = argv[i];
			else
				return usage_error("baseline save: unexpected '%s'", argv[i]);
		if (!file)
			return usage_error("baseline save: name a results file");
		return baseline_save(file, force, add);
	}
	return usage_error("baseline: 'save' or 'show', not '%s'", argv[1]);
}

/* ---- compare ---- */

static void fill_baseline(const char *bpath, const struct sample_set *base,
			  const struct sample_set *cur, const struct judgement *jd,
			  json_t *cur_doc);
static void note_system(struct session *ss);

static int judge_and_report(const struct jcli *j, const char *command,
			    const struct sample_set *base, const struct sample_set *cur,
			    const char *labels[2], double seconds, struct judgement *jd,
			    const struct judgement *rerun, const struct report_meta *history)
{
	char err[1200];
	if (judge(base, cur, &j->opts, jd, err, sizeof(err))) {
		fprintf(stderr, "ringbench: %s\n", err);
		return BENCH_USAGE;
	}
	if (rerun)
		judge_confirm(jd, rerun);
	struct report_meta m = {.command = command,
				.base = base,
				.cur = cur,
				.base_label = labels[0],
				.cur_label = labels[1],
				.opts = &j->opts,
				.seconds = seconds};
	if (history) {
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
		       "(a count).  Reads ringbench's results and any Google Benchmark JSON.\n"
		       "A regression needs a significant rank test (within machine states) and\n"
		       "a 95%% bootstrap interval of the change beyond the threshold.\n\n");
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
	struct judgement jd;
	const char *labels[2] = {"base", "current"};
	rc = judge_and_report(&j, "compare", &base, &cur, labels, 0, &jd, NULL, NULL);
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

/* The repetitions a verdict needs: a rank test between two groups of 5 can
 * reach p 0.008; pairs need 8 (2/2^8).  Machine states split them, so a
 * margin on top. */
#define CHECK_MIN_REPS 10
#define AB_MIN_REPS    20

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
	char **cand; /* cases with a candidate step from this run alone */
	int ncand;
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

/* Keep doc in the history; after the first run, find the candidates. */
static int history_put(struct history_check *hc, json_t *doc, bool rerun)
{
	char err[1200];
	if (history_write(hc->dir, hc->stem, rerun, doc, err, sizeof(err))) {
		fprintf(stderr, "ringbench check: not kept in the history: %s\n", err);
		return -1;
	}
	struct history h;
	struct history_analysis a;
	if (rerun || history_read(hc, &h, &a))
		return 0;
	hc->cand = calloc((size_t)a.nsteps + 1, sizeof(*hc->cand));
	for (int i = 0; hc->cand && i < a.nsteps; i++)
		if (a.steps[i].step->candidate && a.steps[i].regression)
			hc->cand[hc->ncand++] = strdup(a.steps[i].series->name);
	history_analysis_free(&a);
	history_free(&h);
	return 0;
}

static bool history_candidate(const struct history_check *hc, const char *name)
{
	for (int i = 0; i < hc->ncand; i++)
		if (hc->cand[i] && strcmp(hc->cand[i], name) == 0)
			return true;
	return false;
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
	for (int i = 0; i < hc->ncand; i++)
		free(hc->cand[i]);
	free(hc->cand);
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
	rc = judge_and_report(j, "check", &base, &cur, labels, 0, &jd, NULL, NULL);
	judgement_free(&jd);
done:
	sample_free(&base);
	sample_free(&cur);
	json_decref(doc);
	return rc;
}

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
		    "The nightly command: run the scenario (quick), judge it against this\n"
		    "machine's baseline (results/baselines/<machine-id>.json, or FILE), re-run\n"
		    "the cases it flags and report a regression only if the re-run flags it\n"
		    "again.  With no baseline it saves this run as the baseline and says so\n"
		    "(exit 0).  Every repetition carries the machine's state; figures are\n"
		    "compared only within a state.\n\n"
		    "  --repetitions N   repetitions of each case (the scenario's, at least %d)\n"
		    "  --cpus P,C        the two CPUs (the scenario's)\n"
		    "  --out FILE        keep this run's results here (default results/runs/)\n"
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
		    CHECK_MIN_REPS);
		printf(judge_options, "5%");
		printf("\n%s", exit_text);
		return BENCH_PASS;
	}
	if (j.instructions)
		return check_instructions(&j);
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
	if (j.baseline)
		snprintf(bpath, sizeof(bpath), "%s", j.baseline);
	else
		baseline_file(bpath, sizeof(bpath), m.id);
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
	j.lim.stall_ns = 2000000000LL;
	struct session ss = {.cases = cases,
			     .ncases = ncases,
			     .reps = spec.repetitions,
			     .warm = spec.warmup,
			     .lim = j.lim,
			     .nbuilds = 1,
			     .scenario = spec.scenario,
			     .cpu = {spec.cpu[0], spec.cpu[1]},
			     .progress = "check"};
	fprintf(stderr, "ringbench check: %d cases x %d repetitions (+%d warm-up)%s%s\n", ncases,
		spec.repetitions, spec.warmup, have_base ? " against " : "",
		have_base ? bpath : ", no baseline yet");
	rc = session_run(&ss);
	double seconds = ss.seconds;
	if (rc != BENCH_USAGE)
		note_system(&ss);
	char out[1100];
	if (j.out)
		snprintf(out, sizeof(out), "%s", j.out);
	else
		runs_path(out, sizeof(out), "check");
	if (rc != BENCH_USAGE && results_write(ss.doc[0], out) == 0) {
		fprintf(stderr, "ringbench check: this run's results are in %s\n", out);
		/* An older run's re-run beside it would pass for this run's. */
		char stale[1200];
		snprintf(stale, sizeof(stale), "%.1100s.rerun.json", out);
		unlink(stale);
	}
	if (rc == BENCH_USAGE)
		goto done;
	/* The history: this run goes in, and a step its figures alone show
	 * is re-run below like a case the baseline flags. */
	struct history_check hc = {0};
	if (!j.no_history) {
		if (j.history)
			snprintf(hc.dir, sizeof(hc.dir), "%s", j.history);
		else
			history_dir(hc.dir, sizeof(hc.dir));
		hc.regress = j.opts.threshold > 0 ? j.opts.threshold : j.opts.floor;
		history_stem(hc.dir, ss.doc[0], hc.stem, sizeof(hc.stem));
		hc.on = history_put(&hc, ss.doc[0], false) == 0;
	}
	struct sample_set cur = {0}, cur2 = {0};
	struct judgement first_j = {0}, again = {0};
	bool judged = false, flagged_any = false, reran = false;
	if (have_base) {
		if ((rc = session_to_sample(&ss, 0, "this run", &cur)))
			goto history;
		if (judge(&base, &cur, &j.opts, &first_j, err, sizeof(err))) {
			fprintf(stderr, "ringbench: %s\n", err);
			rc = BENCH_USAGE;
			goto history;
		}
		judged = true;
		flagged_any = first_j.regressions > 0;
	}
	/* Confirm: run what was flagged (by the baseline or by the history)
	 * again, and judge that alone. */
	struct bench_case *flagged = calloc((size_t)ncases, sizeof(*flagged));
	int nf = 0;
	for (int i = 0; flagged && first_j.nfail == 0 && rc != BENCH_VISIBILITY && i < ncases;
	     i++) {
		bool want = history_candidate(&hc, cases[i].name);
		for (int k = 0; k < first_j.nrows && !want; k++)
			want = first_j.rows[k].v == V_REGRESSION &&
			       strcmp(first_j.rows[k].name, cases[i].name) == 0;
		if (want)
			flagged[nf++] = cases[i];
	}
	if (nf) {
		fprintf(stderr,
			"ringbench check: %d cases flagged; running them again to confirm\n", nf);
		struct session rs = ss;
		rs.cases = flagged;
		rs.ncases = nf;
		rs.doc[0] = NULL;
		rs.runs[0] = NULL;
		rs.ok = NULL;
		rs.failure = NULL;
		rs.progress = "check (confirming)";
		int rrc = session_run(&rs);
		seconds += rs.seconds;
		if (rrc == BENCH_USAGE) {
			rc = BENCH_USAGE;
		} else if (judged && session_to_sample(&rs, 0, "the re-run", &cur2) != 0) {
			rc = BENCH_USAGE; /* said why */
		} else if (judged && judge(&base, &cur2, &j.opts, &again, err, sizeof(err)) != 0) {
			fprintf(stderr, "ringbench: the re-run could not be judged: %s\n", err);
			rc = BENCH_USAGE;
		} else {
			reran = judged;
			char out2[1200];
			snprintf(out2, sizeof(out2), "%.1100s.rerun.json", out);
			if (results_write(rs.doc[0], out2) == 0)
				fprintf(stderr, "ringbench check: the re-run's results are in %s\n",
					out2);
			if (hc.on)
				history_put(&hc, rs.doc[0], true);
		}
		session_free(&rs);
	}
	free(flagged);
	if (hc.on && rc != BENCH_USAGE)
		history_steps(&hc);
	struct report_meta hm = {.history_title = hc.title[0] ? hc.title : NULL,
				 .history = hc.lines,
				 .nhistory = hc.nlines,
				 .history_regressions = hc.nreg};
	if (!have_base) {
		if (rc == BENCH_VISIBILITY) {
			fprintf(stderr, "ringbench check: visibility failures: not saved as the "
					"baseline\n");
		} else {
			printf(
			    "ringbench check: no baseline for this machine (%s) yet: this run is "
			    "the baseline from now on; the next check is judged against it.\n",
			    m.id);
			rc = save_baseline(ss.doc[0], m.id);
			if (rc == BENCH_PASS && hc.nreg)
				rc = BENCH_REGRESSION;
		}
		FILE *f = j.markdown && hm.history_title ? fopen(j.markdown, "w") : NULL;
		if (f) {
			report_history_markdown(f, &hm);
			fclose(f);
		}
	} else if (rc != BENCH_USAGE) {
		struct judgement jd;
		const char *labels[2] = {"baseline", "now"};
		rc = judge_and_report(&j, "check", &base, &cur, labels, seconds, &jd,
				      reran ? &again : NULL, &hm);
		/* Only this machine's own baseline grows, only from a pass in
		 * which nothing was even flagged. */
		if (rc == BENCH_PASS && !j.baseline && !flagged_any)
			fill_baseline(bpath, &base, &cur, &jd, ss.doc[0]);
		if (jd.changed[0] && !j.baseline)
			printf("ringbench check: to judge runs in this machine state from now on, "
			       "add this run to the baseline once you trust it: ringbench baseline "
			       "save --add %s\n",
			       out);
		judgement_free(&jd);
	}
history:
	if (hc.on)
		history_done(&hc, rc);
	judgement_free(&first_j);
	judgement_free(&again);
	sample_free(&cur2);
	sample_free(&cur);
done:
	fprintf(stderr, "ringbench check: %.0f s\n", seconds);
	session_free(&ss);
	sample_free(&base);
	free(cases);
	return rc;
}

/* A state the baseline has (almost) no figures for cannot be judged in;
 * the first passing check seen in it fills it in.  This many repetitions
 * of a case in a state are enough (a rank test of 5 against 5 can reach
 * p 0.008). */
#define STATE_FILL 5

static int in_state(const struct judge_state *k, double v)
{
	return v >= k->lo && v <= k->hi;
}

static int count_in(const struct sample_case *c, const struct judge_state *k)
{
	int n = 0;
	for (int r = 0; c && r < c->n; r++)
		n += c->steady[r] && in_state(k, c->state[r]);
	return n;
}

/* After a passing check: add this run's repetitions to the baseline for
 * every case and machine state the baseline holds fewer than STATE_FILL
 * repetitions of, and say so. */
static void fill_baseline(const char *bpath, const struct sample_set *base,
			  const struct sample_set *cur, const struct judgement *jd, json_t *cur_doc)
{
	json_error_t je;
	json_t *doc = json_load_file(bpath, JSON_REJECT_DUPLICATES, &je);
	json_t *dst = doc ? json_object_get(doc, "benchmarks") : NULL;
	json_t *src = json_object_get(cur_doc, "benchmarks");
	if (!json_is_array(dst) || !json_is_array(src)) {
		json_decref(doc);
		return;
	}
	int added = 0, cases = 0;
	for (int i = 0; i < cur->ncases; i++) {
		const struct sample_case *c = &cur->cases[i];
		const struct sample_case *b = sample_find(base, c->name);
		bool any = false, judged = true;
		/* Only a case judged in a state both runs share, and found
		 * sound there, lends its other states to the baseline: a case
		 * never judged could carry a regression in with it. */
		for (int k = 0; k < jd->nrows; k++)
			if (strcmp(jd->rows[k].name, c->name) == 0 &&
			    (jd->rows[k].v == V_STATE || jd->rows[k].v == V_REGRESSION))
				judged = false;
		if (!b || !judged)
			continue;
		for (int k = 0; k < jd->nstates; k++) {
			const struct judge_state *st = &jd->states[k];
			if (count_in(b, st) >= STATE_FILL || count_in(c, st) < STATE_FILL)
				continue;
			size_t e;
			json_t *entry;
			json_array_foreach(src, e, entry)
			{
				const char *name =
				    json_string_value(json_object_get(entry, "run_name"));
				const char *rt =
				    json_string_value(json_object_get(entry, "run_type"));
				double b0 =
				    json_number_value(json_object_get(entry, "state_before_ns"));
				double a0 =
				    json_number_value(json_object_get(entry, "state_after_ns"));
				double hi = b0 > a0 ? b0 : a0, lo = b0 > a0 ? a0 : b0;
				if (!name || strcmp(name, c->name) || !rt ||
				    strcmp(rt, "iteration") || !(lo > 0) ||
				    hi > lo * STATE_STEADY || !in_state(st, (b0 + a0) / 2))
					continue;
				json_array_append_new(dst, json_deep_copy(entry));
				added++;
				any = true;
			}
		}
		cases += any;
	}
	if (added) {
		json_t *ctx = json_object_get(doc, "context");
		json_t *log = json_object_get(ctx, "filled_in");
		if (!json_is_array(log)) {
			log = json_array();
			json_object_set_new(ctx, "filled_in", log);
		}
		json_t *cctx = json_object_get(cur_doc, "context");
		json_array_append_new(log, json_pack("{s:O?, s:O?, s:i}", "date",
						     json_object_get(cctx, "date"), "git_revision",
						     json_object_get(cctx, "git_revision"),
						     "repetitions", added));
		if (results_write(doc, bpath) == 0)
			printf("ringbench check: the baseline had fewer than %d repetitions of %d "
			       "cases in the machine state this run saw; this passing run's %d "
			       "repetitions were added to %s\n",
			       STATE_FILL, cases, added, bpath);
		else
			fprintf(stderr, "ringbench check: cannot extend the baseline %s: %s\n",
				bpath, strerror(errno));
	}
	json_decref(doc);
}

/* ---- ab ---- */

struct build {
	const char *arg;     /* what the user named: a revision, a path, or NULL (the tree) */
	char exe[1100];	     /* the ringbench to run its workers */
	char label[160];     /* "main (1a2b3c4)" */
	char worktree[1100]; /* to remove afterwards, or "" */
};

static char ab_tmp[512];
static char ab_root[512];
static bool ab_gbench; /* ab --instructions: build ring_gbench too */

static int run_cmd(char *const argv[], const char *log)
{
	/* A child that reopens stdout would flush our unwritten output too. */
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (log) {
			FILE *f = freopen(log, "a", stdout);
			if (!f || !freopen(log, "a", stderr))
				_exit(127);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* First line of a command's output. */
static int capture(char *const argv[], char *out, size_t n)
{
	int fd[2];
	if (pipe(fd))
		return -1;
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(fd[1], 1);
		close(fd[0]);
		close(fd[1]);
		int null = open("/dev/null", 1);
		if (null >= 0)
			dup2(null, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(fd[1]);
	ssize_t k = read(fd[0], out, n - 1);
	close(fd[0]);
	out[k > 0 ? k : 0] = 0;
	char *nl = strchr(out, '\n');
	if (nl)
		*nl = 0;
	int st;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* A ringbench binary named by path: a regular, executable file. */
static bool is_binary(const char *arg)
{
	struct stat st;
	return strchr(arg, '/') && stat(arg, &st) == 0 && S_ISREG(st.st_mode) &&
	       access(arg, X_OK) == 0;
}

static bool is_revision(const char *arg)
{
	char spec[600], out[128];
	snprintf(spec, sizeof(spec), "%s^{commit}", arg);
	char *argv[] = {"git", "-C", ab_root, "rev-parse", "--verify", "--quiet", spec, NULL};
	return capture(argv, out, sizeof(out)) == 0 && out[0];
}

static bool is_scenario(const char *arg)
{
	struct spec s;
	char err[256];
	spec_init(&s);
	return scenario_load(arg, &s, err, sizeof(err)) == 0;
}

static void remove_worktrees(struct build *b, int n)
{
	for (int i = 0; i < n; i++)
		if (b[i].worktree[0]) {
			char *argv[] = {"git",	  "-C",	     ab_root,	    "worktree",
					"remove", "--force", b[i].worktree, NULL};
			run_cmd(argv, "/dev/null");
			b[i].worktree[0] = 0;
		}
	if (ab_tmp[0]) {
		char *argv[] = {"rm", "-rf", ab_tmp, NULL};
		run_cmd(argv, NULL);
		ab_tmp[0] = 0;
	}
	/* A worktree whose add was interrupted leaves only its record. */
	char *prune[] = {"git", "-C", ab_root, "worktree", "prune", NULL};
	run_cmd(prune, "/dev/null");
}

/* Build one side Release in the temporary folder (a worktree at a
 * revision, or the working tree as it is), or take a ringbench binary. */
static int prepare(struct build *b, const char *name)
{
	if (b->arg && is_binary(b->arg)) {
		if (!realpath(b->arg, b->exe))
			snprintf(b->exe, sizeof(b->exe), "%s", b->arg);
		snprintf(b->label, sizeof(b->label), "%s", b->arg);
		return 0;
	}
	char src[1024], bld[1024], log[1100], rev[64] = "";
	if (b->arg) {
		char spec[600];
		snprintf(spec, sizeof(spec), "%s^{commit}", b->arg);
		char *argv[] = {"git", "-C", ab_root, "rev-parse", "--short", spec, NULL};
		capture(argv, rev, sizeof(rev));
		snprintf(src, sizeof(src), "%s/src-%s", ab_tmp, name);
		char *wt[] = {"git",	  "-C",	     ab_root, "worktree",     "add",
			      "--detach", "--quiet", src,     (char *)b->arg, NULL};
		snprintf(log, sizeof(log), "%s/build-%s.log", ab_tmp, name);
		if (run_cmd(wt, log)) {
			fprintf(stderr, "ringbench ab: cannot check out %s (see %s)\n", b->arg,
				log);
			return BENCH_USAGE;
		}
		snprintf(b->worktree, sizeof(b->worktree), "%s", src);
		snprintf(b->label, sizeof(b->label), "%s (%s)", b->arg, rev);
	} else {
		snprintf(src, sizeof(src), "%s", ab_root);
		snprintf(b->label, sizeof(b->label), "the working tree");
	}
	snprintf(bld, sizeof(bld), "%s/build-%s", ab_tmp, name);
	snprintf(log, sizeof(log), "%s/build-%s.log", ab_tmp, name);
	/* The source path out of the binary: two builds of one revision are
	 * then the same code at the same addresses. */
	char flags[1200], srcdir[1200], blddir[1200];
	snprintf(flags, sizeof(flags), "-DCMAKE_C_FLAGS=-ffile-prefix-map=%s=.", src);
	snprintf(srcdir, sizeof(srcdir), "-S%s", src);
	snprintf(blddir, sizeof(blddir), "-B%s", bld);
	fprintf(stderr, "ringbench ab: building %s (Release) in %s\n", b->label, bld);
	char *conf[] = {"cmake", srcdir, blddir, "-DCMAKE_BUILD_TYPE=Release", flags, NULL};
	char *make[] = {"cmake", "--build", bld, "--target", "ringbench", "-j2", NULL};
	if (run_cmd(conf, log) || run_cmd(make, log)) {
		fprintf(stderr, "ringbench ab: building %s failed; its log:\n", b->label);
		char *tail[] = {"tail", "-n", "25", log, NULL};
		run_cmd(tail, NULL);
		return BENCH_USAGE;
	}
	snprintf(b->exe, sizeof(b->exe), "%s/harness/ringbench", bld);
	/* ab --instructions: ring_gbench too, which a revision from before it,
	 * or a build without Google Benchmark, does not have (said later). */
	char *gb[] = {"cmake", "--build", bld, "--target", "ring_gbench", "-j2", NULL};
	if (ab_gbench && run_cmd(gb, log))
		fprintf(stderr, "ringbench ab: %s has no ring_gbench target (see %s)\n", b->label,
			log);
	return 0;
}

/* Both builds' workers must speak this harness's protocol. */
static int check_protocol(const struct build *b)
{
	char want[128], got[256];
	bench_protocol_line(want, sizeof(want));
	char *argv[] = {(char *)b->exe, "__protocol", NULL};
	if (capture(argv, got, sizeof(got)) != 0 || strcmp(got, want) != 0) {
		fprintf(stderr,
			"ringbench ab: %s cannot run under this harness: it says '%s', this one "
			"'%s' (its workers must speak the same protocol; builds from before "
			"`ab` existed cannot)\n",
			b->label, got[0] ? got : "nothing", want);
		return BENCH_USAGE;
	}
	return 0;
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
			      NULL, NULL);
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
	if (capture(gtop, top, sizeof(top)) != 0 || !top[0])
		snprintf(top, sizeof(top), "%s", RINGBENCH_SOURCE_DIR);
	snprintf(ab_root, sizeof(ab_root), "%s", top);

	struct build b[2] = {{.arg = argv[first]}, {.arg = NULL}};
	int nscen = 0;
	char *scen[32];
	for (int i = first + 1; i < argc; i++) {
		const char *a = argv[i];
		bool exe = is_binary(a);
		if (i == first + 1 && (exe || (!is_scenario(a) && is_revision(a))))
			b[1].arg = a;
		else if (is_scenario(a) && nscen < 32)
			scen[nscen++] = argv[i];
		else
			return usage_error("ab: '%s' is neither a revision, a ringbench binary nor "
					   "a scenario",
					   a);
	}
	bool base_exe = is_binary(b[0].arg);
	if (!base_exe && !is_revision(b[0].arg))
		return usage_error("ab: '%s' is not a git revision in %s, nor a ringbench binary",
				   b[0].arg, ab_root);

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
	snprintf(ab_tmp, sizeof(ab_tmp), "/tmp/ringbench-ab.XXXXXX");
	if (!mkdtemp(ab_tmp)) {
		ab_tmp[0] = 0;
		free(cases);
		fprintf(stderr, "ringbench ab: cannot make a temporary folder: %s\n",
			strerror(errno));
		return BENCH_USAGE;
	}
	ab_gbench = j.instructions;
	rc = prepare(&b[0], "A");
	if (!rc && !bench_interrupted)
		rc = prepare(&b[1], "B");
	if (!rc && bench_interrupted)
		rc = BENCH_USAGE;
	/* Counting runs no workers: the protocol does not matter then. */
	if (!rc && !j.instructions)
		rc = check_protocol(&b[0]);
	if (!rc && !j.instructions)
		rc = check_protocol(&b[1]);
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
	rc = judge_and_report(&j, "ab", &sa_set, &sb_set, labels, total, &jd, NULL, NULL);
	judgement_free(&jd);
	fprintf(stderr, "ringbench ab: %.0f s in all (builds %.0f s, measuring %.0f s)\n", total,
		build_s, ss.seconds);
done:
	session_free(&ss);
	sample_free(&sa_set);
	sample_free(&sb_set);
	remove_worktrees(b, 2);
	free(cases);
	return rc;
}
