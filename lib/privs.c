#include <errno.h>
#include <linux/capability.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "privs.h"

/* The raw system calls: libcap would be a dependency for two calls. */
static int caps_get(struct __user_cap_data_struct data[2])
{
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	memset(data, 0, 2 * sizeof(*data));
	return (int)syscall(SYS_capget, &hdr, data);
}

int lb_privs_held(void)
{
	struct __user_cap_data_struct data[2];
	if (caps_get(data) < 0)
		return 0;
	return data[0].permitted || data[1].permitted;
}

int lb_privs_drop_all(struct lb_err *err)
{
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct data[2];
	/* Ambient capabilities would come back at the next execve. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return lb_err_set(err, "cannot clear the ambient capabilities: %s", strerror(errno));
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capset, &hdr, data) < 0)
		return lb_err_set(err, "cannot drop capabilities: %s", strerror(errno));
	if (caps_get(data) < 0)
		return lb_err_set(err, "capget: %s", strerror(errno));
	if (data[0].permitted || data[1].permitted || data[0].effective || data[1].effective)
		return lb_err_set(err, "capabilities still held after dropping them");
	return 0;
}
