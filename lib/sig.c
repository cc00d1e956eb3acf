#include "sig.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

int lb_sig_open(int want_child, struct lb_err *err)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	if (want_child)
		sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return lb_err_set(err, "sigprocmask: %s", strerror(errno));
	int fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		return lb_err_set(err, "signalfd: %s", strerror(errno));
	return fd;
}

int lb_sig_read(int fd)
{
	struct signalfd_siginfo si;
	ssize_t n = read(fd, &si, sizeof(si));
	if (n == (ssize_t)sizeof(si))
		return (int)si.ssi_signo;
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	return -1;
}

int lb_sig_exit_code(int sig)
{
	return 128 + sig;
}

int lb_sig_end_code(int fd)
{
	int sig = lb_sig_read(fd);
	return sig > 0 && sig != SIGHUP ? lb_sig_exit_code(sig) : 0;
}
