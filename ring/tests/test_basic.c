/* test_basic.c: one process, two handles: empty and full, wraparound with
 * the wrap marker, zero-length and largest messages, batch publish, and the
 * blocking calls' timeouts and closed-peer result. */
#include "testutil.h"

#include <stdlib.h>

static void setup(struct ring **p, struct ring **c, const char *name, enum ring_wait w)
{
	struct ring_config cfg = {.capacity = RING_CAPACITY_MIN, .wait = w};
	CHECK_EQ(ring_create(p, name, &cfg, RING_ROLE_PRODUCER), 0);
	CHECK_EQ(ring_attach(c, name, RING_ROLE_CONSUMER, 100 * MS), 0);
}

static void teardown(struct ring *p, struct ring *c, const char *name)
{
	ring_close(p);
	ring_close(c);
	CHECK_EQ(ring_unlink(name), 0);
	CHECK(!test_exists(name));
}

static void empty_and_full(void)
{
	const char *name = test_name("full");
	struct ring *p, *c;
	setup(&p, &c, name, RING_WAIT_SPIN);
	size_t len;
	CHECK(ring_peek(c, &len) == NULL);
	CHECK_EQ(ring_recv(c, &len, sizeof(len)), -1);

	/* 4096 bytes hold (4096 - 8) / (8 + 56) records of 56 bytes, no more:
	 * the word after the last record must stay free for its zero. */
	unsigned char msg[56];
	int n = 0;
	while (ring_send(p, memset(msg, n, sizeof(msg)), sizeof(msg)))
		n++;
	CHECK_EQ(n, (RING_CAPACITY_MIN - 8) / ring_record_size(sizeof(msg)));
	CHECK_EQ(ring_reserve_wait(p, sizeof(msg), (void **)&(void *){0}, RING_WAIT_SPIN, 5 * MS),
		 -ETIMEDOUT);
	CHECK(strstr(ring_last_error(), "space"));

	/* Freeing one record makes room for exactly one more, once released
	 * (ring_release hands room back in batches; ring_release_now at once). */
	unsigned char out[64];
	size_t got;
	const unsigned char *q0 = ring_peek(c, &got);
	CHECK(q0 != NULL);
	CHECK_EQ(q0[0], 0);
	ring_release(c);
	CHECK(!ring_send(p, msg, sizeof(msg)));
	ring_release_now(c);
	CHECK(ring_send(p, msg, sizeof(msg)));
	CHECK(!ring_send(p, msg, sizeof(msg)));
	for (int i = 1; i <= n; i++) {
		CHECK_EQ(ring_recv(c, out, sizeof(out)), sizeof(msg));
		CHECK_EQ(out[0], (unsigned char)i);
	}
	CHECK(ring_peek(c, &len) == NULL);
	const void *q;
	CHECK_EQ(ring_peek_wait(c, &q, &len, RING_WAIT_SPIN, 5 * MS), -ETIMEDOUT);
	CHECK(strstr(ring_last_error(), "data"));
	teardown(p, c, name);
}

static void wraparound(void)
{
	const char *name = test_name("wrap");
	struct ring *p, *c;
	setup(&p, &c, name, RING_WAIT_SPIN);
	/* Sizes that do not divide the capacity force a wrap marker on every
	 * lap; check every byte across many laps. */
	unsigned char msg[1000], out[1000];
	uint64_t wraps = 0;
	for (int i = 0; i < 5000; i++) {
		size_t len = 1 + (size_t)(i * 37) % 700;
		uint64_t before = p->tail_local;
		for (size_t k = 0; k < len; k++)
			msg[k] = (unsigned char)(i + k);
		CHECK(ring_send(p, msg, len));
		if ((before & p->mask) + ring_record_size(len) > p->capacity)
			wraps++;
		size_t got;
		const unsigned char *q = ring_peek(c, &got);
		CHECK(q != NULL);
		CHECK_EQ(got, len);
		CHECK_EQ(((uintptr_t)q) % 8, 0);
		CHECK(memcmp(q, msg, len) == 0);
		ring_release(c);
		(void)out;
	}
	CHECK(wraps > 100);
	size_t none;
	CHECK(ring_peek(c, &none) == NULL); /* an empty peek publishes head */
	CHECK_EQ(p->hdr->tail, c->hdr->head);
	teardown(p, c, name);
}

static void sizes(void)
{
	const char *name = test_name("sizes");
	struct ring *p, *c;
	setup(&p, &c, name, RING_WAIT_SPIN);
	size_t max = ring_max_message(p);
	CHECK_EQ(max, RING_CAPACITY_MIN / 2 - 16);

	/* Zero-length messages are messages. */
	CHECK(ring_send(p, NULL, 0));
	size_t len = 99;
	CHECK(ring_peek(c, &len) != NULL);
	CHECK_EQ(len, 0);
	ring_release(c);

	/* The largest message fits wherever the ring stands. */
	unsigned char *big = malloc(max), *out = malloc(max);
	memset(big, 0, max);
	for (int lap = 0; lap < 7; lap++) {
		CHECK(ring_send(p, big, 1 + lap * 100)); /* move the start around */
		CHECK_EQ(ring_recv(c, out, max), 1 + lap * 100);
		ring_release_now(c); /* hand the room back at once, not in a batch */
		memset(big, lap, max);
		CHECK(ring_send(p, big, max));
		CHECK_EQ(ring_recv(c, out, max), (ssize_t)max);
		CHECK(memcmp(big, out, max) == 0);
		ring_release_now(c);
	}
	/* One byte more never fits. */
	CHECK(ring_reserve(p, max + 1) == NULL);
	CHECK_EQ(ring_send_wait(p, big, max + 1, RING_WAIT_SPIN, MS), -EMSGSIZE);
	CHECK_MSG(name, "maximum");

	/* A receive buffer too small leaves the message where it is. */
	CHECK(ring_send(p, big, 100));
	size_t got;
	CHECK_EQ(ring_recv(c, out, 10), -2);
	CHECK_EQ(ring_recv_wait(c, out, 10, &got, RING_WAIT_SPIN, MS), -EMSGSIZE);
	CHECK_EQ(got, 100);
	CHECK_EQ(ring_recv_wait(c, out, max, &got, RING_WAIT_SPIN, MS), 0);
	CHECK_EQ(got, 100);
	free(big);
	free(out);
	teardown(p, c, name);
}

static void batch_publish(void)
{
	const char *name = test_name("batch");
	struct ring *p, *c;
	setup(&p, &c, name, RING_WAIT_SPIN);
	/* Committed records are invisible until the one publish. */
	for (uint32_t i = 0; i < 10; i++) {
		uint32_t *q = ring_reserve(p, sizeof(i));
		CHECK(q != NULL);
		*q = i;
		ring_commit(p, sizeof(i));
	}
	size_t len;
	CHECK(ring_peek(c, &len) == NULL);
	CHECK_EQ(p->hdr->tail, 0);
	ring_publish(p);
	/* Consumed records are given back only at release. */
	for (uint32_t i = 0; i < 10; i++) {
		const uint32_t *q = ring_peek(c, &len);
		CHECK(q != NULL);
		CHECK_EQ(*q, i);
		/* Peeking again without consuming gives the same record. */
		CHECK(ring_peek(c, &len) == q);
		ring_consume(c);
	}
	CHECK_EQ(c->hdr->head, 0);
	ring_release(c);
	CHECK(ring_peek(c, &len) == NULL); /* an empty peek publishes head */
	CHECK_EQ(c->hdr->head, p->hdr->tail);
	/* A shrinking commit: reserve 100, use 3. */
	char *w = ring_reserve(p, 100);
	memcpy(w, "abc", 3);
	ring_commit(p, 3);
	ring_publish(p);
	char out[8];
	CHECK_EQ(ring_recv(c, out, sizeof(out)), 3);
	CHECK(memcmp(out, "abc", 3) == 0);
	teardown(p, c, name);
}

static void closed_peer(enum ring_wait w)
{
	const char *name = test_name("closed");
	struct ring *p, *c;
	setup(&p, &c, name, w);
	CHECK(ring_send(p, "last", 4));
	ring_close(p);
	/* What was sent before the close is still delivered ... */
	char out[8];
	size_t len;
	CHECK_EQ(ring_recv_wait(c, out, sizeof(out), &len, w, 100 * MS), 0);
	CHECK_EQ(len, 4);
	/* ... then the close is reported, not a timeout. */
	CHECK_EQ(ring_recv_wait(c, out, sizeof(out), &len, w, 5000 * MS), -EPIPE);
	CHECK_MSG(name, "closed");
	ring_close(c);
	CHECK_EQ(ring_unlink(name), 0);
}

static void strategy_mismatch(void)
{
	const char *name = test_name("mismatch");
	struct ring *p, *c;
	setup(&p, &c, name, RING_WAIT_SPIN);
	size_t len;
	const void *q;
	CHECK_EQ(ring_peek_wait(c, &q, &len, RING_WAIT_FUTEX, MS), -EINVAL);
	CHECK_MSG(name, "futex");
	CHECK_EQ(ring_peek_wait(c, &q, &len, RING_WAIT_EVENTFD, MS), -EINVAL);
	CHECK_EQ(ring_send_wait(c, "x", 1, RING_WAIT_SPIN, MS), -EINVAL); /* wrong role */
	CHECK_EQ(ring_peek_wait(p, &q, &len, RING_WAIT_SPIN, MS), -EINVAL);
	teardown(p, c, name);
}

int main(void)
{
	empty_and_full();
	wraparound();
	sizes();
	batch_publish();
	for (int w = 0; w < RING_WAIT_COUNT; w++)
		if (w != RING_WAIT_EVENTFD) /* eventfd needs its own handout: see test_threads */
			closed_peer((enum ring_wait)w);
	strategy_mismatch();
	printf("test_basic: ok\n");
	return 0;
}
