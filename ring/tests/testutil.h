/* testutil.h: small helpers shared by the ring's test programs. */
#ifndef TESTUTIL_H
#define TESTUTIL_H

#include "check.h"
#include "ring.h"

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

#endif
