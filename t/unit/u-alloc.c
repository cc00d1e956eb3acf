/* The allocator's rules, one scenario each: events in, decision lines out. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "manifest.h"
#include "tap.h"

struct world {
	struct lb_alloc *a;
	struct lb_log log;
	char out[64][256];
	int nout;
};

static void on_event(void *ctx, const struct lb_alloc_event *ev)
{
	struct world *w = ctx;
	static const char *const names[] = {"ASSIGNED", "RELEASED", "PENDING", "ERROR"};
	char line[256];
	int off = snprintf(line, sizeof(line), "%s %s", names[ev->type], ev->service);
	for (size_t i = 0; i < ev->nips; i++) {
		char buf[LB_ADDR_STRLEN];
		off += snprintf(line + off, sizeof(line) - (size_t)off, "%s%s", i ? "," : " ",
				lb_addr_format(&ev->ips[i], buf));
	}
	if (ev->pool)
		off += snprintf(line + off, sizeof(line) - (size_t)off, " pool=%s", ev->pool);
	if (ev->reason)
		snprintf(line + off, sizeof(line) - (size_t)off, " (%s)", ev->reason);
	if (w->nout < 64)
		snprintf(w->out[w->nout++], sizeof(w->out[0]), "%s", line);
}

static void world_init(struct world *w, const char *lb_class)
{
	memset(w, 0, sizeof(*w));
	lb_log_init(&w->log, "u-alloc");
	w->log.out = fopen("/dev/null", "w");
	struct lb_alloc_opts o = {lb_class, &w->log, on_event, w};
	w->a = lb_alloc_new(&o);
}

static void world_free(struct world *w)
{
	lb_alloc_free(w->a);
	fclose(w->log.out);
}

/* All lines since the last call, joined by " | ". */
static const char *said(struct world *w)
{
	static char buf[4096];
	size_t off = 0;
	buf[0] = '\0';
	for (int i = 0; i < w->nout; i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s", i ? " | " : "", w->out[i]);
	w->nout = 0;
	return buf;
}

static int add_object(void *ctx, json_t *obj, const char *name, unsigned long line)
{
	(void)name;
	(void)line;
	struct world *w = ctx;
	const char *kind = json_string_value(json_object_get(obj, "kind"));
	struct lb_err err;
	if (!strcmp(kind, "Service")) {
		if (lb_alloc_set_service(w->a, obj, &err) < 0)
			printf("# set_service: %s\n", err.msg);
	} else if (!strcmp(kind, "Namespace")) {
		lb_alloc_set_namespace(w->a, obj, &err);
	} else if (!strcmp(kind, "IPAddressPool")) {
		struct lb_pool_def *def;
		char source[128];
		snprintf(source, sizeof(source), "IPAddressPool %s",
			 json_string_value(json_object_get(json_object_get(obj, "metadata"), "name")));
		if (lb_pool_from_ipaddresspool(obj, &def, &err) < 0)
			printf("# pool: %s\n", err.msg);
		else
			lb_alloc_set_pools(w->a, source, &def, 1, &err);
	}
	return 0;
}

/* Feeds YAML manifests (several documents) to the allocator. */
static void feed(struct world *w, const char *yaml)
{
	struct lb_err err;
	if (lb_manifest_load_buffer(yaml, strlen(yaml), "test", add_object, w, &err) < 0)
		printf("# yaml: %s\n", err.msg);
}

static void pool(struct world *w, const char *spec)
{
	struct lb_pool_def *def;
	struct lb_err err;
	if (lb_pool_from_spec(spec, &def, &err) < 0) {
		printf("# pool spec: %s\n", err.msg);
		return;
	}
	char source[128];
	snprintf(source, sizeof(source), "--pool %s", def->name);
	lb_alloc_set_pools(w->a, source, &def, 1, &err);
}

static void drop_pool(struct world *w, const char *source)
{
	struct lb_err err;
	lb_alloc_set_pools(w->a, source, NULL, 0, &err);
}

/* A LoadBalancer Service with optional extra YAML under metadata/spec. */
static void svc(struct world *w, const char *ns_name, const char *ts, const char *meta,
		const char *spec, const char *status)
{
	char ns[64], yaml[2048];
	const char *slash = strchr(ns_name, '/');
	snprintf(ns, sizeof(ns), "%.*s", (int)(slash - ns_name), ns_name);
	snprintf(yaml, sizeof(yaml),
		 "apiVersion: v1\nkind: Service\nmetadata:\n  namespace: %s\n  name: %s\n"
		 "  creationTimestamp: \"%s\"\n%s"
		 "spec:\n  type: LoadBalancer\n%s%s%s",
		 ns, slash + 1, ts, meta ? meta : "",
		 spec && strstr(spec, "ports:") ? "" : "  ports: [{port: 80, protocol: TCP}]\n",
		 spec ? spec : "", status ? status : "");
	feed(w, yaml);
}

#define T(n) "2024-01-01T00:00:0" #n "Z"

static void basic(struct tap *t)
{
	struct world w;
	world_init(&w, NULL);
	pool(&w, "default=192.0.2.10-192.0.2.12");
	svc(&w, "default/a", T(1), NULL, NULL, NULL);
	svc(&w, "default/b", T(2), NULL, NULL, NULL);
	tap_is_str(t, said(&w),
		   "ASSIGNED default/a 192.0.2.10 pool=default | ASSIGNED default/b 192.0.2.11 pool=default",
		   "lowest free address first, one line per decision");
	svc(&w, "default/a", T(1), "  labels: {tier: web}\n", NULL, NULL);
	tap_is_str(t, said(&w), "", "an irrelevant change moves nothing and says nothing");
	svc(&w, "default/c", T(3), NULL, NULL, NULL);
	svc(&w, "default/d", T(4), NULL, NULL, NULL);
	tap_is_str(t, said(&w),
		   "ASSIGNED default/c 192.0.2.12 pool=default | "
		   "PENDING default/d (no free IPv4 address in pool default)",
		   "an exhausted pool leaves the next service PENDING with the reason");
	svc(&w, "default/e", T(5), NULL, NULL, NULL);
	said(&w);
	lb_alloc_delete_service(w.a, "default/b");
	tap_is_str(t, said(&w),
		   "RELEASED default/b 192.0.2.11 (service deleted) | ASSIGNED default/d 192.0.2.11 pool=default",
		   "a freed address goes to the oldest waiting service");
	feed(&w, "apiVersion: v1\nkind: Service\nmetadata: {namespace: default, name: c}\n"
		 "spec: {type: ClusterIP}\n");
	tap_is_str(t, said(&w),
		   "RELEASED default/c 192.0.2.12 (not a LoadBalancer service of this class) | "
		   "ASSIGNED default/e 192.0.2.12 pool=default",
		   "a service that stops being a LoadBalancer releases its address");
	struct lb_err err;
	tap_ok(t, lb_alloc_check(w.a, &err) == 0, "consistent (%s)", err.msg);
	world_free(&w);
}

static void buggy_and_autoassign(struct tap *t)
{
	struct world w;
	world_init(&w, NULL);
	feed(&w, "apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata: {name: edge}\n"
		 "spec: {addresses: [192.0.2.254-198.51.100.1], avoidBuggyIPs: true}\n");
	for (int i = 0; i < 3; i++) {
		char name[32];
		snprintf(name, sizeof(name), "default/s%d", i);
		svc(&w, name, T(1), NULL, NULL, NULL);
	}
	tap_is_str(t, said(&w),
		   "ASSIGNED default/s0 192.0.2.254 pool=edge | ASSIGNED default/s1 192.0.3.1 pool=edge | "
		   "ASSIGNED default/s2 192.0.3.2 pool=edge",
		   "avoidBuggyIPs skips .255 and .0");
	svc(&w, "default/x", T(2), NULL, "  loadBalancerIP: 192.0.3.0\n", NULL);
	tap_is_str(t, said(&w),
		   "ERROR default/x (requested address 192.0.3.0 is avoided by pool edge (avoidBuggyIPs))",
		   "a requested .0 address in an avoidBuggyIPs pool is an ERROR");

	feed(&w, "apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata: {name: dear}\n"
		 "spec: {addresses: [203.0.113.8/30], autoAssign: false}\n");
	world_free(&w);

	world_init(&w, NULL);
	feed(&w, "apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata: {name: dear}\n"
		 "spec: {addresses: [203.0.113.8/30], autoAssign: false}\n");
	svc(&w, "default/plain", T(1), NULL, NULL, NULL);
	svc(&w, "default/named", T(2), "  annotations: {metallb.io/address-pool: dear}\n", NULL, NULL);
	svc(&w, "default/ip", T(3), NULL, "  loadBalancerIP: 203.0.113.11\n", NULL);
	tap_is_str(t, said(&w),
		   "PENDING default/plain (no pool serves this service) | "
		   "ASSIGNED default/named 203.0.113.8 pool=dear | ASSIGNED default/ip 203.0.113.11 pool=dear",
		   "autoAssign: false pools serve only explicit requests");
	world_free(&w);
}

static void requests(struct tap *t)
{
	struct world w;
	world_init(&w, NULL);
	pool(&w, "a=192.0.2.0/28");
	pool(&w, "b=198.51.100.0/28,2001:db8::/124");
	svc(&w, "ns/one", T(1), "  annotations: {metallb.io/loadBalancerIPs: \"198.51.100.5\"}\n", NULL, NULL);
	svc(&w, "ns/two", T(2), NULL, "  loadBalancerIP: 198.51.100.5\n", NULL);
	tap_is_str(t, said(&w),
		   "ASSIGNED ns/one 198.51.100.5 pool=b | ERROR ns/two (198.51.100.5 is held by ns/one "
		   "and that service does not allow sharing)",
		   "a requested address held by another is an ERROR naming the holder");
	svc(&w, "ns/three", T(3), "  annotations: {metallb.io/loadBalancerIPs: \"203.0.113.1\"}\n", NULL, NULL);
	svc(&w, "ns/four", T(4), "  annotations: {metallb.io/loadBalancerIPs: \"198.51.100.6\"}\n",
	    "  loadBalancerIP: 198.51.100.7\n", NULL);
	svc(&w, "ns/five", T(5), "  annotations: {metallb.io/loadBalancerIPs: \"198.51.100.6, 198.51.100.7\"}\n",
	    NULL, NULL);
	tap_is_str(t, said(&w),
		   "ERROR ns/three (requested address 203.0.113.1 is not in any pool) | "
		   "ERROR ns/four (spec.loadBalancerIP and the metallb.io/loadBalancerIPs annotation are both set) | "
		   "ERROR ns/five (metallb.io/loadBalancerIPs: more than one address of one family)",
		   "invalid requests are ERRORs with reasons");
	svc(&w, "ns/six", T(6), "  annotations: {metallb.universe.tf/address-pool: b}\n", NULL, NULL);
	tap_is_str(t, said(&w), "ASSIGNED ns/six 198.51.100.0 pool=b",
		   "the deprecated metallb.universe.tf/ annotations are read too");
	svc(&w, "ns/six", T(6), "  annotations: {metallb.io/address-pool: b}\n",
	    "  loadBalancerIP: 198.51.100.5\n", NULL);
	tap_is_str(t, said(&w),
		   "ERROR ns/six 198.51.100.0 (198.51.100.5 is held "
		   "by ns/one and that service does not allow sharing)",
		   "an ERROR keeps the address the service holds: never a silent move");
	svc(&w, "ns/seven", T(7), "  annotations: {metallb.io/address-pool: nope}\n", NULL, NULL);
	tap_is_str(t, said(&w), "PENDING ns/seven (pool nope does not exist)", "an unknown pool is PENDING");
	pool(&w, "nope=203.0.113.0/30");
	tap_is_str(t, said(&w),
		   "ASSIGNED ns/three 203.0.113.1 pool=nope | ASSIGNED ns/seven 203.0.113.0 pool=nope",
		   "a pool that appears serves the services waiting for it, and the request in ERROR");
	svc(&w, "ns/eight", T(8), "  annotations: {metallb.io/address-pool: a}\n",
	    "  loadBalancerIP: 198.51.100.9\n", NULL);
	tap_is_str(t, said(&w),
		   "ERROR ns/eight (requested address 198.51.100.9 is in pool b, not in pool a)",
		   "a requested address outside the named pool is an ERROR");
	struct lb_err err;
	tap_ok(t, lb_alloc_check(w.a, &err) == 0, "consistent (%s)", err.msg);
	world_free(&w);
}

static void dual_stack(struct tap *t)
{
	struct world w;
	world_init(&w, NULL);
	pool(&w, "v4=192.0.2.0/30");
	pool(&w, "both=198.51.100.0/30,2001:db8::/126");
	svc(&w, "ns/req", T(1), NULL, "  ipFamilyPolicy: RequireDualStack\n  ipFamilies: [IPv4, IPv6]\n", NULL);
	svc(&w, "ns/six", T(2), NULL, "  ipFamilies: [IPv6]\n", NULL);
	svc(&w, "ns/six-first", T(3), NULL,
	    "  ipFamilyPolicy: RequireDualStack\n  ipFamilies: [IPv6, IPv4]\n", NULL);
	tap_is_str(t, said(&w),
		   "ASSIGNED ns/req 198.51.100.0,2001:db8:: pool=both | ASSIGNED ns/six 2001:db8::1 pool=both | "
		   "ASSIGNED ns/six-first 2001:db8::2,198.51.100.1 pool=both",
		   "RequireDualStack takes one address per family from one pool, in ipFamilies order");
	world_free(&w);

	world_init(&w, NULL);
	pool(&w, "v4=192.0.2.0/30");
	svc(&w, "ns/pref", T(1), NULL, "  ipFamilyPolicy: PreferDualStack\n  ipFamilies: [IPv4, IPv6]\n", NULL);
	svc(&w, "ns/req", T(2), NULL, "  ipFamilyPolicy: RequireDualStack\n  ipFamilies: [IPv4, IPv6]\n", NULL);
	tap_is_str(t, said(&w),
		   "ASSIGNED ns/pref 192.0.2.0 pool=v4 | "
		   "PENDING ns/req (no pool has free IPv4 and IPv6 addresses (tried v4))",
		   "PreferDualStack settles for one family; RequireDualStack waits");
	pool(&w, "v4=192.0.2.0/30,2001:db8:1::/126");
	tap_is_str(t, said(&w),
		   "ASSIGNED ns/pref 192.0.2.0,2001:db8:1:: pool=v4 | ASSIGNED ns/req 192.0.2.1,2001:db8:1::1 pool=v4",
		   "when the pool gains IPv6, PreferDualStack adds it without moving its IPv4");
	svc(&w, "ns/bad", T(3), NULL, "  ipFamilyPolicy: Sometimes\n", NULL);
	tap_is_str(t, said(&w),
		   "ERROR ns/bad (spec.ipFamilyPolicy: 'Sometimes' is not SingleStack, PreferDualStack or "
		   "RequireDualStack)",
		   "an unknown policy is an ERROR");
	world_free(&w);
}

static void sharing(struct tap *t)
{
	struct world w;
	world_init(&w, NULL);
	pool(&w, "p=192.0.2.0/29");
	const char *key = "  annotations: {metallb.io/allow-shared-ip: k1}\n";
	svc(&w, "ns/http", T(1), key, NULL, NULL);
	feed(&w, "apiVersion: v1\nkind: Service\nmetadata: {namespace: ns, name: dns, "
		 "creationTimestamp: \"2024-01-01T00:00:02Z\", annotations: {metallb.io/allow-shared-ip: k1}}\n"
		 "spec: {type: LoadBalancer, ports: [{port: 53, protocol: UDP}]}\n");
	svc(&w, "ns/http2", T(3), key, NULL, NULL);
	svc(&w, "ns/other", T(4), "  annotations: {metallb.io/allow-shared-ip: k2}\n", NULL, NULL);
	tap_is_str(t, said(&w),
		   "ASSIGNED ns/http 192.0.2.0 pool=p | ASSIGNED ns/dns 192.0.2.0 pool=p | "
		   "ASSIGNED ns/http2 192.0.2.1 pool=p | ASSIGNED ns/other 192.0.2.2 pool=p",
		   "one key and distinct ports share; a port clash or another key does not");
	svc(&w, "ns/local", T(5), key,
	    "  externalTrafficPolicy: Local\n  selector: {app: web}\n", NULL);
	svc(&w, "ns/local2", T(6), key,
	    "  externalTrafficPolicy: Local\n  selector: {app: web}\n  ports: [{port: 443}]\n", NULL);
	svc(&w, "ns/local3", T(7), key,
	    "  externalTrafficPolicy: Local\n  selector: {app: db}\n  ports: [{port: 5432}]\n", NULL);
	tap_is_str(t, said(&w),
		   "ASSIGNED ns/local 192.0.2.3 pool=p | ASSIGNED ns/local2 192.0.2.3 pool=p | "
		   "ASSIGNED ns/local3 192.0.2.4 pool=p",
		   "Local services share only with the same selector, never with Cluster ones");
	svc(&w, "ns/ask", T(8), "  annotations: {metallb.io/allow-shared-ip: k1}\n",
	    "  loadBalancerIP: 192.0.2.0\n", NULL);
	tap_is_str(t, said(&w), "ERROR ns/ask (port TCP/80 on 192.0.2.0 is already used by ns/http)",
		   "a requested shared address with a clashing port is an ERROR naming the port");
	struct lb_err err;
	tap_ok(t, lb_alloc_check(w.a, &err) == 0, "consistent (%s)", err.msg);
	lb_alloc_delete_service(w.a, "ns/http");
	tap_is_str(t, said(&w), "RELEASED ns/http 192.0.2.0 (service deleted) | "
		   "ASSIGNED ns/ask 192.0.2.0 pool=p",
		   "the address stays with its other holder, and the port clash is gone");
	world_free(&w);
}

static void allocation_policy(struct tap *t)
{
	struct world w;
	world_init(&w, NULL);
	feed(&w,
	     "apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata: {name: zz-open}\n"
	     "spec: {addresses: [203.0.113.0/30]}\n---\n"
	     "apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata: {name: low}\n"
	     "spec: {addresses: [198.51.100.0/30], serviceAllocation: {priority: 50}}\n---\n"
	     "apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata: {name: high}\n"
	     "spec:\n  addresses: [192.0.2.0/31]\n  serviceAllocation:\n    priority: 10\n"
	     "    namespaces: [team-a]\n---\n"
	     "apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata: {name: labelled}\n"
	     "spec:\n  addresses: [192.0.2.64/30]\n  serviceAllocation:\n    priority: 5\n"
	     "    namespaceSelectors: [{matchLabels: {tier: gold}}]\n"
	     "    serviceSelectors: [{matchExpressions: [{key: app, operator: In, values: [pay]}]}]\n");
	feed(&w, "apiVersion: v1\nkind: Namespace\nmetadata: {name: gold-ns, labels: {tier: gold}}\n");
	svc(&w, "team-a/x", T(1), NULL, NULL, NULL);
	svc(&w, "team-b/web", T(2), NULL, NULL, NULL);
	svc(&w, "gold-ns/pay", T(3), "  labels: {app: pay}\n", NULL, NULL);
	svc(&w, "gold-ns/other", T(4), "  labels: {app: shop}\n", NULL, NULL);
	tap_is_str(t, said(&w),
		   "ASSIGNED team-a/x 192.0.2.0 pool=high | ASSIGNED team-b/web 198.51.100.0 pool=low | "
		   "ASSIGNED gold-ns/pay 192.0.2.64 pool=labelled | ASSIGNED gold-ns/other 198.51.100.1 pool=low",
		   "priority first (lower wins), namespaces and selectors limit who may draw");
	svc(&w, "team-b/z", T(5), "  annotations: {metallb.io/address-pool: high}\n", NULL, NULL);
	tap_is_str(t, said(&w),
		   "ERROR team-b/z (pool high does not serve this service (serviceAllocation))",
		   "naming a pool that does not serve the namespace is an ERROR");
	feed(&w, "apiVersion: v1\nkind: Namespace\nmetadata: {name: gold-ns, labels: {tier: tin}}\n");
	tap_is_str(t, said(&w), "ASSIGNED gold-ns/pay 198.51.100.2 pool=low",
		   "a namespace relabelled out of a selector moves its services");
	world_free(&w);
}

static void classes(struct tap *t)
{
	struct world w;
	world_init(&w, NULL);
	pool(&w, "p=192.0.2.0/30");
	svc(&w, "ns/none", T(1), NULL, NULL, NULL);
	svc(&w, "ns/ours", T(2), NULL, "  loadBalancerClass: lbkit.io/lb\n", NULL);
	tap_is_str(t, said(&w), "ASSIGNED ns/none 192.0.2.0 pool=p",
		   "by default only services without a class are served");
	world_free(&w);
	world_init(&w, "lbkit.io/lb");
	pool(&w, "p=192.0.2.0/30");
	svc(&w, "ns/none", T(1), NULL, NULL, NULL);
	svc(&w, "ns/ours", T(2), NULL, "  loadBalancerClass: lbkit.io/lb\n", NULL);
	tap_is_str(t, said(&w), "ASSIGNED ns/ours 192.0.2.0 pool=p", "with a class, only that class");
	world_free(&w);
}

static void sync_and_restart(struct tap *t)
{
	struct world w;
	world_init(&w, NULL);
	lb_alloc_require_sync(w.a, "Service");
	lb_alloc_require_sync(w.a, "IPAddressPool");
	pool(&w, "p=192.0.2.0/30");
	const char *has_0 = "status: {loadBalancer: {ingress: [{ip: 192.0.2.0}]}}\n";
	const char *ann = "  annotations: {metallb.io/ip-allocated-from-pool: p}\n";
	svc(&w, "ns/new", T(1), NULL, NULL, NULL);
	svc(&w, "ns/old", T(5), ann, NULL, has_0);
	svc(&w, "ns/noann", T(6), NULL, NULL, "status: {loadBalancer: {ingress: [{ip: 192.0.2.1}]}}\n");
	lb_alloc_synced(w.a, "Service");
	tap_is_str(t, said(&w), "", "nothing is decided before every required kind is SYNCED");
	lb_alloc_synced(w.a, "IPAddressPool");
	tap_is_str(t, said(&w),
		   "ASSIGNED ns/new 192.0.2.2 pool=p | ASSIGNED ns/noann 192.0.2.1 pool=p",
		   "held addresses are kept (no line when the status already says it), new ones avoid them");
	svc(&w, "ns/new", T(1), NULL, NULL, "status: {loadBalancer: {ingress: [{ip: 192.0.2.2}]}}\n");
	tap_is_str(t, said(&w), "", "the status write coming back is not news");
	svc(&w, "ns/old", T(5), ann, NULL, "status: {loadBalancer: {ingress: [{ip: 192.0.2.3}]}}\n");
	tap_is_str(t, said(&w), "ASSIGNED ns/old 192.0.2.0 pool=p",
		   "a status changed by someone else is set right again");
	/* A pool that shrinks moves only those now outside it. */
	pool(&w, "p=192.0.2.1-192.0.2.3");
	tap_is_str(t, said(&w), "ASSIGNED ns/old 192.0.2.3 pool=p",
		   "a shrunk pool moves the services outside it, and only those");
	drop_pool(&w, "--pool p");
	tap_is_str(t, said(&w),
		   "RELEASED ns/new 192.0.2.2 (no address pool is configured) | "
		   "PENDING ns/new (no address pool is configured) | "
		   "RELEASED ns/old 192.0.2.3 (no address pool is configured) | "
		   "PENDING ns/old (no address pool is configured) | "
		   "RELEASED ns/noann 192.0.2.1 (no address pool is configured) | "
		   "PENDING ns/noann (no address pool is configured)",
		   "a deleted pool releases its addresses; services wait, oldest first");
	world_free(&w);
}

/* On a restart, every claim a Service validly holds is confirmed before any
 * new allocation, even when the Service is not fully served (PreferDualStack
 * with one family) or is in ERROR keeping its address. */
static void restart_protects_partial_claims(struct tap *t)
{
	struct world w;
	world_init(&w, NULL);
	lb_alloc_require_sync(w.a, "Service");
	pool(&w, "p=192.0.2.0/31");
	const char *ann = "  annotations: {metallb.io/ip-allocated-from-pool: p}\n";
	svc(&w, "ns/older", T(1), NULL, NULL, NULL);
	svc(&w, "ns/pref", T(5), ann, "  ipFamilyPolicy: PreferDualStack\n  ipFamilies: [IPv4, IPv6]\n",
	    "status: {loadBalancer: {ingress: [{ip: 192.0.2.0}]}}\n");
	svc(&w, "ns/err", T(6), "  annotations: {metallb.io/ip-allocated-from-pool: p}\n",
	    "  loadBalancerIP: 203.0.113.9\n", "status: {loadBalancer: {ingress: [{ip: 192.0.2.1}]}}\n");
	lb_alloc_synced(w.a, "Service");
	tap_is_str(t, said(&w),
		   "PENDING ns/older (no free IPv4 address in pool p) | "
		   "ERROR ns/err 192.0.2.1 (requested address 203.0.113.9 is not in any pool)",
		   "partial and ERROR claims survive a restart; the newcomer waits");
	world_free(&w);
}

static void overlaps(struct tap *t)
{
	struct world w;
	world_init(&w, NULL);
	pool(&w, "first=192.0.2.0/29");
	pool(&w, "second=192.0.2.4-192.0.2.20");
	svc(&w, "ns/a", T(1), "  annotations: {metallb.io/address-pool: second}\n", NULL, NULL);
	const char *s = said(&w);
	tap_ok(t, strstr(s, "PENDING ns/a (pool second is not usable: pool second range "
			    "192.0.2.4-192.0.2.20 overlaps pool first range 192.0.2.0/29") != NULL,
	       "an overlapping pool is left out, naming both: %s", s);
	drop_pool(&w, "--pool first");
	tap_is_str(t, said(&w), "ASSIGNED ns/a 192.0.2.4 pool=second", "and usable once the clash is gone");
	world_free(&w);
}

struct cm_ctx {
	struct lb_pool_def *defs[4];
	size_t n;
	char errors[512];
};

static void cm_pool(void *ctx, struct lb_pool_def *def, const struct lb_err *err)
{
	struct cm_ctx *c = ctx;
	if (def && c->n < 4)
		c->defs[c->n++] = def;
	else if (!def)
		snprintf(c->errors, sizeof(c->errors), "%s", err->msg);
}

static int cm_object(void *ctx, json_t *obj, const char *name, unsigned long line)
{
	(void)name;
	(void)line;
	struct lb_err err;
	if (lb_pool_from_configmap(obj, cm_pool, ctx, &err) < 0)
		snprintf(((struct cm_ctx *)ctx)->errors, 512, "%s", err.msg);
	return 0;
}

static void legacy_configmap(struct tap *t)
{
	struct world w;
	struct lb_err err;
	struct cm_ctx c = {{0}, 0, ""};
	const char *cm = "apiVersion: v1\nkind: ConfigMap\n"
			 "metadata: {namespace: metallb-system, name: config}\n"
			 "data:\n  config: |\n    address-pools:\n    - name: legacy\n"
			 "      protocol: layer2\n      addresses: [192.0.2.0/30]\n"
			 "      avoid-buggy-ips: true\n"
			 "    - name: broken\n      addresses: [192.0.2.9-192.0.2.1]\n";
	world_init(&w, NULL);
	tap_ok(t, lb_manifest_load_buffer(cm, strlen(cm), "cm", cm_object, &c, &err) == 0,
	       "the ConfigMap manifest parses");
	tap_is_int(t, c.n, 1, "one good legacy pool; the bad one does not stop it");
	tap_ok(t, strstr(c.errors, "broken") && strstr(c.errors, "reversed"),
	       "the bad pool is named with its problem: %s", c.errors);
	lb_alloc_set_pools(w.a, "ConfigMap metallb-system/config", c.defs, c.n, &err);
	svc(&w, "ns/a", T(1), NULL, NULL, NULL);
	tap_is_str(t, said(&w), "ASSIGNED ns/a 192.0.2.1 pool=legacy",
		   "legacy pools serve, avoid-buggy-ips honoured");
	world_free(&w);
}

int main(void)
{
	struct tap t = {0, 0};
	basic(&t);
	buggy_and_autoassign(&t);
	requests(&t);
	dual_stack(&t);
	sharing(&t);
	allocation_policy(&t);
	classes(&t);
	sync_and_restart(&t);
	overlaps(&t);
	restart_protects_partial_claims(&t);
	legacy_configmap(&t);
	return tap_done(&t);
}
