/* The head of an HTTP/1.x request (RFC 9112): request line and header
 * section, parsed from bytes a client sent, for lbkit's small endpoints
 * (lb-elect's health check). Only what those endpoints need is kept: the
 * method, the path without its query, and the version; header fields are
 * checked for shape and skipped. */
#ifndef LB_HTTP_REQUEST_H
#define LB_HTTP_REQUEST_H

#include <stddef.h>

#include "err.h"

enum lb_http_parse {
	LB_HTTP_COMPLETE = 1,   /* the head ends within the bytes given */
	LB_HTTP_INCOMPLETE = 0, /* well-formed so far: wait for more */
	LB_HTTP_BAD = -1,       /* malformed: answer 400 and close; err says why */
};

struct lb_http_request {
	char method[16];
	char path[256];  /* the origin-form target up to '?' or '#' */
	int major, minor;
	size_t head_len; /* bytes of the head, its empty line included */
};

/* Parses buf[0..len). A method or target longer than the fields above is
 * BAD (a health check has no use for them). */
int lb_http_request_parse(const char *buf, size_t len, struct lb_http_request *req,
			  struct lb_err *err);

#endif
