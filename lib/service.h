/* What a Kubernetes Service asks of the allocator, read from its JSON
 * object: whether it wants a LoadBalancer address, which families, which
 * pool or addresses, whether it may share, and what its status holds now. */
#ifndef LB_SERVICE_H
#define LB_SERVICE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "addr.h"
#include "err.h"
#include "labels.h"

enum lb_family_policy {
	LB_POLICY_SINGLE = 0,
	LB_POLICY_PREFER_DUAL = 1,
	LB_POLICY_REQUIRE_DUAL = 2,
};

struct lb_svc_port {
	uint16_t port;
	uint8_t proto; /* 'T'CP, 'U'DP, 'S'CTP */
};

struct lb_svc_spec {
	char key[254 + 64]; /* "namespace/name" */
	size_t ns_len;
	int64_t created;    /* creationTimestamp, seconds since the epoch (0 if absent) */
	bool load_balancer; /* spec.type == LoadBalancer */
	const char *lb_class; /* spec.loadBalancerClass, borrowed from the JSON */
	/* Families in preference order (ipFamilies, or derived), and the policy. */
	uint8_t families[2];
	uint8_t nfamilies;
	enum lb_family_policy policy;
	/* Requested addresses: spec.loadBalancerIP or the loadBalancerIPs annotation. */
	struct lb_addr want[2];
	uint8_t nwant;
	const char *pool_name;  /* address-pool annotation, borrowed */
	const char *share_key;  /* allow-shared-ip annotation, borrowed */
	char *backend_key;      /* "cluster", or "local:" + the canonical selector */
	struct lb_svc_port *ports;
	size_t nports;
	struct lb_labels *labels;
	/* status.loadBalancer.ingress[].ip and the pool annotation we wrote. */
	struct lb_addr status[2];
	uint8_t nstatus;
	const char *status_pool;
	/* An invalid request: the service gets an ERROR with this reason. */
	char invalid[300];
	/* Deprecated metallb.universe.tf/ annotations seen, for one warning. */
	const char *deprecated;
};

/* Fills spec from a Service object. -1 only when the object cannot be a
 * Service at all (no metadata.name); a request that is merely invalid
 * (two IPs of one family, …) returns 0 with spec->invalid set. The spec
 * borrows strings from obj: keep obj alive while using it. */
int lb_svc_spec_parse(const json_t *obj, struct lb_svc_spec *spec, struct lb_err *err);
void lb_svc_spec_release(struct lb_svc_spec *spec);

/* RFC 3339 timestamp (as Kubernetes writes metadata.creationTimestamp). */
int lb_parse_rfc3339(const char *s, int64_t *out);

#define LB_ANN_POOL "metallb.io/address-pool"
#define LB_ANN_IPS "metallb.io/loadBalancerIPs"
#define LB_ANN_SHARE "metallb.io/allow-shared-ip"
#define LB_ANN_ALLOCATED "metallb.io/ip-allocated-from-pool"

#endif
