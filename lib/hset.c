#include "hset.h"

#include <stdlib.h>

void lb_hset_init(struct lb_hset *h, const struct lb_hset_ops *ops)
{
	h->ops = ops;
	h->slots = NULL;
	h->mask = 0;
	h->count = 0;
}

void lb_hset_free(struct lb_hset *h)
{
	free(h->slots);
	h->slots = NULL;
	h->mask = 0;
	h->count = 0;
}

static void place(void **slots, size_t mask, void *entry, uint64_t hash)
{
	size_t i = (size_t)hash & mask;
	while (slots[i])
		i = (i + 1) & mask;
	slots[i] = entry;
}

static int grow(struct lb_hset *h)
{
	size_t cap = h->slots ? (h->mask + 1) * 2 : 16;
	void **slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return -1;
	if (h->slots) {
		for (size_t i = 0; i <= h->mask; i++) {
			if (h->slots[i])
				place(slots, cap - 1, h->slots[i], h->ops->hash_entry(h->slots[i]));
		}
	}
	free(h->slots);
	h->slots = slots;
	h->mask = cap - 1;
	return 0;
}

int lb_hset_add(struct lb_hset *h, void *entry)
{
	/* Load at most 1/2 keeps probe runs short even for sequential addresses. */
	if (!h->slots || (h->count + 1) * 2 > h->mask + 1) {
		if (grow(h) < 0)
			return -1;
	}
	place(h->slots, h->mask, entry, h->ops->hash_entry(entry));
	h->count++;
	return 0;
}

/* Scans from it->pos to the end of the probe run for an entry matching key. */
static void *scan(const struct lb_hset *h, const void *key, struct lb_hset_iter *it)
{
	for (; h->slots[it->pos] && it->probes <= h->mask; it->probes++) {
		void *e = h->slots[it->pos];
		if (h->ops->matches(e, key))
			return e;
		it->pos = (it->pos + 1) & h->mask;
	}
	return NULL;
}

void *lb_hset_first(const struct lb_hset *h, const void *key, struct lb_hset_iter *it)
{
	if (!h->slots)
		return NULL;
	it->pos = (size_t)h->ops->hash_key(key) & h->mask;
	it->probes = 0;
	return scan(h, key, it);
}

void *lb_hset_next(const struct lb_hset *h, const void *key, struct lb_hset_iter *it)
{
	it->pos = (it->pos + 1) & h->mask;
	it->probes++;
	return scan(h, key, it);
}

void *lb_hset_find(const struct lb_hset *h, const void *key)
{
	struct lb_hset_iter it;
	return lb_hset_first(h, key, &it);
}

int lb_hset_remove(struct lb_hset *h, const void *key, const void *entry)
{
	if (!h->slots)
		return -1;
	size_t i = (size_t)h->ops->hash_key(key) & h->mask;
	while (h->slots[i] && h->slots[i] != entry)
		i = (i + 1) & h->mask;
	if (!h->slots[i])
		return -1;
	/* Backward-shift: pull later entries of the run into the hole when their
	 * home slot does not lie cyclically in (hole, current]. */
	size_t hole = i, j = i;
	for (;;) {
		j = (j + 1) & h->mask;
		if (!h->slots[j])
			break;
		size_t home = (size_t)h->ops->hash_entry(h->slots[j]) & h->mask;
		int stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
		if (!stays) {
			h->slots[hole] = h->slots[j];
			hole = j;
		}
	}
	h->slots[hole] = NULL;
	h->count--;
	return 0;
}

void lb_hset_each(const struct lb_hset *h, void (*fn)(void *ctx, void *entry), void *ctx)
{
	if (!h->slots)
		return;
	for (size_t i = 0; i <= h->mask; i++) {
		if (h->slots[i])
			fn(ctx, h->slots[i]);
	}
}
