/* Whatever lib/addr.c accepts must format to text it accepts again as the
 * identical value; a range's CIDR cover must tile it exactly. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                           \
	do {                                                                                  \
		if (!(cond))                                                                  \
			__builtin_trap();                                                     \
	} while (0)

static void check_addr(const char *s)
{
	struct lb_addr a, b;
	char text[LB_ADDR_STRLEN], again[LB_ADDR_STRLEN];

	if (lb_addr_parse(s, &a, NULL) < 0)
		return;
	CHECK(a.family == LB_AF_INET || a.family == LB_AF_INET6);
	lb_addr_format(&a, text);
	CHECK(strlen(text) < LB_ADDR_STRLEN);
	CHECK(lb_addr_parse(text, &b, NULL) == 0 && lb_addr_eq(&a, &b));
	CHECK(!strcmp(lb_addr_format(&b, again), text));

	b = a;
	if (lb_addr_next(&b) == 0) {
		CHECK(lb_addr_cmp(&a, &b) < 0);
		CHECK(lb_addr_prev(&b) == 0 && lb_addr_eq(&a, &b));
	} else {
		CHECK(lb_addr_eq(&a, &b));
	}
}

struct tiling {
	struct lb_addr expect; /* where the next prefix must start */
	struct lb_addr last;   /* where the previous one ended */
	struct lb_u128 total;
	unsigned n;
	int ended; /* the previous prefix reached the family's end */
};

static int tile(void *ctx, const struct lb_prefix *p)
{
	struct tiling *t = ctx;
	struct lb_range r;
	struct lb_u128 size;

	CHECK(!t->ended);
	CHECK(lb_addr_eq(&p->addr, &t->expect));
	lb_prefix_to_range(p, &r);
	CHECK(lb_addr_eq(&r.first, &p->addr));
	if (lb_range_count(&r, &size))
		size = (struct lb_u128){0, 0}; /* 2^128 wraps the total to zero */
	t->total = lb_u128_add(t->total, size);
	t->last = t->expect = r.last;
	t->ended = lb_addr_next(&t->expect) < 0;
	CHECK(++t->n <= 2 * lb_addr_bits(&p->addr));
	return 0;
}

static void check_prefix(const char *s)
{
	struct lb_prefix p, q;
	struct lb_range r;
	bool host;
	char text[LB_PREFIX_STRLEN];

	if (lb_prefix_parse(s, &p, &host, NULL) < 0)
		return;
	CHECK(p.len <= lb_addr_bits(&p.addr));
	lb_prefix_to_range(&p, &r);
	CHECK(lb_addr_eq(&r.first, &p.addr));
	CHECK(lb_prefix_contains(&p, &r.first) && lb_prefix_contains(&p, &r.last));
	lb_prefix_format(&p, text);
	CHECK(strlen(text) < LB_PREFIX_STRLEN);
	CHECK(lb_prefix_parse(text, &q, &host, NULL) == 0 && !host);
	CHECK(q.len == p.len && lb_addr_eq(&q.addr, &p.addr));
}

static void check_range(const char *s)
{
	struct lb_range r, q;
	struct lb_u128 count;
	char text[LB_RANGE_STRLEN], num[LB_U128_STRLEN];

	if (lb_range_parse(s, &r, NULL) < 0)
		return;
	CHECK(r.first.family == r.last.family && lb_addr_cmp(&r.first, &r.last) <= 0);
	CHECK(lb_range_contains(&r, &r.first) && lb_range_contains(&r, &r.last));
	CHECK(lb_range_overlaps(&r, &r));
	lb_range_format(&r, text);
	CHECK(strlen(text) < LB_RANGE_STRLEN);
	CHECK(lb_range_parse(text, &q, NULL) == 0);
	CHECK(lb_addr_eq(&q.first, &r.first) && lb_addr_eq(&q.last, &r.last));

	int full = lb_range_count(&r, &count);
	CHECK(strlen(lb_range_count_format(&r, num)) < LB_U128_STRLEN);
	struct tiling t = {.expect = r.first, .total = {0, 0}};
	CHECK(lb_range_prefixes(&r, tile, &t) == 0);
	CHECK(t.n > 0 && lb_addr_eq(&t.last, &r.last));
	CHECK(full ? t.total.hi == 0 && t.total.lo == 0 : !lb_u128_cmp(t.total, count));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	check_addr(s);
	check_prefix(s);
	check_range(s);
	free(s);
	return 0;
}
