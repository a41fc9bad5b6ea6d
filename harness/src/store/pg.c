/* pg.c: the store on a PostgreSQL server (driver.h), for a team's
 * machines: --store postgresql://... or postgres://... (libpq's URIs).
 *
 * libpq is loaded with dlopen when such a store is opened, never linked:
 * it brings libssl, libgssapi, LDAP and more into every process that
 * links it, and ringbench is also every benchmark's worker process, whose
 * start `ringbench startup` times.
 *
 * Each statement is one PQexecParams with typed parameters, numbers in
 * binary, and its results in binary: a run's figures are thousands of
 * numbers, none written as text nor read from text on either side.  The
 * store's name, as users see it, is the URI without its password.  A
 * deadlock or a serialization failure marks the error retryable, and
 * store.c runs the transaction again. */
#include "store/driver.h"

#include <dlfcn.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef RINGBENCH_PQ_LIB
#define RINGBENCH_PQ_LIB "libpq.so.5"
#endif

/* PostgreSQL's type oids (pg_type.dat), for the parameters. */
#define OID_BOOL    16
#define OID_NAME    19
#define OID_INT8    20
#define OID_INT2    21
#define OID_INT4    23
#define OID_TEXT    25
#define OID_FLOAT8  701
#define OID_VARCHAR 1043
#define OID_VOID    2278

#define PQ_FNS(X)                                                                                  \
	X(PQconnectdbParams)                                                                       \
	X(PQstatus)                                                                                \
	X(PQerrorMessage)                                                                          \
	X(PQfinish)                                                                                \
	X(PQexecParams)                                                                            \
	X(PQresultStatus)                                                                          \
	X(PQresultErrorField)                                                                      \
	X(PQntuples)                                                                               \
	X(PQnfields)                                                                               \
	X(PQgetvalue)                                                                              \
	X(PQgetlength)                                                                             \
	X(PQftype)                                                                                 \
	X(PQgetisnull)                                                                             \
	X(PQclear)                                                                                 \
	X(PQsetNoticeProcessor)                                                                    \
	X(PQconninfoParse)                                                                         \
	X(PQconninfoFree)                                                                          \
	X(PQfreemem)

static struct {
#define FIELD(f) __typeof__(f) *f;
	PQ_FNS(FIELD)
#undef FIELD
} lib;

static int load(char *why, size_t n)
{
	if (lib.PQconnectdbParams)
		return 0;
	void *h = dlopen(RINGBENCH_PQ_LIB, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(why, n,
			 "cannot load PostgreSQL's client library (%s): %s; install Debian's "
			 "libpq5 (libpq-dev to build)",
			 RINGBENCH_PQ_LIB, dlerror());
		return -1;
	}
#define RESOLVE(f)                                                                                 \
	*(void **)&lib.f = dlsym(h, #f);                                                           \
	if (!lib.f) {                                                                              \
		snprintf(why, n, "%s has no %s: install Debian's libpq5", RINGBENCH_PQ_LIB, #f);   \
		memset(&lib, 0, sizeof(lib));                                                      \
		return -1;                                                                         \
	}
	PQ_FNS(RESOLVE)
#undef RESOLVE
	return 0;
}

/* libpq's messages, on one line ("; " between its lines) and without
 * their trailing newline. */
static void one_line(char *dst, size_t n, const char *src)
{
	size_t k = 0;
	bool gap = false;
	for (const char *p = src ? src : ""; *p && k + 3 < n; p++) {
		if (*p == '\n' || *p == '\r') {
			gap = k > 0;
			continue;
		}
		if (gap && (*p == ' ' || *p == '\t'))
			continue;
		if (gap) {
			dst[k++] = ';';
			dst[k++] = ' ';
			gap = false;
		}
		dst[k++] = *p == '\t' ? ' ' : *p;
	}
	dst[k] = 0;
}

/* A name for a URI libpq's library could not be loaded to read: the URI
 * up to its authority's last '@' (or the last '@' before any query; a
 * password may hold '/', '?' or '@'), its user only, and no query at all
 * (a password=... parameter may be there).  Over-cautious, never
 * showing a secret. */
static void redact(const char *uri, char *out, size_t n)
{
	const char *p = strstr(uri, "://");
	p = p ? p + 3 : uri;
	const char *at = strrchr(p, '@');
	size_t k = (size_t)snprintf(out, n, "%.*s", (int)(p - uri), uri);
	const char *rest = p;
	if (at) {
		const char *colon = memchr(p, ':', (size_t)(at - p));
		k += (size_t)snprintf(out + k, k < n ? n - k : 0, "%.*s@",
				      (int)((colon ? colon : at) - p), p);
		rest = at + 1;
	}
	snprintf(out + (k < n ? k : n - 1), k < n ? n - k : 1, "%.*s", (int)strcspn(rest, "?"),
		 rest);
}

/* Appends text to out (its length *k), %-encoding what a URI's part may
 * not hold as it is ('/' kept, for a socket's folder). */
static void uri_put(char *out, size_t n, size_t *k, const char *text, bool encode)
{
	for (const char *c = text; *c && *k + 4 < n; c++) {
		unsigned char u = (unsigned char)*c;
		bool plain = !encode || (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') ||
			     (u >= '0' && u <= '9') || strchr("-._~/", u);
		*k += (size_t)snprintf(out + *k, n - *k, plain ? "%c" : "%%%02X", u);
	}
}

/* The store's name from libpq's reading of the URI: user, host, port,
 * database and every other setting the URI made, but the password.
 * Hosts that are a socket's folder, or several, are a host=...
 * parameter, as a URI writes them. */
static void name_of(const PQconninfoOption *opt, const char *uri, char *out, size_t n)
{
	const char *user = NULL, *host = NULL, *port = NULL, *db = NULL;
	for (const PQconninfoOption *o = opt; o->keyword; o++) {
		if (!o->val)
			continue;
		if (!strcmp(o->keyword, "user"))
			user = o->val;
		else if (!strcmp(o->keyword, "host"))
			host = o->val;
		else if (!strcmp(o->keyword, "port"))
			port = o->val;
		else if (!strcmp(o->keyword, "dbname"))
			db = o->val;
	}
	bool in_query = host && (strchr(host, '/') || strchr(host, ','));
	size_t k = (size_t)snprintf(
	    out, n, "%s", strncmp(uri, "postgres://", 11) ? "postgresql://" : "postgres://");
	if (user) {
		uri_put(out, n, &k, user, true);
		uri_put(out, n, &k, "@", false);
	}
	if (host && !in_query) {
		bool v6 = strchr(host, ':') != NULL;
		uri_put(out, n, &k, v6 ? "[" : "", false);
		uri_put(out, n, &k, host, !v6);
		uri_put(out, n, &k, v6 ? "]" : "", false);
		if (port) {
			uri_put(out, n, &k, ":", false);
			uri_put(out, n, &k, port, true);
		}
	}
	uri_put(out, n, &k, "/", false);
	if (db)
		uri_put(out, n, &k, db, true);
	char sep = '?';
	for (const PQconninfoOption *o = opt; o->keyword; o++) {
		if (!o->val || !strcmp(o->keyword, "password") || !strcmp(o->keyword, "user") ||
		    !strcmp(o->keyword, "dbname") ||
		    (!in_query && (!strcmp(o->keyword, "host") || !strcmp(o->keyword, "port"))))
			continue;
		char c[2] = {sep, 0};
		uri_put(out, n, &k, c, false);
		uri_put(out, n, &k, o->keyword, true);
		uri_put(out, n, &k, "=", false);
		uri_put(out, n, &k, o->val, true);
		sep = '&';
	}
}

/* Removes every copy of secret (its first l bytes) from text (room for n
 * bytes), in place, with "***" in its stead; where that does not fit,
 * the text ends at the copy. */
static void scrub_one(char *text, size_t n, const char *secret, size_t l)
{
	if (!secret || l == 0)
		return;
	for (char *hit = text; *hit;) {
		if (strncmp(hit, secret, l) != 0 || memchr(secret, 0, l)) {
			hit++;
			continue;
		}
		size_t tail = strlen(hit + l);
		if ((size_t)(hit - text) + 3 + tail + 1 > n) {
			*hit = 0;
			return;
		}
		memmove(hit + 3, hit + l, tail + 1);
		memcpy(hit, "***", 3);
		hit += 3;
	}
}

static int hex_value(char c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
				      : -1;
}

/* s %-decoded, into out (n bytes). */
static void decode(const char *s, size_t l, char *out, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < l && k + 1 < n; i++) {
		int hi, lo;
		if (s[i] == '%' && i + 2 < l && (hi = hex_value(s[i + 1])) >= 0 &&
		    (lo = hex_value(s[i + 2])) >= 0) {
			out[k++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			out[k++] = s[i];
		}
	}
	out[k] = 0;
}

/* A message of libpq's about uri, with neither the URI nor anything that
 * may be its password in it: the password libpq read (password), the
 * URI's user-info after its ':' and every password=... parameter, each
 * as written and %-decoded, and, when quoted, any quoted piece of the
 * URI libpq repeats (a token it could not read).  Each becomes "***"
 * (text has room for n bytes; one that does not fit ends the text). */
static void scrub(char *text, size_t n, const char *uri, const char *password, bool quoted)
{
	scrub_one(text, n, uri, strlen(uri));
	scrub_one(text, n, password, password ? strlen(password) : 0);
	char dec[512];
	const char *p = strstr(uri, "://");
	p = p ? p + 3 : uri;
	const char *at = strrchr(p, '@'), *colon = at ? memchr(p, ':', (size_t)(at - p)) : NULL;
	if (colon) {
		scrub_one(text, n, colon + 1, (size_t)(at - colon - 1));
		decode(colon + 1, (size_t)(at - colon - 1), dec, sizeof(dec));
		scrub_one(text, n, dec, strlen(dec));
	}
	for (const char *a = strstr(uri, "password="); a; a = strstr(a + 1, "password=")) {
		size_t l = strcspn(a + 9, "&");
		scrub_one(text, n, a + 9, l);
		decode(a + 9, l, dec, sizeof(dec));
		scrub_one(text, n, dec, strlen(dec));
	}
	/* A quoted piece of the URI: "..." (in a message about the URI's
	 * text only: one about connecting quotes the user's name). */
	for (char *q = quoted ? strchr(text, '"') : NULL; q;) {
		char *e = strchr(q + 1, '"');
		if (!e)
			break;
		size_t l = (size_t)(e - q - 1);
		bool from_uri = false;
		for (const char *u = uri; l && *u && !from_uri; u++)
			from_uri = strncmp(u, q + 1, l) == 0;
		if (from_uri && l > 3) {
			memmove(q + 4, e, strlen(e) + 1);
			memcpy(q + 1, "***", 3);
			e = q + 4;
		}
		q = strchr(e + 1, '"');
	}
}

static void quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

static int open_pg(struct store *s, const char *where, char *err, size_t n)
{
	redact(where, s->name, sizeof(s->name));
	char why[600];
	if (load(why, sizeof(why)))
		return store_fail(s, err, n, "%s", why);
	/* The name from libpq's own reading of the URI; a URI it cannot
	 * read is not shown at all (its reason may hold the password). */
	char *perr = NULL;
	PQconninfoOption *opt = lib.PQconninfoParse(where, &perr);
	if (!opt) {
		snprintf(s->name, sizeof(s->name), "postgresql://(unparsable URI)");
		one_line(why, sizeof(why) - 64, perr ? perr : "out of memory");
		if (perr)
			lib.PQfreemem(perr);
		scrub(why, sizeof(why), where, NULL, true);
		return store_fail(s, err, n, "cannot read the URI: %s", why);
	}
	char password[256] = "";
	bool odd = false;
	for (const PQconninfoOption *o = opt; o->keyword; o++) {
		if (o->val && !strcmp(o->keyword, "password"))
			snprintf(password, sizeof(password), "%s", o->val);
		if (o->val && !strcmp(o->keyword, "port"))
			odd |= o->val[strspn(o->val, "0123456789,")] != 0;
		if (o->val && !strcmp(o->keyword, "dbname"))
			odd |= strchr(o->val, '@') != NULL;
	}
	/* "u:pa/ss@host" reads as host u, port "pa", database "ss@host":
	 * the password, were it shown. */
	if (odd) {
		lib.PQconninfoFree(opt);
		snprintf(s->name, sizeof(s->name), "postgresql://(unparsable URI)");
		return store_fail(s, err, n,
				  "cannot read the URI: its port is no number, or its database's "
				  "name holds '@' (in a password, write '/', '?' and '@' as %%2F, "
				  "%%3F and %%40)");
	}
	name_of(opt, where, s->name, sizeof(s->name));
	lib.PQconninfoFree(opt);
	/* The URI comes after the defaults, so that its own settings win
	 * (expand_dbname). */
	const char *const keys[] = {"connect_timeout", "fallback_application_name", "dbname", NULL};
	const char *const values[] = {"10", "ringbench", where, NULL};
	PGconn *c = lib.PQconnectdbParams(keys, values, 1);
	if (!c)
		return store_fail(s, err, n, "cannot connect: out of memory");
	if (lib.PQstatus(c) != CONNECTION_OK) {
		one_line(why, sizeof(why) - 64, lib.PQerrorMessage(c));
		lib.PQfinish(c);
		scrub(why, sizeof(why), where, password, false);
		return store_fail(s, err, n, "cannot connect: %s", why);
	}
	/* Notices (a table that already exists) are not for users. */
	lib.PQsetNoticeProcessor(c, quiet, NULL);
	s->impl = c;
	return 0;
}

static void close_pg(struct store *s)
{
	if (s->impl)
		lib.PQfinish(s->impl);
	s->impl = NULL;
}

/* A result's cell, sent in binary (network byte order), as text
 * (driver.h): -1 for a type no statement of store.c returns. */
static int cell_text(struct store_rows *rows, Oid type, const char *v, int len, char **out)
{
	char num[32];
	uint64_t u = 0;
	size_t l;
	for (int i = 0; i < len && i < 8; i++)
		u = u << 8 | (unsigned char)v[i];
	switch (type) {
	case OID_INT8:
	case OID_INT4:
	case OID_INT2:
		if (len != 8 && len != 4 && len != 2)
			return -1;
		/* Sign-extend a 4 or 2 byte integer. */
		l = store_int_text(len == 8   ? (int64_t)u
				   : len == 4 ? (int64_t)(int32_t)(uint32_t)u
					      : (int64_t)(int16_t)(uint16_t)u,
				   num);
		break;
	case OID_FLOAT8: {
		double d;
		if (len != 8)
			return -1;
		memcpy(&d, &u, sizeof(d));
		l = store_real_text(d, num);
		break;
	}
	case OID_BOOL:
		if (len != 1)
			return -1;
		num[0] = v[0] ? 't' : 'f';
		l = 1;
		break;
	case OID_TEXT:
	case OID_VARCHAR:
	case OID_NAME:
	case OID_VOID: *out = store_rows_text(rows, v, (size_t)len); return 0;
	default: return -1;
	}
	*out = store_rows_text(rows, num, l);
	return 0;
}

/* A parameter in binary: 8 bytes in network byte order. */
static void put_be64(char *out, uint64_t u)
{
	for (int i = 7; i >= 0; i--, u >>= 8)
		out[i] = (char)(u & 0xff);
}

static int run(struct store *s, const char *sql, const struct store_val *p, int np,
	       struct store_rows *rows, char *err, size_t n)
{
	PGconn *c = s->impl;
	s->retry = false;
	if (rows)
		*rows = (struct store_rows){0};
	Oid *types = calloc((size_t)np + 1, sizeof(*types));
	const char **values = calloc((size_t)np + 1, sizeof(*values));
	int *lengths = calloc((size_t)np + 1, sizeof(*lengths));
	int *formats = calloc((size_t)np + 1, sizeof(*formats));
	char *nums = malloc((size_t)np * 32 + 1);
	if (!types || !values || !lengths || !formats || !nums) {
		free(types);
		free(values);
		free(lengths);
		free(formats);
		free(nums);
		snprintf(err, n, "out of memory");
		return -1;
	}
	/* Numbers in binary: no text to write here, nor to read there. */
	for (int i = 0; i < np; i++) {
		char *num = nums + (size_t)i * 32;
		uint64_t u;
		switch (p[i].t) {
		case SV_NULL: break;
		case SV_TEXT:
			types[i] = OID_TEXT;
			values[i] = p[i].s;
			break;
		case SV_INT:
			/* In decimal, of no type: the server takes the column's
			 * (an int8 into an integer column would be a cast to
			 * plan, three a figures row). */
			store_int_text(p[i].i, num);
			values[i] = num;
			break;
		case SV_REAL:
			types[i] = OID_FLOAT8;
			memcpy(&u, &p[i].d, sizeof(u));
			put_be64(num, u);
			values[i] = num;
			lengths[i] = 8;
			formats[i] = 1;
			break;
		}
	}
	/* Results in binary too. */
	PGresult *res = lib.PQexecParams(c, sql, np, types, values, lengths, formats, 1);
	free(types);
	free(values);
	free(lengths);
	free(formats);
	free(nums);
	ExecStatusType st = res ? lib.PQresultStatus(res) : PGRES_FATAL_ERROR;
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		const char *state = res ? lib.PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
		const char *primary =
		    res ? lib.PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
		/* 40P01 deadlock, 40001 serialization failure: the transaction
		 * may succeed if run again. */
		s->retry = state && (!strcmp(state, "40P01") || !strcmp(state, "40001"));
		one_line(err, n, primary ? primary : lib.PQerrorMessage(c));
		if (!err[0])
			snprintf(err, n, "the server gave no reason");
		lib.PQclear(res);
		return -1;
	}
	if (rows && st == PGRES_TUPLES_OK) {
		int nr = lib.PQntuples(res), nc = lib.PQnfields(res);
		rows->cell = calloc((size_t)nr * (size_t)nc + 1, sizeof(char *));
		rows->nrows = nr;
		rows->ncols = nc;
		if (!rows->cell)
			snprintf(err, n, "out of memory");
		bool bad = !rows->cell;
		for (int r = 0; !bad && r < nr; r++)
			for (int k = 0; !bad && k < nc; k++) {
				char **cell = &rows->cell[(size_t)r * (size_t)nc + (size_t)k];
				Oid type = lib.PQftype(res, k);
				if (lib.PQgetisnull(res, r, k))
					continue;
				if (cell_text(rows, type, lib.PQgetvalue(res, r, k),
					      lib.PQgetlength(res, r, k), cell)) {
					snprintf(err, n,
						 "a result of type %u, which ringbench "
						 "does not read",
						 (unsigned)type);
					bad = true;
				} else if (!*cell) {
					snprintf(err, n, "out of memory");
					bad = true;
				}
			}
		if (bad) {
			lib.PQclear(res);
			store_rows_free(rows);
			return -1;
		}
	}
	lib.PQclear(res);
	return 0;
}

static int no_foreign_tables(struct store *s, char *err, size_t n)
{
	/* A PostgreSQL database may hold other tables: its own schema's
	 * table tells a ringbench store. */
	(void)s;
	(void)err;
	(void)n;
	return 0;
}

static int has_schema(struct store *s, char *err, size_t n)
{
	struct store_rows r;
	if (run(s, "SELECT to_regclass('ringbench_schema') IS NOT NULL", NULL, 0, &r, err, n))
		return -1;
	int yes = r.nrows && store_cell(&r, 0, 0) && store_cell(&r, 0, 0)[0] == 't';
	store_rows_free(&r);
	return yes;
}

const struct store_driver store_pg_driver = {
    .open = open_pg,
    .close = close_pg,
    .run = run,
    .begin_write = "BEGIN",
    .begin_read = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
    .ddl = {"BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY", "BIGINT", "DOUBLE PRECISION",
	    "TEXT COLLATE \"C\"", "", "INTEGER"},
    .foreign_tables = no_foreign_tables,
    .has_schema = has_schema,
    /* Writers that open a new store at once: one creates the tables, the
     * others wait and find them (CREATE TABLE IF NOT EXISTS alone races
     * in PostgreSQL). */
    .migration_lock = "SELECT pg_advisory_xact_lock(7526746267437770101)",
    .machine_lock = "SELECT id FROM machines WHERE id = $1 FOR UPDATE",
};
