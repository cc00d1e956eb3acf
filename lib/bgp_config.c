#include "bgp_config.h"

#include <stdio.h>
#include <string.h>

int lb_bgp_duration_parse(const char *s, unsigned long *seconds, struct lb_err *err)
{
	/* Go's time.ParseDuration, the subset Kubernetes objects use. */
	const char *p = s;
	unsigned long long ms = 0;
	if (!*p)
		return lb_err_set(err, "'%s': not a duration", s);
	while (*p) {
		unsigned long long v = 0;
		if (*p < '0' || *p > '9')
			return lb_err_set(err, "'%s': not a duration such as 90s or 1m30s", s);
		for (; *p >= '0' && *p <= '9'; p++) {
			v = v * 10 + (unsigned)(*p - '0');
			if (v > 1000000000000ull)
				return lb_err_set(err, "'%s': duration too long", s);
		}
		unsigned long long unit;
		if (!strncmp(p, "ms", 2)) {
			unit = 1;
			p += 2;
		} else if (*p == 's') {
			unit = 1000;
			p++;
		} else if (*p == 'm') {
			unit = 60000;
			p++;
		} else if (*p == 'h') {
			unit = 3600000;
			p++;
		} else {
			return lb_err_set(err, "'%s': a number without a unit (h, m, s, ms)", s);
		}
		ms += v * unit;
		/* Bounded so that any accepted total also reads back as seconds. */
		if (ms > 1000000000000000ull)
			return lb_err_set(err, "'%s': duration too long", s);
	}
	*seconds = (unsigned long)(ms / 1000);
	return 0;
}

static int get_u32(const json_t *spec, const char *key, bool required, uint32_t *out,
		   struct lb_err *err)
{
	const json_t *v = json_object_get(spec, key);
	if (!v) {
		if (required)
			return lb_err_set(err, "spec.%s is required", key);
		return 1;
	}
	json_int_t i = json_integer_value(v);
	if (!json_is_integer(v) || i < 0 || i > UINT32_MAX)
		return lb_err_set(err, "spec.%s: not an integer from 0 to 4294967295", key);
	*out = (uint32_t)i;
	return 0;
}

static int get_addr(const json_t *spec, const char *key, struct lb_addr *out, struct lb_err *err)
{
	const json_t *v = json_object_get(spec, key);
	if (!v)
		return 1;
	if (!json_is_string(v))
		return lb_err_set(err, "spec.%s: not a string", key);
	if (lb_addr_parse(json_string_value(v), out, err) < 0)
		return lb_err_prefix(err, "spec.%s", key);
	return 0;
}

int lb_bgp_peer_from_object(const json_t *obj, struct lb_bgp_peer_config *out, char *name,
			    size_t name_size, struct lb_err *err)
{
	const char *kind = json_string_value(json_object_get(obj, "kind"));
	const char *n = json_string_value(json_object_get(json_object_get(obj, "metadata"), "name"));
	const json_t *spec = json_object_get(obj, "spec");
	if (!kind || strcmp(kind, "BGPPeer"))
		return lb_err_set(err, "not a BGPPeer");
	if (!n)
		return lb_err_set(err, "BGPPeer without metadata.name");
	snprintf(name, name_size, "%s", n);
	if (!json_is_object(spec))
		return lb_err_set(err, "BGPPeer %s: no spec", n);
	uint32_t v;
	if (get_u32(spec, "myASN", true, &out->local_asn, err) < 0 ||
	    get_u32(spec, "peerASN", true, &out->peer_asn, err) < 0)
		return lb_err_prefix(err, "BGPPeer %s", n);
	if (!out->local_asn || !out->peer_asn)
		return lb_err_set(err, "BGPPeer %s: AS number 0", n);
	if (!json_object_get(spec, "peerAddress"))
		return lb_err_set(err, "BGPPeer %s: spec.peerAddress is required", n);
	if (get_addr(spec, "peerAddress", &out->addr, err) < 0)
		return lb_err_prefix(err, "BGPPeer %s", n);
	int rc = get_u32(spec, "peerPort", false, &v, err);
	if (rc < 0 || (rc == 0 && (v == 0 || v > 65535)))
		return rc < 0 ? lb_err_prefix(err, "BGPPeer %s", n)
			      : lb_err_set(err, "BGPPeer %s: spec.peerPort %u: not a port", n, v);
	if (rc == 0)
		out->port = (uint16_t)v;
	if (get_addr(spec, "sourceAddress", &out->source, err) < 0)
		return lb_err_prefix(err, "BGPPeer %s", n);
	if (out->source.family && out->source.family != out->addr.family)
		return lb_err_set(err, "BGPPeer %s: sourceAddress and peerAddress differ in family", n);
	struct lb_addr id;
	memset(&id, 0, sizeof(id));
	if (get_addr(spec, "routerID", &id, err) < 0)
		return lb_err_prefix(err, "BGPPeer %s", n);
	if (id.family == LB_AF_INET6)
		return lb_err_set(err, "BGPPeer %s: spec.routerID: not an IPv4 address", n);
	if (id.family == LB_AF_INET)
		out->router_id = lb_be32(lb_addr_v4(&id));
	const json_t *hold = json_object_get(spec, "holdTime");
	if (hold) {
		unsigned long secs;
		if (!json_is_string(hold) || lb_bgp_duration_parse(json_string_value(hold), &secs, err) < 0)
			return lb_err_set(err, "BGPPeer %s: spec.holdTime: not a duration such as 90s", n);
		/* RFC 4271 §4.2 */
		if (secs == 1 || secs == 2 || secs > 65535)
			return lb_err_set(err, "BGPPeer %s: spec.holdTime %lus: must be 0 or from 3s to 65535s",
					  n, secs);
		out->hold_time = (uint16_t)secs;
	}
	const json_t *pw = json_object_get(spec, "password");
	if (pw) {
		const char *s = json_string_value(pw);
		if (!s || !*s || strlen(s) > 80)
			return lb_err_set(err, "BGPPeer %s: spec.password: a string of 1 to 80 bytes", n);
		out->md5_password = s;
	}
	const json_t *mh = json_object_get(spec, "ebgpMultiHop");
	if (mh) {
		if (!json_is_boolean(mh))
			return lb_err_set(err, "BGPPeer %s: spec.ebgpMultiHop: not a boolean", n);
		out->ttl = json_is_true(mh) ? 255 : 0;
	}
	const json_t *pa = json_object_get(spec, "passive");
	if (pa) {
		if (!json_is_boolean(pa))
			return lb_err_set(err, "BGPPeer %s: spec.passive: not a boolean", n);
		out->passive = json_is_true(pa);
	}
	if (!out->router_id && out->addr.family == LB_AF_INET6 && out->source.family != LB_AF_INET)
		return lb_err_set(err, "BGPPeer %s: an IPv6 session needs spec.routerID", n);
	return 0;
}

int lb_bgp_community_aliases_add(json_t *aliases, const json_t *obj, struct lb_err *err)
{
	const char *n = json_string_value(json_object_get(json_object_get(obj, "metadata"), "name"));
	const json_t *list = json_object_get(json_object_get(obj, "spec"), "communities");
	size_t i;
	const json_t *c;
	if (!json_is_array(list))
		return lb_err_set(err, "Community %s: spec.communities is not a list", n ? n : "?");
	json_array_foreach(list, i, c) {
		const char *name = json_string_value(json_object_get(c, "name"));
		const char *value = json_string_value(json_object_get(c, "value"));
		if (!name || !value)
			return lb_err_set(err, "Community %s: communities[%zu] needs name and value",
					  n ? n : "?", i);
		json_object_set_new(aliases, name, json_string(value));
	}
	return 0;
}
