/* Atomic replacement of a file, and what it refuses to replace. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "tap.h"

int main(void)
{
	struct tap t = {0, 0};
	struct lb_err err = {{0}};
	char dir[] = "/tmp/u-atomicfile.XXXXXX", path[256], link_path[256], buf[64];

	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/state.json", dir);
	tap_ok(&t, lb_atomic_write(path, "one\n", 4, 0644, &err) == 0, "a new file is written");
	tap_ok(&t, lb_atomic_write(path, "two\n", 4, 0600, &err) == 0, "an existing file is replaced");
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	buf[n] = '\0';
	if (f)
		fclose(f);
	tap_is_str(&t, buf, "two\n", "with the new content whole");
	struct stat st;
	tap_ok(&t, stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "and the mode asked for");

	tap_ok(&t, lb_atomic_write(dir, "x", 1, 0644, &err) == -1 && strstr(err.msg, "not a regular file"),
	       "a directory is not replaced: %s", err.msg);
	snprintf(link_path, sizeof(link_path), "%s/link", dir);
	symlink(path, link_path);
	tap_ok(&t, lb_atomic_write(link_path, "x", 1, 0644, &err) == -1, "nor a symbolic link");
	char fifo[300];
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	mkfifo(fifo, 0600);
	tap_ok(&t, lb_atomic_write(fifo, "x", 1, 0644, &err) == -1 && stat(fifo, &st) == 0 &&
		       S_ISFIFO(st.st_mode),
	       "nor a special file (a FIFO here; /dev/null is the one that matters)");
	unlink(fifo);
	char missing[300];
	snprintf(missing, sizeof(missing), "%s/no/such/dir/f", dir);
	tap_ok(&t, lb_atomic_write(missing, "x", 1, 0644, &err) == -1 && strstr(err.msg, missing),
	       "a missing directory is an error naming the path: %s", err.msg);

	int fd = lb_lock_path(path, 1, &err);
	tap_ok(&t, fd >= 0, "an exclusive lock is taken");
	close(fd);
	unlink(link_path);
	unlink(path);
	snprintf(buf, sizeof(buf), "%s.lock", path);
	unlink(buf);
	rmdir(dir);
	return tap_done(&t);
}
