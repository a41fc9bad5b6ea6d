/* test_hostile.c: what a peer, or a careless caller, must not be able to do
 * to the other side of a ring.  One subcommand per promise:
 *   test_hostile NAME    run one (exit 0 pass, 1 fail, 77 skip)
 *   test_hostile         run them all, each in its own process
 * A call that must come back is bounded by a generous limit (a 200 ms wait
 * must return within 5 s): past it the test reports a hang and fails.  No
 * test asserts how long anything took. */
#include "testutil.h"

#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>

#define HANG_LIMIT_S 5
#define EFD_FULL     0xfffffffffffffffeULL /* the largest value an eventfd counter holds */

/* ---- bounding a call that must return ---- */

static char hang_what[200];

static void on_alarm(int sig)
{
	(void)sig;
	static const char pre[] = "FAIL: ";
	static const char post[] = ": still blocked after the test's limit (a hang)\n";
	(void)!write(2, pre, sizeof(pre) - 1);
	(void)!write(2, hang_what, strnlen(hang_what, sizeof(hang_what)));
	(void)!write(2, post, sizeof(post) - 1);
	for (int i = 0; i < test_nnames; i++)
		shm_unlink(test_names[i]);
	_exit(1);
}

/* From here until unbound(), `what` must return within HANG_LIMIT_S. */
static void bound(const char *what)
{
	snprintf(hang_what, sizeof(hang_what), "%s", what);
	struct sigaction sa = {.sa_handler = on_alarm};
	sigaction(SIGALRM, &sa, NULL);
	alarm(HANG_LIMIT_S);
}

static void unbound(void)
{
	alarm(0);
}

static void nap_ms(int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};
	nanosleep(&ts, NULL);
}

/* A child that dies with the test, however the test ends. */
static pid_t fork_child(void)
{
	pid_t parent = getpid();
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(9);
		alarm(0);
	}
	return pid;
}

/* Wait up to 2 s for a shared word to read 1 (a peer says it sleeps). */
static bool await_one(_Atomic(uint32_t) *w)
{
	for (int i = 0; i < 2000; i++) {
		if (atomic_load(w) == 1)
			return true;
		nap_ms(1);
	}
	return false;
}

static void clear_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
		_exit(8);
}

static bool nonblocking(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	CHECK(fl >= 0);
	return (fl & O_NONBLOCK) != 0;
}

static void say(const char *test, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(const char *test, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("%s: ", test);
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
	va_end(ap);
}

static void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* ---- a peer clears O_NONBLOCK on the shared eventfds ---- */

/* A peer that clears O_NONBLOCK on the eventfds (one fcntl: the flag lives
 * in the open file description both processes share) and then dies while
 * the consumer sleeps: ring_peek_wait(200 ms) still returns. */
static void t_eventfd_nonblock_peek(void)
{
	const char *T = "eventfd-nonblock-peek";
	const char *name = test_name("nbpeek");
	struct ring *c;
	struct ring_config cfg = {.capacity = RING_CAPACITY_MIN, .wait = RING_WAIT_EVENTFD};
	CHECK_EQ(ring_create(&c, name, &cfg, RING_ROLE_CONSUMER), 0);
	int sync[2];
	CHECK_EQ(pipe(sync), 0);
	pid_t pid = fork_child();
	if (pid == 0) {
		struct ring *p;
		if (ring_attach(&p, name, RING_ROLE_PRODUCER, 5000 * MS))
			_exit(2);
		clear_nonblock(p->data_efd);
		clear_nonblock(p->space_efd);
		if (write(sync[1], "x", 1) != 1)
			_exit(3);
		/* Die once the consumer is asleep, without ring_close. */
		await_one(&p->hdr->consumer_waiting);
		nap_ms(20);
		_exit(0);
	}
	CHECK_EQ(ring_wait_peer(c, 5000 * MS), 0); /* hands over the eventfds */
	char b;
	CHECK_EQ(read(sync[0], &b, 1), 1);
	CHECK(!nonblocking(c->data_efd)); /* the peer's fcntl changed ours */
	const void *q;
	size_t len;
	bound("the consumer's ring_peek_wait(200 ms) after the producer cleared O_NONBLOCK and "
	      "died");
	int rc = ring_peek_wait(c, &q, &len, RING_WAIT_EVENTFD, 200 * MS);
	unbound();
	say(T, "ring_peek_wait(200 ms) returned %d (%s)", rc, ring_last_error());
	CHECK(rc == -EOWNERDEAD || rc == -ETIMEDOUT);
	reap(pid);
	ring_close(c);
	CHECK_EQ(ring_unlink(name), 0);
}

/* The same against the producer waiting for space on a full ring. */
static void t_eventfd_nonblock_send(void)
{
	const char *T = "eventfd-nonblock-send";
	const char *name = test_name("nbsend");
	struct ring *p;
	struct ring_config cfg = {.capacity = RING_CAPACITY_MIN, .wait = RING_WAIT_EVENTFD};
	CHECK_EQ(ring_create(&p, name, &cfg, RING_ROLE_PRODUCER), 0);
	int sync[2];
	CHECK_EQ(pipe(sync), 0);
	pid_t pid = fork_child();
	if (pid == 0) {
		struct ring *c;
		if (ring_attach(&c, name, RING_ROLE_CONSUMER, 5000 * MS))
			_exit(2);
		clear_nonblock(c->data_efd);
		clear_nonblock(c->space_efd);
		if (write(sync[1], "x", 1) != 1)
			_exit(3);
		await_one(&c->hdr->producer_waiting);
		nap_ms(20);
		_exit(0);
	}
	CHECK_EQ(ring_wait_peer(p, 5000 * MS), 0);
	char b;
	CHECK_EQ(read(sync[0], &b, 1), 1);
	CHECK(!nonblocking(p->space_efd));
	unsigned char msg[200] = {0};
	int n = 0;
	while (ring_send(p, msg, sizeof(msg)))
		n++;
	CHECK(n > 0);
	bound("the producer's ring_send_wait(200 ms) on a full ring after the consumer cleared "
	      "O_NONBLOCK and died");
	int rc = ring_send_wait(p, msg, sizeof(msg), RING_WAIT_EVENTFD, 200 * MS);
	unbound();
	say(T, "ring_send_wait(200 ms) returned %d (%s)", rc, ring_last_error());
	CHECK(rc == -EOWNERDEAD || rc == -ETIMEDOUT);
	reap(pid);
	ring_close(p);
	CHECK_EQ(ring_unlink(name), 0);
}

/* A consumer that fills the wake counter to its maximum, clears O_NONBLOCK
 * and says it sleeps: the producer's ring_send(), which wakes it, still
 * returns, and so does the next one. */
static void t_eventfd_full_counter(void)
{
	const char *T = "eventfd-full-counter";
	const char *name = test_name("fullctr");
	struct ring *p;
	struct ring_config cfg = {.capacity = RING_CAPACITY_MIN, .wait = RING_WAIT_EVENTFD};
	CHECK_EQ(ring_create(&p, name, &cfg, RING_ROLE_PRODUCER), 0);
	int sync[2], hold[2];
	CHECK_EQ(pipe(sync), 0);
	CHECK_EQ(pipe(hold), 0);
	pid_t pid = fork_child();
	if (pid == 0) {
		struct ring *c;
		if (ring_attach(&c, name, RING_ROLE_CONSUMER, 5000 * MS))
			_exit(2);
		uint64_t v = EFD_FULL;
		if (write(c->data_efd, &v, sizeof(v)) != sizeof(v))
			_exit(3);
		clear_nonblock(c->data_efd);
		atomic_store(&c->hdr->consumer_waiting, 1);
		if (write(sync[1], "x", 1) != 1)
			_exit(4);
		char b;
		(void)!read(hold[0], &b, 1); /* alive until the test is done */
		_exit(0);
	}
	close(hold[0]);
	CHECK_EQ(ring_wait_peer(p, 5000 * MS), 0);
	char b;
	CHECK_EQ(read(sync[0], &b, 1), 1);
	CHECK(!nonblocking(p->data_efd));
	bound("the producer's ring_send() waking a consumer whose wake counter is full");
	bool first = ring_send(p, "one", 3);
	atomic_store(&p->hdr->consumer_waiting, 1);
	bool second = ring_send(p, "two", 3);
	unbound();
	say(T, "both ring_send() calls returned (%d, %d)", first, second);
	CHECK(first && second);
	close(hold[1]);
	reap(pid);
	ring_close(p);
	CHECK_EQ(ring_unlink(name), 0);
}

/* ---- liveness: the process that attached, not a pid ---- */

/* The producer dies, then its slot is overwritten with the pid of a live,
 * unrelated process (the test's own, then init's): the consumer's wait
 * reports the death, not a timeout. */
static void t_dead_peer_pid(void)
{
	const char *T = "dead-peer-pid";
	pid_t forged[] = {getpid(), 1};
	for (size_t k = 0; k < sizeof(forged) / sizeof(forged[0]); k++) {
		const char *name = test_name("deadpid");
		struct ring *c;
		struct ring_config cfg = {.capacity = RING_CAPACITY_MIN, .wait = RING_WAIT_FUTEX};
		CHECK_EQ(ring_create(&c, name, &cfg, RING_ROLE_CONSUMER), 0);
		pid_t pid = fork_child();
		if (pid == 0) {
			struct ring *p;
			if (ring_attach(&p, name, RING_ROLE_PRODUCER, 5000 * MS))
				_exit(2);
			_exit(ring_send(p, "hi", 2) ? 0 : 3); /* dies without ring_close */
		}
		int st;
		CHECK_EQ(waitpid(pid, &st, 0), pid);
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
		char buf[8];
		CHECK_EQ(ring_recv(c, buf, sizeof(buf)), 2);
		atomic_store(&c->hdr->producer_pid, (int32_t)forged[k]);
		const void *q;
		size_t len;
		bound("the consumer's ring_peek_wait(500 ms) after the producer died");
		int rc = ring_peek_wait(c, &q, &len, RING_WAIT_FUTEX, 500 * MS);
		unbound();
		say(T, "producer died, slot forged to live pid %d: ring_peek_wait returned %d (%s)",
		    (int)forged[k], rc, ring_last_error());
		CHECK_EQ(rc, -EOWNERDEAD);
		ring_close(c);
		CHECK_EQ(ring_unlink(name), 0);
	}
}

#define FORGED_N 2000

/* RING_PID_CLOSED forged into the slot of a producer that lives and goes on
 * sending: the consumer takes every message, and sees -EPIPE only when the
 * producer really closes. */
static void t_forged_closed(void)
{
	const char *T = "forged-closed";
	const char *name = test_name("forgedclosed");
	struct ring *c;
	struct ring_config cfg = {.capacity = RING_CAPACITY_MIN, .wait = RING_WAIT_FUTEX};
	CHECK_EQ(ring_create(&c, name, &cfg, RING_ROLE_CONSUMER), 0);
	int ready[2], go[2];
	CHECK_EQ(pipe(ready), 0);
	CHECK_EQ(pipe(go), 0);
	pid_t pid = fork_child();
	if (pid == 0) {
		struct ring *p;
		char b;
		if (ring_attach(&p, name, RING_ROLE_PRODUCER, 5000 * MS))
			_exit(2);
		if (write(ready[1], "x", 1) != 1 || read(go[0], &b, 1) != 1)
			_exit(3);
		/* Begin once the consumer waits with nothing to read. */
		await_one(&p->hdr->consumer_waiting);
		for (uint64_t i = 0; i < FORGED_N; i++) {
			if (ring_send_wait(p, &i, sizeof(i), RING_WAIT_FUTEX, 5000 * MS))
				_exit(4);
			if (i % 200 == 199)
				nap_ms(1); /* let the consumer sleep again */
		}
		ring_close(p);
		_exit(0);
	}
	char b;
	CHECK_EQ(read(ready[0], &b, 1), 1);
	atomic_store(&c->hdr->producer_pid, RING_PID_CLOSED);
	CHECK_EQ(write(go[1], "g", 1), 1);
	bound("the consumer's ring_recv_wait");
	for (uint64_t i = 0; i < FORGED_N; i++) {
		uint64_t v;
		size_t len;
		int rc = ring_recv_wait(c, &v, sizeof(v), &len, RING_WAIT_FUTEX, 5000 * MS);
		if (rc) {
			fprintf(stderr,
				"FAIL: message %" PRIu64 " of %d: ring_recv_wait returned %d (%s) "
				"while the producer lives\n",
				i, FORGED_N, rc, ring_last_error());
			exit(1);
		}
		CHECK_EQ(v, i);
	}
	uint64_t v;
	size_t len;
	int rc = ring_recv_wait(c, &v, sizeof(v), &len, RING_WAIT_FUTEX, 5000 * MS);
	unbound();
	say(T, "all %d messages received; then %d (%s)", FORGED_N, rc, ring_last_error());
	CHECK_EQ(rc, -EPIPE);
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ring_close(c);
	CHECK_EQ(ring_unlink(name), 0);
}

/* The producer of t_fork_close, in a thread: sends 20 messages after the
 * consumer has waited a while with nothing to read (and so looked at the
 * producer's liveness), then closes. */
static void *fork_close_sender(void *arg)
{
	struct ring *p = arg;
	nap_ms(100);
	for (uint64_t i = 0; i < 20; i++)
		if (ring_send_wait(p, &i, sizeof(i), RING_WAIT_FUTEX, 1000 * MS))
			return (void *)1;
	ring_close(p);
	return NULL;
}

/* A child forked without exec closes its copy of the producer's handle: the
 * producer lives on (its role's lock with it), so a consumer that waits
 * meanwhile is not told it closed, gets every message it sends later, and
 * only then a clean close. */
static void t_fork_close(void)
{
	const char *T = "fork-close";
	const char *name = test_name("forkclose");
	struct ring *p, *c, *x = NULL;
	struct ring_config cfg = {.capacity = RING_CAPACITY_MIN, .wait = RING_WAIT_FUTEX};
	CHECK_EQ(ring_create(&c, name, &cfg, RING_ROLE_CONSUMER), 0);
	CHECK_EQ(ring_attach(&p, name, RING_ROLE_PRODUCER, 100 * MS), 0);
	pid_t pid = fork_child();
	if (pid == 0) {
		ring_close(p);
		_exit(0);
	}
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	int rc = ring_attach(&x, name, RING_ROLE_PRODUCER, 100 * MS);
	say(T, "after a forked child closed its copy: a second producer's attach returned %d (%s)",
	    rc, rc ? ring_last_error() : "attached");
	CHECK_EQ(rc, -EBUSY);
	CHECK(strstr(ring_last_error(), "held by a live process"));
	pthread_t t;
	CHECK_EQ(pthread_create(&t, NULL, fork_close_sender, p), 0);
	bound("the consumer's ring_recv_wait");
	for (uint64_t i = 0; i < 20; i++) {
		uint64_t v;
		size_t len;
		rc = ring_recv_wait(c, &v, sizeof(v), &len, RING_WAIT_FUTEX, 2000 * MS);
		if (rc) {
			fprintf(stderr,
				"FAIL: message %" PRIu64 " of 20: ring_recv_wait returned %d (%s) "
				"while the producer lives\n",
				i, rc, ring_last_error());
			exit(1);
		}
		CHECK_EQ(v, i);
	}
	uint64_t v;
	size_t len;
	rc = ring_recv_wait(c, &v, sizeof(v), &len, RING_WAIT_FUTEX, 2000 * MS);
	unbound();
	void *ret;
	CHECK_EQ(pthread_join(t, &ret), 0);
	CHECK(ret == NULL);
	say(T, "20 messages received; after the producer's own close: %d (%s)", rc,
	    ring_last_error());
	CHECK_EQ(rc, -EPIPE);
	ring_close(c);
	CHECK_EQ(ring_unlink(name), 0);
}

/* A peer that holds a write lease on the name's page (possible while no
 * other process has it open: the creator closed it once published) would
 * make an attach's open wait out lease-break-time (45 s by default):
 * ring_attach(100 ms) still returns in time. */
static void t_attach_lease(void)
{
	const char *T = "attach-lease";
	const char *name = test_name("lease");
	struct ring *owner, *c = NULL;
	struct ring_config cfg = {.capacity = RING_CAPACITY_MIN, .wait = RING_WAIT_SPIN};
	CHECK_EQ(ring_create(&owner, name, &cfg, RING_ROLE_NONE), 0);
	signal(SIGIO, SIG_IGN); /* the lease holder is told of the break: us */
	int fd = shm_open(name, O_RDWR | O_CLOEXEC, 0);
	CHECK(fd >= 0);
	if (fcntl(fd, F_SETLEASE, F_WRLCK) < 0) {
		say(T, "skipped: F_SETLEASE: %s", strerror(errno));
		close(fd);
		ring_close(owner);
		shm_unlink(name);
		exit(77);
	}
	bound("ring_attach(100 ms) against a lease");
	int rc = ring_attach(&c, name, RING_ROLE_CONSUMER, 100 * MS);
	unbound();
	say(T, "ring_attach(100 ms) with a write lease held on the name: %d (%s)", rc,
	    rc ? ring_last_error() : "attached");
	CHECK_EQ(rc, -ETIMEDOUT);
	close(fd);
	ring_close(owner);
	CHECK_EQ(ring_unlink(name), 0);
}

#define ATTACH_RACES 300

/* A peer attaching while the other side looks at it is not seen dead: the
 * attacher takes its role's lock, then fills its slot, and a look that
 * reads the two the other way round sees a filled slot and a free lock.
 * 300 attaches, each watched by ring_wait_peer(0) in a loop from the first
 * moment. */
static void t_attach_race(void)
{
	const char *T = "attach-race";
	int dead = 0;
	const char *name = test_name("attachrace");
	for (int i = 0; i < ATTACH_RACES; i++) {
		struct ring *p;
		struct ring_config cfg = {.capacity = RING_CAPACITY_MIN, .wait = RING_WAIT_SPIN};
		CHECK_EQ(ring_create(&p, name, &cfg, RING_ROLE_PRODUCER), 0);
		int seen[2];
		CHECK_EQ(pipe(seen), 0);
		pid_t pid = fork_child();
		if (pid == 0) {
			struct ring *c;
			close(seen[1]);
			if (ring_attach(&c, name, RING_ROLE_CONSUMER, 2000 * MS))
				_exit(2);
			/* Attached until the look below has ended, however late
			 * the scheduler lets it run: a close seen first would be
			 * -EPIPE, a true answer, not the race this test is for. */
			char b;
			(void)!read(seen[0], &b, 1);
			ring_close(c);
			_exit(0);
		}
		close(seen[0]);
		/* Look as often as possible: one check per call, no nap. */
		bound("ring_wait_peer");
		int rc;
		while ((rc = ring_wait_peer(p, 0)) == -ETIMEDOUT)
			;
		unbound();
		if (rc == -EOWNERDEAD) {
			if (!dead++)
				fprintf(stderr, "%s: attach %d: %s\n", T, i, ring_last_error());
		} else {
			CHECK_EQ(rc, 0);
		}
		close(seen[1]);
		int st;
		CHECK_EQ(waitpid(pid, &st, 0), pid);
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
		ring_close(p);
		CHECK_EQ(ring_unlink(name), 0);
	}
	say(T, "%d attaches watched from the first moment: %d seen dead while attaching",
	    ATTACH_RACES, dead);
	CHECK_EQ(dead, 0);
}

/* A producer that lives while its slot is overwritten with RING_PID_NONE: a
 * second producer is still refused. */
static void t_held_role_busy(void)
{
	const char *T = "held-role-busy";
	const char *name = test_name("held");
	struct ring *owner, *p, *x = NULL;
	struct ring_config cfg = {.capacity = RING_CAPACITY_MIN, .wait = RING_WAIT_SPIN};
	CHECK_EQ(ring_create(&owner, name, &cfg, RING_ROLE_NONE), 0);
	CHECK_EQ(ring_attach(&p, name, RING_ROLE_PRODUCER, 100 * MS), 0);
	atomic_store(&p->hdr->producer_pid, RING_PID_NONE);
	int rc = ring_attach(&x, name, RING_ROLE_PRODUCER, 100 * MS);
	say(T, "second producer while the first lives: ring_attach returned %d (%s)", rc,
	    rc ? ring_last_error() : "attached");
	CHECK_EQ(rc, -EBUSY);
	CHECK_MSG(name, "producer");
	ring_close(p);
	ring_close(owner);
	CHECK_EQ(ring_unlink(name), 0);
}

/* ---- a peer changes the object's size, or never allocated it ---- */

#define ATTACHES 200

/* A child flips the size of the name's page (to 0 and back, sometimes
 * allocated, sometimes sparse, the page rewritten each time) and tries the
 * same on the ring's memfd, while 200 children attach in turn and, once
 * attached, touch the ring: an attach may fail, but none may die of a
 * signal. */
static void t_attach_never_faults(void)
{
	const char *T = "attach-never-faults";
	const char *name = test_name("flip");
	struct ring *owner;
	struct ring_config cfg = {.capacity = RING_CAPACITY_MIN, .wait = RING_WAIT_SPIN};
	CHECK_EQ(ring_create(&owner, name, &cfg, RING_ROLE_NONE), 0);
	const off_t full = RING_HEADER_SIZE + RING_CAPACITY_MIN;
	static unsigned char saved[RING_HEADER_SIZE];
	memcpy(saved, owner->hdr, sizeof(saved));
	/* Set by the flipper if the ring's memfd ever changed size. */
	_Atomic(int) *shrunk =
	    mmap(NULL, sizeof(*shrunk), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(shrunk != MAP_FAILED);
	pid_t flipper = fork_child();
	if (flipper == 0) {
		int fd = shm_open(name, O_RDWR, 0);
		char ring_path[64];
		snprintf(ring_path, sizeof(ring_path), "/proc/%d/fd/%d", (int)getppid(),
			 owner->shm_fd);
		int rfd = open(ring_path, O_RDWR);
		if (fd < 0 || rfd < 0)
			_exit(2);
		for (unsigned i = 0;; i++) {
			if (ftruncate(rfd, i & 1 ? 0 : RING_HEADER_SIZE) == 0)
				atomic_store(shrunk, 1);
			(void)!ftruncate(fd, 0);
			if (i & 1)
				(void)!ftruncate(fd, full);
			else
				(void)!posix_fallocate(fd, 0, full);
			(void)!pwrite(fd, saved, sizeof(saved), 0);
			/* Now and then a whole page for a while: attaches get
			 * through, and touch the ring. */
			if (i % 4 == 0)
				nap_ms(1);
		}
	}
	int attached = 0, refused = 0, died = 0, last_sig = 0;
	for (int i = 0; i < ATTACHES; i++) {
		pid_t pid = fork_child();
		if (pid == 0) {
			struct ring *r;
			int rc = ring_attach(
			    &r, name, i & 1 ? RING_ROLE_PRODUCER : RING_ROLE_CONSUMER, 20 * MS);
			if (rc == 0) {
				/* Touch the header and the data: the memfd is
				 * sealed, so no page of it can have gone. */
				volatile unsigned char *d = (volatile unsigned char *)r->hdr;
				for (size_t k = 0; k < r->map_len; k += 4096)
					(void)d[k];
				ring_close(r);
			}
			if (rc && getenv("RING_TEST_VERBOSE"))
				fprintf(stderr, "attach %d: %s\n", i, ring_last_error());
			_exit(rc == 0 ? 0 : 1);
		}
		int st;
		CHECK_EQ(waitpid(pid, &st, 0), pid);
		if (WIFSIGNALED(st)) {
			died++;
			last_sig = WTERMSIG(st);
		} else if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
			attached++;
		} else {
			refused++;
		}
		/* The child has gone, its lock with it: free its role for the
		 * next one, so that every attach can get through. */
		atomic_store(&owner->hdr->producer_pid, RING_PID_NONE);
		atomic_store(&owner->hdr->consumer_pid, RING_PID_NONE);
	}
	reap(flipper);
	say(T,
	    "%d attaches while the size flipped: %d attached, %d refused, %d died of a signal (%s)",
	    ATTACHES, attached, refused, died, died ? strsignal(last_sig) : "none");
	CHECK_EQ(died, 0);
	CHECK_EQ(atomic_load(shrunk), 0); /* the seal refused every shrink */
	munmap(shrunk, sizeof(*shrunk));
	ring_close(owner);
	CHECK_EQ(ring_unlink(name), 0);
}

/* A valid READY header (instance 1, spin) of a ring of cap bytes that, the
 * page will say, lives at descriptor fd of this process. */
static void forged_header(struct ring_header *h, int fd, uint64_t cap)
{
	memset(h, 0, sizeof(*h));
	h->magic = RING_MAGIC;
	h->version = RING_VERSION;
	h->header_size = sizeof(*h);
	h->capacity = cap;
	h->instance = 1;
	h->wait = RING_WAIT_SPIN;
	h->owner_uid = (uint32_t)geteuid();
	h->creator_pid = (int32_t)getpid();
	h->creator_fd = fd;
	/* Its real inode: what refuses it must be what it is. */
	struct stat st;
	CHECK_EQ(fstat(fd, &st), 0);
	h->ring_ino = (uint64_t)st.st_ino;
	atomic_store(&h->state, RING_STATE_READY);
}

/* A name's page under name: a copy of h. */
static void forge_page(const char *name, const struct ring_header *h)
{
	int nfd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	CHECK(nfd >= 0);
	CHECK_EQ(pwrite(nfd, h, sizeof(*h), 0), (ssize_t)sizeof(*h));
	close(nfd);
}

/* A ring made by hand in this process: a valid header written into fd,
 * which is then sealed with `seals`, and a name's page pointing to it. */
static void forge_ring(const char *name, int fd, uint64_t cap, int seals)
{
	static struct ring_header h;
	forged_header(&h, fd, cap);
	CHECK_EQ(pwrite(fd, &h, sizeof(h), 0), (ssize_t)sizeof(h));
	if (seals)
		CHECK_EQ(fcntl(fd, F_ADD_SEALS, seals), 0);
	forge_page(name, &h);
}

/* A sealed memfd whose valid header claims 1 GiB that was never allocated:
 * attach refuses it before mapping, and nothing gets populated. */
static void t_sparse_object(void)
{
	const char *T = "sparse-object";
	const char *name = test_name("sparse");
	const uint64_t cap = 1ULL << 30;
	int fd = memfd_create("sparse", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	CHECK(fd >= 0);
	CHECK_EQ(ftruncate(fd, (off_t)(RING_HEADER_SIZE + cap)), 0);
	forge_ring(name, fd, cap, F_SEAL_SHRINK | F_SEAL_GROW);
	struct stat before, after;
	CHECK_EQ(fstat(fd, &before), 0);
	struct ring *r = NULL;
	int rc = ring_attach(&r, name, RING_ROLE_CONSUMER, 100 * MS);
	CHECK_EQ(fstat(fd, &after), 0);
	long long grown = ((long long)after.st_blocks - (long long)before.st_blocks) * 512;
	say(T, "attach of a sparse 1 GiB ring: %d (%s); %lld MiB populated", rc,
	    rc ? ring_last_error() : "attached", grown >> 20);
	if (r)
		ring_close(r);
	close(fd);
	CHECK_EQ(ring_unlink(name), 0);
	CHECK_EQ(rc, -EBADMSG);
	CHECK_MSG(name, "sparse");
	CHECK_EQ(grown, 0);
}

/* A name that points to a ring nobody sealed (a memfd without seals, or an
 * object in /dev/shm, which cannot be sealed): whoever holds it could shrink
 * it under our mapping, so attach refuses it. */
static void t_unsealed_object(void)
{
	const char *T = "unsealed-object";
	const uint64_t cap = RING_CAPACITY_MIN;
	for (int kind = 0; kind < 2; kind++) {
		const char *name = test_name("unsealed");
		const char *other = test_name("plain");
		int fd = kind == 0 ? memfd_create("unsealed", MFD_CLOEXEC | MFD_ALLOW_SEALING)
				   : shm_open(other, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		CHECK(fd >= 0);
		CHECK_EQ(ftruncate(fd, (off_t)(RING_HEADER_SIZE + cap)), 0);
		CHECK_EQ(posix_fallocate(fd, 0, (off_t)(RING_HEADER_SIZE + cap)), 0);
		forge_ring(name, fd, cap, 0);
		struct ring *r = NULL;
		int rc = ring_attach(&r, name, RING_ROLE_CONSUMER, 100 * MS);
		say(T, "attach of a ring in %s: %d (%s)",
		    kind == 0 ? "a memfd without seals" : "an object in /dev/shm", rc,
		    rc ? ring_last_error() : "attached");
		if (r)
			ring_close(r);
		close(fd);
		CHECK_EQ(ring_unlink(name), 0);
		if (kind == 1)
			CHECK_EQ(ring_unlink(other), 0);
		CHECK_EQ(rc, -EPROTO);
		CHECK_MSG(name, kind == 0 ? "sealed against shrinking" : "is not a memfd (mode");
	}
}

/* A child's answer on a pipe: a return code, one more number and a
 * message, written by tell() and read back by hear(), which reaps it. */
static void tell(int fd, int rc, int extra, const char *msg)
{
	char buf[400];
	int k = snprintf(buf, sizeof(buf), "%d %d %s", rc, extra, msg);
	(void)!write(fd, buf, (size_t)k);
}

static const char *hear(int fd, pid_t pid, int *rc, int *extra)
{
	static char buf[400];
	ssize_t k = read(fd, buf, sizeof(buf) - 1);
	buf[k > 0 ? k : 0] = 0;
	close(fd);
	reap(pid);
	int used = 0;
	CHECK(sscanf(buf, "%d %d %n", rc, extra, &used) == 2);
	return buf + used;
}

/* A name whose page points at a descriptor that is not a memfd: a terminal,
 * a FIFO, a directory, a device, a plain file.  Attach refuses each without
 * opening it for real: it decides on an O_PATH descriptor, so a terminal
 * never becomes the attacher's controlling one (the attacher here has
 * none, as a daemon), and a FIFO's open neither blocks nor releases
 * anyone.  And a descriptor number the creator reused for another file
 * after it closed the ring: -ESTALE, by the inode. */
static void t_attach_targets(void)
{
	const char *T = "attach-targets";
	char fifo[64], file[64];
	snprintf(fifo, sizeof(fifo), "/tmp/ring-fifo.%d", (int)getpid());
	snprintf(file, sizeof(file), "/tmp/ring-file.%d", (int)getpid());
	CHECK_EQ(mkfifo(fifo, 0600), 0);
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	CHECK(m >= 0);
	CHECK(grantpt(m) == 0 && unlockpt(m) == 0);
	struct {
		const char *what;
		int fd;
	} t[] = {
	    {"a terminal", open(ptsname(m), O_RDWR | O_NOCTTY | O_CLOEXEC)},
	    {"a FIFO", open(fifo, O_PATH | O_CLOEXEC)},
	    {"a directory", open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC)},
	    {"/dev/zero", open("/dev/zero", O_RDWR | O_CLOEXEC)},
	    {"a plain file", open(file, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600)},
	};
	unlink(file);
	unlink(fifo);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CHECK(t[i].fd >= 0);
		const char *name = test_name("target");
		static struct ring_header h;
		forged_header(&h, t[i].fd, RING_CAPACITY_MIN);
		forge_page(name, &h);
		/* The attacher: a new session, no controlling terminal. */
		int out[2];
		CHECK_EQ(pipe(out), 0);
		pid_t pid = fork_child();
		if (pid == 0) {
			close(out[0]);
			setsid();
			struct ring *r = NULL;
			bound("ring_attach of a page that points at something else");
			int rc = ring_attach(&r, name, RING_ROLE_CONSUMER, 100 * MS);
			unbound();
			int tty = open("/dev/tty", O_RDWR | O_NOCTTY);
			tell(out[1], rc, tty >= 0, rc ? ring_last_error() : "attached");
			_exit(0);
		}
		close(out[1]);
		int rc, tty;
		const char *msg = hear(out[0], pid, &rc, &tty);
		say(T, "a page pointing at %s: %d, controlling terminal taken: %s (%s)", t[i].what,
		    rc, tty ? "YES" : "no", msg);
		CHECK_EQ(rc, -EPROTO);
		CHECK(strstr(msg, "is not a memfd (mode"));
		CHECK_EQ(tty, 0);
		close(t[i].fd);
		CHECK_EQ(ring_unlink(name), 0);
	}
	close(m);

	/* The creator closed the ring and its descriptor number now names
	 * another memfd. */
	const char *name = test_name("reused");
	struct ring *p, *c = NULL;
	struct ring_config cfg = {.capacity = RING_CAPACITY_MIN, .wait = RING_WAIT_SPIN};
	CHECK_EQ(ring_create(&p, name, &cfg, RING_ROLE_PRODUCER), 0);
	int was = p->shm_fd;
	ring_close(p);
	int other = memfd_create("other", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	CHECK(other >= 0);
	CHECK_EQ(ftruncate(other, RING_HEADER_SIZE + RING_CAPACITY_MIN), 0);
	CHECK_EQ(fcntl(other, F_ADD_SEALS, F_SEAL_SHRINK), 0);
	if (other != was) {
		CHECK_EQ(dup2(other, was), was);
		close(other);
	}
	int rc = ring_attach(&c, name, RING_ROLE_CONSUMER, 100 * MS);
	say(T, "a page whose creator's descriptor %d now names another memfd: %d (%s)", was, rc,
	    rc ? ring_last_error() : "attached");
	CHECK_EQ(rc, -ESTALE);
	CHECK_MSG(name, "inode");
	close(was);
	CHECK_EQ(ring_unlink(name), 0);
}

/* A creator that is not dumpable (it changed its uid, or said so) could
 * not be attached by anyone but root: create refuses at once, saying why.
 * As root the test also drops to uid 65534 in a child (a daemon dropping
 * privileges, which leaves it not dumpable), and checks that a root
 * creator that is not dumpable is let through and attached by root. */
static void t_creator_not_dumpable(void)
{
	const char *T = "creator-not-dumpable";
	const char *name = test_name("nodump");
	struct ring_config cfg = {.capacity = RING_CAPACITY_MIN, .wait = RING_WAIT_SPIN};
	struct ring *p = NULL;
	int rc;
	if (geteuid() != 0) {
		CHECK_EQ(prctl(PR_SET_DUMPABLE, 0), 0);
		rc = ring_create(&p, name, &cfg, RING_ROLE_PRODUCER);
		CHECK_EQ(prctl(PR_SET_DUMPABLE, 1), 0);
		say(T, "ring_create after PR_SET_DUMPABLE 0: %d (%s)", rc,
		    rc ? ring_last_error() : "created");
		CHECK_EQ(rc, -EPERM);
		CHECK_MSG(name, "dumpable");
		CHECK(!test_exists(name));
		return;
	}
	int out[2];
	CHECK_EQ(pipe(out), 0);
	pid_t pid = fork_child();
	if (pid == 0) {
		close(out[0]);
		if (setresgid(65534, 65534, 65534) != 0 || setresuid(65534, 65534, 65534) != 0)
			_exit(2);
		rc = ring_create(&p, name, &cfg, RING_ROLE_PRODUCER);
		tell(out[1], rc, prctl(PR_GET_DUMPABLE), rc ? ring_last_error() : "created");
		if (p) {
			ring_close(p);
			ring_unlink(name);
		}
		_exit(0);
	}
	close(out[1]);
	int dumpable;
	const char *msg = hear(out[0], pid, &rc, &dumpable);
	say(T, "ring_create after dropping to uid 65534 (dumpable %d): %d (%s)", dumpable, rc, msg);
	CHECK_EQ(rc, -EPERM);
	CHECK(strstr(msg, "dumpable"));
	CHECK(!test_exists(name));

	/* Root, not dumpable: root may open its descriptors, so it creates. */
	name = test_name("nodumproot");
	CHECK_EQ(prctl(PR_SET_DUMPABLE, 0), 0);
	rc = ring_create(&p, name, &cfg, RING_ROLE_PRODUCER);
	pid = fork_child();
	if (pid == 0) {
		struct ring *c;
		_exit(ring_attach(&c, name, RING_ROLE_CONSUMER, 1000 * MS) == 0 ? 0 : 1);
	}
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_EQ(prctl(PR_SET_DUMPABLE, 1), 0);
	say(T, "as root, not dumpable: ring_create %d, another root process attached: %s", rc,
	    WIFEXITED(st) && WEXITSTATUS(st) == 0 ? "yes" : "no");
	CHECK_EQ(rc, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ring_close(p);
	CHECK_EQ(ring_unlink(name), 0);
}

/* ---- the API's own misuse ---- */

/* The last error must name the call and the role of the handle. */
static void check_refusal(const char *call, const char *role)
{
	const char *m = ring_last_error();
	if (!strstr(m, call) || !strstr(m, role)) {
		fprintf(stderr, "FAIL: message '%s' does not name '%s' and '%s'\n", m, call, role);
		exit(1);
	}
}

static void pair(const char *tag, struct ring **p, struct ring **c)
{
	const char *name = test_name(tag);
	struct ring_config cfg = {.capacity = RING_CAPACITY_MIN, .wait = RING_WAIT_SPIN};
	CHECK_EQ(ring_create(p, name, &cfg, RING_ROLE_PRODUCER), 0);
	CHECK_EQ(ring_attach(c, name, RING_ROLE_CONSUMER, 100 * MS), 0);
}

static void unpair(struct ring *p, struct ring *c)
{
	char name[RING_NAME_MAX + 1];
	snprintf(name, sizeof(name), "%s", p->name);
	ring_close(p);
	ring_close(c);
	CHECK_EQ(ring_unlink(name), 0);
}

/* The consumer must get exactly these messages, then nothing. */
static void expect_stream(const char *T, struct ring *c, const char *const *want, int n)
{
	for (int i = 0; i < n; i++) {
		size_t len = 0;
		const char *q = ring_peek(c, &len);
		if (!q) {
			fprintf(stderr,
				"FAIL: %s: the consumer's message %d ('%s') is missing: %s\n", T, i,
				want[i], c->error ? ring_last_error() : "stalled");
			exit(1);
		}
		if (len != strlen(want[i]) || memcmp(q, want[i], len) != 0) {
			fprintf(stderr, "FAIL: %s: the consumer's message %d is '%.*s', not '%s'\n",
				T, i, (int)len, q, want[i]);
			exit(1);
		}
		ring_release(c);
	}
	size_t len = 0;
	const unsigned char *q = ring_peek(c, &len);
	if (q) {
		size_t zero = 0;
		while (zero < len && q[zero] == 0)
			zero++;
		fprintf(stderr,
			"FAIL: %s: a message nobody sent was delivered: %zu bytes, %zu of them "
			"zero\n",
			T, len, zero);
		exit(1);
	}
	CHECK_EQ(c->error, 0);
}

/* ring_send on the consumer's handle must not overwrite the producer's
 * unread message. */
static void t_role_send(void)
{
	const char *T = "role-send";
	struct ring *p, *c;
	pair("rolesend", &p, &c);
	CHECK(ring_send(p, "first", 5));
	bool sent = ring_send(c, "XXXXX", 5);
	const char *want[] = {"first"};
	expect_stream(T, c, want, 1);
	say(T, "ring_send on the consumer's handle: %s (%s)", sent ? "sent" : "refused",
	    ring_last_error());
	CHECK(!sent);
	check_refusal("ring_send", "consumer");
	unpair(p, c);
}

/* ring_peek and ring_release_now on the producer's handle must not move
 * head: the real consumer still gets every message. */
static void t_role_release(void)
{
	const char *T = "role-release";
	struct ring *p, *c;
	pair("rolerel", &p, &c);
	CHECK(ring_send(p, "one", 3));
	CHECK(ring_send(p, "two", 3));
	size_t len;
	const void *q = ring_peek(p, &len);
	const char *peek_msg = q ? "" : ring_last_error();
	char peek_copy[320];
	snprintf(peek_copy, sizeof(peek_copy), "%s", peek_msg);
	ring_release_now(p);
	char rel_copy[320];
	snprintf(rel_copy, sizeof(rel_copy), "%s", ring_last_error());
	CHECK(ring_send(p, "three", 5));
	const char *want[] = {"one", "two", "three"};
	expect_stream(T, c, want, 3);
	say(T, "ring_peek on the producer's handle: %s (%s); ring_release_now: %s",
	    q ? "delivered" : "refused", peek_copy, rel_copy);
	CHECK(q == NULL);
	CHECK(strstr(peek_copy, "ring_peek") && strstr(peek_copy, "producer"));
	CHECK(strstr(rel_copy, "ring_release") && strstr(rel_copy, "producer"));
	unpair(p, c);
}

/* ring_publish on the consumer's handle must not store its stale tail. */
static void t_role_publish(void)
{
	const char *T = "role-publish";
	struct ring *p, *c;
	pair("rolepub", &p, &c);
	for (int i = 0; i < 3; i++)
		CHECK(ring_send(p, "abc", 3));
	uint64_t tail = atomic_load(&p->hdr->tail);
	ring_publish(c);
	uint64_t after = atomic_load(&p->hdr->tail);
	if (after != tail) {
		fprintf(stderr,
			"FAIL: %s: ring_publish on the consumer's handle moved tail %" PRIu64
			" to %" PRIu64 "\n",
			T, tail, after);
		exit(1);
	}
	say(T, "tail stays %" PRIu64 "; %s", after, ring_last_error());
	check_refusal("ring_publish", "consumer");
	const char *want[] = {"abc", "abc", "abc"};
	expect_stream(T, c, want, 3);
	unpair(p, c);
}

/* The creator's handle (RING_ROLE_NONE) neither sends nor reads nor
 * releases: each fast path refuses it, and the pair's stream is intact. */
static void t_role_none(void)
{
	const char *T = "role-none";
	const char *name = test_name("rolenone");
	struct ring *p, *c, *owner;
	struct ring_config cfg = {.capacity = RING_CAPACITY_MIN, .wait = RING_WAIT_SPIN};
	CHECK_EQ(ring_create(&owner, name, &cfg, RING_ROLE_NONE), 0);
	CHECK_EQ(ring_attach(&p, name, RING_ROLE_PRODUCER, 100 * MS), 0);
	CHECK_EQ(ring_attach(&c, name, RING_ROLE_CONSUMER, 100 * MS), 0);
	CHECK(ring_send(p, "one", 3));
	CHECK(!ring_send(owner, "XXXXX", 5));
	check_refusal("ring_reserve", "creator");
	CHECK(!ring_commit(owner, 0));
	check_refusal("ring_commit", "creator");
	size_t len;
	CHECK(!ring_peek(owner, &len));
	check_refusal("ring_peek", "creator");
	ring_release_now(owner);
	check_refusal("ring_release", "creator");
	uint64_t tail = atomic_load(&owner->hdr->tail), head = atomic_load(&owner->hdr->head);
	ring_publish(owner);
	check_refusal("ring_publish", "creator");
	CHECK_EQ(atomic_load(&owner->hdr->tail), tail);
	CHECK_EQ(atomic_load(&owner->hdr->head), head);
	say(T, "every fast path refused on the creator's handle: %s", ring_last_error());
	const char *want[] = {"one"};
	expect_stream(T, c, want, 1);
	ring_close(owner);
	unpair(p, c);
}

/* A role closed cleanly is not taken again: a second producer after the
 * first's ring_close() is refused, and the consumer still sees the close. */
static void t_reattach_closed(void)
{
	const char *T = "reattach-closed";
	struct ring *owner, *p, *c, *x = NULL;
	const char *name = test_name("reattach");
	struct ring_config cfg = {.capacity = RING_CAPACITY_MIN, .wait = RING_WAIT_SPIN};
	/* The creator holds the ring throughout: a ring can be attached only
	 * while it does. */
	CHECK_EQ(ring_create(&owner, name, &cfg, RING_ROLE_NONE), 0);
	CHECK_EQ(ring_attach(&p, name, RING_ROLE_PRODUCER, 100 * MS), 0);
	CHECK_EQ(ring_attach(&c, name, RING_ROLE_CONSUMER, 100 * MS), 0);
	CHECK(ring_send(p, "last", 4));
	ring_close(p);
	int rc = ring_attach(&x, name, RING_ROLE_PRODUCER, 100 * MS);
	say(T, "a producer after the first closed: ring_attach returned %d (%s)", rc,
	    rc ? ring_last_error() : "attached");
	CHECK_EQ(rc, -EBUSY);
	CHECK(strstr(ring_last_error(), "closed"));
	char buf[8];
	size_t len;
	CHECK_EQ(ring_recv_wait(c, buf, sizeof(buf), &len, RING_WAIT_SPIN, 100 * MS), 0);
	CHECK(len == 4 && memcmp(buf, "last", 4) == 0);
	CHECK_EQ(ring_recv_wait(c, buf, sizeof(buf), &len, RING_WAIT_SPIN, 100 * MS), -EPIPE);
	ring_close(c);
	ring_close(owner);
	CHECK_EQ(ring_unlink(name), 0);
}

/* A commit with no reservation behind it (a reservation refused, none at
 * all, or one already committed) must not deliver a phantom message. */
static void t_commit_unreserved(void)
{
	const char *T = "commit-unreserved";
	struct ring *p, *c;
	pair("unres", &p, &c);
	CHECK(ring_reserve(p, ring_max_message(p) + 1) == NULL);
	bool refused1 = !ring_commit(p, 16);
	ring_publish(p);
	expect_stream(T, c, NULL, 0);
	char *w = ring_reserve(p, 4);
	CHECK(w != NULL);
	memcpy(w, "once", 4);
	CHECK(ring_commit(p, 4));
	bool refused2 = !ring_commit(p, 4);
	ring_publish(p);
	const char *want[] = {"once"};
	expect_stream(T, c, want, 1);
	say(T, "commit after a refused reserve: %s; a second commit: %s (%s)",
	    refused1 ? "refused" : "accepted", refused2 ? "refused" : "accepted",
	    ring_last_error());
	CHECK(refused1 && refused2);
	check_refusal("ring_commit", "producer");
	/* On the consumer's handle, never. */
	CHECK(!ring_commit(c, 0));
	check_refusal("ring_commit", "consumer");
	unpair(p, c);
}

/* commit(40) after reserve(4) must not deliver 36 bytes nobody wrote. */
static void t_commit_overlong(void)
{
	const char *T = "commit-overlong";
	struct ring *p, *c;
	pair("overlong", &p, &c);
	char *w = ring_reserve(p, 4);
	CHECK(w != NULL);
	memcpy(w, "abcd", 4);
	bool refused = !ring_commit(p, 40);
	ring_publish(p);
	size_t len = 0;
	if (ring_peek(c, &len)) {
		fprintf(stderr,
			"FAIL: %s: a 4-byte reservation was delivered as %zu bytes (%zu never "
			"written)\n",
			T, len, len > 4 ? len - 4 : 0);
		exit(1);
	}
	say(T, "commit(40) after reserve(4): %s (%s)", refused ? "refused" : "accepted",
	    ring_last_error());
	CHECK(refused);
	check_refusal("ring_commit", "producer");
	/* The reservation still stands: commit it at its length. */
	CHECK(ring_commit(p, 4));
	ring_publish(p);
	const char *want[] = {"abcd"};
	expect_stream(T, c, want, 1);
	unpair(p, c);
}

/* After a corrupt record (-EBADMSG) the handle delivers nothing more, even
 * once the word in its way looks like a message again. */
static void t_peek_after_corrupt(void)
{
	const char *T = "peek-after-corrupt";
	struct ring *p, *c;
	pair("aftercorrupt", &p, &c);
	CHECK(ring_send(p, "one", 3));
	char buf[8];
	CHECK_EQ(ring_recv(c, buf, sizeof(buf)), 3);
	uint64_t next = p->tail_local & p->mask;
	atomic_store(&((struct ring_record *)(p->data + next))->word, 0x7fffffffu);
	size_t len;
	CHECK(ring_peek(c, &len) == NULL);
	CHECK_EQ(c->error, -EBADMSG);
	/* The producer writes a real message over the bad word. */
	CHECK(ring_send(p, "two", 3));
	const void *q = ring_peek(c, &len);
	if (q) {
		fprintf(stderr, "FAIL: %s: ring_peek delivered '%.*s' after -EBADMSG\n", T,
			(int)len, (const char *)q);
		exit(1);
	}
	say(T, "ring_peek after -EBADMSG: refused (%s)", ring_last_error());
	CHECK_EQ(c->error, -EBADMSG);
	check_refusal("ring_peek", "corrupt record");
	const void *m;
	CHECK_EQ(ring_peek_wait(c, &m, &len, RING_WAIT_SPIN, 1000 * MS), -EBADMSG);
	unpair(p, c);
}

/* ---- the creator's eventfd server ---- */

/* A process of another uid connects to the creator's eventfd server first:
 * it gets nothing, and the creator goes on serving the real attacher. */
static void t_serve_foreign_uid(void)
{
	const char *T = "serve-foreign-uid";
	if (geteuid() != 0) {
		say(T, "skipped: connecting as another uid needs root");
		exit(CHECK_SKIP);
	}
	const char *name = test_name("foreign");
	struct ring *p;
	struct ring_config cfg = {.capacity = RING_CAPACITY_MIN, .wait = RING_WAIT_EVENTFD};
	CHECK_EQ(ring_create(&p, name, &cfg, RING_ROLE_PRODUCER), 0);
	pid_t pid = test_foreign_connect(p);
	struct test_attach a = {.name = name, .role = RING_ROLE_CONSUMER};
	pthread_t t;
	CHECK_EQ(pthread_create(&t, NULL, test_attach_thread, &a), 0);
	bound("ring_serve");
	int rc = ring_serve(p, 5000 * MS);
	unbound();
	say(T, "ring_serve with a uid-65534 connection first: %d (%s)", rc,
	    rc ? ring_last_error() : "served the attacher");
	CHECK_EQ(rc, 0);
	CHECK_EQ(pthread_join(t, NULL), 0);
	if (a.rc)
		fprintf(stderr, "attach: %s\n", a.msg);
	CHECK_EQ(a.rc, 0);
	test_foreign_done(pid);
	CHECK(ring_send(p, "x", 1));
	char out[4];
	CHECK_EQ(ring_recv(a.r, out, sizeof(out)), 1);
	ring_close(a.r);
	ring_close(p);
	CHECK_EQ(ring_unlink(name), 0);
}

/* ---- the table ---- */

/* ---- a peer wins the race between a wake's look and its write ---- */

/* The peer's move, made certain rather than raced for: this program's own
 * poll() (libring is linked in statically, so its calls come here) lets
 * the "peer" fill the counter of race_efd and clear O_NONBLOCK right after
 * a wake's look at it (a poll for POLLOUT, timeout 0) said there was room.
 * A wake that then writes blocks until someone reads the counter, and the
 * only reader is the peer. */
static int race_efd = -1;
static int race_won;

/* glibc declares poll()'s array write-only (for _FORTIFY_SOURCE), which
 * makes GCC call our read of it a read of uninitialized memory. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	struct timespec ts = {timeout / 1000, (long)(timeout % 1000) * 1000000};
	bool race = race_efd >= 0 && n == 1 && fds[0].fd == race_efd && (fds[0].events & POLLOUT) &&
		    timeout == 0;
	int fl = race ? fcntl(race_efd, F_GETFL) : 0;
	uint64_t v;
	struct iovec iov = {.iov_base = &v, .iov_len = sizeof(v)};
	if (race) {
		/* The peer has just read the counter: the look sees room. */
		(void)!fcntl(race_efd, F_SETFL, fl | O_NONBLOCK);
		(void)!preadv2(race_efd, &iov, 1, -1, RWF_NOWAIT);
	}
	int k = ppoll(fds, n, timeout < 0 ? NULL : &ts, NULL);
	if (race) {
		/* And fills it, and clears the flag, before the write. */
		v = EFD_FULL;
		(void)!write(race_efd, &v, sizeof(v));
		(void)!fcntl(race_efd, F_SETFL, fl & ~O_NONBLOCK);
		race_won++;
	}
	return k;
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

/* libring's own (ring_internal.h): drops a handle's io_uring, so that its
 * wakes take the fallback, poll and write. */
void ring__wake_free(struct ring *r);

struct drainer {
	int efd;
	_Atomic(int) stop;
};

/* The peer reading the counter at last, every 50 ms: what releases a
 * write the race blocked. */
static void *drain_slowly(void *arg)
{
	struct drainer *d = arg;
	while (!atomic_load(&d->stop)) {
		nap_ms(50);
		uint64_t v;
		struct iovec iov = {.iov_base = &v, .iov_len = sizeof(v)};
		(void)!preadv2(d->efd, &iov, 1, -1, RWF_NOWAIT);
	}
	return NULL;
}

/* A peer that fills the consumer's wake counter and clears O_NONBLOCK in
 * the instant after the producer's wake looked at it: the wake must not
 * block (it is a completion the kernel posts, not a write, and looks at
 * nothing), and the consumer must still get every message and its wakes.
 * Then the same with the handle's io_uring dropped, the fallback: there the
 * peer wins every race (the interposed poll() is reached) and each write
 * blocks until the peer reads the counter, the race ring.h names. */
static void t_eventfd_wake_race(void)
{
	const char *T = "eventfd-wake-race";
	struct ring *p, *c;
	const char *name = test_name("wakerace");
	test_pair(name, RING_WAIT_EVENTFD, RING_CAPACITY_MIN, &p, &c);
	bool uring = p->wake_uring != NULL;
	if (uring) {
		/* The worst start: the counter already full, the flag cleared. */
		uint64_t v = EFD_FULL;
		CHECK_EQ(write(c->data_efd, &v, sizeof(v)), (ssize_t)sizeof(v));
		clear_nonblock(c->data_efd);
		race_efd = p->data_efd;
		bound("ring_send() while the peer wins the race between the wake's look and its "
		      "write");
		int sent = 0;
		for (int i = 0; i < 100; i++) {
			atomic_store(&p->hdr->consumer_waiting, 1); /* the peer says it sleeps */
			sent += ring_send(p, "m", 1);
		}
		unbound();
		race_efd = -1;
		say(T,
		    "io_uring wakes: 100 ring_send() calls returned (%d sent), %d looks at the "
		    "counter",
		    sent, race_won);
		CHECK_EQ(sent, 100);
		CHECK_EQ(race_won, 0);
		/* The consumer drains a counter at its very maximum, and receives. */
		char buf[8];
		size_t len;
		bound("the consumer's ring_recv_wait() after the wakes");
		for (int i = 0; i < 100; i++)
			CHECK_EQ(
			    ring_recv_wait(c, buf, sizeof(buf), &len, RING_WAIT_EVENTFD, 200 * MS),
			    0);
		CHECK_EQ(ring_recv_wait(c, buf, sizeof(buf), &len, RING_WAIT_EVENTFD, 20 * MS),
			 -ETIMEDOUT);
		unbound();
	}
	/* The fallback. */
	ring__wake_free(p);
	struct drainer d = {.efd = c->data_efd};
	pthread_t t;
	CHECK_EQ(pthread_create(&t, NULL, drain_slowly, &d), 0);
	race_efd = p->data_efd;
	race_won = 0;
	bound("the fallback's ring_send() while the peer wins the race (the peer reads at last)");
	int sent = 0;
	for (int i = 0; i < 3; i++) {
		atomic_store(&p->hdr->consumer_waiting, 1);
		sent += ring_send(p, "f", 1);
	}
	unbound();
	race_efd = -1;
	atomic_store(&d.stop, 1);
	CHECK_EQ(pthread_join(t, NULL), 0);
	say(T, "fallback wakes: %d of 3 races won by the peer, each write held until it read",
	    race_won);
	CHECK_EQ(sent, 3);
	CHECK_EQ(race_won, 3);
	unpair(p, c);
	if (!uring) {
		say(T, "skipped: no io_uring for the wakes here (disabled, or refused by a seccomp "
		       "policy): the race ring.h names under \"What a peer can do\" stands");
		exit(77);
	}
}

/* A child forked after attach shares its parent's io_uring queues (their
 * memory and descriptor), and the two fall out of step once the parent
 * has woken twice: the child's wakes must still be posted (a fresh queue
 * of its own), not fall back to the write the peer can block. */
static void t_eventfd_fork_wake(void)
{
	const char *T = "eventfd-fork-wake";
	struct ring *p, *c;
	const char *name = test_name("forkwake");
	test_pair(name, RING_WAIT_EVENTFD, RING_CAPACITY_MIN, &p, &c);
	if (!p->wake_uring) {
		say(T, "skipped: no io_uring for the wakes here");
		ring_close(c);
		ring_close(p);
		ring_unlink(name);
		exit(77);
	}
	int sync[2];
	CHECK_EQ(pipe(sync), 0);
	pid_t pid = fork_child();
	if (pid == 0) {
		char b;
		close(sync[1]);
		CHECK_EQ(read(sync[0], &b, 1), 1); /* the parent has woken twice */
		race_efd = p->data_efd;
		bound("a forked child's ring_send() waking the consumer");
		for (int i = 0; i < 3; i++) {
			atomic_store(&p->hdr->consumer_waiting, 1);
			CHECK(ring_send(p, "c", 1));
		}
		unbound();
		say(T, "the child's 3 wakes: %d fell back to the write the peer can block",
		    race_won);
		_exit(race_won == 0 ? 0 : 1);
	}
	close(sync[0]);
	for (int i = 0; i < 2; i++) {
		atomic_store(&p->hdr->consumer_waiting, 1);
		CHECK(ring_send(p, "p", 1));
	}
	CHECK_EQ(write(sync[1], "x", 1), 1);
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(sync[1]);
	unpair(p, c);
}

/* ---- a peer shrinks the ring after attach ---- */

/* A peer that shrinks the ring after both attached (ftruncate through its
 * own descriptor, or the creator's in /proc) would kill the other side
 * with SIGBUS on its next touch.  The seal refuses the shrink, and the
 * stream goes on.  Run in a child, so that a SIGBUS is a failure this test
 * reports rather than its death. */
static void t_truncate_after_attach(void)
{
	const char *T = "truncate-after-attach";
	const char *name = test_name("shrink");
	pid_t pid = fork_child();
	if (pid == 0) {
		struct ring *p, *c;
		struct ring_config cfg = {.capacity = RING_CAPACITY_MIN, .wait = RING_WAIT_SPIN};
		CHECK_EQ(ring_create(&p, name, &cfg, RING_ROLE_PRODUCER), 0);
		CHECK_EQ(ring_attach(&c, name, RING_ROLE_CONSUMER, 100 * MS), 0);
		int a = ftruncate(c->shm_fd, 0);
		int ea = errno;
		int b = ftruncate(c->shm_fd, RING_HEADER_SIZE);
		int eb = errno;
		say(T, "the consumer's ftruncate to 0: %d (%s); to the header only: %d (%s)", a,
		    a ? strerror(ea) : "done", b, b ? strerror(eb) : "done");
		CHECK(ring_send(p, "after", 5));
		const char *want[] = {"after"};
		expect_stream(T, c, want, 1);
		CHECK_EQ(a, -1);
		CHECK_EQ(b, -1);
		unpair(p, c);
		_exit(0);
	}
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	if (WIFSIGNALED(st)) {
		say(T, "FAIL: the producer and consumer died of %s after the shrink",
		    strsignal(WTERMSIG(st)));
		ring_unlink(name);
		exit(1);
	}
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static const struct {
	const char *name;
	void (*run)(void);
} tests[] = {
    {"eventfd-nonblock-peek", t_eventfd_nonblock_peek},
    {"eventfd-nonblock-send", t_eventfd_nonblock_send},
    {"eventfd-full-counter", t_eventfd_full_counter},
    {"eventfd-wake-race", t_eventfd_wake_race},
    {"eventfd-fork-wake", t_eventfd_fork_wake},
    {"dead-peer-pid", t_dead_peer_pid},
    {"forged-closed", t_forged_closed},
    {"held-role-busy", t_held_role_busy},
    {"attach-race", t_attach_race},
    {"fork-close", t_fork_close},
    {"attach-lease", t_attach_lease},
    {"attach-never-faults", t_attach_never_faults},
    {"sparse-object", t_sparse_object},
    {"unsealed-object", t_unsealed_object},
    {"attach-targets", t_attach_targets},
    {"creator-not-dumpable", t_creator_not_dumpable},
    {"truncate-after-attach", t_truncate_after_attach},
    {"role-send", t_role_send},
    {"role-release", t_role_release},
    {"role-publish", t_role_publish},
    {"role-none", t_role_none},
    {"reattach-closed", t_reattach_closed},
    {"commit-unreserved", t_commit_unreserved},
    {"commit-overlong", t_commit_overlong},
    {"peek-after-corrupt", t_peek_after_corrupt},
    {"serve-foreign-uid", t_serve_foreign_uid},
};
#define NTESTS (sizeof(tests) / sizeof(tests[0]))

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc == 2) {
		for (size_t i = 0; i < NTESTS; i++) {
			if (strcmp(argv[1], tests[i].name) == 0) {
				tests[i].run();
				printf("%s: ok\n", tests[i].name);
				return 0;
			}
		}
	}
	if (argc > 1) {
		fprintf(stderr, "usage: test_hostile [NAME]; names:");
		for (size_t i = 0; i < NTESTS; i++)
			fprintf(stderr, " %s", tests[i].name);
		fprintf(stderr, "\n");
		return 2;
	}
	int failed = 0, skipped = 0;
	for (size_t i = 0; i < NTESTS; i++) {
		fflush(stdout);
		pid_t pid = fork();
		CHECK(pid >= 0);
		if (pid == 0) {
			tests[i].run();
			printf("%s: ok\n", tests[i].name);
			exit(0);
		}
		int st;
		CHECK_EQ(waitpid(pid, &st, 0), pid);
		if (WIFEXITED(st) && WEXITSTATUS(st) == CHECK_SKIP) {
			skipped++;
		} else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			printf("%s: FAILED\n", tests[i].name);
			failed++;
		}
	}
	printf("test_hostile: %zu promises, %d failed, %d skipped\n", NTESTS, failed, skipped);
	return failed ? 1 : skipped == (int)NTESTS ? CHECK_SKIP : 0;
}
