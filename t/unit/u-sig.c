/* lib/sig.c: signals read from the signalfd, and the exit code they end a
 * tool with. */
#include <signal.h>

#include "sig.h"
#include "tap.h"

int main(void)
{
	struct tap t = {0};
	struct lb_err err;
	int fd = lb_sig_open(0, &err);
	tap_ok(&t, fd >= 0, "lb_sig_open gives a descriptor");
	if (fd < 0)
		return tap_done(&t);

	tap_is_int(&t, lb_sig_end_code(fd), 0, "nothing pending: 0");
	raise(SIGHUP);
	tap_is_int(&t, lb_sig_end_code(fd), 0, "SIGHUP: 0, the tool goes on");
	tap_is_int(&t, lb_sig_read(fd), 0, "SIGHUP was read (consumed)");
	raise(SIGTERM);
	tap_is_int(&t, lb_sig_end_code(fd), 128 + SIGTERM, "SIGTERM: 143, as a shell reports it");
	raise(SIGINT);
	tap_is_int(&t, lb_sig_end_code(fd), 128 + SIGINT, "SIGINT: 130");
	tap_is_int(&t, lb_sig_end_code(fd), 0, "each signal is read once");
	tap_ok(&t, signal(SIGPIPE, SIG_IGN) == SIG_IGN, "SIGPIPE is ignored");
	return tap_done(&t);
}
