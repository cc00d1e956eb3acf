/* lib/k8s_conn.c: kubeconfig merging as kubectl does it, in-cluster
 * settings, base64 fields. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "k8s_conn.h"
#include "tap.h"

static char dir[] = "/tmp/u-k8s-conn.XXXXXX";

static void put(const char *name, const char *text)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

static const char *p(const char *name)
{
	static char buf[4][256];
	static int i;
	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

static void test_base64(struct tap *t)
{
	struct lb_err err;
	size_t n;
	char *s = lb_base64_decode("aGVsbG8=", &n, &err);
	tap_is_str(t, s, "hello", "base64 with padding");
	tap_is_int(t, n, 5, "its length");
	free(s);
	s = lb_base64_decode("aGVs\nbG8", &n, &err);
	tap_is_str(t, s, "hello", "base64 without padding, with a newline");
	free(s);
	s = lb_base64_decode("aGV*bG8=", &n, &err);
	tap_ok(t, s == NULL, "a bad character is refused");
	tap_is_str(t, err.msg, "invalid base64 at offset 3", "and named");
	s = lb_base64_decode("aG=Vs", &n, &err);
	tap_ok(t, s == NULL, "data after padding is refused");
}

static void test_single(struct tap *t)
{
	struct lb_k8s_conn c;
	struct lb_err err = {""};
	put("one", "apiVersion: v1\nkind: Config\ncurrent-context: c1\n"
		   "clusters:\n- name: k\n  cluster:\n    server: https://192.0.2.1:6443/\n"
		   "    certificate-authority: ca.crt\n"
		   "- name: k2\n  cluster:\n    server: https://192.0.2.2\n"
		   "    certificate-authority-data: UEVN\n    insecure-skip-tls-verify: true\n"
		   "users:\n- name: u\n  user:\n    token: t0k\n"
		   "- name: cert\n  user:\n    client-certificate-data: Q0VSVA==\n    client-key: /abs/key.pem\n"
		   "- name: ex\n  user:\n    exec: {command: aws}\n"
		   "contexts:\n- name: c1\n  context: {cluster: k, user: u, namespace: prod}\n"
		   "- name: c2\n  context: {cluster: k2, user: cert}\n"
		   "- name: c3\n  context: {cluster: k, user: ex}\n"
		   "- name: c4\n  context: {cluster: nope, user: u}\n");
	tap_is_int(t, lb_kubeconfig_load(p("one"), NULL, NULL, NULL, &c, &err), 0,
		   "current-context loads: %s", err.msg);
	tap_is_str(t, c.server, "https://192.0.2.1:6443", "server, trailing slash dropped");
	tap_is_str(t, c.ca_file, p("ca.crt"), "a relative CA path is relative to the file");
	tap_is_str(t, c.token, "t0k", "token");
	tap_is_str(t, c.namespace, "prod", "namespace of the context");
	tap_is_str(t, c.context, "c1", "context name kept for messages");
	tap_is_int(t, c.insecure, 0, "verification on by default");
	lb_k8s_conn_free(&c);

	tap_is_int(t, lb_kubeconfig_load(p("one"), NULL, NULL, "c2", &c, &err), 0, "--context c2");
	tap_is_str(t, c.ca_data, "PEM", "certificate-authority-data decoded");
	tap_is_str(t, c.cert_data, "CERT", "client-certificate-data decoded");
	tap_is_str(t, c.key_file, "/abs/key.pem", "an absolute key path stays");
	tap_is_int(t, c.insecure, 1, "insecure-skip-tls-verify read");
	lb_k8s_conn_free(&c);

	tap_is_int(t, lb_kubeconfig_load(p("one"), NULL, NULL, "c3", &c, &err), -1, "exec plugin refused");
	tap_ok(t, strstr(err.msg, "exec and auth-provider plugins are not supported") != NULL,
	       "with a reason: %s", err.msg);
	tap_is_int(t, lb_kubeconfig_load(p("one"), NULL, NULL, "c4", &c, &err), -1, "missing cluster");
	tap_is_str(t, err.msg, "kubeconfig: cluster 'nope' (of context 'c4') not found", "named");
	tap_is_int(t, lb_kubeconfig_load(p("one"), NULL, NULL, "zz", &c, &err), -1, "missing context");
	tap_is_str(t, err.msg, "kubeconfig: context 'zz' not found", "named");
	tap_is_int(t, lb_kubeconfig_load(p("absent"), NULL, NULL, NULL, &c, &err), -1,
		   "an explicit missing file is an error");
}

static void test_merge(struct tap *t)
{
	struct lb_k8s_conn c;
	struct lb_err err = {""};
	char env[1024];
	put("a", "apiVersion: v1\nkind: Config\ncurrent-context: mine\n"
		 "users:\n- name: u\n  user: {token: from-a}\n"
		 "contexts:\n- name: mine\n  context: {cluster: k, user: u}\n");
	put("b", "apiVersion: v1\nkind: Config\ncurrent-context: theirs\n"
		 "clusters:\n- name: k\n  cluster: {server: 'https://[2001:db8::1]:443'}\n"
		 "users:\n- name: u\n  user: {token: from-b}\n"
		 "contexts:\n- name: theirs\n  context: {cluster: k, user: u}\n");
	snprintf(env, sizeof(env), "%s:%s:%s", p("missing"), p("a"), p("b"));
	tap_is_int(t, lb_kubeconfig_load(NULL, env, "/nonexistent", NULL, &c, &err), 0,
		   "KUBECONFIG list loads (a missing entry skipped): %s", err.msg);
	tap_is_str(t, c.context, "mine", "the first current-context wins");
	tap_is_str(t, c.token, "from-a", "the first definition of a user wins");
	tap_is_str(t, c.server, "https://[2001:db8::1]:443", "a cluster from a later file");
	lb_k8s_conn_free(&c);

	char home[300];
	snprintf(home, sizeof(home), "%s/home", dir);
	tap_is_int(t, lb_kubeconfig_load(NULL, NULL, home, NULL, &c, &err), -1,
		   "no ~/.kube/config: error");
	tap_ok(t, strstr(err.msg, "home/.kube/config") != NULL, "naming the file: %s", err.msg);
}

static void test_incluster(struct tap *t)
{
	struct lb_k8s_conn c;
	struct lb_err err = {""};
	put("token", "abc\n");
	put("namespace", "lbkit-system\n");
	tap_is_int(t, lb_k8s_incluster("2001:db8::1", "443", dir, &c, &err), 0, "in-cluster: %s", err.msg);
	tap_is_str(t, c.server, "https://[2001:db8::1]:443", "IPv6 host bracketed");
	tap_is_str(t, c.token_file, p("token"), "token file, read per request");
	tap_is_str(t, c.ca_file, p("ca.crt"), "CA file");
	tap_is_str(t, c.namespace, "lbkit-system", "namespace file, newline dropped");
	lb_k8s_conn_free(&c);
	tap_is_int(t, lb_k8s_incluster(NULL, "443", dir, &c, &err), -1, "no host: not in a cluster");
	tap_is_int(t, lb_k8s_incluster("192.0.2.1", "443", "/nonexistent", &c, &err), -1,
		   "no token file: error");
}

int main(void)
{
	struct tap t = {0};

	if (!mkdtemp(dir))
		return 1;
	test_base64(&t);
	test_single(&t);
	test_merge(&t);
	test_incluster(&t);
	const char *files[] = {"one", "a", "b", "token", "namespace"};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		unlink(p(files[i]));
	rmdir(dir);
	return tap_done(&t);
}
