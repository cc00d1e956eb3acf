/* Signals arrive as a readable file descriptor (signalfd) so that the one
 * poll loop of each tool handles them; handlers never do work. */
#ifndef LB_SIG_H
#define LB_SIG_H

#include "err.h"

/* Blocks SIGINT, SIGTERM, SIGHUP (and SIGCHLD if want_child) and returns a
 * non-blocking signalfd for them; SIGPIPE is ignored so a closed reader is a
 * write error (EPIPE), not a death. */
int lb_sig_open(int want_child, struct lb_err *err);

/* Returns the next pending signal number, 0 if none, -1 on error. */
int lb_sig_read(int fd);

/* The exit code for dying of signal sig, as a shell reports it. */
int lb_sig_exit_code(int sig);

/* For a tool with nothing to reload: reads one pending signal and returns
 * the exit code it ends with (lb_sig_exit_code), or 0 when none is pending
 * or it is SIGHUP, which such a tool ignores. */
int lb_sig_end_code(int fd);

#endif
