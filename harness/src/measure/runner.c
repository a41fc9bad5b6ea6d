/* runner.c: run one case once.  Create the transport's objects, start
 * producer and consumer as separate pinned processes (in a process group of
 * their own, ending with the harness), release them together, watch for a
 * stall without waking often, reap them under a deadline, diagnose what went
 * wrong, and remove every shared-memory object on every path: the names go
 * as soon as both workers have opened them. */
#include "measure/bench.h"
#include "measure/evidence.h"
#include "measure/transport.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

volatile int bench_interrupted;

/* How often the watchdog looks: often enough for a stall limit of a second
 * or more, rarely enough not to preempt the workers it shares CPUs with. */
#define WATCH_NS 50000000LL

static struct bench_clock the_clock;
static char clock_why[200];

const struct bench_clock *bench_clock(void)
{
	if (!the_clock.hz)
		bench_clock_init(&the_clock, true, clock_why, sizeof(clock_why));
	return &the_clock;
}

const char *bench_clock_why(void)
{
	bench_clock();
	return clock_why;
}

struct proc {
	const char *role;
	pid_t pid;
	int pidfd;
	bool reaped;
	int status;
	int say;		/* read end of its status pipe (its fd 6), or -1 */
	char said[512];		/* the last whole line it wrote there */
	bool said_ready;	/* it wrote "ready" */
	struct mapinfo maps[4]; /* what it said it maps, at attach ("maps ...") */
	int nmaps;
	char part[512]; /* a line not yet ended */
	size_t npart;
};

/* Read what a worker wrote on its status pipe, without waiting.  This
 * channel does not go through shared memory, so a worker whose control
 * block is not shared can still say what it did and what it could not. */
static void read_said(struct proc *p)
{
	char buf[512];
	ssize_t k;
	while (p->say >= 0 && (k = read(p->say, buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; i < k; i++) {
			if (buf[i] != '\n') {
				if (p->npart < sizeof(p->part) - 1)
					p->part[p->npart++] = buf[i];
				continue;
			}
			p->part[p->npart] = 0;
			p->npart = 0;
			/* "maps LINE": a line of its /proc/self/maps, at attach. */
			if (strncmp(p->part, "maps ", 5) == 0) {
				if (p->nmaps < (int)(sizeof(p->maps) / sizeof(p->maps[0])) &&
				    evidence_maps_line(p->part + 5, &p->maps[p->nmaps]))
					p->nmaps++;
				continue;
			}
			if (strcmp(p->part, "ready") == 0)
				p->said_ready = true;
			snprintf(p->said, sizeof(p->said), "%s", p->part);
		}
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

static void unlink_names(struct tp_objects *o)
{
	if (o->unlinked)
		return;
	for (int i = 0; i < o->nshm; i++)
		shm_unlink(o->shm[i]);
	o->unlinked = true;
}

static void close_ends(struct tp_objects *o)
{
	for (int i = 0; i < 4; i++)
		if (o->fds[i] >= 0) {
			close(o->fds[i]);
			o->fds[i] = -1;
		}
}

static void objects_free(const struct transport *t, struct tp_objects *o)
{
	if (t->destroy)
		t->destroy(o);
	unlink_names(o);
	close_ends(o);
}

static int make_objects(const struct transport *t, const struct bench_case *c, struct tp_objects *o,
			char *err, size_t errlen)
{
	static unsigned counter;
	const char *base = getenv("RINGBENCH_NAME");
	if (base)
		snprintf(o->name, sizeof(o->name), "%s.%u", base, counter++);
	else
		snprintf(o->name, sizeof(o->name), "/ringbench.%d.%u", (int)getpid(), counter++);
	int rc = t->create(c, o, err, errlen);
	for (int i = 0; i < 4; i++)
		o->fds[i] = high_fd(o->fds[i]);
	return rc ? BENCH_USAGE : 0;
}

void bench_protocol_line(char *buf, size_t n)
{
	snprintf(buf, n, "ringbench worker protocol %d, control block %zu bytes, ring version %u",
		 BENCH_WORKER_PROTOCOL, sizeof(struct bench_control), RING_VERSION);
}

int bench_protocol_main(int argc, char **argv)
{
	(void)argv;
	char line[128];
	bench_protocol_line(line, sizeof(line));
	puts(line);
	return argc == 1 ? BENCH_PASS : BENCH_USAGE;
}

static pid_t spawn_worker(const struct transport *t, const struct bench_case *c,
			  const struct tp_objects *o, bool producer, int ctl_fd, int say_fd,
			  int64_t timeout_ns, const char *extra_env, const char *exe, char *err,
			  size_t errlen)
{
	char proto[16], size[32], cap[32], cpu[16], msgs[32], dur[32], rate[32], warm[32], tmo[32],
	    parent[16];
	snprintf(proto, sizeof(proto), "%d", BENCH_WORKER_PROTOCOL);
	snprintf(size, sizeof(size), "%zu", c->size);
	snprintf(cap, sizeof(cap), "%" PRIu64, c->capacity);
	snprintf(cpu, sizeof(cpu), "%d", c->cpu[producer ? 0 : 1]);
	snprintf(msgs, sizeof(msgs), "%" PRIu64, c->messages);
	snprintf(dur, sizeof(dur), "%.6f", c->duration);
	snprintf(rate, sizeof(rate), "%.3f", c->rate);
	snprintf(warm, sizeof(warm), "%" PRIu64, c->warmup);
	snprintf(tmo, sizeof(tmo), "%" PRId64, timeout_ns);
	snprintf(parent, sizeof(parent), "%d", (int)getpid());
	char *argv[] = {"ringbench",
			"__worker",
			proto,
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
			warm,
			(char *)o->name,
			tmo,
			parent,
			NULL};
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	/* Only the control block and the worker's own transport ends. */
	posix_spawn_file_actions_adddup2(&fa, ctl_fd, 3);
	int in = -1, out = -1;
	if (t->worker_fds)
		t->worker_fds(o, producer, &in, &out);
	if (in >= 0)
		posix_spawn_file_actions_adddup2(&fa, in, 4);
	if (out >= 0)
		posix_spawn_file_actions_adddup2(&fa, out, 5);
	if (say_fd >= 0)
		posix_spawn_file_actions_adddup2(&fa, say_fd, 6);
	/* A process group of its own: Ctrl-C in a terminal reaches only the
	 * harness, which ends the run and reports it interrupted, instead of
	 * every worker dying of SIGINT in the middle of a measurement. */
	posix_spawnattr_t at;
	posix_spawnattr_init(&at);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP);
	posix_spawnattr_setpgroup(&at, 0);

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
	int rc = posix_spawn(&pid, exe ? exe : "/proc/self/exe", &fa, &at, argv, envp);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	if (envp != environ)
		free(envp);
	if (rc) {
		snprintf(err, errlen, "cannot start the %s (%s): %s",
			 producer ? "producer" : "consumer", exe ? exe : "/proc/self/exe",
			 strerror(rc));
		return -1;
	}
	return pid;
}

/* The runner's view of both workers, for a diagnosis. */
static void views(struct proc *p, struct bench_control *ctl, struct worker_view w[2])
{
	for (int i = 0; i < 2; i++) {
		read_said(&p[i]);
		w[i] = (struct worker_view){.role = p[i].role,
					    .pid = p[i].pid,
					    .reaped = p[i].reaped,
					    .ready = atomic_load(&ctl->side[i].ready) != 0,
					    .said_ready = p[i].said_ready,
					    .nmaps = p[i].nmaps};
		memcpy(w[i].maps, p[i].maps, sizeof(w[i].maps));
		snprintf(w[i].said, sizeof(w[i].said), "%s", p[i].said);
	}
}

/* The objects as the harness created them, taken at once: the evidence of
 * two objects under one name is the name leading elsewhere later. */
static int objects_view(const struct bench_case *c, const struct tp_objects *o,
			const struct bench_control *ctl, int ctl_fd, struct object_view *obj)
{
	int n = 0;
	obj[n] = (struct object_view){.path = "/memfd:ringbench-control",
				      .what = "the control block",
				      .fd = ctl_fd,
				      .map = (const unsigned char *)ctl,
				      .own_off = offsetof(struct bench_control, clock),
				      .own_len = sizeof(ctl->clock),
				      .own_what = "the clock's calibration"};
	evidence_created(&obj[n++], ctl_fd);
	for (int k = 0; k < o->nshm && n < 3; k++) {
		const struct ring *r = c->transport == T_RING ? o->rings[k] : NULL;
		obj[n] = (struct object_view){.what = c->transport == T_RING
							  ? (o->nshm > 1
								 ? (k ? "the ring server to client"
								      : "the ring client to server")
								 : "the ring")
							  : "the shared slots",
					      .named = true,
					      .fd = r ? r->shm_fd : -1,
					      .map = r ? (const unsigned char *)r->hdr : NULL,
					      /* Line 0, the identity: the creator's alone. */
					      .own_len = r ? RING_CACHELINE : 0,
					      .own_what = "the ring's header"};
		/* A ring is a memfd its name points to (see ring.h); the
		 * other transports map the object in /dev/shm itself. */
		snprintf(obj[n].name, sizeof(obj[n].name), "/dev/shm%s", o->shm[k]);
		if (r)
			snprintf(obj[n].path, sizeof(obj[n].path), "/memfd:%s", o->shm[k] + 1);
		else
			snprintf(obj[n].path, sizeof(obj[n].path), "%s", obj[n].name);
		evidence_created(&obj[n], obj[n].fd);
		n++;
	}
	return n;
}

/* What worker i reported with its code, judged by the evidence. */
static int reported(struct proc *p, struct bench_control *ctl, int i, int code,
		    const struct object_view *ov, int nov, struct bench_run *out)
{
	const struct bench_report *r = &ctl->report[i];
	/* The worker wrote the error into shared memory: bounded. */
	char error[sizeof(r->error) + 1];
	snprintf(error, sizeof(error), "%.*s", (int)sizeof(r->error),
		 r->error[0] ? r->error : "exited without a report");
	struct worker_view wv[2];
	views(p, ctl, wv);
	return diagnose_reported(wv, i, error, code, ov, nov, out->diagnosis,
				 sizeof(out->diagnosis));
}

/* "signal 9" or "exit code 3": how a reaped worker ended. */
static const char *how_ended(const struct proc *p, char *buf, size_t n)
{
	int st = p->status;
	snprintf(buf, n, "%s %d", WIFSIGNALED(st) ? "signal" : "exit code",
		 WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
	return buf;
}

/* A worker that died without a report.  Killed from outside (SIGKILL,
 * SIGTERM, SIGINT, SIGHUP): an environment problem, exit 2.  Crashed
 * (SIGSEGV, SIGBUS, SIGABRT...) or exited without a report: the ring or
 * the memory under it failed, exit 3. */
static int died(const struct proc *p, char *out, size_t n, const char *more)
{
	char how[32];
	int st = p->status, sig = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
	bool outside = sig == SIGKILL || sig == SIGTERM || sig == SIGINT || sig == SIGHUP;
	snprintf(out, n, "the %s (pid %d) died: %s (%s)%s", p->role, (int)p->pid,
		 how_ended(p, how, sizeof(how)),
		 outside ? "killed from outside: not a visibility failure"
		 : sig	 ? "it crashed"
			 : "it exited without a report",
		 more);
	return outside ? BENCH_USAGE : BENCH_VISIBILITY;
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

/* Sleep until a worker exits or ns pass, whichever is first. */
static void wait_exit(struct proc *p, int64_t ns)
{
	struct pollfd fds[2];
	int k = 0;
	for (int i = 0; i < 2; i++)
		if (!p[i].reaped && p[i].pidfd >= 0)
			fds[k++] = (struct pollfd){.fd = p[i].pidfd, .events = POLLIN};
	struct timespec ts = {.tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000};
	ppoll(fds, (nfds_t)k, &ts, NULL);
}

static void kill_all(struct proc *p)
{
	for (int i = 0; i < 2; i++)
		if (!p[i].reaped && p[i].pid > 0)
			kill(p[i].pid, SIGKILL);
	reap(p, true);
	for (int i = 0; i < 2; i++)
		if (p[i].pidfd >= 0) {
			close(p[i].pidfd);
			p[i].pidfd = -1;
		}
}

static double per(double what, uint64_t n)
{
	return n ? what / (double)n : 0;
}

static void fill_run(const struct bench_case *c, struct bench_control *ctl, struct bench_run *r)
{
	const struct bench_report *prod = &ctl->report[0], *cons = &ctl->report[1];
	bool pp = c->mode == MODE_PINGPONG;
	/* The measured window: the receiving side's for a stream, the
	 * client's for a pingpong. */
	const struct bench_report *w = pp ? prod : cons;
	r->messages = w->messages;
	r->bytes = w->bytes;
	r->seconds = (double)bench_clock_ns(&ctl->clock, w->t_first, w->t_last) / 1e9;
	if (r->seconds > 0 && r->messages > 0) {
		r->msgs_per_sec = (double)r->messages / r->seconds;
		r->bytes_per_sec = (double)r->bytes / r->seconds;
	}
	r->producer_cpu_ns = per((double)prod->cpu_ns, prod->cpu_messages);
	r->consumer_cpu_ns = per((double)cons->cpu_ns, cons->cpu_messages);
	r->syscalls_per_msg = per((double)prod->syscalls, prod->cpu_messages) +
			      per((double)cons->syscalls, cons->cpu_messages);
	r->state_before_ns = prod->state_ns[0];
	r->state_after_ns = prod->state_ns[1];
	if (c->mode != MODE_STREAM) {
		r->p50 = hist_quantile(&ctl->hist, 0.50);
		r->p75 = hist_quantile(&ctl->hist, 0.75);
		r->p90 = hist_quantile(&ctl->hist, 0.90);
		r->p95 = hist_quantile(&ctl->hist, 0.95);
		r->p99 = hist_quantile(&ctl->hist, 0.99);
		r->p999 = hist_quantile(&ctl->hist, 0.999);
		r->p9999 = hist_quantile(&ctl->hist, 0.9999);
		r->max = hist_quantile(&ctl->hist, 1.0);
	}
}

/* Whether name starts as ringbench writes it for pid: the prefix, the pid
 * in plain digits, a dot (scanf alone also takes " 12", "+12" or "012"). */
static bool named_by(const char *name, const char *prefix, int pid)
{
	char want[64];
	int n = snprintf(want, sizeof(want), "%s%d.", prefix, pid);
	return n > 0 && (size_t)n < sizeof(want) && strncmp(name, want, (size_t)n) == 0;
}

/* The folders iceoryx's RouDi runs from, /tmp/ringbench-roudi.PID.XXXXXX
 * (tp_iox.c): a ringbench killed, and the supervisor that would have
 * removed its folder killed with it, leaves one.  Those of an owner that is
 * gone are removed, with the files in them (nothing deeper: it holds none),
 * and only when they are ours. */
static int sweep_roudi_dirs(void)
{
	DIR *d = opendir("/tmp");
	if (!d)
		return 0;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		int pid, end = 0;
		if (sscanf(e->d_name, "ringbench-roudi.%d.%*6[A-Za-z0-9]%n", &pid, &end) != 1 ||
		    end == 0 || e->d_name[end] || pid <= 0 || pid == getpid() ||
		    !named_by(e->d_name, "ringbench-roudi.", pid))
			continue;
		if (kill(pid, 0) == 0 || errno != ESRCH)
			continue; /* its ringbench still runs (or is not ours to judge) */
		int fd =
		    openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		struct stat st;
		if (fd < 0 || fstat(fd, &st) < 0 || st.st_uid != geteuid()) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		DIR *in = fdopendir(fd);
		if (!in) {
			close(fd);
			continue;
		}
		struct dirent *f;
		while ((f = readdir(in)))
			if (strcmp(f->d_name, ".") != 0 && strcmp(f->d_name, "..") != 0)
				unlinkat(dirfd(in), f->d_name, 0);
		closedir(in);
		if (unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR) == 0) {
			fprintf(stderr, "ringbench: removed /tmp/%s, left by ringbench pid %d\n",
				e->d_name, pid);
			n++;
		}
	}
	closedir(d);
	return n;
}

int bench_sweep_stale(void)
{
	int swept = sweep_roudi_dirs();
	DIR *d = opendir("/dev/shm");
	if (!d)
		return swept;
	int n = swept;
	struct dirent *e;
	while ((e = readdir(d))) {
		int pid;
		if (sscanf(e->d_name, "ringbench.%d.", &pid) != 1 || pid <= 0 || pid == getpid() ||
		    !named_by(e->d_name, "ringbench.", pid))
			continue;
		if (kill(pid, 0) == 0 || errno != ESRCH)
			continue; /* its ringbench still runs (or is not ours to judge) */
		char name[300];
		snprintf(name, sizeof(name), "/%s", e->d_name);
		if (shm_unlink(name) == 0) {
			fprintf(stderr, "ringbench: removed /dev/shm%s, left by ringbench pid %d\n",
				name, pid);
			n++;
		}
	}
	closedir(d);
	return n;
}

/* One run of a case, as its steps share it. */
struct run {
	const struct bench_case *c;
	const struct bench_limits *lim;
	struct bench_run *out;
	const struct transport *t;
	struct tp_objects o;
	struct proc p[2];
	struct object_view ov[3];
	int nov;
	int ctl_fd;
	struct bench_control *ctl;
	int64_t worker_timeout;
	int status;
};

/* The control block and the transport's objects, each read back at once:
 * false, with the status, if any of it fails. */
static bool run_create(struct run *r)
{
	struct bench_run *out = r->out;
	r->ctl_fd = high_fd(memfd_create("ringbench-control", MFD_CLOEXEC));
	if (r->ctl_fd < 0 || ftruncate(r->ctl_fd, sizeof(*r->ctl)) < 0 ||
	    (r->ctl = mmap(NULL, sizeof(*r->ctl), PROT_READ | PROT_WRITE, MAP_SHARED, r->ctl_fd,
			   0)) == MAP_FAILED) {
		snprintf(out->diagnosis, sizeof(out->diagnosis), "control block: %s",
			 strerror(errno));
		r->status = BENCH_USAGE;
		return false;
	}
	hist_init(&r->ctl->hist);
	r->ctl->clock = *bench_clock();
	r->status = make_objects(r->t, r->c, &r->o, out->diagnosis, sizeof(out->diagnosis));
	if (r->status)
		return false;
	r->nov = objects_view(r->c, &r->o, r->ctl, r->ctl_fd, r->ov);
	/* The seed's failure where it first shows: the harness's own writes. */
	r->status = diagnose_create(r->ov, r->nov, out->diagnosis, sizeof(out->diagnosis));
	return r->status == 0;
}

/* Producer, then consumer, each with a status pipe of its own. */
static bool run_spawn(struct run *r)
{
	for (int i = 0; i < 2; i++) {
		struct proc *p = &r->p[i];
		int pipefd[2] = {-1, -1};
		if (pipe2(pipefd, O_CLOEXEC) == 0) {
			pipefd[1] = high_fd(pipefd[1]);
			p->say = high_fd(pipefd[0]);
			fcntl(p->say, F_SETFL, O_NONBLOCK);
		}
		p->pid =
		    spawn_worker(r->t, r->c, &r->o, i == 0, r->ctl_fd, pipefd[1], r->worker_timeout,
				 i == 1 ? r->lim->consumer_env : NULL, r->lim->worker_exe,
				 r->out->diagnosis, sizeof(r->out->diagnosis));
		if (pipefd[1] >= 0)
			close(pipefd[1]);
		if (p->pid < 0) {
			r->status = BENCH_USAGE;
			return false;
		}
		p->pidfd = (int)syscall(SYS_pidfd_open, p->pid, 0);
		if (r->lim->verbose)
			fprintf(stderr, "ringbench: %s pid %d\n", p->role, (int)p->pid);
	}
	/* Our copies of the pipe and socket ends would hide the peer's EOF. */
	close_ends(&r->o);
	return true;
}

/* Start barrier: both attached and pinned (or failed trying).  Waits until
 * both are ready, a worker says why it cannot start, both have exited, an
 * interrupt or the deadline; returns when the wait began. */
static int64_t run_wait_ready(struct run *r)
{
	struct proc *p = r->p;
	struct bench_control *ctl = r->ctl;
	int64_t start = sys_now_ns(), deadline = start + r->worker_timeout;
	while (!atomic_load_explicit(&ctl->side[0].ready, memory_order_acquire) ||
	       !atomic_load_explicit(&ctl->side[1].ready, memory_order_acquire)) {
		if (r->t->serve)
			r->t->serve(&r->o); /* eventfd rings: hand each worker its descriptors */
		read_said(&p[0]);
		read_said(&p[1]);
		/* A worker that said why it cannot start: no need to wait. */
		if (strncmp(p[0].said, "error ", 6) == 0 || strncmp(p[1].said, "error ", 6) == 0)
			break;
		reap(p, false);
		if (p[0].reaped && p[1].reaped)
			break;
		if (bench_interrupted || sys_now_ns() > deadline)
			break;
		struct timespec ts = {0, 200000};
		nanosleep(&ts, NULL);
	}
	return start;
}

/* Past the barrier only when both are ready and neither reported a
 * failure; else the status, diagnosed while the workers still live. */
static bool run_at_barrier(struct run *r, int64_t start)
{
	struct bench_control *ctl = r->ctl;
	struct bench_run *out = r->out;
	for (int i = 0; i < 2; i++)
		if (ctl->report[i].status) {
			r->status =
			    reported(r->p, ctl, i, ctl->report[i].status, r->ov, r->nov, out);
			return false;
		}
	if (bench_interrupted) {
		r->status = BENCH_USAGE;
		snprintf(out->diagnosis, sizeof(out->diagnosis), "interrupted");
		return false;
	}
	if (atomic_load(&ctl->side[0].ready) && atomic_load(&ctl->side[1].ready))
		return true;
	/* Not both at the barrier: a worker's own word first, then the
	 * evidence (mappings, states) while the workers still live. */
	struct worker_view wv[2];
	char how[32];
	views(r->p, ctl, wv);
	r->status = diagnose_barrier(wv, r->ov, r->nov, sys_now_ns() - start, out->diagnosis,
				     sizeof(out->diagnosis));
	for (int i = 0; i < 2; i++)
		if (r->p[i].reaped && r->status == BENCH_USAGE && !r->p[i].said[0])
			snprintf(out->diagnosis, sizeof(out->diagnosis),
				 "the %s exited before the start barrier (%s)", r->p[i].role,
				 how_ended(&r->p[i], how, sizeof(how)));
	return false;
}

/* Both have opened the objects: the evidence that they share them, then
 * the names go (a harness killed from here on leaves nothing in
 * /dev/shm), then go. */
static void run_release(struct run *r)
{
	if (r->lim->evidence) {
		struct worker_view wv[2];
		views(r->p, r->ctl, wv);
		r->out->evidence_ok = evidence_same_objects(wv, r->ov, r->nov, r->out->evidence,
							    sizeof(r->out->evidence));
	}
	unlink_names(&r->o);
	for (int k = 0; k < r->nov; k++)
		r->ov[k].unlinked = r->ov[k].named;
	atomic_store_explicit(&r->ctl->go, 1, memory_order_release);
	if (r->lim->verbose)
		fprintf(stderr, "ringbench: started %s\n", r->c->name);
}

static bool run_start(struct run *r)
{
	int64_t start = run_wait_ready(r);
	if (!run_at_barrier(r, start))
		return false;
	run_release(r);
	return true;
}

/* A worker that ended while its peer still runs: its status, or 0. */
static int run_ended_early(struct run *r)
{
	struct proc *p = r->p;
	struct bench_control *ctl = r->ctl;
	int status = 0;
	/* A worker that ended with a finding (a wrong message, a transport
	 * error) is the cause: stop now, not when its peer times out waiting
	 * for it. */
	for (int i = 0; i < 2; i++)
		if (p[i].reaped && !p[i ^ 1].reaped && ctl->report[i].done &&
		    ctl->report[i].status && !ctl->report[i].symptom)
			status = reported(p, ctl, i, ctl->report[i].status, r->ov, r->nov, r->out);
	/* A worker that died: its peer will notice, but say who it was. */
	for (int i = 0; i < 2; i++)
		if (p[i].reaped && !p[i ^ 1].reaped && !ctl->report[i].done)
			status = died(&p[i], r->out->diagnosis, sizeof(r->out->diagnosis), "");
	return status;
}

static int run_stalled(struct run *r, int64_t stalled_ns)
{
	const struct bench_case *c = r->c;
	struct worker_view wv[2];
	views(r->p, r->ctl, wv);
	return diagnose_stall(wv, r->ov, r->nov, atomic_load(&r->ctl->side[0].progress),
			      atomic_load(&r->ctl->side[1].progress),
			      c->transport == T_RING && c->wait != RING_WAIT_SPIN, stalled_ns,
			      r->out->diagnosis, sizeof(r->out->diagnosis));
}

/* Watchdog, until both workers exit: progress on either side resets the
 * stall clock; an early end, a stall, an interrupt or a case long past its
 * duration stops the run. */
static bool run_watch(struct run *r)
{
	const struct bench_case *c = r->c;
	struct bench_control *ctl = r->ctl;
	struct bench_run *out = r->out;
	int64_t stall_ns = r->lim->stall_ns;
	int64_t go_at = sys_now_ns(), last_change = go_at;
	uint64_t last_sent = 0, last_seen = 0;
	int64_t expected = c->messages ? 0 : (int64_t)(c->duration * 1e9);
	for (;;) {
		reap(r->p, false);
		if (r->p[0].reaped && r->p[1].reaped)
			break;
		int64_t now = sys_now_ns();
		if (bench_interrupted) {
			r->status = BENCH_USAGE;
			snprintf(out->diagnosis, sizeof(out->diagnosis), "interrupted");
			break;
		}
		uint64_t sent = atomic_load_explicit(&ctl->side[0].progress, memory_order_relaxed);
		uint64_t seen = atomic_load_explicit(&ctl->side[1].progress, memory_order_relaxed);
		if (sent != last_sent || seen != last_seen) {
			last_sent = sent;
			last_seen = seen;
			last_change = now;
		}
		if ((r->status = run_ended_early(r)))
			break;
		if (now - last_change > stall_ns) {
			r->status = run_stalled(r, now - last_change);
			break;
		}
		if (expected && now - go_at > 4 * expected + 3 * r->worker_timeout) {
			snprintf(out->diagnosis, sizeof(out->diagnosis),
				 "still running %lld ms after a %.1f s case: killed",
				 (long long)((now - go_at) / 1000000), c->duration);
			r->status = BENCH_VISIBILITY;
			break;
		}
		wait_exit(r->p, stall_ns / 4 < WATCH_NS ? stall_ns / 4 : WATCH_NS);
	}
	return r->status == 0;
}

/* Both workers ended: the run's status and figures from their reports. */
static void run_outcome(struct run *r)
{
	const struct bench_case *c = r->c;
	struct proc *p = r->p;
	struct bench_control *ctl = r->ctl;
	struct bench_run *out = r->out;
	/* A worker that died without a report is the cause; what its peer then
	 * reported ("the consumer died") is the symptom. */
	for (int i = 0; i < 2; i++) {
		if (!ctl->report[i].done) {
			char said[600];
			snprintf(said, sizeof(said), "; the %s said: %.*s", p[i ^ 1].role,
				 (int)sizeof(ctl->report[0].error),
				 ctl->report[i ^ 1].error[0] ? ctl->report[i ^ 1].error
							     : "nothing");
			r->status = died(&p[i], out->diagnosis, sizeof(out->diagnosis), said);
			return;
		}
	}
	/* Both ended: a finding before a symptom ("the consumer closed"). */
	for (int k = 0; k < 4; k++) {
		int i = k & 1;
		const struct bench_report *rep = &ctl->report[i];
		int st = p[i].status;
		if (k < 2 && rep->symptom)
			continue;
		if (rep->status || !rep->done || !WIFEXITED(st) || WEXITSTATUS(st)) {
			r->status =
			    reported(p, ctl, i, rep->status ? rep->status : BENCH_VISIBILITY, r->ov,
				     r->nov, out);
			return;
		}
	}
	fill_run(c, ctl, out);
	if (out->messages == 0 || out->seconds <= 0) {
		/* Nothing was measured: a figure of 0 would read as a result. */
		snprintf(out->diagnosis, sizeof(out->diagnosis),
			 "the measured window held no %s (%" PRIu64
			 " warm-up; give it more --messages or --duration)",
			 c->mode == MODE_PINGPONG ? "round trips" : "messages", c->warmup);
		r->status = BENCH_USAGE;
	}
}

/* On every path: no worker outlives the run, and every descriptor, mapping
 * and name it made is gone. */
static void run_teardown(struct run *r)
{
	kill_all(r->p);
	for (int i = 0; i < 2; i++)
		if (r->p[i].say >= 0)
			close(r->p[i].say);
	r->o.status = r->status;
	objects_free(r->t, &r->o);
	if (r->ctl != MAP_FAILED)
		munmap(r->ctl, sizeof(*r->ctl));
	if (r->ctl_fd >= 0)
		close(r->ctl_fd);
}

int bench_run_case(const struct bench_case *c, const struct bench_limits *lim,
		   struct bench_run *out)
{
	memset(out, 0, sizeof(*out));
	bool pp = c->mode == MODE_PINGPONG;
	struct run r = {.c = c,
			.lim = lim,
			.out = out,
			.t = transport_get(c->transport),
			/* fds at -1 before anything can fail: objects_free() closes them. */
			.o = {.fds = {-1, -1, -1, -1}},
			.p = {{.role = pp ? "client" : "producer", .pidfd = -1, .say = -1},
			      {.role = pp ? "server" : "consumer", .pidfd = -1, .say = -1}},
			.ctl_fd = -1,
			.ctl = MAP_FAILED,
			/* Workers give up a little after the watchdog would have fired. */
			.worker_timeout = 3 * lim->stall_ns,
			.status = BENCH_PASS};
	if (run_create(&r) && run_spawn(&r) && run_start(&r) && run_watch(&r))
		run_outcome(&r);
	run_teardown(&r);
	out->status = r.status;
	return r.status;
}
