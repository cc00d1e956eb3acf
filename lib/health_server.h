/* A health endpoint served from a tool's own poll loop: HTTP/1.x on one
 * TCP port, non-blocking, a bounded number of clients, each closed after
 * its reply or after a second. GET (or HEAD) of the health path answers
 * 200 "ok" when the caller says it is healthy and 503 when not; another
 * path 404, another method 405, a malformed request 400. */
#ifndef LB_HEALTH_SERVER_H
#define LB_HEALTH_SERVER_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define LB_HEALTH_MAX_CLIENTS 16
#define LB_HEALTH_CLIENT_MS 1000
#define LB_HEALTH_REQUEST_MAX 4096

struct lb_health_server;

/* Checks "[ADDR:]PORT" without opening anything (for usage errors). */
int lb_health_server_check_spec(const char *spec, struct lb_err *err);

/* Listens on "[ADDR:]PORT": ADDR an IPv4 address or an IPv6 one in
 * brackets; without ADDR, every address (IPv6 and IPv4 alike when the host
 * has IPv6). PORT 0 picks a free port (see lb_health_server_name). */
struct lb_health_server *lb_health_server_open(const char *spec, const char *path,
					       struct lb_err *err);
void lb_health_server_close(struct lb_health_server *s);

/* The address actually bound, e.g. "127.0.0.1:40123" or "[::]:7473". */
const char *lb_health_server_name(const struct lb_health_server *s);

/* Fills pfd with the descriptors to poll (the listener, then each client);
 * returns how many, at most 1 + LB_HEALTH_MAX_CLIENTS. */
size_t lb_health_server_fds(const struct lb_health_server *s, struct pollfd *pfd, size_t cap);
/* Milliseconds until the next client times out, or -1 when none waits. */
int lb_health_server_timeout(const struct lb_health_server *s, int64_t now_ms);
/* Accepts, reads, answers and expires after poll returned on the
 * descriptors lb_health_server_fds gave. Never blocks. */
void lb_health_server_service(struct lb_health_server *s, const struct pollfd *pfd, size_t n,
			      bool healthy, int64_t now_ms);

/* The status line and body for a request head (pure: for the tests). */
int lb_health_status(const char *method, const char *path, int major, const char *health_path,
		     bool healthy);

#endif
