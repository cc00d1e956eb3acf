/* The body of a watch response: bytes in (as they arrive, split anywhere;
 * libcurl has already undone HTTP chunking), checked events out. A line
 * torn by a broken connection is never returned: only '\n'-terminated
 * lines count, and a stream that ends simply drops its partial line. */
#ifndef LB_WATCH_STREAM_H
#define LB_WATCH_STREAM_H

#include <stddef.h>

#include "err.h"
#include "ndjson.h"
#include "watch_event.h"

struct lb_watch_stream {
	/* Called per decoded event; ev is the whole line, borrowed. Return
	 * non-zero to stop reading (e.g. on ERROR). */
	int (*on_event)(void *ctx, const struct lb_watch_event *we, json_t *ev);
	/* Called per line that is skipped, with the reason (borrowed). */
	void (*on_bad)(void *ctx, const char *msg);
	void *ctx;
	int stopped;
	/* private */
	struct lb_ndjson_reader rd;
};

void lb_watch_stream_init(struct lb_watch_stream *s, const char *name);
void lb_watch_stream_free(struct lb_watch_stream *s);
/* Returns -1 with err set only when memory runs out; 1 once stopped. */
int lb_watch_stream_feed(struct lb_watch_stream *s, const void *data, size_t n,
			 struct lb_err *err);

#endif
