/* The arping probe of lb-arp-announce --probe, in the iputils dialect that
 * Debian ships and operators' scripts parse: which probe frame to send,
 * when to send the next one and when to stop, which received frames count
 * as responses, the lines printed for them and the summary, and the exit
 * code. Pure logic on caller memory (no I/O, no clock, no allocation), so
 * the unit tests drive every rule; the caller owns the sockets and time.
 *
 * IPv4 follows iputils arping; IPv6 is lbkit's extension (NS out, NA
 * back), with the same pacing, lines and exit codes. */
#ifndef LB_ARP_PROBE_H
#define LB_ARP_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "arp_frame.h"

struct lb_arp_probe {
	/* Set by the caller before lb_arp_probe_start. */
	struct lb_addr target;
	struct lb_addr source; /* ARP sender / NS source: 0.0.0.0 or :: for DAD */
	uint8_t mac[LB_ETH_ALEN]; /* the probing interface's */
	int count;		  /* -c: 0 for no limit */
	int deadline_s;		  /* -w: 0 for none */
	int interval_s;		  /* -i: at least 1 */
	bool first;		  /* -f (and -D): stop at the first response */
	bool dad;		  /* -D */
	bool unsolicited;	  /* -U or -A: announce, expect nothing */
	bool advert;		  /* -A: the ARP reply form */
	bool broadcast_only;	  /* -b */

	/* State, read by the caller for the summary. */
	int sent, brd_sent;		/* probes that went out, broadcast ones */
	int received, brd_recv, req_recv; /* responses; broadcast ones, requests */
	bool done;			/* a response ended the run (-f, -D, -w with -c) */
	bool unicasting;		/* probes go to peer, not broadcast */
	uint8_t peer[LB_ETH_ALEN];
	bool have_first_mac;
	uint8_t first_mac[LB_ETH_ALEN]; /* of the first response, for the two-MAC warning */
	uint64_t start_ms;
	int ticks;    /* interval ticks since start */
	int attempts; /* probes built, sent or not */
};

/* Fills the defaults: interval 1 s, nothing sent. */
void lb_arp_probe_init(struct lb_arp_probe *p);

/* What the caller does next at now_ms (a monotonic clock): send a probe
 * (build it, send it, call lb_arp_probe_sent when it went out), wait for
 * frames until *wake_ms, or stop. iputils' pacing: a probe at once, then
 * one each interval; the run ends at the interval tick after the count-th
 * probe, at the deadline (a tick falling on it is still sent), or when a
 * response ends it; -U/-A end as soon as count probes went out. */
enum lb_arp_probe_step {
	LB_ARP_PROBE_SEND,
	LB_ARP_PROBE_WAIT,
	LB_ARP_PROBE_STOP,
};
enum lb_arp_probe_step lb_arp_probe_step(struct lb_arp_probe *p, uint64_t now_ms,
					 uint64_t *wake_ms);

/* The next probe frame, into out; returns its length (0 when cap is too
 * small). Broadcast until a response names a peer (unless -b), then
 * unicast to it; the ARP target hardware address is the Ethernet
 * destination, as iputils sends it. */
size_t lb_arp_probe_build(struct lb_arp_probe *p, uint8_t *out, size_t cap);
void lb_arp_probe_sent(struct lb_arp_probe *p);

/* The result of one received frame. */
struct lb_arp_probe_response {
	/* iputils' line up to the time, e.g. "Unicast reply from 192.0.2.1
	 * [02:00:00:00:00:0A] "; the caller appends " 0.123ms". */
	char line[160];
	uint8_t mac[LB_ETH_ALEN]; /* the responder's */
	bool other_mac;		  /* differs from the first response's */
};

/* 1 when f answers the probe (counted, and *resp filled), 0 when it is not
 * for us: iputils' rules (the sender is the target; outside DAD the frame
 * is addressed to our source and MAC; in DAD any sender but us, and
 * requests count too). Frames unicast to another MAC are not ours either. */
int lb_arp_probe_accept(struct lb_arp_probe *p, const struct lb_arp_frame *f,
			struct lb_arp_probe_response *resp);

/* The first line ("ARPING 192.0.2.1 from 192.0.2.2 eth0") and the two
 * summary lines ("Sent 2 probes (1 broadcast(s))", "Received 2
 * response(s)" with iputils' "(1 request(s), 1 broadcast(s))" breakdown
 * when there are any), each ending in a newline. Return the length
 * snprintf would. */
int lb_arp_probe_header(const struct lb_arp_probe *p, const char *ifname, char *buf, size_t cap);
int lb_arp_probe_summary(const struct lb_arp_probe *p, char *buf, size_t cap);

/* iputils' exit code: -D 1 when anyone answered; -U/-A 0; -w with -c (not
 * -f) 0 only when count responses came; else 0 when any did. */
int lb_arp_probe_exit_code(const struct lb_arp_probe *p);

#endif
