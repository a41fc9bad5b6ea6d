/* ring_example.c: the smallest program on an installed libring: a producer
 * creates a ring, a forked child attaches as its consumer, one message goes
 * across and is checked.  Exit 0 if it arrived intact, 1 otherwise. */
#define _POSIX_C_SOURCE 200809L

#include <ring.h>

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define SECOND 1000000000LL

static const char greeting[] = "hello through an installed libring";

/* The child: attach as consumer, take one message, compare it. */
static int consume(const char *name)
{
	struct ring *c;
	char buf[sizeof(greeting)];
	size_t len;
	int rc = ring_attach(&c, name, RING_ROLE_CONSUMER, 5 * SECOND);
	if (rc) {
		fprintf(stderr, "consumer: ring_attach: %s\n", ring_last_error());
		return 1;
	}
	rc = ring_recv_wait(c, buf, sizeof(buf), &len, RING_WAIT_FUTEX, 5 * SECOND);
	if (rc) {
		fprintf(stderr, "consumer: ring_recv_wait: %s\n", ring_last_error());
		ring_close(c);
		return 1;
	}
	ring_close(c);
	if (len != sizeof(greeting) || memcmp(buf, greeting, len) != 0) {
		fprintf(stderr, "consumer: got %zu bytes, not the greeting\n", len);
		return 1;
	}
	return 0;
}

int main(void)
{
	char name[RING_NAME_MAX + 1];
	snprintf(name, sizeof(name), "/ring-example-%d", (int)getpid());
	struct ring_config cfg = {.capacity = RING_CAPACITY_MIN, .wait = RING_WAIT_FUTEX};
	struct ring *p;
	if (ring_create(&p, name, &cfg, RING_ROLE_PRODUCER)) {
		fprintf(stderr, "producer: ring_create: %s\n", ring_last_error());
		return 1;
	}
	pid_t child = fork();
	if (child == 0)
		_exit(consume(name));
	int ok = child > 0;
	if (ok && ring_wait_peer(p, 5 * SECOND)) {
		fprintf(stderr, "producer: ring_wait_peer: %s\n", ring_last_error());
		ok = 0;
	}
	if (ok && ring_send_wait(p, greeting, sizeof(greeting), RING_WAIT_FUTEX, 5 * SECOND)) {
		fprintf(stderr, "producer: ring_send_wait: %s\n", ring_last_error());
		ok = 0;
	}
	int status = 0;
	if (child > 0 && waitpid(child, &status, 0) != child)
		ok = 0;
	ring_close(p);
	ring_unlink(name);
	if (!ok || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "ring_example: failed\n");
		return 1;
	}
	printf("ring_example: one message across, intact\n");
	return 0;
}
