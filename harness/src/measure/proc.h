/* proc.h: a program run and waited for: what the commands that drive git,
 * cmake and valgrind share.  Every one flushes our own output first, so
 * that a child that inherits stdout never repeats what we had not written
 * yet. */
#ifndef PROC_H
#define PROC_H

#include <stddef.h>

/* Run argv with its stdout and stderr appended to log (NULL: ours), its
 * stdin /dev/null, and wait: its exit code, 127 if it could not be
 * started, 128 if it died of a signal, -1 if no process could be made or
 * the log cannot be opened (errno says why). */
int proc_run(char *const argv[], const char *log);

/* Run argv with its stdout into a malloc'd, NUL-terminated buffer (its
 * length in *len), stderr and stdin /dev/null, and wait; its exit code as
 * proc_run's into *status.  NULL (and *status -1) when no process could be
 * made or out of memory. */
char *proc_capture(char *const argv[], size_t *len, int *status);

/* The first line of its output into out (cut to n - 1 bytes): its exit
 * code as proc_run's. */
int proc_capture_line(char *const argv[], char *out, size_t n);

#endif
