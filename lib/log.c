#include "log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

static const char *const level_names[] = {"error", "warning", "info", "debug"};

void lb_log_init(struct lb_log *log, const char *prog)
{
	log->prog = prog;
	log->level = LB_LOG_INFO;
	log->json = 0;
	log->out = stderr;
}

static void log_json(const struct lb_log *log, int level, const char *msg)
{
	struct timespec ts;
	struct tm tm;
	char stamp[64];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(stamp + n, sizeof(stamp) - n, ".%03ldZ", ts.tv_nsec / 1000000);

	json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "time", stamp, "level",
			      level_names[level], "prog", log->prog, "msg", msg);
	char *line = o ? json_dumps(o, JSON_COMPACT) : NULL;
	if (line)
		fprintf(log->out, "%s\n", line);
	free(line);
	json_decref(o);
}

void lb_vlog(const struct lb_log *log, int level, int errnum, const char *fmt, va_list ap)
{
	char msg[2048];

	if (level > log->level)
		return;
	int n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n < 0)
		n = 0;
	if (errnum && (size_t)n < sizeof(msg))
		snprintf(msg + n, sizeof(msg) - (size_t)n, ": %s", strerror(errnum));

	/* One write per message so lines from concurrent stages never tear. */
	if (log->json) {
		log_json(log, level, msg);
	} else if (level == LB_LOG_INFO) {
		fprintf(log->out, "%s: %s\n", log->prog, msg);
	} else {
		fprintf(log->out, "%s: %s: %s\n", log->prog, level_names[level], msg);
	}
	fflush(log->out);
}

#define LB_LOG_FN(name, level, with_errno)                                   \
	void name(const struct lb_log *log, const char *fmt, ...)            \
	{                                                                    \
		int saved = errno;                                           \
		va_list ap;                                                  \
		va_start(ap, fmt);                                           \
		lb_vlog(log, level, with_errno ? saved : 0, fmt, ap);        \
		va_end(ap);                                                  \
		errno = saved;                                               \
	}

LB_LOG_FN(lb_errorx, LB_LOG_ERROR, 0)
LB_LOG_FN(lb_error, LB_LOG_ERROR, 1)
LB_LOG_FN(lb_warnx, LB_LOG_WARNING, 0)
LB_LOG_FN(lb_warn, LB_LOG_WARNING, 1)
LB_LOG_FN(lb_info, LB_LOG_INFO, 0)
LB_LOG_FN(lb_debug, LB_LOG_DEBUG, 0)

static _Noreturn void fatal(const struct lb_log *log, int code, int errnum, const char *fmt,
			    va_list ap)
{
	char msg[2048];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* A fatal message is shown even under -q -q: the exit code alone says too little. */
	if (log->json) {
		char full[2200];
		snprintf(full, sizeof(full), "%s%s%s", msg, errnum ? ": " : "",
			 errnum ? strerror(errnum) : "");
		log_json(log, LB_LOG_ERROR, full);
	} else {
		fprintf(log->out, "%s: fatal: %s%s%s\n", log->prog, msg, errnum ? ": " : "",
			errnum ? strerror(errnum) : "");
	}
	fflush(log->out);
	exit(code);
}

void lb_fatal(const struct lb_log *log, int code, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	va_start(ap, fmt);
	fatal(log, code, saved, fmt, ap);
}

void lb_fatalx(const struct lb_log *log, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fatal(log, code, 0, fmt, ap);
}
