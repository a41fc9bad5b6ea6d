/* floor.h: the `floor` reference transport: the least a shared-memory
 * handoff can do.  Fixed slots of one message each, a sequence word at the
 * start of each slot that the consumer polls and zeroes, and the consumer's
 * position published once per batch.  No variable lengths, no wrap, no
 * waiting but spinning: what is left is the cost of moving cache lines
 * between two CPUs, which is what the ring is measured against. */
#ifndef FLOOR_H
#define FLOOR_H

#include "bench.h"

struct floor;

/* Create the object for case c (the harness).  Returns 0 or -errno. */
int floor_create(const char *name, const struct bench_case *c);
/* Open it as the producer (or pingpong client) or the consumer (server). */
int floor_open(struct floor **out, const char *name, const struct bench_case *c, bool producer);
/* Send message seq: waits (spinning) up to timeout_ns for a free slot. */
int floor_send(struct floor *f, uint64_t seq, uint64_t stamp, int64_t timeout_ns);
/* Wait for message seq; *msg points at it in the slot until floor_release().
 * Returns 0, -EPIPE once the producer closed and nothing is left, or
 * -ETIMEDOUT. */
int floor_recv(struct floor *f, uint64_t seq, const void **msg, int64_t timeout_ns);
void floor_release(struct floor *f);
/* Pingpong: the floor is one bare cache line handed back and forth (no
 * payload: the physical round trip).  Round n: the client stores 2n+1 and
 * waits for 2n+2; the server waits for 2n+1 and stores 2n+2.  Both return 0,
 * -ETIMEDOUT, or (the server) -EPIPE once the client closed. */
int floor_ping(struct floor *f, uint64_t n, int64_t timeout_ns);
int floor_pong(struct floor *f, uint64_t n, int64_t timeout_ns);

/* The producer is done: the consumer sees -EPIPE after the last message. */
void floor_close_producer(struct floor *f);
void floor_close(struct floor *f);
const char *floor_last_error(void);

#endif
