/* The VIPs a speaker announces from ANNOUNCE/WITHDRAW lines, and which
 * peers each one goes to. A VIP is carried by its covering prefix (MetalLB
 * aggregationLength), so one prefix may stand for several VIPs; a peer gets
 * the prefix while at least one of them names it. A VIP that names peers
 * (the BGPAdvertisement's spec.peers, BGPPeer names) goes to those only,
 * including peers that do not exist yet: the names are kept, and a peer
 * that appears later is matched against them. Pure code, no sockets. */
#ifndef LB_BGP_VIPS_H
#define LB_BGP_VIPS_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "addr.h"
#include "bgp_adjout.h"
#include "err.h"
#include "hset.h"

struct lb_bgp_vip {
	struct lb_addr ip;
	struct lb_prefix pfx;
	json_t *peers; /* array of names (a reference is held); NULL: every peer */
	struct lb_bgp_adjout_attrs attrs;
};

struct lb_bgp_vips {
	struct lb_hset by_ip;  /* struct lb_bgp_vip by ip */
	struct lb_hset by_pfx; /* the same entries by pfx (several may share one) */
};

void lb_bgp_vips_init(struct lb_bgp_vips *v);
void lb_bgp_vips_free(struct lb_bgp_vips *v);
size_t lb_bgp_vips_count(const struct lb_bgp_vips *v);

/* Adds or replaces the VIP ip. peers is an array of strings or NULL; it is
 * checked, and a reference taken. When the VIP moved to another prefix,
 * *moved is set and *old_pfx names the prefix it left (the caller
 * re-decides that one too). */
int lb_bgp_vips_set(struct lb_bgp_vips *v, const struct lb_addr *ip, const struct lb_prefix *pfx,
		    const struct lb_bgp_adjout_attrs *attrs, json_t *peers, bool *moved,
		    struct lb_prefix *old_pfx, struct lb_err *err);
/* Removes the VIP ip; returns 1 and its prefix in *pfx, 0 if it was unknown. */
int lb_bgp_vips_remove(struct lb_bgp_vips *v, const struct lb_addr *ip, struct lb_prefix *pfx);

/* Whether a VIP goes to the peer called name (its BGPPeer name) or addr
 * (its address as text; either may be NULL). */
bool lb_bgp_vip_selects(const struct lb_bgp_vip *vip, const char *name, const char *addr);

/* The VIP whose attributes the peer gets for pfx: among the VIPs carried by
 * pfx that select the peer, the lowest address (so every run agrees);
 * NULL when none does and the peer must not have pfx. */
const struct lb_bgp_vip *lb_bgp_vips_choose(const struct lb_bgp_vips *v,
					    const struct lb_prefix *pfx, const char *name,
					    const char *addr);

/* Calls fn for every VIP (order unspecified). */
void lb_bgp_vips_each(const struct lb_bgp_vips *v,
		      void (*fn)(void *ctx, const struct lb_bgp_vip *vip), void *ctx);

#endif
