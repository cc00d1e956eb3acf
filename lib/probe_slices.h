/* Targets from Kubernetes EndpointSlices (discovery.k8s.io/v1), as lb-watch
 * emits them: a template such as "tcp://{ip}:{port}" is filled in for each
 * endpoint address and each port of the slice. Pure code. */
#ifndef LB_PROBE_SLICES_H
#define LB_PROBE_SLICES_H

#include <jansson.h>

#include "err.h"

/* {ip}: the address, in brackets when IPv6 (for URLs); {addr}: the address
 * bare; {port}: the port number (the template is filled once per port of
 * the slice; without {port}, once per address). Endpoints whose
 * conditions.terminating is true are left out: Kubernetes is already
 * taking them away (KEP-1672).
 * Returns a new JSON array of target strings (sorted, without duplicates),
 * or NULL with err set when the object is not a usable EndpointSlice. */
json_t *lb_probe_slice_targets(const json_t *slice, const char *tmpl, struct lb_err *err);

/* "namespace/name" of the slice into buf; -1 when metadata lacks them. */
int lb_probe_slice_key(const json_t *slice, char *buf, size_t len, struct lb_err *err);

/* Checks a template: known placeholders only, and at least {ip} or {addr}. */
int lb_probe_slice_template_ok(const char *tmpl, struct lb_err *err);

#endif
