/* fault_split_object.c: an LD_PRELOAD shim for tests only.  A process that
 * opens an existing shared-memory object gets a copy of it instead: a new
 * object with the same contents, its name unlinked at once (so nothing is
 * left in /dev/shm).  Both sides then attach to "the same name" and map two
 * different objects, as when one side re-creates the object after the
 * other attached.  ringbench must say so, with each side's device and
 * inode. */
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
	struct stat st;
	char copy[300];
	snprintf(copy, sizeof(copy), "%s.split.%d", name, (int)getpid());
	int nfd = real(copy, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (nfd < 0 || fstat(fd, &st) < 0 || ftruncate(nfd, st.st_size) < 0) {
		if (nfd >= 0)
			close(nfd);
		return fd;
	}
	shm_unlink(copy);
	void *src = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	void *dst = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, nfd, 0);
	if (src != MAP_FAILED && dst != MAP_FAILED)
		memcpy(dst, src, (size_t)st.st_size);
	if (src != MAP_FAILED)
		munmap(src, (size_t)st.st_size);
	if (dst != MAP_FAILED)
		munmap(dst, (size_t)st.st_size);
	close(fd);
	return nfd;
}
