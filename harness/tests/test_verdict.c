/* test_verdict.c: the statistics and the verdicts on synthetic results with
 * known answers.  No timing: every figure here is made up, with a seeded
 * generator, so each check has one right answer. */
#include "judge/sample.h"
#include "judge/stats.h"
#include "synth.h"
#include "judge/verdict.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- building results documents ---- */

static json_t *new_doc(const char *machine, const char *build)
{
	return json_pack("{s:{s:s, s:s, s:s, s:s}, s:[]}", "context", "machine_id", machine,
			 "library_build_type", build, "git_revision", "test", "date", "today",
			 "benchmarks");
}

/* One repetition of a pingpong case: its round-trip rate, p50, p99, CPU
 * and system calls, taken in state `state` (probe ns; 0: not recorded;
 * `drift` makes the after-probe differ). */
static void add_rep(json_t *doc, const char *name, int rep, double rate, double syscalls,
		    double state, double drift)
{
	json_t *e = json_pack("{s:s, s:s, s:s, s:s, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:i}",
			      "name", name, "run_name", name, "run_type", "iteration", "mode",
			      "pingpong", "items_per_second", rate, "p50_ns", 1e9 / rate, "p99_ns",
			      1.5e9 / rate, "producer_cpu_ns_per_msg", 1e9 / rate,
			      "consumer_cpu_ns_per_msg", 1e9 / rate, "syscalls_per_msg", syscalls,
			      "real_time", 1e9 / rate, "repetition_index", rep);
	if (state > 0) {
		json_object_set_new(e, "state_before_ns", json_real(state));
		json_object_set_new(e, "state_after_ns", json_real(state * drift));
	}
	json_array_append_new(json_object_get(doc, "benchmarks"), e);
}

static void add_failure(json_t *doc, const char *name, const char *msg)
{
	json_array_append_new(json_object_get(doc, "benchmarks"),
			      json_pack("{s:s, s:s, s:s, s:b, s:s}", "name", name, "run_type",
					"iteration", "mode", "pingpong", "error_occurred", 1,
					"error_message", msg));
}

/* n repetitions around `rate` with relative noise sd. */
static void add_case(json_t *doc, const char *name, int n, double rate, double sd, double state)
{
	for (int i = 0; i < n; i++)
		add_rep(doc, name, i, rate * exp(sd * gauss()), 0, state, 1);
}

static int run_judge(json_t *b, json_t *c, const struct judge_opts *o, struct judgement *j)
{
	struct sample_set sb, sc;
	char err[512];
	if (sample_from_json(b, "base", &sb, err, sizeof(err)) ||
	    sample_from_json(c, "current", &sc, err, sizeof(err))) {
		fprintf(stderr, "test_verdict: %s\n", err);
		failures++;
		return -2;
	}
	int rc = judge(&sb, &sc, o, j, err, sizeof(err));
	/* The rows point into sc: keep only what the tests read. */
	for (int i = 0; rc == 0 && i < j->nrows; i++)
		j->rows[i].name = "";
	sample_free(&sb);
	sample_free(&sc);
	json_decref(b);
	json_decref(c);
	return rc;
}

/* The verdict on one figure of a single-case comparison. */
static enum verdict verdict_of(const struct judgement *j, enum fig f)
{
	for (int i = 0; i < j->nrows; i++)
		if (j->rows[i].fig == f)
			return j->rows[i].v;
	return (enum verdict) - 1;
}

/* ---- the statistics alone ---- */

static void test_stats(void)
{
	double minp, p;
	/* Five against five, fully separated: the exact two-sided p is
	 * 2/C(10,5) = 2/252, and that is also the least possible. */
	double x[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
	int g[10] = {0, 0, 0, 0, 0, 1, 1, 1, 1, 1}, s[10] = {0};
	p = stats_ranksum_p(x, g, s, 10, 1, &minp);
	CHECK(fabs(p - 2.0 / 252) < 1e-12 && fabs(minp - 2.0 / 252) < 1e-12);
	/* Identical values: no evidence at all. */
	double same[10] = {5, 5, 5, 5, 5, 5, 5, 5, 5, 5};
	p = stats_ranksum_p(same, g, s, 10, 1, &minp);
	CHECK(p == 1);
	/* Three against three cannot reach 0.01 (least p 0.1). */
	p = stats_ranksum_p(x, (int[]){0, 0, 0, 1, 1, 1}, s, 6, 1, &minp);
	CHECK(fabs(minp - 0.1) < 1e-12 && fabs(p - 0.1) < 1e-12);
	/* Interleaved groups: nothing to see. */
	p = stats_ranksum_p(x, (int[]){0, 1, 0, 1, 0, 1, 0, 1, 0, 1}, s, 10, 1, &minp);
	CHECK(p > 0.5);
	/* Two strata, each separated the same way: stronger together than
	 * either alone (2/252 each; together 2/252^2). */
	double x2[20];
	int g2[20], s2[20];
	for (int i = 0; i < 20; i++) {
		x2[i] = x[i % 10] + (i >= 10 ? 100 : 0);
		g2[i] = g[i % 10];
		s2[i] = i >= 10;
	}
	p = stats_ranksum_p(x2, g2, s2, 20, 2, &minp);
	CHECK(p < 0.0005);
	/* A stratum holding one group only carries nothing. */
	p = stats_ranksum_p(x, (int[]){0, 0, 0, 0, 0, 1, 1, 1, 1, 1},
			    (int[]){0, 0, 0, 0, 0, 1, 1, 1, 1, 1}, 10, 2, &minp);
	CHECK(p == 1 && minp == 1);
	/* Large groups take the sampled path: still decisive for a clear
	 * shift, and still quiet for none. */
	double big[60];
	int gb[60], sb[60] = {0};
	stats_rng_seed(&rng, 1);
	for (int i = 0; i < 60; i++) {
		gb[i] = i >= 30;
		big[i] = gauss() + (gb[i] ? 1.5 : 0);
	}
	p = stats_ranksum_p(big, gb, sb, 60, 1, &minp);
	CHECK(p < 0.001 && minp < 0.001);
	for (int i = 30; i < 60; i++)
		big[i] -= 1.5;
	p = stats_ranksum_p(big, gb, sb, 60, 1, &minp);
	CHECK(p > 0.01);

	/* Signed ranks: 8 positive differences give 2/256; zeros are
	 * dropped; ties share ranks. */
	double d[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	p = stats_signrank_p(d, 8, &minp);
	CHECK(fabs(p - 2.0 / 256) < 1e-12 && fabs(minp - 2.0 / 256) < 1e-12);
	double z[10] = {0, 0, 1, 2, 3, 4, 5, 6, 7, 8};
	p = stats_signrank_p(z, 10, &minp);
	CHECK(fabs(p - 2.0 / 256) < 1e-12);
	double mixed[8] = {1, -2, 3, -4, 5, -6, 7, -8};
	p = stats_signrank_p(mixed, 8, &minp);
	CHECK(p > 0.5);
	double ties[8] = {1, 1, 1, 1, 1, 1, 1, 1};
	p = stats_signrank_p(ties, 8, &minp);
	CHECK(fabs(p - 2.0 / 256) < 1e-12);
	double none[4] = {0, 0, 0, 0};
	p = stats_signrank_p(none, 4, &minp);
	CHECK(p == 1 && minp == 1);
	double many[30];
	for (int i = 0; i < 30; i++)
		many[i] = 0.05 + 0.01 * gauss();
	p = stats_signrank_p(many, 30, &minp);
	CHECK(p < 0.001);

	/* Intervals hold the truth for a plain shift. */
	double est, lo, hi;
	stats_change_strata(x, g, s, 10, 1, 0.95, &est, &lo, &hi);
	CHECK(fabs(est - 5) < 1e-12 && lo <= est && est <= hi && lo > 0);
	stats_change_paired(d, 8, 0.95, &est, &lo, &hi);
	CHECK(fabs(est - 4.5) < 1e-12 && lo >= 1 && hi <= 8 && lo < hi);
	/* Robust spread: one outlier does not move it. */
	double v[9] = {1, 1.1, 0.9, 1, 1.05, 0.95, 1, 1, 1000};
	CHECK(stats_robust_sd(v, 9) < 0.2);
}

/* ---- verdicts ---- */

static const char *CASE = "pingpong/wait:spin/size:64/capacity:65536/cpus:0,1";

/* A/A: the same distribution on both sides; how many of `trials`
 * comparisons call a regression or an improvement? */
static int false_alarms(int trials, int n, double sd, bool paired)
{
	int alarms = 0;
	struct judge_opts o;
	judge_defaults(&o, paired);
	for (int t = 0; t < trials; t++) {
		json_t *b = new_doc("m", "release"), *c = new_doc("m", "release");
		add_case(b, CASE, n, 6e6, sd, 62);
		add_case(c, CASE, n, 6e6, sd, 62);
		struct judgement j;
		if (run_judge(b, c, &o, &j) == 0) {
			alarms += j.regressions + j.improvements;
			judgement_free(&j);
		}
	}
	return alarms;
}

/* A shift of `shift` (0.2: the rate falls 20%) with noise sd: the verdict
 * on the rate. */
static enum verdict shifted(double shift, double sd, int n, bool paired)
{
	json_t *b = new_doc("m", "release"), *c = new_doc("m", "release");
	for (int i = 0; i < n; i++) {
		double common = paired ? sd * gauss() : 0; /* pairs share a moment */
		double nb = paired ? 0.3 * sd * gauss() : sd * gauss();
		double nc = paired ? 0.3 * sd * gauss() : sd * gauss();
		add_rep(b, CASE, i, 6e6 * exp(common + nb), 0, 62, 1);
		add_rep(c, CASE, i, 6e6 * (1 - shift) * exp(common + nc), 0, 62, 1);
	}
	struct judge_opts o;
	judge_defaults(&o, paired);
	struct judgement j;
	enum verdict v = (enum verdict) - 1;
	if (run_judge(b, c, &o, &j) == 0) {
		v = verdict_of(&j, FIG_RATE);
		CHECK(verdict_of(&j, FIG_P50) == v); /* the time moves with it */
		judgement_free(&j);
	}
	return v;
}

static void test_verdicts(void)
{
	stats_rng_seed(&rng, 42);
	/* Identical samples. */
	{
		json_t *b = new_doc("m", "release"), *c = new_doc("m", "release");
		add_case(b, CASE, 10, 6e6, 0, 62);
		add_case(c, CASE, 10, 6e6, 0, 62);
		struct judge_opts o;
		judge_defaults(&o, false);
		struct judgement j;
		CHECK(run_judge(b, c, &o, &j) == 0);
		CHECK(verdict_of(&j, FIG_RATE) == V_SAME && judge_status(&j) == 0);
		judgement_free(&j);
	}
	/* A/A noise, 3% and 10%, two runs and pairs: no alarm in 100 each. */
	CHECK(false_alarms(100, 10, 0.03, false) == 0);
	CHECK(false_alarms(100, 10, 0.10, false) == 0);
	CHECK(false_alarms(100, 12, 0.03, true) == 0);
	/* Shifts, each direction: 50% and 10% are regressions (or
	 * improvements); 3% is within check's 5% floor. */
	CHECK(shifted(0.50, 0.02, 10, false) == V_REGRESSION);
	CHECK(shifted(0.10, 0.02, 10, false) == V_REGRESSION);
	CHECK(shifted(-0.10, 0.02, 10, false) == V_IMPROVEMENT);
	CHECK(shifted(0.03, 0.01, 10, false) != V_REGRESSION);
	CHECK(shifted(-0.03, 0.01, 10, false) != V_IMPROVEMENT);
	/* Pairs: 5% is caught above ab's 3% floor; 1% is not a regression. */
	CHECK(shifted(0.05, 0.02, 12, true) == V_REGRESSION);
	CHECK(shifted(-0.05, 0.02, 12, true) == V_IMPROVEMENT);
	CHECK(shifted(0.01, 0.02, 12, true) != V_REGRESSION);
	/* Noise larger than the change raises the threshold: 10% in 30%
	 * noise is no verdict of regression. */
	CHECK(shifted(0.10, 0.30, 10, false) != V_REGRESSION);
	/* Tiny samples: no verdict, whatever the change. */
	CHECK(shifted(0.50, 0.01, 2, false) == V_TOO_FEW);
	CHECK(shifted(0.50, 0.01, 4, true) == V_TOO_FEW);

	/* This machine: two states, a round trip near 150 ns (line 62 ns) or
	 * near 530 ns (line 310 ns).  Base taken mostly slow, current mostly
	 * fast, nothing changed: medians alone would call a 3.5x
	 * improvement; by state there is no change. */
	{
		json_t *b = new_doc("m", "release"), *c = new_doc("m", "release");
		for (int i = 0; i < 20; i++) {
			bool fast_b = i < 6, fast_c = i < 14;
			add_rep(b, CASE, i, (fast_b ? 6.6e6 : 1.9e6) * exp(0.02 * gauss()), 0,
				fast_b ? 62 : 310, 1);
			add_rep(c, CASE, i, (fast_c ? 6.6e6 : 1.9e6) * exp(0.02 * gauss()), 0,
				fast_c ? 62 : 310, 1);
		}
		struct judge_opts o;
		judge_defaults(&o, false);
		struct judgement j;
		CHECK(run_judge(b, c, &o, &j) == 0);
		CHECK(j.nstates == 2 && j.regressions == 0 && j.improvements == 0);
		CHECK(verdict_of(&j, FIG_RATE) == V_SAME || verdict_of(&j, FIG_RATE) == V_SMALL);
		judgement_free(&j);
	}
	/* The same, with a real 20% slowdown in both states: found. */
	{
		json_t *b = new_doc("m", "release"), *c = new_doc("m", "release");
		for (int i = 0; i < 20; i++) {
			bool fast_b = i < 6, fast_c = i < 14;
			add_rep(b, CASE, i, (fast_b ? 6.6e6 : 1.9e6) * exp(0.02 * gauss()), 0,
				fast_b ? 62 : 310, 1);
			add_rep(c, CASE, i, 0.8 * (fast_c ? 6.6e6 : 1.9e6) * exp(0.02 * gauss()), 0,
				fast_c ? 62 : 310, 1);
		}
		struct judge_opts o;
		judge_defaults(&o, false);
		struct judgement j;
		CHECK(run_judge(b, c, &o, &j) == 0);
		CHECK(verdict_of(&j, FIG_RATE) == V_REGRESSION);
		judgement_free(&j);
	}
	/* No state in common: no verdict, and the machine is said to have
	 * changed (status 2). */
	{
		json_t *b = new_doc("m", "release"), *c = new_doc("m", "release");
		add_case(b, CASE, 10, 1.9e6, 0.02, 310);
		add_case(c, CASE, 10, 6.6e6, 0.02, 62);
		struct judge_opts o;
		judge_defaults(&o, false);
		struct judgement j;
		CHECK(run_judge(b, c, &o, &j) == 0);
		CHECK(verdict_of(&j, FIG_RATE) == V_STATE && j.changed[0] && judge_status(&j) == 2);
		CHECK(strstr(j.changed, "310") && strstr(j.changed, "62"));
		judgement_free(&j);
	}
	/* Repetitions whose state changed during them are left out: here
	 * the slowed ones, so nothing is found, and they are counted. */
	{
		json_t *b = new_doc("m", "release"), *c = new_doc("m", "release");
		add_case(b, CASE, 10, 6e6, 0.01, 62);
		for (int i = 0; i < 10; i++)
			add_rep(c, CASE, i, i < 5 ? 6e6 : 3e6, 0, 62, i < 5 ? 1 : 5);
		struct judge_opts o;
		judge_defaults(&o, false);
		struct judgement j;
		CHECK(run_judge(b, c, &o, &j) == 0);
		CHECK(j.unsteady_cur == 5 && j.regressions == 0);
		judgement_free(&j);
	}
	/* Paired: a pair whose two sides were in different states is left
	 * out. */
	{
		json_t *b = new_doc("m", "release"), *c = new_doc("m", "release");
		for (int i = 0; i < 12; i++) {
			add_rep(b, CASE, i, 6e6, 0, 62, 1);
			add_rep(c, CASE, i, i < 4 ? 1.9e6 : 6e6, 0, i < 4 ? 310 : 62, 1);
		}
		struct judge_opts o;
		judge_defaults(&o, true);
		struct judgement j;
		CHECK(run_judge(b, c, &o, &j) == 0);
		CHECK(j.regressions == 0);
		for (int i = 0; i < j.nrows; i++) /* counts take every repetition */
			CHECK(j.rows[i].nb == (fig_info[j.rows[i].fig].count ? 12 : 8));
		judgement_free(&j);
	}
	/* Counts: 0 to 0.6 system calls per message is a regression whatever
	 * the times say; 0.01 to 0.02 is not. */
	{
		json_t *b = new_doc("m", "release"), *c = new_doc("m", "release");
		for (int i = 0; i < 10; i++) {
			add_rep(b, CASE, i, 6e6, 0.0, 62, 1);
			add_rep(c, CASE, i, 6e6, 0.6, 62, 1);
		}
		struct judge_opts o;
		judge_defaults(&o, false);
		struct judgement j;
		CHECK(run_judge(b, c, &o, &j) == 0);
		CHECK(verdict_of(&j, FIG_SYSCALLS) == V_REGRESSION && judge_status(&j) == 1);
		CHECK(verdict_of(&j, FIG_RATE) == V_SAME);
		judgement_free(&j);
		b = new_doc("m", "release"), c = new_doc("m", "release");
		for (int i = 0; i < 10; i++) {
			add_rep(b, CASE, i, 6e6, 0.01, 62, 1);
			add_rep(c, CASE, i, 6e6, 0.02, 62, 1);
		}
		CHECK(run_judge(b, c, &o, &j) == 0);
		CHECK(verdict_of(&j, FIG_SYSCALLS) == V_SAME);
		judgement_free(&j);
		/* and back down is an improvement */
		b = new_doc("m", "release"), c = new_doc("m", "release");
		for (int i = 0; i < 10; i++) {
			add_rep(b, CASE, i, 6e6, 0.7, 62, 1);
			add_rep(c, CASE, i, 6e6, 0.0, 62, 1);
		}
		CHECK(run_judge(b, c, &o, &j) == 0);
		CHECK(verdict_of(&j, FIG_SYSCALLS) == V_IMPROVEMENT && judge_status(&j) == 0);
		judgement_free(&j);
	}
	/* Different machines or build types: refused, unless forced. */
	{
		struct judge_opts o;
		judge_defaults(&o, false);
		struct judgement j;
		json_t *b = new_doc("m1", "release"), *c = new_doc("m2", "release");
		add_case(b, CASE, 10, 6e6, 0.01, 62);
		add_case(c, CASE, 10, 6e6, 0.01, 62);
		CHECK(run_judge(b, c, &o, &j) == -1);
		b = new_doc("m", "release"), c = new_doc("m", "debug");
		add_case(b, CASE, 10, 6e6, 0.01, 62);
		add_case(c, CASE, 10, 6e6, 0.01, 62);
		CHECK(run_judge(b, c, &o, &j) == -1);
		o.force = true;
		b = new_doc("m1", "release"), c = new_doc("m2", "release");
		add_case(b, CASE, 10, 6e6, 0.01, 62);
		add_case(c, CASE, 10, 6e6, 0.01, 62);
		CHECK(run_judge(b, c, &o, &j) == 0 && j.nwarn >= 1);
		judgement_free(&j);
	}
	/* A visibility failure in the current run: status 3, listed; cases
	 * in one file only are listed, not fatal. */
	{
		json_t *b = new_doc("m", "release"), *c = new_doc("m", "release");
		add_case(b, CASE, 10, 6e6, 0.01, 62);
		add_case(b, "stream/gone", 10, 6e6, 0.01, 62);
		add_case(c, CASE, 10, 6e6, 0.01, 62);
		add_case(c, "stream/new", 10, 6e6, 0.01, 62);
		add_failure(c, "pingpong/broken", "consumer: message 7: wrong checksum");
		struct judge_opts o;
		judge_defaults(&o, false);
		struct judgement j;
		CHECK(run_judge(b, c, &o, &j) == 0);
		CHECK(judge_status(&j) == 3 && j.nfail == 1 && strstr(j.failures[0], "checksum"));
		CHECK(j.n_only_base == 1 && strcmp(j.only_base[0], "stream/gone") == 0);
		CHECK(j.n_only_cur == 2); /* stream/new, and the failed case */
		judgement_free(&j);
	}
	/* A judgement's status: a regression row fails it, and a visibility
	 * failure outranks everything. */
	{
		struct judgement j = {0};
		struct judge_row r1 = {.name = "x", .fig = FIG_RATE, .v = V_REGRESSION};
		j.rows = &r1;
		j.nrows = 1;
		CHECK(judge_status(&j) == 1);
		r1.v = V_SAME;
		CHECK(judge_status(&j) == 0);
		char msg[] = "x: wrong checksum", *fails[] = {msg};
		j.failures = fails;
		j.nfail = 1;
		CHECK(judge_status(&j) == 3);
	}
}

/* What the review found: each of these was a wrong verdict once. */
static void test_review_cases(void)
{
	struct judge_opts o;
	judge_defaults(&o, false);
	struct judgement j;
	/* A percentile one clock step up (150 -> 160 ns with a 10 ns clock)
	 * is no regression, however unanimous. */
	{
		json_t *b = new_doc("m", "release"), *c = new_doc("m", "release");
		json_object_set_new(json_object_get(b, "context"), "clock_resolution_ns",
				    json_real(10));
		json_object_set_new(json_object_get(c, "context"), "clock_resolution_ns",
				    json_real(10));
		for (int i = 0; i < 10; i++) {
			add_rep(b, CASE, i, 1e9 / 150, 0, 62, 1);
			add_rep(c, CASE, i, 1e9 / 160, 0, 62, 1);
		}
		/* The rate moved 6.7% too: that one is real; p50 must not be. */
		CHECK(run_judge(b, c, &o, &j) == 0);
		CHECK(verdict_of(&j, FIG_P50) != V_REGRESSION);
		CHECK(verdict_of(&j, FIG_RATE) == V_REGRESSION);
		judgement_free(&j);
	}
	/* Probes in between cannot chain the 62 ns and 310 ns states into
	 * one (62, 76, 93, 114, 140, 171, 209, 256, 310: each step < 1.25x). */
	{
		json_t *b = new_doc("m", "release"), *c = new_doc("m", "release");
		double bridge[] = {62, 76, 93, 114, 140, 171, 209, 256, 310};
		for (int i = 0; i < 9; i++)
			add_rep(b, "stream/bridge", i, 1e6, 0, bridge[i], 1);
		add_case(b, CASE, 10, 1.9e6, 0.01, 310);
		add_case(c, CASE, 10, 6.6e6, 0.01, 62);
		CHECK(run_judge(b, c, &o, &j) == 0);
		CHECK(j.nstates >= 3);
		CHECK(verdict_of(&j, FIG_RATE) == V_STATE && j.improvements == 0);
		judgement_free(&j);
	}
	/* 66 current repetitions against 1 base: few arrangements, no NaN,
	 * and no verdict. */
	{
		json_t *b = new_doc("m", "release"), *c = new_doc("m", "release");
		add_case(b, CASE, 1, 6e6, 0.01, 62);
		add_case(c, CASE, 66, 3e6, 0.01, 62);
		CHECK(run_judge(b, c, &o, &j) == 0);
		CHECK(verdict_of(&j, FIG_RATE) == V_TOO_FEW);
		for (int i = 0; i < j.nrows; i++)
			CHECK(!isnan(j.rows[i].p) || fig_info[j.rows[i].fig].count);
		judgement_free(&j);
	}
	/* Large states take the sampled path with every value: 300 against
	 * 300 with a 10% shift. */
	{
		json_t *b = new_doc("m", "release"), *c = new_doc("m", "release");
		add_case(b, CASE, 300, 6e6, 0.02, 62);
		add_case(c, CASE, 300, 5.4e6, 0.02, 62);
		CHECK(run_judge(b, c, &o, &j) == 0);
		CHECK(verdict_of(&j, FIG_RATE) == V_REGRESSION);
		judgement_free(&j);
	}
	/* Counts are judged even when the machine changed state. */
	{
		json_t *b = new_doc("m", "release"), *c = new_doc("m", "release");
		for (int i = 0; i < 10; i++) {
			add_rep(b, CASE, i, 1.9e6, 0.0, 310, 1);
			add_rep(c, CASE, i, 6.6e6, 0.8, 62, 1);
		}
		CHECK(run_judge(b, c, &o, &j) == 0);
		CHECK(verdict_of(&j, FIG_SYSCALLS) == V_REGRESSION);
		CHECK(verdict_of(&j, FIG_RATE) == V_STATE);
		judgement_free(&j);
	}
	/* Nothing judgeable: no verdict (status 2), not a pass. */
	{
		json_t *b = new_doc("m", "release"), *c = new_doc("m", "release");
		add_case(b, CASE, 3, 6e6, 0.01, 62);
		add_case(c, CASE, 3, 3e6, 0.01, 62);
		CHECK(run_judge(b, c, &o, &j) == 0);
		CHECK(judge_status(&j) == 2 && strstr(j.changed, "too few"));
		judgement_free(&j);
	}
	/* A/B over two states: a change that lives in the fast state only
	 * (+8% round trip there, nothing in the slow one) is found, and said
	 * with its state; with no change, 100 such runs raise nothing. */
	{
		struct judge_opts po;
		judge_defaults(&po, true);
		int alarms = 0;
		for (int t = 0; t < 101; t++) {
			bool change = t == 100;
			json_t *b = new_doc("m", "release"), *c = new_doc("m", "release");
			for (int i = 0; i < 24; i++) {
				bool fast = i % 12 < 5; /* 10 fast pairs, 14 slow: pooled, */
				/* the slow pairs' zeros hold the median at nothing */
				double base = fast ? 6.6e6 : 1.9e6, moment = 0.02 * gauss();
				double slow_down = change && fast ? 1.08 : 1.0;
				add_rep(b, CASE, i, base * exp(moment + 0.01 * gauss()), 0,
					fast ? 62 : 310, 1);
				add_rep(c, CASE, i, base / slow_down * exp(moment + 0.01 * gauss()),
					0, fast ? 62 : 310, 1);
			}
			CHECK(run_judge(b, c, &po, &j) == 0);
			if (!change) {
				alarms += j.regressions + j.improvements;
			} else {
				CHECK(verdict_of(&j, FIG_RATE) == V_REGRESSION);
				for (int i = 0; i < j.nrows; i++)
					if (j.rows[i].fig == FIG_RATE)
						CHECK(strstr(j.rows[i].note, "in state 62 ns") !=
						      NULL);
			}
			judgement_free(&j);
		}
		CHECK(alarms == 0);
	}
	/* A/B: a failure in build A counts too. */
	{
		struct judge_opts po;
		judge_defaults(&po, true);
		json_t *b = new_doc("m", "release"), *c = new_doc("m", "release");
		add_case(b, CASE, 12, 6e6, 0.01, 62);
		add_case(c, CASE, 12, 6e6, 0.01, 62);
		add_failure(b, "pingpong/broken", "server: message 3: wrong checksum");
		CHECK(run_judge(b, c, &po, &j) == 0);
		CHECK(judge_status(&j) == 3);
		judgement_free(&j);
	}
}

/* ---- files that are not results ---- */

static void test_bad_docs(void)
{
	struct sample_set s;
	char err[512];
	json_error_t je;
	struct {
		const char *json, *expect;
	} bad[] = {
	    {"[1,2]", "not a results file"},
	    {"{\"context\":{}}", "no 'benchmarks' array"},
	    {"{\"benchmarks\":[{\"real_time\":1}]}", "has no name"},
	    {"{\"benchmarks\":[{\"name\":\"x\",\"mode\":\"stream\",\"items_per_second\":1}]}",
	     "missing field producer_cpu_ns_per_msg"},
	    {"{\"benchmarks\":[{\"name\":\"x\",\"real_time\":\"fast\"}]}",
	     "real_time is not a number"},
	    {"{\"benchmarks\":[{\"name\":\"x\",\"real_time\":-3}]}", "negative"},
	    {"{\"benchmarks\":[{\"name\":\"x\"}]}", "missing field real_time"},
	    {"{\"benchmarks\":[{\"name\":\"x\",\"real_time\":1,\"time_unit\":\"fortnight\"}]}",
	     "unknown time_unit"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *doc = json_loads(bad[i].json, 0, &je);
		CHECK(doc != NULL);
		err[0] = 0;
		CHECK(sample_from_json(doc, "f.json", &s, err, sizeof(err)) == -1);
		if (!strstr(err, bad[i].expect)) {
			fprintf(stderr, "bad doc %zu: '%s' lacks '%s'\n", i, err, bad[i].expect);
			failures++;
		}
		CHECK(strncmp(err, "f.json", 6) == 0);
		sample_free(&s);
		json_decref(doc);
	}
}

int main(void)
{
	test_stats();
	test_verdicts();
	test_review_cases();
	test_bad_docs();
	if (failures) {
		fprintf(stderr, "test_verdict: %d checks failed\n", failures);
		return 1;
	}
	printf("test_verdict: ok\n");
	return 0;
}
