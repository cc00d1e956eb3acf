/* The Adj-RIB-Out of one peer (RFC 4271 §3.2): the prefixes we want the
 * peer to hold, each with its own attributes, and what the peer was last
 * told. Changes are recorded as they come and turned into UPDATEs only on
 * flush, so a prefix announced and withdrawn between two flushes costs
 * nothing, and prefixes sharing attributes are packed into as few UPDATEs as
 * fit. Pure code: the caller hands the bytes to its socket. */
#ifndef LB_BGP_ADJOUT_H
#define LB_BGP_ADJOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "bgp_update.h"
#include "buf.h"
#include "err.h"
#include "hset.h"

enum { LB_BGP_ADJOUT_MAX_COMMUNITIES = 32 };

/* The LOCAL_PREF sent to an internal peer for a route that sets none. */
enum { LB_BGP_DEFAULT_LOCAL_PREF = 100 };

/* The per-route attributes a caller chooses; ORIGIN, AS_PATH and NEXT_HOP
 * come from the session at flush time, and whether LOCAL_PREF is sent at
 * all (iBGP only). */
struct lb_bgp_adjout_attrs {
	bool has_med, has_local_pref;
	uint32_t med, local_pref;
	uint32_t communities[LB_BGP_ADJOUT_MAX_COMMUNITIES];
	size_t n_communities;
	struct lb_bgp_large_community large[LB_BGP_ADJOUT_MAX_COMMUNITIES];
	size_t n_large;
};

struct lb_bgp_adjout_entry;
struct lb_bgp_adjout_block;

struct lb_bgp_adjout {
	struct lb_hset routes; /* struct lb_bgp_adjout_entry by prefix */
	/* Interned attribute sets: routes refer to them by index, so routes
	 * with equal attributes compare equal in one integer compare. */
	struct lb_bgp_adjout_attrs *attrs;
	size_t n_attrs;
	struct lb_bgp_adjout_entry **dirty;
	size_t n_dirty, cap_dirty;
	bool dirty_sorted;
	struct lb_bgp_adjout_block *blocks; /* entry storage */
	size_t block_used;
	struct lb_bgp_adjout_entry *free_list;
	size_t n_wanted; /* routes we want announced */
	size_t n_sent;   /* routes the peer was told about */
};

/* What the session supplies when the UPDATEs are built. */
struct lb_bgp_adjout_session {
	const struct lb_bgp_session *session;
	uint8_t origin;
	const uint32_t *as_path; /* empty for iBGP, our AS for eBGP */
	size_t as_path_len;
	struct lb_addr next_hop;  /* IPv4; family 0 if IPv4 cannot be sent */
	struct lb_addr next_hop6; /* IPv6; family 0 if IPv6 cannot be sent */
	struct lb_addr next_hop6_ll; /* RFC 2545 §3 link-local next hop; family 0: none */
	bool ipv4, ipv6;          /* families negotiated with the peer */
};

void lb_bgp_adjout_init(struct lb_bgp_adjout *a);
void lb_bgp_adjout_free(struct lb_bgp_adjout *a);

/* Wants p announced with attrs (replacing its previous attributes). */
int lb_bgp_adjout_announce(struct lb_bgp_adjout *a, const struct lb_prefix *p,
			   const struct lb_bgp_adjout_attrs *attrs, struct lb_err *err);
/* Wants p withdrawn; 0 also when it was not announced. */
int lb_bgp_adjout_withdraw(struct lb_bgp_adjout *a, const struct lb_prefix *p,
			   struct lb_err *err);
bool lb_bgp_adjout_wants(const struct lb_bgp_adjout *a, const struct lb_prefix *p);

/* The session went down: the peer holds nothing of ours any more. */
void lb_bgp_adjout_reset(struct lb_bgp_adjout *a);
/* RFC 2918 §4 route refresh or a new session: every wanted route is sent
 * again on the next flush. */
void lb_bgp_adjout_resend_all(struct lb_bgp_adjout *a);
bool lb_bgp_adjout_pending(const struct lb_bgp_adjout *a);

/* Appends UPDATEs for the pending changes to w (withdrawals first, then
 * announcements grouped by attributes and family), stopping once w holds
 * max_bytes (0: no limit); what is left stays pending for the next call.
 * Routes of a family the session cannot carry are dropped from the pending
 * set and counted in *skipped (a new session sends them again). Returns
 * the number of UPDATE messages, -1 on error (w is then in error). */
int lb_bgp_adjout_flush(struct lb_bgp_adjout *a, const struct lb_bgp_adjout_session *s,
			struct lb_wbuf *w, size_t max_bytes, size_t *skipped, struct lb_err *err);

#endif
