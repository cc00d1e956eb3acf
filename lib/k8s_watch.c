#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "k8s_watch.h"
#include "watch_event.h"
#include "watch_stream.h"

/* A list page or an error body larger than this is refused: Kubernetes
 * pages of 500 objects stay far below it. */
#define MAX_BODY (256u << 20)

enum phase { PH_LIST, PH_WATCH, PH_WAIT };

struct rwatch {
	struct lb_k8s_watch *w;
	const struct lb_k8s_resource *res;
	const char *version;
	char api_version[96];
	enum phase phase, after_wait;
	CURL *h;
	struct curl_slist *headers;
	char errbuf[CURL_ERROR_SIZE];
	char *body;
	size_t len, cap;
	struct lb_watch_stream stream;
	int reader_live;
	long http;
	int connected;   /* watch: response headers said 200 */
	int expired;     /* watch: an ERROR event carried 410 */
	char stream_err[300];
	char *cont;      /* list: continue token of the next page */
	json_t *fresh;   /* list: key -> object, being assembled */
	json_t *store;   /* key -> object, as last emitted */
	char rv[80];
	int failing;
	char last_err[300];
	unsigned backoff_ms;
	long long due_ms;
};

struct lb_k8s_watch {
	struct lb_k8s_watch_opts o;
	CURLM *multi;
	struct rwatch **rw;
	size_t n;
	unsigned seed;
};

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void lb_k8s_status_message(const char *body, size_t len, long http, char *buf, size_t size)
{
	json_t *st = body ? json_loadb(body, len, 0, NULL) : NULL;
	const char *msg = json_string_value(json_object_get(st, "message"));
	const char *reason = json_string_value(json_object_get(st, "reason"));

	if (msg)
		snprintf(buf, size, "HTTP %ld %s: %s", http, reason ? reason : "", msg);
	else if (body && len)
		snprintf(buf, size, "HTTP %ld: %.*s", http, (int)(len > 120 ? 120 : len), body);
	else
		snprintf(buf, size, "HTTP %ld", http);
	json_decref(st);
	for (char *p = buf; *p; p++) {
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	}
}

static void emit(struct rwatch *rw, const char *type, json_t *obj)
{
	json_t *line = json_object();
	json_object_set_new(line, "type", json_string(type));
	if (obj)
		json_object_set(line, "object", obj);
	else
		json_object_set_new(line, "kind", json_string(rw->res->kind));
	rw->w->o.emit(rw->w->o.ctx, line);
	json_decref(line);
}

/* What is kept of each object, under "ns/name": "RESOURCEVERSION UID",
 * enough to tell whether a re-listed object changed and to say which one
 * a DELETED line after a re-list is about. Whole objects would cost
 * kilobytes each at 100k Services. */
static int store_key(const json_t *obj, char *buf, size_t size)
{
	const json_t *meta = json_object_get(obj, "metadata");
	const char *ns = json_string_value(json_object_get(meta, "namespace"));
	const char *name = json_string_value(json_object_get(meta, "name"));
	int n;

	if (!name || !*name)
		return -1;
	n = ns && *ns ? snprintf(buf, size, "%s/%s", ns, name) : snprintf(buf, size, "%s", name);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

static json_t *store_value(const json_t *obj)
{
	const json_t *meta = json_object_get(obj, "metadata");
	const char *rv = json_string_value(json_object_get(meta, "resourceVersion"));
	const char *uid = json_string_value(json_object_get(meta, "uid"));
	char buf[300];
	snprintf(buf, sizeof(buf), "%s %s", rv ? rv : "", uid ? uid : "");
	return json_string(buf);
}

static int same_version(const json_t *stored, const json_t *obj)
{
	const char *rv = json_string_value(
		json_object_get(json_object_get(obj, "metadata"), "resourceVersion"));
	const char *s = json_string_value(stored);
	size_t len = strcspn(s, " ");
	return rv && *rv && strlen(rv) == len && !strncmp(rv, s, len);
}

/* The object a DELETED line after a re-list carries: its identity. */
static json_t *tombstone(const struct rwatch *rw, const char *key, const json_t *stored)
{
	const char *s = json_string_value(stored);
	const char *sp = strchr(s, ' ');
	const char *slash = rw->res->namespaced ? strchr(key, '/') : NULL;
	json_t *meta = json_object();

	if (slash) {
		json_object_set_new(meta, "name", json_string(slash + 1));
		json_object_set_new(meta, "namespace", json_stringn(key, (size_t)(slash - key)));
	} else {
		json_object_set_new(meta, "name", json_string(key));
	}
	if (sp && sp[1])
		json_object_set_new(meta, "uid", json_string(sp + 1));
	json_object_set_new(meta, "resourceVersion", json_stringn(s, sp ? (size_t)(sp - s) : strlen(s)));
	return json_pack("{s:s, s:s, s:o}", "apiVersion", rw->api_version, "kind", rw->res->kind,
			 "metadata", meta);
}

/* One line per change of state: a server that stays down is logged once,
 * not at every retry. */
static void fail(struct rwatch *rw, const char *msg)
{
	struct lb_k8s_watch *w = rw->w;
	if (!rw->failing || strcmp(rw->last_err, msg))
		lb_warnx(w->o.log, "%s: %s; retrying with back-off", rw->res->plural, msg);
	rw->failing = 1;
	snprintf(rw->last_err, sizeof(rw->last_err), "%s", msg);
	unsigned lo = w->o.backoff_min_ms ? w->o.backoff_min_ms : 250;
	unsigned hi = w->o.backoff_max_ms ? w->o.backoff_max_ms : 30000;
	rw->backoff_ms = rw->backoff_ms ? rw->backoff_ms * 2 : lo;
	if (rw->backoff_ms > hi)
		rw->backoff_ms = hi;
	/* Full jitter over the upper half, so that many clients restarted by
	 * one outage do not come back in step. */
	unsigned delay = rw->backoff_ms / 2 + (unsigned)(rand_r(&w->seed) % (rw->backoff_ms / 2 + 1));
	rw->after_wait = rw->phase == PH_WATCH ? PH_WATCH : PH_LIST;
	rw->phase = PH_WAIT;
	rw->due_ms = now_ms() + delay;
}

static void healthy(struct rwatch *rw)
{
	if (rw->failing)
		lb_info(rw->w->o.log, "%s: connected again", rw->res->plural);
	rw->failing = 0;
	rw->last_err[0] = '\0';
	rw->backoff_ms = 0;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *ctx);
static size_t on_header(char *data, size_t size, size_t nmemb, void *ctx);
static int watch_event(void *ctx, const struct lb_watch_event *we, json_t *ev);
static void watch_bad(void *ctx, const char *msg);

static int append_param(char *url, size_t size, CURL *h, const char *name, const char *value)
{
	char *esc = curl_easy_escape(h, value, 0);
	if (!esc)
		return -1;
	size_t used = strlen(url);
	int n = snprintf(url + used, size - used, "%s%s=%s", strchr(url, '?') ? "&" : "?", name, esc);
	curl_free(esc);
	return n < 0 || (size_t)n >= size - used ? -1 : 0;
}

static void reset_transfer(struct rwatch *rw)
{
	if (rw->h) {
		curl_multi_remove_handle(rw->w->multi, rw->h);
		curl_easy_cleanup(rw->h);
		rw->h = NULL;
	}
	curl_slist_free_all(rw->headers);
	rw->headers = NULL;
	rw->len = 0;
	rw->http = 0;
	rw->connected = 0;
	rw->expired = 0;
	rw->stream_err[0] = '\0';
	if (rw->reader_live)
		lb_watch_stream_free(&rw->stream);
	rw->reader_live = 0;
}

static int start(struct rwatch *rw, enum phase ph)
{
	struct lb_k8s_watch *w = rw->w;
	struct lb_err err;
	char path[512], url[8192];

	reset_transfer(rw);
	rw->phase = ph;
	if (lb_k8s_resource_path(rw->res, rw->version, w->o.ns, path, sizeof(path), &err) < 0) {
		fail(rw, err.msg);
		return -1;
	}
	rw->h = curl_easy_init();
	if (!rw->h) {
		fail(rw, "out of memory");
		return -1;
	}
	snprintf(url, sizeof(url), "%s%s", w->o.conn->server, path);
	int bad = 0;
	if (w->o.label_selector)
		bad |= append_param(url, sizeof(url), rw->h, "labelSelector", w->o.label_selector);
	if (w->o.field_selector)
		bad |= append_param(url, sizeof(url), rw->h, "fieldSelector", w->o.field_selector);
	if (ph == PH_LIST) {
		char lim[16];
		snprintf(lim, sizeof(lim), "%u", w->o.page_limit ? w->o.page_limit : 500);
		bad |= append_param(url, sizeof(url), rw->h, "limit", lim);
		if (rw->cont)
			bad |= append_param(url, sizeof(url), rw->h, "continue", rw->cont);
		curl_easy_setopt(rw->h, CURLOPT_TIMEOUT, 120L);
	} else {
		/* client-go spreads watch lifetimes over [5, 10) minutes so that
		 * a server restart does not make every client re-watch at once. */
		char to[16];
		snprintf(to, sizeof(to), "%u", 300 + (unsigned)(rand_r(&w->seed) % 300));
		bad |= append_param(url, sizeof(url), rw->h, "watch", "1");
		bad |= append_param(url, sizeof(url), rw->h, "resourceVersion", rw->rv);
		bad |= append_param(url, sizeof(url), rw->h, "allowWatchBookmarks", "true");
		bad |= append_param(url, sizeof(url), rw->h, "timeoutSeconds", to);
		lb_watch_stream_init(&rw->stream, rw->res->plural);
		rw->stream.on_event = watch_event;
		rw->stream.on_bad = watch_bad;
		rw->stream.ctx = rw;
		rw->reader_live = 1;
	}
	if (bad) {
		fail(rw, "request URL too long (selectors?)");
		return -1;
	}
	if (lb_k8s_conn_setup(w->o.conn, rw->h, &rw->headers, &err) < 0) {
		fail(rw, err.msg);
		return -1;
	}
	rw->headers = curl_slist_append(rw->headers, "Accept: application/json");
	curl_easy_setopt(rw->h, CURLOPT_URL, url);
	curl_easy_setopt(rw->h, CURLOPT_HTTPHEADER, rw->headers);
	curl_easy_setopt(rw->h, CURLOPT_USERAGENT, "lb-watch/" LBKIT_VERSION);
	curl_easy_setopt(rw->h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(rw->h, CURLOPT_WRITEDATA, rw);
	curl_easy_setopt(rw->h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(rw->h, CURLOPT_HEADERDATA, rw);
	curl_easy_setopt(rw->h, CURLOPT_PRIVATE, rw);
	curl_easy_setopt(rw->h, CURLOPT_ERRORBUFFER, rw->errbuf);
	curl_easy_setopt(rw->h, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(rw->h, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(rw->h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(rw->h, CURLOPT_ACCEPT_ENCODING, "");
	rw->errbuf[0] = '\0';
	if (curl_multi_add_handle(w->multi, rw->h) != CURLM_OK) {
		fail(rw, "cannot start a transfer");
		return -1;
	}
	return 0;
}

static int buffer_body(struct rwatch *rw, const char *data, size_t n)
{
	if (rw->len + n > MAX_BODY)
		return -1;
	if (rw->cap - rw->len < n + 1) {
		size_t cap = rw->cap ? rw->cap : 65536;
		while (cap - rw->len < n + 1)
			cap *= 2;
		char *grown = realloc(rw->body, cap);
		if (!grown)
			return -1;
		rw->body = grown;
		rw->cap = cap;
	}
	memcpy(rw->body + rw->len, data, n);
	rw->len += n;
	rw->body[rw->len] = '\0';
	return 0;
}

static void watch_bad(void *ctx, const char *msg)
{
	struct rwatch *rw = ctx;
	lb_warnx(rw->w->o.log, "%s: skipping a watch event: %s", rw->res->plural, msg);
}

/* Returns non-zero to end the transfer: an ERROR event ends the watch (410:
 * history expired, re-list; anything else: back off and retry). */
static int watch_event(void *ctx, const struct lb_watch_event *we, json_t *ev)
{
	struct rwatch *rw = ctx;
	(void)ev;

	switch (we->type) {
	case LB_WATCH_BOOKMARK:
		snprintf(rw->rv, sizeof(rw->rv), "%s", we->rv);
		return 0;
	case LB_WATCH_ERROR: {
		const char *m = json_string_value(json_object_get(we->object, "message"));
		if (we->code == 410)
			rw->expired = 1;
		else
			snprintf(rw->stream_err, sizeof(rw->stream_err), "watch ERROR %d: %s",
				 we->code, m ? m : "(no message)");
		return 1;
	}
	default:
		break;
	}
	if (rw->w->o.trim)
		lb_watch_object_trim(we->object);
	snprintf(rw->rv, sizeof(rw->rv), "%s", we->rv);
	char key[800];
	if (store_key(we->object, key, sizeof(key)) == 0) {
		if (we->type == LB_WATCH_DELETED)
			json_object_del(rw->store, key);
		else
			json_object_set_new(rw->store, key, store_value(we->object));
	}
	emit(rw, lb_watch_type_name(we->type), we->object);
	return 0;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *ctx)
{
	struct rwatch *rw = ctx;
	size_t n = size * nmemb;
	if (n <= 2 && (data[0] == '\r' || data[0] == '\n')) {
		curl_easy_getinfo(rw->h, CURLINFO_RESPONSE_CODE, &rw->http);
		if (rw->phase == PH_WATCH && rw->http == 200) {
			rw->connected = 1;
			healthy(rw);
		}
	}
	return n;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *ctx)
{
	struct rwatch *rw = ctx;
	size_t n = size * nmemb;
	struct lb_err err;

	if (rw->phase != PH_WATCH || !rw->connected)
		return buffer_body(rw, data, n) < 0 ? 0 : n;
	if (lb_watch_stream_feed(&rw->stream, data, n, &err) < 0)
		return 0;
	/* Ending the transfer here is how a watch that reported an error
	 * (or 410) is given up; the done handler knows why. */
	return rw->expired || rw->stream_err[0] ? 0 : n;
}

static void list_done(struct rwatch *rw)
{
	struct lb_k8s_watch *w = rw->w;
	json_error_t jerr;
	json_t *list = json_loadb(rw->body, rw->len, 0, &jerr);
	char msg[400];

	if (!json_is_object(list) || !json_is_array(json_object_get(list, "items"))) {
		snprintf(msg, sizeof(msg), "list: response is not a List: %s", jerr.text);
		json_decref(list);
		free(rw->cont);
		rw->cont = NULL;
		fail(rw, msg);
		return;
	}
	if (!rw->fresh)
		rw->fresh = json_object();
	size_t i;
	json_t *item;
	json_array_foreach(json_object_get(list, "items"), i, item) {
		char key[800];
		lb_watch_object_complete(item, rw->res->kind, rw->api_version);
		const json_t *meta = json_object_get(item, "metadata");
		const char *name = json_string_value(json_object_get(meta, "name"));
		if (!json_is_object(meta) || !name || store_key(item, key, sizeof(key)) < 0) {
			lb_warnx(w->o.log, "%s: skipping list item %zu: no metadata.name",
				 rw->res->plural, i);
			continue;
		}
		if (w->o.trim)
			lb_watch_object_trim(item);
		/* Emitted page by page, so memory holds one page, not the
		 * whole list; a re-list emits only what differs from before. */
		const json_t *old = json_object_get(rw->store, key);
		if (!old)
			emit(rw, "ADDED", item);
		else if (!same_version(old, item))
			emit(rw, "MODIFIED", item);
		json_object_set_new(rw->store, key, store_value(item));
		json_object_set_new(rw->fresh, key, json_true());
	}
	const json_t *lmeta = json_object_get(list, "metadata");
	const char *cont = json_string_value(json_object_get(lmeta, "continue"));
	const char *rv = json_string_value(json_object_get(lmeta, "resourceVersion"));
	free(rw->cont);
	rw->cont = cont && *cont ? strdup(cont) : NULL;
	if (rw->cont) {
		json_decref(list);
		start(rw, PH_LIST);
		return;
	}
	snprintf(rw->rv, sizeof(rw->rv), "%s", rv ? rv : "");
	json_decref(list);
	healthy(rw);
	/* What was known but is absent from this list was deleted meanwhile. */
	const char *k;
	json_t *v;
	void *tmp;
	json_object_foreach_safe(rw->store, tmp, k, v) {
		if (!json_object_get(rw->fresh, k)) {
			json_t *gone = tombstone(rw, k, v);
			json_object_del(rw->store, k);
			emit(rw, "DELETED", gone);
			json_decref(gone);
		}
	}
	json_decref(rw->fresh);
	rw->fresh = NULL;
	emit(rw, "SYNCED", NULL);
	lb_debug(w->o.log, "%s: listed %zu objects at resourceVersion %s", rw->res->plural,
		 json_object_size(rw->store), rw->rv);
	start(rw, PH_WATCH);
}

static void transfer_done(struct rwatch *rw, CURLcode rc)
{
	char msg[400];

	curl_easy_getinfo(rw->h, CURLINFO_RESPONSE_CODE, &rw->http);
	if (rw->phase == PH_LIST) {
		if (rc == CURLE_OK && rw->http == 200) {
			list_done(rw);
			return;
		}
		if (rc == CURLE_OK && rw->http == 410 && rw->cont) {
			/* The continue token outlived the history; the list
			 * starts over on a new snapshot. */
			free(rw->cont);
			rw->cont = NULL;
			json_decref(rw->fresh);
			rw->fresh = NULL;
			start(rw, PH_LIST);
			return;
		}
		if (rc == CURLE_OK && rw->http == 404 && rw->res->fallback &&
		    rw->version != rw->res->fallback) {
			lb_info(rw->w->o.log, "%s: %s is not served; using %s", rw->res->plural,
				rw->version, rw->res->fallback);
			rw->version = rw->res->fallback;
			lb_k8s_resource_api_version(rw->res, rw->version, rw->api_version,
						    sizeof(rw->api_version));
			start(rw, PH_LIST);
			return;
		}
		free(rw->cont);
		rw->cont = NULL;
		json_decref(rw->fresh);
		rw->fresh = NULL;
	} else {
		if (rw->expired || (rc == CURLE_OK && rw->http == 410)) {
			/* RFC-less but documented API rule: 410 Gone means the
			 * resourceVersion left the watch cache; only a new list
			 * tells what happened meanwhile. */
			lb_info(rw->w->o.log, "%s: resourceVersion %s expired (410 Gone); re-listing",
				rw->res->plural, rw->rv);
			start(rw, PH_LIST);
			return;
		}
		if (rw->stream_err[0]) {
			fail(rw, rw->stream_err);
			return;
		}
		if (rc == CURLE_OK && rw->http == 200) {
			/* timeoutSeconds ran out, or the server ended it cleanly. */
			start(rw, PH_WATCH);
			return;
		}
		if (rw->connected) {
			/* A broken stream after a good start: resume at once. */
			lb_info(rw->w->o.log, "%s: watch stream broke (%s); resuming from resourceVersion %s",
				rw->res->plural, rw->errbuf[0] ? rw->errbuf : curl_easy_strerror(rc),
				rw->rv);
			start(rw, PH_WATCH);
			return;
		}
	}
	if (rc != CURLE_OK) {
		const char *detail = rw->errbuf[0] ? rw->errbuf : curl_easy_strerror(rc);
		if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE)
			snprintf(msg, sizeof(msg), "%s: TLS: the server's certificate is not trusted "
				 "(CA %s): %s", rw->w->o.conn->server,
				 rw->w->o.conn->ca_file ? rw->w->o.conn->ca_file :
				 rw->w->o.conn->ca_data ? "from certificate-authority-data" :
							  "system default", detail);
		else
			snprintf(msg, sizeof(msg), "%s: %s", rw->w->o.conn->server, detail);
	} else {
		lb_k8s_status_message(rw->body, rw->len, rw->http, msg, sizeof(msg));
	}
	fail(rw, msg);
}

struct lb_k8s_watch *lb_k8s_watch_new(const struct lb_k8s_watch_opts *o, struct lb_err *err)
{
	struct lb_k8s_watch *w = calloc(1, sizeof(*w));
	if (!w) {
		lb_err_set(err, "out of memory");
		return NULL;
	}
	w->o = *o;
	w->seed = (unsigned)now_ms() ^ (unsigned)(uintptr_t)w;
	w->multi = curl_multi_init();
	if (!w->multi) {
		free(w);
		lb_err_set(err, "libcurl: cannot create a multi handle");
		return NULL;
	}
	return w;
}

int lb_k8s_watch_add(struct lb_k8s_watch *w, const struct lb_k8s_resource *r, struct lb_err *err)
{
	struct rwatch **grown = realloc(w->rw, (w->n + 1) * sizeof(*grown));
	if (!grown)
		return lb_err_set(err, "out of memory");
	w->rw = grown;
	struct rwatch *rw = calloc(1, sizeof(*rw));
	if (!rw)
		return lb_err_set(err, "out of memory");
	rw->w = w;
	rw->res = r;
	rw->version = r->version;
	lb_k8s_resource_api_version(r, r->version, rw->api_version, sizeof(rw->api_version));
	rw->store = json_object();
	w->rw[w->n++] = rw;
	start(rw, PH_LIST);
	return 0;
}

void lb_k8s_watch_free(struct lb_k8s_watch *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->n; i++) {
		struct rwatch *rw = w->rw[i];
		reset_transfer(rw);
		free(rw->body);
		free(rw->cont);
		json_decref(rw->fresh);
		json_decref(rw->store);
		free(rw);
	}
	free(w->rw);
	curl_multi_cleanup(w->multi);
	free(w);
}

int lb_k8s_watch_poll(struct lb_k8s_watch *w, int fd, int timeout_ms, struct lb_err *err)
{
	struct curl_waitfd extra = {fd, CURL_WAIT_POLLIN, 0};
	long long now = now_ms();
	int running;

	for (size_t i = 0; i < w->n; i++) {
		if (w->rw[i]->phase == PH_WAIT) {
			long long left = w->rw[i]->due_ms - now;
			if (left < 0)
				left = 0;
			if (left < timeout_ms)
				timeout_ms = (int)left;
		}
	}
	if (curl_multi_poll(w->multi, fd >= 0 ? &extra : NULL, fd >= 0 ? 1 : 0, timeout_ms, NULL) !=
	    CURLM_OK)
		return lb_err_set(err, "libcurl: poll failed");
	if (curl_multi_perform(w->multi, &running) != CURLM_OK)
		return lb_err_set(err, "libcurl: transfer processing failed");
	CURLMsg *m;
	int left;
	while ((m = curl_multi_info_read(w->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		struct rwatch *rw = NULL;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&rw);
		if (rw)
			transfer_done(rw, m->data.result);
	}
	now = now_ms();
	for (size_t i = 0; i < w->n; i++) {
		struct rwatch *rw = w->rw[i];
		if (rw->phase == PH_WAIT && rw->due_ms <= now)
			start(rw, rw->after_wait);
	}
	return fd >= 0 && (extra.revents & CURL_WAIT_POLLIN) ? 1 : 0;
}
