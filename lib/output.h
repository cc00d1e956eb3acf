/* A tool's data records on its standard output (lib/emit.h), and how that
 * output ends: the first write error stops it for good, so the tool can
 * stop and exit LB_EXIT_ENV rather than go on losing lines; a reader that
 * went away (EPIPE: the next stage of the pipeline ended) is how a pipeline
 * stops, not an error, so only other errors are reported. */
#ifndef LB_OUTPUT_H
#define LB_OUTPUT_H

#include <stdio.h>

#include <jansson.h>

#include "log.h"

/* Prints rec (JSON or text, as lb_emit) unless *failed is already set, and
 * drops the reference to rec. A write error sets *failed and, unless errno
 * is EPIPE, is reported on log. */
void lb_output_record(FILE *out, json_t *rec, int json, int *failed, const struct lb_log *log);

#endif
