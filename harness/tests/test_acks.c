/* test_acks.c: acknowledged regressions applied to made-up verdicts
 * (acks_apply), their expiry by date and by revision (git stood in for),
 * a figure that moves beyond the change accepted, and the file read back
 * and refused when bad.  No timing: every row here is made up. */
#include "judge/acks.h"
#include "judge/baselines.h"
#include "synth.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CASE_A "stream/wait:spin/size:64"
#define CASE_B "pingpong/wait:spin/size:64"

/* 2026-12-02 12:00 UTC, and a day either side. */
#define NOON ((time_t)1796212800)
#define DAY  ((time_t)86400)

/* A judgement of three rows: CASE_A's rate down 20% (a regression at a 5%
 * threshold), its instruction count up 3% (a regression at 1%), CASE_B's
 * rate unchanged. */
static void verdict(struct judgement *j, double rate_change, double instr_cur)
{
	memset(j, 0, sizeof(*j));
	j->rows = calloc(3, sizeof(*j->rows));
	j->nrows = 3;
	j->rows[0] = (struct judge_row){.name = CASE_A,
					.fig = FIG_RATE,
					.v = V_REGRESSION,
					.base = 3e7,
					.cur = 3e7 * (1 + rate_change),
					.change = rate_change,
					.threshold = 0.05};
	j->rows[1] = (struct judge_row){.name = CASE_A,
					.fig = FIG_INSTR,
					.v = V_REGRESSION,
					.base = 100,
					.cur = instr_cur,
					.change = instr_cur - 100,
					.threshold = INSTR_CHANGE};
	j->rows[2] = (struct judge_row){.name = CASE_B,
					.fig = FIG_RATE,
					.v = V_SAME,
					.base = 6e6,
					.cur = 6e6,
					.change = 0,
					.threshold = 0.05};
	snprintf(j->rows[0].note, sizeof(j->rows[0].note), "6 base runs");
	j->regressions = 2;
	j->status = judge_status(j);
}

static void one_ack(struct ack_set *s, const char *name, enum fig fig, double change,
		    const char *until, const char *commit)
{
	struct ack a = {
	    .case_name = (char *)name, .fig = fig, .reason = "bigger records", .change = change};
	snprintf(a.until, sizeof(a.until), "%s", until);
	snprintf(a.until_commit, sizeof(a.until_commit), "%s", commit);
	CHECK(acks_put(s, &a) >= 0);
}

/* git stood in for: the checked revision "new" contains everything, "old"
 * nothing, any other cannot be told. */
static int contains(const char *commit, const char *checked, char *why, size_t n)
{
	(void)commit;
	if (strcmp(checked, "new") == 0)
		return 1;
	if (strcmp(checked, "old") == 0)
		return 0;
	snprintf(why, n, "git cannot tell");
	return -1;
}

static void test_applied(void)
{
	struct judgement j;
	struct ack_set s = {0};
	verdict(&j, -0.20, 103);
	one_ack(&s, CASE_A, FIG_RATE, -0.20, "", "");
	struct ack_context ctx = {.now = NOON, .checked = "old", .contains = contains};
	CHECK(acks_apply(&j, &s, &ctx) == 1);
	CHECK(j.rows[0].v == V_ACKED);
	CHECK(strstr(j.rows[0].note, "bigger records") != NULL);
	CHECK(strstr(j.rows[0].note, "6 base runs") != NULL); /* what the verdict said stays */
	CHECK(j.rows[1].v == V_REGRESSION);		      /* another figure: not accepted */
	CHECK(j.regressions == 1 && j.acknowledged == 1 && j.status == 1);
	CHECK(s.v[0].outcome == ACK_APPLIED);
	one_ack(&s, CASE_A, FIG_INSTR, 0.03, "", "");
	judgement_free(&j);
	verdict(&j, -0.20, 103);
	CHECK(acks_apply(&j, &s, &ctx) == 2);
	CHECK(j.regressions == 0 && j.acknowledged == 2 && j.status == 0);
	/* Within the threshold of the change accepted: still acknowledged. */
	judgement_free(&j);
	verdict(&j, -0.23, 103.5);
	CHECK(acks_apply(&j, &s, &ctx) == 2 && j.status == 0);
	/* An unchanged figure is left alone; an acknowledgement of it unused. */
	one_ack(&s, CASE_B, FIG_RATE, -0.1, "", "");
	judgement_free(&j);
	verdict(&j, -0.20, 103);
	acks_apply(&j, &s, &ctx);
	CHECK(j.rows[2].v == V_SAME && s.v[2].outcome == ACK_UNUSED);
	judgement_free(&j);
	acks_free(&s);
}

static void test_moved_beyond(void)
{
	struct judgement j;
	struct ack_set s = {0};
	one_ack(&s, CASE_A, FIG_RATE, -0.12, "", "");
	one_ack(&s, CASE_A, FIG_INSTR, 0.03, "", "");
	/* -20% against -12% accepted is 9% worse: beyond the 5% threshold;
	 * 105 instructions against 103 accepted is beyond 1%. */
	verdict(&j, -0.20, 105);
	struct ack_context ctx = {.now = NOON, .checked = "old", .contains = contains};
	CHECK(acks_apply(&j, &s, &ctx) == 0);
	CHECK(j.rows[0].v == V_REGRESSION && j.rows[1].v == V_REGRESSION);
	CHECK(strstr(j.rows[0].note, "moved beyond the -12.0% acknowledged") != NULL);
	CHECK(j.regressions == 2 && j.acknowledged == 0 && j.status == 1);
	CHECK(s.v[0].outcome == ACK_EXCEEDED && s.v[1].outcome == ACK_EXCEEDED);
	judgement_free(&j);
	acks_free(&s);
}

static void test_expiry(void)
{
	struct judgement j;
	struct ack_set s = {0};
	one_ack(&s, CASE_A, FIG_RATE, -0.20, "2026-12-02", "");
	struct ack_context ctx = {.now = NOON - DAY, .checked = "old", .contains = contains};
	verdict(&j, -0.20, 103);
	CHECK(acks_apply(&j, &s, &ctx) == 1); /* the day before: not yet */
	judgement_free(&j);
	ctx.now = NOON - 12 * 3600; /* 00:00 UTC of the day: expired */
	verdict(&j, -0.20, 103);
	CHECK(acks_apply(&j, &s, &ctx) == 0);
	CHECK(j.rows[0].v == V_REGRESSION);
	CHECK(strstr(j.rows[0].note, "acknowledgement expired on 2026-12-02: bigger records") !=
	      NULL);
	CHECK(s.v[0].outcome == ACK_EXPIRED && j.status == 1);
	judgement_free(&j);
	acks_free(&s);

	/* Until a revision: expired once the checked build contains it, and
	 * where that cannot be told. */
	one_ack(&s, CASE_A, FIG_RATE, -0.20, "v2.0", "0123456789abcdef0123456789abcdef01234567");
	const char *checked[3] = {"old", "new", "elsewhere"};
	int want[3] = {1, 0, 0};
	for (int k = 0; k < 3; k++) {
		ctx =
		    (struct ack_context){.now = NOON, .checked = checked[k], .contains = contains};
		verdict(&j, -0.20, 103);
		CHECK(acks_apply(&j, &s, &ctx) == want[k]);
		judgement_free(&j);
	}
	char why[320];
	ctx.checked = "new";
	CHECK(acks_expired(&s.v[0], &ctx, why, sizeof(why)) == 1);
	CHECK(strstr(why, "expired on v2.0 (0123456789ab)") != NULL);
	ctx.checked = "elsewhere";
	CHECK(acks_expired(&s.v[0], &ctx, why, sizeof(why)) == 1);
	CHECK(strstr(why, "taken as expired: git cannot tell") != NULL);
	acks_free(&s);
}

static void test_names_and_dates(void)
{
	enum fig f;
	CHECK(acks_parse_fig("msgs/s", &f) == 0 && f == FIG_RATE);
	CHECK(acks_parse_fig("items_per_second", &f) == 0 && f == FIG_RATE);
	CHECK(acks_parse_fig("instr/op", &f) == 0 && f == FIG_INSTR);
	CHECK(acks_parse_fig("rate", &f) == -1);
	CHECK(acks_date_valid("2028-02-29") && !acks_date_valid("2027-02-29"));
	CHECK(!acks_date_valid("2026-13-01") && !acks_date_valid("2026-1-05"));
	/* Only the shape YYYY-MM-DD is a date (a valid one or not); a tag of
	 * digits and dashes is a revision. */
	CHECK(acks_until_is_date("2026-12-02") && acks_until_is_date("2026-13-01"));
	CHECK(!acks_until_is_date("2026-1-05") && !acks_until_is_date("v2.0"));
	CHECK(!acks_until_is_date("2024-01") && !acks_until_is_date("2024-01-311"));
	CHECK(!acks_until_is_date("1a2b3c4") && !acks_until_is_date(""));
	CHECK(acks_is_worse(FIG_RATE, -0.1) && acks_is_worse(FIG_P50, 0.1));
	CHECK(!acks_is_worse(FIG_RATE, 0.1));
}

/* An acknowledgement of a change of -100% or less (a figure fallen by
 * all of itself) has no log to measure a later change by: it accepts no
 * regression, however it got into the set. */
static void test_change_limit(void)
{
	static const double beyond[] = {-1.0, -1.5};
	for (size_t k = 0; k < sizeof(beyond) / sizeof(beyond[0]); k++) {
		struct judgement j;
		struct ack_set s = {0};
		one_ack(&s, CASE_A, FIG_RATE, beyond[k], "", "");
		struct ack_context ctx = {.now = NOON, .checked = "old", .contains = contains};
		verdict(&j, -0.20, 103);
		CHECK(acks_apply(&j, &s, &ctx) == 0);
		CHECK(j.rows[0].v == V_REGRESSION && s.v[0].outcome == ACK_EXCEEDED);
		CHECK(j.regressions == 2 && j.status == 1);
		judgement_free(&j);
		acks_free(&s);
	}
	/* The rate fallen to nothing against -20% accepted: beyond it. */
	struct judgement j;
	struct ack_set s = {0};
	one_ack(&s, CASE_A, FIG_RATE, -0.20, "", "");
	struct ack_context ctx = {.now = NOON, .checked = "old", .contains = contains};
	verdict(&j, -1.0, 103);
	CHECK(acks_apply(&j, &s, &ctx) == 0 && j.rows[0].v == V_REGRESSION);
	judgement_free(&j);
	acks_free(&s);
}

/* Machine ids that name files: none leads out of its folder. */
static void test_machine_ids(void)
{
	char out[1200];
	CHECK(baseline_id_valid("intel-xeon-4c-none") && baseline_id_valid("a..b"));
	CHECK(!baseline_id_valid("../evil/x") && !baseline_id_valid("a/b"));
	CHECK(!baseline_id_valid(".hidden") && !baseline_id_valid("a\nb"));
	CHECK(!baseline_id_valid(""));
	CHECK(acks_file(out, sizeof(out), NULL, "../evil/x") == -1 && out[0] == 0);
	CHECK(acks_verdict_file(out, sizeof(out), NULL, "../evil/x", "") == -1 && out[0] == 0);
	CHECK(baseline_sibling(out, sizeof(out), "..", ".acks.json") == -1 && out[0] == 0);
	CHECK(acks_verdict_file(out, sizeof(out), NULL, "m", "") == 0 &&
	      strstr(out, "/m.last-verdict.json") != NULL);
}

/* Write text to path and read it as an acknowledgements file. */
static int load_text(const char *path, const char *text, struct ack_set *s, char *err, size_t n)
{
	FILE *f = fopen(path, "w");
	CHECK(f != NULL);
	if (!f)
		return -2;
	fputs(text, f);
	fclose(f);
	err[0] = 0;
	return acks_load(path, s, err, n);
}

#define SHA256 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* A SHA-256 commit is kept whole; a tag of digits and dashes is a
 * revision, not a date. */
static void test_file_revisions(const char *path)
{
	char err[512];
	struct ack_set back;
	CHECK(load_text(path,
			"{\"acknowledgements\": [{\"case\": \"x\", \"figure\": \"msgs/s\", "
			"\"reason\": \"r\", \"change\": -0.1, \"until\": \"v2.0\", "
			"\"until_commit\": \"" SHA256 "\"}, {\"case\": \"y\", \"figure\": "
			"\"msgs/s\", \"reason\": \"r\", \"change\": -0.1, \"until\": "
			"\"2024-01\", \"until_commit\": \"" SHA256 "\"}]}",
			&back, err, sizeof(err)) == 0);
	if (err[0])
		fprintf(stderr, "SHA-256 file: %s\n", err);
	CHECK(back.n == 2 && strcmp(back.v[0].until_commit, SHA256) == 0);
	if (back.n == 2) {
		char why[320];
		struct ack_context ctx = {.now = NOON, .checked = "new", .contains = contains};
		CHECK(acks_expired(&back.v[1], &ctx, why, sizeof(why)) == 1);
		CHECK(strstr(why, "expired on 2024-01 (0123456789ab)") != NULL);
		CHECK(acks_save(&back, path, err, sizeof(err)) == 0);
	}
	acks_free(&back);
	CHECK(acks_load(path, &back, err, sizeof(err)) == 0 && back.n == 2 &&
	      strcmp(back.v[1].until_commit, SHA256) == 0);
	acks_free(&back);
}

/* Saved, read back the same; bad files refused with a sentence. */
static void test_file(void)
{
	char dir[] = "/tmp/test_acks.XXXXXX", path[256], err[512];
	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/sub/m.acks.json", dir);
	struct ack_set s = {0}, back;
	CHECK(acks_load(path, &back, err, sizeof(err)) == 0 && back.n == 0); /* none yet */
	one_ack(&s, CASE_A, FIG_RATE, -0.2, "2027-01-31", "");
	one_ack(&s, CASE_B, FIG_P99, 0.3, "v2.0", "0123456789abcdef0123456789abcdef01234567");
	one_ack(&s, CASE_A, FIG_RATE, -0.25, "", ""); /* replaces the first */
	CHECK(s.n == 2);
	CHECK(acks_save(&s, path, err, sizeof(err)) == 0);
	CHECK(acks_load(path, &back, err, sizeof(err)) == 0);
	CHECK(back.n == 2 && acks_find(&back, CASE_A, FIG_RATE) &&
	      fabs(acks_find(&back, CASE_A, FIG_RATE)->change + 0.25) < 1e-12);
	CHECK(acks_find(&back, CASE_B, FIG_P99) &&
	      strcmp(acks_find(&back, CASE_B, FIG_P99)->until_commit,
		     "0123456789abcdef0123456789abcdef01234567") == 0);
	CHECK(acks_remove(&back, CASE_B, FIG_P99) == 0 &&
	      acks_remove(&back, CASE_B, FIG_P99) == -1);
	acks_free(&back);
	acks_free(&s);
	static const char *const bad[][2] = {
	    {"{\"acks\": []}", "no \"acknowledgements\" list"},
	    {"{\"acknowledgements\": [{\"case\": \"x\", \"figure\": \"rate\", \"reason\": \"r\", "
	     "\"change\": -0.1}]}",
	     "unknown \"figure\""},
	    {"{\"acknowledgements\": [{\"case\": \"x\", \"figure\": \"msgs/s\", \"change\": "
	     "-0.1}]}",
	     "\"reason\""},
	    {"{\"acknowledgements\": [{\"case\": \"x\", \"figure\": \"msgs/s\", \"reason\": \"r\", "
	     "\"change\": -0.1, \"until\": \"2026-02-30\"}]}",
	     "not YYYY-MM-DD"},
	    {"{\"acknowledgements\": [{\"case\": \"x\", \"figure\": \"msgs/s\", \"reason\": \"r\", "
	     "\"change\": -0.1}, {\"case\": \"x\", \"figure\": \"items_per_second\", \"reason\": "
	     "\"r\", \"change\": -0.2}]}",
	     "of an earlier one"},
	    {"{\"acknowledgements\": [{\"case\": \"x\", \"figure\": \"msgs/s\", \"reason\": \"r\", "
	     "\"change\": -0.1, \"until\": \"v2\", \"until_commit\": \"--output=x\"}]}",
	     "without its \"until_commit\""},
	    {"{\"acknowledgements\": [{\"case\": \"x\", \"figure\": \"msgs/s\", \"reason\": \"r\", "
	     "\"change\": -1.5}]}",
	     "\"change\" of -100% or less"},
	    {"{\"acknowledgements\": [{\"case\": \"x\", \"figure\": \"msgs/s\", \"reason\": \"r\", "
	     "\"change\": -1.0}]}",
	     "\"change\" of -100% or less"},
	    {"{\"acknowledgements\": [{\"case\": \"x\", \"figure\": \"msgs/s\", \"reason\": \"r\", "
	     "\"change\": -0.1, \"until\": \"2024-01\"}]}",
	     "without its \"until_commit\""},
	    {"{\"acknowledgements\": [", "not JSON"},
	};
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		CHECK(load_text(path, bad[k][0], &back, err, sizeof(err)) == -1 && back.n == 0);
		if (!strstr(err, bad[k][1]))
			fprintf(stderr, "bad file %zu: '%s' does not say '%s'\n", k, err,
				bad[k][1]);
		CHECK(strstr(err, bad[k][1]) != NULL);
	}
	test_file_revisions(path);
	unlink(path);
	snprintf(path, sizeof(path), "%s/sub", dir);
	rmdir(path);
	rmdir(dir);
}

/* Kept in the store with a machine's baseline: acks_file names the place,
 * each machine's are its own, a --baseline FILE's stay in their file, and
 * a bad list in the store is refused as a bad file is. */
static void test_store(void)
{
	char dir[] = "/tmp/test_acks_store.XXXXXX", path[300], place[1200], other[1200];
	char err[1400];
	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/ringbench.db", dir);
	struct store *st = NULL;
	if (store_open(path, &st, err, sizeof(err))) {
		fprintf(stderr, "test_acks: %s\n", err);
		CHECK(!"the store opens");
		return;
	}
	acks_set_store(st);
	CHECK(acks_file(place, sizeof(place), NULL, "m1") == 0);
	CHECK(strcmp(place, "") != 0 && strstr(place, path) == place &&
	      strstr(place, "(acknowledgements of m1)") != NULL);
	CHECK(acks_file(other, sizeof(other), NULL, "m2") == 0);
	CHECK(acks_file(other, sizeof(other), NULL, "../evil/x") == -1 && other[0] == 0);
	CHECK(acks_file(other, sizeof(other), NULL, "m2") == 0);
	struct ack_set s = {0}, back;
	CHECK(acks_load(place, &back, err, sizeof(err)) == 0 && back.n == 0); /* none yet */
	one_ack(&s, CASE_A, FIG_RATE, -0.2, "2027-01-31", "");
	one_ack(&s, CASE_B, FIG_P99, 0.3, "", "");
	CHECK(acks_save(&s, place, err, sizeof(err)) == 0);
	CHECK(acks_load(place, &back, err, sizeof(err)) == 0 && back.n == 2 &&
	      acks_find(&back, CASE_A, FIG_RATE) &&
	      strcmp(acks_find(&back, CASE_A, FIG_RATE)->until, "2027-01-31") == 0);
	acks_free(&back);
	CHECK(acks_load(other, &back, err, sizeof(err)) == 0 && back.n == 0);
	/* Nothing was written as a file of that name. */
	CHECK(access(place, F_OK) != 0);
	/* A --baseline FILE's are beside it, the store set or not. */
	char file[400], beside[1200];
	snprintf(file, sizeof(file), "%s/base.json", dir);
	CHECK(acks_file(beside, sizeof(beside), file, "m1") == 0);
	CHECK(strcmp(beside + strlen(beside) - 15, "/base.acks.json") == 0);
	acks_free(&s);
	/* Read ahead (acks_preload): acks_load gives what was read then, even
	 * where the store has changed or gone since; set again, it reads
	 * afresh. */
	CHECK(acks_preload("m1", err, sizeof(err)) == 0);
	json_t *none = json_pack("{s:[]}", "acknowledgements");
	CHECK(store_put_acks(st, "m1", "", none, err, sizeof(err)) == 0);
	json_decref(none);
	CHECK(acks_load(place, &back, err, sizeof(err)) == 0 && back.n == 2);
	acks_free(&back);
	acks_set_store(st);
	CHECK(acks_load(place, &back, err, sizeof(err)) == 0 && back.n == 0);
	/* A bad list in the store: a sentence naming the place. */
	json_t *bad = json_pack("{s:[{s:s, s:s, s:s, s:f}]}", "acknowledgements", "case", "x",
				"figure", "rate", "reason", "r", "change", -0.1);
	CHECK(store_put_acks(st, "m1", "", bad, err, sizeof(err)) == 0);
	json_decref(bad);
	CHECK(acks_load(place, &back, err, sizeof(err)) == -1 && back.n == 0);
	CHECK(strstr(err, "unknown \"figure\"") != NULL && strstr(err, "m1") != NULL);
	/* Without the store, the place is no longer one. */
	acks_set_store(NULL);
	CHECK(acks_load(place, &back, err, sizeof(err)) == 0 && back.n == 0);
	store_close(st);
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK(system(cmd) == 0);
}

int main(void)
{
	test_applied();
	test_moved_beyond();
	test_expiry();
	test_names_and_dates();
	test_change_limit();
	test_machine_ids();
	test_file();
	test_store();
	if (failures) {
		fprintf(stderr, "test_acks: %d checks failed\n", failures);
		return 1;
	}
	printf("test_acks: ok\n");
	return 0;
}
