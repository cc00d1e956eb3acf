/* A struct lb_log whose messages land in memory, for unit tests that check
 * what a library function reports. */
#ifndef LB_T_LOGBUF_H
#define LB_T_LOGBUF_H

#include <stdio.h>

#include "log.h"

struct logbuf {
	char *text; /* valid after logbuf_close; free() it */
	size_t len;
	struct lb_log log;
};

static inline void logbuf_open(struct logbuf *lb, const char *prog)
{
	lb->text = NULL;
	lb->len = 0;
	lb_log_init(&lb->log, prog);
	lb->log.out = open_memstream(&lb->text, &lb->len);
}

static inline void logbuf_close(struct logbuf *lb)
{
	fclose(lb->log.out);
}

#endif
