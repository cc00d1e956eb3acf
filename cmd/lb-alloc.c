/* lb-alloc: IP address management for LoadBalancer Services.
 *
 * Pipeline mode reads lb-watch events on stdin and prints one line per
 * decision; standalone mode keeps assignments in a locked state file for
 * scripts (get, release, show, list, pools). */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "alloc_input.h"
#include "atomicfile.h"
#include "cli.h"
#include "emit.h"
#include "exitcode.h"
#include "manifest.h"
#include "line_input.h"
#include "ndjson.h"
#include "output.h"
#include "pool.h"
#include "service.h"
#include "sig.h"

enum {
	OPT_POOL = 1,
	OPT_POOLS_FILE,
	OPT_IP,
};

struct opts {
	const char **pools;
	size_t npools;
	const char **pool_files;
	size_t npool_files;
	char *lb_class;
	char *configmap;
	char *require_sync;
	char *state;
	char *ip;
	char *from_pool;
	char *family;
	char *shared_key;
};

struct run {
	struct lb_cli cli;
	struct opts o;
	struct lb_alloc *alloc;
	struct lb_alloc_input input;
	int json;
	int output_failed;
	unsigned long bad_input;
	struct lb_table *table; /* list and pools on a terminal */
	/* Standalone: changes to other Services are reported on stderr only. */
	const char *quiet_for_others;
};

static int push(const char ***list, size_t *n, const char *v, struct lb_err *err)
{
	const char **grown = realloc(*list, (*n + 1) * sizeof(*grown));
	if (!grown)
		return lb_err_set(err, "out of memory");
	*list = grown;
	(*list)[(*n)++] = v;
	return 0;
}

static int on_option(void *ctx, int val, const char *arg, struct lb_err *err)
{
	struct opts *o = ctx;
	char *copy = arg ? strdup(arg) : NULL;
	if (!copy)
		return lb_err_set(err, "out of memory");
	switch (val) {
	case OPT_POOL:
		return push(&o->pools, &o->npools, copy, err);
	case OPT_POOLS_FILE:
		return push(&o->pool_files, &o->npool_files, copy, err);
	}
	free(copy);
	return lb_err_set(err, "unknown option");
}

/* ---- output -------------------------------------------------------------- */

static json_t *ips_json(const struct lb_addr *ips, size_t n)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++) {
		char buf[LB_ADDR_STRLEN];
		json_array_append_new(arr, json_string(lb_addr_format(&ips[i], buf)));
	}
	return arr;
}

static const char *type_name(enum lb_alloc_type t)
{
	switch (t) {
	case LB_ALLOC_ASSIGNED:
		return "ASSIGNED";
	case LB_ALLOC_RELEASED:
		return "RELEASED";
	case LB_ALLOC_PENDING:
		return "PENDING";
	case LB_ALLOC_ERROR:
		return "ERROR";
	}
	return "?";
}

static json_t *record(enum lb_alloc_type type, const char *service, const struct lb_addr *ips,
		      size_t nips, const char *pool, const char *reason)
{
	json_t *rec = json_object();
	json_object_set_new(rec, "type", json_string(type_name(type)));
	json_object_set_new(rec, "service", json_string(service));
	if (type != LB_ALLOC_PENDING && (nips || type != LB_ALLOC_ERROR))
		json_object_set_new(rec, "ips", ips_json(ips, nips));
	if (pool)
		json_object_set_new(rec, "pool", json_string(pool));
	if (reason)
		json_object_set_new(rec, "reason", json_string(reason));
	return rec;
}

static void print_record(struct run *r, json_t *rec)
{
	if (r->table && !r->json) {
		lb_table_add(r->table, rec);
		return;
	}
	lb_output_record(stdout, rec, r->json, &r->output_failed, &r->cli.log);
}

static void on_event(void *ctx, const struct lb_alloc_event *ev)
{
	struct run *r = ctx;
	json_t *rec = record(ev->type, ev->service, ev->ips, ev->nips, ev->pool, ev->reason);
	if (r->quiet_for_others && strcmp(r->quiet_for_others, ev->service)) {
		/* Standalone: say what happened to other Services, but on stderr. */
		char *line = json_dumps(rec, JSON_COMPACT);
		lb_info(&r->cli.log, "state file: %s", line ? line : "?");
		free(line);
		json_decref(rec);
		return;
	}
	if (r->quiet_for_others) {
		json_decref(rec);
		return;
	}
	print_record(r, rec);
}

/* ---- pools from options and files ------------------------------------------ */

static int load_pool_specs(struct run *r)
{
	struct lb_err err;
	for (size_t i = 0; i < r->o.npools; i++) {
		struct lb_pool_def *def;
		if (lb_pool_from_spec(r->o.pools[i], &def, &err) < 0)
			lb_cli_usage_error(&r->cli, "--pool %s", err.msg);
		char source[300];
		snprintf(source, sizeof(source), "--pool %s", def->name);
		if (lb_alloc_set_pools(r->alloc, source, &def, 1, &err) < 0)
			lb_fatalx(&r->cli.log, LB_EXIT_ENV, "%s", err.msg);
	}
	return 0;
}

struct file_pools {
	struct run *r;
	struct lb_pool_list list;
};

static int file_object(void *ctx, json_t *obj, const char *name, unsigned long line)
{
	struct file_pools *fp = ctx;
	const char *kind = json_string_value(json_object_get(obj, "kind"));
	struct lb_err err;
	if (kind && !strcmp(kind, "IPAddressPool")) {
		struct lb_pool_def *def;
		if (lb_pool_from_ipaddresspool(obj, &def, &err) < 0) {
			lb_errorx(&fp->r->cli.log, "%s:%lu: %s", name, line, err.msg);
			fp->list.bad++;
			return 0;
		}
		lb_pool_list_add(&fp->list, def);
	} else if (kind && !strcmp(kind, "ConfigMap")) {
		if (lb_pool_from_configmap(obj, lb_pool_list_collect, &fp->list, &err) < 0) {
			lb_errorx(&fp->r->cli.log, "%s:%lu: %s", name, line, err.msg);
			fp->list.bad++;
		}
	} else {
		lb_debug(&fp->r->cli.log, "%s:%lu: ignoring %s", name, line, kind ? kind : "object");
	}
	return 0;
}

/* A file is one source: reloading it (SIGHUP) replaces all its pools. */
static int load_pool_file(struct run *r, const char *path)
{
	struct file_pools fp = {r, {&r->cli.log, NULL, 0, 0}};
	struct lb_err err;
	char source[4200];
	if (lb_manifest_load_file(path, file_object, &fp, &err) < 0) {
		lb_errorx(&r->cli.log, "%s", err.msg);
		lb_pool_list_free(&fp.list);
		return -1;
	}
	snprintf(source, sizeof(source), "file %s", path);
	if (lb_alloc_set_pools(r->alloc, source, fp.list.defs, fp.list.n, &err) < 0)
		lb_errorx(&r->cli.log, "%s", err.msg);
	free(fp.list.defs); /* the allocator owns the pools now */
	return fp.list.bad ? -1 : 0;
}

/* ---- pipeline: lb-watch events ---------------------------------------------- */

static int handle_event(void *ctx, json_t *ev, struct lb_err *err)
{
	struct run *r = ctx;
	return lb_alloc_handle_event(&r->input, ev, err);
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
			if (sig == SIGHUP) {
				lb_info(&r->cli.log, "SIGHUP: reloading pool files");
				for (size_t i = 0; i < r->o.npool_files; i++)
					load_pool_file(r, r->o.pool_files[i]);
			} else if (sig > 0) {
				code = lb_sig_exit_code(sig);
				break;
			}
		}
		if (pfd[0].revents) {
			ssize_t n = lb_ndjson_read_fd(&rd, STDIN_FILENO, &err);
			if (n < 0 && errno != EAGAIN && errno != EINTR)
				lb_fatalx(&r->cli.log, LB_EXIT_ENV, "%s", err.msg);
			r->bad_input += lb_line_input_drain(&rd, handle_event, r, &r->cli.log);
			if (n == 0)
				break;
		}
		if (r->output_failed) {
			code = LB_EXIT_ENV;
			break;
		}
	}
	if (!lb_alloc_is_synced(r->alloc) && code == LB_EXIT_OK) {
		char buf[200];
		lb_warnx(&r->cli.log, "input ended before SYNCED from: %s; nothing was allocated",
			 lb_alloc_awaiting(r->alloc, buf, sizeof(buf)));
	}
	lb_ndjson_reader_free(&rd);
	close(sfd);
	if (code == LB_EXIT_OK && r->bad_input)
		code = LB_EXIT_USAGE;
	return code;
}

/* ---- standalone: the state file ---------------------------------------------- */

static json_t *load_state(struct run *r)
{
	FILE *f = fopen(r->o.state, "r");
	if (!f) {
		if (errno == ENOENT)
			return json_pack("{s:i, s:o}", "version", 1, "services", json_object());
		lb_fatal(&r->cli.log, LB_EXIT_ENV, "%s", r->o.state);
	}
	json_error_t jerr;
	json_t *st = json_loadf(f, JSON_REJECT_DUPLICATES, &jerr);
	fclose(f);
	if (!st)
		lb_fatalx(&r->cli.log, LB_EXIT_USAGE, "%s:%d: not a valid state file: %s", r->o.state,
			  jerr.line, jerr.text);
	const json_t *pools = json_object_get(st, "pools");
	if (json_integer_value(json_object_get(st, "version")) != 1 ||
	    !json_is_object(json_object_get(st, "services")) || (pools && !json_is_array(pools)))
		lb_fatalx(&r->cli.log, LB_EXIT_USAGE, "%s: not an lb-alloc state file (version 1)",
			  r->o.state);
	return st;
}

static void now_rfc3339(char *buf, size_t size)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The request of `get` as a Service object, the form the allocator reads. */
static json_t *request_object(struct run *r, const char *key, const json_t *old)
{
	const char *slash = strchr(key, '/');
	char ns[256];
	snprintf(ns, sizeof(ns), "%.*s", (int)(slash - key), key);
	const char *created = json_string_value(
		json_object_get(json_object_get(old, "metadata"), "creationTimestamp"));
	char now[32];
	if (!created) {
		now_rfc3339(now, sizeof(now));
		created = now;
	}
	json_t *anns = json_object();
	if (r->o.from_pool)
		json_object_set_new(anns, LB_ANN_POOL, json_string(r->o.from_pool));
	if (r->o.ip)
		json_object_set_new(anns, LB_ANN_IPS, json_string(r->o.ip));
	if (r->o.shared_key)
		json_object_set_new(anns, LB_ANN_SHARE, json_string(r->o.shared_key));
	json_t *spec = json_pack("{s:s}", "type", "LoadBalancer");
	const char *fam = r->o.family;
	if (fam) {
		if (!strcmp(fam, "ipv4") || !strcmp(fam, "4"))
			json_object_set_new(spec, "ipFamilies", json_pack("[s]", "IPv4"));
		else if (!strcmp(fam, "ipv6") || !strcmp(fam, "6"))
			json_object_set_new(spec, "ipFamilies", json_pack("[s]", "IPv6"));
		else if (!strcmp(fam, "dual"))
			json_object_set_new(spec, "ipFamilyPolicy", json_string("RequireDualStack"));
		else if (!strcmp(fam, "prefer-dual"))
			json_object_set_new(spec, "ipFamilyPolicy", json_string("PreferDualStack"));
		else
			lb_cli_usage_error(&r->cli, "--family: '%s' is not ipv4, ipv6, dual or prefer-dual",
					   fam);
	}
	json_t *obj = json_pack("{s:s, s:s, s:{s:s, s:s, s:s, s:o}, s:o}", "apiVersion", "v1", "kind",
				"Service", "metadata", "namespace", ns, "name", slash + 1,
				"creationTimestamp", created, "annotations", anns, "spec", spec);
	const json_t *status = json_object_get(old, "status");
	if (status)
		json_object_set(obj, "status", (json_t *)status);
	return obj;
}

static json_t *status_json(const struct lb_alloc_state *st)
{
	json_t *ingress = json_array();
	for (size_t i = 0; i < st->nips; i++) {
		char buf[LB_ADDR_STRLEN];
		json_array_append_new(ingress, json_pack("{s:s}", "ip", lb_addr_format(&st->ips[i], buf)));
	}
	return json_pack("{s:{s:o}}", "loadBalancer", "ingress", ingress);
}

struct save_ctx {
	struct run *r;
	json_t *services;
};

static void update_status(void *ctx, const char *key, const struct lb_alloc_state *st)
{
	struct save_ctx *sc = ctx;
	json_t *obj = json_object_get(sc->services, key);
	if (!obj)
		return;
	json_object_set_new(obj, "status", status_json(st));
	json_t *anns = json_object_get(json_object_get(obj, "metadata"), "annotations");
	if (st->pool)
		json_object_set_new(anns, LB_ANN_ALLOCATED, json_string(st->pool));
	else
		json_object_del(anns, LB_ANN_ALLOCATED);
}

static void collect_pool(void *ctx, const struct lb_alloc_pool_info *info)
{
	json_array_append((json_t *)ctx, info->def->object);
}

/* Pools given on the command line, else those stored with the claims: a
 * release or show without --pool must not see every claim as poolless. */
static void stored_pools(struct run *r, json_t *st)
{
	const json_t *pools = json_object_get(st, "pools");
	size_t i;
	json_t *obj;
	json_array_foreach(pools, i, obj) {
		struct lb_pool_def *def;
		struct lb_err err;
		char source[300];
		if (lb_pool_from_ipaddresspool(obj, &def, &err) < 0)
			lb_fatalx(&r->cli.log, LB_EXIT_USAGE, "%s: pools[%zu]: %s", r->o.state, i, err.msg);
		snprintf(source, sizeof(source), "state pool %s", def->name);
		if (lb_alloc_set_pools(r->alloc, source, &def, 1, &err) < 0)
			lb_fatalx(&r->cli.log, LB_EXIT_ENV, "%s", err.msg);
	}
}

static void save_state(struct run *r, json_t *st)
{
	struct save_ctx sc = {r, json_object_get(st, "services")};
	lb_alloc_each_service(r->alloc, update_status, &sc);
	json_t *pools = json_array();
	lb_alloc_each_pool(r->alloc, collect_pool, pools);
	json_object_set_new(st, "pools", pools);
	char *text = json_dumps(st, JSON_INDENT(1) | JSON_SORT_KEYS);
	struct lb_err err;
	if (!text)
		lb_fatalx(&r->cli.log, LB_EXIT_ENV, "%s: out of memory", r->o.state);
	size_t len = strlen(text);
	text[len] = '\n';
	if (lb_atomic_write(r->o.state, text, len + 1, 0644, &err) < 0)
		lb_fatalx(&r->cli.log, LB_EXIT_ENV, "%s", err.msg);
	free(text);
}

static void check_key(struct run *r, const char *key)
{
	const char *slash = key ? strchr(key, '/') : NULL;
	if (!slash || slash == key || !slash[1] || strchr(slash + 1, '/') || slash - key > 253 ||
	    strlen(slash + 1) > 63)
		lb_cli_usage_error(&r->cli, "'%s': expected NAMESPACE/NAME", key ? key : "");
}

static int print_state(struct run *r, const char *key, const struct lb_alloc_state *st)
{
	enum lb_alloc_type t = st->type;
	print_record(r, record(t, key, st->ips, st->nips, st->pool, st->reason));
	if (t == LB_ALLOC_ASSIGNED)
		return LB_EXIT_OK;
	return t == LB_ALLOC_ERROR ? LB_EXIT_USAGE : LB_EXIT_NEGATIVE;
}

static void print_list_entry(void *ctx, const char *key, const struct lb_alloc_state *st)
{
	print_state(ctx, key, st);
}

static void print_pool(void *ctx, const struct lb_alloc_pool_info *info)
{
	struct run *r = ctx;
	const struct lb_pool_def *d = info->def;
	json_t *rec = json_pack("{s:s, s:s}", "type", "POOL", "name", d->name);
	json_t *ranges = json_array();
	char size[LB_U128_STRLEN] = "0";
	struct lb_u128 total = {0, 0};
	int huge = 0;
	for (size_t i = 0; i < d->nranges; i++) {
		char buf[LB_RANGE_STRLEN];
		struct lb_u128 c;
		json_array_append_new(ranges, json_string(lb_range_format(&d->ranges[i], buf)));
		if (lb_range_count(&d->ranges[i], &c))
			huge = 1;
		struct lb_u128 sum = lb_u128_add(total, c);
		if (lb_u128_cmp(sum, total) < 0)
			huge = 1;
		total = sum;
	}
	if (huge)
		snprintf(size, sizeof(size), ">%s", "340282366920938463463374607431768211455");
	else
		lb_u128_format(total, size);
	json_object_set_new(rec, "ranges", ranges);
	json_object_set_new(rec, "size", json_string(size));
	json_object_set_new(rec, "used", json_integer((json_int_t)(info->used[0] + info->used[1])));
	json_object_set_new(rec, "autoAssign", json_boolean(d->auto_assign));
	json_object_set_new(rec, "avoidBuggyIPs", json_boolean(d->avoid_buggy));
	if (d->priority)
		json_object_set_new(rec, "priority", json_integer(d->priority));
	json_object_set_new(rec, "active", json_boolean(info->active));
	json_object_set_new(rec, "source", json_string(d->origin));
	if (info->reason)
		json_object_set_new(rec, "reason", json_string(info->reason));
	print_record(r, rec);
}

static int standalone(struct run *r, const char *cmd)
{
	const char *key = r->cli.nargs > 1 ? r->cli.args[1] : NULL;
	int writes = !strcmp(cmd, "get") || !strcmp(cmd, "release");
	int needs_key = writes || !strcmp(cmd, "show");
	if (!writes && !needs_key && strcmp(cmd, "list") && strcmp(cmd, "pools"))
		lb_cli_usage_error(&r->cli, "'%s': unknown command (get, release, show, list, pools)", cmd);
	if (needs_key)
		check_key(r, key);
	if (r->cli.nargs > (needs_key ? 2 : 1))
		lb_cli_usage_error(&r->cli, "'%s': unexpected argument", r->cli.args[needs_key ? 2 : 1]);
	if ((r->o.ip || r->o.from_pool || r->o.family || r->o.shared_key) && strcmp(cmd, "get"))
		lb_cli_usage_error(&r->cli, "--ip, --from-pool, --family and --shared-key go with get");
	if (!r->o.state && strcmp(cmd, "pools"))
		lb_cli_usage_error(&r->cli, "%s needs --state FILE", cmd);

	struct lb_err err;
	int lock = -1;
	json_t *st = NULL, *services = NULL;
	if (r->o.state) {
		lock = lb_lock_path(r->o.state, writes, &err);
		if (lock < 0)
			lb_fatalx(&r->cli.log, LB_EXIT_ENV, "%s", err.msg);
		st = load_state(r);
		services = json_object_get(st, "services");
		if (!r->o.npools && !r->o.npool_files)
			stored_pools(r, st);
	}
	/* Decide nothing until every stored claim is in: oldest claims win. */
	lb_alloc_require_sync(r->alloc, "State");
	r->quiet_for_others = key ? key : "";
	const char *k;
	json_t *obj;
	json_object_foreach(services, k, obj) {
		if (lb_alloc_set_service(r->alloc, obj, &err) < 0)
			lb_fatalx(&r->cli.log, LB_EXIT_USAGE, "%s: %s: %s", r->o.state, k, err.msg);
	}
	lb_alloc_synced(r->alloc, "State");

	int code = LB_EXIT_OK;
	struct lb_alloc_state as;
	if (!strcmp(cmd, "get")) {
		json_t *req = request_object(r, key, json_object_get(services, key));
		if (lb_alloc_set_service(r->alloc, req, &err) < 0)
			lb_fatalx(&r->cli.log, LB_EXIT_USAGE, "%s", err.msg);
		json_object_set_new(services, key, req);
		lb_alloc_lookup(r->alloc, key, &as);
		code = print_state(r, key, &as);
		if (as.type == LB_ALLOC_PENDING || (as.type == LB_ALLOC_ERROR && !as.nips))
			json_object_del(services, key); /* no claim to keep */
	} else if (!strcmp(cmd, "release")) {
		if (lb_alloc_lookup(r->alloc, key, &as) == 0 && as.nips)
			print_record(r, record(LB_ALLOC_RELEASED, key, as.ips, as.nips, NULL, NULL));
		else
			lb_info(&r->cli.log, "%s holds no address", key);
		lb_alloc_delete_service(r->alloc, key);
		json_object_del(services, key);
	} else if (!strcmp(cmd, "show")) {
		if (lb_alloc_lookup(r->alloc, key, &as) < 0) {
			lb_info(&r->cli.log, "%s is not in %s", key, r->o.state);
			code = LB_EXIT_NEGATIVE;
		} else {
			code = print_state(r, key, &as);
		}
	} else {
		struct lb_table table;
		lb_table_init(&table);
		r->table = &table;
		if (!strcmp(cmd, "list"))
			lb_alloc_each_service(r->alloc, print_list_entry, r);
		else
			lb_alloc_each_pool(r->alloc, print_pool, r);
		r->table = NULL;
		if (!r->json && lb_table_print(stdout, &table) < 0 && errno != EPIPE)
			r->output_failed = 1;
		json_decref(table.rows);
	}
	if (writes)
		save_state(r, st);
	json_decref(st);
	if (lock >= 0)
		close(lock);
	return r->output_failed ? LB_EXIT_ENV : code;
}

int main(int argc, const char **argv)
{
	static struct run r;
	const struct poptOption options[] = {
		{"pool", 'p', POPT_ARG_STRING, NULL, OPT_POOL,
		 "an address pool (repeatable; named default without NAME=); RANGE is a CIDR, "
		 "FIRST-LAST or one address", "[NAME=]RANGE[,RANGE...]"},
		{"pools", 'f', POPT_ARG_STRING, NULL, OPT_POOLS_FILE,
		 "read IPAddressPool objects and the legacy MetalLB ConfigMap from a YAML or JSON "
		 "manifest file (repeatable; re-read on SIGHUP)", "FILE"},
		{"class", 0, POPT_ARG_STRING, &r.o.lb_class, 0,
		 "serve Services of this spec.loadBalancerClass (default: only Services without one)",
		 "NAME"},
		{"configmap", 0, POPT_ARG_STRING, &r.o.configmap, 0,
		 "the legacy MetalLB ConfigMap to read pools from (default: metallb-system/config)",
		 "NS/NAME"},
		{"require-sync", 0, POPT_ARG_STRING, &r.o.require_sync, 0,
		 "kinds that must send SYNCED before any address is handed out, or none (default: "
		 "Service, and IPAddressPool unless pools come from --pool or --pools)",
		 "KIND[,KIND...]|none"},
		{"state", 's', POPT_ARG_STRING, &r.o.state, 0,
		 "standalone mode: keep assignments in FILE (locked, replaced atomically)", "FILE"},
		{"ip", 0, POPT_ARG_STRING, &r.o.ip, 0,
		 "get: request these addresses (at most one per family)", "ADDR[,ADDR]"},
		{"from-pool", 0, POPT_ARG_STRING, &r.o.from_pool, 0, "get: take the address from this pool",
		 "NAME"},
		{"family", 0, POPT_ARG_STRING, &r.o.family, 0,
		 "get: ipv4 (default), ipv6, dual or prefer-dual", "FAMILY"},
		{"shared-key", 0, POPT_ARG_STRING, &r.o.shared_key, 0,
		 "get: may share an address with others of this key", "KEY"},
		POPT_TABLEEND,
	};
	static const char *const words[] = {"get", "release", "show", "list", "pools", NULL};
	const struct lb_cli_spec spec = {
		.prog = "lb-alloc",
		.args = "[OPTION...] [get|release|show NS/NAME | list | pools]",
		.summary = "Assign LoadBalancer addresses from pools: lb-watch events on stdin, "
			   "one line per decision on stdout;\nor, with --state, a standalone IPAM "
			   "for scripts.",
		.man_section = "1",
		.options = options,
		.words = words,
		.on_option = on_option,
		.ctx = &r.o,
	};
	lb_cli_parse(&r.cli, &spec, argc, argv);
	r.json = lb_cli_json_output(&r.cli);
	if (!r.o.configmap)
		r.o.configmap = "metallb-system/config";

	struct lb_alloc_opts ao = {r.o.lb_class, &r.cli.log, on_event, &r};
	r.alloc = lb_alloc_new(&ao);
	if (!r.alloc)
		lb_fatalx(&r.cli.log, LB_EXIT_ENV, "out of memory");
	r.input = (struct lb_alloc_input){r.alloc, r.o.configmap, &r.cli.log};

	load_pool_specs(&r);
	int pool_errors = 0;
	for (size_t i = 0; i < r.o.npool_files; i++)
		pool_errors |= load_pool_file(&r, r.o.pool_files[i]) < 0;

	int code;
	if (r.cli.nargs > 0) {
		code = standalone(&r, r.cli.args[0]);
	} else {
		if (r.o.state || r.o.ip || r.o.from_pool || r.o.family || r.o.shared_key)
			lb_cli_usage_error(&r.cli, "--state, --ip, --from-pool, --family and --shared-key "
					   "need a command (get, release, show, list, pools)");
		const char *kinds = r.o.require_sync;
		if (!kinds)
			kinds = (r.o.npools || r.o.npool_files) ? "Service" : "Service,IPAddressPool";
		/* "none": the input cannot send SYNCED (e.g. objects from kubectl). */
		char *copy = strdup(strcmp(kinds, "none") ? kinds : ""), *save = NULL;
		for (char *k = strtok_r(copy, ",", &save); k; k = strtok_r(NULL, ",", &save)) {
			if (lb_alloc_require_sync(r.alloc, k) < 0)
				lb_fatalx(&r.cli.log, LB_EXIT_ENV, "out of memory");
		}
		free(copy);
		code = pipeline(&r);
	}
	if (code == LB_EXIT_OK && pool_errors)
		code = LB_EXIT_USAGE;
	lb_alloc_free(r.alloc);
	return lb_cli_finish(&r.cli, code);
}
