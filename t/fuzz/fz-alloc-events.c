/* libFuzzer: arbitrary lb-watch event lines into the allocator, as
 * lb-alloc reads them: Services, pools (IPAddressPool and the legacy
 * ConfigMap's YAML), Namespaces, SYNCED. After every event the allocator's
 * own invariants must hold. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "alloc_input.h"
#include "ndjson.h"
#include "pool.h"

static void ignore(void *ctx, const struct lb_alloc_event *ev)
{
	(void)ctx;
	(void)ev;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	if (!devnull)
		devnull = fopen("/dev/null", "w");
	struct lb_log log;
	lb_log_init(&log, "fz-alloc-events");
	log.out = devnull;

	struct lb_alloc_opts o = {NULL, &log, ignore, NULL};
	struct lb_alloc *a = lb_alloc_new(&o);
	struct lb_alloc_input in = {a, "metallb-system/config", &log};
	struct lb_err err;
	struct lb_pool_def *def;
	/* A small pool so that exhaustion, sharing and requests all happen. */
	if (lb_pool_from_spec("seed=192.0.2.0/29,2001:db8::/126", &def, &err) == 0)
		lb_alloc_set_pools(a, "--pool seed", &def, 1, &err);

	struct lb_ndjson_reader rd;
	lb_ndjson_reader_init(&rd, "fuzz", 1 << 16);
	lb_ndjson_feed(&rd, data, size, &err);
	lb_ndjson_eof(&rd);
	json_t *ev;
	int st, n = 0;
	while ((st = lb_ndjson_next(&rd, &ev, &err)) != LB_NDJSON_AGAIN && n++ < 256) {
		if (st != LB_NDJSON_OBJECT)
			continue;
		lb_alloc_handle_event(&in, ev, &err);
		json_decref(ev);
		if (lb_alloc_check(a, &err) < 0) {
			fprintf(stderr, "invariant broken: %s\n", err.msg);
			__builtin_trap();
		}
	}
	lb_ndjson_reader_free(&rd);
	lb_alloc_free(a);
	return 0;
}
