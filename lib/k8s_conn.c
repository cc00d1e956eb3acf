#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "k8s_conn.h"
#include "manifest.h"

void lb_k8s_conn_free(struct lb_k8s_conn *c)
{
	char **fields[] = {&c->server,    &c->token,    &c->token_file, &c->ca_file,
			   &c->ca_data,   &c->cert_file, &c->cert_data, &c->key_file,
			   &c->key_data,  &c->namespace, &c->context};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		free(*fields[i]);
		*fields[i] = NULL;
	}
}

static int b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

char *lb_base64_decode(const char *in, size_t *outlen, struct lb_err *err)
{
	size_t len = strlen(in), n = 0;
	char *out = malloc(len / 4 * 3 + 4);
	unsigned acc = 0;
	int bits = 0, pad = 0;

	if (!out) {
		lb_err_set(err, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < len; i++) {
		int c = (unsigned char)in[i];
		if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
			continue;
		if (c == '=') {
			pad++;
			continue;
		}
		int v = b64val(c);
		if (v < 0 || pad) {
			free(out);
			lb_err_set(err, "invalid base64 at offset %zu", i);
			return NULL;
		}
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (char)((acc >> bits) & 0xff);
		}
	}
	out[n] = '\0';
	if (outlen)
		*outlen = n;
	return out;
}

static char *read_text(const char *path, struct lb_err *err)
{
	FILE *f = fopen(path, "r");
	char *data = NULL;
	size_t len = 0, cap = 0;

	if (!f) {
		lb_err_set(err, "%s: %s", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		if (cap - len < 4096) {
			if (cap > (1u << 24)) {
				lb_err_set(err, "%s: larger than 16 MiB", path);
				goto fail;
			}
			char *grown = realloc(data, cap + 65536);
			if (!grown) {
				lb_err_set(err, "out of memory");
				goto fail;
			}
			data = grown;
			cap += 65536;
		}
		size_t got = fread(data + len, 1, cap - len - 1, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		lb_err_set(err, "%s: %s", path, strerror(errno));
		goto fail;
	}
	fclose(f);
	data[len] = '\0';
	return data;
fail:
	fclose(f);
	free(data);
	return NULL;
}

/* ---- kubeconfig --------------------------------------------------------- */

struct kcfile {
	json_t *doc;
	char *dir;
	char *path;
};

static int first_doc(void *ctx, json_t *obj, const char *name, unsigned long line)
{
	(void)name;
	(void)line;
	json_t **out = ctx;
	if (!*out)
		*out = json_incref(obj);
	return 0;
}

/* The named entry of a list (clusters, users, contexts) in the first file
 * that has it, with that file, for resolving its relative paths. */
static const json_t *find_named(struct kcfile *files, size_t n, const char *list, const char *name,
				const char *field, size_t *which)
{
	for (size_t i = 0; i < n; i++) {
		size_t j;
		const json_t *e;
		json_array_foreach(json_object_get(files[i].doc, list), j, e) {
			const char *en = json_string_value(json_object_get(e, "name"));
			if (en && !strcmp(en, name)) {
				*which = i;
				return json_object_get(e, field);
			}
		}
	}
	return NULL;
}

static int take_path(char **dst, const json_t *v, const char *dir, struct lb_err *err)
{
	const char *s = json_string_value(v);
	if (!s || !*s)
		return 0;
	if (s[0] == '/' || !dir)
		*dst = strdup(s);
	else if (asprintf(dst, "%s/%s", dir, s) < 0)
		*dst = NULL;
	return *dst ? 0 : lb_err_set(err, "out of memory");
}

static int take_data(char **dst, const json_t *v, const char *what, struct lb_err *err)
{
	const char *s = json_string_value(v);
	if (!s || !*s)
		return 0;
	*dst = lb_base64_decode(s, NULL, err);
	return *dst ? 0 : lb_err_prefix(err, "%s", what);
}

static int take_str(char **dst, const json_t *v, struct lb_err *err)
{
	const char *s = json_string_value(v);
	if (!s || !*s)
		return 0;
	*dst = strdup(s);
	return *dst ? 0 : lb_err_set(err, "out of memory");
}

static int build_conn(struct kcfile *files, size_t n, const char *context, struct lb_k8s_conn *c,
		      struct lb_err *err)
{
	const char *ctxname = context;
	size_t which = 0;

	for (size_t i = 0; !ctxname && i < n; i++) {
		const char *cc = json_string_value(json_object_get(files[i].doc, "current-context"));
		if (cc && *cc)
			ctxname = cc;
	}
	if (!ctxname)
		return lb_err_set(err, "%s: no current-context (give --context)", files[0].path);
	const json_t *ctx = find_named(files, n, "contexts", ctxname, "context", &which);
	if (!json_is_object(ctx))
		return lb_err_set(err, "kubeconfig: context '%s' not found", ctxname);
	const char *cluster = json_string_value(json_object_get(ctx, "cluster"));
	const char *user = json_string_value(json_object_get(ctx, "user"));
	c->context = strdup(ctxname);
	if (!c->context)
		return lb_err_set(err, "out of memory");
	if (take_str(&c->namespace, json_object_get(ctx, "namespace"), err) < 0)
		return -1;
	if (!cluster)
		return lb_err_set(err, "kubeconfig: context '%s' names no cluster", ctxname);
	const json_t *cl = find_named(files, n, "clusters", cluster, "cluster", &which);
	if (!json_is_object(cl))
		return lb_err_set(err, "kubeconfig: cluster '%s' (of context '%s') not found", cluster,
				  ctxname);
	const char *dir = files[which].dir;
	if (take_str(&c->server, json_object_get(cl, "server"), err) < 0 ||
	    take_path(&c->ca_file, json_object_get(cl, "certificate-authority"), dir, err) < 0 ||
	    take_data(&c->ca_data, json_object_get(cl, "certificate-authority-data"),
		      "certificate-authority-data", err) < 0)
		return -1;
	if (!c->server)
		return lb_err_set(err, "kubeconfig: cluster '%s' has no server", cluster);
	size_t sl = strlen(c->server);
	while (sl > 0 && c->server[sl - 1] == '/')
		c->server[--sl] = '\0';
	c->insecure = json_is_true(json_object_get(cl, "insecure-skip-tls-verify"));
	if (!user)
		return 0;
	const json_t *u = find_named(files, n, "users", user, "user", &which);
	if (!json_is_object(u))
		return lb_err_set(err, "kubeconfig: user '%s' (of context '%s') not found", user,
				  ctxname);
	dir = files[which].dir;
	if (json_object_get(u, "exec") || json_object_get(u, "auth-provider"))
		return lb_err_set(err, "kubeconfig: user '%s': exec and auth-provider plugins are "
				       "not supported; use a token or a client certificate", user);
	if (take_str(&c->token, json_object_get(u, "token"), err) < 0 ||
	    take_path(&c->token_file, json_object_get(u, "tokenFile"), dir, err) < 0 ||
	    take_path(&c->cert_file, json_object_get(u, "client-certificate"), dir, err) < 0 ||
	    take_data(&c->cert_data, json_object_get(u, "client-certificate-data"),
		      "client-certificate-data", err) < 0 ||
	    take_path(&c->key_file, json_object_get(u, "client-key"), dir, err) < 0 ||
	    take_data(&c->key_data, json_object_get(u, "client-key-data"), "client-key-data", err) < 0)
		return -1;
	return 0;
}

int lb_kubeconfig_load(const char *path, const char *kubeconfig_env, const char *home,
		       const char *context, struct lb_k8s_conn *out, struct lb_err *err)
{
	struct kcfile files[32];
	size_t n = 0;
	char *list = NULL;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (path && *path)
		list = strdup(path);
	else if (kubeconfig_env && *kubeconfig_env)
		list = strdup(kubeconfig_env);
	else if (home && asprintf(&list, "%s/.kube/config", home) < 0)
		list = NULL;
	if (!list)
		return lb_err_set(err, "no kubeconfig: give --kubeconfig, $KUBECONFIG or --server");
	int explicit = path && *path;
	char *save = NULL;
	for (char *p = strtok_r(list, explicit ? "" : ":", &save); p && n < 32;
	     p = strtok_r(NULL, explicit ? "" : ":", &save)) {
		if (!*p)
			continue;
		/* kubectl skips KUBECONFIG entries that do not exist. */
		if (!explicit && access(p, F_OK) < 0 && kubeconfig_env && *kubeconfig_env)
			continue;
		json_t *doc = NULL;
		if (lb_manifest_load_file(p, first_doc, &doc, err) < 0)
			goto out;
		if (!json_is_object(doc)) {
			json_decref(doc);
			continue;
		}
		char *copy = strdup(p);
		files[n].doc = doc;
		files[n].path = strdup(p);
		files[n].dir = copy ? strdup(dirname(copy)) : NULL;
		free(copy);
		n++;
	}
	if (n == 0) {
		lb_err_set(err, "kubeconfig: no file found in '%s'", list);
		goto out;
	}
	rc = build_conn(files, n, context, out, err);
	if (rc < 0)
		lb_k8s_conn_free(out);
out:
	for (size_t i = 0; i < n; i++) {
		json_decref(files[i].doc);
		free(files[i].dir);
		free(files[i].path);
	}
	free(list);
	return rc;
}

int lb_k8s_incluster(const char *host, const char *port, const char *sa_dir,
		     struct lb_k8s_conn *out, struct lb_err *err)
{
	memset(out, 0, sizeof(*out));
	if (!host || !*host || !port || !*port)
		return lb_err_set(err, "not in a cluster: KUBERNETES_SERVICE_HOST/PORT unset");
	int v6 = strchr(host, ':') != NULL;
	if (asprintf(&out->server, "https://%s%s%s:%s", v6 ? "[" : "", host, v6 ? "]" : "", port) < 0 ||
	    asprintf(&out->token_file, "%s/token", sa_dir) < 0 ||
	    asprintf(&out->ca_file, "%s/ca.crt", sa_dir) < 0) {
		lb_k8s_conn_free(out);
		return lb_err_set(err, "out of memory");
	}
	char *nsfile = NULL;
	if (asprintf(&nsfile, "%s/namespace", sa_dir) >= 0) {
		struct lb_err ignore;
		out->namespace = read_text(nsfile, &ignore);
		if (out->namespace)
			out->namespace[strcspn(out->namespace, "\n")] = '\0';
		free(nsfile);
	}
	if (access(out->token_file, R_OK) < 0) {
		lb_err_set(err, "%s: %s", out->token_file, strerror(errno));
		lb_k8s_conn_free(out);
		return -1;
	}
	return 0;
}

int lb_k8s_conn_setup(const struct lb_k8s_conn *c, CURL *h, struct curl_slist **headers,
		      struct lb_err *err)
{
	char *token = NULL;

	if (c->insecure) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	} else if (c->ca_data) {
		struct curl_blob blob = {c->ca_data, strlen(c->ca_data), CURL_BLOB_COPY};
		curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &blob);
	} else if (c->ca_file) {
		curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
	}
	if (c->cert_data) {
		struct curl_blob blob = {c->cert_data, strlen(c->cert_data), CURL_BLOB_COPY};
		curl_easy_setopt(h, CURLOPT_SSLCERT_BLOB, &blob);
		curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
	} else if (c->cert_file) {
		curl_easy_setopt(h, CURLOPT_SSLCERT, c->cert_file);
	}
	if (c->key_data) {
		struct curl_blob blob = {c->key_data, strlen(c->key_data), CURL_BLOB_COPY};
		curl_easy_setopt(h, CURLOPT_SSLKEY_BLOB, &blob);
		curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
	} else if (c->key_file) {
		curl_easy_setopt(h, CURLOPT_SSLKEY, c->key_file);
	}
	if (c->token_file) {
		/* Bound service-account tokens are rotated in place (kubelet
		 * rewrites the file); reading it per request follows that. */
		token = read_text(c->token_file, err);
		if (!token)
			return -1;
		token[strcspn(token, "\r\n")] = '\0';
	}
	const char *t = token ? token : c->token;
	if (t && *t) {
		char *hdr = NULL;
		if (asprintf(&hdr, "Authorization: Bearer %s", t) < 0) {
			free(token);
			return lb_err_set(err, "out of memory");
		}
		struct curl_slist *l = curl_slist_append(*headers, hdr);
		free(hdr);
		if (!l) {
			free(token);
			return lb_err_set(err, "out of memory");
		}
		*headers = l;
	}
	free(token);
	return 0;
}
