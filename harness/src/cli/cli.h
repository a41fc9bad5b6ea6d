/* cli.h: what every command uses (cli.c). */
#ifndef CLI_H
#define CLI_H

#include "cli/spec.h"
#include "report/charts.h"

#include <stdbool.h>

/* Print "ringbench: MESSAGE" and a pointer to --help; returns exit code 2. */
int cli_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Read scenario files (names or paths) into one matrix; 0, or exit code 2
 * with the message printed. */
int cli_load_scenarios(int n, char **names, struct spec *out);

/* plot's and report's options (argv[0] the command's name; report: it
 * takes --startup too) into c; 0, or an exit code with the message printed
 * (-1 after --help, which prints help). */
int cli_chart_args(int argc, char **argv, struct charts *c, const char *help, bool report);

#endif
