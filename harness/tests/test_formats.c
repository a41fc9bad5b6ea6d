/* test_formats.c: every figure of a run and of a verdict in the formats
 * other tools read (report/formats.h), on made-up results with known
 * answers: each value, unit, direction and interval, then the files read
 * back (JSON by jansson, CSV byte for byte) and the errors of a file that
 * cannot be written.  No timing. */
#include "judge/sample.h"
#include "judge/verdict.h"
#include "report/formats.h"
#include "synth.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NEAR(a, b) (fabs((a) - (b)) <= 1e-9 * fmax(1, fabs((double)(b))))

static const char *PP = "pingpong/wait:spin/size:64/cpus:0,1"; /* a comma: quoted in CSV */
static const char *ST = "stream/wait:spin/size:64/cpus:0,1";
static const char *LT = "latency/wait:spin/size:64/rate:1000/cpus:0,1";
static const char *ONE = "pingpong/transport:line/size:64/cpus:0,1";
static const char *ODD = "odd \"name\", here";
static const char *BROKEN = "stream/broken";

static json_t *new_doc(const char *machine)
{
	json_t *ctx = json_pack("{s:s, s:s, s:s}", "library_build_type", "release", "git_revision",
				"test", "date", "today");
	if (machine)
		json_object_set_new(ctx, "machine_id", json_string(machine));
	return json_pack("{s:o, s:[]}", "context", ctx, "benchmarks");
}

/* Repetition i of a case in mode: every figure a function of i (i + 1
 * times a base value), so each median, least and greatest is known.  A
 * stream has no percentiles; the others have them all. */
static void add_rep(json_t *doc, const char *name, const char *mode, int i, double scale)
{
	double k = (i + 1) * scale;
	json_t *e =
	    json_pack("{s:s, s:s, s:s, s:s, s:f, s:f, s:f, s:f, s:f, s:i, s:f, s:f}", "name", name,
		      "run_name", name, "run_type", "iteration", "mode", mode, "items_per_second",
		      1e6 * k, "bytes_per_second", 64e6 * k, "producer_cpu_ns_per_msg", 50 * k,
		      "consumer_cpu_ns_per_msg", 60 * k, "syscalls_per_msg", 0.1 * k,
		      "repetition_index", i, "state_before_ns", 62.0, "state_after_ns", 62.0);
	if (strcmp(mode, "stream") != 0) {
		static const char *const pct[] = {"p50_ns", "p75_ns",  "p90_ns",   "p95_ns",
						  "p99_ns", "p999_ns", "p9999_ns", "max_ns"};
		for (int p = 0; p < 8; p++)
			json_object_set_new(e, pct[p], json_real((100 + 10 * p) * k));
	}
	json_array_append_new(json_object_get(doc, "benchmarks"), e);
}

static void add_case(json_t *doc, const char *name, const char *mode, int n)
{
	/* Out of order, so that the median is no accident of order. */
	for (int i = n - 1; i >= 0; i--)
		add_rep(doc, name, mode, i, 1);
}

/* The run every test starts from: a pingpong case of 5 repetitions, a
 * stream of 3, a latency run of 2, a case of one repetition, a name a CSV
 * must quote, and a case that failed. */
static json_t *made_up_run(void)
{
	json_t *doc = new_doc("test-machine");
	add_case(doc, PP, "pingpong", 5);
	add_case(doc, ST, "stream", 3);
	add_case(doc, LT, "latency", 2);
	add_case(doc, ONE, "pingpong", 1);
	add_case(doc, ODD, "stream", 2);
	json_array_append_new(json_object_get(doc, "benchmarks"),
			      json_pack("{s:s, s:s, s:s, s:b, s:s}", "name", BROKEN, "run_type",
					"iteration", "mode", "stream", "error_occurred", 1,
					"error_message", "consumer: message 7: wrong content"));
	return doc;
}

static int load(json_t *doc, struct sample_set *s)
{
	char err[512];
	int rc = sample_from_json(doc, "made-up", s, err, sizeof(err));
	json_decref(doc);
	if (rc)
		fprintf(stderr, "test_formats: %s\n", err);
	return rc;
}

static const struct formats_entry *entry(const struct formats_set *fs, const char *name,
					 const char *key)
{
	for (int i = 0; i < fs->n; i++)
		if (strcmp(fs->v[i].name, name) == 0 && strcmp(fs->v[i].fig->key, key) == 0)
			return &fs->v[i];
	return NULL;
}

static int count_of(const struct formats_set *fs, const char *name)
{
	int n = 0;
	for (int i = 0; i < fs->n; i++)
		n += strcmp(fs->v[i].name, name) == 0;
	return n;
}

/* Every figure of a pingpong and of a stream, as the formats name them. */
static const char *const PINGPONG_KEYS[] = {"items_per_second",
					    "bytes_per_second",
					    "p50_ns",
					    "p75_ns",
					    "p90_ns",
					    "p95_ns",
					    "p99_ns",
					    "p999_ns",
					    "p9999_ns",
					    "max_ns",
					    "producer_cpu_ns_per_msg",
					    "consumer_cpu_ns_per_msg",
					    "syscalls_per_msg"};
static const char *const STREAM_KEYS[] = {"items_per_second", "bytes_per_second",
					  "producer_cpu_ns_per_msg", "consumer_cpu_ns_per_msg",
					  "syscalls_per_msg"};
#define NKEYS(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* What repetition i of add_rep holds in field key, per unit of k. */
static double per_k(const char *key)
{
	static const struct {
		const char *key;
		double v;
	} t[] = {{"items_per_second", 1e6},
		 {"bytes_per_second", 64e6},
		 {"producer_cpu_ns_per_msg", 50},
		 {"consumer_cpu_ns_per_msg", 60},
		 {"syscalls_per_msg", 0.1},
		 {"p50_ns", 100},
		 {"p75_ns", 110},
		 {"p90_ns", 120},
		 {"p95_ns", 130},
		 {"p99_ns", 140},
		 {"p999_ns", 150},
		 {"p9999_ns", 160},
		 {"max_ns", 170}};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(t[i].key, key) == 0)
			return t[i].v;
	return NAN;
}

/* The table: slugs Bencher takes as slugs, every figure a verdict judges
 * named and directed as the verdict's tables do. */
static void test_table(void)
{
	for (int k = 0; k < formats_nfigures; k++) {
		const struct formats_figure *f = &formats_figures[k];
		const char *s = f->measure;
		bool slug = s[0] && strlen(s) <= 64 && s[0] != '-' && s[strlen(s) - 1] != '-' &&
			    !strstr(s, "--") &&
			    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == strlen(s);
		CHECK(slug);
		CHECK(f->better == 1 || f->better == -1);
		for (int j = 0; j < k; j++) {
			CHECK(strcmp(formats_figures[j].measure, s) != 0);
			CHECK(strcmp(formats_figures[j].label, f->label) != 0);
		}
		for (int g = 0; g < FIG_COUNT; g++)
			if (strcmp(fig_info[g].key, f->key) == 0) {
				CHECK(strcmp(fig_info[g].label, f->label) == 0);
				CHECK(fig_info[g].better == f->better);
			}
	}
	/* Every figure a verdict can judge and every one the charts draw has
	 * a place in the formats. */
	for (int g = 0; g < FIG_COUNT; g++) {
		bool found = false;
		for (int k = 0; k < formats_nfigures; k++)
			found |= strcmp(formats_figures[k].key, fig_info[g].key) == 0;
		CHECK(found);
	}
	for (int g = 0; g < CF_COUNT; g++) {
		bool found = false;
		for (int k = 0; k < formats_nfigures; k++)
			found |= strcmp(formats_figures[k].key, chart_fig_key[g]) == 0;
		CHECK(found);
	}
}

/* A plain run: medians, and the repetitions' least and greatest. */
static void test_run(void)
{
	struct sample_set s;
	if (load(made_up_run(), &s)) {
		failures++;
		return;
	}
	struct formats_set fs;
	CHECK(formats_collect(&s, NULL, &fs) == 0);
	CHECK(!fs.verdict);
	CHECK(count_of(&fs, PP) == NKEYS(PINGPONG_KEYS));
	for (int k = 0; k < NKEYS(PINGPONG_KEYS); k++) {
		const struct formats_entry *e = entry(&fs, PP, PINGPONG_KEYS[k]);
		CHECK(e != NULL);
		if (!e)
			continue;
		double u = per_k(PINGPONG_KEYS[k]);
		/* k = 1..5: the median 3u, the least u, the greatest 5u */
		CHECK(NEAR(e->value, 3 * u));
		CHECK(NEAR(e->lower, u) && NEAR(e->upper, 5 * u));
		CHECK(e->bounds == FORMATS_REPETITIONS && e->n == 5);
		CHECK(isnan(e->base) && isnan(e->change) && isnan(e->change_lo) && !e->verdict);
	}
	/* In the table's order. */
	int last = -1;
	for (int i = 0; i < fs.n; i++)
		if (strcmp(fs.v[i].name, PP) == 0) {
			int at = (int)(fs.v[i].fig - formats_figures);
			CHECK(at > last);
			last = at;
		}
	const struct formats_entry *e = entry(&fs, PP, "items_per_second");
	CHECK(e && strcmp(e->unit, "msgs/s") == 0 && strcmp(e->label, "msgs/s") == 0 &&
	      e->fig->better == 1 && strcmp(e->fig->measure, "throughput") == 0 &&
	      strcmp(e->fig->label, "msgs/s") == 0);
	e = entry(&fs, PP, "p99_ns");
	CHECK(e && strcmp(e->unit, "ns") == 0 && e->fig->better == -1 &&
	      strcmp(e->fig->measure, "latency-p99") == 0);
	e = entry(&fs, PP, "max_ns");
	CHECK(e && strcmp(e->fig->measure, "latency-max") == 0 && e->fig->better == -1);
	e = entry(&fs, PP, "producer_cpu_ns_per_msg");
	CHECK(e && strcmp(e->unit, "ns/msg") == 0 && strcmp(e->fig->measure, "cpu-producer") == 0);
	e = entry(&fs, PP, "syscalls_per_msg");
	CHECK(e && strcmp(e->unit, "syscalls/msg") == 0 && e->fig->better == -1);
	/* A stream has no percentiles: 3 repetitions, the median the 2nd. */
	CHECK(count_of(&fs, ST) == NKEYS(STREAM_KEYS));
	for (int k = 0; k < NKEYS(STREAM_KEYS); k++) {
		e = entry(&fs, ST, STREAM_KEYS[k]);
		CHECK(e && NEAR(e->value, 2 * per_k(STREAM_KEYS[k])) && e->n == 3);
	}
	CHECK(!entry(&fs, ST, "p50_ns"));
	/* A latency run keeps the rate it is told: no rate, every other. */
	CHECK(!entry(&fs, LT, "items_per_second") && !entry(&fs, LT, "bytes_per_second"));
	CHECK(count_of(&fs, LT) == NKEYS(PINGPONG_KEYS) - 2);
	e = entry(&fs, LT, "p50_ns");
	CHECK(e && NEAR(e->value, 150) && NEAR(e->lower, 100) && NEAR(e->upper, 200));
	/* One repetition: no spread to give. */
	e = entry(&fs, ONE, "p50_ns");
	CHECK(e && NEAR(e->value, 100) && e->bounds == FORMATS_NO_BOUNDS && isnan(e->lower) &&
	      isnan(e->upper) && e->n == 1);
	/* A case that failed has no figure. */
	CHECK(count_of(&fs, BROKEN) == 0);
	CHECK(fs.n == NKEYS(PINGPONG_KEYS) * 3 - 2 + NKEYS(STREAM_KEYS) * 2);
	formats_free(&fs);
	sample_free(&s);
}

/* Google Benchmark's own file: its time in its unit, as ns; items/s. */
static void test_gbench(void)
{
	json_t *doc = new_doc(NULL);
	for (int i = 0; i < 3; i++)
		json_array_append_new(json_object_get(doc, "benchmarks"),
				      json_pack("{s:s, s:s, s:f, s:f, s:s, s:f}", "name", "BM_push",
						"run_type", "iteration", "real_time", 1.0 + i,
						"cpu_time", 2.0 + i, "time_unit", "us",
						"items_per_second", 1e6 * (1 + i)));
	json_array_append_new(json_object_get(doc, "benchmarks"),
			      json_pack("{s:s, s:s, s:f, s:f, s:s}", "name", "BM_pop", "run_type",
					"iteration", "real_time", 5.0, "cpu_time", 4.0, "time_unit",
					"ms"));
	struct sample_set s;
	if (load(doc, &s)) {
		failures++;
		return;
	}
	struct formats_set fs;
	CHECK(formats_collect(&s, NULL, &fs) == 0);
	const struct formats_entry *e = entry(&fs, "BM_push", "items_per_second");
	CHECK(e && strcmp(e->unit, "items/s") == 0 && strcmp(e->label, "items/s") == 0 &&
	      NEAR(e->value, 2e6));
	/* With a rate the time is not a figure of its own (as verdicts). */
	CHECK(!entry(&fs, "BM_push", "real_time"));
	e = entry(&fs, "BM_push", "cpu_time");
	CHECK(e && NEAR(e->value, 3000) && NEAR(e->lower, 2000) && NEAR(e->upper, 4000) &&
	      strcmp(e->fig->measure, "cpu-time") == 0);
	e = entry(&fs, "BM_pop", "real_time");
	CHECK(e && NEAR(e->value, 5e6) && strcmp(e->fig->measure, "latency") == 0 &&
	      strcmp(e->unit, "ns") == 0 && e->bounds == FORMATS_NO_BOUNDS);
	CHECK(count_of(&fs, "BM_push") == 2 && count_of(&fs, "BM_pop") == 2);
	formats_free(&fs);
	sample_free(&s);
}

/* A verdict made by hand on the made-up run: each row's current value,
 * its interval applied to it, a count's change made relative, and the
 * figures it did not judge without bounds. */
static void test_verdict_rows(void)
{
	struct sample_set s;
	if (load(made_up_run(), &s)) {
		failures++;
		return;
	}
	struct judge_row rows[] = {
	    /* 100 now, 25% over 80, interval 10% to 40%: 88 to 112 */
	    {.name = PP,
	     .fig = FIG_RATE,
	     .v = V_IMPROVEMENT,
	     .base = 80,
	     .cur = 100,
	     .change = 0.25,
	     .lo = 0.10,
	     .hi = 0.40,
	     .nc = 5},
	    /* a count: 0.5 to 0.75 a message is +50%, no interval */
	    {.name = PP,
	     .fig = FIG_SYSCALLS,
	     .v = V_SAME,
	     .base = 0.5,
	     .cur = 0.75,
	     .change = 0.25,
	     .lo = NAN,
	     .hi = NAN,
	     .nc = 5},
	    /* too few repetitions: a change, and an interval the test could
	     * not use (a row can carry one): no bounds */
	    {.name = PP,
	     .fig = FIG_P99,
	     .v = V_TOO_FEW,
	     .base = 300,
	     .cur = 330,
	     .change = 0.1,
	     .lo = 0.05,
	     .hi = 0.15,
	     .nc = 5},
	    /* no common state, with an interval: no bounds either */
	    {.name = PP,
	     .fig = FIG_CONS_CPU,
	     .v = V_STATE,
	     .base = 200,
	     .cur = 180,
	     .change = -0.1,
	     .lo = -0.2,
	     .hi = 0.0,
	     .nc = 5},
	    /* the current value is no base * (1 + change), as a verdict's
	     * medians (or the geometric mean of runs) need not be: 190 now,
	     * change -10% (interval -20% to 0%): 190 * 0.8 / 0.9 to 190 / 0.9,
	     * not the 160 to 200 the base would give */
	    {.name = PP,
	     .fig = FIG_P50,
	     .v = V_IMPROVEMENT,
	     .base = 200,
	     .cur = 190,
	     .change = -0.1,
	     .lo = -0.2,
	     .hi = 0.0,
	     .nc = 5},
	    /* an acknowledged regression is a verdict: 300 now, +50% (interval
	     * +20% to +80%) of 210 (not 200): 240 to 360 */
	    {.name = ST,
	     .fig = FIG_CONS_CPU,
	     .v = V_ACKED,
	     .base = 210,
	     .cur = 300,
	     .change = 0.5,
	     .lo = 0.2,
	     .hi = 0.8,
	     .nc = 3},
	    /* a time that fell 20%, interval -30% to -5%; runs: 3 */
	    {.name = ST,
	     .fig = FIG_PROD_CPU,
	     .v = V_IMPROVEMENT,
	     .base = 125,
	     .cur = 100,
	     .change = -0.2,
	     .lo = -0.3,
	     .hi = -0.05,
	     .nc = 3},
	};
	struct judgement j = {.rows = rows, .nrows = (int)(sizeof(rows) / sizeof(rows[0]))};
	struct formats_set fs;
	CHECK(formats_collect(&s, &j, &fs) == 0);
	CHECK(fs.verdict);
	const struct formats_entry *e = entry(&fs, PP, "items_per_second");
	CHECK(e && NEAR(e->value, 100) && NEAR(e->lower, 88) && NEAR(e->upper, 112));
	CHECK(e && e->bounds == FORMATS_INTERVAL && NEAR(e->base, 80) && NEAR(e->change, 0.25) &&
	      NEAR(e->change_lo, 0.1) && NEAR(e->change_hi, 0.4) &&
	      strcmp(e->verdict, "improvement") == 0);
	e = entry(&fs, PP, "syscalls_per_msg");
	CHECK(e && NEAR(e->value, 0.75) && NEAR(e->change, 0.5) && e->bounds == FORMATS_NO_BOUNDS &&
	      isnan(e->lower) && isnan(e->change_lo) && strcmp(e->verdict, "same") == 0);
	e = entry(&fs, PP, "p99_ns");
	CHECK(e && NEAR(e->value, 330) && NEAR(e->change, 0.1) && e->bounds == FORMATS_NO_BOUNDS &&
	      isnan(e->lower) && isnan(e->upper) && isnan(e->change_lo) &&
	      strcmp(e->verdict, "too few repetitions") == 0);
	e = entry(&fs, PP, "consumer_cpu_ns_per_msg");
	CHECK(e && NEAR(e->value, 180) && e->bounds == FORMATS_NO_BOUNDS && isnan(e->lower) &&
	      strcmp(e->verdict, "no common state") == 0);
	e = entry(&fs, PP, "p50_ns");
	CHECK(e && NEAR(e->value, 190) && NEAR(e->lower, 190 * 0.8 / 0.9) &&
	      NEAR(e->upper, 190 / 0.9) && e->bounds == FORMATS_INTERVAL);
	CHECK(e && e->lower <= e->value && e->value <= e->upper);
	e = entry(&fs, ST, "consumer_cpu_ns_per_msg");
	CHECK(e && NEAR(e->value, 300) && NEAR(e->lower, 240) && NEAR(e->upper, 360) &&
	      e->bounds == FORMATS_INTERVAL && strcmp(e->verdict, "acknowledged") == 0);
	e = entry(&fs, ST, "producer_cpu_ns_per_msg");
	CHECK(e && NEAR(e->value, 100) && NEAR(e->lower, 87.5) && NEAR(e->upper, 118.75) &&
	      e->n == 3);
	/* Not judged: the median, no bounds, no verdict. */
	e = entry(&fs, PP, "p90_ns");
	CHECK(e && NEAR(e->value, 360) && e->bounds == FORMATS_NO_BOUNDS && !e->verdict &&
	      isnan(e->base));
	e = entry(&fs, ST, "items_per_second");
	CHECK(e && NEAR(e->value, 2e6) && e->bounds == FORMATS_NO_BOUNDS);
	/* The same figures as a plain run, no more, no fewer. */
	CHECK(fs.n == NKEYS(PINGPONG_KEYS) * 3 - 2 + NKEYS(STREAM_KEYS) * 2);
	formats_free(&fs);

	/* One run a side: the within-run test's interval (and its
	 * "differs") are of the two runs' repetitions: no bounds at all. */
	rows[0].v = V_ONE_RUN;
	rows[4].v = V_SAME;
	j.one_run_each = true;
	CHECK(formats_collect(&s, &j, &fs) == 0);
	for (int i = 0; i < fs.n; i++)
		CHECK(fs.v[i].bounds == FORMATS_NO_BOUNDS && isnan(fs.v[i].lower) &&
		      isnan(fs.v[i].upper) && isnan(fs.v[i].change_lo));
	e = entry(&fs, PP, "items_per_second");
	CHECK(e && NEAR(e->value, 100) && NEAR(e->change, 0.25) &&
	      strcmp(e->verdict, "differs (one run each)") == 0);
	e = entry(&fs, PP, "p50_ns");
	CHECK(e && NEAR(e->value, 190) && strcmp(e->verdict, "same") == 0);
	formats_free(&fs);
	sample_free(&s);
}

/* A real verdict on made-up runs whose every figure fell 20% (1% noise):
 * the interval it puts on the current rate holds the true 4.8M, and the
 * one on p50 (a time: smaller is better) the true 480 ns. */
static void test_judged(void)
{
	stats_rng_seed(&rng, 7);
	json_t *b = new_doc("m"), *c = new_doc("m");
	for (int i = 0; i < 12; i++) {
		add_rep(b, PP, "pingpong", 0, 6 * exp(0.01 * gauss()));
		add_rep(c, PP, "pingpong", 0, 4.8 * exp(0.01 * gauss()));
	}
	/* repetition_index 0 on all: renumber, as a run numbers them */
	json_t *arr[2] = {json_object_get(b, "benchmarks"), json_object_get(c, "benchmarks")};
	for (int k = 0; k < 2; k++)
		for (size_t i = 0; i < json_array_size(arr[k]); i++)
			json_object_set_new(json_array_get(arr[k], i), "repetition_index",
					    json_integer((json_int_t)i));
	struct sample_set sb, sc;
	if (load(b, &sb) || load(c, &sc)) {
		failures++;
		return;
	}
	struct judge_opts o;
	judge_defaults(&o, false);
	struct judgement j;
	char err[512];
	int rc = judge(&sb, &sc, &o, &j, err, sizeof(err));
	CHECK(rc == 0);
	if (rc) {
		fprintf(stderr, "test_formats: %s\n", err);
		return;
	}
	struct formats_set fs;
	CHECK(formats_collect(&sc, &j, &fs) == 0);
	const struct formats_entry *e = entry(&fs, PP, "items_per_second");
	CHECK(e && e->bounds == FORMATS_INTERVAL && strcmp(e->verdict, "REGRESSION") == 0);
	CHECK(e && e->lower < 4.8e6 && 4.8e6 < e->upper && e->lower <= e->value &&
	      e->value <= e->upper);
	CHECK(e && fabs(e->change + 0.2) < 0.01 && e->change_lo < e->change &&
	      e->change < e->change_hi);
	CHECK(e && fabs(e->base - 6e6) < 0.03 * 6e6);
	e = entry(&fs, PP, "p50_ns");
	CHECK(e && fabs(e->change + 0.2) < 0.01 && strcmp(e->verdict, "improvement") == 0);
	CHECK(e && e->lower < 480 && 480 < e->upper);
	formats_free(&fs);
	judgement_free(&j);
	sample_free(&sb);
	sample_free(&sc);
}

/* ---- the files read back ---- */

static char dir[64];

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = malloc(1 << 20);
	*len = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
	fclose(f);
	if (buf)
		buf[*len] = 0;
	return buf;
}

/* Nothing but the files expected, no temporary, in the folder. */
static int files_in(const char *d)
{
	DIR *dp = opendir(d);
	int n = 0;
	for (struct dirent *de; dp && (de = readdir(dp));) {
		if (de->d_name[0] == '.')
			continue;
		CHECK(!strstr(de->d_name, ".tmp.") && !strstr(de->d_name, ".old."));
		n++;
	}
	if (dp)
		closedir(dp);
	return n;
}

static void test_files(void)
{
	struct sample_set s;
	if (load(made_up_run(), &s)) {
		failures++;
		return;
	}
	struct judge_row rows[1] = {{.name = PP,
				     .fig = FIG_RATE,
				     .v = V_IMPROVEMENT,
				     .base = 80,
				     .cur = 100,
				     .change = 0.25,
				     .lo = 0.10,
				     .hi = 0.40,
				     .nc = 5}};
	struct judgement j = {.rows = rows, .nrows = 1};
	struct formats_set fs;
	CHECK(formats_collect(&s, &j, &fs) == 0);
	char path[256], gab[128];
	json_error_t je;

	/* BMF: benchmark -> measure -> {value, lower_value, upper_value} */
	snprintf(path, sizeof(path), "%s/f.bmf.json", dir);
	CHECK(formats_bmf(path, &fs) == 0);
	json_t *bmf = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	CHECK(json_is_object(bmf) && json_object_size(bmf) == 5);
	json_t *m = json_object_get(json_object_get(bmf, PP), "throughput");
	CHECK(json_object_size(m) == 3 &&
	      NEAR(json_number_value(json_object_get(m, "value")), 100) &&
	      NEAR(json_number_value(json_object_get(m, "lower_value")), 88) &&
	      NEAR(json_number_value(json_object_get(m, "upper_value")), 112));
	m = json_object_get(json_object_get(bmf, PP), "latency-p90");
	CHECK(json_object_size(m) == 1 &&
	      NEAR(json_number_value(json_object_get(m, "value")), 360));
	CHECK(json_object_size(json_object_get(bmf, PP)) == (size_t)NKEYS(PINGPONG_KEYS));
	CHECK(json_object_get(bmf, ODD) && !json_object_get(bmf, BROKEN));
	json_decref(bmf);

	/* github-action-benchmark: two arrays of {name, unit, value, range?, extra} */
	snprintf(gab, sizeof(gab), "%s/f-gab", dir);
	CHECK(formats_github(gab, &fs) == 0);
	int total = 0;
	for (int k = 0; k < 2; k++) {
		snprintf(path, sizeof(path), "%s-%s.json", gab, k ? "smaller" : "bigger");
		json_t *a = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
		CHECK(json_is_array(a));
		size_t i;
		json_t *o;
		json_array_foreach(a, i, o)
		{
			const char *name = json_string_value(json_object_get(o, "name"));
			CHECK(name && json_is_string(json_object_get(o, "unit")) &&
			      json_is_number(json_object_get(o, "value")) &&
			      json_is_string(json_object_get(o, "extra")));
			for (size_t q = 0; name && q < i; q++)
				CHECK(strcmp(name, json_string_value(json_object_get(
						       json_array_get(a, q), "name"))) != 0);
			/* bigger-is-better figures in one file only */
			bool rate =
			    name && (strstr(name, " - msgs/s") || strstr(name, " - bytes/s"));
			CHECK(rate == (k == 0));
			total++;
		}
		if (k == 0) {
			o = json_array_get(a, 0);
			char want[128];
			snprintf(want, sizeof(want), "%s - msgs/s", PP);
			CHECK(strcmp(json_string_value(json_object_get(o, "name")), want) == 0);
			CHECK(strcmp(json_string_value(json_object_get(o, "unit")), "msgs/s") == 0);
			CHECK(NEAR(json_number_value(json_object_get(o, "value")), 100));
			CHECK(strcmp(json_string_value(json_object_get(o, "range")),
				     "interval 88 to 112") == 0);
			CHECK(strstr(json_string_value(json_object_get(o, "extra")),
				     "verdict: improvement") != NULL);
			/* no range where there are no bounds */
			o = json_array_get(a, 1);
			CHECK(!json_object_get(o, "range"));
		}
		json_decref(a);
	}
	CHECK(total == fs.n);

	/* CSV: the header, CRLF after every record, a name with a comma and
	 * quotes quoted and its quotes doubled, empty fields for none. */
	snprintf(path, sizeof(path), "%s/f.csv", dir);
	CHECK(formats_csv(path, &fs) == 0);
	size_t len = 0;
	char *csv = slurp(path, &len);
	CHECK(csv != NULL);
	if (csv) {
		size_t hl = strlen(formats_csv_header);
		CHECK(strncmp(csv, formats_csv_header, hl) == 0 &&
		      strncmp(csv + hl, "\r\n", 2) == 0);
		int records = 0;
		for (size_t i = 0; i < len; i++)
			if (csv[i] == '\n') {
				CHECK(i > 0 && csv[i - 1] == '\r');
				records++;
			}
		CHECK(records == fs.n + 1 && len > 1 && csv[len - 1] == '\n');
		CHECK(strstr(csv, "\r\n\"pingpong/wait:spin/size:64/cpus:0,1\",msgs/s,"
				  "items_per_second,throughput,msgs/s,bigger,100,88,112,"
				  "interval,5,80,0.25,0.1,0.4,improvement\r\n"));
		CHECK(strstr(csv, "\r\n\"pingpong/wait:spin/size:64/cpus:0,1\",p90 ns,p90_ns,"
				  "latency-p90,ns,smaller,360,,,,5,,,,,\r\n"));
		CHECK(strstr(csv, "\r\n\"odd \"\"name\"\", here\",msgs/s,"));
	}
	free(csv);
	CHECK(files_in(dir) == 4);

	/* A file that cannot be written: -1 with errno, nothing left. */
	snprintf(path, sizeof(path), "%s/none/f.json", dir);
	errno = 0;
	CHECK(formats_bmf(path, &fs) == -1 && errno == ENOENT);
	errno = 0;
	CHECK(formats_csv(path, &fs) == -1 && errno == ENOENT);
	snprintf(gab, sizeof(gab), "%s/none/g", dir);
	errno = 0;
	CHECK(formats_github(gab, &fs) == -1 && errno == ENOENT);
	/* A folder in the file's place: the temporary is removed. */
	snprintf(path, sizeof(path), "%s/adir", dir);
	CHECK(mkdir(path, 0700) == 0);
	CHECK(formats_csv(path, &fs) == -1 && formats_bmf(path, &fs) == -1);
	CHECK(files_in(dir) == 5);
	rmdir(path);

	formats_free(&fs);
	sample_free(&s);
}

/* A file holding text, and what one holds ("" where none). */
static void put_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static bool holds(const char *path, const char *text)
{
	size_t len = 0;
	char *t = slurp(path, &len);
	bool same = t && strcmp(t, text) == 0;
	free(t);
	return same;
}

/* github-action-benchmark's pair: a direction without a figure has no file
 * (the action stops at an empty array), an earlier run's file there is
 * removed, and a pair that cannot be written whole is not written at all. */
static void test_github_pair(void)
{
	json_t *doc = new_doc("test-machine");
	add_case(doc, LT, "latency", 2);
	struct sample_set s;
	if (load(doc, &s)) {
		failures++;
		return;
	}
	struct formats_set fs;
	CHECK(formats_collect(&s, NULL, &fs) == 0);
	CHECK(formats_github_count(&fs, +1) == 0 && formats_github_count(&fs, -1) == fs.n &&
	      fs.n > 0);
	char gab[128], bigger[160], smaller[160];
	snprintf(gab, sizeof(gab), "%s/lat", dir);
	snprintf(bigger, sizeof(bigger), "%s-bigger.json", gab);
	snprintf(smaller, sizeof(smaller), "%s-smaller.json", gab);
	put_text(bigger, "[{\"name\": \"an earlier run\"}]");
	CHECK(formats_github(gab, &fs) == 0);
	CHECK(access(bigger, F_OK) != 0 && errno == ENOENT);
	json_error_t je;
	json_t *a = json_load_file(smaller, 0, &je);
	CHECK(json_is_array(a) && (int)json_array_size(a) == fs.n);
	json_decref(a);
	CHECK(files_in(dir) == 1);
	unlink(smaller);
	formats_free(&fs);
	sample_free(&s);

	/* Both directions, the second's place a folder: the first is not
	 * left written, neither where there was none nor over the file there. */
	if (load(made_up_run(), &s)) {
		failures++;
		return;
	}
	CHECK(formats_collect(&s, NULL, &fs) == 0);
	snprintf(gab, sizeof(gab), "%s/pair", dir);
	snprintf(bigger, sizeof(bigger), "%s-bigger.json", gab);
	snprintf(smaller, sizeof(smaller), "%s-smaller.json", gab);
	CHECK(mkdir(smaller, 0700) == 0);
	errno = 0;
	CHECK(formats_github(gab, &fs) == -1 && errno != 0);
	CHECK(access(bigger, F_OK) != 0);
	put_text(bigger, "old");
	CHECK(formats_github(gab, &fs) == -1);
	CHECK(holds(bigger, "old"));
	CHECK(files_in(dir) == 2); /* the old file and the folder: no temporary */
	/* And the first's place a folder: nothing written either. */
	rmdir(smaller);
	unlink(bigger);
	CHECK(mkdir(bigger, 0700) == 0);
	CHECK(formats_github(gab, &fs) == -1 && access(smaller, F_OK) != 0);
	CHECK(files_in(dir) == 1);
	rmdir(bigger);
	/* Written whole, over an old pair. */
	put_text(bigger, "old");
	put_text(smaller, "old");
	CHECK(formats_github(gab, &fs) == 0 && !holds(bigger, "old") && !holds(smaller, "old"));
	CHECK(files_in(dir) == 2);
	unlink(bigger);
	unlink(smaller);
	formats_free(&fs);
	sample_free(&s);
}

/* Before anything runs: every file the formats write can be written, and
 * none is a file the command writes or reads otherwise. */
static void test_paths(void)
{
	char err[600], a[160], other[160], sub[160], hard[160], gab[160], gabfile[160];
	struct formats_paths p = {.bmf = "x.json", .csv = "/nonexistent/f.csv"};
	CHECK(formats_check_paths(&p, NULL, 0, err, sizeof(err)) == -1 &&
	      strstr(err, "cannot write /nonexistent/f.csv: "));
	p.csv = NULL;
	p.github = dir;
	CHECK(formats_check_paths(&p, NULL, 0, err, sizeof(err)) == 0 && formats_wanted(&p));
	struct formats_paths none = {0};
	CHECK(!formats_wanted(&none));
	CHECK(formats_check_paths(&none, NULL, 0, err, sizeof(err)) == 0);

	/* A folder in a file's place, said now rather than after the run. */
	p = (struct formats_paths){.csv = dir};
	CHECK(formats_check_paths(&p, NULL, 0, err, sizeof(err)) == -1 &&
	      strstr(err, "Is a directory"));
	snprintf(gab, sizeof(gab), "%s/g", dir);
	snprintf(gabfile, sizeof(gabfile), "%s/g-smaller.json", dir);
	CHECK(mkdir(gabfile, 0700) == 0);
	p = (struct formats_paths){.github = gab};
	CHECK(formats_check_paths(&p, NULL, 0, err, sizeof(err)) == -1 && strstr(err, gabfile) &&
	      strstr(err, "Is a directory"));
	rmdir(gabfile);
	CHECK(formats_check_paths(&p, NULL, 0, err, sizeof(err)) == 0);

	/* One file by two names: not there yet, the same folder and name. */
	snprintf(a, sizeof(a), "%s/r.json", dir);
	snprintf(other, sizeof(other), "%s/./r.json", dir);
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	CHECK(mkdir(sub, 0700) == 0);
	snprintf(sub, sizeof(sub), "%s/sub/../r.json", dir);
	p = (struct formats_paths){.bmf = a};
	struct formats_other out = {"--out", other, true};
	CHECK(formats_check_paths(&p, &out, 1, err, sizeof(err)) == -1 && strstr(err, "--bmf") &&
	      strstr(err, "--out") && strstr(err, "the same file"));
	out.path = sub;
	CHECK(formats_check_paths(&p, &out, 1, err, sizeof(err)) == -1);
	/* There: the same inode, whatever the name, a hard link's too. */
	put_text(a, "{}");
	snprintf(hard, sizeof(hard), "%s/hard.json", dir);
	CHECK(link(a, hard) == 0);
	struct formats_other input = {"input", hard, false};
	CHECK(formats_check_paths(&p, &input, 1, err, sizeof(err)) == -1 && strstr(err, "input"));
	p = (struct formats_paths){.csv = hard};
	input.path = other;
	CHECK(formats_check_paths(&p, &input, 1, err, sizeof(err)) == -1);
	/* Two files read only may be one; two the command writes may not. */
	struct formats_other both[2] = {{"input", a, false}, {"input", hard, false}};
	CHECK(formats_check_paths(&none, both, 2, err, sizeof(err)) == 0);
	both[1].writes = true;
	CHECK(formats_check_paths(&none, both, 2, err, sizeof(err)) == -1);
	struct formats_other writes[3] = {
	    {"--json", "v.json", true}, {"--markdown", NULL, true}, {"--junit", "./v.json", true}};
	CHECK(formats_check_paths(&none, writes, 3, err, sizeof(err)) == -1 &&
	      strstr(err, "--json v.json and --junit ./v.json"));
	/* The formats' own files against each other, github's by their
	 * names, and files that differ pass. */
	p = (struct formats_paths){.bmf = "x", .csv = "./x"};
	CHECK(formats_check_paths(&p, NULL, 0, err, sizeof(err)) == -1);
	snprintf(gabfile, sizeof(gabfile), "%s/g-bigger.json", dir);
	p = (struct formats_paths){.github = gab};
	out.path = gabfile;
	CHECK(formats_check_paths(&p, &out, 1, err, sizeof(err)) == -1 &&
	      strstr(err, "--github-benchmark"));
	p = (struct formats_paths){.bmf = a, .github = gab, .csv = "x.csv"};
	struct formats_other fine[3] = {
	    {"--out", "r.json", true}, {"input", hard, false}, {"--json", NULL, true}};
	unlink(hard);
	CHECK(formats_check_paths(&p, fine, 3, err, sizeof(err)) == 0);
	unlink(a);
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	rmdir(sub);
}

/* Everything left in dir, then dir. */
static void clean(void)
{
	DIR *dp = opendir(dir);
	char path[600];
	for (struct dirent *de; dp && (de = readdir(dp));) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (unlink(path) != 0)
			rmdir(path);
	}
	if (dp)
		closedir(dp);
	rmdir(dir);
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test_formats.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("test_formats: mkdtemp");
		return 1;
	}
	test_table();
	test_run();
	test_gbench();
	test_verdict_rows();
	test_judged();
	test_files();
	clean();
	if (!mkdtemp(strcpy(dir, "/tmp/test_formats.XXXXXX"))) {
		perror("test_formats: mkdtemp");
		return 1;
	}
	test_github_pair();
	test_paths();
	clean();
	if (failures) {
		fprintf(stderr, "test_formats: %d checks failed\n", failures);
		return 1;
	}
	printf("test_formats: ok\n");
	return 0;
}
