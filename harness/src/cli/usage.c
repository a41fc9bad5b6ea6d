/* usage.c: the one-line usage error every command gives. */
#include "bench.h"
#include "commands.h"

#include <stdarg.h>
#include <stdio.h>

int cli_usage(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "ringbench: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\nTry 'ringbench --help'.\n");
	va_end(ap);
	return BENCH_USAGE;
}
