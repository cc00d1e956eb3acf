#include "atomicfile.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int lb_atomic_write(const char *path, const void *data, size_t len, mode_t mode,
		    struct lb_err *err)
{
	char tmp[4096];
	struct stat st;
	/* rename() would replace a device or a directory entry of any kind:
	 * only a regular file (or none yet) may be replaced. */
	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return lb_err_set(err, "%s: not a regular file; refusing to replace it", path);
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= (int)sizeof(tmp))
		return lb_err_set(err, "%s: path too long", path);
	int fd = mkstemp(tmp);
	if (fd < 0)
		return lb_err_set(err, "%s: cannot create a temporary file beside it: %s", path,
				  strerror(errno));
	if (fchmod(fd, mode) < 0 || write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		int e = errno;
		close(fd);
		unlink(tmp);
		return lb_err_set(err, "%s: %s", tmp, strerror(e));
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		return lb_err_set(err, "%s: %s", path, strerror(e));
	}
	/* The rename itself must reach the disk, or a crash can bring back the old file. */
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s", path);
	int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

int lb_lock_path(const char *path, int exclusive, struct lb_err *err)
{
	char lock[4096];
	if (snprintf(lock, sizeof(lock), "%s.lock", path) >= (int)sizeof(lock))
		return lb_err_set(err, "%s: path too long", path);
	int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0 && !exclusive && errno == EACCES)
		fd = open(lock, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return lb_err_set(err, "%s: %s", lock, strerror(errno));
	while (flock(fd, exclusive ? LOCK_EX : LOCK_SH) < 0) {
		if (errno != EINTR) {
			int e = errno;
			close(fd);
			return lb_err_set(err, "%s: flock: %s", lock, strerror(e));
		}
	}
	return fd;
}
