/* test_threads.c: producer and consumer as two threads of one process, for
 * every wait strategy, so ThreadSanitizer can check the ring's memory
 * ordering (it cannot see across processes). */
#include "payload.h"
#include "testutil.h"

#include <pthread.h>
#include <stdlib.h>

#define N    200000
#define SEED 77

struct shared {
	const char *name;
	enum ring_wait wait;
	int result;
};

static void *consumer(void *arg)
{
	struct shared *s = arg;
	struct ring *c;
	if (ring_attach(&c, s->name, RING_ROLE_CONSUMER, 5000 * MS)) {
		fprintf(stderr, "consumer attach: %s\n", ring_last_error());
		s->result = 1;
		return NULL;
	}
	for (uint64_t seq = 0; seq < N; seq++) {
		const void *p;
		size_t len, want = payload_size(SEED, seq, 16, 600);
		if (ring_peek_wait(c, &p, &len, s->wait, 5000 * MS)) {
			fprintf(stderr, "consumer: %s\n", ring_last_error());
			s->result = 1;
			break;
		}
		uint64_t got;
		if (payload_check(p, len, want, seq, 1, &got) != PAYLOAD_OK) {
			fprintf(stderr, "consumer: message %llu is wrong\n",
				(unsigned long long)seq);
			s->result = 1;
			break;
		}
		/* Release in batches of 8 to cover consume + release. */
		if (seq % 8 == 7)
			ring_release(c);
		else
			ring_consume(c);
	}
	ring_close(c);
	return NULL;
}

static void run(enum ring_wait w)
{
	struct shared s = {.name = test_name(ring_wait_name(w)), .wait = w};
	struct ring *p;
	struct ring_config cfg = {.capacity = 16384, .wait = w};
	CHECK_EQ(ring_create(&p, s.name, &cfg, RING_ROLE_PRODUCER), 0);
	pthread_t t;
	CHECK_EQ(pthread_create(&t, NULL, consumer, &s), 0);
	/* Serves the eventfds to the consumer thread when w is eventfd. */
	CHECK_EQ(ring_wait_peer(p, 5000 * MS), 0);
	for (uint64_t seq = 0; seq < N; seq++) {
		size_t len = payload_size(SEED, seq, 16, 600);
		void *m;
		int rc = ring_reserve_wait(p, len, &m, w, 5000 * MS);
		if (rc) {
			fprintf(stderr, "producer: %s\n", ring_last_error());
			break;
		}
		payload_fill(m, len, seq);
		ring_commit(p, len);
		if (seq % 4 == 3 || seq == N - 1)
			ring_publish(p);
	}
	CHECK_EQ(pthread_join(t, NULL), 0);
	CHECK_EQ(s.result, 0);
	ring_close(p);
	CHECK_EQ(ring_unlink(s.name), 0);
	printf("test_threads: %s ok\n", ring_wait_name(w));
}

int main(void)
{
	for (int w = 0; w < RING_WAIT_COUNT; w++)
		run((enum ring_wait)w);
	return 0;
}
