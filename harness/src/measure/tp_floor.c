/* tp_floor.c: the `floor` reference: what a shared-memory handoff costs
 * with the least machinery.  Fixed slots, each exactly as many bytes as the
 * ring's record for the same message (an 8-byte sequence word, then the
 * message padded to 8), packed back to back as the ring packs its records.
 * As in the ring, the consumer polls the slot's word, which the producer
 * stores last with release; the word is the slot's sequence number plus
 * one, so last lap's value never passes for this lap's and nobody zeroes
 * anything.  The consumer checks the message in place and hands slots back
 * in batches of 4 KiB (or an eighth of the slots), as the ring hands back
 * room.  No variable lengths, no wrap marks, no waiting but spinning.
 *
 * This is the plain design, not a bound: at 64 bytes the ring beats it
 * (spin, ring over floor, same run: ping-pong p50 0.68-0.76x in both
 * machine states; stream 1.2x in the fast state, 1.5x in the slow one),
 * most likely because the ring's producer zeroes lines ahead in batches
 * and so owns them before it writes; prefetching the next slot for writing
 * did not close the gap.  Dropped after measuring: the consumer zeroing
 * each word after use (both sides write every data line), a published
 * count on its own line (one more line per message), and a producer that
 * looked for room only every 64 pauses (the stream went in bursts of a
 * full ring).  The physical bound of a round trip is `line`.
 *
 * Stream, latency and pingpong (two directions of slots; the server copies
 * each message back as the ring's server does). */
#include "measure/transport.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define FLOOR_DATA 4096 /* slots start here; the directions' control before */

/* One direction's control, each field on its own line. */
struct floor_dir {
	alignas(64) _Atomic(uint64_t) head;   /* slots the consumer is done with */
	alignas(64) _Atomic(uint32_t) closed; /* the producer is done */
};

struct floor_side {
	unsigned char *slots;
	struct floor_dir *dir;
	uint64_t idx;  /* next slot to use */
	uint64_t seen; /* producer: last head seen */
};

struct floor {
	unsigned char *base;
	size_t len;
	uint64_t nslots, stride, batch;
	struct floor_side out, in;
};

static void geometry(const struct bench_case *c, uint64_t *nslots, uint64_t *stride, size_t *len)
{
	*stride = ring_record_size(c->size);
	uint64_t n = 2; /* at least two slots, whatever the capacity */
	while (n * 2 * *stride <= c->capacity)
		n *= 2;
	*nslots = n;
	int dirs = c->mode == MODE_PINGPONG ? 2 : 1;
	*len = FLOOR_DATA + (size_t)dirs * (size_t)n * (size_t)*stride;
}

static int create(const struct bench_case *c, struct tp_objects *o, char *err, size_t n)
{
	uint64_t nslots, stride;
	size_t len;
	geometry(c, &nslots, &stride, &len);
	return tp_create_one(o, len, err, n); /* all zeroes: every slot empty */
}

static int open_end(struct tp_worker *w)
{
	struct floor *f = calloc(1, sizeof(*f));
	if (!f)
		return tp_fail(w, -ENOMEM, "out of memory");
	w->impl = f;
	geometry(w->c, &f->nslots, &f->stride, &f->len);
	/* Room handed back as the ring hands it back: 4 KiB or an eighth. */
	uint64_t bytes = w->c->capacity / 8 < 4096 ? w->c->capacity / 8 : 4096;
	f->batch = bytes / f->stride ? bytes / f->stride : 1;
	if (f->batch > f->nslots / 2)
		f->batch = f->nslots / 2;
	f->base = tp_map_shm(w, w->name, f->len);
	if (!f->base)
		return -EIO;
	struct floor_dir *dir = (struct floor_dir *)f->base;
	unsigned char *data = f->base + FLOOR_DATA;
	/* Direction 0 carries producer (client) to consumer (server). */
	int o = w->producer ? 0 : 1, i = w->producer ? 1 : 0;
	f->out = (struct floor_side){.slots = data + o * f->nslots * f->stride, .dir = &dir[o]};
	f->in = (struct floor_side){.slots = data + i * f->nslots * f->stride, .dir = &dir[i]};
	return 0;
}

static _Atomic(uint64_t) *seq_word(struct floor *f, struct floor_side *s)
{
	return (_Atomic(uint64_t) *)(s->slots + (s->idx & (f->nslots - 1)) * f->stride);
}

static int reserve(struct tp_worker *w, void **buf)
{
	struct floor *f = w->impl;
	struct floor_side *s = &f->out;
	if (s->idx - s->seen >= f->nslots) {
		/* Pairs with the consumer's release store of head.  A look
		 * after every pause, as the ring's spin does, so a slot handed
		 * back is taken at once. */
		uint64_t want = s->idx - f->nslots + 1;
		int rc = tp_spin_word(w, &s->dir->head, want, &s->seen, NULL);
		if (rc)
			return rc;
		if (s->seen > s->idx)
			return tp_fail(w, -EPROTO, "floor: %llu slots handed back of %llu sent",
				       (unsigned long long)s->seen, (unsigned long long)s->idx);
	}
	*buf = (unsigned char *)seq_word(f, s) + 8;
	return 0;
}

static int publish(struct tp_worker *w)
{
	struct floor *f = w->impl;
	struct floor_side *s = &f->out;
	/* Pairs with the consumer's acquire load: the message is visible. */
	atomic_store_explicit(seq_word(f, s), s->idx + 1, memory_order_release);
	s->idx++;
	return 0;
}

static int recv_msg(struct tp_worker *w, const void **msg, size_t *len)
{
	struct floor *f = w->impl;
	struct floor_side *s = &f->in;
	_Atomic(uint64_t) *word = seq_word(f, s);
	uint64_t got;
	int rc = tp_spin_word(w, word, s->idx + 1, &got, &s->dir->closed);
	if (rc)
		return rc;
	/* A word from shared memory: anything but this slot's number is a
	 * broken peer. */
	if (got != s->idx + 1)
		return tp_fail(w, -EPROTO, "floor: slot %llu holds sequence word %llu",
			       (unsigned long long)s->idx, (unsigned long long)got);
	*msg = (unsigned char *)word + 8;
	*len = w->c->size;
	return 0;
}

static void release(struct tp_worker *w)
{
	struct floor *f = w->impl;
	struct floor_side *s = &f->in;
	s->idx++;
	if (s->idx % f->batch == 0)
		atomic_store_explicit(&s->dir->head, s->idx, memory_order_release);
}

static void close_out(struct tp_worker *w)
{
	struct floor *f = w->impl;
	if (f && f->base)
		atomic_store_explicit(&f->out.dir->closed, 1, memory_order_release);
}

static void close_end(struct tp_worker *w)
{
	struct floor *f = w->impl;
	if (!f)
		return;
	if (f->base)
		munmap(f->base, f->len);
	free(f);
	w->impl = NULL;
}

const struct transport transport_floor = {
    .name = "floor",
    .about = "fixed slots of the ring's record size, spin only: the least a handoff does",
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
