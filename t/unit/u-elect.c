/* The election's rules, one scenario each: the same lines go to one
 * lb_elect per node, as every speaker of a cluster would see them, and the
 * ANNOUNCE/WITHDRAW lines each prints are checked. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elect.h"
#include "elect_rank.h"
#include "tap.h"

#define NODES 3
static const char *const names[NODES] = {"node-a", "node-b", "node-c"};

struct view {
	struct lb_elect *e;
	char out[2048]; /* what the last update printed, "TYPE ip via [iface];" */
};

struct world {
	struct view v[NODES];
};

static void collect(void *ctx, json_t *line)
{
	struct view *v = ctx;
	const char *iface = json_string_value(json_object_get(line, "interface"));
	size_t len = strlen(v->out);
	const json_t *obj = json_object_get(line, "object");
	if (obj) {
		snprintf(v->out + len, sizeof(v->out) - len, "%s %s %s;",
			 json_string_value(json_object_get(line, "type")),
			 json_string_value(json_object_get(obj, "kind")),
			 json_string_value(json_object_get(json_object_get(obj, "metadata"), "name")));
		json_decref(line);
		return;
	}
	snprintf(v->out + len, sizeof(v->out) - len, "%s %s %s%s%s;",
		 json_string_value(json_object_get(line, "type")),
		 json_string_value(json_object_get(line, "ip")),
		 json_string_value(json_object_get(line, "via")), iface ? " " : "",
		 iface ? iface : "");
	json_decref(line);
}

static void world_init(struct world *w, int require_sync)
{
	for (int i = 0; i < NODES; i++) {
		w->v[i].e = lb_elect_new(names[i]);
		w->v[i].out[0] = '\0';
		if (require_sync)
			lb_elect_require_sync(w->v[i].e, "Node");
	}
}

static void world_free(struct world *w)
{
	for (int i = 0; i < NODES; i++)
		lb_elect_free(w->v[i].e);
}

/* Feeds one line to every view, then runs one election round in each. */
static int feed(struct world *w, const char *text)
{
	json_error_t jerr;
	json_t *line = json_loads(text, 0, &jerr);
	if (!line) {
		printf("# bad test line: %s\n", jerr.text);
		return -1;
	}
	int rc = 0;
	for (int i = 0; i < NODES; i++) {
		struct lb_err err;
		w->v[i].out[0] = '\0';
		if (lb_elect_handle(w->v[i].e, line, &err) < 0) {
			printf("# %s\n", err.msg);
			rc = -1;
		}
		lb_elect_update(w->v[i].e, collect, &w->v[i], &err);
	}
	json_decref(line);
	return rc;
}

static void node(struct world *w, const char *name, const char *ready, const char *netun,
		 const char *labels)
{
	char buf[1024];
	snprintf(buf, sizeof(buf),
		 "{\"type\":\"MODIFIED\",\"object\":{\"kind\":\"Node\",\"metadata\":{\"name\":\"%s\","
		 "\"labels\":%s},\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"%s\"},"
		 "{\"type\":\"NetworkUnavailable\",\"status\":\"%s\"}],\"addresses\":[{\"type\":"
		 "\"InternalIP\",\"address\":\"192.0.2.%d\"}]}}}",
		 name, labels ? labels : "{}", ready, netun, 21 + (name[5] - 'a'));
	feed(w, buf);
}

static void all_nodes(struct world *w)
{
	for (int i = 0; i < NODES; i++) {
		char labels[64];
		snprintf(labels, sizeof(labels), "{\"zone\":\"%c\"}", names[i][5]);
		node(w, names[i], "True", "False", labels);
	}
}

/* An EndpointSlice "<svc>-<tag>" of default/<svc>: endpoints is its JSON
 * array of endpoints. */
static void slice(struct world *w, const char *type, const char *svc, const char *tag,
		  const char *endpoints)
{
	char buf[1024];
	snprintf(buf, sizeof(buf),
		 "{\"type\":\"%s\",\"object\":{\"kind\":\"EndpointSlice\",\"metadata\":"
		 "{\"namespace\":\"default\",\"name\":\"%s-%s\",\"labels\":{\"kubernetes.io/"
		 "service-name\":\"%s\"}},\"endpoints\":%s}}",
		 type, svc, tag, svc, endpoints ? endpoints : "[]");
	feed(w, buf);
}

/* A LoadBalancer Service with its address, and nothing else. */
/* A ready endpoint of Service "s" (no namespace), for the views fed by
 * hand. */
#define READY_SLICE_OF_S                                                                    \
	"{\"kind\":\"EndpointSlice\",\"metadata\":{\"name\":\"s-1\",\"labels\":"             \
	"{\"kubernetes.io/service-name\":\"s\"}},\"endpoints\":[{\"addresses\":"              \
	"[\"198.51.100.9\"]}]}"

static void service_only(struct world *w, const char *name, const char *ip, const char *policy,
			 const char *labels)
{
	char buf[1024];
	snprintf(buf, sizeof(buf),
		 "{\"type\":\"ADDED\",\"object\":{\"kind\":\"Service\",\"metadata\":{\"namespace\":"
		 "\"default\",\"name\":\"%s\",\"labels\":%s,\"annotations\":{\"metallb.io/"
		 "ip-allocated-from-pool\":\"pool1\"}},\"spec\":{\"type\":\"LoadBalancer\","
		 "\"externalTrafficPolicy\":\"%s\"},\"status\":{\"loadBalancer\":{\"ingress\":"
		 "[{\"ip\":\"%s\"}]}}}}",
		 name, labels ? labels : "{}", policy, ip);
	feed(w, buf);
}

/* The same, under Cluster with a ready endpoint (fed first), as a Service
 * must have one to be announced; under Local the test gives the
 * endpoints. */
static void service(struct world *w, const char *name, const char *ip, const char *policy,
		    const char *labels)
{
	if (strcmp(policy, "Local"))
		slice(w, "ADDED", name, "ready",
		      "[{\"addresses\":[\"198.51.100.99\"],\"nodeName\":\"node-a\","
		      "\"conditions\":{\"ready\":true}}]");
	service_only(w, name, ip, policy, labels);
}

static void l2adv(struct world *w, const char *spec)
{
	char buf[1024];
	snprintf(buf, sizeof(buf),
		 "{\"type\":\"ADDED\",\"object\":{\"kind\":\"L2Advertisement\",\"metadata\":"
		 "{\"namespace\":\"metallb-system\",\"name\":\"l2\"},\"spec\":%s}}",
		 spec);
	feed(w, buf);
}

/* Which views announce ip over l2: their indices as a string, e.g. "1". */
static const char *l2_owners(struct world *w, const char *ip, char *buf)
{
	char want[128];
	snprintf(want, sizeof(want), "ANNOUNCE %s l2", ip);
	size_t n = 0;
	for (int i = 0; i < NODES; i++) {
		if (strstr(w->v[i].out, want))
			buf[n++] = (char)('0' + i);
	}
	buf[n] = '\0';
	return buf;
}

static int owner_index(struct world *w, const char *ip)
{
	const char *o = lb_elect_l2_owner(w->v[0].e, ip);
	for (int i = 0; o && i < NODES; i++) {
		if (!strcmp(o, names[i]))
			return i;
	}
	return -1;
}

/* Whether a ranks before b for ip (lower SHA-256). */
static int rank_less(const char *a, const char *b, const char *ip)
{
	unsigned char ra[LB_ELECT_RANK_LEN], rb[LB_ELECT_RANK_LEN];
	lb_elect_l2_rank(a, ip, ra);
	lb_elect_l2_rank(b, ip, rb);
	return memcmp(ra, rb, sizeof(ra)) < 0;
}

static void hex(const unsigned char *d, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

static void test_l2_one_owner_and_agreement(struct tap *t)
{
	struct world w;
	world_init(&w, 0);
	all_nodes(&w);
	l2adv(&w, "{}");
	service(&w, "web", "192.0.2.10", "Cluster", NULL);
	char buf[8];
	const char *owners = l2_owners(&w, "192.0.2.10", buf);
	tap_is_int(t, strlen(owners), 1, "exactly one node announces the address over l2");
	int o = owner_index(&w, "192.0.2.10");
	tap_ok(t, o >= 0 && owners[0] == '0' + o, "the announcer is the computed owner");
	for (int i = 1; i < NODES; i++)
		tap_is_str(t, lb_elect_l2_owner(w.v[i].e, "192.0.2.10"),
			   lb_elect_l2_owner(w.v[0].e, "192.0.2.10"),
			   "view of %s elects the same owner", names[i]);
	/* The owner is the eligible node of lowest rank. */
	int best = 0;
	for (int i = 1; i < NODES; i++) {
		if (rank_less(names[i], names[best], "192.0.2.10"))
			best = i;
	}
	tap_is_int(t, o, best, "the owner has the lowest SHA-256 rank");
	tap_is_str(t, names[o], "node-c", "which is node-c's (39f2... < 6e9f... < d4b8...)");
	unsigned char r[LB_ELECT_RANK_LEN];
	char text[2 * LB_ELECT_RANK_LEN + 1];
	lb_elect_l2_rank("node-a", "192.0.2.10", r);
	hex(r, sizeof(r), text);
	/* Computed apart: printf '%s' 'node-a#192.0.2.10' | sha256sum */
	tap_is_str(t, text, "d4b84135501a6622f43f01422f65d768d1a4637914be8add4e31f107336b8068",
		   "the rank is SHA-256 of \"node-a#192.0.2.10\", as MetalLB's speaker hashes it");
	char canon[LB_ADDR_STRLEN];
	tap_ok(t, lb_elect_rank_ip("2001:DB8:0:0:0:0:0:10", canon) == 0, "IPv6 parses");
	tap_is_str(t, canon, "2001:db8::10", "hashed as Go writes it (RFC 5952)");
	lb_elect_rank_ip("2001:db8:0:1:0:0:0:1", canon);
	tap_is_str(t, canon, "2001:db8:0:1::1", "a lone zero field is not compressed");
	lb_elect_rank_ip("::ffff:192.0.2.10", canon);
	tap_is_str(t, canon, "192.0.2.10", "IPv4-mapped as IPv4, as Go's To4 does");
	tap_ok(t, lb_elect_rank_ip("192.0.2.10/32", canon) < 0, "not an address");

	/* Spread: over many addresses, every node owns some. */
	int owned[NODES] = {0};
	for (int k = 0; k < 60; k++) {
		char ip[32], name[32];
		snprintf(ip, sizeof(ip), "198.51.100.%d", k + 1);
		snprintf(name, sizeof(name), "svc%d", k);
		service(&w, name, ip, "Cluster", NULL);
		int i = owner_index(&w, ip);
		if (i >= 0)
			owned[i]++;
	}
	tap_ok(t, owned[0] && owned[1] && owned[2], "addresses spread over all nodes (%d/%d/%d)",
	       owned[0], owned[1], owned[2]);
	world_free(&w);
}

static void test_failover(struct tap *t, const char *how)
{
	struct world w;
	world_init(&w, 0);
	all_nodes(&w);
	l2adv(&w, "{\"interfaces\":[\"eth0\"]}");
	service(&w, "web", "192.0.2.10", "Cluster", NULL);
	int o = owner_index(&w, "192.0.2.10");
	tap_ok(t, o >= 0, "%s: an owner before", how);
	if (o < 0) {
		world_free(&w);
		return;
	}
	if (!strcmp(how, "NotReady")) {
		node(&w, names[o], "False", "False", NULL);
	} else if (!strcmp(how, "NetworkUnavailable")) {
		node(&w, names[o], "True", "True", NULL);
	} else if (!strcmp(how, "excluded")) {
		node(&w, names[o], "True", "False",
		     "{\"node.kubernetes.io/exclude-from-external-load-balancers\":\"\"}");
	} else {
		char buf[256];
		snprintf(buf, sizeof(buf),
			 "{\"type\":\"DOWN\",\"target\":\"tcp://192.0.2.%d:7472\",\"state\":\"DOWN\"}",
			 21 + o);
		feed(&w, buf);
	}
	tap_is_str(t, w.v[o].out, "WITHDRAW 192.0.2.10 l2 eth0;", "%s: the old owner withdraws",
		   how);
	char buf[8];
	const char *now = l2_owners(&w, "192.0.2.10", buf);
	tap_is_int(t, strlen(now), 1, "%s: exactly one other node announces", how);
	tap_ok(t, now[0] != '0' + o, "%s: and it is not the old owner", how);
	int n = owner_index(&w, "192.0.2.10");
	for (int i = 0; i < NODES; i++)
		tap_ok(t, owner_index(&w, "192.0.2.10") == n && n != o, "%s: view %d agrees", how, i);
	if (!strcmp(how, "DOWN")) {
		char line[256];
		snprintf(line, sizeof(line),
			 "{\"type\":\"UP\",\"target\":\"tcp://192.0.2.%d:7472\",\"state\":\"UP\"}",
			 21 + o);
		feed(&w, line);
		tap_is_str(t, w.v[o].out, "ANNOUNCE 192.0.2.10 l2 eth0;",
			   "UP again: the address goes back to its first owner");
		tap_is_str(t, w.v[n].out, "WITHDRAW 192.0.2.10 l2 eth0;", "and the stand-in withdraws");
	}
	world_free(&w);
}

static void test_local_policy(struct tap *t)
{
	struct world w;
	world_init(&w, 0);
	all_nodes(&w);
	l2adv(&w, "{}");
	feed(&w, "{\"type\":\"ADDED\",\"object\":{\"kind\":\"BGPAdvertisement\",\"metadata\":"
		 "{\"namespace\":\"metallb-system\",\"name\":\"bgp\"},\"spec\":{}}}");
	service(&w, "web", "192.0.2.10", "Local", NULL);
	char buf[8];
	tap_is_str(t, l2_owners(&w, "192.0.2.10", buf), "",
		   "Local without endpoints: nobody announces over l2");
	tap_ok(t, !strstr(w.v[0].out, "bgp") && !strstr(w.v[1].out, "bgp"),
	       "nor over bgp");
	feed(&w, "{\"type\":\"ADDED\",\"object\":{\"kind\":\"EndpointSlice\",\"metadata\":"
		 "{\"namespace\":\"default\",\"name\":\"web-x\",\"labels\":{\"kubernetes.io/"
		 "service-name\":\"web\"}},\"endpoints\":[{\"addresses\":[\"198.51.100.3\"],"
		 "\"nodeName\":\"node-c\",\"conditions\":{\"ready\":true}},{\"addresses\":"
		 "[\"198.51.100.2\"],\"nodeName\":\"node-b\",\"conditions\":{\"ready\":false}},"
		 "{\"addresses\":[\"198.51.100.1\"],\"nodeName\":\"node-a\"}]}}");
	tap_is_str(t, lb_elect_l2_owner(w.v[1].e, "192.0.2.10"),
		   rank_less("node-a", "node-c", "192.0.2.10") ? "node-a" : "node-c",
		   "the owner is one of the nodes with a ready endpoint (ready absent = ready)");
	tap_ok(t, strstr(w.v[2].e ? w.v[2].out : "", "ANNOUNCE 192.0.2.10 bgp") != NULL,
	       "node-c (ready endpoint) announces over bgp");
	tap_ok(t, strstr(w.v[0].out, "ANNOUNCE 192.0.2.10 bgp") != NULL,
	       "node-a (endpoint without ready) announces over bgp");
	tap_ok(t, !strstr(w.v[1].out, "bgp"), "node-b (endpoint not ready) does not");
	feed(&w, "{\"type\":\"DELETED\",\"object\":{\"kind\":\"EndpointSlice\",\"metadata\":"
		 "{\"namespace\":\"default\",\"name\":\"web-x\"}}}");
	tap_ok(t, strstr(w.v[2].out, "WITHDRAW 192.0.2.10 bgp") != NULL,
	       "endpoints gone: node-c withdraws");
	/* A slice of a same-named Service elsewhere does not count. */
	feed(&w, "{\"type\":\"ADDED\",\"object\":{\"kind\":\"EndpointSlice\",\"metadata\":"
		 "{\"namespace\":\"other\",\"name\":\"web-y\",\"labels\":{\"kubernetes.io/"
		 "service-name\":\"web\"}},\"endpoints\":[{\"nodeName\":\"node-c\"}]}}");
	tap_is_str(t, w.v[2].out, "", "a slice in another namespace changes nothing");
	world_free(&w);
}

static void keep(void *ctx, json_t *line)
{
	json_array_append_new(ctx, line);
}

static void test_bgp(struct tap *t)
{
	struct world w;
	world_init(&w, 0);
	all_nodes(&w);
	feed(&w, "{\"type\":\"ADDED\",\"object\":{\"kind\":\"Community\",\"metadata\":"
		 "{\"namespace\":\"metallb-system\",\"name\":\"c\"},\"spec\":{\"communities\":"
		 "[{\"name\":\"no-export-ish\",\"value\":\"65535:65281\"},"
		 "{\"name\":\"big\",\"value\":\"large:64512:1:2\"}]}}}");
	feed(&w, "{\"type\":\"ADDED\",\"object\":{\"kind\":\"BGPAdvertisement\",\"metadata\":"
		 "{\"namespace\":\"metallb-system\",\"name\":\"bgp\"},\"spec\":{\"peers\":[\"r1\"],"
		 "\"communities\":[\"no-export-ish\",\"big\",\"64512:7\"],\"localPref\":150,"
		 "\"aggregationLength\":24,\"aggregationLengthV6\":64,\"nodeSelectors\":"
		 "[{\"matchExpressions\":[{\"key\":\"zone\",\"operator\":\"In\",\"values\":[\"a\",\"b\"]}]}]}}}");
	service(&w, "web", "192.0.2.10", "Cluster", NULL);
	tap_is_str(t, w.v[0].out, "ANNOUNCE 192.0.2.10 bgp;", "node-a announces over bgp");
	tap_is_str(t, w.v[1].out, "ANNOUNCE 192.0.2.10 bgp;", "node-b too (ECMP)");
	tap_is_str(t, w.v[2].out, "", "node-c is not selected by nodeSelectors");

	/* The attributes on the line. */
	struct lb_elect *e = lb_elect_new("node-a");
	json_t *lines = json_array();
	const char *evs[] = {
		"{\"type\":\"ADDED\",\"object\":{\"kind\":\"Node\",\"metadata\":{\"name\":\"node-a\"},"
		"\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}}}",
		"{\"type\":\"ADDED\",\"object\":{\"kind\":\"Community\",\"metadata\":{\"name\":\"c\"},"
		"\"spec\":{\"communities\":[{\"name\":\"big\",\"value\":\"large:64512:1:2\"}]}}}",
		"{\"type\":\"ADDED\",\"object\":{\"kind\":\"BGPAdvertisement\",\"metadata\":{\"name\":"
		"\"b\"},\"spec\":{\"peers\":[\"r1\"],\"communities\":[\"big\",\"64512:7\"],"
		"\"localPref\":150,\"aggregationLength\":24,\"aggregationLengthV6\":64}}}",
		READY_SLICE_OF_S,
		"{\"kind\":\"Service\",\"metadata\":{\"name\":\"s\"},\"spec\":{\"type\":"
		"\"LoadBalancer\"},\"status\":{\"loadBalancer\":{\"ingress\":[{\"ip\":"
		"\"2001:db8::10\"}]}}}",
	};
	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++) {
		json_t *l = json_loads(evs[i], 0, NULL);
		struct lb_err err;
		lb_elect_handle(e, l, &err);
		json_decref(l);
	}
	struct lb_err err;
	lb_elect_update(e, keep, lines, &err);
	tap_is_str(t, json_string_value(json_object_get(json_array_get(lines, 0), "type")), "ADDED",
		   "the Community passes through first");
	char *got = json_dumps(json_array_get(lines, 1), JSON_COMPACT);
	tap_is_str(t, got,
		   "{\"type\":\"ANNOUNCE\",\"ip\":\"2001:db8::10\",\"via\":\"bgp\",\"peers\":"
		   "[\"r1\"],\"communities\":[\"64512:7\"],\"largeCommunities\":[\"64512:1:2\"],"
		   "\"localPref\":150,\"aggregationLength\":64,\"advertisement\":\"b\"}",
		   "bgp line: peers, named community resolved, large split out, v6 aggregation, "
		   "the advertisement last");
	free(got);
	tap_is_int(t, json_array_size(lines), 2, "one line for one address");
	lb_elect_free(e);
	json_decref(lines);
	world_free(&w);
}

static void test_selectors(struct tap *t)
{
	struct world w;
	world_init(&w, 0);
	all_nodes(&w);
	feed(&w, "{\"type\":\"ADDED\",\"object\":{\"kind\":\"IPAddressPool\",\"metadata\":"
		 "{\"namespace\":\"metallb-system\",\"name\":\"pool1\",\"labels\":{\"tier\":"
		 "\"front\"}},\"spec\":{\"addresses\":[\"192.0.2.0/28\"]}}}");
	/* Only node-b may announce; only Services labelled app=web; only
	 * pools labelled tier=front. */
	l2adv(&w, "{\"ipAddressPoolSelectors\":[{\"matchLabels\":{\"tier\":\"front\"}}],"
		  "\"serviceSelectors\":[{\"matchLabels\":{\"app\":\"web\"}}],"
		  "\"nodeSelectors\":[{\"matchLabels\":{\"zone\":\"b\"}}],"
		  "\"interfaces\":[\"eth0\",\"eth1\"]}");
	service(&w, "web", "192.0.2.10", "Cluster", "{\"app\":\"web\"}");
	tap_is_str(t, w.v[1].out, "ANNOUNCE 192.0.2.10 l2 eth0;ANNOUNCE 192.0.2.10 l2 eth1;",
		   "nodeSelectors: node-b owns it, on each of the advertisement's interfaces");
	tap_is_str(t, w.v[0].out, "", "node-a is not selected");
	service(&w, "db", "192.0.2.11", "Cluster", "{\"app\":\"db\"}");
	tap_is_str(t, lb_elect_l2_owner(w.v[1].e, "192.0.2.11"), NULL,
		   "serviceSelectors: a Service not selected is not announced");
	feed(&w, "{\"type\":\"MODIFIED\",\"object\":{\"kind\":\"IPAddressPool\",\"metadata\":"
		 "{\"namespace\":\"metallb-system\",\"name\":\"pool1\",\"labels\":{\"tier\":"
		 "\"back\"}},\"spec\":{\"addresses\":[\"192.0.2.0/28\"]}}}");
	tap_is_str(t, w.v[1].out, "WITHDRAW 192.0.2.10 l2 eth0;WITHDRAW 192.0.2.10 l2 eth1;",
		   "ipAddressPoolSelectors: the pool relabelled, the address is withdrawn");
	l2adv(&w, "{\"ipAddressPools\":[\"pool2\"]}");
	tap_is_str(t, w.v[0].out, "", "ipAddressPools naming another pool covers nothing");
	l2adv(&w, "{\"ipAddressPools\":[\"pool1\"]}");
	char buf[8];
	tap_is_int(t, strlen(l2_owners(&w, "192.0.2.10", buf)) + strlen(l2_owners(&w, "192.0.2.11", buf)),
		   2, "ipAddressPools naming the pool covers both Services, one owner each");
	world_free(&w);
}

static void test_sync_and_errors(struct tap *t)
{
	struct world w;
	world_init(&w, 1);
	all_nodes(&w);
	l2adv(&w, "{}");
	service(&w, "web", "192.0.2.10", "Cluster", NULL);
	char buf[64];
	tap_is_str(t, l2_owners(&w, "192.0.2.10", buf), "", "nothing before SYNCED");
	tap_is_str(t, lb_elect_awaiting(w.v[0].e, buf, sizeof(buf)), "Node", "awaiting Node");
	feed(&w, "{\"type\":\"SYNCED\",\"kind\":\"Node\"}");
	tap_is_int(t, strlen(l2_owners(&w, "192.0.2.10", buf)), 1, "SYNCED: one owner announces");
	feed(&w, "{\"type\":\"DELETED\",\"object\":{\"kind\":\"Service\",\"metadata\":"
		 "{\"namespace\":\"default\",\"name\":\"web\"}}}");
	tap_is_int(t, strlen(l2_owners(&w, "192.0.2.10", buf)), 0, "Service deleted");
	int withdrawn = 0;
	for (int i = 0; i < NODES; i++)
		withdrawn += !strcmp(w.v[i].out, "WITHDRAW 192.0.2.10 l2;");
	tap_is_int(t, withdrawn, 1, "and its owner withdraws it");

	struct lb_err err;
	const char *bad[] = {"[]", "{}", "{\"type\":\"NOPE\"}", "{\"type\":\"ADDED\"}",
			     "{\"type\":\"ADDED\",\"object\":{}}",
			     "{\"type\":\"ADDED\",\"object\":{\"kind\":\"Node\"}}",
			     "{\"type\":\"DOWN\"}", "{\"type\":\"SYNCED\"}"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *l = json_loads(bad[i], JSON_DECODE_ANY, NULL);
		tap_is_int(t, lb_elect_handle(w.v[0].e, l, &err), -1, "refused: %s (%s)", bad[i],
			   err.msg);
		json_decref(l);
	}
	json_t *l = json_loads("{\"type\":\"ADDED\",\"object\":{\"kind\":\"Pod\",\"metadata\":"
			       "{\"name\":\"p\"}}}", 0, NULL);
	tap_is_int(t, lb_elect_handle(w.v[0].e, l, &err), 0, "other kinds are ignored");
	json_decref(l);
	world_free(&w);
}

static void peer(struct world *w, const char *type, const char *name, const char *sels)
{
	char buf[1024];
	snprintf(buf, sizeof(buf),
		 "{\"type\":\"%s\",\"object\":{\"kind\":\"BGPPeer\",\"metadata\":"
		 "{\"namespace\":\"metallb-system\",\"name\":\"%s\"},\"spec\":{\"myASN\":64512,"
		 "\"peerASN\":64513,\"peerAddress\":\"192.0.2.1\"%s%s}}}",
		 type, name, sels ? ",\"nodeSelectors\":" : "", sels ? sels : "");
	feed(w, buf);
}

/* BGPPeers pass through to the nodes they select, before the ANNOUNCEs
 * that may name them and after the WITHDRAWs of the routes they carried
 * (Contract B of lbkit's speaker pipeline). */
static void test_passthrough(struct tap *t)
{
	struct world w;
	world_init(&w, 1);
	const char *zone_a = "[{\"matchLabels\":{\"zone\":\"a\"}}]";
	peer(&w, "ADDED", "r1", NULL);
	tap_is_str(t, w.v[0].out, "", "nothing passes before SYNCED");
	all_nodes(&w);
	feed(&w, "{\"type\":\"SYNCED\",\"kind\":\"Node\"}");
	tap_is_str(t, w.v[2].out, "ADDED BGPPeer r1;", "a peer without nodeSelectors: every node");
	const char *prof = "{\"type\":\"%s\",\"object\":{\"kind\":\"BFDProfile\",\"metadata\":"
			   "{\"namespace\":\"metallb-system\",\"name\":\"fast\"},\"spec\":"
			   "{\"receiveInterval\":%d}}}";
	char pbuf[256];
	snprintf(pbuf, sizeof(pbuf), prof, "ADDED", 100);
	feed(&w, pbuf);
	tap_is_str(t, w.v[0].out, "ADDED BFDProfile fast;", "a BFDProfile passes to node-a");
	tap_is_str(t, w.v[2].out, "ADDED BFDProfile fast;", "and to every node");
	snprintf(pbuf, sizeof(pbuf), prof, "MODIFIED", 200);
	feed(&w, pbuf);
	tap_is_str(t, w.v[1].out, "MODIFIED BFDProfile fast;", "changed: MODIFIED");
	snprintf(pbuf, sizeof(pbuf), prof, "DELETED", 200);
	feed(&w, pbuf);
	tap_is_str(t, w.v[1].out, "DELETED BFDProfile fast;", "deleted: DELETED");
	peer(&w, "ADDED", "ra", zone_a);
	tap_is_str(t, w.v[0].out, "ADDED BGPPeer ra;", "a peer selecting zone a: node-a");
	tap_is_str(t, w.v[1].out, "", "not node-b");
	char adv[512];
	snprintf(adv, sizeof(adv),
		 "{\"type\":\"ADDED\",\"object\":{\"kind\":\"BGPAdvertisement\",\"metadata\":"
		 "{\"namespace\":\"metallb-system\",\"name\":\"b\"},\"spec\":{\"peers\":[\"ra\"],"
		 "\"nodeSelectors\":%s}}}",
		 zone_a);
	feed(&w, adv);
	service(&w, "web", "192.0.2.10", "Cluster", NULL);
	tap_is_str(t, w.v[0].out, "ANNOUNCE 192.0.2.10 bgp;", "node-a announces to ra");

	/* node-a leaves zone a: withdraw first, then the peer goes. */
	node(&w, "node-a", "True", "False", "{\"zone\":\"x\"}");
	tap_is_str(t, w.v[0].out, "WITHDRAW 192.0.2.10 bgp;DELETED BGPPeer ra;",
		   "a peer that stops selecting the node: DELETED, after the WITHDRAW");
	peer(&w, "MODIFIED", "ra", "[{\"matchLabels\":{\"zone\":\"x\"}}]");
	tap_is_str(t, w.v[0].out, "ADDED BGPPeer ra;", "selecting it again: ADDED");
	peer(&w, "MODIFIED", "ra", "[{\"matchLabels\":{\"zone\":\"x\"}},{\"matchLabels\":{}}]");
	tap_is_str(t, w.v[0].out, "MODIFIED BGPPeer ra;", "changed and still selecting: MODIFIED");
	node(&w, "node-a", "False", "False", "{\"zone\":\"x\"}");
	tap_is_str(t, w.v[0].out, "", "a NotReady node keeps its sessions");
	node(&w, "node-a", "True", "False", "{\"zone\":\"x\"}");
	peer(&w, "DELETED", "ra", NULL);
	tap_is_str(t, w.v[0].out, "DELETED BGPPeer ra;", "a deleted peer: DELETED");
	peer(&w, "ADDED", "ra", zone_a);
	peer(&w, "ADDED", "rb", "[{\"matchLabels\":{\"zone\":\"b\"}}]");
	tap_is_str(t, w.v[0].out, "", "peers that select other nodes pass nothing");
	world_free(&w);

	/* Order within one round: the peer before the ANNOUNCE naming it. */
	world_init(&w, 0);
	feed(&w, "{\"type\":\"ADDED\",\"object\":{\"kind\":\"BGPAdvertisement\",\"metadata\":"
		 "{\"namespace\":\"metallb-system\",\"name\":\"b\"},\"spec\":{\"peers\":[\"r1\"]}}}");
	struct lb_elect *e = w.v[0].e;
	json_t *lines = json_array();
	const char *evs[] = {
		"{\"kind\":\"Node\",\"metadata\":{\"name\":\"node-a\"},\"status\":"
		"{\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}}",
		READY_SLICE_OF_S,
		"{\"kind\":\"Service\",\"metadata\":{\"name\":\"s\"},\"spec\":{\"type\":"
		"\"LoadBalancer\"},\"status\":{\"loadBalancer\":{\"ingress\":[{\"ip\":"
		"\"192.0.2.10\"}]}}}",
		"{\"kind\":\"BGPPeer\",\"metadata\":{\"name\":\"r1\"},\"spec\":{\"bfdProfile\":"
		"\"fast\"}}",
		"{\"kind\":\"BFDProfile\",\"metadata\":{\"name\":\"fast\"}}",
	};
	struct lb_err err;
	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++) {
		json_t *l = json_loads(evs[i], 0, NULL);
		lb_elect_handle(e, l, &err);
		json_decref(l);
	}
	lb_elect_update(e, keep, lines, &err);
	char *got = json_dumps(json_array_get(lines, 0), JSON_COMPACT);
	tap_is_str(t, got,
		   "{\"type\":\"ADDED\",\"object\":{\"kind\":\"BFDProfile\",\"metadata\":"
		   "{\"name\":\"fast\"}}}",
		   "the BFDProfile comes first, though it came last");
	free(got);
	got = json_dumps(json_array_get(lines, 1), JSON_COMPACT);
	tap_is_str(t, got,
		   "{\"type\":\"ADDED\",\"object\":{\"kind\":\"BGPPeer\",\"metadata\":"
		   "{\"name\":\"r1\"},\"spec\":{\"bfdProfile\":\"fast\"}}}",
		   "then the peer naming it, as a watch event of the object");
	free(got);
	tap_is_str(t, json_string_value(json_object_get(json_array_get(lines, 2), "type")),
		   "ANNOUNCE", "then the ANNOUNCE that names the peer");
	json_decref(lines);
	world_free(&w);
}

static void named_l2adv(struct world *w, const char *name, const char *spec)
{
	char buf[1024];
	snprintf(buf, sizeof(buf),
		 "{\"type\":\"ADDED\",\"object\":{\"kind\":\"L2Advertisement\",\"metadata\":"
		 "{\"namespace\":\"metallb-system\",\"name\":\"%s\"},\"spec\":%s}}",
		 name, spec);
	feed(w, buf);
}

static const char *owner_of(struct world *w, const char *ip)
{
	const char *o = lb_elect_l2_owner(w->v[0].e, ip);
	return o ? o : "";
}

/* MetalLB's layer 2 order: preference score first, then SHA-256 of the
 * node and the Service's first address. By hash alone, for 192.0.2.10,
 * node-c < node-b < node-a. */
static void test_metallb_order(struct tap *t)
{
	struct world w;
	world_init(&w, 0);
	all_nodes(&w);
	l2adv(&w, "{}");
	slice(&w, "ADDED", "dual", "1", "[{\"addresses\":[\"198.51.100.9\"]}]");
	slice(&w, "ADDED", "bad", "1", "[{\"addresses\":[\"198.51.100.9\"]}]");
	feed(&w, "{\"type\":\"ADDED\",\"object\":{\"kind\":\"Service\",\"metadata\":{\"namespace\":"
		 "\"default\",\"name\":\"dual\"},\"spec\":{\"type\":\"LoadBalancer\"},\"status\":"
		 "{\"loadBalancer\":{\"ingress\":[{\"ip\":\"192.0.2.10\"},{\"ip\":\"2001:db8::10\"}]}}}}");
	tap_is_str(t, owner_of(&w, "192.0.2.10"), "node-c", "dual stack: the IPv4 address by hash");
	tap_is_str(t, owner_of(&w, "2001:db8::10"), "node-c",
		   "the IPv6 address follows the Service's first address, not its own hash");
	tap_ok(t, strstr(w.v[2].out, "ANNOUNCE 192.0.2.10 l2") &&
			  strstr(w.v[2].out, "ANNOUNCE 2001:db8::10 l2"),
	       "node-c announces both");
	feed(&w, "{\"type\":\"ADDED\",\"object\":{\"kind\":\"Service\",\"metadata\":{\"namespace\":"
		 "\"default\",\"name\":\"bad\"},\"spec\":{\"type\":\"LoadBalancer\"},\"status\":"
		 "{\"loadBalancer\":{\"ingress\":[{\"ip\":\"192.0.2.11\"},{\"hostname\":\"lb.example\"}]}}}}");
	tap_is_str(t, owner_of(&w, "192.0.2.11"), "",
		   "a Service with an ingress that is not an address: nothing announced");

	/* node-a, last by hash, preferred. */
	l2adv(&w, "{\"preferredNodeSelectors\":[{\"weight\":50,\"preference\":"
		  "{\"matchLabels\":{\"zone\":\"a\"}}}]}");
	tap_is_str(t, owner_of(&w, "192.0.2.10"), "node-a", "the preferred node wins over the hash");
	tap_is_str(t, w.v[0].out, "ANNOUNCE 192.0.2.10 l2;ANNOUNCE 2001:db8::10 l2;",
		   "node-a takes both addresses");
	tap_is_str(t, w.v[2].out, "WITHDRAW 192.0.2.10 l2;WITHDRAW 2001:db8::10 l2;",
		   "node-c lets them go in the same round");
	l2adv(&w, "{\"preferredNodeSelectors\":[{\"weight\":50,\"preference\":"
		  "{\"matchLabels\":{\"zone\":\"a\"}}},{\"weight\":60,\"preference\":"
		  "{\"matchLabels\":{\"zone\":\"b\"}}}]}");
	tap_is_str(t, owner_of(&w, "192.0.2.10"), "node-b", "the heavier preference wins");
	l2adv(&w, "{\"preferredNodeSelectors\":[{\"weight\":30,\"preference\":"
		  "{\"matchLabels\":{\"zone\":\"a\"}}},{\"weight\":60,\"preference\":"
		  "{\"matchLabels\":{\"zone\":\"b\"}}},{\"weight\":40,\"preference\":"
		  "{\"matchExpressions\":[{\"key\":\"zone\",\"operator\":\"In\",\"values\":[\"a\"]}]}}]}");
	tap_is_str(t, owner_of(&w, "192.0.2.10"), "node-a", "weights add up: 30 + 40 > 60");
	l2adv(&w, "{\"preferredNodeSelectors\":[{\"weight\":0,\"preference\":"
		  "{\"matchLabels\":{\"zone\":\"a\"}}},{\"weight\":101,\"preference\":"
		  "{\"matchLabels\":{\"zone\":\"b\"}}},{\"weight\":\"9\"}]}");
	tap_is_str(t, owner_of(&w, "192.0.2.10"), "node-c",
		   "weights out of 1..100 or not integers count for nothing");
	l2adv(&w, "{\"preferredNodeSelectors\":[{\"weight\":10}]}");
	tap_is_str(t, owner_of(&w, "192.0.2.10"), "node-c",
		   "an absent preference matches every node: the hash decides");

	/* A preference counts only under an advertisement that selects the node. */
	l2adv(&w, "{\"nodeSelectors\":[{\"matchLabels\":{\"zone\":\"c\"}}],"
		  "\"preferredNodeSelectors\":[{\"weight\":100,\"preference\":"
		  "{\"matchLabels\":{\"zone\":\"a\"}}}]}");
	named_l2adv(&w, "l2-all", "{}");
	tap_is_str(t, owner_of(&w, "192.0.2.10"), "node-c",
		   "a preference for zone a under an advertisement for zone c lifts nobody");
	named_l2adv(&w, "l2-all", "{\"preferredNodeSelectors\":[{\"weight\":1,\"preference\":"
			"{\"matchLabels\":{\"zone\":\"b\"}}}]}");
	tap_is_str(t, owner_of(&w, "192.0.2.10"), "node-b",
		   "one under an advertisement that selects node-b lifts it");

	/* The preferred node fails: the hash order among the others. */
	feed(&w, "{\"type\":\"DOWN\",\"target\":\"tcp://192.0.2.22:7472\"}");
	tap_is_str(t, owner_of(&w, "192.0.2.10"), "node-c", "preferred node DOWN: the hash again");
	feed(&w, "{\"type\":\"UP\",\"target\":\"tcp://192.0.2.22:7472\"}");
	tap_is_str(t, owner_of(&w, "192.0.2.10"), "node-b", "back UP: preferred again");
	world_free(&w);
}

static void probe(struct world *w, const char *type, const char *target)
{
	char buf[512];
	snprintf(buf, sizeof(buf), "{\"type\":\"%s\",\"target\":\"%s\"}", type, target);
	feed(w, buf);
}

/* A DOWN target on a node's address takes the node out; one on a backend
 * (an endpoint address and a port of its slice) does not, even when the
 * backend is on the host network and shares the node's address. */
static void test_backend_probes(struct tap *t)
{
	struct world w;
	world_init(&w, 0);
	all_nodes(&w);
	l2adv(&w, "{}");
	service(&w, "web", "192.0.2.10", "Cluster", NULL);
	feed(&w, "{\"type\":\"ADDED\",\"object\":{\"kind\":\"EndpointSlice\",\"metadata\":"
		 "{\"namespace\":\"default\",\"name\":\"web-1\",\"labels\":{\"kubernetes.io/"
		 "service-name\":\"web\"}},\"ports\":[{\"port\":8080}],\"endpoints\":["
		 "{\"addresses\":[\"192.0.2.23\"],\"nodeName\":\"node-c\"},"
		 "{\"addresses\":[\"198.51.100.7\"],\"nodeName\":\"node-c\"}]}}");
	tap_is_str(t, owner_of(&w, "192.0.2.10"), "node-c", "node-c owns it");
	probe(&w, "DOWN", "tcp://192.0.2.23:8080");
	tap_is_str(t, owner_of(&w, "192.0.2.10"), "node-c",
		   "a host-network backend DOWN on its slice's port: the node stays");
	probe(&w, "DOWN", "http://198.51.100.7:8080/healthz");
	tap_is_str(t, owner_of(&w, "192.0.2.10"), "node-c", "a pod backend DOWN: the node stays");
	probe(&w, "DOWN", "http://192.0.2.23:7473/healthz");
	tap_is_str(t, owner_of(&w, "192.0.2.10"), "node-b",
		   "the speaker's health endpoint DOWN: the node is out");
	tap_ok(t, strstr(w.v[1].out, "ANNOUNCE 192.0.2.10 l2") != NULL, "node-b takes over");
	probe(&w, "REMOVED", "http://192.0.2.23:7473/healthz");
	tap_is_str(t, owner_of(&w, "192.0.2.10"), "node-c",
		   "REMOVED: a target no longer probed no longer counts");
	probe(&w, "DOWN", "icmp://192.0.2.23");
	tap_is_str(t, owner_of(&w, "192.0.2.10"), "node-b", "no port: a probe of the node");
	probe(&w, "UP", "icmp://192.0.2.23");
	probe(&w, "DOWN", "http://192.0.2.23/");
	tap_is_str(t, owner_of(&w, "192.0.2.10"), "node-b",
		   "http without a port is port 80, not a slice port: the node");
	probe(&w, "REMOVED", "http://192.0.2.23/");
	tap_is_str(t, owner_of(&w, "192.0.2.10"), "node-c", "back");
	probe(&w, "DOWN", "node-c");
	tap_is_str(t, owner_of(&w, "192.0.2.10"), "node-b", "a bare node name");
	struct lb_err err;
	json_t *l = json_loads("{\"type\":\"REMOVED\"}", 0, NULL);
	tap_is_int(t, lb_elect_handle(w.v[0].e, l, &err), -1, "REMOVED without target: error");
	json_decref(l);
	l = json_loads("{\"type\":\"CHECK\",\"target\":\"node-c\",\"state\":\"UP\"}", 0, NULL);
	tap_is_int(t, lb_elect_handle(w.v[0].e, l, &err), 0, "CHECK lines change nothing");
	json_decref(l);
	world_free(&w);
}

static void bgpadv(struct world *w, const char *type, const char *name, const char *spec)
{
	char buf[1024];
	snprintf(buf, sizeof(buf),
		 "{\"type\":\"%s\",\"object\":{\"kind\":\"BGPAdvertisement\",\"metadata\":"
		 "{\"namespace\":\"metallb-system\",\"name\":\"%s\"},\"spec\":%s}}",
		 type, name, spec);
	feed(w, buf);
}

/* Lines of node-a for via bgp, as "TYPE advertisement peers;". */
static void bgp_lines(void *ctx, json_t *line)
{
	char *out = ctx;
	size_t len = strlen(out);
	char *peers = json_dumps(json_object_get(line, "peers"), JSON_COMPACT | JSON_ENCODE_ANY);
	snprintf(out + len, 1024 - len, "%s %s %s;", json_string_value(json_object_get(line, "type")),
		 json_string_value(json_object_get(line, "advertisement")), peers ? peers : "-");
	free(peers);
	json_decref(line);
}

/* Several BGPAdvertisements cover one address: one line each, keyed by the
 * advertisement, so each goes to its own peers with its own attributes. */
static void test_bgp_per_advertisement(struct tap *t)
{
	struct world w;
	world_init(&w, 0);
	all_nodes(&w);
	bgpadv(&w, "ADDED", "to-r1", "{\"peers\":[\"r1\"],\"communities\":[\"64512:1\"]}");
	bgpadv(&w, "ADDED", "to-r2", "{\"peers\":[\"r2\"],\"aggregationLength\":24}");
	service(&w, "web", "192.0.2.10", "Cluster", NULL);
	tap_is_str(t, w.v[0].out, "ANNOUNCE 192.0.2.10 bgp;ANNOUNCE 192.0.2.10 bgp;",
		   "two advertisements: two lines");

	struct lb_elect *e = lb_elect_new("node-a");
	char out[1024] = "";
	const char *evs[] = {
		"{\"kind\":\"Node\",\"metadata\":{\"name\":\"node-a\"},\"status\":"
		"{\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}}",
		"{\"kind\":\"BGPAdvertisement\",\"metadata\":{\"namespace\":\"m\",\"name\":"
		"\"to-r1\"},\"spec\":{\"peers\":[\"r1\"]}}",
		"{\"kind\":\"BGPAdvertisement\",\"metadata\":{\"namespace\":\"m\",\"name\":"
		"\"to-r2\"},\"spec\":{\"peers\":[\"r2\"]}}",
		READY_SLICE_OF_S,
		"{\"kind\":\"Service\",\"metadata\":{\"name\":\"s\"},\"spec\":{\"type\":"
		"\"LoadBalancer\"},\"status\":{\"loadBalancer\":{\"ingress\":[{\"ip\":"
		"\"192.0.2.10\"}]}}}",
	};
	struct lb_err err;
	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++) {
		json_t *l = json_loads(evs[i], 0, NULL);
		lb_elect_handle(e, l, &err);
		json_decref(l);
	}
	lb_elect_update(e, bgp_lines, out, &err);
	tap_is_str(t, out, "ANNOUNCE m/to-r1 [\"r1\"];ANNOUNCE m/to-r2 [\"r2\"];",
		   "each with its advertisement's peers, keyed namespace/name");
	out[0] = '\0';
	json_t *l = json_loads("{\"type\":\"DELETED\",\"object\":{\"kind\":\"BGPAdvertisement\","
			       "\"metadata\":{\"namespace\":\"m\",\"name\":\"to-r1\"}}}", 0, NULL);
	lb_elect_handle(e, l, &err);
	json_decref(l);
	lb_elect_update(e, bgp_lines, out, &err);
	tap_is_str(t, out, "WITHDRAW m/to-r1 [\"r1\"];ANNOUNCE m/to-r2 [\"r2\"];",
		   "one deleted: its WITHDRAW, and the other said again for readers keyed by address");
	out[0] = '\0';
	l = json_loads("{\"type\":\"MODIFIED\",\"object\":{\"kind\":\"BGPAdvertisement\","
		       "\"metadata\":{\"namespace\":\"m\",\"name\":\"to-r2\"},\"spec\":"
		       "{\"peers\":[\"r2\",\"r3\"]}}}", 0, NULL);
	lb_elect_handle(e, l, &err);
	json_decref(l);
	lb_elect_update(e, bgp_lines, out, &err);
	tap_is_str(t, out, "ANNOUNCE m/to-r2 [\"r2\",\"r3\"];",
		   "changed attributes: a new ANNOUNCE of the same key, no WITHDRAW");
	lb_elect_free(e);
	world_free(&w);
}

/* How many views' last round printed what. */
static int views_with(struct world *w, const char *what)
{
	int n = 0;
	for (int i = 0; i < NODES; i++)
		n += strstr(w->v[i].out, what) != NULL;
	return n;
}

static int views_silent(struct world *w)
{
	int n = 0;
	for (int i = 0; i < NODES; i++)
		n += !w->v[i].out[0];
	return n;
}

/* MetalLB announces a Service only while one of its endpoints can serve:
 * ready (absent counts) or, terminating, still serving. Under Cluster for
 * the whole Service, over layer 2 and BGP alike; under Local per node. */
static void test_serving_endpoints(struct tap *t)
{
	struct world w;
	world_init(&w, 0);
	all_nodes(&w);
	l2adv(&w, "{}");
	bgpadv(&w, "ADDED", "bgp", "{}");
	service_only(&w, "web", "192.0.2.10", "Cluster", NULL);
	tap_is_int(t, views_silent(&w), NODES, "Cluster, no EndpointSlice: nobody announces");
	tap_is_str(t, lb_elect_l2_owner(w.v[0].e, "192.0.2.10"), NULL, "and there is no l2 owner");
	slice(&w, "ADDED", "web", "1",
	      "[{\"addresses\":[\"198.51.100.1\"],\"nodeName\":\"node-c\",\"conditions\":"
	      "{\"ready\":false,\"serving\":false}}]");
	tap_is_int(t, views_silent(&w), NODES, "an endpoint that is not ready: still nobody");
	slice(&w, "MODIFIED", "web", "1",
	      "[{\"addresses\":[\"198.51.100.1\"],\"nodeName\":\"node-c\",\"conditions\":"
	      "{\"ready\":true}}]");
	tap_is_int(t, views_with(&w, "ANNOUNCE 192.0.2.10 l2"), 1,
		   "0 -> 1 ready endpoint: one owner announces over l2");
	tap_is_int(t, views_with(&w, "ANNOUNCE 192.0.2.10 bgp"), NODES,
		   "and every node over bgp, wherever the endpoint is");
	int o = owner_index(&w, "192.0.2.10");
	tap_ok(t, o >= 0, "the owner is known");
	slice(&w, "MODIFIED", "web", "1",
	      "[{\"addresses\":[\"198.51.100.1\"],\"nodeName\":\"node-c\",\"conditions\":"
	      "{\"ready\":false,\"serving\":true,\"terminating\":true}}]");
	tap_is_int(t, views_silent(&w), NODES, "terminating but still serving: nothing changes");
	slice(&w, "MODIFIED", "web", "1",
	      "[{\"addresses\":[\"198.51.100.1\"],\"nodeName\":\"node-c\",\"conditions\":"
	      "{\"ready\":false,\"serving\":false,\"terminating\":true}}]");
	tap_is_str(t, o >= 0 ? w.v[o].out : "", "WITHDRAW 192.0.2.10 l2;WITHDRAW 192.0.2.10 bgp;",
		   "1 -> 0: the owner withdraws l2 and bgp");
	tap_is_int(t, views_with(&w, "WITHDRAW 192.0.2.10 bgp"), NODES, "every node withdraws bgp");
	tap_is_int(t, views_with(&w, "ANNOUNCE"), 0, "and nobody takes over");
	slice(&w, "MODIFIED", "web", "1",
	      "[{\"addresses\":[\"198.51.100.1\"],\"nodeName\":\"node-c\"}]");
	tap_is_int(t, views_with(&w, "ANNOUNCE 192.0.2.10 l2"), 1,
		   "0 -> 1 again (conditions absent = ready): announced again");
	tap_is_int(t, owner_index(&w, "192.0.2.10"), o, "by the same owner");
	tap_is_int(t, views_with(&w, "ANNOUNCE 192.0.2.10 bgp"), NODES, "and over bgp");
	slice(&w, "DELETED", "web", "1", NULL);
	tap_is_int(t, views_with(&w, "WITHDRAW 192.0.2.10"), NODES, "the slice deleted: withdrawn");

	/* One address in two slices, serving in one only (an endpoint moving
	 * between slices): MetalLB's BGP speaker counts it out, its layer 2
	 * speaker in. */
	slice(&w, "ADDED", "web", "1", "[{\"addresses\":[\"198.51.100.1\"]}]");
	slice(&w, "ADDED", "web", "2",
	      "[{\"addresses\":[\"198.51.100.1\"],\"conditions\":{\"ready\":false}}]");
	tap_is_int(t, views_with(&w, "WITHDRAW 192.0.2.10 bgp"), NODES,
		   "an address also listed as not serving: bgp withdrawn");
	tap_is_int(t, views_with(&w, "192.0.2.10 l2"), 0, "l2 stays");
	tap_ok(t, owner_index(&w, "192.0.2.10") == o, "with its owner");
	slice(&w, "DELETED", "web", "2", NULL);
	tap_is_int(t, views_with(&w, "ANNOUNCE 192.0.2.10 bgp"), NODES,
		   "the other listing gone: bgp again");

	/* Slices of other Services count for nothing. */
	service_only(&w, "db", "192.0.2.11", "Cluster", NULL);
	slice(&w, "ADDED", "db-other", "1", "[{\"addresses\":[\"198.51.100.5\"]}]");
	feed(&w, "{\"type\":\"ADDED\",\"object\":{\"kind\":\"EndpointSlice\",\"metadata\":"
		 "{\"namespace\":\"other\",\"name\":\"db-1\",\"labels\":{\"kubernetes.io/"
		 "service-name\":\"db\"}},\"endpoints\":[{\"addresses\":[\"198.51.100.6\"]}]}}");
	tap_is_int(t, views_with(&w, "192.0.2.11"), 0,
		   "a slice of another name or namespace does not announce a Service");

	/* Local: a terminating endpoint still serving keeps its node. */
	service_only(&w, "loc", "192.0.2.20", "Local", NULL);
	tap_is_int(t, views_with(&w, "192.0.2.20"), 0, "Local without endpoints: nobody");
	slice(&w, "ADDED", "loc", "1",
	      "[{\"addresses\":[\"198.51.100.7\"],\"nodeName\":\"node-b\",\"conditions\":"
	      "{\"ready\":false,\"serving\":true,\"terminating\":true}}]");
	tap_is_str(t, w.v[1].out, "ANNOUNCE 192.0.2.20 l2;ANNOUNCE 192.0.2.20 bgp;",
		   "Local, terminating and serving on node-b: node-b announces l2 and bgp");
	tap_is_int(t, views_with(&w, "192.0.2.20"), 1, "the others nothing");
	slice(&w, "MODIFIED", "loc", "1",
	      "[{\"addresses\":[\"198.51.100.7\"],\"nodeName\":\"node-b\",\"conditions\":"
	      "{\"ready\":false,\"serving\":false,\"terminating\":true}}]");
	tap_is_str(t, w.v[1].out, "WITHDRAW 192.0.2.20 l2;WITHDRAW 192.0.2.20 bgp;",
		   "no longer serving: node-b withdraws both");
	tap_is_int(t, views_with(&w, "192.0.2.20"), 1, "and nobody takes over");
	world_free(&w);

	/* Start-up: the EndpointSlices not yet listed must not read as
	 * "none": nothing is announced (so nothing withdrawn) before their
	 * SYNCED. */
	world_init(&w, 1);
	for (int i = 0; i < NODES; i++)
		lb_elect_require_sync(w.v[i].e, "EndpointSlice");
	all_nodes(&w);
	feed(&w, "{\"type\":\"SYNCED\",\"kind\":\"Node\"}");
	l2adv(&w, "{}");
	service_only(&w, "web", "192.0.2.10", "Cluster", NULL);
	tap_is_int(t, views_silent(&w), NODES, "before the slices' SYNCED: nothing");
	char buf[64];
	tap_is_str(t, lb_elect_awaiting(w.v[0].e, buf, sizeof(buf)), "EndpointSlice",
		   "awaiting EndpointSlice");
	slice(&w, "ADDED", "web", "1", "[{\"addresses\":[\"198.51.100.1\"]}]");
	tap_is_int(t, views_silent(&w), NODES, "the slice alone: still nothing");
	feed(&w, "{\"type\":\"SYNCED\",\"kind\":\"EndpointSlice\"}");
	tap_is_int(t, views_with(&w, "ANNOUNCE 192.0.2.10 l2"), 1, "SYNCED: announced, once");
	tap_is_int(t, views_with(&w, "WITHDRAW"), 0, "never withdrawn on the way");
	world_free(&w);
}

int main(void)
{
	struct tap t = {0, 0};
	test_l2_one_owner_and_agreement(&t);
	test_failover(&t, "NotReady");
	test_failover(&t, "NetworkUnavailable");
	test_failover(&t, "excluded");
	test_failover(&t, "DOWN");
	test_local_policy(&t);
	test_bgp(&t);
	test_selectors(&t);
	test_sync_and_errors(&t);
	test_passthrough(&t);
	test_metallb_order(&t);
	test_backend_probes(&t);
	test_bgp_per_advertisement(&t);
	test_serving_endpoints(&t);
	return tap_done(&t);
}
