/* The BGP-4 finite state machine of RFC 4271 §8 as pure code: events and
 * the time come in, the new state and the actions the caller must carry out
 * come back. No sockets, no clock: the caller owns both, which keeps every
 * transition testable. All state changes go through one function that logs
 * "neighbor ADDR: state change OpenSent -> Established, reason: …".
 *
 * Simplifications, all allowed by §8.1: no DelayOpen timer, no
 * SendNOTIFICATIONwithoutOPEN. One FSM runs per connection (§8): during a
 * connection collision (§6.8) the caller runs a second one and tells the
 * loser OpenCollisionDump once lb_bgp_collision_keep_new has decided. Peer
 * oscillation damping is an exponential back-off in Idle before the
 * automatic restart. */
#ifndef LB_BGP_FSM_H
#define LB_BGP_FSM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bgp_msg.h"
#include "log.h"

enum lb_bgp_state {
	LB_BGP_IDLE,
	LB_BGP_CONNECT,
	LB_BGP_ACTIVE,
	LB_BGP_OPENSENT,
	LB_BGP_OPENCONFIRM,
	LB_BGP_ESTABLISHED,
};

/* RFC 4271 §8.1 events, folded where our caller cannot tell them apart. */
enum lb_bgp_fsm_event_type {
	LB_BGP_EV_START,               /* 1/3 ManualStart, AutomaticStart */
	LB_BGP_EV_STOP,                /* 2 ManualStop (subcode: Cease subcode, 0 for
					* Administrative Shutdown; text: RFC 8203 message) */
	LB_BGP_EV_TCP_CONNECTED,       /* 16/17 Tcp_CR_Acked, TcpConnectionConfirmed */
	LB_BGP_EV_TCP_FAILED,          /* 18 TcpConnectionFails (text: why, if not TCP) */
	LB_BGP_EV_OPEN,                /* 19 BGPOpen (decoded and accepted; open set) */
	LB_BGP_EV_MSG_ERROR,           /* 21/22/28: a decoder refused a message (notify set) */
	LB_BGP_EV_NOTIFICATION,        /* 24/25 NotifMsg (code, subcode, text) */
	LB_BGP_EV_KEEPALIVE,           /* 26 KeepAliveMsg */
	LB_BGP_EV_UPDATE,              /* 27 UpdateMsg (also one handled by treat-as-withdraw) */
	LB_BGP_EV_ROUTE_REFRESH,       /* RFC 2918 request */
	LB_BGP_EV_COLLISION_DUMP,      /* 23 OpenCollisionDump: this connection lost §6.8 */
};

struct lb_bgp_fsm_event {
	enum lb_bgp_fsm_event_type type;
	const struct lb_bgp_open *open;
	const struct lb_bgp_notify *notify;
	uint8_t code, subcode;
	const char *text;
};

/* Actions, to be carried out in this order. */
enum {
	LB_BGP_DO_SEND_NOTIFICATION = 1 << 0, /* out.code, out.subcode, out.data */
	LB_BGP_DO_CLOSE = 1 << 1,             /* drop the TCP connection */
	LB_BGP_DO_ROUTES_DOWN = 1 << 2,       /* forget what the peer announced */
	LB_BGP_DO_CONNECT = 1 << 3,           /* open a TCP connection to the peer */
	LB_BGP_DO_SEND_OPEN = 1 << 4,
	LB_BGP_DO_SEND_KEEPALIVE = 1 << 5,
	LB_BGP_DO_SEND_ROUTES = 1 << 6,       /* the full table, then End-of-RIB */
};

struct lb_bgp_fsm_out {
	unsigned actions;
	uint8_t code, subcode;
	const uint8_t *data; /* valid until the next call into the FSM */
	size_t data_len;
	bool state_changed;
	enum lb_bgp_state from, to;
};

struct lb_bgp_fsm_config {
	const char *peer;          /* for the log prefix: "neighbor 192.0.2.1" */
	bool passive;              /* wait for the peer to connect */
	uint16_t hold_time;        /* proposed in our OPEN: 0 (no keepalives) or >= 3;
				    * callers default to 90 (RFC 4271 §10) */
	uint32_t connect_retry_ms; /* default 5000 */
	uint32_t idle_hold_min_ms; /* back-off after a failure (default 1000) */
	uint32_t idle_hold_max_ms; /* doubling up to this (default 60000) */
};

struct lb_bgp_fsm {
	struct lb_bgp_fsm_config cfg;
	const struct lb_log *log; /* NULL: silent */
	enum lb_bgp_state state;
	bool enabled;             /* started and not stopped: restart after errors */
	uint16_t hold_time;       /* negotiated */
	unsigned connect_retry_counter;
	uint32_t idle_hold_ms;    /* the next back-off */
	/* Absolute deadlines in the caller's milliseconds; 0 is off. */
	uint64_t t_connect_retry, t_hold, t_keepalive, t_idle_hold;
	uint64_t established_at;
	char last_error[200];
	uint8_t notify_data[256]; /* our own NOTIFICATION data (shutdown message) */
};

void lb_bgp_fsm_init(struct lb_bgp_fsm *f, const struct lb_bgp_fsm_config *cfg,
		     const struct lb_log *log);
void lb_bgp_fsm_handle(struct lb_bgp_fsm *f, const struct lb_bgp_fsm_event *ev, uint64_t now,
		       struct lb_bgp_fsm_out *out);
/* Fires the timers that are due at now (at most one transition). Returns 1 if
 * one fired, 0 if none was due. */
int lb_bgp_fsm_tick(struct lb_bgp_fsm *f, uint64_t now, struct lb_bgp_fsm_out *out);
/* The earliest running deadline, 0 when no timer runs: the poll timeout. */
uint64_t lb_bgp_fsm_next_deadline(const struct lb_bgp_fsm *f);
/* RFC 4271 §4.4: any KEEPALIVE or UPDATE sent restarts the KeepaliveTimer. */
void lb_bgp_fsm_sent(struct lb_bgp_fsm *f, uint64_t now);

/* RFC 4271 §6.8 with RFC 6286 §2.3: an OPEN arrived on a connection while
 * another one with the same peer is in OpenConfirm. The connection opened
 * by the dominant speaker survives: the one with the higher BGP Identifier
 * (compared as host-order integers), or with equal Identifiers the one with
 * the higher AS number. Returns true when the new connection (the one the
 * OPEN arrived on) is kept and the other is closed with Cease/Connection
 * Collision Resolution, false for the reverse. new_is_incoming: the peer
 * opened the new connection. */
bool lb_bgp_collision_keep_new(uint32_t local_id, uint32_t local_asn, uint32_t remote_id,
			       uint32_t remote_asn, bool new_is_incoming);

const char *lb_bgp_state_name(enum lb_bgp_state s);

#endif
