/* BGP UPDATE messages (RFC 4271 §4.3): decoding with the revised error
 * handling of RFC 7606, and a builder that packs prefixes sharing one set of
 * attributes into as few messages as fit (IPv6 through MP_REACH_NLRI and
 * MP_UNREACH_NLRI, RFC 4760). Pure code, no I/O. */
#ifndef LB_BGP_UPDATE_H
#define LB_BGP_UPDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "bgp_msg.h"
#include "buf.h"
#include "err.h"

enum {
	LB_BGP_ATTR_ORIGIN = 1,
	LB_BGP_ATTR_AS_PATH = 2,
	LB_BGP_ATTR_NEXT_HOP = 3,
	LB_BGP_ATTR_MED = 4,
	LB_BGP_ATTR_LOCAL_PREF = 5,
	LB_BGP_ATTR_ATOMIC_AGGREGATE = 6,
	LB_BGP_ATTR_AGGREGATOR = 7,
	LB_BGP_ATTR_COMMUNITIES = 8,       /* RFC 1997 */
	LB_BGP_ATTR_ORIGINATOR_ID = 9,     /* RFC 4456 */
	LB_BGP_ATTR_CLUSTER_LIST = 10,
	LB_BGP_ATTR_MP_REACH_NLRI = 14,    /* RFC 4760 */
	LB_BGP_ATTR_MP_UNREACH_NLRI = 15,
	LB_BGP_ATTR_EXT_COMMUNITIES = 16,  /* RFC 4360 */
	LB_BGP_ATTR_AS4_PATH = 17,         /* RFC 6793 */
	LB_BGP_ATTR_AS4_AGGREGATOR = 18,
	LB_BGP_ATTR_LARGE_COMMUNITIES = 32, /* RFC 8092 */

	LB_BGP_ATTR_FLAG_OPTIONAL = 0x80,
	LB_BGP_ATTR_FLAG_TRANSITIVE = 0x40,
	LB_BGP_ATTR_FLAG_PARTIAL = 0x20,
	LB_BGP_ATTR_FLAG_EXTLEN = 0x10,

	LB_BGP_ORIGIN_IGP = 0,
	LB_BGP_ORIGIN_EGP = 1,
	LB_BGP_ORIGIN_INCOMPLETE = 2,

	LB_BGP_AS_SET = 1,
	LB_BGP_AS_SEQUENCE = 2,
	LB_BGP_AS_CONFED_SEQUENCE = 3, /* RFC 5065 */
	LB_BGP_AS_CONFED_SET = 4,
};

/* Well-known communities (RFC 1997, RFC 7999, RFC 8326). */
#define LB_BGP_COMMUNITY_NO_EXPORT 0xFFFFFF01u
#define LB_BGP_COMMUNITY_NO_ADVERTISE 0xFFFFFF02u
#define LB_BGP_COMMUNITY_NO_EXPORT_SUBCONFED 0xFFFFFF03u
#define LB_BGP_COMMUNITY_GRACEFUL_SHUTDOWN 0xFFFF0000u
#define LB_BGP_COMMUNITY_BLACKHOLE 0xFFFF029Au

/* What the OPEN exchange settled, which decides how an UPDATE reads. */
struct lb_bgp_session {
	bool as4;     /* both sides sent the 4-octet AS capability (RFC 6793) */
	bool ebgp;
	uint32_t peer_asn;
	/* RFC 4271 §6.3 (optional check): an eBGP route's leftmost AS is the
	 * peer's. Off for route servers, which do not prepend themselves. */
	bool check_first_as;
	/* Families agreed with the multiprotocol capability. MP attributes of
	 * other families are skipped, not parsed; the IPv4 NLRI field is always
	 * read (RFC 4760 §1). */
	bool mp_ipv4, mp_ipv6;
};

/* A run of prefixes of one family, already validated by the decoder. Walk it
 * with lb_bgp_nlri_next on a copy of raw. */
struct lb_bgp_nlri {
	bool present; /* the field or attribute was in the message */
	bool parsed;  /* a family we read (IPv4/IPv6 unicast, negotiated) */
	uint16_t afi;
	uint8_t safi;
	unsigned count;
	struct lb_buf raw;
};

/* 1 with *out filled, 0 at the end, -1 on malformed bytes (never for a run
 * the decoder accepted). Host bits after the length are cleared. */
int lb_bgp_nlri_next(struct lb_buf *cur, uint16_t afi, struct lb_prefix *out);

struct lb_bgp_large_community {
	uint32_t global, local1, local2;
};

/* Received path attributes. Variable-length ones stay as validated raw bytes
 * pointing into the message; present has bit (1 << type) for each attribute
 * kept (types under 64), so the caller can count them. */
struct lb_bgp_attrs {
	uint64_t present;
	uint8_t origin;
	struct lb_buf as_path;  /* segments with as_size-byte ASNs */
	uint8_t as_size;        /* 2 or 4 */
	struct lb_buf as4_path; /* kept only on a 2-octet session (RFC 6793 §4.2.3) */
	unsigned as_path_len;   /* RFC 4271 §9.1.2.2 count of the effective path */
	uint8_t next_hop[4];
	uint32_t med, local_pref, originator_id;
	uint32_t aggregator_as;
	uint8_t aggregator_addr[4];
	struct lb_buf communities; /* 4 bytes each */
	unsigned n_communities;
	struct lb_buf large_communities; /* 12 bytes each */
	unsigned n_large_communities;
	struct lb_buf ext_communities; /* 8 bytes each */
	unsigned n_ext_communities;
	unsigned n_cluster_ids;
	/* MP_REACH_NLRI next hop: one global address, and a link-local one
	 * when the length is 32 (RFC 2545 §3). */
	struct lb_addr mp_next_hop, mp_next_hop_ll;
	bool mp_has_ll;
	unsigned n_unknown; /* unrecognized optional attributes (passed over) */
};

/* Walks the effective AS path: on a 2-octet session with a usable AS4_PATH,
 * the leading part of AS_PATH then AS4_PATH (RFC 6793 §4.2.3). */
struct lb_bgp_aspath_iter {
	struct lb_buf path, seg;
	uint8_t as_size, seg_type;
	bool in_as4, limited;
	unsigned remaining; /* ASNs still taken from AS_PATH when limited */
	struct lb_buf as4;
};
void lb_bgp_aspath_iter_init(struct lb_bgp_aspath_iter *it, const struct lb_bgp_attrs *a);
/* 1 with the segment type and ASN, 0 at the end. */
int lb_bgp_aspath_next(struct lb_bgp_aspath_iter *it, uint8_t *seg_type, uint32_t *asn);

/* How an attribute error was handled (RFC 7606 §2). */
enum lb_bgp_err_action {
	LB_BGP_ACT_NONE = 0,
	LB_BGP_ACT_DISCARD,  /* the attribute was dropped, routes kept */
	LB_BGP_ACT_WITHDRAW, /* treat-as-withdraw: every NLRI in the message is withdrawn */
	LB_BGP_ACT_RESET,    /* session reset: the decoder returned -1 */
};

struct lb_bgp_update_error {
	uint8_t action;    /* enum lb_bgp_err_action */
	uint8_t subcode;   /* UPDATE Message Error subcode it would have been */
	uint8_t attr_type; /* 0 when not about one attribute */
	char reason[160];
};

struct lb_bgp_update {
	struct lb_bgp_nlri withdrawn;  /* IPv4 Withdrawn Routes field */
	struct lb_bgp_nlri nlri;       /* IPv4 NLRI field */
	struct lb_bgp_nlri mp_reach;   /* NLRI of MP_REACH_NLRI */
	struct lb_bgp_nlri mp_unreach; /* withdrawn routes of MP_UNREACH_NLRI */
	struct lb_bgp_attrs attrs;
	/* RFC 4724 §2: an UPDATE with nothing in it (IPv4) or with only an
	 * empty MP_UNREACH_NLRI (that family) ends the initial table. */
	bool end_of_rib;
	uint16_t eor_afi;
	uint8_t eor_safi;
	/* RFC 7606 outcomes: when treat_as_withdraw is set, nlri and mp_reach
	 * must be handled as withdrawn. */
	bool treat_as_withdraw;
	unsigned n_withdraw_errors, n_discard_errors, n_duplicates;
	struct lb_bgp_update_error first_error; /* the first one, for the log */
};

/* Decodes one whole UPDATE (header included) that lb_bgp_header_decode
 * accepted. 0: usable (check treat_as_withdraw); -1: the session must be
 * reset with the NOTIFICATION in *n. u points into msg afterwards. */
int lb_bgp_update_decode(const uint8_t *msg, size_t len, const struct lb_bgp_session *s,
			 struct lb_bgp_update *u, struct lb_bgp_notify *n);

/* Attributes we originate for a batch of prefixes. */
struct lb_bgp_route_attrs {
	uint8_t origin;
	const uint32_t *as_path; /* one AS_SEQUENCE, leftmost first; empty for iBGP */
	size_t as_path_len;
	struct lb_addr next_hop;    /* IPv4: NEXT_HOP attribute */
	struct lb_addr next_hop6;   /* IPv6: MP_REACH_NLRI global next hop */
	struct lb_addr next_hop6_ll; /* family 0: none */
	bool has_med, has_local_pref;
	uint32_t med, local_pref;
	const uint32_t *communities;
	size_t n_communities;
	const struct lb_bgp_large_community *large_communities;
	size_t n_large_communities;
};

/* Appends one UPDATE announcing as many of pfx[0..n) as fit into
 * LB_BGP_MAX_LEN bytes, stopping early at a change of family (IPv4 goes in
 * the NLRI field, IPv6 in MP_REACH_NLRI). *consumed says how many were
 * taken, so the caller loops until all are sent. -1 if not even one fits,
 * a prefix is invalid, or w ran out of room. */
int lb_bgp_update_encode_announce(struct lb_wbuf *w, const struct lb_bgp_session *s,
				  const struct lb_bgp_route_attrs *a, const struct lb_prefix *pfx,
				  size_t n, size_t *consumed, struct lb_err *err);
/* The same for withdrawals (Withdrawn Routes field, or MP_UNREACH_NLRI). */
int lb_bgp_update_encode_withdraw(struct lb_wbuf *w, const struct lb_prefix *pfx, size_t n,
				  size_t *consumed, struct lb_err *err);
/* RFC 4724 §2 End-of-RIB marker for one family (IPv4 or IPv6 unicast). */
void lb_bgp_update_encode_eor(struct lb_wbuf *w, uint16_t afi, uint8_t safi);

#endif
