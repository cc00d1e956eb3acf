#include <stdio.h>

#include "watch_stream.h"

void lb_watch_stream_init(struct lb_watch_stream *s, const char *name)
{
	s->stopped = 0;
	lb_ndjson_reader_init(&s->rd, name, 0);
}

void lb_watch_stream_free(struct lb_watch_stream *s)
{
	lb_ndjson_reader_free(&s->rd);
}

int lb_watch_stream_feed(struct lb_watch_stream *s, const void *data, size_t n,
			 struct lb_err *err)
{
	json_t *ev;
	int st;

	if (s->stopped)
		return 1;
	if (lb_ndjson_feed(&s->rd, data, n, err) < 0)
		return -1;
	while (!s->stopped && (st = lb_ndjson_next(&s->rd, &ev, err)) != LB_NDJSON_AGAIN) {
		if (st == LB_NDJSON_BAD) {
			s->on_bad(s->ctx, err->msg);
			continue;
		}
		struct lb_watch_event we;
		struct lb_err derr;
		if (lb_watch_event_decode(ev, &we, &derr) < 0) {
			char msg[600];
			snprintf(msg, sizeof(msg), "line %lu: %s", s->rd.lineno, derr.msg);
			s->on_bad(s->ctx, msg);
		} else if (s->on_event(s->ctx, &we, ev)) {
			s->stopped = 1;
		}
		json_decref(ev);
	}
	return s->stopped ? 1 : 0;
}
