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

static int set(struct lb_bgp_vips *v, const char *ip, const char *pfx, uint32_t med,
	       const char *peers_json, bool *moved, struct lb_prefix *old)
{
	struct lb_addr a = A(ip);
	struct lb_prefix p = P(pfx);
	struct lb_bgp_adjout_attrs attrs;
	struct lb_err err;
	memset(&attrs, 0, sizeof(attrs));
	attrs.has_med = true;
	attrs.med = med;
	json_t *peers = peers_json ? json_loads(peers_json, JSON_DECODE_ANY, NULL) : NULL;
	int rc = lb_bgp_vips_set(v, &a, &p, &attrs, peers, moved, old, &err);
	json_decref(peers);
	return rc;
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
	const struct lb_bgp_vip *c = lb_bgp_vips_choose(&v, &p, "anything", "198.51.100.1");
	tap_ok(&t, c && c->attrs.med == 1, "no peers: every peer is chosen");
	p = P("192.0.2.11/32");
	tap_ok(&t, lb_bgp_vips_choose(&v, &p, "r2", "198.51.100.2") == NULL,
	       "a VIP naming r1 does not go to r2");
	c = lb_bgp_vips_choose(&v, &p, "r1", "198.51.100.1");
	tap_ok(&t, c && c->attrs.med == 2, "it goes to r1 by BGPPeer name");
	tap_ok(&t, lb_bgp_vips_choose(&v, &p, NULL, "192.0.2.99") == NULL &&
		   set(&v, "192.0.2.11", "192.0.2.11/32", 3, "[\"192.0.2.99\"]", &moved, &old) == 0 &&
		   !moved && lb_bgp_vips_choose(&v, &p, NULL, "192.0.2.99")->attrs.med == 3,
	       "a peer named by its address; a replaced VIP takes the new names and attributes");

	/* Aggregation: two VIPs share one /24. */
	tap_ok(&t, set(&v, "203.0.113.6", "203.0.113.0/24", 6, "[\"r1\"]", &moved, &old) == 0 &&
		   set(&v, "203.0.113.5", "203.0.113.0/24", 5, NULL, &moved, &old) == 0,
	       "two VIPs carried by one prefix");
	p = P("203.0.113.0/24");
	c = lb_bgp_vips_choose(&v, &p, "r1", NULL);
	tap_ok(&t, c && c->attrs.med == 5, "both select r1: the lowest address decides");
	c = lb_bgp_vips_choose(&v, &p, "r2", NULL);
	tap_ok(&t, c && c->attrs.med == 5, "only one selects r2: that one");
	tap_ok(&t, lb_bgp_vips_remove(&v, &(struct lb_addr){0}, &old) == 0, "removing an unknown VIP");
	struct lb_addr a5 = A("203.0.113.5");
	tap_ok(&t, lb_bgp_vips_remove(&v, &a5, &old) == 1 && old.len == 24,
	       "removal gives the prefix back to re-decide");
	tap_ok(&t, lb_bgp_vips_choose(&v, &p, "r2", NULL) == NULL &&
		   lb_bgp_vips_choose(&v, &p, "r1", NULL)->attrs.med == 6,
	       "after it: r2 loses the prefix, r1 keeps it through the other VIP");

	/* A VIP that changes its aggregation moves to another prefix. */
	tap_ok(&t, set(&v, "203.0.113.6", "203.0.113.6/32", 6, "[\"r1\"]", &moved, &old) == 0 &&
		   moved && old.len == 24 && lb_bgp_vips_choose(&v, &old, "r1", NULL) == NULL,
	       "a changed aggregation length moves the VIP and names the prefix it left");
	p = P("203.0.113.6/32");
	tap_ok(&t, lb_bgp_vips_choose(&v, &p, "r1", NULL) != NULL, "found under its new prefix");

	/* Refused input changes nothing. */
	tap_ok(&t, set(&v, "192.0.2.12", "192.0.2.12/32", 1, "\"r1\"", &moved, &old) < 0 &&
		   set(&v, "192.0.2.12", "192.0.2.12/32", 1, "[1]", &moved, &old) < 0 &&
		   set(&v, "192.0.2.12", "198.51.100.0/24", 1, NULL, &moved, &old) < 0,
	       "peers not a list of strings, or a prefix not covering the address: refused");
	struct lb_addr a12 = A("192.0.2.12");
	tap_ok(&t, lb_bgp_vips_remove(&v, &a12, &old) == 0, "a refused VIP is not kept");
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
		lb_bgp_vips_remove(&v, &a, &old);
	}
	int bad = 0;
	for (int i = 0; i < 2000; i++) {
		snprintf(pfx, sizeof(pfx), "2001:db8:1::%x/128", i);
		p = P(pfx);
		c = lb_bgp_vips_choose(&v, &p, "r2", NULL);
		bool want = i % 3 != 0 && i % 2 == 0;
		if (want != (c != NULL) || (c && c->attrs.med != (uint32_t)i))
			bad++;
	}
	tap_is_int(&t, bad, 0, "2000 VIPs, a third removed: every choice right");
	lb_bgp_vips_free(&v);
	return tap_done(&t);
}
