/* lb-watch events into the allocator: which kinds it reads and what each
 * event means to it. */
#ifndef LB_ALLOC_INPUT_H
#define LB_ALLOC_INPUT_H

#include <jansson.h>

#include "alloc.h"
#include "err.h"
#include "log.h"

struct lb_alloc_input {
	struct lb_alloc *alloc;
	const char *configmap; /* "namespace/name" of the legacy MetalLB ConfigMap */
	const struct lb_log *log; /* per-pool problems inside a ConfigMap */
};

/* One event: {"type":"ADDED|MODIFIED|DELETED","object":{…}}, SYNCED,
 * BOOKMARK, ERROR, or a bare object (taken as ADDED). Services, Namespaces,
 * IPAddressPools and the ConfigMap are read; other kinds are ignored.
 * Returns -1 with err set when the event or its object cannot be used. */
int lb_alloc_handle_event(struct lb_alloc_input *in, const json_t *ev, struct lb_err *err);

#endif
