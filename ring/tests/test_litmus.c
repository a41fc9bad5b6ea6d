/* test_litmus.c: the store/load pair RING_FLAG_ASYM_WAKE rests on, run as a
 * litmus test between two pinned processes.  Each round, the producer
 * stores X (release) and loads Y (relaxed, behind a compiler-only fence),
 * as ring_publish() does with the record word and the waiter flag; the
 * consumer stores Y, calls membarrier(GLOBAL_EXPEDITED) and loads X, as
 * sleep_once() does.  The outcome where neither saw the other's store of
 * that round is a lost wake, and must never happen.  The same rounds with
 * the consumer's barrier left out are the control: x86 lets a load pass an
 * earlier store, so there the outcome does happen, which shows the test can
 * see what it looks for.  Both sides start each round at the same TSC
 * count, so that their stores and loads overlap.  The consumer's release
 * of room (head, then producer_waiting) against a producer about to sleep
 * for room is the same pair with the roles swapped, so this covers both.
 * Skipped (77) with fewer than two CPUs or without the barrier. */
#include "check.h"

#include <linux/membarrier.h>
#include <sched.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#if !defined(__x86_64__) && !defined(__i386__)
int main(void)
{
	printf("test_litmus: skipped, starts its rounds on the x86 TSC\n");
	return CHECK_SKIP;
}
#else

#define ROUNDS 20000

struct shared {
	alignas(64) _Atomic(uint64_t) x;
	alignas(64) _Atomic(uint64_t) y;
	alignas(64) _Atomic(uint64_t) go;      /* round the producer may start */
	_Atomic(uint64_t) start;	       /* ... at this TSC count */
	alignas(64) _Atomic(uint64_t) done[2]; /* last round each side finished */
	alignas(64) uint64_t both_missed;      /* rounds where neither saw the other */
	_Atomic(uint64_t) seen_by_producer[1]; /* r1 of the current round */
};

static int membarrier(int cmd)
{
	return (int)syscall(__NR_membarrier, cmd, 0, 0);
}

static void pin(int cpu)
{
	cpu_set_t s;
	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	if (sched_setaffinity(0, sizeof(s), &s)) {
		perror("sched_setaffinity");
		exit(2);
	}
}

static void spin_until(_Atomic(uint64_t) *w, uint64_t v)
{
	while (atomic_load_explicit(w, memory_order_acquire) < v)
		;
}

/* One run of ROUNDS; returns the rounds where both missed. */
static uint64_t run(struct shared *s, bool barrier)
{
	atomic_store(&s->x, 0);
	atomic_store(&s->y, 0);
	atomic_store(&s->go, 0);
	atomic_store(&s->done[0], 0);
	atomic_store(&s->done[1], 0);
	s->both_missed = 0;
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		exit(2);
	}
	if (pid == 0) { /* the producer, as ring_publish() */
		pin(1);
		if (membarrier(MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED))
			_exit(2);
		for (uint64_t i = 1; i <= ROUNDS; i++) {
			spin_until(&s->go, i);
			uint64_t t = atomic_load_explicit(&s->start, memory_order_relaxed);
			while (__rdtsc() < t)
				;
			atomic_store_explicit(&s->x, i, memory_order_release);
			atomic_signal_fence(memory_order_seq_cst);
			uint64_t r1 = atomic_load_explicit(&s->y, memory_order_relaxed);
			atomic_store_explicit(&s->seen_by_producer[0], r1, memory_order_relaxed);
			atomic_store_explicit(&s->done[1], i, memory_order_release);
		}
		_exit(0);
	}
	pin(0); /* the consumer, as sleep_once() */
	for (uint64_t i = 1; i <= ROUNDS; i++) {
		/* A few microseconds ahead: time for the producer to see go. */
		uint64_t t = __rdtsc() + 20000;
		atomic_store_explicit(&s->start, t, memory_order_relaxed);
		atomic_store_explicit(&s->go, i, memory_order_release);
		while (__rdtsc() < t)
			;
		atomic_store_explicit(&s->y, i, memory_order_relaxed);
		if (barrier)
			membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED);
		else
			atomic_signal_fence(memory_order_seq_cst);
		uint64_t r2 = barrier ? atomic_load_explicit(&s->x, memory_order_seq_cst)
				      : atomic_load_explicit(&s->x, memory_order_relaxed);
		spin_until(&s->done[1], i);
		uint64_t r1 = atomic_load_explicit(&s->seen_by_producer[0], memory_order_relaxed);
		if (r1 < i && r2 < i)
			s->both_missed++;
	}
	int st;
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "test_litmus: the producer failed\n");
		exit(2);
	}
	return s->both_missed;
}

int main(void)
{
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		printf("test_litmus: skipped, needs two CPUs\n");
		return CHECK_SKIP;
	}
	int mb = membarrier(MEMBARRIER_CMD_QUERY);
	if (mb < 0 || !(mb & MEMBARRIER_CMD_GLOBAL_EXPEDITED) ||
	    !(mb & MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED)) {
		printf("test_litmus: skipped, no global expedited membarrier\n");
		return CHECK_SKIP;
	}
	struct shared *s =
	    mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(s != MAP_FAILED);
	uint64_t control = run(s, false);
	uint64_t with = run(s, true);
	printf("test_litmus: %d rounds each: both missed %llu times without the barrier, %llu "
	       "with it\n",
	       ROUNDS, (unsigned long long)control, (unsigned long long)with);
	CHECK_EQ(with, 0u);
	if (control == 0) {
		/* Without a single reordering the check above shows nothing. */
		printf("test_litmus: skipped, no reordering seen here even without the barrier\n");
		return CHECK_SKIP;
	}
	return 0;
}
#endif
