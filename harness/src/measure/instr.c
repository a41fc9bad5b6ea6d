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
#include "measure/proc.h"
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

/* One case counted: callgrind's output into out, and the case's entry
 * appended to the document's benchmarks.  0, or -1 with err. */
static int count_case(json_t *doc, const char *ring_gbench, const struct instr_case *c,
		      const char *out, char *err, size_t n)
{
	char log[1200], outopt[1200], size[16], iters[32], name[96];
	snprintf(log, sizeof(log), "%s.log", out);
	snprintf(outopt, sizeof(outopt), "--callgrind-out-file=%s", out);
	snprintf(size, sizeof(size), "%d", c->size);
	snprintf(iters, sizeof(iters), "%d", INSTR_ITERATIONS);
	char *argv[] = {"valgrind",
			"--tool=callgrind",
			outopt,
			"--toggle-collect=gb_op_*",
			(char *)ring_gbench,
			"--count",
			(char *)c->op,
			size,
			iters,
			NULL};
	fprintf(stderr, "ringbench: instructions: %s, %s B, %d operations under callgrind\n", c->op,
		size, INSTR_ITERATIONS);
	unlink(log);
	int rc = proc_run(argv, log);
	double ir = read_ir(out);
	if (rc == 127) {
		snprintf(err, n, "cannot run valgrind (install the valgrind package)");
		return -1;
	}
	if (rc != 0 || ir <= 0) {
		snprintf(err, n, "%.200s --count %s %s under callgrind failed (exit %d, %s)",
			 ring_gbench, c->op, size, rc,
			 ir <= 0 ? "no instruction total" : "see its log");
		return -1;
	}
	unlink(log);
	double per = ir / INSTR_ITERATIONS / c->per;
	instr_case_name(c, name, sizeof(name));
	json_t *e = json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:i, s:f, s:f, s:s}", "name", name,
			      "run_name", name, "run_type", "iteration", "repetitions", 1,
			      "repetition_index", 0, "threads", 1, "iterations", INSTR_ITERATIONS,
			      "instructions_per_op", per, "instructions_total", ir, "op", c->op);
	if (!e || json_array_append_new(json_object_get(doc, "benchmarks"), e)) {
		snprintf(err, n, "out of memory");
		return -1;
	}
	return 0;
}

/* A results document for the counts, its context saying how they were
 * taken; NULL with err. */
static json_t *counts_doc(const char *revision, char *err, size_t n)
{
	struct machine m;
	machine_identify(&m);
	int cpus[2] = {0, 1};
	json_t *doc =
	    results_new(&m, cpus, "instructions", bench_clock(), bench_clock_why(), err, n);
	if (!doc)
		return NULL;
	json_t *ctx = json_object_get(doc, "context");
	if (revision)
		json_object_set_new(ctx, "git_revision", json_string(revision));
	json_object_set_new(ctx, "instructions",
			    json_string("valgrind --tool=callgrind, collecting only inside the "
					"function of each operation: Ir over the operations run"));
	json_object_del(ctx, "state_probe");
	json_object_del(ctx, "window");
	return doc;
}

json_t *instr_measure_keep(const char *ring_gbench, const char *revision, const char *keep,
			   char *err, size_t n)
{
	return instr_measure_some(ring_gbench, revision, keep, NULL, NULL, err, n);
}

void instr_case_name(const struct instr_case *c, char *out, size_t n)
{
	snprintf(out, n, "instructions/%s/size:%d", c->op, c->size);
}

json_t *instr_measure_some(const char *ring_gbench, const char *revision, const char *keep,
			   bool (*want)(const char *name, void *arg), void *arg, char *err,
			   size_t n)
{
	char tmp[] = "/tmp/ringbench-instr.XXXXXX";
	if (!keep && !mkdtemp(tmp)) {
		snprintf(err, n, "cannot make a temporary folder: %s", strerror(errno));
		return NULL;
	}
	json_t *doc = counts_doc(revision, err, n);
	struct instr_case c;
	for (size_t i = 0; doc && instr_case_at(i, &c) == 0; i++) {
		char out[1100], name[96];
		instr_case_name(&c, name, sizeof(name));
		if (want && !want(name, arg))
			continue;
		instr_kept_file(keep ? keep : tmp, &c, out, sizeof(out));
		if (count_case(doc, ring_gbench, &c, out, err, n)) {
			json_decref(doc);
			doc = NULL;
		}
	}
	if (!keep) {
		char *rm[] = {"rm", "-rf", tmp, NULL};
		proc_run(rm, "/dev/null");
	}
	return doc;
}

json_t *instr_measure(const char *ring_gbench, const char *revision, char *err, size_t n)
{
	return instr_measure_keep(ring_gbench, revision, NULL, err, n);
}

int instr_case_at(size_t i, struct instr_case *c)
{
	size_t nsizes = sizeof(sizes) / sizeof(sizes[0]);
	if (i >= nsizes * (sizeof(ops) / sizeof(ops[0])))
		return -1;
	*c = (struct instr_case){
	    .op = ops[i / nsizes].op, .size = sizes[i % nsizes], .per = ops[i / nsizes].per};
	return 0;
}

void instr_kept_file(const char *dir, const struct instr_case *c, char *out, size_t n)
{
	snprintf(out, n, "%s/callgrind.%s.%d", dir, c->op, c->size);
}

/* The value of KEY:TYPE=VALUE in a CMakeCache.txt into out ("" if none). */
static void cache_value(FILE *f, const char *key, char *out, size_t n)
{
	char line[1400];
	size_t kl = strlen(key);
	out[0] = 0;
	rewind(f);
	while (fgets(line, sizeof(line), f)) {
		char *eq = strchr(line, '=');
		if (!eq || strncmp(line, key, kl) != 0 || line[kl] != ':')
			continue;
		line[strcspn(line, "\r\n")] = 0;
		snprintf(out, n, "%s", eq + 1);
		return;
	}
}

int instr_build_info(const char *ring_gbench, char *src, size_t sn, char *type, size_t tn)
{
	char dir[1100];
	snprintf(dir, sizeof(dir), "%s", ring_gbench);
	for (int up = 0; up < 4; up++) {
		char *slash = strrchr(dir, '/');
		if (!slash)
			return -1;
		*slash = 0;
		char cache[1200];
		snprintf(cache, sizeof(cache), "%s/CMakeCache.txt", dir[0] ? dir : "/");
		FILE *f = fopen(cache, "r");
		if (!f)
			continue;
		cache_value(f, "CMAKE_HOME_DIRECTORY", src, sn);
		cache_value(f, "CMAKE_BUILD_TYPE", type, tn);
		fclose(f);
		return src[0] ? 0 : -1;
	}
	return -1;
}
