/* test_basic.c: one process, two handles: empty and full, wraparound with
 * the wrap marker, zero-length and largest messages, batch publish, the
 * blocking calls' timeouts and closed-peer result for every strategy, a
 * peer that died told from one that closed, ring_close publishing what was
 * committed, and no system call on the fast path. */
#include "testutil.h"

#include <sys/uio.h>

#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>

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
	unsigned char msg[1000];
	uint64_t wraps = 0;
	const unsigned char *prev = NULL;
	for (int i = 0; i < 5000; i++) {
		size_t len = 1 + (size_t)(i * 37) % 700;
		for (size_t k = 0; k < len; k++)
			msg[k] = (unsigned char)(i + k);
		CHECK(ring_send(p, msg, len));
		size_t got = 0;
		const unsigned char *q = ring_peek(c, &got);
		CHECK(q != NULL);
		CHECK_EQ(got, len);
		CHECK_EQ(((uintptr_t)q) % 8, 0);
		/* Inside the data area, whole. */
		CHECK(q >= c->data + 8 && q + len <= c->data + c->capacity);
		CHECK(memcmp(q, msg, len) == 0);
		/* A message that starts before the last one: the consumer
		 * followed a wrap mark back to the start. */
		if (prev && q < prev)
			wraps++;
		prev = q;
		ring_release(c);
	}
	/* 5000 messages of 8-708 bytes (about 360 on average) in 4 KiB: about
	 * one wrap every 11 messages. */
	CHECK(wraps > 300);
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
	/* A shrinking commit: reserve 100, write all of it, use 3 (every
	 * length and pattern is in test_commit). */
	char *w = ring_reserve(p, 100);
	memset(w, 0xab, 100);
	memcpy(w, "abc", 3);
	ring_commit(p, 3);
	ring_publish(p);
	char out[8];
	CHECK_EQ(ring_recv(c, out, sizeof(out)), 3);
	CHECK(memcmp(out, "abc", 3) == 0);
	CHECK(ring_peek(c, &len) == NULL);
	CHECK_EQ(c->error, 0);
	teardown(p, c, name);
}

static void closed_peer(enum ring_wait w)
{
	const char *name = test_name("closed");
	struct ring *p, *c;
	test_pair(name, w, RING_CAPACITY_MIN, &p, &c);
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

/* Every strategy's blocking calls give -ETIMEDOUT, for data and for space,
 * and say which. */
static void timeouts(enum ring_wait w)
{
	const char *name = test_name("timeout");
	struct ring *p, *c;
	test_pair(name, w, RING_CAPACITY_MIN, &p, &c);
	const void *q;
	size_t len;
	CHECK_EQ(ring_peek_wait(c, &q, &len, w, 30 * MS), -ETIMEDOUT);
	CHECK_MSG(name, "for data");
	CHECK(strstr(ring_last_error(), ring_wait_name(w)) != NULL);
	unsigned char msg[1000] = {0};
	while (ring_send(p, msg, sizeof(msg)))
		;
	CHECK_EQ(ring_send_wait(p, msg, sizeof(msg), w, 30 * MS), -ETIMEDOUT);
	CHECK_MSG(name, "for space");
	ring_close(p);
	ring_close(c);
	CHECK_EQ(ring_unlink(name), 0);
}

/* ring_close() publishes what was committed and not yet published. */
static void close_publishes(enum ring_wait w)
{
	const char *name = test_name("closepub");
	struct ring *p, *c;
	test_pair(name, w, RING_CAPACITY_MIN, &p, &c);
	for (uint32_t i = 0; i < 3; i++) {
		uint32_t *m = ring_reserve(p, sizeof(i));
		CHECK(m != NULL);
		*m = i;
		ring_commit(p, sizeof(i));
	}
	size_t len;
	CHECK(ring_peek(c, &len) == NULL); /* committed, not published */
	ring_close(p);
	for (uint32_t i = 0; i < 3; i++) {
		uint32_t got;
		CHECK_EQ(ring_recv_wait(c, &got, sizeof(got), &len, w, 1000 * MS), 0);
		CHECK_EQ(got, i);
	}
	CHECK_EQ(ring_recv_wait(c, &len, sizeof(len), &len, w, 1000 * MS), -EPIPE);
	ring_close(c);
	CHECK_EQ(ring_unlink(name), 0);
}

/* A peer that dies (no ring_close) gives -EOWNERDEAD and "died"; one that
 * closes gives -EPIPE and "closed": both from either side.  The peer is a
 * child process that attaches, moves one message and ends. */
static void peer_ends(enum ring_wait w, enum ring_role child_role, bool clean)
{
	const char *name = test_name("peerend");
	struct ring *me;
	struct ring_config cfg = {.capacity = RING_CAPACITY_MIN, .wait = w};
	enum ring_role my_role =
	    child_role == RING_ROLE_PRODUCER ? RING_ROLE_CONSUMER : RING_ROLE_PRODUCER;
	CHECK_EQ(ring_create(&me, name, &cfg, my_role), 0);
	/* The child says when it has moved its message, and ends when told:
	 * not before we saw it attach. */
	int end[2];
	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, end), 0);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		close(end[1]);
		struct ring *r;
		if (ring_attach(&r, name, child_role, 5000 * MS))
			_exit(2);
		if (child_role == RING_ROLE_PRODUCER) {
			if (!ring_send(r, "bye", 3))
				_exit(3);
		} else {
			char b[8];
			size_t len;
			if (ring_recv_wait(r, b, sizeof(b), &len, w, 5000 * MS))
				_exit(3);
		}
		char b;
		if (write(end[0], "m", 1) != 1 || read(end[0], &b, 1) != 1)
			_exit(4);
		if (clean)
			ring_close(r);
		_exit(0); /* without ring_close: as if killed */
	}
	close(end[0]);
	/* Serves the eventfds to the child, when w is eventfd. */
	CHECK_EQ(ring_wait_peer(me, 5000 * MS), 0);
	int want = clean ? -EPIPE : -EOWNERDEAD;
	if (my_role == RING_ROLE_CONSUMER) {
		char b[8];
		size_t len;
		CHECK_EQ(ring_recv_wait(me, b, sizeof(b), &len, w, 5000 * MS), 0);
		CHECK_EQ(len, 3);
		char b1;
		CHECK_EQ(read(end[1], &b1, 1), 1);
		CHECK_EQ(write(end[1], "x", 1), 1);
		int st;
		CHECK_EQ(waitpid(pid, &st, 0), pid);
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
		CHECK_EQ(ring_recv_wait(me, b, sizeof(b), &len, w, 10000 * MS), want);
	} else {
		CHECK(ring_send(me, "hi", 2));
		char b1;
		CHECK_EQ(read(end[1], &b1, 1), 1);
		CHECK_EQ(write(end[1], "x", 1), 1);
		int st;
		CHECK_EQ(waitpid(pid, &st, 0), pid);
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
		/* Fill the ring: the wait for space must see the peer gone. */
		unsigned char msg[1000] = {0};
		while (ring_send(me, msg, sizeof(msg)))
			;
		CHECK_EQ(ring_send_wait(me, msg, sizeof(msg), w, 10000 * MS), want);
	}
	CHECK_MSG(name, clean ? "closed" : "died");
	close(end[1]);
	ring_close(me);
	CHECK_EQ(ring_unlink(name), 0);
}

/* The fast paths make no system call, and a wake is one call however many
 * publishes follow: ring_syscalls() counts every call, so in one process
 * the counts are exact. */
static void fast_path_syscalls(enum ring_wait w)
{
	const char *name = test_name("syscalls");
	struct ring *p, *c;
	test_pair(name, w, 1 << 16, &p, &c);
	for (uint32_t i = 0; i < 10000; i++) {
		CHECK(ring_send(p, &i, sizeof(i)));
		uint32_t got;
		CHECK_EQ(ring_recv(c, &got, sizeof(got)), sizeof(got));
		CHECK_EQ(got, i);
	}
	/* Blocking calls that find what they want at once are fast paths too. */
	for (uint32_t i = 0; i < 1000; i++) {
		CHECK_EQ(ring_send_wait(p, &i, sizeof(i), w, 1000 * MS), 0);
		uint32_t got;
		size_t len;
		CHECK_EQ(ring_recv_wait(c, &got, sizeof(got), &len, w, 1000 * MS), 0);
	}
	CHECK_EQ(ring_syscalls(p), 0);
	CHECK_EQ(ring_syscalls(c), 0);
	if (w != RING_WAIT_SPIN) {
		/* A consumer that said it sleeps gets one wake, not one per
		 * message: a futex wake, a no-op submitted to the io_uring that
		 * posts to the eventfd, or (with no io_uring) a look at the
		 * eventfd's counter and the write to it. */
		atomic_store(&p->hdr->consumer_waiting, 1);
		for (uint32_t i = 0; i < 100; i++)
			CHECK(ring_send(p, &i, sizeof(i)));
		CHECK_EQ(ring_syscalls(p), w == RING_WAIT_EVENTFD && !p->wake_uring ? 2 : 1);
		if (w == RING_WAIT_EVENTFD) {
			/* And it arrived: the consumer's counter holds one wake. */
			uint64_t n = 0;
			struct iovec iov = {.iov_base = &n, .iov_len = sizeof(n)};
			CHECK_EQ(preadv2(c->data_efd, &iov, 1, -1, RWF_NOWAIT), (ssize_t)sizeof(n));
			CHECK_EQ(n, 1);
		}
		CHECK_EQ(atomic_load(&p->hdr->consumer_waiting), 0);
	}
	ring_close(p);
	ring_close(c);
	CHECK_EQ(ring_unlink(name), 0);
}

int main(void)
{
	empty_and_full();
	wraparound();
	sizes();
	batch_publish();
	for (int i = 0; i < RING_WAIT_COUNT; i++) {
		enum ring_wait w = (enum ring_wait)i;
		closed_peer(w);
		timeouts(w);
		close_publishes(w);
		fast_path_syscalls(w);
		for (int clean = 0; clean < 2; clean++) {
			peer_ends(w, RING_ROLE_PRODUCER, clean);
			peer_ends(w, RING_ROLE_CONSUMER, clean);
		}
	}
	strategy_mismatch();
	printf("test_basic: ok\n");
	return 0;
}
