#include "arp_probe.h"

#include <stdio.h>
#include <string.h>

enum { ARP_OP_REQUEST = 1, ARP_OP_REPLY = 2 };

void lb_arp_probe_init(struct lb_arp_probe *p)
{
	memset(p, 0, sizeof(*p));
	p->interval_s = 1;
}

enum lb_arp_probe_step lb_arp_probe_step(struct lb_arp_probe *p, uint64_t now_ms,
					 uint64_t *wake_ms)
{
	if (p->done)
		return LB_ARP_PROBE_STOP;
	/* -U/-A expect nothing: they end as soon as the count is out. */
	if (p->unsolicited && p->count > 0 && p->attempts >= p->count)
		return LB_ARP_PROBE_STOP;
	if (!p->attempts) {
		p->start_ms = now_ms;
		return LB_ARP_PROBE_SEND;
	}
	uint64_t interval = (uint64_t)(p->interval_s > 0 ? p->interval_s : 1) * 1000;
	uint64_t next_tick = p->start_ms + (uint64_t)(p->ticks + 1) * interval;
	uint64_t deadline = p->deadline_s > 0 ? p->start_ms + (uint64_t)p->deadline_s * 1000 : 0;
	/* The tick is looked at before the deadline, so that one falling on
	 * the deadline still sends (iputils reads its interval timer first):
	 * -w 2 sends three probes. Ticks missed while the process was not
	 * running collapse into one probe, as timerfd's expiry count does. */
	if (now_ms >= next_tick) {
		p->ticks = (int)((now_ms - p->start_ms) / interval);
		if (p->count > 0 && p->count < p->ticks + 1)
			return LB_ARP_PROBE_STOP;
		return LB_ARP_PROBE_SEND;
	}
	if (deadline && now_ms >= deadline)
		return LB_ARP_PROBE_STOP;
	*wake_ms = deadline && deadline < next_tick ? deadline : next_tick;
	return LB_ARP_PROBE_WAIT;
}

static const struct lb_addr all_nodes = {LB_AF_INET6, {0xff, 0x02, [15] = 1}};

size_t lb_arp_probe_build(struct lb_arp_probe *p, uint8_t *out, size_t cap)
{
	bool unicast = p->unicasting && !p->broadcast_only;
	uint8_t dst[LB_ETH_ALEN];
	p->attempts++;
	if (p->target.family == LB_AF_INET) {
		memcpy(dst, unicast ? p->peer : lb_arp_frame_broadcast, LB_ETH_ALEN);
		return lb_arp_frame_build_arp(out, cap, dst, p->mac,
					      p->advert ? ARP_OP_REPLY : ARP_OP_REQUEST, p->mac,
					      &p->source, p->advert ? p->mac : dst, &p->target);
	}
	if (p->unsolicited) {
		/* RFC 4861 §7.2.6: an unsolicited NA to all-nodes, Override set. */
		lb_arp_frame_mcast_mac(&all_nodes, dst);
		return lb_arp_frame_build_na(out, cap, dst, p->mac, &all_nodes, &p->target,
					     LB_NA_OVERRIDE);
	}
	struct lb_addr ip_dst = p->target;
	if (unicast) {
		memcpy(dst, p->peer, LB_ETH_ALEN);
	} else {
		lb_arp_frame_solicited_node(&p->target, &ip_dst);
		lb_arp_frame_mcast_mac(&ip_dst, dst);
	}
	return lb_arp_frame_build_ns(out, cap, dst, p->mac, &p->source, &ip_dst, &p->target);
}

void lb_arp_probe_sent(struct lb_arp_probe *p)
{
	p->sent++;
	if (!p->unicasting || p->broadcast_only)
		p->brd_sent++;
}

static bool unspecified(const struct lb_addr *a)
{
	static const uint8_t zero[16];
	if (a->family == LB_AF_INET)
		return !memcmp(lb_addr_v4(a), zero, 4);
	return !memcmp(a->b, zero, 16);
}

static bool same_mac(const uint8_t *a, const uint8_t *b)
{
	return !memcmp(a, b, LB_ETH_ALEN);
}

/* Whether f answers the probe, and the responder's MAC. IPv4: iputils'
 * rules. IPv6: an NA for the target from anyone but us. */
static bool answers(const struct lb_arp_probe *p, const struct lb_arp_frame *f,
		    const uint8_t **mac)
{
	if (p->target.family == LB_AF_INET) {
		if (f->kind != LB_ARP_FRAME_ARP_REQUEST && f->kind != LB_ARP_FRAME_ARP_REPLY)
			return false;
		if (!lb_addr_eq(&f->spa, &p->target))
			return false;
		if (p->dad) {
			/* RFC 5227 §2.1.1: anyone else using the address,
			 * in a request or a reply; a probe from a source
			 * must be answered to that source. */
			if (same_mac(f->sha, p->mac))
				return false;
			if (!unspecified(&p->source) && !lb_addr_eq(&f->tpa, &p->source))
				return false;
		} else if (!lb_addr_eq(&f->tpa, &p->source) || !same_mac(f->tha, p->mac)) {
			return false;
		}
		*mac = f->sha;
		return true;
	}
	if (f->kind != LB_ARP_FRAME_NA || !lb_addr_eq(&f->target, &p->target))
		return false;
	*mac = f->has_lladdr ? f->lladdr : f->eth_src;
	return !same_mac(*mac, p->mac);
}

int lb_arp_probe_accept(struct lb_arp_probe *p, const struct lb_arp_frame *f,
			struct lb_arp_probe_response *resp)
{
	const uint8_t *mac;
	/* The socket iputils reads passes host, broadcast and multicast
	 * frames only, not those for other hosts a bridge port may see. */
	bool broadcast = f->eth_dst[0] & 1;
	if (!broadcast && !same_mac(f->eth_dst, p->mac))
		return 0;
	if (!answers(p, f, &mac))
		return 0;

	bool request = f->kind == LB_ARP_FRAME_ARP_REQUEST;
	char ip[LB_ADDR_STRLEN], m[18];
	int n = snprintf(resp->line, sizeof(resp->line), "%s %s from %s [%s] ",
			 broadcast ? "Broadcast" : "Unicast", request ? "request" : "reply",
			 lb_addr_format(&p->target, ip), lb_arp_frame_format_mac(mac, true, m));
	/* iputils names what the frame was for when it is not our source
	 * and MAC: seen in DAD, where anyone's frame counts. */
	if (p->target.family == LB_AF_INET && n > 0 && (size_t)n < sizeof(resp->line)) {
		size_t len = (size_t)n, cap = sizeof(resp->line);
		bool for_printed = false;
		if (!lb_addr_eq(&f->tpa, &p->source)) {
			len += (size_t)snprintf(resp->line + len, cap - len, "for %s ",
						lb_addr_format(&f->tpa, ip));
			for_printed = true;
		}
		if (len < cap && !same_mac(f->tha, p->mac))
			snprintf(resp->line + len, cap - len, "%s[%s]", for_printed ? "" : "for ",
				 lb_arp_frame_format_mac(f->tha, true, m));
	}
	memcpy(resp->mac, mac, LB_ETH_ALEN);
	resp->other_mac = p->have_first_mac && !same_mac(mac, p->first_mac);
	if (!p->have_first_mac) {
		memcpy(p->first_mac, mac, LB_ETH_ALEN);
		p->have_first_mac = true;
	}

	p->received++;
	/* iputils ends here before counting the breakdown, so the response
	 * that completes -w with -c is left out of it; kept for identical
	 * summaries. */
	if (p->deadline_s > 0 && p->received == p->count) {
		p->done = true;
		return 1;
	}
	if (broadcast)
		p->brd_recv++;
	if (request)
		p->req_recv++;
	if (p->first || p->dad) {
		p->done = true;
		return 1;
	}
	if (!p->broadcast_only) {
		memcpy(p->peer, mac, LB_ETH_ALEN);
		p->unicasting = true;
	}
	return 1;
}

int lb_arp_probe_header(const struct lb_arp_probe *p, const char *ifname, char *buf, size_t cap)
{
	char t[LB_ADDR_STRLEN], s[LB_ADDR_STRLEN];
	return snprintf(buf, cap, "ARPING %s from %s %s\n", lb_addr_format(&p->target, t),
			lb_addr_format(&p->source, s), ifname);
}

int lb_arp_probe_summary(const struct lb_arp_probe *p, char *buf, size_t cap)
{
	char req[32] = "", brd[40] = "";
	if (p->req_recv)
		snprintf(req, sizeof(req), "%d request(s)", p->req_recv);
	if (p->brd_recv)
		snprintf(brd, sizeof(brd), "%s%d broadcast(s)", p->req_recv ? ", " : "", p->brd_recv);
	return snprintf(buf, cap, "Sent %d probes (%d broadcast(s))\nReceived %d response(s)%s%s%s%s\n",
			p->sent, p->brd_sent, p->received, p->req_recv || p->brd_recv ? " (" : "",
			req, brd, p->req_recv || p->brd_recv ? ")" : "");
}

int lb_arp_probe_exit_code(const struct lb_arp_probe *p)
{
	if (p->dad)
		return p->received ? 1 : 0;
	if (p->unsolicited)
		return 0;
	if (p->deadline_s > 0 && p->count > 0 && !p->first)
		return p->received >= p->count ? 0 : 1;
	return p->received ? 0 : 1;
}
