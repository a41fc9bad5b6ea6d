/* sample.h: a results file read back for judging and drawing: every
 * repetition of every case, the figures verdicts look at and those the
 * charts draw, and the machine's state beside each repetition.  Reads
 * ringbench's files and any Google Benchmark JSON (Google Benchmark's own
 * included), and refuses anything else with one clear sentence; it is
 * the one reader of results files. */
#ifndef SAMPLE_H
#define SAMPLE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* The figures a verdict can judge.  Which ones a case has depends on its
 * mode (a stream has no percentiles; a latency run's rate is the one it
 * was told to keep) and on who wrote the file. */
enum fig {
	FIG_RATE,     /* items_per_second: higher is better */
	FIG_TIME,     /* real_time in ns (files without items_per_second) */
	FIG_P50,      /* p50_ns */
	FIG_P99,      /* p99_ns */
	FIG_PROD_CPU, /* producer_cpu_ns_per_msg */
	FIG_CONS_CPU, /* consumer_cpu_ns_per_msg */
	FIG_CPU,      /* cpu_time in ns (files without the two above) */
	FIG_SYSCALLS, /* syscalls_per_msg: a count */
	FIG_INSTR,    /* instructions_per_op (callgrind): a count, 1% is a change */
	FIG_COUNT
};

struct fig_info {
	const char *key;   /* the JSON field */
	const char *label; /* in tables */
	int better;	   /* +1: higher is better; -1: lower is better */
	bool count;	   /* compared as a count, not by statistics */
};

extern const struct fig_info fig_info[FIG_COUNT];

/* Figures of a repetition that no verdict judges: the charts draw them and
 * the export formats (report/formats.h) write them. */
enum chart_fig {
	CF_BYTES_RATE, /* bytes_per_second */
	CF_P75,	       /* p75_ns, and on up the tail */
	CF_P90,
	CF_P95,
	CF_P999,
	CF_P9999,
	CF_MAX, /* max_ns */
	CF_COUNT
};

/* Their JSON fields. */
extern const char *const chart_fig_key[CF_COUNT];

struct sample_case {
	char *name;
	char mode[16]; /* "stream", "pingpong", "latency", or "" (not ringbench's) */
	int n;	       /* repetitions */
	bool has[FIG_COUNT];
	double *v[FIG_COUNT];	 /* [n] each, where has[] */
	double *chart[CF_COUNT]; /* [n] each, NaN where a repetition has none */
	double *state;		 /* [n]: probe mean in ns, 0 if not recorded */
	bool *steady;		 /* [n]: before and after agree (states.h; true if not recorded) */
	int *rep;		 /* [n]: repetition_index (or order of appearance) */
	int *run;		 /* [n]: the run it was taken in, an index into the set's runs */
	int *entry;		 /* [n]: its index in the file's benchmarks array */
	/* What the case measured, from its first repetition: "" or NaN where
	 * the file does not say (NULL and NaN in a case without one). */
	char *transport, *wait;
	double size, rate, capacity;
	bool failed; /* error_occurred: a visibility or integrity failure */
	char *error; /* its error_message */
};

struct sample_set {
	char *path;
	/* from the context; "" when the file does not say */
	char machine_id[256];
	char build_type[64];
	char revision[128];
	char date[64];
	char scenario[128];
	/* what can change under one machine identity (results.h) */
	char kernel[128];
	char microcode[64];
	char governor[64];
	char hypervisor[128];
	char ab_build[8];	/* "A" or "B": one side of an interleaved run (ab) */
	char cpus[32];		/* the two CPUs, "0,1" ("" when not said) */
	long long shuffle_seed; /* the session's seed: two sides of one ab share it */
	bool ringbench;		/* written by ringbench (has machine_id and figures) */
	/* The runs the repetitions were taken in.  A repetition names its run
	 * (run_id); in a file written before run ids existed, a case's
	 * repetition_index starting again marks the next run (baselines grew
	 * by appending whole runs). */
	int nruns;
	char **run_ids;	   /* [nruns] */
	double clock_step; /* clock_resolution_ns: the step of every time stamp, 0 if unknown */
	int ncases;
	struct sample_case *cases;
};

/* Most repetitions a case may have, most cases and most runs, in a file
 * read back: beyond, the file is refused (a crafted file must not make
 * compare hang). */
#define SAMPLE_MAX_REPS	 10000
#define SAMPLE_MAX_CASES 10000
#define SAMPLE_MAX_RUNS	 1000

/* Read a results file.  0, or -1 with one sentence in err naming the file
 * and what is wrong (not JSON, another schema, a missing or non-numeric
 * field, a non-finite value); on -1 nothing is left to free. */
int sample_load(const char *path, struct sample_set *out, char *err, size_t n);
/* The same from a parsed document (label names it in messages). */
int sample_from_json(json_t *doc, const char *label, struct sample_set *out, char *err, size_t n);
void sample_free(struct sample_set *s);

const struct sample_case *sample_find(const struct sample_set *s, const char *name);
/* Whether a and b are the two sides of one interleaved session (ab,
 * check, startup): a the A side, b the B side, the session's seed shared. */
bool sample_paired(const struct sample_set *a, const struct sample_set *b);
/* The same for the file at path_a, read here, against b: true, or false
 * with why in err. */
bool sample_pair_of(const char *path_a, const struct sample_set *b, char *err, size_t n);
/* Whether any repetition recorded the machine's state. */
bool sample_has_probes(const struct sample_set *s);

/* What differs between two files' machines under one identity (the
 * kernel, microcode, governor, hypervisor build), as "kernel changed: A ->
 * B; ...", or "" when nothing does. */
void sample_machine_changes(const struct sample_set *a, const struct sample_set *b, char *out,
			    size_t n);

#endif
