/* fault_transport.c: a test-only build of ringbench (ringbench_faulty)
 * whose producer, on any transport, loses, duplicates, reorders or corrupts
 * one message, so the tests can prove that every transport's receiver
 * catches it and the run ends in a visibility or integrity failure (exit 3)
 * naming the message.  The fault is here, never in the product: the worker
 * offers a weak hook, bench_transport_wrap(), which only this file defines.
 *   RINGBENCH_TEST_FAULT=lose|duplicate|swap|corrupt:N   (message N)
 * and, on ck_ring and rte_ring only, an offset in its ring that is no
 * message slot of the slab in place of message N's:
 *   RINGBENCH_TEST_FAULT=far:N     one slot past the end of the slab
 *   RINGBENCH_TEST_FAULT=askew:N   8 bytes into message N's slot
 * and, on boost_spsc only, a broken peer's index in spsc_queue's shared
 * state from message N on, each of which the worker must refuse (boost
 * would index its storage with it, or step it for 2^48 rounds):
 *   RINGBENCH_TEST_FAULT=readidx:N    the consumer's read index past the end
 *   RINGBENCH_TEST_FAULT=writeidx:N   the producer's own write index moved
 * and, to prove a verdict sees a slower build (check, ab), a producer that
 * busy-waits before every message it publishes:
 *   RINGBENCH_TEST_FAULT=slow:NS   NS nanoseconds a message */
#include "measure/transport.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef RINGBENCH_HAVE_CK
#include "measure/tp_ck.h"
#endif
#ifdef RINGBENCH_HAVE_DPDK
#include "measure/tp_rte.h"
#endif
#ifdef RINGBENCH_HAVE_BOOST
#include "measure/tp_boost.h"
#endif

enum fault {
	F_NONE,
	F_LOSE,
	F_DUPLICATE,
	F_SWAP,
	F_CORRUPT,
	F_FAR,
	F_ASKEW,
	F_SLOW,
	F_READIDX,
	F_WRITEIDX,
	F_KINDS
};

static const struct transport *real;
static struct transport faulty;
static enum fault kind;
static uint64_t at;
static void *last;	    /* the buffer of the last reservation */
static unsigned char *held; /* F_SWAP: message N, sent after N + 1 */

static int f_reserve(struct tp_worker *w, void **buf)
{
	int rc = real->reserve(w, buf);
	last = *buf;
	return rc;
}

static int again(struct tp_worker *w, const void *msg)
{
	void *p;
	int rc = real->reserve(w, &p);
	if (rc)
		return rc;
	memcpy(p, msg, w->c->size);
	return real->publish(w);
}

/* ck_ring, rte_ring: enqueue a bad offset in place of the message just
 * filled. */
static int plant_offset(struct tp_worker *w)
{
	if (strcmp(real->name, "rte_ring") == 0) {
#ifdef RINGBENCH_HAVE_DPDK
		return tp_rte_send_offset(w, kind == F_FAR ? tp_rte_slab_end(w)
							   : tp_rte_next_slot(w) + 8);
#else
		return tp_fail(w, -ENOTSUP, "fault: built without DPDK's ring");
#endif
	}
#ifdef RINGBENCH_HAVE_CK
	struct ck *k = w->impl;
	return ck_send_offset(w, kind == F_FAR ? (uintptr_t)(2 * k->n * k->stride)
					       : ck_slot(k, k->out.seq) + 8);
#else
	return tp_fail(w, -ENOTSUP, "fault: built without Concurrency Kit");
#endif
}

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int f_publish(struct tp_worker *w)
{
	uint64_t seq;
	memcpy(&seq, last, sizeof(seq));
	if (!w->producer)
		return real->publish(w);
	if (kind == F_SLOW) {
		for (int64_t until = now_ns() + (int64_t)at; now_ns() < until;)
			;
		return real->publish(w);
	}
	if ((kind == F_READIDX || kind == F_WRITEIDX) && seq >= at) {
#ifdef RINGBENCH_HAVE_BOOST
		/* Past the storage, or far from where the producer left its
		 * own; at every message from N, since the consumer's own store
		 * of its read index can land just after one and undo it. */
		tp_boost_break_index(w, kind == F_WRITEIDX, 104096);
#else
		return tp_fail(w, -ENOTSUP, "fault: built without Boost.Lockfree");
#endif
	}
	if (seq == at) {
		switch (kind) {
		case F_LOSE: return 0; /* never published: the next message takes its room */
		case F_SWAP:
			held = malloc(w->c->size);
			memcpy(held, last, w->c->size);
			return 0;
		case F_CORRUPT: ((unsigned char *)last)[w->c->size - 1] ^= 0x40; break;
		case F_FAR:
		case F_ASKEW: return plant_offset(w);
		default: break;
		}
	}
	unsigned char copy[1 << 16];
	bool dup = seq == at && kind == F_DUPLICATE && w->c->size <= sizeof(copy);
	if (dup)
		memcpy(copy, last, w->c->size);
	int rc = real->publish(w);
	if (!rc && dup)
		rc = again(w, copy);
	if (!rc && held && seq == at + 1) {
		rc = again(w, held);
		free(held);
		held = NULL;
	}
	return rc;
}

const struct transport *bench_transport_wrap(const struct transport *t)
{
	const char *spec = getenv("RINGBENCH_TEST_FAULT");
	if (!spec)
		return t;
	static const char *const names[F_KINDS] = {"none",    "lose",	 "duplicate", "swap",
						   "corrupt", "far",	 "askew",     "slow",
						   "readidx", "writeidx"};
	for (int i = 1; i < F_KINDS; i++) {
		size_t n = strlen(names[i]);
		if (strncmp(spec, names[i], n) == 0 && spec[n] == ':') {
			kind = (enum fault)i;
			at = strtoull(spec + n + 1, NULL, 10);
		}
	}
	if (kind == F_NONE || !t->publish)
		return t;
	if ((kind == F_FAR || kind == F_ASKEW) && strcmp(t->name, "ck_ring") != 0 &&
	    strcmp(t->name, "rte_ring") != 0) {
		fprintf(stderr, "fault: %s is for ck_ring and rte_ring only\n", spec);
		exit(2);
	}
	if ((kind == F_READIDX || kind == F_WRITEIDX) && strcmp(t->name, "boost_spsc") != 0) {
		fprintf(stderr, "fault: %s is for boost_spsc only\n", spec);
		exit(2);
	}
	real = t;
	faulty = *t;
	faulty.reserve = f_reserve;
	faulty.publish = f_publish;
	return &faulty;
}
