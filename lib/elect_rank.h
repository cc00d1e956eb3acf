/* The layer 2 rank: the order in which the eligible nodes of a Service
 * claim its addresses, as MetalLB's speaker computes it, so a cluster that
 * moves from MetalLB to lbkit keeps each address on the node that had it. */
#ifndef LB_ELECT_RANK_H
#define LB_ELECT_RANK_H

#include <stddef.h>

#include "addr.h"

#define LB_ELECT_RANK_LEN 32

/* SHA-256 of the bytes of node, '#', and ip; nodes are ordered by it as a
 * big-endian number (memcmp), lowest first. Returns -1 when the digest
 * cannot be computed (libcrypto out of memory). */
int lb_elect_l2_rank(const char *node, const char *ip, unsigned char out[LB_ELECT_RANK_LEN]);

/* The text MetalLB hashes for an address: Go's net.IP String() of the
 * parsed address, i.e. dotted decimal for IPv4 and for IPv4-mapped IPv6,
 * RFC 5952 text for other IPv6. Returns -1 when text is not an address
 * (MetalLB then announces nothing for the Service). */
int lb_elect_rank_ip(const char *text, char buf[LB_ADDR_STRLEN]);

#endif
