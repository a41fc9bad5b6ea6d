/* worker.c: one side of a run, in its own process.  It pins itself, attaches
 * to the transport by name (or uses the descriptors it inherited), waits on
 * the start barrier, moves and checks every message, and writes its report
 * into the control block. */
#include "bench.h"
#include "floor.h"
#include "payload.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define FD_CTL 3
#define FD_IN  4
#define FD_OUT 5

struct worker {
	struct bench_case c;
	bool producer; /* producer, or pingpong client */
	char name[RING_NAME_MAX + 1];
	int64_t timeout_ns;
	struct bench_control *ctl;
	struct bench_report *rep;
	struct ring *ring[2]; /* [0] we send on, [1] we receive on */
	struct floor *floor;
	unsigned char *buf;
	uint64_t io_calls; /* read/write calls for pipe and unix */
};

static int report_fail(struct worker *w, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int report_fail(struct worker *w, int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(w->rep->error, sizeof(w->rep->error), fmt, ap);
	va_end(ap);
	w->rep->status = status;
	return status;
}

static int64_t cpu_ns(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000 +
	       ((int64_t)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000;
}

static int pin(struct worker *w, int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0)
		return report_fail(w, BENCH_USAGE, "cannot pin to CPU %d: %s", cpu,
				   strerror(errno));
	/* A cpuset cgroup can narrow the mask without an error: check it took. */
	if (sched_getaffinity(0, sizeof(set), &set) < 0 || CPU_COUNT(&set) != 1 ||
	    !CPU_ISSET(cpu, &set) || sched_getcpu() != cpu)
		return report_fail(w, BENCH_USAGE, "pin to CPU %d did not take (running on %d)",
				   cpu, sched_getcpu());
	return 0;
}

/* ---- moving one message, per transport ---- */

static int io_exact(struct worker *w, int fd, void *buf, size_t n, bool write_side)
{
	unsigned char *p = buf;
	while (n) {
		ssize_t k = write_side ? write(fd, p, n) : read(fd, p, n);
		w->io_calls++;
		if (k > 0) {
			p += k;
			n -= (size_t)k;
		} else if (k == 0) {
			return -EPIPE; /* end of stream */
		} else if (errno != EINTR) {
			return errno == EPIPE || errno == ECONNRESET ? -EPIPE : -errno;
		}
	}
	return 0;
}

/* Room for one message in the outgoing ring: the fast path first, the
 * blocking call (with the case's strategy) only when the ring is full. */
static int reserve_out(struct worker *w, void **p)
{
	*p = ring_reserve(w->ring[0], w->c.size);
	return *p ? 0 : ring_reserve_wait(w->ring[0], w->c.size, p, w->c.wait, w->timeout_ns);
}

static void publish_out(struct worker *w)
{
	ring_commit(w->ring[0], w->c.size);
	ring_publish(w->ring[0]);
}

/* Send message seq (stamped) on our outgoing transport. */
static int send_msg(struct worker *w, uint64_t seq, uint64_t stamp)
{
	size_t len = w->c.size;
	switch (w->c.transport) {
	case T_RING: {
		void *p;
		int rc = reserve_out(w, &p);
		if (rc)
			return rc;
		payload_fill_stamped(p, len, seq, stamp);
		publish_out(w);
		return 0;
	}
	case T_FLOOR: return floor_send(w->floor, seq, stamp, w->timeout_ns);
	default:
		payload_fill_stamped(w->buf, len, seq, stamp);
		return io_exact(w, FD_OUT, w->buf, len, true);
	}
}

/* Receive the next message, expected to be seq, and check it; *msg points
 * at it until release_msg().  Returns 0, -EPIPE at a clean end, another
 * -errno, or BENCH_VISIBILITY with the report filled in. */
static int recv_msg(struct worker *w, uint64_t seq, uint64_t *stamp, const void **msg)
{
	size_t len = w->c.size, got_len = len;
	const void *p;
	int rc;
	switch (w->c.transport) {
	case T_RING: {
		struct ring *r = w->ring[1];
		p = ring_peek(r, &got_len);
		if (!p && (rc = ring_peek_wait(r, &p, &got_len, w->c.wait, w->timeout_ns)))
			return rc;
		break;
	}
	case T_FLOOR:
		if ((rc = floor_recv(w->floor, seq, &p, w->timeout_ns)))
			return rc;
		break;
	default:
		if ((rc = io_exact(w, FD_IN, w->buf, len, false)))
			return rc;
		p = w->buf;
	}
	uint64_t got = 0;
	enum payload_status st = payload_check(p, got_len, len, seq, 1, &got);
	if (st != PAYLOAD_OK)
		return report_fail(w, BENCH_VISIBILITY,
				   "message %" PRIu64
				   ": wrong %s (length %zu, expected %zu; sequence "
				   "number %" PRIu64 ")",
				   seq, payload_status_name(st), got_len, len, got);
	if (stamp)
		*stamp = len >= PAYLOAD_MIN_STAMP ? payload_stamp(p) : 0;
	*msg = p;
	return 0;
}

/* Give the transport back the room of the message last received. */
static void release_msg(struct worker *w)
{
	if (w->c.transport == T_RING)
		ring_release(w->ring[1]);
	else if (w->c.transport == T_FLOOR)
		floor_release(w->floor);
}

/* Pingpong server: send the bytes just received back, as they are. */
static int echo_msg(struct worker *w, const void *msg)
{
	if (w->c.transport != T_RING)
		return io_exact(w, FD_OUT, (void *)msg, w->c.size, true);
	void *p;
	int rc = reserve_out(w, &p);
	if (rc)
		return rc;
	memcpy(p, msg, w->c.size);
	publish_out(w);
	return 0;
}

static void close_out(struct worker *w)
{
	if (w->c.transport == T_RING) {
		ring_close(w->ring[0]);
		w->ring[0] = NULL;
	} else if (w->c.transport == T_FLOOR) {
		floor_close_producer(w->floor);
	} else {
		close(FD_OUT);
	}
}

static int transport_error(struct worker *w, int rc, const char *what)
{
	if (rc == BENCH_VISIBILITY)
		return rc;
	const char *detail = w->c.transport == T_RING	 ? ring_last_error()
			     : w->c.transport == T_FLOOR ? floor_last_error()
							 : strerror(-rc);
	return report_fail(w, BENCH_VISIBILITY, "%s: %s", what, detail);
}

/* ---- the measured loops ---- */

static bool keep_going(struct worker *w, uint64_t n, int64_t end)
{
	if (w->c.messages)
		return n < w->c.messages;
	/* Reading the clock costs ~20 ns: every 64 messages is plenty. */
	return (n & 63) || bench_now_ns() < end;
}

static int producer_loop(struct worker *w, int64_t end)
{
	struct bench_control *ctl = w->ctl;
	bool latency = w->c.mode == MODE_LATENCY;
	int64_t interval = latency ? (int64_t)(1e9 / w->c.rate) : 0;
	int64_t t0 = bench_now_ns();
	uint64_t n = 0;
	int rc = 0;
	w->rep->t_first = t0;
	while (keep_going(w, n, end)) {
		uint64_t stamp = 0;
		if (latency) {
			/* Stamp the intended send time, not the actual one: when we
			 * fall behind, the delay shows in the latencies instead of
			 * vanishing (no coordinated omission). */
			int64_t due = t0 + (int64_t)n * interval;
			while (bench_now_ns() < due)
				;
			stamp = (uint64_t)due;
		}
		if ((rc = send_msg(w, n, stamp)))
			break;
		n++;
		if (latency || (n & 255) == 0)
			atomic_store_explicit(&ctl->sent, n, memory_order_relaxed);
	}
	w->rep->t_last = bench_now_ns();
	w->rep->messages = n;
	w->rep->bytes = n * w->c.size;
	atomic_store_explicit(&ctl->sent, n, memory_order_relaxed);
	atomic_store_explicit(&ctl->total, n, memory_order_release);
	if (rc)
		return transport_error(w, rc, "send");
	return 0;
}

static int consumer_loop(struct worker *w)
{
	struct bench_control *ctl = w->ctl;
	bool latency = w->c.mode == MODE_LATENCY;
	uint64_t n = 0;
	int rc;
	for (;;) {
		uint64_t stamp;
		const void *msg;
		rc = recv_msg(w, n, latency ? &stamp : NULL, &msg);
		if (rc)
			break;
		release_msg(w);
		int64_t now = bench_now_ns();
		if (n == 0)
			w->rep->t_first = now;
		w->rep->t_last = now;
		if (latency)
			hist_add(&ctl->hist, (uint64_t)(now - (int64_t)stamp));
		n++;
		if (latency || (n & 255) == 0)
			atomic_store_explicit(&ctl->seen, n, memory_order_relaxed);
	}
	atomic_store_explicit(&ctl->seen, n, memory_order_relaxed);
	w->rep->messages = n;
	w->rep->bytes = n * w->c.size;
	if (rc == BENCH_VISIBILITY)
		return rc;
	if (rc != -EPIPE)
		return transport_error(w, rc, "receive");
	/* A clean end: everything the producer sent must have arrived. */
	uint64_t total = atomic_load_explicit(&ctl->total, memory_order_acquire);
	if (n != total)
		return report_fail(w, BENCH_VISIBILITY,
				   "the producer sent %" PRIu64
				   " messages, the consumer received %" PRIu64,
				   total, n);
	return 0;
}

static int client_loop(struct worker *w, int64_t end)
{
	struct bench_control *ctl = w->ctl;
	uint64_t n = 0;
	int rc = 0;
	w->rep->t_first = bench_now_ns();
	while (keep_going(w, n, end)) {
		int64_t t0 = bench_now_ns();
		const void *msg;
		if (w->c.transport == T_FLOOR)
			rc = floor_ping(w->floor, n, w->timeout_ns);
		else if (!(rc = send_msg(w, n, 0)) && !(rc = recv_msg(w, n, NULL, &msg)))
			release_msg(w);
		if (rc)
			break;
		hist_add(&ctl->hist, (uint64_t)(bench_now_ns() - t0));
		n++;
		atomic_store_explicit(&ctl->sent, n, memory_order_relaxed);
	}
	w->rep->t_last = bench_now_ns();
	w->rep->messages = n;
	w->rep->bytes = 2 * n * w->c.size;
	atomic_store_explicit(&ctl->total, n, memory_order_release);
	if (rc)
		return transport_error(w, rc, "round trip");
	return 0;
}

static int server_loop(struct worker *w)
{
	uint64_t n = 0;
	int rc;
	for (;;) {
		const void *msg;
		if (w->c.transport == T_FLOOR) {
			rc = floor_pong(w->floor, n, w->timeout_ns);
		} else if (!(rc = recv_msg(w, n, NULL, &msg))) {
			rc = echo_msg(w, msg);
			release_msg(w);
		}
		if (rc)
			break;
		n++;
		atomic_store_explicit(&w->ctl->seen, n, memory_order_relaxed);
	}
	w->rep->messages = n;
	if (rc == -EPIPE)
		return 0;
	return rc == BENCH_VISIBILITY ? rc : transport_error(w, rc, "echo");
}

/* ---- set-up ---- */

static int attach(struct worker *w)
{
	struct bench_case *c = &w->c;
	enum ring_role send_role = RING_ROLE_PRODUCER, recv_role = RING_ROLE_CONSUMER;
	if (c->transport == T_FLOOR) {
		int rc = floor_open(&w->floor, w->name, c, w->producer);
		return rc ? report_fail(w, BENCH_VISIBILITY, "%s", floor_last_error()) : 0;
	}
	if (c->transport != T_RING) {
		w->buf = malloc(c->size);
		return w->buf ? 0 : report_fail(w, BENCH_USAGE, "out of memory");
	}
	char names[2][RING_NAME_MAX + 1];
	int rc;
	if (c->mode != MODE_PINGPONG) {
		rc = ring_attach(&w->ring[w->producer ? 0 : 1], w->name,
				 w->producer ? send_role : recv_role, w->timeout_ns);
	} else {
		/* ".a" carries client to server, ".b" server to client. */
		snprintf(names[0], sizeof(names[0]), "%.60s.a", w->name);
		snprintf(names[1], sizeof(names[1]), "%.60s.b", w->name);
		rc = ring_attach(&w->ring[0], names[w->producer ? 0 : 1], send_role, w->timeout_ns);
		if (!rc)
			rc = ring_attach(&w->ring[1], names[w->producer ? 1 : 0], recv_role,
					 w->timeout_ns);
	}
	if (rc)
		return report_fail(w, BENCH_VISIBILITY, "attach: %s", ring_last_error());
	return 0;
}

static void usage_worker(void)
{
	fprintf(stderr, "ringbench __worker: internal; started by ringbench itself\n");
}

int bench_worker_main(int argc, char **argv)
{
	/* __worker ROLE MODE TRANSPORT WAIT SIZE CAPACITY CPU MESSAGES DURATION
	 *          RATE NAME TIMEOUT_NS */
	if (argc != 13) {
		usage_worker();
		return BENCH_USAGE;
	}
	struct worker w = {0};
	struct bench_case *c = &w.c;
	w.producer = strcmp(argv[1], "producer") == 0;
	if (bench_mode_parse(argv[2], &c->mode) || bench_transport_parse(argv[3], &c->transport) ||
	    ring_wait_parse(argv[4], &c->wait)) {
		usage_worker();
		return BENCH_USAGE;
	}
	c->size = strtoull(argv[5], NULL, 10);
	c->capacity = strtoull(argv[6], NULL, 10);
	int cpu = atoi(argv[7]);
	c->messages = strtoull(argv[8], NULL, 10);
	c->duration = strtod(argv[9], NULL);
	c->rate = strtod(argv[10], NULL);
	snprintf(w.name, sizeof(w.name), "%s", argv[11]);
	w.timeout_ns = strtoll(argv[12], NULL, 10);

	w.ctl =
	    mmap(NULL, sizeof(struct bench_control), PROT_READ | PROT_WRITE, MAP_SHARED, FD_CTL, 0);
	if (w.ctl == MAP_FAILED) {
		fprintf(stderr, "ringbench worker: cannot map the control block: %s\n",
			strerror(errno));
		return BENCH_USAGE;
	}
	w.rep = &w.ctl->report[w.producer ? 0 : 1];
	int rc = pin(&w, cpu);
	if (!rc)
		rc = attach(&w);
	/* Reach the barrier even after a failure, so the harness is not left
	 * waiting; it reads our report before it says go. */
	atomic_fetch_add_explicit(&w.ctl->ready, 1, memory_order_acq_rel);
	if (rc)
		goto out;
	int64_t give_up = bench_now_ns() + w.timeout_ns;
	while (!atomic_load_explicit(&w.ctl->go, memory_order_acquire)) {
		if (bench_now_ns() > give_up) {
			rc = report_fail(&w, BENCH_USAGE, "no start signal from the harness");
			goto out;
		}
		struct timespec ts = {0, 20000};
		nanosleep(&ts, NULL);
	}
	int64_t end = bench_now_ns() + (int64_t)(c->duration * 1e9);
	int64_t cpu0 = cpu_ns();
	if (c->mode == MODE_PINGPONG)
		rc = w.producer ? client_loop(&w, end) : server_loop(&w);
	else
		rc = w.producer ? producer_loop(&w, end) : consumer_loop(&w);
	w.rep->cpu_ns = cpu_ns() - cpu0;
	w.rep->syscalls = w.io_calls;
	for (int i = 0; i < 2; i++)
		if (w.ring[i])
			w.rep->syscalls += ring_syscalls(w.ring[i]);
	if (w.producer)
		close_out(&w); /* the consumer or server sees the end */
out:
	for (int i = 0; i < 2; i++)
		ring_close(w.ring[i]);
	floor_close(w.floor);
	free(w.buf);
	w.rep->status = rc;
	atomic_store_explicit(&w.rep->done, 1, memory_order_release);
	return rc;
}
