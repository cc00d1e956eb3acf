/* Community values as operators write them: RFC 1997 "ASN:VALUE" or a
 * well-known name (no-export, no-advertise, no-export-subconfed,
 * graceful-shutdown, blackhole; MetalLB spells them the same), and RFC 8092
 * large communities "GLOBAL:LOCAL1:LOCAL2". */
#ifndef LB_BGP_COMMUNITY_H
#define LB_BGP_COMMUNITY_H

#include <stdint.h>

#include "bgp_update.h"
#include "err.h"

int lb_bgp_community_parse(const char *s, uint32_t *out, struct lb_err *err);
int lb_bgp_large_community_parse(const char *s, struct lb_bgp_large_community *out,
				 struct lb_err *err);

#endif
