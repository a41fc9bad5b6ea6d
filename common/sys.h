/* sys.h: the small system helpers that libring, ring_stress and the harness
 * each need, in one place: the monotonic clock, the spin-wait hint, pinning
 * a process to one CPU (and checking that it took), and ending a worker
 * with the process that started it.  Header-only, C11 and Linux libc. */
#ifndef SYS_H
#define SYS_H

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

/* CLOCK_MONOTONIC in nanoseconds. */
static inline int64_t sys_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The hint a spin-wait gives the CPU between two looks. */
static inline void sys_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	_mm_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

/*
 * Pin the calling process to `cpu` and check that it took: a cpuset cgroup
 * can narrow the mask without an error, and the process must be running
 * there now.  Returns 0, or -errno with a sentence in err.
 */
static inline int sys_pin_cpu(int cpu, char *err, size_t n)
{
	cpu_set_t set;
	if (cpu < 0 || cpu >= CPU_SETSIZE) {
		snprintf(err, n, "CPU %d is out of range", cpu);
		return -EINVAL;
	}
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0) {
		int e = errno;
		snprintf(err, n, "cannot pin to CPU %d: %s", cpu, strerror(e));
		return -e;
	}
	if (sched_getaffinity(0, sizeof(set), &set) < 0 || CPU_COUNT(&set) != 1 ||
	    !CPU_ISSET(cpu, &set) || sched_getcpu() != cpu) {
		snprintf(err, n, "pin to CPU %d did not take (running on CPU %d)", cpu,
			 sched_getcpu());
		return -EPERM;
	}
	return 0;
}

/*
 * Have the kernel SIGKILL this process when `parent` (the process that
 * started it) ends, so a worker never outlives its harness.  Returns 0, or
 * -ESRCH if the parent is already gone (the death signal would never come).
 */
static inline int sys_die_with_parent(pid_t parent)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		return -errno;
	/* The parent may have died before the prctl: then we were re-parented
	 * and no signal will come. */
	return getppid() == parent ? 0 : -ESRCH;
}

#endif
