/* Capabilities of the running process (Linux capabilities(7)): a tool
 * opens what needs privilege first, then keeps none. */
#ifndef LB_PRIVS_H
#define LB_PRIVS_H

#include "err.h"

/* Whether the process holds any capability (permitted set). */
int lb_privs_held(void);

/* Empties the effective, permitted, inheritable and ambient sets, so that
 * nothing can be raised again. The bounding set is left as it is: a
 * program this process executes gets what its own file capabilities or
 * set-user-ID bit give, as the operator set them up. */
int lb_privs_drop_all(struct lb_err *err);

#endif
