#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicfile.h"
#include "k8s_resource.h"
#include "manifest.h"
#include "manifest_dir.h"
#include "service.h"
#include "watch_event.h"

struct load_ctx {
	json_t *objs;
	lb_manifest_dir_warn_fn warn;
	void *ctx;
};

static int on_object(void *vctx, json_t *obj, const char *name, unsigned long line)
{
	struct load_ctx *lc = vctx;
	const char *kind = json_string_value(json_object_get(obj, "kind"));
	json_t *meta = json_object_get(obj, "metadata");
	const char *oname = json_string_value(json_object_get(meta, "name"));
	char msg[700], key[800];

	if (!kind || !json_string_value(json_object_get(obj, "apiVersion")) || !oname || !*oname) {
		snprintf(msg, sizeof(msg), "%s:%lu: %s%s without %s; skipped", name, line,
			 kind ? kind : "object", oname ? "" : "",
			 !kind ? "kind" : !oname || !*oname ? "metadata.name" : "apiVersion");
		lc->warn(lc->ctx, msg);
		return 0;
	}
	json_t *copy = json_deep_copy(obj);
	meta = json_object_get(copy, "metadata");
	const struct lb_k8s_resource *r = lb_k8s_resource_find(kind);
	if (r && r->namespaced && !json_string_value(json_object_get(meta, "namespace")))
		json_object_set_new(meta, "namespace", json_string("default"));
	if (lb_watch_object_key(copy, key, sizeof(key)) < 0) {
		json_decref(copy);
		return 0;
	}
	if (json_object_get(lc->objs, key)) {
		snprintf(msg, sizeof(msg), "%s:%lu: %s defined again; the later one wins", name, line,
			 key);
		lc->warn(lc->ctx, msg);
	}
	json_object_set_new(lc->objs, key, copy);
	return 0;
}

static int wanted(const char *n)
{
	size_t l = strlen(n);
	if (n[0] == '.')
		return 0;
	return (l > 5 && !strcmp(n + l - 5, ".yaml")) || (l > 4 && !strcmp(n + l - 4, ".yml")) ||
	       (l > 5 && !strcmp(n + l - 5, ".json"));
}

int lb_manifest_dir_load(const char *dir, json_t *cache, json_t *fresh,
			 lb_manifest_dir_warn_fn warn, void *ctx, struct lb_err *err)
{
	struct dirent **ents;
	int n = scandir(dir, &ents, NULL, alphasort);

	if (n < 0)
		return lb_err_set(err, "%s: %s", dir, strerror(errno));
	json_t *seen = json_object();
	for (int i = 0; i < n; i++) {
		char path[4096], msg[700];
		struct lb_err ferr;
		if (!wanted(ents[i]->d_name)) {
			free(ents[i]);
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
		free(ents[i]);
		struct load_ctx lc = {json_object(), warn, ctx};
		if (lb_manifest_load_file(path, on_object, &lc, &ferr) < 0) {
			json_t *old = json_object_get(cache, path);
			snprintf(msg, sizeof(msg), "%s%s", ferr.msg,
				 old ? "; keeping its previous objects" : "; skipped");
			warn(ctx, msg);
			json_decref(lc.objs);
			if (!old)
				continue;
			lc.objs = json_incref(old);
		}
		json_object_set(cache, path, lc.objs);
		json_object_set_new(seen, path, json_true());
		json_object_update(fresh, lc.objs);
		json_decref(lc.objs);
	}
	free(ents);
	const char *k;
	json_t *v;
	void *tmp;
	json_object_foreach_safe(cache, tmp, k, v) {
		if (!json_object_get(seen, k))
			json_object_del(cache, k);
	}
	json_decref(seen);
	return 0;
}

int lb_status_file_path(const char *dir, const char *ns, const char *name, char *buf, size_t size)
{
	if (!*ns || !*name || strchr(ns, '/') || strchr(name, '/') || ns[0] == '.')
		return -1;
	int n = snprintf(buf, size, "%s/%s_%s.json", dir, ns, name);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

int lb_status_file_write(const char *dir, const char *ns, const char *name, const json_t *ips,
			 const char *pool, struct lb_err *err)
{
	char path[4096];

	if (lb_status_file_path(dir, ns, name, path, sizeof(path)) < 0)
		return lb_err_set(err, "'%s/%s': not a usable Service name", ns, name);
	if (!ips) {
		if (unlink(path) < 0 && errno != ENOENT)
			return lb_err_set(err, "%s: %s", path, strerror(errno));
		return 0;
	}
	json_t *ingress = json_array();
	size_t i;
	const json_t *ip;
	json_array_foreach(ips, i, ip)
		json_array_append_new(ingress, json_pack("{s:O}", "ip", ip));
	json_t *anns = json_object();
	if (pool)
		json_object_set_new(anns, LB_ANN_ALLOCATED, json_string(pool));
	json_t *doc = json_pack("{s:s, s:s, s:{s:s, s:s, s:o}, s:{s:{s:o}}}", "apiVersion", "v1",
				"kind", "Service", "metadata", "namespace", ns, "name", name,
				"annotations", anns, "status", "loadBalancer", "ingress", ingress);
	char *text = json_dumps(doc, JSON_INDENT(2));
	json_decref(doc);
	if (!text)
		return lb_err_set(err, "out of memory");
	size_t len = strlen(text);
	text[len] = '\n';
	int rc = lb_atomic_write(path, text, len + 1, 0644, err);
	free(text);
	return rc;
}

int lb_status_file_overlay(const char *dir, json_t *svc, struct lb_err *err)
{
	json_t *meta = json_object_get(svc, "metadata");
	const char *ns = json_string_value(json_object_get(meta, "namespace"));
	const char *name = json_string_value(json_object_get(meta, "name"));
	char path[4096];
	json_error_t jerr;

	if (!ns || !name || lb_status_file_path(dir, ns, name, path, sizeof(path)) < 0)
		return 0;
	if (access(path, F_OK) < 0)
		return 0;
	json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc)
		return lb_err_set(err, "%s:%d: %s", path, jerr.line, jerr.text);
	json_t *status = json_object_get(doc, "status");
	if (json_is_object(status))
		json_object_set(svc, "status", status);
	const char *pool = json_string_value(json_object_get(
		json_object_get(json_object_get(doc, "metadata"), "annotations"), LB_ANN_ALLOCATED));
	if (pool) {
		json_t *anns = json_object_get(meta, "annotations");
		if (!json_is_object(anns)) {
			anns = json_object();
			json_object_set_new(meta, "annotations", anns);
		}
		json_object_set_new(anns, LB_ANN_ALLOCATED, json_string(pool));
	}
	json_decref(doc);
	return 1;
}
