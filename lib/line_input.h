/* The lines a pipeline stage reads (lib/ndjson.h), handed one by one to the
 * tool's handler. A line that is not a JSON object, or that the handler
 * refuses, is reported with the input's name and line number and skipped:
 * one wrong line never stops a stage, and the tool can still exit 2 at the
 * end for bad input. */
#ifndef LB_LINE_INPUT_H
#define LB_LINE_INPUT_H

#include <jansson.h>

#include "err.h"
#include "log.h"
#include "ndjson.h"

/* Handles one object (borrowed: take a reference to keep it); returns -1
 * with err set to refuse the line. */
typedef int (*lb_line_input_fn)(void *ctx, json_t *obj, struct lb_err *err);

/* Passes every complete line buffered in rd to fn, in order. Returns how
 * many lines were reported on log as errors and skipped. */
unsigned long lb_line_input_drain(struct lb_ndjson_reader *rd, lb_line_input_fn fn, void *ctx,
				  const struct lb_log *log);

#endif
