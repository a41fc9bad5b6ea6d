/* instr.h: instructions per ring operation, counted by callgrind on
 * ring_gbench's single-process operations: the figure machine states and
 * noise cannot move, compared as a count (1% is a change). */
#ifndef INSTR_H
#define INSTR_H

#include <jansson.h>
#include <stddef.h>

/* Operations counted per run of ring_gbench --count (each op x size). */
#define INSTR_ITERATIONS 20000

/* The ring_gbench beside a ringbench binary (BUILD/harness/ringbench ->
 * BUILD/harness/gbench/ring_gbench) into out; 0, or -1 if there is none. */
int instr_tool_beside(const char *ringbench_exe, char *out, size_t n);

/* Count every operation with ring_gbench under valgrind's callgrind, and
 * return a results document (Google Benchmark's schema, one entry per
 * operation and size with instructions_per_op), its context naming
 * revision as the git revision (NULL: this tree's).  NULL with err (no valgrind, a failed run). */
json_t *instr_measure(const char *ring_gbench, const char *revision, char *err, size_t n);

#endif
