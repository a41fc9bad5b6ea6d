/* test_json.c: the results writer against a reader.  Without arguments it
 * writes a document with known figures and reads it back, and checks that a
 * figure JSON cannot hold (NaN, infinity) or a name that is not UTF-8 is an
 * error naming the field, never a silently missing entry.  With a path it
 * checks that a file ringbench wrote is Google Benchmark JSON with
 * ringbench's fields and real figures: every repetition moved messages in a
 * measured window after its warm-up. */
#include "check.h"
#include "measure/results.h"

#include <jansson.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

static const char *str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_string(v)) {
		fprintf(stderr, "field '%s' is missing or not a string\n", key);
		exit(1);
	}
	return json_string_value(v);
}

static double num(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_number(v)) {
		fprintf(stderr, "field '%s' is missing or not a number\n", key);
		exit(1);
	}
	return json_number_value(v);
}

/* The schema every results file must follow; returns the entries. */
static size_t check_schema(json_t *doc)
{
	CHECK(json_is_object(doc));
	json_t *ctx = json_object_get(doc, "context");
	CHECK(json_is_object(ctx));
	const char *keys[] = {"date",	"host_name",	  "executable", "machine_id",	"cpu_model",
			      "kernel", "virtualization", "cpus",	"git_revision", "scenario",
			      "clock",	"clock_choice",	  "window"};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		(void)str(ctx, keys[i]);
	CHECK(num(ctx, "num_cpus") >= 1);
	CHECK(num(ctx, "cores") >= 1);
	/* Which clock, and how fine. */
	const char *clock = str(ctx, "clock");
	CHECK(strcmp(clock, "tsc") == 0 || strcmp(clock, "monotonic") == 0);
	CHECK(num(ctx, "clock_resolution_ns") > 0 && num(ctx, "clock_resolution_ns") < 1000);
	CHECK(num(ctx, "clock_hz") > 0);
	CHECK(strstr(str(ctx, "clock_choice"), clock) == str(ctx, "clock_choice"));
	CHECK(strstr(str(ctx, "window"), "warm") != NULL);
	CHECK(strstr(str(ctx, "state_probe"), "state_before_ns") != NULL);
	json_t *b = json_object_get(doc, "benchmarks");
	CHECK(json_is_array(b));
	size_t i;
	json_t *e;
	json_array_foreach(b, i, e)
	{
		const char *rt = str(e, "run_type");
		CHECK(strcmp(rt, "iteration") == 0 || strcmp(rt, "aggregate") == 0);
		CHECK(strcmp(str(e, "time_unit"), "ns") == 0);
		(void)str(e, "name");
		(void)str(e, "run_name");
		CHECK(num(e, "iterations") >= 0);
		CHECK(num(e, "real_time") >= 0);
		CHECK(num(e, "cpu_time") >= 0);
		CHECK(num(e, "items_per_second") >= 0);
		CHECK(num(e, "producer_cpu_ns_per_msg") >= 0);
		CHECK(num(e, "consumer_cpu_ns_per_msg") >= 0);
		CHECK(num(e, "repetitions") >= 1);
		if (json_is_true(json_object_get(e, "error_occurred")))
			continue;
		/* A real measurement: messages moved in a window after a
		 * warm-up, at a rate, with a round trip or latency when the mode
		 * has one. */
		CHECK(num(e, "iterations") > 0);
		CHECK(num(e, "items_per_second") > 0);
		CHECK(num(e, "real_time") > 0);
		CHECK(num(e, "window_seconds") > 0);
		CHECK(num(e, "warmup_messages") > 0);
		if (strcmp(str(e, "mode"), "stream") != 0) {
			CHECK(num(e, "p50_ns") > 0);
			CHECK(num(e, "p50_ns") <= num(e, "p75_ns"));
			CHECK(num(e, "p75_ns") <= num(e, "p90_ns"));
			CHECK(num(e, "p90_ns") <= num(e, "p95_ns"));
			CHECK(num(e, "p95_ns") <= num(e, "p99_ns"));
			CHECK(num(e, "p99_ns") <= num(e, "p999_ns"));
			CHECK(num(e, "p999_ns") <= num(e, "p9999_ns"));
			CHECK(num(e, "p9999_ns") <= num(e, "max_ns"));
		}
		if (strcmp(rt, "aggregate") == 0) {
			CHECK(strcmp(str(e, "aggregate_name"), "median") == 0);
		} else {
			/* Every repetition carries the machine's state, probed on
			 * its own two CPUs before and after: a bare line's round
			 * trip, between 10 ns and 100 us on any machine. */
			CHECK(num(e, "state_before_ns") > 10 && num(e, "state_before_ns") < 1e5);
			CHECK(num(e, "state_after_ns") > 10 && num(e, "state_after_ns") < 1e5);
		}
	}
	return json_array_size(b);
}

/* The entries of a results file, and how many of each kind: with
 * `expect_cases`, every case must have `reps` repetitions and a median. */
static void check_counts(json_t *doc, int expect_cases, int reps)
{
	size_t i, iters = 0, medians = 0;
	json_t *e;
	json_array_foreach(json_object_get(doc, "benchmarks"), i, e)
	{
		if (strcmp(str(e, "run_type"), "iteration") == 0)
			iters++;
		else
			medians++;
	}
	CHECK_EQ(medians, expect_cases);
	CHECK_EQ(iters, (size_t)expect_cases * (size_t)reps);
}

/* What the writer refuses: a figure that is not finite, a name that is not
 * UTF-8.  The error names the case and the field. */
static void refusals(json_t *doc, struct bench_case *c, const struct bench_run *good)
{
	char err[256];
	size_t before = json_array_size(json_object_get(doc, "benchmarks"));
	struct bench_run r = *good;
	r.msgs_per_sec = NAN;
	CHECK_EQ(results_add_run(doc, c, &r, 0, 1, err, sizeof(err)), -1);
	CHECK(strstr(err, "items_per_second") && strstr(err, c->name));
	r = *good;
	r.syscalls_per_msg = INFINITY;
	CHECK_EQ(results_add_median(doc, c, &r, 1, err, sizeof(err)), -1);
	CHECK(strstr(err, "syscalls_per_msg") != NULL);
	struct bench_case bad = *c;
	snprintf(bad.name, sizeof(bad.name), "stream/\xff\xfe/size:64");
	CHECK_EQ(results_add_run(doc, &bad, good, 0, 1, err, sizeof(err)), -1);
	CHECK(strstr(err, "field name") != NULL);
	CHECK_EQ(results_add_failure(doc, c, "bad \xc3\x28 text", err, sizeof(err)), -1);
	CHECK(strstr(err, "error_message") != NULL);
	/* Nothing half-made was added. */
	CHECK_EQ(json_array_size(json_object_get(doc, "benchmarks")), before);
}

int main(int argc, char **argv)
{
	json_error_t jerr;
	if (argc >= 2) {
		json_t *doc = json_load_file(argv[1], 0, &jerr);
		if (!doc) {
			fprintf(stderr, "%s:%d: %s\n", argv[1], jerr.line, jerr.text);
			return 1;
		}
		CHECK(check_schema(doc) > 0);
		if (argc == 4)
			check_counts(doc, atoi(argv[2]), atoi(argv[3]));
		json_decref(doc);
		printf("test_json: %s ok\n", argv[1]);
		return 0;
	}
	struct machine m;
	machine_identify(&m);
	CHECK(m.cores >= 1 && m.id[0]);
	int cpus[2] = {0, 1};
	char err[256];
	struct bench_clock clk = {.kind = BENCH_CLOCK_TSC, .hz = 2.5e9, .resolution_ns = 0.4};
	json_t *doc = results_new(&m, cpus, "unit", &clk, "tsc: for the test", err, sizeof(err));
	CHECK(doc != NULL);
	clk.resolution_ns = NAN;
	CHECK(results_new(&m, cpus, "unit", &clk, "tsc", err, sizeof(err)) == NULL);
	CHECK(strstr(err, "clock_resolution_ns") != NULL);
	struct bench_case c = {.mode = MODE_PINGPONG,
			       .transport = T_RING,
			       .wait = RING_WAIT_FUTEX,
			       .size = 64,
			       .capacity = 65536,
			       .cpu = {0, 1},
			       .messages = 1000};
	bench_case_name(&c);
	struct bench_run r = {.messages = 1000,
			      .seconds = 0.04,
			      .bytes = 128000,
			      .msgs_per_sec = 25000.5,
			      .bytes_per_sec = 3.2e6,
			      .producer_cpu_ns = 12.5,
			      .consumer_cpu_ns = 13.5,
			      .syscalls_per_msg = 4,
			      .p50 = 36000,
			      .p75 = 40000,
			      .p90 = 45000,
			      .p95 = 60000,
			      .p99 = 70000,
			      .p999 = 100000,
			      .p9999 = 150000,
			      .max = 2000000,
			      .state_before_ns = 70.5,
			      .state_after_ns = 72.25};
	CHECK_EQ(results_add_run(doc, &c, &r, 0, 1, err, sizeof(err)), 0);
	CHECK_EQ(results_add_median(doc, &c, &r, 1, err, sizeof(err)), 0);
	refusals(doc, &c, &r);
	char path[] = "/tmp/test_json.XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	close(fd);
	CHECK_EQ(results_write(doc, path), 0);
	json_decref(doc);

	doc = json_load_file(path, 0, &jerr);
	unlink(path);
	CHECK(doc != NULL);
	CHECK_EQ(check_schema(doc), 2);
	json_t *e = json_array_get(json_object_get(doc, "benchmarks"), 0);
	CHECK(strcmp(str(e, "name"), "pingpong/wait:futex/size:64/capacity:65536/cpus:0,1") == 0);
	CHECK_EQ(num(e, "p50_ns"), 36000);
	CHECK_EQ(num(e, "max_ns"), 2000000);
	CHECK_EQ(num(e, "iterations"), 1000);
	CHECK(num(e, "items_per_second") == 25000.5);
	CHECK(num(e, "real_time") > 39999 && num(e, "real_time") < 40000); /* 1e9 / 25000.5 */
	CHECK(strcmp(str(e, "wait"), "futex") == 0);
	json_t *agg = json_array_get(json_object_get(doc, "benchmarks"), 1);
	CHECK(strcmp(str(agg, "name"),
		     "pingpong/wait:futex/size:64/capacity:65536/cpus:0,1_median") == 0);
	CHECK(strcmp(str(json_object_get(doc, "context"), "scenario"), "unit") == 0);
	CHECK(strcmp(str(json_object_get(doc, "context"), "clock"), "tsc") == 0);
	CHECK(num(e, "warmup_messages") == 1000); /* a pingpong warms up with 1,000 */
	json_decref(doc);
	printf("test_json: ok\n");
	return 0;
}
