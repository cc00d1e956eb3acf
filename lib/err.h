/* Library functions report failure as -1 plus a message in a caller-owned
 * struct lb_err; they never print or exit, so the caller decides how loud. */
#ifndef LB_ERR_H
#define LB_ERR_H

#include "log.h"

struct lb_err {
	char msg[512];
};

/* Always returns -1, so `return lb_err_set(err, "…");` reads naturally.
 * err may be NULL when the caller does not want the text. */
int lb_err_set(struct lb_err *err, const char *fmt, ...) LB_PRINTF(2, 3);

/* Prepends "PREFIX: " to an existing message (e.g. a file name and line). */
int lb_err_prefix(struct lb_err *err, const char *fmt, ...) LB_PRINTF(2, 3);

#endif
