/* judging.c: what the verdict commands share (judging.h). */
#include "cli/judging.h"

#include "cli/cli.h"
#include "diagnose/system.h"
#include "judge/acks.h"
#include "measure/results.h"
#include "store/store.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define usage_error	  cli_usage
#define JUDGING_MAX_CASES 1024

/* The long options without a letter of their own. */
enum { OPT_BMF = 1000, OPT_GITHUB, OPT_CSV };

const char *const judging_options =
    "  --alpha A         significance of the rank test (0.01)\n"
    "  --threshold PCT   a fixed threshold, e.g. 5%% (default: the larger of a floor,\n"
    "                    %s, and the noise of one repetition measured in the files)\n"
    "  --force           compare different machines or build types anyway\n"
    "  --all             show every figure, not only the ones that changed\n"
    "  --markdown FILE   the verdict as Markdown (a CI job summary, a PR comment)\n"
    "  --junit FILE      JUnit XML: one test case per benchmark case\n"
    "  --json FILE       the comparison as JSON\n"
    "  --bmf FILE        every figure as Bencher Metric Format JSON: the current\n"
    "                    value, and the verdict's interval on it, where it gives\n"
    "                    one, as lower_value and upper_value\n"
    "  --github-benchmark PREFIX  every figure for github-action-benchmark:\n"
    "                    PREFIX-bigger.json (customBiggerIsBetter) and\n"
    "                    PREFIX-smaller.json (customSmallerIsBetter), each where\n"
    "                    a figure goes that way (the action refuses an empty file)\n"
    "  --csv FILE        every figure as CSV (RFC 4180; docs/formats.md)\n";

const char *const judging_exit_text =
    "exit status: 0 pass, 1 performance regression, 2 usage or environment error\n"
    "or no verdict (bad files, different machines, a machine whose state changed\n"
    "for every case, too few repetitions, a stored baseline of too few runs, one\n"
    "run per side), 3 a visibility or integrity failure recorded in the current\n"
    "results\n";

int judging_fraction(const char *s, double *out)
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

int judging_alpha(const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !(v > 0 && v < 0.5))
		return -1;
	*out = v;
	return 0;
}

/* What formats_check_paths needs of command cmd with j's options and
 * positional arguments args[0..nargs) (results files, scenarios,
 * binaries: those that exist are read): every other file it writes or
 * reads.  0, or -1 with the message in err. */
static int check_paths(const struct jcli *j, const char *cmd, int nargs, char **args, char *err,
		       size_t n)
{
	bool ab = strcmp(cmd, "ab") == 0, check = strcmp(cmd, "check") == 0;
	char made[4][1200];
	struct formats_other *o = calloc((size_t)nargs + 12, sizeof(*o));
	if (!o) {
		snprintf(err, n, "out of memory");
		return -1;
	}
	int m = 0;
	o[m++] = (struct formats_other){"--markdown", j->markdown, true};
	o[m++] = (struct formats_other){"--junit", j->junit, true};
	o[m++] = (struct formats_other){"--json", j->json, true};
	if (j->out && ab) {
		/* ab --out PREFIX keeps each side's run */
		snprintf(made[0], sizeof(made[0]), "%.1100s-A.json", j->out);
		snprintf(made[1], sizeof(made[1]), "%.1100s-B.json", j->out);
		o[m++] = (struct formats_other){"--out", made[0], true};
		o[m++] = (struct formats_other){"--out", made[1], true};
	} else if (j->out) {
		/* check keeps an interleaved run's other side beside it */
		snprintf(made[0], sizeof(made[0]), "%.1100s.baseline-build.json", j->out);
		o[m++] = (struct formats_other){"--out", j->out, true};
		o[m++] = (struct formats_other){"--out", check ? made[0] : NULL, true};
	}
	if (j->results) {
		snprintf(made[2], sizeof(made[2]), "%.1100s.baseline-build.json", j->results);
		o[m++] = (struct formats_other){"--results", j->results, false};
		o[m++] = (struct formats_other){"--results", made[2], false};
	}
	o[m++] = (struct formats_other){"--baseline", j->baseline, false};
	o[m++] = (struct formats_other){"--baseline-build", j->baseline_build, false};
	if (check) {
		store_default_where(j->store, made[3], sizeof(made[3]));
		if (!strstr(made[3], "://"))
			o[m++] = (struct formats_other){"the store", made[3], true};
	}
	for (int i = 0; i < nargs; i++)
		if (access(args[i], F_OK) == 0)
			o[m++] = (struct formats_other){"input", args[i], false};
	int rc = formats_check_paths(&j->formats, o, m, err, n);
	free(o);
	return rc;
}

int judging_args(int argc, char **argv, struct jcli *j, int *first, bool running)
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
					     {"results", required_argument, 0, 'F'},
					     {"store", required_argument, 0, 'S'},
					     {"bmf", required_argument, 0, OPT_BMF},
					     {"github-benchmark", required_argument, 0, OPT_GITHUB},
					     {"csv", required_argument, 0, OPT_CSV},
					     {"help", no_argument, 0, 'h'},
					     {0, 0, 0, 0}};
	char err[256];
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if ((c == 'H' || c == 'N' || c == 'M' || c == 'X' || c == 'F') &&
		    strcmp(argv[0], "check") != 0)
			return usage_error("%s: --history, --no-history, --method, "
					   "--baseline-build and --results apply to check only",
					   argv[0]);
		if (c == 'W' && strcmp(argv[0], "compare") != 0)
			return usage_error("%s: --within-run applies to compare only", argv[0]);
		if (!running && (c == 'b' || c == 'o' || c == 'R' || c == 'p'))
			return usage_error(
			    "%s: --baseline, --out, --repetitions and --cpus apply to "
			    "check and ab only",
			    argv[0]);
		switch (c) {
		case 'a':
			if (judging_alpha(optarg, &j->opts.alpha))
				return usage_error("--alpha '%s': a probability between 0 and 0.5",
						   optarg);
			break;
		case 't':
			if (judging_fraction(optarg, &j->opts.threshold))
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
		case 'F': j->results = optarg; break;
		case 'S':
			if (strcmp(argv[0], "check") != 0)
				return usage_error("%s: --store applies to check only", argv[0]);
			j->store = optarg;
			break;
		case 'W': j->within_run = true; break;
		case OPT_BMF: j->formats.bmf = optarg; break;
		case OPT_GITHUB: j->formats.github = optarg; break;
		case OPT_CSV: j->formats.csv = optarg; break;
		case 'h': j->help = true; break;
		default: return usage_error("%s: unknown option '%s'", argv[0], argv[optind - 1]);
		}
	}
	*first = optind;
	/* check and ab run for minutes: a file they cannot write, or one they
	 * would write over another they write or read, is said now. */
	char msg[2600];
	if (!j->help && check_paths(j, argv[0], argc - optind, argv + optind, msg, sizeof(msg)))
		return usage_error("%s: %s", argv[0], msg);
	return 0;
}

static int write_outputs(const struct jcli *j, const struct judgement *jd,
			 const struct writeup_meta *m)
{
	int rc = 0;
	if (j->markdown && writeup_markdown(j->markdown, jd, m)) {
		fprintf(stderr, "ringbench: cannot write %s: %s\n", j->markdown, strerror(errno));
		rc = BENCH_USAGE;
	}
	if (j->junit && writeup_junit(j->junit, jd, m)) {
		fprintf(stderr, "ringbench: cannot write %s: %s\n", j->junit, strerror(errno));
		rc = BENCH_USAGE;
	}
	if (j->json && writeup_json(j->json, jd, m)) {
		fprintf(stderr, "ringbench: cannot write %s: %s\n", j->json, strerror(errno));
		rc = BENCH_USAGE;
	}
	if (judging_formats(&j->formats, m->cur, jd))
		rc = BENCH_USAGE;
	return rc;
}

/* One line for a github-action-benchmark file not written: the action
 * stops at an empty array, so a direction without figures has no file
 * (a workflow step runs only where it is there). */
static void github_left_out(const char *prefix, const struct formats_set *fs)
{
	bool bigger = formats_github_count(fs, +1) == 0,
	     smaller = formats_github_count(fs, -1) == 0;
	if (bigger && smaller)
		fprintf(stderr,
			"ringbench: no figure to write: neither %s-bigger.json nor "
			"%s-smaller.json written\n",
			prefix, prefix);
	else if (bigger || smaller)
		fprintf(stderr,
			"ringbench: no figure where %s is better: %s-%s.json not written "
			"(github-action-benchmark refuses an empty file)\n",
			bigger ? "bigger" : "smaller", prefix, bigger ? "bigger" : "smaller");
}

int judging_formats(const struct formats_paths *p, const struct sample_set *cur,
		    const struct judgement *jd)
{
	if (!formats_wanted(p))
		return 0;
	struct formats_set fs;
	if (formats_collect(cur, jd, &fs)) {
		fprintf(stderr,
			"ringbench: out of memory: no --bmf, --github-benchmark or --csv\n");
		return BENCH_USAGE;
	}
	int rc = 0;
	if (p->bmf && formats_bmf(p->bmf, &fs)) {
		fprintf(stderr, "ringbench: cannot write %s: %s\n", p->bmf, strerror(errno));
		rc = BENCH_USAGE;
	}
	if (p->github && formats_github(p->github, &fs)) {
		fprintf(stderr, "ringbench: cannot write %s-bigger.json and -smaller.json: %s\n",
			p->github, strerror(errno));
		rc = BENCH_USAGE;
	} else if (p->github) {
		github_left_out(p->github, &fs);
	}
	if (p->csv && formats_csv(p->csv, &fs)) {
		fprintf(stderr, "ringbench: cannot write %s: %s\n", p->csv, strerror(errno));
		rc = BENCH_USAGE;
	}
	formats_free(&fs);
	return rc;
}

int judging_session_formats(const struct formats_paths *p, struct session *ss, int b, int rc)
{
	if (!formats_wanted(p) || !ss->doc[b])
		return rc;
	struct sample_set cur;
	if (judging_sample_of(ss, b, "this run", &cur))
		return BENCH_USAGE;
	int wrc = judging_formats(p, &cur, NULL);
	sample_free(&cur);
	return wrc ? wrc : rc;
}

void judging_acks_beside(struct jcli *j, const char *machine_id, const char *kind)
{
	if (acks_file(j->acks_file, sizeof(j->acks_file), j->baseline, machine_id) ||
	    acks_verdict_file(j->last_verdict, sizeof(j->last_verdict), j->baseline, machine_id,
			      kind))
		fprintf(stderr, "ringbench: the baseline's path is too long: no acknowledgements "
				"applied, no verdict kept for ringbench ack\n");
}

/* The acknowledgements kept with the baseline, applied to jd: 0, or exit
 * code 2 with the message printed (a file that cannot be read is no
 * reason to pass or fail a figure silently). */
static int apply_acks(const struct jcli *j, const struct sample_set *cur, struct judgement *jd,
		      struct ack_set *acks)
{
	char err[1400];
	if (acks_load(j->acks_file, acks, err, sizeof(err))) {
		fprintf(stderr, "ringbench: the acknowledgements: %s\n", err);
		return BENCH_USAGE;
	}
	struct ack_context ctx = {.now = time(NULL), .checked = cur->revision};
	acks_apply(jd, acks, &ctx);
	return 0;
}

/* One line on what the acknowledgements did, where they did anything. */
static void acks_said(const struct jcli *j, const struct ack_set *acks)
{
	int n[4] = {0};
	for (int i = 0; i < acks->n; i++)
		n[acks->v[i].outcome]++;
	if (n[ACK_APPLIED] + n[ACK_EXPIRED] + n[ACK_EXCEEDED] == 0)
		return;
	printf("acknowledged (%s): %d regression%s accepted, %d expired, %d moved beyond the "
	       "change accepted (ringbench ack --list)\n",
	       j->acks_file, n[ACK_APPLIED], n[ACK_APPLIED] == 1 ? "" : "s", n[ACK_EXPIRED],
	       n[ACK_EXCEEDED]);
}

/* The verdict, for `ringbench ack` to take a regression's change from. */
static void keep_verdict(const struct jcli *j, const struct judgement *jd,
			 const struct writeup_meta *m)
{
	char dir[1200];
	snprintf(dir, sizeof(dir), "%s", j->last_verdict);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	if ((slash && results_mkdirs(dir)) || writeup_json(j->last_verdict, jd, m))
		fprintf(stderr, "ringbench: the verdict is not kept for ringbench ack: %s: %s\n",
			j->last_verdict, strerror(errno));
}

int judging_report(const struct jcli *j, const char *command, const struct sample_set *base,
		   const struct sample_set *cur, const char *labels[2], double seconds,
		   struct judgement *jd, const struct writeup_meta *history)
{
	char err[1200];
	if (judge(base, cur, &j->opts, jd, err, sizeof(err))) {
		fprintf(stderr, "ringbench: %s\n", err);
		return BENCH_USAGE;
	}
	struct ack_set acks = {0};
	if (j->acks_file[0] && apply_acks(j, cur, jd, &acks))
		return BENCH_USAGE;
	struct writeup_meta m = {.command = command,
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
	writeup_table(stdout, jd, &m, j->all);
	acks_said(j, &acks);
	acks_free(&acks);
	int rc = write_outputs(j, jd, &m);
	if (j->last_verdict[0])
		keep_verdict(j, jd, &m);
	return rc ? rc : writeup_status(jd, &m);
}

int judging_cases(int nscen, char **scen, const char *dflt, const struct jcli *j, struct spec *spec,
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
	*cases = calloc(JUDGING_MAX_CASES, sizeof(**cases));
	if (!*cases)
		return -BENCH_USAGE;
	int n = spec_expand(spec, *cases, JUDGING_MAX_CASES, err, sizeof(err));
	if (n < 0) {
		free(*cases);
		return -usage_error("%s", err);
	}
	return n;
}

void judging_runs_path(char *out, size_t n, const char *what)
{
	char dir[900];
	bench_results_dir("runs", dir, sizeof(dir));
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

void judging_note_system(struct session *ss)
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

int judging_sample_of(struct session *ss, int b, const char *label, struct sample_set *out)
{
	char err[1200];
	if (sample_from_json(ss->doc[b], label, out, err, sizeof(err))) {
		fprintf(stderr, "ringbench: %s\n", err);
		sample_free(out);
		return BENCH_USAGE;
	}
	return 0;
}

static void on_signal(int sig)
{
	(void)sig;
	bench_interrupted = 1;
}

void judging_catch_signals(void)
{
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}
