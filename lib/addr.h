/* IPv4 and IPv6 addresses, prefixes and ranges: parsing, canonical
 * formatting, containment, iteration and exact counting (an IPv6 range can
 * hold more addresses than 64 bits count, so sizes are 128-bit). */
#ifndef LB_ADDR_H
#define LB_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "err.h"

enum { LB_AF_INET = 4, LB_AF_INET6 = 6 };

/* Both families live in 16 network-order bytes; an IPv4 address occupies
 * b[12..15] with b[0..11] zero, so one set of arithmetic serves both. */
struct lb_addr {
	uint8_t family; /* LB_AF_INET or LB_AF_INET6 */
	uint8_t b[16];
};

struct lb_prefix {
	struct lb_addr addr; /* host bits are always zero */
	uint8_t len;
};

struct lb_range {
	struct lb_addr first, last; /* same family, first <= last */
};

struct lb_u128 {
	uint64_t hi, lo;
};

#define LB_ADDR_STRLEN 46   /* INET6_ADDRSTRLEN */
#define LB_PREFIX_STRLEN 50 /* address, '/', 3 digits, NUL */
#define LB_RANGE_STRLEN 96  /* two addresses and '-' */
#define LB_U128_STRLEN 41   /* 2^128 in decimal has 39 digits */

/* Strict: exactly one address, no prefix length, no surrounding space. */
int lb_addr_parse(const char *s, struct lb_addr *out, struct lb_err *err);
/* RFC 5952 canonical text (lower case, longest zero run compressed). */
const char *lb_addr_format(const struct lb_addr *a, char buf[LB_ADDR_STRLEN]);
int lb_addr_cmp(const struct lb_addr *a, const struct lb_addr *b); /* IPv4 sorts first */
bool lb_addr_eq(const struct lb_addr *a, const struct lb_addr *b);
unsigned lb_addr_bits(const struct lb_addr *a); /* 32 or 128 */
/* Steps to the next/previous address; -1 (and a unchanged) past the family's end. */
int lb_addr_next(struct lb_addr *a);
int lb_addr_prev(struct lb_addr *a);
/* a + n within the family; -1 on overflow. */
int lb_addr_add(struct lb_addr *a, struct lb_u128 n);
/* b - a, for a <= b of one family. */
struct lb_u128 lb_addr_diff(const struct lb_addr *a, const struct lb_addr *b);
/* A stable 64-bit hash for hash tables. */
uint64_t lb_addr_hash(const struct lb_addr *a);
const uint8_t *lb_addr_v4(const struct lb_addr *a); /* the 4 IPv4 bytes */

int lb_addr_from_sockaddr(const struct sockaddr *sa, struct lb_addr *out);
socklen_t lb_addr_to_sockaddr(const struct lb_addr *a, uint16_t port,
			      struct sockaddr_storage *out);

/* "ADDR/LEN". Host bits set are cleared, and *had_host_bits (if not NULL)
 * tells the caller so it can warn; a length beyond the family is an error. */
int lb_prefix_parse(const char *s, struct lb_prefix *out, bool *had_host_bits,
		    struct lb_err *err);
const char *lb_prefix_format(const struct lb_prefix *p, char buf[LB_PREFIX_STRLEN]);
bool lb_prefix_contains(const struct lb_prefix *p, const struct lb_addr *a);
void lb_prefix_to_range(const struct lb_prefix *p, struct lb_range *out);
/* The prefix of length len that covers a (BGP aggregation length). */
void lb_prefix_cover(const struct lb_addr *a, unsigned len, struct lb_prefix *out);

/* "FIRST-LAST" (spaces around '-' allowed, as MetalLB accepts), "ADDR/LEN",
 * or a single "ADDR". Reversed or mixed-family ranges are errors. */
int lb_range_parse(const char *s, struct lb_range *out, struct lb_err *err);
/* Canonical: "ADDR" for one address, "ADDR/LEN" when the range is exactly one
 * prefix, "FIRST-LAST" otherwise. */
const char *lb_range_format(const struct lb_range *r, char buf[LB_RANGE_STRLEN]);
bool lb_range_contains(const struct lb_range *r, const struct lb_addr *a);
bool lb_range_overlaps(const struct lb_range *a, const struct lb_range *b);
/* Number of addresses. Returns 1 when the count is 2^128 (the whole IPv6
 * space, which 128 bits cannot hold; *count is then zero), 0 otherwise. */
int lb_range_count(const struct lb_range *r, struct lb_u128 *count);
/* Decimal text of lb_range_count's answer, 2^128 included. */
const char *lb_range_count_format(const struct lb_range *r, char buf[LB_U128_STRLEN]);
/* Calls fn for each prefix of the minimal CIDR cover of r, in order; stops
 * and returns fn's value when it is non-zero. */
int lb_range_prefixes(const struct lb_range *r, int (*fn)(void *ctx, const struct lb_prefix *p),
		      void *ctx);

struct lb_u128 lb_u128_from_u64(uint64_t v);
int lb_u128_cmp(struct lb_u128 a, struct lb_u128 b);
struct lb_u128 lb_u128_add(struct lb_u128 a, struct lb_u128 b); /* wraps */
struct lb_u128 lb_u128_sub(struct lb_u128 a, struct lb_u128 b); /* wraps */
const char *lb_u128_format(struct lb_u128 v, char buf[LB_U128_STRLEN]);

#endif
