#include "arp_frame.h"

#include <stdio.h>
#include <string.h>

#include "buf.h"

#define ETHERTYPE_ARP 0x0806
#define ETHERTYPE_IPV6 0x86dd
#define IPPROTO_ICMPV6_ 58
#define ICMPV6_NS 135
#define ICMPV6_NA 136
#define NDP_OPT_SLLA 1
#define NDP_OPT_TLLA 2
#define IPV6_HLEN 40
#define NDP_BODY_LEN 24 /* type, code, checksum, reserved/flags, target */

const uint8_t lb_arp_frame_broadcast[LB_ETH_ALEN] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static void set_v4(struct lb_addr *a, const uint8_t b[4])
{
	memset(a, 0, sizeof(*a));
	a->family = LB_AF_INET;
	memcpy(a->b + 12, b, 4);
}

static void set_v6(struct lb_addr *a, const uint8_t b[16])
{
	a->family = LB_AF_INET6;
	memcpy(a->b, b, 16);
}

static bool v6_is_multicast(const struct lb_addr *a)
{
	return a->b[0] == 0xff;
}

static bool v6_is_unspecified(const struct lb_addr *a)
{
	static const uint8_t zero[16];
	return !memcmp(a->b, zero, 16);
}

/* RFC 4443 §2.3: the one's complement sum over the RFC 8200 §8.1
 * pseudo-header and the ICMPv6 message. */
static uint16_t icmp6_checksum(const uint8_t src[16], const uint8_t dst[16], const uint8_t *msg,
			       size_t len)
{
	uint32_t sum = 0;
	for (int i = 0; i < 16; i += 2)
		sum += lb_be16(src + i) + lb_be16(dst + i);
	sum += (uint32_t)(len >> 16) + (uint32_t)(len & 0xffff) + IPPROTO_ICMPV6_;
	size_t i;
	for (i = 0; i + 1 < len; i += 2)
		sum += lb_be16(msg + i);
	if (i < len)
		sum += (uint32_t)msg[i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static int parse_arp(struct lb_buf *b, struct lb_arp_frame *f, struct lb_err *err)
{
	uint16_t htype, ptype, op;
	uint8_t hlen, plen, spa[4], tpa[4];
	if (lb_buf_get_u16(b, &htype) < 0 || lb_buf_get_u16(b, &ptype) < 0 ||
	    lb_buf_get_u8(b, &hlen) < 0 || lb_buf_get_u8(b, &plen) < 0 ||
	    lb_buf_get_u16(b, &op) < 0)
		return lb_err_set(err, "ARP: truncated header (%zu bytes)", lb_buf_left(b));
	/* RFC 826: only Ethernet hardware (1) carrying IPv4 is ours; the
	 * length fields must agree with those types, or every offset after
	 * them would be wrong. */
	if (htype != 1)
		return lb_err_set(err, "ARP: hardware type %u is not Ethernet", htype);
	if (ptype != 0x0800)
		return lb_err_set(err, "ARP: protocol type 0x%04x is not IPv4", ptype);
	if (hlen != LB_ETH_ALEN)
		return lb_err_set(err, "ARP: hardware address length %u, expected 6", hlen);
	if (plen != 4)
		return lb_err_set(err, "ARP: protocol address length %u, expected 4", plen);
	if (op != 1 && op != 2)
		return lb_err_set(err, "ARP: operation %u is neither request nor reply", op);
	if (lb_buf_get_bytes(b, f->sha, LB_ETH_ALEN) < 0 || lb_buf_get_bytes(b, spa, 4) < 0 ||
	    lb_buf_get_bytes(b, f->tha, LB_ETH_ALEN) < 0 || lb_buf_get_bytes(b, tpa, 4) < 0)
		return lb_err_set(err, "ARP: truncated addresses");
	set_v4(&f->spa, spa);
	set_v4(&f->tpa, tpa);
	f->kind = op == 1 ? LB_ARP_FRAME_ARP_REQUEST : LB_ARP_FRAME_ARP_REPLY;
	return 1;
}

/* RFC 4861 §4.6: options are (type, length in units of 8 octets, value);
 * a zero length is invalid and the whole message is discarded. */
static int parse_ndp_options(struct lb_buf *b, uint8_t want, struct lb_arp_frame *f,
			     struct lb_err *err)
{
	while (lb_buf_left(b)) {
		uint8_t type, units;
		struct lb_buf opt;
		if (lb_buf_get_u8(b, &type) < 0 || lb_buf_get_u8(b, &units) < 0)
			return lb_err_set(err, "NDP: truncated option header");
		if (units == 0)
			return lb_err_set(err, "NDP: option %u has length 0", type);
		if (lb_buf_sub(b, (size_t)units * 8 - 2, &opt) < 0)
			return lb_err_set(err, "NDP: option %u (%u bytes) runs past the message",
					  type, units * 8u);
		if (type != NDP_OPT_SLLA && type != NDP_OPT_TLLA)
			continue; /* §4.6: unknown options are skipped */
		/* RFC 2464 §8: on Ethernet the link-layer option is 8 bytes. */
		if (units != 1)
			return lb_err_set(err, "NDP: link-layer address option of %u bytes, expected 8",
					  units * 8u);
		if (type != want)
			continue;
		if (lb_buf_get_bytes(&opt, f->lladdr, LB_ETH_ALEN) < 0)
			return lb_err_set(err, "NDP: truncated link-layer address");
		f->has_lladdr = true;
	}
	return 0;
}

static int parse_ipv6(struct lb_buf *b, struct lb_arp_frame *f, struct lb_err *err)
{
	uint32_t vtcfl;
	uint16_t plen;
	uint8_t next, hops, src[16], dst[16];
	if (lb_buf_get_u32(b, &vtcfl) < 0 || lb_buf_get_u16(b, &plen) < 0 ||
	    lb_buf_get_u8(b, &next) < 0 || lb_buf_get_u8(b, &hops) < 0 ||
	    lb_buf_get_bytes(b, src, 16) < 0 || lb_buf_get_bytes(b, dst, 16) < 0)
		return lb_err_set(err, "IPv6: truncated header (%zu bytes)", lb_buf_left(b));
	if (vtcfl >> 28 != 6)
		return lb_err_set(err, "IPv6: version %u", (unsigned)(vtcfl >> 28));
	/* NDP messages carry no extension headers in practice; anything else
	 * is not a message this tool answers. */
	if (next != IPPROTO_ICMPV6_)
		return 0;
	/* The payload length may be shorter than the frame (Ethernet pads to
	 * 60 bytes) but never longer. */
	struct lb_buf msg;
	if (lb_buf_sub(b, plen, &msg) < 0)
		return lb_err_set(err, "IPv6: payload length %u exceeds the frame's %zu bytes", plen,
				  lb_buf_left(b));
	const uint8_t *start = lb_buf_ptr(&msg);
	uint8_t type, code;
	uint16_t cksum;
	uint32_t flags;
	if (lb_buf_get_u8(&msg, &type) < 0 || lb_buf_get_u8(&msg, &code) < 0)
		return lb_err_set(err, "ICMPv6: truncated header");
	if (type != ICMPV6_NS && type != ICMPV6_NA)
		return 0;
	const char *name = type == ICMPV6_NS ? "NS" : "NA";
	/* RFC 4861 §7.1.1 and §7.1.2: the validity checks a node must make
	 * before acting on a solicitation or advertisement. */
	if (plen < NDP_BODY_LEN)
		return lb_err_set(err, "%s: ICMPv6 length %u is below 24", name, plen);
	if (hops != 255)
		return lb_err_set(err, "%s: hop limit %u, not 255 (sent from off-link)", name, hops);
	if (code != 0)
		return lb_err_set(err, "%s: ICMP code %u, not 0", name, code);
	if (icmp6_checksum(src, dst, start, plen) != 0)
		return lb_err_set(err, "%s: bad ICMPv6 checksum", name);
	uint8_t target[16];
	if (lb_buf_get_u16(&msg, &cksum) < 0 || lb_buf_get_u32(&msg, &flags) < 0 ||
	    lb_buf_get_bytes(&msg, target, 16) < 0)
		return lb_err_set(err, "%s: truncated", name);
	set_v6(&f->ip_src, src);
	set_v6(&f->ip_dst, dst);
	set_v6(&f->target, target);
	if (v6_is_multicast(&f->target))
		return lb_err_set(err, "%s: target is a multicast address", name);
	/* RFC 4291 §2.7: a multicast address is never a packet's source. */
	if (v6_is_multicast(&f->ip_src))
		return lb_err_set(err, "%s: source is a multicast address", name);
	f->kind = type == ICMPV6_NS ? LB_ARP_FRAME_NS : LB_ARP_FRAME_NA;
	f->na_flags = type == ICMPV6_NA ? (uint8_t)(flags >> 24) : 0;
	if (parse_ndp_options(&msg, type == ICMPV6_NS ? NDP_OPT_SLLA : NDP_OPT_TLLA, f, err) < 0)
		return -1;
	if (type == ICMPV6_NS && v6_is_unspecified(&f->ip_src)) {
		/* §7.1.1: a DAD probe goes to a solicited-node group and has no
		 * source link-layer option. */
		if (f->has_lladdr)
			return lb_err_set(err, "NS: unspecified source with a link-layer option");
		if (!v6_is_multicast(&f->ip_dst) || f->ip_dst.b[1] != 0x02 || f->ip_dst.b[11] != 1 ||
		    f->ip_dst.b[12] != 0xff)
			return lb_err_set(err, "NS: unspecified source to a non solicited-node address");
	}
	if (type == ICMPV6_NA && v6_is_multicast(&f->ip_dst) && (f->na_flags & LB_NA_SOLICITED))
		return lb_err_set(err, "NA: Solicited flag on a multicast advertisement");
	return 1;
}

int lb_arp_frame_parse(const uint8_t *frame, size_t len, struct lb_arp_frame *out,
		       struct lb_err *err)
{
	struct lb_buf b;
	uint16_t ethertype;
	memset(out, 0, sizeof(*out));
	lb_buf_init(&b, frame, len);
	if (lb_buf_get_bytes(&b, out->eth_dst, LB_ETH_ALEN) < 0 ||
	    lb_buf_get_bytes(&b, out->eth_src, LB_ETH_ALEN) < 0 || lb_buf_get_u16(&b, &ethertype) < 0)
		return lb_err_set(err, "Ethernet: truncated header (%zu bytes)", len);
	if (ethertype == ETHERTYPE_ARP)
		return parse_arp(&b, out, err);
	if (ethertype == ETHERTYPE_IPV6)
		return parse_ipv6(&b, out, err);
	return 0;
}

static void put_addr(struct lb_wbuf *w, const struct lb_addr *a)
{
	if (a->family == LB_AF_INET)
		lb_wbuf_put_bytes(w, a->b + 12, 4);
	else
		lb_wbuf_put_bytes(w, a->b, 16);
}

static void put_eth(struct lb_wbuf *w, const uint8_t dst[LB_ETH_ALEN],
		    const uint8_t src[LB_ETH_ALEN], uint16_t type)
{
	lb_wbuf_put_bytes(w, dst, LB_ETH_ALEN);
	lb_wbuf_put_bytes(w, src, LB_ETH_ALEN);
	lb_wbuf_put_u16(w, type);
}

size_t lb_arp_frame_build_arp(uint8_t *out, size_t cap, const uint8_t eth_dst[LB_ETH_ALEN],
			      const uint8_t eth_src[LB_ETH_ALEN], uint16_t op,
			      const uint8_t sha[LB_ETH_ALEN], const struct lb_addr *spa,
			      const uint8_t tha[LB_ETH_ALEN], const struct lb_addr *tpa)
{
	struct lb_wbuf w;
	if (spa->family != LB_AF_INET || tpa->family != LB_AF_INET)
		return 0;
	lb_wbuf_init_fixed(&w, out, cap);
	put_eth(&w, eth_dst, eth_src, ETHERTYPE_ARP);
	lb_wbuf_put_u16(&w, 1);
	lb_wbuf_put_u16(&w, 0x0800);
	lb_wbuf_put_u8(&w, LB_ETH_ALEN);
	lb_wbuf_put_u8(&w, 4);
	lb_wbuf_put_u16(&w, op);
	lb_wbuf_put_bytes(&w, sha, LB_ETH_ALEN);
	put_addr(&w, spa);
	lb_wbuf_put_bytes(&w, tha, LB_ETH_ALEN);
	put_addr(&w, tpa);
	return lb_wbuf_error(&w) < 0 ? 0 : lb_wbuf_len(&w);
}

/* Ethernet + IPv6 + an NS or NA for target, with at most one link-layer
 * option; the checksum is patched in once the message is complete. */
static size_t build_ndp(uint8_t *out, size_t cap, const uint8_t eth_dst[LB_ETH_ALEN],
			const uint8_t eth_src[LB_ETH_ALEN], const struct lb_addr *src,
			const struct lb_addr *dst, uint8_t type, uint8_t flags,
			const struct lb_addr *target, uint8_t opt_type)
{
	struct lb_wbuf w;
	if (src->family != LB_AF_INET6 || dst->family != LB_AF_INET6 ||
	    target->family != LB_AF_INET6)
		return 0;
	size_t plen = NDP_BODY_LEN + (opt_type ? 8 : 0);
	lb_wbuf_init_fixed(&w, out, cap);
	put_eth(&w, eth_dst, eth_src, ETHERTYPE_IPV6);
	lb_wbuf_put_u32(&w, 6u << 28);
	lb_wbuf_put_u16(&w, (uint16_t)plen);
	lb_wbuf_put_u8(&w, IPPROTO_ICMPV6_);
	lb_wbuf_put_u8(&w, 255); /* RFC 4861 §7.1: receivers drop anything else */
	put_addr(&w, src);
	put_addr(&w, dst);
	size_t icmp = lb_wbuf_len(&w);
	lb_wbuf_put_u8(&w, type);
	lb_wbuf_put_u8(&w, 0);
	lb_wbuf_put_u16(&w, 0);
	lb_wbuf_put_u8(&w, flags);
	lb_wbuf_put_zero(&w, 3);
	put_addr(&w, target);
	if (opt_type) {
		lb_wbuf_put_u8(&w, opt_type);
		lb_wbuf_put_u8(&w, 1);
		lb_wbuf_put_bytes(&w, eth_src, LB_ETH_ALEN);
	}
	if (lb_wbuf_error(&w) < 0)
		return 0;
	lb_wbuf_patch_u16(&w, icmp + 2,
			  icmp6_checksum(src->b, dst->b, lb_wbuf_data(&w) + icmp, plen));
	return lb_wbuf_error(&w) < 0 ? 0 : lb_wbuf_len(&w);
}

size_t lb_arp_frame_build_ns(uint8_t *out, size_t cap, const uint8_t eth_dst[LB_ETH_ALEN],
			     const uint8_t eth_src[LB_ETH_ALEN], const struct lb_addr *src,
			     const struct lb_addr *dst, const struct lb_addr *target)
{
	uint8_t opt = v6_is_unspecified(src) ? 0 : NDP_OPT_SLLA;
	return build_ndp(out, cap, eth_dst, eth_src, src, dst, ICMPV6_NS, 0, target, opt);
}

size_t lb_arp_frame_build_na(uint8_t *out, size_t cap, const uint8_t eth_dst[LB_ETH_ALEN],
			     const uint8_t eth_src[LB_ETH_ALEN], const struct lb_addr *dst,
			     const struct lb_addr *target, uint8_t flags)
{
	return build_ndp(out, cap, eth_dst, eth_src, target, dst, ICMPV6_NA, flags, target,
			 NDP_OPT_TLLA);
}

size_t lb_arp_frame_answer(const struct lb_arp_frame *req, const uint8_t mac[LB_ETH_ALEN],
			   uint8_t *out, size_t cap)
{
	if (req->kind == LB_ARP_FRAME_ARP_REQUEST) {
		/* A request whose sender claims the target itself is another
		 * host's announcement (RFC 5227 §2.3), not a question. A probe
		 * (sender 0.0.0.0, §2.1.1) is answered, which defends the
		 * address. */
		if (lb_addr_eq(&req->spa, &req->tpa))
			return 0;
		return lb_arp_frame_build_arp(out, cap, req->sha, mac, 2, mac, &req->tpa, req->sha,
					      &req->spa);
	}
	if (req->kind != LB_ARP_FRAME_NS)
		return 0;
	if (v6_is_unspecified(&req->ip_src)) {
		/* RFC 4861 §7.2.4: a DAD probe is answered to all-nodes,
		 * without the Solicited flag. */
		struct lb_addr all_nodes = {LB_AF_INET6, {0xff, 0x02, [15] = 1}};
		uint8_t group_mac[LB_ETH_ALEN];
		lb_arp_frame_mcast_mac(&all_nodes, group_mac);
		return lb_arp_frame_build_na(out, cap, group_mac, mac, &all_nodes, &req->target,
					     LB_NA_OVERRIDE);
	}
	/* Unicast to the soliciting node: at its source link-layer option,
	 * or, when it sent none (a unicast NUD probe), at the frame's source,
	 * since we keep no neighbour cache to look it up in. */
	const uint8_t *to = req->has_lladdr ? req->lladdr : req->eth_src;
	return lb_arp_frame_build_na(out, cap, to, mac, &req->ip_src, &req->target,
				     LB_NA_SOLICITED | LB_NA_OVERRIDE);
}

int lb_arp_frame_claim(const struct lb_arp_frame *f, struct lb_addr *ip,
		       uint8_t mac[LB_ETH_ALEN])
{
	static const uint8_t zero[16];
	const uint8_t *from = f->has_lladdr ? f->lladdr : f->eth_src;
	switch (f->kind) {
	case LB_ARP_FRAME_ARP_REQUEST:
	case LB_ARP_FRAME_ARP_REPLY:
		*ip = f->spa;
		from = f->sha;
		break;
	case LB_ARP_FRAME_NS:
		*ip = f->ip_src;
		break;
	case LB_ARP_FRAME_NA:
		*ip = f->target;
		break;
	default:
		return 0;
	}
	if (!memcmp(ip->b, zero, 16))
		return 0;
	memcpy(mac, from, LB_ETH_ALEN);
	return 1;
}

void lb_arp_frame_solicited_node(const struct lb_addr *a, struct lb_addr *group)
{
	memset(group, 0, sizeof(*group));
	group->family = LB_AF_INET6;
	group->b[0] = 0xff;
	group->b[1] = 0x02;
	group->b[11] = 0x01;
	group->b[12] = 0xff;
	memcpy(group->b + 13, a->b + 13, 3);
}

void lb_arp_frame_mcast_mac(const struct lb_addr *group, uint8_t mac[LB_ETH_ALEN])
{
	mac[0] = 0x33;
	mac[1] = 0x33;
	memcpy(mac + 2, group->b + 12, 4);
}

const char *lb_arp_frame_format_mac(const uint8_t mac[LB_ETH_ALEN], bool upper, char buf[18])
{
	snprintf(buf, 18, upper ? "%02X:%02X:%02X:%02X:%02X:%02X" : "%02x:%02x:%02x:%02x:%02x:%02x",
		 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	return buf;
}

int lb_arp_frame_parse_mac(const char *s, uint8_t mac[LB_ETH_ALEN])
{
	unsigned v[LB_ETH_ALEN];
	char tail;
	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
		   &tail) != 6)
		return -1;
	for (int i = 0; i < LB_ETH_ALEN; i++)
		mac[i] = (uint8_t)v[i];
	return 0;
}
