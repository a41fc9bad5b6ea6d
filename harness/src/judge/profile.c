/* profile.c: where an instruction count moved (profile.h).
 *
 * Callgrind writes, for each function, the instructions that ran at each
 * source line; code inlined into a function is written under it with the
 * inlined file (fi=, fe=), so the ring's `static inline` fast path shows
 * up inside gb_op_publish at the lines of ring.h.  Two builds' files are
 * compared per operation, normalised by the operations run.
 *
 * Lines are matched between the builds by their text, never their number:
 * a line added above moves every line below it.  A line's key is its
 * function, its file, the source function it lies in, its text, and which
 * occurrence of that text in that source function it is.  The source
 * function is found by reading the text back to the function's opening
 * brace, which this tree's kernel style puts alone in column 0, rather
 * than by addr2line -f -i on instruction addresses (--dump-instr=yes
 * writes them relative to the object, so they would do): the text is
 * read anyway to match lines, and this needs neither the per-instruction
 * output nor binutils, and names the function of the very text matched,
 * even where that text comes from git rather than the tree built. */
#include "judge/profile.h"

#include "judge/writeup.h"
#include "measure/instr.h"
#include "measure/proc.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define WHAT                                                                                       \
	"callgrind's self instructions per operation, by function (inlined code counts in the "    \
	"function it is inlined into) and by source line (matched between the builds by its "      \
	"text); operations whose count moved by 1% or 0.5 instructions"

/* ---- running a program ---- */

/* Run argv, its stdout into a malloc'd, NUL-terminated buffer (its length
 * in *len), stderr to /dev/null.  NULL when it cannot run or exits non-zero. */
static char *capture_all(char *const argv[], size_t *len)
{
	int status;
	char *out = proc_capture(argv, len, &status);
	if (status != 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* ---- the callgrind file ---- */

/* Names by compression id, one table per kind: files, functions. */
struct names {
	const char **by_id;
	size_t n;
};

struct parse {
	struct profile_data *d;
	struct names files, fns;
	const char *fl, *file, *fn; /* the function's file, the current file, the function */
	int npos, line_col, ir_col;
	long long last[4]; /* the last cost line's positions */
	bool skip;	   /* the next line is a call's cost or a jump's position */
	bool events;	   /* an events: line was read */
	bool has_totals;
	unsigned long long totals;
	const char *why; /* why the last line read is refused, where its format does not say */
};

static const char *intern(struct profile_data *d, const char *s)
{
	if (d->npool % 64 == 0) {
		char **np = realloc(d->pool, (d->npool + 64) * sizeof(*np));
		if (!np)
			return NULL;
		d->pool = np;
	}
	char *c = strdup(s);
	if (c)
		d->pool[d->npool++] = c;
	return c;
}

/* A name as written: "(id) name" defines id, "(id)" refers to it, "name"
 * has none.  NULL for an id never defined, or out of memory. */
static const char *name_of(struct parse *p, struct names *t, const char *v)
{
	if (*v != '(')
		return intern(p->d, v);
	char *end;
	unsigned long id = strtoul(v + 1, &end, 10);
	if (*end != ')' || id > (1UL << 22)) /* no file names more; a bound on memory */
		return NULL;
	for (end++; *end == ' ';)
		end++;
	if (!*end)
		return id < t->n ? t->by_id[id] : NULL;
	if (id >= t->n) {
		const char **nb = realloc(t->by_id, (id + 1) * sizeof(*nb));
		if (!nb)
			return NULL;
		memset(nb + t->n, 0, (id + 1 - t->n) * sizeof(*nb));
		t->by_id = nb;
		t->n = id + 1;
	}
	return t->by_id[id] = intern(p->d, end);
}

static int add_cost(struct profile_data *d, const char *fn, const char *file, long line,
		    unsigned long long ir)
{
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 256;
		struct profile_cost *nv = realloc(d->v, cap * sizeof(*nv));
		if (!nv)
			return -1;
		d->v = nv;
		d->cap = cap;
	}
	d->v[d->n++] = (struct profile_cost){.fn = fn, .file = file, .line = line, .ir = ir};
	d->total += ir;
	return 0;
}

/* A number as callgrind writes it: decimal, or hex after "0x".  0, or
 * -EINVAL when s holds none, -ERANGE when it does not fit in 64 bits. */
static int read_number(const char *s, char **end, unsigned long long *v)
{
	bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	/* strtoull would take a sign or spaces, and wrap "-1" to the largest
	 * count: only digits are a number here. */
	if (!(hex ? isxdigit((unsigned char)s[2]) : isdigit((unsigned char)s[0])))
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, end, hex ? 16 : 10);
	return errno == ERANGE ? -ERANGE : 0;
}

/* A position: absolute, "+N" or "-N" from last, "*" the same as last.
 * 0, or -1 for no position or one outside a long long (p->why says so). */
static int read_position(struct parse *p, char *s, char **end, long long last, long long *pos)
{
	if (*s == '*') {
		*pos = last;
		*end = s + 1;
		return 0;
	}
	char sign = *s == '+' || *s == '-' ? *s : 0;
	unsigned long long u;
	int rc = read_number(s + (sign != 0), end, &u);
	if (rc == -EINVAL)
		return -1;
	/* Checked before the sum, which would overflow: callgrind's
	 * positions are addresses and lines, far inside the range, so a file
	 * whose positions leave it is no callgrind output. */
	if (rc == -ERANGE || u > LLONG_MAX || (sign == '+' && last > LLONG_MAX - (long long)u) ||
	    (sign == '-' && last < LLONG_MIN + (long long)u)) {
		p->why = "a position outside the range of 64-bit numbers";
		return -1;
	}
	*pos = sign == '+' ? last + (long long)u : sign == '-' ? last - (long long)u : (long long)u;
	return 0;
}

/* A cost line: the positions (absolute, "+N" or "-N" from the last cost
 * line's, "*" the same), then the events' counts, missing ones 0.  A
 * call's cost (the line after calls=) is inclusive of the callee, and
 * neither it nor a jump's line moves the last positions: callgrind's
 * writer keeps them as they were. */
static int cost_line(struct parse *p, char *s)
{
	long long pos[4];
	for (int k = 0; k < p->npos; k++) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (read_position(p, s, &s, p->last[k], &pos[k]))
			return -1;
	}
	unsigned long long ir = 0;
	for (int k = 0; k <= p->ir_col; k++) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		unsigned long long v;
		int rc = read_number(s, &s, &v);
		if (rc == -ERANGE)
			p->why = "a count above 18446744073709551615";
		if (rc)
			return -1;
		if (k == p->ir_col)
			ir = v;
	}
	if (p->skip) {
		p->skip = false;
		return 0;
	}
	memcpy(p->last, pos, sizeof(pos));
	if (!p->fn)
		return -1;
	/* A sum that wraps could be made to match the totals: line. */
	if (ir > ULLONG_MAX - p->d->total) {
		p->why = "the costs add up to more than 18446744073709551615";
		return -1;
	}
	long line = p->line_col >= 0 ? (long)pos[p->line_col] : 0;
	return ir ? add_cost(p->d, p->fn, p->file, line, ir) : 0;
}

/* A header line ("events: Ir", "positions: instr line", "totals: N"). */
static int header_line(struct parse *p, const char *key, char *v)
{
	char *save = NULL, *w;
	int k = 0;
	if (strcmp(key, "positions") == 0) {
		p->line_col = -1;
		for (w = strtok_r(v, " \t", &save); w; w = strtok_r(NULL, " \t", &save), k++) {
			if (k == 4)
				return -1;
			if (strcmp(w, "line") == 0)
				p->line_col = k;
		}
		p->npos = k;
		memset(p->last, 0, sizeof(p->last));
	} else if (strcmp(key, "events") == 0) {
		p->events = true;
		p->ir_col = -1;
		for (w = strtok_r(v, " \t", &save); w; w = strtok_r(NULL, " \t", &save), k++)
			if (strcmp(w, "Ir") == 0)
				p->ir_col = k;
		return p->ir_col < 0 ? -1 : 0;
	} else if (strcmp(key, "totals") == 0) {
		p->has_totals = true;
		for (w = strtok_r(v, " \t", &save); w && k < p->ir_col;
		     w = strtok_r(NULL, " \t", &save))
			k++;
		char *end = NULL;
		p->totals = 0;
		if (w && (read_number(w, &end, &p->totals) || *end)) {
			p->why = "a totals: line without a count of at most 18446744073709551615";
			return -1;
		}
	}
	return 0;
}

/* A position line ("fl=", "fi=", "fn=", "cfn=", "calls="...). */
static int spec_line(struct parse *p, const char *key, const char *v)
{
	const char *name = NULL;
	bool file = !strcmp(key, "fl") || !strcmp(key, "fi") || !strcmp(key, "fe") ||
		    !strcmp(key, "cfi") || !strcmp(key, "cfl") || !strcmp(key, "jfi");
	bool fn = !strcmp(key, "fn") || !strcmp(key, "cfn") || !strcmp(key, "jfn");
	if (file || fn) {
		name = name_of(p, file ? &p->files : &p->fns, v);
		if (!name)
			return -1;
	}
	if (!strcmp(key, "fl")) {
		p->fl = p->file = name;
	} else if (!strcmp(key, "fi") || !strcmp(key, "fe")) {
		p->file = name;
	} else if (!strcmp(key, "fn")) {
		/* A function's costs start in its own file: the writer says fe=
		 * before it leaves another function in an inlined one. */
		p->fn = name;
		p->file = p->fl;
	} else if (!strcmp(key, "calls") || !strcmp(key, "jump") || !strcmp(key, "jcnd")) {
		p->skip = true;
	}
	return 0;
}

static int parse_line(struct parse *p, char *s)
{
	s[strcspn(s, "\r\n")] = 0;
	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s || *s == '#')
		return 0;
	if (isdigit((unsigned char)*s) || *s == '+' || *s == '-' || *s == '*')
		return p->events ? cost_line(p, s) : -1;
	size_t k = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_");
	if (k == 0)
		return -1;
	char key[32];
	snprintf(key, sizeof(key), "%.*s", (int)k, s);
	if (s[k] == '=')
		return spec_line(p, key, s + k + 1);
	if (s[k] == ':')
		return header_line(p, key, s + k + 1 + strspn(s + k + 1, " \t"));
	return -1;
}

static int cost_cmp(const void *x, const void *y)
{
	const struct profile_cost *a = x, *b = y;
	int c = strcmp(a->fn, b->fn);
	if (!c)
		c = strcmp(a->file, b->file);
	return c ? c : (a->line > b->line) - (a->line < b->line);
}

/* One cost per function, file and line. */
static void merge_costs(struct profile_data *d)
{
	if (!d->n)
		return;
	qsort(d->v, d->n, sizeof(*d->v), cost_cmp);
	size_t w = 0;
	for (size_t i = 1; i < d->n; i++) {
		if (cost_cmp(&d->v[w], &d->v[i]) == 0)
			d->v[w].ir += d->v[i].ir;
		else
			d->v[++w] = d->v[i];
	}
	d->n = w + 1;
}

int profile_parse(FILE *f, const char *name, struct profile_data *d, char *err, size_t n)
{
	memset(d, 0, sizeof(*d));
	struct parse p = {.d = d, .npos = 1, .line_col = 0, .fl = "???", .file = "???"};
	char *line = NULL;
	size_t cap = 0;
	long no = 0;
	int rc = 0;
	while (rc == 0 && getline(&line, &cap, f) >= 0) {
		no++;
		rc = parse_line(&p, line);
	}
	free(line);
	free(p.files.by_id);
	free(p.fns.by_id);
	if (rc && p.why) {
		snprintf(err, n, "%s: line %ld: %s", name, no, p.why);
	} else if (rc) {
		snprintf(err, n, "%s: line %ld is not callgrind's format%s", name, no,
			 p.events ? "" : " (no events: line before it)");
	} else if (!p.events) {
		snprintf(err, n, "%s: not a callgrind output file (no events: line)", name);
		rc = -1;
	} else if (p.has_totals && p.totals != d->total) {
		/* Self costs add up to the total: a call's inclusive cost
		 * counted as the caller's own would not. */
		snprintf(err, n, "%s: the costs add up to %llu, its totals: line says %llu", name,
			 d->total, p.totals);
		rc = -1;
	}
	if (rc) {
		profile_data_free(d);
		return -1;
	}
	merge_costs(d);
	return 0;
}

int profile_load(const char *path, struct profile_data *d, char *err, size_t n)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		memset(d, 0, sizeof(*d));
		snprintf(err, n, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	int rc = profile_parse(f, path, d, err, n);
	fclose(f);
	return rc;
}

void profile_data_free(struct profile_data *d)
{
	for (size_t i = 0; i < d->npool; i++)
		free(d->pool[i]);
	free(d->pool);
	free(d->v);
	memset(d, 0, sizeof(*d));
}

/* ---- the source text ---- */

/* Where in the text a function's name is: the last identifier before a
 * parenthesis at depth 0 of its declaration (so the return type's macro,
 * RING_ATOMIC(uint32_t), and __attribute__((noinline)) are passed over). */
static void name_in(const char *head, char *name, size_t n)
{
	const char *best = NULL;
	size_t bl = 0;
	int depth = 0;
	for (const char *c = head; *c; c++) {
		if (*c == ')' && depth > 0)
			depth--;
		if (*c != '(')
			continue;
		const char *e = c, *b;
		while (e > head && e[-1] == ' ')
			e--;
		for (b = e; b > head && (isalnum((unsigned char)b[-1]) || b[-1] == '_');)
			b--;
		if (depth++ == 0 && e > b && !isdigit((unsigned char)*b) &&
		    !(e - b == 13 && strncmp(b, "__attribute__", 13) == 0)) {
			best = b;
			bl = (size_t)(e - b);
		}
	}
	if (best)
		snprintf(name, n, "%.*s", (int)bl, best);
}

static bool comment_line(const char *u)
{
	return strncmp(u, "/*", 2) == 0 || strncmp(u, "//", 2) == 0 || *u == '*';
}

/* The declaration above a function's opening brace (at line brace): its
 * lines up to a blank line, a preprocessor line or one that ends a
 * statement, comments left out. */
static void function_name(char *const *lines, int brace, char *name, size_t n)
{
	const char *part[6];
	int np = 0;
	for (int i = brace - 1; i >= 1 && np < 6; i--) {
		const char *t = lines[i - 1], *u = t + strspn(t, " \t");
		size_t l = strlen(u);
		while (l && isspace((unsigned char)u[l - 1]))
			l--;
		if (!l || *t == '#' || u[l - 1] == ';' || u[l - 1] == '}')
			break;
		if (!comment_line(u))
			part[np++] = u;
	}
	char head[1200] = "";
	for (int k = np - 1; k >= 0; k--)
		snprintf(head + strlen(head), sizeof(head) - strlen(head), "%s ", part[k]);
	name_in(head, name, n);
}

int profile_enclosing(char *const *lines, int nlines, int line, char *name, size_t n)
{
	if (n)
		name[0] = 0;
	if (line < 1 || line > nlines)
		return 0;
	for (int i = line; i >= 1; i--) {
		const char *t = lines[i - 1];
		if (t[0] == '{' && (!t[1] || isspace((unsigned char)t[1]))) {
			function_name(lines, i, name, n);
			return i;
		}
		if (t[0] == '}' && i != line)
			return 0;
	}
	return 0;
}

struct src_file {
	char *path; /* as the profile names it */
	char *buf;
	char **lines;
	int n; /* lines; 0: no text */
};

/* One side's source text, file by file. */
struct src {
	const struct profile_side *side;
	char root[1100]; /* its source tree, "" when unknown */
	char repo[1100];
	bool by_rev; /* read with git show REV:PATH */
	struct src_file *f;
	size_t n;
	bool any_lines;		       /* a cost had a line: the build has debug information */
	char missing[300], stale[300]; /* a file without text, one changed after the build */
};

static bool rev_clean(const char *rev)
{
	size_t l = rev ? strlen(rev) : 0;
	return l && strcmp(rev, "unknown") != 0 && !(l > 6 && strcmp(rev + l - 6, "-dirty") == 0) &&
	       !strpbrk(rev, " :");
}

static void src_init(struct src *s, const struct profile_side *side)
{
	memset(s, 0, sizeof(*s));
	s->side = side;
	char type[64];
	if (side->src)
		snprintf(s->root, sizeof(s->root), "%s", side->src);
	else if (!side->tool ||
		 instr_build_info(side->tool, s->root, sizeof(s->root), type, sizeof(type)))
		s->root[0] = 0;
	snprintf(s->repo, sizeof(s->repo), "%s", side->repo ? side->repo : s->root);
	s->by_rev = rev_clean(side->rev) && s->repo[0];
}

static void src_free(struct src *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->f[i].path);
		free(s->f[i].buf);
		free(s->f[i].lines);
	}
	free(s->f);
}

/* A path as the debug info names it, relative to the source tree where it
 * lies in it.  Builds that map the source folder out
 * (-ffile-prefix-map=SRC=.) name a file "./PATH", which callgrind joins to
 * the compilation folder: "DIR/./PATH". */
static char *norm_path(const char *raw, const char *root)
{
	const char *p = raw, *dot;
	while ((dot = strstr(p, "/./")))
		p = dot + 3;
	if (p != raw)
		return strdup(p);
	if (strncmp(raw, "./", 2) == 0)
		return strdup(raw + 2);
	size_t rl = strlen(root);
	if (rl && strncmp(raw, root, rl) == 0 && raw[rl] == '/')
		return strdup(raw + rl + 1);
	return strdup(raw);
}

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t n = 0, cap = 65536;
	char *buf = malloc(cap);
	while (buf) {
		n += fread(buf + n, 1, cap - n - 1, f);
		if (n + 1 < cap)
			break;
		char *nb = realloc(buf, cap *= 2);
		if (!nb)
			free(buf);
		buf = nb;
	}
	bool bad = ferror(f);
	fclose(f);
	if (!buf || bad) {
		free(buf);
		return NULL;
	}
	buf[n] = 0;
	*len = n;
	return buf;
}

/* The text of path as the side was built from it: the commit's, through
 * git, or the tree's (and whether it changed after the build). */
static char *src_text(struct src *s, const char *path, size_t *len, bool *stale)
{
	char full[2400];
	*stale = false;
	if (path[0] != '/' && s->by_rev) {
		snprintf(full, sizeof(full), "%s:%s", s->side->rev, path);
		char *argv[] = {"git", "-C", s->repo, "show", full, NULL};
		return capture_all(argv, len);
	}
	if (path[0] != '/' && !s->root[0])
		return NULL;
	snprintf(full, sizeof(full), "%s%s%s", path[0] == '/' ? "" : s->root,
		 path[0] == '/' ? "" : "/", path);
	struct stat st, tool;
	*stale = s->side->tool && stat(full, &st) == 0 && stat(s->side->tool, &tool) == 0 &&
		 st.st_mtime > tool.st_mtime;
	return read_all(full, len);
}

static struct src_file *src_get(struct src *s, const char *path)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->f[i].path, path) == 0)
			return &s->f[i];
	struct src_file *nf = realloc(s->f, (s->n + 1) * sizeof(*nf));
	if (!nf)
		return NULL;
	s->f = nf;
	struct src_file *f = &s->f[s->n];
	memset(f, 0, sizeof(*f));
	if (!(f->path = strdup(path)))
		return NULL;
	s->n++;
	size_t len = 0;
	bool stale;
	f->buf = src_text(s, path, &len, &stale);
	int lines = 1;
	for (size_t i = 0; f->buf && i < len; i++)
		lines += f->buf[i] == '\n';
	if (f->buf && (f->lines = malloc((size_t)lines * sizeof(char *)))) {
		char *save = f->buf;
		for (char *nl; (nl = strchr(save, '\n')); save = nl + 1) {
			*nl = 0;
			f->lines[f->n++] = save;
		}
		if (*save)
			f->lines[f->n++] = save;
	}
	if (f->n && stale && !s->stale[0])
		snprintf(s->stale, sizeof(s->stale), "%s", path);
	return f;
}

/* ---- one operation's two builds compared ---- */

/* A source line's instructions per operation in each build, under its key. */
struct row {
	char *key;
	const char *fn;
	char *file;
	long line[2]; /* its number in each build, 0 where it did not run */
	char *func;   /* the source function it lies in, "" when unknown */
	char *text;   /* its text, trimmed; NULL without */
	double v[2];
};

struct rows {
	struct row *r;
	size_t n;
};

/* Whether a file's lines are matched by text: where both builds ran code
 * from it, both texts must be at hand, or neither build's key could meet
 * the other's.  A text missing on one side only is noted: its lines that
 * merely moved will show as changed. */
static bool by_text(struct src s[2], const struct profile_data d[2], char **norm[2],
		    const char *file)
{
	bool ran[2] = {false, false}, text[2] = {false, false};
	for (int k = 0; k < 2; k++) {
		for (size_t i = 0; i < d[k].n && !ran[k]; i++)
			ran[k] = strcmp(norm[k][i], file) == 0;
		struct src_file *f = ran[k] ? src_get(&s[k], file) : NULL;
		text[k] = f && f->n;
	}
	for (int k = 0; k < 2; k++)
		if (ran[k] && !text[k] && text[!k] && !s[k].missing[0])
			snprintf(s[k].missing, sizeof(s[k].missing), "%s", file);
	return (text[0] || text[1]) && (!ran[0] || text[0]) && (!ran[1] || text[1]);
}

static bool same_text(const char *line, const char *t, size_t tl)
{
	line += strspn(line, " \t");
	if (strncmp(line, t, tl) != 0)
		return false;
	return line[tl + strspn(line + tl, " \t\r")] == 0;
}

static char *trimmed(const char *s)
{
	s += strspn(s, " \t");
	size_t l = strlen(s);
	while (l && isspace((unsigned char)s[l - 1]))
		l--;
	return strndup(s, l);
}

static void row_free(struct row *r)
{
	free(r->key);
	free(r->file);
	free(r->func);
	free(r->text);
}

/* The row of one cost of side k: keyed by its text where it can be. */
static int add_row(struct rows *rs, struct src *s, const struct profile_cost *c, const char *file,
		   bool text, int k, double ops)
{
	struct row r = {.fn = c->fn};
	r.line[k] = c->line;
	r.v[k] = (double)c->ir / ops;
	struct src_file *f = text ? src_get(s, file) : NULL;
	char func[160] = "", key[3000];
	if (f && c->line >= 1 && c->line <= f->n) {
		int start = profile_enclosing(f->lines, f->n, (int)c->line, func, sizeof(func));
		if (!(r.text = trimmed(f->lines[c->line - 1])))
			return -1;
		int occ = 0;
		for (int i = start > 0 ? start : 1; i < c->line; i++)
			occ += same_text(f->lines[i - 1], r.text, strlen(r.text));
		snprintf(key, sizeof(key), "%s\037%s\037%s\037%d\037%s", c->fn, file, func, occ,
			 r.text);
	} else {
		snprintf(key, sizeof(key), "%s\037%s\037#%ld", c->fn, file, c->line);
	}
	r.key = strdup(key);
	r.func = strdup(func);
	r.file = strdup(file);
	struct row *nr =
	    r.key && r.func && r.file ? realloc(rs->r, (rs->n + 1) * sizeof(*nr)) : NULL;
	if (!nr) {
		row_free(&r);
		return -1;
	}
	rs->r = nr;
	rs->r[rs->n++] = r;
	return 0;
}

static int row_cmp(const void *x, const void *y)
{
	return strcmp(((const struct row *)x)->key, ((const struct row *)y)->key);
}

/* One row per key: the two builds' rows of one line met. */
static void merge_rows(struct rows *rs)
{
	if (!rs->n)
		return;
	qsort(rs->r, rs->n, sizeof(*rs->r), row_cmp);
	size_t w = 0;
	for (size_t i = 1; i < rs->n; i++) {
		struct row *a = &rs->r[w], *b = &rs->r[i];
		if (strcmp(a->key, b->key) != 0) {
			rs->r[++w] = *b;
			continue;
		}
		for (int k = 0; k < 2; k++) {
			a->v[k] += b->v[k];
			if (!a->line[k])
				a->line[k] = b->line[k];
		}
		row_free(b);
	}
	rs->n = w + 1;
}

static void rows_free(struct rows *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		row_free(&rs->r[i]);
	free(rs->r);
	rs->n = 0;
	rs->r = NULL;
}

/* Both builds' costs of one case as rows, merged by key. */
static int case_rows(struct rows *rs, struct src s[2], const struct profile_data d[2], double ops)
{
	char **norm[2] = {NULL, NULL};
	int rc = 0;
	for (int k = 0; k < 2 && rc == 0; k++) {
		norm[k] = calloc(d[k].n + 1, sizeof(char *));
		for (size_t i = 0; norm[k] && i < d[k].n; i++)
			if (!(norm[k][i] = norm_path(d[k].v[i].file, s[k].root)))
				rc = -1;
		if (!norm[k])
			rc = -1;
	}
	for (int k = 0; k < 2 && rc == 0; k++)
		for (size_t i = 0; i < d[k].n && rc == 0; i++) {
			if (d[k].v[i].line > 0)
				s[k].any_lines = true;
			bool text = by_text(s, d, norm, norm[k][i]);
			rc = add_row(rs, &s[k], &d[k].v[i], norm[k][i], text, k, ops);
		}
	for (int k = 0; k < 2; k++) {
		for (size_t i = 0; norm[k] && i < d[k].n; i++)
			free(norm[k][i]);
		free(norm[k]);
	}
	if (rc == 0)
		merge_rows(rs);
	return rc;
}

/* ---- what is shown ---- */

/* A change a verdict on counts calls a change: 1% (instr.h), or
 * PROFILE_MIN_CHANGE instructions. */
static bool moved(double a, double b)
{
	return fabs(b - a) >= PROFILE_MIN_CHANGE || fabs(b - a) >= 0.01 * a;
}

static double row_change(const struct row *r)
{
	return r->v[1] - r->v[0];
}

/* Largest change first, then by key: the same files give the same table. */
static int pick_cmp(const void *x, const void *y)
{
	const struct row *a = *(const struct row *const *)x, *b = *(const struct row *const *)y;
	double da = fabs(row_change(a)), db = fabs(row_change(b));
	if (da != db)
		return da < db ? 1 : -1;
	return strcmp(a->key, b->key);
}

struct fnsum {
	const char *fn;
	double v[2];
	bool shown;
};

static int fnsum_cmp(const void *x, const void *y)
{
	const struct fnsum *a = x, *b = y;
	double da = fabs(a->v[1] - a->v[0]), db = fabs(b->v[1] - b->v[0]);
	if (da != db)
		return da < db ? 1 : -1;
	return strcmp(a->fn, b->fn);
}

/* Each function's instructions: the sum of its rows. */
static struct fnsum *fn_sums(const struct rows *rs, size_t *n)
{
	struct fnsum *fs = calloc(rs->n + 1, sizeof(*fs));
	*n = 0;
	for (size_t i = 0; fs && i < rs->n; i++) {
		size_t j = 0;
		while (j < *n && strcmp(fs[j].fn, rs->r[i].fn) != 0)
			j++;
		if (j == *n)
			fs[(*n)++].fn = rs->r[i].fn;
		fs[j].v[0] += rs->r[i].v[0];
		fs[j].v[1] += rs->r[i].v[1];
	}
	return fs;
}

static json_t *line_json(const struct row *r)
{
	return json_pack("{s:s, s:I, s:I, s:s, s:s?, s:f, s:f, s:f}", "file", r->file, "line_a",
			 (json_int_t)r->line[0], "line_b", (json_int_t)r->line[1],
			 "source_function", r->func, "text", r->text, "a", r->v[0], "b", r->v[1],
			 "change", row_change(r));
}

/* The functions of fs that are shown, each with its picked lines. */
static json_t *functions_json(struct fnsum *fs, size_t nf, const struct row **pick, size_t np)
{
	json_t *funcs = json_array();
	size_t shown = 0;
	for (size_t i = 0; funcs && i < nf && shown < PROFILE_MAX_ROWS; i++) {
		if (!fs[i].shown)
			continue;
		shown++;
		json_t *lines = json_array();
		for (size_t j = 0; lines && j < np; j++)
			if (strcmp(pick[j]->fn, fs[i].fn) == 0)
				json_array_append_new(lines, line_json(pick[j]));
		json_t *o =
		    json_pack("{s:s, s:f, s:f, s:f, s:o}", "function", fs[i].fn, "a", fs[i].v[0],
			      "b", fs[i].v[1], "change", fs[i].v[1] - fs[i].v[0], "lines", lines);
		if (!o || json_array_append_new(funcs, o)) {
			json_decref(funcs);
			return NULL;
		}
	}
	return funcs;
}

/* One operation: the lines that moved by the threshold (the largest
 * first), and the functions that did or hold such a line. */
static json_t *case_json(const char *name, double a, double b, const struct rows *rs)
{
	double d = b - a;
	double thr = d != 0 && fabs(d) / 2 < PROFILE_MIN_CHANGE ? fabs(d) / 2 : PROFILE_MIN_CHANGE;
	thr *= 1 - 1e-9;
	const struct row **pick = calloc(rs->n + 1, sizeof(*pick));
	size_t np = 0, nf = 0;
	for (size_t i = 0; pick && i < rs->n; i++)
		if (fabs(row_change(&rs->r[i])) >= thr && (rs->r[i].line[0] || rs->r[i].line[1]))
			pick[np++] = &rs->r[i];
	if (pick)
		qsort(pick, np, sizeof(*pick), pick_cmp);
	if (np > PROFILE_MAX_ROWS)
		np = PROFILE_MAX_ROWS;
	struct fnsum *fs = fn_sums(rs, &nf);
	for (size_t i = 0; fs && i < nf; i++) {
		fs[i].shown = fabs(fs[i].v[1] - fs[i].v[0]) >= thr;
		for (size_t j = 0; j < np; j++)
			fs[i].shown |= strcmp(pick[j]->fn, fs[i].fn) == 0;
	}
	json_t *op = NULL;
	if (pick && fs) {
		qsort(fs, nf, sizeof(*fs), fnsum_cmp);
		json_t *funcs = functions_json(fs, nf, pick, np);
		op = funcs ? json_pack("{s:s, s:f, s:f, s:f, s:o}", "operation", name, "a", a, "b",
				       b, "change", d, "functions", funcs)
			   : NULL;
	}
	free(pick);
	free(fs);
	return op;
}

/* ---- the profile ---- */

/* One operation of both builds, from its two callgrind files: its entry
 * appended to arr when its count moved.  0, or -1 with err. */
static int compare_one(struct src src[2], const char *name, const char *const path[2], double ops,
		       json_t *arr, int *profiled, char *err, size_t n)
{
	struct profile_data d[2] = {{0}};
	int rc = 0;
	for (int k = 0; k < 2 && rc == 0; k++)
		rc = profile_load(path[k], &d[k], err, n);
	double a = (double)d[0].total / ops, b = (double)d[1].total / ops;
	if (rc == 0 && moved(a, b)) {
		struct rows rs = {0};
		json_t *op = case_rows(&rs, src, d, ops) == 0 ? case_json(name, a, b, &rs) : NULL;
		if (!op || json_array_append_new(arr, op)) {
			snprintf(err, n, "out of memory");
			rc = -1;
		}
		rows_free(&rs);
		++*profiled;
	}
	profile_data_free(&d[0]);
	profile_data_free(&d[1]);
	return rc;
}

/* What a reader must know to trust the lines: a build without debug
 * information, text that could not be found or changed after the build. */
static json_t *notes_json(const struct src src[2], int profiled)
{
	json_t *notes = json_array();
	char note[1800];
	for (int k = 0; notes && profiled && k < 2; k++) {
		const struct src *s = &src[k];
		const char *who = k ? "B" : "A";
		if (!s->any_lines) {
			snprintf(note, sizeof(note),
				 "%s: no source lines: its ring_gbench has no debug information "
				 "(build it with -g)",
				 who);
			json_array_append_new(notes, json_string(note));
		}
		if (s->missing[0]) {
			if (s->by_rev)
				snprintf(note, sizeof(note), "git show %s:%s in %s", s->side->rev,
					 s->missing, s->repo);
			else
				snprintf(note, sizeof(note), "%s%s", s->root[0] ? "not in " : "",
					 s->root[0] ? s->root : "its source tree is not known");
			char line[2000];
			snprintf(line, sizeof(line),
				 "%s: no text of %s (%s): its lines are matched by number", who,
				 s->missing, note);
			json_array_append_new(notes, json_string(line));
		}
		if (s->stale[0]) {
			snprintf(
			    note, sizeof(note),
			    "%s: %s changed after the build: its text may not be what was built",
			    who, s->stale);
			json_array_append_new(notes, json_string(note));
		}
	}
	return notes;
}

/* The profile of the operations compared into arr (rc 0), or NULL. */
static json_t *profile_doc(struct src src[2], const struct profile_side s[2], json_t *arr,
			   int profiled, int rc, char *err, size_t n)
{
	json_t *p = NULL;
	if (!arr)
		snprintf(err, n, "out of memory");
	if (rc == 0)
		p = json_pack("{s:s, s:s, s:s, s:f, s:o, s:O}", "what", WHAT, "a",
			      s[0].label ? s[0].label : "A", "b", s[1].label ? s[1].label : "B",
			      "min_change", PROFILE_MIN_CHANGE, "notes", notes_json(src, profiled),
			      "operations", arr);
	if (rc == 0 && !p)
		snprintf(err, n, "out of memory");
	json_decref(arr);
	src_free(&src[0]);
	src_free(&src[1]);
	return p;
}

json_t *profile_compare(const struct profile_side s[2], char *err, size_t n)
{
	struct src src[2];
	src_init(&src[0], &s[0]);
	src_init(&src[1], &s[1]);
	json_t *arr = json_array();
	int rc = arr ? 0 : -1, profiled = 0;
	struct instr_case c;
	for (size_t i = 0; rc == 0 && instr_case_at(i, &c) == 0; i++) {
		char path[2][1300], name[96];
		const char *const paths[2] = {path[0], path[1]};
		for (int k = 0; k < 2; k++)
			instr_kept_file(s[k].calls, &c, path[k], sizeof(path[k]));
		snprintf(name, sizeof(name), "%s/size:%d", c.op, c.size);
		rc = compare_one(src, name, paths, (double)INSTR_ITERATIONS * c.per, arr, &profiled,
				 err, n);
	}
	return profile_doc(src, s, arr, profiled, rc, err, n);
}

json_t *profile_compare_files(const char *name, const char *const path[2], double ops,
			      const struct profile_side s[2], char *err, size_t n)
{
	struct src src[2];
	src_init(&src[0], &s[0]);
	src_init(&src[1], &s[1]);
	json_t *arr = json_array();
	int profiled = 0;
	int rc = arr ? compare_one(src, name, path, ops, arr, &profiled, err, n) : -1;
	return profile_doc(src, s, arr, profiled, rc, err, n);
}

json_t *profile_measure(const struct profile_side s[2], char *err, size_t n)
{
	char tmp[] = "/tmp/ringbench-profile.XXXXXX", dir[2][64];
	if (!mkdtemp(tmp)) {
		snprintf(err, n, "cannot make a temporary folder: %s", strerror(errno));
		return NULL;
	}
	struct profile_side side[2] = {s[0], s[1]};
	int k;
	for (k = 0; k < 2; k++) {
		snprintf(dir[k], sizeof(dir[k]), "%s/%c", tmp, 'A' + k);
		if (mkdir(dir[k], 0700)) {
			snprintf(err, n, "cannot make %s: %s", dir[k], strerror(errno));
			break;
		}
		json_t *doc = instr_measure_keep(s[k].tool, NULL, dir[k], err, n);
		if (!doc)
			break;
		json_decref(doc);
		side[k].calls = dir[k];
	}
	json_t *p = k == 2 ? profile_compare(side, err, n) : NULL;
	size_t len;
	char *rm[] = {"rm", "-rf", tmp, NULL};
	free(capture_all(rm, &len));
	return p;
}

bool profile_wanted(const struct sample_set *a, const struct sample_set *b)
{
	for (int i = 0; i < b->ncases; i++) {
		const struct sample_case *cb = &b->cases[i], *ca = sample_find(a, cb->name);
		if (ca && ca->n && cb->n && ca->has[FIG_INSTR] && cb->has[FIG_INSTR] &&
		    moved(ca->v[FIG_INSTR][0], cb->v[FIG_INSTR][0]))
			return true;
	}
	return false;
}

/* ---- tables ---- */

static const char *jstr(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

static double jnum(const json_t *o, const char *k)
{
	return json_number_value(json_object_get(o, k));
}

/* A line's place: FILE:LINE in B (in A when it ran only there), its number
 * in A when that differs, and the source function it lies in. */
static void line_place(const json_t *l, char *out, size_t n)
{
	long la = (long)json_integer_value(json_object_get(l, "line_a"));
	long lb = (long)json_integer_value(json_object_get(l, "line_b"));
	const char *fn = jstr(l, "source_function");
	size_t w =
	    (size_t)snprintf(out, n, "%s:%ld%s", jstr(l, "file"), lb ? lb : la, lb ? "" : " in A");
	if (w < n && lb && la && la != lb)
		w += (size_t)snprintf(out + w, n - w, " (A: %ld)", la);
	if (w < n && *fn)
		snprintf(out + w, n - w, " (%s)", fn);
}

size_t profile_operations(const json_t *p)
{
	return json_array_size(json_object_get(p, "operations"));
}

/* The width of the first column: the longest function or place. */
static int label_width(const json_t *op)
{
	size_t w = 28, i, j;
	json_t *fn, *l;
	json_array_foreach(json_object_get(op, "functions"), i, fn)
	{
		if (strlen(jstr(fn, "function")) + 2 > w)
			w = strlen(jstr(fn, "function")) + 2;
		json_array_foreach(json_object_get(fn, "lines"), j, l)
		{
			char place[600];
			line_place(l, place, sizeof(place));
			if (strlen(place) + 4 > w)
				w = strlen(place) + 4;
		}
	}
	return w > 90 ? 90 : (int)w;
}

static void print_op(FILE *f, const json_t *op)
{
	int w = label_width(op);
	size_t i, j;
	json_t *fn, *l;
	fprintf(f, "%s: %+.2f instructions per operation (%.2f -> %.2f)\n", jstr(op, "operation"),
		jnum(op, "change"), jnum(op, "a"), jnum(op, "b"));
	fprintf(f, "  %-*s %9s %9s %9s\n", w - 2, "function", "A/op", "B/op", "change");
	json_array_foreach(json_object_get(op, "functions"), i, fn)
	{
		fprintf(f, "  %-*s %9.2f %9.2f %+9.2f\n", w - 2, jstr(fn, "function"),
			jnum(fn, "a"), jnum(fn, "b"), jnum(fn, "change"));
		json_array_foreach(json_object_get(fn, "lines"), j, l)
		{
			char place[600];
			line_place(l, place, sizeof(place));
			const char *text = jstr(l, "text");
			fprintf(f, "    %-*s %9.2f %9.2f %+9.2f", w - 4, place, jnum(l, "a"),
				jnum(l, "b"), jnum(l, "change"));
			if (*text)
				fprintf(f, "   `%.70s%s`", text, strlen(text) > 70 ? "..." : "");
			fprintf(f, "\n");
		}
	}
}

void profile_print(FILE *f, const json_t *p)
{
	if (!profile_operations(p))
		return;
	size_t i;
	json_t *v;
	fprintf(f,
		"\nwhere the instructions moved, per operation (callgrind's self instructions; "
		"inlined code counts in\nthe function it is inlined into, at its own source "
		"line; lines are matched by their text)\nA = %s\nB = %s\n",
		jstr(p, "a"), jstr(p, "b"));
	json_array_foreach(json_object_get(p, "notes"), i, v)
	{
		fprintf(f, "  note: %s\n", json_string_value(v));
	}
	json_array_foreach(json_object_get(p, "operations"), i, v)
	{
		fprintf(f, "\n");
		print_op(f, v);
	}
}

static void html_row(FILE *f, const json_t *o, const char *label, bool line)
{
	double d = jnum(o, "change");
	const char *cls = d > 0 ? "reg" : "imp"; /* more instructions are worse */
	fprintf(f, "<tr class=\"%s\"><td>%s<code>", d ? cls : "",
		line ? "&nbsp;&nbsp;&nbsp;&nbsp;" : "");
	writeup_html_text(f, label);
	fprintf(f,
		"</code></td><td class=\"n\">%.2f</td><td class=\"n\">%.2f</td>"
		"<td class=\"n\">%+.2f</td><td>",
		jnum(o, "a"), jnum(o, "b"), d);
	if (line && *jstr(o, "text")) {
		fprintf(f, "<code>");
		writeup_html_text(f, jstr(o, "text"));
		fprintf(f, "</code>");
	}
	fprintf(f, "</td></tr>\n");
}

void profile_html(FILE *f, const json_t *p)
{
	size_t i, j, k;
	json_t *op, *fn, *l, *v;
	fprintf(f,
		"<p>Where the instructions of each operation whose count moved went, A = <code>");
	writeup_html_text(f, jstr(p, "a"));
	fprintf(f, "</code>, B = <code>");
	writeup_html_text(f, jstr(p, "b"));
	fprintf(f, "</code>: callgrind's self instructions per operation, by function (inlined "
		   "code counts in the function it is inlined into) and by source line (matched "
		   "between the builds by its text).</p>\n");
	json_array_foreach(json_object_get(p, "notes"), i, v)
	{
		fprintf(f, "%s<li class=\"note\">", i ? "" : "<ul>\n");
		writeup_html_text(f, json_string_value(v));
		fprintf(f, "</li>\n");
	}
	if (json_array_size(json_object_get(p, "notes")))
		fprintf(f, "</ul>\n");
	json_array_foreach(json_object_get(p, "operations"), i, op)
	{
		fprintf(f, "<h3>");
		writeup_html_text(f, jstr(op, "operation"));
		fprintf(f,
			": %+.2f instructions per operation (%.2f &rarr; %.2f)</h3>\n<table>\n"
			"<tr><th>function, source line</th><th>A/op</th><th>B/op</th>"
			"<th>change</th><th>source</th></tr>\n",
			jnum(op, "change"), jnum(op, "a"), jnum(op, "b"));
		json_array_foreach(json_object_get(op, "functions"), j, fn)
		{
			html_row(f, fn, jstr(fn, "function"), false);
			json_array_foreach(json_object_get(fn, "lines"), k, l)
			{
				char place[600];
				line_place(l, place, sizeof(place));
				html_row(f, l, place, true);
			}
		}
		fprintf(f, "</table>\n");
	}
}

static void md_row(FILE *f, const json_t *o, const char *label, bool line)
{
	fprintf(f, "| %s", line ? "&nbsp;&nbsp;&nbsp;&nbsp;" : "");
	writeup_md_code(f, label);
	fprintf(f, " | %.2f | %.2f | %+.2f | ", jnum(o, "a"), jnum(o, "b"), jnum(o, "change"));
	if (line && *jstr(o, "text"))
		writeup_md_code(f, jstr(o, "text"));
	fprintf(f, " |\n");
}

void profile_markdown(FILE *f, const json_t *p)
{
	size_t i, j, k;
	json_t *op, *fn, *l, *v;
	fprintf(f, "Callgrind's self instructions per operation, A against B, by function "
		   "(inlined code counts in the function it is inlined into) and by source line "
		   "(matched by its text).\n\n");
	json_array_foreach(json_object_get(p, "notes"), i, v)
	{
		fprintf(f, "- note: ");
		writeup_md_code(f, json_string_value(v));
		fprintf(f, "\n");
	}
	json_array_foreach(json_object_get(p, "operations"), i, op)
	{
		fprintf(f, "\n**");
		writeup_md_code(f, jstr(op, "operation"));
		fprintf(f,
			"**: %+.2f instructions per operation (%.2f to %.2f)\n\n"
			"| function, source line | A/op | B/op | change | source |\n"
			"|---|---:|---:|---:|---|\n",
			jnum(op, "change"), jnum(op, "a"), jnum(op, "b"));
		json_array_foreach(json_object_get(op, "functions"), j, fn)
		{
			md_row(f, fn, jstr(fn, "function"), false);
			json_array_foreach(json_object_get(fn, "lines"), k, l)
			{
				char place[600];
				line_place(l, place, sizeof(place));
				md_row(f, l, place, true);
			}
		}
	}
}

json_t *profile_of_results(const char *path)
{
	json_t *doc = json_load_file(path, 0, NULL);
	json_t *p = json_incref(json_object_get(doc, "profile"));
	json_decref(doc);
	if (p && !json_is_object(p)) {
		json_decref(p);
		p = NULL;
	}
	return p;
}

int profile_revision_of(const char *ringbench, char *out, size_t n)
{
	size_t len;
	char *argv[] = {(char *)ringbench, "--version", NULL};
	char *text = capture_all(argv, &len);
	char *r = text ? strstr(text, "\nrevision: ") : NULL;
	int rc = -1;
	if (r) {
		r += strlen("\nrevision: ");
		r[strcspn(r, " \r\n")] = 0;
		snprintf(out, n, "%s", r);
		rc = strcmp(out, "unknown") && out[0] ? 0 : -1;
	}
	free(text);
	return rc;
}
