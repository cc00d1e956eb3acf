/* lib/ndjson.c: the line reader between pipeline stages. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ndjson.h"
#include "tap.h"

/* A growing text of what the reader returned, to compare runs. */
struct transcript {
	char *s;
	size_t len;
	FILE *f;
};

static void tr_open(struct transcript *tr)
{
	tr->s = NULL;
	tr->len = 0;
	tr->f = open_memstream(&tr->s, &tr->len);
}

static char *tr_close(struct transcript *tr)
{
	fclose(tr->f);
	return tr->s;
}

static void drain(struct lb_ndjson_reader *r, struct transcript *tr)
{
	json_t *o;
	struct lb_err err;
	int rc;

	while ((rc = lb_ndjson_next(r, &o, &err)) != LB_NDJSON_AGAIN) {
		if (rc == LB_NDJSON_OBJECT) {
			char *s = json_dumps(o, JSON_COMPACT);
			fprintf(tr->f, "%lu %s\n", r->lineno, s);
			free(s);
			json_decref(o);
		} else {
			fprintf(tr->f, "BAD %s\n", err.msg);
		}
	}
}

/* Feeds input in two pieces split at `split`, draining after each. */
static char *run_split(const char *in, size_t n, size_t split, size_t max_line)
{
	struct lb_ndjson_reader r;
	struct transcript tr;
	struct lb_err err;

	tr_open(&tr);
	lb_ndjson_reader_init(&r, "<stdin>", max_line);
	lb_ndjson_feed(&r, in, split, &err);
	drain(&r, &tr);
	lb_ndjson_feed(&r, in + split, n - split, &err);
	drain(&r, &tr);
	lb_ndjson_eof(&r);
	drain(&r, &tr);
	lb_ndjson_reader_free(&r);
	return tr_close(&tr);
}

static char *run_bytewise(const char *in, size_t n, size_t max_line)
{
	struct lb_ndjson_reader r;
	struct transcript tr;
	struct lb_err err;

	tr_open(&tr);
	lb_ndjson_reader_init(&r, "<stdin>", max_line);
	for (size_t i = 0; i < n; i++) {
		lb_ndjson_feed(&r, in + i, 1, &err);
		drain(&r, &tr);
	}
	lb_ndjson_eof(&r);
	drain(&r, &tr);
	lb_ndjson_reader_free(&r);
	return tr_close(&tr);
}

static void test_splits(struct tap *t)
{
	static const char in[] =
		"{\"type\":\"ADDED\",\"object\":{\"kind\":\"Service\"}}\n"
		"\n"
		"  \t\r\n"
		"{\"a\":1}\r\n"
		"[1,2]\n"
		"{\"a\":1,\"a\":2}\n"
		"{\"s\":\"\xc3\xa9\"}\n"
		"{\"s\":\"\xc3\"}\n"
		"this line is far too long for the limit of 64 bytes that this test uses\n"
		"{\"b\":true} trailing\n"
		"{\"last\":null}";
	const size_t n = sizeof(in) - 1;
	const char *want =
		"1 {\"type\":\"ADDED\",\"object\":{\"kind\":\"Service\"}}\n"
		"4 {\"a\":1}\n"
		"BAD <stdin>:5: not a JSON object\n"
		"BAD <stdin>:6: invalid JSON at column 10: duplicate object key near '\"a\"'\n"
		"7 {\"s\":\"\xc3\xa9\"}\n"
		"BAD <stdin>:8: invalid JSON at column 6: unable to decode byte 0xc3 near '\"'\n"
		"BAD <stdin>:9: line longer than 64 bytes\n"
		"BAD <stdin>:10: invalid JSON at column 19: end of file expected near 'trailing'\n"
		"11 {\"last\":null}\n";

	char *whole = run_split(in, n, n, 64);
	tap_is_str(t, whole, want, "whole input at once: objects, errors with line numbers");
	free(whole);

	int same = 1;
	size_t first_diff = 0;
	for (size_t split = 0; split <= n; split++) {
		char *got = run_split(in, n, split, 64);
		if (strcmp(got, want) && same) {
			same = 0;
			first_diff = split;
			printf("# split %zu gave:\n%s", split, got);
		}
		free(got);
	}
	tap_ok(t, same, "same result split at every byte boundary (first difference at %zu)",
	       first_diff);

	char *bytes = run_bytewise(in, n, 64);
	tap_is_str(t, bytes, want, "same result fed one byte at a time");
	free(bytes);
}

static void test_long_lines(struct tap *t)
{
	struct lb_ndjson_reader r;
	struct lb_err err;
	json_t *o;
	char chunk[1024];

	lb_ndjson_reader_init(&r, "feed.json", 100);
	memset(chunk, 'x', sizeof(chunk));
	int bad = 0, again = 0;
	size_t max_cap = 0;
	/* 4 MiB of one line, never followed by a newline until the end. */
	for (int i = 0; i < 4096; i++) {
		lb_ndjson_feed(&r, chunk, sizeof(chunk), &err);
		int rc = lb_ndjson_next(&r, &o, &err);
		if (rc == LB_NDJSON_BAD)
			bad++;
		else if (rc == LB_NDJSON_AGAIN)
			again++;
		if (r.cap > max_cap)
			max_cap = r.cap;
	}
	tap_is_int(t, bad, 1, "an over-long line is rejected exactly once");
	tap_is_str(t, err.msg, "feed.json:1: line longer than 100 bytes", "message names the limit");
	tap_ok(t, max_cap <= 8192, "the rest of the line is not buffered (buffer %zu bytes)",
	       max_cap);
	lb_ndjson_feed(&r, "xxx\n{\"ok\":1}\n", 13, &err);
	int rc = lb_ndjson_next(&r, &o, &err);
	tap_is_int(t, rc, LB_NDJSON_OBJECT, "the good line after it is returned");
	tap_is_int(t, r.lineno, 2, "and counted as line 2");
	tap_ok(t, o && json_integer_value(json_object_get(o, "ok")) == 1, "with its content");
	json_decref(o);
	tap_is_int(t, lb_ndjson_next(&r, &o, &err), LB_NDJSON_AGAIN, "then nothing more");
	tap_is_int(t, r.bad, 1, "one line rejected in all");

	/* A complete over-long line arriving in one piece. */
	lb_ndjson_feed(&r, "{\"pad\":\"", 8, &err);
	for (int i = 0; i < 2; i++)
		lb_ndjson_feed(&r, chunk, 60, &err);
	lb_ndjson_feed(&r, "\"}\n{\"b\":2}\n", 11, &err);
	tap_is_int(t, lb_ndjson_next(&r, &o, &err), LB_NDJSON_BAD, "complete long line is BAD");
	tap_is_str(t, err.msg, "feed.json:3: line longer than 100 bytes", "at line 3");
	tap_is_int(t, lb_ndjson_next(&r, &o, &err), LB_NDJSON_OBJECT, "line 4 is fine");
	json_decref(o);

	/* Exactly max_line bytes is allowed; the '\r' of CRLF counts. */
	char line[128];
	memset(line, ' ', sizeof(line));
	memcpy(line, "{\"a\":1}", 7);
	line[100] = '\n';
	lb_ndjson_feed(&r, line, 101, &err);
	tap_is_int(t, lb_ndjson_next(&r, &o, &err), LB_NDJSON_OBJECT, "100-byte line accepted");
	json_decref(o);
	line[100] = ' ';
	line[101] = '\n';
	lb_ndjson_feed(&r, line, 102, &err);
	tap_is_int(t, lb_ndjson_next(&r, &o, &err), LB_NDJSON_BAD, "101-byte line rejected");

	/* Over-long final line without newline, at end of input. */
	lb_ndjson_feed(&r, chunk, 200, &err);
	lb_ndjson_eof(&r);
	tap_is_int(t, lb_ndjson_next(&r, &o, &err), LB_NDJSON_BAD, "over-long last line rejected");
	tap_is_int(t, lb_ndjson_next(&r, &o, &err), LB_NDJSON_AGAIN, "and the input is done");
	lb_ndjson_reader_free(&r);
}

static void test_eof_and_blank(struct tap *t)
{
	struct lb_ndjson_reader r;
	struct lb_err err;
	json_t *o;

	lb_ndjson_reader_init(&r, "<stdin>", 0);
	tap_is_int(t, r.max_line, LB_NDJSON_MAX_LINE, "max_line 0 means the default");
	lb_ndjson_feed(&r, "\r\n \n\t\n{\"x\":[1]}", 15, &err);
	tap_is_int(t, lb_ndjson_next(&r, &o, &err), LB_NDJSON_AGAIN,
		   "blank lines skipped; unterminated line waits for more");
	lb_ndjson_eof(&r);
	tap_is_int(t, lb_ndjson_next(&r, &o, &err), LB_NDJSON_OBJECT, "returned at end of input");
	tap_is_int(t, r.lineno, 4, "as line 4");
	json_decref(o);
	tap_is_int(t, lb_ndjson_next(&r, &o, &err), LB_NDJSON_AGAIN, "then AGAIN");
	tap_ok(t, o == NULL, "and *out is NULL");
	lb_ndjson_reader_free(&r);

	lb_ndjson_reader_init(&r, "<stdin>", 0);
	lb_ndjson_feed(&r, "{\"a\":1}\n  \r", 11, &err);
	lb_ndjson_eof(&r);
	tap_is_int(t, lb_ndjson_next(&r, &o, &err), LB_NDJSON_OBJECT, "object before blank tail");
	json_decref(o);
	tap_is_int(t, lb_ndjson_next(&r, &o, &err), LB_NDJSON_AGAIN, "blank unterminated tail");
	lb_ndjson_reader_free(&r);

	static const struct {
		const char *line, *want;
	} bad[] = {
		{"\"just a string\"\n", "<stdin>:1: not a JSON object"},
		{"42\n", "<stdin>:1: not a JSON object"},
		{"null\n", "<stdin>:1: not a JSON object"},
		{"{\"a\":\"\\u0000\"}\n", NULL},
		{"{\"a\":1\n", NULL},
		{"{\"a\":1}{\"b\":2}\n", NULL},
		{"\xef\xbb\xbf{\"a\":1}\n", NULL},
		{"{\"a\":\"\xed\xa0\x80\"}\n", NULL}, /* UTF-16 surrogate as UTF-8 */
		{"{\"a\":1}\0\n", NULL},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		lb_ndjson_reader_init(&r, "<stdin>", 0);
		size_t n = strlen(bad[i].line);
		if (bad[i].line[n - 1] != '\n')
			n += 2; /* the embedded NUL case */
		lb_ndjson_feed(&r, bad[i].line, n, &err);
		int rc = lb_ndjson_next(&r, &o, &err);
		tap_is_int(t, rc, LB_NDJSON_BAD, "bad line %zu rejected", i);
		if (bad[i].want)
			tap_is_str(t, err.msg, bad[i].want, "message for bad line %zu", i);
		else
			tap_ok(t, !strncmp(err.msg, "<stdin>:1: invalid JSON", 23),
			       "message for bad line %zu: %s", i, err.msg);
		if (rc == LB_NDJSON_OBJECT)
			json_decref(o);
		lb_ndjson_reader_free(&r);
	}
}

/* Many small lines and one huge line fed a byte at a time: quadratic
 * rescanning would take minutes here. */
static void test_linear(struct tap *t)
{
	struct lb_ndjson_reader r;
	struct lb_err err;
	json_t *o;
	size_t n = 4u << 20, objects = 0;
	char *in = malloc(n);

	for (size_t i = 0; i < n; i += 8)
		memcpy(in + i, "{\"a\":1}\n", 8);
	lb_ndjson_reader_init(&r, "<stdin>", 0);
	lb_ndjson_feed(&r, in, n, &err);
	while (lb_ndjson_next(&r, &o, &err) == LB_NDJSON_OBJECT) {
		objects++;
		json_decref(o);
	}
	tap_is_int(t, objects, n / 8, "half a million lines from one feed");
	lb_ndjson_reader_free(&r);

	memset(in, ' ', n);
	in[0] = '{';
	in[n - 2] = '}';
	in[n - 1] = '\n';
	lb_ndjson_reader_init(&r, "<stdin>", 0);
	int rc = LB_NDJSON_AGAIN;
	for (size_t i = 0; i < n && rc == LB_NDJSON_AGAIN; i++) {
		lb_ndjson_feed(&r, in + i, 1, &err);
		rc = lb_ndjson_next(&r, &o, &err);
	}
	tap_is_int(t, rc, LB_NDJSON_OBJECT, "a 4 MiB line fed byte by byte");
	json_decref(o);
	lb_ndjson_reader_free(&r);
	free(in);
}

static void test_fd(struct tap *t)
{
	struct lb_ndjson_reader r;
	struct lb_err err;
	json_t *o;
	int p[2];

	if (pipe(p) < 0 || fcntl(p[0], F_SETFL, O_NONBLOCK) < 0) {
		tap_ok(t, 0, "pipe: %s", strerror(errno));
		return;
	}
	lb_ndjson_reader_init(&r, "<pipe>", 0);
	errno = 0;
	tap_is_int(t, lb_ndjson_read_fd(&r, p[0], &err), -1, "empty non-blocking pipe: -1");
	tap_is_int(t, errno, EAGAIN, "with EAGAIN");
	tap_ok(t, write(p[1], "{\"a\":1}\n{\"b\"", 12) == 12, "write");
	tap_is_int(t, lb_ndjson_read_fd(&r, p[0], &err), 12, "read returns the byte count");
	tap_is_int(t, lb_ndjson_next(&r, &o, &err), LB_NDJSON_OBJECT, "first object");
	json_decref(o);
	tap_is_int(t, lb_ndjson_next(&r, &o, &err), LB_NDJSON_AGAIN, "second not complete");
	tap_ok(t, write(p[1], ":2}", 3) == 3, "write");
	close(p[1]);
	tap_is_int(t, lb_ndjson_read_fd(&r, p[0], &err), 3, "rest read");
	tap_is_int(t, lb_ndjson_read_fd(&r, p[0], &err), 0, "end of file: 0");
	tap_is_int(t, lb_ndjson_next(&r, &o, &err), LB_NDJSON_OBJECT, "unterminated last object");
	json_decref(o);
	close(p[0]);

	errno = 0;
	tap_is_int(t, lb_ndjson_read_fd(&r, p[0], &err), -1, "closed fd: -1");
	tap_is_int(t, errno, EBADF, "errno kept");
	tap_is_str(t, err.msg, "<pipe>: read: Bad file descriptor", "message names the input");
	lb_ndjson_reader_free(&r);

	/* Over-long line arriving through read_fd is dropped there too. */
	if (pipe(p) < 0)
		return;
	lb_ndjson_reader_init(&r, "<pipe>", 10);
	tap_ok(t, write(p[1], "xxxxxxxxxxxxxxxxxxxx", 20) == 20, "write");
	lb_ndjson_read_fd(&r, p[0], &err);
	tap_is_int(t, lb_ndjson_next(&r, &o, &err), LB_NDJSON_BAD, "long line via fd");
	tap_ok(t, write(p[1], "yyyyyyyyyyyy\n{}\n", 16) == 16, "write");
	lb_ndjson_read_fd(&r, p[0], &err);
	tap_is_int(t, lb_ndjson_next(&r, &o, &err), LB_NDJSON_OBJECT, "next line via fd");
	tap_is_int(t, r.lineno, 2, "is line 2");
	json_decref(o);
	close(p[0]);
	close(p[1]);
	lb_ndjson_reader_free(&r);
}

static void test_write(struct tap *t)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	json_t *obj = json_pack("{s:s, s:i, s:[s], s:{s:b}}", "type", "ASSIGNED", "zeta", 1,
				"ips", "192.0.2.10", "a", "nested", 1);
	json_object_set_new(obj, "name", json_string("caf\xc3\xa9 \"q\"\n"));

	tap_is_int(t, lb_ndjson_write(f, obj), 0, "write succeeds");
	tap_is_int(t, lb_ndjson_write(f, obj), 0, "twice");
	fclose(f);
	const char *line = "{\"type\":\"ASSIGNED\",\"zeta\":1,\"ips\":[\"192.0.2.10\"],"
			   "\"a\":{\"nested\":true},\"name\":\"caf\xc3\xa9 \\\"q\\\"\\n\"}\n";
	size_t one = strlen(line);
	tap_ok(t, len == 2 * one && !strncmp(text, line, one) && !strncmp(text + one, line, one),
	       "compact, insertion order, newline-terminated");

	struct lb_ndjson_reader r;
	struct lb_err err;
	json_t *back = NULL;
	lb_ndjson_reader_init(&r, "<memory>", 0);
	lb_ndjson_feed(&r, text, len, &err);
	tap_is_int(t, lb_ndjson_next(&r, &back, &err), LB_NDJSON_OBJECT, "read back");
	tap_ok(t, json_equal(back, obj), "round trip gives the same object");
	json_decref(back);
	lb_ndjson_reader_free(&r);
	free(text);

	FILE *full = fopen("/dev/full", "w");
	if (full) {
		errno = 0;
		tap_is_int(t, lb_ndjson_write(full, obj), -1, "write error reported");
		tap_is_int(t, errno, ENOSPC, "with errno");
		fclose(full);
	}
	json_decref(obj);
}

int main(void)
{
	struct tap t = {0};

	test_splits(&t);
	test_long_lines(&t);
	test_eof_and_blank(&t);
	test_linear(&t);
	test_fd(&t);
	test_write(&t);
	return tap_done(&t);
}
