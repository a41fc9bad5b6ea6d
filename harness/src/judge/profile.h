/* profile.h: where an instruction count moved.  Callgrind's output of two
 * builds' operations (kept by measure/instr.h) is read and compared
 * function by function and source line by source line, per operation, for
 * `ab --instructions`, `check --instructions` and the report page. */
#ifndef PROFILE_H
#define PROFILE_H

#include "judge/sample.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* A row (function or line) is shown when it moved by at least this many
 * instructions per operation, or by half the operation's own change when
 * that is smaller; at most PROFILE_MAX_ROWS functions and as many lines
 * per operation. */
#define PROFILE_MIN_CHANGE 0.5
#define PROFILE_MAX_ROWS   10

/* Self instructions (Ir) that ran in one function at one source line.
 * Inlined code counts in the function it is inlined into, at the line of
 * the inlined source. */
struct profile_cost {
	const char *fn;	  /* callgrind's function name */
	const char *file; /* the source file as the debug info names it; "???" without */
	long line;	  /* 0 without line information */
	unsigned long long ir;
};

/* One callgrind output file: its costs, one per function, file and line. */
struct profile_data {
	struct profile_cost *v;
	size_t n, cap;
	unsigned long long total; /* the sum of v's ir: what collection counted */
	char **pool;		  /* the names v points into */
	size_t npool;
};

/* Read a callgrind output file (format version 1: name compression,
 * relative positions, inlined files, calls).  0, or -1 with err naming
 * the file and what is wrong with it; d is then empty. */
int profile_parse(FILE *f, const char *name, struct profile_data *d, char *err, size_t n);
int profile_load(const char *path, struct profile_data *d, char *err, size_t n);
void profile_data_free(struct profile_data *d);

/* The enclosing function of a source line, found in the text: the line
 * of the function's opening brace, alone in column 0 (as this tree's
 * kernel style writes every function), with its name into name; 0 when
 * the line is in no function.  lines[0] is line 1. */
int profile_enclosing(char *const *lines, int nlines, int line, char *name, size_t n);

/* One build's side of a comparison. */
struct profile_side {
	const char *label; /* as the verdict names the build */
	const char *calls; /* the folder of its kept callgrind files (instr_kept_file) */
	const char *tool;  /* its ring_gbench, whose build folder names its source tree */
	const char *src;   /* its source tree; NULL: the one its build folder names */
	const char *rev;   /* the commit it was built from, its text read with git show
			    * from repo; NULL, "", "unknown" or "...-dirty": read from src */
	const char *repo;  /* a git repository that has rev; NULL: src */
};

/* Compare the two sides' callgrind files case by case (instr_case_at):
 * for each operation whose count moved by 1% or PROFILE_MIN_CHANGE
 * instructions, the functions and source lines that moved most, per
 * operation, lines matched by their text (docs/gbench.md).  The profile as
 * JSON, or NULL with err when a file cannot be read. */
json_t *profile_compare(const struct profile_side s[2], char *err, size_t n);
/* The same for one operation's two callgrind files (path[k] is side k's;
 * s[k].calls is not used), ops the operations they ran (INSTR_ITERATIONS x
 * the case's per): a profile whose operations hold it when it moved. */
json_t *profile_compare_files(const char *name, const char *const path[2], double ops,
			      const struct profile_side s[2], char *err, size_t n);
/* Count both sides' ring_gbench (s[k].tool) with callgrind's files kept in
 * a temporary folder, then profile_compare them. */
json_t *profile_measure(const struct profile_side s[2], char *err, size_t n);

/* Whether an instruction count moved between two sets of counts by 1% or
 * PROFILE_MIN_CHANGE: whether a profile has anything to show. */
bool profile_wanted(const struct sample_set *a, const struct sample_set *b);

/* The profile as tables: for people on a terminal, in HTML (the report
 * page), in Markdown.  Nothing when no operation moved. */
void profile_print(FILE *f, const json_t *p);
void profile_html(FILE *f, const json_t *p);
void profile_markdown(FILE *f, const json_t *p);
/* Operations a profile shows. */
size_t profile_operations(const json_t *p);

/* The "profile" member of a results file (ab --instructions --out keeps
 * it in the B side's file), a new reference; NULL when there is none. */
json_t *profile_of_results(const char *path);
/* The revision a ringbench binary was built from (its --version) into
 * out: 0, or -1 when it does not say. */
int profile_revision_of(const char *ringbench, char *out, size_t n);

#endif
