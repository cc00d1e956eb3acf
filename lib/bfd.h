/* BFD (RFC 5880) asynchronous mode for one session, single hop (RFC 5881)
 * or multi-hop (RFC 5883), as pure code: packets and the time come in, the
 * packet to send and the state come back. The caller owns the sockets (UDP
 * 3784 or 4784, TTL 255) and the clock (microseconds). Active or passive
 * role, parameter changes by Poll Sequence. No authentication, no demand
 * mode, no echo. */
#ifndef LB_BFD_H
#define LB_BFD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

enum {
	LB_BFD_PORT = 3784,      /* RFC 5881 §4 */
	LB_BFD_MULTIHOP_PORT = 4784, /* RFC 5883 §5 */
	LB_BFD_LEN = 24,         /* control packet without authentication */
	LB_BFD_VERSION = 1,
	LB_BFD_SLOW_TX_US = 1000000, /* RFC 5880 §6.8.3: at least 1 s while not Up */
};

enum lb_bfd_state {
	LB_BFD_ADMIN_DOWN = 0,
	LB_BFD_DOWN = 1,
	LB_BFD_INIT = 2,
	LB_BFD_UP = 3,
};

enum { /* RFC 5880 §4.1 diagnostic codes */
	LB_BFD_DIAG_NONE = 0,
	LB_BFD_DIAG_TIME_EXPIRED = 1,
	LB_BFD_DIAG_NEIGHBOR_DOWN = 3,
	LB_BFD_DIAG_ADMIN_DOWN = 7,
};

struct lb_bfd_packet {
	uint8_t version, diag, state;
	bool poll, final, cpi, auth, demand, multipoint;
	uint8_t detect_mult, length;
	uint32_t my_disc, your_disc;
	uint32_t desired_min_tx, required_min_rx, required_min_echo_rx; /* microseconds */
};

/* RFC 5880 §6.8.6 checks that need no session: -1 with err naming the
 * reason (the packet is discarded, never answered). */
int lb_bfd_decode(const uint8_t *p, size_t len, struct lb_bfd_packet *out, struct lb_err *err);
void lb_bfd_encode(const struct lb_bfd_packet *pk, uint8_t out[LB_BFD_LEN]);

struct lb_bfd {
	enum lb_bfd_state state;
	uint8_t diag;
	uint32_t local_disc, remote_disc;
	uint32_t desired_min_tx, required_min_rx; /* configured, microseconds */
	/* In use while a Poll Sequence announces a change (RFC 5880 §6.8.3):
	 * a larger transmit interval, a smaller receive interval, only once
	 * the peer has answered with Final. */
	uint32_t active_min_tx, active_min_rx;
	uint8_t detect_mult;
	bool passive;      /* RFC 5880 §6.1: send nothing until the peer has */
	uint32_t remote_min_rx, remote_min_tx;
	uint8_t remote_detect_mult;
	bool poll_active;  /* we sent P and wait for F (parameter change) */
	bool send_final;   /* the peer polled: answer with F */
	uint64_t t_tx, t_detect; /* deadlines, microseconds; 0 off */
	uint32_t rnd;       /* jitter state */
};

/* Starts in Down. disc: our discriminator, non-zero and unique per session. */
void lb_bfd_init(struct lb_bfd *b, uint32_t disc, uint32_t min_tx_us, uint32_t min_rx_us,
		 uint8_t mult, uint64_t now);
/* New parameters for a running session (a BFDProfile changed): announced
 * at once with a Poll Sequence when Up (RFC 5880 §6.8.3). */
void lb_bfd_set_params(struct lb_bfd *b, uint32_t min_tx_us, uint32_t min_rx_us, uint8_t mult,
		       uint64_t now);
/* A decoded packet for this session. Returns 1 if the state changed. */
int lb_bfd_receive(struct lb_bfd *b, const struct lb_bfd_packet *pk, uint64_t now);
/* Fires the detection timer; returns 1 if the session went Down. */
int lb_bfd_tick(struct lb_bfd *b, uint64_t now);
/* True when a packet is due (now >= t_tx or a Final is owed, and not
 * passive before the peer's first packet: RFC 5880 §6.8.7); fills pk and
 * schedules the next one with RFC 5880 §6.8.7 jitter. */
bool lb_bfd_due(struct lb_bfd *b, uint64_t now, struct lb_bfd_packet *pk);
uint64_t lb_bfd_deadline(const struct lb_bfd *b);
/* Whether a packet that arrived with this TTL (hop limit; -1 unknown) may
 * be taken: exactly 255 on a single hop (RFC 5881 §5), at least min_ttl
 * on a multi-hop session (RFC 5883 §5). */
bool lb_bfd_ttl_ok(bool multihop, unsigned min_ttl, int ttl);
const char *lb_bfd_state_name(enum lb_bfd_state s);

#endif
