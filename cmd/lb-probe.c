/* lb-probe: health checks with rise/fall debouncing, as a stream of UP/DOWN
 * lines for the pipeline or, with --once, as one table and an exit code for
 * cron, CI and exec probes. The engine is lib/probe.c; this is glue. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "atomicfile.h"
#include "cli.h"
#include "emit.h"
#include "exitcode.h"
#include "ndjson.h"
#include "probe.h"
#include "probe_metrics.h"
#include "probe_nodes.h"
#include "privs.h"
#include "probe_slices.h"
#include "sig.h"

enum { OPT_TARGETS = 1 };

struct opts {
	int once, all, insecure, no_stdin;
	char *interval, *timeout, *rise, *fall, *spread;
	char *expect_status, *body, *host_header, *method, *ca_file, *cert, *key;
	char *metrics;
	char *endpoint_target;
	char *node_target;
	char **files;
	size_t nfiles;
};

struct run {
	struct lb_cli cli;
	struct opts o;
	struct lb_probe_opts defaults;
	struct lb_probe *probe;
	int json;
	int output_failed;
	int metrics_dirty;
	json_t *slices; /* "ns/name" -> the targets that slice gave */
	json_t *nodes;  /* node name -> the target it gave */
	json_t *owners; /* target -> how many slices and nodes give it */
	int warned_slice, warned_node;
	json_t *from_files; /* targets the --targets files gave, for SIGHUP */
	json_t *loading;    /* while reading those files: where to note targets */
	int64_t metrics_written_ms;
};

static int on_option(void *ctx, int val, const char *arg, struct lb_err *err)
{
	struct opts *o = ctx;
	if (val != OPT_TARGETS)
		return lb_err_set(err, "unknown option");
	char **grown = realloc(o->files, (o->nfiles + 1) * sizeof(*grown));
	if (!grown)
		return lb_err_set(err, "out of memory");
	o->files = grown;
	/* popt reuses its argument buffers. */
	if (!(o->files[o->nfiles] = strdup(arg)))
		return lb_err_set(err, "out of memory");
	o->nfiles++;
	return 0;
}

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "1500", "1500ms", "1.5s": milliseconds. */
static int parse_ms(const char *s, unsigned min, unsigned *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || errno || !isfinite(v) || v < 0)
		return -1;
	if (!strcmp(end, "s"))
		v *= 1000;
	else if (*end && strcmp(end, "ms"))
		return -1;
	if (v < min || v > 86400000)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static unsigned parse_count(struct run *r, const char *opt, const char *s, unsigned max)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (!*s || *end || errno || v < (max == 100 ? 0 : 1) || v > max)
		lb_cli_usage_error(&r->cli, "%s '%s': expected a number %u-%u", opt, s,
				   max == 100 ? 0 : 1, max);
	return (unsigned)v;
}

/* ---- output ----------------------------------------------------------------- */

static void iso_time(char *buf, size_t len)
{
	struct timeval tv;
	struct tm tm;
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%03ldZ", (long)(tv.tv_usec / 1000));
}

static json_t *record(const char *type, const char *target, enum lb_health_state state, int ok,
		      const char *reason, double rtt_ms, int with_result)
{
	char now[40];
	iso_time(now, sizeof(now));
	json_t *rec = json_object();
	json_object_set_new(rec, "type", json_string(type));
	json_object_set_new(rec, "target", json_string(target));
	if (strcmp(type, "REMOVED"))
		json_object_set_new(rec, "state", json_string(lb_health_name(state)));
	if (with_result)
		json_object_set_new(rec, "result", json_string(ok ? "ok" : "fail"));
	if (reason)
		json_object_set_new(rec, "reason", json_string(reason));
	if (rtt_ms >= 0)
		json_object_set_new(rec, "rtt_ms", json_real(round(rtt_ms * 1000) / 1000));
	json_object_set_new(rec, "time", json_string(now));
	return rec;
}

static void print_record(struct run *r, json_t *rec)
{
	if (!r->output_failed && lb_emit(stdout, rec, r->json) < 0) {
		r->output_failed = 1;
		if (errno != EPIPE)
			lb_warn(&r->cli.log, "standard output");
	}
	json_decref(rec);
}

static void on_result(void *ctx, const struct lb_probe_result *res)
{
	struct run *r = ctx;
	r->metrics_dirty = 1;
	if (r->o.once)
		return;
	if (r->o.all)
		print_record(r, record("CHECK", res->target, res->state, res->ok, res->reason,
				       res->rtt_ms, 1));
	if (res->changed)
		print_record(r, record(lb_health_name(res->state), res->target, res->state,
				       res->ok, res->reason, res->rtt_ms, 0));
	if (res->changed)
		lb_info(&r->cli.log, "%s: %s -> %s, reason: %s", res->target,
			lb_health_name(res->prev), lb_health_name(res->state), res->reason);
}

static void write_metrics(struct run *r)
{
	size_t len;
	struct lb_err err;
	if (!r->o.metrics)
		return;
	char *text = lb_probe_metrics_format(r->probe, &len);
	if (!text) {
		lb_errorx(&r->cli.log, "%s: out of memory", r->o.metrics);
		return;
	}
	if (lb_atomic_write(r->o.metrics, text, len, 0644, &err) < 0)
		lb_errorx(&r->cli.log, "%s", err.msg);
	free(text);
	r->metrics_dirty = 0;
	r->metrics_written_ms = mono_ms();
}

/* ---- targets ----------------------------------------------------------------- */

/* Returns 0, LB_EXIT_USAGE for a bad target, LB_EXIT_ENV when it cannot be
 * checked here (name resolution, ICMP socket). */
static int add_spec(struct run *r, struct lb_probe_spec *spec, const char *where)
{
	struct lb_err err;
	if (r->loading)
		json_object_set_new(r->loading, spec->text, json_true());
	if (lb_probe_add(r->probe, spec, &err) < 0) {
		lb_errorx(&r->cli.log, "%s%s", where, err.msg);
		return LB_EXIT_ENV;
	}
	return 0;
}

static int add_text(struct run *r, const char *text, const char *where)
{
	struct lb_probe_spec spec;
	struct lb_err err;
	if (lb_probe_spec_parse(text, &r->defaults, &spec, &err) < 0) {
		lb_errorx(&r->cli.log, "%s%s", where, err.msg);
		return LB_EXIT_USAGE;
	}
	return add_spec(r, &spec, where);
}

static int in_list(const json_t *list, const char *s)
{
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v) {
		if (!strcmp(json_string_value(v), s))
			return 1;
	}
	return 0;
}

static void remove_target(struct run *r, const char *target)
{
	if (lb_probe_remove(r->probe, target) < 0)
		return;
	if (!r->o.once)
		print_record(r, record("REMOVED", target, LB_HEALTH_UNKNOWN, 0, NULL, -1, 0));
	r->metrics_dirty = 1;
}

/* A target may come from several watched objects (two slices listing the
 * same endpoint, a node and a backend on one address): it is checked once
 * and stays until the last object that gives it lets it go. */
static void own_target(struct run *r, const char *target, const char *where)
{
	json_t *n = json_object_get(r->owners, target);
	if (n) {
		json_integer_set(n, json_integer_value(n) + 1);
		return;
	}
	json_object_set_new(r->owners, target, json_integer(1));
	add_text(r, target, where);
}

static void release_target(struct run *r, const char *target)
{
	json_t *n = json_object_get(r->owners, target);
	if (!n)
		return;
	if (json_integer_value(n) > 1) {
		json_integer_set(n, json_integer_value(n) - 1);
		return;
	}
	remove_target(r, target);
	json_object_del(r->owners, target);
}

/* lb-watch EndpointSlice events: each slice's endpoints become targets by
 * --endpoint-target; a change adds and removes the difference. */
static int slice_event(struct run *r, const char *type, const json_t *slice, const char *where)
{
	struct lb_err err;
	char key[600];
	if (!r->o.endpoint_target) {
		if (!r->warned_slice++)
			lb_errorx(&r->cli.log, "%san EndpointSlice event, but no --endpoint-target: "
				  "EndpointSlice events are ignored", where);
		return 0;
	}
	if (lb_probe_slice_key(slice, key, sizeof(key), &err) < 0) {
		lb_errorx(&r->cli.log, "%s%s", where, err.msg);
		return LB_EXIT_USAGE;
	}
	json_t *old = json_object_get(r->slices, key);
	json_t *now = !strcmp(type, "DELETED") ? json_array()
					       : lb_probe_slice_targets(slice, r->o.endpoint_target, &err);
	if (!now) {
		lb_errorx(&r->cli.log, "%s%s: %s", where, key, err.msg);
		return LB_EXIT_USAGE;
	}
	size_t i;
	json_t *v;
	json_array_foreach(old, i, v) {
		if (!in_list(now, json_string_value(v)))
			release_target(r, json_string_value(v));
	}
	json_array_foreach(now, i, v) {
		const char *t = json_string_value(v);
		if (in_list(old, t))
			continue;
		char at[700];
		snprintf(at, sizeof(at), "%sEndpointSlice %s: ", where, key);
		own_target(r, t, at);
	}
	if (json_array_size(now))
		json_object_set_new(r->slices, key, now);
	else {
		json_object_del(r->slices, key);
		json_decref(now);
	}
	return 0;
}

/* lb-watch Node events: each node becomes one target by --node-target; a
 * changed address replaces it, DELETED removes it. */
static int node_event(struct run *r, const char *type, const json_t *node, const char *where)
{
	struct lb_err err;
	if (!r->o.node_target) {
		if (!r->warned_node++)
			lb_errorx(&r->cli.log, "%sa Node event, but no --node-target: Node events "
				  "are ignored", where);
		return 0;
	}
	const char *name = lb_probe_node_name(node, &err);
	if (!name) {
		lb_errorx(&r->cli.log, "%s%s", where, err.msg);
		return LB_EXIT_USAGE;
	}
	char target[LB_PROBE_MAX_TARGET];
	int have = 0;
	if (strcmp(type, "DELETED")) {
		have = lb_probe_node_target(node, r->o.node_target, target, sizeof(target), &err);
		if (have < 0) {
			lb_errorx(&r->cli.log, "%s%s", where, err.msg);
			return LB_EXIT_USAGE;
		}
	}
	const char *old = json_string_value(json_object_get(r->nodes, name));
	if (old && have && !strcmp(old, target))
		return 0;
	if (old)
		release_target(r, old);
	if (!have) {
		if (!old)
			lb_debug(&r->cli.log, "%sNode %s: no InternalIP or ExternalIP yet", where, name);
		json_object_del(r->nodes, name);
		return 0;
	}
	json_object_set_new(r->nodes, name, json_string(target));
	char at[700];
	snprintf(at, sizeof(at), "%sNode %s: ", where, name);
	own_target(r, target, at);
	return 0;
}

static int watch_event(struct run *r, const char *type, const json_t *obj, const char *where)
{
	const json_t *o = json_object_get(obj, "object");
	const char *kind = json_string_value(json_object_get(o, "kind"));
	if (!strcmp(type, "SYNCED") || !strcmp(type, "BOOKMARK") || !kind)
		return 0;
	if (!strcmp(kind, "EndpointSlice"))
		return slice_event(r, type, o, where);
	if (!strcmp(kind, "Node"))
		return node_event(r, type, o, where);
	return 0;
}

static int add_line(struct run *r, const json_t *obj, const char *where)
{
	const char *type = json_string_value(json_object_get(obj, "type"));
	if (type && (!strcmp(type, "ADDED") || !strcmp(type, "MODIFIED") ||
		     !strcmp(type, "DELETED") || !strcmp(type, "SYNCED") ||
		     !strcmp(type, "BOOKMARK")))
		return watch_event(r, type, obj, where);

	struct lb_probe_spec spec;
	struct lb_err err;
	const char *remove;
	int cmd = lb_probe_line_parse(obj, &r->defaults, &spec, &remove, &err);
	if (cmd < 0) {
		lb_errorx(&r->cli.log, "%s%s", where, err.msg);
		return LB_EXIT_USAGE;
	}
	if (cmd == LB_PROBE_CMD_REMOVE) {
		if (lb_probe_remove(r->probe, remove) < 0) {
			lb_warnx(&r->cli.log, "%sREMOVE '%s': no such target", where, remove);
			return 0;
		}
		if (!r->o.once)
			print_record(r, record("REMOVED", remove, LB_HEALTH_UNKNOWN, 0, NULL, -1, 0));
		r->metrics_dirty = 1;
		return 0;
	}
	return add_spec(r, &spec, where);
}

/* A targets file: one target a line, or an ADD object line; '#' comments. */
static int load_file(struct run *r, const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	if (!f) {
		lb_error(&r->cli.log, "%s", path);
		return LB_EXIT_USAGE;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned long lineno = 0;
	int rc = 0;
	while ((n = getline(&line, &cap, f)) >= 0) {
		char where[4200];
		lineno++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' ' ||
				 line[n - 1] == '\t'))
			line[--n] = '\0';
		char *s = line + strspn(line, " \t");
		if (!*s || *s == '#')
			continue;
		snprintf(where, sizeof(where), "%s:%lu: ", path, lineno);
		int one;
		if (*s == '{') {
			json_error_t jerr;
			json_t *obj = json_loads(s, JSON_REJECT_DUPLICATES, &jerr);
			if (!json_is_object(obj)) {
				lb_errorx(&r->cli.log, "%s%s", where, obj ? "expected an object" : jerr.text);
				one = LB_EXIT_USAGE;
			} else {
				one = add_line(r, obj, where);
			}
			json_decref(obj);
		} else {
			one = add_text(r, s, where);
		}
		if (one && !rc)
			rc = one;
	}
	free(line);
	if (f != stdin)
		fclose(f);
	return rc;
}

/* SIGHUP: the files are read again; targets they no longer give go, new
 * ones come, the others keep their state (and take changed options). */
static void reload_files(struct run *r)
{
	json_t *old = r->from_files;
	r->from_files = json_object();
	r->loading = r->from_files;
	for (size_t i = 0; i < r->o.nfiles; i++) {
		if (strcmp(r->o.files[i], "-"))
			load_file(r, r->o.files[i]);
	}
	r->loading = NULL;
	const char *key;
	json_t *v;
	json_object_foreach(old, key, v) {
		if (!json_object_get(r->from_files, key))
			remove_target(r, key);
	}
	json_decref(old);
	lb_info(&r->cli.log, "targets files read again: %zu targets from them",
		json_object_size(r->from_files));
}

/* ---- the loop ----------------------------------------------------------------- */

static int read_stdin(struct run *r, struct lb_ndjson_reader *rd, int *eof)
{
	struct lb_err err;
	ssize_t n = lb_ndjson_read_fd(rd, 0, &err);
	if (n == 0) {
		*eof = 1;
	} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
		lb_warn(&r->cli.log, "standard input");
		*eof = 1;
	}
	json_t *obj;
	int st;
	while ((st = lb_ndjson_next(rd, &obj, &err)) != LB_NDJSON_AGAIN) {
		if (st == LB_NDJSON_BAD) {
			lb_errorx(&r->cli.log, "%s", err.msg);
			continue;
		}
		char where[64];
		snprintf(where, sizeof(where), "<stdin>:%lu: ", rd->lineno);
		add_line(r, obj, where);
		json_decref(obj);
	}
	return 0;
}

static int loop(struct run *r, int use_stdin)
{
	struct lb_err err;
	int sfd = lb_sig_open(0, &err);
	if (sfd < 0)
		lb_fatalx(&r->cli.log, LB_EXIT_ENV, "%s", err.msg);
	struct lb_ndjson_reader rd;
	lb_ndjson_reader_init(&rd, "<stdin>", 0);
	int eof = !use_stdin;
	if (use_stdin)
		fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
	int code = -1;
	while (code < 0) {
		struct curl_waitfd fds[2] = {{sfd, CURL_WAIT_POLLIN, 0}, {0, CURL_WAIT_POLLIN, 0}};
		int wait = -1;
		if (r->o.metrics)
			wait = 1000;
		if (lb_probe_step(r->probe, fds, eof ? 1 : 2, wait, &err) < 0)
			lb_fatalx(&r->cli.log, LB_EXIT_ENV, "%s", err.msg);
		if (fds[0].revents) {
			int sig = lb_sig_read(sfd);
			if (sig == SIGHUP)
				reload_files(r);
			else if (sig > 0)
				code = lb_sig_exit_code(sig);
		}
		if (!eof && fds[1].revents)
			read_stdin(r, &rd, &eof);
		if (r->metrics_dirty && mono_ms() - r->metrics_written_ms >= 1000)
			write_metrics(r);
		if (r->o.once && eof && lb_probe_undecided(r->probe) == 0)
			code = LB_EXIT_OK;
		else if (!r->o.once && eof && lb_probe_count(r->probe) == 0)
			code = LB_EXIT_OK;
		if (r->output_failed)
			code = LB_EXIT_ENV;
	}
	lb_ndjson_reader_free(&rd);
	close(sfd);
	return code;
}

/* Capabilities serve only to open raw ICMP sockets (CAP_NET_RAW): both
 * are opened now, for the targets given and those that come on stdin,
 * then every capability goes, before any packet or line is read. Without
 * capabilities there is nothing to drop, and ICMP sockets are the
 * unprivileged datagram kind, opened at the first icmp:// target. */
static void drop_privileges(struct run *r)
{
	struct lb_err err;
	if (!lb_privs_held())
		return;
	for (int v6 = 0; v6 < 2; v6++) {
		if (lb_probe_icmp_open(r->probe, v6, &err) < 0)
			lb_debug(&r->cli.log, "%s", err.msg);
	}
	if (lb_privs_drop_all(&err) < 0)
		lb_fatalx(&r->cli.log, LB_EXIT_ENV, "%s", err.msg);
	lb_debug(&r->cli.log, "ICMP sockets open, every capability dropped");
}

/* ---- --once: the verdicts --------------------------------------------------- */

struct verdicts {
	struct run *r;
	int any_down;
	size_t width;
};

static void measure(void *ctx, const struct lb_probe_status *st)
{
	struct verdicts *v = ctx;
	size_t len = strlen(st->target);
	if (len > v->width)
		v->width = len;
}

static void verdict(void *ctx, const struct lb_probe_status *st)
{
	struct verdicts *v = ctx;
	if (st->state != LB_HEALTH_UP)
		v->any_down = 1;
	if (v->r->json) {
		print_record(v->r, record(lb_health_name(st->state), st->target, st->state,
					  st->last_ok, st->last_reason, st->last_rtt_ms, 0));
		return;
	}
	char rtt[32] = "-";
	if (st->last_rtt_ms >= 0)
		snprintf(rtt, sizeof(rtt), "%.1f ms", st->last_rtt_ms);
	if (!v->r->output_failed &&
	    printf("%-*s  %-5s  %9s  %s\n", (int)v->width, st->target, lb_health_name(st->state),
		   rtt, st->last_reason) < 0)
		v->r->output_failed = 1;
}

static int report_once(struct run *r)
{
	struct verdicts v = {r, 0, 6};
	lb_probe_each(r->probe, measure, &v);
	if (!r->json && printf("%-*s  %-5s  %9s  %s\n", (int)v.width, "TARGET", "STATE", "RTT",
			       "REASON") < 0)
		r->output_failed = 1;
	lb_probe_each(r->probe, verdict, &v);
	fflush(stdout);
	return v.any_down ? LB_EXIT_NEGATIVE : LB_EXIT_OK;
}

int main(int argc, const char **argv)
{
	static struct run r;
	const struct poptOption options[] = {
		{"once", '1', POPT_ARG_NONE, &r.o.once, 0,
		 "check every target until its first verdict, print them and exit 0 if all are "
		 "UP, 1 if any is DOWN", NULL},
		{"all", 'a', POPT_ARG_NONE, &r.o.all, 0,
		 "stream mode: print every check result (CHECK lines), not only transitions", NULL},
		{"targets", 'f', POPT_ARG_STRING, NULL, OPT_TARGETS,
		 "read targets from FILE, one a line or ADD objects; - for stdin (repeatable)",
		 "FILE"},
		{"no-stdin", 0, POPT_ARG_NONE, &r.o.no_stdin, 0,
		 "do not read ADD/REMOVE lines from standard input", NULL},
		{"interval", 0, POPT_ARG_STRING, &r.o.interval, 0,
		 "time between two checks of a target (default: 2s)", "DURATION"},
		{"timeout", 't', POPT_ARG_STRING, &r.o.timeout, 0,
		 "how long a check may take (default: 1s)", "DURATION"},
		{"rise", 0, POPT_ARG_STRING, &r.o.rise, 0,
		 "consecutive successes that make a target UP (default: 2; with --once: 1)", "N"},
		{"fall", 0, POPT_ARG_STRING, &r.o.fall, 0,
		 "consecutive failures that make a target DOWN (default: 3; with --once: 1)", "N"},
		{"spread", 0, POPT_ARG_STRING, &r.o.spread, 0,
		 "random jitter of each interval, in percent (default: 0)", "PERCENT"},
		{"expect-status", 's', POPT_ARG_STRING, &r.o.expect_status, 0,
		 "HTTP status codes that count as up (default: 200-399)", "CODE[-CODE][,...]"},
		{"body", 'b', POPT_ARG_STRING, &r.o.body, 0,
		 "HTTP: the response body must contain TEXT", "TEXT"},
		{"host-header", 'H', POPT_ARG_STRING, &r.o.host_header, 0,
		 "HTTP: send this Host header", "NAME"},
		{"method", 'm', POPT_ARG_STRING, &r.o.method, 0, "HTTP: request method (default: GET)",
		 "METHOD"},
		{"ca-file", 0, POPT_ARG_STRING, &r.o.ca_file, 0,
		 "HTTPS: verify servers against the CAs in FILE (default: the system's)", "FILE"},
		{"insecure", 'k', POPT_ARG_NONE, &r.o.insecure, 0,
		 "HTTPS: do not verify the server's certificate", NULL},
		{"cert", 0, POPT_ARG_STRING, &r.o.cert, 0, "HTTPS: client certificate (PEM)", "FILE"},
		{"key", 0, POPT_ARG_STRING, &r.o.key, 0, "HTTPS: client certificate's key (PEM)",
		 "FILE"},
		{"endpoint-target", 0, POPT_ARG_STRING, &r.o.endpoint_target, 0,
		 "turn lb-watch EndpointSlice events on stdin into targets: {ip}, {addr} and {port} "
		 "are filled in per endpoint", "TEMPLATE"},
		{"node-target", 0, POPT_ARG_STRING, &r.o.node_target, 0,
		 "turn lb-watch Node events on stdin into one target per node: {ip} and {addr} are "
		 "its InternalIP (else ExternalIP), {name} its name", "TEMPLATE"},
		{"metrics", 0, POPT_ARG_STRING, &r.o.metrics, 0,
		 "write Prometheus text-format metrics to FILE (atomically, at most once a second)",
		 "FILE"},
		POPT_TABLEEND,
	};
	const struct lb_cli_spec spec = {
		.prog = "lb-probe",
		.args = "[OPTION...] [TARGET...]",
		.summary = "Health checks (tcp://HOST:PORT, http(s)://..., icmp://HOST, exec:COMMAND) "
			   "with rise/fall:\nUP/DOWN lines on transitions, or with --once a verdict "
			   "and an exit code.",
		.man_section = "1",
		.options = options,
		.on_option = on_option,
		.ctx = &r.o,
	};
	lb_cli_parse(&r.cli, &spec, argc, argv);
	r.json = lb_cli_json_output(&r.cli);

	struct lb_probe_opts *d = &r.defaults;
	struct lb_err err;
	d->interval_ms = 2000;
	d->timeout_ms = 1000;
	d->rise = r.o.once ? 1 : 2;
	d->fall = r.o.once ? 1 : 3;
	if (r.o.interval && parse_ms(r.o.interval, 10, &d->interval_ms) < 0)
		lb_cli_usage_error(&r.cli, "--interval '%s': expected a duration like 500ms or 2s, "
				   "at least 10ms", r.o.interval);
	if (r.o.timeout && parse_ms(r.o.timeout, 1, &d->timeout_ms) < 0)
		lb_cli_usage_error(&r.cli, "--timeout '%s': expected a duration like 500ms or 2s",
				   r.o.timeout);
	if (r.o.rise)
		d->rise = parse_count(&r, "--rise", r.o.rise, 1000);
	if (r.o.fall)
		d->fall = parse_count(&r, "--fall", r.o.fall, 1000);
	unsigned spread = r.o.spread ? parse_count(&r, "--spread", r.o.spread, 100) : 0;
	if (r.o.expect_status && lb_probe_status_parse(r.o.expect_status, d, &err) < 0)
		lb_cli_usage_error(&r.cli, "--expect-status %s", err.msg);
	if (r.o.method && (!*r.o.method || strpbrk(r.o.method, " \t\r\n")))
		lb_cli_usage_error(&r.cli, "--method '%s': expected one word", r.o.method);
	if (r.o.host_header && (!*r.o.host_header || strpbrk(r.o.host_header, " \t\r\n")))
		lb_cli_usage_error(&r.cli, "--host-header '%s': expected a host name", r.o.host_header);
	if (r.o.endpoint_target && lb_probe_slice_template_ok(r.o.endpoint_target, &err) < 0)
		lb_cli_usage_error(&r.cli, "--endpoint-target %s", err.msg);
	if (r.o.node_target && lb_probe_node_template_ok(r.o.node_target, &err) < 0)
		lb_cli_usage_error(&r.cli, "--node-target %s", err.msg);
	r.slices = json_object();
	r.nodes = json_object();
	r.owners = json_object();
	if (r.o.key && !r.o.cert)
		lb_cli_usage_error(&r.cli, "--key goes with --cert");
	d->body = r.o.body;
	d->host_header = r.o.host_header;
	d->method = r.o.method;
	d->insecure = r.o.insecure;
	d->ca_file = r.o.ca_file;
	d->cert = r.o.cert;
	d->key = r.o.key;

	/* A descriptor per check in flight: thousands of targets need more than
	 * the usual soft limit of 1024, and the hard limit is the operator's
	 * say. (select() is never used, so descriptors above 1024 are fine.) */
	struct rlimit rl;
	unsigned long child_nofile = 0;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		child_nofile = (unsigned long)rl.rlim_cur;
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
			lb_warn(&r.cli.log, "cannot raise the descriptor limit");
			child_nofile = 0;
		}
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		lb_fatalx(&r.cli.log, LB_EXIT_ENV, "cannot initialise libcurl");
	struct lb_probe_config cfg = {&r.cli.log, on_result, &r, r.o.once, spread, 100,
				      child_nofile};
	r.probe = lb_probe_new(&cfg, &err);
	if (!r.probe)
		lb_fatalx(&r.cli.log, LB_EXIT_ENV, "%s", err.msg);

	/* Every bad target is named before giving up, not only the first. */
	int code = 0;
	for (int i = 0; i < r.cli.nargs; i++) {
		int one = add_text(&r, r.cli.args[i], "");
		if (one && (!code || one == LB_EXIT_USAGE))
			code = one;
	}
	int stdin_in_files = 0;
	r.from_files = json_object();
	r.loading = r.from_files;
	for (size_t i = 0; i < r.o.nfiles; i++) {
		int one = load_file(&r, r.o.files[i]);
		stdin_in_files |= !strcmp(r.o.files[i], "-");
		if (one && (!code || one == LB_EXIT_USAGE))
			code = one;
	}
	r.loading = NULL;
	if (code) {
		lb_probe_free(r.probe);
		json_decref(r.from_files);
		json_decref(r.slices);
	json_decref(r.nodes);
	json_decref(r.owners);
		curl_global_cleanup();
		return lb_cli_finish(&r.cli, code);
	}
	drop_privileges(&r);
	/* --once reads stdin only when no target was given otherwise; the stream
	 * reads it for ADD and REMOVE lines unless told not to. */
	int use_stdin = !r.o.no_stdin && !stdin_in_files;
	if (r.o.once && (r.cli.nargs || r.o.nfiles))
		use_stdin = 0;
	if (r.o.once && !use_stdin && lb_probe_count(r.probe) == 0)
		lb_cli_usage_error(&r.cli, "no targets");
	code = loop(&r, use_stdin);
	if (code == LB_EXIT_OK && r.o.once && lb_probe_count(r.probe) == 0)
		lb_cli_usage_error(&r.cli, "no targets on standard input");
	if (code == LB_EXIT_OK && r.o.once)
		code = report_once(&r);
	if (r.o.metrics)
		write_metrics(&r);
	struct lb_probe_stats stats;
	lb_probe_get_stats(r.probe, &stats);
	lb_debug(&r.cli.log, "checks started: %lu, more than 100 ms late: %lu, latest: %lld ms",
		 stats.checks, stats.late, (long long)stats.max_late_ms);
	lb_probe_free(r.probe);
	json_decref(r.slices);
	json_decref(r.nodes);
	json_decref(r.owners);
	json_decref(r.from_files);
	curl_global_cleanup();
	for (size_t i = 0; i < r.o.nfiles; i++)
		free(r.o.files[i]);
	free(r.o.files);
	return lb_cli_finish(&r.cli, code);
}
