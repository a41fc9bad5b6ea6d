/* plot.c: the charts' data files, and gnuplot run on plots/<chart>.gp.
 *
 * Each chart gets two files in out/data: <chart>.dat (the data, blocks
 * separated by two blank lines, one block per line of the chart) and
 * <chart>.vars.gp (gnuplot assignments: how many blocks, their titles,
 * styles and axis labels).  The script in plots/ holds all the drawing; it
 * is run once per format as
 *   gnuplot -e "lib='PLOTS'; vars='...vars.gp'; data='...dat'; fmt='png';
 *               out='...png.tmp'" PLOTS/<chart>.gp
 * and the image is renamed into place only when gnuplot exited 0 and the
 * file starts with the format's signature. */
#include "report/plot.h"

#include "measure/bench.h"

#include "judge/states.h"
#include "judge/stats.h"
#include "judge/writeup.h"
#include "measure/results.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef RINGBENCH_PLOTS_DIR
#define RINGBENCH_PLOTS_DIR "plots"
#endif

#define PLOT_TIMEOUT_MS 60000

static const struct {
	const char *name, *heading, *needs;
} charts[PLOT_COUNT] = {
    [PLOT_THROUGHPUT] = {"throughput", "Throughput against message size", "stream cases"},
    [PLOT_LATENCY] = {"latency", "Latency distribution", "ping-pong or fixed-rate latency cases"},
    [PLOT_CHANGE] = {"change", "Base against current", "a base"},
    [PLOT_TREND] = {"trend", "Nightly trend", "a history"},
    [PLOT_CPU] = {"cpu", "CPU per message", "stream and fixed-rate latency cases"},
};

const char *plot_name(enum plot_chart c)
{
	return charts[c].name;
}

const char *plot_heading(enum plot_chart c)
{
	return charts[c].heading;
}

const char *plot_needs(enum plot_chart c)
{
	return charts[c].needs;
}

int plot_chart_of(const char *name)
{
	for (int c = 0; c < PLOT_COUNT; c++)
		if (strcmp(name, charts[c].name) == 0)
			return c;
	return -1;
}

const char *plot_scripts_dir(void)
{
	static char dir[1024];
	const char *env = getenv("RINGBENCH_PLOTS");
	if (env && env[0])
		return env;
	if (!dir[0])
		bench_data_dir("plots", RINGBENCH_PLOTS_DIR, dir, sizeof(dir));
	return dir;
}

/* Every line of every chart has one look (plots/common.gp's line styles
 * 1..9): a colour, a dash pattern and a point shape, so that lines stay
 * apart in greyscale.  The peers take the styles after them. */
static const struct {
	const char *key, *title;
} looks[] = {
    {"spin", "ring, spin"},	{"futex", "ring, futex"}, {"eventfd", "ring, eventfd"},
    {"hybrid", "ring, hybrid"}, {"floor", "floor"},	  {"line", "bare line"},
    {"pipe", "pipe"},		{"unix", "unix socket"},  {"work", "bare line + work"},
};
#define NOTHERS 6 /* plots/common.gp's styles after the looks' */
#define NLOOKS	((int)(sizeof(looks) / sizeof(looks[0])))

static int look_of(const char *key)
{
	for (int i = 0; i < NLOOKS; i++)
		if (strcmp(looks[i].key, key) == 0)
			return i;
	return NLOOKS; /* any other transport: style NLOOKS + 1 */
}

/* The line style of key: its look's, or for another transport one of
 * NOTHERS more (plots/common.gp 10..15), in the order they come. */
static int style_of(const char *key, int *others)
{
	int i = look_of(key);
	return i < NLOOKS ? i + 1 : NLOOKS + 1 + (*others)++ % NOTHERS;
}

static const char *look_title(const char *key)
{
	int i = look_of(key);
	return i < NLOOKS ? looks[i].title : key;
}

/* ---- the run's cases, in the state the chart is drawn in ---- */

struct pcase {
	const struct sample_case *s;
	const char *name, *mode, *key; /* key: the wait strategy, or the transport */
	double size, rate, capacity;
	int n;
	int *r; /* the repetitions kept: indexes into s's */
};

struct run {
	struct pcase *c;
	int nc;
	int dropped; /* repetitions left out: another state, or unsteady */
	int *kept;   /* every case's r, one after the other */
};

/* "bare line 61 ns", or "bare line 58-68 ns". */
static void state_text(char *out, size_t n, double lo, double hi)
{
	if (lround(lo) == lround(hi))
		snprintf(out, n, "bare line %.0f ns", lo);
	else
		snprintf(out, n, "bare line %.0f-%.0f ns", lo, hi);
}

/* The probe of every repetition of cur, case after case (0 where it has
 * none); *n of them.  NULL out of memory. */
static double *probes_of(const struct sample_set *cur, int *n)
{
	*n = 0;
	for (int i = 0; i < cur->ncases; i++)
		*n += cur->cases[i].n;
	double *probe = malloc(((size_t)*n + 1) * sizeof(*probe));
	int k = 0;
	for (int i = 0; probe && i < cur->ncases; i++)
		for (int r = 0; r < cur->cases[i].n; r++)
			probe[k++] = cur->cases[i].steady[r] ? cur->cases[i].state[r] : 0;
	return probe;
}

/* A case of the chart: s, its repetitions r[0..n) kept (n > 0). */
static void pcase_of(struct pcase *c, const struct sample_case *s, int *r, int n)
{
	*c = (struct pcase){.s = s, .name = s->name, .mode = s->mode, .r = r, .n = n};
	c->key = strcmp(s->transport, "ring") == 0 ? s->wait : s->transport;
	/* no size: left out of every chart by size */
	c->size = s->size > 0 && s->size < 1e15 ? s->size : NAN;
	c->rate = s->rate;
	c->capacity = s->capacity;
}

/* Cases in the order the file first has a repetition of them kept. */
static int cmp_first_kept(const void *pa, const void *pb)
{
	const struct pcase *a = pa, *b = pb;
	return a->s->entry[a->r[0]] - b->s->entry[b->r[0]];
}

static void run_free(struct run *r)
{
	free(r->c);
	free(r->kept);
}

/* The cases of cur with the repetitions taken in the state most of them
 * were taken in (*state_out: its index in st, -1 without a steady probe,
 * when every repetition is kept). */
static int run_read(const struct sample_set *cur, struct run *r, struct states *st, int *state_out)
{
	memset(r, 0, sizeof(*r));
	int n;
	double *probe = probes_of(cur, &n);
	r->c = calloc((size_t)cur->ncases + 1, sizeof(*r->c));
	r->kept = malloc(((size_t)n + 1) * sizeof(*r->kept));
	if (!probe || !r->c || !r->kept) {
		free(probe);
		run_free(r);
		return -1;
	}
	int best = *state_out = states_main(probe, n, st), k = 0, used = 0;
	for (int i = 0; i < cur->ncases; i++) {
		const struct sample_case *s = &cur->cases[i];
		int *kept = r->kept + used, nk = 0;
		for (int j = 0; j < s->n; j++, k++)
			if (best < 0 || states_which(st, probe[k]) == best)
				kept[nk++] = j;
			else
				r->dropped++;
		if (nk > 0)
			pcase_of(&r->c[r->nc++], s, kept, nk);
		used += nk;
	}
	free(probe);
	qsort(r->c, (size_t)r->nc, sizeof(*r->c), cmp_first_kept);
	return 0;
}

/* The median of one figure over a case's kept repetitions (v: the figure,
 * one value per repetition of the case); NaN if none has it. */
static double median(const struct pcase *c, const double *v)
{
	double x[c->n + 1];
	int n = 0;
	for (int i = 0; i < c->n; i++)
		if (isfinite(v[c->r[i]]))
			x[n++] = v[c->r[i]];
	return stats_median(x, n);
}

/* ---- writing the files ---- */

struct files {
	const char *out;
	char data[1100], vars[1100];
	FILE *d, *v;
};

static int files_open_named(struct files *f, const char *out, const char *name)
{
	f->out = out;
	snprintf(f->data, sizeof(f->data), "%s/data/%s.dat", out, name);
	snprintf(f->vars, sizeof(f->vars), "%s/data/%s.vars.gp", out, name);
	f->d = fopen(f->data, "w");
	f->v = fopen(f->vars, "w");
	if (!f->d || !f->v) {
		if (f->d)
			fclose(f->d);
		if (f->v)
			fclose(f->v);
		return -1;
	}
	return 0;
}

static int files_open(struct files *f, const char *out, enum plot_chart c)
{
	return files_open_named(f, out, plot_name(c));
}

static int files_close(struct files *f)
{
	int a = fclose(f->d), b = fclose(f->v);
	return a || b ? -1 : 0;
}

/* A string in a gnuplot command (the .vars.gp files): single quotes, in
 * which gnuplot substitutes nothing (a backquote inside double quotes would
 * run a shell command); a single quote inside becomes a double one (gnuplot
 * 5.4 misreads a doubled quote at the start), control characters are left
 * out. */
static void gp_str(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s; s++)
		if ((unsigned char)*s >= 0x20)
			fputc(*s == '\'' ? '"' : *s, f);
	fputc('\'', f);
}

/* A string field in a data file: double quotes (the only ones gnuplot's
 * data reader knows; it substitutes nothing there), with any double quote
 * turned single and control characters left out. */
void plot_gp_field(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++)
		if ((unsigned char)*s >= 0x20)
			fputc(*s == '"' ? '\'' : *s, f);
	fputc('"', f);
}

/* Text in a data file's comment line: one line, whatever the text holds. */
void plot_gp_comment(FILE *f, const char *fmt, ...)
{
	char buf[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fputs("# ", f);
	for (const char *p = buf; *p; p++)
		fputc((unsigned char)*p < 0x20 ? ' ' : *p, f);
	fputc('\n', f);
}

/* name = 'formatted text' */
void plot_gp_var(FILE *f, const char *name, const char *fmt, ...)
{
	char buf[1200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(f, "%s = ", name);
	gp_str(f, buf);
	fputc('\n', f);
}

/* Gnuplot arrays of the blocks' titles and styles. */
static void gp_series(FILE *f, const char *prefix, int n, char titles[][96], const int *style)
{
	fprintf(f, "%s_n = %d\n", prefix, n);
	if (n == 0)
		return;
	fprintf(f, "array %s_title[%d]\narray %s_style[%d]\n", prefix, n, prefix, n);
	for (int i = 0; i < n; i++) {
		fprintf(f, "%s_title[%d] = ", prefix, i + 1);
		gp_str(f, titles[i]);
		fprintf(f, "\n%s_style[%d] = %d\n", prefix, i + 1, style[i]);
	}
}

static void size_text(char *out, size_t n, double bytes)
{
	if (bytes >= 1048576 && fmod(bytes, 1048576) == 0)
		snprintf(out, n, "%.0f MiB", bytes / 1048576);
	else if (bytes >= 1024 && fmod(bytes, 1024) == 0)
		snprintf(out, n, "%.0f KiB", bytes / 1024);
	else
		snprintf(out, n, "%.0f B", bytes);
}

static void rate_text(char *out, size_t n, double per_s)
{
	if (per_s >= 1e6)
		snprintf(out, n, "%g M msg/s", per_s / 1e6);
	else if (per_s >= 1e3)
		snprintf(out, n, "%g k msg/s", per_s / 1e3);
	else
		snprintf(out, n, "%g msg/s", per_s);
}

/* The line keys of cases of one mode, in the looks' order, then any
 * other transport. */
static int keys_of(const struct run *r, const char *mode, const char *keys[], int max)
{
	int n = 0;
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < r->nc; i++) {
			const struct pcase *c = &r->c[i];
			if (strcmp(c->mode, mode) != 0)
				continue;
			int l = look_of(c->key);
			if ((pass == 0) != (l < NLOOKS))
				continue;
			bool seen = false;
			for (int k = 0; k < n && !seen; k++)
				seen = strcmp(keys[k], c->key) == 0;
			if (!seen && n < max)
				keys[n++] = c->key;
		}
	/* The looks' order for the known ones. */
	for (int a = 0; a < n; a++)
		for (int b = a + 1; b < n; b++)
			if (look_of(keys[b]) < look_of(keys[a])) {
				const char *t = keys[a];
				keys[a] = keys[b];
				keys[b] = t;
			}
	return n;
}

/* Each chart_*() below writes its chart's files and returns 0; -1 when
 * the inputs lack what the chart needs (why says what: no base, no
 * history, no cases of its kind); -2 for an error (why says which). */

/* ---- chart 1: throughput against message size ---- */

static int chart_throughput(const struct run *r, struct files *f, char *why, size_t wn,
			    char *caption, size_t cn)
{
	const char *keys[32];
	int nk = keys_of(r, "stream", keys, 32);
	char titles[32][96];
	int style[32], nb = 0, points = 0, nsizes = 0, others = 0;
	double sizes[64];
	for (int k = 0; k < nk; k++) {
		/* This key's stream cases by size (the largest ring where there
		 * are several capacities). */
		const struct pcase *by[64];
		int n = 0;
		for (int i = 0; i < r->nc; i++) {
			const struct pcase *c = &r->c[i];
			if (strcmp(c->mode, "stream") || strcmp(c->key, keys[k]) || !c->n ||
			    isnan(c->size))
				continue;
			int j = 0;
			while (j < n && by[j]->size != c->size)
				j++;
			if (j < n) {
				if (c->capacity > by[j]->capacity)
					by[j] = c;
			} else if (n < 64)
				by[n++] = c;
		}
		for (int a = 0; a < n; a++)
			for (int b = a + 1; b < n; b++)
				if (by[b]->size < by[a]->size) {
					const struct pcase *t = by[a];
					by[a] = by[b];
					by[b] = t;
				}
		if (n == 0)
			continue;
		plot_gp_comment(f->d, "%s: size_bytes msgs_per_s bytes_per_s", keys[k]);
		for (int a = 0; a < n; a++) {
			fprintf(f->d, "%.0f %.6g %.6g\n", by[a]->size,
				median(by[a], by[a]->s->v[FIG_RATE]),
				median(by[a], by[a]->s->chart[CF_BYTES_RATE]));
			int s = 0;
			while (s < nsizes && sizes[s] != by[a]->size)
				s++;
			if (s == nsizes && nsizes < 64)
				sizes[nsizes++] = by[a]->size;
		}
		fprintf(f->d, "\n\n");
		snprintf(titles[nb], sizeof(titles[nb]), "%s", look_title(keys[k]));
		style[nb++] = style_of(keys[k], &others);
		points += n;
	}
	if (nb == 0) {
		snprintf(why, wn, "the results have no stream cases");
		return -1;
	}
	gp_series(f->v, "s", nb, titles, style);
	char list[400] = "", tics[800] = "";
	stats_sort(sizes, nsizes);
	for (int s = 0; s < nsizes; s++) {
		char t[32], tic[64];
		size_text(t, sizeof(t), sizes[s]);
		if (strlen(list) + strlen(t) + 3 < sizeof(list))
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
				 s ? ", " : "", t);
		/* A tic is added whole or not at all: a cut one breaks the axis. */
		snprintf(tic, sizeof(tic), "%s\"%s\" %.0f", s ? ", " : "", t, sizes[s]);
		if (strlen(tics) + strlen(tic) < sizeof(tics))
			strcat(tics, tic);
	}
	/* The sizes measured are the axis' tics. */
	plot_gp_var(f->v, "size_tics", "%s", tics);
	snprintf(caption, cn,
		 "Median of the repetitions of each stream case (messages per second, left; bytes "
		 "per second, right), one line per wait strategy and reference transport; message "
		 "sizes %s. %d points.",
		 list, points);
	return 0;
}

/* ---- chart 2: latency percentiles ---- */

/* Two of them are judged (p50 and p99), the rest are drawn only. */
static const struct {
	int fig; /* an enum fig where judged, else an enum chart_fig */
	bool judged;
	double p;
} pcts[] = {{FIG_P50, true, 50},     {CF_P75, false, 75}, {CF_P90, false, 90},
	    {CF_P95, false, 95},     {FIG_P99, true, 99}, {CF_P999, false, 99.9},
	    {CF_P9999, false, 99.99}};
#define NPCTS ((int)(sizeof(pcts) / sizeof(pcts[0])))

static double pct_median(const struct pcase *c, int p)
{
	return median(c, pcts[p].judged ? c->s->v[pcts[p].fig] : c->s->chart[pcts[p].fig]);
}

/* One panel: a block per key of the mode's cases (the smallest size). */
static int latency_panel(const struct run *r, const char *mode, const char *prefix, FILE *d,
			 FILE *v, int block0, char *note, size_t nn)
{
	const char *keys[32];
	int nk = keys_of(r, mode, keys, 32), nb = 0, others = 0;
	char titles[32][96];
	int style[32] = {0};
	double size = 0, rate = 0;
	for (int k = 0; k < nk; k++) {
		const struct pcase *best = NULL;
		for (int i = 0; i < r->nc; i++) {
			const struct pcase *c = &r->c[i];
			if (strcmp(c->mode, mode) || strcmp(c->key, keys[k]) || !c->n ||
			    isnan(c->size))
				continue;
			if (!best || c->size < best->size)
				best = c;
		}
		if (!best || !isfinite(median(best, best->s->v[FIG_P50])))
			continue;
		plot_gp_comment(d, "%s %s: percentile one_over_1_minus_p ns", mode, keys[k]);
		for (int p = 0; p < NPCTS; p++) {
			double x = pct_median(best, p);
			if (isfinite(x))
				fprintf(d, "%g %.6g %.6g\n", pcts[p].p, 100 / (100 - pcts[p].p), x);
		}
		fprintf(d, "\n\n");
		snprintf(titles[nb], sizeof(titles[nb]), "%s", look_title(keys[k]));
		style[nb++] = style_of(keys[k], &others);
		size = best->size;
		if (isfinite(best->rate))
			rate = best->rate;
	}
	gp_series(v, prefix, nb, titles, style);
	fprintf(v, "%s_first = %d\n", prefix, block0);
	if (nb) {
		char s[32], rt[48] = "";
		size_text(s, sizeof(s), size);
		if (rate > 0) {
			char t[40];
			rate_text(t, sizeof(t), rate);
			snprintf(rt, sizeof(rt), ", %s", t);
		}
		snprintf(note, nn, "%s%s", s, rt);
	}
	return nb;
}

static int chart_latency(const struct run *r, struct files *f, char *why, size_t wn, char *caption,
			 size_t cn)
{
	char a[96] = "", b[96] = "";
	int np = latency_panel(r, "pingpong", "pp", f->d, f->v, 0, a, sizeof(a));
	int nl = latency_panel(r, "latency", "fr", f->d, f->v, np, b, sizeof(b));
	if (np + nl == 0) {
		snprintf(why, wn, "the results have no pingpong or latency cases with percentiles");
		return -1;
	}
	plot_gp_var(f->v, "pp_note", "%s", a);
	plot_gp_var(f->v, "fr_note", "%s", b);
	snprintf(caption, cn,
		 "Percentiles 50, 75, 90, 95, 99, 99.9 and 99.99 (the median over the repetitions "
		 "of each), on an axis of 1/(1-p): ping-pong round trips (%s)%s%s%s. The last "
		 "points stand on few samples: 99.99 of a 0.1 s run at 100 k msg/s is its top "
		 "message.",
		 np ? a : "none in these results",
		 nl ? " and one-way latency at a fixed rate (" : "", nl ? b : "",
		 nl ? ", timed from the intended send time)" : "");
	return 0;
}

/* ---- chart 3: base against current ---- */

/* "stream spin 64 B", "pingpong pipe 64 B": the case without its options. */
static void short_name(char *out, size_t n, const char *name)
{
	char mode[32] = "", who[64] = "", size[32] = "";
	const char *slash = strchr(name, '/');
	snprintf(mode, sizeof(mode), "%.*s", slash ? (int)(slash - name) : (int)strlen(name), name);
	for (const char *p = slash; p && *p; p = strchr(p + 1, '/')) {
		const char *kv = p + 1;
		const char *end = strchr(kv, '/');
		int len = end ? (int)(end - kv) : (int)strlen(kv);
		if (!strncmp(kv, "wait:", 5) || !strncmp(kv, "transport:", 10))
			snprintf(who, sizeof(who), "%.*s", len - (int)(strchr(kv, ':') - kv) - 1,
				 strchr(kv, ':') + 1);
		else if (!strncmp(kv, "size:", 5)) {
			char t[24];
			snprintf(t, sizeof(t), "%.*s", len - 5, kv + 5);
			size_text(size, sizeof(size), atof(t));
		}
	}
	if (!who[0] && !size[0])
		snprintf(out, n, "%s", name);
	else
		snprintf(out, n, "%s %s %s", mode, who, size);
}

static enum fig headline(const struct sample_case *c)
{
	if (strcmp(c->mode, "stream") == 0)
		return FIG_RATE;
	if (strcmp(c->mode, "pingpong") == 0)
		return FIG_P50;
	if (strcmp(c->mode, "latency") == 0)
		return FIG_P99;
	return c->has[FIG_RATE] ? FIG_RATE : FIG_TIME;
}

/* One row of the change chart, sorted by mode, line look, size, figure. */
struct crow {
	int mode, look, fig, status;
	double size, x, lo, hi;
	double worse, better; /* the row's threshold either way, turned as x is */
	char label[200];
};

static int mode_rank(const char *mode)
{
	static const char *const order[] = {"stream", "pingpong", "latency"};
	for (int i = 0; i < 3; i++)
		if (strcmp(mode, order[i]) == 0)
			return i;
	return 3;
}

static int cmp_crow(const void *pa, const void *pb)
{
	const struct crow *a = pa, *b = pb;
	if (a->mode != b->mode)
		return a->mode - b->mode;
	if (a->look != b->look)
		return a->look - b->look;
	if (a->size != b->size)
		return a->size < b->size ? -1 : 1;
	if (a->fig != b->fig)
		return a->fig - b->fig;
	return strcmp(a->label, b->label);
}

/* The wait strategy or transport in a case's name ("" if none). */
static void name_key(char *out, size_t n, const char *name)
{
	const char *p = strstr(name, "/wait:");
	if (!p)
		p = strstr(name, "/transport:");
	out[0] = 0;
	if (p) {
		p = strchr(p, ':') + 1;
		snprintf(out, n, "%.*s", (int)strcspn(p, "/"), p);
	}
}

/* Row r of a judgement as a row of the chart, turned so that positive is
 * better. */
static void crow_of(struct crow *w, const struct judge_row *r, const struct sample_case *c)
{
	int better = fig_info[r->fig].better;
	w->x = 100 * r->change * better;
	w->lo = 100 * (better > 0 ? r->lo : -r->hi);
	w->hi = 100 * (better > 0 ? r->hi : -r->lo);
	/* A count has no interval: the bar is the point. */
	if (!isfinite(w->lo) || !isfinite(w->hi))
		w->lo = w->hi = w->x;
	/* The verdict's threshold is on the log of the ratio: a figure that
	 * falls must fall to 1/(1+t) to pass it, one that grows must grow by
	 * t. */
	double t = r->threshold, fall = -100 * t / (1 + t), grow = 100 * t;
	w->worse = better > 0 ? fall : -grow;
	w->better = better > 0 ? grow : -fall;
	w->status = r->v == V_REGRESSION ? 1 : r->v == V_IMPROVEMENT ? 2 : 0;
	char key[64], sn[160];
	name_key(key, sizeof(key), r->name);
	w->mode = mode_rank(c->mode);
	w->look = look_of(key);
	w->fig = r->fig;
	const char *sz = strstr(r->name, "/size:");
	w->size = sz ? atof(sz + 6) : 0;
	short_name(sn, sizeof(sn), r->name);
	snprintf(w->label, sizeof(w->label), "%s, %s", sn, fig_info[r->fig].label);
}

/* The rows drawn: each case's headline figure and any other that changed,
 * with a change to draw (*skipped: those without one).  *xlim: the
 * largest distance from 0 any of them reaches, at least 10%. */
static int change_rows(const struct plot_input *in, struct crow *rows, int *skipped, double *xlim)
{
	const struct judgement *j = in->judgement;
	int n = 0;
	*skipped = 0;
	*xlim = 10;
	for (int i = 0; i < j->nrows; i++) {
		const struct judge_row *r = &j->rows[i];
		const struct sample_case *c = sample_find(in->cur, r->name);
		bool marked = r->v == V_REGRESSION || r->v == V_IMPROVEMENT;
		if (!c || (r->fig != headline(c) && !marked))
			continue;
		if (!isfinite(r->change)) {
			(*skipped)++;
			continue;
		}
		struct crow *w = &rows[n++];
		crow_of(w, r, c);
		double m = fmax(fmax(fabs(w->x), fmax(fabs(w->lo), fabs(w->hi))),
				fmax(fabs(w->worse), fabs(w->better)));
		if (m > *xlim)
			*xlim = m;
	}
	return n;
}

/* Past +-edge the axis would squash every other row: such a change is
 * drawn at the edge, and its label says what it is. */
static void clip_rows(struct crow *rows, int n, double edge)
{
	for (int i = 0; i < n; i++) {
		struct crow *w = &rows[i];
		if (fabs(w->x) > edge) {
			size_t len = strlen(w->label);
			snprintf(w->label + len, sizeof(w->label) - len, " (%+.0f%%, off scale)",
				 w->x);
		}
		w->x = fmax(-edge, fmin(edge, w->x));
		w->lo = fmax(-edge, fmin(edge, w->lo));
		w->hi = fmax(-edge, fmin(edge, w->hi));
		w->worse = fmax(-edge, w->worse);
		w->better = fmin(edge, w->better);
	}
}

static void write_change_rows(FILE *d, const struct crow *rows, int n)
{
	fprintf(d, "# row label change_pct lo_pct hi_pct worse_threshold_pct "
		   "better_threshold_pct status (0 same or small, 1 regression, 2 improvement); "
		   "turned so that positive is better\n");
	for (int i = 0; i < n; i++) {
		fprintf(d, "%d ", i);
		plot_gp_field(d, rows[i].label);
		fprintf(d, " %.4f %.4f %.4f %.4f %.4f %d\n", rows[i].x, rows[i].lo, rows[i].hi,
			rows[i].worse, rows[i].better, rows[i].status);
	}
}

/* Why the change chart cannot be drawn, or 0 when it can. */
static int change_drawable(const struct judgement *j, char *why, size_t wn)
{
	if (!j) {
		snprintf(why, wn,
			 "no base to compare with: give --baseline FILE or --ab FILE (this "
			 "machine has no stored baseline)");
		return -1;
	}
	if (j->changed[0]) {
		snprintf(why, wn, "no verdict: %s", j->changed);
		return -1;
	}
	return 0;
}

static int chart_change(const struct plot_input *in, struct files *f, char *why, size_t wn,
			char *caption, size_t cn)
{
	if (change_drawable(in->judgement, why, wn))
		return -1;
	struct crow *rows = calloc((size_t)in->judgement->nrows + 1, sizeof(*rows));
	if (!rows) {
		snprintf(why, wn, "out of memory");
		return -2;
	}
	int skipped, reg = 0, imp = 0;
	double xlim;
	int n = change_rows(in, rows, &skipped, &xlim);
	if (n == 0) {
		free(rows);
		snprintf(why, wn, "no case of the results has a figure judged against the base%s",
			 skipped ? " (no machine state in common)" : "");
		return -1;
	}
	for (int i = 0; i < n; i++)
		reg += rows[i].status == 1, imp += rows[i].status == 2;
	qsort(rows, (size_t)n, sizeof(*rows), cmp_crow);
	/* A change beyond 200% would squash every other row. */
	bool cut = xlim > 200;
	xlim = fmin(xlim, 200) * 1.1;
	clip_rows(rows, n, xlim / 1.1);
	write_change_rows(f->d, rows, n);
	free(rows);
	fprintf(f->v, "rows = %d\nxlim = %.2f\n", n, xlim);
	plot_gp_var(f->v, "against", "%s", in->judged_against ? in->judged_against : "base");
	snprintf(caption, cn,
		 "Each case's headline figure (throughput of a stream, p50 of a ping-pong, p99 "
		 "of a fixed-rate run), and any other figure that changed, against %s: the "
		 "relative change of the medians with its 95%% bootstrap interval, turned so "
		 "that right is better. The ticks on each row are that row's threshold either "
		 "way (the larger of the floor and the noise of one repetition, on the log of "
		 "the ratio, so a fall must reach 1/(1+t)). %d regressions, %d "
		 "improvements marked%s%s.",
		 in->judged_against ? in->judged_against : "the base", reg, imp,
		 skipped ? "; rows without a common machine state are left out" : "",
		 cut ? "; a change beyond 200% is drawn at the chart's edge, its label says how far"
		     : "");
	return 0;
}

/* ---- chart 4: the nightly trend ---- */

static const struct {
	const char *prefix;
	enum fig fig;
	const char *ylabel;
	double scale;
} keycases[] = {
    {"stream/wait:spin/size:64/", FIG_RATE, "M msg/s", 1e-6},
    {"stream/wait:spin/size:4096/", FIG_RATE, "M msg/s", 1e-6},
    {"pingpong/wait:spin/", FIG_P50, "round trip p50, ns", 1},
    {"latency/wait:spin/", FIG_P99, "one-way p99, ns", 1},
};
#define NKEYS ((int)(sizeof(keycases) / sizeof(keycases[0])))

/* The trend's lines: one per series of a key case. */
#define TREND_BLOCKS 64

/* The trend's panels, each one case (the first the history has of its
 * key), and its lines. */
struct trend {
	int panel, block;
	const char *pname[NKEYS]; /* each panel's case */
	int pkey[NKEYS];	  /* each panel's key case, an index into keycases */
	char titles[TREND_BLOCKS][96];
	int style[TREND_BLOCKS];
};

/* Key case k's series (one per machine state) into d, a block each;
 * returns how many, *name the case they are of. */
static int trend_series(const struct history *h, const struct history_analysis *a, int k, FILE *d,
			struct trend *t, const char **name)
{
	int nstate = 0;
	*name = NULL;
	for (int s = 0; s < a->nseries && t->block < TREND_BLOCKS; s++) {
		const struct history_series *se = &a->series[s];
		if (se->fig != keycases[k].fig ||
		    strncmp(se->name, keycases[k].prefix, strlen(keycases[k].prefix)) ||
		    (*name && strcmp(*name, se->name)))
			continue;
		*name = se->name;
		plot_gp_comment(d, "%s %s, state %.0f-%.0f ns: night value run", se->name,
				fig_info[se->fig].label, se->lo, se->hi);
		for (int p = 0; p < se->n; p++)
			fprintf(d, "%d %.6g %d\n", h->runs[se->run[p]].night + 1,
				se->v[p] * keycases[k].scale, se->run[p]);
		fprintf(d, "\n\n");
		char *title = t->titles[t->block];
		if (se->hi > 0)
			state_text(title, sizeof(t->titles[0]), se->lo, se->hi);
		else
			snprintf(title, sizeof(t->titles[0]), "no state probes");
		t->style[t->block] = 1 + nstate % 9;
		nstate++;
		t->block++;
	}
	return nstate;
}

/* A panel of key case k for name, its lines nstate blocks from first. */
static void trend_panel(FILE *v, struct trend *t, int k, const char *name, int first, int nstate)
{
	t->pname[t->panel] = name;
	t->pkey[t->panel] = k;
	int panel = ++t->panel;
	char s[160];
	short_name(s, sizeof(s), name);
	fprintf(v, "p%d_first = %d\np%d_n = %d\n", panel, first, panel, nstate);
	char var[32];
	snprintf(var, sizeof(var), "p%d_title", panel);
	plot_gp_var(v, var, "%s, %s", s, fig_info[keycases[k].fig].label);
	snprintf(var, sizeof(var), "p%d_ylabel", panel);
	plot_gp_var(v, var, "%s", keycases[k].ylabel);
}

/* Panel p's steps into sf, a row each, from *nsteps on. */
static void trend_panel_steps(FILE *sf, FILE *v, const struct history *h,
			      const struct history_analysis *a, const struct trend *t, int p,
			      int *nsteps)
{
	int k = t->pkey[p - 1], before = *nsteps;
	for (int i = 0; i < a->nsteps; i++) {
		const struct history_step *st = &a->steps[i];
		const struct history_series *se = st->series;
		if (se->fig != keycases[k].fig || strcmp(se->name, t->pname[p - 1]))
			continue;
		double x = (st->night_before + st->night_after) / 2.0 + 1;
		double y = se->v[st->step->at] * keycases[k].scale;
		char label[200];
		snprintf(label, sizeof(label), "%+.1f%% at %s%s", 100 * st->step->change,
			 h->nights[st->night_after].revision,
			 st->regression ? " (regression)" : "");
		fprintf(sf, "%d %.2f %.6g ", p, x, y);
		plot_gp_field(sf, label);
		fprintf(sf, "\n");
		(*nsteps)++;
	}
	fprintf(v, "p%d_step0 = %d\np%d_nsteps = %d\n", p, before, p, *nsteps - before);
}

/* The steps: a second file, one row per step, panel by panel; each panel
 * draws its rows (every ::first::last), and a panel without a step draws
 * none (gnuplot 5.4 crashed on labels whose rows were all filtered out).
 * Returns how many steps, or -1 with why. */
static int trend_steps(const struct history *h, const struct history_analysis *a,
		       const struct trend *t, struct files *f, char *why, size_t wn)
{
	char steps[1200];
	snprintf(steps, sizeof(steps), "%s/data/trend-steps.dat", f->out);
	FILE *sf = fopen(steps, "w");
	if (!sf) {
		snprintf(why, wn, "cannot write %s: %s", steps, strerror(errno));
		return -1;
	}
	fprintf(sf,
		"# panel night_position value label (steps found at the revision after them)\n");
	int nsteps = 0;
	for (int p = 1; p <= t->panel; p++)
		trend_panel_steps(sf, f->v, h, a, t, p, &nsteps);
	if (fclose(sf)) {
		snprintf(why, wn, "cannot write %s: %s", steps, strerror(errno));
		return -1;
	}
	plot_gp_var(f->v, "steps", "%s", steps);
	fprintf(f->v, "nsteps = %d\n", nsteps);
	return nsteps;
}

static int chart_trend(const struct plot_input *in, struct files *f, char *why, size_t wn,
		       char *caption, size_t cn)
{
	const struct history *h = in->history;
	const struct history_analysis *a = in->analysis;
	if (!h || !a || h->nruns == 0) {
		snprintf(why, wn,
			 "no history: %s has no runs of this machine (ringbench check adds "
			 "one a night)",
			 h ? h->dir : "the history folder");
		return -1;
	}
	struct trend t = {0};
	for (int k = 0; k < NKEYS; k++) {
		int first = t.block;
		const char *name;
		int nstate = trend_series(h, a, k, f->d, &t, &name);
		if (nstate)
			trend_panel(f->v, &t, k, name, first, nstate);
	}
	if (t.panel == 0) {
		snprintf(
		    why, wn,
		    "the history at %s has none of the key cases (spin stream 64 B and 4 KiB, "
		    "spin ping-pong, spin fixed-rate latency) with %d repetitions in one state",
		    h->dir, HISTORY_MIN_REPS);
		return -1;
	}
	gp_series(f->v, "b", t.block, t.titles, t.style);
	fprintf(f->v, "panels = %d\nnights = %d\n", t.panel, h->nnights);
	int nsteps = trend_steps(h, a, &t, f, why, wn);
	if (nsteps < 0)
		return -2;
	snprintf(caption, cn,
		 "The key cases night by night from the history in %s (%d nights, the newest "
		 "last), one line per machine state; a star marks each step the step "
		 "detector found, labelled with its change and the revision after it. %d steps.",
		 h->dir, h->nnights, nsteps);
	return 0;
}

/* ---- chart 5: CPU per message ---- */

static int chart_cpu(const struct run *r, struct files *f, char *why, size_t wn, char *caption,
		     size_t cn)
{
	const char *keys[32], *lk[32];
	int nk = keys_of(r, "stream", keys, 32), nl = keys_of(r, "latency", lk, 32);
	for (int i = 0; i < nl; i++) {
		bool seen = false;
		for (int k = 0; k < nk && !seen; k++)
			seen = strcmp(keys[k], lk[i]) == 0;
		if (!seen && nk < 32)
			keys[nk++] = lk[i];
	}
	double low_rate = INFINITY, low_size = INFINITY, high_size = INFINITY;
	for (int i = 0; i < r->nc; i++) {
		const struct pcase *c = &r->c[i];
		if (!strcmp(c->mode, "latency") && c->rate > 0 && c->rate < low_rate && c->size > 0)
			low_rate = c->rate;
		if (!strcmp(c->mode, "stream") && c->size < high_size)
			high_size = c->size;
	}
	/* The smallest message among the cases at that rate. */
	for (int i = 0; i < r->nc; i++) {
		const struct pcase *c = &r->c[i];
		if (!strcmp(c->mode, "latency") && c->rate == low_rate && c->size < low_size)
			low_size = c->size;
	}
	if (!isfinite(low_rate) || !isfinite(high_size)) {
		snprintf(why, wn,
			 "the CPU chart needs stream cases (the high rate) and fixed-rate latency "
			 "cases (the low rate); the results have %s",
			 isfinite(high_size) ? "no latency cases" : "no stream cases");
		return -1;
	}
	int rows = 0, tiny = 0;
	double hi_rate = 0;
	fprintf(f->d, "# label producer_low consumer_low producer_high consumer_high (ns per "
		      "message, CPU time of each side)\n");
	for (int k = 0; k < nk; k++) {
		const struct pcase *lo = NULL, *hi = NULL;
		for (int i = 0; i < r->nc; i++) {
			const struct pcase *c = &r->c[i];
			if (strcmp(c->key, keys[k]) || !c->n)
				continue;
			if (!strcmp(c->mode, "latency") && c->rate == low_rate &&
			    c->size == low_size)
				lo = c;
			if (!strcmp(c->mode, "stream") && c->size == high_size)
				hi = c;
		}
		if (!lo && !hi)
			continue;
		plot_gp_field(f->d, look_title(keys[k]));
		double v[4] = {lo ? median(lo, lo->s->v[FIG_PROD_CPU]) : NAN,
			       lo ? median(lo, lo->s->v[FIG_CONS_CPU]) : NAN,
			       hi ? median(hi, hi->s->v[FIG_PROD_CPU]) : NAN,
			       hi ? median(hi, hi->s->v[FIG_CONS_CPU]) : NAN};
		for (int i = 0; i < 4; i++) {
			fprintf(f->d, isfinite(v[i]) ? " %.6g" : " NaN", v[i]);
			tiny += v[i] < 1;
		}
		fprintf(f->d, "\n");
		if (hi && !strcmp(hi->key, "spin"))
			hi_rate = median(hi, hi->s->v[FIG_RATE]);
		rows++;
	}
	char lr[48], hs[32], hr[96] = "as fast as it goes";
	rate_text(lr, sizeof(lr), low_rate);
	size_text(hs, sizeof(hs), high_size);
	if (hi_rate > 0) {
		char t[40];
		rate_text(t, sizeof(t), hi_rate);
		snprintf(hr, sizeof(hr), "as fast as it goes (spin: %s)", t);
	}
	plot_gp_var(f->v, "low", "%s", lr);
	plot_gp_var(f->v, "high", "stream of %s", hs);
	fprintf(f->v, "rows = %d\n", rows);
	snprintf(caption, cn,
		 "CPU time each side spends per message (getrusage over the measured window), at "
		 "a low rate (fixed-rate latency cases, %s) and at a high one (a stream of %s "
		 "messages, %s). A spinning side burns its whole CPU whatever the rate: at a low "
		 "rate that is the price of spinning. The producer of a fixed-rate run waits for "
		 "each send time on the clock, so its low-rate bar is a whole CPU for every "
		 "strategy; the consumer's bar is the strategy's own cost. Log scale%s.",
		 lr, hs, hr, tiny ? "; a bar under 1 ns is below the axis" : "");
	return 0;
}

/* ---- running gnuplot ---- */

/* 'text' for gnuplot's -e: a single quote inside becomes a double one (a
 * doubled quote is misread at the start of a string), control characters
 * are left out.  Paths never hold a quote (plot_draw refuses them). */
static void gp_single(char *out, size_t n, const char *s)
{
	size_t k = 0;
	out[k++] = '\'';
	for (; *s && k + 2 < n; s++)
		if ((unsigned char)*s >= 0x20)
			out[k++] = *s == '\'' ? '"' : *s;
	out[k++] = '\'';
	out[k] = 0;
}

static bool has_signature(const char *path, const char *fmt)
{
	unsigned char b[512] = {0};
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	size_t n = fread(b, 1, sizeof(b) - 1, f);
	fclose(f);
	if (strcmp(fmt, "png") == 0)
		return n >= 8 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0;
	return n > 0 && strstr((const char *)b, "<svg") != NULL;
}

/* Which script and program draw a chart. */
struct gp_job {
	const char *scripts, *gnuplot; /* the folder of the scripts; the program */
	const char *name, *heading;    /* the chart's file stem and heading */
};

/* Run the chart's script for one format; the image lands at path.  0, or
 * -1 with why. */
static int run_gnuplot(const struct gp_job *in, const struct files *f, const char *title,
		       const char *fmt, const char *path, char *why, size_t wn)
{
	char logdir[1100];
	snprintf(logdir, sizeof(logdir), "%s/data", f->out);
	struct plot_job job = {
	    .scripts = in->scripts,
	    .gnuplot = in->gnuplot,
	    .script = in->name,
	    .heading = in->heading,
	    .data = f->data,
	    .vars = f->vars,
	    .logdir = logdir,
	    .name = in->name,
	};
	return plot_render(&job, title, fmt, path, why, wn);
}

int plot_render(const struct plot_job *in, const char *title, const char *fmt, const char *path,
		char *why, size_t wn)
{
	char tmp[1300], log[1300], script[1100], e[10000], q[6][1400];
	const char *paths[] = {in->scripts, in->data, in->vars, path};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (strchr(paths[i], '\'')) {
			snprintf(why, wn,
				 "%s holds a single quote, which gnuplot's command line cannot "
				 "carry",
				 paths[i]);
			return -1;
		}
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	snprintf(log, sizeof(log), "%s/%s.%s.log", in->logdir, in->name, fmt);
	snprintf(script, sizeof(script), "%s/%s.gp", in->scripts, in->script);
	if (access(script, R_OK)) {
		snprintf(why, wn, "cannot read the chart's script %s: %s", script, strerror(errno));
		return -1;
	}
	gp_single(q[0], sizeof(q[0]), in->scripts);
	gp_single(q[1], sizeof(q[1]), in->vars);
	gp_single(q[2], sizeof(q[2]), in->data);
	gp_single(q[3], sizeof(q[3]), tmp);
	gp_single(q[4], sizeof(q[4]), in->heading);
	gp_single(q[5], sizeof(q[5]), title);
	snprintf(e, sizeof(e),
		 "lib=%s; vars=%s; data=%s; out=%s; chart_title=%s; chart_sub=%s; fmt='%s'", q[0],
		 q[1], q[2], q[3], q[4], q[5], fmt);
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(why, wn, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		/* Never waiting on a terminal: a script that asks reads EOF. */
		int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (nul >= 0)
			dup2(nul, 0);
		execlp(in->gnuplot, in->gnuplot, "-e", e, script, (char *)NULL);
		_exit(127);
	}
	/* A chart takes well under a second; one that takes a minute is
	 * stuck, and is killed rather than hanging the report. */
	int st = 0;
	bool killed = false;
	for (int waited_ms = 0;;) {
		pid_t got = waitpid(pid, &st, WNOHANG);
		if (got == pid || (got < 0 && errno != EINTR))
			break;
		if (waited_ms >= PLOT_TIMEOUT_MS && !killed) {
			kill(pid, SIGKILL);
			killed = true;
		}
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
		waited_ms += 10;
	}
	if (killed) {
		unlink(tmp);
		snprintf(why, wn, "gnuplot ran %s for more than %d s and was stopped", script,
			 PLOT_TIMEOUT_MS / 1000);
		return -1;
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 127) {
		unlink(tmp);
		snprintf(why, wn,
			 "cannot run '%s' (install gnuplot-nox, or name it with --gnuplot)",
			 in->gnuplot);
		return -1;
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || !has_signature(tmp, fmt)) {
		char first[300] = "";
		FILE *lf = fopen(log, "r");
		if (lf) {
			char line[300];
			while (fgets(line, sizeof(line), lf))
				if (strstr(line, "line") || strstr(line, "rror")) {
					snprintf(first, sizeof(first), "%s", line);
					first[strcspn(first, "\n")] = 0;
				}
			fclose(lf);
		}
		unlink(tmp);
		snprintf(why, wn, "gnuplot failed on %s (%s%s; its output is in %s)%s%s", script,
			 WIFEXITED(st) ? "exit status " : "killed by signal ",
			 WIFEXITED(st) ? (WEXITSTATUS(st) ? "non-zero" : "0 but no image")
				       : "(see log)",
			 log, first[0] ? ": " : "", first);
		return -1;
	}
	if (rename(tmp, path)) {
		snprintf(why, wn, "rename %s: %s", tmp, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* Paths reach gnuplot in single quotes: a folder that holds one could not
 * be written there unchanged.  -1 with why. */
static int quoted_folder(const char *out, const char *scripts, char *why, size_t wn)
{
	if (!strchr(out, '\'') && !strchr(scripts, '\''))
		return 0;
	snprintf(why, wn,
		 "the folder %s holds a single quote, which gnuplot's command line cannot carry: "
		 "choose another",
		 strchr(out, '\'') ? out : scripts);
	return -1;
}

/* out/data, for the charts' data files and gnuplot's logs, its path in dir.
 * -1 with why. */
static int make_data_dir(const char *out, char dir[1100], char *why, size_t wn)
{
	snprintf(dir, 1100, "%s/data", out);
	if (!results_mkdirs(dir))
		return 0;
	snprintf(why, wn, "cannot make %s: %s", dir, strerror(errno));
	return -1;
}

/* "machine, date, revision": the machine id cut where it would cut the
 * revision off. */
static void run_title(char *out, size_t n, const struct sample_set *cur)
{
	const char *rev = cur->revision, *date = cur->date, *mid = cur->machine_id;
	snprintf(out, n, "%.240s, %.10s, revision %s", mid[0] ? mid : "machine ?",
		 date[0] ? date : "date ?", rev[0] ? rev : "?");
}

/* Every chart to draw fails for why: 0 drawn. */
static int none_drawn(struct plot_output *o, const char *why)
{
	for (int c = 0; c < PLOT_COUNT; c++)
		if (!o->left_out[c])
			snprintf(o->why[c], sizeof(o->why[c]), "%s", why);
	return 0;
}

int plot_draw(const struct plot_input *in, const char *out, struct plot_output *o)
{
	memset(o, 0, sizeof(*o));
	/* A chart not asked for (--chart) is not this run's: its old image
	 * is left alone. */
	for (int c = 0; c < PLOT_COUNT; c++)
		if (in->only && !in->only[c]) {
			o->left_out[c] = true;
			snprintf(o->why[c], sizeof(o->why[c]), "not asked for (--chart)");
		}
	char why[1300];
	if (quoted_folder(out, in->scripts, why, sizeof(why)))
		return none_drawn(o, why);
	/* An old image of a chart must never pass for this run's: gone
	 * before anything can fail. */
	for (int c = 0; c < PLOT_COUNT; c++) {
		if (o->left_out[c])
			continue;
		snprintf(o->png[c], sizeof(o->png[c]), "%s/%s.png", out, plot_name(c));
		snprintf(o->svg[c], sizeof(o->svg[c]), "%s/%s.svg", out, plot_name(c));
		unlink(o->png[c]);
		unlink(o->svg[c]);
	}
	char dir[1100];
	if (make_data_dir(out, dir, why, sizeof(why)))
		return none_drawn(o, why);
	struct run r;
	struct states st;
	int state = -1;
	if (run_read(in->cur, &r, &st, &state))
		return none_drawn(o, "out of memory");
	if (state >= 0)
		state_text(o->state, sizeof(o->state), st.lo[state], st.hi[state]);
	else
		snprintf(o->state, sizeof(o->state), "no state probes");
	run_title(o->title, sizeof(o->title), in->cur);
	int drawn = 0;
	for (int c = 0; c < PLOT_COUNT; c++) {
		if (o->left_out[c])
			continue;
		struct files f;
		if (files_open(&f, out, c)) {
			snprintf(o->why[c], sizeof(o->why[c]), "cannot write into %s: %s", dir,
				 strerror(errno));
			continue;
		}
		char title[700];
		snprintf(title, sizeof(title), "%s", o->title);
		if (c != PLOT_TREND && c != PLOT_CHANGE && state >= 0)
			snprintf(title + strlen(title), sizeof(title) - strlen(title),
				 ", state %s%s", o->state,
				 r.dropped ? " (repetitions in other states left out)" : "");
		int rc = -1;
		size_t wn = sizeof(o->why[c]), cn = sizeof(o->caption[c]);
		switch (c) {
		case PLOT_THROUGHPUT:
			rc = chart_throughput(&r, &f, o->why[c], wn, o->caption[c], cn);
			break;
		case PLOT_LATENCY:
			rc = chart_latency(&r, &f, o->why[c], wn, o->caption[c], cn);
			break;
		case PLOT_CHANGE:
			rc = chart_change(in, &f, o->why[c], wn, o->caption[c], cn);
			break;
		case PLOT_TREND: rc = chart_trend(in, &f, o->why[c], wn, o->caption[c], cn); break;
		case PLOT_CPU: rc = chart_cpu(&r, &f, o->why[c], wn, o->caption[c], cn); break;
		}
		if (files_close(&f) && rc == 0) {
			snprintf(o->why[c], wn, "cannot write %s: %s", f.data, strerror(errno));
			rc = -2;
		}
		o->lacks[c] = rc == -1;
		struct gp_job job = {in->scripts, in->gnuplot, plot_name(c), plot_heading(c)};
		if (rc == 0 && run_gnuplot(&job, &f, title, "png", o->png[c], o->why[c], wn) == 0 &&
		    run_gnuplot(&job, &f, title, "svg", o->svg[c], o->why[c], wn) == 0) {
			o->drawn[c] = true;
			drawn++;
		} else {
			unlink(o->png[c]);
			o->png[c][0] = o->svg[c][0] = 0;
		}
	}
	run_free(&r);
	return drawn;
}

int plot_sweep(const struct plot_sweep_input *in, const char *out, char png[1200], char svg[1200],
	       char *why, size_t wn)
{
	snprintf(png, 1200, "%s/sweep.png", out);
	snprintf(svg, 1200, "%s/sweep.svg", out);
	unlink(png);
	unlink(svg);
	char dir[1100];
	if (quoted_folder(out, in->scripts, why, wn) || make_data_dir(out, dir, why, wn))
		return -1;
	struct files f;
	if (files_open_named(&f, out, "sweep")) {
		snprintf(why, wn, "cannot write into %s: %s", dir, strerror(errno));
		return -1;
	}
	/* One row per cell: client index, server index, round trip (NaN on
	 * the diagonal and where a pair failed), a blank line between rows
	 * (gnuplot's grid format). */
	fprintf(f.d, "# client_index server_index round_trip_p50_ns\n");
	double lo = INFINITY, hi = 0;
	for (int i = 0; i < in->n; i++) {
		for (int j = 0; j < in->n; j++) {
			double v = in->m[i * in->n + j];
			bool ok = i != j && isfinite(v) && v > 0;
			fprintf(f.d, ok ? "%d %d %.1f\n" : "%d %d NaN\n", i, j, v);
			if (ok) {
				lo = fmin(lo, v);
				hi = fmax(hi, v);
			}
		}
		fprintf(f.d, "\n");
	}
	fprintf(f.v, "n = %d\n", in->n);
	fprintf(f.v, "set xtics (");
	for (int i = 0; i < in->n; i++)
		fprintf(f.v, "%s\"%d\" %d", i ? ", " : "", in->cpus[i], i);
	fprintf(f.v, ")\nset ytics (");
	for (int i = 0; i < in->n; i++)
		fprintf(f.v, "%s\"%d\" %d", i ? ", " : "", in->cpus[i], i);
	fprintf(f.v, ")\n");
	plot_gp_var(f.v, "what", "%s", in->what);
	fprintf(f.v, "lo = %.1f\nhi = %.1f\n", isfinite(lo) ? lo : 0, hi > lo ? hi : lo + 1);
	if (files_close(&f)) {
		snprintf(why, wn, "cannot write %s: %s", f.data, strerror(errno));
		return -1;
	}
	if (!isfinite(lo)) {
		snprintf(why, wn, "no pair was measured");
		return -1;
	}
	struct gp_job job = {in->scripts, in->gnuplot, "sweep", "Round trip between CPUs"};
	if (run_gnuplot(&job, &f, in->title, "png", png, why, wn) ||
	    run_gnuplot(&job, &f, in->title, "svg", svg, why, wn)) {
		unlink(png);
		return -1;
	}
	return 0;
}
