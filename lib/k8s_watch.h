/* List-then-watch of Kubernetes resources, as client-go's reflector does
 * it, for many resources on one libcurl multi loop: a paginated list
 * (limit/continue) emitted as ADDED events and a SYNCED line, then a watch
 * from the list's resourceVersion with bookmarks; a stream that ends or
 * breaks resumes from the last resourceVersion seen; 410 Gone re-lists and
 * emits only the difference; failures back off exponentially with jitter
 * and are retried forever, logged once per change of state. */
#ifndef LB_K8S_WATCH_H
#define LB_K8S_WATCH_H

#include <jansson.h>

#include "err.h"
#include "k8s_conn.h"
#include "k8s_resource.h"
#include "log.h"

struct lb_k8s_watch_opts {
	const struct lb_k8s_conn *conn;
	const struct lb_log *log;
	const char *ns;             /* NULL: all namespaces */
	const char *label_selector; /* NULL: none */
	const char *field_selector;
	int trim;                   /* lb_watch_object_trim on every object */
	unsigned page_limit;        /* 0: 500 */
	unsigned backoff_min_ms;    /* 0: 250 */
	unsigned backoff_max_ms;    /* 0: 30000 */
	/* Each output line (an event or SYNCED), borrowed. */
	void (*emit)(void *ctx, json_t *line);
	void *ctx;
};

struct lb_k8s_watch;

struct lb_k8s_watch *lb_k8s_watch_new(const struct lb_k8s_watch_opts *o, struct lb_err *err);
int lb_k8s_watch_add(struct lb_k8s_watch *w, const struct lb_k8s_resource *r, struct lb_err *err);
void lb_k8s_watch_free(struct lb_k8s_watch *w);

/* Runs the transfers for at most timeout_ms, returning early when fd (if
 * >= 0) becomes readable: 1 then, 0 otherwise, -1 on a libcurl failure. */
int lb_k8s_watch_poll(struct lb_k8s_watch *w, int fd, int timeout_ms, struct lb_err *err);

/* Extracts the message of a Kubernetes Status body ("reason: message"),
 * or a short excerpt of the body when it is not one. */
void lb_k8s_status_message(const char *body, size_t len, long http, char *buf, size_t size);

#endif
