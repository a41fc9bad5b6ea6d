/* formats.c: every figure of a run or a verdict as Bencher Metric Format,
 * github-action-benchmark's custom JSON and CSV (formats.h). */
#include "report/formats.h"

#include "judge/stats.h"
#include "judge/writeup.h"
#include "measure/results.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The measure slugs are Bencher's form (lower case, digits, single
 * hyphens): a slug names a measure, where a name would be taken as a new
 * one's name.  throughput, latency and instructions are Bencher's own
 * measures (operations a second, nanoseconds, instructions); the rest are
 * made on first use, and docs/formats.md says how to give them units. */
const struct formats_figure formats_figures[] = {
    {"items_per_second", "msgs/s", "throughput", "msgs/s", +1},
    {"bytes_per_second", "bytes/s", "throughput-bytes", "bytes/s", +1},
    {"real_time", "time ns", "latency", "ns", -1},
    {"p50_ns", "p50 ns", "latency-p50", "ns", -1},
    {"p75_ns", "p75 ns", "latency-p75", "ns", -1},
    {"p90_ns", "p90 ns", "latency-p90", "ns", -1},
    {"p95_ns", "p95 ns", "latency-p95", "ns", -1},
    {"p99_ns", "p99 ns", "latency-p99", "ns", -1},
    {"p999_ns", "p99.9 ns", "latency-p99-9", "ns", -1},
    {"p9999_ns", "p99.99 ns", "latency-p99-99", "ns", -1},
    {"max_ns", "max ns", "latency-max", "ns", -1},
    {"producer_cpu_ns_per_msg", "prod CPU ns", "cpu-producer", "ns/msg", -1},
    {"consumer_cpu_ns_per_msg", "cons CPU ns", "cpu-consumer", "ns/msg", -1},
    {"cpu_time", "CPU ns", "cpu-time", "ns", -1},
    {"syscalls_per_msg", "syscalls/msg", "syscalls", "syscalls/msg", -1},
    {"instructions_per_op", "instr/op", "instructions", "instructions/op", -1},
};
const int formats_nfigures = sizeof(formats_figures) / sizeof(formats_figures[0]);

const char *const formats_csv_header = "case,figure,field,measure,unit,better,value,lower,upper,"
				       "bounds,n,base,change,change_low,change_high,verdict";

const char *formats_bounds_name(enum formats_bounds b)
{
	switch (b) {
	case FORMATS_INTERVAL: return "interval";
	case FORMATS_REPETITIONS: return "repetitions";
	case FORMATS_NO_BOUNDS: break;
	}
	return "";
}

/* Where a figure's values are in a sample case: a figure verdicts judge
 * (fig, an enum fig) or one only the charts draw (an enum chart_fig);
 * index -1 where the reader does not carry the field at all.  Found by
 * the field's name, so a field the reader learns to carry is written
 * without a change here. */
struct source {
	bool judged;
	int index;
};

static struct source source_of(const char *key)
{
	for (int f = 0; f < FIG_COUNT; f++)
		if (strcmp(fig_info[f].key, key) == 0)
			return (struct source){true, f};
	for (int k = 0; k < CF_COUNT; k++)
		if (strcmp(chart_fig_key[k], key) == 0)
			return (struct source){false, k};
	return (struct source){false, -1};
}

/* The finite values of one figure of c into v (room for c->n): how many;
 * 0 where the case does not have it. */
static int values_of(const struct sample_case *c, struct source src, double *v)
{
	int m = 0;
	if (src.judged && !c->has[src.index])
		return 0;
	const double *from = src.judged ? c->v[src.index] : c->chart[src.index];
	for (int i = 0; i < c->n; i++)
		if (isfinite(from[i]))
			v[m++] = from[i];
	return m;
}

static const struct judge_row *row_of(const struct judgement *j, const char *name, int fig)
{
	for (int i = 0; i < j->nrows; i++)
		if ((int)j->rows[i].fig == fig && strcmp(j->rows[i].name, name) == 0)
			return &j->rows[i];
	return NULL;
}

/* Whether row r of j is a verdict on the build: a test reached, on more
 * than one run a side.  A row too few repetitions or no common state left
 * unjudged, and every row of one run a side (whose interval is of two
 * runs' repetitions, which share each run's conditions), bound nothing. */
static bool real_verdict(const struct judgement *j, const struct judge_row *r)
{
	if (j->one_run_each)
		return false;
	switch (r->v) {
	case V_SAME:
	case V_SMALL:
	case V_REGRESSION:
	case V_IMPROVEMENT:
	case V_ACKED: return true;
	case V_TOO_FEW:
	case V_STATE:
	case V_ONE_RUN: break;
	}
	return false;
}

/* The verdict's row on e's figure into e: its current value, its change
 * (relative: a count's change is a difference in the row), and, for a
 * statistic with a real verdict and an interval, the bounds that interval
 * puts on the current value.  The interval is of the change; taken
 * relative to the change's estimate it is applied to the value, so the
 * value lies between the bounds as the estimate lies in its interval. */
static void from_row(struct formats_entry *e, const struct judgement *j, const struct judge_row *r)
{
	e->verdict = verdict_name(r->v);
	e->base = r->base;
	if (isfinite(r->cur)) {
		e->value = r->cur;
		e->n = r->nc;
	}
	if (fig_info[r->fig].count) {
		e->change = r->base > 0 ? e->value / r->base - 1 : NAN;
		return;
	}
	e->change = r->change;
	if (!real_verdict(j, r) || !isfinite(r->lo) || !isfinite(r->hi) || !isfinite(r->change) ||
	    r->change <= -1)
		return;
	e->change_lo = r->lo;
	e->change_hi = r->hi;
	e->lower = e->value * (1 + r->lo) / (1 + r->change);
	e->upper = e->value * (1 + r->hi) / (1 + r->change);
	e->bounds = FORMATS_INTERVAL;
}

/* A latency run keeps the rate it is told: its rates are no figure. */
static bool told_rate(const struct sample_case *c, const struct formats_figure *f)
{
	return strcmp(c->mode, "latency") == 0 && f->better > 0;
}

/* One entry of case c and figure f into e: false where the case has no
 * such figure.  v is scratch room for c->n values. */
static bool entry_of(const struct sample_set *cur, const struct sample_case *c,
		     const struct formats_figure *f, const struct judgement *j, double *v,
		     struct formats_entry *e)
{
	struct source src = source_of(f->key);
	if (src.index < 0 || told_rate(c, f))
		return false;
	int m = values_of(c, src, v);
	if (m == 0)
		return false;
	*e = (struct formats_entry){.name = c->name,
				    .fig = f,
				    .label = f->label,
				    .unit = f->unit,
				    .value = stats_median(v, m),
				    .lower = NAN,
				    .upper = NAN,
				    .n = m,
				    .base = NAN,
				    .change = NAN,
				    .change_lo = NAN,
				    .change_hi = NAN};
	/* items_per_second is messages in ringbench's files, whatever a
	 * Google Benchmark counted in another's: named and counted so. */
	if (strcmp(f->key, "items_per_second") == 0 && !cur->ringbench)
		e->label = e->unit = "items/s";
	const struct judge_row *r = j && src.judged ? row_of(j, c->name, src.index) : NULL;
	if (r) {
		from_row(e, j, r);
	} else if (!j && m >= 2) {
		double lo = v[0], hi = v[0];
		for (int i = 1; i < m; i++) {
			lo = fmin(lo, v[i]);
			hi = fmax(hi, v[i]);
		}
		e->lower = lo;
		e->upper = hi;
		e->bounds = FORMATS_REPETITIONS;
	}
	return isfinite(e->value);
}

int formats_collect(const struct sample_set *cur, const struct judgement *j,
		    struct formats_set *out)
{
	*out = (struct formats_set){.verdict = j != NULL};
	int most = 1;
	for (int i = 0; i < cur->ncases; i++)
		most = cur->cases[i].n > most ? cur->cases[i].n : most;
	size_t cap = (size_t)cur->ncases * (size_t)formats_nfigures + 1;
	double *v = malloc((size_t)most * sizeof(*v));
	out->v = calloc(cap, sizeof(*out->v));
	if (!v || !out->v) {
		free(v);
		free(out->v);
		out->v = NULL;
		return -ENOMEM;
	}
	for (int i = 0; i < cur->ncases; i++)
		for (int k = 0; k < formats_nfigures; k++)
			out->n += entry_of(cur, &cur->cases[i], &formats_figures[k], j, v,
					   &out->v[out->n]);
	free(v);
	return 0;
}

void formats_free(struct formats_set *s)
{
	free(s->v);
	*s = (struct formats_set){0};
}

/* ---- Bencher Metric Format ---- */

/* Sets key to v in o, taking v; false (v released) when either fails. */
static bool put(json_t *o, const char *key, json_t *v)
{
	return v && json_object_set_new(o, key, v) == 0;
}

/* Write doc to path with the results files' atomic writer, then release
 * it; NULL doc: out of memory. */
static int write_doc(json_t *doc, const char *path)
{
	if (!doc) {
		errno = ENOMEM;
		return -1;
	}
	int rc = results_write(doc, path);
	int e = errno;
	json_decref(doc);
	errno = e;
	return rc;
}

/* { CASE: { MEASURE: { value, lower_value, upper_value } } }: a case is a
 * Bencher benchmark, a figure a measure, its value a metric. */
static json_t *bmf_doc(const struct formats_set *s)
{
	json_t *doc = json_object();
	for (int i = 0; doc && i < s->n; i++) {
		const struct formats_entry *e = &s->v[i];
		json_t *bench = json_object_get(doc, e->name);
		if (!bench && !put(doc, e->name, bench = json_object()))
			goto fail;
		json_t *metric = json_object();
		if (!put(bench, e->fig->measure, metric) ||
		    !put(metric, "value", json_real(e->value)))
			goto fail;
		if (e->bounds != FORMATS_NO_BOUNDS &&
		    (!put(metric, "lower_value", json_real(e->lower)) ||
		     !put(metric, "upper_value", json_real(e->upper))))
			goto fail;
	}
	return doc;
fail:
	json_decref(doc);
	return NULL;
}

int formats_bmf(const char *path, const struct formats_set *s)
{
	return write_doc(bmf_doc(s), path);
}

/* ---- github-action-benchmark ---- */

/* A number in a range or a tooltip, to six digits.  The action parses a
 * range only to rescale it with a time unit it knows ("± 5"): these start
 * with a word, and it keeps them as they are. */
static void num(char *out, size_t n, double v)
{
	snprintf(out, n, "%.6g", v);
}

/* The tooltip: where the value and its range come from. */
static void gab_extra(char *out, size_t n, const struct formats_entry *e)
{
	char b[32];
	size_t k;
	if (!e->verdict) {
		snprintf(out, n, "median of %d repetition%s", e->n, e->n == 1 ? "" : "s");
		return;
	}
	snprintf(out, n, "verdict: %s", e->verdict);
	k = strlen(out);
	if (isfinite(e->base) && k < n) {
		num(b, sizeof(b), e->base);
		snprintf(out + k, n - k, "\nbase: %s %s", b, e->unit);
	}
	k = strlen(out);
	if (isfinite(e->change) && k < n)
		snprintf(out + k, n - k, "\nchange: %+.2f%%", 100 * e->change);
	k = strlen(out);
	if (e->bounds == FORMATS_INTERVAL && k < n)
		snprintf(out + k, n - k, " (interval %+.2f%% to %+.2f%%)", 100 * e->change_lo,
			 100 * e->change_hi);
}

/* The entries going one way (better: +1 bigger, -1 smaller) as the
 * action's custom array: [{name, unit, value, range?, extra}]. */
static json_t *gab_doc(const struct formats_set *s, int better)
{
	json_t *doc = json_array();
	for (int i = 0; doc && i < s->n; i++) {
		const struct formats_entry *e = &s->v[i];
		if (e->fig->better != better)
			continue;
		char range[96], extra[400], lo[32], hi[32];
		gab_extra(extra, sizeof(extra), e);
		/* "CASE - FIGURE": the action's own way of naming a second
		 * figure of one benchmark. */
		json_t *o = json_object();
		if (json_array_append_new(doc, o) != 0 ||
		    !put(o, "name", json_sprintf("%s - %s", e->name, e->label)) ||
		    !put(o, "unit", json_string(e->unit)) || !put(o, "value", json_real(e->value)))
			goto fail;
		if (e->bounds != FORMATS_NO_BOUNDS) {
			num(lo, sizeof(lo), e->lower);
			num(hi, sizeof(hi), e->upper);
			snprintf(range, sizeof(range), "%s %s to %s",
				 formats_bounds_name(e->bounds), lo, hi);
			if (!put(o, "range", json_string(range)))
				goto fail;
		}
		if (!put(o, "extra", json_string(extra)))
			goto fail;
	}
	return doc;
fail:
	json_decref(doc);
	return NULL;
}

int formats_github_count(const struct formats_set *s, int better)
{
	int n = 0;
	for (int i = 0; i < s->n; i++)
		n += s->v[i].fig->better == better;
	return n;
}

/* One direction of formats_github: how many entries it has (0: no file),
 * and how far its file has got. */
struct gab_file {
	int count;
	bool made;  /* its temporary (perhaps half) written */
	bool kept;  /* a second name holds the file that was in its place */
	bool moved; /* its temporary renamed into its place */
};

/* Both files in place, or neither changed: each written to a temporary,
 * then each renamed over its file (the one there kept under a second name
 * until both are in place), then a direction without figures has its old
 * file removed.  A step that fails undoes the ones before it. */
int formats_github(const char *prefix, const struct formats_set *s)
{
	struct gab_file f[2];
	char path[2][1100], tmp[2][1120], old[2][1120];
	int e = 0;
	memset(f, 0, sizeof(f));
	for (int k = 0; k < 2; k++) {
		if (snprintf(path[k], sizeof(path[k]), "%s-%s.json", prefix,
			     k ? "smaller" : "bigger") >= (int)sizeof(path[k])) {
			errno = ENAMETOOLONG;
			return -1;
		}
		snprintf(tmp[k], sizeof(tmp[k]), "%.1099s.tmp.%d", path[k], (int)getpid());
		snprintf(old[k], sizeof(old[k]), "%.1099s.old.%d", path[k], (int)getpid());
		f[k].count = formats_github_count(s, k ? -1 : +1);
	}
	for (int k = 0; k < 2; k++) {
		if (!f[k].count)
			continue;
		json_t *doc = gab_doc(s, k ? -1 : +1);
		if (!doc) {
			e = ENOMEM;
			goto undo;
		}
		f[k].made = true;
		errno = 0;
		int rc = json_dump_file(doc, tmp[k], JSON_INDENT(2) | JSON_REAL_PRECISION(10));
		e = errno ? errno : EIO;
		json_decref(doc);
		if (rc < 0)
			goto undo;
	}
	for (int k = 0; k < 2; k++) {
		if (!f[k].made)
			continue;
		/* Without a second name (no file there, or a file system
		 * without hard links) a failure can only remove it.  A name
		 * left by a process of this id that died is no file of ours. */
		unlink(old[k]);
		f[k].kept = link(path[k], old[k]) == 0;
		if (rename(tmp[k], path[k]) != 0) {
			e = errno;
			goto undo;
		}
		f[k].made = false;
		f[k].moved = true;
	}
	/* An earlier run's file would pass for this run's figures. */
	for (int k = 0; k < 2; k++)
		if (!f[k].count && unlink(path[k]) != 0 && errno != ENOENT) {
			e = errno;
			goto undo;
		}
	for (int k = 0; k < 2; k++)
		if (f[k].kept)
			unlink(old[k]);
	return 0;
undo:
	for (int k = 0; k < 2; k++) {
		if (f[k].made)
			unlink(tmp[k]);
		if (f[k].moved && f[k].kept)
			rename(old[k], path[k]);
		else if (f[k].moved)
			unlink(path[k]);
		else if (f[k].kept)
			unlink(old[k]);
	}
	errno = e;
	return -1;
}

/* ---- CSV ---- */

/* A field as RFC 4180 has it: quoted, its quotes doubled, where it holds
 * a comma, a quote or a line break (a case name holds "cpus:0,1"). */
static void csv_text(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* A number to ten digits, as the JSON files hold it; empty when none. */
static void csv_number(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, "%.10g", v);
}

int formats_csv(const char *path, const struct formats_set *s)
{
	char tmp[1100];
	FILE *f = writeup_open_tmp(path, tmp, sizeof(tmp));
	if (!f)
		return -1;
	/* RFC 4180: each record, the header's too, ends in CRLF. */
	fprintf(f, "%s\r\n", formats_csv_header);
	for (int i = 0; i < s->n; i++) {
		const struct formats_entry *e = &s->v[i];
		csv_text(f, e->name);
		fputc(',', f);
		csv_text(f, e->label);
		fprintf(f, ",%s,%s,", e->fig->key, e->fig->measure);
		csv_text(f, e->unit);
		fprintf(f, ",%s,", e->fig->better > 0 ? "bigger" : "smaller");
		csv_number(f, e->value);
		fputc(',', f);
		csv_number(f, e->lower);
		fputc(',', f);
		csv_number(f, e->upper);
		fprintf(f, ",%s,%d,", formats_bounds_name(e->bounds), e->n);
		csv_number(f, e->base);
		fputc(',', f);
		csv_number(f, e->change);
		fputc(',', f);
		csv_number(f, e->change_lo);
		fputc(',', f);
		csv_number(f, e->change_hi);
		fputc(',', f);
		csv_text(f, e->verdict ? e->verdict : "");
		fputs("\r\n", f);
	}
	return writeup_close_tmp(f, tmp, path);
}

/* ---- the paths ---- */

bool formats_wanted(const struct formats_paths *p)
{
	return p->bmf || p->github || p->csv;
}

/* Whether path can be written: its folder can be, and it is no folder
 * itself (a rename onto one fails only at the end).  0, or -1 with
 * errno. */
static int writable(const char *path)
{
	char dir[1100];
	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	char *slash = strrchr(dir, '/');
	const char *d = slash ? (slash == dir ? "/" : (*slash = 0, dir)) : ".";
	if (access(d, W_OK) != 0)
		return -1;
	struct stat st;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		return -1;
	}
	return 0;
}

/* Which file a path names, for telling two paths of one file apart: its
 * device and inode where it exists, else the real path of its folder and
 * its name (the path as given where even the folder is not there). */
struct file_id {
	bool exists;
	dev_t dev;
	ino_t ino;
	char where[PATH_MAX + 256];
};

static void file_id_of(const char *path, struct file_id *id)
{
	struct stat st;
	memset(id, 0, sizeof(*id));
	if (stat(path, &st) == 0) {
		id->exists = true;
		id->dev = st.st_dev;
		id->ino = st.st_ino;
		return;
	}
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	const char *name = slash ? slash + 1 : path;
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	char *real = realpath(dir, NULL);
	size_t rl = real ? strlen(real) : 0, nl = strlen(name);
	if (real && rl + nl + 2 <= sizeof(id->where)) {
		rl -= strcmp(real, "/") == 0; /* "/" and name: "/name" */
		memcpy(id->where, real, rl);
		id->where[rl] = '/';
		memcpy(id->where + rl + 1, name, nl + 1);
	} else {
		snprintf(id->where, sizeof(id->where), "%s", path);
	}
	free(real);
}

static bool same_file(const struct file_id *a, const struct file_id *b)
{
	if (a->exists != b->exists)
		return false;
	return a->exists ? a->dev == b->dev && a->ino == b->ino : strcmp(a->where, b->where) == 0;
}

int formats_check_paths(const struct formats_paths *p, const struct formats_other *others,
			int nothers, char *err, size_t n)
{
	char gab[2][1100];
	struct formats_other mine[4];
	int m = 0;
	if (p->bmf)
		mine[m++] = (struct formats_other){"--bmf", p->bmf, true};
	for (int k = 0; p->github && k < 2; k++) {
		if (snprintf(gab[k], sizeof(gab[k]), "%s-%s.json", p->github,
			     k ? "smaller" : "bigger") >= (int)sizeof(gab[k])) {
			snprintf(err, n, "cannot write %s-%s.json: %s", p->github,
				 k ? "smaller" : "bigger", strerror(ENAMETOOLONG));
			return -1;
		}
		mine[m++] = (struct formats_other){"--github-benchmark", gab[k], true};
	}
	if (p->csv)
		mine[m++] = (struct formats_other){"--csv", p->csv, true};
	for (int i = 0; i < m; i++)
		if (writable(mine[i].path)) {
			snprintf(err, n, "cannot write %s: %s", mine[i].path, strerror(errno));
			return -1;
		}
	const struct formats_other **all = malloc((size_t)(m + nothers) * sizeof(*all) + 1);
	struct file_id *id = malloc((size_t)(m + nothers) * sizeof(*id) + 1);
	if (!all || !id) {
		free(all);
		free(id);
		snprintf(err, n, "out of memory");
		return -1;
	}
	int total = 0;
	for (int i = 0; i < m; i++)
		all[total++] = &mine[i];
	for (int i = 0; i < nothers; i++)
		if (others[i].path)
			all[total++] = &others[i];
	for (int i = 0; i < total; i++)
		file_id_of(all[i]->path, &id[i]);
	/* Every pair where either is written: the formats' files against
	 * each other and the rest, and the rest among themselves (a run's
	 * --out and its --json clobber each other as surely). */
	int rc = 0;
	for (int i = 0; i < total && !rc; i++)
		for (int k = i + 1; k < total && !rc; k++)
			if ((all[i]->writes || all[k]->writes) && same_file(&id[i], &id[k])) {
				snprintf(err, n,
					 "%s %s and %s %s are the same file; give each its own",
					 all[i]->what, all[i]->path, all[k]->what, all[k]->path);
				rc = -1;
			}
	free(all);
	free(id);
	return rc;
}
