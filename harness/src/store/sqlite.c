/* sqlite.c: the store in a SQLite file (driver.h), the default.
 *
 * libsqlite3 is loaded with dlopen when a store is opened, never linked:
 * ringbench is also every benchmark's worker process, and `ringbench
 * startup` times process start (the same reason tp_rte.c loads DPDK's
 * ring).  The functions used are resolved into one table, typed from
 * sqlite3.h.
 *
 * WAL mode, so that a check writing and a report reading work at once;
 * writes take the write lock at BEGIN (BEGIN IMMEDIATE) and wait for it
 * up to the busy timeout, so two writers queue instead of failing.
 * Prepared statements are kept (by their text) for the life of the store:
 * a night's import runs the same few statements thousands of times. */
#include "store/driver.h"

#include "measure/results.h"

#include <dlfcn.h>
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef RINGBENCH_SQLITE_LIB
#define RINGBENCH_SQLITE_LIB "libsqlite3.so.0"
#endif

/* How long a writer waits for another's transaction, in ms. */
#define SQLITE_BUSY_MS 60000
#define STMT_CACHE     48

#define SQLITE_FNS(X)                                                                              \
	X(sqlite3_open_v2)                                                                         \
	X(sqlite3_close_v2)                                                                        \
	X(sqlite3_errmsg)                                                                          \
	X(sqlite3_errstr)                                                                          \
	X(sqlite3_extended_errcode)                                                                \
	X(sqlite3_prepare_v3)                                                                      \
	X(sqlite3_bind_parameter_count)                                                            \
	X(sqlite3_bind_parameter_name)                                                             \
	X(sqlite3_bind_text)                                                                       \
	X(sqlite3_bind_int64)                                                                      \
	X(sqlite3_bind_double)                                                                     \
	X(sqlite3_bind_null)                                                                       \
	X(sqlite3_clear_bindings)                                                                  \
	X(sqlite3_step)                                                                            \
	X(sqlite3_reset)                                                                           \
	X(sqlite3_finalize)                                                                        \
	X(sqlite3_column_count)                                                                    \
	X(sqlite3_column_type)                                                                     \
	X(sqlite3_column_text)                                                                     \
	X(sqlite3_column_double)                                                                   \
	X(sqlite3_column_int64)                                                                    \
	X(sqlite3_column_bytes)                                                                    \
	X(sqlite3_busy_timeout)                                                                    \
	X(sqlite3_exec)                                                                            \
	X(sqlite3_free)

static struct {
#define FIELD(f) __typeof__(f) *f;
	SQLITE_FNS(FIELD)
#undef FIELD
} lib;

static int load(char *why, size_t n)
{
	if (lib.sqlite3_open_v2)
		return 0;
	void *h = dlopen(RINGBENCH_SQLITE_LIB, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(why, n,
			 "cannot load SQLite's library (%s): %s; install Debian's "
			 "libsqlite3-0 (libsqlite3-dev to build)",
			 RINGBENCH_SQLITE_LIB, dlerror());
		return -1;
	}
#define RESOLVE(f)                                                                                 \
	*(void **)&lib.f = dlsym(h, #f);                                                           \
	if (!lib.f) {                                                                              \
		snprintf(why, n, "%s has no %s: install Debian's libsqlite3-0",                    \
			 RINGBENCH_SQLITE_LIB, #f);                                                \
		memset(&lib, 0, sizeof(lib));                                                      \
		return -1;                                                                         \
	}
	SQLITE_FNS(RESOLVE)
#undef RESOLVE
	return 0;
}

struct cached {
	char *sql;
	size_t len;
	sqlite3_stmt *st;
};

struct lite {
	sqlite3 *db;
	struct cached cache[STMT_CACHE];
	int ncached, next; /* next: the slot to reuse when full */
};

static void one_line(char *s)
{
	for (; *s; s++)
		if (*s == '\n' || *s == '\r')
			*s = ' ';
}

/* The statement for sql, prepared once; its parameters checked to be $1,
 * $2, ... in order, so they bind by position. */
static sqlite3_stmt *stmt_for(struct lite *l, const char *sql, char *err, size_t n)
{
	size_t len = strlen(sql);
	for (int i = 0; i < l->ncached; i++)
		if (l->cache[i].len == len && memcmp(l->cache[i].sql, sql, len) == 0)
			return l->cache[i].st;
	sqlite3_stmt *st;
	if (lib.sqlite3_prepare_v3(l->db, sql, (int)len + 1, SQLITE_PREPARE_PERSISTENT, &st,
				   NULL) != SQLITE_OK) {
		snprintf(err, n, "%s", lib.sqlite3_errmsg(l->db));
		return NULL;
	}
	int np = lib.sqlite3_bind_parameter_count(st);
	for (int i = 1; i <= np; i++) {
		const char *name = lib.sqlite3_bind_parameter_name(st, i);
		char want[16];
		snprintf(want, sizeof(want), "$%d", i);
		if (!name || strcmp(name, want)) {
			snprintf(err, n, "statement's parameter %d is %s, not %s", i,
				 name ? name : "unnamed", want);
			lib.sqlite3_finalize(st);
			return NULL;
		}
	}
	char *copy = malloc(len + 1);
	if (!copy) {
		lib.sqlite3_finalize(st);
		snprintf(err, n, "out of memory");
		return NULL;
	}
	memcpy(copy, sql, len + 1);
	int slot = l->ncached < STMT_CACHE ? l->ncached++ : l->next++ % STMT_CACHE;
	if (l->cache[slot].st) {
		lib.sqlite3_finalize(l->cache[slot].st);
		free(l->cache[slot].sql);
	}
	l->cache[slot] = (struct cached){.sql = copy, .len = len, .st = st};
	return st;
}

static int add_row(struct store_rows *rows, sqlite3_stmt *st)
{
	int nc = lib.sqlite3_column_count(st);
	if (rows->nrows == 0)
		rows->ncols = nc;
	if (rows->nrows == rows->cap) {
		int cap = rows->cap ? rows->cap * 2 : 16;
		char **cell = realloc(rows->cell, (size_t)cap * (size_t)nc * sizeof(*cell));
		if (!cell)
			return -1;
		rows->cell = cell;
		rows->cap = cap;
	}
	char **cell = rows->cell;
	char **row = cell + (size_t)rows->nrows * (size_t)nc;
	int bad = 0;
	for (int c = 0; c < nc; c++) {
		row[c] = NULL;
		int t = lib.sqlite3_column_type(st, c);
		char num[32];
		if (t == SQLITE_NULL)
			continue;
		if (t == SQLITE_FLOAT) {
			size_t l = store_real_text(lib.sqlite3_column_double(st, c), num);
			row[c] = store_rows_text(rows, num, l);
		} else if (t == SQLITE_INTEGER) {
			size_t l = store_int_text(lib.sqlite3_column_int64(st, c), num);
			row[c] = store_rows_text(rows, num, l);
		} else {
			const char *v = (const char *)lib.sqlite3_column_text(st, c);
			size_t l = (size_t)lib.sqlite3_column_bytes(st, c);
			row[c] = store_rows_text(rows, v ? v : "", v ? l : 0);
		}
		bad |= !row[c];
	}
	rows->nrows++;
	return bad ? -1 : 0;
}

static int run(struct store *s, const char *sql, const struct store_val *p, int np,
	       struct store_rows *rows, char *err, size_t n)
{
	struct lite *l = s->impl;
	s->retry = false;
	if (rows)
		*rows = (struct store_rows){0};
	sqlite3_stmt *st = stmt_for(l, sql, err, n);
	if (!st)
		return -1;
	int rc = SQLITE_OK;
	for (int i = 0; i < np && rc == SQLITE_OK; i++) {
		switch (p[i].t) {
		case SV_NULL: rc = lib.sqlite3_bind_null(st, i + 1); break;
		case SV_INT: rc = lib.sqlite3_bind_int64(st, i + 1, p[i].i); break;
		case SV_REAL: rc = lib.sqlite3_bind_double(st, i + 1, p[i].d); break;
		case SV_TEXT:
			rc = lib.sqlite3_bind_text(st, i + 1, p[i].s, -1, SQLITE_STATIC);
			break;
		}
	}
	while (rc == SQLITE_OK || rc == SQLITE_ROW) {
		rc = lib.sqlite3_step(st);
		if (rc == SQLITE_ROW && rows && add_row(rows, st)) {
			snprintf(err, n, "out of memory");
			lib.sqlite3_reset(st);
			lib.sqlite3_clear_bindings(st);
			store_rows_free(rows);
			return -1;
		}
	}
	if (rc != SQLITE_DONE) {
		snprintf(err, n, "%s", lib.sqlite3_errmsg(l->db));
		one_line(err);
	}
	/* The statement's result is kept until reset: reset at once, so a
	 * read statement never holds the WAL's snapshot open. */
	lib.sqlite3_reset(st);
	lib.sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE) {
		if (rows)
			store_rows_free(rows);
		return -1;
	}
	return 0;
}

static void close_db(struct store *s)
{
	struct lite *l = s->impl;
	if (!l)
		return;
	for (int i = 0; i < l->ncached; i++) {
		lib.sqlite3_finalize(l->cache[i].st);
		free(l->cache[i].sql);
	}
	lib.sqlite3_close_v2(l->db);
	free(l);
	s->impl = NULL;
}

static int open_db(struct store *s, const char *where, char *err, size_t n)
{
	snprintf(s->name, sizeof(s->name), "%s", where);
	char why[600];
	if (load(why, sizeof(why)))
		return store_fail(s, err, n, "%s", why);
	/* Creating the file creates its folder. */
	char dir[1024];
	snprintf(dir, sizeof(dir), "%s", where);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = 0;
		if (results_mkdirs(dir))
			return store_fail(s, err, n, "cannot make the folder %s: %s", dir,
					  strerror(errno));
	}
	struct lite *l = calloc(1, sizeof(*l));
	if (!l)
		return store_fail(s, err, n, "out of memory");
	s->impl = l;
	/* A store is used by one thread at a time (store.h): without
	 * SQLite's mutex on every call, a run's thousands of cells read
	 * faster. */
	int rc = lib.sqlite3_open_v2(
	    where, &l->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		snprintf(why, sizeof(why), "%s",
			 l->db ? lib.sqlite3_errmsg(l->db) : lib.sqlite3_errstr(rc));
		close_db(s);
		return store_fail(s, err, n, "cannot open: %s", why);
	}
	lib.sqlite3_busy_timeout(l->db, SQLITE_BUSY_MS);
	/* The first statement that reads the file: one that is no database
	 * fails here. */
	static const char *const pragmas[] = {"PRAGMA foreign_keys=ON", "PRAGMA synchronous=NORMAL",
					      "SELECT count(*) FROM sqlite_master"};
	for (size_t i = 0; i < sizeof(pragmas) / sizeof(*pragmas); i++) {
		char *msg = NULL;
		rc = lib.sqlite3_exec(l->db, pragmas[i], NULL, NULL, &msg);
		if (rc != SQLITE_OK) {
			int ext = lib.sqlite3_extended_errcode(l->db);
			snprintf(why, sizeof(why), "%s", msg ? msg : lib.sqlite3_errstr(rc));
			lib.sqlite3_free(msg);
			close_db(s);
			if ((ext & 0xff) == SQLITE_NOTADB || (ext & 0xff) == SQLITE_CORRUPT)
				return store_fail(
				    s, err, n, "not a SQLite database, or a damaged one (%s)", why);
			return store_fail(s, err, n, "%s", why);
		}
	}
	return 0;
}

/* WAL mode (persistent, in the file).  Switching takes the file's
 * exclusive lock, and SQLite answers SQLITE_BUSY at once, without the
 * busy handler, while another process holds any lock: eight processes
 * opening a new store at once.  Tried again until the busy timeout. */
static int ready(struct store *s, char *err, size_t n)
{
	struct lite *l = s->impl;
	struct timespec t0, now, pause = {0, 5 * 1000 * 1000};
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		char *msg = NULL;
		int rc = lib.sqlite3_exec(l->db, "PRAGMA journal_mode=WAL", NULL, NULL, &msg);
		if (rc == SQLITE_OK)
			return 0;
		char why[512];
		snprintf(why, sizeof(why), "%s", msg ? msg : lib.sqlite3_errstr(rc));
		lib.sqlite3_free(msg);
		clock_gettime(CLOCK_MONOTONIC, &now);
		double ms = (double)(now.tv_sec - t0.tv_sec) * 1e3 +
			    (double)(now.tv_nsec - t0.tv_nsec) / 1e6;
		if ((rc & 0xff) != SQLITE_BUSY || ms >= SQLITE_BUSY_MS)
			return store_fail(s, err, n, "cannot set WAL mode: %s", why);
		nanosleep(&pause, NULL);
	}
}

static int foreign_tables(struct store *s, char *err, size_t n)
{
	struct store_rows r;
	if (run(s,
		"SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT IN "
		"('ringbench_schema', 'machines', 'cases', 'runs', 'entries', 'figure_names', "
		"'figures', 'steps', 'acks') AND name NOT LIKE 'sqlite%'",
		NULL, 0, &r, err, n))
		return -1;
	int k = r.nrows ? atoi(store_cell(&r, 0, 0)) : 0;
	store_rows_free(&r);
	return k > 0;
}

static int has_schema(struct store *s, char *err, size_t n)
{
	struct store_rows r;
	if (run(s,
		"SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = "
		"'ringbench_schema'",
		NULL, 0, &r, err, n))
		return -1;
	int k = r.nrows ? atoi(store_cell(&r, 0, 0)) : 0;
	store_rows_free(&r);
	return k > 0;
}

const struct store_driver store_sqlite_driver = {
    .open = open_db,
    .close = close_db,
    .run = run,
    .begin_write = "BEGIN IMMEDIATE",
    /* A deferred transaction's first read takes the WAL's snapshot. */
    .begin_read = "BEGIN",
    .ddl = {"INTEGER PRIMARY KEY", "INTEGER", "REAL", "TEXT", "WITHOUT ROWID", "INTEGER"},
    .foreign_tables = foreign_tables,
    .has_schema = has_schema,
    .migration_lock = NULL,
    .ready = ready,
};
