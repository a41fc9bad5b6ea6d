/* session.h: one measuring session: every case, warm-up rounds and then
 * measured rounds, cases shuffled anew each round, each repetition written
 * to a results document.  With two builds (ab), each case runs on both
 * back to back, A B in one round and B A in the next, so both builds see
 * the same machine states; each build's repetitions go to its own
 * document, paired by repetition_index. */
#ifndef SESSION_H
#define SESSION_H

#include "measure/bench.h"
#include "measure/results.h"

#include <jansson.h>

struct session {
	/* in */
	const struct bench_case *cases;
	int ncases;
	int reps, warm;
	struct bench_limits lim;
	const char *exe[2]; /* each build's ringbench (NULL: this one) */
	const char *label[2];
	int nbuilds;	      /* 1, or 2 for A/B */
	const char *scenario; /* for the context; NULL if none */
	int cpu[2];
	const char *progress; /* what the progress lines call the run */
	/* out */
	json_t *doc[2];		   /* a results document per build */
	struct bench_run *runs[2]; /* [case * reps + rep] */
	bool *ok;		   /* per case: no failure on any build */
	char **failure;		   /* per case: the first line of its failure */
	double seconds;
	struct machine machine;
};

/* Run it.  Returns BENCH_PASS, BENCH_USAGE (an environment error or an
 * interrupt; message printed) or BENCH_VISIBILITY (some case failed; the
 * failure is in the documents and in failure[]). */
int session_run(struct session *s);
void session_free(struct session *s);

#endif
