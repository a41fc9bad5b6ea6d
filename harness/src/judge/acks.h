/* acks.h: acknowledged regressions.  A regression accepted as a deliberate
 * trade (`ringbench ack`) is kept with the machine's baseline, with the
 * reason, the change it accepts and, optionally, when it ends: a verdict
 * then calls that figure "acknowledged" (V_ACKED) and passes, until the
 * acknowledgement expires (a date, or a revision the checked build
 * contains) or the figure moves beyond the accepted change by its
 * threshold, when it is a regression again and its note says why.
 *
 * Where: in the results store with the machine's baseline (acks_set_store),
 * or, for --baseline FILE, in FILE's sibling FILE.acks.json; both hold
 *   {"acknowledgements": [{"case": "...", "figure": "items_per_second",
 *     "reason": "...", "change": -0.12, "until": "2027-01-31" | "REV",
 *     "until_commit": "<full hash of REV>", "acknowledged": "<UTC time>",
 *     "revision": "<the revision whose regression it accepts>"}]} */
#ifndef ACKS_H
#define ACKS_H

#include "judge/sample.h"
#include "judge/verdict.h"
#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* What a verdict made of an acknowledgement (acks_apply). */
enum ack_outcome {
	ACK_UNUSED,   /* no regression of its case and figure in this verdict */
	ACK_APPLIED,  /* its regression is acknowledged */
	ACK_EXPIRED,  /* its regression fails again: the acknowledgement expired */
	ACK_EXCEEDED, /* its regression fails again: it moved beyond the change accepted */
};

/* Room for a full commit: SHA-256's 64 hex digits (SHA-1's 40) and the
 * NUL. */
#define ACKS_COMMIT_SIZE 65

struct ack {
	char *case_name; /* the case, as the tables name it */
	enum fig fig;
	char *reason;
	/* the change accepted, relative, signed as the figure moves: -0.12 a
	 * rate 12% lower, +0.2 a time 20% longer; above -1 */
	double change;
	char until[128];		     /* "" for no end, a date YYYY-MM-DD, or a revision */
	char until_commit[ACKS_COMMIT_SIZE]; /* the revision's full commit; "" for a date */
	char acked[32];			     /* when it was acknowledged, UTC */
	char revision[128];		     /* the checked revision whose regression it accepts */
	/* set by acks_apply */
	enum ack_outcome outcome;
	bool expired;
	char why[320]; /* when expired: since when, or why it is taken as expired */
};

struct ack_set {
	struct ack *v;
	int n;
};

/* Whether the checked build contains a commit: 1 yes, 0 no, -1 it cannot
 * be told (why says so). */
typedef int (*acks_contains_fn)(const char *commit, const char *checked, char *why, size_t n);

struct ack_context {
	time_t now;		   /* a date ends at 00:00 UTC of its day */
	const char *checked;	   /* the checked results' git revision ("abc1234[-dirty]") */
	acks_contains_fn contains; /* NULL: acks_git_contains */
};

/* A figure by the tables' label ("msgs/s") or its JSON key
 * ("items_per_second"): 0, or -1.  acks_fig_names lists every one. */
int acks_parse_fig(const char *name, enum fig *out);
void acks_fig_names(char *out, size_t n);

/* The change of a verdict's row, relative (a count's change over its base),
 * and the row's threshold, relative; NaN where there is none. */
double acks_row_change(const struct judge_row *r);
double acks_row_threshold(const struct judge_row *r);
/* Whether a relative change of figure f is in its worse direction. */
bool acks_is_worse(enum fig f, double change);

/* Whether until is a date (shaped YYYY-MM-DD exactly: anything else, a
 * tag such as 2024-01 included, is a revision), and whether it is a valid
 * one. */
bool acks_until_is_date(const char *until);
bool acks_date_valid(const char *date);

/* When a ends, for people: "no end", "2027-01-31", "v2.0 (1a2b3c4d5e6f)". */
void acks_until_text(const struct ack *a, char *out, size_t n);
/* What the last acks_apply made of a, in a few words: "acknowledged",
 * "regression again: expired on 2027-01-31", "not a regression in this
 * run". */
void acks_outcome_text(const struct ack *a, char *out, size_t n);

/* The results store that holds the machines' baselines (NULL: none):
 * while one is set, acks_file names a machine's own baseline's
 * acknowledgements in it ("<store> (acknowledgements of <machine-id>)"),
 * and acks_load and acks_save read and write them there.  The name stands
 * for the place wherever a file's path did (judging.h's acks_file). */
void acks_set_store(struct store *s);
/* Read a machine's acknowledgements from the store set now, so that
 * acks_load gives them later without asking it again (a check whose store
 * goes away while it measures still judges with them).  0, or -1 with
 * err. */
int acks_preload(const char *machine_id, char *err, size_t n);
/* Where a baseline's acknowledgements are kept: baseline (--baseline FILE)
 * with .json replaced by .acks.json; else the machine's in the store set
 * (acks_set_store), or without one <machine-id>.acks.json in the
 * baselines' folder.  0, or -1 if it does not fit in n or machine_id is no
 * file name (baseline_id_valid). */
int acks_file(char *out, size_t n, const char *baseline, const char *machine_id);
/* Where check keeps its last verdict for `ack` to take the change from:
 * FILE's .last-verdict.json beside --baseline FILE, else
 * <machine-id><kind>.last-verdict.json among the runs (results/runs/:
 * ignored by git, where the baselines' folder is committed); kind is "" or
 * ".instructions".  0, or -1 if it does not fit in n or machine_id is no
 * file name (baseline_id_valid). */
int acks_verdict_file(char *out, size_t n, const char *baseline, const char *machine_id,
		      const char *kind);

/* Read the acknowledgements at path (a file, or acks_file's name of a
 * place in the store); a missing file is an empty set.  0, or -1 with one
 * sentence in err (nothing left to free). */
int acks_load(const char *path, struct ack_set *s, char *err, size_t n);
/* Write them to path atomically, making its folder (or into the store, in
 * one transaction).  0, or -1 with err. */
int acks_save(const struct ack_set *s, const char *path, char *err, size_t n);
/* Add a copy of a, in place of one of the same case and figure: 0 added,
 * 1 replaced, -1 out of memory. */
int acks_put(struct ack_set *s, const struct ack *a);
/* Remove the one of this case and figure: 0, or -1 if there is none. */
int acks_remove(struct ack_set *s, const char *case_name, enum fig fig);
struct ack *acks_find(const struct ack_set *s, const char *case_name, enum fig fig);
void acks_free(struct ack_set *s);

/* Git, in the source tree this ringbench was built from: the full commit
 * a revision names (0, or -1), and whether checked contains commit
 * (merge-base --is-ancestor: 1, 0, or -1 with why). */
int acks_git_commit(const char *rev, char *out, size_t n);
int acks_git_contains(const char *commit, const char *checked, char *why, size_t n);

/* Whether a has expired: 0, or 1 with since when in why; an end that
 * cannot be decided (no git, a revision git does not know) counts as
 * expired, so that the regression fails again with the reason said. */
int acks_expired(const struct ack *a, const struct ack_context *ctx, char *why, size_t n);

/* Acknowledge the regressions of j that s accepts: each V_REGRESSION row
 * whose case and figure match an unexpired acknowledgement that its change
 * has not moved beyond (by the row's threshold) becomes V_ACKED with the
 * reason in its note; an expired or exceeded one stays a regression with
 * a note saying so.  j's counts and status are recomputed, and each
 * acknowledgement's outcome set.  Returns the rows acknowledged. */
int acks_apply(struct judgement *j, struct ack_set *s, const struct ack_context *ctx);

#endif
