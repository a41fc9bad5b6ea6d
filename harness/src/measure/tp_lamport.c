/* tp_lamport.c: the `lamport` reference: the textbook single-producer
 * single-consumer ring most hand-written rings are.  Fixed slots of the
 * message size (rounded to 8 bytes), a power of two of them; the producer's
 * index (tail) and the consumer's (head) each on a cache line of its own;
 * each side keeps a copy of the other's index and reads the shared one
 * again only when its copy says the ring is full (producer) or empty
 * (consumer).  Messages are copied in from the sender's buffer and out to
 * the receiver's; tail is published after every message, and so is head.
 * Spin only.
 *
 * It is a peer to measure the ring against, not a bound: it does what the
 * ring does without its variable-length records, zero copy or
 * self-signalling words.
 *
 * Stream, latency and pingpong (a second direction for the replies). */
#include "measure/transport.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define LAMPORT_DATA 4096 /* slots start here; both directions' control before */

/* One direction's control: each index on its own line. */
struct lamport_dir {
	alignas(64) _Atomic(uint64_t) tail;   /* messages published */
	alignas(64) _Atomic(uint64_t) head;   /* messages consumed */
	alignas(64) _Atomic(uint32_t) closed; /* the producer is done */
};

struct lamport_side {
	unsigned char *slots;
	struct lamport_dir *dir;
	uint64_t idx;	    /* producer: tail; consumer: head */
	uint64_t other;	    /* the copy of the peer's index */
	unsigned char *buf; /* the message outside the ring, copied in or out */
};

struct lamport {
	unsigned char *base;
	size_t len;
	uint64_t nslots, stride;
	struct lamport_side out, in;
};

static void geometry(const struct bench_case *c, uint64_t *nslots, uint64_t *stride, size_t *len)
{
	*stride = (c->size + 7) & ~(uint64_t)7;
	uint64_t n = 2;
	while (n * 2 * *stride <= c->capacity)
		n *= 2;
	*nslots = n;
	int dirs = c->mode == MODE_PINGPONG ? 2 : 1;
	*len = LAMPORT_DATA + (size_t)dirs * (size_t)n * (size_t)*stride;
}

static int create(const struct bench_case *c, struct tp_objects *o, char *err, size_t n)
{
	uint64_t nslots, stride;
	size_t len;
	geometry(c, &nslots, &stride, &len);
	return tp_create_one(o, len, err, n); /* all zeroes: both indices 0, the ring empty */
}

static int open_end(struct tp_worker *w)
{
	struct lamport *l = calloc(1, sizeof(*l));
	if (!l)
		return tp_fail(w, -ENOMEM, "out of memory");
	w->impl = l;
	geometry(w->c, &l->nslots, &l->stride, &l->len);
	l->base = tp_map_shm(w, w->name, l->len);
	if (!l->base)
		return -EIO;
	struct lamport_dir *dir = (struct lamport_dir *)l->base;
	unsigned char *data = l->base + LAMPORT_DATA;
	/* Direction 0 carries producer (client) to consumer (server). */
	int o = w->producer ? 0 : 1, i = w->producer ? 1 : 0;
	l->out = (struct lamport_side){
	    .slots = data + o * l->nslots * l->stride, .dir = &dir[o], .buf = calloc(1, l->stride)};
	l->in = (struct lamport_side){
	    .slots = data + i * l->nslots * l->stride, .dir = &dir[i], .buf = calloc(1, l->stride)};
	if (!l->out.buf || !l->in.buf)
		return tp_fail(w, -ENOMEM, "out of memory");
	/* One direction in a stream: the other side's slots are not mapped. */
	if (w->c->mode != MODE_PINGPONG)
		(w->producer ? &l->in : &l->out)->slots = NULL;
	return 0;
}

static unsigned char *slot(struct lamport *l, const struct lamport_side *s)
{
	return s->slots + (s->idx & (l->nslots - 1)) * l->stride;
}

/* The message is written into the sender's own buffer, as a program that
 * copies into a ring would have it. */
static int reserve(struct tp_worker *w, void **buf)
{
	struct lamport *l = w->impl;
	*buf = l->out.buf;
	return 0;
}

static int publish(struct tp_worker *w)
{
	struct lamport *l = w->impl;
	struct lamport_side *s = &l->out;
	if (s->idx - s->other >= l->nslots) {
		/* Full by the copy: read head again.  Pairs with the
		 * consumer's release store of head: the slot is free. */
		int rc = tp_spin_word(w, &s->dir->head, s->idx - l->nslots + 1, &s->other, NULL);
		if (rc)
			return rc;
		if ((int64_t)(s->other - s->idx) > 0)
			return tp_fail(w, -EPROTO, "lamport: head %llu past tail %llu",
				       (unsigned long long)s->other, (unsigned long long)s->idx);
	}
	memcpy(slot(l, s), s->buf, w->c->size);
	/* Pairs with the consumer's acquire load of tail: the copy above is
	 * visible before the index that announces it. */
	atomic_store_explicit(&s->dir->tail, ++s->idx, memory_order_release);
	return 0;
}

static int recv_msg(struct tp_worker *w, const void **msg, size_t *len)
{
	struct lamport *l = w->impl;
	struct lamport_side *s = &l->in;
	if (s->idx == s->other) {
		/* Empty by the copy: read tail again (acquire, pairs with the
		 * producer's release store). */
		int rc = tp_spin_word(w, &s->dir->tail, s->idx + 1, &s->other, &s->dir->closed);
		if (rc)
			return rc;
		/* An index from shared memory: more than a ring ahead is a
		 * broken peer. */
		if (s->other - s->idx > l->nslots)
			return tp_fail(w, -EPROTO,
				       "lamport: tail %llu more than a ring past head %llu",
				       (unsigned long long)s->other, (unsigned long long)s->idx);
	}
	memcpy(s->buf, slot(l, s), w->c->size);
	*msg = s->buf;
	*len = w->c->size;
	return 0;
}

static void release(struct tp_worker *w)
{
	struct lamport *l = w->impl;
	struct lamport_side *s = &l->in;
	/* Pairs with the producer's acquire load of head: the slot was
	 * copied out before it is handed back. */
	atomic_store_explicit(&s->dir->head, ++s->idx, memory_order_release);
}

static void close_out(struct tp_worker *w)
{
	struct lamport *l = w->impl;
	if (l && l->base)
		atomic_store_explicit(&l->out.dir->closed, 1, memory_order_release);
}

static void close_end(struct tp_worker *w)
{
	struct lamport *l = w->impl;
	if (!l)
		return;
	if (l->base)
		munmap(l->base, l->len);
	free(l->out.buf);
	free(l->in.buf);
	free(l);
	w->impl = NULL;
}

const struct transport transport_lamport = {
    .name = "lamport",
    .about = "the textbook cached-index ring: fixed slots, copies in and out, spin only",
    .modes = 1u << MODE_STREAM | 1u << MODE_PINGPONG | 1u << MODE_LATENCY,
    .create = create,
    .open = open_end,
    .reserve = reserve,
    .publish = publish,
    .recv = recv_msg,
    .release = release,
    .close_out = close_out,
    .close = close_end,
};
