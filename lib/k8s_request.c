#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "k8s_request.h"

#define MAX_RESPONSE (64u << 20)

void lb_k8s_response_free(struct lb_k8s_response *r)
{
	free(r->body);
	r->body = NULL;
	r->len = 0;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *ctx)
{
	struct lb_k8s_response *r = ctx;
	size_t n = size * nmemb;
	if (r->len + n > MAX_RESPONSE)
		return 0;
	char *grown = realloc(r->body, r->len + n + 1);
	if (!grown)
		return 0;
	r->body = grown;
	memcpy(r->body + r->len, data, n);
	r->len += n;
	r->body[r->len] = '\0';
	return n;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *ctx)
{
	struct lb_k8s_response *r = ctx;
	size_t n = size * nmemb;
	static const char name[] = "retry-after:";
	if (n > sizeof(name) - 1 && n < 64 && !strncasecmp(data, name, sizeof(name) - 1)) {
		char buf[64];
		memcpy(buf, data + sizeof(name) - 1, n - (sizeof(name) - 1));
		buf[n - (sizeof(name) - 1)] = '\0';
		char *end;
		long v = strtol(buf, &end, 10);
		/* RFC 9110 §10.2.3: delay-seconds; an HTTP-date is not used
		 * by the API server, and is treated as absent. */
		if (end != buf && v >= 0 && v < 3600)
			r->retry_after = v;
	}
	return n;
}

int lb_k8s_request(const struct lb_k8s_conn *c, const char *method, const char *path,
		   const char *content_type, const char *body, struct lb_k8s_response *out,
		   struct lb_err *err)
{
	struct curl_slist *hdrs = NULL;
	char errbuf[CURL_ERROR_SIZE] = "";
	char *url = NULL, *ct = NULL;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	out->retry_after = -1;
	CURL *h = curl_easy_init();
	if (!h)
		return lb_err_set(err, "out of memory");
	if (lb_k8s_conn_setup(c, h, &hdrs, err) < 0)
		goto out;
	if (asprintf(&url, "%s%s", c->server, path) < 0) {
		url = NULL;
		lb_err_set(err, "out of memory");
		goto out;
	}
	hdrs = curl_slist_append(hdrs, "Accept: application/json");
	if (content_type && asprintf(&ct, "Content-Type: %s", content_type) >= 0)
		hdrs = curl_slist_append(hdrs, ct);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	if (body) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "lb-watch/" LBKIT_VERSION);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, out);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	CURLcode cc = curl_easy_perform(h);
	if (cc != CURLE_OK) {
		lb_err_set(err, "%s %s%s: %s", method, c->server, path,
			   errbuf[0] ? errbuf : curl_easy_strerror(cc));
		lb_k8s_response_free(out);
		goto out;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out->http);
	rc = 0;
out:
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(h);
	free(url);
	free(ct);
	return rc;
}
