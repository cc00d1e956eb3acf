/* bench-alloc: measures the allocator engine of lb-alloc (lib/alloc.c) and,
 * side by side, a model of MetalLB's linear-scan allocation strategy.
 *
 * Each invocation measures one thing in a fresh process, so the sizes do not
 * share a heap or a peak RSS, and prints one "result" line of key=value
 * pairs that bench/alloc/run turns into a table. A wrong result (an address
 * other than the expected one, a line where none may be, a failed
 * consistency check) exits 1: a fast wrong allocator proves nothing.
 *
 *   bench-alloc assign 4|6 N      N Services, one at a time, after SYNCED
 *   bench-alloc resync N          N Services that hold addresses, then SYNCED
 *   bench-alloc binary LB-ALLOC DIR N   the same re-sync through the binary
 *   bench-alloc model 4|6 N       MetalLB-style linear scan (model)
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "addr.h"
#include "alloc.h"
#include "log.h"
#include "pool.h"
#include "service.h"

/* The addresses below are numbers in memory only: no interface, route or
 * packet ever carries them. IPv4 needs 2^20 addresses, more than any
 * documentation block holds, so the pool starts at 198.18.0.0 (RFC 2544
 * benchmarking space) and runs 2^20 addresses on; that is acceptable here
 * only because the addresses never leave this process. IPv6 uses the
 * documentation prefix (RFC 3849). */
#define POOL_NAME "bench"
#define POOL_V4 "198.18.0.0-198.33.255.255"
#define POOL_V6 "2001:db8::/64"
#define POOL_V4_SIZE (UINT64_C(1) << 20)
/* Re-sync: holders spread over the pool, as after churn, not packed. */
#define RESYNC_STRIDE 10

/* Services are built and freed in batches; only the engine calls on a
 * built batch are timed, and the batch's memory is reused, not retained. */
#define BATCH 1000

static const char *prog = "bench-alloc";

static _Noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static _Noreturn void die(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* VmRSS or VmHWM from /proc/self/status, in KiB. */
static long status_kb(const char *field)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	size_t len = strlen(field);
	long kb = -1;
	if (!f)
		die("/proc/self/status: %s", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, field, len) && line[len] == ':') {
			kb = strtol(line + len + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	if (kb < 0)
		die("/proc/self/status: no %s", field);
	return kb;
}

/* Bytes the heap hands out now (small chunks and mmapped ones): unlike RSS,
 * this is not rounded to pages nor inflated by free memory kept around. */
static size_t heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();
	return mi.uordblks + mi.hblkhd;
}

static size_t parse_count(const char *s)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v == 0 || v > 100000000)
		die("'%s': expected a count from 1 to 100000000", s);
	return (size_t)v;
}

static uint8_t parse_family(const char *s)
{
	if (!strcmp(s, "4"))
		return LB_AF_INET;
	if (!strcmp(s, "6"))
		return LB_AF_INET6;
	die("'%s': expected 4 or 6", s);
}

static struct lb_addr pool_first(uint8_t family)
{
	struct lb_addr a;
	struct lb_err err;
	if (lb_addr_parse(family == LB_AF_INET ? "198.18.0.0" : "2001:db8::", &a, &err) < 0)
		die("%s", err.msg);
	return a;
}

static struct lb_addr addr_plus(struct lb_addr a, uint64_t n)
{
	if (lb_addr_add(&a, (struct lb_u128){0, n}) < 0)
		die("address overflow");
	return a;
}

/* ---- Service objects, as lb-watch shows them ------------------------------- */

static void service_name(size_t i, char *buf, size_t size)
{
	snprintf(buf, size, "svc-%07zu", i);
}

/* Creation times one second apart, so "oldest first" has work to do. */
static void created_at(size_t i, char *buf, size_t size)
{
	time_t t = (time_t)1795305600 + (time_t)i; /* 2026-11-22T00:00:00Z */
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Service i; with status, it already holds `held` (as written by lb-alloc
 * before a restart: the address in its status, the pool in the annotation). */
static json_t *service_object(size_t i, uint8_t family, const struct lb_addr *held)
{
	char name[32], created[32];
	service_name(i, name, sizeof(name));
	created_at(i, created, sizeof(created));
	json_t *anns = json_object();
	json_t *obj = json_pack(
		"{s:s, s:s, s:{s:s, s:s, s:s, s:s, s:o}, s:{s:s, s:[s], s:s, s:[{s:s, s:i, s:s}]}}",
		"apiVersion", "v1", "kind", "Service",
		"metadata", "namespace", "bench", "name", name, "creationTimestamp", created,
		"uid", name, "annotations", anns,
		"spec", "type", "LoadBalancer", "ipFamilies", family == LB_AF_INET ? "IPv4" : "IPv6",
		"ipFamilyPolicy", "SingleStack", "ports", "name", "http", "port", 80, "protocol", "TCP");
	if (!obj)
		die("out of memory building a Service");
	if (held) {
		char ip[LB_ADDR_STRLEN];
		json_object_set_new(anns, LB_ANN_ALLOCATED, json_string(POOL_NAME));
		json_object_set_new(obj, "status",
				    json_pack("{s:{s:[{s:s}]}}", "loadBalancer", "ingress", "ip",
					      lb_addr_format(held, ip)));
	}
	return obj;
}

/* ---- the engine ------------------------------------------------------------- */

struct watch {
	uint8_t family;
	struct lb_addr next; /* the address the next ASSIGNED must carry */
	size_t assigned, other;
	char first_bad[300];
};

static void on_event(void *ctx, const struct lb_alloc_event *ev)
{
	struct watch *w = ctx;
	/* Lowest free address first: Service i must get the pool's i-th address. */
	if (ev->type == LB_ALLOC_ASSIGNED && ev->nips == 1 && lb_addr_eq(&ev->ips[0], &w->next)) {
		w->assigned++;
		lb_addr_next(&w->next);
		return;
	}
	if (!w->other++) {
		char ip[LB_ADDR_STRLEN], want[LB_ADDR_STRLEN];
		snprintf(w->first_bad, sizeof(w->first_bad), "%s: event type %d with %zu address(es) %s "
			 "(%s expected)", ev->service, (int)ev->type, ev->nips,
			 ev->nips ? lb_addr_format(&ev->ips[0], ip) : "-", lb_addr_format(&w->next, want));
	}
}

static struct lb_alloc *engine(struct watch *w, const struct lb_log *log, uint8_t family)
{
	struct lb_alloc_opts opts = {NULL, log, on_event, w};
	struct lb_alloc *a = lb_alloc_new(&opts);
	struct lb_pool_def *def;
	struct lb_err err;
	if (!a)
		die("out of memory");
	if (lb_pool_from_spec(family == LB_AF_INET ? POOL_NAME "=" POOL_V4 : POOL_NAME "=" POOL_V6,
			      &def, &err) < 0 ||
	    lb_alloc_set_pools(a, "--pool " POOL_NAME, &def, 1, &err) < 0)
		die("%s", err.msg);
	if (lb_alloc_require_sync(a, "Service") < 0)
		die("out of memory");
	return a;
}

static void check_engine(const struct lb_alloc *a, const struct watch *w)
{
	struct lb_err err;
	if (w->other)
		die("wrong result: %zu unexpected line(s); first: %s", w->other, w->first_bad);
	if (lb_alloc_check(a, &err) < 0)
		die("wrong result: engine inconsistent: %s", err.msg);
}

static void print_memory(size_t n, long rss_before, size_t heap_before, long rss_after,
			 size_t heap_after)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf(" rss_before_kb=%ld rss_after_kb=%ld peak_rss_kb=%ld maxrss_kb=%ld"
	       " bytes_per=%.1f heap_bytes_per=%.1f\n",
	       rss_before, rss_after, status_kb("VmHWM"), ru.ru_maxrss,
	       (double)(rss_after - rss_before) * 1024.0 / (double)n,
	       ((double)heap_after - (double)heap_before) / (double)n);
}

/* Fills the pool with n Services, one engine call each, after SYNCED. */
static int cmd_assign(uint8_t family, size_t n)
{
	struct lb_log log;
	struct watch w = {family, pool_first(family), 0, 0, ""};
	struct lb_err err;
	json_t **batch = malloc(BATCH * sizeof(*batch));
	if (!batch)
		die("out of memory");
	if (family == LB_AF_INET && n > POOL_V4_SIZE)
		die("%zu Services do not fit a pool of %llu addresses", n,
		    (unsigned long long)POOL_V4_SIZE);
	lb_log_init(&log, prog);

	struct lb_alloc *a = engine(&w, &log, family);
	lb_alloc_synced(a, "Service");
	if (!lb_alloc_is_synced(a))
		die("not synced after SYNCED");
	for (size_t k = 0; k < BATCH; k++)
		batch[k] = service_object(n + k, family, NULL);
	for (size_t k = 0; k < BATCH; k++)
		json_decref(batch[k]);
	long rss_before = status_kb("VmRSS");
	size_t heap_before = heap_in_use();

	double engine_s = 0, worst_batch = 0;
	for (size_t i = 0; i < n; i += BATCH) {
		size_t m = n - i < BATCH ? n - i : BATCH;
		for (size_t k = 0; k < m; k++)
			batch[k] = service_object(i + k, family, NULL);
		double t0 = now();
		for (size_t k = 0; k < m; k++) {
			if (lb_alloc_set_service(a, batch[k], &err) < 0)
				die("wrong result: %s", err.msg);
		}
		double dt = now() - t0;
		engine_s += dt;
		if (dt / (double)m > worst_batch)
			worst_batch = dt / (double)m;
		for (size_t k = 0; k < m; k++)
			json_decref(batch[k]);
	}
	long rss_after = status_kb("VmRSS");
	size_t heap_after = heap_in_use();

	check_engine(a, &w);
	if (w.assigned != n)
		die("wrong result: %zu of %zu Services assigned", w.assigned, n);
	printf("result kind=assign family=%u n=%zu total_s=%.6f per_op_ns=%.1f worst_batch_op_ns=%.1f",
	       family, n, engine_s, engine_s * 1e9 / (double)n, worst_batch * 1e9);
	print_memory(n, rss_before, heap_before, rss_after, heap_after);
	lb_alloc_free(a);
	free(batch);
	return 0;
}

struct pool_used {
	uint64_t used;
};

static void count_used(void *ctx, const struct lb_alloc_pool_info *info)
{
	struct pool_used *pu = ctx;
	pu->used += info->used[0] + info->used[1];
}

static struct lb_addr resync_addr(size_t i)
{
	return addr_plus(pool_first(LB_AF_INET), (uint64_t)i * RESYNC_STRIDE);
}

/* A restart: n Services that hold addresses arrive before SYNCED; at SYNCED
 * the engine confirms them all and must say nothing. */
static int cmd_resync(size_t n)
{
	struct lb_log log;
	struct watch w = {LB_AF_INET, pool_first(LB_AF_INET), 0, 0, ""};
	struct lb_err err;
	json_t **batch = malloc(BATCH * sizeof(*batch));
	if (!batch)
		die("out of memory");
	if ((uint64_t)n * RESYNC_STRIDE > POOL_V4_SIZE)
		die("%zu Services do not fit the pool %zu apart", n, (size_t)RESYNC_STRIDE);
	lb_log_init(&log, prog);

	struct lb_alloc *a = engine(&w, &log, LB_AF_INET);
	long rss_before = status_kb("VmRSS");
	size_t heap_before = heap_in_use();
	double feed_s = 0;
	for (size_t i = 0; i < n; i += BATCH) {
		size_t m = n - i < BATCH ? n - i : BATCH;
		for (size_t k = 0; k < m; k++) {
			struct lb_addr held = resync_addr(i + k);
			batch[k] = service_object(i + k, LB_AF_INET, &held);
		}
		double t0 = now();
		for (size_t k = 0; k < m; k++) {
			if (lb_alloc_set_service(a, batch[k], &err) < 0)
				die("wrong result: %s", err.msg);
		}
		feed_s += now() - t0;
		for (size_t k = 0; k < m; k++)
			json_decref(batch[k]);
	}
	double t0 = now();
	lb_alloc_synced(a, "Service");
	double sync_s = now() - t0;
	long rss_after = status_kb("VmRSS");
	size_t heap_after = heap_in_use();

	if (!lb_alloc_is_synced(a))
		die("not synced after SYNCED");
	if (w.assigned || w.other)
		die("wrong result: re-sync printed %zu line(s); first: %s", w.assigned + w.other,
		    w.first_bad[0] ? w.first_bad : "an ASSIGNED");
	check_engine(a, &w);
	/* Nothing moved: every Service holds exactly what its status showed. */
	for (size_t i = 0; i < n; i++) {
		char key[48], name[32];
		struct lb_alloc_state st;
		struct lb_addr want = resync_addr(i);
		service_name(i, name, sizeof(name));
		snprintf(key, sizeof(key), "bench/%s", name);
		if (lb_alloc_lookup(a, key, &st) < 0 || st.type != LB_ALLOC_ASSIGNED || st.nips != 1 ||
		    !lb_addr_eq(&st.ips[0], &want))
			die("wrong result: %s does not hold its address after re-sync", key);
	}
	struct pool_used pu = {0};
	lb_alloc_each_pool(a, count_used, &pu);
	if (pu.used != n)
		die("wrong result: the pool counts %llu addresses in use, not %zu",
		    (unsigned long long)pu.used, n);
	printf("result kind=resync family=4 n=%zu total_s=%.6f feed_s=%.6f lines=0", n, sync_s, feed_s);
	print_memory(n, rss_before, heap_before, rss_after, heap_after);
	lb_alloc_free(a);
	free(batch);
	return 0;
}

/* The same restart through lb-alloc itself: lb-watch lines from a file,
 * timed from exec to exit, JSON parsing included. */
static int cmd_binary(const char *lb_alloc, const char *dir, size_t n)
{
	char in_path[4096], out_path[4096], err_path[4096];
	snprintf(in_path, sizeof(in_path), "%s/resync.ndjson", dir);
	snprintf(out_path, sizeof(out_path), "%s/resync.out", dir);
	snprintf(err_path, sizeof(err_path), "%s/resync.err", dir);
	if ((uint64_t)n * RESYNC_STRIDE > POOL_V4_SIZE)
		die("%zu Services do not fit the pool %zu apart", n, (size_t)RESYNC_STRIDE);

	FILE *f = fopen(in_path, "w");
	if (!f)
		die("%s: %s", in_path, strerror(errno));
	for (size_t i = 0; i < n; i++) {
		struct lb_addr held = resync_addr(i);
		json_t *ev = json_pack("{s:s, s:o}", "type", "ADDED", "object",
				       service_object(i, LB_AF_INET, &held));
		if (!ev || json_dumpf(ev, f, JSON_COMPACT) < 0 || fputc('\n', f) == EOF)
			die("%s: cannot write", in_path);
		json_decref(ev);
	}
	fputs("{\"type\":\"SYNCED\",\"kind\":\"Service\"}\n", f);
	if (fclose(f) == EOF)
		die("%s: %s", in_path, strerror(errno));

	double t0 = now();
	pid_t pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		int in = open(in_path, O_RDONLY);
		int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int er = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (in < 0 || out < 0 || er < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 ||
		    dup2(er, 2) < 0)
			_exit(127);
		execl(lb_alloc, lb_alloc, "--pool", POOL_NAME "=" POOL_V4, "--require-sync", "Service",
		      (char *)NULL);
		_exit(127);
	}
	int status;
	struct rusage ru;
	if (wait4(pid, &status, 0, &ru) < 0)
		die("wait4: %s", strerror(errno));
	double wall = now() - t0;

	struct stat_size {
		long out, err;
	} sz = {0, 0};
	FILE *o = fopen(out_path, "r"), *e = fopen(err_path, "r");
	if (o && fseek(o, 0, SEEK_END) == 0)
		sz.out = ftell(o);
	if (e && fseek(e, 0, SEEK_END) == 0)
		sz.err = ftell(e);
	if (o)
		fclose(o);
	if (e)
		fclose(e);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		die("wrong result: %s exited with status %d (see %s)", lb_alloc,
		    WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), err_path);
	if (sz.out)
		die("wrong result: %s printed %ld bytes on re-sync (see %s)", lb_alloc, sz.out,
		    out_path);
	printf("result kind=binary family=4 n=%zu total_s=%.6f user_s=%.3f sys_s=%.3f"
	       " maxrss_kb=%ld stderr_bytes=%ld\n", n, wall,
	       (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6,
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6, ru.ru_maxrss,
	       sz.err);
	return 0;
}

/* ---- the peer: MetalLB-style linear scan (model) ------------------------------
 *
 * MetalLB's allocator (internal/allocator, AllocateFromPool) serves a new
 * Service by walking each CIDR of the pool with a cursor from its first
 * address and trying each address until one is not in use; filling a pool
 * of n Services therefore costs about n^2/2 steps. This model keeps that
 * strategy and nothing else: the in-use addresses live in an open-addressing
 * hash set of 128-bit numbers. It is generous to MetalLB: MetalLB formats
 * every candidate to a string and looks it up in Go maps keyed by that
 * string (and parses nothing less than the Service itself), while the model
 * only hashes two integers per candidate and parses no Service at all. */

struct used_set {
	uint64_t *hi, *lo; /* hi has bit 63 set in used slots (addresses here never do) */
	size_t mask, count;
};

static uint64_t mix(uint64_t x)
{
	x ^= x >> 30;
	x *= UINT64_C(0xbf58476d1ce4e5b9);
	x ^= x >> 27;
	x *= UINT64_C(0x94d049bb133111eb);
	return x ^ (x >> 31);
}

#define USED_BIT (UINT64_C(1) << 63)

static int used_has(const struct used_set *s, uint64_t hi, uint64_t lo)
{
	for (size_t i = (size_t)mix(hi ^ mix(lo)) & s->mask; s->hi[i]; i = (i + 1) & s->mask) {
		if (s->hi[i] == (hi | USED_BIT) && s->lo[i] == lo)
			return 1;
	}
	return 0;
}

static void used_add(struct used_set *s, uint64_t hi, uint64_t lo)
{
	size_t i = (size_t)mix(hi ^ mix(lo)) & s->mask;
	while (s->hi[i])
		i = (i + 1) & s->mask;
	s->hi[i] = hi | USED_BIT;
	s->lo[i] = lo;
	s->count++;
}

static int cmd_model(uint8_t family, size_t n)
{
	struct used_set s;
	size_t cap = 16;
	while (cap < 2 * n)
		cap *= 2;
	s.hi = calloc(cap, sizeof(*s.hi));
	s.lo = calloc(cap, sizeof(*s.lo));
	s.mask = cap - 1;
	s.count = 0;
	if (!s.hi || !s.lo)
		die("out of memory");
	/* The pool as numbers: IPv4 198.18.0.0 + 2^20, IPv6 2001:db8::/64. */
	uint64_t first_hi = family == LB_AF_INET ? 0 : UINT64_C(0x20010db800000000);
	uint64_t first_lo = family == LB_AF_INET ? UINT64_C(0xc6120000) : 0;
	uint64_t size = family == LB_AF_INET ? POOL_V4_SIZE : UINT64_MAX;
	uint64_t steps = 0;

	double t0 = now();
	for (size_t i = 0; i < n; i++) {
		uint64_t k = 0;
		/* Every Service starts again at the pool's first address. */
		while (k < size && used_has(&s, first_hi, first_lo + k))
			k++;
		if (k == size)
			die("wrong result: model pool exhausted at Service %zu", i);
		if (k != i)
			die("wrong result: model gave offset %llu to Service %zu",
			    (unsigned long long)k, i);
		steps += k + 1;
		used_add(&s, first_hi, first_lo + k);
	}
	double total = now() - t0;
	printf("result kind=model family=%u n=%zu total_s=%.6f per_op_ns=%.1f steps=%llu\n", family, n,
	       total, total * 1e9 / (double)n, (unsigned long long)steps);
	free(s.hi);
	free(s.lo);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "assign"))
		return cmd_assign(parse_family(argv[2]), parse_count(argv[3]));
	if (argc == 3 && !strcmp(argv[1], "resync"))
		return cmd_resync(parse_count(argv[2]));
	if (argc == 5 && !strcmp(argv[1], "binary"))
		return cmd_binary(argv[2], argv[3], parse_count(argv[4]));
	if (argc == 4 && !strcmp(argv[1], "model"))
		return cmd_model(parse_family(argv[2]), parse_count(argv[3]));
	fprintf(stderr, "usage: %s assign 4|6 N | resync N | binary LB-ALLOC DIR N | model 4|6 N\n",
		prog);
	return 2;
}
