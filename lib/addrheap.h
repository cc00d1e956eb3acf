/* A binary min-heap of addresses of one family: the allocator's freed
 * addresses, so the lowest free address is found in O(log n). */
#ifndef LB_ADDRHEAP_H
#define LB_ADDRHEAP_H

#include <stddef.h>

#include "addr.h"

struct lb_addrheap {
	struct lb_addr *v;
	size_t n, cap;
};

int lb_addrheap_push(struct lb_addrheap *h, const struct lb_addr *a); /* -1: no memory */
const struct lb_addr *lb_addrheap_top(const struct lb_addrheap *h); /* NULL when empty */
void lb_addrheap_pop(struct lb_addrheap *h);
void lb_addrheap_clear(struct lb_addrheap *h);

#endif
