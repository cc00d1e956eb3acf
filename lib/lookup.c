#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lookup.h"

struct lb_lookup {
	struct gaicb cb;
	struct addrinfo hints;
	char port[8];
	char host[];
};

struct lb_lookup *lb_lookup_start(const char *host, unsigned short port, int socktype,
				  struct lb_err *err)
{
	size_t n = strlen(host);
	struct lb_lookup *l = calloc(1, sizeof(*l) + n + 1);
	if (!l) {
		lb_err_set(err, "out of memory");
		return NULL;
	}
	memcpy(l->host, host, n + 1);
	snprintf(l->port, sizeof(l->port), "%u", port);
	l->hints.ai_family = AF_UNSPEC;
	l->hints.ai_socktype = socktype;
	l->hints.ai_flags = AI_NUMERICSERV;
	l->cb.ar_name = l->host;
	l->cb.ar_service = port ? l->port : NULL;
	l->cb.ar_request = &l->hints;
	struct gaicb *list[1] = {&l->cb};
	int rc = getaddrinfo_a(GAI_NOWAIT, list, 1, NULL);
	if (rc) {
		lb_err_set(err, "cannot look up '%s': %s", host,
			   rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		free(l);
		return NULL;
	}
	return l;
}

int lb_lookup_done(struct lb_lookup *l, struct sockaddr_storage *addr, socklen_t *len,
		   struct lb_err *err)
{
	int rc = gai_error(&l->cb);
	if (rc == EAI_INPROGRESS)
		return 0;
	if (rc)
		return lb_err_set(err, "cannot resolve '%s': %s", l->host,
				  rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
	struct addrinfo *res = l->cb.ar_result;
	l->cb.ar_result = NULL;
	if (!res || res->ai_addrlen > sizeof(*addr)) {
		freeaddrinfo(res);
		return lb_err_set(err, "cannot resolve '%s': no address", l->host);
	}
	memcpy(addr, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 1;
}

void lb_lookup_free(struct lb_lookup *l)
{
	if (!l)
		return;
	if (l->cb.ar_result)
		freeaddrinfo(l->cb.ar_result);
	free(l);
}

int lb_lookup_cancel(struct lb_lookup *l)
{
	int rc = gai_cancel(&l->cb);
	if (rc == EAI_NOTCANCELED)
		return -1;
	lb_lookup_free(l);
	return 0;
}

int lb_lookup_wait(struct lb_lookup *l, unsigned max_ms)
{
	const struct gaicb *list[1] = {&l->cb};
	struct timespec ts = {max_ms / 1000, (long)(max_ms % 1000) * 1000000};
	if (gai_error(&l->cb) == EAI_INPROGRESS)
		gai_suspend(list, 1, &ts);
	return gai_error(&l->cb) != EAI_INPROGRESS;
}
