/* ring_copy.h: for the test shims only.  A second ring made from the one a
 * name's page points to: a copy of its memory (the same incarnation) in a
 * sealed memfd of this process, which it holds and never closes, and the
 * page rewritten to point to the copy.  What a second run under the same
 * name, or a wrapper that hands out copies, would leave: two rings that
 * both look right, each seen by one side. */
#ifndef RING_COPY_H
#define RING_COPY_H

#include "ring.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Copy the ring page_fd's page points to into a memfd called memfd_name;
 * *page gets the page pointing to the copy.  0, or -1 if anything failed. */
static inline int ring_copy(int page_fd, const char *memfd_name, struct ring_header *page)
{
	if (pread(page_fd, page, sizeof(*page), 0) != (ssize_t)sizeof(*page))
		return -1;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)page->creator_pid,
		 (int)page->creator_fd);
	int src = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (src < 0 || fstat(src, &st) < 0)
		return -1;
	size_t len = (size_t)st.st_size;
	int copy = memfd_create(memfd_name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (copy < 0 || ftruncate(copy, st.st_size) < 0 ||
	    posix_fallocate(copy, 0, st.st_size) != 0)
		return -1;
	void *from = mmap(NULL, len, PROT_READ, MAP_SHARED, src, 0);
	void *to = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, copy, 0);
	close(src);
	if (from == MAP_FAILED || to == MAP_FAILED)
		return -1;
	memcpy(to, from, len);
	struct ring_header *h = to;
	struct stat cs;
	if (fstat(copy, &cs) < 0)
		return -1;
	h->creator_pid = page->creator_pid = (int32_t)getpid();
	h->creator_fd = page->creator_fd = copy;
	h->ring_ino = page->ring_ino = (uint64_t)cs.st_ino;
	munmap(from, len);
	munmap(to, len);
	return fcntl(copy, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) < 0 ? -1 : 0;
}

#endif
