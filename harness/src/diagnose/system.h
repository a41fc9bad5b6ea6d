/* system.h: what makes this machine's figures noisy (ringbench system). */
#ifndef SYSTEM_H
#define SYSTEM_H

#include <stdbool.h>
#include <stddef.h>

#define SYSTEM_LINES 16

struct system_line {
	bool ok;
	char what[32];
	char text[400];
};

struct system_report {
	struct system_line line[SYSTEM_LINES];
	int n, notes;
	double line_ns; /* the bare line's mean round trip, 0 if not measured */
};

/* Look at the machine for a run on cpu[0] and cpu[1]; with measure, also
 * time a bare cache line's round trip between them (0.1 s). */
void system_check(const int cpu[2], bool measure, struct system_report *r);
/* One line: what was noted ("virtualisation; isolated CPUs"). */
void system_summary(const struct system_report *r, char *out, size_t n);

#endif
