/* dashboard.c: the static site of every machine's nightly figures, from the
 * results store (dashboard.h). */
#include "report/dashboard.h"

#include "report/page.h"
#include "report/plot.h"
#include "judge/history.h"
#include "judge/sample.h"
#include "judge/states.h"
#include "judge/stats.h"
#include "judge/verdict.h"
#include "judge/writeup.h"
#include "measure/results.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define esc   writeup_html_text
#define NIGHT "night"
/* A case's trend: at most two panels (p50 and p99), and a line for every
 * machine and state with a point, however many. */
#define MAX_PANELS 2

/* A figure a trend draws: its field, its enum fig (for its label and
 * how its values are written), the axis' label and scale. */
struct dfig {
	const char *key;
	enum fig fig;
	const char *ylabel;
	double scale;
};

static const struct dfig fig_rate = {"items_per_second", FIG_RATE, "M msg/s", 1e-6};
static const struct dfig fig_p50 = {"p50_ns", FIG_P50, "p50, ns", 1};
static const struct dfig fig_p99 = {"p99_ns", FIG_P99, "p99, ns", 1};
static const struct dfig fig_time = {"real_time", FIG_TIME, "real time, ns", 1};

/* The figures of a case's trend, by its mode (its name up to the first
 * '/'): a stream's throughput; a ping-pong's or fixed-rate run's p50 and
 * p99; for any other case its rate or, without one, its time (a panel
 * without a point is left out). */
static int case_figs(const char *name, const struct dfig *out[MAX_PANELS])
{
	if (strncmp(name, "stream/", 7) == 0) {
		out[0] = &fig_rate;
		return 1;
	}
	if (strncmp(name, "pingpong/", 9) == 0 || strncmp(name, "latency/", 8) == 0) {
		out[0] = &fig_p50;
		out[1] = &fig_p99;
		return 2;
	}
	out[0] = &fig_rate;
	out[1] = &fig_time;
	return 2;
}

struct dmachine {
	char *id;
	struct store_run *runs; /* its nights, oldest first (the newest o->last) */
	int nruns;
	json_t *context; /* its newest run's context (NULL: none) */
	json_t *steps;	 /* the ledger: {"reported": [...]} */
	char steps_why[600];
	/* every repetition's probe, over all cases and nights: its states */
	double *probe;
	int nprobe, capprobe;
	struct states st;
	/* the latest verdict: the newest night against the stored baseline */
	struct sample_set base, cur;
	bool have_base, have_cur, judged;
	struct judge_opts opts;
	struct judgement j;
	struct writeup_meta meta;
	char no_verdict[1400];
};

/* A run id's machine and night. */
struct runref {
	int64_t id;
	int m, k;
};

/* One repetition of a case's figure on a machine's night. */
struct dpoint {
	int m, k;
	double v, probe;
};

/* One line of a trend: a machine in one state, a point per night. */
struct dseries {
	int m, s;
	int n, cap;
	int *k; /* the nights, indexes into the machine's runs */
	double *v;
};

/* The lines of one figure, as many as its machines and states make. */
struct dlines {
	struct dseries *se;
	int n, cap;
};

struct dcase {
	int drawn;    /* 1 drawn, 0 lacking (why), -1 gnuplot failed (why) */
	int machines; /* machines with a point */
	char why[1400];
};

struct site {
	struct store *s;
	const struct dashboard_opts *o;
	struct dashboard_result *r;
	struct dmachine *m;
	int nm;
	char **cases;
	int nc;
	struct dcase *dc;
	struct runref *refs;
	int nrefs;
	char when[64]; /* when the site was written */
};

/* ---- reading the store ---- */

/* ISO 8601 (2026-11-21T00:00:00+0000, ...Z, ...+00:00, fractions of a
 * second) as seconds since the epoch; 0 when it is none. */
static time_t iso_time(const char *s)
{
	int y, mo, d, h = 0, mi = 0, sec = 0;
	if (sscanf(s, "%d-%d-%dT%d:%d:%d", &y, &mo, &d, &h, &mi, &sec) < 3)
		return 0;
	struct tm tm = {.tm_year = y - 1900,
			.tm_mon = mo - 1,
			.tm_mday = d,
			.tm_hour = h,
			.tm_min = mi,
			.tm_sec = sec};
	time_t t = timegm(&tm);
	const char *p = strchr(s, 'T');
	if (!p)
		return t;
	p += 1 + strspn(p + 1, "0123456789:.");
	int oh = 0, om = 0;
	if ((*p == '+' || *p == '-') && sscanf(p + 1, "%2d:%2d", &oh, &om) < 2)
		sscanf(p + 1, "%2d%2d", &oh, &om);
	return t - (*p == '-' ? -1 : *p == '+' ? 1 : 0) * (oh * 3600 + om * 60);
}

static int cmp_ref(const void *pa, const void *pb)
{
	const struct runref *a = pa, *b = pb;
	return a->id < b->id ? -1 : a->id > b->id;
}

static const struct runref *run_ref(const struct site *w, int64_t id)
{
	struct runref key = {.id = id};
	return bsearch(&key, w->refs, (size_t)w->nrefs, sizeof(key), cmp_ref);
}

static int cmp_run_rep(const void *pa, const void *pb)
{
	const struct store_point *a = pa, *b = pb;
	if (a->run != b->run)
		return a->run < b->run ? -1 : 1;
	return (a->repetition > b->repetition) - (a->repetition < b->repetition);
}

/* The repetitions of figure key of case name on every machine's nights
 * drawn, each with its probe: the mean of its state_before_ns and
 * state_after_ns where they agree (states.h's probe_state), 0 where they
 * do not; only state_before_ns where the store has no state_after_ns.
 * *out malloc'd.  0, or -1 with err. */
static int fetch(struct site *w, const char *name, const char *key, struct dpoint **out, int *nout,
		 char *err, size_t n)
{
	struct store_point *p = NULL, *a = NULL;
	int np = 0, na = 0;
	*out = NULL;
	*nout = 0;
	if (store_figure(w->s, NULL, NIGHT, name, key, &p, &np, err, n))
		return -1;
	if (np && store_figure(w->s, NULL, NIGHT, name, "state_after_ns", &a, &na, err, n)) {
		free(p);
		return -1;
	}
	if (na > 1)
		qsort(a, (size_t)na, sizeof(*a), cmp_run_rep);
	struct dpoint *d = malloc(((size_t)np + 1) * sizeof(*d));
	if (!d) {
		free(p);
		free(a);
		snprintf(err, n, "out of memory");
		return -1;
	}
	int k = 0;
	for (int i = 0; i < np; i++) {
		const struct runref *r = run_ref(w, p[i].run);
		if (!r || !isfinite(p[i].value))
			continue;
		double probe = p[i].state_ns > 0 ? p[i].state_ns : 0;
		if (na) {
			const struct store_point *after =
			    bsearch(&p[i], a, (size_t)na, sizeof(*a), cmp_run_rep);
			probe = after ? probe_state(p[i].state_ns, after->value) : 0;
		}
		d[k++] = (struct dpoint){.m = r->m, .k = r->k, .v = p[i].value, .probe = probe};
	}
	free(p);
	free(a);
	*out = d;
	*nout = k;
	return 0;
}

static int add_probe(struct dmachine *m, double probe)
{
	if (m->nprobe == m->capprobe) {
		int cap = m->capprobe ? 2 * m->capprobe : 1024;
		double *t = realloc(m->probe, (size_t)cap * sizeof(*t));
		if (!t)
			return -1;
		m->probe = t;
		m->capprobe = cap;
	}
	m->probe[m->nprobe++] = probe;
	return 0;
}

/* Each machine's states, from the probes of every repetition of every
 * case's first figure on its nights: one grouping for the whole machine,
 * as the history groups them. */
static int find_states(struct site *w, char *err, size_t n)
{
	for (int c = 0; c < w->nc; c++) {
		const struct dfig *f[MAX_PANELS];
		case_figs(w->cases[c], f);
		struct dpoint *d;
		int nd;
		if (fetch(w, w->cases[c], f[0]->key, &d, &nd, err, n))
			return -1;
		for (int i = 0; i < nd; i++)
			if (add_probe(&w->m[d[i].m], d[i].probe)) {
				free(d);
				snprintf(err, n, "out of memory");
				return -1;
			}
		free(d);
	}
	for (int i = 0; i < w->nm; i++) {
		const struct dmachine *m = &w->m[i];
		bool probed = false;
		for (int k = 0; k < m->nprobe && !probed; k++)
			probed = m->probe[k] > 0;
		/* Probes make at least one state: -1 with one is its
		 * allocation failing. */
		if (states_main(m->probe, m->nprobe, &w->m[i].st) < 0 && probed) {
			snprintf(err, n, "out of memory");
			return -1;
		}
	}
	return 0;
}

/* The newest night judged against the machine's stored baseline, by runs,
 * as check judges where it cannot build the baseline's revision; or why
 * there is no verdict. */
static void machine_verdict(struct site *w, struct dmachine *m)
{
	char err[1200];
	struct store_run base;
	int found = store_find_run(w->s, m->id, "baseline", "", &base, err, sizeof(err));
	if (found <= 0) {
		snprintf(m->no_verdict, sizeof(m->no_verdict), "%s%s",
			 found ? "the baseline cannot be read: " : "",
			 found ? err : "the store holds no baseline for this machine");
		return;
	}
	const struct store_run *night = &m->runs[m->nruns - 1];
	json_t *bd = store_get_doc(w->s, base.id, err, sizeof(err));
	json_t *cd = bd ? store_get_doc(w->s, night->id, err, sizeof(err)) : NULL;
	char bl[600], cl[600];
	snprintf(bl, sizeof(bl), "%s: %s's baseline", store_name(w->s), m->id);
	snprintf(cl, sizeof(cl), "%s: %s's night %s", store_name(w->s), m->id, night->name);
	m->have_base = bd && cd && sample_from_json(bd, bl, &m->base, err, sizeof(err)) == 0;
	m->have_cur = m->have_base && sample_from_json(cd, cl, &m->cur, err, sizeof(err)) == 0;
	json_decref(bd);
	json_decref(cd);
	judge_defaults(&m->opts, false);
	m->opts.runs = true;
	if (m->have_cur && judge(&m->base, &m->cur, &m->opts, &m->j, err, sizeof(err)) == 0)
		m->judged = true;
	else
		snprintf(m->no_verdict, sizeof(m->no_verdict), "%s", err);
	m->meta = (struct writeup_meta){.command = "check",
					.base = &m->base,
					.cur = &m->cur,
					.base_label = "baseline",
					.cur_label = "newest night",
					.opts = &m->opts};
}

/* The machines, their nights, contexts, ledgers and verdicts; the cases. */
static int read_store(struct site *w, char *err, size_t n)
{
	char **ids = NULL;
	int nids = 0;
	if (store_machines(w->s, &ids, &nids, err, n))
		return -1;
	w->m = calloc((size_t)nids + 1, sizeof(*w->m));
	if (!w->m) {
		store_free_names(ids, nids);
		snprintf(err, n, "out of memory");
		return -1;
	}
	int last = w->o->last > 0 ? w->o->last : HISTORY_MAX_NIGHTS, nrefs = 0;
	for (int i = 0; i < nids; i++) {
		struct dmachine *m = &w->m[w->nm];
		if (store_list_runs(w->s, ids[i], NIGHT, last, &m->runs, &m->nruns, err, n)) {
			store_free_names(ids, nids);
			return -1;
		}
		if (m->nruns == 0)
			continue; /* baselines only: nothing to draw */
		m->id = strdup(ids[i]);
		if (!m->id) {
			/* not counted yet: site_free frees its runs as a skipped one's */
			store_free_names(ids, nids);
			snprintf(err, n, "out of memory");
			return -1;
		}
		w->nm++;
		nrefs += m->nruns;
		m->context = store_machine_context(w->s, m->id, err, n);
		m->steps = store_get_steps(w->s, m->id, err, n);
		if (!m->steps)
			snprintf(m->steps_why, sizeof(m->steps_why), "%s", err);
	}
	store_free_names(ids, nids);
	if (w->nm == 0)
		return 0;
	w->refs = malloc((size_t)nrefs * sizeof(*w->refs));
	if (!w->refs) {
		snprintf(err, n, "out of memory");
		return -1;
	}
	for (int i = 0; i < w->nm; i++)
		for (int k = 0; k < w->m[i].nruns; k++)
			w->refs[w->nrefs++] = (struct runref){w->m[i].runs[k].id, i, k};
	qsort(w->refs, (size_t)w->nrefs, sizeof(*w->refs), cmp_ref);
	if (store_cases(w->s, NIGHT, &w->cases, &w->nc, err, n))
		return -1;
	w->dc = calloc((size_t)w->nc + 1, sizeof(*w->dc));
	if (!w->dc) {
		snprintf(err, n, "out of memory");
		return -1;
	}
	for (int i = 0; i < w->nm; i++)
		machine_verdict(w, &w->m[i]);
	return find_states(w, err, n);
}

static void site_free(struct site *w)
{
	for (int i = 0; i < w->nm; i++) {
		struct dmachine *m = &w->m[i];
		free(m->id);
		free(m->runs);
		free(m->probe);
		json_decref(m->context);
		json_decref(m->steps);
		if (m->judged)
			judgement_free(&m->j);
		if (m->have_base)
			sample_free(&m->base);
		if (m->have_cur)
			sample_free(&m->cur);
	}
	/* A machine skipped for having no nights has its runs' list only. */
	if (w->m)
		free(w->m[w->nm].runs);
	free(w->m);
	store_free_names(w->cases, w->nc);
	free(w->dc);
	free(w->refs);
}

/* ---- the trends ---- */

/* The state a repetition is in on machine m: an index, 0 when the machine
 * recorded no probes, -1 when it is in none. */
static int state_of(const struct dmachine *m, double probe)
{
	return m->st.used ? states_which(&m->st, probe) : 0;
}

/* "bare line 61 ns", "bare line 58-68 ns", "no state probes". */
static void state_text(char *out, size_t n, const struct dmachine *m, int s)
{
	if (!m->st.used)
		snprintf(out, n, "no state probes");
	else if (lround(m->st.lo[s]) == lround(m->st.hi[s]))
		snprintf(out, n, "bare line %.0f ns", m->st.lo[s]);
	else
		snprintf(out, n, "bare line %.0f-%.0f ns", m->st.lo[s], m->st.hi[s]);
}

static int cmp_dpoint(const void *pa, const void *pb)
{
	const struct dpoint *a = pa, *b = pb;
	if (a->m != b->m)
		return a->m - b->m;
	return a->k - b->k;
}

static int cmp_series(const void *pa, const void *pb)
{
	const struct dseries *a = pa, *b = pb;
	return a->m != b->m ? a->m - b->m : a->s - b->s;
}

/* Machine m's line in state s, made if new; NULL out of memory. */
static struct dseries *series_of(struct dlines *l, int m, int s)
{
	for (int i = 0; i < l->n; i++)
		if (l->se[i].m == m && l->se[i].s == s)
			return &l->se[i];
	if (l->n == l->cap) {
		int cap = l->cap ? 2 * l->cap : 16;
		struct dseries *t = realloc(l->se, (size_t)cap * sizeof(*t));
		if (!t)
			return NULL;
		l->se = t;
		l->cap = cap;
	}
	l->se[l->n] = (struct dseries){.m = m, .s = s};
	return &l->se[l->n++];
}

static int series_add(struct dseries *s, int k, double v)
{
	if (s->n == s->cap) {
		int cap = s->cap ? 2 * s->cap : 64;
		int *tk = realloc(s->k, (size_t)cap * sizeof(*tk));
		if (tk)
			s->k = tk;
		double *tv = realloc(s->v, (size_t)cap * sizeof(*tv));
		if (tv)
			s->v = tv;
		if (!tk || !tv)
			return -1;
		s->cap = cap;
	}
	s->k[s->n] = k;
	s->v[s->n++] = v;
	return 0;
}

static void lines_free(struct dlines *l)
{
	for (int i = 0; i < l->n; i++) {
		free(l->se[i].k);
		free(l->se[i].v);
	}
	free(l->se);
	*l = (struct dlines){0};
}

/* The lines of one figure into l (empty, freed with lines_free): a point
 * per machine, state and night with at least HISTORY_MIN_REPS repetitions
 * in the state (their median).  Sorted by machine, then state.  0, or -1
 * out of memory (l empty). */
static int build_series(struct site *w, struct dpoint *d, int nd, struct dlines *l)
{
	*l = (struct dlines){0};
	double *x = malloc(((size_t)nd + 1) * sizeof(*x));
	if (!x)
		return -1;
	qsort(d, (size_t)nd, sizeof(*d), cmp_dpoint);
	for (int i = 0; i < nd;) {
		int j = i;
		while (j < nd && d[j].m == d[i].m && d[j].k == d[i].k)
			j++;
		const struct dmachine *m = &w->m[d[i].m];
		int nst = m->st.used ? m->st.n : 1;
		for (int s = 0; s < nst; s++) {
			int c = 0;
			for (int q = i; q < j; q++)
				if (state_of(m, d[q].probe) == s && d[q].v > 0)
					x[c++] = d[q].v;
			if (c < HISTORY_MIN_REPS)
				continue;
			struct dseries *t = series_of(l, d[i].m, s);
			if (!t || series_add(t, d[i].k, stats_median(x, c))) {
				free(x);
				lines_free(l);
				return -1;
			}
		}
		i = j;
	}
	free(x);
	if (l->n > 1)
		qsort(l->se, (size_t)l->n, sizeof(*l->se), cmp_series);
	return 0;
}

static bool overlaps(double lo1, double hi1, double lo2, double hi2)
{
	return lo1 <= hi2 * STATE_GAP && hi1 * STATE_GAP >= lo2;
}

/* The series of machine m in the state a ledger entry names (its probe
 * range; 0 0 without probes) with a point on night k: its value, or NaN. */
static double step_value(const struct site *w, const struct dseries *se, int ns, int m, double lo,
			 double hi, int k)
{
	for (int i = 0; i < ns; i++) {
		const struct dmachine *dm = &w->m[se[i].m];
		if (se[i].m != m)
			continue;
		if (dm->st.used && !overlaps(lo, hi, dm->st.lo[se[i].s], dm->st.hi[se[i].s]))
			continue;
		for (int p = 0; p < se[i].n; p++)
			if (se[i].k[p] == k)
				return se[i].v[p];
	}
	return NAN;
}

/* The index of machine m's night named name, or -1. */
static int night_of(const struct dmachine *m, const char *name)
{
	for (int k = m->nruns - 1; k >= 0; k--)
		if (strcmp(m->runs[k].name, name) == 0)
			return k;
	return -1;
}

static const char *jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

/* Panel p's steps (the ledger's of this case and figure on every
 * machine, at the night after them) into sf; how many. */
static int panel_steps(const struct site *w, const char *name, const struct dfig *f,
		       const struct dseries *se, int ns, FILE *sf, int p)
{
	int count = 0;
	for (int m = 0; m < w->nm; m++) {
		size_t i;
		json_t *e;
		json_array_foreach(json_object_get(w->m[m].steps, "reported"), i, e)
		{
			if (strcmp(jstr(e, "case"), name) || strcmp(jstr(e, "figure"), f->key))
				continue;
			int k = night_of(&w->m[m], jstr(e, "first_after"));
			double lo = json_number_value(json_object_get(e, "state_lo_ns"));
			double hi = json_number_value(json_object_get(e, "state_hi_ns"));
			double y = k < 0 ? NAN : step_value(w, se, ns, m, lo, hi, k);
			if (!isfinite(y))
				continue; /* outside the nights drawn: in the table only */
			char label[300];
			snprintf(label, sizeof(label), "%+.1f%% at %s",
				 100 * json_number_value(json_object_get(e, "change")),
				 jstr(e, "revision_after"));
			fprintf(sf, "%d %lld %.6g ", p, (long long)iso_time(w->m[m].runs[k].time),
				y * f->scale);
			plot_gp_field(sf, label);
			fputc('\n', sf);
			count++;
		}
	}
	return count;
}

/* The data file's blocks (a line each) over a trend's panels: each one's
 * legend entry and line style. */
struct dblocks {
	char (*title)[200];
	int *style;
	int n, cap;
};

static int blocks_add(struct dblocks *b, const char *id, const char *state, int style)
{
	if (b->n == b->cap) {
		int cap = b->cap ? 2 * b->cap : 16;
		char(*t)[200] = realloc(b->title, (size_t)cap * sizeof(*t));
		if (t)
			b->title = t;
		int *st = realloc(b->style, (size_t)cap * sizeof(*st));
		if (st)
			b->style = st;
		if (!t || !st)
			return -1;
		b->cap = cap;
	}
	/* a long id shortened, never the state that tells its lines apart */
	int room = (int)sizeof(b->title[b->n]) - (int)strlen(state) - 3;
	snprintf(b->title[b->n], sizeof(b->title[b->n]), "%.*s, %s", room > 0 ? room : 0, id,
		 state);
	b->style[b->n++] = style;
	return 0;
}

struct trend_files {
	char data[1200], vars[1200], steps[1200], svg[1200], png[1200], stem[32];
	FILE *d, *v, *s;
	int nsteps; /* steps written so far, the panels before */
};

/* One panel of case c's trend: its lines into the data file as the blocks
 * from b->n on, its variables, its steps.  Returns the lines written (0:
 * the figure has no point), -1 with err. */
static int trend_panel(struct site *w, int c, const struct dfig *f, int p, struct dblocks *b,
		       struct trend_files *tf, char *err, size_t n)
{
	struct dpoint *d;
	int nd;
	if (fetch(w, w->cases[c], f->key, &d, &nd, err, n))
		return -1;
	struct dlines l;
	int rc = build_series(w, d, nd, &l);
	free(d);
	if (rc < 0) {
		snprintf(err, n, "out of memory");
		return -1;
	}
	if (l.n == 0) {
		lines_free(&l);
		return 0;
	}
	struct dseries *se = l.se;
	int ns = l.n;
	double lo = INFINITY, hi = 0;
	int first = b->n;
	for (int i = 0; i < ns; i++) {
		const struct dmachine *m = &w->m[se[i].m];
		char st[80];
		state_text(st, sizeof(st), m, se[i].s);
		plot_gp_comment(tf->d, "%s, %s, %s: time value", m->id, st, f->key);
		for (int q = 0; q < se[i].n; q++) {
			fprintf(tf->d, "%lld %.6g\n", (long long)iso_time(m->runs[se[i].k[q]].time),
				se[i].v[q] * f->scale);
			lo = fmin(lo, se[i].v[q] * f->scale);
			hi = fmax(hi, se[i].v[q] * f->scale);
		}
		fprintf(tf->d, "\n\n");
		/* a machine's look the same in every panel */
		if (blocks_add(b, m->id, st, 1 + i % 15)) {
			lines_free(&l);
			snprintf(err, n, "out of memory");
			return -1;
		}
	}
	fprintf(tf->v, "p%d_first = %d\np%d_n = %d\np%d_logy = %d\n", p, first, p, ns, p,
		lo > 0 && hi / lo > 8);
	char var[32];
	snprintf(var, sizeof(var), "p%d_title", p);
	plot_gp_var(tf->v, var, "%s", fig_info[f->fig].label);
	snprintf(var, sizeof(var), "p%d_ylabel", p);
	plot_gp_var(tf->v, var, "%s", f->ylabel);
	int nsteps = panel_steps(w, w->cases[c], f, se, ns, tf->s, p);
	fprintf(tf->v, "p%d_step0 = %d\np%d_nsteps = %d\n", p, tf->nsteps, p, nsteps);
	tf->nsteps += nsteps;
	int machines = 0;
	for (int i = 0; i < ns; i++)
		machines += i == 0 || se[i].m != se[i - 1].m;
	if (machines > w->dc[c].machines)
		w->dc[c].machines = machines;
	lines_free(&l);
	return ns;
}

static int trend_open(struct site *w, int c, struct trend_files *tf, char *err, size_t n)
{
	snprintf(tf->stem, sizeof(tf->stem), "case-%03d", c + 1);
	snprintf(tf->data, sizeof(tf->data), "%s/data/%s.dat", w->o->out, tf->stem);
	snprintf(tf->vars, sizeof(tf->vars), "%s/data/%s.vars.gp", w->o->out, tf->stem);
	snprintf(tf->steps, sizeof(tf->steps), "%s/data/%s-steps.dat", w->o->out, tf->stem);
	snprintf(tf->svg, sizeof(tf->svg), "%s/charts/%s.svg", w->o->out, tf->stem);
	snprintf(tf->png, sizeof(tf->png), "%s/charts/%s.png", w->o->out, tf->stem);
	tf->d = fopen(tf->data, "w");
	tf->v = fopen(tf->vars, "w");
	tf->s = fopen(tf->steps, "w");
	if (tf->d && tf->v && tf->s)
		return 0;
	snprintf(err, n, "cannot write into %s/data: %s", w->o->out, strerror(errno));
	if (tf->d)
		fclose(tf->d);
	if (tf->v)
		fclose(tf->v);
	if (tf->s)
		fclose(tf->s);
	return -1;
}

/* Case c's trend: its files and its images, or why not (w->dc[c]).  0, or
 * -1 with err (the store, or a file that cannot be written). */
static int draw_case(struct site *w, int c, char *err, size_t n)
{
	struct dcase *dc = &w->dc[c];
	struct trend_files tf = {0};
	/* An old image must never pass for this store's trend. */
	char stale[1300];
	snprintf(stale, sizeof(stale), "%s/charts/case-%03d.svg", w->o->out, c + 1);
	unlink(stale);
	snprintf(stale, sizeof(stale), "%s/charts/case-%03d.png", w->o->out, c + 1);
	unlink(stale);
	if (trend_open(w, c, &tf, err, n))
		return -1;
	const struct dfig *f[MAX_PANELS];
	int nf = case_figs(w->cases[c], f), panels = 0, rc = 0;
	struct dblocks blocks = {0};
	fprintf(tf.s, "# panel time value label (the steps check reported, at the night "
		      "after them)\n");
	for (int i = 0; i < nf && rc >= 0; i++) {
		rc = trend_panel(w, c, f[i], panels + 1, &blocks, &tf, err, n);
		panels += rc > 0;
	}
	fprintf(tf.v, "panels = %d\nb_n = %d\n", panels, blocks.n);
	if (blocks.n)
		fprintf(tf.v, "array b_title[%d]\narray b_style[%d]\n", blocks.n, blocks.n);
	for (int b = 0; b < blocks.n; b++) {
		char var[32];
		snprintf(var, sizeof(var), "b_title[%d]", b + 1);
		plot_gp_var(tf.v, var, "%s", blocks.title[b]);
		fprintf(tf.v, "b_style[%d] = %d\n", b + 1, blocks.style[b]);
	}
	free(blocks.title);
	free(blocks.style);
	plot_gp_var(tf.v, "steps", "%s", tf.steps);
	int bad = ferror(tf.d) | ferror(tf.v) | ferror(tf.s);
	bad |= fclose(tf.d) | fclose(tf.v) | fclose(tf.s);
	if (rc < 0)
		return -1;
	if (bad) {
		snprintf(err, n, "cannot write %s: %s", tf.data, strerror(errno));
		return -1;
	}
	if (panels == 0) {
		dc->drawn = 0;
		snprintf(dc->why, sizeof(dc->why),
			 "no night has %d repetitions of it in one machine state on any machine",
			 HISTORY_MIN_REPS);
		return 0;
	}
	char logdir[1100], sub[400];
	snprintf(logdir, sizeof(logdir), "%s/data", w->o->out);
	snprintf(sub, sizeof(sub),
		 "night by night on every machine: a line per machine and "
		 "machine state");
	struct plot_job job = {
	    .scripts = w->o->scripts,
	    .gnuplot = w->o->gnuplot,
	    .script = "dashboard",
	    .heading = w->cases[c],
	    .data = tf.data,
	    .vars = tf.vars,
	    .logdir = logdir,
	    .name = tf.stem,
	};
	if (plot_render(&job, sub, "svg", tf.svg, dc->why, sizeof(dc->why)) ||
	    plot_render(&job, sub, "png", tf.png, dc->why, sizeof(dc->why))) {
		unlink(tf.svg);
		dc->drawn = -1;
		return 0;
	}
	dc->drawn = 1;
	return 0;
}

/* ---- the pages ---- */

static const char site_css[] = "td.v{white-space:nowrap}.site nav a{margin-right:1em}"
			       "p.small{font-size:.9em;color:#555}";

static FILE *page_open(struct site *w, const char *name, char *tmp, size_t tn, const char *title)
{
	char path[1300];
	snprintf(path, sizeof(path), "%s/%s", w->o->out, name);
	FILE *f = writeup_open_tmp(path, tmp, tn);
	if (!f)
		return NULL;
	fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		   "<title>ringbench dashboard: ");
	esc(f, title);
	fprintf(f, "</title>\n<style>%s%s</style>\n</head>\n<body class=\"site\">\n", page_css,
		site_css);
	fprintf(f, "<nav><a href=\"index.html\">dashboard</a><a href=\"index.html#machines\">"
		   "machines</a><a href=\"index.html#cases\">cases</a></nav>\n");
	return f;
}

static int page_close(struct site *w, FILE *f, const char *name, const char *tmp, char *err,
		      size_t n)
{
	fprintf(f, "<p class=\"meta\">Written by ringbench %s from <code>", w->when);
	esc(f, store_name(w->s));
	fprintf(f, "</code>.</p>\n</body>\n</html>\n");
	char path[1300];
	snprintf(path, sizeof(path), "%s/%s", w->o->out, name);
	if (writeup_close_tmp(f, tmp, path)) {
		snprintf(err, n, "cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static void html_missing(FILE *f, const char *lead, const char *why)
{
	fprintf(f, "<p class=\"missing\">%s", lead);
	esc(f, why);
	fprintf(f, "</p>\n");
}

/* The fields of a context a reader compares machines by, in this order. */
static const char *const context_keys[] = {
    "cpu_model",
    "cores",
    "smt",
    "num_cpus",
    "virtualization",
    "hypervisor",
    "kernel",
    "microcode",
    "governor",
    "mhz_per_cpu",
    "host_name",
    "cpus",
    "clock",
    "clock_resolution_ns",
    "library_build_type",
    "scenario",
    "date",
    "git_revision",
};
#define NCONTEXT ((int)(sizeof(context_keys) / sizeof(context_keys[0])))

static void context_value(FILE *f, json_t *v)
{
	if (json_is_string(v))
		esc(f, json_string_value(v));
	else if (json_is_integer(v))
		fprintf(f, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		fprintf(f, "%g", json_real_value(v));
	else if (json_is_boolean(v))
		fprintf(f, "%s", json_is_true(v) ? "yes" : "no");
}

static const char *context_str(const struct dmachine *m, const char *key)
{
	const char *s = json_string_value(json_object_get(m->context, key));
	return s && s[0] ? s : "?";
}

/* The verdict in a few words: "REGRESSION (2 regressions)", "pass". */
static void verdict_word(FILE *f, const struct dmachine *m)
{
	if (!m->judged) {
		fprintf(f, "not available: ");
		esc(f, m->no_verdict);
		return;
	}
	char *sum = NULL;
	size_t len = 0;
	FILE *mf = open_memstream(&sum, &len);
	if (mf) {
		writeup_summary(mf, &m->j, &m->meta);
		fclose(mf);
	}
	if (sum)
		sum[strcspn(sum, "\n")] = 0;
	esc(f, sum ? sum : "");
	free(sum);
}

static void steps_table(FILE *f, const struct site *w, int only_m, const char *only_case)
{
	int rows = 0;
	for (int m = 0; m < w->nm; m++) {
		if (only_m >= 0 && m != only_m)
			continue;
		size_t i;
		json_t *e;
		json_array_foreach(json_object_get(w->m[m].steps, "reported"), i, e)
		{
			if (only_case && strcmp(jstr(e, "case"), only_case))
				continue;
			if (rows++ == 0)
				fprintf(
				    f,
				    "<table>\n<tr>%s<th>figure</th><th>state</th><th>change</th>"
				    "<th>revision before</th><th>revision after</th>"
				    "<th>first night after</th><th>reported on the "
				    "night</th></tr>\n",
				    only_case ? "<th>machine</th>" : "<th>case</th>");
			fprintf(f, "<tr><td><code>");
			esc(f, only_case ? w->m[m].id : jstr(e, "case"));
			fprintf(f, "</code></td><td>");
			esc(f, jstr(e, "figure"));
			double lo = json_number_value(json_object_get(e, "state_lo_ns"));
			double hi = json_number_value(json_object_get(e, "state_hi_ns"));
			if (hi > 0)
				fprintf(f, "</td><td>bare line %.0f-%.0f ns", lo, hi);
			else
				fprintf(f, "</td><td>no state probes");
			fprintf(f, "</td><td class=\"n\">%+.1f%%</td><td><code>",
				100 * json_number_value(json_object_get(e, "change")));
			esc(f, jstr(e, "revision_before"));
			fprintf(f, "</code></td><td><code>");
			esc(f, jstr(e, "revision_after"));
			fprintf(f, "</code></td><td>");
			esc(f, jstr(e, "first_after"));
			fprintf(f, "</td><td>");
			esc(f, jstr(e, "night"));
			fprintf(f, "</td></tr>\n");
		}
		if (only_m >= 0 && !w->m[m].steps)
			html_missing(f, "The steps cannot be read: ", w->m[m].steps_why);
	}
	if (rows)
		fprintf(f, "</table>\n");
	else
		fprintf(f, "<p>None reported.</p>\n");
}

static int machine_page(struct site *w, int i, char *err, size_t n)
{
	struct dmachine *m = &w->m[i];
	char name[64], tmp[1400];
	snprintf(name, sizeof(name), "machine-%02d.html", i + 1);
	FILE *f = page_open(w, name, tmp, sizeof(tmp), m->id);
	if (!f) {
		snprintf(err, n, "cannot write into %s: %s", w->o->out, strerror(errno));
		return -1;
	}
	fprintf(f, "<h1>Machine <code>");
	esc(f, m->id);
	fprintf(f, "</code></h1>\n<p class=\"meta\">%d nights drawn, from ", m->nruns);
	esc(f, m->runs[0].time);
	fprintf(f, " (revision <code>");
	esc(f, m->runs[0].revision);
	fprintf(f, "</code>) to ");
	esc(f, m->runs[m->nruns - 1].time);
	fprintf(f, " (revision <code>");
	esc(f, m->runs[m->nruns - 1].revision);
	fprintf(f, "</code>).</p>\n<h2 id=\"context\">Context</h2>\n");
	if (!m->context) {
		html_missing(f, "", "The store holds no context for this machine.");
	} else {
		fprintf(f, "<p>As its newest run recorded it.</p>\n<table>\n");
		for (int k = 0; k < NCONTEXT; k++) {
			json_t *v = json_object_get(m->context, context_keys[k]);
			if (!v || json_is_object(v) || json_is_array(v))
				continue;
			fprintf(f, "<tr><th>%s</th><td>", context_keys[k]);
			context_value(f, v);
			fprintf(f, "</td></tr>\n");
		}
		fprintf(f, "</table>\n");
	}
	fprintf(f, "<h2 id=\"states\">Machine states</h2>\n<p>");
	if (!m->st.used)
		fprintf(f, "Its runs recorded no state probes: every night is one line.");
	else {
		fprintf(f, "The probes of its nights fall in %d state%s: ", m->st.n,
			m->st.n == 1 ? "" : "s");
		for (int s = 0; s < m->st.n; s++) {
			char st[80];
			state_text(st, sizeof(st), m, s);
			fprintf(f, "%s%s", s ? ", " : "", st);
		}
		fprintf(f, ". Each is a line of its own on every chart.");
	}
	fprintf(f, "</p>\n<h2 id=\"verdict\">Latest verdict</h2>\n");
	if (m->judged) {
		fprintf(f, "<p class=\"small\">The newest night (");
		esc(f, m->runs[m->nruns - 1].name);
		fprintf(f,
			") judged against the machine's stored baseline, the run as the unit, "
			"as <code>ringbench check</code> judges against stored runs. The verdict "
			"check gave that night is not kept in the store, and acknowledged "
			"regressions are not applied here.</p>\n");
		writeup_html(f, &m->j, &m->meta);
	} else {
		html_missing(f, "Not available: ", m->no_verdict);
	}
	fprintf(f, "<h2 id=\"steps\">Steps reported</h2>\n<p>The steps <code>ringbench "
		   "check</code> found in this machine's history, oldest first.</p>\n");
	steps_table(f, w, i, NULL);
	return page_close(w, f, name, tmp, err, n);
}

/* The newest point of each machine and state of case c's headline
 * figure, as a table. */
static void newest_table(FILE *f, struct site *w, int c)
{
	const struct dfig *fg[MAX_PANELS];
	case_figs(w->cases[c], fg);
	struct dpoint *d;
	int nd;
	char err[600];
	if (fetch(w, w->cases[c], fg[0]->key, &d, &nd, err, sizeof(err))) {
		html_missing(f, "Not available: ", err);
		return;
	}
	struct dlines l;
	int rc = build_series(w, d, nd, &l);
	free(d);
	if (rc < 0)
		html_missing(f, "Not available: ", "out of memory");
	const struct dseries *se = l.se;
	int ns = l.n;
	if (ns > 0) {
		fprintf(f,
			"<table>\n<tr><th>machine</th><th>state</th><th>nights</th>"
			"<th>newest %s</th><th>night</th><th>revision</th></tr>\n",
			fig_info[fg[0]->fig].label);
		for (int i = 0; i < ns; i++) {
			const struct dmachine *m = &w->m[se[i].m];
			const struct store_run *r = &m->runs[se[i].k[se[i].n - 1]];
			char st[80], v[64];
			state_text(st, sizeof(st), m, se[i].s);
			writeup_value(v, sizeof(v), se[i].v[se[i].n - 1], fg[0]->fig);
			fprintf(f, "<tr><td><a href=\"machine-%02d.html\"><code>", se[i].m + 1);
			esc(f, m->id);
			fprintf(f,
				"</code></a></td><td>%s</td><td class=\"n\">%d</td><td "
				"class=\"n v\">",
				st, se[i].n);
			esc(f, v);
			fprintf(f, "</td><td>");
			esc(f, r->time);
			fprintf(f, "</td><td><code>");
			esc(f, r->revision);
			fprintf(f, "</code></td></tr>\n");
		}
		fprintf(f, "</table>\n");
	}
	lines_free(&l);
}

/* Each machine's latest verdict on case c: the rows of its headline
 * figures, and any other that changed. */
static void case_verdicts(FILE *f, const struct site *w, int c)
{
	const struct dfig *fg[MAX_PANELS];
	int nf = case_figs(w->cases[c], fg), rows = 0;
	for (int m = 0; m < w->nm; m++) {
		const struct dmachine *dm = &w->m[m];
		if (!dm->judged)
			continue;
		for (int i = 0; i < dm->j.nrows; i++) {
			const struct judge_row *r = &dm->j.rows[i];
			bool headline = false;
			for (int k = 0; k < nf; k++)
				headline |= r->fig == fg[k]->fig;
			bool marked = r->v == V_REGRESSION || r->v == V_IMPROVEMENT;
			if (strcmp(r->name, w->cases[c]) || !(headline || marked))
				continue;
			if (rows++ == 0)
				fprintf(f, "<table>\n<tr><th>machine</th><th>figure</th>"
					   "<th>baseline</th><th>newest night</th><th>change</th>"
					   "<th>verdict</th></tr>\n");
			char b[64], cu[64];
			writeup_value(b, sizeof(b), r->base, r->fig);
			writeup_value(cu, sizeof(cu), r->cur, r->fig);
			fprintf(f, "<tr class=\"%s\"><td><a href=\"machine-%02d.html\"><code>",
				r->v == V_REGRESSION	? "reg"
				: r->v == V_IMPROVEMENT ? "imp"
							: "same",
				m + 1);
			esc(f, dm->id);
			fprintf(f, "</code></a></td><td>%s</td><td class=\"n v\">",
				fig_info[r->fig].label);
			esc(f, b);
			fprintf(f, "</td><td class=\"n v\">");
			esc(f, cu);
			if (isfinite(r->change))
				fprintf(f, "</td><td class=\"n\">%+.1f%%", 100 * r->change);
			else
				fprintf(f, "</td><td class=\"n\">-");
			fprintf(f, "</td><td>%s</td></tr>\n", verdict_name(r->v));
		}
	}
	if (rows)
		fprintf(f, "</table>\n<p class=\"small\">Each machine's newest night against its "
			   "stored baseline (the machine's page says how).</p>\n");
	else
		fprintf(f,
			"<p>Not available: no machine with this case has a stored baseline "
			"to judge its newest night against (each machine's page says why).</p>\n");
}

static int case_page(struct site *w, int c, char *err, size_t n)
{
	const struct dcase *dc = &w->dc[c];
	char name[64], tmp[1400];
	snprintf(name, sizeof(name), "case-%03d.html", c + 1);
	FILE *f = page_open(w, name, tmp, sizeof(tmp), w->cases[c]);
	if (!f) {
		snprintf(err, n, "cannot write into %s: %s", w->o->out, strerror(errno));
		return -1;
	}
	fprintf(f, "<h1><code>");
	esc(f, w->cases[c]);
	fprintf(f, "</code></h1>\n<h2 id=\"trend\">Trend</h2>\n<figure id=\"chart\">\n");
	if (dc->drawn == 1) {
		fprintf(f,
			"<img alt=\"the trend on every machine\" src=\"charts/case-%03d.svg\">\n"
			"<figcaption>The case's headline figure night by night on every machine, a "
			"line per machine and machine state (a night's point: the median of at "
			"least %d of its repetitions in the state); a star marks each step "
			"<code>ringbench check</code> reported, at the night after it, with its "
			"change and revision. Files: <a href=\"charts/case-%03d.png\">PNG</a>, "
			"<a href=\"charts/case-%03d.svg\">SVG</a>, <a "
			"href=\"data/case-%03d.dat\">data</a>.</figcaption>\n",
			c + 1, HISTORY_MIN_REPS, c + 1, c + 1, c + 1);
	} else {
		html_missing(f, "Not drawn: ", dc->why);
	}
	fprintf(f, "</figure>\n<h2 id=\"newest\">Newest nights</h2>\n");
	newest_table(f, w, c);
	fprintf(f, "<h2 id=\"verdicts\">Latest verdicts</h2>\n");
	case_verdicts(f, w, c);
	fprintf(f, "<h2 id=\"steps\">Steps reported</h2>\n");
	steps_table(f, w, -1, w->cases[c]);
	return page_close(w, f, name, tmp, err, n);
}

/* How many steps the ledgers hold for case name. */
static int case_steps(const struct site *w, const char *name)
{
	int count = 0;
	for (int m = 0; m < w->nm; m++) {
		size_t i;
		json_t *e;
		json_array_foreach(json_object_get(w->m[m].steps, "reported"), i, e) count +=
		    strcmp(jstr(e, "case"), name) == 0;
	}
	return count;
}

static int index_page(struct site *w, char *err, size_t n)
{
	char tmp[1400];
	FILE *f = page_open(w, "index.html", tmp, sizeof(tmp), "every machine");
	if (!f) {
		snprintf(err, n, "cannot write into %s: %s", w->o->out, strerror(errno));
		return -1;
	}
	fprintf(f, "<h1>ringbench dashboard</h1>\n<p class=\"meta\">The results store <code>");
	esc(f, store_name(w->s));
	fprintf(f, "</code>: %d machines, %d cases, %d nights.</p>\n", w->nm, w->nc, w->r->nights);
	fprintf(f, "<h2 id=\"machines\">Machines</h2>\n<table>\n<tr><th>machine</th>"
		   "<th>CPU model</th><th>kernel</th><th>nights</th><th>newest night</th>"
		   "<th>revision</th><th>latest verdict</th></tr>\n");
	for (int i = 0; i < w->nm; i++) {
		const struct dmachine *m = &w->m[i];
		fprintf(f, "<tr><td><a href=\"machine-%02d.html\"><code>", i + 1);
		esc(f, m->id);
		fprintf(f, "</code></a></td><td>");
		esc(f, context_str(m, "cpu_model"));
		fprintf(f, "</td><td>");
		esc(f, context_str(m, "kernel"));
		fprintf(f, "</td><td class=\"n\">%d</td><td>", m->nruns);
		esc(f, m->runs[m->nruns - 1].time);
		fprintf(f, "</td><td><code>");
		esc(f, m->runs[m->nruns - 1].revision);
		fprintf(f, "</code></td><td>");
		verdict_word(f, m);
		fprintf(f, "</td></tr>\n");
	}
	fprintf(f, "</table>\n<h2 id=\"cases\">Cases</h2>\n<table>\n<tr><th>case</th>"
		   "<th>machines</th><th>steps reported</th><th>trend</th></tr>\n");
	for (int c = 0; c < w->nc; c++) {
		const struct dcase *dc = &w->dc[c];
		fprintf(f, "<tr><td><a href=\"case-%03d.html\"><code>", c + 1);
		esc(f, w->cases[c]);
		fprintf(f, "</code></a></td><td class=\"n\">%d</td><td class=\"n\">%d</td><td>",
			dc->machines, case_steps(w, w->cases[c]));
		if (dc->drawn == 1)
			fprintf(f, "drawn");
		else
			esc(f, dc->drawn ? "not drawn: gnuplot failed"
					 : "not drawn: too few "
					   "repetitions");
		fprintf(f, "</td></tr>\n");
	}
	fprintf(f, "</table>\n");
	return page_close(w, f, "index.html", tmp, err, n);
}

/* ---- the site ---- */

static int make_dirs(const char *out, char *err, size_t n)
{
	char p[1200];
	const char *sub[] = {"", "/charts", "/data"};
	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s%s", out, sub[i]);
		if (results_mkdirs(p)) {
			snprintf(err, n, "cannot make %s: %s", p, strerror(errno));
			return -1;
		}
	}
	return 0;
}

int dashboard_write(struct store *s, const struct dashboard_opts *o, struct dashboard_result *r,
		    char *err, size_t n)
{
	memset(r, 0, sizeof(*r));
	struct site w = {.s = s, .o = o, .r = r};
	time_t now = time(NULL);
	strftime(w.when, sizeof(w.when), "%Y-%m-%d %H:%M:%S UTC", gmtime(&now));
	int rc = read_store(&w, err, n);
	if (rc == 0 && w.nm == 0) {
		r->empty = true;
		snprintf(err, n,
			 "the store %s holds no nightly runs: nothing to draw (ringbench check "
			 "adds one a night; ringbench store import DIR brings in a history)",
			 store_name(s));
		rc = -1;
	}
	if (rc == 0)
		rc = make_dirs(o->out, err, n);
	for (int i = 0; rc == 0 && i < w.nm; i++) {
		r->nights += w.m[i].nruns;
		rc = machine_page(&w, i, err, n);
	}
	for (int c = 0; rc == 0 && c < w.nc; c++) {
		rc = draw_case(&w, c, err, n);
		if (rc == 0)
			rc = case_page(&w, c, err, n);
		if (rc == 0) {
			r->drawn += w.dc[c].drawn == 1;
			r->lacking += w.dc[c].drawn == 0;
			if (w.dc[c].drawn < 0 && r->failed++ == 0)
				snprintf(r->why, sizeof(r->why), "%.200s: %.1100s", w.cases[c],
					 w.dc[c].why);
		}
	}
	if (rc == 0)
		rc = index_page(&w, err, n);
	r->machines = w.nm;
	r->cases = w.nc;
	snprintf(r->index, sizeof(r->index), "%s/index.html", o->out);
	site_free(&w);
	return rc;
}
