/* test_gbench.c: the C shim from C: registration with arguments, manual
 * time, counters, bytes and items, skip-with-error, fixed iterations, run
 * with Google Benchmark's own options, and the JSON it writes read back.
 * No timing is asserted: manual time is what the function says it was. */
#include "gbench.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int failures;
#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);      \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

static int seen_arg[3];

static void bm_args(gbench_state *s, void *arg)
{
	CHECK(strcmp((const char *)arg, "hello") == 0);
	int64_t v = gbench_range(s, 0);
	if (v >= 1 && v <= 2)
		seen_arg[v]++;
	volatile int64_t sink = 0;
	while (gbench_keep_running(s))
		sink += v;
	(void)sink;
	gbench_set_items(s, gbench_iterations(s) * v);
	gbench_set_bytes(s, gbench_iterations(s) * 64);
	gbench_counter(s, "plain", 42, GBENCH_COUNTER_PLAIN);
	gbench_counter(s, "per_iter", (double)gbench_iterations(s) * 3,
		       GBENCH_COUNTER_PER_ITERATION);
	gbench_label(s, "a label");
}

static void bm_manual(gbench_state *s, void *arg)
{
	(void)arg;
	while (gbench_keep_running(s)) {
		gbench_pause(s);
		gbench_resume(s);
		gbench_set_iteration_time(s, 0.002); /* 2 ms, whatever the clock says */
	}
}

static void bm_error(gbench_state *s, void *arg)
{
	(void)arg;
	gbench_skip_with_error(s, "no such device: skipped");
	while (gbench_keep_running(s))
		;
}

static json_t *find(json_t *benchmarks, const char *name)
{
	size_t i;
	json_t *e;
	json_array_foreach(benchmarks, i, e)
	{
		const char *n = json_string_value(json_object_get(e, "name"));
		if (n && strcmp(n, name) == 0)
			return e;
	}
	return NULL;
}

static double num(json_t *e, const char *k)
{
	json_t *v = json_object_get(e, k);
	return json_is_number(v) ? json_number_value(v) : -1;
}

int main(void)
{
	char out[] = "/tmp/test_gbench.XXXXXX";
	int fd = mkstemp(out);
	CHECK(fd >= 0);
	close(fd);
	gbench_bench *b = gbench_register("t/args", bm_args, "hello");
	gbench_arg_name(b, "v");
	gbench_arg(b, 1);
	gbench_arg(b, 2);
	gbench_fixed_iterations(b, 1000);
	b = gbench_register("t/range", bm_args, "hello");
	gbench_range_multiplier(b, 4);
	gbench_ranges(b, 1, 64); /* 1 4 16 64 */
	gbench_fixed_iterations(b, 10);
	b = gbench_register("t/manual", bm_manual, NULL);
	gbench_use_manual_time(b);
	gbench_fixed_iterations(b, 5);
	b = gbench_register("t/error", bm_error, NULL);
	gbench_fixed_iterations(b, 5);
	gbench_add_context("shim_test", "yes");
	char opt_out[80];
	snprintf(opt_out, sizeof(opt_out), "--benchmark_out=%s", out);
	char *argv[] = {"test_gbench", opt_out, "--benchmark_out_format=json",
			"--benchmark_repetitions=2", NULL};
	int rc = gbench_main(4, argv);
	CHECK(rc == 1); /* t/error reported an error */
	CHECK(seen_arg[1] >= 2 && seen_arg[2] >= 2);

	json_error_t je;
	json_t *doc = json_load_file(out, 0, &je);
	unlink(out);
	CHECK(doc != NULL);
	if (!doc)
		return 1;
	json_t *ctx = json_object_get(doc, "context"), *bs = json_object_get(doc, "benchmarks");
	CHECK(strcmp(json_string_value(json_object_get(ctx, "shim_test")), "yes") == 0);
	json_t *e = find(bs, "t/args/v:2/iterations:1000");
	CHECK(e != NULL);
	if (e) {
		CHECK(num(e, "iterations") == 1000);
		CHECK(num(e, "plain") == 42);
		CHECK(num(e, "per_iter") == 3);
		CHECK(num(e, "items_per_second") > 0);
		CHECK(num(e, "bytes_per_second") > 0);
		CHECK(strcmp(json_string_value(json_object_get(e, "label")), "a label") == 0);
		/* items: 2 per iteration, bytes: 64, so their rates are 1:32 */
		double ratio = num(e, "bytes_per_second") / num(e, "items_per_second");
		CHECK(ratio > 31.99 && ratio < 32.01);
	}
	CHECK(find(bs, "t/args/v:1/iterations:1000") != NULL);
	for (int v = 1; v <= 64; v *= 4) {
		char name[32];
		snprintf(name, sizeof(name), "t/range/%d/iterations:10", v);
		CHECK(find(bs, name) != NULL);
	}
	CHECK(find(bs, "t/range/2/iterations:10") == NULL);
	e = find(bs, "t/manual/iterations:5/manual_time");
	CHECK(e != NULL);
	if (e) {
		CHECK(strcmp(json_string_value(json_object_get(e, "time_unit")), "ns") == 0);
		CHECK(num(e, "real_time") > 1999999 && num(e, "real_time") < 2000001);
	}
	e = find(bs, "t/error/iterations:5");
	CHECK(e != NULL);
	if (e) {
		CHECK(json_is_true(json_object_get(e, "error_occurred")));
		CHECK(strcmp(json_string_value(json_object_get(e, "error_message")),
			     "no such device: skipped") == 0);
	}
	/* --benchmark_repetitions=2 reached every benchmark: aggregates */
	CHECK(find(bs, "t/args/v:2/iterations:1000_median") != NULL);
	json_decref(doc);

	/* An option Google Benchmark does not know is refused. */
	char *bad[] = {"test_gbench", "--benchmark_no_such_option=1", NULL};
	CHECK(gbench_main(2, bad) == 2);
	if (failures == 0)
		printf("test_gbench: ok\n");
	return failures ? 1 : 0;
}
