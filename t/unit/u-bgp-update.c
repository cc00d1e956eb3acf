/* lib/bgp_update.c: UPDATE vectors written by hand from RFC 4271 §4.3 and
 * RFC 4760 §3-4, round trips, RFC 7606 error handling and packing limits. */
#include <stdlib.h>
#include <string.h>

#include "bgp_update.h"
#include "tap.h"

static struct tap t;

#define MARKER 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, \
	       0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff

/* eBGP, both sides 4-octet, IPv4 and IPv6 negotiated. */
static const struct lb_bgp_session s4 = {.as4 = true, .ebgp = true, .peer_asn = 65001,
					 .mp_ipv4 = true, .mp_ipv6 = true};
/* eBGP with a 2-octet speaker. */
static const struct lb_bgp_session s2 = {.as4 = false, .ebgp = true, .peer_asn = 65001,
					 .mp_ipv4 = true, .mp_ipv6 = true};
/* iBGP. */
static const struct lb_bgp_session si = {.as4 = true, .ebgp = false, .peer_asn = 65000,
					 .mp_ipv4 = true, .mp_ipv6 = true};

static struct lb_prefix pfx4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint8_t len)
{
	struct lb_prefix p = {.addr = {.family = LB_AF_INET}, .len = len};
	p.addr.b[12] = a, p.addr.b[13] = b, p.addr.b[14] = c, p.addr.b[15] = d;
	return p;
}

static struct lb_prefix pfx6(const uint8_t b[16], uint8_t len)
{
	struct lb_prefix p = {.addr = {.family = LB_AF_INET6}, .len = len};
	memcpy(p.addr.b, b, 16);
	return p;
}

static int prefix_eq(const struct lb_prefix *a, const struct lb_prefix *b)
{
	return a->len == b->len && a->addr.family == b->addr.family && !memcmp(a->addr.b, b->addr.b, 16);
}

/* Assembles an UPDATE from its three variable fields. */
static size_t update_msg(uint8_t *m, const uint8_t *wd, size_t wl, const uint8_t *at, size_t al,
			 const uint8_t *nl, size_t nll)
{
	size_t len = 19 + 2 + wl + 2 + al + nll;
	memset(m, 0xff, 16);
	lb_put_be16(m + 16, (uint16_t)len);
	m[18] = LB_BGP_UPDATE;
	lb_put_be16(m + 19, (uint16_t)wl);
	if (wl)
		memcpy(m + 21, wd, wl);
	lb_put_be16(m + 21 + wl, (uint16_t)al);
	if (al)
		memcpy(m + 23 + wl, at, al);
	if (nll)
		memcpy(m + 23 + wl + al, nl, nll);
	return len;
}

#define ORIGIN_IGP 0x40, 0x01, 0x01, 0x00
#define ASPATH_65001_4 0x40, 0x02, 0x06, 0x02, 0x01, 0x00, 0x00, 0xfd, 0xe9
#define NEXTHOP_192_0_2_1 0x40, 0x03, 0x04, 0xc0, 0x00, 0x02, 0x01
static const uint8_t nlri_24[] = {0x18, 0xc0, 0x00, 0x02}; /* 192.0.2.0/24 */

static const uint8_t v6_2001_db8_1[16] = {0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01};
static const uint8_t v6_nh[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
static const uint8_t v6_ll[16] = {0xfe, 0x80, [15] = 1};

/* The IPv4 announcement of RFC 4271 §4.3, by hand. */
static const uint8_t update_v4_vector[] = {
	MARKER, 0x00, 0x55, 0x02,        /* length 85, UPDATE */
	0x00, 0x00,                      /* no withdrawn routes */
	0x00, 0x35,                      /* 53 bytes of attributes */
	0x40, 0x01, 0x01, 0x00,          /* ORIGIN IGP */
	0x40, 0x02, 0x06, 0x02, 0x01, 0x00, 0x00, 0xfd, 0xe9, /* AS_PATH (65001) */
	0x40, 0x03, 0x04, 0xc0, 0x00, 0x02, 0x01,             /* NEXT_HOP 192.0.2.1 */
	0x80, 0x04, 0x04, 0x00, 0x00, 0x00, 0x0a,             /* MED 10 */
	0xc0, 0x08, 0x08, 0xfd, 0xe9, 0x00, 0x64, 0xff, 0xff, 0xff, 0x01, /* 65001:100 no-export */
	0xc0, 0x20, 0x0c, 0x00, 0x00, 0xfd, 0xe9, 0x00, 0x00, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x02,          /* LARGE_COMMUNITIES 65001:1:2 */
	0x18, 0xc0, 0x00, 0x02,          /* 192.0.2.0/24 */
	0x20, 0xc6, 0x33, 0x64, 0x0a,    /* 198.51.100.10/32 */
};

/* RFC 4760 §3: IPv6 in MP_REACH_NLRI with a global and link-local next hop
 * (RFC 2545 §3), sent over iBGP. */
static const uint8_t update_v6_vector[] = {
	MARKER, 0x00, 0x55, 0x02,
	0x00, 0x00,
	0x00, 0x3e,                                  /* 62 bytes of attributes */
	0x90, 0x0e, 0x00, 0x2c,                      /* MP_REACH_NLRI, extended length 44 */
	0x00, 0x02, 0x01, 0x20,                      /* IPv6 unicast, next hop length 32 */
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, /* 2001:db8::1 */
	0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,       /* fe80::1 */
	0x00,                                        /* reserved */
	0x30, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01,    /* 2001:db8:1::/48 */
	0x40, 0x01, 0x01, 0x00,                      /* ORIGIN IGP */
	0x40, 0x02, 0x00,                            /* empty AS_PATH (iBGP) */
	0x40, 0x05, 0x04, 0x00, 0x00, 0x00, 0x64,    /* LOCAL_PREF 100 */
};

static void test_vectors(void)
{
	uint8_t mem[LB_BGP_MAX_LEN];
	struct lb_wbuf w;
	struct lb_err err;
	size_t used;
	struct lb_bgp_update u;
	struct lb_bgp_notify n;

	static const uint32_t path[] = {65001};
	static const uint32_t comms[] = {(65001u << 16) | 100, LB_BGP_COMMUNITY_NO_EXPORT};
	static const struct lb_bgp_large_community large[] = {{65001, 1, 2}};
	struct lb_bgp_route_attrs a = {.origin = LB_BGP_ORIGIN_IGP, .as_path = path, .as_path_len = 1,
				       .has_med = true, .med = 10, .communities = comms,
				       .n_communities = 2, .large_communities = large,
				       .n_large_communities = 1};
	a.next_hop = pfx4(192, 0, 2, 1, 32).addr;
	struct lb_prefix v4[] = {pfx4(192, 0, 2, 0, 24), pfx4(198, 51, 100, 10, 32)};

	lb_wbuf_init_fixed(&w, mem, sizeof(mem));
	tap_ok(&t, lb_bgp_update_encode_announce(&w, &s4, &a, v4, 2, &used, &err) == 0 && used == 2,
	       "IPv4 announcement encodes");
	tap_ok(&t, tap_same_bytes(lb_wbuf_data(&w), lb_wbuf_len(&w), update_v4_vector, sizeof(update_v4_vector)),
	       "IPv4 UPDATE matches the hand-written bytes");

	tap_ok(&t, lb_bgp_update_decode(update_v4_vector, sizeof(update_v4_vector), &s4, &u, &n) == 0 &&
		   !u.treat_as_withdraw && u.first_error.action == LB_BGP_ACT_NONE,
	       "IPv4 vector decodes cleanly");
	uint64_t want_present = 1u << LB_BGP_ATTR_ORIGIN | 1u << LB_BGP_ATTR_AS_PATH |
				1u << LB_BGP_ATTR_NEXT_HOP | 1u << LB_BGP_ATTR_MED |
				1u << LB_BGP_ATTR_COMMUNITIES |
				UINT64_C(1) << LB_BGP_ATTR_LARGE_COMMUNITIES;
	tap_ok(&t, u.attrs.present == want_present, "present attributes recorded");
	tap_ok(&t, u.attrs.origin == 0 && u.attrs.as_path_len == 1 && u.attrs.med == 10 &&
		   u.attrs.next_hop[0] == 192 && u.attrs.next_hop[3] == 1 && u.attrs.n_communities == 2 &&
		   lb_be32(lb_buf_ptr(&u.attrs.communities) + 4) == LB_BGP_COMMUNITY_NO_EXPORT &&
		   u.attrs.n_large_communities == 1 &&
		   lb_be32(lb_buf_ptr(&u.attrs.large_communities) + 8) == 2,
	       "attribute values");
	struct lb_bgp_aspath_iter it;
	uint8_t st;
	uint32_t asn;
	lb_bgp_aspath_iter_init(&it, &u.attrs);
	tap_ok(&t, lb_bgp_aspath_next(&it, &st, &asn) == 1 && st == LB_BGP_AS_SEQUENCE && asn == 65001 &&
		   lb_bgp_aspath_next(&it, &st, &asn) == 0,
	       "AS path walk");
	struct lb_buf c = u.nlri.raw;
	struct lb_prefix p;
	tap_ok(&t, u.nlri.count == 2 && lb_bgp_nlri_next(&c, 1, &p) == 1 && prefix_eq(&p, &v4[0]) &&
		   lb_bgp_nlri_next(&c, 1, &p) == 1 && prefix_eq(&p, &v4[1]) &&
		   lb_bgp_nlri_next(&c, 1, &p) == 0,
	       "NLRI walk gives back both prefixes");

	static const uint32_t no_path[1];
	struct lb_bgp_route_attrs a6 = {.origin = 0, .as_path = no_path, .as_path_len = 0,
					.has_local_pref = true, .local_pref = 100};
	a6.next_hop6 = pfx6(v6_nh, 128).addr;
	a6.next_hop6_ll = pfx6(v6_ll, 128).addr;
	struct lb_prefix v6 = pfx6(v6_2001_db8_1, 48);
	lb_wbuf_reset(&w);
	tap_ok(&t, lb_bgp_update_encode_announce(&w, &si, &a6, &v6, 1, &used, &err) == 0 && used == 1,
	       "IPv6 announcement encodes");
	tap_ok(&t, tap_same_bytes(lb_wbuf_data(&w), lb_wbuf_len(&w), update_v6_vector, sizeof(update_v6_vector)),
	       "IPv6 UPDATE matches the hand-written bytes");
	tap_ok(&t, lb_bgp_update_decode(update_v6_vector, sizeof(update_v6_vector), &si, &u, &n) == 0 &&
		   !u.treat_as_withdraw && u.mp_reach.parsed && u.mp_reach.count == 1 &&
		   u.attrs.local_pref == 100 && u.attrs.as_path_len == 0 && u.attrs.mp_has_ll &&
		   !memcmp(u.attrs.mp_next_hop.b, v6_nh, 16) && !memcmp(u.attrs.mp_next_hop_ll.b, v6_ll, 16),
	       "IPv6 vector decodes: NLRI, next hops, LOCAL_PREF");
	c = u.mp_reach.raw;
	tap_ok(&t, lb_bgp_nlri_next(&c, 2, &p) == 1 && prefix_eq(&p, &v6), "MP NLRI walk");
	/* The same message from an external peer: LOCAL_PREF discarded. */
	tap_ok(&t, lb_bgp_update_decode(update_v6_vector, sizeof(update_v6_vector), &s4, &u, &n) == 0 &&
		   !u.treat_as_withdraw && u.n_discard_errors == 1 &&
		   !(u.attrs.present & (1u << LB_BGP_ATTR_LOCAL_PREF)),
	       "LOCAL_PREF from an external peer is discarded (RFC 7606 §7.5)");
	/* Without the link-local next hop: length 16. */
	a6.next_hop6_ll.family = 0;
	lb_wbuf_reset(&w);
	lb_bgp_update_encode_announce(&w, &si, &a6, &v6, 1, &used, &err);
	tap_ok(&t, lb_wbuf_data(&w)[30] == 16 &&
		   lb_bgp_update_decode(lb_wbuf_data(&w), lb_wbuf_len(&w), &si, &u, &n) == 0 &&
		   !u.attrs.mp_has_ll && u.mp_reach.count == 1,
	       "global next hop only");

	/* Withdrawals. */
	const uint8_t wd4[] = {MARKER, 0x00, 0x1b, 0x02, 0x00, 0x04, 0x18, 0xc0, 0x00, 0x02, 0x00, 0x00};
	lb_wbuf_reset(&w);
	tap_ok(&t, lb_bgp_update_encode_withdraw(&w, v4, 1, &used, &err) == 0 && used == 1 &&
		   tap_same_bytes(lb_wbuf_data(&w), lb_wbuf_len(&w), wd4, sizeof(wd4)),
	       "IPv4 withdrawal matches the hand-written bytes");
	tap_ok(&t, lb_bgp_update_decode(wd4, sizeof(wd4), &s4, &u, &n) == 0 && u.withdrawn.count == 1 &&
		   !u.nlri.present && !u.end_of_rib,
	       "IPv4 withdrawal decodes");
	const uint8_t wd6[] = {MARKER, 0x00, 0x25, 0x02, 0x00, 0x00, 0x00, 0x0e, 0x90, 0x0f, 0x00, 0x0a,
			       0x00, 0x02, 0x01, 0x30, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01};
	lb_wbuf_reset(&w);
	tap_ok(&t, lb_bgp_update_encode_withdraw(&w, &v6, 1, &used, &err) == 0 && used == 1 &&
		   tap_same_bytes(lb_wbuf_data(&w), lb_wbuf_len(&w), wd6, sizeof(wd6)),
	       "IPv6 withdrawal (MP_UNREACH_NLRI) matches the hand-written bytes");
	tap_ok(&t, lb_bgp_update_decode(wd6, sizeof(wd6), &s4, &u, &n) == 0 && u.mp_unreach.count == 1 &&
		   !u.end_of_rib && !u.treat_as_withdraw,
	       "IPv6 withdrawal decodes, no mandatory attributes needed");

	/* End-of-RIB (RFC 4724 §2). */
	const uint8_t eor4[] = {MARKER, 0x00, 0x17, 0x02, 0x00, 0x00, 0x00, 0x00};
	const uint8_t eor6[] = {MARKER, 0x00, 0x1d, 0x02, 0x00, 0x00, 0x00, 0x06,
				0x80, 0x0f, 0x03, 0x00, 0x02, 0x01};
	lb_wbuf_reset(&w);
	lb_bgp_update_encode_eor(&w, 1, 1);
	tap_ok(&t, tap_same_bytes(lb_wbuf_data(&w), lb_wbuf_len(&w), eor4, sizeof(eor4)), "IPv4 End-of-RIB bytes");
	lb_wbuf_reset(&w);
	lb_bgp_update_encode_eor(&w, 2, 1);
	tap_ok(&t, tap_same_bytes(lb_wbuf_data(&w), lb_wbuf_len(&w), eor6, sizeof(eor6)), "IPv6 End-of-RIB bytes");
	tap_ok(&t, lb_bgp_update_decode(eor4, sizeof(eor4), &s4, &u, &n) == 0 && u.end_of_rib &&
		   u.eor_afi == 1,
	       "IPv4 End-of-RIB recognized");
	tap_ok(&t, lb_bgp_update_decode(eor6, sizeof(eor6), &s4, &u, &n) == 0 && u.end_of_rib &&
		   u.eor_afi == 2 && u.eor_safi == 1,
	       "IPv6 End-of-RIB recognized");
}

static void test_as4(void)
{
	uint8_t mem[LB_BGP_MAX_LEN], m[LB_BGP_MAX_LEN];
	struct lb_wbuf w;
	struct lb_err err;
	size_t used;
	struct lb_bgp_update u;
	struct lb_bgp_notify n;
	struct lb_bgp_aspath_iter it;
	uint8_t st;
	uint32_t asn;

	/* RFC 6793 §4.2.2: towards a 2-octet speaker, AS_TRANS in AS_PATH
	 * and the real path in AS4_PATH. */
	static const uint32_t path[] = {65001, 4200000001u};
	struct lb_bgp_route_attrs a = {.as_path = path, .as_path_len = 2};
	a.next_hop = pfx4(192, 0, 2, 1, 32).addr;
	struct lb_prefix p = pfx4(192, 0, 2, 0, 24);
	lb_wbuf_init_fixed(&w, mem, sizeof(mem));
	tap_ok(&t, lb_bgp_update_encode_announce(&w, &s2, &a, &p, 1, &used, &err) == 0, "2-octet session encodes");
	const uint8_t want[] = {
		MARKER, 0x00, 0x3c, 0x02, 0x00, 0x00, 0x00, 0x21,
		0x40, 0x01, 0x01, 0x00,
		0x40, 0x02, 0x06, 0x02, 0x02, 0xfd, 0xe9, 0x5b, 0xa0, /* 65001 AS_TRANS */
		0x40, 0x03, 0x04, 0xc0, 0x00, 0x02, 0x01,
		0xc0, 0x11, 0x0a, 0x02, 0x02, 0x00, 0x00, 0xfd, 0xe9, 0xfa, 0x56, 0xea, 0x01,
		0x18, 0xc0, 0x00, 0x02};
	tap_ok(&t, tap_same_bytes(lb_wbuf_data(&w), lb_wbuf_len(&w), want, sizeof(want)),
	       "AS_PATH with AS_TRANS plus AS4_PATH, by hand");
	tap_ok(&t, lb_bgp_update_decode(want, sizeof(want), &s2, &u, &n) == 0 && !u.treat_as_withdraw &&
		   u.attrs.as_size == 2 && (u.attrs.present & (1u << LB_BGP_ATTR_AS4_PATH)),
	       "decodes on a 2-octet session with AS4_PATH kept");
	lb_bgp_aspath_iter_init(&it, &u.attrs);
	tap_ok(&t, lb_bgp_aspath_next(&it, &st, &asn) == 1 && asn == 65001 &&
		   lb_bgp_aspath_next(&it, &st, &asn) == 1 && asn == 4200000001u &&
		   lb_bgp_aspath_next(&it, &st, &asn) == 0,
	       "effective path merges AS4_PATH");
	tap_ok(&t, lb_bgp_update_decode(want, sizeof(want), &s2, &u, &n) == 0 && u.attrs.as_path_len == 2,
	       "path length 2");

	/* Only 2-octet ASNs: no AS4_PATH at all. */
	static const uint32_t small[] = {65001, 65002};
	a.as_path = small;
	lb_wbuf_reset(&w);
	lb_bgp_update_encode_announce(&w, &s2, &a, &p, 1, &used, &err);
	tap_ok(&t, lb_bgp_update_decode(lb_wbuf_data(&w), lb_wbuf_len(&w), &s2, &u, &n) == 0 &&
		   !(u.attrs.present & (1u << LB_BGP_ATTR_AS4_PATH)),
	       "no AS4_PATH when every ASN fits 2 octets");

	/* A 2-octet speaker prepended in front of an AS4_PATH: AS_PATH
	 * (64496 {23456} 23456 23456), AS4_PATH (4200000001 4200000002). */
	const uint8_t merge_attrs[] = {
		ORIGIN_IGP,
		0x40, 0x02, 0x0e, 0x02, 0x01, 0xfb, 0xf0, 0x01, 0x01, 0x5b, 0xa0,
		0x02, 0x02, 0x5b, 0xa0, 0x5b, 0xa0,
		NEXTHOP_192_0_2_1,
		0xc0, 0x11, 0x0a, 0x02, 0x02, 0xfa, 0x56, 0xea, 0x01, 0xfa, 0x56, 0xea, 0x02};
	size_t len = update_msg(m, NULL, 0, merge_attrs, sizeof(merge_attrs), nlri_24, 4);
	tap_ok(&t, lb_bgp_update_decode(m, len, &s2, &u, &n) == 0 && u.attrs.as_path_len == 4,
	       "AS_SET counts as one (RFC 4271 §9.1.2.2)");
	lb_bgp_aspath_iter_init(&it, &u.attrs);
	uint32_t got[8];
	uint8_t types[8];
	int k = 0;
	while (k < 8 && lb_bgp_aspath_next(&it, &types[k], &got[k]) == 1)
		k++;
	tap_ok(&t, k == 4 && got[0] == 64496 && types[0] == LB_BGP_AS_SEQUENCE && got[1] == 23456 &&
		   types[1] == LB_BGP_AS_SET && got[2] == 4200000001u && got[3] == 4200000002u,
	       "leading AS_PATH numbers then AS4_PATH (RFC 6793 §4.2.3)");

	/* AS4_PATH longer than AS_PATH is ignored. */
	const uint8_t long4[] = {
		ORIGIN_IGP,
		0x40, 0x02, 0x04, 0x02, 0x01, 0x5b, 0xa0,
		NEXTHOP_192_0_2_1,
		0xc0, 0x11, 0x0a, 0x02, 0x02, 0xfa, 0x56, 0xea, 0x01, 0xfa, 0x56, 0xea, 0x02};
	len = update_msg(m, NULL, 0, long4, sizeof(long4), nlri_24, 4);
	tap_ok(&t, lb_bgp_update_decode(m, len, &s2, &u, &n) == 0 &&
		   !(u.attrs.present & (1u << LB_BGP_ATTR_AS4_PATH)),
	       "AS4_PATH longer than AS_PATH is ignored");
	lb_bgp_aspath_iter_init(&it, &u.attrs);
	tap_ok(&t, lb_bgp_aspath_next(&it, &st, &asn) == 1 && asn == LB_BGP_AS_TRANS &&
		   lb_bgp_aspath_next(&it, &st, &asn) == 0,
	       "and the path is AS_PATH alone");

	/* AGGREGATOR from a 2-octet aggregator voids AS4_AGGREGATOR and AS4_PATH. */
	const uint8_t agg[] = {
		ORIGIN_IGP,
		0x40, 0x02, 0x04, 0x02, 0x01, 0x5b, 0xa0,
		NEXTHOP_192_0_2_1,
		0xc0, 0x07, 0x06, 0xfd, 0xe9, 0xc0, 0x00, 0x02, 0x09,
		0xc0, 0x11, 0x06, 0x02, 0x01, 0xfa, 0x56, 0xea, 0x01,
		0xc0, 0x12, 0x08, 0xfa, 0x56, 0xea, 0x01, 0xc0, 0x00, 0x02, 0x09};
	len = update_msg(m, NULL, 0, agg, sizeof(agg), nlri_24, 4);
	tap_ok(&t, lb_bgp_update_decode(m, len, &s2, &u, &n) == 0 && u.attrs.aggregator_as == 65001 &&
		   !(u.attrs.present & (1u << LB_BGP_ATTR_AS4_PATH)) &&
		   !(u.attrs.present & (1u << LB_BGP_ATTR_AS4_AGGREGATOR)),
	       "AGGREGATOR not AS_TRANS: AS4 attributes ignored (RFC 6793 §4.2.3)");

	/* AS4_PATH on a 4-octet session is discarded. */
	const uint8_t as4on4[] = {ORIGIN_IGP, ASPATH_65001_4, NEXTHOP_192_0_2_1,
				  0xc0, 0x11, 0x06, 0x02, 0x01, 0xfa, 0x56, 0xea, 0x01};
	len = update_msg(m, NULL, 0, as4on4, sizeof(as4on4), nlri_24, 4);
	tap_ok(&t, lb_bgp_update_decode(m, len, &s4, &u, &n) == 0 && !u.treat_as_withdraw &&
		   u.n_discard_errors == 1 && !(u.attrs.present & (1u << LB_BGP_ATTR_AS4_PATH)),
	       "AS4_PATH between 4-octet speakers is discarded");
	/* AS4_PATH with a confederation segment: discarded, routes kept. */
	const uint8_t as4confed[] = {ORIGIN_IGP, 0x40, 0x02, 0x04, 0x02, 0x01, 0x5b, 0xa0,
				     NEXTHOP_192_0_2_1,
				     0xc0, 0x11, 0x06, 0x03, 0x01, 0xfa, 0x56, 0xea, 0x01};
	len = update_msg(m, NULL, 0, as4confed, sizeof(as4confed), nlri_24, 4);
	tap_ok(&t, lb_bgp_update_decode(m, len, &s2, &u, &n) == 0 && !u.treat_as_withdraw &&
		   u.n_discard_errors == 1 && u.first_error.attr_type == LB_BGP_ATTR_AS4_PATH,
	       "malformed AS4_PATH is discarded (RFC 6793 §6)");
}

/* Decodes an UPDATE built from attrs and NLRI; returns the decoder's answer. */
static int dec(const struct lb_bgp_session *s, const uint8_t *at, size_t al, const uint8_t *nl,
	       size_t nll, struct lb_bgp_update *u, struct lb_bgp_notify *n)
{
	static uint8_t m[LB_BGP_MAX_LEN];
	size_t len = update_msg(m, NULL, 0, at, al, nl, nll);
	return lb_bgp_update_decode(m, len, s, u, n);
}

static void expect_withdraw(const struct lb_bgp_session *s, const uint8_t *at, size_t al,
			    uint8_t subcode, uint8_t type, const char *what)
{
	struct lb_bgp_update u;
	struct lb_bgp_notify n;
	int r = dec(s, at, al, nlri_24, sizeof(nlri_24), &u, &n);
	int ok = r == 0 && u.treat_as_withdraw && u.n_withdraw_errors >= 1 &&
		 u.first_error.action == LB_BGP_ACT_WITHDRAW && u.first_error.subcode == subcode &&
		 u.first_error.attr_type == type && u.nlri.count == 1;
	tap_ok(&t, ok, "%s -> treat-as-withdraw, subcode %u (%s)", what, subcode, u.first_error.reason);
	if (!ok)
		printf("#   r=%d taw=%d action=%u subcode=%u type=%u\n", r, u.treat_as_withdraw,
		       u.first_error.action, u.first_error.subcode, u.first_error.attr_type);
}

static void expect_discard(const struct lb_bgp_session *s, const uint8_t *at, size_t al,
			   uint8_t type, const char *what)
{
	struct lb_bgp_update u;
	struct lb_bgp_notify n;
	int r = dec(s, at, al, nlri_24, sizeof(nlri_24), &u, &n);
	int ok = r == 0 && !u.treat_as_withdraw && u.n_discard_errors == 1 &&
		 u.first_error.action == LB_BGP_ACT_DISCARD && u.first_error.attr_type == type &&
		 !(u.attrs.present & (UINT64_C(1) << type));
	tap_ok(&t, ok, "%s -> attribute discard (%s)", what, u.first_error.reason);
}

static void expect_reset_msg(const struct lb_bgp_session *s, const uint8_t *m, size_t len, uint8_t code,
			     uint8_t subcode, const uint8_t *data, size_t dlen, const char *what)
{
	struct lb_bgp_update u;
	struct lb_bgp_notify n;
	int r = lb_bgp_update_decode(m, len, s, &u, &n);
	int ok = r == -1 && n.send && n.code == code && n.subcode == subcode &&
		 (data == NULL || tap_same_bytes(n.data, n.data_len, data, dlen));
	tap_ok(&t, ok, "%s -> NOTIFICATION %u/%u (%s)", what, code, subcode, n.reason);
	if (!ok)
		printf("#   r=%d got %u/%u\n", r, n.code, n.subcode);
}

static void expect_reset(const struct lb_bgp_session *s, const uint8_t *at, size_t al,
			 const uint8_t *nl, size_t nll, uint8_t subcode, const uint8_t *data, size_t dlen,
			 const char *what)
{
	static uint8_t m[LB_BGP_MAX_LEN];
	size_t len = update_msg(m, NULL, 0, at, al, nl, nll);
	expect_reset_msg(s, m, len, LB_BGP_ERR_UPDATE, subcode, data, dlen, what);
}

#define A(...) ((const uint8_t[]){__VA_ARGS__}), sizeof((const uint8_t[]){__VA_ARGS__})

static void test_errors(void)
{
	uint8_t m[LB_BGP_MAX_LEN];
	struct lb_bgp_update u;
	struct lb_bgp_notify n;
	size_t len;

	/* Structure of the message (RFC 4271 §6.3). */
	len = update_msg(m, NULL, 0, NULL, 0, NULL, 0);
	lb_put_be16(m + 19, 5);
	expect_reset_msg(&s4, m, len, 3, 1, NULL, 0, "withdrawn routes length beyond the message");
	len = update_msg(m, NULL, 0, NULL, 0, NULL, 0);
	lb_put_be16(m + 21, 1);
	expect_reset_msg(&s4, m, len, 3, 1, NULL, 0, "total attribute length beyond the message");
	len = update_msg(m, A(0x21, 0xc0, 0x00, 0x02, 0x01), NULL, 0, NULL, 0);
	expect_reset_msg(&s4, m, len, 3, 10, NULL, 0, "withdrawn prefix of length 33");
	len = update_msg(m, NULL, 0, NULL, 0, NULL, 0);
	lb_put_be16(m + 16, 24);
	expect_reset_msg(&s4, m, 23, 1, 2, NULL, 0, "length field disagreeing with the message");

	const uint8_t good[] = {ORIGIN_IGP, ASPATH_65001_4, NEXTHOP_192_0_2_1};
	expect_reset(&s4, good, sizeof(good), A(0x21, 0xc0, 0x00, 0x02, 0x00), 10, NULL, 0,
		     "NLRI prefix of length 33");
	expect_reset(&s4, good, sizeof(good), A(0x18, 0xc0, 0x00), 10, NULL, 0, "NLRI prefix cut short");
	tap_ok(&t, dec(&s4, good, sizeof(good), nlri_24, 4, &u, &n) == 0 && !u.treat_as_withdraw &&
		   u.nlri.count == 1 && u.n_withdraw_errors == 0,
	       "the base message used below is clean");

	/* Attribute-level errors (RFC 7606 §7). */
	expect_withdraw(&s4, A(0x40, 0x01, 0x02, 0x00, 0x00, ASPATH_65001_4, NEXTHOP_192_0_2_1), 5,
			LB_BGP_ATTR_ORIGIN, "ORIGIN of length 2");
	expect_withdraw(&s4, A(0x40, 0x01, 0x01, 0x03, ASPATH_65001_4, NEXTHOP_192_0_2_1), 6,
			LB_BGP_ATTR_ORIGIN, "ORIGIN value 3");
	expect_withdraw(&s4, A(0xc0, 0x01, 0x01, 0x00, ASPATH_65001_4, NEXTHOP_192_0_2_1), 4,
			LB_BGP_ATTR_ORIGIN, "ORIGIN flagged optional");
	expect_withdraw(&s4, A(ORIGIN_IGP, 0x40, 0x02, 0x02, 0x02, 0x00, NEXTHOP_192_0_2_1), 11,
			LB_BGP_ATTR_AS_PATH, "AS_PATH with an empty segment");
	expect_withdraw(&s4, A(ORIGIN_IGP, 0x40, 0x02, 0x06, 0x05, 0x01, 0, 0, 0xfd, 0xe9, NEXTHOP_192_0_2_1),
			11, LB_BGP_ATTR_AS_PATH, "AS_PATH segment type 5");
	expect_withdraw(&s4, A(ORIGIN_IGP, 0x40, 0x02, 0x06, 0x02, 0x02, 0, 0, 0xfd, 0xe9, NEXTHOP_192_0_2_1),
			11, LB_BGP_ATTR_AS_PATH, "AS_PATH segment overrunning the attribute");
	expect_withdraw(&s2, A(ORIGIN_IGP, ASPATH_65001_4, NEXTHOP_192_0_2_1), 11, LB_BGP_ATTR_AS_PATH,
			"4-octet AS_PATH on a 2-octet session");
	struct lb_bgp_session strict = s4;
	strict.check_first_as = true;
	expect_withdraw(&strict, A(ORIGIN_IGP, 0x40, 0x02, 0x06, 0x02, 0x01, 0, 0, 0xfd, 0xea,
				   NEXTHOP_192_0_2_1),
			11, LB_BGP_ATTR_AS_PATH, "eBGP path not starting with the peer's AS");
	tap_ok(&t, dec(&strict, good, sizeof(good), nlri_24, 4, &u, &n) == 0 && !u.treat_as_withdraw,
	       "eBGP path starting with the peer's AS passes the check");
	expect_withdraw(&s4, A(ORIGIN_IGP, ASPATH_65001_4, 0x40, 0x03, 0x05, 0xc0, 0, 2, 1, 0), 5,
			LB_BGP_ATTR_NEXT_HOP, "NEXT_HOP of length 5");
	expect_withdraw(&s4, A(ORIGIN_IGP, ASPATH_65001_4, 0x40, 0x03, 0x04, 0, 0, 0, 0), 8,
			LB_BGP_ATTR_NEXT_HOP, "NEXT_HOP 0.0.0.0");
	expect_withdraw(&s4, A(ORIGIN_IGP, ASPATH_65001_4, 0x40, 0x03, 0x04, 224, 0, 0, 1), 8,
			LB_BGP_ATTR_NEXT_HOP, "NEXT_HOP 224.0.0.1");
	expect_withdraw(&s4, A(ORIGIN_IGP, ASPATH_65001_4, NEXTHOP_192_0_2_1, 0x80, 0x04, 0x03, 0, 0, 1), 5,
			LB_BGP_ATTR_MED, "MED of length 3");
	expect_withdraw(&s4, A(ORIGIN_IGP, ASPATH_65001_4, NEXTHOP_192_0_2_1, 0xc0, 0x04, 0x04, 0, 0, 0, 1), 4,
			LB_BGP_ATTR_MED, "MED flagged transitive");
	expect_withdraw(&si, A(ORIGIN_IGP, 0x40, 0x02, 0x00, NEXTHOP_192_0_2_1, 0x40, 0x05, 0x02, 0, 1), 5,
			LB_BGP_ATTR_LOCAL_PREF, "LOCAL_PREF of length 2 over iBGP");
	expect_withdraw(&s4, A(ORIGIN_IGP, ASPATH_65001_4, NEXTHOP_192_0_2_1, 0xc0, 0x08, 0x06, 0, 0, 0, 1, 0, 0),
			9, LB_BGP_ATTR_COMMUNITIES, "COMMUNITIES of length 6");
	expect_withdraw(&s4, A(ORIGIN_IGP, ASPATH_65001_4, NEXTHOP_192_0_2_1, 0xc0, 0x08, 0x00), 9,
			LB_BGP_ATTR_COMMUNITIES, "COMMUNITIES of length 0");
	expect_withdraw(&s4, A(ORIGIN_IGP, ASPATH_65001_4, NEXTHOP_192_0_2_1, 0x80, 0x08, 0x04, 0, 0, 0, 1), 4,
			LB_BGP_ATTR_COMMUNITIES, "COMMUNITIES flagged non-transitive");
	expect_withdraw(&s4, A(ORIGIN_IGP, ASPATH_65001_4, NEXTHOP_192_0_2_1, 0xc0, 0x20, 0x0d,
			       0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 4),
			9, LB_BGP_ATTR_LARGE_COMMUNITIES, "LARGE_COMMUNITIES of length 13");
	expect_withdraw(&s4, A(ORIGIN_IGP, ASPATH_65001_4, NEXTHOP_192_0_2_1, 0xc0, 0x10, 0x04, 0, 0, 0, 1), 9,
			LB_BGP_ATTR_EXT_COMMUNITIES, "EXTENDED_COMMUNITIES of length 4");
	expect_withdraw(&si, A(ORIGIN_IGP, 0x40, 0x02, 0x00, NEXTHOP_192_0_2_1, 0x80, 0x0a, 0x03, 1, 2, 3), 9,
			LB_BGP_ATTR_CLUSTER_LIST, "CLUSTER_LIST of length 3");
	expect_withdraw(&s4, A(ASPATH_65001_4, NEXTHOP_192_0_2_1), 3, LB_BGP_ATTR_ORIGIN, "missing ORIGIN");
	expect_withdraw(&s4, A(ORIGIN_IGP, NEXTHOP_192_0_2_1), 3, LB_BGP_ATTR_AS_PATH, "missing AS_PATH");
	expect_withdraw(&s4, A(ORIGIN_IGP, ASPATH_65001_4), 3, LB_BGP_ATTR_NEXT_HOP,
			"missing NEXT_HOP with IPv4 NLRI");
	tap_ok(&t, dec(&s4, A(0x80, 0x04, 0x04, 0, 0, 0, 1), NULL, 0, &u, &n) == 0 && !u.treat_as_withdraw &&
		   u.n_withdraw_errors == 0,
	       "no NLRI: missing mandatory attributes are no error");

	expect_discard(&s4, A(ORIGIN_IGP, ASPATH_65001_4, NEXTHOP_192_0_2_1, 0x40, 0x06, 0x01, 0),
		       LB_BGP_ATTR_ATOMIC_AGGREGATE, "ATOMIC_AGGREGATE of length 1");
	expect_discard(&s4, A(ORIGIN_IGP, ASPATH_65001_4, NEXTHOP_192_0_2_1, 0xc0, 0x07, 0x06, 0xfd, 0xe9,
			      192, 0, 2, 1),
		       LB_BGP_ATTR_AGGREGATOR, "6-byte AGGREGATOR on a 4-octet session");
	expect_discard(&s4, A(ORIGIN_IGP, ASPATH_65001_4, NEXTHOP_192_0_2_1, 0x40, 0x05, 0x04, 0, 0, 0, 100),
		       LB_BGP_ATTR_LOCAL_PREF, "LOCAL_PREF from an external peer");

	/* Attribute list overruns (RFC 7606 §4): NLRI still found and withdrawn. */
	expect_withdraw(&s4, A(ORIGIN_IGP, ASPATH_65001_4, NEXTHOP_192_0_2_1, 0x80, 0x04, 0x09, 0, 0), 1, 0,
			"last attribute overrunning the attributes field");
	expect_withdraw(&s4, A(ORIGIN_IGP, ASPATH_65001_4, NEXTHOP_192_0_2_1, 0x80, 0x04), 1, 0,
			"two stray bytes after the last attribute");
	expect_withdraw(&s4, A(ORIGIN_IGP, ASPATH_65001_4, NEXTHOP_192_0_2_1, 0x90, 0x04, 0x00), 1, 0,
			"extended length cut short");

	/* Duplicates (RFC 7606 §3.g). */
	tap_ok(&t, dec(&s4, A(ORIGIN_IGP, ASPATH_65001_4, NEXTHOP_192_0_2_1, 0x40, 0x01, 0x01, 0x02),
		       nlri_24, 4, &u, &n) == 0 &&
		   !u.treat_as_withdraw && u.n_duplicates == 1 && u.attrs.origin == 0,
	       "repeated ORIGIN: the first stands, the repeat is dropped");
	tap_ok(&t, dec(&s4, A(ORIGIN_IGP, ASPATH_65001_4, NEXTHOP_192_0_2_1, 0x40, 0x01, 0x02, 0x00, 0x00),
		       nlri_24, 4, &u, &n) == 0 &&
		   !u.treat_as_withdraw && u.n_duplicates == 1,
	       "a malformed repeat is not even parsed");

	/* Unknown attributes. */
	tap_ok(&t, dec(&s4, A(ORIGIN_IGP, ASPATH_65001_4, NEXTHOP_192_0_2_1, 0xc0, 0x63, 0x02, 1, 2), nlri_24, 4,
		       &u, &n) == 0 &&
		   !u.treat_as_withdraw && u.attrs.n_unknown == 1,
	       "unknown optional attribute passed over");
	expect_reset(&s4, A(ORIGIN_IGP, ASPATH_65001_4, NEXTHOP_192_0_2_1, 0x40, 0x63, 0x02, 1, 2), nlri_24, 4, 2,
		     A(0x40, 0x63, 0x02, 1, 2), "unknown well-known attribute (data: the attribute)");

	/* MP_REACH_NLRI / MP_UNREACH_NLRI (RFC 4760 §7, RFC 7606 §5.3). */
#define MPV6_HEAD 0x90, 0x0e
#define NH6 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01
	const uint8_t mp_ok[] = {MPV6_HEAD, 0x00, 0x1c, 0x00, 0x02, 0x01, 0x10, NH6, 0x00,
				 0x30, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, ORIGIN_IGP, ASPATH_65001_4};
	tap_ok(&t, dec(&s4, mp_ok, sizeof(mp_ok), NULL, 0, &u, &n) == 0 && !u.treat_as_withdraw &&
		   u.mp_reach.count == 1 && u.n_withdraw_errors == 0,
	       "MP_REACH_NLRI without NEXT_HOP attribute is complete");
	struct lb_bgp_session v4only = s4;
	v4only.mp_ipv6 = false;
	tap_ok(&t, dec(&v4only, mp_ok, sizeof(mp_ok), NULL, 0, &u, &n) == 0 && u.mp_reach.present &&
		   !u.mp_reach.parsed && u.mp_reach.count == 0,
	       "MP_REACH_NLRI of a family not negotiated is skipped");
	expect_withdraw(&s4, A(MPV6_HEAD, 0x00, 0x1c, 0x00, 0x02, 0x01, 0x10, NH6, 0x00,
			       0x30, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01),
			3, LB_BGP_ATTR_ORIGIN, "MP_REACH_NLRI without ORIGIN");
	const uint8_t mp_nh8[] = {MPV6_HEAD, 0x00, 0x14, 0x00, 0x02, 0x01, 0x08, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1,
				  0x00, 0x30, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, ORIGIN_IGP, ASPATH_65001_4};
	tap_ok(&t, dec(&s4, mp_nh8, sizeof(mp_nh8), NULL, 0, &u, &n) == 0 && u.treat_as_withdraw &&
		   u.mp_reach.count == 1 && u.first_error.attr_type == LB_BGP_ATTR_MP_REACH_NLRI,
	       "IPv6 next hop of length 8: treat-as-withdraw, NLRI still read (RFC 7606 §7.11)");
	const uint8_t mp_nh0[] = {MPV6_HEAD, 0x00, 0x1c, 0x00, 0x02, 0x01, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
				  0, 0, 0, 0, 0x00, 0x30, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, ORIGIN_IGP,
				  ASPATH_65001_4};
	tap_ok(&t, dec(&s4, mp_nh0, sizeof(mp_nh0), NULL, 0, &u, &n) == 0 && u.treat_as_withdraw &&
		   u.first_error.subcode == LB_BGP_UPD_BAD_NEXT_HOP,
	       "IPv6 next hop :: is treat-as-withdraw");
	const uint8_t mp_short[] = {MPV6_HEAD, 0x00, 0x05, 0x00, 0x02, 0x01, 0x10, 0x20};
	expect_reset(&s4, mp_short, sizeof(mp_short), NULL, 0, 9, mp_short, sizeof(mp_short),
		     "MP_REACH_NLRI next hop beyond the attribute (data: the attribute)");
	const uint8_t mp_bad_nlri[] = {MPV6_HEAD, 0x00, 0x17, 0x00, 0x02, 0x01, 0x10, NH6, 0x00, 0x81, 0x20};
	expect_reset(&s4, mp_bad_nlri, sizeof(mp_bad_nlri), NULL, 0, 9, mp_bad_nlri, sizeof(mp_bad_nlri),
		     "MP_REACH_NLRI prefix of length 129");
	const uint8_t mp_cut_nlri[] = {MPV6_HEAD, 0x00, 0x18, 0x00, 0x02, 0x01, 0x10, NH6, 0x00, 0x40, 0x20, 0x01};
	expect_reset(&s4, mp_cut_nlri, sizeof(mp_cut_nlri), NULL, 0, 9, NULL, 0, "MP_REACH_NLRI prefix cut short");
	const uint8_t mp_flags[] = {0xd0, 0x0e, 0x00, 0x1c, 0x00, 0x02, 0x01, 0x10, NH6, 0x00,
				    0x30, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01};
	expect_reset(&s4, mp_flags, sizeof(mp_flags), NULL, 0, 4, mp_flags, sizeof(mp_flags),
		     "MP_REACH_NLRI flagged transitive");
	const uint8_t mp_twice[] = {0x80, 0x0f, 0x03, 0x00, 0x02, 0x01, 0x80, 0x0f, 0x03, 0x00, 0x02, 0x01};
	expect_reset(&s4, mp_twice, sizeof(mp_twice), NULL, 0, 1, NULL, 0, "MP_UNREACH_NLRI twice");
	const uint8_t mpu_short[] = {0x80, 0x0f, 0x02, 0x00, 0x02};
	expect_reset(&s4, mpu_short, sizeof(mpu_short), NULL, 0, 9, mpu_short, sizeof(mpu_short),
		     "MP_UNREACH_NLRI without SAFI");
	const uint8_t mpu_bad[] = {0x80, 0x0f, 0x05, 0x00, 0x02, 0x01, 0x30, 0x20};
	expect_reset(&s4, mpu_bad, sizeof(mpu_bad), NULL, 0, 9, NULL, 0, "MP_UNREACH_NLRI prefix cut short");
	const uint8_t mp4[] = {0x80, 0x0e, 0x0d, 0x00, 0x01, 0x01, 0x04, 192, 0, 2, 1, 0x00, 0x18, 198, 51, 100,
			       ORIGIN_IGP, ASPATH_65001_4};
	struct lb_prefix p;
	tap_ok(&t, dec(&s4, mp4, sizeof(mp4), NULL, 0, &u, &n) == 0 && !u.treat_as_withdraw &&
		   u.mp_reach.count == 1 && u.attrs.mp_next_hop.family == LB_AF_INET &&
		   lb_bgp_nlri_next(&u.mp_reach.raw, 1, &p) == 1 && p.len == 24 && p.addr.b[14] == 100,
	       "IPv4 unicast through MP_REACH_NLRI");

	/* Host bits after the prefix length are cleared. */
	struct lb_buf c;
	lb_buf_init(&c, (const uint8_t[]){0x17, 192, 0, 3}, 4);
	tap_ok(&t, lb_bgp_nlri_next(&c, 1, &p) == 1 && p.len == 23 && p.addr.b[14] == 2,
	       "NLRI host bits cleared");
	lb_buf_init(&c, (const uint8_t[]){0x00}, 1);
	tap_ok(&t, lb_bgp_nlri_next(&c, 1, &p) == 1 && p.len == 0 && lb_bgp_nlri_next(&c, 1, &p) == 0,
	       "default route is one byte");
}

/* Encodes all n prefixes, decodes every message and checks each prefix
 * comes back once, in order. */
static void pack_check(const struct lb_bgp_session *s, const struct lb_bgp_route_attrs *a,
		       const struct lb_prefix *pfx, size_t n, bool withdraw, const char *what,
		       size_t want_msgs)
{
	struct lb_wbuf w;
	struct lb_err err;
	size_t done = 0, msgs = 0, seen = 0, biggest = 0;
	bool ok = true, full = true;

	lb_wbuf_init(&w, 0);
	while (done < n && ok) {
		size_t used, before = lb_wbuf_len(&w);
		int r = withdraw ? lb_bgp_update_encode_withdraw(&w, pfx + done, n - done, &used, &err)
				 : lb_bgp_update_encode_announce(&w, s, a, pfx + done, n - done, &used, &err);
		if (r == -1 || used == 0) {
			printf("#   %s\n", err.msg);
			ok = false;
			break;
		}
		size_t mlen = lb_wbuf_len(&w) - before;
		biggest = mlen > biggest ? mlen : biggest;
		/* Every message but the last must be too full for the next prefix. */
		if (done + used < n && mlen + 1 + (pfx[done + used].len + 7u) / 8 <= LB_BGP_MAX_LEN)
			full = false;
		done += used;
		msgs++;
	}
	const uint8_t *p = lb_wbuf_data(&w), *end = p + lb_wbuf_len(&w);
	while (ok && p < end) {
		struct lb_bgp_header h;
		struct lb_bgp_update u;
		struct lb_bgp_notify nt;
		if (lb_bgp_header_decode(p, (size_t)(end - p), &h, &nt) == -1 ||
		    lb_bgp_update_decode(p, h.len, s, &u, &nt) == -1 || u.treat_as_withdraw) {
			printf("#   decode failed: %s\n", nt.reason);
			ok = false;
			break;
		}
		const struct lb_bgp_nlri *nl = withdraw ? (u.withdrawn.count ? &u.withdrawn : &u.mp_unreach)
							: (u.nlri.count ? &u.nlri : &u.mp_reach);
		struct lb_buf c = nl->raw;
		struct lb_prefix got;
		while (lb_bgp_nlri_next(&c, nl->afi, &got) == 1) {
			if (seen >= n || !prefix_eq(&got, &pfx[seen])) {
				printf("#   prefix %zu differs\n", seen);
				ok = false;
				break;
			}
			seen++;
		}
		p += h.len;
	}
	tap_ok(&t, ok && seen == n && done == n, "%s: %zu prefixes back, none lost or repeated", what, n);
	tap_ok(&t, biggest <= LB_BGP_MAX_LEN && full, "%s: every message <= 4096 bytes and filled (largest %zu)",
	       what, biggest);
	tap_is_int(&t, msgs, want_msgs, "%s: message count", what);
	lb_wbuf_free(&w);
}

static void test_packing(void)
{
	enum { N = 1000 };
	static struct lb_prefix v4[N], v6[N];
	for (unsigned i = 0; i < N; i++) {
		/* 198.18.0.0/15 is the benchmarking range (RFC 2544). */
		v4[i] = pfx4(198, 18, (uint8_t)(i >> 8), (uint8_t)i, 32);
		uint8_t b[16] = {0x20, 0x01, 0x0d, 0xb8};
		b[14] = (uint8_t)(i >> 8), b[15] = (uint8_t)i;
		v6[i] = pfx6(b, 128);
	}
	static const uint32_t path[] = {65000};
	static const uint32_t comms[] = {LB_BGP_COMMUNITY_NO_EXPORT};
	struct lb_bgp_route_attrs a = {.as_path = path, .as_path_len = 1, .communities = comms,
				       .n_communities = 1};
	a.next_hop = pfx4(192, 0, 2, 1, 32).addr;
	a.next_hop6 = pfx6(v6_nh, 128).addr;

	/* 4096 - 23 - 27 bytes of attributes = 4046 for 5-byte /32s: 809 per message. */
	pack_check(&s4, &a, v4, N, false, "1000 IPv4 /32 announced", 2);
	pack_check(&s4, &a, v6, N, false, "1000 IPv6 /128 announced", 5);
	pack_check(&s4, &a, v4, N, true, "1000 IPv4 /32 withdrawn", 2);
	pack_check(&s4, &a, v6, N, true, "1000 IPv6 /128 withdrawn", 5);

	struct lb_wbuf w;
	struct lb_err err;
	size_t used;
	lb_wbuf_init(&w, 0);
	tap_ok(&t, lb_bgp_update_encode_announce(&w, &s4, &a, v4, N, &used, &err) == 0 && used == 809,
	       "809 /32s fill the first message");
	struct lb_prefix mixed[] = {v4[0], v4[1], v6[0], v4[2]};
	lb_wbuf_reset(&w);
	tap_ok(&t, lb_bgp_update_encode_announce(&w, &s4, &a, mixed, 4, &used, &err) == 0 && used == 2,
	       "a change of family ends the message");
	lb_wbuf_reset(&w);
	tap_ok(&t, lb_bgp_update_encode_withdraw(&w, mixed + 2, 2, &used, &err) == 0 && used == 1,
	       "the same for withdrawals");

	struct lb_prefix bad = pfx4(192, 0, 2, 0, 33);
	lb_wbuf_reset(&w);
	tap_ok(&t, lb_bgp_update_encode_announce(&w, &s4, &a, &bad, 1, &used, &err) == -1 && used == 0 &&
		   lb_wbuf_len(&w) == 0,
	       "prefix length 33 refused (%s)", err.msg);
	static uint32_t many[1100];
	struct lb_bgp_route_attrs huge = a;
	huge.communities = many;
	huge.n_communities = 1100;
	tap_ok(&t, lb_bgp_update_encode_announce(&w, &s4, &huge, v4, 1, &used, &err) == -1 && used == 0,
	       "attributes too big for any message refused (%s)", err.msg);
	struct lb_bgp_route_attrs nonh = a;
	nonh.next_hop.family = 0;
	tap_ok(&t, lb_bgp_update_encode_announce(&w, &s4, &nonh, v4, 1, &used, &err) == -1,
	       "IPv4 without an IPv4 next hop refused");
	lb_wbuf_free(&w);

	/* A full writer: nothing written and no sticky error, so the caller
	 * can flush and retry. */
	uint8_t small[100];
	lb_wbuf_init_fixed(&w, small, sizeof(small));
	tap_ok(&t, lb_bgp_update_encode_announce(&w, &s4, &a, v4, N, &used, &err) == -1 && used == 0 &&
		   lb_wbuf_len(&w) == 0 && lb_wbuf_error(&w) == 0,
	       "too small a writer: refused untouched (%s)", err.msg);

	/* 255+ ASNs: several segments and an extended-length AS_PATH. */
	static uint32_t longpath[300];
	for (int i = 0; i < 300; i++)
		longpath[i] = 64512 + (uint32_t)i;
	struct lb_bgp_route_attrs lp = a;
	lp.as_path = longpath;
	lp.as_path_len = 300;
	lb_wbuf_init(&w, 0);
	struct lb_bgp_update u;
	struct lb_bgp_notify n;
	tap_ok(&t, lb_bgp_update_encode_announce(&w, &s4, &lp, v4, 1, &used, &err) == 0 &&
		   lb_bgp_update_decode(lb_wbuf_data(&w), lb_wbuf_len(&w), &s4, &u, &n) == 0 &&
		   !u.treat_as_withdraw && u.attrs.as_path_len == 300,
	       "a 300-AS path round-trips in two segments");
	lb_wbuf_free(&w);
}

int main(void)
{
	test_vectors();
	test_as4();
	test_errors();
	test_packing();
	return tap_done(&t);
}
