/* acks.c: acknowledged regressions, kept with the baseline (acks.h). */
#include "judge/acks.h"

#include "judge/baselines.h"
#include "measure/bench.h"
#include "measure/proc.h"
#include "measure/results.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef RINGBENCH_SOURCE_DIR
#define RINGBENCH_SOURCE_DIR "."
#endif

/* ---- figures and changes ---- */

int acks_parse_fig(const char *name, enum fig *out)
{
	for (int f = 0; f < FIG_COUNT; f++)
		if (strcmp(name, fig_info[f].label) == 0 || strcmp(name, fig_info[f].key) == 0) {
			*out = (enum fig)f;
			return 0;
		}
	return -1;
}

void acks_fig_names(char *out, size_t n)
{
	size_t len = 0;
	out[0] = 0;
	for (int f = 0; f < FIG_COUNT && len < n; f++)
		len += (size_t)snprintf(out + len, n - len, "%s'%s' (%s)", f ? ", " : "",
					fig_info[f].label, fig_info[f].key);
}

double acks_row_change(const struct judge_row *r)
{
	if (!fig_info[r->fig].count)
		return r->change;
	return r->base > 0 ? r->change / r->base : NAN;
}

/* A count's threshold is absolute (verdict.c's count_verdict), but for
 * instruction counts, which are relative. */
double acks_row_threshold(const struct judge_row *r)
{
	if (!fig_info[r->fig].count || r->fig == FIG_INSTR)
		return r->threshold;
	return r->base > 0 ? r->threshold / r->base : NAN;
}

bool acks_is_worse(enum fig f, double change)
{
	return fig_info[f].better > 0 ? change < 0 : change > 0;
}

/* How much worse than the base a relative change is, in logs (as the
 * verdicts' thresholds are): positive when worse. */
static double worse_log(enum fig f, double change)
{
	double l = log1p(change);
	return fig_info[f].better > 0 ? -l : l;
}

/* ---- dates ---- */

bool acks_until_is_date(const char *until)
{
	static const char shape[] = "dddd-dd-dd";
	if (strlen(until) != sizeof(shape) - 1)
		return false;
	for (size_t i = 0; shape[i]; i++)
		if (shape[i] == 'd' ? !isdigit((unsigned char)until[i]) : until[i] != '-')
			return false;
	return true;
}

bool acks_date_valid(const char *date)
{
	static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, m, d;
	char end;
	if (strlen(date) != 10 || date[4] != '-' || date[7] != '-' ||
	    sscanf(date, "%4d-%2d-%2d%c", &y, &m, &d, &end) != 3)
		return false;
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return false;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return !(m == 2 && d == 29 && !leap);
}

void acks_until_text(const struct ack *a, char *out, size_t n)
{
	if (!a->until[0])
		snprintf(out, n, "no end");
	else if (!a->until_commit[0] || strncmp(a->until_commit, a->until, strlen(a->until)) == 0)
		snprintf(out, n, "%s", a->until);
	else
		snprintf(out, n, "%s (%.12s)", a->until, a->until_commit);
}

void acks_outcome_text(const struct ack *a, char *out, size_t n)
{
	switch (a->outcome) {
	case ACK_APPLIED: snprintf(out, n, "acknowledged"); break;
	case ACK_EXPIRED: snprintf(out, n, "regression again: acknowledgement %s", a->why); break;
	case ACK_EXCEEDED:
		snprintf(out, n, "regression again: moved beyond the change accepted");
		break;
	case ACK_UNUSED:
		if (a->expired)
			snprintf(out, n, "not a regression in this run; the acknowledgement %s",
				 a->why);
		else
			snprintf(out, n, "not a regression in this run");
		break;
	}
}

/* ---- where they are kept ---- */

/* path with its .json replaced by suffix (or suffix added). */
static int sibling_of(char *out, size_t n, const char *path, const char *suffix)
{
	size_t len = strlen(path);
	if (len > 5 && strcmp(path + len - 5, ".json") == 0)
		len -= 5;
	if ((size_t)snprintf(out, n, "%.*s%s", (int)len, path, suffix) >= n) {
		out[0] = 0;
		return -1;
	}
	return 0;
}

/* The store acks_file and acks_load/acks_save keep a machine's own
 * baseline's acknowledgements in (acks_set_store); NULL: the baselines'
 * folder. */
static struct store *acks_store;
/* A machine's acknowledgements read ahead (acks_preload): acks_load gives
 * them without asking the store again. */
static json_t *preloaded;
static char preloaded_machine[256];

static void drop_preloaded(void)
{
	json_decref(preloaded);
	preloaded = NULL;
	preloaded_machine[0] = 0;
}

void acks_set_store(struct store *s)
{
	drop_preloaded();
	acks_store = s;
}

int acks_preload(const char *machine_id, char *err, size_t n)
{
	drop_preloaded();
	if (!acks_store)
		return 0;
	preloaded = store_get_acks(acks_store, machine_id, "", err, n);
	if (!preloaded)
		return -1;
	snprintf(preloaded_machine, sizeof(preloaded_machine), "%s", machine_id);
	return 0;
}

#define STORE_PLACE " (acknowledgements of "

/* Whether path is a name acks_file gave a machine's acknowledgements in
 * the store, and whose. */
static bool store_machine_of(const char *path, char *machine, size_t n)
{
	if (!acks_store)
		return false;
	const char *name = store_name(acks_store);
	size_t l = strlen(name), p = strlen(STORE_PLACE), pl = strlen(path);
	if (pl < l + p + 2 || strncmp(path, name, l) != 0 ||
	    strncmp(path + l, STORE_PLACE, p) != 0 || path[pl - 1] != ')')
		return false;
	snprintf(machine, n, "%.*s", (int)(pl - l - p - 1), path + l + p);
	return true;
}

int acks_file(char *out, size_t n, const char *baseline, const char *machine_id)
{
	if (baseline)
		return sibling_of(out, n, baseline, ".acks.json");
	if (!acks_store)
		return baseline_sibling(out, n, machine_id, ".acks.json");
	out[0] = 0;
	if (!baseline_id_valid(machine_id) ||
	    (size_t)snprintf(out, n, "%s" STORE_PLACE "%s)", store_name(acks_store), machine_id) >=
		n) {
		out[0] = 0;
		return -1;
	}
	return 0;
}

int acks_verdict_file(char *out, size_t n, const char *baseline, const char *machine_id,
		      const char *kind)
{
	if (baseline)
		return sibling_of(out, n, baseline, ".last-verdict.json");
	out[0] = 0;
	if (!baseline_id_valid(machine_id))
		return -1;
	char dir[900];
	bench_results_dir("runs", dir, sizeof(dir));
	if ((size_t)snprintf(out, n, "%s/%s%s.last-verdict.json", dir, machine_id, kind) >= n) {
		out[0] = 0;
		return -1;
	}
	return 0;
}

/* ---- the set ---- */

void acks_free(struct ack_set *s)
{
	for (int i = 0; i < s->n; i++) {
		free(s->v[i].case_name);
		free(s->v[i].reason);
	}
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

struct ack *acks_find(const struct ack_set *s, const char *case_name, enum fig fig)
{
	for (int i = 0; i < s->n; i++)
		if (s->v[i].fig == fig && strcmp(s->v[i].case_name, case_name) == 0)
			return &s->v[i];
	return NULL;
}

int acks_put(struct ack_set *s, const struct ack *a)
{
	struct ack c = *a;
	c.case_name = strdup(a->case_name);
	c.reason = strdup(a->reason);
	if (!c.case_name || !c.reason) {
		free(c.case_name);
		free(c.reason);
		return -1;
	}
	struct ack *old = acks_find(s, a->case_name, a->fig);
	if (old) {
		free(old->case_name);
		free(old->reason);
		*old = c;
		return 1;
	}
	struct ack *v = realloc(s->v, ((size_t)s->n + 1) * sizeof(*v));
	if (!v) {
		free(c.case_name);
		free(c.reason);
		return -1;
	}
	s->v = v;
	s->v[s->n++] = c;
	return 0;
}

int acks_remove(struct ack_set *s, const char *case_name, enum fig fig)
{
	struct ack *a = acks_find(s, case_name, fig);
	if (!a)
		return -1;
	free(a->case_name);
	free(a->reason);
	int i = (int)(a - s->v);
	memmove(a, a + 1, (size_t)(s->n - i - 1) * sizeof(*a));
	s->n--;
	return 0;
}

/* A string field of an entry into out (empty if absent): 0, or -1 if it
 * is there but not a string that fits. */
static int copy_field(json_t *e, const char *key, char *out, size_t n)
{
	json_t *v = json_object_get(e, key);
	out[0] = 0;
	if (!v)
		return 0;
	if (!json_is_string(v) || strlen(json_string_value(v)) >= n)
		return -1;
	snprintf(out, n, "%s", json_string_value(v));
	return 0;
}

/* A full commit hash (SHA-1 or SHA-256), nothing git could take for an
 * option. */
static bool is_commit(const char *s)
{
	size_t n = strspn(s, "0123456789abcdef");
	return s[n] == 0 && (n == 40 || n == 64);
}

/* What is wrong with one entry of the file (read into a), or NULL. */
static const char *entry_read(json_t *e, struct ack *a)
{
	const char *cs = json_string_value(json_object_get(e, "case"));
	const char *fs = json_string_value(json_object_get(e, "figure"));
	const char *rs = json_string_value(json_object_get(e, "reason"));
	json_t *ch = json_object_get(e, "change");
	if (!cs || !fs || !rs || !rs[0])
		return "no \"case\", \"figure\" or \"reason\"";
	if (acks_parse_fig(fs, &a->fig))
		return "an unknown \"figure\"";
	if (!json_is_number(ch) || !isfinite(json_number_value(ch)))
		return "no number \"change\"";
	/* A figure cannot fall by all of itself or more: such a change has no
	 * log, and would accept a regression of any size. */
	if (json_number_value(ch) <= -1)
		return "a \"change\" of -100% or less";
	if (copy_field(e, "until", a->until, sizeof(a->until)) ||
	    copy_field(e, "until_commit", a->until_commit, sizeof(a->until_commit)) ||
	    copy_field(e, "acknowledged", a->acked, sizeof(a->acked)) ||
	    copy_field(e, "revision", a->revision, sizeof(a->revision)))
		return "a field that is not a string, or too long";
	if (acks_until_is_date(a->until) && !acks_date_valid(a->until))
		return "an \"until\" date that is not YYYY-MM-DD";
	if (a->until[0] && !acks_until_is_date(a->until) && !is_commit(a->until_commit))
		return "an \"until\" revision without its \"until_commit\" (a full hash)";
	a->case_name = (char *)cs;
	a->reason = (char *)rs;
	a->change = json_number_value(ch);
	return NULL;
}

/* The acknowledgements of doc ({"acknowledgements": [...]}, read from
 * label) into s: 0, or -1 with err (nothing left to free). */
static int acks_from_json(json_t *doc, const char *label, struct ack_set *s, char *err, size_t n)
{
	json_t *list = json_object_get(doc, "acknowledgements");
	if (!json_is_array(list)) {
		snprintf(err, n, "%s: not an acknowledgements file (no \"acknowledgements\" list)",
			 label);
		return -1;
	}
	size_t k;
	json_t *e;
	json_array_foreach(list, k, e)
	{
		struct ack a = {0};
		const char *bad = entry_read(e, &a);
		if (!bad && acks_find(s, a.case_name, a.fig))
			bad = "the case and figure of an earlier one";
		if (bad)
			snprintf(err, n, "%s: acknowledgement %zu has %s", label, k + 1, bad);
		else if (acks_put(s, &a) < 0)
			snprintf(err, n, "out of memory");
		if (bad || s->n != (int)k + 1) {
			acks_free(s);
			return -1;
		}
	}
	return 0;
}

int acks_load(const char *path, struct ack_set *s, char *err, size_t n)
{
	memset(s, 0, sizeof(*s));
	char machine[256];
	json_t *doc;
	if (store_machine_of(path, machine, sizeof(machine))) {
		char why[1200];
		doc = preloaded && strcmp(machine, preloaded_machine) == 0
			  ? json_incref(preloaded)
			  : store_get_acks(acks_store, machine, "", why, sizeof(why));
		if (!doc) {
			snprintf(err, n, "%s: %s", path, why);
			return -1;
		}
	} else {
		if (access(path, F_OK) != 0 && errno == ENOENT)
			return 0;
		json_error_t je;
		doc = json_load_file(path, 0, &je);
		if (!doc) {
			snprintf(err, n, "%s: not JSON (line %d: %s)", path, je.line, je.text);
			return -1;
		}
	}
	int rc = acks_from_json(doc, path, s, err, n);
	json_decref(doc);
	return rc;
}

static json_t *ack_json(const struct ack *a)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:f}", "case", a->case_name, "figure",
			      fig_info[a->fig].key, "reason", a->reason, "change", a->change);
	if (!o)
		return NULL;
	if (a->until[0])
		json_object_set_new(o, "until", json_string(a->until));
	if (a->until_commit[0])
		json_object_set_new(o, "until_commit", json_string(a->until_commit));
	if (a->acked[0])
		json_object_set_new(o, "acknowledged", json_string(a->acked));
	if (a->revision[0])
		json_object_set_new(o, "revision", json_string(a->revision));
	return o;
}

int acks_save(const struct ack_set *s, const char *path, char *err, size_t n)
{
	json_t *list = json_array();
	json_t *doc = json_pack("{s:o}", "acknowledgements", list);
	int rc = doc ? 0 : -1;
	for (int i = 0; i < s->n && rc == 0; i++)
		rc = json_array_append_new(list, ack_json(&s->v[i]));
	if (rc) {
		json_decref(doc);
		snprintf(err, n, "out of memory");
		return -1;
	}
	char machine[256], dir[1200], why[1200];
	if (store_machine_of(path, machine, sizeof(machine))) {
		if (strcmp(machine, preloaded_machine) == 0)
			drop_preloaded();
		if (store_put_acks(acks_store, machine, "", doc, why, sizeof(why))) {
			snprintf(err, n, "cannot keep them in %s: %s", path, why);
			rc = -1;
		}
		json_decref(doc);
		return rc;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	/* results_write: the results files' atomic writer, temp file and rename. */
	if ((slash && results_mkdirs(dir)) || results_write(doc, path)) {
		snprintf(err, n, "cannot write %s: %s", path, strerror(errno));
		rc = -1;
	}
	json_decref(doc);
	return rc;
}

/* ---- git ---- */

int acks_git_commit(const char *rev, char *out, size_t n)
{
	char spec[300], line[128];
	out[0] = 0;
	if ((size_t)snprintf(spec, sizeof(spec), "%s^{commit}", rev) >= sizeof(spec))
		return -1;
	char *argv[] = {"git",	    "-C",      RINGBENCH_SOURCE_DIR, "rev-parse",
			"--verify", "--quiet", "--end-of-options",   spec,
			NULL};
	/* Read into more room than any hash takes, so that a cut line never
	 * passes for a shorter commit. */
	if (proc_capture_line(argv, line, sizeof(line)) != 0 || !is_commit(line) ||
	    strlen(line) >= n)
		return -1;
	snprintf(out, n, "%s", line);
	return 0;
}

int acks_git_contains(const char *commit, const char *checked, char *why, size_t n)
{
	char rev[128];
	snprintf(rev, sizeof(rev), "%s", checked ? checked : "");
	size_t len = strlen(rev);
	/* A build with uncommitted changes still holds every commit of its
	 * revision. */
	if (len > 6 && strcmp(rev + len - 6, "-dirty") == 0)
		rev[len - 6] = 0;
	if (!rev[0] || strcmp(rev, "unknown") == 0) {
		snprintf(why, n, "the checked results do not name their git revision");
		return -1;
	}
	char full[128], out[64];
	if (!is_commit(commit)) {
		snprintf(why, n, "'%.64s' is not a commit", commit);
		return -1;
	}
	if (acks_git_commit(rev, full, sizeof(full))) {
		snprintf(why, n, "git does not know the checked revision %s in %s", rev,
			 RINGBENCH_SOURCE_DIR);
		return -1;
	}
	char *argv[] = {
	    "git", "-C", RINGBENCH_SOURCE_DIR, "merge-base", "--is-ancestor", (char *)commit,
	    full,  NULL};
	int rc = proc_capture_line(argv, out, sizeof(out));
	if (rc == 0 || rc == 1)
		return rc == 0;
	snprintf(why, n, "git cannot tell whether %s contains %.12s", rev, commit);
	return -1;
}

/* ---- expiry, and a verdict's rows ---- */

int acks_expired(const struct ack *a, const struct ack_context *ctx, char *why, size_t n)
{
	why[0] = 0;
	if (!a->until[0])
		return 0;
	if (acks_until_is_date(a->until)) {
		char today[32];
		struct tm tm;
		gmtime_r(&ctx->now, &tm);
		strftime(today, sizeof(today), "%Y-%m-%d", &tm);
		if (strcmp(today, a->until) < 0)
			return 0;
		snprintf(why, n, "expired on %s", a->until);
		return 1;
	}
	acks_contains_fn contains = ctx->contains ? ctx->contains : acks_git_contains;
	char cant[240], until[160];
	acks_until_text(a, until, sizeof(until));
	int rc = contains(a->until_commit, ctx->checked, cant, sizeof(cant));
	if (rc == 0)
		return 0;
	if (rc > 0)
		snprintf(why, n, "expired on %s: the checked build (%s) contains it", until,
			 ctx->checked);
	else
		snprintf(why, n, "until %s taken as expired: %s", until, cant);
	return 1;
}

/* The row's note: what the acknowledgement made of it, then what the
 * verdict said before. */
static void row_note(struct judge_row *r, const char *fmt, ...)
{
	char said[sizeof(r->note)];
	snprintf(said, sizeof(said), "%s", r->note);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->note, sizeof(r->note), fmt, ap);
	va_end(ap);
	size_t len = strlen(r->note);
	if (!said[0] || len + 3 > sizeof(r->note))
		return;
	memcpy(r->note + len, "; ", 2);
	len += 2;
	size_t k = strnlen(said, sizeof(r->note) - len - 1);
	memcpy(r->note + len, said, k);
	r->note[len + k] = 0;
}

/* Whether the row's change has gone beyond the one a accepts by more than
 * the row's threshold (in logs, as the verdict's threshold is). */
static bool moved_beyond(const struct judge_row *r, const struct ack *a)
{
	double now = acks_row_change(r), thr = acks_row_threshold(r);
	if (!isfinite(now) || !(thr >= 0))
		return true; /* nothing to compare with: not accepted blindly */
	double worse = worse_log(r->fig, now), accepted = worse_log(r->fig, a->change);
	/* A change of -100% or less has no log: no size of regression is
	 * measured against it, so none is taken as accepted. */
	if (!isfinite(worse) || !isfinite(accepted))
		return true;
	return worse - accepted > log1p(thr);
}

/* One regression row against its acknowledgement: 1 if acknowledged. */
static int apply_one(struct judgement *j, struct judge_row *r, struct ack *a)
{
	if (a->expired) {
		row_note(r, "acknowledgement %s: %s", a->why, a->reason);
		a->outcome = ACK_EXPIRED;
		return 0;
	}
	if (moved_beyond(r, a)) {
		row_note(r, "moved beyond the %+.1f%% acknowledged (threshold %.1f%%): %s",
			 100 * a->change, 100 * acks_row_threshold(r), a->reason);
		a->outcome = ACK_EXCEEDED;
		return 0;
	}
	char until[160] = "";
	if (a->until[0])
		acks_until_text(a, until, sizeof(until));
	r->v = V_ACKED;
	row_note(r, "accepted %+.1f%%%s%s: %s", 100 * a->change, until[0] ? " until " : "", until,
		 a->reason);
	j->regressions--;
	j->acknowledged++;
	if (a->outcome == ACK_UNUSED)
		a->outcome = ACK_APPLIED;
	return 1;
}

int acks_apply(struct judgement *j, struct ack_set *s, const struct ack_context *ctx)
{
	for (int i = 0; i < s->n; i++) {
		struct ack *a = &s->v[i];
		a->outcome = ACK_UNUSED;
		a->expired = acks_expired(a, ctx, a->why, sizeof(a->why)) != 0;
	}
	int n = 0;
	for (int i = 0; i < j->nrows; i++) {
		struct judge_row *r = &j->rows[i];
		struct ack *a = r->v == V_REGRESSION ? acks_find(s, r->name, r->fig) : NULL;
		if (a)
			n += apply_one(j, r, a);
	}
	j->status = judge_status(j);
	return n;
}
