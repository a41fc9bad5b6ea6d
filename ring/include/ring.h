/* ring.h: one single-producer/single-consumer ring of variable-length
 * messages in shared memory, shared by two unrelated processes.
 *
 * Conventions (liburing style):
 *  - every function that can fail returns 0 or a negative errno; on failure
 *    ring_last_error() gives a sentence naming the object and the field;
 *  - non-blocking fast paths are static inline here and return a pointer,
 *    a bool or a count;
 *  - blocking calls take a wait strategy and a timeout in nanoseconds and
 *    never wait longer than that timeout, nor forever on a dead peer,
 *    whatever the peer did to the flags of the eventfds both share (but see
 *    the one race left where the kernel offers no io_uring, under "What a
 *    peer can do");
 *  - a fast path called on the wrong handle, or out of order, is refused
 *    (NULL or false, and ring_last_error() names the call and the handle's
 *    role): it never hurts the peer's stream.
 *
 * Memory ordering: each side writes its own index with a release store and
 * reads the peer's index with an acquire load.  The comment at each ordering
 * point names the operation it pairs with.
 *
 * Where the ring lives.  The ring (header and data) is a memfd the creator
 * seals against shrinking and growing (F_SEAL_SHRINK | F_SEAL_GROW |
 * F_SEAL_SEAL) before anyone can see it; the
 * name in /dev/shm is only a pointer to it: one page holding a copy of the
 * header's line 0, whose fields creator_pid and creator_fd say where the
 * memfd is.  An attacher reads that page (never maps it), opens
 * /proc/CREATOR_PID/fd/CREATOR_FD (its own open file description of the
 * same memfd), refuses it unless it carries F_SEAL_SHRINK and its own line
 * 0 says what the name says, and maps it.  So:
 *  - a ring can be attached while its creator holds it (its handle open),
 *    by a process that sees the creator's pid (the same pid namespace) and
 *    may open its descriptors (the same uid; a creator that made itself
 *    non-dumpable, or runs setuid, refuses that to everyone but root);
 *  - its memory is the creator's memory: /dev/shm's size does not bound it
 *    (ring_create refuses a ring larger than the memory available:
 *    MemAvailable and SwapFree, and what is left under the creator's cgroup
 *    memory.max, page cache it would reclaim counted as free), and a
 *    creator that is not dumpable (after a change of uid, or
 *    PR_SET_DUMPABLE 0) is refused at create, since nobody but root could
 *    open its descriptors (a root creator is let through);
 *  - in /proc/PID/maps it shows as "/memfd:NAME (deleted)", NAME the ring's
 *    name without its '/'.
 *
 * What a peer can do.  Both processes map one shared memfd and share the
 * eventfds' open file descriptions, so a peer of the same uid can write
 * anything into the header and the data, and change the eventfds' flags;
 * libring checks what it reads (record words, indices, the header at
 * attach) and never relies on O_NONBLOCK, reading the eventfds with
 * RWF_NOWAIT and writing a wake only when the counter has room.  What is
 * left:
 *  - Shrinking the ring is impossible: the seal refuses ftruncate to
 *    everyone, the creator included, so no access through a mapping of it
 *    can raise SIGBUS.  A peer can truncate or replace the name's page: that
 *    only makes later attaches fail (ring_attach reads it with pread, so a
 *    short read is an error, never a fault).  What attach opens through
 *    /proc is decided on an O_PATH descriptor first (a plain memfd, the
 *    inode the name says, our uid), so a page that points at a terminal, a
 *    FIFO or a FUSE file makes it run no open code of theirs.
 *  - A peer can punch holes in the ring (fallocate PUNCH_HOLE; no seal
 *    forbids it but F_SEAL_WRITE, which forbids the shared writable mapping
 *    too): the lost pages read as zeros, as if the peer had written zeros
 *    there, which libring survives like any other write of a peer (a
 *    stream that stalls, never a fault or a phantom message), and come
 *    back on the next touch, allocated then, on the account of whoever
 *    touches them.
 *  - An eventfd wake is not a write: each handle in a role submits a no-op
 *    to an io_uring of its own whose completions the kernel posts to the
 *    peer's eventfd (io_uring_register_eventfd).  The kernel adds to the
 *    counter, stops at its maximum, and never blocks, whatever a peer did
 *    to O_NONBLOCK or the counter; a sleeper drains a counter at its
 *    maximum like any other.  One system call per wake.  A child forked
 *    after attach shares its parent's queues; when they fall out of step
 *    its next wake sets up a fresh queue of its own.  Where the kernel
 *    offers no io_uring (disabled by sysctl, refused by a seccomp policy:
 *    the handle's wake_uring is then NULL), a wake polls the counter and
 *    writes only when it has room (a wake is pending anyway when it has
 *    none); there a peer that clears O_NONBLOCK and refills the counter in
 *    the instant between that look and the write still blocks the waker's
 *    write (in ring_send, ring_publish, ring_close and the blocking calls)
 *    until the counter is read, which only that peer does.  A futex ring
 *    has no such descriptor.
 *  - Liveness is the role's lock (see RING_VERSION), held by the open file
 *    description of the process that attached: a child forked without exec
 *    after attach holds it too, and the role lives on while that child does
 *    (its ring_close() of the inherited handle only frees its copy: call it
 *    in the child, or exec, to let the role die with its process);
 *    and a process that takes a dead peer's lock passes for that peer, so
 *    the survivor waits out its timeout (never longer).  The pid in a slot
 *    decides nothing: a peer that writes another pid, CLOSED or 0 there
 *    changes only which of -EPIPE and -EOWNERDEAD the survivor gets once the
 *    lock is free.
 *  - The caps words are promises, taken on trust: a peer that sets its
 *    RING_CAP_SLEEP_BARRIER bit and then sleeps without the barrier may miss
 *    a wake, and a third process can set either bit.  Either costs the
 *    sleeper at most one sleep slice (50 ms) per missed wake, as a forged
 *    waiter flag does, never a lost or corrupt message.
 */
#ifndef RING_H
#define RING_H

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

/*
 * The fast paths below are compiled into the caller, who may write C++,
 * which has no _Atomic before C++23.  There the shared words are
 * std::atomic<T>, and the C names of the operations are brought into the
 * global namespace, as C++23's <stdatomic.h> does, so that one text serves
 * both languages with the same memory orders.  A lock-free std::atomic<T>
 * of T's size and alignment holds a plain T, as _Atomic(T) does, and both
 * compile to the same atomic instructions: the asserts after struct
 * ring_record hold both languages to that, and to one layout.
 */
#ifdef __cplusplus
#include <atomic>
#include <type_traits>
#define RING_ATOMIC(T) std::atomic<T>
using std::atomic_load_explicit;
using std::atomic_signal_fence;
using std::atomic_store_explicit;
using std::memory_order_acquire;
using std::memory_order_relaxed;
using std::memory_order_release;
using std::memory_order_seq_cst;
#else
#include <stdatomic.h>
#define RING_ATOMIC(T) _Atomic(T)
#endif

/* What libring exports: the functions declared here, the ring__ ones among
 * them since the inline fast paths call them; the rest is built hidden. */
#define RING_API __attribute__((visibility("default")))

#ifdef __cplusplus
extern "C" {
#endif

#define RING_MAGIC	   0x31474e4952425252ULL /* "RRBRING1" little-endian */
#define RING_VERSION	   3u
#define RING_CACHELINE	   64
#define RING_HEADER_SIZE   4096 /* data starts on the next page */
#define RING_CAPACITY_MIN  4096ULL
#define RING_CAPACITY_MAX  (1ULL << 40)
#define RING_NAME_MAX	   64 /* bytes including the leading '/' */
#define RING_RECORD_ALIGN  8
#define RING_WRAP_MARK	   UINT32_MAX /* record word meaning "skip to offset 0" */
#define RING_ZERO_AHEAD	   256	      /* bytes the producer keeps zeroed past its tail */
#define RING_RELEASE_BATCH 4096	      /* most bytes consumed before head is published */

/*
 * RING_FLAG_ASYM_WAKE, set at creation on a hybrid ring where the kernel has
 * membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED): the StoreLoad fence of the
 * sleep/wake handshake moves from every publish, and every release of room,
 * to the sleeper.  The same in both directions:
 *   - Each side, at attach, registers for the barrier (so that the peer's
 *     barrier reaches its CPU) and calls it once; if the call works it sets
 *     RING_CAP_SLEEP_BARRIER in its own caps word (consumer_caps,
 *     producer_caps), and from then on, about to sleep, stores its waiter
 *     flag, calls the membarrier, and only then looks at the ring once more.
 *   - Once registered and once it has seen the peer's bit, a side stores
 *     what wakes the peer (the producer its record word, the consumer head)
 *     with a plain release store and loads the peer's waiter flag with a
 *     plain load.  Until then (a peer not yet attached, one that does not
 *     know the flag or its bit, one whose membarrier failed) it keeps the
 *     fence, which is always safe.
 * The membarrier runs a full barrier on every CPU running a registered
 * process, the peer's among them (a peer not running passes one at its
 * context switch): either the peer's store is visible to the sleeper's last
 * look, or the peer's later load of the flag sees it set (Dekker, the fence
 * moved to the side about to sleep anyway); ring/tests/test_litmus.c runs
 * that pair between two pinned processes, with the barrier (where both must
 * never miss) and without it (the control that shows the test can see a
 * lost wake); docs/design.md gives the counts.  A hybrid waiter has spun
 * 50 us first (a futex wait on a hybrid ring does not), so the membarrier
 * (microseconds, and an interrupt of the peer's CPU) lands on an idle path,
 * where the fence it replaces is on every publish or release.  docs/ring.md
 * gives what the handshake costs and gains, as measured with ringbench ab.
 */
/* The value 2, with bit 1 unused: attach refuses flag bits it does not
 * know, so no build that reads bit 1 otherwise can pair a fence-free
 * producer with a consumer that did not say it calls the barrier.  A
 * consumer that never sets consumer_caps keeps its producer fenced, and a
 * producer that never sets producer_caps (a build that knew only the
 * consumer's bit) keeps its consumer fenced. */
#define RING_FLAG_ASYM_WAKE    2u
#define RING_CAP_SLEEP_BARRIER 1u /* *_caps: it calls membarrier before sleeping */

enum ring_wait {
	RING_WAIT_SPIN = 0,    /* busy-poll with a pause instruction */
	RING_WAIT_FUTEX = 1,   /* sleep on a futex word in shared memory */
	RING_WAIT_EVENTFD = 2, /* sleep in poll() on an eventfd */
	RING_WAIT_HYBRID = 3,  /* spin for a bounded time, then futex */
	RING_WAIT_COUNT
};

enum ring_role {
	RING_ROLE_NONE = 0, /* creates, serves and removes, never moves data */
	RING_ROLE_PRODUCER = 1,
	RING_ROLE_CONSUMER = 2,
};

enum ring_state {
	RING_STATE_INIT = 0,  /* being built by the creator: do not touch */
	RING_STATE_READY = 1, /* published with a release store */
};

/* Values of the pid slots besides a live pid. */
#define RING_PID_NONE	0  /* nobody has attached in this role yet */
#define RING_PID_CLOSED -1 /* the role holder closed cleanly */

/*
 * Who holds a role is told by a lock, not by the pid in its slot: a pid can
 * be reused by an unrelated process once its owner dies, and any peer can
 * write one.  The holder of role R keeps an open-file-description lock
 * (F_OFD_SETLK, F_WRLCK) on byte R of the object (RING_ROLE_PRODUCER = 1,
 * RING_ROLE_CONSUMER = 2; advisory, past the end of the file is fine), taken
 * before it writes its pid and dropped only after it stores RING_PID_CLOSED,
 * or by the kernel when the process dies, however it dies.  So a peer whose
 * slot holds anything but RING_PID_NONE is alive while the lock is held;
 * once it is free, the slot says whether it closed (RING_PID_CLOSED) or
 * died (anything else).  A second attacher in a held role fails to take the
 * lock.  The pid stays in the slot for people, and as a pidfd that wakes an
 * eventfd sleeper at once when that process exits.  Part of the protocol
 * that RING_VERSION names.
 */

/*
 * The shared layout: an ABI between processes.  A change to it, or to the
 * role locks above, that a build of the same RING_VERSION would misread
 * bumps it; a reserved word (zero in every ring) may become a field that
 * such a build safely ignores, as producer_caps did (docs/design.md,
 * "Versions").  Fields of line 0 are written once
 * by the creator before the release store of state; everything else is
 * atomic.
 */
struct ring_header {
	/* line 0: identity, immutable once state is READY */
	uint64_t magic;		     /* RING_MAGIC */
	uint32_t version;	     /* RING_VERSION */
	uint32_t header_size;	     /* sizeof(struct ring_header) */
	uint64_t capacity;	     /* data bytes, a power of two */
	uint64_t instance;	     /* random id of this incarnation of the name */
	uint32_t wait;		     /* enum ring_wait chosen at creation */
	uint32_t flags;		     /* RING_FLAG_*, or 0 */
	uint32_t owner_uid;	     /* euid of the creator */
	int32_t creator_pid;	     /* pid of the creator */
	RING_ATOMIC(uint32_t) state; /* enum ring_state, READY stored last */
	int32_t creator_fd;	     /* the memfd's descriptor in the creator */
	uint64_t ring_ino;	     /* the memfd's inode number */

	/* line 1: written by the producer on every publish */
	alignas(RING_CACHELINE) RING_ATOMIC(uint64_t) tail; /* bytes published */
	uint64_t reserved1[7];

	/* line 2: written by the consumer on every release */
	alignas(RING_CACHELINE) RING_ATOMIC(uint64_t) head; /* bytes released */
	uint64_t reserved2[7];

	/* line 3: sleep/wake words, written only on the slow path */
	alignas(RING_CACHELINE) RING_ATOMIC(uint32_t) consumer_waiting; /* 1: asleep for data */
	RING_ATOMIC(uint32_t) producer_waiting;				/* 1: asleep for space */
	RING_ATOMIC(uint32_t) data_seq;	 /* futex word: bumped to wake the consumer */
	RING_ATOMIC(uint32_t) space_seq; /* futex word: bumped to wake the producer */
	uint32_t reserved3[12];

	/* line 4: who is attached; each pid slot holds a pid, RING_PID_NONE or _CLOSED */
	alignas(RING_CACHELINE) RING_ATOMIC(int32_t) producer_pid;
	RING_ATOMIC(int32_t) consumer_pid;
	RING_ATOMIC(uint32_t) consumer_caps; /* RING_CAP_*, set by the consumer at attach */
	RING_ATOMIC(uint32_t) producer_caps; /* RING_CAP_*, set by the producer at attach */
	uint32_t reserved4[12];

	uint8_t reserved[RING_HEADER_SIZE - 5 * RING_CACHELINE];
};

/*
 * Every record starts with this, 8-byte aligned; the payload follows.  The
 * record word is the consumer's signal: a consumer reads the word where the
 * next record will start, never a shared index, so a stream costs one
 * cache-line transfer per line of data and nothing more.
 *   0               nothing here yet,
 *   len + 1         a message of len bytes, published with a release store,
 *   RING_WRAP_MARK  skip to offset 0.
 * A word is only 0 if the producer made it so: it zeroes the free space a
 * little ahead of its tail (RING_ZERO_AHEAD), so stale bytes of the last
 * lap are never read as a record.  The index `tail` is still published, for
 * waiters and observers.
 */
struct ring_record {
	RING_ATOMIC(uint32_t) word; /* 0, len + 1 or RING_WRAP_MARK */
	uint32_t reserved;	    /* 0 */
};

static_assert(ATOMIC_LLONG_LOCK_FREE == 2, "64-bit atomics must be lock-free to be shared");
static_assert(ATOMIC_INT_LOCK_FREE == 2, "32-bit atomics must be lock-free to be shared");
static_assert(sizeof(RING_ATOMIC(uint64_t)) == 8 && sizeof(RING_ATOMIC(uint32_t)) == 4 &&
		  sizeof(RING_ATOMIC(int32_t)) == 4,
	      "atomics in the shared layout must have the plain size");
static_assert(alignof(RING_ATOMIC(uint64_t)) == 8 && alignof(RING_ATOMIC(uint32_t)) == 4 &&
		  alignof(RING_ATOMIC(int32_t)) == 4,
	      "atomics in the shared layout must be aligned to their size");
#ifdef __cplusplus
/* The ATOMIC_*_LOCK_FREE macros describe C's atomics; these, C++'s own.  A
 * std::atomic that took a lock would keep it in each process, not beside
 * the value. */
static_assert(std::atomic<uint64_t>::is_always_lock_free &&
		  std::atomic<uint32_t>::is_always_lock_free &&
		  std::atomic<int32_t>::is_always_lock_free,
	      "std::atomic in the shared layout must be lock-free");
/* offsetof, asserted below, is only defined for standard-layout types. */
static_assert(std::is_standard_layout<ring_header>::value &&
		  std::is_standard_layout<ring_record>::value,
	      "the shared layout must be standard-layout in C++");
#endif
static_assert(sizeof(struct ring_header) == RING_HEADER_SIZE, "header is one page");
static_assert(alignof(struct ring_header) == RING_CACHELINE, "header is cache-line aligned");
static_assert(offsetof(struct ring_header, magic) == 0, "magic first");
static_assert(offsetof(struct ring_header, state) == 48, "state in line 0");
static_assert(offsetof(struct ring_header, tail) == 1 * RING_CACHELINE, "tail on line 1");
static_assert(offsetof(struct ring_header, head) == 2 * RING_CACHELINE, "head on line 2");
static_assert(offsetof(struct ring_header, consumer_waiting) == 3 * RING_CACHELINE,
	      "waiters on line 3");
static_assert(offsetof(struct ring_header, data_seq) % 4 == 0, "futex words are 4-aligned");
static_assert(offsetof(struct ring_header, consumer_caps) == 4 * RING_CACHELINE + 8,
	      "consumer_caps after the pids");
static_assert(offsetof(struct ring_header, producer_caps) == 4 * RING_CACHELINE + 12,
	      "producer_caps after consumer_caps");
static_assert(offsetof(struct ring_header, producer_pid) == 4 * RING_CACHELINE, "pids on line 4");
static_assert(sizeof(struct ring_record) == RING_RECORD_ALIGN, "record header is 8 bytes");

/* Bytes a record with a payload of len bytes occupies in the ring. */
static inline uint64_t ring_record_size(size_t len)
{
	return sizeof(struct ring_record) +
	       (((uint64_t)len + RING_RECORD_ALIGN - 1) & ~(uint64_t)(RING_RECORD_ALIGN - 1));
}

/*
 * A process's handle.  Its fields are private to libring and exposed only so
 * that the fast paths can be inline; the cached peer indices live here, in
 * each process's own memory, never in shared memory.
 */
struct ring {
	struct ring_header *hdr; /* the shared mapping */
	unsigned char *data;	 /* hdr + RING_HEADER_SIZE */
	uint64_t capacity;
	uint64_t mask;
	size_t max_message;
	size_t reserve_limit;	 /* max_message + 1 on a producer's handle, else 0 */
	size_t commit_limit;	 /* producer: bytes last reserved + 1; 0: nothing to commit */
	bool notify;		 /* peer may sleep: check its waiter flag */
	bool barrier_registered; /* registered for the peer's barrier (RING_FLAG_ASYM_WAKE) */
	bool peer_barrier;	 /* ... and the peer said it calls it before sleeping */
	bool sleep_barrier;	 /* membarrier before sleeping */
	bool asym_ring;		 /* the ring has RING_FLAG_ASYM_WAKE (at attach) */
	int error;		 /* sticky -errno seen on a fast path */
	uint64_t corrupt_off;	 /* consumer: where the corrupt record was, for messages */
	uint32_t corrupt_word;	 /* ... and its word */
	enum ring_role role;
	enum ring_wait wait;

	/* producer side */
	uint64_t tail_local;   /* committed, maybe not yet published */
	uint64_t head_cache;   /* last head seen */
	uint64_t zero_to;      /* every byte in [tail_local, zero_to) is 0 */
	uint64_t pending;      /* index of the first unpublished record word */
	uint32_t pending_word; /* its value, stored at publish; 0: none */
	bool long_record;      /* a record outran the zeroed margin: publish's next zeroing
				* ahead is skipped (ring__zero_ahead) */
	uint64_t reserved_end; /* end of the furthest reservation not yet committed */

	/* consumer side */
	unsigned char *peek_data; /* data; or, on a handle that may not peek, a
				   * record no check accepts (see ring_peek) */
	uint64_t peek_mask;	  /* mask, or 0 with that record */
	uint64_t head_local;	  /* consumed, maybe not yet released */
	uint64_t head_shown;	  /* last head published */
	uint64_t peek_next;	  /* index after the record last peeked */

	/* process-local resources */
	int shm_fd;
	int data_efd;	    /* eventfd that wakes the consumer, or -1 */
	int space_efd;	    /* eventfd that wakes the producer, or -1 */
	int listen_fd;	    /* creator of an eventfd ring: hands out the eventfds */
	int peer_pidfd;	    /* wakes an eventfd sleeper when peer_pid exits, or -1 */
	void *wake_uring;   /* eventfd ring: a struct io_uring that posts our wakes, or NULL */
	pid_t peer_pid;	    /* the pid peer_pidfd was opened for, or found not to be the peer */
	bool peer_attached; /* the peer's role lock was seen held (or its slot filled) */
	uint64_t syscalls;  /* system calls made by waits, wakes and liveness checks */
	uint64_t sleeps;    /* sleeps for data or room (futex or poll) */
	uint64_t barriers;  /* membarrier calls that worked (RING_FLAG_ASYM_WAKE) */
	bool creator;
	pid_t owner; /* the process that created or attached: only it closes the role */
	size_t map_len;
	char name[RING_NAME_MAX + 1];
};

struct ring_config {
	uint64_t capacity;   /* data bytes, power of two in [MIN, MAX] */
	enum ring_wait wait; /* strategy both sides will use */
};

/* ---- setup and teardown (ring.c) ---- */

/*
 * Create the ring `name` (a POSIX shm name: "/" then up to 62 bytes, no
 * other '/'): a sealed memfd, sized, every page allocated, the header
 * filled and READY published, then the name's page pointing to it (see
 * "Where the ring lives").  role may be NONE for a process that only
 * manages the ring; the ring can be attached while this handle is open.
 * Returns 0 and sets *out, or: -EINVAL (name, capacity, wait or role),
 * -EEXIST, -ENOSPC (more than the memory available, or /dev/shm full),
 * -ENOMEM, -EACCES, -EPERM (this process is not dumpable), or another
 * -errno from the system.  On failure nothing
 * is left in /dev/shm.
 */
RING_API int ring_create(struct ring **out, const char *name, const struct ring_config *cfg,
			 enum ring_role role);

/*
 * Attach to `name` as producer or consumer, waiting up to timeout_ns for the
 * name to exist and to say READY, then opening the memfd it points to and
 * validating both (see "Where the ring lives").
 * Returns 0 and sets *out, or: -EINVAL (name or role), -ENOENT (no such
 * name after the timeout), -ETIMEDOUT (never became READY), -EPROTO (not
 * a ring: bad magic, zeros, garbage; or the creator's descriptor is not a
 * memfd, or not one sealed against shrinking, or its header is not what the
 * name says), -EPROTONOSUPPORT
 * (other version or header layout), -EBADMSG (bad capacity or indices, a
 * name's page smaller than a header, a memfd smaller than the header says
 * or sparse: a creator allocates every page, so the header's capacity is
 * not believed until the memfd's allocated blocks cover it), -EPERM
 * (another owner, or the creator's descriptors are closed to us), -EBUSY
 * (role held by a live process, or taken before), -ESTALE (the creator no
 * longer holds the ring: gone, or its descriptor now names another inode;
 * or the memfd or the eventfds are of another incarnation of the name).  Never faults, whatever a
 * peer does to the name or the ring meanwhile (see "What a peer can do").
 */
RING_API int ring_attach(struct ring **out, const char *name, enum ring_role role,
			 int64_t timeout_ns);

/*
 * For the creator of an eventfd ring: hand the eventfds to one attaching
 * process, waiting up to timeout_ns for it to connect.  A connection from a
 * process of another uid is closed with nothing sent, and serving goes on:
 * any local user can connect to the abstract socket, and must not be able
 * to end the creator's wait.  A no-op returning 0 for other strategies.
 * Returns 0, -ETIMEDOUT (its message names the last process refused, if
 * any) or another -errno.
 */
RING_API int ring_serve(struct ring *r, int64_t timeout_ns);

/*
 * Wait until the other role has attached (serving eventfds if we created the
 * ring).  Returns 0, -ETIMEDOUT, -EPIPE (peer closed) or -EOWNERDEAD (peer
 * died).
 */
RING_API int ring_wait_peer(struct ring *r, int64_t timeout_ns);

/*
 * Publish what was committed, mark our role closed and drop its lock, wake
 * the peer, unmap and free.  The object itself stays until ring_unlink().
 * In a child forked without exec, the inherited handle is only unmapped
 * and freed: the role stays the attaching process's.  Accepts NULL.
 */
RING_API void ring_close(struct ring *r);

/* Remove the name.  Returns 0, -ENOENT or -EINVAL. */
RING_API int ring_unlink(const char *name);

/* The message of the last failed call in this thread ("" if none). */
RING_API const char *ring_last_error(void);

/* "spin", "futex", "eventfd", "hybrid"; NULL for an unknown value. */
RING_API const char *ring_wait_name(enum ring_wait w);

/* Parse a wait name; returns 0 or -EINVAL. */
RING_API int ring_wait_parse(const char *s, enum ring_wait *out);

/* System calls this handle has made to sleep, wake or check its peer: the
 * fast paths make none. */
static inline uint64_t ring_syscalls(const struct ring *r)
{
	return r->syscalls;
}

/* Largest payload the ring accepts: capacity / 2 - 16 bytes. */
static inline size_t ring_max_message(const struct ring *r)
{
	return r->max_message;
}

/* ---- slow paths used by the inline code ---- */
RING_API void ring__wake_consumer(struct ring *r);	 /* ring_wait.c */
RING_API void ring__wake_producer(struct ring *r);	 /* ring_wait.c */
RING_API void ring__zero(struct ring *r, uint64_t upto); /* ring.c */
RING_API void ring__zero_consumed(struct ring *r);	 /* ring.c */
RING_API void ring__zero_ahead(struct ring *r);		 /* ring.c: publish's zeroing ahead */
/* A corrupt record word at data offset off: sets r->error to -EBADMSG and
 * the message for ring_last_error(); the handle peeks no more.  On a handle
 * that may not peek (not a consumer's, or one that met a corrupt record
 * before), sets the message of the refusal instead. */
RING_API void ring__corrupt(struct ring *r, uint64_t off, uint32_t word); /* ring.c */
/* The refused branches of the fast paths (ring.c): each sets the message
 * naming the call and the handle's role; the caller returns what a refusal
 * returns (inline, so the compiler sees it: no output is written).  Out of
 * line and cold, so the fast paths carry one compare and no call. */
RING_API __attribute__((cold)) void ring__refuse_reserve(struct ring *r, size_t len);
RING_API __attribute__((cold)) void ring__refuse_commit(struct ring *r, size_t len);
RING_API __attribute__((cold)) void ring__refuse_role(struct ring *r, const char *call);

/* ---- producer fast path ---- */

/* clang-format would take RING_ATOMIC(uint32_t) * for a product. */
/* clang-format off */
static inline RING_ATOMIC(uint32_t) *ring__word(struct ring *r, uint64_t index)
/* clang-format on */
{
	return &((struct ring_record *)(r->data + (index & r->mask)))->word;
}

/* Record the word of a committed record at `index`.  The first one since the
 * last publish is held back, which keeps the whole batch invisible: the
 * consumer reads records in order.  The others are relaxed stores, ordered
 * before the consumer's reads by the held-back word's release store. */
static inline void ring__commit_word(struct ring *r, uint64_t index, uint32_t word)
{
	if (!r->pending_word) {
		r->pending = index;
		r->pending_word = word;
	} else {
		atomic_store_explicit(ring__word(r, index), word, memory_order_relaxed);
	}
}

/*
 * Reserve room for a payload of len bytes.  Returns where to write it, or
 * NULL when the ring is full (no message set), or refused: len >
 * ring_max_message(), or a handle that is not a producer's.  Nothing is
 * visible to the consumer until ring_commit() and ring_publish().
 */
static inline void *ring_reserve(struct ring *r, size_t len)
{
	/* One compare for both refusals: the limit is max_message + 1 on a
	 * producer's handle and 0 on any other. */
	if (len >= r->reserve_limit) {
		ring__refuse_reserve(r, len);
		return NULL;
	}
	uint64_t need = ring_record_size(len);
	uint64_t off = r->tail_local & r->mask;
	uint64_t contig = r->capacity - off;
	/* + one record word: the 0 that must follow what is published. */
	uint64_t total = (need <= contig ? need : contig + need) + sizeof(struct ring_record);

	if (r->tail_local + total - r->head_cache > r->capacity) {
		/* Pairs with the release store of head in ring__publish_head():
		 * the consumer is done reading every byte below it. */
		r->head_cache = atomic_load_explicit(&r->hdr->head, memory_order_acquire);
		if (r->tail_local + total - r->head_cache > r->capacity) {
			r->commit_limit = 0; /* a commit now would have nothing behind it */
			return NULL;
		}
	}
	if (need > contig) {
		/* Too little room before the end: the wrap mark is a record of
		 * its own, and offset 0 must read 0 before it is seen. */
		uint64_t at = r->tail_local;
		r->tail_local += contig;
		if (r->zero_to < r->tail_local + sizeof(struct ring_record))
			ring__zero(r, r->tail_local + sizeof(struct ring_record));
		ring__commit_word(r, at, RING_WRAP_MARK);
		off = 0;
	}
	/* The caller may write all it reserved, whatever it then commits. */
	if (r->reserved_end < r->tail_local + need)
		r->reserved_end = r->tail_local + need;
	r->commit_limit = len + 1;
	return r->data + off + sizeof(struct ring_record);
}

/*
 * Commit the record last reserved with a payload of len bytes (at most what
 * was reserved: any shorter length is fine, whatever bytes the caller wrote
 * past it).  Local only: several commits can be published at once.
 * Returns true, or false when refused: no reservation to commit (none made,
 * the last one failed, or it was committed already), len longer than it,
 * or a handle that is not a producer's.  A refused commit changes nothing:
 * the reservation, if any, still stands.  A caller whose reservation is
 * known good may ignore the result.
 */
static inline bool ring_commit(struct ring *r, size_t len)
{
	/* One compare for every refusal: the limit is 0 unless a reservation
	 * is pending, and never set on a handle that is not a producer's. */
	if (len >= r->commit_limit) {
		ring__refuse_commit(r, len);
		return false;
	}
	r->commit_limit = 0;
	uint64_t at = r->tail_local;
	r->tail_local += ring_record_size(len);
	if (r->tail_local < r->reserved_end) {
		/* Shorter than reserved: the caller's bytes may lie where the
		 * next record word goes, so they are no longer known to be 0. */
		if (r->zero_to > r->tail_local)
			r->zero_to = r->tail_local;
	}
	r->reserved_end = r->tail_local;
	/* The word after this record must read 0 before this record is seen.
	 * ring_publish() keeps RING_ZERO_AHEAD bytes zeroed, so only a record
	 * longer than that, a shorter commit, or a record after a long one
	 * (after which publish zeroed nothing ahead) or after a publish made
	 * inside a reservation gets here. */
	if (r->zero_to < r->tail_local + sizeof(struct ring_record))
		ring__zero(r, r->tail_local + sizeof(struct ring_record));
	ring__commit_word(r, at, (uint32_t)len + 1);
	return true;
}

/* Whether this publish, or this release of room, may go without the
 * StoreLoad fence (RING_FLAG_ASYM_WAKE): registered, and the peer set its
 * bit, which it does before it can first sleep and never clears.  Once
 * seen, remembered. */
static inline bool ring__fence_free(struct ring *r)
{
	if (!r->barrier_registered)
		return false;
	if (!r->peer_barrier)
		r->peer_barrier =
		    atomic_load_explicit(r->role == RING_ROLE_PRODUCER ? &r->hdr->consumer_caps
								       : &r->hdr->producer_caps,
					 memory_order_relaxed) &
		    RING_CAP_SLEEP_BARRIER;
	return r->peer_barrier;
}

/* Make every committed record visible to the consumer.  May be called
 * while a reservation is open: the reservation stands, and the bytes the
 * caller wrote into it are left as they are.  Refused (nothing stored, the
 * message set) on a handle that is not a producer's. */
static inline void ring_publish(struct ring *r)
{
	if (r->role != RING_ROLE_PRODUCER) {
		ring__refuse_role(r, "ring_publish");
		return;
	}
	/* One decision for the store and the load below. */
	bool fence_free = r->notify && ring__fence_free(r);
	if (r->pending_word) {
		RING_ATOMIC(uint32_t) *w = ring__word(r, r->pending);
		if (!r->notify || fence_free) {
			/* Pairs with the acquire load of the word in ring_peek():
			 * the payloads, words and zeroes written before it are
			 * visible to a consumer that sees it.  Fence-free (see
			 * RING_FLAG_ASYM_WAKE): the sleeper's membarrier orders
			 * this store before its re-read instead. */
			atomic_store_explicit(w, r->pending_word, memory_order_release);
		} else {
			/* The consumer may sleep: store the word, then load its
			 * waiter flag, a StoreLoad order that seq_cst on both gives.
			 * Pairs with the consumer's seq_cst store of
			 * consumer_waiting and seq_cst re-read of this word in its
			 * wait: either we see the flag, or it sees the record. */
			atomic_store_explicit(w, r->pending_word, memory_order_seq_cst);
		}
		r->pending_word = 0;
	}
	/* For waiters and observers only; the consumer reads the words. */
	atomic_store_explicit(&r->hdr->tail, r->tail_local, memory_order_release);
	if (r->notify) {
		bool waiting;
		if (fence_free) {
			/* Only the compiler is kept from moving this load above the
			 * word's store; the CPU may, and the consumer's membarrier
			 * before it sleeps makes that safe. */
			atomic_signal_fence(memory_order_seq_cst);
			waiting =
			    atomic_load_explicit(&r->hdr->consumer_waiting, memory_order_relaxed);
		} else {
			waiting =
			    atomic_load_explicit(&r->hdr->consumer_waiting, memory_order_seq_cst);
		}
		if (waiting)
			ring__wake_consumer(r);
	}
	/* Zero ahead only now: these stores may wait for lines the consumer
	 * owns, and x86 commits stores in order, so made before the word they
	 * would have held the message back.  And only once half the margin is
	 * used, so it is a few lines every few messages, not a line each time
	 * (docs/ring.md, "Records", gives the effect measured).  Not after a
	 * record that outran the margin (ring__zero_ahead): the next one is
	 * likely as long and writes those lines itself, and zeroing them now
	 * only splits the producer's writes to a line in two. */
	if (r->zero_to < r->tail_local + sizeof(struct ring_record) + RING_ZERO_AHEAD / 2)
		ring__zero_ahead(r);
}

/* Copy one message in and publish it.  Returns false if it does not fit now
 * (or ever: compare len with ring_max_message()), or if refused as
 * ring_reserve() is. */
static inline bool ring_send(struct ring *r, const void *msg, size_t len)
{
	void *p = ring_reserve(r, len);
	if (!p)
		return false;
	if (len)
		memcpy(p, msg, len);
	ring_commit(r, len);
	ring_publish(r);
	return true;
}

/* ---- consumer fast path ---- */

/*
 * The next message, or NULL when there is none (or the ring is corrupt:
 * r->error is then -EBADMSG and ring_last_error() names the offset and the
 * record word; the handle is of no further use, and every later peek is
 * refused with the same message).  Also refused on a handle that is not a
 * consumer's.  A message returned always lies inside the ring.  The pointer
 * stays valid until ring_consume() or ring_release().
 */
static inline void ring__publish_head(struct ring *r);

static inline const void *ring_peek(struct ring *r, size_t *len)
{
	/* No branch of its own for a handle that may not peek (not a
	 * consumer's, or one that met a corrupt record): its peek_data is a
	 * record whose word says a length no ring holds, and peek_mask 0, so
	 * the bounds check below refuses it in ring__corrupt(). */
	uint64_t off = r->head_local & r->peek_mask;
	struct ring_record *rec = (struct ring_record *)(r->peek_data + off);
	/* Pairs with the release store of the word in ring_publish(). */
	uint32_t w = atomic_load_explicit(&rec->word, memory_order_acquire);
	if (w == RING_WRAP_MARK) {
		/* The producer wraps only when a record does not fit before the
		 * end, so a mark at offset 0, or one at 0 after a wrap, is a
		 * corrupt ring; refusing it bounds this to one wrap per call. */
		if (off == 0) {
			ring__corrupt(r, off, w);
			return NULL;
		}
		r->head_local += r->capacity - off;
		off = 0;
		rec = (struct ring_record *)r->peek_data;
		/* Pairs with the same release store as the mark's load. */
		w = atomic_load_explicit(&rec->word, memory_order_acquire);
		if (w == RING_WRAP_MARK) {
			ring__corrupt(r, off, w);
			return NULL;
		}
	}
	if (w == 0) {
		/* Caught up: give back all the room consumed so far. */
		if (r->head_shown != r->head_local)
			ring__publish_head(r);
		return NULL;
	}
	/* The word comes from the other process: the record it announces must
	 * lie inside the ring where it starts, or it is corrupt. */
	if (w - 1 > r->max_message || ring_record_size(w - 1) > r->capacity - off) {
		ring__corrupt(r, off, w);
		return NULL;
	}
	*len = w - 1;
	r->peek_next = r->head_local + ring_record_size(w - 1);
	return rec + 1;
}

/* Consume the message last peeked, locally: its room is given back to the
 * producer at the next ring_release(). */
static inline void ring_consume(struct ring *r)
{
	if (r->peek_next > r->head_local)
		r->head_local = r->peek_next;
}

/* Consume the message last peeked (if not yet) and give its room back to
 * the producer.  Room is handed back RING_RELEASE_BATCH bytes at a time (or
 * an eighth of a small ring), and all of it whenever ring_peek() finds the
 * ring empty, a blocking call waits, or the handle closes: a producer that
 * re-reads head then gains many records per read instead of one, and the
 * line holding head stops bouncing between the two CPUs. */
static inline void ring_release(struct ring *r)
{
	ring_consume(r);
	uint64_t batch =
	    r->capacity / 8 < RING_RELEASE_BATCH ? r->capacity / 8 : RING_RELEASE_BATCH;
	if (r->head_local - r->head_shown >= batch)
		ring__publish_head(r);
}

/* Like ring_release(), but hand the room back now, whatever the amount.
 * Refused (nothing stored, the message set) on a handle that is not a
 * consumer's. */
static inline void ring_release_now(struct ring *r)
{
	ring_consume(r);
	ring__publish_head(r);
}

/* Give back the room of every consumed message, without consuming more.
 * Refused on a handle that is not a consumer's: its head_local is no
 * consumer's position. */
static inline void ring__publish_head(struct ring *r)
{
	if (r->role != RING_ROLE_CONSUMER) {
		ring__refuse_role(r, "ring_release");
		return;
	}
	if (r->head_shown != r->head_local)
		ring__zero_consumed(r);
	r->head_shown = r->head_local;
	if (!r->notify) {
		/* Pairs with the acquire load of head in ring_reserve(): our reads
		 * of the released records are done before the producer may
		 * overwrite them. */
		atomic_store_explicit(&r->hdr->head, r->head_local, memory_order_release);
		return;
	}
	bool waiting;
	if (ring__fence_free(r)) {
		/* RING_FLAG_ASYM_WAKE, as in ring_publish(): the producer's
		 * membarrier before it sleeps orders this pair instead.  Release
		 * as above; only the compiler is kept from moving the load up. */
		atomic_store_explicit(&r->hdr->head, r->head_local, memory_order_release);
		atomic_signal_fence(memory_order_seq_cst);
		waiting = atomic_load_explicit(&r->hdr->producer_waiting, memory_order_relaxed);
	} else {
		/* StoreLoad, as in ring_publish(); pairs with the producer's
		 * seq_cst store of producer_waiting and seq_cst re-read of head. */
		atomic_store_explicit(&r->hdr->head, r->head_local, memory_order_seq_cst);
		waiting = atomic_load_explicit(&r->hdr->producer_waiting, memory_order_seq_cst);
	}
	if (waiting)
		ring__wake_producer(r);
}

/* Copy the next message out and release it.  Returns its length, or -1 if
 * there is none (or ring_peek() refused); a message longer than cap is left
 * in the ring and -2 is returned. */
static inline ssize_t ring_recv(struct ring *r, void *buf, size_t cap)
{
	size_t len;
	const void *p = ring_peek(r, &len);
	if (!p)
		return -1;
	if (len > cap)
		return -2;
	if (len)
		memcpy(buf, p, len);
	ring_release(r);
	return (ssize_t)len;
}

/* ---- blocking forms (ring_wait.c) ----
 * wait must be RING_WAIT_SPIN or the strategy the ring was created with
 * (futex and hybrid are interchangeable); otherwise -EINVAL.  All return 0
 * or: -ETIMEDOUT, -EOWNERDEAD (peer died: its role's lock is free and it
 * never closed), -EPIPE (peer closed and nothing is left), -EBADMSG
 * (corrupt record), -EMSGSIZE (message can never fit). */

/* Reserve, publishing what was committed before sleeping. */
RING_API int ring_reserve_wait(struct ring *r, size_t len, void **out, enum ring_wait wait,
			       int64_t timeout_ns);
/* Copy one message in and publish it. */
RING_API int ring_send_wait(struct ring *r, const void *msg, size_t len, enum ring_wait wait,
			    int64_t timeout_ns);
/* Peek, releasing what was consumed before sleeping. */
RING_API int ring_peek_wait(struct ring *r, const void **out, size_t *len, enum ring_wait wait,
			    int64_t timeout_ns);
/* Copy the next message out (-EMSGSIZE if longer than cap; it stays). */
RING_API int ring_recv_wait(struct ring *r, void *buf, size_t cap, size_t *len, enum ring_wait wait,
			    int64_t timeout_ns);

/* How long the hybrid strategy spins before it sleeps. */
#define RING_HYBRID_SPIN_NS 50000

#ifdef __cplusplus
}
#endif
#endif /* RING_H */
