/* evidence.c: stall and barrier diagnoses from /proc and the workers' own
 * pipes (evidence.h). */
#include "evidence.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void evidence_mapping(pid_t pid, const char *path, struct mapinfo *m)
{
	memset(m, 0, sizeof(*m));
	char maps[64], line[600];
	snprintf(maps, sizeof(maps), "/proc/%d/maps", (int)pid);
	FILE *f = fopen(maps, "r");
	if (!f)
		return;
	size_t pl = strlen(path);
	bool exact = false;
	while (fgets(line, sizeof(line), f)) {
		char perms[8], dev[16], file[320] = "";
		unsigned long long inode;
		int off = 0;
		if (sscanf(line, "%*s %7s %*s %15s %llu %n", perms, dev, &inode, &off) != 3 || !off)
			continue;
		snprintf(file, sizeof(file), "%s", line + off);
		file[strcspn(file, "\n")] = 0;
		if (strncmp(file, path, pl) != 0)
			continue;
		/* The name itself, or "NAME (deleted)": the object.  A longer
		 * name: a copy of it, kept only if nothing exact turns up. */
		bool is_exact = file[pl] == 0 || file[pl] == ' ';
		if (m->found && (exact || !is_exact))
			continue;
		m->found = true;
		exact = is_exact;
		m->shared = perms[3] == 's';
		snprintf(m->dev, sizeof(m->dev), "%s", dev);
		m->inode = inode;
		snprintf(m->file, sizeof(m->file), "%s", file);
	}
	fclose(f);
}

void evidence_proc(pid_t pid, struct procinfo *p)
{
	memset(p, 0, sizeof(*p));
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	size_t k = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[k] = 0;
	/* "pid (comm) S ppid ..." where comm may hold spaces and parentheses. */
	char *rp = strrchr(buf, ')');
	if (!rp)
		return;
	unsigned long long utime = 0, stime = 0;
	char state = 0;
	if (sscanf(rp + 2, "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &state, &utime,
		   &stime) != 3)
		return;
	long hz = sysconf(_SC_CLK_TCK);
	p->alive = true;
	p->state = state;
	p->cpu_ms = (double)(utime + stime) * 1000.0 / (double)(hz > 0 ? hz : 100);
}

const char *evidence_state_name(char s)
{
	switch (s) {
	case 'R': return "running (state R)";
	case 'S': return "sleeping (state S)";
	case 'D': return "in uninterruptible sleep (state D)";
	case 'T': return "stopped by a signal (state T)";
	case 't': return "stopped by a debugger (state t)";
	case 'Z': return "dead, not yet reaped (state Z)";
	case 'X': return "dead (state X)";
	default: return "in an unknown state";
	}
}

static size_t add(char *out, size_t n, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static size_t add(char *out, size_t n, size_t len, const char *fmt, ...)
{
	if (len >= n)
		return len;
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(out + len, n - len, fmt, ap);
	va_end(ap);
	return k < 0 ? len : len + (size_t)k;
}

/* What every worker maps of every object; which object is private in
 * whom, and which one is two objects. */
struct maps_view {
	struct mapinfo m[2][8];
	int private_obj, private_who; /* -1: none */
	int split_obj;		      /* -1: none */
};

static void look(const struct worker_view w[2], const struct object_view *obj, int nobj,
		 struct maps_view *v)
{
	memset(v, 0, sizeof(*v));
	v->private_obj = v->private_who = v->split_obj = -1;
	for (int k = 0; k < nobj && k < 8; k++) {
		for (int i = 0; i < 2; i++)
			if (!w[i].reaped)
				evidence_mapping(w[i].pid, obj[k].path, &v->m[i][k]);
		for (int i = 0; i < 2; i++)
			if (v->m[i][k].found && !v->m[i][k].shared && v->private_obj < 0) {
				v->private_obj = k;
				v->private_who = i;
			}
		if (v->m[0][k].found && v->m[1][k].found &&
		    (v->m[0][k].inode != v->m[1][k].inode ||
		     strcmp(v->m[0][k].dev, v->m[1][k].dev) != 0) &&
		    v->split_obj < 0)
			v->split_obj = k;
	}
}

static size_t maps_lines(const struct worker_view w[2], const struct object_view *obj, int nobj,
			 const struct maps_view *v, char *out, size_t n, size_t len)
{
	for (int k = 0; k < nobj && k < 8; k++)
		for (int i = 0; i < 2; i++) {
			const struct mapinfo *m = &v->m[i][k];
			if (w[i].reaped)
				len = add(out, n, len, "\n  %s has exited", w[i].role);
			else if (m->found)
				len = add(out, n, len,
					  "\n  %s (pid %d) maps %s dev %s inode %llu %s (%s)",
					  w[i].role, (int)w[i].pid, m->file, m->dev, m->inode,
					  m->shared ? "shared" : "PRIVATE", obj[k].what);
			else
				len = add(out, n, len, "\n  %s (pid %d) does not map %s (%s)",
					  w[i].role, (int)w[i].pid, obj[k].path, obj[k].what);
		}
	return len;
}

static size_t procs_lines(const struct worker_view w[2], const struct procinfo p0[2],
			  const struct procinfo p1[2], double ms, char *out, size_t n, size_t len)
{
	for (int i = 0; i < 2; i++) {
		if (!p1[i].alive) {
			len = add(out, n, len, "\n  %s (pid %d): gone", w[i].role, (int)w[i].pid);
			continue;
		}
		len = add(out, n, len, "\n  %s (pid %d) is %s, %.0f ms of CPU in the last %.0f ms",
			  w[i].role, (int)w[i].pid, evidence_state_name(p1[i].state),
			  p1[i].cpu_ms - p0[i].cpu_ms, ms);
	}
	return len;
}

static size_t private_why(const struct worker_view w[2], const struct object_view *obj,
			  const struct maps_view *v, char *out, size_t n, size_t len)
{
	return add(out, n, len,
		   "\n  diagnosis: %s maps %s PRIVATE (copy-on-write): it writes its own copy and "
		   "never sees the other process's writes, nor they its own.  Map it MAP_SHARED "
		   "(look for MAP_PRIVATE, an LD_PRELOAD wrapper, or a policy rewriting mmap)",
		   w[v->private_who].role, obj[v->private_obj].what);
}

static size_t split_why(const struct worker_view w[2], const struct object_view *obj,
			const struct maps_view *v, char *out, size_t n, size_t len)
{
	int k = v->split_obj;
	return add(out, n, len,
		   "\n  diagnosis: two different objects: %s maps %s dev:inode %s:%llu, %s maps %s "
		   "dev:inode %s:%llu.  One side re-created, truncated or copied %s after the "
		   "other opened it, or they use different names",
		   w[0].role, v->m[0][k].file, v->m[0][k].dev, v->m[0][k].inode, w[1].role,
		   v->m[1][k].file, v->m[1][k].dev, v->m[1][k].inode, obj[k].what);
}

/* A private mapping or two different objects, said; false if neither. */
static bool mapping_why(const struct worker_view w[2], const struct object_view *obj,
			const struct maps_view *v, char *out, size_t n, size_t len)
{
	if (v->private_obj >= 0)
		private_why(w, obj, v, out, n, len);
	else if (v->split_obj >= 0)
		split_why(w, obj, v, out, n, len);
	return v->private_obj >= 0 || v->split_obj >= 0;
}

/* Two samples of both workers' state, 100 ms apart. */
static void sample(const struct worker_view w[2], struct procinfo p0[2], struct procinfo p1[2])
{
	for (int i = 0; i < 2; i++)
		evidence_proc(w[i].pid, &p0[i]);
	struct timespec ts = {0, 100000000};
	nanosleep(&ts, NULL);
	for (int i = 0; i < 2; i++)
		evidence_proc(w[i].pid, &p1[i]);
}

static bool stopped(char s)
{
	return s == 'T' || s == 't';
}

int diagnose_stall(const struct worker_view w[2], const struct object_view *obj, int nobj,
		   uint64_t sent, uint64_t seen, bool blocking, int64_t stalled_ns, char *out,
		   size_t n)
{
	struct procinfo p0[2], p1[2];
	sample(w, p0, p1);
	struct maps_view v;
	look(w, obj, nobj, &v);
	size_t len = add(out, n, 0,
			 "stall: no progress for %lld ms: the %s had published %" PRIu64
			 " messages, the %s had seen %" PRIu64 " (counted in steps of 64)",
			 (long long)(stalled_ns / 1000000), w[0].role, sent, w[1].role, seen);
	len = procs_lines(w, p0, p1, 100, out, n, len);
	len = maps_lines(w, obj, nobj, &v, out, n, len);
	/* Not running is not a visibility failure: say who and why. */
	for (int i = 0; i < 2; i++)
		if (p1[i].alive && (stopped(p1[i].state) || p1[i].state == 'Z')) {
			add(out, n, len,
			    "\n  diagnosis: the %s is %s: it made no progress because it is not "
			    "running, not because a write failed to cross (the %s had seen %" PRIu64
			    " of the %" PRIu64 " the %s published, in steps of 64)",
			    w[i].role, evidence_state_name(p1[i].state), w[1].role, seen, sent,
			    w[0].role);
			return 2;
		}
	if (mapping_why(w, obj, &v, out, n, len))
		return 3;
	for (int i = 0; i < 2; i++)
		if (p1[i].alive && p1[i].state == 'R' && p1[i].cpu_ms - p0[i].cpu_ms < 5) {
			add(out, n, len,
			    "\n  diagnosis: the %s is runnable but got %.0f ms of CPU in 100 ms: "
			    "starved (another process on its CPU, or a CPU quota), not a "
			    "visibility "
			    "failure",
			    w[i].role, p1[i].cpu_ms - p0[i].cpu_ms);
			return 2;
		}
	if (sent > seen) {
		add(out, n, len,
		    "\n  diagnosis: published and never seen, with both processes mapping the same "
		    "object shared: suspect a missing release/acquire pair, a header or index "
		    "copied out of shared memory, or a wake that never reaches the other process "
		    "(FUTEX_PRIVATE_FLAG)");
		return 3;
	}
	if (blocking && p1[0].state == 'S' && p1[1].state == 'S') {
		add(out, n, len,
		    "\n  diagnosis: both sides sleep and neither is woken: a wake that never "
		    "reaches the other process (a FUTEX_PRIVATE_FLAG wake, an eventfd that is "
		    "not the one the other side waits on)");
		return 3;
	}
	add(out, n, len,
	    "\n  diagnosis: the %s saw everything the %s published, and the %s, still running, "
	    "publishes nothing more: it waits for something the %s did that never reached it "
	    "(room in the ring, or the reply): the same suspects, in the other direction",
	    w[1].role, w[0].role, w[0].role, w[1].role);
	return 3;
}

int diagnose_barrier(const struct worker_view w[2], const struct object_view *obj, int nobj,
		     int64_t waited_ns, char *out, size_t n)
{
	/* A worker's own error, relayed: it says best what it could not do. */
	for (int i = 0; i < 2; i++)
		if (strncmp(w[i].said, "error ", 6) == 0) {
			int code = atoi(w[i].said + 6);
			const char *msg = strchr(w[i].said + 6, ' ');
			snprintf(out, n, "%s: %s", w[i].role, msg ? msg + 1 : w[i].said);
			return code == 3 ? 3 : 2;
		}
	struct procinfo p0[2], p1[2];
	sample(w, p0, p1);
	struct maps_view v;
	look(w, obj, nobj, &v);
	size_t len = add(out, n, 0, "the workers did not reach the start barrier in %lld ms",
			 (long long)(waited_ns / 1000000));
	for (int i = 0; i < 2; i++)
		len = add(out, n, len, "\n  %s: %s", w[i].role,
			  w[i].ready	    ? "ready (its flag reached the control block)"
			  : w[i].said_ready ? "says on its pipe that it is ready; its flag never "
					      "reached the control block"
					    : "not ready");
	len = procs_lines(w, p0, p1, 100, out, n, len);
	len = maps_lines(w, obj, nobj, &v, out, n, len);
	for (int i = 0; i < 2; i++)
		if (p1[i].alive && stopped(p1[i].state)) {
			add(out, n, len, "\n  diagnosis: the %s is %s: not a visibility failure",
			    w[i].role, evidence_state_name(p1[i].state));
			return 2;
		}
	if (mapping_why(w, obj, &v, out, n, len))
		return 3;
	for (int i = 0; i < 2; i++)
		if (w[i].said_ready && !w[i].ready) {
			add(out, n, len,
			    "\n  diagnosis: the %s is ready but its flag, written to shared "
			    "memory, "
			    "never reached the harness: the control block is not shared between "
			    "them",
			    w[i].role);
			return 3;
		}
	add(out, n, len, "\n  diagnosis: a worker is slow to start or attach: see its state above");
	return 2;
}

bool evidence_same_objects(const struct worker_view w[2], const struct object_view *obj, int nobj,
			   char *out, size_t n)
{
	struct maps_view v;
	look(w, obj, nobj, &v);
	size_t len = 0;
	bool ok = v.private_obj < 0 && v.split_obj < 0;
	for (int k = 1; k < nobj && k < 8; k++) {
		ok &= v.m[0][k].found && v.m[1][k].found;
		if (v.m[0][k].found && v.m[1][k].found)
			len = add(out, n, len, "%s%s: both map dev:inode %s:%llu (%s), %s and %s",
				  len ? "; " : "", obj[k].what, v.m[0][k].dev, v.m[0][k].inode,
				  v.m[1][k].file, v.m[0][k].shared ? "shared" : "PRIVATE",
				  v.m[1][k].shared ? "shared" : "PRIVATE");
	}
	if (!ok) {
		char more[1024] = "";
		maps_lines(w, obj, nobj, &v, more, sizeof(more), 0);
		add(out, n, len, "%s", more);
	}
	return ok;
}
