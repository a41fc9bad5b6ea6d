/* fault_split_object.c: an LD_PRELOAD shim for tests only.  A process that
 * opens an existing ring's name gets a second ring instead (ring_copy.h:
 * a copy of the ring in a memfd of its own, NAME.split.PID, and a page
 * pointing to it under a name unlinked at once, so nothing is left in
 * /dev/shm).  Both sides then attach to "the same name" and map two
 * different rings, as when one side re-creates the ring after the other
 * attached.  ringbench must say so, with each side's device and inode. */
#include "ring_copy.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

typedef int (*shm_open_fn)(const char *, int, mode_t);

__attribute__((visibility("default"))) int shm_open(const char *name, int oflag, mode_t mode)
{
	static shm_open_fn real;
	if (!real)
		real = (shm_open_fn)dlsym(RTLD_NEXT, "shm_open");
	int fd = real(name, oflag, mode);
	if (fd < 0 || (oflag & O_CREAT))
		return fd;
	char copy[300];
	snprintf(copy, sizeof(copy), "%s.split.%d", name, (int)getpid());
	struct ring_header page;
	if (ring_copy(fd, copy + 1, &page) < 0)
		return fd;
	int nfd = real(copy, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (nfd < 0)
		return fd;
	shm_unlink(copy);
	if (ftruncate(nfd, sizeof(page)) < 0 || pwrite(nfd, &page, RING_CACHELINE, 0) < 0) {
		close(nfd);
		return fd;
	}
	close(fd);
	return nfd;
}
