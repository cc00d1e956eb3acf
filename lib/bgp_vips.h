/* The VIPs a speaker announces from ANNOUNCE/WITHDRAW lines, and which
 * peers each one goes to. An entry is keyed by (address, advertisement):
 * lb-elect prints one line per covering BGPAdvertisement, each with its own
 * peers and attributes, and a WITHDRAW undoes only its own line. A VIP is carried by its covering prefix (MetalLB
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
	char *adv; /* "namespace/name" of the BGPAdvertisement; "" for none */
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

/* Adds or replaces the entry (ip, adv); adv NULL stands for "". peers is an array of strings or NULL; it is
 * checked, and a reference taken. When the VIP moved to another prefix,
 * *moved is set and *old_pfx names the prefix it left (the caller
 * re-decides that one too). */
int lb_bgp_vips_set(struct lb_bgp_vips *v, const struct lb_addr *ip, const char *adv,
		    const struct lb_prefix *pfx,
		    const struct lb_bgp_adjout_attrs *attrs, json_t *peers, bool *moved,
		    struct lb_prefix *old_pfx, struct lb_err *err);
/* Removes the entry (ip, adv); returns 1 and its prefix in *pfx, 0 if it
 * was unknown. adv NULL removes one entry of ip, whatever its
 * advertisement: call it until it returns 0 to remove them all. */
int lb_bgp_vips_remove(struct lb_bgp_vips *v, const struct lb_addr *ip, const char *adv,
		       struct lb_prefix *pfx);

/* Whether a VIP goes to the peer called name (its BGPPeer name) or addr
 * (its address as text; either may be NULL). */
bool lb_bgp_vip_selects(const struct lb_bgp_vip *vip, const char *name, const char *addr);

/* What the peer gets for pfx, from the entries carried by pfx that select
 * it: false when none does and the peer must not have pfx. Otherwise *out
 * holds, as MetalLB merges advertisements of one prefix to one peer, the
 * union of their communities and of their large communities (sorted, the
 * lowest kept when there are more than fit), and MED and LOCAL_PREF of the
 * entry with the lowest (address, advertisement), so every run agrees. */
bool lb_bgp_vips_choose(const struct lb_bgp_vips *v, const struct lb_prefix *pfx,
			const char *name, const char *addr, struct lb_bgp_adjout_attrs *out);

/* Calls fn for every VIP (order unspecified). */
void lb_bgp_vips_each(const struct lb_bgp_vips *v,
		      void (*fn)(void *ctx, const struct lb_bgp_vip *vip), void *ctx);

#endif
