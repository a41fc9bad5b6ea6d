/* test_payload.c: what the self-checking message catches, tried at every
 * place it can happen rather than argued (payload.h says why each holds):
 * messages of lengths around every boundary of its layout (the head, the
 * stamp word, a part word at the end), unstamped and stamped, and in each
 *   - every single bit flipped: caught, and as a wrong sequence number
 *     when the bit is in it;
 *   - every two 8-byte words swapped (head words included): caught;
 *   - one bit flipped in each of two words, every bit and pair but the
 *     tag and word 0 together: caught;
 *   - every 8-byte word replaced by the word at the same place of another
 *     message (64 sequence numbers either side, and powers of two from 256
 *     to 2^40 either side: the distances a ring's slot comes back after,
 *     each stamped as this one is), and the tag and word 0 together from
 *     it: caught;
 *   - every byte of a part word replaced by another message's: caught;
 *   - and what was sent passes, with its stamp read back, and a check of
 *     the sequence number alone (full 0) passes whatever the body holds. */
#include "check.h"
#include "payload.h"

#include <stdint.h>
#include <string.h>

static const size_t lens[] = {16, 17, 23, 24, 25, 31, 32, 63, 64, 72, 100, 1024};
static const uint64_t stamps[] = {0, 0x0123456789abcdefULL};
/* Other messages: the 64 either side, and the powers of two a slot of a
 * ring of N slots comes back after (2N, as ck_ring's slab). */
static int64_t dists[128 + 2 * 7];

static void set_dists(void)
{
	size_t n = 0;
	for (int64_t d = 1; d <= 64; d++) {
		dists[n++] = d;
		dists[n++] = -d;
	}
	static const int64_t far[] = {256, 512, 4096, 65536, 1 << 20, 1LL << 32, 1LL << 40};
	for (size_t i = 0; i < 7; i++) {
		dists[n++] = far[i];
		dists[n++] = -far[i];
	}
}

static enum payload_status check(const unsigned char *m, size_t len, uint64_t seq)
{
	uint64_t got = 0;
	return payload_check(m, len, len, seq, 1, &got);
}

int main(void)
{
	set_dists();
	unsigned char m[1024], t[1024], other[1024];
	unsigned long tries = 0;
	for (size_t li = 0; li < sizeof(lens) / sizeof(lens[0]); li++) {
		size_t len = lens[li];
		for (size_t si = 0; si < sizeof(stamps) / sizeof(stamps[0]); si++) {
			uint64_t stamp = len >= PAYLOAD_MIN_STAMP ? stamps[si] : 0;
			uint64_t seq = 1000 + li * 7 + si;
			payload_fill_stamped(m, len, seq, stamp);
			CHECK_EQ(check(m, len, seq), PAYLOAD_OK);
			if (len >= PAYLOAD_MIN_STAMP)
				CHECK(payload_stamp(m) == stamp);
			uint64_t got = 0;
			CHECK_EQ(payload_check(m, len, len, seq + 1, 1, &got), PAYLOAD_SEQ);
			CHECK(got == seq);
			CHECK_EQ(payload_check(m, len, len + 1, seq, 1, &got), PAYLOAD_LEN);
			/* Every bit. */
			for (size_t bit = 0; bit < 8 * len; bit++, tries++) {
				memcpy(t, m, len);
				t[bit / 8] ^= (unsigned char)(1u << (bit % 8));
				enum payload_status st = check(t, len, seq);
				CHECK(st != PAYLOAD_OK);
				if (bit < 64)
					CHECK_EQ(st, PAYLOAD_SEQ);
				else
					CHECK_EQ(payload_check(t, len, len, seq, 0, &got),
						 PAYLOAD_OK);
			}
			/* Every two whole words swapped. */
			for (size_t a = 0; a + 8 <= len; a += 8)
				for (size_t b = a + 8; b + 8 <= len; b += 8, tries++) {
					memcpy(t, m, len);
					memcpy(t + a, m + b, 8);
					memcpy(t + b, m + a, 8);
					CHECK(memcmp(m + a, m + b, 8) != 0);
					CHECK(check(t, len, seq) != PAYLOAD_OK);
				}
			/* One bit flipped in each of two words, every bit and pair
			 * (a sum of the words would miss a 0->1 and a 1->0 of one
			 * bit: they cancel) but the tag and word 0 together: their
			 * gap, the stamp's only check, misses the same bit flipped
			 * the same way in both. */
			for (size_t a = 0; a + 8 <= len; a += 8)
				for (size_t b = a + 8; b + 8 <= len; b += 8)
					for (size_t bit = 0; bit < 64 && !(a == 8 && b == 16);
					     bit++, tries++) {
						memcpy(t, m, len);
						t[a + bit / 8] ^= (unsigned char)(1u << (bit % 8));
						t[b + bit / 8] ^= (unsigned char)(1u << (bit % 8));
						CHECK(check(t, len, seq) != PAYLOAD_OK);
					}
			/* Every word, and every byte of a part word, from another
			 * message at the same place. */
			for (size_t di = 0; di < sizeof(dists) / sizeof(dists[0]); di++) {
				int64_t d = dists[di];
				payload_fill_stamped(other, len, seq + (uint64_t)d, stamp);
				/* A last part from a message a power of two away (a
				 * slot reused every 2N messages) differs whole. */
				if (len % 8 && (d & (d - 1)) == 0) {
					memcpy(t, m, len);
					memcpy(t + len - len % 8, other + len - len % 8, len % 8);
					CHECK(memcmp(t, m, len) != 0);
					CHECK(check(t, len, seq) != PAYLOAD_OK);
				}
				for (size_t a = 0; a < len; a += 8) {
					size_t n = len - a < 8 ? len - a : 8;
					for (size_t k = 0; k < (n < 8 ? n : 1); k++, tries++) {
						memcpy(t, m, len);
						if (n < 8)
							t[a + k] = other[a + k];
						else
							memcpy(t + a, other + a, 8);
						if (memcmp(t, m, len) == 0)
							continue; /* that byte is alike in both */
						CHECK(check(t, len, seq) != PAYLOAD_OK);
					}
				}
				/* The tag and word 0 together from it (one stale
				 * line can hold both, and not the sequence number). */
				if (len >= PAYLOAD_MIN_STAMP) {
					memcpy(t, m, len);
					memcpy(t + 8, other + 8, 16);
					CHECK(check(t, len, seq) != PAYLOAD_OK);
					tries++;
				}
			}
		}
	}
	printf("test_payload: %lu corruptions of %zu message lengths, every one caught\n", tries,
	       sizeof(lens) / sizeof(lens[0]));
	return 0;
}
