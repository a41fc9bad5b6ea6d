/* history.c: the nightly history and its steps (history.h). */
#include "judge/history.h"

#include "judge/states.h"
#include "judge/stats.h"
#include "measure/bench.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The figures whose series are searched for steps. */
static const enum fig searched[] = {FIG_RATE, FIG_TIME, FIG_P50, FIG_P99};

const char *history_quote(const char *s, char *out, size_t n)
{
	static const char plain[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				    "0123456789_./:=@%+,-";
	if (n == 0)
		return out;
	if (s[0] && strspn(s, plain) == strlen(s)) {
		snprintf(out, n, "%s", s);
		return out;
	}
	size_t k = 0;
	/* Room for the closing quote and the end: a word too long for out
	 * is cut, never left open. */
	if (n < 3) {
		out[0] = 0;
		return out;
	}
	out[k++] = '\'';
	for (const char *p = s; *p; p++) {
		size_t need = *p == '\'' ? 4 : 1;
		if (k + need + 2 > n)
			break;
		if (*p == '\'') {
			memcpy(out + k, "'\\''", 4);
			k += 4;
		} else {
			out[k++] = *p;
		}
	}
	out[k++] = '\'';
	out[k] = 0;
	return out;
}

int history_store_open(const char *where, struct store **s, char *err, size_t n)
{
	const char *env = getenv("RINGBENCH_HISTORY");
	if (env && env[0]) {
		char q[2500];
		/* A folder of JSON files named the history before the store: a
		 * check that went on without it would start a second history. */
		snprintf(err, n,
			 "$RINGBENCH_HISTORY (%s) names a history folder, and the history is kept "
			 "in the results store now: bring the folder in with `ringbench store "
			 "import %s` (add --store WHERE for a store of your own), then unset "
			 "RINGBENCH_HISTORY ($RINGBENCH_STORE or --store names the store)",
			 env, history_quote(env, q, sizeof(q)));
		return -1;
	}
	char w[1200];
	store_default_where(where, w, sizeof(w));
	return store_open(w, s, err, n);
}

int history_old_files(const char *machine, char *dir, size_t n)
{
	char root[900];
	bench_results_dir("history", root, sizeof(root));
	snprintf(dir, n, "%s/%s", root, machine);
	DIR *d = opendir(dir);
	int k = 0;
	struct dirent *e;
	while (d && (e = readdir(d))) {
		size_t l = strlen(e->d_name);
		k += l > 5 && strcmp(e->d_name + l - 5, ".json") == 0 &&
		     strcmp(e->d_name, "steps.json") != 0 && e->d_name[0] != '.';
	}
	if (d)
		closedir(d);
	return k;
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

/* The ledger of the steps already reported, from the store.  0, or -1
 * with err. */
static int load_ledger(struct history *h, char *err, size_t n)
{
	h->ledger = store_get_steps(h->store, h->machine, err, n);
	if (!h->ledger)
		return -1;
	if (!json_is_array(json_object_get(h->ledger, "reported"))) {
		json_decref(h->ledger);
		h->ledger = json_pack("{s:[]}", "reported");
	}
	return h->ledger ? 0 : -1;
}

/* One run to read, newest first: a stored run (id), or the unstored
 * document; night: the night it belongs to (an index into the nights
 * listed, -1 the unstored one). */
struct pending {
	int64_t id;
	json_t *doc;
	const char *stem;
	int night;
	bool rerun;
};

/* Each run read: its night's name, and which night (struct pending's). */
struct slot {
	char stem[160];
	int night;
};

/* Read the pending runs newest first, until `last` nights are in: runs
 * that cannot be read, or do not belong with the newest, are left out.
 * Each run's night goes into slots at the run's index. */
static void load_newest_runs(struct history *h, const struct pending *p, int np, int last,
			     struct slot *slots)
{
	int nights = 0;
	for (int i = 0; i < np; i++) {
		bool new_night = h->nruns == 0 || p[i].night != slots[h->nruns - 1].night;
		if (new_night && nights == last)
			break;
		struct history_run *r = &h->runs[h->nruns];
		char label[1400], why[1400];
		snprintf(label, sizeof(label), "%s: %s %s", store_name(h->store),
			 p[i].rerun ? "re-run" : "night", p[i].stem);
		json_t *doc = p[i].doc ? json_incref(p[i].doc)
				       : store_get_doc(h->store, p[i].id, why, sizeof(why));
		if (!doc) {
			fprintf(stderr, "ringbench: history: left out: %s: %s\n", label, why);
			continue;
		}
		int rc = sample_from_json(doc, label, &r->s, why, sizeof(why));
		json_decref(doc);
		if (rc) {
			fprintf(stderr, "ringbench: history: left out: %s\n", why);
			continue;
		}
		if (!belongs(&r->s, h->nruns ? &h->runs[0].s : NULL)) {
			sample_free(&r->s);
			continue;
		}
		nights += new_night;
		r->rerun = p[i].rerun;
		snprintf(slots[h->nruns].stem, sizeof(slots[0].stem), "%s", p[i].stem);
		slots[h->nruns].night = p[i].night;
		h->nruns++;
	}
}

/* Oldest first. */
static void order_oldest_first(struct history *h, struct slot *slots)
{
	for (int i = 0, j = h->nruns - 1; i < j; i++, j--) {
		struct history_run t = h->runs[i];
		h->runs[i] = h->runs[j];
		h->runs[j] = t;
		struct slot ts = slots[i];
		slots[i] = slots[j];
		slots[j] = ts;
	}
}

/* One night for each night read (two nights of one name, at two times,
 * are two), in the runs' order, and each run's night. */
static void group_nights(struct history *h, const struct slot *slots)
{
	for (int i = 0; i < h->nruns; i++) {
		if (i == 0 || slots[i].night != slots[i - 1].night) {
			struct history_night *hn = &h->nights[h->nnights++];
			snprintf(hn->stem, sizeof(hn->stem), "%s", slots[i].stem);
			snprintf(hn->revision, sizeof(hn->revision), "%s",
				 h->runs[i].s.revision[0] ? h->runs[i].s.revision : "?");
			snprintf(hn->kernel, sizeof(hn->kernel), "%s", h->runs[i].s.kernel);
		}
		h->runs[i].night = h->nnights - 1;
	}
}

/* The night (index into nv, oldest first) re-run r belongs to: the night
 * of its name nearest before it in time (times sort as text, store.h),
 * else the oldest of its name; -1: no night of its name. */
static int rerun_night(const struct store_run *r, const struct store_run *nv, int nn)
{
	int first = -1, before = -1;
	for (int i = 0; i < nn; i++) {
		if (strcmp(nv[i].name, r->name))
			continue;
		if (first < 0)
			first = i;
		if (strcmp(nv[i].time, r->time) <= 0)
			before = i;
	}
	return before >= 0 ? before : first;
}

/* The runs to read, newest first: the unstored one, then each night's
 * re-runs before the night (a re-run comes after its run in time).  Each
 * re-run goes with one night at most (rerun_night, into of[]), so there
 * are at most nn + nr + 1. */
static int pending_runs(json_t *unstored, const char *ustem, const struct store_run *nv, int nn,
			const struct store_run *rv, int nr, int *of, struct pending *p)
{
	int np = 0;
	for (int k = 0; k < nr; k++)
		of[k] = rerun_night(&rv[k], nv, nn);
	if (unstored)
		p[np++] = (struct pending){.doc = unstored, .stem = ustem, .night = -1};
	for (int i = nn - 1; i >= 0; i--) {
		if (unstored && strcmp(nv[i].name, ustem) == 0)
			continue;
		for (int k = nr - 1; k >= 0; k--)
			if (of[k] == i)
				p[np++] = (struct pending){
				    .id = rv[k].id, .stem = rv[k].name, .night = i, .rerun = true};
		p[np++] = (struct pending){.id = nv[i].id, .stem = nv[i].name, .night = i};
	}
	return np;
}

int history_load(struct store *s, const char *machine, int last, json_t *unstored,
		 const char *unstored_stem, struct history *h, char *err, size_t n)
{
	memset(h, 0, sizeof(*h));
	h->store = s;
	snprintf(h->machine, sizeof(h->machine), "%s", machine);
	snprintf(h->dir, sizeof(h->dir), "%s (machine %s)", store_name(s), machine);
	if (last <= 0 || last > HISTORY_MAX_NIGHTS)
		last = HISTORY_MAX_NIGHTS;
	if (load_ledger(h, err, n))
		return -1;
	struct store_run *nv = NULL, *rv = NULL;
	int nn = 0, nr = 0;
	if (store_list_runs(s, machine, "night", 0, &nv, &nn, err, n) ||
	    store_list_runs(s, machine, "rerun", 0, &rv, &nr, err, n)) {
		free(nv);
		json_decref(h->ledger);
		h->ledger = NULL;
		return -1;
	}
	/* Every night, every re-run (each with one night) and the unstored
	 * run: pending_runs puts no more. */
	int total = nn + nr + 1;
	struct pending *p = calloc((size_t)total, sizeof(*p));
	int *of = calloc((size_t)nr + 1, sizeof(*of));
	h->runs = calloc((size_t)total, sizeof(*h->runs));
	h->nights = calloc((size_t)total, sizeof(*h->nights));
	struct slot *slots = calloc((size_t)total, sizeof(*slots));
	int rc = p && of && h->runs && h->nights && slots ? 0 : -1;
	if (rc) {
		snprintf(err, n, "history %s: out of memory", h->dir);
	} else {
		int np = pending_runs(unstored, unstored_stem, nv, nn, rv, nr, of, p);
		load_newest_runs(h, p, np, last, slots);
		order_oldest_first(h, slots);
		group_nights(h, slots);
	}
	free(p);
	free(of);
	free(nv);
	free(rv);
	free(slots);
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

void history_stem(struct store *s, const char *machine, json_t *doc, char *out, size_t n)
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
		struct store_run r;
		char err[600];
		if (store_find_run(s, machine, "night", out, &r, err, sizeof(err)) != 1)
			return;
	}
}

int history_put(struct store *s, const char *machine, const char *stem, bool rerun, json_t *doc,
		char *err, size_t n)
{
	bool dup = false;
	if (store_put_run(s, machine, rerun ? "rerun" : "night", stem, doc, NULL, &dup, err, n))
		return -1;
	return dup ? 1 : 0;
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
	json_t *add = json_array();
	for (int i = 0; add && i < a->nsteps; i++) {
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
		if (!e || json_array_append_new(add, e)) {
			json_decref(add);
			add = NULL;
		}
	}
	if (!add) {
		snprintf(err, n, "the steps reported: out of memory");
		return -1;
	}
	int rc = 0;
	if (json_array_size(add)) {
		if (store_add_steps(h->store, h->machine, add, err, n))
			rc = -1;
		else
			json_array_extend(list, add);
	}
	json_decref(add);
	return rc;
}
