/* Address pool definitions, from MetalLB metallb.io/v1beta1 IPAddressPool
 * objects, the legacy MetalLB ConfigMap (data.config, address-pools:), or a
 * command-line "NAME=RANGE[,RANGE…]". */
#ifndef LB_POOL_H
#define LB_POOL_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "addr.h"
#include "err.h"
#include "labels.h"
#include "log.h"

struct lb_pool_def {
	char *name;
	char *origin; /* where it came from, for messages: "IPAddressPool metallb-system/x" */
	struct lb_range *ranges; /* sorted by first address */
	size_t nranges;
	bool auto_assign;   /* default true */
	bool avoid_buggy;   /* skip IPv4 .0 and .255 */
	bool has_allocation; /* spec.serviceAllocation present */
	int priority;       /* serviceAllocation.priority; 0 = unset (tried last) */
	char **namespaces;
	size_t nnamespaces;
	struct lb_labelsel **ns_selectors;
	size_t nns_selectors;
	struct lb_labelsel **svc_selectors;
	size_t nsvc_selectors;
	/* The pool as an IPAddressPool object (made up for --pool and legacy
	 * pools), so it can be stored and read back the same way. */
	json_t *object;
};

/* Called for each pool a ConfigMap defines, or for each pool it could not
 * accept (def NULL, err set): one bad pool does not stop the others. */
typedef void (*lb_pool_fn)(void *ctx, struct lb_pool_def *def, const struct lb_err *err);

int lb_pool_from_ipaddresspool(const json_t *obj, struct lb_pool_def **out, struct lb_err *err);
/* Legacy MetalLB ConfigMap: data.config is YAML with an address-pools list.
 * Returns -1 only when the ConfigMap as a whole is unreadable. */
int lb_pool_from_configmap(const json_t *obj, lb_pool_fn fn, void *ctx, struct lb_err *err);
/* "NAME=RANGE[,RANGE…]" from the command line; without "NAME=" the pool is
 * called "default". */
int lb_pool_from_spec(const char *spec, struct lb_pool_def **out, struct lb_err *err);
/* Validates ranges of one pool: none may overlap another. */
int lb_pool_check_ranges(const struct lb_pool_def *def, struct lb_err *err);
void lb_pool_def_free(struct lb_pool_def *def);

/* Pools gathered from one source before they are handed over together;
 * pools that could not be read are logged and counted. */
struct lb_pool_list {
	const struct lb_log *log;
	struct lb_pool_def **defs;
	size_t n;
	unsigned long bad; /* pools refused, memory failures included */
};

void lb_pool_list_add(struct lb_pool_list *l, struct lb_pool_def *def);
/* An lb_pool_fn: adds def, or logs err and counts it. */
void lb_pool_list_collect(void *list, struct lb_pool_def *def, const struct lb_err *err);
/* Frees the pools still in the list (after a failure) and the list itself. */
void lb_pool_list_free(struct lb_pool_list *l);

#endif
