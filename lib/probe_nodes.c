#include <arpa/inet.h>
#include <string.h>

#include "probe_nodes.h"
#include "probe_template.h"

#define ADDR_VARS (LB_PROBE_TMPL_IP | LB_PROBE_TMPL_ADDR)
#define NODE_VARS (ADDR_VARS | LB_PROBE_TMPL_NAME)

int lb_probe_node_template_ok(const char *tmpl, struct lb_err *err)
{
	return lb_probe_template_check(tmpl, NODE_VARS, NODE_VARS, err) < 0 ? -1 : 0;
}

/* RFC 1123 subdomain, as Kubernetes validates object names
 * (IsDNS1123Subdomain): lower-case alphanumerics, '-' and '.', starting and
 * ending alphanumeric, at most 253 characters. It also keeps the name safe
 * to put into a URL. */
static int dns_subdomain(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 253)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		int alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
		if (!alnum && c != '-' && c != '.')
			return 0;
		if (!alnum && (i == 0 || i == n - 1))
			return 0;
	}
	return 1;
}

const char *lb_probe_node_name(const json_t *node, struct lb_err *err)
{
	const char *kind = json_string_value(json_object_get(node, "kind"));
	const char *name =
		json_string_value(json_object_get(json_object_get(node, "metadata"), "name"));
	if (!json_is_object(node) || (kind && strcmp(kind, "Node"))) {
		lb_err_set(err, "not a Node object");
		return NULL;
	}
	if (!name) {
		lb_err_set(err, "Node without metadata.name");
		return NULL;
	}
	if (!dns_subdomain(name)) {
		lb_err_set(err, "Node '%.260s': the name is not an RFC 1123 subdomain", name);
		return NULL;
	}
	return name;
}

static int ip_literal(const char *s)
{
	unsigned char bin[16];
	return inet_pton(AF_INET, s, bin) == 1 || inet_pton(AF_INET6, s, bin) == 1;
}

static const char *first_of_type(const json_t *addresses, const char *type)
{
	size_t i;
	const json_t *a;
	json_array_foreach(addresses, i, a) {
		const char *t = json_string_value(json_object_get(a, "type"));
		const char *addr = json_string_value(json_object_get(a, "address"));
		if (t && addr && !strcmp(t, type) && ip_literal(addr))
			return addr;
	}
	return NULL;
}

const char *lb_probe_node_addr(const json_t *node)
{
	const json_t *addresses = json_object_get(json_object_get(node, "status"), "addresses");
	if (!json_is_array(addresses))
		return NULL;
	/* InternalIP first: it is the address the cluster's own nodes use
	 * for each other (kubelet --node-ip); an ExternalIP only when the node
	 * reports no internal one (NodeAddressType, core/v1). */
	const char *addr = first_of_type(addresses, "InternalIP");
	return addr ? addr : first_of_type(addresses, "ExternalIP");
}

int lb_probe_node_target(const json_t *node, const char *tmpl, char *out, size_t cap,
			 struct lb_err *err)
{
	const char *name = lb_probe_node_name(node, err);
	if (!name)
		return -1;
	struct lb_probe_tmpl_values v = {lb_probe_node_addr(node), 0, name};
	int used = lb_probe_template_check(tmpl, NODE_VARS, NODE_VARS, err);
	if (used < 0)
		return -1;
	if (((unsigned)used & ADDR_VARS) && !v.addr)
		return 0;
	if (lb_probe_template_fill(tmpl, &v, out, cap) < 0)
		return lb_err_set(err, "Node '%s': the target is longer than %zu bytes", name,
				  cap - 1);
	return 1;
}
