/* An address from its text for unit tests: all zeros (family unset) when
 * the text is not an address, so a typo in a test fails its checks. */
#ifndef LB_T_TESTADDR_H
#define LB_T_TESTADDR_H

#include <string.h>

#include "addr.h"

static inline struct lb_addr test_ip(const char *s)
{
	struct lb_addr a;
	struct lb_err err;
	if (lb_addr_parse(s, &a, &err) < 0)
		memset(&a, 0, sizeof(a));
	return a;
}

#endif
