/* testutil.h: small helpers shared by the ring's test programs. */
#ifndef TESTUTIL_H
#define TESTUTIL_H

#include "check.h"
#include "ring.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define TEST_MAX_NAMES 256
static char test_names[TEST_MAX_NAMES][RING_NAME_MAX + 1];
static int test_nnames;

/* A failed CHECK exits at once: remove whatever the test made on the way
 * out, so a failure leaves nothing in /dev/shm. */
static void test_cleanup(void)
{
	for (int i = 0; i < test_nnames; i++)
		ring_unlink(test_names[i]);
}

/* A name unique to this process and call, so parallel tests never meet. */
static inline const char *test_name(const char *tag)
{
	if (test_nnames == 0)
		atexit(test_cleanup);
	if (test_nnames == TEST_MAX_NAMES) {
		fprintf(stderr, "test_name: too many names\n");
		exit(1);
	}
	char *buf = test_names[test_nnames++];
	snprintf(buf, RING_NAME_MAX + 1, "/rt.%s.%d.%d", tag, (int)getpid(), test_nnames);
	return buf;
}

/* True if the object is still in /dev/shm. */
static inline int test_exists(const char *name)
{
	char path[128];
	struct stat st;
	snprintf(path, sizeof(path), "/dev/shm%s", name);
	return stat(path, &st) == 0;
}

/* Write line 0 of the creator's header (p->hdr) into the name's page, as a
 * creator that wrote those values would have published them: a test that
 * changes an identity field changes it in both places. */
static inline void test_republish(const struct ring *p)
{
	int fd = shm_open(p->name, O_RDWR | O_CLOEXEC, 0);
	CHECK(fd >= 0);
	CHECK_EQ(pwrite(fd, p->hdr, RING_CACHELINE, 0), RING_CACHELINE);
	close(fd);
}

/* The last error must name the object and mention the field. */
#define CHECK_MSG(name, field)                                                                     \
	do {                                                                                       \
		const char *m_ = ring_last_error();                                                \
		if (!strstr(m_, (name)) || !strstr(m_, (field))) {                                 \
			fprintf(stderr, "%s:%d: message '%s' does not name '%s' and '%s'\n",       \
				__FILE__, __LINE__, m_, (name), (field));                          \
			exit(1);                                                                   \
		}                                                                                  \
	} while (0)

#define MS 1000000LL

struct test_attach {
	const char *name;
	enum ring_role role;
	struct ring *r;
	int rc;
	char msg[320]; /* ring_last_error() is per thread */
};

static void *test_attach_thread(void *arg)
{
	struct test_attach *a = arg;
	a->rc = ring_attach(&a->r, a->name, a->role, 5000 * MS);
	snprintf(a->msg, sizeof(a->msg), "%s", ring_last_error());
	return NULL;
}

/* A producer that creates the ring and a consumer attached to it, in this
 * process, for any strategy: an eventfd consumer attaches in a thread while
 * the creator hands it the descriptors. */
static inline void test_pair(const char *name, enum ring_wait w, uint64_t capacity, struct ring **p,
			     struct ring **c)
{
	struct ring_config cfg = {.capacity = capacity, .wait = w};
	CHECK_EQ(ring_create(p, name, &cfg, RING_ROLE_PRODUCER), 0);
	struct test_attach a = {.name = name, .role = RING_ROLE_CONSUMER};
	pthread_t t;
	CHECK_EQ(pthread_create(&t, NULL, test_attach_thread, &a), 0);
	if (w == RING_WAIT_EVENTFD)
		CHECK_EQ(ring_serve(*p, 5000 * MS), 0);
	CHECK_EQ(pthread_join(t, NULL), 0);
	if (a.rc)
		fprintf(stderr, "test_pair: %s\n", a.msg);
	CHECK_EQ(a.rc, 0);
	*c = a.r;
}

/* As root: a child of uid 65534 connects to the eventfd socket of p (its
 * creator's handle); once connected it says so by returning here; it exits
 * 0 when the creator closes the connection having sent nothing.  Reap it
 * with test_foreign_done(). */
static inline pid_t test_foreign_connect(const struct ring *p)
{
	struct sockaddr_un addr;
	socklen_t alen = sizeof(addr);
	CHECK_EQ(getsockname(p->listen_fd, (struct sockaddr *)&addr, &alen), 0);
	int sync[2];
	CHECK_EQ(pipe(sync), 0);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		if (setuid(65534) != 0)
			_exit(2);
		int s = socket(AF_UNIX, SOCK_STREAM, 0);
		if (connect(s, (struct sockaddr *)&addr, alen) != 0)
			_exit(3);
		if (write(sync[1], "c", 1) != 1)
			_exit(4);
		char b[16];
		_exit(read(s, b, sizeof(b)) == 0 ? 0 : 5); /* closed, nothing sent */
	}
	char b;
	CHECK_EQ(read(sync[0], &b, 1), 1);
	close(sync[0]);
	close(sync[1]);
	return pid;
}

static inline void test_foreign_done(pid_t pid)
{
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

#endif
