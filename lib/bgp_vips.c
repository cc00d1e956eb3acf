#include "bgp_vips.h"

#include <stdlib.h>
#include <string.h>

static uint64_t pfx_hash(const struct lb_prefix *p)
{
	return lb_addr_hash(&p->addr) * 31 + p->len;
}

static bool pfx_eq(const struct lb_prefix *a, const struct lb_prefix *b)
{
	return a->len == b->len && lb_addr_eq(&a->addr, &b->addr);
}

static uint64_t ip_hash_entry(const void *e)
{
	return lb_addr_hash(&((const struct lb_bgp_vip *)e)->ip);
}

static uint64_t ip_hash_key(const void *k)
{
	return lb_addr_hash(k);
}

static int ip_matches(const void *e, const void *k)
{
	return lb_addr_eq(&((const struct lb_bgp_vip *)e)->ip, k);
}

static uint64_t pfx_hash_entry(const void *e)
{
	return pfx_hash(&((const struct lb_bgp_vip *)e)->pfx);
}

static uint64_t pfx_hash_key(const void *k)
{
	return pfx_hash(k);
}

static int pfx_matches(const void *e, const void *k)
{
	return pfx_eq(&((const struct lb_bgp_vip *)e)->pfx, k);
}

static const struct lb_hset_ops ip_ops = {ip_hash_entry, ip_hash_key, ip_matches};
static const struct lb_hset_ops pfx_ops = {pfx_hash_entry, pfx_hash_key, pfx_matches};

void lb_bgp_vips_init(struct lb_bgp_vips *v)
{
	lb_hset_init(&v->by_ip, &ip_ops);
	lb_hset_init(&v->by_pfx, &pfx_ops);
}

static void vip_free(void *ctx, void *e)
{
	(void)ctx;
	struct lb_bgp_vip *vip = e;
	json_decref(vip->peers);
	free(vip);
}

void lb_bgp_vips_free(struct lb_bgp_vips *v)
{
	lb_hset_each(&v->by_ip, vip_free, NULL);
	lb_hset_free(&v->by_ip);
	lb_hset_free(&v->by_pfx);
}

size_t lb_bgp_vips_count(const struct lb_bgp_vips *v)
{
	return v->by_ip.count;
}

int lb_bgp_vips_set(struct lb_bgp_vips *v, const struct lb_addr *ip, const struct lb_prefix *pfx,
		    const struct lb_bgp_adjout_attrs *attrs, json_t *peers, bool *moved,
		    struct lb_prefix *old_pfx, struct lb_err *err)
{
	size_t i;
	json_t *n;
	*moved = false;
	if (peers) {
		if (!json_is_array(peers))
			return lb_err_set(err, "peers: not an array of BGPPeer names");
		json_array_foreach(peers, i, n) {
			if (!json_is_string(n))
				return lb_err_set(err, "peers[%zu]: not a string", i);
		}
	}
	if (!lb_prefix_contains(pfx, ip))
		return lb_err_set(err, "the prefix does not cover the address");
	struct lb_bgp_vip *vip = lb_hset_find(&v->by_ip, ip);
	if (vip) {
		if (!pfx_eq(&vip->pfx, pfx)) {
			/* Re-filed under its new prefix. */
			lb_hset_remove(&v->by_pfx, &vip->pfx, vip);
			*moved = true;
			*old_pfx = vip->pfx;
			vip->pfx = *pfx;
			if (lb_hset_add(&v->by_pfx, vip) < 0) {
				lb_hset_remove(&v->by_ip, ip, vip);
				vip_free(NULL, vip);
				return lb_err_set(err, "out of memory");
			}
		}
	} else {
		vip = calloc(1, sizeof(*vip));
		if (!vip)
			return lb_err_set(err, "out of memory");
		vip->ip = *ip;
		vip->pfx = *pfx;
		if (lb_hset_add(&v->by_ip, vip) < 0) {
			free(vip);
			return lb_err_set(err, "out of memory");
		}
		if (lb_hset_add(&v->by_pfx, vip) < 0) {
			lb_hset_remove(&v->by_ip, ip, vip);
			free(vip);
			return lb_err_set(err, "out of memory");
		}
	}
	json_t *old = vip->peers;
	vip->peers = peers ? json_incref(peers) : NULL;
	json_decref(old);
	vip->attrs = *attrs;
	return 0;
}

int lb_bgp_vips_remove(struct lb_bgp_vips *v, const struct lb_addr *ip, struct lb_prefix *pfx)
{
	struct lb_bgp_vip *vip = lb_hset_find(&v->by_ip, ip);
	if (!vip)
		return 0;
	*pfx = vip->pfx;
	lb_hset_remove(&v->by_ip, ip, vip);
	lb_hset_remove(&v->by_pfx, &vip->pfx, vip);
	vip_free(NULL, vip);
	return 1;
}

bool lb_bgp_vip_selects(const struct lb_bgp_vip *vip, const char *name, const char *addr)
{
	size_t i;
	json_t *n;
	if (!vip->peers)
		return true;
	json_array_foreach(vip->peers, i, n) {
		const char *s = json_string_value(n);
		if (s && ((name && !strcmp(s, name)) || (addr && !strcmp(s, addr))))
			return true;
	}
	return false;
}

const struct lb_bgp_vip *lb_bgp_vips_choose(const struct lb_bgp_vips *v,
					    const struct lb_prefix *pfx, const char *name,
					    const char *addr)
{
	struct lb_hset_iter it;
	const struct lb_bgp_vip *best = NULL;
	for (const struct lb_bgp_vip *vip = lb_hset_first(&v->by_pfx, pfx, &it); vip;
	     vip = lb_hset_next(&v->by_pfx, pfx, &it))
		if (lb_bgp_vip_selects(vip, name, addr) &&
		    (!best || lb_addr_cmp(&vip->ip, &best->ip) < 0))
			best = vip;
	return best;
}

struct each_ctx {
	void (*fn)(void *ctx, const struct lb_bgp_vip *vip);
	void *ctx;
};

static void each_one(void *ctx, void *e)
{
	struct each_ctx *c = ctx;
	c->fn(c->ctx, e);
}

void lb_bgp_vips_each(const struct lb_bgp_vips *v,
		      void (*fn)(void *ctx, const struct lb_bgp_vip *vip), void *ctx)
{
	struct each_ctx c = {fn, ctx};
	lb_hset_each(&v->by_ip, each_one, &c);
}
