/* lib/buf.c and lib/bgp_msg.c: the cursor, the writer, and every non-UPDATE
 * message, with byte vectors written out by hand from RFC 4271 §4. */
#include <stdlib.h>
#include <string.h>

#include "bgp_msg.h"
#include "buf.h"
#include "tap.h"

static struct tap t;

#define MARKER 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, \
	       0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff

/* Wraps a body in a header with a correct length. */
static size_t wrap(uint8_t *out, uint8_t type, const uint8_t *body, size_t blen)
{
	memset(out, 0xff, 16);
	lb_put_be16(out + 16, (uint16_t)(LB_BGP_HEADER_LEN + blen));
	out[18] = type;
	if (blen)
		memcpy(out + 19, body, blen);
	return LB_BGP_HEADER_LEN + blen;
}

static void test_buf(void)
{
	const uint8_t bytes[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07};
	struct lb_buf b, sub;
	uint8_t u8;
	uint16_t u16;
	uint32_t u32 = 0xdeadbeef;

	lb_buf_init(&b, bytes, sizeof(bytes));
	tap_ok(&t, lb_buf_get_u8(&b, &u8) == 0 && u8 == 1, "get_u8");
	tap_ok(&t, lb_buf_get_u16(&b, &u16) == 0 && u16 == 0x0203, "get_u16 is big-endian");
	tap_ok(&t, lb_buf_get_u32(&b, &u32) == 0 && u32 == 0x04050607, "get_u32 is big-endian");
	tap_is_int(&t, lb_buf_left(&b), 0, "all consumed");
	u32 = 0xdeadbeef;
	tap_ok(&t, lb_buf_get_u32(&b, &u32) == -1 && u32 == 0xdeadbeef, "get past the end fails, value untouched");
	tap_ok(&t, lb_buf_get_u8(&b, &u8) == -1, "get_u8 on empty fails");

	lb_buf_init(&b, bytes, 3);
	tap_ok(&t, lb_buf_get_u32(&b, &u32) == -1 && lb_buf_left(&b) == 3,
	       "a 4-byte read from 3 bytes fails without consuming");
	tap_ok(&t, lb_buf_skip(&b, 4) == -1 && lb_buf_left(&b) == 3, "skip past the end fails");
	tap_ok(&t, lb_buf_sub(&b, 2, &sub) == 0 && lb_buf_left(&sub) == 2 && lb_buf_left(&b) == 1,
	       "sub cuts 2 bytes and steps past them");
	tap_ok(&t, lb_buf_get_u16(&sub, &u16) == 0 && u16 == 0x0102 && lb_buf_get_u8(&sub, &u8) == -1,
	       "the sub-buffer ends where it was cut, not where the parent ends");
	tap_ok(&t, lb_buf_sub(&b, 2, &sub) == -1 && lb_buf_left(&b) == 1, "sub past the end fails");
	uint8_t two[2];
	tap_ok(&t, lb_buf_get_bytes(&b, two, 2) == -1 && lb_buf_get_bytes(&b, two, 1) == 0 && two[0] == 3,
	       "get_bytes is bounded");
	lb_buf_init(&b, NULL, 5);
	tap_ok(&t, lb_buf_left(&b) == 0 && lb_buf_skip(&b, 0) == 0, "a NULL buffer is empty");

	/* Writers. */
	uint8_t mem[8];
	struct lb_wbuf w;
	lb_wbuf_init_fixed(&w, mem, sizeof(mem));
	size_t at = lb_wbuf_reserve(&w, 2);
	lb_wbuf_put_u8(&w, 0xaa);
	lb_wbuf_put_u32(&w, 0x01020304);
	lb_wbuf_patch_u16(&w, at, 0xbeef);
	const uint8_t want1[] = {0xbe, 0xef, 0xaa, 1, 2, 3, 4};
	tap_ok(&t, lb_wbuf_error(&w) == 0 && tap_same_bytes(lb_wbuf_data(&w), lb_wbuf_len(&w), want1, 7),
	       "reserve, put and patch");
	lb_wbuf_put_u16(&w, 0x1234);
	tap_ok(&t, lb_wbuf_error(&w) == -1 && lb_wbuf_len(&w) == 7, "overflowing a fixed writer sets the error and writes nothing");
	lb_wbuf_put_u8(&w, 1);
	tap_ok(&t, lb_wbuf_error(&w) == -1 && lb_wbuf_len(&w) == 7, "the error is sticky, even for a put that would fit");
	lb_wbuf_reset(&w);
	lb_wbuf_put_u8(&w, 1);
	lb_wbuf_patch_u16(&w, 0, 7);
	tap_ok(&t, lb_wbuf_error(&w) == -1, "patching beyond what was written is an error");

	lb_wbuf_init(&w, 0);
	for (int i = 0; i < 5000; i++)
		lb_wbuf_put_u16(&w, (uint16_t)i);
	tap_ok(&t, lb_wbuf_error(&w) == 0 && lb_wbuf_len(&w) == 10000 &&
		   lb_be16(lb_wbuf_data(&w) + 2 * 4321) == 4321,
	       "a growable writer grows");
	lb_wbuf_truncate(&w, 3);
	tap_is_int(&t, lb_wbuf_len(&w), 3, "truncate");
	lb_wbuf_free(&w);
	lb_wbuf_init(&w, 5);
	lb_wbuf_put_u32(&w, 1);
	lb_wbuf_put_u16(&w, 1);
	tap_ok(&t, lb_wbuf_error(&w) == -1 && lb_wbuf_len(&w) == 4, "a growable writer stops at its max");
	lb_wbuf_free(&w);
}

static void expect_notify(const struct lb_bgp_notify *n, uint8_t code, uint8_t sub,
			  const uint8_t *data, size_t dlen, const char *what)
{
	int ok = n->send && n->code == code && n->subcode == sub &&
		 tap_same_bytes(n->data, n->data_len, data, dlen);
	tap_ok(&t, ok, "%s -> NOTIFICATION %u/%u (%s)", what, code, sub, n->reason);
	if (!ok)
		printf("#   got %u/%u send=%d\n", n->code, n->subcode, n->send);
}

static void test_header(void)
{
	struct lb_bgp_header h;
	struct lb_bgp_notify n;
	uint8_t m[LB_BGP_MAX_LEN + 8];

	const uint8_t keepalive[] = {MARKER, 0x00, 0x13, 0x04};
	tap_ok(&t, lb_bgp_header_decode(keepalive, sizeof(keepalive), &h, &n) == 0 && h.len == 19 &&
		   h.type == LB_BGP_KEEPALIVE && lb_bgp_keepalive_decode(keepalive, 19, &n) == 0,
	       "KEEPALIVE header");

	memcpy(m, keepalive, 19);
	m[7] = 0xfe;
	expect_notify((lb_bgp_header_decode(m, 19, &h, &n), &n), 1, 1, NULL, 0, "marker not all ones");

	memcpy(m, keepalive, 19);
	m[17] = 18;
	const uint8_t d18[] = {0x00, 0x12};
	tap_ok(&t, lb_bgp_header_decode(m, 19, &h, &n) == -1, "length 18 refused");
	expect_notify(&n, 1, 2, d18, 2, "length 18");

	m[16] = 0x10, m[17] = 0x01;
	const uint8_t d4097[] = {0x10, 0x01};
	lb_bgp_header_decode(m, 19, &h, &n);
	expect_notify(&n, 1, 2, d4097, 2, "length 4097");

	memcpy(m, keepalive, 19);
	m[18] = 6;
	const uint8_t d6[] = {6};
	lb_bgp_header_decode(m, 19, &h, &n);
	expect_notify(&n, 1, 3, d6, 1, "type 6");
	m[18] = 0;
	const uint8_t d0[] = {0};
	lb_bgp_header_decode(m, 19, &h, &n);
	expect_notify(&n, 1, 3, d0, 1, "type 0");

	/* RFC 4271 §6.1: too short or too long for the type. */
	static const struct {
		uint8_t type;
		uint16_t len;
	} bad[] = {{LB_BGP_KEEPALIVE, 20}, {LB_BGP_OPEN, 28}, {LB_BGP_UPDATE, 22},
		   {LB_BGP_NOTIFICATION, 20}, {LB_BGP_ROUTE_REFRESH, 22}};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memcpy(m, keepalive, 19);
		lb_put_be16(m + 16, bad[i].len);
		m[18] = bad[i].type;
		uint8_t d[2];
		lb_put_be16(d, bad[i].len);
		tap_ok(&t, lb_bgp_header_decode(m, sizeof(m), &h, &n) == -1, "%s of length %u refused",
		       lb_bgp_type_name(bad[i].type), bad[i].len);
		expect_notify(&n, 1, 2, d, 2, lb_bgp_type_name(bad[i].type));
	}
	memcpy(m, keepalive, 19);
	lb_put_be16(m + 16, 4096);
	m[18] = LB_BGP_UPDATE;
	tap_ok(&t, lb_bgp_header_decode(m, 19, &h, &n) == 0 && h.len == 4096,
	       "a 4096-byte UPDATE header is fine (body not needed to read the header)");
	tap_ok(&t, lb_bgp_header_decode(m, 18, &h, &n) == -1 && !n.send,
	       "fewer than 19 bytes is the caller's problem: nothing to send");
}

/* RFC 4271 §4.2 and the capability layouts of RFC 4760 §8, RFC 2918 §2,
 * RFC 4724 §3 and RFC 6793 §3, byte by byte. */
static const uint8_t open_vector[] = {
	MARKER, 0x00, 0x43, 0x01, /* length 67, OPEN */
	0x04,                     /* version */
	0xfd, 0xe9,               /* My AS 65001 */
	0x00, 0x5a,               /* hold time 90 */
	0xc0, 0x00, 0x02, 0x01,   /* BGP identifier 192.0.2.1 */
	0x26,                     /* optional parameters length 38 */
	0x02, 0x24,               /* capabilities, 36 bytes */
	0x01, 0x04, 0x00, 0x01, 0x00, 0x01, /* MP IPv4 unicast */
	0x01, 0x04, 0x00, 0x02, 0x00, 0x01, /* MP IPv6 unicast */
	0x02, 0x00,                         /* route refresh */
	0x40, 0x0a, 0x80, 0x78,             /* GR: R flag, 120 s */
	0x00, 0x01, 0x01, 0x80,             /*   IPv4 unicast, forwarding kept */
	0x00, 0x02, 0x01, 0x00,             /*   IPv6 unicast */
	0x41, 0x04, 0x00, 0x00, 0xfd, 0xe9, /* 4-octet AS 65001 */
	0x49, 0x02, 0xab, 0xcd,             /* unknown capability 73 */
};

static struct lb_bgp_caps vector_caps(void)
{
	static const uint8_t unknown_value[] = {0xab, 0xcd};
	struct lb_bgp_caps c = {0};
	c.mp[0] = (struct lb_bgp_afi_safi){1, 1};
	c.mp[1] = (struct lb_bgp_afi_safi){2, 1};
	c.n_mp = 2;
	c.route_refresh = true;
	c.gr = true;
	c.gr_flags = LB_BGP_GR_FLAG_RESTART;
	c.gr_time = 120;
	c.gr_af[0] = (struct lb_bgp_gr_af){1, 1, LB_BGP_GR_AF_FORWARDING};
	c.gr_af[1] = (struct lb_bgp_gr_af){2, 1, 0};
	c.n_gr_af = 2;
	c.as4 = true;
	c.as4_asn = 65001;
	c.unknown[0] = (struct lb_bgp_cap_raw){73, 2, unknown_value};
	c.n_unknown = 1;
	return c;
}

/* Builds an OPEN body by hand: fixed fields then raw parameters. */
static size_t open_msg(uint8_t *m, uint8_t version, uint16_t as, uint16_t hold, uint32_t id,
		       const uint8_t *params, size_t plen)
{
	uint8_t body[512];
	body[0] = version;
	lb_put_be16(body + 1, as);
	lb_put_be16(body + 3, hold);
	lb_put_be32(body + 5, id);
	body[9] = (uint8_t)plen;
	if (plen)
		memcpy(body + 10, params, plen);
	return wrap(m, LB_BGP_OPEN, body, 10 + plen);
}

static void test_open(void)
{
	uint8_t mem[LB_BGP_MAX_LEN];
	struct lb_wbuf w;
	struct lb_bgp_open o;
	struct lb_bgp_notify n;
	struct lb_bgp_header h;
	struct lb_bgp_caps c = vector_caps();

	lb_wbuf_init_fixed(&w, mem, sizeof(mem));
	lb_bgp_open_encode(&w, 65001, 90, 0xc0000201, &c);
	tap_ok(&t, lb_wbuf_error(&w) == 0 &&
		   tap_same_bytes(lb_wbuf_data(&w), lb_wbuf_len(&w), open_vector, sizeof(open_vector)),
	       "OPEN encodes to the hand-written bytes");

	struct lb_bgp_open_policy pol = {.peer_asn = 65001, .local_asn = 65000,
					 .local_bgp_id = 0xc0000202};
	tap_ok(&t, lb_bgp_header_decode(open_vector, sizeof(open_vector), &h, &n) == 0 &&
		   lb_bgp_open_decode(open_vector, h.len, &pol, &o, &n) == 0,
	       "OPEN vector decodes");
	tap_ok(&t, o.version == 4 && o.my_as == 65001 && o.asn == 65001 && o.hold_time == 90 &&
		   o.bgp_id == 0xc0000201 && o.has_caps,
	       "OPEN fixed fields");
	tap_ok(&t, o.caps.n_mp == 2 && lb_bgp_caps_has_mp(&o.caps, 1, 1) &&
		   lb_bgp_caps_has_mp(&o.caps, 2, 1) && !lb_bgp_caps_has_mp(&o.caps, 2, 2),
	       "multiprotocol capabilities");
	tap_ok(&t, o.caps.route_refresh && o.caps.as4 && o.caps.as4_asn == 65001, "route refresh and 4-octet AS");
	tap_ok(&t, o.caps.gr && o.caps.gr_flags == LB_BGP_GR_FLAG_RESTART && o.caps.gr_time == 120 &&
		   o.caps.n_gr_af == 2 && o.caps.gr_af[0].afi == 1 &&
		   o.caps.gr_af[0].flags == LB_BGP_GR_AF_FORWARDING && o.caps.gr_af[1].afi == 2 &&
		   o.caps.gr_af[1].flags == 0,
	       "graceful restart: flags, time and per-family forwarding bits");
	tap_ok(&t, o.caps.n_unknown == 1 && o.caps.n_unknown_total == 1 && o.caps.unknown[0].code == 73 &&
		   o.caps.unknown[0].len == 2 && o.caps.unknown[0].value[1] == 0xcd && o.caps.n_caps_total == 6,
	       "unknown capability skipped and kept for the log");

	/* Round trip of a 4-octet AS: AS_TRANS on the wire, the real one in the capability. */
	struct lb_bgp_caps c4 = {.as4 = true, .as4_asn = 4200000001u};
	lb_wbuf_reset(&w);
	lb_bgp_open_encode(&w, 4200000001u, 0, 0x0a000001, &c4);
	tap_ok(&t, lb_be16(lb_wbuf_data(&w) + 20) == LB_BGP_AS_TRANS, "a 4-octet AS is sent as AS_TRANS");
	struct lb_bgp_open_policy pol4 = {.peer_asn = 4200000001u};
	tap_ok(&t, lb_bgp_open_decode(lb_wbuf_data(&w), lb_wbuf_len(&w), &pol4, &o, &n) == 0 &&
		   o.asn == 4200000001u && o.my_as == LB_BGP_AS_TRANS && o.hold_time == 0,
	       "4-octet AS round trip, hold time 0 accepted");

	/* Errors, each with the NOTIFICATION RFC 4271 §6.2 names. */
	uint8_t m[600];
	size_t len;
	const uint8_t as4cap[] = {0x02, 0x06, 0x41, 0x04, 0x00, 0x00, 0xfd, 0xe9};
	const uint8_t ver4[] = {0x00, 0x04};

	len = open_msg(m, 3, 65001, 90, 1, as4cap, sizeof(as4cap));
	tap_ok(&t, lb_bgp_open_decode(m, len, &pol, &o, &n) == -1, "version 3 refused");
	expect_notify(&n, 2, 1, ver4, 2, "version 3 (data: largest supported version)");

	len = open_msg(m, 4, 65002, 90, 1, NULL, 0);
	lb_bgp_open_decode(m, len, &pol, &o, &n);
	expect_notify(&n, 2, 2, NULL, 0, "peer AS 65002 when 65001 is configured");

	len = open_msg(m, 4, 0, 90, 1, NULL, 0);
	lb_bgp_open_decode(m, len, NULL, &o, &n);
	expect_notify(&n, 2, 2, NULL, 0, "My AS 0 (RFC 7607)");

	const uint8_t as4zero[] = {0x02, 0x06, 0x41, 0x04, 0x00, 0x00, 0x00, 0x00};
	len = open_msg(m, 4, LB_BGP_AS_TRANS, 90, 1, as4zero, sizeof(as4zero));
	lb_bgp_open_decode(m, len, NULL, &o, &n);
	expect_notify(&n, 2, 2, NULL, 0, "4-octet AS 0 (RFC 7607)");

	len = open_msg(m, 4, 65002, 90, 1, as4cap, sizeof(as4cap));
	lb_bgp_open_decode(m, len, NULL, &o, &n);
	expect_notify(&n, 2, 2, NULL, 0, "My AS 65002 disagreeing with 4-octet AS 65001");

	for (uint16_t hold = 0; hold <= 4; hold++) {
		len = open_msg(m, 4, 65001, hold, 1, as4cap, sizeof(as4cap));
		int r = lb_bgp_open_decode(m, len, &pol, &o, &n);
		if (hold == 1 || hold == 2)
			expect_notify(&n, 2, 6, NULL, 0, hold == 1 ? "hold time 1" : "hold time 2");
		else
			tap_ok(&t, r == 0 && o.hold_time == hold, "hold time %u accepted", hold);
	}

	len = open_msg(m, 4, 65001, 90, 0, as4cap, sizeof(as4cap));
	lb_bgp_open_decode(m, len, &pol, &o, &n);
	expect_notify(&n, 2, 3, NULL, 0, "BGP identifier 0");

	struct lb_bgp_open_policy ibgp = {.peer_asn = 65001, .local_asn = 65001, .local_bgp_id = 7};
	len = open_msg(m, 4, 65001, 90, 7, as4cap, sizeof(as4cap));
	lb_bgp_open_decode(m, len, &ibgp, &o, &n);
	expect_notify(&n, 2, 3, NULL, 0, "internal peer with our BGP identifier (RFC 6286)");
	struct lb_bgp_open_policy ebgp = {.peer_asn = 65001, .local_asn = 65000, .local_bgp_id = 7};
	tap_ok(&t, lb_bgp_open_decode(m, len, &ebgp, &o, &n) == 0,
	       "an external peer may share our BGP identifier");

	const uint8_t auth_param[] = {0x01, 0x02, 0x00, 0x00};
	len = open_msg(m, 4, 65001, 90, 1, auth_param, sizeof(auth_param));
	lb_bgp_open_decode(m, len, &pol, &o, &n);
	expect_notify(&n, 2, 4, NULL, 0, "optional parameter type 1");

	struct lb_bgp_open_policy need4 = {.local_asn = 65000, .require_as4 = true};
	len = open_msg(m, 4, 65001, 90, 1, NULL, 0);
	const uint8_t need4_data[] = {0x41, 0x04, 0x00, 0x00, 0xfd, 0xe8};
	lb_bgp_open_decode(m, len, &need4, &o, &n);
	expect_notify(&n, 2, 7, need4_data, sizeof(need4_data), "no 4-octet AS capability when required");

	struct lb_bgp_open_policy need6 = {.n_require_mp = 1, .require_mp = {{2, 1}}};
	const uint8_t mp4only[] = {0x02, 0x06, 0x01, 0x04, 0x00, 0x01, 0x00, 0x01};
	len = open_msg(m, 4, 65001, 90, 1, mp4only, sizeof(mp4only));
	const uint8_t need6_data[] = {0x01, 0x04, 0x00, 0x02, 0x00, 0x01};
	lb_bgp_open_decode(m, len, &need6, &o, &n);
	expect_notify(&n, 2, 7, need6_data, sizeof(need6_data), "IPv6 unicast required but not offered");

	const uint8_t badmp[] = {0x02, 0x05, 0x01, 0x03, 0x00, 0x01, 0x00};
	len = open_msg(m, 4, 65001, 90, 1, badmp, sizeof(badmp));
	lb_bgp_open_decode(m, len, &pol, &o, &n);
	expect_notify(&n, 2, 0, NULL, 0, "multiprotocol capability of length 3");

	const uint8_t badgr[] = {0x02, 0x05, 0x40, 0x03, 0x00, 0x78, 0x00};
	len = open_msg(m, 4, 65001, 90, 1, badgr, sizeof(badgr));
	lb_bgp_open_decode(m, len, &pol, &o, &n);
	expect_notify(&n, 2, 0, NULL, 0, "graceful restart capability of length 3");

	const uint8_t capover[] = {0x02, 0x04, 0x41, 0x04, 0x00, 0x00};
	len = open_msg(m, 4, 65001, 90, 1, capover, sizeof(capover));
	lb_bgp_open_decode(m, len, &pol, &o, &n);
	expect_notify(&n, 2, 0, NULL, 0, "capability overrunning its parameter");

	const uint8_t paramover[] = {0x02, 0x09, 0x41, 0x04, 0x00, 0x00, 0xfd, 0xe9};
	len = open_msg(m, 4, 65001, 90, 1, paramover, sizeof(paramover));
	lb_bgp_open_decode(m, len, &pol, &o, &n);
	expect_notify(&n, 2, 0, NULL, 0, "parameter overrunning the parameters");

	/* Optional Parameters Length disagreeing with the message length. */
	len = open_msg(m, 4, 65001, 90, 1, as4cap, sizeof(as4cap));
	m[28] = 9;
	uint8_t lenfield[2];
	lb_put_be16(lenfield, (uint16_t)len);
	lb_bgp_open_decode(m, len, &pol, &o, &n);
	expect_notify(&n, 1, 2, lenfield, 2, "parameters length beyond the message");
	m[28] = 7;
	lb_bgp_open_decode(m, len, &pol, &o, &n);
	expect_notify(&n, 1, 2, lenfield, 2, "bytes left after the parameters");

	/* RFC 9072 extended optional parameters. */
	uint8_t ext[] = {0xff, 0x00, 0x09, 0x02, 0x00, 0x06, 0x41, 0x04, 0x00, 0x00, 0xfd, 0xe9};
	uint8_t body[64] = {4, 0xfd, 0xe9, 0, 90, 0, 0, 0, 1, 0xff};
	memcpy(body + 10, ext, sizeof(ext));
	len = wrap(m, LB_BGP_OPEN, body, 10 + sizeof(ext));
	tap_ok(&t, lb_bgp_open_decode(m, len, &pol, &o, &n) == 0 && o.caps.as4 && o.asn == 65001,
	       "RFC 9072 extended optional parameters");

	/* Several capability parameters, and a repeated family. */
	const uint8_t multi[] = {0x02, 0x06, 0x01, 0x04, 0x00, 0x02, 0x00, 0x01,
				 0x02, 0x06, 0x01, 0x04, 0x00, 0x02, 0x00, 0x01,
				 0x02, 0x00};
	len = open_msg(m, 4, 65001, 90, 1, multi, sizeof(multi));
	tap_ok(&t, lb_bgp_open_decode(m, len, &pol, &o, &n) == 0 && o.caps.n_mp == 1 && o.caps.n_caps_total == 2,
	       "capabilities over several parameters; a repeated family counts once");

	tap_is_int(&t, lb_bgp_hold_time_negotiate(90, 30), 30, "hold time: the smaller wins");
	tap_is_int(&t, lb_bgp_hold_time_negotiate(90, 0), 0, "hold time: 0 disables keepalives");
}

static void test_notification_refresh(void)
{
	uint8_t mem[LB_BGP_MAX_LEN];
	struct lb_wbuf w;
	struct lb_bgp_notification no;
	struct lb_bgp_notify n;
	struct lb_bgp_header h;

	lb_wbuf_init_fixed(&w, mem, sizeof(mem));
	lb_bgp_notification_shutdown_encode(&w, LB_BGP_CEASE_ADMIN_SHUTDOWN, "bye");
	const uint8_t shut[] = {MARKER, 0x00, 0x19, 0x03, 0x06, 0x02, 0x03, 'b', 'y', 'e'};
	tap_ok(&t, tap_same_bytes(lb_wbuf_data(&w), lb_wbuf_len(&w), shut, sizeof(shut)),
	       "Cease/Administrative Shutdown with a shutdown message (RFC 8203)");
	tap_ok(&t, lb_bgp_header_decode(shut, sizeof(shut), &h, &n) == 0 &&
		   lb_bgp_notification_decode(shut, sizeof(shut), &no, &n) == 0 && no.code == 6 &&
		   no.subcode == 2 && no.has_shutdown_msg && !strcmp(no.shutdown_msg, "bye") && no.data_len == 4,
	       "shutdown message decodes");

	/* 300 bytes of 2-byte UTF-8 'é': truncated to 254, not mid-character. */
	char longtext[301];
	for (int i = 0; i < 300; i += 2)
		longtext[i] = (char)0xc3, longtext[i + 1] = (char)0xa9;
	longtext[300] = 0;
	lb_wbuf_reset(&w);
	lb_bgp_notification_shutdown_encode(&w, LB_BGP_CEASE_ADMIN_RESET, longtext);
	tap_ok(&t, lb_wbuf_error(&w) == 0 && lb_wbuf_data(&w)[21] == 254 && lb_wbuf_len(&w) == 22 + 254,
	       "long shutdown message cut to 254 bytes at a character boundary");
	tap_ok(&t, lb_bgp_notification_decode(lb_wbuf_data(&w), lb_wbuf_len(&w), &no, &n) == 0 &&
		   no.has_shutdown_msg && strlen(no.shutdown_msg) == 254,
	       "and decodes back");

	const uint8_t ctl[] = {MARKER, 0x00, 0x1a, 0x03, 0x06, 0x04, 0x04, 'a', '\n', 0x1b, 0x00};
	tap_ok(&t, lb_bgp_notification_decode(ctl, sizeof(ctl), &no, &n) == 0 && no.has_shutdown_msg &&
		   !strcmp(no.shutdown_msg, "a???") && no.data[2] == '\n',
	       "control characters in a shutdown message are masked for the log, raw data kept");
	const uint8_t overrun[] = {MARKER, 0x00, 0x18, 0x03, 0x06, 0x02, 0x09, 'b', 'y'};
	tap_ok(&t, lb_bgp_notification_decode(overrun, sizeof(overrun), &no, &n) == 0 &&
		   !no.has_shutdown_msg && no.data_len == 3,
	       "shutdown length beyond the data: kept raw, no text");

	lb_wbuf_reset(&w);
	const uint8_t lenfield[] = {0x10, 0x01};
	lb_bgp_notification_encode(&w, 1, 2, lenfield, 2);
	const uint8_t hdrerr[] = {MARKER, 0x00, 0x17, 0x03, 0x01, 0x02, 0x10, 0x01};
	tap_ok(&t, tap_same_bytes(lb_wbuf_data(&w), lb_wbuf_len(&w), hdrerr, sizeof(hdrerr)),
	       "NOTIFICATION with data encodes");
	tap_ok(&t, lb_bgp_notification_decode(hdrerr, sizeof(hdrerr), &no, &n) == 0 && no.code == 1 &&
		   no.subcode == 2 && no.data_len == 2 && no.data[0] == 0x10 && !no.has_shutdown_msg,
	       "NOTIFICATION with data decodes");
	const uint8_t shortn[] = {MARKER, 0x00, 0x14, 0x03, 0x06};
	tap_ok(&t, lb_bgp_notification_decode(shortn, sizeof(shortn), &no, &n) == -1 && !n.send,
	       "a NOTIFICATION without a subcode is refused, and never answered (RFC 4271 §6.4)");

	lb_wbuf_reset(&w);
	lb_bgp_route_refresh_encode(&w, LB_BGP_AFI_IPV6, LB_BGP_SAFI_UNICAST);
	const uint8_t rr[] = {MARKER, 0x00, 0x17, 0x05, 0x00, 0x02, 0x00, 0x01};
	tap_ok(&t, tap_same_bytes(lb_wbuf_data(&w), lb_wbuf_len(&w), rr, sizeof(rr)), "ROUTE-REFRESH encodes (RFC 2918 §3)");
	struct lb_bgp_route_refresh r;
	tap_ok(&t, lb_bgp_route_refresh_decode(rr, sizeof(rr), &r, &n) == 0 && r.afi == 2 && r.safi == 1 &&
		   r.subtype == 0,
	       "ROUTE-REFRESH decodes");
	const uint8_t borr[] = {MARKER, 0x00, 0x18, 0x05, 0x00, 0x01, 0x01, 0x01, 0x00};
	lb_bgp_route_refresh_decode(borr, sizeof(borr), &r, &n);
	expect_notify(&n, 7, 1, borr, sizeof(borr), "BoRR of 5 body bytes (RFC 7313 §5, data: whole message)");
	const uint8_t orf[] = {MARKER, 0x00, 0x1a, 0x05, 0x00, 0x01, 0x00, 0x01, 0x01, 0x00, 0x00};
	tap_ok(&t, lb_bgp_route_refresh_decode(orf, sizeof(orf), &r, &n) == 0,
	       "a normal request with ORF entries is accepted, entries ignored");

	lb_wbuf_reset(&w);
	lb_bgp_keepalive_encode(&w);
	const uint8_t ka[] = {MARKER, 0x00, 0x13, 0x04};
	tap_ok(&t, tap_same_bytes(lb_wbuf_data(&w), lb_wbuf_len(&w), ka, sizeof(ka)), "KEEPALIVE encodes");

	/* A writer too small for the message fails as a whole. */
	uint8_t tiny[20];
	lb_wbuf_init_fixed(&w, tiny, sizeof(tiny));
	lb_bgp_route_refresh_encode(&w, 1, 1);
	tap_ok(&t, lb_wbuf_error(&w) == -1, "encoding into a too-small writer reports an error");

	tap_is_str(&t, lb_bgp_error_name(2, 6), "unacceptable hold time", "error names");
	tap_is_str(&t, lb_bgp_error_name(6, 2), "administrative shutdown", "cease names");
}

int main(void)
{
	test_buf();
	test_header();
	test_open();
	test_notification_refresh();
	return tap_done(&t);
}
