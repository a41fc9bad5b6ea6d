/* spec.h: what to run, before it is expanded into cases: lists of waits,
 * sizes, capacities and transports, shared by the command line and the
 * scenario files, and the parsers for their values. */
#ifndef SPEC_H
#define SPEC_H

#include "measure/bench.h"

#define SPEC_MAX_LIST  32
#define SPEC_MAX_PAIRS 256

struct spec_list {
	int n;
	uint64_t v[SPEC_MAX_LIST];
};

/* One mode's matrix. */
struct spec_mode {
	bool enabled;
	struct spec_list transports; /* enum bench_transport values */
	struct spec_list waits;	     /* enum ring_wait values */
	struct spec_list sizes;
	struct spec_list capacities;
	struct spec_list rates; /* latency only */
	uint64_t messages;	/* 0: duration */
	double duration;
};

struct spec {
	struct spec_mode mode[MODE_COUNT];
	int cpu[2]; /* the first pair, which the results' context names */
	int npairs; /* every case runs on each pair of CPUs, in this order */
	int pairs[SPEC_MAX_PAIRS][2];
	int repetitions;
	int warmup;
	char scenario[64];
	bool list_only; /* expanded to be listed: the transports start nothing */
};

/* Defaults: CPUs 0 and 1, 5 repetitions, 1 warm-up, every mode off. */
void spec_init(struct spec *s);
/* Defaults for one mode when a command or section names it. */
void spec_mode_defaults(struct spec_mode *m, enum bench_mode mode);

/* Value parsers: 0 on success, or -1 with a message in err. */
int spec_parse_bytes(const char *s, uint64_t *out, char *err, size_t n);
/* "64,4K" or "8-1M" (powers of two from 8 to 1M) or a mix. */
int spec_parse_byte_list(const char *s, struct spec_list *l, char *err, size_t n);
int spec_parse_wait_list(const char *s, struct spec_list *l, char *err, size_t n);
int spec_parse_transport_list(const char *s, struct spec_list *l, char *err, size_t n);
int spec_parse_cpus(const char *s, int cpu[2], char *err, size_t n);
/* "0,1" (one pair), "0,1/1,0/0,2" (pairs), or "all-pairs" (every ordered
 * pair of the CPUs this process may run on) into s->pairs and s->cpu. */
int spec_parse_cpu_pairs(const char *s, struct spec *sp, char *err, size_t n);
/* Run on this one pair only (a command's --cpus over a scenario's). */
void spec_set_pair(struct spec *sp, const int cpu[2]);
int spec_parse_count(const char *s, uint64_t *out, char *err, size_t n);
/* "10K,100K": counts, like rates per second. */
int spec_parse_count_list(const char *s, struct spec_list *l, char *err, size_t n);
int spec_parse_seconds(const char *s, double *out, char *err, size_t n);
int spec_parse_int(const char *s, int lo, int hi, int *out, char *err, size_t n);

/* Expand into cases; returns how many (at most max), skipping combinations
 * that cannot run (a message larger than the ring holds); -1 with err set
 * when nothing valid is left. */
int spec_expand(const struct spec *s, struct bench_case *cases, int max, char *err, size_t n);

/* Check the CPUs exist and sizes suit the modes; 0 or -1 with err. */
int spec_check(const struct spec *s, char *err, size_t n);
/* Check only that the two CPUs can be used (for commands with no matrix). */
int spec_check_cpus(const int cpu[2], char *err, size_t n);

/* Read a scenario: a name in the scenarios directory or a path.  On error
 * returns -1 with "file:line: message" in err. */
int scenario_load(const char *name_or_path, struct spec *s, char *err, size_t n);

#endif
