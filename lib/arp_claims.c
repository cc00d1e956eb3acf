#include "arp_claims.h"

#include <stdlib.h>
#include <string.h>

#include "hset.h"

struct claim {
	struct lb_addr addr; /* first: the hash set's key */
	uint8_t mac[LB_ETH_ALEN];
	uint64_t last_ms;
};

struct lb_arp_claims {
	struct lb_hset set;
	uint64_t window_ms;
	size_t max;
};

static uint64_t hash_entry(const void *e)
{
	return lb_addr_hash(&((const struct claim *)e)->addr);
}

static uint64_t hash_key(const void *k)
{
	return lb_addr_hash(k);
}

static int matches(const void *e, const void *k)
{
	return lb_addr_eq(&((const struct claim *)e)->addr, k);
}

static const struct lb_hset_ops claim_ops = {hash_entry, hash_key, matches};

struct lb_arp_claims *lb_arp_claims_new(uint64_t window_ms, size_t max)
{
	struct lb_arp_claims *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	lb_hset_init(&c->set, &claim_ops);
	c->window_ms = window_ms;
	c->max = max ? max : 65536;
	return c;
}

static void free_entry(void *ctx, void *entry)
{
	(void)ctx;
	free(entry);
}

void lb_arp_claims_free(struct lb_arp_claims *c)
{
	if (!c)
		return;
	lb_hset_each(&c->set, free_entry, NULL);
	lb_hset_free(&c->set);
	free(c);
}

size_t lb_arp_claims_count(const struct lb_arp_claims *c)
{
	return c->set.count;
}

enum lb_arp_claim_result lb_arp_claims_note(struct lb_arp_claims *c, const struct lb_addr *ip,
					    const uint8_t mac[LB_ETH_ALEN], uint64_t now_ms,
					    uint8_t prev[LB_ETH_ALEN])
{
	struct claim *cl = lb_hset_find(&c->set, ip);
	if (!cl) {
		if (c->set.count >= c->max)
			return LB_ARP_CLAIM_UNTRACKED;
		cl = calloc(1, sizeof(*cl));
		if (!cl)
			return LB_ARP_CLAIM_UNTRACKED;
		cl->addr = *ip;
		memcpy(cl->mac, mac, LB_ETH_ALEN);
		cl->last_ms = now_ms;
		if (lb_hset_add(&c->set, cl) < 0) {
			free(cl);
			return LB_ARP_CLAIM_UNTRACKED;
		}
		return LB_ARP_CLAIM_OK;
	}
	enum lb_arp_claim_result res = LB_ARP_CLAIM_OK;
	if (memcmp(cl->mac, mac, LB_ETH_ALEN) && now_ms >= cl->last_ms &&
	    now_ms - cl->last_ms <= c->window_ms) {
		memcpy(prev, cl->mac, LB_ETH_ALEN);
		res = LB_ARP_CLAIM_CONFLICT;
	}
	memcpy(cl->mac, mac, LB_ETH_ALEN);
	cl->last_ms = now_ms;
	return res;
}
