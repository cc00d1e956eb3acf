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

/* Several records as one table for a terminal: a header of the field names
 * in capitals (in the order they first appear), then one aligned row per
 * record, "-" where a record lacks a field. Built from the same records as
 * the JSON lines. */
struct lb_table {
	json_t *rows;
};

void lb_table_init(struct lb_table *t);
void lb_table_add(struct lb_table *t, json_t *rec); /* takes the reference */
/* Prints and empties the table; -1 on a write error. */
int lb_table_print(FILE *out, struct lb_table *t);

#endif
