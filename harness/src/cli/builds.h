/* builds.h: a ringbench built from a git revision, for the commands that
 * measure two builds side by side (ab, and check against the build of its
 * baseline's revision).  A revision is checked out in a temporary git
 * worktree and built Release, the source path mapped out of the binary, so
 * two builds of one revision are the same code at the same addresses; or a
 * ringbench binary is taken as it is. */
#ifndef BUILDS_H
#define BUILDS_H

#include <stdbool.h>
#include <stddef.h>

struct build {
	const char *arg;     /* a revision, a ringbench binary's path, or NULL: the working tree */
	char exe[1100];	     /* the ringbench to run its workers */
	char label[160];     /* "main (1a2b3c4)" */
	char worktree[1100]; /* to remove afterwards, or "" */
	const char *build_type; /* CMake's (NULL: Release) */
	bool cached;		/* taken from the folder of kept builds */
	/* Built in the one worktree and build folder of its name, the revision
	 * checked out over the last one there: an incremental build (bisect).
	 * Needs keep: the binary is used from its kept copy. */
	bool reuse;
};

/* Where builds come from and go: the git repository (root), and a
 * temporary folder made on first use (removed by builds_cleanup). */
void builds_init(const char *root, const char *who);
const char *builds_root(void);

/* A ringbench binary named by path: a regular, executable file. */
bool build_is_binary(const char *arg);
/* The full commit a revision names in the repository into out, or ""
 * (the exit code of git rev-parse). */
int build_full_commit(const char *arg, char *out, size_t n);
/* A name git resolves to a commit in the repository. */
bool build_is_revision(const char *arg);

/* Build one side (name: "A", "B", a file-name-safe word), or take a
 * binary.  gbench: build ring_gbench too.  keep: a revision's ringbench
 * (and ring_gbench) is kept in the folder of kept builds
 * ($RINGBENCH_BUILDS, or results/builds/ in the source tree) as
 * COMMIT-TYPE/ringbench and COMMIT-TYPE/gbench/ring_gbench, run from there,
 * and taken from there next time (with gbench, only a kept build that has
 * ring_gbench).  0, or exit code 2 with the reason printed. */
int build_prepare(struct build *b, const char *name, bool gbench, bool keep);
/* A build of the revision a baseline was measured at, from the git
 * repository this ringbench was built from, built as this one was (its
 * build type), kept for next time, its protocol checked: 0 with b ready,
 * or -1 with the reason it cannot be had in why.  who names the command in
 * messages. */
int build_of_revision(const char *rev, const char *who, struct build *b, char *why, size_t n);
/* Whether two revision names (git describe's, a hash, a tag) name one
 * commit of the source tree's repository; equal strings always do. */
bool build_same_commit(const char *a, const char *b);
/* Its workers speak this harness's protocol: 0, or exit code 2 said. */
int build_check_protocol(const struct build *b);
/* Remove the worktrees and the temporary folder. */
void builds_cleanup(struct build *b, int n);

/* Run a command (its output into log, or ours if NULL) and wait: its exit
 * code, 128 if it died, -1 if it could not start. */
int build_run(char *const argv[], const char *log);
/* The first line of a command's output into out: its exit code. */
int build_capture(char *const argv[], char *out, size_t n);

#endif
