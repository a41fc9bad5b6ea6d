/* proc.c: a program run and waited for (proc.h). */
#include "measure/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Wait for pid: its exit code, 128 if it died of a signal, -1 if it
 * cannot be waited for. */
static int reap(pid_t pid)
{
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* In the child: fd (or /dev/null when fd < 0) as `to`, kept open across
 * exec (an fd that already is `to`, in a process started with it closed,
 * has its close-on-exec flag cleared instead). */
static void redirect(int fd, int to)
{
	int f = fd >= 0 ? fd : open("/dev/null", O_RDWR | O_CLOEXEC);
	if (f == to)
		fcntl(f, F_SETFD, 0);
	else if (f >= 0)
		dup2(f, to);
}

int proc_run(char *const argv[], const char *log)
{
	/* The log opened here: one that cannot be is not a program that
	 * cannot be started. */
	int fd = -1;
	if (log && (fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600)) < 0)
		return -1;
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (pid == 0) {
		redirect(-1, 0);
		if (fd >= 0) {
			redirect(fd, 1);
			redirect(fd, 2);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	if (fd >= 0)
		close(fd);
	return reap(pid);
}

/* Read fd to its end into a malloc'd buffer; NULL when out of memory. */
static char *read_all(int fd, size_t *len)
{
	size_t n = 0, cap = 4096;
	char *buf = malloc(cap);
	while (buf) {
		if (n + 1 >= cap) {
			char *nb = realloc(buf, cap *= 2);
			if (!nb) {
				free(buf);
				return NULL;
			}
			buf = nb;
		}
		ssize_t k = read(fd, buf + n, cap - 1 - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		n += (size_t)k;
	}
	if (buf)
		buf[n] = 0;
	if (len)
		*len = n;
	return buf;
}

char *proc_capture(char *const argv[], size_t *len, int *status)
{
	*status = -1;
	int fd[2];
	if (pipe(fd))
		return NULL;
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		close(fd[0]);
		close(fd[1]);
		return NULL;
	}
	if (pid == 0) {
		close(fd[0]);
		redirect(fd[1], 1);
		redirect(-1, 0);
		redirect(-1, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(fd[1]);
	char *out = read_all(fd[0], len);
	close(fd[0]);
	int st = reap(pid);
	*status = out ? st : -1;
	return out;
}

int proc_capture_line(char *const argv[], char *out, size_t n)
{
	int status;
	char *all = proc_capture(argv, NULL, &status);
	out[0] = 0;
	if (all) {
		snprintf(out, n, "%.*s", (int)strcspn(all, "\n"), all);
		free(all);
	}
	return status;
}
