/* evidence.c: stall and barrier diagnoses from /proc and the workers' own
 * pipes (evidence.h). */
#include "measure/evidence.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

bool evidence_maps_line(const char *line, struct mapinfo *m)
{
	char perms[8], dev[16];
	unsigned long long inode;
	int off = 0;
	if (sscanf(line, "%*s %7s %*s %15s %llu %n", perms, dev, &inode, &off) != 3 || !off)
		return false;
	memset(m, 0, sizeof(*m));
	m->found = true;
	m->shared = perms[3] == 's';
	snprintf(m->dev, sizeof(m->dev), "%s", dev);
	m->inode = inode;
	snprintf(m->file, sizeof(m->file), "%s", line + off);
	m->file[strcspn(m->file, "\n")] = 0;
	return true;
}

/* Keep cand in *m if it maps path: the name itself, or "NAME (deleted)",
 * is the object; a longer name is a copy of it, kept only if nothing exact
 * turns up. */
static void consider(struct mapinfo *m, bool *exact, const struct mapinfo *cand, const char *path)
{
	size_t pl = strlen(path);
	if (strncmp(cand->file, path, pl) != 0)
		return;
	bool is_exact = cand->file[pl] == 0 || cand->file[pl] == ' ';
	/* Another segment of the object: one private page range is enough for
	 * its writes there to go astray. */
	if (m->found && *exact && is_exact && m->inode == cand->inode) {
		m->shared = m->shared && cand->shared;
		return;
	}
	if (m->found && (*exact || !is_exact))
		return;
	*m = *cand;
	*exact = is_exact;
}

void evidence_mapping(pid_t pid, const char *path, struct mapinfo *m)
{
	memset(m, 0, sizeof(*m));
	char maps[64], line[600];
	snprintf(maps, sizeof(maps), "/proc/%d/maps", (int)pid);
	FILE *f = fopen(maps, "r");
	if (!f)
		return;
	bool exact = false;
	struct mapinfo cand;
	while (fgets(line, sizeof(line), f))
		if (evidence_maps_line(line, &cand))
			consider(m, &exact, &cand, path);
	fclose(f);
}

/* What a worker said it mapped, on its pipe at attach: the evidence left
 * when it has exited, or unmapped the object since. */
static void said_mapping(const struct worker_view *w, const char *path, struct mapinfo *m)
{
	bool exact = false;
	memset(m, 0, sizeof(*m));
	for (int i = 0; i < w->nmaps; i++)
		consider(m, &exact, &w->maps[i], path);
	m->said = m->found;
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

/* The witnesses: [0] and [1] the workers, [2] the harness, which created
 * every object and still maps the ring and the control block. */
#define WITNESSES 3
#define HARNESS	  2
#define MAX_OBJ	  8

static const char *witness_role(const struct worker_view *w, int i)
{
	return w && i < 2 ? w[i].role : "harness";
}

static pid_t witness_pid(const struct worker_view *w, int i)
{
	return w && i < 2 ? w[i].pid : getpid();
}

/* The object behind fd (or, with fd < 0, the name path) as /proc/PID/maps
 * names it: the device ("00:1a") and the inode.  False if there is none. */
static bool object_id(int fd, const char *path, char dev[16], unsigned long long *inode)
{
	struct stat st;
	dev[0] = 0;
	*inode = 0;
	if ((fd >= 0 ? fstat(fd, &st) : stat(path, &st)) != 0)
		return false;
	snprintf(dev, 16, "%02x:%02x", major(st.st_dev), minor(st.st_dev));
	*inode = (unsigned long long)st.st_ino;
	return true;
}

void evidence_created(struct object_view *o, int fd)
{
	object_id(fd, o->path, o->dev, &o->inode);
	if (o->named && o->name[0])
		object_id(-1, o->name, o->name_dev, &o->name_inode);
}

/* What the witnesses map of every object, and what that says. */
struct maps_view {
	struct mapinfo m[WITNESSES][MAX_OBJ];
	bool priv[WITNESSES][MAX_OBJ]; /* mapped, and not shared */
	int nprivate;
	bool lost[MAX_OBJ]; /* the harness's own bytes are not in the object */
	int nlost;
	char now_dev[MAX_OBJ][16]; /* what the name leads to now */
	unsigned long long now_inode[MAX_OBJ];
	int renamed_obj;		/* the name leads to another object; -1: none */
	int unmapped_obj, unmapped_who; /* a ready worker maps it not at all; -1: none */
	int split_obj, split_who;	/* a worker maps another object; -1: none */
};

static bool same_object(const char *dev, unsigned long long inode, const char *dev2,
			unsigned long long inode2)
{
	return inode == inode2 && strcmp(dev, dev2) == 0;
}

/* Read back through the harness's descriptor the bytes it wrote through its
 * mapping: false if they differ (its mapping is not the object's pages). */
static bool own_bytes_arrived(const struct object_view *o)
{
	if (o->fd < 0 || !o->map || !o->own_len)
		return true;
	unsigned char buf[256];
	size_t len = o->own_len < sizeof(buf) ? o->own_len : sizeof(buf);
	ssize_t k = pread(o->fd, buf, len, (off_t)o->own_off);
	return k != (ssize_t)len || memcmp(buf, o->map + o->own_off, len) == 0;
}

/* w NULL: the harness alone (at create). */
static void look(const struct worker_view *w, const struct object_view *obj, int nobj,
		 struct maps_view *v)
{
	memset(v, 0, sizeof(*v));
	v->renamed_obj = v->split_obj = v->split_who = v->unmapped_obj = v->unmapped_who = -1;
	for (int k = 0; k < nobj && k < MAX_OBJ; k++) {
		for (int i = w ? 0 : HARNESS; i < WITNESSES; i++) {
			/* /proc while it lives; else, or if it maps the object no
			 * longer, what it said at attach. */
			if (i == HARNESS || !w[i].reaped)
				evidence_mapping(witness_pid(w, i), obj[k].path, &v->m[i][k]);
			if (i < 2 && !v->m[i][k].found)
				said_mapping(&w[i], obj[k].path, &v->m[i][k]);
			if (v->m[i][k].found && !v->m[i][k].shared) {
				v->priv[i][k] = true;
				v->nprivate++;
			}
		}
		if (!own_bytes_arrived(&obj[k])) {
			v->lost[k] = true;
			v->nlost++;
		}
		if (obj[k].named && !obj[k].unlinked && obj[k].name_inode && v->renamed_obj < 0 &&
		    object_id(-1, obj[k].name, v->now_dev[k], &v->now_inode[k]) &&
		    !same_object(v->now_dev[k], v->now_inode[k], obj[k].name_dev,
				 obj[k].name_inode))
			v->renamed_obj = k;
		if (!w)
			continue;
		/* A worker that said it is ready has attached: if it maps the
		 * object not at all, and did not at attach either, it works on
		 * something else (an anonymous copy, its own buffer). */
		for (int i = 0; i < 2 && k > 0 && v->unmapped_obj < 0; i++)
			if (!v->m[i][k].found && w[i].said_ready && !w[i].reaped) {
				struct procinfo pi;
				evidence_proc(w[i].pid, &pi);
				if (pi.alive && pi.state != 'Z') {
					v->unmapped_obj = k;
					v->unmapped_who = i;
				}
			}
		for (int i = 0; i < 2 && v->split_obj < 0; i++) {
			const struct mapinfo *m = &v->m[i][k];
			const struct mapinfo *o = &v->m[i ^ 1][k];
			/* Against the object the harness created when it is known,
			 * else the two workers against each other. */
			bool other =
			    obj[k].inode
				? !same_object(m->dev, m->inode, obj[k].dev, obj[k].inode)
				: o->found && !same_object(m->dev, m->inode, o->dev, o->inode);
			if (m->found && other) {
				v->split_obj = k;
				v->split_who = i;
			}
		}
	}
}

static size_t maps_lines(const struct worker_view *w, const struct object_view *obj, int nobj,
			 const struct maps_view *v, char *out, size_t n, size_t len)
{
	for (int k = 0; k < nobj && k < MAX_OBJ; k++) {
		for (int i = w ? 0 : HARNESS; i < WITNESSES; i++) {
			const struct mapinfo *m = &v->m[i][k];
			struct procinfo pi = {0};
			if (i < 2 && !w[i].reaped)
				evidence_proc(w[i].pid, &pi);
			bool gone = i < 2 && (w[i].reaped || !pi.alive || pi.state == 'Z');
			if (m->found)
				len = add(out, n, len,
					  "\n  %s (pid %d) %s %s dev %s inode %llu %s (%s)%s",
					  witness_role(w, i), (int)witness_pid(w, i),
					  m->said ? "mapped" : "maps", m->file, m->dev, m->inode,
					  m->shared ? "shared" : "PRIVATE", obj[k].what,
					  !m->said ? ""
					  : gone   ? ", as it said at attach; it has exited since"
						 : ", as it said at attach; it no longer maps it");
			else if (gone)
				len = add(out, n, len, "\n  %s has exited", w[i].role);
			else if (i < 2)
				len = add(out, n, len, "\n  %s (pid %d) does not map %s (%s)",
					  w[i].role, (int)w[i].pid, obj[k].path, obj[k].what);
		}
		if (v->lost[k])
			len =
			    add(out, n, len,
				"\n  %s as read back through the harness's descriptor is not what "
				"the harness wrote there through its mapping (%s)",
				obj[k].what, obj[k].own_what ? obj[k].own_what : "its own bytes");
		if (v->renamed_obj == k)
			len = add(out, n, len,
				  "\n  the name %s now leads to dev:inode %s:%llu; the harness "
				  "created dev:inode %s:%llu",
				  obj[k].name, v->now_dev[k], v->now_inode[k], obj[k].name_dev,
				  obj[k].name_inode);
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

static size_t private_why(const struct worker_view *w, const struct object_view *obj, int nobj,
			  const struct maps_view *v, char *out, size_t n, size_t len)
{
	int said = 0, harness_obj = -1;
	len = add(out, n, len, "\n  diagnosis: ");
	for (int i = 0; i < WITNESSES; i++)
		for (int k = 0; k < nobj && k < MAX_OBJ; k++)
			if (v->priv[i][k]) {
				len = add(out, n, len, "%s%s maps %s PRIVATE%s",
					  said ? ", and " : "", witness_role(w, i), obj[k].what,
					  said ? "" : " (copy-on-write)");
				said++;
				if (i == HARNESS && harness_obj < 0)
					harness_obj = k;
			}
	if (!said)
		for (int k = 0; k < nobj && k < MAX_OBJ; k++)
			if (v->lost[k]) {
				len = add(out, n, len,
					  "%sthe harness's mapping of %s is not the object's pages "
					  "(a private or copied mapping: /proc gave no answer)",
					  said ? ", and " : "", obj[k].what);
				said++;
				harness_obj = k;
			}
	if (harness_obj >= 0)
		len = add(out, n, len,
			  ".  The harness created %s and wrote %s through that mapping; none of "
			  "it reached the object, so whoever opens the object reads zeros where "
			  "the harness wrote%s",
			  obj[harness_obj].what,
			  obj[harness_obj].own_what ? obj[harness_obj].own_what : "its contents",
			  obj[harness_obj].named
			      ? " (an attaching worker finds zeros where the header should be)"
			      : "");
	return add(out, n, len,
		   ".  A private mapping writes its own copy: the other processes never see its "
		   "writes, nor it theirs.  Map it MAP_SHARED (look for MAP_PRIVATE, an "
		   "LD_PRELOAD wrapper, or a policy rewriting mmap)");
}

static size_t split_why(const struct worker_view *w, const struct object_view *obj,
			const struct maps_view *v, char *out, size_t n, size_t len)
{
	if (v->renamed_obj >= 0) {
		int k = v->renamed_obj;
		return add(out, n, len,
			   "\n  diagnosis: two different objects under one name: the harness "
			   "created %s as dev:inode %s:%llu, but the name now leads to dev:inode "
			   "%s:%llu.  It was removed and created again after the harness created "
			   "it, so whoever opened it since finds another object (or none that "
			   "works) and never sees the other side's writes",
			   obj[k].name, obj[k].name_dev, obj[k].name_inode, v->now_dev[k],
			   v->now_inode[k]);
	}
	int k = v->split_obj, i = v->split_who;
	if (obj[k].inode)
		return add(out, n, len,
			   "\n  diagnosis: two different objects: the harness created %s as "
			   "dev:inode %s:%llu, but the %s %s %s dev:inode %s:%llu.  One side "
			   "re-created, truncated or copied %s after the harness made it, or they "
			   "use different names",
			   obj[k].path, obj[k].dev, obj[k].inode, w[i].role,
			   v->m[i][k].said ? "mapped" : "maps", v->m[i][k].file, v->m[i][k].dev,
			   v->m[i][k].inode, obj[k].what);
	return add(out, n, len,
		   "\n  diagnosis: two different objects: %s maps %s dev:inode %s:%llu, %s maps %s "
		   "dev:inode %s:%llu.  One side re-created, truncated or copied %s after the "
		   "other opened it, or they use different names",
		   w[0].role, v->m[0][k].file, v->m[0][k].dev, v->m[0][k].inode, w[1].role,
		   v->m[1][k].file, v->m[1][k].dev, v->m[1][k].inode, obj[k].what);
}

static bool seed_evidence(const struct maps_view *v)
{
	return v->nprivate || v->nlost || v->renamed_obj >= 0 || v->split_obj >= 0 ||
	       v->unmapped_obj >= 0;
}

/* A private mapping (in any witness), the harness's writes lost, or two
 * different objects, said; false if none. */
static bool mapping_why(const struct worker_view *w, const struct object_view *obj, int nobj,
			const struct maps_view *v, char *out, size_t n, size_t len)
{
	if (v->nprivate || v->nlost)
		private_why(w, obj, nobj, v, out, n, len);
	else if (v->renamed_obj >= 0 || v->split_obj >= 0)
		split_why(w, obj, v, out, n, len);
	else if (v->unmapped_obj >= 0)
		add(out, n, len,
		    "\n  diagnosis: the %s said it is ready but does not map %s at all: it reads "
		    "and writes something else (an anonymous or private copy, a buffer of its "
		    "own), never the object, so the other side never sees its writes nor it "
		    "theirs",
		    w[v->unmapped_who].role, obj[v->unmapped_obj].what);
	return seed_evidence(v);
}

int diagnose_create(const struct object_view *obj, int nobj, char *out, size_t n)
{
	struct maps_view v;
	look(NULL, obj, nobj, &v);
	if (!v.nprivate && !v.nlost)
		return 0;
	size_t len = add(out, n, 0,
			 "the harness's writes to the objects it created did not reach them, "
			 "before any worker started");
	len = maps_lines(NULL, obj, nobj, &v, out, n, len);
	mapping_why(NULL, obj, nobj, &v, out, n, len);
	return 3;
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
	if (mapping_why(w, obj, nobj, &v, out, n, len))
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

int diagnose_reported(const struct worker_view w[2], int who, const char *error, int code,
		      const struct object_view *obj, int nobj, char *out, size_t n)
{
	struct maps_view v;
	look(w, obj, nobj, &v);
	size_t len = add(out, n, 0, "%s: %s", w[who].role, error);
	/* What the witnesses show decides what it means: a worker that read
	 * zeros where the harness wrote ("not a ring") is the seed's failure
	 * when a mapping is private or the name leads to another object. */
	if (!seed_evidence(&v))
		return code == 3 ? 3 : 2;
	len = maps_lines(w, obj, nobj, &v, out, n, len);
	mapping_why(w, obj, nobj, &v, out, n, len);
	return 3;
}

int diagnose_barrier(const struct worker_view w[2], const struct object_view *obj, int nobj,
		     int64_t waited_ns, char *out, size_t n)
{
	/* A worker's own error, relayed: it says best what it could not do. */
	for (int i = 0; i < 2; i++)
		if (strncmp(w[i].said, "error ", 6) == 0) {
			const char *msg = strchr(w[i].said + 6, ' ');
			return diagnose_reported(w, i, msg ? msg + 1 : w[i].said,
						 atoi(w[i].said + 6), obj, nobj, out, n);
		}
	struct maps_view v;
	look(w, obj, nobj, &v);
	struct procinfo p0[2], p1[2];
	sample(w, p0, p1);
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
	if (mapping_why(w, obj, nobj, &v, out, n, len))
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
	bool ok = !v.nprivate && !v.nlost && v.split_obj < 0;
	for (int k = 1; k < nobj && k < MAX_OBJ; k++) {
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

bool evidence_wakes_cross(uint64_t p50_ns, uint64_t p90_ns)
{
	const uint64_t median_limit = 5000000; /* 5 ms: a hundred times a wake */
	const uint64_t slice_part = 40000000;  /* 40 ms: most of a slept-out slice */
	return p50_ns < median_limit && p90_ns < slice_part;
}
