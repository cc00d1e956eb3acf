/* lib/output.c: records reach the output until the first write error,
 * which is sticky; a closed pipe is quiet, other errors are reported. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "output.h"
#include "logbuf.h"
#include "tap.h"

static json_t *rec(const char *ip)
{
	return json_pack("{s:s, s:s}", "type", "ANNOUNCE", "ip", ip);
}

static void test_written(struct tap *t)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	struct logbuf lb;
	logbuf_open(&lb, "u-output");
	int failed = 0;
	json_t *r1 = rec("192.0.2.10");
	json_incref(r1);
	lb_output_record(out, r1, 1, &failed, &lb.log);
	tap_is_int(t, r1->refcount, 1, "the caller's reference is dropped");
	json_decref(r1);
	lb_output_record(out, rec("2001:db8::10"), 0, &failed, &lb.log);
	fclose(out);
	logbuf_close(&lb);
	tap_is_str(t, text, "{\"type\":\"ANNOUNCE\",\"ip\":\"192.0.2.10\"}\nANNOUNCE 2001:db8::10\n",
		   "one JSON line, then one text line, as asked");
	tap_is_int(t, failed, 0, "no error: not failed");
	tap_is_int(t, lb.len, 0, "no error: nothing logged");
	free(text);
	free(lb.text);
}

static void test_full(struct tap *t)
{
	FILE *out = fopen("/dev/full", "w");
	if (!out) {
		tap_ok(t, 0, "/dev/full opens");
		return;
	}
	struct logbuf lb;
	logbuf_open(&lb, "u-output");
	int failed = 0;
	lb_output_record(out, rec("192.0.2.10"), 1, &failed, &lb.log);
	tap_is_int(t, failed, 1, "ENOSPC: failed is set");
	lb_output_record(out, rec("192.0.2.11"), 1, &failed, &lb.log);
	logbuf_close(&lb);
	tap_ok(t, lb.text && strstr(lb.text, "u-output: warning: standard output: No space left"),
	       "ENOSPC: reported with strerror");
	tap_ok(t, lb.text && !strchr(strchr(lb.text, '\n') + 1, '\n'),
	       "reported once: after the first error nothing more is written");
	fclose(out);
	free(lb.text);
}

static void test_closed_pipe(struct tap *t)
{
	int p[2];
	if (pipe(p) < 0) {
		tap_ok(t, 0, "pipe");
		return;
	}
	signal(SIGPIPE, SIG_IGN); /* as lb_sig_open leaves every tool */
	close(p[0]);
	FILE *out = fdopen(p[1], "w");
	struct logbuf lb;
	logbuf_open(&lb, "u-output");
	int failed = 0;
	lb_output_record(out, rec("192.0.2.10"), 0, &failed, &lb.log);
	logbuf_close(&lb);
	tap_is_int(t, failed, 1, "EPIPE: failed is set");
	tap_is_int(t, lb.len, 0, "EPIPE: the next stage ended, nothing logged");
	fclose(out);
	free(lb.text);

	FILE *dummy = fopen("/dev/null", "w");
	logbuf_open(&lb, "u-output");
	failed = 1;
	lb_output_record(dummy, rec("192.0.2.10"), 1, &failed, &lb.log);
	logbuf_close(&lb);
	tap_ok(t, ftell(dummy) == 0, "already failed: nothing is written");
	fclose(dummy);
	free(lb.text);
}

int main(void)
{
	struct tap t = {0};
	test_written(&t);
	test_full(&t);
	test_closed_pipe(&t);
	return tap_done(&t);
}
