#include "http_request.h"

#include <string.h>

/* tchar of RFC 9110 §5.6.2: what a method and a field name are made of. */
static int is_tchar(unsigned char c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return 1;
	return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* The next line of buf from *pos: its length without the terminator, or -1
 * when no terminator has arrived yet. RFC 9112 §2.2 lets a recipient take a
 * bare LF as a line end; a CR not followed by LF is invalid there, and is
 * reported as -2. */
static long next_line(const char *buf, size_t len, size_t *pos)
{
	for (size_t i = *pos; i < len; i++) {
		if (buf[i] == '\n') {
			size_t end = i;
			if (end > *pos && buf[end - 1] == '\r')
				end--;
			long n = (long)(end - *pos);
			*pos = i + 1;
			return n;
		}
		if (buf[i] == '\r' && i + 1 < len && buf[i + 1] != '\n')
			return -2;
	}
	return -1;
}

static int request_line(const char *s, size_t n, struct lb_http_request *req,
			struct lb_err *err)
{
	size_t i = 0;
	while (i < n && is_tchar((unsigned char)s[i]))
		i++;
	if (i == 0 || i >= n || s[i] != ' ')
		return lb_err_set(err, "request line: no method followed by a space");
	if (i >= sizeof(req->method))
		return lb_err_set(err, "request line: method longer than %zu bytes",
				  sizeof(req->method) - 1);
	memcpy(req->method, s, i);
	req->method[i] = '\0';

	size_t t = ++i;
	while (i < n && s[i] != ' ') {
		/* RFC 9112 §3.2: the target has no whitespace or controls. */
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] == 0x7f)
			return lb_err_set(err, "request line: control byte in the target");
		i++;
	}
	if (i == t || i >= n)
		return lb_err_set(err, "request line: no target followed by a space");
	size_t plen = strcspn(s + t, "?# ");
	if (plen > i - t)
		plen = i - t;
	if (s[t] != '/')
		return lb_err_set(err, "request line: the target is not an absolute path");
	if (plen >= sizeof(req->path))
		return lb_err_set(err, "request line: path longer than %zu bytes",
				  sizeof(req->path) - 1);
	memcpy(req->path, s + t, plen);
	req->path[plen] = '\0';

	/* HTTP-version = "HTTP/" DIGIT "." DIGIT (RFC 9112 §2.3), exactly. */
	const char *v = s + i + 1;
	if (n - i - 1 != 8 || memcmp(v, "HTTP/", 5) || v[5] < '0' || v[5] > '9' || v[6] != '.' ||
	    v[7] < '0' || v[7] > '9')
		return lb_err_set(err, "request line: no HTTP version after the target");
	req->major = v[5] - '0';
	req->minor = v[7] - '0';
	return 0;
}

/* field-line = field-name ":" OWS field-value OWS (RFC 9112 §5); no
 * whitespace between the name and the colon (§5.1), and no obs-fold
 * (§5.2: a server may reject it with 400). */
static int field_line(const char *s, size_t n, struct lb_err *err)
{
	size_t i = 0;
	while (i < n && is_tchar((unsigned char)s[i]))
		i++;
	if (i == 0 || i >= n || s[i] != ':')
		return lb_err_set(err, "header field without a name and a colon");
	for (i++; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return lb_err_set(err, "control byte in a header field value");
	}
	return 0;
}

int lb_http_request_parse(const char *buf, size_t len, struct lb_http_request *req,
			  struct lb_err *err)
{
	memset(req, 0, sizeof(*req));
	size_t pos = 0, start;
	long n;
	/* RFC 9112 §2.2: empty lines before the request line are ignored. */
	do {
		start = pos;
		n = next_line(buf, len, &pos);
	} while (n == 0);
	if (n == -2)
		return lb_err_set(err, "bare CR in the request line"), LB_HTTP_BAD;
	if (n < 0) {
		/* Fail early on a first line that cannot become a request, so a
		 * client sending garbage is answered at once. */
		for (size_t i = start; i < len && buf[i] != ' '; i++) {
			if (!is_tchar((unsigned char)buf[i]) || i - start >= sizeof(req->method))
				return lb_err_set(err, "request line: no method"), LB_HTTP_BAD;
		}
		return LB_HTTP_INCOMPLETE;
	}
	if (request_line(buf + start, (size_t)n, req, err) < 0)
		return LB_HTTP_BAD;
	for (;;) {
		start = pos;
		n = next_line(buf, len, &pos);
		if (n == -2)
			return lb_err_set(err, "bare CR in a header field"), LB_HTTP_BAD;
		if (n == -1)
			return LB_HTTP_INCOMPLETE;
		if (n == 0)
			break;
		if (buf[start] == ' ' || buf[start] == '\t')
			return lb_err_set(err, "obsolete line folding in a header field"), LB_HTTP_BAD;
		if (field_line(buf + start, (size_t)n, err) < 0)
			return LB_HTTP_BAD;
	}
	req->head_len = pos;
	return LB_HTTP_COMPLETE;
}
