/* Name lookups that do not block the caller's event loop: glibc's
 * getaddrinfo_a runs them on its own helper threads, and the caller asks
 * whether one is done when it has time (lb-probe's loop, every few
 * milliseconds while any is pending). No signal, no callback thread. */
#ifndef LB_LOOKUP_H
#define LB_LOOKUP_H

#include <sys/socket.h>

#include "err.h"

struct lb_lookup;

/* Starts looking up host (and port, 0: none) for sockets of socktype. */
struct lb_lookup *lb_lookup_start(const char *host, unsigned short port, int socktype,
				  struct lb_err *err);

/* 0 while running; 1 with the first address in addr; -1 with err when the
 * name does not resolve. */
int lb_lookup_done(struct lb_lookup *l, struct sockaddr_storage *addr, socklen_t *len,
		   struct lb_err *err);

/* Frees a lookup that is done. */
void lb_lookup_free(struct lb_lookup *l);

/* Stops and frees a lookup: 0, or -1 when glibc is running it right now
 * and it cannot be freed yet (ask again later, or wait). */
int lb_lookup_cancel(struct lb_lookup *l);

/* Waits at most max_ms for a lookup to be done; whether it is. */
int lb_lookup_wait(struct lb_lookup *l, unsigned max_ms);

#endif
