/* baselines.h: where each machine's baselines are: in the results store
 * (store/store.h), as the machine's run of kind "baseline" (its startup
 * times: "startup"; its instruction counts: "instructions"), or in a JSON
 * file a command names (--baseline FILE); and a run stored as, or added
 * to, one.
 *
 * The baselines' folder (results/baselines/, or $RINGBENCH_BASELINES)
 * holds baselines as JSON files committed with the tree: a machine that has
 * none of a kind in the store takes <machine-id>.json (.startup.json,
 * .instructions.json) from there into the store the first time a command
 * reads it, with <machine-id>.acks.json beside it. */
#ifndef BASELINES_H
#define BASELINES_H

#include "judge/sample.h"
#include "store/store.h"

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
/* <folder>/<machine-id>.json. */
void baseline_file(char *out, size_t n, const char *machine_id);
/* <machine-id> and suffix (".startup.json", ".acks.json") in the folder.
 * 0, or -1 (and "") if the path does not fit in n or machine_id is no file
 * name (baseline_id_valid). */
int baseline_sibling(char *out, size_t n, const char *machine_id, const char *suffix);

/* A baseline a command works on. */
struct baseline_ref {
	struct store *store; /* NULL: the file at path */
	char kind[16];	     /* "baseline", "startup" or "instructions" */
	char machine[256];
	char path[1200]; /* the file; or, for people, "<store> (<kind> of <machine>)" */
};

/* r for file (--baseline FILE) if given, else machine's baseline of kind
 * in the store s. */
void baseline_ref(struct baseline_ref *r, struct store *s, const char *file, const char *machine,
		  const char *kind);

/* The baseline's document: 1 with *doc (the caller's: json_decref), 0
 * there is none, -1 with err.  From the store, a machine with none there
 * takes the file of its kind from the baselines' folder, saying so on
 * stderr. */
int baseline_get(const struct baseline_ref *r, json_t **doc, char *err, size_t n);
/* The same, read as a sample set: 1, 0 none, or -1 with err. */
int baseline_load(const struct baseline_ref *r, struct sample_set *s, char *err, size_t n);

/* Store doc as the baseline (in place of any there: a file written
 * atomically, making its folder; in the store, in one transaction);
 * BENCH_PASS, saying so on stdout, or BENCH_USAGE with the message
 * printed. */
int baseline_store(json_t *doc, const char *machine_id, const struct baseline_ref *r);

/* Append doc's repetitions ("iteration" entries) to base, each marked with
 * the run it came from (doc's run_id), and log the run (from file) in
 * base's context.filled_in.  Returns the number of repetitions added. */
int baseline_append(json_t *base, json_t *doc, const char *file);

#endif
