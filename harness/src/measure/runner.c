/* runner.c: run one case once.  Create the transport, start producer and
 * consumer as separate pinned processes, release them together, watch for a
 * stall, reap them under a deadline, diagnose what went wrong, and remove
 * every shared-memory object on every path. */
#include "bench.h"
#include "floor.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

volatile int bench_interrupted;

int64_t bench_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

struct proc {
	const char *role;
	pid_t pid;
	bool reaped;
	int status;
};

struct objects {
	char name[RING_NAME_MAX + 1];
	char shm[2][RING_NAME_MAX + 1]; /* shared-memory objects to unlink */
	int nshm;
	struct ring *rings[2];
	int served[2];
	int fds[4]; /* pipe or socket ends handed to the workers */
};

static void objects_free(struct objects *o)
{
	for (int i = 0; i < 2; i++)
		ring_close(o->rings[i]);
	for (int i = 0; i < o->nshm; i++)
		shm_unlink(o->shm[i]);
	for (int i = 0; i < 4; i++)
		if (o->fds[i] >= 0)
			close(o->fds[i]);
}

/* Move a descriptor to 10 or above, close-on-exec: the workers' 3, 4 and 5
 * are made by dup2 in the spawn, and a descriptor that already sat on one of
 * those numbers would leak into the wrong worker (a pipe's write end kept
 * open there hides the end of the stream). */
static int high_fd(int fd)
{
	if (fd < 0)
		return fd;
	int h = fcntl(fd, F_DUPFD_CLOEXEC, 10);
	close(fd);
	return h;
}

static int make_objects(const struct bench_case *c, struct objects *o, char *err, size_t errlen)
{
	static unsigned counter;
	const char *base = getenv("RINGBENCH_NAME");
	if (base)
		snprintf(o->name, sizeof(o->name), "%s.%u", base, counter++);
	else
		snprintf(o->name, sizeof(o->name), "/ringbench.%d.%u", (int)getpid(), counter++);
	if (c->transport == T_RING) {
		struct ring_config cfg = {.capacity = c->capacity, .wait = c->wait};
		int n = c->mode == MODE_PINGPONG ? 2 : 1;
		for (int i = 0; i < n; i++) {
			if (n == 2)
				snprintf(o->shm[i], sizeof(o->shm[i]), "%.60s.%c", o->name,
					 'a' + i);
			else
				snprintf(o->shm[i], sizeof(o->shm[i]), "%s", o->name);
			if (ring_create(&o->rings[i], o->shm[i], &cfg, RING_ROLE_NONE)) {
				snprintf(err, errlen, "%s", ring_last_error());
				return BENCH_USAGE;
			}
			o->nshm++;
		}
	} else if (c->transport == T_FLOOR) {
		snprintf(o->shm[0], sizeof(o->shm[0]), "%s", o->name);
		if (floor_create(o->name, c)) {
			snprintf(err, errlen, "%s", floor_last_error());
			return BENCH_USAGE;
		}
		o->nshm = 1;
	} else if (c->transport == T_PIPE) {
		/* fds[0..1]: client to server; fds[2..3]: server to client. */
		if (pipe(&o->fds[0]) < 0 || (c->mode == MODE_PINGPONG && pipe(&o->fds[2]) < 0)) {
			snprintf(err, errlen, "pipe: %s", strerror(errno));
			return BENCH_USAGE;
		}
	} else {
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, &o->fds[0]) < 0) {
			snprintf(err, errlen, "socketpair: %s", strerror(errno));
			return BENCH_USAGE;
		}
	}
	for (int i = 0; i < 4; i++)
		o->fds[i] = high_fd(o->fds[i]);
	return 0;
}

/* Which inherited descriptors a worker gets as 4 (in) and 5 (out). */
static void io_fds(const struct bench_case *c, const struct objects *o, bool producer, int *in,
		   int *out)
{
	*in = *out = -1;
	if (c->transport == T_PIPE) {
		if (producer) {
			*out = o->fds[1];
			*in = o->fds[2];
		} else {
			*in = o->fds[0];
			*out = o->fds[3];
		}
	} else if (c->transport == T_UNIX) {
		*in = *out = o->fds[producer ? 0 : 1];
	}
}

static pid_t spawn_worker(const struct bench_case *c, const struct objects *o, bool producer,
			  int ctl_fd, int64_t timeout_ns, const char *extra_env, char *err,
			  size_t errlen)
{
	char size[32], cap[32], cpu[16], msgs[32], dur[32], rate[32], tmo[32];
	snprintf(size, sizeof(size), "%zu", c->size);
	snprintf(cap, sizeof(cap), "%" PRIu64, c->capacity);
	snprintf(cpu, sizeof(cpu), "%d", c->cpu[producer ? 0 : 1]);
	snprintf(msgs, sizeof(msgs), "%" PRIu64, c->messages);
	snprintf(dur, sizeof(dur), "%.6f", c->duration);
	snprintf(rate, sizeof(rate), "%.3f", c->rate);
	snprintf(tmo, sizeof(tmo), "%" PRId64, timeout_ns);
	char *argv[] = {"ringbench",
			"__worker",
			producer ? "producer" : "consumer",
			(char *)bench_mode_name(c->mode),
			(char *)bench_transport_name(c->transport),
			(char *)ring_wait_name(c->wait),
			size,
			cap,
			cpu,
			msgs,
			dur,
			rate,
			(char *)o->name,
			tmo,
			NULL};
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	/* Only the control block and the worker's own transport ends. */
	posix_spawn_file_actions_adddup2(&fa, ctl_fd, 3);
	int in, out;
	io_fds(c, o, producer, &in, &out);
	if (in >= 0)
		posix_spawn_file_actions_adddup2(&fa, in, 4);
	if (out >= 0)
		posix_spawn_file_actions_adddup2(&fa, out, 5);

	char **envp = environ;
	if (extra_env) {
		size_t n = 0;
		while (environ[n])
			n++;
		envp = calloc(n + 2, sizeof(char *));
		if (envp) {
			memcpy(envp, environ, n * sizeof(char *));
			envp[n] = (char *)extra_env;
		} else {
			envp = environ;
		}
	}
	pid_t pid;
	int rc = posix_spawn(&pid, "/proc/self/exe", &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	if (envp != environ)
		free(envp);
	if (rc) {
		snprintf(err, errlen, "cannot start the %s: %s", producer ? "producer" : "consumer",
			 strerror(rc));
		return -1;
	}
	return pid;
}

/* One line of /proc/PID/maps for the object `shm`: how the process maps it. */
static void describe_mapping(pid_t pid, const char *role, const char *shm, char *out, size_t n)
{
	char path[64], line[512], want[RING_NAME_MAX + 16];
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	snprintf(want, sizeof(want), "/dev/shm%s", shm);
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(out, n, "%s (pid %d): maps unreadable (%s)", role, (int)pid,
			 strerror(errno));
		return;
	}
	out[0] = 0;
	while (fgets(line, sizeof(line), f)) {
		char perms[8], dev[16], file[320];
		unsigned long long inode;
		if (sscanf(line, "%*s %7s %*s %15s %llu %319s", perms, dev, &inode, file) != 4)
			continue;
		size_t wl = strlen(want);
		/* Exact name, or the name followed by " (deleted)". */
		if (strncmp(file, want, wl) != 0 || (file[wl] && file[wl] != ' '))
			continue;
		snprintf(out, n, "%s (pid %d) maps %s dev %s inode %llu %s (%s)", role, (int)pid,
			 want, dev, inode, perms[3] == 's' ? "shared" : "PRIVATE", perms);
		break;
	}
	fclose(f);
	if (!out[0])
		snprintf(out, n, "%s (pid %d) does not map %s", role, (int)pid, want);
}

/* Explain a stall from what each process has mapped. */
static void diagnose(const struct bench_case *c, const struct objects *o, struct proc *p,
		     struct bench_control *ctl, int64_t stalled_ns, char *out, size_t n)
{
	uint64_t sent = atomic_load(&ctl->sent), seen = atomic_load(&ctl->seen);
	int len = snprintf(
	    out, n,
	    "stall: no progress for %lld ms: the %s had published %" PRIu64
	    " messages, the %s had seen %" PRIu64 " (counted in steps of 256 in a stream)",
	    (long long)(stalled_ns / 1000000), c->mode == MODE_PINGPONG ? "client" : "producer",
	    sent, c->mode == MODE_PINGPONG ? "server" : "consumer", seen);
	if (o->nshm == 0 || len < 0 || (size_t)len >= n)
		return;
	char m[2][400];
	bool shared[2] = {false, false}, mapped[2] = {false, false};
	unsigned long long inode[2] = {0, 0};
	for (int i = 0; i < 2; i++) {
		if (p[i].reaped) {
			snprintf(m[i], sizeof(m[i]), "%s has exited", p[i].role);
			continue;
		}
		describe_mapping(p[i].pid, p[i].role, o->shm[0], m[i], sizeof(m[i]));
		mapped[i] = strstr(m[i], " inode ") != NULL;
		shared[i] = strstr(m[i], " shared (") != NULL;
		const char *in = strstr(m[i], " inode ");
		if (in)
			inode[i] = strtoull(in + 7, NULL, 10);
	}
	const char *why;
	if (mapped[0] && mapped[1] && (!shared[0] || !shared[1]))
		why = "a private (copy-on-write) mapping: that process writes its own copy and "
		      "never sees the other's writes";
	else if (mapped[0] && mapped[1] && inode[0] != inode[1])
		why = "the two processes map different objects (re-created or truncated after one "
		      "attached, or a different name)";
	else if (mapped[0] && mapped[1])
		why = "both map the same object shared: suspect a missing release/acquire pair, a "
		      "header copied out of shared memory, or a wake that never reaches the other "
		      "process (FUTEX_PRIVATE_FLAG)";
	else
		why = "a process does not map the object at all";
	snprintf(out + len, n - (size_t)len, "\n  %s\n  %s\n  diagnosis: %s", m[0], m[1], why);
}

/* "signal 9" or "exit code 3": how a reaped worker ended. */
static const char *how_ended(const struct proc *p, char *buf, size_t n)
{
	int st = p->status;
	snprintf(buf, n, "%s %d", WIFSIGNALED(st) ? "signal" : "exit code",
		 WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
	return buf;
}

static void reap(struct proc *p, bool block)
{
	for (int i = 0; i < 2; i++) {
		if (p[i].reaped || p[i].pid <= 0)
			continue;
		pid_t r = waitpid(p[i].pid, &p[i].status, block ? 0 : WNOHANG);
		if (r == p[i].pid || (r < 0 && errno == ECHILD))
			p[i].reaped = true;
	}
}

static void kill_all(struct proc *p)
{
	for (int i = 0; i < 2; i++)
		if (!p[i].reaped && p[i].pid > 0)
			kill(p[i].pid, SIGKILL);
	reap(p, true);
}

static void fill_run(const struct bench_case *c, struct bench_control *ctl, struct bench_run *r)
{
	const struct bench_report *prod = &ctl->report[0], *cons = &ctl->report[1];
	bool pp = c->mode == MODE_PINGPONG;
	/* Throughput from the receiving side's first to last message. */
	const struct bench_report *clock = pp ? prod : cons;
	r->messages = pp ? prod->messages : cons->messages;
	r->bytes = pp ? prod->bytes : cons->bytes;
	r->seconds = (double)(clock->t_last - clock->t_first) / 1e9;
	if (r->seconds > 0 && r->messages > 1) {
		r->msgs_per_sec = (double)r->messages / r->seconds;
		r->bytes_per_sec = (double)r->bytes / r->seconds;
	}
	if (r->messages) {
		r->producer_cpu_ns = (double)prod->cpu_ns / (double)r->messages;
		r->consumer_cpu_ns = (double)cons->cpu_ns / (double)r->messages;
		r->syscalls_per_msg =
		    (double)(prod->syscalls + cons->syscalls) / (double)r->messages;
	}
	if (c->mode != MODE_STREAM) {
		r->p50 = hist_quantile(&ctl->hist, 0.50);
		r->p90 = hist_quantile(&ctl->hist, 0.90);
		r->p99 = hist_quantile(&ctl->hist, 0.99);
		r->p999 = hist_quantile(&ctl->hist, 0.999);
		r->max = hist_quantile(&ctl->hist, 1.0);
	}
}

int bench_run_case(const struct bench_case *c, const struct bench_limits *lim,
		   struct bench_run *out)
{
	memset(out, 0, sizeof(*out));
	/* fds at -1 before anything can fail: objects_free() closes them. */
	struct objects o = {.fds = {-1, -1, -1, -1}};
	char how[32];
	struct proc p[2] = {{.role = c->mode == MODE_PINGPONG ? "client" : "producer"},
			    {.role = c->mode == MODE_PINGPONG ? "server" : "consumer"}};
	int status = BENCH_PASS;
	int ctl_fd = high_fd(memfd_create("ringbench-control", MFD_CLOEXEC));
	struct bench_control *ctl = MAP_FAILED;
	if (ctl_fd < 0 || ftruncate(ctl_fd, sizeof(*ctl)) < 0 ||
	    (ctl = mmap(NULL, sizeof(*ctl), PROT_READ | PROT_WRITE, MAP_SHARED, ctl_fd, 0)) ==
		MAP_FAILED) {
		snprintf(out->diagnosis, sizeof(out->diagnosis), "control block: %s",
			 strerror(errno));
		status = BENCH_USAGE;
		goto done;
	}
	hist_init(&ctl->hist);
	if ((status = make_objects(c, &o, out->diagnosis, sizeof(out->diagnosis))))
		goto done;

	/* Workers give up a little after the watchdog would have fired. */
	int64_t worker_timeout = 3 * lim->stall_ns;
	for (int i = 0; i < 2; i++) {
		p[i].pid = spawn_worker(c, &o, i == 0, ctl_fd, worker_timeout,
					i == 1 ? lim->consumer_env : NULL, out->diagnosis,
					sizeof(out->diagnosis));
		if (p[i].pid < 0) {
			status = BENCH_USAGE;
			goto done;
		}
		if (lim->verbose)
			fprintf(stderr, "ringbench: %s pid %d\n", p[i].role, (int)p[i].pid);
	}
	/* Our copies of the pipe and socket ends would hide the peer's EOF. */
	for (int i = 0; i < 4; i++)
		if (o.fds[i] >= 0) {
			close(o.fds[i]);
			o.fds[i] = -1;
		}

	/* Start barrier: both attached and pinned (or failed trying). */
	int64_t start = bench_now_ns(), deadline = start + worker_timeout;
	while (atomic_load_explicit(&ctl->ready, memory_order_acquire) < 2) {
		/* Eventfd rings: hand each attaching worker its descriptors. */
		for (int i = 0; i < 2; i++)
			if (o.rings[i] && o.served[i] < 2 && ring_serve(o.rings[i], 0) == 0)
				o.served[i]++;
		reap(p, false);
		if (p[0].reaped && p[1].reaped)
			break;
		if (bench_interrupted || bench_now_ns() > deadline)
			break;
		struct timespec ts = {0, 100000};
		nanosleep(&ts, NULL);
	}
	for (int i = 0; i < 2; i++)
		if (ctl->report[i].status) {
			status = ctl->report[i].status;
			snprintf(out->diagnosis, sizeof(out->diagnosis), "%s: %s", p[i].role,
				 ctl->report[i].error);
			goto done;
		}
	if (bench_interrupted) {
		status = BENCH_USAGE;
		snprintf(out->diagnosis, sizeof(out->diagnosis), "interrupted");
		goto done;
	}
	if (atomic_load(&ctl->ready) < 2) {
		status = BENCH_USAGE;
		for (int i = 0; i < 2; i++)
			if (p[i].reaped) {
				snprintf(out->diagnosis, sizeof(out->diagnosis),
					 "the %s exited before the start barrier (%s)", p[i].role,
					 how_ended(&p[i], how, sizeof(how)));
				goto done;
			}
		snprintf(out->diagnosis, sizeof(out->diagnosis),
			 "workers did not reach the start barrier in %lld ms",
			 (long long)(worker_timeout / 1000000));
		goto done;
	}
	atomic_store_explicit(&ctl->go, 1, memory_order_release);

	/* Watchdog: progress on either side resets the clock. */
	int64_t go_at = bench_now_ns(), last_change = go_at;
	uint64_t last_sent = 0, last_seen = 0;
	int64_t expected = c->messages ? 0 : (int64_t)(c->duration * 1e9);
	for (;;) {
		reap(p, false);
		if (p[0].reaped && p[1].reaped)
			break;
		int64_t now = bench_now_ns();
		if (bench_interrupted) {
			status = BENCH_USAGE;
			snprintf(out->diagnosis, sizeof(out->diagnosis), "interrupted");
			break;
		}
		uint64_t sent = atomic_load_explicit(&ctl->sent, memory_order_relaxed);
		uint64_t seen = atomic_load_explicit(&ctl->seen, memory_order_relaxed);
		if (sent != last_sent || seen != last_seen) {
			last_sent = sent;
			last_seen = seen;
			last_change = now;
		}
		/* A worker that died: its peer will notice, but say who it was. */
		for (int i = 0; i < 2; i++)
			if (p[i].reaped && !p[i ^ 1].reaped && !ctl->report[i].done) {
				snprintf(out->diagnosis, sizeof(out->diagnosis),
					 "the %s (pid %d) died: %s", p[i].role, (int)p[i].pid,
					 how_ended(&p[i], how, sizeof(how)));
				status = BENCH_VISIBILITY;
			}
		if (status)
			break;
		if (now - last_change > lim->stall_ns) {
			diagnose(c, &o, p, ctl, now - last_change, out->diagnosis,
				 sizeof(out->diagnosis));
			status = BENCH_VISIBILITY;
			break;
		}
		if (expected && now - go_at > 4 * expected + 3 * worker_timeout) {
			snprintf(out->diagnosis, sizeof(out->diagnosis),
				 "still running %lld ms after a %.1f s case: killed",
				 (long long)((now - go_at) / 1000000), c->duration);
			status = BENCH_VISIBILITY;
			break;
		}
		struct timespec ts = {0, 2000000};
		nanosleep(&ts, NULL);
	}
	if (status)
		goto done;
	/* A worker that died without a report is the cause; what its peer then
	 * reported ("the consumer died") is the symptom. */
	for (int i = 0; i < 2; i++) {
		if (!ctl->report[i].done) {
			snprintf(out->diagnosis, sizeof(out->diagnosis),
				 "the %s (pid %d) died: %s; the %s said: %s", p[i].role,
				 (int)p[i].pid, how_ended(&p[i], how, sizeof(how)), p[i ^ 1].role,
				 ctl->report[i ^ 1].error[0] ? ctl->report[i ^ 1].error
							     : "nothing");
			status = BENCH_VISIBILITY;
			goto done;
		}
	}
	for (int i = 0; i < 2; i++) {
		const struct bench_report *r = &ctl->report[i];
		int st = p[i].status;
		if (r->status || !r->done || !WIFEXITED(st) || WEXITSTATUS(st)) {
			status = r->status ? r->status : BENCH_VISIBILITY;
			snprintf(out->diagnosis, sizeof(out->diagnosis), "%s: %s", p[i].role,
				 r->error[0] ? r->error : "exited without a report");
			goto done;
		}
	}
	fill_run(c, ctl, out);
done:
	kill_all(p);
	objects_free(&o);
	if (ctl != MAP_FAILED)
		munmap(ctl, sizeof(*ctl));
	if (ctl_fd >= 0)
		close(ctl_fd);
	out->status = status;
	return status;
}
