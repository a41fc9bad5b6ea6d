/* results.c: machine identity and the Google Benchmark JSON writer. */
#include "measure/results.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#ifndef RINGBENCH_BUILD_TYPE
#define RINGBENCH_BUILD_TYPE "unknown"
#endif

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

/* How many CPUs a kernel CPU list ("0,8", "0-1", "3") names; at least 1. */
static int cpu_list_count(const char *s)
{
	int n = 0;
	while (*s && *s != '\n') {
		char *end;
		long a = strtol(s, &end, 10), b = a;
		if (end == s)
			break;
		if (*end == '-')
			b = strtol(end + 1, &end, 10);
		n += b >= a && b - a < 4096 ? (int)(b - a + 1) : 1;
		s = *end == ',' ? end + 1 : end;
		if (*end != ',')
			break;
	}
	return n > 0 ? n : 1;
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
	/* SMT: the siblings of CPU 0 (a list such as "0,8" or "0-1"). */
	char sib[64] = "";
	FILE *f = fopen("/sys/devices/system/cpu/cpu0/topology/thread_siblings_list", "r");
	m->smt = f && fgets(sib, sizeof(sib), f) ? cpu_list_count(sib) : 1;
	if (f)
		fclose(f);
	snprintf(m->microcode, sizeof(m->microcode), "unknown");
	read_line_of("/proc/cpuinfo", "microcode", m->microcode, sizeof(m->microcode));
	snprintf(m->governor, sizeof(m->governor), "none");
	f = fopen("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", "r");
	if (f && fgets(m->governor, sizeof(m->governor), f))
		m->governor[strcspn(m->governor, "\n")] = 0;
	if (f)
		fclose(f);
	/* The hypervisor's own build, where the guest can see it. */
	snprintf(m->hypervisor, sizeof(m->hypervisor), "unknown");
	static const char *const hv[] = {"/sys/hypervisor/version/extra",
					 "/sys/class/dmi/id/product_version",
					 "/sys/class/dmi/id/bios_version"};
	for (size_t i = 0; i < sizeof(hv) / sizeof(hv[0]); i++) {
		char v[128];
		f = fopen(hv[i], "r");
		bool got = f && fgets(v, sizeof(v), f);
		if (f)
			fclose(f);
		if (got && (v[strcspn(v, "\n")] = 0, v[0])) {
			snprintf(m->hypervisor, sizeof(m->hypervisor), "%s", v);
			break;
		}
	}
	machine_id_of(m->cpu_model, m->cores, m->smt, m->virtualization, m->id, sizeof(m->id));
}

void machine_id_of(const char *cpu_model, int cores, int smt, const char *virtualization, char *out,
		   size_t n)
{
	char raw[512], smt_part[24] = "";
	if (smt > 1)
		snprintf(smt_part, sizeof(smt_part), "-smt%d", smt);
	snprintf(raw, sizeof(raw), "%s-%dc%s-%s", cpu_model, cores, smt_part, virtualization);
	slug(out, n, raw);
}

void machine_id_from_context(json_t *ctx, char *out, size_t n)
{
	const char *model = json_string_value(json_object_get(ctx, "cpu_model"));
	const char *virt = json_string_value(json_object_get(ctx, "virtualization"));
	json_t *cores = json_object_get(ctx, "cores"), *smt = json_object_get(ctx, "smt");
	if (model && virt && json_is_integer(cores)) {
		machine_id_of(model, (int)json_integer_value(cores),
			      json_is_integer(smt) ? (int)json_integer_value(smt) : 1, virt, out,
			      n);
		return;
	}
	const char *id = json_string_value(json_object_get(ctx, "machine_id"));
	snprintf(out, n, "%s", id ? id : "");
}

/* Store v under key, refusing what jansson cannot hold faithfully. */
static int put(json_t *o, const char *key, json_t *v, const char *what, char *err, size_t n)
{
	if (!v || json_object_set_new(o, key, v) < 0) {
		snprintf(err, n, "%s: field %s: not a finite number or not UTF-8 text", what, key);
		return -1;
	}
	return 0;
}

static json_t *real(double v)
{
	return isfinite(v) ? json_real(v) : NULL; /* NULL: put() names the field */
}

static json_t *text(const char *s)
{
	return json_string(s); /* NULL for text that is not UTF-8 */
}

json_t *results_new(const struct machine *m, const int cpus[2], const char *scenario,
		    const struct bench_clock *clk, const char *clock_why, char *err, size_t n)
{
	char date[64], cpu_str[32], run_id[320];
	time_t now = time(NULL);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S%z", localtime(&now));
	/* A run's identity: every repetition carries it, so a baseline that
	 * holds several runs knows which repetitions were taken together. */
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	static unsigned docs;
	snprintf(run_id, sizeof(run_id), "%s-%lld.%09ld-%d-%u", m->id, (long long)ts.tv_sec,
		 ts.tv_nsec, (int)getpid(), docs++);
	snprintf(cpu_str, sizeof(cpu_str), "%d,%d", cpus[0], cpus[1]);
	double load[3] = {0, 0, 0};
	if (getloadavg(load, 3) < 0)
		load[0] = load[1] = load[2] = 0;
	json_t *ctx = json_object(), *doc = json_object(), *la = json_array();
	const char *w = "context";
	if (!ctx || !doc || !la) {
		snprintf(err, n, "out of memory");
		goto fail;
	}
	for (int i = 0; i < 3; i++)
		json_array_append_new(la, json_real(load[i]));
	if (put(ctx, "date", text(date), w, err, n) ||
	    put(ctx, "host_name", text(m->host), w, err, n) ||
	    put(ctx, "executable", text("ringbench"), w, err, n) ||
	    put(ctx, "num_cpus", json_integer(m->cores), w, err, n) ||
	    put(ctx, "mhz_per_cpu", real(m->mhz), w, err, n) ||
	    put(ctx, "cpu_scaling_enabled", json_false(), w, err, n) ||
	    put(ctx, "load_avg", la, w, err, n) ||
	    put(ctx, "library_build_type", text(RINGBENCH_BUILD_TYPE), w, err, n) ||
	    put(ctx, "caches", json_array(), w, err, n) ||
	    /* ringbench's own context: the machine identity and the run */
	    put(ctx, "machine_id", text(m->id), w, err, n) ||
	    put(ctx, "cpu_model", text(m->cpu_model), w, err, n) ||
	    put(ctx, "cores", json_integer(m->cores), w, err, n) ||
	    put(ctx, "smt", json_integer(m->smt), w, err, n) ||
	    put(ctx, "kernel", text(m->kernel), w, err, n) ||
	    put(ctx, "microcode", text(m->microcode), w, err, n) ||
	    put(ctx, "governor", text(m->governor), w, err, n) ||
	    put(ctx, "hypervisor", text(m->hypervisor), w, err, n) ||
	    put(ctx, "virtualization", text(m->virtualization), w, err, n) ||
	    put(ctx, "run_id", text(run_id), w, err, n) ||
	    put(ctx, "cpus", text(cpu_str), w, err, n) ||
	    /* The revision this binary is built from, whatever the source tree
	     * holds now: a baseline's is what check builds again. */
	    put(ctx, "git_revision", text(ringbench_revision), w, err, n) ||
	    put(ctx, "scenario", text(scenario ? scenario : ""), w, err, n) ||
	    /* how the figures were taken */
	    put(ctx, "clock", text(bench_clock_name(clk)), w, err, n) ||
	    put(ctx, "clock_resolution_ns", real(clk->resolution_ns), w, err, n) ||
	    put(ctx, "clock_hz", real(clk->hz), w, err, n) ||
	    put(ctx, "clock_choice", text(clock_why), w, err, n) ||
	    put(ctx, "window", text(RESULTS_WINDOW), w, err, n))
		goto fail;
	la = NULL;
	if (put(ctx, "state_probe", text(RESULTS_STATE), "context", err, n) < 0)
		goto fail;
	if (json_object_set_new(doc, "context", ctx) < 0 ||
	    json_object_set_new(doc, "benchmarks", json_array()) < 0) {
		ctx = NULL;
		snprintf(err, n, "out of memory");
		goto fail;
	}
	return doc;
fail:
	json_decref(la);
	json_decref(ctx);
	json_decref(doc);
	return NULL;
}

static json_t *entry(const struct bench_case *c, const struct bench_run *r, char *err, size_t n)
{
	double per = r->msgs_per_sec > 0 ? 1e9 / r->msgs_per_sec : 0;
	json_t *e = json_object();
	const char *w = c->name;
	if (!e) {
		snprintf(err, n, "out of memory");
		return NULL;
	}
	if (put(e, "name", text(c->name), w, err, n) ||
	    put(e, "run_name", text(c->name), w, err, n) ||
	    put(e, "threads", json_integer(1), w, err, n) ||
	    put(e, "iterations", json_integer((json_int_t)r->messages), w, err, n) ||
	    put(e, "real_time", real(per), w, err, n) ||
	    put(e, "cpu_time", real(r->producer_cpu_ns + r->consumer_cpu_ns), w, err, n) ||
	    put(e, "time_unit", text("ns"), w, err, n) ||
	    put(e, "items_per_second", real(r->msgs_per_sec), w, err, n) ||
	    put(e, "bytes_per_second", real(r->bytes_per_sec), w, err, n) ||
	    put(e, "producer_cpu_ns_per_msg", real(r->producer_cpu_ns), w, err, n) ||
	    put(e, "consumer_cpu_ns_per_msg", real(r->consumer_cpu_ns), w, err, n) ||
	    put(e, "syscalls_per_msg", real(r->syscalls_per_msg), w, err, n) ||
	    put(e, "window_seconds", real(r->seconds), w, err, n) ||
	    put(e, "warmup_messages", json_integer((json_int_t)c->warmup), w, err, n) ||
	    put(e, "mode", text(bench_mode_name(c->mode)), w, err, n) ||
	    put(e, "transport", text(bench_transport_name(c->transport)), w, err, n) ||
	    put(e, "size", json_integer((json_int_t)c->size), w, err, n))
		goto fail;
	/* The state probes, where both were taken (a failed run has none). */
	if (r->state_before_ns > 0 && r->state_after_ns > 0 &&
	    (put(e, "state_before_ns", real(r->state_before_ns), w, err, n) ||
	     put(e, "state_after_ns", real(r->state_after_ns), w, err, n)))
		goto fail;
	if (c->mode != MODE_STREAM &&
	    (put(e, "p50_ns", json_integer((json_int_t)r->p50), w, err, n) ||
	     put(e, "p75_ns", json_integer((json_int_t)r->p75), w, err, n) ||
	     put(e, "p90_ns", json_integer((json_int_t)r->p90), w, err, n) ||
	     put(e, "p95_ns", json_integer((json_int_t)r->p95), w, err, n) ||
	     put(e, "p99_ns", json_integer((json_int_t)r->p99), w, err, n) ||
	     put(e, "p999_ns", json_integer((json_int_t)r->p999), w, err, n) ||
	     put(e, "p9999_ns", json_integer((json_int_t)r->p9999), w, err, n) ||
	     put(e, "max_ns", json_integer((json_int_t)r->max), w, err, n)))
		goto fail;
	if (c->transport == T_RING &&
	    (put(e, "wait", text(ring_wait_name(c->wait)), w, err, n) ||
	     put(e, "capacity", json_integer((json_int_t)c->capacity), w, err, n)))
		goto fail;
	if (c->mode == MODE_LATENCY && put(e, "rate", real(c->rate), w, err, n))
		goto fail;
	return e;
fail:
	json_decref(e);
	return NULL;
}

static int append(json_t *doc, json_t *e, char *err, size_t n)
{
	if (json_array_append_new(json_object_get(doc, "benchmarks"), e) < 0) {
		snprintf(err, n, "out of memory");
		return -1;
	}
	return 0;
}

int results_add_run(json_t *doc, const struct bench_case *c, const struct bench_run *r,
		    int repetition, int repetitions, char *err, size_t n)
{
	json_t *e = entry(c, r, err, n);
	json_t *run_id = json_object_get(json_object_get(doc, "context"), "run_id");
	if (!e || (run_id && put(e, "run_id", json_copy(run_id), c->name, err, n)) ||
	    put(e, "run_type", text("iteration"), c->name, err, n) ||
	    put(e, "repetitions", json_integer(repetitions), c->name, err, n) ||
	    put(e, "repetition_index", json_integer(repetition), c->name, err, n) ||
	    put(e, "family_index", json_integer(0), c->name, err, n)) {
		json_decref(e);
		return -1;
	}
	return append(doc, e, err, n);
}

int results_add_median(json_t *doc, const struct bench_case *c, const struct bench_run *median,
		       int repetitions, char *err, size_t n)
{
	json_t *e = entry(c, median, err, n);
	char name[256];
	snprintf(name, sizeof(name), "%s_median", c->name);
	if (!e || put(e, "name", text(name), c->name, err, n) ||
	    put(e, "run_type", text("aggregate"), c->name, err, n) ||
	    put(e, "aggregate_name", text("median"), c->name, err, n) ||
	    put(e, "aggregate_unit", text("time"), c->name, err, n) ||
	    put(e, "repetitions", json_integer(repetitions), c->name, err, n)) {
		json_decref(e);
		return -1;
	}
	return append(doc, e, err, n);
}

int results_add_failure(json_t *doc, const struct bench_case *c, const char *message, char *err,
			size_t n)
{
	struct bench_run none = {0};
	json_t *e = entry(c, &none, err, n);
	if (!e || put(e, "run_type", text("iteration"), c->name, err, n) ||
	    put(e, "repetitions", json_integer(1), c->name, err, n) ||
	    put(e, "error_occurred", json_true(), c->name, err, n) ||
	    put(e, "error_message", text(message), c->name, err, n)) {
		json_decref(e);
		return -1;
	}
	return append(doc, e, err, n);
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

int results_mkdirs(const char *path)
{
	char buf[1024];
	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = 0;
			if (mkdir(buf, 0777) && errno != EEXIST)
				return -1;
			*p = '/';
		}
	return mkdir(buf, 0777) && errno != EEXIST ? -1 : 0;
}
