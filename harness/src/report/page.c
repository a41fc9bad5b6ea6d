/* page.c: index.html and report.md of one run (page.h). */
#include "report/page.h"

#include "judge/profile.h"
#include "judge/stats.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define esc writeup_html_text

const char page_css[] =
    "body{font-family:system-ui,-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;"
    "max-width:1300px;margin:1.5em auto;padding:0 1em;color:#222;line-height:1.45}"
    "h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:1px solid #ccc;margin-top:1.8em}"
    ".meta{color:#555}nav a{margin-right:1em}"
    "table{border-collapse:collapse;margin:.6em 0;font-size:.92em}"
    "th,td{border:1px solid #ddd;padding:.25em .6em;text-align:left;vertical-align:top}"
    "th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}"
    "tr.reg td{background:#fde2e0}tr.imp td{background:#e2f5e5}"
    ".verdict{font-weight:600;padding:.5em .8em;border-radius:4px;background:#e2f5e5}"
    ".verdict.s1,.verdict.s3{background:#fde2e0}.verdict.s2{background:#fdf0dc}"
    "figure{margin:1.2em 0 2em 0}figure img{max-width:100%;height:auto;border:1px solid #ddd}"
    "figcaption{color:#444;font-size:.92em;max-width:1100px}"
    ".missing{background:#fdf0dc;padding:.5em .8em;border-radius:4px}"
    "pre{background:#f6f6f6;padding:.6em .8em;overflow-x:auto;font-size:.9em}"
    "li.note{color:#8a5a00}li.ok{color:#2a6a2a}";

static void base64(FILE *out, const unsigned char *b, size_t n)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)b[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)b[i + 1] << 8;
		if (i + 2 < n)
			v |= b[i + 2];
		fputc(a[v >> 18 & 63], out);
		fputc(a[v >> 12 & 63], out);
		fputc(i + 1 < n ? a[v >> 6 & 63] : '=', out);
		fputc(i + 2 < n ? a[v & 63] : '=', out);
	}
}

/* The file's bytes as a data: URI; 0, or -1 when it cannot be read. */
static int embed(FILE *out, const char *path, const char *mime)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	unsigned char *buf = NULL;
	size_t len = 0, cap = 0;
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 65536;
			unsigned char *nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				return -1;
			}
			buf = nb;
		}
		size_t got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	int bad = ferror(f);
	fclose(f);
	if (bad || len == 0) {
		free(buf);
		return -1;
	}
	fprintf(out, "data:%s;base64,", mime);
	base64(out, buf, len);
	free(buf);
	return 0;
}

/* One line of the startup table per command: median, and over two bare
 * processes. */
struct startup_row {
	const char *name;
	double median_ms, over_ms;
	int n;
};

static int startup_rows(const struct sample_set *s, struct startup_row *rows, int max)
{
	double none = NAN;
	int n = 0;
	for (int i = 0; i < s->ncases && n < max; i++) {
		const struct sample_case *c = &s->cases[i];
		if (!c->has[FIG_TIME])
			continue;
		rows[n] = (struct startup_row){c->name, stats_median(c->v[FIG_TIME], c->n) / 1e6,
					       NAN, c->n};
		if (strstr(c->name, "transport:none"))
			none = rows[n].median_ms;
		n++;
	}
	for (int i = 0; i < n; i++)
		if (!strstr(rows[i].name, "transport:none"))
			rows[i].over_ms = rows[i].median_ms - none;
	return n;
}

/* A git revision as ringbench writes it: hex digits, maybe "-dirty". */
static bool is_revision(const char *r)
{
	size_t n = strspn(r, "0123456789abcdef");
	return n >= 4 && n <= 40 && (r[n] == 0 || strcmp(r + n, "-dirty") == 0);
}

/* A scenario name that is one plain shell word, or a placeholder. */
static const char *scenario_word(const char *sc)
{
	static const char ok[] =
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.";
	return sc[0] && strspn(sc, ok) == strlen(sc) ? sc : "SCENARIO";
}

static void reproduce_lines(FILE *f, const struct page_input *in)
{
	const struct sample_set *s = in->cur;
	char rev[128];
	bool known = is_revision(s->revision);
	snprintf(rev, sizeof(rev), "%s", known ? s->revision : "REVISION");
	char *dirty = strstr(rev, "-dirty");
	if (dirty)
		*dirty = 0;
	fprintf(f, "git checkout %s%s\n", rev,
		!known	? "      # the results do not name a git revision"
		: dirty ? "      # the run's tree had changes not committed"
			: "");
	const char *sc = scenario_word(s->scenario);
	fprintf(f,
		"./bench.sh %s        # installs, builds, runs `ringbench check`, writes "
		"this report\n",
		sc);
	fprintf(f, "# or, by hand, on a build:\n");
	fprintf(f, "build-release/harness/ringbench check %s --out RESULTS.json\n", sc);
	fprintf(f, "build-release/harness/ringbench startup --out STARTUP.json\n");
	fprintf(f, "build-release/harness/ringbench report RESULTS.json --startup STARTUP.json "
		   "--out DIR\n");
	fprintf(f, "# this report was made with:\n%s\n", in->command ? in->command : "");
}

/* A paragraph saying what is missing, and why. */
static void html_missing(FILE *f, const char *lead, const char *why)
{
	fprintf(f, "<p class=\"missing\">%s", lead);
	esc(f, why);
	fprintf(f, "</p>\n");
}

static void html_head(FILE *f, const struct page_input *in)
{
	const struct sample_set *s = in->cur;
	fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		   "<title>ringbench report: ");
	esc(f, s->scenario[0] ? s->scenario : "run");
	fprintf(f, " at ");
	esc(f, s->revision);
	fprintf(f, "</title>\n<style>%s</style>\n</head>\n<body>\n", page_css);
	fprintf(f, "<h1>ringbench report: ");
	esc(f, s->scenario[0] ? s->scenario : "run");
	fprintf(f, "</h1>\n<p class=\"meta\">machine <code>");
	esc(f, s->machine_id);
	fprintf(f, "</code>, ");
	esc(f, s->build_type);
	fprintf(f, " build, revision <code>");
	esc(f, s->revision);
	fprintf(f, "</code>, run ");
	esc(f, s->date);
	fprintf(f, ", %d cases; results <code>", s->ncases);
	esc(f, in->results_path);
	fprintf(f, "</code>; figures drawn in the machine state ");
	esc(f, in->po->state);
	fprintf(
	    f,
	    ".</p>\n<nav><a href=\"#verdict\">verdict</a><a href=\"#charts\">charts</a>"
	    "<a href=\"#startup\">startup</a><a href=\"#history\">history</a>"
	    "<a href=\"#machine\">machine check</a><a href=\"#reproduce\">reproduce</a></nav>\n");
}

static void html_verdict(FILE *f, const struct page_input *in)
{
	fprintf(f, "<h2 id=\"verdict\">Verdict</h2>\n");
	if (in->j)
		writeup_html(f, in->j, in->meta);
	else
		html_missing(f, "No verdict: ",
			     in->no_verdict ? in->no_verdict : "no base to judge against");
}

/* The baseline's acknowledged regressions and what this run made of each;
 * nothing where it has none. */
static void html_acks(FILE *f, const struct page_input *in)
{
	if (!in->acks_why && (!in->acks || in->acks->n == 0))
		return;
	fprintf(f, "<h3 id=\"acknowledged\">Acknowledged regressions</h3>\n");
	if (in->acks_why) {
		html_missing(f, "Not applied: ", in->acks_why);
		return;
	}
	fprintf(f, "<p>Regressions accepted as deliberate trades (<code>ringbench ack</code>), "
		   "kept in <code>");
	esc(f, in->acks_path ? in->acks_path : "");
	fprintf(f, "</code>:</p>\n<table>\n<tr><th>case</th><th>figure</th><th>accepted</th>"
		   "<th>until</th><th>reason</th><th>in this run</th></tr>\n");
	for (int i = 0; i < in->acks->n; i++) {
		const struct ack *a = &in->acks->v[i];
		char until[160], state[400];
		acks_until_text(a, until, sizeof(until));
		acks_outcome_text(a, state, sizeof(state));
		/* Red only for a regression again; one unused in this run
		 * is no regression. */
		bool again = a->outcome == ACK_EXPIRED || a->outcome == ACK_EXCEEDED;
		fprintf(f, "<tr class=\"%s\"><td><code>", again ? "reg" : "same");
		esc(f, a->case_name);
		fprintf(f, "</code></td><td>%s</td><td class=\"n\">%+.1f%%</td><td>",
			fig_info[a->fig].label, 100 * a->change);
		esc(f, until);
		fprintf(f, "</td><td>");
		esc(f, a->reason);
		fprintf(f, "</td><td>");
		esc(f, state);
		fprintf(f, "</td></tr>\n");
	}
	fprintf(f, "</table>\n");
}

/* Chart c: the image itself (SVG, else PNG, else a link to the PNG) and
 * its caption, or why it is not there. */
static void html_chart(FILE *f, const struct plot_output *po, int c)
{
	fprintf(f, "<figure id=\"chart-%s\">\n<h3>%s</h3>\n", plot_name(c), plot_heading(c));
	if (po->drawn[c]) {
		fprintf(f, "<img alt=\"%s chart\" src=\"", plot_heading(c));
		if (embed(f, po->svg[c], "image/svg+xml") && embed(f, po->png[c], "image/png"))
			fprintf(f, "%s.png", plot_name(c));
		fprintf(f, "\">\n<figcaption>");
		esc(f, po->caption[c]);
		fprintf(f,
			" Files: <a href=\"%s.png\">PNG</a>, <a href=\"%s.svg\">SVG</a>, "
			"<a href=\"data/%s.dat\">data</a>.</figcaption>\n",
			plot_name(c), plot_name(c), plot_name(c));
	} else {
		html_missing(f, po->left_out[c] ? "Left out: " : "Not drawn: ", po->why[c]);
	}
	fprintf(f, "</figure>\n");
}

static void html_charts(FILE *f, const struct page_input *in)
{
	fprintf(f, "<h2 id=\"charts\">Charts</h2>\n");
	for (int c = 0; c < PLOT_COUNT; c++)
		html_chart(f, in->po, c);
}

static void html_startup_table(FILE *f, const struct sample_set *startup)
{
	struct startup_row rows[16];
	int n = startup_rows(startup, rows, 16);
	fprintf(f, "<p>Whole processes timed by hyperfine (<code>ringbench startup</code>): "
		   "create the ring, start the peer process, attach, one message across, "
		   "tear down; beside two processes that do nothing. <code>");
	esc(f, startup->path);
	fprintf(f, "</code></p>\n<table>\n<tr><th>command</th><th>runs</th><th>median</th>"
		   "<th>over two bare processes</th></tr>\n");
	for (int i = 0; i < n; i++) {
		fprintf(f, "<tr><td><code>");
		esc(f, rows[i].name);
		fprintf(f, "</code></td><td class=\"n\">%d</td><td class=\"n\">%.3f ms</td>",
			rows[i].n, rows[i].median_ms);
		if (isfinite(rows[i].over_ms))
			fprintf(f, "<td class=\"n\">%+.3f ms</td></tr>\n", rows[i].over_ms);
		else
			fprintf(f, "<td class=\"n\">-</td></tr>\n");
	}
	fprintf(f, "</table>\n");
}

static void html_startup(FILE *f, const struct page_input *in)
{
	fprintf(f, "<h2 id=\"startup\">Startup</h2>\n");
	if (!in->startup) {
		html_missing(f, "", in->startup_why ? in->startup_why : "no startup results given");
		return;
	}
	html_startup_table(f, in->startup);
	if (in->startup_j)
		writeup_html(f, in->startup_j, in->startup_meta);
}

static void html_history(FILE *f, const struct page_input *in)
{
	fprintf(f, "<h2 id=\"history\">History</h2>\n");
	if (in->history_why) {
		html_missing(f, "", in->history_why);
		return;
	}
	fprintf(f, "<p>The history in <code>");
	esc(f, in->history_dir);
	fprintf(f, "</code>: %s</p>\n<ul>\n",
		in->nhistory ? "new steps and tonight's candidates" : "no new step.");
	for (int i = 0; i < in->nhistory; i++) {
		fprintf(f, "<li%s><code>", i < in->history_regressions ? " class=\"note\"" : "");
		esc(f, in->history[i]);
		fprintf(f, "</code></li>\n");
	}
	fprintf(f, "</ul>\n");
}

static void html_machine(FILE *f, const struct page_input *in)
{
	fprintf(f,
		"<h2 id=\"machine\">Machine check</h2>\n<p>What makes this machine's figures "
		"noisy (<code>ringbench system</code>, when the report was written):</p>\n<ul>\n");
	for (int i = 0; in->sys && i < in->sys->n; i++) {
		fprintf(f, "<li class=\"%s\"><b>", in->sys->line[i].ok ? "ok" : "note");
		esc(f, in->sys->line[i].what);
		fprintf(f, "</b>: ");
		esc(f, in->sys->line[i].text);
		fprintf(f, "</li>\n");
	}
	fprintf(f, "</ul>\n");
}

/* How to reproduce the run, and when the page was written. */
static void html_tail(FILE *f, const struct page_input *in)
{
	fprintf(f, "<h2 id=\"reproduce\">How to reproduce</h2>\n<pre>");
	char *text = NULL;
	size_t len = 0;
	FILE *mf = open_memstream(&text, &len);
	if (mf) {
		reproduce_lines(mf, in);
		fclose(mf);
		esc(f, text ? text : "");
	}
	free(text);
	time_t now = time(NULL);
	char when[64];
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", gmtime(&now));
	fprintf(f, "</pre>\n<p class=\"meta\">Written by ringbench %s.</p>\n</body>\n</html>\n",
		when);
}

/* Where the instruction counts moved, when the results hold a profile. */
static void html_profile(FILE *f, const struct page_input *in)
{
	if (!in->profile || !profile_operations(in->profile))
		return;
	fprintf(f, "<h2 id=\"profile\">Where the instructions moved</h2>\n");
	profile_html(f, in->profile);
}

int page_html(const char *path, const struct page_input *in)
{
	char tmp[1300];
	FILE *f = writeup_open_tmp(path, tmp, sizeof(tmp));
	if (!f)
		return -1;
	html_head(f, in);
	html_verdict(f, in);
	html_acks(f, in);
	html_profile(f, in);
	html_charts(f, in);
	html_startup(f, in);
	html_history(f, in);
	html_machine(f, in);
	html_tail(f, in);
	return writeup_close_tmp(f, tmp, path);
}

/* Text in Markdown outside code: what HTML or Markdown would read as markup
 * escaped, one line. */
static void md_text(FILE *f, const char *s)
{
	for (; *s; s++)
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '\n':
		case '\r': fputc(' ', f); break;
		case '\\':
		case '`':
		case '*':
		case '_':
		case '[':
		case ']':
		case '|':
		case '#':
			fputc('\\', f);
			fputc(*s, f);
			break;
		default: fputc(*s, f);
		}
}

/* The acknowledged regressions, as html_acks. */
static void md_acks(FILE *f, const struct page_input *in)
{
	if (!in->acks_why && (!in->acks || in->acks->n == 0))
		return;
	fprintf(f, "\n### Acknowledged regressions\n\n");
	if (in->acks_why) {
		fprintf(f, "Not applied: ");
		md_text(f, in->acks_why);
		fprintf(f, "\n");
		return;
	}
	for (int i = 0; i < in->acks->n; i++) {
		const struct ack *a = &in->acks->v[i];
		char until[160], state[400];
		acks_until_text(a, until, sizeof(until));
		acks_outcome_text(a, state, sizeof(state));
		fprintf(f, "- ");
		writeup_md_code(f, a->case_name);
		fprintf(f, " %s, accepted %+.1f%%, %s", fig_info[a->fig].label, 100 * a->change,
			a->until[0] ? "until " : "");
		md_text(f, until);
		fprintf(f, ": ");
		md_text(f, a->reason);
		fprintf(f, " (");
		md_text(f, state);
		fprintf(f, ")\n");
	}
}

static void md_profile(FILE *f, const struct page_input *in)
{
	if (!in->profile || !profile_operations(in->profile))
		return;
	fprintf(f, "\n### Where the instructions moved\n\n");
	profile_markdown(f, in->profile);
}

int page_markdown(const char *path, const struct page_input *in)
{
	char tmp[1300];
	FILE *f = writeup_open_tmp(path, tmp, sizeof(tmp));
	if (!f)
		return -1;
	const struct sample_set *s = in->cur;
	fprintf(f, "## ringbench report: ");
	writeup_md_code(f, s->scenario[0] ? s->scenario : "run");
	fprintf(f, " on ");
	writeup_md_code(f, s->machine_id);
	fprintf(f, ", revision ");
	writeup_md_code(f, s->revision);
	fprintf(f, "\n\n");
	if (in->j) {
		writeup_markdown_to(f, in->j, in->meta);
	} else {
		fprintf(f, "No verdict: ");
		md_text(f, in->no_verdict ? in->no_verdict : "no base");
		fprintf(f, "\n");
	}
	md_acks(f, in);
	md_profile(f, in);
	fprintf(f, "\n### Charts (machine state ");
	md_text(f, in->po->state);
	fprintf(f, ")\n\n");
	for (int c = 0; c < PLOT_COUNT; c++) {
		if (in->po->drawn[c]) {
			fprintf(f, "- **%s**: [%s.png](%s.png), [%s.svg](%s.svg). ",
				plot_heading(c), plot_name(c), plot_name(c), plot_name(c),
				plot_name(c));
			md_text(f, in->po->caption[c]);
		} else {
			fprintf(f, "- **%s**: %s: ", plot_heading(c),
				in->po->left_out[c] ? "left out" : "not drawn");
			md_text(f, in->po->why[c]);
		}
		fprintf(f, "\n");
	}
	fprintf(f, "\n### Startup\n\n");
	if (in->startup) {
		struct startup_row rows[16];
		int n = startup_rows(in->startup, rows, 16);
		fprintf(f, "| command | runs | median | over two bare processes |\n"
			   "|---|---:|---:|---:|\n");
		for (int i = 0; i < n; i++) {
			fprintf(f, "| ");
			writeup_md_code(f, rows[i].name);
			fprintf(f, " | %d | %.3f ms | ", rows[i].n, rows[i].median_ms);
			if (isfinite(rows[i].over_ms))
				fprintf(f, "%+.3f ms |\n", rows[i].over_ms);
			else
				fprintf(f, "- |\n");
		}
		if (in->startup_j) {
			fprintf(f, "\n");
			writeup_summary(f, in->startup_j, in->startup_meta);
		}
	} else {
		md_text(f, in->startup_why ? in->startup_why : "No startup results given.");
		fprintf(f, "\n");
	}
	fprintf(f, "\n### Machine check\n\n");
	for (int i = 0; in->sys && i < in->sys->n; i++) {
		fprintf(f, "- %s", in->sys->line[i].ok ? "" : "note: ");
		md_text(f, in->sys->line[i].what);
		fprintf(f, ": ");
		md_text(f, in->sys->line[i].text);
		fprintf(f, "\n");
	}
	/* In a fenced block nothing is markup but a fence: no backquotes. */
	char *text = NULL;
	size_t len = 0;
	FILE *mf = open_memstream(&text, &len);
	if (mf) {
		reproduce_lines(mf, in);
		fclose(mf);
	}
	for (char *p = text; p && *p; p++)
		if (*p == '`')
			*p = '\'';
	fprintf(f,
		"\n### How to reproduce\n\n```\n%s```\n\nThe full report with its charts: "
		"`index.html` beside this file.\n",
		text ? text : "");
	free(text);
	return writeup_close_tmp(f, tmp, path);
}
