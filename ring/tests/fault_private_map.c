/* fault_private_map.c: an LD_PRELOAD shim for the fault tests only.  It turns
 * every shared mapping of a ring (a memfd, or an object in /dev/shm) into
 * a private, copy-on-write one: the
 * classic bug behind the seed report, where a process writes its own copy
 * and its peer never sees it.  The ring must report this as an error within
 * its timeout, never hang and never pass. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

typedef void *(*mmap_fn)(void *, size_t, int, int, int, off_t);

/* Only rings and objects in /dev/shm: the harness's control block is a
 * memfd that must stay shared, or the fault would hit the measuring, not
 * the ring. */
static int in_dev_shm(int fd)
{
	char link[64], path[256];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, path, sizeof(path) - 1);
	if (n <= 0)
		return 0;
	path[n] = 0;
	return strncmp(path, "/dev/shm/", 9) == 0 ||
	       (strncmp(path, "/memfd:", 7) == 0 &&
		strncmp(path, "/memfd:ringbench-control", 24) != 0);
}

__attribute__((visibility("default"))) void *mmap(void *addr, size_t len, int prot, int flags,
						  int fd, off_t off)
{
	static mmap_fn real;
	if (!real)
		real = (mmap_fn)dlsym(RTLD_NEXT, "mmap");
	if (fd >= 0 && (flags & MAP_SHARED) && in_dev_shm(fd)) {
		flags = (flags & ~MAP_SHARED) | MAP_PRIVATE;
		if (getenv("FAULT_VERBOSE"))
			fprintf(stderr, "fault_private_map: fd %d mapped private\n", fd);
	}
	return real(addr, len, prot, flags, fd, off);
}

__attribute__((visibility("default"))) void *mmap64(void *addr, size_t len, int prot, int flags,
						    int fd, off_t off)
    __attribute__((alias("mmap")));
