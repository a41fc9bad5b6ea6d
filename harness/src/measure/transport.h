/* transport.h: one small interface that the ring and each reference
 * transport implement, one file each (libuv's backends are the model): the
 * harness side makes and removes the objects of a case, the worker side
 * opens one end and moves messages.  The worker loops (worker.c) know
 * nothing of which transport runs: every message, on every transport, is
 * reserved, filled with the same self-checking payload, published, received,
 * checked and released the same way. */
#ifndef TRANSPORT_H
#define TRANSPORT_H

#include "measure/bench.h"

/* The harness's side of one case's objects. */
struct tp_objects {
	char name[RING_NAME_MAX + 1];	/* base name the workers are given */
	char shm[2][RING_NAME_MAX + 1]; /* shared-memory objects to unlink */
	int nshm;
	bool unlinked;
	struct ring *rings[2]; /* ring: the harness's handles (it serves eventfds) */
	int served[2];	       /* eventfd hand-overs made per ring */
	int fds[4];	       /* pipe or socket ends handed to the workers */
	int status;	       /* the run's outcome (BENCH_*), set before destroy */
};

/* One worker's end. */
struct tp_worker {
	const struct bench_case *c;
	bool producer;	    /* producer, or pingpong client */
	const char *name;   /* tp_objects.name */
	int64_t timeout_ns; /* of every blocking call */
	int fd_in, fd_out;  /* inherited descriptors, or -1 */
	void *impl;	    /* the transport's own state */
	uint64_t syscalls;  /* counted by the transports that make them */
	char err[400];	    /* why the last call failed */
};

struct transport {
	const char *name;
	const char *about; /* one line for --help */
	unsigned modes;	   /* 1 << enum bench_mode it can run */
	bool ring_options; /* takes --wait and --capacity as the ring's */
	/* Optional, harness: why it cannot run here (a library or program
	 * missing), in one line; NULL when it can.  Its cases are skipped.
	 * With start, also bring up what it needs for the run (a daemon);
	 * without, only look (--list runs nothing). */
	const char *(*unavailable)(bool start);
	/* Optional: the largest message it carries (0: the ring's limits);
	 * larger cases are skipped, said once. */
	uint64_t max_size;
	/* Optional, harness: whether it cannot run case c for a limit of its
	 * own other than max_size (a capacity it was not built for): true with
	 * the reason, one line, in why.  Such a case is skipped, said once. */
	bool (*case_unavailable)(const struct bench_case *c, char *why, size_t n);
	/* Harness: make the objects of case c (o->name is set).  0 or -errno,
	 * with a sentence in err. */
	int (*create)(const struct bench_case *c, struct tp_objects *o, char *err, size_t n);
	/* Harness, optional: hand over what an attaching worker needs, without
	 * waiting. */
	void (*serve)(struct tp_objects *o);
	/* Harness, optional: release its handles (the names are unlinked,
	 * and o->fds closed, by the caller). */
	void (*destroy)(struct tp_objects *o);
	/* Harness, optional: descriptors the worker inherits as in and out. */
	void (*worker_fds)(const struct tp_objects *o, bool producer, int *in, int *out);

	/* Worker: open our end.  0 or -errno with w->err set. */
	int (*open)(struct tp_worker *w);
	/* Room for the next outgoing message of c->size bytes. */
	int (*reserve)(struct tp_worker *w, void **buf);
	/* Make the reserved message visible to the peer. */
	int (*publish)(struct tp_worker *w);
	/* The next incoming message, valid until release(): 0, -EPIPE once
	 * the peer closed and nothing is left, or -errno with w->err set. */
	int (*recv)(struct tp_worker *w, const void **msg, size_t *len);
	void (*release)(struct tp_worker *w);
	/* The sending side is done: the peer gets -EPIPE after the last. */
	void (*close_out)(struct tp_worker *w);
	void (*close)(struct tp_worker *w);
	/* Optional: system calls made so far (the ring counts its own); a
	 * transport without it makes none. */
	uint64_t (*syscalls)(struct tp_worker *w);
	/* Optional, pingpong: one bare round trip instead of the message path
	 * (the `line` reference): round n, client and server. */
	int (*ping)(struct tp_worker *w, uint64_t n);
	int (*pong)(struct tp_worker *w, uint64_t n);
};

/* The table, indexed by enum bench_transport. */
const struct transport *transport_get(enum bench_transport t);

extern const struct transport transport_ring;
extern const struct transport transport_floor;
extern const struct transport transport_line;
extern const struct transport transport_work;
extern const struct transport transport_pipe;
extern const struct transport transport_unix;
extern const struct transport transport_lamport;
extern const struct transport transport_ck;
extern const struct transport transport_iox;
extern const struct transport transport_rte;
extern const struct transport transport_boost;

/* For the transports: format w->err and return err. */
int tp_fail(struct tp_worker *w, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The shared-memory references' two helpers: create an object of len
 * bytes, every page allocated (0 or -errno with err), and map one shared and
 * populated (NULL with w->err). */
int tp_create_shm(const char *name, size_t len, char *err, size_t n);
/* The one object of a case, named o->name, of len bytes: created as
 * tp_create_shm does and recorded in o for the caller to unlink. */
int tp_create_one(struct tp_objects *o, size_t len, char *err, size_t n);
void *tp_map_shm(struct tp_worker *w, const char *name, size_t len);

/* Spin until the counter *word reaches want (acquire; counters only grow,
 * so "reaches" is word - want >= 0 as a signed difference): 0 with the
 * value seen in *seen, -EPIPE if *closed (when not NULL) is set first and
 * the counter is still short, or -ETIMEDOUT after w->timeout_ns, with
 * w->err set. */
int tp_spin_word(struct tp_worker *w, _Atomic(uint64_t) *word, uint64_t want, uint64_t *seen,
		 _Atomic(uint32_t) *closed);
/* The same for any condition: spin until ready(arg) is true (0), *closed
 * (when not NULL) is set and ready is still false (-EPIPE), or
 * w->timeout_ns passes (-ETIMEDOUT, w->err set). */
int tp_spin_until(struct tp_worker *w, bool (*ready)(void *arg), void *arg,
		  _Atomic(uint32_t) *closed);

/* Test seam: a test program may define this (the product does not) to wrap
 * a transport's operations, for example to inject a lost or corrupt
 * message; the worker calls it once when it opens its transport. */
const struct transport *bench_transport_wrap(const struct transport *t) __attribute__((weak));

#endif
