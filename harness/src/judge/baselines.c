/* baselines.c: where each machine's baselines are (baselines.h). */
#include "judge/baselines.h"

#include "measure/bench.h"
#include "measure/results.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* The file of a kind in the baselines' folder, and the kind for people. */
static const char *suffix_of(const char *kind)
{
	return strcmp(kind, "startup") == 0	   ? ".startup.json"
	       : strcmp(kind, "instructions") == 0 ? ".instructions.json"
						   : ".json";
}

static const char *kind_words(const char *kind)
{
	return strcmp(kind, "startup") == 0	   ? "startup baseline"
	       : strcmp(kind, "instructions") == 0 ? "instruction counts"
						   : "baseline";
}

void baseline_ref(struct baseline_ref *r, struct store *s, const char *file, const char *machine,
		  const char *kind)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->kind, sizeof(r->kind), "%s", kind);
	snprintf(r->machine, sizeof(r->machine), "%s", machine);
	if (file) {
		snprintf(r->path, sizeof(r->path), "%s", file);
		return;
	}
	r->store = s;
	snprintf(r->path, sizeof(r->path), "%s (%s of %s)", store_name(s), kind_words(kind),
		 machine);
}

/* The acknowledgements kept beside a baseline file taken into the store,
 * unless the store has some of the machine already. */
static void seed_acks(const struct baseline_ref *r)
{
	char path[1400], err[1400];
	if (baseline_sibling(path, sizeof(path), r->machine, ".acks.json") ||
	    access(path, F_OK) != 0)
		return;
	json_t *have = store_get_acks(r->store, r->machine, "", err, sizeof(err));
	size_t had = json_array_size(json_object_get(have, "acknowledgements"));
	json_decref(have);
	if (!have || had)
		return;
	json_error_t je;
	json_t *doc = json_load_file(path, 0, &je);
	if (!doc || store_put_acks(r->store, r->machine, "", doc, err, sizeof(err)))
		fprintf(stderr,
			"ringbench: the acknowledgements %s are not taken into the store: %s\n",
			path, doc ? err : je.text);
	json_decref(doc);
}

/* A machine with no baseline of r's kind in the store takes the file from
 * the baselines' folder (committed with the tree): 1 with *doc, 0 none, -1
 * with err. */
static int seed(const struct baseline_ref *r, json_t **doc, char *err, size_t n)
{
	char path[1400], why[1400];
	if (baseline_sibling(path, sizeof(path), r->machine, suffix_of(r->kind)) ||
	    access(path, F_OK) != 0)
		return 0;
	struct sample_set s;
	if (sample_load(path, &s, why, sizeof(why))) {
		snprintf(err, n, "%s", why);
		return -1;
	}
	sample_free(&s);
	json_error_t je;
	json_t *d = json_load_file(path, 0, &je);
	if (!d) {
		snprintf(err, n, "%s:%d: not valid JSON: %s", path, je.line, je.text);
		return -1;
	}
	if (store_replace_run(r->store, r->machine, r->kind, "", d, NULL, why, sizeof(why)))
		fprintf(stderr, "ringbench: %s is read, but not kept in the store: %s\n", path,
			why);
	else
		fprintf(stderr, "ringbench: the %s of %s is taken into the store %s from %s\n",
			kind_words(r->kind), r->machine, store_name(r->store), path);
	if (strcmp(r->kind, "baseline") == 0)
		seed_acks(r);
	*doc = d;
	return 1;
}

int baseline_get(const struct baseline_ref *r, json_t **doc, char *err, size_t n)
{
	*doc = NULL;
	if (!r->store) {
		if (access(r->path, F_OK) != 0)
			return 0;
		json_error_t je;
		*doc = json_load_file(r->path, 0, &je);
		if (!*doc) {
			snprintf(err, n, "%s:%d: not valid JSON: %s", r->path, je.line, je.text);
			return -1;
		}
		return 1;
	}
	struct store_run run;
	int found = store_find_run(r->store, r->machine, r->kind, "", &run, err, n);
	if (found < 0)
		return -1;
	if (found == 0)
		return seed(r, doc, err, n);
	*doc = store_get_doc(r->store, run.id, err, n);
	return *doc ? 1 : -1;
}

int baseline_load(const struct baseline_ref *r, struct sample_set *s, char *err, size_t n)
{
	memset(s, 0, sizeof(*s));
	if (!r->store) {
		if (access(r->path, F_OK) != 0)
			return 0;
		return sample_load(r->path, s, err, n) ? -1 : 1;
	}
	json_t *doc;
	int rc = baseline_get(r, &doc, err, n);
	if (rc == 1 && sample_from_json(doc, r->path, s, err, n))
		rc = -1;
	json_decref(doc);
	return rc;
}

int baseline_store(json_t *doc, const char *machine_id, const struct baseline_ref *r)
{
	if (r->store) {
		char err[1400];
		if (store_replace_run(r->store, r->machine, r->kind, "", doc, NULL, err,
				      sizeof(err))) {
			fprintf(stderr, "ringbench: the %s is not kept: %s\n", kind_words(r->kind),
				err);
			return BENCH_USAGE;
		}
		printf("ringbench: saved the %s for %s in the store %s\n", kind_words(r->kind),
		       machine_id, store_name(r->store));
		return BENCH_PASS;
	}
	char dir[1400];
	snprintf(dir, sizeof(dir), "%s", r->path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	if ((slash && results_mkdirs(dir)) || results_write(doc, r->path)) {
		fprintf(stderr, "ringbench: cannot write the %s %s: %s\n", kind_words(r->kind),
			r->path, strerror(errno));
		return BENCH_USAGE;
	}
	printf("ringbench: saved the %s for %s as %s\n", kind_words(r->kind), machine_id, r->path);
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
