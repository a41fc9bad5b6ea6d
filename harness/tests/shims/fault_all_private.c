/* fault_all_private.c: an LD_PRELOAD shim for tests only.  Every shared
 * mapping of a file or memfd becomes private (copy-on-write), the ring's
 * and the harness's control block alike, as a wrapper library or a
 * container's mmap policy would do it: the seed report's failure, one
 * level further.  ringbench must end in exit 3 naming the private mapping,
 * from `stream` and from `doctor`. */
#include <dlfcn.h>
#include <sys/mman.h>
#include <sys/types.h>

typedef void *(*mmap_fn)(void *, size_t, int, int, int, off_t);

__attribute__((visibility("default"))) void *mmap(void *addr, size_t len, int prot, int flags,
						  int fd, off_t off)
{
	static mmap_fn real;
	if (!real)
		real = (mmap_fn)dlsym(RTLD_NEXT, "mmap");
	if (fd >= 0 && (flags & MAP_SHARED))
		flags = (flags & ~MAP_SHARED) | MAP_PRIVATE;
	return real(addr, len, prot, flags, fd, off);
}

__attribute__((visibility("default"))) void *mmap64(void *addr, size_t len, int prot, int flags,
						    int fd, off_t off)
    __attribute__((alias("mmap")));
