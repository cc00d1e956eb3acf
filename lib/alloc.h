/* The allocator: which Service holds which LoadBalancer address.
 *
 * Inputs arrive one at a time (pools, Services, Namespaces, SYNCED marks);
 * every decision that changes what a Service holds, or why it holds
 * nothing, is reported once through the emit callback. Decisions are
 * deterministic (oldest Service first, then by name; lowest free address
 * first) and sticky: a Service keeps its address for as long as the address
 * remains valid for it. */
#ifndef LB_ALLOC_H
#define LB_ALLOC_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "addr.h"
#include "err.h"
#include "log.h"
#include "pool.h"

enum lb_alloc_type {
	LB_ALLOC_ASSIGNED,
	LB_ALLOC_RELEASED,
	LB_ALLOC_PENDING,
	LB_ALLOC_ERROR,
};

struct lb_alloc_event {
	enum lb_alloc_type type;
	const char *service; /* "namespace/name" */
	const struct lb_addr *ips;
	size_t nips;
	const char *pool;   /* ASSIGNED: the pool the addresses come from */
	const char *reason; /* PENDING, ERROR; RELEASED: why */
};

typedef void (*lb_alloc_emit_fn)(void *ctx, const struct lb_alloc_event *ev);

struct lb_alloc_opts {
	const char *lb_class; /* NULL: only Services without spec.loadBalancerClass */
	const struct lb_log *log;
	lb_alloc_emit_fn emit;
	void *ctx;
};

struct lb_alloc;

struct lb_alloc *lb_alloc_new(const struct lb_alloc_opts *opts);
void lb_alloc_free(struct lb_alloc *a);

/* Nothing is decided before every required kind has sent SYNCED: an address
 * could otherwise go to one Service while an unseen one already holds it. */
int lb_alloc_require_sync(struct lb_alloc *a, const char *kind);
void lb_alloc_synced(struct lb_alloc *a, const char *kind);
bool lb_alloc_is_synced(const struct lb_alloc *a);
/* The kinds still awaited, comma-separated, for messages. */
const char *lb_alloc_awaiting(const struct lb_alloc *a, char *buf, size_t size);

/* Replaces every pool that came from `source` (an object such as
 * "IPAddressPool ns/name", a ConfigMap, a file, the command line) by defs
 * (ownership passes to the allocator; ndefs may be 0 to delete). Pools that
 * clash with pools seen earlier (same name, overlapping ranges) are
 * reported and left out until the clash goes away. */
int lb_alloc_set_pools(struct lb_alloc *a, const char *source, struct lb_pool_def **defs,
		       size_t ndefs, struct lb_err *err);

/* A Service object as the API shows it (status included). */
int lb_alloc_set_service(struct lb_alloc *a, const json_t *svc, struct lb_err *err);
int lb_alloc_delete_service(struct lb_alloc *a, const char *key);
/* A Namespace object (its labels feed namespaceSelectors). */
int lb_alloc_set_namespace(struct lb_alloc *a, const json_t *ns, struct lb_err *err);
int lb_alloc_delete_namespace(struct lb_alloc *a, const char *name);

/* What a Service holds now; nips 0 when nothing. Returns -1 if unknown. */
struct lb_alloc_state {
	enum lb_alloc_type type; /* ASSIGNED, PENDING or ERROR (RELEASED: not a LoadBalancer of ours) */
	struct lb_addr ips[2];
	size_t nips;
	const char *pool;
	const char *reason;
};
int lb_alloc_lookup(const struct lb_alloc *a, const char *key, struct lb_alloc_state *out);
/* Every known Service, in allocation order (oldest first). */
void lb_alloc_each_service(const struct lb_alloc *a,
			   void (*fn)(void *ctx, const char *key, const struct lb_alloc_state *st),
			   void *ctx);

struct lb_alloc_pool_info {
	const struct lb_pool_def *def;
	bool active;        /* false: left out because of a clash (reason says) */
	const char *reason;
	uint64_t used[2];   /* addresses held, IPv4 and IPv6 */
};
void lb_alloc_each_pool(const struct lb_alloc *a,
			void (*fn)(void *ctx, const struct lb_alloc_pool_info *info), void *ctx);

/* Internal consistency check for tests: every reserved address lies in an
 * active pool the holder may use, holders of one address may share it,
 * and the counters agree. Returns 0, or -1 with err describing the fault. */
int lb_alloc_check(const struct lb_alloc *a, struct lb_err *err);

#endif
