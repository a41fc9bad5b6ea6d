/* test_json.c: the results writer against a reader.  Without arguments it
 * writes a document with known figures and reads it back; with a path it
 * checks that a file ringbench wrote is Google Benchmark JSON with
 * ringbench's fields. */
#include "check.h"
#include "results.h"

#include <jansson.h>
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
			      "kernel", "virtualization", "cpus",	"git_revision", "scenario"};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		(void)str(ctx, keys[i]);
	CHECK(num(ctx, "num_cpus") >= 1);
	CHECK(num(ctx, "cores") >= 1);
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
		if (strcmp(str(e, "mode"), "stream") != 0) {
			CHECK(num(e, "p50_ns") <= num(e, "p90_ns"));
			CHECK(num(e, "p90_ns") <= num(e, "p99_ns"));
			CHECK(num(e, "p99_ns") <= num(e, "p999_ns"));
			CHECK(num(e, "p999_ns") <= num(e, "max_ns"));
		}
		if (strcmp(rt, "aggregate") == 0)
			CHECK(strcmp(str(e, "aggregate_name"), "median") == 0);
	}
	return json_array_size(b);
}

int main(int argc, char **argv)
{
	json_error_t jerr;
	if (argc == 2) {
		json_t *doc = json_load_file(argv[1], 0, &jerr);
		if (!doc) {
			fprintf(stderr, "%s:%d: %s\n", argv[1], jerr.line, jerr.text);
			return 1;
		}
		CHECK(check_schema(doc) > 0);
		json_decref(doc);
		printf("test_json: %s ok\n", argv[1]);
		return 0;
	}
	struct machine m;
	machine_identify(&m);
	CHECK(m.cores >= 1 && m.id[0]);
	int cpus[2] = {0, 1};
	json_t *doc = results_new(&m, cpus, "unit");
	struct bench_case c = {.mode = MODE_PINGPONG,
			       .transport = T_RING,
			       .wait = RING_WAIT_FUTEX,
			       .size = 64,
			       .capacity = 65536,
			       .cpu = {0, 1},
			       .messages = 1000};
	bench_case_name(&c);
	struct bench_run r = {.messages = 1000,
			      .bytes = 128000,
			      .msgs_per_sec = 25000.5,
			      .bytes_per_sec = 3.2e6,
			      .producer_cpu_ns = 12.5,
			      .consumer_cpu_ns = 13.5,
			      .syscalls_per_msg = 4,
			      .p50 = 36000,
			      .p90 = 45000,
			      .p99 = 70000,
			      .p999 = 100000,
			      .max = 2000000};
	results_add_run(doc, &c, &r, 0, 1);
	results_add_median(doc, &c, &r, 1);
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
	json_decref(doc);
	printf("test_json: ok\n");
	return 0;
}
