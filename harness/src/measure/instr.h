/* instr.h: instructions per ring operation, counted by callgrind on
 * ring_gbench's single-process operations: the figure machine states and
 * noise cannot move, compared as a count (1% is a change). */
#ifndef INSTR_H
#define INSTR_H

#include <jansson.h>
#include <stdbool.h>
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
/* The same, and callgrind's output of each operation and size is kept in
 * the folder keep (which exists), as instr_kept_file names it: what a
 * profile of the counts reads (judge/profile.h).  keep NULL: nothing kept. */
json_t *instr_measure_keep(const char *ring_gbench, const char *revision, const char *keep,
			   char *err, size_t n);

struct instr_case;
/* The same for the cases want says yes to (by their results' name,
 * instr_case_name's), and want NULL: all of them. */
json_t *instr_measure_some(const char *ring_gbench, const char *revision, const char *keep,
			   bool (*want)(const char *name, void *arg), void *arg, char *err,
			   size_t n);

/* One operation and size that is counted: op's name, the message size,
 * and the messages one counted operation moves (16 for batch16: a count is
 * per message, over INSTR_ITERATIONS x per). */
struct instr_case {
	const char *op;
	int size;
	int per;
};

/* The i-th case counted, in the order of the results: 0, or -1 past the
 * last. */
int instr_case_at(size_t i, struct instr_case *c);
/* A case's name in the results: instructions/OP/size:N. */
void instr_case_name(const struct instr_case *c, char *out, size_t n);
/* Where instr_measure_keep keeps a case's callgrind output in dir. */
void instr_kept_file(const char *dir, const struct instr_case *c, char *out, size_t n);

/* What the CMake build folder a ring_gbench lies in says of itself (its
 * CMakeCache.txt, found in the tool's folder or up to three above): the
 * source tree it was configured from (CMAKE_HOME_DIRECTORY) and its build
 * type ("" when unset).  0, or -1 when the tool lies in no build folder
 * (copied, installed, or kept alone). */
int instr_build_info(const char *ring_gbench, char *src, size_t sn, char *type, size_t tn);

#endif
