#include "addrheap.h"

#include <stdlib.h>
#include <string.h>

static int less(const struct lb_addr *a, const struct lb_addr *b)
{
	return memcmp(a->b, b->b, sizeof(a->b)) < 0;
}

int lb_addrheap_push(struct lb_addrheap *h, const struct lb_addr *a)
{
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 64;
		struct lb_addr *v = realloc(h->v, cap * sizeof(*v));
		if (!v)
			return -1;
		h->v = v;
		h->cap = cap;
	}
	size_t i = h->n++;
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!less(a, &h->v[parent]))
			break;
		h->v[i] = h->v[parent];
		i = parent;
	}
	h->v[i] = *a;
	return 0;
}

const struct lb_addr *lb_addrheap_top(const struct lb_addrheap *h)
{
	return h->n ? &h->v[0] : NULL;
}

void lb_addrheap_pop(struct lb_addrheap *h)
{
	if (!h->n)
		return;
	struct lb_addr last = h->v[--h->n];
	size_t i = 0;
	for (;;) {
		size_t child = 2 * i + 1;
		if (child >= h->n)
			break;
		if (child + 1 < h->n && less(&h->v[child + 1], &h->v[child]))
			child++;
		if (!less(&h->v[child], &last))
			break;
		h->v[i] = h->v[child];
		i = child;
	}
	if (h->n)
		h->v[i] = last;
}

void lb_addrheap_clear(struct lb_addrheap *h)
{
	free(h->v);
	h->v = NULL;
	h->n = h->cap = 0;
}
