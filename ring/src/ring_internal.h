/* ring_internal.h: helpers shared by the .c files of libring, not exported. */
#ifndef RING_INTERNAL_H
#define RING_INTERNAL_H

#include "ring.h"
#include "sys.h"

#include <linux/membarrier.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define RING_HIDDEN __attribute__((visibility("hidden")))

/* Record a message for ring_last_error() and return err (a -errno). */
RING_HIDDEN int ring__fail(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Deadline for a timeout, saturating instead of overflowing. */
static inline int64_t ring__deadline(int64_t timeout_ns)
{
	int64_t now = sys_now_ns();
	if (timeout_ns < 0)
		timeout_ns = 0;
	return timeout_ns > INT64_MAX - now ? INT64_MAX : now + timeout_ns;
}

/* 0 while the peer is alive or not yet attached, -EPIPE once it closed,
 * -EOWNERDEAD once it died: told by the lock of its role, not by its pid
 * (see RING_VERSION in ring.h).  One system call once the peer attached. */
RING_HIDDEN int ring__peer_state(struct ring *r);

/* A pidfd of the pid in the peer's slot, for an eventfd sleeper to wake on
 * when that process exits, or -1: opened once per pid, never again for a
 * pid dropped by ring__peer_pidfd_fired(). */
RING_HIDDEN int ring__peer_pidfd(struct ring *r);

/* The peer's pidfd polled readable: if the role's lock is still held, that
 * pid was not the holder's, and its pidfd is dropped. */
RING_HIDDEN void ring__peer_pidfd_fired(struct ring *r);

/* membarrier(2), which glibc does not wrap: 0 (or QUERY's mask), or -1. */
static inline int ring__membarrier(int cmd)
{
	return (int)syscall(__NR_membarrier, cmd, 0, 0);
}

/* Creator of an eventfd ring: serve one pending attach without waiting. */
RING_HIDDEN void ring__serve_pending(struct ring *r);

/* An eventfd handle in a role: set up the io_uring that posts its wakes to
 * the peer's eventfd (r->wake_uring), or leave it NULL where the kernel
 * offers none (the wakes then write, with the race ring.h names). */
RING_HIDDEN void ring__wake_setup(struct ring *r);
RING_HIDDEN void ring__wake_free(struct ring *r);

/* The memory ring_create may ask for, in bytes, from these files (the
 * real ones: /proc/meminfo, /proc/self/cgroup, /sys/fs/cgroup; tests give
 * others); 0 if the first cannot say. */
RING_HIDDEN uint64_t ring__memory_available(const char *meminfo, const char *self_cgroup,
					    const char *cgroup_root);

#endif
