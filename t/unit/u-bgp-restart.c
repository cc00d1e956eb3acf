/* lib/bgp_restart: the planned-restart record of graceful restart. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bgp_restart.h"
#include "tap.h"

static struct tap t;

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

int main(void)
{
	char dir[] = "/tmp/u-bgp-restart.XXXXXX";
	if (!mkdtemp(dir))
		return 1;
	char path[128];
	snprintf(path, sizeof(path), "%s/restart", dir);
	struct lb_err err;
	bool r = true;
	long age = 0;

	tap_ok(&t, lb_bgp_restart_take(path, 1000, 120, &r, &age, &err) == 0 && !r,
	       "no file: no restart");
	tap_ok(&t, lb_bgp_restart_mark(path, 1000, &err) == 0 && access(path, F_OK) == 0,
	       "a planned restart is recorded");
	tap_ok(&t, lb_bgp_restart_take(path, 1030, 120, &r, &age, &err) == 0 && r && age == 30,
	       "taken 30 s later with a restart time of 120 s: restarting, age 30");
	tap_ok(&t, access(path, F_OK) < 0, "taking removes it");
	tap_ok(&t, lb_bgp_restart_take(path, 1031, 120, &r, &age, &err) == 0 && !r,
	       "so a second start (a crash later) is not a restart");

	lb_bgp_restart_mark(path, 1000, &err);
	tap_ok(&t, lb_bgp_restart_take(path, 1121, 120, &r, &age, &err) == 0 && !r && age == 121,
	       "older than the restart time: the routers have dropped us, no restart");
	lb_bgp_restart_mark(path, 1000, &err);
	tap_ok(&t, lb_bgp_restart_take(path, 1120, 120, &r, &age, &err) == 0 && r,
	       "exactly the restart time: still a restart");
	lb_bgp_restart_mark(path, 2000, &err);
	tap_ok(&t, lb_bgp_restart_take(path, 1000, 120, &r, &age, &err) == 0 && !r,
	       "a record from the future (clock stepped back): not trusted");

	put(path, "{\"restarting\":false,\"time\":1000}\n");
	tap_ok(&t, lb_bgp_restart_take(path, 1000, 120, &r, &age, &err) == 0 && !r,
	       "restarting false: no restart");
	put(path, "garbage");
	tap_ok(&t, lb_bgp_restart_take(path, 1000, 120, &r, &age, &err) < 0 && !r &&
		   strstr(err.msg, path) && access(path, F_OK) < 0,
	       "malformed: an error naming the file, no restart, and the file is gone");
	put(path, "{\"restarting\":true}");
	tap_ok(&t, lb_bgp_restart_take(path, 1000, 120, &r, &age, &err) < 0 && !r &&
		   strstr(err.msg, "needs"),
	       "without a time: refused");
	char big[600];
	memset(big, ' ', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	memcpy(big, "{\"restarting\":true,\"time\":1000}", 31);
	put(path, big);
	tap_ok(&t, lb_bgp_restart_take(path, 1000, 120, &r, &age, &err) < 0 && !r &&
		   strstr(err.msg, "too long"),
	       "a file longer than any record: refused");
	snprintf(path, sizeof(path), "%s/no/such/dir/restart", dir);
	tap_ok(&t, lb_bgp_restart_mark(path, 1000, &err) < 0 && strstr(err.msg, "restart state"),
	       "an unwritable path is an error");
	snprintf(path, sizeof(path), "%s/restart", dir);
	unlink(path);
	rmdir(dir);
	return tap_done(&t);
}
