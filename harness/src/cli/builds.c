/* builds.c: ringbench built from a git revision (builds.h). */
#include "cli/builds.h"

#include "measure/bench.h"
#include "measure/proc.h"
#include "measure/results.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef RINGBENCH_SOURCE_DIR
#define RINGBENCH_SOURCE_DIR "."
#endif
#ifndef RINGBENCH_BUILD_TYPE
#define RINGBENCH_BUILD_TYPE "unknown"
#endif

static char root_dir[512];
static char tmp_dir[512];
static const char *who_says = "ringbench";

void builds_init(const char *root, const char *who)
{
	snprintf(root_dir, sizeof(root_dir), "%s", root);
	who_says = who;
}

const char *builds_root(void)
{
	return root_dir;
}

int build_run(char *const argv[], const char *log)
{
	return proc_run(argv, log);
}

int build_capture(char *const argv[], char *out, size_t n)
{
	return proc_capture_line(argv, out, n);
}

bool build_is_binary(const char *arg)
{
	struct stat st;
	return strchr(arg, '/') && stat(arg, &st) == 0 && S_ISREG(st.st_mode) &&
	       access(arg, X_OK) == 0;
}

int build_full_commit(const char *arg, char *out, size_t n)
{
	char spec[600];
	snprintf(spec, sizeof(spec), "%s^{commit}", arg);
	char *argv[] = {"git",	    "-C",      root_dir,	   "rev-parse",
			"--verify", "--quiet", "--end-of-options", spec,
			NULL};
	int rc = build_capture(argv, out, n);
	if (rc != 0)
		out[0] = 0;
	return rc;
}

bool build_is_revision(const char *arg)
{
	char out[128];
	return build_full_commit(arg, out, sizeof(out)) == 0 && out[0];
}

void builds_cleanup(struct build *b, int n)
{
	for (int i = 0; i < n; i++)
		if (b[i].worktree[0]) {
			char *argv[] = {"git",	  "-C",	     root_dir,	    "worktree",
					"remove", "--force", b[i].worktree, NULL};
			build_run(argv, "/dev/null");
			b[i].worktree[0] = 0;
		}
	if (tmp_dir[0]) {
		char *argv[] = {"rm", "-rf", tmp_dir, NULL};
		build_run(argv, NULL);
		tmp_dir[0] = 0;
	}
	/* A worktree whose add was interrupted leaves only its record. */
	char *prune[] = {"git", "-C", root_dir, "worktree", "prune", NULL};
	if (root_dir[0])
		build_run(prune, "/dev/null");
}

static int make_tmp(void)
{
	if (tmp_dir[0])
		return 0;
	snprintf(tmp_dir, sizeof(tmp_dir), "/tmp/ringbench-build.XXXXXX");
	if (!mkdtemp(tmp_dir)) {
		tmp_dir[0] = 0;
		fprintf(stderr, "%s: cannot make a temporary folder: %s\n", who_says,
			strerror(errno));
		return BENCH_USAGE;
	}
	return 0;
}

/* The folder of kept builds. */
static void kept_dir(char *out, size_t n)
{
	const char *env = getenv("RINGBENCH_BUILDS");
	if (env && env[0])
		snprintf(out, n, "%s", env);
	else
		bench_results_dir("builds", out, n);
}

/* A kept build of the commit, if there is one with what is asked for (its
 * ring_gbench too, with gbench): b->exe set, true. */
static bool take_kept(struct build *b, const char *kept, bool gbench)
{
	char exe[sizeof(b->exe)], tool[1500];
	if (strlen(kept) + sizeof("/ringbench") > sizeof(exe))
		return false;
	snprintf(exe, sizeof(exe), "%.1080s/ringbench", kept);
	snprintf(tool, sizeof(tool), "%s/gbench/ring_gbench", kept);
	if (access(exe, X_OK) != 0 || (gbench && access(tool, X_OK) != 0))
		return false;
	memcpy(b->exe, exe, sizeof(exe));
	b->cached = true;
	fprintf(stderr, "%s: %s: the build kept in %s\n", who_says, b->label, kept);
	return true;
}

/* Copy a file in beside its place, then rename it there: a folder of kept
 * builds never holds half a binary.  0 or -1. */
static int copy_into_place(const char *from, const char *to)
{
	char dir[1500], part[1600];
	snprintf(dir, sizeof(dir), "%s", to);
	*strrchr(dir, '/') = 0;
	snprintf(part, sizeof(part), "%s.part.%d", to, (int)getpid());
	char *cp[] = {"cp", (char *)from, part, NULL};
	if (results_mkdirs(dir) == 0 && build_run(cp, "/dev/null") == 0 && rename(part, to) == 0)
		return 0;
	unlink(part);
	return -1;
}

/* The build's ringbench (and ring_gbench, if it has one) kept under the
 * commit, and b->exe pointed there: a build folder used again for the next
 * revision (reuse) then cannot change it under us.  0 or -1. */
static int keep_build(struct build *b, const char *bld, const char *kept)
{
	char from[1500], to[1500];
	snprintf(from, sizeof(from), "%s/harness/gbench/ring_gbench", bld);
	snprintf(to, sizeof(to), "%s/gbench/ring_gbench", kept);
	if (access(from, X_OK) == 0 && copy_into_place(from, to))
		return -1;
	if (strlen(kept) + sizeof("/ringbench") > sizeof(b->exe))
		return -1;
	snprintf(to, sizeof(to), "%s/ringbench", kept);
	if (copy_into_place(b->exe, to))
		return -1;
	snprintf(b->exe, sizeof(b->exe), "%.1080s", to);
	fprintf(stderr, "%s: kept the build of %s in %s\n", who_says, b->label, kept);
	return 0;
}

/* The revision's source in src: a new worktree, or, with reuse and the
 * worktree there from an earlier build, the revision checked out over it
 * (only the files that differ change, so the build after is incremental). */
static int check_out(struct build *b, const char *src, const char *log)
{
	struct stat st;
	if (b->reuse && stat(src, &st) == 0) {
		char *co[] = {"git",	 "-C",	    (char *)src,    "checkout", "--detach",
			      "--quiet", "--force", (char *)b->arg, NULL};
		if (build_run(co, log) == 0)
			return 0;
	} else {
		char *wt[] = {"git",	  "-C",	     root_dir,	  "worktree",	  "add",
			      "--detach", "--quiet", (char *)src, (char *)b->arg, NULL};
		if (build_run(wt, log) == 0) {
			/* A reused worktree is removed with the temporary folder. */
			if (!b->reuse)
				snprintf(b->worktree, sizeof(b->worktree), "%s", src);
			return 0;
		}
	}
	fprintf(stderr, "%s: cannot check out %s (see %s)\n", who_says, b->arg, log);
	return BENCH_USAGE;
}

/* Whether a program is on the PATH. */
static bool on_path(const char *prog)
{
	const char *path = getenv("PATH");
	char dir[1024], exe[1200];
	for (const char *p = path ? path : ""; *p;) {
		size_t k = strcspn(p, ":");
		snprintf(dir, sizeof(dir), "%.*s", (int)(k < 1000 ? k : 1000), p);
		snprintf(exe, sizeof(exe), "%s/%s", dir[0] ? dir : ".", prog);
		if (access(exe, X_OK) == 0)
			return true;
		p += k + (p[k] == ':');
	}
	return false;
}

/* Configure (once per build folder) and build ringbench, and ring_gbench
 * with gbench.  0, or exit code 2 with the log's tail shown. */
static int compile(struct build *b, const char *src, const char *bld, const char *log,
		   const char *type, bool gbench)
{
	/* The source path out of the binary: two builds of one revision are
	 * then the same code at the same addresses.  -g, which changes no
	 * code, gives an instruction profile its source lines. */
	char flags[1200], srcdir[1200], blddir[1200], btype[64], cache[1300];
	snprintf(flags, sizeof(flags), "-DCMAKE_C_FLAGS=-g -ffile-prefix-map=%s=.", src);
	snprintf(srcdir, sizeof(srcdir), "-S%s", src);
	snprintf(blddir, sizeof(blddir), "-B%s", bld);
	snprintf(btype, sizeof(btype), "-DCMAKE_BUILD_TYPE=%s", type);
	snprintf(cache, sizeof(cache), "%s/CMakeCache.txt", bld);
	fprintf(stderr, "%s: building %s (%s) in %s\n", who_says, b->label, type, bld);
	/* ccache, where there is one: a bisect that goes back and forth over a
	 * change compiles each version of a file once. */
	char *conf[] = {"cmake", srcdir, blddir, btype, flags, NULL, NULL, NULL};
	if (on_path("ccache")) {
		conf[5] = "-DCMAKE_C_COMPILER_LAUNCHER=ccache";
		conf[6] = "-DCMAKE_CXX_COMPILER_LAUNCHER=ccache";
	}
	char *make[] = {"cmake", "--build", (char *)bld, "--target", "ringbench", "-j2", NULL};
	if ((access(cache, R_OK) != 0 && build_run(conf, log)) || build_run(make, log)) {
		fprintf(stderr, "%s: building %s failed; its log:\n", who_says, b->label);
		char *tail[] = {"tail", "-n", "25", (char *)log, NULL};
		build_run(tail, NULL);
		return BENCH_USAGE;
	}
	snprintf(b->exe, sizeof(b->exe), "%s/harness/ringbench", bld);
	/* ring_gbench, which a revision from before it, or a build without
	 * Google Benchmark, does not have (said later, where it is needed). */
	char *gb[] = {"cmake", "--build", (char *)bld, "--target", "ring_gbench", "-j2", NULL};
	char tool[1300];
	snprintf(tool, sizeof(tool), "%s/harness/gbench/ring_gbench", bld);
	if (gbench && (build_run(gb, log) || access(tool, X_OK) != 0)) {
		unlink(tool); /* never an older revision's, left in a reused folder */
		fprintf(stderr, "%s: %s has no ring_gbench target (see %s)\n", who_says, b->label,
			log);
	}
	return 0;
}

int build_prepare(struct build *b, const char *name, bool gbench, bool keep)
{
	if (b->arg && build_is_binary(b->arg)) {
		if (!realpath(b->arg, b->exe))
			snprintf(b->exe, sizeof(b->exe), "%s", b->arg);
		snprintf(b->label, sizeof(b->label), "%s", b->arg);
		return 0;
	}
	char src[1024], bld[1024], log[1100], rev[64] = "", commit[128] = "", kept[1400] = "";
	const char *type = b->build_type ? b->build_type : "Release";
	if (b->arg) {
		char spec[600];
		snprintf(spec, sizeof(spec), "%s^{commit}", b->arg);
		char *argv[] = {"git", "-C", root_dir, "rev-parse", "--short", spec, NULL};
		build_capture(argv, rev, sizeof(rev));
		snprintf(b->label, sizeof(b->label), "%s (%s)", b->arg, rev);
		build_full_commit(b->arg, commit, sizeof(commit));
		if (keep && commit[0]) {
			char dir[1100];
			kept_dir(dir, sizeof(dir));
			snprintf(kept, sizeof(kept), "%s/%s-%s", dir, commit, type);
			if (take_kept(b, kept, gbench))
				return 0;
		}
	}
	if (make_tmp())
		return BENCH_USAGE;
	snprintf(log, sizeof(log), "%s/build-%s.log", tmp_dir, name);
	if (b->arg) {
		snprintf(src, sizeof(src), "%s/src-%s", tmp_dir, name);
		if (check_out(b, src, log))
			return BENCH_USAGE;
	} else {
		snprintf(src, sizeof(src), "%s", root_dir);
		snprintf(b->label, sizeof(b->label), "the working tree");
	}
	snprintf(bld, sizeof(bld), "%s/build-%s", tmp_dir, name);
	if (compile(b, src, bld, log, type, gbench))
		return BENCH_USAGE;
	if (kept[0] && keep_build(b, bld, kept)) {
		fprintf(stderr, "%s: cannot keep the build of %s in %s\n", who_says, b->label,
			kept);
		/* A reused folder's binary changes with the next build. */
		if (b->reuse)
			return BENCH_USAGE;
	}
	return 0;
}

int build_check_protocol(const struct build *b)
{
	char want[128], got[256];
	bench_protocol_line(want, sizeof(want));
	char *argv[] = {(char *)b->exe, "__protocol", NULL};
	if (build_capture(argv, got, sizeof(got)) != 0 || strcmp(got, want) != 0) {
		fprintf(stderr,
			"%s: %s cannot run under this harness: it says '%s', this one "
			"'%s' (its workers must speak the same protocol and attach to the "
			"same ring version; builds from before `ab` existed cannot)\n",
			who_says, b->label, got[0] ? got : "nothing", want);
		return BENCH_USAGE;
	}
	return 0;
}

/* The CMake build type of this ringbench, for a build of another revision
 * that is built the same way; NULL for a build that cannot be reproduced
 * so (a sanitizer's). */
static const char *cmake_build_type(void)
{
	static const char *const types[][2] = {{"release", "Release"},
					       {"relwithdebinfo", "RelWithDebInfo"},
					       {"debug", "Debug"},
					       {"minsizerel", "MinSizeRel"}};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(RINGBENCH_BUILD_TYPE, types[i][0]) == 0)
			return types[i][1];
	return NULL;
}

int build_of_revision(const char *rev, const char *who, struct build *b, char *why, size_t n)
{
	size_t rl = strlen(rev);
	const char *type = cmake_build_type();
	if (!type) {
		snprintf(why, n, "this ringbench is a %s build, which is not rebuilt",
			 RINGBENCH_BUILD_TYPE);
		return -1;
	}
	if (!rev[0] || strcmp(rev, "unknown") == 0) {
		snprintf(why, n, "the baseline does not say which revision it was measured at");
		return -1;
	}
	if (rl > 6 && strcmp(rev + rl - 6, "-dirty") == 0) {
		snprintf(why, n,
			 "the baseline was measured on a build with uncommitted changes (%s): no "
			 "build of it can be made",
			 rev);
		return -1;
	}
	char top[512];
	char *gtop[] = {"git", "-C", RINGBENCH_SOURCE_DIR, "rev-parse", "--show-toplevel", NULL};
	if (build_capture(gtop, top, sizeof(top)) != 0 || !top[0]) {
		snprintf(why, n, "the source tree %s is not a git repository",
			 RINGBENCH_SOURCE_DIR);
		return -1;
	}
	builds_init(top, who);
	if (!build_is_revision(rev)) {
		snprintf(why, n, "the baseline's revision %s is not in %s", rev, top);
		return -1;
	}
	b->arg = rev;
	b->build_type = type;
	if (build_prepare(b, "baseline", false, true) || build_check_protocol(b)) {
		snprintf(why, n, "no build of the baseline's revision %s can run here (said above)",
			 rev);
		return -1;
	}
	return 0;
}

bool build_same_commit(const char *a, const char *b)
{
	if (strcmp(a, b) == 0)
		return true;
	size_t la = strlen(a), lb = strlen(b);
	if ((la > 6 && strcmp(a + la - 6, "-dirty") == 0) ||
	    (lb > 6 && strcmp(b + lb - 6, "-dirty") == 0))
		return false; /* uncommitted changes are no commit */
	char ca[128], cb[128], sa[600], sb[600];
	snprintf(sa, sizeof(sa), "%s^{commit}", a);
	snprintf(sb, sizeof(sb), "%s^{commit}", b);
	char *ga[] = {"git", "-C", RINGBENCH_SOURCE_DIR, "rev-parse", "--verify", "--quiet",
		      sa,    NULL};
	char *gb[] = {"git", "-C", RINGBENCH_SOURCE_DIR, "rev-parse", "--verify", "--quiet",
		      sb,    NULL};
	return build_capture(ga, ca, sizeof(ca)) == 0 && build_capture(gb, cb, sizeof(cb)) == 0 &&
	       ca[0] && strcmp(ca, cb) == 0;
}
