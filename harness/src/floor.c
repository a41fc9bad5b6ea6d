/* floor.c: the fixed-slot reference transport of floor.h. */
#include "floor.h"
#include "payload.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define cpu_relax() _mm_pause()
#else
#define cpu_relax() __asm__ __volatile__("" ::: "memory")
#endif

#define FLOOR_DATA 4096 /* slots start here; the directions' control before */

/* One direction's control, each field on its own line. */
struct floor_dir {
	_Atomic(uint64_t) head; /* slots the consumer is done with */
	char pad0[56];
	_Atomic(uint32_t) closed; /* the producer is done */
	char pad1[60];
};

struct floor_side {
	unsigned char *slots;
	struct floor_dir *dir;
	uint64_t idx;	     /* next slot to use */
	uint64_t head_cache; /* producer: last head seen */
};

struct floor {
	unsigned char *base;
	size_t len;
	uint64_t nslots, stride, batch;
	size_t size;
	struct floor_side out, in;
};

static _Thread_local char last_error[256];

static int fail(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	return err;
}

const char *floor_last_error(void)
{
	return last_error;
}

static void geometry(const struct bench_case *c, uint64_t *nslots, uint64_t *stride, size_t *len)
{
	*stride = (8 + c->size + 63) & ~(uint64_t)63;
	uint64_t n = 2; /* at least two slots, whatever the capacity */
	while (n * 2 * *stride <= c->capacity)
		n *= 2;
	*nslots = n;
	/* Pingpong uses no slots: one bare line (the first direction's). */
	*len = FLOOR_DATA + (c->mode == MODE_PINGPONG ? 0 : (size_t)n * *stride);
}

int floor_create(const char *name, const struct bench_case *c)
{
	uint64_t nslots, stride;
	size_t len;
	geometry(c, &nslots, &stride, &len);
	int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return fail(-errno, "floor %s: shm_open: %s", name, strerror(errno));
	int rc = ftruncate(fd, (off_t)len) < 0 ? errno : posix_fallocate(fd, 0, (off_t)len);
	close(fd);
	if (rc) {
		shm_unlink(name);
		return fail(-rc, "floor %s: cannot allocate %zu bytes: %s", name, len,
			    strerror(rc));
	}
	return 0; /* a new object is all zeroes: every slot empty */
}

int floor_open(struct floor **out, const char *name, const struct bench_case *c, bool producer)
{
	struct floor *f = calloc(1, sizeof(*f));
	if (!f)
		return fail(-ENOMEM, "floor %s: out of memory", name);
	geometry(c, &f->nslots, &f->stride, &f->len);
	f->size = c->size;
	f->batch = f->nslots / 2 < 64 ? f->nslots / 2 : 64;
	int fd = shm_open(name, O_RDWR | O_CLOEXEC, 0);
	if (fd < 0) {
		free(f);
		return fail(-errno, "floor %s: shm_open: %s", name, strerror(errno));
	}
	f->base = mmap(NULL, f->len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (f->base == MAP_FAILED) {
		free(f);
		return fail(-errno, "floor %s: mmap: %s", name, strerror(errno));
	}
	struct floor_dir *dir = (struct floor_dir *)f->base;
	unsigned char *data = f->base + FLOOR_DATA;
	/* Direction 0 carries producer (client) to consumer (server). */
	int o = producer ? 0 : 1, i = producer ? 1 : 0;
	f->out = (struct floor_side){.slots = data + o * f->nslots * f->stride, .dir = &dir[o]};
	f->in = (struct floor_side){.slots = data + i * f->nslots * f->stride, .dir = &dir[i]};
	*out = f;
	return 0;
}

static _Atomic(uint64_t) *seq_word(struct floor *f, struct floor_side *s)
{
	return (_Atomic(uint64_t) *)(s->slots + (s->idx & (f->nslots - 1)) * f->stride);
}

int floor_send(struct floor *f, uint64_t seq, uint64_t stamp, int64_t timeout_ns)
{
	struct floor_side *s = &f->out;
	if (s->idx - s->head_cache >= f->nslots) {
		int64_t deadline = bench_now_ns() + timeout_ns;
		/* Pairs with the consumer's release store of head. */
		while (s->idx - (s->head_cache =
				     atomic_load_explicit(&s->dir->head, memory_order_acquire)) >=
		       f->nslots) {
			for (int k = 0; k < 64; k++)
				cpu_relax();
			if (bench_now_ns() > deadline)
				return fail(-ETIMEDOUT, "floor: no free slot for %lld ms",
					    (long long)(timeout_ns / 1000000));
		}
	}
	_Atomic(uint64_t) *w = seq_word(f, s);
	payload_fill_stamped((unsigned char *)w + 8, f->size, seq, stamp);
	/* Pairs with the consumer's acquire load: the payload is visible. */
	atomic_store_explicit(w, s->idx + 1, memory_order_release);
	s->idx++;
	return 0;
}

/* Spin until the word holds want; -EPIPE if `closed` is set first. */
static int wait_word(_Atomic(uint64_t) *word, uint64_t want, _Atomic(uint32_t) *closed,
		     int64_t timeout_ns)
{
	int64_t deadline = 0;
	for (unsigned spins = 0;; spins++) {
		/* Pairs with the peer's release store of the word. */
		if (atomic_load_explicit(word, memory_order_acquire) == want)
			return 0;
		/* The producer stores its last word before it sets closed:
		 * once closed is seen, look at the word once more. */
		if (closed && atomic_load_explicit(closed, memory_order_acquire))
			return atomic_load_explicit(word, memory_order_acquire) == want ? 0
											: -EPIPE;
		cpu_relax();
		if ((spins & 1023) == 1023) {
			int64_t now = bench_now_ns();
			if (!deadline)
				deadline = now + timeout_ns;
			else if (now > deadline)
				return fail(-ETIMEDOUT, "floor: nothing arrived for %lld ms",
					    (long long)(timeout_ns / 1000000));
		}
	}
}

int floor_recv(struct floor *f, uint64_t seq, const void **msg, int64_t timeout_ns)
{
	(void)seq;
	struct floor_side *s = &f->in;
	_Atomic(uint64_t) *w = seq_word(f, s);
	int rc = wait_word(w, s->idx + 1, &s->dir->closed, timeout_ns);
	if (rc == 0)
		*msg = (unsigned char *)w + 8;
	return rc;
}

static _Atomic(uint64_t) *bare_line(struct floor *f)
{
	return &((struct floor_dir *)f->base)[1].head;
}

int floor_ping(struct floor *f, uint64_t n, int64_t timeout_ns)
{
	atomic_store_explicit(bare_line(f), 2 * n + 1, memory_order_release);
	return wait_word(bare_line(f), 2 * n + 2, NULL, timeout_ns);
}

int floor_pong(struct floor *f, uint64_t n, int64_t timeout_ns)
{
	int rc = wait_word(bare_line(f), 2 * n + 1, &((struct floor_dir *)f->base)[0].closed,
			   timeout_ns);
	if (rc == 0)
		atomic_store_explicit(bare_line(f), 2 * n + 2, memory_order_release);
	return rc;
}

void floor_release(struct floor *f)
{
	struct floor_side *s = &f->in;
	/* Zeroing the word leaves the line owned here: the producer's next
	 * write to it streams instead of waiting on an upgrade. */
	atomic_store_explicit(seq_word(f, s), 0, memory_order_relaxed);
	s->idx++;
	if (s->idx % f->batch == 0)
		atomic_store_explicit(&s->dir->head, s->idx, memory_order_release);
}

void floor_close_producer(struct floor *f)
{
	if (f)
		atomic_store_explicit(&f->out.dir->closed, 1, memory_order_release);
}

void floor_close(struct floor *f)
{
	if (!f)
		return;
	munmap(f->base, f->len);
	free(f);
}
