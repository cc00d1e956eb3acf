#include "bgp_msg.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int lb_bgp_notify_set(struct lb_bgp_notify *n, uint8_t code, uint8_t subcode, const void *data,
		      size_t data_len, const char *fmt, ...)
{
	va_list ap;

	n->send = true;
	n->code = code;
	n->subcode = subcode;
	if (data_len > sizeof(n->data))
		data_len = sizeof(n->data);
	if (data_len)
		memcpy(n->data, data, data_len);
	n->data_len = (uint16_t)data_len;
	va_start(ap, fmt);
	vsnprintf(n->reason, sizeof(n->reason), fmt, ap);
	va_end(ap);
	return -1;
}

/* For the few errors after which nothing may be sent (RFC 4271 §6.4). */
static int notify_silent(struct lb_bgp_notify *n, const char *reason)
{
	memset(n, 0, offsetof(struct lb_bgp_notify, data));
	snprintf(n->reason, sizeof(n->reason), "%s", reason);
	return -1;
}

static int bad_length(struct lb_bgp_notify *n, const uint8_t *len_field, const char *what)
{
	return lb_bgp_notify_set(n, LB_BGP_ERR_HEADER, LB_BGP_HDR_BAD_LENGTH, len_field, 2,
				 "%s: bad message length %u", what, lb_be16(len_field));
}

int lb_bgp_header_decode(const uint8_t *p, size_t len, struct lb_bgp_header *h,
			 struct lb_bgp_notify *n)
{
	struct lb_buf b;
	uint16_t msglen;
	uint8_t type;

	if (len < LB_BGP_HEADER_LEN)
		return notify_silent(n, "message header: fewer than 19 bytes");
	lb_buf_init(&b, p, len);
	/* RFC 4271 §4.1: the marker is all ones (no authentication). */
	for (int i = 0; i < 16; i++) {
		uint8_t m;
		lb_buf_get_u8(&b, &m);
		if (m != 0xff)
			return lb_bgp_notify_set(n, LB_BGP_ERR_HEADER, LB_BGP_HDR_NOT_SYNC, NULL, 0,
						 "message header: marker is not all ones");
	}
	if (lb_buf_get_u16(&b, &msglen) == -1 || lb_buf_get_u8(&b, &type) == -1)
		return notify_silent(n, "message header: truncated");

	/* RFC 4271 §6.1: the length must lie within 19..4096 and suit the type;
	 * the erroneous Length field is the NOTIFICATION data. */
	const uint8_t *len_field = p + 16;
	if (msglen < LB_BGP_HEADER_LEN || msglen > LB_BGP_MAX_LEN)
		return bad_length(n, len_field, "message header");
	size_t min = LB_BGP_HEADER_LEN, max = LB_BGP_MAX_LEN;
	switch (type) {
	case LB_BGP_OPEN:
		min = LB_BGP_OPEN_MIN_LEN;
		break;
	case LB_BGP_UPDATE:
		min = LB_BGP_UPDATE_MIN_LEN;
		break;
	case LB_BGP_NOTIFICATION:
		min = LB_BGP_NOTIFICATION_MIN_LEN;
		break;
	case LB_BGP_KEEPALIVE:
		max = LB_BGP_HEADER_LEN;
		break;
	case LB_BGP_ROUTE_REFRESH:
		/* Longer ones carry ORF entries (RFC 5291); RFC 7313 §5 judges
		 * the length of BoRR/EoRR in the ROUTE-REFRESH decoder. */
		min = LB_BGP_ROUTE_REFRESH_LEN;
		break;
	default:
		return lb_bgp_notify_set(n, LB_BGP_ERR_HEADER, LB_BGP_HDR_BAD_TYPE, &type, 1,
					 "message header: unknown message type %u", type);
	}
	if (msglen < min || msglen > max)
		return bad_length(n, len_field, lb_bgp_type_name(type));
	h->len = msglen;
	h->type = type;
	return 0;
}

/* Positions a cursor on the body of a whole message. */
static void body_init(struct lb_buf *b, const uint8_t *msg, size_t len)
{
	lb_buf_init(b, msg, len);
	if (lb_buf_skip(b, LB_BGP_HEADER_LEN) == -1)
		lb_buf_init(b, NULL, 0);
}

static int whole_message_length(const uint8_t *msg, size_t len, struct lb_bgp_notify *n,
				const char *what)
{
	if (len < LB_BGP_HEADER_LEN)
		return notify_silent(n, "message shorter than its header");
	if (lb_be16(msg + 16) != len)
		return bad_length(n, msg + 16, what);
	return 0;
}

bool lb_bgp_caps_has_mp(const struct lb_bgp_caps *c, uint16_t afi, uint8_t safi)
{
	for (unsigned i = 0; i < c->n_mp; i++)
		if (c->mp[i].afi == afi && c->mp[i].safi == safi)
			return true;
	return false;
}

static int bad_cap(struct lb_bgp_notify *n, uint8_t code, uint8_t len)
{
	/* RFC 5492 leaves malformed capabilities to the implementation; like
	 * BIRD we refuse the session rather than guess. */
	return lb_bgp_notify_set(n, LB_BGP_ERR_OPEN, LB_BGP_OPEN_UNSPECIFIC, NULL, 0,
				 "OPEN: capability %u has bad length %u", code, len);
}

static int caps_decode(struct lb_buf *b, struct lb_bgp_caps *c, struct lb_bgp_notify *n)
{
	while (lb_buf_left(b) > 0) {
		uint8_t code, len;
		struct lb_buf v;

		if (lb_buf_get_u8(b, &code) == -1 || lb_buf_get_u8(b, &len) == -1 ||
		    lb_buf_sub(b, len, &v) == -1)
			return lb_bgp_notify_set(n, LB_BGP_ERR_OPEN, LB_BGP_OPEN_UNSPECIFIC, NULL, 0,
						 "OPEN: capability overruns its parameter");
		c->n_caps_total++;
		switch (code) {
		case LB_BGP_CAP_MP: {
			uint16_t afi;
			uint8_t res, safi;
			if (len != 4)
				return bad_cap(n, code, len);
			lb_buf_get_u16(&v, &afi);
			lb_buf_get_u8(&v, &res);
			lb_buf_get_u8(&v, &safi);
			/* A repeated family is one family; beyond our table the
			 * peer offers families we would not use anyway. */
			if (!lb_bgp_caps_has_mp(c, afi, safi) && c->n_mp < LB_BGP_MAX_MP)
				c->mp[c->n_mp++] = (struct lb_bgp_afi_safi){afi, safi};
			break;
		}
		case LB_BGP_CAP_ROUTE_REFRESH:
			if (len != 0)
				return bad_cap(n, code, len);
			c->route_refresh = true;
			break;
		case LB_BGP_CAP_AS4:
			if (len != 4)
				return bad_cap(n, code, len);
			c->as4 = true;
			lb_buf_get_u32(&v, &c->as4_asn);
			break;
		case LB_BGP_CAP_GRACEFUL_RESTART: {
			/* RFC 4724 §3: 4 bits flags, 12 bits time, then 4 bytes per family. */
			uint16_t ft;
			if (len < 2 || (len - 2) % 4 != 0)
				return bad_cap(n, code, len);
			lb_buf_get_u16(&v, &ft);
			c->gr = true;
			c->gr_flags = (uint8_t)(ft >> 12);
			c->gr_time = ft & 0x0fff;
			c->n_gr_af = 0;
			while (lb_buf_left(&v) >= 4) {
				struct lb_bgp_gr_af af;
				lb_buf_get_u16(&v, &af.afi);
				lb_buf_get_u8(&v, &af.safi);
				lb_buf_get_u8(&v, &af.flags);
				if (c->n_gr_af < LB_BGP_MAX_GR_AF)
					c->gr_af[c->n_gr_af++] = af;
			}
			break;
		}
		default:
			/* RFC 5492 §4: an unknown capability is ignored. */
			if (c->n_unknown < LB_BGP_MAX_UNKNOWN_CAPS)
				c->unknown[c->n_unknown++] = (struct lb_bgp_cap_raw){
					code, len, lb_buf_ptr(&v)};
			c->n_unknown_total++;
			break;
		}
	}
	return 0;
}

static int unsupported_cap(struct lb_bgp_notify *n, const uint8_t *cap, size_t len,
			   const char *what)
{
	return lb_bgp_notify_set(n, LB_BGP_ERR_OPEN, LB_BGP_OPEN_BAD_CAPABILITY, cap, len,
				 "OPEN: peer does not offer %s", what);
}

int lb_bgp_open_decode(const uint8_t *msg, size_t len, const struct lb_bgp_open_policy *pol,
		       struct lb_bgp_open *out, struct lb_bgp_notify *n)
{
	struct lb_buf b, params;
	uint8_t optlen;

	memset(out, 0, sizeof(*out));
	if (whole_message_length(msg, len, n, "OPEN") == -1)
		return -1;
	body_init(&b, msg, len);
	if (lb_buf_get_u8(&b, &out->version) == -1 || lb_buf_get_u16(&b, &out->my_as) == -1 ||
	    lb_buf_get_u16(&b, &out->hold_time) == -1 || lb_buf_get_u32(&b, &out->bgp_id) == -1 ||
	    lb_buf_get_u8(&b, &optlen) == -1)
		return bad_length(n, msg + 16, "OPEN");

	/* RFC 4271 §6.2: the data is the largest version we support. */
	if (out->version != LB_BGP_VERSION) {
		uint8_t v[2] = {0, LB_BGP_VERSION};
		return lb_bgp_notify_set(n, LB_BGP_ERR_OPEN, LB_BGP_OPEN_BAD_VERSION, v, 2,
					 "OPEN: unsupported version %u", out->version);
	}

	/* RFC 9072: a length of 255 with a first parameter type of 255 says
	 * the parameters have 2-byte lengths. */
	bool extended = false;
	size_t params_len = optlen;
	uint8_t first;
	if (optlen == 255 && lb_buf_peek_u8(&b, &first) == 0 && first == 255) {
		uint16_t ext_len;
		lb_buf_skip(&b, 1);
		if (lb_buf_get_u16(&b, &ext_len) == -1)
			return bad_length(n, msg + 16, "OPEN");
		extended = true;
		params_len = ext_len;
	}
	/* The parameters must fill the rest of the message exactly. */
	if (lb_buf_sub(&b, params_len, &params) == -1 || lb_buf_left(&b) != 0)
		return bad_length(n, msg + 16, "OPEN");

	while (lb_buf_left(&params) > 0) {
		uint8_t type, len8;
		uint16_t plen;
		struct lb_buf v;

		if (lb_buf_get_u8(&params, &type) == -1)
			break;
		if (extended) {
			if (lb_buf_get_u16(&params, &plen) == -1)
				plen = UINT16_MAX;
		} else {
			plen = lb_buf_get_u8(&params, &len8) == -1 ? UINT16_MAX : len8;
		}
		if (lb_buf_sub(&params, plen, &v) == -1)
			return lb_bgp_notify_set(n, LB_BGP_ERR_OPEN, LB_BGP_OPEN_UNSPECIFIC, NULL, 0,
						 "OPEN: optional parameter overruns the message");
		/* RFC 5492: capabilities (2) are the only parameter in use;
		 * RFC 4271 §6.2 refuses any other. */
		if (type != 2)
			return lb_bgp_notify_set(n, LB_BGP_ERR_OPEN, LB_BGP_OPEN_BAD_OPT_PARAM, NULL,
						 0, "OPEN: unsupported optional parameter %u", type);
		out->has_caps = true;
		if (caps_decode(&v, &out->caps, n) == -1)
			return -1;
	}

	out->asn = out->caps.as4 ? out->caps.as4_asn : out->my_as;
	/* RFC 7607: AS 0 is never valid, in My AS or in the capability. */
	if (out->my_as == 0 || out->asn == 0)
		return lb_bgp_notify_set(n, LB_BGP_ERR_OPEN, LB_BGP_OPEN_BAD_PEER_AS, NULL, 0,
					 "OPEN: peer AS is 0");
	/* RFC 6793 §4.1: a 4-octet AS travels as AS_TRANS in My AS; any other
	 * mismatch between the two fields is a confused peer. */
	if (out->caps.as4 && out->my_as != LB_BGP_AS_TRANS && out->my_as != out->asn)
		return lb_bgp_notify_set(n, LB_BGP_ERR_OPEN, LB_BGP_OPEN_BAD_PEER_AS, NULL, 0,
					 "OPEN: My AS %u disagrees with 4-octet AS %u", out->my_as,
					 out->asn);
	if (pol && pol->peer_asn && out->asn != pol->peer_asn)
		return lb_bgp_notify_set(n, LB_BGP_ERR_OPEN, LB_BGP_OPEN_BAD_PEER_AS, NULL, 0,
					 "OPEN: peer AS %u, expected %u", out->asn, pol->peer_asn);
	/* RFC 4271 §4.2: the hold time is 0 or at least 3 seconds. */
	if (out->hold_time == 1 || out->hold_time == 2)
		return lb_bgp_notify_set(n, LB_BGP_ERR_OPEN, LB_BGP_OPEN_BAD_HOLD_TIME, NULL, 0,
					 "OPEN: unacceptable hold time %u", out->hold_time);
	/* RFC 6286 §2.2: zero is never a BGP Identifier, and inside one AS
	 * the peer's must differ from ours. */
	if (out->bgp_id == 0)
		return lb_bgp_notify_set(n, LB_BGP_ERR_OPEN, LB_BGP_OPEN_BAD_BGP_ID, NULL, 0,
					 "OPEN: BGP identifier is 0.0.0.0");
	if (pol && pol->local_asn && out->asn == pol->local_asn && out->bgp_id == pol->local_bgp_id)
		return lb_bgp_notify_set(n, LB_BGP_ERR_OPEN, LB_BGP_OPEN_BAD_BGP_ID, NULL, 0,
					 "OPEN: internal peer uses our BGP identifier");

	/* RFC 5492 §5: the data lists the missing capabilities as encoded in
	 * an OPEN. */
	if (pol && pol->require_as4 && !out->caps.as4) {
		uint8_t cap[6] = {LB_BGP_CAP_AS4, 4};
		lb_put_be32(cap + 2, pol->local_asn);
		return unsupported_cap(n, cap, sizeof(cap), "4-octet AS numbers");
	}
	for (unsigned i = 0; pol && i < pol->n_require_mp && i < LB_BGP_MAX_MP; i++) {
		const struct lb_bgp_afi_safi *f = &pol->require_mp[i];
		if (lb_bgp_caps_has_mp(&out->caps, f->afi, f->safi))
			continue;
		uint8_t cap[6] = {LB_BGP_CAP_MP, 4, 0, 0, 0, f->safi};
		lb_put_be16(cap + 2, f->afi);
		char what[48];
		snprintf(what, sizeof(what), "multiprotocol AFI %u SAFI %u", f->afi, f->safi);
		return unsupported_cap(n, cap, sizeof(cap), what);
	}
	return 0;
}

int lb_bgp_keepalive_decode(const uint8_t *msg, size_t len, struct lb_bgp_notify *n)
{
	if (whole_message_length(msg, len, n, "KEEPALIVE") == -1)
		return -1;
	if (len != LB_BGP_HEADER_LEN)
		return bad_length(n, msg + 16, "KEEPALIVE");
	return 0;
}

int lb_bgp_notification_decode(const uint8_t *msg, size_t len, struct lb_bgp_notification *out,
			       struct lb_bgp_notify *n)
{
	struct lb_buf b;

	memset(out, 0, sizeof(*out));
	if (len < LB_BGP_HEADER_LEN || lb_be16(msg + 16) != len)
		return notify_silent(n, "NOTIFICATION: length disagrees with its header");
	body_init(&b, msg, len);
	if (lb_buf_get_u8(&b, &out->code) == -1 || lb_buf_get_u8(&b, &out->subcode) == -1)
		return notify_silent(n, "NOTIFICATION: shorter than code and subcode");
	out->data = lb_buf_ptr(&b);
	out->data_len = (uint16_t)lb_buf_left(&b);

	/* RFC 9003 §2: a length octet then that much UTF-8; a length that
	 * overruns leaves the data to be shown raw. */
	if (out->code == LB_BGP_ERR_CEASE && (out->subcode == LB_BGP_CEASE_ADMIN_SHUTDOWN ||
					      out->subcode == LB_BGP_CEASE_ADMIN_RESET)) {
		uint8_t tlen;
		if (lb_buf_get_u8(&b, &tlen) == 0 && tlen > 0 &&
		    lb_buf_get_bytes(&b, out->shutdown_msg, tlen) == 0) {
			/* The text goes into our logs: no peer-chosen line
			 * breaks or terminal escapes (raw bytes stay in data). */
			for (unsigned i = 0; i < tlen; i++) {
				uint8_t ch = (uint8_t)out->shutdown_msg[i];
				if (ch < 0x20 || ch == 0x7f)
					out->shutdown_msg[i] = '?';
			}
			out->shutdown_msg[tlen] = '\0';
			out->has_shutdown_msg = true;
		} else {
			out->shutdown_msg[0] = '\0';
		}
	}
	return 0;
}

int lb_bgp_route_refresh_decode(const uint8_t *msg, size_t len, struct lb_bgp_route_refresh *out,
				struct lb_bgp_notify *n)
{
	struct lb_buf b;

	memset(out, 0, sizeof(*out));
	if (whole_message_length(msg, len, n, "ROUTE-REFRESH") == -1)
		return -1;
	body_init(&b, msg, len);
	if (lb_buf_get_u16(&b, &out->afi) == -1 || lb_buf_get_u8(&b, &out->subtype) == -1 ||
	    lb_buf_get_u8(&b, &out->safi) == -1)
		return bad_length(n, msg + 16, "ROUTE-REFRESH");
	/* RFC 7313 §5: BoRR and EoRR are exactly 4 body bytes, and the data
	 * is the whole offending message. Extra bytes after a normal request
	 * are ORF entries (RFC 5291), which we do not use. */
	if ((out->subtype == 1 || out->subtype == 2) && lb_buf_left(&b) != 0)
		return lb_bgp_notify_set(n, LB_BGP_ERR_ROUTE_REFRESH, LB_BGP_RR_BAD_LENGTH, msg, len,
					 "ROUTE-REFRESH: subtype %u with length %zu", out->subtype,
					 len);
	return 0;
}

uint16_t lb_bgp_hold_time_negotiate(uint16_t local, uint16_t peer)
{
	return local < peer ? local : peer;
}

size_t lb_bgp_msg_begin(struct lb_wbuf *w, uint8_t type)
{
	size_t start = lb_wbuf_len(w);
	for (int i = 0; i < 16; i++)
		lb_wbuf_put_u8(w, 0xff);
	lb_wbuf_reserve(w, 2);
	lb_wbuf_put_u8(w, type);
	return start;
}

void lb_bgp_msg_end(struct lb_wbuf *w, size_t start)
{
	size_t len = lb_wbuf_len(w) - start;
	if (len > LB_BGP_MAX_LEN) {
		w->err = true;
		return;
	}
	lb_wbuf_patch_u16(w, start + 16, (uint16_t)len);
}

static void cap_put(struct lb_wbuf *w, uint8_t code, uint8_t len)
{
	lb_wbuf_put_u8(w, code);
	lb_wbuf_put_u8(w, len);
}

void lb_bgp_open_encode(struct lb_wbuf *w, uint32_t asn, uint16_t hold_time, uint32_t bgp_id,
			const struct lb_bgp_caps *caps)
{
	size_t start = lb_bgp_msg_begin(w, LB_BGP_OPEN);

	lb_wbuf_put_u8(w, LB_BGP_VERSION);
	/* RFC 6793 §4.1: an AS that needs 4 octets is sent as AS_TRANS. */
	lb_wbuf_put_u16(w, asn > UINT16_MAX ? LB_BGP_AS_TRANS : (uint16_t)asn);
	lb_wbuf_put_u16(w, hold_time);
	lb_wbuf_put_u32(w, bgp_id);
	size_t optlen_at = lb_wbuf_reserve(w, 1);
	if (caps) {
		/* One capabilities parameter holding them all (RFC 5492 §4
		 * allows either; a single one keeps us under 255 bytes longer). */
		lb_wbuf_put_u8(w, 2);
		size_t plen_at = lb_wbuf_reserve(w, 1);
		size_t pstart = lb_wbuf_len(w);
		for (unsigned i = 0; i < caps->n_mp && i < LB_BGP_MAX_MP; i++) {
			cap_put(w, LB_BGP_CAP_MP, 4);
			lb_wbuf_put_u16(w, caps->mp[i].afi);
			lb_wbuf_put_u8(w, 0);
			lb_wbuf_put_u8(w, caps->mp[i].safi);
		}
		if (caps->route_refresh)
			cap_put(w, LB_BGP_CAP_ROUTE_REFRESH, 0);
		if (caps->gr) {
			unsigned n_af = caps->n_gr_af < LB_BGP_MAX_GR_AF ? caps->n_gr_af
									  : LB_BGP_MAX_GR_AF;
			cap_put(w, LB_BGP_CAP_GRACEFUL_RESTART, (uint8_t)(2 + 4 * n_af));
			lb_wbuf_put_u16(w, (uint16_t)((caps->gr_flags & 0xf) << 12 |
						      (caps->gr_time & 0x0fff)));
			for (unsigned i = 0; i < n_af; i++) {
				lb_wbuf_put_u16(w, caps->gr_af[i].afi);
				lb_wbuf_put_u8(w, caps->gr_af[i].safi);
				lb_wbuf_put_u8(w, caps->gr_af[i].flags);
			}
		}
		if (caps->as4) {
			cap_put(w, LB_BGP_CAP_AS4, 4);
			lb_wbuf_put_u32(w, caps->as4_asn);
		}
		for (unsigned i = 0; i < caps->n_unknown && i < LB_BGP_MAX_UNKNOWN_CAPS; i++) {
			cap_put(w, caps->unknown[i].code, caps->unknown[i].len);
			lb_wbuf_put_bytes(w, caps->unknown[i].value, caps->unknown[i].len);
		}
		size_t plen = lb_wbuf_len(w) - pstart;
		if (plen > 255 - 2)
			w->err = true;
		lb_wbuf_patch_u8(w, plen_at, (uint8_t)plen);
		lb_wbuf_patch_u8(w, optlen_at, (uint8_t)(plen + 2));
	}
	lb_bgp_msg_end(w, start);
}

void lb_bgp_keepalive_encode(struct lb_wbuf *w)
{
	lb_bgp_msg_end(w, lb_bgp_msg_begin(w, LB_BGP_KEEPALIVE));
}

void lb_bgp_notification_encode(struct lb_wbuf *w, uint8_t code, uint8_t subcode,
				const void *data, size_t data_len)
{
	size_t start = lb_bgp_msg_begin(w, LB_BGP_NOTIFICATION);
	lb_wbuf_put_u8(w, code);
	lb_wbuf_put_u8(w, subcode);
	if (data_len > LB_BGP_NOTIFY_DATA_MAX)
		data_len = LB_BGP_NOTIFY_DATA_MAX;
	lb_wbuf_put_bytes(w, data, data_len);
	lb_bgp_msg_end(w, start);
}

void lb_bgp_notification_shutdown_encode(struct lb_wbuf *w, uint8_t subcode, const char *text)
{
	uint8_t data[256];
	size_t len = text ? strlen(text) : 0;

	/* RFC 9003 §2: at most 255 octets; never split a UTF-8 sequence. */
	if (len > 255) {
		len = 255;
		while (len > 0 && ((uint8_t)text[len] & 0xc0) == 0x80)
			len--;
	}
	data[0] = (uint8_t)len;
	if (len)
		memcpy(data + 1, text, len);
	lb_bgp_notification_encode(w, LB_BGP_ERR_CEASE, subcode, data, len + 1);
}

void lb_bgp_route_refresh_encode(struct lb_wbuf *w, uint16_t afi, uint8_t safi)
{
	size_t start = lb_bgp_msg_begin(w, LB_BGP_ROUTE_REFRESH);
	lb_wbuf_put_u16(w, afi);
	lb_wbuf_put_u8(w, 0);
	lb_wbuf_put_u8(w, safi);
	lb_bgp_msg_end(w, start);
}

const char *lb_bgp_type_name(uint8_t type)
{
	static const char *const names[] = {NULL, "OPEN", "UPDATE", "NOTIFICATION",
					    "KEEPALIVE", "ROUTE-REFRESH"};
	return type < sizeof(names) / sizeof(names[0]) && names[type] ? names[type]
								   : "unknown message";
}

const char *lb_bgp_error_name(uint8_t code, uint8_t subcode)
{
	static const char *const hdr[] = {"message header error", "connection not synchronized",
					  "bad message length", "bad message type"};
	static const char *const open[] = {"OPEN message error",
					   "unsupported version number",
					   "bad peer AS",
					   "bad BGP identifier",
					   "unsupported optional parameter",
					   "authentication failure",
					   "unacceptable hold time",
					   "unsupported capability"};
	static const char *const upd[] = {"UPDATE message error",
					  "malformed attribute list",
					  "unrecognized well-known attribute",
					  "missing well-known attribute",
					  "attribute flags error",
					  "attribute length error",
					  "invalid ORIGIN attribute",
					  "AS routing loop",
					  "invalid NEXT_HOP attribute",
					  "optional attribute error",
					  "invalid network field",
					  "malformed AS_PATH"};
	static const char *const cease[] = {"cease",
					    "maximum number of prefixes reached",
					    "administrative shutdown",
					    "peer de-configured",
					    "administrative reset",
					    "connection rejected",
					    "other configuration change",
					    "connection collision resolution",
					    "out of resources"};
#define PICK(t) (subcode < sizeof(t) / sizeof(t[0]) ? t[subcode] : t[0])
	switch (code) {
	case LB_BGP_ERR_HEADER:
		return PICK(hdr);
	case LB_BGP_ERR_OPEN:
		return PICK(open);
	case LB_BGP_ERR_UPDATE:
		return PICK(upd);
	case LB_BGP_ERR_HOLD_TIMER:
		return "hold timer expired";
	case LB_BGP_ERR_FSM:
		return "finite state machine error";
	case LB_BGP_ERR_CEASE:
		return PICK(cease);
	case LB_BGP_ERR_ROUTE_REFRESH:
		return subcode == LB_BGP_RR_BAD_LENGTH ? "invalid ROUTE-REFRESH length"
						       : "ROUTE-REFRESH message error";
	default:
		return "unknown error";
	}
#undef PICK
}
