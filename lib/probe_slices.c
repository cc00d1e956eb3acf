#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe_slices.h"
#include "probe_template.h"

int lb_probe_slice_template_ok(const char *tmpl, struct lb_err *err)
{
	unsigned addr = LB_PROBE_TMPL_IP | LB_PROBE_TMPL_ADDR;
	return lb_probe_template_check(tmpl, addr | LB_PROBE_TMPL_PORT, addr, err) < 0 ? -1 : 0;
}

int lb_probe_slice_key(const json_t *slice, char *buf, size_t len, struct lb_err *err)
{
	const json_t *md = json_object_get(slice, "metadata");
	const char *ns = json_string_value(json_object_get(md, "namespace"));
	const char *name = json_string_value(json_object_get(md, "name"));
	if (!ns || !name || !*ns || !*name)
		return lb_err_set(err, "EndpointSlice without metadata.namespace and .name");
	snprintf(buf, len, "%s/%s", ns, name);
	return 0;
}

static int fill(const char *tmpl, const char *addr, long port, char *out, size_t cap)
{
	struct lb_probe_tmpl_values v = {addr, port, NULL};
	return lb_probe_template_fill(tmpl, &v, out, cap);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(json_string_value(*(json_t *const *)a), json_string_value(*(json_t *const *)b));
}

json_t *lb_probe_slice_targets(const json_t *slice, const char *tmpl, struct lb_err *err)
{
	const json_t *endpoints = json_object_get(slice, "endpoints");
	const json_t *ports = json_object_get(slice, "ports");
	int per_port = strstr(tmpl, "{port}") != NULL;
	if (endpoints && !json_is_array(endpoints) && !json_is_null(endpoints)) {
		lb_err_set(err, "EndpointSlice: endpoints is not a list");
		return NULL;
	}
	if (ports && !json_is_array(ports) && !json_is_null(ports)) {
		lb_err_set(err, "EndpointSlice: ports is not a list");
		return NULL;
	}
	json_t *list = json_array();
	size_t i, j, k;
	json_t *ep, *a, *pt;
	char target[4096];
	json_array_foreach(endpoints, i, ep) {
		const json_t *cond = json_object_get(ep, "conditions");
		if (json_is_true(json_object_get(cond, "terminating")))
			continue;
		json_array_foreach(json_object_get(ep, "addresses"), j, a) {
			const char *addr = json_string_value(a);
			if (!addr || !*addr || strlen(addr) > 45)
				continue;
			if (!per_port) {
				if (fill(tmpl, addr, 0, target, sizeof(target)) == 0)
					json_array_append_new(list, json_string(target));
				continue;
			}
			json_array_foreach(ports, k, pt) {
				json_int_t port = json_integer_value(json_object_get(pt, "port"));
				/* A port-less entry means "all ports" (EndpointPort doc): nothing to dial. */
				if (port < 1 || port > 65535)
					continue;
				if (fill(tmpl, addr, (long)port, target, sizeof(target)) == 0)
					json_array_append_new(list, json_string(target));
			}
		}
	}
	/* Sorted and unique, so that an update compares cheaply with the last. */
	size_t n = json_array_size(list);
	json_t **v = malloc((n ? n : 1) * sizeof(*v));
	if (!v) {
		json_decref(list);
		lb_err_set(err, "out of memory");
		return NULL;
	}
	for (i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(list, i));
	qsort(v, n, sizeof(*v), cmp_str);
	json_array_clear(list);
	json_t *last = NULL;
	for (i = 0; i < n; i++) {
		if (last && !cmp_str(&last, &v[i])) {
			json_decref(v[i]);
		} else {
			json_array_append_new(list, v[i]);
			last = v[i];
		}
	}
	free(v);
	return list;
}
