/* tp_ck.c: the `ck_ring` reference: Concurrency Kit's single-producer
 * single-consumer ring (Debian's libck-dev), as a program would put it in
 * shared memory.  ck_ring queues pointers; here each of its slots holds the
 * offset of a message in a slab of fixed slots beside it, so the messages
 * are written and checked in place (zero copy, as the ring's are).
 *
 * ck_ring frees a slot the moment it is dequeued, before the consumer has
 * read the message the slot pointed to, so the slab has twice as many
 * message slots as the ring holds offsets: the ring holds at most N-1
 * offsets, the consumer reads message s while the producer can be at most
 * at s+N, and s+N and s fall on different slab slots when the slab has 2N.
 * ck_ring reads its own indices and mask from the shared struct on every
 * call (it trusts its peer): the size and mask are checked when a worker
 * opens its end, and what this file adds, the offset, before each use.
 * ck_ring's dequeue orders its load of the slot before its store of the
 * consumer index with a store fence, which is enough on x86-64 (TSO) and
 * not on weaker machines; ringbench measures it on x86-64.  Spin only:
 * ck_ring has no way to wait.
 *
 * Stream, latency and pingpong (a second ring for the replies).  Built
 * only where CMake found Concurrency Kit; elsewhere the transport is in the
 * table and says why it cannot run. */
#include "measure/transport.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#ifdef RINGBENCH_HAVE_CK
#include "measure/tp_ck.h"

static void geometry(const struct bench_case *c, uint64_t *n, uint64_t *stride, size_t *len)
{
	*stride = (c->size + 7) & ~(uint64_t)7;
	uint64_t k = 2;
	/* ck_ring counts in unsigned int: at most 2^30 offsets. */
	while (k * 2 * (2 * *stride + sizeof(void *)) <= c->capacity && k < (1u << 30))
		k *= 2;
	*n = k;
	int dirs = c->mode == MODE_PINGPONG ? 2 : 1;
	*len = CK_DATA + (size_t)dirs * (size_t)k * (2 * *stride + sizeof(void *));
}

static unsigned char *dir_data(struct ck *k, int d)
{
	return k->base + CK_DATA + (size_t)d * k->n * (2 * k->stride + sizeof(void *));
}

static int create(const struct bench_case *c, struct tp_objects *o, char *err, size_t n)
{
	uint64_t k, stride;
	size_t len;
	geometry(c, &k, &stride, &len);
	int rc = tp_create_one(o, len, err, n);
	if (rc)
		return rc;
	/* ck_ring_init in the object, for each direction: the workers only
	 * attach. */
	struct tp_worker w = {.c = c};
	struct ck_dir *dir = tp_map_shm(&w, o->name, CK_DATA);
	if (!dir) {
		snprintf(err, n, "%s", w.err);
		return -EIO;
	}
	for (int d = 0; d < 2; d++)
		ck_ring_init(&dir[d].ring, (unsigned)k);
	munmap(dir, CK_DATA);
	return 0;
}

static int open_end(struct tp_worker *w)
{
	struct ck *k = calloc(1, sizeof(*k));
	if (!k)
		return tp_fail(w, -ENOMEM, "out of memory");
	w->impl = k;
	geometry(w->c, &k->n, &k->stride, &k->len);
	k->base = tp_map_shm(w, w->name, k->len);
	if (!k->base)
		return -EIO;
	struct ck_dir *dir = (struct ck_dir *)k->base;
	/* Direction 0 carries producer (client) to consumer (server). */
	int o = w->producer ? 0 : 1, i = w->producer ? 1 : 0;
	int dirs = w->c->mode == MODE_PINGPONG ? 2 : 1;
	for (int d = 0; d < dirs; d++)
		if (ck_ring_capacity(&dir[d].ring) != k->n || dir[d].ring.mask != k->n - 1 ||
		    !ck_ring_valid(&dir[d].ring))
			return tp_fail(w, -EPROTO,
				       "ck_ring: direction %d not set up for %llu slots", d,
				       (unsigned long long)k->n);
	struct ck_side *side[2] = {&k->out, &k->in};
	int which[2] = {o, i};
	for (int s = 0; s < 2; s++) {
		if (which[s] >= dirs)
			continue; /* a stream's one direction */
		unsigned char *data = dir_data(k, which[s]);
		*side[s] = (struct ck_side){.dir = &dir[which[s]],
					    .buf = (struct ck_ring_buffer *)data,
					    .slab = data + k->n * sizeof(void *)};
	}
	return 0;
}

static int reserve(struct tp_worker *w, void **buf)
{
	struct ck *k = w->impl;
	*buf = k->out.slab + ck_slot(k, k->out.seq);
	return 0;
}

struct enq {
	struct ck_side *s;
	void *off;
};

static bool enqueued(void *arg)
{
	struct enq *e = arg;
	/* ck_ring's store fence orders the message before its offset. */
	return ck_ring_enqueue_spsc(&e->s->dir->ring, e->s->buf, e->off);
}

int ck_send_offset(struct tp_worker *w, uintptr_t off)
{
	struct ck *k = w->impl;
	struct enq e = {&k->out, (void *)off};
	int rc = tp_spin_until(w, enqueued, &e, NULL);
	if (rc)
		return rc == -ETIMEDOUT ? tp_fail(w, rc, "ck_ring: no room for %lld ms",
						  (long long)(w->timeout_ns / 1000000))
					: rc;
	k->out.seq++;
	return 0;
}

static int publish(struct tp_worker *w)
{
	struct ck *k = w->impl;
	return ck_send_offset(w, ck_slot(k, k->out.seq));
}

struct deq {
	struct ck_side *s;
	void *off;
};

static bool dequeued(void *arg)
{
	struct deq *d = arg;
	/* ck_ring's load fence orders the offset before the message. */
	return ck_ring_dequeue_spsc(&d->s->dir->ring, d->s->buf, &d->off);
}

static int recv_msg(struct tp_worker *w, const void **msg, size_t *len)
{
	struct ck *k = w->impl;
	struct ck_side *s = &k->in;
	struct deq d = {s, NULL};
	int rc = tp_spin_until(w, dequeued, &d, &s->dir->closed);
	if (rc)
		return rc;
	/* An offset from shared memory: one of the slab's slots, or a broken
	 * peer. */
	uintptr_t off = (uintptr_t)d.off;
	if (off % k->stride || off / k->stride >= 2 * k->n)
		return tp_fail(w, -EPROTO, "ck_ring: offset %llu is not a message slot",
			       (unsigned long long)off);
	*msg = s->slab + off;
	*len = w->c->size;
	return 0;
}

/* The slot was freed at dequeue; the slab's second half keeps the message
 * until the next one is read. */
static void release(struct tp_worker *w)
{
	(void)w;
}

static void close_out(struct tp_worker *w)
{
	struct ck *k = w->impl;
	if (k && k->out.dir)
		atomic_store_explicit(&k->out.dir->closed, 1, memory_order_release);
}

static void close_end(struct tp_worker *w)
{
	struct ck *k = w->impl;
	if (!k)
		return;
	if (k->base)
		munmap(k->base, k->len);
	free(k);
	w->impl = NULL;
}

const struct transport transport_ck = {
    .name = "ck_ring",
    .about = "Concurrency Kit's SPSC ring: offsets into a shared slab, spin only",
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

#else

static const char *unavailable(bool start)
{
	(void)start;
	return "built without Concurrency Kit (Debian's libck-dev)";
}

const struct transport transport_ck = {
    .name = "ck_ring",
    .about = "Concurrency Kit's SPSC ring (not in this build: no libck-dev)",
    .modes = 1u << MODE_STREAM | 1u << MODE_PINGPONG | 1u << MODE_LATENCY,
    .unavailable = unavailable,
};

#endif
