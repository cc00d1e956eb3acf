#include "addr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

/* All arithmetic works on the address as one 128-bit big-endian number; an
 * IPv4 address is simply a number below 2^32 (b[0..11] are zero). */

static const char *family_name(const struct lb_addr *a)
{
	return a->family == LB_AF_INET ? "IPv4" : "IPv6";
}

static struct lb_u128 u128_of_addr(const struct lb_addr *a)
{
	struct lb_u128 v = {0, 0};

	for (int i = 0; i < 8; i++) {
		v.hi = v.hi << 8 | a->b[i];
		v.lo = v.lo << 8 | a->b[8 + i];
	}
	return v;
}

static void u128_to_addr(struct lb_u128 v, struct lb_addr *a)
{
	for (int i = 7; i >= 0; i--) {
		a->b[i] = (uint8_t)v.hi;
		a->b[8 + i] = (uint8_t)v.lo;
		v.hi >>= 8;
		v.lo >>= 8;
	}
}

/* The k low bits set, 0 <= k <= 128. */
static struct lb_u128 u128_low_mask(unsigned k)
{
	if (k == 0)
		return (struct lb_u128){0, 0};
	if (k < 64)
		return (struct lb_u128){0, (UINT64_C(1) << k) - 1};
	if (k < 128)
		return (struct lb_u128){(UINT64_C(1) << (k - 64)) - 1, UINT64_MAX};
	return (struct lb_u128){UINT64_MAX, UINT64_MAX};
}

static struct lb_u128 u128_and(struct lb_u128 a, struct lb_u128 b)
{
	return (struct lb_u128){a.hi & b.hi, a.lo & b.lo};
}

static struct lb_u128 u128_or(struct lb_u128 a, struct lb_u128 b)
{
	return (struct lb_u128){a.hi | b.hi, a.lo | b.lo};
}

static struct lb_u128 u128_not(struct lb_u128 a)
{
	return (struct lb_u128){~a.hi, ~a.lo};
}

static bool u128_is_zero(struct lb_u128 a)
{
	return !a.hi && !a.lo;
}

static unsigned u128_ctz(struct lb_u128 a)
{
	if (a.lo)
		return (unsigned)__builtin_ctzll(a.lo);
	if (a.hi)
		return 64 + (unsigned)__builtin_ctzll(a.hi);
	return 128;
}

static unsigned u128_popcount(struct lb_u128 a)
{
	return (unsigned)(__builtin_popcountll(a.hi) + __builtin_popcountll(a.lo));
}

struct lb_u128 lb_u128_from_u64(uint64_t v)
{
	return (struct lb_u128){0, v};
}

int lb_u128_cmp(struct lb_u128 a, struct lb_u128 b)
{
	if (a.hi != b.hi)
		return a.hi < b.hi ? -1 : 1;
	if (a.lo != b.lo)
		return a.lo < b.lo ? -1 : 1;
	return 0;
}

struct lb_u128 lb_u128_add(struct lb_u128 a, struct lb_u128 b)
{
	struct lb_u128 r = {a.hi + b.hi, a.lo + b.lo};

	if (r.lo < a.lo)
		r.hi++;
	return r;
}

struct lb_u128 lb_u128_sub(struct lb_u128 a, struct lb_u128 b)
{
	struct lb_u128 r = {a.hi - b.hi, a.lo - b.lo};

	if (a.lo < b.lo)
		r.hi--;
	return r;
}

/* v /= 10 in 32-bit limbs, so every partial dividend fits in 64 bits. */
static unsigned u128_div10(struct lb_u128 *v)
{
	uint32_t limb[4] = {(uint32_t)(v->hi >> 32), (uint32_t)v->hi, (uint32_t)(v->lo >> 32),
			    (uint32_t)v->lo};
	uint64_t rem = 0;

	for (int i = 0; i < 4; i++) {
		uint64_t cur = rem << 32 | limb[i];
		limb[i] = (uint32_t)(cur / 10);
		rem = cur % 10;
	}
	v->hi = (uint64_t)limb[0] << 32 | limb[1];
	v->lo = (uint64_t)limb[2] << 32 | limb[3];
	return (unsigned)rem;
}

const char *lb_u128_format(struct lb_u128 v, char buf[LB_U128_STRLEN])
{
	char digits[LB_U128_STRLEN];
	size_t n = 0;

	do
		digits[n++] = (char)('0' + u128_div10(&v));
	while (!u128_is_zero(v));
	for (size_t i = 0; i < n; i++)
		buf[i] = digits[n - 1 - i];
	buf[n] = '\0';
	return buf;
}

unsigned lb_addr_bits(const struct lb_addr *a)
{
	return a->family == LB_AF_INET ? 32 : 128;
}

/* The host part of a prefix of length len, as a mask over the 128-bit value. */
static struct lb_u128 host_mask(const struct lb_addr *a, unsigned len)
{
	unsigned bits = lb_addr_bits(a);

	return u128_low_mask(len >= bits ? 0 : bits - len);
}

const uint8_t *lb_addr_v4(const struct lb_addr *a)
{
	return a->b + 12;
}

/* Exactly n bytes of s, through inet_pton, which is strict on its own: no
 * spaces, no zone index (RFC 4007 11: "%zone" names local interface state,
 * which a pool or a route cannot carry), and no leading zeros in IPv4
 * octets, which some parsers read as octal. */
static int addr_parse_n(const char *s, size_t n, struct lb_addr *out)
{
	char text[LB_ADDR_STRLEN];
	struct lb_addr a;

	/* The longest text inet_pton accepts is 45 bytes
	 * (ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255). */
	if (n == 0 || n >= sizeof(text))
		return -1;
	memcpy(text, s, n);
	text[n] = '\0';
	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, text, a.b + 12) == 1)
		a.family = LB_AF_INET;
	else if (inet_pton(AF_INET6, text, a.b) == 1)
		a.family = LB_AF_INET6;
	else
		return -1;
	*out = a;
	return 0;
}

int lb_addr_parse(const char *s, struct lb_addr *out, struct lb_err *err)
{
	if (addr_parse_n(s, strlen(s), out) < 0)
		return lb_err_set(err, "'%s': not an IPv4 or IPv6 address", s);
	return 0;
}

static char *put_hex16(char *p, unsigned v)
{
	static const char hex[] = "0123456789abcdef";
	int shift = 12;

	while (shift > 0 && !(v >> shift & 0xf))
		shift -= 4;
	for (; shift >= 0; shift -= 4)
		*p++ = hex[v >> shift & 0xf];
	return p;
}

static void format_v4(const uint8_t *b, char *buf, size_t size)
{
	snprintf(buf, size, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
}

/* RFC 5952 section 4: lower-case hex without leading zeros, the longest run
 * of two or more zero fields (the first of equals) as "::", a lone zero field
 * kept. Section 5: IPv4-mapped addresses keep the dotted quad. The deprecated
 * IPv4-compatible form (RFC 4291 2.5.5.1) is not special, unlike glibc. */
static void format_v6(const uint8_t *b, char *buf)
{
	unsigned word[8];
	int best = -1, best_len = 0;
	char *p = buf;

	for (int i = 0; i < 8; i++)
		word[i] = (unsigned)b[2 * i] << 8 | b[2 * i + 1];
	if (!word[0] && !word[1] && !word[2] && !word[3] && !word[4] && word[5] == 0xffff) {
		memcpy(p, "::ffff:", 7);
		format_v4(b + 12, p + 7, LB_ADDR_STRLEN - 7);
		return;
	}
	for (int i = 0; i < 8;) {
		int run = 0;
		while (i + run < 8 && !word[i + run])
			run++;
		if (run > best_len) {
			best = i;
			best_len = run;
		}
		i += run ? run : 1;
	}
	if (best_len < 2)
		best = -1;
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			*p++ = ':';
			*p++ = ':';
			i += best_len - 1;
			continue;
		}
		if (i > 0 && i != best + best_len)
			*p++ = ':';
		p = put_hex16(p, word[i]);
	}
	*p = '\0';
}

const char *lb_addr_format(const struct lb_addr *a, char buf[LB_ADDR_STRLEN])
{
	if (a->family == LB_AF_INET)
		format_v4(a->b + 12, buf, LB_ADDR_STRLEN);
	else
		format_v6(a->b, buf);
	return buf;
}

int lb_addr_cmp(const struct lb_addr *a, const struct lb_addr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	int c = memcmp(a->b, b->b, sizeof(a->b));
	return (c > 0) - (c < 0);
}

bool lb_addr_eq(const struct lb_addr *a, const struct lb_addr *b)
{
	return a->family == b->family && !memcmp(a->b, b->b, sizeof(a->b));
}

int lb_addr_next(struct lb_addr *a)
{
	return lb_addr_add(a, lb_u128_from_u64(1));
}

int lb_addr_prev(struct lb_addr *a)
{
	struct lb_u128 v = u128_of_addr(a);

	if (u128_is_zero(v))
		return -1;
	u128_to_addr(lb_u128_sub(v, lb_u128_from_u64(1)), a);
	return 0;
}

int lb_addr_add(struct lb_addr *a, struct lb_u128 n)
{
	struct lb_u128 v = u128_of_addr(a);
	struct lb_u128 room = lb_u128_sub(u128_low_mask(lb_addr_bits(a)), v);

	if (lb_u128_cmp(n, room) > 0)
		return -1;
	u128_to_addr(lb_u128_add(v, n), a);
	return 0;
}

struct lb_u128 lb_addr_diff(const struct lb_addr *a, const struct lb_addr *b)
{
	return lb_u128_sub(u128_of_addr(b), u128_of_addr(a));
}

/* The splitmix64 finalizer: every input bit flips each output bit with
 * probability about one half, so the low bits that index a power-of-two
 * table differ even for consecutive addresses. */
static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= UINT64_C(0xbf58476d1ce4e5b9);
	x ^= x >> 27;
	x *= UINT64_C(0x94d049bb133111eb);
	x ^= x >> 31;
	return x;
}

uint64_t lb_addr_hash(const struct lb_addr *a)
{
	struct lb_u128 v = u128_of_addr(a);

	return mix64(mix64(v.hi ^ (uint64_t)a->family * UINT64_C(0x9e3779b97f4a7c15)) ^ v.lo);
}

int lb_addr_from_sockaddr(const struct sockaddr *sa, struct lb_addr *out)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;

	if (!sa)
		return -1;
	memset(out, 0, sizeof(*out));
	switch (sa->sa_family) {
	case AF_INET:
		memcpy(&sin, sa, sizeof(sin));
		out->family = LB_AF_INET;
		memcpy(out->b + 12, &sin.sin_addr, 4);
		return 0;
	case AF_INET6:
		memcpy(&sin6, sa, sizeof(sin6));
		out->family = LB_AF_INET6;
		memcpy(out->b, &sin6.sin6_addr, 16);
		return 0;
	}
	return -1;
}

socklen_t lb_addr_to_sockaddr(const struct lb_addr *a, uint16_t port,
			      struct sockaddr_storage *out)
{
	memset(out, 0, sizeof(*out));
	if (a->family == LB_AF_INET) {
		struct sockaddr_in sin;
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons(port);
		memcpy(&sin.sin_addr, a->b + 12, 4);
		memcpy(out, &sin, sizeof(sin));
		return sizeof(sin);
	}
	struct sockaddr_in6 sin6;
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(port);
	memcpy(&sin6.sin6_addr, a->b, 16);
	memcpy(out, &sin6, sizeof(sin6));
	return sizeof(sin6);
}

/* Strict decimal: 1 to 3 digits, no sign, no leading zero (as Go's
 * netip.ParsePrefix), so "/024" is not silently read as 24. */
static int parse_prefix_len(const char *s, unsigned *out)
{
	size_t n = strlen(s);
	unsigned v = 0;

	if (n == 0 || n > 3 || (n > 1 && s[0] == '0'))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*out = v;
	return 0;
}

int lb_prefix_parse(const char *s, struct lb_prefix *out, bool *had_host_bits,
		    struct lb_err *err)
{
	const char *slash = strchr(s, '/');
	struct lb_addr a;
	unsigned len;

	if (!slash)
		return lb_err_set(err, "'%s': missing '/' and prefix length", s);
	if (addr_parse_n(s, (size_t)(slash - s), &a) < 0)
		return lb_err_set(err, "'%s': '%.*s' is not an IPv4 or IPv6 address", s,
				  (int)(slash - s), s);
	if (parse_prefix_len(slash + 1, &len) < 0)
		return lb_err_set(err, "'%s': bad prefix length '%s'", s, slash + 1);
	if (len > lb_addr_bits(&a))
		return lb_err_set(err, "'%s': prefix length %u is beyond %u for %s", s, len,
				  lb_addr_bits(&a), family_name(&a));

	struct lb_u128 v = u128_of_addr(&a), host = host_mask(&a, len);
	if (had_host_bits)
		*had_host_bits = !u128_is_zero(u128_and(v, host));
	u128_to_addr(u128_and(v, u128_not(host)), &a);
	out->addr = a;
	out->len = (uint8_t)len;
	return 0;
}

const char *lb_prefix_format(const struct lb_prefix *p, char buf[LB_PREFIX_STRLEN])
{
	char text[LB_ADDR_STRLEN];

	snprintf(buf, LB_PREFIX_STRLEN, "%s/%u", lb_addr_format(&p->addr, text), p->len);
	return buf;
}

bool lb_prefix_contains(const struct lb_prefix *p, const struct lb_addr *a)
{
	if (p->addr.family != a->family)
		return false;
	struct lb_u128 net = u128_not(host_mask(a, p->len));
	return !lb_u128_cmp(u128_and(u128_of_addr(a), net), u128_and(u128_of_addr(&p->addr), net));
}

void lb_prefix_to_range(const struct lb_prefix *p, struct lb_range *out)
{
	struct lb_u128 v = u128_of_addr(&p->addr), host = host_mask(&p->addr, p->len);

	out->first = p->addr;
	out->last = p->addr;
	u128_to_addr(u128_and(v, u128_not(host)), &out->first);
	u128_to_addr(u128_or(v, host), &out->last);
}

void lb_prefix_cover(const struct lb_addr *a, unsigned len, struct lb_prefix *out)
{
	if (len > lb_addr_bits(a))
		len = lb_addr_bits(a);
	out->addr = *a;
	u128_to_addr(u128_and(u128_of_addr(a), u128_not(host_mask(a, len))), &out->addr);
	out->len = (uint8_t)len;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

int lb_range_parse(const char *s, struct lb_range *out, struct lb_err *err)
{
	const char *dash = strchr(s, '-');
	struct lb_range r;

	if (!dash) {
		struct lb_prefix p;
		/* Like Go's net.ParseCIDR, which MetalLB uses for pools:
		 * host bits are dropped, not refused. */
		if (strchr(s, '/')) {
			if (lb_prefix_parse(s, &p, NULL, err) < 0)
				return -1;
			lb_prefix_to_range(&p, out);
			return 0;
		}
		if (lb_addr_parse(s, &r.first, err) < 0)
			return -1;
		out->first = out->last = r.first;
		return 0;
	}

	/* IPv6 text never holds '-', so the first one splits the range. */
	const char *first_end = dash, *last = dash + 1;
	while (first_end > s && is_blank(first_end[-1]))
		first_end--;
	while (is_blank(*last))
		last++;
	if (first_end == s)
		return lb_err_set(err, "'%s': missing first address before '-'", s);
	if (!*last)
		return lb_err_set(err, "'%s': missing last address after '-'", s);
	if (addr_parse_n(s, (size_t)(first_end - s), &r.first) < 0)
		return lb_err_set(err, "'%s': '%.*s' is not an IPv4 or IPv6 address", s,
				  (int)(first_end - s), s);
	if (addr_parse_n(last, strlen(last), &r.last) < 0)
		return lb_err_set(err, "'%s': '%s' is not an IPv4 or IPv6 address", s, last);
	if (r.first.family != r.last.family)
		return lb_err_set(err, "'%s': mixed families: '%.*s' is %s, '%s' is %s", s,
				  (int)(first_end - s), s, family_name(&r.first), last,
				  family_name(&r.last));
	if (lb_addr_cmp(&r.first, &r.last) > 0)
		return lb_err_set(err, "'%s': range is reversed", s);
	*out = r;
	return 0;
}

/* The prefix that is exactly r, if any: r spans 2^k addresses and starts on
 * a 2^k boundary, i.e. last - first is k low ones that first has clear. */
static bool range_as_prefix(const struct lb_range *r, struct lb_prefix *out)
{
	struct lb_u128 span = lb_addr_diff(&r->first, &r->last);

	if (!u128_is_zero(u128_and(span, lb_u128_add(span, lb_u128_from_u64(1)))))
		return false;
	if (!u128_is_zero(u128_and(span, u128_of_addr(&r->first))))
		return false;
	out->addr = r->first;
	out->len = (uint8_t)(lb_addr_bits(&r->first) - u128_popcount(span));
	return true;
}

const char *lb_range_format(const struct lb_range *r, char buf[LB_RANGE_STRLEN])
{
	char first[LB_ADDR_STRLEN], last[LB_ADDR_STRLEN];
	struct lb_prefix p;

	if (lb_addr_eq(&r->first, &r->last))
		return lb_addr_format(&r->first, buf);
	if (range_as_prefix(r, &p))
		return lb_prefix_format(&p, buf);
	snprintf(buf, LB_RANGE_STRLEN, "%s-%s", lb_addr_format(&r->first, first),
		 lb_addr_format(&r->last, last));
	return buf;
}

bool lb_range_contains(const struct lb_range *r, const struct lb_addr *a)
{
	return r->first.family == a->family && lb_addr_cmp(&r->first, a) <= 0 &&
	       lb_addr_cmp(a, &r->last) <= 0;
}

bool lb_range_overlaps(const struct lb_range *a, const struct lb_range *b)
{
	return a->first.family == b->first.family && lb_addr_cmp(&a->first, &b->last) <= 0 &&
	       lb_addr_cmp(&b->first, &a->last) <= 0;
}

int lb_range_count(const struct lb_range *r, struct lb_u128 *count)
{
	struct lb_u128 span = lb_addr_diff(&r->first, &r->last);

	*count = lb_u128_add(span, lb_u128_from_u64(1));
	return u128_is_zero(*count) ? 1 : 0;
}

const char *lb_range_count_format(const struct lb_range *r, char buf[LB_U128_STRLEN])
{
	struct lb_u128 count;

	if (lb_range_count(r, &count)) {
		/* 2^128 */
		snprintf(buf, LB_U128_STRLEN, "%s", "340282366920938463463374607431768211456");
		return buf;
	}
	return lb_u128_format(count, buf);
}

/* Greedy from the low end: at each step take the largest block that starts
 * on its own boundary and does not pass the last address. That cover is the
 * minimal one, and it needs at most 2 * bits prefixes. Sizes are kept as
 * "block - 1" so the whole IPv6 space (2^128) never overflows. */
int lb_range_prefixes(const struct lb_range *r, int (*fn)(void *ctx, const struct lb_prefix *p),
		      void *ctx)
{
	unsigned bits = lb_addr_bits(&r->first);
	struct lb_u128 cur = u128_of_addr(&r->first), end = u128_of_addr(&r->last);

	/* A malformed range would otherwise walk the whole address space. */
	if (r->first.family != r->last.family || lb_u128_cmp(cur, end) > 0)
		return 0;
	for (;;) {
		struct lb_u128 left = lb_u128_sub(end, cur);
		unsigned k = u128_ctz(cur);
		if (k > bits)
			k = bits;
		while (lb_u128_cmp(u128_low_mask(k), left) > 0)
			k--;

		struct lb_prefix p = {.addr = r->first, .len = (uint8_t)(bits - k)};
		u128_to_addr(cur, &p.addr);
		int rc = fn(ctx, &p);
		if (rc)
			return rc;
		if (!lb_u128_cmp(u128_low_mask(k), left))
			return 0;
		cur = lb_u128_add(lb_u128_add(cur, u128_low_mask(k)), lb_u128_from_u64(1));
	}
}
