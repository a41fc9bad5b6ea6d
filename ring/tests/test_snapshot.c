/* test_snapshot.c: ring_attach decides everything from one read of the
 * header.  A peer that rewrites the header while another process attaches
 * (here: between attach's validation and its last use of the fields, at the
 * moment it connects for the eventfds) must not leave that process with a
 * capacity, a mask or a strategy other than those it validated and mapped.
 * The header is changed from inside connect(), which this program
 * interposes on: libring is linked statically, so its call lands here. */
#include "testutil.h"

#include <dlfcn.h>
#include <sys/socket.h>

static struct ring_header *victim; /* the header to rewrite, when armed */
static int rewrites;

int connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	static int (*real)(int, const struct sockaddr *, socklen_t);
	if (!real)
		real =
		    (int (*)(int, const struct sockaddr *, socklen_t))dlsym(RTLD_NEXT, "connect");
	if (victim) {
		/* Four times the capacity the file holds, and another
		 * strategy: a mask from this would reach past the mapping. */
		victim->capacity *= 4;
		victim->wait = RING_WAIT_SPIN;
		rewrites++;
		victim = NULL;
	}
	return real(fd, sa, len);
}

int main(void)
{
	const char *name = test_name("snap");
	struct ring *p;
	struct ring_config cfg = {.capacity = RING_CAPACITY_MIN, .wait = RING_WAIT_EVENTFD};
	CHECK_EQ(ring_create(&p, name, &cfg, RING_ROLE_PRODUCER), 0);
	victim = p->hdr;
	struct test_attach a = {.name = name, .role = RING_ROLE_CONSUMER};
	pthread_t t;
	CHECK_EQ(pthread_create(&t, NULL, test_attach_thread, &a), 0);
	CHECK_EQ(ring_serve(p, 5000 * MS), 0);
	CHECK_EQ(pthread_join(t, NULL), 0);
	CHECK_EQ(rewrites, 1);
	if (a.rc)
		fprintf(stderr, "attach: %s\n", a.msg);
	CHECK_EQ(a.rc, 0);
	struct ring *c = a.r;
	/* What was validated and mapped, not what the header says now. */
	CHECK_EQ(c->capacity, RING_CAPACITY_MIN);
	CHECK_EQ(c->mask, RING_CAPACITY_MIN - 1);
	CHECK_EQ(c->map_len, RING_HEADER_SIZE + RING_CAPACITY_MIN);
	CHECK_EQ(c->max_message, RING_CAPACITY_MIN / 2 - 16);
	CHECK_EQ(c->wait, RING_WAIT_EVENTFD);
	CHECK(c->notify);
	/* And it still carries messages. */
	CHECK(ring_send(p, "hello", 5));
	char buf[8];
	size_t len;
	CHECK_EQ(ring_recv_wait(c, buf, sizeof(buf), &len, RING_WAIT_EVENTFD, 1000 * MS), 0);
	CHECK_EQ(len, 5);
	ring_close(c);
	ring_close(p);
	CHECK_EQ(ring_unlink(name), 0);
	printf("test_snapshot: ok\n");
	return 0;
}
