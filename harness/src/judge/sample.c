/* sample.c: results files read back for judging (sample.h). */
#include "judge/sample.h"

#include "measure/results.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct fig_info fig_info[FIG_COUNT] = {
    [FIG_RATE] = {"items_per_second", "msgs/s", +1, false},
    [FIG_TIME] = {"real_time", "time ns", -1, false},
    [FIG_P50] = {"p50_ns", "p50 ns", -1, false},
    [FIG_P99] = {"p99_ns", "p99 ns", -1, false},
    [FIG_PROD_CPU] = {"producer_cpu_ns_per_msg", "prod CPU ns", -1, false},
    [FIG_CONS_CPU] = {"consumer_cpu_ns_per_msg", "cons CPU ns", -1, false},
    [FIG_CPU] = {"cpu_time", "CPU ns", -1, false},
    [FIG_SYSCALLS] = {"syscalls_per_msg", "syscalls/msg", -1, true},
    [FIG_INSTR] = {"instructions_per_op", "instr/op", -1, true},
};

static int fail(char *err, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, n, fmt, ap);
	va_end(ap);
	return -1;
}

static void copy_str(json_t *obj, const char *key, char *out, size_t n)
{
	const char *s = json_string_value(json_object_get(obj, key));
	snprintf(out, n, "%s", s ? s : "");
}

static struct sample_case *find_or_add(struct sample_set *s, const char *name)
{
	for (int i = 0; i < s->ncases; i++)
		if (strcmp(s->cases[i].name, name) == 0)
			return &s->cases[i];
	struct sample_case *c = realloc(s->cases, (size_t)(s->ncases + 1) * sizeof(*c));
	if (!c)
		return NULL;
	s->cases = c;
	c = &s->cases[s->ncases];
	memset(c, 0, sizeof(*c));
	c->name = strdup(name);
	if (!c->name)
		return NULL;
	s->ncases++;
	return c;
}

/* Room for one more repetition in every array of c. */
static int grow(struct sample_case *c)
{
	size_t m = (size_t)c->n + 1;
	for (int f = 0; f < FIG_COUNT; f++) {
		double *v = realloc(c->v[f], m * sizeof(double));
		if (!v)
			return -1;
		c->v[f] = v;
	}
	double *st = realloc(c->state, m * sizeof(double));
	if (st)
		c->state = st;
	bool *sd = realloc(c->steady, m * sizeof(bool));
	if (sd)
		c->steady = sd;
	int *rep = realloc(c->rep, m * sizeof(int));
	if (rep)
		c->rep = rep;
	int *run = realloc(c->run, m * sizeof(int));
	if (run)
		c->run = run;
	return st && sd && rep && run ? 0 : -1;
}

/* A number field: 1 if present and numeric, 0 if absent, -1 if present
 * but not a finite number (message in err). */
static int number(json_t *e, const char *key, double *out, const char *label, const char *name,
		  char *err, size_t n)
{
	json_t *v = json_object_get(e, key);
	if (!v)
		return 0;
	if (!json_is_number(v))
		return fail(err, n, "%s: %s: %s is not a number", label, name, key);
	*out = json_number_value(v);
	if (!isfinite(*out))
		return fail(err, n, "%s: %s: %s is not finite", label, name, key);
	if (*out < 0)
		return fail(err, n, "%s: %s: %s is negative (%g)", label, name, key, *out);
	return 1;
}

static double unit_ns(const char *unit)
{
	if (!unit || strcmp(unit, "ns") == 0)
		return 1;
	if (strcmp(unit, "us") == 0)
		return 1e3;
	if (strcmp(unit, "ms") == 0)
		return 1e6;
	if (strcmp(unit, "s") == 0)
		return 1e9;
	return 0;
}

/* The index of the run named id, added if new; -1 out of memory, -2 past
 * SAMPLE_MAX_RUNS. */
static int run_index(struct sample_set *s, const char *id)
{
	for (int k = s->nruns - 1; k >= 0; k--)
		if (strcmp(s->run_ids[k], id) == 0)
			return k;
	if (s->nruns >= SAMPLE_MAX_RUNS)
		return -2;
	char **ids = realloc(s->run_ids, (size_t)(s->nruns + 1) * sizeof(*ids));
	if (!ids)
		return -1;
	s->run_ids = ids;
	if (!(ids[s->nruns] = strdup(id)))
		return -1;
	return s->nruns++;
}

/* One iteration entry into its case. */
static int add_entry(struct sample_set *s, json_t *e, int index, const char *label, char *err,
		     size_t n)
{
	const char *name = json_string_value(json_object_get(e, "name"));
	const char *run_name = json_string_value(json_object_get(e, "run_name"));
	const char *key = run_name ? run_name : name;
	struct sample_case *c = find_or_add(s, key);
	if (!c)
		return fail(err, n, "out of memory");
	if (s->ncases > SAMPLE_MAX_CASES || c->n >= SAMPLE_MAX_REPS)
		return fail(err, n, "%s: more than %d cases or %d repetitions of one: refused",
			    label, SAMPLE_MAX_CASES, SAMPLE_MAX_REPS);
	const char *mode = json_string_value(json_object_get(e, "mode"));
	if (mode)
		snprintf(c->mode, sizeof(c->mode), "%s", mode);
	if (json_is_true(json_object_get(e, "error_occurred"))) {
		c->failed = true;
		const char *msg = json_string_value(json_object_get(e, "error_message"));
		if (!c->error)
			c->error = strdup(msg ? msg : "(no error_message)");
		return 0;
	}
	if (grow(c))
		return fail(err, n, "out of memory");
	int i = c->n;
	bool has[FIG_COUNT] = {0};
	double v[FIG_COUNT] = {0};
	/* What each kind of file must have. */
	static const enum fig ringbench_needs[] = {FIG_RATE, FIG_PROD_CPU, FIG_CONS_CPU,
						   FIG_SYSCALLS};
	if (mode) {
		for (size_t k = 0; k < sizeof(ringbench_needs) / sizeof(ringbench_needs[0]); k++) {
			enum fig f = ringbench_needs[k];
			int rc = number(e, fig_info[f].key, &v[f], label, key, err, n);
			if (rc < 0)
				return -1;
			if (rc == 0)
				return fail(err, n, "%s: %s: missing field %s", label, key,
					    fig_info[f].key);
			has[f] = true;
		}
		if (strcmp(mode, "stream") != 0)
			for (enum fig f = FIG_P50; f <= FIG_P99; f++) {
				int rc = number(e, fig_info[f].key, &v[f], label, key, err, n);
				if (rc < 0)
					return -1;
				if (rc == 0)
					return fail(err, n, "%s: %s: missing field %s", label, key,
						    fig_info[f].key);
				has[f] = true;
			}
		/* A latency run's rate is the one it was told to keep. */
		if (strcmp(mode, "latency") == 0)
			has[FIG_RATE] = false;
	} else if (json_object_get(e, "instructions_per_op")) {
		/* An instruction count (ringbench check/ab --instructions): a
		 * count, with no time beside it. */
		int rc = number(e, "instructions_per_op", &v[FIG_INSTR], label, key, err, n);
		if (rc < 0)
			return -1;
		has[FIG_INSTR] = true;
	} else {
		/* Any Google Benchmark entry: real_time and cpu_time in
		 * time_unit, items_per_second when the benchmark set it. */
		json_t *tu = json_object_get(e, "time_unit");
		double scale = tu && !json_is_string(tu) ? 0 : unit_ns(json_string_value(tu));
		if (scale == 0)
			return fail(err, n, "%s: %s: unknown time_unit '%s'", label, key,
				    json_is_string(tu) ? json_string_value(tu) : "(not a string)");
		int rc = number(e, "real_time", &v[FIG_TIME], label, key, err, n);
		if (rc < 0)
			return -1;
		if (rc == 0)
			return fail(err, n, "%s: %s: missing field real_time", label, key);
		v[FIG_TIME] *= scale;
		rc = number(e, "items_per_second", &v[FIG_RATE], label, key, err, n);
		if (rc < 0)
			return -1;
		has[FIG_RATE] = rc == 1;
		has[FIG_TIME] = !has[FIG_RATE];
		rc = number(e, "cpu_time", &v[FIG_CPU], label, key, err, n);
		if (rc < 0)
			return -1;
		v[FIG_CPU] *= scale;
		has[FIG_CPU] = rc == 1;
	}
	/* A figure is judged for a case only if every repetition has it. */
	for (int f = 0; f < FIG_COUNT; f++) {
		c->has[f] = i == 0 ? has[f] : c->has[f] && has[f];
		c->v[f][i] = v[f];
	}
	double before = 0, after = 0;
	if (number(e, "state_before_ns", &before, label, key, err, n) < 0 ||
	    number(e, "state_after_ns", &after, label, key, err, n) < 0)
		return -1;
	if (before > 0 && after > 0) {
		c->state[i] = (before + after) / 2;
		double hi = before > after ? before : after, lo = before > after ? after : before;
		c->steady[i] = hi <= lo * STATE_STEADY;
	} else {
		c->state[i] = 0;
		c->steady[i] = true;
	}
	json_t *ri = json_object_get(e, "repetition_index");
	c->rep[i] = json_is_integer(ri) ? (int)json_integer_value(ri) : index;
	/* Its run: named, or (older files) the next one whenever the case's
	 * repetition_index starts again. */
	const char *run_id = json_string_value(json_object_get(e, "run_id"));
	char implicit[32];
	if (!run_id) {
		/* "#k": the k-th run of a file without run ids (k < the cap) */
		const char *prev = i > 0 ? s->run_ids[c->run[i - 1]] : "#0";
		long k = prev[0] == '#' ? strtol(prev + 1, NULL, 10) : 0;
		if (k < 0 || k >= SAMPLE_MAX_RUNS)
			k = SAMPLE_MAX_RUNS;
		else
			k += i > 0 && c->rep[i] <= c->rep[i - 1];
		snprintf(implicit, sizeof(implicit), "#%ld",
			 k < SAMPLE_MAX_RUNS ? k : SAMPLE_MAX_RUNS);
		run_id = implicit;
	}
	c->run[i] = run_index(s, run_id);
	if (c->run[i] == -2)
		return fail(err, n, "%s: more than %d runs: refused", label, SAMPLE_MAX_RUNS);
	if (c->run[i] < 0)
		return fail(err, n, "out of memory");
	c->n++;
	return 0;
}

static int from_json(json_t *doc, const char *label, struct sample_set *out, char *err, size_t n)
{
	memset(out, 0, sizeof(*out));
	out->path = strdup(label);
	if (!json_is_object(doc))
		return fail(err, n, "%s: not a results file (the top level is not an object)",
			    label);
	json_t *ctx = json_object_get(doc, "context");
	json_t *b = json_object_get(doc, "benchmarks");
	if (!json_is_array(b))
		return fail(err, n,
			    "%s: not a results file (no 'benchmarks' array: Google Benchmark's "
			    "JSON schema expected)",
			    label);
	if (ctx && !json_is_object(ctx))
		return fail(err, n, "%s: 'context' is not an object", label);
	if (ctx) {
		machine_id_from_context(ctx, out->machine_id, sizeof(out->machine_id));
		copy_str(ctx, "kernel", out->kernel, sizeof(out->kernel));
		copy_str(ctx, "microcode", out->microcode, sizeof(out->microcode));
		copy_str(ctx, "governor", out->governor, sizeof(out->governor));
		copy_str(ctx, "hypervisor", out->hypervisor, sizeof(out->hypervisor));
		copy_str(ctx, "ab_build", out->ab_build, sizeof(out->ab_build));
		copy_str(ctx, "cpus", out->cpus, sizeof(out->cpus));
		json_t *seed = json_object_get(ctx, "shuffle_seed");
		out->shuffle_seed = json_is_integer(seed) ? json_integer_value(seed) : -1;
		copy_str(ctx, "library_build_type", out->build_type, sizeof(out->build_type));
		copy_str(ctx, "git_revision", out->revision, sizeof(out->revision));
		copy_str(ctx, "date", out->date, sizeof(out->date));
		copy_str(ctx, "scenario", out->scenario, sizeof(out->scenario));
		json_t *step = json_object_get(ctx, "clock_resolution_ns");
		if (json_is_number(step) && json_number_value(step) > 0 &&
		    json_number_value(step) < 1e9)
			out->clock_step = json_number_value(step);
	}
	out->ringbench = out->machine_id[0] != 0;
	size_t i;
	json_t *e;
	int seen_iteration = 0;
	json_array_foreach(b, i, e)
	{
		if (!json_is_object(e) || !json_is_string(json_object_get(e, "name")))
			return fail(err, n, "%s: benchmarks[%zu] has no name", label, i);
		const char *rt = json_string_value(json_object_get(e, "run_type"));
		if (rt && strcmp(rt, "aggregate") == 0)
			continue;
		if (add_entry(out, e, (int)i, label, err, n))
			return -1;
		seen_iteration++;
	}
	if (seen_iteration == 0) {
		/* Only aggregates (--benchmark_report_aggregates_only): each
		 * case's median is one figure, too few for a test, but a case. */
		json_array_foreach(b, i, e)
		{
			const char *agg = json_string_value(json_object_get(e, "aggregate_name"));
			if (agg && strcmp(agg, "median") == 0 &&
			    add_entry(out, e, (int)i, label, err, n))
				return -1;
		}
	}
	return 0;
}

int sample_from_json(json_t *doc, const char *label, struct sample_set *out, char *err, size_t n)
{
	int rc = from_json(doc, label, out, err, n);
	if (rc)
		sample_free(out); /* nothing half-read is left to the caller */
	return rc;
}

/* Google Benchmark writes a statistic it cannot compute as a bare NaN,
 * -nan, inf or Infinity (the coefficient of variation of a counter that is
 * always 0), which JSON does not have: outside strings such a word is read as
 * null.  Returns the file's text so mended (malloc'd), or NULL with errno. */
static char *read_tolerant(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, len = 0, got;
	char *in = malloc(cap);
	while (in && (got = fread(in + len, 1, cap - len, f)) > 0) {
		len += got;
		if (len == cap) {
			char *nb = cap < (1u << 30) ? realloc(in, cap * 2) : NULL;
			if (!nb)
				free(in);
			in = nb;
			cap *= 2;
		}
	}
	fclose(f);
	/* Each 3-byte word becomes 4 bytes: at most 4/3 as long. */
	char *out = in ? malloc(len * 2 + 1) : NULL;
	if (!out) {
		free(in);
		errno = ENOMEM;
		return NULL;
	}
	/* Longest first: "-Infinity" before "-inf" before "inf". */
	static const char *const bare[] = {"-Infinity", "Infinity", "-nan", "-NaN",
					   "-inf",	"nan",	    "NaN",  "inf"};
	bool in_str = false;
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		if (in_str) {
			out[o++] = in[i];
			if (in[i] == '\\' && i + 1 < len)
				out[o++] = in[++i];
			else if (in[i] == '"')
				in_str = false;
			continue;
		}
		in_str = in[i] == '"';
		size_t k = 0, bl = 0;
		for (; k < sizeof(bare) / sizeof(bare[0]); k++) {
			bl = strlen(bare[k]);
			if (i + bl <= len && strncmp(in + i, bare[k], bl) == 0)
				break;
		}
		if (k < sizeof(bare) / sizeof(bare[0])) {
			memcpy(out + o, "null", 4);
			o += 4;
			i += bl - 1;
		} else {
			out[o++] = in[i];
		}
	}
	out[o] = 0;
	free(in);
	return out;
}

int sample_load(const char *path, struct sample_set *out, char *err, size_t n)
{
	json_error_t je;
	char *text = read_tolerant(path);
	json_t *doc = text ? json_loads(text, JSON_REJECT_DUPLICATES, &je) : NULL;
	if (!text) {
		snprintf(je.text, sizeof(je.text), "%s", strerror(errno));
		je.line = 0;
	}
	free(text);
	if (!doc) {
		memset(out, 0, sizeof(*out));
		if (je.line <= 0)
			return fail(err, n, "%s: %s", path, je.text);
		return fail(err, n, "%s:%d: not valid JSON: %s", path, je.line, je.text);
	}
	int rc = sample_from_json(doc, path, out, err, n);
	json_decref(doc);
	return rc;
}

void sample_free(struct sample_set *s)
{
	for (int i = 0; i < s->ncases; i++) {
		struct sample_case *c = &s->cases[i];
		free(c->name);
		free(c->error);
		for (int f = 0; f < FIG_COUNT; f++)
			free(c->v[f]);
		free(c->state);
		free(c->steady);
		free(c->rep);
		free(c->run);
	}
	for (int k = 0; k < s->nruns; k++)
		free(s->run_ids[k]);
	free(s->run_ids);
	free(s->cases);
	free(s->path);
	memset(s, 0, sizeof(*s));
}

bool sample_has_probes(const struct sample_set *s)
{
	for (int i = 0; i < s->ncases; i++)
		for (int r = 0; r < s->cases[i].n; r++)
			if (s->cases[i].state[r] > 0)
				return true;
	return false;
}

const struct sample_case *sample_find(const struct sample_set *s, const char *name)
{
	for (int i = 0; i < s->ncases; i++)
		if (strcmp(s->cases[i].name, name) == 0)
			return &s->cases[i];
	return NULL;
}

bool sample_paired(const struct sample_set *a, const struct sample_set *b)
{
	return strcmp(a->ab_build, "A") == 0 && strcmp(b->ab_build, "B") == 0 &&
	       a->shuffle_seed > 0 && a->shuffle_seed == b->shuffle_seed;
}

bool sample_pair_of(const char *path_a, const struct sample_set *b, char *err, size_t n)
{
	struct sample_set a;
	if (sample_load(path_a, &a, err, n))
		return false;
	bool ok = sample_paired(&a, b);
	if (!ok)
		snprintf(err, n,
			 "it is not the other side of this run's session (ab_build %s/%s, "
			 "seed %lld/%lld)",
			 a.ab_build[0] ? a.ab_build : "-", b->ab_build[0] ? b->ab_build : "-",
			 a.shuffle_seed, b->shuffle_seed);
	sample_free(&a);
	return ok;
}

/* What differs between two files' machines under one identity (the
 * kernel, microcode, governor, hypervisor build), as "kernel changed: A ->
 * B; ...", or "" when nothing does. */
void sample_machine_changes(const struct sample_set *a, const struct sample_set *b, char *out,
			    size_t n)
{
	struct {
		const char *what, *x, *y;
	} f[] = {{"kernel", a->kernel, b->kernel},
		 {"microcode", a->microcode, b->microcode},
		 {"governor", a->governor, b->governor},
		 {"hypervisor", a->hypervisor, b->hypervisor}};
	out[0] = 0;
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		size_t l = strlen(out);
		if (f[i].x[0] && f[i].y[0] && strcmp(f[i].x, f[i].y) != 0 && l < n)
			snprintf(out + l, n - l, "%s%s changed: %s -> %s", l ? "; " : "", f[i].what,
				 f[i].x, f[i].y);
	}
}
