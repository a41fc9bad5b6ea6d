/* ring_stress.c: drive one ring between two separate processes, verify every
 * message end to end, and print throughput or round-trip figures.
 *
 * The driver creates the ring (or, for ping-pong, two rings), starts a
 * producer and a consumer as separate executables that attach by name,
 * pinned to the CPUs asked for, and reaps them under a deadline.  Exit codes:
 * 0 pass, 2 usage or environment error, 3 visibility or integrity failure
 * (lost, corrupt, reordered messages, a stall), and in --kill mode 0 only
 * when the survivor reported its peer's death.
 */
#include "payload.h"
#include "ring.h"
#include "sys.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

enum {
	EXIT_OK = 0,
	EXIT_USAGE = 2,
	EXIT_INTEGRITY = 3,
	EXIT_RING = 4,
	EXIT_PEER_DIED = 5,   /* a worker saw its peer die */
	EXIT_PEER_CLOSED = 6, /* a worker saw its peer close early */
};

struct opts {
	const char *mode; /* stream | pingpong */
	enum ring_wait wait;
	size_t size_lo, size_hi;
	uint64_t capacity;
	uint64_t messages;
	int cpu[2];	    /* producer, consumer; -1: not pinned */
	int full;	    /* verify every byte, not just sequence numbers */
	int64_t timeout_ns; /* of each blocking call */
	const char *kill;   /* producer | consumer | NULL */
	int kill_after_ms;
	const char *consumer_env;
	char name[RING_NAME_MAX + 1];
	const char *worker; /* set in a worker process */
	pid_t parent;	    /* the driver, in a worker process */
	uint64_t seed;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ring_stress [options]\n"
		"  --mode stream|pingpong   what to measure (stream)\n"
		"  --wait STRATEGY          spin, futex, eventfd or hybrid (spin)\n"
		"  --size N | MIN-MAX       message bytes, random per message in a range (64)\n"
		"  --capacity N             ring bytes, a power of two (1048576)\n"
		"  --messages N             messages (or round trips) to move (1000000)\n"
		"  --cpus P,C               pin producer to CPU P, consumer to CPU C (0,1 when\n"
		"                           there are two CPUs; 'none' not to pin)\n"
		"  --verify full|seq        check every byte too, or sequence numbers only (full)\n"
		"  --timeout-ms N           limit of each blocking ring call (5000)\n"
		"  --kill ROLE --kill-after-ms N\n"
		"                           SIGKILL the producer or consumer N ms after both\n"
		"                           attached and messages flow; passes only if the\n"
		"                           victim died of it and the other one reports the death\n"
		"  --consumer-env VAR=VAL   add VAR=VAL to the consumer's environment only\n"
		"  --name NAME              shared-memory name (unique per run)\n"
		"exit: 0 pass, 2 usage/environment, 3 lost, corrupt or stalled messages\n");
}

static uint64_t parse_count(const char *s, const char *what)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	uint64_t mul = 1;
	if (*end == 'K' || *end == 'k')
		mul = 1024, end++;
	else if (*end == 'M' || *end == 'm')
		mul = 1024 * 1024, end++;
	else if (*end == 'G' || *end == 'g')
		mul = 1024ULL * 1024 * 1024, end++;
	if (errno || end == s || *end || v < 0 || v * (double)mul > 1e18) {
		fprintf(stderr, "ring_stress: bad %s '%s'\n", what, s);
		exit(EXIT_USAGE);
	}
	return (uint64_t)(v * (double)mul);
}

static void defaults(struct opts *o)
{
	*o = (struct opts){.mode = "stream",
			   .wait = RING_WAIT_SPIN,
			   .size_lo = 64,
			   .size_hi = 64,
			   .capacity = 1 << 20,
			   .messages = 1000000,
			   .cpu = {-1, -1},
			   .full = 1,
			   .timeout_ns = 5000000000LL,
			   .seed = 0x5eed};
	if (sysconf(_SC_NPROCESSORS_ONLN) >= 2)
		o->cpu[0] = 0, o->cpu[1] = 1;
	snprintf(o->name, sizeof(o->name), "/ringstress.%d.%llx", (int)getpid(),
		 (unsigned long long)sys_now_ns() & 0xffffff);
}

/* --size N or MIN-MAX. */
static void parse_size(const char *arg, struct opts *o)
{
	const char *dash = strchr(arg, '-');
	if (dash) {
		/* argv is handed on to the workers: parse a copy. */
		char lo_s[32];
		snprintf(lo_s, sizeof(lo_s), "%.*s", (int)(dash - arg), arg);
		o->size_lo = parse_count(lo_s, "size");
		o->size_hi = parse_count(dash + 1, "size");
	} else {
		o->size_lo = o->size_hi = parse_count(arg, "size");
	}
}

/* Option c with its value arg into o: false if the value is bad. */
static bool parse_option(int c, const char *arg, struct opts *o)
{
	switch (c) {
	case 'm':
		if (strcmp(arg, "stream") && strcmp(arg, "pingpong"))
			return false;
		o->mode = arg;
		break;
	case 'w': return ring_wait_parse(arg, &o->wait) == 0;
	case 's': parse_size(arg, o); break;
	case 'c': o->capacity = parse_count(arg, "capacity"); break;
	case 'n': o->messages = parse_count(arg, "messages"); break;
	case 'p':
		if (strcmp(arg, "none") == 0)
			o->cpu[0] = o->cpu[1] = -1;
		else if (sscanf(arg, "%d,%d", &o->cpu[0], &o->cpu[1]) != 2 || o->cpu[0] < 0 ||
			 o->cpu[1] < 0)
			return false;
		break;
	case 'v':
		if (strcmp(arg, "full") && strcmp(arg, "seq"))
			return false;
		o->full = strcmp(arg, "full") == 0;
		break;
	case 't': o->timeout_ns = (int64_t)parse_count(arg, "timeout") * 1000000; break;
	case 'k':
		if (strcmp(arg, "producer") && strcmp(arg, "consumer"))
			return false;
		o->kill = arg;
		break;
	case 'K': o->kill_after_ms = (int)parse_count(arg, "kill-after-ms"); break;
	case 'e': o->consumer_env = arg; break;
	case 'N': snprintf(o->name, sizeof(o->name), "%s", arg); break;
	case 'W': o->worker = arg; break;
	case 'P': o->parent = (pid_t)parse_count(arg, "parent"); break;
	case 'S': o->seed = parse_count(arg, "seed"); break;
	case 'h': usage(stdout); exit(0);
	default: usage(stderr); exit(EXIT_USAGE);
	}
	return true;
}

/* The option getopt read last, and its value, named as bad. */
static void bad_usage(const char *fmt, const char *a, const char *b) __attribute__((noreturn));

/* A usage error: the message (fmt with a and b), the usage, exit 2. */
static void bad_usage(const char *fmt, const char *a, const char *b)
{
	fprintf(stderr, "ring_stress: ");
	fprintf(stderr, fmt, a, b);
	fputc('\n', stderr);
	usage(stderr);
	exit(EXIT_USAGE);
}

static void parse(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {{"mode", 1, 0, 'm'},
					   {"wait", 1, 0, 'w'},
					   {"size", 1, 0, 's'},
					   {"capacity", 1, 0, 'c'},
					   {"messages", 1, 0, 'n'},
					   {"cpus", 1, 0, 'p'},
					   {"verify", 1, 0, 'v'},
					   {"timeout-ms", 1, 0, 't'},
					   {"kill", 1, 0, 'k'},
					   {"kill-after-ms", 1, 0, 'K'},
					   {"consumer-env", 1, 0, 'e'},
					   {"name", 1, 0, 'N'},
					   {"worker", 1, 0, 'W'},
					   {"seed", 1, 0, 'S'},
					   {"parent", 1, 0, 'P'},
					   {"help", 0, 0, 'h'},
					   {0, 0, 0, 0}};
	defaults(o);
	int c, idx = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", lo, &idx)) != -1) {
		if (c == '?')
			bad_usage("unknown option or missing value '%s'%s", argv[optind - 1], "");
		if (!parse_option(c, optarg, o))
			bad_usage("bad value for --%s: '%s'", lo[idx].name, optarg ? optarg : "");
	}
	if (optind < argc)
		bad_usage("unexpected argument '%s'%s", argv[optind], "");
	size_t need = o->full ? PAYLOAD_MIN_FULL : PAYLOAD_MIN_SEQ;
	if (o->size_lo < need || o->size_hi < o->size_lo) {
		fprintf(stderr, "ring_stress: sizes must be at least %zu bytes and MIN <= MAX\n",
			need);
		exit(EXIT_USAGE);
	}
}

/* ---- workers ---- */

static int pin(int cpu)
{
	if (cpu < 0)
		return 0;
	char err[128];
	if (sys_pin_cpu(cpu, err, sizeof(err)) < 0) {
		fprintf(stderr, "ring_stress: %s\n", err);
		return -1;
	}
	return 0;
}

static int ring_exit(int rc)
{
	return rc == -EOWNERDEAD ? EXIT_PEER_DIED : rc == -EPIPE ? EXIT_PEER_CLOSED : EXIT_RING;
}

static int fail_ring(const char *who, int rc)
{
	fprintf(stderr, "ring_stress %s: %s (%s)\n", who, ring_last_error(), strerror(-rc));
	return ring_exit(rc);
}

static int stream_produce(const struct opts *o, struct ring *r, unsigned char *src)
{
	memset(src, 0xa5, o->size_hi);
	/* No wait for the consumer: a producer fills the ring and then waits
	 * for room, attached consumer or not (and a consumer whose mapping is
	 * broken still gets messages to fail on). */
	int rc;
	int64_t t0 = sys_now_ns();
	for (uint64_t seq = 0; seq < o->messages; seq++) {
		size_t len = payload_size(o->seed, seq, o->size_lo, o->size_hi);
		if (o->full) {
			/* Zero-copy: build the message in place. */
			void *p = ring_reserve(r, len);
			if (!p && (rc = ring_reserve_wait(r, len, &p, o->wait, o->timeout_ns)))
				return fail_ring("producer", rc);
			payload_fill(p, len, seq);
			ring_commit(r, len);
			ring_publish(r);
		} else {
			memcpy(src, &seq, sizeof(seq));
			if (!ring_send(r, src, len) &&
			    (rc = ring_send_wait(r, src, len, o->wait, o->timeout_ns)))
				return fail_ring("producer", rc);
		}
	}
	int64_t t1 = sys_now_ns();
	printf("producer ns=%lld\n", (long long)(t1 - t0));
	return EXIT_OK;
}

static int stream_producer(const struct opts *o, struct ring *r)
{
	unsigned char *src = malloc(o->size_hi);
	if (!src)
		return EXIT_USAGE;
	int rc = stream_produce(o, r, src);
	free(src);
	return rc;
}

static int stream_consume(const struct opts *o, struct ring *r, unsigned char *buf)
{
	int64_t first = 0;
	uint64_t bytes = 0;
	for (uint64_t seq = 0; seq < o->messages; seq++) {
		size_t want = payload_size(o->seed, seq, o->size_lo, o->size_hi);
		size_t len;
		const void *p = ring_peek(r, &len);
		int rc;
		if (!p && (rc = ring_peek_wait(r, &p, &len, o->wait, o->timeout_ns))) {
			fprintf(stderr,
				"ring_stress consumer: stalled at message %" PRIu64 " of %" PRIu64
				": %s\n",
				seq, o->messages, ring_last_error());
			return ring_exit(rc);
		}
		if (seq == 0)
			first = sys_now_ns();
		if (!o->full && len <= o->size_hi) {
			memcpy(buf, p, len); /* a copying receive, as ring_recv does */
			p = buf;
		}
		uint64_t got = 0;
		enum payload_status st = payload_check(p, len, want, seq, o->full, &got);
		if (st != PAYLOAD_OK) {
			fprintf(stderr,
				"ring_stress consumer: message %" PRIu64
				": wrong %s (len %zu, want %zu, "
				"seq %" PRIu64 ")\n",
				seq, payload_status_name(st), len, want, got);
			return EXIT_INTEGRITY;
		}
		bytes += len;
		ring_release(r);
	}
	int64_t last = sys_now_ns();
	printf("consumer ns=%lld bytes=%llu\n", (long long)(last - first),
	       (unsigned long long)bytes);
	return EXIT_OK;
}

static int stream_consumer(const struct opts *o, struct ring *r)
{
	unsigned char *buf = malloc(o->size_hi);
	if (!buf)
		return EXIT_USAGE;
	int rc = stream_consume(o, r, buf);
	free(buf);
	return rc;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Ping-pong: the "producer" is the client (sends on a, receives on b), the
 * "consumer" is the echo server. */
static int pingpong_run(const struct opts *o, struct ring *out, struct ring *in, bool client,
			unsigned char *msg, int64_t *rtt)
{
	size_t len = o->size_lo;
	int rc = ring_wait_peer(out, o->timeout_ns);
	if (rc)
		return fail_ring(client ? "client" : "server", rc);
	for (uint64_t seq = 0; seq < o->messages; seq++) {
		int64_t t0 = sys_now_ns();
		if (client) {
			payload_fill(msg, len, seq);
			if ((rc = ring_send_wait(out, msg, len, o->wait, o->timeout_ns)))
				return fail_ring("client", rc);
		}
		size_t got_len;
		if ((rc = ring_recv_wait(in, msg, len, &got_len, o->wait, o->timeout_ns)))
			return fail_ring(client ? "client" : "server", rc);
		uint64_t got;
		if (payload_check(msg, got_len, len, seq, 1, &got) != PAYLOAD_OK) {
			fprintf(stderr, "ring_stress: round trip %" PRIu64 " came back wrong\n",
				seq);
			return EXIT_INTEGRITY;
		}
		if (client)
			rtt[seq] = sys_now_ns() - t0;
		else if ((rc = ring_send_wait(out, msg, len, o->wait, o->timeout_ns)))
			return fail_ring("server", rc);
	}
	if (client) {
		qsort(rtt, o->messages, sizeof(*rtt), cmp_i64);
		uint64_t n = o->messages;
		printf("rtt p50=%lld p99=%lld max=%lld\n", (long long)rtt[n / 2],
		       (long long)rtt[n * 99 / 100], (long long)rtt[n - 1]);
	}
	return EXIT_OK;
}

static int pingpong(const struct opts *o, struct ring *out, struct ring *in, bool client)
{
	unsigned char *msg = malloc(o->size_lo);
	int64_t *rtt = client ? malloc(o->messages * sizeof(*rtt)) : NULL;
	int rc = EXIT_USAGE;
	if (msg && (!client || rtt))
		rc = pingpong_run(o, out, in, client, msg, rtt);
	free(rtt);
	free(msg);
	return rc;
}

static void ring_names(const struct opts *o, char a[static RING_NAME_MAX + 1],
		       char b[static RING_NAME_MAX + 1])
{
	/* The name is at most RING_NAME_MAX - 2 bytes so both suffixes fit. */
	snprintf(a, RING_NAME_MAX + 1, "%.*s.a", RING_NAME_MAX - 2, o->name);
	snprintf(b, RING_NAME_MAX + 1, "%.*s.b", RING_NAME_MAX - 2, o->name);
}

static int worker(const struct opts *o)
{
	bool producer = strcmp(o->worker, "producer") == 0;
	/* Never outlive the driver, whatever kills it. */
	if (o->parent && sys_die_with_parent(o->parent))
		return EXIT_USAGE;
	if (pin(o->cpu[producer ? 0 : 1]))
		return EXIT_USAGE;
	const char *who = producer ? "producer" : "consumer";
	int rc;
	if (strcmp(o->mode, "stream") == 0) {
		struct ring *r;
		if ((rc = ring_attach(&r, o->name,
				      producer ? RING_ROLE_PRODUCER : RING_ROLE_CONSUMER,
				      o->timeout_ns)))
			return fail_ring(who, rc);
		rc = producer ? stream_producer(o, r) : stream_consumer(o, r);
		ring_close(r);
		return rc;
	}
	char an[RING_NAME_MAX + 1], bn[RING_NAME_MAX + 1];
	ring_names(o, an, bn);
	struct ring *a = NULL, *b = NULL;
	if ((rc = ring_attach(&a, an, producer ? RING_ROLE_PRODUCER : RING_ROLE_CONSUMER,
			      o->timeout_ns)) ||
	    (rc = ring_attach(&b, bn, producer ? RING_ROLE_CONSUMER : RING_ROLE_PRODUCER,
			      o->timeout_ns))) {
		ring_close(a);
		return fail_ring(who, rc);
	}
	rc = producer ? pingpong(o, a, b, true) : pingpong(o, b, a, false);
	ring_close(a);
	ring_close(b);
	return rc;
}

/* ---- driver ---- */

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	interrupted = sig;
}

static pid_t spawn_worker(char *self, int argc, char **argv, const char *role, const char *name,
			  const char *env, int out_fd)
{
	char **args = calloc((size_t)argc + 8, sizeof(char *));
	int n = 0;
	args[n++] = self;
	for (int i = 1; i < argc; i++)
		args[n++] = argv[i];
	args[n++] = "--worker";
	args[n++] = (char *)role;
	args[n++] = "--name"; /* the default name is made per process */
	args[n++] = (char *)name;
	char parent[24];
	snprintf(parent, sizeof(parent), "%d", (int)getpid());
	args[n++] = "--parent";
	args[n++] = parent;
	args[n] = NULL;

	char **envp = environ;
	size_t ne = 0;
	if (env) {
		while (environ[ne])
			ne++;
		envp = calloc(ne + 2, sizeof(char *));
		memcpy(envp, environ, ne * sizeof(char *));
		envp[ne] = (char *)env;
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, out_fd, STDOUT_FILENO);
	/* A process group of its own: Ctrl-C in a terminal reaches the
	 * driver, which ends the workers, and is not mistaken for a worker
	 * killed by a signal. */
	posix_spawnattr_t at;
	posix_spawnattr_init(&at);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP);
	posix_spawnattr_setpgroup(&at, 0);
	pid_t pid;
	int rc = posix_spawn(&pid, self, &fa, &at, args, envp);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	free(args);
	if (envp != environ)
		free(envp);
	if (rc) {
		fprintf(stderr, "ring_stress: cannot start the %s: %s\n", role, strerror(rc));
		return -1;
	}
	return pid;
}

struct child {
	const char *role;
	pid_t pid;
	int status;
	bool done;
	char out[256];
	FILE *f;
};

/* The driver's run, as its steps share it. */
struct drive {
	const struct opts *o;
	int argc;
	char **argv;
	struct ring *rings[2];
	char names[2][RING_NAME_MAX + 1];
	bool pp;
	int nrings;
	int rc;
	char *self;	      /* this executable, for the workers */
	int64_t start, limit; /* the deadline, then INT64_MAX once it has struck */
	int64_t flowing_at;   /* both attached and messages moving */
	bool unlinked;	      /* names removed once both sides mapped them */
	bool killed;	      /* --kill: the victim was sent SIGKILL */
	struct child ch[2];
};

static int check_cpus(const struct opts *o)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	for (int i = 0; i < 2; i++)
		if (o->cpu[i] >= ncpu) {
			fprintf(stderr,
				"ring_stress: CPU %d does not exist (this machine has %ld)\n",
				o->cpu[i], ncpu);
			return -1;
		}
	return 0;
}

/* The ring, or for ping-pong the two rings, by name. */
static int create_rings(struct drive *d)
{
	const struct opts *o = d->o;
	struct ring_config cfg = {.capacity = o->capacity, .wait = o->wait};
	d->pp = strcmp(o->mode, "pingpong") == 0;
	d->nrings = d->pp ? 2 : 1;
	if (d->pp)
		ring_names(o, d->names[0], d->names[1]);
	else
		snprintf(d->names[0], sizeof(d->names[0]), "%.*s", RING_NAME_MAX, o->name);
	for (int i = 0; i < d->nrings; i++)
		if (ring_create(&d->rings[i], d->names[i], &cfg, RING_ROLE_NONE)) {
			fprintf(stderr, "ring_stress: %s\n", ring_last_error());
			return -1;
		}
	return 0;
}

/* Until the producer has attached and (in a stream) published, or has
 * exited, or the run is interrupted or out of time. */
static void wait_producer(struct drive *d)
{
	struct child *p = &d->ch[0];
	while (!p->done && !interrupted && sys_now_ns() < d->limit) {
		for (int k = 0; k < d->nrings; k++)
			(void)ring_serve(d->rings[k], 0);
		struct ring_header *h = d->rings[0]->hdr;
		if (atomic_load(&h->producer_pid) > 0 &&
		    (d->pp ? atomic_load(&d->rings[1]->hdr->consumer_pid) > 0
			   : atomic_load(&h->tail) > 0))
			break;
		if (waitpid(p->pid, &p->status, WNOHANG) == p->pid)
			p->done = true;
		struct timespec ts = {0, 200000};
		nanosleep(&ts, NULL);
	}
}

/* The producer first, the consumer once the producer is attached and (in a
 * stream) has published: a consumer then always has messages waiting,
 * whatever is wrong with its mapping, so a fault shows on the data path
 * and not only as an empty ring.  Each one's stdout comes back on a pipe. */
static bool spawn_workers(struct drive *d)
{
	for (int i = 0; i < 2; i++) {
		struct child *c = &d->ch[i];
		int fds[2];
		if (i == 1)
			wait_producer(d);
		if (pipe(fds) < 0)
			return false;
		c->pid = spawn_worker(d->self, d->argc, d->argv, c->role, d->o->name,
				      i == 1 ? d->o->consumer_env : NULL, fds[1]);
		close(fds[1]);
		c->f = fdopen(fds[0], "r");
		if (c->pid < 0)
			return false;
	}
	return true;
}

/* Interrupted, or past the deadline: both killed, and the deadline gone so
 * that this happens once. */
static void stop_workers(struct drive *d, int64_t t)
{
	if (!interrupted)
		fprintf(stderr, "ring_stress: workers still running after %lld ms: killed\n",
			(long long)((t - d->start) / 1000000));
	for (int i = 0; i < 2; i++)
		if (!d->ch[i].done && d->ch[i].pid > 0)
			kill(d->ch[i].pid, SIGKILL);
	d->rc = interrupted ? EXIT_USAGE : EXIT_INTEGRITY;
	d->limit = INT64_MAX;
	interrupted = 0;
}

/* While the workers run: serve the rings, remove the names once both sides
 * mapped them, kill the victim in --kill mode, and keep the deadline. */
static void watch_rings(struct drive *d)
{
	const struct opts *o = d->o;
	/* Eventfd rings: hand the descriptors to each attaching worker. */
	for (int k = 0; k < d->nrings && !d->unlinked; k++)
		(void)ring_serve(d->rings[k], 0);
	int64_t t = sys_now_ns();
	bool attached = d->rings[0] != NULL;
	for (int i = 0; i < d->nrings; i++)
		attached = attached && atomic_load(&d->rings[i]->hdr->producer_pid) > 0 &&
			   atomic_load(&d->rings[i]->hdr->consumer_pid) > 0;
	if (attached && !d->unlinked) {
		/* Both mapped: the names are no longer needed, and a driver
		 * killed from now on leaves nothing behind. */
		for (int i = 0; i < d->nrings; i++)
			ring_unlink(d->names[i]);
		d->unlinked = true;
	}
	if (attached && !d->flowing_at && atomic_load(&d->rings[0]->hdr->tail) > 0)
		d->flowing_at = t;
	if (o->kill && !d->killed && d->flowing_at &&
	    t - d->flowing_at >= (int64_t)o->kill_after_ms * 1000000) {
		kill(d->ch[strcmp(o->kill, "producer") == 0 ? 0 : 1].pid, SIGKILL);
		d->killed = true;
	}
	if (interrupted || t > d->limit)
		stop_workers(d, t);
}

static void reap_workers(struct drive *d)
{
	for (int left = 2; left > 0;) {
		left = 0;
		for (int i = 0; i < 2; i++) {
			struct child *c = &d->ch[i];
			if (c->done || c->pid <= 0)
				continue;
			if (waitpid(c->pid, &c->status, WNOHANG) == c->pid)
				c->done = true;
			else
				left++;
		}
		if (!left)
			break;
		watch_rings(d);
		struct timespec ts = {0, 1000000};
		nanosleep(&ts, NULL);
	}
}

/* Each worker's first line of output: its figures. */
static void read_outputs(struct drive *d)
{
	for (int i = 0; i < 2; i++)
		if (d->ch[i].f) {
			if (!fgets(d->ch[i].out, sizeof(d->ch[i].out), d->ch[i].f))
				d->ch[i].out[0] = 0;
			fclose(d->ch[i].f);
		}
}

/* Start both workers and reap them under a deadline; Ctrl-C ends them. */
static void run_workers(struct drive *d)
{
	const struct opts *o = d->o;
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	d->self = realpath("/proc/self/exe", NULL);
	d->start = sys_now_ns();
	/* A worker's every call is bounded by the timeout; give the whole run
	 * generous room and then kill: the driver itself never hangs. */
	d->limit = d->start + 4 * o->timeout_ns + (int64_t)(o->messages / 1000 + 1) * 1000000;
	if (spawn_workers(d))
		d->start = sys_now_ns();
	else
		d->rc = EXIT_USAGE;
	reap_workers(d);
	free(d->self);
	read_outputs(d);
}

static void exit_codes(const struct drive *d, int code[2])
{
	for (int i = 0; i < 2; i++)
		code[i] = WIFEXITED(d->ch[i].status) ? WEXITSTATUS(d->ch[i].status)
						     : 128 + WTERMSIG(d->ch[i].status);
}

/* --kill passes only if the victim died of our SIGKILL mid-run and the
 * survivor reported the death. */
static int judge_kill(const struct drive *d)
{
	const struct opts *o = d->o;
	int code[2];
	exit_codes(d, code);
	int victim = strcmp(o->kill, "producer") == 0 ? 0 : 1, survivor = 1 - victim;
	int st = d->ch[victim].status;
	bool by_us = WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL;
	int rc = d->killed && by_us && code[survivor] == EXIT_PEER_DIED ? EXIT_OK : EXIT_INTEGRITY;
	printf("kill %s: victim %s (%s), survivor %s exited %d (%s)\n", o->kill,
	       d->killed ? "killed mid-run" : "never killed: messages never flowed",
	       by_us ? "died of SIGKILL" : "did NOT die of our SIGKILL", d->ch[survivor].role,
	       code[survivor],
	       code[survivor] == EXIT_PEER_DIED ? "reported the death"
						: "did NOT report the death");
	return rc;
}

/* The figures the workers printed, as one line. */
static void print_figures(const struct drive *d)
{
	const struct opts *o = d->o;
	if (d->pp) {
		long long p50, p99, max;
		if (sscanf(d->ch[0].out, "rtt p50=%lld p99=%lld max=%lld", &p50, &p99, &max) == 3)
			printf("pingpong wait=%s size=%zu n=%" PRIu64
			       ": rtt p50 %lld ns, p99 %lld ns, "
			       "max %lld ns\n",
			       ring_wait_name(o->wait), o->size_lo, o->messages, p50, p99, max);
	} else {
		long long ns;
		unsigned long long bytes;
		if (sscanf(d->ch[1].out, "consumer ns=%lld bytes=%llu", &ns, &bytes) == 2 && ns > 0)
			printf("stream wait=%s size=%zu-%zu capacity=%" PRIu64
			       " verify=%s n=%" PRIu64 ": %.2f Mmsg/s, %.2f GB/s\n",
			       ring_wait_name(o->wait), o->size_lo, o->size_hi, o->capacity,
			       o->full ? "full" : "seq", o->messages,
			       o->messages * 1e3 / (double)ns, (double)bytes / (double)ns);
	}
}

/* Both workers exited 0, and their figures. */
static int judge_run(const struct drive *d)
{
	int code[2], rc = EXIT_OK;
	exit_codes(d, code);
	for (int i = 0; i < 2; i++)
		if (code[i] != EXIT_OK) {
			fprintf(stderr, "ring_stress: %s exited %d\n", d->ch[i].role, code[i]);
			rc = code[i] == EXIT_USAGE ? EXIT_USAGE : EXIT_INTEGRITY;
		}
	if (rc == EXIT_OK)
		print_figures(d);
	return rc;
}

/* The rings closed, and their names removed if the workers never got to
 * it. */
static void close_rings(struct drive *d)
{
	for (int i = 0; i < d->nrings; i++)
		if (d->rings[i]) {
			ring_close(d->rings[i]);
			if (!d->unlinked)
				ring_unlink(d->names[i]);
		}
}

static int driver(int argc, char **argv, const struct opts *o)
{
	if (check_cpus(o))
		return EXIT_USAGE;
	struct drive d = {.o = o,
			  .argc = argc,
			  .argv = argv,
			  .rc = EXIT_OK,
			  .ch = {{.role = "producer"}, {.role = "consumer"}}};
	if (create_rings(&d)) {
		d.rc = EXIT_USAGE;
	} else {
		run_workers(&d);
		if (d.rc == EXIT_OK)
			d.rc = o->kill ? judge_kill(&d) : judge_run(&d);
	}
	close_rings(&d);
	return d.rc;
}

int main(int argc, char **argv)
{
	struct opts o;
	parse(argc, argv, &o);
	if (o.worker)
		return worker(&o);
	return driver(argc, argv, &o);
}
