#include "service.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The newer metallb.io/ prefix wins; the older metallb.universe.tf/ one is
 * still read (MetalLB reads both) but reported as deprecated. */
static const char *annotation(const json_t *anns, const char *name, const char *old_name,
			      struct lb_svc_spec *spec)
{
	if (!anns)
		return NULL; /* most Services: no annotations at all */
	const char *v = json_string_value(json_object_get(anns, name));
	if (v)
		return v;
	v = json_string_value(json_object_get(anns, old_name));
	if (v && !spec->deprecated)
		spec->deprecated = strchr(name, '/') + 1;
	return v;
}

#define OLD_PREFIX "metallb.universe.tf/"

/* n decimal digits at p, or -1. */
static int digits(const char *p, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)p[i]))
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

int lb_parse_rfc3339(const char *s, int64_t *out)
{
	struct tm tm = {0};
	/* Fixed layout YYYY-MM-DDTHH:MM:SS, read by hand: sscanf was a quarter
	 * of the cost of reading a Service. */
	if (strlen(s) < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
	    s[13] != ':' || s[16] != ':')
		return -1;
	int y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2), h = digits(s + 11, 2),
	    mi = digits(s + 14, 2), sec = digits(s + 17, 2);
	if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || sec < 0)
		return -1;
	const char *p = s + 19;
	if (*p == '.') {
		p++;
		while (isdigit((unsigned char)*p))
			p++;
	}
	long off = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		if (strlen(p) < 6 || p[3] != ':')
			return -1;
		int oh = digits(p + 1, 2), om = digits(p + 4, 2);
		if (oh < 0 || om < 0 || oh > 23 || om > 59)
			return -1;
		off = (oh * 60L + om) * 60L * (*p == '-' ? -1 : 1);
		p += 6;
	} else {
		return -1;
	}
	if (*p || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*out = (int64_t)timegm(&tm) - off;
	return 0;
}

static int family_of(const char *s)
{
	if (!s)
		return 0;
	if (!strcmp(s, "IPv4"))
		return LB_AF_INET;
	if (!strcmp(s, "IPv6"))
		return LB_AF_INET6;
	return 0;
}

static void invalid(struct lb_svc_spec *spec, const char *fmt, const char *arg)
{
	if (!spec->invalid[0])
		snprintf(spec->invalid, sizeof(spec->invalid), fmt, arg);
}

static void add_wanted(struct lb_svc_spec *spec, const char *text, const char *field)
{
	struct lb_addr a;
	struct lb_err err;
	char buf[128];

	if (lb_addr_parse(text, &a, &err) < 0) {
		snprintf(buf, sizeof(buf), "%s: %s", field, err.msg);
		invalid(spec, "%s", buf);
		return;
	}
	for (unsigned i = 0; i < spec->nwant; i++) {
		if (spec->want[i].family == a.family) {
			invalid(spec, "%s: more than one address of one family", field);
			return;
		}
	}
	if (spec->nwant == 2) {
		invalid(spec, "%s: more than two addresses", field);
		return;
	}
	spec->want[spec->nwant++] = a;
}

static void parse_requested(struct lb_svc_spec *spec, const json_t *svcspec, const char *ips)
{
	const char *lbip = json_string_value(json_object_get(svcspec, "loadBalancerIP"));
	if (lbip && !*lbip)
		lbip = NULL;
	if (lbip && ips) {
		invalid(spec, "spec.loadBalancerIP and the %s annotation are both set", LB_ANN_IPS);
		return;
	}
	if (lbip) {
		add_wanted(spec, lbip, "spec.loadBalancerIP");
		return;
	}
	if (!ips)
		return;
	char *copy = strdup(ips), *save = NULL;
	if (!copy) {
		invalid(spec, "%s", "out of memory");
		return;
	}
	int n = 0;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		while (isspace((unsigned char)*tok))
			tok++;
		char *end = tok + strlen(tok);
		while (end > tok && isspace((unsigned char)end[-1]))
			*--end = '\0';
		if (*tok) {
			add_wanted(spec, tok, LB_ANN_IPS);
			n++;
		}
	}
	free(copy);
	if (!n)
		invalid(spec, "the %s annotation lists no address", LB_ANN_IPS);
}

/* Which families, in which order, under which policy. The API server
 * always fills spec.ipFamilies; manifests read without a cluster may not,
 * so fall back on clusterIPs, then on the requested addresses, then IPv4. */
static void parse_families(struct lb_svc_spec *spec, const json_t *svcspec)
{
	const char *policy = json_string_value(json_object_get(svcspec, "ipFamilyPolicy"));
	if (!policy || !strcmp(policy, "SingleStack"))
		spec->policy = LB_POLICY_SINGLE;
	else if (!strcmp(policy, "PreferDualStack"))
		spec->policy = LB_POLICY_PREFER_DUAL;
	else if (!strcmp(policy, "RequireDualStack"))
		spec->policy = LB_POLICY_REQUIRE_DUAL;
	else
		invalid(spec, "spec.ipFamilyPolicy: '%s' is not SingleStack, PreferDualStack or "
			"RequireDualStack", policy);

	const json_t *fams = json_object_get(svcspec, "ipFamilies");
	size_t i;
	json_t *f;
	json_array_foreach(fams, i, f) {
		int fam = family_of(json_string_value(f));
		if (!fam) {
			invalid(spec, "spec.ipFamilies: '%s' is not IPv4 or IPv6",
				json_is_string(f) ? json_string_value(f) : "?");
			return;
		}
		if (spec->nfamilies == 2 || (spec->nfamilies == 1 && spec->families[0] == fam)) {
			invalid(spec, "%s", "spec.ipFamilies: each family at most once");
			return;
		}
		spec->families[spec->nfamilies++] = (uint8_t)fam;
	}
	if (!spec->nfamilies) {
		const json_t *cips = json_object_get(svcspec, "clusterIPs");
		json_array_foreach(cips, i, f) {
			struct lb_addr a;
			if (spec->nfamilies < 2 && json_is_string(f) &&
			    lb_addr_parse(json_string_value(f), &a, NULL) == 0 &&
			    (spec->nfamilies == 0 || spec->families[0] != a.family))
				spec->families[spec->nfamilies++] = a.family;
		}
	}
	if (!spec->nfamilies) {
		for (unsigned k = 0; k < spec->nwant; k++)
			spec->families[spec->nfamilies++] = spec->want[k].family;
	}
	if (!spec->nfamilies)
		spec->families[spec->nfamilies++] = LB_AF_INET;
	/* Without a cluster to fill ipFamilies, a dual-stack policy means both. */
	if (spec->policy != LB_POLICY_SINGLE && spec->nfamilies == 1 && !json_array_size(fams)) {
		spec->families[1] = spec->families[0] == LB_AF_INET ? LB_AF_INET6 : LB_AF_INET;
		spec->nfamilies = 2;
	}
	if (spec->policy == LB_POLICY_SINGLE)
		spec->nfamilies = 1;
	if (spec->policy == LB_POLICY_REQUIRE_DUAL && spec->nfamilies < 2)
		invalid(spec, "%s", "RequireDualStack but spec.ipFamilies names one family");

	for (unsigned k = 0; k < spec->nwant; k++) {
		int fits = 0;
		for (unsigned j = 0; j < spec->nfamilies; j++)
			fits |= spec->families[j] == spec->want[k].family;
		if (!fits) {
			char a[LB_ADDR_STRLEN];
			invalid(spec, "requested address %s is not of the service's IP families",
				lb_addr_format(&spec->want[k], a));
		}
	}
	if (spec->policy == LB_POLICY_REQUIRE_DUAL && spec->nwant == 1)
		invalid(spec, "%s", "RequireDualStack but only one address is requested");
}

static void parse_ports(struct lb_svc_spec *spec, const json_t *svcspec)
{
	const json_t *ports = json_object_get(svcspec, "ports");
	size_t n = json_array_size(ports);
	if (!n)
		return;
	spec->ports = calloc(n, sizeof(*spec->ports));
	if (!spec->ports) {
		invalid(spec, "%s", "out of memory");
		return;
	}
	size_t i;
	json_t *p;
	json_array_foreach(ports, i, p) {
		json_int_t port = json_integer_value(json_object_get(p, "port"));
		const char *proto = json_string_value(json_object_get(p, "protocol"));
		if (port < 1 || port > 65535) {
			invalid(spec, "%s", "spec.ports: a port is not between 1 and 65535");
			return;
		}
		uint8_t pr = 'T';
		if (proto && !strcmp(proto, "UDP"))
			pr = 'U';
		else if (proto && !strcmp(proto, "SCTP"))
			pr = 'S';
		else if (proto && strcmp(proto, "TCP")) {
			invalid(spec, "spec.ports: protocol '%s' is not TCP, UDP or SCTP", proto);
			return;
		}
		spec->ports[spec->nports].port = (uint16_t)port;
		spec->ports[spec->nports].proto = pr;
		spec->nports++;
	}
}

/* MetalLB lets services share an address only when they send traffic to the
 * same place: Cluster services with each other, Local services only with the
 * same pod selector (the node announcing must have their endpoints). */
static int backend_key(struct lb_svc_spec *spec, const json_t *svcspec, struct lb_err *err)
{
	const char *etp = json_string_value(json_object_get(svcspec, "externalTrafficPolicy"));
	if (!etp || strcmp(etp, "Local")) {
		spec->backend_key = strdup("cluster");
	} else {
		struct lb_labels *sel = NULL;
		struct lb_err lerr;
		if (lb_labels_from_json(json_object_get(svcspec, "selector"), &sel, &lerr) < 0) {
			invalid(spec, "spec.selector: %s", lerr.msg);
			return 0;
		}
		size_t need = lb_labels_format(sel, NULL, 0);
		spec->backend_key = malloc(need + 7);
		if (spec->backend_key) {
			memcpy(spec->backend_key, "local:", 6);
			lb_labels_format(sel, spec->backend_key + 6, need + 1);
		}
		free(sel);
	}
	return spec->backend_key ? 0 : lb_err_set(err, "out of memory");
}

int lb_svc_spec_parse(const json_t *obj, struct lb_svc_spec *spec, struct lb_err *err)
{
	memset(spec, 0, sizeof(*spec));
	const json_t *meta = json_object_get(obj, "metadata");
	const char *name = json_string_value(json_object_get(meta, "name"));
	const char *ns = json_string_value(json_object_get(meta, "namespace"));
	if (!name || !*name)
		return lb_err_set(err, "Service without metadata.name");
	if (!ns || !*ns)
		ns = "default";
	if (strlen(ns) > 253 || strlen(name) > 63 || strchr(ns, '/') || strchr(name, '/'))
		return lb_err_set(err, "Service '%.64s/%.64s': not a valid namespace/name", ns, name);
	spec->ns_len = strlen(ns);
	snprintf(spec->key, sizeof(spec->key), "%s/%s", ns, name);

	const char *ts = json_string_value(json_object_get(meta, "creationTimestamp"));
	if (ts && lb_parse_rfc3339(ts, &spec->created) < 0)
		return lb_err_set(err, "Service %s: metadata.creationTimestamp '%s' is not RFC 3339",
				  spec->key, ts);

	const json_t *anns = json_object_get(meta, "annotations");
	const json_t *svcspec = json_object_get(obj, "spec");
	const char *type = json_string_value(json_object_get(svcspec, "type"));
	spec->load_balancer = type && !strcmp(type, "LoadBalancer");
	spec->lb_class = json_string_value(json_object_get(svcspec, "loadBalancerClass"));
	spec->pool_name = annotation(anns, LB_ANN_POOL, OLD_PREFIX "address-pool", spec);
	spec->share_key = annotation(anns, LB_ANN_SHARE, OLD_PREFIX "allow-shared-ip", spec);
	if (spec->pool_name && !*spec->pool_name)
		spec->pool_name = NULL;
	if (spec->share_key && !*spec->share_key)
		spec->share_key = NULL;
	spec->status_pool = json_string_value(json_object_get(anns, LB_ANN_ALLOCATED));

	if (spec->load_balancer) {
		parse_requested(spec, svcspec,
				annotation(anns, LB_ANN_IPS, OLD_PREFIX "loadBalancerIPs", spec));
		parse_families(spec, svcspec);
		if (spec->share_key)
			parse_ports(spec, svcspec);
		if (backend_key(spec, svcspec, err) < 0)
			return -1;
		struct lb_err lerr;
		if (lb_labels_from_json(json_object_get(meta, "labels"), &spec->labels, &lerr) < 0)
			invalid(spec, "metadata.labels: %s", lerr.msg);
	}

	const json_t *ingress = json_object_get(json_object_get(json_object_get(obj, "status"),
								 "loadBalancer"), "ingress");
	size_t i;
	json_t *ing;
	json_array_foreach(ingress, i, ing) {
		const char *ip = json_string_value(json_object_get(ing, "ip"));
		struct lb_addr a;
		if (ip && spec->nstatus < 2 && lb_addr_parse(ip, &a, NULL) == 0)
			spec->status[spec->nstatus++] = a;
	}
	return 0;
}

void lb_svc_spec_release(struct lb_svc_spec *spec)
{
	free(spec->backend_key);
	free(spec->ports);
	free(spec->labels);
	spec->backend_key = NULL;
	spec->ports = NULL;
	spec->labels = NULL;
}
