#include "health_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http_request.h"

struct client {
	int fd;            /* -1: free slot */
	int64_t deadline;  /* ms, monotonic */
	uint64_t seq;      /* accept order, to evict the oldest */
	size_t len;
	char buf[LB_HEALTH_REQUEST_MAX];
};

struct lb_health_server {
	int fd;
	char *path;
	char name[INET6_ADDRSTRLEN + 10];
	uint64_t seq;
	struct client clients[LB_HEALTH_MAX_CLIENTS];
};

static int split_spec(const char *spec, char *host, size_t hsize, char *port, size_t psize,
		      struct lb_err *err)
{
	const char *colon = strrchr(spec, ':');
	const char *p = colon ? colon + 1 : spec;
	host[0] = '\0';
	if (colon) {
		const char *h = spec;
		size_t n = (size_t)(colon - spec);
		if (*h == '[') {
			if (n < 2 || h[n - 1] != ']')
				return lb_err_set(err, "'%s': an IPv6 address goes in brackets", spec);
			h++;
			n -= 2;
		} else if (memchr(h, ':', n)) {
			return lb_err_set(err, "'%s': an IPv6 address goes in brackets", spec);
		}
		if (n == 0 || n >= hsize)
			return lb_err_set(err, "'%s': no address before the port", spec);
		memcpy(host, h, n);
		host[n] = '\0';
	}
	size_t plen = strlen(p);
	if (plen == 0 || plen >= psize || strspn(p, "0123456789") != plen || atol(p) > 65535)
		return lb_err_set(err, "'%s': the port is not a number from 0 to 65535", spec);
	memcpy(port, p, plen + 1);
	return 0;
}

int lb_health_server_check_spec(const char *spec, struct lb_err *err)
{
	char host[INET6_ADDRSTRLEN], port[8];
	struct in6_addr a6;
	struct in_addr a4;
	if (split_spec(spec, host, sizeof(host), port, sizeof(port), err) < 0)
		return -1;
	if (*host && inet_pton(AF_INET, host, &a4) != 1 && inet_pton(AF_INET6, host, &a6) != 1)
		return lb_err_set(err, "'%s': '%s' is not an IPv4 or IPv6 address", spec, host);
	return 0;
}

static void describe(struct lb_health_server *s)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char a[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;
	if (getsockname(s->fd, (struct sockaddr *)&ss, &sl) < 0)
		return;
	if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)&ss;
		inet_ntop(AF_INET6, &v6->sin6_addr, a, sizeof(a));
		port = ntohs(v6->sin6_port);
		snprintf(s->name, sizeof(s->name), "[%s]:%u", a, port);
	} else {
		const struct sockaddr_in *v4 = (const struct sockaddr_in *)&ss;
		inet_ntop(AF_INET, &v4->sin_addr, a, sizeof(a));
		port = ntohs(v4->sin_port);
		snprintf(s->name, sizeof(s->name), "%s:%u", a, port);
	}
}

static int listen_on(struct lb_health_server *s, const char *spec, const char *host,
		     const char *port, int family, struct lb_err *err)
{
	struct addrinfo hints = {
		.ai_family = family,
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV,
	}, *ai;
	int rc = getaddrinfo(*host ? host : NULL, port, &hints, &ai);
	if (rc)
		return lb_err_set(err, "'%s': %s", spec, gai_strerror(rc));
	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1, zero = 0;
	if (fd < 0) {
		rc = errno;
		freeaddrinfo(ai);
		return lb_err_set(err, "'%s': socket: %s", spec, strerror(rc));
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* Without an address, one IPv6 socket takes IPv4 too (RFC 3493 §5.3). */
	if (ai->ai_family == AF_INET6 && !*host)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 64) < 0) {
		rc = errno;
		close(fd);
		freeaddrinfo(ai);
		return lb_err_set(err, "'%s': %s", spec, strerror(rc));
	}
	freeaddrinfo(ai);
	s->fd = fd;
	return 0;
}

struct lb_health_server *lb_health_server_open(const char *spec, const char *path,
					       struct lb_err *err)
{
	char host[INET6_ADDRSTRLEN], port[8];
	if (split_spec(spec, host, sizeof(host), port, sizeof(port), err) < 0)
		return NULL;
	struct lb_health_server *s = calloc(1, sizeof(*s));
	if (!s || !(s->path = strdup(path))) {
		free(s);
		lb_err_set(err, "out of memory");
		return NULL;
	}
	s->fd = -1;
	for (size_t i = 0; i < LB_HEALTH_MAX_CLIENTS; i++)
		s->clients[i].fd = -1;
	int rc;
	if (*host) {
		rc = listen_on(s, spec, host, port, AF_UNSPEC, err);
	} else {
		/* A host without IPv6 (disabled in the kernel) still serves IPv4. */
		rc = listen_on(s, spec, host, port, AF_INET6, err);
		if (rc < 0)
			rc = listen_on(s, spec, host, port, AF_INET, err);
	}
	if (rc < 0) {
		lb_health_server_close(s);
		return NULL;
	}
	describe(s);
	return s;
}

static void drop(struct client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->len = 0;
}

void lb_health_server_close(struct lb_health_server *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < LB_HEALTH_MAX_CLIENTS; i++)
		drop(&s->clients[i]);
	if (s->fd >= 0)
		close(s->fd);
	free(s->path);
	free(s);
}

const char *lb_health_server_name(const struct lb_health_server *s)
{
	return s->name;
}

size_t lb_health_server_fds(const struct lb_health_server *s, struct pollfd *pfd, size_t cap)
{
	size_t n = 0;
	if (n < cap)
		pfd[n++] = (struct pollfd){s->fd, POLLIN, 0};
	for (size_t i = 0; i < LB_HEALTH_MAX_CLIENTS && n < cap; i++) {
		if (s->clients[i].fd >= 0)
			pfd[n++] = (struct pollfd){s->clients[i].fd, POLLIN, 0};
	}
	return n;
}

int lb_health_server_timeout(const struct lb_health_server *s, int64_t now_ms)
{
	int64_t next = -1;
	for (size_t i = 0; i < LB_HEALTH_MAX_CLIENTS; i++) {
		const struct client *c = &s->clients[i];
		if (c->fd < 0)
			continue;
		int64_t left = c->deadline > now_ms ? c->deadline - now_ms : 0;
		if (next < 0 || left < next)
			next = left;
	}
	return (int)next;
}

int lb_health_status(const char *method, const char *path, int major, const char *health_path,
		     bool healthy)
{
	if (major != 1)
		return 505;
	/* RFC 9110 §9.1: a general-purpose server supports GET and HEAD. */
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return 405;
	if (strcmp(path, health_path))
		return 404;
	return healthy ? 200 : 503;
}

static void reply(struct client *c, int status, bool head)
{
	const char *reason, *body, *extra = "";
	switch (status) {
	case 200: reason = "OK"; body = "ok\n"; break;
	case 503: reason = "Service Unavailable"; body = "not synced\n"; break;
	case 404: reason = "Not Found"; body = "not found\n"; break;
	/* RFC 9110 §15.5.6: a 405 lists the methods the target supports. */
	case 405: reason = "Method Not Allowed"; body = "method not allowed\n";
		extra = "Allow: GET, HEAD\r\n"; break;
	case 505: reason = "HTTP Version Not Supported"; body = "HTTP/1.x only\n"; break;
	case 431: reason = "Request Header Fields Too Large"; body = "request too large\n"; break;
	default: status = 400; reason = "Bad Request"; body = "bad request\n"; break;
	}
	char out[512];
	int n = snprintf(out, sizeof(out),
			 "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
			 "%sConnection: close\r\nCache-Control: no-store\r\n\r\n%s",
			 status, reason, strlen(body), extra, head ? "" : body);
	/* A fresh connection's send buffer takes a few hundred bytes at once;
	 * a client that does not read them has only itself to blame. */
	if (n > 0)
		(void)send(c->fd, out, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
	shutdown(c->fd, SHUT_WR);
	drop(c);
}

static void accept_all(struct lb_health_server *s, int64_t now_ms)
{
	for (int k = 0; k < LB_HEALTH_MAX_CLIENTS; k++) {
		int fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		/* Full: the oldest goes, so idle connections cannot lock the
		 * health checks of the other speakers out. */
		struct client *slot = NULL;
		for (size_t i = 0; i < LB_HEALTH_MAX_CLIENTS; i++) {
			struct client *c = &s->clients[i];
			if (c->fd < 0) {
				slot = c;
				break;
			}
			if (!slot || c->seq < slot->seq)
				slot = c;
		}
		drop(slot);
		slot->fd = fd;
		slot->seq = ++s->seq;
		slot->deadline = now_ms + LB_HEALTH_CLIENT_MS;
	}
}

static void read_client(struct lb_health_server *s, struct client *c, bool healthy)
{
	ssize_t got = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, MSG_DONTWAIT);
	if (got < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (got <= 0) {
		drop(c);
		return;
	}
	c->len += (size_t)got;
	struct lb_http_request req;
	struct lb_err err;
	int st = lb_http_request_parse(c->buf, c->len, &req, &err);
	if (st == LB_HTTP_COMPLETE)
		reply(c, lb_health_status(req.method, req.path, req.major, s->path, healthy),
		      !strcmp(req.method, "HEAD"));
	else if (st == LB_HTTP_BAD)
		reply(c, 400, false);
	else if (c->len == sizeof(c->buf))
		reply(c, 431, false);
}

void lb_health_server_service(struct lb_health_server *s, const struct pollfd *pfd, size_t n,
			      bool healthy, int64_t now_ms)
{
	for (size_t i = 0; i < n; i++) {
		if (!pfd[i].revents)
			continue;
		if (pfd[i].fd == s->fd) {
			accept_all(s, now_ms);
			continue;
		}
		for (size_t j = 0; j < LB_HEALTH_MAX_CLIENTS; j++) {
			if (s->clients[j].fd == pfd[i].fd) {
				read_client(s, &s->clients[j], healthy);
				break;
			}
		}
	}
	for (size_t j = 0; j < LB_HEALTH_MAX_CLIENTS; j++) {
		struct client *c = &s->clients[j];
		if (c->fd >= 0 && c->deadline <= now_ms)
			drop(c);
	}
}
