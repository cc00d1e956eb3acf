/* Leader election on a coordination.k8s.io/v1 Lease, as client-go's
 * leaderelection package does it: the holder renews renewTime; a candidate
 * takes the Lease over only after seeing it unchanged for a whole
 * leaseDurationSeconds on its own clock (so clock skew between nodes does
 * not matter); every write carries the resourceVersion that was read, so
 * of two candidates only one can win (409 Conflict for the other).
 * Pure code: the caller does the GET/POST/PUT. */
#ifndef LB_K8S_LEASE_H
#define LB_K8S_LEASE_H

#include <jansson.h>

#include "err.h"

enum lb_lease_action {
	LB_LEASE_CREATE, /* no Lease: POST the returned object */
	LB_LEASE_RENEW,  /* ours: PUT the returned object */
	LB_LEASE_TAKE,   /* expired or released: PUT the returned object */
	LB_LEASE_WAIT,   /* held by another, not expired: follow */
};

struct lb_lease_observer {
	char holder[256];
	char renew_time[64];
	char rv[64];
	long long observed_ms; /* when holder/renewTime last changed, local clock */
};

/* Decides from the Lease as read (NULL when 404) and writes the object to
 * send into *out (NULL for WAIT). now_ms is a monotonic clock, now_wall the
 * time to record (seconds since the epoch). ns/name name the Lease. */
enum lb_lease_action lb_lease_decide(struct lb_lease_observer *obs, const json_t *lease,
				     const char *ns, const char *name, const char *identity,
				     int duration_s, long long now_ms, double now_wall,
				     json_t **out);

/* Kubernetes MicroTime: 2006-01-02T15:04:05.000000Z. */
void lb_lease_microtime(double wall, char *buf, size_t size);

#endif
