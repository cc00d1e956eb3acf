#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe_slices.h"

int lb_probe_slice_template_ok(const char *tmpl, struct lb_err *err)
{
	int has_addr = 0;
	for (const char *p = tmpl; (p = strchr(p, '{')); p++) {
		if (!strncmp(p, "{ip}", 4) || !strncmp(p, "{addr}", 6))
			has_addr = 1;
		else if (strncmp(p, "{port}", 6))
			return lb_err_set(err, "'%s': unknown placeholder (expected {ip}, {addr}, {port})",
					  tmpl);
	}
	if (!has_addr)
		return lb_err_set(err, "'%s': no {ip} or {addr} in the template", tmpl);
	return 0;
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

/* Appends s to the growing string *out; -1 on overflow of a target's size. */
static int put(char *out, size_t *n, size_t cap, const char *s, size_t len)
{
	if (*n + len >= cap)
		return -1;
	memcpy(out + *n, s, len);
	*n += len;
	out[*n] = '\0';
	return 0;
}

static int fill(const char *tmpl, const char *addr, long port, char *out, size_t cap)
{
	size_t n = 0;
	int v6 = strchr(addr, ':') != NULL;
	char num[16];
	out[0] = '\0';
	for (const char *p = tmpl; *p;) {
		int rc;
		if (!strncmp(p, "{ip}", 4)) {
			rc = (v6 ? put(out, &n, cap, "[", 1) : 0) | put(out, &n, cap, addr, strlen(addr)) |
			     (v6 ? put(out, &n, cap, "]", 1) : 0);
			p += 4;
		} else if (!strncmp(p, "{addr}", 6)) {
			rc = put(out, &n, cap, addr, strlen(addr));
			p += 6;
		} else if (!strncmp(p, "{port}", 6)) {
			snprintf(num, sizeof(num), "%ld", port);
			rc = put(out, &n, cap, num, strlen(num));
			p += 6;
		} else {
			rc = put(out, &n, cap, p, 1);
			p++;
		}
		if (rc)
			return -1;
	}
	return 0;
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
