/* lib/line_input.c: lines handed to a handler; bad and refused lines are
 * reported with name and line number, counted and skipped. */
#include <stdlib.h>
#include <string.h>

#include "line_input.h"
#include "logbuf.h"
#include "tap.h"

/* Collects the "n" member of each line; refuses lines with "refuse". */
struct seen {
	char got[256];
	int calls;
};

static int collect(void *ctx, json_t *obj, struct lb_err *err)
{
	struct seen *s = ctx;
	s->calls++;
	if (json_object_get(obj, "refuse"))
		return lb_err_set(err, "refused '%s'", json_string_value(json_object_get(obj, "refuse")));
	size_t len = strlen(s->got);
	snprintf(s->got + len, sizeof(s->got) - len, "%s%lld", len ? "," : "",
		 (long long)json_integer_value(json_object_get(obj, "n")));
	return 0;
}

static unsigned long drain_text(struct lb_ndjson_reader *rd, const char *in, struct seen *s,
				struct logbuf *lb)
{
	struct lb_err err;
	if (lb_ndjson_feed(rd, in, strlen(in), &err) < 0)
		return 999;
	return lb_line_input_drain(rd, collect, s, &lb->log);
}

static void test_all_good(struct tap *t)
{
	struct lb_ndjson_reader rd;
	struct seen s = {{0}, 0};
	struct logbuf lb;
	logbuf_open(&lb, "u-line-input");
	lb_ndjson_reader_init(&rd, "<stdin>", 0);
	unsigned long bad = drain_text(&rd, "{\"n\":1}\n\n{\"n\":2}\n{\"n\":3}", &s, &lb);
	tap_is_int(t, bad, 0, "good lines: none reported");
	tap_is_str(t, s.got, "1,2", "good lines: in order, the unfinished third held back");
	lb_ndjson_eof(&rd);
	bad = lb_line_input_drain(&rd, collect, &s, &lb.log);
	tap_is_int(t, bad, 0, "end of input: no error");
	tap_is_str(t, s.got, "1,2,3", "end of input: the last line without newline is handled");
	bad = lb_line_input_drain(&rd, collect, &s, &lb.log);
	tap_is_int(t, bad + (unsigned long)s.calls, 3, "nothing buffered: the handler is not called");
	logbuf_close(&lb);
	tap_is_int(t, lb.len, 0, "good lines: nothing logged");
	if (lb.len)
		printf("# %s", lb.text);
	free(lb.text);
	lb_ndjson_reader_free(&rd);
}

static void test_bad_and_refused(struct tap *t)
{
	struct lb_ndjson_reader rd;
	struct seen s = {{0}, 0};
	struct logbuf lb;
	logbuf_open(&lb, "u-line-input");
	lb_ndjson_reader_init(&rd, "events.ndjson", 0);
	unsigned long bad = drain_text(&rd,
				       "{\"n\":1}\n"
				       "not json\n"
				       "{\"refuse\":\"x\"}\n"
				       "[1]\n"
				       "{\"n\":5}\n",
				       &s, &lb);
	logbuf_close(&lb);
	tap_is_int(t, bad, 3, "one bad JSON, one refused, one not an object: three reported");
	tap_is_str(t, s.got, "1,5", "the lines after a bad one are still handled");
	tap_is_int(t, s.calls, 3, "bad lines never reach the handler");
	tap_ok(t, lb.text && strstr(lb.text, "u-line-input: error: events.ndjson:3: refused 'x'\n"),
	       "a refused line is reported with input name, line number and the handler's message");
	tap_ok(t, lb.text && strstr(lb.text, "events.ndjson:2"),
	       "a line that is not JSON is reported with its line number");
	tap_ok(t, lb.text && strstr(lb.text, "events.ndjson:4"),
	       "a line that is not an object is reported with its line number");
	int lines = 0;
	for (const char *p = lb.text; p && *p; p++)
		lines += *p == '\n';
	tap_is_int(t, lines, 3, "one log line per skipped line");
	free(lb.text);
	lb_ndjson_reader_free(&rd);
}

int main(void)
{
	struct tap t = {0};
	test_all_good(&t);
	test_bad_and_refused(&t);
	return tap_done(&t);
}
