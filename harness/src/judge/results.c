/* results.c: machine identity and the Google Benchmark JSON writer. */
#include "results.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#ifndef RINGBENCH_GIT_REV
#define RINGBENCH_GIT_REV "unknown"
#endif
#ifndef RINGBENCH_SOURCE_DIR
#define RINGBENCH_SOURCE_DIR "."
#endif

/* The revision of the source tree now, "-dirty" if it has changes; the one
 * seen at configure time if git cannot tell (a tarball, no git). */
static void git_revision(char *out, size_t n)
{
	snprintf(out, n, "%s", RINGBENCH_GIT_REV);
	FILE *p =
	    popen("git -C '" RINGBENCH_SOURCE_DIR "' describe --always --dirty 2>/dev/null", "r");
	if (!p)
		return;
	char line[128];
	if (fgets(line, sizeof(line), p)) {
		line[strcspn(line, "\n")] = 0;
		if (line[0])
			snprintf(out, n, "%s", line);
	}
	pclose(p);
}

static void read_line_of(const char *path, const char *key, char *out, size_t n)
{
	FILE *f = fopen(path, "r");
	char line[512];
	if (!f)
		return;
	size_t kl = strlen(key);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, kl) != 0)
			continue;
		char *v = strchr(line, ':');
		if (!v)
			continue;
		v++;
		while (*v == ' ' || *v == '\t')
			v++;
		v[strcspn(v, "\n")] = 0;
		snprintf(out, n, "%s", v);
		break;
	}
	fclose(f);
}

static void slug(char *dst, size_t n, const char *src)
{
	size_t k = 0;
	for (; *src && k + 1 < n; src++) {
		char c = (char)tolower((unsigned char)*src);
		if (isalnum((unsigned char)c) || c == '.')
			dst[k++] = c;
		else if (k && dst[k - 1] != '-')
			dst[k++] = '-';
	}
	while (k && dst[k - 1] == '-')
		k--;
	dst[k] = 0;
}

void machine_identify(struct machine *m)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->cpu_model, sizeof(m->cpu_model), "unknown");
	read_line_of("/proc/cpuinfo", "model name", m->cpu_model, sizeof(m->cpu_model));
	char mhz[32] = "";
	read_line_of("/proc/cpuinfo", "cpu MHz", mhz, sizeof(mhz));
	m->mhz = atof(mhz);
	m->cores = (int)sysconf(_SC_NPROCESSORS_ONLN);
	struct utsname u;
	if (uname(&u) == 0) {
		snprintf(m->kernel, sizeof(m->kernel), "%s", u.release);
		snprintf(m->host, sizeof(m->host), "%s", u.nodename);
	}
	/* Virtualisation: the hypervisor flag says "a VM"; DMI or the
	 * hypervisor vendor line says which. */
	char flags[4096] = "";
	read_line_of("/proc/cpuinfo", "flags", flags, sizeof(flags));
	snprintf(m->virtualization, sizeof(m->virtualization), "%s",
		 strstr(flags, " hypervisor") ? "vm" : "none");
	if (strcmp(m->virtualization, "vm") == 0) {
		FILE *f = fopen("/sys/class/dmi/id/sys_vendor", "r");
		char v[64];
		if (f && fgets(v, sizeof(v), f)) {
			v[strcspn(v, "\n")] = 0;
			if (v[0])
				snprintf(m->virtualization, sizeof(m->virtualization), "vm-%.58s",
					 v);
		}
		if (f)
			fclose(f);
	}
	char raw[512];
	snprintf(raw, sizeof(raw), "%s-%dc-%s-%s", m->cpu_model, m->cores, m->kernel,
		 m->virtualization);
	slug(m->id, sizeof(m->id), raw);
}

json_t *results_new(const struct machine *m, const int cpus[2], const char *scenario)
{
	char date[64], cpu_str[32], rev[128];
	git_revision(rev, sizeof(rev));
	time_t now = time(NULL);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S%z", localtime(&now));
	snprintf(cpu_str, sizeof(cpu_str), "%d,%d", cpus[0], cpus[1]);
	double load[3] = {0, 0, 0};
	if (getloadavg(load, 3) < 0)
		load[0] = load[1] = load[2] = 0;
	json_t *ctx =
	    json_pack("{s:s, s:s, s:s, s:i, s:f, s:b, s:[f,f,f], s:s, s:[], "
		      "s:s, s:s, s:i, s:s, s:s, s:s, s:s, s:s}",
		      "date", date, "host_name", m->host, "executable", "ringbench", "num_cpus",
		      m->cores, "mhz_per_cpu", m->mhz, "cpu_scaling_enabled", 0, "load_avg",
		      load[0], load[1], load[2], "library_build_type", "release", "caches",
		      /* ringbench's own context: the machine identity and the run */
		      "machine_id", m->id, "cpu_model", m->cpu_model, "cores", m->cores, "kernel",
		      m->kernel, "virtualization", m->virtualization, "cpus", cpu_str,
		      "git_revision", rev, "scenario", scenario ? scenario : "");
	return json_pack("{s:o, s:[]}", "context", ctx, "benchmarks");
}

static json_t *entry(const struct bench_case *c, const struct bench_run *r)
{
	double per = r->msgs_per_sec > 0 ? 1e9 / r->msgs_per_sec : 0;
	json_t *e =
	    json_pack("{s:s, s:s, s:i, s:I, s:f, s:f, s:s, s:f, s:f}", "name", c->name, "run_name",
		      c->name, "threads", 1, "iterations", (json_int_t)r->messages, "real_time",
		      per, "cpu_time", r->producer_cpu_ns + r->consumer_cpu_ns, "time_unit", "ns",
		      "items_per_second", r->msgs_per_sec, "bytes_per_second", r->bytes_per_sec);
	json_object_set_new(e, "producer_cpu_ns_per_msg", json_real(r->producer_cpu_ns));
	json_object_set_new(e, "consumer_cpu_ns_per_msg", json_real(r->consumer_cpu_ns));
	json_object_set_new(e, "syscalls_per_msg", json_real(r->syscalls_per_msg));
	if (c->mode != MODE_STREAM) {
		json_object_set_new(e, "p50_ns", json_integer((json_int_t)r->p50));
		json_object_set_new(e, "p90_ns", json_integer((json_int_t)r->p90));
		json_object_set_new(e, "p99_ns", json_integer((json_int_t)r->p99));
		json_object_set_new(e, "p999_ns", json_integer((json_int_t)r->p999));
		json_object_set_new(e, "max_ns", json_integer((json_int_t)r->max));
	}
	json_object_set_new(e, "mode", json_string(bench_mode_name(c->mode)));
	json_object_set_new(e, "transport", json_string(bench_transport_name(c->transport)));
	if (c->transport == T_RING) {
		json_object_set_new(e, "wait", json_string(ring_wait_name(c->wait)));
		json_object_set_new(e, "capacity", json_integer((json_int_t)c->capacity));
	}
	json_object_set_new(e, "size", json_integer((json_int_t)c->size));
	if (c->mode == MODE_LATENCY)
		json_object_set_new(e, "rate", json_real(c->rate));
	return e;
}

void results_add_run(json_t *doc, const struct bench_case *c, const struct bench_run *r,
		     int repetition, int repetitions)
{
	json_t *e = entry(c, r);
	json_object_set_new(e, "run_type", json_string("iteration"));
	json_object_set_new(e, "repetitions", json_integer(repetitions));
	json_object_set_new(e, "repetition_index", json_integer(repetition));
	json_object_set_new(e, "family_index", json_integer(0));
	json_array_append_new(json_object_get(doc, "benchmarks"), e);
}

void results_add_median(json_t *doc, const struct bench_case *c, const struct bench_run *median,
			int repetitions)
{
	json_t *e = entry(c, median);
	char name[256];
	snprintf(name, sizeof(name), "%s_median", c->name);
	json_object_set_new(e, "name", json_string(name));
	json_object_set_new(e, "run_type", json_string("aggregate"));
	json_object_set_new(e, "aggregate_name", json_string("median"));
	json_object_set_new(e, "aggregate_unit", json_string("time"));
	json_object_set_new(e, "repetitions", json_integer(repetitions));
	json_array_append_new(json_object_get(doc, "benchmarks"), e);
}

void results_add_failure(json_t *doc, const struct bench_case *c, const char *message)
{
	struct bench_run none = {0};
	json_t *e = entry(c, &none);
	json_object_set_new(e, "run_type", json_string("iteration"));
	json_object_set_new(e, "repetitions", json_integer(1));
	json_object_set_new(e, "error_occurred", json_true());
	json_object_set_new(e, "error_message", json_string(message));
	json_array_append_new(json_object_get(doc, "benchmarks"), e);
}

int results_write(json_t *doc, const char *path)
{
	char tmp[1100];
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	if (json_dump_file(doc, tmp, JSON_INDENT(2) | JSON_REAL_PRECISION(10)) < 0) {
		unlink(tmp);
		errno = errno ? errno : EIO;
		return -1;
	}
	if (rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		errno = e;
		return -1;
	}
	return 0;
}
