/* BFD control packets and the RFC 5880 §6.8.6 state machine. */
#include <string.h>

#include "bfd.h"
#include "tap.h"

static struct lb_bfd_packet peer_pkt(uint8_t state, uint32_t my, uint32_t your)
{
	struct lb_bfd_packet p;
	memset(&p, 0, sizeof(p));
	p.version = 1;
	p.state = state;
	p.detect_mult = 3;
	p.length = LB_BFD_LEN;
	p.my_disc = my;
	p.your_disc = your;
	p.desired_min_tx = 100000;
	p.required_min_rx = 100000;
	return p;
}

int main(void)
{
	struct tap t = {0, 0};
	struct lb_err err;
	struct lb_bfd_packet pk, back;
	uint8_t wire[LB_BFD_LEN];

	pk = peer_pkt(LB_BFD_UP, 7, 9);
	pk.poll = true;
	pk.diag = 3;
	lb_bfd_encode(&pk, wire);
	tap_ok(&t, wire[0] == 0x23 && wire[1] == (3 << 6 | 0x20) && wire[2] == 3 && wire[3] == 24,
	       "header bytes: version 1, diag 3, Up, P");
	tap_ok(&t, lb_bfd_decode(wire, sizeof(wire), &back, &err) == 0 && back.state == LB_BFD_UP &&
		       back.poll && !back.final && back.my_disc == 7 && back.your_disc == 9 &&
		       back.desired_min_tx == 100000 && back.diag == 3,
	       "round trip");
	tap_ok(&t, lb_bfd_decode(wire, 23, &back, &err) < 0, "23 bytes refused: %s", err.msg);
	uint8_t bad[LB_BFD_LEN];
	memcpy(bad, wire, sizeof(bad));
	bad[0] = 0x43;
	tap_ok(&t, lb_bfd_decode(bad, sizeof(bad), &back, &err) < 0 && strstr(err.msg, "version 2"),
	       "version 2 refused");
	memcpy(bad, wire, sizeof(bad));
	bad[3] = 30;
	tap_ok(&t, lb_bfd_decode(bad, sizeof(bad), &back, &err) < 0 && strstr(err.msg, "beyond"),
	       "length field beyond the datagram refused");
	memcpy(bad, wire, sizeof(bad));
	bad[2] = 0;
	tap_ok(&t, lb_bfd_decode(bad, sizeof(bad), &back, &err) < 0, "multiplier 0 refused");
	memcpy(bad, wire, sizeof(bad));
	memset(bad + 4, 0, 4);
	tap_ok(&t, lb_bfd_decode(bad, sizeof(bad), &back, &err) < 0, "my discriminator 0 refused");
	memcpy(bad, wire, sizeof(bad));
	memset(bad + 8, 0, 4);
	tap_ok(&t, lb_bfd_decode(bad, sizeof(bad), &back, &err) < 0,
	       "your discriminator 0 in Up refused");
	memcpy(bad, wire, sizeof(bad));
	bad[1] |= 0x04;
	tap_ok(&t, lb_bfd_decode(bad, sizeof(bad), &back, &err) < 0, "authentication refused");
	memcpy(bad, wire, sizeof(bad));
	bad[1] |= 0x01;
	tap_ok(&t, lb_bfd_decode(bad, sizeof(bad), &back, &err) < 0, "multipoint refused");

	/* Three-way handshake (RFC 5880 §6.2). */
	struct lb_bfd b;
	lb_bfd_init(&b, 42, 100000, 100000, 3, 1000);
	tap_ok(&t, lb_bfd_due(&b, 1000, &pk) && pk.state == LB_BFD_DOWN && pk.my_disc == 42 &&
		       pk.your_disc == 0 && pk.desired_min_tx == LB_BFD_SLOW_TX_US,
	       "Down: first packet at once, 1 s interval while not Up");
	tap_ok(&t, !lb_bfd_due(&b, 1001, &pk) && b.t_tx >= 1000 + 750000 && b.t_tx <= 1000 + 1000000,
	       "next one after 75-100%% of 1 s");
	struct lb_bfd_packet in = peer_pkt(LB_BFD_DOWN, 99, 0);
	tap_ok(&t, lb_bfd_receive(&b, &in, 2000) == 1 && b.state == LB_BFD_INIT, "Down + peer Down: Init");
	in = peer_pkt(LB_BFD_INIT, 99, 42);
	tap_ok(&t, lb_bfd_receive(&b, &in, 3000) == 1 && b.state == LB_BFD_UP, "Init + peer Init: Up");
	tap_ok(&t, b.poll_active && b.t_tx == 3000, "going Up starts a Poll sequence at once");
	tap_ok(&t, lb_bfd_due(&b, 3000, &pk) && pk.poll && pk.state == LB_BFD_UP &&
		       pk.your_disc == 99 && pk.desired_min_tx == 100000,
	       "the Poll carries the fast interval");
	in = peer_pkt(LB_BFD_UP, 99, 42);
	in.final = true;
	lb_bfd_receive(&b, &in, 4000);
	tap_ok(&t, !b.poll_active, "Final ends the Poll sequence");
	tap_is_int(&t, b.t_detect, 4000 + 3 * 100000, "detection time: 3 x 100 ms");
	in.final = false;
	in.poll = true;
	lb_bfd_receive(&b, &in, 5000);
	tap_ok(&t, lb_bfd_due(&b, 5000, &pk) && pk.final && !pk.poll, "a Poll is answered with Final at once");
	tap_ok(&t, lb_bfd_tick(&b, 5000 + 299999) == 0 && b.state == LB_BFD_UP, "not expired yet");
	tap_ok(&t, lb_bfd_tick(&b, 5000 + 300000) == 1 && b.state == LB_BFD_DOWN &&
		       b.diag == LB_BFD_DIAG_TIME_EXPIRED && b.remote_disc == 0,
	       "detection time expired: Down, diag 1");

	lb_bfd_init(&b, 42, 100000, 100000, 3, 1000);
	in = peer_pkt(LB_BFD_DOWN, 99, 0);
	lb_bfd_receive(&b, &in, 2000);
	in = peer_pkt(LB_BFD_UP, 99, 42);
	tap_ok(&t, lb_bfd_receive(&b, &in, 3000) == 1 && b.state == LB_BFD_UP, "Init + peer Up: Up");
	in = peer_pkt(LB_BFD_DOWN, 99, 42);
	tap_ok(&t, lb_bfd_receive(&b, &in, 4000) == 1 && b.state == LB_BFD_DOWN &&
		       b.diag == LB_BFD_DIAG_NEIGHBOR_DOWN,
	       "Up + peer Down: Down, diag 3");
	in = peer_pkt(LB_BFD_UP, 99, 77);
	tap_ok(&t, lb_bfd_receive(&b, &in, 5000) == 0 && b.state == LB_BFD_DOWN,
	       "a packet for another discriminator is ignored");
	in = peer_pkt(LB_BFD_ADMIN_DOWN, 99, 0);
	lb_bfd_init(&b, 42, 100000, 100000, 3, 1000);
	tap_ok(&t, lb_bfd_receive(&b, &in, 2000) == 0 && b.state == LB_BFD_DOWN,
	       "peer AdminDown keeps us Down");
	return tap_done(&t);
}
