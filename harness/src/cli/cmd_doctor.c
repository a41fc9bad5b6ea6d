/* cmd_doctor.c: `ringbench doctor`: prove, step by step, with this build on
 * this machine, that a writer in one process is seen by a reader in
 * another.  Each step prints PASS or FAIL with its evidence; a failure
 * names the likely cause. */
#include "cli/cli.h"
#include "measure/bench.h"
#include "cli/commands.h"
#include "measure/evidence.h"
#include "cli/spec.h"

#include <getopt.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define usage_error cli_usage

static const char *const help =
    "usage: ringbench doctor [--wait LIST] [--cpus P,C] [--stall-ms N]\n\n"
    "Proves, with this build on this machine, that a writer in one process is\n"
    "seen by a reader in another: the atomics the ring uses are lock-free; for\n"
    "each wait strategy, 20000 checked messages cross between two processes\n"
    "that map the same object (device and inode), shared; and for the\n"
    "strategies that sleep, each wake reaches the other process (0.2 s of round\n"
    "trips: their median under 5 ms and nine in ten under 40 ms, where a lost\n"
    "wake waits out the ring's 50 ms sleep slice).  Each step prints PASS or\n"
    "FAIL with its evidence; a failure names the likely cause.\n\n"
    "  --wait LIST   spin, futex, eventfd, hybrid, or all (all)\n"
    "  --cpus P,C    the two CPUs (0,1)\n"
    "  --stall-ms N  no progress for N ms is a visibility failure, and workers\n"
    "                not at the start barrier in 3 N ms are diagnosed (2000)\n\n"
    "exit status: 0 every step passed, 2 an environment error (a worker that\n"
    "could not start or was stopped), 3 a visibility failure\n";

static int worst(int a, int b)
{
	/* 3 (visibility) over 2 (environment) over 0. */
	return a == 3 || b == 3 ? 3 : a > b ? a : b;
}

static int step(int n, const char *what, bool ok, const char *evidence)
{
	printf("%2d %s  %s\n   %s\n", n, ok ? "PASS" : "FAIL", what, evidence);
	fflush(stdout);
	return ok;
}

/* The options, and each step's count and the worst exit status so far. */
struct doctor {
	struct spec_list waits;
	int cpu[2];
	const char *consumer_env;
	int64_t stall_ns; /* --stall-ms; the start barrier waits three times it */
	int n, failed, status;
	char ev[2600]; /* the evidence of the step being printed */
};

/* The options into d: 0, -1 when the help was printed, or exit code 2 with
 * the message printed. */
static int doctor_parse(int argc, char **argv, struct doctor *d)
{
	static const struct option opts[] = {
	    {"wait", required_argument, 0, 'w'},     {"cpus", required_argument, 0, 'p'},
	    {"stall-ms", required_argument, 0, 'S'}, {"consumer-env", required_argument, 0, 'E'},
	    {"help", no_argument, 0, 'h'},	     {0, 0, 0, 0}};
	char err[512];
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'w':
			if (spec_parse_wait_list(optarg, &d->waits, err, sizeof(err)))
				return usage_error("--wait: %s", err);
			break;
		case 'p':
			if (spec_parse_cpus(optarg, d->cpu, err, sizeof(err)))
				return usage_error("--cpus: %s", err);
			break;
		case 'S': {
			/* The range stream and run take (cmd_measure.c). */
			int ms;
			if (spec_parse_int(optarg, 10, 3600000, &ms, err, sizeof(err)))
				return usage_error("--stall-ms: %s", err);
			d->stall_ns = (int64_t)ms * 1000000;
			break;
		}
		case 'E': d->consumer_env = optarg; break;
		case 'h': fputs(help, stdout); return -1;
		default: return usage_error("doctor: unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("doctor: unexpected argument '%s'", argv[optind]);
	if (d->waits.n == 0 && spec_parse_wait_list("all", &d->waits, err, sizeof(err)))
		return usage_error("%s", err);
	if (spec_check_cpus(d->cpu, err, sizeof(err)))
		return usage_error("%s", err);
	return 0;
}

/* A step printed with d->ev; a failure counts at the exit status its run
 * gave, where a run that passed but failed the step is a visibility
 * failure. */
static bool doctor_step(struct doctor *d, const char *what, bool ok, int rc)
{
	if (step(++d->n, what, ok, d->ev))
		return true;
	d->failed++;
	d->status = worst(d->status, rc == BENCH_PASS ? BENCH_VISIBILITY : rc);
	return false;
}

static void doctor_atomics(struct doctor *d)
{
	_Atomic(uint32_t) w32 = 0;
	_Atomic(uint64_t) w64 = 0;
	bool lf32 = atomic_is_lock_free(&w32), lf64 = atomic_is_lock_free(&w64);
	snprintf(d->ev, sizeof(d->ev),
		 "32-bit atomics %s, 64-bit atomics %s (the ring's words and indices; a lock "
		 "taken in one process is not seen by another)",
		 lf32 ? "lock-free" : "NOT lock-free", lf64 ? "lock-free" : "NOT lock-free");
	doctor_step(d, "the atomics the ring uses are lock-free", lf32 && lf64, BENCH_PASS);
}

/* Checked messages cross between two processes with wait strategy w, and
 * both map one object, shared; *cs is the case, for the wake step. */
static bool doctor_cross(struct doctor *d, const struct bench_limits *lim, enum ring_wait w,
			 struct bench_case *cs)
{
	*cs = (struct bench_case){.mode = MODE_STREAM,
				  .transport = T_RING,
				  .wait = w,
				  .size = 64,
				  .capacity = 65536,
				  .cpu = {d->cpu[0], d->cpu[1]},
				  .messages = 20000};
	bench_case_name(cs);
	struct bench_run r;
	int rc = bench_run_case(cs, lim, &r);
	char what[128];
	snprintf(what, sizeof(what), "%s: a message crosses between two processes",
		 ring_wait_name(w));
	if (rc == BENCH_PASS && r.evidence_ok)
		snprintf(d->ev, sizeof(d->ev),
			 "%llu messages crossed, every sequence number and byte checked "
			 "(%.2f M msg/s); %s",
			 (unsigned long long)r.messages, r.msgs_per_sec / 1e6, r.evidence);
	else if (rc == BENCH_PASS)
		snprintf(d->ev, sizeof(d->ev), "the messages crossed, but: %s", r.evidence);
	else
		snprintf(d->ev, sizeof(d->ev), "%s", r.diagnosis);
	return doctor_step(d, what, rc == BENCH_PASS && r.evidence_ok, rc);
}

/* Each wake of a sleeping strategy reaches the other process.  Timed, not
 * counted, with a short warm-up: a lost wake costs a 50 ms slice per round
 * trip, and the step must still end soon. */
static void doctor_wakes(struct doctor *d, const struct bench_limits *lim,
			 const struct bench_case *cs)
{
	struct bench_case cp = *cs;
	cp.mode = MODE_PINGPONG;
	cp.messages = 0;
	cp.duration = 0.2;
	bench_case_name(&cp);
	cp.warmup = 10;
	struct bench_run r;
	int rc = bench_run_case(&cp, lim, &r);
	char what[128];
	snprintf(what, sizeof(what), "%s: each wake reaches the other process",
		 ring_wait_name(cs->wait));
	bool ok = rc == BENCH_PASS && evidence_wakes_cross(r.p50, r.p90);
	if (rc != BENCH_PASS)
		snprintf(d->ev, sizeof(d->ev), "%s", r.diagnosis);
	else
		snprintf(d->ev, sizeof(d->ev),
			 "%llu round trips, p50 %.1f us, p90 %.1f us, p99 %.1f us, %.2f system "
			 "calls per "
			 "round trip%s",
			 (unsigned long long)r.messages, (double)r.p50 / 1e3, (double)r.p90 / 1e3,
			 (double)r.p99 / 1e3, r.syscalls_per_msg,
			 ok ? ""
			    : ": a sleeper waits out the 50 ms sleep slice, so the wake does "
			      "not reach the other process (a FUTEX_PRIVATE_FLAG wake, an "
			      "eventfd the other side does not wait on)");
	doctor_step(d, what, ok, rc);
}

int cmd_doctor(int argc, char **argv)
{
	struct doctor d = {.cpu = {0, 1}, .stall_ns = 2000000000LL, .status = BENCH_PASS};
	int rc = doctor_parse(argc, argv, &d);
	if (rc)
		return rc < 0 ? BENCH_PASS : rc;
	bench_sweep_stale();
	printf("ringbench doctor: can a writer in one process be seen by a reader in another, "
	       "here?\n");
	doctor_atomics(&d);
	struct bench_limits lim = {
	    .stall_ns = d.stall_ns, .consumer_env = d.consumer_env, .evidence = true};
	for (int i = 0; i < d.waits.n; i++) {
		enum ring_wait w = (enum ring_wait)d.waits.v[i];
		struct bench_case cs;
		if (doctor_cross(&d, &lim, w, &cs) && w != RING_WAIT_SPIN)
			doctor_wakes(&d, &lim, &cs);
	}
	printf("ringbench doctor: %d of %d steps passed%s\n", d.n - d.failed, d.n,
	       d.status == BENCH_PASS	      ? ""
	       : d.status == BENCH_VISIBILITY ? ": a visibility failure (exit 3)"
					      : ": an environment problem (exit 2)");
	return d.status;
}
