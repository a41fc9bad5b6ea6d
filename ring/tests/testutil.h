/* testutil.h: small helpers shared by the ring's test programs. */
#ifndef TESTUTIL_H
#define TESTUTIL_H

#include "check.h"
#include "ring.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

#endif
