/* lib/watch_event.c: watch-event checks, object hygiene, and the re-list
 * difference (ADDED/MODIFIED/DELETED) after 410 Gone. */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "watch_event.h"

static json_t *parse(const char *s)
{
	json_t *j = json_loads(s, 0, NULL);
	if (!j)
		abort();
	return j;
}

static void decode_case(struct tap *t, const char *ev_text, int want_rc, const char *want_msg)
{
	json_t *ev = parse(ev_text);
	struct lb_watch_event we;
	struct lb_err err = {""};
	int rc = lb_watch_event_decode(ev, &we, &err);
	tap_is_int(t, rc, want_rc, "decode %.60s", ev_text);
	if (want_msg)
		tap_is_str(t, err.msg, want_msg, "message for %.60s", ev_text);
	json_decref(ev);
}

static void test_decode(struct tap *t)
{
	json_t *ev = parse("{\"type\":\"MODIFIED\",\"object\":{\"kind\":\"Service\",\"apiVersion\":\"v1\","
			   "\"metadata\":{\"name\":\"web\",\"namespace\":\"prod\",\"resourceVersion\":\"42\"}}}");
	struct lb_watch_event we;
	struct lb_err err;
	tap_is_int(t, lb_watch_event_decode(ev, &we, &err), 0, "a MODIFIED Service decodes");
	tap_is_int(t, we.type, LB_WATCH_MODIFIED, "type");
	tap_is_str(t, we.kind, "Service", "kind");
	tap_is_str(t, we.ns, "prod", "namespace");
	tap_is_str(t, we.name, "web", "name");
	tap_is_str(t, we.rv, "42", "resourceVersion");
	json_decref(ev);

	ev = parse("{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"code\":410,\"reason\":\"Expired\"}}");
	tap_is_int(t, lb_watch_event_decode(ev, &we, &err), 0, "ERROR with a Status decodes");
	tap_is_int(t, we.code, 410, "its code");
	json_decref(ev);

	ev = parse("{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"Service\",\"metadata\":{\"resourceVersion\":\"99\"}}}");
	tap_is_int(t, lb_watch_event_decode(ev, &we, &err), 0, "BOOKMARK decodes");
	tap_is_str(t, we.rv, "99", "bookmark resourceVersion");
	json_decref(ev);

	decode_case(t, "{\"object\":{}}", -1, "event without a \"type\" string");
	decode_case(t, "{\"type\":\"UPSERT\",\"object\":{}}", -1, "unknown event type 'UPSERT'");
	decode_case(t, "{\"type\":\"ADDED\"}", -1, "ADDED event without an object");
	decode_case(t, "{\"type\":\"ADDED\",\"object\":[]}", -1, "ADDED event without an object");
	decode_case(t, "{\"type\":\"ADDED\",\"object\":{\"kind\":\"Service\"}}", -1,
		    "ADDED event: object without metadata");
	decode_case(t, "{\"type\":\"ADDED\",\"object\":{\"kind\":\"Service\",\"metadata\":{\"namespace\":\"ns\"}}}",
		    -1, "ADDED Service in namespace ns: object without metadata.name");
	decode_case(t, "{\"type\":\"ADDED\",\"object\":{\"kind\":\"Service\",\"metadata\":{\"namespace\":\"ns\",\"name\":\"a\",\"resourceVersion\":\"1\"}}}",
		    -1, "ADDED Service ns/a: no \"apiVersion\" string");
	decode_case(t, "{\"type\":\"DELETED\",\"object\":{\"kind\":\"Node\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"n1\"}}}",
		    -1, "DELETED Node n1: no metadata.resourceVersion");
	decode_case(t, "{\"type\":\"ADDED\",\"object\":{\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"a\"}}}",
		    -1, "ADDED event: object without a \"kind\" string");
	decode_case(t, "{\"type\":\"ADDED\",\"object\":{\"kind\":\"Service\",\"metadata\":{\"name\":\"a\",\"namespace\":7}}}",
		    -1, "ADDED Service: metadata.namespace is not a string");
	decode_case(t, "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\"}}", -1,
		    "ERROR event without a Status code");
	decode_case(t, "{\"type\":\"BOOKMARK\",\"object\":{\"metadata\":{}}}", -1,
		    "BOOKMARK without metadata.resourceVersion");
	decode_case(t, "{\"type\":7,\"object\":{}}", -1, NULL);
}

static void test_hygiene(struct tap *t)
{
	json_t *o = parse("{\"metadata\":{\"name\":\"a\",\"managedFields\":[{}],\"annotations\":"
			  "{\"kubectl.kubernetes.io/last-applied-configuration\":\"{}\",\"x\":\"y\"}}}");
	lb_watch_object_complete(o, "Service", "v1");
	tap_is_str(t, json_string_value(json_object_get(o, "kind")), "Service", "kind filled in");
	tap_is_str(t, json_string_value(json_object_get(o, "apiVersion")), "v1", "apiVersion filled in");
	lb_watch_object_complete(o, "Other", "v2");
	tap_is_str(t, json_string_value(json_object_get(o, "kind")), "Service", "an existing kind stays");
	lb_watch_object_trim(o);
	char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	tap_is_str(t, s, "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"annotations\":{\"x\":\"y\"},\"name\":\"a\"}}",
		   "trim drops managedFields and last-applied-configuration only");
	free(s);
	char key[64];
	tap_is_int(t, lb_watch_object_key(o, key, sizeof(key)), 0, "key of a cluster-scoped object");
	tap_is_str(t, key, "Service/a", "its key");
	json_object_set_new(json_object_get(o, "metadata"), "namespace", json_string("ns"));
	lb_watch_object_key(o, key, sizeof(key));
	tap_is_str(t, key, "Service/ns/a", "namespaced key");
	tap_is_int(t, lb_watch_object_key(o, key, 8), -1, "a key that does not fit is refused");
	json_decref(o);
	json_t *nokind = parse("{\"metadata\":{\"name\":\"a\"}}");
	tap_is_int(t, lb_watch_object_key(nokind, key, sizeof(key)), -1, "no kind, no key");
	json_decref(nokind);
}

struct diff_log {
	char text[1024];
};

static void on_diff(void *ctx, enum lb_watch_type type, json_t *obj)
{
	struct diff_log *d = ctx;
	const char *name = json_string_value(json_object_get(json_object_get(obj, "metadata"), "name"));
	size_t used = strlen(d->text);
	snprintf(d->text + used, sizeof(d->text) - used, "%s %s;", lb_watch_type_name(type), name);
}

static json_t *obj(const char *kind, const char *name, const char *rv)
{
	if (rv)
		return json_pack("{s:s, s:s, s:{s:s, s:s, s:s}}", "kind", kind, "apiVersion", "v1",
				 "metadata", "name", name, "namespace", "ns", "resourceVersion", rv);
	return json_pack("{s:s, s:s, s:{s:s, s:s}}", "kind", kind, "apiVersion", "v1", "metadata",
			 "name", name, "namespace", "ns");
}

static void add(json_t *map, json_t *o)
{
	char key[128];
	lb_watch_object_key(o, key, sizeof(key));
	json_object_set_new(map, key, o);
}

static void test_store(struct tap *t)
{
	json_t *store = json_object();
	struct diff_log d = {""};
	json_t *fresh = json_object();
	add(fresh, obj("Service", "a", "1"));
	add(fresh, obj("Service", "b", "2"));
	lb_watch_store_replace(store, fresh, NULL, on_diff, &d);
	tap_is_str(t, d.text, "ADDED a;ADDED b;", "first list: everything ADDED in list order");
	json_decref(fresh);

	/* While disconnected: a deleted, b changed, c created. */
	d.text[0] = '\0';
	fresh = json_object();
	add(fresh, obj("Service", "b", "5"));
	add(fresh, obj("Service", "c", "6"));
	lb_watch_store_replace(store, fresh, NULL, on_diff, &d);
	tap_is_str(t, d.text, "MODIFIED b;ADDED c;DELETED a;", "re-list: exactly the difference");
	json_decref(fresh);

	d.text[0] = '\0';
	fresh = json_object();
	add(fresh, obj("Service", "b", "5"));
	add(fresh, obj("Service", "c", "6"));
	lb_watch_store_replace(store, fresh, NULL, on_diff, &d);
	tap_is_str(t, d.text, "", "an identical re-list says nothing");
	json_decref(fresh);

	json_t *e = obj("Service", "e", "7");
	lb_watch_store_apply(store, LB_WATCH_ADDED, e);
	lb_watch_store_apply(store, LB_WATCH_DELETED, e);
	json_decref(e);
	tap_is_int(t, json_object_size(store), 2, "apply: ADDED then DELETED leaves nothing behind");
	json_decref(store);

	/* Without resourceVersions (manifest files) content decides; kinds
	 * limits which vanished keys count as deleted. */
	store = json_object();
	d.text[0] = '\0';
	fresh = json_object();
	add(fresh, obj("Service", "f", NULL));
	add(fresh, obj("Node", "n", NULL));
	lb_watch_store_replace(store, fresh, NULL, on_diff, &d);
	json_decref(fresh);
	d.text[0] = '\0';
	fresh = json_object();
	json_t *f2 = obj("Service", "f", NULL);
	json_object_set_new(f2, "spec", json_object());
	add(fresh, f2);
	json_t *kinds = json_pack("[s]", "Service");
	lb_watch_store_replace(store, fresh, kinds, on_diff, &d);
	tap_is_str(t, d.text, "MODIFIED f;", "content change is MODIFIED; a kind not listed is not DELETED");
	json_decref(kinds);
	json_decref(fresh);
	json_decref(store);
}

int main(void)
{
	struct tap t = {0};

	test_decode(&t);
	test_hygiene(&t);
	test_store(&t);
	return tap_done(&t);
}
