/* commands.h: every ringbench command (one file each, listed in main.c's
 * table, as git does) and the little they share. */
#ifndef COMMANDS_H
#define COMMANDS_H

/* Each takes the arguments after "ringbench": argv[0] is the command name. */
int cmd_measure(int argc, char **argv); /* stream, pingpong, latency, run */

/* Print "ringbench: MESSAGE" and a pointer to --help; returns exit code 2. */
int cli_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
