/* fault_private.c: an LD_PRELOAD shim for tests only.  Given to a whole
 * ringbench run (the harness and, through the environment, both workers),
 * it makes the shared mappings of one object private (copy-on-write) in the
 * chosen processes: the seed report's failure, placed wherever the test
 * asks, since where it sits decides where it surfaces.
 *   FAULT_PRIVATE_WHO   creator (the harness, which creates every object),
 *                       producer, consumer, or all
 *   FAULT_PRIVATE_WHAT  ring (a ring's memfd, or an object in /dev/shm),
 *                       control (the harness's control block, a memfd), or
 *                       all
 *   FAULT_PRIVATE_HOW   private (the default), or anon: an anonymous shared
 *                       mapping instead of the object (a wrapper that hands
 *                       out a copy), which /proc does not name at all
 * (shim_role.h says which process this is.) */
#include "shim_role.h"

#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

typedef void *(*mmap_fn)(void *, size_t, int, int, int, off_t);

/* "ring", "control" or NULL: what the descriptor is. */
static const char *what_is(int fd)
{
	char link[64], path[256];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, path, sizeof(path) - 1);
	if (n <= 0)
		return NULL;
	path[n] = 0;
	if (strncmp(path, "/memfd:ringbench-control", 24) == 0)
		return "control";
	if (strncmp(path, "/dev/shm/", 9) == 0 || strncmp(path, "/memfd:", 7) == 0)
		return "ring";
	return NULL;
}

static bool chosen(const char *env, const char *value)
{
	const char *want = getenv(env);
	return want && (strcmp(want, "all") == 0 || strcmp(want, value) == 0);
}

__attribute__((visibility("default"))) void *mmap(void *addr, size_t len, int prot, int flags,
						  int fd, off_t off)
{
	static mmap_fn real;
	if (!real)
		real = (mmap_fn)dlsym(RTLD_NEXT, "mmap");
	const char *what = fd >= 0 && (flags & MAP_SHARED) ? what_is(fd) : NULL;
	if (what && chosen("FAULT_PRIVATE_WHAT", what) &&
	    chosen("FAULT_PRIVATE_WHO", shim_role())) {
		const char *how = getenv("FAULT_PRIVATE_HOW");
		if (how && strcmp(how, "anon") == 0)
			return real(addr, len, prot, (flags & ~MAP_POPULATE) | MAP_ANONYMOUS, -1,
				    0);
		flags = (flags & ~MAP_SHARED) | MAP_PRIVATE;
	}
	return real(addr, len, prot, flags, fd, off);
}

__attribute__((visibility("default"))) void *mmap64(void *addr, size_t len, int prot, int flags,
						    int fd, off_t off)
    __attribute__((alias("mmap")));
