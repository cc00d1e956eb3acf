/* BGP-4 messages other than UPDATE (RFC 4271 §4): the header, OPEN with its
 * capabilities (RFC 5492), KEEPALIVE, NOTIFICATION (with the RFC 8203/9003
 * shutdown message) and ROUTE-REFRESH (RFC 2918). Pure code: decoders read
 * from a byte range, encoders append to an lb_wbuf; nothing here does I/O.
 *
 * Every decoder that can fail because of the peer fills a struct
 * lb_bgp_notify with the exact NOTIFICATION (code, subcode, data) the caller
 * must send before closing (RFC 4271 §6), and a one-line reason for the log. */
#ifndef LB_BGP_MSG_H
#define LB_BGP_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

enum {
	LB_BGP_HEADER_LEN = 19,
	LB_BGP_MAX_LEN = 4096,  /* RFC 4271 §4.1 (no RFC 8654 extended messages) */
	LB_BGP_OPEN_MIN_LEN = 29,
	LB_BGP_UPDATE_MIN_LEN = 23,
	LB_BGP_NOTIFICATION_MIN_LEN = 21,
	LB_BGP_ROUTE_REFRESH_LEN = 23,
	LB_BGP_VERSION = 4,
	LB_BGP_PORT = 179,
	LB_BGP_AS_TRANS = 23456, /* RFC 6793 §9 */
};

enum lb_bgp_type {
	LB_BGP_OPEN = 1,
	LB_BGP_UPDATE = 2,
	LB_BGP_NOTIFICATION = 3,
	LB_BGP_KEEPALIVE = 4,
	LB_BGP_ROUTE_REFRESH = 5,
};

/* NOTIFICATION error codes and subcodes (RFC 4271 §4.5, IANA registry). */
enum {
	LB_BGP_ERR_HEADER = 1,
	LB_BGP_ERR_OPEN = 2,
	LB_BGP_ERR_UPDATE = 3,
	LB_BGP_ERR_HOLD_TIMER = 4,
	LB_BGP_ERR_FSM = 5,
	LB_BGP_ERR_CEASE = 6,
	LB_BGP_ERR_ROUTE_REFRESH = 7, /* RFC 7313 */

	LB_BGP_HDR_NOT_SYNC = 1,
	LB_BGP_HDR_BAD_LENGTH = 2,
	LB_BGP_HDR_BAD_TYPE = 3,

	LB_BGP_OPEN_UNSPECIFIC = 0,
	LB_BGP_OPEN_BAD_VERSION = 1,
	LB_BGP_OPEN_BAD_PEER_AS = 2,
	LB_BGP_OPEN_BAD_BGP_ID = 3,
	LB_BGP_OPEN_BAD_OPT_PARAM = 4,
	LB_BGP_OPEN_BAD_HOLD_TIME = 6,
	LB_BGP_OPEN_BAD_CAPABILITY = 7, /* RFC 5492 */

	LB_BGP_UPD_MALFORMED_ATTR_LIST = 1,
	LB_BGP_UPD_UNKNOWN_WELLKNOWN = 2,
	LB_BGP_UPD_MISSING_WELLKNOWN = 3,
	LB_BGP_UPD_ATTR_FLAGS = 4,
	LB_BGP_UPD_ATTR_LENGTH = 5,
	LB_BGP_UPD_BAD_ORIGIN = 6,
	LB_BGP_UPD_BAD_NEXT_HOP = 8,
	LB_BGP_UPD_OPTIONAL_ATTR = 9,
	LB_BGP_UPD_BAD_NETWORK = 10,
	LB_BGP_UPD_MALFORMED_AS_PATH = 11,

	LB_BGP_CEASE_MAX_PREFIXES = 1, /* RFC 4486 */
	LB_BGP_CEASE_ADMIN_SHUTDOWN = 2,
	LB_BGP_CEASE_PEER_DECONFIGURED = 3,
	LB_BGP_CEASE_ADMIN_RESET = 4,
	LB_BGP_CEASE_CONN_REJECTED = 5,
	LB_BGP_CEASE_CONFIG_CHANGE = 6,
	LB_BGP_CEASE_COLLISION = 7,
	LB_BGP_CEASE_OUT_OF_RESOURCES = 8,

	LB_BGP_RR_BAD_LENGTH = 1, /* RFC 7313 §5 */
};

/* Capability codes (IANA) and address families. */
enum {
	LB_BGP_CAP_MP = 1,             /* RFC 4760 */
	LB_BGP_CAP_ROUTE_REFRESH = 2,  /* RFC 2918 */
	LB_BGP_CAP_GRACEFUL_RESTART = 64, /* RFC 4724 */
	LB_BGP_CAP_AS4 = 65,           /* RFC 6793 */

	LB_BGP_AFI_IPV4 = 1,
	LB_BGP_AFI_IPV6 = 2,
	LB_BGP_SAFI_UNICAST = 1,

	LB_BGP_GR_FLAG_RESTART = 0x8,   /* R bit, top of the 4-bit flags */
	LB_BGP_GR_FLAG_NOTIFICATION = 0x4, /* N bit, RFC 8538 */
	LB_BGP_GR_AF_FORWARDING = 0x80, /* F bit of an address family */
};

/* Everything a caller needs to answer a peer's error: the NOTIFICATION to
 * send (send == false when none may be sent, e.g. after a bad NOTIFICATION)
 * and a log line naming the problem. */
#define LB_BGP_NOTIFY_DATA_MAX (LB_BGP_MAX_LEN - LB_BGP_NOTIFICATION_MIN_LEN)
struct lb_bgp_notify {
	bool send;
	uint8_t code, subcode;
	uint16_t data_len;
	uint8_t data[LB_BGP_NOTIFY_DATA_MAX];
	char reason[160];
};

struct lb_bgp_header {
	uint16_t len; /* whole message, header included */
	uint8_t type;
};

struct lb_bgp_afi_safi {
	uint16_t afi;
	uint8_t safi;
};

struct lb_bgp_gr_af {
	uint16_t afi;
	uint8_t safi;
	uint8_t flags; /* LB_BGP_GR_AF_FORWARDING */
};

enum { LB_BGP_MAX_MP = 8, LB_BGP_MAX_GR_AF = 8, LB_BGP_MAX_UNKNOWN_CAPS = 8 };

struct lb_bgp_cap_raw {
	uint8_t code, len;
	const uint8_t *value; /* points into the decoded message */
};

/* Capabilities, for both directions: decoded from a peer's OPEN or filled
 * in by the caller before encoding its own. */
struct lb_bgp_caps {
	struct lb_bgp_afi_safi mp[LB_BGP_MAX_MP];
	unsigned n_mp;
	bool route_refresh;
	bool as4;
	uint32_t as4_asn;
	bool gr;
	uint8_t gr_flags;      /* 4 bits, LB_BGP_GR_FLAG_* */
	uint16_t gr_time;      /* 12 bits, seconds */
	struct lb_bgp_gr_af gr_af[LB_BGP_MAX_GR_AF];
	unsigned n_gr_af;
	/* Unknown capabilities are skipped (RFC 5492 §4); the first few are
	 * kept for the log and all are counted. The encoder sends the kept
	 * ones as they are, so a caller can offer a capability we do not model. */
	struct lb_bgp_cap_raw unknown[LB_BGP_MAX_UNKNOWN_CAPS];
	unsigned n_unknown, n_unknown_total;
	unsigned n_caps_total; /* every capability TLV seen, known or not */
};

struct lb_bgp_open {
	uint8_t version;
	uint16_t my_as;     /* the 2-octet field as sent (AS_TRANS for big ASNs) */
	uint32_t asn;       /* effective AS: the 4-octet capability if present */
	uint16_t hold_time;
	uint32_t bgp_id;    /* host order */
	bool has_caps;      /* a capabilities optional parameter was present */
	struct lb_bgp_caps caps;
};

/* What the local speaker expects from the peer's OPEN. */
struct lb_bgp_open_policy {
	uint32_t peer_asn;     /* 0: accept any AS */
	uint32_t local_asn;    /* for the iBGP identifier check (RFC 6286 §2.2) */
	uint32_t local_bgp_id; /* host order */
	bool require_as4;      /* refuse peers without 4-octet AS support */
	/* Families that must be offered by the peer, else Unsupported Capability. */
	struct lb_bgp_afi_safi require_mp[LB_BGP_MAX_MP];
	unsigned n_require_mp;
};

/* Header checks of RFC 4271 §6.1 on the first 19 bytes of p (len may be
 * larger: a receive buffer). Checks the marker, the length against the
 * message type's minimum and maximum, and the type. -1 with *n filled. */
int lb_bgp_header_decode(const uint8_t *p, size_t len, struct lb_bgp_header *h,
			 struct lb_bgp_notify *n);

/* Decoders take one whole message (header included, len == header.len) that
 * lb_bgp_header_decode has accepted. */
int lb_bgp_open_decode(const uint8_t *msg, size_t len, const struct lb_bgp_open_policy *pol,
		       struct lb_bgp_open *out, struct lb_bgp_notify *n);
/* RFC 4271 §4.4: a KEEPALIVE is the header alone. */
int lb_bgp_keepalive_decode(const uint8_t *msg, size_t len, struct lb_bgp_notify *n);

struct lb_bgp_notification {
	uint8_t code, subcode;
	const uint8_t *data; /* points into the decoded message */
	uint16_t data_len;
	/* RFC 8203 / RFC 9003 shutdown communication (Cease subcodes 2 and 4):
	 * UTF-8 text, NUL-terminated here, control characters (and so any NUL)
	 * replaced by '?' so it can be logged as is. */
	bool has_shutdown_msg;
	char shutdown_msg[256];
};
/* -1 only for a NOTIFICATION too short to hold code and subcode; no
 * NOTIFICATION is sent in answer to one (RFC 4271 §6.4), so n->send is false. */
int lb_bgp_notification_decode(const uint8_t *msg, size_t len, struct lb_bgp_notification *out,
			       struct lb_bgp_notify *n);

struct lb_bgp_route_refresh {
	uint16_t afi;
	uint8_t subtype; /* RFC 7313: 0 normal request, 1 BoRR, 2 EoRR */
	uint8_t safi;
};
int lb_bgp_route_refresh_decode(const uint8_t *msg, size_t len, struct lb_bgp_route_refresh *out,
				struct lb_bgp_notify *n);

/* RFC 4271 §4.2: a hold time of 1 or 2 seconds is refused; returns the
 * negotiated value (the smaller of the two, 0 meaning no keepalives). */
uint16_t lb_bgp_hold_time_negotiate(uint16_t local, uint16_t peer);
bool lb_bgp_caps_has_mp(const struct lb_bgp_caps *c, uint16_t afi, uint8_t safi);

/* Encoders append one whole message to w; errors show in lb_wbuf_error(w). */
void lb_bgp_open_encode(struct lb_wbuf *w, uint32_t asn, uint16_t hold_time, uint32_t bgp_id,
			const struct lb_bgp_caps *caps);
void lb_bgp_keepalive_encode(struct lb_wbuf *w);
void lb_bgp_notification_encode(struct lb_wbuf *w, uint8_t code, uint8_t subcode,
				const void *data, size_t data_len);
/* Cease with an RFC 8203/9003 shutdown message (truncated to 255 bytes at a
 * UTF-8 character boundary). subcode: ADMIN_SHUTDOWN or ADMIN_RESET. */
void lb_bgp_notification_shutdown_encode(struct lb_wbuf *w, uint8_t subcode, const char *text);
void lb_bgp_route_refresh_encode(struct lb_wbuf *w, uint16_t afi, uint8_t safi);

/* Writes a header with a placeholder length; lb_bgp_msg_end patches it.
 * Returns the offset of the message start. */
size_t lb_bgp_msg_begin(struct lb_wbuf *w, uint8_t type);
void lb_bgp_msg_end(struct lb_wbuf *w, size_t start);

/* Fills n; always returns -1 so decoders can `return lb_bgp_notify_set(…)`. */
int lb_bgp_notify_set(struct lb_bgp_notify *n, uint8_t code, uint8_t subcode, const void *data,
		      size_t data_len, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

const char *lb_bgp_type_name(uint8_t type);
const char *lb_bgp_error_name(uint8_t code, uint8_t subcode);

#endif
