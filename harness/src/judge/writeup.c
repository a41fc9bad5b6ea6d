/* writeup.c: a judgement as a table, Markdown, JUnit XML and JSON. */
#include "judge/writeup.h"

#include "judge/history.h"

#include "measure/results.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A figure in a few characters: 28.1M, 4.48K, 153.2, 0.012. */
void writeup_value(char *out, size_t n, double v, enum fig f)
{
	if (isnan(v))
		snprintf(out, n, "-");
	else if (fig_info[f].count)
		snprintf(out, n, "%.3f", v);
	else if (v >= 1e9)
		snprintf(out, n, "%.2fG", v / 1e9);
	else if (v >= 1e6)
		snprintf(out, n, "%.2fM", v / 1e6);
	else if (v >= 1e4)
		snprintf(out, n, "%.1fK", v / 1e3);
	else
		snprintf(out, n, "%.1f", v);
}

static void fmt_change(char *out, size_t n, const struct judge_row *r)
{
	if (isnan(r->change))
		snprintf(out, n, "-");
	else if (r->fig == FIG_INSTR) /* a count, but 1% is what matters */
		snprintf(out, n, "%+.2f%%", r->base > 0 ? 100 * r->change / r->base : 0.0);
	else if (fig_info[r->fig].count)
		snprintf(out, n, "%+.3f/msg", r->change);
	else
		snprintf(out, n, "%+.1f%%", r->change * 100);
}

static void fmt_ci(char *out, size_t n, const struct judge_row *r)
{
	if (isnan(r->lo) || isnan(r->hi))
		snprintf(out, n, "-");
	else
		snprintf(out, n, "[%+.1f%%, %+.1f%%]", r->lo * 100, r->hi * 100);
}

static void fmt_verdict(char *out, size_t n, const struct judge_row *r)
{
	snprintf(out, n, "%s", verdict_name(r->v));
}

/* A row's cells as every format shows them. */
struct cells {
	char base[16], cur[16], change[24], ci[40], verdict[64], p[16];
};

static void row_cells(const struct judge_row *r, struct cells *c)
{
	writeup_value(c->base, sizeof(c->base), r->base, r->fig);
	writeup_value(c->cur, sizeof(c->cur), r->cur, r->fig);
	fmt_change(c->change, sizeof(c->change), r);
	fmt_ci(c->ci, sizeof(c->ci), r);
	fmt_verdict(c->verdict, sizeof(c->verdict), r);
	if (isnan(r->p))
		snprintf(c->p, sizeof(c->p), "-");
	else
		snprintf(c->p, sizeof(c->p), "%.4f", r->p);
}

static bool counts_as_regression(const struct judge_row *r)
{
	return r->v == V_REGRESSION;
}

/* Shown as a regression: one, or one acknowledged (which fails nothing,
 * but stays in sight with its reason in the note). */
static bool shown_as_regression(const struct judge_row *r)
{
	return r->v == V_REGRESSION || r->v == V_ACKED;
}

#define md_code writeup_md_code

int writeup_status(const struct judgement *j, const struct writeup_meta *m)
{
	int s = judge_status(j);
	/* A step the history confirms is a regression even on a night the
	 * baseline gave no verdict because the machine changed state: the
	 * history compares the night with earlier nights in its own state. */
	if (m->history_regressions > 0 && (s == 0 || (s == 2 && j->changed[0])))
		return 1;
	return s;
}

void writeup_history_markdown(FILE *f, const struct writeup_meta *m)
{
	if (!m->history_title)
		return;
	fprintf(f, "\n### %s\n\n", m->history_title);
	for (int i = 0; i < m->nhistory; i++) {
		fprintf(f, "- %s", i < m->history_regressions ? "**REGRESSION** " : "");
		md_code(f, m->history[i]);
		fprintf(f, "\n");
	}
	if (m->nhistory == 0)
		fprintf(f, "No new step.\n");
}

void writeup_summary(FILE *f, const struct judgement *j, const struct writeup_meta *m)
{
	int same = 0;
	for (int i = 0; i < j->nrows; i++)
		same += j->rows[i].v == V_SAME || j->rows[i].v == V_SMALL;
	int status = writeup_status(j, m);
	const char *what = status == 3	 ? "VISIBILITY FAILURE"
			   : status == 2 ? "NO VERDICT"
			   : status == 1 ? "REGRESSION"
					 : "pass";
	fprintf(f, "ringbench %s: %s: %d regression%s", m->command, what, j->regressions,
		j->regressions == 1 ? "" : "s");
	if (j->acknowledged > 0)
		fprintf(f, ", %d acknowledged", j->acknowledged);
	fprintf(f, ", %d improvement%s, %d unchanged, %d with too few %s", j->improvements,
		j->improvements == 1 ? "" : "s", same, j->too_few,
		j->method == JUDGE_RUNS && !j->one_run_each ? "runs" : "repetitions");
	if (j->nfail)
		fprintf(f, ", %d visibility or integrity failure%s", j->nfail,
			j->nfail == 1 ? "" : "s");
	if (m->history_regressions)
		fprintf(f, ", %d new step%s in the history", m->history_regressions,
			m->history_regressions == 1 ? "" : "s");
	fprintf(f, " (alpha %.3g", m->opts->alpha);
	if (j->method == JUDGE_RUNS) /* the spread of the runs is in the test */
		fprintf(f, "%s, threshold %.1f%%)\n", j->tests > 1 ? " in all" : "",
			100 * (m->opts->threshold > 0 ? m->opts->threshold : m->opts->floor));
	else if (m->opts->threshold > 0)
		fprintf(f, ", threshold %.1f%%)\n", m->opts->threshold * 100);
	else
		fprintf(f, ", threshold the larger of %.1f%% and the noise)\n",
			m->opts->floor * 100);
}

void writeup_score_line(char *out, size_t n, const struct judgement *j, const struct suite_score *s,
			double level)
{
	char change[48], interval[64];
	/* Above 1 is worse: more time, less rate, more instructions. */
	if (fabs(s->ratio - 1) < 0.0005)
		snprintf(change, sizeof(change), "no change");
	else
		snprintf(change, sizeof(change), "%.1f%% %s", 100 * fabs(s->ratio - 1),
			 s->ratio > 1 ? (s->exact ? "more" : "slower")
				      : (s->exact ? "fewer" : "faster"));
	if (s->exact)
		snprintf(interval, sizeof(interval), "exact");
	else if (isnan(s->lo) || isnan(s->hi))
		snprintf(interval, sizeof(interval), "interval none%s",
			 j->one_run_each ? ": one run per side" : "");
	else
		snprintf(interval, sizeof(interval), "%g%% interval %.3f to %.3f", 100 * level,
			 s->lo, s->hi);
	snprintf(out, n, "suite score, %s: %.3f (%s), %s, over %d %s%s", s->state, s->ratio, change,
		 interval, s->ncases, s->exact ? "operation" : "case", s->ncases == 1 ? "" : "s");
}

/* The suite score, a line per machine state, each between before and
 * after; a line saying there is none when no case was judged.  The
 * lines hold only numbers and the states' names: nothing to escape. */
static void score_lines(FILE *f, const struct judgement *j, const struct writeup_meta *m,
			const char *before, const char *after)
{
	for (int i = 0; i < j->nscores; i++) {
		char line[256];
		writeup_score_line(line, sizeof(line), j, &j->scores[i], m->opts->level);
		fprintf(f, "%s%s%s", before, line, after);
	}
	if (j->nscores == 0)
		fprintf(f, "%ssuite score: none, no case was judged%s", before, after);
}

static void states_line(FILE *f, const struct judgement *j, const struct writeup_meta *m)
{
	if (j->nstates == 0) {
		fprintf(f, "machine state: not recorded in both files\n");
		return;
	}
	fprintf(f, "machine states (bare line round trip on the two CPUs):");
	for (int k = 0; k < j->nstates; k++)
		fprintf(f, "%s %.0f-%.0f ns (%s %d, %s %d repetitions)", k ? ";" : "",
			j->states[k].lo, j->states[k].hi, m->base_label, j->states[k].nbase,
			m->cur_label, j->states[k].ncur);
	fprintf(f, "\n");
	if (j->unsteady_base || j->unsteady_cur)
		fprintf(f,
			"left out: %d %s and %d %s repetitions whose state changed during them\n",
			j->unsteady_base, m->base_label, j->unsteady_cur, m->cur_label);
}

/* Changes by their size as factors: a rate that halves (-50%) is as far
 * as a time that doubles (+100%). */
static int cmp_reach(const void *a, const void *b)
{
	double x = fabs(log1p(*(const double *)a)), y = fabs(log1p(*(const double *)b));
	return (x > y) - (x < y);
}

/* The smallest change a base can call, as a size: "45%", or ">1000%"
 * where the runs spread so far that no change of a sane size stands out. */
static void fmt_reach(char *out, size_t n, double d)
{
	if (d > 10 || d < -0.99)
		snprintf(out, n, "%s", d > 0 ? ">1000%" : "a fall of >99%");
	else
		snprintf(out, n, "%.0f%%", 100 * fabs(d));
}

/* A change as the factor it moves a figure by, either way: a rate that
 * halves and a time that doubles are both 2.00. */
static void fmt_factor(char *out, size_t n, double d)
{
	double x = exp(fabs(log1p(d)));
	if (!(x < 100))
		snprintf(out, n, ">100");
	else
		snprintf(out, n, "%.2f", x);
}

void writeup_method(FILE *f, const struct judgement *j, const struct writeup_meta *m, bool markdown)
{
	if (j->method_note[0])
		fprintf(f, "method: %s\n", j->method_note);
	if (m->machine_note && m->machine_note[0]) {
		/* From the files' contexts: in Markdown, as code like any name. */
		fprintf(f, "machine, since the base was taken: ");
		if (markdown)
			writeup_md_code(f, m->machine_note);
		else
			fputs(m->machine_note, f);
		fprintf(f, "\n");
	}
	if (j->method != JUDGE_RUNS)
		return;
	double *d = malloc(((size_t)j->nrows + 1) * sizeof(*d));
	int n = 0;
	for (int i = 0; d && i < j->nrows; i++)
		if (!isnan(j->rows[i].detect))
			d[n++] = j->rows[i].detect;
	if (n > 0) {
		qsort(d, (size_t)n, sizeof(*d), cmp_reach);
		char med[24], best[24], worst[24];
		fmt_factor(med, sizeof(med), d[(n - 1) / 2]);
		fmt_factor(best, sizeof(best), d[0]);
		fmt_factor(worst, sizeof(worst), d[n - 1]);
		fprintf(f,
			"this base can call a change by a factor of %s or more in half of its %d "
			"figures (%s in the best, %s in the worst; each figure's own, as a "
			"percentage, in --all or --json): smaller changes need more runs in the "
			"base, or `ab`\n",
			med, n, best, worst);
	}
	free(d);
}

/* Stored runs: the interval is at the level of the verdict's test (the
 * method line says so); otherwise a 95% bootstrap. */
static const char *interval_label(const struct judgement *j)
{
	return j->method == JUDGE_RUNS && !j->one_run_each ? "interval" : "95% interval";
}

void writeup_table(FILE *f, const struct judgement *j, const struct writeup_meta *m, bool all)
{
	const char *last = NULL;
	fprintf(f, "  %-13s %9s %9s %10s %18s %8s  %s\n", "figure", m->base_label, m->cur_label,
		"change", interval_label(j), "p", "verdict");
	for (int i = 0; i < j->nrows; i++) {
		const struct judge_row *r = &j->rows[i];
		if (!all && (r->v == V_SAME || r->v == V_SMALL))
			continue;
		if (!last || strcmp(last, r->name) != 0) {
			fprintf(f, "%s\n", r->name);
			last = r->name;
		}
		struct cells c;
		row_cells(r, &c);
		fprintf(f, "  %-13s %9s %9s %10s %18s %8s  %s", fig_info[r->fig].label, c.base,
			c.cur, c.change, c.ci, c.p, c.verdict);
		if (shown_as_regression(r) || r->v == V_IMPROVEMENT)
			fprintf(f, " (threshold %.1f%%)", r->threshold * 100);
		if (!isnan(r->detect)) {
			char reach[24];
			fmt_reach(reach, sizeof(reach), r->detect);
			fprintf(f, " (can call %s%s)", r->detect < 0 ? "-" : "+", reach);
		}
		if (r->note[0])
			fprintf(f, " [%s]", r->note);
		fprintf(f, "\n");
	}
	for (int i = 0; i < j->nfail; i++)
		fprintf(f, "VISIBILITY FAILURE %s\n", j->failures[i]);
	for (int i = 0; i < j->n_only_base; i++)
		fprintf(f, "only in %s: %s\n", m->base_label, j->only_base[i]);
	for (int i = 0; i < j->n_only_cur; i++)
		fprintf(f, "only in %s: %s\n", m->cur_label, j->only_cur[i]);
	states_line(f, j, m);
	for (int i = 0; i < j->nwarn; i++)
		fprintf(f, "warning: %s\n", j->warnings[i]);
	writeup_method(f, j, m, false);
	if (j->changed[0])
		fprintf(f, "%s\n", j->changed);
	score_lines(f, j, m, "", "\n");
	writeup_summary(f, j, m);
}

/* ---- files ---- */

FILE *writeup_open_tmp(const char *path, char *tmp, size_t n)
{
	snprintf(tmp, n, "%s.tmp.%d", path, (int)getpid());
	return fopen(tmp, "w");
}

int writeup_close_tmp(FILE *f, const char *tmp, const char *path)
{
	int bad = ferror(f);
	if (fclose(f) != 0 || bad) {
		int e = errno ? errno : EIO;
		unlink(tmp);
		errno = e;
		return -1;
	}
	if (rename(tmp, path) != 0) {
		int e = errno;
		unlink(tmp);
		errno = e;
		return -1;
	}
	return 0;
}

/* Text from a results file inside a Markdown table or a comment: as HTML
 * <code>, with everything that could end the cell, the line or the code
 * escaped. */
void writeup_md_code(FILE *f, const char *s)
{
	fputs("<code>", f);
	for (; *s; s++)
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '|': fputs("&#124;", f); break;
		case '`': fputs("&#96;", f); break;
		/* Markdown still reads links, images and emphasis inside
		 * <code>: none of their characters is left as itself. */
		case '[':
		case ']':
		case '(':
		case ')':
		case '!':
		case '*':
		case '_':
		case '~':
		case '\\':
		case '$': fprintf(f, "&#%d;", *s); break;
		case '\n':
		case '\r': fputc(' ', f); break;
		default: fputc(*s, f);
		}
	fputs("</code>", f);
}

void writeup_markdown_to(FILE *f, const struct judgement *j, const struct writeup_meta *m)
{
	fprintf(f, "### ");
	writeup_summary(f, j, m);
	fprintf(f, "\n");
	score_lines(f, j, m, "- ", "\n");
	fprintf(f, "\n%s: ", m->base_label);
	md_code(f, m->base->path);
	fprintf(f, "%s", m->base->revision[0] ? " at " : "");
	if (m->base->revision[0])
		md_code(f, m->base->revision);
	fprintf(f, "  \n%s: ", m->cur_label);
	md_code(f, m->cur->path);
	fprintf(f, "%s", m->cur->revision[0] ? " at " : "");
	if (m->cur->revision[0])
		md_code(f, m->cur->revision);
	fprintf(f, "\n\n");
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1)
			fprintf(f, "<details><summary>every figure</summary>\n\n");
		fprintf(f,
			"| case | figure | %s | %s | change | %s | p | verdict |\n"
			"|---|---|---:|---:|---:|---:|---:|---|\n",
			m->base_label, m->cur_label, interval_label(j));
		for (int i = 0; i < j->nrows; i++) {
			const struct judge_row *r = &j->rows[i];
			if (pass == 0 && (r->v == V_SAME || r->v == V_SMALL))
				continue;
			struct cells c;
			row_cells(r, &c);
			fprintf(f, "| ");
			md_code(f, r->name);
			fprintf(f, " | %s | %s | %s | %s | %s | %s | %s%s%s",
				fig_info[r->fig].label, c.base, c.cur, c.change, c.ci, c.p,
				shown_as_regression(r) ? "**" : "", c.verdict,
				shown_as_regression(r) ? "**" : "");
			if (r->v == V_ACKED && r->note[0]) {
				fprintf(f, " ");
				md_code(f, r->note);
			}
			fprintf(f, " |\n");
		}
		if (pass == 1)
			fprintf(f, "\n</details>\n");
	}
	for (int i = 0; i < j->nfail; i++) {
		fprintf(f, "\n**VISIBILITY FAILURE** ");
		md_code(f, j->failures[i]);
		fprintf(f, "\n");
	}
	if (j->n_only_base || j->n_only_cur)
		fprintf(f, "\n%d cases only in %s, %d only in %s.\n", j->n_only_base, m->base_label,
			j->n_only_cur, m->cur_label);
	fprintf(f, "\n");
	states_line(f, j, m);
	fprintf(f, "\n");
	writeup_method(f, j, m, true);
	if (j->changed[0])
		fprintf(f, "\n%s\n", j->changed);
	for (int i = 0; i < j->nwarn; i++)
		fprintf(f, "\nwarning: %s\n", j->warnings[i]);
	writeup_history_markdown(f, m);
}

int writeup_markdown(const char *path, const struct judgement *j, const struct writeup_meta *m)
{
	char tmp[1100];
	FILE *f = writeup_open_tmp(path, tmp, sizeof(tmp));
	if (!f)
		return -1;
	writeup_markdown_to(f, j, m);
	return writeup_close_tmp(f, tmp, path);
}

static void xml_text(FILE *f, const char *s)
{
	for (; *s; s++)
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		default:
			if ((unsigned char)*s >= 0x20 || *s == '\n' || *s == '\t')
				fputc(*s, f);
		}
}

void writeup_html_text(FILE *f, const char *s)
{
	xml_text(f, s);
}

void writeup_html(FILE *f, const struct judgement *j, const struct writeup_meta *m)
{
	char *sum = NULL;
	size_t len = 0;
	FILE *mf = open_memstream(&sum, &len);
	if (mf) {
		writeup_summary(mf, j, m);
		fclose(mf);
	}
	int status = writeup_status(j, m);
	fprintf(f, "<p class=\"verdict s%d\">", status);
	xml_text(f, sum ? sum : "");
	fprintf(f, "</p>\n<p class=\"score\">");
	free(sum);
	score_lines(f, j, m, "", "<br>\n");
	fprintf(f, "</p>\n");
	for (int pass = 0; pass < 2; pass++) {
		int shown = 0;
		for (int i = 0; i < j->nrows; i++)
			shown += pass == 1 || !(j->rows[i].v == V_SAME || j->rows[i].v == V_SMALL);
		if (pass == 0 && shown == 0) {
			fprintf(f, "<p>No figure changed beyond its threshold.</p>\n");
			continue;
		}
		if (pass == 1)
			fprintf(f, "<details><summary>every figure (%d)</summary>\n", j->nrows);
		fprintf(f, "<table>\n<tr><th>case</th><th>figure</th><th>");
		xml_text(f, m->base_label);
		fprintf(f, "</th><th>");
		xml_text(f, m->cur_label);
		fprintf(f, "</th><th>change</th><th>%s</th><th>p</th><th>verdict</th></tr>\n",
			interval_label(j));
		for (int i = 0; i < j->nrows; i++) {
			const struct judge_row *r = &j->rows[i];
			if (pass == 0 && (r->v == V_SAME || r->v == V_SMALL))
				continue;
			struct cells c;
			row_cells(r, &c);
			const char *cls = shown_as_regression(r)  ? "reg"
					  : r->v == V_IMPROVEMENT ? "imp"
								  : "same";
			fprintf(f, "<tr class=\"%s\"><td><code>", cls);
			xml_text(f, r->name);
			fprintf(f, "</code></td><td>");
			xml_text(f, fig_info[r->fig].label);
			fprintf(f,
				"</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td "
				"class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td>"
				"<td>",
				c.base, c.cur, c.change, c.ci, c.p);
			xml_text(f, c.verdict);
			if (r->v == V_ACKED && r->note[0]) {
				fprintf(f, ": ");
				xml_text(f, r->note);
			}
			fprintf(f, "</td></tr>\n");
		}
		fprintf(f, "</table>\n");
		if (pass == 1)
			fprintf(f, "</details>\n");
	}
	for (int i = 0; i < j->nfail; i++) {
		fprintf(f, "<p class=\"verdict s3\">VISIBILITY FAILURE: <code>");
		xml_text(f, j->failures[i]);
		fprintf(f, "</code></p>\n");
	}
	if (j->n_only_base || j->n_only_cur) {
		fprintf(f, "<p>%d cases only in ", j->n_only_base);
		xml_text(f, m->base_label);
		fprintf(f, ", %d only in ", j->n_only_cur);
		xml_text(f, m->cur_label);
		fprintf(f, ".</p>\n");
	}
	char *st = NULL;
	len = 0;
	mf = open_memstream(&st, &len);
	if (mf) {
		states_line(mf, j, m);
		writeup_method(mf, j, m, false);
		for (int i = 0; i < j->nwarn; i++)
			fprintf(mf, "warning: %s\n", j->warnings[i]);
		fclose(mf);
		fprintf(f, "<pre>");
		xml_text(f, st ? st : "");
		fprintf(f, "</pre>\n");
	}
	free(st);
}

/* The distinct case names, in order: the rows, then failures and cases
 * found in one file only. */
static int case_names(const struct judgement *j, const char ***out)
{
	const char **names = calloc((size_t)j->nrows + 1, sizeof(*names));
	int n = 0;
	if (!names)
		return -1;
	for (int i = 0; i < j->nrows; i++)
		if (n == 0 || strcmp(names[n - 1], j->rows[i].name) != 0)
			names[n++] = j->rows[i].name;
	*out = names;
	return n;
}

static const char *mode_of(const char *name, char *buf, size_t n)
{
	snprintf(buf, n, "%s", name);
	char *slash = strchr(buf, '/');
	if (slash)
		*slash = 0;
	return buf;
}

int writeup_junit(const char *path, const struct judgement *j, const struct writeup_meta *m)
{
	const char **names;
	int nc = case_names(j, &names);
	if (nc < 0)
		return -1;
	char tmp[1100];
	FILE *f = writeup_open_tmp(path, tmp, sizeof(tmp));
	if (!f) {
		free(names);
		return -1;
	}
	int failures = 0, tests = nc + j->nfail + j->n_only_base + m->history_regressions;
	for (int k = 0; k < nc; k++)
		for (int i = 0; i < j->nrows; i++)
			if (j->rows[i].name == names[k] && counts_as_regression(&j->rows[i])) {
				failures++;
				break;
			}
	failures += j->nfail + m->history_regressions;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	fprintf(f, "<testsuites name=\"ringbench\" tests=\"%d\" failures=\"%d\" time=\"%.3f\">\n",
		tests, failures, m->seconds);
	fprintf(f,
		"  <testsuite name=\"ringbench %s\" tests=\"%d\" failures=\"%d\" errors=\"0\" "
		"skipped=\"%d\" time=\"%.3f\">\n",
		m->command, tests, failures, j->n_only_base, m->seconds);
	char mode[32];
	for (int k = 0; k < nc; k++) {
		fprintf(f, "    <testcase classname=\"ringbench.");
		xml_text(f, mode_of(names[k], mode, sizeof(mode)));
		fprintf(f, "\" name=\"");
		xml_text(f, names[k]);
		fprintf(f, "\" time=\"0\">\n");
		for (int i = 0; i < j->nrows; i++) {
			const struct judge_row *r = &j->rows[i];
			if (r->name != names[k] || !counts_as_regression(r))
				continue;
			char ch[24], ci[40], msg[200];
			fmt_change(ch, sizeof(ch), r);
			fmt_ci(ci, sizeof(ci), r);
			snprintf(msg, sizeof(msg), "%s %s (%s %s, threshold %.1f%%)",
				 fig_info[r->fig].label, ch, interval_label(j), ci,
				 r->threshold * 100);
			fprintf(f, "      <failure type=\"regression\" message=\"");
			xml_text(f, msg);
			fprintf(f, "\"/>\n");
		}
		fprintf(f, "      <system-out>");
		for (int i = 0; i < j->nrows; i++) {
			const struct judge_row *r = &j->rows[i];
			if (r->name != names[k])
				continue;
			char b[16], c[16], ch[24], line[200];
			writeup_value(b, sizeof(b), r->base, r->fig);
			writeup_value(c, sizeof(c), r->cur, r->fig);
			fmt_change(ch, sizeof(ch), r);
			snprintf(line, sizeof(line), "%s: %s -> %s (%s) %s\n",
				 fig_info[r->fig].label, b, c, ch, verdict_name(r->v));
			xml_text(f, line);
		}
		fprintf(f, "</system-out>\n    </testcase>\n");
	}
	for (int i = 0; i < j->nfail; i++) {
		fprintf(f, "    <testcase classname=\"ringbench.visibility\" name=\"");
		const char *colon = strstr(j->failures[i], ": ");
		int len = colon ? (int)(colon - j->failures[i]) : (int)strlen(j->failures[i]);
		char nm[512];
		snprintf(nm, sizeof(nm), "%.*s", len, j->failures[i]);
		xml_text(f, nm);
		fprintf(f, "\" time=\"0\">\n      <failure type=\"visibility\" message=\"");
		xml_text(f, j->failures[i]);
		fprintf(f, "\"/>\n    </testcase>\n");
	}
	for (int i = 0; i < m->history_regressions; i++) {
		const char *line = m->history[i];
		const char *colon = strstr(line, ": ");
		char nm[512];
		snprintf(nm, sizeof(nm), "%.*s", colon ? (int)(colon - line) : (int)strlen(line),
			 line);
		fprintf(f, "    <testcase classname=\"ringbench.history\" name=\"");
		xml_text(f, nm);
		fprintf(f, "\" time=\"0\">\n      <failure type=\"step\" message=\"");
		xml_text(f, line);
		fprintf(f, "\"/>\n    </testcase>\n");
	}
	for (int i = 0; i < j->n_only_base; i++) {
		fprintf(f, "    <testcase classname=\"ringbench.missing\" name=\"");
		xml_text(f, j->only_base[i]);
		fprintf(
		    f, "\" time=\"0\">\n      <skipped message=\"in %s only\"/>\n    </testcase>\n",
		    m->base_label);
	}
	fprintf(f, "  </testsuite>\n</testsuites>\n");
	free(names);
	return writeup_close_tmp(f, tmp, path);
}

static json_t *num_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *str_list(char **v, int n)
{
	json_t *a = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

static json_t *set_info(const struct sample_set *s)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:i}", "path", s->path, "machine_id",
			 s->machine_id, "build_type", s->build_type, "git_revision", s->revision,
			 "date", s->date, "cases", s->ncases);
}

/* The suite score's array: a state's score each, null where there is no
 * interval. */
static json_t *scores_json(const struct judgement *j, const struct writeup_meta *m)
{
	json_t *scores = json_array();
	for (int i = 0; scores && i < j->nscores; i++) {
		const struct suite_score *sc = &j->scores[i];
		json_array_append_new(
		    scores, json_pack("{s:s, s:o, s:o, s:o, s:f, s:i, s:b}", "state", sc->state,
				      "ratio", num_or_null(sc->ratio), "ci_low",
				      num_or_null(sc->lo), "ci_high", num_or_null(sc->hi), "level",
				      m->opts->level, "cases", sc->ncases, "exact", sc->exact));
	}
	return scores;
}

int writeup_json(const char *path, const struct judgement *j, const struct writeup_meta *m)
{
	json_t *doc = json_object();
	json_t *rows = json_array();
	if (!doc || !rows) {
		json_decref(doc);
		json_decref(rows);
		errno = ENOMEM;
		return -1;
	}
	for (int i = 0; i < j->nrows; i++) {
		const struct judge_row *r = &j->rows[i];
		json_t *o = json_object();
		json_object_set_new(o, "case", json_string(r->name));
		json_object_set_new(o, "figure", json_string(fig_info[r->fig].key));
		json_object_set_new(o, "kind",
				    json_string(fig_info[r->fig].count ? "count" : "statistic"));
		json_object_set_new(o, "base", num_or_null(r->base));
		json_object_set_new(o, "current", num_or_null(r->cur));
		json_object_set_new(o, "change", num_or_null(r->change));
		json_object_set_new(o, "ci_low", num_or_null(r->lo));
		json_object_set_new(o, "ci_high", num_or_null(r->hi));
		json_object_set_new(o, "p", num_or_null(r->p));
		json_object_set_new(o, "min_p", num_or_null(r->min_p));
		json_object_set_new(o, "threshold", num_or_null(r->threshold));
		json_object_set_new(o, "noise", num_or_null(r->noise));
		json_object_set_new(o, "can_call", num_or_null(r->detect));
		json_object_set_new(o, "n_base", json_integer(r->nb));
		json_object_set_new(o, "n_current", json_integer(r->nc));
		json_object_set_new(o, "verdict", json_string(verdict_name(r->v)));
		json_object_set_new(o, "regression", json_boolean(counts_as_regression(r)));
		if (r->note[0])
			json_object_set_new(o, "note", json_string(r->note));
		json_array_append_new(rows, o);
	}
	json_t *states = json_array();
	for (int k = 0; k < j->nstates; k++)
		json_array_append_new(
		    states, json_pack("{s:f, s:f, s:i, s:i}", "line_ns_low", j->states[k].lo,
				      "line_ns_high", j->states[k].hi, "n_base", j->states[k].nbase,
				      "n_current", j->states[k].ncur));
	json_t *scores = scores_json(j, m);
	json_t *warnings = json_array();
	for (int i = 0; i < j->nwarn; i++)
		json_array_append_new(warnings, json_string(j->warnings[i]));
	json_object_set_new(doc, "command", json_string(m->command));
	json_object_set_new(doc, "base", set_info(m->base));
	json_object_set_new(doc, "current", set_info(m->cur));
	json_object_set_new(doc, "alpha", json_real(m->opts->alpha));
	json_object_set_new(doc, "threshold_floor", json_real(m->opts->floor));
	json_object_set_new(doc, "threshold_fixed",
			    num_or_null(m->opts->threshold > 0 ? m->opts->threshold : NAN));
	json_object_set_new(doc, "paired", json_boolean(m->opts->paired));
	static const char *const methods[] = {"repetitions", "interleaved", "runs"};
	json_object_set_new(doc, "method",
			    json_string(j->one_run_each ? "one-run-each" : methods[j->method]));
	json_object_set_new(doc, "method_note", json_string(j->method_note));
	json_object_set_new(doc, "suite_score", scores);
	json_object_set_new(doc, "runs_base", json_integer(j->base_runs));
	json_object_set_new(doc, "runs_current", json_integer(j->cur_runs));
	if (j->method == JUDGE_RUNS)
		json_object_set_new(doc, "figures_sharing_alpha", json_integer(j->tests));
	if (m->machine_note && m->machine_note[0])
		json_object_set_new(doc, "machine_note", json_string(m->machine_note));
	if (j->changed[0])
		json_object_set_new(doc, "no_verdict", json_string(j->changed));
	json_object_set_new(doc, "states", states);
	json_object_set_new(doc, "left_out_base", json_integer(j->unsteady_base));
	json_object_set_new(doc, "left_out_current", json_integer(j->unsteady_cur));
	json_object_set_new(doc, "rows", rows);
	json_object_set_new(doc, "only_base", str_list(j->only_base, j->n_only_base));
	json_object_set_new(doc, "only_current", str_list(j->only_cur, j->n_only_cur));
	json_object_set_new(doc, "failures", str_list(j->failures, j->nfail));
	json_object_set_new(doc, "warnings", warnings);
	json_object_set_new(doc, "regressions", json_integer(j->regressions));
	json_object_set_new(doc, "improvements", json_integer(j->improvements));
	json_object_set_new(doc, "acknowledged", json_integer(j->acknowledged));
	if (m->history_title) {
		json_object_set_new(doc, "history_steps", str_list(m->history, m->nhistory));
		json_object_set_new(doc, "history_regressions",
				    json_integer(m->history_regressions));
	}
	json_object_set_new(doc, "status", json_integer(writeup_status(j, m)));
	/* The results files' own atomic writer: temp file, then rename. */
	int rc = results_write(doc, path);
	json_decref(doc);
	return rc;
}

void writeup_series_state(char *out, size_t n, const struct history_series *s)
{
	if (s->hi > 0)
		snprintf(out, n, "state %.0f-%.0f ns", s->lo, s->hi);
	else
		snprintf(out, n, "no state recorded");
}

/* A word a shell takes as it is, pasted: letters, digits and ._/-, not
 * starting with '-' (no option, no metacharacter from a crafted file). */
static bool shell_word(const char *w)
{
	if (!w[0] || w[0] == '-')
		return false;
	for (const char *p = w; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("._/-", *p))
			return false;
	return true;
}

/* A revision a build can be made of: not one with uncommitted changes,
 * not unknown. */
static bool buildable(const char *rev)
{
	size_t k = strlen(rev);
	return shell_word(rev) && strcmp(rev, "unknown") != 0 &&
	       !(k > 6 && strcmp(rev + k - 6, "-dirty") == 0);
}

/* The command that finds a confirmed step's commit: ringbench bisect
 * between the nights' revisions, the case as an anchored regex; "" when
 * a revision cannot be built or the names cannot be quoted. */
void writeup_bisect_hint(char *out, size_t n, const struct history *h,
			 const struct history_step *hs)
{
	const struct history_night *nb = &h->nights[hs->night_before];
	const struct history_night *na = &h->nights[hs->night_after];
	out[0] = 0;
	const char *scen = "";
	for (int i = 0; i < h->nruns; i++)
		if (h->runs[i].night == hs->night_after && h->runs[i].s.scenario[0])
			scen = h->runs[i].s.scenario;
	if (!buildable(nb->revision) || !buildable(na->revision) ||
	    strcmp(nb->revision, na->revision) == 0 || (scen[0] && !shell_word(scen)))
		return;
	char re[400];
	size_t k = 0;
	const char *p = hs->series->name;
	for (; *p && k + 3 < sizeof(re); p++) {
		/* Inside single quotes only a quote or a control character could
		 * end the word or the line. */
		if (*p == '\'' || iscntrl((unsigned char)*p))
			return;
		if (strchr(".[]()*+?{}|^$\\", *p))
			re[k++] = '\\';
		re[k++] = *p;
	}
	if (*p)
		return; /* too long to say whole */
	re[k] = 0;
	snprintf(out, n, "ringbench bisect %s %s%s%s --case '^%s$'", nb->revision, na->revision,
		 scen[0] ? " " : "", scen, re);
}

void writeup_step(char *out, size_t n, const struct history *h, const struct history_step *hs)
{
	const struct history_series *s = hs->series;
	const struct step *st = hs->step;
	char a[32], b[32], state[64];
	writeup_value(a, sizeof(a), exp(st->before), s->fig);
	writeup_value(b, sizeof(b), exp(st->after), s->fig);
	writeup_series_state(state, sizeof(state), s);
	const struct history_night *nb = &h->nights[hs->night_before];
	const struct history_night *na = &h->nights[hs->night_after];
	const char *what = st->candidate	     ? (hs->worse ? "worse" : "better")
			   : hs->worse && hs->beyond ? "regression"
			   : hs->worse		     ? "worse, within the threshold"
						     : "improvement";
	const char *when = st->candidate  ? "tonight's run alone, for the next night to confirm"
			   : hs->reported ? "reported before"
					  : "not reported before";
	/* A step where the kernel changed under the same hardware is the
	 * kernel's as likely as the code's. */
	char kernel[300] = "";
	if (nb->kernel[0] && na->kernel[0] && strcmp(nb->kernel, na->kernel) != 0)
		snprintf(kernel, sizeof(kernel), "; the kernel changed here too: %s -> %s",
			 nb->kernel, na->kernel);
	snprintf(out, n,
		 "%s: %s %+.1f%% (%s -> %s), %s, between %s (%s) and %s (%s), confidence "
		 "%.2f%% (noise %.1f%%): %s, %s%s",
		 s->name, fig_info[s->fig].label, 100 * st->change, a, b, state, nb->revision,
		 nb->stem, na->revision, na->stem, 100 * st->confidence, 100 * s->noise, what, when,
		 kernel);
	/* A confirmed step that got worse: the command that finds its commit. */
	char hint[600];
	size_t k = strlen(out);
	if (!st->candidate && hs->worse)
		writeup_bisect_hint(hint, sizeof(hint), h, hs);
	else
		hint[0] = 0;
	if (hint[0] && k < n)
		snprintf(out + k, n - k, "; find its commit: %s", hint);
}

int writeup_history_lines(const struct history *h, const struct history_analysis *a, char ***out,
			  int *nreg)
{
	*out = calloc((size_t)a->nsteps + 1, sizeof(**out));
	*nreg = 0;
	if (!*out)
		return -1;
	int n = 0;
	/* Regressions first, then the other new steps, then tonight's
	 * unconfirmed candidates. */
	for (int pass = 0; pass < 3; pass++)
		for (int i = 0; i < a->nsteps; i++) {
			const struct history_step *hs = &a->steps[i];
			bool want = pass == 0 ? hs->regression && !hs->step->candidate
				    : pass == 1
					? hs->fresh && !hs->regression && !hs->step->candidate
					: hs->fresh && hs->step->candidate;
			if (!want)
				continue;
			char line[1400];
			writeup_step(line, sizeof(line), h, hs);
			if (!((*out)[n] = strdup(line)))
				return n;
			n += 1;
			*nreg += pass == 0;
		}
	return n;
}
