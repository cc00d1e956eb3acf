#include "ndjson.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* What one read() asks for: big enough that a busy pipe costs few syscalls. */
#define READ_CHUNK (64u << 10)

void lb_ndjson_reader_init(struct lb_ndjson_reader *r, const char *name, size_t max_line)
{
	memset(r, 0, sizeof(*r));
	r->name = name ? name : "<input>";
	r->max_line = max_line ? max_line : LB_NDJSON_MAX_LINE;
}

void lb_ndjson_reader_free(struct lb_ndjson_reader *r)
{
	free(r->buf);
	r->buf = NULL;
	r->len = r->cap = r->scan = r->head = 0;
}

/* Makes room for n more bytes at buf + len. Consumed bytes are dropped only
 * when they are at least as many as the pending ones, so each byte is moved
 * at most once on average and the reader stays linear in its input. */
static int reserve(struct lb_ndjson_reader *r, size_t n, struct lb_err *err)
{
	if (r->head == r->len)
		r->head = r->scan = r->len = 0;
	if (r->cap - r->len >= n)
		return 0;
	size_t pending = r->len - r->head;
	if (r->head > 0 && r->head >= pending) {
		memmove(r->buf, r->buf + r->head, pending);
		r->len = pending;
		r->scan -= r->head;
		r->head = 0;
		if (r->cap - r->len >= n)
			return 0;
	}
	if (n > SIZE_MAX / 2 - r->len)
		return lb_err_set(err, "%s: input buffer too large", r->name);
	size_t cap = r->cap ? r->cap : 4096;
	while (cap < r->len + n)
		cap *= 2;
	char *buf = realloc(r->buf, cap);
	if (!buf)
		return lb_err_set(err, "%s: out of memory buffering %zu bytes", r->name, cap);
	r->buf = buf;
	r->cap = cap;
	return 0;
}

/* The rest of a line already rejected as too long is dropped as it arrives,
 * never buffered: returns how many leading bytes of p belong to it. */
static size_t discard_overlong(struct lb_ndjson_reader *r, const char *p, size_t n)
{
	if (!r->discarding || n == 0)
		return 0;
	const char *nl = memchr(p, '\n', n);
	if (!nl)
		return n;
	r->discarding = 0;
	return (size_t)(nl - p) + 1;
}

int lb_ndjson_feed(struct lb_ndjson_reader *r, const void *bytes, size_t n, struct lb_err *err)
{
	const char *p = bytes;
	size_t skip = discard_overlong(r, p, n);

	p += skip;
	n -= skip;
	if (n == 0)
		return 0;
	if (reserve(r, n, err) < 0)
		return -1;
	memcpy(r->buf + r->len, p, n);
	r->len += n;
	return 0;
}

void lb_ndjson_eof(struct lb_ndjson_reader *r)
{
	r->eof = 1;
}

ssize_t lb_ndjson_read_fd(struct lb_ndjson_reader *r, int fd, struct lb_err *err)
{
	if (reserve(r, READ_CHUNK, err) < 0) {
		errno = ENOMEM;
		return -1;
	}
	ssize_t got = read(fd, r->buf + r->len, r->cap - r->len);
	if (got < 0) {
		int saved = errno;
		lb_err_set(err, "%s: read: %s", r->name, strerror(saved));
		errno = saved;
		return -1;
	}
	if (got == 0) {
		lb_ndjson_eof(r);
		return 0;
	}
	char *fresh = r->buf + r->len;
	size_t skip = discard_overlong(r, fresh, (size_t)got);
	if (skip)
		memmove(fresh, fresh + skip, (size_t)got - skip);
	r->len += (size_t)got - skip;
	return got;
}

/* Only spaces, tabs and carriage returns: what editors and `echo` leave. */
static int is_blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return 0;
	return 1;
}

static int reject(struct lb_ndjson_reader *r, struct lb_err *err, const char *what)
{
	r->bad++;
	lb_err_set(err, "%s:%lu: %s", r->name, r->lineno, what);
	return LB_NDJSON_BAD;
}

static int reject_long(struct lb_ndjson_reader *r, struct lb_err *err)
{
	r->bad++;
	lb_err_set(err, "%s:%lu: line longer than %zu bytes", r->name, r->lineno, r->max_line);
	return LB_NDJSON_BAD;
}

int lb_ndjson_next(struct lb_ndjson_reader *r, json_t **out, struct lb_err *err)
{
	*out = NULL;
	for (;;) {
		size_t end, next;
		/* Search only the bytes not searched before: linear overall. */
		char *nl = r->len > r->scan ? memchr(r->buf + r->scan, '\n', r->len - r->scan)
					    : NULL;
		if (nl) {
			end = (size_t)(nl - r->buf);
			next = end + 1;
		} else {
			r->scan = r->len;
			size_t pending = r->len - r->head;
			if (pending > r->max_line) {
				r->lineno++;
				r->head = r->scan = r->len;
				r->discarding = !r->eof;
				return reject_long(r, err);
			}
			if (!r->eof || pending == 0)
				return LB_NDJSON_AGAIN;
			end = next = r->len;
		}
		const char *line = r->buf + r->head;
		size_t n = end - r->head;
		r->head = r->scan = next;
		r->lineno++;

		if (n > r->max_line)
			return reject_long(r, err);
		if (is_blank(line, n))
			continue;
		if (line[n - 1] == '\r')
			n--;

		json_error_t jerr;
		json_t *v = json_loadb(line, n, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
		if (!v) {
			char what[sizeof(jerr.text) + 64];
			snprintf(what, sizeof(what), "invalid JSON at column %d: %s", jerr.column,
				 jerr.text);
			return reject(r, err, what);
		}
		if (!json_is_object(v)) {
			json_decref(v);
			return reject(r, err, "not a JSON object");
		}
		*out = v;
		return LB_NDJSON_OBJECT;
	}
}

int lb_ndjson_write(FILE *f, const json_t *obj)
{
	/* Measurements (lb-probe's rtt_ms) need 10 significant digits, not the
	 * 17 that reproduce a double bit for bit and print 0.116 as
	 * 0.11600000000000001. */
	char *line = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));

	if (!line) {
		errno = ENOMEM;
		return -1;
	}
	/* One fwrite of the whole line, so a line never reaches the pipe in
	 * pieces when it fits the stdio buffer. */
	size_t n = strlen(line);
	line[n] = '\n';
	size_t put = fwrite(line, 1, n + 1, f);
	free(line);
	if (put != n + 1 || fflush(f) == EOF)
		return -1;
	return 0;
}
