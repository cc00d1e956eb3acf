/* Minimal TAP for the C unit tests: plan at the end, one line per check,
 * failures explain themselves on stderr-free diagnostics (# lines). */
#ifndef LB_TAP_H
#define LB_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct tap {
	int n, failed;
};

#define tap_ok(t, cond, ...) tap_ok_(t, !!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define tap_is_str(t, got, want, ...)                                                  \
	do {                                                                            \
		const char *g_ = (got), *w_ = (want);                                   \
		int same_ = (g_ && w_) ? !strcmp(g_, w_) : g_ == w_;                    \
		tap_ok_(t, same_, __FILE__, __LINE__, __VA_ARGS__);                     \
		if (!same_)                                                             \
			printf("#   got: '%s'\n#  want: '%s'\n", g_ ? g_ : "(null)",  \
			       w_ ? w_ : "(null)");                                     \
	} while (0)
#define tap_is_int(t, got, want, ...)                                                  \
	do {                                                                            \
		long long g_ = (long long)(got), w_ = (long long)(want);                \
		tap_ok_(t, g_ == w_, __FILE__, __LINE__, __VA_ARGS__);                  \
		if (g_ != w_)                                                           \
			printf("#   got: %lld\n#  want: %lld\n", g_, w_);               \
	} while (0)

__attribute__((format(printf, 5, 6))) static inline void
tap_ok_(struct tap *t, int cond, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	t->n++;
	printf("%s %d - ", cond ? "ok" : "not ok", t->n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond) {
		t->failed++;
		printf("#   failed at %s:%d\n", file, line);
	}
	fflush(stdout);
}

/* 1 when got holds exactly want; else 0, and the first difference as a
 * TAP comment. */
static inline int tap_same_bytes(const unsigned char *got, size_t glen, const unsigned char *want,
				 size_t wlen)
{
	if (glen != wlen) {
		printf("#   length: got %zu, want %zu\n", glen, wlen);
		return 0;
	}
	for (size_t i = 0; i < glen; i++)
		if (got[i] != want[i]) {
			printf("#   byte %zu: got 0x%02x, want 0x%02x\n", i, got[i], want[i]);
			return 0;
		}
	return 1;
}

static inline int tap_done(struct tap *t)
{
	printf("1..%d\n", t->n);
	return t->failed ? 1 : 0;
}

#endif
