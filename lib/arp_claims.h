/* Who claims which IP on a LAN, for spotting two hosts answering for one
 * address (the split brain of layer-2 load balancing). Pure bookkeeping:
 * the caller feeds it claims (lb_arp_frame_claim) with their times. */
#ifndef LB_ARP_CLAIMS_H
#define LB_ARP_CLAIMS_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "arp_frame.h"

struct lb_arp_claims;

/* Two MACs claiming one IP within window_ms are a conflict; at most max
 * addresses are tracked (0: 65536), so a flood of made-up senders cannot
 * exhaust memory. NULL when memory runs out. */
struct lb_arp_claims *lb_arp_claims_new(uint64_t window_ms, size_t max);
void lb_arp_claims_free(struct lb_arp_claims *c);

enum lb_arp_claim_result {
	LB_ARP_CLAIM_UNTRACKED = -1, /* table full or out of memory */
	LB_ARP_CLAIM_OK = 0,         /* first or same claimant, or after the window */
	LB_ARP_CLAIM_CONFLICT = 1,   /* *prev holds the other claimant's MAC */
};

/* Records that mac claims ip at now_ms (a clock that does not go back).
 * Memory is allocated only for an address not seen before. */
enum lb_arp_claim_result lb_arp_claims_note(struct lb_arp_claims *c, const struct lb_addr *ip,
					    const uint8_t mac[LB_ETH_ALEN], uint64_t now_ms,
					    uint8_t prev[LB_ETH_ALEN]);
size_t lb_arp_claims_count(const struct lb_arp_claims *c);

#endif
