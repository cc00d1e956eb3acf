/* lib/addr.c: parsing, RFC 5952 formatting, arithmetic at the family
 * boundaries, prefixes, ranges and their minimal CIDR covers, hashing. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/un.h>

#include "addr.h"
#include "tap.h"

static struct tap t;

static struct lb_addr A(const char *s)
{
	struct lb_addr a;
	struct lb_err err;

	if (lb_addr_parse(s, &a, &err) < 0) {
		printf("Bail out! test address %s: %s\n", s, err.msg);
		exit(1);
	}
	return a;
}

static struct lb_range R(const char *s)
{
	struct lb_range r;
	struct lb_err err;

	if (lb_range_parse(s, &r, &err) < 0) {
		printf("Bail out! test range %s: %s\n", s, err.msg);
		exit(1);
	}
	return r;
}

static const char *fmt(const struct lb_addr *a)
{
	static char buf[LB_ADDR_STRLEN];
	return lb_addr_format(a, buf);
}

static const char *u128s(struct lb_u128 v)
{
	static char buf[LB_U128_STRLEN];
	return lb_u128_format(v, buf);
}

static void test_parse_valid(void)
{
	struct lb_addr a;
	struct lb_err err;
	static const uint8_t zero12[12];

	tap_is_int(&t, lb_addr_parse("192.0.2.1", &a, &err), 0, "parse 192.0.2.1");
	tap_is_int(&t, a.family, LB_AF_INET, "192.0.2.1 is IPv4");
	tap_ok(&t, !memcmp(a.b, zero12, 12), "IPv4: b[0..11] zero");
	tap_ok(&t, a.b[12] == 192 && a.b[13] == 0 && a.b[14] == 2 && a.b[15] == 1,
	       "IPv4 bytes in b[12..15]");
	tap_ok(&t, !memcmp(lb_addr_v4(&a), "\xc0\x00\x02\x01", 4), "lb_addr_v4");
	tap_is_int(&t, lb_addr_bits(&a), 32, "IPv4 has 32 bits");

	tap_is_int(&t, lb_addr_parse("2001:db8::1", &a, &err), 0, "parse 2001:db8::1");
	tap_is_int(&t, a.family, LB_AF_INET6, "2001:db8::1 is IPv6");
	tap_ok(&t, a.b[0] == 0x20 && a.b[1] == 0x01 && a.b[2] == 0x0d && a.b[3] == 0xb8 &&
		   a.b[15] == 1,
	       "IPv6 bytes in network order");
	tap_is_int(&t, lb_addr_bits(&a), 128, "IPv6 has 128 bits");

	tap_is_int(&t, lb_addr_parse("::ffff:192.0.2.1", &a, &err), 0, "parse ::ffff:192.0.2.1");
	tap_is_int(&t, a.family, LB_AF_INET6, "IPv4-mapped stays IPv6");
	tap_is_str(&t, fmt(&a), "::ffff:192.0.2.1", "IPv4-mapped keeps dotted quad (RFC 5952 5)");
	struct lb_addr v4 = A("192.0.2.1");
	tap_ok(&t, !lb_addr_eq(&a, &v4), "::ffff:192.0.2.1 != 192.0.2.1");

	static const char *const ok[] = {
		"0.0.0.0", "255.255.255.255", "::", "::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
		"0000:0000:0000:0000:0000:ffff:255.255.255.255", "1:2:3:4:5:6:7::",
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		tap_is_int(&t, lb_addr_parse(ok[i], &a, NULL), 0, "valid: '%s'", ok[i]);
}

static void test_parse_invalid(void)
{
	struct lb_addr a, before = A("198.51.100.7");
	struct lb_err err;
	static const char *const bad[] = {
		"", " ", "300.1.1.1", "256.0.0.0", " 192.0.2.1", "192.0.2.1 ", "192.0.2.1\t",
		"192.0.2.1/32", "192.0.2", "192.0.2.1.5", "01.2.3.4", "192.0.2.01", "192.0.2.1a",
		"0x7f.0.0.1", "fe80::1%eth0", "fe80::1%1", "2001:db8:::1", "2001:db8::1::2",
		"1:2:3:4:5:6:7:8:9", "12345::", "gggg::", "::ffff:01.2.3.4", "2001:db8::/32",
		"[2001:db8::1]", "::ffff:192.0.2", "-1.0.0.0", "+1.0.0.0",
		/* longer than any address text inet_pton accepts */
		"0000:0000:0000:0000:0000:ffff:255.255.255.2550",
		"192.0.2.1 192.0.2.2",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		a = before;
		tap_is_int(&t, lb_addr_parse(bad[i], &a, &err), -1, "invalid: '%s'", bad[i]);
		tap_ok(&t, lb_addr_eq(&a, &before), "invalid '%s' leaves output alone", bad[i]);
	}
	lb_addr_parse("300.1.1.1", &a, &err);
	tap_is_str(&t, err.msg, "'300.1.1.1': not an IPv4 or IPv6 address", "error names input");
	lb_addr_parse("fe80::1%eth0", &a, &err);
	tap_is_str(&t, err.msg, "'fe80::1%eth0': not an IPv4 or IPv6 address",
		   "zone index refused, named");
	tap_is_int(&t, lb_addr_parse("nope", &a, NULL), -1, "NULL err is allowed");
}

static void test_format(void)
{
	static const char *const cases[][2] = {
		{"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"}, /* first of equal runs */
		{"2001:0db8::0001", "2001:db8::1"},             /* leading zeros dropped */
		{"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"}, /* lone zero kept */
		{"2001:0:0:1:0:0:0:1", "2001:0:0:1::1"},        /* longest run wins */
		{"0:0:0:0:0:0:0:1", "::1"},
		{"0:0:0:0:0:0:0:0", "::"},
		{"1:0:0:0:0:0:0:0", "1::"},
		{"1:0:0:0:0:0:0:2", "1::2"},
		{"0:1:0:1:0:1:0:1", "0:1:0:1:0:1:0:1"},
		{"1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"},
		{"1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"},
		{"ABCD:EF01::", "abcd:ef01::"},                 /* lower case (4.3) */
		{"fe80:0000::", "fe80::"},
		{"::102:304", "::102:304"},     /* not glibc's ::1.2.3.4 */
		{"::192.0.2.1", "::c000:201"}, /* IPv4-compatible is deprecated */
		{"::ffff:0:0", "::ffff:0.0.0.0"},
		{"::FFFF:c000:0201", "::ffff:192.0.2.1"},
		{"0:0:0:0:0:fffe:c000:201", "::fffe:c000:201"},
		{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
		{"2001:db8:0:0:0:0:2:1", "2001:db8::2:1"},
		{"2001:db8::aaaa:0:0:1", "2001:db8::aaaa:0:0:1"},
		{"0.0.0.0", "0.0.0.0"},
		{"255.255.255.255", "255.255.255.255"},
		{"10.0.0.1", "10.0.0.1"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct lb_addr a = A(cases[i][0]), b;
		tap_is_str(&t, fmt(&a), cases[i][1], "format %s", cases[i][0]);
		tap_ok(&t, lb_addr_parse(fmt(&a), &b, NULL) == 0 && lb_addr_eq(&a, &b),
		       "%s round-trips", cases[i][1]);
	}
	char buf[LB_ADDR_STRLEN];
	struct lb_addr a = A("1:2:3:4:5:6:7:8");
	tap_ok(&t, lb_addr_format(&a, buf) == buf, "format returns its buffer");
}

static void test_cmp(void)
{
	struct lb_addr v4max = A("255.255.255.255"), v6min = A("::"), a = A("192.0.2.1"),
		       b = A("192.0.2.2"), c = A("192.0.10.1"), d = A("2001:db8::1"),
		       e = A("2001:db8::1:0");

	tap_is_int(&t, lb_addr_cmp(&v4max, &v6min), -1, "IPv4 sorts before IPv6");
	tap_is_int(&t, lb_addr_cmp(&v6min, &v4max), 1, "IPv6 sorts after IPv4");
	tap_is_int(&t, lb_addr_cmp(&a, &b), -1, "192.0.2.1 < 192.0.2.2");
	tap_is_int(&t, lb_addr_cmp(&c, &b), 1, "numeric, not textual: 192.0.10.1 > 192.0.2.2");
	tap_is_int(&t, lb_addr_cmp(&a, &a), 0, "equal compares 0");
	tap_is_int(&t, lb_addr_cmp(&d, &e), -1, "2001:db8::1 < 2001:db8::1:0");
	tap_ok(&t, lb_addr_eq(&a, &a) && !lb_addr_eq(&a, &b), "lb_addr_eq");
	struct lb_addr compat = A("::c000:201");
	tap_ok(&t, !lb_addr_eq(&a, &compat), "same bytes, different family: not equal");
}

static void test_next_prev(void)
{
	struct lb_addr a;

	a = A("192.0.2.255");
	tap_is_int(&t, lb_addr_next(&a), 0, "next 192.0.2.255");
	tap_is_str(&t, fmt(&a), "192.0.3.0", "carries into the third octet");
	tap_is_int(&t, lb_addr_prev(&a), 0, "prev 192.0.3.0");
	tap_is_str(&t, fmt(&a), "192.0.2.255", "borrows back");

	a = A("255.255.255.255");
	tap_is_int(&t, lb_addr_next(&a), -1, "no next after 255.255.255.255");
	tap_is_str(&t, fmt(&a), "255.255.255.255", "unchanged at IPv4 end");
	tap_is_int(&t, a.family, LB_AF_INET, "does not spill into IPv6");

	a = A("0.0.0.0");
	tap_is_int(&t, lb_addr_prev(&a), -1, "no prev before 0.0.0.0");
	tap_is_str(&t, fmt(&a), "0.0.0.0", "unchanged at IPv4 start");
	tap_is_int(&t, lb_addr_next(&a), 0, "next 0.0.0.0");
	tap_is_str(&t, fmt(&a), "0.0.0.1", "0.0.0.1");

	a = A("::");
	tap_is_int(&t, lb_addr_prev(&a), -1, "no prev before ::");
	tap_is_str(&t, fmt(&a), "::", "unchanged at IPv6 start");

	a = A("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	tap_is_int(&t, lb_addr_next(&a), -1, "no next after ffff:...:ffff");
	tap_is_str(&t, fmt(&a), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "unchanged at IPv6 end");
	tap_is_int(&t, lb_addr_prev(&a), 0, "prev ffff:...:ffff");
	tap_is_str(&t, fmt(&a), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", "...fffe");

	a = A("::ffff:ffff");
	tap_is_int(&t, lb_addr_next(&a), 0, "next ::ffff:ffff (IPv6)");
	tap_is_str(&t, fmt(&a), "::1:0:0", "IPv6 is not bounded at 2^32");

	a = A("::ffff:ffff:ffff:ffff");
	tap_is_int(&t, lb_addr_next(&a), 0, "next across the 64-bit halves");
	tap_is_str(&t, fmt(&a), "0:0:0:1::", "carry into the high half");
	tap_is_int(&t, lb_addr_prev(&a), 0, "prev across the 64-bit halves");
	tap_is_str(&t, fmt(&a), "::ffff:ffff:ffff:ffff", "borrow from the high half");
}

static void test_add_diff(void)
{
	struct lb_addr a, b;
	struct lb_u128 all = {UINT64_MAX, UINT64_MAX};

	a = A("192.0.2.0");
	tap_is_int(&t, lb_addr_add(&a, lb_u128_from_u64(255)), 0, "192.0.2.0 + 255");
	tap_is_str(&t, fmt(&a), "192.0.2.255", "= 192.0.2.255");

	a = A("255.255.255.0");
	tap_is_int(&t, lb_addr_add(&a, lb_u128_from_u64(255)), 0, "add up to the IPv4 end");
	tap_is_str(&t, fmt(&a), "255.255.255.255", "= 255.255.255.255");
	a = A("255.255.255.0");
	tap_is_int(&t, lb_addr_add(&a, lb_u128_from_u64(256)), -1, "IPv4 overflow by one");
	tap_is_str(&t, fmt(&a), "255.255.255.0", "unchanged on overflow");
	a = A("0.0.0.0");
	tap_is_int(&t, lb_addr_add(&a, lb_u128_from_u64(UINT64_C(1) << 32)), -1,
		   "0.0.0.0 + 2^32 overflows");
	tap_is_int(&t, lb_addr_add(&a, (struct lb_u128){1, 0}), -1, "0.0.0.0 + 2^64 overflows");
	tap_is_int(&t, lb_addr_add(&a, lb_u128_from_u64(0)), 0, "+0 is fine");
	tap_is_str(&t, fmt(&a), "0.0.0.0", "+0 changes nothing");

	a = A("::");
	tap_is_int(&t, lb_addr_add(&a, all), 0, ":: + (2^128-1)");
	tap_is_str(&t, fmt(&a), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "reaches the IPv6 end");
	a = A("::1");
	tap_is_int(&t, lb_addr_add(&a, all), -1, "::1 + (2^128-1) overflows");
	tap_is_str(&t, fmt(&a), "::1", "unchanged");
	a = A("2001:db8::ffff:ffff:ffff:ffff");
	tap_is_int(&t, lb_addr_add(&a, lb_u128_from_u64(2)), 0, "IPv6 add with carry");
	tap_is_str(&t, fmt(&a), "2001:db8:0:1::1", "carried into the high half");

	a = A("192.0.2.10");
	b = A("192.0.2.20");
	tap_is_str(&t, u128s(lb_addr_diff(&a, &b)), "10", "diff .10 .20");
	tap_is_str(&t, u128s(lb_addr_diff(&a, &a)), "0", "diff to itself");
	a = A("0.0.0.0");
	b = A("255.255.255.255");
	tap_is_str(&t, u128s(lb_addr_diff(&a, &b)), "4294967295", "diff over IPv4");
	a = A("::");
	b = A("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	tap_is_str(&t, u128s(lb_addr_diff(&a, &b)), "340282366920938463463374607431768211455",
		   "diff over IPv6 is 2^128-1");
	a = A("2001:db8::ffff:ffff:ffff:ffff");
	b = A("2001:db8:0:1::");
	tap_is_str(&t, u128s(lb_addr_diff(&a, &b)), "1", "diff across the halves");
}

static void test_u128(void)
{
	struct lb_u128 max = {UINT64_MAX, UINT64_MAX}, one = lb_u128_from_u64(1),
		       zero = lb_u128_from_u64(0), two64 = {1, 0};

	tap_is_str(&t, u128s(zero), "0", "format 0");
	tap_is_str(&t, u128s(one), "1", "format 1");
	tap_is_str(&t, u128s(lb_u128_from_u64(UINT64_MAX)), "18446744073709551615", "2^64-1");
	tap_is_str(&t, u128s(two64), "18446744073709551616", "2^64");
	tap_is_str(&t, u128s(max), "340282366920938463463374607431768211455", "2^128-1");
	tap_is_str(&t, u128s((struct lb_u128){0x8000000000000000u, 0}),
		   "170141183460469231731687303715884105728", "2^127");
	tap_is_str(&t, u128s(lb_u128_from_u64(1000000000000000000u)), "1000000000000000000",
		   "10^18 keeps its zeros");
	tap_ok(&t, lb_u128_cmp(lb_u128_add(max, one), zero) == 0, "add wraps at 2^128");
	tap_ok(&t, lb_u128_cmp(lb_u128_sub(zero, one), max) == 0, "sub wraps below 0");
	tap_ok(&t, lb_u128_cmp(lb_u128_add(lb_u128_from_u64(UINT64_MAX), one), two64) == 0,
	       "add carries into hi");
	tap_ok(&t, lb_u128_cmp(lb_u128_sub(two64, one), lb_u128_from_u64(UINT64_MAX)) == 0,
	       "sub borrows from hi");
	tap_is_int(&t, lb_u128_cmp(zero, one), -1, "cmp 0 < 1");
	tap_is_int(&t, lb_u128_cmp(two64, lb_u128_from_u64(UINT64_MAX)), 1, "cmp hi dominates");
	tap_is_int(&t, lb_u128_cmp(max, max), 0, "cmp equal");
}

static void check_prefix(const char *in, const char *want, bool want_host_bits)
{
	struct lb_prefix p;
	struct lb_err err;
	bool host = !want_host_bits;
	char buf[LB_PREFIX_STRLEN];

	int rc = lb_prefix_parse(in, &p, &host, &err);
	tap_is_int(&t, rc, 0, "prefix '%s' parses", in);
	if (rc < 0) {
		printf("# %s\n", err.msg);
		return;
	}
	tap_is_str(&t, lb_prefix_format(&p, buf), want, "prefix '%s' formats", in);
	tap_is_int(&t, host, want_host_bits, "prefix '%s' host bits reported", in);
	struct lb_prefix q;
	tap_ok(&t, lb_prefix_parse(buf, &q, &host, NULL) == 0 && !host && q.len == p.len &&
		       lb_addr_eq(&q.addr, &p.addr),
	       "prefix '%s' round-trips clean", want);
}

static void check_prefix_err(const char *in, const char *msg)
{
	struct lb_prefix p;
	struct lb_err err = {"unset"};

	tap_is_int(&t, lb_prefix_parse(in, &p, NULL, &err), -1, "bad prefix '%s'", in);
	if (msg)
		tap_is_str(&t, err.msg, msg, "bad prefix '%s': message", in);
}

static void test_prefix(void)
{
	check_prefix("192.0.2.0/24", "192.0.2.0/24", false);
	check_prefix("192.0.2.5/24", "192.0.2.0/24", true);
	check_prefix("192.0.2.128/25", "192.0.2.128/25", false);
	check_prefix("192.0.2.129/25", "192.0.2.128/25", true);
	check_prefix("0.0.0.0/0", "0.0.0.0/0", false);
	check_prefix("255.255.255.255/0", "0.0.0.0/0", true);
	check_prefix("192.0.2.1/32", "192.0.2.1/32", false);
	check_prefix("192.0.2.255/31", "192.0.2.254/31", true);
	check_prefix("2001:db8::/32", "2001:db8::/32", false);
	check_prefix("2001:db8::1/64", "2001:db8::/64", true);
	check_prefix("2001:db8::1/128", "2001:db8::1/128", false);
	check_prefix("::/0", "::/0", false);
	check_prefix("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/1", "8000::/1", true);
	check_prefix("2001:db8:0:0:8000::/65", "2001:db8:0:0:8000::/65", false);
	check_prefix("2001:db8::ffff/113", "2001:db8::8000/113", true);
	check_prefix("::ffff:192.0.2.7/120", "::ffff:192.0.2.0/120", true);

	struct lb_prefix p;
	tap_is_int(&t, lb_prefix_parse("192.0.2.5/24", &p, NULL, NULL), 0,
		   "had_host_bits and err may be NULL");

	check_prefix_err("192.0.2.0/33", "'192.0.2.0/33': prefix length 33 is beyond 32 for IPv4");
	check_prefix_err("2001:db8::/129",
			 "'2001:db8::/129': prefix length 129 is beyond 128 for IPv6");
	check_prefix_err("192.0.2.0/128", NULL);
	check_prefix_err("192.0.2.0", "'192.0.2.0': missing '/' and prefix length");
	check_prefix_err("192.0.2.0/", "'192.0.2.0/': bad prefix length ''");
	check_prefix_err("192.0.2.0/+8", "'192.0.2.0/+8': bad prefix length '+8'");
	check_prefix_err("192.0.2.0/-1", NULL);
	check_prefix_err("192.0.2.0/ 8", NULL);
	check_prefix_err("192.0.2.0/8 ", NULL);
	check_prefix_err("192.0.2.0/2a", NULL);
	check_prefix_err("192.0.2.0/0024", NULL);
	check_prefix_err("192.0.2.0/1000", NULL);
	check_prefix_err("192.0.2.0/08", NULL);
	check_prefix_err("192.0.2.0/00", NULL);
	check_prefix_err("2001:db8::/999999999999999999999", NULL);
	check_prefix_err("192.0.2.0/24/24", NULL);
	check_prefix_err("/24", "'/24': '' is not an IPv4 or IPv6 address");
	check_prefix_err("300.0.2.0/24", "'300.0.2.0/24': '300.0.2.0' is not an IPv4 or IPv6 address");
	check_prefix_err("fe80::%eth0/64", NULL);
	check_prefix_err(" 192.0.2.0/24", NULL);
	check_prefix_err("192.0.2.0 /24", NULL);
	check_prefix_err("192.0.2.0-192.0.2.255", NULL);
}

static void test_prefix_contains_cover(void)
{
	struct lb_prefix p;
	struct lb_addr a;
	char buf[LB_PREFIX_STRLEN];

	lb_prefix_parse("192.0.2.0/24", &p, NULL, NULL);
	a = A("192.0.2.0");
	tap_ok(&t, lb_prefix_contains(&p, &a), "/24 contains its first");
	a = A("192.0.2.255");
	tap_ok(&t, lb_prefix_contains(&p, &a), "/24 contains its last");
	a = A("192.0.3.0");
	tap_ok(&t, !lb_prefix_contains(&p, &a), "/24 excludes the next");
	a = A("192.0.1.255");
	tap_ok(&t, !lb_prefix_contains(&p, &a), "/24 excludes the previous");
	a = A("::ffff:192.0.2.1");
	tap_ok(&t, !lb_prefix_contains(&p, &a), "IPv4 prefix excludes IPv4-mapped IPv6");

	lb_prefix_parse("0.0.0.0/0", &p, NULL, NULL);
	a = A("255.255.255.255");
	tap_ok(&t, lb_prefix_contains(&p, &a), "0.0.0.0/0 contains 255.255.255.255");
	a = A("::");
	tap_ok(&t, !lb_prefix_contains(&p, &a), "0.0.0.0/0 excludes ::");

	lb_prefix_parse("::/0", &p, NULL, NULL);
	a = A("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	tap_ok(&t, lb_prefix_contains(&p, &a), "::/0 contains the last IPv6");
	a = A("192.0.2.1");
	tap_ok(&t, !lb_prefix_contains(&p, &a), "::/0 excludes IPv4");

	lb_prefix_parse("2001:db8::1/128", &p, NULL, NULL);
	a = A("2001:db8::1");
	tap_ok(&t, lb_prefix_contains(&p, &a), "/128 contains itself");
	a = A("2001:db8::");
	tap_ok(&t, !lb_prefix_contains(&p, &a), "/128 excludes its neighbour");

	lb_prefix_parse("2001:db8::/65", &p, NULL, NULL);
	a = A("2001:db8::7fff:ffff:ffff:ffff");
	tap_ok(&t, lb_prefix_contains(&p, &a), "/65 contains the last of its half");
	a = A("2001:db8::8000:0:0:0");
	tap_ok(&t, !lb_prefix_contains(&p, &a), "/65 excludes the other half");

	struct lb_range r;
	lb_prefix_parse("192.0.2.64/26", &p, NULL, NULL);
	lb_prefix_to_range(&p, &r);
	tap_is_str(&t, fmt(&r.first), "192.0.2.64", "prefix_to_range first");
	tap_is_str(&t, fmt(&r.last), "192.0.2.127", "prefix_to_range last");
	lb_prefix_parse("::/0", &p, NULL, NULL);
	lb_prefix_to_range(&p, &r);
	tap_is_str(&t, fmt(&r.last), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "::/0 last");
	lb_prefix_parse("0.0.0.0/0", &p, NULL, NULL);
	lb_prefix_to_range(&p, &r);
	tap_is_str(&t, fmt(&r.last), "255.255.255.255", "0.0.0.0/0 last stays IPv4");

	static const struct {
		const char *addr;
		unsigned len;
		const char *want;
	} cover[] = {
		{"192.0.2.77", 24, "192.0.2.0/24"},
		{"192.0.2.77", 32, "192.0.2.77/32"},
		{"192.0.2.77", 40, "192.0.2.77/32"}, /* clamped to the family */
		{"192.0.2.77", 0, "0.0.0.0/0"},
		{"255.255.255.255", 1, "128.0.0.0/1"},
		{"2001:db8::1234", 120, "2001:db8::1200/120"},
		{"2001:db8:1:2:3:4:5:6", 64, "2001:db8:1:2::/64"},
		{"2001:db8:1:2:3:4:5:6", 0, "::/0"},
		{"2001:db8:1:2:3:4:5:6", 200, "2001:db8:1:2:3:4:5:6/128"},
	};
	for (size_t i = 0; i < sizeof(cover) / sizeof(cover[0]); i++) {
		a = A(cover[i].addr);
		lb_prefix_cover(&a, cover[i].len, &p);
		tap_is_str(&t, lb_prefix_format(&p, buf), cover[i].want, "cover %s /%u",
			   cover[i].addr, cover[i].len);
		tap_ok(&t, lb_prefix_contains(&p, &a), "cover of %s contains it", cover[i].addr);
	}
}

static void check_range(const char *in, const char *first, const char *last, const char *canon)
{
	struct lb_range r, q;
	struct lb_err err;
	char buf[LB_RANGE_STRLEN];

	int rc = lb_range_parse(in, &r, &err);
	tap_is_int(&t, rc, 0, "range '%s' parses", in);
	if (rc < 0) {
		printf("# %s\n", err.msg);
		return;
	}
	tap_is_str(&t, fmt(&r.first), first, "range '%s' first", in);
	tap_is_str(&t, fmt(&r.last), last, "range '%s' last", in);
	tap_is_str(&t, lb_range_format(&r, buf), canon, "range '%s' canonical", in);
	tap_ok(&t, lb_range_parse(buf, &q, NULL) == 0 && lb_addr_eq(&q.first, &r.first) &&
		       lb_addr_eq(&q.last, &r.last),
	       "range '%s' round-trips", canon);
}

static void check_range_err(const char *in, const char *msg)
{
	struct lb_range r;
	struct lb_err err = {"unset"};

	tap_is_int(&t, lb_range_parse(in, &r, &err), -1, "bad range '%s'", in);
	if (msg)
		tap_is_str(&t, err.msg, msg, "bad range '%s': message", in);
	else
		tap_ok(&t, strncmp(err.msg, "'", 1) == 0 && strstr(err.msg, in),
		       "bad range '%s': message names it (%s)", in, err.msg);
}

static void test_range(void)
{
	check_range("192.0.2.10-192.0.2.20", "192.0.2.10", "192.0.2.20", "192.0.2.10-192.0.2.20");
	check_range("192.0.2.10 - 192.0.2.20", "192.0.2.10", "192.0.2.20",
		    "192.0.2.10-192.0.2.20");
	check_range("192.0.2.10\t-  192.0.2.20", "192.0.2.10", "192.0.2.20",
		    "192.0.2.10-192.0.2.20");
	check_range("192.0.2.0/24", "192.0.2.0", "192.0.2.255", "192.0.2.0/24");
	check_range("192.0.2.5/24", "192.0.2.0", "192.0.2.255", "192.0.2.0/24");
	check_range("192.0.2.0-192.0.2.255", "192.0.2.0", "192.0.2.255", "192.0.2.0/24");
	check_range("192.0.2.0-192.0.2.254", "192.0.2.0", "192.0.2.254", "192.0.2.0-192.0.2.254");
	check_range("192.0.2.1-192.0.2.2", "192.0.2.1", "192.0.2.2", "192.0.2.1-192.0.2.2");
	check_range("192.0.2.2-192.0.2.3", "192.0.2.2", "192.0.2.3", "192.0.2.2/31");
	check_range("192.0.2.7", "192.0.2.7", "192.0.2.7", "192.0.2.7");
	check_range("192.0.2.7-192.0.2.7", "192.0.2.7", "192.0.2.7", "192.0.2.7");
	check_range("192.0.2.7/32", "192.0.2.7", "192.0.2.7", "192.0.2.7");
	check_range("0.0.0.0-255.255.255.255", "0.0.0.0", "255.255.255.255", "0.0.0.0/0");
	check_range("0.0.0.0/0", "0.0.0.0", "255.255.255.255", "0.0.0.0/0");
	check_range("::/0", "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "::/0");
	check_range("::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", "::",
		    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe",
		    "::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe");
	check_range("::-::1", "::", "::1", "::/127");
	check_range("2001:db8::-2001:db8::ffff", "2001:db8::", "2001:db8::ffff", "2001:db8::/112");
	check_range("2001:db8::1-2001:db8::ff", "2001:db8::1", "2001:db8::ff",
		    "2001:db8::1-2001:db8::ff");
	check_range("2001:db8::1/64", "2001:db8::", "2001:db8::ffff:ffff:ffff:ffff", "2001:db8::/64");
	check_range("2001:DB8::1", "2001:db8::1", "2001:db8::1", "2001:db8::1");
	check_range("8000::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "8000::",
		    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "8000::/1");

	check_range_err("192.0.2.20-192.0.2.10", "'192.0.2.20-192.0.2.10': range is reversed");
	check_range_err("2001:db8::2-2001:db8::1", "'2001:db8::2-2001:db8::1': range is reversed");
	check_range_err("192.0.2.1-2001:db8::1",
			"'192.0.2.1-2001:db8::1': mixed families: '192.0.2.1' is IPv4, "
			"'2001:db8::1' is IPv6");
	check_range_err("2001:db8::1 - 192.0.2.1",
			"'2001:db8::1 - 192.0.2.1': mixed families: '2001:db8::1' is IPv6, "
			"'192.0.2.1' is IPv4");
	check_range_err("192.0.2.1-300.0.0.1",
			"'192.0.2.1-300.0.0.1': '300.0.0.1' is not an IPv4 or IPv6 address");
	check_range_err("300.0.0.1 -192.0.2.1",
			"'300.0.0.1 -192.0.2.1': '300.0.0.1' is not an IPv4 or IPv6 address");
	check_range_err("192.0.2.1-", "'192.0.2.1-': missing last address after '-'");
	check_range_err("192.0.2.1 - ", "'192.0.2.1 - ': missing last address after '-'");
	check_range_err("-192.0.2.1", "'-192.0.2.1': missing first address before '-'");
	check_range_err("300.1.1.1", "'300.1.1.1': not an IPv4 or IPv6 address");
	check_range_err("192.0.2.0/33", "'192.0.2.0/33': prefix length 33 is beyond 32 for IPv4");
	check_range_err("", "'': not an IPv4 or IPv6 address");
	check_range_err("-", NULL);
	check_range_err("192.0.2.1--192.0.2.2", NULL);
	check_range_err("192.0.2.1-192.0.2.2-192.0.2.3", NULL);
	check_range_err(" 192.0.2.1-192.0.2.2", NULL);
	check_range_err("192.0.2.1-192.0.2.2 ", NULL);
	check_range_err("192.0.2.1-192.0.2.0/24", NULL);
	check_range_err("192.0.2.0/24-192.0.2.255", NULL);
	check_range_err("192.0.2.1 192.0.2.2", NULL);
	check_range_err("fe80::1%eth0-fe80::2%eth0", NULL);
	check_range_err("192.0.2.1_192.0.2.2", NULL);
}

static void test_contains_overlaps(void)
{
	struct lb_range r = R("192.0.2.10-192.0.2.20");
	struct lb_addr a;

	a = A("192.0.2.10");
	tap_ok(&t, lb_range_contains(&r, &a), "range contains its first");
	a = A("192.0.2.20");
	tap_ok(&t, lb_range_contains(&r, &a), "range contains its last");
	a = A("192.0.2.9");
	tap_ok(&t, !lb_range_contains(&r, &a), "range excludes first-1");
	a = A("192.0.2.21");
	tap_ok(&t, !lb_range_contains(&r, &a), "range excludes last+1");
	a = A("::c000:20f");
	tap_ok(&t, !lb_range_contains(&r, &a), "IPv4 range excludes IPv6 with the same bytes");

	static const struct {
		const char *a, *b;
		bool want;
	} ov[] = {
		{"192.0.2.10-192.0.2.20", "192.0.2.20-192.0.2.30", true}, /* touch at one */
		{"192.0.2.10-192.0.2.19", "192.0.2.20-192.0.2.30", false}, /* adjacent */
		{"192.0.2.10-192.0.2.20", "192.0.2.12-192.0.2.13", true},  /* inside */
		{"192.0.2.10-192.0.2.20", "192.0.2.0/24", true},           /* around */
		{"192.0.2.10-192.0.2.20", "192.0.2.10-192.0.2.20", true},  /* same */
		{"192.0.2.10", "192.0.2.10", true},
		{"192.0.2.10", "192.0.2.11", false},
		{"192.0.2.0/24", "198.51.100.0/24", false},
		{"0.0.0.0/0", "::/0", false},                              /* families */
		{"192.0.2.0/24", "::ffff:192.0.2.0/120", false},
		{"::/0", "2001:db8::1", true},
		{"2001:db8::/64", "2001:db8:0:1::/64", false},
		{"2001:db8::-2001:db8:0:1::", "2001:db8:0:1::/64", true},
	};
	for (size_t i = 0; i < sizeof(ov) / sizeof(ov[0]); i++) {
		struct lb_range x = R(ov[i].a), y = R(ov[i].b);
		tap_is_int(&t, lb_range_overlaps(&x, &y), ov[i].want, "%s overlaps %s: %d",
			   ov[i].a, ov[i].b, ov[i].want);
		tap_is_int(&t, lb_range_overlaps(&y, &x), ov[i].want, "%s overlaps %s: %d",
			   ov[i].b, ov[i].a, ov[i].want);
	}
}

static void test_count(void)
{
	static const struct {
		const char *range, *count;
		int full;
	} c[] = {
		{"192.0.2.1", "1", 0},
		{"192.0.2.0/24", "256", 0},
		{"192.0.2.10-192.0.2.20", "11", 0},
		{"0.0.0.0/0", "4294967296", 0},
		{"2001:db8::/64", "18446744073709551616", 0},
		{"::/1", "170141183460469231731687303715884105728", 0},
		{"::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe",
		 "340282366920938463463374607431768211455", 0},
		{"::/0", "340282366920938463463374607431768211456", 1},
	};
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct lb_range r = R(c[i].range);
		struct lb_u128 n = {7, 7};
		char buf[LB_U128_STRLEN];
		tap_is_int(&t, lb_range_count(&r, &n), c[i].full, "count %s: 2^128 flag", c[i].range);
		if (c[i].full)
			tap_ok(&t, n.hi == 0 && n.lo == 0, "count %s: zero with the flag", c[i].range);
		else
			tap_is_str(&t, u128s(n), c[i].count, "count %s", c[i].range);
		tap_is_str(&t, lb_range_count_format(&r, buf), c[i].count, "count_format %s",
			   c[i].range);
	}
}

/* Collects a cover and checks that it is exact: contiguous from first to
 * last with sizes adding up to the range's count, and minimal: no two
 * neighbours are the halves of one larger prefix. */
struct cover {
	struct lb_prefix p[300];
	size_t n;
	int stop_at; /* return non-zero on this call (1-based), 0: never */
};

static int collect(void *ctx, const struct lb_prefix *p)
{
	struct cover *c = ctx;
	if (c->n < sizeof(c->p) / sizeof(c->p[0]))
		c->p[c->n] = *p;
	c->n++;
	return c->stop_at && (int)c->n == c->stop_at ? 42 : 0;
}

static bool cover_is_exact_and_minimal(const struct lb_range *r, const struct cover *c,
				       char *why, size_t whylen)
{
	struct lb_u128 total = {0, 0}, want;
	int full = lb_range_count(r, &want);
	unsigned bits = lb_addr_bits(&r->first);
	struct lb_addr expect = r->first;
	char a[LB_PREFIX_STRLEN], b[LB_PREFIX_STRLEN];

	if (c->n == 0 || c->n > 2 * bits) {
		snprintf(why, whylen, "%zu prefixes", c->n);
		return false;
	}
	for (size_t i = 0; i < c->n; i++) {
		const struct lb_prefix *p = &c->p[i];
		struct lb_range pr;
		if (p->addr.family != r->first.family || p->len > bits) {
			snprintf(why, whylen, "prefix %zu has the wrong family or length", i);
			return false;
		}
		lb_prefix_to_range(p, &pr);
		if (!lb_addr_eq(&pr.first, &p->addr)) {
			snprintf(why, whylen, "%s has host bits", lb_prefix_format(p, a));
			return false;
		}
		if (!lb_addr_eq(&pr.first, &expect)) {
			snprintf(why, whylen, "gap or overlap at %s", lb_prefix_format(p, a));
			return false;
		}
		struct lb_u128 size;
		lb_range_count(&pr, &size);
		total = lb_u128_add(total, size);
		expect = pr.last;
		if (i + 1 < c->n && lb_addr_next(&expect) < 0) {
			snprintf(why, whylen, "prefixes after the family's end");
			return false;
		}
		if (i > 0 && c->p[i - 1].len == p->len && p->len > 0) {
			struct lb_prefix parent;
			lb_prefix_cover(&c->p[i - 1].addr, p->len - 1u, &parent);
			if (lb_addr_eq(&parent.addr, &c->p[i - 1].addr)) {
				snprintf(why, whylen, "%s and %s merge into one",
					 lb_prefix_format(&c->p[i - 1], a), lb_prefix_format(p, b));
				return false;
			}
		}
	}
	if (!lb_addr_eq(&expect, &r->last)) {
		snprintf(why, whylen, "cover ends at %s", fmt(&expect));
		return false;
	}
	if (lb_u128_cmp(total, want) != 0 && !(full && total.hi == 0 && total.lo == 0)) {
		snprintf(why, whylen, "sizes add up to %s", u128s(total));
		return false;
	}
	return true;
}

static void check_cover(const struct lb_range *r, const char *want)
{
	struct cover c = {.n = 0};
	char rbuf[LB_RANGE_STRLEN], why[200] = "";

	lb_range_format(r, rbuf);
	tap_is_int(&t, lb_range_prefixes(r, collect, &c), 0, "cover %s returns 0", rbuf);
	tap_ok(&t, cover_is_exact_and_minimal(r, &c, why, sizeof(why)),
	       "cover %s is exact and minimal %s", rbuf, why);
	if (want) {
		char got[2000] = "", buf[LB_PREFIX_STRLEN];
		size_t off = 0;
		for (size_t i = 0; i < c.n && i < 300; i++)
			off += (size_t)snprintf(got + off, sizeof(got) - off, "%s%s", i ? " " : "",
						lb_prefix_format(&c.p[i], buf));
		tap_is_str(&t, got, want, "cover %s", rbuf);
	}
}

static void cover_count(const char *range, size_t want)
{
	struct lb_range r = R(range);
	struct cover c = {.n = 0};

	check_cover(&r, NULL);
	lb_range_prefixes(&r, collect, &c);
	tap_is_int(&t, c.n, want, "cover %s has %zu prefixes", range, want);
}

/* xorshift64: a fixed sequence so failures reproduce. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void test_prefixes(void)
{
	struct lb_range r;

	r = R("192.0.2.1-192.0.2.6");
	check_cover(&r, "192.0.2.1/32 192.0.2.2/31 192.0.2.4/31 192.0.2.6/32");
	r = R("0.0.0.0-255.255.255.255");
	check_cover(&r, "0.0.0.0/0");
	r = R("::/0");
	check_cover(&r, "::/0");
	r = R("192.0.2.7");
	check_cover(&r, "192.0.2.7/32");
	r = R("192.0.2.0/24");
	check_cover(&r, "192.0.2.0/24");
	r = R("192.0.2.10-192.0.2.20");
	check_cover(&r, "192.0.2.10/31 192.0.2.12/30 192.0.2.16/30 192.0.2.20/32");
	r = R("192.0.2.255-192.0.3.0");
	check_cover(&r, "192.0.2.255/32 192.0.3.0/32");
	r = R("255.255.255.254-255.255.255.255");
	check_cover(&r, "255.255.255.254/31");
	r = R("255.255.255.253-255.255.255.255");
	check_cover(&r, "255.255.255.253/32 255.255.255.254/31");
	r = R("0.0.0.0-0.0.0.2");
	check_cover(&r, "0.0.0.0/31 0.0.0.2/32");
	r = R("2001:db8::1-2001:db8::6");
	check_cover(&r, "2001:db8::1/128 2001:db8::2/127 2001:db8::4/127 2001:db8::6/128");
	r = R("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	check_cover(&r, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128");
	r = R("8000::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	check_cover(&r, "8000::/1");
	r = R("::-7fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	check_cover(&r, "::/1");

	/* The worst cases: one short of the whole space at either end. */
	cover_count("0.0.0.1-255.255.255.255", 32);
	cover_count("0.0.0.0-255.255.255.254", 32);
	cover_count("0.0.0.1-255.255.255.254", 62);
	cover_count("::1-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 128);
	cover_count("::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", 128);
	cover_count("::1-ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", 254);
	cover_count("2001:db8::ffff:ffff:ffff:ffff-2001:db8:0:1::", 2);

	/* Stops on the callback's first non-zero answer and passes it on. */
	struct cover c = {.n = 0, .stop_at = 2};
	r = R("192.0.2.1-192.0.2.6");
	tap_is_int(&t, lb_range_prefixes(&r, collect, &c), 42, "callback value returned");
	tap_is_int(&t, c.n, 2, "no call after the callback stops");

	/* Random ranges, sized from one address to most of the space. */
	uint64_t seed = 0x9d2c5680u;
	int bad = 0;
	for (int i = 0; i < 2000; i++) {
		struct lb_range rr;
		struct cover cc = {.n = 0};
		char why[200];
		bool v6 = i & 1;
		memset(&rr, 0, sizeof(rr));
		rr.first.family = rr.last.family = v6 ? LB_AF_INET6 : LB_AF_INET;
		for (int j = v6 ? 0 : 12; j < 16; j++) {
			uint64_t x = rnd(&seed), y = rnd(&seed);
			rr.first.b[j] = (uint8_t)x;
			rr.last.b[j] = (uint8_t)y;
		}
		/* Share a random number of leading bits so small spans occur too. */
		unsigned share = (unsigned)(rnd(&seed) % (v6 ? 128 : 32));
		for (unsigned k = 0; k < share; k++) {
			unsigned byte = (v6 ? 0 : 12) + k / 8, bit = 7 - k % 8;
			rr.last.b[byte] = (uint8_t)((rr.last.b[byte] & ~(1u << bit)) |
						    (rr.first.b[byte] & (1u << bit)));
		}
		if (lb_addr_cmp(&rr.first, &rr.last) > 0) {
			struct lb_addr tmp = rr.first;
			rr.first = rr.last;
			rr.last = tmp;
		}
		lb_range_prefixes(&rr, collect, &cc);
		if (!cover_is_exact_and_minimal(&rr, &cc, why, sizeof(why))) {
			char buf[LB_RANGE_STRLEN];
			if (bad++ < 5)
				printf("# %s: %s\n", lb_range_format(&rr, buf), why);
		}
	}
	tap_is_int(&t, bad, 0, "2000 random ranges have exact, minimal covers");
}

static unsigned max_bucket(const struct lb_addr *base, unsigned step_byte, unsigned n,
			   unsigned buckets)
{
	uint8_t *count = calloc(buckets, 1);
	unsigned max = 0;
	struct lb_addr a = *base;

	if (!count)
		return ~0u;
	for (unsigned i = 0; i < n; i++) {
		struct lb_addr k = a;
		if (step_byte == 15) {
			lb_addr_add(&k, lb_u128_from_u64(i));
		} else {
			/* step in the upper bits: i goes into bytes step_byte-3..step_byte */
			for (int j = 0; j < 4; j++)
				k.b[step_byte - (unsigned)j] = (uint8_t)(i >> (8 * j));
		}
		uint64_t h = lb_addr_hash(&k);
		uint8_t *c = &count[h & (buckets - 1)];
		if (*c < 255)
			(*c)++;
		if (*c > max)
			max = *c;
	}
	free(count);
	return max;
}

static void probe(const struct lb_addr *base, const struct lb_addr *absent, unsigned n,
		  unsigned slots, unsigned *longest, double *miss)
{
	uint8_t *used = calloc(slots, 1);
	unsigned long total = 0;
	unsigned misses = 1u << 16;

	*longest = ~0u;
	*miss = 1e9;
	if (!used)
		return;
	*longest = 0;
	for (unsigned i = 0; i < n; i++) {
		struct lb_addr k = *base;
		lb_addr_add(&k, lb_u128_from_u64(i));
		unsigned len = 1;
		for (uint64_t s = lb_addr_hash(&k) & (slots - 1); used[s]; s = (s + 1) & (slots - 1))
			len++;
		used[(lb_addr_hash(&k) + len - 1) & (slots - 1)] = 1;
		if (len > *longest)
			*longest = len;
	}
	for (unsigned i = 0; i < misses; i++) {
		struct lb_addr k = *absent;
		lb_addr_add(&k, lb_u128_from_u64(i));
		uint64_t s = lb_addr_hash(&k) & (slots - 1);
		total++;
		for (unsigned guard = 0; used[s] && guard < slots; s = (s + 1) & (slots - 1), guard++)
			total++;
	}
	*miss = (double)total / misses;
	free(used);
}

static void test_hash(void)
{
	struct lb_addr a = A("192.0.2.1"), b = A("192.0.2.1"), c = A("::c000:201"),
		       d = A("::ffff:192.0.2.1");

	tap_ok(&t, lb_addr_hash(&a) == lb_addr_hash(&b), "hash is stable");
	tap_ok(&t, lb_addr_hash(&a) != lb_addr_hash(&c), "hash depends on the family");
	tap_ok(&t, lb_addr_hash(&a) != lb_addr_hash(&d), "IPv4 and IPv4-mapped hash apart");

	/* 2^20 keys in 2^21 buckets: a random hash gives a largest bucket of
	 * about 7; a weak one (identity, or a multiply without a final shift
	 * down) piles them into few buckets. */
	struct lb_addr base = A("10.0.0.0");
	unsigned m = max_bucket(&base, 15, 1u << 20, 1u << 21);
	tap_ok(&t, m <= 10, "2^20 sequential IPv4 spread: largest bucket %u", m);
	base = A("2001:db8::");
	m = max_bucket(&base, 15, 1u << 20, 1u << 21);
	tap_ok(&t, m <= 10, "2^20 sequential IPv6 spread: largest bucket %u", m);
	base = A("2001:db8::1");
	m = max_bucket(&base, 7, 1u << 20, 1u << 21);
	tap_ok(&t, m <= 10, "2^20 IPv6 /64s with the same host part: largest bucket %u", m);
	/* Network addresses of many prefixes: the low bits never change, which
	 * defeats a plain multiplicative hash masked to its low bits. */
	base = A("0.0.0.0");
	m = max_bucket(&base, 14, 1u << 20, 1u << 21);
	tap_ok(&t, m <= 10, "2^20 IPv4 /24 network addresses: largest bucket %u", m);
	base = A("2001:db8::");
	m = max_bucket(&base, 7, 1u << 20, 1u << 21);
	tap_ok(&t, m <= 10, "2^20 IPv6 /64 network addresses: largest bucket %u", m);

	/* Bucket counts alone pass the identity hash on sequential keys; linear
	 * probing does not: the keys fill one run, and a miss that lands in it
	 * walks to its end. At load 1/2 a good hash costs about 2.5 probes. */
	unsigned longest;
	double miss;
	base = A("10.0.0.0");
	struct lb_addr absent = A("11.0.0.0");
	probe(&base, &absent, 1u << 20, 1u << 21, &longest, &miss);
	tap_ok(&t, longest <= 128, "linear probing, 2^20 IPv4: longest insert %u probes", longest);
	tap_ok(&t, miss < 4.0, "linear probing, 2^20 IPv4: %.2f probes per miss", miss);
	base = A("2001:db8::");
	absent = A("2001:db8:0:1::");
	probe(&base, &absent, 1u << 20, 1u << 21, &longest, &miss);
	tap_ok(&t, longest <= 128, "linear probing, 2^20 IPv6: longest insert %u probes", longest);
	tap_ok(&t, miss < 4.0, "linear probing, 2^20 IPv6: %.2f probes per miss", miss);
}

static void test_sockaddr(void)
{
	struct sockaddr_storage ss;
	struct lb_addr a = A("192.0.2.1"), b;

	socklen_t len = lb_addr_to_sockaddr(&a, 8080, &ss);
	tap_is_int(&t, len, sizeof(struct sockaddr_in), "sockaddr_in length");
	struct sockaddr_in sin;
	memcpy(&sin, &ss, sizeof(sin));
	tap_is_int(&t, sin.sin_family, AF_INET, "AF_INET");
	tap_is_int(&t, ntohs(sin.sin_port), 8080, "port in network order");
	tap_is_int(&t, ntohl(sin.sin_addr.s_addr), 0xc0000201, "address bytes");
	tap_is_int(&t, lb_addr_from_sockaddr((struct sockaddr *)&ss, &b), 0, "back from sockaddr_in");
	tap_ok(&t, lb_addr_eq(&a, &b), "IPv4 sockaddr round trip");

	a = A("2001:db8::53");
	len = lb_addr_to_sockaddr(&a, 53, &ss);
	tap_is_int(&t, len, sizeof(struct sockaddr_in6), "sockaddr_in6 length");
	struct sockaddr_in6 sin6;
	memcpy(&sin6, &ss, sizeof(sin6));
	tap_is_int(&t, sin6.sin6_family, AF_INET6, "AF_INET6");
	tap_is_int(&t, ntohs(sin6.sin6_port), 53, "port in network order");
	tap_ok(&t, !memcmp(&sin6.sin6_addr, a.b, 16), "address bytes");
	tap_is_int(&t, lb_addr_from_sockaddr((struct sockaddr *)&ss, &b), 0, "back from sockaddr_in6");
	tap_ok(&t, lb_addr_eq(&a, &b), "IPv6 sockaddr round trip");

	a = A("::ffff:192.0.2.1");
	lb_addr_to_sockaddr(&a, 0, &ss);
	lb_addr_from_sockaddr((struct sockaddr *)&ss, &b);
	tap_is_int(&t, b.family, LB_AF_INET6, "IPv4-mapped sockaddr_in6 stays IPv6");

	struct sockaddr_un sun;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	tap_is_int(&t, lb_addr_from_sockaddr((struct sockaddr *)&sun, &b), -1, "AF_UNIX refused");
	tap_is_int(&t, lb_addr_from_sockaddr(NULL, &b), -1, "NULL refused");
}

int main(void)
{
	test_parse_valid();
	test_parse_invalid();
	test_format();
	test_cmp();
	test_next_prev();
	test_add_diff();
	test_u128();
	test_prefix();
	test_prefix_contains_cover();
	test_range();
	test_contains_overlaps();
	test_count();
	test_prefixes();
	test_hash();
	test_sockaddr();
	return tap_done(&t);
}
