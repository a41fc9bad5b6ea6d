/* cmd_compare.c: `ringbench compare BASE CURRENT`: two results files
 * judged, figure by figure. */
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/judging.h"

#include <stdio.h>

#define usage_error cli_usage

int cmd_compare(int argc, char **argv)
{
	struct jcli j = {0};
	judge_defaults(&j.opts, false);
	int first, rc = judging_args(argc, argv, &j, &first, false);
	if (rc)
		return rc;
	if (j.help) {
		printf("usage: ringbench compare BASE.json CURRENT.json [options]\n\n"
		       "Judge CURRENT against BASE, figure by figure: throughput, p50 and p99,\n"
		       "CPU ns per message of each side (statistics), system calls per message\n"
		       "(a count).  Reads ringbench's results and any Google Benchmark JSON.\n\n"
		       "The run is the unit: each run (ringbench run, check; a baseline holds\n"
		       "several) draws its own conditions, which move its figures by more than\n"
		       "its repetitions spread.  CURRENT's runs are judged against the spread of\n"
		       "BASE's runs (at least %d in all, each figure a run's median), alpha\n"
		       "shared by every figure.  With one run per side the table shows how the\n"
		       "two runs differ and the verdict is \"no verdict\" (exit 2).  The two\n"
		       "sides of one `ab` run (ab --out PREFIX) are judged pair by pair.\n\n"
		       "  --within-run      judge repetitions as independent draws (a rank test\n"
		       "                    within machine states): only for files whose runs\n"
		       "                    were interleaved some other way\n",
		       JUDGE_MIN_RUNS + 1);
		printf(judging_options, "5%");
		printf("\n%s", judging_exit_text);
		return BENCH_PASS;
	}
	if (j.instructions)
		return usage_error("compare: --instructions is for check and ab; compare two "
				   "instruction-count files as any results files");
	if (argc - first != 2)
		return usage_error("compare: name two results files, BASE and CURRENT");
	struct sample_set base, cur;
	char err[1200];
	if (sample_load(argv[first], &base, err, sizeof(err))) {
		fprintf(stderr, "ringbench: %s\n", err);
		sample_free(&base);
		return BENCH_USAGE;
	}
	if (sample_load(argv[first + 1], &cur, err, sizeof(err))) {
		fprintf(stderr, "ringbench: %s\n", err);
		sample_free(&base);
		sample_free(&cur);
		return BENCH_USAGE;
	}
	/* The two sides of one interleaved run pair up; anything else is
	 * judged run by run, unless told the repetitions are independent. */
	j.opts.paired = sample_paired(&base, &cur);
	if (j.opts.paired)
		j.opts.floor = 0.03; /* ab's */
	j.opts.runs = !j.within_run;
	char changes[600];
	sample_machine_changes(&base, &cur, changes, sizeof(changes));
	struct writeup_meta hm = {.machine_note = changes};
	struct judgement jd;
	const char *labels[2] = {"base", "current"};
	rc = judging_report(&j, "compare", &base, &cur, labels, 0, &jd, &hm);
	judgement_free(&jd);
	sample_free(&base);
	sample_free(&cur);
	return rc;
}
