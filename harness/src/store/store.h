/* store.h: the results store, where every machine's runs, baselines, steps
 * and acknowledgements live: SQLite by default (one file per results
 * folder, WAL mode, so a check and a report can read and write at once), or
 * a PostgreSQL server for a team's machines (--store postgresql://... or
 * $RINGBENCH_STORE).  One schema for both, numbered migrations applied on
 * open; a store from a newer schema is refused, naming both versions.
 *
 * A run is one results document (results.h: context + benchmarks[]), kept
 * in the store's tables (the machine, the run with its context, its cases,
 * each entry's repetition and figures) and rebuilt from them, entry for
 * entry, by store_get_doc().  A run's identity is its machine, kind, time,
 * revision and scenario: putting the same run twice keeps one, and each
 * run is written in one transaction, so a writer that dies mid-run leaves
 * none of it.
 *
 * Kinds of run:
 *   "night"     a nightly check's run (the history)
 *   "rerun"     that check's confirming re-run (same name as its night)
 *   "baseline"  a machine's baseline, name "" (the machine's own) or the
 *               name a command gave it; one per machine and name
 *   "startup", "instructions"   the baselines of those commands
 *
 * Every function returns 0, or -1 with a sentence in err (n bytes), unless
 * it says otherwise.  No function prints. */
#ifndef STORE_H
#define STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STORE_SCHEMA_VERSION 1

struct store;

enum store_backend { STORE_SQLITE, STORE_POSTGRESQL };

/* The store a command uses: `where` if given (--store), else
 * $RINGBENCH_STORE, else ringbench.db in the results folder
 * (bench_results_dir's parent: $RINGBENCH_RESULTS or results/). */
void store_default_where(const char *where, char *out, size_t n);

/* A context's date as the store keeps a run's time: UTC to the
 * millisecond, "YYYY-MM-DDTHH:MM:SS.mmmZ"; 0, or -1 (out "") when date is
 * NULL or in no form known. */
int store_utc_time(const char *date, char *out, size_t n);

/* Open (creating a SQLite file and its folder, applying migrations).
 * `where`: a URI postgresql://... or postgres://... (libpq's), else a file
 * path.  Errors name the store (with any password left out) and what went
 * wrong: a newer schema ("schema 3, this ringbench knows 1"), a file that
 * is no SQLite database, a server that refuses the connection and why. */
int store_open(const char *where, struct store **out, char *err, size_t n);
void store_close(struct store *s);
enum store_backend store_backend(const struct store *s);
/* The store as a user may see it: a path, or the URI without password. */
const char *store_name(const struct store *s);

struct store_run {
	int64_t id;
	char machine[256];  /* the machine id (results.h) */
	char kind[16];	    /* above */
	char name[160];	    /* a night's stem <time>-<revision>, a baseline's name */
	char time[40];	    /* UTC, ISO 8601, from the document's context.date */
	char revision[128]; /* context.git_revision */
	char scenario[256]; /* context.scenario, "" if none */
};

/* Put doc as one run of machine (in one transaction).  *dup (may be NULL)
 * is set when a run with the same identity is already there: nothing is
 * written and 0 is returned.  *id (may be NULL): the run's id. */
int store_put_run(struct store *s, const char *machine, const char *kind, const char *name,
		  json_t *doc, int64_t *id, bool *dup, char *err, size_t n);
/* Replace every run of (machine, kind, name) by doc, in one transaction
 * (a baseline that grows). */
int store_replace_run(struct store *s, const char *machine, const char *kind, const char *name,
		      json_t *doc, int64_t *id, char *err, size_t n);
/* The runs of a machine (NULL: every machine) and kind (NULL: every
 * kind), oldest first by time then id; the newest `last` only if last > 0.
 * *out is malloc'd (free()); *nout 0 and *out NULL when there are none. */
int store_list_runs(struct store *s, const char *machine, const char *kind, int last,
		    struct store_run **out, int *nout, char *err, size_t n);
/* One run by (machine, kind, name): 1 found (*run filled), 0 none, -1. */
int store_find_run(struct store *s, const char *machine, const char *kind, const char *name,
		   struct store_run *run, char *err, size_t n);
/* The results document of run id, rebuilt: its context and its entries
 * in the order they were put.  NULL with err. */
json_t *store_get_doc(struct store *s, int64_t id, char *err, size_t n);
int store_delete_run(struct store *s, int64_t id, char *err, size_t n);

/* The machines with runs, sorted; *out malloc'd, each name malloc'd
 * (store_free_names). */
int store_machines(struct store *s, char ***out, int *nout, char *err, size_t n);
void store_free_names(char **names, int n);
/* A machine's newest context (of its newest run), NULL if none. */
json_t *store_machine_context(struct store *s, const char *machine, char *err, size_t n);

/* The steps a machine's checks reported, as history.h's ledger:
 * {"reported": [{"case", "figure", "state_lo_ns", "state_hi_ns", "night",
 * "first_after", "revision_before", "revision_after", "change",
 * "confidence"}...]}, oldest first ({"reported": []} if none). */
json_t *store_get_steps(struct store *s, const char *machine, char *err, size_t n);
/* Add entries (an array of objects as above) in one transaction. */
int store_add_steps(struct store *s, const char *machine, json_t *entries, char *err, size_t n);

/* The acknowledgements of a machine's baseline `baseline` ("" the
 * machine's own), as acks.h's file: {"acknowledgements": [...]}; and
 * replacing them all (in one transaction). */
json_t *store_get_acks(struct store *s, const char *machine, const char *baseline, char *err,
		       size_t n);
int store_put_acks(struct store *s, const char *machine, const char *baseline, json_t *doc,
		   char *err, size_t n);

/* One figure (a key of a benchmarks[] entry, e.g. "items_per_second")
 * of one case (the entry's run_name) on every machine (machine NULL) or
 * one, in runs of one kind: a point per repetition ("iteration" entries),
 * oldest first.  *out malloc'd. */
struct store_point {
	int64_t run;
	char machine[256];
	char time[40];
	char revision[128];
	int repetition;
	double value;
	double state_ns; /* the entry's state_before_ns (0 if none) */
};
int store_figure(struct store *s, const char *machine, const char *kind, const char *case_name,
		 const char *figure, struct store_point **out, int *nout, char *err, size_t n);
/* The case names (run_name) in runs of kind, sorted (store_free_names). */
int store_cases(struct store *s, const char *kind, char ***out, int *nout, char *err, size_t n);

#endif
