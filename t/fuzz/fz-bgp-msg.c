/* libFuzzer target: a byte stream from a peer, framed by the header decoder
 * and handed to the body decoders, as the session code will do it. Every
 * input runs against 2- and 4-octet AS sessions, eBGP and iBGP, with and
 * without IPv6 negotiated. Decoded results are walked to the end and checked
 * against what the decoder claimed. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bgp_msg.h"
#include "bgp_update.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned walk(const struct lb_bgp_nlri *nl)
{
	struct lb_buf c = nl->raw;
	struct lb_prefix p;
	unsigned n = 0;
	int r;

	if (!nl->parsed)
		return 0;
	while ((r = lb_bgp_nlri_next(&c, nl->afi, &p)) == 1) {
		unsigned max = p.addr.family == LB_AF_INET ? 32 : 128;
		if (p.len > max)
			abort();
		n++;
	}
	if (r == -1 || n != nl->count)
		abort(); /* the decoder vouched for this run */
	return n;
}

static void check_update(const uint8_t *msg, size_t len, const struct lb_bgp_session *s)
{
	struct lb_bgp_update u;
	struct lb_bgp_notify n;

	if (lb_bgp_update_decode(msg, len, s, &u, &n) == -1) {
		if (!n.send || n.data_len > LB_BGP_NOTIFY_DATA_MAX)
			abort();
		return;
	}
	walk(&u.withdrawn);
	walk(&u.nlri);
	walk(&u.mp_reach);
	walk(&u.mp_unreach);

	struct lb_bgp_aspath_iter it;
	uint8_t type;
	uint32_t asn;
	unsigned steps = 0;
	lb_bgp_aspath_iter_init(&it, &u.attrs);
	while (lb_bgp_aspath_next(&it, &type, &asn) == 1)
		if (++steps > LB_BGP_MAX_LEN)
			abort(); /* more ASNs than bytes: the walk does not end */

	/* Whatever was accepted must re-encode: announce the IPv4 NLRI with
	 * the decoded ORIGIN and a fixed next hop, and decode that cleanly. */
	if (u.nlri.count > 0 && !u.treat_as_withdraw) {
		static struct lb_prefix pfx[LB_BGP_MAX_LEN];
		struct lb_buf c = u.nlri.raw;
		size_t k = 0, used;
		while (k < LB_BGP_MAX_LEN && lb_bgp_nlri_next(&c, LB_BGP_AFI_IPV4, &pfx[k]) == 1)
			k++;
		struct lb_bgp_route_attrs a = {.origin = u.attrs.origin};
		uint32_t path[1] = {s->peer_asn};
		a.as_path = path;
		a.as_path_len = 1;
		a.next_hop.family = LB_AF_INET;
		a.next_hop.b[12] = 192, a.next_hop.b[13] = 0, a.next_hop.b[14] = 2, a.next_hop.b[15] = 1;
		struct lb_wbuf w;
		struct lb_err err;
		lb_wbuf_init(&w, 0);
		size_t done = 0;
		while (done < k) {
			size_t before = lb_wbuf_len(&w);
			if (lb_bgp_update_encode_announce(&w, s, &a, pfx + done, k - done, &used, &err) == -1)
				abort();
			struct lb_bgp_update u2;
			if (lb_bgp_update_decode(lb_wbuf_data(&w) + before, lb_wbuf_len(&w) - before, s, &u2,
						 &n) == -1 ||
			    u2.treat_as_withdraw || u2.nlri.count != used)
				abort();
			done += used;
		}
		lb_wbuf_free(&w);
	}
}

static void check_one(const uint8_t *msg, size_t len, uint8_t type, const struct lb_bgp_session *s)
{
	struct lb_bgp_notify n;

	switch (type) {
	case LB_BGP_OPEN: {
		struct lb_bgp_open o;
		struct lb_bgp_open_policy pol = {.peer_asn = s->peer_asn, .local_asn = 65000,
						 .local_bgp_id = 0xc0000201, .require_as4 = s->as4};
		if (lb_bgp_open_decode(msg, len, &pol, &o, &n) == 0) {
			/* Re-encode what we understood; it must decode the same. */
			uint8_t mem[LB_BGP_MAX_LEN];
			struct lb_wbuf w;
			struct lb_bgp_open o2;
			lb_wbuf_init_fixed(&w, mem, sizeof(mem));
			lb_bgp_open_encode(&w, o.asn, o.hold_time, o.bgp_id, &o.caps);
			if (lb_wbuf_error(&w) == 0 &&
			    (lb_bgp_open_decode(mem, lb_wbuf_len(&w), &pol, &o2, &n) == -1 ||
			     o2.asn != o.asn || o2.caps.n_mp != o.caps.n_mp || o2.caps.as4 != o.caps.as4))
				abort();
		}
		break;
	}
	case LB_BGP_UPDATE:
		check_update(msg, len, s);
		break;
	case LB_BGP_NOTIFICATION: {
		struct lb_bgp_notification no;
		if (lb_bgp_notification_decode(msg, len, &no, &n) == 0 && no.has_shutdown_msg &&
		    strlen(no.shutdown_msg) > 255)
			abort();
		break;
	}
	case LB_BGP_KEEPALIVE:
		lb_bgp_keepalive_decode(msg, len, &n);
		break;
	case LB_BGP_ROUTE_REFRESH: {
		struct lb_bgp_route_refresh rr;
		lb_bgp_route_refresh_decode(msg, len, &rr, &n);
		break;
	}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct lb_bgp_session sessions[] = {
		{.as4 = true, .ebgp = true, .peer_asn = 65001, .check_first_as = true,
		 .mp_ipv4 = true, .mp_ipv6 = true},
		{.as4 = false, .ebgp = true, .peer_asn = 65001, .mp_ipv4 = true, .mp_ipv6 = true},
		{.as4 = true, .ebgp = false, .peer_asn = 65000, .mp_ipv4 = true, .mp_ipv6 = false},
		{.as4 = false, .ebgp = false, .peer_asn = 4200000001u, .check_first_as = true,
		 .mp_ipv4 = false, .mp_ipv6 = true},
	};

	/* A stream may hold several messages back to back. */
	while (size >= LB_BGP_HEADER_LEN) {
		struct lb_bgp_header h;
		struct lb_bgp_notify n;
		if (lb_bgp_header_decode(data, size, &h, &n) == -1)
			return 0;
		if (h.len > size)
			return 0; /* the rest has not arrived */
		for (size_t i = 0; i < sizeof(sessions) / sizeof(sessions[0]); i++)
			check_one(data, h.len, h.type, &sessions[i]);
		data += h.len;
		size -= h.len;
	}
	return 0;
}
