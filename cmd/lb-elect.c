/* lb-elect: which addresses this node announces, and how.
 *
 * Reads lb-watch events and lb-probe lines on stdin, one merged stream, and
 * prints the ANNOUNCE and WITHDRAW lines that take this node's
 * announcements from what it announced to what the election says now. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "elect.h"
#include "emit.h"
#include "exitcode.h"
#include "ndjson.h"
#include "sig.h"

#define DEFAULT_SYNC "Service,Node,EndpointSlice,L2Advertisement,BGPAdvertisement"

struct run {
	struct lb_cli cli;
	char *node;
	char *require_sync;
	struct lb_elect *elect;
	int json;
	int output_failed;
	unsigned long bad_input;
};

static void print_line(void *ctx, json_t *line)
{
	struct run *r = ctx;
	if (!r->output_failed && lb_emit(stdout, line, r->json) < 0) {
		r->output_failed = 1;
		if (errno != EPIPE)
			lb_warn(&r->cli.log, "standard output");
	}
	json_decref(line);
}

/* Every line read in one go is applied before the election runs, so a
 * batch (a relist, a node going NotReady with its slices) moves the
 * announcements once, not once per line. */
static void drain(struct run *r, struct lb_ndjson_reader *rd)
{
	json_t *ev;
	struct lb_err err;
	int st, changed = 0;
	while ((st = lb_ndjson_next(rd, &ev, &err)) != LB_NDJSON_AGAIN) {
		if (st == LB_NDJSON_BAD) {
			lb_errorx(&r->cli.log, "%s", err.msg);
			r->bad_input++;
			continue;
		}
		int rc = lb_elect_handle(r->elect, ev, &err);
		if (rc < 0) {
			lb_errorx(&r->cli.log, "%s:%lu: %s", rd->name, rd->lineno, err.msg);
			r->bad_input++;
		} else if (rc > 0) {
			changed = 1;
		}
		json_decref(ev);
	}
	if (changed && lb_elect_update(r->elect, print_line, r, &err) < 0)
		lb_fatalx(&r->cli.log, LB_EXIT_ENV, "%s", err.msg);
}

static int pipeline(struct run *r)
{
	struct lb_err err;
	int sfd = lb_sig_open(0, &err);
	if (sfd < 0)
		lb_fatalx(&r->cli.log, LB_EXIT_ENV, "%s", err.msg);

	struct lb_ndjson_reader rd;
	lb_ndjson_reader_init(&rd, "<stdin>", LB_NDJSON_MAX_LINE);
	int code = LB_EXIT_OK;
	for (;;) {
		struct pollfd pfd[2] = {{STDIN_FILENO, POLLIN, 0}, {sfd, POLLIN, 0}};
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			lb_fatal(&r->cli.log, LB_EXIT_ENV, "poll");
		}
		if (pfd[1].revents) {
			int sig = lb_sig_read(sfd);
			if (sig > 0 && sig != SIGHUP) {
				code = lb_sig_exit_code(sig);
				break;
			}
		}
		if (pfd[0].revents) {
			ssize_t n = lb_ndjson_read_fd(&rd, STDIN_FILENO, &err);
			if (n < 0 && errno != EAGAIN && errno != EINTR)
				lb_fatalx(&r->cli.log, LB_EXIT_ENV, "%s", err.msg);
			drain(r, &rd);
			if (n == 0)
				break;
		}
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
	lb_ndjson_reader_free(&rd);
	close(sfd);
	if (code == LB_EXIT_OK && r->bad_input)
		code = LB_EXIT_USAGE;
	return code;
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
		POPT_TABLEEND,
	};
	const struct lb_cli_spec spec = {
		.prog = "lb-elect",
		.args = "--node NAME [OPTION...]",
		.summary = "Decide which addresses this node announces over layer 2 and BGP: lb-watch "
			   "events and\nlb-probe lines on stdin, ANNOUNCE and WITHDRAW lines on stdout.",
		.man_section = "8",
		.options = options,
	};
	lb_cli_parse(&r.cli, &spec, argc, argv);
	r.json = lb_cli_json_output(&r.cli);
	if (r.cli.nargs > 0)
		lb_cli_usage_error(&r.cli, "unexpected argument '%s'", r.cli.args[0]);
	if (!r.node || !*r.node)
		lb_cli_usage_error(&r.cli, "--node NAME is required");

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
	int code = pipeline(&r);
	lb_elect_free(r.elect);
	return lb_cli_finish(&r.cli, code);
}
