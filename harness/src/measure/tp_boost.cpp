/* tp_boost.cpp: the `boost_spsc` peer: Boost.Lockfree's spsc_queue
 * (Debian's libboost-dev), as a C++ team would share one between two
 * processes.  boost::lockfree::spsc_queue<Slot, boost::lockfree::capacity<N>>
 * with its capacity fixed at compile time keeps its elements inside the
 * object, with no allocator, so the whole queue is one block of memory that
 * can live in a shared mapping: the harness constructs it there with
 * placement new when it creates the case's objects, and each worker uses it
 * where it maps the object.  The element is a slot of S bytes: the producer
 * fills a staging slot of its own and push()es it (a copy in, boost's copy
 * construction of the element), the consumer reads the front() element in
 * place, checks it, and pop()s it at release.
 *
 * A template's sizes are fixed when it is compiled, so this file builds the
 * queue for slots of 16, 64, 256, 1K, 4K, 16K and 64K bytes and rings of
 * 64K, 1M and 16M bytes (capacity / S elements, two at least): 21 queues,
 * one picked at run time.  That covers the defaults (a 1M stream, a 64K
 * pingpong) and scenarios/peers.ini.  A message that is not a slot size
 * travels in the next larger slot, and the whole slot is copied, as with any
 * fixed element type; a message over 64K, or a capacity outside the three,
 * is skipped with its reason.
 *
 * Between processes the queue's two indices must be lock-free atomics
 * (address-free): spsc_queue uses std::atomic<size_t> here, and both are
 * asserted at compile time.  Its orders: push() copies the element in and
 * stores the write index with release; the consumer loads it with acquire
 * before it reads the element, and pop() stores the read index with
 * release.  spsc_queue trusts its peer: it reads both indices from the
 * shared object and indexes its storage with them.  What this file reads is
 * checked: at open, the queue's geometry as the harness wrote it and that
 * the queue is lock-free; before each message, that our own index is where
 * we left it and the peer's inside the storage (indexes_sane), and that
 * the front element lies inside the queue.  Spin only: spsc_queue has no
 * way to wait.
 *
 * Stream, latency and pingpong (a second queue for the replies).  Built
 * without exceptions or RTTI and using nothing of C++'s runtime library, so
 * ringbench still links as C: its start is what `ringbench startup` times.
 * Only where CMake found Boost.Lockfree; elsewhere the transport is in the
 * table and says why it cannot run. */
#include <atomic>
#include <cstddef>
#include <cstdint>

/* The harness's headers are C11.  Their _Atomic(T) is std::atomic<T> here,
 * as C++23's <stdatomic.h> spells it: the same size, alignment and
 * instructions for the lock-free types they hold (as ring.h's note says). */
#ifndef _Atomic
#define _Atomic(T) std::atomic<T>
#endif
#pragma GCC diagnostic push
/* bench.h's bench_clock() and struct bench_clock: one name in C++. */
#pragma GCC diagnostic ignored "-Wshadow"
extern "C" {
#include "measure/transport.h"
}
#pragma GCC diagnostic pop
/* Designated initializers leave the members they do not name zero, as in
 * C; only C++ warns of it. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#ifdef RINGBENCH_HAVE_BOOST
#include <boost/lockfree/spsc_queue.hpp>
#include <new>
#include <type_traits>

#if defined(BOOST_LOCKFREE_NO_HDR_ATOMIC) || defined(BOOST_LOCKFREE_FORCE_BOOST_ATOMIC)
#error "boost_spsc: spsc_queue must use std::atomic, whose lock-freedom is asserted below"
#endif
static_assert(std::atomic<std::size_t>::is_always_lock_free,
	      "spsc_queue's indices must be lock-free to work between processes");
static_assert(std::atomic<uint32_t>::is_always_lock_free,
	      "the closed flags must be lock-free to work between processes");

namespace
{

constexpr std::size_t BOOST_DATA = 4096;		/* the header page; then the queues */
constexpr uint64_t BOOST_MAGIC = 0x3163737073627272ULL; /* "rrbspsc1" */

/* One message slot: the queue's element. */
template <std::size_t S> struct alignas(8) slot {
	unsigned char bytes[S];
};

/* What the worker needs of one instantiation, behind plain pointers. */
struct queue_ops {
	std::size_t slot;      /* element bytes */
	uint64_t capacity;     /* ring bytes it was built for */
	std::size_t elements;  /* the queue's compile-time capacity */
	std::size_t bytes;     /* sizeof the queue */
	void (*make)(void *p); /* placement new */
	bool (*lock_free)(const void *q);
	std::size_t slots; /* boost's storage: elements + 1 */
	/* The queue's own write or read index, in shared memory. */
	std::atomic<std::size_t> *(*index)(void *q, bool write);
	bool (*push)(void *q, const void *s);
	bool (*ready)(void *q);
	const void *(*front)(void *q);
	void (*pop)(void *q);
};

template <std::size_t S, uint64_t Cap> struct queue_of {
	static constexpr std::size_t n = Cap / S >= 2 ? Cap / S : 2;
	using slot_t = slot<S>;
	using type = boost::lockfree::spsc_queue<slot_t, boost::lockfree::capacity<n>>;
	/* push() copy-constructs in place and pop() destroys: plain bytes. */
	static_assert(std::is_trivially_copyable<slot_t>::value &&
			  std::is_trivially_destructible<slot_t>::value,
		      "a slot is plain bytes");
	static type *q(void *p)
	{
		return static_cast<type *>(p);
	}
	static void make(void *p)
	{
		new (p) type();
	}
	static bool lock_free(const void *p)
	{
		return static_cast<const type *>(p)->is_lock_free();
	}
	/* boost keeps its indices as protected members: read through a
	 * pointer to them, formed in a class of our own derived from the
	 * queue, which is what C++ allows a derived class. */
	struct exposed : type {
		static std::atomic<std::size_t> *index(void *p, bool write)
		{
			auto m = write ? &exposed::write_index_ : &exposed::read_index_;
			return &(static_cast<type *>(p)->*m);
		}
	};
	static std::atomic<std::size_t> *index(void *p, bool write)
	{
		return exposed::index(p, write);
	}
	static bool push(void *p, const void *s)
	{
		return q(p)->push(*static_cast<const slot_t *>(s));
	}
	static bool ready(void *p)
	{
		return q(p)->read_available() > 0;
	}
	static const void *front(void *p)
	{
		return &q(p)->front();
	}
	static void pop(void *p)
	{
		q(p)->pop();
	}
	static constexpr queue_ops ops = {S,	 Cap,	n,    sizeof(type), make,  lock_free,
					  n + 1, index, push, ready,	    front, pop};
};

#define BOOST_ROW(S)                                                                               \
	&queue_of<S, 1ull << 16>::ops, &queue_of<S, 1ull << 20>::ops, &queue_of<S, 1ull << 24>::ops
const queue_ops *const queues[] = {BOOST_ROW(16),   BOOST_ROW(64),   BOOST_ROW(256),
				   BOOST_ROW(1024), BOOST_ROW(4096), BOOST_ROW(16384),
				   BOOST_ROW(65536)};
#undef BOOST_ROW
constexpr std::size_t SLOT_MAX = 65536;

/* The next slot size up from a message of size bytes. */
std::size_t slot_for(std::size_t size)
{
	std::size_t s = 16;
	while (s < size)
		s *= 4;
	return s;
}

/* The queue case c runs on, or NULL. */
const queue_ops *queue_for(const struct bench_case *c)
{
	std::size_t s = slot_for(c->size);
	for (const queue_ops *o : queues)
		if (o->slot == s && o->capacity == c->capacity)
			return o;
	return NULL;
}

/* The header page: what the harness built, then each direction's flag on a
 * line of its own. */
struct boost_head {
	uint64_t magic, slot, capacity, elements, bytes;
};
struct boost_dir {
	alignas(64) std::atomic<uint32_t> closed; /* the producer is done */
};
static_assert(sizeof(boost_head) <= 64, "the header fits its line");

std::size_t queue_stride(const queue_ops *o)
{
	return (o->bytes + 4095) & ~(std::size_t)4095; /* each queue starts a page */
}

std::size_t object_bytes(const struct bench_case *c, const queue_ops *o)
{
	int dirs = c->mode == MODE_PINGPONG ? 2 : 1;
	return BOOST_DATA + (std::size_t)dirs * queue_stride(o);
}

bool case_unavailable(const struct bench_case *c, char *why, size_t n)
{
	if (queue_for(c))
		return false;
	snprintf(why, n,
		 "no queue built for a %" PRIu64
		 "-byte capacity (its capacities are fixed at compile time: 64K, 1M and 16M)",
		 c->capacity);
	return true;
}

int create(const struct bench_case *c, struct tp_objects *o, char *err, size_t n)
{
	const queue_ops *qo = queue_for(c);
	if (!qo) {
		case_unavailable(c, err, n);
		return -EINVAL;
	}
	std::size_t len = object_bytes(c, qo);
	int rc = tp_create_one(o, len, err, n);
	if (rc)
		return rc;
	/* The queues are constructed in the object, and the header says which
	 * they are: the workers only attach. */
	struct tp_worker w = {};
	w.c = c;
	auto *base = static_cast<unsigned char *>(tp_map_shm(&w, o->name, len));
	if (!base) {
		snprintf(err, n, "%s", w.err);
		return -EIO;
	}
	int dirs = c->mode == MODE_PINGPONG ? 2 : 1;
	for (int d = 0; d < dirs; d++)
		qo->make(base + BOOST_DATA + (std::size_t)d * queue_stride(qo));
	*reinterpret_cast<boost_head *>(base) = {BOOST_MAGIC, qo->slot, qo->capacity, qo->elements,
						 qo->bytes};
	munmap(base, len);
	return 0;
}

struct boost_side {
	void *q;
	std::atomic<uint32_t> *closed;
	std::size_t mine; /* our index (write, or read) as we left it */
};

/* A worker's end (tp_worker.impl). */
struct boost_end {
	unsigned char *base;
	std::size_t len;
	const queue_ops *ops;
	boost_side out, in;
	void *staging; /* the producer's slot, copied in by push() */
};

/* spsc_queue indexes its storage with its own index from shared memory,
 * and steps it with a loop that runs as long as the value is large: before
 * each use, ours must be as we left it and the peer's inside the storage,
 * or the peer is broken.  (A peer that rewrites ours between this look and
 * boost's own load is not caught: boost reads it again itself.) */
int indexes_sane(struct tp_worker *w, const boost_end *b, const boost_side *s, bool writer)
{
	std::size_t own = b->ops->index(s->q, writer)->load(std::memory_order_relaxed),
		    peer = b->ops->index(s->q, !writer)->load(std::memory_order_relaxed);
	if (own == s->mine && peer < b->ops->slots)
		return 0;
	return tp_fail(w, -EPROTO,
		       "boost_spsc: the queue's indexes are broken (our %s index %zu where %zu "
		       "was left, the peer's %zu of %zu slots)",
		       writer ? "write" : "read", own, s->mine, peer, b->ops->slots);
}

/* The index after i, as boost steps it. */
std::size_t next_index(const boost_end *b, std::size_t i)
{
	return i + 1 < b->ops->slots ? i + 1 : 0;
}

int open_end(struct tp_worker *w)
{
	auto *b = static_cast<boost_end *>(calloc(1, sizeof(boost_end)));
	if (!b)
		return tp_fail(w, -ENOMEM, "out of memory");
	w->impl = b;
	b->ops = queue_for(w->c);
	if (!b->ops)
		return tp_fail(w, -EINVAL,
			       "boost_spsc: no queue for %zu-byte messages in %" PRIu64 " bytes",
			       w->c->size, w->c->capacity);
	b->len = object_bytes(w->c, b->ops);
	b->base = static_cast<unsigned char *>(tp_map_shm(w, w->name, b->len));
	if (!b->base)
		return -EIO;
	/* Read once: the header from shared memory, compared and never used
	 * as a size. */
	boost_head h;
	memcpy(&h, b->base, sizeof(h));
	if (h.magic != BOOST_MAGIC || h.slot != b->ops->slot || h.capacity != b->ops->capacity ||
	    h.elements != b->ops->elements || h.bytes != b->ops->bytes)
		return tp_fail(
		    w, -EPROTO,
		    "boost_spsc: the object holds no queue of %zu %zu-byte slots (%zu bytes)",
		    b->ops->elements, b->ops->slot, b->ops->bytes);
	auto *flags = reinterpret_cast<boost_dir *>(b->base + 64);
	int dirs = w->c->mode == MODE_PINGPONG ? 2 : 1;
	/* Direction 0 carries producer (client) to consumer (server). */
	int which[2] = {w->producer ? 0 : 1, w->producer ? 1 : 0};
	boost_side *side[2] = {&b->out, &b->in};
	for (int s = 0; s < 2; s++) {
		if (which[s] >= dirs)
			continue; /* a stream's one direction */
		void *q = b->base + BOOST_DATA + (std::size_t)which[s] * queue_stride(b->ops);
		if (!b->ops->lock_free(q))
			return tp_fail(w, -EPROTO, "boost_spsc: the queue is not lock-free");
		*side[s] = {q, &flags[which[s]].closed, 0};
		if (int rc = indexes_sane(w, b, side[s], s == 0))
			return rc;
	}
	b->staging = aligned_alloc(64, (b->ops->slot + 63) & ~(std::size_t)63);
	if (!b->staging)
		return tp_fail(w, -ENOMEM, "out of memory");
	memset(b->staging, 0, b->ops->slot);
	return 0;
}

/* The message is written into the producer's own slot, as a program that
 * pushes a value would have it. */
int reserve(struct tp_worker *w, void **buf)
{
	*buf = static_cast<boost_end *>(w->impl)->staging;
	return 0;
}

bool pushed(void *arg)
{
	auto *b = static_cast<boost_end *>(arg);
	if (!b->ops->push(b->out.q, b->staging))
		return false;
	b->out.mine = next_index(b, b->out.mine);
	return true;
}

int publish(struct tp_worker *w)
{
	auto *b = static_cast<boost_end *>(w->impl);
	if (int rc = indexes_sane(w, b, &b->out, true))
		return rc;
	int rc = tp_spin_until(w, pushed, b, NULL);
	return rc == -ETIMEDOUT ? tp_fail(w, rc, "boost_spsc: no room for %lld ms",
					  (long long)(w->timeout_ns / 1000000))
				: rc;
}

bool ready(void *arg)
{
	auto *b = static_cast<boost_end *>(arg);
	return b->ops->ready(b->in.q);
}

int recv_msg(struct tp_worker *w, const void **msg, size_t *len)
{
	auto *b = static_cast<boost_end *>(w->impl);
	int rc = tp_spin_until(w, ready, b, b->in.closed);
	if (rc)
		return rc;
	if ((rc = indexes_sane(w, b, &b->in, false)))
		return rc;
	/* The front element is where the read index in shared memory says:
	 * inside the queue, or a broken peer. */
	const void *p = b->ops->front(b->in.q);
	uintptr_t at = (uintptr_t)p - (uintptr_t)b->in.q;
	if ((uintptr_t)p < (uintptr_t)b->in.q || at > b->ops->bytes - b->ops->slot)
		return tp_fail(w, -EPROTO, "boost_spsc: the front element is not in the queue");
	*msg = p;
	*len = w->c->size;
	return 0;
}

void release(struct tp_worker *w)
{
	auto *b = static_cast<boost_end *>(w->impl);
	b->ops->pop(b->in.q);
	b->in.mine = next_index(b, b->in.mine);
}

void close_out(struct tp_worker *w)
{
	auto *b = static_cast<boost_end *>(w->impl);
	if (b && b->out.closed)
		b->out.closed->store(1, std::memory_order_release);
}

void close_end(struct tp_worker *w)
{
	auto *b = static_cast<boost_end *>(w->impl);
	if (!b)
		return;
	if (b->base)
		munmap(b->base, b->len);
	free(b->staging);
	free(b);
	w->impl = NULL;
}

} // namespace

/* The fault test's seam (tp_boost.h): a broken peer's index. */
extern "C" void tp_boost_break_index(struct tp_worker *w, bool write, size_t value)
{
	auto *b = static_cast<boost_end *>(w->impl);
	b->ops->index(b->out.q, write)->store(value, std::memory_order_release);
}

extern "C" const struct transport transport_boost = {
    .name = "boost_spsc",
    .about =
	"Boost.Lockfree's spsc_queue: fixed slots pushed by copy, compile-time sizes, spin only",
    .modes = 1u << MODE_STREAM | 1u << MODE_PINGPONG | 1u << MODE_LATENCY,
    .max_size = SLOT_MAX,
    .case_unavailable = case_unavailable,
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

namespace
{
const char *unavailable(bool start)
{
	(void)start;
	return "built without Boost.Lockfree (Debian's libboost-dev)";
}
} // namespace

extern "C" const struct transport transport_boost = {
    .name = "boost_spsc",
    .about = "Boost.Lockfree's spsc_queue (not in this build: no libboost-dev)",
    .modes = 1u << MODE_STREAM | 1u << MODE_PINGPONG | 1u << MODE_LATENCY,
    .unavailable = unavailable,
};

#endif
