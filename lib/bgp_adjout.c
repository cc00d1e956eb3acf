#include "bgp_adjout.h"

#include <stdlib.h>
#include <string.h>

/* 24 bytes, 2-byte aligned: a free entry keeps the next free one's
 * address in its prefix bytes (copied, not a pointer member, which would
 * align the whole entry to 8 and make it 40 bytes). */
struct lb_bgp_adjout_entry {
	struct lb_prefix pfx;
	int16_t want; /* index into attrs, -1: not wanted */
	int16_t sent; /* what the peer holds, -1: nothing */
	bool dirty;
};

enum { MAX_ATTR_SETS = 32767 };

/* Entries come from blocks, not one malloc each: a table of 100k routes
 * then costs 24 bytes a route instead of malloc's 48. */
enum { BLOCK_ENTRIES = 1024 };
struct lb_bgp_adjout_block {
	struct lb_bgp_adjout_block *next;
	struct lb_bgp_adjout_entry e[BLOCK_ENTRIES];
};

static struct lb_bgp_adjout_entry *entry_new(struct lb_bgp_adjout *a)
{
	struct lb_bgp_adjout_entry *e = a->free_list;
	if (e) {
		memcpy(&a->free_list, e->pfx.addr.b, sizeof(a->free_list));
	} else {
		if (!a->blocks || a->block_used == BLOCK_ENTRIES) {
			struct lb_bgp_adjout_block *b = malloc(sizeof(*b));
			if (!b)
				return NULL;
			b->next = a->blocks;
			a->blocks = b;
			a->block_used = 0;
		}
		e = &a->blocks->e[a->block_used++];
	}
	memset(e, 0, sizeof(*e));
	return e;
}

static void entry_free(struct lb_bgp_adjout *a, struct lb_bgp_adjout_entry *e)
{
	_Static_assert(sizeof(e->pfx.addr.b) >= sizeof(a->free_list), "room for a pointer");
	memcpy(e->pfx.addr.b, &a->free_list, sizeof(a->free_list));
	a->free_list = e;
}

static uint64_t prefix_hash(const struct lb_prefix *p)
{
	return lb_addr_hash(&p->addr) * 31 + p->len;
}

static bool prefix_eq(const struct lb_prefix *a, const struct lb_prefix *b)
{
	return a->len == b->len && lb_addr_eq(&a->addr, &b->addr);
}

static uint64_t hash_entry(const void *e)
{
	return prefix_hash(&((const struct lb_bgp_adjout_entry *)e)->pfx);
}

static uint64_t hash_key(const void *k)
{
	return prefix_hash(k);
}

static int matches(const void *e, const void *k)
{
	return prefix_eq(&((const struct lb_bgp_adjout_entry *)e)->pfx, k);
}

static const struct lb_hset_ops ops = {hash_entry, hash_key, matches};

void lb_bgp_adjout_init(struct lb_bgp_adjout *a)
{
	memset(a, 0, sizeof(*a));
	lb_hset_init(&a->routes, &ops);
}

void lb_bgp_adjout_free(struct lb_bgp_adjout *a)
{
	while (a->blocks) {
		struct lb_bgp_adjout_block *b = a->blocks;
		a->blocks = b->next;
		free(b);
	}
	lb_hset_free(&a->routes);
	free(a->attrs);
	free(a->dirty);
	memset(a, 0, sizeof(*a));
}

static bool attrs_eq(const struct lb_bgp_adjout_attrs *x, const struct lb_bgp_adjout_attrs *y)
{
	if (x->has_med != y->has_med || (x->has_med && x->med != y->med))
		return false;
	if (x->has_local_pref != y->has_local_pref ||
	    (x->has_local_pref && x->local_pref != y->local_pref))
		return false;
	if (x->n_communities != y->n_communities || x->n_large != y->n_large)
		return false;
	for (size_t i = 0; i < x->n_communities; i++)
		if (x->communities[i] != y->communities[i])
			return false;
	for (size_t i = 0; i < x->n_large; i++)
		if (x->large[i].global != y->large[i].global ||
		    x->large[i].local1 != y->large[i].local1 ||
		    x->large[i].local2 != y->large[i].local2)
			return false;
	return true;
}

static int intern(struct lb_bgp_adjout *a, const struct lb_bgp_adjout_attrs *attrs,
		  struct lb_err *err)
{
	if (attrs->n_communities > LB_BGP_ADJOUT_MAX_COMMUNITIES ||
	    attrs->n_large > LB_BGP_ADJOUT_MAX_COMMUNITIES)
		return lb_err_set(err, "more than %d communities on one route",
				  LB_BGP_ADJOUT_MAX_COMMUNITIES);
	for (size_t i = 0; i < a->n_attrs; i++)
		if (attrs_eq(&a->attrs[i], attrs))
			return (int)i;
	if (a->n_attrs >= MAX_ATTR_SETS)
		return lb_err_set(err, "too many distinct attribute sets");
	struct lb_bgp_adjout_attrs *grown = realloc(a->attrs, (a->n_attrs + 1) * sizeof(*grown));
	if (!grown)
		return lb_err_set(err, "out of memory");
	a->attrs = grown;
	memset(&a->attrs[a->n_attrs], 0, sizeof(a->attrs[0]));
	struct lb_bgp_adjout_attrs *dst = &a->attrs[a->n_attrs];
	dst->has_med = attrs->has_med;
	dst->med = attrs->med;
	dst->has_local_pref = attrs->has_local_pref;
	dst->local_pref = attrs->local_pref;
	dst->n_communities = attrs->n_communities;
	memcpy(dst->communities, attrs->communities, attrs->n_communities * sizeof(uint32_t));
	dst->n_large = attrs->n_large;
	memcpy(dst->large, attrs->large, attrs->n_large * sizeof(attrs->large[0]));
	return (int)a->n_attrs++;
}

static int mark_dirty(struct lb_bgp_adjout *a, struct lb_bgp_adjout_entry *e, struct lb_err *err)
{
	if (e->dirty)
		return 0;
	if (a->n_dirty == a->cap_dirty) {
		size_t cap = a->cap_dirty ? a->cap_dirty * 2 : 64;
		struct lb_bgp_adjout_entry **grown = realloc(a->dirty, cap * sizeof(*grown));
		if (!grown)
			return lb_err_set(err, "out of memory");
		a->dirty = grown;
		a->cap_dirty = cap;
	}
	a->dirty[a->n_dirty++] = e;
	e->dirty = true;
	a->dirty_sorted = false;
	return 0;
}

int lb_bgp_adjout_announce(struct lb_bgp_adjout *a, const struct lb_prefix *p,
			   const struct lb_bgp_adjout_attrs *attrs, struct lb_err *err)
{
	int id = intern(a, attrs, err);
	if (id < 0)
		return -1;
	struct lb_bgp_adjout_entry *e = lb_hset_find(&a->routes, p);
	if (!e) {
		e = entry_new(a);
		if (!e)
			return lb_err_set(err, "out of memory");
		e->pfx = *p;
		e->want = e->sent = -1;
		if (lb_hset_add(&a->routes, e) < 0) {
			entry_free(a, e);
			return lb_err_set(err, "out of memory");
		}
	}
	if (e->want == id)
		return 0;
	if (mark_dirty(a, e, err) < 0)
		return -1;
	if (e->want < 0)
		a->n_wanted++;
	e->want = (int16_t)id;
	return 0;
}

int lb_bgp_adjout_withdraw(struct lb_bgp_adjout *a, const struct lb_prefix *p,
			   struct lb_err *err)
{
	struct lb_bgp_adjout_entry *e = lb_hset_find(&a->routes, p);
	if (!e || e->want < 0)
		return 0;
	if (mark_dirty(a, e, err) < 0)
		return -1;
	e->want = -1;
	a->n_wanted--;
	return 0;
}

bool lb_bgp_adjout_wants(const struct lb_bgp_adjout *a, const struct lb_prefix *p)
{
	const struct lb_bgp_adjout_entry *e = lb_hset_find(&a->routes, p);
	return e && e->want >= 0;
}

bool lb_bgp_adjout_pending(const struct lb_bgp_adjout *a)
{
	return a->n_dirty > 0;
}

struct collect {
	struct lb_bgp_adjout *a;
	bool resend;
	struct lb_err err;
};

static void forget_sent(void *ctx, void *entry)
{
	struct collect *c = ctx;
	struct lb_bgp_adjout_entry *e = entry;
	e->sent = -1;
	/* An unwanted entry is now dead: queue it, and the next flush frees
	 * it without sending anything (no second table of them here). */
	if ((c->resend && e->want >= 0) || e->want < 0)
		mark_dirty(c->a, e, &c->err); /* on failure it stays, harmlessly */
}

static void reset_sent(struct lb_bgp_adjout *a, bool resend)
{
	struct collect c = {.a = a, .resend = resend};
	lb_hset_each(&a->routes, forget_sent, &c);
	a->n_sent = 0;
}

void lb_bgp_adjout_reset(struct lb_bgp_adjout *a)
{
	reset_sent(a, false);
}

void lb_bgp_adjout_resend_all(struct lb_bgp_adjout *a)
{
	reset_sent(a, true);
}

/* Withdrawals first, then announcements in runs of one attribute set and
 * one family; within a run by address, so the output is reproducible. */
static int order(const void *x, const void *y)
{
	const struct lb_bgp_adjout_entry *a = *(const struct lb_bgp_adjout_entry *const *)x;
	const struct lb_bgp_adjout_entry *b = *(const struct lb_bgp_adjout_entry *const *)y;
	if (a->want != b->want)
		return a->want < b->want ? -1 : 1;
	if (a->pfx.addr.family != b->pfx.addr.family)
		return a->pfx.addr.family < b->pfx.addr.family ? -1 : 1;
	int c = lb_addr_cmp(&a->pfx.addr, &b->pfx.addr);
	if (c)
		return c;
	return (a->pfx.len > b->pfx.len) - (a->pfx.len < b->pfx.len);
}

static bool family_ok(const struct lb_bgp_adjout_session *s, uint8_t family)
{
	if (family == LB_AF_INET)
		return s->ipv4 && s->next_hop.family == LB_AF_INET;
	return s->ipv6 && s->next_hop6.family == LB_AF_INET6;
}

static bool family_negotiated(const struct lb_bgp_adjout_session *s, uint8_t family)
{
	return family == LB_AF_INET ? s->ipv4 : s->ipv6;
}

static void route_attrs(const struct lb_bgp_adjout_session *s, const struct lb_bgp_adjout_attrs *at,
			struct lb_bgp_route_attrs *ra)
{
	memset(ra, 0, sizeof(*ra));
	ra->origin = s->origin;
	ra->as_path = s->as_path;
	ra->as_path_len = s->as_path_len;
	ra->next_hop = s->next_hop;
	ra->next_hop6 = s->next_hop6;
	ra->next_hop6_ll = s->next_hop6_ll;
	ra->has_med = at->has_med;
	ra->med = at->med;
	/* RFC 4271 §5.1.5: LOCAL_PREF goes in every UPDATE to an internal
	 * peer and in none to an external one (MetalLB's localPref only ever
	 * reaches iBGP peers). Without a value of the caller's, the default
	 * BIRD and FRR assume for a route that has none. */
	ra->has_local_pref = !s->session->ebgp;
	ra->local_pref = at->has_local_pref ? at->local_pref : LB_BGP_DEFAULT_LOCAL_PREF;
	ra->communities = at->communities;
	ra->n_communities = at->n_communities;
	ra->large_communities = at->large;
	ra->n_large_communities = at->n_large;
}

static bool less(struct lb_bgp_adjout_entry *x, struct lb_bgp_adjout_entry *y)
{
	return order(&x, &y) < 0;
}

static void swap(struct lb_bgp_adjout_entry **v, size_t i, size_t j)
{
	struct lb_bgp_adjout_entry *t = v[i];
	v[i] = v[j];
	v[j] = t;
}

static void sift_down(struct lb_bgp_adjout_entry **v, size_t root, size_t n)
{
	for (size_t child; (child = 2 * root + 1) < n; root = child) {
		if (child + 1 < n && less(v[child], v[child + 1]))
			child++;
		if (!less(v[root], v[child]))
			return;
		swap(v, root, child);
	}
}

/* In place, because the list can hold every route of a big table and
 * qsort's merge sort would take a second copy of it (1.6 MB for 200k
 * routes) at the memory peak: quicksort with a median of three, insertion
 * sort for short ranges, heapsort when the recursion goes too deep. A
 * list already in order (a table loaded in address order) costs one pass. */
static void sort_range(struct lb_bgp_adjout_entry **v, size_t n, unsigned depth)
{
	while (n > 16) {
		if (!depth--) {
			for (size_t i = n / 2; i-- > 0;)
				sift_down(v, i, n);
			for (size_t end = n - 1; end > 0; end--) {
				swap(v, 0, end);
				sift_down(v, 0, end);
			}
			return;
		}
		size_t mid = n / 2;
		if (less(v[mid], v[0]))
			swap(v, mid, 0);
		if (less(v[n - 1], v[0]))
			swap(v, n - 1, 0);
		if (less(v[n - 1], v[mid]))
			swap(v, n - 1, mid);
		struct lb_bgp_adjout_entry *pivot = v[mid];
		size_t i = 0, j = n - 1;
		for (;;) {
			while (less(v[i], pivot))
				i++;
			while (less(pivot, v[j]))
				j--;
			if (i >= j)
				break;
			swap(v, i, j);
			i++;
			j--;
		}
		/* Recurse into the smaller side, loop on the larger. */
		size_t left = j + 1;
		if (left < n - left) {
			sort_range(v, left, depth);
			v += left;
			n -= left;
		} else {
			sort_range(v + left, n - left, depth);
			n = left;
		}
	}
	for (size_t i = 1; i < n; i++)
		for (size_t k = i; k > 0 && less(v[k], v[k - 1]); k--)
			swap(v, k, k - 1);
}

static void sort_dirty(struct lb_bgp_adjout_entry **v, size_t n)
{
	size_t i = 1;
	while (i < n && !less(v[i], v[i - 1]))
		i++;
	if (i >= n)
		return;
	unsigned depth = 0;
	for (size_t k = n; k; k >>= 1)
		depth += 2;
	sort_range(v, n, depth);
}

/* More prefixes than one UPDATE can hold (4096 bytes of /0s), so every
 * message but a run's last is full. */
enum { WINDOW = 4096 };

int lb_bgp_adjout_flush(struct lb_bgp_adjout *a, const struct lb_bgp_adjout_session *s,
			struct lb_wbuf *w, size_t max_bytes, size_t *skipped, struct lb_err *err)
{
	size_t n = a->n_dirty, i = 0;
	int msgs = 0;
	*skipped = 0;
	if (!n)
		return 0;
	struct lb_prefix *win = malloc(WINDOW * sizeof(*win));
	if (!win)
		return lb_err_set(err, "out of memory");
	if (!a->dirty_sorted) {
		sort_dirty(a->dirty, n);
		a->dirty_sorted = true;
	}

	/* Runs of one attribute set and family, in order, until w holds
	 * max_bytes: the rest waits for the socket to drain, so a big table
	 * costs a bounded queue, and the first UPDATEs leave early. */
	while (i < n && (!max_bytes || lb_wbuf_len(w) < max_bytes)) {
		int want = a->dirty[i]->want;
		uint8_t fam = a->dirty[i]->pfx.addr.family;
		bool ok = want < 0 ? family_negotiated(s, fam) : family_ok(s, fam);
		struct lb_bgp_route_attrs ra;
		if (want >= 0)
			route_attrs(s, &a->attrs[want], &ra);
		size_t j = i, nwin = 0;
		bool run_end = false;
		for (;;) {
			/* Fill the window with prefixes that need sending. */
			while (nwin < WINDOW && j < n && a->dirty[j]->want == want &&
			       a->dirty[j]->pfx.addr.family == fam) {
				struct lb_bgp_adjout_entry *d = a->dirty[j++];
				bool send = want < 0 ? d->sent >= 0 : d->sent != want;
				if (!ok) {
					*skipped += send;
				} else if (send) {
					win[nwin++] = d->pfx;
				}
			}
			run_end = j == n || a->dirty[j]->want != want ||
				  a->dirty[j]->pfx.addr.family != fam;
			if (!nwin)
				break;
			size_t k;
			int rc = want < 0 ? lb_bgp_update_encode_withdraw(w, win, nwin, &k, err)
					  : lb_bgp_update_encode_announce(w, s->session, &ra, win, nwin,
									  &k, err);
			if (rc < 0) {
				free(win);
				return -1;
			}
			msgs++;
			memmove(win, win + k, (nwin - k) * sizeof(*win));
			nwin -= k;
			if (run_end && !nwin)
				break;
			if (max_bytes && lb_wbuf_len(w) >= max_bytes)
				break;
		}
		/* Entries [i, j) minus the nwin still in the window are done;
		 * those are the last nwin sendable ones before j. */
		size_t done_to = j;
		if (nwin) {
			size_t left = nwin;
			while (left) {
				struct lb_bgp_adjout_entry *d = a->dirty[--done_to];
				if (want < 0 ? d->sent >= 0 : d->sent != want)
					left--;
			}
		}
		for (size_t k = i; k < done_to; k++) {
			struct lb_bgp_adjout_entry *d = a->dirty[k];
			if (ok) {
				if (d->sent < 0 && want >= 0)
					a->n_sent++;
				else if (d->sent >= 0 && want < 0)
					a->n_sent--;
				d->sent = (int16_t)want;
			}
			d->dirty = false;
			if (d->want < 0 && d->sent < 0) {
				lb_hset_remove(&a->routes, &d->pfx, d);
				entry_free(a, d);
			}
		}
		i = done_to;
		if (nwin)
			break;
	}
	memmove(a->dirty, a->dirty + i, (n - i) * sizeof(a->dirty[0]));
	a->n_dirty = n - i;
	free(win);
	return msgs;
}
