/* test_handover.c: the eventfd hand-over between the creator and an
 * attaching process, against servers that are not what they claim.  Once
 * the creator stops listening on its abstract name, any local process can
 * bind it; an attacher must take descriptors only from the creator itself,
 * only two eventfds of the incarnation it mapped, close whatever else it
 * received, and never wait past its deadline.  Also: ring_serve's own
 * timeout, and (as root) a peer of another uid, which gets nothing and does
 * not end the creator's wait. */
#include "testutil.h"

#include <dirent.h>
#include <inttypes.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

enum hostile {
	H_PIPES,    /* two pipe ends instead of eventfds */
	H_INSTANCE, /* eventfds, announced for another incarnation */
	H_THREE,    /* three eventfds */
	H_ONE,	    /* one eventfd */
	H_NOTHING,  /* accepts and closes */
	H_SILENT,   /* accepts and says nothing */
	H_GOOD,	    /* what the creator would send: two non-blocking eventfds */
};

struct server {
	int listen_fd;
	enum hostile kind;
	uint64_t instance;
};

static int open_fds(void)
{
	int n = 0;
	DIR *d = opendir("/proc/self/fd");
	CHECK(d != NULL);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static void send_fds(int conn, uint64_t instance, const int *fds, int n)
{
	struct iovec iov = {.iov_base = &instance, .iov_len = sizeof(instance)};
	union {
		char buf[CMSG_SPACE(4 * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	memset(&ctl, 0, sizeof(ctl));
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	if (n) {
		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE((size_t)n * sizeof(int));
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN((size_t)n * sizeof(int));
		memcpy(CMSG_DATA(c), fds, (size_t)n * sizeof(int));
	}
	/* The attacher may already have refused us and closed: no check. */
	(void)sendmsg(conn, &mh, MSG_NOSIGNAL);
}

static void serve(struct server *s)
{
	int conn = accept(s->listen_fd, NULL, NULL);
	CHECK(conn >= 0);
	int fds[3] = {eventfd(0, EFD_NONBLOCK), eventfd(0, EFD_NONBLOCK), eventfd(0, EFD_NONBLOCK)};
	switch (s->kind) {
	case H_PIPES: {
		int pfd[2];
		CHECK_EQ(pipe(pfd), 0);
		send_fds(conn, s->instance, pfd, 2);
		close(pfd[0]);
		close(pfd[1]);
		break;
	}
	case H_INSTANCE: send_fds(conn, s->instance ^ 1, fds, 2); break;
	case H_THREE: send_fds(conn, s->instance, fds, 3); break;
	case H_ONE: send_fds(conn, s->instance, fds, 1); break;
	case H_NOTHING: break;
	case H_SILENT: {
		/* Hold the connection until the attacher gives up. */
		char b;
		CHECK(read(conn, &b, 1) >= 0);
		break;
	}
	case H_GOOD: send_fds(conn, s->instance, fds, 2); break;
	}
	for (int i = 0; i < 3; i++)
		close(fds[i]);
	close(conn);
}

static void *serve_thread(void *arg)
{
	serve(arg);
	return NULL;
}

/* An eventfd ring whose creator has stopped listening: *addr gets the name
 * it listened on, for a stranger to take. */
static struct ring *deaf_creator(const char *name, struct sockaddr_un *addr, socklen_t *alen)
{
	struct ring *p;
	struct ring_config cfg = {.capacity = RING_CAPACITY_MIN, .wait = RING_WAIT_EVENTFD};
	CHECK_EQ(ring_create(&p, name, &cfg, RING_ROLE_PRODUCER), 0);
	*alen = sizeof(*addr);
	CHECK_EQ(getsockname(p->listen_fd, (struct sockaddr *)addr, alen), 0);
	close(p->listen_fd);
	p->listen_fd = -1;
	return p;
}

static int listen_on(const struct sockaddr_un *addr, socklen_t alen, int backlog)
{
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(s >= 0);
	CHECK_EQ(bind(s, (const struct sockaddr *)addr, alen), 0);
	CHECK_EQ(listen(s, backlog), 0);
	return s;
}

/* A server thread in this process (so its pid is the creator's) plays
 * `kind`; the attach must fail with want, naming `words`, and leave no
 * descriptor behind. */
static void same_pid_case(enum hostile kind, int want, const char *words)
{
	const char *name = test_name("host");
	struct sockaddr_un addr;
	socklen_t alen;
	struct ring *p = deaf_creator(name, &addr, &alen);
	struct server s = {
	    .listen_fd = listen_on(&addr, alen, 4), .kind = kind, .instance = p->hdr->instance};
	int before = open_fds();
	pthread_t t;
	CHECK_EQ(pthread_create(&t, NULL, serve_thread, &s), 0);
	struct ring *c = NULL;
	int rc = ring_attach(&c, name, RING_ROLE_CONSUMER, 300 * MS);
	if (rc != want || !strstr(ring_last_error(), words))
		fprintf(stderr, "case %d: rc %d (%s), expected %d and '%s'\n", kind, rc,
			ring_last_error(), want, words);
	CHECK_EQ(rc, want);
	CHECK(strstr(ring_last_error(), words) != NULL);
	CHECK(c == NULL || want == 0);
	CHECK_EQ(pthread_join(t, NULL), 0);
	if (c)
		ring_close(c);
	/* Everything received was closed (the server's own are closed too). */
	CHECK_EQ(open_fds(), before);
	close(s.listen_fd);
	ring_close(p);
	CHECK_EQ(ring_unlink(name), 0);
}

/* A stranger (another process of the same uid) binds the name once the
 * creator has stopped listening, and offers real eventfds of the right
 * incarnation: refused, because it is not the creator. */
static void stranger(void)
{
	const char *name = test_name("stranger");
	struct sockaddr_un addr;
	socklen_t alen;
	struct ring *p = deaf_creator(name, &addr, &alen);
	int ready[2];
	CHECK_EQ(pipe(ready), 0);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		struct server s = {.listen_fd = listen_on(&addr, alen, 4),
				   .kind = H_GOOD,
				   .instance = p->hdr->instance};
		CHECK_EQ(write(ready[1], "x", 1), 1);
		serve(&s);
		_exit(0);
	}
	char b;
	CHECK_EQ(read(ready[0], &b, 1), 1);
	int before = open_fds();
	struct ring *c = NULL;
	int rc = ring_attach(&c, name, RING_ROLE_CONSUMER, 1000 * MS);
	if (rc != -EPERM)
		fprintf(stderr, "stranger: rc %d (%s)\n", rc, ring_last_error());
	CHECK_EQ(rc, -EPERM);
	CHECK_MSG(name, "creator_pid");
	CHECK_EQ(open_fds(), before);
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(ready[0]);
	close(ready[1]);
	ring_close(p);
	CHECK_EQ(ring_unlink(name), 0);
}

/* A listener that never accepts, its backlog already full: connect itself
 * must not outlast the deadline. */
static void full_backlog(void)
{
	const char *name = test_name("backlog");
	struct sockaddr_un addr;
	socklen_t alen;
	struct ring *p = deaf_creator(name, &addr, &alen);
	int l = listen_on(&addr, alen, 0);
	/* Backlog 0 holds one pending connection: take it. */
	int filler = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	CHECK_EQ(connect(filler, (struct sockaddr *)&addr, alen), 0);
	int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (connect(probe, (struct sockaddr *)&addr, alen) == 0 || errno != EAGAIN) {
		printf("full_backlog: skipped, this kernel does not refuse a full backlog\n");
		close(probe);
	} else {
		close(probe);
		int before = open_fds();
		struct ring *c = NULL;
		CHECK_EQ(ring_attach(&c, name, RING_ROLE_CONSUMER, 200 * MS), -ETIMEDOUT);
		CHECK_MSG(name, "accepts nobody");
		CHECK_EQ(open_fds(), before);
	}
	close(filler);
	close(l);
	ring_close(p);
	CHECK_EQ(ring_unlink(name), 0);
}

/* The creator's side: nobody comes, and (as root) a peer of another uid. */
static void serve_errors(void)
{
	const char *name = test_name("serve");
	struct ring *p;
	struct ring_config cfg = {.capacity = RING_CAPACITY_MIN, .wait = RING_WAIT_EVENTFD};
	CHECK_EQ(ring_create(&p, name, &cfg, RING_ROLE_PRODUCER), 0);
	CHECK_EQ(ring_serve(p, 20 * MS), -ETIMEDOUT);
	CHECK_MSG(name, "nobody came");
	if (geteuid() == 0) {
		pid_t pid = test_foreign_connect(p);
		/* Refused and closed, and the creator serves on to its deadline. */
		CHECK_EQ(ring_serve(p, 200 * MS), -ETIMEDOUT);
		CHECK_MSG(name, "uid 65534");
		test_foreign_done(pid);
	} else {
		printf("serve_errors: another uid not tried (not root)\n");
	}
	ring_close(p);
	CHECK_EQ(ring_unlink(name), 0);
}

int main(void)
{
	same_pid_case(H_PIPES, -EPROTO, "not an eventfd (pipe:");
	same_pid_case(H_INSTANCE, -ESTALE, "two different objects");
	same_pid_case(H_THREE, -EPROTO, "3 descriptors");
	same_pid_case(H_ONE, -EPROTO, "1 descriptors");
	same_pid_case(H_NOTHING, -EPROTO, "0 bytes, 0 descriptors");
	same_pid_case(H_SILENT, -ETIMEDOUT, "did not hand out the eventfds in time");
	same_pid_case(H_GOOD, 0, "");
	stranger();
	full_backlog();
	serve_errors();
	printf("test_handover: ok\n");
	return 0;
}
