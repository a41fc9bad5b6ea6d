/* baselines.h: the per-machine baseline store: where each machine's
 * baselines live, and a run stored as, or added to, one. */
#ifndef BASELINES_H
#define BASELINES_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Whether a machine id can name files in the baselines' and runs' folders:
 * not empty, no '/', no leading '.', no control characters.  An id read
 * from a results file is checked with it, so that none leads a path out
 * of its folder. */
bool baseline_id_valid(const char *machine_id);

/* The folder: $RINGBENCH_BASELINES, or results/baselines in the source
 * tree. */
void baseline_dir(char *out, size_t n);
/* This machine's baseline: <folder>/<machine-id>.json. */
void baseline_file(char *out, size_t n, const char *machine_id);
/* The baseline a command works on: target (--baseline FILE) if given,
 * else the machine's. */
void baseline_path(char *out, size_t n, const char *target, const char *machine_id);
/* The startup baseline (ringbench startup): <machine-id>.startup.json, and
 * the instruction counts (check --instructions):
 * <machine-id>.instructions.json, beside the machine's baseline.  0, or -1
 * (and "") if the path does not fit in n or machine_id is no file name
 * (baseline_id_valid). */
int baseline_sibling(char *out, size_t n, const char *machine_id, const char *suffix);

/* Store doc as the baseline at path (atomically), making its folder;
 * BENCH_PASS, saying so on stdout, or BENCH_USAGE with the message
 * printed. */
int baseline_store(json_t *doc, const char *machine_id, const char *path);

/* Append doc's repetitions ("iteration" entries) to base, each marked with
 * the run it came from (doc's run_id), and log the run (from file) in
 * base's context.filled_in.  Returns the number of repetitions added. */
int baseline_append(json_t *base, json_t *doc, const char *file);

#endif
