/* lb-probe's state in the Prometheus text exposition format (0.0.4), for
 * node_exporter's textfile collector: the caller writes it atomically. */
#ifndef LB_PROBE_METRICS_H
#define LB_PROBE_METRICS_H

#include <stddef.h>

#include "probe.h"

/* A malloc'd text (caller frees), or NULL when memory runs out. */
char *lb_probe_metrics_format(const struct lb_probe *p, size_t *len);

/* Writes s as a label value: backslash, double quote and newline escaped
 * (the exposition format's only escapes). Returns the bytes written. */
size_t lb_probe_metrics_escape(char *out, size_t cap, const char *s);

#endif
