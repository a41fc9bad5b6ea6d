/* instr.c: instructions per operation with valgrind's callgrind.
 *
 * For each operation and size, `valgrind --tool=callgrind
 * --toggle-collect=gb_op_* ring_gbench --count OP SIZE N` collects only
 * inside the functions that do one operation each (never the set-up, the
 * draining or the filling), so the total it reports divided by N is the
 * instructions of one operation.  The same build gives the same count every
 * run: no statistics are needed. */
#include "measure/instr.h"

#include "measure/bench.h"
#include "measure/results.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const struct {
	const char *op;
	int per; /* messages per operation */
} ops[] = {{"publish", 1}, {"consume", 1}, {"send_recv", 1}, {"batch16", 16}};
static const int sizes[] = {64, 4096};

int instr_tool_beside(const char *ringbench_exe, char *out, size_t n)
{
	char dir[1100];
	snprintf(dir, sizeof(dir), "%s", ringbench_exe);
	char *slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else
		*slash = 0;
	return bench_gbench_tool(dir, "ring_gbench", out, n);
}

/* Run argv with stdout and stderr into log; its exit status, 127 if it
 * could not start. */
static int run(char *const argv[], const char *log)
{
	pid_t pid = fork();
	if (pid < 0)
		return 127;
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		if (nul >= 0)
			dup2(nul, 0);
		execvp(argv[0], argv);
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* The instructions (Ir) callgrind counted, from its output's "summary:" (or
 * "totals:") line; -1 if there is none. */
static double read_ir(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	char line[512];
	double ir = -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long v;
		if (sscanf(line, "summary: %llu", &v) == 1 || sscanf(line, "totals: %llu", &v) == 1)
			ir = (double)v;
	}
	fclose(f);
	return ir;
}

json_t *instr_measure(const char *ring_gbench, const char *revision, char *err, size_t n)
{
	char tmp[] = "/tmp/ringbench-instr.XXXXXX";
	if (!mkdtemp(tmp)) {
		snprintf(err, n, "cannot make a temporary folder: %s", strerror(errno));
		return NULL;
	}
	struct machine m;
	machine_identify(&m);
	int cpus[2] = {0, 1};
	json_t *doc =
	    results_new(&m, cpus, "instructions", bench_clock(), bench_clock_why(), err, n);
	if (!doc)
		goto out;
	json_t *ctx = json_object_get(doc, "context");
	if (revision)
		json_object_set_new(ctx, "git_revision", json_string(revision));
	json_object_set_new(ctx, "instructions",
			    json_string("valgrind --tool=callgrind, collecting only inside the "
					"function of each operation: Ir over the operations run"));
	json_object_del(ctx, "state_probe");
	json_object_del(ctx, "window");
	char iters[32];
	snprintf(iters, sizeof(iters), "%d", INSTR_ITERATIONS);
	for (size_t o = 0; o < sizeof(ops) / sizeof(ops[0]); o++)
		for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
			char out[600], log[700], outopt[700], size[16], name[96];
			snprintf(out, sizeof(out), "%s/callgrind.%s.%d", tmp, ops[o].op, sizes[s]);
			snprintf(log, sizeof(log), "%s.log", out);
			snprintf(outopt, sizeof(outopt), "--callgrind-out-file=%s", out);
			snprintf(size, sizeof(size), "%d", sizes[s]);
			char *argv[] = {"valgrind",
					"--tool=callgrind",
					outopt,
					"--toggle-collect=gb_op_*",
					(char *)ring_gbench,
					"--count",
					(char *)ops[o].op,
					size,
					iters,
					NULL};
			fprintf(stderr,
				"ringbench: instructions: %s, %s B, %d operations under "
				"callgrind\n",
				ops[o].op, size, INSTR_ITERATIONS);
			int rc = run(argv, log);
			double ir = read_ir(out);
			if (rc == 127) {
				snprintf(err, n,
					 "cannot run valgrind (install the valgrind package)");
				goto fail;
			}
			if (rc != 0 || ir <= 0) {
				snprintf(
				    err, n,
				    "%.200s --count %s %s under callgrind failed (exit %d, %s)",
				    ring_gbench, ops[o].op, size, rc,
				    ir <= 0 ? "no instruction total" : "see its log");
				goto fail;
			}
			double per = ir / INSTR_ITERATIONS / ops[o].per;
			snprintf(name, sizeof(name), "instructions/%s/size:%d", ops[o].op,
				 sizes[s]);
			json_t *e = json_pack(
			    "{s:s, s:s, s:s, s:i, s:i, s:i, s:i, s:f, s:f, s:s}", "name", name,
			    "run_name", name, "run_type", "iteration", "repetitions", 1,
			    "repetition_index", 0, "threads", 1, "iterations", INSTR_ITERATIONS,
			    "instructions_per_op", per, "instructions_total", ir, "op", ops[o].op);
			if (!e || json_array_append_new(json_object_get(doc, "benchmarks"), e)) {
				snprintf(err, n, "out of memory");
				goto fail;
			}
		}
	goto out;
fail:
	json_decref(doc);
	doc = NULL;
out:;
	char *rm[] = {"rm", "-rf", tmp, NULL};
	run(rm, "/dev/null");
	return doc;
}
