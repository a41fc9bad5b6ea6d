/* cmd_measure.c: `ringbench stream | pingpong | latency | run`: parse what
 * to run, run every case with warm-up and repetitions in a shuffled order,
 * print a table for people and write Google Benchmark JSON for programs. */
#include "cli/cli.h"
#include "measure/bench.h"
#include "cli/commands.h"
#include "cli/judging.h"
#include "measure/results.h"
#include "measure/session.h"
#include "judge/stats.h"
#include "judge/states.h"
#include "cli/spec.h"
#include "measure/transport.h"

#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_CASES 1024

static const char *const usage_text =
    "usage: ringbench stream|pingpong|latency [options]\n"
    "       ringbench run SCENARIO... [--repetitions N] [--warmup N] [--cpus PAIRS] [--out FILE]\n"
    "                     [--bmf FILE] [--github-benchmark PREFIX] [--csv FILE]\n"
    "\n"
    "  stream       producer sends as fast as the transport allows: messages/s,\n"
    "               bytes/s, CPU ns per message of each side\n"
    "  pingpong     round trips through two rings (one each way): p50 p90 p99 p99.9 max\n"
    "  latency      one-way latency at a fixed rate (--rate), stamped with the intended\n"
    "               send time so a stalled sender shows as latency\n"
    "  run          scenario files (a name in scenarios/ or a path)\n"
    "\n"
    "options (lists are comma-separated; byte counts take K, M, G; A-B is the powers\n"
    "of two from A to B):\n"
    "  --transport LIST  ring, floor, line, work, lamport, ck_ring, rte_ring,\n"
    "                    boost_spsc, iceoryx, pipe, unix, or all (ring); line and\n"
    "                    work run pingpong only\n"
    "  --wait LIST       spin, futex, eventfd, hybrid, or all (spin); ring only\n"
    "  --size LIST       message bytes (64); at least 16, 24 for latency\n"
    "  --capacity LIST   ring bytes, powers of two from 4K (1M; 64K for pingpong)\n"
    "  --cpus PAIRS      producer (client) and consumer (server) CPUs: one pair\n"
    "                    (0,1, the default), pairs run in turn (0,1/1,0/0,2), or\n"
    "                    all-pairs (every ordered pair this process may run on)\n"
    "  --messages N      messages (or round trips) per run; K and M are thousands\n"
    "                    and millions (pingpong: 100K)\n"
    "  --duration S      seconds per run instead of a count (stream, latency: 1)\n"
    "  --rate LIST       latency: messages per second (100K)\n"
    "  --repetitions N   measured runs of each case (5); the table shows medians\n"
    "  --warmup N        unmeasured runs of each case first (1)\n"
    "  --out FILE        write results as Google Benchmark JSON\n"
    "  --bmf FILE        every figure as Bencher Metric Format JSON: each case's\n"
    "                    median, its repetitions' least and greatest as\n"
    "                    lower_value and upper_value\n"
    "  --github-benchmark PREFIX  every figure for github-action-benchmark:\n"
    "                    PREFIX-bigger.json (customBiggerIsBetter) and\n"
    "                    PREFIX-smaller.json (customSmallerIsBetter), each where\n"
    "                    a figure goes that way (the action refuses an empty file)\n"
    "  --csv FILE        every figure as CSV (RFC 4180; docs/formats.md)\n"
    "  --name NAME       shared-memory name prefix (default unique per run)\n"
    "  --stall-ms N      no progress for N ms is a visibility failure (2000)\n"
    "  --consumer-env VAR=VALUE\n"
    "                    add to the consumer's environment only (fault-injection tests)\n"
    "  --verbose         say which worker processes were started\n"
    "  --list            list the cases and the least time they take, run nothing\n"
    "  --help            this text\n"
    "\n"
    "Run alone: producer and consumer are pinned and spin; a second benchmark on the\n"
    "same CPUs makes both sets of figures meaningless.\n"
    "\n"
    "Transports: ring is the ring under test; floor moves the same messages through\n"
    "fixed slots of the same bytes (the least a shared-memory handoff does); line is\n"
    "one bare cache line handed back and forth (the physical round trip); work is\n"
    "that round trip plus one round trip's message work done in one process; lamport\n"
    "is the textbook cached-index ring; ck_ring is Concurrency Kit's SPSC ring,\n"
    "rte_ring DPDK's (SP/SC, in shared memory without DPDK's EAL), boost_spsc\n"
    "Boost.Lockfree's spsc_queue (sizes fixed at compile time: slots of 16 B to\n"
    "64K, rings of 64K, 1M or 16M; other cases are skipped), and iceoryx is\n"
    "Eclipse iceoryx (ringbench starts its own RouDi for the run); a\n"
    "peer whose library or daemon is missing is skipped with its reason; pipe and\n"
    "unix are the kernel's.  Every message on every transport carries a sequence\n"
    "number and a body the receiver checks byte by byte.\n"
    "\n"
    "Time stamps come from the invariant TSC where the CPU has one (calibrated\n"
    "against CLOCK_MONOTONIC), else CLOCK_MONOTONIC; RINGBENCH_CLOCK=monotonic forces\n"
    "the latter.  The results' context says which, and how each window was chosen.\n"
    "\n"
    "exit status: 0 pass, 1 performance regression, 2 usage or environment error,\n"
    "3 visibility or integrity failure (a stall, lost, reordered or corrupt messages)\n";

#define usage_error cli_usage

struct cli {
	struct spec spec;
	enum bench_mode mode;
	bool run; /* `run SCENARIO...` */
	const char *out;
	struct formats_paths formats; /* --bmf, --github-benchmark, --csv */
	char **scenarios;	      /* run: the scenarios as named */
	int nscenarios;
	struct bench_limits lim;
	bool mode_opts;	       /* a mode-level option was given */
	bool list;	       /* only list the cases */
	bool run_opts[3];      /* repetitions, warmup, cpus given */
	struct spec overrides; /* their values */
};

/* The options of stream, pingpong, latency and run. */
static const struct option measure_opts[] = {
    {"transport", required_argument, 0, 't'},
    {"wait", required_argument, 0, 'w'},
    {"size", required_argument, 0, 's'},
    {"capacity", required_argument, 0, 'c'},
    {"cpus", required_argument, 0, 'p'},
    {"messages", required_argument, 0, 'n'},
    {"duration", required_argument, 0, 'd'},
    {"rate", required_argument, 0, 'r'},
    {"repetitions", required_argument, 0, 'R'},
    {"warmup", required_argument, 0, 'W'},
    {"out", required_argument, 0, 'o'},
    {"bmf", required_argument, 0, 'B'},
    {"github-benchmark", required_argument, 0, 'G'},
    {"csv", required_argument, 0, 'C'},
    {"name", required_argument, 0, 'N'},
    {"stall-ms", required_argument, 0, 'S'},
    {"consumer-env", required_argument, 0, 'E'},
    {"verbose", no_argument, 0, 'v'},
    {"help", no_argument, 0, 'h'},
    {"list", no_argument, 0, 'l'},
    {0, 0, 0, 0},
};

/* Parse the value of option c (one that takes a value and can be wrong)
 * into cli.  0, or nonzero with err. */
static int parse_option_value(int c, struct cli *cli, char *err, size_t n)
{
	struct spec_mode *m = &cli->spec.mode[cli->mode];
	int rc = 0;
	switch (c) {
	case 't': rc = spec_parse_transport_list(optarg, &m->transports, err, n); break;
	case 'w': rc = spec_parse_wait_list(optarg, &m->waits, err, n); break;
	case 's': rc = spec_parse_byte_list(optarg, &m->sizes, err, n); break;
	case 'c': rc = spec_parse_byte_list(optarg, &m->capacities, err, n); break;
	case 'n':
		rc = spec_parse_count(optarg, &m->messages, err, n);
		m->duration = 0;
		break;
	case 'd':
		rc = spec_parse_seconds(optarg, &m->duration, err, n);
		m->messages = 0;
		break;
	case 'r': rc = spec_parse_count_list(optarg, &m->rates, err, n); break;
	case 'R':
		rc = spec_parse_int(optarg, 1, 1000, &cli->overrides.repetitions, err, n);
		cli->run_opts[0] = true;
		break;
	case 'W':
		rc = spec_parse_int(optarg, 0, 100, &cli->overrides.warmup, err, n);
		cli->run_opts[1] = true;
		break;
	case 'p':
		rc = spec_parse_cpu_pairs(optarg, &cli->overrides, err, n);
		cli->run_opts[2] = true;
		break;
	case 'S': {
		int ms;
		rc = spec_parse_int(optarg, 10, 3600000, &ms, err, n);
		cli->lim.stall_ns = (int64_t)ms * 1000000;
		break;
	}
	}
	return rc;
}

/* Apply option c, named opt as the user wrote it, to cli.  0 to go on;
 * else what parse_args returns: -1 after --help, else a usage error. */
static int apply_option(int c, const char *opt, struct cli *cli)
{
	char err[256];
	int rc = 0;
	switch (c) {
	case 't':
	case 'w':
	case 's':
	case 'c':
	case 'n':
	case 'd':
	case 'r':
	case 'R':
	case 'W':
	case 'p':
	case 'S': rc = parse_option_value(c, cli, err, sizeof(err)); break;
	case 'o': cli->out = optarg; break;
	case 'B': cli->formats.bmf = optarg; break;
	case 'G': cli->formats.github = optarg; break;
	case 'C': cli->formats.csv = optarg; break;
	case 'N':
		if (optarg[0] != '/' || strchr(optarg + 1, '/') || strlen(optarg) > 40 ||
		    strlen(optarg) < 2)
			return usage_error(
			    "--name '%s': a '/' and 1 to 39 more bytes, no other '/'", optarg);
		setenv("RINGBENCH_NAME", optarg, 1);
		break;
	case 'E':
		if (!strchr(optarg, '='))
			return usage_error("--consumer-env '%s': expected VAR=VALUE", optarg);
		cli->lim.consumer_env = optarg;
		break;
	case 'v': cli->lim.verbose = true; break;
	case 'l': cli->list = true; break;
	case 'h': fputs(usage_text, stdout); return -1;
	case ':': return usage_error("option %s needs a value", opt);
	default: return usage_error("unknown option '%s'", opt);
	}
	if (rc)
		return usage_error("%s: %s", opt, err);
	return 0;
}

static int parse_args(int argc, char **argv, struct cli *cli, int *first_arg)
{
	int c;
	opterr = 0;
	int li = -1;
	while ((c = getopt_long(argc, argv, ":h", measure_opts, &li)) != -1) {
		char opt[64];
		/* Name the option as the user wrote it, not its value. */
		if (li >= 0 && c != '?' && c != ':')
			snprintf(opt, sizeof(opt), "--%s", measure_opts[li].name);
		else
			snprintf(opt, sizeof(opt), "%s", argv[optind - 1]);
		li = -1;
		int rc = apply_option(c, opt, cli);
		if (rc)
			return rc;
		if (strchr("twscndr", c))
			cli->mode_opts = true;
	}
	*first_arg = optind;
	return 0;
}

/* The median of every figure over a case's repetitions, field by field. */
static void median_run(const struct bench_run *runs, int n, struct bench_run *m, double *spread)
{
	double v[n];
	memset(m, 0, sizeof(*m));
#define MED(field)                                                                                 \
	do {                                                                                       \
		for (int i = 0; i < n; i++)                                                        \
			v[i] = (double)runs[i].field;                                              \
		m->field = stats_median(v, n);                                                     \
	} while (0)
	MED(msgs_per_sec);
	MED(bytes_per_sec);
	MED(producer_cpu_ns);
	MED(consumer_cpu_ns);
	MED(syscalls_per_msg);
	MED(seconds);
	MED(messages);
	MED(bytes);
	MED(p50);
	MED(p75);
	MED(p90);
	MED(p95);
	MED(p99);
	MED(p999);
	MED(p9999);
	MED(max);
#undef MED
	double lo = INFINITY, hi = 0;
	for (int i = 0; i < n; i++) {
		double x = runs[i].p50 ? (double)runs[i].p50 : runs[i].msgs_per_sec;
		lo = x < lo ? x : lo;
		hi = x > hi ? x : hi;
	}
	double mid = m->p50 ? (double)m->p50 : m->msgs_per_sec;
	*spread = mid > 0 ? (hi - lo) / mid * 100 : 0;
}

static void fmt_si(char *buf, size_t n, double v)
{
	if (v >= 1e9)
		snprintf(buf, n, "%.2fG", v / 1e9);
	else if (v >= 1e6)
		snprintf(buf, n, "%.2fM", v / 1e6);
	else if (v >= 1e3)
		snprintf(buf, n, "%.1fK", v / 1e3);
	else
		snprintf(buf, n, "%.0f", v);
}

static void fmt_ns(char *buf, size_t n, uint64_t v)
{
	if (!v)
		snprintf(buf, n, "-");
	else if (v >= 10000000)
		snprintf(buf, n, "%.1fms", (double)v / 1e6);
	else if (v >= 10000)
		snprintf(buf, n, "%.1fus", (double)v / 1e3);
	else
		snprintf(buf, n, "%" PRIu64, v);
}

/* Reference case for c: same mode, size, rate and CPUs on another
 * transport; its index, or -1. */
static int reference(const struct bench_case *cases, const bool *ok, int ncases,
		     const struct bench_case *c, enum bench_transport t)
{
	for (int i = 0; i < ncases; i++) {
		const struct bench_case *r = &cases[i];
		if (ok[i] && r->transport == t && r->mode == c->mode && r->size == c->size &&
		    r->rate == c->rate && r->cpu[0] == c->cpu[0] && r->cpu[1] == c->cpu[1])
			return i;
	}
	return -1;
}

static void ratio(char *buf, size_t n, const struct bench_case *c, const struct bench_run *ours,
		  const struct bench_run *ref, int reps)
{
	int rounds = 0;
	double x = ref && c->transport == T_RING ? states_ratio(c, ours, ref, reps, &rounds) : NAN;
	/* Stream: throughput over the reference's (higher is better).
	 * Latency: p50 over the reference's (lower is better).  A * marks
	 * a ratio from fewer than half the rounds (the rest changed state);
	 * "state" says no round had both in one state. */
	if (!ref || c->transport != T_RING)
		snprintf(buf, n, "-");
	else if (!isfinite(x))
		snprintf(buf, n, "state");
	else
		snprintf(buf, n, "%.2fx%s", x, rounds * 2 < reps ? "*" : "");
}

/* The reference columns: floor, line and pipe always; work and each peer
 * only when the run has it. */
static int ref_columns(const struct bench_case *cases, int ncases, enum bench_transport *refs)
{
	static const enum bench_transport all[] = {T_FLOOR, T_LINE,  T_WORK, T_LAMPORT, T_CK,
						   T_RTE,   T_BOOST, T_IOX,  T_PIPE,	T_UNIX};
	int n = 0;
	for (size_t k = 0; k < sizeof(all) / sizeof(all[0]); k++) {
		bool want = all[k] == T_FLOOR || all[k] == T_LINE || all[k] == T_PIPE;
		for (int i = 0; i < ncases && !want; i++)
			want = cases[i].transport == all[k];
		if (want)
			refs[n++] = all[k];
	}
	return n;
}

static void print_table(const struct bench_case *cases, const struct bench_run *runs, int reps,
			const struct bench_run *med, const double *spread, const bool *ok,
			const char **failure, int ncases)
{
	size_t w = 10;
	for (int i = 0; i < ncases; i++)
		if (strlen(cases[i].name) > w)
			w = strlen(cases[i].name);
	enum bench_transport refs[T_COUNT];
	int nref = ref_columns(cases, ncases, refs);
	printf("%-*s %9s %9s %8s %8s %8s %8s %8s %13s %8s %6s", (int)w, "case", "msgs/s", "bytes/s",
	       "p50", "p90", "p99", "p99.9", "max", "cpu ns/msg P/C", "sys/msg", "+-%");
	for (int k = 0; k < nref; k++) {
		char h[24];
		snprintf(h, sizeof(h), "/%s", bench_transport_name(refs[k]));
		printf(" %8s", h);
	}
	printf("\n");
	for (int i = 0; i < ncases; i++) {
		const struct bench_case *c = &cases[i];
		if (!ok[i]) {
			printf("%-*s FAILED: %s\n", (int)w, c->name, failure[i] ? failure[i] : "?");
			continue;
		}
		const struct bench_run *r = &med[i];
		char a[16], b[16], p[5][16], cpu[32];
		fmt_si(a, sizeof(a), r->msgs_per_sec);
		fmt_si(b, sizeof(b), r->bytes_per_sec);
		fmt_ns(p[0], 16, r->p50);
		fmt_ns(p[1], 16, r->p90);
		fmt_ns(p[2], 16, r->p99);
		fmt_ns(p[3], 16, r->p999);
		fmt_ns(p[4], 16, r->max);
		snprintf(cpu, sizeof(cpu), "%.1f/%.1f", r->producer_cpu_ns, r->consumer_cpu_ns);
		printf("%-*s %9s %9s %8s %8s %8s %8s %8s %13s %8.3f %6.1f", (int)w, c->name, a, b,
		       p[0], p[1], p[2], p[3], p[4], cpu, r->syscalls_per_msg, spread[i]);
		for (int k = 0; k < nref; k++) {
			char x[16];
			int j = reference(cases, ok, ncases, c, refs[k]);
			ratio(x, sizeof(x), c, &runs[(size_t)i * (size_t)reps],
			      j < 0 ? NULL : &runs[(size_t)j * (size_t)reps], reps);
			printf(" %8s", x);
		}
		printf("\n");
	}
	printf("\nmedians of the repetitions; +-%% is the spread (max - min) of the main figure "
	       "(msgs/s for stream, p50 otherwise);\n/floor, /line, /pipe and the other /NAME "
	       "columns: ring over that reference, throughput for stream (higher is better), "
	       "p50 otherwise (lower is better),\nthe median of the ratios of the rounds in "
	       "which both were measured in the machine state most rounds were in (*: fewer\n"
	       "than half the rounds; state: none)\n");
}

/* Record a result, or say why it cannot be recorded: a figure that JSON
 * cannot hold must stop the run, not vanish from the file. */
static bool recorded(int rc, const char *err)
{
	if (rc)
		fprintf(stderr, "ringbench: cannot record the results: %s\n", err);
	return rc == 0;
}

/* The formats' files can be written, and none is --out or a scenario
 * file named by its path: 0, or exit code 2 with the message said. */
static int check_paths(const struct cli *cli)
{
	struct formats_other *o = calloc((size_t)cli->nscenarios + 1, sizeof(*o));
	if (!o)
		return usage_error("out of memory");
	int m = 0;
	o[m++] = (struct formats_other){"--out", cli->out, true};
	for (int i = 0; i < cli->nscenarios; i++)
		if (access(cli->scenarios[i], F_OK) == 0)
			o[m++] = (struct formats_other){"scenario", cli->scenarios[i], false};
	char err[2600];
	int rc = formats_check_paths(&cli->formats, o, m, err, sizeof(err));
	free(o);
	return rc ? usage_error("%s", err) : 0;
}

static int run_all(struct cli *cli)
{
	struct spec *s = &cli->spec;
	char err[512];
	if (spec_check(s, err, sizeof(err)))
		return usage_error("%s", err);
	static struct bench_case cases[MAX_CASES];
	s->list_only = cli->list;
	int ncases = spec_expand(s, cases, MAX_CASES, err, sizeof(err));
	if (ncases < 0)
		return usage_error("%s", err);
	if (cli->lim.stall_ns == 0)
		cli->lim.stall_ns = 2000000000LL;
	if (cli->out && !cli->list) {
		/* Find out now, not after the whole run, that it cannot be saved. */
		char dir[1024];
		snprintf(dir, sizeof(dir), "%s", cli->out);
		char *slash = strrchr(dir, '/');
		const char *d = slash ? (slash == dir ? "/" : (*slash = 0, dir)) : ".";
		if (access(d, W_OK) != 0)
			return usage_error("--out %s: cannot write in %s: %s", cli->out, d,
					   strerror(errno));
	}
	if (!cli->list && check_paths(cli))
		return BENCH_USAGE;
	if (cli->list) {
		double least = 0;
		for (int i = 0; i < ncases; i++) {
			printf("%s\n", cases[i].name);
			least += cases[i].messages ? 0 : cases[i].duration;
		}
		printf("%d cases x (%d repetitions + %d warm-up); timed runs alone take at least "
		       "%.0f s\n",
		       ncases, s->repetitions, s->warmup, least * (s->repetitions + s->warmup));
		return BENCH_PASS;
	}

	int reps = s->repetitions, warm = s->warmup;
	struct session ss = {.cases = cases,
			     .ncases = ncases,
			     .reps = reps,
			     .warm = warm,
			     .lim = cli->lim,
			     .nbuilds = 1,
			     .scenario = s->scenario[0] ? s->scenario : NULL,
			     .cpu = {s->cpu[0], s->cpu[1]}};
	struct bench_run *med = calloc((size_t)ncases, sizeof(*med));
	double *spread = calloc((size_t)ncases, sizeof(*spread));
	if (!med || !spread) {
		free(med);
		free(spread);
		fprintf(stderr, "ringbench: out of memory\n");
		return BENCH_USAGE;
	}
	int status = session_run(&ss);
	if (status != BENCH_USAGE) {
		for (int i = 0; i < ncases && status != BENCH_USAGE; i++)
			if (ss.ok[i]) {
				median_run(&ss.runs[0][(size_t)i * (size_t)reps], reps, &med[i],
					   &spread[i]);
				if (!recorded(results_add_median(ss.doc[0], &cases[i], &med[i],
								 reps, err, sizeof(err)),
					      err))
					status = BENCH_USAGE;
			}
		print_table(cases, ss.runs[0], reps, med, spread, ss.ok, (const char **)ss.failure,
			    ncases);
		fprintf(stderr,
			"ringbench: %d cases x %d repetitions (+%d warm-up) in %.1f s on %s\n",
			ncases, reps, warm, ss.seconds, ss.machine.id);
		if (cli->out && status != BENCH_USAGE) {
			if (results_write(ss.doc[0], cli->out) < 0) {
				fprintf(stderr, "ringbench: cannot write %s: %s\n", cli->out,
					strerror(errno));
				status = BENCH_USAGE;
			}
		}
		if (status != BENCH_USAGE)
			status = judging_session_formats(&cli->formats, &ss, 0, status);
	}
	session_free(&ss);
	free(med);
	free(spread);
	return status;
}

static void apply_overrides(struct cli *cli)
{
	if (cli->run_opts[0])
		cli->spec.repetitions = cli->overrides.repetitions;
	if (cli->run_opts[1])
		cli->spec.warmup = cli->overrides.warmup;
	if (cli->run_opts[2]) {
		cli->spec.cpu[0] = cli->overrides.cpu[0];
		cli->spec.cpu[1] = cli->overrides.cpu[1];
		cli->spec.npairs = cli->overrides.npairs;
		memcpy(cli->spec.pairs, cli->overrides.pairs, sizeof(cli->spec.pairs));
	}
}

int cmd_measure(int argc, char **argv)
{
	const char *cmd = argv[0];
	struct cli cli = {0};
	spec_init(&cli.spec);
	if (strcmp(cmd, "run") == 0) {
		cli.run = true;
	} else if (bench_mode_parse(cmd, &cli.mode) == 0) {
		spec_mode_defaults(&cli.spec.mode[cli.mode], cli.mode);
	} else {
		return usage_error("unknown command '%s'", cmd);
	}
	int first = 1;
	int rc = parse_args(argc, argv, &cli, &first);
	if (rc)
		return rc < 0 ? BENCH_PASS : rc; /* -1: --help was shown */
	if (cli.run) {
		if (cli.mode_opts)
			return usage_error("run: what to measure comes from the scenario; only "
					   "--repetitions, --warmup, --cpus, --out, --bmf, "
					   "--github-benchmark, --csv, --name, --stall-ms apply");
		if (first >= argc)
			return usage_error("run: name at least one scenario (quick, nightly, "
					   "visibility, or a path)");
		if ((rc = cli_load_scenarios(argc - first, argv + first, &cli.spec)))
			return rc;
		cli.scenarios = argv + first;
		cli.nscenarios = argc - first;
	} else if (first < argc) {
		return usage_error("%s: unexpected argument '%s'", cmd, argv[first]);
	}
	apply_overrides(&cli);
	return run_all(&cli);
}
