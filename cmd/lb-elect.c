/* lb-elect: which addresses this node announces, and how.
 *
 * Reads lb-watch events and lb-probe lines on stdin and on the --input
 * streams, and prints the ANNOUNCE and WITHDRAW lines that take this node's
 * announcements from what it announced to what the election says now. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "elect.h"
#include "emit.h"
#include "exitcode.h"
#include "health_server.h"
#include "line_input.h"
#include "ndjson.h"
#include "output.h"
#include "sig.h"

#define DEFAULT_SYNC "Service,Node,EndpointSlice,L2Advertisement,BGPAdvertisement"

#define MAX_INPUTS 16
#define OPT_INPUT 1

/* Each stream has its own reader, so lines from two writers never mix. */
struct input {
	char *path; /* NULL for standard input */
	int fd;
	struct lb_ndjson_reader rd;
};

struct run {
	struct lb_cli cli;
	char *node;
	char *require_sync;
	char *health_listen;
	struct input in[MAX_INPUTS];
	size_t ninputs;
	struct lb_health_server *health;
	struct lb_elect *elect;
	int json;
	int output_failed;
	unsigned long bad_input;
	int changed; /* by the lines of this round */
};

static void print_line(void *ctx, json_t *line)
{
	struct run *r = ctx;
	lb_output_record(stdout, line, r->json, &r->output_failed, &r->cli.log);
}

static int handle_line(void *ctx, json_t *ev, struct lb_err *err)
{
	struct run *r = ctx;
	int rc = lb_elect_handle(r->elect, ev, err);
	if (rc > 0)
		r->changed = 1;
	return rc < 0 ? -1 : 0;
}

/* Every line read in one go is applied before the election runs, so a
 * batch (a relist, a node going NotReady with its slices) moves the
 * announcements once, not once per line. */
static int drain(struct run *r, struct lb_ndjson_reader *rd)
{
	r->changed = 0;
	r->bad_input += lb_line_input_drain(rd, handle_line, r, &r->cli.log);
	return r->changed;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A FIFO is opened read-write: with a writer of its own it never reads as
 * ended, so a restarting lb-probe on the other side is not the end of the
 * input (fifo(7)); and the open does not wait for a writer. */
static void open_input(struct run *r, struct input *in)
{
	struct stat st;
	int fd = open(in->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		lb_fatal(&r->cli.log, LB_EXIT_ENV, "%s", in->path);
	if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode)) {
		/* Opened before the first is closed: with no end open for an
		 * instant, what a writer already wrote would be discarded. */
		int rw = open(in->path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
		if (rw < 0)
			lb_fatal(&r->cli.log, LB_EXIT_ENV, "%s", in->path);
		close(fd);
		fd = rw;
	}
	in->fd = fd;
}

/* Reads what one input has; returns 1 when its lines may change the
 * election. Only standard input ending ends lb-elect: an --input file that
 * ends is closed and the others go on. */
static int read_input(struct run *r, struct input *in, int *stdin_ended)
{
	struct lb_err err;
	ssize_t n = lb_ndjson_read_fd(&in->rd, in->fd, &err);
	if (n < 0 && errno != EAGAIN && errno != EINTR)
		lb_fatalx(&r->cli.log, LB_EXIT_ENV, "%s", err.msg);
	int changed = drain(r, &in->rd);
	if (n == 0) {
		if (!in->path) {
			*stdin_ended = 1;
		} else {
			close(in->fd);
			in->fd = -1;
		}
	}
	return changed;
}

static int pipeline(struct run *r)
{
	struct lb_err err;
	int sfd = lb_sig_open(0, &err);
	if (sfd < 0)
		lb_fatalx(&r->cli.log, LB_EXIT_ENV, "%s", err.msg);

	int code = LB_EXIT_OK, stdin_ended = 0;
	while (!stdin_ended) {
		struct pollfd pfd[1 + MAX_INPUTS + 1 + LB_HEALTH_MAX_CLIENTS];
		size_t n = 0;
		pfd[n++] = (struct pollfd){sfd, POLLIN, 0};
		for (size_t i = 0; i < r->ninputs; i++)
			pfd[n++] = (struct pollfd){r->in[i].fd, POLLIN, 0};
		size_t hfirst = n;
		int timeout = -1;
		if (r->health) {
			n += lb_health_server_fds(r->health, pfd + n, sizeof(pfd) / sizeof(pfd[0]) - n);
			timeout = lb_health_server_timeout(r->health, now_ms());
		}
		if (poll(pfd, n, timeout) < 0) {
			if (errno == EINTR)
				continue;
			lb_fatal(&r->cli.log, LB_EXIT_ENV, "poll");
		}
		if (pfd[0].revents && (code = lb_sig_end_code(sfd)) != LB_EXIT_OK)
			break;
		int changed = 0;
		for (size_t i = 0; i < r->ninputs; i++) {
			/* fd -1 (a closed input) is skipped by poll: revents 0. */
			if (pfd[1 + i].revents)
				changed |= read_input(r, &r->in[i], &stdin_ended);
		}
		if (changed && lb_elect_update(r->elect, print_line, r, &err) < 0)
			lb_fatalx(&r->cli.log, LB_EXIT_ENV, "%s", err.msg);
		/* After the lines of this round: a speaker that just synced says so
		 * in the same round. */
		if (r->health)
			lb_health_server_service(r->health, pfd + hfirst, n - hfirst,
						 lb_elect_is_synced(r->elect), now_ms());
		if (r->output_failed) {
			code = LB_EXIT_ENV;
			break;
		}
	}
	if (!lb_elect_is_synced(r->elect) && code == LB_EXIT_OK) {
		char buf[200];
		lb_warnx(&r->cli.log, "input ended before SYNCED from: %s; nothing was announced",
			 lb_elect_awaiting(r->elect, buf, sizeof(buf)));
	}
	close(sfd);
	if (code == LB_EXIT_OK && r->bad_input)
		code = LB_EXIT_USAGE;
	return code;
}

static int on_option(void *ctx, int val, const char *arg, struct lb_err *err)
{
	struct run *r = ctx;
	if (val != OPT_INPUT)
		return 0;
	if (r->ninputs >= MAX_INPUTS)
		return lb_err_set(err, "more than %d inputs", MAX_INPUTS - 1);
	/* popt reuses arg's memory for the next option. */
	if (!(r->in[r->ninputs].path = strdup(arg)))
		return lb_err_set(err, "out of memory");
	r->ninputs++;
	return 0;
}

int main(int argc, const char **argv)
{
	static struct run r;
	const struct poptOption options[] = {
		{"node", 'n', POPT_ARG_STRING, &r.node, 0,
		 "the node this speaker runs on (its metadata.name; required)", "NAME"},
		{"require-sync", 0, POPT_ARG_STRING, &r.require_sync, 0,
		 "kinds that must send SYNCED before anything is announced, or none (default: "
		 "Service, Node, EndpointSlice, L2Advertisement, BGPAdvertisement)",
		 "KIND[,KIND...]|none"},
		{"input", 0, POPT_ARG_STRING, NULL, OPT_INPUT,
		 "also read lines from this file or FIFO (repeatable)", "PATH"},
		{"health-listen", 0, POPT_ARG_STRING, &r.health_listen, 0,
		 "serve GET /healthz over HTTP on this port: 200 once synced, 503 before",
		 "[ADDR:]PORT"},
		POPT_TABLEEND,
	};
	const struct lb_cli_spec spec = {
		.prog = "lb-elect",
		.args = "--node NAME [OPTION...]",
		.summary = "Decide which addresses this node announces over layer 2 and BGP: lb-watch "
			   "events and\nlb-probe lines on stdin, ANNOUNCE and WITHDRAW lines on stdout.",
		.man_section = "8",
		.options = options,
		.on_option = on_option,
		.ctx = &r,
	};
	/* Standard input is the first input; the --input paths follow. */
	r.ninputs = 1;
	lb_cli_parse(&r.cli, &spec, argc, argv);
	r.json = lb_cli_json_output(&r.cli);
	if (r.cli.nargs > 0)
		lb_cli_usage_error(&r.cli, "unexpected argument '%s'", r.cli.args[0]);
	if (!r.node || !*r.node)
		lb_cli_usage_error(&r.cli, "--node NAME is required");
	if (r.health_listen) {
		struct lb_err err;
		if (lb_health_server_check_spec(r.health_listen, &err) < 0)
			lb_cli_usage_error(&r.cli, "--health-listen %s", err.msg);
	}

	r.elect = lb_elect_new(r.node);
	if (!r.elect)
		lb_fatalx(&r.cli.log, LB_EXIT_ENV, "out of memory");
	const char *kinds = r.require_sync ? r.require_sync : DEFAULT_SYNC;
	/* "none": the input cannot send SYNCED (e.g. objects from kubectl). */
	char *copy = strdup(strcmp(kinds, "none") ? kinds : ""), *save = NULL;
	if (!copy)
		lb_fatalx(&r.cli.log, LB_EXIT_ENV, "out of memory");
	for (char *k = strtok_r(copy, ",", &save); k; k = strtok_r(NULL, ",", &save)) {
		if (lb_elect_require_sync(r.elect, k) < 0)
			lb_fatalx(&r.cli.log, LB_EXIT_ENV, "out of memory");
	}
	free(copy);
	for (size_t i = 0; i < r.ninputs; i++) {
		struct input *in = &r.in[i];
		if (in->path)
			open_input(&r, in);
		else
			in->fd = STDIN_FILENO;
		lb_ndjson_reader_init(&in->rd, in->path ? in->path : "<stdin>", LB_NDJSON_MAX_LINE);
	}
	if (r.health_listen) {
		struct lb_err err;
		r.health = lb_health_server_open(r.health_listen, "/healthz", &err);
		if (!r.health)
			lb_fatalx(&r.cli.log, LB_EXIT_ENV, "--health-listen %s", err.msg);
		lb_info(&r.cli.log, "health endpoint on http://%s/healthz",
			lb_health_server_name(r.health));
	}
	int code = pipeline(&r);
	for (size_t i = 0; i < r.ninputs; i++) {
		if (r.in[i].path && r.in[i].fd >= 0)
			close(r.in[i].fd);
		lb_ndjson_reader_free(&r.in[i].rd);
		free(r.in[i].path);
	}
	lb_health_server_close(r.health);
	lb_elect_free(r.elect);
	return lb_cli_finish(&r.cli, code);
}
