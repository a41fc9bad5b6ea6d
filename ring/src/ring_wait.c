/* ring_wait.c: the four wait strategies, the wakes that pair with them, and
 * the blocking forms of reserve/peek/send/recv. */
#include "ring_internal.h"

#include <linux/futex.h>
#include <liburing.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#ifndef RWF_NOWAIT
#define RWF_NOWAIT 0x00000008 /* linux/fs.h, since 4.14 */
#endif

/* Longest single sleep: how soon a sleeper re-checks its peer's liveness
 * when nothing wakes it (futex cannot wait on a pidfd). */
#define SLEEP_SLICE_NS 50000000LL
/* How often a spinner checks its peer's liveness and the clock. */
#define SPIN_CHECK_NS 1000000LL

static long futex(_Atomic(uint32_t) *word, int op, uint32_t val, const struct timespec *ts)
{
	/* Never FUTEX_PRIVATE_FLAG: the word is shared with another process,
	 * and a private wake would never reach it. */
	return syscall(SYS_futex, (uint32_t *)word, op, val, ts, NULL, 0);
}

/* An eventfd wake that is not a write: a no-op submitted to our own
 * io_uring, whose completion the kernel posts to the peer's eventfd
 * (io_uring_register_eventfd).  The kernel adds to the counter (it stops
 * at its maximum) and never blocks, whatever O_NONBLOCK says: no peer can
 * hold the waker.  One system call, where poll and write were two.  A
 * queue that will not take the no-op (a child forked after attach shares
 * the queues' memory with its parent, and the two fall out of step) is
 * replaced by a fresh one, once.  False if that fails too: the caller
 * writes instead. */
static bool post_wake(struct ring *r)
{
	for (int attempt = 0; attempt < 2 && r->wake_uring; attempt++) {
		struct io_uring *u = r->wake_uring;
		/* Reap what earlier wakes completed (each no-op completes within
		 * its submission): at most one completion waits between wakes,
		 * and the queue never fills. */
		io_uring_cq_advance(u, io_uring_cq_ready(u));
		struct io_uring_sqe *sqe = io_uring_get_sqe(u);
		if (sqe) {
			io_uring_prep_nop(sqe);
			if (io_uring_submit(u) == 1)
				return true;
		}
		ring__wake_free(r);
		r->syscalls++;
		ring__wake_setup(r);
	}
	return false;
}

void ring__wake_setup(struct ring *r)
{
	int efd = r->role == RING_ROLE_PRODUCER	  ? r->data_efd
		  : r->role == RING_ROLE_CONSUMER ? r->space_efd
						  : -1;
	if (efd < 0 || r->wake_uring)
		return;
	struct io_uring *u = calloc(1, sizeof(*u));
	if (!u)
		return;
	/* Four entries: one wake in flight at a time, and room to spare. */
	if (io_uring_queue_init(4, u, 0) < 0) {
		free(u);
		return;
	}
	if (io_uring_register_eventfd(u, efd) < 0) {
		io_uring_queue_exit(u);
		free(u);
		return;
	}
	r->wake_uring = u;
}

void ring__wake_free(struct ring *r)
{
	if (!r->wake_uring)
		return;
	io_uring_queue_exit(r->wake_uring);
	free(r->wake_uring);
	r->wake_uring = NULL;
}

/* Wake one side, if it said it sleeps.  The exchange clears the flag so a
 * stream of publishes makes one wake, not one per message. */
static void wake(struct ring *r, _Atomic(uint32_t) *waiting, _Atomic(uint32_t) *seq, int efd)
{
	if (!atomic_exchange_explicit(waiting, 0, memory_order_relaxed))
		return;
	r->syscalls++;
	if (efd >= 0 && r->wake_uring && post_wake(r))
		return;
	if (efd >= 0) {
		/* No io_uring: write.  O_NONBLOCK lives in the open file
		 * description both processes share, so a peer can clear it.  A
		 * write of 1 blocks only when the counter is at its maximum,
		 * 0xfffffffffffffffe, i.e. when a wake is pending anyway: POLLOUT
		 * says exactly whether it is below that, so skip the write when
		 * it is not.  What is left is a peer refilling the counter in
		 * the instant between the two calls (ring.h, "What a peer can
		 * do"). */
		struct pollfd p = {.fd = efd, .events = POLLOUT};
		int k;
		while ((k = poll(&p, 1, 0)) < 0 && errno == EINTR)
			;
		if (k == 1 && (p.revents & POLLOUT)) {
			uint64_t one = 1;
			r->syscalls++;
			ssize_t n = write(efd, &one, sizeof(one));
			(void)n;
		}
	} else {
		/* Release pairs with the sleeper's acquire load of seq. */
		atomic_fetch_add_explicit(seq, 1, memory_order_release);
		futex(seq, FUTEX_WAKE, 1, NULL);
	}
}

void ring__wake_consumer(struct ring *r)
{
	wake(r, &r->hdr->consumer_waiting, &r->hdr->data_seq, r->data_efd);
}

void ring__wake_producer(struct ring *r)
{
	wake(r, &r->hdr->producer_waiting, &r->hdr->space_seq, r->space_efd);
}

/* What we wait for: 1 ready, 0 not yet, <0 error. */
typedef int (*ready_fn)(struct ring *r, void *arg);

struct reserve_arg {
	size_t len;
	void *out;
};

static int space_ready(struct ring *r, void *arg)
{
	struct reserve_arg *a = arg;
	a->out = ring_reserve(r, a->len);
	return a->out != NULL;
}

struct peek_arg {
	const void *out;
	size_t len;
};

static int data_ready(struct ring *r, void *arg)
{
	struct peek_arg *a = arg;
	a->out = ring_peek(r, &a->len);
	if (a->out)
		return 1;
	return r->error; /* -EBADMSG, with ring__corrupt()'s message, or 0 */
}

/* Empty an eventfd's counter, never blocking, whatever the peer did to the
 * shared O_NONBLOCK: a read with RWF_NOWAIT says EAGAIN on an empty counter
 * whatever the flag.  Kernels that refuse RWF_NOWAIT on an eventfd get a
 * poll first and a read only of a counter it found non-zero; there a peer
 * that clears the flag and empties the counter between the two calls
 * blocks the read until the next wake. */
static void drain(struct ring *r, int efd)
{
	static _Atomic(bool) nowait_refused;
	uint64_t count;
	if (!atomic_load_explicit(&nowait_refused, memory_order_relaxed)) {
		struct iovec iov = {.iov_base = &count, .iov_len = sizeof(count)};
		r->syscalls++;
		if (preadv2(efd, &iov, 1, -1, RWF_NOWAIT) >= 0 ||
		    (errno != EOPNOTSUPP && errno != EINVAL && errno != ENOSYS))
			return; /* drained, or EAGAIN: nothing was there */
		atomic_store_explicit(&nowait_refused, true, memory_order_relaxed);
	}
	struct pollfd p = {.fd = efd, .events = POLLIN};
	r->syscalls++;
	if (poll(&p, 1, 0) == 1 && (p.revents & POLLIN)) {
		r->syscalls++;
		ssize_t n = read(efd, &count, sizeof(count));
		(void)n;
	}
}

static struct timespec rel_ts(int64_t ns)
{
	if (ns < 0)
		ns = 0;
	return (struct timespec){.tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000};
}

/* Sleep until woken, or until `until`.  Returns like ready(). */
static int sleep_once(struct ring *r, bool eventfd, ready_fn ready, void *arg, int64_t until)
{
	struct ring_header *h = r->hdr;
	bool consumer = r->role == RING_ROLE_CONSUMER;
	_Atomic(uint32_t) *waiting = consumer ? &h->consumer_waiting : &h->producer_waiting;
	_Atomic(uint32_t) *seq = consumer ? &h->data_seq : &h->space_seq;
	int efd = consumer ? r->data_efd : r->space_efd;

	/* Read seq before announcing ourselves: a wake that comes after this
	 * changes it, so FUTEX_WAIT then returns at once instead of sleeping.
	 * Acquire pairs with the waker's release increment. */
	uint32_t seen = atomic_load_explicit(seq, memory_order_acquire);
	/* Store waiting, then re-read what the peer writes to wake us (the
	 * next record word, or head), both seq_cst: pairs with the seq_cst
	 * store of it and load of our flag in ring_publish() /
	 * ring__publish_head(), so either the peer sees our flag and wakes us,
	 * or we see its write here.  ready() reloads the same location after
	 * this load, so it sees at least this value. */
	atomic_store_explicit(waiting, 1, memory_order_seq_cst);
	/* RING_FLAG_ASYM_WAKE (ring.h): a peer that saw our bit publishes (or
	 * releases room) without the fence; the barrier it would have made
	 * runs on its CPU now, between our flag and our look below.  It worked
	 * at attach; should it fail now, a wake the peer missed must not cost
	 * a whole slice: sleep one millisecond at most. */
	if (r->sleep_barrier) {
		r->syscalls++;
		if (ring__membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED) == 0)
			r->barriers++;
		else if (until > sys_now_ns() + 1000000)
			until = sys_now_ns() + 1000000;
	}
	if (consumer)
		(void)atomic_load_explicit(ring__word(r, r->head_local), memory_order_seq_cst);
	else
		(void)atomic_load_explicit(&h->head, memory_order_seq_cst);
	int rc = ready(r, arg);
	if (rc != 0 || ring__peer_state(r) != 0) {
		atomic_store_explicit(waiting, 0, memory_order_relaxed);
		return rc;
	}
	r->sleeps++;
	if (eventfd) {
		/* The peer's pidfd ends the sleep at once when it exits. */
		struct pollfd p[3] = {{.fd = efd, .events = POLLIN},
				      {.fd = ring__peer_pidfd(r), .events = POLLIN},
				      {.fd = r->creator ? r->listen_fd : -1, .events = POLLIN}};
		struct timespec ts = rel_ts(until - sys_now_ns());
		r->syscalls++;
		ppoll(p, 3, &ts, NULL);
		if (p[0].revents & POLLIN)
			drain(r, efd);
		if (p[1].revents & POLLIN)
			ring__peer_pidfd_fired(r);
	} else {
		struct timespec ts = rel_ts(until - sys_now_ns());
		r->syscalls++;
		futex(seq, FUTEX_WAIT, seen, &ts);
	}
	atomic_store_explicit(waiting, 0, memory_order_relaxed);
	return 0;
}

static int check_strategy(struct ring *r, enum ring_wait w, enum ring_role role)
{
	if (!r || r->role != role)
		return ring__fail(-EINVAL, "ring %s: this call is for the %s",
				  r ? r->name : "(null)",
				  role == RING_ROLE_PRODUCER ? "producer" : "consumer");
	if (w == RING_WAIT_SPIN)
		return 0;
	bool futex_ring = r->wait == RING_WAIT_FUTEX || r->wait == RING_WAIT_HYBRID;
	if (((w == RING_WAIT_FUTEX || w == RING_WAIT_HYBRID) && futex_ring) ||
	    (w == RING_WAIT_EVENTFD && r->wait == RING_WAIT_EVENTFD))
		return 0;
	return ring__fail(-EINVAL, "ring %s: cannot wait with %s on a ring created for %s", r->name,
			  ring_wait_name(w) ? ring_wait_name(w) : "an unknown strategy",
			  ring_wait_name(r->wait));
}

static int wait_until(struct ring *r, enum ring_wait w, int64_t timeout_ns, ready_fn ready,
		      void *arg)
{
	int64_t start = sys_now_ns();
	int64_t deadline = ring__deadline(timeout_ns);
	int64_t spin_until = w == RING_WAIT_SPIN     ? INT64_MAX
			     : w == RING_WAIT_HYBRID ? start + RING_HYBRID_SPIN_NS
						     : start;
	/* The first liveness check after a millisecond: a poll() on every wait
	 * would put a system call on the fast path of a ping-pong. */
	int64_t next_check = start + SPIN_CHECK_NS;
	for (;;) {
		int rc = ready(r, arg);
		if (rc != 0)
			return rc < 0 ? rc : 0;
		int64_t now = sys_now_ns();
		if (now >= next_check || now >= deadline) {
			int st = ring__peer_state(r);
			if (st != 0) {
				/* The peer may have published its last records just
				 * before it left: take them first. */
				if ((rc = ready(r, arg)) != 0)
					return rc < 0 ? rc : 0;
				return ring__fail(
				    st, "ring %s: the %s %s (tail %llu, head %llu)", r->name,
				    r->role == RING_ROLE_PRODUCER ? "consumer" : "producer",
				    st == -EPIPE ? "closed" : "died",
				    (unsigned long long)atomic_load(&r->hdr->tail),
				    (unsigned long long)atomic_load(&r->hdr->head));
			}
			if (r->creator)
				ring__serve_pending(r);
			if (now >= deadline)
				return ring__fail(
				    -ETIMEDOUT,
				    "ring %s: %s waited %lld ms with %s for %s "
				    "(tail %llu, head %llu)",
				    r->name,
				    r->role == RING_ROLE_PRODUCER ? "producer" : "consumer",
				    (long long)((now - start) / 1000000), ring_wait_name(w),
				    r->role == RING_ROLE_PRODUCER ? "space" : "data",
				    (unsigned long long)atomic_load(&r->hdr->tail),
				    (unsigned long long)atomic_load(&r->hdr->head));
			next_check = now + SPIN_CHECK_NS;
		}
		if (now < spin_until) {
			for (int i = 0; i < 256; i++) {
				sys_cpu_relax();
				if ((rc = ready(r, arg)) != 0)
					break;
			}
			continue;
		}
		int64_t until = deadline < now + SLEEP_SLICE_NS ? deadline : now + SLEEP_SLICE_NS;
		rc = sleep_once(r, w == RING_WAIT_EVENTFD, ready, arg, until);
		if (rc > 0)
			return 0;
		next_check = 0; /* after a sleep, look at the peer at once */
	}
}

int ring_reserve_wait(struct ring *r, size_t len, void **out, enum ring_wait wait,
		      int64_t timeout_ns)
{
	int rc = check_strategy(r, wait, RING_ROLE_PRODUCER);
	if (rc)
		return rc;
	if (len > r->max_message)
		return ring__fail(-EMSGSIZE,
				  "ring %s: message of %zu bytes exceeds the maximum %zu", r->name,
				  len, r->max_message);
	struct reserve_arg a = {.len = len};
	if (!space_ready(r, &a)) {
		/* The consumer cannot free room for records it cannot see. */
		ring_publish(r);
		rc = wait_until(r, wait, timeout_ns, space_ready, &a);
		if (rc)
			return rc;
	}
	*out = a.out;
	return 0;
}

int ring_send_wait(struct ring *r, const void *msg, size_t len, enum ring_wait wait,
		   int64_t timeout_ns)
{
	void *p = NULL;
	int rc = ring_reserve_wait(r, len, &p, wait, timeout_ns);
	if (rc)
		return rc;
	if (len)
		memcpy(p, msg, len);
	ring_commit(r, len);
	ring_publish(r);
	return 0;
}

int ring_peek_wait(struct ring *r, const void **out, size_t *len, enum ring_wait wait,
		   int64_t timeout_ns)
{
	int rc = check_strategy(r, wait, RING_ROLE_CONSUMER);
	if (rc)
		return rc;
	struct peek_arg a = {0};
	rc = data_ready(r, &a);
	if (rc == 0) {
		/* The producer may be asleep waiting for room we consumed. */
		ring__publish_head(r);
		rc = wait_until(r, wait, timeout_ns, data_ready, &a);
		if (rc)
			return rc;
	} else if (rc < 0) {
		return rc;
	}
	*out = a.out;
	*len = a.len;
	return 0;
}

int ring_recv_wait(struct ring *r, void *buf, size_t cap, size_t *len, enum ring_wait wait,
		   int64_t timeout_ns)
{
	const void *p = NULL;
	size_t n = 0;
	int rc = ring_peek_wait(r, &p, &n, wait, timeout_ns);
	if (rc)
		return rc;
	*len = n;
	if (n > cap)
		return ring__fail(-EMSGSIZE, "ring %s: message of %zu bytes, buffer of %zu",
				  r->name, n, cap);
	if (n)
		memcpy(buf, p, n);
	ring_release(r);
	return 0;
}
