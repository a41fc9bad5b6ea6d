/* cmd_store.c: `ringbench store`: the results store (store/store.h) from
 * the command line.  `import` brings today's JSON files in (history
 * folders, baselines folders, single results files), `export` writes the
 * store back out in the same layout, `info` says where the store is and
 * what it holds.  The JSON results file stays the interchange format. */
#include "cli/cli.h"
#include "cli/commands.h"
#include "judge/acks.h"
#include "judge/baselines.h"
#include "measure/bench.h"
#include "measure/results.h"
#include "store/store.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Names of the duplicates shown one by one; the rest are counted. */
#define SHOW_DUPS 10

static void print_help(void)
{
	printf("usage: ringbench store import [--store WHERE] [--kind KIND] DIR|FILE...\n"
	       "       ringbench store export [--store WHERE] [--out DIR]\n"
	       "       ringbench store info [--store WHERE]\n\n"
	       "The results store holds every machine's runs, baselines, the steps checks\n"
	       "reported and the acknowledgements: a SQLite file by default, or a PostgreSQL\n"
	       "server shared by a team's machines.  JSON results files stay the format\n"
	       "runs travel in; these commands move them in and out.\n\n"
	       "  import DIR|FILE...  bring files in; each run is written once (one already\n"
	       "                      there is skipped and named as a duplicate).  A DIR is\n"
	       "                      a results folder (its history/ and baselines/), a\n"
	       "                      history folder (<machine-id>/ folders, or one of them:\n"
	       "                      <time>-<revision>.json are nights, .rerun.json their\n"
	       "                      re-runs, steps.json the steps reported; any folder of\n"
	       "                      <machine>/ folders of JSON runs), or a baselines\n"
	       "                      folder (<machine-id>.json the machine's baseline,\n"
	       "                      .startup.json, .instructions.json, .acks.json).  A FILE\n"
	       "                      named like one of those is taken as such; any other\n"
	       "                      results file is a run of the machine its context names,\n"
	       "                      named by the file's name.  A baseline already stored\n"
	       "                      under its name is replaced when the file differs.\n"
	       "  --kind KIND         import each FILE as this kind: night, rerun, baseline,\n"
	       "                      startup, instructions or run; a night is named\n"
	       "                      <time>-<revision> from its context, as check names\n"
	       "                      it, unless the file's name has that form; a re-run\n"
	       "                      as the newest night of its revision before it\n"
	       "  export              write the store out in the same layout: history/<machine>/,\n"
	       "                      baselines/, and runs/ for single runs\n"
	       "  --out DIR           where (default: the results folder, $RINGBENCH_RESULTS\n"
	       "                      or results/); files of the same name are replaced;\n"
	       "                      a second run of one file name is written as\n"
	       "                      NAME-2.json (and so on), and said so\n"
	       "  info                where the store is, its backend and schema, and its\n"
	       "                      machines with their runs of each kind\n"
	       "  --store WHERE       a SQLite file, or postgresql://USER@HOST/DB (libpq's\n"
	       "                      URI); default $RINGBENCH_STORE, else ringbench.db in\n"
	       "                      the results folder\n\n"
	       "exit status: 0, or 2 for bad options, a store that cannot be opened, or a\n"
	       "file that could not be imported or written (the others still are)\n");
}

/* ---- import ---- */

struct tally {
	int runs, dups, replaced, steps, acks, failed, skipped;
	int shown_dups;
};

static void failed(struct tally *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void failed(struct tally *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "ringbench: store import: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	t->failed++;
}

/* DIR/NAME into out, or false (said, counted as failed) when it does not
 * fit: a file never read under a cut name. */
static bool join_path(char *out, size_t n, const char *dir, const char *name, struct tally *t)
{
	int k = snprintf(out, n, "%s/%s", dir, name);
	if (k >= 0 && (size_t)k < n)
		return true;
	failed(t, "%s/%s: the path is too long, left out", dir, name);
	return false;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t l = strlen(s), k = strlen(suffix);
	return l >= k && strcmp(s + l - k, suffix) == 0;
}

static bool is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* A history file's name: <YYYYMMDD>T<HHMMSS>... (history_stem). */
static bool is_night_name(const char *name)
{
	for (int i = 0; i < 15; i++) {
		bool digit = name[i] >= '0' && name[i] <= '9';
		if (i == 8 ? name[i] != 'T' : !digit)
			return false;
	}
	return true;
}

/* The longest path import takes, plus one. */
#define IMPORT_PATH_MAX 1024

static void base_name(const char *path, char *out, size_t n)
{
	char copy[2048];
	snprintf(copy, sizeof(copy), "%s", path);
	size_t l = strlen(copy);
	while (l > 1 && copy[l - 1] == '/')
		copy[--l] = 0;
	snprintf(out, n, "%s", basename(copy));
}

static void dir_name(const char *path, char *out, size_t n)
{
	char copy[2048];
	snprintf(copy, sizeof(copy), "%s", path);
	snprintf(out, n, "%s", dirname(copy));
}

/* The .json files of dir (none hidden), sorted; NULL with *nn 0 when
 * none or on error (errno). */
static char **json_files(const char *dir, int *nn)
{
	*nn = 0;
	DIR *d = opendir(dir);
	if (!d)
		return NULL;
	char **v = NULL;
	int k = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || !ends_with(e->d_name, ".json"))
			continue;
		char **t = realloc(v, (size_t)(k + 1) * sizeof(*t));
		if (!t)
			break;
		v = t;
		if (!(v[k] = strdup(e->d_name)))
			break;
		k++;
	}
	closedir(d);
	for (int i = 1; i < k; i++)
		for (int j = i; j > 0 && strcmp(v[j - 1], v[j]) > 0; j--) {
			char *x = v[j];
			v[j] = v[j - 1];
			v[j - 1] = x;
		}
	*nn = k;
	return v;
}

static void free_names(char **v, int n)
{
	for (int i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static json_t *load(const char *path, struct tally *t)
{
	json_error_t je;
	json_t *doc = json_load_file(path, 0, &je);
	if (!doc)
		failed(t, "%s: not JSON (line %d: %s)", path, je.line, je.text);
	return doc;
}

static void dup_seen(struct tally *t, const char *path)
{
	t->dups++;
	if (t->shown_dups++ < SHOW_DUPS)
		printf("  already in the store: %s\n", path);
}

/* Whether kind is kept one per machine and name (a baseline). */
static bool by_name(const char *kind)
{
	return !strcmp(kind, "baseline") || !strcmp(kind, "startup") ||
	       !strcmp(kind, "instructions");
}

/* One results document, as kind/name of machine. */
static void put_doc(struct store *s, const char *path, json_t *doc, const char *machine,
		    const char *kind, const char *name, struct tally *t)
{
	char err[2048];
	json_t *b = json_object_get(doc, "benchmarks");
	if (!json_is_array(b)) {
		failed(t, "%s: not a results file (no \"benchmarks\" list)", path);
		return;
	}
	if (!baseline_id_valid(machine)) {
		failed(t, "%s: machine id '%s' is no file name", path, machine);
		return;
	}
	if (by_name(kind)) {
		/* One baseline a name: the file's, if it differs. */
		struct store_run run;
		int found = store_find_run(s, machine, kind, name, &run, err, sizeof(err));
		json_t *old = found == 1 ? store_get_doc(s, run.id, err, sizeof(err)) : NULL;
		bool same = old && json_equal(old, doc);
		json_decref(old);
		if (found < 0 || (found == 1 && !old)) {
			failed(t, "%s: %s", path, err);
		} else if (same) {
			dup_seen(t, path);
		} else if (found == 1) {
			if (store_replace_run(s, machine, kind, name, doc, NULL, err, sizeof(err)))
				failed(t, "%s: %s", path, err);
			else
				t->replaced++;
		} else if (store_put_run(s, machine, kind, name, doc, NULL, NULL, err,
					 sizeof(err))) {
			failed(t, "%s: %s", path, err);
		} else {
			t->runs++;
		}
		return;
	}
	bool dup = false;
	if (store_put_run(s, machine, kind, name, doc, NULL, &dup, err, sizeof(err)))
		failed(t, "%s: %s", path, err);
	else if (dup)
		dup_seen(t, path);
	else
		t->runs++;
}

static void import_steps(struct store *s, const char *path, const char *machine, struct tally *t)
{
	char err[2048];
	json_t *doc = load(path, t);
	if (!doc)
		return;
	json_t *list = json_object_get(doc, "reported");
	json_t *before = NULL, *after = NULL;
	if (!json_is_array(list))
		failed(t, "%s: not a steps file (no \"reported\" list)", path);
	else if (!(before = store_get_steps(s, machine, err, sizeof(err))) ||
		 store_add_steps(s, machine, list, err, sizeof(err)) ||
		 !(after = store_get_steps(s, machine, err, sizeof(err))))
		failed(t, "%s: %s", path, err);
	else
		t->steps += (int)(json_array_size(json_object_get(after, "reported")) -
				  json_array_size(json_object_get(before, "reported")));
	json_decref(before);
	json_decref(after);
	json_decref(doc);
}

/* <machine>[~<name>]<suffix> into machine and name ("" without ~). */
static bool split_baseline(const char *file, const char *suffix, char *machine, size_t mn,
			   char *name, size_t nn)
{
	size_t l = strlen(file) - strlen(suffix);
	if (l >= mn)
		return false;
	snprintf(machine, mn, "%.*s", (int)l, file);
	char *tilde = strchr(machine, '~');
	name[0] = 0;
	if (tilde) {
		if (strlen(tilde + 1) >= nn)
			return false; /* never a name cut short */
		snprintf(name, nn, "%s", tilde + 1);
		*tilde = 0;
	}
	return baseline_id_valid(machine) && !strchr(name, '/');
}

static void import_acks(struct store *s, const char *path, const char *machine, const char *name,
			struct tally *t)
{
	char err[2048];
	struct ack_set set;
	/* Read as `ack` and `check` read them: a bad file is named here. */
	if (acks_load(path, &set, err, sizeof(err))) {
		failed(t, "%s", err);
		return;
	}
	acks_free(&set);
	json_t *doc = load(path, t);
	if (!doc)
		return;
	json_t *old = store_get_acks(s, machine, name, err, sizeof(err));
	if (old && json_equal(old, doc))
		dup_seen(t, path);
	else if (!old || store_put_acks(s, machine, name, doc, err, sizeof(err)))
		failed(t, "%s: %s", path, err);
	else
		t->acks += (int)json_array_size(json_object_get(doc, "acknowledgements"));
	json_decref(old);
	json_decref(doc);
}

/* One file of a baselines folder. */
static void import_baseline_file(struct store *s, const char *path, struct tally *t)
{
	static const struct {
		const char *suffix, *kind;
	} kinds[] = {{".acks.json", NULL},
		     {".startup.json", "startup"},
		     {".instructions.json", "instructions"},
		     {".last-verdict.json", ""},
		     {".json", "baseline"}};
	char file[512], machine[300], name[200];
	base_name(path, file, sizeof(file));
	size_t k = 0;
	while (!ends_with(file, kinds[k].suffix))
		k++;
	if (kinds[k].kind && !kinds[k].kind[0]) {
		printf("  left out: %s (a verdict, not a baseline)\n", path);
		t->skipped++;
		return;
	}
	if (strlen(file) == strlen(kinds[k].suffix) ||
	    !split_baseline(file, kinds[k].suffix, machine, sizeof(machine), name, sizeof(name))) {
		failed(
		    t,
		    "%s: its name is no <machine-id>[~<name>]%s (a name of %zu characters at most)",
		    path, kinds[k].suffix, sizeof(name) - 1);
		return;
	}
	if (!kinds[k].kind) {
		import_acks(s, path, machine, name, t);
		return;
	}
	json_t *doc = load(path, t);
	if (doc)
		put_doc(s, path, doc, machine, kinds[k].kind, name, t);
	json_decref(doc);
}

static void import_baselines(struct store *s, const char *dir, struct tally *t)
{
	int nn;
	char **names = json_files(dir, &nn);
	for (int i = 0; i < nn; i++) {
		char path[2048];
		if (join_path(path, sizeof(path), dir, names[i], t))
			import_baseline_file(s, path, t);
	}
	free_names(names, nn);
}

/* A night's file: its machine from its context (else the folder's name). */
static void import_night(struct store *s, const char *path, const char *folder_machine,
			 char *machine, size_t mn, struct tally *t)
{
	char file[512];
	base_name(path, file, sizeof(file));
	json_t *doc = load(path, t);
	if (!doc)
		return;
	machine_id_from_context(json_object_get(doc, "context"), machine, mn);
	if (!machine[0])
		snprintf(machine, mn, "%s", folder_machine);
	bool rerun = ends_with(file, ".rerun.json");
	file[strlen(file) - (rerun ? 11 : 5)] = 0;
	put_doc(s, path, doc, machine, rerun ? "rerun" : "night", file, t);
	json_decref(doc);
}

/* One machine's history folder: its nights, then steps.json for the
 * machine its runs name. */
static void import_history(struct store *s, const char *dir, struct tally *t)
{
	char folder[512], machine[300] = "", m[300];
	base_name(dir, folder, sizeof(folder));
	int nn;
	char **names = json_files(dir, &nn);
	for (int i = 0; i < nn; i++) {
		char path[2048];
		if (strcmp(names[i], "steps.json") == 0 ||
		    !join_path(path, sizeof(path), dir, names[i], t))
			continue;
		import_night(s, path, folder, m, sizeof(m), t);
		if (!machine[0])
			snprintf(machine, sizeof(machine), "%s", m);
	}
	for (int i = 0; i < nn; i++)
		if (strcmp(names[i], "steps.json") == 0) {
			char path[2048];
			if (join_path(path, sizeof(path), dir, names[i], t))
				import_steps(s, path, machine[0] ? machine : folder, t);
		}
	free_names(names, nn);
}

/* Whether dir holds a machine's history (a night's file or steps.json). */
static bool holds_nights(const char *dir)
{
	int nn;
	char **names = json_files(dir, &nn);
	bool yes = false;
	for (int i = 0; i < nn && !yes; i++)
		yes = is_night_name(names[i]) || strcmp(names[i], "steps.json") == 0;
	free_names(names, nn);
	return yes;
}

/* Whether dir holds a folder of JSON runs (a machine's history, whatever
 * dir's name). */
static bool holds_run_folders(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return false;
	bool yes = false;
	struct dirent *e;
	while (!yes && (e = readdir(d))) {
		char path[2048];
		int pn = snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (e->d_name[0] == '.' || !strcmp(e->d_name, "runs") || pn < 0 ||
		    (size_t)pn >= sizeof(path) || !is_dir(path))
			continue;
		int nn;
		char **names = json_files(path, &nn);
		free_names(names, nn);
		yes = nn > 0;
	}
	closedir(d);
	return yes;
}

/* A folder of machines' history folders. */
static void import_history_root(struct store *s, const char *dir, struct tally *t)
{
	DIR *d = opendir(dir);
	if (!d) {
		failed(t, "%s: %s", dir, strerror(errno));
		return;
	}
	char **subs = NULL;
	int k = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		char path[2048];
		if (e->d_name[0] == '.' || !join_path(path, sizeof(path), dir, e->d_name, t) ||
		    !is_dir(path))
			continue;
		char **x = realloc(subs, (size_t)(k + 1) * sizeof(*x));
		if (!x || !(x[k] = strdup(path))) {
			subs = x ? x : subs;
			break;
		}
		subs = x;
		k++;
	}
	closedir(d);
	for (int i = 0; i < k; i++)
		import_history(s, subs[i], t);
	free_names(subs, k);
}

static void import_dir(struct store *s, const char *dir, struct tally *t)
{
	char sub[2048], name[512];
	base_name(dir, name, sizeof(name));
	bool results = false;
	snprintf(sub, sizeof(sub), "%s/history", dir);
	if (is_dir(sub)) {
		import_history_root(s, sub, t);
		results = true;
	}
	snprintf(sub, sizeof(sub), "%s/baselines", dir);
	if (is_dir(sub)) {
		import_baselines(s, sub, t);
		results = true;
	}
	if (results)
		return;
	int nn;
	char **names = json_files(dir, &nn);
	free_names(names, nn);
	if (holds_nights(dir))
		import_history(s, dir, t);
	else if (strcmp(name, "history") == 0 || holds_run_folders(dir))
		import_history_root(s, dir, t);
	else if (nn)
		import_baselines(s, dir, t);
	else
		failed(t,
		       "%s: nothing here ringbench knows: no history/ or baselines/, no nights, no "
		       "<machine>/ folders of JSON runs, no baselines",
		       dir);
}

static const char *const kind_names[] = {"night",   "rerun",	    "baseline",
					 "startup", "instructions", "run"};

/* A night's name as check gives it (history_stem's form,
 * <YYYYMMDD>T<HHMMSS>.<mmm>Z-<revision>), from doc's context: its date,
 * its git_revision (characters no file name takes as '_').  The file's
 * own name (file, less .json or .rerun.json) when it has that form
 * already, or when the context has no date of a known form. */
static void night_name(json_t *doc, const char *file, char *out, size_t n)
{
	json_t *ctx = json_object_get(doc, "context");
	char utc[32];
	snprintf(out, n, "%s", file);
	if (is_night_name(file) ||
	    store_utc_time(json_string_value(json_object_get(ctx, "date")), utc, sizeof(utc)))
		return;
	const char *rev = json_string_value(json_object_get(ctx, "git_revision"));
	char safe[48];
	size_t k = 0;
	for (const char *p = rev && rev[0] ? rev : "unknown"; *p && k + 1 < sizeof(safe); p++)
		safe[k++] = (char)((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
					   (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'
				       ? *p
				       : '_');
	safe[k] = 0;
	/* "2026-12-02T03:15:00.000Z" to "20261202T031500.000Z". */
	char stamp[32];
	k = 0;
	for (const char *p = utc; *p && k + 1 < sizeof(stamp); p++)
		if (*p != '-' && *p != ':')
			stamp[k++] = *p;
	stamp[k] = 0;
	snprintf(out, n, "%s-%s", stamp, safe);
}

/* A re-run is named as its night: machine's newest night of the re-run's
 * revision at or before its time, when there is one (name is left as it
 * is otherwise). */
static void rerun_night(struct store *s, json_t *doc, const char *machine, char *name, size_t n)
{
	json_t *ctx = json_object_get(doc, "context");
	const char *rev = json_string_value(json_object_get(ctx, "git_revision"));
	char utc[32], err[1200];
	struct store_run *runs;
	int nr;
	if (!rev ||
	    store_utc_time(json_string_value(json_object_get(ctx, "date")), utc, sizeof(utc)) ||
	    store_list_runs(s, machine, "night", 0, &runs, &nr, err, sizeof(err)))
		return;
	for (int i = nr - 1; i >= 0; i--)
		if (!strcmp(runs[i].revision, rev) && strcmp(runs[i].time, utc) <= 0) {
			snprintf(name, n, "%s", runs[i].name);
			break;
		}
	free(runs);
}

static void import_file(struct store *s, const char *path, const char *kind, struct tally *t)
{
	char file[512], parent[2048], folder[512], machine[300];
	base_name(path, file, sizeof(file));
	dir_name(path, parent, sizeof(parent));
	base_name(parent, folder, sizeof(folder));
	if (!kind && strcmp(file, "steps.json") == 0) {
		import_steps(s, path, folder, t);
		return;
	}
	if (!kind && is_night_name(file)) {
		import_night(s, path, folder, machine, sizeof(machine), t);
		return;
	}
	if (!kind && (strcmp(folder, "baselines") == 0 || ends_with(file, ".acks.json") ||
		      ends_with(file, ".startup.json") || ends_with(file, ".instructions.json"))) {
		import_baseline_file(s, path, t);
		return;
	}
	json_t *doc = load(path, t);
	if (!doc)
		return;
	machine_id_from_context(json_object_get(doc, "context"), machine, sizeof(machine));
	char name[512];
	snprintf(name, sizeof(name), "%s", file);
	bool rerun = ends_with(name, ".rerun.json");
	if (ends_with(name, ".json"))
		name[strlen(name) - (rerun ? 11 : 5)] = 0;
	const char *k = kind ? kind : "run";
	if (!strcmp(k, "night") || !strcmp(k, "rerun")) {
		char stem[512];
		snprintf(stem, sizeof(stem), "%s", name);
		night_name(doc, stem, name, sizeof(name));
		if (!strcmp(k, "rerun") && machine[0] && !is_night_name(stem))
			rerun_night(s, doc, machine, name, sizeof(name));
	}
	if (!machine[0])
		failed(t, "%s: its context names no machine (no machine_id or hardware fields)",
		       path);
	else
		put_doc(s, path, doc, machine, k, by_name(k) ? "" : name, t);
	json_decref(doc);
}

static int cmd_import(struct store *s, int n, char **paths, const char *kind)
{
	struct tally t = {0};
	for (int i = 0; i < n; i++) {
		/* "results/" names its files as "results/history/...". */
		for (size_t l = strlen(paths[i]); l > 1 && paths[i][l - 1] == '/'; l--)
			paths[i][l - 1] = 0;
		/* Below this, every path made from it (a folder's files, its
		 * machines' folders and theirs) fits the buffers it goes in. */
		if (strlen(paths[i]) >= IMPORT_PATH_MAX)
			failed(&t, "%.100s...: the path is too long (%d characters at most)",
			       paths[i], IMPORT_PATH_MAX - 1);
		else if (is_dir(paths[i]))
			import_dir(s, paths[i], &t);
		else if (access(paths[i], R_OK) == 0)
			import_file(s, paths[i], kind, &t);
		else
			failed(&t, "%s: %s", paths[i], strerror(errno));
	}
	if (t.shown_dups > SHOW_DUPS)
		printf("  and %d more already in the store\n", t.shown_dups - SHOW_DUPS);
	printf("ringbench: store %s: imported %d run%s", store_name(s), t.runs,
	       t.runs == 1 ? "" : "s");
	if (t.replaced)
		printf(", replaced %d baseline%s", t.replaced, t.replaced == 1 ? "" : "s");
	printf(", %d step%s, %d acknowledgement%s; %d already there", t.steps,
	       t.steps == 1 ? "" : "s", t.acks, t.acks == 1 ? "" : "s", t.dups);
	if (t.skipped)
		printf(", %d left out", t.skipped);
	if (t.failed)
		printf("; %d file%s failed (above)", t.failed, t.failed == 1 ? "" : "s");
	printf("\n");
	return t.failed ? BENCH_USAGE : BENCH_PASS;
}

/* ---- export ---- */

/* doc at path, atomically, every real to 17 digits (what reads back the
 * same double), making the folder. */
static int write_doc(json_t *doc, const char *path, char *err, size_t n)
{
	char dir[2048], tmp[2100];
	dir_name(path, dir, sizeof(dir));
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	if (results_mkdirs(dir) || json_dump_file(doc, tmp, JSON_INDENT(2)) < 0 ||
	    rename(tmp, path) < 0) {
		snprintf(err, n, "%s: %s", path, strerror(errno ? errno : EIO));
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* Where a run goes in the files' layout. */
static int export_path(const char *out, const struct store_run *r, char *path, size_t n)
{
	if (!baseline_id_valid(r->machine) || strchr(r->name, '/') || r->name[0] == '.')
		return -1;
	char nm[512] = "";
	if (r->name[0])
		snprintf(nm, sizeof(nm), "~%s", r->name);
	int k;
	if (!strcmp(r->kind, "night") || !strcmp(r->kind, "rerun"))
		k = snprintf(path, n, "%s/history/%s/%s%s.json", out, r->machine, r->name,
			     strcmp(r->kind, "rerun") ? "" : ".rerun");
	else if (!strcmp(r->kind, "baseline"))
		k = snprintf(path, n, "%s/baselines/%s%s.json", out, r->machine, nm);
	else if (!strcmp(r->kind, "startup") || !strcmp(r->kind, "instructions"))
		k = snprintf(path, n, "%s/baselines/%s%s.%s.json", out, r->machine, nm, r->kind);
	else if (!strcmp(r->kind, "run"))
		k = snprintf(path, n, "%s/runs/%s.json", out, r->name);
	else
		k = snprintf(path, n, "%s/%s/%s/%s.json", out, r->kind, r->machine, r->name);
	return r->name[0] || by_name(r->kind) ? (k < (int)n ? 0 : -1) : -1;
}

/* The paths an export has written, so that two runs that map to one
 * path (two single runs of one name, of two machines; two nights of one
 * name) are both written. */
struct written {
	char **path;
	size_t n, cap; /* cap: a power of two, or 0 */
};

static size_t path_hash(const char *p)
{
	size_t h = 14695981039346656037u;
	for (; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211u;
	return h;
}

/* Whether path is among w's; else added (false also out of memory). */
static bool written_before(struct written *w, const char *path)
{
	if (2 * (w->n + 1) > w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 256;
		char **v = calloc(cap, sizeof(*v));
		if (!v)
			return false;
		for (size_t i = 0; i < w->cap; i++)
			if (w->path[i]) {
				size_t h = path_hash(w->path[i]) & (cap - 1);
				while (v[h])
					h = (h + 1) & (cap - 1);
				v[h] = w->path[i];
			}
		free(w->path);
		w->path = v;
		w->cap = cap;
	}
	size_t h = path_hash(path) & (w->cap - 1);
	for (; w->path[h]; h = (h + 1) & (w->cap - 1))
		if (!strcmp(w->path[h], path))
			return true;
	if ((w->path[h] = strdup(path)))
		w->n++;
	return false;
}

static void written_free(struct written *w)
{
	for (size_t i = 0; i < w->cap; i++)
		free(w->path[i]);
	free(w->path);
}

/* path (of run r), or the first of path-2, path-3, ... (before its
 * ".json", ".rerun.json", ".startup.json") not written yet, said so. */
static void unique_path(struct written *w, const struct store_run *r, char *path, size_t n)
{
	if (!written_before(w, path))
		return;
	char suffix[32] = ".json";
	if (!strcmp(r->kind, "rerun") || !strcmp(r->kind, "startup") ||
	    !strcmp(r->kind, "instructions"))
		snprintf(suffix, sizeof(suffix), ".%s.json", r->kind);
	char base[2048], first[2048];
	snprintf(first, sizeof(first), "%s", path);
	size_t l = strlen(path) - strlen(suffix);
	snprintf(base, sizeof(base), "%.*s", (int)l, path);
	for (int k = 2;; k++) {
		if (snprintf(path, n, "%s-%d%s", base, k, suffix) >= (int)n)
			break; /* too long: written over, as before */
		if (!written_before(w, path))
			break;
	}
	printf("  %s %s of %s: %s is another run's, written as %s\n", r->kind, r->name, r->machine,
	       first, path);
}

static int export_machine(struct store *s, const char *out, const char *m, struct written *w,
			  int *nruns, int *nfailed)
{
	char err[2048], path[2048];
	struct store_run *runs;
	int n;
	if (store_list_runs(s, m, NULL, 0, &runs, &n, err, sizeof(err))) {
		fprintf(stderr, "ringbench: store export: %s\n", err);
		(*nfailed)++;
		return -1;
	}
	for (int i = 0; i < n; i++) {
		if (export_path(out, &runs[i], path, sizeof(path))) {
			fprintf(stderr,
				"ringbench: store export: %s %s of %s: its name is no file name\n",
				runs[i].kind, runs[i].name, m);
			(*nfailed)++;
			continue;
		}
		unique_path(w, &runs[i], path, sizeof(path));
		json_t *doc = store_get_doc(s, runs[i].id, err, sizeof(err));
		if (!doc || write_doc(doc, path, err, sizeof(err))) {
			fprintf(stderr, "ringbench: store export: %s\n", err);
			(*nfailed)++;
		} else {
			(*nruns)++;
		}
		json_decref(doc);
	}
	/* The steps of the machine's history, and the acknowledgements of
	 * each of its baselines. */
	json_t *steps = store_get_steps(s, m, err, sizeof(err));
	snprintf(path, sizeof(path), "%s/history/%s/steps.json", out, m);
	if (!steps || (json_array_size(json_object_get(steps, "reported")) &&
		       write_doc(steps, path, err, sizeof(err)))) {
		fprintf(stderr, "ringbench: store export: %s\n", err);
		(*nfailed)++;
	}
	json_decref(steps);
	for (int i = 0; i < n; i++) {
		if (strcmp(runs[i].kind, "baseline") || !baseline_id_valid(m))
			continue;
		json_t *acks = store_get_acks(s, m, runs[i].name, err, sizeof(err));
		snprintf(path, sizeof(path), "%s/baselines/%s%s%s.acks.json", out, m,
			 runs[i].name[0] ? "~" : "", runs[i].name);
		if (!acks || (json_array_size(json_object_get(acks, "acknowledgements")) &&
			      write_doc(acks, path, err, sizeof(err)))) {
			fprintf(stderr, "ringbench: store export: %s\n", err);
			(*nfailed)++;
		}
		json_decref(acks);
	}
	free(runs);
	return 0;
}

static int cmd_export(struct store *s, const char *out)
{
	char dflt[1024], err[2048];
	if (!out) {
		bench_results_dir("history", dflt, sizeof(dflt));
		char *slash = strrchr(dflt, '/');
		if (slash)
			*slash = 0;
		out = dflt;
	}
	char **machines;
	int nm, nruns = 0, nfailed = 0;
	if (store_machines(s, &machines, &nm, err, sizeof(err))) {
		fprintf(stderr, "ringbench: store export: %s\n", err);
		return BENCH_USAGE;
	}
	struct written w = {0};
	for (int i = 0; i < nm; i++)
		export_machine(s, out, machines[i], &w, &nruns, &nfailed);
	written_free(&w);
	store_free_names(machines, nm);
	printf("ringbench: store %s: exported %d run%s of %d machine%s into %s", store_name(s),
	       nruns, nruns == 1 ? "" : "s", nm, nm == 1 ? "" : "s", out);
	if (nfailed)
		printf("; %d failed (above)", nfailed);
	printf("\n");
	return nfailed ? BENCH_USAGE : BENCH_PASS;
}

/* ---- info ---- */

static int cmd_info(struct store *s)
{
	char err[2048];
	struct store_run *runs;
	int n;
	if (store_list_runs(s, NULL, NULL, 0, &runs, &n, err, sizeof(err))) {
		fprintf(stderr, "ringbench: %s\n", err);
		return BENCH_USAGE;
	}
	printf("store:   %s\nbackend: %s, schema %d\nruns:    %d\n\n", store_name(s),
	       store_backend(s) == STORE_SQLITE ? "SQLite" : "PostgreSQL", STORE_SCHEMA_VERSION, n);
	char **machines;
	int nm;
	if (store_machines(s, &machines, &nm, err, sizeof(err))) {
		free(runs);
		fprintf(stderr, "ringbench: %s\n", err);
		return BENCH_USAGE;
	}
	if (nm)
		printf("%-36s %-13s %6s  %-24s  %s\n", "machine", "kind", "runs", "newest",
		       "revision");
	for (int i = 0; i < nm; i++) {
		const char *shown = machines[i];
		for (size_t k = 0; k < sizeof(kind_names) / sizeof(*kind_names) + 1; k++) {
			int count = 0, last = -1;
			for (int r = 0; r < n; r++) {
				bool known = false;
				for (size_t j = 0; j < sizeof(kind_names) / sizeof(*kind_names);
				     j++)
					known |= !strcmp(runs[r].kind, kind_names[j]);
				bool mine = k < sizeof(kind_names) / sizeof(*kind_names)
						? !strcmp(runs[r].kind, kind_names[k])
						: !known;
				if (mine && !strcmp(runs[r].machine, machines[i])) {
					count++;
					last = r; /* oldest first: the last is the newest */
				}
			}
			if (!count)
				continue;
			printf("%-36s %-13s %6d  %-24s  %s\n", shown,
			       k < sizeof(kind_names) / sizeof(*kind_names) ? kind_names[k]
									    : "other",
			       count, runs[last].time, runs[last].revision);
			shown = "";
		}
	}
	if (!nm)
		printf("no runs yet: `ringbench store import DIR` brings a results folder in\n");
	store_free_names(machines, nm);
	free(runs);
	return BENCH_PASS;
}

int cmd_store(int argc, char **argv)
{
	static const struct option opts[] = {{"store", required_argument, 0, 's'},
					     {"out", required_argument, 0, 'o'},
					     {"kind", required_argument, 0, 'k'},
					     {"help", no_argument, 0, 'h'},
					     {0, 0, 0, 0}};
	const char *where = NULL, *out = NULL, *kind = NULL;
	optind = 1;
	opterr = 0;
	int c;
	/* GNU getopt moves the words (subcommand, paths) after the options. */
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's': where = optarg; break;
		case 'o': out = optarg; break;
		case 'k': kind = optarg; break;
		case 'h': print_help(); return BENCH_PASS;
		default:
			if (optopt)
				return cli_usage("store: '%s' needs a value", argv[optind - 1]);
			return cli_usage("store: unknown option '%s'", argv[optind - 1]);
		}
	}
	char **words = argv + optind;
	int nw = argc - optind;
	int rc = BENCH_USAGE;
	const char *sub = nw ? words[0] : NULL;
	if (!sub)
		return cli_usage("store: name what to do: import, export or info");
	bool imp = !strcmp(sub, "import"), exp = !strcmp(sub, "export"),
	     info = !strcmp(sub, "info");
	if (!imp && !exp && !info)
		return cli_usage("store: unknown '%s': import, export or info", sub);
	if (imp && nw < 2)
		return cli_usage("store import: name a DIR or FILE to import");
	if (!imp && nw > 1)
		return cli_usage("store %s: unexpected argument '%s'", sub, words[1]);
	if (out && !exp)
		return cli_usage("store %s: --out is for export", sub);
	if (kind && !imp)
		return cli_usage("store %s: --kind is for import", sub);
	if (kind) {
		bool known = false;
		for (size_t k = 0; k < sizeof(kind_names) / sizeof(*kind_names); k++)
			known |= !strcmp(kind, kind_names[k]);
		if (!known)
			return cli_usage(
			    "store import: --kind '%s': night, rerun, baseline, startup, "
			    "instructions or run",
			    kind);
	}
	char place[1024], err[2048];
	store_default_where(where, place, sizeof(place));
	struct store *s;
	if (store_open(place, &s, err, sizeof(err))) {
		fprintf(stderr, "ringbench: %s\n", err);
		return rc;
	}
	rc = imp ? cmd_import(s, nw - 1, words + 1, kind) : exp ? cmd_export(s, out) : cmd_info(s);
	store_close(s);
	return rc;
}
