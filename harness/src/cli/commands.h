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
int cmd_bisect(int argc, char **argv);	       /* bisect GOOD BAD [SCENARIO] */
int cmd_ack(int argc, char **argv);	       /* ack CASE FIGURE --reason TEXT */
int cmd_doctor(int argc, char **argv);	       /* doctor */
int cmd_system(int argc, char **argv);	       /* system */
int cmd_history(int argc, char **argv);	       /* history */
int cmd_store(int argc, char **argv);	       /* store import | export | info */
int cmd_dashboard(int argc, char **argv);      /* dashboard --out DIR */
int cmd_plot(int argc, char **argv);	       /* plot RESULTS */
int cmd_report(int argc, char **argv);	       /* report RESULTS */
int cmd_startup(int argc, char **argv);	       /* startup */
int cmd_sweep(int argc, char **argv);	       /* sweep */
int cmd_gbench(int argc, char **argv);	       /* gbench [SCENARIO] [--benchmark_*] */
int cmd_startup_worker(int argc, char **argv); /* __startup: one timed process */

#endif
