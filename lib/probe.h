/* The lb-probe engine: many targets, each checked every interval with a
 * timeout and debounced by rise/fall, on one event loop. One epoll set
 * holds the sockets of TCP connects and ICMP echoes, the pidfds of exec
 * children and libcurl's sockets (its multi handle runs on
 * curl_multi_socket_action), so a step costs what is ready, not what is in
 * flight, and there is no thread per target. The caller's own descriptors
 * (stdin, a signalfd) are polled with it. */
#ifndef LB_PROBE_H
#define LB_PROBE_H

#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include "err.h"
#include "log.h"
#include "probe_health.h"
#include "probe_target.h"

struct lb_probe;

/* One check result. state is the target's state after this result. */
struct lb_probe_result {
	const char *target;
	enum lb_probe_kind kind;
	int ok;
	const char *reason;
	double rtt_ms; /* < 0: none (e.g. a timeout) */
	enum lb_health_state state, prev;
	int changed;
};

/* What the engine knows about a target, for tables and metrics. */
struct lb_probe_status {
	const char *target;
	enum lb_probe_kind kind;
	enum lb_health_state state;
	int have_result;
	int last_ok;
	const char *last_reason;
	double last_rtt_ms;
	unsigned long checks, failures, transitions;
};

struct lb_probe_stats {
	unsigned long checks;     /* started */
	unsigned long late;       /* started more than late_threshold_ms after due */
	int64_t max_late_ms;
	size_t in_flight;         /* checks started and not yet finished */
	int holding;              /* falling behind: due checks wait for running ones */
};

struct lb_probe_config {
	const struct lb_log *log;
	void (*on_result)(void *ctx, const struct lb_probe_result *r);
	void *ctx;
	/* Once: a target is checked until its first verdict (UP or DOWN after
	 * rise or fall results), then no more. */
	int once;
	/* Random jitter of each interval, in percent of it (HAProxy
	 * spread-checks); the first checks are also spread over the first
	 * interval (at most one second) unless once. */
	unsigned spread_pct;
	unsigned late_threshold_ms;
	/* The soft descriptor limit exec: commands start with (0: ours). A
	 * caller that raised its own for thousands of checks gives the one it
	 * started with: programs that use select() expect at most 1024. */
	unsigned long child_nofile;
};

struct lb_probe *lb_probe_new(const struct lb_probe_config *cfg, struct lb_err *err);
void lb_probe_free(struct lb_probe *p);

/* Takes spec over (also on failure). A target of the same text replaces the
 * old one's options and keeps its state. tcp:// and icmp:// host names are
 * looked up beside the loop (lib/lookup.h), at add and then at most once a
 * minute; a name that does not resolve fails checks, not this call. */
int lb_probe_add(struct lb_probe *p, struct lb_probe_spec *spec, struct lb_err *err);
/* 0, or -1 when there is no such target. */
int lb_probe_remove(struct lb_probe *p, const char *target);

/* Starts due checks, waits at most max_wait_ms (-1: until something
 * happens) for the checks and for the caller's fds (their revents are set),
 * and delivers results. -1 with err only when the loop itself fails. */
int lb_probe_step(struct lb_probe *p, struct curl_waitfd *fds, unsigned nfds, int max_wait_ms,
		  struct lb_err *err);

/* Opens the ICMP socket of a family now rather than at the first icmp://
 * target, so a caller can open it while it holds CAP_NET_RAW and then
 * drop every capability. 0, or -1 with err. */
int lb_probe_icmp_open(struct lb_probe *p, int v6, struct lb_err *err);

size_t lb_probe_count(const struct lb_probe *p);
/* Targets still without a verdict (in once mode: the run is over at 0). */
size_t lb_probe_undecided(const struct lb_probe *p);
/* Calls fn for every target in the order they were added. */
void lb_probe_each(const struct lb_probe *p,
		   void (*fn)(void *ctx, const struct lb_probe_status *st), void *ctx);
void lb_probe_get_stats(const struct lb_probe *p, struct lb_probe_stats *st);

#endif
