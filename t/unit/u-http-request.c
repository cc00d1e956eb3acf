/* The HTTP/1.x request head parser behind lb-elect's health endpoint, and
 * the status each request gets. */
#include <string.h>

#include "health_server.h"
#include "http_request.h"
#include "tap.h"

static int parse(const char *s, struct lb_http_request *req)
{
	struct lb_err err;
	return lb_http_request_parse(s, strlen(s), req, &err);
}

int main(void)
{
	struct tap t = {0};
	struct lb_http_request req;
	const char *curl = "GET /healthz HTTP/1.1\r\nHost: 192.0.2.21:7473\r\n"
			   "User-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n";

	tap_is_int(&t, parse(curl, &req), LB_HTTP_COMPLETE, "curl's request is complete");
	tap_is_str(&t, req.method, "GET", "method");
	tap_is_str(&t, req.path, "/healthz", "path");
	tap_ok(&t, req.major == 1 && req.minor == 1, "version 1.1");
	tap_is_int(&t, req.head_len, strlen(curl), "the head's length includes the empty line");

	/* Every prefix of a good request is incomplete, never bad. */
	int all_incomplete = 1;
	for (size_t n = 0; n < strlen(curl); n++) {
		struct lb_err err;
		if (lb_http_request_parse(curl, n, &req, &err) != LB_HTTP_INCOMPLETE)
			all_incomplete = 0;
	}
	tap_ok(&t, all_incomplete, "every prefix of it waits for more");

	tap_is_int(&t, parse("\r\n\nGET /healthz?verbose=1 HTTP/1.0\n\n", &req),
		   LB_HTTP_COMPLETE, "bare LF lines, leading empty lines, a query");
	tap_is_str(&t, req.path, "/healthz", "the query is not part of the path");
	tap_ok(&t, req.minor == 0, "HTTP/1.0");

	tap_is_int(&t, parse("GET /healthz HTTP/1.1\r\nHost: x\r\n", &req), LB_HTTP_INCOMPLETE,
		   "no empty line yet");
	tap_is_int(&t, parse("GET /healthz\r\n\r\n", &req), LB_HTTP_BAD,
		   "HTTP/0.9 style request line");
	tap_is_int(&t, parse("GET  /healthz HTTP/1.1\r\n\r\n", &req), LB_HTTP_BAD,
		   "two spaces after the method");
	tap_is_int(&t, parse("GET healthz HTTP/1.1\r\n\r\n", &req), LB_HTTP_BAD,
		   "a target that is not an absolute path");
	tap_is_int(&t, parse("GET /healthz HTTP/1.10\r\n\r\n", &req), LB_HTTP_BAD,
		   "a two-digit minor version");
	tap_is_int(&t, parse("GET /healthz HTTP/1.1\r\nHost : x\r\n\r\n", &req), LB_HTTP_BAD,
		   "whitespace before a field's colon (RFC 9112 5.1)");
	tap_is_int(&t, parse("GET /healthz HTTP/1.1\r\nA: b\r\n c\r\n\r\n", &req), LB_HTTP_BAD,
		   "obsolete line folding");
	tap_is_int(&t, parse("GET /healthz HTTP/1.1\rX\n\r\n", &req), LB_HTTP_BAD, "a bare CR");
	tap_is_int(&t, parse("GET /healthz HTTP/1.1\r\nNoColon\r\n\r\n", &req), LB_HTTP_BAD,
		   "a field without a colon");
	tap_is_int(&t, parse("\x16\x03\x01\x02", &req), LB_HTTP_BAD,
		   "a TLS ClientHello is bad at once, not awaited");
	tap_is_int(&t, parse("VERYLONGMETHODNAMEXX", &req), LB_HTTP_BAD,
		   "a method longer than any known one is bad before its space");

	char big[600];
	memset(big, 'a', sizeof(big));
	memcpy(big, "GET /", 5);
	strcpy(big + sizeof(big) - 16, " HTTP/1.1\r\n\r\n");
	tap_is_int(&t, parse(big, &req), LB_HTTP_BAD, "a path longer than 255 bytes");

	tap_is_int(&t, lb_health_status("GET", "/healthz", 1, "/healthz", true), 200, "healthy");
	tap_is_int(&t, lb_health_status("GET", "/healthz", 1, "/healthz", false), 503,
		   "not synced");
	tap_is_int(&t, lb_health_status("HEAD", "/healthz", 1, "/healthz", true), 200, "HEAD");
	tap_is_int(&t, lb_health_status("POST", "/healthz", 1, "/healthz", true), 405, "POST");
	tap_is_int(&t, lb_health_status("GET", "/", 1, "/healthz", true), 404, "another path");
	tap_is_int(&t, lb_health_status("GET", "/healthz", 2, "/healthz", true), 505, "HTTP/2");

	struct lb_err err;
	tap_ok(&t, lb_health_server_check_spec("7473", &err) == 0, "a port alone");
	tap_ok(&t, lb_health_server_check_spec("192.0.2.21:7473", &err) == 0, "IPv4:port");
	tap_ok(&t, lb_health_server_check_spec("[2001:db8::21]:7473", &err) == 0, "[IPv6]:port");
	tap_ok(&t, lb_health_server_check_spec("2001:db8::21:7473", &err) < 0,
	       "IPv6 without brackets is refused (where would the port start?)");
	tap_ok(&t, lb_health_server_check_spec("192.0.2.21:", &err) < 0, "no port");
	tap_ok(&t, lb_health_server_check_spec("65536", &err) < 0, "port out of range");
	tap_ok(&t, lb_health_server_check_spec("node-a:7473", &err) < 0, "a name, not an address");
	tap_ok(&t, lb_health_server_check_spec("[]:7473", &err) < 0, "empty brackets");
	return tap_done(&t);
}
