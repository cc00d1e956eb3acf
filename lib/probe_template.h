/* Target templates shared by --endpoint-target and --node-target: a target
 * string with {ip}, {addr}, {port} and {name} filled in. Pure code. */
#ifndef LB_PROBE_TEMPLATE_H
#define LB_PROBE_TEMPLATE_H

#include <stddef.h>

#include "err.h"

enum lb_probe_tmpl_var {
	LB_PROBE_TMPL_IP = 1 << 0,   /* the address, in brackets when IPv6 (URLs) */
	LB_PROBE_TMPL_ADDR = 1 << 1, /* the address bare */
	LB_PROBE_TMPL_PORT = 1 << 2,
	LB_PROBE_TMPL_NAME = 1 << 3,
};

struct lb_probe_tmpl_values {
	const char *addr; /* NULL: none */
	long port;
	const char *name; /* NULL: none */
};

/* The placeholders tmpl uses (a mask of enum lb_probe_tmpl_var); -1 with a
 * message naming the template when it uses one outside allowed, or none
 * of need. */
int lb_probe_template_check(const char *tmpl, unsigned allowed, unsigned need,
			    struct lb_err *err);

/* Fills tmpl into out; -1 when the result does not fit in cap or a value
 * the template uses is missing. */
int lb_probe_template_fill(const char *tmpl, const struct lb_probe_tmpl_values *v, char *out,
			   size_t cap);

#endif
