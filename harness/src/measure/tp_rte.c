/* tp_rte.c: the `rte_ring` peer: DPDK's ring (Debian's libdpdk-dev), in
 * single-producer single-consumer mode (RING_F_SP_ENQ | RING_F_SC_DEQ), as
 * a program that wants DPDK's ring, and not the rest of DPDK, would put it
 * in shared memory between two processes.
 *
 * Without the EAL: nothing here calls rte_eal_init().  A DPDK application
 * initialises the EAL first and makes its rings with rte_ring_create() in
 * the EAL's memory, which wants hugepages reserved, a runtime directory,
 * and one primary process owning that memory with the others attached as
 * secondaries through DPDK's own multi-process model.  None of that is the
 * ring, and two ringbench workers started side by side by a harness are
 * not a primary and a secondary.  The ring itself needs none of it:
 * rte_ring_init() lays a ring out in memory the caller gives it (it only
 * fills in the struct), and the enqueue and dequeue calls are inline
 * functions on that memory.  So the harness calls rte_ring_init() in the
 * case's shared object, as it calls ck_ring_init(), and each worker maps
 * the object as any peer does: no hugepages, no runtime directory, no
 * primary, and the ring code measured is the code a DPDK program runs.
 *
 * Nothing of DPDK is linked: librte_ring brings librte_eal, libnuma and
 * four more libraries, whose loading and constructors made every ringbench
 * process start 1.6 ms slower (*measured 2026-12-02* on the project's
 * 2-vCPU AMD EPYC VM: 1.0 ms to 2.6 ms for an empty program), which
 * `ringbench startup` would flag, as it flagged the C++ runtime.  So the
 * harness loads librte_ring with dlopen when it creates an rte_ring case,
 * for rte_ring_init and rte_ring_get_memsize_elem, and the workers need no
 * library at all: the calls they make are DPDK's inline functions.  A
 * worker sizes a ring as rte_ring_get_memsize_elem does (the struct, then
 * the elements, to a cache line), and the harness checks the library
 * agrees before the workers start.  The EAL's constructors, run at that
 * dlopen, print nothing (harness.peers.rte_ring checks that a run's output
 * has nothing of DPDK's).
 *
 * By reference, as ck_ring: the ring carries the offset of each message in
 * a slab of fixed slots beside it, so the messages are written and checked
 * in place (zero copy, as the ring's are).  The elem API, with 8-byte
 * elements: an offset is an integer, not a pointer, and the pointer API is
 * this same code (rte_ring_enqueue_bulk calls the _elem one with
 * sizeof(void *)), so nothing is cast and nothing is measured differently.
 * The explicit rte_ring_sp_enqueue_elem and rte_ring_sc_dequeue_elem, not
 * rte_ring_enqueue_elem: that one reads the sync type from the shared
 * struct on every call.  The flags are set all the same, and checked.
 *
 * rte_ring frees a slot the moment it is dequeued, before the consumer has
 * read the message the slot pointed to, so the slab has twice as many
 * message slots as the ring holds offsets (the ring holds N-1, as ck_ring
 * does; the same geometry).  rte_ring reads its indices and its mask from
 * the shared struct on every call (it trusts its peer): the size, mask,
 * capacity, flags and sync types are checked when a worker opens its end,
 * and what this file adds, the offset, before each use.  On x86-64 DPDK
 * 22.11 builds its generic memory model: volatile indices and compiler
 * barriers, enough under x86's TSO; ringbench measures it on x86-64.  Spin
 * only: rte_ring has no way to wait.
 *
 * Stream, latency and pingpong (a second ring for the replies).  Built only
 * where CMake found DPDK's ring library; elsewhere the transport is in the
 * table and says why it cannot run.  This is the one file that includes
 * DPDK's headers, and the one built with DPDK's flags. */
#include "measure/transport.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#ifdef RINGBENCH_HAVE_DPDK
#include "measure/tp_rte.h"

#include <dlfcn.h>
#include <rte_ring.h>

#define TP_RTE_DATA 4096 /* both directions' closed flags before this; then the data */
#define TP_RTE_ELEM sizeof(uint64_t)

/* One direction's flag, on a line of its own. */
struct rte_dir {
	alignas(64) _Atomic(uint32_t) closed; /* the producer is done */
};

struct rte_side {
	struct rte_ring *ring; /* N offsets follow the struct */
	_Atomic(uint32_t) *closed;
	unsigned char *slab; /* 2N message slots */
	uint64_t seq;	     /* producer: next slab slot to fill */
};

/* A worker's end (tp_worker.impl). */
struct rte {
	unsigned char *base;
	size_t len, dir_bytes, ring_bytes;
	uint64_t n, stride; /* offsets in the ring; bytes per message slot */
	struct rte_side out, in;
};

/* ck_ring's geometry: N offsets and 2N slots of the message rounded to 8
 * within the capacity, and each direction's ring struct before its slab. */
static void geometry(const struct bench_case *c, struct rte *g)
{
	g->stride = (c->size + 7) & ~(uint64_t)7;
	uint64_t k = 2;
	while (k * 2 * (2 * g->stride + TP_RTE_ELEM) <= c->capacity && k < (1u << 30))
		k *= 2;
	g->n = k;
	/* rte_ring_get_memsize_elem's size: create checks the library's. */
	g->ring_bytes =
	    RTE_ALIGN(sizeof(struct rte_ring) + (size_t)k * TP_RTE_ELEM, RTE_CACHE_LINE_SIZE);
	/* Each direction's ring starts a page, so its cache lines are DPDK's. */
	g->dir_bytes = (g->ring_bytes + 2 * (size_t)k * (size_t)g->stride + 4095) & ~(size_t)4095;
	int dirs = c->mode == MODE_PINGPONG ? 2 : 1;
	g->len = TP_RTE_DATA + (size_t)dirs * g->dir_bytes;
}

static struct rte_ring *dir_ring(struct rte *g, int d)
{
	return (struct rte_ring *)(g->base + TP_RTE_DATA + (size_t)d * g->dir_bytes);
}

/* The two functions of librte_ring the harness calls, loaded once. */
static struct {
	__typeof__(rte_ring_init) *init;
	__typeof__(rte_ring_get_memsize_elem) *memsize;
} lib;

static int load(char *err, size_t n)
{
	if (lib.init)
		return 0;
	void *h = dlopen(RTE_RING_LIB, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(err, n, "%s", dlerror());
		return -ENOENT;
	}
	lib.memsize = (__typeof__(lib.memsize))dlsym(h, "rte_ring_get_memsize_elem");
	lib.init = (__typeof__(lib.init))dlsym(h, "rte_ring_init");
	if (!lib.init || !lib.memsize) {
		lib.init = NULL;
		snprintf(err, n, "%s has no rte_ring_init", RTE_RING_LIB);
		return -ENOENT;
	}
	return 0;
}

/* A build with DPDK's ring on a machine whose librte_ring is gone. */
static const char *unavailable(bool start)
{
	(void)start;
	static char why[300];
	return load(why, sizeof(why)) ? why : NULL;
}

static int create(const struct bench_case *c, struct tp_objects *o, char *err, size_t n)
{
	struct rte g = {0};
	geometry(c, &g);
	int rc = load(err, n);
	if (rc)
		return rc;
	ssize_t want = lib.memsize(TP_RTE_ELEM, (unsigned)g.n);
	if (want < 0 || (size_t)want != g.ring_bytes) {
		snprintf(err, n,
			 "rte_ring: librte_ring sizes a ring of %llu slots at %zd bytes, this "
			 "build at %zu",
			 (unsigned long long)g.n, want, g.ring_bytes);
		return -EPROTO;
	}
	rc = tp_create_one(o, g.len, err, n);
	if (rc)
		return rc;
	/* rte_ring_init in the object, for each direction: the workers only
	 * attach. */
	struct tp_worker w = {.c = c};
	g.base = tp_map_shm(&w, o->name, g.len);
	if (!g.base) {
		snprintf(err, n, "%s", w.err);
		return -EIO;
	}
	int dirs = c->mode == MODE_PINGPONG ? 2 : 1;
	for (int d = 0; d < dirs && !rc; d++) {
		char name[16];
		snprintf(name, sizeof(name), "ringbench-%d", d);
		rc = lib.init(dir_ring(&g, d), name, (unsigned)g.n, RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (rc)
			snprintf(err, n, "rte_ring_init of %llu slots: %s", (unsigned long long)g.n,
				 strerror(-rc));
	}
	munmap(g.base, g.len);
	return rc;
}

/* What the harness set up, as this build would: a ring of N offsets, one
 * producer, one consumer. */
static bool ring_ok(const struct rte_ring *r, uint64_t n)
{
	return r->size == n && r->mask == n - 1 && r->capacity == n - 1 &&
	       (r->flags & (RING_F_SP_ENQ | RING_F_SC_DEQ)) == (RING_F_SP_ENQ | RING_F_SC_DEQ) &&
	       r->prod.sync_type == RTE_RING_SYNC_ST && r->cons.sync_type == RTE_RING_SYNC_ST;
}

static int open_end(struct tp_worker *w)
{
	struct rte *g = calloc(1, sizeof(*g));
	if (!g)
		return tp_fail(w, -ENOMEM, "out of memory");
	w->impl = g;
	geometry(w->c, g);
	g->base = tp_map_shm(w, w->name, g->len);
	if (!g->base)
		return -EIO;
	struct rte_dir *flags = (struct rte_dir *)g->base;
	/* Direction 0 carries producer (client) to consumer (server). */
	int o = w->producer ? 0 : 1, i = w->producer ? 1 : 0;
	int dirs = w->c->mode == MODE_PINGPONG ? 2 : 1;
	for (int d = 0; d < dirs; d++)
		if (!ring_ok(dir_ring(g, d), g->n))
			return tp_fail(w, -EPROTO,
				       "rte_ring: direction %d not set up as an SP/SC ring of %llu "
				       "slots",
				       d, (unsigned long long)g->n);
	struct rte_side *side[2] = {&g->out, &g->in};
	int which[2] = {o, i};
	for (int s = 0; s < 2; s++) {
		if (which[s] >= dirs)
			continue; /* a stream's one direction */
		struct rte_ring *r = dir_ring(g, which[s]);
		*side[s] = (struct rte_side){.ring = r,
					     .closed = &flags[which[s]].closed,
					     .slab = (unsigned char *)r + g->ring_bytes};
	}
	return 0;
}

/* The slab offset of message seq's slot. */
static uint64_t slot_of(const struct rte *g, uint64_t seq)
{
	return (seq & (2 * g->n - 1)) * g->stride;
}

uint64_t tp_rte_next_slot(const struct tp_worker *w)
{
	const struct rte *g = w->impl;
	return slot_of(g, g->out.seq);
}

uint64_t tp_rte_slab_end(const struct tp_worker *w)
{
	const struct rte *g = w->impl;
	return 2 * g->n * g->stride;
}

static int reserve(struct tp_worker *w, void **buf)
{
	struct rte *g = w->impl;
	*buf = g->out.slab + slot_of(g, g->out.seq);
	return 0;
}

/* One offset to enqueue, or the one dequeued. */
struct rte_op {
	struct rte_ring *r;
	uint64_t off;
};

static bool enqueued(void *arg)
{
	struct rte_op *e = arg;
	/* rte_ring's write barrier orders the message before its offset. */
	return rte_ring_sp_enqueue_elem(e->r, &e->off, TP_RTE_ELEM) == 0;
}

int tp_rte_send_offset(struct tp_worker *w, uint64_t off)
{
	struct rte *g = w->impl;
	struct rte_op e = {g->out.ring, off};
	int rc = tp_spin_until(w, enqueued, &e, NULL);
	if (rc)
		return rc == -ETIMEDOUT ? tp_fail(w, rc, "rte_ring: no room for %lld ms",
						  (long long)(w->timeout_ns / 1000000))
					: rc;
	g->out.seq++;
	return 0;
}

static int publish(struct tp_worker *w)
{
	struct rte *g = w->impl;
	return tp_rte_send_offset(w, slot_of(g, g->out.seq));
}

static bool dequeued(void *arg)
{
	struct rte_op *d = arg;
	/* rte_ring's read barrier orders the offset before the message. */
	return rte_ring_sc_dequeue_elem(d->r, &d->off, TP_RTE_ELEM) == 0;
}

static int recv_msg(struct tp_worker *w, const void **msg, size_t *len)
{
	struct rte *g = w->impl;
	struct rte_op d = {g->in.ring, 0};
	int rc = tp_spin_until(w, dequeued, &d, g->in.closed);
	if (rc)
		return rc;
	/* An offset from shared memory: one of the slab's slots, or a broken
	 * peer. */
	if (d.off % g->stride || d.off / g->stride >= 2 * g->n)
		return tp_fail(w, -EPROTO, "rte_ring: offset %llu is not a message slot",
			       (unsigned long long)d.off);
	*msg = g->in.slab + d.off;
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
	struct rte *g = w->impl;
	if (g && g->out.closed)
		atomic_store_explicit(g->out.closed, 1, memory_order_release);
}

static void close_end(struct tp_worker *w)
{
	struct rte *g = w->impl;
	if (!g)
		return;
	if (g->base)
		munmap(g->base, g->len);
	free(g);
	w->impl = NULL;
}

const struct transport transport_rte = {
    .name = "rte_ring",
    .about = "DPDK's rte_ring, SP/SC, without the EAL: offsets into a shared slab, spin only",
    .modes = 1u << MODE_STREAM | 1u << MODE_PINGPONG | 1u << MODE_LATENCY,
    .unavailable = unavailable,
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
	return "built without DPDK's ring (Debian's libdpdk-dev)";
}

const struct transport transport_rte = {
    .name = "rte_ring",
    .about = "DPDK's rte_ring, SP/SC (not in this build: no libdpdk-dev)",
    .modes = 1u << MODE_STREAM | 1u << MODE_PINGPONG | 1u << MODE_LATENCY,
    .unavailable = unavailable,
};

#endif
