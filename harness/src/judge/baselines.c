/* baselines.c: the per-machine baseline store (baselines.h). */
#include "judge/baselines.h"

#include "measure/bench.h"
#include "measure/results.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool baseline_id_valid(const char *machine_id)
{
	if (!machine_id[0] || machine_id[0] == '.')
		return false;
	for (const unsigned char *p = (const unsigned char *)machine_id; *p; p++)
		if (*p == '/' || *p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

void baseline_dir(char *out, size_t n)
{
	const char *env = getenv("RINGBENCH_BASELINES");
	if (env && env[0])
		snprintf(out, n, "%s", env);
	else
		bench_results_dir("baselines", out, n);
}

void baseline_file(char *out, size_t n, const char *machine_id)
{
	char dir[900];
	baseline_dir(dir, sizeof(dir));
	snprintf(out, n, "%s/%s.json", dir, machine_id);
}

void baseline_path(char *out, size_t n, const char *target, const char *machine_id)
{
	if (target)
		snprintf(out, n, "%s", target);
	else
		baseline_file(out, n, machine_id);
}

int baseline_sibling(char *out, size_t n, const char *machine_id, const char *suffix)
{
	if (!baseline_id_valid(machine_id)) {
		out[0] = 0;
		return -1;
	}
	baseline_file(out, n, machine_id);
	size_t len = strlen(out);
	if (len <= 5 || len - 5 + strlen(suffix) + 1 > n) {
		out[0] = 0;
		return -1;
	}
	snprintf(out + len - 5, n - len + 5, "%s", suffix);
	return 0;
}

int baseline_store(json_t *doc, const char *machine_id, const char *path)
{
	char dir[1200];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	if ((slash && results_mkdirs(dir)) || results_write(doc, path)) {
		fprintf(stderr, "ringbench: cannot write the baseline %s: %s\n", path,
			strerror(errno));
		return BENCH_USAGE;
	}
	printf("ringbench: saved the baseline for %s as %s\n", machine_id, path);
	return BENCH_PASS;
}

int baseline_append(json_t *base, json_t *doc, const char *file)
{
	json_t *dst = json_object_get(base, "benchmarks");
	json_t *ctx = json_object_get(base, "context"), *cctx = json_object_get(doc, "context");
	if (!json_is_object(ctx)) {
		ctx = json_object();
		json_object_set_new(base, "context", ctx);
	}
	const char *run_id = json_string_value(json_object_get(cctx, "run_id"));
	char made[256];
	if (!run_id) {
		/* A file from before run ids: one, unique in this baseline. */
		const char *date = json_string_value(json_object_get(cctx, "date"));
		snprintf(made, sizeof(made), "added-%s-%zu", date ? date : "?",
			 json_array_size(dst));
		run_id = made;
	}
	size_t i;
	json_t *e;
	int added = 0;
	json_array_foreach(json_object_get(doc, "benchmarks"), i, e)
	{
		const char *rt = json_string_value(json_object_get(e, "run_type"));
		if (rt && strcmp(rt, "iteration") == 0) {
			json_t *c = json_deep_copy(e);
			if (!json_object_get(c, "run_id"))
				json_object_set_new(c, "run_id", json_string(run_id));
			json_array_append_new(dst, c);
			added++;
		}
	}
	json_t *log = json_object_get(ctx, "filled_in");
	if (!json_is_array(log)) {
		log = json_array();
		json_object_set_new(ctx, "filled_in", log);
	}
	json_array_append_new(log, json_pack("{s:s, s:O?, s:O?, s:O?, s:s, s:i}", "file", file,
					     "date", json_object_get(cctx, "date"), "git_revision",
					     json_object_get(cctx, "git_revision"), "kernel",
					     json_object_get(cctx, "kernel"), "run_id", run_id,
					     "repetitions", added));
	return added;
}
