/* payload.h: the self-checking message body shared by the ring's stress
 * program and the harness: a sequence number, a checksum and a pattern that
 * both sides can recompute, so loss, duplication, reordering and corruption
 * are all caught by the consumer. */
#ifndef PAYLOAD_H
#define PAYLOAD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define PAYLOAD_MIN_SEQ 8   /* bytes needed to carry the sequence number */
#define PAYLOAD_MIN_FULL 16 /* ... and the checksum */

struct payload_head {
	uint64_t seq;
	uint64_t sum;
};

/* splitmix64: the pattern word i of message seq, and the size generator. */
static inline uint64_t payload_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* Checksum of the body after the head; covers seq and length too. */
static inline uint64_t payload_sum(uint64_t seq, const unsigned char *body, size_t n)
{
	uint64_t h = payload_mix(seq ^ ((uint64_t)n << 40));
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, body + i, 8);
		h = (h ^ w) * 0x100000001b3ULL + (h >> 29);
	}
	for (; i < n; i++)
		h = (h ^ body[i]) * 0x100000001b3ULL;
	return h;
}

/* Fill a message of len >= PAYLOAD_MIN_FULL bytes for sequence number seq. */
static inline void payload_fill(void *msg, size_t len, uint64_t seq)
{
	unsigned char *body = (unsigned char *)msg + sizeof(struct payload_head);
	size_t n = len - sizeof(struct payload_head);
	uint64_t w = payload_mix(seq);
	for (size_t i = 0; i < n; i += 8) {
		size_t k = n - i < 8 ? n - i : 8;
		memcpy(body + i, &w, k);
		w += 0x9e3779b97f4a7c15ULL;
	}
	struct payload_head h = {.seq = seq, .sum = payload_sum(seq, body, n)};
	memcpy(msg, &h, sizeof(h));
}

enum payload_status {
	PAYLOAD_OK = 0,
	PAYLOAD_SEQ,     /* wrong sequence number: lost, duplicated or reordered */
	PAYLOAD_SUM,     /* checksum mismatch: corrupted */
	PAYLOAD_LEN,     /* wrong length */
};

/* Check a message of len bytes expected to carry sequence number seq. */
static inline enum payload_status payload_check(const void *msg, size_t len, size_t want_len,
						uint64_t seq, int full, uint64_t *got_seq)
{
	if (len != want_len)
		return PAYLOAD_LEN;
	struct payload_head h = {0};
	memcpy(&h, msg, full ? sizeof(h) : sizeof(h.seq));
	*got_seq = h.seq;
	if (h.seq != seq)
		return PAYLOAD_SEQ;
	if (full && h.sum != payload_sum(seq, (const unsigned char *)msg + sizeof(h),
					 len - sizeof(h)))
		return PAYLOAD_SUM;
	return PAYLOAD_OK;
}

/* Size of message seq in [lo, hi], the same on both sides for one seed. */
static inline size_t payload_size(uint64_t seed, uint64_t seq, size_t lo, size_t hi)
{
	if (hi <= lo)
		return lo;
	return lo + (size_t)(payload_mix(seed ^ (seq * 0x2545f4914f6cdd1dULL)) % (hi - lo + 1));
}

#endif
