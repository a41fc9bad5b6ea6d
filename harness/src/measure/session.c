/* session.c: one measuring session (session.h). */
#include "measure/session.h"

#include "sys.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void on_signal(int sig)
{
	(void)sig;
	bench_interrupted = 1;
}

/* Record a result, or say why it cannot be recorded: a figure that JSON
 * cannot hold must stop the run, not vanish from the file. */
static bool recorded(int rc, const char *err)
{
	if (rc)
		fprintf(stderr, "ringbench: cannot record the results: %s\n", err);
	return rc == 0;
}

static int one_run(struct session *s, int b, int i, int round, bool tty)
{
	char err[512];
	const struct bench_case *c = &s->cases[i];
	struct bench_limits lim = s->lim;
	lim.worker_exe = s->exe[b];
	struct bench_run r;
	int rc = bench_run_case(c, &lim, &r);
	const char *who = s->nbuilds > 1 ? s->label[b] : NULL;
	if (rc == BENCH_USAGE) {
		if (tty)
			fprintf(stderr, "\r\033[K");
		fprintf(stderr, "ringbench: %s%s%s: %s\n", who ? who : "", who ? ": " : "", c->name,
			r.diagnosis);
		return BENCH_USAGE;
	}
	if (rc == BENCH_VISIBILITY) {
		if (tty)
			fprintf(stderr, "\r\033[K");
		fprintf(stderr, "ringbench: VISIBILITY FAILURE in %s%s%s\n  %s\n", who ? who : "",
			who ? ": " : "", c->name, r.diagnosis);
		s->ok[i] = false;
		if (!recorded(results_add_failure(s->doc[b], c, r.diagnosis, err, sizeof(err)),
			      err))
			return BENCH_USAGE;
		if (!s->failure[i]) {
			char *nl = strchr(r.diagnosis, '\n');
			if (nl)
				*nl = 0;
			s->failure[i] = strdup(r.diagnosis);
		}
		return BENCH_VISIBILITY;
	}
	if (round >= s->warm) {
		int rep = round - s->warm;
		s->runs[b][(size_t)i * (size_t)s->reps + (size_t)rep] = r;
		if (!recorded(results_add_run(s->doc[b], c, &r, rep, s->reps, err, sizeof(err)),
			      err))
			return BENCH_USAGE;
	}
	return BENCH_PASS;
}

int session_run(struct session *s)
{
	char err[512];
	int n = s->ncases, rounds = s->reps + s->warm;
	s->ok = calloc((size_t)n, sizeof(*s->ok));
	s->failure = calloc((size_t)n, sizeof(*s->failure));
	int *order = calloc((size_t)n, sizeof(*order));
	if (!s->ok || !s->failure || !order) {
		free(order);
		fprintf(stderr, "ringbench: out of memory\n");
		return BENCH_USAGE;
	}
	for (int b = 0; b < s->nbuilds; b++) {
		s->runs[b] = calloc((size_t)n * (size_t)s->reps, sizeof(struct bench_run));
		if (!s->runs[b]) {
			free(order);
			fprintf(stderr, "ringbench: out of memory\n");
			return BENCH_USAGE;
		}
	}
	for (int i = 0; i < n; i++)
		s->ok[i] = true;
	bench_sweep_stale();
	machine_identify(&s->machine);
	for (int b = 0; b < s->nbuilds; b++) {
		s->doc[b] = results_new(&s->machine, s->cpu, s->scenario, bench_clock(),
					bench_clock_why(), err, sizeof(err));
		if (!recorded(s->doc[b] ? 0 : -1, err)) {
			free(order);
			return BENCH_USAGE;
		}
	}
	unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
	for (int b = 0; b < s->nbuilds; b++)
		json_object_set_new(json_object_get(s->doc[b], "context"), "shuffle_seed",
				    json_integer(seed));
	srand(seed);

	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	bool tty = isatty(STDERR_FILENO);
	int done = 0, total = rounds * n, status = BENCH_PASS;
	int64_t t0 = sys_now_ns();
	for (int round = 0; round < rounds && status != BENCH_USAGE; round++) {
		/* A new order each round, so drift (heat, other load) does not
		 * always fall on the same cases. */
		for (int i = 0; i < n; i++)
			order[i] = i;
		for (int i = n - 1; i > 0; i--) {
			int j = rand() % (i + 1), t = order[i];
			order[i] = order[j];
			order[j] = t;
		}
		if (!tty && n > 1)
			fprintf(stderr, "ringbench: %s round %d of %d (%s), %.0f s so far\n",
				s->progress ? s->progress : "", round + 1, rounds,
				round < s->warm ? "warm-up" : "measuring",
				(double)(sys_now_ns() - t0) / 1e9);
		for (int k = 0; k < n && status != BENCH_USAGE; k++) {
			int i = order[k];
			done++;
			if (!s->ok[i])
				continue;
			if (tty)
				fprintf(stderr, "\r\033[K[%d/%d %s, %.0f s] %s", done, total,
					round < s->warm ? "warm-up" : "measuring",
					(double)(sys_now_ns() - t0) / 1e9, s->cases[i].name);
			/* A B, then B A: neither build always goes first. */
			for (int step = 0; step < s->nbuilds && s->ok[i]; step++) {
				int b = s->nbuilds > 1 && round % 2 ? s->nbuilds - 1 - step : step;
				int rc = one_run(s, b, i, round, tty);
				if (rc == BENCH_USAGE)
					status = BENCH_USAGE;
				else if (rc == BENCH_VISIBILITY)
					status = BENCH_VISIBILITY;
				if (rc)
					break;
			}
		}
	}
	if (tty)
		fprintf(stderr, "\r\033[K");
	s->seconds = (double)(sys_now_ns() - t0) / 1e9;
	free(order);
	return status;
}

void session_free(struct session *s)
{
	for (int b = 0; b < 2; b++) {
		json_decref(s->doc[b]);
		s->doc[b] = NULL;
		free(s->runs[b]);
		s->runs[b] = NULL;
	}
	if (s->failure)
		for (int i = 0; i < s->ncases; i++)
			free(s->failure[i]);
	free(s->failure);
	free(s->ok);
	s->failure = NULL;
	s->ok = NULL;
}
