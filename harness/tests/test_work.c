/* test_work.c: the `work` reference does a checked round trip's message
 * work, not only the bare line's hand-off.  Client and server are two
 * threads on one real object (the transport's own create and open); after
 * every round trip the client's two buffers, which follow the line, must
 * hold what the worker would have sent and echoed for that round: message
 * n, filled and copied, each passing the receiver's check.  A `work` that
 * only handed the line back and forth leaves them as they were. */
#include "check.h"
#include "measure/transport.h"
#include "payload.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define ROUNDS 200

static char name[sizeof(((struct tp_objects *)0)->name)];

/* A failed check exits: the object goes all the same. */
static void unlink_object(void)
{
	if (name[0])
		shm_unlink(name);
}

static void *serve(void *arg)
{
	struct tp_worker *w = arg;
	uint64_t n = 0;
	while (transport_work.pong(w, n) == 0)
		n++;
	return NULL;
}

static void one_size(size_t size)
{
	struct bench_case c = {.mode = MODE_PINGPONG, .transport = T_WORK, .size = size};
	struct tp_objects o = {0};
	snprintf(o.name, sizeof(o.name), "/rbt.work.%d", (int)getpid());
	snprintf(name, sizeof(name), "%s", o.name);
	char err[256];
	CHECK(transport_work.create(&c, &o, err, sizeof(err)) == 0);
	struct tp_worker client = {
	    .c = &c, .producer = true, .name = o.name, .timeout_ns = 10000000000LL};
	struct tp_worker server = client;
	server.producer = false;
	CHECK(transport_work.open(&client) == 0);
	CHECK(transport_work.open(&server) == 0);
	pthread_t t;
	CHECK(pthread_create(&t, NULL, serve, &server) == 0);
	const unsigned char *sent = (const unsigned char *)client.impl + 4096;
	const unsigned char *echo = sent + ((size + 63) & ~(size_t)63);
	for (uint64_t n = 0; n < ROUNDS; n++) {
		CHECK(transport_work.ping(&client, n) == 0);
		uint64_t got = 0;
		CHECK(payload_check(sent, size, size, n, 1, &got) == PAYLOAD_OK);
		CHECK(payload_check(echo, size, size, n, 1, &got) == PAYLOAD_OK);
	}
	transport_work.close_out(&client);
	CHECK(pthread_join(t, NULL) == 0);
	transport_work.close(&client);
	transport_work.close(&server);
	shm_unlink(o.name);
	name[0] = 0;
}

int main(void)
{
	atexit(unlink_object);
	static const size_t sizes[] = {16, 64, 100, 4096};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		one_size(sizes[i]);
	printf("test_work: %d round trips at each of 4 sizes, each one's messages filled, "
	       "copied and checked\n",
	       ROUNDS);
	return 0;
}
