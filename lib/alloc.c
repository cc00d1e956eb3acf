#include "alloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addrheap.h"
#include "hset.h"
#include "labels.h"
#include "service.h"

/* Per-Service flags. */
enum {
	F_WANTS = 1 << 0,    /* type LoadBalancer, and a class we serve */
	F_RESERVED = 1 << 1, /* ip[] are entered in the address map */
	F_PENDING = 1 << 2,
	F_ERROR = 1 << 3,
	F_WARNED = 1 << 4, /* deprecated annotations already reported */
	F_SHOWN = 1 << 5,  /* its status may show an address: RELEASED must clear it */
};

/* What a Service asks beyond the default (one IPv4 address from any pool,
 * no sharing); NULL for the default keeps a plain Service small. */
struct svc_req {
	char *pool_name;
	char *share_key;
	char *backend_key;
	char *invalid;
	struct lb_labels *labels;
	struct lb_svc_port *ports;
	size_t nports;
	struct lb_addr want[2];
	uint8_t nwant;
};

struct svc {
	int64_t created;
	struct svc_req *req;
	char *reason; /* of the PENDING or ERROR shown now */
	uint32_t wait_idx;
	uint32_t status_hash; /* of the addresses its status shows */
	uint32_t emit_hash;   /* of the last ASSIGNED or RELEASED said */
	uint32_t note_hash;   /* of the last PENDING or ERROR said */
	uint16_t flags;
	uint8_t nip, nfam, fam[2], policy;
	uint16_t ns_len;
	struct lb_addr ip[2]; /* held, or (not F_RESERVED) the status to confirm */
	char key[];
};

struct pool {
	struct lb_pool_def *def;
	char *source;
	unsigned seq;
	bool active;
	char *reason; /* why not active */
	struct lb_addr *cursor; /* per range: next address never yet handed out */
	struct lb_addrheap freed[2]; /* released addresses below their range's cursor */
	uint64_t used[2];
};

struct range_ix {
	struct lb_range r;
	struct pool *p;
	size_t idx; /* range index within the pool */
};

struct ns {
	struct lb_labels *labels;
	char name[];
};

struct lb_alloc {
	struct lb_alloc_opts opts;
	struct lb_hset svcs;   /* by key */
	struct lb_hset addrs;  /* multimap: address -> (svc, slot) */
	struct lb_hset shares; /* multimap: sharing key -> svc holding addresses */
	struct lb_hset nss;    /* namespaces by name */
	struct pool **pools;   /* every definition, in arrival order */
	size_t npools;
	unsigned next_seq;
	struct range_ix *ranges; /* active pools' ranges, sorted */
	size_t nranges;
	struct pool **order; /* active pools in the order they are tried */
	size_t norder;
	bool any_ns_selectors;
	struct svc **waiting; /* PENDING and ERROR Services: tried again when holders leave */
	size_t nwaiting, cap_waiting;
	char **kinds; /* kinds that must send SYNCED */
	bool *kind_synced;
	size_t nkinds;
	bool synced;
	/* Something changed that may let a waiting Service in: a holder left an
	 * address, or changed what it shares (ports, key, backend). */
	bool retry;
};

static int fam_slot(uint8_t family)
{
	return family == LB_AF_INET6;
}

static const char *fam_name(uint8_t family)
{
	return family == LB_AF_INET6 ? "IPv6" : "IPv4";
}

/* ---- hash tables ------------------------------------------------------ */

static uint64_t str_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ull;
	return h ^ (h >> 29);
}

static uint64_t svc_hash_entry(const void *e)
{
	return str_hash(((const struct svc *)e)->key);
}
static uint64_t str_hash_key(const void *k)
{
	return str_hash(k);
}
static int svc_matches(const void *e, const void *k)
{
	return !strcmp(((const struct svc *)e)->key, k);
}
static const struct lb_hset_ops svc_ops = {svc_hash_entry, str_hash_key, svc_matches};

/* Address-map entries are Service pointers tagged with the slot (0 or 1) of
 * the address in ip[]; malloc's alignment leaves the low bit free. */
static void *tag(struct svc *s, int slot)
{
	return (void *)((uintptr_t)s | (uintptr_t)slot);
}
static struct svc *untag(const void *e)
{
	return (struct svc *)((uintptr_t)e & ~(uintptr_t)1);
}
static const struct lb_addr *tag_addr(const void *e)
{
	return &untag(e)->ip[(uintptr_t)e & 1];
}
static uint64_t addr_hash_entry(const void *e)
{
	return lb_addr_hash(tag_addr(e));
}
static uint64_t addr_hash_key(const void *k)
{
	return lb_addr_hash(k);
}
static int addr_matches(const void *e, const void *k)
{
	return lb_addr_eq(tag_addr(e), k);
}
static const struct lb_hset_ops addr_ops = {addr_hash_entry, addr_hash_key, addr_matches};

static uint64_t share_hash_entry(const void *e)
{
	return str_hash(((const struct svc *)e)->req->share_key);
}
static int share_matches(const void *e, const void *k)
{
	return !strcmp(((const struct svc *)e)->req->share_key, k);
}
static const struct lb_hset_ops share_ops = {share_hash_entry, str_hash_key, share_matches};

static uint64_t ns_hash_entry(const void *e)
{
	return str_hash(((const struct ns *)e)->name);
}
static int ns_matches(const void *e, const void *k)
{
	return !strcmp(((const struct ns *)e)->name, k);
}
static const struct lb_hset_ops ns_ops = {ns_hash_entry, str_hash_key, ns_matches};

/* ---- small helpers ------------------------------------------------------ */

static const char *svc_pool_name(const struct svc *s)
{
	return s->req ? s->req->pool_name : NULL;
}
static const char *svc_share_key(const struct svc *s)
{
	return s->req ? s->req->share_key : NULL;
}
static const char *svc_backend(const struct svc *s)
{
	return s->req && s->req->backend_key ? s->req->backend_key : "cluster";
}

static int svc_order_cmp(const void *x, const void *y)
{
	const struct svc *a = *(struct svc *const *)x, *b = *(struct svc *const *)y;
	if (a->created != b->created)
		return a->created < b->created ? -1 : 1;
	return strcmp(a->key, b->key);
}

static uint32_t fnv32(uint32_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

static uint32_t event_hash(enum lb_alloc_type type, const struct lb_addr *ips, size_t n,
			   const char *pool, const char *reason)
{
	uint32_t h = 2166136261u;
	uint8_t t = (uint8_t)type;
	h = fnv32(h, &t, 1);
	for (size_t i = 0; i < n; i++)
		h = fnv32(h, &ips[i], sizeof(ips[i]));
	h = fnv32(h, pool ? pool : "", pool ? strlen(pool) + 1 : 1);
	h = fnv32(h, reason ? reason : "", reason ? strlen(reason) + 1 : 1);
	return h ? h : 1; /* 0 means "nothing emitted" */
}

static bool held(const struct lb_alloc *a, const struct lb_addr *addr)
{
	return lb_hset_find(&a->addrs, addr) != NULL;
}

static bool buggy(const struct pool *p, const struct lb_addr *addr)
{
	/* Smurf-protection firmwares drop traffic to x.x.x.0 and x.x.x.255. */
	return p->def->avoid_buggy && addr->family == LB_AF_INET &&
	       (addr->b[15] == 0 || addr->b[15] == 255);
}

static const struct range_ix *range_for(const struct lb_alloc *a, const struct lb_addr *addr)
{
	size_t lo = 0, hi = a->nranges;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (lb_addr_cmp(&a->ranges[mid].r.first, addr) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || !lb_range_contains(&a->ranges[lo - 1].r, addr))
		return NULL;
	return &a->ranges[lo - 1];
}

static struct pool *pool_for(const struct lb_alloc *a, const struct lb_addr *addr)
{
	const struct range_ix *r = range_for(a, addr);
	return r ? r->p : NULL;
}

static struct pool *active_pool(const struct lb_alloc *a, const char *name)
{
	for (size_t i = 0; i < a->norder; i++) {
		if (!strcmp(a->order[i]->def->name, name))
			return a->order[i];
	}
	return NULL;
}

static const struct lb_labels *ns_labels(const struct lb_alloc *a, const struct svc *s)
{
	char name[256];
	size_t n = s->ns_len < sizeof(name) - 1 ? s->ns_len : sizeof(name) - 1;
	memcpy(name, s->key, n);
	name[n] = '\0';
	const struct ns *ns = lb_hset_find(&a->nss, name);
	return ns ? ns->labels : NULL;
}

/* serviceAllocation: a pool with it serves only the namespaces it lists or
 * selects, and only Services its serviceSelectors match (any of them). */
static bool pool_allows(const struct lb_alloc *a, const struct pool *p, const struct svc *s)
{
	const struct lb_pool_def *d = p->def;
	if (!d->has_allocation)
		return true;
	if (d->nnamespaces || d->nns_selectors) {
		bool in = false;
		for (size_t i = 0; i < d->nnamespaces && !in; i++)
			in = strlen(d->namespaces[i]) == s->ns_len &&
			     !memcmp(d->namespaces[i], s->key, s->ns_len);
		const struct lb_labels *labels = in ? NULL : ns_labels(a, s);
		for (size_t i = 0; i < d->nns_selectors && !in; i++)
			in = lb_labelsel_matches(d->ns_selectors[i], labels);
		if (!in)
			return false;
	}
	if (d->nsvc_selectors) {
		const struct lb_labels *labels = s->req ? s->req->labels : NULL;
		for (size_t i = 0; i < d->nsvc_selectors; i++) {
			if (lb_labelsel_matches(d->svc_selectors[i], labels))
				return true;
		}
		return false;
	}
	return true;
}

/* ---- sharing ------------------------------------------------------------- */

static const char *proto_name(uint8_t p)
{
	return p == 'U' ? "UDP" : p == 'S' ? "SCTP" : "TCP";
}

/* May s hold addr next to everyone already holding it? MetalLB's rule:
 * equal allow-shared-ip keys, equal backends, and no port used twice. */
static bool sharing_ok(const struct lb_alloc *a, const struct svc *s, const struct lb_addr *addr,
		       char *why, size_t whylen)
{
	struct lb_hset_iter it;
	char ip[LB_ADDR_STRLEN];

	for (void *e = lb_hset_first(&a->addrs, addr, &it); e; e = lb_hset_next(&a->addrs, addr, &it)) {
		const struct svc *h = untag(e);
		if (h == s)
			continue;
		const char *mine = svc_share_key(s), *theirs = svc_share_key(h);
		if (!mine || !theirs) {
			snprintf(why, whylen, "%s is held by %s and %s not allow sharing",
				 lb_addr_format(addr, ip), h->key,
				 !theirs ? "that service does" : "this service does");
			return false;
		}
		if (strcmp(mine, theirs)) {
			snprintf(why, whylen, "%s is held by %s with allow-shared-ip key '%s', not '%s'",
				 lb_addr_format(addr, ip), h->key, theirs, mine);
			return false;
		}
		if (strcmp(svc_backend(s), svc_backend(h))) {
			snprintf(why, whylen, "%s is held by %s, which has another backend "
				 "(externalTrafficPolicy or selector differ)", lb_addr_format(addr, ip),
				 h->key);
			return false;
		}
		for (size_t i = 0; i < s->req->nports; i++) {
			for (size_t j = 0; j < h->req->nports; j++) {
				if (s->req->ports[i].port == h->req->ports[j].port &&
				    s->req->ports[i].proto == h->req->ports[j].proto) {
					snprintf(why, whylen, "port %s/%u on %s is already used by %s",
						 proto_name(s->req->ports[i].proto),
						 s->req->ports[i].port, lb_addr_format(addr, ip), h->key);
					return false;
				}
			}
		}
	}
	return true;
}

/* ---- reserving addresses ------------------------------------------------ */

static size_t holders(const struct lb_alloc *a, const struct lb_addr *addr)
{
	struct lb_hset_iter it;
	size_t n = 0;
	for (void *e = lb_hset_first(&a->addrs, addr, &it); e; e = lb_hset_next(&a->addrs, addr, &it))
		n++;
	return n;
}

/* An address nobody holds any more goes back to its pool: onto the heap
 * when its range's cursor has already passed it. */
static void address_freed(struct lb_alloc *a, const struct lb_addr *addr)
{
	const struct range_ix *r = range_for(a, addr);
	if (!r)
		return;
	struct pool *p = r->p;
	int slot = fam_slot(addr->family);
	if (p->used[slot])
		p->used[slot]--;
	const struct lb_addr *cur = &p->cursor[r->idx];
	if (cur->family == 0 || lb_addr_cmp(addr, cur) < 0) {
		if (lb_addrheap_push(&p->freed[slot], addr) < 0)
			lb_warnx(a->opts.log, "out of memory: %s will be handed out again only after "
				 "a pool change", p->def->name);
	}
}

static void address_taken(struct lb_alloc *a, const struct lb_addr *addr)
{
	struct pool *p = pool_for(a, addr);
	if (p)
		p->used[fam_slot(addr->family)]++;
}

static int enter(struct lb_alloc *a, struct svc *s)
{
	for (int i = 0; i < s->nip; i++) {
		if (lb_hset_add(&a->addrs, tag(s, i)) < 0)
			return -1;
	}
	if (svc_share_key(s) && lb_hset_add(&a->shares, s) < 0)
		return -1;
	s->flags |= F_RESERVED;
	return 0;
}

static void leave(struct lb_alloc *a, struct svc *s)
{
	/* Even a shared address another Service keeps may now suit a waiting
	 * one (its port or key clash is gone). */
	a->retry = a->retry || s->nip > 0;
	for (int i = 0; i < s->nip; i++)
		lb_hset_remove(&a->addrs, &s->ip[i], tag(s, i));
	if (svc_share_key(s))
		lb_hset_remove(&a->shares, svc_share_key(s), s);
	s->flags &= (uint16_t)~F_RESERVED;
}

static bool in_set(const struct lb_addr *set, size_t n, const struct lb_addr *addr)
{
	for (size_t i = 0; i < n; i++) {
		if (lb_addr_eq(&set[i], addr))
			return true;
	}
	return false;
}

/* Moves s to ips (possibly overlapping what it holds), keeping the pool
 * counters and free lists right. */
static int hold(struct lb_alloc *a, struct svc *s, const struct lb_addr *ips, size_t n)
{
	struct lb_addr old[2];
	size_t nold = 0;
	if (s->flags & F_RESERVED) {
		nold = s->nip;
		memcpy(old, s->ip, sizeof(old));
		leave(a, s);
	}
	memcpy(s->ip, ips, n * sizeof(*ips));
	s->nip = (uint8_t)n;
	if (enter(a, s) < 0) {
		lb_warnx(a->opts.log, "%s: out of memory", s->key);
		return -1;
	}
	for (size_t i = 0; i < nold; i++) {
		if (!in_set(ips, n, &old[i]) && !held(a, &old[i]))
			address_freed(a, &old[i]);
	}
	for (size_t i = 0; i < n; i++) {
		if (!in_set(old, nold, &ips[i]) && holders(a, &ips[i]) == 1)
			address_taken(a, &ips[i]);
	}
	return 0;
}

static void unhold(struct lb_alloc *a, struct svc *s)
{
	if (!(s->flags & F_RESERVED)) {
		s->nip = 0;
		return;
	}
	leave(a, s);
	for (int i = 0; i < s->nip; i++) {
		if (!held(a, &s->ip[i]))
			address_freed(a, &s->ip[i]);
	}
	s->nip = 0;
}

/* ---- finding free addresses -------------------------------------------- */

/* The lowest address of the family in p that nobody holds, or -1. Cursors
 * only move forward over held addresses, and an address freed behind a
 * cursor goes onto the heap, so filling a pool costs O(n log n) in all, not
 * the O(n^2) of scanning from the start for every Service. */
static int lowest_free(struct lb_alloc *a, struct pool *p, uint8_t family, struct lb_addr *out)
{
	struct lb_addrheap *heap = &p->freed[fam_slot(family)];
	const struct lb_addr *top;
	while ((top = lb_addrheap_top(heap)) &&
	       (held(a, top) || pool_for(a, top) != p || buggy(p, top)))
		lb_addrheap_pop(heap);

	const struct lb_addr *cand = NULL;
	for (size_t i = 0; i < p->def->nranges && !cand; i++) {
		const struct lb_range *r = &p->def->ranges[i];
		struct lb_addr *c = &p->cursor[i];
		if (r->first.family != family || c->family == 0)
			continue;
		bool free_here = false;
		while (lb_addr_cmp(c, &r->last) <= 0) {
			if (!buggy(p, c) && !held(a, c)) {
				free_here = true;
				break;
			}
			if (lb_addr_next(c) < 0)
				break; /* the family's last address: nothing beyond */
		}
		if (!free_here) {
			c->family = 0; /* exhausted: frees land on the heap */
			continue;
		}
		cand = c;
	}
	if (top && (!cand || lb_addr_cmp(top, cand) < 0))
		cand = top;
	if (!cand)
		return -1;
	*out = *cand;
	return 0;
}

static bool pool_has_family(const struct pool *p, uint8_t family)
{
	for (size_t i = 0; i < p->def->nranges; i++) {
		if (p->def->ranges[i].first.family == family)
			return true;
	}
	return false;
}

/* An address of the family in p for s: one it holds already, else one its
 * sharing key already uses there (lowest first), else the lowest free one. */
static int address_in_pool(struct lb_alloc *a, struct svc *s, struct pool *p, uint8_t family,
			   struct lb_addr *out)
{
	char why[256];
	for (int i = 0; i < s->nip; i++) {
		if (s->ip[i].family == family && pool_for(a, &s->ip[i]) == p && !buggy(p, &s->ip[i]) &&
		    sharing_ok(a, s, &s->ip[i], why, sizeof(why))) {
			*out = s->ip[i];
			return 0;
		}
	}
	const char *key = svc_share_key(s);
	if (key) {
		struct lb_hset_iter it;
		const struct lb_addr *best = NULL;
		for (struct svc *h = lb_hset_first(&a->shares, key, &it); h;
		     h = lb_hset_next(&a->shares, key, &it)) {
			for (int i = 0; i < h->nip; i++) {
				const struct lb_addr *x = &h->ip[i];
				if (x->family == family && pool_for(a, x) == p && !buggy(p, x) &&
				    (!best || lb_addr_cmp(x, best) < 0) &&
				    sharing_ok(a, s, x, why, sizeof(why)))
					best = x;
			}
		}
		if (best) {
			*out = *best;
			return 0;
		}
	}
	return lowest_free(a, p, family, out);
}

/* Addresses of every family in fams from the one pool p. */
static int take_from(struct lb_alloc *a, struct svc *s, struct pool *p, const uint8_t *fams,
		     size_t nf, struct lb_addr *out)
{
	for (size_t i = 0; i < nf; i++) {
		if (address_in_pool(a, s, p, fams[i], &out[i]) < 0)
			return -1;
	}
	return 0;
}

/* ---- validity of what a Service holds ------------------------------------ */

static bool families_fit(const struct svc *s)
{
	if (s->nip == 2 && s->ip[0].family == s->ip[1].family)
		return false;
	if (s->policy == LB_POLICY_SINGLE)
		return s->nip == 1 && s->ip[0].family == s->fam[0];
	return s->nip == 2; /* dual policies: one address of each family */
}

/* Basic validity: the addresses lie in one active pool that serves s, are
 * not avoided there, and may be shared with their other holders. Strict
 * validity adds what s asks: families, requested addresses, named pool. */
static bool holds_validly(const struct lb_alloc *a, const struct svc *s, bool strict, char *why,
			  size_t whylen)
{
	char ip[LB_ADDR_STRLEN];
	if (!s->nip)
		return false;
	struct pool *p = pool_for(a, &s->ip[0]);
	for (int i = 0; i < s->nip; i++) {
		struct pool *q = pool_for(a, &s->ip[i]);
		if (!q || q != p) {
			snprintf(why, whylen, "%s is not in %s", lb_addr_format(&s->ip[i], ip),
				 q ? "the same pool" : "any pool");
			return false;
		}
		if (buggy(p, &s->ip[i])) {
			snprintf(why, whylen, "%s is avoided by pool %s (avoidBuggyIPs)",
				 lb_addr_format(&s->ip[i], ip), p->def->name);
			return false;
		}
	}
	if (!pool_allows(a, p, s)) {
		snprintf(why, whylen, "pool %s does not serve this service", p->def->name);
		return false;
	}
	if (strict) {
		if (!families_fit(s)) {
			snprintf(why, whylen, "addresses do not match the IP families");
			return false;
		}
		if (s->req && s->req->nwant) {
			bool same = s->nip == s->req->nwant;
			for (int i = 0; i < s->req->nwant && same; i++)
				same = in_set(s->ip, s->nip, &s->req->want[i]);
			if (!same) {
				snprintf(why, whylen, "other addresses are requested");
				return false;
			}
		}
		if (svc_pool_name(s) && strcmp(svc_pool_name(s), p->def->name)) {
			snprintf(why, whylen, "pool %s is requested", svc_pool_name(s));
			return false;
		}
	}
	for (int i = 0; i < s->nip; i++) {
		if (!sharing_ok(a, s, &s->ip[i], why, whylen))
			return false;
	}
	return true;
}

/* ---- choosing ------------------------------------------------------------ */

enum verdict { V_OK, V_PENDING, V_ERROR };

static enum verdict choose_requested(struct lb_alloc *a, struct svc *s, struct lb_addr *out,
				     size_t *n, char *why, size_t whylen)
{
	const struct svc_req *q = s->req;
	char ip[LB_ADDR_STRLEN], ip2[LB_ADDR_STRLEN];
	struct pool *p = pool_for(a, &q->want[0]);
	if (!p) {
		snprintf(why, whylen, "requested address %s is not in any pool",
			 lb_addr_format(&q->want[0], ip));
		return V_ERROR;
	}
	for (int i = 0; i < q->nwant; i++) {
		if (pool_for(a, &q->want[i]) != p) {
			snprintf(why, whylen, "requested addresses %s and %s are not in one pool",
				 lb_addr_format(&q->want[0], ip), lb_addr_format(&q->want[i], ip2));
			return V_ERROR;
		}
		if (buggy(p, &q->want[i])) {
			snprintf(why, whylen, "requested address %s is avoided by pool %s (avoidBuggyIPs)",
				 lb_addr_format(&q->want[i], ip), p->def->name);
			return V_ERROR;
		}
	}
	if (!pool_allows(a, p, s)) {
		snprintf(why, whylen, "pool %s, which holds %s, does not serve this service "
			 "(serviceAllocation)", p->def->name, lb_addr_format(&q->want[0], ip));
		return V_ERROR;
	}
	if (q->pool_name && strcmp(q->pool_name, p->def->name)) {
		snprintf(why, whylen, "requested address %s is in pool %s, not in pool %s",
			 lb_addr_format(&q->want[0], ip), p->def->name, q->pool_name);
		return V_ERROR;
	}
	for (int i = 0; i < q->nwant; i++) {
		if (!sharing_ok(a, s, &q->want[i], why, whylen))
			return V_ERROR;
	}
	memcpy(out, q->want, q->nwant * sizeof(*out));
	*n = q->nwant;
	return V_OK;
}

static void list_names(char *buf, size_t size, struct pool **tried, size_t ntried)
{
	size_t off = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < ntried && off < size; i++) {
		if (i == 4) {
			snprintf(buf + off, size - off, ", …");
			break;
		}
		int w = snprintf(buf + off, size - off, "%s%s", i ? ", " : "", tried[i]->def->name);
		off += w > 0 ? (size_t)w : 0;
	}
}

static enum verdict choose(struct lb_alloc *a, struct svc *s, struct lb_addr *out, size_t *n,
			   char *why, size_t whylen)
{
	if (s->req && s->req->nwant)
		return choose_requested(a, s, out, n, why, whylen);

	/* PreferDualStack holding one family validly: add the other from the
	 * same pool if it has one free, but never move the address it has. */
	if (s->policy == LB_POLICY_PREFER_DUAL && s->nip == 1 &&
	    holds_validly(a, s, false, why, whylen) &&
	    (!svc_pool_name(s) || !strcmp(svc_pool_name(s), pool_for(a, &s->ip[0])->def->name))) {
		struct pool *p = pool_for(a, &s->ip[0]);
		uint8_t other = s->ip[0].family == LB_AF_INET ? LB_AF_INET6 : LB_AF_INET;
		out[0] = s->ip[0];
		*n = 1;
		if (address_in_pool(a, s, p, other, &out[1]) == 0)
			*n = 2;
		return V_OK;
	}

	struct pool *single[1];
	struct pool **cands = a->order;
	size_t ncands = a->norder;
	if (svc_pool_name(s)) {
		struct pool *p = active_pool(a, svc_pool_name(s));
		if (!p) {
			for (size_t i = 0; i < a->npools; i++) {
				if (!strcmp(a->pools[i]->def->name, svc_pool_name(s))) {
					snprintf(why, whylen, "pool %s is not usable: %s", svc_pool_name(s),
						 a->pools[i]->reason);
					return V_PENDING;
				}
			}
			snprintf(why, whylen, "pool %s does not exist", svc_pool_name(s));
			return V_PENDING;
		}
		if (!pool_allows(a, p, s)) {
			snprintf(why, whylen, "pool %s does not serve this service (serviceAllocation)",
				 p->def->name);
			return V_ERROR;
		}
		single[0] = p;
		cands = single;
		ncands = 1;
	}

	struct pool *tried[64];
	size_t ntried = 0;
	for (size_t i = 0; i < ncands; i++) {
		struct pool *p = cands[i];
		if (cands == a->order && (!p->def->auto_assign || !pool_allows(a, p, s)))
			continue;
		if (ntried < sizeof(tried) / sizeof(tried[0]))
			tried[ntried++] = p;
	}
	if (!ntried) {
		snprintf(why, whylen, "%s", a->norder ? "no pool serves this service"
						       : "no address pool is configured");
		return V_PENDING;
	}
	/* Both families from one pool first; PreferDualStack then settles for
	 * the primary family, then the secondary, as MetalLB does. */
	size_t nf = s->policy == LB_POLICY_SINGLE ? 1 : 2;
	for (size_t i = 0; i < ntried; i++) {
		if (take_from(a, s, tried[i], s->fam, nf, out) == 0) {
			*n = nf;
			return V_OK;
		}
	}
	if (s->policy == LB_POLICY_PREFER_DUAL) {
		for (int f = 0; f < 2; f++) {
			for (size_t i = 0; i < ntried; i++) {
				if (take_from(a, s, tried[i], &s->fam[f], 1, out) == 0) {
					*n = 1;
					return V_OK;
				}
			}
		}
	}
	char names[200];
	list_names(names, sizeof(names), tried, ntried);
	bool has[2] = {false, false};
	for (size_t i = 0; i < ntried; i++) {
		if (pool_has_family(tried[i], LB_AF_INET))
			has[0] = true;
		if (pool_has_family(tried[i], LB_AF_INET6))
			has[1] = true;
	}
	if (nf == 2 && s->policy == LB_POLICY_REQUIRE_DUAL)
		snprintf(why, whylen, "no pool has free IPv4 and IPv6 addresses (tried %s)", names);
	else if (nf == 1 && !has[fam_slot(s->fam[0])])
		snprintf(why, whylen, "no %s addresses in the pools that serve this service (%s)",
			 fam_name(s->fam[0]), names);
	else
		snprintf(why, whylen, "no free %s address in pool%s %s",
			 nf == 2 ? "IPv4 or IPv6" : fam_name(s->fam[0]), ntried > 1 ? "s" : "", names);
	return V_PENDING;
}

/* ---- emitting ------------------------------------------------------------- */

static void emit(struct lb_alloc *a, struct svc *s, enum lb_alloc_type type,
		 const struct lb_addr *ips, size_t n, const char *pool, const char *reason, bool force)
{
	uint32_t h = event_hash(type, ips, n, pool, reason);
	bool note = type == LB_ALLOC_PENDING || type == LB_ALLOC_ERROR;
	if (!force && h == (note ? s->note_hash : s->emit_hash))
		return;
	if (note) {
		s->note_hash = h;
	} else {
		s->emit_hash = h;
		s->note_hash = 0; /* a new assignment: a later problem is news again */
	}
	if (type == LB_ALLOC_ASSIGNED)
		s->flags |= F_SHOWN;
	if (type == LB_ALLOC_RELEASED)
		s->flags &= (uint16_t)~F_SHOWN;
	struct lb_alloc_event ev = {type, s->key, ips, n, pool, reason};
	if (a->opts.emit)
		a->opts.emit(a->opts.ctx, &ev);
}

static void unwait(struct lb_alloc *a, struct svc *s)
{
	if (!(s->flags & (F_PENDING | F_ERROR)))
		return;
	struct svc *last = a->waiting[--a->nwaiting];
	a->waiting[s->wait_idx] = last;
	last->wait_idx = s->wait_idx;
	s->flags &= (uint16_t)~(F_PENDING | F_ERROR);
	s->note_hash = 0;
}

/* Marks s PENDING or ERROR (flag) and keeps it in the waiting list. */
static void wait_as(struct lb_alloc *a, struct svc *s, uint16_t flag)
{
	if (!(s->flags & (F_PENDING | F_ERROR))) {
		if (a->nwaiting == a->cap_waiting) {
			size_t cap = a->cap_waiting ? a->cap_waiting * 2 : 64;
			struct svc **grown = realloc(a->waiting, cap * sizeof(*grown));
			if (!grown) {
				lb_warnx(a->opts.log, "%s: out of memory", s->key);
				return;
			}
			a->waiting = grown;
			a->cap_waiting = cap;
		}
		s->wait_idx = (uint32_t)a->nwaiting;
		a->waiting[a->nwaiting++] = s;
	}
	s->flags = (uint16_t)((s->flags & ~(F_PENDING | F_ERROR)) | flag);
}

static void set_reason(struct svc *s, const char *reason)
{
	free(s->reason);
	s->reason = reason ? strdup(reason) : NULL;
}

static void settle_assigned(struct lb_alloc *a, struct svc *s, bool force)
{
	unwait(a, s);
	set_reason(s, NULL);
	struct pool *p = pool_for(a, &s->ip[0]);
	emit(a, s, LB_ALLOC_ASSIGNED, s->ip, s->nip, p ? p->def->name : NULL, NULL, force);
}

static void release(struct lb_alloc *a, struct svc *s, const char *why)
{
	struct lb_addr old[2];
	size_t n = s->nip;
	memcpy(old, s->ip, sizeof(old));
	unhold(a, s);
	if (s->flags & F_SHOWN)
		emit(a, s, LB_ALLOC_RELEASED, old, n, NULL, why, false);
}

static void make_pending(struct lb_alloc *a, struct svc *s, const char *why)
{
	release(a, s, why);
	if (s->flags & F_ERROR)
		s->note_hash = 0;
	wait_as(a, s, F_PENDING);
	set_reason(s, why);
	emit(a, s, LB_ALLOC_PENDING, NULL, 0, NULL, why, false);
}

/* An ERROR never moves a Service silently: it keeps what it validly holds. */
static void make_error(struct lb_alloc *a, struct svc *s, const char *why)
{
	char tmp[256];
	if (s->flags & F_PENDING)
		s->note_hash = 0;
	if (s->nip && holds_validly(a, s, false, tmp, sizeof(tmp))) {
		if (!(s->flags & F_RESERVED))
			hold(a, s, s->ip, s->nip);
		struct pool *p = pool_for(a, &s->ip[0]);
		emit(a, s, LB_ALLOC_ASSIGNED, s->ip, s->nip, p->def->name, NULL, false);
	} else {
		release(a, s, why);
	}
	wait_as(a, s, F_ERROR);
	set_reason(s, why);
	emit(a, s, LB_ALLOC_ERROR, s->ip, s->nip, NULL, why, false);
}

static void evaluate(struct lb_alloc *a, struct svc *s)
{
	char why[300];

	if (!(s->flags & F_WANTS)) {
		unwait(a, s);
		set_reason(s, NULL);
		release(a, s, "not a LoadBalancer service of this class");
		return;
	}
	if (s->nip && holds_validly(a, s, true, why, sizeof(why))) {
		if (!(s->flags & F_RESERVED))
			hold(a, s, s->ip, s->nip);
		settle_assigned(a, s, false);
		return;
	}
	if (s->req && s->req->invalid) {
		make_error(a, s, s->req->invalid);
		return;
	}
	struct lb_addr ips[2];
	size_t n = 0;
	switch (choose(a, s, ips, &n, why, sizeof(why))) {
	case V_OK:
		if (hold(a, s, ips, n) < 0)
			return;
		settle_assigned(a, s, false);
		break;
	case V_ERROR:
		make_error(a, s, why);
		break;
	case V_PENDING:
		make_pending(a, s, why);
		break;
	}
}

/* Waiting Services, oldest first, each time a holder has left an address;
 * one round suffices unless serving one moved another. */
static void retry_waiting(struct lb_alloc *a)
{
	while (a->retry && a->nwaiting) {
		a->retry = false;
		size_t n = a->nwaiting;
		struct svc **list = malloc(n * sizeof(*list));
		if (!list)
			return;
		memcpy(list, a->waiting, n * sizeof(*list));
		qsort(list, n, sizeof(*list), svc_order_cmp);
		for (size_t i = 0; i < n; i++) {
			if (list[i]->flags & (F_PENDING | F_ERROR))
				evaluate(a, list[i]);
		}
		free(list);
	}
	a->retry = false;
}

struct collect {
	struct svc **v;
	size_t n;
};

static void collect_svc(void *ctx, void *e)
{
	struct collect *c = ctx;
	c->v[c->n++] = e;
}

static struct svc **sorted_services(const struct lb_alloc *a, size_t *n)
{
	struct collect c = {malloc((a->svcs.count + 1) * sizeof(struct svc *)), 0};
	if (!c.v)
		return NULL;
	lb_hset_each(&a->svcs, collect_svc, &c);
	qsort(c.v, c.n, sizeof(*c.v), svc_order_cmp);
	*n = c.n;
	return c.v;
}

static void recount(struct lb_alloc *a, struct svc **all, size_t n)
{
	for (size_t i = 0; i < a->npools; i++)
		a->pools[i]->used[0] = a->pools[i]->used[1] = 0;
	for (size_t i = 0; i < n; i++) {
		struct svc *s = all[i];
		if (!(s->flags & F_RESERVED))
			continue;
		for (int k = 0; k < s->nip; k++) {
			/* Count each address once: at its first entry in the map. */
			if (lb_hset_find(&a->addrs, &s->ip[k]) == tag(s, k))
				address_taken(a, &s->ip[k]);
		}
	}
}

/* Everything again, after a pool or namespace change and at SYNCED: first
 * confirm every claim that is valid at all, even one that does not yet
 * satisfy its Service (one family of PreferDualStack, an ERROR keeping its
 * address), so no new allocation can take it; then decide for each Service,
 * oldest first, and only those whose request differs move. */
static void run_all(struct lb_alloc *a)
{
	char why[300];
	size_t n = 0;
	struct svc **all = sorted_services(a, &n);
	if (!all) {
		lb_warnx(a->opts.log, "out of memory: allocation postponed");
		return;
	}
	recount(a, all, n);
	for (size_t i = 0; i < n; i++) {
		struct svc *s = all[i];
		if ((s->flags & F_WANTS) && !(s->flags & F_RESERVED) && s->nip &&
		    (s->nip == 1 || s->ip[0].family != s->ip[1].family) &&
		    holds_validly(a, s, false, why, sizeof(why)))
			hold(a, s, s->ip, s->nip);
	}
	a->retry = false;
	for (size_t i = 0; i < n; i++)
		evaluate(a, all[i]);
	free(all);
	retry_waiting(a);
}

/* ---- pools --------------------------------------------------------------- */

static void pool_runtime_reset(struct pool *p)
{
	free(p->cursor);
	p->cursor = malloc((p->def->nranges ? p->def->nranges : 1) * sizeof(*p->cursor));
	for (size_t i = 0; p->cursor && i < p->def->nranges; i++)
		p->cursor[i] = p->def->ranges[i].first;
	lb_addrheap_clear(&p->freed[0]);
	lb_addrheap_clear(&p->freed[1]);
}

static void pool_free(struct pool *p)
{
	lb_pool_def_free(p->def);
	free(p->source);
	free(p->reason);
	free(p->cursor);
	lb_addrheap_clear(&p->freed[0]);
	lb_addrheap_clear(&p->freed[1]);
	free(p);
}

static int range_ix_cmp(const void *x, const void *y)
{
	return lb_addr_cmp(&((const struct range_ix *)x)->r.first,
			   &((const struct range_ix *)y)->r.first);
}

/* Pools with serviceAllocation that serve a Service come first, by
 * priority (lower first, unset last), then pools open to all; ties by name
 * (MetalLB leaves ties to Go's map order; a fixed order keeps runs alike). */
static int pool_order_cmp(const void *x, const void *y)
{
	const struct lb_pool_def *a = (*(struct pool *const *)x)->def;
	const struct lb_pool_def *b = (*(struct pool *const *)y)->def;
	if (a->has_allocation != b->has_allocation)
		return a->has_allocation ? -1 : 1;
	if ((a->priority == 0) != (b->priority == 0))
		return a->priority == 0 ? 1 : -1;
	if (a->priority != b->priority)
		return a->priority < b->priority ? -1 : 1;
	return strcmp(a->name, b->name);
}

static void set_pool_reason(struct lb_alloc *a, struct pool *p, const char *reason)
{
	if (reason && (!p->reason || strcmp(p->reason, reason)))
		lb_errorx(a->opts.log, "%s: %s", p->def->origin, reason);
	else if (!reason && p->reason)
		lb_info(a->opts.log, "%s: pool %s is usable again", p->def->origin, p->def->name);
	free(p->reason);
	p->reason = reason ? strdup(reason) : NULL;
}

/* Which pools are usable: taken in arrival order, a pool whose name or
 * ranges clash with one already accepted is left out, so a bad new pool
 * never disturbs a working one. */
static int rebuild_pools(struct lb_alloc *a)
{
	size_t total = 0;
	for (size_t i = 0; i < a->npools; i++)
		total += a->pools[i]->def->nranges;
	struct range_ix *ranges = malloc((total ? total : 1) * sizeof(*ranges));
	struct pool **order = malloc((a->npools ? a->npools : 1) * sizeof(*order));
	if (!ranges || !order) {
		free(ranges);
		free(order);
		return -1;
	}
	size_t nr = 0, no = 0;
	a->any_ns_selectors = false;
	for (size_t i = 0; i < a->npools; i++) {
		struct pool *p = a->pools[i];
		char reason[400] = "";
		for (size_t k = 0; k < no && !reason[0]; k++) {
			if (!strcmp(order[k]->def->name, p->def->name))
				snprintf(reason, sizeof(reason), "pool %s is already defined by %s; "
					 "ignoring this definition", p->def->name, order[k]->def->origin);
		}
		for (size_t r = 0; r < p->def->nranges && !reason[0]; r++) {
			for (size_t k = 0; k < nr && !reason[0]; k++) {
				if (lb_range_overlaps(&p->def->ranges[r], &ranges[k].r)) {
					char x[LB_RANGE_STRLEN], y[LB_RANGE_STRLEN];
					snprintf(reason, sizeof(reason), "pool %s range %s overlaps pool %s "
						 "range %s (%s); ignoring pool %s", p->def->name,
						 lb_range_format(&p->def->ranges[r], x), ranges[k].p->def->name,
						 lb_range_format(&ranges[k].r, y), ranges[k].p->def->origin,
						 p->def->name);
				}
			}
		}
		set_pool_reason(a, p, reason[0] ? reason : NULL);
		p->active = !reason[0];
		if (!p->active)
			continue;
		order[no++] = p;
		if (p->def->nns_selectors)
			a->any_ns_selectors = true;
		for (size_t r = 0; r < p->def->nranges; r++)
			ranges[nr++] = (struct range_ix){p->def->ranges[r], p, r};
	}
	qsort(ranges, nr, sizeof(*ranges), range_ix_cmp);
	qsort(order, no, sizeof(*order), pool_order_cmp);
	free(a->ranges);
	free(a->order);
	a->ranges = ranges;
	a->nranges = nr;
	a->order = order;
	a->norder = no;
	return 0;
}

int lb_alloc_set_pools(struct lb_alloc *a, const char *source, struct lb_pool_def **defs,
		       size_t ndefs, struct lb_err *err)
{
	unsigned seq = a->next_seq;
	size_t keep = 0;
	bool found = false;
	for (size_t i = 0; i < a->npools; i++) {
		struct pool *p = a->pools[i];
		if (!strcmp(p->source, source)) {
			if (!found)
				seq = p->seq;
			found = true;
			pool_free(p);
		} else {
			a->pools[keep++] = p;
		}
	}
	a->npools = keep;
	if (!found)
		a->next_seq++;

	struct pool **grown = realloc(a->pools, (a->npools + ndefs + 1) * sizeof(*grown));
	if (!grown) {
		for (size_t i = 0; i < ndefs; i++)
			lb_pool_def_free(defs[i]);
		return lb_err_set(err, "out of memory");
	}
	a->pools = grown;
	/* Insert after every pool of an earlier source, keeping arrival order. */
	size_t at = 0;
	while (at < a->npools && a->pools[at]->seq <= seq)
		at++;
	memmove(&a->pools[at + ndefs], &a->pools[at], (a->npools - at) * sizeof(*a->pools));
	for (size_t i = 0; i < ndefs; i++) {
		struct pool *p = calloc(1, sizeof(*p));
		if (!p || !(p->source = strdup(source))) {
			free(p);
			return lb_err_set(err, "out of memory");
		}
		p->def = defs[i];
		p->seq = seq;
		pool_runtime_reset(p);
		a->pools[at + i] = p;
	}
	a->npools += ndefs;
	/* Cursors restart from each range's start: they skip held addresses, so
	 * a fresh start is always right, and a pool edit is rare. */
	for (size_t i = 0; i < a->npools; i++)
		pool_runtime_reset(a->pools[i]);
	if (rebuild_pools(a) < 0)
		return lb_err_set(err, "out of memory");
	if (a->synced)
		run_all(a);
	return 0;
}

/* ---- services ------------------------------------------------------------ */

static void req_free(struct svc_req *q)
{
	if (!q)
		return;
	free(q->pool_name);
	free(q->share_key);
	free(q->backend_key);
	free(q->invalid);
	free(q->labels);
	free(q->ports);
	free(q);
}

static bool str_eq(const char *x, const char *y)
{
	return x == y || (x && y && !strcmp(x, y));
}

static bool req_equal(const struct svc_req *x, const struct svc_req *y)
{
	if (!x || !y)
		return x == y;
	if (!str_eq(x->pool_name, y->pool_name) || !str_eq(x->share_key, y->share_key) ||
	    !str_eq(x->backend_key, y->backend_key) || !str_eq(x->invalid, y->invalid) ||
	    !lb_labels_equal(x->labels, y->labels) || x->nports != y->nports ||
	    x->nwant != y->nwant)
		return false;
	if (x->nports && memcmp(x->ports, y->ports, x->nports * sizeof(*x->ports)))
		return false;
	for (int i = 0; i < x->nwant; i++) {
		if (!lb_addr_eq(&x->want[i], &y->want[i]))
			return false;
	}
	return true;
}

static char *dup_or_null(const char *s, bool *oom)
{
	if (!s)
		return NULL;
	char *d = strdup(s);
	if (!d)
		*oom = true;
	return d;
}

/* Only what differs from the default is kept; labels matter only while some
 * pool selects Services by label, but pools can appear later, so keep them. */
static int req_from_spec(struct lb_svc_spec *spec, struct svc_req **out)
{
	bool cluster = !spec->backend_key || !strcmp(spec->backend_key, "cluster");
	bool plain = !spec->pool_name && !spec->share_key && cluster && !spec->invalid[0] &&
		     (!spec->labels || spec->labels->n == 0) && !spec->nwant;
	*out = NULL;
	if (plain)
		return 0;
	struct svc_req *q = calloc(1, sizeof(*q));
	if (!q)
		return -1;
	bool oom = false;
	q->pool_name = dup_or_null(spec->pool_name, &oom);
	q->share_key = dup_or_null(spec->share_key, &oom);
	q->backend_key = cluster ? NULL : dup_or_null(spec->backend_key, &oom);
	q->invalid = spec->invalid[0] ? dup_or_null(spec->invalid, &oom) : NULL;
	if (spec->labels && spec->labels->n) {
		q->labels = spec->labels;
		spec->labels = NULL;
	}
	if (spec->share_key && spec->nports) {
		q->ports = spec->ports;
		q->nports = spec->nports;
		spec->ports = NULL;
	}
	memcpy(q->want, spec->want, sizeof(q->want));
	q->nwant = spec->nwant;
	if (oom) {
		req_free(q);
		return -1;
	}
	*out = q;
	return 0;
}

/* Drift is judged on the addresses alone: the status and the pool
 * annotation are separate writes, and the echo of the first must not look
 * like someone else's change. */
static uint32_t addrs_hash(const struct lb_addr *ips, size_t n)
{
	return n ? fnv32(2166136261u, ips, n * sizeof(*ips)) | 1 : 0;
}

static bool wants(const struct lb_alloc *a, const struct lb_svc_spec *spec)
{
	return spec->load_balancer && str_eq(spec->lb_class, a->opts.lb_class);
}

static void svc_free(struct svc *s)
{
	req_free(s->req);
	free(s->reason);
	free(s);
}

int lb_alloc_set_service(struct lb_alloc *a, const json_t *obj, struct lb_err *err)
{
	struct lb_svc_spec spec;
	if (lb_svc_spec_parse(obj, &spec, err) < 0)
		return -1;

	struct svc *s = lb_hset_find(&a->svcs, spec.key);
	bool is_new = !s;
	if (is_new) {
		size_t klen = strlen(spec.key);
		s = calloc(1, sizeof(*s) + klen + 1);
		if (s) {
			memcpy(s->key, spec.key, klen + 1); /* the table hashes the key */
			s->ns_len = (uint16_t)spec.ns_len;
		}
		if (!s || lb_hset_add(&a->svcs, s) < 0) {
			free(s);
			lb_svc_spec_release(&spec);
			return lb_err_set(err, "%s: out of memory", spec.key);
		}
	}
	struct svc_req *req = NULL;
	if (req_from_spec(&spec, &req) < 0) {
		lb_svc_spec_release(&spec);
		if (is_new) {
			lb_hset_remove(&a->svcs, s->key, s);
			svc_free(s);
		}
		return lb_err_set(err, "%s: out of memory", spec.key);
	}
	if (spec.deprecated && !(s->flags & F_WARNED)) {
		lb_warnx(a->opts.log, "%s: the metallb.universe.tf/%s annotation is deprecated; "
			 "use metallb.io/%s", s->key, spec.deprecated, spec.deprecated);
		s->flags |= F_WARNED;
	}

	uint16_t want_flag = wants(a, &spec) ? F_WANTS : 0;
	bool changed = is_new || (s->flags & F_WANTS) != want_flag || !req_equal(s->req, req) ||
		       s->nfam != spec.nfamilies || s->policy != spec.policy ||
		       memcmp(s->fam, spec.families, sizeof(s->fam)) || s->created != spec.created;
	uint32_t sh = addrs_hash(spec.status, spec.nstatus);
	bool drift = !is_new && sh != s->status_hash;
	s->status_hash = sh;
	if (is_new && sh) /* what the status shows counts as said already */
		s->emit_hash = event_hash(LB_ALLOC_ASSIGNED, spec.status, spec.nstatus,
					  spec.status_pool, NULL);
	if (spec.nstatus && want_flag)
		s->flags |= F_SHOWN;

	if (changed) {
		/* A request change moves the Service out of the sharing index under
		 * its old key first: the index hashes by the key in req. */
		bool reserved = s->flags & F_RESERVED;
		if (reserved && svc_share_key(s))
			lb_hset_remove(&a->shares, svc_share_key(s), s);
		req_free(s->req);
		s->req = req;
		if (reserved && svc_share_key(s))
			lb_hset_add(&a->shares, s);
		s->flags = (uint16_t)((s->flags & ~F_WANTS) | want_flag);
		s->created = spec.created;
		s->nfam = spec.nfamilies;
		s->policy = (uint8_t)spec.policy;
		memcpy(s->fam, spec.families, sizeof(s->fam));
	} else {
		req_free(req);
	}
	/* Until it holds something, a Service's status is the claim to confirm. */
	if (!(s->flags & F_RESERVED) && !(s->flags & (F_PENDING | F_ERROR))) {
		memcpy(s->ip, spec.status, sizeof(s->ip));
		s->nip = spec.nstatus;
	}
	lb_svc_spec_release(&spec);

	if (!a->synced)
		return 0;
	if (changed) {
		evaluate(a, s);
		a->retry = true;
	} else if (drift && (s->flags & F_WANTS)) {
		/* Someone else wrote the status: say again what it must be. */
		if (s->flags & F_RESERVED) {
			if (sh != addrs_hash(s->ip, s->nip))
				settle_assigned(a, s, true);
		} else if (sh) {
			s->flags |= F_SHOWN;
			emit(a, s, LB_ALLOC_RELEASED, NULL, 0, NULL, "address not assigned by lb-alloc",
			     true);
		}
	}
	retry_waiting(a);
	return 0;
}

int lb_alloc_delete_service(struct lb_alloc *a, const char *key)
{
	struct svc *s = lb_hset_find(&a->svcs, key);
	if (!s)
		return -1;
	unwait(a, s);
	if (a->synced && (s->flags & F_WANTS))
		release(a, s, "service deleted");
	else
		unhold(a, s);
	lb_hset_remove(&a->svcs, s->key, s);
	svc_free(s);
	if (a->synced)
		retry_waiting(a);
	return 0;
}

int lb_alloc_set_namespace(struct lb_alloc *a, const json_t *obj, struct lb_err *err)
{
	const char *name = json_string_value(json_object_get(json_object_get(obj, "metadata"), "name"));
	if (!name || !*name)
		return lb_err_set(err, "Namespace without metadata.name");
	struct lb_labels *labels = NULL;
	struct lb_err lerr;
	if (lb_labels_from_json(json_object_get(json_object_get(obj, "metadata"), "labels"), &labels,
				&lerr) < 0)
		return lb_err_set(err, "Namespace %s: metadata.labels: %s", name, lerr.msg);
	struct ns *ns = lb_hset_find(&a->nss, name);
	if (ns && lb_labels_equal(ns->labels, labels)) {
		free(labels);
		return 0;
	}
	if (!ns) {
		ns = calloc(1, sizeof(*ns) + strlen(name) + 1);
		if (ns)
			strcpy(ns->name, name); /* the table hashes the name */
		if (!ns || lb_hset_add(&a->nss, ns) < 0) {
			free(ns);
			free(labels);
			return lb_err_set(err, "Namespace %s: out of memory", name);
		}
	}
	free(ns->labels);
	ns->labels = labels;
	if (a->synced && a->any_ns_selectors)
		run_all(a);
	return 0;
}

int lb_alloc_delete_namespace(struct lb_alloc *a, const char *name)
{
	struct ns *ns = lb_hset_find(&a->nss, name);
	if (!ns)
		return -1;
	lb_hset_remove(&a->nss, name, ns);
	free(ns->labels);
	free(ns);
	if (a->synced && a->any_ns_selectors)
		run_all(a);
	return 0;
}

/* ---- sync ---------------------------------------------------------------- */

int lb_alloc_require_sync(struct lb_alloc *a, const char *kind)
{
	for (size_t i = 0; i < a->nkinds; i++) {
		if (!strcmp(a->kinds[i], kind))
			return 0;
	}
	char **k = realloc(a->kinds, (a->nkinds + 1) * sizeof(*k));
	if (!k)
		return -1;
	a->kinds = k;
	bool *ks = realloc(a->kind_synced, (a->nkinds + 1) * sizeof(*ks));
	if (!ks)
		return -1;
	a->kind_synced = ks;
	if (!(a->kinds[a->nkinds] = strdup(kind)))
		return -1;
	a->kind_synced[a->nkinds++] = false;
	a->synced = false;
	return 0;
}

void lb_alloc_synced(struct lb_alloc *a, const char *kind)
{
	bool all = true;
	for (size_t i = 0; i < a->nkinds; i++) {
		if (!strcmp(a->kinds[i], kind))
			a->kind_synced[i] = true;
		all = all && a->kind_synced[i];
	}
	if (all && !a->synced) {
		a->synced = true;
		run_all(a);
	}
}

bool lb_alloc_is_synced(const struct lb_alloc *a)
{
	return a->synced;
}

const char *lb_alloc_awaiting(const struct lb_alloc *a, char *buf, size_t size)
{
	size_t off = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < a->nkinds && off < size; i++) {
		if (a->kind_synced[i])
			continue;
		int w = snprintf(buf + off, size - off, "%s%s", off ? "," : "", a->kinds[i]);
		off += w > 0 ? (size_t)w : 0;
	}
	return buf;
}

/* ---- life cycle and queries -------------------------------------------------- */

struct lb_alloc *lb_alloc_new(const struct lb_alloc_opts *opts)
{
	struct lb_alloc *a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	a->opts = *opts;
	lb_hset_init(&a->svcs, &svc_ops);
	lb_hset_init(&a->addrs, &addr_ops);
	lb_hset_init(&a->shares, &share_ops);
	lb_hset_init(&a->nss, &ns_ops);
	a->synced = true; /* until a kind is required */
	return a;
}

static void free_svc_entry(void *ctx, void *e)
{
	(void)ctx;
	svc_free(e);
}

static void free_ns_entry(void *ctx, void *e)
{
	(void)ctx;
	free(((struct ns *)e)->labels);
	free(e);
}

void lb_alloc_free(struct lb_alloc *a)
{
	if (!a)
		return;
	lb_hset_each(&a->svcs, free_svc_entry, NULL);
	lb_hset_each(&a->nss, free_ns_entry, NULL);
	lb_hset_free(&a->svcs);
	lb_hset_free(&a->addrs);
	lb_hset_free(&a->shares);
	lb_hset_free(&a->nss);
	for (size_t i = 0; i < a->npools; i++)
		pool_free(a->pools[i]);
	free(a->pools);
	free(a->ranges);
	free(a->order);
	free(a->waiting);
	for (size_t i = 0; i < a->nkinds; i++)
		free(a->kinds[i]);
	free(a->kinds);
	free(a->kind_synced);
	free(a);
}

static void state_of(const struct lb_alloc *a, const struct svc *s, struct lb_alloc_state *st)
{
	memset(st, 0, sizeof(*st));
	if (s->flags & F_RESERVED) {
		st->nips = s->nip;
		memcpy(st->ips, s->ip, sizeof(st->ips));
		struct pool *p = pool_for(a, &s->ip[0]);
		st->pool = p ? p->def->name : NULL;
	}
	if (s->flags & F_ERROR)
		st->type = LB_ALLOC_ERROR;
	else if (s->flags & F_PENDING)
		st->type = LB_ALLOC_PENDING;
	else if (s->flags & F_RESERVED)
		st->type = LB_ALLOC_ASSIGNED;
	else if (!(s->flags & F_WANTS))
		st->type = LB_ALLOC_RELEASED;
	else
		st->type = LB_ALLOC_PENDING;
	st->reason = s->reason ? s->reason
		     : st->type == LB_ALLOC_PENDING ? "waiting for the initial list (SYNCED)"
		     : st->type == LB_ALLOC_RELEASED ? "not a LoadBalancer service of this class"
						       : NULL;
}

int lb_alloc_lookup(const struct lb_alloc *a, const char *key, struct lb_alloc_state *out)
{
	const struct svc *s = lb_hset_find(&a->svcs, key);
	if (!s)
		return -1;
	state_of(a, s, out);
	return 0;
}

void lb_alloc_each_service(const struct lb_alloc *a,
			   void (*fn)(void *ctx, const char *key, const struct lb_alloc_state *st),
			   void *ctx)
{
	size_t n = 0;
	struct svc **all = sorted_services(a, &n);
	if (!all)
		return;
	for (size_t i = 0; i < n; i++) {
		struct lb_alloc_state st;
		state_of(a, all[i], &st);
		fn(ctx, all[i]->key, &st);
	}
	free(all);
}

void lb_alloc_each_pool(const struct lb_alloc *a,
			void (*fn)(void *ctx, const struct lb_alloc_pool_info *info), void *ctx)
{
	for (size_t i = 0; i < a->npools; i++) {
		const struct pool *p = a->pools[i];
		struct lb_alloc_pool_info info = {p->def, p->active, p->reason,
						  {p->used[0], p->used[1]}};
		fn(ctx, &info);
	}
}

int lb_alloc_check(const struct lb_alloc *a, struct lb_err *err)
{
	char why[300], ip[LB_ADDR_STRLEN];
	size_t n = 0, entries = 0;
	struct svc **all = sorted_services(a, &n);
	if (!all)
		return lb_err_set(err, "out of memory");
	uint64_t *used = calloc(a->npools * 2 + 1, sizeof(*used));
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct svc *s = all[i];
		if (!(s->flags & F_RESERVED))
			continue;
		entries += s->nip;
		if (!(s->flags & F_WANTS))
			rc = lb_err_set(err, "%s holds addresses but is not ours", s->key);
		else if (!holds_validly(a, s, !(s->flags & F_ERROR) &&
					      !(s->policy == LB_POLICY_PREFER_DUAL && s->nip == 1),
					why, sizeof(why)))
			rc = lb_err_set(err, "%s holds an invalid assignment: %s", s->key, why);
		for (int k = 0; k < s->nip && rc == 0; k++) {
			struct lb_hset_iter it;
			bool found = false;
			for (void *e = lb_hset_first(&a->addrs, &s->ip[k], &it); e;
			     e = lb_hset_next(&a->addrs, &s->ip[k], &it))
				found |= e == tag(s, k);
			if (!found)
				rc = lb_err_set(err, "%s: %s missing from the address map", s->key,
						lb_addr_format(&s->ip[k], ip));
			if (lb_hset_find(&a->addrs, &s->ip[k]) == tag(s, k)) {
				struct pool *p = pool_for(a, &s->ip[k]);
				for (size_t q = 0; p && q < a->npools; q++) {
					if (a->pools[q] == p)
						used[q * 2 + (size_t)fam_slot(s->ip[k].family)]++;
				}
			}
		}
	}
	if (rc == 0 && entries != a->addrs.count)
		rc = lb_err_set(err, "address map holds %zu entries, services %zu", a->addrs.count,
				entries);
	for (size_t q = 0; q < a->npools && rc == 0; q++) {
		for (int f = 0; f < 2 && rc == 0; f++) {
			if (a->pools[q]->active && used[q * 2 + (size_t)f] != a->pools[q]->used[f])
				rc = lb_err_set(err, "pool %s counts %llu %s addresses in use, truly %llu",
						a->pools[q]->def->name,
						(unsigned long long)a->pools[q]->used[f], f ? "IPv6" : "IPv4",
						(unsigned long long)used[q * 2 + (size_t)f]);
		}
	}
	free(used);
	free(all);
	return rc;
}
