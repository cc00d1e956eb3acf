/* Kubernetes manifests from files: YAML (one or more documents, as kubectl
 * reads them) or JSON, with List kinds expanded into their items. */
#ifndef LB_MANIFEST_H
#define LB_MANIFEST_H

#include <stddef.h>

#include <jansson.h>

#include "err.h"

/* Called once per object; line is where the object's document starts (1-based).
 * A non-zero return stops the walk and is returned. obj is borrowed. */
typedef int (*lb_manifest_fn)(void *ctx, json_t *obj, const char *name, unsigned long line);

/* Parses a YAML stream into JSON values the way Kubernetes' YAML reader
 * does: plain scalars resolve to null, booleans (YAML 1.1 spellings too:
 * yes/no/on/off), integers and floats; quoted scalars stay strings; aliases
 * are expanded (bounded, against alias bombs); merge keys (<<) are honoured.
 * Empty (and null) documents are skipped. Errors name `name:LINE`. Calls fn
 * per document, with the line of the document's first node. Mapping keys
 * are their scalar text ("80: x" has key "80", "yes: x" key "yes"). */
int lb_yaml_parse(const char *data, size_t len, const char *name, lb_manifest_fn fn, void *ctx,
		  struct lb_err *err);

/* Every object in a file (YAML or JSON), List kinds expanded, each passed to fn.
 * A document that is not a mapping is an error naming file and line. */
int lb_manifest_load_file(const char *path, lb_manifest_fn fn, void *ctx, struct lb_err *err);
int lb_manifest_load_buffer(const char *data, size_t len, const char *name, lb_manifest_fn fn,
			    void *ctx, struct lb_err *err);

#endif
