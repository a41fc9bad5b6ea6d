/* judging.h: what the verdict commands (baseline, compare, check, ab)
 * share: their options, a scenario's cases, the run's file and the
 * machine's notes, and a verdict judged and written out. */
#ifndef JUDGING_H
#define JUDGING_H

#include "cli/spec.h"
#include "judge/sample.h"
#include "judge/verdict.h"
#include "judge/writeup.h"
#include "measure/bench.h"
#include "measure/session.h"
#include "report/formats.h"

#include <stdbool.h>
#include <stddef.h>

/* The repetitions a verdict needs: a rank test between two groups of 5 can
 * reach p 0.008; pairs need 8 (2/2^8); a run's median in a state needs
 * JUDGE_RUN_MIN_REPS.  Machine states split them, so a margin on top. */
#define CHECK_MIN_REPS 10
/* Pairs an interleaved verdict (ab, check interleaved) takes by default. */
#define AB_MIN_REPS 20

/* The options every verdict command's --help lists (a printf format: %s
 * is the default floor), and what its exit status means. */
extern const char *const judging_options;
extern const char *const judging_exit_text;

struct jcli {
	struct judge_opts opts;
	bool all;
	const char *markdown, *junit, *json;
	struct formats_paths formats; /* --bmf, --github-benchmark, --csv */
	/* check and ab */
	const char *baseline;
	const char *out;
	const char *history; /* check --history DIR: refused (the history is in the store) */
	const char *store;   /* --store WHERE: the results store (store_default_where) */
	bool no_history;
	bool instructions;	    /* check/ab --instructions: callgrind counts instead */
	const char *method;	    /* check --method */
	const char *baseline_build; /* check --baseline-build EXE */
	bool within_run;	    /* compare --within-run */
	int repetitions;	    /* 0: the command's default */
	int cpu[2];
	bool cpus_given;
	struct bench_limits lim;
	bool help;
	const char *results; /* check --results FILE: judged instead of a run */
	/* check: the acknowledgements applied to the verdict (acks.h) and
	 * where the verdict is kept for `ringbench ack`; "" for none */
	char acks_file[1200], last_verdict[1200];
};

/* A threshold: "5%", "5" (percent) or "0.05", at most 1000%; and a
 * significance, between 0 and 0.5.  0, or -1 when it is not one. */
int judging_fraction(const char *s, double *out);
int judging_alpha(const char *s, double *out);

/* Options shared by compare, check and ab (argv[0] the command's name;
 * running: check or ab, which run cases); positional arguments are left in
 * argv[*first..argc).  0, or exit code 2 with the message printed. */
int judging_args(int argc, char **argv, struct jcli *j, int *first, bool running);

/* The cases of the scenarios named (dflt if none), with j's repetitions
 * and CPUs; *cases is malloc'd.  The number of cases, or minus an exit
 * code with the message printed. */
int judging_cases(int nscen, char **scen, const char *dflt, const struct jcli *j, struct spec *spec,
		  struct bench_case **cases);

/* Judge cur against base, apply the acknowledgements in j->acks_file,
 * print the table and write j's --markdown, --junit, --json, --bmf,
 * --github-benchmark and --csv, and the verdict into j->last_verdict.
 * history, if not NULL, adds its machine note and history lines to the
 * outputs.  Returns the exit status. */
int judging_report(const struct jcli *j, const char *command, const struct sample_set *base,
		   const struct sample_set *cur, const char *labels[2], double seconds,
		   struct judgement *jd, const struct writeup_meta *history);

/* The figures of cur (and the verdict jd on them, or NULL for a run
 * alone) into each file p names: 0, or exit code 2 with a line said for
 * each file that cannot be written. */
int judging_formats(const struct formats_paths *p, const struct sample_set *cur,
		    const struct judgement *jd);

/* The same for document b of a session, a run alone (run, stream,
 * pingpong, latency; check's first run, which becomes the baseline):
 * returns rc, or exit code 2 when a file cannot be written. */
int judging_session_formats(const struct formats_paths *p, struct session *ss, int b, int rc);

/* Set j's acks_file and last_verdict for a check against the baseline
 * j->baseline names, else the machine's; kind: "" for timed figures,
 * ".instructions" for instruction counts.  judging_report then applies
 * the acknowledgements and keeps the verdict. */
void judging_acks_beside(struct jcli *j, const char *machine_id, const char *kind);

/* Where a run is kept when no --out is given: results/runs/WHAT-STAMP.json
 * in the source tree, or /tmp when that cannot be written. */
void judging_runs_path(char *out, size_t n, const char *what);

/* ringbench system's notes, into every document of the session and on
 * stdout beside the verdict. */
void judging_note_system(struct session *ss);

/* Build b's document of the session as a sample set; 0, or exit code 2
 * with the message printed. */
int judging_sample_of(struct session *ss, int b, const char *label, struct sample_set *out);

/* SIGINT, SIGTERM and SIGHUP set bench_interrupted while a build or a run
 * is under way, so that it stops at the next step and its worktree and
 * temporary folder are removed. */
void judging_catch_signals(void);

#endif
