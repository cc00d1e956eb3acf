#include "bfd_profile.h"

#include <stdio.h>
#include <string.h>

void lb_bfd_profile_defaults(struct lb_bfd_profile *p)
{
	memset(p, 0, sizeof(*p));
	p->receive_ms = LB_BFD_PROFILE_INTERVAL_MS;
	p->transmit_ms = LB_BFD_PROFILE_INTERVAL_MS;
	p->detect_mult = LB_BFD_PROFILE_MULTIPLIER;
	p->min_ttl = LB_BFD_PROFILE_MIN_TTL;
}

/* An absent field keeps *out; a present one must be an integer within the
 * bounds of MetalLB's CRD (the API server enforces them there, but objects
 * also come from files and other pipelines). */
static int get_bounded(const json_t *spec, const char *key, long lo, long hi, uint32_t *out,
		       const char *name, struct lb_err *err)
{
	const json_t *v = json_object_get(spec, key);
	if (!v)
		return 0;
	json_int_t i = json_integer_value(v);
	if (!json_is_integer(v) || i < lo || i > hi)
		return lb_err_set(err, "BFDProfile %s: spec.%s: not an integer from %ld to %ld", name,
				  key, lo, hi);
	*out = (uint32_t)i;
	return 0;
}

static int get_bool(const json_t *spec, const char *key, bool *out, const char *name,
		    struct lb_err *err)
{
	const json_t *v = json_object_get(spec, key);
	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return lb_err_set(err, "BFDProfile %s: spec.%s: not a boolean", name, key);
	*out = json_is_true(v);
	return 0;
}

int lb_bfd_profile_from_object(const json_t *obj, struct lb_bfd_profile *out, char *name,
			       size_t name_size, struct lb_err *err)
{
	const char *kind = json_string_value(json_object_get(obj, "kind"));
	const char *n = json_string_value(json_object_get(json_object_get(obj, "metadata"), "name"));
	const json_t *spec = json_object_get(obj, "spec");
	if (!kind || strcmp(kind, "BFDProfile"))
		return lb_err_set(err, "not a BFDProfile");
	if (!n || !*n)
		return lb_err_set(err, "BFDProfile without metadata.name");
	snprintf(name, name_size, "%s", n);
	struct lb_bfd_profile p;
	lb_bfd_profile_defaults(&p);
	/* MetalLB's BFDProfile may have no spec at all: every default. */
	if (spec && !json_is_object(spec))
		return lb_err_set(err, "BFDProfile %s: spec is not an object", n);
	uint32_t mult = p.detect_mult, ttl = p.min_ttl, echo_ms = 0;
	if (get_bounded(spec, "receiveInterval", 10, 60000, &p.receive_ms, n, err) < 0 ||
	    get_bounded(spec, "transmitInterval", 10, 60000, &p.transmit_ms, n, err) < 0 ||
	    get_bounded(spec, "detectMultiplier", 2, 255, &mult, n, err) < 0 ||
	    get_bounded(spec, "minimumTtl", 1, 254, &ttl, n, err) < 0 ||
	    get_bounded(spec, "echoInterval", 10, 60000, &echo_ms, n, err) < 0 ||
	    get_bool(spec, "echoMode", &p.echo, n, err) < 0 ||
	    get_bool(spec, "passiveMode", &p.passive, n, err) < 0)
		return -1;
	p.detect_mult = (uint8_t)mult;
	p.min_ttl = (uint8_t)ttl;
	*out = p;
	return 0;
}

bool lb_bfd_profile_equal(const struct lb_bfd_profile *a, const struct lb_bfd_profile *b)
{
	return a->receive_ms == b->receive_ms && a->transmit_ms == b->transmit_ms &&
	       a->detect_mult == b->detect_mult && a->min_ttl == b->min_ttl &&
	       a->echo == b->echo && a->passive == b->passive;
}

int lb_bfd_profile_of_peer(const json_t *obj, const char **name, struct lb_err *err)
{
	const json_t *v = json_object_get(json_object_get(obj, "spec"), "bfdProfile");
	const char *n = json_string_value(json_object_get(json_object_get(obj, "metadata"), "name"));
	*name = NULL;
	if (!v)
		return 0;
	if (!json_is_string(v) || !*json_string_value(v))
		return lb_err_set(err, "BGPPeer %s: spec.bfdProfile: not a profile name",
				  n ? n : "?");
	*name = json_string_value(v);
	return 0;
}
