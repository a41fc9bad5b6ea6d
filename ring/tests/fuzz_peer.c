/* fuzz_peer.c: a hostile peer.  Each input is a program of operations on a
 * live ring: the real producer sending, reserving more than it commits and
 * publishing; a hostile writer storing arbitrary record words, lengths,
 * wrap marks and bytes at any offset of the data area and arbitrary values
 * in the producer's view of head; and the real consumer peeking, receiving,
 * releasing and waiting.  Whatever the input, every message the consumer is
 * given lies inside the data area, every reservation too, every call
 * returns (a wait included), and nothing reads or writes outside the
 * mapping (AddressSanitizer, and the bounds checked here).
 *
 * Built with clang's libFuzzer when RINGBENCH_FUZZ is on; otherwise
 * fuzz_main.c drives it with seeded random inputs. */
#include "testutil.h"

#include <stdint.h>

struct input {
	const uint8_t *p;
	size_t n;
};

static unsigned take(struct input *in, int bytes)
{
	unsigned v = 0;
	for (int i = 0; i < bytes; i++) {
		v = v << 8;
		if (in->n) {
			v |= *in->p++;
			in->n--;
		}
	}
	return v;
}

static void hostile_word(struct ring *r, uint64_t off, uint32_t word)
{
	atomic_store_explicit(&((struct ring_record *)(r->data + (off & r->mask)))->word, word,
			      memory_order_release);
}

/* A message the consumer was given must lie whole in the data area, after
 * its record word, 8-byte aligned. */
static void check_message(const struct ring *c, const void *m, size_t len)
{
	const unsigned char *q = m;
	if (q < c->data + sizeof(struct ring_record) || q > c->data + c->capacity ||
	    len > (size_t)(c->data + c->capacity - q) || ((uintptr_t)q & 7) ||
	    len > ring_max_message(c)) {
		fprintf(stderr, "fuzz_peer: message %p+%zu outside the data area %p+%llu\n", m, len,
			(void *)c->data, (unsigned long long)c->capacity);
		abort();
	}
}

static void check_reservation(const struct ring *p, const void *m, size_t len)
{
	const unsigned char *q = m;
	if (q < p->data || q + len > p->data + p->capacity) {
		fprintf(stderr, "fuzz_peer: reservation %p+%zu outside the data area\n", m, len);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char name[64];
	if (!name[0])
		snprintf(name, sizeof(name), "/rt.fuzz.%d", (int)getpid());
	struct input in = {data, size};
	struct ring_config cfg = {.capacity = take(&in, 1) & 1 ? 8192 : RING_CAPACITY_MIN,
				  .wait = RING_WAIT_SPIN};
	struct ring *p, *c;
	if (ring_create(&p, name, &cfg, RING_ROLE_PRODUCER)) {
		fprintf(stderr, "fuzz_peer: %s\n", ring_last_error());
		abort();
	}
	if (ring_attach(&c, name, RING_ROLE_CONSUMER, 1000 * MS)) {
		fprintf(stderr, "fuzz_peer: %s\n", ring_last_error());
		abort();
	}
	size_t max = ring_max_message(p);
	static unsigned char buf[1 << 16];
	for (int steps = 0; in.n && steps < 4096; steps++) {
		switch (take(&in, 1) % 12) {
		case 0: { /* the producer sends */
			size_t len = take(&in, 2) % (max + 1);
			memset(buf, (int)take(&in, 1), len);
			(void)ring_send(p, buf, len);
			break;
		}
		case 1: { /* reserves more than it commits, all of it written */
			size_t res = take(&in, 2) % (max + 1);
			size_t len = take(&in, 2) % (res + 1);
			unsigned char *w = ring_reserve(p, res);
			if (w) {
				check_reservation(p, w, res);
				memset(w, (int)take(&in, 1), res);
				ring_commit(p, len);
			}
			break;
		}
		case 2: ring_publish(p); break;
		case 3: /* a record word anywhere */
			hostile_word(p, (uint64_t)take(&in, 2) * 8, take(&in, 4));
			break;
		case 4: /* a wrap mark anywhere */
			hostile_word(p, (uint64_t)take(&in, 2) * 8, RING_WRAP_MARK);
			break;
		case 5: /* a word just ahead of the consumer: a length, small or not */
			hostile_word(p, c->head_local + (uint64_t)take(&in, 1) * 8,
				     take(&in, 1) & 1 ? take(&in, 2) : take(&in, 4));
			break;
		case 6: { /* the consumer peeks, and maybe consumes */
			size_t len;
			const void *m = ring_peek(c, &len);
			if (m) {
				check_message(c, m, len);
				if (take(&in, 1) & 1)
					ring_consume(c);
			}
			break;
		}
		case 7:
			if (take(&in, 1) & 1)
				ring_release(c);
			else
				ring_release_now(c);
			break;
		case 8: { /* a copying receive touches every byte it returns */
			ssize_t n = ring_recv(c, buf, sizeof(buf));
			if (n > (ssize_t)max)
				abort();
			break;
		}
		case 9: { /* a blocking peek must come back */
			const void *m;
			size_t len;
			if (ring_peek_wait(c, &m, &len, RING_WAIT_SPIN, 0) == 0)
				check_message(c, m, len);
			break;
		}
		case 10: /* a stray byte anywhere */
			p->data[take(&in, 2) & p->mask] = (unsigned char)take(&in, 1);
			break;
		case 11: /* the producer's view of head, from a hostile consumer */
			atomic_store(&p->hdr->head,
				     (uint64_t)take(&in, 4) * (take(&in, 1) & 1 ? 8 : 1));
			break;
		}
	}
	ring_close(p);
	ring_close(c);
	ring_unlink(name);
	return 0;
}
