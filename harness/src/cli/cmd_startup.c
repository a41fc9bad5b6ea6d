/* cmd_startup.c: `ringbench startup`: what a ring costs to set up and tear
 * down, timed as whole processes by hyperfine.  Each timed command is
 * `ringbench __startup WAIT`: a process pinned to the first CPU creates the
 * ring, starts a second process pinned to the other (fork + exec, as an
 * unrelated program would be), which attaches (taking the eventfds over a
 * Unix socket for eventfd) and receives one message; then both tear down.
 * `ringbench __startup none` starts the same two processes doing nothing,
 * so the difference is the ring's.  Each hyperfine run is one repetition of
 * a Google Benchmark entry, so `compare` judges startup files like any
 * other results. */
#include "bench.h"
#include "commands.h"
#include "report.h"
#include "results.h"
#include "sample.h"
#include "stats.h"
#include "verdict.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef RINGBENCH_HYPERFINE
#define RINGBENCH_HYPERFINE "hyperfine"
#endif
#ifndef RINGBENCH_SOURCE_DIR
#define RINGBENCH_SOURCE_DIR "."
#endif

#define STARTUP_TIMEOUT_NS 5000000000LL /* any one step: a hang fails the run */
#define STARTUP_MESSAGE	   "ringbench startup: the first message"

static const char *const waits[] = {"spin", "futex", "eventfd", "hybrid"};
#define NWAITS 4

static int pin(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

/* The second process: attach, take one message, check it, close. */
static int startup_peer(const char *name, const char *wait_name, int cpu)
{
	int rc = pin(cpu);
	if (rc) {
		fprintf(stderr, "ringbench __startup: pin to CPU %d: %s\n", cpu, strerror(-rc));
		return BENCH_USAGE;
	}
	if (strcmp(wait_name, "none") == 0)
		return BENCH_PASS;
	enum ring_wait w;
	if (ring_wait_parse(wait_name, &w))
		return BENCH_USAGE;
	struct ring *r;
	rc = ring_attach(&r, name, RING_ROLE_CONSUMER, STARTUP_TIMEOUT_NS);
	if (rc) {
		fprintf(stderr, "ringbench __startup: attach %s: %s\n", name, ring_last_error());
		return BENCH_USAGE;
	}
	char buf[128];
	size_t len = 0;
	rc = ring_recv_wait(r, buf, sizeof(buf), &len, w, STARTUP_TIMEOUT_NS);
	bool ok = rc == 0 && len == sizeof(STARTUP_MESSAGE) &&
		  memcmp(buf, STARTUP_MESSAGE, sizeof(STARTUP_MESSAGE)) == 0;
	if (!ok)
		fprintf(stderr, "ringbench __startup: %s: %s\n", name,
			rc ? strerror(-rc) : "the message arrived changed");
	ring_close(r);
	return ok ? BENCH_PASS : BENCH_VISIBILITY;
}

/* The first process: create, start the peer, send, wait, tear down. */
static int startup_main(const char *wait_name, int cpu0, int cpu1, uint64_t capacity)
{
	bool none = strcmp(wait_name, "none") == 0;
	enum ring_wait w = RING_WAIT_SPIN;
	if (!none && ring_wait_parse(wait_name, &w)) {
		fprintf(stderr, "ringbench __startup: unknown wait strategy '%s'\n", wait_name);
		return BENCH_USAGE;
	}
	int rc = pin(cpu0);
	if (rc) {
		fprintf(stderr, "ringbench __startup: pin to CPU %d: %s\n", cpu0, strerror(-rc));
		return BENCH_USAGE;
	}
	/* The harness's naming, so a crashed run's object is swept later. */
	char name[64] = "-";
	struct ring *r = NULL;
	if (!none) {
		snprintf(name, sizeof(name), "/ringbench.%d.startup", (int)getpid());
		struct ring_config cfg = {.capacity = capacity, .wait = w};
		rc = ring_create(&r, name, &cfg, RING_ROLE_PRODUCER);
		if (rc) {
			fprintf(stderr, "ringbench __startup: create %s: %s\n", name,
				ring_last_error());
			return BENCH_USAGE;
		}
	}
	char cpu[16];
	snprintf(cpu, sizeof(cpu), "%d", cpu1);
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0) {
		/* The peer dies with us: no orphan waits out its timeouts. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(BENCH_USAGE);
		execl("/proc/self/exe", "ringbench", "__startup", "--peer", name, wait_name, cpu,
		      (char *)NULL);
		_exit(127);
	}
	int status = BENCH_PASS;
	if (pid < 0) {
		fprintf(stderr, "ringbench __startup: fork: %s\n", strerror(errno));
		status = BENCH_USAGE;
		if (r)
			ring_unlink(name);
	} else if (!none) {
		/* Serves the eventfds to the peer when it connects. */
		rc = ring_wait_peer(r, STARTUP_TIMEOUT_NS);
		/* Attached (and served its eventfds): the name is no longer
		 * needed, so an interrupt from here on leaves nothing behind. */
		ring_unlink(name);
		if (!rc)
			rc = ring_send_wait(r, STARTUP_MESSAGE, sizeof(STARTUP_MESSAGE), w,
					    STARTUP_TIMEOUT_NS);
		if (rc) {
			fprintf(stderr, "ringbench __startup: %s: %s\n", name, strerror(-rc));
			status = BENCH_USAGE;
			kill(pid, SIGKILL);
		}
	}
	if (pid > 0) {
		int st;
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		if (status == BENCH_PASS && (!WIFEXITED(st) || WEXITSTATUS(st) != 0))
			status =
			    WIFEXITED(st) && WEXITSTATUS(st) != 127 ? WEXITSTATUS(st) : BENCH_USAGE;
	}
	if (r)
		ring_close(r);
	return status;
}

/* ringbench __startup WAIT|none [CPU0 CPU1 CAPACITY]
 * ringbench __startup --peer NAME WAIT|none CPU */
int cmd_startup_worker(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "--peer") == 0)
		return startup_peer(argv[2], argv[3], atoi(argv[4]));
	if (argc == 2)
		return startup_main(argv[1], 0, 1, 65536);
	if (argc == 5)
		return startup_main(argv[1], atoi(argv[2]), atoi(argv[3]),
				    strtoull(argv[4], NULL, 0));
	fprintf(stderr, "usage: ringbench __startup WAIT|none [CPU0 CPU1 CAPACITY]\n");
	return BENCH_USAGE;
}

/* ---- ringbench startup ---- */

void startup_baseline_file(char *out, size_t n, const char *machine_id)
{
	/* <machine-id>.startup.json beside the main baseline */
	baseline_file(out, n, machine_id);
	size_t len = strlen(out);
	if (len > 5 && len + 8 < n)
		snprintf(out + len - 5, n - len + 5, ".startup.json");
}

static const char help[] =
    "usage: ringbench startup [--wait LIST] [--cpus A,B] [--runs N] [--warmup N]\n"
    "                         [--out FILE] [--export-json FILE] [--baseline FILE |\n"
    "                         --no-baseline] [--markdown FILE] [--hyperfine PROG]\n"
    "\n"
    "Time whole processes with hyperfine: for each wait strategy, one process\n"
    "pinned to CPU A creates a ring and starts a second one pinned to CPU B, which\n"
    "attaches (eventfd: takes the descriptors over a Unix socket) and receives one\n"
    "message; both then tear down.  Beside them, the same two processes doing\n"
    "nothing ('two processes'): the difference is what the ring costs.\n"
    "\n"
    "  --wait LIST        strategies (default spin,futex,eventfd,hybrid)\n"
    "  --cpus A,B         the two CPUs (default 0,1)\n"
    "  --runs N           timed runs of each command (default 40)\n"
    "  --warmup N         untimed runs first (default 5)\n"
    "  --out FILE         the results, Google Benchmark JSON, one repetition per run\n"
    "                     (default results/runs/startup-<time>.json)\n"
    "  --export-json FILE hyperfine's own JSON\n"
    "  --baseline FILE    judge against FILE (default: this machine's startup\n"
    "                     baseline, results/baselines/<machine-id>.startup.json; the\n"
    "                     first run saves it).  Judged as check judges, with a floor\n"
    "                     of 20% (whole starts move more between runs than within\n"
    "                     one); a flagged strategy is timed again at once, beside the\n"
    "                     two bare processes (the --out file .rerun.json), and must\n"
    "                     regress again\n"
    "  --no-baseline      do not judge\n"
    "  --markdown FILE    the verdict as Markdown\n"
    "  --hyperfine PROG   the hyperfine to run (default: the one the build found)\n"
    "\n"
    "exit status: 0 pass, 1 a startup time regressed against the baseline, 2 usage\n"
    "or environment error (no hyperfine, a command that failed)\n";

struct startup_opts {
	char waits[NWAITS][16];
	int nwaits;
	int cpu[2];
	int runs, warmup;
	const char *out, *export_json, *baseline, *markdown, *hyperfine;
	bool no_baseline;
};

static int parse_waits(const char *s, struct startup_opts *o)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", s);
	o->nwaits = 0;
	for (char *save, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		enum ring_wait w;
		if (ring_wait_parse(t, &w))
			return cli_usage("startup: --wait: unknown strategy '%s' (spin, futex, "
					 "eventfd, hybrid)",
					 t);
		if (o->nwaits == NWAITS)
			return cli_usage("startup: --wait: at most %d strategies", NWAITS);
		snprintf(o->waits[o->nwaits++], sizeof(o->waits[0]), "%s", t);
	}
	return o->nwaits ? 0 : cli_usage("startup: --wait: no strategy given");
}

static int parse_count(const char *opt, const char *s, int min, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*s == 0 || *end || v < min || v > 100000)
		return cli_usage("startup: %s: '%s' is not a whole number from %d to 100000", opt,
				 s, min);
	*out = (int)v;
	return 0;
}

static int parse(int argc, char **argv, struct startup_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->cpu[1] = 1;
	o->runs = 40;
	o->warmup = 5;
	o->hyperfine = RINGBENCH_HYPERFINE;
	for (int i = 0; i < NWAITS; i++)
		snprintf(o->waits[i], sizeof(o->waits[i]), "%s", waits[i]);
	o->nwaits = NWAITS;
	enum {
		O_WAIT = 256,
		O_CPUS,
		O_RUNS,
		O_WARM,
		O_OUT,
		O_EXPORT,
		O_BASE,
		O_NOBASE,
		O_MD,
		O_HF,
		O_HELP
	};
	static const struct option opts[] = {
	    {"wait", required_argument, NULL, O_WAIT},
	    {"cpus", required_argument, NULL, O_CPUS},
	    {"runs", required_argument, NULL, O_RUNS},
	    {"warmup", required_argument, NULL, O_WARM},
	    {"out", required_argument, NULL, O_OUT},
	    {"export-json", required_argument, NULL, O_EXPORT},
	    {"baseline", required_argument, NULL, O_BASE},
	    {"no-baseline", no_argument, NULL, O_NOBASE},
	    {"markdown", required_argument, NULL, O_MD},
	    {"hyperfine", required_argument, NULL, O_HF},
	    {"help", no_argument, NULL, O_HELP},
	    {0},
	};
	optind = 1;
	opterr = 0;
	int c, rc;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case O_WAIT:
			if ((rc = parse_waits(optarg, o)))
				return rc;
			break;
		case O_CPUS: {
			char *end;
			long a = strtol(optarg, &end, 10), b = -1;
			if (*end == ',')
				b = strtol(end + 1, &end, 10);
			if (*end || a < 0 || b < 0 || a == b || a >= CPU_SETSIZE ||
			    b >= CPU_SETSIZE)
				return cli_usage("startup: --cpus: '%s' is not two different CPUs "
						 "A,B",
						 optarg);
			o->cpu[0] = (int)a;
			o->cpu[1] = (int)b;
			break;
		}
		case O_RUNS:
			if ((rc = parse_count("--runs", optarg, 2, &o->runs)))
				return rc;
			break;
		case O_WARM:
			if ((rc = parse_count("--warmup", optarg, 0, &o->warmup)))
				return rc;
			break;
		case O_OUT: o->out = optarg; break;
		case O_EXPORT: o->export_json = optarg; break;
		case O_BASE: o->baseline = optarg; break;
		case O_NOBASE: o->no_baseline = true; break;
		case O_MD: o->markdown = optarg; break;
		case O_HF: o->hyperfine = optarg; break;
		case O_HELP: fputs(help, stdout); return -1;
		default:
			return cli_usage("startup: unknown option or missing value '%s'",
					 argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage("startup: unexpected argument '%s'", argv[optind]);
	if (o->baseline && o->no_baseline)
		return cli_usage("startup: give --baseline or --no-baseline, not both");
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		for (int i = 0; i < 2; i++)
			if (!CPU_ISSET(o->cpu[i], &set))
				return cli_usage(
				    "startup: CPU %d is not one this process may run on",
				    o->cpu[i]);
	return 0;
}

/* Run hyperfine over every command; its table goes to stderr (progress),
 * its JSON to json_path.  0, or BENCH_USAGE with the message printed. */
static int run_hyperfine(const struct startup_opts *o, const char *exe, const char *json_path)
{
	char cmds[NWAITS + 1][1400], names[NWAITS + 1][32], runs[16], warm[16];
	const char *argv[64];
	int n = 0;
	snprintf(runs, sizeof(runs), "%d", o->runs);
	snprintf(warm, sizeof(warm), "%d", o->warmup);
	argv[n++] = o->hyperfine;
	argv[n++] = "-N"; /* no shell between hyperfine and the command */
	argv[n++] = "--style";
	argv[n++] = "basic";
	argv[n++] = "--warmup";
	argv[n++] = warm;
	argv[n++] = "--runs";
	argv[n++] = runs;
	argv[n++] = "--export-json";
	argv[n++] = json_path;
	for (int i = 0; i <= o->nwaits; i++) {
		const char *w = i == 0 ? "none" : o->waits[i - 1];
		snprintf(names[i], sizeof(names[i]), "%s", i == 0 ? "two processes" : w);
		snprintf(cmds[i], sizeof(cmds[i]), "%s __startup %s %d %d 65536", exe, w, o->cpu[0],
			 o->cpu[1]);
		argv[n++] = "-n";
		argv[n++] = names[i];
		argv[n++] = cmds[i];
	}
	argv[n] = NULL;
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "ringbench: startup: fork: %s\n", strerror(errno));
		return BENCH_USAGE;
	}
	if (pid == 0) {
		dup2(2, 1);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 127) {
		fprintf(stderr,
			"ringbench: startup: cannot run '%s' (install hyperfine, or name it with "
			"--hyperfine)\n",
			o->hyperfine);
		return BENCH_USAGE;
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "ringbench: startup: hyperfine failed (see its message above)\n");
		return BENCH_USAGE;
	}
	return 0;
}

/* hyperfine's JSON into ringbench's results: one entry per timed run. */
static json_t *to_results(const struct startup_opts *o, const char *hf_path, char *err, size_t n)
{
	json_error_t je;
	json_t *hf = json_load_file(hf_path, 0, &je);
	if (!hf) {
		snprintf(err, n, "%.900s: %.150s", hf_path, je.text);
		return NULL;
	}
	struct machine m;
	machine_identify(&m);
	json_t *doc = results_new(&m, o->cpu, "startup", bench_clock(), bench_clock_why(), err, n);
	if (!doc) {
		json_decref(hf);
		return NULL;
	}
	json_t *ctx = json_object_get(doc, "context");
	json_object_set_new(ctx, "clock", json_string("hyperfine"));
	json_object_set_new(ctx, "clock_resolution_ns", json_real(1));
	json_object_set_new(ctx, "clock_choice",
			    json_string("hyperfine's wall-clock time of each whole run"));
	json_object_set_new(ctx, "window",
			    json_string("each repetition is one hyperfine run of a whole process "
					"pair: create, attach, first message across, teardown"));
	json_object_del(ctx, "state_probe");
	json_t *bench = json_object_get(doc, "benchmarks");
	json_t *results = json_object_get(hf, "results");
	size_t i;
	json_t *r;
	json_array_foreach(results, i, r)
	{
		const char *cmd = json_string_value(json_object_get(r, "command"));
		json_t *times = json_object_get(r, "times");
		if (!cmd || !json_is_array(times)) {
			snprintf(err, n, "%s: a result without command or times", hf_path);
			goto fail;
		}
		char name[160];
		bool none = strcmp(cmd, "two processes") == 0;
		snprintf(name, sizeof(name), "startup/%s:%s/cpus:%d,%d",
			 none ? "transport" : "wait", none ? "none" : cmd, o->cpu[0], o->cpu[1]);
		size_t k;
		json_t *t;
		json_array_foreach(times, k, t)
		{
			double ns = json_number_value(t) * 1e9;
			if (!json_is_number(t) || !isfinite(ns) || ns <= 0) {
				snprintf(err, n, "%s: %s: a time that is not a positive number",
					 hf_path, cmd);
				goto fail;
			}
			json_t *e = json_pack(
			    "{s:s, s:s, s:s, s:i, s:i, s:i, s:i, s:f, s:s, s:s, s:s}", "name", name,
			    "run_name", name, "run_type", "iteration", "repetitions",
			    (int)json_array_size(times), "repetition_index", (int)k, "threads", 1,
			    "iterations", 1, "real_time", ns, "time_unit", "ns", "kind", "startup",
			    "wait", none ? "none" : cmd);
			if (!e || json_array_append_new(bench, e)) {
				snprintf(err, n, "out of memory");
				goto fail;
			}
		}
	}
	json_decref(hf);
	return doc;
fail:
	json_decref(hf);
	json_decref(doc);
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The table: each command's median and spread, and what it adds to two
 * bare processes. */
static double median_ns(const struct sample_case *c)
{
	double *v = malloc((size_t)c->n * sizeof(*v));
	if (!v)
		return NAN;
	memcpy(v, c->v[FIG_TIME], (size_t)c->n * sizeof(*v));
	double m = stats_median(v, c->n);
	free(v);
	return m;
}

static void print_table(const struct sample_set *s)
{
	double none = NAN;
	for (int i = 0; i < s->ncases; i++)
		if (strstr(s->cases[i].name, "transport:none"))
			none = median_ns(&s->cases[i]);
	printf("%-34s %10s %10s %10s %12s\n", "startup (whole runs)", "median", "p10", "p90",
	       "over 2 procs");
	for (int i = 0; i < s->ncases; i++) {
		const struct sample_case *c = &s->cases[i];
		double *v = malloc((size_t)c->n * sizeof(*v));
		if (!v)
			return;
		memcpy(v, c->v[FIG_TIME], (size_t)c->n * sizeof(*v));
		qsort(v, (size_t)c->n, sizeof(*v), cmp_double);
		double med = median_ns(c);
		double p10 = v[(int)(0.1 * (c->n - 1))], p90 = v[(int)(0.9 * (c->n - 1))];
		char over[32] = "-";
		if (!strstr(c->name, "transport:none") && isfinite(none))
			snprintf(over, sizeof(over), "%+.3f ms", (med - none) / 1e6);
		printf("%-34s %7.3f ms %7.3f ms %7.3f ms %12s\n", c->name, med / 1e6, p10 / 1e6,
		       p90 / 1e6, over);
		free(v);
	}
}

/* One hyperfine pass: its results written to out (hyperfine's own JSON to
 * hf, kept only when asked) and read back into *doc and *cur.  0, or
 * BENCH_USAGE with the message printed. */
static int measure(const struct startup_opts *o, const char *exe, const char *out, const char *hf,
		   bool keep_hf, json_t **doc, struct sample_set *cur)
{
	int rc = run_hyperfine(o, exe, hf);
	char err[2000];
	*doc = rc ? NULL : to_results(o, hf, err, sizeof(err));
	if (!keep_hf)
		unlink(hf);
	if (rc)
		return rc;
	if (!*doc) {
		fprintf(stderr, "ringbench: startup: %s\n", err);
		return BENCH_USAGE;
	}
	char dir[1200];
	snprintf(dir, sizeof(dir), "%s", out);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	if ((slash && results_mkdirs(dir)) || results_write(*doc, out)) {
		fprintf(stderr, "ringbench: startup: cannot write %s: %s\n", out, strerror(errno));
		json_decref(*doc);
		*doc = NULL;
		return BENCH_USAGE;
	}
	if (sample_from_json(*doc, out, cur, err, sizeof(err))) {
		fprintf(stderr, "ringbench: startup: %s\n", err);
		json_decref(*doc);
		*doc = NULL;
		return BENCH_USAGE;
	}
	return 0;
}

void startup_judge_opts(struct judge_opts *o)
{
	judge_defaults(o, false);
	o->floor = STARTUP_FLOOR;
}

/* Judge cur against the baseline at bpath; a flagged strategy is timed
 * again at once (with the two bare processes) and must regress again.
 * Returns the exit status. */
static int judge_startup(const struct startup_opts *o, const char *exe, const char *out,
			 const char *bpath, const struct sample_set *cur)
{
	char err[2000];
	struct sample_set base;
	if (sample_load(bpath, &base, err, sizeof(err))) {
		fprintf(stderr, "ringbench: startup: %s\n", err);
		return BENCH_USAGE;
	}
	struct judge_opts jo;
	struct judgement j;
	startup_judge_opts(&jo);
	if (judge(&base, cur, &jo, &j, err, sizeof(err))) {
		fprintf(stderr, "ringbench: startup: %s\n", err);
		sample_free(&base);
		return BENCH_USAGE;
	}
	struct startup_opts again = *o;
	again.nwaits = 0;
	for (int i = 0; i < j.nrows; i++) {
		const char *w = strstr(j.rows[i].name, "/wait:");
		if (j.rows[i].v != V_REGRESSION || !w)
			continue;
		char name[16];
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(w + 6, "/"), w + 6);
		bool seen = false;
		for (int k = 0; k < again.nwaits; k++)
			seen |= strcmp(again.waits[k], name) == 0;
		if (!seen && again.nwaits < NWAITS)
			snprintf(again.waits[again.nwaits++], sizeof(again.waits[0]), "%s", name);
	}
	bool flagged = j.regressions > 0;
	int status = BENCH_PASS;
	if (flagged) {
		/* The two bare processes are timed again in any case. */
		fprintf(stderr,
			"ringbench: startup: %d regression%s flagged; timing again to "
			"confirm\n",
			j.regressions, j.regressions == 1 ? "" : "s");
		char out2[1300], hf2[1400];
		snprintf(out2, sizeof(out2), "%s.rerun.json", out);
		snprintf(hf2, sizeof(hf2), "%s.hyperfine.json", out2);
		json_t *doc2;
		struct sample_set cur2;
		struct judgement j2;
		if (measure(&again, exe, out2, hf2, false, &doc2, &cur2)) {
			status = BENCH_USAGE;
		} else {
			if (judge(&base, &cur2, &jo, &j2, err, sizeof(err)) == 0) {
				judge_confirm(&j, &j2);
				judgement_free(&j2);
			} else {
				fprintf(stderr, "ringbench: startup: the re-run: %s\n", err);
				status = BENCH_USAGE;
			}
			sample_free(&cur2);
			json_decref(doc2);
		}
	}
	struct report_meta meta = {.command = "startup",
				   .base = &base,
				   .cur = cur,
				   .base_label = "base",
				   .cur_label = "current",
				   .opts = &jo};
	printf("\n");
	report_table(stdout, &j, &meta, true);
	if (o->markdown && report_markdown(o->markdown, &j, &meta))
		fprintf(stderr, "ringbench: startup: cannot write %s: %s\n", o->markdown,
			strerror(errno));
	if (status == BENCH_PASS)
		status = report_status(&j, &meta);
	judgement_free(&j);
	sample_free(&base);
	return status;
}

int cmd_startup(int argc, char **argv)
{
	struct startup_opts o;
	int rc = parse(argc, argv, &o);
	if (rc)
		return rc < 0 ? BENCH_PASS : rc;
	char exe[1024];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len <= 0) {
		fprintf(stderr, "ringbench: startup: cannot find this program: %s\n",
			strerror(errno));
		return BENCH_USAGE;
	}
	exe[len] = 0;
	if (strchr(exe, ' ') || strchr(exe, '"') || strchr(exe, '\'')) {
		fprintf(stderr,
			"ringbench: startup: hyperfine splits its commands at spaces, and "
			"this program's path (%s) has one: run it from another folder\n",
			exe);
		return BENCH_USAGE;
	}
	char out[1200], hf[1300];
	if (o.out)
		snprintf(out, sizeof(out), "%s", o.out);
	else {
		char stamp[32];
		time_t now = time(NULL);
		strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", gmtime(&now));
		snprintf(out, sizeof(out), "%s/results/runs/startup-%s.json", RINGBENCH_SOURCE_DIR,
			 stamp);
	}
	if (o.export_json)
		snprintf(hf, sizeof(hf), "%s", o.export_json);
	else
		snprintf(hf, sizeof(hf), "%s.hyperfine.json", out);
	fprintf(stderr,
		"ringbench: startup: %d strategies and two bare processes, %d runs each "
		"after %d warm-up runs, CPUs %d,%d\n",
		o.nwaits, o.runs, o.warmup, o.cpu[0], o.cpu[1]);
	/* Objects a killed run of ours left behind. */
	bench_sweep_stale();
	/* An older run's re-run beside out would pass for this run's. */
	char stale[1300];
	snprintf(stale, sizeof(stale), "%s.rerun.json", out);
	unlink(stale);
	json_t *doc;
	struct sample_set cur;
	if ((rc = measure(&o, exe, out, hf, o.export_json != NULL, &doc, &cur)))
		return rc;
	print_table(&cur);
	printf("results in %s\n", out);
	int status = BENCH_PASS;
	if (!o.no_baseline) {
		char bpath[1300];
		if (o.baseline)
			snprintf(bpath, sizeof(bpath), "%s", o.baseline);
		else
			startup_baseline_file(bpath, sizeof(bpath), cur.machine_id);
		if (!o.baseline && access(bpath, R_OK) != 0) {
			char bdir[1300];
			snprintf(bdir, sizeof(bdir), "%s", bpath);
			*strrchr(bdir, '/') = 0;
			if (results_mkdirs(bdir) || results_write(doc, bpath))
				fprintf(stderr, "ringbench: startup: cannot save %s: %s\n", bpath,
					strerror(errno));
			else
				printf("first startup run on this machine: saved as its baseline, "
				       "%s\n",
				       bpath);
		} else {
			status = judge_startup(&o, exe, out, bpath, &cur);
		}
	}
	sample_free(&cur);
	json_decref(doc);
	return status;
}
