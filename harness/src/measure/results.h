/* results.h: the machine's identity, and results files in Google Benchmark's
 * JSON schema (context + benchmarks[]) with ringbench's figures as extra
 * plain fields on each entry. */
#ifndef RESULTS_H
#define RESULTS_H

#include "measure/bench.h"

#include <jansson.h>

/* How every case's measured window is chosen (the results' context says it). */
#define RESULTS_WINDOW                                                                             \
	"pages populated at attach; a stream first moves one lap of its ring (at least 256 "       \
	"messages), a pingpong 1000 round trips, a latency run a lap or 20 ms of messages; the "   \
	"window then runs from the warm-up's last message to the last clock sample (every 64 "     \
	"messages in a stream, every round trip or message otherwise); CPU time and system calls " \
	"count from the window's start"

/* What state_before_ns and state_after_ns on every entry are. */
#define RESULTS_STATE                                                                              \
	"state_before_ns and state_after_ns: the mean round trip of one bare cache line between "  \
	"the case's two worker processes on their CPUs, 2000 round trips just before the "         \
	"warm-up and just after the measured window (the median of 20 blocks of 100); figures "    \
	"are judged only against figures taken in the same state"

/* A machine's identity names its hardware and how it is set up: the CPU
 * model, the number of CPUs, threads per core (SMT) and virtualisation.
 * What changes under the same hardware (the kernel release, with its build
 * tag, the microcode, the frequency governor, the hypervisor's build) is
 * recorded with every run instead, and named in a verdict when it differs
 * from the baseline's: a baseline taken on one VM of a kind applies to the
 * next VM of that kind.  The pinned CPUs are part of every case's name, so
 * figures taken on other CPUs never meet. */
struct machine {
	char cpu_model[128];
	int cores;
	int smt; /* threads per core (1 without SMT) */
	char kernel[128];
	char microcode[64];
	char governor[64];
	char hypervisor[128];
	char virtualization[64];
	char host[72];
	double mhz;
	char id[256]; /* file-name safe: model-cores[-smtN]-virtualization */
};

void machine_identify(struct machine *m);

/* The identity of a machine with this hardware (file-name safe); smt <= 1
 * leaves it out, so files written before it was recorded keep their id. */
void machine_id_of(const char *cpu_model, int cores, int smt, const char *virtualization, char *out,
		   size_t n);

/* The identity a results document's context names: built from its
 * hardware fields where it has them (files written while the identity
 * still held the kernel release get the same id as today's), else its
 * machine_id, else "".  The kernel and the rest do not enter it. */
void machine_id_from_context(json_t *ctx, char *out, size_t n);

/*
 * Every function below that builds a document checks each value it stores:
 * a figure that is NaN or infinite, or a string that is not UTF-8, is an
 * error naming the case and the field (jansson would otherwise drop it
 * silently).  They return 0, or -1 with a sentence in err.
 */

/* A new results document (NULL with err on failure); scenario may be NULL. */
json_t *results_new(const struct machine *m, const int cpus[2], const char *scenario,
		    const struct bench_clock *clk, const char *clock_why, char *err, size_t n);
/* One repetition of one case. */
int results_add_run(json_t *doc, const struct bench_case *c, const struct bench_run *r,
		    int repetition, int repetitions, char *err, size_t n);
/* The median of a case's repetitions, as a Google Benchmark aggregate. */
int results_add_median(json_t *doc, const struct bench_case *c, const struct bench_run *median,
		       int repetitions, char *err, size_t n);
/* A case that failed (a visibility or integrity failure): Google Benchmark's
 * error_occurred and error_message fields. */
int results_add_failure(json_t *doc, const struct bench_case *c, const char *message, char *err,
			size_t n);
/* Write atomically (temp file + rename).  Returns 0 or -1 with errno. */
int results_write(json_t *doc, const char *path);
/* mkdir -p.  Returns 0 or -1 with errno. */
int results_mkdirs(const char *path);

#endif
