/* store.c: the results store (store.h): its schema and migrations, and
 * everything the two backends share.  sqlite.c and pg.c only run
 * statements (driver.h); every statement is written here, once.
 *
 * The tables:
 *   ringbench_schema  the schema's version (one row)
 *   machines   a machine by its id; the context of its newest run
 *   cases      a case by its name (an entry's run_name)
 *   runs       one results document: machine, kind, name, time, revision,
 *              scenario, build type, its context (JSON text), and the
 *              document's other top-level keys (JSON text); unique on its
 *              identity
 *   entries    each benchmarks[] entry of a run, in order: its case,
 *              run_type, repetition, state_before_ns, and the entry less
 *              its numeric fields (JSON text: its strings, and whatever is
 *              nested, numbers inside included)
 *   figure_names  a numeric field's name, by id
 *   figures    each numeric field of each entry, once: its run, entry,
 *              name, its place among the entry's keys, and its number (a
 *              real for queries; a JSON integer also exactly, as an
 *              integer); with the entry's text, the entry is rebuilt
 *              exactly, its keys in their order
 *   steps      the steps checks reported (history.h's ledger), per machine
 *   acks       the acknowledgements (acks.h), per machine and baseline
 * Deleting a run deletes its entries and figures (ON DELETE CASCADE).
 *
 * A number is kept in figures only, not in the entry's text too: the
 * store holds 400 nights in less room than their JSON files.  A real
 * -0.0 stays in the text (a REAL column of SQLite keeps no zero's sign),
 * as do booleans and nulls.
 *
 * A run's identity is (machine, kind, slot, time, revision, scenario);
 * slot is "" for a night and its re-run, whose name only labels them (the
 * same night put under two names is one night), and the run's name for
 * every other kind: a machine may keep one run as two baselines, and two
 * results files imported as runs are two runs.  An insert that meets the
 * identity does nothing (ON CONFLICT DO NOTHING): two writers putting one
 * run keep one, whichever commits first. */
#include "store/store.h"

#include "measure/bench.h"
#include "store/driver.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Rows per multi-row INSERT: a few hundred parameters a statement, well
 * under both backends' limits (SQLite 32766, PostgreSQL 65535), and a
 * round trip to a PostgreSQL server per batch instead of per row. */
#define BATCH_PARAMS 900
/* A transaction PostgreSQL aborted as a deadlock or a serialization
 * failure is run again, up to this many times in all. */
#define TX_TRIES 5

/* ---- the schema ---- */

static const char *const schema_table =
    "CREATE TABLE IF NOT EXISTS ringbench_schema (version {int} NOT NULL)";

/* Migration 1: the first schema.  Words in braces differ between the
 * backends (driver.h's ddl). */
static const char *const migration_1[] = {
    "CREATE TABLE machines (id {id}, name {text} NOT NULL UNIQUE, context {text}, "
    "context_time {text})",
    "CREATE TABLE cases (id {id}, name {text} NOT NULL UNIQUE)",
    "CREATE TABLE runs (id {id}, "
    "machine_id {int} NOT NULL REFERENCES machines (id) ON DELETE CASCADE, "
    "kind {text} NOT NULL, name {text} NOT NULL, slot {text} NOT NULL, time {text} NOT NULL, "
    "revision {text} NOT NULL, scenario {text} NOT NULL, build_type {text} NOT NULL, "
    "context {text}, extra {text}, "
    "UNIQUE (machine_id, kind, slot, time, revision, scenario))",
    "CREATE INDEX runs_by_time ON runs (machine_id, kind, time)",
    "CREATE INDEX runs_by_name ON runs (machine_id, kind, name)",
    "CREATE TABLE entries ("
    "run_id {int} NOT NULL REFERENCES runs (id) ON DELETE CASCADE, "
    "position {int32} NOT NULL, case_id {int} NOT NULL REFERENCES cases (id), "
    "run_type {text}, repetition {int}, state_before_ns {real}, doc {text} NOT NULL, "
    "PRIMARY KEY (run_id, position))",
    "CREATE INDEX entries_by_case ON entries (case_id)",
    "CREATE TABLE figure_names (id {id}, name {text} NOT NULL UNIQUE)",
    /* A row per number: its columns in this order, PostgreSQL pads none
     * of them.  name_id is figure_names' id with no foreign key: names
     * are never deleted, and PostgreSQL checks a foreign key row by row,
     * a run's thousands (the one on entries, which deletes a run's
     * figures with it, takes a fifth of an import's time). */
    "CREATE TABLE figures (run_id {int} NOT NULL, value {real} NOT NULL, int_value {int}, "
    "position {int32} NOT NULL, name_id {int32} NOT NULL, "
    "key_position {int32} NOT NULL, PRIMARY KEY (run_id, position, name_id), "
    "FOREIGN KEY (run_id, position) REFERENCES entries (run_id, position) "
    "ON DELETE CASCADE) {without_rowid}",
    "CREATE TABLE steps (id {id}, "
    "machine_id {int} NOT NULL REFERENCES machines (id) ON DELETE CASCADE, "
    "case_name {text}, figure {text}, state_lo_ns {real}, state_hi_ns {real}, night {text}, "
    "first_after {text}, revision_before {text}, revision_after {text}, change {real}, "
    "confidence {real}, entry {text} NOT NULL, UNIQUE (machine_id, entry))",
    "CREATE TABLE acks (id {id}, "
    "machine_id {int} NOT NULL REFERENCES machines (id) ON DELETE CASCADE, "
    "baseline {text} NOT NULL, position {int} NOT NULL, case_name {text}, figure {text}, "
    "reason {text}, change {real}, until {text}, until_commit {text}, acknowledged {text}, "
    "revision {text}, entry {text} NOT NULL)",
    "CREATE INDEX acks_by_baseline ON acks (machine_id, baseline, position)",
};

struct migration {
	const char *const *sql;
	size_t n;
};

/* migrations[k] takes a store from schema k to k + 1. */
static const struct migration migrations[STORE_SCHEMA_VERSION] = {
    {migration_1, sizeof(migration_1) / sizeof(*migration_1)},
};

/* ---- small things ---- */

int store_fail(const struct store *s, char *err, size_t n, const char *fmt, ...)
{
	int k = snprintf(err, n, "store %s: ", s->name);
	if (k >= 0 && (size_t)k < n) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err + k, n - (size_t)k, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* A chunk of rows' text (driver.h). */
struct store_text {
	struct store_text *next;
	size_t used, cap;
	char data[];
};

#define TEXT_CHUNK 65536

char *store_rows_text(struct store_rows *r, const char *s, size_t len)
{
	struct store_text *t = r->text;
	if (!t || t->cap - t->used < len + 1) {
		size_t cap = len + 1 > TEXT_CHUNK ? len + 1 : TEXT_CHUNK;
		t = malloc(sizeof(*t) + cap);
		if (!t)
			return NULL;
		*t = (struct store_text){.next = r->text, .cap = cap};
		r->text = t;
	}
	char *out = t->data + t->used;
	memcpy(out, s, len);
	out[len] = 0;
	t->used += len + 1;
	return out;
}

void store_rows_free(struct store_rows *r)
{
	for (struct store_text *t = r->text, *next; t; t = next) {
		next = t->next;
		free(t);
	}
	free(r->cell);
	*r = (struct store_rows){0};
}

/* One statement; err names the store. */
static int q(struct store *s, const char *sql, const struct store_val *p, int np,
	     struct store_rows *rows, char *err, size_t n)
{
	char msg[1024];
	if (s->drv->run(s, sql, p, np, rows, msg, sizeof(msg)))
		return store_fail(s, err, n, "%s", msg);
	return 0;
}

static int begin_write(struct store *s, char *err, size_t n)
{
	return q(s, s->drv->begin_write, NULL, 0, NULL, err, n);
}

static int commit(struct store *s, char *err, size_t n)
{
	return q(s, "COMMIT", NULL, 0, NULL, err, n);
}

/* After a failure: the error already in err stays. */
static void rollback(struct store *s)
{
	char ignored[256];
	bool retry = s->retry;
	s->drv->run(s, "ROLLBACK", NULL, 0, NULL, ignored, sizeof(ignored));
	s->retry = retry;
}

static void copy(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

/* driver.h */
size_t store_real_text(double x, char *out)
{
	uint64_t b;
	memcpy(&b, &x, sizeof(b));
	int e = (int)((b >> 52) & 0x7ff);
	uint64_t m = b & ((UINT64_C(1) << 52) - 1);
	if (e == 0x7ff) /* inf, nan: no JSON number */
		return (size_t)snprintf(out, 32, "%.17g", x);
	char *o = out;
	if (b >> 63)
		*o++ = '-';
	*o++ = '0';
	*o++ = 'x';
	*o++ = e ? '1' : '0';
	if (m) {
		*o++ = '.';
		for (int shift = 48; m & ((UINT64_C(1) << (shift + 4)) - 1); shift -= 4)
			*o++ = "0123456789abcdef"[(m >> shift) & 0xf];
	}
	int p = e ? e - 1023 : (m ? -1022 : 0);
	*o++ = 'p';
	*o++ = p < 0 ? '-' : '+';
	p = p < 0 ? -p : p;
	char digits[8];
	int k = 0;
	do
		digits[k++] = (char)('0' + p % 10);
	while (p /= 10);
	while (k)
		*o++ = digits[--k];
	*o = 0;
	return (size_t)(o - out);
}

size_t store_int_text(int64_t v, char *out)
{
	char digits[24];
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	int k = 0;
	do
		digits[k++] = (char)('0' + u % 10);
	while (u /= 10);
	char *o = out;
	if (v < 0)
		*o++ = '-';
	while (k)
		*o++ = digits[--k];
	*o = 0;
	return (size_t)(o - out);
}

/* A cell's integer: plain decimal digits read here (a run's figures are
 * thousands of cells), anything else by strtoll. */
static int64_t int_of(const char *v)
{
	const char *p = v + (*v == '-');
	uint64_t u = 0;
	int k = 0;
	for (; p[k] >= '0' && p[k] <= '9' && k < 18; k++)
		u = u * 10 + (uint64_t)(p[k] - '0');
	if (k == 0 || p[k])
		return strtoll(v, NULL, 10);
	return *v == '-' ? -(int64_t)u : (int64_t)u;
}

/* Whether v is a whole decimal integer in int64_t's range, into *out. */
static bool int_parse(const char *v, int64_t *out)
{
	if (!v || !((*v >= '0' && *v <= '9') || (*v == '-' && v[1] >= '0' && v[1] <= '9')))
		return false;
	char *end;
	errno = 0;
	long long x = strtoll(v, &end, 10);
	if (errno || *end)
		return false;
	*out = x;
	return true;
}

static int hex_digit(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* A cell's real: store_real_text's exact hexadecimal form ([-]0x1.hhhp+e,
 * or 0x0.hhhp-1022 below the normal range) read here, at a tenth of
 * strtod's cost; anything else by strtod. */
static double real_of(const char *v)
{
	const char *p = v + (*v == '-');
	if (p[0] != '0' || p[1] != 'x' || (p[2] != '0' && p[2] != '1'))
		return strtod(v, NULL);
	uint64_t lead = (uint64_t)(p[2] - '0'), m = 0;
	int shift = 48, d;
	p += 3;
	if (*p == '.')
		for (p++; shift >= 0 && (d = hex_digit(*p)) >= 0; p++, shift -= 4)
			m |= (uint64_t)d << shift;
	if (*p != 'p' || (p[1] != '+' && p[1] != '-'))
		return strtod(v, NULL);
	int e = 0, k = 0, neg = p[1] == '-';
	for (p += 2; *p >= '0' && *p <= '9' && k < 5; p++, k++)
		e = e * 10 + (*p - '0');
	e = neg ? -e : e;
	uint64_t bits;
	if (*p || k == 0)
		return strtod(v, NULL);
	if (lead && e >= -1022 && e <= 1023)
		bits = (uint64_t)(e + 1023) << 52 | m;
	else if (!lead && (m ? e == -1022 : e == 0))
		bits = m;
	else
		return strtod(v, NULL);
	bits |= (uint64_t)(*v == '-') << 63;
	double x;
	memcpy(&x, &bits, sizeof(x));
	return x;
}

static int64_t cell_int(const struct store_rows *r, int row, int col)
{
	const char *v = store_cell(r, row, col);
	return v ? int_of(v) : 0;
}

static double cell_real(const struct store_rows *r, int row, int col)
{
	const char *v = store_cell(r, row, col);
	return v ? real_of(v) : 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* sql with the backend's DDL words in place of {id} and the rest; NULL
 * out of memory. */
static char *ddl_for(const struct store *s, const char *sql)
{
	static const char *const words[] = {"{id}",   "{int}",		 "{real}",
					    "{text}", "{without_rowid}", "{int32}"};
	size_t cap = strlen(sql) * 4 + 64;
	char *out = malloc(cap), *o = out;
	if (!out)
		return NULL;
	for (const char *p = sql; *p;) {
		size_t w = 0;
		while (w < 6 && strncmp(p, words[w], strlen(words[w])))
			w++;
		if (w < 6) {
			size_t l = strlen(s->drv->ddl[w]);
			memcpy(o, s->drv->ddl[w], l);
			o += l;
			p += strlen(words[w]);
		} else {
			*o++ = *p++;
		}
	}
	*o = 0;
	return out;
}

static int ddl(struct store *s, const char *sql, char *err, size_t n)
{
	char *text = ddl_for(s, sql);
	if (!text)
		return store_fail(s, err, n, "out of memory");
	int rc = q(s, text, NULL, 0, NULL, err, n);
	free(text);
	return rc;
}

/* The schema's version: 0 when the table has no row (none may, when
 * empty_ok).  -1 with err when it cannot be read, or the table is damaged:
 * more than one row, or a version that is no integer from 1. */
static int read_version(struct store *s, bool empty_ok, int64_t *v, char *err, size_t n)
{
	struct store_rows r;
	if (q(s, "SELECT version FROM ringbench_schema", NULL, 0, &r, err, n))
		return -1;
	int64_t x = 0;
	int rc = 0;
	if (r.nrows > 1 || (r.nrows == 0 && !empty_ok))
		rc = store_fail(s, err, n,
				"damaged: its table ringbench_schema has %d rows, not one version",
				r.nrows);
	else if (r.nrows == 1 && (!int_parse(store_cell(&r, 0, 0), &x) || x < 1))
		rc = store_fail(
		    s, err, n, "damaged: its schema version '%s' is no version (an integer from 1)",
		    store_cell(&r, 0, 0) ? store_cell(&r, 0, 0) : "NULL");
	store_rows_free(&r);
	*v = x;
	return rc;
}

static int too_new(const struct store *s, int64_t v, char *err, size_t n)
{
	snprintf(err, n, "store %s has schema %lld; this ringbench knows schema %d at most",
		 s->name, (long long)v, STORE_SCHEMA_VERSION);
	return -1;
}

/* Bring the store to STORE_SCHEMA_VERSION, in one transaction. */
static int migrate(struct store *s, char *err, size_t n)
{
	int64_t v = 0;
	int has = s->drv->has_schema(s, err, n);
	if (has < 0)
		return -1;
	if (has) {
		if (s->drv->ready && s->drv->ready(s, err, n))
			return -1;
		if (read_version(s, false, &v, err, n))
			return -1;
		if (v == STORE_SCHEMA_VERSION)
			return 0;
		if (v > STORE_SCHEMA_VERSION)
			return too_new(s, v, err, n);
	} else {
		int other = s->drv->foreign_tables(s, err, n);
		if (other < 0)
			return -1;
		if (other)
			return store_fail(s, err, n,
					  "a database of something else (it has tables, but not "
					  "ringbench's)");
		if (s->drv->ready && s->drv->ready(s, err, n))
			return -1;
	}
	if (begin_write(s, err, n))
		return -1;
	int rc = 0;
	if (s->drv->migration_lock)
		rc = q(s, s->drv->migration_lock, NULL, 0, NULL, err, n);
	/* Another process may have migrated while this one waited. */
	if (!rc)
		rc = ddl(s, schema_table, err, n);
	if (!rc)
		rc = read_version(s, true, &v, err, n);
	if (!rc && v > STORE_SCHEMA_VERSION)
		rc = too_new(s, v, err, n);
	int64_t from = v;
	for (; !rc && v < STORE_SCHEMA_VERSION; v++)
		for (size_t i = 0; !rc && i < migrations[v].n; i++)
			rc = ddl(s, migrations[v].sql[i], err, n);
	if (!rc && from != v) {
		struct store_val p = sv_int(v);
		rc = q(s,
		       from == 0 ? "INSERT INTO ringbench_schema (version) VALUES ($1)"
				 : "UPDATE ringbench_schema SET version = $1",
		       &p, 1, NULL, err, n);
	}
	if (!rc)
		rc = commit(s, err, n);
	if (rc)
		rollback(s);
	return rc;
}

/* ---- opening ---- */

void store_default_where(const char *where, char *out, size_t n)
{
	const char *env = getenv("RINGBENCH_STORE");
	if (where && where[0])
		snprintf(out, n, "%s", where);
	else if (env && env[0])
		snprintf(out, n, "%s", env);
	else
		bench_results_dir("ringbench.db", out, n);
}

static bool is_uri(const char *where)
{
	return strncmp(where, "postgresql://", 13) == 0 || strncmp(where, "postgres://", 11) == 0;
}

int store_open(const char *where, struct store **out, char *err, size_t n)
{
	*out = NULL;
	if (!where || !where[0]) {
		snprintf(err, n, "no store named");
		return -1;
	}
	struct store *s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, n, "out of memory");
		return -1;
	}
	s->backend = is_uri(where) ? STORE_POSTGRESQL : STORE_SQLITE;
	s->drv = s->backend == STORE_POSTGRESQL ? &store_pg_driver : &store_sqlite_driver;
	if (s->drv->open(s, where, err, n)) {
		free(s);
		return -1;
	}
	if (migrate(s, err, n)) {
		store_close(s);
		return -1;
	}
	*out = s;
	return 0;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	s->drv->close(s);
	free(s->fig_names);
	store_rows_free(&s->fig_names_rows);
	free(s);
}

enum store_backend store_backend(const struct store *s)
{
	return s->backend;
}

const char *store_name(const struct store *s)
{
	return s->name;
}

/* ---- putting a run ---- */

/* context.date as UTC to the millisecond, "YYYY-MM-DDTHH:MM:SS.mmmZ", so
 * that times sort as text (a fraction of one digit more or less would
 * not); a date in no form known here is kept as it is. */
static void utc_time(const char *date, char *out, size_t n)
{
	out[0] = 0;
	if (!date)
		return;
	struct tm tm = {0};
	int used = 0;
	char sep;
	if (sscanf(date, "%4d-%2d-%2d%c%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &sep,
		   &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &used) != 7 ||
	    (sep != 'T' && sep != ' ')) {
		snprintf(out, n, "%s", date);
		return;
	}
	const char *p = date + used;
	int ms = 0;
	if (*p == '.') {
		int digits = 0;
		for (p++; *p >= '0' && *p <= '9'; p++)
			if (digits++ < 3)
				ms = ms * 10 + (*p - '0');
		for (; digits < 3; digits++)
			ms *= 10;
	}
	long off = 0;
	if (*p == '+' || *p == '-') {
		int hh = 0, mm = 0;
		if (sscanf(p + 1, "%2d:%2d", &hh, &mm) != 2 &&
		    sscanf(p + 1, "%2d%2d", &hh, &mm) < 1) {
			snprintf(out, n, "%s", date);
			return;
		}
		off = (*p == '-' ? -1 : 1) * (hh * 3600L + mm * 60L);
	} else if (*p != 'Z' && *p != 0) {
		snprintf(out, n, "%s", date);
		return;
	}
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	time_t t = timegm(&tm) - off;
	gmtime_r(&t, &tm);
	char stamp[24];
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, n, "%s.%03dZ", stamp, ms);
}

int store_utc_time(const char *date, char *out, size_t n)
{
	utc_time(date, out, n);
	/* utc_time keeps a date of no known form as it is. */
	if (!date || strlen(out) != 24 || out[4] != '-' || out[10] != 'T' || out[19] != '.' ||
	    out[23] != 'Z') {
		if (n)
			out[0] = 0;
		return -1;
	}
	return 0;
}

/* Whether runs of kind are kept by name (their name is in the identity):
 * all but a night and its re-run, whose name only labels them. */
static bool kept_by_name(const char *kind)
{
	return strcmp(kind, "night") != 0 && strcmp(kind, "rerun") != 0;
}

/* One numeric field of an entry, for figures. */
struct figure_row {
	int position;	  /* the entry's, in the run */
	int key_position; /* the field's, among the entry's keys */
	const char *name;
	json_t *value; /* the caller's document's */
	int64_t name_id;
};

/* Names to ids in a table of (id, name) (cases, figure_names): names
 * sorted, each once; ids[k] the id of names[k]. */
struct names {
	const char **name;
	int64_t *id;
	int n;
};

/* A document taken apart for the tables, before any transaction. */
struct put {
	const char *machine, *kind, *name;
	char time[40];
	const char *revision, *scenario, *build_type;
	char *context, *extra; /* JSON text; NULL when there is none */
	int nentries;
	char **doc;		/* [nentries] each entry's text, less its figures */
	json_t **entry;		/* [nentries] the entries (the caller's document's) */
	const char **case_name; /* [nentries] */
	int64_t *case_id;	/* [nentries] */
	struct names cases, fig_names;
	struct figure_row *fig;
	int nfig;
};

static void put_free(struct put *p)
{
	free(p->context);
	free(p->extra);
	for (int i = 0; i < p->nentries && p->doc; i++)
		free(p->doc[i]);
	free(p->doc);
	free(p->entry);
	free(p->case_name);
	free(p->case_id);
	free(p->cases.name);
	free(p->cases.id);
	free(p->fig_names.name);
	free(p->fig_names.id);
	free(p->fig);
}

static const char *str_or(json_t *o, const char *key, const char *dflt)
{
	const char *v = json_string_value(json_object_get(o, key));
	return v ? v : dflt;
}

/* Whether an entry's field is kept in figures (else in the entry's
 * text): a number, unless a real -0.0, whose sign a REAL column of SQLite
 * does not keep. */
static bool is_figure(json_t *v)
{
	return json_is_integer(v) ||
	       (json_is_real(v) && !(json_real_value(v) == 0 && signbit(json_real_value(v))));
}

/* names->name (n of them, may repeat) sorted, each once; ids room made.
 * -1 out of memory. */
static int names_unique(struct names *names, int n)
{
	qsort(names->name, (size_t)n, sizeof(*names->name), cmp_str);
	names->n = 0;
	for (int k = 0; k < n; k++)
		if (names->n == 0 || strcmp(names->name[names->n - 1], names->name[k]))
			names->name[names->n++] = names->name[k];
	names->id = calloc((size_t)names->n + 1, sizeof(*names->id));
	return names->id ? 0 : -1;
}

static int64_t name_id_of(const struct names *names, const char *name)
{
	const char **hit =
	    bsearch(&name, names->name, (size_t)names->n, sizeof(*names->name), cmp_str);
	return hit ? names->id[hit - names->name] : 0;
}

/* An entry's text, less the fields kept in figures, whose rows are added
 * to p->fig; NULL out of memory. */
static char *entry_text(struct put *p, int position, json_t *e, size_t *cap)
{
	json_t *rest = json_object();
	if (!rest)
		return NULL;
	const char *key;
	json_t *v;
	int k = 0;
	bool bad = false;
	json_object_foreach(e, key, v)
	{
		if (!is_figure(v)) {
			bad |= json_object_set_nocheck(rest, key, v) != 0;
		} else {
			if ((size_t)p->nfig == *cap) {
				size_t more = *cap ? *cap * 2 : 1024;
				struct figure_row *t = realloc(p->fig, more * sizeof(*t));
				if (!t) {
					json_decref(rest);
					return NULL;
				}
				p->fig = t;
				*cap = more;
			}
			p->fig[p->nfig++] = (struct figure_row){position, k, key, v, 0};
		}
		k++;
	}
	char *text = bad ? NULL : json_dumps(rest, JSON_COMPACT);
	json_decref(rest);
	return text;
}

static int put_prepare(struct store *s, struct put *p, json_t *doc, char *err, size_t n)
{
	if (!p->machine || !p->machine[0] || !p->kind || !p->kind[0] || !p->name)
		return store_fail(s, err, n, "a run needs a machine, a kind and a name");
	json_t *ctx = json_object_get(doc, "context");
	json_t *list = json_object_get(doc, "benchmarks");
	if (!json_is_object(doc) || !json_is_array(list))
		return store_fail(s, err, n,
				  "%s '%s' of %s: not a results document (no benchmarks)", p->kind,
				  p->name, p->machine);
	if (ctx && !json_is_object(ctx))
		return store_fail(s, err, n, "%s '%s' of %s: its context is not an object", p->kind,
				  p->name, p->machine);
	utc_time(str_or(ctx, "date", NULL), p->time, sizeof(p->time));
	p->revision = str_or(ctx, "git_revision", "");
	p->scenario = str_or(ctx, "scenario", "");
	p->build_type = str_or(ctx, "library_build_type", "");
	if (ctx && !(p->context = json_dumps(ctx, JSON_COMPACT)))
		goto oom;
	json_t *rest = json_deep_copy(doc);
	if (!rest)
		goto oom;
	json_object_del(rest, "context");
	json_object_del(rest, "benchmarks");
	if (json_object_size(rest))
		p->extra = json_dumps(rest, JSON_COMPACT);
	bool lost = json_object_size(rest) && !p->extra;
	json_decref(rest);
	if (lost)
		goto oom;
	size_t ne = json_array_size(list);
	p->doc = calloc(ne + 1, sizeof(*p->doc));
	p->entry = calloc(ne + 1, sizeof(*p->entry));
	p->case_name = calloc(ne + 1, sizeof(*p->case_name));
	p->case_id = calloc(ne + 1, sizeof(*p->case_id));
	p->cases.name = calloc(ne + 1, sizeof(*p->cases.name));
	if (!p->doc || !p->entry || !p->case_name || !p->case_id || !p->cases.name)
		goto oom;
	size_t i, cap = 0;
	json_t *e;
	json_array_foreach(list, i, e)
	{
		if (!json_is_object(e))
			return store_fail(s, err, n,
					  "%s '%s' of %s: benchmarks[%zu] is not an object",
					  p->kind, p->name, p->machine, i);
		if (!(p->doc[i] = entry_text(p, (int)i, e, &cap)))
			goto oom;
		p->nentries = (int)i + 1;
		p->entry[i] = e;
		p->case_name[i] = str_or(e, "run_name", str_or(e, "name", ""));
		p->cases.name[i] = p->case_name[i];
	}
	p->fig_names.name = calloc((size_t)p->nfig + 1, sizeof(*p->fig_names.name));
	if (!p->fig_names.name)
		goto oom;
	for (int k = 0; k < p->nfig; k++)
		p->fig_names.name[k] = p->fig[k].name;
	if (names_unique(&p->cases, (int)ne) || names_unique(&p->fig_names, p->nfig))
		goto oom;
	return 0;
oom:
	return store_fail(s, err, n, "out of memory");
}

/* "head ($1, $2), ($3, $4) tail" for rows of ncols. */
static char *values_sql(const char *head, int ncols, int rows, const char *tail)
{
	size_t cap = strlen(head) + strlen(tail) + (size_t)rows * (size_t)ncols * 10 + 16;
	char *sql = malloc(cap);
	if (!sql)
		return NULL;
	size_t k = (size_t)snprintf(sql, cap, "%s VALUES ", head);
	int param = 1;
	for (int r = 0; r < rows; r++) {
		k += (size_t)snprintf(sql + k, cap - k, "%s(", r ? ", " : "");
		for (int c = 0; c < ncols; c++)
			k += (size_t)snprintf(sql + k, cap - k, "%s$%d", c ? ", " : "", param++);
		k += (size_t)snprintf(sql + k, cap - k, ")");
	}
	snprintf(sql + k, cap - k, "%s%s", tail[0] ? " " : "", tail);
	return sql;
}

/* Insert rows of ncols values (v, row after row) in batches. */
static int insert_rows(struct store *s, const char *head, const char *tail, int ncols,
		       const struct store_val *v, int rows, char *err, size_t n)
{
	int per = BATCH_PARAMS / ncols;
	for (int at = 0; at < rows; at += per) {
		int k = rows - at < per ? rows - at : per;
		char *sql = values_sql(head, ncols, k, tail);
		if (!sql)
			return store_fail(s, err, n, "out of memory");
		int rc = q(s, sql, v + (size_t)at * (size_t)ncols, k * ncols, NULL, err, n);
		free(sql);
		if (rc)
			return -1;
	}
	return 0;
}

/* The machine's id, adding the machine. */
static int machine_id(struct store *s, const char *machine, int64_t *id, char *err, size_t n)
{
	struct store_val p = sv_text(machine);
	struct store_rows r;
	if (q(s, "INSERT INTO machines (name) VALUES ($1) ON CONFLICT DO NOTHING", &p, 1, NULL, err,
	      n) ||
	    q(s, "SELECT id FROM machines WHERE name = $1", &p, 1, &r, err, n))
		return -1;
	if (r.nrows != 1) {
		store_rows_free(&r);
		return store_fail(s, err, n, "machine %s: not found after adding it", machine);
	}
	*id = cell_int(&r, 0, 0);
	store_rows_free(&r);
	return 0;
}

/* The ids of names->name in table whose id is 0 (all of them, at first),
 * read in batches; *missing: how many are still 0. */
static int read_ids(struct store *s, const char *table, struct names *names, int *missing,
		    char *err, size_t n)
{
	struct store_val *v = malloc((size_t)(names->n + 1) * sizeof(*v));
	if (!v)
		return store_fail(s, err, n, "out of memory");
	int nv = 0, rc = 0;
	for (int i = 0; i < names->n; i++)
		if (!names->id[i])
			v[nv++] = sv_text(names->name[i]);
	char head[96];
	snprintf(head, sizeof(head), "SELECT id, name FROM %s WHERE name IN (SELECT * FROM (",
		 table);
	for (int at = 0; !rc && at < nv; at += BATCH_PARAMS) {
		int k = nv - at < BATCH_PARAMS ? nv - at : BATCH_PARAMS;
		char *sql = values_sql(head, 1, k, ") AS wanted)");
		struct store_rows r;
		if (!sql) {
			rc = store_fail(s, err, n, "out of memory");
			break;
		}
		rc = q(s, sql, v + at, k, &r, err, n);
		free(sql);
		for (int row = 0; !rc && row < r.nrows; row++) {
			const char *name = store_cell(&r, row, 1);
			const char **hit = bsearch(&name, names->name, (size_t)names->n,
						   sizeof(*names->name), cmp_str);
			if (hit)
				names->id[hit - names->name] = cell_int(&r, row, 0);
		}
		if (!rc)
			store_rows_free(&r);
	}
	*missing = 0;
	for (int i = 0; i < names->n; i++)
		*missing += !names->id[i];
	free(v);
	return rc;
}

/* Each name's id in table, adding the names not there yet (in name
 * order, so that concurrent writers on PostgreSQL take their locks in one
 * order).  Those already there are read first and not inserted again: an
 * insert that meets one would use up a value of PostgreSQL's identity. */
static int name_ids(struct store *s, const char *table, struct names *names, char *err, size_t n)
{
	int missing = 0;
	if (read_ids(s, table, names, &missing, err, n))
		return -1;
	if (!missing)
		return 0;
	struct store_val *v = malloc((size_t)(missing + 1) * sizeof(*v));
	if (!v)
		return store_fail(s, err, n, "out of memory");
	int nv = 0;
	for (int i = 0; i < names->n; i++)
		if (!names->id[i])
			v[nv++] = sv_text(names->name[i]);
	char head[64];
	snprintf(head, sizeof(head), "INSERT INTO %s (name)", table);
	int rc = insert_rows(s, head, "ON CONFLICT DO NOTHING", 1, v, nv, err, n);
	free(v);
	if (!rc)
		rc = read_ids(s, table, names, &missing, err, n);
	if (!rc && missing)
		rc = store_fail(s, err, n, "%s: %d names not found after adding them", table,
				missing);
	return rc;
}

/* The ids of the run's cases and figure names. */
static int put_ids(struct store *s, struct put *p, char *err, size_t n)
{
	memset(p->cases.id, 0, (size_t)p->cases.n * sizeof(*p->cases.id));
	memset(p->fig_names.id, 0, (size_t)p->fig_names.n * sizeof(*p->fig_names.id));
	if (name_ids(s, "cases", &p->cases, err, n) ||
	    name_ids(s, "figure_names", &p->fig_names, err, n))
		return -1;
	for (int i = 0; i < p->nentries; i++)
		p->case_id[i] = name_id_of(&p->cases, p->case_name[i]);
	for (int i = 0; i < p->nfig; i++)
		p->fig[i].name_id = name_id_of(&p->fig_names, p->fig[i].name);
	return 0;
}

static int put_entries(struct store *s, const struct put *p, int64_t run, char *err, size_t n)
{
	/* Room for the entries' 7 columns or the figures' 6. */
	size_t cells = (size_t)p->nentries * 7 > (size_t)p->nfig * 6 ? (size_t)p->nentries * 7
								     : (size_t)p->nfig * 6;
	struct store_val *v = malloc((cells + 1) * sizeof(*v));
	if (!v)
		return store_fail(s, err, n, "out of memory");
	for (int i = 0; i < p->nentries; i++) {
		json_t *e = p->entry[i];
		json_t *rep = json_object_get(e, "repetition_index");
		json_t *st = json_object_get(e, "state_before_ns");
		struct store_val *row = v + (size_t)i * 7;
		row[0] = sv_int(run);
		row[1] = sv_int(i);
		row[2] = sv_int(p->case_id[i]);
		row[3] = sv_text(json_string_value(json_object_get(e, "run_type")));
		row[4] = json_is_integer(rep) ? sv_int(json_integer_value(rep)) : sv_null();
		row[5] = json_is_number(st) ? sv_real(json_number_value(st)) : sv_null();
		row[6] = sv_text(p->doc[i]);
	}
	int rc = insert_rows(s,
			     "INSERT INTO entries (run_id, position, case_id, run_type, "
			     "repetition, state_before_ns, doc)",
			     "", 7, v, p->nentries, err, n);
	for (int i = 0; !rc && i < p->nfig; i++) {
		const struct figure_row *f = &p->fig[i];
		struct store_val *row = v + (size_t)i * 6;
		row[0] = sv_int(run);
		row[1] = sv_int(f->position);
		row[2] = sv_int(f->name_id);
		row[3] = sv_int(f->key_position);
		row[4] = sv_real(json_number_value(f->value));
		row[5] =
		    json_is_integer(f->value) ? sv_int(json_integer_value(f->value)) : sv_null();
	}
	if (!rc)
		rc = insert_rows(s,
				 "INSERT INTO figures (run_id, position, name_id, key_position, "
				 "value, int_value)",
				 "", 6, v, p->nfig, err, n);
	free(v);
	return rc;
}

/* The machine's context: its newest run's (after a delete or a replace). */
/* Holds machine mid's lock until the transaction ends, where the backend
 * needs it (driver.h). */
static int lock_machine(struct store *s, int64_t mid, char *err, size_t n)
{
	struct store_val p = sv_int(mid);
	return s->drv->machine_lock ? q(s, s->drv->machine_lock, &p, 1, NULL, err, n) : 0;
}

static int machine_context_refresh(struct store *s, int64_t mid, char *err, size_t n)
{
	struct store_val p = sv_int(mid);
	return q(s,
		 "UPDATE machines SET context = (SELECT r.context FROM runs r WHERE r.machine_id = "
		 "machines.id ORDER BY r.time DESC, r.id DESC LIMIT 1), context_time = (SELECT "
		 "r.time FROM runs r WHERE r.machine_id = machines.id ORDER BY r.time DESC, r.id "
		 "DESC LIMIT 1) WHERE id = $1",
		 &p, 1, NULL, err, n);
}

/* One attempt at the transaction: 0 (with *dup), or -1 with err, rolled
 * back. */
static int put_tx(struct store *s, struct put *p, bool replace, int64_t *id, bool *dup, char *err,
		  size_t n)
{
	*dup = false;
	int64_t mid = 0;
	if (begin_write(s, err, n))
		return -1;
	if (machine_id(s, p->machine, &mid, err, n) || (replace && lock_machine(s, mid, err, n)) ||
	    put_ids(s, p, err, n))
		goto fail;
	if (replace) {
		struct store_val d[] = {sv_int(mid), sv_text(p->kind), sv_text(p->name)};
		if (q(s, "DELETE FROM runs WHERE machine_id = $1 AND kind = $2 AND name = $3", d, 3,
		      NULL, err, n))
			goto fail;
	}
	const char *slot = kept_by_name(p->kind) ? p->name : "";
	struct store_val r[] = {sv_int(mid),	      sv_text(p->kind),	      sv_text(p->name),
				sv_text(slot),	      sv_text(p->time),	      sv_text(p->revision),
				sv_text(p->scenario), sv_text(p->build_type), sv_text(p->context),
				sv_text(p->extra)};
	struct store_rows rows;
	if (q(s,
	      "INSERT INTO runs (machine_id, kind, name, slot, time, revision, scenario, "
	      "build_type, context, extra) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
	      "ON CONFLICT DO NOTHING RETURNING id",
	      r, 10, &rows, err, n))
		goto fail;
	if (rows.nrows == 0) {
		/* The identity is taken: the run is there already. */
		store_rows_free(&rows);
		struct store_val k[] = {sv_int(mid),	      sv_text(p->kind),
					sv_text(slot),	      sv_text(p->time),
					sv_text(p->revision), sv_text(p->scenario)};
		if (q(s,
		      "SELECT id, name FROM runs WHERE machine_id = $1 AND kind = $2 AND slot = $3 "
		      "AND time = $4 AND revision = $5 AND scenario = $6",
		      k, 6, &rows, err, n))
			goto fail;
		*id = rows.nrows ? cell_int(&rows, 0, 0) : 0;
		if (replace)
			store_fail(
			    s, err, n,
			    "%s '%s' of %s: the same run (time %s, revision %s) is stored as "
			    "'%s'",
			    p->kind, p->name, p->machine, p->time, p->revision,
			    rows.nrows ? store_cell(&rows, 0, 1) : "?");
		store_rows_free(&rows);
		rollback(s);
		*dup = !replace;
		return replace ? -1 : 0;
	}
	*id = cell_int(&rows, 0, 0);
	store_rows_free(&rows);
	if (put_entries(s, p, *id, err, n))
		goto fail;
	if (replace) {
		if (machine_context_refresh(s, mid, err, n))
			goto fail;
	} else {
		struct store_val c[] = {sv_text(p->context), sv_text(p->time), sv_int(mid)};
		if (q(s,
		      "UPDATE machines SET context = $1, context_time = $2 WHERE id = $3 AND "
		      "(context_time IS NULL OR context_time <= $2)",
		      c, 3, NULL, err, n))
			goto fail;
	}
	if (commit(s, err, n))
		goto fail;
	return 0;
fail:
	rollback(s);
	return -1;
}

static int put(struct store *s, const char *machine, const char *kind, const char *name,
	       json_t *doc, bool replace, int64_t *id, bool *dup, char *err, size_t n)
{
	struct put p = {.machine = machine, .kind = kind, .name = name};
	int64_t got = 0;
	bool was = false;
	int rc = put_prepare(s, &p, doc, err, n);
	for (int t = 0; !rc && t < TX_TRIES; t++) {
		rc = put_tx(s, &p, replace, &got, &was, err, n);
		if (!rc || !s->retry)
			break;
		rc = t + 1 < TX_TRIES ? 0 : rc;
	}
	put_free(&p);
	if (id)
		*id = rc ? 0 : got;
	if (dup)
		*dup = !rc && was;
	return rc;
}

int store_put_run(struct store *s, const char *machine, const char *kind, const char *name,
		  json_t *doc, int64_t *id, bool *dup, char *err, size_t n)
{
	return put(s, machine, kind, name, doc, false, id, dup, err, n);
}

int store_replace_run(struct store *s, const char *machine, const char *kind, const char *name,
		      json_t *doc, int64_t *id, char *err, size_t n)
{
	return put(s, machine, kind, name, doc, true, id, NULL, err, n);
}

/* ---- reading runs ---- */

#define RUN_COLUMNS                                                                                \
	"SELECT r.id, m.name, r.kind, r.name, r.time, r.revision, r.scenario FROM runs r JOIN "    \
	"machines m ON m.id = r.machine_id "

static void run_from(const struct store_rows *r, int row, struct store_run *out)
{
	memset(out, 0, sizeof(*out));
	out->id = cell_int(r, row, 0);
	copy(out->machine, sizeof(out->machine), store_cell(r, row, 1));
	copy(out->kind, sizeof(out->kind), store_cell(r, row, 2));
	copy(out->name, sizeof(out->name), store_cell(r, row, 3));
	copy(out->time, sizeof(out->time), store_cell(r, row, 4));
	copy(out->revision, sizeof(out->revision), store_cell(r, row, 5));
	copy(out->scenario, sizeof(out->scenario), store_cell(r, row, 6));
}

int store_list_runs(struct store *s, const char *machine, const char *kind, int last,
		    struct store_run **out, int *nout, char *err, size_t n)
{
	*out = NULL;
	*nout = 0;
	struct store_val p[] = {sv_text(machine), sv_text(kind), sv_int(last)};
	struct store_rows r;
	int rc = last > 0 ? q(s,
			      RUN_COLUMNS "WHERE (CAST($1 AS TEXT) IS NULL OR m.name = $1) AND "
					  "(CAST($2 AS TEXT) IS NULL OR "
					  "r.kind = $2) ORDER BY r.time DESC, r.id DESC LIMIT $3",
			      p, 3, &r, err, n)
			  : q(s,
			      RUN_COLUMNS "WHERE (CAST($1 AS TEXT) IS NULL OR m.name = $1) AND "
					  "(CAST($2 AS TEXT) IS NULL OR "
					  "r.kind = $2) ORDER BY r.time, r.id",
			      p, 2, &r, err, n);
	if (rc)
		return -1;
	if (r.nrows == 0) {
		store_rows_free(&r);
		return 0;
	}
	struct store_run *v = malloc((size_t)r.nrows * sizeof(*v));
	if (!v) {
		store_rows_free(&r);
		return store_fail(s, err, n, "out of memory");
	}
	/* The newest `last` were read newest first: oldest first again. */
	for (int i = 0; i < r.nrows; i++)
		run_from(&r, last > 0 ? r.nrows - 1 - i : i, &v[i]);
	*out = v;
	*nout = r.nrows;
	store_rows_free(&r);
	return 0;
}

int store_find_run(struct store *s, const char *machine, const char *kind, const char *name,
		   struct store_run *run, char *err, size_t n)
{
	struct store_val p[] = {sv_text(machine), sv_text(kind), sv_text(name)};
	struct store_rows r;
	if (q(s,
	      RUN_COLUMNS "WHERE m.name = $1 AND r.kind = $2 AND r.name = $3 ORDER BY r.time DESC, "
			  "r.id DESC LIMIT 1",
	      p, 3, &r, err, n))
		return -1;
	int found = r.nrows > 0;
	if (found)
		run_from(&r, 0, run);
	store_rows_free(&r);
	return found;
}

/* The entries' texts (column 1 of e) as one array's text, parsed once:
 * one parse of a run instead of one per entry. */
static json_t *entries_array(const struct store_rows *e, json_error_t *je)
{
	size_t len = 3;
	for (int i = 0; i < e->nrows; i++) {
		if (!store_cell(e, i, 1)) {
			snprintf(je->text, sizeof(je->text), "an entry's doc is NULL");
			return NULL;
		}
		len += strlen(store_cell(e, i, 1)) + 1;
	}
	char *text = malloc(len), *o = text;
	if (!text)
		return NULL;
	*o++ = '[';
	for (int i = 0; i < e->nrows; i++) {
		size_t l = strlen(store_cell(e, i, 1));
		if (i)
			*o++ = ',';
		memcpy(o, store_cell(e, i, 1), l);
		o += l;
	}
	*o++ = ']';
	*o = 0;
	json_t *list = json_loadb(text, (size_t)(o - text), 0, je);
	free(text);
	/* Each text is one object: as many as there were rows, or the
	 * stored text was not one entry each. */
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v) if (!json_is_object(v)) break;
	if (list && (json_array_size(list) != (size_t)e->nrows || i < json_array_size(list))) {
		json_decref(list);
		snprintf(je->text, sizeof(je->text), "an entry is not one JSON object");
		return NULL;
	}
	return list;
}

/* A figure name, by id. */
struct store_figure_name {
	int64_t id;
	const char *name;
};

static const char *figure_name(const struct store *s, int64_t id)
{
	int lo = 0, hi = s->nfig_names;
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		if (s->fig_names[mid].id == id)
			return s->fig_names[mid].name;
		if (s->fig_names[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Whether every name_id (column 1) of rows f is among s's names. */
static bool names_known(const struct store *s, const struct store_rows *f)
{
	int64_t last = -1;
	for (int i = 0; i < f->nrows; i++) {
		int64_t id = cell_int(f, i, 1);
		if (id != last && !figure_name(s, id))
			return false;
		last = id;
	}
	return true;
}

/* s's figure names, read again (in the caller's transaction). */
static int names_read(struct store *s, char *err, size_t n)
{
	struct store_rows r;
	if (q(s, "SELECT id, name FROM figure_names ORDER BY id", NULL, 0, &r, err, n))
		return -1;
	struct store_figure_name *v = malloc(((size_t)r.nrows + 1) * sizeof(*v));
	if (!v) {
		store_rows_free(&r);
		return store_fail(s, err, n, "out of memory");
	}
	for (int i = 0; i < r.nrows; i++)
		v[i] = (struct store_figure_name){cell_int(&r, i, 0), store_cell(&r, i, 1)};
	free(s->fig_names);
	store_rows_free(&s->fig_names_rows);
	s->fig_names = v;
	s->nfig_names = r.nrows;
	s->fig_names_rows = r;
	return 0;
}

/* A figures row, read. */
struct figure_cell {
	int64_t position, key_position;
	const char *name;
	const char *value, *int_value; /* the cells' text */
};

/* Entry `at` of list (its text less its figures) with its figures fig[0,
 * nf), each back at its place among the keys.  key, val: room for the
 * entry's keys.  -1 when they do not fit the entry (a damaged store), or
 * out of memory. */
static int entry_rebuild(json_t *list, size_t at, const struct figure_cell *fig, int nf,
			 const char **key, json_t **val)
{
	if (nf == 0)
		return 0;
	json_t *rest = json_array_get(list, at);
	size_t nk = json_object_size(rest) + (size_t)nf;
	memset(key, 0, nk * sizeof(*key));
	int rc = 0;
	for (int i = 0; i < nf; i++) {
		int64_t k = fig[i].key_position;
		if (!fig[i].name || k < 0 || (size_t)k >= nk || key[k]) {
			rc = -1;
			continue;
		}
		int64_t x = 0;
		if ((fig[i].int_value && !int_parse(fig[i].int_value, &x)) ||
		    (!fig[i].int_value && !fig[i].value)) {
			rc = -1; /* a damaged cell */
			continue;
		}
		key[k] = fig[i].name;
		val[k] = fig[i].int_value ? json_integer(x) : json_real(real_of(fig[i].value));
		rc |= val[k] ? 0 : -1;
	}
	const char *name;
	json_t *v;
	size_t k = 0;
	json_object_foreach(rest, name, v)
	{
		while (k < nk && key[k])
			k++;
		if (k == nk) {
			rc = -1;
			break;
		}
		key[k] = name;
		val[k] = json_incref(v);
	}
	json_t *e = rc ? NULL : json_object();
	for (k = 0; k < nk; k++) {
		if (e && key[k] && json_object_set_new_nocheck(e, key[k], val[k]))
			rc = -1;
		else if (!e && key[k])
			json_decref(val[k]);
	}
	if (!e || json_array_set_new(list, at, e))
		rc = -1;
	return rc;
}

/* The entries of a run (rows of e: position, text) with their figures
 * (rows of f: position, name_id, key_position, value, int_value; their
 * names s's), into list, in place.  -1 with why. */
static int entries_rebuild(const struct store *s, json_t *list, const struct store_rows *e,
			   const struct store_rows *f, char *why, size_t n)
{
	struct figure_cell *fig = malloc(((size_t)f->nrows + 1) * sizeof(*fig));
	int rc = fig ? 0 : -1;
	for (int i = 0; !rc && i < f->nrows; i++)
		fig[i] = (struct figure_cell){cell_int(f, i, 0), cell_int(f, i, 2),
					      figure_name(s, cell_int(f, i, 1)),
					      store_cell(f, i, 3), store_cell(f, i, 4)};
	/* Room for the keys of the entry that has the most. */
	size_t room = 0;
	for (int i = 0, at = 0; !rc && i < e->nrows; i++) {
		int from = at;
		while (at < f->nrows && fig[at].position == cell_int(e, i, 0))
			at++;
		size_t nk = json_object_size(json_array_get(list, (size_t)i)) + (size_t)(at - from);
		room = nk > room ? nk : room;
	}
	const char **key = rc ? NULL : malloc((room + 1) * sizeof(*key));
	json_t **val = rc ? NULL : malloc((room + 1) * sizeof(*val));
	rc = key && val ? 0 : -1;
	if (rc)
		snprintf(why, n, "out of memory");
	int row = 0;
	for (int i = 0; !rc && i < e->nrows; i++) {
		int64_t position = cell_int(e, i, 0);
		int from = row;
		while (row < f->nrows && fig[row].position == position)
			row++;
		/* Figures of no entry (ahead of this one), or that do not fit
		 * their entry's keys: a damaged store. */
		if ((from < f->nrows && fig[from].position < position) ||
		    entry_rebuild(list, (size_t)i, fig + from, row - from, key, val))
			rc = -1;
	}
	if (!rc && row < f->nrows)
		rc = -1;
	if (rc && !why[0])
		snprintf(why, n, "an entry's figures do not fit its keys");
	free(key);
	free(val);
	free(fig);
	return rc;
}

json_t *store_get_doc(struct store *s, int64_t id, char *err, size_t n)
{
	struct store_val p = sv_int(id);
	struct store_rows r = {0}, e = {0}, f = {0};
	/* Every read in one snapshot: a run replaced meanwhile is read whole,
	 * before or after. */
	if (q(s, s->drv->begin_read, NULL, 0, NULL, err, n))
		return NULL;
	int rc = q(s, "SELECT context, extra FROM runs WHERE id = $1", &p, 1, &r, err, n);
	if (!rc && r.nrows)
		rc = q(s, "SELECT position, doc FROM entries WHERE run_id = $1 ORDER BY position",
		       &p, 1, &e, err, n);
	if (!rc && r.nrows)
		rc = q(s,
		       "SELECT position, name_id, key_position, value, int_value FROM figures "
		       "WHERE run_id = $1 ORDER BY position",
		       &p, 1, &f, err, n);
	/* Names not read before, in the same snapshot. */
	if (!rc && !names_known(s, &f))
		rc = names_read(s, err, n);
	if (!rc)
		rc = commit(s, err, n);
	else
		rollback(s);
	if (rc || r.nrows == 0) {
		if (!rc)
			store_fail(s, err, n, "no run %lld", (long long)id);
		store_rows_free(&r);
		store_rows_free(&e);
		store_rows_free(&f);
		return NULL;
	}
	json_error_t je = {0};
	json_t *doc = json_object(), *list = entries_array(&e, &je);
	bool bad = !doc || !list;
	if (!bad)
		bad = entries_rebuild(s, list, &e, &f, je.text, sizeof(je.text)) != 0;
	const char *ctx = store_cell(&r, 0, 0), *extra = store_cell(&r, 0, 1);
	if (!bad && ctx)
		bad = json_object_set_new(doc, "context", json_loads(ctx, 0, &je)) != 0;
	if (!bad)
		bad = json_object_set(doc, "benchmarks", list) != 0;
	if (!bad && extra) {
		json_t *x = json_loads(extra, 0, &je);
		bad = !x || json_object_update(doc, x) != 0;
		json_decref(x);
	}
	json_decref(list);
	store_rows_free(&r);
	store_rows_free(&e);
	store_rows_free(&f);
	if (bad) {
		json_decref(doc);
		store_fail(s, err, n, "run %lld: its stored JSON does not read back (%s)",
			   (long long)id, je.text);
		return NULL;
	}
	return doc;
}

int store_delete_run(struct store *s, int64_t id, char *err, size_t n)
{
	struct store_val p = sv_int(id);
	struct store_rows r;
	if (begin_write(s, err, n))
		return -1;
	if (q(s, "DELETE FROM runs WHERE id = $1 RETURNING machine_id", &p, 1, &r, err, n))
		goto fail;
	int64_t mid = r.nrows ? cell_int(&r, 0, 0) : 0;
	store_rows_free(&r);
	if ((mid && machine_context_refresh(s, mid, err, n)) || commit(s, err, n))
		goto fail;
	return 0;
fail:
	rollback(s);
	return -1;
}

/* ---- machines and cases ---- */

static int names_from(struct store *s, struct store_rows *r, char ***out, int *nout, char *err,
		      size_t n)
{
	*out = NULL;
	*nout = 0;
	if (r->nrows == 0) {
		store_rows_free(r);
		return 0;
	}
	char **v = calloc((size_t)r->nrows, sizeof(*v));
	int k = 0;
	for (; v && k < r->nrows; k++)
		if (!(v[k] = strdup(store_cell(r, k, 0) ? store_cell(r, k, 0) : "")))
			break;
	store_rows_free(r);
	if (!v || k < r->nrows) {
		store_free_names(v, k);
		return store_fail(s, err, n, "out of memory");
	}
	/* Byte order, the same on both backends (PostgreSQL's ORDER BY
	 * follows the database's collation). */
	qsort(v, (size_t)k, sizeof(*v), cmp_str);
	*out = v;
	*nout = k;
	return 0;
}

int store_machines(struct store *s, char ***out, int *nout, char *err, size_t n)
{
	struct store_rows r;
	if (q(s,
	      "SELECT m.name FROM machines m WHERE EXISTS (SELECT 1 FROM runs r WHERE r.machine_id "
	      "= m.id)",
	      NULL, 0, &r, err, n))
		return -1;
	return names_from(s, &r, out, nout, err, n);
}

void store_free_names(char **names, int n)
{
	for (int i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
}

json_t *store_machine_context(struct store *s, const char *machine, char *err, size_t n)
{
	struct store_val p = sv_text(machine);
	struct store_rows r;
	if (q(s, "SELECT context FROM machines WHERE name = $1", &p, 1, &r, err, n))
		return NULL;
	json_t *ctx = NULL;
	if (r.nrows && store_cell(&r, 0, 0)) {
		json_error_t je;
		ctx = json_loads(store_cell(&r, 0, 0), 0, &je);
		if (!ctx)
			store_fail(s, err, n, "machine %s: its context does not read back (%s)",
				   machine, je.text);
	} else {
		err[0] = 0;
	}
	store_rows_free(&r);
	return ctx;
}

int store_cases(struct store *s, const char *kind, char ***out, int *nout, char *err, size_t n)
{
	struct store_val p = sv_text(kind);
	struct store_rows r;
	if (q(s,
	      "SELECT c.name FROM cases c WHERE EXISTS (SELECT 1 FROM entries e JOIN runs r ON "
	      "r.id = e.run_id WHERE e.case_id = c.id AND (CAST($1 AS TEXT) IS NULL OR r.kind = "
	      "$1))",
	      &p, 1, &r, err, n))
		return -1;
	return names_from(s, &r, out, nout, err, n);
}

int store_figure(struct store *s, const char *machine, const char *kind, const char *case_name,
		 const char *figure, struct store_point **out, int *nout, char *err, size_t n)
{
	*out = NULL;
	*nout = 0;
	struct store_val p[] = {sv_text(figure), sv_text(case_name), sv_text(machine),
				sv_text(kind)};
	struct store_rows r;
	if (q(s,
	      "SELECT r.id, m.name, r.time, r.revision, e.repetition, f.value, e.state_before_ns "
	      "FROM cases c JOIN entries e ON e.case_id = c.id JOIN figure_names fn ON fn.name = "
	      "$1 JOIN figures f ON f.run_id = e.run_id AND f.position = e.position AND "
	      "f.name_id = fn.id JOIN runs r ON r.id = e.run_id JOIN machines m ON m.id = "
	      "r.machine_id WHERE c.name = $2 AND (CAST($3 AS TEXT) IS NULL OR "
	      "m.name = $3) AND (CAST($4 AS TEXT) IS NULL OR r.kind = $4) AND COALESCE(e.run_type, "
	      "'iteration') = 'iteration' ORDER BY r.time, r.id, e.position",
	      p, 4, &r, err, n))
		return -1;
	if (r.nrows == 0) {
		store_rows_free(&r);
		return 0;
	}
	struct store_point *v = calloc((size_t)r.nrows, sizeof(*v));
	if (!v) {
		store_rows_free(&r);
		return store_fail(s, err, n, "out of memory");
	}
	for (int i = 0; i < r.nrows; i++) {
		v[i].run = cell_int(&r, i, 0);
		copy(v[i].machine, sizeof(v[i].machine), store_cell(&r, i, 1));
		copy(v[i].time, sizeof(v[i].time), store_cell(&r, i, 2));
		copy(v[i].revision, sizeof(v[i].revision), store_cell(&r, i, 3));
		v[i].repetition = store_cell(&r, i, 4) ? (int)cell_int(&r, i, 4) : -1;
		v[i].value = cell_real(&r, i, 5);
		v[i].state_ns = cell_real(&r, i, 6);
	}
	*out = v;
	*nout = r.nrows;
	store_rows_free(&r);
	return 0;
}

/* ---- steps and acknowledgements ---- */

/* {key: [the JSON texts of rows' first column]} */
static json_t *list_doc(struct store *s, const char *key, struct store_rows *r, char *err, size_t n)
{
	json_t *list = json_array(), *doc = json_pack("{s:o}", key, list);
	json_error_t je;
	bool bad = !list || !doc;
	for (int i = 0; !bad && i < r->nrows; i++) {
		json_t *e = json_loads(store_cell(r, i, 0), 0, &je);
		bad = !e || json_array_append_new(list, e) != 0;
	}
	store_rows_free(r);
	if (bad) {
		json_decref(doc);
		store_fail(s, err, n, "%s: a stored entry does not read back", key);
		return NULL;
	}
	return doc;
}

json_t *store_get_steps(struct store *s, const char *machine, char *err, size_t n)
{
	struct store_val p = sv_text(machine);
	struct store_rows r;
	if (q(s,
	      "SELECT st.entry FROM steps st JOIN machines m ON m.id = st.machine_id WHERE m.name "
	      "= $1 ORDER BY st.id",
	      &p, 1, &r, err, n))
		return NULL;
	return list_doc(s, "reported", &r, err, n);
}

static struct store_val num_or_null(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_number(v) ? sv_real(json_number_value(v)) : sv_null();
}

static int steps_tx(struct store *s, const char *machine, json_t *entries, char *err, size_t n)
{
	int64_t mid;
	if (begin_write(s, err, n))
		return -1;
	if (machine_id(s, machine, &mid, err, n))
		goto fail;
	size_t i;
	json_t *e;
	json_array_foreach(entries, i, e)
	{
		/* Keys sorted: an entry added twice is the same text, and the
		 * second is left out (UNIQUE (machine_id, entry)). */
		char *text = json_dumps(e, JSON_COMPACT | JSON_SORT_KEYS);
		if (!text) {
			store_fail(s, err, n, "out of memory");
			goto fail;
		}
		struct store_val p[] = {sv_int(mid),
					sv_text(str_or(e, "case", NULL)),
					sv_text(str_or(e, "figure", NULL)),
					num_or_null(e, "state_lo_ns"),
					num_or_null(e, "state_hi_ns"),
					sv_text(str_or(e, "night", NULL)),
					sv_text(str_or(e, "first_after", NULL)),
					sv_text(str_or(e, "revision_before", NULL)),
					sv_text(str_or(e, "revision_after", NULL)),
					num_or_null(e, "change"),
					num_or_null(e, "confidence"),
					sv_text(text)};
		int rc = q(s,
			   "INSERT INTO steps (machine_id, case_name, figure, state_lo_ns, "
			   "state_hi_ns, night, first_after, revision_before, revision_after, "
			   "change, confidence, entry) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
			   "$10, $11, $12) ON CONFLICT DO NOTHING",
			   p, 12, NULL, err, n);
		free(text);
		if (rc)
			goto fail;
	}
	if (commit(s, err, n))
		goto fail;
	return 0;
fail:
	rollback(s);
	return -1;
}

int store_add_steps(struct store *s, const char *machine, json_t *entries, char *err, size_t n)
{
	size_t i;
	json_t *e;
	if (!json_is_array(entries))
		return store_fail(s, err, n, "steps of %s: not a list", machine);
	json_array_foreach(entries, i, e) if (!json_is_object(e)) return store_fail(
	    s, err, n, "steps of %s: entry %zu is not an object", machine, i + 1);
	int rc = -1;
	for (int t = 0; t < TX_TRIES; t++)
		if (!(rc = steps_tx(s, machine, entries, err, n)) || !s->retry)
			break;
	return rc;
}

json_t *store_get_acks(struct store *s, const char *machine, const char *baseline, char *err,
		       size_t n)
{
	struct store_val p[] = {sv_text(machine), sv_text(baseline ? baseline : "")};
	struct store_rows r;
	if (q(s,
	      "SELECT a.entry FROM acks a JOIN machines m ON m.id = a.machine_id WHERE m.name = "
	      "$1 AND a.baseline = $2 ORDER BY a.position",
	      p, 2, &r, err, n))
		return NULL;
	return list_doc(s, "acknowledgements", &r, err, n);
}

static int acks_tx(struct store *s, const char *machine, const char *baseline, json_t *list,
		   char *err, size_t n)
{
	int64_t mid;
	if (begin_write(s, err, n))
		return -1;
	if (machine_id(s, machine, &mid, err, n) || lock_machine(s, mid, err, n))
		goto fail;
	struct store_val d[] = {sv_int(mid), sv_text(baseline)};
	if (q(s, "DELETE FROM acks WHERE machine_id = $1 AND baseline = $2", d, 2, NULL, err, n))
		goto fail;
	size_t i;
	json_t *e;
	json_array_foreach(list, i, e)
	{
		char *text = json_dumps(e, JSON_COMPACT);
		if (!text) {
			store_fail(s, err, n, "out of memory");
			goto fail;
		}
		struct store_val p[] = {sv_int(mid),
					sv_text(baseline),
					sv_int((int64_t)i),
					sv_text(str_or(e, "case", NULL)),
					sv_text(str_or(e, "figure", NULL)),
					sv_text(str_or(e, "reason", NULL)),
					num_or_null(e, "change"),
					sv_text(str_or(e, "until", NULL)),
					sv_text(str_or(e, "until_commit", NULL)),
					sv_text(str_or(e, "acknowledged", NULL)),
					sv_text(str_or(e, "revision", NULL)),
					sv_text(text)};
		int rc = q(s,
			   "INSERT INTO acks (machine_id, baseline, position, case_name, figure, "
			   "reason, change, until, until_commit, acknowledged, revision, entry) "
			   "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
			   p, 12, NULL, err, n);
		free(text);
		if (rc)
			goto fail;
	}
	if (commit(s, err, n))
		goto fail;
	return 0;
fail:
	rollback(s);
	return -1;
}

int store_put_acks(struct store *s, const char *machine, const char *baseline, json_t *doc,
		   char *err, size_t n)
{
	json_t *list = json_object_get(doc, "acknowledgements");
	size_t i;
	json_t *e;
	if (!machine || !machine[0])
		return store_fail(s, err, n, "acknowledgements need a machine");
	if (!json_is_array(list))
		return store_fail(s, err, n, "acknowledgements of %s: no \"acknowledgements\" list",
				  machine);
	json_array_foreach(list, i, e) if (!json_is_object(e)) return store_fail(
	    s, err, n, "acknowledgements of %s: entry %zu is not an object", machine, i + 1);
	int rc = -1;
	for (int t = 0; t < TX_TRIES; t++)
		if (!(rc = acks_tx(s, machine, baseline ? baseline : "", list, err, n)) ||
		    !s->retry)
			break;
	return rc;
}
