/* One blocking Kubernetes API request (for writes: status patches, Events,
 * Leases), with the response status, body and Retry-After. */
#ifndef LB_K8S_REQUEST_H
#define LB_K8S_REQUEST_H

#include <stddef.h>

#include "err.h"
#include "k8s_conn.h"

struct lb_k8s_response {
	long http;          /* 0 when no response came */
	char *body;         /* NUL-terminated, or NULL */
	size_t len;
	long retry_after;   /* seconds, -1 if absent */
};

void lb_k8s_response_free(struct lb_k8s_response *r);

/* method GET/POST/PATCH/PUT; path starts with '/'; body may be NULL.
 * Returns -1 with err set when no HTTP response came (connection, TLS);
 * an HTTP error status is a response, not a failure. */
int lb_k8s_request(const struct lb_k8s_conn *c, const char *method, const char *path,
		   const char *content_type, const char *body, struct lb_k8s_response *out,
		   struct lb_err *err);

#endif
