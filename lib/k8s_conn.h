/* How to reach and authenticate to a Kubernetes API server: from kubeconfig
 * files (merged as kubectl merges them), from the in-cluster service
 * account, or from explicit options; and the libcurl settings that follow. */
#ifndef LB_K8S_CONN_H
#define LB_K8S_CONN_H

#include <curl/curl.h>

#include "err.h"

struct lb_k8s_conn {
	char *server;      /* https://host:port, no trailing '/' */
	char *token;       /* bearer token, or NULL */
	char *token_file;  /* re-read at every request: service-account tokens rotate */
	char *ca_file;
	char *ca_data;     /* PEM (decoded from certificate-authority-data) */
	char *cert_file, *cert_data;
	char *key_file, *key_data;
	char *namespace;   /* the context's namespace, or the service account's */
	char *context;     /* the context used, for messages */
	int insecure;      /* insecure-skip-tls-verify */
};

void lb_k8s_conn_free(struct lb_k8s_conn *c);

/* kubeconfig as kubectl finds it: explicit path if given, else every file of
 * kubeconfig_env (colon-separated, missing files skipped), else
 * HOME/.kube/config. Merge rule (kubectl's): the first file that sets a
 * value wins, for current-context and for each named cluster, user and
 * context. context NULL means current-context. Relative file paths are
 * relative to the file that names them. */
int lb_kubeconfig_load(const char *path, const char *kubeconfig_env, const char *home,
		       const char *context, struct lb_k8s_conn *out, struct lb_err *err);

/* In-cluster: KUBERNETES_SERVICE_HOST/PORT (passed in) and the token, CA and
 * namespace files in sa_dir (/var/run/secrets/kubernetes.io/serviceaccount). */
int lb_k8s_incluster(const char *host, const char *port, const char *sa_dir,
		     struct lb_k8s_conn *out, struct lb_err *err);

/* TLS and authentication on a handle; *headers receives the Authorization
 * header (append to it, free it after the transfer). */
int lb_k8s_conn_setup(const struct lb_k8s_conn *c, CURL *h, struct curl_slist **headers,
		      struct lb_err *err);

/* Decodes standard base64 (padding optional, whitespace ignored); the result
 * is NUL-terminated. Returns NULL with err set on bad input. */
char *lb_base64_decode(const char *in, size_t *outlen, struct lb_err *err);

#endif
