/* One BGP peer at run time: the TCP connection (non-blocking connect or an
 * accepted one), message framing through the lib/bgp_msg.h decoders, the
 * write queue, the RFC 4271 FSM of lib/bgp_fsm.h driven by the caller's
 * clock, and the Adj-RIB-Out of lib/bgp_adjout.h. The caller owns the one
 * poll loop: it asks for the descriptor and the next deadline, and hands back
 * readiness and the time. Nothing here prints except through the log.
 *
 * Connection collisions (RFC 4271 §6.8): a connection from the peer that
 * arrives while our own is in OpenSent or OpenConfirm is kept beside it, as
 * a second connection with its own FSM that goes no further than
 * OpenConfirm. When both have the peer's OPEN, lb_bgp_collision_keep_new
 * picks the survivor and the other is closed with Cease/Connection
 * Collision Resolution (RFC 4486 subcode 7); if ours fails first, the
 * peer's takes over. Against an Established session a new connection is
 * refused. The caller polls both connections. */
#ifndef LB_BGP_PEER_H
#define LB_BGP_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "bgp_adjout.h"
#include "bgp_fsm.h"
#include "bgp_msg.h"
#include "bgp_update.h"
#include "buf.h"
#include "err.h"
#include "log.h"

struct lb_bgp_peer_config {
	struct lb_addr addr;    /* the peer */
	uint16_t port;          /* 0: 179 */
	struct lb_addr source;  /* family 0: chosen by the kernel */
	uint32_t local_asn, peer_asn;
	uint32_t router_id;     /* host order; 0: the local IPv4 address of the connection */
	uint16_t hold_time;     /* 0 or >= 3; callers default to 90 */
	uint32_t connect_retry_ms;
	bool passive;
	/* Next hops; family 0: the local address of the connection when it is
	 * of that family, else routes of that family are not sent. */
	struct lb_addr next_hop, next_hop6;
	bool no_link_local;       /* never add our link-local address (RFC 2545 §3) */
	const char *md5_password; /* RFC 2385; NULL: none */
	int ttl;                  /* eBGP multihop; 0: the kernel default (1 hop for eBGP is not forced) */
	bool graceful_restart;    /* RFC 4724 as restarting speaker */
	uint16_t gr_time;         /* seconds, 12 bits */
	bool gr_restarting;       /* set the R bit: this start follows a restart
				   * (cleared once the session is Established) */
};

struct lb_bgp_peer;

/* Told after every state change, with the reason the FSM logged. */
typedef void lb_bgp_peer_state_fn(void *ctx, struct lb_bgp_peer *p, enum lb_bgp_state from,
				  enum lb_bgp_state to, const char *reason);

struct lb_bgp_peer_stats {
	uint64_t msgs_in, msgs_out, updates_in, updates_out;
	uint64_t prefixes_received;   /* currently held from the peer (announced minus withdrawn, approximate) */
	uint64_t prefixes_announced_in, prefixes_withdrawn_in;
	uint64_t treat_as_withdraw;   /* RFC 7606 errors handled without a reset */
	uint64_t notifications_in, notifications_out;
	uint64_t established_count;
};

struct lb_bgp_peer {
	struct lb_bgp_peer_config cfg;
	char name[LB_ADDR_STRLEN]; /* the peer's address, for log lines */
	const struct lb_log *log;
	struct lb_bgp_fsm fsm;
	int fd;
	bool connecting; /* non-blocking connect in progress */
	uint8_t *rbuf;
	size_t rlen;
	struct lb_wbuf wq;
	size_t woff;
	struct lb_bgp_adjout adjout;
	bool eor_pending; /* End-of-RIB goes after the initial table */
	bool eor_hold;    /* the initial table is still being loaded */
	struct lb_bgp_session sess; /* what the OPEN exchange settled */
	struct lb_addr local;       /* local address of the connection */
	struct lb_addr local_ll;    /* link-local address of its interface when the peer
				     * is on that link (RFC 2545 §3); family 0 otherwise */
	uint32_t peer_id;
	uint32_t as_path[1];
	struct lb_bgp_peer_stats stats;
	uint64_t established_at; /* caller's ms, 0 when not Established */
	char last_error[200];
	lb_bgp_peer_state_fn *on_state;
	void *ctx;
	/* §6.8: the second connection (NULL without a collision), and in it
	 * the peer it belongs to. */
	struct lb_bgp_peer *alt, *owner;
	bool incoming;     /* the peer opened this connection */
	char label[LB_ADDR_STRLEN + 24]; /* the second connection's name in log lines */
	int collision;     /* decided, not yet carried out: 1 keep ours, 2 keep alt */
};

int lb_bgp_peer_init(struct lb_bgp_peer *p, const struct lb_bgp_peer_config *cfg,
		     const struct lb_log *log, struct lb_err *err);
void lb_bgp_peer_free(struct lb_bgp_peer *p);

void lb_bgp_peer_start(struct lb_bgp_peer *p, uint64_t now);
/* ManualStop: Cease / Administrative Shutdown with an RFC 8203 message when
 * a session is up; waits at most timeout_ms for the queue to drain so the
 * NOTIFICATION reaches the peer before the connection closes. */
void lb_bgp_peer_stop(struct lb_bgp_peer *p, const char *text, int timeout_ms, uint64_t now);
/* The same with another RFC 4486 Cease subcode (Peer De-configured, Other
 * Configuration Change); text goes into the log line only, since RFC 8203
 * messages belong to Administrative Shutdown and Reset alone. */
void lb_bgp_peer_cease(struct lb_bgp_peer *p, uint8_t subcode, const char *text, int timeout_ms,
		       uint64_t now);

/* The descriptor and events to poll for; -1 when there is no connection. */
int lb_bgp_peer_poll_events(const struct lb_bgp_peer *p, short *events);
void lb_bgp_peer_io(struct lb_bgp_peer *p, short revents, uint64_t now);
/* The same for the second connection of a collision (-1 without one). */
int lb_bgp_peer_poll_events_alt(const struct lb_bgp_peer *p, short *events);
void lb_bgp_peer_io_alt(struct lb_bgp_peer *p, short revents, uint64_t now);
/* Fires every due timer. */
void lb_bgp_peer_tick(struct lb_bgp_peer *p, uint64_t now);
/* The earliest deadline (caller's ms), 0 for none. */
uint64_t lb_bgp_peer_deadline(const struct lb_bgp_peer *p);
/* An accepted connection from this peer's address; the peer takes it or
 * closes it. */
void lb_bgp_peer_accept(struct lb_bgp_peer *p, int fd, uint64_t now);

/* The path to the peer is known dead (BFD): drop the connection now,
 * as a TCP failure (RFC 5882 §4.3), and let the FSM reconnect later. */
void lb_bgp_peer_down(struct lb_bgp_peer *p, const char *why, uint64_t now);

/* Route changes go to the Adj-RIB-Out; lb_bgp_peer_flush sends them when
 * the session is Established (batch many changes, then flush once). A big
 * table goes out in slices as the socket drains: call lb_bgp_peer_flush
 * after every lb_bgp_peer_io. */
int lb_bgp_peer_announce(struct lb_bgp_peer *p, const struct lb_prefix *pfx,
			 const struct lb_bgp_adjout_attrs *attrs, struct lb_err *err);
int lb_bgp_peer_withdraw(struct lb_bgp_peer *p, const struct lb_prefix *pfx, struct lb_err *err);
void lb_bgp_peer_flush(struct lb_bgp_peer *p, uint64_t now);
/* While the caller still loads the initial table, routes go out as they
 * come but End-of-RIB (RFC 4724 §2) waits: a router that kept our routes
 * over a restart drops the ones not re-sent when it sees End-of-RIB. */
void lb_bgp_peer_hold_eor(struct lb_bgp_peer *p, bool hold);

/* A listening socket for incoming sessions (non-blocking, SO_REUSEADDR,
 * IPV6_V6ONLY off for "::"; addr NULL or family 0 means "::"). */
int lb_bgp_listen(const struct lb_addr *addr, uint16_t port, struct lb_err *err);
/* An IPv4 peer reaches a "::" listener as an IPv4-mapped IPv6 address
 * (RFC 4291 §2.5.5.2); this turns it back into the IPv4 address. */
void lb_bgp_addr_unmap(struct lb_addr *a);
/* RFC 2385 key for one peer on a socket; a listener needs it before the
 * peer's SYN arrives. */
int lb_bgp_md5_set(int fd, const struct lb_addr *peer, const char *key, struct lb_err *err);

#endif
