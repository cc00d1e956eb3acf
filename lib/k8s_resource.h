/* The Kubernetes resources lbkit reads, by plural name: where each lives in
 * the API (group, version, namespaced) and which kind its objects carry. */
#ifndef LB_K8S_RESOURCE_H
#define LB_K8S_RESOURCE_H

#include <stddef.h>

#include "err.h"

struct lb_k8s_resource {
	const char *plural;
	const char *group;    /* "" for the core group (/api/v1) */
	const char *version;  /* the preferred version */
	const char *fallback; /* asked when the preferred one is not served, or NULL */
	const char *kind;
	int namespaced;
};

/* By plural ("services") or kind ("Service"), case-insensitive; NULL if unknown. */
const struct lb_k8s_resource *lb_k8s_resource_find(const char *name);
/* The table, for help text and for --from's SYNCED lines. */
const struct lb_k8s_resource *lb_k8s_resource_at(size_t i);
size_t lb_k8s_resource_count(void);

/* "/api/v1/namespaces/NS/services" or "/apis/GROUP/VERSION/PLURAL"; ns NULL or
 * "" means all namespaces. Returns -1 when buf is too small. */
int lb_k8s_resource_path(const struct lb_k8s_resource *r, const char *version, const char *ns,
			 char *buf, size_t size, struct lb_err *err);

/* "v1" or "GROUP/VERSION", as apiVersion reads. */
void lb_k8s_resource_api_version(const struct lb_k8s_resource *r, const char *version, char *buf,
				 size_t size);

#endif
