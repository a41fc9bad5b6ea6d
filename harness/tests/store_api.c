/* store_api.c: the results store's API on a real store (store.h): store_api
 * WHERE FILE...  WHERE is a SQLite file or a PostgreSQL URI; each FILE a
 * real results file.  Every file put and read back is equal to it (as JSON
 * values, and as text: every key in its place); a run of edge values
 * (integers past 2^53, whole reals, -0.0, the ends of real's range,
 * numbers nested) reads back as the same text, its figures found; a run
 * put twice is kept once; runs list oldest first by their
 * UTC time, `last` the newest; find, replace, delete; steps and
 * acknowledgements read back as put; machines, their newest context,
 * cases and one figure across machines.  Machine names carry this
 * process's id, so a shared server's store serves several runs.  Exit 0
 * pass, 1 fail. */
#include "store/store.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int fails;

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "store_api:%d: FAIL: %s: ", __LINE__, #cond);              \
			fprintf(stderr, __VA_ARGS__);                                              \
			fprintf(stderr, "\n");                                                     \
			fails++;                                                                   \
		}                                                                                  \
	} while (0)

/* Stop here: what follows needs this (cond evaluated once). */
#define REQUIRE(cond, ...)                                                                         \
	do {                                                                                       \
		bool ok_ = (cond);                                                                 \
		CHECK(ok_, __VA_ARGS__);                                                           \
		if (!ok_)                                                                          \
			exit(1);                                                                   \
	} while (0)

static char err[2048];

static json_t *with_date(json_t *doc, const char *date)
{
	json_t *c = json_deep_copy(doc);
	json_object_set_new(json_object_get(c, "context"), "date", json_string(date));
	return c;
}

/* Every "iteration" entry of doc for case_name with figure. */
static int count_points(json_t *doc, const char *case_name, const char *figure)
{
	size_t i;
	json_t *e;
	int k = 0;
	json_array_foreach(json_object_get(doc, "benchmarks"), i, e)
	{
		const char *rt = json_string_value(json_object_get(e, "run_type"));
		const char *rn = json_string_value(json_object_get(e, "run_name"));
		if ((!rt || !strcmp(rt, "iteration")) && rn && !strcmp(rn, case_name) &&
		    json_is_number(json_object_get(e, figure)))
			k++;
	}
	return k;
}

/* The same JSON text: the same keys in the same order, integers and reals
 * alike (json_equal ignores the order), each real to its last bit
 * (jansson writes 17 digits). */
static bool same_text(json_t *a, json_t *b)
{
	char *x = json_dumps(a, JSON_COMPACT), *y = json_dumps(b, JSON_COMPACT);
	bool same = x && y && !strcmp(x, y);
	if (!same && x && y)
		fprintf(stderr, "store_api: put  %.300s\nstore_api: read %.300s\n", x, y);
	free(x);
	free(y);
	return same;
}

/* A run whose entries hold what a store may not round off: integers a
 * double cannot hold and integers of real's values, reals at the ends of
 * their range, -0.0, numbers nested in objects and arrays, booleans and
 * null, keys in no order of their own, an entry of numbers only and one
 * of none; read back as the same text, its figures found. */
static void edge_values(struct store *s, const char *machine, json_t *doc)
{
	json_t *run =
	    json_pack("{s:O, s:[]}", "context", json_object_get(doc, "context"), "benchmarks");
	json_t *list = json_object_get(run, "benchmarks");
	json_t *e = json_object();
	json_object_set_new(e, "zeta", json_integer(9007199254740993LL)); /* 2^53 + 1 */
	json_object_set_new(e, "name", json_string("edge/values"));
	json_object_set_new(e, "run_name", json_string("edge/values"));
	json_object_set_new(e, "whole_real", json_real(4.0));
	json_object_set_new(e, "minus_zero", json_real(-0.0));
	json_object_set_new(e, "nested",
			    json_pack("{s:i, s:f, s:[i, f]}", "n", 7, "r", 0.5, "a", -3, 2.25));
	json_object_set_new(e, "smallest", json_real(4.9406564584124654e-324));
	json_object_set_new(e, "ok", json_true());
	json_object_set_new(e, "largest", json_real(1.7976931348623157e308));
	json_object_set_new(e, "nothing", json_null());
	json_object_set_new(e, "most_negative", json_integer(INT64_MIN));
	json_object_set_new(e, "third", json_real(1.0 / 3.0));
	json_object_set_new(e, "alpha", json_integer(-42));
	json_object_set_new(e, "run_type", json_string("iteration"));
	json_array_append_new(list, e);
	json_array_append_new(list, json_pack("{s:i, s:f}", "only", 1, "numbers", -2.5));
	json_array_append_new(list, json_pack("{s:s, s:s}", "name", "words", "run_name", "words"));
	int64_t id = 0;
	CHECK(!store_put_run(s, machine, "run", "edge", run, &id, NULL, err, sizeof(err)), "%s",
	      err);
	json_t *back = store_get_doc(s, id, err, sizeof(err));
	CHECK(back && same_text(back, run), "edge values read back differently: %s",
	      back ? "see above" : err);
	json_t *e0 = json_array_get(json_object_get(back, "benchmarks"), 0);
	CHECK(json_is_integer(json_object_get(e0, "zeta")) &&
		  json_integer_value(json_object_get(e0, "zeta")) == 9007199254740993LL,
	      "2^53 + 1 read back as %s",
	      json_is_integer(json_object_get(e0, "zeta")) ? "another integer" : "a real");
	CHECK(json_is_real(json_object_get(e0, "whole_real")), "4.0 read back as an integer");
	CHECK(signbit(json_real_value(json_object_get(e0, "minus_zero"))), "-0.0 lost its sign");
	json_decref(back);
	struct store_point *pts;
	int n;
	CHECK(
	    !store_figure(s, machine, "run", "edge/values", "third", &pts, &n, err, sizeof(err)) &&
		n == 1 && pts[0].value == 1.0 / 3.0,
	    "figure 'third': %d points %s", n, err);
	free(pts);
	CHECK(!store_figure(s, machine, "run", "edge/values", "zeta", &pts, &n, err, sizeof(err)) &&
		  n == 1 && pts[0].value == 9007199254740992.0,
	      "figure 'zeta': %d points %s", n, err);
	free(pts);
	json_decref(run);
}

static void round_trips(struct store *s, const char *machine, int nfiles, char **files)
{
	for (int i = 0; i < nfiles; i++) {
		json_error_t je;
		json_t *doc = json_load_file(files[i], 0, &je);
		REQUIRE(doc, "%s: %s", files[i], je.text);
		char name[64];
		snprintf(name, sizeof(name), "file%d", i);
		int64_t id = 0, again = 0;
		bool dup = true;
		CHECK(!store_put_run(s, machine, "run", name, doc, &id, &dup, err, sizeof(err)),
		      "%s", err);
		CHECK(!dup && id > 0, "%s: put as a duplicate (id %lld)", files[i], (long long)id);
		json_t *back = store_get_doc(s, id, err, sizeof(err));
		CHECK(back && json_equal(back, doc), "%s: read back differs (%s)", files[i],
		      back ? "unequal" : err);
		CHECK(back && same_text(back, doc), "%s: read back with its keys in another order",
		      files[i]);
		/* The same run again: kept once, the same id. */
		CHECK(!store_put_run(s, machine, "run", name, doc, &again, &dup, err, sizeof(err)),
		      "%s", err);
		CHECK(dup && again == id, "%s: second put: dup %d id %lld, not %lld", files[i], dup,
		      (long long)again, (long long)id);
		json_decref(back);
		json_decref(doc);
	}
	struct store_run *runs;
	int n;
	CHECK(!store_list_runs(s, machine, "run", 0, &runs, &n, err, sizeof(err)), "%s", err);
	CHECK(n == nfiles, "%d runs listed, %d put", n, nfiles);
	free(runs);
}

static void order_and_last(struct store *s, const char *machine, json_t *doc)
{
	/* Put out of order, in offsets that change the order of the text:
	 * 01:30+02:00 is 23:30 the day before. */
	const char *dates[] = {"2026-01-03T00:00:00+00:00", "2026-01-02T01:30:00+02:00",
			       "2026-01-02T00:00:00.250Z", "2026-01-02T00:00:00+0000"};
	const char *want[] = {"2026-01-01T23:30:00.000Z", "2026-01-02T00:00:00.000Z",
			      "2026-01-02T00:00:00.250Z", "2026-01-03T00:00:00.000Z"};
	for (int i = 0; i < 4; i++) {
		json_t *d = with_date(doc, dates[i]);
		char name[32];
		snprintf(name, sizeof(name), "n%d", i);
		CHECK(!store_put_run(s, machine, "night", name, d, NULL, NULL, err, sizeof(err)),
		      "%s", err);
		json_decref(d);
	}
	/* A night's name only labels it: the same night under another name
	 * is the same night. */
	json_t *d = with_date(doc, dates[0]);
	bool dup = false;
	CHECK(!store_put_run(s, machine, "night", "other", d, NULL, &dup, err, sizeof(err)) && dup,
	      "the same night under another name: dup %d %s", dup, err);
	json_decref(d);
	struct store_run *runs;
	int n;
	CHECK(!store_list_runs(s, machine, "night", 0, &runs, &n, err, sizeof(err)), "%s", err);
	REQUIRE(n == 4, "%d runs", n);
	for (int i = 0; i < 4; i++)
		CHECK(!strcmp(runs[i].time, want[i]), "run %d at %s, not %s", i, runs[i].time,
		      want[i]);
	CHECK(!strcmp(runs[0].name, "n1") && !strcmp(runs[3].name, "n0"), "order %s..%s",
	      runs[0].name, runs[3].name);
	CHECK(!strcmp(runs[0].machine, machine) && !strcmp(runs[0].kind, "night"), "%s %s",
	      runs[0].machine, runs[0].kind);
	free(runs);
	CHECK(!store_list_runs(s, machine, "night", 2, &runs, &n, err, sizeof(err)), "%s", err);
	REQUIRE(n == 2, "last 2: %d runs", n);
	CHECK(!strcmp(runs[0].time, want[2]) && !strcmp(runs[1].time, want[3]),
	      "last 2: %s, %s (oldest first)", runs[0].time, runs[1].time);
	free(runs);
	CHECK(!store_list_runs(s, machine, "rerun", 0, &runs, &n, err, sizeof(err)) && n == 0 &&
		  !runs,
	      "reruns: %d", n);
	struct store_run r;
	CHECK(store_find_run(s, machine, "night", "n2", &r, err, sizeof(err)) == 1 &&
		  !strcmp(r.time, want[2]),
	      "find n2: %s", err);
	CHECK(store_find_run(s, machine, "night", "nope", &r, err, sizeof(err)) == 0,
	      "found a run never put");
}

static void baselines(struct store *s, const char *machine, json_t *doc)
{
	json_t *big = json_deep_copy(doc);
	json_array_extend(json_object_get(big, "benchmarks"), json_object_get(doc, "benchmarks"));
	json_object_set_new(big, "note", json_string("a top-level key of its own"));
	int64_t id1, id2;
	CHECK(!store_put_run(s, machine, "baseline", "", doc, &id1, NULL, err, sizeof(err)), "%s",
	      err);
	/* The same run as a named baseline is a second baseline. */
	bool dup = true;
	CHECK(!store_put_run(s, machine, "baseline", "before", doc, NULL, &dup, err, sizeof(err)) &&
		  !dup,
	      "named baseline: dup %d %s", dup, err);
	CHECK(!store_replace_run(s, machine, "baseline", "", big, &id2, err, sizeof(err)), "%s",
	      err);
	struct store_run r;
	CHECK(store_find_run(s, machine, "baseline", "", &r, err, sizeof(err)) == 1 && r.id == id2,
	      "find baseline: id %lld, replaced as %lld", (long long)r.id, (long long)id2);
	json_t *back = store_get_doc(s, id2, err, sizeof(err));
	CHECK(back && json_equal(back, big), "replaced baseline reads back differently");
	json_decref(back);
	CHECK(!store_get_doc(s, id1, err, sizeof(err)) && strstr(err, "no run"),
	      "the replaced run is still there: %s", err);
	struct store_run *runs;
	int n;
	CHECK(!store_list_runs(s, machine, "baseline", 0, &runs, &n, err, sizeof(err)) && n == 2,
	      "%d baselines", n);
	free(runs);
	/* Delete: the run, its entries and figures go. */
	const char *cn = json_string_value(
	    json_object_get(json_array_get(json_object_get(doc, "benchmarks"), 0), "run_name"));
	struct store_point *pts;
	int before, after;
	CHECK(
	    !store_figure(s, machine, "baseline", cn, "real_time", &pts, &before, err, sizeof(err)),
	    "%s", err);
	free(pts);
	CHECK(!store_delete_run(s, id2, err, sizeof(err)), "%s", err);
	CHECK(
	    !store_figure(s, machine, "baseline", cn, "real_time", &pts, &after, err, sizeof(err)),
	    "%s", err);
	free(pts);
	CHECK(after == before - count_points(big, cn, "real_time") && after > 0,
	      "figures after delete: %d, before %d", after, before);
	json_decref(big);
}

static void steps_and_acks(struct store *s, const char *machine)
{
	json_t *e1 =
	    json_pack("{s:s, s:s, s:f, s:f, s:s, s:s, s:s, s:s, s:f, s:f}", "case",
		      "stream/wait:spin/size:64", "figure", "items_per_second", "state_lo_ns", 60.5,
		      "state_hi_ns", 70.25, "night", "20260102T000000.000Z-abc", "first_after",
		      "20260101T000000.000Z-abc", "revision_before", "aaa", "revision_after", "abc",
		      "change", -0.125, "confidence", 0.999);
	json_t *e2 = json_deep_copy(e1), *e3 = json_deep_copy(e1);
	json_object_set_new(e2, "figure", json_string("p50_ns"));
	json_object_set_new(e3, "change", json_real(0.3));
	json_t *doc = store_get_steps(s, machine, err, sizeof(err));
	CHECK(doc && json_array_size(json_object_get(doc, "reported")) == 0, "steps: %s",
	      doc ? "not empty" : err);
	json_decref(doc);
	json_t *add = json_pack("[O, O]", e1, e2);
	CHECK(!store_add_steps(s, machine, add, err, sizeof(err)), "%s", err);
	json_decref(add);
	/* e1 again is left out: a ledger holds a step once. */
	add = json_pack("[O, O]", e1, e3);
	CHECK(!store_add_steps(s, machine, add, err, sizeof(err)), "%s", err);
	json_decref(add);
	json_t *want = json_pack("{s:[O, O, O]}", "reported", e1, e2, e3);
	doc = store_get_steps(s, machine, err, sizeof(err));
	CHECK(doc && json_equal(doc, want), "steps read back: %s",
	      doc ? json_dumps(doc, JSON_COMPACT) : err);
	json_decref(doc);
	json_decref(want);

	json_t *acks = json_pack(
	    "{s:[{s:s, s:s, s:s, s:f, s:s, s:s}, {s:s, s:s, s:s, s:f, s:s, s:s, s:s, s:s}]}",
	    "acknowledgements", "case", "stream/wait:spin/size:64", "figure", "items_per_second",
	    "reason", "a trade", "change", -0.12, "acknowledged", "2026-01-01T00:00:00Z",
	    "revision", "abc", "case", "pingpong/wait:spin/size:64", "figure", "p50_ns", "reason",
	    "slower, safer", "change", 0.2, "until", "v2", "until_commit",
	    "0123456789abcdef0123456789abcdef01234567", "acknowledged", "2026-01-02T00:00:00Z",
	    "revision", "abd");
	json_t *other = json_pack("{s:[{s:s, s:s, s:s, s:f}]}", "acknowledgements", "case", "x",
				  "figure", "p99_ns", "reason", "r", "change", 0.5);
	CHECK(!store_put_acks(s, machine, "", acks, err, sizeof(err)), "%s", err);
	CHECK(!store_put_acks(s, machine, "before", other, err, sizeof(err)), "%s", err);
	doc = store_get_acks(s, machine, "", err, sizeof(err));
	CHECK(doc && json_equal(doc, acks), "acks read back: %s",
	      doc ? json_dumps(doc, JSON_COMPACT) : err);
	json_decref(doc);
	doc = store_get_acks(s, machine, "before", err, sizeof(err));
	CHECK(doc && json_equal(doc, other), "named baseline's acks");
	json_decref(doc);
	/* Replacing them all. */
	json_array_remove(json_object_get(acks, "acknowledgements"), 0);
	CHECK(!store_put_acks(s, machine, "", acks, err, sizeof(err)), "%s", err);
	doc = store_get_acks(s, machine, "", err, sizeof(err));
	CHECK(doc && json_equal(doc, acks), "acks after replacing");
	json_decref(doc);
	doc = store_get_acks(s, "no-such-machine", "", err, sizeof(err));
	CHECK(doc && json_array_size(json_object_get(doc, "acknowledgements")) == 0,
	      "acks of no machine");
	json_decref(doc);
	json_decref(acks);
	json_decref(other);
	json_decref(e1);
	json_decref(e2);
	json_decref(e3);
}

static void across_machines(struct store *s, const char *ma, const char *mb, json_t *doc)
{
	json_t *newer = with_date(doc, "2030-01-01T00:00:00Z");
	json_object_set_new(json_object_get(newer, "context"), "kernel", json_string("newest"));
	CHECK(!store_put_run(s, mb, "night", "b0", doc, NULL, NULL, err, sizeof(err)), "%s", err);
	CHECK(!store_put_run(s, mb, "night", "b1", newer, NULL, NULL, err, sizeof(err)), "%s", err);
	json_t *ctx = store_machine_context(s, mb, err, sizeof(err));
	CHECK(ctx && json_equal(ctx, json_object_get(newer, "context")), "newest context of %s",
	      mb);
	json_decref(ctx);
	char **names;
	int n;
	CHECK(!store_machines(s, &names, &n, err, sizeof(err)), "%s", err);
	int at_a = -1, at_b = -1;
	for (int i = 0; i < n; i++) {
		if (!strcmp(names[i], ma))
			at_a = i;
		if (!strcmp(names[i], mb))
			at_b = i;
		CHECK(i == 0 || strcmp(names[i - 1], names[i]) < 0, "machines not sorted: %s %s",
		      names[i - 1], names[i]);
	}
	CHECK(at_a >= 0 && at_b > at_a, "machines: %s at %d, %s at %d", ma, at_a, mb, at_b);
	store_free_names(names, n);

	json_t *e0 = json_array_get(json_object_get(doc, "benchmarks"), 0);
	const char *cn = json_string_value(json_object_get(e0, "run_name"));
	CHECK(!store_cases(s, "night", &names, &n, err, sizeof(err)), "%s", err);
	bool has = false;
	for (int i = 0; i < n; i++) {
		has |= !strcmp(names[i], cn);
		CHECK(i == 0 || strcmp(names[i - 1], names[i]) < 0, "cases not sorted");
	}
	CHECK(has, "case %s not among %d cases", cn, n);
	store_free_names(names, n);

	struct store_point *pts;
	CHECK(!store_figure(s, mb, "night", cn, "real_time", &pts, &n, err, sizeof(err)), "%s",
	      err);
	int want = 2 * count_points(doc, cn, "real_time");
	CHECK(n == want && want > 0, "%d points of %s on %s, want %d", n, cn, mb, want);
	if (n == want && want > 0) {
		json_t *ev = json_object_get(e0, "real_time");
		json_t *rep = json_object_get(e0, "repetition_index");
		json_t *st = json_object_get(e0, "state_before_ns");
		CHECK(pts[0].value == json_number_value(ev), "value %.17g, want %.17g",
		      pts[0].value, json_number_value(ev));
		CHECK(pts[0].repetition == (rep ? (int)json_integer_value(rep) : -1),
		      "repetition %d", pts[0].repetition);
		CHECK(pts[0].state_ns == (st ? json_number_value(st) : 0), "state %.17g",
		      pts[0].state_ns);
		CHECK(!strcmp(pts[0].machine, mb) && strcmp(pts[0].time, pts[n - 1].time) < 0,
		      "points: %s %s .. %s", pts[0].machine, pts[0].time, pts[n - 1].time);
	}
	free(pts);
	/* Every machine: both. */
	int both;
	CHECK(!store_figure(s, NULL, "night", cn, "real_time", &pts, &both, err, sizeof(err)), "%s",
	      err);
	CHECK(both > n, "every machine: %d points, one machine %d", both, n);
	free(pts);
	json_decref(newer);
}

/* URIs libpq cannot read, or reads so that the password would show
 * (the reviewer's): the error names neither the password (as written or
 * %-decoded) nor the URI.  No server needed: each fails before connecting
 * (a socket folder that does not exist).  Skipped without libpq. */
static void uri_secrets(void)
{
	static const struct {
		const char *uri, *secret[2];
	} bad[] = {
	    {"postgresql://u:S3cr3t%zz@/db?host=/nonexistent-rb", {"S3cr3t", "zz@"}},
	    {"postgresql://u:S3cr3t@[::1/db", {"S3cr3t", "[::1"}},
	    {"postgresql://u@/db?host=/nonexistent-rb&password=S3cr3t%00", {"S3cr3t", NULL}},
	    {"postgresql://u:S3/cr3t@/db?host=/nonexistent-rb", {"S3", "cr3t"}},
	    {"postgresql://u:S3cr3t@/db?host=/nonexistent-rb", {"S3cr3t", NULL}},
	    {"postgresql://u:S3%2Fcr3t@/db?host=/nonexistent-rb", {"S3/cr3t", "S3%2Fcr3t"}},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		struct store *s = NULL;
		char e[2048] = "";
		int rc = store_open(bad[i].uri, &s, e, sizeof(e));
		store_close(s);
		if (strstr(e, "cannot load PostgreSQL's client library")) {
			printf("store_api: URI checks skipped: %s\n", e);
			return;
		}
		CHECK(rc != 0, "%s: opened", bad[i].uri);
		CHECK(!strchr(e, '\n') && strncmp(e, "store postgresql://", 19) == 0,
		      "%s: not one line naming the store: %s", bad[i].uri, e);
		for (int k = 0; k < 2; k++)
			CHECK(!bad[i].secret[k] || !strstr(e, bad[i].secret[k]),
			      "%s: the error shows '%s': %s", bad[i].uri, bad[i].secret[k], e);
		CHECK(!strstr(e, bad[i].uri), "%s: the error shows the URI: %s", bad[i].uri, e);
	}
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: store_api WHERE RESULTS...\n");
		return 2;
	}
	const char *where = argv[1];
	uri_secrets();
	char ma[64], mb[64];
	snprintf(ma, sizeof(ma), "api-%d-a", (int)getpid());
	snprintf(mb, sizeof(mb), "api-%d-b", (int)getpid());
	struct store *s;
	REQUIRE(!store_open(where, &s, err, sizeof(err)), "%s", err);
	enum store_backend want =
	    strncmp(where, "postgres", 8) == 0 ? STORE_POSTGRESQL : STORE_SQLITE;
	CHECK(store_backend(s) == want, "backend %d", store_backend(s));
	CHECK(!strstr(store_name(s), "secret"), "the name shows the password: %s", store_name(s));

	round_trips(s, ma, argc - 2, argv + 2);
	json_error_t je;
	json_t *doc = json_load_file(argv[2], 0, &je);
	REQUIRE(doc, "%s", je.text);
	char me[80];
	snprintf(me, sizeof(me), "%s-edge", ma);
	edge_values(s, me, doc);
	char mo[80];
	snprintf(mo, sizeof(mo), "%s-order", ma);
	order_and_last(s, mo, doc);
	baselines(s, ma, doc);
	steps_and_acks(s, ma);
	across_machines(s, ma, mb, doc);
	store_close(s);

	/* Open again: everything is still there. */
	REQUIRE(!store_open(where, &s, err, sizeof(err)), "reopening: %s", err);
	struct store_run *runs;
	int n;
	CHECK(!store_list_runs(s, mo, NULL, 0, &runs, &n, err, sizeof(err)) && n == 4,
	      "after reopening: %d runs", n);
	free(runs);
	json_decref(doc);
	if (fails)
		fprintf(stderr, "store_api: %d checks failed\n", fails);
	else
		printf("store_api: %s: ok\n", store_name(s));
	store_close(s);
	return fails ? 1 : 0;
}
