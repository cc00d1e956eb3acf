#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int lb_err_set(struct lb_err *err, const char *fmt, ...)
{
	if (!err)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int lb_err_prefix(struct lb_err *err, const char *fmt, ...)
{
	char prefix[256], old[sizeof(err->msg)];

	if (!err)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	snprintf(err->msg, sizeof(err->msg), "%s: %s", prefix, old);
	return -1;
}
