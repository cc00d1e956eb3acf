/* libFuzzer target for lib/ndjson.c: the first byte picks where the rest is
 * split into two feeds, so line reassembly across reads is exercised too. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "ndjson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void drain(struct lb_ndjson_reader *r)
{
	struct lb_err err;
	json_t *obj;
	int rc;

	while ((rc = lb_ndjson_next(r, &obj, &err)) != LB_NDJSON_AGAIN) {
		if (rc == LB_NDJSON_OBJECT) {
			/* Whatever was accepted must serialise again. */
			char *s = json_dumps(obj, JSON_COMPACT);
			if (!s)
				__builtin_trap();
			free(s);
			json_decref(obj);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lb_ndjson_reader r;
	struct lb_err err;

	if (size < 1)
		return 0;
	size_t split = data[0] % size;
	data++;
	size--;
	if (split > size)
		split = size;
	/* A small limit so the over-long path is reached. */
	lb_ndjson_reader_init(&r, "<fuzz>", 256);
	lb_ndjson_feed(&r, data, split, &err);
	drain(&r);
	lb_ndjson_feed(&r, data + split, size - split, &err);
	drain(&r);
	lb_ndjson_eof(&r);
	drain(&r);
	lb_ndjson_reader_free(&r);
	return 0;
}
