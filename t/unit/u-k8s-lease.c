/* lib/k8s_lease.c: the leader-election decision, on its own clock. */
#include <stdlib.h>
#include <string.h>

#include "k8s_lease.h"
#include "tap.h"

static const char *spec_s(const json_t *l, const char *k)
{
	return json_string_value(json_object_get(json_object_get(l, "spec"), k));
}

static json_int_t spec_i(const json_t *l, const char *k)
{
	return json_integer_value(json_object_get(json_object_get(l, "spec"), k));
}

static json_t *lease(const char *holder, const char *renew, const char *rv, int transitions)
{
	return json_pack("{s:s, s:s, s:{s:s, s:s, s:s}, s:{s:s, s:i, s:s, s:i}}", "apiVersion",
			 "coordination.k8s.io/v1", "kind", "Lease", "metadata", "name", "l",
			 "namespace", "ns", "resourceVersion", rv, "spec", "holderIdentity", holder,
			 "leaseDurationSeconds", 15, "renewTime", renew, "leaseTransitions",
			 transitions);
}

int main(void)
{
	struct tap t = {0};
	struct lb_lease_observer obs;
	json_t *out;
	char buf[40];

	lb_lease_microtime(1795350245.25, buf, sizeof(buf));
	tap_is_str(&t, buf, "2026-11-22T12:24:05.250000Z", "MicroTime format");

	memset(&obs, 0, sizeof(obs));
	tap_is_int(&t, lb_lease_decide(&obs, NULL, "ns", "l", "a", 15, 1000, 1e9, &out),
		   LB_LEASE_CREATE, "no Lease: create");
	tap_is_str(&t, spec_s(out, "holderIdentity"), "a", "holding it");
	tap_is_int(&t, spec_i(out, "leaseTransitions"), 0, "no transition yet");
	tap_is_int(&t, spec_i(out, "leaseDurationSeconds"), 15, "duration");
	json_decref(out);

	json_t *l = lease("a", "T1", "5", 0);
	tap_is_int(&t, lb_lease_decide(&obs, l, "ns", "l", "a", 15, 2000, 1e9, &out),
		   LB_LEASE_RENEW, "ours: renew");
	tap_is_str(&t, json_string_value(json_object_get(json_object_get(out, "metadata"),
							 "resourceVersion")),
		   "5", "the write carries the resourceVersion read");
	tap_ok(&t, strcmp(spec_s(out, "renewTime"), "T1") != 0, "renewTime moves");
	json_decref(out);
	json_decref(l);

	/* Another candidate's view. */
	struct lb_lease_observer b;
	memset(&b, 0, sizeof(b));
	l = lease("a", "T1", "5", 0);
	tap_is_int(&t, lb_lease_decide(&b, l, "ns", "l", "b", 15, 10000, 1e9, &out), LB_LEASE_WAIT,
		   "held by a: b follows");
	tap_ok(&t, out == NULL, "nothing to write");
	tap_is_str(&t, b.holder, "a", "holder observed");
	tap_is_int(&t, lb_lease_decide(&b, l, "ns", "l", "b", 15, 24999, 1e9, &out), LB_LEASE_WAIT,
		   "unchanged for less than the duration: still follows");
	json_decref(l);
	l = lease("a", "T2", "6", 0);
	tap_is_int(&t, lb_lease_decide(&b, l, "ns", "l", "b", 15, 26000, 1e9, &out), LB_LEASE_WAIT,
		   "renewed by a: the clock restarts");
	tap_is_int(&t, lb_lease_decide(&b, l, "ns", "l", "b", 15, 40999, 1e9, &out), LB_LEASE_WAIT,
		   "14.999 s later: follows");
	tap_is_int(&t, lb_lease_decide(&b, l, "ns", "l", "b", 15, 41000, 1e9, &out), LB_LEASE_TAKE,
		   "15 s unchanged on b's own clock: take over");
	tap_is_str(&t, spec_s(out, "holderIdentity"), "b", "b holds it");
	tap_is_int(&t, spec_i(out, "leaseTransitions"), 1, "a transition counted");
	tap_is_str(&t, spec_s(out, "acquireTime"), spec_s(out, "renewTime"), "acquireTime set");
	json_decref(out);
	json_decref(l);

	l = lease("", "T3", "7", 4);
	memset(&b, 0, sizeof(b));
	tap_is_int(&t, lb_lease_decide(&b, l, "ns", "l", "b", 15, 50000, 1e9, &out), LB_LEASE_TAKE,
		   "a released Lease (empty holder) is taken at once");
	tap_is_int(&t, spec_i(out, "leaseTransitions"), 4, "taking an empty Lease is no transition");
	json_decref(out);
	json_decref(l);
	return tap_done(&t);
}
