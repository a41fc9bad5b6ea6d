/* spec.c: parsing option and scenario values, and expanding a spec into the
 * list of cases to run. */
#include "cli/spec.h"
#include "payload.h"
#include "measure/transport.h"

#include "measure/sweep.h"

#include <ctype.h>
#include <sched.h>
#include <stdarg.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void spec_init(struct spec *s)
{
	memset(s, 0, sizeof(*s));
	s->cpu[0] = 0;
	s->cpu[1] = 1;
	s->npairs = 1;
	s->pairs[0][0] = 0;
	s->pairs[0][1] = 1;
	s->repetitions = 5;
	s->warmup = 1;
}

void spec_mode_defaults(struct spec_mode *m, enum bench_mode mode)
{
	memset(m, 0, sizeof(*m));
	m->enabled = true;
	m->transports = (struct spec_list){1, {T_RING}};
	m->waits = (struct spec_list){1, {RING_WAIT_SPIN}};
	m->sizes = (struct spec_list){1, {64}};
	m->capacities = (struct spec_list){1, {mode == MODE_PINGPONG ? 65536 : 1 << 20}};
	m->rates = (struct spec_list){1, {100000}};
	if (mode == MODE_PINGPONG)
		m->messages = 100000;
	else
		m->duration = 1.0;
}

static int fail(char *err, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, n, fmt, ap);
	va_end(ap);
	return -1;
}

/* A decimal number with an optional K, M (and G when g_ok) suffix in units of
 * `unit` (1024 or 1000).  Returns 0 with *end after the suffix, or -1. */
static int parse_scaled(const char *s, uint64_t unit, bool g_ok, uint64_t *out, const char **end)
{
	if (!isdigit((unsigned char)*s))
		return -1;
	char *e;
	errno = 0;
	unsigned long long v = strtoull(s, &e, 10);
	uint64_t mul = 1;
	if (*e == 'K' || *e == 'k')
		mul = unit, e++;
	else if (*e == 'M' || *e == 'm')
		mul = unit * unit, e++;
	else if (g_ok && (*e == 'G' || *e == 'g'))
		mul = unit * unit * unit, e++;
	if (errno || v > UINT64_MAX / mul)
		return -1;
	*out = v * mul;
	*end = e;
	return 0;
}

int spec_parse_bytes(const char *s, uint64_t *out, char *err, size_t n)
{
	const char *end;
	uint64_t v;
	if (parse_scaled(s, 1024, true, &v, &end))
		return fail(err, n, "'%s' is not a byte count (like 64, 4K, 1M)", s);
	if (*end == 'i' || *end == 'B') /* accept KiB, MB... as binary */
		end += (*end == 'i' && end[1] == 'B') ? 2 : 1;
	if (*end)
		return fail(err, n, "'%s' is not a byte count (like 64, 4K, 1M)", s);
	*out = v;
	return 0;
}

static int add(struct spec_list *l, uint64_t v, char *err, size_t n)
{
	for (int i = 0; i < l->n; i++)
		if (l->v[i] == v)
			return 0;
	if (l->n == SPEC_MAX_LIST)
		return fail(err, n, "more than %d values in one list", SPEC_MAX_LIST);
	l->v[l->n++] = v;
	return 0;
}

/* Split a comma list and call fn on each non-empty item. */
static int each_item(const char *s, struct spec_list *l, char *err, size_t n,
		     int (*fn)(const char *, struct spec_list *, char *, size_t))
{
	char buf[512];
	if (strlen(s) >= sizeof(buf))
		return fail(err, n, "list too long");
	snprintf(buf, sizeof(buf), "%s", s);
	l->n = 0;
	/* strtok_r would skip an empty item silently: refuse it instead. */
	size_t len = strlen(s);
	if (len && (s[0] == ',' || s[len - 1] == ',' || strstr(s, ",,")))
		return fail(err, n, "empty item in list '%s'", s);
	char *save, *tok = strtok_r(buf, ",", &save);
	if (!tok)
		return fail(err, n, "empty list");
	for (; tok; tok = strtok_r(NULL, ",", &save)) {
		while (isspace((unsigned char)*tok))
			tok++;
		char *e = tok + strlen(tok);
		while (e > tok && isspace((unsigned char)e[-1]))
			*--e = 0;
		if (!*tok)
			return fail(err, n, "empty item in list '%s'", s);
		if (fn(tok, l, err, n))
			return -1;
	}
	return 0;
}

static int byte_item(const char *tok, struct spec_list *l, char *err, size_t n)
{
	const char *dash = strchr(tok, '-');
	uint64_t lo, hi;
	if (!dash) {
		if (spec_parse_bytes(tok, &lo, err, n))
			return -1;
		if (lo == 0)
			return fail(err, n, "'%s': must be more than 0", tok);
		return add(l, lo, err, n);
	}
	char a[64];
	snprintf(a, sizeof(a), "%.*s", (int)(dash - tok), tok);
	if (spec_parse_bytes(a, &lo, err, n) || spec_parse_bytes(dash + 1, &hi, err, n))
		return -1;
	if (lo == 0 || hi < lo)
		return fail(err, n, "range '%s' must go from more than 0 up", tok);
	/* A range steps by powers of two: 8-1M is 8, 16, 32 ... 1M. */
	for (uint64_t v = lo; v <= hi && v != 0; v *= 2)
		if (add(l, v, err, n))
			return -1;
	return 0;
}

int spec_parse_byte_list(const char *s, struct spec_list *l, char *err, size_t n)
{
	return each_item(s, l, err, n, byte_item);
}

static int wait_item(const char *tok, struct spec_list *l, char *err, size_t n)
{
	enum ring_wait w;
	if (ring_wait_parse(tok, &w))
		return fail(err, n, "unknown wait strategy '%s' (spin, futex, eventfd, hybrid)",
			    tok);
	return add(l, (uint64_t)w, err, n);
}

int spec_parse_wait_list(const char *s, struct spec_list *l, char *err, size_t n)
{
	if (strcmp(s, "all") == 0)
		s = "spin,futex,eventfd,hybrid";
	return each_item(s, l, err, n, wait_item);
}

static int transport_item(const char *tok, struct spec_list *l, char *err, size_t n)
{
	enum bench_transport t;
	if (bench_transport_parse(tok, &t)) {
		char names[256] = "";
		for (int i = 0; i < T_COUNT; i++)
			snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
				 i ? ", " : "", bench_transport_name((enum bench_transport)i));
		return fail(err, n, "unknown transport '%s' (%s)", tok, names);
	}
	return add(l, (uint64_t)t, err, n);
}

int spec_parse_transport_list(const char *s, struct spec_list *l, char *err, size_t n)
{
	if (strcmp(s, "all") == 0) {
		/* Every transport in the table, in its order. */
		l->n = 0;
		for (int i = 0; i < T_COUNT; i++)
			if (add(l, (uint64_t)i, err, n))
				return -1;
		return 0;
	}
	return each_item(s, l, err, n, transport_item);
}

int spec_parse_int(const char *s, int lo, int hi, int *out, char *err, size_t n)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return fail(err, n, "'%s' is not a whole number from %d to %d", s, lo, hi);
	*out = (int)v;
	return 0;
}

int spec_parse_cpus(const char *s, int cpu[2], char *err, size_t n)
{
	const char *comma = strchr(s, ',');
	char a[32];
	if (!comma || strchr(comma + 1, ','))
		return fail(err, n, "'%s': give two CPUs, producer and consumer, like 0,1", s);
	snprintf(a, sizeof(a), "%.*s", (int)(comma - s), s);
	if (spec_parse_int(a, 0, 4095, &cpu[0], err, n) ||
	    spec_parse_int(comma + 1, 0, 4095, &cpu[1], err, n))
		return -1;
	return 0;
}

int spec_parse_cpu_pairs(const char *s, struct spec *sp, char *err, size_t n)
{
	int k = 0;
	if (strcmp(s, "all-pairs") == 0) {
		int cpus[SWEEP_MAX_CPUS];
		int nc = sweep_parse_cpus("all", cpus, err, n);
		if (nc < 0)
			return -1;
		for (int i = 0; i < nc; i++)
			for (int j = 0; j < nc; j++)
				if (i != j) {
					if (k == SPEC_MAX_PAIRS)
						return fail(err, n,
							    "all-pairs: more than %d pairs of CPUs",
							    SPEC_MAX_PAIRS);
					sp->pairs[k][0] = cpus[i];
					sp->pairs[k++][1] = cpus[j];
				}
	} else {
		char buf[2048];
		if (strlen(s) >= sizeof(buf))
			return fail(err, n, "--cpus: too long");
		snprintf(buf, sizeof(buf), "%s", s);
		char *save = NULL;
		for (char *tok = strtok_r(buf, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
			if (k == SPEC_MAX_PAIRS)
				return fail(err, n, "more than %d pairs of CPUs", SPEC_MAX_PAIRS);
			if (spec_parse_cpus(tok, sp->pairs[k], err, n))
				return -1;
			for (int q = 0; q < k; q++)
				if (sp->pairs[q][0] == sp->pairs[k][0] &&
				    sp->pairs[q][1] == sp->pairs[k][1])
					return fail(err, n, "the pair %d,%d is named twice",
						    sp->pairs[k][0], sp->pairs[k][1]);
			k++;
		}
		if (k == 0 || s[strlen(s) - 1] == '/' || s[0] == '/' || strstr(s, "//"))
			return fail(err, n,
				    "'%s': give pairs of CPUs like 0,1 or 0,1/1,0, or all-pairs",
				    s);
	}
	if (k == 0)
		return fail(err, n, "all-pairs: this process may run on one CPU only");
	sp->npairs = k;
	sp->cpu[0] = sp->pairs[0][0];
	sp->cpu[1] = sp->pairs[0][1];
	return 0;
}

int spec_parse_count(const char *s, uint64_t *out, char *err, size_t n)
{
	/* Counts take the same suffixes, in thousands: 100K is 100000. */
	const char *end;
	if (!isdigit((unsigned char)*s))
		return fail(err, n, "'%s' is not a count (like 100000 or 1M)", s);
	if (parse_scaled(s, 1000, false, out, &end) || *end || *out == 0)
		return fail(err, n, "'%s' is not a count above 0 (like 100000 or 1M)", s);
	return 0;
}

static int count_item(const char *tok, struct spec_list *l, char *err, size_t n)
{
	uint64_t v;
	return spec_parse_count(tok, &v, err, n) ? -1 : add(l, v, err, n);
}

int spec_parse_count_list(const char *s, struct spec_list *l, char *err, size_t n)
{
	return each_item(s, l, err, n, count_item);
}

int spec_parse_seconds(const char *s, double *out, char *err, size_t n)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (*end == 's')
		end++;
	if (errno || end == s || *end || !(v > 0) || v > 3600)
		return fail(err, n, "'%s' is not a duration in seconds (0 to 3600)", s);
	*out = v;
	return 0;
}

int spec_check(const struct spec *s, char *err, size_t n)
{
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);
	cpu_set_t mask;
	bool have_mask = sched_getaffinity(0, sizeof(mask), &mask) == 0;
	for (int p = 0; p < s->npairs; p++) {
		const int *cpu = s->pairs[p];
		for (int i = 0; i < 2; i++) {
			if (cpu[i] >= ncpu)
				return fail(err, n,
					    "CPU %d does not exist: this machine has CPUs 0 to %ld",
					    cpu[i], ncpu - 1);
			if (have_mask && !CPU_ISSET(cpu[i], &mask))
				return fail(err, n,
					    "CPU %d is not one this process may run on (see "
					    "taskset -p $$)",
					    cpu[i]);
		}
		if (cpu[0] == cpu[1])
			return fail(err, n,
				    "producer and consumer on the same CPU %d: a spinning peer "
				    "would starve the other",
				    cpu[0]);
	}
	bool any = false;
	for (int m = 0; m < MODE_COUNT; m++) {
		const struct spec_mode *sm = &s->mode[m];
		if (!sm->enabled)
			continue;
		any = true;
		size_t min = m == MODE_LATENCY ? PAYLOAD_MIN_STAMP : PAYLOAD_MIN_FULL;
		for (int i = 0; i < sm->sizes.n; i++)
			if (sm->sizes.v[i] < min)
				return fail(err, n,
					    "size %" PRIu64
					    " is too small for %s: every message carries "
					    "a sequence number and tag%s (%zu bytes)",
					    sm->sizes.v[i], bench_mode_name((enum bench_mode)m),
					    m == MODE_LATENCY ? " and a time stamp" : "", min);
		for (int i = 0; i < sm->capacities.n; i++) {
			uint64_t c = sm->capacities.v[i];
			if (c < RING_CAPACITY_MIN || c > RING_CAPACITY_MAX || (c & (c - 1)))
				return fail(
				    err, n,
				    "capacity %" PRIu64 " is not a power of two from 4K to 1T", c);
		}
		bool runnable = false;
		for (int i = 0; i < sm->transports.n; i++)
			runnable |=
			    (transport_get((enum bench_transport)sm->transports.v[i])->modes &
			     (1u << m)) != 0;
		if (!runnable)
			return fail(err, n,
				    "no transport listed for %s can run it (line and work run "
				    "pingpong only)",
				    bench_mode_name((enum bench_mode)m));
		for (int i = 0; i < sm->rates.n && m == MODE_LATENCY; i++)
			if (sm->rates.v[i] == 0 || sm->rates.v[i] > 100000000)
				return fail(err, n,
					    "rate %" PRIu64 " is not from 1 to 100M per second",
					    sm->rates.v[i]);
	}
	if (!any)
		return fail(err, n, "nothing to run");
	return 0;
}

/* Larger than the transport carries: skipped, said once per transport. */
static bool too_big(enum bench_transport t, uint64_t size)
{
	uint64_t max = transport_get(t)->max_size;
	if (!max || size <= max)
		return false;
	static bool said[T_COUNT];
	if (!said[t])
		fprintf(stderr, "ringbench: skipping %s for messages over %" PRIu64 " bytes\n",
			bench_transport_name(t), max);
	said[t] = true;
	return true;
}

/* A peer whose library or daemon is missing: skipped, its reason said
 * once. */
static bool skipped(enum bench_transport t, bool start)
{
	const struct transport *tp = transport_get(t);
	const char *why = tp->unavailable ? tp->unavailable(start) : NULL;
	static bool said[T_COUNT];
	if (why && !said[t])
		fprintf(stderr, "ringbench: skipping %s: %s\n", bench_transport_name(t), why);
	said[t] |= why != NULL;
	return why != NULL;
}

/* A case the transport cannot run for a limit of its own (a capacity it
 * was not built for): skipped, each reason said once. */
static bool case_skipped(const struct bench_case *c)
{
	const struct transport *tp = transport_get(c->transport);
	char why[200];
	if (!tp->case_unavailable || !tp->case_unavailable(c, why, sizeof(why)))
		return false;
	static char said[T_COUNT][sizeof(why)];
	if (strcmp(said[c->transport], why) != 0)
		fprintf(stderr, "ringbench: skipping %s: %s\n", bench_transport_name(c->transport),
			why);
	snprintf(said[c->transport], sizeof(said[c->transport]), "%s", why);
	return true;
}

/* The cases of one mode on one pair of CPUs, from cases[k]; the new k, or
 * -1 past max. */
static int expand_mode(const struct spec *s, enum bench_mode m, const int cpu[2],
		       struct bench_case *cases, int k, int max)
{
	const struct spec_mode *sm = &s->mode[m];
	struct spec_list one_rate = {1, {0}};
	/* The references are the best case: their slots get the largest
	 * capacity listed (and room for two messages at least). */
	uint64_t floor_cap = 0;
	for (int i = 0; i < sm->capacities.n; i++)
		if (sm->capacities.v[i] > floor_cap)
			floor_cap = sm->capacities.v[i];
	const struct spec_list *rates = m == MODE_LATENCY ? &sm->rates : &one_rate;
	for (int t = 0; t < sm->transports.n; t++) {
		enum bench_transport tr = (enum bench_transport)sm->transports.v[t];
		bool ring = tr == T_RING;
		/* `all` lists every transport; each runs the modes it can. */
		if (!(transport_get(tr)->modes & (1u << m)) || skipped(tr, !s->list_only))
			continue;
		/* Waits and capacities are the ring's; the references use one
		 * case per size. */
		int nw = ring ? sm->waits.n : 1, nc = ring ? sm->capacities.n : 1;
		for (int w = 0; w < nw; w++)
			for (int z = 0; z < sm->sizes.n; z++)
				for (int cap = 0; cap < nc; cap++)
					for (int r = 0; r < rates->n; r++) {
						struct bench_case c = {
						    .mode = m,
						    .transport = tr,
						    .wait = ring ? (enum ring_wait)sm->waits.v[w]
								 : RING_WAIT_SPIN,
						    .size = sm->sizes.v[z],
						    .capacity = sm->capacities.v[cap],
						    .cpu = {cpu[0], cpu[1]},
						    .messages = sm->messages,
						    .duration = sm->duration,
						    .rate = (double)rates->v[r],
						};
						/* The largest message a ring holds. */
						if (ring && c.size > c.capacity / 2 - 16)
							continue;
						if (too_big(tr, c.size))
							continue;
						if (!ring && tr != T_PIPE && tr != T_UNIX)
							c.capacity = floor_cap;
						if (case_skipped(&c))
							continue;
						if (k == max)
							return -1;
						bench_case_name(&c);
						cases[k++] = c;
					}
	}
	return k;
}

int spec_expand(const struct spec *s, struct bench_case *cases, int max, char *err, size_t n)
{
	int k = 0;
	for (int pi = 0; pi < s->npairs; pi++)
		for (int m = 0; m < MODE_COUNT; m++) {
			if (!s->mode[m].enabled)
				continue;
			k = expand_mode(s, (enum bench_mode)m, s->pairs[pi], cases, k, max);
			if (k < 0)
				return fail(err, n, "more than %d cases", max);
		}
	if (k == 0)
		return fail(err, n,
			    "no case can run: every size is larger than its ring or transport "
			    "holds, or every transport was skipped");
	return k;
}

void spec_set_pair(struct spec *sp, const int cpu[2])
{
	sp->cpu[0] = sp->pairs[0][0] = cpu[0];
	sp->cpu[1] = sp->pairs[0][1] = cpu[1];
	sp->npairs = 1;
}

int spec_check_cpus(const int cpu[2], char *err, size_t n)
{
	struct spec s;
	spec_init(&s);
	spec_set_pair(&s, cpu);
	spec_mode_defaults(&s.mode[MODE_PINGPONG], MODE_PINGPONG); /* a matrix to check against */
	return spec_check(&s, err, n);
}
