/* lb-watch: the Kubernetes API (or a directory of manifests) as a stream
 * of watch events on stdout; with --apply, lb-alloc decisions on stdin
 * written back as Service status. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "cli.h"
#include "exitcode.h"
#include "k8s_conn.h"
#include "k8s_lease.h"
#include "k8s_request.h"
#include "k8s_resource.h"
#include "k8s_watch.h"
#include "labels.h"
#include "line_input.h"
#include "manifest_dir.h"
#include "ndjson.h"
#include "service.h"
#include "sig.h"
#include "watch_event.h"

struct opts {
	char *kubeconfig, *context, *server, *token_file, *ca_file;
	char *ns, *selector, *field_selector;
	char *from, *status_dir, *lb_class;
	char *lease, *identity;
	int trim, apply, insecure;
	int page_limit;
	int lease_duration;
};

/* client-go's defaults, scaled to --lease-duration: renew every 2/15 of
 * it (2 s of 15), stop leading when no renewal succeeded for 2/3 of it
 * (10 s of 15), less than the whole duration another candidate waits
 * before taking over; so two never write at once. */
#define LEASE_RETRY_MS(r) ((r)->o.lease_duration * 2000 / 15)

struct leader {
	char ns[256], name[256];
	struct lb_lease_observer obs;
	int role; /* -1 unknown, 0 follower, 1 leader */
	long long last_renew_ms, next_try_ms;
	json_t *pending; /* "ns/name" -> the latest decision not yet written */
	int applying;    /* inside a write: a lease round must not start more */
};

struct run {
	struct lb_cli cli;
	struct opts o;
	struct lb_k8s_conn conn;
	int output_failed;
	unsigned seed;
	/* --from */
	json_t *store, *cache, *kinds;
	struct lb_labelsel *sel;
	struct leader lead;
};

/* ---- output ---------------------------------------------------------------- */

static void emit_line(void *ctx, json_t *line)
{
	struct run *r = ctx;
	/* One process, one thread, one fwrite per line: lines from different
	 * watches can never interleave or tear. */
	if (!r->output_failed && lb_ndjson_write(stdout, line) < 0) {
		r->output_failed = 1;
		if (errno != EPIPE)
			lb_warn(&r->cli.log, "standard output");
	}
}

static void emit_synced(struct run *r, const char *kind)
{
	json_t *line = json_pack("{s:s, s:s}", "type", "SYNCED", "kind", kind);
	emit_line(r, line);
	json_decref(line);
}

/* ---- connection ------------------------------------------------------------ */

static void connect_config(struct run *r)
{
	struct lb_err err;
	struct lb_k8s_conn *c = &r->conn;

	if (r->o.server) {
		memset(c, 0, sizeof(*c));
		c->server = strdup(r->o.server);
		size_t sl = strlen(c->server);
		while (sl > 0 && c->server[sl - 1] == '/')
			c->server[--sl] = '\0';
		if (r->o.token_file)
			c->token_file = strdup(r->o.token_file);
		if (r->o.ca_file)
			c->ca_file = strdup(r->o.ca_file);
	} else if (!r->o.kubeconfig && !getenv("KUBECONFIG") && getenv("KUBERNETES_SERVICE_HOST")) {
		if (lb_k8s_incluster(getenv("KUBERNETES_SERVICE_HOST"),
				     getenv("KUBERNETES_SERVICE_PORT"),
				     "/var/run/secrets/kubernetes.io/serviceaccount", c, &err) < 0)
			lb_fatalx(&r->cli.log, LB_EXIT_ENV, "in-cluster: %s", err.msg);
	} else {
		if (lb_kubeconfig_load(r->o.kubeconfig, getenv("KUBECONFIG"), getenv("HOME"),
				       r->o.context, c, &err) < 0)
			lb_fatalx(&r->cli.log, LB_EXIT_ENV, "%s", err.msg);
		if (r->o.token_file) {
			free(c->token_file);
			c->token_file = strdup(r->o.token_file);
		}
		if (r->o.ca_file) {
			free(c->ca_file);
			free(c->ca_data);
			c->ca_data = NULL;
			c->ca_file = strdup(r->o.ca_file);
		}
	}
	if (r->o.insecure)
		c->insecure = 1;
	if (c->insecure)
		lb_warnx(&r->cli.log, "WARNING: TLS verification is OFF for %s "
			 "(insecure-skip-tls-verify): anyone on the path can read and forge the "
			 "API traffic, including the token", c->server);
	if (strncmp(c->server, "https://", 8) && strncmp(c->server, "http://", 7))
		lb_fatalx(&r->cli.log, LB_EXIT_USAGE, "server '%s': not an http(s) URL", c->server);
}

static const struct lb_k8s_resource **resources_from_args(struct run *r, size_t *n)
{
	const struct lb_k8s_resource **res = calloc((size_t)r->cli.nargs + 1, sizeof(*res));
	*n = 0;
	for (int i = 0; i < r->cli.nargs; i++) {
		const char *a = r->cli.args[i];
		const struct lb_k8s_resource *x = lb_k8s_resource_find(a);
		if (!x)
			lb_cli_usage_error(&r->cli, "'%s': unknown resource (try services, nodes, "
				"endpointslices, namespaces, configmaps, leases, ipaddresspools, "
				"l2advertisements, bgpadvertisements, bgppeers, communities, "
				"bfdprofiles)", a);
		res[(*n)++] = x;
	}
	return res;
}

/* ---- watching the API -------------------------------------------------------- */

static int watch_api(struct run *r)
{
	struct lb_err err;
	size_t n;
	const struct lb_k8s_resource **res = resources_from_args(r, &n);
	if (!n)
		lb_cli_usage_error(&r->cli, "name at least one resource to watch (e.g. services)");
	connect_config(r);
	int sfd = lb_sig_open(0, &err);
	if (sfd < 0)
		lb_fatalx(&r->cli.log, LB_EXIT_ENV, "%s", err.msg);
	struct lb_k8s_watch_opts wo = {
		.conn = &r->conn,
		.log = &r->cli.log,
		.ns = r->o.ns,
		.label_selector = r->o.selector,
		.field_selector = r->o.field_selector,
		.trim = r->o.trim,
		.page_limit = r->o.page_limit > 0 ? (unsigned)r->o.page_limit : 500,
		.emit = emit_line,
		.ctx = r,
	};
	struct lb_k8s_watch *w = lb_k8s_watch_new(&wo, &err);
	if (!w)
		lb_fatalx(&r->cli.log, LB_EXIT_ENV, "%s", err.msg);
	for (size_t i = 0; i < n; i++) {
		if (lb_k8s_watch_add(w, res[i], &err) < 0)
			lb_fatalx(&r->cli.log, LB_EXIT_ENV, "%s", err.msg);
	}
	int code = LB_EXIT_OK;
	while (!r->output_failed) {
		int ready = lb_k8s_watch_poll(w, sfd, 1000, &err);
		if (ready < 0)
			lb_fatalx(&r->cli.log, LB_EXIT_ENV, "%s", err.msg);
		if (ready && (code = lb_sig_end_code(sfd)) != LB_EXIT_OK)
			break;
	}
	if (r->output_failed)
		code = LB_EXIT_ENV;
	lb_k8s_watch_free(w);
	free(res);
	close(sfd);
	return code;
}

/* ---- --from DIR ----------------------------------------------------------------- */

static void dir_warn(void *ctx, const char *msg)
{
	struct run *r = ctx;
	lb_warnx(&r->cli.log, "%s", msg);
}

static void dir_diff(void *ctx, enum lb_watch_type type, json_t *obj)
{
	struct run *r = ctx;
	json_t *line = json_pack("{s:s, s:O}", "type", lb_watch_type_name(type), "object", obj);
	emit_line(r, line);
	json_decref(line);
}

static int kind_wanted(struct run *r, const char *kind)
{
	size_t i;
	json_t *k;
	if (!r->cli.nargs)
		return 1;
	json_array_foreach(r->kinds, i, k) {
		if (!strcmp(json_string_value(k), kind))
			return 1;
	}
	return 0;
}

/* --namespace and --selector as the API applies them: cluster-scoped
 * objects have no namespace to filter on; an object whose labels stop
 * matching leaves the picture (DELETED), as from a filtered watch. */
static int in_scope(struct run *r, const json_t *obj)
{
	const json_t *meta = json_object_get(obj, "metadata");
	const char *ns = json_string_value(json_object_get(meta, "namespace"));
	if (r->o.ns && ns && strcmp(ns, r->o.ns))
		return 0;
	if (!r->sel)
		return 1;
	struct lb_labels *labels = NULL;
	struct lb_err err;
	const json_t *lj = json_object_get(meta, "labels");
	if (lj && lb_labels_from_json(lj, &labels, &err) < 0)
		return 0;
	int ok = lb_labelsel_matches(r->sel, labels);
	free(labels);
	return ok;
}

static void dir_scan(struct run *r, int first)
{
	struct lb_err err;
	json_t *all = json_object(), *fresh = json_object();
	if (lb_manifest_dir_load(r->o.from, r->cache, all, dir_warn, r, &err) < 0) {
		lb_errorx(&r->cli.log, "%s", err.msg);
		json_decref(all);
		json_decref(fresh);
		return;
	}
	const char *key;
	json_t *obj;
	json_object_foreach(all, key, obj) {
		const char *kind = json_string_value(json_object_get(obj, "kind"));
		if (!kind_wanted(r, kind) || !in_scope(r, obj))
			continue;
		if (r->o.status_dir && !strcmp(kind, "Service") &&
		    lb_status_file_overlay(r->o.status_dir, obj, &err) < 0)
			lb_warnx(&r->cli.log, "%s", err.msg);
		if (r->o.trim)
			lb_watch_object_trim(obj);
		json_object_set(fresh, key, obj);
	}
	lb_watch_store_replace(r->store, fresh, NULL, dir_diff, r);
	if (first) {
		/* Every kind asked for is complete, present or not: an empty
		 * directory is a complete picture too. */
		size_t i;
		json_t *k;
		json_array_foreach(r->kinds, i, k)
			emit_synced(r, json_string_value(k));
	}
	json_decref(all);
	json_decref(fresh);
}

static int add_watch(struct run *r, int fd, const char *dir)
{
	if (inotify_add_watch(fd, dir, IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE |
					       IN_CREATE | IN_ONLYDIR) < 0) {
		lb_warn(&r->cli.log, "inotify on %s", dir);
		return -1;
	}
	return 0;
}

static int watch_dir(struct run *r)
{
	struct lb_err err;
	size_t n;
	const struct lb_k8s_resource **res = resources_from_args(r, &n);
	r->kinds = json_array();
	if (n) {
		for (size_t i = 0; i < n; i++)
			json_array_append_new(r->kinds, json_string(res[i]->kind));
	} else {
		for (size_t i = 0; i < lb_k8s_resource_count(); i++)
			json_array_append_new(r->kinds, json_string(lb_k8s_resource_at(i)->kind));
	}
	free(res);
	r->store = json_object();
	r->cache = json_object();
	if (r->o.field_selector)
		lb_cli_usage_error(&r->cli, "--field-selector works against the API only, not --from");
	if (r->o.selector && lb_labelsel_parse(r->o.selector, &r->sel, &err) < 0)
		lb_cli_usage_error(&r->cli, "--selector: %s", err.msg);
	int sfd = lb_sig_open(0, &err);
	if (sfd < 0)
		lb_fatalx(&r->cli.log, LB_EXIT_ENV, "%s", err.msg);
	int ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (ifd < 0 || add_watch(r, ifd, r->o.from) < 0)
		lb_fatal(&r->cli.log, LB_EXIT_ENV, "inotify on %s", r->o.from);
	if (r->o.status_dir)
		add_watch(r, ifd, r->o.status_dir);
	dir_scan(r, 1);
	int code = LB_EXIT_OK;
	while (!r->output_failed) {
		struct pollfd pfd[2] = {{ifd, POLLIN, 0}, {sfd, POLLIN, 0}};
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			lb_fatal(&r->cli.log, LB_EXIT_ENV, "poll");
		}
		if (pfd[1].revents) {
			int sig = lb_sig_read(sfd);
			if (sig == SIGHUP) {
				dir_scan(r, 0);
			} else if (sig > 0) {
				code = lb_sig_exit_code(sig);
				break;
			}
		}
		if (pfd[0].revents) {
			char buf[8192];
			/* Many events for one save: drain them, wait a moment
			 * for the rest of a burst, then rescan once. */
			while (read(ifd, buf, sizeof(buf)) > 0)
				;
			struct timespec ts = {0, 20 * 1000 * 1000};
			nanosleep(&ts, NULL);
			while (read(ifd, buf, sizeof(buf)) > 0)
				;
			dir_scan(r, 0);
		}
	}
	if (r->output_failed)
		code = LB_EXIT_ENV;
	close(ifd);
	close(sfd);
	json_decref(r->store);
	json_decref(r->cache);
	json_decref(r->kinds);
	lb_labelsel_free(r->sel);
	return code;
}

/* ---- --apply ------------------------------------------------------------------- */

struct decision {
	const char *type, *ns, *name, *pool, *reason;
	const json_t *ips;
	json_t *line;
	char key[512];
};

static int parse_decision(const json_t *line, struct decision *d, struct lb_err *err)
{
	const char *svc = json_string_value(json_object_get(line, "service"));
	memset(d, 0, sizeof(*d));
	d->line = (json_t *)line;
	d->type = json_string_value(json_object_get(line, "type"));
	if (!d->type)
		return lb_err_set(err, "line without a \"type\" string");
	if (strcmp(d->type, "ASSIGNED") && strcmp(d->type, "RELEASED") &&
	    strcmp(d->type, "PENDING") && strcmp(d->type, "ERROR"))
		return lb_err_set(err, "unknown type '%.40s' (want ASSIGNED, RELEASED, PENDING, ERROR)",
				  d->type);
	if (!svc || !strchr(svc, '/') || strlen(svc) >= sizeof(d->key))
		return lb_err_set(err, "%s: \"service\" is not NAMESPACE/NAME", d->type);
	strcpy(d->key, svc);
	char *slash = strchr(d->key, '/');
	*slash = '\0';
	d->ns = d->key;
	d->name = slash + 1;
	if (!*d->ns || !*d->name || strchr(d->name, '/'))
		return lb_err_set(err, "%s: '%s' is not NAMESPACE/NAME", d->type, svc);
	d->ips = json_object_get(line, "ips");
	d->pool = json_string_value(json_object_get(line, "pool"));
	d->reason = json_string_value(json_object_get(line, "reason"));
	if (!strcmp(d->type, "ASSIGNED")) {
		size_t i;
		const json_t *ip;
		if (!json_is_array(d->ips) || !json_array_size(d->ips))
			return lb_err_set(err, "ASSIGNED %s: no \"ips\"", svc);
		json_array_foreach(d->ips, i, ip) {
			if (!json_is_string(ip))
				return lb_err_set(err, "ASSIGNED %s: ips[%zu] is not a string", svc, i);
		}
	}
	return 0;
}

/* Ours unless it names a class other than --class (MetalLB's rule: with
 * no class configured, only Services without spec.loadBalancerClass). */
static int class_is_ours(struct run *r, const json_t *svc)
{
	const char *cls = json_string_value(
		json_object_get(json_object_get(svc, "spec"), "loadBalancerClass"));
	if (!cls)
		return 1;
	return r->o.lb_class && !strcmp(cls, r->o.lb_class);
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* 409, 429 and 5xx are worth another try (RFC 9110 §15.5.10, §15.6; and
 * the API's own Conflict); so is a vanished Service for a while, since the
 * decision may have raced ahead of the object's creation being visible. */
static int retryable(long http)
{
	return http == 0 || http == 404 || http == 409 || http == 429 || http >= 500;
}

#define APPLY_ATTEMPTS 6
#define LOST_LEADERSHIP (-2)

static int is_leader(const struct run *r);
static void lease_tick(struct run *r);
static long long mono_ms(void);

static int api_call(struct run *r, const char *what, const char *method, const char *path,
		    const char *ct, const char *body, struct lb_k8s_response *resp)
{
	struct lb_err err;
	unsigned backoff = 250;
	for (int attempt = 1;; attempt++) {
		long http = 0;
		if (r->o.lease) {
			/* Long retries must not outlive the leadership. */
			if (mono_ms() >= r->lead.next_try_ms)
				lease_tick(r);
			if (!is_leader(r))
				return LOST_LEADERSHIP;
		}
		if (lb_k8s_request(&r->conn, method, path, ct, body, resp, &err) < 0) {
			if (attempt == 1)
				lb_warnx(&r->cli.log, "%s: %s; retrying", what, err.msg);
		} else {
			http = resp->http;
			if (http >= 200 && http < 300)
				return 0;
			char msg[400];
			lb_k8s_status_message(resp->body, resp->len, http, msg, sizeof(msg));
			if (!retryable(http) || attempt >= APPLY_ATTEMPTS) {
				lb_errorx(&r->cli.log, "%s: %s; giving up", what, msg);
				lb_k8s_response_free(resp);
				return -1;
			}
			if (attempt == 1)
				lb_warnx(&r->cli.log, "%s: %s; retrying", what, msg);
		}
		if (attempt >= APPLY_ATTEMPTS) {
			lb_errorx(&r->cli.log, "%s: giving up after %d attempts", what, attempt);
			return -1;
		}
		unsigned delay = backoff / 2 + (unsigned)(rand_r(&r->seed) % (backoff / 2 + 1));
		if (resp->retry_after >= 0 && (unsigned)resp->retry_after * 1000 > delay)
			delay = (unsigned)resp->retry_after * 1000;
		lb_k8s_response_free(resp);
		sleep_ms(delay);
		if (backoff < 8000)
			backoff *= 2;
	}
}

static void now_rfc3339(char *buf, size_t size)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void post_event(struct run *r, const struct decision *d, const json_t *svc)
{
	char path[700], now[32], name[400];
	struct lb_k8s_response resp;
	now_rfc3339(now, sizeof(now));
	snprintf(name, sizeof(name), "%.240s.%lx%04x", d->name, (unsigned long)time(NULL),
		 (unsigned)(rand_r(&r->seed) & 0xffff));
	const char *uid = json_string_value(
		json_object_get(json_object_get(svc, "metadata"), "uid"));
	/* MetalLB's controller reports an allocation failure as a Warning
	 * Event with reason AllocationFailed; kubectl describe shows it. */
	json_t *ev = json_pack(
		"{s:s, s:s, s:{s:s, s:s}, s:{s:s, s:s, s:s, s:s, s:s?}, s:s, s:s, s:s, s:s, s:s, "
		"s:i, s:{s:s}, s:s, s:s}",
		"apiVersion", "v1", "kind", "Event", "metadata", "name", name, "namespace", d->ns,
		"involvedObject", "apiVersion", "v1", "kind", "Service", "namespace", d->ns, "name",
		d->name, "uid", uid, "reason", "AllocationFailed", "message",
		d->reason ? d->reason : d->type, "type", "Warning", "firstTimestamp", now,
		"lastTimestamp", now, "count", 1, "source", "component", "lb-watch",
		"reportingComponent", "lb-watch", "reportingInstance", "lb-watch");
	char *body = json_dumps(ev, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(ev);
	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/events", d->ns);
	char what[600];
	snprintf(what, sizeof(what), "Event on %s/%s", d->ns, d->name);
	if (api_call(r, what, "POST", path, "application/json", body, &resp) == 0)
		lb_k8s_response_free(&resp);
	free(body);
}

static void requeue(struct run *r, const struct decision *d)
{
	char key[600];
	snprintf(key, sizeof(key), "%s/%s", d->ns, d->name);
	if (!json_object_get(r->lead.pending, key))
		json_object_set(r->lead.pending, key, d->line);
}

static void apply_api(struct run *r, const struct decision *d)
{
	char path[700], what[600];
	struct lb_k8s_response resp;
	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/services/%s", d->ns, d->name);
	snprintf(what, sizeof(what), "Service %s/%s", d->ns, d->name);
	int rc = api_call(r, what, "GET", path, NULL, NULL, &resp);
	if (rc == LOST_LEADERSHIP)
		requeue(r, d);
	if (rc < 0)
		return;
	json_t *svc = json_loadb(resp.body ? resp.body : "", resp.len, 0, NULL);
	lb_k8s_response_free(&resp);
	if (!json_is_object(svc)) {
		lb_errorx(&r->cli.log, "%s: the API returned no Service object", what);
		json_decref(svc);
		return;
	}
	if (!class_is_ours(r, svc)) {
		lb_debug(&r->cli.log, "%s: loadBalancerClass is not ours; nothing written", what);
		json_decref(svc);
		return;
	}
	if (!strcmp(d->type, "PENDING") || !strcmp(d->type, "ERROR")) {
		post_event(r, d, svc);
		json_decref(svc);
		return;
	}
	int assigned = !strcmp(d->type, "ASSIGNED");
	json_t *ingress = json_null();
	if (assigned) {
		size_t i;
		const json_t *ip;
		ingress = json_array();
		json_array_foreach(d->ips, i, ip)
			json_array_append_new(ingress, json_pack("{s:O}", "ip", ip));
	}
	/* A merge patch replaces lists whole (RFC 7396 §2), so ingress ends up
	 * holding exactly the assigned addresses; null removes it. */
	json_t *patch = json_pack("{s:{s:{s:o}}}", "status", "loadBalancer", "ingress", ingress);
	char *body = json_dumps(patch, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(patch);
	char spath[800];
	snprintf(spath, sizeof(spath), "%s/status", path);
	rc = api_call(r, what, "PATCH", spath, "application/merge-patch+json", body, &resp);
	int ok = rc == 0;
	free(body);
	if (rc == LOST_LEADERSHIP)
		requeue(r, d);
	if (ok)
		lb_k8s_response_free(&resp);
	/* The /status subresource ignores metadata changes on a real server,
	 * so the pool annotation (MetalLB v0.14+) takes its own patch. */
	const char *cur = json_string_value(json_object_get(
		json_object_get(json_object_get(svc, "metadata"), "annotations"), LB_ANN_ALLOCATED));
	const char *want = assigned ? d->pool : NULL;
	if (ok && !(cur == want || (cur && want && !strcmp(cur, want)))) {
		json_t *mp = json_pack("{s:{s:{s:o}}}", "metadata", "annotations", LB_ANN_ALLOCATED,
				       want ? json_string(want) : json_null());
		body = json_dumps(mp, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(mp);
		rc = api_call(r, what, "PATCH", path, "application/merge-patch+json", body, &resp);
		if (rc == 0)
			lb_k8s_response_free(&resp);
		else if (rc == LOST_LEADERSHIP)
			requeue(r, d);
		free(body);
	}
	if (ok)
		lb_info(&r->cli.log, "%s: %s", what, assigned ? "status written" : "status cleared");
	json_decref(svc);
}

static json_t *find_service(struct run *r, const struct decision *d)
{
	char key[800];
	snprintf(key, sizeof(key), "Service/%s/%s", d->ns, d->name);
	return json_object_get(r->store, key);
}

static void apply_dir(struct run *r, const struct decision *d)
{
	struct lb_err err;
	if (r->o.from) {
		const json_t *svc = find_service(r, d);
		/* A deleted Service has no status in the API either: its file
		 * goes, or a Service created later under the same name would
		 * come back holding the released address. */
		if (!svc && strcmp(d->type, "RELEASED")) {
			lb_warnx(&r->cli.log, "Service %s/%s: not in %s; nothing written", d->ns,
				 d->name, r->o.from);
			return;
		}
		if (svc && !class_is_ours(r, svc))
			return;
	}
	if (!strcmp(d->type, "PENDING") || !strcmp(d->type, "ERROR")) {
		lb_warnx(&r->cli.log, "Service %s/%s: %s: %s", d->ns, d->name, d->type,
			 d->reason ? d->reason : "no reason given");
		return;
	}
	int assigned = !strcmp(d->type, "ASSIGNED");
	if (lb_status_file_write(r->o.status_dir, d->ns, d->name, assigned ? d->ips : NULL,
				 d->pool, &err) < 0)
		lb_errorx(&r->cli.log, "%s", err.msg);
}

static void reload_from(struct run *r)
{
	struct lb_err err;
	json_t *fresh = json_object();
	if (lb_manifest_dir_load(r->o.from, r->cache, fresh, dir_warn, r, &err) < 0)
		lb_errorx(&r->cli.log, "%s", err.msg);
	json_decref(r->store);
	r->store = fresh;
}

static long long mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static double wall_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int renew_deadline_ms(const struct run *r)
{
	return r->o.lease_duration * 2000 / 3;
}

static int is_leader(const struct run *r)
{
	return r->lead.role == 1 && mono_ms() - r->lead.last_renew_ms < renew_deadline_ms(r);
}

static void set_role(struct run *r, int role, const char *holder)
{
	if (r->lead.role == role)
		return;
	r->lead.role = role;
	char lease[520];
	snprintf(lease, sizeof(lease), "%s/%s", r->lead.ns, r->lead.name);
	json_t *line = json_pack("{s:s, s:s, s:s}", "type", role ? "LEADER" : "FOLLOWER",
				 "identity", r->o.identity, "lease", lease);
	if (!role && holder && *holder)
		json_object_set_new(line, "holder", json_string(holder));
	emit_line(r, line);
	json_decref(line);
	if (role)
		lb_info(&r->cli.log, "lease %s/%s: now the leader (%s)", r->lead.ns, r->lead.name,
			r->o.identity);
	else
		lb_info(&r->cli.log, "lease %s/%s: following%s%s; writing nothing", r->lead.ns,
			r->lead.name, holder && *holder ? " " : "", holder ? holder : "");
}

static void apply_api(struct run *r, const struct decision *d);

static void apply_api_guarded(struct run *r, const struct decision *d)
{
	r->lead.applying = 1;
	apply_api(r, d);
	r->lead.applying = 0;
}

static void flush_pending(struct run *r)
{
	const char *key;
	json_t *line;
	void *tmp;
	json_object_foreach_safe(r->lead.pending, tmp, key, line) {
		struct decision d;
		struct lb_err err;
		if (!is_leader(r))
			return;
		json_incref(line);
		json_object_del(r->lead.pending, key);
		if (parse_decision(line, &d, &err) == 0)
			apply_api_guarded(r, &d);
		json_decref(line);
	}
}

/* One round of the election: read the Lease, then create, renew, take
 * over or follow. A write carries the resourceVersion read, so a rival
 * that wrote first makes it fail with 409 and this side follows. */
static void lease_tick(struct run *r)
{
	struct leader *l = &r->lead;
	struct lb_k8s_response resp;
	struct lb_err err;
	char path[700], item[1000];
	snprintf(path, sizeof(path), "/apis/coordination.k8s.io/v1/namespaces/%s/leases", l->ns);
	snprintf(item, sizeof(item), "%s/%s", path, l->name);
	l->next_try_ms = mono_ms() + LEASE_RETRY_MS(r);

	json_t *lease = NULL;
	if (lb_k8s_request(&r->conn, "GET", item, NULL, NULL, &resp, &err) < 0) {
		lb_debug(&r->cli.log, "lease: %s", err.msg);
		goto check;
	}
	if (resp.http == 200) {
		lease = json_loadb(resp.body ? resp.body : "", resp.len, 0, NULL);
	} else if (resp.http != 404) {
		char msg[400];
		lb_k8s_status_message(resp.body, resp.len, resp.http, msg, sizeof(msg));
		lb_debug(&r->cli.log, "lease %s/%s: %s", l->ns, l->name, msg);
		lb_k8s_response_free(&resp);
		goto check;
	}
	lb_k8s_response_free(&resp);
	json_t *want;
	enum lb_lease_action act = lb_lease_decide(&l->obs, lease, l->ns, l->name, r->o.identity,
						   r->o.lease_duration, mono_ms(), wall_now(),
						   &want);
	json_decref(lease);
	if (act == LB_LEASE_WAIT) {
		set_role(r, 0, l->obs.holder);
		return;
	}
	char *body = json_dumps(want, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(want);
	long long sent = mono_ms();
	int rc = lb_k8s_request(&r->conn, act == LB_LEASE_CREATE ? "POST" : "PUT",
				act == LB_LEASE_CREATE ? path : item, "application/json", body,
				&resp, &err);
	free(body);
	if (rc == 0 && resp.http >= 200 && resp.http < 300) {
		l->last_renew_ms = sent;
		lb_k8s_response_free(&resp);
		set_role(r, 1, NULL);
		if (!l->applying)
			flush_pending(r);
		return;
	}
	if (rc == 0 && (resp.http == 409 || resp.http == 422)) {
		lb_k8s_response_free(&resp);
		/* Another candidate wrote first. */
		if (l->role != 1)
			set_role(r, 0, l->obs.holder);
		goto check;
	}
	if (rc == 0)
		lb_k8s_response_free(&resp);
check:
	if (l->role == 1 && !is_leader(r))
		set_role(r, 0, "");
	else if (l->role == -1)
		set_role(r, 0, l->obs.holder);
}

static void handle_decision(struct run *r, json_t *line, const struct decision *d)
{
	if (r->o.status_dir) {
		apply_dir(r, d);
		return;
	}
	if (r->o.lease && !is_leader(r)) {
		/* Kept, latest per Service, for the day this side leads. */
		char key[600];
		snprintf(key, sizeof(key), "%s/%s", d->ns, d->name);
		json_object_set(r->lead.pending, key, line);
		return;
	}
	apply_api_guarded(r, d);
}

static int apply_line(void *ctx, json_t *line, struct lb_err *err)
{
	struct run *r = ctx;
	struct decision d;
	if (parse_decision(line, &d, err) < 0)
		return -1;
	handle_decision(r, line, &d);
	return 0;
}

static int apply(struct run *r)
{
	struct lb_err err;
	if (r->cli.nargs)
		lb_cli_usage_error(&r->cli, "--apply takes no resource names");
	if (!r->o.status_dir)
		connect_config(r);
	if (r->o.from) {
		r->cache = json_object();
		r->store = json_object();
	}
	r->lead.role = -1;
	r->lead.pending = json_object();
	if (r->o.lease) {
		const char *slash = strchr(r->o.lease, '/');
		if (!slash || slash == r->o.lease || !slash[1] || strchr(slash + 1, '/') ||
		    (size_t)(slash - r->o.lease) >= sizeof(r->lead.ns) ||
		    strlen(slash + 1) >= sizeof(r->lead.name))
			lb_cli_usage_error(&r->cli, "--lease: '%s' is not NAMESPACE/NAME", r->o.lease);
		snprintf(r->lead.ns, sizeof(r->lead.ns), "%.*s", (int)(slash - r->o.lease),
			 r->o.lease);
		snprintf(r->lead.name, sizeof(r->lead.name), "%s", slash + 1);
		lease_tick(r);
	}
	int sfd = lb_sig_open(0, &err);
	if (sfd < 0)
		lb_fatalx(&r->cli.log, LB_EXIT_ENV, "%s", err.msg);
	struct lb_ndjson_reader rd;
	lb_ndjson_reader_init(&rd, "<stdin>", 0);
	int code = LB_EXIT_OK, bad = 0;
	for (;;) {
		struct pollfd pfd[2] = {{STDIN_FILENO, POLLIN, 0}, {sfd, POLLIN, 0}};
		int timeout = -1;
		if (r->o.lease) {
			long long left = r->lead.next_try_ms - mono_ms();
			timeout = left < 0 ? 0 : (int)left;
		}
		int ready = poll(pfd, 2, timeout);
		if (r->o.lease && mono_ms() >= r->lead.next_try_ms)
			lease_tick(r);
		if (ready == 0)
			continue;
		if (ready < 0) {
			if (errno == EINTR)
				continue;
			lb_fatal(&r->cli.log, LB_EXIT_ENV, "poll");
		}
		if (pfd[1].revents && (code = lb_sig_end_code(sfd)) != LB_EXIT_OK)
			break;
		if (!pfd[0].revents)
			continue;
		ssize_t got = lb_ndjson_read_fd(&rd, STDIN_FILENO, &err);
		if (got < 0 && errno != EAGAIN && errno != EINTR)
			lb_fatalx(&r->cli.log, LB_EXIT_ENV, "%s", err.msg);
		if (r->o.from)
			reload_from(r);
		if (lb_line_input_drain(&rd, apply_line, r, &r->cli.log))
			bad = 1;
		if (got == 0)
			break;
	}
	lb_ndjson_reader_free(&rd);
	close(sfd);
	json_decref(r->store);
	json_decref(r->cache);
	json_decref(r->lead.pending);
	return code == LB_EXIT_OK && bad ? LB_EXIT_USAGE : code;
}

int main(int argc, const char **argv)
{
	struct run r = {0};
	const struct poptOption options[] = {
		{"kubeconfig", 0, POPT_ARG_STRING, &r.o.kubeconfig, 0,
		 "kubeconfig file (default: $KUBECONFIG, a colon list merged as kubectl does, "
		 "else ~/.kube/config; in a Pod, the service account)", "FILE"},
		{"context", 0, POPT_ARG_STRING, &r.o.context, 0,
		 "kubeconfig context (default: current-context)", "NAME"},
		{"server", 0, POPT_ARG_STRING, &r.o.server, 0,
		 "API server URL, instead of a kubeconfig", "URL"},
		{"token-file", 0, POPT_ARG_STRING, &r.o.token_file, 0,
		 "bearer token file, re-read at every request", "FILE"},
		{"ca-file", 0, POPT_ARG_STRING, &r.o.ca_file, 0,
		 "CA certificates that sign the server's certificate", "FILE"},
		{"insecure-skip-tls-verify", 0, POPT_ARG_NONE, &r.o.insecure, 0,
		 "do not verify the server's certificate (dangerous; warns)", NULL},
		{"namespace", 'n', POPT_ARG_STRING, &r.o.ns, 0,
		 "only this namespace (default: all)", "NS"},
		{"selector", 'l', POPT_ARG_STRING, &r.o.selector, 0, "label selector", "SELECTOR"},
		{"field-selector", 0, POPT_ARG_STRING, &r.o.field_selector, 0, "field selector",
		 "SELECTOR"},
		{"trim", 0, POPT_ARG_NONE, &r.o.trim, 0,
		 "drop metadata.managedFields and kubectl's last-applied-configuration", NULL},
		{"page-size", 0, POPT_ARG_INT, &r.o.page_limit, 0,
		 "objects per list page (default 500)", "N"},
		{"from", 0, POPT_ARG_STRING, &r.o.from, 0,
		 "read manifests from DIR instead of the API, and follow its changes", "DIR"},
		{"apply", 0, POPT_ARG_NONE, &r.o.apply, 0,
		 "read lb-alloc lines on stdin and write Service status", NULL},
		{"status-dir", 0, POPT_ARG_STRING, &r.o.status_dir, 0,
		 "without a cluster: status files (one per Service) written by --apply and "
		 "overlaid by --from", "DIR"},
		{"class", 0, POPT_ARG_STRING, &r.o.lb_class, 0,
		 "--apply: write only Services of this spec.loadBalancerClass (default: only "
		 "Services without one)", "NAME"},
		{"lease", 0, POPT_ARG_STRING, &r.o.lease, 0,
		 "--apply: write only while holding this coordination.k8s.io Lease", "NS/NAME"},
		{"identity", 0, POPT_ARG_STRING, &r.o.identity, 0,
		 "--lease: this candidate's name (default: the host name)", "ID"},
		{"lease-duration", 0, POPT_ARG_INT, &r.o.lease_duration, 0,
		 "--lease: seconds a Lease lasts without renewal (default 15)", "SECONDS"},
		POPT_TABLEEND,
	};
	const struct lb_cli_spec spec = {
		.prog = "lb-watch",
		.args = "[OPTION...] RESOURCE... | --from DIR [RESOURCE...] | --apply",
		.summary = "Kubernetes resources (or manifests in a directory) as a stream of watch "
			   "events, one JSON line each;\nwith --apply, lb-alloc decisions written "
			   "back as Service status.",
		.man_section = "1",
		.options = options,
		.words = NULL,
		.on_option = NULL,
		.ctx = &r.o,
	};
	lb_cli_parse(&r.cli, &spec, argc, argv);
	r.seed = (unsigned)time(NULL) ^ (unsigned)getpid();
	if (r.o.page_limit < 0)
		lb_cli_usage_error(&r.cli, "--page-size: must be positive");
	if (r.o.status_dir && !r.o.apply && !r.o.from)
		lb_cli_usage_error(&r.cli, "--status-dir needs --from or --apply");
	if (r.o.lease && (!r.o.apply || r.o.status_dir))
		lb_cli_usage_error(&r.cli, "--lease needs --apply against the API (not --status-dir)");
	if (!r.o.lease_duration)
		r.o.lease_duration = 15;
	if (r.o.lease_duration < 3)
		lb_cli_usage_error(&r.cli, "--lease-duration: at least 3 seconds");
	char host[256];
	char *identity_opt = r.o.identity;
	if (!r.o.identity && gethostname(host, sizeof(host)) == 0) {
		host[sizeof(host) - 1] = '\0';
		r.o.identity = host;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		lb_fatalx(&r.cli.log, LB_EXIT_ENV, "libcurl initialisation failed");
	int code;
	if (r.o.apply)
		code = apply(&r);
	else if (r.o.from)
		code = watch_dir(&r);
	else
		code = watch_api(&r);
	lb_k8s_conn_free(&r.conn);
	curl_global_cleanup();
	char *strings[] = {r.o.kubeconfig, r.o.context, r.o.server, r.o.token_file, r.o.ca_file,
			   r.o.ns, r.o.selector, r.o.field_selector, r.o.from, r.o.status_dir,
			   r.o.lb_class, r.o.lease, identity_opt};
	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
		free(strings[i]);
	return lb_cli_finish(&r.cli, code);
}
