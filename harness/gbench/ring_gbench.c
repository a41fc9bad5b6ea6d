/* ring_gbench.c: what each of libring's operations costs in one process,
 * through Google Benchmark (gbench.h), in C.
 *
 *   ring/publish/size:N      reserve + commit + publish of one message
 *   ring/consume/size:N      peek + consume + release of one message
 *   ring/send_recv/size:N    ring_send then ring_recv (both copy)
 *   ring/batch16/size:N      16 reserve + commit, one publish (per message)
 *   ring/threads/size:N      producer thread on CPU 0, consumer on CPU 1
 *
 * Sizes 8 B to 64 KiB (16 KiB for the batch: 16 of them must fit).  The
 * operations are zero-copy but for send_recv: they write no payload (the
 * caller's work), so only send_recv reports bytes per second; the threads
 * case writes each whole payload.  The producer and the consumer of the one-process
 * cases are two handles on one ring (1 MiB, spin).  When the ring fills (or
 * empties), the clock is paused while it is drained (or filled): every
 * timed iteration is one operation.
 *
 * `ring_gbench --count OP SIZE N` runs N operations of one case with no
 * clock and no Google Benchmark, each inside a function of its own
 * (gb_op_publish, gb_op_consume...), for `valgrind --tool=callgrind
 * --toggle-collect=gb_op_*`: the instructions of exactly N operations. */
#include "gbench.h"
#include "ring.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define GB_CAPACITY (1u << 20)
#define GB_BATCH    16

struct pair {
	struct ring *prod, *cons;
	char name[64];
};

static int pair_open(struct pair *p)
{
	static unsigned n;
	snprintf(p->name, sizeof(p->name), "/ringbench.%d.gbench%u", (int)getpid(), n++);
	struct ring_config cfg = {.capacity = GB_CAPACITY, .wait = RING_WAIT_SPIN};
	int rc = ring_create(&p->prod, p->name, &cfg, RING_ROLE_PRODUCER);
	if (rc)
		return rc;
	rc = ring_attach(&p->cons, p->name, RING_ROLE_CONSUMER, 1000000000LL);
	if (rc) {
		ring_close(p->prod);
		ring_unlink(p->name);
	}
	return rc;
}

static void pair_close(struct pair *p)
{
	ring_close(p->cons);
	ring_close(p->prod);
	ring_unlink(p->name);
}

/* ---- the operations, each its own function for callgrind ---- */

__attribute__((noinline)) static bool gb_op_publish(struct ring *r, size_t size)
{
	/* The ring's own work: what the caller writes into the room is the
	 * caller's (and would swamp a one-instruction change in the count). */
	if (!ring_reserve(r, size))
		return false;
	ring_commit(r, size);
	ring_publish(r);
	return true;
}

__attribute__((noinline)) static bool gb_op_consume(struct ring *r)
{
	size_t len;
	const void *m = ring_peek(r, &len);
	if (!m)
		return false;
	ring_consume(r);
	ring_release(r);
	return true;
}

__attribute__((noinline)) static bool gb_op_send_recv(struct pair *p, const void *src, void *dst,
						      size_t size)
{
	if (!ring_send(p->prod, src, size))
		return false;
	return ring_recv(p->cons, dst, size) == (ssize_t)size;
}

__attribute__((noinline)) static bool gb_op_batch(struct ring *r, size_t size)
{
	for (int i = 0; i < GB_BATCH; i++) {
		if (!ring_reserve(r, size)) {
			ring_publish(r);
			return false;
		}
		ring_commit(r, size);
	}
	ring_publish(r);
	return true;
}

/* Untimed upkeep: empty the ring, or fill it. */
static void drain(struct pair *p)
{
	size_t len;
	while (ring_peek(p->cons, &len))
		ring_release(p->cons);
	ring_release_now(p->cons);
}

static void fill(struct pair *p, size_t size)
{
	void *m;
	while ((m = ring_reserve(p->prod, size)) != NULL) {
		memset(m, 0x5a, size < 16 ? size : 16);
		ring_commit(p->prod, size);
	}
	ring_publish(p->prod);
}

/* ---- the benchmarks ---- */

enum op { OP_PUBLISH, OP_CONSUME, OP_SEND_RECV, OP_BATCH };

static void bm_one_process(gbench_state *s, void *arg)
{
	enum op op = (enum op)(intptr_t)arg;
	size_t size = (size_t)gbench_range(s, 0);
	struct pair p;
	int rc = pair_open(&p);
	if (rc) {
		gbench_skip_with_error(s, ring_last_error());
		return;
	}
	char *src = calloc(1, size), *dst = calloc(1, size);
	if (!src || !dst) {
		free(src);
		free(dst);
		pair_close(&p);
		gbench_skip_with_error(s, "out of memory");
		return;
	}
	if (op == OP_CONSUME)
		fill(&p, size);
	while (gbench_keep_running(s)) {
		bool ok;
		switch (op) {
		case OP_PUBLISH: ok = gb_op_publish(p.prod, size); break;
		case OP_CONSUME: ok = gb_op_consume(p.cons); break;
		case OP_SEND_RECV: ok = gb_op_send_recv(&p, src, dst, size); break;
		default: ok = gb_op_batch(p.prod, size); break;
		}
		if (ok)
			continue;
		/* Full (or empty): set it right off the clock, then do this
		 * iteration's operation. */
		gbench_pause(s);
		if (op == OP_CONSUME)
			fill(&p, size);
		else
			drain(&p);
		gbench_resume(s);
		switch (op) {
		case OP_PUBLISH: ok = gb_op_publish(p.prod, size); break;
		case OP_CONSUME: ok = gb_op_consume(p.cons); break;
		case OP_SEND_RECV: ok = gb_op_send_recv(&p, src, dst, size); break;
		default: ok = gb_op_batch(p.prod, size); break;
		}
		if (!ok) {
			gbench_skip_with_error(s, "the ring refused an operation right after "
						  "being emptied or filled");
			break;
		}
	}
	int64_t msgs = gbench_iterations(s) * (op == OP_BATCH ? GB_BATCH : 1);
	gbench_set_items(s, msgs);
	if (op == OP_SEND_RECV) /* the only one that moves the bytes */
		gbench_set_bytes(s, msgs * (int64_t)size);
	free(src);
	free(dst);
	pair_close(&p);
}

/* Two threads: the consumer pinned to CPU 1 takes what the producer,
 * pinned to CPU 0, publishes; the producer's loop is timed. */
struct consumer {
	struct ring *r;
	atomic_bool stop;
	int cpu;
	int err;
};

static int pin(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void *consume_loop(void *arg)
{
	struct consumer *c = arg;
	c->err = pin(c->cpu);
	size_t len;
	while (!atomic_load_explicit(&c->stop, memory_order_acquire)) {
		if (ring_peek(c->r, &len))
			ring_release(c->r);
	}
	while (ring_peek(c->r, &len))
		ring_release(c->r);
	ring_release_now(c->r);
	return NULL;
}

static void bm_threads(gbench_state *s, void *arg)
{
	(void)arg;
	size_t size = (size_t)gbench_range(s, 0);
	struct pair p;
	if (pair_open(&p)) {
		gbench_skip_with_error(s, ring_last_error());
		return;
	}
	cpu_set_t old;
	pthread_getaffinity_np(pthread_self(), sizeof(old), &old);
	struct consumer c = {.r = p.cons, .cpu = 1};
	atomic_init(&c.stop, false);
	pthread_t t;
	if (pin(0) || pthread_create(&t, NULL, consume_loop, &c)) {
		pthread_setaffinity_np(pthread_self(), sizeof(old), &old);
		pair_close(&p);
		gbench_skip_with_error(s, "cannot pin to CPU 0 or start the consumer on CPU 1");
		return;
	}
	while (gbench_keep_running(s)) {
		void *m;
		/* full: the consumer is behind, which is what is measured */
		while ((m = ring_reserve(p.prod, size)) == NULL)
			;
		memset(m, 0x5a, size); /* the whole payload, as a stream does */
		ring_commit(p.prod, size);
		ring_publish(p.prod);
	}
	atomic_store_explicit(&c.stop, true, memory_order_release);
	pthread_join(t, NULL);
	pthread_setaffinity_np(pthread_self(), sizeof(old), &old);
	if (c.err)
		gbench_skip_with_error(s, "cannot pin the consumer to CPU 1");
	gbench_set_items(s, gbench_iterations(s));
	gbench_set_bytes(s, gbench_iterations(s) * (int64_t)size);
	pair_close(&p);
}

/* ---- --count: N operations for an instruction count ---- */

static int count_ops(const char *opname, long size, long n)
{
	static const char *const names[] = {"publish", "consume", "send_recv", "batch16"};
	int op = -1;
	for (int i = 0; i < 4; i++)
		if (strcmp(opname, names[i]) == 0)
			op = i;
	if (op < 0 || size < 1 || size > 65536 || n < 1) {
		fprintf(stderr, "ring_gbench: --count OP SIZE N: OP one of publish, consume, "
				"send_recv, batch16; SIZE 1..65536; N at least 1\n");
		return 2;
	}
	struct pair p;
	if (pair_open(&p)) {
		fprintf(stderr, "ring_gbench: %s\n", ring_last_error());
		return 2;
	}
	char *src = calloc(1, (size_t)size), *dst = calloc(1, (size_t)size);
	if (!src || !dst) {
		pair_close(&p);
		return 2;
	}
	if (op == OP_CONSUME)
		fill(&p, (size_t)size);
	int rc = 0;
	for (long i = 0; i < n && rc == 0; i++) {
		bool ok;
		for (int attempt = 0; attempt < 2; attempt++) {
			switch (op) {
			case OP_PUBLISH: ok = gb_op_publish(p.prod, (size_t)size); break;
			case OP_CONSUME: ok = gb_op_consume(p.cons); break;
			case OP_SEND_RECV: ok = gb_op_send_recv(&p, src, dst, (size_t)size); break;
			default: ok = gb_op_batch(p.prod, (size_t)size); break;
			}
			if (ok)
				break;
			if (op == OP_CONSUME)
				fill(&p, (size_t)size);
			else
				drain(&p);
		}
		if (!ok)
			rc = 1;
	}
	free(src);
	free(dst);
	pair_close(&p);
	if (rc)
		fprintf(stderr, "ring_gbench: %s refused after the ring was set right\n", opname);
	printf("%s %ld %ld\n", opname, size, n);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "--count") == 0)
		return count_ops(argv[2], atol(argv[3]), atol(argv[4]));
	static const struct {
		const char *name;
		enum op op;
	} one[] = {{"ring/publish", OP_PUBLISH},
		   {"ring/consume", OP_CONSUME},
		   {"ring/send_recv", OP_SEND_RECV},
		   {"ring/batch16", OP_BATCH}};
	for (size_t i = 0; i < sizeof(one) / sizeof(one[0]); i++) {
		gbench_bench *b =
		    gbench_register(one[i].name, bm_one_process, (void *)(intptr_t)one[i].op);
		gbench_arg_name(b, "size");
		gbench_ranges(b, 8, one[i].op == OP_BATCH ? 16384 : 65536);
	}
	gbench_bench *b = gbench_register("ring/threads", bm_threads, NULL);
	gbench_arg_name(b, "size");
	gbench_ranges(b, 8, 65536);
	gbench_add_context("ring_capacity", "1048576");
	gbench_add_context("ring_wait", "spin");
	return gbench_main(argc, argv);
}
