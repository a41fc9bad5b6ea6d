/* driver.h: what store.c asks of a backend (sqlite.c, pg.c): open a
 * store, run one statement with parameters, give its rows back.  Private
 * to store/: nothing outside knows which backend runs (store.h).
 *
 * Statements are written once, for both backends: parameters are $1, $2,
 * ... numbered in the order they first appear (SQLite takes them as named
 * parameters and numbers them so; sqlite.c checks the order), and only
 * SQL both accept (INSERT ... ON CONFLICT DO NOTHING, RETURNING, IS NOT
 * DISTINCT FROM).  Only the DDL's types differ (schema_sql in store.c). */
#ifndef STORE_DRIVER_H
#define STORE_DRIVER_H

#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A statement's parameter. */
enum store_vtype { SV_NULL, SV_TEXT, SV_INT, SV_REAL };
struct store_val {
	enum store_vtype t;
	const char *s; /* SV_TEXT */
	int64_t i;     /* SV_INT */
	double d;      /* SV_REAL */
};

static inline struct store_val sv_text(const char *s)
{
	return s ? (struct store_val){.t = SV_TEXT, .s = s} : (struct store_val){.t = SV_NULL};
}
static inline struct store_val sv_int(int64_t i)
{
	return (struct store_val){.t = SV_INT, .i = i};
}
static inline struct store_val sv_real(double d)
{
	return (struct store_val){.t = SV_REAL, .d = d};
}
static inline struct store_val sv_null(void)
{
	return (struct store_val){.t = SV_NULL};
}

/* A statement's rows, every cell as text (NULL for SQL's NULL); a real as
 * store_real_text writes it, so that it reads back exactly.  The cells'
 * text is kept in a few big chunks, not one allocation each: a run's
 * figures are thousands. */
struct store_text;
struct store_rows {
	int nrows, ncols;
	char **cell; /* [nrows * ncols] */
	int cap;     /* rows cell has room for */
	struct store_text *text;
};

static inline const char *store_cell(const struct store_rows *r, int row, int col)
{
	return r->cell[(size_t)row * (size_t)r->ncols + (size_t)col];
}
/* A copy of s (len bytes) among r's text, 0-terminated; NULL out of
 * memory. */
char *store_rows_text(struct store_rows *r, const char *s, size_t len);
void store_rows_free(struct store_rows *r);
/* A cell's text of a number, into out (32 bytes), its length returned: a
 * real exactly, as C's hexadecimal floating constant ("0x1.8p+1",
 * "-0x0p+0"), which strtod reads back to the same double, ten times faster
 * to write than 17 decimal digits (a run's figures are thousands); an
 * integer in decimal. */
size_t store_real_text(double x, char *out);
size_t store_int_text(int64_t v, char *out);

struct store_driver {
	/* Connect or open; s->name is set (password left out).  0, or -1
	 * with a sentence in err. */
	int (*open)(struct store *s, const char *where, char *err, size_t n);
	void (*close)(struct store *s);
	/* Run one statement; its rows into *rows when rows is not NULL.  0,
	 * or -1 with the backend's message (one line) in err, and
	 * s->retry set when the same transaction may succeed if run again
	 * (PostgreSQL's deadlock and serialization failures). */
	int (*run)(struct store *s, const char *sql, const struct store_val *p, int np,
		   struct store_rows *rows, char *err, size_t n);
	const char *begin_write; /* the BEGIN that takes the write lock at once */
	const char *begin_read;	 /* the BEGIN of reads that see one snapshot */
	/* The DDL's words that differ ({id}, {int}, {real}, {text},
	 * {without_rowid}, {int32}), in that order; {int} is 64 bits. */
	const char *ddl[6];
	/* Whether the store has tables that are not the store's: a SQLite
	 * file of another program (1), none (0), or -1 with err. */
	int (*foreign_tables)(struct store *s, char *err, size_t n);
	/* Whether the schema's table exists: 1, 0, or -1 with err. */
	int (*has_schema)(struct store *s, char *err, size_t n);
	/* What serializes migrations of one store (run inside the
	 * migration's transaction), or NULL when begin_write already does. */
	const char *migration_lock;
	/* What serializes the transactions that replace a machine's rows
	 * (a baseline, its acknowledgements) with $1 the machine's id, run
	 * first in them: PostgreSQL's READ COMMITTED would let two DELETE
	 * then INSERT both.  NULL when begin_write already does. */
	const char *machine_lock;
	/* Readies a store found to be ringbench's (or empty), before its
	 * schema is made or read: SQLite's WAL mode, set only then, so that
	 * another program's database is left as it was.  NULL when there
	 * is nothing to do; 0, or -1 with err. */
	int (*ready)(struct store *s, char *err, size_t n);
};

struct store {
	const struct store_driver *drv;
	enum store_backend backend;
	char name[1024]; /* shown to people: a path, or a URI without password */
	void *impl;
	bool retry; /* set by run() (above) */
	/* store.c's: the figure names read so far, by id (a name's id never
	 * changes, nor is a name deleted), and their text. */
	struct store_figure_name *fig_names;
	int nfig_names;
	struct store_rows fig_names_rows;
};

extern const struct store_driver store_sqlite_driver;
extern const struct store_driver store_pg_driver;

/* "-1 with err" for every driver: err is "store NAME: " then the
 * formatted text. */
int store_fail(const struct store *s, char *err, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
