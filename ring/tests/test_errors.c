/* test_errors.c: every bad input gets its own -errno and a message naming the
 * object and the field, and no failed call leaves an object behind. */
#include "testutil.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>

static struct ring_config cfg = {.capacity = RING_CAPACITY_MIN, .wait = RING_WAIT_SPIN};

static void bad_names(void)
{
	struct ring *r;
	const char *bad[] = {
	    "", "/", "noslash", "/a/b",
	    "/0123456789012345678901234567890123456789012345678901234567890123456789"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_EQ(ring_create(&r, bad[i], &cfg, RING_ROLE_PRODUCER), -EINVAL);
		CHECK(r == NULL);
		CHECK(strstr(ring_last_error(), "name"));
		CHECK_EQ(ring_attach(&r, bad[i], RING_ROLE_CONSUMER, 0), -EINVAL);
	}
	CHECK_EQ(ring_create(&r, NULL, &cfg, RING_ROLE_PRODUCER), -EINVAL);
}

static void bad_capacity(void)
{
	struct ring *r;
	uint64_t bad[] = {
	    0,	       1, 3000, RING_CAPACITY_MIN / 2, RING_CAPACITY_MIN + 8, RING_CAPACITY_MAX * 2,
	    UINT64_MAX};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *name = test_name("cap");
		struct ring_config c = {.capacity = bad[i], .wait = RING_WAIT_SPIN};
		CHECK_EQ(ring_create(&r, name, &c, RING_ROLE_PRODUCER), -EINVAL);
		CHECK_MSG(name, "capacity");
		CHECK(!test_exists(name));
	}
	const char *name = test_name("wait");
	struct ring_config c = {.capacity = RING_CAPACITY_MIN, .wait = (enum ring_wait)42};
	CHECK_EQ(ring_create(&r, name, &c, RING_ROLE_PRODUCER), -EINVAL);
	CHECK_MSG(name, "wait");
}

static void missing(void)
{
	struct ring *r;
	const char *name = test_name("missing");
	CHECK_EQ(ring_attach(&r, name, RING_ROLE_CONSUMER, 20 * MS), -ENOENT);
	CHECK_MSG(name, "no such object");
}

/* Make an object by hand with `size` bytes from `fill`. */
static void forge(const char *name, const void *fill, size_t size)
{
	int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
	CHECK(fd >= 0);
	CHECK_EQ(ftruncate(fd, (off_t)size), 0);
	if (fill)
		CHECK_EQ(pwrite(fd, fill, size, 0), (ssize_t)size);
	close(fd);
}

static void expect_attach(const char *name, int err, const char *field)
{
	struct ring *r = (struct ring *)1;
	CHECK_EQ(ring_attach(&r, name, RING_ROLE_CONSUMER, 20 * MS), err);
	CHECK(r == NULL);
	CHECK_MSG(name, field);
	CHECK_EQ(ring_unlink(name), 0);
}

static void not_a_ring(void)
{
	unsigned char junk[RING_HEADER_SIZE + RING_CAPACITY_MIN];
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (unsigned char)(i * 131 + 7);
	const char *name = test_name("garbage");
	forge(name, junk, sizeof(junk));
	expect_attach(name, -EPROTO, "magic");

	name = test_name("zeros");
	forge(name, NULL, sizeof(junk));
	expect_attach(name, -EPROTO, "magic");

	name = test_name("short");
	forge(name, junk, 100);
	expect_attach(name, -EBADMSG, "size");

	name = test_name("empty");
	forge(name, NULL, 0);
	expect_attach(name, -EBADMSG, "size");
}

/* Create a real ring, let `mutate` damage its header, and expect attach to
 * refuse: where both the ring and its name's page say the damaged value (a
 * creator that wrote it), with err naming field; where only the ring's
 * header says it, as a header that is not what the name says (-EPROTO,
 * "differs"), or where the instance differs, -ESTALE. */
static void damaged(const char *tag, void (*mutate)(const char *, struct ring_header *), int err,
		    const char *field)
{
	const char *name = test_name(tag);
	struct ring *p;
	CHECK_EQ(ring_create(&p, name, &cfg, RING_ROLE_PRODUCER), 0);
	mutate(name, p->hdr);
	test_republish(p);
	expect_attach(name, err, field);
	ring_close(p);

	name = test_name(tag);
	CHECK_EQ(ring_create(&p, name, &cfg, RING_ROLE_PRODUCER), 0);
	mutate(name, p->hdr);
	expect_attach(name, -EPROTO, "differs");
	ring_close(p);
}

/* The ring's header all zeroes while its name says READY: the creator's
 * writes never reached the memfd (the seed's failure, in the creator). */
static void lost_writes(void)
{
	const char *name = test_name("lost");
	struct ring *p;
	CHECK_EQ(ring_create(&p, name, &cfg, RING_ROLE_PRODUCER), 0);
	memset(p->hdr, 0, RING_CACHELINE);
	expect_attach(name, -EPROTO, "reads zeros");
	ring_close(p);

	name = test_name("instance");
	CHECK_EQ(ring_create(&p, name, &cfg, RING_ROLE_PRODUCER), 0);
	p->hdr->instance ^= 1;
	expect_attach(name, -ESTALE, "two different objects");
	ring_close(p);
}

/* The ring cannot be shrunk, by anyone: its memfd is sealed. */
static void sealed(void)
{
	const char *name = test_name("sealed");
	struct ring *p;
	CHECK_EQ(ring_create(&p, name, &cfg, RING_ROLE_PRODUCER), 0);
	CHECK_EQ(ftruncate(p->shm_fd, RING_HEADER_SIZE), -1);
	CHECK_EQ(errno, EPERM);
	CHECK_EQ(ftruncate(p->shm_fd, RING_HEADER_SIZE + 2 * cfg.capacity), -1);
	CHECK_EQ(errno, EPERM);
	CHECK(fcntl(p->shm_fd, F_GET_SEALS) & F_SEAL_SEAL);
	ring_close(p);
	CHECK_EQ(ring_unlink(name), 0);
}

/* A name whose creator no longer holds the ring: -ESTALE, saying so. */
static void creator_gone(void)
{
	const char *name = test_name("gone");
	struct ring *p, *c = NULL;
	CHECK_EQ(ring_create(&p, name, &cfg, RING_ROLE_PRODUCER), 0);
	ring_close(p);
	CHECK_EQ(ring_attach(&c, name, RING_ROLE_CONSUMER, 20 * MS), -ESTALE);
	CHECK(c == NULL);
	CHECK_MSG(name, "no longer holds the ring");
	CHECK_EQ(ring_unlink(name), 0);
}

static void m_magic(const char *n, struct ring_header *h)
{
	(void)n;
	h->magic ^= 1;
}
static void m_version(const char *n, struct ring_header *h)
{
	(void)n;
	h->version = RING_VERSION + 1;
}
static void m_layout(const char *n, struct ring_header *h)
{
	(void)n;
	h->header_size = 2048;
}
static void m_capacity(const char *n, struct ring_header *h)
{
	(void)n;
	h->capacity = 12345;
}
static void m_bigger(const char *n, struct ring_header *h)
{
	(void)n;
	h->capacity *= 4;
}
static void m_owner(const char *n, struct ring_header *h)
{
	(void)n;
	h->owner_uid += 1;
}
static void m_unready(const char *n, struct ring_header *h)
{
	(void)n;
	atomic_store(&h->state, RING_STATE_INIT);
}

static void roles(void)
{
	const char *name = test_name("roles");
	struct ring *p, *c, *x;
	CHECK_EQ(ring_create(&p, name, &cfg, RING_ROLE_PRODUCER), 0);
	CHECK_EQ(ring_create(&x, name, &cfg, RING_ROLE_PRODUCER), -EEXIST);
	CHECK_MSG(name, "shm_open");
	CHECK_EQ(ring_attach(&x, name, RING_ROLE_PRODUCER, MS), -EBUSY);
	CHECK_MSG(name, "producer_pid");
	CHECK_EQ(ring_attach(&c, name, RING_ROLE_CONSUMER, MS), 0);
	CHECK_EQ(ring_attach(&x, name, RING_ROLE_CONSUMER, MS), -EBUSY);
	CHECK_MSG(name, "consumer_pid");
	CHECK_EQ(ring_attach(&x, name, RING_ROLE_NONE, MS), -EINVAL);
	CHECK_EQ(ring_wait_peer(p, MS), 0);
	ring_close(c);
	CHECK_EQ(ring_wait_peer(p, MS), -EPIPE);
	ring_close(p);
	CHECK_EQ(ring_unlink(name), 0);
	CHECK_EQ(ring_unlink(name), -ENOENT);
}

/* Memory the system says it could give (MemAvailable + SwapFree), or 0. */
static uint64_t available(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128];
	unsigned long long kb, total = 0;
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1 ||
		    sscanf(line, "SwapFree: %llu kB", &kb) == 1)
			total += kb;
	if (f)
		fclose(f);
	return total * 1024;
}

static void no_space(void)
{
	/* Ask for four times the memory available: create must refuse before
	 * it allocates (past it, the OOM killer would answer, not an error),
	 * and nothing may stay behind. */
	uint64_t avail = available();
	if (!avail) {
		printf("no_space: skipped, /proc/meminfo says nothing\n");
		return;
	}
	uint64_t cap = RING_CAPACITY_MIN;
	while (cap <= 4 * avail && cap < RING_CAPACITY_MAX)
		cap *= 2;
	if (cap <= 4 * avail) {
		printf("no_space: skipped, more than %llu bytes available\n",
		       (unsigned long long)RING_CAPACITY_MAX / 4);
		return;
	}
	const char *name = test_name("nospace");
	struct ring *r;
	struct ring_config c = {.capacity = cap, .wait = RING_WAIT_SPIN};
	int rc = ring_create(&r, name, &c, RING_ROLE_PRODUCER);
	CHECK_EQ(rc, -ENOSPC);
	CHECK_MSG(name, "available");
	CHECK(!test_exists(name));
}

int main(void)
{
	bad_names();
	bad_capacity();
	missing();
	not_a_ring();
	damaged("magic", m_magic, -EPROTO, "magic");
	damaged("version", m_version, -EPROTONOSUPPORT, "version");
	damaged("layout", m_layout, -EPROTONOSUPPORT, "header_size");
	damaged("capacity", m_capacity, -EBADMSG, "capacity");
	damaged("bigger", m_bigger, -EBADMSG, "capacity");
	damaged("owner", m_owner, -EPERM, "owner_uid");
	damaged("unready", m_unready, -ETIMEDOUT, "state");
	lost_writes();
	sealed();
	creator_gone();
	roles();
	no_space();
	printf("test_errors: ok\n");
	return 0;
}
