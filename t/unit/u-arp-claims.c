/* lib/arp_claims and lb_arp_frame_claim: who claims an IP, and when two
 * MACs claiming one IP are a conflict. */
#include <string.h>

#include "arp_claims.h"
#include "tap.h"
#include "testaddr.h"

static const uint8_t mac_a[6] = {0x02, 0, 0, 0, 0, 0x0a};
static const uint8_t mac_b[6] = {0x02, 0, 0, 0, 0, 0x0b};
static const uint8_t zero[6];

static void test_claims(struct tap *t)
{
	struct lb_arp_claims *c = lb_arp_claims_new(10000, 3);
	struct lb_addr vip = test_ip("192.0.2.10"), v6 = test_ip("2001:db8::10");
	uint8_t prev[6] = {0};

	tap_is_int(t, lb_arp_claims_note(c, &vip, mac_a, 1000, prev), LB_ARP_CLAIM_OK, "first claim");
	tap_is_int(t, lb_arp_claims_note(c, &vip, mac_a, 2000, prev), LB_ARP_CLAIM_OK,
		   "same MAC again");
	tap_is_int(t, lb_arp_claims_note(c, &vip, mac_b, 3000, prev), LB_ARP_CLAIM_CONFLICT,
		   "another MAC within the window");
	tap_ok(t, !memcmp(prev, mac_a, 6), "names the earlier claimant");
	tap_is_int(t, lb_arp_claims_note(c, &vip, mac_a, 3500, prev), LB_ARP_CLAIM_CONFLICT,
		   "and the flip back");
	tap_ok(t, !memcmp(prev, mac_b, 6), "naming the other one");
	tap_is_int(t, lb_arp_claims_note(c, &vip, mac_b, 13501, prev), LB_ARP_CLAIM_OK,
		   "a move after the window is a takeover, not a conflict");
	tap_is_int(t, lb_arp_claims_note(c, &vip, mac_a, 23501, prev), LB_ARP_CLAIM_CONFLICT,
		   "exactly at the window's edge still counts");
	tap_is_int(t, lb_arp_claims_note(c, &v6, mac_b, 100, prev), LB_ARP_CLAIM_OK,
		   "IPv6 addresses are tracked apart (and time may be earlier for them)");
	struct lb_addr x = test_ip("192.0.2.11"), y = test_ip("192.0.2.12");
	tap_is_int(t, lb_arp_claims_note(c, &x, mac_a, 100, prev), LB_ARP_CLAIM_OK, "third address");
	tap_is_int(t, lb_arp_claims_note(c, &y, mac_a, 100, prev), LB_ARP_CLAIM_UNTRACKED,
		   "a fourth is not tracked (max 3)");
	tap_is_int(t, lb_arp_claims_count(c), 3, "three tracked");
	tap_is_int(t, lb_arp_claims_note(c, &x, mac_b, 200, prev), LB_ARP_CLAIM_CONFLICT,
		   "tracked ones still are");
	lb_arp_claims_free(c);
	lb_arp_claims_free(NULL);
}

static void test_frame_claim(struct tap *t)
{
	uint8_t f[128], mac[6];
	struct lb_arp_frame fr;
	struct lb_err err;
	struct lb_addr a, vip = test_ip("192.0.2.10"), any = test_ip("0.0.0.0"), c = test_ip("192.0.2.2");
	size_t n;
	char buf[LB_ADDR_STRLEN];

	n = lb_arp_frame_build_arp(f, sizeof(f), lb_arp_frame_broadcast, mac_a, 1, mac_a, &vip, zero,
				   &vip);
	lb_arp_frame_parse(f, n, &fr, &err);
	tap_is_int(t, lb_arp_frame_claim(&fr, &a, mac), 1, "a gratuitous ARP claims");
	tap_ok(t, lb_addr_eq(&a, &vip) && !memcmp(mac, mac_a, 6), "the VIP at its sender MAC");

	n = lb_arp_frame_build_arp(f, sizeof(f), lb_arp_frame_broadcast, mac_b, 1, mac_b, &c, zero,
				   &vip);
	lb_arp_frame_parse(f, n, &fr, &err);
	tap_is_int(t, lb_arp_frame_claim(&fr, &a, mac), 1, "a request claims its sender");
	tap_is_str(t, lb_addr_format(&a, buf), "192.0.2.2", "not its target");

	n = lb_arp_frame_build_arp(f, sizeof(f), lb_arp_frame_broadcast, mac_b, 1, mac_b, &any, zero,
				   &vip);
	lb_arp_frame_parse(f, n, &fr, &err);
	tap_is_int(t, lb_arp_frame_claim(&fr, &a, mac), 0, "an RFC 5227 probe claims nothing");

	struct lb_addr v6 = test_ip("2001:db8::10"), all = test_ip("ff02::1"), un = test_ip("::"), group;
	uint8_t gm[6];
	lb_arp_frame_mcast_mac(&all, gm);
	n = lb_arp_frame_build_na(f, sizeof(f), gm, mac_a, &all, &v6, LB_NA_OVERRIDE);
	lb_arp_frame_parse(f, n, &fr, &err);
	tap_is_int(t, lb_arp_frame_claim(&fr, &a, mac), 1, "an NA claims its target");
	tap_ok(t, lb_addr_eq(&a, &v6) && !memcmp(mac, mac_a, 6), "at its target link-layer address");

	lb_arp_frame_solicited_node(&v6, &group);
	lb_arp_frame_mcast_mac(&group, gm);
	n = lb_arp_frame_build_ns(f, sizeof(f), gm, mac_b, &un, &group, &v6);
	lb_arp_frame_parse(f, n, &fr, &err);
	tap_is_int(t, lb_arp_frame_claim(&fr, &a, mac), 0, "a DAD NS claims nothing");
}

int main(void)
{
	struct tap t = {0, 0};
	test_claims(&t);
	test_frame_claim(&t);
	return tap_done(&t);
}
