/* lib/bgp_vips: which VIPs go to which peers, prefixes shared by several
 * VIPs, names of peers that do not exist yet. */
#include <stdlib.h>
#include <string.h>

#include "bgp_vips.h"
#include "tap.h"

static struct tap t;

static struct lb_addr A(const char *s)
{
	struct lb_addr a;
	lb_addr_parse(s, &a, NULL);
	return a;
}

static struct lb_prefix P(const char *s)
{
	struct lb_prefix p;
	lb_prefix_parse(s, &p, NULL, NULL);
	return p;
}

static int set_adv(struct lb_bgp_vips *v, const char *ip, const char *adv, const char *pfx,
		   uint32_t med, const char *comms, const char *peers_json, bool *moved,
		   struct lb_prefix *old)
{
	struct lb_addr a = A(ip);
	struct lb_prefix p = P(pfx);
	struct lb_bgp_adjout_attrs attrs;
	struct lb_err err;
	memset(&attrs, 0, sizeof(attrs));
	attrs.has_med = true;
	attrs.med = med;
	/* comms: "1,2,3" community values, then "|" and large globals */
	const char *s = comms;
	bool large = false;
	while (s && *s) {
		if (*s == '|') {
			large = true;
			s++;
			continue;
		}
		char *end;
		uint32_t x = (uint32_t)strtoul(s, &end, 10);
		if (large)
			attrs.large[attrs.n_large++] = (struct lb_bgp_large_community){x, 1, 2};
		else
			attrs.communities[attrs.n_communities++] = x;
		s = *end == ',' ? end + 1 : end;
	}
	json_t *peers = peers_json ? json_loads(peers_json, JSON_DECODE_ANY, NULL) : NULL;
	int rc = lb_bgp_vips_set(v, &a, adv, &p, &attrs, peers, moved, old, &err);
	json_decref(peers);
	return rc;
}

static int set(struct lb_bgp_vips *v, const char *ip, const char *pfx, uint32_t med,
	       const char *peers_json, bool *moved, struct lb_prefix *old)
{
	return set_adv(v, ip, NULL, pfx, med, NULL, peers_json, moved, old);
}

/* The attributes the peer gets for pfx; med UINT32_MAX when it gets none. */
static struct lb_bgp_adjout_attrs got;

static uint32_t choose(const struct lb_bgp_vips *v, const char *pfx, const char *name)
{
	struct lb_prefix p = P(pfx);
	memset(&got, 0, sizeof(got));
	return lb_bgp_vips_choose(v, &p, name, NULL, &got) ? got.med : UINT32_MAX;
}

static bool remove_one(struct lb_bgp_vips *v, const char *ip, const char *adv)
{
	struct lb_addr a = A(ip);
	struct lb_prefix old;
	return lb_bgp_vips_remove(v, &a, adv, &old) == 1;
}

static bool comms_are(const uint32_t *want, size_t n)
{
	return got.n_communities == n && !memcmp(got.communities, want, n * sizeof(*want));
}

static void count(void *ctx, const struct lb_bgp_vip *vip)
{
	(void)vip;
	(*(int *)ctx)++;
}

int main(void)
{
	struct lb_bgp_vips v;
	bool moved;
	struct lb_prefix old, p;
	struct lb_err err;
	lb_bgp_vips_init(&v);

	tap_ok(&t, set(&v, "192.0.2.10", "192.0.2.10/32", 1, NULL, &moved, &old) == 0 && !moved,
	       "a VIP for every peer");
	tap_ok(&t, set(&v, "192.0.2.11", "192.0.2.11/32", 2, "[\"r1\"]", &moved, &old) == 0,
	       "a VIP naming a peer that does not exist yet");
	p = P("192.0.2.10/32");
	struct lb_bgp_adjout_attrs c;
	tap_ok(&t, lb_bgp_vips_choose(&v, &p, "anything", "198.51.100.1", &c) && c.med == 1,
	       "no peers: every peer is chosen");
	p = P("192.0.2.11/32");
	tap_ok(&t, !lb_bgp_vips_choose(&v, &p, "r2", "198.51.100.2", &c),
	       "a VIP naming r1 does not go to r2");
	tap_ok(&t, lb_bgp_vips_choose(&v, &p, "r1", "198.51.100.1", &c) && c.med == 2,
	       "it goes to r1 by BGPPeer name");
	tap_ok(&t, !lb_bgp_vips_choose(&v, &p, NULL, "192.0.2.99", &c) &&
		   set(&v, "192.0.2.11", "192.0.2.11/32", 3, "[\"192.0.2.99\"]", &moved, &old) == 0 &&
		   !moved && lb_bgp_vips_choose(&v, &p, NULL, "192.0.2.99", &c) && c.med == 3,
	       "a peer named by its address; a replaced VIP takes the new names and attributes");

	/* Aggregation: two VIPs share one /24. */
	tap_ok(&t, set(&v, "203.0.113.6", "203.0.113.0/24", 6, "[\"r1\"]", &moved, &old) == 0 &&
		   set(&v, "203.0.113.5", "203.0.113.0/24", 5, NULL, &moved, &old) == 0,
	       "two VIPs carried by one prefix");
	tap_is_int(&t, choose(&v, "203.0.113.0/24", "r1"), 5,
		   "both select r1: the lowest address decides");
	tap_is_int(&t, choose(&v, "203.0.113.0/24", "r2"), 5, "only one selects r2: that one");
	tap_ok(&t, lb_bgp_vips_remove(&v, &(struct lb_addr){0}, NULL, &old) == 0,
	       "removing an unknown VIP");
	struct lb_addr a5 = A("203.0.113.5");
	tap_ok(&t, lb_bgp_vips_remove(&v, &a5, "", &old) == 1 && old.len == 24,
	       "removal gives the prefix back to re-decide");
	tap_ok(&t, choose(&v, "203.0.113.0/24", "r2") == UINT32_MAX &&
		   choose(&v, "203.0.113.0/24", "r1") == 6,
	       "after it: r2 loses the prefix, r1 keeps it through the other VIP");

	/* A VIP that changes its aggregation moves to another prefix. */
	tap_ok(&t, set(&v, "203.0.113.6", "203.0.113.6/32", 6, "[\"r1\"]", &moved, &old) == 0 &&
		   moved && old.len == 24 && choose(&v, "203.0.113.0/24", "r1") == UINT32_MAX,
	       "a changed aggregation length moves the VIP and names the prefix it left");
	tap_is_int(&t, choose(&v, "203.0.113.6/32", "r1"), 6, "found under its new prefix");

	/* Refused input changes nothing. */
	tap_ok(&t, set(&v, "192.0.2.12", "192.0.2.12/32", 1, "\"r1\"", &moved, &old) < 0 &&
		   set(&v, "192.0.2.12", "192.0.2.12/32", 1, "[1]", &moved, &old) < 0 &&
		   set(&v, "192.0.2.12", "198.51.100.0/24", 1, NULL, &moved, &old) < 0,
	       "peers not a list of strings, or a prefix not covering the address: refused");
	struct lb_addr a12 = A("192.0.2.12");
	tap_ok(&t, lb_bgp_vips_remove(&v, &a12, NULL, &old) == 0, "a refused VIP is not kept");
	int n = 0;
	lb_bgp_vips_each(&v, count, &n);
	tap_is_int(&t, n, 3, "each visits every VIP");
	tap_is_int(&t, lb_bgp_vips_count(&v), 3, "count");
	(void)err;

	/* Many VIPs: lookups stay exact after growth and removals. */
	char ip[64], pfx[64];
	for (int i = 0; i < 2000; i++) {
		snprintf(ip, sizeof(ip), "2001:db8:1::%x", i);
		snprintf(pfx, sizeof(pfx), "2001:db8:1::%x/128", i);
		set(&v, ip, pfx, (uint32_t)i, i % 2 ? "[\"r1\"]" : NULL, &moved, &old);
	}
	for (int i = 0; i < 2000; i += 3) {
		snprintf(ip, sizeof(ip), "2001:db8:1::%x", i);
		struct lb_addr a = A(ip);
		lb_bgp_vips_remove(&v, &a, NULL, &old);
	}
	int bad = 0;
	for (int i = 0; i < 2000; i++) {
		snprintf(pfx, sizeof(pfx), "2001:db8:1::%x/128", i);
		uint32_t med = choose(&v, pfx, "r2");
		bool want = i % 3 != 0 && i % 2 == 0;
		if (want != (med != UINT32_MAX) || (want && med != (uint32_t)i))
			bad++;
	}
	tap_is_int(&t, bad, 0, "2000 VIPs, a third removed: every choice right");

	/* Several advertisements of one address (lb-elect(8) BGP lines). */
	struct lb_bgp_vips w;
	lb_bgp_vips_init(&w);
	struct lb_addr a20 = A("198.51.100.20");
	tap_ok(&t, set_adv(&w, "198.51.100.20", "ns/a", "198.51.100.20/32", 10, "100,300", "[\"r1\"]",
			   &moved, &old) == 0 &&
		   set_adv(&w, "198.51.100.20", "ns/b", "198.51.100.0/24", 20, "200", "[\"r2\"]",
			   &moved, &old) == 0 &&
		   !moved && lb_bgp_vips_count(&w) == 2,
	       "two advertisements of one address are two entries");
	tap_ok(&t, choose(&w, "198.51.100.20/32", "r1") == 10 &&
		   comms_are((uint32_t[]){100, 300}, 2) &&
		   choose(&w, "198.51.100.20/32", "r2") == UINT32_MAX,
	       "r1 gets advertisement a's prefix and communities only");
	tap_ok(&t, choose(&w, "198.51.100.0/24", "r2") == 20 && comms_are((uint32_t[]){200}, 1) &&
		   choose(&w, "198.51.100.0/24", "r1") == UINT32_MAX,
	       "r2 gets advertisement b's covering prefix and communities only");
	tap_ok(&t, set_adv(&w, "198.51.100.20", "ns/a", "198.51.100.20/32", 11, "101", "[\"r1\"]",
			   &moved, &old) == 0 &&
		   lb_bgp_vips_count(&w) == 2 && choose(&w, "198.51.100.20/32", "r1") == 11 &&
		   comms_are((uint32_t[]){101}, 1) && choose(&w, "198.51.100.0/24", "r2") == 20,
	       "an ANNOUNCE of a known (ip, advertisement) replaces that entry only");
	tap_ok(&t, lb_bgp_vips_remove(&w, &a20, "ns/c", &old) == 0 && lb_bgp_vips_count(&w) == 2,
	       "a WITHDRAW of an unknown advertisement removes nothing");
	tap_ok(&t, lb_bgp_vips_remove(&w, &a20, "ns/b", &old) == 1 && old.len == 24 &&
		   choose(&w, "198.51.100.0/24", "r2") == UINT32_MAX &&
		   choose(&w, "198.51.100.20/32", "r1") == 11,
	       "a WITHDRAW with an advertisement removes only its entry and gives its prefix");

	/* Rule 4: the same prefix to the same peer from two entries. */
	tap_ok(&t, set_adv(&w, "198.51.100.20", "ns/z", "198.51.100.20/32", 30, "300,101|7",
			   NULL, &moved, &old) == 0 &&
		   set_adv(&w, "198.51.100.20", "", "198.51.100.20/32", 40, "5|9,7", "[\"r1\"]",
			   &moved, &old) == 0,
	       "three entries of one address carried by one prefix");
	tap_ok(&t, choose(&w, "198.51.100.20/32", "r1") == 40 &&
		   comms_are((uint32_t[]){5, 101, 300}, 3) && got.n_large == 2 &&
		   got.large[0].global == 7 && got.large[1].global == 9,
	       "r1: union of communities and large communities, sorted; MED of the lowest key "
	       "(the entry without advertisement sorts first)");
	tap_ok(&t, choose(&w, "198.51.100.20/32", "r2") == 30 &&
		   comms_are((uint32_t[]){101, 300}, 2) && got.n_large == 1,
	       "r2 is selected by one of them only: its attributes alone");
	tap_ok(&t, set_adv(&w, "198.51.100.19", "ns/z", "198.51.100.0/24", 19, "1", NULL, &moved,
			   &old) == 0 &&
		   set_adv(&w, "198.51.100.21", "ns/a", "198.51.100.0/24", 21, "2", NULL, &moved,
			   &old) == 0 &&
		   choose(&w, "198.51.100.0/24", "r9") == 19 && comms_are((uint32_t[]){1, 2}, 2),
	       "across addresses the lowest address decides MED, before the advertisement name");
	tap_ok(&t, lb_bgp_vips_remove(&w, &(struct lb_addr){0}, NULL, &old) == 0 &&
		   remove_one(&w, "198.51.100.19", "ns/z") &&
		   choose(&w, "198.51.100.0/24", "r9") == 21 && comms_are((uint32_t[]){2}, 1),
	       "the prefix stays with the entry left, with its attributes only");
	tap_ok(&t, remove_one(&w, "198.51.100.21", "ns/a") &&
		   choose(&w, "198.51.100.0/24", "r9") == UINT32_MAX,
	       "the last entry needing the prefix goes: withdrawn");

	/* The union is capped, keeping the lowest values whatever the order. */
	char big1[512] = "", big2[512] = "";
	for (int i = 0; i < 30; i++) {
		snprintf(big1 + strlen(big1), sizeof(big1) - strlen(big1), "%s%d", i ? "," : "",
			 1000 + 2 * i);
		snprintf(big2 + strlen(big2), sizeof(big2) - strlen(big2), "%s%d", i ? "," : "",
			 1001 + 2 * i);
	}
	set_adv(&w, "203.0.113.40", "x/1", "203.0.113.40/32", 1, big1, NULL, &moved, &old);
	set_adv(&w, "203.0.113.40", "x/2", "203.0.113.40/32", 2, big2, NULL, &moved, &old);
	choose(&w, "203.0.113.40/32", "r1");
	bool seq = got.n_communities == LB_BGP_ADJOUT_MAX_COMMUNITIES;
	for (size_t i = 0; seq && i < got.n_communities; i++)
		seq = got.communities[i] == 1000 + i;
	tap_ok(&t, seq, "60 communities from two entries: the lowest 32, in order");

	/* A WITHDRAW without advertisement: every entry of the address. */
	int removed = 0;
	while (lb_bgp_vips_remove(&w, &a20, NULL, &old))
		removed++;
	tap_ok(&t, removed == 3 && choose(&w, "198.51.100.20/32", "r1") == UINT32_MAX &&
		   lb_bgp_vips_count(&w) == 2,
	       "removing with no advertisement takes every entry of the address, no other");
	lb_bgp_vips_free(&w);
	lb_bgp_vips_free(&v);
	return tap_done(&t);
}
