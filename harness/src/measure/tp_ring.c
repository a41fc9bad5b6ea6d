/* tp_ring.c: the ring under test, as a transport.  A stream or a latency
 * run uses one ring; a pingpong uses two, ".a" from client to server and
 * ".b" back.  The harness creates them (and hands out the eventfds of an
 * eventfd ring); each worker attaches by name, as an unrelated program
 * would. */
#include "measure/transport.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tp_ring {
	struct ring *out; /* we send on it */
	struct ring *in;  /* we receive on it */
};

/* The object names of a case: one, or two for a pingpong. */
static int ring_names(const struct bench_case *c, const char *base,
		      char names[2][RING_NAME_MAX + 1])
{
	if (c->mode != MODE_PINGPONG) {
		snprintf(names[0], RING_NAME_MAX + 1, "%s", base);
		return 1;
	}
	snprintf(names[0], RING_NAME_MAX + 1, "%.60s.a", base);
	snprintf(names[1], RING_NAME_MAX + 1, "%.60s.b", base);
	return 2;
}

static int create(const struct bench_case *c, struct tp_objects *o, char *err, size_t n)
{
	struct ring_config cfg = {.capacity = c->capacity, .wait = c->wait};
	int k = ring_names(c, o->name, o->shm);
	for (int i = 0; i < k; i++) {
		int rc = ring_create(&o->rings[i], o->shm[i], &cfg, RING_ROLE_NONE);
		if (rc) {
			snprintf(err, n, "%s", ring_last_error());
			return rc;
		}
		o->nshm++;
	}
	return 0;
}

static void serve(struct tp_objects *o)
{
	/* Each ring hands its eventfds to two workers. */
	for (int i = 0; i < 2; i++)
		if (o->rings[i] && o->served[i] < 2 && ring_serve(o->rings[i], 0) == 0)
			o->served[i]++;
}

static void destroy(struct tp_objects *o)
{
	for (int i = 0; i < 2; i++) {
		ring_close(o->rings[i]);
		o->rings[i] = NULL;
	}
}

static int open_end(struct tp_worker *w)
{
	struct tp_ring *t = calloc(1, sizeof(*t));
	if (!t)
		return tp_fail(w, -ENOMEM, "out of memory");
	w->impl = t;
	char names[2][RING_NAME_MAX + 1];
	int rc;
	if (ring_names(w->c, w->name, names) == 1) {
		rc = w->producer ? ring_attach(&t->out, names[0], RING_ROLE_PRODUCER, w->timeout_ns)
				 : ring_attach(&t->in, names[0], RING_ROLE_CONSUMER, w->timeout_ns);
	} else {
		/* Client: sends on .a, receives on .b; the server the other way. */
		rc = ring_attach(&t->out, names[w->producer ? 0 : 1], RING_ROLE_PRODUCER,
				 w->timeout_ns);
		if (!rc)
			rc = ring_attach(&t->in, names[w->producer ? 1 : 0], RING_ROLE_CONSUMER,
					 w->timeout_ns);
	}
	return rc ? tp_fail(w, rc, "attach: %s", ring_last_error()) : 0;
}

static int reserve(struct tp_worker *w, void **buf)
{
	struct tp_ring *t = w->impl;
	/* The fast path first; the blocking call, with the case's strategy,
	 * only when the ring is full. */
	*buf = ring_reserve(t->out, w->c->size);
	if (*buf)
		return 0;
	int rc = ring_reserve_wait(t->out, w->c->size, buf, w->c->wait, w->timeout_ns);
	return rc ? tp_fail(w, rc, "%s", ring_last_error()) : 0;
}

static int publish(struct tp_worker *w)
{
	struct tp_ring *t = w->impl;
	ring_commit(t->out, w->c->size);
	ring_publish(t->out);
	return 0;
}

static int recv_msg(struct tp_worker *w, const void **msg, size_t *len)
{
	struct tp_ring *t = w->impl;
	*msg = ring_peek(t->in, len);
	if (*msg)
		return 0;
	int rc = ring_peek_wait(t->in, msg, len, w->c->wait, w->timeout_ns);
	if (rc == -EPIPE)
		return rc;
	return rc ? tp_fail(w, rc, "%s", ring_last_error()) : 0;
}

static void release(struct tp_worker *w)
{
	struct tp_ring *t = w->impl;
	ring_release(t->in);
}

static void close_out(struct tp_worker *w)
{
	struct tp_ring *t = w->impl;
	if (t) {
		ring_close(t->out);
		t->out = NULL;
	}
}

static void close_end(struct tp_worker *w)
{
	struct tp_ring *t = w->impl;
	if (!t)
		return;
	ring_close(t->out);
	ring_close(t->in);
	free(t);
	w->impl = NULL;
}

static uint64_t syscalls(struct tp_worker *w)
{
	struct tp_ring *t = w->impl;
	return (t->out ? ring_syscalls(t->out) : 0) + (t->in ? ring_syscalls(t->in) : 0);
}

const struct transport transport_ring = {
    .name = "ring",
    .about = "the ring under test, with the case's wait strategy and capacity",
    .modes = 1u << MODE_STREAM | 1u << MODE_PINGPONG | 1u << MODE_LATENCY,
    .ring_options = true,
    .create = create,
    .serve = serve,
    .destroy = destroy,
    .open = open_end,
    .reserve = reserve,
    .publish = publish,
    .recv = recv_msg,
    .release = release,
    .close_out = close_out,
    .close = close_end,
    .syscalls = syscalls,
};
