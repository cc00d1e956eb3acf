/* Files that readers must never see half-written (state, metrics): written
 * to a temporary file beside the target, synced, then renamed over it; and
 * an advisory lock so concurrent writers take turns. */
#ifndef LB_ATOMICFILE_H
#define LB_ATOMICFILE_H

#include <stddef.h>
#include <sys/types.h>

#include "err.h"

int lb_atomic_write(const char *path, const void *data, size_t len, mode_t mode,
		    struct lb_err *err);

/* flock() on "PATH.lock" (created if absent), shared or exclusive; returns
 * the descriptor to close for unlocking, or -1. The lock lives in its own
 * file because rename() replaces the data file's inode. */
int lb_lock_path(const char *path, int exclusive, struct lb_err *err);

#endif
