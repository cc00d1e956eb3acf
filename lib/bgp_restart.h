/* The memory of a planned restart, for RFC 4724 graceful restart. A
 * speaker that restarts on purpose (SIGUSR2) closes its sessions without
 * NOTIFICATION so the routers keep its routes; the next process must then
 * say in its OPEN that it has restarted (the Restart State bit, §3), and
 * only it: a fresh start or a crash must not. The old process leaves a
 * small state file; the new one takes it (reads and removes it at once, so
 * a later crash is not taken for a planned restart) and believes it only
 * when it is younger than the restart time the routers were promised. */
#ifndef LB_BGP_RESTART_H
#define LB_BGP_RESTART_H

#include <stdbool.h>
#include <time.h>

#include "err.h"

/* Records a planned restart at now (wall-clock seconds), atomically. */
int lb_bgp_restart_mark(const char *path, time_t now, struct lb_err *err);

/* Reads and removes the record. *restarting is true when it records a
 * planned restart no more than max_age seconds before now. A missing file
 * is no restart (0); an unreadable or malformed one is removed too and
 * reported (-1, *restarting false). */
int lb_bgp_restart_take(const char *path, time_t now, unsigned max_age, bool *restarting,
			long *age, struct lb_err *err);

#endif
