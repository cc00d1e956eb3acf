/* Peers and community names from MetalLB objects (metallb.io/v1beta1 and
 * v1beta2 BGPPeer, v1beta1 Community), so lb-bgp-peer reads the same
 * manifests an existing MetalLB installation has. BGPAdvertisement is
 * lb-elect's input: it decides which addresses are announced and passes
 * their communities and LOCAL_PREF on in ANNOUNCE lines. */
#ifndef LB_BGP_CONFIG_H
#define LB_BGP_CONFIG_H

#include <jansson.h>

#include "bgp_peer.h"
#include "err.h"

/* Go duration text as Kubernetes writes it ("90s", "1m30s", "500ms") in
 * whole seconds, rounded down. */
int lb_bgp_duration_parse(const char *s, unsigned long *seconds, struct lb_err *err);

/* A BGPPeer's spec over the defaults in *out: myASN, peerASN, peerAddress
 * (required), peerPort, sourceAddress, routerID, holdTime, password,
 * ebgpMultiHop (TTL 255), and the lbkit extension passive. name receives
 * metadata.name. Strings in *out point into obj, which must outlive it. */
int lb_bgp_peer_from_object(const json_t *obj, struct lb_bgp_peer_config *out, char *name,
			    size_t name_size, struct lb_err *err);

/* Adds a Community object's spec.communities[] {name, value} to aliases
 * (a JSON object name -> value). */
int lb_bgp_community_aliases_add(json_t *aliases, const json_t *obj, struct lb_err *err);

#endif
