/* fuzz_race.c: a hostile writer racing a live producer and consumer.
 *
 * One execution: the driver creates a ring (strategy and capacity from the
 * seed) and forks a real producer and a real consumer, which attach by name
 * as two unrelated processes do (the driver serves the eventfds, as a
 * creator does).  Once they have seen each other it forks a hostile process
 * that maps the same object and holds the creator's eventfds; the seed may
 * put a hostile thread inside the producer or the consumer as well, holding
 * that process's mapping and the descriptors it got as an attacher.  They
 * run a seeded program of hostile actions while the producer sends N
 * messages, each carrying its sequence number, its length and a body
 * derived from the sequence number, and the consumer checks the
 * length, every byte and that the sequence number is exactly the next.
 *
 * The hostile actions fall in two classes (usage() says the same):
 *   A     fields the ring must not need to trust: the identity line, tail,
 *         the waiter flags, the futex words (and wakes on them),
 *         consumer_caps and producer_caps, the pid slots, the eventfds (writes, drains,
 *         O_NONBLOCK cleared, the counter filled).  The producer also
 *         commits after a reserve that failed, now and then.  The stream
 *         must complete: every message once, in order, intact, every call
 *         back within its timeout, no crash.
 *   B     what the protocol trusts by design: record words, data bytes and
 *         head as the producer reads it.  Only safety: no crash, every call
 *         back within its timeout, every message inside the data area.
 *   kill  SIGKILL of the producer or the consumer at a random moment (and
 *         sometimes a live pid forged into its slot): the survivor returns
 *         -EOWNERDEAD, or -EPIPE after a clean close, within its timeout.
 * The driver watches every ring call of both workers: one still running
 * HANG_MARGIN_NS past its timeout is a HANG, and so is an execution running
 * past EXEC_LIMIT_NS.  The name is removed after every execution, whatever
 * happened.  A finding prints the seed that reruns that execution alone. */
#include "payload.h"
#include "ring.h"
#include "sys.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MS		 1000000LL
#define HANG_MARGIN_NS	 (3000 * MS)  /* past a call's timeout: a HANG */
#define EXEC_LIMIT_NS	 (90000 * MS) /* a whole execution */
#define SETUP_NS	 (5000 * MS)  /* attach, the peer, the go */
#define TIMEOUT_LONG_NS	 (2000 * MS)  /* a call that must not time out (A, kill) */
#define HOSTILE_GRACE_NS (2000 * MS)  /* the hostile's time to stop once both are done */
#define PAYLOAD_BUDGET	 (4u << 20)   /* payload bytes per execution, at most */

enum cls { CLS_A, CLS_B, CLS_KILL, CLS_COUNT };
static const char *const cls_names[CLS_COUNT] = {"A", "B", "kill"};

enum { AG_PRODUCER, AG_CONSUMER, AG_HOSTILE, AG_COUNT };
static const char *const ag_names[AG_COUNT] = {"producer", "consumer", "hostile"};

enum call {
	CALL_NONE,
	CALL_ATTACH,
	CALL_WAIT_PEER,
	CALL_SEND,
	CALL_SEND_WAIT,
	CALL_RESERVE,
	CALL_RESERVE_WAIT,
	CALL_PUBLISH,
	CALL_PEEK,
	CALL_PEEK_WAIT,
	CALL_RECV_WAIT,
	CALL_RELEASE,
	CALL_CLOSE,
	CALL_COUNT
};
static const char *const call_names[CALL_COUNT] = {
    "nothing",	      "ring_attach",	   "ring_wait_peer", "ring_send", "ring_send_wait",
    "ring_reserve",   "ring_reserve_wait", "ring_publish",   "ring_peek", "ring_peek_wait",
    "ring_recv_wait", "ring_release",	   "ring_close"};

enum phase { PH_START, PH_READY, PH_RUNNING, PH_DONE };
enum verdict { V_NONE, V_OK, V_FINDING };

/* One process of an execution, as the driver sees it: in memory shared by
 * every process of the execution. */
struct agent {
	_Atomic(int32_t) pid;
	_Atomic(int) phase;	       /* enum phase */
	_Atomic(int64_t) call_since;   /* when the current ring call began; 0: none */
	_Atomic(int64_t) call_timeout; /* its timeout */
	_Atomic(int) call;	       /* enum call */
	_Atomic(uint64_t) count;       /* messages sent or received */
	_Atomic(int) verdict;	       /* enum verdict */
	_Atomic(int64_t) found_at;     /* when a finding was recorded */
	int rc;			       /* how the stream ended: 0 or a -errno */
	char detail[512];	       /* the finding, or how the stream ended */
};

struct shared {
	struct agent ag[AG_COUNT];
	_Atomic(int) go;	 /* the hostile is in place: stream */
	_Atomic(int) stop;	 /* both workers are gone: the hostile ends */
	_Atomic(int) killed;	 /* kill: the victim was sent SIGKILL */
	_Atomic(int32_t) dead;	 /* a pid known to be dead (reaped) */
	_Atomic(int32_t) driver; /* the driver's pid */
};

/* Everything one execution does, derived from its seed. */
struct exec {
	uint64_t seed;
	enum cls cls;
	enum ring_wait wait;
	uint64_t capacity;
	size_t max;	   /* ring_max_message() */
	size_t lo, hi;	   /* message sizes */
	uint64_t n;	   /* messages */
	int64_t timeout;   /* of a blocking call that is not a short one */
	unsigned pause[2]; /* producer, consumer: pause before 1 message in N; 0 never */
	int64_t pause_ns;  /* longest pause */
	int thread_in;	   /* AG_PRODUCER, AG_CONSUMER: a hostile thread there; -1 */
	unsigned actions;  /* hostile actions, per hostile */
	int64_t gap_ns;	   /* longest gap between two; 0: a yield */
	bool misuse;	   /* A: the producer commits after a failed reserve */
	int victim;	   /* kill: AG_PRODUCER or AG_CONSUMER */
	uint64_t kill_at;  /* kill: once the producer sent this many */
	bool forge;	   /* kill: then a live pid in the victim's slot */
	bool verbose;
	char name[RING_NAME_MAX + 1];
};

/* ---- small helpers ---- */

struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *g)
{
	return payload_mix(g->s++);
}

static uint64_t below(struct rng *g, uint64_t n)
{
	return n ? rnd(g) % n : 0;
}

static const char *err_name(int rc)
{
	switch (-rc) {
	case 0: return "0";
	case ETIMEDOUT: return "-ETIMEDOUT";
	case EOWNERDEAD: return "-EOWNERDEAD";
	case EPIPE: return "-EPIPE";
	case EBADMSG: return "-EBADMSG";
	case EMSGSIZE: return "-EMSGSIZE";
	case EINVAL: return "-EINVAL";
	case EBUSY: return "-EBUSY";
	default: return strerror(-rc);
	}
}

static double ms_since(int64_t t0)
{
	return (double)(sys_now_ns() - t0) / 1e6;
}

static void nap_ns(int64_t ns)
{
	struct timespec ts = {.tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000};
	nanosleep(&ts, NULL);
}

/* Pause before a message, one time in one_in. */
static void pace(struct rng *g, unsigned one_in, int64_t ns)
{
	if (one_in && below(g, one_in) == 0)
		nap_ns(1000 + (int64_t)below(g, (uint64_t)ns));
}

static uint64_t pick_seed_bits(uint64_t seed, uint64_t salt)
{
	return payload_mix(seed ^ salt);
}

/* The class and strategy of the execution of this seed.  They come from the
 * seed alone, whatever --class and --wait allowed, so `--seed S --runs 1`
 * reruns a finding with the defaults. */
static enum cls seed_class(uint64_t seed)
{
	return (enum cls)(pick_seed_bits(seed, 0xc1a55) % CLS_COUNT);
}

static enum ring_wait seed_wait(uint64_t seed)
{
	return (enum ring_wait)(pick_seed_bits(seed, 0x3a17) % RING_WAIT_COUNT);
}

static void plan(struct exec *x, uint64_t seed)
{
	struct rng g = {pick_seed_bits(seed, 0x9a7a)};
	x->seed = seed;
	x->cls = seed_class(seed);
	x->wait = seed_wait(seed);
	x->capacity = RING_CAPACITY_MIN << below(&g, 7); /* 4 KiB .. 256 KiB */
	/* What ring_max_message() gives for this capacity; checked against
	 * the ring once it exists. */
	x->max = (size_t)(x->capacity / 2 - 2 * sizeof(struct ring_record));
	size_t lo = PAYLOAD_MIN_STAMP;
	switch (below(&g, 5)) {
	case 0: x->lo = lo, x->hi = 64; break;
	case 1: x->lo = lo, x->hi = x->max < 512 ? x->max : 512; break;
	case 2: x->lo = lo, x->hi = x->max; break;
	case 3: x->lo = x->max / 2, x->hi = x->max; break;
	default: x->lo = x->hi = lo + below(&g, x->max - lo + 1); break;
	}
	x->n = 20 + below(&g, 2000);
	uint64_t fit = PAYLOAD_BUDGET / ((x->lo + x->hi) / 2 + 8);
	if (x->n > fit)
		x->n = fit < 20 ? 20 : fit;
	x->timeout = x->cls == CLS_B ? (100 + (int64_t)below(&g, 400)) * MS : TIMEOUT_LONG_NS;
	static const unsigned pauses[] = {0, 2, 8, 64};
	x->pause[0] = pauses[below(&g, 4)];
	x->pause[1] = pauses[below(&g, 4)];
	x->pause_ns = (20 + (int64_t)below(&g, 400)) * 1000;
	x->thread_in = -1;
	if (x->cls != CLS_KILL && below(&g, 2))
		x->thread_in = below(&g, 2) ? AG_PRODUCER : AG_CONSUMER;
	x->actions = 8 + (unsigned)below(&g, 250);
	x->gap_ns = below(&g, 4) == 0 ? 0 : (int64_t)below(&g, 300) * 1000;
	x->misuse = x->cls == CLS_A && below(&g, 4) == 0;
	x->victim = below(&g, 2) ? AG_PRODUCER : AG_CONSUMER;
	x->kill_at = below(&g, x->n + x->n / 8 + 1);
	x->forge = below(&g, 2);
}

/* ---- the watched ring calls of a worker ---- */

struct worker {
	struct exec *x;
	struct shared *sh;
	struct agent *a;
	struct ring *r;
	struct rng g;
	unsigned char *buf; /* x->max bytes */
	enum call last;	    /* the call that ended the stream */
};

static void call_begin(struct worker *w, enum call c, int64_t timeout)
{
	atomic_store_explicit(&w->a->call_timeout, timeout, memory_order_relaxed);
	atomic_store_explicit(&w->a->call, (int)c, memory_order_relaxed);
	/* Release: the driver that sees this start also sees its timeout. */
	atomic_store_explicit(&w->a->call_since, sys_now_ns(), memory_order_release);
	w->last = c;
}

static void finding(struct worker *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void finding(struct worker *w, const char *fmt, ...)
{
	if (atomic_load(&w->a->verdict) == V_FINDING)
		return; /* the first one says it */
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(w->a->detail, sizeof(w->a->detail), fmt, ap);
	va_end(ap);
	atomic_store(&w->a->found_at, sys_now_ns());
	atomic_store(&w->a->verdict, V_FINDING);
}

/* False, with a finding, when the call came back past its timeout and the
 * margin (the driver only sees calls that have not come back yet). */
static bool call_end(struct worker *w)
{
	int64_t since = atomic_load_explicit(&w->a->call_since, memory_order_relaxed);
	int64_t timeout = atomic_load_explicit(&w->a->call_timeout, memory_order_relaxed);
	int64_t took = sys_now_ns() - since;
	atomic_store_explicit(&w->a->call_since, 0, memory_order_relaxed);
	if (took <= timeout + HANG_MARGIN_NS)
		return true;
	finding(w, "HANG: %s came back after %lld ms, its timeout %lld ms", call_names[w->last],
		(long long)(took / MS), (long long)(timeout / MS));
	return false;
}

/* A timeout for the next blocking call: mostly the execution's, sometimes
 * one short enough to expire (0 to 2 ms). */
static int64_t pick_timeout(struct worker *w)
{
	return below(&w->g, 4) == 0 ? (int64_t)below(&w->g, 2000) * 1000 : w->x->timeout;
}

/* The strategy of the next blocking call: the ring's, spin, or the other
 * of futex and hybrid (interchangeable). */
static enum ring_wait pick_wait(struct worker *w)
{
	enum ring_wait rw = w->x->wait;
	uint64_t k = below(&w->g, 8);
	if (k == 0)
		return RING_WAIT_SPIN;
	if (k == 1 && rw == RING_WAIT_FUTEX)
		return RING_WAIT_HYBRID;
	if (k == 1 && rw == RING_WAIT_HYBRID)
		return RING_WAIT_FUTEX;
	return rw;
}

/* ---- the producer ---- */

/* The caller's slip the ring must survive: a reserve that fails (too long
 * for the ring ever, or for the room now), then a commit anyway.  It must
 * be refused, and deliver nothing. */
static bool misuse(struct worker *w)
{
	size_t want = below(&w->g, 2) ? w->x->max + 1 + below(&w->g, 64) : w->x->max;
	call_begin(w, CALL_RESERVE, 0);
	void *p = ring_reserve(w->r, want);
	if (!call_end(w))
		return false;
	if (p)
		return true; /* it fitted: abandoned, the next reserve reuses it */
	size_t len = below(&w->g, 64);
	if (ring_commit(w->r, len)) {
		finding(w, "ring_commit took %zu bytes after a reserve of %zu failed", len, want);
		return false;
	}
	if (w->x->verbose)
		fprintf(stderr,
			"fuzz_race: producer: ring_commit refused after a failed reserve\n");
	return true;
}

/* Copy message seq in: ring_send, else ring_send_wait. */
static int send_copy(struct worker *w, uint64_t seq, size_t len)
{
	struct ring *r = w->r;
	payload_fill_stamped(w->buf, len, seq, len);
	if (below(&w->g, 2)) {
		call_begin(w, CALL_SEND, 0);
		bool ok = ring_send(r, w->buf, len);
		if (!call_end(w))
			return -ECANCELED;
		if (ok)
			return 0;
	}
	int64_t t = pick_timeout(w);
	for (;;) {
		call_begin(w, CALL_SEND_WAIT, t);
		int rc = ring_send_wait(r, w->buf, len, pick_wait(w), t);
		if (!call_end(w))
			return -ECANCELED;
		if (rc != -ETIMEDOUT || t == w->x->timeout)
			return rc;
		t = w->x->timeout;
	}
}

/* Build message seq in place: reserve as much or more, write past the
 * message too (the ring must not take those bytes for records), commit the
 * message, publish now or with the next ones. */
static int send_in_place(struct worker *w, uint64_t seq, size_t len, unsigned *unpublished)
{
	struct exec *x = w->x;
	struct ring *r = w->r;
	size_t res = len;
	if (below(&w->g, 4) == 0)
		res += below(&w->g, x->max - len + 1);
	void *p = NULL;
	if (below(&w->g, 2)) {
		call_begin(w, CALL_RESERVE, 0);
		p = ring_reserve(r, res);
		if (!call_end(w))
			return -ECANCELED;
	}
	int64_t t = pick_timeout(w);
	while (!p) {
		call_begin(w, CALL_RESERVE_WAIT, t);
		int rc = ring_reserve_wait(r, res, &p, pick_wait(w), t);
		if (!call_end(w))
			return -ECANCELED;
		if (rc == -ETIMEDOUT && t != x->timeout) {
			t = x->timeout;
			continue;
		}
		if (rc)
			return rc;
	}
	unsigned char *q = p;
	if (q < r->data + sizeof(struct ring_record) || q > r->data + r->capacity ||
	    res > (size_t)(r->data + r->capacity - q)) {
		finding(w,
			"reservation of %zu bytes at data offset %td lies outside the %" PRIu64
			"-byte data area",
			res, q - r->data, r->capacity);
		return -ECANCELED;
	}
	payload_fill_stamped(q, len, seq, len);
	/* Words of small records: what a stale byte taken for a record
	 * would look like. */
	for (size_t i = len; i < res; i++)
		q[i] = (i & 3) == 0 ? 9 : 0;
	if (!ring_commit(r, len)) {
		finding(w, "ring_commit refused %zu bytes of a reservation of %zu: %s", len, res,
			ring_last_error());
		return -ECANCELED;
	}
	if (++*unpublished >= 1 + below(&w->g, 4)) {
		call_begin(w, CALL_PUBLISH, 0);
		ring_publish(r);
		if (!call_end(w))
			return -ECANCELED;
		*unpublished = 0;
	}
	return 0;
}

/* How a worker's stream ended early: a finding, or, where the class allows
 * it, an ending. */
static void stopped(struct worker *w, uint64_t seq, int rc, const char *err)
{
	struct exec *x = w->x;
	w->a->rc = rc;
	if (rc == -ECANCELED)
		return; /* a finding is recorded already */
	bool fine;
	if (x->cls == CLS_B)
		fine = rc == -EBADMSG || rc == -ETIMEDOUT || rc == -EPIPE || rc == -EOWNERDEAD ||
		       rc == -EMSGSIZE;
	else if (x->cls == CLS_KILL)
		fine = (rc == -EOWNERDEAD || rc == -EPIPE) && atomic_load(&w->sh->killed);
	else
		fine = false;
	if (fine) {
		snprintf(w->a->detail, sizeof(w->a->detail), "stopped at message %" PRIu64 ": %s",
			 seq, err_name(rc));
		atomic_store(&w->a->verdict, V_OK);
		return;
	}
	finding(w, "%s returned %s at message %" PRIu64 " of %" PRIu64 "%s: %s",
		call_names[w->last], err_name(rc), seq, x->n,
		x->cls == CLS_KILL && rc == -ETIMEDOUT
		    ? " (waited out its timeout, not -EOWNERDEAD)"
		    : "",
		err);
}

static void produce(struct worker *w)
{
	struct exec *x = w->x;
	unsigned unpublished = 0;
	for (uint64_t seq = 0; seq < x->n; seq++) {
		size_t len = payload_size(x->seed, seq, x->lo, x->hi);
		pace(&w->g, x->pause[0], x->pause_ns);
		if (x->misuse && below(&w->g, 16) == 0 && !misuse(w))
			return;
		int rc = below(&w->g, 2) ? send_copy(w, seq, len)
					 : send_in_place(w, seq, len, &unpublished);
		if (rc) {
			stopped(w, seq, rc, ring_last_error());
			return;
		}
		atomic_store_explicit(&w->a->count, seq + 1, memory_order_relaxed);
	}
	/* ring_close() publishes the rest. */
	snprintf(w->a->detail, sizeof(w->a->detail), "sent %" PRIu64, x->n);
	atomic_store(&w->a->verdict, V_OK);
}

/* ---- the consumer ---- */

/* The next message: *m in the ring (peeked) or in w->buf (copied). */
static int next_message(struct worker *w, const void **m, size_t *len, bool *copied)
{
	struct exec *x = w->x;
	struct ring *r = w->r;
	int rc;
	*copied = false;
	uint64_t how = below(&w->g, 3);
	if (how == 0) {
		call_begin(w, CALL_PEEK, 0);
		*m = ring_peek(r, len);
		if (!call_end(w))
			return -ECANCELED;
		if (*m)
			return 0;
		how = 1; /* none yet (or a corrupt ring): wait */
	}
	int64_t t = pick_timeout(w);
	if (how == 1) {
		for (;;) {
			call_begin(w, CALL_PEEK_WAIT, t);
			rc = ring_peek_wait(r, m, len, pick_wait(w), t);
			if (!call_end(w))
				return -ECANCELED;
			if (rc != -ETIMEDOUT || t == x->timeout)
				return rc;
			t = x->timeout;
		}
	}
	/* Copied: sometimes into a buffer one byte short, which must leave
	 * the message where it is (-EMSGSIZE) for the next try. */
	size_t cap = x->max;
	if (below(&w->g, 4) == 0)
		cap = x->cls == CLS_B
			  ? below(&w->g, x->max)
			  : payload_size(x->seed, atomic_load(&w->a->count), x->lo, x->hi) - 1;
	for (;;) {
		call_begin(w, CALL_RECV_WAIT, t);
		rc = ring_recv_wait(r, w->buf, cap, len, pick_wait(w), t);
		if (!call_end(w))
			return -ECANCELED;
		if (rc == -ETIMEDOUT && t != x->timeout) {
			t = x->timeout;
			continue;
		}
		if (rc == -EMSGSIZE && cap < x->max) {
			if (*len <= cap) {
				finding(
				    w,
				    "ring_recv_wait: -EMSGSIZE for a message of %zu bytes into %zu",
				    *len, cap);
				return -ECANCELED;
			}
			cap = x->max;
			continue;
		}
		if (rc == 0 && *len > cap) {
			finding(w, "ring_recv_wait copied %zu bytes into a buffer of %zu", *len,
				cap);
			return -ECANCELED;
		}
		*m = w->buf;
		*copied = true;
		return rc;
	}
}

/* Message number seq of the stream must be that message, whole. */
static bool check_message(struct worker *w, uint64_t seq, const void *m, size_t len)
{
	struct exec *x = w->x;
	size_t want = payload_size(x->seed, seq, x->lo, x->hi);
	uint64_t got;
	if (payload_check(m, len, want, seq, 1, &got) == PAYLOAD_OK && payload_stamp(m) == len)
		return true;
	/* What it is instead: a message sent, in the wrong place, or one
	 * never sent (a phantom, or a message corrupted). */
	uint64_t s = UINT64_MAX;
	if (len >= sizeof(s))
		memcpy(&s, m, sizeof(s));
	bool real = len >= PAYLOAD_MIN_STAMP && s < x->n &&
		    payload_check(m, len, payload_size(x->seed, s, x->lo, x->hi), s, 1, &got) ==
			PAYLOAD_OK &&
		    payload_stamp(m) == len;
	if (!real)
		finding(w,
			"message %" PRIu64 " of %" PRIu64
			" is one never sent (phantom or corrupt): "
			"%zu bytes, sequence field %" PRIu64 "; expected %zu bytes",
			seq, x->n, len, s, want);
	else if (s < seq)
		finding(w,
			"message %" PRIu64 " of %" PRIu64 " is message %" PRIu64
			" again: duplicated or reordered",
			seq, x->n, s);
	else
		finding(w,
			"message %" PRIu64 " of %" PRIu64 " is message %" PRIu64 ": %" PRIu64
			" lost or reordered",
			seq, x->n, s, s - seq);
	return false;
}

static bool in_data(const struct ring *r, const void *m, size_t len)
{
	const unsigned char *q = m;
	return q >= r->data + sizeof(struct ring_record) && q <= r->data + r->capacity &&
	       len <= (size_t)(r->data + r->capacity - q) && len <= ring_max_message(r) &&
	       ((uintptr_t)q & (RING_RECORD_ALIGN - 1)) == 0;
}

static void consume(struct worker *w)
{
	struct exec *x = w->x;
	struct ring *r = w->r;
	/* Under B the words are anyone's: more records than were sent may
	 * come, and only safety is checked. */
	uint64_t limit = x->cls == CLS_B ? 4 * x->n + 64 : x->n;
	for (uint64_t seq = 0; seq < limit; seq++) {
		pace(&w->g, x->pause[1], x->pause_ns);
		const void *m = NULL;
		size_t len = 0;
		bool copied;
		int rc = next_message(w, &m, &len, &copied);
		if (rc) {
			stopped(w, seq, rc, ring_last_error());
			return;
		}
		if (!copied && !in_data(r, m, len)) {
			finding(w,
				"message %" PRIu64 " (%zu bytes at data offset %td) lies outside "
				"the %" PRIu64 "-byte data area",
				seq, len, (const unsigned char *)m - r->data, r->capacity);
			return;
		}
		if (x->cls != CLS_B && !check_message(w, seq, m, len))
			return;
		if (!copied) {
			call_begin(w, CALL_RELEASE, 0);
			switch (below(&w->g, 4)) {
			case 0: ring_consume(r); break; /* its room goes back later */
			case 1: ring_release_now(r); break;
			default: ring_release(r); break;
			}
			if (!call_end(w))
				return;
		}
		atomic_store_explicit(&w->a->count, seq + 1, memory_order_relaxed);
	}
	if (x->cls == CLS_B) {
		snprintf(w->a->detail, sizeof(w->a->detail), "took %" PRIu64 " records", limit);
		atomic_store(&w->a->verdict, V_OK);
		return;
	}
	/* All of them came: then nothing more, and the producer's end. */
	const void *m;
	size_t len;
	call_begin(w, CALL_PEEK_WAIT, x->timeout);
	int rc = ring_peek_wait(r, &m, &len, pick_wait(w), x->timeout);
	if (!call_end(w))
		return;
	if (rc == 0) {
		uint64_t s = UINT64_MAX;
		if (len >= sizeof(s))
			memcpy(&s, m, sizeof(s));
		finding(w,
			"after the last message, one more (phantom): %zu bytes, sequence field "
			"%" PRIu64,
			len, s);
		return;
	}
	if (rc != -EPIPE && rc != -EOWNERDEAD) {
		finding(w,
			"after the last message, ring_peek_wait returned %s, not -EPIPE or "
			"-EOWNERDEAD: %s",
			err_name(rc), ring_last_error());
		return;
	}
	snprintf(w->a->detail, sizeof(w->a->detail), "received %" PRIu64 ", then %s", x->n,
		 err_name(rc));
	atomic_store(&w->a->verdict, V_OK);
}

/* ---- the hostile ---- */

/* A hostile agent: the hostile process, or a thread inside a worker.  It
 * knows the mapping and the eventfds, nothing of the handles' private state. */
struct hostile {
	struct exec *x;
	struct shared *sh;
	struct ring_header *h;
	unsigned char *data;
	uint64_t capacity;
	int efd[2];  /* data, space; -1 when the ring has none */
	int ring_fd; /* a descriptor of the ring's memfd, to try to shrink it */
	struct rng g;
	const char *who;
	pid_t decoy;   /* a live child of the hostile process, until it kills it */
	timer_t timer; /* interrupts its own eventfd reads and writes */
	bool have_timer;
	int64_t t0;
	_Atomic(int) *quit; /* the thread's: its worker is done */
};

static void on_tick(int sig)
{
	(void)sig;
}

/* A timer that signals this thread only: a read or write of an eventfd
 * whose O_NONBLOCK was cleared (by us or by another hostile) returns EINTR
 * instead of blocking the hostile forever. */
static void hostile_timer(struct hostile *h)
{
	struct sigaction sa = {.sa_handler = on_tick}; /* no SA_RESTART */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR2, &sa, NULL);
	struct sigevent ev = {.sigev_notify = SIGEV_THREAD_ID, .sigev_signo = SIGUSR2};
	ev._sigev_un._tid = gettid();
	h->have_timer = timer_create(CLOCK_MONOTONIC, &ev, &h->timer) == 0;
}

static ssize_t efd_io(struct hostile *h, int fd, bool wr, uint64_t *v)
{
	if (!h->have_timer && !(fcntl(fd, F_GETFL) & O_NONBLOCK))
		return -1;
	struct itimerspec on = {.it_interval = {0, 5 * MS}, .it_value = {0, 5 * MS}};
	struct itimerspec off = {{0, 0}, {0, 0}};
	if (h->have_timer)
		timer_settime(h->timer, 0, &on, NULL);
	ssize_t n = wr ? write(fd, v, sizeof(*v)) : read(fd, v, sizeof(*v));
	if (h->have_timer)
		timer_settime(h->timer, 0, &off, NULL);
	return n;
}

/* The identity line, as offsets: the fields are plain, written once by the
 * creator, and nobody may need them after attach. */
static const struct {
	const char *name;
	size_t off, size;
} identity[] = {
    {"magic", offsetof(struct ring_header, magic), 8},
    {"version", offsetof(struct ring_header, version), 4},
    {"header_size", offsetof(struct ring_header, header_size), 4},
    {"capacity", offsetof(struct ring_header, capacity), 8},
    {"instance", offsetof(struct ring_header, instance), 8},
    {"wait", offsetof(struct ring_header, wait), 4},
    {"flags", offsetof(struct ring_header, flags), 4},
    {"owner_uid", offsetof(struct ring_header, owner_uid), 4},
    {"creator_pid", offsetof(struct ring_header, creator_pid), 4},
    {"state", offsetof(struct ring_header, state), 4},
};

static uint64_t some_value(struct rng *g)
{
	switch (below(g, 4)) {
	case 0: return 0;
	case 1: return 1ULL << below(g, 64);
	case 2: return below(g, 4);
	default: return rnd(g);
	}
}

/* A pid for a slot: another live one, a dead one, CLOSED, NONE, garbage. */
static int32_t some_pid(struct hostile *h, char *what, size_t n)
{
	struct shared *sh = h->sh;
	int32_t pid;
	const char *kind;
	switch (below(&h->g, 10)) {
	case 0: pid = atomic_load(&sh->driver), kind = "the driver's (live)"; break;
	case 1: pid = atomic_load(&sh->ag[AG_PRODUCER].pid), kind = "the producer's"; break;
	case 2: pid = atomic_load(&sh->ag[AG_CONSUMER].pid), kind = "the consumer's"; break;
	case 3: pid = (int32_t)getpid(), kind = "the hostile's own (live)"; break;
	case 4:
		pid = h->decoy > 0 ? h->decoy : atomic_load(&sh->dead);
		kind = h->decoy > 0 ? "a decoy's (live until killed)" : "a dead one";
		break;
	case 5: pid = atomic_load(&sh->dead), kind = "a dead one"; break;
	case 6: pid = RING_PID_CLOSED, kind = "RING_PID_CLOSED"; break;
	case 7: pid = RING_PID_NONE, kind = "RING_PID_NONE"; break;
	case 8: pid = INT32_MAX, kind = "past pid_max"; break;
	default: pid = INT32_MIN, kind = "garbage"; break;
	}
	snprintf(what, n, "%d, %s", (int)pid, kind);
	return pid;
}

static void futex_wake_all(_Atomic(uint32_t) *word)
{
	syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

/* One class A action; what it did goes to `what`. */
static void step_a(struct hostile *h, char *what, size_t n)
{
	struct ring_header *hd = h->h;
	struct rng *g = &h->g;
	int which = (int)below(g, 2);
	for (;;) {
		uint64_t act = below(g, 26);
		if (act >= 17 && h->efd[0] < 0)
			continue; /* eventfd actions need an eventfd ring */
		if (act < 2) {	  /* the identity line */
			size_t k = below(g, sizeof(identity) / sizeof(identity[0]));
			uint64_t v = some_value(g);
			void *f = (char *)hd + identity[k].off;
			if (identity[k].size == 8)
				__atomic_store_n((uint64_t *)f, v, __ATOMIC_RELAXED);
			else
				__atomic_store_n((uint32_t *)f, (uint32_t)v, __ATOMIC_RELAXED);
			snprintf(what, n, "%s = 0x%" PRIx64, identity[k].name,
				 identity[k].size == 8 ? v : (uint32_t)v);
		} else if (act < 4) { /* tail: for observers only */
			uint64_t t = atomic_load(&hd->tail);
			uint64_t v = below(g, 2) ? t + 8 * (below(g, 64) - 32) : some_value(g);
			atomic_store(&hd->tail, v);
			snprintf(what, n, "tail = %" PRIu64 " (was %" PRIu64 ")", v, t);
		} else if (act < 7) { /* a waiter flag */
			_Atomic(uint32_t) *f =
			    which ? &hd->producer_waiting : &hd->consumer_waiting;
			uint32_t v = below(g, 4) ? (uint32_t)below(g, 2) : (uint32_t)rnd(g);
			atomic_store(f, v);
			snprintf(what, n, "%s_waiting = %u", which ? "producer" : "consumer", v);
		} else if (act < 9) { /* a futex word, and maybe a wake on it */
			_Atomic(uint32_t) *f = which ? &hd->space_seq : &hd->data_seq;
			bool wake = below(g, 2);
			if (below(g, 2))
				atomic_fetch_add(f, 1);
			else
				atomic_store(f, (uint32_t)rnd(g));
			if (wake)
				futex_wake_all(f);
			snprintf(what, n, "%s changed%s", which ? "space_seq" : "data_seq",
				 wake ? ", FUTEX_WAKE" : "");
		} else if (act < 10) { /* a wake alone */
			_Atomic(uint32_t) *f = which ? &hd->space_seq : &hd->data_seq;
			futex_wake_all(f);
			snprintf(what, n, "FUTEX_WAKE on %s", which ? "space_seq" : "data_seq");
		} else if (act < 11) {
			uint32_t v = below(g, 2) ? RING_CAP_SLEEP_BARRIER : (uint32_t)some_value(g);
			atomic_store(which ? &hd->producer_caps : &hd->consumer_caps, v);
			snprintf(what, n, "%s_caps = 0x%x", which ? "producer" : "consumer", v);
		} else if (act < 16) { /* a pid slot */
			char p[64];
			int32_t v = some_pid(h, p, sizeof(p));
			atomic_store(which ? &hd->consumer_pid : &hd->producer_pid, v);
			snprintf(what, n, "%s_pid = %s", which ? "consumer" : "producer", p);
		} else if (act < 17) { /* the decoy dies: its pid, maybe in a slot, is dead */
			if (h->decoy <= 0)
				continue;
			kill(h->decoy, SIGKILL);
			waitpid(h->decoy, NULL, 0);
			snprintf(what, n, "decoy %d killed", (int)h->decoy);
			h->decoy = 0;
		} else {
			int fd = h->efd[which];
			const char *name = which ? "space eventfd" : "data eventfd";
			uint64_t v = 1 + below(g, 3);
			if (act < 20) {
				ssize_t k = efd_io(h, fd, true, &v);
				snprintf(what, n, "write %" PRIu64 " to the %s (%zd)", v, name, k);
			} else if (act < 23) {
				ssize_t k = efd_io(h, fd, false, &v);
				snprintf(what, n, "drain the %s (%zd)", name, k);
			} else if (act < 24) {
				int fl = fcntl(fd, F_GETFL);
				fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
				snprintf(what, n, "clear O_NONBLOCK on the %s", name);
			} else if (act < 25) {
				int fl = fcntl(fd, F_GETFL);
				fcntl(fd, F_SETFL, fl | O_NONBLOCK);
				snprintf(what, n, "set O_NONBLOCK on the %s", name);
			} else {
				(void)efd_io(h, fd, false, &v);
				v = 0xfffffffffffffffeULL;
				ssize_t k = efd_io(h, fd, true, &v);
				snprintf(what, n, "fill the %s to 0xfffffffffffffffe (%zd)", name,
					 k);
			}
		}
		return;
	}
}

/* A record word worth writing. */
static uint32_t some_word(struct hostile *h)
{
	struct rng *g = &h->g;
	uint64_t max = h->capacity / 2 - 2 * sizeof(struct ring_record);
	switch (below(g, 6)) {
	case 0: return 0;
	case 1: return RING_WRAP_MARK;
	case 2: return 1 + (uint32_t)below(g, 65); /* a small message */
	case 3: return (uint32_t)(max + 1 - below(g, 3) + below(g, 3));
	case 4: return (uint32_t)(1 + below(g, max + 2));
	default: return (uint32_t)rnd(g);
	}
}

/* One class B action. */
static void step_b(struct hostile *h, char *what, size_t n)
{
	struct ring_header *hd = h->h;
	struct rng *g = &h->g;
	uint64_t mask = h->capacity - 1;
	uint64_t head = atomic_load(&hd->head), tail = atomic_load(&hd->tail);
	switch (below(g, 8)) {
	case 7: {
		if (below(g, 2)) {
			/* Shrink the ring under both sides: the seal must refuse
			 * it, or the next touch of a lost page is SIGBUS (a
			 * finding). */
			off_t to = below(g, 2) ? 0
					       : RING_HEADER_SIZE +
						     (off_t)below(g, 2) * (off_t)(h->capacity / 2);
			int rc = ftruncate(h->ring_fd, to);
			snprintf(what, n, "shrink the ring to %lld bytes: %s", (long long)to,
				 rc ? strerror(errno) : "done (not sealed)");
		} else {
			/* Punch a hole: the seal allows it, the pages read as
			 * zeros (as if written so) and come back on touch. */
			off_t at =
			    (off_t)(4096 * below(g, (RING_HEADER_SIZE + h->capacity) / 4096));
			off_t len = (off_t)(4096 * (1 + below(g, 4)));
			int rc = fallocate(h->ring_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
					   at, len);
			snprintf(what, n, "punch a hole of %lld bytes at %lld: %s", (long long)len,
				 (long long)at, rc ? strerror(errno) : "done");
		}
		break;
	}
	case 0:
	case 1: { /* a record word anywhere, or just around head or tail */
		uint64_t at = below(g, 2) ? 8 * below(g, h->capacity / 8)
					  : (below(g, 2) ? head : tail) + 8 * (below(g, 64) - 8);
		uint32_t v = some_word(h);
		atomic_store((_Atomic(uint32_t) *)(h->data + (at & mask)), v);
		snprintf(what, n, "word at %" PRIu64 " = 0x%x (head %" PRIu64 ", tail %" PRIu64 ")",
			 at & mask, v, head, tail);
		break;
	}
	case 2: { /* bytes */
		uint64_t at = below(g, h->capacity);
		size_t len = 1 + below(g, 64);
		if (len > h->capacity - at)
			len = h->capacity - at;
		for (size_t i = 0; i < len; i++)
			__atomic_store_n(&h->data[at + i], (unsigned char)rnd(g), __ATOMIC_RELAXED);
		snprintf(what, n, "%zu bytes at %" PRIu64, len, at);
		break;
	}
	default: { /* head, as the producer reads it */
		uint64_t v;
		switch (below(g, 6)) {
		case 0: v = tail; break;
		case 1: v = tail - 8 * below(g, h->capacity / 8); break;
		case 2: v = tail + 8 * below(g, 64); break;
		case 3: v = head + h->capacity; break;
		case 4: v = rnd(g) | below(g, 2); break;
		default: v = 0; break;
		}
		atomic_store(&hd->head, v);
		snprintf(what, n, "head = %" PRIu64 " (was %" PRIu64 ", tail %" PRIu64 ")", v, head,
			 tail);
		break;
	}
	}
}

static bool hostile_should_stop(struct hostile *h)
{
	if (atomic_load(&h->sh->stop))
		return true;
	return h->quit && atomic_load(h->quit);
}

static void hostile_gap(struct hostile *h)
{
	if (h->x->gap_ns == 0)
		sched_yield();
	else
		nap_ns(1000 + (int64_t)below(&h->g, (uint64_t)h->x->gap_ns));
}

/* Class A or B: the program, while the stream runs. */
static void hostile_program(struct hostile *h)
{
	char what[160];
	for (unsigned i = 0; i < h->x->actions && !hostile_should_stop(h); i++) {
		if (h->x->cls == CLS_A)
			step_a(h, what, sizeof(what));
		else
			step_b(h, what, sizeof(what));
		if (h->x->verbose)
			fprintf(stderr, "fuzz_race: %s +%.3f ms: %s\n", h->who, ms_since(h->t0),
				what);
		hostile_gap(h);
	}
}

/* Kill: the victim dies once the producer has sent kill_at messages (or
 * at once if it is done); sometimes its slot then names a live process. */
static void hostile_kill(struct hostile *h)
{
	struct exec *x = h->x;
	struct shared *sh = h->sh;
	struct agent *v = &sh->ag[x->victim];
	while (!hostile_should_stop(h) && atomic_load(&sh->ag[AG_PRODUCER].count) < x->kill_at &&
	       atomic_load(&v->phase) != PH_DONE)
		nap_ns(20000);
	if (hostile_should_stop(h))
		return;
	/* Before the kill: a survivor that sees the death already sees it. */
	atomic_store(&sh->killed, 1);
	int rc = kill(atomic_load(&v->pid), SIGKILL);
	if (x->verbose)
		fprintf(stderr,
			"fuzz_race: hostile +%.3f ms: SIGKILL the %s at message %" PRIu64 " (%s)\n",
			ms_since(h->t0), ag_names[x->victim],
			atomic_load(&sh->ag[AG_PRODUCER].count), rc ? strerror(errno) : "sent");
	if (x->forge) {
		int32_t pid = below(&h->g, 2) ? (int32_t)getpid() : atomic_load(&sh->driver);
		struct ring_header *hd = h->h;
		atomic_store(x->victim == AG_PRODUCER ? &hd->producer_pid : &hd->consumer_pid, pid);
		if (x->verbose)
			fprintf(stderr, "fuzz_race: hostile +%.3f ms: %s_pid = %d (live)\n",
				ms_since(h->t0), ag_names[x->victim], (int)pid);
	}
}

static void *hostile_thread(void *arg)
{
	struct hostile *h = arg;
	hostile_timer(h);
	hostile_program(h);
	if (h->have_timer)
		timer_delete(h->timer);
	return NULL;
}

/* The hostile process: maps the ring through the creator's memfd and
 * holds its eventfds (both inherited), has a decoy child whose pid it can
 * kill. */
static int hostile_main(struct exec *x, struct shared *sh, struct ring *creator)
{
	size_t len = RING_HEADER_SIZE + x->capacity;
	void *map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, creator->shm_fd, 0);
	if (map == MAP_FAILED)
		return 2;
	struct hostile h = {.x = x,
			    .sh = sh,
			    .h = map,
			    .data = (unsigned char *)map + RING_HEADER_SIZE,
			    .capacity = x->capacity,
			    .efd = {creator->data_efd, creator->space_efd},
			    .ring_fd = creator->shm_fd,
			    .g = {pick_seed_bits(x->seed, 0x4057)},
			    .who = "hostile",
			    .t0 = sys_now_ns()};
	if (x->cls == CLS_A) {
		h.decoy = fork();
		if (h.decoy == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			for (;;)
				pause();
		}
	}
	hostile_timer(&h);
	atomic_store(&sh->go, 1);
	if (x->cls == CLS_KILL)
		hostile_kill(&h);
	else
		hostile_program(&h);
	/* Stay: a pid of ours in a slot stays live until both are done. */
	while (!atomic_load(&sh->stop))
		nap_ns(MS);
	if (h.decoy > 0) {
		kill(h.decoy, SIGKILL);
		waitpid(h.decoy, NULL, 0);
	}
	return 0;
}

/* ---- a worker process ---- */

static int worker_main(struct exec *x, struct shared *sh, int role)
{
	struct agent *a = &sh->ag[role];
	struct worker w = {.x = x, .sh = sh, .a = a, .g = {pick_seed_bits(x->seed, 0x77 + role)}};
	w.buf = malloc(x->max);
	if (!w.buf)
		return 2;
	enum ring_role rr = role == AG_PRODUCER ? RING_ROLE_PRODUCER : RING_ROLE_CONSUMER;
	call_begin(&w, CALL_ATTACH, SETUP_NS);
	int rc = ring_attach(&w.r, x->name, rr, SETUP_NS);
	if (!call_end(&w))
		return 0;
	if (rc) {
		finding(&w, "ring_attach: %s: %s", err_name(rc), ring_last_error());
		return 0;
	}
	call_begin(&w, CALL_WAIT_PEER, SETUP_NS);
	rc = ring_wait_peer(w.r, SETUP_NS);
	if (!call_end(&w))
		return 0;
	if (rc) {
		finding(&w, "ring_wait_peer: %s: %s", err_name(rc), ring_last_error());
		return 0;
	}
	atomic_store(&a->phase, PH_READY);
	int64_t until = sys_now_ns() + SETUP_NS;
	while (!atomic_load(&sh->go)) {
		if (atomic_load(&sh->stop) || sys_now_ns() > until)
			return 0;
		nap_ns(50000);
	}
	_Atomic(int) quit = 0;
	pthread_t t;
	bool thread = false;
	struct hostile h = {.x = x,
			    .sh = sh,
			    .h = w.r->hdr,
			    .data = w.r->data,
			    .capacity = w.r->capacity,
			    .efd = {w.r->data_efd, w.r->space_efd},
			    .ring_fd = w.r->shm_fd,
			    .g = {pick_seed_bits(x->seed, 0x7417)},
			    .who = role == AG_PRODUCER ? "hostile thread in the producer"
						       : "hostile thread in the consumer",
			    .t0 = sys_now_ns(),
			    .quit = &quit};
	if (x->thread_in == role)
		thread = pthread_create(&t, NULL, hostile_thread, &h) == 0;
	atomic_store(&a->phase, PH_RUNNING);
	if (role == AG_PRODUCER)
		produce(&w);
	else
		consume(&w);
	if (thread) {
		atomic_store(&quit, 1);
		pthread_join(t, NULL);
	}
	call_begin(&w, CALL_CLOSE, 0);
	ring_close(w.r);
	call_end(&w);
	atomic_store(&a->phase, PH_DONE);
	free(w.buf);
	return 0;
}

/* ---- the driver ---- */

static volatile sig_atomic_t interrupted;
static char live_name[RING_NAME_MAX + 1]; /* removed on the way out, whatever happens */

static void on_signal(int sig)
{
	interrupted = sig;
}

static void remove_live_name(void)
{
	if (live_name[0])
		ring_unlink(live_name);
	live_name[0] = 0;
}

/* A child of the driver that never outlives it, and runs with the default
 * signal handling. */
static pid_t spawn(void)
{
	pid_t driver = getpid();
	pid_t pid = fork();
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		if (sys_die_with_parent(driver))
			_exit(2);
	}
	return pid;
}

struct proc {
	pid_t pid;
	bool done;
	int status;
};

static void kill_all(struct proc *p)
{
	for (int i = 0; i < AG_COUNT; i++)
		if (p[i].pid > 0 && !p[i].done)
			kill(p[i].pid, SIGKILL);
}

static void describe_exit(int status, char *out, size_t n)
{
	if (WIFSIGNALED(status))
		snprintf(out, n, "died of signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else
		snprintf(out, n, "exited %d", WEXITSTATUS(status));
}

/* What went wrong in an execution, or "" if nothing did. */
static void judge(const struct exec *x, struct shared *sh, const struct proc *p, const char *hang,
		  bool hostile_stuck, char *out, size_t n)
{
	out[0] = 0;
	if (hang[0]) {
		snprintf(out, n, "%s", hang);
		return;
	}
	/* A crash first, then a finding a worker recorded, then a worker that
	 * stopped without either (its peer's trouble stopped it). */
	for (int pass = 0; pass < 3; pass++) {
		for (int i = AG_PRODUCER; i <= AG_CONSUMER; i++) {
			struct agent *a = &sh->ag[i];
			const char *who = ag_names[i];
			int st = p[i].status;
			bool victim =
			    x->cls == CLS_KILL && i == x->victim && atomic_load(&sh->killed);
			if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL && victim)
				continue;
			bool exited = WIFEXITED(st) && WEXITSTATUS(st) == 0;
			if (pass == 0 && !exited) {
				char e[96];
				describe_exit(st, e, sizeof(e));
				snprintf(
				    out, n, "CRASH: the %s %s in %s at message %" PRIu64 "%s%s",
				    who, e, call_names[atomic_load(&a->call)],
				    atomic_load(&a->count), a->detail[0] ? ": " : "", a->detail);
				return;
			}
			if (pass == 1 && atomic_load(&a->verdict) == V_FINDING) {
				/* The earlier one: the other may only be its echo. */
				struct agent *b = &sh->ag[1 - i];
				if (atomic_load(&b->verdict) == V_FINDING &&
				    atomic_load(&b->found_at) < atomic_load(&a->found_at))
					continue;
				snprintf(out, n, "the %s: %s", who, a->detail);
				return;
			}
			if (pass == 2 && atomic_load(&a->verdict) != V_OK) {
				snprintf(out, n, "the %s stopped without a verdict (phase %d)", who,
					 atomic_load(&a->phase));
				return;
			}
		}
	}
	int st = p[AG_HOSTILE].status;
	if (p[AG_HOSTILE].pid > 0 && (hostile_stuck || !WIFEXITED(st) || WEXITSTATUS(st) != 0)) {
		char e[96];
		describe_exit(st, e, sizeof(e));
		snprintf(out, n, "HARNESS: the hostile process %s%s",
			 hostile_stuck ? "would not stop, " : "", e);
	}
}

static void describe(const struct exec *x, char *out, size_t n)
{
	snprintf(out, n,
		 "class %s, %s, capacity %" PRIu64 ", %" PRIu64
		 " messages of %zu-%zu bytes, timeout %lld ms%s%s",
		 cls_names[x->cls], ring_wait_name(x->wait), x->capacity, x->n, x->lo, x->hi,
		 (long long)(x->timeout / MS),
		 x->thread_in < 0	       ? ""
		 : x->thread_in == AG_PRODUCER ? ", hostile thread in the producer"
					       : ", hostile thread in the consumer",
		 x->misuse ? ", producer commits after failed reserves" : "");
	if (x->cls == CLS_KILL) {
		size_t k = strlen(out);
		snprintf(out + k, n - k, ", kill the %s after %" PRIu64 " sent%s",
			 ag_names[x->victim], x->kill_at, x->forge ? " and forge its pid" : "");
	}
}

/* One execution.  Returns true on a finding (printed). */
static bool run_one(uint64_t seed, unsigned long nth, struct shared *sh, bool verbose)
{
	struct exec x;
	memset(&x, 0, sizeof(x));
	plan(&x, seed);
	x.verbose = verbose;
	snprintf(x.name, sizeof(x.name), "/rt.race.%d.%lu", (int)getpid(), nth);
	char desc[320], what[1024];
	describe(&x, desc, sizeof(desc));
	if (verbose)
		fprintf(stderr, "fuzz_race: seed 0x%016" PRIx64 ": %s\n", seed, desc);

	memset(sh, 0, sizeof(*sh));
	atomic_store(&sh->driver, (int32_t)getpid());
	struct ring_config cfg = {.capacity = x.capacity, .wait = x.wait};
	struct ring *creator = NULL;
	int rc = ring_create(&creator, x.name, &cfg, RING_ROLE_NONE);
	if (rc) {
		printf("fuzz_race: FINDING seed 0x%016" PRIx64 " (%s): ring_create: %s\n", seed,
		       desc, ring_last_error());
		return true;
	}
	snprintf(live_name, sizeof(live_name), "%s", x.name);
	if (ring_max_message(creator) != x.max) {
		fprintf(stderr, "fuzz_race: ring_max_message is %zu, the plan says %zu\n",
			ring_max_message(creator), x.max);
		exit(2);
	}

	/* A pid known dead: a child that exited and was reaped. */
	pid_t d = fork();
	if (d == 0)
		_exit(0);
	if (d > 0)
		waitpid(d, NULL, 0);
	atomic_store(&sh->dead, (int32_t)d);

	struct proc p[AG_COUNT] = {{0}};
	for (int i = AG_PRODUCER; i <= AG_CONSUMER; i++) {
		p[i].pid = spawn();
		if (p[i].pid == 0) {
			ring_close(creator); /* a worker attaches as a stranger would */
			atomic_store(&sh->ag[i].pid, (int32_t)getpid());
			_exit(worker_main(&x, sh, i));
		}
		atomic_store(&sh->ag[i].pid, (int32_t)p[i].pid);
	}

	char hang[640] = "";
	bool hostile_stuck = false, killed_all = false;
	int64_t start = sys_now_ns(), stop_at = 0;
	for (;;) {
		for (int i = 0; i < AG_COUNT; i++)
			if (p[i].pid > 0 && !p[i].done &&
			    waitpid(p[i].pid, &p[i].status, WNOHANG) == p[i].pid)
				p[i].done = true;
		int64_t now = sys_now_ns();
		(void)ring_serve(creator, 0);
		if (!p[AG_HOSTILE].pid && !killed_all) {
			if (atomic_load(&sh->ag[AG_PRODUCER].phase) >= PH_READY &&
			    atomic_load(&sh->ag[AG_CONSUMER].phase) >= PH_READY) {
				p[AG_HOSTILE].pid = spawn();
				if (p[AG_HOSTILE].pid == 0) {
					atomic_store(&sh->ag[AG_HOSTILE].pid, (int32_t)getpid());
					_exit(hostile_main(&x, sh, creator));
				}
			} else if (p[AG_PRODUCER].done || p[AG_CONSUMER].done) {
				atomic_store(&sh->stop, 1); /* one failed to set up */
			} else if (now - start > 2 * SETUP_NS) {
				snprintf(hang, sizeof(hang),
					 "HANG: producer and consumer not attached after %lld ms",
					 (long long)((now - start) / MS));
				kill_all(p);
				killed_all = true;
			}
		}
		if (p[AG_PRODUCER].done && p[AG_CONSUMER].done) {
			if (!stop_at) {
				atomic_store(&sh->stop, 1);
				stop_at = now;
			}
			if (!p[AG_HOSTILE].pid || p[AG_HOSTILE].done)
				break;
			if (now - stop_at > HOSTILE_GRACE_NS && !hostile_stuck) {
				hostile_stuck = true;
				kill(p[AG_HOSTILE].pid, SIGKILL);
			}
		}
		for (int i = AG_PRODUCER; i <= AG_CONSUMER && !killed_all; i++) {
			struct agent *a = &sh->ag[i];
			/* Acquire: pairs with call_begin()'s release. */
			int64_t since = atomic_load_explicit(&a->call_since, memory_order_acquire);
			int64_t timeout =
			    atomic_load_explicit(&a->call_timeout, memory_order_relaxed);
			if (p[i].done || !since || now - since <= timeout + HANG_MARGIN_NS)
				continue;
			snprintf(hang, sizeof(hang),
				 "HANG: the %s is still in %s after %lld ms (timeout %lld ms), at "
				 "message %" PRIu64 " of %" PRIu64,
				 ag_names[i], call_names[atomic_load(&a->call)],
				 (long long)((now - since) / MS), (long long)(timeout / MS),
				 atomic_load(&a->count), x.n);
			kill_all(p);
			killed_all = true;
		}
		if (!killed_all && (now - start > EXEC_LIMIT_NS || interrupted)) {
			if (!interrupted)
				snprintf(hang, sizeof(hang),
					 "HANG: the execution still runs after %lld ms",
					 (long long)((now - start) / MS));
			kill_all(p);
			killed_all = true;
		}
		if (killed_all) {
			for (int i = 0; i < AG_COUNT; i++)
				if (p[i].pid > 0 && !p[i].done) {
					waitpid(p[i].pid, &p[i].status, 0);
					p[i].done = true;
				}
			break;
		}
		nap_ns(200000);
	}
	/* Orphans of a killed hostile (its decoy) come to us: reap them. */
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	ring_close(creator);
	remove_live_name();

	if (interrupted)
		return false;
	judge(&x, sh, p, hang, hostile_stuck, what, sizeof(what));
	if (verbose) {
		for (int i = AG_PRODUCER; i <= AG_CONSUMER; i++)
			fprintf(stderr, "fuzz_race: %s: %s\n", ag_names[i],
				sh->ag[i].detail[0] ? sh->ag[i].detail : "(nothing)");
		fprintf(stderr, "fuzz_race: execution took %.1f ms\n", ms_since(start));
	}
	if (!what[0])
		return false;
	printf("fuzz_race: FINDING seed 0x%016" PRIx64 " (%s): %s\n", seed, desc, what);
	printf("  rerun: fuzz_race --seed 0x%016" PRIx64 " --runs 1 -v\n", seed);
	fflush(stdout);
	return true;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: fuzz_race [--seed S] [--runs N | --seconds T] [--class A|B|kill|all]\n"
		"                 [--wait spin|futex|eventfd|hybrid|all] [-v]\n"
		"Each execution creates a ring, forks a real producer and consumer that attach\n"
		"by name, and a hostile process (sometimes a hostile thread in one of them too)\n"
		"that races the stream.  The consumer checks every message's length, content\n"
		"and sequence number.\n"
		"  --class A     fields the ring must not need to trust: the identity line\n"
		"                (magic, version, header_size, capacity, instance, wait, flags,\n"
		"                owner_uid, creator_pid, state), tail, consumer_waiting,\n"
		"                producer_waiting, data_seq and space_seq (and FUTEX_WAKE on\n"
		"                them), consumer_caps, producer_caps, the pid slots (another\n"
		"                live pid, a dead one, RING_PID_CLOSED, 0), the eventfds\n"
		"                (writes, drains, O_NONBLOCK cleared, the counter filled); and\n"
		"                the producer's own slip, a commit after a reserve that failed.\n"
		"                The stream must complete: every message once, in order, intact,\n"
		"                every call back within its timeout, no crash.\n"
		"  --class B     what the protocol trusts by design: record words, data bytes,\n"
		"                head as the producer reads it; and the ring's size (a shrink\n"
		"                the seal must refuse) and its pages (holes punched, read as\n"
		"                zeros).  Only safety: no crash, every call back within its\n"
		"                timeout, every message inside the data area (-EBADMSG is\n"
		"                fine).\n"
		"  --class kill  SIGKILL of the producer or the consumer at a random moment,\n"
		"                sometimes with a live pid forged into its slot: the survivor\n"
		"                returns -EOWNERDEAD (or -EPIPE after a clean close) in time.\n"
		"  --class all   each execution's class from its seed (the default)\n"
		"  --wait W      the strategy, or all (the default: from the seed)\n"
		"  --seed S      first seed (1); each execution's seed is printed with a finding,\n"
		"                and --seed S --runs 1 -v reruns that execution alone\n"
		"  --runs N      executions (100), or --seconds T: as many as fit in T seconds\n"
		"  -v            the plan, every hostile action, how each side ended\n"
		"Every call still running %lld ms past its timeout is a HANG; nothing is left in\n"
		"/dev/shm.  Exit 0 without findings, 1 with findings, 2 on a usage error.\n",
		(long long)(HANG_MARGIN_NS / MS));
}

int main(int argc, char **argv)
{
	uint64_t seed = 1;
	long runs = 100;
	double seconds = 0;
	unsigned cls_mask = (1u << CLS_COUNT) - 1, wait_mask = (1u << RING_WAIT_COUNT) - 1;
	bool verbose = false;
	const char *arg = NULL;
	for (int i = 1; i < argc; i++) {
		arg = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(arg, "-v") == 0 || strcmp(arg, "--verbose") == 0) {
			verbose = true;
			continue;
		}
		if (!val)
			goto bad;
		i++;
		char *end;
		if (strcmp(arg, "--seed") == 0) {
			seed = strtoull(val, &end, 0);
			if (*end)
				goto bad;
		} else if (strcmp(arg, "--runs") == 0) {
			runs = strtol(val, &end, 0);
			seconds = 0;
			if (*end || runs < 0)
				goto bad;
		} else if (strcmp(arg, "--seconds") == 0) {
			seconds = strtod(val, &end);
			if (*end || seconds <= 0)
				goto bad;
		} else if (strcmp(arg, "--class") == 0) {
			cls_mask = 0;
			for (int c = 0; c < CLS_COUNT; c++)
				if (strcmp(val, cls_names[c]) == 0)
					cls_mask = 1u << c;
			if (strcmp(val, "all") == 0)
				cls_mask = (1u << CLS_COUNT) - 1;
			if (!cls_mask)
				goto bad;
		} else if (strcmp(arg, "--wait") == 0) {
			enum ring_wait w;
			if (strcmp(val, "all") == 0)
				wait_mask = (1u << RING_WAIT_COUNT) - 1;
			else if (ring_wait_parse(val, &w) == 0)
				wait_mask = 1u << w;
			else
				goto bad;
		} else {
			goto bad;
		}
	}

	struct shared *sh =
	    mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		perror("fuzz_race: mmap");
		return 2;
	}
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	atexit(remove_live_name);
	/* A killed hostile's decoy is re-parented to us, and reaped. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);

	int64_t t0 = sys_now_ns();
	unsigned long done = 0, findings = 0;
	uint64_t s = seed;
	for (;;) {
		if (seconds > 0 ? (double)(sys_now_ns() - t0) / 1e9 >= seconds : (long)done >= runs)
			break;
		if (interrupted)
			break;
		/* The next seed whose class and strategy were asked for. */
		while (!(cls_mask & (1u << seed_class(s))) || !(wait_mask & (1u << seed_wait(s))))
			s += 0x9e3779b97f4a7c15ULL;
		findings += run_one(s, done, sh, verbose);
		done++;
		s += 0x9e3779b97f4a7c15ULL;
	}
	printf("fuzz_race: %lu executions in %.1f s, %lu findings%s\n", done,
	       (double)(sys_now_ns() - t0) / 1e9, findings, interrupted ? " (interrupted)" : "");
	return findings ? 1 : 0;
bad:
	fprintf(stderr, "fuzz_race: bad or missing value for '%s'\n", arg);
	usage(stderr);
	return 2;
}
