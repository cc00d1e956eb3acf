/* lib/arp_probe: iputils arping's pacing, response rules, lines, summary
 * and exit codes, driven without a network or a clock. */
#include <string.h>

#include "arp_probe.h"
#include "tap.h"
#include "testaddr.h"

static const uint8_t me[6] = {0x02, 0, 0, 0, 0, 0x0c};
static const uint8_t peer[6] = {0x02, 0, 0, 0, 0, 0x0a};
static const uint8_t other[6] = {0x02, 0, 0, 0, 0, 0x0b};
static const uint8_t zero[6];

static void setup(struct lb_arp_probe *p, const char *target, const char *source)
{
	lb_arp_probe_init(p);
	p->target = test_ip(target);
	p->source = test_ip(source);
	memcpy(p->mac, me, 6);
}

/* Runs the step function from t=0 to end_ms as a caller would (sending at
 * once when told, sleeping until the wake time otherwise) and returns the
 * send times in out, their number in *n, and the time it stopped. */
static uint64_t run(struct lb_arp_probe *p, uint64_t end_ms, uint64_t *out, int *n)
{
	uint64_t t = 0, wake = 0;
	uint8_t frame[LB_NDP_FRAME_MAX];
	*n = 0;
	while (t <= end_ms) {
		enum lb_arp_probe_step s = lb_arp_probe_step(p, t, &wake);
		if (s == LB_ARP_PROBE_STOP)
			return t;
		if (s == LB_ARP_PROBE_SEND) {
			if (lb_arp_probe_build(p, frame, sizeof(frame)))
				lb_arp_probe_sent(p);
			if (*n < 16)
				out[(*n)++] = t;
			continue;
		}
		if (wake <= t)
			return (uint64_t)-1; /* would spin */
		t = wake;
	}
	return (uint64_t)-2; /* never stopped */
}

static void test_pacing(struct tap *t)
{
	struct lb_arp_probe p;
	uint64_t at[16], stop;
	int n;

	setup(&p, "192.0.2.1", "192.0.2.2");
	p.count = 2;
	stop = run(&p, 60000, at, &n);
	tap_is_int(t, n, 2, "-c 2: two probes");
	tap_ok(t, at[0] == 0 && at[1] == 1000, "one at once, one a second later");
	tap_is_int(t, (long long)stop, 2000, "the run ends a second after the last");

	setup(&p, "192.0.2.1", "192.0.2.2");
	p.count = 2;
	p.interval_s = 3;
	stop = run(&p, 60000, at, &n);
	tap_ok(t, n == 2 && at[1] == 3000 && stop == 6000, "-i 3: probes and the end 3 s apart");

	setup(&p, "192.0.2.1", "192.0.2.2");
	p.deadline_s = 2;
	stop = run(&p, 60000, at, &n);
	tap_is_int(t, n, 3, "-w 2: three probes, the tick on the deadline included (iputils)");
	tap_is_int(t, (long long)stop, 2000, "and it stops at the deadline");

	setup(&p, "192.0.2.1", "192.0.2.2");
	p.count = 2;
	p.deadline_s = 5;
	stop = run(&p, 60000, at, &n);
	tap_ok(t, n == 2 && stop == 2000, "-c 2 -w 5 and no answer: ends after the count, at 2 s");

	setup(&p, "192.0.2.1", "192.0.2.2");
	p.count = 5;
	p.deadline_s = 2;
	stop = run(&p, 60000, at, &n);
	tap_ok(t, n == 3 && stop == 2000, "-c 5 -w 2: the deadline first");

	setup(&p, "192.0.2.1", "192.0.2.1");
	p.unsolicited = true;
	p.count = 1;
	stop = run(&p, 60000, at, &n);
	tap_ok(t, n == 1 && stop == 0, "-U -c 1: one announcement, then at once the end");

	setup(&p, "192.0.2.1", "192.0.2.1");
	p.unsolicited = true;
	stop = run(&p, 60000, at, &n);
	tap_ok(t, stop == (uint64_t)-2 && n == 16, "-U without -c goes on");

	/* A process that slept through ticks sends one probe, not a burst. */
	setup(&p, "192.0.2.1", "192.0.2.2");
	uint64_t wake;
	tap_is_int(t, lb_arp_probe_step(&p, 500, &wake), LB_ARP_PROBE_SEND, "first probe");
	uint8_t f[LB_NDP_FRAME_MAX];
	lb_arp_probe_build(&p, f, sizeof(f));
	tap_is_int(t, lb_arp_probe_step(&p, 500, &wake), LB_ARP_PROBE_WAIT, "then a wait");
	tap_is_int(t, (long long)wake, 1500, "until a second after the start");
	tap_is_int(t, lb_arp_probe_step(&p, 4700, &wake), LB_ARP_PROBE_SEND, "late: one probe");
	lb_arp_probe_build(&p, f, sizeof(f));
	tap_is_int(t, lb_arp_probe_step(&p, 4700, &wake), LB_ARP_PROBE_WAIT, "not four");
	tap_is_int(t, (long long)wake, 5500, "and the ticks stay on the start's grid");
}

static void test_frames(struct tap *t)
{
	struct lb_arp_probe p;
	struct lb_arp_frame f;
	struct lb_err err;
	uint8_t buf[LB_NDP_FRAME_MAX];
	size_t n;

	setup(&p, "192.0.2.1", "192.0.2.2");
	n = lb_arp_probe_build(&p, buf, sizeof(buf));
	tap_ok(t, n && lb_arp_frame_parse(buf, n, &f, &err) == 1, "a probe parses");
	tap_ok(t, f.kind == LB_ARP_FRAME_ARP_REQUEST && !memcmp(f.eth_dst, lb_arp_frame_broadcast, 6),
	       "broadcast who-has");
	tap_ok(t, !memcmp(f.tha, lb_arp_frame_broadcast, 6),
	       "target hardware address = the Ethernet destination, as iputils");
	tap_ok(t, lb_addr_eq(&f.spa, &p.source) && lb_addr_eq(&f.tpa, &p.target) &&
			  !memcmp(f.sha, me, 6),
	       "sender our source and MAC, target the probed address");

	setup(&p, "192.0.2.1", "192.0.2.1");
	p.unsolicited = p.advert = true;
	n = lb_arp_probe_build(&p, buf, sizeof(buf));
	tap_ok(t, lb_arp_frame_parse(buf, n, &f, &err) == 1 && f.kind == LB_ARP_FRAME_ARP_REPLY &&
			  !memcmp(f.tha, me, 6) && lb_addr_eq(&f.spa, &f.tpa),
	       "-A: a gratuitous reply naming our MAC twice");

	setup(&p, "2001:db8::1", "2001:db8::2");
	n = lb_arp_probe_build(&p, buf, sizeof(buf));
	struct lb_addr sn = test_ip("ff02::1:ff00:1");
	tap_ok(t, lb_arp_frame_parse(buf, n, &f, &err) == 1 && f.kind == LB_ARP_FRAME_NS &&
			  lb_addr_eq(&f.ip_dst, &sn) && f.has_lladdr,
	       "IPv6: an NS to the solicited-node group, with our link-layer address");
	setup(&p, "2001:db8::1", "::");
	n = lb_arp_probe_build(&p, buf, sizeof(buf));
	tap_ok(t, lb_arp_frame_parse(buf, n, &f, &err) == 1 && !f.has_lladdr,
	       "IPv6 DAD: from ::, no link-layer option");
	setup(&p, "2001:db8::1", "2001:db8::1");
	p.unsolicited = true;
	n = lb_arp_probe_build(&p, buf, sizeof(buf));
	tap_ok(t, lb_arp_frame_parse(buf, n, &f, &err) == 1 && f.kind == LB_ARP_FRAME_NA &&
			  f.na_flags == LB_NA_OVERRIDE,
	       "IPv6 -U: an unsolicited NA with Override");
	tap_is_int(t, lb_arp_probe_build(&p, buf, 10), 0, "too small a buffer: 0");
}

/* An ARP frame for the accept tests. */
static struct lb_arp_frame arp(int op, const uint8_t *dst, const uint8_t *sha, const char *spa,
			       const uint8_t *tha, const char *tpa)
{
	uint8_t buf[64];
	struct lb_arp_frame f;
	struct lb_err err;
	struct lb_addr s = test_ip(spa), d = test_ip(tpa);
	size_t n = lb_arp_frame_build_arp(buf, sizeof(buf), dst, sha, (uint16_t)op, sha, &s, tha, &d);
	memset(&f, 0, sizeof(f));
	if (lb_arp_frame_parse(buf, n, &f, &err) != 1)
		memset(&f, 0, sizeof(f));
	return f;
}

static void test_accept(struct tap *t)
{
	struct lb_arp_probe p;
	struct lb_arp_probe_response r;
	struct lb_arp_frame f;
	char sum[256];
	const uint8_t *bc = lb_arp_frame_broadcast;

	setup(&p, "192.0.2.1", "192.0.2.2");
	p.count = 3;
	f = arp(2, me, peer, "192.0.2.1", me, "192.0.2.2");
	tap_is_int(t, lb_arp_probe_accept(&p, &f, &r), 1, "the target's reply to us counts");
	tap_is_str(t, r.line, "Unicast reply from 192.0.2.1 [02:00:00:00:00:0A] ", "iputils' line");
	tap_ok(t, p.unicasting && !memcmp(p.peer, peer, 6), "later probes go unicast to it");
	tap_ok(t, !r.other_mac, "first MAC");
	f = arp(2, me, other, "192.0.2.1", me, "192.0.2.2");
	tap_is_int(t, lb_arp_probe_accept(&p, &f, &r), 1, "a second responder counts too");
	tap_ok(t, r.other_mac && !memcmp(p.first_mac, peer, 6), "and is flagged as another MAC");
	f = arp(2, me, peer, "192.0.2.9", me, "192.0.2.2");
	tap_is_int(t, lb_arp_probe_accept(&p, &f, &r), 0, "a reply from another address: no");
	f = arp(2, me, peer, "192.0.2.1", me, "192.0.2.7");
	tap_is_int(t, lb_arp_probe_accept(&p, &f, &r), 0, "a reply for another source: no");
	f = arp(2, me, peer, "192.0.2.1", other, "192.0.2.2");
	tap_is_int(t, lb_arp_probe_accept(&p, &f, &r), 0, "a reply naming another MAC: no");
	f = arp(2, other, peer, "192.0.2.1", me, "192.0.2.2");
	tap_is_int(t, lb_arp_probe_accept(&p, &f, &r), 0, "a frame unicast to another host: no");
	tap_is_int(t, p.received, 2, "two received");
	tap_ok(t, !p.done, "no -f: not done");
	lb_arp_probe_summary(&p, sum, sizeof(sum));
	tap_is_str(t, sum, "Sent 0 probes (0 broadcast(s))\nReceived 2 response(s)\n",
		   "summary without a breakdown");
	tap_is_int(t, lb_arp_probe_exit_code(&p), 0, "answers: exit 0");

	setup(&p, "192.0.2.1", "192.0.2.2");
	p.broadcast_only = true;
	f = arp(2, me, peer, "192.0.2.1", me, "192.0.2.2");
	lb_arp_probe_accept(&p, &f, &r);
	tap_ok(t, !p.unicasting, "-b: stays broadcast");

	setup(&p, "192.0.2.1", "0.0.0.0");
	p.dad = p.first = true;
	f = arp(2, me, peer, "192.0.2.1", me, "0.0.0.0");
	tap_is_int(t, lb_arp_probe_accept(&p, &f, &r), 1, "DAD: the kernel's reply to 0.0.0.0");
	tap_is_str(t, r.line, "Unicast reply from 192.0.2.1 [02:00:00:00:00:0A] ", "plain line");
	tap_ok(t, p.done, "and the run ends");
	tap_is_int(t, lb_arp_probe_exit_code(&p), 1, "DAD with an answer: exit 1");

	setup(&p, "192.0.2.77", "0.0.0.0");
	p.dad = p.first = true;
	f = arp(1, bc, peer, "192.0.2.77", bc, "192.0.2.77");
	tap_is_int(t, lb_arp_probe_accept(&p, &f, &r), 1, "DAD: someone's gratuitous request counts");
	tap_is_str(t, r.line,
		   "Broadcast request from 192.0.2.77 [02:00:00:00:00:0A] for 192.0.2.77 "
		   "[FF:FF:FF:FF:FF:FF]",
		   "iputils names what it was for");
	lb_arp_probe_summary(&p, sum, sizeof(sum));
	tap_is_str(t, sum,
		   "Sent 0 probes (0 broadcast(s))\nReceived 1 response(s) (1 request(s), 1 "
		   "broadcast(s))\n",
		   "summary with requests and broadcasts");

	setup(&p, "192.0.2.77", "0.0.0.0");
	p.dad = p.first = true;
	f = arp(2, bc, peer, "192.0.2.77", peer, "192.0.2.77");
	lb_arp_probe_accept(&p, &f, &r);
	tap_is_str(t, r.line,
		   "Broadcast reply from 192.0.2.77 [02:00:00:00:00:0A] for 192.0.2.77 "
		   "[02:00:00:00:00:0A]",
		   "a gratuitous reply");
	lb_arp_probe_summary(&p, sum, sizeof(sum));
	tap_is_str(t, sum, "Sent 0 probes (0 broadcast(s))\nReceived 1 response(s) (1 broadcast(s))\n",
		   "broadcasts only");
	f = arp(2, me, me, "192.0.2.77", me, "192.0.2.77");
	setup(&p, "192.0.2.77", "0.0.0.0");
	p.dad = true;
	tap_is_int(t, lb_arp_probe_accept(&p, &f, &r), 0, "DAD: our own frame does not count");
	f = arp(2, me, peer, "192.0.2.77", zero, "192.0.2.5");
	setup(&p, "192.0.2.77", "192.0.2.4");
	p.dad = true;
	tap_is_int(t, lb_arp_probe_accept(&p, &f, &r), 0,
		   "DAD from a source: a frame for another address does not count");
	f = arp(2, me, peer, "192.0.2.77", zero, "192.0.2.4");
	tap_is_int(t, lb_arp_probe_accept(&p, &f, &r), 1, "one for our source does");
	tap_is_str(t, r.line, "Unicast reply from 192.0.2.77 [02:00:00:00:00:0A] for [00:00:00:00:00:00]",
		   "'for' and the MAC only");

	/* -w with -c: the count-th response ends the run before the
	 * breakdown counts it, as in iputils. */
	setup(&p, "192.0.2.77", "0.0.0.0");
	p.dad = true;
	p.deadline_s = 3;
	p.count = 1;
	f = arp(1, bc, peer, "192.0.2.77", bc, "192.0.2.77");
	lb_arp_probe_accept(&p, &f, &r);
	lb_arp_probe_summary(&p, sum, sizeof(sum));
	tap_is_str(t, sum, "Sent 0 probes (0 broadcast(s))\nReceived 1 response(s)\n",
		   "-w -c: the last response is not in the breakdown");
	tap_ok(t, p.done, "and it ends the run");

	setup(&p, "192.0.2.1", "192.0.2.2");
	p.deadline_s = 2;
	p.count = 5;
	f = arp(2, me, peer, "192.0.2.1", me, "192.0.2.2");
	lb_arp_probe_accept(&p, &f, &r);
	lb_arp_probe_accept(&p, &f, &r);
	tap_is_int(t, lb_arp_probe_exit_code(&p), 1, "-w 2 -c 5 with 2 answers: exit 1");
	p.first = true;
	tap_is_int(t, lb_arp_probe_exit_code(&p), 0, "with -f: exit 0");
	setup(&p, "192.0.2.1", "192.0.2.2");
	tap_is_int(t, lb_arp_probe_exit_code(&p), 1, "no answer: exit 1");
	p.unsolicited = true;
	tap_is_int(t, lb_arp_probe_exit_code(&p), 0, "-U: exit 0");

	/* IPv6: an NA for the target from anyone but us. */
	uint8_t buf[LB_NDP_FRAME_MAX];
	struct lb_err err;
	struct lb_addr tgt = test_ip("2001:db8::1"), src = test_ip("2001:db8::2");
	size_t n = lb_arp_frame_build_na(buf, sizeof(buf), me, peer, &src, &tgt,
					 LB_NA_SOLICITED | LB_NA_OVERRIDE);
	setup(&p, "2001:db8::1", "2001:db8::2");
	tap_ok(t, lb_arp_frame_parse(buf, n, &f, &err) == 1 && lb_arp_probe_accept(&p, &f, &r) == 1,
	       "IPv6: the NA counts");
	tap_is_str(t, r.line, "Unicast reply from 2001:db8::1 [02:00:00:00:00:0A] ", "same line shape");
	n = lb_arp_frame_build_na(buf, sizeof(buf), me, me, &src, &tgt, LB_NA_SOLICITED);
	setup(&p, "2001:db8::1", "::");
	p.dad = true;
	tap_ok(t, lb_arp_frame_parse(buf, n, &f, &err) == 1 && lb_arp_probe_accept(&p, &f, &r) == 0,
	       "IPv6: our own NA does not");

	char head[128];
	setup(&p, "192.0.2.1", "0.0.0.0");
	lb_arp_probe_header(&p, "eth0", head, sizeof(head));
	tap_is_str(t, head, "ARPING 192.0.2.1 from 0.0.0.0 eth0\n", "the first line");
}

int main(void)
{
	struct tap t = {0, 0};
	test_pacing(&t);
	test_frames(&t);
	test_accept(&t);
	return tap_done(&t);
}
