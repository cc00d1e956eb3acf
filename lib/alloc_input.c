#include "alloc_input.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"
#include "service.h"

static void object_name(const json_t *obj, char *buf, size_t size)
{
	const json_t *meta = json_object_get(obj, "metadata");
	const char *ns = json_string_value(json_object_get(meta, "namespace"));
	const char *name = json_string_value(json_object_get(meta, "name"));
	snprintf(buf, size, "%s%s%s", ns ? ns : "", ns ? "/" : "", name ? name : "?");
}

static int pool_object(struct lb_alloc_input *in, const json_t *obj, const char *name, int deleted,
		       struct lb_err *err)
{
	char source[700];
	snprintf(source, sizeof(source), "IPAddressPool %s", name);
	if (deleted)
		return lb_alloc_set_pools(in->alloc, source, NULL, 0, err);
	struct lb_pool_def *def;
	if (lb_pool_from_ipaddresspool(obj, &def, err) < 0) {
		/* A pool that became invalid stops serving: drop its old form. */
		struct lb_err ignored;
		lb_alloc_set_pools(in->alloc, source, NULL, 0, &ignored);
		return -1;
	}
	return lb_alloc_set_pools(in->alloc, source, &def, 1, err);
}

static int configmap_object(struct lb_alloc_input *in, const json_t *obj, const char *name,
			    int deleted, struct lb_err *err)
{
	char source[700];
	if (!in->configmap || strcmp(name, in->configmap))
		return 0;
	snprintf(source, sizeof(source), "ConfigMap %s", name);
	if (deleted)
		return lb_alloc_set_pools(in->alloc, source, NULL, 0, err);
	struct lb_pool_list list = {in->log, NULL, 0, 0};
	struct lb_err ignored;
	int rc = lb_pool_from_configmap(obj, lb_pool_list_collect, &list, err);
	if (rc == 0) {
		rc = lb_alloc_set_pools(in->alloc, source, list.defs, list.n, err);
		free(list.defs); /* the allocator owns the pools now */
	} else {
		lb_pool_list_free(&list);
		lb_alloc_set_pools(in->alloc, source, NULL, 0, &ignored);
	}
	return rc;
}

int lb_alloc_handle_event(struct lb_alloc_input *in, const json_t *ev, struct lb_err *err)
{
	if (!json_is_object(ev))
		return lb_err_set(err, "not a JSON object");
	const char *type = json_string_value(json_object_get(ev, "type"));
	const json_t *obj = json_object_get(ev, "object");

	/* A bare object (e.g. from kubectl -o json | jq -c '.items[]') is an ADDED. */
	if (!type && json_is_string(json_object_get(ev, "kind"))) {
		type = "ADDED";
		obj = ev;
	}
	if (!type)
		return lb_err_set(err, "no \"type\"");
	if (!strcmp(type, "SYNCED")) {
		const char *kind = json_string_value(json_object_get(ev, "kind"));
		if (!kind)
			return lb_err_set(err, "SYNCED without \"kind\"");
		lb_alloc_synced(in->alloc, kind);
		return 0;
	}
	if (!strcmp(type, "BOOKMARK") || !strcmp(type, "LEADER") || !strcmp(type, "FOLLOWER"))
		return 0;
	if (!strcmp(type, "ERROR")) {
		const char *msg = json_string_value(json_object_get(obj, "message"));
		lb_warnx(in->log, "upstream error event: %s", msg ? msg : "(no message)");
		return 0;
	}
	int deleted = !strcmp(type, "DELETED");
	if (!deleted && strcmp(type, "ADDED") && strcmp(type, "MODIFIED"))
		return lb_err_set(err, "unknown event type '%.40s'", type);
	if (!json_is_object(obj))
		return lb_err_set(err, "%s event without an \"object\"", type);
	const char *kind = json_string_value(json_object_get(obj, "kind"));
	if (!kind)
		return lb_err_set(err, "%s object has no \"kind\"", type);

	char name[600];
	object_name(obj, name, sizeof(name));
	if (!strcmp(kind, "Service")) {
		if (!deleted)
			return lb_alloc_set_service(in->alloc, obj, err);
		struct lb_svc_spec spec;
		if (lb_svc_spec_parse(obj, &spec, err) < 0)
			return -1;
		lb_alloc_delete_service(in->alloc, spec.key);
		lb_svc_spec_release(&spec);
		return 0;
	}
	if (!strcmp(kind, "Namespace")) {
		if (!deleted)
			return lb_alloc_set_namespace(in->alloc, obj, err);
		const char *n = json_string_value(json_object_get(json_object_get(obj, "metadata"), "name"));
		if (!n)
			return lb_err_set(err, "Namespace without metadata.name");
		lb_alloc_delete_namespace(in->alloc, n);
		return 0;
	}
	if (!strcmp(kind, "IPAddressPool"))
		return pool_object(in, obj, name, deleted, err);
	if (!strcmp(kind, "ConfigMap"))
		return configmap_object(in, obj, name, deleted, err);
	lb_debug(in->log, "ignoring %s %s", kind, name);
	return 0;
}
