/* test_cxx.cc: ring.h in a C++ translation unit.  The layout C++ gives the
 * shared header and the handle is the one libring was built with in C, and
 * the inline fast paths, compiled as C++, move messages intact: in one
 * thread through every producer and consumer call, then between two
 * threads where the consumer sleeps in libring's C and the C++ publish must
 * wake it, for each strategy one process can use alone (an eventfd ring
 * needs its creator serving). */
#include "check.h"
#include "layout.h"
#include "ring.h"

#include <cstdio>
#include <cstring>
#include <thread>
#include <unistd.h>

static const long long MS = 1000000;
static const unsigned STREAM = 200000; /* messages between the two threads */

static void same_layout()
{
	static const size_t cxx[] = {RING_LAYOUT_VALUES};
#define RING_LAYOUT_FIELD_NAME(type, field) #type "." #field " offset", #type "." #field " size",
#define RING_LAYOUT_TYPE_NAME(type)	    "sizeof " #type, "alignof " #type,
	static const char *const names[] = {RING_LAYOUT_FIELDS(RING_LAYOUT_FIELD_NAME)
						RING_LAYOUT_TYPES(RING_LAYOUT_TYPE_NAME)};
	CHECK_EQ(ring_layout_c_count, sizeof(cxx) / sizeof(cxx[0]));
	CHECK_EQ(sizeof(names) / sizeof(names[0]), sizeof(cxx) / sizeof(cxx[0]));
	for (size_t i = 0; i < ring_layout_c_count; i++) {
		if (cxx[i] != ring_layout_c[i]) {
			fprintf(stderr, "test_cxx: %s is %zu in C, %zu in C++\n", names[i],
				ring_layout_c[i], cxx[i]);
			exit(1);
		}
	}
}

/* The bytes and the length of message seq: a length that does not divide
 * the ring, so records wrap, and bytes that differ from one to the next. */
static size_t message_len(unsigned seq)
{
	return (seq * 37u) % 300u;
}

static void fill(unsigned char *p, size_t len, unsigned seq)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (unsigned char)(seq * 31u + i);
}

static void check_message(const unsigned char *p, size_t len, unsigned seq)
{
	CHECK_EQ(len, message_len(seq));
	for (size_t i = 0; i < len; i++)
		CHECK_EQ(p[i], (unsigned char)(seq * 31u + i));
}

static void make(struct ring **p, struct ring **c, char *name, const char *tag, enum ring_wait w)
{
	snprintf(name, RING_NAME_MAX + 1, "/ringcxx-%d-%s-%s", (int)getpid(), tag,
		 ring_wait_name(w));
	struct ring_config cfg = {RING_CAPACITY_MIN, w};
	CHECK_EQ(ring_create(p, name, &cfg, RING_ROLE_PRODUCER), 0);
	CHECK_EQ(ring_attach(c, name, RING_ROLE_CONSUMER, 1000 * MS), 0);
}

static void unmake(struct ring *p, struct ring *c, const char *name)
{
	ring_close(p);
	ring_close(c);
	CHECK_EQ(ring_unlink(name), 0);
}

/* One thread: send with ring_send, with a reservation committed shorter
 * than it was, and as a batch of two under one publish; take with
 * ring_recv and with peek, consume and release.  Many laps of the ring. */
static void one_thread(enum ring_wait w)
{
	char name[RING_NAME_MAX + 1];
	struct ring *p, *c;
	make(&p, &c, name, "one", w);
	unsigned char buf[512];
	unsigned sent = 0, got = 0;
	for (int round = 0; round < 3000; round++) {
		switch (round % 3) {
		case 0:
			fill(buf, message_len(sent), sent);
			CHECK(ring_send(p, buf, message_len(sent)));
			sent++;
			break;
		case 1: {
			unsigned char *q = (unsigned char *)ring_reserve(p, message_len(sent) + 40);
			CHECK(q != NULL);
			fill(q, message_len(sent), sent);
			CHECK(ring_commit(p, message_len(sent)));
			CHECK(!ring_commit(p, 0)); /* committed already */
			ring_publish(p);
			sent++;
			break;
		}
		default:
			for (int i = 0; i < 2; i++) {
				unsigned char *q =
				    (unsigned char *)ring_reserve(p, message_len(sent));
				CHECK(q != NULL);
				fill(q, message_len(sent), sent);
				CHECK(ring_commit(p, message_len(sent)));
				sent++;
			}
			size_t len;
			CHECK(ring_peek(c, &len) == NULL); /* not yet published */
			ring_publish(p);
			break;
		}
		while (got < sent) {
			if (got % 2) {
				ssize_t n = ring_recv(c, buf, sizeof(buf));
				CHECK(n >= 0);
				check_message(buf, (size_t)n, got);
			} else {
				size_t len;
				const unsigned char *q = (const unsigned char *)ring_peek(c, &len);
				CHECK(q != NULL);
				check_message(q, len, got);
				ring_consume(c);
				if (got % 4)
					ring_release(c);
				else
					ring_release_now(c);
			}
			got++;
		}
		size_t len;
		CHECK(ring_peek(c, &len) == NULL);
	}
	CHECK(p->hdr->tail.load() > 4 * RING_CAPACITY_MIN); /* many laps */
	/* Nobody sleeps, so nobody is woken: the fast paths made no call. */
	CHECK_EQ(ring_syscalls(p), 0);
	CHECK_EQ(ring_syscalls(c), 0);

	/* Refusals go through libring's C and name the call. */
	ring_publish(c);
	CHECK(strstr(ring_last_error(), "ring_publish") != NULL);
	CHECK(ring_reserve(c, 1) == NULL);
	size_t len;
	CHECK(ring_peek(p, &len) == NULL);
	CHECK(ring_reserve(p, ring_max_message(p) + 1) == NULL);
	unmake(p, c, name);
}

/* Two threads, the consumer sleeping in ring_peek_wait when the ring is
 * empty (libring's C) and the producer publishing from this C++ unit: its
 * store of the record word and load of the waiter flag must pair with the
 * sleeper's, or the stream stalls until the timeout fails it. */
static void two_threads(enum ring_wait w)
{
	char name[RING_NAME_MAX + 1];
	struct ring *p, *c;
	make(&p, &c, name, "two", w);
	std::thread producer([p, w] {
		unsigned char buf[512];
		for (unsigned seq = 0; seq < STREAM; seq++) {
			fill(buf, message_len(seq), seq);
			if (!ring_send(p, buf, message_len(seq)))
				CHECK_EQ(ring_send_wait(p, buf, message_len(seq), w, 10000 * MS),
					 0);
		}
	});
	for (unsigned seq = 0; seq < STREAM; seq++) {
		size_t len;
		const void *q = ring_peek(c, &len);
		if (!q)
			CHECK_EQ(ring_peek_wait(c, &q, &len, w, 10000 * MS), 0);
		check_message((const unsigned char *)q, len, seq);
		ring_release(c);
	}
	producer.join();
	unmake(p, c, name);
}

int main()
{
	same_layout();
	const enum ring_wait waits[] = {RING_WAIT_SPIN, RING_WAIT_FUTEX, RING_WAIT_HYBRID};
	for (enum ring_wait w : waits) {
		one_thread(w);
		two_threads(w);
	}
	printf("test_cxx: layout as in C; spin, futex, hybrid: messages intact\n");
	return 0;
}
