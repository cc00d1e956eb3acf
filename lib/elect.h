/* Which addresses this node announces, and how: the speaker's election.
 * Pure code: lb-watch events and lb-probe lines go in one at a time, the
 * desired set of announcements is recomputed from everything known, and the
 * difference from the last computed set comes out as ANNOUNCE and WITHDRAW
 * lines (lbkit(7)). Every speaker runs the same rule on the same inputs, so
 * every speaker reaches the same layer 2 owner without talking to the
 * others. */
#ifndef LB_ELECT_H
#define LB_ELECT_H

#include <stdbool.h>

#include <jansson.h>

#include "err.h"

struct lb_elect;

/* The election as seen by node (its metadata.name); NULL when memory runs
 * out. */
struct lb_elect *lb_elect_new(const char *node);
void lb_elect_free(struct lb_elect *e);

/* Nothing is announced before each required kind has sent SYNCED. */
int lb_elect_require_sync(struct lb_elect *e, const char *kind);
bool lb_elect_is_synced(const struct lb_elect *e);
/* The kinds still awaited, comma-separated, into buf. */
const char *lb_elect_awaiting(const struct lb_elect *e, char *buf, size_t size);

/* One input line: a watch event {"type":"ADDED|MODIFIED|DELETED",
 * "object":{…}}, SYNCED, BOOKMARK, ERROR, LEADER/FOLLOWER, a bare object
 * (ADDED), or an lb-probe UP/DOWN line. Kinds read: Service, Node,
 * EndpointSlice, L2Advertisement, BGPAdvertisement, IPAddressPool,
 * Community, BGPPeer; others are ignored. Returns 1 when the line may change the
 * election, 0 when it cannot, -1 with err set for a line that cannot be
 * used (the state is then unchanged). */
int lb_elect_handle(struct lb_elect *e, const json_t *line, struct lb_err *err);

/* Recomputes the desired announcements and calls emit for each change
 * since the last call: emit gets a new reference to a line (it must
 * json_decref it). The order: watch events {"type":"ADDED|MODIFIED",
 * "object":{…}} passing Community objects and the BGPPeers that select this
 * node through to lb-bgp-peer; the WITHDRAWs; DELETED events for what no
 * longer passes; the ANNOUNCEs. Before SYNCED it emits nothing. Returns -1
 * when memory runs out. */
int lb_elect_update(struct lb_elect *e, void (*emit)(void *ctx, json_t *line), void *ctx,
		    struct lb_err *err);

/* The node that owns ip over layer 2 as the last lb_elect_update computed
 * it, or NULL. */
const char *lb_elect_l2_owner(const struct lb_elect *e, const char *ip);

#endif
