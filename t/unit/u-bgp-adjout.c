/* Adj-RIB-Out: only changes are sent, prefixes sharing attributes are packed,
 * and every UPDATE produced decodes back to what was asked for. Also the
 * community parsers the command line and ANNOUNCE lines use. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgp_adjout.h"
#include "bgp_community.h"
#include "tap.h"

struct seen {
	unsigned msgs, announced4, announced6, withdrawn4, withdrawn6, eor;
	unsigned max_len;
	uint32_t first_community;
	unsigned n_communities;
	bool has_local_pref;
	uint32_t local_pref;
	char first_nh6[LB_ADDR_STRLEN];
	char first_nh6_ll[LB_ADDR_STRLEN];
};

static const struct lb_bgp_session sess = {
	.as4 = true, .ebgp = false, .peer_asn = 64500, .mp_ipv4 = true, .mp_ipv6 = true};

/* Walks the messages in w and decodes each UPDATE. */
static int walk(const struct lb_wbuf *w, struct seen *s)
{
	const uint8_t *p = lb_wbuf_data(w);
	size_t left = lb_wbuf_len(w);
	memset(s, 0, sizeof(*s));
	while (left) {
		struct lb_bgp_header h;
		struct lb_bgp_notify n;
		struct lb_bgp_update u;
		if (lb_bgp_header_decode(p, left, &h, &n) < 0 || h.len > left ||
		    h.type != LB_BGP_UPDATE)
			return -1;
		if (lb_bgp_update_decode(p, h.len, &sess, &u, &n) < 0 || u.treat_as_withdraw)
			return -1;
		s->msgs++;
		if (h.len > s->max_len)
			s->max_len = h.len;
		s->announced4 += u.nlri.count;
		s->announced6 += u.mp_reach.count;
		s->withdrawn4 += u.withdrawn.count;
		s->withdrawn6 += u.mp_unreach.count;
		s->eor += u.end_of_rib;
		if (u.attrs.n_communities && !s->n_communities) {
			s->n_communities = u.attrs.n_communities;
			s->first_community = lb_be32(lb_buf_ptr(&u.attrs.communities));
		}
		if (u.attrs.present & (1ull << LB_BGP_ATTR_LOCAL_PREF)) {
			s->has_local_pref = true;
			s->local_pref = u.attrs.local_pref;
		}
		if (u.mp_reach.count && !s->first_nh6[0]) {
			lb_addr_format(&u.attrs.mp_next_hop, s->first_nh6);
			if (u.attrs.mp_has_ll)
				lb_addr_format(&u.attrs.mp_next_hop_ll, s->first_nh6_ll);
		}
		p += h.len;
		left -= h.len;
	}
	return 0;
}

static struct lb_prefix pfx(const char *s)
{
	struct lb_prefix p;
	if (lb_prefix_parse(s, &p, NULL, NULL) < 0)
		abort();
	return p;
}

static struct lb_addr addr(const char *s)
{
	struct lb_addr a;
	if (lb_addr_parse(s, &a, NULL) < 0)
		abort();
	return a;
}

/* Flushes into a fresh buffer and decodes what came out. */
static int flush(struct lb_bgp_adjout *a, const struct lb_bgp_adjout_session *s, struct seen *out,
		 size_t *skipped)
{
	struct lb_wbuf w;
	struct lb_err err;
	lb_wbuf_init(&w, 0);
	int n = lb_bgp_adjout_flush(a, s, &w, 0, skipped, &err);
	if (n >= 0 && walk(&w, out) < 0)
		n = -2;
	lb_wbuf_free(&w);
	return n;
}

/* The in-place sort: random prefixes in random order over three attribute
 * sets and both families come out as one run per set and family, each in
 * address order, every prefix once. */
static void test_sort(struct tap *t)
{
	struct lb_bgp_adjout a;
	struct lb_bgp_adjout_session s;
	struct lb_err err;
	struct lb_bgp_adjout_attrs at[3];
	memset(&s, 0, sizeof(s));
	s.session = &sess;
	s.next_hop = addr("192.0.2.2");
	s.next_hop6 = addr("2001:db8::2");
	s.ipv4 = s.ipv6 = true;
	for (int i = 0; i < 3; i++) {
		memset(&at[i], 0, sizeof(at[i]));
		at[i].has_local_pref = true;
		at[i].local_pref = (uint32_t)(100 + i);
	}
	lb_bgp_adjout_init(&a);
	unsigned seed = 12345, n = 20000;
	for (unsigned i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		char text[64];
		if (seed >> 31)
			snprintf(text, sizeof(text), "198.18.%u.%u/32", i >> 8, i & 255);
		else
			snprintf(text, sizeof(text), "2001:db8::%x/128", i);
		struct lb_prefix p = pfx(text);
		lb_bgp_adjout_announce(&a, &p, &at[(seed >> 16) % 3], &err);
	}
	struct lb_wbuf w;
	size_t skipped;
	lb_wbuf_init(&w, 0);
	lb_bgp_adjout_flush(&a, &s, &w, 0, &skipped, &err);
	const uint8_t *m = lb_wbuf_data(&w);
	size_t left = lb_wbuf_len(&w);
	unsigned seen = 0, runs = 0, bad_order = 0;
	int last_key = -1;
	struct lb_prefix prev;
	memset(&prev, 0, sizeof(prev));
	while (left) {
		struct lb_bgp_header h;
		struct lb_bgp_notify nt;
		struct lb_bgp_update u;
		if (lb_bgp_header_decode(m, left, &h, &nt) < 0 ||
		    lb_bgp_update_decode(m, h.len, &sess, &u, &nt) < 0)
			break;
		struct lb_bgp_nlri *run = u.nlri.count ? &u.nlri : &u.mp_reach;
		int key = (int)(u.attrs.local_pref - 100) * 2 + (run == &u.mp_reach);
		if (key != last_key) {
			runs++;
			last_key = key;
			memset(&prev, 0, sizeof(prev));
		}
		struct lb_buf cur = run->raw;
		struct lb_prefix p;
		uint16_t afi = run == &u.nlri ? LB_BGP_AFI_IPV4 : run->afi;
		while (lb_bgp_nlri_next(&cur, afi, &p) == 1) {
			if (prev.addr.family && lb_addr_cmp(&prev.addr, &p.addr) >= 0)
				bad_order++;
			prev = p;
			seen++;
		}
		m += h.len;
		left -= h.len;
	}
	tap_is_int(t, seen, n, "20000 random prefixes: each sent once");
	tap_is_int(t, runs, 6, "one run per attribute set and family");
	tap_is_int(t, bad_order, 0, "each run in address order");
	lb_wbuf_free(&w);
	lb_bgp_adjout_free(&a);
}

/* RFC 4271 §5.1.5: LOCAL_PREF in every UPDATE to an internal peer (100
 * when the route sets none), in none to an external one. The UPDATEs are
 * decoded as an internal peer would, which keeps LOCAL_PREF if present. */
static void test_local_pref_by_session(struct tap *t)
{
	static const struct lb_bgp_session ebgp = {
		.as4 = true, .ebgp = true, .peer_asn = 64501, .mp_ipv4 = true, .mp_ipv6 = true};
	static const uint32_t our_as[] = {64500};
	struct lb_bgp_adjout a;
	struct lb_bgp_adjout_session s;
	struct lb_bgp_adjout_attrs with, without;
	struct lb_err err;
	struct seen seen;
	size_t skipped;
	memset(&s, 0, sizeof(s));
	s.next_hop = addr("192.0.2.2");
	s.next_hop6 = addr("2001:db8::2");
	s.ipv4 = s.ipv6 = true;
	memset(&with, 0, sizeof(with));
	memset(&without, 0, sizeof(without));
	with.has_local_pref = true;
	with.local_pref = 200;
	struct lb_prefix p4 = pfx("192.0.2.10/32"), p6 = pfx("2001:db8:1::10/128");

	lb_bgp_adjout_init(&a);
	lb_bgp_adjout_announce(&a, &p4, &with, &err);
	lb_bgp_adjout_announce(&a, &p6, &with, &err);
	s.session = &ebgp;
	s.as_path = our_as;
	s.as_path_len = 1;
	tap_is_int(t, flush(&a, &s, &seen, &skipped), 2, "eBGP: an UPDATE per family");
	tap_ok(t, seen.announced4 == 1 && seen.announced6 == 1 && !seen.has_local_pref,
	       "eBGP: no LOCAL_PREF, though the routes set 200, IPv4 and IPv6 alike");
	s.session = &sess;
	s.as_path_len = 0;
	lb_bgp_adjout_resend_all(&a);
	flush(&a, &s, &seen, &skipped);
	tap_ok(t, seen.has_local_pref && seen.local_pref == 200, "iBGP: LOCAL_PREF 200");
	lb_bgp_adjout_announce(&a, &p4, &without, &err);
	lb_bgp_adjout_announce(&a, &p6, &without, &err);
	flush(&a, &s, &seen, &skipped);
	tap_ok(t, seen.announced4 == 1 && seen.announced6 == 1 && seen.has_local_pref &&
			  seen.local_pref == LB_BGP_DEFAULT_LOCAL_PREF && seen.local_pref == 100,
	       "iBGP, routes without one: LOCAL_PREF 100 all the same");
	s.session = &ebgp;
	s.as_path_len = 1;
	lb_bgp_adjout_resend_all(&a);
	flush(&a, &s, &seen, &skipped);
	tap_ok(t, seen.announced4 == 1 && !seen.has_local_pref, "eBGP, without one: none");
	lb_bgp_adjout_free(&a);
}

int main(void)
{
	struct tap t = {0, 0};
	test_local_pref_by_session(&t);
	struct lb_bgp_adjout a;
	struct lb_bgp_adjout_session s;
	struct lb_bgp_adjout_attrs at, at2;
	struct lb_err err;
	struct seen seen;
	size_t skipped;

	memset(&s, 0, sizeof(s));
	s.session = &sess;
	s.next_hop = addr("192.0.2.2");
	s.next_hop6 = addr("2001:db8::2");
	s.ipv4 = s.ipv6 = true;
	memset(&at, 0, sizeof(at));
	at.has_local_pref = true;
	at.local_pref = 200;
	at2 = at;
	at2.n_communities = 1;
	at2.communities[0] = 64500u << 16 | 7;

	lb_bgp_adjout_init(&a);
	struct lb_prefix p1 = pfx("192.0.2.10/32"), p2 = pfx("192.0.2.11/32"),
			 p3 = pfx("192.0.2.12/32"), p6 = pfx("2001:db8:1::10/128");
	lb_bgp_adjout_announce(&a, &p1, &at, &err);
	lb_bgp_adjout_announce(&a, &p2, &at, &err);
	lb_bgp_adjout_announce(&a, &p3, &at, &err);
	tap_ok(&t, lb_bgp_adjout_pending(&a) && a.n_wanted == 3, "three wanted, pending");
	tap_is_int(&t, flush(&a, &s, &seen, &skipped), 1, "three prefixes with one attribute set: one UPDATE");
	tap_ok(&t, seen.announced4 == 3 && seen.has_local_pref && seen.local_pref == 200,
	       "the UPDATE carries the three and LOCAL_PREF 200");
	tap_is_int(&t, a.n_sent, 3, "three sent");
	tap_is_int(&t, flush(&a, &s, &seen, &skipped), 0, "nothing changed: nothing sent");

	lb_bgp_adjout_announce(&a, &p1, &at, &err);
	tap_ok(&t, !lb_bgp_adjout_pending(&a), "announcing again with the same attributes is no change");

	struct lb_prefix p4 = pfx("192.0.2.13/32");
	lb_bgp_adjout_announce(&a, &p4, &at, &err);
	lb_bgp_adjout_withdraw(&a, &p4, &err);
	tap_is_int(&t, flush(&a, &s, &seen, &skipped), 0,
		   "announced and withdrawn between flushes: nothing sent");
	tap_is_int(&t, a.routes.count, 3, "and the entry is gone");

	lb_bgp_adjout_withdraw(&a, &p2, &err);
	tap_is_int(&t, flush(&a, &s, &seen, &skipped), 1, "a withdrawal: one UPDATE");
	tap_ok(&t, seen.withdrawn4 == 1 && seen.announced4 == 0, "withdrawing exactly one prefix");
	tap_ok(&t, a.n_sent == 2 && a.n_wanted == 2, "two left");
	tap_ok(&t, lb_bgp_adjout_withdraw(&a, &p2, &err) == 0 && !lb_bgp_adjout_pending(&a),
	       "withdrawing an absent prefix is no change");

	lb_bgp_adjout_announce(&a, &p3, &at2, &err);
	tap_is_int(&t, flush(&a, &s, &seen, &skipped), 1, "new attributes for one prefix: one UPDATE");
	tap_ok(&t, seen.announced4 == 1 && seen.withdrawn4 == 0 && seen.n_communities == 1 &&
		       seen.first_community == (64500u << 16 | 7),
	       "it re-announces only that prefix, with its community");

	lb_bgp_adjout_announce(&a, &p6, &at, &err);
	s.ipv6 = false;
	tap_is_int(&t, flush(&a, &s, &seen, &skipped), 0, "IPv6 not negotiated: no UPDATE");
	tap_is_int(&t, skipped, 1, "the IPv6 prefix is counted as skipped");
	s.ipv6 = true;
	lb_bgp_adjout_resend_all(&a);
	tap_is_int(&t, flush(&a, &s, &seen, &skipped), 3,
		   "resend all: one UPDATE per attribute set and family");
	tap_ok(&t, seen.announced4 == 2 && seen.announced6 == 1 && !strcmp(seen.first_nh6, "2001:db8::2"),
	       "both IPv4 prefixes again and the IPv6 one with its next hop");
	tap_is_int(&t, a.n_sent, 3, "three sent");
	tap_is_str(&t, seen.first_nh6_ll, "", "no link-local next hop unless given");

	/* RFC 2545 §3: on a shared link the next hop is global + link-local. */
	s.next_hop6_ll = addr("fe80::2");
	lb_bgp_adjout_resend_all(&a);
	flush(&a, &s, &seen, &skipped);
	tap_ok(&t, !strcmp(seen.first_nh6, "2001:db8::2") && !strcmp(seen.first_nh6_ll, "fe80::2"),
	       "with a link-local address: a 32-byte next hop, global then link-local");
	memset(&s.next_hop6_ll, 0, sizeof(s.next_hop6_ll));

	lb_bgp_adjout_reset(&a);
	tap_ok(&t, a.n_sent == 0 && !lb_bgp_adjout_pending(&a), "session down: nothing sent, nothing pending");
	lb_bgp_adjout_withdraw(&a, &p6, &err);
	tap_is_int(&t, flush(&a, &s, &seen, &skipped), 0,
		   "withdrawing what the peer no longer holds sends nothing");
	lb_bgp_adjout_free(&a);

	/* Packing: 3000 /32s fill UPDATEs to the 4096-byte limit. */
	lb_bgp_adjout_init(&a);
	for (unsigned i = 0; i < 3000; i++) {
		struct lb_prefix p;
		memset(&p, 0, sizeof(p));
		p.addr.family = LB_AF_INET;
		p.addr.b[12] = 198;
		p.addr.b[13] = 18;
		p.addr.b[14] = (uint8_t)(i >> 8);
		p.addr.b[15] = (uint8_t)i;
		p.len = 32;
		lb_bgp_adjout_announce(&a, &p, &at, &err);
	}
	int n = flush(&a, &s, &seen, &skipped);
	tap_ok(&t, n > 0 && seen.announced4 == 3000, "3000 prefixes all announced (%d UPDATEs)", n);
	tap_ok(&t, n <= 3000 * 5 / (4096 - 60) + 1, "packed: %d UPDATEs for 15000 bytes of NLRI", n);
	tap_ok(&t, seen.max_len <= LB_BGP_MAX_LEN && seen.max_len > 4000,
	       "UPDATEs filled close to, never over, 4096 bytes (%u)", seen.max_len);

	/* The same table again in slices of about 5000 bytes: every prefix
	 * exactly once, and every message but the last still full. */
	lb_bgp_adjout_resend_all(&a);
	unsigned total = 0, slices = 0, msgs = 0, small = 0;
	while (lb_bgp_adjout_pending(&a) && slices < 100) {
		struct lb_wbuf w;
		lb_wbuf_init(&w, 0);
		int m = lb_bgp_adjout_flush(&a, &s, &w, 5000, &skipped, &err);
		if (m < 0 || walk(&w, &seen) < 0) {
			lb_wbuf_free(&w);
			break;
		}
		total += seen.announced4;
		msgs += (unsigned)m;
		small += lb_wbuf_len(&w) > 9000;
		slices++;
		lb_wbuf_free(&w);
	}
	tap_ok(&t, total == 3000 && a.n_sent == 3000 && !lb_bgp_adjout_pending(&a),
	       "sliced flush: 3000 prefixes, each once (%u in %u slices)", total, slices);
	tap_ok(&t, slices >= (unsigned)n / 2 && small == 0 && msgs == (unsigned)n,
	       "each slice stops near its limit, and the message count is unchanged (%u msgs, %u slices, %u big)", msgs, slices, small);
	lb_bgp_adjout_free(&a);

	/* Communities. */
	uint32_t c;
	struct lb_bgp_large_community lc;
	tap_ok(&t, lb_bgp_community_parse("64500:100", &c, &err) == 0 && c == (64500u << 16 | 100),
	       "ASN:VALUE");
	tap_ok(&t, lb_bgp_community_parse("no-export", &c, &err) == 0 && c == 0xFFFFFF01u,
	       "no-export");
	tap_ok(&t, lb_bgp_community_parse("NO-ADVERTISE", &c, &err) == 0 && c == 0xFFFFFF02u,
	       "names are case-insensitive");
	tap_ok(&t, lb_bgp_community_parse("65535:65535", &c, &err) == 0 && c == 0xFFFFFFFFu,
	       "the largest halves");
	tap_ok(&t, lb_bgp_community_parse("65536:1", &c, &err) < 0, "a half above 65535 is refused");
	tap_ok(&t, strstr(err.msg, "'65536:1'") != NULL, "the message names the input: %s", err.msg);
	tap_ok(&t, lb_bgp_community_parse("1:2:3", &c, &err) < 0, "three parts is not a community");
	tap_ok(&t, lb_bgp_community_parse(":1", &c, &err) < 0, "empty half");
	tap_ok(&t, lb_bgp_community_parse("1:", &c, &err) < 0, "empty second half");
	tap_ok(&t, lb_bgp_community_parse("-1:1", &c, &err) < 0, "negative");
	tap_ok(&t, lb_bgp_community_parse("", &c, &err) < 0, "empty");
	tap_ok(&t, lb_bgp_large_community_parse("4200000000:1:2", &lc, &err) == 0 &&
		       lc.global == 4200000000u && lc.local1 == 1 && lc.local2 == 2,
	       "large community with a 4-octet global part");
	tap_ok(&t, lb_bgp_large_community_parse("4294967296:1:2", &lc, &err) < 0,
	       "a large community field above 2^32-1 is refused");
	tap_ok(&t, lb_bgp_large_community_parse("1:2", &lc, &err) < 0, "two parts is not large");
	tap_ok(&t, lb_bgp_large_community_parse("1:2:3:4", &lc, &err) < 0, "four parts neither");

	struct lb_bgp_adjout_attrs big;
	memset(&big, 0, sizeof(big));
	big.n_communities = LB_BGP_ADJOUT_MAX_COMMUNITIES + 1;
	lb_bgp_adjout_init(&a);
	tap_ok(&t, lb_bgp_adjout_announce(&a, &p1, &big, &err) < 0, "too many communities refused");
	lb_bgp_adjout_free(&a);
	test_sort(&t);
	return tap_done(&t);
}
