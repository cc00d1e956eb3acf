/* Line-delimited JSON: one object per '\n'-terminated UTF-8 line.
 * The reader is fed bytes, so it works on blocking files and non-blocking
 * pipes in a poll loop alike; a bad line is reported (with the input's name
 * and line number) and skipped, and the stream goes on. */
#ifndef LB_NDJSON_H
#define LB_NDJSON_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "err.h"

/* Kubernetes objects are at most ~1.5 MiB in etcd; leave room for JSON escaping. */
#define LB_NDJSON_MAX_LINE (4u << 20)

enum lb_ndjson_status {
	LB_NDJSON_OBJECT = 1, /* *out holds a new reference to a JSON object */
	LB_NDJSON_AGAIN = 0,  /* no complete line buffered: feed more */
	LB_NDJSON_BAD = -1,   /* one line was bad and skipped; err names it */
};

struct lb_ndjson_reader {
	const char *name;   /* e.g. "<stdin>" or a path, for messages */
	size_t max_line;
	unsigned long lineno; /* of the last line returned or rejected */
	unsigned long bad;    /* lines rejected so far */
	/* private */
	char *buf;
	size_t head;            /* start of the first line not yet returned */
	size_t len, cap, scan;  /* scan: bytes before it hold no '\n' after head */
	int discarding; /* inside a line already rejected as too long */
	int eof;
};

/* max_line 0 means LB_NDJSON_MAX_LINE. A line's length excludes its '\n'. */
void lb_ndjson_reader_init(struct lb_ndjson_reader *r, const char *name, size_t max_line);
void lb_ndjson_reader_free(struct lb_ndjson_reader *r);
/* Appends bytes; returns -1 (err set) only when memory runs out. */
int lb_ndjson_feed(struct lb_ndjson_reader *r, const void *bytes, size_t n, struct lb_err *err);
/* Marks the end of input: a last line without '\n' is then returned too. */
void lb_ndjson_eof(struct lb_ndjson_reader *r);
/* Next object, AGAIN, or BAD. Blank lines are skipped. A line that is not a
 * JSON object, is not valid UTF-8/JSON, has duplicate keys, or is longer than
 * max_line is BAD. */
int lb_ndjson_next(struct lb_ndjson_reader *r, json_t **out, struct lb_err *err);
/* Reads once from fd into the reader: bytes read, 0 at end of file (and marks
 * eof), -1 with errno EAGAIN/EINTR or a real error. */
ssize_t lb_ndjson_read_fd(struct lb_ndjson_reader *r, int fd, struct lb_err *err);

/* Writes obj compactly (keys in insertion order, so put "type" first) with a
 * '\n', and flushes so every line reaches the next stage at once.
 * Returns -1 on a write error (errno set). */
int lb_ndjson_write(FILE *f, const json_t *obj);

#endif
