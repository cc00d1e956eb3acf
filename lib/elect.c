#include "elect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "elect_rank.h"
#include "labels.h"

/* Objects are kept whole, per kind, keyed "namespace/name", and the
 * election is recomputed from them on every update: the inputs of one
 * speaker are small (the Services with addresses, the cluster's Nodes) and
 * a full recomputation cannot drift from the rule the man page states. */
static const char *const kinds[] = {
	"Service", "Node", "EndpointSlice", "L2Advertisement", "BGPAdvertisement",
	"IPAddressPool", "Community", "BFDProfile", "BGPPeer", NULL,
};

struct lb_elect {
	char *node;
	json_t *objs;      /* kind -> { "ns/name" -> object } */
	json_t *probes;    /* target -> "UP" | "DOWN" */
	json_t *required;  /* kind -> true */
	json_t *synced;    /* kind -> true */
	json_t *announced; /* key -> ANNOUNCE line, as last emitted */
	json_t *owners;    /* ip -> l2 owner, as last computed */
	json_t *passed;    /* "Kind ns/name" -> object, as last passed through */
};

struct lb_elect *lb_elect_new(const char *node)
{
	struct lb_elect *e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->node = strdup(node);
	e->objs = json_object();
	e->probes = json_object();
	e->required = json_object();
	e->synced = json_object();
	e->announced = json_object();
	e->owners = json_object();
	e->passed = json_object();
	if (!e->node || !e->objs || !e->probes || !e->required || !e->synced || !e->announced ||
	    !e->owners || !e->passed) {
		lb_elect_free(e);
		return NULL;
	}
	for (size_t i = 0; kinds[i]; i++) {
		if (json_object_set_new(e->objs, kinds[i], json_object()) < 0) {
			lb_elect_free(e);
			return NULL;
		}
	}
	return e;
}

void lb_elect_free(struct lb_elect *e)
{
	if (!e)
		return;
	free(e->node);
	json_decref(e->objs);
	json_decref(e->probes);
	json_decref(e->required);
	json_decref(e->synced);
	json_decref(e->announced);
	json_decref(e->owners);
	json_decref(e->passed);
	free(e);
}

int lb_elect_require_sync(struct lb_elect *e, const char *kind)
{
	return json_object_set_new(e->required, kind, json_true());
}

bool lb_elect_is_synced(const struct lb_elect *e)
{
	const char *k;
	json_t *v;
	json_object_foreach(e->required, k, v) {
		if (!json_object_get(e->synced, k))
			return false;
	}
	return true;
}

const char *lb_elect_awaiting(const struct lb_elect *e, char *buf, size_t size)
{
	size_t len = 0;
	const char *k;
	json_t *v;
	if (size)
		buf[0] = '\0';
	json_object_foreach(e->required, k, v) {
		if (json_object_get(e->synced, k) || len >= size)
			continue;
		int n = snprintf(buf + len, size - len, "%s%s", len ? "," : "", k);
		if (n > 0)
			len += (size_t)n;
	}
	return buf;
}

const char *lb_elect_l2_owner(const struct lb_elect *e, const char *ip)
{
	return json_string_value(json_object_get(e->owners, ip));
}

/* ---- input ------------------------------------------------------------------ */

static int probe_line(struct lb_elect *e, const json_t *line, const char *type,
		      struct lb_err *err)
{
	const char *target = json_string_value(json_object_get(line, "target"));
	if (!target)
		return lb_err_set(err, "%s line without \"target\"", type);
	json_t *old = json_object_get(e->probes, target);
	if (old && !strcmp(json_string_value(old), type))
		return 0;
	if (json_object_set_new(e->probes, target, json_string(type)) < 0)
		return lb_err_set(err, "out of memory");
	return 1;
}

static bool known_kind(const char *kind)
{
	for (size_t i = 0; kinds[i]; i++) {
		if (!strcmp(kinds[i], kind))
			return true;
	}
	return false;
}

int lb_elect_handle(struct lb_elect *e, const json_t *line, struct lb_err *err)
{
	if (!json_is_object(line))
		return lb_err_set(err, "not a JSON object");
	const char *type = json_string_value(json_object_get(line, "type"));
	const json_t *obj = json_object_get(line, "object");
	if (!type && json_is_string(json_object_get(line, "kind"))) {
		type = "ADDED";
		obj = line;
	}
	if (!type)
		return lb_err_set(err, "no \"type\"");
	if (!strcmp(type, "UP") || !strcmp(type, "DOWN"))
		return probe_line(e, line, type, err);
	/* lb-probe: a target gone from its input no longer speaks for a node;
	 * CHECK lines (--all) repeat what UP and DOWN already said. */
	if (!strcmp(type, "REMOVED")) {
		const char *target = json_string_value(json_object_get(line, "target"));
		if (!target)
			return lb_err_set(err, "REMOVED line without \"target\"");
		return json_object_del(e->probes, target) == 0;
	}
	if (!strcmp(type, "CHECK"))
		return 0;
	if (!strcmp(type, "SYNCED")) {
		const char *kind = json_string_value(json_object_get(line, "kind"));
		if (!kind)
			return lb_err_set(err, "SYNCED without \"kind\"");
		if (json_object_get(e->synced, kind))
			return 0;
		if (json_object_set_new(e->synced, kind, json_true()) < 0)
			return lb_err_set(err, "out of memory");
		return 1;
	}
	if (!strcmp(type, "BOOKMARK") || !strcmp(type, "LEADER") || !strcmp(type, "FOLLOWER") ||
	    !strcmp(type, "ERROR"))
		return 0;
	int deleted = !strcmp(type, "DELETED");
	if (!deleted && strcmp(type, "ADDED") && strcmp(type, "MODIFIED"))
		return lb_err_set(err, "unknown line type '%.40s'", type);
	if (!json_is_object(obj))
		return lb_err_set(err, "%s event without an \"object\"", type);
	const char *kind = json_string_value(json_object_get(obj, "kind"));
	if (!kind)
		return lb_err_set(err, "%s object has no \"kind\"", type);
	if (!known_kind(kind))
		return 0;
	const json_t *meta = json_object_get(obj, "metadata");
	const char *ns = json_string_value(json_object_get(meta, "namespace"));
	const char *name = json_string_value(json_object_get(meta, "name"));
	if (!name)
		return lb_err_set(err, "%s without metadata.name", kind);
	char key[600];
	snprintf(key, sizeof(key), "%s/%s", ns ? ns : "", name);
	json_t *set = json_object_get(e->objs, kind);
	if (deleted)
		return json_object_del(set, key) == 0;
	/* A copy: the caller's line is freed after this returns. */
	if (json_object_set_new(set, key, json_deep_copy(obj)) < 0)
		return lb_err_set(err, "out of memory");
	return 1;
}

/* ---- the rule ----------------------------------------------------------------- */

static const json_t *labels_of(const json_t *obj)
{
	return json_object_get(json_object_get(obj, "metadata"), "labels");
}

static const char *name_of(const json_t *obj)
{
	return json_string_value(json_object_get(json_object_get(obj, "metadata"), "name"));
}

static const char *ns_of(const json_t *obj)
{
	const char *ns =
		json_string_value(json_object_get(json_object_get(obj, "metadata"), "namespace"));
	return ns ? ns : "";
}

/* A list of metav1.LabelSelectors: empty or absent selects everything, as
 * MetalLB's nodeSelectors, serviceSelectors and ipAddressPoolSelectors do;
 * otherwise any one matching is enough. A selector that does not parse
 * selects nothing, so a broken advertisement announces less, not more. */
static bool any_selector_matches(const json_t *sels, const json_t *labels_json)
{
	if (json_array_size(sels) == 0)
		return true;
	struct lb_labels *labels;
	struct lb_err err;
	if (lb_labels_from_json(labels_json, &labels, &err) < 0)
		return false;
	bool hit = false;
	size_t i;
	const json_t *sel;
	json_array_foreach(sels, i, sel) {
		struct lb_labelsel *s;
		if (lb_labelsel_from_json(sel, &s, &err) < 0)
			continue;
		hit = lb_labelsel_matches(s, labels);
		lb_labelsel_free(s);
		if (hit)
			break;
	}
	free(labels);
	return hit;
}

static bool string_in(const json_t *arr, const char *s)
{
	size_t i;
	const json_t *v;
	json_array_foreach(arr, i, v) {
		if (json_is_string(v) && !strcmp(json_string_value(v), s))
			return true;
	}
	return false;
}

/* An advertisement covers a Service when the Service's pool is named in
 * ipAddressPools or selected by ipAddressPoolSelectors (neither given: every
 * pool), and serviceSelectors select the Service (MetalLB's rule). */
static bool adv_covers(const struct lb_elect *e, const json_t *adv, const json_t *svc,
		       const char *pool)
{
	const json_t *spec = json_object_get(adv, "spec");
	const json_t *names = json_object_get(spec, "ipAddressPools");
	const json_t *psels = json_object_get(spec, "ipAddressPoolSelectors");
	if (json_array_size(names) || json_array_size(psels)) {
		if (!pool)
			return false;
		bool hit = string_in(names, pool);
		if (!hit && json_array_size(psels)) {
			const char *k;
			json_t *p;
			json_object_foreach(json_object_get(e->objs, "IPAddressPool"), k, p) {
				const char *pn = name_of(p);
				if (pn && !strcmp(pn, pool) && any_selector_matches(psels, labels_of(p))) {
					hit = true;
					break;
				}
			}
		}
		if (!hit)
			return false;
	}
	return any_selector_matches(json_object_get(spec, "serviceSelectors"), labels_of(svc));
}

static const char *condition(const json_t *node, const char *type)
{
	size_t i;
	const json_t *c;
	json_array_foreach(json_object_get(json_object_get(node, "status"), "conditions"), i, c) {
		const char *t = json_string_value(json_object_get(c, "type"));
		if (t && !strcmp(t, type))
			return json_string_value(json_object_get(c, "status"));
	}
	return NULL;
}

/* The host and port of a probe target: "tcp://192.0.2.21:80" -> 192.0.2.21
 * and 80, "http://[2001:db8::1]/healthz" -> 2001:db8::1 and 80 (the
 * scheme's), "icmp://192.0.2.21" or "node-a" -> no port (0). */
static long target_host_port(const char *target, char *buf, size_t size)
{
	const char *scheme_end = strstr(target, "://");
	const char *p = scheme_end ? scheme_end + 3 : target;
	size_t n;
	const char *after;
	if (*p == '[') {
		p++;
		n = strcspn(p, "]");
		after = p[n] ? p + n + 1 : p + n;
	} else {
		n = strcspn(p, ":/");
		after = p + n;
	}
	if (n >= size)
		n = size - 1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	if (*after == ':') {
		char *end;
		long port = strtol(after + 1, &end, 10);
		return port > 0 && port <= 65535 && (*end == '\0' || *end == '/') ? port : 0;
	}
	if (scheme_end && (size_t)(scheme_end - target) == 4 && !strncmp(target, "http", 4))
		return 80;
	if (scheme_end && (size_t)(scheme_end - target) == 5 && !strncmp(target, "https", 5))
		return 443;
	return 0;
}

/* Two spellings of one address (2001:db8::1, 2001:DB8:0::1) are equal. */
static bool same_host(const char *a, const char *b)
{
	struct lb_addr x, y;
	if (lb_addr_parse(a, &x, NULL) == 0 && lb_addr_parse(b, &y, NULL) == 0)
		return lb_addr_eq(&x, &y);
	return !strcmp(a, b);
}

/* A probe of a backend, not of a node: host is the address of an endpoint
 * of a known EndpointSlice and port one of that slice's ports. A pod on the
 * host network has its node's address; its probes (lb-probe
 * --endpoint-target with {port}) must not take the whole node down. */
static bool backend_target(const struct lb_elect *e, const char *host, long port)
{
	if (!port)
		return false;
	const char *k;
	json_t *slice;
	json_object_foreach(json_object_get(e->objs, "EndpointSlice"), k, slice) {
		bool port_hit = false;
		size_t i;
		const json_t *v;
		json_array_foreach(json_object_get(slice, "ports"), i, v) {
			if (json_integer_value(json_object_get(v, "port")) == port)
				port_hit = true;
		}
		if (!port_hit)
			continue;
		const json_t *ep;
		json_array_foreach(json_object_get(slice, "endpoints"), i, ep) {
			size_t j;
			const json_t *a;
			json_array_foreach(json_object_get(ep, "addresses"), j, a) {
				if (json_is_string(a) && same_host(json_string_value(a), host))
					return true;
			}
		}
	}
	return false;
}

/* lb-probe reports a node DOWN when the last line of a target whose host is
 * the node's name or one of its status.addresses says DOWN, unless that
 * target is a backend's (above). */
static bool probed_down(const struct lb_elect *e, const json_t *node, const char *name)
{
	const char *target;
	json_t *state;
	json_object_foreach(e->probes, target, state) {
		if (strcmp(json_string_value(state), "DOWN"))
			continue;
		char host[256];
		long port = target_host_port(target, host, sizeof(host));
		if (!strcmp(host, name))
			return true;
		size_t i;
		const json_t *a;
		json_array_foreach(json_object_get(json_object_get(node, "status"), "addresses"), i,
				   a) {
			const char *addr = json_string_value(json_object_get(a, "address"));
			if (addr && same_host(addr, host) && !backend_target(e, host, port))
				return true;
		}
	}
	return false;
}

/* Kubernetes' own rules for a node that may carry load-balancer traffic:
 * Ready=True, NetworkUnavailable not True, and no
 * node.kubernetes.io/exclude-from-external-load-balancers label (any value,
 * as the service controller reads it); lbkit adds lb-probe's verdict. */
static bool node_usable(const struct lb_elect *e, const json_t *node)
{
	const char *name = name_of(node);
	const char *ready = condition(node, "Ready");
	const char *netun = condition(node, "NetworkUnavailable");
	if (!name || !ready || strcmp(ready, "True"))
		return false;
	if (netun && !strcmp(netun, "True"))
		return false;
	if (json_object_get(labels_of(node),
			    "node.kubernetes.io/exclude-from-external-load-balancers"))
		return false;
	return !probed_down(e, node, name);
}

/* An endpoint can take traffic when conditions.ready is absent or true
 * (discovery.k8s.io/v1: absent means ready), or when it is terminating but
 * conditions.serving is still true: Kubernetes (KEP-1669) and MetalLB's
 * speaker keep sending to such an endpoint while nothing else is left. */
static bool endpoint_serves(const json_t *ep)
{
	const json_t *cond = json_object_get(ep, "conditions");
	const json_t *ready = json_object_get(cond, "ready");
	if (!ready || json_is_null(ready) || json_is_true(ready))
		return true;
	return json_is_true(json_object_get(cond, "serving"));
}

static bool slice_of(const json_t *slice, const json_t *svc)
{
	const char *owner =
		json_string_value(json_object_get(labels_of(slice), "kubernetes.io/service-name"));
	const char *svcname = name_of(svc);
	return owner && svcname && !strcmp(owner, svcname) && !strcmp(ns_of(slice), ns_of(svc));
}

/* Whether svc has an endpoint that can serve (above), on node or, node
 * NULL, anywhere: MetalLB announces nothing of a Service without one, and
 * with externalTrafficPolicy: Local only from the nodes that have one.
 * by_address is the stricter reading of MetalLB's BGP speaker: an address
 * listed more than once (an endpoint moving between slices) counts only
 * when no listing of it says it cannot serve. */
static bool has_serving_endpoint(const struct lb_elect *e, const json_t *svc, const char *node,
				 bool by_address)
{
	json_t *verdicts = by_address ? json_object() : NULL; /* address -> bool */
	bool found = false;
	const char *k;
	json_t *slice;
	json_object_foreach(json_object_get(e->objs, "EndpointSlice"), k, slice) {
		if (!slice_of(slice, svc))
			continue;
		size_t i;
		const json_t *ep;
		json_array_foreach(json_object_get(slice, "endpoints"), i, ep) {
			const char *n = json_string_value(json_object_get(ep, "nodeName"));
			if (node && (!n || strcmp(n, node)))
				continue;
			bool serves = endpoint_serves(ep);
			if (!by_address) {
				if (serves) {
					found = true;
					goto done;
				}
				continue;
			}
			size_t j;
			const json_t *a;
			json_array_foreach(json_object_get(ep, "addresses"), j, a) {
				const char *addr = json_string_value(a);
				if (!addr)
					continue;
				if (!serves || !json_object_get(verdicts, addr))
					json_object_set_new(verdicts, addr, json_boolean(serves));
			}
		}
	}
	if (by_address) {
		json_t *v;
		json_object_foreach(verdicts, k, v) {
			if (json_is_true(v)) {
				found = true;
				break;
			}
		}
	}
done:
	json_decref(verdicts);
	return found;
}

static bool is_local(const json_t *svc)
{
	const char *p = json_string_value(
		json_object_get(json_object_get(svc, "spec"), "externalTrafficPolicy"));
	return p && !strcmp(p, "Local");
}

/* bgp: the node is judged for a BGP advertisement, whose endpoints count
 * by address (has_serving_endpoint). */
static bool node_eligible(const struct lb_elect *e, const json_t *svc, const json_t *node,
			  const json_t *nodesels, bool bgp)
{
	if (!node_usable(e, node))
		return false;
	if (!any_selector_matches(nodesels, labels_of(node)))
		return false;
	return !is_local(svc) || has_serving_endpoint(e, svc, name_of(node), bgp);
}

/* Advertisements that cover svc, in key order so every speaker agrees. */
static json_t *covering(const struct lb_elect *e, const char *kind, const json_t *svc,
			const char *pool)
{
	json_t *out = json_array();
	json_t *set = json_object_get(e->objs, kind);
	const char **keys = malloc((json_object_size(set) + 1) * sizeof(*keys));
	if (!out || !keys) {
		free(keys);
		json_decref(out);
		return NULL;
	}
	size_t n = 0;
	const char *k;
	json_t *adv;
	json_object_foreach(set, k, adv)
		keys[n++] = k;
	for (size_t i = 1; i < n; i++) {
		for (size_t j = i; j > 0 && strcmp(keys[j - 1], keys[j]) > 0; j--) {
			const char *t = keys[j];
			keys[j] = keys[j - 1];
			keys[j - 1] = t;
		}
	}
	for (size_t i = 0; i < n; i++) {
		adv = json_object_get(set, keys[i]);
		if (adv_covers(e, adv, svc, pool))
			json_array_append(out, adv);
	}
	free(keys);
	return out;
}

static int add_line(json_t *want, const char *key, json_t *line)
{
	if (!line)
		return -1;
	return json_object_set_new(want, key, line);
}

static json_t *announce_line(const char *ip, const char *via)
{
	json_t *l = json_object();
	if (!l)
		return NULL;
	json_object_set_new(l, "type", json_string("ANNOUNCE"));
	json_object_set_new(l, "ip", json_string(ip));
	json_object_set_new(l, "via", json_string(via));
	return l;
}

/* preferredNodeSelectors (MetalLB's design/preferred-node-l2.md): each
 * covering advertisement whose nodeSelectors select the node adds the
 * weight (1 to 100) of each of its preferences whose selector matches the
 * node's labels; an absent or empty preference matches every node. A weight
 * out of range or a selector that does not parse adds nothing. */
static long preference_score(const json_t *advs, const json_t *node)
{
	struct lb_labels *labels;
	struct lb_err err;
	if (lb_labels_from_json(labels_of(node), &labels, &err) < 0)
		return 0;
	long score = 0;
	size_t i;
	const json_t *adv;
	json_array_foreach(advs, i, adv) {
		const json_t *spec = json_object_get(adv, "spec");
		const json_t *prefs = json_object_get(spec, "preferredNodeSelectors");
		if (!json_array_size(prefs) ||
		    !any_selector_matches(json_object_get(spec, "nodeSelectors"), labels_of(node)))
			continue;
		size_t j;
		const json_t *pref;
		json_array_foreach(prefs, j, pref) {
			const json_t *w = json_object_get(pref, "weight");
			struct lb_labelsel *sel;
			if (!json_is_integer(w) || json_integer_value(w) < 1 ||
			    json_integer_value(w) > 100)
				continue;
			if (lb_labelsel_from_json(json_object_get(pref, "preference"), &sel, &err) < 0)
				continue;
			if (lb_labelsel_matches(sel, labels))
				score += (long)json_integer_value(w);
			lb_labelsel_free(sel);
		}
	}
	free(labels);
	return score;
}

/* Layer 2, MetalLB's rule (speaker/layer2_controller.go): among the nodes
 * eligible under any covering L2Advertisement, the highest preference score
 * wins, then the lowest SHA-256 of node name, '#', and the Service's first
 * address; so every address of a Service has the same owner. Two equal
 * digests cannot happen in practice; the name would break the tie. */
static int l2_owner(const struct lb_elect *e, const json_t *svc, const json_t *advs,
		    const char *rank_ip, const char **owner)
{
	const char *best = NULL;
	long best_score = 0;
	unsigned char best_rank[LB_ELECT_RANK_LEN];
	const char *k;
	json_t *node;
	*owner = NULL;
	json_object_foreach(json_object_get(e->objs, "Node"), k, node) {
		size_t i;
		const json_t *adv;
		bool ok = false;
		json_array_foreach(advs, i, adv) {
			if (node_eligible(e, svc, node,
					  json_object_get(json_object_get(adv, "spec"), "nodeSelectors"),
					  false)) {
				ok = true;
				break;
			}
		}
		if (!ok)
			continue;
		const char *name = name_of(node);
		long score = preference_score(advs, node);
		unsigned char rank[LB_ELECT_RANK_LEN];
		if (lb_elect_l2_rank(name, rank_ip, rank) < 0)
			return -1;
		int c = best ? memcmp(rank, best_rank, sizeof(rank)) : 0;
		if (!best || score > best_score ||
		    (score == best_score && (c < 0 || (c == 0 && strcmp(name, best) < 0)))) {
			best = name;
			best_score = score;
			memcpy(best_rank, rank, sizeof(rank));
		}
	}
	*owner = best;
	return 0;
}

/* The owner answers on the interfaces of the covering advertisements that
 * find it eligible, or on all when one of them names none. */
static int announce_l2(struct lb_elect *e, json_t *want, const json_t *svc, const char *ip,
		       const json_t *advs, const json_t *mynode)
{
	size_t i;
	const json_t *adv;
	json_t *ifaces = json_array();
	bool all = false;
	if (!ifaces)
		return -1;
	json_array_foreach(advs, i, adv) {
		const json_t *spec = json_object_get(adv, "spec");
		if (!node_eligible(e, svc, mynode, json_object_get(spec, "nodeSelectors"), false))
			continue;
		const json_t *list = json_object_get(spec, "interfaces");
		if (json_array_size(list) == 0)
			all = true;
		size_t j;
		const json_t *ifc;
		json_array_foreach(list, j, ifc) {
			if (json_is_string(ifc) && !string_in(ifaces, json_string_value(ifc)))
				json_array_append(ifaces, (json_t *)ifc);
		}
	}
	int rc = 0;
	char key[600];
	if (all) {
		snprintf(key, sizeof(key), "l2 %s", ip);
		rc = add_line(want, key, announce_line(ip, "l2"));
	} else {
		const json_t *ifc;
		json_array_foreach(ifaces, i, ifc) {
			json_t *l = announce_line(ip, "l2");
			if (l)
				json_object_set(l, "interface", (json_t *)ifc);
			snprintf(key, sizeof(key), "l2 %s %s", ip, json_string_value(ifc));
			if ((rc = add_line(want, key, l)) < 0)
				break;
		}
	}
	json_decref(ifaces);
	return rc;
}

/* A community written as a Community object's name becomes its value, so
 * the line carries what goes on the wire; unknown names pass through for
 * lb-bgp-peer to resolve or refuse. Large values go to largeCommunities. */
static void add_communities(const struct lb_elect *e, json_t *line, const json_t *names)
{
	json_t *std = json_array(), *large = json_array();
	size_t i;
	const json_t *c;
	json_array_foreach(names, i, c) {
		const char *s = json_string_value(c);
		if (!s)
			continue;
		const char *k;
		json_t *obj;
		json_object_foreach(json_object_get(e->objs, "Community"), k, obj) {
			size_t j;
			const json_t *def;
			json_array_foreach(json_object_get(json_object_get(obj, "spec"), "communities"), j,
					   def) {
				const char *n = json_string_value(json_object_get(def, "name"));
				const char *v = json_string_value(json_object_get(def, "value"));
				if (n && v && !strcmp(n, s))
					s = v;
			}
		}
		if (!strncmp(s, "large:", 6))
			json_array_append_new(large, json_string(s + 6));
		else
			json_array_append_new(std, json_string(s));
	}
	if (json_array_size(std))
		json_object_set(line, "communities", std);
	if (json_array_size(large))
		json_object_set(line, "largeCommunities", large);
	json_decref(std);
	json_decref(large);
}

/* BGP: every eligible node announces (the router spreads the traffic by
 * ECMP). One line per covering BGPAdvertisement that finds this node
 * eligible, with that advertisement's peers and attributes, as MetalLB
 * sends each advertisement to its own peers; "advertisement" names it
 * ("namespace/name"), so a WITHDRAW undoes that one only. */
static int elect_bgp(struct lb_elect *e, json_t *want, const json_t *svc, const char *ip,
		     const json_t *advs, const json_t *mynode)
{
	if (!mynode)
		return 0;
	size_t i;
	const json_t *adv;
	json_array_foreach(advs, i, adv) {
		const json_t *spec = json_object_get(adv, "spec");
		if (!node_eligible(e, svc, mynode, json_object_get(spec, "nodeSelectors"), true))
			continue;
		json_t *l = announce_line(ip, "bgp");
		if (!l)
			return -1;
		const json_t *peers = json_object_get(spec, "peers");
		if (json_array_size(peers))
			json_object_set(l, "peers", (json_t *)peers);
		add_communities(e, l, json_object_get(spec, "communities"));
		const json_t *lp = json_object_get(spec, "localPref");
		if (json_is_integer(lp))
			json_object_set(l, "localPref", (json_t *)lp);
		const json_t *agg = json_object_get(spec, strchr(ip, ':') ? "aggregationLengthV6"
									  : "aggregationLength");
		if (json_is_integer(agg))
			json_object_set(l, "aggregationLength", (json_t *)agg);
		char adv_key[520], key[600];
		const char *ns = ns_of(adv);
		snprintf(adv_key, sizeof(adv_key), "%s%s%s", ns, *ns ? "/" : "", name_of(adv));
		json_object_set_new(l, "advertisement", json_string(adv_key));
		snprintf(key, sizeof(key), "bgp %s %s", ip, adv_key);
		if (add_line(want, key, l) < 0)
			return -1;
	}
	return 0;
}

static int desired(struct lb_elect *e, json_t *want)
{
	json_t *mynode = NULL;
	const char *k;
	json_t *node, *svc;
	json_object_foreach(json_object_get(e->objs, "Node"), k, node) {
		const char *n = name_of(node);
		if (n && !strcmp(n, e->node))
			mynode = node;
	}
	json_object_foreach(json_object_get(e->objs, "Service"), k, svc) {
		const json_t *spec = json_object_get(svc, "spec");
		const char *type = json_string_value(json_object_get(spec, "type"));
		if (!type || strcmp(type, "LoadBalancer"))
			continue;
		const char *pool = json_string_value(json_object_get(
			json_object_get(json_object_get(svc, "metadata"), "annotations"),
			"metallb.io/ip-allocated-from-pool"));
		const json_t *ingress = json_object_get(
			json_object_get(json_object_get(svc, "status"), "loadBalancer"), "ingress");
		/* MetalLB hashes the Service's first address and announces nothing
		 * of a Service one of whose addresses does not parse. */
		char rank_ip[LB_ADDR_STRLEN];
		bool usable = json_array_size(ingress) > 0;
		size_t i;
		const json_t *ing;
		json_array_foreach(ingress, i, ing) {
			const char *ip = json_string_value(json_object_get(ing, "ip"));
			char canon[LB_ADDR_STRLEN];
			if (!ip || lb_elect_rank_ip(ip, canon) < 0)
				usable = false;
			else if (i == 0)
				memcpy(rank_ip, canon, sizeof(rank_ip));
		}
		if (!usable)
			continue;
		json_t *l2 = covering(e, "L2Advertisement", svc, pool);
		json_t *bgp = covering(e, "BGPAdvertisement", svc, pool);
		/* MetalLB's speaker announces a Service only while one of its
		 * endpoints can serve; under Local, node_eligible asks that of
		 * each node instead. */
		if (!is_local(svc)) {
			if (json_array_size(l2) && !has_serving_endpoint(e, svc, NULL, false))
				json_array_clear(l2);
			if (json_array_size(bgp) && !has_serving_endpoint(e, svc, NULL, true))
				json_array_clear(bgp);
		}
		int rc = (l2 && bgp) ? 0 : -1;
		const char *owner = NULL;
		if (rc == 0 && json_array_size(l2))
			rc = l2_owner(e, svc, l2, rank_ip, &owner);
		json_array_foreach(ingress, i, ing) {
			const char *ip = json_string_value(json_object_get(ing, "ip"));
			if (rc < 0)
				break;
			if (owner && json_object_set_new(e->owners, ip, json_string(owner)) < 0)
				rc = -1;
			if (rc == 0 && owner && !strcmp(owner, e->node))
				rc = announce_l2(e, want, svc, ip, l2, mynode);
			if (rc == 0 && json_array_size(bgp))
				rc = elect_bgp(e, want, svc, ip, bgp, mynode);
		}
		json_decref(l2);
		json_decref(bgp);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* ---- pass-through for lb-bgp-peer ------------------------------------------- */

static json_t *event_line(const char *type, const json_t *obj)
{
	json_t *l = json_object();
	if (l) {
		json_object_set_new(l, "type", json_string(type));
		json_object_set(l, "object", (json_t *)obj);
	}
	return l;
}

/* What lb-bgp-peer should know: every Community (it defines the names
 * ANNOUNCE lines use), every BFDProfile (before the peers, which name
 * them in spec.bfdProfile) and the BGPPeers whose spec.nodeSelectors select this
 * node, MetalLB's rule for which speakers open a session with a peer: an
 * empty list selects every node; otherwise this node must be known and one
 * selector must match its labels. */
static int wanted_passthrough(const struct lb_elect *e, json_t *want)
{
	const json_t *mylabels = NULL;
	bool mine_known = false;
	const char *k;
	json_t *obj;
	json_object_foreach(json_object_get(e->objs, "Node"), k, obj) {
		const char *n = name_of(obj);
		if (n && !strcmp(n, e->node)) {
			mylabels = labels_of(obj);
			mine_known = true;
		}
	}
	char key[700];
	json_object_foreach(json_object_get(e->objs, "Community"), k, obj) {
		snprintf(key, sizeof(key), "Community %s", k);
		if (json_object_set(want, key, obj) < 0)
			return -1;
	}
	json_object_foreach(json_object_get(e->objs, "BFDProfile"), k, obj) {
		snprintf(key, sizeof(key), "BFDProfile %s", k);
		if (json_object_set(want, key, obj) < 0)
			return -1;
	}
	json_object_foreach(json_object_get(e->objs, "BGPPeer"), k, obj) {
		const json_t *sels =
			json_object_get(json_object_get(obj, "spec"), "nodeSelectors");
		if (json_array_size(sels) &&
		    (!mine_known || !any_selector_matches(sels, mylabels)))
			continue;
		snprintf(key, sizeof(key), "BGPPeer %s", k);
		if (json_object_set(want, key, obj) < 0)
			return -1;
	}
	return 0;
}

/* ADDED for what is new, MODIFIED for what changed; DELETED (of the object
 * as last passed) only when deleted is set, for what is no longer wanted. */
static void pass_changes(struct lb_elect *e, const json_t *want, bool deleted,
			 void (*emit)(void *ctx, json_t *line), void *ctx)
{
	const char *k;
	json_t *obj, *tmp;
	if (deleted) {
		json_object_foreach_safe(e->passed, tmp, k, obj) {
			if (json_object_get(want, k))
				continue;
			json_t *l = event_line("DELETED", obj);
			if (!l)
				return;
			emit(ctx, l);
			json_object_del(e->passed, k);
		}
		return;
	}
	json_object_foreach((json_t *)want, k, obj) {
		json_t *old = json_object_get(e->passed, k);
		if (old && json_equal(old, obj))
			continue;
		json_t *l = event_line(old ? "MODIFIED" : "ADDED", obj);
		if (!l)
			return;
		emit(ctx, l);
		json_object_set(e->passed, k, obj);
	}
}

static json_t *withdraw_of(const json_t *announce)
{
	json_t *w = json_deep_copy(announce);
	if (w)
		json_object_set_new(w, "type", json_string("WITHDRAW"));
	return w;
}

int lb_elect_update(struct lb_elect *e, void (*emit)(void *ctx, json_t *line), void *ctx,
		    struct lb_err *err)
{
	if (!lb_elect_is_synced(e))
		return 0;
	json_t *want = json_object(), *pass = json_object();
	json_object_clear(e->owners);
	if (!want || !pass || desired(e, want) < 0 || wanted_passthrough(e, pass) < 0) {
		json_decref(want);
		json_decref(pass);
		return lb_err_set(err, "out of memory");
	}
	/* Order for lb-bgp-peer: a peer (and the communities) before any
	 * ANNOUNCE that may name it; a peer's DELETED after the WITHDRAWs of
	 * routes it carried, so they are withdrawn, not cut with the session. */
	pass_changes(e, pass, false, emit, ctx);
	const char *k;
	json_t *line, *tmp;
	json_t *bgp_withdrawn = json_object(); /* ip -> true */
	json_object_foreach_safe(e->announced, tmp, k, line) {
		json_t *w = json_object_get(want, k);
		/* Same key, other attributes: lb-bgp-peer replaces them on a new
		 * ANNOUNCE, so only a vanished key is withdrawn. */
		if (w)
			continue;
		json_t *wd = withdraw_of(line);
		if (!wd)
			break;
		if (!strcmp(json_string_value(json_object_get(line, "via")), "bgp"))
			json_object_set_new(bgp_withdrawn,
					    json_string_value(json_object_get(line, "ip")), json_true());
		emit(ctx, wd);
		json_object_del(e->announced, k);
	}
	pass_changes(e, pass, true, emit, ctx);
	json_decref(pass);
	json_object_foreach(want, k, line) {
		json_t *old = json_object_get(e->announced, k);
		/* A reader that keys BGP routes by address alone (lb-bgp-peer
		 * before "advertisement") dropped the address on a WITHDRAW of one
		 * of its advertisements: the others are said again. */
		bool again = !strcmp(json_string_value(json_object_get(line, "via")), "bgp") &&
			     json_object_get(bgp_withdrawn,
					     json_string_value(json_object_get(line, "ip")));
		if (old && json_equal(old, line) && !again)
			continue;
		emit(ctx, json_incref(line));
		json_object_set(e->announced, k, line);
	}
	json_decref(bgp_withdrawn);
	json_decref(want);
	return 0;
}
