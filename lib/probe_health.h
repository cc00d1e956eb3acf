/* Rise/fall debouncing of check results, as HAProxy documents it: a target
 * becomes UP after `rise` consecutive successful checks and DOWN after
 * `fall` consecutive failed ones; a result that breaks a run starts a new
 * one. Before its first verdict a target is UNKNOWN. Pure code. */
#ifndef LB_PROBE_HEALTH_H
#define LB_PROBE_HEALTH_H

enum lb_health_state {
	LB_HEALTH_UNKNOWN = 0,
	LB_HEALTH_UP,
	LB_HEALTH_DOWN,
};

struct lb_health {
	enum lb_health_state state;
	unsigned rise, fall;
	unsigned run;   /* length of the current run of equal results */
	int run_ok;     /* what that run is made of */
};

void lb_health_init(struct lb_health *h, unsigned rise, unsigned fall);

/* Feeds one result; returns 1 when the state changed (h->state is the new
 * one), 0 otherwise. */
int lb_health_feed(struct lb_health *h, int ok);

const char *lb_health_name(enum lb_health_state s);

#endif
