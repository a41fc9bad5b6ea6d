/* payload.h: the self-checking message body shared by the ring's stress
 * program and the harness.  Every byte of a message is known to the
 * receiver from its sequence number alone (but a time stamp), so it
 * compares what arrived with what must have been sent, word by word: loss,
 * duplication, reordering and corruption are all caught, with no checksum
 * to compute on either side.
 *
 * Layout: a head of two words, the sequence number and a tag, then the
 * body.  Body word k (the 8 bytes at body offset 8k) holds
 * payload_word(seq, k); a last part shorter than a word holds the first
 * bytes of that word byte-swapped (its high bytes, which depend on every
 * bit of seq; its low bytes would repeat every 256 sequence numbers).  A
 * stamped message (latency's time stamp) holds stamp ^ payload_word(seq,
 * 0) in word 0 instead; unstamped is stamp 0.  The tag is word 0 plus
 * payload_tag_gap(seq), which keeps word 0 checked although the receiver
 * does not know the stamp.
 *
 * What the check catches, and why (ring/tests/test_payload.c tries each,
 * at every bit and word of messages of 12 lengths, stamped and not):
 *   - every single flipped bit: in the sequence number (a wrong one), in
 *     the tag or word 0 (the gap between them moves by the bit), or in any
 *     other byte (it is not what the sequence number says it must be);
 *   - every two 8-byte words swapped: no two words of a message are alike
 *     (payload_word differs for every k; the tag minus word 0 is odd, a
 *     body word minus word 0 is a multiple of 8), and the tag and word 0
 *     swapped make the gap negative, which an odd gap never is;
 *   - every whole word left from another message at its place (a stale
 *     line): K is odd, so seq * K, and with it every word, differs for
 *     every seq; the tag and word 0 both left from one message, unless its
 *     seq differs by 2^63 (the gap is 2 seq K + 1); a stamped word 0 alone,
 *     unless the two stamps differ as the words do (a 2^-64 coincidence);
 *     a last part of m bytes, unless its bytes agree by chance (one in
 *     2^8m, with no period in seq that lines them up).
 * And a bit flipped in each of two words, but for the tag and word 0
 * together (the same bit flipped the same way in both, and bit 63 either
 * way, leaves their gap).  The checksum this replaces missed that in any
 * two words (a 0->1 and a 1->0 of one bit cancel in a sum), and cost a
 * pass over the body to fill and a chain of multiplies to fill and check.
 * A message shorter than the head is refused as a wrong length. */
#ifndef PAYLOAD_H
#define PAYLOAD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define PAYLOAD_MIN_SEQ	  8  /* bytes needed to carry the sequence number */
#define PAYLOAD_MIN_FULL  16 /* ... and the tag */
#define PAYLOAD_MIN_STAMP 24 /* ... and a time stamp */

#define PAYLOAD_K 0x9e3779b97f4a7c15ULL /* odd: seq * K is distinct for every seq */

struct payload_head {
	uint64_t seq;
	uint64_t tag;
};

/* splitmix64: the size generator's mixer (and the tests' random numbers). */
static inline uint64_t payload_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* Body word k of message seq. */
static inline uint64_t payload_word(uint64_t seq, size_t k)
{
	return seq * PAYLOAD_K + 8 * (uint64_t)k;
}

/* What the tag is more than body word 0: odd, so a tag and word 0 swapped
 * (word 0 then more than the tag by it) never pass, and different for
 * every seq, so a tag and word 0 both left from another message never
 * pass either. */
static inline uint64_t payload_tag_gap(uint64_t seq)
{
	return 2 * payload_word(seq, 0) + 1;
}

/* Fill a message of len >= PAYLOAD_MIN_FULL bytes for sequence number seq;
 * when len >= PAYLOAD_MIN_STAMP the first body word carries `stamp`. */
static inline void payload_fill_stamped(void *msg, size_t len, uint64_t seq, uint64_t stamp)
{
	unsigned char *body = (unsigned char *)msg + sizeof(struct payload_head);
	size_t n = len - sizeof(struct payload_head);
	uint64_t base = payload_word(seq, 0);
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t v = base + i;
		memcpy(body + i, &v, 8);
	}
	for (uint64_t v = __builtin_bswap64(base + i); i < n; i++)
		body[i] = (unsigned char)(v >> (8 * (i & 7)));
	uint64_t w0 = base;
	if (n >= 8 && stamp) {
		w0 = stamp ^ base;
		memcpy(body, &w0, 8);
	}
	struct payload_head h = {.seq = seq, .tag = w0 + payload_tag_gap(seq)};
	memcpy(msg, &h, sizeof(h));
}

static inline void payload_fill(void *msg, size_t len, uint64_t seq)
{
	payload_fill_stamped(msg, len, seq, 0);
}

/* The stamp of a message of at least PAYLOAD_MIN_STAMP bytes filled by
 * payload_fill_stamped() (0 if it was not stamped). */
static inline uint64_t payload_stamp(const void *msg)
{
	uint64_t seq, w;
	memcpy(&seq, msg, 8);
	memcpy(&w, (const unsigned char *)msg + sizeof(struct payload_head), 8);
	return w ^ payload_word(seq, 0);
}

enum payload_status {
	PAYLOAD_OK = 0,
	PAYLOAD_SEQ,	 /* wrong sequence number: lost, duplicated or reordered */
	PAYLOAD_CONTENT, /* a byte that is not what was sent: corrupted or stale */
	PAYLOAD_LEN,	 /* wrong length */
};

/* "ok", "sequence number", "content", "length". */
static inline const char *payload_status_name(enum payload_status st)
{
	static const char *const names[] = {"ok", "sequence number", "content", "length"};
	return names[st];
}

/* Check a message of len bytes expected to be want_len bytes carrying
 * sequence number seq: its length and sequence number, and, if full, every
 * other byte.  *got_seq is the sequence number it carries. */
static inline enum payload_status payload_check(const void *msg, size_t len, size_t want_len,
						uint64_t seq, int full, uint64_t *got_seq)
{
	if (len != want_len || len < (full ? PAYLOAD_MIN_FULL : PAYLOAD_MIN_SEQ))
		return PAYLOAD_LEN;
	struct payload_head h = {0};
	memcpy(&h, msg, full ? sizeof(h) : sizeof(h.seq));
	*got_seq = h.seq;
	if (h.seq != seq)
		return PAYLOAD_SEQ;
	if (!full)
		return PAYLOAD_OK;
	const unsigned char *body = (const unsigned char *)msg + sizeof(h);
	size_t n = len - sizeof(h);
	uint64_t base = payload_word(seq, 0), diff, w0 = base;
	/* Word 0 against the tag; every other word against what it must be,
	 * all of them, without a branch, so the compiler vectorises it. */
	if (n >= 8)
		memcpy(&w0, body, 8);
	diff = h.tag - w0 - payload_tag_gap(seq);
	size_t i = 8;
	for (; i + 8 <= n; i += 8) {
		uint64_t v;
		memcpy(&v, body + i, 8);
		diff |= v ^ (base + i);
	}
	if (n < 8)
		i = 0;
	for (uint64_t v = __builtin_bswap64(base + (i & ~(size_t)7)); i < n; i++)
		diff |= (uint64_t)(body[i] ^ (unsigned char)(v >> (8 * (i & 7))));
	return diff ? PAYLOAD_CONTENT : PAYLOAD_OK;
}

/* Size of message seq in [lo, hi], the same on both sides for one seed. */
static inline size_t payload_size(uint64_t seed, uint64_t seq, size_t lo, size_t hi)
{
	if (hi <= lo)
		return lo;
	return lo + (size_t)(payload_mix(seed ^ (seq * 0x2545f4914f6cdd1dULL)) % (hi - lo + 1));
}

#endif
