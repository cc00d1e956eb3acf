#include <stdio.h>
#include <string.h>

#include "watch_event.h"

static const char *const type_names[] = {
	[LB_WATCH_ADDED] = "ADDED",
	[LB_WATCH_MODIFIED] = "MODIFIED",
	[LB_WATCH_DELETED] = "DELETED",
	[LB_WATCH_BOOKMARK] = "BOOKMARK",
	[LB_WATCH_ERROR] = "ERROR",
};

const char *lb_watch_type_name(enum lb_watch_type t)
{
	return (unsigned)t < sizeof(type_names) / sizeof(type_names[0]) ? type_names[t] : "?";
}

static const char *str_at(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

int lb_watch_event_decode(json_t *ev, struct lb_watch_event *out, struct lb_err *err)
{
	const char *type = str_at(ev, "type");
	json_t *obj = json_object_get(ev, "object");
	size_t i;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(ev))
		return lb_err_set(err, "event is not a JSON object");
	if (!type)
		return lb_err_set(err, "event without a \"type\" string");
	for (i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++) {
		if (!strcmp(type, type_names[i]))
			break;
	}
	if (i == sizeof(type_names) / sizeof(type_names[0]))
		return lb_err_set(err, "unknown event type '%.40s'", type);
	out->type = (enum lb_watch_type)i;
	if (!json_is_object(obj))
		return lb_err_set(err, "%s event without an object", type);
	out->object = obj;

	if (out->type == LB_WATCH_ERROR) {
		/* The API reports a failed watch as a Status object in an ERROR
		 * event; 410 means the resourceVersion left the history window. */
		json_t *code = json_object_get(obj, "code");
		if (!json_is_integer(code))
			return lb_err_set(err, "ERROR event without a Status code");
		out->code = (int)json_integer_value(code);
		return 0;
	}

	json_t *meta = json_object_get(obj, "metadata");
	if (!json_is_object(meta))
		return lb_err_set(err, "%s event: object without metadata", type);
	out->rv = str_at(meta, "resourceVersion");
	if (out->type == LB_WATCH_BOOKMARK) {
		if (!out->rv)
			return lb_err_set(err, "BOOKMARK without metadata.resourceVersion");
		return 0;
	}
	out->kind = str_at(obj, "kind");
	out->name = str_at(meta, "name");
	out->ns = str_at(meta, "namespace");
	json_t *nsv = json_object_get(meta, "namespace");
	if (nsv && !out->ns)
		return lb_err_set(err, "%s %s: metadata.namespace is not a string", type,
				  out->kind ? out->kind : "object");
	if (!out->ns)
		out->ns = "";
	if (!out->kind)
		return lb_err_set(err, "%s event: object without a \"kind\" string", type);
	if (!out->name || !*out->name)
		return lb_err_set(err, "%s %s%s%s: object without metadata.name", type, out->kind,
				  *out->ns ? " in namespace " : "", out->ns);
	if (!str_at(obj, "apiVersion"))
		return lb_err_set(err, "%s %s %s%s%s: no \"apiVersion\" string", type, out->kind,
				  out->ns, *out->ns ? "/" : "", out->name);
	if (!out->rv)
		return lb_err_set(err, "%s %s %s%s%s: no metadata.resourceVersion", type, out->kind,
				  out->ns, *out->ns ? "/" : "", out->name);
	return 0;
}

void lb_watch_object_complete(json_t *obj, const char *kind, const char *api_version)
{
	if (!json_is_object(obj))
		return;
	if (!json_is_string(json_object_get(obj, "apiVersion")))
		json_object_set_new(obj, "apiVersion", json_string(api_version));
	if (!json_is_string(json_object_get(obj, "kind")))
		json_object_set_new(obj, "kind", json_string(kind));
}

void lb_watch_object_trim(json_t *obj)
{
	json_t *meta = json_object_get(obj, "metadata");
	json_object_del(meta, "managedFields");
	json_object_del(json_object_get(meta, "annotations"),
			"kubectl.kubernetes.io/last-applied-configuration");
}

int lb_watch_object_key(const json_t *obj, char *buf, size_t size)
{
	const json_t *meta = json_object_get(obj, "metadata");
	const char *kind = str_at(obj, "kind"), *name = str_at(meta, "name");
	const char *ns = str_at(meta, "namespace");
	int n;

	if (!kind || !name)
		return -1;
	if (ns && *ns)
		n = snprintf(buf, size, "%s/%s/%s", kind, ns, name);
	else
		n = snprintf(buf, size, "%s/%s", kind, name);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

int lb_watch_store_apply(json_t *store, enum lb_watch_type type, json_t *obj)
{
	char key[800];

	if (lb_watch_object_key(obj, key, sizeof(key)) < 0)
		return -1;
	switch (type) {
	case LB_WATCH_ADDED:
	case LB_WATCH_MODIFIED:
		return json_object_set(store, key, obj);
	case LB_WATCH_DELETED:
		json_object_del(store, key);
		return 0;
	default:
		return 0;
	}
}

static int same_object(const json_t *a, const json_t *b)
{
	const char *rva = str_at(json_object_get(a, "metadata"), "resourceVersion");
	const char *rvb = str_at(json_object_get(b, "metadata"), "resourceVersion");

	if (rva && rvb)
		return !strcmp(rva, rvb);
	return json_equal(a, b);
}

static int kind_listed(const json_t *kinds, const char *key)
{
	size_t i, klen = strcspn(key, "/");
	const json_t *k;

	if (!kinds)
		return 1;
	json_array_foreach(kinds, i, k) {
		const char *s = json_string_value(k);
		if (s && strlen(s) == klen && !strncmp(s, key, klen))
			return 1;
	}
	return 0;
}

void lb_watch_store_replace(json_t *store, json_t *fresh, const json_t *kinds, lb_watch_diff_fn fn,
			    void *ctx)
{
	const char *key;
	json_t *obj;
	void *tmp;

	json_object_foreach(fresh, key, obj) {
		json_t *old = json_object_get(store, key);
		if (!old)
			fn(ctx, LB_WATCH_ADDED, obj);
		else if (!same_object(old, obj))
			fn(ctx, LB_WATCH_MODIFIED, obj);
	}
	json_object_foreach_safe(store, tmp, key, obj) {
		if (!json_object_get(fresh, key) && kind_listed(kinds, key)) {
			json_incref(obj);
			json_object_del(store, key);
			fn(ctx, LB_WATCH_DELETED, obj);
			json_decref(obj);
		}
	}
	json_object_foreach(fresh, key, obj)
		json_object_set(store, key, obj);
}
