/* Ethernet frames carrying ARP (RFC 826) and IPv6 Neighbor Discovery
 * (RFC 4861 Neighbor Solicitation and Advertisement): a parser that reads
 * only through lib/buf.h's bounded cursor and builders that write into
 * caller memory. No I/O and no allocation, so the capture loop can call
 * them per packet and the unit tests and fuzzer can drive them directly. */
#ifndef LB_ARP_FRAME_H
#define LB_ARP_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "err.h"

#define LB_ETH_ALEN 6
#define LB_ETH_HLEN 14
#define LB_ARP_FRAME_LEN 42 /* Ethernet + ARP for IPv4; the NIC pads to 60 */
#define LB_NDP_FRAME_MAX 86 /* Ethernet + IPv6 + NS/NA + one link-layer option */

enum lb_arp_frame_kind {
	LB_ARP_FRAME_ARP_REQUEST = 1,
	LB_ARP_FRAME_ARP_REPLY,
	LB_ARP_FRAME_NS,
	LB_ARP_FRAME_NA,
};

/* RFC 4861 §4.4 flag bits, in the first byte of the NA's reserved word. */
enum {
	LB_NA_ROUTER = 0x80,
	LB_NA_SOLICITED = 0x40,
	LB_NA_OVERRIDE = 0x20,
};

struct lb_arp_frame {
	enum lb_arp_frame_kind kind;
	uint8_t eth_dst[LB_ETH_ALEN], eth_src[LB_ETH_ALEN];
	/* ARP: sender and target hardware and protocol addresses. */
	uint8_t sha[LB_ETH_ALEN], tha[LB_ETH_ALEN];
	struct lb_addr spa, tpa;
	/* NDP: the IPv6 header's addresses, the NS/NA target, NA flags, and
	 * the source (NS) or target (NA) link-layer address option. */
	struct lb_addr ip_src, ip_dst, target;
	uint8_t na_flags;
	bool has_lladdr;
	uint8_t lladdr[LB_ETH_ALEN];
};

/* Parses one captured Ethernet frame. Returns 1 with *out filled for an ARP
 * request/reply or an NS/NA; 0 for a frame that is none of these (another
 * EtherType, another ICMPv6 type, an IPv6 extension header) and is simply
 * not ours to look at; -1 with err naming the defect for a malformed one
 * (truncated, wrong hardware/protocol length, bad checksum, hop limit other
 * than 255, bad option...), which the caller counts and drops. */
int lb_arp_frame_parse(const uint8_t *frame, size_t len, struct lb_arp_frame *out,
		       struct lb_err *err);

/* Each builder writes a complete frame into out and returns its length,
 * or 0 when cap is too small. */
size_t lb_arp_frame_build_arp(uint8_t *out, size_t cap, const uint8_t eth_dst[LB_ETH_ALEN],
			      const uint8_t eth_src[LB_ETH_ALEN], uint16_t op,
			      const uint8_t sha[LB_ETH_ALEN], const struct lb_addr *spa,
			      const uint8_t tha[LB_ETH_ALEN], const struct lb_addr *tpa);
/* An NS for target from src (the unspecified address for DAD, in which
 * case no source link-layer option is sent, RFC 4861 §7.2.2) to dst. */
size_t lb_arp_frame_build_ns(uint8_t *out, size_t cap, const uint8_t eth_dst[LB_ETH_ALEN],
			     const uint8_t eth_src[LB_ETH_ALEN], const struct lb_addr *src,
			     const struct lb_addr *dst, const struct lb_addr *target);
/* An NA for target, sent from target itself, with the target link-layer
 * option carrying eth_src. */
size_t lb_arp_frame_build_na(uint8_t *out, size_t cap, const uint8_t eth_dst[LB_ETH_ALEN],
			     const uint8_t eth_src[LB_ETH_ALEN], const struct lb_addr *dst,
			     const struct lb_addr *target, uint8_t flags);

/* The answer a host owning the requested address gives, built into out:
 * an ARP reply unicast to the requester (RFC 826), or an NA with the
 * Solicited and Override flags to the solicitation's source (RFC 4861
 * §7.2.4). Returns the frame's length, or 0 when the request must go
 * unanswered (not a request, or someone else announcing the address). */
size_t lb_arp_frame_answer(const struct lb_arp_frame *req, const uint8_t mac[LB_ETH_ALEN],
			   uint8_t *out, size_t cap);

/* The address a frame claims for its sender, and the MAC it claims it
 * at: an ARP packet's sender pair (not 0.0.0.0: an RFC 5227 probe claims
 * nothing), an NA's target with its target link-layer address, an NS's
 * non-zero source with its source link-layer address (the frame's source
 * MAC when the option is absent). Returns 1 when the frame claims one. */
int lb_arp_frame_claim(const struct lb_arp_frame *f, struct lb_addr *ip,
		       uint8_t mac[LB_ETH_ALEN]);

/* The solicited-node multicast address of a (RFC 4291 §2.7.1) and the
 * Ethernet group it maps to (RFC 2464 §7). */
void lb_arp_frame_solicited_node(const struct lb_addr *a, struct lb_addr *group);
void lb_arp_frame_mcast_mac(const struct lb_addr *group, uint8_t mac[LB_ETH_ALEN]);

/* "02:00:00:00:00:01" (lower case; upper with upper set), 18 bytes. */
const char *lb_arp_frame_format_mac(const uint8_t mac[LB_ETH_ALEN], bool upper, char buf[18]);
int lb_arp_frame_parse_mac(const char *s, uint8_t mac[LB_ETH_ALEN]);

extern const uint8_t lb_arp_frame_broadcast[LB_ETH_ALEN];

#endif
