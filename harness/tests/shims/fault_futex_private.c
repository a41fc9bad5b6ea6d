/* fault_futex_private.c: an LD_PRELOAD shim for tests only.  Every futex
 * operation made through syscall(2) gets FUTEX_PRIVATE_FLAG: a wake then
 * reaches only waiters in the same process, never the peer, which sleeps
 * out its slice instead.  ringbench doctor must name it. */
#include <dlfcn.h>
#include <linux/futex.h>
#include <stdarg.h>
#include <sys/syscall.h>

typedef long (*syscall_fn)(long, ...);

__attribute__((visibility("default"))) long syscall(long nr, ...)
{
	static syscall_fn real;
	if (!real)
		real = (syscall_fn)dlsym(RTLD_NEXT, "syscall");
	va_list ap;
	va_start(ap, nr);
	long a[6];
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	if (nr == SYS_futex)
		a[1] |= FUTEX_PRIVATE_FLAG;
	return real(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}
