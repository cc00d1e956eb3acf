/* A directory of Kubernetes manifests as a stand-in for the API (lb-watch
 * --from), and the per-Service status files that lb-watch --apply writes
 * beside it when there is no cluster. */
#ifndef LB_MANIFEST_DIR_H
#define LB_MANIFEST_DIR_H

#include <jansson.h>

#include "err.h"

/* Reports a file or object that was skipped (borrowed message). */
typedef void (*lb_manifest_dir_warn_fn)(void *ctx, const char *msg);

/* Reads every *.yaml, *.yml and *.json file of dir (not hidden, not
 * recursive, in name order) into fresh (key -> object, see
 * lb_watch_object_key). Objects without kind, apiVersion or metadata.name
 * are reported and skipped; namespaced kinds without a namespace get
 * "default", as kubectl applies them. cache (path -> {key -> object}) keeps
 * each file's last good contents, so a file caught half-written keeps its
 * objects instead of making them look deleted. */
int lb_manifest_dir_load(const char *dir, json_t *cache, json_t *fresh,
			 lb_manifest_dir_warn_fn warn, void *ctx, struct lb_err *err);

/* DIR/NS_NAME.json: '_' is in neither a namespace nor a Service name
 * (both are DNS labels), so the name cannot collide. */
int lb_status_file_path(const char *dir, const char *ns, const char *name, char *buf,
			size_t size);

/* Writes the status of ns/name atomically: ingress holds exactly ips (a
 * JSON array of address strings), pool goes to the
 * metallb.io/ip-allocated-from-pool annotation. ips NULL removes the file. */
int lb_status_file_write(const char *dir, const char *ns, const char *name, const json_t *ips,
			 const char *pool, struct lb_err *err);

/* Overlays DIR/NS_NAME.json (if any) on a Service: its status replaces the
 * object's, its annotation is set. Returns 1 if a file was applied. */
int lb_status_file_overlay(const char *dir, json_t *svc, struct lb_err *err);

#endif
