/* test_integrity.c: a message lost, duplicated, reordered or corrupted on
 * the way must end the run as an integrity failure.  This program plays a
 * faulty producer (the fault is here, in the test, not in libring) against
 * ring_stress's real consumer, a separate process that attaches by name and
 * checks every sequence number and byte; the consumer must exit 3 and
 * name the message and what was wrong with it.  A faultless run passes, so
 * the checks are not failing for some other reason.
 *   test_integrity RING_STRESS */
#include "payload.h"
#include "testutil.h"

#include <sys/wait.h>

#define N    1000
#define SIZE 64
#define AT   500 /* the message the fault hits */

enum fault { F_NONE, F_LOSE, F_DUPLICATE, F_SWAP, F_CORRUPT };

static void send_seq(struct ring *p, uint64_t seq, bool corrupt)
{
	unsigned char *m;
	CHECK_EQ(ring_reserve_wait(p, SIZE, (void **)&m, RING_WAIT_SPIN, 5000 * MS), 0);
	payload_fill(m, SIZE, seq);
	if (corrupt)
		m[SIZE - 1] ^= 0x10; /* one bit of the body */
	ring_commit(p, SIZE);
	ring_publish(p);
}

static void run(const char *stress, enum fault f, int want, const char *words)
{
	const char *name = test_name("integrity");
	struct ring *p;
	struct ring_config cfg = {.capacity = 1 << 16, .wait = RING_WAIT_SPIN};
	CHECK_EQ(ring_create(&p, name, &cfg, RING_ROLE_PRODUCER), 0);
	int out[2];
	CHECK_EQ(pipe(out), 0);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		dup2(out[1], 1);
		dup2(out[1], 2);
		char n[16];
		snprintf(n, sizeof(n), "%d", N);
		execl(stress, stress, "--worker", "consumer", "--name", name, "--messages", n,
		      "--size", "64", "--capacity", "64K", "--cpus", "none", "--verify", "full",
		      "--timeout-ms", "5000", (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	CHECK_EQ(ring_wait_peer(p, 5000 * MS), 0);
	for (uint64_t seq = 0; seq < N; seq++) {
		if (seq == AT && f == F_LOSE)
			continue;
		if (seq == AT && f == F_SWAP) {
			send_seq(p, AT + 1, false);
			send_seq(p, AT, false);
			seq++;
			continue;
		}
		send_seq(p, seq, seq == AT && f == F_CORRUPT);
		if (seq == AT && f == F_DUPLICATE)
			send_seq(p, seq, false);
	}
	ring_close(p);
	char text[4096] = "";
	size_t used = 0;
	ssize_t k;
	while (used + 1 < sizeof(text) &&
	       (k = read(out[0], text + used, sizeof(text) - 1 - used)) > 0)
		used += (size_t)k;
	text[used] = 0;
	close(out[0]);
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	printf("fault %d: exit %d: %s", f, WIFEXITED(st) ? WEXITSTATUS(st) : -1, text);
	CHECK(WIFEXITED(st));
	CHECK_EQ(WEXITSTATUS(st), want);
	CHECK(strstr(text, words) != NULL);
	CHECK_EQ(ring_unlink(name), 0);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: test_integrity RING_STRESS\n");
		return 2;
	}
	run(argv[1], F_NONE, 0, "consumer ns=");
	run(argv[1], F_LOSE, 3, "message 500: wrong sequence number (len 64, want 64, seq 501)");
	run(argv[1], F_DUPLICATE, 3,
	    "message 501: wrong sequence number (len 64, want 64, seq 500)");
	run(argv[1], F_SWAP, 3, "message 500: wrong sequence number (len 64, want 64, seq 501)");
	run(argv[1], F_CORRUPT, 3, "message 500: wrong content");
	printf("test_integrity: ok\n");
	return 0;
}
