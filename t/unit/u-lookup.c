/* lib/lookup.c: lookups beside the caller's loop (glibc getaddrinfo_a). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "lookup.h"
#include "tap.h"

/* Polls as lb-probe's loop does, at most 10 s. */
static int poll_done(struct lb_lookup *l, struct sockaddr_storage *a, socklen_t *len,
		     struct lb_err *err)
{
	int rc = 0;
	for (int i = 0; i < 1000 && rc == 0; i++) {
		rc = lb_lookup_done(l, a, len, err);
		if (rc == 0)
			lb_lookup_wait(l, 10);
	}
	return rc;
}

int main(void)
{
	struct tap t = {0, 0};
	struct lb_err err = {""};
	struct sockaddr_storage a;
	socklen_t len = 0;

	struct lb_lookup *l = lb_lookup_start("localhost", 8080, SOCK_STREAM, &err);
	tap_ok(&t, l != NULL, "a lookup starts (%s)", err.msg);
	int rc = l ? poll_done(l, &a, &len, &err) : -1;
	tap_is_int(&t, rc, 1, "localhost resolves (%s)", err.msg);
	if (rc == 1 && a.ss_family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&a;
		tap_is_int(&t, ntohs(in->sin_port), 8080, "with the port");
		tap_is_int(&t, len, sizeof(*in), "and its length");
	} else {
		tap_ok(&t, rc == 1 && a.ss_family == AF_INET6, "localhost as IPv6");
		tap_ok(&t, 1, "(length not checked for IPv6)");
	}
	lb_lookup_free(l);

	l = lb_lookup_start("no-such-host.invalid", 0, SOCK_DGRAM, &err);
	tap_ok(&t, l != NULL, "a lookup of a name that does not exist starts");
	rc = l ? poll_done(l, &a, &len, &err) : 0;
	tap_is_int(&t, rc, -1, "and fails");
	tap_ok(&t, strstr(err.msg, "cannot resolve 'no-such-host.invalid'") != NULL,
	       "naming the host: %s", err.msg);
	lb_lookup_free(l);

	l = lb_lookup_start("localhost", 0, SOCK_DGRAM, &err);
	rc = l ? lb_lookup_cancel(l) : 0;
	if (rc < 0) /* glibc was running it: wait, then free */
		tap_ok(&t, lb_lookup_wait(l, 10000), "a running lookup finishes");
	else
		tap_ok(&t, 1, "a queued or finished lookup is cancelled and freed");
	if (rc < 0)
		lb_lookup_free(l);
	return tap_done(&t);
}
