/* transports.c: the table of transports, and the helpers they share. */
#include "measure/transport.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static const struct transport *const table[T_COUNT] = {
    [T_RING] = &transport_ring,	  [T_FLOOR] = &transport_floor, [T_LINE] = &transport_line,
    [T_PIPE] = &transport_pipe,	  [T_UNIX] = &transport_unix,	[T_LAMPORT] = &transport_lamport,
    [T_CK] = &transport_ck,	  [T_IOX] = &transport_iox,	[T_RTE] = &transport_rte,
    [T_BOOST] = &transport_boost, [T_WORK] = &transport_work,
};

const struct transport *transport_get(enum bench_transport t)
{
	return (unsigned)t < T_COUNT ? table[t] : NULL;
}

int tp_fail(struct tp_worker *w, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(w->err, sizeof(w->err), fmt, ap);
	va_end(ap);
	return err;
}

int tp_create_shm(const char *name, size_t len, char *err, size_t n)
{
	int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		int e = errno;
		snprintf(err, n, "%s: shm_open: %s", name, strerror(e));
		return -e;
	}
	/* Every page now: a full /dev/shm is an error here, not a SIGBUS. */
	int rc = ftruncate(fd, (off_t)len) < 0 ? errno : posix_fallocate(fd, 0, (off_t)len);
	close(fd);
	if (rc) {
		shm_unlink(name);
		snprintf(err, n, "%s: cannot allocate %zu bytes in /dev/shm: %s", name, len,
			 strerror(rc));
		return -rc;
	}
	return 0;
}

int tp_create_one(struct tp_objects *o, size_t len, char *err, size_t n)
{
	snprintf(o->shm[0], sizeof(o->shm[0]), "%s", o->name);
	int rc = tp_create_shm(o->name, len, err, n);
	if (rc == 0)
		o->nshm = 1;
	return rc;
}

void *tp_map_shm(struct tp_worker *w, const char *name, size_t len)
{
	int fd = shm_open(name, O_RDWR | O_CLOEXEC, 0);
	if (fd < 0) {
		tp_fail(w, -errno, "%s: shm_open: %s", name, strerror(errno));
		return NULL;
	}
	/* Populated: page faults belong to the set-up, as for the ring. */
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
	int e = errno;
	close(fd);
	if (p == MAP_FAILED) {
		tp_fail(w, -e, "%s: mmap: %s", name, strerror(e));
		return NULL;
	}
	return p;
}

/* Pairs with the peer's release store of the counter. */
struct word_want {
	_Atomic(uint64_t) *word;
	uint64_t want, *seen;
};

static bool reached(void *arg)
{
	struct word_want *ww = arg;
	*ww->seen = atomic_load_explicit(ww->word, memory_order_acquire);
	return (int64_t)(*ww->seen - ww->want) >= 0;
}

int tp_spin_word(struct tp_worker *w, _Atomic(uint64_t) *word, uint64_t want, uint64_t *seen,
		 _Atomic(uint32_t) *closed)
{
	struct word_want ww = {word, want, seen};
	return tp_spin_until(w, reached, &ww, closed);
}

int tp_spin_until(struct tp_worker *w, bool (*ready)(void *arg), void *arg,
		  _Atomic(uint32_t) *closed)
{
	int64_t deadline = 0;
	for (unsigned spins = 0;; spins++) {
		if (ready(arg))
			return 0;
		/* The peer makes its last message ready before it sets closed:
		 * once closed is seen, look once more. */
		if (closed && atomic_load_explicit(closed, memory_order_acquire))
			return ready(arg) ? 0 : -EPIPE;
		sys_cpu_relax();
		/* The clock only now and then: it costs more than a look. */
		if ((spins & 1023) == 1023) {
			int64_t now = sys_now_ns();
			if (!deadline)
				deadline = now + w->timeout_ns;
			else if (now > deadline)
				return tp_fail(w, -ETIMEDOUT, "nothing arrived for %lld ms",
					       (long long)(w->timeout_ns / 1000000));
		}
	}
}
