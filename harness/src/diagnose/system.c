/* system.c: what makes this machine's figures noisy (`ringbench system`), in
 * one screen, each line ok or what to change and the command that changes
 * it (in the spirit of pyperf's `system show`). */
#include "measure/bench.h"
#include "diagnose/system.h"

#include <ctype.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

/* The first line of a small file, without its newline; "" if unreadable. */
static const char *first_line(const char *path, char *buf, size_t n)
{
	buf[0] = 0;
	FILE *f = fopen(path, "r");
	if (!f)
		return buf;
	if (!fgets(buf, (int)n, f))
		buf[0] = 0;
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	return buf;
}

static bool cpuinfo_flag(const char *flag)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[8192];
	bool yes = false;
	if (!f)
		return false;
	while (!yes && fgets(line, sizeof(line), f))
		if (strncmp(line, "flags", 5) == 0) {
			char pat[64];
			snprintf(pat, sizeof(pat), " %s", flag);
			char *p = strstr(line, pat);
			yes = p && (p[strlen(pat)] == ' ' || p[strlen(pat)] == '\n');
		}
	fclose(f);
	return yes;
}

static void line(struct system_report *r, bool ok, const char *what, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void line(struct system_report *r, bool ok, const char *what, const char *fmt, ...)
{
	if (r->n >= SYSTEM_LINES)
		return;
	struct system_line *l = &r->line[r->n++];
	l->ok = ok;
	snprintf(l->what, sizeof(l->what), "%s", what);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(l->text, sizeof(l->text), fmt, ap);
	va_end(ap);
	r->notes += !ok;
}

/* Processes other than ours that are runnable on cpu right now. */
static int runnable_on(int cpu, char *names, size_t n)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int count = 0;
	names[0] = 0;
	if (!d)
		return 0;
	pid_t self = getpid();
	while ((e = readdir(d))) {
		if (!isdigit((unsigned char)e->d_name[0]) || atoi(e->d_name) == self)
			continue;
		char path[300], buf[1024];
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		size_t k = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[k] = 0;
		char *lp = strchr(buf, '('), *rp = strrchr(buf, ')');
		if (!lp || !rp)
			continue;
		char state = rp[2];
		/* Field 39 is the CPU it last ran on: count fields after ')'. */
		int field = 3, last_cpu = -1;
		for (char *p = rp + 2; *p; p++)
			if (*p == ' ' && ++field == 39) {
				last_cpu = atoi(p + 1);
				break;
			}
		if (state != 'R' || last_cpu != cpu)
			continue;
		count++;
		size_t used = strlen(names);
		if (used + (size_t)(rp - lp) + 3 < n)
			snprintf(names + used, n - used, "%s%.*s", used ? " " : "",
				 (int)(rp - lp - 1), lp + 1);
	}
	closedir(d);
	return count;
}

static void check_virtualisation(struct system_report *r)
{
	char buf[256];
	bool vm = cpuinfo_flag("hypervisor");
	first_line("/sys/class/dmi/id/sys_vendor", buf, sizeof(buf));
	if (vm)
		line(r, false, "virtualisation",
		     "a virtual machine (%s): the host decides where the two vCPUs run, so a bare "
		     "line's round trip moves between states; pin the vCPUs on the host, or "
		     "compare only within a run (ringbench ab does)",
		     buf[0] ? buf : "hypervisor flag set");
	else
		line(r, true, "virtualisation", "bare metal");
}

static void check_governor(struct system_report *r, int cpu)
{
	char buf[256], path[200], what[32];
	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/cpufreq/scaling_governor", cpu);
	first_line(path, buf, sizeof(buf));
	snprintf(what, sizeof(what), "governor cpu%d", cpu);
	if (!buf[0])
		line(r, true, what, "no cpufreq here (the host or firmware sets the clock)");
	else if (strcmp(buf, "performance") == 0)
		line(r, true, what, "performance");
	else
		line(r, false, what,
		     "%s: the clock ramps with load, so short runs start slow; "
		     "`cpupower frequency-set -g performance`",
		     buf);
}

static void check_boost(struct system_report *r)
{
	char buf[256], b2[256];
	first_line("/sys/devices/system/cpu/cpufreq/boost", buf, sizeof(buf));
	first_line("/sys/devices/system/cpu/intel_pstate/no_turbo", b2, sizeof(b2));
	if (strcmp(buf, "1") == 0 || strcmp(b2, "0") == 0)
		line(
		    r, false, "boost",
		    "turbo/boost on: figures follow temperature and the other cores' load; `echo 0 "
		    "> /sys/devices/system/cpu/cpufreq/boost` (or intel_pstate/no_turbo = 1)");
	else
		line(r, true, "boost", buf[0] || b2[0] ? "off" : "not exposed here");
}

/* An SMT sibling of a chosen CPU. */
static void check_smt(struct system_report *r, int cpu)
{
	char buf[256], path[200], what[32], self[16];
	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/topology/thread_siblings_list",
		 cpu);
	first_line(path, buf, sizeof(buf));
	snprintf(what, sizeof(what), "SMT cpu%d", cpu);
	snprintf(self, sizeof(self), "%d", cpu);
	if (!buf[0] || strcmp(buf, self) == 0)
		line(r, true, what, "no SMT sibling%s", buf[0] ? "" : " reported");
	else
		line(r, false, what,
		     "shares its core with %s: work there slows it (or, as the other side, "
		     "speeds the handoff); pin the pair deliberately, `--cpus`",
		     buf);
}

static void check_isolation(struct system_report *r, const int cpu[2])
{
	char buf[256], b2[256];
	first_line("/sys/devices/system/cpu/isolated", buf, sizeof(buf));
	first_line("/sys/devices/system/cpu/nohz_full", b2, sizeof(b2));
	if (buf[0])
		line(r, true, "isolated CPUs", "isolcpus=%s%s%s", buf, b2[0] ? ", nohz_full=" : "",
		     b2);
	else
		line(r, false, "isolated CPUs",
		     "none: the scheduler may put anything on CPUs %d and %d; boot with "
		     "isolcpus=%d,%d nohz_full=%d,%d",
		     cpu[0], cpu[1], cpu[0], cpu[1], cpu[0], cpu[1]);
}

/* Other runnable processes on a chosen CPU. */
static void check_busy(struct system_report *r, int cpu)
{
	char names[200], what[32];
	int k = runnable_on(cpu, names, sizeof(names));
	snprintf(what, sizeof(what), "busy cpu%d", cpu);
	if (k == 0)
		line(r, true, what, "nothing else runnable there now");
	else
		line(r, false, what,
		     "%d other runnable process%s now (%s): they take turns "
		     "with the workers",
		     k, k == 1 ? "" : "es", names);
}

static void check_shm(struct system_report *r)
{
	struct statvfs sv;
	if (statvfs("/dev/shm", &sv) == 0) {
		double total = (double)sv.f_blocks * sv.f_frsize / 1048576.0;
		double avail = (double)sv.f_bavail * sv.f_frsize / 1048576.0;
		line(r, avail >= 256, "/dev/shm", "%.0f MiB, %.0f MiB free%s", total, avail,
		     avail >= 256 ? ""
				  : ": the nightly scenario's 64 MiB rings need room; "
				    "`mount -o remount,size=1G /dev/shm`");
	} else {
		line(r, false, "/dev/shm", "not mounted: POSIX shared memory needs it");
	}
}

static void check_huge_pages(struct system_report *r)
{
	char buf[256];
	first_line("/sys/kernel/mm/transparent_hugepage/shmem_enabled", buf, sizeof(buf));
	line(r, true, "huge pages",
	     "shmem transparent huge pages: %s (the ring maps 4 KiB pages; a 64 MiB ring "
	     "populates 16384 of them at attach, outside the measured window)",
	     buf[0] ? buf : "not reported");
}

/* The bare line between the two CPUs: the physical bound of a ping-pong. */
static void check_bare_line(struct system_report *r, const int cpu[2])
{
	struct bench_case c = {.mode = MODE_PINGPONG,
			       .transport = T_LINE,
			       .size = 64,
			       .cpu = {cpu[0], cpu[1]},
			       .duration = 0.1};
	bench_case_name(&c);
	struct bench_limits lim = {.stall_ns = 2000000000LL};
	struct bench_run run;
	if (bench_run_case(&c, &lim, &run) == BENCH_PASS) {
		r->line_ns = run.msgs_per_sec > 0 ? 1e9 / run.msgs_per_sec : 0;
		line(r, true, "bare line",
		     "round trip between CPU %d and CPU %d: mean %.1f ns, p50 %llu ns, p99 "
		     "%llu ns (the physical bound of a ping-pong here, now)",
		     cpu[0], cpu[1], r->line_ns, (unsigned long long)run.p50,
		     (unsigned long long)run.p99);
	} else {
		line(r, false, "bare line", "could not be measured: %s", run.diagnosis);
	}
}

void system_check(const int cpu[2], bool measure, struct system_report *r)
{
	memset(r, 0, sizeof(*r));
	check_virtualisation(r);
	for (int i = 0; i < 2; i++)
		check_governor(r, cpu[i]);
	check_boost(r);
	for (int i = 0; i < 2; i++)
		check_smt(r, cpu[i]);
	check_isolation(r, cpu);
	for (int i = 0; i < 2; i++)
		check_busy(r, cpu[i]);
	check_shm(r);
	check_huge_pages(r);
	if (measure)
		check_bare_line(r, cpu);
}

void system_summary(const struct system_report *r, char *out, size_t n)
{
	size_t len = 0;
	out[0] = 0;
	for (int i = 0; i < r->n && len < n; i++) {
		if (r->line[i].ok)
			continue;
		int k = snprintf(out + len, n - len, "%s%s", len ? "; " : "", r->line[i].what);
		if (k > 0)
			len += (size_t)k;
	}
	if (!out[0])
		snprintf(out, n, "nothing noted");
}
