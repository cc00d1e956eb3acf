/* Kubernetes watch events as they arrive on a watch stream (one JSON object
 * per line, {"type":…,"object":{…}}), checked before anything downstream
 * sees them, and the object hygiene lb-watch applies on the way out. */
#ifndef LB_WATCH_EVENT_H
#define LB_WATCH_EVENT_H

#include <jansson.h>

#include "err.h"

enum lb_watch_type {
	LB_WATCH_ADDED,
	LB_WATCH_MODIFIED,
	LB_WATCH_DELETED,
	LB_WATCH_BOOKMARK,
	LB_WATCH_ERROR,
};

struct lb_watch_event {
	enum lb_watch_type type;
	json_t *object;   /* borrowed from the event */
	const char *kind; /* NULL for BOOKMARK and ERROR */
	const char *ns;   /* "" when cluster-scoped */
	const char *name; /* NULL for BOOKMARK and ERROR */
	const char *rv;   /* metadata.resourceVersion; NULL for ERROR */
	int code;         /* ERROR: the Status code (410 = history expired) */
};

/* Checks one decoded event line. ADDED/MODIFIED/DELETED need an object with
 * kind, apiVersion, metadata.name and metadata.resourceVersion (strings), as
 * the API always sends; BOOKMARK needs metadata.resourceVersion; ERROR needs
 * a Status object (code). The message names kind and ns/name when known. */
int lb_watch_event_decode(json_t *ev, struct lb_watch_event *out, struct lb_err *err);

const char *lb_watch_type_name(enum lb_watch_type t);

/* Items of a typed List carry no kind/apiVersion (the API leaves them to the
 * List); downstream tools need them on every object. */
void lb_watch_object_complete(json_t *obj, const char *kind, const char *api_version);

/* --trim: drops what the pipeline never reads and that can dwarf the rest
 * (metadata.managedFields, kubectl's last-applied-configuration). */
void lb_watch_object_trim(json_t *obj);

/* "Kind/ns/name" (or "Kind/name" when cluster-scoped): the identity of an
 * object within a stream. Returns -1 if the object has no kind or name. */
int lb_watch_object_key(const json_t *obj, char *buf, size_t size);

/* Objects seen, by key, so that a re-list after 410 Gone (or a rescan of a
 * manifest directory) can say exactly what changed meanwhile. */
typedef void (*lb_watch_diff_fn)(void *ctx, enum lb_watch_type type, json_t *obj);

/* store: a JSON object key -> object. Applies one event to it. */
int lb_watch_store_apply(json_t *store, enum lb_watch_type type, json_t *obj);

/* Replaces store's contents with fresh (key -> object), calling fn for each
 * difference: ADDED for new keys, MODIFIED where the object changed (by
 * resourceVersion when both have one, else by content), then DELETED, with
 * the last object seen, for keys that vanished. Keys are visited in fresh's
 * order, deletions in store's. Only keys whose kind is in kinds (a JSON
 * array of strings) are considered for deletion when kinds is not NULL. */
void lb_watch_store_replace(json_t *store, json_t *fresh, const json_t *kinds, lb_watch_diff_fn fn,
			    void *ctx);

#endif
