/* ring.c: create, attach, validate, hand out eventfds, close and unlink. */
#include "ring_internal.h"

#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

static _Thread_local char last_error[320];

int ring__fail(int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	return err;
}

const char *ring_last_error(void)
{
	return last_error;
}

static const char *const wait_names[RING_WAIT_COUNT] = {
    [RING_WAIT_SPIN] = "spin",
    [RING_WAIT_FUTEX] = "futex",
    [RING_WAIT_EVENTFD] = "eventfd",
    [RING_WAIT_HYBRID] = "hybrid",
};

const char *ring_wait_name(enum ring_wait w)
{
	return (unsigned)w < RING_WAIT_COUNT ? wait_names[w] : NULL;
}

int ring_wait_parse(const char *s, enum ring_wait *out)
{
	for (int i = 0; i < RING_WAIT_COUNT; i++) {
		if (s && strcmp(s, wait_names[i]) == 0) {
			*out = (enum ring_wait)i;
			return 0;
		}
	}
	return ring__fail(-EINVAL, "unknown wait strategy '%s' (spin, futex, eventfd, hybrid)",
			  s ? s : "(null)");
}

static int check_name(const char *name)
{
	if (!name)
		return ring__fail(-EINVAL, "ring name is NULL");
	size_t n = strnlen(name, RING_NAME_MAX + 1);
	if (name[0] != '/' || n < 2 || n > RING_NAME_MAX || strchr(name + 1, '/'))
		return ring__fail(-EINVAL,
				  "ring name '%.80s' is invalid: it must be '/' and 1 to %d more "
				  "bytes with no other '/'",
				  name, RING_NAME_MAX - 1);
	return 0;
}

static bool capacity_ok(uint64_t c)
{
	return c >= RING_CAPACITY_MIN && c <= RING_CAPACITY_MAX && (c & (c - 1)) == 0;
}

/* The abstract Unix socket on which the creator hands out eventfds: no file
 * to clean up, gone with the listener, named per incarnation of the ring. */
static socklen_t sock_addr(struct sockaddr_un *sa, const char *name, uint64_t instance)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	snprintf(sa->sun_path + 1, sizeof(sa->sun_path) - 1, "ringbench%s.%016" PRIx64, name,
		 instance);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(sa->sun_path + 1));
}

static struct ring *handle_new(const char *name, enum ring_role role)
{
	struct ring *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->shm_fd = r->data_efd = r->space_efd = r->listen_fd = r->peer_pidfd = -1;
	r->role = role;
	r->owner = getpid();
	snprintf(r->name, sizeof(r->name), "%s", name);
	return r;
}

static void handle_free(struct ring *r)
{
	ring__wake_free(r);
	if (r->hdr)
		munmap(r->hdr, r->map_len);
	int fds[] = {r->shm_fd, r->data_efd, r->space_efd, r->listen_fd, r->peer_pidfd};
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(r);
}

/*
 * The identity fields of a header, read once.  Everything an attacher
 * decides (how much to map, the mask, the strategy, whom to trust for the
 * eventfds) comes from one snapshot, so a peer that rewrites the header
 * meanwhile cannot make two decisions disagree (a mask larger than the
 * mapping).
 */
struct snapshot {
	uint64_t magic;
	uint32_t version;
	uint32_t header_size;
	uint64_t capacity;
	uint64_t instance;
	uint32_t wait;
	uint32_t flags;
	uint32_t owner_uid;
	int32_t creator_pid;
	int32_t creator_fd;
	uint64_t ring_ino;
};

static void take_snapshot(const struct ring_header *h, struct snapshot *s)
{
	/* Relaxed atomic loads: the other process may be writing these. */
	s->magic = __atomic_load_n(&h->magic, __ATOMIC_RELAXED);
	s->version = __atomic_load_n(&h->version, __ATOMIC_RELAXED);
	s->header_size = __atomic_load_n(&h->header_size, __ATOMIC_RELAXED);
	s->capacity = __atomic_load_n(&h->capacity, __ATOMIC_RELAXED);
	s->instance = __atomic_load_n(&h->instance, __ATOMIC_RELAXED);
	s->wait = __atomic_load_n(&h->wait, __ATOMIC_RELAXED);
	s->flags = __atomic_load_n(&h->flags, __ATOMIC_RELAXED);
	s->owner_uid = __atomic_load_n(&h->owner_uid, __ATOMIC_RELAXED);
	s->creator_pid = __atomic_load_n(&h->creator_pid, __ATOMIC_RELAXED);
	s->creator_fd = __atomic_load_n(&h->creator_fd, __ATOMIC_RELAXED);
	s->ring_ino = __atomic_load_n(&h->ring_ino, __ATOMIC_RELAXED);
}

/* The first field in which two snapshots differ, or NULL. */
static const char *identity_differs(const struct snapshot *a, const struct snapshot *b)
{
	return a->magic != b->magic		  ? "magic"
	       : a->version != b->version	  ? "version"
	       : a->header_size != b->header_size ? "header_size"
	       : a->capacity != b->capacity	  ? "capacity"
	       : a->instance != b->instance	  ? "instance"
	       : a->wait != b->wait		  ? "wait"
	       : a->flags != b->flags		  ? "flags"
	       : a->owner_uid != b->owner_uid	  ? "owner_uid"
	       : a->creator_pid != b->creator_pid ? "creator_pid"
	       : a->creator_fd != b->creator_fd	  ? "creator_fd"
	       : a->ring_ino != b->ring_ino	  ? "ring_ino"
						  : NULL;
}

/* What a handle that may not peek reads instead of the ring (peek_data,
 * with peek_mask 0): a word whose length no ring holds, so ring_peek()'s
 * bounds check sends it to ring__corrupt(), which refuses.  Never written. */
static struct ring_record refusing_record = {.word = UINT32_MAX - 1};

/* Fill the process-local part of a handle from a validated snapshot and the
 * indices read with it; touches nothing shared. */
static int handle_init(struct ring *r, const struct snapshot *s, uint64_t head, uint64_t tail)
{
	r->data = (unsigned char *)r->hdr + RING_HEADER_SIZE;
	r->capacity = s->capacity;
	r->mask = s->capacity - 1;
	/* A record, the padding before it when it wraps (less than the record)
	 * and the 0 word after it must fit in an empty ring. */
	uint64_t max = s->capacity / 2 - 2 * sizeof(struct ring_record);
	if (max > UINT32_MAX - RING_RECORD_ALIGN)
		max = UINT32_MAX - RING_RECORD_ALIGN;
	r->max_message = (size_t)max;
	/* What the fast paths of this handle may do: one compare each. */
	r->reserve_limit = r->role == RING_ROLE_PRODUCER ? r->max_message + 1 : 0;
	r->commit_limit = 0;
	bool peeks = r->role == RING_ROLE_CONSUMER;
	r->peek_data = peeks ? r->data : (unsigned char *)&refusing_record;
	r->peek_mask = peeks ? r->mask : 0;
	r->wait = (enum ring_wait)s->wait;
	r->notify = s->wait != RING_WAIT_SPIN;
	/* claim_role() decides both, from this snapshot's flags (one snapshot
	 * decides everything): a peer that later changes the flag changes
	 * nothing here. */
	r->barrier_registered = r->peer_barrier = r->sleep_barrier = false;
	r->asym_ring = (s->flags & RING_FLAG_ASYM_WAKE) != 0;
	/* Both come from shared memory: whole records apart, at most a ring
	 * apart (either way: tail is published after the words a consumer
	 * may already have released). */
	if ((head | tail) % RING_RECORD_ALIGN ||
	    (tail >= head ? tail - head : head - tail) > s->capacity)
		return ring__fail(-EBADMSG,
				  "ring %s: fields head %" PRIu64 " and tail %" PRIu64
				  " are not records of a ring of %" PRIu64 " bytes",
				  r->name, head, tail, s->capacity);
	r->head_local = r->peek_next = r->head_shown = head;
	r->tail_local = r->reserved_end = tail;
	r->head_cache = head;
	/* A new ring is all zeroes; otherwise only the word at tail is known
	 * to be 0, and ring__zero() rewrites it harmlessly. */
	r->zero_to = tail == 0 ? s->capacity : tail;
	return 0;
}

void ring__zero(struct ring *r, uint64_t upto)
{
	/* Whole lines, but never past the free space: the consumer may still
	 * be reading the rest. */
	uint64_t want = (upto + RING_CACHELINE - 1) & ~(uint64_t)(RING_CACHELINE - 1);
	uint64_t limit = r->head_cache + r->capacity;
	if (want > limit)
		want = limit;
	if (r->zero_to < r->tail_local) {
		/* A record that ran past the zeroed margin by as much again:
		 * publish then zeroes nothing ahead (ring__zero_ahead). */
		if (r->tail_local - r->zero_to >= RING_ZERO_AHEAD)
			r->long_record = true;
		r->zero_to = r->tail_local;
	}
	while (r->zero_to < want) {
		uint64_t off = r->zero_to & r->mask;
		uint64_t n = want - r->zero_to;
		if (n > r->capacity - off)
			n = r->capacity - off;
		/* Plain stores: the consumer reads these words only after the
		 * release store of a record word published after them. */
		memset(r->data + off, 0, n);
		r->zero_to += n;
	}
}

/* publish's zeroing ahead, skipped once after a long record (measured: 1
 * KiB streams +10%, every other size and the round trip unchanged), and
 * while a reservation is open: its bytes are the caller's, perhaps written
 * already, and the commit after it zeroes what it needs. */
void ring__zero_ahead(struct ring *r)
{
	if (r->commit_limit)
		return;
	if (r->long_record) {
		r->long_record = false;
		return;
	}
	ring__zero(r, r->tail_local + sizeof(struct ring_record) + RING_ZERO_AHEAD);
}

void ring__zero_consumed(struct ring *r)
{
	/* Zero the word of every record consumed since head was last shown,
	 * just before showing it. */
	uint64_t pos = r->head_shown;
	while (pos < r->head_local) {
		uint64_t off = pos & r->mask;
		_Atomic(uint32_t) *w = ring__word(r, pos);
		uint32_t v = atomic_load_explicit(w, memory_order_relaxed);
		if (v == 0)
			break; /* cannot happen for a consumed record */
		atomic_store_explicit(w, 0, memory_order_relaxed);
		pos += v == RING_WRAP_MARK ? r->capacity - off : ring_record_size(v - 1);
	}
	/* And write every other line of what was consumed.  Writing the lines
	 * we read leaves them owned here rather than shared: the producer's
	 * next write to them is a miss its prefetcher streams, not an upgrade
	 * it waits for, and x86 commits its stores in order, so one upgrade
	 * holds back every store behind it (measured on Zen 4: twice the
	 * stream rate; on the project's Zen VM, where only the words' lines
	 * were written before: 1-16 KiB streams +100-140%, docs/ring.md,
	 * "Records").  The lines are the consumed range's, not the records'
	 * as their words say: the producer may rewrite a consumed word, and
	 * nothing here may be written past head_local, where the next record
	 * may be arriving.  Every byte below it is ours until head is shown. */
	static const uint32_t zero;
	uint64_t at = (r->head_shown + RING_CACHELINE - 1) & ~(uint64_t)(RING_CACHELINE - 1);
	while (at < r->head_local) {
		/* Plain stores, as ring__zero()'s: the producer writes none of
		 * these bytes before it has read the release store of head. */
		uint64_t off = at & r->mask, n = r->head_local - at;
		if (n > r->capacity - off)
			n = r->capacity - off;
		for (unsigned char *p = r->data + off, *end = p + n; p < end; p += RING_CACHELINE)
			memcpy(p, &zero, sizeof(zero));
		at += n; /* to the wrap, a whole line; else head_local, the end */
	}
}

static const char *handle_role(const struct ring *r)
{
	return r->role == RING_ROLE_PRODUCER   ? "the producer's handle"
	       : r->role == RING_ROLE_CONSUMER ? "the consumer's handle"
					       : "the creator's handle (RING_ROLE_NONE)";
}

static const char *corrupt_why(uint32_t word)
{
	return word == RING_WRAP_MARK ? "(a wrap mark where none can be)"
				      : "(a length that does not fit there)";
}

static void refuse_peek(struct ring *r)
{
	if (r->role == RING_ROLE_CONSUMER && r->error)
		ring__fail(r->error,
			   "ring %s: ring_peek refused on %s: it met a corrupt record at data "
			   "offset %" PRIu64 ": word 0x%08x %s, and is of no further use",
			   r->name, handle_role(r), r->corrupt_off, r->corrupt_word,
			   corrupt_why(r->corrupt_word));
	else
		ring__fail(-EPERM, "ring %s: ring_peek refused on %s: only the consumer reads",
			   r->name, handle_role(r));
}

void ring__corrupt(struct ring *r, uint64_t off, uint32_t word)
{
	if (r->peek_data != r->data) {
		refuse_peek(r);
		return;
	}
	r->peek_data = (unsigned char *)&refusing_record;
	r->peek_mask = 0;
	r->corrupt_off = off;
	r->corrupt_word = word;
	r->error = ring__fail(-EBADMSG,
			      "ring %s: corrupt record at data offset %" PRIu64 ": word 0x%08x %s",
			      r->name, off, word, corrupt_why(word));
}

void ring__refuse_reserve(struct ring *r, size_t len)
{
	r->commit_limit = 0;
	if (r->role != RING_ROLE_PRODUCER)
		ring__fail(-EPERM,
			   "ring %s: ring_reserve/ring_send refused on %s: only the producer "
			   "sends",
			   r->name, handle_role(r));
	else
		ring__fail(-EMSGSIZE,
			   "ring %s: ring_reserve/ring_send refused on %s: a message of %zu bytes "
			   "exceeds the maximum %zu",
			   r->name, handle_role(r), len, r->max_message);
}

void ring__refuse_commit(struct ring *r, size_t len)
{
	if (r->role != RING_ROLE_PRODUCER)
		ring__fail(-EPERM,
			   "ring %s: ring_commit(%zu) refused on %s: only the producer commits",
			   r->name, len, handle_role(r));
	else if (!r->commit_limit)
		ring__fail(-EINVAL,
			   "ring %s: ring_commit(%zu) refused on %s: nothing is reserved (no "
			   "ring_reserve, the last one failed, or it was committed already)",
			   r->name, len, handle_role(r));
	else
		ring__fail(-EINVAL,
			   "ring %s: ring_commit(%zu) refused on %s: longer than the %zu bytes "
			   "reserved",
			   r->name, len, handle_role(r), r->commit_limit - 1);
}

void ring__refuse_role(struct ring *r, const char *call)
{
	ring__fail(-EPERM, "ring %s: %s refused on %s: it is for the %s", r->name, call,
		   handle_role(r), strcmp(call, "ring_publish") == 0 ? "producer" : "consumer");
}

static _Atomic(int32_t) *role_slot(struct ring_header *h, enum ring_role role)
{
	return role == RING_ROLE_PRODUCER ? &h->producer_pid : &h->consumer_pid;
}

static const char *role_name(enum ring_role role)
{
	return role == RING_ROLE_PRODUCER ? "producer" : "consumer";
}

static enum ring_role peer_role(const struct ring *r)
{
	return r->role == RING_ROLE_PRODUCER ? RING_ROLE_CONSUMER : RING_ROLE_PRODUCER;
}

static off_t slot_offset(enum ring_role role)
{
	return role == RING_ROLE_PRODUCER ? (off_t)offsetof(struct ring_header, producer_pid)
					  : (off_t)offsetof(struct ring_header, consumer_pid);
}

/* The lock that says who holds a role (see RING_VERSION in ring.h): byte
 * `role` of the object, taken, dropped or looked at with cmd. */
static int role_lock(const struct ring *r, enum ring_role role, int cmd, short type,
		     struct flock *fl)
{
	*fl = (struct flock){.l_type = type, .l_whence = SEEK_SET, .l_start = role, .l_len = 1};
	return fcntl(r->shm_fd, cmd, fl);
}

/* 1 while some open file description holds the lock of `role`, 0 once it is
 * free, or -errno. */
static int role_held(struct ring *r, enum ring_role role)
{
	struct flock fl;
	r->syscalls++;
	if (role_lock(r, role, F_OFD_GETLK, F_WRLCK, &fl) < 0)
		return -errno;
	return fl.l_type != F_UNLCK;
}

/* pread or pwrite exactly n bytes at off: 0, -errno, or -EBADMSG when the
 * file ends first.  Attach reads and writes the header this way, never
 * through the mapping: past the end of a file a peer shrank, a read comes
 * back short and a write extends the file, where a load or a store through
 * the mapping would raise SIGBUS. */
static int fd_io(int fd, bool write, void *buf, size_t n, off_t off)
{
	ssize_t k;
	do
		k = write ? pwrite(fd, buf, n, off) : pread(fd, buf, n, off);
	while (k < 0 && errno == EINTR);
	return k == (ssize_t)n ? 0 : k < 0 ? -errno : -EBADMSG;
}

static int claim_role(struct ring *r)
{
	if (r->role == RING_ROLE_NONE)
		return 0;
	const char *who = role_name(r->role);
	off_t at = slot_offset(r->role);
	int32_t slot = RING_PID_NONE;
	struct flock fl;
	/* The lock first: it is what makes this process the holder, and it
	 * lets one attacher of a role at a time past this point, so reading
	 * the slot and then writing it need no compare-exchange. */
	if (role_lock(r, r->role, F_OFD_SETLK, F_WRLCK, &fl) < 0) {
		int e = errno;
		if (e != EAGAIN && e != EACCES)
			return ring__fail(-e, "ring %s: cannot lock the %s role (F_OFD_SETLK): %s",
					  r->name, who, strerror(e));
		(void)fd_io(r->shm_fd, false, &slot, sizeof(slot), at);
		return ring__fail(-EBUSY,
				  "ring %s: the %s role is held by a live process (its lock on "
				  "byte %d of the object; field %s_pid is %d)",
				  r->name, who, (int)r->role, who, slot);
	}
	/* The lock is dropped with the descriptor if we fail below. */
	int rc = fd_io(r->shm_fd, false, &slot, sizeof(slot), at);
	if (rc)
		return ring__fail(rc, "ring %s: cannot read field %s_pid: %s", r->name, who,
				  strerror(-rc));
	if (slot != RING_PID_NONE)
		return ring__fail(-EBUSY, "ring %s: field %s_pid is %d: the %s role is taken%s",
				  r->name, who, slot, who,
				  slot == RING_PID_CLOSED ? " (and was closed)"
							  : " (by a process now gone)");
	/* The peer reads the slot with acquire loads; attach has stored
	 * nothing shared before this, so there is nothing for it to order. */
	int32_t me = (int32_t)getpid();
	if ((rc = fd_io(r->shm_fd, true, &me, sizeof(me), at)))
		return ring__fail(rc, "ring %s: cannot write field %s_pid: %s", r->name, who,
				  strerror(-rc));
	if (!r->asym_ring)
		return 0;
	/* RING_FLAG_ASYM_WAKE, both ways.  A side may drop its fence once the
	 * kernel runs the peer's barrier on its CPU (registered) and the peer
	 * has said it will call that barrier (one call now proves it can)
	 * before it can first sleep. */
	r->barrier_registered = ring__membarrier(MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED) == 0;
	if (ring__membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED) == 0) {
		r->sleep_barrier = true;
		r->barriers++;
		/* Only this role writes its caps word, and we hold the role.
		 * Should the write fail, the peer keeps its fence: still correct. */
		off_t caps_at = r->role == RING_ROLE_PRODUCER
				    ? (off_t)offsetof(struct ring_header, producer_caps)
				    : (off_t)offsetof(struct ring_header, consumer_caps);
		uint32_t caps;
		if (fd_io(r->shm_fd, false, &caps, sizeof(caps), caps_at) == 0) {
			caps |= RING_CAP_SLEEP_BARRIER;
			(void)fd_io(r->shm_fd, true, &caps, sizeof(caps), caps_at);
		}
	}
	return 0;
}

static int make_eventfds(struct ring *r)
{
	r->data_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	r->space_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (r->data_efd < 0 || r->space_efd < 0)
		return ring__fail(-errno, "ring %s: eventfd: %s", r->name, strerror(errno));
	r->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (r->listen_fd < 0)
		return ring__fail(-errno, "ring %s: socket: %s", r->name, strerror(errno));
	struct sockaddr_un sa;
	socklen_t len = sock_addr(&sa, r->name, r->hdr->instance);
	if (bind(r->listen_fd, (struct sockaddr *)&sa, len) < 0 || listen(r->listen_fd, 8) < 0)
		return ring__fail(-errno, "ring %s: cannot listen on @%s: %s", r->name,
				  sa.sun_path + 1, strerror(errno));
	return 0;
}

/* One number from a file (a cgroup's memory.max or memory.current): false
 * if unreadable or "max". */
static bool read_u64(const char *path, uint64_t *v)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return false;
	unsigned long long x;
	bool ok = fscanf(f, "%llu", &x) == 1;
	fclose(f);
	*v = x;
	return ok;
}

/* Page cache the kernel would reclaim before it killed anyone in the
 * cgroup at dir: "file" less "shmem" in its memory.stat (shmem, a ring
 * among it, is counted in file but is not reclaimable without swap). */
static uint64_t reclaimable(const char *dir)
{
	char path[440], line[128];
	snprintf(path, sizeof(path), "%s/memory.stat", dir);
	FILE *f = fopen(path, "re");
	unsigned long long v, file = 0, shmem = 0;
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "file %llu", &v) == 1)
			file = v;
		else if (sscanf(line, "shmem %llu", &v) == 1)
			shmem = v;
	if (f)
		fclose(f);
	return file > shmem ? file - shmem : 0;
}

uint64_t ring__memory_available(const char *meminfo, const char *self_cgroup,
				const char *cgroup_root)
{
	FILE *f = fopen(meminfo, "re");
	if (!f)
		return 0;
	char line[256];
	unsigned long long kb, total = 0;
	bool seen = false;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1 ||
		    sscanf(line, "SwapFree: %llu kB", &kb) == 1) {
			total += kb;
			seen = true;
		}
	fclose(f);
	if (!seen)
		return 0;
	uint64_t avail = (uint64_t)total * 1024;
	/* "0::/path" is the cgroup v2 line of /proc/self/cgroup; each cgroup
	 * from it up to the root may have a limit (cgroup v1: none looked at). */
	f = fopen(self_cgroup, "re");
	char cg[256] = "";
	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "0::", 3) == 0 && sscanf(line + 3, "%255s", cg) == 1)
			break;
	if (f)
		fclose(f);
	if (cg[0] != '/')
		return avail;
	for (size_t len = strlen(cg); len > 0;) {
		char dir[400], path[440];
		snprintf(dir, sizeof(dir), "%s%.*s", cgroup_root, (int)len, cg);
		uint64_t max, cur;
		snprintf(path, sizeof(path), "%s/memory.max", dir);
		bool limited = read_u64(path, &max);
		snprintf(path, sizeof(path), "%s/memory.current", dir);
		if (limited && read_u64(path, &cur)) {
			uint64_t free_cache = reclaimable(dir);
			uint64_t used = cur > free_cache ? cur - free_cache : 0;
			uint64_t left = max > used ? max - used : 0;
			if (left < avail)
				avail = left ? left : 1;
		}
		/* Up one level: "/a/b" -> "/a" -> "" (the root has no limit). */
		while (len > 0 && cg[len - 1] != '/')
			len--;
		if (len > 0)
			len--;
	}
	return avail;
}

/* Memory this process could be given now, in bytes: MemAvailable and
 * SwapFree, and no more than what is left under its cgroups' memory.max
 * (cgroup v2, a container's limit; page cache they would reclaim counts as
 * free).  A ring is the creator's memory, and allocating past it wakes the
 * OOM killer rather than fail.  0 if /proc/meminfo cannot say. */
static uint64_t memory_available(void)
{
	return ring__memory_available("/proc/meminfo", "/proc/self/cgroup", "/sys/fs/cgroup");
}

/* The name's page: a copy of line 0 with state INIT, then state READY, two
 * writes through the descriptor.  No fence between them is needed (nor one
 * that ThreadSanitizer would take): each write to a tmpfs file runs under
 * the file's inode lock, whose release orders the first write's bytes
 * before the second's.  An attacher that reads READY (with pread, then an
 * acquire fence) and reads the page again sees the rest. */
static int publish_name(struct ring *r, int fd)
{
	struct ring_header line0;
	memset(&line0, 0, sizeof(line0));
	memcpy(&line0, r->hdr, RING_CACHELINE);
	atomic_store_explicit(&line0.state, RING_STATE_INIT, memory_order_relaxed);
	uint32_t ready = RING_STATE_READY;
	int rc;
	/* The page has its size already (ring_create, with the magic). */
	if ((rc = fd_io(fd, true, &line0, RING_CACHELINE, 0)))
		return ring__fail(rc, "ring %s: cannot write the name's page: %s", r->name,
				  strerror(-rc));
	if ((rc = fd_io(fd, true, &ready, sizeof(ready), offsetof(struct ring_header, state))))
		return ring__fail(rc, "ring %s: cannot write the name's state: %s", r->name,
				  strerror(-rc));
	return 0;
}

/* The arguments of ring_create, before anything is made: 0 or -EINVAL. */
static int check_config(const char *name, const struct ring_config *cfg, enum ring_role role)
{
	int rc = check_name(name);
	if (rc)
		return rc;
	if (!capacity_ok(cfg->capacity))
		return ring__fail(
		    -EINVAL, "ring %s: capacity %" PRIu64 " is not a power of two in [%llu, %llu]",
		    name, cfg->capacity, RING_CAPACITY_MIN, RING_CAPACITY_MAX);
	if ((unsigned)cfg->wait >= RING_WAIT_COUNT)
		return ring__fail(-EINVAL, "ring %s: wait strategy %d is unknown", name, cfg->wait);
	if ((unsigned)role > RING_ROLE_CONSUMER)
		return ring__fail(-EINVAL, "ring %s: role %d is unknown", name, role);
	return 0;
}

/* The name's page at once, its magic with state INIT: an attacher that
 * comes while the ring is still being allocated (seconds for a large
 * one) waits for READY, and its timeout says the creator never
 * finished, not that the page is truncated.  0 or -errno. */
static int write_early_magic(const struct ring *r, int name_fd)
{
	uint64_t magic = RING_MAGIC;
	int rc = 0;
	if (ftruncate(name_fd, RING_HEADER_SIZE) < 0 ||
	    (rc = fd_io(name_fd, true, &magic, sizeof(magic), 0)) != 0)
		return ring__fail(rc ? rc : -errno, "ring %s: cannot write the name's page: %s",
				  r->name, strerror(rc ? -rc : errno));
	return 0;
}

/* Another process opens the ring through /proc/OUR_PID/fd, which the
 * kernel refuses to everyone but root (CAP_SYS_PTRACE) unless we are
 * dumpable in its plain sense, 1 (not after a change of uid, nor after
 * PR_SET_DUMPABLE 0): say so now, not at each attach.  Root may
 * attach to anyone, so a root creator is let through.  0 or -EPERM. */
static int check_dumpable(const char *name)
{
	if (prctl(PR_GET_DUMPABLE) != 1 && geteuid() != 0)
		return ring__fail(-EPERM,
				  "ring %s: this process is not dumpable (it changed its uid, or "
				  "called prctl(PR_SET_DUMPABLE, 0)), so no other process could "
				  "open the ring through /proc/%d/fd; call prctl(PR_SET_DUMPABLE, "
				  "1) first",
				  name, (int)getpid());
	return 0;
}

/* r->map_len bytes against the memory this process could be given now:
 * 0 or -ENOSPC. */
static int check_memory(const struct ring *r)
{
	uint64_t avail = memory_available();
	if (avail && r->map_len > avail)
		return ring__fail(-ENOSPC,
				  "ring %s: %zu bytes asked, but only %" PRIu64
				  " bytes of memory are available (MemAvailable and SwapFree, "
				  "and the cgroup's memory.max)",
				  r->name, r->map_len, avail);
	return 0;
}

/* The ring itself: a memfd sealed before anyone else can open it, so
 * that nobody (this process included) can ever shrink it under a
 * mapping, which would be SIGBUS on the next touch.  r->map_len bytes,
 * allocated, sealed and mapped (r->shm_fd, r->hdr): 0 or -errno. */
static int make_ring_memfd(struct ring *r)
{
	r->shm_fd = memfd_create(r->name + 1, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (r->shm_fd < 0)
		return ring__fail(-errno, "ring %s: memfd_create: %s", r->name, strerror(errno));
	if (ftruncate(r->shm_fd, (off_t)r->map_len) < 0)
		return ring__fail(-errno, "ring %s: ftruncate to %zu bytes: %s", r->name,
				  r->map_len, strerror(errno));
	/* Allocate every page now: too little memory must be an error here,
	 * not a SIGBUS on first touch in the middle of a run. */
	int rc = posix_fallocate(r->shm_fd, 0, (off_t)r->map_len);
	if (rc)
		return ring__fail(-rc, "ring %s: cannot allocate %zu bytes of shared memory: %s",
				  r->name, r->map_len, strerror(rc));
	if (fcntl(r->shm_fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0)
		return ring__fail(-errno, "ring %s: cannot seal the memfd: %s", r->name,
				  strerror(errno));
	void *map =
	    mmap(NULL, r->map_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->shm_fd, 0);
	if (map == MAP_FAILED)
		return ring__fail(-errno, "ring %s: mmap: %s", r->name, strerror(errno));
	r->hdr = map;
	return 0;
}

/* The header's identity fields (what an attacher snapshots and compares
 * with the name's page), through the mapping: 0 or -errno. */
static int write_header(struct ring *r, const struct ring_config *cfg)
{
	struct ring_header *h = r->hdr;
	uint64_t instance = 0;
	if (getrandom(&instance, sizeof(instance), 0) != sizeof(instance))
		instance = (uint64_t)sys_now_ns() ^ ((uint64_t)getpid() << 32);
	h->magic = RING_MAGIC;
	h->version = RING_VERSION;
	h->header_size = sizeof(struct ring_header);
	h->capacity = cfg->capacity;
	h->instance = instance;
	h->wait = cfg->wait;
	/* Hybrid: the sleeper pays the fence (RING_FLAG_ASYM_WAKE), where the
	 * kernel offers the barrier it needs. */
	int mb = ring__membarrier(MEMBARRIER_CMD_QUERY);
	if (cfg->wait == RING_WAIT_HYBRID && mb > 0 && (mb & MEMBARRIER_CMD_GLOBAL_EXPEDITED) &&
	    (mb & MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED))
		h->flags = RING_FLAG_ASYM_WAKE;
	h->owner_uid = (uint32_t)geteuid();
	h->creator_pid = (int32_t)getpid();
	h->creator_fd = r->shm_fd;
	struct stat self;
	if (fstat(r->shm_fd, &self) < 0)
		return ring__fail(-errno, "ring %s: fstat: %s", r->name, strerror(errno));
	h->ring_ino = (uint64_t)self.st_ino;
	return 0;
}

int ring_create(struct ring **out, const char *name, const struct ring_config *cfg,
		enum ring_role role)
{
	if (!out || !cfg)
		return ring__fail(-EINVAL, "ring_create: out and cfg are required");
	*out = NULL;
	int rc = check_config(name, cfg, role);
	if (rc)
		return rc;

	struct ring *r = handle_new(name, role);
	if (!r)
		return ring__fail(-ENOMEM, "ring %s: out of memory", name);
	r->creator = true;
	/* The name first: it is what makes the ring ours (O_EXCL). */
	int name_fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (name_fd < 0) {
		/* Nothing made: nothing to unlink. */
		rc = ring__fail(-errno, "ring %s: shm_open: %s", name, strerror(errno));
		free(r);
		return rc;
	}
	if ((rc = write_early_magic(r, name_fd)) || (rc = check_dumpable(name)))
		goto err;
	r->map_len = RING_HEADER_SIZE + cfg->capacity;
	if ((rc = check_memory(r)) || (rc = make_ring_memfd(r)) || (rc = write_header(r, cfg)))
		goto err;
	if (cfg->wait == RING_WAIT_EVENTFD && (rc = make_eventfds(r)))
		goto err;
	struct snapshot snap;
	take_snapshot(r->hdr, &snap);
	if ((rc = handle_init(r, &snap, 0, 0)) || (rc = claim_role(r)))
		goto err;
	ring__wake_setup(r);
	/* Pairs with the acquire fence in ring_attach() after it reads READY
	 * in the memfd: every header field stored before this is visible to
	 * it. */
	atomic_store_explicit(&r->hdr->state, RING_STATE_READY, memory_order_release);
	if ((rc = publish_name(r, name_fd)))
		goto err;
	close(name_fd);
	*out = r;
	return 0;

err:
	close(name_fd);
	shm_unlink(name);
	handle_free(r);
	return rc;
}

static void nap(int64_t ns)
{
	struct timespec ts = {.tv_sec = 0, .tv_nsec = ns};
	nanosleep(&ts, NULL);
}

/* True if fd is an eventfd: what the creator must have sent. */
static bool is_eventfd(int fd, char *what, size_t n)
{
	char link[64];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t k = readlink(link, what, n - 1);
	if (k <= 0) {
		snprintf(what, n, "unknown: %s", strerror(errno));
		return false;
	}
	what[k] = 0;
	return strcmp(what, "anon_inode:[eventfd]") == 0;
}

/* The peer of s must be the process the name's page names as the creator,
 * of the uid it names: 0 or -errno. */
static int check_server(struct ring *r, int s, const struct snapshot *snap,
			const struct sockaddr_un *sa)
{
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	if (getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cred, &cl) < 0)
		return ring__fail(-errno, "ring %s: SO_PEERCRED: %s", r->name, strerror(errno));
	if (cred.uid != snap->owner_uid || cred.pid != snap->creator_pid)
		return ring__fail(-EPERM,
				  "ring %s: the eventfd server @%s is pid %d uid %u, but fields "
				  "creator_pid and owner_uid say pid %d uid %u: refusing its "
				  "descriptors",
				  r->name, sa->sun_path + 1, (int)cred.pid, (unsigned)cred.uid,
				  (int)snap->creator_pid, (unsigned)snap->owner_uid);
	return 0;
}

/* Connect s to the eventfd server of the snapshot's instance, and check
 * who answers: 0 or -errno. */
static int connect_creator(struct ring *r, int s, const struct snapshot *snap, int64_t deadline)
{
	struct sockaddr_un sa;
	socklen_t salen = sock_addr(&sa, r->name, snap->instance);
	/* Non-blocking: a listener whose backlog is full makes connect say
	 * EAGAIN rather than wait, so the deadline holds. */
	while (connect(s, (struct sockaddr *)&sa, salen) < 0) {
		int e = errno;
		if (e == EINTR)
			continue;
		if (e == EAGAIN && sys_now_ns() < deadline) {
			nap(200000);
			continue;
		}
		return e == EAGAIN
			   ? ring__fail(-ETIMEDOUT,
					"ring %s: the eventfd server @%s accepts nobody in time",
					r->name, sa.sun_path + 1)
			   : ring__fail(e == ECONNREFUSED || e == ENOENT ? -ESTALE : -e,
					"ring %s: nobody hands out the eventfds of instance "
					"%016" PRIx64 " (@%s: %s): the creator is gone or the "
					"name was re-created",
					r->name, snap->instance, sa.sun_path + 1, strerror(e));
	}
	return check_server(r, s, snap, &sa);
}

/* Wait until the creator's message can be read from s: 0 or -errno. */
static int await_handover(struct ring *r, int s, int64_t deadline)
{
	for (;;) {
		int64_t left = deadline - sys_now_ns();
		struct pollfd p = {.fd = s, .events = POLLIN};
		struct timespec ts = {.tv_sec = left > 0 ? left / 1000000000 : 0,
				      .tv_nsec = left > 0 ? left % 1000000000 : 0};
		int rc = ppoll(&p, 1, &ts, NULL);
		if (rc > 0)
			return 0;
		if (rc < 0 && errno == EINTR)
			continue;
		return ring__fail(rc == 0 ? -ETIMEDOUT : -errno,
				  "ring %s: the creator did not hand out the eventfds in time",
				  r->name);
	}
}

/* The creator's hand-over message as received: what recvmsg returned, the
 * instance it names, and every descriptor it carried (the receiver's to
 * close). */
struct handover {
	ssize_t len;
	int msg_flags;
	uint64_t instance;
	int nfds;
	int fds[16];
};

/* Receive the hand-over message on s into *ho, whose nfds is 0: what came
 * is judged by check_handover(). */
static void recv_handover(int s, struct handover *ho)
{
	struct iovec iov = {.iov_base = &ho->instance, .iov_len = sizeof(ho->instance)};
	/* Room for more descriptors than expected: a sender of too many must
	 * be seen (and its descriptors closed), not truncated by the kernel. */
	union {
		char buf[CMSG_SPACE(sizeof(ho->fds))];
		struct cmsghdr align;
	} ctl;
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = ctl.buf,
			    .msg_controllen = sizeof(ctl.buf)};
	ho->len = recvmsg(s, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	ho->msg_flags = mh.msg_flags;
	if (ho->len < 0)
		return;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k && ho->nfds < (int)(sizeof(ho->fds) / sizeof(ho->fds[0]));
		     i++)
			memcpy(&ho->fds[ho->nfds++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
	}
}

/* The message must carry two eventfds of the incarnation we mapped: 0 or
 * -errno. */
static int check_handover(struct ring *r, const struct snapshot *snap, const struct handover *ho)
{
	if (ho->len != sizeof(ho->instance) || ho->nfds != 2 ||
	    (ho->msg_flags & (MSG_CTRUNC | MSG_TRUNC)))
		return ring__fail(-EPROTO,
				  "ring %s: bad eventfd hand-over message (%zd bytes, %d "
				  "descriptors; expected %zu bytes and 2)",
				  r->name, ho->len, ho->nfds, sizeof(ho->instance));
	if (ho->instance != snap->instance)
		return ring__fail(-ESTALE,
				  "ring %s: eventfds are for instance %016" PRIx64
				  " but field instance is %016" PRIx64 ": two different objects",
				  r->name, ho->instance, snap->instance);
	for (int i = 0; i < 2; i++) {
		char what[64];
		if (!is_eventfd(ho->fds[i], what, sizeof(what)))
			return ring__fail(-EPROTO,
					  "ring %s: the creator sent a descriptor that is not an "
					  "eventfd (%s)",
					  r->name, what);
	}
	return 0;
}

/* Receive the eventfds from the creator.  Whoever answers on the name must
 * be the creator itself (once it stops listening, any local process could
 * bind the name), what arrives must be two eventfds of the incarnation we
 * mapped, and everything received is closed on every error. */
static int fetch_eventfds(struct ring *r, const struct snapshot *snap, int64_t deadline)
{
	struct handover ho = {.nfds = 0};
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0)
		return ring__fail(-errno, "ring %s: socket: %s", r->name, strerror(errno));
	int rc;
	if ((rc = connect_creator(r, s, snap, deadline)) || (rc = await_handover(r, s, deadline)))
		goto out;
	recv_handover(s, &ho);
	if ((rc = check_handover(r, snap, &ho)))
		goto out;
	r->data_efd = ho.fds[0];
	r->space_efd = ho.fds[1];
	ho.nfds = 0;
out:
	for (int i = 0; i < ho.nfds; i++)
		close(ho.fds[i]);
	close(s);
	return rc;
}

/* Validate a snapshot of a READY header. */
static int validate(const char *name, const struct snapshot *h)
{
	if (h->magic != RING_MAGIC)
		return ring__fail(-EPROTO,
				  "ring %s: field magic is 0x%016" PRIx64
				  ", expected 0x%016llx: not a ring",
				  name, h->magic, RING_MAGIC);
	if (h->version != RING_VERSION)
		return ring__fail(-EPROTONOSUPPORT, "ring %s: field version is %u, expected %u",
				  name, h->version, RING_VERSION);
	if (h->header_size != sizeof(struct ring_header))
		return ring__fail(-EPROTONOSUPPORT,
				  "ring %s: field header_size is %u, expected %zu: another layout",
				  name, h->header_size, sizeof(struct ring_header));
	if (!capacity_ok(h->capacity))
		return ring__fail(-EBADMSG,
				  "ring %s: field capacity is %" PRIu64
				  ", not a power of two in [%llu, %llu]",
				  name, h->capacity, RING_CAPACITY_MIN, RING_CAPACITY_MAX);
	if (h->wait >= RING_WAIT_COUNT)
		return ring__fail(-EBADMSG, "ring %s: field wait is %u, not a known strategy", name,
				  h->wait);
	if (h->flags & ~RING_FLAG_ASYM_WAKE)
		return ring__fail(-EPROTONOSUPPORT, "ring %s: field flags is 0x%x, unknown flags",
				  name, h->flags);
	if ((h->flags & RING_FLAG_ASYM_WAKE) && h->wait != RING_WAIT_HYBRID)
		return ring__fail(-EBADMSG,
				  "ring %s: field flags is 0x%x on a %s ring (hybrid only)", name,
				  h->flags, ring_wait_name((enum ring_wait)h->wait));
	if (h->owner_uid != (uint32_t)geteuid())
		return ring__fail(-EPERM, "ring %s: field owner_uid is %u, we are uid %u", name,
				  h->owner_uid, (unsigned)geteuid());
	return 0;
}

/* The memfd's size and allocation against the validated snapshot. */
static int validate_size(const char *name, const struct snapshot *h, const struct stat *st)
{
	uint64_t need = RING_HEADER_SIZE + h->capacity;
	if ((uint64_t)st->st_size < need)
		return ring__fail(
		    -EBADMSG,
		    "ring %s: the memfd's size %lld does not cover the header and field "
		    "capacity (%" PRIu64 " bytes): another size",
		    name, (long long)st->st_size, need);
	/* A creator allocates every page (posix_fallocate), so a file whose
	 * blocks do not cover what the header claims was made by someone
	 * else, and mapping it with MAP_POPULATE would allocate all of it, up
	 * to RING_CAPACITY_MAX, on this process's account. */
	if ((uint64_t)st->st_blocks * 512 < need)
		return ring__fail(-EBADMSG,
				  "ring %s: the memfd is sparse: %llu bytes allocated of the "
				  "%" PRIu64 " that the header and field capacity need (a creator "
				  "allocates every page)",
				  name, (unsigned long long)st->st_blocks * 512, need);
	return 0;
}

/* The device memfds live on, from a memfd of our own: a ring must be one
 * of them, not a hugetlbfs memfd (a hole there is SIGBUS when the pool is
 * empty), a tmpfs file, a device or a file of a FUSE server.  Known once
 * found; a probe that fails (no descriptor free) is tried again next time,
 * and its attach fails. */
static int memfd_device(dev_t *dev)
{
	static _Atomic(bool) known;
	static _Atomic(uint64_t) cached;
	if (!atomic_load_explicit(&known, memory_order_acquire)) {
		int fd = memfd_create("ring-probe", MFD_CLOEXEC);
		struct stat st;
		if (fd < 0 || fstat(fd, &st) < 0) {
			int e = errno;
			if (fd >= 0)
				close(fd);
			return -e;
		}
		close(fd);
		/* Every thread that probes finds the same device. */
		atomic_store_explicit(&cached, (uint64_t)st.st_dev, memory_order_relaxed);
		atomic_store_explicit(&known, true, memory_order_release);
	}
	*dev = (dev_t)atomic_load_explicit(&cached, memory_order_relaxed);
	return 0;
}

/* Open the memfd the name points to: our own open file description of it
 * (for the role locks), through the creator's descriptor in /proc, and
 * only if it is a plain memfd, the one the name says (its inode), ours by
 * uid, and sealed against shrinking.  What the descriptor is, is decided
 * on an O_PATH descriptor, which runs no open code of the target (a
 * terminal would become our controlling one; a FUSE file's open could
 * hold us forever); only then is it opened for reading and writing. */
static int open_ring(struct ring *r, const struct snapshot *s)
{
	char path[64];
	if (s->creator_pid <= 0 || s->creator_fd < 0)
		return ring__fail(-EBADMSG,
				  "ring %s: fields creator_pid %d and creator_fd %d point nowhere",
				  r->name, (int)s->creator_pid, (int)s->creator_fd);
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)s->creator_pid, (int)s->creator_fd);
	int at = open(path, O_PATH | O_CLOEXEC);
	if (at < 0) {
		int e = errno;
		if (e == ENOENT || e == ESRCH)
			return ring__fail(-ESTALE,
					  "ring %s: its creator (pid %d) no longer holds the ring "
					  "(%s: %s): a ring can be attached while its creator "
					  "holds it",
					  r->name, (int)s->creator_pid, path, strerror(e));
		if (e == EACCES || e == EPERM)
			return ring__fail(
			    -EPERM,
			    "ring %s: cannot open the creator's memfd %s: %s (another "
			    "pid namespace, another uid, or a creator that is not "
			    "dumpable)",
			    r->name, path, strerror(e));
		return ring__fail(-e, "ring %s: cannot open the creator's memfd %s: %s", r->name,
				  path, strerror(e));
	}
	/* Cached attributes: a FUSE server is not asked. */
	struct statx sx;
	dev_t memfd_dev = 0;
	int rc = memfd_device(&memfd_dev);
	if (rc) {
		rc = ring__fail(rc, "ring %s: cannot make a memfd to learn their device: %s",
				r->name, strerror(-rc));
	} else if (statx(at, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC,
			 STATX_TYPE | STATX_UID | STATX_INO, &sx) < 0) {
		rc = ring__fail(-errno, "ring %s: statx of %s: %s", r->name, path, strerror(errno));
	} else if (!S_ISREG(sx.stx_mode) ||
		   makedev(sx.stx_dev_major, sx.stx_dev_minor) != memfd_dev) {
		rc = ring__fail(-EPROTO,
				"ring %s: %s is not a memfd (mode 0%o, device %u:%u): not a ring's "
				"memory",
				r->name, path, (unsigned)sx.stx_mode, sx.stx_dev_major,
				sx.stx_dev_minor);
	} else if (sx.stx_ino != s->ring_ino) {
		rc =
		    ring__fail(-ESTALE,
			       "ring %s: %s is inode %llu, the name says the ring is inode %" PRIu64
			       ": the creator no longer holds the ring there (a ring can be "
			       "attached while its creator holds it)",
			       r->name, path, (unsigned long long)sx.stx_ino, s->ring_ino);
	} else if (sx.stx_uid != geteuid()) {
		rc = ring__fail(-EPERM, "ring %s: %s is owned by uid %u, we are uid %u", r->name,
				path, (unsigned)sx.stx_uid, (unsigned)geteuid());
	}
	if (rc) {
		close(at);
		return rc;
	}
	/* Now a plain memfd: open it, through our own O_PATH descriptor (the
	 * same file whatever the creator's descriptor table does meanwhile).
	 * O_NONBLOCK: a lease on it must not hold us past the timeout. */
	char mine[64];
	snprintf(mine, sizeof(mine), "/proc/self/fd/%d", at);
	int fd = open(mine, O_RDWR | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	int e = errno;
	close(at);
	if (fd < 0)
		return ring__fail(e == EWOULDBLOCK ? -ETIMEDOUT : -e,
				  "ring %s: cannot open the creator's memfd %s: %s", r->name, path,
				  e == EWOULDBLOCK ? "a lease on it kept us out" : strerror(e));
	r->shm_fd = fd;
	int seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0 || !(seals & F_SEAL_SHRINK))
		return ring__fail(-EPROTO,
				  "ring %s: %s is not a memfd sealed against shrinking (seals "
				  "%d): whoever holds it could shrink it under our mapping",
				  r->name, path, seals);
	return 0;
}

/* Open the name's page into *fd: 0 or -errno.  The object may not exist
 * yet: the creator can be a moment behind. */
static int open_name(const char *name, int64_t start, int64_t deadline, int *fd)
{
	/* Read-only: the name's page is the creator's to write.  O_NONBLOCK:
	 * an open would otherwise wait out a write lease a peer holds on it
	 * (lease-break-time, 45 s by default), past our timeout; it says
	 * EWOULDBLOCK instead, and we retry.  The flag changes nothing else on
	 * a regular file. */
	while ((*fd = shm_open(name, O_RDONLY | O_CLOEXEC | O_NONBLOCK, 0)) < 0) {
		int e = errno;
		if ((e != ENOENT && e != EWOULDBLOCK) || sys_now_ns() >= deadline)
			return ring__fail(e == EWOULDBLOCK ? -ETIMEDOUT : -e,
					  "ring %s: %s after %lld ms", name,
					  e == ENOENT	     ? "no such object"
					  : e == EWOULDBLOCK ? "a lease on the object kept us out"
							     : strerror(e),
					  (long long)((sys_now_ns() - start) / 1000000));
		nap(200000);
	}
	return 0;
}

/* One look at the name's page on fd: 1 once it says READY (*hb then holds
 * the page read again after an acquire fence), 0 if not yet (*n is what
 * the first read got), or -errno. */
static int look_at_name(const char *name, int fd, struct ring_header *hb, ssize_t *n)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return ring__fail(-errno, "ring %s: fstat: %s", name, strerror(errno));
	if (st.st_uid != geteuid())
		return ring__fail(-EPERM, "ring %s: owned by uid %u, we are uid %u", name,
				  (unsigned)st.st_uid, (unsigned)geteuid());
	do
		*n = pread(fd, hb, sizeof(*hb), 0);
	while (*n < 0 && errno == EINTR);
	if (*n < 0)
		return ring__fail(-errno, "ring %s: pread: %s", name, strerror(errno));
	if (*n == sizeof(*hb) &&
	    atomic_load_explicit(&hb->state, memory_order_relaxed) == RING_STATE_READY) {
		/* Pairs with the order of the creator's two writes of
		 * the page (publish_name()): the read above saw READY, so
		 * the fields the first write stored are visible to a read
		 * ordered after this fence.  GCC refuses a fence under
		 * ThreadSanitizer, which models none (and cannot see the
		 * creator's process anyway): the warning is off here alone. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wtsan"
#endif
		atomic_thread_fence(memory_order_acquire);
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
		if (fd_io(fd, false, hb, sizeof(*hb), 0) == 0 &&
		    atomic_load_explicit(&hb->state, memory_order_relaxed) == RING_STATE_READY)
			return 1;
	}
	return 0;
}

/* The name's page is not READY yet; n is what the read got (the page's
 * size when short of a header).  0 to wait on, or -errno once it cannot
 * become a ring or late says the deadline passed. */
static int name_not_ready(const char *name, ssize_t n, const struct ring_header *hb, bool late,
			  int64_t start)
{
	if (n < (ssize_t)sizeof(*hb)) {
		/* Between the creator's shm_open and ftruncate, or
		 * truncated: n is the page's size. */
		if (late)
			return ring__fail(-EBADMSG,
					  "ring %s: the name's page has size %lld, smaller "
					  "than a header (%d bytes): truncated or not a ring",
					  name, (long long)n, RING_HEADER_SIZE);
		return 0;
	}
	/* Only the creator writes magic, and only RING_MAGIC: any
	 * other non-zero value means this is not a ring being
	 * built. */
	uint64_t magic = hb->magic;
	if ((magic != 0 && magic != RING_MAGIC) || (late && magic == 0))
		return ring__fail(-EPROTO,
				  "ring %s: field magic is 0x%016" PRIx64
				  ", expected 0x%016llx: not a ring",
				  name, magic, RING_MAGIC);
	if (late)
		return ring__fail(-ETIMEDOUT,
				  "ring %s: field state is %u after %lld ms: its "
				  "creator never finished",
				  name, atomic_load(&hb->state),
				  (long long)((sys_now_ns() - start) / 1000000));
	return 0;
}

/* Read the name's page on fd into *hb until it says READY: 0 or -errno.
 * The page is read with pread, never mapped: a peer may shrink or rewrite
 * it at any time, and a short read is an error where a load through a
 * mapping would be SIGBUS. */
static int wait_name_ready(const char *name, int fd, int64_t start, int64_t deadline,
			   struct ring_header *hb)
{
	for (;;) {
		ssize_t n = 0;
		int rc = look_at_name(name, fd, hb, &n);
		if (rc)
			return rc < 0 ? rc : 0;
		bool late = sys_now_ns() >= deadline;
		if ((rc = name_not_ready(name, n, hb, late, start)))
			return rc;
		nap(100000);
	}
}

/* The snapshot of a ready name's page, which is opened and closed here:
 * 0 or -errno. */
static int read_name(const char *name, int64_t start, int64_t deadline, struct snapshot *snap)
{
	int name_fd;
	int rc = open_name(name, start, deadline, &name_fd);
	if (rc)
		return rc;
	struct ring_header hb;
	rc = wait_name_ready(name, name_fd, start, deadline, &hb);
	/* One snapshot of the name's page decides everything from here on:
	 * a peer that rewrites it meanwhile cannot make two decisions
	 * disagree (a mask larger than the mapping). */
	if (!rc)
		take_snapshot(&hb, snap);
	close(name_fd);
	return rc;
}

/* The memfd's header (mine) is not what the name's page says (snap), the
 * first field that differs named by differs: -EPROTO or -ESTALE. */
static int refuse_memfd_header(const char *name, const struct snapshot *snap,
			       const struct snapshot *mine, const char *differs)
{
	/* All zeroes where the name says a ready ring: the seed's
	 * failure in the creator, whose writes never reached the memfd. */
	if (mine->magic == 0 && mine->instance == 0)
		return ring__fail(-EPROTO,
				  "ring %s: the memfd its name points to (pid %d, fd %d) "
				  "reads zeros (field magic is 0x0) where the name says a "
				  "ready ring of instance %016" PRIx64
				  ": the creator's writes to it never arrived (a private or "
				  "copied mapping in the creator?)",
				  name, (int)snap->creator_pid, (int)snap->creator_fd,
				  snap->instance);
	if (mine->instance != snap->instance)
		return ring__fail(-ESTALE,
				  "ring %s: the memfd at pid %d fd %d is instance %016" PRIx64
				  ", the name says %016" PRIx64 ": two different objects",
				  name, (int)snap->creator_pid, (int)snap->creator_fd,
				  mine->instance, snap->instance);
	return ring__fail(-EPROTO,
			  "ring %s: the memfd's header is not what the name says "
			  "(field %s differs)",
			  name, differs);
}

/* The ring's own header, through the descriptor: the creator stored
 * READY in it (release) before it wrote the name's page, which we saw
 * READY after an acquire fence.  It must say what the name's page says:
 * 0 and the indices read with it, or -errno. */
static int read_ring_header(struct ring *r, const struct snapshot *snap, uint64_t *head,
			    uint64_t *tail)
{
	struct ring_header hb;
	int rc = fd_io(r->shm_fd, false, &hb, sizeof(hb), 0);
	if (rc)
		return ring__fail(rc, "ring %s: cannot read the memfd's header: %s", r->name,
				  strerror(-rc));
	struct snapshot mine;
	take_snapshot(&hb, &mine);
	const char *differs = identity_differs(snap, &mine);
	if (!differs && atomic_load_explicit(&hb.state, memory_order_relaxed) != RING_STATE_READY)
		differs = "state";
	if (differs)
		return refuse_memfd_header(r->name, snap, &mine, differs);
	*head = atomic_load_explicit(&hb.head, memory_order_relaxed);
	*tail = atomic_load_explicit(&hb.tail, memory_order_relaxed);
	return 0;
}

/* Map the whole ring once the memfd's size and allocation cover what the
 * snapshot says (r->hdr, r->map_len): 0 or -errno. */
static int map_ring(struct ring *r, const struct snapshot *snap)
{
	struct stat st;
	if (fstat(r->shm_fd, &st) < 0)
		return ring__fail(-errno, "ring %s: fstat: %s", r->name, strerror(errno));
	int rc = validate_size(r->name, snap, &st);
	if (rc)
		return rc;
	size_t full = RING_HEADER_SIZE + snap->capacity;
	/* Populated now: page faults belong to attach, not to the first lap.
	 * The seal keeps the size for as long as we map it (not the pages: a
	 * peer can punch holes, which read as zeros; see ring.h). */
	void *map =
	    mmap(NULL, full, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->shm_fd, 0);
	if (map == MAP_FAILED)
		return ring__fail(-errno, "ring %s: mmap of %zu bytes: %s", r->name, full,
				  strerror(errno));
	r->hdr = map;
	r->map_len = full;
	return 0;
}

int ring_attach(struct ring **out, const char *name, enum ring_role role, int64_t timeout_ns)
{
	if (!out)
		return ring__fail(-EINVAL, "ring_attach: out is required");
	*out = NULL;
	int rc = check_name(name);
	if (rc)
		return rc;
	if (role != RING_ROLE_PRODUCER && role != RING_ROLE_CONSUMER)
		return ring__fail(-EINVAL, "ring %s: attach as producer or consumer, not role %d",
				  name, role);
	int64_t start = sys_now_ns(), deadline = ring__deadline(timeout_ns);
	struct ring *r = handle_new(name, role);
	if (!r)
		return ring__fail(-ENOMEM, "ring %s: out of memory", name);

	struct snapshot snap;
	uint64_t head = 0, tail = 0;
	if ((rc = read_name(name, start, deadline, &snap)) || (rc = validate(name, &snap)) ||
	    (rc = open_ring(r, &snap)) || (rc = read_ring_header(r, &snap, &head, &tail)) ||
	    (rc = map_ring(r, &snap)))
		goto err;
	if (snap.wait == RING_WAIT_EVENTFD && (rc = fetch_eventfds(r, &snap, deadline)))
		goto err;
	/* The first write to the ring, through the descriptor: attach never
	 * touches the mapping, which is the caller's to touch first. */
	if ((rc = handle_init(r, &snap, head, tail)) || (rc = claim_role(r)))
		goto err;
	ring__wake_setup(r);
	*out = r;
	return 0;
err:
	handle_free(r);
	return rc;
}

static int send_eventfds(struct ring *r, int conn, struct ucred *cred)
{
	socklen_t cl = sizeof(*cred);
	if (getsockopt(conn, SOL_SOCKET, SO_PEERCRED, cred, &cl) < 0)
		return ring__fail(-errno, "ring %s: SO_PEERCRED: %s", r->name, strerror(errno));
	if (cred->uid != geteuid())
		return -EPERM;
	uint64_t instance = r->hdr->instance;
	struct iovec iov = {.iov_base = &instance, .iov_len = sizeof(instance)};
	union {
		char buf[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	memset(&ctl, 0, sizeof(ctl));
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = ctl.buf,
			    .msg_controllen = sizeof(ctl.buf)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(2 * sizeof(int));
	int fds[2] = {r->data_efd, r->space_efd};
	memcpy(CMSG_DATA(c), fds, sizeof(fds));
	if (sendmsg(conn, &mh, MSG_NOSIGNAL) != sizeof(instance))
		return ring__fail(-errno, "ring %s: sendmsg: %s", r->name, strerror(errno));
	return 0;
}

/* Serve one pending connection: 0, -EAGAIN if none, -EPERM for a process
 * of another uid (closed with nothing sent; *cred says who), or -errno. */
static int serve_one(struct ring *r, struct ucred *cred)
{
	int conn = accept4(r->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (conn < 0)
		return -errno;
	int rc = send_eventfds(r, conn, cred);
	close(conn);
	return rc;
}

void ring__serve_pending(struct ring *r)
{
	struct ucred cred;
	if (r->listen_fd >= 0)
		(void)serve_one(r, &cred);
}

int ring_serve(struct ring *r, int64_t timeout_ns)
{
	if (!r || !r->creator)
		return ring__fail(-EINVAL, "ring_serve: only the creator hands out eventfds");
	if (r->listen_fd < 0)
		return 0;
	int64_t deadline = ring__deadline(timeout_ns);
	struct ucred refused = {.pid = 0};
	for (;;) {
		struct ucred cred;
		int rc = serve_one(r, &cred);
		if (rc == 0)
			return 0;
		if (rc == -EPERM)
			refused = cred; /* another user's process, already closed: serve on */
		else if (rc != -EAGAIN && rc != -EWOULDBLOCK && rc != -EINTR)
			return ring__fail(rc, "ring %s: accept: %s", r->name, strerror(-rc));
		int64_t left = deadline - sys_now_ns();
		if (left <= 0) {
			if (refused.pid)
				return ring__fail(-ETIMEDOUT,
						  "ring %s: nobody came for the eventfds in time "
						  "(refused pid %d of uid %u)",
						  r->name, (int)refused.pid, (unsigned)refused.uid);
			return ring__fail(-ETIMEDOUT,
					  "ring %s: nobody came for the eventfds in time", r->name);
		}
		if (rc == -EPERM)
			continue; /* more may be waiting */
		struct pollfd p = {.fd = r->listen_fd, .events = POLLIN};
		struct timespec ts = {.tv_sec = left / 1000000000, .tv_nsec = left % 1000000000};
		ppoll(&p, 1, &ts, NULL);
	}
}

int ring__peer_state(struct ring *r)
{
	if (r->role == RING_ROLE_NONE)
		return 0;
	_Atomic(int32_t) *slot = role_slot(r->hdr, peer_role(r));
	/* The slot before the lock: an attacher takes the lock, then fills
	 * its slot, so a slot seen filled here had its lock taken before the
	 * look below (read the other way round, an attach between the two
	 * reads would look like a death). */
	int32_t before = atomic_load_explicit(slot, memory_order_acquire);
	/* Held (or no answer): the holder lives, whatever its slot says; a
	 * CLOSED there is not believed until the lock is free, nor a NONE. */
	if (role_held(r, peer_role(r)) != 0) {
		r->peer_attached = true;
		return 0;
	}
	/* Free.  Never seen attached and the slot was empty: not attached yet.
	 * Once seen, an empty slot is no reason to wait: the holder is gone. */
	if (!r->peer_attached && before == RING_PID_NONE)
		return 0;
	r->peer_attached = true;
	/* The holder closed or died.  ring_close() stores CLOSED before it
	 * unlocks, so this read, after we saw the lock free, tells which.
	 * Pairs with the release of that store. */
	return atomic_load_explicit(slot, memory_order_acquire) == RING_PID_CLOSED ? -EPIPE
										   : -EOWNERDEAD;
}

int ring__peer_pidfd(struct ring *r)
{
	if (r->role == RING_ROLE_NONE)
		return -1;
	int32_t pid = atomic_load_explicit(role_slot(r->hdr, peer_role(r)), memory_order_relaxed);
	if (pid > 0 && pid != r->peer_pid) {
		if (r->peer_pidfd >= 0)
			close(r->peer_pidfd);
		r->peer_pid = pid;
		r->syscalls++;
		/* -1 if that pid is gone already: the lock tells the rest. */
		r->peer_pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	}
	return r->peer_pidfd;
}

void ring__peer_pidfd_fired(struct ring *r)
{
	/* The process it names has exited, and its descriptors were closed
	 * before that showed.  If the role's lock is still held, that process
	 * was not the holder (its pid was reused, or written by someone
	 * else): a pidfd that stays readable would end every sleep at once,
	 * so drop it, and open none for that pid again. */
	if (r->peer_pidfd >= 0 && ring__peer_state(r) == 0) {
		close(r->peer_pidfd);
		r->peer_pidfd = -1;
	}
}

int ring_wait_peer(struct ring *r, int64_t timeout_ns)
{
	if (!r || r->role == RING_ROLE_NONE)
		return ring__fail(-EINVAL, "ring_wait_peer: needs a producer or consumer handle");
	enum ring_role peer = peer_role(r);
	int64_t deadline = ring__deadline(timeout_ns);
	for (;;) {
		int st = ring__peer_state(r);
		if (st == -EPIPE)
			return ring__fail(st, "ring %s: the %s closed", r->name, role_name(peer));
		if (st == -EOWNERDEAD)
			return ring__fail(st, "ring %s: the %s (field %s_pid is %d) died", r->name,
					  role_name(peer), role_name(peer),
					  (int)atomic_load(role_slot(r->hdr, peer)));
		/* Attached: its role's lock was seen held (ring__peer_state). */
		if (r->peer_attached)
			return 0;
		if (r->creator)
			ring__serve_pending(r);
		if (sys_now_ns() >= deadline)
			return ring__fail(-ETIMEDOUT, "ring %s: no %s attached in time", r->name,
					  role_name(peer));
		nap(100000);
	}
}

void ring_close(struct ring *r)
{
	if (!r)
		return;
	/* A child forked without exec holds a copy of the handle and shares its
	 * open file description, lock included: its close only frees its copy,
	 * and touches nothing the process that attached still uses. */
	if (r->hdr && r->role != RING_ROLE_NONE && getpid() == r->owner) {
		struct ring_header *h = r->hdr;
		if (r->role == RING_ROLE_PRODUCER)
			ring_publish(r);
		else
			ring__publish_head(r);
		/* Release: the last index above is visible to a peer that sees
		 * CLOSED (its acquire in ring__peer_state).  A plain store, not an
		 * exchange from our pid: we hold the role's lock, so the slot is
		 * ours, whatever a peer wrote into it meanwhile. */
		atomic_store_explicit(role_slot(h, r->role), RING_PID_CLOSED, memory_order_release);
		/* Then the lock, so that a peer that finds it free finds CLOSED
		 * too, and only then the wake, so that a peer woken by it sees
		 * both. */
		struct flock fl;
		(void)role_lock(r, r->role, F_OFD_SETLK, F_UNLCK, &fl);
		if (r->notify) {
			/* The peer may be asleep: wake it unconditionally so it sees
			 * the close now rather than at its next timeout slice. */
			if (r->role == RING_ROLE_PRODUCER) {
				atomic_store_explicit(&h->consumer_waiting, 1,
						      memory_order_relaxed);
				ring__wake_consumer(r);
			} else {
				atomic_store_explicit(&h->producer_waiting, 1,
						      memory_order_relaxed);
				ring__wake_producer(r);
			}
		}
	}
	handle_free(r);
}

int ring_unlink(const char *name)
{
	int rc = check_name(name);
	if (rc)
		return rc;
	if (shm_unlink(name) < 0)
		return ring__fail(-errno, "ring %s: shm_unlink: %s", name, strerror(errno));
	return 0;
}
