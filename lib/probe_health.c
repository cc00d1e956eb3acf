#include "probe_health.h"

void lb_health_init(struct lb_health *h, unsigned rise, unsigned fall)
{
	h->state = LB_HEALTH_UNKNOWN;
	h->rise = rise ? rise : 1;
	h->fall = fall ? fall : 1;
	h->run = 0;
	h->run_ok = 0;
}

int lb_health_feed(struct lb_health *h, int ok)
{
	ok = !!ok;
	if (h->run && h->run_ok == ok) {
		if (h->run < 0xffffffffu)
			h->run++;
	} else {
		h->run = 1;
		h->run_ok = ok;
	}
	enum lb_health_state want = ok ? LB_HEALTH_UP : LB_HEALTH_DOWN;
	if (h->state == want || h->run < (ok ? h->rise : h->fall))
		return 0;
	h->state = want;
	return 1;
}

const char *lb_health_name(enum lb_health_state s)
{
	switch (s) {
	case LB_HEALTH_UP:
		return "UP";
	case LB_HEALTH_DOWN:
		return "DOWN";
	case LB_HEALTH_UNKNOWN:
		break;
	}
	return "UNKNOWN";
}
