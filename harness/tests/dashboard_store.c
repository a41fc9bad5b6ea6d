/* dashboard_store.c: a results store for the dashboard's tests, made
 * through the store's own API (store/store.h) in a real SQLite file:
 *
 *   dashboard_store STORE put KIND FILE.json...   each file one run of KIND,
 *       of the machine its context names (machine_id_from_context), named
 *       by the file's stem ("" for a baseline: the machine's own)
 *   dashboard_store STORE steps MACHINE FILE.json  the steps of the file's
 *       "reported" array into MACHINE's ledger
 *
 * Exit 0, or 2 with the store's or the file's message. */
#include "measure/results.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>

static int put(struct store *s, const char *kind, const char *path, char *err, size_t n)
{
	json_error_t je;
	json_t *doc = json_load_file(path, 0, &je);
	if (!doc) {
		snprintf(err, n, "%s: %s", path, je.text);
		return -1;
	}
	char machine[256], name[160];
	machine_id_from_context(json_object_get(doc, "context"), machine, sizeof(machine));
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	size_t len = strlen(base);
	if (len > 5 && strcmp(base + len - 5, ".json") == 0)
		len -= 5;
	snprintf(name, sizeof(name), "%.*s", (int)len, base);
	bool dup = false;
	int rc = store_put_run(s, machine, kind, strcmp(kind, "baseline") ? name : "", doc, NULL,
			       &dup, err, n);
	json_decref(doc);
	if (rc == 0)
		printf("%s %s %s%s\n", machine, kind, name, dup ? " (already there)" : "");
	return rc;
}

static int steps(struct store *s, const char *machine, const char *path, char *err, size_t n)
{
	json_error_t je;
	json_t *doc = json_load_file(path, 0, &je);
	if (!doc) {
		snprintf(err, n, "%s: %s", path, je.text);
		return -1;
	}
	int rc = store_add_steps(s, machine, json_object_get(doc, "reported"), err, n);
	json_decref(doc);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 4 || (strcmp(argv[2], "put") && strcmp(argv[2], "steps")) ||
	    (strcmp(argv[2], "steps") == 0 && argc != 5)) {
		fprintf(stderr, "usage: dashboard_store STORE put KIND FILE.json...\n"
				"       dashboard_store STORE steps MACHINE FILE.json\n");
		return 2;
	}
	struct store *s;
	char err[2048];
	if (store_open(argv[1], &s, err, sizeof(err))) {
		fprintf(stderr, "dashboard_store: %s\n", err);
		return 2;
	}
	int rc = 0;
	if (strcmp(argv[2], "steps") == 0)
		rc = steps(s, argv[3], argv[4], err, sizeof(err));
	else
		for (int i = 4; i < argc && rc == 0; i++)
			rc = put(s, argv[3], argv[i], err, sizeof(err));
	if (rc)
		fprintf(stderr, "dashboard_store: %s\n", err);
	store_close(s);
	return rc ? 2 : 0;
}
