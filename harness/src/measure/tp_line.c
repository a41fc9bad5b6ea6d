/* tp_line.c: the `line` reference: one bare cache line handed back and
 * forth, nothing else.  Round n: the client stores 2n+1 and spins until it
 * reads 2n+2; the server spins until 2n+1 and stores 2n+2.  No payload, no
 * sequence check, no copy: the physical round trip between the two CPUs,
 * which nothing that moves messages can beat.  Pingpong only. */
#include "measure/transport.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>

#define LINE_BYTES 4096

struct line {
	alignas(64) _Atomic(uint64_t) word;   /* the line handed back and forth */
	alignas(64) _Atomic(uint32_t) closed; /* the client is done */
};

static int create(const struct bench_case *c, struct tp_objects *o, char *err, size_t n)
{
	(void)c;
	return tp_create_one(o, LINE_BYTES, err, n);
}

static int open_end(struct tp_worker *w)
{
	w->impl = tp_map_shm(w, w->name, LINE_BYTES);
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

static void close_out(struct tp_worker *w)
{
	struct line *l = w->impl;
	if (l)
		atomic_store_explicit(&l->closed, 1, memory_order_release);
}

static void close_end(struct tp_worker *w)
{
	if (w->impl)
		munmap(w->impl, LINE_BYTES);
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
