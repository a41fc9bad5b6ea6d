/* test_score.c: the suite score (judge/score.h) on synthetic results with
 * known answers: its ratio, its orientation, its interval by each method,
 * one score per machine state, exact counts, and the line people read.  No
 * timing: every figure here is made up, with a seeded generator. */
#include "judge/sample.h"
#include "judge/score.h"
#include "judge/stats.h"
#include "judge/verdict.h"
#include "judge/writeup.h"
#include "synth.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- building results documents ---- */

static json_t *new_doc(void)
{
	return json_pack("{s:{s:s, s:s, s:s, s:s}, s:[]}", "context", "machine_id", "m",
			 "library_build_type", "release", "git_revision", "test", "date", "today",
			 "benchmarks");
}

/* One repetition of a ringbench case of `mode` ("pingpong", "latency"):
 * its rate and p50 (ns), in run `run` (NULL: none named), taken in state
 * `state` (probe ns; 0: not recorded). */
static void add_rep(json_t *doc, const char *name, const char *mode, int rep, const char *run,
		    double rate, double p50, double state)
{
	json_t *e =
	    json_pack("{s:s, s:s, s:s, s:s, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:i}", "name", name,
		      "run_name", name, "run_type", "iteration", "mode", mode, "items_per_second",
		      rate, "p50_ns", p50, "p99_ns", 1.5 * p50, "producer_cpu_ns_per_msg",
		      1e9 / rate, "consumer_cpu_ns_per_msg", 1e9 / rate, "syscalls_per_msg", 0.0,
		      "real_time", 1e9 / rate, "repetition_index", rep);
	if (run)
		json_object_set_new(e, "run_id", json_string(run));
	if (state > 0) {
		json_object_set_new(e, "state_before_ns", json_real(state));
		json_object_set_new(e, "state_after_ns", json_real(state));
	}
	json_array_append_new(json_object_get(doc, "benchmarks"), e);
}

/* A pingpong repetition: the rate, p50 its round trip. */
static void add_pp(json_t *doc, const char *name, int rep, const char *run, double rate,
		   double state)
{
	add_rep(doc, name, "pingpong", rep, run, rate, 1e9 / rate, state);
}

/* A Google Benchmark repetition with a time and no rate. */
static void add_time(json_t *doc, const char *name, int rep, double ns)
{
	json_array_append_new(json_object_get(doc, "benchmarks"),
			      json_pack("{s:s, s:s, s:s, s:f, s:s, s:i}", "name", name, "run_name",
					name, "run_type", "iteration", "real_time", ns, "time_unit",
					"ns", "repetition_index", rep));
}

/* An instruction count of one operation, as ringbench --instructions
 * writes it. */
static void add_instr(json_t *doc, const char *name, double per_op)
{
	json_array_append_new(json_object_get(doc, "benchmarks"),
			      json_pack("{s:s, s:s, s:s, s:i, s:f}", "name", name, "run_name", name,
					"run_type", "iteration", "repetition_index", 0,
					"instructions_per_op", per_op));
}

/* Judge c against b with o; the judgement in j (rows' names cleared: they
 * point into the current set, freed here).  0, or -1. */
static int run_judge(json_t *b, json_t *c, const struct judge_opts *o, struct judgement *j)
{
	struct sample_set sb, sc;
	char err[512];
	if (sample_from_json(b, "base", &sb, err, sizeof(err)) ||
	    sample_from_json(c, "current", &sc, err, sizeof(err))) {
		fprintf(stderr, "test_score: %s\n", err);
		failures++;
		json_decref(b);
		json_decref(c);
		return -1;
	}
	int rc = judge(&sb, &sc, o, j, err, sizeof(err));
	if (rc)
		fprintf(stderr, "test_score: %s\n", err);
	for (int i = 0; rc == 0 && i < j->nrows; i++)
		j->rows[i].name = "";
	sample_free(&sb);
	sample_free(&sc);
	json_decref(b);
	json_decref(c);
	return rc;
}

static bool near(double x, double want, double tol)
{
	return fabs(x - want) <= tol;
}

/* The score's line as the table prints it. */
static void line_of(const struct judgement *j, int i, char *out, size_t n)
{
	writeup_score_line(out, n, j, &j->scores[i], 0.95);
}

/* ---- (a) pairs, every case 10% slower ---- */

/* Cases of 20 pairs each, every current repetition 10% slower in rate than
 * its pair's base with 1% noise; the same seed each call. */
static void ten_percent_pairs(struct judgement *j, uint64_t seed)
{
	stats_rng_seed(&rng, seed);
	json_t *b = new_doc(), *c = new_doc();
	for (int k = 0; k < 5; k++) {
		char name[32];
		snprintf(name, sizeof(name), "pingpong/case:%d", k);
		for (int i = 0; i < 20; i++) {
			double rate = 1e6 * (k + 1) * exp(0.03 * gauss());
			add_pp(b, name, i, NULL, rate, 62);
			add_pp(c, name, i, NULL, rate / 1.1 * exp(0.01 * gauss()), 62);
		}
	}
	struct judge_opts o;
	judge_defaults(&o, true);
	CHECK(run_judge(b, c, &o, j) == 0);
}

static void test_pairs(void)
{
	struct judgement j;
	ten_percent_pairs(&j, 7);
	CHECK(j.method == JUDGE_PAIRS && j.nscores == 1);
	if (j.nscores == 1) {
		const struct suite_score *s = &j.scores[0];
		CHECK(near(s->ratio, 1.10, 0.005) && s->ncases == 5 && !s->exact);
		CHECK(s->lo <= 1.10 && s->hi >= 1.10 && s->lo > 1.0);
		CHECK(s->lo < s->ratio && s->ratio < s->hi);
		char line[256];
		line_of(&j, 0, line, sizeof(line));
		CHECK(strstr(line, "suite score, state 62-62 ns: 1.10") == line);
		CHECK(strstr(line, "% slower), 95% interval 1.") && strstr(line, ", over 5 cases"));
	}
	/* (g) The same input, the same interval, to the bit. */
	struct judgement again;
	ten_percent_pairs(&again, 7);
	CHECK(j.nscores == 1 && again.nscores == 1 && j.scores[0].lo == again.scores[0].lo &&
	      j.scores[0].hi == again.scores[0].hi && j.scores[0].ratio == again.scores[0].ratio);
	judgement_free(&j);
	judgement_free(&again);
}

/* ---- (b) the geometric mean; cases left out ---- */

static void test_geometric_mean(void)
{
	json_t *b = new_doc(), *c = new_doc();
	/* The same spread on both sides, so each case's ratio is exact: one
	 * 21% slower in rate, one unchanged. */
	for (int i = 0; i < 10; i++) {
		double spread = 1 + 0.01 * i;
		add_pp(b, "pingpong/slower", i, NULL, 2e6 * spread, 62);
		add_pp(c, "pingpong/slower", i, NULL, 2e6 * spread / 1.21, 62);
		add_pp(b, "pingpong/same", i, NULL, 5e6 * spread, 62);
		add_pp(c, "pingpong/same", i, NULL, 5e6 * spread, 62);
	}
	/* Three repetitions a side: data in the state, but too few for the
	 * rank test to reach alpha, so no verdict and left out. */
	for (int i = 0; i < 3; i++) {
		add_pp(b, "pingpong/few", i, NULL, 1e6, 62);
		add_pp(c, "pingpong/few", i, NULL, 0.5e6, 62);
	}
	struct judge_opts o;
	judge_defaults(&o, false);
	struct judgement j;
	CHECK(run_judge(b, c, &o, &j) == 0);
	CHECK(j.method == JUDGE_REPS && j.nscores == 1);
	if (j.nscores == 1) {
		CHECK(near(j.scores[0].ratio, sqrt(1.21), 1e-9));
		CHECK(j.scores[0].ncases == 2 && j.too_few > 0);
		CHECK(j.scores[0].lo <= j.scores[0].ratio && j.scores[0].hi >= j.scores[0].ratio);
	}
	judgement_free(&j);
}

/* ---- (c) one score per machine state ---- */

static void test_states(void)
{
	stats_rng_seed(&rng, 11);
	json_t *b, *c;
	struct judge_opts o;
	struct judgement j;
	/* A round trip near 150 ns (line 62 ns) or 530 ns (line 310 ns); the
	 * current build 10% slower in the fast state only: by repetitions and
	 * by pairs. */
	for (int paired = 0; paired < 2; paired++) {
		b = new_doc(), c = new_doc();
		for (int k = 0; k < 3; k++) {
			char name[32];
			snprintf(name, sizeof(name), "pingpong/case:%d", k);
			for (int i = 0; i < 24; i++) {
				bool fast = i % 2 == 0;
				double rate = (fast ? 6.6e6 : 1.9e6) * exp(0.01 * gauss());
				add_pp(b, name, i, NULL, rate, fast ? 62 : 310);
				rate = (fast ? 6.6e6 / 1.1 : 1.9e6) * exp(0.01 * gauss());
				add_pp(c, name, i, NULL, rate, fast ? 62 : 310);
			}
		}
		judge_defaults(&o, paired);
		CHECK(run_judge(b, c, &o, &j) == 0);
		CHECK(j.nstates == 2 && j.nscores == 2);
		CHECK(j.method == (paired ? JUDGE_PAIRS : JUDGE_REPS));
		if (j.nscores == 2) {
			CHECK(strcmp(j.scores[0].state, "state 62-62 ns") == 0);
			CHECK(strcmp(j.scores[1].state, "state 310-310 ns") == 0);
			CHECK(near(j.scores[0].ratio, 1.10, 0.01) && j.scores[0].lo > 1.05);
			CHECK(near(j.scores[1].ratio, 1.00, 0.01) && j.scores[1].lo < 1.0 &&
			      j.scores[1].hi > 1.0);
			CHECK(j.scores[0].ncases == 3 && j.scores[1].ncases == 3);
		}
		judgement_free(&j);
	}
	judge_defaults(&o, false);
	/* Without probes: one score, said so. */
	b = new_doc(), c = new_doc();
	for (int i = 0; i < 10; i++) {
		add_pp(b, "pingpong/x", i, NULL, 1e6 * (1 + 0.01 * i), 0);
		add_pp(c, "pingpong/x", i, NULL, 1e6 * (1 + 0.01 * i), 0);
	}
	CHECK(run_judge(b, c, &o, &j) == 0);
	CHECK(j.nscores == 1 && strcmp(j.scores[0].state, "no state recorded") == 0);
	CHECK(j.nscores == 1 && near(j.scores[0].ratio, 1.0, 1e-12));
	if (j.nscores == 1) {
		char line[256];
		line_of(&j, 0, line, sizeof(line));
		CHECK(strstr(line,
			     "suite score, no state recorded: 1.000 (no change), 95% interval") ==
		      line);
	}
	judgement_free(&j);
}

/* ---- (d) the run as the unit ---- */

/* Base: nb runs at the levels given (10 repetitions each, 0.5% apart);
 * current: `runs` runs at level `now`, of nc repetitions each; two cases. */
static void runs_docs(json_t **b, json_t **c, const double *levels, int nb, double now, int runs,
		      int nc)
{
	*b = new_doc(), *c = new_doc();
	const char *names[2] = {"pingpong/a", "pingpong/b"};
	for (int k = 0; k < 2; k++) {
		for (int r = 0; r < nb; r++) {
			char id[16];
			snprintf(id, sizeof(id), "base-%d", r);
			for (int i = 0; i < 10; i++)
				add_pp(*b, names[k], i, id, 1e6 * levels[r] * (1 + 0.005 * (i % 3)),
				       62);
		}
		for (int r = 0; r < runs; r++) {
			char id[16];
			snprintf(id, sizeof(id), "now-%d", r);
			for (int i = 0; i < nc; i++)
				add_pp(*c, names[k], i, id, 1e6 * now * (1 + 0.005 * (i % 3)), 62);
		}
	}
}

static void test_runs(void)
{
	/* One run per side, however many repetitions: a score, no interval. */
	const double one[1] = {1.0};
	json_t *b, *c;
	runs_docs(&b, &c, one, 1, 1 / 1.2, 1, 40);
	struct judge_opts o;
	judge_defaults(&o, false);
	o.runs = true;
	struct judgement j;
	CHECK(run_judge(b, c, &o, &j) == 0);
	CHECK(j.method == JUDGE_RUNS && j.one_run_each && j.nscores == 1);
	if (j.nscores == 1) {
		CHECK(near(j.scores[0].ratio, 1.2, 1e-9) && j.scores[0].ncases == 2);
		CHECK(isnan(j.scores[0].lo) && isnan(j.scores[0].hi));
		char line[256];
		line_of(&j, 0, line, sizeof(line));
		CHECK(strstr(line, "1.200 (20.0% slower), interval none: one run per side, over 2 "
				   "cases") != NULL);
	}
	judgement_free(&j);

	/* Six base runs 10% apart, one current run 20% slower: the ratio is
	 * the run means' (as the row's), and the interval is the runs' spread,
	 * far wider than the repetitions' (0.5% apart) would give. */
	const double six[6] = {1.0, 1.1, 0.9, 1.05, 0.95, 1.0};
	double mean = 0;
	for (int r = 0; r < 6; r++)
		mean += log(six[r]) / 6;
	runs_docs(&b, &c, six, 6, 1 / 1.2, 1, 10);
	CHECK(run_judge(b, c, &o, &j) == 0);
	CHECK(j.method == JUDGE_RUNS && !j.one_run_each && j.nscores == 1);
	if (j.nscores == 1) {
		CHECK(near(j.scores[0].ratio, exp(mean) * 1.2, 1e-6));
		CHECK(j.scores[0].lo < j.scores[0].ratio && j.scores[0].hi > j.scores[0].ratio);
		CHECK(j.scores[0].hi / j.scores[0].lo > 1.15);
	}
	judgement_free(&j);
	/* Three current runs that agree: the base's runs' spread pooled with
	 * theirs (none) on Student's t, a mean of three against a mean of six:
	 * narrower than one new run's, far wider than the repetitions'. */
	runs_docs(&b, &c, six, 6, 1 / 1.2, 3, 10);
	CHECK(run_judge(b, c, &o, &j) == 0);
	CHECK(j.method == JUDGE_RUNS && j.cur_runs == 3 && j.nscores == 1);
	if (j.nscores == 1) {
		CHECK(near(j.scores[0].ratio, exp(mean) * 1.2, 1e-6));
		CHECK(j.scores[0].lo < j.scores[0].ratio && j.scores[0].hi > j.scores[0].ratio);
		CHECK(j.scores[0].hi / j.scores[0].lo > 1.15 &&
		      j.scores[0].hi / j.scores[0].lo < 1.3);
	}
	judgement_free(&j);
	/* The same files with repetitions as draws: a narrow interval. */
	runs_docs(&b, &c, six, 6, 1 / 1.2, 1, 10);
	o.runs = false;
	CHECK(run_judge(b, c, &o, &j) == 0);
	CHECK(j.method == JUDGE_REPS && j.nscores == 1);
	CHECK(j.nscores == 1 && j.scores[0].hi / j.scores[0].lo < 1.15);
	judgement_free(&j);

	/* Four base runs: too few for the verdict, so no score. */
	runs_docs(&b, &c, six, 4, 1 / 1.2, 1, 10);
	o.runs = true;
	CHECK(run_judge(b, c, &o, &j) == 0);
	CHECK(j.nscores == 0);
	judgement_free(&j);
}

/* ---- (d2) by runs, the score's interval is the rows' ---- */

/* Base: nb runs of case k at levels[k][r], 10 repetitions each, 2% apart
 * within a run; current: `runs` runs of nc repetitions each at
 * now[k] * nowlev[r] (the same spread within a run).  Every case named
 * pingpong/k. */
static void runs_cases(json_t **b, json_t **c, int ncases, const double (*levels)[6], int nb,
		       const double *now, const double *nowlev, int runs, int nc)
{
	*b = new_doc(), *c = new_doc();
	for (int k = 0; k < ncases; k++) {
		char name[32];
		snprintf(name, sizeof(name), "pingpong/%d", k);
		for (int r = 0; r < nb; r++) {
			char id[16];
			snprintf(id, sizeof(id), "base-%d", r);
			for (int i = 0; i < 10; i++)
				add_pp(*b, name, i, id,
				       1e6 * levels[k][r] * exp(0.02 * (i % 5 - 2)), 62);
		}
		for (int r = 0; r < runs; r++) {
			char id[16];
			snprintf(id, sizeof(id), "now-%d", r);
			for (int i = 0; i < nc; i++)
				add_pp(*c, name, i, id,
				       1e6 * now[k] * nowlev[r] * exp(0.02 * (i % 5 - 2)), 62);
		}
	}
}

/* Judges the documents runs_cases makes (built twice, as judging frees
 * them) by runs with each figure's one-sided alpha (1 - level) / 2, so
 * that every row's interval is at the score's level: the judgement in j. */
static int judge_at_score_level(int ncases, const double (*levels)[6], const double *now,
				const double *nowlev, int runs, int nc, struct judgement *j)
{
	struct judge_opts o;
	judge_defaults(&o, false);
	o.runs = true;
	json_t *b, *c;
	runs_cases(&b, &c, ncases, levels, 6, now, nowlev, runs, nc);
	if (run_judge(b, c, &o, j))
		return -1;
	int tests = j->tests;
	judgement_free(j);
	o.alpha = (1 - o.level) / 2 * tests;
	runs_cases(&b, &c, ncases, levels, 6, now, nowlev, runs, nc);
	return run_judge(b, c, &o, j);
}

/* A rate's row's interval as the score orients it: base / current. */
static void row_worse(const struct judge_row *r, double *ratio, double *lo, double *hi)
{
	*ratio = 1 / (1 + r->change);
	*lo = 1 / (1 + r->hi);
	*hi = 1 / (1 + r->lo);
}

/* The score of one case against its rate's row, at the same level: the
 * same ratio and, within 3% of the width, the same interval. */
static void check_one_case(const double (*levels)[6], const double *now, const double *nowlev,
			   int runs, int nc)
{
	struct judgement j;
	CHECK(judge_at_score_level(1, levels, now, nowlev, runs, nc, &j) == 0);
	CHECK(j.method == JUDGE_RUNS && j.nscores == 1 && j.nrows > 0 && j.rows[0].fig == FIG_RATE);
	if (j.nscores == 1 && j.nrows > 0) {
		double ratio, lo, hi;
		const struct suite_score *s = &j.scores[0];
		row_worse(&j.rows[0], &ratio, &lo, &hi);
		double width = log(s->hi / s->lo), row_width = log(hi / lo);
		CHECK(near(s->ratio, ratio, 1e-9 * ratio));
		CHECK(fabs(width / row_width - 1) < 0.03);
		CHECK(fabs(log(s->lo / lo)) < 0.03 * row_width &&
		      fabs(log(s->hi / hi)) < 0.03 * row_width);
	}
	judgement_free(&j);
}

static void test_runs_as_rows(void)
{
	static const double six[2][6] = {{1.0, 1.1, 0.9, 1.05, 0.95, 1.0},
					 {1.05, 1.05, 1.05, 0.95, 0.95, 0.95}};
	static const double flat[1][6] = {{1.0, 1.001, 0.999, 1.0, 1.0005, 0.9995}};
	const double now[2] = {1 / 1.2, 1 / 1.1}, nowlev[3] = {1.0, 1.04, 0.97};
	/* Six base runs against one: the prediction interval for a new run. */
	check_one_case(six, now, nowlev, 1, 10);
	/* Against three runs that differ, of fewer repetitions than the
	 * base's: the spreads pooled, and the allowance for the medians of
	 * fewer repetitions. */
	check_one_case(six, now, nowlev, 3, 4);
	/* Base runs that agree to 0.1%: the runs' spread taken as 1%. */
	check_one_case(flat, now, nowlev, 1, 10);
	check_one_case(flat, now, nowlev, 3, 10);

	/* Two cases whose runs move independently (their levels' logs
	 * uncorrelated over the runs): the suite's interval is narrower than
	 * a row's, as a mean of two is, but no narrower than half the
	 * narrower row's, and no wider than the wider. */
	struct judgement j;
	CHECK(judge_at_score_level(2, six, now, nowlev, 1, 10, &j) == 0);
	CHECK(j.nscores == 1 && j.scores[0].ncases == 2);
	double width[2] = {0, 0};
	int found = 0;
	for (int i = 0; i < j.nrows; i++)
		if (j.rows[i].fig == FIG_RATE && found < 2) {
			double ratio, lo, hi;
			row_worse(&j.rows[i], &ratio, &lo, &hi);
			width[found++] = log(hi / lo);
		}
	CHECK(found == 2);
	if (j.nscores == 1 && found == 2) {
		double w = log(j.scores[0].hi / j.scores[0].lo);
		CHECK(w >= 0.5 * fmin(width[0], width[1]) && w <= fmax(width[0], width[1]));
		CHECK(near(j.scores[0].ratio, sqrt(1.2 * 1.1), 0.01));
	}
	judgement_free(&j);
}

/* ---- (e) instruction counts ---- */

static void test_instructions(void)
{
	json_t *b = new_doc(), *c = new_doc();
	for (int k = 0; k < 8; k++) {
		char name[48];
		snprintf(name, sizeof(name), "instructions/op%d/size:64", k);
		add_instr(b, name, 20.0 * (k + 1));
		add_instr(c, name, 20.0 * (k + 1) * 1.004);
	}
	struct judge_opts o;
	judge_defaults(&o, false);
	o.runs = true;
	struct judgement j;
	CHECK(run_judge(b, c, &o, &j) == 0);
	CHECK(j.nscores == 1);
	if (j.nscores == 1) {
		const struct suite_score *s = &j.scores[0];
		CHECK(strcmp(s->state, "instructions") == 0 && s->exact && s->ncases == 8);
		CHECK(near(s->ratio, 1.004, 1e-12) && s->lo == s->ratio && s->hi == s->ratio);
		char line[256];
		line_of(&j, 0, line, sizeof(line));
		CHECK(strcmp(line, "suite score, instructions: 1.004 (0.4% more), exact, over 8 "
				   "operations") == 0);
	}
	judgement_free(&j);
}

/* ---- (f) the orientation ---- */

static void test_orientation(void)
{
	struct judge_opts o;
	judge_defaults(&o, false);
	struct judgement j;
	/* A time 10% higher: worse, 1.10. */
	json_t *b = new_doc(), *c = new_doc();
	for (int i = 0; i < 10; i++) {
		add_time(b, "BM_x", i, 100 * (1 + 0.01 * i));
		add_time(c, "BM_x", i, 110 * (1 + 0.01 * i));
	}
	CHECK(run_judge(b, c, &o, &j) == 0);
	CHECK(j.nrows >= 1 && j.rows[0].fig == FIG_TIME);
	CHECK(j.nscores == 1 && near(j.scores[0].ratio, 1.10, 1e-9));
	judgement_free(&j);
	/* A rate 10% higher: better, 1/1.1, said as faster. */
	b = new_doc(), c = new_doc();
	for (int i = 0; i < 10; i++) {
		add_pp(b, "pingpong/x", i, NULL, 1e6 * (1 + 0.01 * i), 62);
		add_pp(c, "pingpong/x", i, NULL, 1.1e6 * (1 + 0.01 * i), 62);
	}
	CHECK(run_judge(b, c, &o, &j) == 0);
	CHECK(j.nscores == 1 && near(j.scores[0].ratio, 1 / 1.1, 1e-9));
	if (j.nscores == 1) {
		char line[256];
		line_of(&j, 0, line, sizeof(line));
		CHECK(strstr(line, ": 0.909 (9.1% faster), 95% interval") != NULL);
	}
	judgement_free(&j);
	/* A ping-pong's headline is its rate, not its p50: a rate 10% lower
	 * with the same p50 is 1.10. */
	b = new_doc(), c = new_doc();
	for (int i = 0; i < 10; i++) {
		add_rep(b, "pingpong/x", "pingpong", i, NULL, 1e6 * (1 + 0.01 * i), 500, 62);
		add_rep(c, "pingpong/x", "pingpong", i, NULL, 1e6 / 1.1 * (1 + 0.01 * i), 500, 62);
	}
	CHECK(run_judge(b, c, &o, &j) == 0);
	CHECK(j.nscores == 1 && near(j.scores[0].ratio, 1.10, 1e-9));
	judgement_free(&j);
	/* A latency case: its rate is the one it was told to keep, so its
	 * p50 is the headline: 10% higher is 1.10 whatever the rate. */
	b = new_doc(), c = new_doc();
	for (int i = 0; i < 10; i++) {
		add_rep(b, "latency/x", "latency", i, NULL, 1e5, 200 * (1 + 0.01 * i), 62);
		add_rep(c, "latency/x", "latency", i, NULL, 1e5, 220 * (1 + 0.01 * i), 62);
	}
	CHECK(run_judge(b, c, &o, &j) == 0);
	CHECK(j.nscores == 1 && near(j.scores[0].ratio, 1.10, 1e-9));
	judgement_free(&j);
}

/* ---- the outputs lead with it ---- */

/* What a writer wrote, as a string (malloc'd). */
#define CAPTURE(out, call)                                                                         \
	do {                                                                                       \
		size_t len_ = 0;                                                                   \
		FILE *f_ = open_memstream(&(out), &len_);                                          \
		if (f_) {                                                                          \
			call;                                                                      \
			fclose(f_);                                                                \
		}                                                                                  \
	} while (0)

/* The line before the last of text, into out. */
static void second_last_line(const char *text, char *out, size_t n)
{
	const char *end = text + strlen(text), *p = end > text ? end - 1 : end;
	int seen = 0;
	while (p > text && seen < 2)
		seen += *--p == '\n';
	if (*p == '\n')
		p++;
	const char *e = strchr(p, '\n');
	snprintf(out, n, "%.*s", e ? (int)(e - p) : 0, p);
}

static void test_writeup(void)
{
	json_t *b = new_doc(), *c = new_doc();
	for (int i = 0; i < 10; i++) {
		add_pp(b, "pingpong/x", i, NULL, 1e6 * (1 + 0.01 * i), 62);
		add_pp(c, "pingpong/x", i, NULL, 1e6 / 1.2 * (1 + 0.01 * i), 62);
	}
	struct sample_set sb, sc;
	char err[512];
	struct judge_opts o;
	judge_defaults(&o, false);
	struct judgement j;
	if (sample_from_json(b, "base.json", &sb, err, sizeof(err)) ||
	    sample_from_json(c, "current.json", &sc, err, sizeof(err)) ||
	    judge(&sb, &sc, &o, &j, err, sizeof(err))) {
		fprintf(stderr, "test_score: %s\n", err);
		failures++;
		return;
	}
	json_decref(b);
	json_decref(c);
	struct writeup_meta m = {.command = "compare",
				 .base = &sb,
				 .cur = &sc,
				 .base_label = "base",
				 .cur_label = "current",
				 .opts = &o};
	const char *want = "suite score, state 62-62 ns: 1.200 (20.0% slower), 95% interval ";
	char *md = NULL, *html = NULL, *table = NULL;
	CAPTURE(md, writeup_markdown_to(f_, &j, &m));
	CAPTURE(html, writeup_html(f_, &j, &m));
	CAPTURE(table, writeup_table(f_, &j, &m, false));
	/* Markdown: the title (the summary), a blank line, then the score. */
	const char *nl = md ? strchr(md, '\n') : NULL;
	CHECK(md && strncmp(md, "### ringbench compare: REGRESSION", 33) == 0);
	CHECK(nl && strncmp(nl, "\n\n- ", 4) == 0 && strncmp(nl + 4, want, strlen(want)) == 0);
	/* HTML (the report page's verdict): the summary, then the score. */
	const char *after = html ? strstr(html, "</p>\n") : NULL;
	CHECK(html && strncmp(html, "<p class=\"verdict s1\">", 22) == 0);
	CHECK(after && strncmp(after + 5, "<p class=\"score\">", 17) == 0 &&
	      strncmp(after + 22, want, strlen(want)) == 0);
	/* The table: the score just above the summary, its last line. */
	char line[512] = "";
	if (table)
		second_last_line(table, line, sizeof(line));
	CHECK(strncmp(line, want, strlen(want)) == 0);
	free(md), free(html), free(table);

	/* A regression acknowledged (as ringbench ack marks it after judge()):
	 * counted in the summary, shown as a regression with its reason. */
	for (int i = 0; i < j.nrows; i++)
		if (j.rows[i].v == V_REGRESSION && j.rows[i].fig == FIG_RATE) {
			j.rows[i].v = V_ACKED;
			snprintf(j.rows[i].note, sizeof(j.rows[i].note), "slower by design");
			j.regressions--;
			j.acknowledged++;
		}
	CHECK(j.acknowledged == 1);
	char *sum = NULL;
	CAPTURE(sum, writeup_summary(f_, &j, &m));
	CHECK(sum && strstr(sum, " regressions, 1 acknowledged, ") != NULL);
	CAPTURE(table, writeup_table(f_, &j, &m, false));
	CHECK(table && strstr(table, "acknowledged (threshold ") &&
	      strstr(table, "[slower by design]"));
	CAPTURE(md, writeup_markdown_to(f_, &j, &m));
	CHECK(md && strstr(md, "**acknowledged** <code>slower by design</code> |"));
	free(sum), free(table), free(md);

	/* JSON: the suite_score array. */
	char dir[] = "/tmp/test_score.XXXXXX", path[64];
	if (mkdtemp(dir)) {
		snprintf(path, sizeof(path), "%s/j.json", dir);
		CHECK(writeup_json(path, &j, &m) == 0);
		json_t *doc = json_load_file(path, 0, NULL);
		json_t *a = json_object_get(doc, "suite_score"), *s0 = json_array_get(a, 0);
		CHECK(json_array_size(a) == 1);
		CHECK(near(json_real_value(json_object_get(s0, "ratio")), 1.2, 1e-9));
		CHECK(json_real_value(json_object_get(s0, "ci_low")) <= 1.2 &&
		      json_real_value(json_object_get(s0, "ci_high")) >= 1.2);
		CHECK(json_integer_value(json_object_get(s0, "cases")) == 1 &&
		      json_is_false(json_object_get(s0, "exact")));
		const char *state = json_string_value(json_object_get(s0, "state"));
		CHECK(state && strcmp(state, "state 62-62 ns") == 0);
		json_decref(doc);
		unlink(path);
		rmdir(dir);
	} else {
		CHECK(!"mkdtemp");
	}
	judgement_free(&j);
	sample_free(&sb);
	sample_free(&sc);
}

int main(void)
{
	test_pairs();
	test_geometric_mean();
	test_states();
	test_runs();
	test_runs_as_rows();
	test_instructions();
	test_orientation();
	test_writeup();
	if (failures) {
		fprintf(stderr, "test_score: %d checks failed\n", failures);
		return 1;
	}
	printf("test_score: ok\n");
	return 0;
}
