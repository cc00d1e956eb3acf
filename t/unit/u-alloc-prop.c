/* Property test: random sequences of Service adds, updates and deletes and
 * pool edits. After every step, checked from the emitted lines alone (an
 * independent model, not the allocator's own bookkeeping):
 *   - the lines agree with what the allocator says each Service holds;
 *   - no address is held by two Services unless the sharing rules allow it;
 *   - every held address lies in a pool that Service may use (namespaces,
 *     avoidBuggyIPs, the pool it names, the addresses it requests);
 *   - no assignment moves without cause: a Service untouched by a step
 *     keeps what it holds, unless a pool edit made its address invalid.
 * LBKIT_PROP_STEPS and LBKIT_PROP_SEED override the defaults. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "tap.h"

#define NSVC 80
#define NSLOT 8
#define NPOOL 5

struct slot_use {
	int pool; /* -1: unused */
	unsigned lo, hi; /* offsets within the 32-address slot */
};

struct pool_model {
	bool exists, auto_assign, avoid_buggy, ns_only_a;
};

struct svc_model {
	bool exists, lb;
	char ns; /* 'a' or 'b' */
	int policy; /* 0 single4, 1 single6, 2 prefer, 3 require */
	int want_slot; /* requested address: -1 none, else index into the universe */
	int want_v6;
	int pool; /* annotated pool, -1 none */
	int share; /* 0 none, 1 k1, 2 k2 */
	unsigned ports; /* bit 0: TCP/80, 1: TCP/443, 2: UDP/53 */
	int local; /* 0 cluster, 1 local app=x, 2 local app=y */
	/* What the emitted lines say it holds. */
	struct lb_addr held[2];
	int nheld;
	enum lb_alloc_type state;
};

struct world {
	struct lb_alloc *a;
	struct lb_log log;
	struct slot_use v4[NSLOT], v6[NSLOT];
	struct pool_model pools[NPOOL];
	struct svc_model s[NSVC];
	char fault[512];
	unsigned long rng;
};

static unsigned rnd(struct world *w, unsigned n)
{
	w->rng = w->rng * 6364136223846793005ul + 1442695040888963407ul;
	return (unsigned)((w->rng >> 33) % n);
}

static void fault(struct world *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fault(struct world *w, const char *fmt, ...)
{
	if (w->fault[0])
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(w->fault, sizeof(w->fault), fmt, ap);
	va_end(ap);
}

static void slot_addr(int v6, int slot, unsigned off, struct lb_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (!v6) {
		out->family = LB_AF_INET;
		out->b[12] = 192, out->b[13] = 0, out->b[14] = 2;
		out->b[15] = (uint8_t)(slot * 32 + (int)off);
	} else {
		out->family = LB_AF_INET6;
		out->b[0] = 0x20, out->b[1] = 0x01, out->b[2] = 0x0d, out->b[3] = 0xb8;
		out->b[15] = (uint8_t)(slot * 32 + (int)off);
	}
}

static int svc_index(const char *key)
{
	return atoi(strchr(key, '/') + 2);
}

static int trace;

static void on_event(void *ctx, const struct lb_alloc_event *ev)
{
	struct world *w = ctx;
	struct svc_model *m = &w->s[svc_index(ev->service)];
	if (trace) {
		char ip[LB_ADDR_STRLEN] = "";
		if (ev->nips)
			lb_addr_format(&ev->ips[0], ip);
		printf("#   event %d %s %s%s %s %s\n", ev->type, ev->service, ip, ev->nips > 1 ? "+" : "",
		       ev->pool ? ev->pool : "", ev->reason ? ev->reason : "");
	}
	switch (ev->type) {
	case LB_ALLOC_ASSIGNED:
		memcpy(m->held, ev->ips, ev->nips * sizeof(*ev->ips));
		m->nheld = (int)ev->nips;
		m->state = LB_ALLOC_ASSIGNED;
		break;
	case LB_ALLOC_RELEASED:
		m->nheld = 0;
		m->state = LB_ALLOC_RELEASED;
		break;
	case LB_ALLOC_PENDING:
		if (m->nheld)
			fault(w, "%s: PENDING while the lines say it holds an address", ev->service);
		m->state = LB_ALLOC_PENDING;
		break;
	case LB_ALLOC_ERROR:
		if ((int)ev->nips != m->nheld)
			fault(w, "%s: ERROR line keeps %zu addresses, held %d", ev->service, ev->nips,
			      m->nheld);
		m->state = LB_ALLOC_ERROR;
		break;
	}
}

/* ---- model of validity --------------------------------------------------- */

/* The pool (and slot) whose range holds addr, or -1. */
static int model_pool_of(const struct world *w, const struct lb_addr *addr)
{
	const struct slot_use *slots = addr->family == LB_AF_INET6 ? w->v6 : w->v4;
	if (addr->family == LB_AF_INET && (addr->b[12] != 192 || addr->b[13] || addr->b[14] != 2))
		return -1;
	unsigned slot = addr->b[15] / 32, off = addr->b[15] % 32;
	if (slots[slot].pool < 0 || off < slots[slot].lo || off > slots[slot].hi)
		return -1;
	return slots[slot].pool;
}

static bool model_buggy(const struct world *w, int pool, const struct lb_addr *addr)
{
	return w->pools[pool].avoid_buggy && addr->family == LB_AF_INET &&
	       (addr->b[15] == 0 || addr->b[15] == 255);
}

/* Valid for m as a fresh, fully satisfied assignment would be. */
static bool model_valid(const struct world *w, const struct svc_model *m, const struct lb_addr *ips,
			int n, bool strict)
{
	if (!n)
		return false;
	int p = model_pool_of(w, &ips[0]);
	for (int i = 0; i < n; i++) {
		if (p < 0 || model_pool_of(w, &ips[i]) != p || model_buggy(w, p, &ips[i]))
			return false;
	}
	if (w->pools[p].ns_only_a && m->ns != 'a')
		return false;
	if (!strict)
		return true;
	if (m->pool >= 0 && m->pool != p)
		return false;
	if (m->want_slot >= 0) {
		struct lb_addr want;
		slot_addr(m->want_v6, m->want_slot / 32, (unsigned)m->want_slot % 32, &want);
		if (n != 1 || !lb_addr_eq(&want, &ips[0]))
			return false;
	}
	return true;
}

static bool can_share(const struct svc_model *x, const struct svc_model *y)
{
	return x->share && x->share == y->share && x->local == y->local && !(x->ports & y->ports);
}

static void check_world(struct world *w, int step)
{
	struct lb_err err;
	if (lb_alloc_check(w->a, &err) < 0)
		fault(w, "step %d: allocator check: %s", step, err.msg);
	for (int i = 0; i < NSVC && !w->fault[0]; i++) {
		struct svc_model *m = &w->s[i];
		char key[16];
		snprintf(key, sizeof(key), "%c/s%d", m->ns ? m->ns : 'a', i);
		struct lb_alloc_state st;
		int known = lb_alloc_lookup(w->a, key, &st) == 0;
		if (!m->exists) {
			if (known)
				fault(w, "step %d: %s deleted but still known", step, key);
			continue;
		}
		if ((int)st.nips != m->nheld)
			fault(w, "step %d: %s: lines say %d addresses, allocator %zu", step, key, m->nheld,
			      st.nips);
		for (int k = 0; k < m->nheld && !w->fault[0]; k++) {
			if (!lb_addr_eq(&st.ips[k], &m->held[k]))
				fault(w, "step %d: %s: lines and allocator disagree", step, key);
		}
		if (m->nheld && !m->lb)
			fault(w, "step %d: %s is not a LoadBalancer but holds an address", step, key);
		if (m->nheld && !model_valid(w, m, m->held, m->nheld, st.type != LB_ALLOC_ERROR)) {
			char ip[LB_ADDR_STRLEN];
			fault(w, "step %d: %s holds %s, which it may not use", step, key,
			      lb_addr_format(&m->held[0], ip));
		}
		for (int j = i + 1; j < NSVC && !w->fault[0]; j++) {
			struct svc_model *o = &w->s[j];
			if (!o->exists)
				continue;
			for (int a = 0; a < m->nheld; a++) {
				for (int b = 0; b < o->nheld; b++) {
					if (lb_addr_eq(&m->held[a], &o->held[b]) && !can_share(m, o)) {
						char ip[LB_ADDR_STRLEN];
						fault(w, "step %d: s%d and s%d both hold %s but may not share",
						      step, i, j, lb_addr_format(&m->held[a], ip));
					}
				}
			}
		}
	}
}

/* ---- random steps ------------------------------------------------------------ */

static json_t *service_json(struct world *w, int i);

static json_t *service_json(struct world *w, int i)
{
	struct svc_model *m = &w->s[i];
	char name[16], ns[2] = {m->ns, 0};
	snprintf(name, sizeof(name), "s%d", i);
	json_t *anns = json_object();
	if (m->pool >= 0) {
		char p[8];
		snprintf(p, sizeof(p), "p%d", m->pool);
		json_object_set_new(anns, "metallb.io/address-pool", json_string(p));
	}
	if (m->share)
		json_object_set_new(anns, "metallb.io/allow-shared-ip", json_string(m->share == 1 ? "k1" : "k2"));
	json_t *spec = json_pack("{s:s}", "type", m->lb ? "LoadBalancer" : "ClusterIP");
	static const char *const fams[][2] = {{"IPv4", NULL}, {"IPv6", NULL}, {"IPv4", "IPv6"}, {"IPv6", "IPv4"}};
	json_t *f = json_array();
	json_array_append_new(f, json_string(fams[m->policy][0]));
	if (m->policy >= 2)
		json_array_append_new(f, json_string(fams[m->policy][1]));
	json_object_set_new(spec, "ipFamilies", f);
	if (m->policy >= 2)
		json_object_set_new(spec, "ipFamilyPolicy",
				    json_string(m->policy == 2 ? "PreferDualStack" : "RequireDualStack"));
	if (m->want_slot >= 0) {
		struct lb_addr want;
		char buf[LB_ADDR_STRLEN];
		slot_addr(m->want_v6, m->want_slot / 32, (unsigned)m->want_slot % 32, &want);
		json_object_set_new(spec, "loadBalancerIP", json_string(lb_addr_format(&want, buf)));
	}
	json_t *ports = json_array();
	static const struct { int port; const char *proto; } pp[] = {{80, "TCP"}, {443, "TCP"}, {53, "UDP"}};
	for (int k = 0; k < 3; k++) {
		if (m->ports & (1u << k))
			json_array_append_new(ports, json_pack("{s:i, s:s}", "port", pp[k].port, "protocol",
							       pp[k].proto));
	}
	json_object_set_new(spec, "ports", ports);
	if (m->local) {
		json_object_set_new(spec, "externalTrafficPolicy", json_string("Local"));
		json_object_set_new(spec, "selector", json_pack("{s:s}", "app", m->local == 1 ? "x" : "y"));
	}
	char ts[32];
	snprintf(ts, sizeof(ts), "2024-01-01T00:%02d:%02dZ", i / 60, i % 60);
	return json_pack("{s:s, s:s, s:{s:s, s:s, s:s, s:o}, s:o}", "apiVersion", "v1", "kind", "Service",
			 "metadata", "namespace", ns, "name", name, "creationTimestamp", ts, "annotations",
			 anns, "spec", spec);
}

static void push_pool(struct world *w, int p)
{
	char name[8], source[32];
	struct lb_err err;
	snprintf(name, sizeof(name), "p%d", p);
	snprintf(source, sizeof(source), "IPAddressPool %s", name);
	if (!w->pools[p].exists) {
		lb_alloc_set_pools(w->a, source, NULL, 0, &err);
		return;
	}
	json_t *addrs = json_array();
	for (int fam = 0; fam < 2; fam++) {
		struct slot_use *slots = fam ? w->v6 : w->v4;
		for (int s = 0; s < NSLOT; s++) {
			if (slots[s].pool != p)
				continue;
			struct lb_addr lo, hi;
			char a[LB_ADDR_STRLEN], b[LB_ADDR_STRLEN], range[120];
			slot_addr(fam, s, slots[s].lo, &lo);
			slot_addr(fam, s, slots[s].hi, &hi);
			snprintf(range, sizeof(range), "%s-%s", lb_addr_format(&lo, a), lb_addr_format(&hi, b));
			json_array_append_new(addrs, json_string(range));
		}
	}
	json_t *spec = json_pack("{s:o, s:b, s:b}", "addresses", addrs, "autoAssign",
				 w->pools[p].auto_assign, "avoidBuggyIPs", w->pools[p].avoid_buggy);
	if (w->pools[p].ns_only_a)
		json_object_set_new(spec, "serviceAllocation", json_pack("{s:[s]}", "namespaces", "a"));
	json_t *obj = json_pack("{s:s, s:{s:s}, s:o}", "kind", "IPAddressPool", "metadata", "name", name,
				"spec", spec);
	struct lb_pool_def *def;
	if (!json_array_size(addrs)) {
		/* A pool without addresses is invalid: model it as deleted. */
		w->pools[p].exists = false;
		lb_alloc_set_pools(w->a, source, NULL, 0, &err);
	} else if (lb_pool_from_ipaddresspool(obj, &def, &err) < 0) {
		fault(w, "pool p%d: %s", p, err.msg);
	} else {
		lb_alloc_set_pools(w->a, source, &def, 1, &err);
	}
	json_decref(obj);
}

/* A controller restart: a fresh allocator reads every Service as the API
 * would show it (status and pool annotation as lb-watch --apply writes
 * them), then SYNCED. Nothing may move; a PreferDualStack Service may only
 * gain its second family, and a Service may only be served now if the
 * running allocator could not serve it either. */
struct restart_world {
	struct svc_model s[NSVC];
};

static void restart_event(void *ctx, const struct lb_alloc_event *ev)
{
	struct restart_world *rw = ctx;
	struct svc_model *m = &rw->s[svc_index(ev->service)];
	if (trace) {
		char ip[LB_ADDR_STRLEN] = "";
		if (ev->nips)
			lb_addr_format(&ev->ips[0], ip);
		printf("#   restart event %d %s %s %s %s\n", ev->type, ev->service, ip,
		       ev->pool ? ev->pool : "", ev->reason ? ev->reason : "");
	}
	if (ev->type == LB_ALLOC_ASSIGNED) {
		memcpy(m->held, ev->ips, ev->nips * sizeof(*ev->ips));
		m->nheld = (int)ev->nips;
	} else if (ev->type == LB_ALLOC_RELEASED) {
		m->nheld = 0;
	}
}

static void check_restart(struct world *w, int step)
{
	static struct restart_world rw;
	memcpy(rw.s, w->s, sizeof(rw.s));
	struct lb_alloc_opts o = {NULL, &w->log, restart_event, &rw};
	struct lb_alloc *b = lb_alloc_new(&o);
	struct lb_err err;
	lb_alloc_require_sync(b, "Service");
	struct lb_alloc *keep = w->a;
	w->a = b;
	for (int p = 0; p < NPOOL; p++)
		push_pool(w, p);
	w->a = keep;
	for (int i = 0; i < NSVC; i++) {
		if (!w->s[i].exists)
			continue;
		json_t *obj = service_json(w, i);
		struct lb_alloc_state st;
		char key[16];
		snprintf(key, sizeof(key), "%c/s%d", w->s[i].ns, i);
		lb_alloc_lookup(w->a, key, &st);
		if (st.nips) {
			json_t *ing = json_array();
			for (size_t k = 0; k < st.nips; k++) {
				char buf[LB_ADDR_STRLEN];
				json_array_append_new(ing, json_pack("{s:s}", "ip", lb_addr_format(&st.ips[k], buf)));
			}
			json_object_set_new(obj, "status", json_pack("{s:{s:o}}", "loadBalancer", "ingress", ing));
			json_object_set_new(json_object_get(json_object_get(obj, "metadata"), "annotations"),
					    "metallb.io/ip-allocated-from-pool", json_string(st.pool));
		}
		if (lb_alloc_set_service(b, obj, &err) < 0)
			fault(w, "restart: %s", err.msg);
		json_decref(obj);
	}
	lb_alloc_synced(b, "Service");
	for (int i = 0; i < NSVC && !w->fault[0]; i++) {
		const struct svc_model *before = &w->s[i], *after = &rw.s[i];
		if (!before->exists)
			continue;
		bool kept = true;
		for (int k = 0; k < before->nheld; k++) {
			bool found = false;
			for (int j = 0; j < after->nheld; j++)
				found |= lb_addr_eq(&before->held[k], &after->held[j]);
			kept &= found;
		}
		char ip[LB_ADDR_STRLEN] = "-";
		if (before->nheld)
			lb_addr_format(&before->held[0], ip);
		if (!kept)
			fault(w, "step %d: restart moved s%d off %s", step, i, ip);
		else if (after->nheld != before->nheld &&
			 !(before->nheld == 1 && after->nheld == 2 && before->policy == 2)) {
			struct lb_alloc_state st;
			char key[16], got[LB_ADDR_STRLEN] = "-";
			snprintf(key, sizeof(key), "%c/s%d", before->ns, i);
			lb_alloc_lookup(w->a, key, &st);
			if (after->nheld)
				lb_addr_format(&after->held[0], got);
			fault(w, "step %d: restart gave %s %d addresses (%s), it held %d: %s", step, key,
			      after->nheld, got, before->nheld, st.reason ? st.reason : "-");
		}
	}
	lb_alloc_free(b);
}

static void random_request(struct world *w, struct svc_model *m)
{
	m->lb = rnd(w, 10) != 0;
	unsigned f = rnd(w, 10);
	m->policy = f < 7 ? 0 : f < 8 ? 1 : f < 9 ? 2 : 3;
	m->want_slot = -1;
	if (rnd(w, 10) == 0 && m->policy <= 1) {
		m->want_v6 = m->policy == 1;
		m->want_slot = (int)rnd(w, NSLOT * 32);
	}
	m->pool = rnd(w, 10) == 0 ? (int)rnd(w, NPOOL) : -1;
	m->share = rnd(w, 10) < 3 ? 1 + (int)rnd(w, 2) : 0;
	m->ports = 1 + rnd(w, 7);
	m->local = rnd(w, 5) == 0 ? 1 + (int)rnd(w, 2) : 0;
}

static void snapshot(const struct world *w, struct svc_model *before)
{
	memcpy(before, w->s, sizeof(w->s));
}

static bool same_holding(const struct svc_model *x, const struct svc_model *y)
{
	if (x->nheld != y->nheld)
		return false;
	for (int k = 0; k < x->nheld; k++) {
		if (!lb_addr_eq(&x->held[k], &y->held[k]))
			return false;
	}
	return true;
}

/* No move without cause: a Service the step did not touch keeps what it
 * held, unless (for a pool edit) what it held became invalid; a Service
 * that held part of a dual-stack pair may gain the other family. */
static void check_moves(struct world *w, const struct svc_model *before, int touched, bool pool_edit,
			int step)
{
	for (int i = 0; i < NSVC && !w->fault[0]; i++) {
		const struct svc_model *b = &before[i], *a = &w->s[i];
		if (i == touched || !b->exists || !b->nheld || same_holding(a, b))
			continue;
		bool grew = a->nheld == 2 && b->nheld == 1 &&
			    (lb_addr_eq(&a->held[0], &b->held[0]) || lb_addr_eq(&a->held[1], &b->held[0]));
		if (grew)
			continue;
		/* A Service in ERROR waits for its request: when it can be met, the
		 * move to exactly what it asked for has a cause. */
		if (b->state == LB_ALLOC_ERROR && a->state == LB_ALLOC_ASSIGNED &&
		    model_valid(w, a, a->held, a->nheld, true))
			continue;
		if (pool_edit && !model_valid(w, b, b->held, b->nheld, true))
			continue;
		char ip[LB_ADDR_STRLEN];
		fault(w, "step %d: s%d moved from %s without cause", step, i,
		      lb_addr_format(&b->held[0], ip));
	}
}

int main(void)
{
	struct tap t = {0, 0};
	static struct world w;
	static struct svc_model before[NSVC];
	const char *env = getenv("LBKIT_PROP_STEPS");
	int steps = env ? atoi(env) : 20000;
	env = getenv("LBKIT_PROP_SEED");
	w.rng = env ? strtoul(env, NULL, 0) : 20261122;
	printf("# seed %lu, %d steps\n", w.rng, steps);

	lb_log_init(&w.log, "u-alloc-prop");
	w.log.out = fopen("/dev/null", "w");
	struct lb_alloc_opts o = {NULL, &w.log, on_event, &w};
	w.a = lb_alloc_new(&o);
	for (int s = 0; s < NSLOT; s++) {
		w.v4[s] = (struct slot_use){-1, 0, 31};
		w.v6[s] = (struct slot_use){-1, 0, 31};
	}
	for (int p = 0; p < NPOOL; p++) {
		w.pools[p] = (struct pool_model){true, p != 4, p == 1, p == 2};
		w.v4[p] = (struct slot_use){p, 0, 15};
		if (p < 3)
			w.v6[p] = (struct slot_use){p, 0, 7};
		push_pool(&w, p);
	}

	int counts[4] = {0, 0, 0, 0};
	long total_held = 0, shared = 0;
	for (int step = 0; step < steps && !w.fault[0]; step++) {
		snapshot(&w, before);
		unsigned op = rnd(&w, 100);
		trace = getenv("LBKIT_PROP_TRACE") && step >= atoi(getenv("LBKIT_PROP_TRACE"));
		if (trace)
			printf("# step %d op %u\n", step, op);
		int touched = -1;
		bool pool_edit = false;
		if (op < 55) {
			int i = (int)rnd(&w, NSVC);
			struct svc_model *m = &w.s[i];
			if (m->exists && rnd(&w, 3) == 0) {
				/* An update that changes nothing allocation cares about. */
			} else {
				if (!m->exists)
					m->ns = rnd(&w, 3) ? 'a' : 'b';
				random_request(&w, m);
			}
			m->exists = true;
			json_t *obj = service_json(&w, i);
			struct lb_err err;
			if (lb_alloc_set_service(w.a, obj, &err) < 0)
				fault(&w, "set_service: %s", err.msg);
			json_decref(obj);
			touched = i;
			counts[0]++;
		} else if (op < 70) {
			int i = (int)rnd(&w, NSVC);
			if (w.s[i].exists) {
				char key[16];
				snprintf(key, sizeof(key), "%c/s%d", w.s[i].ns, i);
				lb_alloc_delete_service(w.a, key);
				w.s[i].exists = false;
				if (w.s[i].nheld)
					fault(&w, "step %d: %s deleted without RELEASED", step, key);
				w.s[i].nheld = 0;
			}
			touched = i;
			counts[1]++;
		} else {
			int p = (int)rnd(&w, NPOOL);
			unsigned what = rnd(&w, 10);
			if (what < 6) {
				/* Move a slot in or out, or resize its range. */
				int fam = (int)rnd(&w, 3) == 0;
				struct slot_use *s = &(fam ? w.v6 : w.v4)[rnd(&w, NSLOT)];
				int owner = s->pool >= 0 ? s->pool : p;
				if (s->pool == p && rnd(&w, 2)) {
					s->pool = -1;
				} else {
					s->pool = owner;
					s->lo = rnd(&w, 16);
					s->hi = s->lo + rnd(&w, 32 - s->lo);
				}
				w.pools[owner].exists = true;
				push_pool(&w, owner);
			} else if (what < 7) {
				w.pools[p].auto_assign = !w.pools[p].auto_assign;
				push_pool(&w, p);
			} else if (what < 8) {
				w.pools[p].avoid_buggy = !w.pools[p].avoid_buggy;
				push_pool(&w, p);
			} else if (what < 9) {
				w.pools[p].ns_only_a = !w.pools[p].ns_only_a;
				push_pool(&w, p);
			} else {
				w.pools[p].exists = !w.pools[p].exists;
				if (!w.pools[p].exists) {
					for (int s = 0; s < NSLOT; s++) {
						if (w.v4[s].pool == p)
							w.v4[s].pool = -1;
						if (w.v6[s].pool == p)
							w.v6[s].pool = -1;
					}
				} else if (w.v4[NSLOT - 1 - p % 3].pool < 0) {
					/* A re-created pool takes a free slot; one owned by
					 * another pool stays as it is. */
					w.v4[NSLOT - 1 - p % 3] = (struct slot_use){p, 0, 31};
				}
				push_pool(&w, p);
			}
			pool_edit = true;
			counts[2]++;
		}
		check_world(&w, step);
		check_moves(&w, before, touched, pool_edit, step);
		if (step % 500 == 499 && !w.fault[0])
			check_restart(&w, step);
		for (int i = 0; i < NSVC; i++) {
			total_held += w.s[i].nheld > 0;
			shared += w.s[i].nheld > 0 && w.s[i].share;
		}
	}
	int held = 0;
	for (int i = 0; i < NSVC; i++)
		held += w.s[i].nheld > 0;
	tap_ok(&t, !w.fault[0], "%d random steps keep every invariant%s%s", steps, w.fault[0] ? ": " : "",
	       w.fault);
	tap_ok(&t, counts[0] > steps / 3 && counts[1] > steps / 10 && counts[2] > steps / 10,
	       "the steps mix service sets (%d), deletes (%d) and pool edits (%d)", counts[0], counts[1],
	       counts[2]);
	tap_ok(&t, total_held > 10L * steps, "services hold addresses throughout: %.1f on average, %.1f "
	       "of them sharing (%d at the end)", (double)total_held / steps, (double)shared / steps, held);
	lb_alloc_free(w.a);
	fclose(w.log.out);
	return tap_done(&t);
}
