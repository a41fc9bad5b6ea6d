/* bench.h: the harness's shared types: what one case is, the control block a
 * run shares with its two worker processes, and what a run reports. */
#ifndef BENCH_H
#define BENCH_H

#include "measure/clock.h"
#include "measure/hist.h"
#include "ring.h"

#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Exit codes of every ringbench command. */
enum {
	BENCH_PASS = 0,
	BENCH_REGRESSION = 1,
	BENCH_USAGE = 2,      /* usage or environment error */
	BENCH_VISIBILITY = 3, /* visibility or integrity failure */
};

enum bench_mode { MODE_STREAM, MODE_PINGPONG, MODE_LATENCY, MODE_COUNT };
/* The ring and the references it is measured against (transport.h). */
enum bench_transport {
	T_RING,
	T_FLOOR,
	T_LINE,
	T_PIPE,
	T_UNIX,
	T_LAMPORT,
	T_CK,
	T_IOX,
	T_RTE,
	T_BOOST,
	T_WORK,
	T_COUNT
};

const char *bench_mode_name(enum bench_mode m);
const char *bench_transport_name(enum bench_transport t);
int bench_mode_parse(const char *s, enum bench_mode *out);
int bench_transport_parse(const char *s, enum bench_transport *out);

/* One benchmark case: everything a run needs to know. */
struct bench_case {
	enum bench_mode mode;
	enum bench_transport transport;
	enum ring_wait wait; /* ring only */
	size_t size;	     /* message bytes */
	uint64_t capacity;   /* ring bytes (ring and floor) */
	int cpu[2];	     /* producer (client), consumer (server) */
	uint64_t messages;   /* measured messages (round trips); 0: run for `duration` */
	double duration;     /* seconds measured, when messages is 0 */
	double rate;	     /* latency mode: messages per second */
	uint64_t warmup;     /* messages (round trips) before the measured window */
	char name[192];	     /* Google Benchmark style name */
};

/* Fill in c->name and c->warmup from the other fields. */
void bench_case_name(struct bench_case *c);

/* Stream: every how many messages the consumer reads the clock. */
#define BENCH_SAMPLE_EVERY 64

/* What one worker reports, written into the control block. */
struct bench_report {
	int32_t status;	       /* BENCH_PASS, BENCH_USAGE or BENCH_VISIBILITY */
	int32_t symptom;       /* 1: the failure is only that the peer went away */
	_Atomic(int32_t) done; /* 1 once the report is complete */
	uint64_t messages;     /* in the measured window (round trips for pingpong) */
	uint64_t bytes;
	uint64_t t_first; /* clock readings at the window's ends */
	uint64_t t_last;
	int64_t cpu_ns;	       /* user + system CPU from the window's start to the end */
	uint64_t cpu_messages; /* messages over which cpu_ns was spent */
	uint64_t syscalls;     /* system calls made by the transport in that span */
	double state_ns[2];    /* producer: the state probe before and after (0: none) */
	char error[480];
};

/* A line of its own for what each writer writes, so no worker's progress
 * counting moves a line the other worker is reading or writing. */
struct bench_side {
	alignas(64) _Atomic(uint32_t) ready; /* attached and pinned (or failed) */
	_Atomic(uint64_t) progress;	     /* messages so far, counted in steps */
	_Atomic(uint64_t) total;	     /* producer: messages sent in all, at the end */
	_Atomic(uint32_t) probe;	     /* state probes this side has come to */
};

/* The machine's state, probed beside every repetition: the mean round trip
 * of one bare cache line between the two worker processes, on their CPUs,
 * just before the warm-up and just after the window.  This machine's
 * figures move in steps with it (where the host puts the two CPUs). */
#define BENCH_PROBE_ROUNDS 2000

/* The control block: a memfd shared by the harness and both workers.  It is
 * not the object under test, so a fault injected into the ring's mapping
 * does not reach it. */
struct bench_control {
	/* written by the harness only, before and at the start */
	alignas(64) _Atomic(uint32_t) go; /* start barrier */
	struct bench_clock clock;
	/* [0] producer (pingpong client), [1] consumer (server) */
	struct bench_side side[2];
	alignas(64) struct bench_report report[2];
	/* the state probe's line, written by both workers in turn */
	alignas(64) _Atomic(uint64_t) probe_word;
	/* written by the one worker that measures latency */
	alignas(64) struct hist hist;
};

static_assert(offsetof(struct bench_control, side) % 64 == 0, "sides start a line");
static_assert(sizeof(struct bench_side) == 64, "each side is one line");
static_assert(offsetof(struct bench_control, side[1]) - offsetof(struct bench_control, side[0]) ==
		  64,
	      "the two sides' counters are on different lines");
static_assert(offsetof(struct bench_control, report) % 64 == 0, "reports start a line");
static_assert(offsetof(struct bench_control, hist) % 64 == 0, "the histogram starts a line");
static_assert(offsetof(struct bench_control, probe_word) % 64 == 0 &&
		  offsetof(struct bench_control, hist) -
			  offsetof(struct bench_control, probe_word) >=
		      64,
	      "the probe has a line of its own");

/* Result of one run of one case, as the harness sees it. */
struct bench_run {
	int status;
	uint64_t messages; /* in the measured window */
	uint64_t bytes;
	double seconds; /* length of the measured window */
	double msgs_per_sec;
	double bytes_per_sec;
	double producer_cpu_ns; /* per message */
	double consumer_cpu_ns;
	double syscalls_per_msg;
	uint64_t p50, p75, p90, p95, p99, p999, p9999, max; /* ns; 0 for stream */
	double state_before_ns, state_after_ns;		    /* the state probes; 0: not taken */
	bool evidence_ok; /* with limits.evidence: same objects, shared */
	char evidence[1024];
	char diagnosis[2048];
};

/* Timeouts and fault injection that the options can set. */
struct bench_limits {
	int64_t stall_ns;	  /* no progress for this long: a stall */
	const char *consumer_env; /* VAR=VALUE for the consumer only (tests) */
	const char *worker_exe;	  /* the workers' program (NULL: this one; ab: each build's) */
	bool verbose;
	bool evidence; /* doctor: record how both workers map each object */
};

/* The worker protocol: the arguments `ringbench __worker` takes and the
 * control block it writes.  `ab` runs two builds' workers under one
 * harness, so both must speak this one: bump it when either changes.
 * `ringbench __protocol` prints it with the control block's size and the
 * ring's version (RING_VERSION): the harness creates every ring, so a
 * build whose workers attach to another version cannot run under it. */
#define BENCH_WORKER_PROTOCOL 3
/* The line `__protocol` prints, into buf. */
void bench_protocol_line(char *buf, size_t n);
int bench_protocol_main(int argc, char **argv);

/* The clock every run of this process uses: calibrated on first use. */
const struct bench_clock *bench_clock(void);
/* How the clock was chosen, one sentence. */
const char *bench_clock_why(void);

/* Run one case once: spawn, pin, barrier, watchdog, reap, clean up. */
int bench_run_case(const struct bench_case *c, const struct bench_limits *lim,
		   struct bench_run *out);

/* Remove shared-memory objects, and iceoryx's RouDi folders in /tmp, left by
 * ringbench processes that no longer exist (a harness killed with SIGKILL
 * cannot clean up).  Returns how many, and names them on stderr. */
int bench_sweep_stale(void);

/* The worker side (`ringbench __worker ...`). */
int bench_worker_main(int argc, char **argv);

/* The revision this ringbench is built from ("abc1234", "abc1234-dirty",
 * or "unknown" outside git): version.c, written at every build. */
extern const char ringbench_revision[64];

/* Whether this ringbench runs from the build folder it was built in, where
 * its source tree is at hand; an installed or copied one is not. */
bool bench_in_build_tree(void);
/* Where results/ and plots/out/ go by default: the source tree the build
 * was made from, or, for an installed ringbench, the current directory. */
const char *bench_tree_root(void);
/* The folder of what ringbench ships with (what: "scenarios", "plots"):
 * built_in, the source tree's folder, from the build folder; else
 * <prefix>/share/ringbench/WHAT beside the program's bin/. */
void bench_data_dir(const char *what, const char *built_in, char *out, size_t n);
/* A Google Benchmark program (ring_gbench, ringbench-gbench) that goes with
 * the ringbench in folder dir: dir/gbench/NAME in a build, or
 * dir/../libexec/ringbench/NAME installed.  0 with its path in out, or -1
 * with the build's path in out when there is neither. */
int bench_gbench_tool(const char *dir, const char *name, char *out, size_t n);
/* The folder results of one kind are kept in (what: "baselines", "runs",
 * "history", "builds"): $RINGBENCH_RESULTS/WHAT, else results/WHAT under
 * bench_tree_root(). */
void bench_results_dir(const char *what, char *out, size_t n);

/* Set by the SIGINT/SIGTERM handler; every loop looks at it. */
extern volatile int bench_interrupted;

#endif
