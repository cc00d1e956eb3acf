#include "line_input.h"

unsigned long lb_line_input_drain(struct lb_ndjson_reader *rd, lb_line_input_fn fn, void *ctx,
				  const struct lb_log *log)
{
	unsigned long bad = 0;
	json_t *obj;
	struct lb_err err;
	int st;
	while ((st = lb_ndjson_next(rd, &obj, &err)) != LB_NDJSON_AGAIN) {
		if (st == LB_NDJSON_BAD) {
			/* The reader's message already names the input and line. */
			lb_errorx(log, "%s", err.msg);
			bad++;
			continue;
		}
		if (fn(ctx, obj, &err) < 0) {
			lb_errorx(log, "%s:%lu: %s", rd->name, rd->lineno, err.msg);
			bad++;
		}
		json_decref(obj);
	}
	return bad;
}
