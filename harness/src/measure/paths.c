/* paths.c: where ringbench finds what it ships with (bench.h). */
#include "measure/bench.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef RINGBENCH_SOURCE_DIR
#define RINGBENCH_SOURCE_DIR "."
#endif

/* An installed ringbench's share folder (<prefix>/share/ringbench), into
 * out; false for one run from its build tree. */
static bool installed_share(char *out, size_t n)
{
	char exe[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len > 0) {
		exe[len] = 0;
		char *slash = strrchr(exe, '/');
		struct stat st;
		if (slash) {
			*slash = 0;
			/* <prefix>/bin/ringbench beside <prefix>/share/ringbench. */
			snprintf(out, n, "%s/../share/ringbench", exe);
			if (stat(out, &st) == 0 && S_ISDIR(st.st_mode))
				return true;
		}
	}
	return false;
}

void bench_data_dir(const char *what, const char *built_in, char *out, size_t n)
{
	char share[PATH_MAX + 64];
	if (installed_share(share, sizeof(share)))
		snprintf(out, n, "%s/%s", share, what);
	else
		snprintf(out, n, "%s", built_in);
}

void bench_results_dir(const char *what, char *out, size_t n)
{
	const char *env = getenv("RINGBENCH_RESULTS");
	if (env && env[0]) {
		snprintf(out, n, "%s/%s", env, what);
		return;
	}
	char share[PATH_MAX + 64];
	const char *root = installed_share(share, sizeof(share)) ? "." : RINGBENCH_SOURCE_DIR;
	snprintf(out, n, "%s/results/%s", root, what);
}
