/* hist.h: a log-linear latency histogram in nanoseconds.  Values below 128
 * are exact; above, each power of two is cut into 128 buckets, so a reported
 * percentile is within 0.4% of the true sample (at most 1%, as promised).
 * Plain data, no pointers: it lives in shared memory between a worker and the
 * harness. */
#ifndef HIST_H
#define HIST_H

#include <stdint.h>

#define HIST_SUB_BITS 7
#define HIST_SUB      (1u << HIST_SUB_BITS)
#define HIST_MAX_BIT  42 /* values up to 2^42 ns, about 73 minutes */
#define HIST_BUCKETS  (HIST_SUB + (HIST_MAX_BIT - HIST_SUB_BITS) * HIST_SUB)

struct hist {
	uint64_t count;
	uint64_t max;
	uint64_t min;
	uint64_t buckets[HIST_BUCKETS];
};

void hist_init(struct hist *h);
void hist_add(struct hist *h, uint64_t ns);
/* Merge src into dst. */
void hist_merge(struct hist *dst, const struct hist *src);
/* Value at quantile q in [0, 1] (the bucket's midpoint, the exact maximum for
 * q == 1); 0 for an empty histogram. */
uint64_t hist_quantile(const struct hist *h, double q);

/* Bucket index of a value, and the smallest value of a bucket: exposed for
 * the tests. */
unsigned hist_index(uint64_t ns);
uint64_t hist_bucket_low(unsigned index);

#endif
