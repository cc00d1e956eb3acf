/* Targets from Kubernetes Nodes, as lb-watch emits them: one target per
 * node by a template such as "http://{ip}:7473/healthz". Pure code. */
#ifndef LB_PROBE_NODES_H
#define LB_PROBE_NODES_H

#include <stddef.h>

#include <jansson.h>

#include "err.h"

/* {ip}: the node's address, in brackets when IPv6; {addr}: the same bare;
 * {name}: metadata.name. At least one of them. */
int lb_probe_node_template_ok(const char *tmpl, struct lb_err *err);

/* The node's name (metadata.name, an RFC 1123 subdomain as Kubernetes
 * requires of node names), or NULL with err set. */
const char *lb_probe_node_name(const json_t *node, struct lb_err *err);

/* The address a node is checked on: the first InternalIP of
 * status.addresses, else the first ExternalIP (entries that are not an IP
 * literal are passed over), else NULL. Borrowed from node. */
const char *lb_probe_node_addr(const json_t *node);

/* The node's target into out: 1, or 0 when the template needs an address
 * and the node has none yet (its kubelet has not reported one), or -1
 * with err set (not a usable Node, or the target too long). */
int lb_probe_node_target(const json_t *node, const char *tmpl, char *out, size_t cap,
			 struct lb_err *err);

#endif
