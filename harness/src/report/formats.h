/* formats.h: every figure of a run, or of a verdict, in the formats other
 * tools read: Bencher Metric Format (BMF) JSON, github-action-benchmark's
 * custom JSON (customBiggerIsBetter and customSmallerIsBetter, one file
 * each) and CSV (RFC 4180).  docs/formats.md says what each field holds.
 *
 * Every format is made from one list of entries, one per case and figure:
 * formats_collect() builds it from the current results (a plain run) and,
 * when there is one, the verdict on them. */
#ifndef FORMATS_H
#define FORMATS_H

#include "judge/sample.h"
#include "judge/verdict.h"

/* A figure as the formats name it. */
struct formats_figure {
	const char *key;     /* the results file's field: items_per_second */
	const char *label;   /* as the tables name it: msgs/s, p99 ns */
	const char *measure; /* the Bencher measure's slug: throughput, latency-p99 */
	const char *unit;    /* msgs/s, bytes/s, ns, ns/msg, syscalls/msg */
	int better;	     /* +1 bigger is better, -1 smaller is better */
};

/* Every figure the formats know, in the order they are written: those a
 * results file's reader (sample.h) does not carry are left out. */
extern const struct formats_figure formats_figures[];
extern const int formats_nfigures;

/* Where an entry's lower and upper values come from. */
enum formats_bounds {
	FORMATS_NO_BOUNDS,   /* none: one repetition, a count, or no interval */
	FORMATS_INTERVAL,    /* the verdict's interval of the change, applied to the value */
	FORMATS_REPETITIONS, /* the least and the greatest repetition (a plain run) */
};

/* "interval", "repetitions" or "" (the CSV's bounds column). */
const char *formats_bounds_name(enum formats_bounds b);

struct formats_entry {
	const char *name; /* the case, as the tables print it (owned by the sample set) */
	const struct formats_figure *fig;
	const char *label;	    /* fig->label; items/s for a rate in another tool's file */
	const char *unit;	    /* fig->unit; items/s for a rate in another tool's file */
	double value;		    /* the current figure */
	double lower, upper;	    /* NaN without bounds */
	enum formats_bounds bounds; /* where lower and upper come from */
	int n;			    /* values the figure is of (repetitions, pairs or runs) */
	/* From the verdict on this figure: NaN and NULL where there is none. */
	double base;		     /* the base's figure */
	double change;		     /* relative: 0.05 is 5% more */
	double change_lo, change_hi; /* the interval of the relative change */
	const char *verdict;	     /* verdict_name() */
};

struct formats_set {
	struct formats_entry *v;
	int n;
	bool verdict; /* made with a verdict: bounds are its intervals */
};

/*
 * The entries of cur's cases, one per figure a case has, in case order.
 * Without a verdict (j NULL) each value is the median of the case's
 * repetitions and its bounds their least and greatest (with two or more).
 * With one, a figure the verdict judged takes its current value as the
 * verdict's table shows it, and its bounds from the verdict's interval of
 * the change: value * (1 + lo) / (1 + change) and value * (1 + hi) / (1 +
 * change); a figure it did not judge (or judged as a count, or without an
 * interval) takes the median and no bounds.  So does a row whose verdict
 * is none (too few repetitions, no common state) and every row of a
 * verdict on one run a side (j->one_run_each): the interval such a row
 * carries is of two runs' repetitions, no bound on the build.  A latency
 * run's rates (the rate it was told to keep) and a value that is not
 * finite are left out.  Returns 0, or -ENOMEM with nothing to free.
 */
int formats_collect(const struct sample_set *cur, const struct judgement *j,
		    struct formats_set *out);
void formats_free(struct formats_set *s);

/*
 * The files, each written atomically (a temporary file, then rename).
 * formats_github writes PREFIX-bigger.json (customBiggerIsBetter) and
 * PREFIX-smaller.json (customSmallerIsBetter), each an array of the
 * figures that go that way; a direction with none has no file (the action
 * refuses an empty array), and one left there by an earlier run is
 * removed.  Both files are written to temporaries first and renamed only
 * when both are made, the files they replace kept under a second name (a
 * hard link) until both are in place, so a failure leaves the pair as it
 * was (on a file system without hard links, without the file it replaced
 * rather than half a new pair).  Each returns 0, or -1 with errno (no
 * temporary left behind, and no file where there was none).
 */
int formats_bmf(const char *path, const struct formats_set *s);
int formats_github(const char *prefix, const struct formats_set *s);
int formats_csv(const char *path, const struct formats_set *s);

/* How many entries of s go the way better says (+1 bigger is better, -1
 * smaller): 0 where formats_github writes no file for that direction. */
int formats_github_count(const struct formats_set *s, int better);

/* The CSV's header line, without its CRLF. */
extern const char *const formats_csv_header;

/* The files a command was asked for (NULL: not asked). */
struct formats_paths {
	const char *bmf, *github, *csv;
};

/* Whether any is asked for. */
bool formats_wanted(const struct formats_paths *p);

/* A file a command reads or writes besides the formats' own (its --out,
 * --json, --markdown, --junit, its input files), for formats_check_paths
 * to tell apart from them. */
struct formats_other {
	const char *what; /* as the user named it: "--out", "--json", "input" */
	const char *path;
	bool writes; /* false: only read */
};

/*
 * Before anything runs, so that a long run stops before it starts rather
 * than lose its figures at the end: each file p names (both of
 * --github-benchmark's) can be written (its folder can be, and it is no
 * folder itself), and no two of those files and others[0..nothers) are one
 * file where either is written: the same device and inode where it exists,
 * else the same folder (its real path) and name.  Two files only read may
 * be one.  0, or -1 with a one-line message in err (no "ringbench: ").
 */
int formats_check_paths(const struct formats_paths *p, const struct formats_other *others,
			int nothers, char *err, size_t n);

#endif
