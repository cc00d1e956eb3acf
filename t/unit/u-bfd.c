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

	/* Passive role (RFC 5880 §6.1, §6.8.7): silent until the peer speaks. */
	lb_bfd_init(&b, 42, 100000, 100000, 3, 1000);
	b.passive = true;
	tap_ok(&t, !lb_bfd_due(&b, 1000, &pk) && !lb_bfd_due(&b, 5000000, &pk),
	       "passive: nothing sent before the peer's first packet");
	tap_is_int(&t, lb_bfd_deadline(&b), 0, "passive and silent: no transmit deadline to wake for");
	in = peer_pkt(LB_BFD_DOWN, 99, 0);
	lb_bfd_receive(&b, &in, 6000000);
	tap_ok(&t, lb_bfd_due(&b, 6000000, &pk) && pk.state == LB_BFD_INIT && pk.your_disc == 99,
	       "passive: answers at once once the peer has spoken");
	lb_bfd_tick(&b, 6000000 + 3 * LB_BFD_SLOW_TX_US + 1);
	tap_ok(&t, b.state == LB_BFD_DOWN && !lb_bfd_due(&b, 9000000 + 1, &pk),
	       "passive: silent again after the peer went away (remote discriminator 0)");

	/* Parameter change while Up (RFC 5880 §6.8.3). */
	lb_bfd_init(&b, 42, 100000, 100000, 3, 1000);
	in = peer_pkt(LB_BFD_DOWN, 99, 0);
	lb_bfd_receive(&b, &in, 2000);
	in = peer_pkt(LB_BFD_UP, 99, 42);
	lb_bfd_receive(&b, &in, 3000);
	in.final = true;
	lb_bfd_receive(&b, &in, 4000);
	tap_ok(&t, b.state == LB_BFD_UP && !b.poll_active, "Up, no Poll in progress");
	lb_bfd_set_params(&b, 400000, 50000, 5, 10000);
	tap_ok(&t, b.poll_active && b.t_tx == 10000, "a change starts a Poll sequence at once");
	tap_ok(&t, lb_bfd_due(&b, 10000, &pk) && pk.poll && pk.desired_min_tx == 400000 &&
		       pk.required_min_rx == 50000 && pk.detect_mult == 5,
	       "the Poll carries the new values");
	tap_ok(&t, b.t_tx <= 10000 + 100000, "a larger transmit interval waits for the Final");
	in.final = false;
	lb_bfd_receive(&b, &in, 20000);
	tap_is_int(&t, b.t_detect, 20000 + 3 * 100000,
		   "a smaller receive interval waits for the Final in the detection time");
	in.final = true;
	lb_bfd_receive(&b, &in, 30000);
	tap_ok(&t, !b.poll_active && b.active_min_tx == 400000 && b.active_min_rx == 50000,
	       "after the Final the new values are in use");
	tap_is_int(&t, b.t_detect, 30000 + 3 * 100000, "detection: peer's 100 ms tx beats our 50 ms rx");
	uint64_t at = b.t_tx;
	tap_ok(&t, lb_bfd_due(&b, at, &pk) && b.t_tx >= at + 300000,
	       "transmit interval now 400 ms less jitter");
	lb_bfd_set_params(&b, 400000, 50000, 5, 50000);
	tap_ok(&t, !b.poll_active, "the same values start no Poll");
	lb_bfd_init(&b, 42, 100000, 100000, 3, 1000);
	lb_bfd_set_params(&b, 200000, 200000, 4, 2000);
	tap_ok(&t, !b.poll_active && b.active_min_tx == 200000 && b.detect_mult == 4,
	       "not Up: new values at once, no Poll");

	tap_ok(&t, lb_bfd_ttl_ok(false, 254, 255) && !lb_bfd_ttl_ok(false, 1, 254) &&
		       !lb_bfd_ttl_ok(false, 255, -1),
	       "single hop: TTL 255 only, whatever the minimum");
	tap_ok(&t, lb_bfd_ttl_ok(true, 254, 254) && lb_bfd_ttl_ok(true, 254, 255) &&
		       !lb_bfd_ttl_ok(true, 254, 253) && lb_bfd_ttl_ok(true, 1, 1) &&
		       !lb_bfd_ttl_ok(true, 1, -1) && !lb_bfd_ttl_ok(true, 1, 256),
	       "multi-hop: at least the minimum TTL");
	return tap_done(&t);
}
