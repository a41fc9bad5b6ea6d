/* scenario.c: read a scenario file (INI, with libinih) into a spec.  Every
 * key is checked: an unknown key, a bad value or a missing section is an
 * error "file:line: message", reported before anything runs. */
#include "cli/spec.h"
#include "measure/bench.h"

#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef RINGBENCH_SCENARIO_DIR
#define RINGBENCH_SCENARIO_DIR "scenarios"
#endif

struct ctx {
	struct spec *s;
	bool seen_run;
	bool seen_mode[MODE_COUNT];
	char err[256]; /* the first error; ini_parse gives its line */
};

static int bad(struct ctx *x, const char *fmt, const char *a, const char *b)
{
	if (!x->err[0])
		snprintf(x->err, sizeof(x->err), fmt, a, b);
	return 0;
}

static int run_key(struct ctx *x, const char *key, const char *val, char *e, size_t en)
{
	struct spec *s = x->s;
	if (strcmp(key, "repetitions") == 0)
		return spec_parse_int(val, 1, 1000, &s->repetitions, e, en);
	if (strcmp(key, "warmup") == 0)
		return spec_parse_int(val, 0, 100, &s->warmup, e, en);
	if (strcmp(key, "cpus") == 0)
		return spec_parse_cpu_pairs(val, s, e, en);
	return 1; /* unknown */
}

static int mode_key(struct spec_mode *m, enum bench_mode mode, const char *key, const char *val,
		    char *e, size_t en)
{
	if (strcmp(key, "transport") == 0)
		return spec_parse_transport_list(val, &m->transports, e, en);
	if (strcmp(key, "wait") == 0)
		return spec_parse_wait_list(val, &m->waits, e, en);
	if (strcmp(key, "size") == 0)
		return spec_parse_byte_list(val, &m->sizes, e, en);
	if (strcmp(key, "capacity") == 0)
		return spec_parse_byte_list(val, &m->capacities, e, en);
	if (strcmp(key, "messages") == 0) {
		m->duration = 0;
		return spec_parse_count(val, &m->messages, e, en);
	}
	if (strcmp(key, "duration") == 0) {
		m->messages = 0;
		return spec_parse_seconds(val, &m->duration, e, en);
	}
	if (strcmp(key, "rate") == 0 && mode == MODE_LATENCY)
		return spec_parse_count_list(val, &m->rates, e, en);
	return 1;
}

static int handler(void *user, const char *section, const char *key, const char *val)
{
	struct ctx *x = user;
	char e[200];
	int rc;
	if (strcmp(section, "run") == 0) {
		x->seen_run = true;
		rc = run_key(x, key, val, e, sizeof(e));
	} else {
		enum bench_mode mode;
		if (bench_mode_parse(section, &mode))
			return bad(x, "unknown section [%s] (run, stream, pingpong, latency)%s",
				   section, "");
		struct spec_mode *m = &x->s->mode[mode];
		if (!x->seen_mode[mode]) {
			spec_mode_defaults(m, mode);
			x->seen_mode[mode] = true;
		}
		rc = mode_key(m, mode, key, val, e, sizeof(e));
	}
	if (rc > 0)
		return bad(x, "unknown key '%s' in [%s]", key, section);
	if (rc < 0)
		return bad(x, "%s = %s", key, e);
	return 1;
}

static int count_lines(const char *path)
{
	FILE *f = fopen(path, "r");
	int n = 0, c, last = '\n';
	if (!f)
		return 0;
	while ((c = fgetc(f)) != EOF) {
		if (c == '\n')
			n++;
		last = c;
	}
	fclose(f);
	return last == '\n' ? n : n + 1;
}

int scenario_load(const char *name, struct spec *s, char *err, size_t n)
{
	char path[1024];
	if (strchr(name, '/') || strstr(name, ".ini")) {
		snprintf(path, sizeof(path), "%s", name);
	} else {
		const char *env = getenv("RINGBENCH_SCENARIOS");
		char dir[900];
		if (env && env[0])
			snprintf(dir, sizeof(dir), "%s", env);
		else
			bench_data_dir("scenarios", RINGBENCH_SCENARIO_DIR, dir, sizeof(dir));
		snprintf(path, sizeof(path), "%s/%s.ini", dir, name);
	}
	struct ctx x = {.s = s};
	int line = ini_parse(path, handler, &x);
	if (line < 0) {
		snprintf(err, n, "%s: cannot read the scenario (%s)", path,
			 line == -1 ? "no such file or not readable" : "out of memory");
		return -1;
	}
	if (line > 0) {
		snprintf(err, n, "%s:%d: %s", path, line,
			 x.err[0] ? x.err : "syntax error (expected [section] or key = value)");
		return -1;
	}
	int last = count_lines(path);
	if (!x.seen_run) {
		snprintf(err, n, "%s:%d: missing section [run]", path, last);
		return -1;
	}
	bool any = false;
	for (int m = 0; m < MODE_COUNT; m++)
		any |= x.seen_mode[m];
	if (!any) {
		snprintf(err, n, "%s:%d: missing section: one of [stream], [pingpong], [latency]",
			 path, last);
		return -1;
	}
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	snprintf(s->scenario, sizeof(s->scenario), "%.*s", (int)sizeof(s->scenario) - 1, base);
	char *dot = strrchr(s->scenario, '.');
	if (dot && strcmp(dot, ".ini") == 0)
		*dot = 0;
	return 0;
}
