/* results.h: the machine's identity, and results files in Google Benchmark's
 * JSON schema (context + benchmarks[]) with ringbench's figures as extra
 * plain fields on each entry. */
#ifndef RESULTS_H
#define RESULTS_H

#include "bench.h"

#include <jansson.h>

struct machine {
	char cpu_model[128];
	int cores;
	char kernel[128];
	char virtualization[64];
	char host[72];
	double mhz;
	char id[256]; /* file-name safe: model-cores-kernel-virtualization */
};

void machine_identify(struct machine *m);

/* A new results document; scenario may be NULL. */
json_t *results_new(const struct machine *m, const int cpus[2], const char *scenario);
/* One repetition of one case. */
void results_add_run(json_t *doc, const struct bench_case *c, const struct bench_run *r,
		     int repetition, int repetitions);
/* The median of a case's repetitions, as a Google Benchmark aggregate. */
void results_add_median(json_t *doc, const struct bench_case *c, const struct bench_run *median,
			int repetitions);
/* A case that failed (a visibility or integrity failure): Google Benchmark's
 * error_occurred and error_message fields. */
void results_add_failure(json_t *doc, const struct bench_case *c, const char *message);
/* Write atomically (temp file + rename).  Returns 0 or -1 with errno. */
int results_write(json_t *doc, const char *path);

#endif
