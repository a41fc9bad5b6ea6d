/* tp_line.c: the `line` reference: one bare cache line handed back and
 * forth, nothing else.  Round n: the client stores 2n+1 and spins until it
 * reads 2n+2; the server spins until 2n+1 and stores 2n+2.  No payload, no
 * sequence check, no copy: the physical round trip between the two CPUs,
 * which nothing that moves messages can beat.  Pingpong only.
 *
 * And the `work` reference: the same bare round trip, with the message work
 * of one checked round trip done by the client alone, on its own CPU: fill
 * a message (the client's send), check it (the server's receive), copy it
 * (the server's echo) and check the copy (the client's receive), exactly as
 * the worker does them on every transport.  No message crosses between the
 * CPUs, only the line: what a checked round trip costs when moving the
 * message itself is free.  It is measured in the same run and state as the
 * ring, by the same loop, so a ring round trip over it is the ring's own
 * overhead. */
#include "measure/transport.h"
#include "payload.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define LINE_BYTES 4096

/* The work reference's two message buffers follow the line, each on lines
 * of its own; only the client touches them. */
static size_t slot_bytes(const struct bench_case *c)
{
	return (c->size + 63) & ~(size_t)63;
}

static size_t object_bytes(const struct bench_case *c)
{
	return c->transport == T_WORK ? LINE_BYTES + 2 * slot_bytes(c) : LINE_BYTES;
}

struct line {
	alignas(64) _Atomic(uint64_t) word;   /* the line handed back and forth */
	alignas(64) _Atomic(uint32_t) closed; /* the client is done */
};

static int create(const struct bench_case *c, struct tp_objects *o, char *err, size_t n)
{
	return tp_create_one(o, object_bytes(c), err, n);
}

static int open_end(struct tp_worker *w)
{
	w->impl = tp_map_shm(w, w->name, object_bytes(w->c));
	return w->impl ? 0 : -EIO;
}

/* Wait for the count want, and only it: a peer that skips a count has
 * broken the handoff. */
static int await(struct tp_worker *w, struct line *l, uint64_t want, _Atomic(uint32_t) *closed)
{
	uint64_t seen;
	int rc = tp_spin_word(w, &l->word, want, &seen, closed);
	if (rc == 0 && seen != want)
		rc = tp_fail(w, -EPROTO, "line: count %llu where %llu was due",
			     (unsigned long long)seen, (unsigned long long)want);
	return rc;
}

static int ping(struct tp_worker *w, uint64_t n)
{
	struct line *l = w->impl;
	/* Pairs with the server's acquire load in tp_spin_word(). */
	atomic_store_explicit(&l->word, 2 * n + 1, memory_order_release);
	return await(w, l, 2 * n + 2, NULL);
}

static int pong(struct tp_worker *w, uint64_t n)
{
	struct line *l = w->impl;
	int rc = await(w, l, 2 * n + 1, &l->closed);
	if (rc == 0)
		atomic_store_explicit(&l->word, 2 * n + 2, memory_order_release);
	return rc;
}

/* One checked round trip's message work, then the bare round trip. */
static int work_ping(struct tp_worker *w, uint64_t n)
{
	size_t len = w->c->size;
	unsigned char *sent = (unsigned char *)w->impl + LINE_BYTES,
		      *echo = sent + slot_bytes(w->c);
	uint64_t got = 0;
	payload_fill(sent, len, n);
	/* The barriers stand for the other process: the compiler may not
	 * carry what it wrote into the check that reads it back. */
	__asm__ volatile("" ::: "memory");
	enum payload_status st = payload_check(sent, len, len, n, 1, &got);
	if (st == PAYLOAD_OK) {
		memcpy(echo, sent, len);
		__asm__ volatile("" ::: "memory");
		st = payload_check(echo, len, len, n, 1, &got);
	}
	if (st != PAYLOAD_OK)
		return tp_fail(w, -EPROTO, "work: message %" PRIu64 ": wrong %s", n,
			       payload_status_name(st));
	return ping(w, n);
}

static void close_out(struct tp_worker *w)
{
	struct line *l = w->impl;
	if (l)
		atomic_store_explicit(&l->closed, 1, memory_order_release);
}

static void close_end(struct tp_worker *w)
{
	if (w->impl)
		munmap(w->impl, object_bytes(w->c));
	w->impl = NULL;
}

const struct transport transport_line = {
    .name = "line",
    .about = "one bare cache line handed back and forth: the physical round trip",
    .modes = 1u << MODE_PINGPONG,
    .create = create,
    .open = open_end,
    .close_out = close_out,
    .close = close_end,
    .ping = ping,
    .pong = pong,
};

const struct transport transport_work = {
    .name = "work",
    .about = "the bare round trip plus one round trip's message work, done in one process",
    .modes = 1u << MODE_PINGPONG,
    .create = create,
    .open = open_end,
    .close_out = close_out,
    .close = close_end,
    .ping = work_ping,
    .pong = pong,
};
