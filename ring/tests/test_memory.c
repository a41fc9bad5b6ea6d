/* test_memory.c: how much memory ring_create may ask for, from made-up
 * /proc/meminfo, /proc/self/cgroup and cgroup v2 folders with known
 * answers: MemAvailable and SwapFree, each cgroup's memory.max up to the
 * root, and page cache the kernel would reclaim counted as free. */
#include "check.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* libring's own (ring_internal.h). */
uint64_t ring__memory_available(const char *meminfo, const char *self_cgroup,
				const char *cgroup_root);

static char root[64];

static void put(const char *rel, const char *text)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	FILE *f = fopen(path, "w");
	CHECK(f != NULL);
	fputs(text, f);
	fclose(f);
}

static uint64_t avail(void)
{
	char mi[128], cg[128], sys[128];
	snprintf(mi, sizeof(mi), "%s/meminfo", root);
	snprintf(cg, sizeof(cg), "%s/cgroup", root);
	snprintf(sys, sizeof(sys), "%s/sys", root);
	return ring__memory_available(mi, cg, sys);
}

#define MIB (1024ULL * 1024)

/* Remove the folder, also when a check fails and exits. */
static void cleanup(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	(void)!system(cmd);
}

int main(void)
{
	snprintf(root, sizeof(root), "/tmp/test_memory.%d", (int)getpid());
	char cmd[160];
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/sys/a/b", root);
	CHECK_EQ(system(cmd), 0);
	atexit(cleanup);

	/* No meminfo: cannot say. */
	CHECK_EQ(avail(), 0);
	/* meminfo alone (no cgroup file: cgroup v1, or none). */
	put("meminfo", "MemTotal: 4000000 kB\nMemFree: 10 kB\nMemAvailable: 1000 kB\n"
		       "SwapTotal: 0 kB\nSwapFree: 24 kB\n");
	CHECK_EQ(avail(), 1024 * 1024);
	put("cgroup", "12:memory:/docker/abc\n1:name=systemd:/\n");
	CHECK_EQ(avail(), 1024 * 1024);

	/* cgroup v2, at the root: no limit there. */
	put("meminfo", "MemAvailable: 8388608 kB\nSwapFree: 0 kB\n"); /* 8 GiB */
	put("cgroup", "0::/\n");
	CHECK_EQ(avail(), 8192 * MIB);

	/* /a/b limited to 1 GiB and at its limit, but 600 MiB of it page cache
	 * of which 100 MiB is shmem: 500 MiB reclaimable, so 500 MiB left. */
	put("cgroup", "0::/a/b\n");
	put("sys/a/b/memory.max", "1073741824\n");
	put("sys/a/b/memory.current", "1073741824\n");
	put("sys/a/b/memory.stat", "anon 100\nfile 629145600\nshmem 104857600\n");
	CHECK_EQ(avail(), 500 * MIB);
	/* Nothing reclaimable: 32 KiB left, what the kernel would give. */
	put("sys/a/b/memory.current", "1073709056\n");
	put("sys/a/b/memory.stat", "file 0\nshmem 0\n");
	CHECK_EQ(avail(), 32768);
	/* Over its limit: nothing, said as 1 byte (0 means "cannot say"). */
	put("sys/a/b/memory.current", "1200000000\n");
	CHECK_EQ(avail(), 1);
	/* No limit on b ("max"), but its parent a has 100 MiB, 40 MiB used. */
	put("sys/a/b/memory.max", "max\n");
	put("sys/a/memory.max", "104857600\n");
	put("sys/a/memory.current", "41943040\n");
	CHECK_EQ(avail(), 60 * MIB);
	/* The machine is the tighter bound. */
	put("meminfo", "MemAvailable: 10240 kB\nSwapFree: 0 kB\n");
	CHECK_EQ(avail(), 10 * MIB);

	printf("test_memory: ok\n");
	return 0;
}
