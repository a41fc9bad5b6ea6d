/* fault_recreate.c: an LD_PRELOAD shim for tests only.  Given to a whole
 * ringbench run, it re-creates a ring's name in /dev/shm (removes it and
 * creates a new object under it) at one moment relative to the workers'
 * attach, as a careless script or a second run with the same --name would:
 *   FAULT_RECREATE=before  the producer, opening the name, first replaces it
 *                          with an empty object of the same size: whoever
 *                          opens the name from then on reads zeros;
 *   FAULT_RECREATE=during  the producer opens the real name, then replaces it
 *                          with a second ring: a copy of the ring (the same
 *                          incarnation, a sealed memfd of its own, held by
 *                          the producer) and a name's page pointing to it;
 *                          the consumer, 200 ms later, attaches to the copy:
 *                          two objects under one name.  (A copy of the
 *                          name's page alone would point to the same ring,
 *                          and change nothing: see ring.h.)
 *   FAULT_RECREATE=after   the producer opens first; the consumer, 200 ms
 *                          later, opens the real object and only then
 *                          replaces the name: both map the object the harness
 *                          created, and the run must pass;
 *   FAULT_RECREATE=refuse  the consumer's open is refused (EACCES), the name
 *                          untouched: a failure that is not the seed's, which
 *                          must stay an environment problem (exit 2).
 * The harness unlinks the name when the workers have attached, so the
 * replacement is never left behind. */
#include "ring_copy.h"
#include "shim_role.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef int (*shm_open_fn)(const char *, int, mode_t);

/* Replace the name with a new page of fd's size, all zeros. */
static void replace_zeros(shm_open_fn real, const char *name, int fd)
{
	struct stat st;
	if (fstat(fd, &st) < 0 || shm_unlink(name) < 0)
		return;
	int nfd = real(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (nfd < 0)
		return;
	(void)!ftruncate(nfd, st.st_size);
	close(nfd);
}

/* Replace the name (its page read through fd) with a second ring. */
static void replace_ring(shm_open_fn real, const char *name, int fd)
{
	struct ring_header page;
	if (ring_copy(fd, name + 1, &page) < 0 || shm_unlink(name) < 0)
		return;
	int nfd = real(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (nfd < 0)
		return;
	if (ftruncate(nfd, sizeof(page)) == 0)
		(void)!pwrite(nfd, &page, RING_CACHELINE, 0);
	close(nfd);
}

__attribute__((visibility("default"))) int shm_open(const char *name, int oflag, mode_t mode)
{
	static shm_open_fn real;
	if (!real)
		real = (shm_open_fn)dlsym(RTLD_NEXT, "shm_open");
	const char *when = getenv("FAULT_RECREATE");
	const char *role = shim_role();
	if (!when || (oflag & O_CREAT) || strcmp(role, "creator") == 0)
		return real(name, oflag, mode);
	bool producer = strcmp(role, "producer") == 0;
	if (strcmp(when, "refuse") == 0 && !producer) {
		errno = EACCES;
		return -1;
	}
	if (!producer) {
		struct timespec ts = {0, 200000000};
		nanosleep(&ts, NULL);
	}
	int fd = real(name, oflag, mode);
	if (fd < 0)
		return fd;
	if (strcmp(when, "before") == 0 && producer) {
		replace_zeros(real, name, fd);
		close(fd);
		return real(name, oflag, mode);
	}
	if (strcmp(when, "during") == 0 && producer)
		replace_ring(real, name, fd);
	if (strcmp(when, "after") == 0 && !producer)
		replace_zeros(real, name, fd);
	return fd;
}
