/* cmd_ack.c: `ringbench ack`: a regression accepted as a deliberate trade,
 * with its reason, kept with the machine's baseline (judge/acks.h) so
 * that check reports it as acknowledged and passes until it expires or the
 * figure moves again; and the list of them, and their removal. */
#include "cli/cli.h"
#include "cli/commands.h"
#include "judge/acks.h"
#include "judge/baselines.h"
#include "measure/bench.h"
#include "measure/results.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define usage_error cli_usage

static const char help[] =
    "usage: ringbench ack CASE FIGURE --reason TEXT [--until DATE|REV] [--change PCT]\n"
    "                     [--verdict FILE] [--store WHERE] [--machine ID | --baseline FILE]\n"
    "       ringbench ack --list [--store WHERE] [--machine ID | --baseline FILE]\n"
    "       ringbench ack --remove CASE FIGURE [--store WHERE] [--machine ID | --baseline FILE]\n"
    "\n"
    "Accept a regression as a deliberate trade.  `check` then shows the figure as\n"
    "\"acknowledged\", with the reason, and passes for it (exit 0), until the\n"
    "acknowledgement expires or the figure moves again: a change worse than the\n"
    "one accepted by more than the figure's threshold is a regression again.\n"
    "The report page shows them too.  They are kept with the machine's baseline in\n"
    "the results store (FILE.acks.json for --baseline FILE: commit that file with\n"
    "the baseline).\n"
    "\n"
    "CASE is the case as check's table prints it; FIGURE the figure as the table\n"
    "labels it (msgs/s, p50 ns, instr/op, ...) or its JSON key (items_per_second).\n"
    "\n"
    "The change accepted comes from the last verdict: every check keeps its\n"
    "verdict as results/runs/<machine-id>.last-verdict.json (instruction counts:\n"
    "<machine-id>.instructions.last-verdict.json; FILE.last-verdict.json for\n"
    "--baseline FILE), and ack takes the figure's change there (a figure check did\n"
    "not call a regression is refused).  --verdict names another verdict (check\n"
    "--json's, e.g. CI's verdict.json); --change gives it by hand.\n"
    "\n"
    "  --reason TEXT     why the regression is accepted (required, one line)\n"
    "  --until DATE|REV  when it ends: a date YYYY-MM-DD (expired from that day\n"
    "                    on, UTC), or a git revision (expired once the checked\n"
    "                    build contains it; where that cannot be told, as\n"
    "                    expired, and the note says why).  Default: no end\n"
    "  --change PCT      the change accepted, signed as the figure moves: -12% a\n"
    "                    rate 12% lower, +20% a time 20% longer\n"
    "  --verdict FILE    take the change from this verdict (check --json FILE)\n"
    "  --store WHERE     the results store: a SQLite file or postgresql://...\n"
    "                    (default $RINGBENCH_STORE, else results/ringbench.db)\n"
    "  --machine ID      the baseline of another machine in the store (a fleet's;\n"
    "                    default: this machine's)\n"
    "  --baseline FILE   the acknowledgements of a baseline kept as a JSON file\n"
    "  --list            list them, and whether each has expired\n"
    "  --remove          remove the one of CASE and FIGURE\n"
    "\n"
    "exit status: 0 done, 2 usage error (a figure or case not known, no --reason,\n"
    "a bad date, a revision git does not know, no change to take)\n";

struct ack_cli {
	const char *reason, *until, *change, *baseline, *verdict, *where, *machine;
	struct store *store;
	bool list, remove, help;
	const char *case_name;
	enum fig fig;
	char mid[256];		      /* the machine whose baseline it is */
	char path[1200];	      /* the acknowledgements' file, or their place in the store */
	struct baseline_ref bases[2]; /* baselines that name the cases (kind "" for none) */
	char verdicts[2][1200];	      /* the verdicts to take a change from */
};

static int ack_args(int argc, char **argv, struct ack_cli *a)
{
	static const struct option opts[] = {{"reason", required_argument, 0, 'r'},
					     {"until", required_argument, 0, 'u'},
					     {"change", required_argument, 0, 'c'},
					     {"baseline", required_argument, 0, 'b'},
					     {"verdict", required_argument, 0, 'v'},
					     {"store", required_argument, 0, 's'},
					     {"machine", required_argument, 0, 'm'},
					     {"list", no_argument, 0, 'l'},
					     {"remove", no_argument, 0, 'd'},
					     {"help", no_argument, 0, 'h'},
					     {0, 0, 0, 0}};
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'r': a->reason = optarg; break;
		case 'u': a->until = optarg; break;
		case 'c': a->change = optarg; break;
		case 'b': a->baseline = optarg; break;
		case 'v': a->verdict = optarg; break;
		case 's': a->where = optarg; break;
		case 'm': a->machine = optarg; break;
		case 'l': a->list = true; break;
		case 'd': a->remove = true; break;
		case 'h': a->help = true; break;
		default:
			if (optopt)
				return usage_error("ack: '%s' needs a value", argv[optind - 1]);
			return usage_error("ack: unknown option '%s'", argv[optind - 1]);
		}
	}
	if (a->help)
		return 0;
	if (a->baseline && (a->machine || a->where))
		return usage_error(
		    "ack: --baseline FILE keeps them beside FILE: not with --machine "
		    "or --store");
	int npos = argc - optind;
	if (a->list && (npos || a->remove || a->reason || a->until || a->change || a->verdict))
		return usage_error("ack --list takes no case, figure or other option but "
				   "--store, --machine or --baseline");
	if (a->remove && (npos != 2 || a->reason || a->until || a->change || a->verdict))
		return usage_error(
		    "ack --remove CASE FIGURE (and --store, --machine or --baseline) "
		    "only");
	if (!a->list && npos != 2)
		return usage_error("ack: name a CASE and a FIGURE (ringbench ack --help)");
	if (npos == 2) {
		a->case_name = argv[optind];
		if (acks_parse_fig(argv[optind + 1], &a->fig)) {
			char names[600];
			acks_fig_names(names, sizeof(names));
			return usage_error("ack: unknown figure '%s': one of %s", argv[optind + 1],
					   names);
		}
	}
	return 0;
}

/* Where the acknowledgements, the baselines and the verdicts are: beside
 * --baseline FILE, else with the machine's baseline in the store. */
static int ack_places(struct ack_cli *a)
{
	if (a->machine) {
		snprintf(a->mid, sizeof(a->mid), "%s", a->machine);
	} else if (!a->baseline) {
		struct machine m;
		machine_identify(&m);
		snprintf(a->mid, sizeof(a->mid), "%s", m.id);
	}
	if (!a->baseline) {
		char where[1200], err[1400];
		store_default_where(a->where, where, sizeof(where));
		if (store_open(where, &a->store, err, sizeof(err))) {
			fprintf(stderr, "ringbench: %s\n", err);
			return BENCH_USAGE;
		}
		acks_set_store(a->store);
	}
	int bad = acks_file(a->path, sizeof(a->path), a->baseline, a->mid);
	baseline_ref(&a->bases[0], a->store, a->baseline, a->mid, "baseline");
	if (!a->baseline)
		baseline_ref(&a->bases[1], a->store, NULL, a->mid, "instructions");
	if (a->verdict)
		snprintf(a->verdicts[0], sizeof(a->verdicts[0]), "%s", a->verdict);
	else
		bad |= acks_verdict_file(a->verdicts[0], sizeof(a->verdicts[0]), a->baseline,
					 a->mid, "");
	if (!a->verdict && !a->baseline)
		bad |= acks_verdict_file(a->verdicts[1], sizeof(a->verdicts[1]), NULL, a->mid,
					 ".instructions");
	if (bad)
		return usage_error(a->baseline
				       ? "ack: the baseline's path is too long"
				       : "ack: machine id '%s' is no file name, or too long",
				   a->mid);
	return 0;
}

/* ---- what the verdicts and baselines know ---- */

/* A figure's row of a verdict, as ack takes it. */
struct found {
	bool row; /* the verdict judged the case and figure */
	double change;
	char verdict[64], revision[128], file[1200];
};

/* The row of a's case and figure in the verdict at path, into f; every
 * case it names into names.  0, or -1 if it cannot be read. */
static int verdict_read(const char *path, const struct ack_cli *a, struct found *f, json_t *names)
{
	json_t *doc = json_load_file(path, 0, NULL);
	json_t *rows = json_object_get(doc, "rows");
	if (!json_is_array(rows)) {
		json_decref(doc);
		return -1;
	}
	const char *rev =
	    json_string_value(json_object_get(json_object_get(doc, "current"), "git_revision"));
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r)
	{
		const char *cs = json_string_value(json_object_get(r, "case"));
		const char *fs = json_string_value(json_object_get(r, "figure"));
		if (!cs || !fs)
			continue;
		json_object_set_new(names, cs, json_true());
		if (f->row || strcmp(cs, a->case_name) || strcmp(fs, fig_info[a->fig].key))
			continue;
		const char *v = json_string_value(json_object_get(r, "verdict"));
		double ch = json_number_value(json_object_get(r, "change"));
		double base = json_number_value(json_object_get(r, "base"));
		const char *kind = json_string_value(json_object_get(r, "kind"));
		f->row = true;
		f->change = !json_is_number(json_object_get(r, "change")) ? NAN
			    : kind && strcmp(kind, "count") == 0 ? (base > 0 ? ch / base : NAN)
								 : ch;
		snprintf(f->verdict, sizeof(f->verdict), "%s", v ? v : "?");
		snprintf(f->revision, sizeof(f->revision), "%s", rev ? rev : "");
		snprintf(f->file, sizeof(f->file), "%s", path);
	}
	json_decref(doc);
	return 0;
}

static double mtime_of(const char *path)
{
	struct stat st;
	return path[0] && stat(path, &st) == 0 ? (double)st.st_mtime : -1;
}

/* The figure's row in the newest verdict that judged it; the cases every
 * verdict and baseline names into names.  Returns how many verdicts were
 * read, or -1 for a --verdict that cannot be. */
static int ack_look(const struct ack_cli *a, struct found *f, json_t *names)
{
	int order[2] = {0, 1}, read = 0;
	if (mtime_of(a->verdicts[1]) > mtime_of(a->verdicts[0])) {
		order[0] = 1;
		order[1] = 0;
	}
	for (int k = 0; k < 2; k++) {
		const char *p = a->verdicts[order[k]];
		if (!p[0] || (access(p, R_OK) != 0 && !a->verdict))
			continue;
		if (verdict_read(p, a, f, names) == 0)
			read++;
		else if (a->verdict)
			return -1;
	}
	for (int k = 0; k < 2; k++) {
		struct sample_set s;
		char err[1400];
		if (!a->bases[k].kind[0] || baseline_load(&a->bases[k], &s, err, sizeof(err)) != 1)
			continue;
		for (int i = 0; i < s.ncases; i++)
			json_object_set_new(names, s.cases[i].name, json_true());
		sample_free(&s);
	}
	return read;
}

/* Edit distance, for the names closest to one mistyped. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t *row = malloc((lb + 1) * sizeof(*row));
	if (!row)
		return (size_t)-1;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);
			best = up + 1 < best ? up + 1 : best;
			best = row[j - 1] + 1 < best ? row[j - 1] + 1 : best;
			row[j] = best;
			diag = up;
		}
	}
	size_t d = row[lb];
	free(row);
	return d;
}

/* The three names closest to want ("a", "b", "c"), into out. */
static void close_matches(const char *want, json_t *names, char *out, size_t n)
{
	const char *best[3] = {0};
	size_t bd[3] = {(size_t)-1, (size_t)-1, (size_t)-1};
	const char *name;
	json_t *v;
	json_object_foreach(names, name, v)
	{
		size_t d = strstr(name, want) ? 0 : distance(want, name);
		for (int k = 0; k < 3; k++)
			if (d < bd[k]) {
				for (int m = 2; m > k; m--) {
					bd[m] = bd[m - 1];
					best[m] = best[m - 1];
				}
				bd[k] = d;
				best[k] = name;
				break;
			}
	}
	size_t len = 0;
	out[0] = 0;
	for (int k = 0; k < 3 && best[k] && len < n; k++)
		len += (size_t)snprintf(out + len, n - len, "%s'%s'", k ? ", " : "", best[k]);
}

/* ---- add, list, remove ---- */

/* --change: a signed percentage, "-12%" or "-12". */
static int parse_change(const char *s, enum fig fig, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || (*end && strcmp(end, "%") != 0) || !isfinite(v) || v <= -100)
		return usage_error("ack: --change '%s': a signed percentage above -100%%, such as "
				   "-12%%",
				   s);
	if (!acks_is_worse(fig, v / 100))
		return usage_error("ack: --change '%s' is no regression: %s is better %s, so a "
				   "regression is a %s change",
				   s, fig_info[fig].label,
				   fig_info[fig].better > 0 ? "higher" : "lower",
				   fig_info[fig].better > 0 ? "negative" : "positive");
	*out = v / 100;
	return 0;
}

/* The change to accept: --change, else the last verdict's; with the
 * revision it was seen at.  0, or exit code 2 said. */
static int ack_change(const struct ack_cli *a, const struct found *f, int nread, struct ack *k)
{
	if (a->change)
		return parse_change(a->change, a->fig, &k->change);
	if (!f->row && nread == 0)
		return usage_error("ack: no verdict to take the change from (%s%s%s): run check "
				   "first, or give --change PCT",
				   a->verdicts[0], a->verdicts[1][0] ? ", " : "", a->verdicts[1]);
	if (!f->row)
		return usage_error("ack: the last verdict did not judge %s %s: give --change PCT",
				   a->case_name, fig_info[a->fig].label);
	if (strcmp(f->verdict, verdict_name(V_REGRESSION)) &&
	    strcmp(f->verdict, verdict_name(V_ACKED)))
		return usage_error("ack: %s %s is no regression in the last verdict (%s: %s): "
				   "nothing to acknowledge; --change PCT accepts a change by hand",
				   a->case_name, fig_info[a->fig].label, f->file, f->verdict);
	if (!isfinite(f->change))
		return usage_error("ack: the last verdict gives %s %s no relative change (a base "
				   "of 0?): give --change PCT",
				   a->case_name, fig_info[a->fig].label);
	/* A change of -100% or less has no log to measure a later one by: it
	 * would accept a regression of any size. */
	if (f->change <= -1)
		return usage_error("ack: the verdict gives %s %s a change of %+.1f%% (%s): not one "
				   "that can be accepted; give --change PCT above -100%%",
				   a->case_name, fig_info[a->fig].label, 100 * f->change, f->file);
	k->change = f->change;
	snprintf(k->revision, sizeof(k->revision), "%s", f->revision);
	return 0;
}

/* --until: a date, checked; or a revision, resolved to its commit now. */
static int ack_until(const struct ack_cli *a, struct ack *k)
{
	if (!a->until)
		return 0;
	if (strlen(a->until) >= sizeof(k->until) || !a->until[0])
		return usage_error("ack: --until '%s': a date YYYY-MM-DD or a git revision",
				   a->until);
	snprintf(k->until, sizeof(k->until), "%s", a->until);
	if (acks_until_is_date(a->until)) {
		if (!acks_date_valid(a->until))
			return usage_error("ack: --until '%s' is not a date YYYY-MM-DD", a->until);
		return 0;
	}
	if (acks_git_commit(a->until, k->until_commit, sizeof(k->until_commit)))
		return usage_error("ack: --until '%s': neither a date YYYY-MM-DD nor a revision "
				   "git knows in this ringbench's source tree",
				   a->until);
	return 0;
}

/* The reason: said, and one line, since it goes into table rows. */
static int ack_reason(const char *r)
{
	if (!r || !r[0])
		return usage_error("ack: --reason TEXT is required: say why the regression is "
				   "accepted");
	for (const char *p = r; *p; p++)
		if ((unsigned char)*p < 0x20)
			return usage_error("ack: --reason: one line, no control characters");
	if (strlen(r) > 400)
		return usage_error("ack: --reason: at most 400 characters");
	return 0;
}

/* Put k into the file and say so. */
static int ack_store(const struct ack_cli *a, const struct ack *k)
{
	char err[1400];
	struct ack_set s;
	if (acks_load(a->path, &s, err, sizeof(err))) {
		fprintf(stderr, "ringbench: %s\n", err);
		return BENCH_USAGE;
	}
	int put = acks_put(&s, k);
	if (put < 0 || acks_save(&s, a->path, err, sizeof(err))) {
		fprintf(stderr, "ringbench: %s\n", put < 0 ? "out of memory" : err);
		acks_free(&s);
		return BENCH_USAGE;
	}
	acks_free(&s);
	char until[160];
	acks_until_text(k, until, sizeof(until));
	printf("%s %s %s: accepted %+.1f%%%s, until %s: %s\n",
	       put ? "acknowledged again" : "acknowledged", k->case_name, fig_info[k->fig].label,
	       100 * k->change, k->revision[0] ? "" : " (given by hand)", until, k->reason);
	if (a->store)
		printf("kept in %s\n", a->path);
	else
		printf("kept in %s: commit it with the baseline\n", a->path);
	char why[400];
	struct ack_context ctx = {.now = time(NULL), .checked = k->revision};
	if (acks_until_is_date(k->until) && acks_expired(k, &ctx, why, sizeof(why)))
		fprintf(stderr,
			"ringbench ack: note: --until %s is past: this acknowledgement "
			"has expired already\n",
			k->until);
	return BENCH_PASS;
}

static int ack_add(struct ack_cli *a)
{
	struct ack k = {
	    .case_name = (char *)a->case_name, .fig = a->fig, .reason = (char *)a->reason};
	int rc = ack_reason(a->reason);
	if (rc || (rc = ack_until(a, &k)))
		return rc;
	struct found f = {0};
	json_t *names = json_object();
	if (!names)
		return BENCH_USAGE;
	int nread = ack_look(a, &f, names);
	if (nread < 0) {
		json_decref(names);
		return usage_error("ack: --verdict %s: no verdict can be read there (check --json "
				   "FILE writes one)",
				   a->verdict);
	}
	if (!json_object_get(names, a->case_name)) {
		char near[1200];
		close_matches(a->case_name, names, near, sizeof(near));
		rc =
		    json_object_size(names)
			? usage_error("ack: no case '%s' in the last verdict or the baseline; the "
				      "closest: %s",
				      a->case_name, near)
			: usage_error("ack: no baseline (%s) and no verdict to know case '%s' from",
				      a->bases[0].path, a->case_name);
	}
	json_decref(names);
	if (rc || (rc = ack_change(a, &f, nread, &k)))
		return rc;
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(k.acked, sizeof(k.acked), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return ack_store(a, &k);
}

/* The checked revision of the newest verdict, to tell whether an
 * acknowledgement until a revision has expired; "" if none. */
static void last_checked(const struct ack_cli *a, char *out, size_t n)
{
	out[0] = 0;
	int k = mtime_of(a->verdicts[1]) > mtime_of(a->verdicts[0]) ? 1 : 0;
	json_t *doc = json_load_file(a->verdicts[k], 0, NULL);
	const char *rev =
	    json_string_value(json_object_get(json_object_get(doc, "current"), "git_revision"));
	snprintf(out, n, "%s", rev ? rev : "");
	json_decref(doc);
}

static int ack_list(const struct ack_cli *a)
{
	char err[1400], checked[128];
	struct ack_set s;
	if (acks_load(a->path, &s, err, sizeof(err))) {
		fprintf(stderr, "ringbench: %s\n", err);
		return BENCH_USAGE;
	}
	if (s.n == 0)
		printf("no acknowledged regressions (%s)\n", a->path);
	else
		printf("%d acknowledged regression%s (%s):\n", s.n, s.n == 1 ? "" : "s", a->path);
	last_checked(a, checked, sizeof(checked));
	struct ack_context ctx = {.now = time(NULL), .checked = checked};
	for (int i = 0; i < s.n; i++) {
		const struct ack *k = &s.v[i];
		char why[400] = "", until[160];
		bool rev = k->until[0] && !acks_until_is_date(k->until);
		if (!rev || checked[0])
			acks_expired(k, &ctx, why, sizeof(why));
		acks_until_text(k, until, sizeof(until));
		printf("%s\n  %-13s accepted %+.1f%%, %s%s%s, acknowledged %s%s%s\n  reason: %s\n",
		       k->case_name, fig_info[k->fig].label, 100 * k->change,
		       k->until[0] ? "until " : "", until,
		       why[0]		    ? " (expired)"
		       : rev && !checked[0] ? " (no check yet to tell)"
					    : "",
		       k->acked[0] ? k->acked : "?", k->revision[0] ? " at " : "", k->revision,
		       k->reason);
		if (why[0])
			printf("  %s\n", why);
	}
	acks_free(&s);
	return BENCH_PASS;
}

static int ack_remove(const struct ack_cli *a)
{
	char err[1400];
	struct ack_set s;
	if (acks_load(a->path, &s, err, sizeof(err))) {
		fprintf(stderr, "ringbench: %s\n", err);
		return BENCH_USAGE;
	}
	int rc = BENCH_PASS;
	if (acks_remove(&s, a->case_name, a->fig))
		rc = usage_error("ack --remove: no acknowledgement of %s %s in %s (ringbench ack "
				 "--list)",
				 a->case_name, fig_info[a->fig].label, a->path);
	else if (acks_save(&s, a->path, err, sizeof(err))) {
		fprintf(stderr, "ringbench: %s\n", err);
		rc = BENCH_USAGE;
	} else
		printf("removed the acknowledgement of %s %s from %s\n", a->case_name,
		       fig_info[a->fig].label, a->path);
	acks_free(&s);
	return rc;
}

int cmd_ack(int argc, char **argv)
{
	struct ack_cli a = {0};
	int rc = ack_args(argc, argv, &a);
	if (rc)
		return rc;
	if (a.help) {
		fputs(help, stdout);
		return BENCH_PASS;
	}
	if (!(rc = ack_places(&a)))
		rc = a.list ? ack_list(&a) : a.remove ? ack_remove(&a) : ack_add(&a);
	acks_set_store(NULL);
	store_close(a.store);
	return rc;
}
