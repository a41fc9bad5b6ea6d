/* ring_gbench.c: what each of libring's operations costs in one process,
 * through Google Benchmark (gbench.h), in C.
 *
 *   ring/publish/size:N      reserve + commit + publish of one message
 *   ring/consume/size:N      peek + consume + release of one message
 *   ring/send_recv/size:N    ring_send then ring_recv (both copy)
 *   ring/batch16/size:N      16 reserve + commit, one publish (per message)
 *   ring/threads/size:N      producer thread on CPU 0, consumer on CPU 1
 *
 * Sizes 8 B to 64 KiB.  The operations are zero-copy but for send_recv:
 * they write no payload (the caller's work), so only send_recv reports
 * bytes per second; the threads case writes each whole payload.
 *
 * The producer and the consumer of the one-process cases are two handles on
 * one spin ring that holds at least GB_LAP messages (1 MiB, more for large
 * messages).  A lap is a number of operations the ring is sure to take from
 * empty (or, for consume, to give from full); between laps the clock is
 * paused while the ring is emptied (or filled).  So no timed operation ever
 * fails or waits, and every timed iteration is one operation.
 *
 * `ring_gbench --count OP SIZE N` runs N operations of one case the same
 * way, with no clock and no Google Benchmark, each inside a function of its
 * own (gb_op_publish, gb_op_consume...), for `valgrind --tool=callgrind
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

#define GB_MIN_CAPACITY (1u << 20)
#define GB_LAP		1024 /* messages a ring holds at least */
#define GB_BATCH	16

enum op { OP_PUBLISH, OP_CONSUME, OP_SEND_RECV, OP_BATCH, OP_COUNT };

static const char *const op_names[OP_COUNT] = {"publish", "consume", "send_recv", "batch16"};

struct pair {
	struct ring *prod, *cons;
	char name[64];
	size_t size;
	long lap; /* operations per lap */
	char *src, *dst;
};

static uint64_t capacity_for(size_t size)
{
	uint64_t c = GB_MIN_CAPACITY;
	while (c < GB_LAP * ring_record_size(size))
		c <<= 1;
	return c;
}

/* Operations of op sure to fit in an empty ring (or, for consume, messages
 * a full ring holds): the ring keeps one record word and can lose one
 * record's room at its wrap, so a lap leaves two records and a batch of
 * room to spare. */
static long lap_for(enum op op, uint64_t capacity, size_t size)
{
	uint64_t rs = ring_record_size(size);
	uint64_t spare = (GB_BATCH + 2) * rs + 64;
	long msgs = (long)((capacity - spare) / rs);
	return op == OP_BATCH ? msgs / GB_BATCH : op == OP_SEND_RECV ? msgs : msgs;
}

static int pair_open(struct pair *p, enum op op, size_t size)
{
	static unsigned n;
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "/ringbench.%d.gbench%u", (int)getpid(), n++);
	struct ring_config cfg = {.capacity = capacity_for(size), .wait = RING_WAIT_SPIN};
	p->size = size;
	p->lap = lap_for(op, cfg.capacity, size);
	p->src = calloc(1, size ? size : 1);
	p->dst = calloc(1, size ? size : 1);
	if (!p->src || !p->dst) {
		free(p->src);
		free(p->dst);
		return -ENOMEM;
	}
	int rc = ring_create(&p->prod, p->name, &cfg, RING_ROLE_PRODUCER);
	if (!rc) {
		rc = ring_attach(&p->cons, p->name, RING_ROLE_CONSUMER, 1000000000LL);
		if (rc) {
			ring_close(p->prod);
			ring_unlink(p->name);
		}
	}
	if (rc) {
		free(p->src);
		free(p->dst);
	}
	return rc;
}

static void pair_close(struct pair *p)
{
	ring_close(p->cons);
	ring_close(p->prod);
	ring_unlink(p->name);
	free(p->src);
	free(p->dst);
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
	if (!ring_peek(r, &len))
		return false;
	ring_consume(r);
	ring_release(r);
	return true;
}

__attribute__((noinline)) static bool gb_op_send_recv(struct pair *p)
{
	if (!ring_send(p->prod, p->src, p->size))
		return false;
	return ring_recv(p->cons, p->dst, p->size) == (ssize_t)p->size;
}

__attribute__((noinline)) static bool gb_op_batch(struct ring *r, size_t size)
{
	for (int i = 0; i < GB_BATCH; i++) {
		if (!ring_reserve(r, size))
			return false;
		ring_commit(r, size);
	}
	ring_publish(r);
	return true;
}

static bool do_op(struct pair *p, enum op op)
{
	switch (op) {
	case OP_PUBLISH: return gb_op_publish(p->prod, p->size);
	case OP_CONSUME: return gb_op_consume(p->cons);
	case OP_SEND_RECV: return gb_op_send_recv(p);
	default: return gb_op_batch(p->prod, p->size);
	}
}

/* Untimed, between laps: empty the ring (every room handed back), or for
 * consume fill it with at least a lap of messages. */
__attribute__((noinline)) static void new_lap(struct pair *p, enum op op)
{
	size_t len;
	while (ring_peek(p->cons, &len))
		ring_release(p->cons);
	ring_release_now(p->cons);
	if (op != OP_CONSUME)
		return;
	for (long i = 0; i < p->lap && ring_reserve(p->prod, p->size); i++)
		ring_commit(p->prod, p->size);
	ring_publish(p->prod);
}

/* ---- the benchmarks ---- */

static void bm_one_process(gbench_state *s, void *arg)
{
	enum op op = (enum op)(intptr_t)arg;
	size_t size = (size_t)gbench_range(s, 0);
	struct pair p;
	if (pair_open(&p, op, size)) {
		gbench_skip_with_error(s,
				       ring_last_error()[0] ? ring_last_error() : "out of memory");
		return;
	}
	long left = 0;
	while (gbench_keep_running(s)) {
		if (left == 0) {
			gbench_pause(s);
			new_lap(&p, op);
			left = p.lap;
			gbench_resume(s);
		}
		left--;
		if (!do_op(&p, op)) {
			gbench_skip_with_error(s, "an operation failed inside a lap the ring "
						  "should have held");
			break;
		}
	}
	int64_t msgs = gbench_iterations(s) * (op == OP_BATCH ? GB_BATCH : 1);
	gbench_set_items(s, msgs);
	if (op == OP_SEND_RECV) /* the only one that moves the bytes */
		gbench_set_bytes(s, msgs * (int64_t)size);
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
	if (pair_open(&p, OP_PUBLISH, size)) {
		gbench_skip_with_error(s,
				       ring_last_error()[0] ? ring_last_error() : "out of memory");
		return;
	}
	cpu_set_t old;
	if (pthread_getaffinity_np(pthread_self(), sizeof(old), &old)) {
		pair_close(&p);
		gbench_skip_with_error(s, "cannot read this thread's CPU affinity");
		return;
	}
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
	int op = -1;
	for (int i = 0; i < OP_COUNT; i++)
		if (strcmp(opname, op_names[i]) == 0)
			op = i;
	if (op < 0 || size < 1 || size > 65536 || n < 1) {
		fprintf(stderr, "ring_gbench: --count OP SIZE N: OP one of publish, consume, "
				"send_recv, batch16; SIZE 1..65536; N at least 1\n");
		return 2;
	}
	struct pair p;
	if (pair_open(&p, op, (size_t)size)) {
		fprintf(stderr, "ring_gbench: %s\n", ring_last_error());
		return 2;
	}
	int rc = 0;
	long left = 0;
	for (long i = 0; i < n && rc == 0; i++) {
		if (left == 0) {
			new_lap(&p, op);
			left = p.lap;
		}
		left--;
		if (!do_op(&p, op)) {
			fprintf(stderr, "ring_gbench: %s failed inside a lap\n", opname);
			rc = 1;
		}
	}
	pair_close(&p);
	if (rc == 0)
		printf("%s %ld %ld\n", opname, size, n);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "--count") == 0) {
		if (argc != 5) {
			fprintf(stderr, "usage: ring_gbench --count OP SIZE N\n");
			return 2;
		}
		return count_ops(argv[2], atol(argv[3]), atol(argv[4]));
	}
	for (int op = 0; op < OP_COUNT; op++) {
		char name[32];
		snprintf(name, sizeof(name), "ring/%s", op_names[op]);
		gbench_bench *b = gbench_register(name, bm_one_process, (void *)(intptr_t)op);
		gbench_arg_name(b, "size");
		gbench_ranges(b, 8, 65536);
	}
	gbench_bench *b = gbench_register("ring/threads", bm_threads, NULL);
	gbench_arg_name(b, "size");
	gbench_ranges(b, 8, 65536);
	gbench_add_context("ring_capacity", "1 MiB, or room for 1024 messages of the size");
	gbench_add_context("ring_wait", "spin");
	return gbench_main(argc, argv);
}
