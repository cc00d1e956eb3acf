/* Exit codes shared by every lbkit tool (documented in lbkit(7)).
 * --probe mode keeps iputils arping's codes, which agree with these. */
#ifndef LB_EXITCODE_H
#define LB_EXITCODE_H

enum lb_exit {
	LB_EXIT_OK = 0,
	LB_EXIT_NEGATIVE = 1, /* a negative answer: no reply, target down, not found */
	LB_EXIT_USAGE = 2,    /* usage error or invalid input */
	LB_EXIT_ENV = 3,      /* the environment failed: permission, interface, API */
};

#endif
