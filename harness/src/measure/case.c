/* case.c: naming modes, transports and cases, and choosing each case's
 * warm-up. */
#include "measure/bench.h"
#include "measure/transport.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const char *const mode_names[MODE_COUNT] = {"stream", "pingpong", "latency"};

const char *bench_mode_name(enum bench_mode m)
{
	return (unsigned)m < MODE_COUNT ? mode_names[m] : "?";
}

const char *bench_transport_name(enum bench_transport t)
{
	const struct transport *tp = transport_get(t);
	return tp ? tp->name : "?";
}

int bench_mode_parse(const char *s, enum bench_mode *out)
{
	for (int i = 0; i < MODE_COUNT; i++)
		if (strcmp(s, mode_names[i]) == 0) {
			*out = (enum bench_mode)i;
			return 0;
		}
	return -1;
}

int bench_transport_parse(const char *s, enum bench_transport *out)
{
	for (int i = 0; i < T_COUNT; i++)
		if (strcmp(s, transport_get((enum bench_transport)i)->name) == 0) {
			*out = (enum bench_transport)i;
			return 0;
		}
	return -1;
}

/*
 * Messages before the measured window.  A stream moves one lap of its ring
 * (so the first lap, which finds the ring all zeroes, and any remaining
 * first-touch cost stay out), at least 256 messages; a pingpong 1,000 round
 * trips; a latency run a lap or 20 ms of messages, whichever is fewer.
 */
static uint64_t warmup(const struct bench_case *c)
{
	uint64_t cap = c->transport == T_PIPE || c->transport == T_UNIX ? 65536 : c->capacity;
	/* The peers' slots are the message rounded to 8, without a record
	 * word (ck_ring's and rte_ring's slabs have twice as many: half of
	 * them is a lap; boost_spsc's slots are a size it was built for, as
	 * large or larger, so this is a lap or more). */
	bool peer = c->transport == T_LAMPORT || c->transport == T_CK || c->transport == T_IOX ||
		    c->transport == T_RTE || c->transport == T_BOOST;
	uint64_t stride = peer ? (c->size + 7) & ~(uint64_t)7 : ring_record_size(c->size);
	uint64_t lap = (cap + stride - 1) / stride;
	switch (c->mode) {
	case MODE_STREAM: return lap > 256 ? lap : 256;
	case MODE_PINGPONG: return c->messages && c->messages < 1000 ? (c->messages + 1) / 2 : 1000;
	default: {
		uint64_t n = (uint64_t)(c->rate * 0.02);
		if (n > lap)
			n = lap;
		return n < 10 ? 10 : n;
	}
	}
}

void bench_case_name(struct bench_case *c)
{
	int n = snprintf(c->name, sizeof(c->name), "%s", bench_mode_name(c->mode));
	if (c->transport == T_RING)
		n += snprintf(c->name + n, sizeof(c->name) - (size_t)n, "/wait:%s",
			      ring_wait_name(c->wait));
	else
		n += snprintf(c->name + n, sizeof(c->name) - (size_t)n, "/transport:%s",
			      bench_transport_name(c->transport));
	n += snprintf(c->name + n, sizeof(c->name) - (size_t)n, "/size:%zu", c->size);
	if (c->transport == T_RING)
		n += snprintf(c->name + n, sizeof(c->name) - (size_t)n, "/capacity:%" PRIu64,
			      c->capacity);
	if (c->mode == MODE_LATENCY)
		n += snprintf(c->name + n, sizeof(c->name) - (size_t)n, "/rate:%.0f", c->rate);
	snprintf(c->name + n, sizeof(c->name) - (size_t)n, "/cpus:%d,%d", c->cpu[0], c->cpu[1]);
	c->warmup = warmup(c);
}
