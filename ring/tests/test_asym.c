/* test_asym.c: who pays the StoreLoad fence (RING_FLAG_ASYM_WAKE).  A
 * hybrid ring, where the kernel has the global expedited membarrier, is
 * created with the flag; each side goes fence-free only once it is
 * registered for that barrier and has seen the peer's bit (a peer without
 * it, as one built before the flag or before the producer's bit, keeps its
 * peer fenced), and each side calls the barrier before every sleep.  Every
 * other strategy keeps the fence on both sides; an unknown flag, or the
 * flag on a ring that is not hybrid, is refused.  Then a consumer that
 * sleeps for messages (the producer pauses past the hybrid's 50 us spin),
 * and a producer that sleeps for room (the consumer pauses, the ring full),
 * get all of them through, each checked, with a membarrier before each
 * sleep.  (A lost wake here costs a 50 ms slice, not a failure: what is
 * checked is that the protocol is the one whose argument ring.h gives.) */
#include "payload.h"
#include "testutil.h"

#include <linux/membarrier.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>

#define MS 1000000LL
#define N  300

static bool consumer_pauses;

static void *consumer(void *arg)
{
	struct ring *c = arg;
	for (uint64_t seq = 0; seq < N; seq++) {
		const void *p;
		size_t len;
		uint64_t got;
		if (consumer_pauses) {
			struct timespec gap = {0, 200 * 1000}; /* past the 50 us spin */
			nanosleep(&gap, NULL);
		}
		if (ring_peek_wait(c, &p, &len, RING_WAIT_HYBRID, 5000 * MS) ||
		    payload_check(p, len, 64, seq, 1, &got) != PAYLOAD_OK) {
			fprintf(stderr, "consumer: message %llu: %s\n", (unsigned long long)seq,
				ring_last_error());
			return (void *)1;
		}
		ring_release(c);
	}
	return NULL;
}

int main(void)
{
	int mb = (int)syscall(__NR_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
	bool have = mb > 0 && (mb & MEMBARRIER_CMD_GLOBAL_EXPEDITED) &&
		    (mb & MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED);

	enum ring_wait waits[] = {RING_WAIT_SPIN, RING_WAIT_FUTEX, RING_WAIT_EVENTFD};
	for (size_t i = 0; i < sizeof(waits) / sizeof(waits[0]); i++) {
		const char *name = test_name("fenced");
		struct ring_config cfg = {.capacity = 65536, .wait = waits[i]};
		struct ring *p;
		CHECK_EQ(ring_create(&p, name, &cfg, RING_ROLE_PRODUCER), 0);
		CHECK_EQ(p->hdr->flags, 0u);
		CHECK(!p->barrier_registered);
		ring_close(p);
		ring_unlink(name);
	}

	const char *name = test_name("asym");
	struct ring_config cfg = {.capacity = 65536, .wait = RING_WAIT_HYBRID};
	struct ring *p, *c;
	CHECK_EQ(ring_create(&p, name, &cfg, RING_ROLE_PRODUCER), 0);
	CHECK_EQ(ring_attach(&c, name, RING_ROLE_CONSUMER, 1000 * MS), 0);
	CHECK_EQ(p->hdr->flags, have ? RING_FLAG_ASYM_WAKE : 0u);
	CHECK_EQ(p->barrier_registered, have);
	CHECK_EQ(c->barrier_registered, have);
	CHECK_EQ(p->sleep_barrier, have);
	CHECK_EQ(c->sleep_barrier, have);
	CHECK_EQ(ring__fence_free(p), have);
	CHECK_EQ(ring__fence_free(c), have);
	CHECK_EQ(p->hdr->consumer_caps, have ? RING_CAP_SLEEP_BARRIER : 0u);
	CHECK_EQ(p->hdr->producer_caps, have ? RING_CAP_SLEEP_BARRIER : 0u);

	pthread_t t;
	CHECK_EQ(pthread_create(&t, NULL, consumer, c), 0);
	for (uint64_t seq = 0; seq < N; seq++) {
		struct timespec gap = {0, 200 * 1000}; /* past the 50 us spin */
		nanosleep(&gap, NULL);
		void *buf;
		CHECK_EQ(ring_reserve_wait(p, 64, &buf, RING_WAIT_HYBRID, 5000 * MS), 0);
		payload_fill(buf, 64, seq);
		ring_commit(p, 64);
		ring_publish(p);
	}
	void *rc;
	CHECK_EQ(pthread_join(t, &rc), 0);
	CHECK(rc == NULL);
	/* It slept, and called the barrier before each sleep (once more at
	 * attach, and before looks that found data instead). */
	CHECK(c->sleeps > 0);
	if (have)
		CHECK(c->barriers >= c->sleeps + 1);
	else
		CHECK_EQ(c->barriers, 0u);
	ring_close(c);
	ring_close(p);

	/* The other way: a ring of 4 KiB fills at once, and the consumer
	 * pauses past the spin before each message, so the producer sleeps
	 * for room, with a barrier before each sleep; the consumer releases
	 * room fence-free. */
	name = test_name("asym_room");
	test_pair(name, RING_WAIT_HYBRID, 4096, &p, &c);
	CHECK_EQ(ring__fence_free(c), have);
	consumer_pauses = true;
	CHECK_EQ(pthread_create(&t, NULL, consumer, c), 0);
	for (uint64_t seq = 0; seq < N; seq++) {
		void *buf;
		CHECK_EQ(ring_reserve_wait(p, 64, &buf, RING_WAIT_HYBRID, 5000 * MS), 0);
		payload_fill(buf, 64, seq);
		ring_commit(p, 64);
		ring_publish(p);
	}
	CHECK_EQ(pthread_join(t, &rc), 0);
	CHECK(rc == NULL);
	consumer_pauses = false;
	CHECK(p->sleeps > 0);
	if (have)
		CHECK(p->barriers >= p->sleeps + 1);
	else
		CHECK_EQ(p->barriers, 0u);
	ring_close(c);
	ring_close(p);

	/* A consumer that never set its bit (one built before the flag): the
	 * producer stays fenced until it sees the bit. */
	name = test_name("old");
	CHECK_EQ(ring_create(&p, name, &cfg, RING_ROLE_PRODUCER), 0);
	CHECK(!ring__fence_free(p));
	if (have) {
		atomic_store(&p->hdr->consumer_caps, RING_CAP_SLEEP_BARRIER);
		CHECK(ring__fence_free(p));
	}
	ring_close(p);

	/* A producer that never set its bit (one built when only the consumer
	 * had one): the consumer stays fenced until it sees the bit. */
	name = test_name("old_producer");
	CHECK_EQ(ring_create(&c, name, &cfg, RING_ROLE_CONSUMER), 0);
	CHECK(!ring__fence_free(c));
	if (have) {
		atomic_store(&c->hdr->producer_caps, RING_CAP_SLEEP_BARRIER);
		CHECK(ring__fence_free(c));
	}
	ring_close(c);

	/* The flag on a futex ring: refused, not half-followed. */
	name = test_name("notasym");
	struct ring_config fcfg = {.capacity = 65536, .wait = RING_WAIT_FUTEX};
	CHECK_EQ(ring_create(&p, name, &fcfg, RING_ROLE_PRODUCER), 0);
	p->hdr->flags = RING_FLAG_ASYM_WAKE;
	test_republish(p);
	CHECK_EQ(ring_attach(&c, name, RING_ROLE_CONSUMER, 1000 * MS), -EBADMSG);
	CHECK(strstr(ring_last_error(), "hybrid only") != NULL);
	ring_close(p);

	/* A flag this build does not know: refused by name. */
	name = test_name("flags");
	cfg.wait = RING_WAIT_FUTEX;
	CHECK_EQ(ring_create(&p, name, &cfg, RING_ROLE_PRODUCER), 0);
	p->hdr->flags = 0x80;
	test_republish(p);
	CHECK_EQ(ring_attach(&c, name, RING_ROLE_CONSUMER, 1000 * MS), -EPROTONOSUPPORT);
	CHECK(strstr(ring_last_error(), "field flags is 0x80") != NULL);
	ring_close(p);
	printf("test_asym: ok (membarrier %s)\n", have ? "used" : "not offered: fenced");
	return 0;
}
