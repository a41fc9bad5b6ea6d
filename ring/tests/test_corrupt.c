/* test_corrupt.c: record words the consumer must not trust.  A length that
 * runs past the end of the data area, a length beyond the largest message,
 * a wrap mark at offset 0 and two wrap marks in a row are each reported as
 * a corrupt ring (-EBADMSG, naming the offset and the word), by ring_peek()
 * at once and by every blocking wait without waiting: never a pointer
 * outside the ring, never a loop that cannot reach its clock. */
#include "testutil.h"

#include <inttypes.h>

static void put_word(struct ring *p, uint64_t off, uint32_t word)
{
	/* What a hostile or broken producer could store. */
	atomic_store_explicit(&((struct ring_record *)(p->data + off))->word, word,
			      memory_order_release);
}

/* Move both sides to data offset `off` with 8-byte messages (16-byte
 * records) and an empty one (8 bytes) where needed. */
static void advance_to(struct ring *p, struct ring *c, uint64_t off)
{
	while ((p->tail_local & p->mask) != off) {
		uint64_t left = (off - p->tail_local) & p->mask;
		CHECK(ring_send(p, "12345678", left >= 16 ? 8 : 0));
		size_t len;
		CHECK(ring_peek(c, &len) != NULL);
		ring_release_now(c);
	}
	size_t len;
	CHECK(ring_peek(c, &len) == NULL);
	CHECK_EQ(c->error, 0);
}

static void expect_corrupt(struct ring *c, enum ring_wait w, uint64_t off, uint32_t word)
{
	char want[64];
	size_t len = 0;
	CHECK(ring_peek(c, &len) == NULL);
	CHECK_EQ(c->error, -EBADMSG);
	snprintf(want, sizeof(want), "data offset %" PRIu64 ": word 0x%08x", off, word);
	if (!strstr(ring_last_error(), want))
		fprintf(stderr, "message '%s' lacks '%s'\n", ring_last_error(), want);
	CHECK(strstr(ring_last_error(), want) != NULL);
	/* A blocking wait says so at once, whatever its timeout. */
	const void *q = NULL;
	CHECK_EQ(ring_peek_wait(c, &q, &len, w, 10000 * MS), -EBADMSG);
	CHECK(strstr(ring_last_error(), want) != NULL);
	char buf[64];
	CHECK_EQ(ring_recv_wait(c, buf, sizeof(buf), &len, w, 10000 * MS), -EBADMSG);
}

static void one_case(enum ring_wait w, const char *tag, uint64_t at, uint64_t bad_off,
		     uint32_t word, uint64_t wrap_at)
{
	const char *name = test_name(tag);
	struct ring *p, *c;
	test_pair(name, w, RING_CAPACITY_MIN, &p, &c);
	advance_to(p, c, at);
	if (wrap_at != UINT64_MAX)
		put_word(p, wrap_at, RING_WRAP_MARK);
	put_word(p, bad_off, word);
	expect_corrupt(c, w, bad_off, word);
	ring_close(p);
	ring_close(c);
	CHECK_EQ(ring_unlink(name), 0);
}

int main(void)
{
	const uint64_t cap = RING_CAPACITY_MIN, none = UINT64_MAX;
	for (int i = 0; i < RING_WAIT_COUNT; i++) {
		enum ring_wait w = (enum ring_wait)i;
		/* 16 bytes before the end, a record of 100 bytes: within the
		 * largest message, but it would run 92 bytes past the ring. */
		one_case(w, "pastend", cap - 16, cap - 16, 101, none);
		/* The last word of the ring announcing one byte: 16 bytes
		 * needed, 8 left. */
		one_case(w, "lastword", cap - 8, cap - 8, 2, none);
		/* Longer than any message, in the middle. */
		one_case(w, "huge", 1024, 1024, (uint32_t)(cap / 2) + 1, none);
		one_case(w, "maxword", 1024, 1024, RING_WRAP_MARK - 1, none);
		/* A wrap mark at offset 0 would send the consumer to offset 0
		 * forever. */
		one_case(w, "wrapat0", 0, 0, RING_WRAP_MARK, none);
		/* A wrap mark, and another at offset 0 after it. */
		one_case(w, "wrapwrap", 2048, 0, RING_WRAP_MARK, 2048);
		/* A wrap mark, then a record at 0 too long for any message. */
		one_case(w, "wrapbad", 2048, 0, (uint32_t)(cap / 2) + 100, 2048);
	}
	printf("test_corrupt: ok\n");
	return 0;
}
