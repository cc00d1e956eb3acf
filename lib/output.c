#include "output.h"

#include <errno.h>

#include "emit.h"

void lb_output_record(FILE *out, json_t *rec, int json, int *failed, const struct lb_log *log)
{
	if (!*failed && lb_emit(out, rec, json) < 0) {
		*failed = 1;
		if (errno != EPIPE)
			lb_warn(log, "standard output");
	}
	json_decref(rec);
}
