#include "bgp_update.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- prefixes ---------------------------------------------------------- */

static unsigned afi_bits(uint16_t afi)
{
	return afi == LB_BGP_AFI_IPV4 ? 32 : afi == LB_BGP_AFI_IPV6 ? 128 : 0;
}

int lb_bgp_nlri_next(struct lb_buf *cur, uint16_t afi, struct lb_prefix *out)
{
	struct lb_buf b = *cur;
	uint8_t plen;
	unsigned max = afi_bits(afi);

	if (lb_buf_left(&b) == 0)
		return 0;
	if (max == 0 || lb_buf_get_u8(&b, &plen) == -1 || plen > max)
		return -1;
	memset(out, 0, sizeof(*out));
	/* RFC 4271 §4.3: the prefix holds just enough bytes for its length. */
	uint8_t *dst = max == 32 ? out->addr.b + 12 : out->addr.b;
	size_t nbytes = (plen + 7u) / 8u;
	if (lb_buf_get_bytes(&b, dst, nbytes) == -1)
		return -1;
	if (plen % 8)
		dst[nbytes - 1] &= (uint8_t)(0xff << (8 - plen % 8));
	out->addr.family = max == 32 ? LB_AF_INET : LB_AF_INET6;
	out->len = plen;
	*cur = b;
	return 1;
}

static int nlri_validate(struct lb_bgp_nlri *nl)
{
	struct lb_buf b = nl->raw;
	struct lb_prefix p;
	int r;

	nl->count = 0;
	while ((r = lb_bgp_nlri_next(&b, nl->afi, &p)) == 1)
		nl->count++;
	return r;
}

/* ---- error bookkeeping ------------------------------------------------- */

struct dec {
	const struct lb_bgp_session *s;
	struct lb_bgp_update *u;
	struct lb_bgp_notify *n;
	uint8_t seen[32]; /* bitmap of attribute types met, for RFC 7606 §3.g */
};

static void record(struct dec *d, uint8_t action, uint8_t subcode, uint8_t type,
		   const char *reason)
{
	struct lb_bgp_update_error *e = &d->u->first_error;

	if (action == LB_BGP_ACT_WITHDRAW) {
		d->u->treat_as_withdraw = true;
		d->u->n_withdraw_errors++;
	} else if (action == LB_BGP_ACT_DISCARD) {
		d->u->n_discard_errors++;
	}
	if (e->action != LB_BGP_ACT_NONE)
		return;
	e->action = action;
	e->subcode = subcode;
	e->attr_type = type;
	snprintf(e->reason, sizeof(e->reason), "%s", reason);
}

static int reset(struct dec *d, uint8_t subcode, uint8_t type, const void *data, size_t len,
		 const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static int reset(struct dec *d, uint8_t subcode, uint8_t type, const void *data, size_t len,
		 const char *fmt, ...)
{
	char reason[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	record(d, LB_BGP_ACT_RESET, subcode, type, reason);
	return lb_bgp_notify_set(d->n, LB_BGP_ERR_UPDATE, subcode, data, len, "UPDATE: %s", reason);
}

static void soft_error(struct dec *d, uint8_t action, uint8_t subcode, uint8_t type,
		       const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void soft_error(struct dec *d, uint8_t action, uint8_t subcode, uint8_t type,
		       const char *fmt, ...)
{
	char reason[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	record(d, action, subcode, type, reason);
}

/* RFC 7606 §7: what a malformed instance of each attribute costs. */
static uint8_t malformed_action(uint8_t type)
{
	switch (type) {
	case LB_BGP_ATTR_ATOMIC_AGGREGATE: /* §7.6 */
	case LB_BGP_ATTR_AGGREGATOR:       /* §7.7 */
	case LB_BGP_ATTR_AS4_PATH:         /* RFC 6793 §6 */
	case LB_BGP_ATTR_AS4_AGGREGATOR:
		return LB_BGP_ACT_DISCARD;
	case LB_BGP_ATTR_MP_REACH_NLRI: /* §5.3, §7.11: the NLRI cannot be trusted */
	case LB_BGP_ATTR_MP_UNREACH_NLRI:
		return LB_BGP_ACT_RESET;
	default:
		return LB_BGP_ACT_WITHDRAW;
	}
}

/* The attribute as received (flags, type, length, value) is the
 * NOTIFICATION data for attribute errors (RFC 4271 §6.3). */
struct attr {
	uint8_t flags, type;
	uint16_t len;
	struct lb_buf v;
	const uint8_t *whole;
	size_t whole_len;
};

static const char *attr_name(uint8_t type)
{
	switch (type) {
	case LB_BGP_ATTR_ORIGIN: return "ORIGIN";
	case LB_BGP_ATTR_AS_PATH: return "AS_PATH";
	case LB_BGP_ATTR_NEXT_HOP: return "NEXT_HOP";
	case LB_BGP_ATTR_MED: return "MULTI_EXIT_DISC";
	case LB_BGP_ATTR_LOCAL_PREF: return "LOCAL_PREF";
	case LB_BGP_ATTR_ATOMIC_AGGREGATE: return "ATOMIC_AGGREGATE";
	case LB_BGP_ATTR_AGGREGATOR: return "AGGREGATOR";
	case LB_BGP_ATTR_COMMUNITIES: return "COMMUNITIES";
	case LB_BGP_ATTR_ORIGINATOR_ID: return "ORIGINATOR_ID";
	case LB_BGP_ATTR_CLUSTER_LIST: return "CLUSTER_LIST";
	case LB_BGP_ATTR_MP_REACH_NLRI: return "MP_REACH_NLRI";
	case LB_BGP_ATTR_MP_UNREACH_NLRI: return "MP_UNREACH_NLRI";
	case LB_BGP_ATTR_EXT_COMMUNITIES: return "EXTENDED_COMMUNITIES";
	case LB_BGP_ATTR_AS4_PATH: return "AS4_PATH";
	case LB_BGP_ATTR_AS4_AGGREGATOR: return "AS4_AGGREGATOR";
	case LB_BGP_ATTR_LARGE_COMMUNITIES: return "LARGE_COMMUNITIES";
	default: return "attribute";
	}
}

static int malformed(struct dec *d, const struct attr *a, uint8_t subcode, const char *problem)
{
	uint8_t action = malformed_action(a->type);
	if (action == LB_BGP_ACT_RESET)
		return reset(d, subcode, a->type, a->whole, a->whole_len, "%s (type %u): %s",
			     attr_name(a->type), a->type, problem);
	soft_error(d, action, subcode, a->type, "%s (type %u): %s", attr_name(a->type), a->type,
		   problem);
	return 0;
}

static void keep(struct dec *d, uint8_t type)
{
	if (type < 64)
		d->u->attrs.present |= UINT64_C(1) << type;
}

/* ---- AS paths ---------------------------------------------------------- */

/* RFC 4271 §4.3 segments; RFC 7606 §7.2 adds that an empty segment or one
 * overrunning the attribute is malformed. Counts as RFC 4271 §9.1.2.2(a). */
static int aspath_validate(struct lb_buf b, uint8_t as_size, bool allow_confed, unsigned *count)
{
	*count = 0;
	while (lb_buf_left(&b) > 0) {
		uint8_t type, n;
		if (lb_buf_get_u8(&b, &type) == -1 || lb_buf_get_u8(&b, &n) == -1)
			return -1;
		if (type < LB_BGP_AS_SET || type > (allow_confed ? LB_BGP_AS_CONFED_SET
								 : LB_BGP_AS_SEQUENCE))
			return -1;
		if (n == 0 || lb_buf_skip(&b, (size_t)n * as_size) == -1)
			return -1;
		if (type == LB_BGP_AS_SEQUENCE)
			*count += n;
		else if (type == LB_BGP_AS_SET)
			*count += 1;
	}
	return 0;
}

static uint32_t get_asn(struct lb_buf *b, uint8_t as_size)
{
	uint16_t v16;
	uint32_t v32;
	if (as_size == 4)
		return lb_buf_get_u32(b, &v32) == 0 ? v32 : 0;
	return lb_buf_get_u16(b, &v16) == 0 ? v16 : 0;
}

static unsigned aspath_count(struct lb_buf b, uint8_t as_size)
{
	unsigned n;
	return aspath_validate(b, as_size, true, &n) == 0 ? n : 0;
}

void lb_bgp_aspath_iter_init(struct lb_bgp_aspath_iter *it, const struct lb_bgp_attrs *a)
{
	memset(it, 0, sizeof(*it));
	it->path = a->as_path;
	it->as_size = a->as_size ? a->as_size : 4;
	it->as4 = a->as4_path;
	if (lb_buf_left(&a->as4_path) > 0) {
		/* RFC 6793 §4.2.3: keep as many leading AS_PATH numbers as make
		 * the total equal AS_PATH's count, then the AS4_PATH ones. */
		unsigned n = aspath_count(a->as_path, it->as_size);
		unsigned m = aspath_count(a->as4_path, 4);
		if (m <= n) { /* else AS4_PATH is ignored (the decoder drops it too) */
			it->limited = true;
			it->remaining = n - m;
		}
	}
}

int lb_bgp_aspath_next(struct lb_bgp_aspath_iter *it, uint8_t *seg_type, uint32_t *asn)
{
	for (;;) {
		if (lb_buf_left(&it->seg) >= it->as_size) {
			if (it->limited && !it->in_as4 && it->seg_type == LB_BGP_AS_SEQUENCE) {
				if (it->remaining == 0)
					goto switch_path;
				it->remaining--;
			}
			*seg_type = it->seg_type;
			*asn = get_asn(&it->seg, it->as_size);
			return 1;
		}
		uint8_t type, n;
		if (it->limited && !it->in_as4 && it->remaining == 0)
			goto switch_path;
		if (lb_buf_get_u8(&it->path, &type) == 0 && lb_buf_get_u8(&it->path, &n) == 0 &&
		    lb_buf_sub(&it->path, (size_t)n * it->as_size, &it->seg) == 0) {
			it->seg_type = type;
			/* A whole AS_SET counts as one. */
			if (it->limited && !it->in_as4 && type == LB_BGP_AS_SET)
				it->remaining--;
			continue;
		}
	switch_path:
		if (!it->limited || it->in_as4)
			return 0;
		it->in_as4 = true;
		it->path = it->as4;
		it->as_size = 4;
		lb_buf_init(&it->seg, NULL, 0);
	}
}

/* ---- attributes -------------------------------------------------------- */

static uint8_t expected_flags(uint8_t type)
{
	switch (type) {
	case LB_BGP_ATTR_ORIGIN:
	case LB_BGP_ATTR_AS_PATH:
	case LB_BGP_ATTR_NEXT_HOP:
	case LB_BGP_ATTR_LOCAL_PREF:
	case LB_BGP_ATTR_ATOMIC_AGGREGATE:
		return LB_BGP_ATTR_FLAG_TRANSITIVE; /* well-known */
	case LB_BGP_ATTR_MED:
	case LB_BGP_ATTR_ORIGINATOR_ID:
	case LB_BGP_ATTR_CLUSTER_LIST:
	case LB_BGP_ATTR_MP_REACH_NLRI:
	case LB_BGP_ATTR_MP_UNREACH_NLRI:
		return LB_BGP_ATTR_FLAG_OPTIONAL; /* optional non-transitive */
	default:
		return LB_BGP_ATTR_FLAG_OPTIONAL | LB_BGP_ATTR_FLAG_TRANSITIVE;
	}
}

static bool family_parsed(const struct lb_bgp_session *s, uint16_t afi, uint8_t safi)
{
	if (safi != LB_BGP_SAFI_UNICAST)
		return false;
	return (afi == LB_BGP_AFI_IPV4 && s->mp_ipv4) || (afi == LB_BGP_AFI_IPV6 && s->mp_ipv6);
}

static int mp_reach_decode(struct dec *d, struct attr *a)
{
	struct lb_bgp_nlri *nl = &d->u->mp_reach;
	struct lb_bgp_attrs *at = &d->u->attrs;
	uint8_t nhlen, reserved;
	struct lb_buf nh;

	if (lb_buf_get_u16(&a->v, &nl->afi) == -1 || lb_buf_get_u8(&a->v, &nl->safi) == -1 ||
	    lb_buf_get_u8(&a->v, &nhlen) == -1 || lb_buf_sub(&a->v, nhlen, &nh) == -1 ||
	    lb_buf_get_u8(&a->v, &reserved) == -1)
		return malformed(d, a, LB_BGP_UPD_OPTIONAL_ATTR, "truncated");
	nl->present = true;
	nl->raw = a->v;
	keep(d, a->type);
	if (!family_parsed(d->s, nl->afi, nl->safi))
		return 0;
	nl->parsed = true;
	/* RFC 7606 §5.3: an NLRI we cannot parse leaves nothing to withdraw. */
	if (nlri_validate(nl) == -1)
		return malformed(d, a, LB_BGP_UPD_OPTIONAL_ATTR, "malformed NLRI");

	/* RFC 7606 §7.11: a next hop of the wrong length or kind spoils the
	 * routes, not the session (the NLRI is still readable). */
	const uint8_t *p = lb_buf_ptr(&nh);
	if (nl->afi == LB_BGP_AFI_IPV6 && (nhlen == 16 || nhlen == 32)) {
		at->mp_next_hop.family = LB_AF_INET6;
		memcpy(at->mp_next_hop.b, p, 16);
		if (nhlen == 32) {
			at->mp_next_hop_ll.family = LB_AF_INET6;
			memcpy(at->mp_next_hop_ll.b, p + 16, 16);
			at->mp_has_ll = true;
		}
		static const uint8_t zero[16];
		if (!memcmp(p, zero, 16) || p[0] == 0xff)
			soft_error(d, LB_BGP_ACT_WITHDRAW, LB_BGP_UPD_BAD_NEXT_HOP, a->type,
				   "MP_REACH_NLRI: next hop is unspecified or multicast");
	} else if (nl->afi == LB_BGP_AFI_IPV4 && nhlen == 4) {
		at->mp_next_hop.family = LB_AF_INET;
		memcpy(at->mp_next_hop.b + 12, p, 4);
	} else {
		soft_error(d, LB_BGP_ACT_WITHDRAW, LB_BGP_UPD_OPTIONAL_ATTR, a->type,
			   "MP_REACH_NLRI: next hop length %u for AFI %u", nhlen, nl->afi);
	}
	return 0;
}

static int mp_unreach_decode(struct dec *d, struct attr *a)
{
	struct lb_bgp_nlri *nl = &d->u->mp_unreach;

	if (lb_buf_get_u16(&a->v, &nl->afi) == -1 || lb_buf_get_u8(&a->v, &nl->safi) == -1)
		return malformed(d, a, LB_BGP_UPD_OPTIONAL_ATTR, "truncated");
	nl->present = true;
	nl->raw = a->v;
	keep(d, a->type);
	if (!family_parsed(d->s, nl->afi, nl->safi))
		return 0;
	nl->parsed = true;
	if (nlri_validate(nl) == -1)
		return malformed(d, a, LB_BGP_UPD_OPTIONAL_ATTR, "malformed withdrawn routes");
	return 0;
}

static int fixed_u32(struct dec *d, struct attr *a, uint32_t *out)
{
	if (a->len != 4)
		return malformed(d, a, LB_BGP_UPD_ATTR_LENGTH, "length is not 4");
	lb_buf_get_u32(&a->v, out);
	keep(d, a->type);
	return 0;
}

/* A list of fixed-size items (communities and their kin): at least one, and
 * a whole number of them (RFC 7606 §7.8, RFC 8092 §5, RFC 7606 §7.14). */
static int item_list(struct dec *d, struct attr *a, size_t item, struct lb_buf *raw,
		     unsigned *count)
{
	if (a->len == 0 || a->len % item != 0) {
		char what[48];
		snprintf(what, sizeof(what), "length %u is not a multiple of %zu", a->len, item);
		return malformed(d, a, LB_BGP_UPD_OPTIONAL_ATTR, what);
	}
	if (raw)
		*raw = a->v;
	*count = (unsigned)(a->len / item);
	keep(d, a->type);
	return 0;
}

static int attr_decode(struct dec *d, struct attr *a)
{
	const struct lb_bgp_session *s = d->s;
	struct lb_bgp_attrs *at = &d->u->attrs;
	uint8_t as_size = s->as4 ? 4 : 2;

	/* RFC 7606 §7.5: LOCAL_PREF has no meaning across AS borders. */
	if (a->type == LB_BGP_ATTR_LOCAL_PREF && s->ebgp) {
		soft_error(d, LB_BGP_ACT_DISCARD, 0, a->type, "LOCAL_PREF from an external peer");
		return 0;
	}
	/* RFC 6793 §4.1: between two 4-octet speakers these carry nothing. */
	if ((a->type == LB_BGP_ATTR_AS4_PATH || a->type == LB_BGP_ATTR_AS4_AGGREGATOR) && s->as4) {
		soft_error(d, LB_BGP_ACT_DISCARD, 0, a->type, "%s on a 4-octet AS session",
			   attr_name(a->type));
		return 0;
	}
	/* RFC 7606 §3.c: wrong Optional or Transitive bits make the attribute
	 * malformed. */
	if ((a->flags & (LB_BGP_ATTR_FLAG_OPTIONAL | LB_BGP_ATTR_FLAG_TRANSITIVE)) !=
	    expected_flags(a->type))
		return malformed(d, a, LB_BGP_UPD_ATTR_FLAGS, "wrong attribute flags");

	switch (a->type) {
	case LB_BGP_ATTR_ORIGIN:
		if (a->len != 1)
			return malformed(d, a, LB_BGP_UPD_ATTR_LENGTH, "length is not 1");
		lb_buf_get_u8(&a->v, &at->origin);
		if (at->origin > LB_BGP_ORIGIN_INCOMPLETE)
			return malformed(d, a, LB_BGP_UPD_BAD_ORIGIN, "undefined value");
		keep(d, a->type);
		return 0;
	case LB_BGP_ATTR_AS_PATH: {
		unsigned count;
		if (aspath_validate(a->v, as_size, true, &count) == -1)
			return malformed(d, a, LB_BGP_UPD_MALFORMED_AS_PATH, "bad segment");
		if (s->ebgp && s->check_first_as) {
			/* RFC 4271 §6.3; a 2-octet session shows a big AS as AS_TRANS. */
			uint32_t want = !s->as4 && s->peer_asn > UINT16_MAX ? LB_BGP_AS_TRANS
									   : s->peer_asn;
			struct lb_buf b = a->v;
			uint8_t type = 0, n;
			lb_buf_get_u8(&b, &type);
			lb_buf_get_u8(&b, &n);
			if (type != LB_BGP_AS_SEQUENCE || get_asn(&b, as_size) != want)
				return malformed(d, a, LB_BGP_UPD_MALFORMED_AS_PATH,
						 "leftmost AS is not the peer's");
		}
		at->as_path = a->v;
		at->as_size = as_size;
		at->as_path_len = count;
		keep(d, a->type);
		return 0;
	}
	case LB_BGP_ATTR_NEXT_HOP: {
		if (a->len != 4)
			return malformed(d, a, LB_BGP_UPD_ATTR_LENGTH, "length is not 4");
		lb_buf_get_bytes(&a->v, at->next_hop, 4);
		/* RFC 4271 §6.3: syntactically a host address: not 0.0.0.0,
		 * multicast, reserved or broadcast. */
		if (at->next_hop[0] == 0 || at->next_hop[0] >= 224)
			return malformed(d, a, LB_BGP_UPD_BAD_NEXT_HOP, "not a host address");
		keep(d, a->type);
		return 0;
	}
	case LB_BGP_ATTR_MED:
		return fixed_u32(d, a, &at->med);
	case LB_BGP_ATTR_LOCAL_PREF:
		return fixed_u32(d, a, &at->local_pref);
	case LB_BGP_ATTR_ORIGINATOR_ID:
		return fixed_u32(d, a, &at->originator_id);
	case LB_BGP_ATTR_ATOMIC_AGGREGATE:
		if (a->len != 0)
			return malformed(d, a, LB_BGP_UPD_ATTR_LENGTH, "length is not 0");
		keep(d, a->type);
		return 0;
	case LB_BGP_ATTR_AGGREGATOR:
		if (a->len != as_size + 4u)
			return malformed(d, a, LB_BGP_UPD_ATTR_LENGTH, "bad length");
		at->aggregator_as = get_asn(&a->v, as_size);
		lb_buf_get_bytes(&a->v, at->aggregator_addr, 4);
		keep(d, a->type);
		return 0;
	case LB_BGP_ATTR_AS4_AGGREGATOR:
		if (a->len != 8)
			return malformed(d, a, LB_BGP_UPD_ATTR_LENGTH, "length is not 8");
		keep(d, a->type);
		return 0;
	case LB_BGP_ATTR_COMMUNITIES:
		return item_list(d, a, 4, &at->communities, &at->n_communities);
	case LB_BGP_ATTR_CLUSTER_LIST:
		return item_list(d, a, 4, NULL, &at->n_cluster_ids);
	case LB_BGP_ATTR_EXT_COMMUNITIES:
		return item_list(d, a, 8, &at->ext_communities, &at->n_ext_communities);
	case LB_BGP_ATTR_LARGE_COMMUNITIES:
		return item_list(d, a, 12, &at->large_communities, &at->n_large_communities);
	case LB_BGP_ATTR_AS4_PATH: {
		unsigned count;
		/* RFC 6793 §6: confederation segments do not belong here. */
		if (aspath_validate(a->v, 4, false, &count) == -1)
			return malformed(d, a, LB_BGP_UPD_MALFORMED_AS_PATH, "bad segment");
		at->as4_path = a->v;
		keep(d, a->type);
		return 0;
	}
	case LB_BGP_ATTR_MP_REACH_NLRI:
		return mp_reach_decode(d, a);
	case LB_BGP_ATTR_MP_UNREACH_NLRI:
		return mp_unreach_decode(d, a);
	}
	return 0;
}

static bool is_known(uint8_t type)
{
	return (type >= LB_BGP_ATTR_ORIGIN && type <= LB_BGP_ATTR_CLUSTER_LIST) ||
	       (type >= LB_BGP_ATTR_MP_REACH_NLRI && type <= LB_BGP_ATTR_AS4_AGGREGATOR) ||
	       type == LB_BGP_ATTR_LARGE_COMMUNITIES;
}

static int attrs_decode(struct dec *d, struct lb_buf *b)
{
	while (lb_buf_left(b) > 0) {
		struct attr a;
		uint8_t len8;
		int r;

		a.whole = lb_buf_ptr(b);
		if (lb_buf_get_u8(b, &a.flags) == -1 || lb_buf_get_u8(b, &a.type) == -1)
			r = -1;
		else if (a.flags & LB_BGP_ATTR_FLAG_EXTLEN)
			r = lb_buf_get_u16(b, &a.len);
		else if ((r = lb_buf_get_u8(b, &len8)) == 0)
			a.len = len8;
		if (r == -1 || lb_buf_sub(b, a.len, &a.v) == -1) {
			/* RFC 7606 §4: the Total Path Attribute Length still
			 * locates the NLRI, so the routes can be withdrawn. */
			soft_error(d, LB_BGP_ACT_WITHDRAW, LB_BGP_UPD_MALFORMED_ATTR_LIST, 0,
				   "path attribute overruns the attributes field");
			return 0;
		}
		a.whole_len = (size_t)(lb_buf_ptr(b) - a.whole);

		/* RFC 7606 §3.g: a repeated MP attribute is fatal; any other
		 * repeat is dropped and the first one stands. */
		uint8_t bit = (uint8_t)(1u << (a.type % 8));
		if (d->seen[a.type / 8] & bit) {
			if (a.type == LB_BGP_ATTR_MP_REACH_NLRI || a.type == LB_BGP_ATTR_MP_UNREACH_NLRI)
				return reset(d, LB_BGP_UPD_MALFORMED_ATTR_LIST, a.type, NULL, 0,
					     "%s appears twice", attr_name(a.type));
			d->u->n_duplicates++;
			continue;
		}
		d->seen[a.type / 8] |= bit;

		if (!is_known(a.type)) {
			/* RFC 4271 §6.3: an unknown well-known attribute is fatal;
			 * unknown optional ones are passed over. */
			if (!(a.flags & LB_BGP_ATTR_FLAG_OPTIONAL))
				return reset(d, LB_BGP_UPD_UNKNOWN_WELLKNOWN, a.type, a.whole,
					     a.whole_len, "unrecognized well-known attribute %u",
					     a.type);
			d->u->attrs.n_unknown++;
			continue;
		}
		if (attr_decode(d, &a) == -1)
			return -1;
	}
	return 0;
}

static bool seen(const struct dec *d, uint8_t type)
{
	return d->seen[type / 8] & (1u << (type % 8));
}

int lb_bgp_update_decode(const uint8_t *msg, size_t len, const struct lb_bgp_session *s,
			 struct lb_bgp_update *u, struct lb_bgp_notify *n)
{
	struct dec d = {.s = s, .u = u, .n = n};
	struct lb_buf b, attrs;
	uint16_t wlen, alen;

	memset(u, 0, sizeof(*u));
	n->send = false;
	if (len < LB_BGP_UPDATE_MIN_LEN || lb_be16(msg + 16) != len)
		return lb_bgp_notify_set(n, LB_BGP_ERR_HEADER, LB_BGP_HDR_BAD_LENGTH,
					 len >= LB_BGP_HEADER_LEN ? msg + 16 : NULL,
					 len >= LB_BGP_HEADER_LEN ? 2 : 0,
					 "UPDATE: bad message length %zu", len);
	lb_buf_init(&b, msg + LB_BGP_HEADER_LEN, len - LB_BGP_HEADER_LEN);

	/* RFC 4271 §6.3 / RFC 7606 §5.3: lengths that overrun the message
	 * leave nothing trustworthy. */
	u->withdrawn.afi = u->nlri.afi = LB_BGP_AFI_IPV4;
	u->withdrawn.safi = u->nlri.safi = LB_BGP_SAFI_UNICAST;
	u->withdrawn.parsed = u->nlri.parsed = true;
	if (lb_buf_get_u16(&b, &wlen) == -1 || lb_buf_sub(&b, wlen, &u->withdrawn.raw) == -1)
		return reset(&d, LB_BGP_UPD_MALFORMED_ATTR_LIST, 0, NULL, 0,
			     "withdrawn routes length %u overruns the message", wlen);
	if (lb_buf_get_u16(&b, &alen) == -1 || lb_buf_sub(&b, alen, &attrs) == -1)
		return reset(&d, LB_BGP_UPD_MALFORMED_ATTR_LIST, 0, NULL, 0,
			     "total path attribute length %u overruns the message", alen);
	u->nlri.raw = b;
	u->withdrawn.present = wlen > 0;
	u->nlri.present = lb_buf_left(&b) > 0;
	if (nlri_validate(&u->withdrawn) == -1)
		return reset(&d, LB_BGP_UPD_BAD_NETWORK, 0, NULL, 0, "malformed withdrawn routes");
	if (attrs_decode(&d, &attrs) == -1)
		return -1;
	if (nlri_validate(&u->nlri) == -1)
		return reset(&d, LB_BGP_UPD_BAD_NETWORK, 0, NULL, 0, "malformed NLRI");

	struct lb_bgp_attrs *at = &u->attrs;
	/* RFC 6793 §4.2.3: AS4_AGGREGATOR and AS4_PATH are ignored when the
	 * AGGREGATOR shows a 2-octet aggregator, and AS4_PATH is ignored when
	 * it is longer than AS_PATH. */
	if (!s->as4 && (at->present & (UINT64_C(1) << LB_BGP_ATTR_AS4_AGGREGATOR)) &&
	    (at->present & (UINT64_C(1) << LB_BGP_ATTR_AGGREGATOR)) &&
	    at->aggregator_as != LB_BGP_AS_TRANS) {
		at->present &= ~(UINT64_C(1) << LB_BGP_ATTR_AS4_AGGREGATOR |
				 UINT64_C(1) << LB_BGP_ATTR_AS4_PATH);
		lb_buf_init(&at->as4_path, NULL, 0);
	}
	if (at->present & (UINT64_C(1) << LB_BGP_ATTR_AS4_PATH)) {
		unsigned m = aspath_count(at->as4_path, 4);
		if (!(at->present & (UINT64_C(1) << LB_BGP_ATTR_AS_PATH)) || m > at->as_path_len) {
			at->present &= ~(UINT64_C(1) << LB_BGP_ATTR_AS4_PATH);
			lb_buf_init(&at->as4_path, NULL, 0);
		}
	}

	/* RFC 7606 §3.d: routes without a mandatory attribute are withdrawn;
	 * NEXT_HOP is only needed for the IPv4 NLRI field (RFC 4760 §3). */
	if (u->nlri.count > 0 || u->mp_reach.count > 0) {
		static const uint8_t mandatory[] = {LB_BGP_ATTR_ORIGIN, LB_BGP_ATTR_AS_PATH,
						    LB_BGP_ATTR_NEXT_HOP};
		for (size_t i = 0; i < sizeof(mandatory); i++) {
			uint8_t t = mandatory[i];
			if (t == LB_BGP_ATTR_NEXT_HOP && u->nlri.count == 0)
				continue;
			if (!seen(&d, t))
				soft_error(&d, LB_BGP_ACT_WITHDRAW, LB_BGP_UPD_MISSING_WELLKNOWN, t,
					   "missing well-known attribute %s", attr_name(t));
		}
	}

	/* RFC 4724 §2: End-of-RIB markers. */
	if (len == LB_BGP_UPDATE_MIN_LEN) {
		u->end_of_rib = true;
		u->eor_afi = LB_BGP_AFI_IPV4;
		u->eor_safi = LB_BGP_SAFI_UNICAST;
	} else if (!u->withdrawn.present && !u->nlri.present && u->mp_unreach.present &&
		   lb_buf_left(&u->mp_unreach.raw) == 0 &&
		   at->present == UINT64_C(1) << LB_BGP_ATTR_MP_UNREACH_NLRI && at->n_unknown == 0 &&
		   u->n_duplicates == 0 && u->first_error.action == LB_BGP_ACT_NONE) {
		u->end_of_rib = true;
		u->eor_afi = u->mp_unreach.afi;
		u->eor_safi = u->mp_unreach.safi;
	}
	return 0;
}

/* ---- encoding ---------------------------------------------------------- */

static const uint8_t *prefix_bytes_of(const struct lb_prefix *p)
{
	return p->addr.family == LB_AF_INET ? p->addr.b + 12 : p->addr.b;
}

static size_t prefix_wire_len(const struct lb_prefix *p)
{
	return 1 + (p->len + 7u) / 8u;
}

static void prefix_put(struct lb_wbuf *w, const struct lb_prefix *p)
{
	lb_wbuf_put_u8(w, p->len);
	lb_wbuf_put_bytes(w, prefix_bytes_of(p), (p->len + 7u) / 8u);
}

static int prefix_check(const struct lb_prefix *p, size_t i, struct lb_err *err)
{
	unsigned max = p->addr.family == LB_AF_INET ? 32 : p->addr.family == LB_AF_INET6 ? 128 : 0;
	if (max == 0)
		return lb_err_set(err, "prefix %zu: unknown address family %u", i, p->addr.family);
	if (p->len > max)
		return lb_err_set(err, "prefix %zu: length %u exceeds %u", i, p->len, max);
	return 0;
}

static void attr_put_header(struct lb_wbuf *w, uint8_t flags, uint8_t type, size_t len)
{
	if (len > 255) {
		lb_wbuf_put_u8(w, flags | LB_BGP_ATTR_FLAG_EXTLEN);
		lb_wbuf_put_u8(w, type);
		lb_wbuf_put_u16(w, len > UINT16_MAX ? UINT16_MAX : (uint16_t)len);
		if (len > UINT16_MAX)
			w->err = true;
	} else {
		lb_wbuf_put_u8(w, flags);
		lb_wbuf_put_u8(w, type);
		lb_wbuf_put_u8(w, (uint8_t)len);
	}
}

/* One or more AS_SEQUENCE segments of at most 255 ASNs (RFC 4271 §4.3). */
static void aspath_put(struct lb_wbuf *w, uint8_t flags, uint8_t type, const uint32_t *asn,
		       size_t n, uint8_t as_size)
{
	size_t segs = (n + 254) / 255;
	attr_put_header(w, flags, type, 2 * segs + n * as_size);
	for (size_t i = 0; i < n; i += 255) {
		size_t k = n - i < 255 ? n - i : 255;
		lb_wbuf_put_u8(w, LB_BGP_AS_SEQUENCE);
		lb_wbuf_put_u8(w, (uint8_t)k);
		for (size_t j = i; j < i + k; j++) {
			if (as_size == 4)
				lb_wbuf_put_u32(w, asn[j]);
			else /* RFC 6793 §4.2.2: AS_TRANS stands in for a big ASN */
				lb_wbuf_put_u16(w, asn[j] > UINT16_MAX ? LB_BGP_AS_TRANS
								       : (uint16_t)asn[j]);
		}
	}
}

/* Every attribute but MP_REACH_NLRI, in type order. */
static void attrs_encode(struct lb_wbuf *w, const struct lb_bgp_session *s,
			 const struct lb_bgp_route_attrs *a, bool ipv4)
{
	const uint8_t wk = LB_BGP_ATTR_FLAG_TRANSITIVE;
	const uint8_t opt = LB_BGP_ATTR_FLAG_OPTIONAL;
	const uint8_t opt_trans = LB_BGP_ATTR_FLAG_OPTIONAL | LB_BGP_ATTR_FLAG_TRANSITIVE;
	uint8_t as_size = s->as4 ? 4 : 2;

	attr_put_header(w, wk, LB_BGP_ATTR_ORIGIN, 1);
	lb_wbuf_put_u8(w, a->origin);
	aspath_put(w, wk, LB_BGP_ATTR_AS_PATH, a->as_path, a->as_path_len, as_size);
	if (ipv4) {
		attr_put_header(w, wk, LB_BGP_ATTR_NEXT_HOP, 4);
		lb_wbuf_put_bytes(w, a->next_hop.b + 12, 4);
	}
	if (a->has_med) {
		attr_put_header(w, opt, LB_BGP_ATTR_MED, 4);
		lb_wbuf_put_u32(w, a->med);
	}
	if (a->has_local_pref) {
		attr_put_header(w, wk, LB_BGP_ATTR_LOCAL_PREF, 4);
		lb_wbuf_put_u32(w, a->local_pref);
	}
	if (a->n_communities) {
		attr_put_header(w, opt_trans, LB_BGP_ATTR_COMMUNITIES, 4 * a->n_communities);
		for (size_t i = 0; i < a->n_communities; i++)
			lb_wbuf_put_u32(w, a->communities[i]);
	}
	/* RFC 6793 §4.2.2: a 2-octet peer gets the true path in AS4_PATH. */
	bool big = false;
	for (size_t i = 0; i < a->as_path_len; i++)
		big |= a->as_path[i] > UINT16_MAX;
	if (!s->as4 && big)
		aspath_put(w, opt_trans, LB_BGP_ATTR_AS4_PATH, a->as_path, a->as_path_len, 4);
	if (a->n_large_communities) {
		attr_put_header(w, opt_trans, LB_BGP_ATTR_LARGE_COMMUNITIES,
				12 * a->n_large_communities);
		for (size_t i = 0; i < a->n_large_communities; i++) {
			lb_wbuf_put_u32(w, a->large_communities[i].global);
			lb_wbuf_put_u32(w, a->large_communities[i].local1);
			lb_wbuf_put_u32(w, a->large_communities[i].local2);
		}
	}
}

/* How many of pfx[0..n) of pfx[0]'s family fit in budget bytes. */
static int take_prefixes(const struct lb_prefix *pfx, size_t n, size_t budget, size_t *k,
			 size_t *used, struct lb_err *err)
{
	*k = *used = 0;
	for (size_t i = 0; i < n; i++) {
		if (prefix_check(&pfx[i], i, err) == -1)
			return -1;
		if (pfx[i].addr.family != pfx[0].addr.family)
			break;
		size_t sz = prefix_wire_len(&pfx[i]);
		if (*used + sz > budget)
			break;
		*used += sz;
		(*k)++;
	}
	return 0;
}

static int room_check(struct lb_wbuf *w, size_t need, struct lb_err *err)
{
	if (lb_wbuf_room(w) < need)
		return lb_err_set(err, "output buffer has room for %zu bytes, UPDATE needs %zu",
				  lb_wbuf_room(w), need);
	return 0;
}

int lb_bgp_update_encode_announce(struct lb_wbuf *w, const struct lb_bgp_session *s,
				  const struct lb_bgp_route_attrs *a, const struct lb_prefix *pfx,
				  size_t n, size_t *consumed, struct lb_err *err)
{
	uint8_t tmp[LB_BGP_MAX_LEN];
	struct lb_wbuf t;
	size_t k, used;

	*consumed = 0;
	if (n == 0)
		return lb_err_set(err, "UPDATE: no prefixes to announce");
	if (prefix_check(&pfx[0], 0, err) == -1)
		return -1;
	bool ipv4 = pfx[0].addr.family == LB_AF_INET;
	if (ipv4 && a->next_hop.family != LB_AF_INET)
		return lb_err_set(err, "UPDATE: IPv4 prefixes need an IPv4 next hop");
	if (!ipv4 && a->next_hop6.family != LB_AF_INET6)
		return lb_err_set(err, "UPDATE: IPv6 prefixes need an IPv6 next hop");
	bool ll = !ipv4 && a->next_hop6_ll.family == LB_AF_INET6;
	size_t nhlen = ll ? 32 : 16;

	lb_wbuf_init_fixed(&t, tmp, sizeof(tmp));
	attrs_encode(&t, s, a, ipv4);
	size_t fixed = LB_BGP_UPDATE_MIN_LEN + lb_wbuf_len(&t);
	/* MP_REACH_NLRI: 4-byte header (always extended length, the NLRI
	 * often passes 255 bytes), AFI, SAFI, next hop length, next hop, reserved. */
	size_t mp_fixed = ipv4 ? 0 : 4 + 2 + 1 + 1 + nhlen + 1;
	fixed += mp_fixed;
	if (lb_wbuf_error(&t) || fixed >= LB_BGP_MAX_LEN)
		return lb_err_set(err, "UPDATE: path attributes leave no room for a prefix");
	if (take_prefixes(pfx, n, LB_BGP_MAX_LEN - fixed, &k, &used, err) == -1)
		return -1;
	if (k == 0)
		return lb_err_set(err, "UPDATE: path attributes leave no room for a prefix");
	if (room_check(w, fixed + used, err) == -1)
		return -1;

	size_t start = lb_bgp_msg_begin(w, LB_BGP_UPDATE);
	lb_wbuf_put_u16(w, 0); /* no withdrawn routes */
	if (ipv4) {
		lb_wbuf_put_u16(w, (uint16_t)lb_wbuf_len(&t));
		lb_wbuf_put_bytes(w, tmp, lb_wbuf_len(&t));
		for (size_t i = 0; i < k; i++)
			prefix_put(w, &pfx[i]);
	} else {
		lb_wbuf_put_u16(w, (uint16_t)(mp_fixed + used + lb_wbuf_len(&t)));
		/* RFC 7606 §5.1: MP_REACH_NLRI goes first. */
		lb_wbuf_put_u8(w, LB_BGP_ATTR_FLAG_OPTIONAL | LB_BGP_ATTR_FLAG_EXTLEN);
		lb_wbuf_put_u8(w, LB_BGP_ATTR_MP_REACH_NLRI);
		lb_wbuf_put_u16(w, (uint16_t)(mp_fixed - 4 + used));
		lb_wbuf_put_u16(w, LB_BGP_AFI_IPV6);
		lb_wbuf_put_u8(w, LB_BGP_SAFI_UNICAST);
		lb_wbuf_put_u8(w, (uint8_t)nhlen);
		lb_wbuf_put_bytes(w, a->next_hop6.b, 16);
		if (ll)
			lb_wbuf_put_bytes(w, a->next_hop6_ll.b, 16);
		lb_wbuf_put_u8(w, 0);
		for (size_t i = 0; i < k; i++)
			prefix_put(w, &pfx[i]);
		lb_wbuf_put_bytes(w, tmp, lb_wbuf_len(&t));
	}
	lb_bgp_msg_end(w, start);
	if (lb_wbuf_error(w))
		return lb_err_set(err, "UPDATE: output buffer error");
	*consumed = k;
	return 0;
}

int lb_bgp_update_encode_withdraw(struct lb_wbuf *w, const struct lb_prefix *pfx, size_t n,
				  size_t *consumed, struct lb_err *err)
{
	size_t k, used;

	*consumed = 0;
	if (n == 0)
		return lb_err_set(err, "UPDATE: no prefixes to withdraw");
	if (prefix_check(&pfx[0], 0, err) == -1)
		return -1;
	bool ipv4 = pfx[0].addr.family == LB_AF_INET;
	/* MP_UNREACH_NLRI: extended-length header, AFI, SAFI. */
	size_t fixed = LB_BGP_UPDATE_MIN_LEN + (ipv4 ? 0 : 4 + 3);
	if (take_prefixes(pfx, n, LB_BGP_MAX_LEN - fixed, &k, &used, err) == -1)
		return -1;
	if (room_check(w, fixed + used, err) == -1)
		return -1;

	size_t start = lb_bgp_msg_begin(w, LB_BGP_UPDATE);
	if (ipv4) {
		lb_wbuf_put_u16(w, (uint16_t)used);
		for (size_t i = 0; i < k; i++)
			prefix_put(w, &pfx[i]);
		lb_wbuf_put_u16(w, 0);
	} else {
		lb_wbuf_put_u16(w, 0);
		lb_wbuf_put_u16(w, (uint16_t)(4 + 3 + used));
		lb_wbuf_put_u8(w, LB_BGP_ATTR_FLAG_OPTIONAL | LB_BGP_ATTR_FLAG_EXTLEN);
		lb_wbuf_put_u8(w, LB_BGP_ATTR_MP_UNREACH_NLRI);
		lb_wbuf_put_u16(w, (uint16_t)(3 + used));
		lb_wbuf_put_u16(w, LB_BGP_AFI_IPV6);
		lb_wbuf_put_u8(w, LB_BGP_SAFI_UNICAST);
		for (size_t i = 0; i < k; i++)
			prefix_put(w, &pfx[i]);
	}
	lb_bgp_msg_end(w, start);
	if (lb_wbuf_error(w))
		return lb_err_set(err, "UPDATE: output buffer error");
	*consumed = k;
	return 0;
}

void lb_bgp_update_encode_eor(struct lb_wbuf *w, uint16_t afi, uint8_t safi)
{
	size_t start = lb_bgp_msg_begin(w, LB_BGP_UPDATE);
	lb_wbuf_put_u16(w, 0);
	if (afi == LB_BGP_AFI_IPV4 && safi == LB_BGP_SAFI_UNICAST) {
		lb_wbuf_put_u16(w, 0);
	} else {
		lb_wbuf_put_u16(w, 6);
		lb_wbuf_put_u8(w, LB_BGP_ATTR_FLAG_OPTIONAL);
		lb_wbuf_put_u8(w, LB_BGP_ATTR_MP_UNREACH_NLRI);
		lb_wbuf_put_u8(w, 3);
		lb_wbuf_put_u16(w, afi);
		lb_wbuf_put_u8(w, safi);
	}
	lb_bgp_msg_end(w, start);
}
