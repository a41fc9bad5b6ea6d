/* fault_transport.c: a test-only build of ringbench (ringbench_faulty)
 * whose producer, on any transport, loses, duplicates, reorders or corrupts
 * one message, so the tests can prove that every transport's receiver
 * catches it and the run ends in a visibility or integrity failure (exit 3)
 * naming the message.  The fault is here, never in the product: the worker
 * offers a weak hook, bench_transport_wrap(), which only this file defines.
 *   RINGBENCH_TEST_FAULT=lose|duplicate|swap|corrupt:N   (message N) */
#include "transport.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum fault { F_NONE, F_LOSE, F_DUPLICATE, F_SWAP, F_CORRUPT };

static const struct transport *real;
static struct transport faulty;
static enum fault kind;
static uint64_t at;
static void *last;	    /* the buffer of the last reservation */
static unsigned char *held; /* F_SWAP: message N, sent after N + 1 */

static int f_reserve(struct tp_worker *w, void **buf)
{
	int rc = real->reserve(w, buf);
	last = *buf;
	return rc;
}

static int again(struct tp_worker *w, const void *msg)
{
	void *p;
	int rc = real->reserve(w, &p);
	if (rc)
		return rc;
	memcpy(p, msg, w->c->size);
	return real->publish(w);
}

static int f_publish(struct tp_worker *w)
{
	uint64_t seq;
	memcpy(&seq, last, sizeof(seq));
	if (!w->producer)
		return real->publish(w);
	if (seq == at) {
		switch (kind) {
		case F_LOSE: return 0; /* never published: the next message takes its room */
		case F_SWAP:
			held = malloc(w->c->size);
			memcpy(held, last, w->c->size);
			return 0;
		case F_CORRUPT: ((unsigned char *)last)[w->c->size - 1] ^= 0x40; break;
		default: break;
		}
	}
	unsigned char copy[1 << 16];
	bool dup = seq == at && kind == F_DUPLICATE && w->c->size <= sizeof(copy);
	if (dup)
		memcpy(copy, last, w->c->size);
	int rc = real->publish(w);
	if (!rc && dup)
		rc = again(w, copy);
	if (!rc && held && seq == at + 1) {
		rc = again(w, held);
		free(held);
		held = NULL;
	}
	return rc;
}

const struct transport *bench_transport_wrap(const struct transport *t)
{
	const char *spec = getenv("RINGBENCH_TEST_FAULT");
	if (!spec)
		return t;
	static const char *const names[] = {"none", "lose", "duplicate", "swap", "corrupt"};
	for (int i = 1; i < 5; i++) {
		size_t n = strlen(names[i]);
		if (strncmp(spec, names[i], n) == 0 && spec[n] == ':') {
			kind = (enum fault)i;
			at = strtoull(spec + n + 1, NULL, 10);
		}
	}
	if (kind == F_NONE || !t->publish)
		return t;
	real = t;
	faulty = *t;
	faulty.reserve = f_reserve;
	faulty.publish = f_publish;
	return &faulty;
}
