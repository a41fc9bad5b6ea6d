/* worker.c: one side of a run, in its own process.  It ends with the
 * harness, pins itself, opens its end of the transport by name (or the
 * descriptors it inherited), waits on the start barrier, moves and checks
 * every message, and writes its report into the control block.
 *
 * The measured window: every case first moves `warmup` messages (a lap of
 * the ring for a stream, so its first-touch and first-lap costs stay out),
 * then the window starts.  The clock is read at the window's ends and, in a
 * stream, every BENCH_SAMPLE_EVERY messages, never per message; pingpong
 * reads it once per round trip, latency once per message (each needs it). */
#include "measure/bench.h"
#include "measure/evidence.h"
#include "payload.h"
#include "measure/transport.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#define FD_CTL 3
#define FD_IN  4
#define FD_OUT 5
#define FD_SAY 6 /* status pipe to the harness: not through shared memory */

/* A line to the harness on the status pipe (if there is one). */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
	static int fd = -2;
	if (fd == -2)
		fd = fcntl(FD_SAY, F_GETFD) >= 0 ? FD_SAY : -1;
	if (fd < 0)
		return;
	char line[600];
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (k < 0)
		return;
	if ((size_t)k > sizeof(line) - 2)
		k = (int)sizeof(line) - 2;
	line[k++] = '\n';
	ssize_t w = write(fd, line, (size_t)k);
	(void)w;
}

/* Say on the pipe how this process maps the shared objects (the control
 * block, the rings' memfds, what it opened in /dev/shm): evidence the
 * harness keeps after this process has exited, as "maps " and the line of
 * /proc/self/maps. */
static void say_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[600];
	struct mapinfo m;
	while (f && fgets(line, sizeof(line), f))
		if (evidence_maps_line(line, &m) &&
		    (strncmp(m.file, "/dev/shm/", 9) == 0 || strncmp(m.file, "/memfd:", 7) == 0))
			say("maps %.*s", (int)strcspn(line, "\n"), line);
	if (f)
		fclose(f);
}

/* Progress counters are written in steps: a line write every few messages,
 * not every message, and never on a line the peer writes. */
#define PROGRESS_STEP 64

struct worker {
	struct bench_case c;
	const struct transport *t;
	struct tp_worker tw;
	char name[RING_NAME_MAX + 1];
	struct bench_control *ctl;
	const struct bench_clock *clk;
	struct bench_side *side;
	struct bench_report *rep;
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
	say("error %d %s", status, w->rep->error);
	return status;
}

static int64_t cpu_ns(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000 +
	       ((int64_t)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000;
}

/* The window opens: CPU time and system calls count from here. */
struct span {
	int64_t cpu0;
	uint64_t sys0;
	uint64_t n0;
};

static uint64_t syscalls_so_far(struct worker *w)
{
	return w->t->syscalls ? w->t->syscalls(&w->tw) : 0;
}

static void span_open(struct worker *w, struct span *s, uint64_t n)
{
	s->cpu0 = cpu_ns();
	s->sys0 = syscalls_so_far(w);
	s->n0 = n;
}

static void span_close(struct worker *w, const struct span *s, uint64_t n)
{
	w->rep->cpu_ns = cpu_ns() - s->cpu0;
	w->rep->syscalls = syscalls_so_far(w) - s->sys0;
	w->rep->cpu_messages = n - s->n0;
}

/* ---- one message, on any transport ---- */

static int send_msg(struct worker *w, uint64_t seq, uint64_t stamp)
{
	void *p;
	int rc = w->t->reserve(&w->tw, &p);
	if (rc)
		return rc;
	payload_fill_stamped(p, w->c.size, seq, stamp);
	return w->t->publish(&w->tw);
}

/* Receive the next message, expected to be seq, and check it; *msg points
 * at it until release.  Returns 0, -EPIPE at a clean end, another -errno,
 * or BENCH_VISIBILITY with the report filled in. */
static int recv_msg(struct worker *w, uint64_t seq, const void **msg)
{
	size_t len = 0;
	int rc = w->t->recv(&w->tw, msg, &len);
	if (rc)
		return rc;
	uint64_t got = 0;
	enum payload_status st = payload_check(*msg, len, w->c.size, seq, 1, &got);
	if (st != PAYLOAD_OK)
		return report_fail(w, BENCH_VISIBILITY,
				   "message %" PRIu64
				   ": wrong %s (length %zu, expected %zu; sequence "
				   "number %" PRIu64 ")",
				   seq, payload_status_name(st), len, w->c.size, got);
	return 0;
}

/* Pingpong server: send the bytes just received back, as they are. */
static int echo_msg(struct worker *w, const void *msg)
{
	void *p;
	int rc = w->t->reserve(&w->tw, &p);
	if (rc)
		return rc;
	if (p != msg) /* the fd transports read and write one buffer */
		memcpy(p, msg, w->c.size);
	return w->t->publish(&w->tw);
}

/* Why a transport this build lacks cannot run. */
static const char *not_built(const struct transport *t)
{
	const char *why = t->unavailable ? t->unavailable(false) : NULL;
	return why ? why : "not in this build";
}

static int transport_error(struct worker *w, int rc, const char *what)
{
	if (rc == BENCH_VISIBILITY)
		return rc;
	/* The peer closed or died: what it reported, or how it ended, is the
	 * cause; this is the symptom. */
	w->rep->symptom = rc == -EPIPE || rc == -EOWNERDEAD;
	return report_fail(w, BENCH_VISIBILITY, "%s: %s", what,
			   w->tw.err[0] ? w->tw.err : strerror(-rc));
}

static void progress(struct worker *w, uint64_t n)
{
	atomic_store_explicit(&w->side->progress, n, memory_order_relaxed);
}

/* ---- the measured loops ---- */

static int producer_loop(struct worker *w)
{
	const struct bench_clock *clk = w->clk;
	bool latency = w->c.mode == MODE_LATENCY;
	uint64_t warm = w->c.warmup, last = w->c.messages ? warm + w->c.messages : UINT64_MAX;
	uint64_t interval = latency ? bench_clock_ticks(clk, 1e9 / w->c.rate) : 0;
	uint64_t dur = bench_clock_ticks(clk, w->c.duration * 1e9);
	uint64_t t0 = bench_clock_now(clk), end = UINT64_MAX, due = t0;
	struct span sp = {0};
	uint64_t n = 0;
	int rc = 0;
	for (;; n++) {
		if (n == warm) {
			/* The span's system calls before the clock starts. */
			span_open(w, &sp, n);
			uint64_t now = bench_clock_now(clk);
			w->rep->t_first = now;
			if (!w->c.messages)
				end = now + dur;
		}
		if (n == last)
			break;
		uint64_t stamp = 0;
		if (latency) {
			/* Stamp the intended send time, not the actual one: when we
			 * fall behind, the delay shows in the latencies instead of
			 * vanishing (no coordinated omission). */
			due = t0 + n * interval;
			uint64_t now;
			while ((now = bench_clock_now(clk)) < due)
				;
			if (now >= end)
				break;
			stamp = due;
		} else if (end != UINT64_MAX && ((n - warm) & (BENCH_SAMPLE_EVERY - 1)) == 0 &&
			   n > warm && bench_clock_now(clk) >= end) {
			/* Only at the consumer's sampling points: its window then
			 * ends at the last message, and holds one sample at least
			 * however long the producer was kept off its CPU. */
			break;
		}
		if ((rc = send_msg(w, n, stamp)))
			break;
		if ((n & (PROGRESS_STEP - 1)) == 0 || latency)
			progress(w, n + 1);
	}
	if (n >= warm) {
		w->rep->t_last = bench_clock_now(clk);
		span_close(w, &sp, n);
		w->rep->messages = n - warm;
		w->rep->bytes = w->rep->messages * w->c.size;
	}
	progress(w, n);
	atomic_store_explicit(&w->side->total, n, memory_order_release);
	if (rc)
		return transport_error(w, rc, "send");
	return 0;
}

/* ---- the state probe (bench.h) ---- */

/* Spin until *word reaches want, looking at the clock now and then; false
 * after limit ticks or an interrupt (the probe is then not taken). */
static bool probe_wait(struct worker *w, _Atomic(uint64_t) *word, uint64_t want, uint64_t limit)
{
	uint64_t start = 0;
	for (unsigned spins = 0;; spins++) {
		if (atomic_load_explicit(word, memory_order_acquire) >= want)
			return true;
		sys_cpu_relax();
		if ((spins & 1023) == 1023) {
			uint64_t now = bench_clock_now(w->clk);
			if (!start)
				start = now;
			else if (now - start > limit || bench_interrupted)
				return false;
		}
	}
}

/* Probe k (0 before, 1 after): both workers meet, then hand the probe line
 * back and forth BENCH_PROBE_ROUNDS times; the producer (client) times it
 * and keeps the mean round trip in its report. */
static void probe_state(struct worker *w, unsigned k)
{
	const struct bench_clock *clk = w->clk;
	uint64_t limit = bench_clock_ticks(clk, 1e9);
	struct bench_side *peer = &w->ctl->side[w->tw.producer ? 1 : 0];
	atomic_store_explicit(&w->side->probe, k + 1, memory_order_release);
	uint64_t t0 = bench_clock_now(clk);
	while (atomic_load_explicit(&peer->probe, memory_order_acquire) < k + 1) {
		sys_cpu_relax();
		if (bench_clock_now(clk) - t0 > limit || bench_interrupted)
			return;
	}
	_Atomic(uint64_t) *word = &w->ctl->probe_word;
	uint64_t base = (uint64_t)k * 2 * BENCH_PROBE_ROUNDS;
	if (w->tw.producer) {
		/* Timed in blocks, and the median block kept: one interrupt
		 * in a 100 us probe would otherwise move the mean by a state's
		 * worth. */
		enum { BLOCKS = 20, PER = BENCH_PROBE_ROUNDS / BLOCKS };
		double block[BLOCKS];
		for (int b = 0; b < BLOCKS; b++) {
			uint64_t start = bench_clock_now(clk);
			for (uint64_t i = (uint64_t)b * PER; i < (uint64_t)(b + 1) * PER; i++) {
				atomic_store_explicit(word, base + 2 * i + 1, memory_order_release);
				if (!probe_wait(w, word, base + 2 * i + 2, limit))
					return;
			}
			block[b] = (double)bench_clock_ns(clk, start, bench_clock_now(clk)) / PER;
		}
		for (int i = 1; i < BLOCKS; i++) /* insertion sort: 20 values */
			for (int j = i; j > 0 && block[j - 1] > block[j]; j--) {
				double t = block[j];
				block[j] = block[j - 1];
				block[j - 1] = t;
			}
		w->rep->state_ns[k] = (block[BLOCKS / 2 - 1] + block[BLOCKS / 2]) / 2;
	} else {
		for (uint64_t i = 0; i < BENCH_PROBE_ROUNDS; i++) {
			if (!probe_wait(w, word, base + 2 * i + 1, limit))
				return;
			atomic_store_explicit(word, base + 2 * i + 2, memory_order_release);
		}
	}
}

static int consumer_loop(struct worker *w)
{
	const struct bench_clock *clk = w->clk;
	bool latency = w->c.mode == MODE_LATENCY;
	uint64_t warm = w->c.warmup, last = w->c.messages ? warm + w->c.messages : 0;
	struct span sp = {0};
	uint64_t n = 0, n_last = 0;
	int rc;
	/* The CPU span opens one message before the window, so its system
	 * calls delay a warm-up message, not a measured one (its figure is
	 * per message: one more in the span does not skew it). */
	uint64_t open_at = warm ? warm - 1 : 0;
	if (open_at == 0)
		span_open(w, &sp, 0);
	if (warm == 0)
		w->rep->t_first = bench_clock_now(clk);
	for (;;) {
		const void *msg;
		if ((rc = recv_msg(w, n, &msg)))
			break;
		uint64_t seen_at = 0;
		if (latency && n >= warm) {
			seen_at = bench_clock_now(clk);
			hist_add(&w->ctl->hist, bench_clock_ns(clk, payload_stamp(msg), seen_at));
		}
		w->t->release(&w->tw);
		n++;
		if (n == open_at && n > 0)
			span_open(w, &sp, n);
		if (n == warm) {
			w->rep->t_first = bench_clock_now(clk);
		} else if (n > warm &&
			   (latency || ((n - warm) & (BENCH_SAMPLE_EVERY - 1)) == 0 || n == last)) {
			/* A sampling point: the window ends at the last one.  A
			 * latency run reads the clock every message anyway. */
			w->rep->t_last = seen_at ? seen_at : bench_clock_now(clk);
			n_last = n;
		}
		if ((n & (PROGRESS_STEP - 1)) == 0 || latency)
			progress(w, n);
	}
	progress(w, n);
	if (n >= warm) {
		span_close(w, &sp, n);
		w->rep->messages = n_last > warm ? n_last - warm : 0;
		w->rep->bytes = w->rep->messages * w->c.size;
	}
	if (rc == BENCH_VISIBILITY)
		return rc;
	if (rc != -EPIPE)
		return transport_error(w, rc, "receive");
	/* A clean end: everything the producer sent must have arrived. */
	uint64_t total = atomic_load_explicit(&w->ctl->side[0].total, memory_order_acquire);
	if (n != total)
		return report_fail(w, BENCH_VISIBILITY,
				   "the producer sent %" PRIu64
				   " messages, the consumer received %" PRIu64,
				   total, n);
	return 0;
}

static int client_loop(struct worker *w)
{
	const struct bench_clock *clk = w->clk;
	uint64_t warm = w->c.warmup, last = w->c.messages ? warm + w->c.messages : UINT64_MAX;
	uint64_t dur = bench_clock_ticks(clk, w->c.duration * 1e9), end = UINT64_MAX;
	uint64_t n = 0, prev = bench_clock_now(clk), last_progress = prev;
	uint64_t progress_ticks = bench_clock_ticks(clk, 10e6);
	struct span sp = {0};
	int rc = 0;
	for (;; n++) {
		if (n == warm) {
			/* The span's system calls before the first measured round
			 * trip starts, not inside it. */
			span_open(w, &sp, n);
			prev = bench_clock_now(clk);
			w->rep->t_first = prev;
			if (!w->c.messages)
				end = prev + dur;
		}
		if (n == last || prev >= end)
			break;
		const void *msg;
		if (w->t->ping)
			rc = w->t->ping(&w->tw, n);
		else if (!(rc = send_msg(w, n, 0)) && !(rc = recv_msg(w, n, &msg)))
			w->t->release(&w->tw);
		if (rc)
			break;
		/* One clock read per round trip: it ends this one and starts
		 * the next. */
		uint64_t now = bench_clock_now(clk);
		if (n >= warm)
			hist_add(&w->ctl->hist, bench_clock_ns(clk, prev, now));
		prev = now;
		if ((n & (PROGRESS_STEP - 1)) == 0 || now - last_progress > progress_ticks) {
			progress(w, n + 1);
			last_progress = now;
		}
	}
	if (n >= warm) {
		w->rep->t_last = prev;
		span_close(w, &sp, n);
		w->rep->messages = n - warm;
		w->rep->bytes = 2 * w->rep->messages * w->c.size;
	}
	progress(w, n);
	atomic_store_explicit(&w->side->total, n, memory_order_release);
	if (rc)
		return transport_error(w, rc, "round trip");
	return 0;
}

static int server_loop(struct worker *w)
{
	uint64_t warm = w->c.warmup, n = 0;
	struct span sp = {0};
	int rc;
	/* The server opens its span one message early, between two warm-up
	 * round trips: wherever its system calls fall, they delay a round
	 * trip, and that one is not measured.  Its CPU figure is per message,
	 * so one more message in the span does not skew it. */
	uint64_t open_at = warm ? warm - 1 : 0;
	if (open_at == 0)
		span_open(w, &sp, 0);
	for (;;) {
		const void *msg;
		if (w->t->pong) {
			rc = w->t->pong(&w->tw, n);
		} else if (!(rc = recv_msg(w, n, &msg))) {
			rc = echo_msg(w, msg);
			w->t->release(&w->tw);
		}
		if (rc)
			break;
		n++;
		if (n == open_at)
			span_open(w, &sp, n);
		if ((n & (PROGRESS_STEP - 1)) == 0)
			progress(w, n);
	}
	progress(w, n);
	if (n >= open_at)
		span_close(w, &sp, n);
	w->rep->messages = n;
	if (rc == -EPIPE)
		return 0;
	return rc == BENCH_VISIBILITY ? rc : transport_error(w, rc, "echo");
}

/* ---- set-up ---- */

/* Positional arguments from the harness, checked: a bad one is a bug in
 * the harness or a hand-made command line, and must not become CPU 0. */
static bool arg_u64(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	if (!s[0] || s[0] == '-')
		return false;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

static bool arg_double(const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= 0) || v > 1e12)
		return false;
	*out = v;
	return true;
}

#define STR_(x)		   #x
#define STR(x)		   STR_(x)
#define BENCH_PROTOCOL_STR STR(BENCH_WORKER_PROTOCOL)

static const char *const worker_args =
    "PROTOCOL ROLE MODE TRANSPORT WAIT SIZE CAPACITY CPU MESSAGES DURATION RATE WARMUP NAME "
    "TIMEOUT_NS PARENT_PID";

static int bad_arg(const char *what, const char *value)
{
	fprintf(stderr,
		"ringbench __worker: bad %s '%s' (internal: started by ringbench itself with "
		"%s)\n",
		what, value, worker_args);
	return BENCH_USAGE;
}

/* The harness's arguments into w, and the CPU, timeout and parent pid,
 * each checked: 0, or exit code 2 with the bad one named. */
static int worker_parse(char **argv, struct worker *w, uint64_t *cpu, uint64_t *timeout,
			uint64_t *parent)
{
	struct bench_case *c = &w->c;
	if (strcmp(argv[2], "producer") && strcmp(argv[2], "consumer"))
		return bad_arg("role", argv[2]);
	w->tw.producer = strcmp(argv[2], "producer") == 0;
	if (bench_mode_parse(argv[3], &c->mode))
		return bad_arg("mode", argv[3]);
	if (bench_transport_parse(argv[4], &c->transport))
		return bad_arg("transport", argv[4]);
	if (ring_wait_parse(argv[5], &c->wait))
		return bad_arg("wait", argv[5]);
	uint64_t size;
	if (!arg_u64(argv[6], &size) || size < PAYLOAD_MIN_FULL || size > (1ULL << 32))
		return bad_arg("size", argv[6]);
	c->size = (size_t)size;
	if (!arg_u64(argv[7], &c->capacity))
		return bad_arg("capacity", argv[7]);
	if (!arg_u64(argv[8], cpu) || *cpu >= CPU_SETSIZE)
		return bad_arg("CPU", argv[8]);
	if (!arg_u64(argv[9], &c->messages))
		return bad_arg("message count", argv[9]);
	if (!arg_double(argv[10], &c->duration))
		return bad_arg("duration", argv[10]);
	if (!arg_double(argv[11], &c->rate) || (c->mode == MODE_LATENCY && !(c->rate > 0)))
		return bad_arg("rate", argv[11]);
	if (!arg_u64(argv[12], &c->warmup))
		return bad_arg("warm-up count", argv[12]);
	if (argv[13][0] != '/' || strlen(argv[13]) > RING_NAME_MAX - 4)
		return bad_arg("name", argv[13]);
	snprintf(w->name, sizeof(w->name), "%s", argv[13]);
	if (!arg_u64(argv[14], timeout) || *timeout == 0 || *timeout > INT64_MAX)
		return bad_arg("timeout", argv[14]);
	if (!arg_u64(argv[15], parent) || *parent == 0 || *parent > INT32_MAX)
		return bad_arg("parent pid", argv[15]);
	if (c->mode == MODE_LATENCY && c->size < PAYLOAD_MIN_STAMP)
		return bad_arg("size", argv[6]);
	return 0;
}

/* The control block mapped, and this side's report, transport and
 * descriptors found in it and in what the harness handed down. */
static int worker_setup(struct worker *w, int64_t timeout)
{
	w->ctl =
	    mmap(NULL, sizeof(struct bench_control), PROT_READ | PROT_WRITE, MAP_SHARED, FD_CTL, 0);
	if (w->ctl == MAP_FAILED) {
		fprintf(stderr, "ringbench worker: cannot map the control block: %s\n",
			strerror(errno));
		return BENCH_USAGE;
	}
	struct bench_case *c = &w->c;
	int me = w->tw.producer ? 0 : 1;
	w->rep = &w->ctl->report[me];
	w->side = &w->ctl->side[me];
	w->clk = &w->ctl->clock;
	w->t = transport_get(c->transport);
	if (bench_transport_wrap)
		w->t = bench_transport_wrap(w->t);
	w->tw = (struct tp_worker){.c = c,
				   .producer = w->tw.producer,
				   .name = w->name,
				   .timeout_ns = timeout,
				   .fd_in = -1,
				   .fd_out = -1};
	if (c->transport == T_PIPE || c->transport == T_UNIX) {
		w->tw.fd_in = fcntl(FD_IN, F_GETFD) >= 0 ? FD_IN : -1;
		w->tw.fd_out = fcntl(FD_OUT, F_GETFD) >= 0 ? FD_OUT : -1;
	}
	return 0;
}

/* Pinned, and this side of the transport open, its mappings said: 0, or
 * the failure reported. */
static int worker_attach(struct worker *w, int cpu, int64_t timeout)
{
	char err[160];
	int rc = 0;
	/* Attach gives up at a third of the worker's timeout, so its reason
	 * reaches the harness well before the barrier's deadline does. */
	w->tw.timeout_ns = timeout / 3;
	if (sys_pin_cpu(cpu, err, sizeof(err)) < 0)
		rc = report_fail(w, BENCH_USAGE, "%s", err);
	else if (!w->t->open)
		/* A build without this peer (RINGBENCH_WORKER_EXE): say why. */
		rc = report_fail(w, BENCH_USAGE, "%s: %s", w->t->name, not_built(w->t));
	else if ((rc = w->t->open(&w->tw)))
		/* Not being able to attach is an environment error (no such
		 * object, out of memory, refused), not a lost message. */
		rc = report_fail(w, BENCH_USAGE, "cannot attach: %s", w->tw.err);
	else {
		say_maps();
		say("ready");
	}
	w->tw.timeout_ns = timeout;
	return rc;
}

/* Wait for go longer than the harness waits at the barrier: the harness
 * gives up first, and diagnoses while we still live. */
static int worker_wait_go(struct worker *w, int64_t timeout)
{
	int64_t give_up = sys_now_ns() + 2 * timeout;
	while (!atomic_load_explicit(&w->ctl->go, memory_order_acquire)) {
		if (sys_now_ns() > give_up)
			return report_fail(w, BENCH_USAGE, "no start signal from the harness");
		struct timespec ts = {0, 20000};
		nanosleep(&ts, NULL);
	}
	return 0;
}

/* The measured run: this side's loop between two probes of the machine's
 * state. */
static int worker_move(struct worker *w)
{
	int rc;
	probe_state(w, 0);
	if (w->c.mode == MODE_PINGPONG)
		rc = w->tw.producer ? client_loop(w) : server_loop(w);
	else
		rc = w->tw.producer ? producer_loop(w) : consumer_loop(w);
	if (w->tw.producer)
		w->t->close_out(&w->tw); /* the consumer or server sees the end */
	if (rc == 0)
		probe_state(w, 1);
	return rc;
}

int bench_worker_main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], BENCH_PROTOCOL_STR) != 0) {
		fprintf(stderr,
			"ringbench __worker: this build speaks worker protocol %d, the harness "
			"%s: run both from one build\n",
			BENCH_WORKER_PROTOCOL, argv[1]);
		return BENCH_USAGE;
	}
	if (argc != 16) {
		fprintf(stderr,
			"ringbench __worker: internal; started by ringbench itself with %s\n",
			worker_args);
		return BENCH_USAGE;
	}
	struct worker w = {0};
	uint64_t cpu, timeout, parent;
	int rc = worker_parse(argv, &w, &cpu, &timeout, &parent);
	if (rc)
		return rc;
	/* A reader that went away is an error from write(), not a signal. */
	signal(SIGPIPE, SIG_IGN);
	/* Never outlive the harness, whatever ends it (SIGKILL included). */
	if (sys_die_with_parent((pid_t)parent)) {
		fprintf(stderr, "ringbench __worker: the harness (pid %llu) is gone\n",
			(unsigned long long)parent);
		return BENCH_USAGE;
	}
	if ((rc = worker_setup(&w, (int64_t)timeout)))
		return rc;
	rc = worker_attach(&w, (int)cpu, (int64_t)timeout);
	/* Reach the barrier even after a failure, so the harness is not left
	 * waiting; it reads our report before it says go. */
	atomic_store_explicit(&w.side->ready, 1, memory_order_release);
	if (!rc)
		rc = worker_wait_go(&w, (int64_t)timeout);
	if (!rc)
		rc = worker_move(&w);
	if (w.t)
		w.t->close(&w.tw);
	w.rep->status = rc;
	atomic_store_explicit(&w.rep->done, 1, memory_order_release);
	return rc;
}
