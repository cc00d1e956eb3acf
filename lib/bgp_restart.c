#include "bgp_restart.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "atomicfile.h"

int lb_bgp_restart_mark(const char *path, time_t now, struct lb_err *err)
{
	char text[96];
	int n = snprintf(text, sizeof(text), "{\"restarting\":true,\"time\":%lld}\n", (long long)now);
	if (lb_atomic_write(path, text, (size_t)n, 0600, err) < 0)
		return lb_err_prefix(err, "restart state");
	return 0;
}

int lb_bgp_restart_take(const char *path, time_t now, unsigned max_age, bool *restarting,
			long *age, struct lb_err *err)
{
	json_error_t je;
	*restarting = false;
	*age = -1;
	/* Small and ours: anything bigger is not a record. */
	FILE *f = fopen(path, "r");
	if (!f) {
		if (errno == ENOENT)
			return 0;
		return lb_err_set(err, "restart state %s: %s", path, strerror(errno));
	}
	char text[256];
	size_t len = fread(text, 1, sizeof(text) - 1, f);
	bool too_big = len == sizeof(text) - 1 && fgetc(f) != EOF;
	fclose(f);
	unlink(path);
	text[len] = 0;
	if (too_big)
		return lb_err_set(err, "restart state %s: not a record (too long)", path);
	json_t *rec = json_loads(text, 0, &je);
	if (!rec)
		return lb_err_set(err, "restart state %s: %s", path, je.text);
	const json_t *r = json_object_get(rec, "restarting");
	const json_t *t = json_object_get(rec, "time");
	if (!json_is_boolean(r) || !json_is_integer(t)) {
		json_decref(rec);
		return lb_err_set(err, "restart state %s: needs \"restarting\" and \"time\"", path);
	}
	long long then = json_integer_value(t);
	json_decref(rec);
	if (!json_is_true(r))
		return 0;
	/* A clock stepped backwards gives a negative age: not trusted either. */
	if (then > (long long)now || (long long)now - then > (long long)max_age) {
		*age = then > (long long)now ? -1 : (long)((long long)now - then);
		return 0;
	}
	*age = (long)((long long)now - then);
	*restarting = true;
	return 0;
}
