/* fuzz_main.c: runs fuzz_peer's LLVMFuzzerTestOneInput without libFuzzer
 * (gcc builds): the files named on the command line, then seeded random
 * inputs.  Random bytes find the shallow paths only; libFuzzer's coverage
 * guidance (RINGBENCH_FUZZ=ON, clang) finds the deep ones, so this is the
 * floor every build keeps, not a substitute.
 *   fuzz_peer_random [--runs N] [--seed S] [FILE...] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t next(uint64_t *s)
{
	/* xorshift64*: reproducible from the seed printed on failure. */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

int main(int argc, char **argv)
{
	long runs = 20000;
	uint64_t seed = 0x5eedf00d;
	int files = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
			runs = strtol(argv[++i], NULL, 10);
		} else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
			seed = strtoull(argv[++i], NULL, 0);
		} else {
			FILE *f = fopen(argv[i], "rb");
			if (!f) {
				perror(argv[i]);
				return 2;
			}
			static uint8_t buf[1 << 20];
			size_t n = fread(buf, 1, sizeof(buf), f);
			fclose(f);
			LLVMFuzzerTestOneInput(buf, n);
			files++;
		}
	}
	static uint8_t in[4096];
	for (long r = 0; r < runs; r++) {
		uint64_t s = seed + (uint64_t)r * 0x9e3779b97f4a7c15ULL;
		size_t n = 1 + next(&s) % sizeof(in);
		for (size_t i = 0; i < n; i++)
			in[i] = (uint8_t)(next(&s) >> 56);
		LLVMFuzzerTestOneInput(in, n);
	}
	printf("fuzz_peer: %d files and %ld random inputs (seed 0x%llx): ok\n", files, runs,
	       (unsigned long long)seed);
	return 0;
}
