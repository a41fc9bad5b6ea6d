/* test_commit.c: reserving the most a message can take and committing what
 * was written, for every reservation, every shorter length and whatever
 * bytes the caller left in the unused part, on the straight path and on the
 * wrap path; a publish made while a reservation is open; and mixed sizes
 * (long records after short ones and short after long, short commits,
 * batches, wraps) on rings of 4 KiB and 64 KiB, the bytes the producer
 * holds as zeroed checked after every commit and publish; and the lines the
 * consumer writes as it gives room back.  The consumer
 * must see exactly the committed messages: no phantom record made of the
 * caller's leftover bytes, no -EBADMSG, no byte of a message zeroed. */
#include "testutil.h"

/* What the caller leaves past its message: zeroes, a byte pattern, and
 * 32-bit words that read as small valid record words (5 is a 4-byte
 * message, 1 an empty one) or as a wrap mark. */
static void smear(unsigned char *p, size_t n, int pattern)
{
	for (size_t i = 0; i < n; i++) {
		switch (pattern) {
		case 0: p[i] = 0xab; break;
		case 1: p[i] = (i % 4 == 0) ? 5 : 0; break;
		case 2: p[i] = (i % 4 == 0) ? 1 : 0; break;
		case 3: p[i] = 0xff; break;
		default: p[i] = (unsigned char)(i * 37 + 11); break;
		}
	}
}

#define PATTERNS 5

/* Reserve `reserve` bytes, smear them all, write a message of `len` bytes
 * tagged with seq, commit len and publish. */
static void short_send(struct ring *p, size_t reserve, size_t len, int pattern, uint32_t seq)
{
	unsigned char *w = ring_reserve(p, reserve);
	CHECK(w != NULL);
	smear(w, reserve, pattern);
	for (size_t i = 0; i < len; i++)
		w[i] = (unsigned char)(seq + i);
	ring_commit(p, len);
	ring_publish(p);
}

/* The consumer gets exactly that message, and then nothing (not a phantom,
 * not a corrupt record). */
static void expect_one(struct ring *c, size_t len, uint32_t seq)
{
	size_t got = 12345;
	const unsigned char *q = ring_peek(c, &got);
	if (!q)
		fprintf(stderr, "message %u of %zu bytes missing: %s\n", seq, len,
			ring_last_error());
	CHECK(q != NULL);
	CHECK_EQ(got, len);
	for (size_t i = 0; i < len; i++) {
		if (q[i] != (unsigned char)(seq + i))
			fprintf(stderr, "message %u of %zu bytes: byte %zu wrong\n", seq, len, i);
		CHECK_EQ(q[i], (unsigned char)(seq + i));
	}
	ring_release(c);
	size_t extra;
	if (ring_peek(c, &extra) != NULL)
		fprintf(stderr, "phantom message of %zu bytes after message %u\n", extra, seq);
	CHECK(ring_peek(c, &extra) == NULL);
	if (c->error)
		fprintf(stderr, "after message %u: %s\n", seq, ring_last_error());
	CHECK_EQ(c->error, 0);
}

/* Every (reservation, shorter length) pair up to 300 bytes, for each
 * pattern, with the ring's position moving on, so commits land at every
 * offset of a line and the wrap path is taken again and again. */
static void every_length(void)
{
	const char *name = test_name("short");
	struct ring *p, *c;
	test_pair(name, RING_WAIT_SPIN, RING_CAPACITY_MIN, &p, &c);
	uint32_t seq = 0;
	uint64_t wraps = 0;
	for (int pattern = 0; pattern < PATTERNS; pattern++)
		for (size_t reserve = 1; reserve <= 300; reserve += 7)
			for (size_t len = 0; len <= reserve; len += 1 + len / 4) {
				uint64_t before = p->tail_local;
				short_send(p, reserve, len, pattern, seq);
				/* The reservation did not fit before the end: a
				 * wrap mark went first. */
				if ((before & p->mask) + ring_record_size(reserve) > p->capacity)
					wraps++;
				expect_one(c, len, seq);
				seq++;
			}
	printf("test_commit: %u messages, %llu wraps\n", seq, (unsigned long long)wraps);
	CHECK(wraps > 20);
	ring_close(p);
	ring_close(c);
	CHECK_EQ(ring_unlink(name), 0);
}

/* A reservation that was given up (reserved, smeared, never committed) and
 * a smaller one committed in its place. */
static void abandoned_reservation(void)
{
	const char *name = test_name("abandon");
	struct ring *p, *c;
	test_pair(name, RING_WAIT_SPIN, RING_CAPACITY_MIN, &p, &c);
	for (uint32_t seq = 0; seq < 2000; seq++) {
		size_t big = 200 + seq % 300, small = seq % 40;
		unsigned char *w = ring_reserve(p, big);
		CHECK(w != NULL);
		smear(w, big, (int)(seq % PATTERNS));
		short_send(p, small, small, (int)(seq % PATTERNS), seq);
		expect_one(c, small, seq);
	}
	ring_close(p);
	ring_close(c);
	CHECK_EQ(ring_unlink(name), 0);
}

/* Several short commits published at once, then read back in order. */
static void batch_of_short_commits(void)
{
	const char *name = test_name("shortbatch");
	struct ring *p, *c;
	test_pair(name, RING_WAIT_SPIN, RING_CAPACITY_MIN, &p, &c);
	for (int round = 0; round < 300; round++) {
		for (uint32_t k = 0; k < 5; k++) {
			unsigned char *w = ring_reserve(p, 120);
			CHECK(w != NULL);
			smear(w, 120, (int)((round + k) % PATTERNS));
			w[0] = (unsigned char)k;
			ring_commit(p, 1 + k);
		}
		ring_publish(p);
		for (uint32_t k = 0; k < 5; k++) {
			size_t len;
			const unsigned char *q = ring_peek(c, &len);
			CHECK(q != NULL);
			CHECK_EQ(len, 1 + k);
			CHECK_EQ(q[0], k);
			ring_release(c);
		}
		size_t len;
		CHECK(ring_peek(c, &len) == NULL);
		CHECK_EQ(c->error, 0);
	}
	ring_close(p);
	ring_close(c);
	CHECK_EQ(ring_unlink(name), 0);
}

/* A publish while a reservation is open (of what was committed before it,
 * or of nothing), the reservation filled first and committed after: the
 * publish must not zero ahead over the caller's bytes.  Sizes across the
 * zeroed margin, positions around the ring, many laps. */
static void publish_inside_reservation(void)
{
	const char *name = test_name("pubopen");
	struct ring *p, *c;
	test_pair(name, RING_WAIT_SPIN, RING_CAPACITY_MIN, &p, &c);
	uint32_t seq = 0;
	for (size_t len = 1; len <= 700; len += 3)
		for (int before = 0; before < 2; before++) {
			uint32_t first = seq;
			if (before) {
				/* A committed record the publish makes visible. */
				unsigned char *w = ring_reserve(p, 16);
				CHECK(w != NULL);
				for (size_t i = 0; i < 16; i++)
					w[i] = (unsigned char)(seq + i);
				ring_commit(p, 16);
				seq++;
			}
			unsigned char *w = ring_reserve(p, len);
			CHECK(w != NULL);
			for (size_t i = 0; i < len; i++)
				w[i] = (unsigned char)(seq + i);
			ring_publish(p);
			ring_commit(p, len);
			ring_publish(p);
			if (before) {
				size_t got = 0;
				const unsigned char *q = ring_peek(c, &got);
				CHECK(q != NULL);
				CHECK_EQ(got, 16);
				for (size_t i = 0; i < 16; i++)
					CHECK_EQ(q[i], (unsigned char)(first + i));
				ring_release(c);
			}
			expect_one(c, len, seq);
			seq++;
		}
	printf("test_commit: %u messages published around an open reservation\n", seq);
	ring_close(p);
	ring_close(c);
	CHECK_EQ(ring_unlink(name), 0);
}

/* Whether every byte the producer holds as zero is zero: [tail_local,
 * zero_to), and at least the word at tail_local (which must read 0 before
 * the record before it is seen). */
static void check_zeroed(const struct ring *p)
{
	CHECK(p->zero_to >= p->tail_local + sizeof(struct ring_record));
	for (uint64_t i = p->tail_local; i < p->zero_to; i++)
		if (p->data[i & p->mask] != 0) {
			fprintf(stderr, "byte %llu (tail %llu, zero_to %llu) is %u\n",
				(unsigned long long)i, (unsigned long long)p->tail_local,
				(unsigned long long)p->zero_to, p->data[i & p->mask]);
			CHECK(0);
		}
}

/* Long records after short ones and short after long, short commits over
 * smeared reservations, batches and wraps, on the smallest ring and a
 * larger one: after every commit and publish the zeroed margin is zero, and
 * the consumer reads exactly what was committed. */
static void mixed_sizes(uint64_t capacity, uint64_t messages)
{
	const char *name = test_name("mixed");
	struct ring *p, *c;
	test_pair(name, RING_WAIT_SPIN, capacity, &p, &c);
	size_t max = ring_max_message(p);
	uint64_t x = capacity, sent = 0, got = 0, longs_then_short = 0;
	size_t lens[16];
	bool was_long = false;
	while (sent < messages) {
		int batch =
		    1 + (int)((x = x * 6364136223846793005ULL + 1442695040888963407ULL) >> 61);
		int k = 0;
		for (; k < batch; k++) {
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			/* Half short (under the margin), half up to the largest. */
			size_t len =
			    (x >> 63) ? (size_t)(x >> 40) % 200 : (size_t)(x >> 20) % (max + 1);
			size_t reserve = ((x >> 8) & 3) == 0 ? len + (size_t)(x >> 50) % 64 : len;
			if (reserve > max)
				reserve = len;
			unsigned char *w = ring_reserve(p, reserve);
			if (!w)
				break; /* full: read what is there first */
			smear(w, reserve, (int)(sent % PATTERNS));
			for (size_t i = 0; i < len; i++)
				w[i] = (unsigned char)(sent + i);
			ring_commit(p, len);
			check_zeroed(p);
			lens[k] = len;
			longs_then_short += was_long && len < 200;
			was_long = ring_record_size(len) >= 2 * RING_ZERO_AHEAD;
			sent++;
		}
		ring_publish(p);
		check_zeroed(p);
		for (int i = 0; i < k; i++, got++) {
			size_t len;
			const unsigned char *q = ring_peek(c, &len);
			if (!q)
				fprintf(stderr, "message %llu missing: %s\n",
					(unsigned long long)got, ring_last_error());
			CHECK(q != NULL);
			CHECK_EQ(len, lens[i]);
			for (size_t j = 0; j < len; j++)
				CHECK_EQ(q[j], (unsigned char)(got + j));
			ring_release(c);
		}
		size_t extra;
		CHECK(ring_peek(c, &extra) == NULL);
		CHECK_EQ(c->error, 0);
	}
	printf("test_commit: %llu mixed messages on a ring of %llu bytes, %llu short after long\n",
	       (unsigned long long)sent, (unsigned long long)capacity,
	       (unsigned long long)longs_then_short);
	CHECK(longs_then_short > messages / 20);
	ring_close(p);
	ring_close(c);
	CHECK_EQ(ring_unlink(name), 0);
}

/* What the consumer gives back, it writes first: a word of every line it
 * consumed (so that the lines are its own, not shared, when the producer
 * comes to write them again), and nothing outside what it consumed: not
 * past it, where the next record already lies, nor before it, where the
 * producer has written its newest records.  For every record length to
 * 3000 bytes the ring is filled to the last record that fits, then read
 * back one message a release, the bytes on both sides of each release's
 * range compared with what they held before it. */
#define OWNED_CAP  (64 * 1024)
#define OWNED_SIDE 256 /* bytes looked at on each side of a release's range */

static void owned_release(struct ring *c, uint64_t *lines)
{
	static unsigned char before[OWNED_CAP];
	uint64_t from = c->head_shown;
	memcpy(before, c->data, sizeof(before));
	ring_release_now(c);
	uint64_t to = c->head_local;
	CHECK_EQ(c->head_shown, to);
	for (uint64_t i = from - OWNED_SIDE; i < to + OWNED_SIDE; i++) {
		uint64_t at = i & c->mask;
		if ((i < from || i >= to) && c->data[at] != before[at]) {
			fprintf(stderr, "byte %llu outside the consumed [%llu, %llu) written\n",
				(unsigned long long)i, (unsigned long long)from,
				(unsigned long long)to);
			CHECK(0);
		}
	}
	for (uint64_t l = (from + RING_CACHELINE - 1) & ~(uint64_t)(RING_CACHELINE - 1); l < to;
	     l += RING_CACHELINE, (*lines)++) {
		uint32_t v;
		memcpy(&v, c->data + (l & c->mask), sizeof(v));
		if (v != 0)
			fprintf(stderr, "line at %llu of [%llu, %llu) not written: %08x\n",
				(unsigned long long)l, (unsigned long long)from,
				(unsigned long long)to, v);
		CHECK_EQ(v, 0);
	}
}

static void consumed_lines_written(void)
{
	const char *name = test_name("owned");
	struct ring *p, *c;
	test_pair(name, RING_WAIT_SPIN, OWNED_CAP, &p, &c);
	uint64_t lines = 0, messages = 0;
	for (size_t len = 1; len <= 3000; len += 7) {
		uint64_t n = 0;
		unsigned char *w;
		while ((w = ring_reserve(p, len)) != NULL) {
			memset(w, (int)(0x80 | (n & 0x7f)), len);
			ring_commit(p, len);
			n++;
		}
		ring_publish(p);
		CHECK(n > 0);
		for (uint64_t k = 0; k < n; k++, messages++) {
			size_t got;
			const unsigned char *q = ring_peek(c, &got);
			CHECK(q != NULL);
			CHECK_EQ(got, len);
			for (size_t i = 0; i < len; i++)
				CHECK_EQ(q[i], (unsigned char)(0x80 | (k & 0x7f)));
			owned_release(c, &lines);
		}
		size_t extra;
		CHECK(ring_peek(c, &extra) == NULL);
	}
	printf("test_commit: %llu messages from full rings, %llu consumed lines written, "
	       "nothing around them\n",
	       (unsigned long long)messages, (unsigned long long)lines);
	CHECK(lines > 100000);
	ring_close(p);
	ring_close(c);
	CHECK_EQ(ring_unlink(name), 0);
}

int main(void)
{
	every_length();
	abandoned_reservation();
	batch_of_short_commits();
	publish_inside_reservation();
	mixed_sizes(RING_CAPACITY_MIN, 100000);
	mixed_sizes(64 * 1024, 50000);
	consumed_lines_written();
	printf("test_commit: ok\n");
	return 0;
}
