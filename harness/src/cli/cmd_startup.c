/* cmd_startup.c: `ringbench startup`: what a ring costs to set up and tear
 * down, timed as whole processes by hyperfine.  Each timed command is
 * `ringbench __startup WAIT`: a process pinned to the first CPU creates the
 * ring, starts a second process pinned to the other (fork + exec, as an
 * unrelated program would be), which attaches (taking the eventfds over a
 * Unix socket for eventfd) and receives one message; then both tear down.
 * `ringbench __startup none` starts the same two processes doing nothing,
 * so the difference is the ring's.  Each hyperfine run is one repetition of
 * a Google Benchmark entry, so `compare` judges startup files like any
 * other results.  Against a baseline, a build of its revision is timed in
 * the same hyperfine run, each of its commands right after this build's:
 * whole process starts move between runs (another kernel, another host)
 * by more than any change of the ring's setup. */
#include "judge/baselines.h"
#include "cli/cli.h"
#include "measure/bench.h"
#include "cli/builds.h"
#include "cli/commands.h"
#include "judge/writeup.h"
#include "measure/results.h"
#include "judge/sample.h"
#include "judge/stats.h"
#include "judge/verdict.h"

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

#define STARTUP_TIMEOUT_NS 5000000000LL /* any one step: a hang fails the run */
#define STARTUP_MESSAGE	   "ringbench startup: the first message"

static const char *const waits[] = {"spin", "futex", "eventfd", "hybrid"};
#define NWAITS 4
/* hyperfine's name of a command of the baseline's build */
#define BASELINE_PREFIX "baseline: "
/* Beside a baseline build: runs of each command per round */
#define STARTUP_ROUND 5

static void on_signal(int sig)
{
	(void)sig;
	bench_interrupted = 1;
}

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

static const char help[] =
    "usage: ringbench startup [--wait LIST] [--cpus A,B] [--runs N] [--warmup N]\n"
    "                         [--out FILE] [--export-json FILE] [--baseline FILE |\n"
    "                         --no-baseline] [--method M] [--baseline-build EXE]\n"
    "                         [--markdown FILE] [--hyperfine PROG]\n"
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
    "  --export-json FILE hyperfine's own JSON (beside a baseline build, one file a\n"
    "                     round: FILE.0, FILE.1, ...)\n"
    "  --baseline FILE    judge against FILE (default: this machine's startup\n"
    "                     baseline in the results store; the first run saves it),\n"
    "                     as check judges, with a floor of 20%:\n"
    "                     where a build of its revision can be made, that build's\n"
    "                     commands are timed in the same hyperfine run, each beside\n"
    "                     this build's, and judged against them (its results in the\n"
    "                     --out file .baseline-build.json); else against the\n"
    "                     baseline's stored runs, the run as the unit (5 at least)\n"
    "  --method M         auto (interleave where it can, else stored), interleave,\n"
    "                     or stored\n"
    "  --baseline-build EXE  the ringbench binary to time as the baseline's build\n"
    "  --no-baseline      do not judge\n"
    "  --store WHERE      the results store that keeps the startup baseline: a SQLite\n"
    "                     file or postgresql://... (default $RINGBENCH_STORE, else\n"
    "                     results/ringbench.db; a machine with none there takes\n"
    "                     results/baselines/<machine-id>.startup.json into it)\n"
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
	const char *method, *baseline_build;
	const char *store; /* --store WHERE */
	bool no_baseline;
	char baseline_revision[128]; /* interleaved: the revision of the baseline's build */
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

static void startup_defaults(struct startup_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->cpu[1] = 1;
	o->runs = 40;
	o->warmup = 5;
	o->hyperfine = RINGBENCH_HYPERFINE;
	for (int i = 0; i < NWAITS; i++)
		snprintf(o->waits[i], sizeof(o->waits[i]), "%s", waits[i]);
	o->nwaits = NWAITS;
}

static int parse_cpus(const char *s, struct startup_opts *o)
{
	char *end;
	long a = strtol(s, &end, 10), b = -1;
	if (*end == ',')
		b = strtol(end + 1, &end, 10);
	if (*end || a < 0 || b < 0 || a == b || a >= CPU_SETSIZE || b >= CPU_SETSIZE)
		return cli_usage("startup: --cpus: '%s' is not two different CPUs A,B", s);
	o->cpu[0] = (int)a;
	o->cpu[1] = (int)b;
	return 0;
}

static int parse_method(const char *s, struct startup_opts *o)
{
	if (strcmp(s, "auto") && strcmp(s, "interleave") && strcmp(s, "stored"))
		return cli_usage("startup: --method '%s': auto, interleave or stored", s);
	o->method = s;
	return 0;
}

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
	O_METHOD,
	O_BBUILD,
	O_STORE,
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
    {"method", required_argument, NULL, O_METHOD},
    {"baseline-build", required_argument, NULL, O_BBUILD},
    {"store", required_argument, NULL, O_STORE},
    {"help", no_argument, NULL, O_HELP},
    {0},
};

/* One option getopt_long returned (arg its value, bad what to name when it
 * is none of them): 0, -1 after --help, or exit code 2 with the message
 * printed. */
static int parse_option(int c, const char *arg, const char *bad, struct startup_opts *o)
{
	switch (c) {
	case O_WAIT: return parse_waits(arg, o);
	case O_CPUS: return parse_cpus(arg, o);
	case O_RUNS: return parse_count("--runs", arg, 2, &o->runs);
	case O_WARM: return parse_count("--warmup", arg, 0, &o->warmup);
	case O_OUT: o->out = arg; return 0;
	case O_EXPORT: o->export_json = arg; return 0;
	case O_BASE: o->baseline = arg; return 0;
	case O_NOBASE: o->no_baseline = true; return 0;
	case O_MD: o->markdown = arg; return 0;
	case O_HF: o->hyperfine = arg; return 0;
	case O_METHOD: return parse_method(arg, o);
	case O_BBUILD: o->baseline_build = arg; return 0;
	case O_STORE: o->store = arg; return 0;
	case O_HELP: fputs(help, stdout); return -1;
	}
	return cli_usage("startup: unknown option or missing value '%s'", bad);
}

/* The options that cannot go together, and CPUs this process may not run
 * on. */
static int check_opts(const struct startup_opts *o)
{
	if (o->baseline && o->no_baseline)
		return cli_usage("startup: give --baseline or --no-baseline, not both");
	if (o->store && (o->baseline || o->no_baseline))
		return cli_usage("startup: --store is where the machine's startup baseline is: not "
				 "with --baseline FILE or --no-baseline");
	if (o->baseline_build && o->method && strcmp(o->method, "stored") == 0)
		return cli_usage("startup: --baseline-build is not for --method stored");
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		for (int i = 0; i < 2; i++)
			if (!CPU_ISSET(o->cpu[i], &set))
				return cli_usage(
				    "startup: CPU %d is not one this process may run on",
				    o->cpu[i]);
	return 0;
}

static int parse(int argc, char **argv, struct startup_opts *o)
{
	startup_defaults(o);
	optind = 1;
	opterr = 0;
	int c, rc;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1)
		if ((rc = parse_option(c, optarg, argv[optind - 1], o)))
			return rc;
	if (optind < argc)
		return cli_usage("startup: unexpected argument '%s'", argv[optind]);
	return check_opts(o);
}

/* Run hyperfine over every command; its table goes to stderr (progress),
 * its JSON to json_path.  0, or BENCH_USAGE with the message printed. */
static int run_hyperfine(const struct startup_opts *o, const char *exe, const char *aexe,
			 bool a_first, int nruns, int nwarm, const char *json_path)
{
	char cmds[2 * (NWAITS + 1)][1400], names[2 * (NWAITS + 1)][48], runs[16], warm[16];
	const char *argv[80];
	int n = 0;
	snprintf(runs, sizeof(runs), "%d", nruns);
	snprintf(warm, sizeof(warm), "%d", nwarm);
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
	/* With a baseline build, its command beside each of this build's,
	 * first or second as a_first says. */
	int k = 0;
	for (int i = 0; i <= o->nwaits; i++)
		for (int step = 0; step < (aexe ? 2 : 1); step++, k++) {
			int side = aexe && a_first ? !step : step;
			const char *w = i == 0 ? "none" : o->waits[i - 1];
			snprintf(names[k], sizeof(names[k]), "%s%s", side ? BASELINE_PREFIX : "",
				 i == 0 ? "two processes" : w);
			snprintf(cmds[k], sizeof(cmds[k]), "%s __startup %s %d %d 65536",
				 side ? aexe : exe, w, o->cpu[0], o->cpu[1]);
			argv[n++] = "-n";
			argv[n++] = names[k];
			argv[n++] = cmds[k];
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
static json_t *startup_doc(const struct startup_opts *o, char *err, size_t n)
{
	struct machine m;
	machine_identify(&m);
	json_t *doc = results_new(&m, o->cpu, "startup", bench_clock(), bench_clock_why(), err, n);
	if (!doc)
		return NULL;
	json_t *ctx = json_object_get(doc, "context");
	json_object_set_new(ctx, "clock", json_string("hyperfine"));
	json_object_set_new(ctx, "clock_resolution_ns", json_real(1));
	json_object_set_new(ctx, "clock_choice",
			    json_string("hyperfine's wall-clock time of each whole run"));
	json_object_set_new(ctx, "window",
			    json_string("each repetition is one hyperfine run of a whole process "
					"pair: create, attach, first message across, teardown"));
	json_object_del(ctx, "state_probe");
	return doc;
}

/* hyperfine's JSON into doc: one entry per timed run of this build's
 * commands (or, baseline_side, the baseline build's), repetition_index
 * counting from rep0.  0, or -1 with err. */
static int add_results(json_t *doc, const struct startup_opts *o, const char *hf_path,
		       bool baseline_side, int rep0, int reps, char *err, size_t n)
{
	json_error_t je;
	json_t *hf = json_load_file(hf_path, 0, &je);
	if (!hf) {
		snprintf(err, n, "%.900s: %.150s", hf_path, je.text);
		return -1;
	}
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
		size_t pl = strlen(BASELINE_PREFIX);
		bool of_baseline = strncmp(cmd, BASELINE_PREFIX, pl) == 0;
		if (of_baseline != baseline_side)
			continue;
		if (of_baseline)
			cmd += pl;
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
			json_t *e =
			    json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:i, s:f, s:s, s:s, s:s}",
				      "name", name, "run_name", name, "run_type", "iteration",
				      "repetitions", reps, "repetition_index", rep0 + (int)k,
				      "threads", 1, "iterations", 1, "real_time", ns, "time_unit",
				      "ns", "kind", "startup", "wait", none ? "none" : cmd);
			if (!e || json_array_append_new(bench, e)) {
				snprintf(err, n, "out of memory");
				goto fail;
			}
		}
	}
	json_decref(hf);
	return 0;
fail:
	json_decref(hf);
	return -1;
}

/* The table: each command's median and spread, and what it adds to two
 * bare processes. */
static void print_table(const struct sample_set *s)
{
	double none = NAN;
	for (int i = 0; i < s->ncases; i++)
		if (strstr(s->cases[i].name, "transport:none"))
			none = stats_median(s->cases[i].v[FIG_TIME], s->cases[i].n);
	printf("%-34s %10s %10s %10s %12s\n", "startup (whole runs)", "median", "p10", "p90",
	       "over 2 procs");
	for (int i = 0; i < s->ncases; i++) {
		const struct sample_case *c = &s->cases[i];
		double *v = malloc((size_t)c->n * sizeof(*v));
		if (!v)
			return;
		memcpy(v, c->v[FIG_TIME], (size_t)c->n * sizeof(*v));
		stats_sort(v, c->n);
		double med = stats_median(v, c->n);
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
static int measure(const struct startup_opts *o, const char *exe, const char *aexe, const char *out,
		   const char *hf, bool keep_hf, json_t **doc, struct sample_set *cur,
		   struct sample_set *side_a)
{
	char err[2000] = "";
	*doc = startup_doc(o, err, sizeof(err));
	json_t *adoc = aexe && *doc ? startup_doc(o, err, sizeof(err)) : NULL;
	if (!*doc || (aexe && !adoc)) {
		fprintf(stderr, "ringbench: startup: %s\n", err);
		json_decref(*doc);
		*doc = NULL;
		return BENCH_USAGE;
	}
	/* Both sides of one session share its seed (sample_paired). */
	if (adoc) {
		json_int_t seed = (json_int_t)(time(NULL) ^ getpid()) | 1;
		json_object_set_new(json_object_get(*doc, "context"), "shuffle_seed",
				    json_integer(seed));
		json_object_set_new(json_object_get(adoc, "context"), "shuffle_seed",
				    json_integer(seed));
	}
	/* Beside a baseline build: rounds of STARTUP_ROUND runs of every
	 * command, the two builds' turn about (A B, then B A), so that each
	 * run of one is paired with the run of the other taken beside it; a
	 * start's time drifts within seconds by more than the floor
	 * (docs/charts.md), which one block of each would take for a change. */
	int per = aexe && o->runs > STARTUP_ROUND ? STARTUP_ROUND : o->runs;
	int rounds = (o->runs + per - 1) / per, rc = 0;
	for (int r = 0; r < rounds && !rc; r++) {
		char path[1400];
		if (rounds > 1)
			snprintf(path, sizeof(path), "%s.%d", hf, r);
		else
			snprintf(path, sizeof(path), "%s", hf);
		rc = run_hyperfine(o, exe, aexe, r % 2 == 1, per, r == 0 ? o->warmup : 1, path);
		if (!rc &&
		    (add_results(*doc, o, path, false, r * per, rounds * per, err, sizeof(err)) ||
		     (adoc &&
		      add_results(adoc, o, path, true, r * per, rounds * per, err, sizeof(err))))) {
			fprintf(stderr, "ringbench: startup: %s\n", err);
			rc = BENCH_USAGE;
		}
		if (!keep_hf)
			unlink(path);
	}
	if (rc) {
		json_decref(*doc);
		json_decref(adoc);
		*doc = NULL;
		return rc;
	}
	if (adoc) {
		char apath[1300];
		snprintf(apath, sizeof(apath), "%s.baseline-build.json", out);
		json_t *ctx = json_object_get(adoc, "context");
		json_object_set_new(ctx, "git_revision", json_string(o->baseline_revision));
		json_object_set_new(ctx, "ab_build", json_string("A"));
		json_object_set_new(json_object_get(*doc, "context"), "ab_build", json_string("B"));
		int bad = results_write(adoc, apath) ||
			  sample_from_json(adoc, apath, side_a, err, sizeof(err));
		json_decref(adoc);
		if (bad) {
			fprintf(stderr, "ringbench: startup: %s: %s\n", apath,
				err[0] ? err : strerror(errno));
			json_decref(*doc);
			*doc = NULL;
			return BENCH_USAGE;
		}
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

/* Judge cur: interleaved, against the baseline build's commands timed in
 * the same run (side_a); else against the stored runs of the baseline at
 * bpath, the run as the unit.  Returns the exit status. */
static int judge_startup(const struct startup_opts *o, const struct baseline_ref *ref,
			 const struct sample_set *side_a, const struct sample_set *cur)
{
	char err[2000];
	struct sample_set base = {0};
	if (!side_a && baseline_load(ref, &base, err, sizeof(err)) != 1) {
		fprintf(stderr, "ringbench: startup: %s\n", err);
		sample_free(&base);
		return BENCH_USAGE;
	}
	struct judge_opts jo;
	struct judgement j;
	judge_startup_defaults(&jo);
	/* Beside the baseline build: pairs, each two runs taken side by side.
	 * Stored runs: each run is one draw. */
	jo.paired = side_a != NULL;
	jo.runs = side_a == NULL;
	const struct sample_set *b = side_a ? side_a : &base;
	if (judge(b, cur, &jo, &j, err, sizeof(err))) {
		fprintf(stderr, "ringbench: startup: %s\n", err);
		sample_free(&base);
		return BENCH_USAGE;
	}
	if (side_a)
		snprintf(j.method_note, sizeof(j.method_note),
			 "interleaved: the baseline's build timed in the same rounds of hyperfine, "
			 "each run paired with this build's beside it (signed-rank test, alpha "
			 "%.3g per figure)",
			 jo.alpha);
	struct writeup_meta meta = {.command = "startup",
				    .base = b,
				    .cur = cur,
				    .base_label = side_a ? "baseline build" : "base",
				    .cur_label = side_a ? "now" : "current",
				    .opts = &jo};
	printf("\n");
	writeup_table(stdout, &j, &meta, true);
	if (o->markdown && writeup_markdown(o->markdown, &j, &meta))
		fprintf(stderr, "ringbench: startup: cannot write %s: %s\n", o->markdown,
			strerror(errno));
	int status = writeup_status(&j, &meta);
	judgement_free(&j);
	sample_free(&base);
	return status;
}

/* This program's path, for hyperfine's commands: 0, or BENCH_USAGE with
 * the message printed. */
static int self_exe(char *exe, size_t n)
{
	ssize_t len = readlink("/proc/self/exe", exe, n - 1);
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
	return 0;
}

/* Where the results go (out) and hyperfine's own JSON (hf). */
static void output_paths(const struct startup_opts *o, char out[1200], char hf[1300])
{
	if (o->out)
		snprintf(out, 1200, "%s", o->out);
	else {
		char stamp[32];
		time_t now = time(NULL);
		strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", gmtime(&now));
		char dir[900];
		bench_results_dir("runs", dir, sizeof(dir));
		snprintf(out, 1200, "%s/startup-%s.json", dir, stamp);
	}
	if (o->export_json)
		snprintf(hf, 1300, "%s", o->export_json);
	else
		snprintf(hf, 1300, "%s.hyperfine.json", out);
}

/* The baseline (--baseline FILE, else this machine's startup baseline in
 * the store, opened into *st) into ref, *have_base when there is one to
 * judge against: 0, or BENCH_USAGE when --baseline names one that is not
 * there, or the store cannot be read. */
static int find_base(const struct startup_opts *o, struct store **st, struct baseline_ref *ref,
		     bool *have_base)
{
	struct machine m;
	machine_identify(&m);
	char err[1400];
	*have_base = false;
	*st = NULL;
	if (o->no_baseline)
		return 0;
	if (o->baseline && access(o->baseline, R_OK) != 0) {
		fprintf(stderr, "ringbench: startup: --baseline %s: %s\n", o->baseline,
			strerror(errno));
		return BENCH_USAGE;
	}
	if (!o->baseline) {
		char where[1200];
		store_default_where(o->store, where, sizeof(where));
		if (store_open(where, st, err, sizeof(err))) {
			fprintf(stderr, "ringbench: startup: %s\n", err);
			return BENCH_USAGE;
		}
	}
	baseline_ref(ref, *st, o->baseline, m.id, "startup");
	json_t *doc;
	int got = baseline_get(ref, &doc, err, sizeof(err));
	json_decref(doc);
	if (got < 0) {
		fprintf(stderr, "ringbench: startup: the baseline is unreadable: %s\n", err);
		store_close(*st);
		*st = NULL;
		return BENCH_USAGE;
	}
	*have_base = got == 1;
	return 0;
}

/* A build of the baseline (--baseline-build, or of its revision) into bb:
 * its program, or NULL with why. */
static const char *base_build(const struct startup_opts *o, const char *revision, struct build *bb,
			      char *why, size_t wn)
{
	const char *aexe = NULL;
	if (o->baseline_build) {
		bb->arg = o->baseline_build;
		if (!build_is_binary(o->baseline_build))
			snprintf(why, wn, "--baseline-build %s: not an executable file",
				 o->baseline_build);
		else if (build_prepare(bb, "baseline", false, false) == 0 &&
			 build_check_protocol(bb) == 0)
			aexe = bb->exe;
		else
			snprintf(why, wn, "--baseline-build %s cannot run here", o->baseline_build);
	} else if (build_of_revision(revision, "ringbench startup", bb, why, wn) == 0) {
		aexe = bb->exe;
	}
	if (aexe && (strchr(aexe, ' ') || strchr(aexe, '"') || strchr(aexe, '\''))) {
		snprintf(why, wn, "the baseline build's path (%s) has a space or a quote", aexe);
		aexe = NULL;
	}
	return aexe;
}

/* The base: where a build of the baseline's revision can be made, its
 * commands are timed in the same run as this build's (*aexe, the build in
 * bb).  0, or BENCH_USAGE with the message printed (and bb cleaned up). */
static int interleave_with_base(struct startup_opts *o, const struct baseline_ref *ref,
				struct build *bb, const char **aexe)
{
	*aexe = NULL;
	char why[1400] = "", err[1400];
	struct sample_set base;
	if (baseline_load(ref, &base, err, sizeof(err)) != 1) {
		fprintf(stderr, "ringbench: startup: the baseline is unreadable: %s\n", err);
		sample_free(&base);
		return BENCH_USAGE;
	}
	snprintf(o->baseline_revision, sizeof(o->baseline_revision), "%s", base.revision);
	*aexe = base_build(o, base.revision, bb, why, sizeof(why));
	sample_free(&base);
	bool must = o->baseline_build || (o->method && strcmp(o->method, "interleave") == 0);
	if (bench_interrupted || (!*aexe && must)) {
		if (!bench_interrupted)
			fprintf(stderr, "ringbench: startup: not interleaved: %s\n", why);
		if (bb->arg)
			builds_cleanup(bb, 1);
		return BENCH_USAGE;
	}
	if (!*aexe)
		fprintf(stderr,
			"ringbench: startup: not interleaved: %s; judging against the "
			"baseline's stored runs instead\n",
			why);
	return 0;
}

/* What is about to run, on stderr; beside a baseline build, whole rounds
 * of STARTUP_ROUND runs. */
static void announce(struct startup_opts *o, const char *aexe, const struct build *bb)
{
	if (aexe && o->runs > STARTUP_ROUND)
		o->runs = (o->runs + STARTUP_ROUND - 1) / STARTUP_ROUND * STARTUP_ROUND;
	fprintf(stderr,
		"ringbench: startup: %d strategies and two bare processes, %d runs each "
		"after %d warm-up runs, CPUs %d,%d%s%s\n",
		o->nwaits, o->runs, o->warmup, o->cpu[0], o->cpu[1],
		aexe ? ", each beside the baseline's build " : "", aexe ? bb->label : "");
}

/* Objects a killed run of ours left behind, and files beside out from an
 * older run, which would pass for this run's. */
static void clear_stale(const char *out)
{
	bench_sweep_stale();
	static const char *const beside[] = {".rerun.json", ".baseline-build.json"};
	for (size_t i = 0; i < sizeof(beside) / sizeof(beside[0]); i++) {
		char stale[1300];
		snprintf(stale, sizeof(stale), "%s%s", out, beside[i]);
		unlink(stale);
	}
}

/* The first run on this machine becomes its baseline: BENCH_PASS, or
 * BENCH_USAGE where it cannot be kept (the run is in out). */
static int save_as_baseline(json_t *doc, const struct baseline_ref *ref, const char *out)
{
	int rc = baseline_store(doc, ref->machine, ref);
	if (rc == BENCH_PASS)
		printf("first startup run on this machine: saved as its baseline, %s\n", ref->path);
	else
		fprintf(stderr,
			"ringbench: startup: the run is kept in %s; the next startup run saves "
			"its baseline once the store can be written\n",
			out);
	return rc;
}

int cmd_startup(int argc, char **argv)
{
	struct startup_opts o;
	int rc = parse(argc, argv, &o);
	if (rc)
		return rc < 0 ? BENCH_PASS : rc;
	char exe[1024], out[1200], hf[1300];
	bool have_base;
	struct store *st;
	struct baseline_ref ref;
	if ((rc = self_exe(exe, sizeof(exe))))
		return rc;
	output_paths(&o, out, hf);
	if ((rc = find_base(&o, &st, &ref, &have_base)))
		return rc;
	bool stored = o.method && strcmp(o.method, "stored") == 0;
	/* Ctrl-C during a build of the baseline's revision: stop after it,
	 * with its worktree removed. */
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	struct build bb = {0};
	const char *aexe = NULL;
	if (have_base && !stored && (rc = interleave_with_base(&o, &ref, &bb, &aexe))) {
		store_close(st);
		return rc;
	}
	announce(&o, aexe, &bb);
	clear_stale(out);
	json_t *doc;
	struct sample_set cur, side_a = {0};
	if ((rc = measure(&o, exe, aexe, out, hf, o.export_json != NULL, &doc, &cur, &side_a))) {
		if (bb.arg)
			builds_cleanup(&bb, 1);
		store_close(st);
		return rc;
	}
	print_table(&cur);
	printf("results in %s\n", out);
	int status = BENCH_PASS;
	if (!o.no_baseline && !have_base)
		status = save_as_baseline(doc, &ref, out);
	else if (!o.no_baseline)
		status = judge_startup(&o, &ref, aexe ? &side_a : NULL, &cur);
	store_close(st);
	sample_free(&cur);
	sample_free(&side_a);
	json_decref(doc);
	if (bb.arg)
		builds_cleanup(&bb, 1);
	return status;
}
