/* libFuzzer: arbitrary bytes from a health check client into the request
 * head parser. A complete head lies within the bytes given, and every
 * shorter prefix of it is incomplete or bad, never complete. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy, so ASan sees a read one past the end. */
	char *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	struct lb_http_request req;
	struct lb_err err;
	int st = lb_http_request_parse(buf, size, &req, &err);
	if (st == LB_HTTP_COMPLETE) {
		if (req.head_len == 0 || req.head_len > size || req.path[0] != '/' ||
		    strlen(req.method) >= sizeof(req.method))
			__builtin_trap();
		size_t head = req.head_len;
		if (lb_http_request_parse(buf, head - 1, &req, &err) == LB_HTTP_COMPLETE)
			__builtin_trap();
	}
	free(buf);
	return 0;
}
