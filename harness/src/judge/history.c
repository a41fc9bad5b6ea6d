/* history.c: the nightly history and its steps (history.h). */
#include "judge/history.h"

#include "judge/states.h"
#include "judge/stats.h"
#include "measure/bench.h"
#include "measure/results.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The figures whose series are searched for steps. */
static const enum fig searched[] = {FIG_RATE, FIG_TIME, FIG_P50, FIG_P99};

void history_default_dir(char *out, size_t n, const char *machine_id)
{
	char dir[900];
	bench_results_dir("history", dir, sizeof(dir));
	snprintf(out, n, "%s/%s", dir, machine_id);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_run_file(const char *name)
{
	size_t l = strlen(name);
	return l > 5 && strcmp(name + l - 5, ".json") == 0 && strcmp(name, "steps.json") != 0 &&
	       name[0] != '.';
}

/* name without ".json" and without ".rerun"; *rerun says which. */
static void stem_of(const char *name, char *stem, size_t n, bool *rerun)
{
	size_t l = strlen(name) - 5;
	*rerun = l > 6 && strncmp(name + l - 6, ".rerun", 6) == 0;
	if (*rerun)
		l -= 6;
	snprintf(stem, n, "%.*s", (int)l, name);
}

/* A run that belongs with the newest one (NULL: s is the newest): the
 * same machine, build type and scenario, and machine states recorded.
 * Says why not. */
static bool belongs(const struct sample_set *s, const struct sample_set *newest)
{
	if (!sample_has_probes(s)) {
		fprintf(stderr, "ringbench: history: left out: %s (no machine states)\n", s->path);
		return false;
	}
	const char *why = !newest				      ? NULL
			  : strcmp(s->machine_id, newest->machine_id) ? "another machine"
			  : strcmp(s->build_type, newest->build_type) ? "another build type"
			  : strcmp(s->scenario, newest->scenario)     ? "another scenario"
								      : NULL;
	if (why)
		fprintf(stderr, "ringbench: history: left out: %s (%s than %s)\n", s->path, why,
			newest->path);
	return why == NULL;
}

/* The ledger of the steps already reported: steps.json, or an empty one
 * where there is none.  0, or -1 with err where it cannot be read. */
static int load_ledger(const char *dir, struct history *h, char *err, size_t n)
{
	char path[2048];
	snprintf(path, sizeof(path), "%s/steps.json", dir);
	json_error_t je;
	h->ledger = json_load_file(path, 0, &je);
	if (!h->ledger && access(path, F_OK) == 0) {
		snprintf(err, n, "%s: %s (line %d)", path, je.text, je.line);
		return -1;
	}
	if (!json_is_array(json_object_get(h->ledger, "reported"))) {
		json_decref(h->ledger);
		h->ledger = json_pack("{s:[]}", "reported");
	}
	return 0;
}

/* The names of the run files in d, sorted; *nn says how many.  Out of
 * memory, the list ends where it stopped. */
static char **run_names(DIR *d, int *nn)
{
	char **names = NULL;
	int k = 0, cap = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!is_run_file(e->d_name))
			continue;
		if (k == cap) {
			cap = cap ? cap * 2 : 64;
			char **t = realloc(names, (size_t)cap * sizeof(*t));
			if (!t)
				break;
			names = t;
		}
		if (!(names[k] = strdup(e->d_name)))
			break;
		k++;
	}
	if (k > 1)
		qsort(names, (size_t)k, sizeof(*names), cmp_str);
	*nn = k;
	return names;
}

/* Newest first, until `last` nights are in: files that cannot be
 * read, or do not belong with the newest run, are left out.  Each run's
 * stem (its night) goes into stems at the run's index. */
static void load_newest_runs(struct history *h, const char *dir, char **names, int nn, int last,
			     char (*stems)[160])
{
	char path[2048];
	int nights = 0;
	for (int i = nn - 1; i >= 0; i--) {
		char stem[160];
		bool rerun;
		stem_of(names[i], stem, sizeof(stem), &rerun);
		bool new_night = h->nruns == 0 || strcmp(stem, stems[h->nruns - 1]) != 0;
		if (new_night && nights == last)
			break;
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		struct history_run *r = &h->runs[h->nruns];
		char why[1200];
		if (sample_load(path, &r->s, why, sizeof(why))) {
			fprintf(stderr, "ringbench: history: left out: %s\n", why);
			sample_free(&r->s);
			continue;
		}
		if (!belongs(&r->s, h->nruns ? &h->runs[0].s : NULL)) {
			sample_free(&r->s);
			continue;
		}
		nights += new_night;
		r->rerun = rerun;
		snprintf(stems[h->nruns], sizeof(stems[0]), "%s", stem);
		h->nruns++;
	}
}

/* Oldest first. */
static void order_oldest_first(struct history *h, char (*stems)[160])
{
	for (int i = 0, j = h->nruns - 1; i < j; i++, j--) {
		struct history_run t = h->runs[i];
		h->runs[i] = h->runs[j];
		h->runs[j] = t;
		char ts[160];
		memcpy(ts, stems[i], sizeof(ts));
		memcpy(stems[i], stems[j], sizeof(ts));
		memcpy(stems[j], ts, sizeof(ts));
	}
}

/* One night for each stem, in the runs' order, and each run's night. */
static void group_nights(struct history *h, char (*stems)[160])
{
	for (int i = 0; i < h->nruns; i++) {
		if (i == 0 || strcmp(stems[i], stems[i - 1])) {
			struct history_night *hn = &h->nights[h->nnights++];
			snprintf(hn->stem, sizeof(hn->stem), "%s", stems[i]);
			snprintf(hn->revision, sizeof(hn->revision), "%s",
				 h->runs[i].s.revision[0] ? h->runs[i].s.revision : "?");
			snprintf(hn->kernel, sizeof(hn->kernel), "%s", h->runs[i].s.kernel);
		}
		h->runs[i].night = h->nnights - 1;
	}
}

int history_load(const char *dir, int last, struct history *h, char *err, size_t n)
{
	memset(h, 0, sizeof(*h));
	snprintf(h->dir, sizeof(h->dir), "%s", dir);
	if (last <= 0 || last > HISTORY_MAX_NIGHTS)
		last = HISTORY_MAX_NIGHTS;
	if (load_ledger(dir, h, err, n))
		return -1;
	DIR *d = opendir(dir);
	if (!d) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, n, "history %s: %s", dir, strerror(errno));
		return -1;
	}
	int nn;
	char **names = run_names(d, &nn);
	closedir(d);
	h->runs = calloc((size_t)nn + 1, sizeof(*h->runs));
	h->nights = calloc((size_t)nn + 1, sizeof(*h->nights));
	char(*stems)[160] = calloc((size_t)nn + 1, sizeof(*stems));
	int rc = h->runs && h->nights && stems ? 0 : -1;
	if (rc) {
		snprintf(err, n, "history %s: out of memory", dir);
	} else {
		load_newest_runs(h, dir, names, nn, last, stems);
		order_oldest_first(h, stems);
		group_nights(h, stems);
	}
	for (int i = 0; i < nn; i++)
		free(names[i]);
	free(names);
	free(stems);
	return rc;
}

void history_free(struct history *h)
{
	for (int i = 0; i < h->nruns; i++)
		sample_free(&h->runs[i].s);
	free(h->runs);
	free(h->nights);
	json_decref(h->ledger);
	memset(h, 0, sizeof(*h));
}

void history_stem(const char *dir, json_t *doc, char *out, size_t n)
{
	const char *rev =
	    json_string_value(json_object_get(json_object_get(doc, "context"), "git_revision"));
	char safe[48];
	size_t k = 0;
	for (const char *p = rev ? rev : "unknown"; *p && k + 1 < sizeof(safe); p++)
		safe[k++] = (char)((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
					   (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'
				       ? *p
				       : '_');
	safe[k] = 0;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	/* Milliseconds, and one more while the name is taken: two runs a
	 * second apart are two nights, in order. */
	for (long ms = ts.tv_nsec / 1000000;; ms++) {
		time_t t = ts.tv_sec + ms / 1000;
		struct tm tm;
		gmtime_r(&t, &tm);
		char stamp[32];
		strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S", &tm);
		snprintf(out, n, "%s.%03ldZ-%s", stamp, ms % 1000, safe);
		char path[2048];
		snprintf(path, sizeof(path), "%s/%s.json", dir, out);
		if (access(path, F_OK) != 0)
			return;
	}
}

int history_write(const char *dir, const char *stem, bool rerun, json_t *doc, char *err, size_t n)
{
	char path[2048];
	snprintf(path, sizeof(path), "%s/%s%s.json", dir, stem, rerun ? ".rerun" : "");
	if (results_mkdirs(dir) || results_write(doc, path)) {
		snprintf(err, n, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- series and steps ---- */

static double median_in_state(const struct sample_case *c, enum fig f, const struct states *st,
			      int k, double *scratch)
{
	int m = 0;
	for (int r = 0; r < c->n; r++)
		if (states_of(st, c, r) == k && c->v[f][r] > 0 && isfinite(c->v[f][r]))
			scratch[m++] = c->v[f][r];
	return m >= HISTORY_MIN_REPS ? stats_median(scratch, m) : NAN;
}

static bool overlaps(double lo1, double hi1, double lo2, double hi2)
{
	return lo1 <= hi2 * STATE_GAP && hi1 * STATE_GAP >= lo2;
}

/* The stem of the night of series point i. */
static const char *point_stem(const struct history *h, const struct history_series *s, int i)
{
	return h->nights[h->runs[s->run[i]].night].stem;
}

/* Did an earlier check report this step (the ledger)?  The same case and
 * direction, and either the same figure at the same place within two
 * points (the fit may move a step a run as more runs come in), or, for a
 * step between two different revisions, the same revisions in any figure
 * or machine state. */
static bool in_ledger(const struct history *h, const struct history_series *s,
		      const struct step *st)
{
	const char *rev_after = h->nights[h->runs[s->run[st->at]].night].revision;
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(h->ledger, "reported"), i, e)
	{
		const char *name = json_string_value(json_object_get(e, "case"));
		const char *fig = json_string_value(json_object_get(e, "figure"));
		const char *rb = json_string_value(json_object_get(e, "revision_before"));
		const char *ra = json_string_value(json_object_get(e, "revision_after"));
		const char *first = json_string_value(json_object_get(e, "first_after"));
		double lo = json_number_value(json_object_get(e, "state_lo_ns"));
		double hi = json_number_value(json_object_get(e, "state_hi_ns"));
		double change = json_number_value(json_object_get(e, "change"));
		if (!name || strcmp(name, s->name) || (change < 0) != (st->change < 0))
			continue;
		/* One change of code, one report per case: the revision that
		 * brought it, in another figure or machine state.  The run
		 * before it can differ between states (each state's series has
		 * its own last point), so only the revision after counts. */
		if (rb && ra && strcmp(rb, ra) != 0 && strcmp(ra, rev_after) == 0)
			return true;
		if (!fig || strcmp(fig, fig_info[s->fig].key) || !first ||
		    !overlaps(lo, hi, s->lo, s->hi))
			continue;
		for (int p = st->at - 2; p <= st->at + 2; p++)
			if (p >= 0 && p < s->n && strcmp(point_stem(h, s, p), first) == 0)
				return true;
	}
	return false;
}

static int add_step(const struct history *h, struct history_analysis *a,
		    const struct history_series *s, const struct step *st, double regress)
{
	struct history_step *t = realloc(a->steps, (size_t)(a->nsteps + 1) * sizeof(*t));
	if (!t)
		return -1;
	a->steps = t;
	struct history_step *hs = &a->steps[a->nsteps++];
	*hs = (struct history_step){
	    .series = s,
	    .step = st,
	    .night_before = h->runs[s->run[st->at - 1]].night,
	    .night_after = h->runs[s->run[st->at]].night,
	    .worse = fig_info[s->fig].better * st->change < 0,
	};
	if (st->candidate) {
		/* Only the newest night's own point is a candidate worth a
		 * re-run. */
		hs->fresh = hs->night_after == h->nnights - 1;
	} else {
		hs->reported = in_ledger(h, s, st);
		hs->fresh = !hs->reported;
	}
	/* A regression fails the night it is confirmed: tonight is the
	 * series' newest point and the step starts at one of its last two (the
	 * series' last night in this state, which need not be last night).  A
	 * step found late, further back, is shown but fails nothing. */
	hs->beyond = fabs(st->change) >= regress;
	bool tonight = h->runs[s->run[s->n - 1]].night == h->nnights - 1;
	/* A level known from fewer nights than a stored baseline needs runs
	 * is no level to fail a night against: a figure's night-to-night
	 * spread is not known yet.  A tail percentile's steps are shown and
	 * fail nothing: from night to night it moves by tens of percent for
	 * nights running (docs/verdicts.md gives a case), heavier-tailed than
	 * the fit's noise; the verdict judges it in pairs, against the
	 * baseline's build. */
	hs->regression = hs->fresh && hs->worse && hs->beyond && tonight && st->at >= s->n - 2 &&
			 st->n_before >= HISTORY_MIN_BEFORE && s->fig != FIG_P99;
	if (hs->regression)
		(*(st->candidate ? &a->candidates : &a->regressions))++;
	return 0;
}

static int add_series(const struct history *h, struct history_analysis *a, const char *name,
		      enum fig f, const struct states *st, int k, const struct step_opts *o,
		      double *scratch)
{
	struct history_series s = {.name = name, .fig = f};
	if (st->used) {
		s.lo = st->lo[k];
		s.hi = st->hi[k];
	}
	s.v = malloc((size_t)h->nruns * sizeof(*s.v));
	s.run = malloc((size_t)h->nruns * sizeof(*s.run));
	double *x = malloc((size_t)h->nruns * sizeof(*x));
	if (!s.v || !s.run || !x) {
		free(s.v);
		free(s.run);
		free(x);
		return -1;
	}
	double clock_step = 0;
	for (int r = 0; r < h->nruns; r++) {
		/* One point a night: a re-run minutes after its run shares its
		 * night's conditions, so it is no second night. */
		const struct sample_case *c = sample_find(&h->runs[r].s, name);
		if (!c || !c->has[f] || h->runs[r].rerun)
			continue;
		double v = median_in_state(c, f, st, k, scratch);
		if (isnan(v))
			continue;
		clock_step = fmax(clock_step, h->runs[r].s.clock_step);
		s.v[s.n] = v;
		s.run[s.n] = r;
		x[s.n++] = log(v);
	}
	if (s.n == 0) {
		free(s.v);
		free(s.run);
		free(x);
		return 0;
	}
	struct step_opts so = *o;
	/* A percentile moves in steps of the clock's resolution. */
	if ((f == FIG_P50 || f == FIG_P99) && clock_step > 0) {
		so.min_noise = fmax(so.min_noise, clock_step / stats_median(s.v, s.n));
	}
	/* The noise is night-to-night noise: the run is the unit. */
	so.noise = steps_noise(x, s.n, so.min_noise);
	s.nsteps = steps_find(x, s.n, &so, s.steps, STEP_MAX, &s.noise);
	free(x);
	struct history_series *t = realloc(a->series, (size_t)(a->nseries + 1) * sizeof(*t));
	if (!t) {
		free(s.v);
		free(s.run);
		return -1;
	}
	a->series = t;
	a->series[a->nseries++] = s;
	return 0;
}

int history_analyse(const struct history *h, const struct step_opts *o, double regress,
		    struct history_analysis *a)
{
	memset(a, 0, sizeof(*a));
	if (h->nruns == 0)
		return 0;
	const struct sample_set **sets = malloc((size_t)h->nruns * sizeof(*sets));
	int maxn = 1;
	for (int r = 0; sets && r < h->nruns; r++) {
		sets[r] = &h->runs[r].s;
		for (int i = 0; i < h->runs[r].s.ncases; i++)
			if (h->runs[r].s.cases[i].n > maxn)
				maxn = h->runs[r].s.cases[i].n;
	}
	double *scratch = malloc((size_t)(maxn > h->nruns ? maxn : h->nruns) * sizeof(*scratch));
	if (!sets || !scratch) {
		free(sets);
		free(scratch);
		return -1;
	}
	struct states st;
	states_find(sets, h->nruns, &st);
	int nst = st.used ? st.n : 1;
	int rc = 0;
	/* Every case once, in the order runs first show it. */
	for (int r = 0; r < h->nruns && rc == 0; r++)
		for (int i = 0; i < h->runs[r].s.ncases && rc == 0; i++) {
			const char *name = h->runs[r].s.cases[i].name;
			bool seen = false;
			for (int q = 0; q < r && !seen; q++)
				seen = sample_find(&h->runs[q].s, name) != NULL;
			for (int q = 0; q < i && !seen; q++)
				seen = strcmp(h->runs[r].s.cases[q].name, name) == 0;
			if (seen)
				continue;
			for (size_t f = 0; f < sizeof(searched) / sizeof(*searched); f++)
				for (int k = 0; k < nst && rc == 0; k++)
					rc =
					    add_series(h, a, name, searched[f], &st, k, o, scratch);
		}
	/* Steps point into series: take them once the series stop moving. */
	for (int i = 0; i < a->nseries && rc == 0; i++)
		for (int k = 0; k < a->series[i].nsteps && rc == 0; k++)
			rc = add_step(h, a, &a->series[i], &a->series[i].steps[k], regress);
	free(sets);
	free(scratch);
	return rc;
}

void history_analysis_free(struct history_analysis *a)
{
	for (int i = 0; i < a->nseries; i++) {
		free(a->series[i].v);
		free(a->series[i].run);
	}
	free(a->series);
	free(a->steps);
	memset(a, 0, sizeof(*a));
}

int history_record(const struct history *h, const struct history_analysis *a, char *err, size_t n)
{
	json_t *list = json_object_get(h->ledger, "reported");
	int added = 0;
	for (int i = 0; i < a->nsteps; i++) {
		const struct history_step *hs = &a->steps[i];
		if (!hs->fresh || hs->step->candidate || hs->reported)
			continue;
		json_t *e = json_pack("{s:s, s:s, s:f, s:f, s:s, s:s, s:s, s:s, s:f, s:f}", "case",
				      hs->series->name, "figure", fig_info[hs->series->fig].key,
				      "state_lo_ns", hs->series->lo, "state_hi_ns", hs->series->hi,
				      "night", h->nights[h->nnights - 1].stem, "first_after",
				      h->nights[hs->night_after].stem, "revision_before",
				      h->nights[hs->night_before].revision, "revision_after",
				      h->nights[hs->night_after].revision, "change",
				      hs->step->change, "confidence", hs->step->confidence);
		if (!e || json_array_append_new(list, e)) {
			snprintf(err, n, "steps.json: out of memory");
			return -1;
		}
		added++;
	}
	if (!added)
		return 0;
	char path[2048];
	snprintf(path, sizeof(path), "%s/steps.json", h->dir);
	if (results_mkdirs(h->dir) || results_write(h->ledger, path)) {
		snprintf(err, n, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

void history_dir(char *out, size_t n)
{
	const char *env = getenv("RINGBENCH_HISTORY");
	if (env && env[0]) {
		snprintf(out, n, "%s", env);
		return;
	}
	struct machine m;
	machine_identify(&m);
	history_default_dir(out, n, m.id);
}
