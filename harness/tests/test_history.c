/* test_history.c: step detection and the nightly history on synthetic
 * series with known answers, the history kept in a real SQLite store in a
 * temporary folder.  No timing: every figure is made up with a seeded
 * generator, in noise shaped like this machine's (two machine states 3x
 * apart, a run-to-run spread of 1.5-2% within a state, and now and then a
 * run four times as far off). */
#include "judge/history.h"
#include "measure/results.h"
#include "judge/stats.h"
#include "judge/steps.h"
#include "judge/writeup.h"
#include "synth.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A run's log-noise: sd, and one run in 20 four times as far off. */
static double noise(double sd)
{
	double e = gauss() * sd;
	return stats_rng_below(&rng, 20) == 0 ? 4 * e : e;
}

static int confirmed(const struct step *s, int n)
{
	int k = 0;
	for (int i = 0; i < n; i++)
		k += !s[i].candidate;
	return k;
}

/* ---- steps_find on series ---- */

static void test_series(void)
{
	struct step_opts o;
	steps_defaults(&o);
	struct step s[STEP_MAX];
	double x[128];

	/* Noise alone, 60 runs, twenty different draws: no step. */
	for (int seed = 1; seed <= 20; seed++) {
		stats_rng_seed(&rng, (uint64_t)seed);
		for (int i = 0; i < 60; i++)
			x[i] = log(29e6) + noise(0.02);
		int n = steps_find(x, 60, &o, s, STEP_MAX, NULL);
		if (confirmed(s, n))
			fprintf(stderr, "noise, seed %d: %d steps, first at %d (%+.1f%%)\n", seed,
				n, s[0].at, 100 * s[0].change);
		CHECK(confirmed(s, n) == 0);
	}

	/* A 5% loss after 30 runs: one step, at run 30, about -5%.  A step of
	 * 3 noises is placed exactly unless wild runs sit beside it: in ten
	 * draws, exactly in eight or more, never more than two runs off. */
	int exact = 0;
	for (int seed = 1; seed <= 10; seed++) {
		stats_rng_seed(&rng, (uint64_t)seed);
		for (int i = 0; i < 60; i++)
			x[i] = log(29e6) + (i >= 30 ? log(0.95) : 0) + noise(0.015);
		int n = steps_find(x, 60, &o, s, STEP_MAX, NULL);
		CHECK(n == 1);
		if (n != 1)
			continue;
		exact += s[0].at == 30;
		CHECK(abs(s[0].at - 30) <= 2);
		CHECK(s[0].change < -0.035 && s[0].change > -0.065);
		CHECK(!s[0].candidate && s[0].confidence > 0.999);
	}
	CHECK(exact >= 8);

	/* A drift of 1% a run for 20 runs (runs 20..39), then level: found
	 * inside the drift, and the steps add up to most of its 20%. */
	for (int seed = 1; seed <= 10; seed++) {
		stats_rng_seed(&rng, (uint64_t)seed);
		for (int i = 0; i < 60; i++)
			x[i] = log(500) +
			       (i < 20	 ? 0
				: i < 40 ? (i - 19) * 0.01
					 : 0.20) +
			       noise(0.015);
		int n = steps_find(x, 60, &o, s, STEP_MAX, NULL);
		double total = 0;
		for (int k = 0; k < n; k++) {
			CHECK(s[k].at >= 20 && s[k].at <= 41);
			total += log1p(s[k].change);
		}
		CHECK(n >= 1);
		CHECK(total > 0.10 && total < 0.30);
	}

	/* One run three times slower (or faster) among 60: no step. */
	for (int seed = 1; seed <= 10; seed++) {
		stats_rng_seed(&rng, (uint64_t)seed);
		for (int i = 0; i < 60; i++)
			x[i] = log(29e6) + noise(0.015);
		x[30] += seed & 1 ? log(3.0) : -log(3.0);
		CHECK(steps_find(x, 60, &o, s, STEP_MAX, NULL) == 0);
	}

	/* A 20% loss on the newest run alone: a candidate at that run; a
	 * second run that agrees makes it a step there; one that does not
	 * leaves nothing. */
	stats_rng_seed(&rng, 7);
	for (int i = 0; i < 30; i++)
		x[i] = log(29e6) + noise(0.015);
	x[30] = log(29e6 * 0.8);
	int n = steps_find(x, 31, &o, s, STEP_MAX, NULL);
	CHECK(n == 1 && s[0].candidate && s[0].at == 30 && s[0].n_after == 1);
	x[31] = log(29e6 * 0.79);
	n = steps_find(x, 32, &o, s, STEP_MAX, NULL);
	CHECK(n == 1 && !s[0].candidate && s[0].at == 30 && s[0].n_after == 2);
	CHECK(n == 1 && s[0].change < -0.18 && s[0].change > -0.23);
	x[31] = log(29e6 * 1.005);
	n = steps_find(x, 32, &o, s, STEP_MAX, NULL);
	CHECK(n == 0);

	/* Too few points, and a flat series with no noise at all (a
	 * percentile that never leaves its clock step). */
	CHECK(steps_find(x, 2, &o, s, STEP_MAX, NULL) == 0);
	for (int i = 0; i < 40; i++)
		x[i] = log(150);
	CHECK(steps_find(x, 40, &o, s, STEP_MAX, NULL) == 0);
	/* ... that moves by one clock step now and then: not a step when the
	 * noise floor is the clock's step over the level. */
	for (int i = 0; i < 40; i++)
		x[i] = log(i % 7 == 3 || i % 11 == 5 ? 160 : 150);
	o.min_noise = 10.0 / 150;
	CHECK(steps_find(x, 40, &o, s, STEP_MAX, NULL) == 0);
}

/* ---- a history in the store ---- */

#define FAST 62.0  /* probe ns in the fast state */
#define SLOW 300.0 /* and in the slow one */

static const char *const stream_case = "stream/wait:spin/size:64/capacity:1048576/cpus:0,1";
static const char *const pp_case = "pingpong/wait:spin/size:64/capacity:65536/cpus:0,1";

/* How much higher the ping-pong's p99 is than usual. */
static double p99_scale = 1;

#define MACHINE "test-machine"

/* One run of night: 10 repetitions of a stream and a pingpong, in one
 * state; slow scales the stream's throughput (1: as usual).  Night k is
 * taken k minutes after the first. */
static json_t *run_doc(int night, const char *rev, bool fast_state, double slow)
{
	char date[40];
	snprintf(date, sizeof(date), "2026-10-01T%02d:%02d:00Z", night / 60, night % 60);
	json_t *doc = json_pack("{s:{s:s, s:s, s:s, s:s, s:f}, s:[]}", "context", "machine_id",
				MACHINE, "library_build_type", "release", "git_revision", rev,
				"date", date, "clock_resolution_ns", 10.0, "benchmarks");
	double probe = fast_state ? FAST : SLOW;
	/* The states are 3x apart; a run has its own level within one. */
	double rate = (fast_state ? 29e6 : 9.5e6) * exp(noise(0.015)) * slow;
	double p50 = fast_state ? 150 : 520;
	for (int r = 0; r < 10; r++) {
		double pr = probe * exp(gauss() * 0.03);
		json_t *s = json_pack(
		    "{s:s, s:s, s:s, s:f, s:f, s:f, s:f, s:i, s:f, s:f}", "name", stream_case,
		    "run_type", "iteration", "mode", "stream", "items_per_second",
		    rate * exp(gauss() * 0.03), "producer_cpu_ns_per_msg", 1e9 / rate,
		    "consumer_cpu_ns_per_msg", 1e9 / rate, "syscalls_per_msg", 0.0,
		    "repetition_index", r, "state_before_ns", pr, "state_after_ns", pr);
		/* p50 in clock steps of 10 ns: mostly the level, now and then one
		 * step up. */
		double p = p50 + (stats_rng_below(&rng, 5) == 0 ? 10 : 0);
		json_t *q = json_pack(
		    "{s:s, s:s, s:s, s:f, s:f, s:f, s:f, s:f, s:f, s:i, s:f, s:f}", "name", pp_case,
		    "run_type", "iteration", "mode", "pingpong", "items_per_second", 1e9 / p,
		    "p50_ns", p, "p99_ns", p * 1.4 * p99_scale, "producer_cpu_ns_per_msg", p,
		    "consumer_cpu_ns_per_msg", p, "syscalls_per_msg", 0.0, "repetition_index", r,
		    "state_before_ns", pr, "state_after_ns", pr);
		json_array_append_new(json_object_get(doc, "benchmarks"), s);
		json_array_append_new(json_object_get(doc, "benchmarks"), q);
	}
	return doc;
}

/* 0 put, 1 there already. */
static int put(struct store *st, int night, const char *rev, bool fast, double slow, bool rerun)
{
	char stem[64], err[1200];
	snprintf(stem, sizeof(stem), "20261001T%06dZ-%s", night, rev);
	json_t *doc = run_doc(night, rev, fast, slow);
	int rc = history_put(st, MACHINE, stem, rerun, doc, err, sizeof(err));
	if (rc < 0)
		fprintf(stderr, "%s\n", err);
	CHECK(rc >= 0);
	json_decref(doc);
	return rc;
}

/* A new SQLite store in a new temporary folder (dir). */
static struct store *new_store(char *dir)
{
	char path[300], err[1200];
	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/ringbench.db", dir);
	struct store *st = NULL;
	if (store_open(path, &st, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		CHECK(!"the store opens");
		exit(1);
	}
	return st;
}

static void remove_store(struct store *st, const char *dir)
{
	store_close(st);
	char cmd[700];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK(system(cmd) == 0);
}

static const char *str(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));
	return v ? v : "";
}

static void analyse(struct store *st, struct history *h, struct history_analysis *a)
{
	char err[1200];
	struct step_opts o;
	steps_defaults(&o);
	CHECK(history_load(st, MACHINE, 0, NULL, NULL, h, err, sizeof(err)) == 0);
	CHECK(history_analyse(h, &o, 0.05, a) == 0);
}

static int count_steps(const struct history_analysis *a, bool candidates)
{
	int k = 0;
	for (int i = 0; i < a->nsteps; i++)
		k += a->steps[i].step->candidate == candidates;
	return k;
}

static void test_store(void)
{
	char dir[] = "/tmp/rb-history-XXXXXX";
	struct store *st = new_store(dir);
	struct history h;
	struct history_analysis a;

	/* A machine with no runs is an empty history. */
	analyse(st, &h, &a);
	CHECK(h.nruns == 0 && a.nseries == 0);
	history_analysis_free(&a);
	history_free(&h);

	/* 60 nights, each in the fast or the slow state at random: no step,
	 * in either state's series. */
	stats_rng_seed(&rng, 42);
	for (int i = 0; i < 60; i++)
		put(st, i, "aaaa", stats_rng_below(&rng, 2) == 0, 1.0, false);
	analyse(st, &h, &a);
	CHECK(h.nnights == 60 && h.nruns == 60);
	/* Two states x (the stream's throughput; the pingpong's round trips
	 * per second, p50 and p99). */
	CHECK(a.nseries == 8);
	CHECK(count_steps(&a, false) == 0);
	CHECK(a.regressions == 0);
	for (int i = 0; i < a.nsteps; i++) {
		const struct history_step *s = &a.steps[i];
		fprintf(stderr, "unexpected: %s %s at %d %+.1f%%\n", s->series->name,
			fig_info[s->series->fig].key, s->step->at, 100 * s->step->change);
	}
	history_analysis_free(&a);
	history_free(&h);

	/* Another machine's nights in the same store are not this machine's
	 * history. */
	{
		json_t *doc = run_doc(70, "zzzz", true, 0.1);
		json_object_set_new(json_object_get(doc, "context"), "machine_id",
				    json_string("other-machine"));
		char err[1200];
		CHECK(history_put(st, "other-machine", "20261001T000070Z-zzzz", false, doc, err,
				  sizeof(err)) == 0);
		json_decref(doc);
		analyse(st, &h, &a);
		CHECK(h.nnights == 60 && a.candidates == 0);
		history_analysis_free(&a);
		history_free(&h);
	}

	/* Night 60, revision bbbb, 20% slower in the fast state: a candidate
	 * for the stream's throughput, not yet a regression. */
	put(st, 60, "bbbb", true, 0.8, false);
	analyse(st, &h, &a);
	CHECK(a.candidates == 1 && a.regressions == 0);
	CHECK(a.nsteps == 1 && a.steps[0].fresh && a.steps[0].worse &&
	      a.steps[0].series->fig == FIG_RATE && a.steps[0].series->lo < FAST * 1.2);
	/* A candidate is not yet worth a bisect. */
	char line[2000];
	writeup_step(line, sizeof(line), &h, &a.steps[0]);
	CHECK(strstr(line, "bisect") == NULL);
	history_analysis_free(&a);
	history_free(&h);

	/* Its re-run, minutes later in the same conditions, is no second
	 * night: still a candidate, not a regression.  Put twice, it is kept
	 * once. */
	CHECK(put(st, 60, "bbbb", true, 0.8, true) == 0);
	CHECK(put(st, 60, "bbbb", true, 0.8, true) == 1);
	analyse(st, &h, &a);
	CHECK(h.nnights == 61 && h.nruns == 62);
	CHECK(h.runs[h.nruns - 1].rerun && !h.runs[h.nruns - 2].rerun);
	CHECK(a.regressions == 0 && a.candidates == 1);
	history_analysis_free(&a);
	history_free(&h);

	/* Tonight's run where the store could not take it: the newest night
	 * all the same (check judges the history it would have). */
	{
		char err[1200];
		struct step_opts o;
		steps_defaults(&o);
		json_t *tonight = run_doc(61, "bbbb", true, 0.8);
		CHECK(history_load(st, MACHINE, 0, tonight, "20261001T000061Z-bbbb", &h, err,
				   sizeof(err)) == 0);
		CHECK(h.nnights == 62 &&
		      strcmp(h.nights[h.nnights - 1].stem, "20261001T000061Z-bbbb") == 0);
		CHECK(history_analyse(&h, &o, 0.05, &a) == 0);
		CHECK(a.regressions == 1);
		history_analysis_free(&a);
		history_free(&h);
		json_decref(tonight);
	}

	/* The next night, still 20% slower: a regression, between aaaa and
	 * bbbb, the night that confirms it. */
	put(st, 61, "bbbb", true, 0.8, false);
	analyse(st, &h, &a);
	CHECK(a.regressions == 1 && a.candidates == 0);
	for (int i = 0; i < a.nsteps; i++) {
		const struct history_step *s = &a.steps[i];
		if (s->step->candidate || !s->fresh)
			continue;
		CHECK(strcmp(h.nights[s->night_after].revision, "bbbb") == 0);
		CHECK(strcmp(h.nights[s->night_before].revision, "aaaa") == 0);
		CHECK(s->step->change < -0.15 && s->step->change > -0.25);
		/* The confirmed step says how to find its commit. */
		char want[600];
		writeup_step(line, sizeof(line), &h, s);
		snprintf(want, sizeof(want),
			 "; find its commit: ringbench bisect aaaa bbbb --case '^%s$'",
			 stream_case);
		CHECK(strstr(line, want) != NULL);
		/* A revision from a crafted file that a shell would not take as
		 * one word gets no command to paste. */
		char keep[sizeof(h.nights[0].revision)];
		char *rev = h.nights[s->night_after].revision;
		snprintf(keep, sizeof(keep), "%s", rev);
		const char *bad[] = {"bbbb;id",	 "bbbb|x",     "$(id)",	  "-x",
				     "bbbb\nid", "bbbb-dirty", "unknown", "aaaa"};
		for (size_t b = 0; b < sizeof(bad) / sizeof(bad[0]); b++) {
			snprintf(rev, sizeof(keep), "%s", bad[b]);
			writeup_bisect_hint(want, sizeof(want), &h, s);
			CHECK(want[0] == 0);
		}
		snprintf(rev, sizeof(keep), "%s", keep);
		writeup_bisect_hint(want, sizeof(want), &h, s);
		CHECK(strstr(want, "ringbench bisect aaaa bbbb") == want);
	}
	char err[1200];
	CHECK(history_record(&h, &a, err, sizeof(err)) == 0);
	history_analysis_free(&a);
	history_free(&h);

	/* The store's steps have it, with the night it starts at; the other
	 * machine's have none. */
	json_t *ledger = store_get_steps(st, MACHINE, err, sizeof(err));
	json_t *first = json_array_get(json_object_get(ledger, "reported"), 0);
	CHECK(json_array_size(json_object_get(ledger, "reported")) == 1);
	CHECK(strcmp(str(first, "first_after"), "20261001T000060Z-bbbb") == 0);
	CHECK(strcmp(str(first, "case"), stream_case) == 0);
	CHECK(strcmp(str(first, "revision_before"), "aaaa") == 0);
	json_decref(ledger);
	ledger = store_get_steps(st, "other-machine", err, sizeof(err));
	CHECK(ledger && json_array_size(json_object_get(ledger, "reported")) == 0);
	json_decref(ledger);

	/* With the ledger, the same analysis again finds nothing new; without
	 * it the same step would be new: the ledger is what keeps it from being
	 * reported twice. */
	analyse(st, &h, &a);
	CHECK(a.regressions == 0);
	history_analysis_free(&a);
	json_decref(h.ledger);
	h.ledger = json_pack("{s:[]}", "reported");
	{
		struct step_opts o;
		steps_defaults(&o);
		CHECK(history_analyse(&h, &o, 0.05, &a) == 0);
	}
	CHECK(a.regressions == 1);
	history_analysis_free(&a);
	history_free(&h);

	/* The next night, still slow at the same revision: the step is known
	 * (the ledger says so), not new. */
	put(st, 62, "bbbb", true, 0.8, false);
	analyse(st, &h, &a);
	CHECK(a.regressions == 0 && a.candidates == 0);
	CHECK(count_steps(&a, false) == 1);
	CHECK(a.nsteps == 1 && a.steps[0].reported && !a.steps[0].fresh);
	history_analysis_free(&a);
	history_free(&h);

	/* The same revisions seen slower in the other machine state, two
	 * nights: the same step, already reported. */
	put(st, 63, "bbbb", false, 0.8, false);
	put(st, 64, "bbbb", false, 0.8, false);
	analyse(st, &h, &a);
	CHECK(a.regressions == 0);
	int slow_steps = 0;
	for (int i = 0; i < a.nsteps; i++)
		if (!a.steps[i].step->candidate && a.steps[i].series->lo > FAST * 2) {
			slow_steps++;
			CHECK(a.steps[i].reported);
		}
	CHECK(slow_steps == 1);
	history_analysis_free(&a);
	history_free(&h);

	/* A run of another build type is left out (with a line on stderr). */
	{
		json_t *doc = run_doc(50, "eeee", true, 0.5);
		json_object_set_new(json_object_get(doc, "context"), "library_build_type",
				    json_string("debug"));
		CHECK(history_put(st, MACHINE, "20261001T000050Z-eeee", false, doc, err,
				  sizeof(err)) == 0);
		json_decref(doc);
		analyse(st, &h, &a);
		CHECK(h.nnights == 65 && a.regressions == 0);
		for (int i = 0; i < h.nnights; i++)
			CHECK(strcmp(h.nights[i].revision, "eeee") != 0);
		history_analysis_free(&a);
		history_free(&h);
	}

	/* A run that is no results file ringbench can read is left out, not
	 * fatal; --last. */
	{
		json_t *doc = run_doc(65, "junk", true, 1.0);
		json_object_set_new(json_array_get(json_object_get(doc, "benchmarks"), 0),
				    "items_per_second", json_string("fast"));
		CHECK(history_put(st, MACHINE, "20261001T000065Z-junk", false, doc, err,
				  sizeof(err)) == 0);
		json_decref(doc);
	}
	CHECK(history_load(st, MACHINE, 5, NULL, NULL, &h, err, sizeof(err)) == 0);
	/* The newest five nights, the junk run left out. */
	CHECK(h.nnights == 5 && strcmp(h.nights[4].stem, "20261001T000064Z-bbbb") == 0);
	history_free(&h);

	remove_store(st, dir);
}

/* A level known from fewer than HISTORY_MIN_BEFORE nights fails no night:
 * three nights, then two at a fifth of the throughput, show the step and
 * fail nothing; eight nights before them, the same two fail the second. */
static void test_young_history(void)
{
	for (int before = 3; before <= 8; before += 5) {
		char dir[] = "/tmp/rb-history-young-XXXXXX";
		struct store *st = new_store(dir);
		stats_rng_seed(&rng, 7);
		for (int i = 0; i < before; i++)
			put(st, i, "aaaa", true, 1.0, false);
		put(st, before, "bbbb", true, 0.2, false);
		put(st, before + 1, "bbbb", true, 0.2, false);
		struct history h;
		struct history_analysis a;
		analyse(st, &h, &a);
		CHECK(count_steps(&a, false) >= 1);
		CHECK(a.regressions == (before >= HISTORY_MIN_BEFORE ? 1 : 0));
		history_analysis_free(&a);
		history_free(&h);
		remove_store(st, dir);
	}
	/* A p99 twice as high two nights running, after eight: a step shown,
	 * no regression (a tail's night-to-night spread is heavier-tailed than
	 * the fit's noise). */
	char dir[] = "/tmp/rb-history-tail-XXXXXX";
	struct store *st = new_store(dir);
	stats_rng_seed(&rng, 7);
	for (int i = 0; i < 10; i++) {
		p99_scale = i < 8 ? 1 : 2;
		put(st, i, i < 8 ? "aaaa" : "bbbb", true, 1.0, false);
	}
	p99_scale = 1;
	struct history h;
	struct history_analysis a;
	analyse(st, &h, &a);
	int p99_steps = 0;
	for (int i = 0; i < a.nsteps; i++)
		p99_steps += a.steps[i].series->fig == FIG_P99 && !a.steps[i].step->candidate;
	CHECK(p99_steps >= 1 && a.regressions == 0);
	history_analysis_free(&a);
	history_free(&h);
	remove_store(st, dir);
}

int main(void)
{
	test_series();
	test_store();
	test_young_history();
	if (failures)
		fprintf(stderr, "test_history: %d checks failed\n", failures);
	return failures ? 1 : 0;
}
