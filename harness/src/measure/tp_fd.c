/* tp_fd.c: the `pipe` and `unix` references: the kernel's own ways of
 * moving bytes between two processes.  The producer fills a message in its
 * own buffer and writes it; the consumer reads it into its buffer and checks
 * it there; a pingpong server writes back what it read.  Every read and
 * write is a system call, counted. */
#include "measure/transport.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int create_pipe(const struct bench_case *c, struct tp_objects *o, char *err, size_t n)
{
	/* fds[0..1]: client to server; fds[2..3]: server to client. */
	if (pipe(&o->fds[0]) < 0 || (c->mode == MODE_PINGPONG && pipe(&o->fds[2]) < 0)) {
		int e = errno;
		snprintf(err, n, "pipe: %s", strerror(e));
		return -e;
	}
	return 0;
}

static int create_unix(const struct bench_case *c, struct tp_objects *o, char *err, size_t n)
{
	(void)c;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, &o->fds[0]) < 0) {
		int e = errno;
		snprintf(err, n, "socketpair: %s", strerror(e));
		return -e;
	}
	return 0;
}

static void pipe_fds(const struct tp_objects *o, bool producer, int *in, int *out)
{
	*out = producer ? o->fds[1] : o->fds[3];
	*in = producer ? o->fds[2] : o->fds[0];
}

static void unix_fds(const struct tp_objects *o, bool producer, int *in, int *out)
{
	*in = *out = o->fds[producer ? 0 : 1];
}

static int open_end(struct tp_worker *w)
{
	w->impl = malloc(w->c->size);
	return w->impl ? 0 : tp_fail(w, -ENOMEM, "out of memory");
}

static int io_exact(struct tp_worker *w, int fd, void *buf, size_t n, bool write_side)
{
	unsigned char *p = buf;
	while (n) {
		ssize_t k = write_side ? write(fd, p, n) : read(fd, p, n);
		w->syscalls++;
		if (k > 0) {
			p += k;
			n -= (size_t)k;
		} else if (k == 0) {
			return -EPIPE; /* end of stream */
		} else if (errno != EINTR) {
			if (errno == EPIPE || errno == ECONNRESET)
				return -EPIPE;
			return tp_fail(w, -errno, "%s: %s", write_side ? "write" : "read",
				       strerror(errno));
		}
	}
	return 0;
}

static int reserve(struct tp_worker *w, void **buf)
{
	*buf = w->impl;
	return 0;
}

static int publish(struct tp_worker *w)
{
	return io_exact(w, w->fd_out, w->impl, w->c->size, true);
}

static int recv_msg(struct tp_worker *w, const void **msg, size_t *len)
{
	int rc = io_exact(w, w->fd_in, w->impl, w->c->size, false);
	*msg = w->impl;
	*len = w->c->size;
	return rc;
}

static void release(struct tp_worker *w)
{
	(void)w;
}

static void close_out(struct tp_worker *w)
{
	if (w->fd_out < 0)
		return;
	/* A socket's end may sit on two descriptors here (in and out): only
	 * shutdown() tells the peer, whatever other copies stay open.  A
	 * pipe's write end is this one descriptor: closing it does. */
	shutdown(w->fd_out, SHUT_WR);
	if (w->fd_out != w->fd_in)
		close(w->fd_out);
	w->fd_out = -1;
}

static void close_end(struct tp_worker *w)
{
	free(w->impl);
	w->impl = NULL;
}

static uint64_t syscalls(struct tp_worker *w)
{
	return w->syscalls;
}

/* A pingpong server echoes through the same buffer: reserve hands back the
 * buffer the message was read into, and its bytes are what it writes. */
#define FD_TRANSPORT(id, label, what, make, fds)                                                   \
	const struct transport id = {                                                              \
	    .name = label,                                                                         \
	    .about = what,                                                                         \
	    .modes = 1u << MODE_STREAM | 1u << MODE_PINGPONG | 1u << MODE_LATENCY,                 \
	    .create = make,                                                                        \
	    .worker_fds = fds,                                                                     \
	    .open = open_end,                                                                      \
	    .reserve = reserve,                                                                    \
	    .publish = publish,                                                                    \
	    .recv = recv_msg,                                                                      \
	    .release = release,                                                                    \
	    .close_out = close_out,                                                                \
	    .close = close_end,                                                                    \
	    .syscalls = syscalls,                                                                  \
	}

FD_TRANSPORT(transport_pipe, "pipe", "a pipe each way, read and write", create_pipe, pipe_fds);
FD_TRANSPORT(transport_unix, "unix", "a Unix stream socket pair, read and write", create_unix,
	     unix_fds);
