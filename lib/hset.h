/* An open-addressing hash set of pointers (linear probing, backward-shift
 * deletion, no tombstones). Equal keys may appear more than once, which
 * makes it a multimap: the allocator keeps one entry per holder of a shared
 * address. Memory is one pointer per slot at a load factor of at most 1/2. */
#ifndef LB_HSET_H
#define LB_HSET_H

#include <stddef.h>
#include <stdint.h>

struct lb_hset_ops {
	uint64_t (*hash_entry)(const void *entry);
	uint64_t (*hash_key)(const void *key);
	int (*matches)(const void *entry, const void *key);
};

struct lb_hset {
	const struct lb_hset_ops *ops;
	void **slots;
	size_t mask; /* capacity - 1; capacity is a power of two */
	size_t count;
};

struct lb_hset_iter {
	size_t pos, probes;
};

void lb_hset_init(struct lb_hset *h, const struct lb_hset_ops *ops);
void lb_hset_free(struct lb_hset *h);
/* Adds entry (which must not be NULL); -1 when memory runs out. */
int lb_hset_add(struct lb_hset *h, void *entry);
/* First entry matching key, or NULL. */
void *lb_hset_find(const struct lb_hset *h, const void *key);
/* Iterates every entry matching key: start with lb_hset_first. */
void *lb_hset_first(const struct lb_hset *h, const void *key, struct lb_hset_iter *it);
void *lb_hset_next(const struct lb_hset *h, const void *key, struct lb_hset_iter *it);
/* Removes this exact entry (pointer identity); returns 0, or -1 if absent. */
int lb_hset_remove(struct lb_hset *h, const void *key, const void *entry);
/* Calls fn for every entry, in slot order. */
void lb_hset_each(const struct lb_hset *h, void (*fn)(void *ctx, void *entry), void *ctx);

#endif
