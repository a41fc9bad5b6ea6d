/* commands.h: every ringbench command (one file each, listed in main.c's
 * table, as git does) and the little they share. */
#ifndef COMMANDS_H
#define COMMANDS_H

/* Each takes the arguments after "ringbench": argv[0] is the command name. */
int cmd_measure(int argc, char **argv); /* stream, pingpong, latency, run */

int cmd_baseline(int argc, char **argv);       /* baseline save | show */
int cmd_compare(int argc, char **argv);	       /* compare BASE CURRENT */
int cmd_check(int argc, char **argv);	       /* check [SCENARIO...] */
int cmd_ab(int argc, char **argv);	       /* ab BASE [HEAD] [SCENARIO...] */
int cmd_doctor(int argc, char **argv);	       /* doctor */
int cmd_system(int argc, char **argv);	       /* system */
int cmd_history(int argc, char **argv);	       /* history */
int cmd_plot(int argc, char **argv);	       /* plot RESULTS */
int cmd_report(int argc, char **argv);	       /* report RESULTS */
int cmd_startup(int argc, char **argv);	       /* startup */
int cmd_sweep(int argc, char **argv);	       /* sweep */
int cmd_gbench(int argc, char **argv);	       /* gbench [SCENARIO] [--benchmark_*] */
int cmd_startup_worker(int argc, char **argv); /* __startup: one timed process */

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct spec;
struct history;
struct bench_case;
struct bench_run;

/* The table's reference ratio (cmd_measure.c): ours over ref, from reps
 * rounds (ours[i] and ref[i] of round i), the median over the rounds of the
 * machine state most rounds were in, each round's two taken in one state;
 * NaN when none; *rounds how many counted. */
double table_state_ratio(const struct bench_case *c, const struct bench_run *ours,
			 const struct bench_run *ref, int reps, int *rounds);
struct history_analysis;

/* This machine's baseline file: $RINGBENCH_BASELINES or
 * results/baselines, then <machine-id>.json. */
void baseline_file(char *out, size_t n, const char *machine_id);
/* Its startup baseline (ringbench startup): <machine-id>.startup.json. */
void startup_baseline_file(char *out, size_t n, const char *machine_id);
/* How startup times are judged: check's rules with a floor of
 * STARTUP_FLOOR.  Whole process starts move between runs by more than
 * within one: five runs of one unchanged build here put the spin start's
 * median at 2.00, 2.23, 2.00, 2.24 and 2.43 ms, +-10% around the baseline's
 * 2.23, each run's own spread about 3%; a 5% floor failed one run in five.
 * The floor is twice that movement: startup catches a setup cost that grew
 * by a fifth or more, not a few percent. */
#define STARTUP_FLOOR 0.20
struct judge_opts;
void startup_judge_opts(struct judge_opts *o);

/* The history folder: $RINGBENCH_HISTORY, or results/history/<machine-id>. */
void history_dir(char *out, size_t n);
/* The new steps of an analysed history, one line each in *out (malloc'd),
 * regressions first (*nreg of them), then other new steps, then tonight's
 * candidates.  Returns the number of lines, or -1. */
int history_lines(const struct history *h, const struct history_analysis *a, char ***out,
		  int *nreg);

/* Read scenario files (names or paths) into one matrix; 0, or exit code 2
 * with the message printed. */
int cli_load_scenarios(int n, char **names, struct spec *out);

/* Print "ringbench: MESSAGE" and a pointer to --help; returns exit code 2. */
int cli_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
