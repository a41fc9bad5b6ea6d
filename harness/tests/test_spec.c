/* test_spec.c: option values and scenario files, good and bad: every bad
 * input is refused with a message (scenarios: "file:line: message"). */
#include "check.h"
#include "cli/spec.h"

#include <string.h>

static char err[512];

#define BAD(call, needle)                                                                          \
	do {                                                                                       \
		err[0] = 0;                                                                        \
		CHECK((call) != 0);                                                                \
		if (!strstr(err, needle)) {                                                        \
			fprintf(stderr, "%s:%d: message '%s' lacks '%s'\n", __FILE__, __LINE__,    \
				err, needle);                                                      \
			exit(1);                                                                   \
		}                                                                                  \
	} while (0)

static const char *data(const char *file)
{
	static char path[1024];
	snprintf(path, sizeof(path), "%s/%s", DATA_DIR, file);
	return path;
}

int main(void)
{
	struct spec_list l;
	uint64_t v;
	CHECK_EQ(spec_parse_bytes("4K", &v, err, sizeof(err)), 0);
	CHECK_EQ(v, 4096);
	CHECK_EQ(spec_parse_bytes("1MiB", &v, err, sizeof(err)), 0);
	CHECK_EQ(v, 1 << 20);
	BAD(spec_parse_bytes("3X", &v, err, sizeof(err)), "3X");
	BAD(spec_parse_bytes("-1", &v, err, sizeof(err)), "byte count");
	BAD(spec_parse_bytes("", &v, err, sizeof(err)), "byte count");

	CHECK_EQ(spec_parse_byte_list("8-1M", &l, err, sizeof(err)), 0);
	CHECK_EQ(l.n, 18); /* 8, 16, ... 1M */
	CHECK_EQ(l.v[0], 8);
	CHECK_EQ(l.v[17], 1 << 20);
	CHECK_EQ(spec_parse_byte_list("64, 4K,64", &l, err, sizeof(err)), 0);
	CHECK_EQ(l.n, 2); /* duplicates dropped */
	BAD(spec_parse_byte_list("64,,4K", &l, err, sizeof(err)), "empty");
	BAD(spec_parse_byte_list("4K-64", &l, err, sizeof(err)), "range");
	BAD(spec_parse_byte_list("0", &l, err, sizeof(err)), "more than 0");

	CHECK_EQ(spec_parse_wait_list("spin,futex", &l, err, sizeof(err)), 0);
	CHECK_EQ(l.n, 2);
	CHECK_EQ(spec_parse_wait_list("all", &l, err, sizeof(err)), 0);
	CHECK_EQ(l.n, 4);
	BAD(spec_parse_wait_list("spin,sleep", &l, err, sizeof(err)), "sleep");
	CHECK_EQ(spec_parse_transport_list("all", &l, err, sizeof(err)), 0);
	CHECK_EQ(l.n, T_COUNT);
	BAD(spec_parse_transport_list("tcp", &l, err, sizeof(err)), "tcp");

	int cpu[2];
	CHECK_EQ(spec_parse_cpus("0,1", cpu, err, sizeof(err)), 0);
	CHECK(cpu[0] == 0 && cpu[1] == 1);
	BAD(spec_parse_cpus("0", cpu, err, sizeof(err)), "two CPUs");
	BAD(spec_parse_cpus("0,1,2", cpu, err, sizeof(err)), "two CPUs");
	BAD(spec_parse_cpus("a,1", cpu, err, sizeof(err)), "whole number");
	CHECK_EQ(spec_parse_count("100K", &v, err, sizeof(err)), 0);
	CHECK_EQ(v, 100000);
	BAD(spec_parse_count("0", &v, err, sizeof(err)), "count");
	double d;
	BAD(spec_parse_seconds("0", &d, err, sizeof(err)), "duration");
	BAD(spec_parse_seconds("abc", &d, err, sizeof(err)), "duration");

	/* Checks across values. */
	struct spec s;
	spec_init(&s);
	BAD(spec_check(&s, err, sizeof(err)), "nothing to run");
	spec_mode_defaults(&s.mode[MODE_STREAM], MODE_STREAM);
	CHECK_EQ(spec_check(&s, err, sizeof(err)), 0);
	s.pairs[0][1] = s.cpu[1] = 4095;
	BAD(spec_check(&s, err, sizeof(err)), "CPU 4095 does not exist");
	s.pairs[0][1] = s.cpu[1] = 0;
	BAD(spec_check(&s, err, sizeof(err)), "same CPU");
	s.pairs[0][1] = s.cpu[1] = 1;
	s.mode[MODE_STREAM].sizes = (struct spec_list){1, {8}};
	BAD(spec_check(&s, err, sizeof(err)), "too small");
	s.mode[MODE_STREAM].sizes = (struct spec_list){1, {64}};
	s.mode[MODE_STREAM].capacities = (struct spec_list){1, {5000}};
	BAD(spec_check(&s, err, sizeof(err)), "power of two");

	/* Expansion: waits and capacities multiply only the ring's cases;
	 * sizes a ring cannot hold are skipped. */
	struct bench_case cases[64];
	s.mode[MODE_STREAM].capacities = (struct spec_list){2, {4096, 1 << 20}};
	s.mode[MODE_STREAM].sizes = (struct spec_list){2, {64, 4096}};
	s.mode[MODE_STREAM].waits = (struct spec_list){2, {RING_WAIT_SPIN, RING_WAIT_FUTEX}};
	s.mode[MODE_STREAM].transports = (struct spec_list){2, {T_RING, T_PIPE}};
	int n = spec_expand(&s, cases, 64, err, sizeof(err));
	/* ring: 2 waits x (64 in 4K and 1M, 4K only in 1M) = 6; pipe: 2 sizes */
	CHECK_EQ(n, 8);
	CHECK(strcmp(cases[0].name, "stream/wait:spin/size:64/capacity:4096/cpus:0,1") == 0);
	CHECK(strcmp(cases[7].name, "stream/transport:pipe/size:4096/cpus:0,1") == 0);
	/* Warm-up: a stream moves one lap of its ring first, at least 256. */
	CHECK_EQ(cases[0].warmup, 256);					 /* 4 KiB / 72 B: 57 */
	CHECK_EQ(cases[1].warmup, (1 << 20) / ring_record_size(64) + 1); /* 14564 */

	/* A transport that cannot run a mode is skipped when listed with
	 * others (`all`), and refused when it is all there is. */
	s.mode[MODE_STREAM].transports = (struct spec_list){2, {T_RING, T_LINE}};
	CHECK_EQ(spec_expand(&s, cases, 64, err, sizeof(err)), 6);
	s.mode[MODE_STREAM].transports = (struct spec_list){1, {T_LINE}};
	BAD(spec_check(&s, err, sizeof(err)), "line and work run pingpong only");
	spec_mode_defaults(&s.mode[MODE_PINGPONG], MODE_PINGPONG);
	s.mode[MODE_STREAM].enabled = false;
	s.mode[MODE_PINGPONG].transports = (struct spec_list){1, {T_LINE}};
	CHECK_EQ(spec_check(&s, err, sizeof(err)), 0);
	CHECK_EQ(spec_expand(&s, cases, 64, err, sizeof(err)), 1);
	CHECK(strcmp(cases[0].name, "pingpong/transport:line/size:64/cpus:0,1") == 0);
	CHECK_EQ(cases[0].warmup, 1000);

	/* Scenario files. */
	spec_init(&s);
	CHECK_EQ(scenario_load(data("good.ini"), &s, err, sizeof(err)), 0);
	CHECK_EQ(s.repetitions, 2);
	CHECK(s.mode[MODE_STREAM].enabled && s.mode[MODE_LATENCY].enabled);
	CHECK(!s.mode[MODE_PINGPONG].enabled);
	CHECK_EQ(s.mode[MODE_LATENCY].rates.n, 2);
	CHECK_EQ(s.mode[MODE_LATENCY].rates.v[1], 100000);
	CHECK(strcmp(s.scenario, "good") == 0);
	BAD(scenario_load(data("unknown_key.ini"), &s, err, sizeof(err)),
	    "unknown_key.ini:7: unknown key 'colour' in [stream]");
	BAD(scenario_load(data("bad_value.ini"), &s, err, sizeof(err)),
	    "bad_value.ini:8: size = '12Q' is not a byte count");
	BAD(scenario_load(data("unknown_section.ini"), &s, err, sizeof(err)),
	    "unknown_section.ini:5: unknown section [streams]");
	BAD(scenario_load(data("missing_run.ini"), &s, err, sizeof(err)),
	    "missing_run.ini:4: missing section [run]");
	BAD(scenario_load(data("missing_mode.ini"), &s, err, sizeof(err)),
	    "missing_mode.ini:3: missing section");
	BAD(scenario_load(data("syntax.ini"), &s, err, sizeof(err)), "syntax.ini:3: syntax error");
	BAD(scenario_load(data("no_such_file.ini"), &s, err, sizeof(err)), "cannot read");
	/* The shipped scenarios parse. */
	static struct bench_case all[1024];
	const char *shipped[] = {"quick", "nightly", "visibility"};
	for (int i = 0; i < 3; i++) {
		spec_init(&s);
		if (scenario_load(shipped[i], &s, err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
		CHECK_EQ(spec_check(&s, err, sizeof(err)), 0);
		CHECK(spec_expand(&s, all, 1024, err, sizeof(err)) > 0);
	}
	printf("test_spec: ok\n");
	return 0;
}
