/* tp_ck.h: the layout of the `ck_ring` reference (tp_ck.c), in its own
 * header so that the fault test (harness/tests/fault_transport.c) can plant
 * an offset that is not a message slot and prove the consumer refuses it.
 * Only where CMake found Concurrency Kit. */
#ifndef TP_CK_H
#define TP_CK_H

#include <ck_ring.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define CK_DATA 4096 /* both directions' control before this; then the data */

/* One direction's control: ck_ring's own struct (its consumer and
 * producer indices on lines of their own), and our closed flag. */
struct ck_dir {
	alignas(128) struct ck_ring ring;
	alignas(64) _Atomic(uint32_t) closed; /* the producer is done */
};

struct ck_side {
	struct ck_dir *dir;
	struct ck_ring_buffer *buf; /* N offsets */
	unsigned char *slab;	    /* 2N message slots */
	uint64_t seq;		    /* producer: next slab slot to fill */
	const void *msg;	    /* consumer: the message being read */
};

/* A worker's end (tp_worker.impl). */
struct ck {
	unsigned char *base;
	size_t len;
	uint64_t n, stride; /* offsets in the ring; bytes per message slot */
	struct ck_side out, in;
};

/* The slab offset of message seq's slot. */
static inline uintptr_t ck_slot(const struct ck *k, uint64_t seq)
{
	return (uintptr_t)((seq & (2 * k->n - 1)) * k->stride);
}

struct tp_worker;
/* Enqueue offset off on our outgoing ring and count the message sent,
 * spinning for room up to the worker's timeout: 0 or -errno with w->err. */
int ck_send_offset(struct tp_worker *w, uintptr_t off);

#endif
