/* One output path for data lines: a record is built once as a JSON object
 * ("type" first) and printed either as one compact JSON line or as one line
 * of text, so the two forms cannot disagree. */
#ifndef LB_EMIT_H
#define LB_EMIT_H

#include <stdio.h>

#include <jansson.h>

/* Text form: the type, then the values of the identifying fields (service,
 * target, ip, ips, pool name…) bare, then key=value for the rest; arrays
 * are joined with ','; values with spaces are double-quoted.
 * Flushes; returns -1 on a write error. */
int lb_emit(FILE *out, const json_t *rec, int json);

#endif
