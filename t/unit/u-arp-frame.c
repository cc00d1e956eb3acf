/* lib/arp_frame: parsing, building, answering; malformed frames rejected. */
#include <string.h>

#include "arp_frame.h"
#include "tap.h"
#include "testaddr.h"

static const uint8_t mac_a[6] = {0x02, 0, 0, 0, 0, 0x0a};
static const uint8_t mac_c[6] = {0x02, 0, 0, 0, 0, 0x0c};
static const uint8_t zero[6];

/* A real frame: iputils arping 192.0.2.10 from 192.0.2.2 on c0. */
static const uint8_t arping_request[] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 0x0c, 0x08, 0x06,
	0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x02, 0, 0, 0, 0, 0x0c,
	192, 0, 2, 2, 0, 0, 0, 0, 0, 0, 192, 0, 2, 10,
};

static void test_arp(struct tap *t)
{
	struct lb_arp_frame f;
	struct lb_err err;
	uint8_t out[128];
	struct lb_addr vip = test_ip("192.0.2.10"), client = test_ip("192.0.2.2");

	tap_is_int(t, lb_arp_frame_parse(arping_request, sizeof(arping_request), &f, &err), 1,
		   "arping's request parses");
	tap_is_int(t, f.kind, LB_ARP_FRAME_ARP_REQUEST, "as a request");
	tap_ok(t, lb_addr_eq(&f.spa, &client) && lb_addr_eq(&f.tpa, &vip), "sender and target");
	tap_ok(t, !memcmp(f.sha, mac_c, 6), "sender MAC");

	size_t n = lb_arp_frame_answer(&f, mac_a, out, sizeof(out));
	tap_is_int(t, n, LB_ARP_FRAME_LEN, "answered with a 42-byte reply");
	struct lb_arp_frame r;
	tap_is_int(t, lb_arp_frame_parse(out, n, &r, &err), 1, "the reply parses");
	tap_is_int(t, r.kind, LB_ARP_FRAME_ARP_REPLY, "as a reply");
	tap_ok(t, !memcmp(r.eth_dst, mac_c, 6), "unicast to the requester (RFC 826)");
	tap_ok(t, !memcmp(r.sha, mac_a, 6) && lb_addr_eq(&r.spa, &vip), "VIP is at our MAC");
	tap_ok(t, !memcmp(r.tha, mac_c, 6) && lb_addr_eq(&r.tpa, &client), "target is the asker");

	/* Trailing Ethernet padding is fine. */
	uint8_t padded[60] = {0};
	memcpy(padded, arping_request, sizeof(arping_request));
	tap_is_int(t, lb_arp_frame_parse(padded, sizeof(padded), &f, &err), 1, "padded to 60 bytes");

	/* A gratuitous request from someone else is not a question. */
	n = lb_arp_frame_build_arp(out, sizeof(out), lb_arp_frame_broadcast, mac_c, 1, mac_c, &vip,
				   zero, &vip);
	lb_arp_frame_parse(out, n, &f, &err);
	tap_is_int(t, lb_arp_frame_answer(&f, mac_a, out, sizeof(out)), 0,
		   "another host's announcement gets no answer");
	/* An RFC 5227 probe (sender 0.0.0.0) is answered: that defends the VIP. */
	struct lb_addr any = test_ip("0.0.0.0");
	n = lb_arp_frame_build_arp(out, sizeof(out), lb_arp_frame_broadcast, mac_c, 1, mac_c, &any,
				   zero, &vip);
	lb_arp_frame_parse(out, n, &f, &err);
	tap_ok(t, lb_arp_frame_answer(&f, mac_a, out, sizeof(out)) > 0, "a probe is answered");
	/* Replies are not answered. */
	n = lb_arp_frame_build_arp(out, sizeof(out), mac_a, mac_c, 2, mac_c, &client, mac_a, &vip);
	lb_arp_frame_parse(out, n, &f, &err);
	tap_is_int(t, lb_arp_frame_answer(&f, mac_a, out, sizeof(out)), 0, "a reply is not answered");

	tap_is_int(t, lb_arp_frame_build_arp(out, 41, lb_arp_frame_broadcast, mac_a, 1, mac_a, &vip,
					     zero, &vip), 0, "builder refuses a short buffer");
	struct lb_addr v6 = test_ip("2001:db8::1");
	tap_is_int(t, lb_arp_frame_build_arp(out, sizeof(out), lb_arp_frame_broadcast, mac_a, 1,
					     mac_a, &v6, zero, &vip), 0, "and an IPv6 address");
}

static void expect_malformed(struct tap *t, const uint8_t *frame, size_t len, const char *want,
			     const char *what)
{
	struct lb_arp_frame f;
	struct lb_err err = {{0}};
	int rc = lb_arp_frame_parse(frame, len, &f, &err);
	tap_is_int(t, rc, -1, "%s: rejected", what);
	tap_ok(t, strstr(err.msg, want) != NULL, "%s: message '%s' says '%s'", what, err.msg, want);
}

static void test_arp_malformed(struct tap *t)
{
	uint8_t bad[sizeof(arping_request)];
	struct lb_arp_frame f;
	struct lb_err err;

	for (size_t cut = 0; cut < sizeof(arping_request); cut++) {
		int rc = lb_arp_frame_parse(arping_request, cut, &f, &err);
		if (rc != -1) {
			tap_ok(t, 0, "truncated to %zu bytes: rejected", cut);
			return;
		}
	}
	tap_ok(t, 1, "every truncation of an ARP frame is rejected");
	expect_malformed(t, arping_request, 30, "truncated", "ARP cut in the addresses");

	memcpy(bad, arping_request, sizeof(bad));
	bad[18] = 8;
	expect_malformed(t, bad, sizeof(bad), "hardware address length 8", "wrong hardware length");
	memcpy(bad, arping_request, sizeof(bad));
	bad[19] = 16;
	expect_malformed(t, bad, sizeof(bad), "protocol address length 16", "wrong protocol length");
	memcpy(bad, arping_request, sizeof(bad));
	bad[15] = 6;
	expect_malformed(t, bad, sizeof(bad), "not Ethernet", "hardware type 6");
	memcpy(bad, arping_request, sizeof(bad));
	bad[17] = 0xdd;
	expect_malformed(t, bad, sizeof(bad), "not IPv4", "protocol type");
	memcpy(bad, arping_request, sizeof(bad));
	bad[21] = 3;
	expect_malformed(t, bad, sizeof(bad), "operation 3", "RARP operation");

	memcpy(bad, arping_request, sizeof(bad));
	bad[12] = 0x08;
	bad[13] = 0x00;
	tap_is_int(t, lb_arp_frame_parse(bad, sizeof(bad), &f, &err), 0, "IPv4 frames are not ours");
}

static void test_ndp(struct tap *t)
{
	struct lb_arp_frame f, r;
	struct lb_err err;
	uint8_t out[128], group_mac[6];
	struct lb_addr vip = test_ip("2001:db8::10"), client = test_ip("2001:db8::2"), group;

	lb_arp_frame_solicited_node(&vip, &group);
	char buf[LB_ADDR_STRLEN];
	tap_is_str(t, lb_addr_format(&group, buf), "ff02::1:ff00:10", "solicited-node group");
	lb_arp_frame_mcast_mac(&group, group_mac);
	char mbuf[18];
	tap_is_str(t, lb_arp_frame_format_mac(group_mac, false, mbuf), "33:33:ff:00:00:10",
		   "its Ethernet group");

	size_t n = lb_arp_frame_build_ns(out, sizeof(out), group_mac, mac_c, &client, &group, &vip);
	tap_is_int(t, n, LB_NDP_FRAME_MAX, "NS with source link-layer option: 86 bytes");
	tap_is_int(t, lb_arp_frame_parse(out, n, &f, &err), 1, "NS parses (checksum verified)");
	tap_is_int(t, f.kind, LB_ARP_FRAME_NS, "as NS");
	tap_ok(t, lb_addr_eq(&f.target, &vip) && lb_addr_eq(&f.ip_src, &client), "target, source");
	tap_ok(t, f.has_lladdr && !memcmp(f.lladdr, mac_c, 6), "source link-layer option");

	n = lb_arp_frame_answer(&f, mac_a, out, sizeof(out));
	tap_ok(t, n > 0, "NS answered");
	tap_is_int(t, lb_arp_frame_parse(out, n, &r, &err), 1, "NA parses (checksum verified)");
	tap_is_int(t, r.kind, LB_ARP_FRAME_NA, "as NA");
	tap_is_int(t, r.na_flags, LB_NA_SOLICITED | LB_NA_OVERRIDE, "Solicited and Override");
	tap_ok(t, r.has_lladdr && !memcmp(r.lladdr, mac_a, 6), "target link-layer option: our MAC");
	tap_ok(t, lb_addr_eq(&r.ip_src, &vip) && lb_addr_eq(&r.ip_dst, &client),
	       "from the VIP to the solicitor");
	tap_ok(t, !memcmp(r.eth_dst, mac_c, 6), "at the solicitor's MAC");

	/* Dropping the option without fixing the checksum must be caught. */
	n = lb_arp_frame_build_ns(out, sizeof(out), mac_a, mac_c, &client, &vip, &vip);
	out[LB_ETH_HLEN + 4 + 1] = 24;
	n -= 8;
	tap_is_int(t, lb_arp_frame_parse(out, n, &f, &err), -1, "a cut NS fails its checksum");
	tap_ok(t, strstr(err.msg, "checksum") != NULL, "message says checksum: %s", err.msg);

	/* DAD probe: NS from :: with no option, answered to all-nodes. */
	struct lb_addr any = test_ip("::");
	n = lb_arp_frame_build_ns(out, sizeof(out), group_mac, mac_c, &any, &group, &vip);
	tap_is_int(t, n, LB_NDP_FRAME_MAX - 8, "DAD NS carries no option");
	tap_is_int(t, lb_arp_frame_parse(out, n, &f, &err), 1, "DAD NS parses");
	tap_ok(t, !f.has_lladdr, "no link-layer option");
	n = lb_arp_frame_answer(&f, mac_a, out, sizeof(out));
	lb_arp_frame_parse(out, n, &r, &err);
	tap_is_str(t, lb_addr_format(&r.ip_dst, buf), "ff02::1", "DAD answered to all-nodes");
	tap_is_int(t, r.na_flags, LB_NA_OVERRIDE, "without the Solicited flag");

	/* Unsolicited NA (RFC 4861 §7.2.6). */
	struct lb_addr all = test_ip("ff02::1");
	uint8_t all_mac[6];
	lb_arp_frame_mcast_mac(&all, all_mac);
	n = lb_arp_frame_build_na(out, sizeof(out), all_mac, mac_a, &all, &vip, LB_NA_OVERRIDE);
	tap_is_int(t, lb_arp_frame_parse(out, n, &r, &err), 1, "unsolicited NA parses");
	tap_is_int(t, lb_arp_frame_answer(&r, mac_a, out, sizeof(out)), 0, "an NA is not answered");
}

/* An NS whose checksum is recomputed after each corruption, so the check
 * under test is the one that fires. */
static size_t corrupt_ns(uint8_t *out, size_t cap, void (*edit)(uint8_t *, size_t *))
{
	struct lb_addr vip = test_ip("2001:db8::10"), client = test_ip("2001:db8::2"), group;
	uint8_t gm[6];
	lb_arp_frame_solicited_node(&vip, &group);
	lb_arp_frame_mcast_mac(&group, gm);
	size_t n = lb_arp_frame_build_ns(out, cap, gm, mac_c, &client, &group, &vip);
	edit(out, &n);
	/* RFC 4443 checksum over pseudo-header and message */
	uint8_t *ip6 = out + LB_ETH_HLEN, *icmp = ip6 + 40;
	size_t plen = (size_t)ip6[4] << 8 | ip6[5];
	if (plen > n - LB_ETH_HLEN - 40)
		return n;
	icmp[2] = icmp[3] = 0;
	uint32_t sum = 0;
	for (int i = 0; i < 32; i += 2)
		sum += (uint32_t)(ip6[8 + i] << 8 | ip6[9 + i]);
	sum += (uint32_t)plen + 58;
	for (size_t i = 0; i < plen; i += 2)
		sum += (uint32_t)(icmp[i] << 8 | (i + 1 < plen ? icmp[i + 1] : 0));
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	icmp[2] = (uint8_t)(~sum >> 8);
	icmp[3] = (uint8_t)~sum;
	return n;
}

static void opt_len_zero(uint8_t *f, size_t *n)
{
	(void)n;
	f[LB_ETH_HLEN + 40 + 24 + 1] = 0;
}

static void opt_len_two(uint8_t *f, size_t *n)
{
	(void)n;
	f[LB_ETH_HLEN + 40 + 24 + 1] = 2;
}

static void hop_limit_64(uint8_t *f, size_t *n)
{
	(void)n;
	f[LB_ETH_HLEN + 7] = 64;
}

static void code_one(uint8_t *f, size_t *n)
{
	(void)n;
	f[LB_ETH_HLEN + 41] = 1;
}

static void multicast_target(uint8_t *f, size_t *n)
{
	(void)n;
	f[LB_ETH_HLEN + 40 + 8] = 0xff;
}

static void multicast_source(uint8_t *f, size_t *n)
{
	(void)n;
	f[LB_ETH_HLEN + 8] = 0xff; /* found by fz-arp-frame */
}

static void short_body(uint8_t *f, size_t *n)
{
	f[LB_ETH_HLEN + 5] = 16;
	*n = LB_ETH_HLEN + 40 + 16;
}

static void plen_too_long(uint8_t *f, size_t *n)
{
	(void)n;
	f[LB_ETH_HLEN + 5] = 200;
}

static void nud_no_option(uint8_t *f, size_t *n)
{
	f[LB_ETH_HLEN + 5] = 24;
	*n -= 8;
}

static void test_ndp_malformed(struct tap *t)
{
	uint8_t f[128];
	size_t n;
	n = corrupt_ns(f, sizeof(f), opt_len_zero);
	expect_malformed(t, f, n, "length 0", "NS option of length 0");
	n = corrupt_ns(f, sizeof(f), opt_len_two);
	expect_malformed(t, f, n, "runs past", "NS option longer than the message");
	n = corrupt_ns(f, sizeof(f), hop_limit_64);
	expect_malformed(t, f, n, "hop limit 64", "NS from off-link");
	n = corrupt_ns(f, sizeof(f), code_one);
	expect_malformed(t, f, n, "code 1", "NS with code 1");
	n = corrupt_ns(f, sizeof(f), multicast_target);
	expect_malformed(t, f, n, "multicast", "NS for a multicast target");
	n = corrupt_ns(f, sizeof(f), multicast_source);
	expect_malformed(t, f, n, "source is a multicast", "NS from a multicast source");
	n = corrupt_ns(f, sizeof(f), short_body);
	expect_malformed(t, f, n, "below 24", "NS shorter than 24 bytes");
	n = corrupt_ns(f, sizeof(f), plen_too_long);
	expect_malformed(t, f, n, "exceeds", "payload length past the frame");

	struct lb_arp_frame fr, r;
	struct lb_err err;
	n = corrupt_ns(f, sizeof(f), nud_no_option);
	tap_is_int(t, lb_arp_frame_parse(f, n, &fr, &err), 1, "NS without option parses");
	tap_ok(t, !fr.has_lladdr, "and has no link-layer address");
	n = lb_arp_frame_answer(&fr, mac_a, f, sizeof(f));
	tap_ok(t, n > 0, "it is answered (MetalLB #2920)");
	lb_arp_frame_parse(f, n, &r, &err);
	tap_ok(t, !memcmp(r.eth_dst, mac_c, 6), "at the frame's source MAC");

	int all_rejected = 1;
	uint8_t good[128];
	size_t gn = corrupt_ns(good, sizeof(good), nud_no_option);
	for (size_t cut = 0; cut < gn; cut++) {
		int rc = lb_arp_frame_parse(good, cut, &fr, &err);
		if (rc != -1)
			all_rejected = 0;
	}
	tap_ok(t, all_rejected, "every truncation of an NS is rejected");
}

static void test_mac(struct tap *t)
{
	uint8_t m[6];
	char buf[18];
	tap_is_int(t, lb_arp_frame_parse_mac("02:00:00:00:00:0A", m), 0, "MAC parses");
	tap_is_str(t, lb_arp_frame_format_mac(m, true, buf), "02:00:00:00:00:0A", "upper case");
	tap_is_str(t, lb_arp_frame_format_mac(m, false, buf), "02:00:00:00:00:0a", "lower case");
	tap_is_int(t, lb_arp_frame_parse_mac("02:00:00:00:00", m), -1, "short MAC rejected");
	tap_is_int(t, lb_arp_frame_parse_mac("02:00:00:00:00:0a:", m), -1, "trailing junk rejected");
}

int main(void)
{
	struct tap t = {0, 0};
	test_arp(&t);
	test_arp_malformed(&t);
	test_ndp(&t);
	test_ndp_malformed(&t);
	test_mac(&t);
	return tap_done(&t);
}
