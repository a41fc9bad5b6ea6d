/* sample.c: results files read back for judging and drawing (sample.h). */
#include "judge/sample.h"

#include "judge/baselines.h"
#include "judge/states.h"
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

const char *const chart_fig_key[CF_COUNT] = {
    [CF_BYTES_RATE] = "bytes_per_second",
    [CF_P75] = "p75_ns",
    [CF_P90] = "p90_ns",
    [CF_P95] = "p95_ns",
    [CF_P999] = "p999_ns",
    [CF_P9999] = "p9999_ns",
    [CF_MAX] = "max_ns",
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
	c->size = c->rate = c->capacity = NAN;
	c->name = strdup(name);
	if (!c->name)
		return NULL;
	s->ncases++;
	return c;
}

static bool grow_doubles(double **a, size_t m)
{
	double *t = realloc(*a, m * sizeof(*t));
	if (t)
		*a = t;
	return t != NULL;
}

static bool grow_ints(int **a, size_t m)
{
	int *t = realloc(*a, m * sizeof(*t));
	if (t)
		*a = t;
	return t != NULL;
}

/* Room for one more repetition in every array of c. */
static int grow(struct sample_case *c)
{
	size_t m = (size_t)c->n + 1;
	bool ok = grow_doubles(&c->state, m) && grow_ints(&c->rep, m) && grow_ints(&c->run, m) &&
		  grow_ints(&c->entry, m);
	for (int f = 0; ok && f < FIG_COUNT; f++)
		ok = grow_doubles(&c->v[f], m);
	for (int f = 0; ok && f < CF_COUNT; f++)
		ok = grow_doubles(&c->chart[f], m);
	bool *sd = ok ? realloc(c->steady, m * sizeof(bool)) : NULL;
	if (sd)
		c->steady = sd;
	return sd ? 0 : -1;
}

/* A field only the charts draw: its number, NaN if it is not one (a file
 * is not refused for what no verdict reads). */
static double number_or_nan(json_t *e, const char *key)
{
	json_t *v = json_object_get(e, key);
	return json_is_number(v) ? json_number_value(v) : NAN;
}

/* A string field, "" if it is not one (strdup'd: NULL out of memory). */
static char *string_or_empty(json_t *e, const char *key)
{
	const char *s = json_string_value(json_object_get(e, key));
	return strdup(s ? s : "");
}

/* What the case measured, from its first repetition.  -1 out of memory. */
static int read_case_info(struct sample_case *c, json_t *e)
{
	c->transport = string_or_empty(e, "transport");
	c->wait = string_or_empty(e, "wait");
	c->size = number_or_nan(e, "size");
	c->rate = number_or_nan(e, "rate");
	c->capacity = number_or_nan(e, "capacity");
	return c->transport && c->wait ? 0 : -1;
}

/* One entry being read: what names it in a message, and where the
 * message goes. */
struct reading {
	json_t *e;
	const char *label, *key; /* the file, the case */
	char *err;
	size_t n;
};

/* A number field: 1 if present and numeric, 0 if absent, -1 if present
 * but not a finite number (message in err). */
static int number(const struct reading *rd, const char *field, double *out)
{
	json_t *v = json_object_get(rd->e, field);
	if (!v)
		return 0;
	if (!json_is_number(v))
		return fail(rd->err, rd->n, "%s: %s: %s is not a number", rd->label, rd->key,
			    field);
	*out = json_number_value(v);
	if (!isfinite(*out))
		return fail(rd->err, rd->n, "%s: %s: %s is not finite", rd->label, rd->key, field);
	if (*out < 0)
		return fail(rd->err, rd->n, "%s: %s: %s is negative (%g)", rd->label, rd->key,
			    field, *out);
	return 1;
}

/* A number field the entry must have: 0, or -1 with the message. */
static int required(const struct reading *rd, const char *field, double *out)
{
	int rc = number(rd, field, out);
	if (rc == 0)
		return fail(rd->err, rd->n, "%s: %s: missing field %s", rd->label, rd->key, field);
	return rc < 0 ? -1 : 0;
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

/* A ringbench entry's figures: what every mode has, and the percentiles
 * where the mode has them.  -1 with the message. */
static int ringbench_figures(const struct reading *rd, const char *mode, double *v, bool *has)
{
	static const enum fig needs[] = {FIG_RATE, FIG_PROD_CPU, FIG_CONS_CPU, FIG_SYSCALLS};
	for (size_t k = 0; k < sizeof(needs) / sizeof(needs[0]); k++) {
		if (required(rd, fig_info[needs[k]].key, &v[needs[k]]))
			return -1;
		has[needs[k]] = true;
	}
	if (strcmp(mode, "stream") != 0)
		for (enum fig f = FIG_P50; f <= FIG_P99; f++) {
			if (required(rd, fig_info[f].key, &v[f]))
				return -1;
			has[f] = true;
		}
	/* A latency run's rate is the one it was told to keep. */
	if (strcmp(mode, "latency") == 0)
		has[FIG_RATE] = false;
	return 0;
}

/* Any Google Benchmark entry's figures: real_time and cpu_time in
 * time_unit, items_per_second when the benchmark set it.  -1 with the
 * message. */
static int gbench_figures(const struct reading *rd, double *v, bool *has)
{
	json_t *tu = json_object_get(rd->e, "time_unit");
	double scale = tu && !json_is_string(tu) ? 0 : unit_ns(json_string_value(tu));
	if (scale == 0)
		return fail(rd->err, rd->n, "%s: %s: unknown time_unit '%s'", rd->label, rd->key,
			    json_is_string(tu) ? json_string_value(tu) : "(not a string)");
	if (required(rd, "real_time", &v[FIG_TIME]))
		return -1;
	v[FIG_TIME] *= scale;
	int rc = number(rd, "items_per_second", &v[FIG_RATE]);
	if (rc < 0)
		return -1;
	has[FIG_RATE] = rc == 1;
	has[FIG_TIME] = !has[FIG_RATE];
	rc = number(rd, "cpu_time", &v[FIG_CPU]);
	if (rc < 0)
		return -1;
	v[FIG_CPU] *= scale;
	has[FIG_CPU] = rc == 1;
	return 0;
}

/* The figures of one entry, by who wrote it, into v and has.  -1 with the
 * message. */
static int entry_figures(const struct reading *rd, const char *mode, double *v, bool *has)
{
	if (mode)
		return ringbench_figures(rd, mode, v, has);
	if (json_object_get(rd->e, "instructions_per_op")) {
		/* An instruction count (ringbench check/ab --instructions): a
		 * count, with no time beside it. */
		if (number(rd, "instructions_per_op", &v[FIG_INSTR]) < 0)
			return -1;
		has[FIG_INSTR] = true;
		return 0;
	}
	return gbench_figures(rd, v, has);
}

/* Repetition i's state probes into c.  -1 with the message. */
static int entry_state(const struct reading *rd, struct sample_case *c, int i)
{
	double before = 0, after = 0;
	if (number(rd, "state_before_ns", &before) < 0 || number(rd, "state_after_ns", &after) < 0)
		return -1;
	c->state[i] = before > 0 && after > 0 ? (before + after) / 2 : 0;
	c->steady[i] = c->state[i] == 0 || probe_state(before, after) > 0;
	return 0;
}

/* Repetition i's run into c: named, or (older files) the next one
 * whenever the case's repetition_index starts again.  -1 with the
 * message. */
static int entry_run(const struct reading *rd, struct sample_set *s, struct sample_case *c, int i)
{
	const char *run_id = json_string_value(json_object_get(rd->e, "run_id"));
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
		return fail(rd->err, rd->n, "%s: more than %d runs: refused", rd->label,
			    SAMPLE_MAX_RUNS);
	if (c->run[i] < 0)
		return fail(rd->err, rd->n, "out of memory");
	return 0;
}

/* A failed entry: the case failed, with the first message it gave. */
static void entry_failure(struct sample_case *c, json_t *e)
{
	c->failed = true;
	const char *msg = json_string_value(json_object_get(e, "error_message"));
	if (!c->error)
		c->error = strdup(msg ? msg : "(no error_message)");
}

/* One repetition (entry index of the file) as repetition c->n of c. */
static int add_repetition(const struct reading *rd, struct sample_set *s, struct sample_case *c,
			  const char *mode, int index)
{
	if (grow(c))
		return fail(rd->err, rd->n, "out of memory");
	int i = c->n;
	bool has[FIG_COUNT] = {0};
	double v[FIG_COUNT] = {0};
	if (entry_figures(rd, mode, v, has))
		return -1;
	/* A figure is judged for a case only if every repetition has it. */
	for (int f = 0; f < FIG_COUNT; f++) {
		c->has[f] = i == 0 ? has[f] : c->has[f] && has[f];
		c->v[f][i] = v[f];
	}
	if (entry_state(rd, c, i))
		return -1;
	for (int f = 0; f < CF_COUNT; f++)
		c->chart[f][i] = number_or_nan(rd->e, chart_fig_key[f]);
	c->entry[i] = index;
	if (i == 0 && read_case_info(c, rd->e))
		return fail(rd->err, rd->n, "out of memory");
	json_t *ri = json_object_get(rd->e, "repetition_index");
	c->rep[i] = json_is_integer(ri) ? (int)json_integer_value(ri) : index;
	if (entry_run(rd, s, c, i))
		return -1;
	c->n++;
	return 0;
}

/* One iteration entry (index of the file's) into its case. */
static int add_entry(struct sample_set *s, json_t *e, int index, const char *label, char *err,
		     size_t n)
{
	const char *name = json_string_value(json_object_get(e, "name"));
	const char *run_name = json_string_value(json_object_get(e, "run_name"));
	struct reading rd = {e, label, run_name ? run_name : name, err, n};
	struct sample_case *c = find_or_add(s, rd.key);
	if (!c)
		return fail(err, n, "out of memory");
	if (s->ncases > SAMPLE_MAX_CASES || c->n >= SAMPLE_MAX_REPS)
		return fail(err, n, "%s: more than %d cases or %d repetitions of one: refused",
			    label, SAMPLE_MAX_CASES, SAMPLE_MAX_REPS);
	const char *mode = json_string_value(json_object_get(e, "mode"));
	if (mode)
		snprintf(c->mode, sizeof(c->mode), "%s", mode);
	if (json_is_true(json_object_get(e, "error_occurred"))) {
		entry_failure(c, e);
		return 0;
	}
	return add_repetition(&rd, s, c, mode, index);
}

/* A machine id names the files of the machine's baseline and verdicts:
 * one that could lead a path out of their folders ("../x") is refused
 * here, where every command reads results, rather than wherever a path is
 * made of it.  0, or -1 with the message. */
static int machine_id_refused(const char *id, const char *label, char *err, size_t n)
{
	if (!id[0] || baseline_id_valid(id))
		return 0;
	char shown[80];
	size_t k = 0;
	for (const char *p = id; *p && k + 1 < sizeof(shown); p++)
		shown[k++] = (unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p;
	shown[k] = 0;
	return fail(err, n,
		    "%s: the machine id '%s%s' is no file name (a '/', a leading '.' or a "
		    "control character): refused",
		    label, shown, id[k] ? "..." : "");
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
		if (machine_id_refused(out->machine_id, label, err, n))
			return -1;
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
		for (int f = 0; f < CF_COUNT; f++)
			free(c->chart[f]);
		free(c->state);
		free(c->steady);
		free(c->rep);
		free(c->run);
		free(c->entry);
		free(c->transport);
		free(c->wait);
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
