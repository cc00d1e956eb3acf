#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "k8s_lease.h"

void lb_lease_microtime(double wall, char *buf, size_t size)
{
	time_t secs = (time_t)floor(wall);
	long usec = (long)((wall - (double)secs) * 1e6);
	struct tm tm;
	char base[32];

	if (usec < 0)
		usec = 0;
	if (usec > 999999)
		usec = 999999;
	gmtime_r(&secs, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, size, "%s.%06ldZ", base, usec);
}

static const char *spec_str(const json_t *lease, const char *key)
{
	return json_string_value(json_object_get(json_object_get(lease, "spec"), key));
}

enum lb_lease_action lb_lease_decide(struct lb_lease_observer *obs, const json_t *lease,
				     const char *ns, const char *name, const char *identity,
				     int duration_s, long long now_ms, double now_wall,
				     json_t **out)
{
	char now[40];
	lb_lease_microtime(now_wall, now, sizeof(now));
	*out = NULL;

	if (!lease) {
		obs->holder[0] = obs->renew_time[0] = obs->rv[0] = '\0';
		*out = json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:s, s:i, s:s, s:s, s:i}}",
				 "apiVersion", "coordination.k8s.io/v1", "kind", "Lease",
				 "metadata", "name", name, "namespace", ns, "spec",
				 "holderIdentity", identity, "leaseDurationSeconds", duration_s,
				 "acquireTime", now, "renewTime", now, "leaseTransitions", 0);
		return LB_LEASE_CREATE;
	}
	const char *holder = spec_str(lease, "holderIdentity");
	const char *renew = spec_str(lease, "renewTime");
	const char *rv = json_string_value(
		json_object_get(json_object_get(lease, "metadata"), "resourceVersion"));
	json_t *dur = json_object_get(json_object_get(lease, "spec"), "leaseDurationSeconds");
	int held_for = json_is_integer(dur) && json_integer_value(dur) > 0 ?
			       (int)json_integer_value(dur) : duration_s;

	/* The record changed since last look: restart the expiry clock. */
	if (strcmp(obs->holder, holder ? holder : "") ||
	    strcmp(obs->renew_time, renew ? renew : "") || !obs->observed_ms) {
		snprintf(obs->holder, sizeof(obs->holder), "%s", holder ? holder : "");
		snprintf(obs->renew_time, sizeof(obs->renew_time), "%s", renew ? renew : "");
		obs->observed_ms = now_ms;
	}
	snprintf(obs->rv, sizeof(obs->rv), "%s", rv ? rv : "");

	int mine = holder && !strcmp(holder, identity);
	int expired = !holder || !*holder || now_ms - obs->observed_ms >= (long long)held_for * 1000;
	if (!mine && !expired)
		return LB_LEASE_WAIT;

	json_t *copy = json_deep_copy(lease);
	json_t *spec = json_object_get(copy, "spec");
	if (!json_is_object(spec)) {
		spec = json_object();
		json_object_set_new(copy, "spec", spec);
	}
	json_object_set_new(spec, "renewTime", json_string(now));
	json_object_set_new(spec, "leaseDurationSeconds", json_integer(duration_s));
	if (!mine) {
		json_t *tr = json_object_get(spec, "leaseTransitions");
		json_int_t n = json_is_integer(tr) ? json_integer_value(tr) : 0;
		/* A new holder is a transition; taking back an empty Lease
		 * that nobody held is not counted by client-go either. */
		if (holder && *holder)
			n++;
		json_object_set_new(spec, "leaseTransitions", json_integer(n));
		json_object_set_new(spec, "holderIdentity", json_string(identity));
		json_object_set_new(spec, "acquireTime", json_string(now));
	}
	*out = copy;
	return mine ? LB_LEASE_RENEW : LB_LEASE_TAKE;
}
