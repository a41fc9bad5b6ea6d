/* evidence.h: why a run stopped, from evidence that does not depend on the
 * shared memory under suspicion: how each process, the harness included,
 * maps each object (/proc/PID/maps: device, inode, shared or private),
 * whether the harness's own writes reached the objects it created (read
 * back through its descriptor), where each name leads now, each worker's
 * state and CPU time (/proc/PID/stat), and what each worker said on its
 * own pipe.
 *
 * The verdicts keep visibility failures (exit 3) for what only a
 * visibility failure explains: a private mapping, two different objects,
 * messages published and never seen, wakes that never arrive.  A worker
 * that is stopped, dead or starved is an environment problem (exit 2),
 * named with its state. */
#ifndef EVIDENCE_H
#define EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct mapinfo {
	bool found;
	bool said; /* from what the worker said at attach, not from /proc */
	bool shared;
	char dev[16];
	unsigned long long inode;
	char file[320];
};

/* One line of /proc/PID/maps (or a worker's "maps" line, the same
 * fields): false if it is not one. */
bool evidence_maps_line(const char *line, struct mapinfo *m);

/* How process pid maps the object at path (e.g. "/dev/shm/ringbench.1.2"
 * or "/memfd:ringbench-control"): the exact name (or "NAME (deleted)"),
 * else a mapping whose path begins with it (a copy the process made). */
void evidence_mapping(pid_t pid, const char *path, struct mapinfo *m);

struct procinfo {
	bool alive;
	char state;    /* R, S, D, T, t, Z, ... */
	double cpu_ms; /* user + system */
};

void evidence_proc(pid_t pid, struct procinfo *p);
/* "stopped by a signal (state T)" and so on. */
const char *evidence_state_name(char state);

/* One worker as the runner sees it. */
struct worker_view {
	const char *role;
	pid_t pid;
	bool reaped;
	bool ready;		/* its ready flag reached the harness's control block */
	bool said_ready;	/* it said "ready" on its pipe */
	char said[512];		/* the last line it wrote on its pipe, "" if none */
	struct mapinfo maps[4]; /* how it said it maps the shared objects, at attach */
	int nmaps;
};

/* The objects a case uses, as paths in /proc/PID/maps, with the role each
 * plays; [0] is always the control block.  The harness created every one of
 * them, so it is the third witness: how it maps each object, what the
 * object held when it was created, and whether its own writes reached it. */
struct object_view {
	char path[300];	   /* as /proc/PID/maps names it ("/memfd:NAME" for a ring) */
	const char *what;  /* "the control block", "the ring" */
	bool named;	   /* the workers find it by name (in /dev/shm) */
	bool unlinked;	   /* ... and the harness has removed that name */
	char name[300];	   /* that name's path ("/dev/shm/NAME"), "" if none */
	char name_dev[16]; /* what the name led to when the harness created it */
	unsigned long long name_inode;
	char dev[16]; /* the object the harness created: device as in maps */
	unsigned long long inode;
	int fd;			  /* the harness's descriptor of it, or -1 */
	const unsigned char *map; /* the harness's mapping of it, or NULL */
	size_t own_off, own_len;  /* bytes only the harness writes, at creation */
	const char *own_what;	  /* what those bytes are: "its header" */
};

/* Fill the created-object fields of o from fd (or, with fd < 0, from the
 * path), and what its name leads to, once, right after the harness created
 * it. */
void evidence_created(struct object_view *o, int fd);

/* The seed's failure in the creator: right after creating the objects, the
 * harness reads back through each descriptor the bytes it wrote through its
 * mapping.  0 if they all arrived; else 3, with the diagnosis in out. */
int diagnose_create(const struct object_view *obj, int nobj, char *out, size_t n);

/* A stall: no progress for stalled_ns.  sent and seen are the two sides'
 * progress counters; blocking: the wait strategy sleeps.  Writes the
 * diagnosis and returns the exit code (2 or 3). */
int diagnose_stall(const struct worker_view w[2], const struct object_view *obj, int nobj,
		   uint64_t sent, uint64_t seen, bool blocking, int64_t stalled_ns, char *out,
		   size_t n);

/* What worker `who` reported (error, with its exit code), at the barrier
 * or in the stream: relayed, and judged by the evidence: exit 3 when a
 * mapping is private or a name leads to another object, else its own
 * code. */
int diagnose_reported(const struct worker_view w[2], int who, const char *error, int code,
		      const struct object_view *obj, int nobj, char *out, size_t n);

/* The start barrier was not reached in waited_ns. */
int diagnose_barrier(const struct worker_view w[2], const struct object_view *obj, int nobj,
		     int64_t waited_ns, char *out, size_t n);

/* Evidence of a healthy run, for doctor: each object mapped by both
 * workers, shared, the same device and inode.  True if so; out says it. */
bool evidence_same_objects(const struct worker_view w[2], const struct object_view *obj, int nobj,
			   char *out, size_t n);

/* Whether wakes cross, from a short pingpong's round trips (ns): a lost
 * wake waits out the ring's 50 ms sleep slice.  It can spare the round
 * trips that find the other side still awake (on a busy host, half of
 * them), so the median alone is not enough: the tenth slowest part must
 * stay under the slice too.  A healthy run makes thousands of round trips
 * in microseconds; a tenth of them near the slice would leave it a few
 * dozen. */
bool evidence_wakes_cross(uint64_t p50_ns, uint64_t p90_ns);

#endif
