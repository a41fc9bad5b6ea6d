/* gbench.h: Google Benchmark for C code, without a line of C++.
 *
 * A C program registers functions, each run by Google Benchmark's own
 * runner with its own command line (--benchmark_filter, _repetitions,
 * _enable_random_interleaving, _format, _out, _context, _min_time...) and
 * reporters (console, JSON, CSV).  The C++ side (gbench.cc) is a thin
 * wrapper over libbenchmark; nothing here is specific to ringbench.
 *
 *   static void bm_copy(gbench_state *s, void *arg)
 *   {
 *       size_t n = (size_t)gbench_range(s, 0);
 *       while (gbench_keep_running(s))
 *           memcpy(dst, src, n);
 *       gbench_set_bytes(s, gbench_iterations(s) * (int64_t)n);
 *   }
 *   int main(int argc, char **argv)
 *   {
 *       gbench_bench *b = gbench_register("copy", bm_copy, NULL);
 *       gbench_range_multiplier(b, 8);
 *       gbench_ranges(b, 8, 65536);
 *       return gbench_main(argc, argv);
 *   }
 *
 * Each call through the shim is one function call more than the C++ API
 * (gbench_keep_running() once per iteration): a nanosecond or two, and a
 * few instructions, the same in every build being compared.
 */
#ifndef GBENCH_H
#define GBENCH_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
#define GBENCH_NOEXCEPT noexcept
extern "C" {
#else
#define GBENCH_NOEXCEPT
#endif

typedef struct gbench_state gbench_state; /* one run of one benchmark */
typedef struct gbench_bench gbench_bench; /* a registered benchmark */
typedef void (*gbench_fn)(gbench_state *s, void *arg);

/* ---- registration (before gbench_main) ---- */

/* Register fn under name; arg is passed to every run.  Returns the handle
 * the calls below configure (never NULL: out of memory aborts, as
 * libbenchmark does). */
gbench_bench *gbench_register(const char *name, gbench_fn fn, void *arg) GBENCH_NOEXCEPT;
/* One more argument set with a single value (gbench_range(s, 0) reads it). */
void gbench_arg(gbench_bench *b, int64_t v) GBENCH_NOEXCEPT;
/* Argument sets lo, lo*m, lo*m^2 ... hi (m: gbench_range_multiplier, 8 by
 * default), as Google Benchmark's Range(). */
void gbench_ranges(gbench_bench *b, int64_t lo, int64_t hi) GBENCH_NOEXCEPT;
void gbench_range_multiplier(gbench_bench *b, int m) GBENCH_NOEXCEPT;
/* The name of the argument in reports ("size" gives name/size:64). */
void gbench_arg_name(gbench_bench *b, const char *name) GBENCH_NOEXCEPT;
/* The function reports each iteration's time itself
 * (gbench_set_iteration_time): the reported time is that sum. */
void gbench_use_manual_time(gbench_bench *b) GBENCH_NOEXCEPT;
/* Exactly n iterations (no calibration), or at least this long. */
void gbench_fixed_iterations(gbench_bench *b, int64_t n) GBENCH_NOEXCEPT;
void gbench_min_time(gbench_bench *b, double seconds) GBENCH_NOEXCEPT;
/* Repetitions of this benchmark (the command line's applies otherwise). */
void gbench_repetitions(gbench_bench *b, int n) GBENCH_NOEXCEPT;

/* ---- inside a benchmark function ---- */

/* The iteration loop: true while another iteration is to run. */
bool gbench_keep_running(gbench_state *s) GBENCH_NOEXCEPT;
/* Argument i of this run's argument set. */
int64_t gbench_range(gbench_state *s, int i) GBENCH_NOEXCEPT;
/* Iterations run so far (after the loop: all of them). */
int64_t gbench_iterations(gbench_state *s) GBENCH_NOEXCEPT;
/* Stop and restart the clock (costly: not once per iteration of a fast
 * loop). */
void gbench_pause(gbench_state *s) GBENCH_NOEXCEPT;
void gbench_resume(gbench_state *s) GBENCH_NOEXCEPT;
/* With gbench_use_manual_time: the time of the iteration just run. */
void gbench_set_iteration_time(gbench_state *s, double seconds) GBENCH_NOEXCEPT;
/* Totals over the run: reported per second. */
void gbench_set_bytes(gbench_state *s, int64_t bytes) GBENCH_NOEXCEPT;
void gbench_set_items(gbench_state *s, int64_t items) GBENCH_NOEXCEPT;

/* How a user counter is reported (Google Benchmark's Counter flags). */
enum gbench_counter_kind {
	GBENCH_COUNTER_PLAIN = 0,	  /* as given */
	GBENCH_COUNTER_RATE = 1,	  /* divided by the run's time */
	GBENCH_COUNTER_PER_ITERATION = 2, /* divided by the iterations */
};
void gbench_counter(gbench_state *s, const char *name, double v,
		    enum gbench_counter_kind k) GBENCH_NOEXCEPT;
/* A label beside the result. */
void gbench_label(gbench_state *s, const char *label) GBENCH_NOEXCEPT;
/* Mark this run failed with a message (Google Benchmark's error state:
 * error_occurred in JSON); return from the function right after. */
void gbench_skip_with_error(gbench_state *s, const char *message) GBENCH_NOEXCEPT;

/* ---- running ---- */

/* A key and value for the JSON's context (beside --benchmark_context). */
void gbench_add_context(const char *key, const char *value) GBENCH_NOEXCEPT;
/* Parse Google Benchmark's options out of argv, run what the filter
 * selects, report.  Returns 0, or 2 for an option it does not know (named
 * on stderr) or when no benchmark matched the filter, or 1 when a run
 * reported an error. */
int gbench_main(int argc, char **argv) GBENCH_NOEXCEPT;

#ifdef __cplusplus
}
#endif

#endif
