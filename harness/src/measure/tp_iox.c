/* tp_iox.c: the `iceoryx` reference: Eclipse iceoryx 2.0 through its C
 * binding (Debian's libiceoryx-binding-c-dev), a publisher in one pinned
 * worker and a subscriber in the other, messages loaned from iceoryx's
 * shared memory and written and checked in place (zero copy).
 *
 * iceoryx needs its daemon, RouDi (Debian's iceoryx package).  The harness
 * starts one for the run, on a config of its own (mempools for messages up
 * to 64 KiB) written to a folder of the run, /tmp/ringbench-roudi.PID.XXXXXX,
 * through a small supervisor process that stops it when the harness exits
 * or dies (and, should RouDi hang in its shutdown, kills it and removes its
 * shared memory).  RouDi 2.0 has one name per machine (/tmp/roudi): when
 * another RouDi already runs, this transport is skipped, never shared with
 * someone else's daemon.
 *
 * iceoryx talks on its own: RouDi on its stdout, the workers' runtime
 * through its logger and, for a failed system call, straight to std::cerr
 * (iceoryx 2.0 reads no IOX_LOG_LEVEL, and iox_set_loglevel reaches only
 * the logger).  None of it goes among the harness's output: RouDi's and
 * the workers' stdout and stderr go to the folder's iceoryx.log.  The
 * folder goes at the end of the run on every path: the harness removes it
 * at exit (an interrupted run exits too), the supervisor when the harness
 * dies, and, should both be killed, the next run's bench_sweep_stale
 * (runner.c) once its owner's pid is gone.  When an iceoryx case failed or
 * RouDi did not start, the log first moves out of the folder to a name of
 * its own, /tmp/ringbench-iceoryx-XXXXXX.log, which the harness prints; no
 * sweep touches it.
 *
 * The library is C++; ringbench links no C++ (it makes every process start
 * slower), so the worker loads libiceoryx_binding_c with dlopen when it
 * opens this transport, and the headers only give the types.
 *
 * The publisher waits for its subscriber before the first message and
 * blocks when the subscriber's queue is full (WAIT_FOR_CONSUMER with
 * BLOCK_PRODUCER), so nothing is dropped; the queue holds the ring's
 * capacity in messages, at most iceoryx's 256.  The end of a stream is a
 * last message whose sequence word is all ones (no real message has it).
 * Spin only: the subscriber polls take_chunk.
 *
 * Stream, latency and pingpong (a second publisher and subscriber for the
 * replies). */
#include "measure/transport.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef RINGBENCH_HAVE_ICEORYX
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <dirent.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <iceoryx_binding_c/log.h>
#include <iceoryx_binding_c/publisher.h>
#include <iceoryx_binding_c/runtime.h>
#include <iceoryx_binding_c/subscriber.h>

#define IOX_LIB	      "libiceoryx_binding_c.so.2"
#define IOX_MAX_SIZE  65536	 /* the largest message in RouDi's config */
#define IOX_QUEUE_MAX 256	 /* iceoryx 2.0's MAX_SUBSCRIBER_QUEUE_CAPACITY */
#define IOX_END	      UINT64_MAX /* the sequence word of the end mark */
#define ROUDI_LOCK    "/tmp/iox-unique-roudi.lock"
#define IOX_LOG_ENV   "RINGBENCH_IOX_LOG" /* the log, for the workers */

/* ---- the harness's side: RouDi for the run ---- */

static struct {
	pid_t pid;
	char dir[64]; /* /tmp/ringbench-roudi.PID.XXXXXX: the config and the log */
	char log[96]; /* DIR/iceoryx.log: RouDi's and the workers' output */
	bool tried;
	bool failed;   /* an iceoryx case failed: the log is kept and named */
	char why[420]; /* why it could not start */
} roudi;

static const char *roudi_prog(void)
{
	const char *p = getenv("RINGBENCH_IOX_ROUDI");
	return p && *p ? p : "iox-roudi";
}

static bool in_path(const char *prog)
{
	if (strchr(prog, '/'))
		return access(prog, X_OK) == 0;
	const char *path = getenv("PATH");
	char buf[4096];
	for (const char *p = path ? path : "/usr/bin:/bin"; *p;) {
		size_t n = strcspn(p, ":");
		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, p, prog);
		if (access(buf, X_OK) == 0)
			return true;
		p += n + (p[n] == ':');
	}
	return false;
}

/* The binding's library is installed (not loaded: it is C++). */
static bool lib_present(void)
{
	static const char *const dirs[] = {"/usr/lib/x86_64-linux-gnu",
					   "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib",
					   "/usr/local/lib"};
	char p[256];
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dirs[i], IOX_LIB);
		if (access(p, R_OK) == 0)
			return true;
	}
	return false;
}

/* Another RouDi holds its lock file (one we may not even open is someone
 * else's too). */
static bool other_roudi(void)
{
	int fd = open(ROUDI_LOCK, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno != ENOENT;
	bool held = flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK;
	if (!held)
		flock(fd, LOCK_UN);
	close(fd);
	return held;
}

static void rm_dir(void)
{
	if (!roudi.dir[0])
		return;
	char p[128];
	snprintf(p, sizeof(p), "%s/roudi.toml", roudi.dir);
	unlink(p);
	unlink(roudi.log);
	rmdir(roudi.dir);
	roudi.dir[0] = 0;
}

/* Something failed: the log leaves the folder (which goes on every path)
 * for a name of its own in /tmp, written into kept for the caller to
 * print; NULL when there is none to keep. */
static const char *keep_log(char *kept, size_t n)
{
	if (!roudi.dir[0] || access(roudi.log, F_OK) != 0)
		return NULL;
	char name[] = "/tmp/ringbench-iceoryx-XXXXXX.log";
	int fd = mkstemps(name, 4);
	if (fd < 0)
		return NULL;
	close(fd);
	if (rename(roudi.log, name) < 0) {
		unlink(name);
		return NULL;
	}
	snprintf(kept, n, "%s", name);
	return kept;
}

/* The harness's end of the supervisor's pipe: closing it (at exit, or by
 * dying) tells the supervisor to stop RouDi. */
static int roudi_pipe = -1;

/* RouDi stopped, and its supervisor with it.  The byte "k" first tells the
 * supervisor that the harness lives and removes the folder itself. */
static void supervisor_stop(void)
{
	if (roudi.pid <= 0)
		return;
	ssize_t k = write(roudi_pipe, "k", 1);
	(void)k; /* a supervisor already gone is what the waitpid finds */
	close(roudi_pipe);
	roudi_pipe = -1;
	waitpid(roudi.pid, NULL, 0); /* the supervisor gives up on RouDi after 5 s */
	roudi.pid = 0;
}

/* At exit: RouDi stopped; when an iceoryx case failed, the log kept and
 * named; the folder removed. */
static void roudi_stop(void)
{
	supervisor_stop();
	unsetenv(IOX_LOG_ENV);
	char kept[64];
	if (roudi.failed && keep_log(kept, sizeof(kept)))
		fprintf(stderr,
			"ringbench: an iceoryx case failed; RouDi's and its workers' log: %s\n",
			kept);
	rm_dir();
}

/* RouDi did not start: why (what, and the log kept and named), and
 * nothing left of it. */
static int start_failed(const char *what, const char *last)
{
	supervisor_stop();
	char kept[64];
	const char *log = keep_log(kept, sizeof(kept));
	snprintf(roudi.why, sizeof(roudi.why), "%.60s %s: %.200s%s%s", roudi_prog(), what,
		 last[0] ? last : "no message", log ? "; its log: " : "", log ? log : "");
	rm_dir();
	return -1;
}

/* RouDi's shared memory and socket, when it could not remove them: the
 * management segment, the message segment (named after the writer group,
 * which for the default config is the user's group), /tmp/roudi. */
static void unlink_segments(void)
{
	shm_unlink("/iceoryx_mgmt");
	struct group *gr = getgrgid(getegid());
	struct passwd *pw = getpwuid(geteuid());
	char name[300];
	if (gr) {
		snprintf(name, sizeof(name), "/%s", gr->gr_name);
		shm_unlink(name);
	}
	if (pw) {
		snprintf(name, sizeof(name), "/%s", pw->pw_name);
		shm_unlink(name);
	}
	unlink("/tmp/roudi");
	unlink("/tmp/roudi.lock");
}

/* Each worker's runtime leaves a socket /tmp/ringbench-PID (and its .lock)
 * when it is killed: those of processes that are gone are removed. */
static void sweep_worker_sockets(void)
{
	DIR *d = opendir("/tmp");
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		char *end;
		if (strncmp(e->d_name, "ringbench-", 10) != 0)
			continue;
		long pid = strtol(e->d_name + 10, &end, 10);
		if (end == e->d_name + 10 || pid <= 0 || (*end && strcmp(end, ".lock") != 0))
			continue;
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		char p[300];
		snprintf(p, sizeof(p), "/tmp/%s", e->d_name);
		unlink(p);
	}
	closedir(d);
}

/* The supervisor, a child of the harness: runs RouDi, and when the harness
 * closes the pipe or dies, stops it.  RouDi told to stop while its clients
 * are being killed (the harness killed, its workers with it) can hang in
 * its shutdown, or abort in it, and keep its shared memory: after 5 s it
 * is killed, and when it did not end well its segments, which were its own
 * (no other RouDi ran when it started), are removed.  A harness that
 * dies leaves the run's folder to us; one that stops us says "k" first,
 * and removes the folder itself (keeping the log when a case failed). */
static void supervise(int rd, const char *dir, const char *cfg, const char *log)
{
	signal(SIGTERM, SIG_IGN); /* only the pipe stops us */
	signal(SIGINT, SIG_IGN);
	/* A process group of our own, RouDi's too: a terminal's Ctrl-C must not
	 * stop RouDi (which would then stop the workers) in mid-measurement;
	 * the harness ends the run and closes the pipe. */
	setpgid(0, 0);
	/* Hold none of the caller's output open: $(ringbench ...) ends when
	 * ringbench does. */
	int null = open("/dev/null", O_RDWR);
	if (null >= 0)
		for (int i = 0; i < 3; i++)
			dup2(null, i);
	pid_t pid = fork();
	if (pid == 0) {
		close(rd);
		/* Appended to: the workers add to it. */
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		execlp(roudi_prog(), "iox-roudi", "-c", cfg, "-m", "on", "-l", "warning",
		       (char *)NULL);
		dprintf(2, "cannot run %s: %s\n", roudi_prog(), strerror(errno));
		_exit(127);
	}
	if (pid < 0)
		_exit(1);
	bool harness_cleans = false;
	for (;;) {
		struct pollfd p = {.fd = rd, .events = POLLIN};
		int n = poll(&p, 1, 200);
		if (waitpid(pid, NULL, WNOHANG) == pid)
			_exit(1); /* RouDi stopped by itself: the harness sees us go */
		char c;
		if (n > 0) {
			if (read(rd, &c, 1) <= 0)
				break; /* the harness is done, or dead */
			harness_cleans |= c == 'k';
		}
	}
	kill(pid, SIGTERM);
	bool gone = false;
	int st = 0;
	for (int i = 0; i < 500 && !gone; i++) {
		gone = waitpid(pid, &st, WNOHANG) == pid;
		if (!gone)
			usleep(10000);
	}
	if (!gone) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
	/* RouDi 2.0 told to stop while it still lists clients that were
	 * killed (an interrupted or failed case) fails to stop them and
	 * aborts, keeping its shared memory too. */
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		unlink_segments();
	sweep_worker_sockets();
	if (!harness_cleans) {
		unlink(cfg);
		unlink(log);
		rmdir(dir);
	}
	_exit(0);
}

static bool log_says(const char *log, const char *what, char *last, size_t n)
{
	FILE *f = fopen(log, "r");
	if (!f)
		return false;
	char line[512];
	bool found = false;
	while (fgets(line, sizeof(line), f)) {
		found |= strstr(line, what) != NULL;
		line[strcspn(line, "\n")] = 0;
		if (*line)
			snprintf(last, n, "%.200s", line);
	}
	fclose(f);
	return found;
}

static int roudi_start(void)
{
	/* The owner's pid in the name: a stale folder is one whose owner is
	 * gone (bench_sweep_stale). */
	snprintf(roudi.dir, sizeof(roudi.dir), "/tmp/ringbench-roudi.%d.XXXXXX", (int)getpid());
	if (!mkdtemp(roudi.dir)) {
		roudi.dir[0] = 0;
		snprintf(roudi.why, sizeof(roudi.why), "cannot make a folder in /tmp: %s",
			 strerror(errno));
		return -1;
	}
	char cfg[128];
	snprintf(cfg, sizeof(cfg), "%s/roudi.toml", roudi.dir);
	snprintf(roudi.log, sizeof(roudi.log), "%s/iceoryx.log", roudi.dir);
	const char *log = roudi.log;
	FILE *f = fopen(cfg, "w");
	if (!f) {
		snprintf(roudi.why, sizeof(roudi.why), "%s: %s", cfg, strerror(errno));
		rm_dir();
		return -1;
	}
	/* A chunk is the message and iceoryx's header (40 bytes in 2.0);
	 * 1,024 of each size covers two full queues and the loans. */
	fprintf(f, "# ringbench's own RouDi config: messages up to 64 KiB\n"
		   "[general]\nversion = 1\n\n[[segment]]\n");
	static const unsigned sizes[] = {128, 1088, 4160, 16448, IOX_MAX_SIZE + 64};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		fprintf(f, "\n[[segment.mempool]]\nsize = %u\ncount = %u\n", sizes[i],
			sizes[i] > 20000 ? 600 : 1024);
	fclose(f);
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0) {
		snprintf(roudi.why, sizeof(roudi.why), "pipe: %s", strerror(errno));
		rm_dir();
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(roudi.why, sizeof(roudi.why), "fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		rm_dir();
		return -1;
	}
	if (pid == 0) {
		close(fds[1]);
		supervise(fds[0], roudi.dir, cfg, log);
	}
	close(fds[0]);
	roudi_pipe = fds[1];
	roudi.pid = pid;
	atexit(roudi_stop);
	char last[300] = "";
	for (int i = 0; i < 1000; i++) { /* 10 s */
		if (log_says(log, "RouDi is ready for clients", last, sizeof(last))) {
			/* The workers add their iceoryx output to the log. */
			setenv(IOX_LOG_ENV, log, 1);
			return 0;
		}
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			roudi.pid = 0;
			close(roudi_pipe);
			roudi_pipe = -1;
			return start_failed("exited", last);
		}
		usleep(10000);
	}
	return start_failed("not ready after 10 s", last);
}

/* Whether iceoryx can run here.  The first call with start starts RouDi,
 * so that a RouDi that cannot start is a skip said before anything is
 * measured, and RouDi runs through the whole run rather than from its
 * middle; a call without (--list) only looks for the library, the program
 * and another RouDi's lock.  (The library is not loaded here: ringbench
 * links no C++, and a missing one is a file that is not there.) */
static const char *unavailable(bool start)
{
	if (roudi.tried)
		return roudi.pid > 0 ? NULL : roudi.why;
	roudi.tried = start;
	if (!lib_present())
		snprintf(roudi.why, sizeof(roudi.why), "no %s (Debian's libiceoryx-binding-c2)",
			 IOX_LIB);
	else if (!in_path(roudi_prog()))
		snprintf(roudi.why, sizeof(roudi.why), "no %.200s (Debian's iceoryx package)",
			 roudi_prog());
	else if (other_roudi())
		snprintf(roudi.why, sizeof(roudi.why),
			 "another RouDi is running on this machine; ringbench starts its own "
			 "and does not share one");
	else if (start)
		roudi_start();
	else
		return NULL;
	return roudi.pid > 0 ? NULL : roudi.why;
}

static int create(const struct bench_case *c, struct tp_objects *o, char *err, size_t n)
{
	(void)o;
	if (c->size > IOX_MAX_SIZE) {
		snprintf(err, n, "iceoryx: messages up to %d bytes in ringbench's RouDi config",
			 IOX_MAX_SIZE);
		return -EINVAL;
	}
	const char *why = unavailable(true);
	if (!why && waitpid(roudi.pid, NULL, WNOHANG) == roudi.pid) {
		/* The supervisor leaves when RouDi does. */
		roudi.pid = 0;
		snprintf(roudi.why, sizeof(roudi.why), "RouDi stopped during the run");
		why = roudi.why;
	}
	if (why) {
		snprintf(err, n, "iceoryx: %s", why);
		return -ENOENT;
	}
	return 0;
}

/* A case that failed (not one the user interrupted): the log is kept and
 * named at the end of the run. */
static void destroy(struct tp_objects *o)
{
	if (o->status != BENCH_PASS && !bench_interrupted)
		roudi.failed = true;
}

/* ---- the worker's side ---- */

static struct {
	__typeof__(iox_set_loglevel) *set_loglevel;
	__typeof__(iox_runtime_init) *runtime_init;
	__typeof__(iox_runtime_shutdown) *runtime_shutdown;
	__typeof__(iox_pub_options_init) *pub_options_init;
	__typeof__(iox_pub_init) *pub_init;
	__typeof__(iox_pub_deinit) *pub_deinit;
	__typeof__(iox_pub_loan_chunk) *pub_loan_chunk;
	__typeof__(iox_pub_publish_chunk) *pub_publish_chunk;
	__typeof__(iox_pub_has_subscribers) *pub_has_subscribers;
	__typeof__(iox_sub_options_init) *sub_options_init;
	__typeof__(iox_sub_init) *sub_init;
	__typeof__(iox_sub_deinit) *sub_deinit;
	__typeof__(iox_sub_take_chunk) *sub_take_chunk;
	__typeof__(iox_sub_release_chunk) *sub_release_chunk;
} api;

static int load(struct tp_worker *w)
{
	if (api.sub_release_chunk)
		return 0;
	void *lib = dlopen(IOX_LIB, RTLD_NOW | RTLD_LOCAL);
	if (!lib)
		return tp_fail(w, -ENOENT, "iceoryx: %s", dlerror());
	struct {
		void **fn;
		const char *name;
	} syms[] = {
#define SYM(f) {(void **)&api.f, "iox_" #f}
	    SYM(set_loglevel),	   SYM(runtime_init),	   SYM(runtime_shutdown),
	    SYM(pub_options_init), SYM(pub_init),	   SYM(pub_deinit),
	    SYM(pub_loan_chunk),   SYM(pub_publish_chunk), SYM(pub_has_subscribers),
	    SYM(sub_options_init), SYM(sub_init),	   SYM(sub_deinit),
	    SYM(sub_take_chunk),   SYM(sub_release_chunk),
#undef SYM
	};
	for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++)
		if (!(*syms[i].fn = dlsym(lib, syms[i].name)))
			return tp_fail(w, -ENOENT, "iceoryx: %s has no %s", IOX_LIB, syms[i].name);
	return 0;
}

struct iox {
	bool runtime;
	iox_pub_storage_t pub_storage;
	iox_sub_storage_t sub_storage;
	iox_pub_t pub;
	iox_sub_t sub;
	void *loan;	   /* the message being written */
	const void *taken; /* the message being read */
};

static int open_end(struct tp_worker *w)
{
	struct iox *x = calloc(1, sizeof(*x));
	if (!x)
		return tp_fail(w, -ENOMEM, "out of memory");
	w->impl = x;
	/* iceoryx's own output (its logger, and its POSIX wrappers' errors
	 * on std::cerr, up to the runtime's destructor at exit) goes to the
	 * run's log, not among the harness's: this process writes nothing
	 * else to stdout or stderr from here on (its word to the harness
	 * goes through the control block and the status pipe). */
	const char *log = getenv(IOX_LOG_ENV);
	int fd = log && *log ? open(log, O_WRONLY | O_APPEND | O_CLOEXEC) : -1;
	if (fd >= 0) {
		fflush(stdout);
		fflush(stderr);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		close(fd);
	}
	int rc = load(w);
	if (rc)
		return rc;
	api.set_loglevel(Iceoryx_LogLevel_Warn);
	char app[64];
	snprintf(app, sizeof(app), "ringbench-%d", (int)getpid());
	api.runtime_init(app);
	x->runtime = true;
	/* The service's instance is the case's object name, so two cases
	 * never meet; event "a" carries producer (client) to consumer
	 * (server), "b" the replies. */
	const char *inst = w->name[0] == '/' ? w->name + 1 : w->name;
	bool two = w->c->mode == MODE_PINGPONG;
	const char *out = w->producer ? "a" : (two ? "b" : NULL);
	const char *in = w->producer ? (two ? "b" : NULL) : "a";
	if (in) {
		iox_sub_options_t so;
		api.sub_options_init(&so);
		uint64_t q = w->c->capacity / ((w->c->size + 63) & ~(size_t)63);
		so.queueCapacity = q < 1 ? 1 : q > IOX_QUEUE_MAX ? IOX_QUEUE_MAX : q;
		so.queueFullPolicy = QueueFullPolicy_BLOCK_PRODUCER;
		x->sub = api.sub_init(&x->sub_storage, "ringbench", inst, in, &so);
		if (!x->sub)
			return tp_fail(w, -EIO, "iceoryx: cannot make the subscriber");
	}
	if (out) {
		iox_pub_options_t po;
		api.pub_options_init(&po);
		po.subscriberTooSlowPolicy = ConsumerTooSlowPolicy_WAIT_FOR_CONSUMER;
		x->pub = api.pub_init(&x->pub_storage, "ringbench", inst, out, &po);
		if (!x->pub)
			return tp_fail(w, -EIO, "iceoryx: cannot make the publisher");
		/* Nothing is sent before the subscriber is there to get it. */
		int64_t deadline = sys_now_ns() + w->timeout_ns;
		while (!api.pub_has_subscribers(x->pub)) {
			if (sys_now_ns() > deadline)
				return tp_fail(w, -ETIMEDOUT, "iceoryx: no subscriber for %lld ms",
					       (long long)(w->timeout_ns / 1000000));
			usleep(200);
		}
	}
	return 0;
}

/* A loan, or a reason to stop trying: only running out of chunks (the
 * subscriber still holds them) is worth waiting for. */
struct loan {
	struct iox *x;
	size_t size;
	enum iox_AllocationResult r;
};

static bool loaned(void *arg)
{
	struct loan *l = arg;
	l->r = api.pub_loan_chunk(l->x->pub, &l->x->loan, (uint32_t)l->size);
	return l->r != AllocationResult_RUNNING_OUT_OF_CHUNKS;
}

static int reserve(struct tp_worker *w, void **buf)
{
	struct iox *x = w->impl;
	struct loan l = {x, w->c->size, AllocationResult_UNDEFINED_ERROR};
	int rc = tp_spin_until(w, loaned, &l, NULL);
	if (rc)
		return tp_fail(w, rc, "iceoryx: out of chunks for %lld ms",
			       (long long)(w->timeout_ns / 1000000));
	if (l.r != AllocationResult_SUCCESS)
		return tp_fail(w, -EIO, "iceoryx: cannot loan a chunk of %zu bytes (%d)",
			       w->c->size, (int)l.r);
	*buf = x->loan;
	return 0;
}

static int publish(struct tp_worker *w)
{
	struct iox *x = w->impl;
	api.pub_publish_chunk(x->pub, x->loan);
	x->loan = NULL;
	return 0;
}

static bool took(void *arg)
{
	struct iox *x = arg;
	return api.sub_take_chunk(x->sub, &x->taken) == ChunkReceiveResult_SUCCESS;
}

static int recv_msg(struct tp_worker *w, const void **msg, size_t *len)
{
	struct iox *x = w->impl;
	int rc = tp_spin_until(w, took, x, NULL);
	if (rc)
		return rc;
	uint64_t seq;
	memcpy(&seq, x->taken, sizeof(seq));
	if (seq == IOX_END) {
		api.sub_release_chunk(x->sub, x->taken);
		x->taken = NULL;
		return -EPIPE;
	}
	*msg = x->taken;
	*len = w->c->size;
	return 0;
}

static void release(struct tp_worker *w)
{
	struct iox *x = w->impl;
	api.sub_release_chunk(x->sub, x->taken);
	x->taken = NULL;
}

static void close_out(struct tp_worker *w)
{
	struct iox *x = w->impl;
	void *buf = NULL; /* set when reserve() succeeds; the compiler cannot tell */
	if (!x || !x->pub || reserve(w, &buf))
		return;
	uint64_t end = IOX_END;
	memcpy(buf, &end, sizeof(end));
	publish(w);
}

static void close_end(struct tp_worker *w)
{
	struct iox *x = w->impl;
	if (!x)
		return;
	if (x->pub)
		api.pub_deinit(x->pub);
	if (x->sub)
		api.sub_deinit(x->sub);
	/* The runtime itself goes at exit: its destructor removes its socket
	 * and that socket's lock file, /tmp/ringbench-PID and .lock (removing
	 * them here made it fail, and say so, on std::cerr).  Those of a
	 * worker killed instead are swept by RouDi's supervisor. */
	if (x->runtime)
		api.runtime_shutdown();
	free(x);
	w->impl = NULL;
}

const struct transport transport_iox = {
    .name = "iceoryx",
    .about = "Eclipse iceoryx: publisher and subscriber, zero-copy loans, its own RouDi",
    .modes = 1u << MODE_STREAM | 1u << MODE_PINGPONG | 1u << MODE_LATENCY,
    .unavailable = unavailable,
    .max_size = IOX_MAX_SIZE,
    .create = create,
    .destroy = destroy,
    .open = open_end,
    .reserve = reserve,
    .publish = publish,
    .recv = recv_msg,
    .release = release,
    .close_out = close_out,
    .close = close_end,
};

#else

static const char *unavailable(bool start)
{
	(void)start;
	return "built without iceoryx's C binding (Debian's libiceoryx-binding-c-dev)";
}

const struct transport transport_iox = {
    .name = "iceoryx",
    .about = "Eclipse iceoryx (not in this build: no libiceoryx-binding-c-dev)",
    .modes = 1u << MODE_STREAM | 1u << MODE_PINGPONG | 1u << MODE_LATENCY,
    .unavailable = unavailable,
};

#endif
