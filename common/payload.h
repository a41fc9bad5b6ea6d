/* payload.h: the self-checking message body shared by the ring's stress
 * program and the harness: a sequence number, a checksum and a pattern that
 * both sides can recompute, so loss, duplication, reordering and corruption
 * are all caught by the consumer. */
#ifndef PAYLOAD_H
#define PAYLOAD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define PAYLOAD_MIN_SEQ	  8  /* bytes needed to carry the sequence number */
#define PAYLOAD_MIN_FULL  16 /* ... and the checksum */
#define PAYLOAD_MIN_STAMP 24 /* ... and a time stamp */

struct payload_head {
	uint64_t seq;
	uint64_t sum;
};

/* splitmix64: the pattern of message seq, and the size generator. */
static inline uint64_t payload_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* Checksum of the body after the head; covers seq, length and the position
 * of every word.  Word-parallel so the compiler vectorises it: it must not
 * be what a multi-GB/s stream measures. */
static inline uint64_t payload_sum(uint64_t seq, const unsigned char *body, size_t n)
{
	uint64_t acc = 0;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, body + i, 8);
		acc += w ^ (i * 0x9e3779b97f4a7c15ULL);
	}
	for (; i < n; i++)
		acc += (uint64_t)body[i] << (8 * (i & 7));
	/* One mix: cheap enough for 64-byte messages at tens of millions a
	 * second, and still a different sum for a different seq or length. */
	return payload_mix(acc ^ seq ^ ((uint64_t)n << 48));
}

/* Fill a message of len >= PAYLOAD_MIN_FULL bytes for sequence number seq;
 * when len >= PAYLOAD_MIN_STAMP the first body word carries `stamp`. */
static inline void payload_fill_stamped(void *msg, size_t len, uint64_t seq, uint64_t stamp)
{
	unsigned char *body = (unsigned char *)msg + sizeof(struct payload_head);
	size_t n = len - sizeof(struct payload_head);
	/* A pattern that differs per message and per word; no need to be
	 * random, the checksum does the checking. */
	uint64_t w = seq * 0x9e3779b97f4a7c15ULL;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t v = w + i;
		memcpy(body + i, &v, 8);
	}
	for (; i < n; i++)
		body[i] = (unsigned char)(w >> (8 * (i & 7)));
	if (n >= 8)
		memcpy(body, &stamp, 8);
	struct payload_head h = {.seq = seq, .sum = payload_sum(seq, body, n)};
	memcpy(msg, &h, sizeof(h));
}

static inline void payload_fill(void *msg, size_t len, uint64_t seq)
{
	payload_fill_stamped(msg, len, seq, 0);
}

/* The stamp of a message filled by payload_fill_stamped(). */
static inline uint64_t payload_stamp(const void *msg)
{
	uint64_t t;
	memcpy(&t, (const unsigned char *)msg + sizeof(struct payload_head), 8);
	return t;
}

enum payload_status {
	PAYLOAD_OK = 0,
	PAYLOAD_SEQ, /* wrong sequence number: lost, duplicated or reordered */
	PAYLOAD_SUM, /* checksum mismatch: corrupted */
	PAYLOAD_LEN, /* wrong length */
};

/* "ok", "sequence number", "checksum", "length". */
static inline const char *payload_status_name(enum payload_status st)
{
	static const char *const names[] = {"ok", "sequence number", "checksum", "length"};
	return names[st];
}

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
	if (full &&
	    h.sum != payload_sum(seq, (const unsigned char *)msg + sizeof(h), len - sizeof(h)))
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
