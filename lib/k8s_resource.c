#include <stdio.h>
#include <strings.h>

#include "k8s_resource.h"

/* MetalLB v0.14 serves BGPPeer as v1beta2 and keeps v1beta1 for older
 * installations; every other MetalLB kind is v1beta1 only. */
static const struct lb_k8s_resource resources[] = {
	{"services", "", "v1", NULL, "Service", 1},
	{"endpointslices", "discovery.k8s.io", "v1", NULL, "EndpointSlice", 1},
	{"nodes", "", "v1", NULL, "Node", 0},
	{"namespaces", "", "v1", NULL, "Namespace", 0},
	{"configmaps", "", "v1", NULL, "ConfigMap", 1},
	{"leases", "coordination.k8s.io", "v1", NULL, "Lease", 1},
	{"ipaddresspools", "metallb.io", "v1beta1", NULL, "IPAddressPool", 1},
	{"l2advertisements", "metallb.io", "v1beta1", NULL, "L2Advertisement", 1},
	{"bgpadvertisements", "metallb.io", "v1beta1", NULL, "BGPAdvertisement", 1},
	{"bgppeers", "metallb.io", "v1beta2", "v1beta1", "BGPPeer", 1},
	{"communities", "metallb.io", "v1beta1", NULL, "Community", 1},
	{"bfdprofiles", "metallb.io", "v1beta1", NULL, "BFDProfile", 1},
};

const struct lb_k8s_resource *lb_k8s_resource_find(const char *name)
{
	for (size_t i = 0; i < sizeof(resources) / sizeof(resources[0]); i++) {
		if (!strcasecmp(name, resources[i].plural) || !strcasecmp(name, resources[i].kind))
			return &resources[i];
	}
	return NULL;
}

const struct lb_k8s_resource *lb_k8s_resource_at(size_t i)
{
	return i < lb_k8s_resource_count() ? &resources[i] : NULL;
}

size_t lb_k8s_resource_count(void)
{
	return sizeof(resources) / sizeof(resources[0]);
}

int lb_k8s_resource_path(const struct lb_k8s_resource *r, const char *version, const char *ns,
			 char *buf, size_t size, struct lb_err *err)
{
	char prefix[128];
	int n;

	if (*r->group)
		snprintf(prefix, sizeof(prefix), "/apis/%s/%s", r->group, version);
	else
		snprintf(prefix, sizeof(prefix), "/api/%s", version);
	if (r->namespaced && ns && *ns)
		n = snprintf(buf, size, "%s/namespaces/%s/%s", prefix, ns, r->plural);
	else
		n = snprintf(buf, size, "%s/%s", prefix, r->plural);
	if (n < 0 || (size_t)n >= size)
		return lb_err_set(err, "%s: API path too long", r->plural);
	return 0;
}

void lb_k8s_resource_api_version(const struct lb_k8s_resource *r, const char *version, char *buf,
				 size_t size)
{
	if (*r->group)
		snprintf(buf, size, "%s/%s", r->group, version);
	else
		snprintf(buf, size, "%s", version);
}
