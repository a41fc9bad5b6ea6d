/* test_asym_order.c: the order of a sleeper's steps on a RING_FLAG_ASYM_WAKE
 * ring, checked where it can go wrong, with no timing.  A fence-free peer
 * stores what wakes the sleeper (the record word, or head), then loads the
 * waiter flag with a plain load that the CPU may take before the store is
 * visible: it may miss the flag and wake no one.  The sleeper is safe only
 * if it stores its flag, then calls the membarrier, then looks once more.
 *
 * This program defines syscall(), so libring's membarrier calls come here
 * first.  While armed, the sleeper's barrier call makes the peer's store
 * at that moment, without a wake: the branch where the peer's flag load
 * missed.  A sleeper that looks after its barrier sees the store and never
 * sleeps; one that looked before it (or made no barrier) sleeps, and its
 * sleep count says so.  Both directions: a consumer waiting for data, a
 * producer waiting for room.  Both wait with RING_WAIT_FUTEX, which sleeps
 * at once on a hybrid ring.  Skipped (77) where the kernel has no global
 * expedited membarrier. */
#include "testutil.h"

#include <dlfcn.h>
#include <linux/membarrier.h>
#include <stdarg.h>
#include <sys/syscall.h>

static struct ring *P, *C;
static enum { IDLE, PUBLISH, RELEASE } armed;
static int fired;
static uint32_t flag_at_barrier;

/* The producer's fence-free publish of its pending record, its load of the
 * consumer's flag having missed: the word and tail, no wake. */
static void publish_unseen(void)
{
	atomic_store_explicit(ring__word(P, P->pending), P->pending_word, memory_order_release);
	P->pending_word = 0;
	atomic_store_explicit(&P->hdr->tail, P->tail_local, memory_order_release);
}

/* The consumer's fence-free release, its load of the producer's flag having
 * missed: head, no wake. */
static void release_unseen(void)
{
	ring__zero_consumed(C);
	C->head_shown = C->head_local;
	atomic_store_explicit(&C->hdr->head, C->head_local, memory_order_release);
}

long syscall(long n, ...)
{
	va_list ap;
	va_start(ap, n);
	long a[6];
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	if (n == __NR_membarrier && a[0] == MEMBARRIER_CMD_GLOBAL_EXPEDITED && armed != IDLE) {
		fired++;
		if (armed == PUBLISH) {
			flag_at_barrier = atomic_load(&C->hdr->consumer_waiting);
			publish_unseen();
		} else {
			flag_at_barrier = atomic_load(&P->hdr->producer_waiting);
			release_unseen();
		}
		armed = IDLE;
	}
	long (*real)(long, ...) = (long (*)(long, ...))dlsym(RTLD_NEXT, "syscall");
	return real(n, a[0], a[1], a[2], a[3], a[4], a[5]);
}

int main(void)
{
	const char *name = test_name("asym_order");
	test_pair(name, RING_WAIT_HYBRID, 4096, &P, &C);
	if (!(P->hdr->flags & RING_FLAG_ASYM_WAKE) || !P->sleep_barrier || !C->sleep_barrier) {
		printf("test_asym_order: skipped, no global expedited membarrier\n");
		ring_close(C);
		ring_close(P);
		return CHECK_SKIP;
	}
	CHECK(ring__fence_free(P));
	CHECK(ring__fence_free(C));

	/* The consumer waits for data on an empty ring; the producer's record
	 * has been committed and lands inside the consumer's barrier. */
	unsigned char msg[64] = {1, 2, 3};
	void *buf = ring_reserve(P, sizeof(msg));
	CHECK(buf != NULL);
	memcpy(buf, msg, sizeof(msg));
	ring_commit(P, sizeof(msg));
	armed = PUBLISH;
	const void *got;
	size_t len;
	CHECK_EQ(ring_peek_wait(C, &got, &len, RING_WAIT_FUTEX, 5000 * MS), 0);
	CHECK_EQ(fired, 1);
	CHECK_EQ(flag_at_barrier, 1u); /* the flag was stored before the barrier */
	CHECK_EQ(C->sleeps, 0u);       /* and the record seen after it */
	CHECK_EQ(len, sizeof(msg));
	CHECK(memcmp(got, msg, sizeof(msg)) == 0);
	ring_consume(C);
	ring_release_now(C);

	/* The producer waits for room in a full ring; the consumer has
	 * consumed everything locally, and hands the room back inside the
	 * producer's barrier. */
	uint64_t sent = 0;
	while (ring_send(P, msg, sizeof(msg)))
		sent++;
	CHECK(sent > 1);
	for (uint64_t i = 0; i < sent; i++) {
		CHECK(ring_peek(C, &len) != NULL); /* never finds it empty: no release */
		ring_consume(C);
	}
	CHECK(C->head_shown != C->head_local);
	fired = 0;
	armed = RELEASE;
	CHECK_EQ(ring_reserve_wait(P, sizeof(msg), &buf, RING_WAIT_FUTEX, 5000 * MS), 0);
	CHECK_EQ(fired, 1);
	CHECK_EQ(flag_at_barrier, 1u);
	CHECK_EQ(P->sleeps, 0u);

	ring_close(C);
	ring_close(P);
	printf("test_asym_order: ok (both sleepers looked after their barrier)\n");
	return 0;
}
