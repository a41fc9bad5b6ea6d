/* bench.h: the harness's shared types: what one case is, the control block a
 * run shares with its two worker processes, and what a run reports. */
#ifndef BENCH_H
#define BENCH_H

#include "hist.h"
#include "ring.h"

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
enum bench_transport { T_RING, T_FLOOR, T_PIPE, T_UNIX, T_COUNT };

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
	uint64_t capacity;   /* ring bytes (ring and floor stream) */
	int cpu[2];	     /* producer (client), consumer (server) */
	uint64_t messages;   /* 0: run for `duration` */
	double duration;     /* seconds, when messages is 0 */
	double rate;	     /* latency mode: messages per second */
	char name[192];	     /* Google Benchmark style name */
};

/* Fill in c->name from the other fields. */
void bench_case_name(struct bench_case *c);

/* What one worker reports, written into the control block. */
struct bench_report {
	int32_t status;	   /* BENCH_PASS, BENCH_USAGE or BENCH_VISIBILITY */
	int32_t done;	   /* 1 once the report is complete */
	uint64_t messages; /* messages sent or received (round trips for pingpong) */
	uint64_t bytes;
	int64_t t_first; /* CLOCK_MONOTONIC ns of the first and last message */
	int64_t t_last;
	int64_t cpu_ns;	   /* user + system CPU over the measured part */
	uint64_t syscalls; /* wait/wake system calls made by the ring */
	char error[480];
};

/* The control block: a memfd shared by the harness and both workers.  It is
 * not the object under test, so a fault injected into the ring's mapping
 * does not reach it. */
struct bench_control {
	_Atomic(uint32_t) ready;       /* workers attached and pinned */
	_Atomic(uint32_t) go;	       /* start barrier: set by the harness */
	_Atomic(uint64_t) sent;	       /* producer progress, for the watchdog */
	_Atomic(uint64_t) seen;	       /* consumer progress, for the watchdog */
	_Atomic(uint64_t) total;       /* messages the producer sent in all */
	struct bench_report report[2]; /* [0] producer/client, [1] consumer/server */
	struct hist hist;	       /* round trips or one-way latencies */
};

/* Result of one run of one case, as the harness sees it. */
struct bench_run {
	int status;
	uint64_t messages;
	uint64_t bytes;
	double seconds; /* consumer's first to last message */
	double msgs_per_sec;
	double bytes_per_sec;
	double producer_cpu_ns; /* per message */
	double consumer_cpu_ns;
	double syscalls_per_msg;
	uint64_t p50, p90, p99, p999, max; /* ns; 0 for stream */
	char diagnosis[2048];
};

/* Timeouts and fault injection that the options can set. */
struct bench_limits {
	int64_t stall_ns;	  /* no progress for this long: a stall */
	const char *consumer_env; /* VAR=VALUE for the consumer only (tests) */
	bool verbose;
};

/* Run one case once: spawn, pin, barrier, watchdog, reap, clean up. */
int bench_run_case(const struct bench_case *c, const struct bench_limits *lim,
		   struct bench_run *out);

/* The worker side (`ringbench __worker ...`). */
int bench_worker_main(int argc, char **argv);

/* Set by the SIGINT/SIGTERM handler; every loop looks at it. */
extern volatile int bench_interrupted;

int64_t bench_now_ns(void);

#endif
