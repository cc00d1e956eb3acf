/* Diagnostics on stderr, as text or one JSON object per line.
 * The context is owned by a binary's main and passed to whoever logs. */
#ifndef LB_LOG_H
#define LB_LOG_H

#include <stdarg.h>
#include <stdio.h>

enum lb_log_level {
	LB_LOG_ERROR = 0,
	LB_LOG_WARNING = 1,
	LB_LOG_INFO = 2,
	LB_LOG_DEBUG = 3,
};

struct lb_log {
	const char *prog;
	int level;   /* messages above this level are dropped */
	int json;    /* 1: {"time":…,"level":…,"prog":…,"msg":…} per line */
	FILE *out;
};

#define LB_PRINTF(f, a) __attribute__((format(printf, f, a)))

void lb_log_init(struct lb_log *log, const char *prog);

/* lb_warn and lb_fatal append ": strerror(errno)". */
void lb_errorx(const struct lb_log *log, const char *fmt, ...) LB_PRINTF(2, 3);
void lb_error(const struct lb_log *log, const char *fmt, ...) LB_PRINTF(2, 3);
void lb_warnx(const struct lb_log *log, const char *fmt, ...) LB_PRINTF(2, 3);
void lb_warn(const struct lb_log *log, const char *fmt, ...) LB_PRINTF(2, 3);
void lb_info(const struct lb_log *log, const char *fmt, ...) LB_PRINTF(2, 3);
void lb_debug(const struct lb_log *log, const char *fmt, ...) LB_PRINTF(2, 3);

/* Only for a binary's main: logs and exits with the given code. */
_Noreturn void lb_fatal(const struct lb_log *log, int code, const char *fmt, ...) LB_PRINTF(3, 4);
_Noreturn void lb_fatalx(const struct lb_log *log, int code, const char *fmt, ...) LB_PRINTF(3, 4);

void lb_vlog(const struct lb_log *log, int level, int errnum, const char *fmt, va_list ap)
	LB_PRINTF(4, 0);

#endif
