/* paths.c: where ringbench finds what it ships with, and where it keeps
 * results (bench.h). */
#include "measure/bench.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef RINGBENCH_SOURCE_DIR
#define RINGBENCH_SOURCE_DIR "."
#endif
#ifndef RINGBENCH_BINARY_DIR
#define RINGBENCH_BINARY_DIR "/nonexistent"
#endif

/* This program's folder, into out; false if it cannot be told. */
static bool exe_dir(char *out, size_t n)
{
	char exe[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len <= 0)
		return false;
	exe[len] = 0;
	char *slash = strrchr(exe, '/');
	if (!slash)
		return false;
	*slash = 0;
	snprintf(out, n, "%s", exe);
	return true;
}

bool bench_in_build_tree(void)
{
	static int known = -1;
	if (known < 0) {
		char dir[PATH_MAX];
		size_t bl = strlen(RINGBENCH_BINARY_DIR);
		/* /proc/self/exe is the real path, links resolved: so is the
		 * build folder's name (CMake takes its real path). */
		known = exe_dir(dir, sizeof(dir)) && strncmp(dir, RINGBENCH_BINARY_DIR, bl) == 0 &&
			(dir[bl] == '/' || dir[bl] == 0);
	}
	return known;
}

const char *bench_tree_root(void)
{
	return bench_in_build_tree() ? RINGBENCH_SOURCE_DIR : ".";
}

void bench_data_dir(const char *what, const char *built_in, char *out, size_t n)
{
	char dir[PATH_MAX];
	if (bench_in_build_tree() || !exe_dir(dir, sizeof(dir))) {
		snprintf(out, n, "%s", built_in);
		return;
	}
	/* <prefix>/bin/ringbench beside <prefix>/share/ringbench/WHAT; a
	 * copy without it says so where it looks, never reads the source
	 * tree it was built from. */
	if (snprintf(out, n, "%s/../share/ringbench/%s", dir, what) >= (int)n)
		snprintf(out, n, "%s", built_in);
}

int bench_gbench_tool(const char *dir, const char *name, char *out, size_t n)
{
	snprintf(out, n, "%s/gbench/%s", dir, name);
	if (access(out, X_OK) == 0)
		return 0;
	char installed[PATH_MAX];
	snprintf(installed, sizeof(installed), "%s/../libexec/ringbench/%s", dir, name);
	if (access(installed, X_OK) != 0)
		return -1;
	snprintf(out, n, "%s", installed);
	return 0;
}

void bench_results_dir(const char *what, char *out, size_t n)
{
	const char *env = getenv("RINGBENCH_RESULTS");
	if (env && env[0])
		snprintf(out, n, "%s/%s", env, what);
	else
		snprintf(out, n, "%s/results/%s", bench_tree_root(), what);
}
